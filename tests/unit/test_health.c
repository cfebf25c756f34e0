// SPDX-License-Identifier: GPL-2.0
/*
 * The health check state machine (daemon/health/health.c): the first
 * verdict, fall and rise counting, flapping, time in state, and what the
 * cluster side is told (failing, disable and stop).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "health/health.c"

static struct cfg_check def(const char *name, unsigned int fall, unsigned int rise, int action,
			    uint32_t rules)
{
	struct cfg_check d;

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", name);
	d.fall = fall;
	d.rise = rise;
	d.action = action;
	d.rules = rules;
	d.interval_ms = 500;
	d.timeout_ms = 400;
	return d;
}

static void test_starts_unhealthy_not_yet_run(void **state)
{
	struct cfg_check d = def("web", 3, 2, CFG_ACT_DRAIN, 0x5);
	struct health_check_state s;

	(void)state;
	health_state_init(&s, &d, 1000);
	assert_false(s.healthy);
	assert_false(s.ever_ran);
	assert_int_equal(s.since_ms, 1000);
	assert_int_equal(s.transitions, 0);
	assert_int_equal(s.last_ms, -1);
	assert_string_equal(s.name, "web");
	assert_int_equal(s.rules_mask, 0x5);
}

static void test_first_success_is_healthy_at_once(void **state)
{
	struct cfg_check d = def("web", 3, 5, CFG_ACT_DRAIN, 1);
	struct health_check_state s;

	(void)state;
	health_state_init(&s, &d, 1000);
	/* rise is 5, but the first result decides alone */
	assert_true(health_state_result(&s, &d, true, 1010, 3, NULL));
	assert_true(s.healthy);
	assert_true(s.ever_ran);
	assert_int_equal(s.since_ms, 1010);
	assert_int_equal(s.transitions, 1);
	assert_int_equal(s.last_ms, 3);
	assert_string_equal(s.last_error, "");
}

static void test_first_failure_is_a_transition_then_rise_needed(void **state)
{
	struct cfg_check d = def("web", 3, 2, CFG_ACT_DRAIN, 1);
	struct health_check_state s;

	(void)state;
	health_state_init(&s, &d, 0);
	assert_true(health_state_result(&s, &d, false, 10, 1, "connect: Connection refused"));
	assert_false(s.healthy);
	assert_true(s.ever_ran);
	assert_int_equal(s.transitions, 1);
	assert_string_equal(s.last_error, "connect: Connection refused");
	/* from unhealthy, rise successes */
	assert_false(health_state_result(&s, &d, true, 510, 1, NULL));
	assert_false(s.healthy);
	assert_int_equal(s.successes, 1);
	assert_true(health_state_result(&s, &d, true, 1010, 1, NULL));
	assert_true(s.healthy);
	assert_int_equal(s.since_ms, 1010);
	assert_int_equal(s.transitions, 2);
}

static void test_fall_consecutive_failures(void **state)
{
	struct cfg_check d = def("web", 3, 2, CFG_ACT_DRAIN, 1);
	struct health_check_state s;

	(void)state;
	health_state_init(&s, &d, 0);
	health_state_result(&s, &d, true, 0, 1, NULL);
	assert_false(health_state_result(&s, &d, false, 500, 400, "timeout"));
	assert_false(health_state_result(&s, &d, false, 1000, 400, "timeout"));
	assert_true(s.healthy);
	assert_int_equal(s.fails, 2);
	assert_true(health_state_result(&s, &d, false, 1500, 400, "timeout"));
	assert_false(s.healthy);
	assert_int_equal(s.since_ms, 1500);
	/* further failures are no transition */
	assert_false(health_state_result(&s, &d, false, 2000, 400, "timeout"));
	assert_int_equal(s.fails, 4);
	assert_int_equal(s.transitions, 2);
}

