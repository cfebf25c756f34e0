// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed and truncated frames (bpfspec 12, DESIGN 3): a defined verdict for
 * every prefix of every valid frame and for random bytes, never read past the
 * end (the verifier holds that; we check the outcome), never ABORTED, and never
 * accepted as cluster traffic by two hosts.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "harness.h"
#include "wlbs.skel.h"

#define HOSTS	      2
#define RANDOM_FRAMES 3000

/* A copy of @f cut to @len bytes (for h_expect). */
static struct frame cut(const struct frame *f, size_t len)
{
	struct frame c = *f;

	c.len = len;
	return c;
}

/* Runs @len bytes of @f on hosts 1..HOSTS: defined verdicts, PASS only untouched or
 * rewritten, at most one acceptor. Returns the number of acceptors. */
static int check_defined(const struct frame *f, size_t len, int may_tx)
{
	struct frame c = cut(f, len);
	struct h_result r;
	int h, takers = 0;

	h_frags_clear();
	for (h = 1; h <= HOSTS; h++) {
		h_set_host((uint8_t)h);
		h_stats_clear();
		h_run(&c, &r);
		if (r.verdict == XDP_PASS) {
			/* Fragments ahead of their first and NA/ARP replies go to every host. */
			int every = h_stat(WLBS_STATS_NO_RULE, WLBS_R_FRAG_EARLY) ||
				    h_stat(WLBS_STATS_NO_RULE, WLBS_R_NEIGH_PASS);

			if (h_accepted(&c, &r))
				takers += !every;
			else if (!h_untouched(&c, &r))
				fail_msg("%zu of %zu bytes: PASS with bytes changed", len, f->len);
		} else if (r.verdict != XDP_DROP && !(may_tx && r.verdict == XDP_TX)) {
			fail_msg("%zu of %zu bytes, host %d: verdict %d", len, f->len, h,
				 r.verdict);
		}
	}
	if (takers > 1)
		fail_msg("%zu of %zu bytes: accepted by %d hosts", len, f->len, takers);
	return takers;
}

struct sample {
	struct frame f;
	int classified; /* plain TCP/UDP to a cluster IP: exact truncation verdicts apply */
	size_t ip_min;	/* bytes needed to see the IP destination */
	size_t l4_end;	/* bytes needed for the L4 header */
	int may_tx;
};

static void add_flow(struct sample *s, int v6, uint8_t proto, uint16_t port, int n_vlan, int opts,
		     int n_ext)
{
	static const uint8_t ext[] = {IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS};
	struct pkt p;

	h_flow(&s->f, &p, v6, v6 ? "2001:db8:3::3" : "198.18.3.3", v6 ? H_VIP6 : H_VIP4, proto,
	       40000, port, TCPF_SYN);
	p.n_vlan = n_vlan;
	p.ip_opt_len = opts;
	p.n_ext = n_ext;
	memcpy(p.ext, ext, (size_t)n_ext);
	p.payload = 10;
	assert_int_equal(frame_build(&s->f, &p), 0);
	s->classified = 1;
	s->ip_min = s->f.l3 + (v6 ? 40 : 20);
	s->l4_end = s->f.l4 + (proto == IPPROTO_TCP ? 20 : 8);
}

/* Every valid frame kind the builder makes. */
static size_t samples(struct sample *s)
{
	struct pkt p;
	size_t n = 0;

	memset(s, 0, 24 * sizeof(*s));
	add_flow(&s[n++], 0, IPPROTO_TCP, 80, 0, 0, 0);
	add_flow(&s[n++], 0, IPPROTO_TCP, 80, 2, 0, 0);
	add_flow(&s[n++], 0, IPPROTO_UDP, 53, 1, 12, 0);
	add_flow(&s[n++], 0, IPPROTO_TCP, 1200, 0, 40, 0);
	add_flow(&s[n++], 1, IPPROTO_TCP, 443, 0, 0, 0);
	add_flow(&s[n++], 1, IPPROTO_UDP, 53, 1, 0, 3);
	add_flow(&s[n++], 1, IPPROTO_TCP, 80, 2, 0, 2);
	/* First fragments (v4, v6), an ICMP error, echo, ARP, NS, heartbeat. */
	h_flow(&s[n].f, &p, 0, "198.18.3.4", H_VIP4, IPPROTO_UDP, 4000, 53, 0);
	p.mf = 1;
	p.frag_id = 77;
	frame_build(&s[n++].f, &p);
	p.frag_off = 64;
	frame_build(&s[n++].f, &p);
	h_flow(&s[n].f, &p, 1, "2001:db8:3::4", H_VIP6, IPPROTO_TCP, 4000, 80, TCPF_ACK);
	p.mf = 1;
	p.frag_id = 78;
	frame_build(&s[n++].f, &p);
	h_flow(&s[n].f, &p, 0, H_VIP4, "198.18.3.5", IPPROTO_TCP, 80, 4000, TCPF_ACK);
	{
		struct frame q = s[n].f;

		pkt_init(&p, 0, "192.0.2.1", H_VIP4, IPPROTO_ICMP, 0, 0);
		p.icmp_type = 3;
		p.icmp_code = 4;
		p.quote = q.b + q.l3;
		p.quote_len = 28;
		frame_build(&s[n++].f, &p);
	}
	h_flow(&s[n].f, &p, 1, H_VIP6, "2001:db8:3::5", IPPROTO_UDP, 53, 4000, 0);
	{
		struct frame q = s[n].f;

		pkt_init(&p, 1, "2001:db8:ff::1", H_VIP6, IPPROTO_ICMPV6, 0, 0);
		p.icmp_type = 2;
		p.quote = q.b + q.l3;
		p.quote_len = 48;
		frame_build(&s[n++].f, &p);
	}
	h_flow(&s[n++].f, NULL, 0, "198.18.3.6", H_VIP4, IPPROTO_ICMP, 0, 0, 0);
	h_flow(&s[n++].f, NULL, 1, "2001:db8:3::6", H_VIP6, IPPROTO_ICMPV6, 0, 0, 0);
	s[n].may_tx = 1;
	frame_arp(&s[n++].f, 1, frame_client_mac, "192.0.2.9", NULL, H_VIP4);
	s[n].may_tx = 1;
	frame_ns(&s[n++].f, frame_client_mac, "2001:db8:3::7", H_VIP6);
	s[n].may_tx = 1;
	frame_ns(&s[n++].f, frame_client_mac, "::", H_VIP6B);
	memset(&p, 0, sizeof(p));
	p.ethertype = WLBS_ETH_P_HEARTBEAT;
	p.payload = 60;
	frame_build(&s[n++].f, &p);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(s[i].f.err, 0);
	return n;
}

