// SPDX-License-Identifier: GPL-2.0
/*
 * wlbs drainstop --wait against a scripted daemon: the held count printed as
 * it falls, exit 0 once stopped, 5 at --timeout while still draining, a
 * refused or already-stopped drainstop answered as without --wait, and the
 * option's usage errors. Plus the exit status of the reload codes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/cli.h"
#include "ctl_codec.h"

#define ARGV(...)     ((char *const[]){"wlbs", __VA_ARGS__, NULL})
#define ARGC(...)     ((int)(sizeof((char *[]){"wlbs", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(a, ...) cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (a))

/* The scripted daemon: the drainstop answer, then one query answer per step (the last repeats). */
struct step {
	uint32_t status;
	uint8_t state;
	uint64_t held;
	int err; /* a transport error instead of an answer */
};

struct script {
	struct step drainstop;
	const struct step *queries;
	int n;
	int calls;
	int queried;
};

static int fake_call(void *ctx, const struct wlbs_ctl_request *req, struct wlbs_ctl_response *resp,
		     int timeout_ms)
{
	struct script *s = ctx;
	const struct step *st;

	assert_true(timeout_ms >= 500 && timeout_ms <= CLI_TIMEOUT_MS);
	if (s->calls++ == 0) {
		assert_int_equal(req->command, WLBS_CMD_DRAINSTOP);
		st = &s->drainstop;
	} else {
		assert_int_equal(req->command, WLBS_CMD_QUERY);
		st = &s->queries[s->queried < s->n ? s->queried : s->n - 1];
		s->queried++;
	}
	if (st->err)
		return st->err;
	ctl_response_init(resp, req);
	resp->status = st->status;
	resp->state = st->state;
	resp->held = st->held;
	resp->host = 2;
	ctl_resp_text(resp, "%s", req->command == WLBS_CMD_DRAINSTOP ? "drain answer" : "query");
	return 0;
}

#define DRAINING(n)                                                                                \
	{                                                                                          \
		WLBS_DRAINING, WLBS_HS_DRAINING, (n), 0                                            \
	}
#define STOPPED                                                                                    \
	{                                                                                          \
		WLBS_STOPPED, WLBS_HS_STOPPED, 0, 0                                                \
	}
#define STARTED_OK                                                                                 \
	{                                                                                          \
		WLBS_OK, WLBS_HS_DRAINING, 4, 0                                                    \
	}

