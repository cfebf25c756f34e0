// SPDX-License-Identifier: GPL-2.0
/*
 * Fragments (bpfspec 8): fragments without ports follow their first fragment's
 * host; ahead of it (reordered), every host that is not stopped takes them.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define HOSTS 4

struct datagram {
	struct pkt p;
	struct frame first, middle, last;
};

/* A datagram in three fragments of 64 payload bytes (+ the L4 header in the first). */
static void make_datagram(struct datagram *d, int v6, const char *src, const char *dst,
			  uint8_t proto, uint16_t sport, uint16_t dport, uint32_t id)
{
	static const uint8_t ext[] = {IPPROTO_HOPOPTS, IPPROTO_DSTOPTS};
	uint16_t l4 = proto == IPPROTO_TCP ? 20 : 8;

	assert_int_equal(pkt_init(&d->p, v6, src, dst, proto, sport, dport), 0);
	d->p.frag_id = v6 ? id : id & 0xffff;
	d->p.payload = 64 - l4;
	if (v6 && (id & 1)) { /* extension headers before the fragment header */
		d->p.n_ext = 2;
		memcpy(d->p.ext, ext, sizeof(ext));
	}
	d->p.mf = 1;
	assert_int_equal(frame_build(&d->first, &d->p), 0);
	d->p.payload = 64;
	d->p.frag_off = 64;
	assert_int_equal(frame_build(&d->middle, &d->p), 0);
	d->p.frag_off = 128;
	d->p.mf = 0;
	assert_int_equal(frame_build(&d->last, &d->p), 0);
	d->p.frag_off = 0;
}

static int owner_of(const struct datagram *d, int *slot)
{
	int rule = model_rule(model_vip(d->p.v6, d->p.dst), d->p.proto, d->p.dport);

	*slot = rule < 0 ? WLBS_STATS_NO_RULE : rule;
	return rule < 0 ? h_cfg()->default_host : *h_flow_owner(&d->p, (uint32_t)rule);
}

/* Every host sees the datagram in order; exactly the first fragment's host takes it all. */
static void check_datagram(const struct datagram *d)
{
	int h, slot, want = owner_of(d, &slot), takers = 0;
	struct h_result r;

	for (h = 1; h <= HOSTS; h++) {
		h_frags_clear(); /* each simulated host has its own fragment table */
		h_set_host((uint8_t)h);
		h_run(&d->first, &r);
		if (!h_accepted(&d->first, &r)) {
			assert_int_equal(r.verdict, XDP_DROP);
			h_expect(&d->middle, XDP_DROP, slot, WLBS_R_FRAG_DROP, NULL);
			h_expect(&d->last, XDP_DROP, slot, WLBS_R_FRAG_DROP, NULL);
			continue;
		}
		takers++;
		assert_int_equal(h, want);
		h_expect(&d->middle, XDP_PASS, slot, WLBS_R_FRAG_PASS, NULL);
		h_expect(&d->last, XDP_PASS, slot, WLBS_R_FRAG_PASS, NULL);
	}
	assert_int_equal(takers, 1);
}

static void random_owners(uint64_t *rng)
{
	uint32_t rule, b;

	h_reset();
	for (rule = 0; rule < H_N_RULES; rule++)
		for (b = 0; b < WLBS_BUCKETS; b++)
			*h_owner(0, rule, b) = (uint8_t)(1 + h_rand(rng) % HOSTS);
	h_cfg()->default_host = 3;
}

static void run_datagrams(int v6, uint64_t tag)
{
	static const uint16_t ports[] = {53, 1500, 80, 443, 7777};
	uint64_t rng = h_rng_init(tag);
	struct datagram d;
	char src[64];
	int i;

	random_owners(&rng);
	for (i = 0; i < 150; i++) {
		uint64_t r = h_rand(&rng);
		uint16_t port = ports[r % 5];
		uint8_t proto = port == 53 || (r & 0x100) ? IPPROTO_UDP : IPPROTO_TCP;

		if (v6)
			snprintf(src, sizeof(src), "2001:db8:%x::%x", (unsigned)(r >> 16) & 0xffff,
				 (unsigned)(r >> 32) & 0xffff);
		else
			snprintf(src, sizeof(src), "198.18.%u.%u", (unsigned)(r >> 16) & 0xff,
				 (unsigned)(r >> 24) & 0xff);
		make_datagram(&d, v6, src, v6 ? H_VIP6 : H_VIP4, proto,
			      (uint16_t)(1024 + (r >> 40) % 60000), port, (uint32_t)(r >> 32));
		check_datagram(&d);
	}
}

