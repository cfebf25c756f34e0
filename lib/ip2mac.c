// SPDX-License-Identifier: GPL-2.0
/* NLB's ip2mac: cluster MAC address from the cluster IPv4 address. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "ip2mac.h"

static const char *const mode_names[] = {
    [WLBS_CLUSTER_MULTICAST] = "multicast",
    [WLBS_CLUSTER_IGMP] = "igmp",
    [WLBS_CLUSTER_UNICAST] = "unicast",
};

int ip2mac_bytes(const unsigned char ip[4], int mode, unsigned char mac[6])
{
	switch (mode) {
	case WLBS_CLUSTER_UNICAST:
	case WLBS_CLUSTER_MULTICAST:
		mac[0] = mode == WLBS_CLUSTER_UNICAST ? 0x02 : 0x03;
		mac[1] = 0xbf;
		memcpy(mac + 2, ip, 4);
		return 0;
	case WLBS_CLUSTER_IGMP:
		/* IPv4 multicast MAC of 239.255.c.d, the group hosts join. */
		mac[0] = 0x01;
		mac[1] = 0x00;
		mac[2] = 0x5e;
		mac[3] = 0x7f;
		mac[4] = ip[2];
		mac[5] = ip[3];
		return 0;
	}
	return -EINVAL;
}

const char *ip2mac_parse(const char *ip, unsigned char abcd[4], bool *v6)
{
	static const unsigned char zero[4], ones[4] = {255, 255, 255, 255};
	struct in6_addr a6;

	*v6 = false;
	if (ip && inet_pton(AF_INET, ip, abcd) == 1) {
		if (!memcmp(abcd, zero, 4))
			return "not a cluster IP (the unspecified address)";
		if (!memcmp(abcd, ones, 4))
			return "not a cluster IP (the broadcast address)";
		return NULL;
	}
	if (!ip || inet_pton(AF_INET6, ip, &a6) != 1)
		return "not an IPv4 or IPv6 address";
	if (IN6_IS_ADDR_UNSPECIFIED(&a6) || IN6_IS_ADDR_MULTICAST(&a6))
		return "not a cluster IP (unspecified or multicast)";
	/* An IPv6-only cluster derives its MAC from the low 32 bits of its first IP. */
	memcpy(abcd, &a6.s6_addr[12], 4);
	*v6 = true;
	return NULL;
}

int cfg_ip2mac(const char *ip, int mode, unsigned char mac[6])
{
	unsigned char abcd[4];
	bool v6;

	if (ip2mac_parse(ip, abcd, &v6))
		return -EINVAL;
	return ip2mac_bytes(abcd, mode, mac);
}

void ip2mac_igmp_group(const unsigned char mac[6], unsigned char group[4])
{
	group[0] = 239;
	group[1] = 255;
	group[2] = mac[4];
	group[3] = mac[5];
}

int ip2mac_mode_parse(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcasecmp(name, mode_names[i]))
			return (int)i;
	return -EINVAL;
}

const char *ip2mac_mode_name(int mode)
{
	if (mode < 0 || mode >= (int)(sizeof(mode_names) / sizeof(mode_names[0])))
		return "?";
	return mode_names[mode];
}

void ip2mac_format(const unsigned char mac[6], char buf[IP2MAC_STRLEN])
{
	snprintf(buf, IP2MAC_STRLEN, "%02x-%02x-%02x-%02x-%02x-%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
}
