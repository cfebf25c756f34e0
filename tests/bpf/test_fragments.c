// SPDX-License-Identifier: GPL-2.0
/*
 * Fragments (bpfspec 8): fragments without ports follow their first fragment's
 * host; with no record of it, only the default host takes them.
 */
#include <stdio.h>
#include <string.h>

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
	return rule < 0 ? h_cfg()->default_host : h_flow_owner(&d->p, (uint32_t)rule)->owner;
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
			h_owner(0, rule, b)->owner = (uint8_t)(1 + h_rand(rng) % HOSTS);
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

/* A later fragment whose first fragment was not seen: the default host's alone. */
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
			if (h == 2) {
				h_expect(&d.middle, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_DEFAULT,
					 NULL);
				h_expect(&d.last, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_DEFAULT,
					 NULL);
			} else {
				h_expect(&d.middle, XDP_DROP, WLBS_STATS_NO_RULE,
					 WLBS_R_NOT_DEFAULT, NULL);
			}
		}
		/* The record is per datagram: another id or source does not match it. */
		h_set_host(1);
		h_expect(&d.first, XDP_PASS, H_R_DNS, WLBS_R_OWNED, NULL);
		h_expect(&d.middle, XDP_PASS, H_R_DNS, WLBS_R_FRAG_PASS, NULL);
		make_datagram(&other, v6, v6 ? "2001:db8:5::5" : "198.18.5.5", v6 ? H_VIP6 : H_VIP4,
			      IPPROTO_UDP, 4000, 53, 0x4243);
		h_expect(&other.middle, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
		make_datagram(&other, v6, v6 ? "2001:db8:5::6" : "198.18.5.6", v6 ? H_VIP6 : H_VIP4,
			      IPPROTO_UDP, 4000, 53, 0x4242);
		h_expect(&other.middle, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
	}
}

/* A dropped first fragment is remembered too: its followers drop on this host. */
static void test_frag_first_dropped(void **state)
{
	struct datagram d;

	(void)state;
	h_reset();
	make_datagram(&d, 0, "198.18.7.7", H_VIP4B, IPPROTO_UDP, 4000, 1500, 7);
	h_flow_owner(&d.p, H_R_RANGE)->owner = 2;
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
	h_flow_owner(&p, H_R_DNS)->owner = 2;
	h_expect(&f, XDP_DROP, H_R_DNS, WLBS_R_NOT_OWNER, NULL);
}

static const struct CMUnitTest fragment_tests[] = {
    cmocka_unit_test(test_frag_follow_first_v4), cmocka_unit_test(test_frag_follow_first_v6),
    cmocka_unit_test(test_frag_no_record),	 cmocka_unit_test(test_frag_first_dropped),
    cmocka_unit_test(test_frag_atomic_v6),
};

H_GROUP(h_group_fragments, fragment_tests);