static void test_frag_follow_first_v4(void **state)
{
	(void)state;
	run_datagrams(0, 10);
}

static void test_frag_follow_first_v6(void **state)
{
	(void)state;
	run_datagrams(1, 11);
}

/*
 * A later fragment whose first fragment was not seen (reordered, KB247819):
 * every host that is not stopped takes it; the first then decides.
 */
static void test_frag_no_record(void **state)
{
	struct datagram d, other;
	int v6, h;

	(void)state;
	for (v6 = 0; v6 < 2; v6++) {
		h_reset();
		h_cfg()->default_host = 2;
		make_datagram(&d, v6, v6 ? "2001:db8:5::5" : "198.18.5.5", v6 ? H_VIP6 : H_VIP4,
			      IPPROTO_UDP, 4000, 53, 0x4242);
		for (h = 1; h <= 3; h++) {
			h_set_host((uint8_t)h);
			h_expect(&d.middle, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_FRAG_EARLY, NULL);
			h_expect(&d.last, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_FRAG_EARLY, NULL);
		}
		h_cfg()->state = WLBS_FP_STOPPED;
		h_expect(&d.middle, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_STOPPED, NULL);
		h_cfg()->state = WLBS_FP_RUNNING;
		/* The record is per datagram: another id or source does not match it. */
		h_set_host(1);
		h_expect(&d.first, XDP_PASS, H_R_DNS, WLBS_R_OWNED, NULL);
		h_expect(&d.middle, XDP_PASS, H_R_DNS, WLBS_R_FRAG_PASS, NULL);
		*h_flow_owner(&d.p, H_R_DNS) = 2;
		make_datagram(&other, v6, v6 ? "2001:db8:5::5" : "198.18.5.5", v6 ? H_VIP6 : H_VIP4,
			      IPPROTO_UDP, 4000, 53, 0x4243);
		h_expect(&other.first, XDP_DROP, H_R_DNS, WLBS_R_NOT_OWNER, NULL);
		h_expect(&other.middle, XDP_DROP, H_R_DNS, WLBS_R_FRAG_DROP, NULL);
		h_expect(&d.middle, XDP_PASS, H_R_DNS, WLBS_R_FRAG_PASS, NULL);
		make_datagram(&other, v6, v6 ? "2001:db8:5::6" : "198.18.5.6", v6 ? H_VIP6 : H_VIP4,
			      IPPROTO_UDP, 4000, 53, 0x4242);
		h_expect(&other.middle, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_FRAG_EARLY, NULL);
	}
}

/*
 * Every order of a datagram's three fragments, on 4 hosts with random owners:
 * the owner takes every fragment; each other host takes at most the ones
 * ahead of the first (its reassembly never completes without the first).
 */
