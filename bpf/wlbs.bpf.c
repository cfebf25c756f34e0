// SPDX-License-Identifier: GPL-2.0
/*
 * wlbs fast path. Every host of the cluster sees every frame for a cluster IP;
 * this program passes the ones this host owns (its bucket of the port rule, or
 * a connection it holds) and drops the rest. Entry points: XDP (the filter),
 * tc ingress (makes accepted multicast frames PACKET_HOST for TCP), and a
 * tp_btf hook that counts local connections per bucket.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "wlbs/common.h"
#include "wlbs/hash.h"
#include "wlbs/lookup.h"
#include "consts.h"
#include "maps.h"
#include "parse.h"
#include "verdict.h"
#include "neigh.h"
#include "not_cluster.h"
#include "fast_path.h"

char LICENSE[] SEC("license") = "GPL";

_Static_assert(WLBS_IPPROTO_TCP == IPPROTO_TCP && WLBS_IPPROTO_UDP == IPPROTO_UDP,
	       "wlbs/lookup.h protocol numbers");

static __always_inline int malformed(void)
{
	return count(XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_MALFORMED);
}

/* First-fragment verdicts live as long as the kernel keeps a datagram's fragments. */
static __always_inline __u64 frag_ttl_ns(int v4)
{
	__u32 ms = v4 ? wlbs_cfg.frag_ttl_ms_v4 : wlbs_cfg.frag_ttl_ms_v6;

	if (!ms)
		ms = v4 ? WLBS_FRAG_TTL_MS_V4 : WLBS_FRAG_TTL_MS_V6;
	return (__u64)ms * 1000000;
}

/*
 * A fragment that carries no ports follows its first fragment's verdict.
 * One that comes first (reordered) goes to every host that is not stopped:
 * the first fragment then reaches its owner alone, so only the owner's
 * reassembly completes; the others' expires within the kernel's bounds.
 */
static __always_inline int later_fragment(struct ethhdr *eth, struct wlbs_frag_key *key)
{
	struct wlbs_frag_verdict *v = bpf_map_lookup_elem(&wlbs_frags, key);
	__u32 slot;

	if (v && v->expires_ns < bpf_ktime_get_ns()) {
		bpf_map_delete_elem(&wlbs_frags, key); /* an IP ID reused after the timeout */
		v = NULL;
	}
	if (!v) {
		if (wlbs_cfg.state == WLBS_FP_STOPPED)
			return count(XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_STOPPED);
		return accept(eth, WLBS_STATS_NO_RULE, WLBS_R_FRAG_EARLY);
	}
	slot = v->rule < WLBS_STATS_SLOTS ? v->rule : WLBS_STATS_NO_RULE;
	if (v->accept)
		return accept(eth, slot, WLBS_R_FRAG_PASS);
	return count(XDP_DROP, slot, WLBS_R_FRAG_DROP);
}

/* Decides a classified flow and remembers the verdict of a first fragment. */
static __always_inline int decide_flow(struct xdp_md *ctx, struct ethhdr *eth, struct flow *f,
				       struct wlbs_frag_key *key)
{
	struct wlbs_frag_verdict v = {};
	int action;

	/*
	 * Remote control reaches every host, stopped ones too (they can be
	 * started), while its wlbsd is there to answer: a dead one's kernel
	 * would answer port unreachable from the cluster IP.
	 */
	if (f->l4proto == IPPROTO_UDP && !f->quoted && wlbs_cfg.ctl_port &&
	    (f->vip_port == wlbs_cfg.ctl_port || f->vip_port == wlbs_cfg.ctl_port_legacy)) {
		f->rule = WLBS_STATS_NO_RULE;
		if (daemon_alive())
			action = accept(eth, WLBS_STATS_NO_RULE, WLBS_R_CONTROL);
		else
			action = count(XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_STALE);
	} else if (wlbs_cfg.state == WLBS_FP_STOPPED) {
		return count(XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_STOPPED);
	} else {
		action = wlbs_decide(ctx, f);
	}
	if (f->frag == FRAG_FIRST) {
		v.accept = action == XDP_PASS;
		v.rule = f->rule;
		v.expires_ns = bpf_ktime_get_ns() + frag_ttl_ns(f->v4);
		bpf_map_update_elem(&wlbs_frags, key, &v, BPF_ANY);
	}
	return action;
}

