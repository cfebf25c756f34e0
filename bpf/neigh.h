/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ARP and IPv6 neighbour discovery for cluster IPs: the default host answers
 * with the cluster MAC, every other host drops the request so that no kernel
 * ever answers with its own MAC.
 */
#ifndef WLBS_BPF_NEIGH_H
#define WLBS_BPF_NEIGH_H

static __always_inline int mac_equal(const __u8 *a, const __u8 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] && a[4] == b[4] &&
	       a[5] == b[5];
}

/*
 * An ARP or NA says cluster IP @vip (table index) is at @mac. Every host of
 * this cluster says the cluster MAC, so another MAC is another cluster or
 * machine claiming the address: recorded for wlbsd, the verdict unchanged.
 */
static __always_inline void note_claim(int vip, const __u32 addr[4], const __u8 *mac)
{
	struct wlbs_vip_claim *c;
	__u32 key = (__u32)vip;

	if (mac_equal(mac, wlbs_cfg.cluster_mac))
		return;
	c = bpf_map_lookup_elem(&wlbs_vip_claims, &key);
	if (!c)
		return;
	__builtin_memcpy(c->addr, addr, 16);
	__builtin_memcpy(c->mac, mac, ETH_ALEN);
	c->last_ns = bpf_ktime_get_ns();
	__sync_fetch_and_add(&c->count, 1);
}

/*
 * True when this host answers neighbour requests for the cluster: the default
 * host while it takes new connections (so exactly one host answers).
 */
static __always_inline int answers_neighbours(void)
{
	return is_default_host() && wlbs_cfg.state == WLBS_FP_RUNNING && daemon_alive();
}

static __always_inline int handle_arp(struct ethhdr *eth, void *l3, void *end)
{
	const struct wlbs_tables *t = live_tables();
	struct arp_eth *arp = l3;
	__u32 tip[4], from[4];
	__be32 sip;
	int vip;

	if ((void *)(arp + 1) > end || arp->hrd != bpf_htons(ARPHRD_ETHER) ||
	    arp->pro != bpf_htons(ETH_P_IP) || arp->hln != ETH_ALEN || arp->pln != 4)
		return count(XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER);
	/* Request or reply, gratuitous or not: the sender says where the address is. */
	map_v4(from, arp->sip);
	vip = wlbs_find_vip(t, from);
	if (vip >= 0)
		note_claim(vip, from, arp->sha);
	map_v4(tip, arp->tip);
	if (wlbs_find_vip(t, tip) < 0)
		return count(XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER);
	/* A reply to a host that asked from a cluster IP: only the asker has an entry to fill. */
	if (arp->op != bpf_htons(ARPOP_REQUEST))
		return accept(eth, WLBS_STATS_NO_RULE, WLBS_R_NEIGH_PASS);
	if (!answers_neighbours())
		return count(XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_ARP_DROP);

	/* Turn the request into the reply in place. */
	sip = arp->sip;
	__builtin_memcpy(eth->h_dest, arp->sha, ETH_ALEN);
	__builtin_memcpy(eth->h_source, wlbs_cfg.src_mac, ETH_ALEN);
	arp->op = bpf_htons(ARPOP_REPLY);
	__builtin_memcpy(arp->tha, arp->sha, ETH_ALEN);
	__builtin_memcpy(arp->sha, wlbs_cfg.cluster_mac, ETH_ALEN);
	arp->tip = sip;
	arp->sip = tip[3];
	return count(XDP_TX, WLBS_STATS_NO_RULE, WLBS_R_ARP_REPLY);
}

/* ICMPv6 neighbour solicitation or advertisement body with one link-layer option. */
struct wlbs_nd_msg {
	__u8 type;
	__u8 code;
	__sum16 csum;
	__be32 flags; /* NA: R S O bits; NS: reserved */
	__u32 target[4];
	__u8 opt_type;
	__u8 opt_len; /* 8-byte units */
	__u8 opt_mac[ETH_ALEN];
};

#define NA_FLAG_SOLICITED 0x40000000
#define NA_FLAG_OVERRIDE  0x20000000

static __always_inline __u32 sum16(const void *p, int words, __u32 sum)
{
	const __u16 *w = p;
	int i;

	for (i = 0; i < words; i++)
		sum += w[i];
	return sum;
}

static __always_inline __sum16 fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/*
 * Rewrites the frame into the NA @na for @dst: exactly Ethernet (+tags) +
 * IPv6 + NA. Separate (global) function so that the packet pointers it takes
 * after bpf_xdp_adjust_tail() are fresh ones.
 */
