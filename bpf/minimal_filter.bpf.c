// SPDX-License-Identifier: GPL-2.0
/*
 * The bench's yardstick: the least a bucket filter of this design can do.
 * Parse Ethernet, IPv4/IPv6 and the ports, hash the flow with the shared
 * hash, look up the bucket's owner (one byte each, one rule), pass or drop.
 * No VLANs, fragments, ICMP, ARP, connection tracking or counters.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "wlbs/common.h"
#include "wlbs/hash.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP   0x0800
#define ETH_P_IPV6 0x86DD

/* One struct, so that a loader without the skeleton (bench/peers.sh) knows the layout. */
struct {
	__be32 vip4;		  /* offset 0 */
	__u32 vip6[4];		  /* 4, network order */
	__u32 seed;		  /* 20 */
	__u8 host;		  /* 24 */
	__u8 owner[WLBS_BUCKETS]; /* 25 */
} min_cfg;

static __always_inline int verdict(const __u32 client[4], int v4, void *l4, void *end)
{
	struct udphdr *ports = l4; /* TCP and UDP both start with the ports */
	__u32 b;

	if ((void *)(ports + 1) > end)
		return XDP_DROP;
	b = wlbs_flow_bucket(client, v4, bpf_ntohs(ports->source), WLBS_AFF_NONE, min_cfg.seed);
	return min_cfg.owner[b] == min_cfg.host ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int minimal_filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6;
	struct iphdr *ip;
	__u32 client[4];

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end || ip->daddr != min_cfg.vip4)
			return XDP_PASS;
		if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
			return XDP_PASS;
		client[0] = 0;
		client[1] = 0;
		client[2] = bpf_htonl(0xffff);
		client[3] = ip->saddr;
		return verdict(client, 1, (void *)ip + ip->ihl * 4, end);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end || ip6->daddr.in6_u.u6_addr32[3] != min_cfg.vip6[3] ||
		    ip6->daddr.in6_u.u6_addr32[2] != min_cfg.vip6[2] ||
		    ip6->daddr.in6_u.u6_addr32[1] != min_cfg.vip6[1] ||
		    ip6->daddr.in6_u.u6_addr32[0] != min_cfg.vip6[0])
			return XDP_PASS;
		if (ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP)
			return XDP_PASS;
		__builtin_memcpy(client, &ip6->saddr, 16);
		return verdict(client, 0, ip6 + 1, end);
	}
	return XDP_PASS;
}