static __always_inline int handle_ipv4(struct xdp_md *ctx, struct ethhdr *eth, __u32 l3off,
				       void *end)
{
	void *l3 = (void *)eth + l3off;
	struct wlbs_frag_key key = {};
	struct iphdr *ip = l3, *qip;
	struct flow f = {};
	struct icmphdr *ic;
	__u16 frag_off;
	void *l4;
	int vip;

	if ((void *)(ip + 1) > end)
		return not_cluster();
	map_v4(f.vip, ip->daddr);
	vip = wlbs_find_vip(live_tables(), f.vip);
	if (vip < 0)
		return not_cluster_ip(ctx, eth, l3off, 1);
	if (ip->version != 4 || ip->ihl < 5)
		return malformed();
	l4 = l3 + ip->ihl * 4;
	if (l4 > end)
		return malformed();

	f.vip_idx = vip;
	f.v4 = 1;
	f.l4proto = ip->protocol;
	map_v4(f.client, ip->saddr);
	frag_off = bpf_ntohs(ip->frag_off);
	if (frag_off & (IP_MF | IP_OFFSET)) {
		key.saddr[3] = ip->saddr;
		key.daddr[3] = ip->daddr;
		key.id = ip->id;
		key.proto = ip->protocol;
		if (frag_off & IP_OFFSET)
			return later_fragment(eth, &key);
		f.frag = FRAG_FIRST;
	}

	if (f.l4proto == IPPROTO_ICMP) {
		ic = l4;
		if ((void *)(ic + 1) > end)
			return malformed();
		if (ic->type != ICMP_DEST_UNREACH && ic->type != ICMP_SOURCE_QUENCH &&
		    ic->type != ICMP_TIME_EXCEEDED && ic->type != ICMP_PARAMETERPROB)
			return uncovered(eth);
		/* An error about a flow of ours goes where that flow goes. */
		qip = (void *)(ic + 1);
		if ((void *)(qip + 1) > end || qip->ihl < 5)
			return malformed();
		f.quoted = 1;
		map_v4(f.client, qip->daddr);
		map_v4(f.vip, qip->saddr);
		f.l4proto = qip->protocol;
		if (parse_quoted_ports(&f, (void *)qip + qip->ihl * 4, end))
			return malformed();
	} else if (parse_ports(&f, l4, end)) {
		return malformed();
	}
	return decide_flow(ctx, eth, &f, &key);
}