__attribute__((noinline)) int wlbs_send_na(struct xdp_md *ctx, __u32 l3off,
					   const struct wlbs_nd_msg *na, const struct wlbs_vip *dst,
					   int unspecified)
{
	static const __u8 all_nodes[ETH_ALEN] = {0x33, 0x33, 0, 0, 0, 1};
	void *data = xdp_data(ctx), *end = xdp_data_end(ctx);
	struct ipv6hdr *ip6;
	struct ethhdr *eth;
	int delta;

	if (!na || !dst || l3off > 22)
		return XDP_DROP;
	delta = (int)(l3off + sizeof(*ip6) + sizeof(*na)) - (int)(end - data);
	if (delta && bpf_xdp_adjust_tail(ctx, delta))
		return count(XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_MALFORMED);
	data = xdp_data(ctx);
	end = xdp_data_end(ctx);
	eth = data;
	/* The compiler drops the first bound as known; the verifier needs it here. */
	asm volatile("" : "+r"(l3off));
	if (l3off > 22)
		return XDP_DROP;
	ip6 = data + l3off;
	if ((void *)(eth + 1) > end || (void *)(ip6 + 1) + sizeof(*na) > end)
		return count(XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_MALFORMED);

	if (unspecified)
		__builtin_memcpy(eth->h_dest, all_nodes, ETH_ALEN);
	else
		__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, wlbs_cfg.src_mac, ETH_ALEN);
	ip6->priority = 0;
	ip6->version = 6;
	__builtin_memset(ip6->flow_lbl, 0, sizeof(ip6->flow_lbl));
	ip6->payload_len = bpf_htons(sizeof(*na));
	ip6->nexthdr = NEXTHDR_ICMPV6;
	ip6->hop_limit = 255;
	__builtin_memcpy(&ip6->saddr, na->target, 16);
	__builtin_memcpy(&ip6->daddr, dst->addr, 16);
	__builtin_memcpy(ip6 + 1, na, sizeof(*na));
	return count(XDP_TX, WLBS_STATS_NO_RULE, WLBS_R_ND_REPLY);
}

/*
 * A neighbour advertisement for a cluster IP: its target link-layer address
 * option (the one NAs carry in their first option), else the frame's source.
 */
static __always_inline void na_claim(struct ethhdr *eth, struct wlbs_nd_msg *na, void *end)
{
	const struct wlbs_tables *t = live_tables();
	const __u8 *mac = eth->h_source;
	int vip;

	if ((void *)(eth + 1) > end)
		return;
	vip = wlbs_find_vip(t, na->target);
	if (vip < 0)
		return;
	if ((void *)(na + 1) <= end && na->opt_type == ND_OPT_TARGET_LL_ADDR && na->opt_len == 1)
		mac = na->opt_mac;
	note_claim(vip, na->target, mac);
}

/*
 * A neighbour solicitation at @l3off (IPv6 header, no extension headers)
 * whose target may be a cluster IP. Returns -1, packet untouched, when it is
 * none of ours. An advertisement is only looked at (na_claim) and gets -1.
 */
static __always_inline int handle_ns(struct xdp_md *ctx, __u32 l3off)
{
	void *data = xdp_data(ctx), *end = xdp_data_end(ctx);
	const struct wlbs_tables *t = live_tables();
	struct wlbs_nd_msg *ns, na = {};
	struct wlbs_vip dst;
	struct ipv6hdr *ip6;
	__u32 src[4], sum;
	int unspecified;

	if (l3off > 22)
		return -1;
	ip6 = data + l3off;
	ns = (void *)(ip6 + 1);
	if ((void *)ns + 24 > end || ns->code != 0)
		return -1;
	if (ns->type == NDISC_NEIGHBOUR_ADVERTISEMENT) {
		na_claim(data, ns, end);
		return -1;
	}
	if (ns->type != NDISC_NEIGHBOUR_SOLICITATION)
		return -1;
	if (wlbs_find_vip(t, ns->target) < 0)
		return -1;
	if (!answers_neighbours())
		return count(XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_ND_DROP);

	copy_v6(src, &ip6->saddr);
	unspecified = !(src[0] | src[1] | src[2] | src[3]);
	__builtin_memcpy(na.target, ns->target, 16);
	na.type = NDISC_NEIGHBOUR_ADVERTISEMENT;
	na.flags = bpf_htonl(NA_FLAG_OVERRIDE | (unspecified ? 0 : NA_FLAG_SOLICITED));
	na.opt_type = ND_OPT_TARGET_LL_ADDR;
	na.opt_len = 1;
	__builtin_memcpy(na.opt_mac, wlbs_cfg.cluster_mac, ETH_ALEN);
	if (unspecified) { /* answer to duplicate address detection: all nodes */
		dst.addr[0] = bpf_htonl(0xff020000);
		dst.addr[1] = 0;
		dst.addr[2] = 0;
		dst.addr[3] = bpf_htonl(1);
	} else {
		__builtin_memcpy(dst.addr, src, 16);
	}
	sum = sum16(na.target, 8, 0) + sum16(dst.addr, 8, 0);
	sum += bpf_htons(sizeof(na)) + bpf_htons(NEXTHDR_ICMPV6);
	na.csum = fold(sum16(&na, sizeof(na) / 2, sum));
	return wlbs_send_na(ctx, l3off, &na, &dst, unspecified);
}

#endif
