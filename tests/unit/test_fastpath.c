// SPDX-License-Identifier: GPL-2.0
/*
 * Staging owner tables (fast-path side of a publish, no BPF needed): owners
 * and dirty bits from convergence, and the fast path's own SYN-ACK marks
 * carried over from the live generation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "fastpath.h"

static void test_stage_carries_synack_marks(void **state)
{
	struct wlbs_cfg cfg = {.gen = 0};
	struct fp fp = {.cfg = &cfg};
	uint8_t owners[WLBS_BUCKETS], dirty[WLBS_BUCKETS / 8] = {0};
	uint8_t *idle, *idle_flags;
	unsigned int b;

	(void)state;
	fp.owners = calloc(WLBS_OWNER_SLOTS, 1);
	fp.flags = calloc(WLBS_OWNER_SLOTS, 1);
	assert_non_null(fp.owners);
	assert_non_null(fp.flags);
	for (b = 0; b < WLBS_BUCKETS; b++)
		owners[b] = (uint8_t)(1 + b % 3);
	dirty[7 / 8] |= 1u << (7 % 8);
	/* Live generation 0: the fast path marked bucket 5 of rule 2 after a foreign SYN-ACK. */
	fp.flags[wlbs_owner_slot(0, 2, 5)] = WLBS_BUCKET_F_SYNACK | WLBS_BUCKET_F_DIRTY;
	fp.flags[wlbs_owner_slot(0, 2, 6)] = WLBS_BUCKET_F_DIRTY;
	fp_stage_owners(&fp, 2, owners, dirty);
	idle = &fp.owners[wlbs_owner_slot(1, 2, 0)];
	idle_flags = &fp.flags[wlbs_owner_slot(1, 2, 0)];
	assert_int_equal(idle_flags[5], WLBS_BUCKET_F_SYNACK); /* dirty comes from convergence */
	assert_int_equal(idle_flags[6], 0);
	assert_int_equal(idle_flags[7], WLBS_BUCKET_F_DIRTY);
	for (b = 0; b < WLBS_BUCKETS; b++)
		assert_int_equal(idle[b], owners[b]);
	/* Other rules are untouched by a mark of rule 2. */
	fp_stage_owners(&fp, 3, owners, NULL);
	assert_int_equal(fp.flags[wlbs_owner_slot(1, 3, 5)], 0);
	free(fp.owners);
	free(fp.flags);
}

/* Staged tables come with their port table, in the idle generation only. */
static void test_stage_fills_port_rules(void **state)
{
	struct wlbs_cfg cfg = {.gen = 1};
	struct fp fp = {.cfg = &cfg};
	struct wlbs_tables t = {.n_vips = 1, .n_rules = 1};

	(void)state;
	fp.tables = calloc(2, sizeof(*fp.tables));
	fp.port_rules = calloc(2, sizeof(*fp.port_rules));
	assert_non_null(fp.tables);
	assert_non_null(fp.port_rules);
	t.rules[0] = (struct wlbs_rule){
	    .vip = WLBS_VIP_ALL, .port_lo = 80, .port_hi = 80, .proto = WLBS_PROTO_TCP};
	fp_stage_tables(&fp, &t);
	assert_int_equal(fp.port_rules[0].rule[0][80], 1);
	assert_int_equal(fp.port_rules[0].rule[0][81], WLBS_PORT_NO_RULE);
	assert_int_equal(fp.port_rules[0].rule[1][80], WLBS_PORT_NO_RULE);
	assert_int_equal(fp.port_rules[1].rule[0][80], WLBS_PORT_WALK); /* the live one */
	free(fp.tables);
	free(fp.port_rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stage_carries_synack_marks),
	    cmocka_unit_test(test_stage_fills_port_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
