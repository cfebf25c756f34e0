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

int cfg_ip2mac(const char *ipv4, int mode, unsigned char mac[6])
{
	struct in_addr a;

	if (!ipv4 || inet_pton(AF_INET, ipv4, &a) != 1)
		return -EINVAL;
	return ip2mac_bytes((const unsigned char *)&a.s_addr, mode, mac);
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
