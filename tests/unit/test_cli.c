// SPDX-License-Identifier: GPL-2.0
/*
 * wlbs CLI: argument parsing (bad arguments are usage errors with a clear
 * message), the remote options and NLB's slash forms, targets, exit statuses
 * Ansible relies on, and text/JSON output. The cli objects are linked (not
 * included): the Makefile links them into every unit test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../../cli/cli.h"
#include "ctl_codec.h"
#include "ip2mac.h"

#define ARGV(...)     ((char *const[]){"wlbs", __VA_ARGS__, NULL})
#define ARGC(...)     ((int)(sizeof((char *[]){"wlbs", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(a, ...) cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (a))

/* A usage error: exit 2 and this message. */
#define BAD(msg, ...)                                                                              \
	do {                                                                                       \
		struct cli_args _a;                                                                \
		assert_int_equal(PARSE(&_a, __VA_ARGS__), CLI_EXIT_USAGE);                         \
		assert_string_equal(_a.error, msg);                                                \
	} while (0)

static void test_usage_errors(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(cli_parse(1, (char *const[]){"wlbs", NULL}, &a), CLI_EXIT_USAGE);
	assert_string_equal(a.error, "missing command");
	BAD("unknown command 'frob'", "frob");
	BAD("unknown command 'Query'", "Query");
	BAD("unknown option '--bogus'", "query", "--bogus");
	BAD("unknown option '-x'", "-x", "query");
	BAD("option '--socket' needs a value", "query", "--socket");
	BAD("--socket: bad path ''", "query", "--socket=");
	BAD("--timeout: '0' is not 1..600000 ms", "query", "--timeout", "0");
	BAD("--timeout: '5s' is not 1..600000 ms", "query", "--timeout=5s");
	BAD("query: too many arguments", "query", "c1", "c2");
	BAD("enable: missing TARGET (all, PORT, VIP:PORT)", "enable");
	BAD("drain: too many arguments", "drain", "80", "c1", "c2");
	BAD("queryport: missing [VIP:]PORT", "queryport");
	BAD("--mode is an option of ip2mac only", "stop", "--mode", "igmp");
	BAD("--force is an option of start only", "stop", "--force");
	BAD("ip2mac: missing IP", "ip2mac");
	BAD("ip2mac: too many arguments", "ip2mac", "10.0.0.1", "10.0.0.2");
	BAD("ip2mac: --mode 'bogus' is not multicast, unicast or igmp", "ip2mac", "10.0.0.1",
	    "--mode=bogus");
	BAD("help: unknown command 'frob'", "help", "frob");
	BAD("too many arguments", "enable", "1", "2", "3", "4", "5");
}

static void test_bad_targets(void **state)
{
	static char *const bad[] = {
	    "65536",
	    "80x",
	    "x80",
	    "",
	    "10.0.0.300:80",
	    "10.0.0.1:",
	    ":80",
	    "10.0.0.1:65536",
	    "[::1",
	    "[::1]x",
	    "[::1]:",
	    "::",
	    "0.0.0.0x",
	    "all:",
	    "al",
	    "10.0.0.1:8o",
	    "[10.0.0.1]:80x",
	    "host.example:80",
	    "ALL",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cli_args a;
		char msg[100];

		snprintf(msg, sizeof(msg), "drain: bad TARGET '%s'", bad[i]);
		if (PARSE(&a, "drain", bad[i]) != CLI_EXIT_USAGE || strcmp(a.error, msg))
			fail_msg("target '%s' accepted or wrong message: %s", bad[i], a.error);
	}
	BAD("unknown option '-1'", "drain", "-1");
	BAD("queryport: bad [VIP:]PORT 'all'", "queryport", "all");
	BAD("queryport: bad [VIP:]PORT '10.0.0.1'", "queryport", "10.0.0.1");
	BAD("queryport: bad [VIP:]PORT '10.0.0.1:all'", "queryport", "10.0.0.1:all");
}

