/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From a classified flow to a verdict: port rule, bucket, owner, and whether
 * a local socket holds the connection. Every verdict is counted.
 */
#ifndef WLBS_BPF_VERDICT_H
#define WLBS_BPF_VERDICT_H

static __always_inline int count(int action, __u32 slot, __u32 reason)
{
	struct wlbs_stats *s = bpf_map_lookup_elem(&wlbs_stats, &slot);

	if (s && reason < WLBS_R_MAX)
		s->packets[reason]++;
	return action;
}

/* Accepts a cluster frame: the kernel must see it as addressed to this host. */
static __always_inline int accept(struct ethhdr *eth, __u32 slot, __u32 reason)
{
	__builtin_memcpy(eth->h_dest, wlbs_cfg.host_mac, ETH_ALEN);
	return count(XDP_PASS, slot, reason);
}

static __always_inline const struct wlbs_tables *live_tables(void)
{
	return &wlbs_tables[wlbs_cfg.gen & 1];
}

/*
 * True when a local TCP socket (not a listener) holds this flow's connection.
 * A request socket holds only the ACK of its own SYN-ACK: the client that
 * connected to another host answers our late SYN-ACK retransmit with a
 * challenge ACK, which the request socket would answer with a RST.
 */
static __always_inline int holds_connection(struct xdp_md *ctx, const struct flow *f)
{
	struct bpf_sock_tuple tup = {};
	struct bpf_sock *sk;
	__u32 len;
	int held;

	if (f->v4) {
		tup.ipv4.saddr = f->client[3];
		tup.ipv4.daddr = f->vip[3];
		tup.ipv4.sport = bpf_htons(f->client_port);
		tup.ipv4.dport = bpf_htons(f->vip_port);
		len = sizeof(tup.ipv4);
	} else {
		__builtin_memcpy(tup.ipv6.saddr, f->client, 16);
		__builtin_memcpy(tup.ipv6.daddr, f->vip, 16);
		tup.ipv6.sport = bpf_htons(f->client_port);
		tup.ipv6.dport = bpf_htons(f->vip_port);
		len = sizeof(tup.ipv6);
	}
	sk = bpf_skc_lookup_tcp(ctx, &tup, len, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	/* With no connection the lookup falls back to the listener: not held. */
	held = sk->state != BPF_TCP_LISTEN;
	if (sk->state == BPF_TCP_NEW_SYN_RECV && f->ack) {
		struct tcp_request_sock *req = bpf_skc_to_tcp_request_sock(sk);

		held = req && bpf_ntohl(f->ack_seq) == req->snt_isn + 1;
	}
	bpf_sk_release(sk);
	return held;
}

/*
 * True while wlbsd keeps its liveness deadline ahead (or none is set).
 * bpf_jiffies64() is inlined by the verifier into one load; any ktime helper
 * costs more than the rest of the verdict here.
 */
static __always_inline int daemon_alive(void)
{
	__u64 deadline = wlbs_cfg.alive_deadline;

	return !deadline || (__s64)(bpf_jiffies64() - deadline) <= 0;
}

static __always_inline int is_default_host(void)
{
	return wlbs_cfg.default_host && wlbs_cfg.default_host == wlbs_cfg.host_id;
}

/*
 * Cluster traffic no rule covers goes to the default host, and only while it
 * takes new connections: running (a draining host is default no more) and
 * its wlbsd alive. A host whose daemon is gone must not go on as a second
 * default host beside the one the others chose.
 */
static __always_inline int uncovered(struct ethhdr *eth)
{
	if (wlbs_cfg.state == WLBS_FP_STOPPED)
		return count(XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_STOPPED);
	if (!is_default_host() || wlbs_cfg.state != WLBS_FP_RUNNING)
		return count(XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT);
	if (!daemon_alive())
		return count(XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_STALE);
	return accept(eth, WLBS_STATS_NO_RULE, WLBS_R_DEFAULT);
}

/* True while this host counts local connections in conns slot @slot. */
static __always_inline int counted(__u32 slot)
{
	__u32 word = slot / 64;
	__u64 *held = bpf_map_lookup_elem(&wlbs_held, &word);

	return held && (*held & (1ull << (slot % 64)));
}

/*
 * False when no counted local connection hashes to @f's wlbs_conn_hint slot:
 * this host holds no such connection, and the socket lookup is not needed.
 */
static __always_inline int may_hold(const struct flow *f)
{
	__u32 h = wlbs_hint_slot(f->client, f->client_port, f->vip, f->vip_port), key = 0;
	struct wlbs_hint_table *t = bpf_map_lookup_elem(&wlbs_conn_hint, &key);

	return t && t->n[h % WLBS_HINT_SLOTS];
}

/* True when this host counts local connections in conns slot @slot and holds @f's. */
static __always_inline int holds_counted(struct xdp_md *ctx, const struct flow *f, __u32 slot)
{
	return counted(slot) && may_hold(f) && holds_connection(ctx, f);
}

/* The owner table of rule @rule in generation @gen, or NULL. */
static __always_inline const struct wlbs_owner_table *owner_table(__u32 gen, __u32 rule)
{
	__u32 key = wlbs_owner_table(gen, rule);

	return bpf_map_lookup_elem(&wlbs_owners, &key);
}

/* The flags of bucket @bucket of rule @rule in generation @gen, or NULL. */
static __always_inline __u8 *bucket_flags(__u32 gen, __u32 rule, __u32 bucket)
{
	__u32 key = wlbs_owner_table(gen, rule);
	struct wlbs_flag_table *t = bpf_map_lookup_elem(&wlbs_bucket_flags, &key);

	return t ? &t->flags[bucket % WLBS_BUCKETS] : NULL;
}

/*
 * True while the owner's mark of the bucket with flags @flags (wlbs_conns
 * slot @cslot) after a foreign SYN-ACK lasts; an expired one clears
 * WLBS_BUCKET_F_SYNACK.
 */
static __always_inline int synack_dirty(__u8 *flags, __u32 cslot)
{
	__u64 *until = bpf_map_lookup_elem(&wlbs_synack_dirty, &cslot);

	if (until && *until && bpf_ktime_get_ns() < *until)
		return 1;
	if (until)
		*until = 0;
	*flags &= ~WLBS_BUCKET_F_SYNACK;
	return 0;
}

/*
 * True while the default host's mark after a foreign SYN-ACK of no rule
 * lasts. An expired one is cleared (unless a new one came meanwhile), so
 * that the clock is read only while a mark is set.
 */
static __always_inline int uncovered_synack_dirty(void)
{
	__u32 zero = 0;
	__u64 *until = bpf_map_lookup_elem(&wlbs_uncovered_synack, &zero), t;

	if (!until || !(t = *until))
		return 0;
	if (bpf_ktime_get_ns() < t)
		return 1;
	__sync_val_compare_and_swap(until, t, 0);
	return 0;
}

/*
 * A SYN-ACK to a cluster IP answers a connection a host opened from it
 * (FTP active mode, a client bound to the cluster IP). Its SYN_SENT socket
 * says whose it is; every other host drops it, and the bucket's owner (the
 * default host, for a port no rule covers) marks the bucket dirty at once so
 * that it never answers the connection's next packets with a RST (the holder
 * advertises it from its next heartbeat on).
 * wlbsd may publish a table before that heartbeat: it carries the mark
 * (WLBS_BUCKET_F_SYNACK) over, and wlbs_synack_dirty says until when.
 */
static __always_inline int foreign_synack(struct xdp_md *ctx, struct ethhdr *eth,
					  const struct flow *f, __u32 slot, __u8 *flags, int owned,
					  __u32 bucket)
{
	__u32 cslot = wlbs_conn_slot(slot, bucket), zero = 0;
	__u8 *idle;
	__u64 *until;

	if (holds_connection(ctx, f))
		return accept(eth, slot, WLBS_R_HELD);
	if (slot == WLBS_STATS_NO_RULE && owned) {
		until = bpf_map_lookup_elem(&wlbs_uncovered_synack, &zero);
		if (until)
			*until = bpf_ktime_get_ns() + WLBS_SYNACK_DIRTY_MS * 1000000ull;
	} else if (flags && owned) {
		*flags |= WLBS_BUCKET_F_SYNACK;
		/* The table wlbsd may be staging now, too: the mark survives its flip. */
		idle = bucket_flags((wlbs_cfg.gen & 1) ^ 1, slot, bucket);
		if (idle)
			*idle |= WLBS_BUCKET_F_SYNACK;
		until = bpf_map_lookup_elem(&wlbs_synack_dirty, &cslot);
		if (until)
			*until = bpf_ktime_get_ns() + WLBS_SYNACK_DIRTY_MS * 1000000ull;
	}
	return count(XDP_DROP, slot, WLBS_R_FOREIGN_SYNACK);
}

/*
 * The index of the live rule covering (cluster IP index @vip, IP protocol
 * @l4proto, destination port @port), or -1. A global (separately verified)
 * function: the verifier cannot tell its results apart, so the verdict that
 * follows is walked once, not once per rule index.
 */
__attribute__((noinline)) int wlbs_rule_index(__u32 vip, __u32 l4proto, __u32 port)
{
	return wlbs_find_rule(live_tables(), vip, (__u8)l4proto, (__u16)port);
}

/* The verdict for a classified cluster flow; f->rule gets its stats slot. */
static __always_inline int wlbs_decide(struct xdp_md *ctx, struct flow *f)
{
	void *data = xdp_data(ctx), *end = xdp_data_end(ctx);
	const struct wlbs_tables *t = live_tables();
	struct ethhdr *eth = data;
	const struct wlbs_owner_table *o;
	const struct wlbs_rule *r;
	__u32 bucket, ri;
	int i, owned, stale = 0;
	__u8 *flags;

	if (!f || (void *)(eth + 1) > end)
		return XDP_DROP;
	f->rule = WLBS_STATS_NO_RULE;
	i = wlbs_rule_index(f->vip_idx, f->l4proto, f->vip_port);
	if (i < 0 || i >= WLBS_MAX_RULES) {
		if (f->l4proto != IPPROTO_TCP || f->syn)
			return uncovered(eth);
		if (f->synack)
			return foreign_synack(ctx, eth, f, WLBS_STATS_NO_RULE, NULL,
					      is_default_host(), 0);
		/* Held by a host that is default no more (draining, or its wlbsd gone). */
		if (!is_default_host() || wlbs_cfg.state != WLBS_FP_RUNNING || !daemon_alive()) {
			if ((wlbs_cfg.flags & WLBS_CFG_F_UNCOVERED_RELEASED)
				? holds_connection(ctx, f)
				: holds_counted(ctx, f, WLBS_CONN_UNCOVERED))
				return accept(eth, WLBS_STATS_NO_RULE, WLBS_R_HELD);
			return uncovered(eth);
		}
		/* The default host: another host may hold the connection, never a RST. */
		if ((wlbs_cfg.flags & WLBS_CFG_F_UNCOVERED_DIRTY) || uncovered_synack_dirty()) {
			if (holds_connection(ctx, f))
				return accept(eth, WLBS_STATS_NO_RULE, WLBS_R_HELD);
			return count(XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_DIRTY);
		}
		return uncovered(eth);
	}
	/* Masked: the verifier loses the checked range where i is spilled. */
	ri = (__u32)i & (WLBS_MAX_RULES - 1);
	f->rule = ri;
	r = &t->rules[ri];
	if (r->mode == WLBS_MODE_DISABLED || (r->flags & WLBS_RULE_F_OFF))
		return count(XDP_DROP, ri, WLBS_R_RULE_DISABLED);

	bucket =
	    wlbs_flow_bucket(f->client, f->v4, f->client_port, r->affinity, wlbs_cfg.hash_seed);
	bucket %= WLBS_BUCKETS;
	o = owner_table(wlbs_cfg.gen & 1, ri);
	flags = bucket_flags(wlbs_cfg.gen & 1, ri, bucket);
	if (!o || !flags)
		return count(XDP_DROP, ri, WLBS_R_MALFORMED);
	owned = o->owner[bucket] == wlbs_cfg.host_id;
	if (f->synack)
		return foreign_synack(ctx, eth, f, ri, flags, owned, bucket);

	if (owned && wlbs_cfg.state == WLBS_FP_RUNNING && !(r->flags & WLBS_RULE_F_DRAIN)) {
		if (!daemon_alive()) {
			stale = 1;
		} else if (f->l4proto == IPPROTO_TCP && !f->syn &&
			   (*flags & (WLBS_BUCKET_F_DIRTY | WLBS_BUCKET_F_SYNACK)) &&
			   ((*flags & WLBS_BUCKET_F_DIRTY) ||
			    synack_dirty(flags, wlbs_conn_slot(ri, bucket)))) {
			/* Another host may hold this connection: never answer it with a RST. */
			if (holds_connection(ctx, f))
				return accept(eth, ri, WLBS_R_HELD);
			return count(XDP_DROP, ri, WLBS_R_DIRTY);
		} else {
			return accept(eth, ri, WLBS_R_OWNED);
		}
	}

	if (f->l4proto == IPPROTO_TCP && ((o->owner[bucket] & WLBS_OWNER_F_RELEASED) && !owned
					      ? !f->syn && holds_connection(ctx, f)
					      : holds_counted(ctx, f, wlbs_conn_slot(ri, bucket))))
		return accept(eth, ri, WLBS_R_HELD);
	return count(XDP_DROP, ri, stale ? WLBS_R_STALE : WLBS_R_NOT_OWNER);
}

#endif
