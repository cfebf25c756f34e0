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
	struct wlbs_bucket *idle;
	unsigned int b;

	(void)state;
	fp.owners = calloc(WLBS_OWNER_SLOTS, sizeof(*fp.owners));
	assert_non_null(fp.owners);
	for (b = 0; b < WLBS_BUCKETS; b++)
		owners[b] = (uint8_t)(1 + b % 3);
	dirty[7 / 8] |= 1u << (7 % 8);
	/* Live generation 0: the fast path marked bucket 5 of rule 2 after a foreign SYN-ACK. */
	fp.owners[wlbs_owner_slot(0, 2, 5)].flags = WLBS_BUCKET_F_SYNACK | WLBS_BUCKET_F_DIRTY;
	fp.owners[wlbs_owner_slot(0, 2, 6)].flags = WLBS_BUCKET_F_DIRTY;
	fp_stage_owners(&fp, 2, owners, dirty);
	idle = &fp.owners[wlbs_owner_slot(1, 2, 0)];
	assert_int_equal(idle[5].flags, WLBS_BUCKET_F_SYNACK); /* dirty comes from convergence */
	assert_int_equal(idle[6].flags, 0);
	assert_int_equal(idle[7].flags, WLBS_BUCKET_F_DIRTY);
	assert_int_equal(idle[5].owner, owners[5]);
	/* Other rules are untouched by a mark of rule 2. */
	fp_stage_owners(&fp, 3, owners, NULL);
	assert_int_equal(fp.owners[wlbs_owner_slot(1, 3, 5)].flags, 0);
	free(fp.owners);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stage_carries_synack_marks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
