/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The common case in a straight line: an untagged IPv4 TCP or UDP packet,
 * not a fragment, without IP options, on a running host. Its verdict here is
 * the one the general path (wlbs_xdp) would give, for the cases this takes:
 * not cluster traffic, another host's bucket (dropped unless this host holds
 * the connection), or this host's clean bucket. Anything else, and anything in doubt (a dirty
 * or draining bucket, remote control, no rule,
 * a SYN-ACK, another state), goes on to the general path. Most of what a
 * host receives is the other hosts' traffic: two thirds in a cluster of
 * three, dropped here after one hash and one owner byte.
 */
#ifndef WLBS_BPF_FAST_PATH_H
#define WLBS_BPF_FAST_PATH_H

#define WLBS_GENERAL_PATH (-1)

/*
 * The action for the packet (counted), or WLBS_GENERAL_PATH. A global
 * function: verified once, on its own, whatever the caller's state.
 */
__attribute__((noinline)) int wlbs_fast_verdict(struct xdp_md *ctx)
{
	void *data = xdp_data(ctx), *end = xdp_data_end(ctx);
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *th = (void *)(ip + 1); /* no IP options: the ports right after */
	struct udphdr *ports = (void *)(ip + 1);
	const struct wlbs_rule *r;
	struct wlbs_bucket *b;
	__u32 client[4], vip_addr[4], bucket, ri;
	__u16 dport;
	int vip, i;

	if (!ctx || (void *)(ports + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return WLBS_GENERAL_PATH;
	map_v4(vip_addr, ip->daddr);
	vip = wlbs_find_vip(live_tables(), vip_addr);
	if (vip < 0)
		return not_cluster_v4(ctx, eth, ip);
	if (ip->version != 4 || ip->ihl != 5 || (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
		return WLBS_GENERAL_PATH;
	dport = bpf_ntohs(ports->dest);
	if (ip->protocol == IPPROTO_TCP) {
		/* A SYN-ACK may answer another host's outbound connection. */
		if ((void *)(th + 1) > end || th->doff < 5 || (th->syn && th->ack))
			return WLBS_GENERAL_PATH;
	} else if (ip->protocol != IPPROTO_UDP ||
		   (wlbs_cfg.ctl_port &&
		    (dport == wlbs_cfg.ctl_port || dport == wlbs_cfg.ctl_port_legacy))) {
		return WLBS_GENERAL_PATH; /* remote control reaches every host */
	}
	if (wlbs_cfg.state != WLBS_FP_RUNNING)
		return WLBS_GENERAL_PATH;
	i = wlbs_rule_index(vip, ip->protocol, dport);
	if (i < 0 || i >= WLBS_MAX_RULES)
		return WLBS_GENERAL_PATH;
	ri = (__u32)i & (WLBS_MAX_RULES - 1);
	r = &live_tables()->rules[ri];
	if (r->mode == WLBS_MODE_DISABLED || (r->flags & (WLBS_RULE_F_OFF | WLBS_RULE_F_DRAIN)))
		return WLBS_GENERAL_PATH;
	map_v4(client, ip->saddr);
	bucket =
	    wlbs_flow_bucket(client, 1, bpf_ntohs(ports->source), r->affinity, wlbs_cfg.hash_seed);
	b = owner_entry(wlbs_cfg.gen & 1, ri, bucket);
	if (!b)
		return WLBS_GENERAL_PATH;
	if (b->owner == wlbs_cfg.host_id) {
		if (b->flags || !daemon_alive())
			return WLBS_GENERAL_PATH;
		return accept(eth, ri, WLBS_R_OWNED);
	}
	if (ip->protocol == IPPROTO_TCP && counted(wlbs_conn_slot(ri, bucket))) {
		/* This host counts connections in the bucket: is this one of them? */
		struct flow f = {
		    .v4 = 1, .client_port = bpf_ntohs(ports->source), .vip_port = dport};

		map_v4(f.client, ip->saddr);
		map_v4(f.vip, ip->daddr);
		if (may_hold(&f) && holds_connection(ctx, &f))
			return accept(eth, ri, WLBS_R_HELD);
	}
	return count(XDP_DROP, ri, WLBS_R_NOT_OWNER);
}

#endif