static void test_good_commands_and_targets(void **state)
{
	static const struct {
		char *target;
		uint16_t bits, port;
		const char *vip; /* NULL: none */
	} good[] = {
	    {"all", WLBS_CTL_TGT_ALLPORTS, 0, NULL},
	    {"all:all", WLBS_CTL_TGT_ALLPORTS, 0, NULL},
	    {"80", WLBS_CTL_TGT_PORT, 80, NULL},
	    {"0", WLBS_CTL_TGT_PORT, 0, NULL},
	    {"65535", WLBS_CTL_TGT_PORT, 65535, NULL},
	    {"all:443", WLBS_CTL_TGT_PORT, 443, NULL},
	    {"10.0.0.1", WLBS_CTL_TGT_VIP | WLBS_CTL_TGT_ALLPORTS, 0, "::ffff:10.0.0.1"},
	    {"10.0.0.1:all", WLBS_CTL_TGT_VIP | WLBS_CTL_TGT_ALLPORTS, 0, "::ffff:10.0.0.1"},
	    {"10.0.0.1:80", WLBS_CTL_TGT_VIP | WLBS_CTL_TGT_PORT, 80, "::ffff:10.0.0.1"},
	    {"2001:db8::1", WLBS_CTL_TGT_VIP | WLBS_CTL_TGT_ALLPORTS, 0, "2001:db8::1"},
	    {"[2001:db8::1]", WLBS_CTL_TGT_VIP | WLBS_CTL_TGT_ALLPORTS, 0, "2001:db8::1"},
	    {"[2001:db8::1]:443", WLBS_CTL_TGT_VIP | WLBS_CTL_TGT_PORT, 443, "2001:db8::1"},
	};
	struct cli_args a;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint8_t vip[16] = {0};

		if (PARSE(&a, "disable", good[i].target))
			fail_msg("target '%s' refused: %s", good[i].target, a.error);
		assert_int_equal(a.command, WLBS_CMD_DISABLE);
		assert_int_equal(a.req.command, WLBS_CMD_DISABLE);
		assert_int_equal(a.req.target, good[i].bits);
		assert_int_equal(a.req.port, good[i].port);
		if (good[i].vip)
			assert_int_equal(inet_pton(AF_INET6, good[i].vip, vip), 1);
		assert_memory_equal(a.req.vip, vip, 16);
		/* What the CLI builds is what the daemon accepts. */
		assert_int_equal(ctl_request_check(&a.req), 0);
		assert_null(a.remote);
	}

	for (int c = 1; c < WLBS_CMD_MAX; c++) {
		char *name = (char *)ctl_cmd_name(c);
		int rc = ctl_cmd_takes_target(c) ? PARSE(&a, name, "80") : PARSE(&a, name);

		assert_int_equal(rc, 0);
		assert_int_equal(a.req.command, c);
		assert_int_equal(ctl_request_check(&a.req), 0);
		assert_false(a.json);
		assert_null(a.socket);
		assert_int_equal(a.timeout_ms, CLI_TIMEOUT_MS);
	}

	assert_int_equal(PARSE(&a, "--json", "query", "--socket", "/tmp/s", "--timeout=250"), 0);
	assert_true(a.json);
	assert_string_equal(a.socket, "/tmp/s");
	assert_int_equal(a.timeout_ms, 250);
	assert_int_equal(PARSE(&a, "queryport", "10.0.0.1:80", "--socket=/x"), 0);
	assert_int_equal(a.req.target, WLBS_CTL_TGT_VIP | WLBS_CTL_TGT_PORT);
	assert_string_equal(a.socket, "/x");

	/* Remote targets are parsed now; the transport comes later. */
	assert_int_equal(PARSE(&a, "query", "cluster.example:3"), 0);
	assert_string_equal(a.remote, "cluster.example:3");
	assert_int_equal(PARSE(&a, "drain", "80", "10.0.0.9"), 0);
	assert_string_equal(a.remote, "10.0.0.9");
	assert_int_equal(a.req.port, 80);

	/* help */
	assert_int_equal(PARSE(&a, "enable", "--help"), 0);
	assert_true(a.help);
	assert_int_equal(a.command, WLBS_CMD_ENABLE);
	assert_int_equal(PARSE(&a, "--help"), 0);
	assert_int_equal(a.command, CLI_CMD_HELP);
	assert_int_equal(PARSE(&a, "help", "drainstop"), 0);
	assert_int_equal(a.help_topic, WLBS_CMD_DRAINSTOP);

	/* ip2mac */
	assert_int_equal(PARSE(&a, "ip2mac", "10.0.0.1"), 0);
	assert_int_equal(a.mac_mode, -1);
	assert_string_equal(a.ip, "10.0.0.1");
	assert_int_equal(PARSE(&a, "ip2mac", "--mode", "unicast", "10.0.0.1"), 0);
	assert_int_equal(a.mac_mode, WLBS_CLUSTER_UNICAST);
}

static void test_start_force_sets_the_request_flag(void **state)
{
	struct wlbs_ctl_request back;
	struct cli_args a;
	uint8_t wire[64];

	(void)state;
	assert_int_equal(PARSE(&a, "start", "--force"), 0);
	assert_int_equal(a.req.flags, WLBS_CTL_REQ_F_FORCE);
	/* It survives the wire, and only start may carry it. */
	assert_int_equal(ctl_encode_request(&a.req, wire, sizeof(wire)), 40);
	assert_int_equal(ctl_decode_request(wire, 40, &back), 0);
	assert_int_equal(back.flags, WLBS_CTL_REQ_F_FORCE);
	a.req.command = WLBS_CMD_STOP;
	assert_int_equal(ctl_encode_request(&a.req, wire, sizeof(wire)), -EINVAL);
	assert_int_equal(PARSE(&a, "start"), 0);
	assert_int_equal(a.req.flags, 0);
}