static __always_inline int handle_ipv6(struct xdp_md *ctx, __u32 l3off)
{
	void *data = xdp_data(ctx), *end = xdp_data_end(ctx);
	struct wlbs_frag_key key = {};
	struct ip6_frag_hdr *fh;
	struct ip6_opt_hdr *oh;
	struct icmp6hdr *ic;
	struct ipv6hdr *ip6, *qip;
	struct ethhdr *eth = data;
	struct flow f = {};
	__u8 nexthdr;
	void *l4;
	int vip, i, action;

	if (l3off > 22)
		return not_cluster();
	ip6 = data + l3off;
	if ((void *)(ip6 + 1) > end)
		return not_cluster();
	if (ip6->nexthdr == NEXTHDR_ICMPV6) {
		action = handle_ns(ctx, l3off);
		if (action >= 0)
			return action;
		/* The verifier forgets packet pointers across a call that may resize. */
		data = xdp_data(ctx);
		end = xdp_data_end(ctx);
		eth = data;
		ip6 = data + l3off;
		if ((void *)(ip6 + 1) > end)
			return not_cluster();
	}
	copy_v6(f.vip, &ip6->daddr);
	vip = wlbs_find_vip(live_tables(), f.vip);
	if (vip < 0)
		return not_cluster_ip(ctx, eth, l3off, 0);
	if (ip6->version != 6)
		return malformed();

	f.vip_idx = vip;
	copy_v6(f.client, &ip6->saddr);
	nexthdr = ip6->nexthdr;
	l4 = ip6 + 1;
	for (i = 0; i < IPV6_MAX_EXT_HDRS; i++) {
		if (nexthdr == NEXTHDR_FRAGMENT) {
			fh = l4;
			if ((void *)(fh + 1) > end)
				return malformed();
			__builtin_memcpy(key.saddr, f.client, 16);
			__builtin_memcpy(key.daddr, f.vip, 16);
			key.id = fh->id;
			key.proto = fh->nexthdr;
			nexthdr = fh->nexthdr;
			l4 = fh + 1;
			if (bpf_ntohs(fh->frag_off) & ~7)
				return later_fragment(eth, &key);
			if (bpf_ntohs(fh->frag_off) & 1)
				f.frag = FRAG_FIRST;
		} else if (nexthdr == NEXTHDR_HOP || nexthdr == NEXTHDR_ROUTING ||
			   nexthdr == NEXTHDR_DEST || nexthdr == NEXTHDR_AUTH) {
			oh = l4;
			if ((void *)(oh + 1) > end)
				return malformed();
			l4 += nexthdr == NEXTHDR_AUTH ? (oh->len + 2) * 4 : (oh->len + 1) * 8;
			nexthdr = oh->nexthdr;
		} else {
			break;
		}
	}
	if (i == IPV6_MAX_EXT_HDRS)
		return malformed();

	f.l4proto = nexthdr;
	if (nexthdr == NEXTHDR_ICMPV6) {
		ic = l4;
		if ((void *)(ic + 1) > end)
			return malformed();
		/* The answer to a host's own solicitation sent from a cluster IP: for the asker. */
		if (ic->icmp6_type == NDISC_NEIGHBOUR_ADVERTISEMENT)
			return accept(eth, WLBS_STATS_NO_RULE, WLBS_R_NEIGH_PASS);
		if (ic->icmp6_type == 0 || ic->icmp6_type > ICMPV6_ERR_MAX)
			return uncovered(eth);
		qip = (void *)(ic + 1);
		if ((void *)(qip + 1) > end)
			return malformed();
		f.quoted = 1;
		copy_v6(f.client, &qip->daddr);
		copy_v6(f.vip, &qip->saddr);
		f.l4proto = qip->nexthdr;
		if (parse_quoted_ports(&f, qip + 1, end))
			return malformed();
	} else if (parse_ports(&f, l4, end)) {
		return malformed();
	}
	return decide_flow(ctx, eth, &f, &key);
}

/*
 * The general path: every frame the straight-line one (wlbs_xdp) leaves,
 * VLAN tags, IP options and fragments, ICMP, ARP, heartbeats and every
 * verdict in doubt, reached by a tail call. A program of its own: verified
 * on its own, and the common case pays for none of it.
 */
SEC("xdp")
int wlbs_xdp_general(struct xdp_md *ctx)
{
	void *data, *end;
	struct ethhdr *eth;
	__u32 l3off;
	__be16 proto;

	data = xdp_data(ctx);
	end = xdp_data_end(ctx);
	eth = data;
	if ((void *)(eth + 1) > end)
		return not_cluster();
	if (eth->h_proto == bpf_htons(ETH_P_IP) || eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		/*
		 * For the verifier only: without this second read of the
		 * packet pointers its walk of what follows passes 1,000,000
		 * instructions (with it, about 540,000).
		 */
		data = xdp_data(ctx);
		end = xdp_data_end(ctx);
		eth = data;
	}
	if (skip_vlans(data, end, &proto, &l3off))
		return not_cluster();
	if (proto == bpf_htons(ETH_P_IP))
		return handle_ipv4(ctx, eth, l3off, end);
	if (proto == bpf_htons(ETH_P_IPV6))
		return handle_ipv6(ctx, l3off);
	if (proto == bpf_htons(ETH_P_ARP))
		return handle_arp(eth, data + l3off, end);
	if (proto == bpf_htons(WLBS_ETH_P_HEARTBEAT))
		return count(XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_HEARTBEAT);
	return not_cluster();
}

/* The general path, the one entry of wlbs_general. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int(struct xdp_md *));
} wlbs_general SEC(".maps") = {
    .values = {[0] = (void *)&wlbs_xdp_general},
};

/*
 * The program wlbsd attaches: the straight-line paths (fast_path.h) in one
 * function without calls (every BPF function returns through a thunk on
 * this kernel), then the general path.
 */
