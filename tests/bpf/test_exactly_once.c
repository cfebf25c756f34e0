// SPDX-License-Identifier: GPL-2.0
/*
 * The core promise: in a cluster of N hosts (simulated by one program whose
 * cfg.host_id is switched over the same tables and owners), each cluster flow is
 * accepted by exactly one host, the one wlbs_flow_bucket() predicts; non-cluster
 * traffic passes untouched everywhere. And client affinity keeps a client (or
 * its /24, /56) on one host.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define FLOWS	   100000
#define MAX_N	   8
#define MAX_ERRORS 10

/* Random client flow; mostly to cluster IPs, some to other addresses. */
static void random_flow(uint64_t *rng, struct pkt *p)
{
	static const char *const vips[2][2] = {{H_VIP4, H_VIP4B}, {H_VIP6, H_VIP6B}};
	static const uint16_t ports[] = {80, 443, 53, 8080, 1000, 1999};
	static const uint8_t flags[] = {
	    TCPF_SYN, TCPF_ACK, TCPF_SYN | TCPF_ACK, TCPF_ACK | TCPF_PSH, TCPF_FIN | TCPF_ACK,
	    TCPF_RST};
	uint64_t r = h_rand(rng), a = h_rand(rng), b = h_rand(rng);
	int v6 = r & 1, kind = (int)((r >> 8) % 20);
	const char *dst = vips[v6][(r >> 1) & 1];

	pkt_init(p, v6, v6 ? "::1" : "0.0.0.1", dst, (r >> 2) & 1 ? IPPROTO_TCP : IPPROTO_UDP,
		 (uint16_t)(r >> 16), 0);
	memcpy(p->src, &a, 8);
	memcpy(p->src + 8, &b, 8);
	if (kind < 3)
		memcpy(p->dst, &b, v6 ? 16 : 4); /* not a cluster IP (almost surely) */
	if (kind < 8)
		p->dport = ports[(r >> 32) % 6];
	else if (kind < 14)
		p->dport = (uint16_t)(1000 + (r >> 32) % 1000);
	else
		p->dport = (uint16_t)(r >> 40); /* mostly uncovered: the default host's */
	p->tcp_flags = flags[(r >> 48) % 6];
}

/* Who must accept @p: 0 = nobody, -1 = every host passes it untouched. */
static int model_owner(const struct pkt *p)
{
	int vip = model_vip(p->v6, p->dst), rule;

	if (vip < 0)
		return -1;
	rule = model_rule(vip, p->proto, p->dport);
	if (rule < 0 && p->proto == IPPROTO_TCP && p->tcp_flags == (TCPF_SYN | TCPF_ACK))
		return 0;
	/* Such a SYN-ACK marked what no rule covers on the default host: the same. */
	if (rule < 0 && p->proto == IPPROTO_TCP && p->tcp_flags != TCPF_SYN &&
	    h_uncovered_synack_lasts())
		return 0;
	if (rule < 0)
		return h_cfg()->default_host;
	if (h_tables(h_cfg()->gen)->rules[rule].mode == WLBS_MODE_DISABLED)
		return 0;
	/* Answers a connection opened from the cluster IP: no host has its socket here. */
	if (p->proto == IPPROTO_TCP && p->tcp_flags == (TCPF_SYN | TCPF_ACK))
		return 0;
	/* Such a SYN-ACK marked its bucket: what is not a SYN needs a local socket there. */
	if (p->proto == IPPROTO_TCP && p->tcp_flags != TCPF_SYN &&
	    (*h_flow_flags(p, (uint32_t)rule) & (WLBS_BUCKET_F_DIRTY | WLBS_BUCKET_F_SYNACK)))
		return 0;
	return *h_flow_owner(p, (uint32_t)rule);
}