static void test_exit_codes(void **state)
{
	static const struct {
		int cmd;
		uint32_t status;
		int exit;
	} t[] = {
	    {WLBS_CMD_START, WLBS_OK, 0},
	    {WLBS_CMD_START, WLBS_ALREADY, 3},
	    {WLBS_CMD_START, WLBS_DRAIN_STOP, 0},
	    {WLBS_CMD_START, WLBS_SUSPENDED, 1},
	    {WLBS_CMD_START, WLBS_CHECK_FAILING, 1}, /* waits for the check: not done */
	    {WLBS_CMD_STOP, WLBS_DRAIN_STOP, 0},
	    {WLBS_CMD_STOP, WLBS_ALREADY, 3},
	    {WLBS_CMD_STOP, WLBS_SUSPENDED, 1},
	    {WLBS_CMD_DRAINSTOP, WLBS_OK, 0},
	    {WLBS_CMD_DRAINSTOP, WLBS_ALREADY, 3},
	    {WLBS_CMD_SUSPEND, WLBS_STOPPED, 0},
	    {WLBS_CMD_SUSPEND, WLBS_DRAIN_STOP, 0},
	    {WLBS_CMD_SUSPEND, WLBS_ALREADY, 3},
	    {WLBS_CMD_RESUME, WLBS_OK, 0},
	    {WLBS_CMD_ENABLE, WLBS_NOT_FOUND, 1},
	    {WLBS_CMD_DISABLE, WLBS_BAD_PARAMS, 1},
	    {WLBS_CMD_DRAIN, WLBS_STOPPED, 1},
	    {WLBS_CMD_RELOAD, WLBS_BAD_PORT_PARAMS, 1},
	    {WLBS_CMD_RELOAD, WLBS_IO_ERROR, 1},
	    {WLBS_CMD_STOP, WLBS_BAD_PASSW, 4},
	    {WLBS_CMD_STOP, WLBS_TIMEOUT, 5},
	    {WLBS_CMD_QUERY, WLBS_STOPPED, 0},
	    {WLBS_CMD_QUERY, WLBS_CONVERGING, 0},
	    {WLBS_CMD_QUERY, WLBS_CONVERGED, 0},
	    {WLBS_CMD_QUERY, WLBS_DEFAULT, 0},
	    {WLBS_CMD_QUERY, WLBS_DRAINING, 0},
	    {WLBS_CMD_QUERY, WLBS_SUSPENDED, 0},
	    {WLBS_CMD_QUERY, WLBS_BAD_PASSW, 4},
	    {WLBS_CMD_QUERY, WLBS_BAD_PARAMS, 1},
	    {WLBS_CMD_QUERYPORT, WLBS_OK, 0},
	    {WLBS_CMD_QUERYPORT, WLBS_NOT_FOUND, 1},
	    {WLBS_CMD_DISPLAY, WLBS_OK, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (cli_exit_code(t[i].cmd, t[i].status) != t[i].exit)
			fail_msg("%s -> %s: exit %d, want %d", ctl_cmd_name(t[i].cmd),
				 wlbs_status_name((int)t[i].status),
				 cli_exit_code(t[i].cmd, t[i].status), t[i].exit);
	assert_int_equal(cli_exit_for_error(-ENOENT), 4);
	assert_int_equal(cli_exit_for_error(-ECONNREFUSED), 4);
	assert_int_equal(cli_exit_for_error(-EACCES), 4);
	assert_int_equal(cli_exit_for_error(-ETIMEDOUT), 5);
	assert_int_equal(cli_exit_for_error(-ECONNRESET), 5);
	assert_int_equal(cli_exit_for_error(-EBADMSG), 1);
}

/*
 * The remote options, NLB's slash forms among them, in the same single pass
 * as the others (they used to be taken out of argv by a parser of their own).
 */
static void test_remote_options(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(
	    PARSE(&a, "query", "10.0.0.1:2", "--password-file", "/k", "--json", "/PORT", "1717"),
	    0);
	assert_int_equal(a.command, WLBS_CMD_QUERY);
	assert_string_equal(a.remote, "10.0.0.1:2");
	assert_true(a.json);
	assert_string_equal(a.password_file, "/k");
	assert_null(a.password_env);
	assert_int_equal(a.port, 1717);
	assert_false(a.local);

	assert_int_equal(PARSE(&a, "stop", "c", "/passw", "@/etc/k", "--port=99"), 0);
	assert_string_equal(a.password_file, "/etc/k");
	assert_int_equal(a.port, 99);
	assert_string_equal(a.remote, "c");
	assert_int_equal(PARSE(&a, "drain", "80", "c", "--password-env", "PW", "/Port", "2504",
			       "--timeout", "300"),
			 0);
	assert_string_equal(a.password_env, "PW");
	assert_int_equal(a.port, 2504);
	assert_int_equal(a.timeout_ms, 300);
	assert_int_equal(a.req.port, 80);
	assert_int_equal(PARSE(&a, "query", "c", "--password-file=/k", "--port", "+99"), 0);
	assert_int_equal(a.port, 99); /* strtol's sign, as before */
	/* The value of an option is never read as a slash option. */
	assert_int_equal(PARSE(&a, "query", "c", "--password-file", "/PASSW"), 0);
	assert_string_equal(a.password_file, "/PASSW");
	assert_int_equal(PARSE(&a, "query", "c", "--password-file", "--json"), 0);
	assert_string_equal(a.password_file, "--json");
	assert_false(a.json);

	/* /local (any case), and its long option: this host's socket. */
	assert_int_equal(PARSE(&a, "query", "/local"), 0);
	assert_true(a.local);
	assert_null(a.remote);
	assert_int_equal(PARSE(&a, "query", "/LOCAL", "--socket", "/x"), 0);
	assert_true(a.local);
	assert_int_equal(PARSE(&a, "query", "--local"), 0);
	assert_true(a.local);

	/* help and ip2mac ignore the remote options, as they did. */
	assert_int_equal(PARSE(&a, "help", "--port", "5"), 0);
	assert_int_equal(a.command, CLI_CMD_HELP);
	assert_int_equal(PARSE(&a, "stop", "--help", "--password-file", "f"), 0);
	assert_true(a.help);
	assert_int_equal(PARSE(&a, "ip2mac", "10.0.0.1", "/PORT", "5"), 0);
}

static void test_remote_option_errors(void **state)
{
	struct cli_args a;

	(void)state;
	/* A password on the command line: refused, and never repeated. */
	assert_int_equal(PARSE(&a, "stop", "c", "/PASSW", "hunter2hunter2"), CLI_EXIT_USAGE);
	assert_non_null(strstr(a.error, "ps"));
	assert_null(strstr(a.error, "hunter2"));
	BAD("/PASSW takes @FILE here, not a password: a password on the command line is visible to "
	    "every user (ps). Use /PASSW @FILE, --password-file FILE or --password-env VAR",
	    "stop", "c", "/PASSW");
	assert_int_equal(PARSE(&a, "stop", "c", "/passw", "@"), CLI_EXIT_USAGE);
	assert_non_null(strstr(a.error, "not a password"));
	/* Before any other error, as when a parser of their own ran first. */
	assert_int_equal(PARSE(&a, "frob", "--bogus", "/PASSW", "secret"), CLI_EXIT_USAGE);
	assert_null(strstr(a.error, "secret"));

	BAD("port: '70000' is not 1..65535", "stop", "c", "--port", "70000");
	BAD("port: '0' is not 1..65535", "stop", "c", "--port=0");
	BAD("port: '' is not 1..65535", "stop", "c", "--port");
	BAD("port: '' is not 1..65535", "stop", "c", "/PORT");
	BAD("port: 'x' is not 1..65535", "stop", "c", "/port", "x");
	BAD("--password-file needs a file name", "stop", "c", "--password-file");
	BAD("--password-file needs a file name", "stop", "c", "--password-file=");
	BAD("--password-env needs a variable name", "stop", "c", "--password-env");
	BAD("--password-env needs a variable name", "stop", "c", "--password-env=");
	BAD("give one of --password-file and --password-env", "stop", "c", "--password-file", "f",
	    "--password-env", "V");
	BAD("give one of --password-file and --password-env", "help", "--password-file", "f",
	    "--password-env", "V");

	/* Where they may go (these were checked after parsing, in run.c). */
	BAD("/local and CLUSTER[:HOST] exclude each other", "query", "10.0.0.1", "/local");
	BAD("/local and CLUSTER[:HOST] exclude each other", "query", "10.0.0.1", "--local");
	BAD("--password-file, --password-env and --port need CLUSTER[:HOST]", "query",
	    "--password-file", "f");
	BAD("--password-file, --password-env and --port need CLUSTER[:HOST]", "query",
	    "--password-env", "V");
	BAD("--password-file, --password-env and --port need CLUSTER[:HOST]", "query", "/local",
	    "--port", "5");

	/* getopt_long's abbreviations, clusters and "--" are not wlbs forms. */
	BAD("unknown option '--js'", "query", "--js");
	BAD("unknown option '--sock'", "query", "--sock", "/x");
	BAD("unknown option '--sock'", "query", "--sock");
	BAD("unknown option '--pass'", "query", "c", "--pass", "f");
	BAD("unknown option '--password-f'", "query", "c", "--password-f", "f");
	BAD("unknown option '--portx'", "query", "c", "--portx", "5");
	BAD("unknown option '--json=1'", "query", "--json=1");
	BAD("unknown option '--help=1'", "query", "--help=1");
	BAD("unknown option '-hh'", "-hh");
	BAD("unknown option '-hx'", "query", "-hx");
	BAD("unknown option '--'", "query", "--");
	BAD("unknown command '/PASSW=@f'", "/PASSW=@f"); /* only "/PASSW @F" is NLB's */
}

/* Capture what @fn prints. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static void cap_open(struct capture *c)
{
	c->buf = NULL;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static const char *cap_text(struct capture *c)
{
	fflush(c->f);
	return c->buf;
}

static void cap_close(struct capture *c)
{
	fclose(c->f);
	free(c->buf);
}

static void sample(struct wlbs_ctl_response *r, int cmd)
{
	memset(r, 0, sizeof(*r));
	r->command = (uint16_t)cmd;
	r->status = WLBS_DEFAULT;
	r->host = 2;
	r->state = WLBS_HS_CONVERGED;
	r->flags = WLBS_CTL_F_CONVERGED | WLBS_CTL_F_DEFAULT;
	r->members = 0x8000000000000006ull;
	r->held = 12;
	r->cause = WLBS_CAUSE_NEW_MEMBER;
	ctl_resp_text(r, "Host 2 converged as DEFAULT with the following host(s) as part of the "
			 "cluster: 2, 3, 64");
}

static void test_text_output(void **state)
{
	struct wlbs_ctl_response r;
	struct cli_args a;
	struct capture c;

	(void)state;
	PARSE(&a, "query");
	sample(&r, WLBS_CMD_QUERY);
	cap_open(&c);
	cli_print_response(c.f, &a, &r);
	assert_string_equal(cap_text(&c), "Host 2 converged as DEFAULT with the following host(s) "
					  "as part of the cluster: 2, 3, 64\n");
	cap_close(&c);

	PARSE(&a, "queryport", "80");
	r.status = WLBS_OK;
	r.rule_accepted = 10;
	r.rule_dropped = 3;
	ctl_resp_text(&r, "Port 80: rule 80-80 tcp enabled on host 2.");
	cap_open(&c);
	cli_print_response(c.f, &a, &r);
	assert_string_equal(cap_text(&c), "Port 80: rule 80-80 tcp enabled on host 2.\n"
					  "Packets: 10 accepted, 3 dropped.\n");
	cap_close(&c);
}

static void test_json_output(void **state)
{
	struct wlbs_ctl_response r;
	struct cli_args a;
	struct capture c;
	json_object *o, *v;

	(void)state;
	PARSE(&a, "query", "--json");
	sample(&r, WLBS_CMD_QUERY);
	cap_open(&c);
	cli_print_response(c.f, &a, &r);
	o = json_tokener_parse(cap_text(&c));
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "code", &v));
	assert_string_equal(json_object_get_string(v), "WLBS_DEFAULT");
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_int_equal(json_object_get_int(v), 1008);
	assert_true(json_object_object_get_ex(o, "state", &v));
	assert_string_equal(json_object_get_string(v), "converged");
	assert_true(json_object_object_get_ex(o, "host", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(o, "default", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "members", &v));
	assert_int_equal(json_object_array_length(v), 3);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(v, 2)), 64);
	assert_true(json_object_object_get_ex(o, "connections", &v));
	assert_int_equal(json_object_get_int(v), 12);
	assert_true(json_object_object_get_ex(o, "cause", &v));
	assert_string_equal(json_object_get_string(v), "new member");
	assert_true(json_object_object_get_ex(o, "message", &v));
	assert_string_equal(json_object_get_string(v), r.text);
	assert_true(json_object_object_get_ex(o, "exit", &v));
	assert_int_equal(json_object_get_int(v), 0);
	assert_true(json_object_object_get_ex(o, "changed", &v));
	assert_false(json_object_get_boolean(v)); /* a query changes nothing */
	json_object_put(o);
	cap_close(&c);

	/* A refusal: exit 1, nothing changed. */
	PARSE(&a, "stop", "--json");
	r.status = WLBS_SUSPENDED;
	ctl_resp_text(&r, "Cluster control is suspended: \"quoted\"\nsecond line");
	cap_open(&c);
	cli_print_response(c.f, &a, &r);
	o = json_tokener_parse(cap_text(&c));
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "exit", &v));
	assert_int_equal(json_object_get_int(v), 1);
	assert_true(json_object_object_get_ex(o, "changed", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "message", &v));
	assert_string_equal(json_object_get_string(v), r.text);
	json_object_put(o);
	cap_close(&c);
}

