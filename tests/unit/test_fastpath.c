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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stage_carries_synack_marks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
