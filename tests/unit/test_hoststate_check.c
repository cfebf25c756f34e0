// SPDX-License-Identifier: GPL-2.0
/*
 * Host state machine and health checks of action stop: the check drains and
 * stops the host and starts it again when it passes; manual commands win (a
 * stop sticks, a start waits for the check or goes at once with --force).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/hoststate.c"
#include "core/hs_check.c"

#define WHY "check web: connect: Connection refused"

static void cmd(struct hs *hs, int command, uint16_t flags, struct wlbs_ctl_response *resp)
{
	struct wlbs_ctl_request req = {.id = 1, .command = (uint16_t)command, .flags = flags};

	assert_int_equal(hs_command(hs, &req, resp), 0);
}

/* Host 2, running and converged with 1 and 3. */
static void running(struct hs *hs)
{
	hs_init(hs, 2, HS_PERSIST_NONE, true);
	hs_on_converged(hs, 0x7, 1);
	assert_int_equal(hs_state(hs), WLBS_HS_CONVERGED);
}

static void assert_query(struct hs *hs, uint32_t status, const char *text)
{
	struct wlbs_ctl_response r;

	cmd(hs, WLBS_CMD_QUERY, 0, &r);
	assert_int_equal(r.status, status);
	if (text && !strstr(r.text, text))
		fail_msg("query \"%s\" lacks \"%s\"", r.text, text);
}

static void test_failing_check_drains_stops_and_restarts(void **state)
{
	struct hs hs;

	(void)state;
	running(&hs);
	assert_true(hs_on_check(&hs, true, WHY));
	assert_int_equal(hs_fp_state(&hs), WLBS_FP_DRAINING);
	assert_int_equal(hs_persist(&hs), HS_PERSIST_NONE); /* not the operator's word */
	assert_query(&hs, WLBS_DRAINING, "Taken out by a failing health check (" WHY ")");
	assert_false(hs_on_check(&hs, true, WHY)); /* still failing: nothing new */
	assert_true(hs_on_held(&hs, 0, true));
	assert_int_equal(hs_state(&hs), WLBS_HS_STOPPED);
	assert_query(&hs, WLBS_STOPPED, "starts again when the check passes");
	/* It passes: the host starts again, converging afresh. */
	assert_true(hs_on_check(&hs, false, NULL));
	assert_int_equal(hs_state(&hs), WLBS_HS_CONVERGING);
	assert_int_equal(hs.cause, WLBS_CAUSE_STARTED);
	/* Passing while still draining cancels the drain. */
	hs_on_converged(&hs, 0x7, 1);
	assert_true(hs_on_check(&hs, true, WHY));
	assert_true(hs_on_check(&hs, false, NULL));
	assert_int_equal(hs_fp_state(&hs), WLBS_FP_RUNNING);
}

static void test_operator_stop_sticks_when_check_recovers(void **state)
{
	static const int stops[] = {WLBS_CMD_STOP, WLBS_CMD_DRAINSTOP, WLBS_CMD_SUSPEND};
	struct wlbs_ctl_response r;
	struct hs hs;

	(void)state;
	for (unsigned int i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
		running(&hs);
		hs_on_check(&hs, true, WHY);
		cmd(&hs, stops[i], 0, &r);
		hs_on_held(&hs, 0, true);
		assert_false(hs_on_check(&hs, false, NULL));
		assert_int_equal(hs_fp_state(&hs), WLBS_FP_STOPPED);
		assert_int_not_equal(hs_persist(&hs), HS_PERSIST_NONE);
	}
	/* The operator stopped first, then the check failed and passed: still stopped. */
	running(&hs);
	cmd(&hs, WLBS_CMD_STOP, 0, &r);
	assert_false(hs_on_check(&hs, true, WHY));
	assert_false(hs_on_check(&hs, false, NULL));
	assert_int_equal(hs_state(&hs), WLBS_HS_STOPPED);
}

static void test_start_while_failing_waits_for_the_check(void **state)
{
	struct wlbs_ctl_response r;
	struct hs hs;

	(void)state;
	running(&hs);
	cmd(&hs, WLBS_CMD_STOP, 0, &r);
	hs_on_check(&hs, true, WHY);
	cmd(&hs, WLBS_CMD_START, 0, &r);
	assert_int_equal(r.status, WLBS_CHECK_FAILING);
	assert_int_equal(r.state, WLBS_HS_STOPPED); /* the truth after the command */
	assert_non_null(strstr(r.text, WHY));
	assert_non_null(strstr(r.text, "--force"));
	assert_int_equal(hs_persist(&hs), HS_PERSIST_NONE);
	assert_query(&hs, WLBS_STOPPED, "A start waits for a failing health check");
	/* The check passes: the remembered start takes effect. */
	assert_true(hs_on_check(&hs, false, NULL));
	assert_int_equal(hs_state(&hs), WLBS_HS_CONVERGING);
	/* A waiting start is undone by a later stop. */
	cmd(&hs, WLBS_CMD_STOP, 0, &r);
	hs_on_check(&hs, true, WHY);
	cmd(&hs, WLBS_CMD_START, 0, &r);
	cmd(&hs, WLBS_CMD_STOP, 0, &r);
	assert_false(hs_on_check(&hs, false, NULL));
	assert_int_equal(hs_state(&hs), WLBS_HS_STOPPED);
}

static void test_start_force_starts_at_once(void **state)
{
	struct wlbs_ctl_response r;
	struct hs hs;

	(void)state;
	running(&hs);
	hs_on_check(&hs, true, WHY);
	hs_on_held(&hs, 0, true);
	cmd(&hs, WLBS_CMD_START, WLBS_CTL_REQ_F_FORCE, &r);
	assert_int_equal(r.status, WLBS_OK);
	assert_int_equal(hs_fp_state(&hs), WLBS_FP_RUNNING);
	/* The still failing check does not take it out again... */
	assert_false(hs_on_check(&hs, true, WHY));
	assert_int_equal(hs_fp_state(&hs), WLBS_FP_RUNNING);
	assert_query(&hs, WLBS_CONVERGING, "Started with --force");
	/* ...until it passed once and fails anew. */
	assert_false(hs_on_check(&hs, false, NULL));
	assert_true(hs_on_check(&hs, true, WHY));
	assert_int_equal(hs_fp_state(&hs), WLBS_FP_DRAINING);
	/* Without a failing check, --force is a plain start. */
	hs_init(&hs, 2, HS_PERSIST_NONE, false);
	cmd(&hs, WLBS_CMD_START, WLBS_CTL_REQ_F_FORCE, &r);
	assert_int_equal(r.status, WLBS_OK);
	assert_false(hs.forced);
}

static void test_suspended_host_ignores_the_check(void **state)
{
	struct wlbs_ctl_response r;
	struct hs hs;

	(void)state;
	running(&hs);
	cmd(&hs, WLBS_CMD_SUSPEND, 0, &r);
	assert_false(hs_on_check(&hs, true, WHY));
	cmd(&hs, WLBS_CMD_START, 0, &r);
	assert_int_equal(r.status, WLBS_SUSPENDED);
	assert_false(hs_on_check(&hs, false, NULL));
	assert_int_equal(hs_state(&hs), WLBS_HS_SUSPENDED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_failing_check_drains_stops_and_restarts),
	    cmocka_unit_test(test_operator_stop_sticks_when_check_recovers),
	    cmocka_unit_test(test_start_while_failing_waits_for_the_check),
	    cmocka_unit_test(test_start_force_starts_at_once),
	    cmocka_unit_test(test_suspended_host_ignores_the_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