static void test_errors_name_the_socket(void **state)
{
	struct cli_args a;
	struct capture out, err;
	json_object *o, *v;

	(void)state;
	PARSE(&a, "stop", "--socket", "/run/x/wlbsd.sock");
	cap_open(&out);
	cap_open(&err);
	cli_print_error(out.f, err.f, &a, -ENOENT);
	assert_string_equal(cap_text(&out), "");
	assert_string_equal(cap_text(&err), "wlbs: wlbsd is not running: cannot connect to "
					    "/run/x/wlbsd.sock (No such file or directory)\n");
	cap_close(&out);
	cap_close(&err);

	PARSE(&a, "stop");
	cap_open(&out);
	cap_open(&err);
	cli_print_error(out.f, err.f, &a, -EACCES);
	assert_string_equal(cap_text(&err), "wlbs: permission denied on /run/wlbs/wlbsd.sock: run "
					    "as root or as a member of group wlbs\n");
	cap_close(&out);
	cap_close(&err);

	PARSE(&a, "stop", "--json", "--timeout", "300");
	cap_open(&out);
	cap_open(&err);
	cli_print_error(out.f, err.f, &a, -ETIMEDOUT);
	assert_string_equal(cap_text(&err), "");
	o = json_tokener_parse(cap_text(&out));
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "error", &v));
	assert_string_equal(json_object_get_string(v),
			    "no answer from wlbsd on /run/wlbs/wlbsd.sock within 300 ms");
	assert_true(json_object_object_get_ex(o, "exit", &v));
	assert_int_equal(json_object_get_int(v), 5);
	json_object_put(o);
	cap_close(&out);
	cap_close(&err);
}