/* Runs the wait with @argv's options; the output in @out (caller frees). */
static int run(struct script *s, char **out, int argc, char *const argv[])
{
	struct cli_args a;
	size_t len;
	FILE *f, *e;
	int code;

	assert_int_equal(cli_parse(argc, argv, &a), 0);
	assert_true(a.wait);
	f = open_memstream(out, &len);
	e = fopen("/dev/null", "w");
	code = cli_drain_wait_with(&a, f, e, fake_call, s, 2);
	fclose(f);
	fclose(e);
	return code;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_wait_prints_falling_count_and_exits_0_when_stopped(void **state)
{
	static const struct step q[] = {DRAINING(3), DRAINING(3), DRAINING(2),
					DRAINING(1), DRAINING(0), STOPPED};
	struct script s = {.drainstop = STARTED_OK, .queries = q, .n = 6};
	char *out;

	(void)state;
	assert_int_equal(run(&s, &out, ARGC("drainstop", "--wait"), ARGV("drainstop", "--wait")),
			 CLI_EXIT_DONE);
	assert_int_equal(s.queried, 6);
	assert_non_null(strstr(out, "drain answer\n"));
	/* Each count once, in falling order, then the verdict. */
	assert_int_equal(count(out, "Draining: 3 connection(s) still held.\n"), 1);
	assert_true(strstr(out, "Draining: 3") < strstr(out, "Draining: 2"));
	assert_true(strstr(out, "Draining: 1") < strstr(out, "Draining: 0"));
	assert_non_null(strstr(out, "Drain complete: host 2 is stopped.\n"));
	free(out);
}

static void test_wait_times_out_with_exit_5_while_held(void **state)
{
	static const struct step q[] = {DRAINING(1)};
	struct script s = {.drainstop = STARTED_OK, .queries = q, .n = 1};
	char *out;

	(void)state;
	assert_int_equal(run(&s, &out, ARGC("drainstop", "--wait", "--timeout", "60"),
			     ARGV("drainstop", "--wait", "--timeout", "60")),
			 CLI_EXIT_TIMEOUT);
	assert_true(s.queried >= 2); /* polled, not one look */
	assert_int_equal(count(out, "Draining: 1 connection(s) still held.\n"), 1);
	assert_non_null(
	    strstr(out, "Timeout after 60 ms: host 2 is still draining, 1 connection(s) held.\n"));
	free(out);
}

static void test_wait_json_is_one_object(void **state)
{
	static const struct step q[] = {DRAINING(1)};
	struct script s = {.drainstop = STARTED_OK, .queries = q, .n = 1};
	char *out;

	(void)state;
	assert_int_equal(run(&s, &out, ARGC("drainstop", "--wait", "--json", "--timeout", "20"),
			     ARGV("drainstop", "--wait", "--json", "--timeout", "20")),
			 CLI_EXIT_TIMEOUT);
	assert_int_equal(count(out, "\n"), 1);
	assert_non_null(strstr(out, "\"exit\":5"));
	assert_non_null(strstr(out, "\"state\":\"draining\""));
	assert_non_null(strstr(out, "\"connections\":1"));
	assert_non_null(strstr(out, "\"code\":\"WLBS_DRAINING\""));
	free(out);
}

/* Refused, already stopped, or a drain ended by something else: no wait, or exit 1. */
static void test_wait_other_ends(void **state)
{
	static const struct step started[] = {DRAINING(2),
					      {WLBS_CONVERGED, WLBS_HS_CONVERGED, 0, 0}};
	static const struct step gone[] = {{.err = -ECONNREFUSED}};
	struct script refused = {.drainstop = {WLBS_SUSPENDED, WLBS_HS_SUSPENDED, 0, 0}};
	struct script stopped = {.drainstop = {WLBS_ALREADY, WLBS_HS_STOPPED, 0, 0}};
	struct script again = {
	    .drainstop = {WLBS_ALREADY, WLBS_HS_DRAINING, 2, 0}, .queries = started, .n = 2};
	struct script lost = {.drainstop = STARTED_OK, .queries = gone, .n = 1};
	char *out;

	(void)state;
	assert_int_equal(
	    run(&refused, &out, ARGC("drainstop", "--wait"), ARGV("drainstop", "--wait")),
	    CLI_EXIT_FAILED);
	assert_int_equal(refused.calls, 1);
	free(out);
	assert_int_equal(
	    run(&stopped, &out, ARGC("drainstop", "--wait"), ARGV("drainstop", "--wait")),
	    CLI_EXIT_ALREADY);
	assert_int_equal(stopped.calls, 1);
	free(out);
	/* A drain already running is waited for; a start during it ends the wait with 1. */
	assert_int_equal(
	    run(&again, &out, ARGC("drainstop", "--wait"), ARGV("drainstop", "--wait")),
	    CLI_EXIT_FAILED);
	assert_non_null(strstr(out, "Drain ended without a stop: host 2 is now converged."));
	free(out);
	assert_int_equal(run(&lost, &out, ARGC("drainstop", "--wait"), ARGV("drainstop", "--wait")),
			 CLI_EXIT_NO_DAEMON);
	free(out);
}

static void test_wait_options(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "drainstop", "--wait"), 0);
	assert_true(a.wait);
	assert_false(a.timeout_set);
	assert_int_equal(PARSE(&a, "drainstop", "--timeout", "1500", "--wait"), 0);
	assert_true(a.wait && a.timeout_set);
	assert_int_equal(a.timeout_ms, 1500);
	assert_int_equal(PARSE(&a, "drainstop"), 0);
	assert_false(a.wait);
	/* A drain may be waited for up to a day; an answer 10 minutes at most. */
	assert_int_equal(PARSE(&a, "drainstop", "--wait", "--timeout", "86400000"), 0);
	assert_int_equal(PARSE(&a, "drainstop", "--wait", "--timeout", "86400001"), CLI_EXIT_USAGE);
	assert_int_equal(PARSE(&a, "drainstop", "--timeout", "600001"), CLI_EXIT_USAGE);
	assert_string_equal(a.error, "--timeout: '600001' is not 1..600000 ms (up to 86400000 "
				     "with drainstop --wait)");
	assert_int_equal(PARSE(&a, "query", "--timeout", "600000"), 0);
	assert_int_equal(PARSE(&a, "stop", "--wait"), CLI_EXIT_USAGE);
	assert_string_equal(a.error, "--wait is an option of drainstop only");
	assert_int_equal(PARSE(&a, "drainstop", "10.0.0.1", "--wait"), CLI_EXIT_USAGE);
	assert_non_null(strstr(a.error, "on this host only"));
}

/* A refused reload is exit 1 whatever the code says; the code itself is in --json. */
static void test_reload_codes_exit_1(void **state)
{
	static const uint32_t codes[] = {WLBS_PORT_OVERLAP, WLBS_BAD_PORT_PARAMS,
					 WLBS_MAX_PORT_RULES, WLBS_REBOOT, WLBS_LOCAL_ONLY};

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		assert_int_equal(cli_exit_code(WLBS_CMD_RELOAD, codes[i]), CLI_EXIT_FAILED);
	assert_string_equal(wlbs_status_name(1012), "WLBS_LOCAL_ONLY");
	assert_int_equal(wlbs_status_from_name("local_only"), WLBS_LOCAL_ONLY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wait_prints_falling_count_and_exits_0_when_stopped),
	    cmocka_unit_test(test_wait_times_out_with_exit_5_while_held),
	    cmocka_unit_test(test_wait_json_is_one_object),
	    cmocka_unit_test(test_wait_other_ends),
	    cmocka_unit_test(test_wait_options),
	    cmocka_unit_test(test_reload_codes_exit_1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
