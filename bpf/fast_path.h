/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The common case in a straight line: an untagged IPv4 or IPv6 TCP or UDP
 * packet, not a fragment, without IP options or extension headers, on a
 * running host. Its verdict here is the one the general path
 * (wlbs_xdp_general) would give, for the cases this takes: not cluster
 * traffic, another host's bucket (dropped unless this host holds the
 * connection), or this host's clean bucket. Anything else, and anything in
 * doubt (a dirty or draining bucket, remote control, no rule, a SYN-ACK,
 * another state), goes on to the general path. Most of what a host receives
 * is the other hosts' traffic: two thirds in a cluster of three, dropped
 * here after one hash and one owner byte. Inlined into wlbs_xdp, a program
 * of its own without calls: the general path is another program
 * (wlbs_xdp_general), tail-called.
 */
#ifndef WLBS_BPF_FAST_PATH_H
#define WLBS_BPF_FAST_PATH_H

#define WLBS_GENERAL_PATH (-1)

/* The transport checks both families share: a SYN-ACK or remote control is not plain. */
static __always_inline int fast_plain_l4(__u8 proto, const struct tcphdr *th, void *end,
					 __u16 dport)
{
	if (proto == IPPROTO_TCP) {
		/* A SYN-ACK may answer another host's outbound connection. */
		return (void *)(th + 1) <= end && th->doff >= 5 && !(th->syn && th->ack);
	}
	/* Remote control reaches every host. */
	return proto == IPPROTO_UDP && !(wlbs_cfg.ctl_port && (dport == wlbs_cfg.ctl_port ||
							       dport == wlbs_cfg.ctl_port_legacy));
}

/* What a lookup for the TCP segment @th needs. */
static __always_inline void fast_tcp_flags(struct flow *f, __u8 proto, const struct tcphdr *th,
					   void *end)
{
	f->syn = 0;
	f->ack = 0;
	f->ack_seq = 0;
	if (proto == IPPROTO_TCP && (void *)(th + 1) <= end) {
		f->syn = th->syn;
		f->ack = th->ack;
		f->ack_seq = th->ack_seq;
	}
}

/* wlbs_find_rule() for TCP/UDP @proto, from the port table when it knows. */
static __always_inline int port_rule(__u32 vip, __u8 proto, __u16 port)
{
	__u32 key = wlbs_cfg.gen & 1;
	struct wlbs_port_rules *p = bpf_map_lookup_elem(&wlbs_port_rules, &key);
	__u8 v = p ? p->rule[proto == IPPROTO_UDP][port] : WLBS_PORT_WALK;

	if (v == WLBS_PORT_NO_RULE)
		return -1;
	if (v != WLBS_PORT_WALK)
		return v - 1;
	return wlbs_find_rule(live_tables(), vip, proto, port);
}

/*
 * The verdict for cluster IP index @vip once the headers are read: @client
 * the client address (v4-mapped), @f the ports and v4 (IPv4: the addresses
 * too, all the held-connection check reads), or WLBS_GENERAL_PATH: rule,
 * bucket, owner, and for another host's counted TCP bucket whether this
 * host holds the connection.
 */