/* stats options: where they fit, and a usage error is JSON with --json. */
static void test_stats_options_and_json_usage_errors(void **state)
{
	struct cli_args a;
	struct capture out, err;
	json_object *o, *v;

	(void)state;
	assert_int_equal(PARSE(&a, "stats", "--openmetrics", "--output", "/tmp/x.prom"), 0);
	assert_int_equal(a.command, WLBS_CMD_STATS);
	assert_true(a.openmetrics);
	assert_string_equal(a.output, "/tmp/x.prom");
	BAD("--openmetrics is an option of stats only", "query", "--openmetrics");
	BAD("give one of --json and --openmetrics", "stats", "--json", "--openmetrics");
	BAD("--openmetrics is for this host's daemon (run it on each host)", "stats",
	    "--openmetrics", "10.0.0.1", "--password-file", "/k");
	BAD("option '--output' needs a value", "stats", "--output");

	assert_int_equal(PARSE(&a, "frob", "--json"), CLI_EXIT_USAGE);
	cap_open(&out);
	cap_open(&err);
	cli_print_usage_error(out.f, err.f, &a, true);
	assert_string_equal(cap_text(&err), "");
	o = json_tokener_parse(cap_text(&out));
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "code", &v));
	assert_string_equal(json_object_get_string(v), "WLBS_BAD_PARAMS");
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_int_equal(json_object_get_int(v), 1003);
	assert_true(json_object_object_get_ex(o, "message", &v));
	assert_string_equal(json_object_get_string(v), "unknown command 'frob'");
	assert_true(json_object_object_get_ex(o, "exit", &v));
	assert_int_equal(json_object_get_int(v), CLI_EXIT_USAGE);
	json_object_put(o);
	cap_close(&out);
	cap_close(&err);
}

