// SPDX-License-Identifier: GPL-2.0
/* Gratuitous ARP and unsolicited neighbour advertisements (see announce.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/ip6.h>

#include "net/announce.h"
#include "net/cluster_mac.h"
#include "log.h"

struct arp_frame {
	struct ether_header eth;
	struct ether_arp arp;
	uint8_t pad[ANN_ARP_LEN - 42];
} __attribute__((packed));
_Static_assert(sizeof(struct arp_frame) == ANN_ARP_LEN, "arp_frame layout");

struct na_frame {
	struct ether_header eth;
	struct ip6_hdr ip6;
	struct nd_neighbor_advert na;
	struct nd_opt_hdr opt; /* target link-layer address */
	uint8_t opt_mac[ETH_ALEN];
} __attribute__((packed));
_Static_assert(sizeof(struct na_frame) == ANN_NA_LEN, "na_frame layout");

static const uint8_t bcast_mac[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
/* ff02::1, all nodes, and its Ethernet group 33:33:00:00:00:01 */
static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
static const uint8_t all_nodes_mac[ETH_ALEN] = {0x33, 0x33, 0, 0, 0, 0x01};

void ann_build_arp(uint8_t buf[ANN_ARP_LEN], const uint8_t mac[6], struct in_addr ip)
{
	struct arp_frame f;

	memset(&f, 0, sizeof(f));
	memcpy(f.eth.ether_dhost, bcast_mac, ETH_ALEN);
	memcpy(f.eth.ether_shost, mac, ETH_ALEN);
	f.eth.ether_type = htons(ETHERTYPE_ARP);
	f.arp.arp_hrd = htons(ARPHRD_ETHER);
	f.arp.arp_pro = htons(ETHERTYPE_IP);
	f.arp.arp_hln = ETH_ALEN;
	f.arp.arp_pln = 4;
	/* A request, not a reply: every stack updates its cache from it (RFC 5227 3). */
	f.arp.arp_op = htons(ARPOP_REQUEST);
	memcpy(f.arp.arp_sha, mac, ETH_ALEN);
	memcpy(f.arp.arp_spa, &ip, 4);
	memcpy(f.arp.arp_tpa, &ip, 4);
	memcpy(buf, &f, sizeof(f));
}

/* RFC 1071 sum of len bytes (len even) added to sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	return sum;
}

/* ICMPv6 checksum of msg (len bytes, checksum field zero) from src to dst. */
static uint16_t icmp6_csum(const struct in6_addr *src, const struct in6_addr *dst,
			   const uint8_t *msg, size_t len)
{
	uint32_t sum = 0;

	sum = csum_add(sum, src->s6_addr, 16);
	sum = csum_add(sum, dst->s6_addr, 16);
	sum += (uint32_t)len + IPPROTO_ICMPV6; /* upper-layer length, next header */
	sum = csum_add(sum, msg, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void ann_build_na(uint8_t buf[ANN_NA_LEN], const uint8_t mac[6], const struct in6_addr *ip,
		  bool router)
{
	const size_t l4 = ANN_NA_LEN - sizeof(struct ether_header) - sizeof(struct ip6_hdr);
	uint8_t *msg = buf + ANN_NA_LEN - l4;
	struct na_frame f;
	uint16_t c;

	memset(&f, 0, sizeof(f));
	memcpy(f.eth.ether_dhost, all_nodes_mac, ETH_ALEN);
	memcpy(f.eth.ether_shost, mac, ETH_ALEN);
	f.eth.ether_type = htons(ETHERTYPE_IPV6);
	f.ip6.ip6_flow = htonl(6u << 28);
	f.ip6.ip6_plen = htons((uint16_t)l4);
	f.ip6.ip6_nxt = IPPROTO_ICMPV6;
	f.ip6.ip6_hlim = 255; /* receivers drop ND with any other hop limit */
	f.ip6.ip6_src = *ip;
	memcpy(&f.ip6.ip6_dst, all_nodes, 16);
	f.na.nd_na_type = ND_NEIGHBOR_ADVERT;
	/* Override: replace the cached MAC; not solicited: nobody asked. */
	f.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE | (router ? ND_NA_FLAG_ROUTER : 0);
	f.na.nd_na_target = *ip;
	f.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	f.opt.nd_opt_len = 1; /* in units of 8 bytes */
	memcpy(f.opt_mac, mac, ETH_ALEN);
	memcpy(buf, &f, sizeof(f));
	/* Offset 2 of the ICMPv6 message, in network order. */
	c = icmp6_csum(ip, (const struct in6_addr *)all_nodes, msg, l4);
	msg[2] = (uint8_t)(c >> 8);
	msg[3] = (uint8_t)c;
}

static bool skipped(const struct nl_addr *a, const struct nl_addr *skip, int n_skip)
{
	size_t len = a->family == AF_INET ? 4 : 16;
	int i;

	for (i = 0; i < n_skip; i++)
		if (skip[i].family == a->family && !memcmp(&skip[i].a, &a->a, len))
			return true;
	return false;
}

/* IPv6 forwarding on the interface: the host is a router to its neighbours. */
static bool is_router(const char *ifname)
{
	char path[96], val[8];

	snprintf(path, sizeof(path), "net/ipv6/conf/%s/forwarding", ifname);
	return !cmac_sysctl_get(path, val, sizeof(val), NULL) && !strcmp(val, "1");
}

/* The frames announcing family's addresses, appended to frames[*n]; 0 or -errno. */
static int build_family(int ifindex, int family, const struct nl_link *link,
			const struct nl_addr *skip, int n_skip, uint8_t frames[][ANN_NA_LEN],
			size_t lens[], int *n, struct nl_err *err)
{
	struct nl_addr addrs[ANN_MAX_ADDRS];
	bool router = family == AF_INET6 && is_router(link->name);
	int i, got;

	got = nl_addr_list(ifindex, family, addrs, ANN_MAX_ADDRS, err);
	if (got < 0)
		return got;
	if (got > ANN_MAX_ADDRS) {
		log_warn("%s has %d %s addresses, announcing the first %d", link->name, got,
			 family == AF_INET ? "IPv4" : "IPv6", ANN_MAX_ADDRS);
		got = ANN_MAX_ADDRS;
	}
	for (i = 0; i < got; i++) {
		if (skipped(&addrs[i], skip, n_skip))
			continue;
		if (family == AF_INET) {
			ann_build_arp(frames[*n], link->mac, addrs[i].a.v4);
			lens[(*n)++] = ANN_ARP_LEN;
		} else {
			ann_build_na(frames[*n], link->mac, &addrs[i].a.v6, router);
			lens[(*n)++] = ANN_NA_LEN;
		}
	}
	return 0;
}

/* Every frame once; 0 or the first -errno. */
static int send_round(int fd, int ifindex, uint8_t frames[][ANN_NA_LEN], const size_t lens[], int n)
{
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = ifindex};
	int i;

	for (i = 0; i < n; i++) {
		to.sll_protocol = htons(lens[i] == ANN_ARP_LEN ? ETH_P_ARP : ETH_P_IPV6);
		if (sendto(fd, frames[i], lens[i], 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			return -errno;
	}
	return 0;
}

int ann_host_addrs(int ifindex, const struct nl_addr *skip, int n_skip, struct nl_err *err)
{
	static const struct timespec gap = {0, ANN_INTERVAL_MS * 1000000L};
	uint8_t frames[2 * ANN_MAX_ADDRS][ANN_NA_LEN];
	size_t lens[2 * ANN_MAX_ADDRS];
	struct nl_link link;
	int fd, r, n = 0, ret;

	ret = nl_link_get_index(ifindex, &link, err);
	if (ret)
		return ret;
	if (!(link.flags & IFF_UP))
		return 0;
	ret = build_family(ifindex, AF_INET, &link, skip, n_skip, frames, lens, &n, err);
	if (!ret)
		ret = build_family(ifindex, AF_INET6, &link, skip, n_skip, frames, lens, &n, err);
	if (ret)
		return ret;
	/* Protocol 0: this socket only sends, it never queues a copy of the traffic. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		nl_seterr(err, "announce socket: %s", strerror(errno));
		return ret;
	}
	for (r = 0; r < ANN_ROUNDS && !ret; r++) {
		if (r)
			nanosleep(&gap, NULL);
		ret = send_round(fd, ifindex, frames, lens, n);
	}
	close(fd);
	if (ret) {
		nl_seterr(err, "announcing the addresses of %s: %s", link.name, strerror(-ret));
		return ret;
	}
	return n;
}