static __always_inline int fast_decide(struct xdp_md *ctx, struct ethhdr *eth, int vip,
				       const __u32 client[4], const struct flow *f, __u8 proto)
{
	const struct wlbs_owner_table *o;
	const struct wlbs_rule *r;
	__u32 bucket, ri;
	__u8 *flags, owner;
	int i, released;

	if (wlbs_cfg.state != WLBS_FP_RUNNING)
		return WLBS_GENERAL_PATH;
	i = port_rule(vip, proto, f->vip_port);
	if (i < 0 || i >= WLBS_MAX_RULES)
		return WLBS_GENERAL_PATH;
	ri = (__u32)i & (WLBS_MAX_RULES - 1);
	r = &live_tables()->rules[ri];
	if (r->mode == WLBS_MODE_DISABLED || (r->flags & (WLBS_RULE_F_OFF | WLBS_RULE_F_DRAIN)))
		return WLBS_GENERAL_PATH;
	bucket = wlbs_flow_bucket(client, f->v4, f->client_port, r->affinity, wlbs_cfg.hash_seed);
	o = owner_table(wlbs_cfg.gen & 1, ri);
	if (!o)
		return WLBS_GENERAL_PATH;
	owner = o->owner[bucket % WLBS_BUCKETS];
	if (owner == wlbs_cfg.host_id) {
		flags = bucket_flags(wlbs_cfg.gen & 1, ri, bucket);
		if (!flags || *flags || !daemon_alive())
			return WLBS_GENERAL_PATH;
		return accept(eth, ri, WLBS_R_OWNED);
	}
	/*
	 * This host counts connections in the bucket, or gave it away lately
	 * (a handshake it began may end here): is this one of them? IPv6 asks
	 * on the general path (its lookup would make this function's stack, on
	 * top of wlbs_xdp's, more than BPF allows).
	 */
	released = owner & WLBS_OWNER_F_RELEASED;
	if (proto == IPPROTO_TCP && (released || counted(wlbs_conn_slot(ri, bucket)))) {
		if (!f->v4)
			return WLBS_GENERAL_PATH;
		if ((released ? !f->syn : may_hold(f)) && holds_connection(ctx, f))
			return accept(eth, ri, WLBS_R_HELD);
	}
	return count(XDP_DROP, ri, WLBS_R_NOT_OWNER);
}

/* The action for the IPv4 packet @eth (counted), or WLBS_GENERAL_PATH. */
static __always_inline int fast_verdict4(struct xdp_md *ctx, struct ethhdr *eth, void *end)
{
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *th = (void *)(ip + 1); /* no IP options: the ports right after */
	struct udphdr *ports = (void *)(ip + 1);
	struct flow f; /* only what fast_decide() reads */
	int vip;

	if ((void *)(ports + 1) > end)
		return WLBS_GENERAL_PATH;
	map_v4(f.vip, ip->daddr);
	vip = wlbs_find_vip(live_tables(), f.vip);
	if (vip < 0)
		return may_hairpin(eth) ? WLBS_GENERAL_PATH : not_cluster();
	if (ip->version != 4 || ip->ihl != 5 || (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
		return WLBS_GENERAL_PATH;
	f.vip_port = bpf_ntohs(ports->dest);
	if (!fast_plain_l4(ip->protocol, th, end, f.vip_port))
		return WLBS_GENERAL_PATH;
	map_v4(f.client, ip->saddr);
	f.client_port = bpf_ntohs(ports->source);
	f.v4 = 1;
	fast_tcp_flags(&f, ip->protocol, th, end);
	return fast_decide(ctx, eth, vip, f.client, &f, ip->protocol);
}

/*
 * The same for IPv6 without extension headers (ICMPv6, neighbour discovery
 * among it, takes the general path).
 */
static __always_inline int fast_verdict6(struct xdp_md *ctx, struct ethhdr *eth, void *end)
{
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct tcphdr *th = (void *)(ip6 + 1);
	struct udphdr *ports = (void *)(ip6 + 1);
	struct flow f; /* the ports and v4: the addresses are read in the packet */
	int vip;

	if ((void *)(ports + 1) > end)
		return WLBS_GENERAL_PATH;
	if (ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP)
		return WLBS_GENERAL_PATH;
	vip = wlbs_find_vip(live_tables(), ip6->daddr.in6_u.u6_addr32);
	if (vip < 0)
		return may_hairpin(eth) ? WLBS_GENERAL_PATH : not_cluster();
	if (ip6->version != 6)
		return WLBS_GENERAL_PATH;
	f.vip_port = bpf_ntohs(ports->dest);
	if (!fast_plain_l4(ip6->nexthdr, th, end, f.vip_port))
		return WLBS_GENERAL_PATH;
	f.client_port = bpf_ntohs(ports->source);
	f.v4 = 0;
	fast_tcp_flags(&f, ip6->nexthdr, th, end);
	return fast_decide(ctx, eth, vip, ip6->saddr.in6_u.u6_addr32, &f, ip6->nexthdr);
}

#endif