/* ip2mac names the IGMP group, takes IPv6 (its low 32 bits), refuses what is no cluster IP. */
static void test_ip2mac_group_ipv6_and_refusals(void **state)
{
	static char *bad[] = {"0.0.0.0", "255.255.255.255"};
	struct cli_args a;
	struct capture out, err;
	unsigned int i;

	(void)state;
	PARSE(&a, "ip2mac", "10.1.2.3", "--mode", "igmp");
	cap_open(&out);
	cap_open(&err);
	assert_int_equal(cli_ip2mac(out.f, err.f, &a), 0);
	assert_string_equal(cap_text(&out), "The igmp cluster MAC address for IP 10.1.2.3 is "
					    "01-00-5e-7f-02-03 (IGMP group 239.255.2.3).\n");
	cap_close(&out);
	cap_close(&err);

	PARSE(&a, "ip2mac", "2001:db8::a0b:c0d", "--mode", "multicast");
	cap_open(&out);
	cap_open(&err);
	assert_int_equal(cli_ip2mac(out.f, err.f, &a), 0);
	assert_string_equal(cap_text(&out),
			    "The multicast cluster MAC address for IP 2001:db8::a0b:c0d (a.b.c.d = "
			    "10.11.12.13, its low 32 bits) is 03-bf-0a-0b-0c-0d.\n");
	cap_close(&out);
	cap_close(&err);

	for (i = 0; i < 2; i++) {
		PARSE(&a, "ip2mac", bad[i]);
		cap_open(&out);
		cap_open(&err);
		assert_int_equal(cli_ip2mac(out.f, err.f, &a), CLI_EXIT_USAGE);
		assert_string_equal(cap_text(&out), "");
		assert_non_null(strstr(cap_text(&err), bad[i]));
		assert_non_null(strstr(cap_text(&err), "not a cluster IP"));
		cap_close(&out);
		cap_close(&err);
	}
}