/* Every prefix of every valid frame: defined verdicts; exact ones for TCP/UDP flows. */
static void test_truncations(void **state)
{
	struct sample s[24];
	size_t n, i, len;

	(void)state;
	h_reset();
	n = samples(s);
	for (i = 0; i < n; i++) {
		print_message("  sample %zu: %zu bytes\n", i, s[i].f.len);
		/* Test-run refuses frames shorter than Ethernet; if it ever takes them, check. */
		for (len = 1; len < 14; len++) {
			struct h_result r;

			if (h_run_len(&s[i].f, len, &r) != -EINVAL)
				check_defined(&s[i].f, len, s[i].may_tx);
		}
		for (len = 14; len <= s[i].f.len; len++) {
			struct frame c = cut(&s[i].f, len);

			check_defined(&s[i].f, len, s[i].may_tx);
			if (!s[i].classified)
				continue;
			h_set_host(1);
			if (len < s[i].ip_min)
				h_expect(&c, XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER,
					 NULL);
			else if (len < s[i].l4_end)
				h_expect(&c, XDP_DROP, -1, WLBS_R_MALFORMED, NULL);
		}
	}
}

/* Random bytes, and random bytes behind plausible headers aimed at a cluster IP. */
static void test_random_frames(void **state)
{
	static const uint16_t types[] = {0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8, 0x886f};
	uint64_t rng = h_rng_init(30);
	struct wlbs_tables *t = h_tables(0);
	uint32_t rule, b;
	struct frame f;
	int i;

	(void)state;
	h_reset();
	for (rule = 0; rule < H_N_RULES; rule++)
		for (b = 0; b < WLBS_BUCKETS; b++)
			*h_owner(0, rule, b) = (uint8_t)(1 + h_rand(&rng) % HOSTS);
	for (i = 0; i < RANDOM_FRAMES; i++) {
		uint64_t r = h_rand(&rng);
		size_t len = 14 + (size_t)(r % 180), k, l3;
		int vlans = (int)((r >> 8) % 3);

		memset(&f, 0, sizeof(f));
		for (k = 0; k < len; k += 8) {
			uint64_t x = h_rand(&rng);

			memcpy(f.b + k, &x, 8);
		}
		f.len = len;
		if (i % 3) {
			/* Plausible: Ethernet, tags, an IP/ARP type, dst = a cluster IP. */
			uint16_t type = types[(r >> 16) % 6];

			for (k = 0; k < (size_t)vlans; k++) {
				f.b[12 + 4 * k] = k + 1 < (size_t)vlans ? 0x88 : 0x81;
				f.b[13 + 4 * k] = k + 1 < (size_t)vlans ? 0xa8 : 0x00;
			}
			l3 = 14 + 4 * (size_t)vlans;
			f.b[l3 - 2] = type >> 8;
			f.b[l3 - 1] = type & 0xff;
			if (type == 0x0800 && l3 + 20 <= len) {
				f.b[l3] = (uint8_t)(0x40 | (f.b[l3] & 0x0f));
				memcpy(f.b + l3 + 16, &t->vips[(r >> 24) & 1 ? 2 : 0].addr[3], 4);
				if (r & (1ull << 40))
					f.b[l3 + 6] &= 0x20; /* mostly unfragmented */
			} else if (type == 0x86dd && l3 + 40 <= len) {
				f.b[l3] = (uint8_t)(0x60 | (f.b[l3] & 0x0f));
				memcpy(f.b + l3 + 24, t->vips[(r >> 24) & 1 ? 3 : 1].addr, 16);
			}
		}
		check_defined(&f, len, 1);
	}
}

