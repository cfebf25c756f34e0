// SPDX-License-Identifier: GPL-2.0
/*
 * [check NAME] sections and [cluster] min_serving: every key and its
 * default, rules by name or all, the default address and port, and every
 * kind of error with its line (daemon/config/config_check.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "config/config.c"
#include "config/config_check.c"
#include "config/config_derive.c"
#include "config/config_values.c"

/* Lines 1-9: [cluster], [host] with a dedicated IP, rules web (80) and tls (443-444). */
#define BASE                                                                                       \
	"[cluster]\nip = 10.0.0.1\n[host]\ninterface = eth0\npriority = 2\n"                       \
	"[rule web]\nports = 80\n[rule tls]\nports = 443-444\n"

static struct wlbs_config c;
static char err[4096];

static int parse(const char *text)
{
	unsigned int n;

	err[0] = '\0';
	return cfg_parse_string_all(text, "f.conf", &c, err, sizeof(err), &n);
}

static void test_defaults(void **state)
{
	const struct cfg_check *k;
	char ip[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(parse(BASE "[check web]\ntype = tcp\nrules = web\n"), 0);
	assert_int_equal(c.min_serving, 1);
	assert_int_equal(c.n_checks, 1);
	k = &c.checks[0];
	assert_string_equal(k->name, "web");
	assert_int_equal(k->type, CFG_CHECK_TCP);
	assert_int_equal(k->action, CFG_ACT_DRAIN);
	assert_int_equal(k->interval_ms, 500);
	assert_int_equal(k->timeout_ms, 400);
	assert_int_equal(k->fall, 3);
	assert_int_equal(k->rise, 2);
	assert_int_equal(k->rules, 0x1);
	assert_int_equal(k->port, 80);
	/* no dedicated IP: loopback */
	assert_true(k->addr.v4);
	assert_string_equal(cfg_addr_str(&k->addr, false, ip, sizeof(ip)), "127.0.0.1");
	assert_string_equal(k->path, "/");
	assert_string_equal(k->user, "nobody");
	assert_int_equal(k->status_lo, 200);
	assert_int_equal(k->status_hi, 399);
	assert_false(k->shell);
}

static void test_every_key(void **state)
{
	const struct cfg_check *k;
	char ip[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(
	    parse("[cluster]\nip = 10.0.0.1\nmin_serving = 3\n"
		  "[host]\ninterface = eth0\npriority = 2\ndedicated_ip = 10.0.0.12/24\n"
		  "[rule tls]\nports = 443\n"
		  "[check api]\ntype = http\naddress = ::1\nport = 8080\n"
		  "path = /healthz\nstatus = 200-204\nhost_header = api.example.com\n"
		  "interval_ms = 1000\ntimeout_ms = 1000\nfall = 5\nrise = 4\n"
		  "rules = tls\naction = disable\n"
		  "[check tls]\ntype = tcp\nrules = all\n"
		  "[check app]\ntype = exec\ncommand = /usr/bin/pgrep -x app\n"
		  "user = wlbs-check\nshell = yes\naction = stop\n"),
	    0);
	assert_int_equal(c.min_serving, 3);
	assert_int_equal(c.n_checks, 3);
	k = &c.checks[0];
	assert_int_equal(k->type, CFG_CHECK_HTTP);
	assert_false(k->addr.v4);
	assert_string_equal(cfg_addr_str(&k->addr, false, ip, sizeof(ip)), "::1");
	assert_int_equal(k->port, 8080);
	assert_string_equal(k->path, "/healthz");
	assert_int_equal(k->status_lo, 200);
	assert_int_equal(k->status_hi, 204);
	assert_string_equal(k->host_header, "api.example.com");
	assert_int_equal(k->interval_ms, 1000);
	assert_int_equal(k->timeout_ms, 1000);
	assert_int_equal(k->fall, 5);
	assert_int_equal(k->rise, 4);
	assert_int_equal(k->rules, 0x1);
	assert_int_equal(k->action, CFG_ACT_DISABLE);
	/* the host's own address: its first dedicated IP; the rule's port */
	k = &c.checks[1];
	assert_string_equal(cfg_addr_str(&k->addr, false, ip, sizeof(ip)), "10.0.0.12");
	assert_int_equal(k->port, 443);
	k = &c.checks[2];
	assert_int_equal(k->type, CFG_CHECK_EXEC);
	assert_string_equal(k->command, "/usr/bin/pgrep -x app");
	assert_string_equal(k->user, "wlbs-check");
	assert_true(k->shell);
	assert_int_equal(k->action, CFG_ACT_STOP);
	assert_int_equal(k->rules, 0x1); /* all, though stop is the whole host */
}

static void test_rules_all_and_by_name(void **state)
{
	(void)state;
	assert_int_equal(parse(BASE "[check x]\ntype = exec\ncommand = true\n"), 0);
	assert_int_equal(c.checks[0].rules, 0x3); /* not given: all */
	assert_int_equal(parse(BASE "[check x]\ntype = exec\ncommand = true\nrules = ALL\n"), 0);
	assert_int_equal(c.checks[0].rules, 0x3);
	assert_int_equal(parse(BASE "[check x]\ntype = tcp\nport = 1\nrules = tls, web\n"), 0);
	assert_int_equal(c.checks[0].rules, 0x3);
	/* a rule defined after the check */
	assert_int_equal(parse("[cluster]\nip = 10.0.0.1\n[host]\ninterface = eth0\npriority = 2\n"
			       "[check x]\ntype = tcp\nrules = late\n[rule late]\nports = 8080\n"),
			 0);
	assert_int_equal(c.checks[0].rules, 0x1);
	assert_int_equal(c.checks[0].port, 8080);
}

/* @text (after BASE, from line 10) gives exactly the errors @want, one a line. */
static void expect(const char *text, const char *want)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), BASE "%s", text);
	assert_int_equal(parse(buf), -EINVAL);
	if (strcmp(err, want))
		fail_msg("for:\n%s\ngot:\n%s\nwanted:\n%s", text, err, want);
}