static void test_ip2mac_output(void **state)
{
	struct cli_args a;
	struct capture out, err;
	json_object *o, *v;

	(void)state;
	PARSE(&a, "ip2mac", "10.1.2.3", "--mode", "unicast");
	cap_open(&out);
	cap_open(&err);
	assert_int_equal(cli_ip2mac(out.f, err.f, &a), 0);
	assert_string_equal(
	    cap_text(&out),
	    "The unicast cluster MAC address for IP 10.1.2.3 is 02-bf-0a-01-02-03.\n");
	cap_close(&out);
	cap_close(&err);

	PARSE(&a, "ip2mac", "10.1.2.3", "--json");
	cap_open(&out);
	cap_open(&err);
	assert_int_equal(cli_ip2mac(out.f, err.f, &a), 0);
	o = json_tokener_parse(cap_text(&out));
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "mac", &v));
	assert_string_equal(json_object_get_string(v), "03-bf-0a-01-02-03");
	assert_true(json_object_object_get_ex(o, "igmp", &v));
	assert_string_equal(json_object_get_string(v), "01-00-5e-7f-02-03");
	assert_true(json_object_object_get_ex(o, "igmp_group", &v));
	assert_string_equal(json_object_get_string(v), "239.255.2.3");
	json_object_put(o);
	cap_close(&out);
	cap_close(&err);

	PARSE(&a, "ip2mac", "10.1.2");
	cap_open(&out);
	cap_open(&err);
	assert_int_equal(cli_ip2mac(out.f, err.f, &a), CLI_EXIT_USAGE);
	assert_string_equal(cap_text(&err),
			    "wlbs: ip2mac: not an IPv4 or IPv6 address ('10.1.2')\n");
	cap_close(&out);
	cap_close(&err);
}

static void test_help_lists_commands_and_exit_codes(void **state)
{
	struct capture c;
	const char *t;

	(void)state;
	cap_open(&c);
	cli_usage(c.f);
	t = cap_text(&c);
	for (int cmd = 1; cmd < WLBS_CMD_MAX; cmd++) {
		char line[40];

		snprintf(line, sizeof(line), "\n  %s", ctl_cmd_name(cmd));
		if (!strstr(t, line))
			fail_msg("help does not list %s", ctl_cmd_name(cmd));
	}
	assert_non_null(strstr(t, "\n  ip2mac IP"));
	assert_non_null(strstr(t, "\n  stats [--openmetrics] [--output FILE]"));
	assert_non_null(strstr(t, "  --openmetrics  "));
	assert_non_null(strstr(t, "  --output FILE  "));
	for (int code = 0; code <= 5; code++) {
		char line[8];

		snprintf(line, sizeof(line), "\n  %d  ", code);
		assert_non_null(strstr(t, line));
	}
	cap_close(&c);

	cap_open(&c);
	cli_command_help(c.f, WLBS_CMD_DRAIN);
	t = cap_text(&c);
	assert_non_null(strstr(t, "Usage: wlbs drain TARGET [CLUSTER[:HOST]]"));
	assert_non_null(strstr(t, "TARGET: all | PORT"));
	assert_non_null(strstr(t, "Exit status:"));
	cap_close(&c);
}

