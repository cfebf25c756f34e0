// SPDX-License-Identifier: GPL-2.0
/*
 * The port table (lib/port_rules.c): what it answers is what wlbs_find_rule()
 * answers for every cluster IP, and it sends a port to the walk only when the
 * first rule covering it is one cluster IP's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "port_rules.h"
#include "wlbs/lookup.h"

static uint64_t next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* The first rule covering (@proto bit, @port) for some cluster IP, or -1. */
static int first_covering(const struct wlbs_tables *t, uint8_t bit, uint16_t port)
{
	for (uint32_t i = 0; i < t->n_rules; i++)
		if ((t->rules[i].proto & bit) && port >= t->rules[i].port_lo &&
		    port <= t->rules[i].port_hi)
			return (int)i;
	return -1;
}

static void check_port(const struct wlbs_tables *t, const struct wlbs_port_rules *pr, int p,
		       uint16_t port)
{
	const uint8_t bit = p ? WLBS_PROTO_UDP : WLBS_PROTO_TCP;
	const uint8_t proto = p ? WLBS_IPPROTO_UDP : WLBS_IPPROTO_TCP;
	int first = first_covering(t, bit, port), want;
	uint8_t v = pr->rule[p][port];

	want = first < 0			     ? WLBS_PORT_NO_RULE
	       : t->rules[first].vip == WLBS_VIP_ALL ? first + 1
						     : WLBS_PORT_WALK;
	assert_int_equal(v, want);
	if (v == WLBS_PORT_WALK)
		return;
	for (uint32_t vip = 0; vip < t->n_vips; vip++)
		assert_int_equal(wlbs_find_rule(t, vip, proto, port),
				 v == WLBS_PORT_NO_RULE ? -1 : v - 1);
}

static void random_tables(struct wlbs_tables *t, uint64_t *s)
{
	memset(t, 0, sizeof(*t));
	t->n_vips = 1 + (uint32_t)(next(s) % WLBS_MAX_VIPS);
	t->n_rules = (uint32_t)(next(s) % (WLBS_MAX_RULES + 1));
	for (uint32_t i = 0; i < t->n_rules; i++) {
		struct wlbs_rule *r = &t->rules[i];
		uint16_t lo = (uint16_t)(next(s) % 4 ? next(s) % 2048 : next(s));

		r->vip = next(s) % 3 ? WLBS_VIP_ALL : (uint32_t)(next(s) % t->n_vips);
		r->proto = (uint8_t)(1 + next(s) % 3);
		r->port_lo = lo;
		/* Single ports, ranges, the whole range, and now and then an empty one. */
		r->port_hi = next(s) % 3 ? lo : (uint16_t)(lo + next(s) % 300);
		if (next(s) % 10 == 0) {
			r->port_lo = 0;
			r->port_hi = 65535;
		}
		if (next(s) % 20 == 0 && lo > 0)
			r->port_hi = lo - 1;
		r->mode = WLBS_MODE_MULTIPLE;
	}
}

static void test_agrees_with_the_walk(void **state)
{
	static struct wlbs_port_rules pr;
	struct wlbs_tables t;
	uint64_t s = 14;

	(void)state;
	for (int n = 0; n < 300; n++) {
		random_tables(&t, &s);
		wlbs_port_rules_fill(&t, &pr);
		for (int p = 0; p < 2; p++) {
			/* Every rule's edges, and ports at random. */
			for (uint32_t i = 0; i < t.n_rules; i++) {
				check_port(&t, &pr, p, t.rules[i].port_lo);
				check_port(&t, &pr, p, t.rules[i].port_hi);
				check_port(&t, &pr, p, (uint16_t)(t.rules[i].port_lo - 1));
				check_port(&t, &pr, p, (uint16_t)(t.rules[i].port_hi + 1));
			}
			for (int k = 0; k < 64; k++)
				check_port(&t, &pr, p, (uint16_t)next(&s));
		}
	}
}

/* NLB's out-of-box rule: every port of both protocols is rule 0's, no walk. */
static void test_default_rule(void **state)
{
	static struct wlbs_port_rules pr;
	struct wlbs_tables t = {.n_vips = 1, .n_rules = 1};

	(void)state;
	t.rules[0] = (struct wlbs_rule){.vip = WLBS_VIP_ALL,
					.port_lo = 0,
					.port_hi = 65535,
					.proto = WLBS_PROTO_TCP | WLBS_PROTO_UDP};
	wlbs_port_rules_fill(&t, &pr);
	for (int p = 0; p < 2; p++)
		for (uint32_t port = 0; port < 65536; port++)
			assert_int_equal(pr.rule[p][port], 1);
	t.n_rules = 0;
	wlbs_port_rules_fill(&t, &pr);
	assert_int_equal(pr.rule[0][80], WLBS_PORT_NO_RULE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_agrees_with_the_walk),
	    cmocka_unit_test(test_default_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