SEC("xdp")
int wlbs_xdp(struct xdp_md *ctx)
{
	void *data = xdp_data(ctx), *end = xdp_data_end(ctx);
	struct ethhdr *eth = data;
	int action = WLBS_GENERAL_PATH;

	if ((void *)(eth + 1) > end)
		return not_cluster();
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		action = fast_verdict4(ctx, eth, end);
	else if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		action = fast_verdict6(ctx, eth, end);
	else if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return handle_arp(eth, eth + 1, end); /* untagged: no need of the general path */
	if (action == XDP_DROP || action == XDP_PASS)
		return action;
	bpf_tail_call_static(ctx, &wlbs_general, 0);
	/* Only if the general path were missing: fail closed. */
	return count(XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_MALFORMED);
}

/*
 * On veth and in generic XDP the skb was classified before XDP rewrote the
 * destination MAC, and TCP drops frames that are not PACKET_HOST.
 */
SEC("tc")
int wlbs_tc_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if (skb->pkt_type == PACKET_HOST || (void *)(eth + 1) > end)
		return TC_ACT_OK;
	if (mac_equal(eth->h_dest, wlbs_cfg.host_mac))
		bpf_skb_change_type(skb, PACKET_HOST);
	return TC_ACT_OK;
}

/* Lets wlbsd read jiffies, the clock of the liveness deadline. */
SEC("syscall")
int wlbs_clock(struct wlbs_clock *c)
{
	c->jiffies = bpf_jiffies64();
	c->mono_ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * The kernel solicits a client's MAC from the cluster IP it answers from,
 * offering its own MAC: the client would then send to this host alone. The
 * offered (source link-layer) address becomes the cluster MAC.
 */
static __always_inline void ns_offer_cluster_mac(struct __sk_buff *skb, __u32 l3off)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct wlbs_nd_msg *ns, old;
	struct ipv6hdr *ip6;
	__u32 saddr[4];
	__s64 diff;

	if (l3off > 22)
		return;
	ip6 = data + l3off;
	ns = (void *)(ip6 + 1);
	if ((void *)(ns + 1) > end || ip6->nexthdr != NEXTHDR_ICMPV6 ||
	    ns->type != NDISC_NEIGHBOUR_SOLICITATION || ns->opt_type != 1 || ns->opt_len != 1)
		return;
	copy_v6(saddr, &ip6->saddr);
	if (wlbs_find_vip(live_tables(), saddr) < 0 || mac_equal(ns->opt_mac, wlbs_cfg.cluster_mac))
		return;
	old = *ns;
	__builtin_memcpy(ns->opt_mac, wlbs_cfg.cluster_mac, ETH_ALEN);
	diff = bpf_csum_diff((__be32 *)&old.opt_type, 8, (__be32 *)&ns->opt_type, 8, 0);
	if (diff >= 0)
		bpf_l4_csum_replace(skb, l3off + sizeof(*ip6) + 2, 0, diff, 0);
}

/*
 * The same for ARP: the kernel asks for a client's MAC from the cluster IP
 * (a host without a dedicated IP in that subnet), and the client would learn
 * this host's MAC for the cluster IP from the request.
 */
static __always_inline void arp_offer_cluster_mac(struct __sk_buff *skb, __u32 l3off)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct arp_eth *arp;
	__u32 sip[4];

	if (l3off > 22)
		return;
	arp = data + l3off;
	if ((void *)(arp + 1) > end || arp->hrd != bpf_htons(ARPHRD_ETHER) ||
	    arp->pro != bpf_htons(ETH_P_IP) || arp->hln != ETH_ALEN || arp->pln != 4)
		return;
	map_v4(sip, arp->sip);
	if (wlbs_find_vip(live_tables(), sip) < 0 || mac_equal(arp->sha, wlbs_cfg.cluster_mac))
		return;
	__builtin_memcpy(arp->sha, wlbs_cfg.cluster_mac, ETH_ALEN);
}

/*
 * Frames this host sends on the cluster interface. Only unicast masking and
 * the ARP/ND offers above change any: every other frame leaves after one
 * look at its ethertype and one at the flags (the program runs on all of
 * this host's traffic, and mostly finds its data out of cache).
 */