/* Builds the cluster of @n hosts: random owners, seed, default host and generation. */
static void make_cluster(uint64_t *rng, int n)
{
	struct wlbs_cfg *c = h_cfg();
	uint32_t gen = (uint32_t)n & 1, rule, b;

	h_reset();
	*h_tables(gen) = *h_tables(0);
	c->gen = gen;
	c->hash_seed = (uint32_t)h_rand(rng);
	c->default_host = (uint8_t)(1 + h_rand(rng) % (uint64_t)n);
	for (rule = 0; rule < H_N_RULES; rule++)
		for (b = 0; b < WLBS_BUCKETS; b++) {
			/* The idle generation gets owners that would break the count. */
			*h_owner(gen, rule, b) = (uint8_t)(1 + h_rand(rng) % (uint64_t)n);
			*h_owner(gen ^ 1, rule, b) = (uint8_t)(1 + h_rand(rng) % MAX_N);
		}
}

static void report(int *errors, const struct pkt *p, int n, int want, int got, int who)
{
	char src[64], dst[64];

	if ((*errors)++ >= MAX_ERRORS)
		return;
	inet_ntop(p->v6 ? AF_INET6 : AF_INET, p->src, src, sizeof(src));
	inet_ntop(p->v6 ? AF_INET6 : AF_INET, p->dst, dst, sizeof(dst));
	print_error("N=%d %s %s:%u -> %s:%u flags 0x%x: want %s%d, %d host(s) accepted (last %d)\n",
		    n, p->proto == IPPROTO_TCP ? "tcp" : "udp", src, p->sport, dst, p->dport,
		    p->tcp_flags, want < 0 ? "untouched everywhere " : "host ", want, got, who);
}

static void test_exactly_once(void **state)
{
	uint64_t rng = h_rng_init(1);
	long accepted = 0, untouched = 0, nobody = 0;
	int n, i, h, errors = 0;
	struct h_result r;
	struct frame f;
	struct pkt p;

	(void)state;
	for (n = 1; n <= MAX_N; n++) {
		make_cluster(&rng, n);
		for (i = 0; i < FLOWS / MAX_N; i++) {
			int want, got, who, all_untouched = 1;

			random_flow(&rng, &p);
			assert_int_equal(frame_build(&f, &p), 0);
			want = model_owner(&p);
			if (want < 0) {
				for (h = 1; h <= n; h++) {
					h_set_host((uint8_t)h);
					h_run(&f, &r);
					all_untouched &= h_untouched(&f, &r);
				}
				untouched += all_untouched;
				if (!all_untouched)
					report(&errors, &p, n, want, -1, 0);
				continue;
			}
			got = h_acceptors(&f, f.len, n, &who);
			accepted += got == 1;
			nobody += got == 0;
			if (want ? got != 1 || who != want : got != 0)
				report(&errors, &p, n, want, got, who);
		}
	}
	print_message("  %ld flows accepted once, %ld by nobody (disabled), %ld non-cluster\n",
		      accepted, nobody, untouched);
	if (errors)
		fail_msg("%d of %d flows broke exactly-once", errors, FLOWS);
	assert_true(accepted > FLOWS / 2 && untouched > FLOWS / 20);
}

/* Runs a flow on hosts 1..8 and returns its single acceptor (fails otherwise). */
static int acceptor(const struct pkt *p)
{
	struct frame f;
	int who;

	assert_int_equal(frame_build(&f, p), 0);
	assert_int_equal(h_acceptors(&f, f.len, MAX_N, &who), 1);
	return who;
}

/* Random 8-host owners for every rule of generation 0. */
static void spread_owners(uint64_t *rng)
{
	uint32_t rule, b;

	h_reset();
	for (rule = 0; rule < H_N_RULES; rule++)
		for (b = 0; b < WLBS_BUCKETS; b++)
			*h_owner(0, rule, b) = (uint8_t)(1 + h_rand(rng) % MAX_N);
}

/*
 * Sends @flows flows from clients that share the first @keep bytes of @base
 * (random rest, random ports) to @dst ports [@lo, @hi]; returns how many
 * distinct hosts took them.
 */