static void test_errors_have_their_line(void **state)
{
	(void)state;
	expect("[check a]\ntype = udp\n",
	       "f.conf:11: [check a] type: must be tcp, http or exec ('udp')");
	expect("[check a]\nrules = web\n", "f.conf:10: [check a] has no type (tcp, http or exec)");
	expect("[check a]\ntype = tcp\nrules = web, nope\n",
	       "f.conf:12: [check a] rules: no [rule] of that name (or all) ('nope')");
	expect("[check a]\ntype = tcp\n",
	       "f.conf:10: [check a] guards rules on different ports (web: 80, tls: 443): "
	       "say which with port =");
	expect("[check a]\ntype = tcp\nrules = all\n",
	       "f.conf:12: [check a] guards rules on different ports (web: 80, tls: 443): "
	       "say which with port =");
	expect("[check a]\ntype = tcp\ninterval_ms = 49\n",
	       "f.conf:12: [check a] interval_ms: must be a whole number 50..3600000 ('49')");
	expect("[check a]\ntype = tcp\nport = 80\ntimeout_ms = 600\n",
	       "f.conf:13: [check a] timeout_ms 600 is longer than interval_ms 500");
	expect("[check a]\ntype = tcp\nport = 0\n",
	       "f.conf:12: [check a] port: must be a whole number 1..65535 ('0')");
	expect("[check a]\ntype = tcp\nport = 80\nfall = 0\nrise = 101\n",
	       "f.conf:13: [check a] fall: must be a whole number 1..100 ('0')\n"
	       "f.conf:14: [check a] rise: must be a whole number 1..100 ('101')");
	expect("[check a]\ntype = http\nport = 80\nstatus = 200-99\n",
	       "f.conf:13: [check a] status: must be a status or a range lo-hi within 100..599 "
	       "('200-99')");
	expect("[check a]\ntype = http\nport = 80\npath = health\n",
	       "f.conf:13: [check a] path: must start with '/' and have no blanks ('health')");
	expect("[check a]\ntype = tcp\nport = 80\naddress = 224.0.0.1\n",
	       "f.conf:13: [check a] address: must be a unicast IPv4 or IPv6 address "
	       "('224.0.0.1')");
	expect("[check a]\ntype = tcp\nport = 80\naction = kill\n",
	       "f.conf:13: [check a] action: must be drain, disable or stop ('kill')");
	expect("[check a]\ntype = exec\n", "f.conf:10: [check a] type exec needs a command");
	expect("[check a]\ntype = exec\ncommand = x\nport = 80\npath = /\n",
	       "f.conf:13: [check a] port: not for type exec\n"
	       "f.conf:14: [check a] path: not for type exec");
	expect("[check a]\ntype = tcp\nport = 80\ncommand = x\nshell = maybe\n",
	       "f.conf:14: [check a] shell: must be yes or no ('maybe')\n"
	       "f.conf:13: [check a] command: not for type tcp");
	expect("[check a]\ntype = tcp\nport = 80\ntype = http\n",
	       "f.conf:13: [check a] type: set twice in this section (line 11) ('http')");
	expect("[check a]\ntype = tcp\nport = 80\ncolour = red\n",
	       "f.conf:13: unknown key in [check a] ('colour')");
	expect("[check a]\ntype = tcp\nport = 80\n[check A]\n",
	       "f.conf:13: check defined twice (first on line 10) ('A')");
	expect("[check]\n", "f.conf:10: a check needs a name, e.g. [check web] ('check')");
	expect("[check a b]\n",
	       "f.conf:10: check names are 1..31 letters, digits, '_', '.' or '-' ('a b')");
	expect("[cluster]\n", "f.conf:10: section repeated (first on line 1) ('cluster')");
}