/* wlbs __complete: every command of the help table; a command's own options only for it. */
static void test_complete_lists(void **state)
{
	struct capture c;
	const char *t;

	(void)state;
	cap_open(&c);
	assert_int_equal(cli_complete(c.f, 1, (char *const[]){"commands", NULL}), CLI_EXIT_DONE);
	t = cap_text(&c);
	for (int cmd = 1; cmd < WLBS_CMD_MAX; cmd++) {
		char line[40];

		snprintf(line, sizeof(line), "\n%s ", ctl_cmd_name(cmd));
		if (!strstr(t, line) && strncmp(t, line + 1, strlen(line + 1)))
			fail_msg("__complete commands lacks %s", ctl_cmd_name(cmd));
	}
	assert_non_null(strstr(t, "\nenable TARGET [CLUSTER[:HOST]]\n"));
	assert_non_null(strstr(t, "\nip2mac IP [--mode M]\n"));
	assert_null(strstr(t, "__complete"));
	cap_close(&c);

	cap_open(&c);
	assert_int_equal(cli_complete(c.f, 2, (char *const[]){"options", "drainstop", NULL}),
			 CLI_EXIT_DONE);
	t = cap_text(&c);
	assert_non_null(strstr(t, "--wait\n"));
	assert_non_null(strstr(t, "--socket PATH\n"));
	assert_null(strstr(t, "--openmetrics"));
	assert_null(strstr(t, "--mode"));
	cap_close(&c);

	cap_open(&c);
	assert_int_equal(cli_complete(c.f, 1, (char *const[]){"options", NULL}), CLI_EXIT_DONE);
	t = cap_text(&c);
	assert_non_null(strstr(t, "--mode multicast|igmp|unicast\n"));
	assert_non_null(strstr(t, "--openmetrics\n"));
	assert_null(strstr(t, " ARG\n")); /* every option with a value says what it takes */
	cap_close(&c);

	cap_open(&c);
	assert_int_equal(cli_complete(c.f, 2, (char *const[]){"options", "frob", NULL}),
			 CLI_EXIT_USAGE);
	assert_int_equal(cli_complete(c.f, 1, (char *const[]){"targets", NULL}), CLI_EXIT_USAGE);
	cap_close(&c);
}

/* The whole CLI against a socket nobody listens on, and with a remote target. */
static void test_main_exit_statuses(void **state)
{
	(void)state;
	assert_int_equal(cli_main(ARGC("stop", "--socket", "/nonexistent/wlbsd.sock"),
				  ARGV("stop", "--socket", "/nonexistent/wlbsd.sock")),
			 CLI_EXIT_NO_DAEMON);
	assert_int_equal(cli_main(ARGC("query", "cluster:2"), ARGV("query", "cluster:2")),
			 CLI_EXIT_USAGE);
	assert_int_equal(cli_main(ARGC("drain", "x"), ARGV("drain", "x")), CLI_EXIT_USAGE);
	assert_int_equal(cli_main(ARGC("help", "stop"), ARGV("help", "stop")), CLI_EXIT_DONE);
	assert_int_equal(
	    cli_main(ARGC("stop", "c", "/PASSW", "pw"), ARGV("stop", "c", "/PASSW", "pw")),
	    CLI_EXIT_USAGE);
	assert_int_equal(cli_main(ARGC("stop", "c", "/local"), ARGV("stop", "c", "/local")),
			 CLI_EXIT_USAGE);
	assert_int_equal(
	    cli_main(ARGC("stop", "--port", "9", "--socket", "/nonexistent/wlbsd.sock"),
		     ARGV("stop", "--port", "9", "--socket", "/nonexistent/wlbsd.sock")),
	    CLI_EXIT_USAGE);
	assert_int_equal(cli_main(ARGC("stop", "/local", "--socket", "/nonexistent/wlbsd.sock"),
				  ARGV("stop", "/local", "--socket", "/nonexistent/wlbsd.sock")),
			 CLI_EXIT_NO_DAEMON);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_usage_errors),
	    cmocka_unit_test(test_bad_targets),
	    cmocka_unit_test(test_good_commands_and_targets),
	    cmocka_unit_test(test_remote_options),
	    cmocka_unit_test(test_remote_option_errors),
	    cmocka_unit_test(test_exit_codes),
	    cmocka_unit_test(test_start_force_sets_the_request_flag),
	    cmocka_unit_test(test_text_output),
	    cmocka_unit_test(test_json_output),
	    cmocka_unit_test(test_errors_name_the_socket),
	    cmocka_unit_test(test_ip2mac_output),
	    cmocka_unit_test(test_ip2mac_group_ipv6_and_refusals),
	    cmocka_unit_test(test_help_lists_commands_and_exit_codes),
	    cmocka_unit_test(test_stats_options_and_json_usage_errors),
	    cmocka_unit_test(test_main_exit_statuses),
	    cmocka_unit_test(test_complete_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
