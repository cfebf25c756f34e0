/* SPDX-License-Identifier: GPL-2.0 */
/* Frames not addressed to a cluster IP: passed, except another host's in unicast mode. */
#ifndef WLBS_BPF_NOT_CLUSTER_H
#define WLBS_BPF_NOT_CLUSTER_H

static __always_inline int not_cluster(void)
{
	return count(XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER);
}

/*
 * Unicast mode: every host's NIC has the cluster MAC, so each receives the
 * frames for the other hosts' own addresses as if they were its own. With
 * forwarding on, the kernel would route them back out where they came from
 * (duplicates and ICMP redirects on the segment): such a frame is another
 * host's. Only unicast frames are forwarded; @fib holds the addresses.
 */
static __always_inline int may_hairpin(const struct ethhdr *eth)
{
	return (wlbs_cfg.flags & WLBS_CFG_F_NO_HAIRPIN) && !(eth->h_dest[0] & 1);
}

static __always_inline int not_cluster_ip(struct xdp_md *ctx, struct ethhdr *eth,
					  struct bpf_fib_lookup *fib)
{
	long rc;

	fib->ifindex = ctx->ingress_ifindex;
	rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
	if ((rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH) &&
	    fib->ifindex == ctx->ingress_ifindex)
		return count(XDP_DROP, WLBS_STATS_NOT_CLUSTER, WLBS_R_HAIRPIN);
	return not_cluster();
}

static __always_inline int not_cluster_v4(struct xdp_md *ctx, struct ethhdr *eth,
					  const struct iphdr *ip)
{
	struct bpf_fib_lookup fib = {};

	if (!may_hairpin(eth))
		return not_cluster(); /* before the route lookup's 64 bytes are filled in */
	fib.family = AF_INET;
	fib.l4_protocol = ip->protocol;
	fib.tot_len = bpf_ntohs(ip->tot_len);
	fib.tos = ip->tos;
	fib.ipv4_src = ip->saddr;
	fib.ipv4_dst = ip->daddr;
	return not_cluster_ip(ctx, eth, &fib);
}

static __always_inline int not_cluster_v6(struct xdp_md *ctx, struct ethhdr *eth,
					  const struct ipv6hdr *ip6)
{
	struct bpf_fib_lookup fib = {};

	if (!may_hairpin(eth))
		return not_cluster();
	fib.family = AF_INET6;
	fib.l4_protocol = ip6->nexthdr;
	fib.tot_len = bpf_ntohs(ip6->payload_len);
	copy_v6(fib.ipv6_src, &ip6->saddr);
	copy_v6(fib.ipv6_dst, &ip6->daddr);
	return not_cluster_ip(ctx, eth, &fib);
}

#endif