static int hosts_used(uint64_t *rng, int v6, const char *base, int keep, const char *dst,
		      uint16_t lo, uint16_t hi, int flows)
{
	int seen[MAX_N + 1] = {0}, i, h, n = 0;
	struct pkt p;

	for (i = 0; i < flows; i++) {
		uint64_t r = h_rand(rng), a = h_rand(rng), b = h_rand(rng);
		int alen = v6 ? 16 : 4;

		assert_int_equal(pkt_init(&p, v6, base, dst, r & 1 ? IPPROTO_TCP : IPPROTO_UDP,
					  (uint16_t)(1024 + (r >> 8) % 60000),
					  (uint16_t)(lo + (r >> 32) % (hi - lo + 1u))),
				 0);
		if (p.proto == IPPROTO_UDP && !v6 && lo == 80)
			p.proto = IPPROTO_TCP; /* port 80 rules are TCP only */
		memcpy(p.src + keep, &a, (size_t)(alen - keep) < 8 ? (size_t)(alen - keep) : 8);
		if (alen - keep > 8)
			memcpy(p.src + keep + 8, &b, (size_t)(alen - keep - 8));
		seen[acceptor(&p)] = 1;
	}
	for (h = 1; h <= MAX_N; h++)
		n += seen[h];
	return n;
}

/* Single affinity: every port of one client goes to one host. */
static void test_affinity_single(void **state)
{
	uint64_t rng = h_rng_init(2);
	int i, hosts[MAX_N + 1] = {0}, spread = 0;
	char c4[32], c6[64];

	(void)state;
	spread_owners(&rng);
	for (i = 0; i < 16; i++) {
		uint32_t r = (uint32_t)h_rand(&rng);
		struct pkt p;

		snprintf(c4, sizeof(c4), "198.51.%u.%u", r & 0xff, (r >> 8) & 0xff);
		snprintf(c6, sizeof(c6), "2001:db8:%x::%x", r & 0xffff, r >> 16);
		assert_int_equal(hosts_used(&rng, 0, c4, 4, H_VIP4B, 1000, 1999, 100), 1);
		assert_int_equal(hosts_used(&rng, 1, c6, 16, H_VIP6, 1000, 1999, 100), 1);
		pkt_init(&p, 0, c4, H_VIP4, IPPROTO_TCP, 5555, 1000);
		hosts[acceptor(&p)] = 1;
	}
	for (i = 1; i <= MAX_N; i++)
		spread += hosts[i];
	/* Different clients still spread (the check above could not pass by accident). */
	assert_true(spread > 1);
	/* Affinity none on the same cluster spreads one client's ports. */
	assert_true(hosts_used(&rng, 0, "198.51.100.7", 4, H_VIP4, 80, 80, 100) > 1);
}

/* Class C: all of a client's /24 (IPv4) or /56 (IPv6) goes to one host. */
static void test_affinity_classc(void **state)
{
	uint64_t rng = h_rng_init(3);
	int i, spread4 = 0;
	char c4[32], c6[64];

	(void)state;
	spread_owners(&rng);
	h_tables(0)->rules[H_R_RANGE].affinity = WLBS_AFF_CLASSC;
	for (i = 0; i < 12; i++) {
		uint32_t r = (uint32_t)h_rand(&rng);

		snprintf(c4, sizeof(c4), "203.%u.%u.0", r & 0xff, (r >> 8) & 0xff);
		/* 2001:db8:RRRR:RR00::/56, random below. */
		snprintf(c6, sizeof(c6), "2001:db8:%x:%x00::", r & 0xffff, (r >> 16) & 0xff);
		assert_int_equal(hosts_used(&rng, 0, c4, 3, H_VIP4, 1000, 1999, 100), 1);
		assert_int_equal(hosts_used(&rng, 1, c6, 7, H_VIP6, 443, 443, 100), 1);
		assert_int_equal(hosts_used(&rng, 1, c6, 7, H_VIP6B, 1000, 1999, 50), 1);
	}
	/* Different /24s of one /16 spread over the hosts. */
	spread4 = hosts_used(&rng, 0, "203.0.0.0", 2, H_VIP4, 1000, 1999, 100);
	assert_true(spread4 > 1);
	/* A /48 has many /56s: it spreads too. */
	assert_true(hosts_used(&rng, 1, "2001:db8:1::", 6, H_VIP6, 443, 443, 100) > 1);
}

static const struct CMUnitTest exactly_once_tests[] = {
    cmocka_unit_test(test_exactly_once),
    cmocka_unit_test(test_affinity_single),
    cmocka_unit_test(test_affinity_classc),
};

H_GROUP(h_group_exactly_once, exactly_once_tests);