SEC("tc")
int wlbs_tc_egress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	__u32 l3off;
	__be16 proto;

	if ((void *)(eth + 1) > end)
		return TC_ACT_OK;
	proto = eth->h_proto;
	if (proto != bpf_htons(ETH_P_IPV6) && proto != bpf_htons(ETH_P_ARP) &&
	    proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD) &&
	    !(wlbs_cfg.flags & WLBS_CFG_F_MASK_SRC))
		return TC_ACT_OK;
	if (skip_vlans(data, end, &proto, &l3off))
		return TC_ACT_OK;
	/* Unicast mode: switches must never learn the shared MAC on one port. */
	if ((wlbs_cfg.flags & WLBS_CFG_F_MASK_SRC) &&
	    mac_equal(eth->h_source, wlbs_cfg.cluster_mac))
		__builtin_memcpy(eth->h_source, wlbs_cfg.src_mac, ETH_ALEN);
	if (proto == bpf_htons(ETH_P_IPV6))
		ns_offer_cluster_mac(skb, l3off);
	else if (proto == bpf_htons(ETH_P_ARP))
		arp_offer_cluster_mac(skb, l3off);
	return TC_ACT_OK;
}

/* TCP states in which a local socket holds a client connection. */
static __always_inline int holding_state(int state)
{
	return state == TCP_ESTABLISHED || state == TCP_SYN_RECV || state == TCP_FIN_WAIT1 ||
	       state == TCP_FIN_WAIT2 || state == TCP_CLOSE_WAIT || state == TCP_LAST_ACK ||
	       state == TCP_CLOSING;
}

/* A socket's 4-tuple as its packets show it: v4-mapped addresses, ports in host order. */
struct sock_tuple {
	__u32 local[4], remote[4];
	__u16 lport, rport;
};