static void test_port_defaults_need_a_port(void **state)
{
	(void)state;
	assert_int_equal(parse("[cluster]\nip = 10.0.0.1\nmin_serving = 65\n[host]\ninterface = "
			       "eth0\npriority = 2\n"),
			 -EINVAL);
	assert_string_equal(err,
			    "f.conf:3: [cluster] min_serving: must be a whole number 0..64 ('65')");
	assert_int_equal(parse("[cluster]\nip = 10.0.0.1\n[host]\ninterface = eth0\npriority = 2\n"
			       "[rule all]\nports = 0-65535\n[check a]\ntype = tcp\n"),
			 -EINVAL);
	assert_string_equal(err, "f.conf:8: [check a] rule all starts at port 0: say which port "
				 "with port =");
	assert_int_equal(parse("[cluster]\nip = 10.0.0.1\n[host]\ninterface = eth0\npriority = 2\n"
			       "[check a]\ntype = http\n"),
			 -EINVAL);
	assert_string_equal(err, "f.conf:6: [check a] guards no rule to take a port from: say "
				 "which with port =");
	/* an exec check needs no port, nor rules */
	assert_int_equal(parse("[cluster]\nip = 10.0.0.1\n[host]\ninterface = eth0\npriority = 2\n"
			       "[check a]\ntype = exec\ncommand = true\naction = stop\n"),
			 0);
	assert_int_equal(c.checks[0].rules, 0);
}

static void test_too_many_checks(void **state)
{
	char *buf = calloc(1, 16384);
	size_t n;

	(void)state;
	n = snprintf(buf, 16384, BASE);
	for (int i = 0; i <= CFG_MAX_CHECKS; i++)
		n += snprintf(buf + n, 16384 - n, "[check c%d]\ntype = tcp\nport = 1\n", i);
	assert_int_equal(parse(buf), -EINVAL);
	assert_string_equal(err, "f.conf:106: more than 32 checks ('c32')");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_every_key),
	    cmocka_unit_test(test_rules_all_and_by_name),
	    cmocka_unit_test(test_errors_have_their_line),
	    cmocka_unit_test(test_port_defaults_need_a_port),
	    cmocka_unit_test(test_too_many_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
