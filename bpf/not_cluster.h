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
 * host's. Only unicast frames are forwarded. A global function: the route
 * lookup's 64 bytes are filled in here only, not on the stack of every
 * frame that is not cluster traffic.
 */
__attribute__((noinline)) int wlbs_hairpin_verdict(struct xdp_md *ctx, __u32 l3off, __u32 v4)
{
	void *data = xdp_data(ctx), *end = xdp_data_end(ctx);
	struct bpf_fib_lookup fib = {};
	struct ipv6hdr *ip6;
	struct iphdr *ip;
	long rc;

	if (!ctx || l3off > 22)
		return not_cluster();
	if (v4) {
		ip = data + l3off;
		if ((void *)(ip + 1) > end)
			return not_cluster();
		fib.family = AF_INET;
		fib.l4_protocol = ip->protocol;
		fib.tot_len = bpf_ntohs(ip->tot_len);
		fib.tos = ip->tos;
		fib.ipv4_src = ip->saddr;
		fib.ipv4_dst = ip->daddr;
	} else {
		ip6 = data + l3off;
		if ((void *)(ip6 + 1) > end)
			return not_cluster();
		fib.family = AF_INET6;
		fib.l4_protocol = ip6->nexthdr;
		fib.tot_len = bpf_ntohs(ip6->payload_len);
		copy_v6(fib.ipv6_src, &ip6->saddr);
		copy_v6(fib.ipv6_dst, &ip6->daddr);
	}
	fib.ifindex = ctx->ingress_ifindex;
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if ((rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH) &&
	    fib.ifindex == ctx->ingress_ifindex)
		return count(XDP_DROP, WLBS_STATS_NOT_CLUSTER, WLBS_R_HAIRPIN);
	return not_cluster();
}

static __always_inline int may_hairpin(const struct ethhdr *eth)
{
	return (wlbs_cfg.flags & WLBS_CFG_F_NO_HAIRPIN) && !(eth->h_dest[0] & 1);
}

/* The verdict on an IP packet (at @l3off, @v4 or IPv6) for no cluster IP. */
static __always_inline int not_cluster_ip(struct xdp_md *ctx, const struct ethhdr *eth, __u32 l3off,
					  __u32 v4)
{
	if (may_hairpin(eth))
		return wlbs_hairpin_verdict(ctx, l3off, v4);
	return not_cluster();
}

#endif