static __always_inline void sock_tuple(const struct sock *sk, struct sock_tuple *t)
{
	if (BPF_CORE_READ(sk, __sk_common.skc_family) == AF_INET) {
		map_v4(t->local, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
		map_v4(t->remote, BPF_CORE_READ(sk, __sk_common.skc_daddr));
	} else {
		BPF_CORE_READ_INTO(&t->local, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32);
		BPF_CORE_READ_INTO(&t->remote, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr32);
	}
	/* Not skc_num: inet_put_port() zeroes it before the change to CLOSE is traced. */
	t->lport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	t->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

/*
 * The wlbs_conns slot of a cluster TCP socket (tuple @tp) under the live
 * tables: 0 with @slot set (WLBS_CONN_UNCOVERED when no rule covers it), or
 * -1 when it is not a cluster socket of this netns.
 */
static __always_inline int sock_conn_slot(const struct sock *sk, const struct sock_tuple *tp,
					  __u32 *slot)
{
	const struct wlbs_tables *t = live_tables();
	const struct wlbs_rule *r;
	int vip, i, v4;

	if (BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum) != wlbs_cfg.netns_ino)
		return -1;
	v4 = tp->local[0] == 0 && tp->local[1] == 0 && tp->local[2] == bpf_htonl(0xffff);
	vip = wlbs_find_vip(t, tp->local);
	if (vip < 0)
		return -1;
	i = wlbs_find_rule(t, vip, IPPROTO_TCP, tp->lport);
	if (i < 0) { /* the default host's, for as long as it holds it */
		*slot = WLBS_CONN_UNCOVERED;
		return 0;
	}
	if (i >= WLBS_MAX_RULES)
		return -1;
	r = &t->rules[i];
	*slot = wlbs_conn_slot(
	    i, wlbs_flow_bucket(tp->remote, v4, tp->rport, r->affinity, wlbs_cfg.hash_seed));
	return 0;
}

/*
 * Adds @n (+1 or -1) to the wlbs_conn_hint slot of a socket's tuple @tp:
 * +1 when the socket becomes counted (its wlbs_sock_slot value leaves 0), -1
 * when it stops. The tuple does not change while the socket lives, so the
 * decrement lands where the increment did.
 */
static __always_inline void hint_add(const struct sock_tuple *tp, __s32 n)
{
	__u32 h = wlbs_hint_slot(tp->remote, tp->rport, tp->local, tp->lport), key = 0;
	struct wlbs_hint_table *t = bpf_map_lookup_elem(&wlbs_conn_hint, &key);

	if (t)
		__sync_fetch_and_add(&t->n[h % WLBS_HINT_SLOTS], (__u32)n);
}

/* The connection count of wlbs_conns slot @slot (wlbs_conn_slot()), or NULL. */
static __always_inline __s32 *conn_count(__u32 slot)
{
	__u32 table = slot / WLBS_BUCKETS;
	struct wlbs_conn_table *t = bpf_map_lookup_elem(&wlbs_conns, &table);

	return t ? &t->n[slot % WLBS_BUCKETS] : NULL;
}

/*
 * Adds @n (+1 or -1) to count slot @slot and keeps its wlbs_held bit: set
 * when the count leaves 0, cleared when it comes back. A clear re-checks
 * the count, so a start on another CPU that raced it ends with the bit set
 * (for the few instructions in between, a packet of a bucket this host no
 * longer owns would miss the socket lookup; the connection was just opened
 * here, so this host owns its bucket then).
 */
static __always_inline void conns_add(__u32 slot, __s32 n)
{
	__s32 *conns = conn_count(slot), old;
	__u32 word = slot / 64;
	__u64 *held = bpf_map_lookup_elem(&wlbs_held, &word), bit = 1ull << (slot % 64);

	if (!conns || !held)
		return;
	old = __sync_fetch_and_add(conns, n);
	if (old == 0 && n > 0) {
		__sync_fetch_and_or(held, bit);
	} else if (old + n == 0) {
		__sync_fetch_and_and(held, ~bit);
		if (*(volatile __s32 *)conns)
			__sync_fetch_and_or(held, bit);
	}
}

/*
 * Keeps wlbs_conns exact: +1 when a cluster connection starts, -1 when it
 * ends, in the slot it was counted in (remembered per socket: the rule table
 * may have changed in between).
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(wlbs_sock_state, const struct sock *sk, int oldstate, int newstate)
{
	struct sock *s = (struct sock *)sk;
	struct sock_tuple tp = {};
	__u32 *stored, slot;
	int held;

	held = holding_state(newstate);
	if (held == holding_state(oldstate) || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (!held) {
		stored = bpf_sk_storage_get(&wlbs_sock_slot, s, 0, 0);
		if (stored && *stored) {
			conns_add(*stored - 1, -1);
			*stored = 0;
			sock_tuple(sk, &tp);
			hint_add(&tp, -1);
		}
		return 0;
	}
	sock_tuple(sk, &tp);
	if (sock_conn_slot(sk, &tp, &slot))
		return 0;
	/* Not counted when it cannot be remembered: its end could not be taken back. */
	stored = bpf_sk_storage_get(&wlbs_sock_slot, s, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!stored)
		return 0;
	if (*stored)
		conns_add(*stored - 1, -1);
	else
		hint_add(&tp, 1);
	conns_add(slot, 1);
	*stored = slot + 1;
	return 0;
}

/*
 * Run by wlbsd after the rule table changed: moves every held connection's
 * count to the slot the live tables give it (held sockets of the reader's
 * netns; the socket is locked, so wlbs_sock_state cannot interleave).
 */
SEC("iter/tcp")
int wlbs_recount(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct sock_tuple tup = {};
	struct tcp_sock *tp;
	__u32 *stored, slot, want = 0;
	struct sock *sk;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0; /* request and time-wait sockets hold nothing */
	sk = (struct sock *)tp;
	if (!holding_state(sk->__sk_common.skc_state) || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	sock_tuple(sk, &tup);
	if (!sock_conn_slot(sk, &tup, &slot))
		want = slot + 1;
	stored = bpf_sk_storage_get(&wlbs_sock_slot, sk, 0, want ? BPF_SK_STORAGE_GET_F_CREATE : 0);
	if (!stored || *stored == want)
		return 0;
	if (*stored)
		conns_add(*stored - 1, -1);
	if (want)
		conns_add(want - 1, 1);
	if (!*stored || !want) /* counted from now on, or no more */
		hint_add(&tup, want ? 1 : -1);
	*stored = want;
	return 0;
}