/* Specific malformations of cluster traffic. */
static void test_malformed_cluster(void **state)
{
	struct frame f;
	struct pkt p;

	(void)state;
	h_reset();
	/* IPv4 IHL below 5. */
	h_flow(&f, &p, 0, "198.18.4.4", H_VIP4, IPPROTO_TCP, 4000, 80, TCPF_SYN);
	f.b[f.l3] = 0x44;
	h_expect(&f, XDP_DROP, -1, WLBS_R_MALFORMED, NULL);
	/* IPv4 IHL beyond the frame. */
	f.b[f.l3] = 0x4f;
	f.len = f.l3 + 40;
	h_expect(&f, XDP_DROP, -1, WLBS_R_MALFORMED, NULL);
	/* TCP header cut short behind IP options. */
	p.ip_opt_len = 40;
	frame_build(&f, &p);
	f.len = f.l4 + 12;
	h_expect(&f, XDP_DROP, -1, WLBS_R_MALFORMED, NULL);
	/* More IPv6 extension headers than the program walks. */
	h_flow(&f, &p, 1, "2001:db8:4::4", H_VIP6, IPPROTO_TCP, 4000, 80, TCPF_SYN);
	p.n_ext = FRAME_MAX_EXT;
	memset(p.ext, IPPROTO_DSTOPTS, FRAME_MAX_EXT);
	assert_int_equal(frame_build(&f, &p), 0);
	h_expect(&f, XDP_DROP, -1, WLBS_R_MALFORMED, NULL);
	/* A few are fine. */
	p.n_ext = 3;
	assert_int_equal(frame_build(&f, &p), 0);
	h_expect(&f, XDP_PASS, H_R_WEB, WLBS_R_OWNED, NULL);
	/* ICMP header cut short. */
	h_flow(&f, NULL, 0, "198.18.4.4", H_VIP4, IPPROTO_ICMP, 0, 0, 0);
	f.len = f.l4 + 2;
	h_expect(&f, XDP_DROP, -1, WLBS_R_MALFORMED, NULL);
	/* Source 0.0.0.0 (crashed NLB's driver) is just a client. */
	h_flow(&f, NULL, 0, "0.0.0.0", H_VIP4, IPPROTO_TCP, 0, 80, TCPF_SYN);
	h_expect(&f, XDP_PASS, H_R_WEB4, WLBS_R_OWNED, NULL);
}

/*
 * wlbs_xdp decides the common case and tail-calls the general path for the
 * rest: were that call to fail (no program in wlbs_general), what the
 * general path would decide is dropped, and the common case is still decided.
 */
static int restore_general_path(void **state)
{
	int prog = bpf_program__fd(h_skel->progs.wlbs_xdp_general);
	__u32 key = 0;

	(void)state;
	return bpf_map_update_elem(bpf_map__fd(h_skel->maps.wlbs_general), &key, &prog, BPF_ANY);
}

static void test_no_general_path_fails_closed(void **state)
{
	int map = bpf_map__fd(h_skel->maps.wlbs_general);
	struct frame tagged, icmp, plain;
	__u32 key = 0;
	struct pkt p;

	(void)state;
	h_reset();
	h_flow(&tagged, &p, 0, "198.18.4.4", H_VIP4, IPPROTO_TCP, 4000, 80, TCPF_SYN);
	p.n_vlan = 1;
	p.vlan_tci[0] = 7;
	assert_int_equal(frame_build(&tagged, &p), 0);
	h_flow(&icmp, NULL, 0, "198.18.4.4", H_VIP4, IPPROTO_ICMP, 0, 0, 0);
	h_flow(&plain, NULL, 0, "198.18.4.4", H_VIP4, IPPROTO_TCP, 4000, 80, TCPF_SYN);
	h_expect(&tagged, XDP_PASS, H_R_WEB4, WLBS_R_OWNED, NULL);

	assert_int_equal(bpf_map_delete_elem(map, &key), 0);
	h_expect(&tagged, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_MALFORMED, NULL);
	h_expect(&icmp, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_MALFORMED, NULL);
	h_expect(&plain, XDP_PASS, H_R_WEB4, WLBS_R_OWNED, NULL);
	assert_int_equal(restore_general_path(NULL), 0);
	h_expect(&tagged, XDP_PASS, H_R_WEB4, WLBS_R_OWNED, NULL);
}

static const struct CMUnitTest malformed_tests[] = {
    cmocka_unit_test(test_truncations),
    cmocka_unit_test(test_random_frames),
    cmocka_unit_test(test_malformed_cluster),
    cmocka_unit_test_teardown(test_no_general_path_fails_closed, restore_general_path),
};

H_GROUP(h_group_malformed, malformed_tests);