static void test_flapping_never_reaches_fall_or_rise(void **state)
{
	struct cfg_check d = def("web", 2, 2, CFG_ACT_DRAIN, 1);
	struct health_check_state s;
	int i;

	(void)state;
	health_state_init(&s, &d, 0);
	health_state_result(&s, &d, true, 0, 1, NULL);
	for (i = 1; i < 20; i++)
		assert_false(health_state_result(&s, &d, i % 2, i * 500, 1, "x"));
	assert_true(s.healthy);
	assert_int_equal(s.transitions, 1);
	/* two in a row go over */
	assert_false(health_state_result(&s, &d, false, 10000, 1, "x"));
	assert_true(health_state_result(&s, &d, false, 10250, 1, "x"));
	assert_false(s.healthy);
	/* and alternating again keeps it unhealthy */
	for (i = 0; i < 10; i++)
		assert_false(health_state_result(&s, &d, i % 2 == 0, 10500 + i * 500, 1, "x"));
	assert_false(s.healthy);
	assert_int_equal(s.transitions, 2);
}

static void test_fall_one_rise_one(void **state)
{
	struct cfg_check d = def("x", 1, 1, CFG_ACT_DRAIN, 1);
	struct health_check_state s;

	(void)state;
	health_state_init(&s, &d, 0);
	assert_true(health_state_result(&s, &d, true, 1, 1, NULL));
	assert_true(health_state_result(&s, &d, false, 2, 1, NULL));
	assert_string_equal(s.last_error, "failed"); /* no text given */
	assert_true(health_state_result(&s, &d, true, 3, 1, NULL));
	assert_int_equal(s.transitions, 3);
}

static void test_what_the_cluster_side_reads(void **state)
{
	struct cfg_check d[4] = {
	    def("drain", 1, 1, CFG_ACT_DRAIN, 0x1),
	    def("disable", 1, 1, CFG_ACT_DISABLE, 0x6),
	    def("stop", 1, 1, CFG_ACT_STOP, 0x8),
	    def("other", 1, 1, CFG_ACT_DRAIN, 0x10),
	};
	struct health h;
	unsigned int i;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.n = 4;
	for (i = 0; i < 4; i++) {
		h.def[i] = d[i];
		health_state_init(&h.st[i], &d[i], 0);
	}
	assert_int_equal(health_count(&h), 4);
	assert_string_equal(health_get(&h, 2)->name, "stop");
	assert_null(health_get(&h, 4));
	/* not yet run: drain and disable rules count as failing, stop does not */
	assert_int_equal(health_failing_rules(&h), 0x17);
	assert_int_equal(health_disable_rules(&h), 0x6);
	assert_false(health_wants_stop(&h));
	for (i = 0; i < 4; i++)
		health_state_result(&h.st[i], &d[i], true, 1, 1, NULL);
	assert_int_equal(health_failing_rules(&h), 0);
	assert_int_equal(health_disable_rules(&h), 0);
	assert_false(health_wants_stop(&h));
	health_state_result(&h.st[1], &d[1], false, 2, 1, "down");
	assert_int_equal(health_failing_rules(&h), 0x6);
	assert_int_equal(health_disable_rules(&h), 0x6);
	health_state_result(&h.st[2], &d[2], false, 2, 1, "down");
	assert_true(health_wants_stop(&h));
	assert_int_equal(health_failing_rules(&h), 0x6); /* stop's rules are not drained */
	health_state_result(&h.st[0], &d[0], false, 2, 1, "down");
	assert_int_equal(health_failing_rules(&h), 0x7);
	assert_int_equal(health_disable_rules(&h), 0x6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_starts_unhealthy_not_yet_run),
	    cmocka_unit_test(test_first_success_is_healthy_at_once),
	    cmocka_unit_test(test_first_failure_is_a_transition_then_rise_needed),
	    cmocka_unit_test(test_fall_consecutive_failures),
	    cmocka_unit_test(test_flapping_never_reaches_fall_or_rise),
	    cmocka_unit_test(test_fall_one_rise_one),
	    cmocka_unit_test(test_what_the_cluster_side_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
