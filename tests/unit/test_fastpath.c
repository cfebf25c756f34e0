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
	fp_stage_owners(&fp, 2, owners, dirty, 9, 1000);
	idle = &fp.owners[wlbs_owner_slot(1, 2, 0)];
	idle_flags = &fp.flags[wlbs_owner_slot(1, 2, 0)];
	assert_int_equal(idle_flags[5], WLBS_BUCKET_F_SYNACK); /* dirty comes from convergence */
	assert_int_equal(idle_flags[6], 0);
	assert_int_equal(idle_flags[7], WLBS_BUCKET_F_DIRTY);
	for (b = 0; b < WLBS_BUCKETS; b++)
		assert_int_equal(idle[b], owners[b]);
	/* Other rules are untouched by a mark of rule 2. */
	fp_stage_owners(&fp, 3, owners, NULL, 9, 1000);
	assert_int_equal(fp.flags[wlbs_owner_slot(1, 3, 5)], 0);
	free(fp.owners);
	free(fp.flags);
}

/*
 * A bucket that changes hands is marked for the grace: released (owner byte)
 * on the host that gave it away, dirty on the one that took it; the marks
 * stay through later publishes and lapse together after FP_HANDOVER_GRACE_MS.
 */
static void test_stage_marks_handover(void **state)
{
	struct wlbs_cfg cfg = {.gen = 0};
	struct fp fp = {.cfg = &cfg};
	uint8_t owners[WLBS_BUCKETS];
	const uint8_t *o, *fl;
	unsigned int b, gen, round;
	uint64_t t0 = 1000;

	(void)state;
	fp.owners = calloc(WLBS_OWNER_SLOTS, 1);
	fp.flags = calloc(WLBS_OWNER_SLOTS, 1);
	assert_non_null(fp.owners);
	assert_non_null(fp.flags);
	/* Live: host 1 owns buckets 0-99 of rule 4, host 2 the rest. */
	for (b = 0; b < WLBS_BUCKETS; b++)
		fp.owners[wlbs_owner_slot(0, 4, b)] = b < 100 ? 1 : 2;
	/* 50-99 go to host 2, 100-149 come to host 1. */
	for (b = 0; b < WLBS_BUCKETS; b++)
		owners[b] = b < 50 || (b >= 100 && b < 150) ? 1 : 2;
	for (round = 0; round < 3; round++) {
		/* At the move, again within the grace (nothing moves then), at its end. */
		uint64_t now =
		    t0 + (uint64_t[]){0, FP_HANDOVER_GRACE_MS - 1, FP_HANDOVER_GRACE_MS}[round];
		int marked = round < 2;

		assert_int_equal(fp_handover_lapsed(&fp, now), round == 2);
		fp_stage_owners(&fp, 4, owners, NULL, 1, now);
		gen = !(cfg.gen & 1);
		o = &fp.owners[wlbs_owner_slot(gen, 4, 0)];
		fl = &fp.flags[wlbs_owner_slot(gen, 4, 0)];
		for (b = 0; b < WLBS_BUCKETS; b++) {
			int released = b >= 50 && b < 100, acquired = b >= 100 && b < 150;

			assert_int_equal(
			    o[b], owners[b] | (marked && released ? WLBS_OWNER_F_RELEASED : 0));
			assert_int_equal(fl[b], marked && acquired ? WLBS_BUCKET_F_DIRTY : 0);
		}
		fp_commit(&fp);
	}
	assert_false(fp_handover_lapsed(&fp, t0 + 10 * FP_HANDOVER_GRACE_MS));
	/* A bucket that comes back is this host's again, unmarked. */
	owners[60] = 1;
	fp_stage_owners(&fp, 4, owners, NULL, 1, t0 + 20000);
	fp_commit(&fp);
	owners[60] = 2;
	owners[61] = 1;
	fp_stage_owners(&fp, 4, owners, NULL, 1, t0 + 20001);
	o = &fp.owners[wlbs_owner_slot(!(cfg.gen & 1), 4, 0)];
	fl = &fp.flags[wlbs_owner_slot(!(cfg.gen & 1), 4, 0)];
	assert_int_equal(o[60], 2 | WLBS_OWNER_F_RELEASED);
	assert_int_equal(o[61], 1);
	assert_int_equal(fl[61], WLBS_BUCKET_F_DIRTY);
	free(fp.owners);
	free(fp.flags);
}

/*
 * The default host changes hands like a bucket: the host that was default
 * keeps its half-open connections (released) and the new one answers no
 * packet it has no socket for (dirty) for the grace; dirty also while
 * another host holds connections no rule covers.
 */
static void test_default_host_handover(void **state)
{
	struct wlbs_cfg cfg = {.flags = WLBS_CFG_F_MASK_SRC};
	struct fp fp = {.cfg = &cfg};
	const uint8_t mine = WLBS_CFG_F_UNCOVERED_DIRTY | WLBS_CFG_F_UNCOVERED_RELEASED;

	(void)state;
	fp_set_default(&fp, 1, 1, false, 1000); /* becomes default */
	assert_int_equal(cfg.default_host, 1);
	assert_int_equal(cfg.flags, WLBS_CFG_F_MASK_SRC | WLBS_CFG_F_UNCOVERED_DIRTY);
	fp_set_default(&fp, 1, 1, false, 1000 + FP_HANDOVER_GRACE_MS - 1);
	assert_int_equal(cfg.flags & mine, WLBS_CFG_F_UNCOVERED_DIRTY);
	assert_true(fp_handover_lapsed(&fp, 1000 + FP_HANDOVER_GRACE_MS));
	fp_set_default(&fp, 1, 1, false, 1000 + FP_HANDOVER_GRACE_MS);
	assert_int_equal(cfg.flags, WLBS_CFG_F_MASK_SRC);
	assert_false(fp_handover_lapsed(&fp, 100000));
	fp_set_default(&fp, 1, 1, true, 20000); /* another host holds some */
	assert_int_equal(cfg.flags & mine, WLBS_CFG_F_UNCOVERED_DIRTY);
	fp_set_default(&fp, 2, 1, false, 21000); /* hands over to host 2 */
	assert_int_equal(cfg.default_host, 2);
	assert_int_equal(cfg.flags & mine, WLBS_CFG_F_UNCOVERED_RELEASED);
	fp_set_default(&fp, 2, 1, false, 21000 + FP_HANDOVER_GRACE_MS);
	assert_int_equal(cfg.flags, WLBS_CFG_F_MASK_SRC);
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
	    cmocka_unit_test(test_stage_marks_handover),
	    cmocka_unit_test(test_default_host_handover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