static void test_frag_any_order(void **state)
{
	static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
					 {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
	uint64_t rng = h_rng_init(12);
	const struct frame *frag[3];
	int o, h, k, slot, want, i, v6;
	struct h_result r;
	struct datagram d;
	char src[64];

	(void)state;
	random_owners(&rng);
	for (i = 0; i < 60; i++) {
		v6 = i & 1;
		snprintf(src, sizeof(src), v6 ? "2001:db8:7::%x" : "198.18.7.%u", (unsigned)i + 1);
		make_datagram(&d, v6, src, v6 ? H_VIP6 : H_VIP4, IPPROTO_UDP,
			      (uint16_t)(2000 + i * 7), i % 3 ? 53 : 1500, (uint32_t)(0x1000 + i));
		want = owner_of(&d, &slot);
		frag[0] = &d.first;
		frag[1] = &d.middle;
		frag[2] = &d.last;
		for (o = 0; o < 6; o++)
			for (h = 1; h <= HOSTS; h++) {
				int seen_first = 0;

				h_frags_clear();
				h_set_host((uint8_t)h);
				for (k = 0; k < 3; k++) {
					const struct frame *f = frag[orders[o][k]];

					h_run(f, &r);
					if (f == &d.first)
						seen_first = 1;
					/* The owner takes all; before the first, everyone. */
					if (h == want || !seen_first)
						assert_true(h_accepted(f, &r));
					else
						assert_int_equal(r.verdict, XDP_DROP);
				}
			}
	}
}

/* Remote control reaches every host with a wlbsd, stopped ones too: so do its fragments. */
static void test_frag_control(void **state)
{
	struct datagram d;
	int h;

	(void)state;
	h_reset();
	h_cfg()->ctl_port = 2504;
	h_cfg()->default_host = 3;
	make_datagram(&d, 0, "198.18.8.8", H_VIP4, IPPROTO_UDP, 40000, 2504, 77);
	for (h = 1; h <= 3; h++) {
		h_frags_clear();
		h_set_host((uint8_t)h);
		h_cfg()->state = h == 2 ? WLBS_FP_STOPPED : WLBS_FP_RUNNING;
		h_expect(&d.first, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_CONTROL, NULL);
		h_expect(&d.middle, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_FRAG_PASS, NULL);
		h_expect(&d.last, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_FRAG_PASS, NULL);
	}
	/* With its wlbsd gone, nobody would answer: dropped, not port-unreachable. */
	h_frags_clear();
	h_cfg()->alive_deadline = h_jiffies() - 1;
	h_expect(&d.first, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_STALE, NULL);
	h_expect(&d.middle, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_FRAG_DROP, NULL);
}

/* A verdict lives as long as the kernel's reassembly: then the IP ID is free again. */
static void test_frag_verdict_expires(void **state)
{
	struct datagram d;
	int v6;

	(void)state;
	for (v6 = 0; v6 < 2; v6++) {
		h_reset();
		h_cfg()->frag_ttl_ms_v4 = 20;
		h_cfg()->frag_ttl_ms_v6 = 20;
		make_datagram(&d, v6, v6 ? "2001:db8:6::6" : "198.18.6.6", v6 ? H_VIP6 : H_VIP4,
			      IPPROTO_UDP, 4000, 1500, 0x99);
		*h_flow_owner(&d.p, H_R_RANGE) = 2;
		h_expect(&d.first, XDP_DROP, H_R_RANGE, WLBS_R_NOT_OWNER, NULL);
		h_expect(&d.middle, XDP_DROP, H_R_RANGE, WLBS_R_FRAG_DROP, NULL);
		usleep(30000);
		h_expect(&d.middle, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_FRAG_EARLY, NULL);
		/* The kernel's defaults (30 s / 60 s) when wlbsd set none. */
		h_cfg()->frag_ttl_ms_v4 = 0;
		h_cfg()->frag_ttl_ms_v6 = 0;
		h_expect(&d.first, XDP_DROP, H_R_RANGE, WLBS_R_NOT_OWNER, NULL);
		usleep(30000);
		h_expect(&d.middle, XDP_DROP, H_R_RANGE, WLBS_R_FRAG_DROP, NULL);
	}
}

/* A dropped first fragment is remembered too: its followers drop on this host. */
static void test_frag_first_dropped(void **state)
{
	struct datagram d;

	(void)state;
	h_reset();
	make_datagram(&d, 0, "198.18.7.7", H_VIP4B, IPPROTO_UDP, 4000, 1500, 7);
	*h_flow_owner(&d.p, H_R_RANGE) = 2;
	h_expect(&d.first, XDP_DROP, H_R_RANGE, WLBS_R_NOT_OWNER, NULL);
	/* Even the default host: the datagram is another host's. */
	h_expect(&d.middle, XDP_DROP, H_R_RANGE, WLBS_R_FRAG_DROP, NULL);
	h_expect(&d.last, XDP_DROP, H_R_RANGE, WLBS_R_FRAG_DROP, NULL);
}

/* An IPv6 atomic fragment (offset 0, no more) is classified by its ports. */
static void test_frag_atomic_v6(void **state)
{
	struct frame f;
	struct pkt p;

	(void)state;
	h_reset();
	h_flow(&f, &p, 1, "2001:db8:9::9", H_VIP6, IPPROTO_UDP, 4000, 53, 0);
	p.n_ext = 1;
	p.ext[0] = IPPROTO_FRAGMENT;
	p.frag_id = 99;
	assert_int_equal(frame_build(&f, &p), 0);
	h_expect(&f, XDP_PASS, H_R_DNS, WLBS_R_OWNED, NULL);
	*h_flow_owner(&p, H_R_DNS) = 2;
	h_expect(&f, XDP_DROP, H_R_DNS, WLBS_R_NOT_OWNER, NULL);
}

static const struct CMUnitTest fragment_tests[] = {
    cmocka_unit_test(test_frag_follow_first_v4), cmocka_unit_test(test_frag_follow_first_v6),
    cmocka_unit_test(test_frag_no_record),	 cmocka_unit_test(test_frag_first_dropped),
    cmocka_unit_test(test_frag_atomic_v6),	 cmocka_unit_test(test_frag_any_order),
    cmocka_unit_test(test_frag_control),	 cmocka_unit_test(test_frag_verdict_expires),
};

H_GROUP(h_group_fragments, fragment_tests);
