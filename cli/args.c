// SPDX-License-Identifier: GPL-2.0
/* wlbs command line: commands, targets, options, help text. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "ctl_codec.h"
#include "ip2mac.h"

/* One line per command for `wlbs help`, and its arguments. */
static const struct {
	int cmd;
	const char *args;
	const char *what;
} cmd_help[] = {
    {WLBS_CMD_QUERY, "", "state of this host and the cluster members it sees"},
    {WLBS_CMD_START, " [--force]", "start cluster operations"},
    {WLBS_CMD_STOP, "", "stop cluster operations (connections held are cut)"},
    {WLBS_CMD_DRAINSTOP, " [--wait]", "take no new connections; stop once none are held"},
    {WLBS_CMD_SUSPEND, "", "stop, and refuse control commands until resume"},
    {WLBS_CMD_RESUME, "", "accept control commands again (the host stays stopped)"},
    {WLBS_CMD_ENABLE, " TARGET", "this host takes its share of the target rules again"},
    {WLBS_CMD_DISABLE, " TARGET",
     "this host takes nothing of the target rules (held connections cut)"},
    {WLBS_CMD_DRAIN, " TARGET", "this host takes no new connections of the target rules"},
    {WLBS_CMD_QUERYPORT, " [VIP:]PORT", "state and counters of the rule covering PORT"},
    {WLBS_CMD_DISPLAY, "", "configuration, state, counters and recent events"},
    {WLBS_CMD_PARAMS, "", "every effective configuration value, defaults included"},
    {WLBS_CMD_STATS, " [--openmetrics] [--output FILE]",
     "counters: packets per rule and reason, heartbeats, remote control, convergence"},
    {WLBS_CMD_RELOAD, "", "re-read the configuration; established flows stay"},
    {CLI_CMD_IP2MAC, " IP [--mode M]",
     "cluster MAC and IGMP group of IP (M: multicast, unicast, igmp); needs no daemon"},
    {CLI_CMD_HELP, " [COMMAND]", "this text, or one command's"},
};

#define N_HELP (sizeof(cmd_help) / sizeof(cmd_help[0]))

/* What `wlbs help COMMAND` adds below the line of a command that needs more. */
static const struct {
	int cmd;
	const char *text;
} cmd_more[] = {
    {WLBS_CMD_DRAINSTOP,
     "  --wait        return once the host is stopped (exit 0), printing the held\n"
     "                connection count as it falls; with --timeout MS, at most MS ms:\n"
     "                exit 5 if it still drains then (the drain goes on). Without\n"
     "                --timeout it waits as long as connections are held. Local only.\n"},
    {WLBS_CMD_START,
     "While a health check of action stop fails, start is answered WLBS_CHECK_FAILING\n"
     "(exit 1) with the check and its error, and remembered: the host starts when\n"
     "the check passes.\n"
     "  --force       start now; the failing check is ignored until it passes.\n"},
    {WLBS_CMD_DISABLE,
     "This host drops the rules' packets at once, those of the connections it holds\n"
     "too: they are cut (NLB's disable). Use drain to let held connections finish.\n"
     "The answer names the rules acted on (name, [VIP:]ports/protocol).\n"},
    {WLBS_CMD_RELOAD,
     "All or nothing: a file that is refused changes nothing. The code says why:\n"
     "WLBS_PORT_OVERLAP, WLBS_BAD_PORT_PARAMS, WLBS_MAX_PORT_RULES (port rules),\n"
     "WLBS_BAD_PARAMS (anything else), WLBS_REBOOT: the file is valid but changes\n"
     "priority, interface, the cluster MAC/mode or xdp_mode, which only a restart\n"
     "of wlbsd applies; the message names them. Remotely refused (WLBS_LOCAL_ONLY).\n"},
};

static const char exit_help[] =
    "Exit status:\n"
    "  0  done: the state changed as asked (query, display, params, stats, queryport: answered)\n"
    "  1  refused or failed by wlbsd (e.g. WLBS_SUSPENDED, WLBS_NOT_FOUND,\n"
    "     WLBS_BAD_PARAMS, WLBS_PORT_OVERLAP, WLBS_REBOOT, WLBS_LOCAL_ONLY)\n"
    "  2  usage error\n"
    "  3  already in that state: success, nothing changed (WLBS_ALREADY)\n"
    "  4  wlbsd not running, or permission denied (root or group " WLBS_CTL_GROUP ")\n"
    "  5  timeout: no answer from wlbsd; drainstop --wait: still draining\n";

static const char target_help[] =
    "TARGET: all | PORT | VIP | VIP:PORT | VIP:all | all:PORT   (IPv6 VIP: [VIP]:PORT)\n"
    "  PORT selects the rule(s) covering that port; VIP limits it to one cluster IP.\n";

static void remote_usage(FILE *f)
{
	fprintf(f,
		"Remote control: COMMAND [ARGS] CLUSTER[:HOST] sends the command over UDP to\n"
		"every host of the cluster (or to HOST: a host priority, a dedicated IP or a\n"
		"host name); each host answers with its own result, one line per host.\n"
		"CLUSTER is the cluster's first cluster IP ([v6] for IPv6): the key is derived\n"
		"from it and the password.\n"
		"  --password-file F  the remote control password (also NLB's /PASSW @F)\n"
		"  --password-env VAR the password is in environment variable VAR\n"
		"  --port N           UDP port (default %d; also /PORT N)\n"
		"  --local            this host's daemon, never remote (also /local)\n\n",
		WLBS_CTL_UDP_PORT);
}

static const char *name_of(int cmd)
{
	if (cmd == CLI_CMD_HELP)
		return "help";
	if (cmd == CLI_CMD_IP2MAC)
		return "ip2mac";
	return ctl_cmd_name(cmd);
}

int cli_cmd_from_name(const char *name)
{
	if (!strcmp(name, "help"))
		return CLI_CMD_HELP;
	if (!strcmp(name, "ip2mac"))
		return CLI_CMD_IP2MAC;
	return ctl_cmd_from_name(name);
}

void cli_usage(FILE *f)
{
	fprintf(f, "Usage: wlbs COMMAND [ARGS] [--json] [--socket PATH] [--timeout MS]\n"
		   "Control the wlbs network load balancing daemon (wlbsd) on this host.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < N_HELP; i++) {
		char left[64];

		snprintf(left, sizeof(left), "%s%s", name_of(cmd_help[i].cmd), cmd_help[i].args);
		/* A long synopsis gets its own line, so the descriptions stay aligned. */
		if (strlen(left) > 22)
			fprintf(f, "  %s\n  %-22s %s\n", left, "", cmd_help[i].what);
		else
			fprintf(f, "  %-22s %s\n", left, cmd_help[i].what);
	}
	fprintf(f, "\n%s", target_help);
	remote_usage(f);
	fprintf(f,
		"Options:\n"
		"  --json         print one JSON object per host: host, dedicated_ips, state,\n"
		"                 default, members, connections, code, status, message and the\n"
		"                 command's own object (docs/wlbs-answer.schema.json)\n"
		"  --openmetrics  stats: Prometheus/OpenMetrics text (wlbs_packets_total, ...)\n"
		"  --output FILE  write the output to FILE atomically (temporary file + rename),\n"
		"                 e.g. node-exporter's textfile collector directory\n"
		"  --socket PATH  control socket (default " WLBS_CTL_SOCKET ")\n"
		"  --timeout MS   wait at most MS milliseconds for the answer (default %d;\n"
		"                 drainstop --wait: for the host to stop, up to a day, default\n"
		"                 no limit)\n"
		"  --help         help of a command: wlbs COMMAND --help\n\n%s",
		CLI_TIMEOUT_MS, exit_help);
}

void cli_command_help(FILE *f, int command)
{
	for (size_t i = 0; i < N_HELP; i++) {
		if (cmd_help[i].cmd != command)
			continue;
		fprintf(
		    f, "Usage: wlbs %s%s%s [--json]%s\n%c%s.\n", name_of(command), cmd_help[i].args,
		    command == CLI_CMD_IP2MAC || command == CLI_CMD_HELP ? "" : " [CLUSTER[:HOST]]",
		    command == CLI_CMD_IP2MAC || command == CLI_CMD_HELP
			? ""
			: " [--socket PATH] [--timeout MS]",
		    toupper((unsigned char)cmd_help[i].what[0]), cmd_help[i].what + 1);
		if (ctl_cmd_takes_target(command) && command != WLBS_CMD_QUERYPORT)
			fprintf(f, "%s", target_help);
		for (size_t k = 0; k < sizeof(cmd_more) / sizeof(cmd_more[0]); k++)
			if (cmd_more[k].cmd == command)
				fprintf(f, "%s", cmd_more[k].text);
		fprintf(f, "\n%s", exit_help);
		return;
	}
}

static int usage_error(struct cli_args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int usage_error(struct cli_args *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->error, sizeof(a->error), fmt, ap);
	va_end(ap);
	return CLI_EXIT_USAGE;
}

/* Decimal 0..65535, digits only. */
static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* IPv4 (stored v4-mapped) or IPv6 literal. */
static int parse_vip(const char *s, uint8_t vip[16])
{
	memset(vip, 0, 16);
	if (inet_pton(AF_INET, s, vip + 12) == 1) {
		vip[10] = vip[11] = 0xff;
		return 0;
	}
	if (inet_pton(AF_INET6, s, vip) == 1) {
		static const uint8_t zero[16];

		return memcmp(vip, zero, 16) ? 0 : -EINVAL;
	}
	return -EINVAL;
}

int cli_parse_target(const char *s, bool port_only, struct wlbs_ctl_request *req)
{
	char host[64];
	const char *port = NULL;
	const char *colon = strrchr(s, ':');
	size_t hlen;

	req->target = 0;
	req->port = 0;
	memset(req->vip, 0, sizeof(req->vip));
	if (s[0] == '[') { /* [v6]:PORT or [v6] */
		const char *end = strchr(s, ']');

		if (!end || (end[1] && end[1] != ':') || (end[1] == ':' && !end[2]))
			return -EINVAL;
		hlen = (size_t)(end - s - 1);
		if (hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		port = end[1] ? end + 2 : NULL;
	} else if (colon && strchr(s, ':') == colon) { /* exactly one ':' : HOST:PORT */
		hlen = (size_t)(colon - s);
		if (hlen >= sizeof(host) || !colon[1])
			return -EINVAL;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		port = colon + 1;
	} else if (!colon && parse_port(s, &req->port) == 0) { /* PORT */
		req->target = WLBS_CTL_TGT_PORT;
		return 0;
	} else { /* all, or a VIP alone (IPv6 without brackets included) */
		if (strlen(s) >= sizeof(host))
			return -EINVAL;
		strcpy(host, s);
	}

	if (strcmp(host, "all")) {
		if (parse_vip(host, req->vip))
			return -EINVAL;
		req->target |= WLBS_CTL_TGT_VIP;
	}
	if (!port || !strcmp(port, "all")) {
		if (port_only)
			return -EINVAL;
		req->target |= WLBS_CTL_TGT_ALLPORTS;
	} else {
		if (parse_port(port, &req->port))
			return -EINVAL;
		req->target |= WLBS_CTL_TGT_PORT;
	}
	return 0;
}

/* Long option values; short options are their letter. */
enum {
	OPT_JSON = 256,
	OPT_SOCKET,
	OPT_TIMEOUT,
	OPT_MODE,
	OPT_PASSWORD_FILE,
	OPT_PASSWORD_ENV,
	OPT_PORT,
	OPT_LOCAL,
	OPT_WAIT,
	OPT_OPENMETRICS,
	OPT_OUTPUT,
	OPT_FORCE,
};

static const struct option long_opts[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {"socket", required_argument, NULL, OPT_SOCKET},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"mode", required_argument, NULL, OPT_MODE},
    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
    {"password-env", required_argument, NULL, OPT_PASSWORD_ENV},
    {"port", required_argument, NULL, OPT_PORT},
    {"local", no_argument, NULL, OPT_LOCAL},
    {"wait", no_argument, NULL, OPT_WAIT},
    {"openmetrics", no_argument, NULL, OPT_OPENMETRICS},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"force", no_argument, NULL, OPT_FORCE},
    {NULL, 0, NULL, 0},
};

/*
 * What the value of an option is, for `wlbs __complete`: a placeholder the
 * completion maps to a kind (PATH, FILE: file names; VAR: variables), or the
 * words it takes, a|b|c. An option taking a value that is missing here lists
 * as ARG, which tests/check-completion.sh refuses.
 */
static const struct {
	const char *opt;
	const char *value;
} opt_values[] = {
    {"socket", "PATH"},
    {"timeout", "MS"},
    {"password-file", "FILE"},
    {"password-env", "VAR"},
    {"port", "N"},
    {"output", "FILE"},
    {"mode", "multicast|igmp|unicast"},
};

/* NLB's spellings (matched in any case) and the long option each stands for. */
static const struct {
	const char *nlb;
	const char *opt;
} slash_opts[] = {
    {"/PASSW", "--password-file"}, /* @FILE only: a password on a command line shows in ps */
    {"/PORT", "--port"},
    {"/local", "--local"},
};

static const struct option *long_opt_named(const char *arg)
{
	size_t n;

	if (arg[0] != '-' || arg[1] != '-')
		return NULL;
	arg += 2;
	n = strcspn(arg, "=");
	for (const struct option *o = long_opts; o->name; o++)
		if (strlen(o->name) == n && !strncmp(arg, o->name, n))
			return o;
	return NULL;
}

/*
 * getopt_long also takes unique abbreviations (--js) and clustered short
 * options (-hh); wlbs takes exact names only, as it always has.
 */
static bool exact_opt(const char *arg, int val)
{
	const struct option *o = long_opt_named(arg);

	if (val == 'h' && !strcmp(arg, "-h"))
		return true;
	return o && o->val == val;
}

/*
 * Copies @argv to @out with NLB's slash options replaced by their long
 * options, for getopt_long. The value of an option that takes one is copied
 * as it is, never read as a slash option.
 */
static int map_slash_opts(struct cli_args *a, int argc, char *const argv[], char **out)
{
	out[0] = argv[0];
	for (int i = 1; i < argc; i++) {
		char *next = i + 1 < argc ? argv[i + 1] : NULL;
		const struct option *o = long_opt_named(argv[i]);

		out[i] = argv[i];
		if (o && o->has_arg == required_argument && !strchr(argv[i], '=') && next) {
			out[++i] = next;
			continue;
		}
		for (size_t k = 0; k < sizeof(slash_opts) / sizeof(slash_opts[0]); k++) {
			if (strcasecmp(argv[i], slash_opts[k].nlb))
				continue;
			out[i] = (char *)slash_opts[k].opt;
			if (!strcmp(slash_opts[k].nlb, "/PASSW")) {
				if (!next || next[0] != '@' || !next[1])
					/* Never echo what followed: it may be the password. */
					return usage_error(
					    a,
					    "%s takes @FILE here, not a password: a password on "
					    "the command line is visible to every user (ps). Use "
					    "/PASSW @FILE, --password-file FILE or --password-env "
					    "VAR",
					    "/PASSW");
				next++;
			}
			if (long_opt_named(out[i])->has_arg == required_argument && next)
				out[++i] = next;
			break;
		}
	}
	out[argc] = NULL;
	return 0;
}

/* The remote control UDP port: 1..65535 (strtol: leading blanks and sign allowed). */
static int parse_udp_port(struct cli_args *a, const char *v)
{
	char *end;
	long p;

	errno = 0;
	p = v ? strtol(v, &end, 10) : 0;
	if (!v || errno || *end || end == v || p < 1 || p > 65535)
		return usage_error(a, "port: '%s' is not 1..65535", v ? v : "");
	a->port = (uint16_t)p;
	return 0;
}

/* An option that needs a value came last. */
static int missing_value(struct cli_args *a, int val, const char *arg)
{
	switch (val) {
	case OPT_PASSWORD_FILE:
		return usage_error(a, "%s needs a file name", "--password-file");
	case OPT_PASSWORD_ENV:
		return usage_error(a, "%s needs a variable name", "--password-env");
	case OPT_PORT:
		return parse_udp_port(a, NULL);
	default:
		return usage_error(a, "option '%s' needs a value", arg);
	}
}

static int set_option(struct cli_args *a, int c, const char *v, const char **mode)
{
	char *end;
	long ms;

	switch (c) {
	case 'h':
		a->help = true;
		return 0;
	case OPT_JSON:
		a->json = true;
		return 0;
	case OPT_SOCKET:
		if (!*v || strlen(v) >= 108)
			return usage_error(a, "--socket: bad path '%s'", v);
		a->socket = v;
		return 0;
	case OPT_TIMEOUT:
		errno = 0;
		ms = strtol(v, &end, 10);
		if (errno || *end || end == v || ms < 1 || ms > CLI_WAIT_MAX_MS)
			return usage_error(a, "--timeout: '%s' is not 1..600000 ms", v);
		a->timeout_ms = (int)ms;
		a->timeout_set = true;
		return 0;
	case OPT_MODE:
		*mode = v;
		return 0;
	case OPT_PASSWORD_FILE: /* empty (--password-file=) is missing */
		if (!*v)
			return missing_value(a, c, NULL);
		a->password_file = v;
		return 0;
	case OPT_PASSWORD_ENV:
		if (!*v)
			return missing_value(a, c, NULL);
		a->password_env = v;
		return 0;
	case OPT_PORT:
		return parse_udp_port(a, v);
	case OPT_LOCAL:
		a->local = true;
		return 0;
	case OPT_WAIT:
		a->wait = true;
		return 0;
	case OPT_OPENMETRICS:
		a->openmetrics = true;
		return 0;
	case OPT_FORCE:
		a->req.flags |= WLBS_CTL_REQ_F_FORCE;
		return 0;
	case OPT_OUTPUT:
		if (!*v)
			return missing_value(a, c, "--output");
		a->output = v;
		return 0;
	}
	return -EINVAL;
}

/* One pass, in argv order (getopt_long's "-": operands come back as 1, not permuted). */
static int parse_options(struct cli_args *a, int argc, char *argv[], const char **pos, int *npos,
			 const char **mode)
{
	int c, at, err;

	optind = 0; /* 0, not 1: restarts getopt's scan, which cli_parse runs again and again */
	opterr = 0;
	for (;;) {
		at = optind ? optind : 1;
		/* wlbs never had an end-of-options marker; getopt's "--" stays unknown. */
		if (at < argc && !strcmp(argv[at], "--"))
			return usage_error(a, "unknown option '%s'", argv[at]);
		c = getopt_long(argc, argv, "-:h", long_opts, NULL);
		if (c == -1)
			return 0;
		if (c == 1) {
			if (*npos == 4)
				return usage_error(a, "too many arguments");
			pos[(*npos)++] = optarg;
			continue;
		}
		if (c == '?' || !exact_opt(argv[at], c == ':' ? optopt : c))
			return usage_error(a, "unknown option '%s'", argv[at]);
		if (c == ':')
			return missing_value(a, optopt, argv[at]);
		err = set_option(a, c, optarg, mode);
		if (err)
			return err;
	}
}

/* Where the remote options may go: CLUSTER[:HOST], and not with --local. */
static int check_remote(struct cli_args *a)
{
	if (a->remote && a->local)
		return usage_error(a, "/local and CLUSTER[:HOST] exclude each other");
	if (a->remote && a->openmetrics)
		return usage_error(a,
				   "--openmetrics is for this host's daemon (run it on each host)");
	if (!a->remote && (a->password_file || a->password_env || a->port))
		return usage_error(
		    a, "--password-file, --password-env and --port need CLUSTER[:HOST]");
	return 0;
}

int cli_parse(int argc, char *const argv[], struct cli_args *a)
{
	const char *pos[4], *mode = NULL;
	int npos = 0, err, cmd, want;
	char *args[argc + 1];

	memset(a, 0, sizeof(*a));
	a->timeout_ms = CLI_TIMEOUT_MS;
	a->mac_mode = -1;
	err = map_slash_opts(a, argc, argv, args);
	if (!err)
		err = parse_options(a, argc, args, pos, &npos, &mode);
	if (err)
		return err;
	if (a->password_file && a->password_env)
		return usage_error(a, "give one of --password-file and --password-env");
	if (!npos) {
		if (a->help) {
			a->command = CLI_CMD_HELP;
			return 0;
		}
		return usage_error(a, "missing command");
	}
	cmd = cli_cmd_from_name(pos[0]);
	if (cmd < 0)
		return usage_error(a, "unknown command '%s'", pos[0]);
	a->command = cmd;
	a->req.command = cmd < WLBS_CMD_MAX ? (uint16_t)cmd : 0;
	if (mode && cmd != CLI_CMD_IP2MAC)
		return usage_error(a, "--mode is an option of ip2mac only");
	if (a->wait && cmd != WLBS_CMD_DRAINSTOP)
		return usage_error(a, "--wait is an option of drainstop only");
	if (a->req.flags && cmd != WLBS_CMD_START)
		return usage_error(a, "--force is an option of start only");
	/* A drain may take hours; an answer never more than 10 minutes. */
	if (a->timeout_ms > 600000 && !a->wait)
		return usage_error(a,
				   "--timeout: '%d' is not 1..600000 ms (up to %d with "
				   "drainstop --wait)",
				   a->timeout_ms, CLI_WAIT_MAX_MS);
	if (a->openmetrics && cmd != WLBS_CMD_STATS)
		return usage_error(a, "--openmetrics is an option of stats only");
	if (a->openmetrics && a->json)
		return usage_error(a, "give one of --json and --openmetrics");
	if (a->help)
		return 0; /* `wlbs COMMAND --help` needs none of the command's arguments */

	if (cmd == CLI_CMD_HELP) {
		if (npos > 2)
			return usage_error(a, "help: too many arguments");
		if (npos == 2) {
			a->help_topic = cli_cmd_from_name(pos[1]);
			if (a->help_topic < 0)
				return usage_error(a, "help: unknown command '%s'", pos[1]);
		}
		return 0;
	}
	if (cmd == CLI_CMD_IP2MAC) {
		if (npos != 2)
			return usage_error(a, "ip2mac: %s",
					   npos < 2 ? "missing IP" : "too many arguments");
		a->ip = pos[1];
		if (mode) {
			a->mac_mode = ip2mac_mode_parse(mode);
			if (a->mac_mode < 0)
				return usage_error(
				    a, "ip2mac: --mode '%s' is not multicast, unicast or igmp",
				    mode);
		}
		return 0;
	}

	want = ctl_cmd_takes_target(cmd) ? 2 : 1; /* command [TARGET] */
	if (npos < want)
		return usage_error(a, "%s: missing %s", pos[0],
				   cmd == WLBS_CMD_QUERYPORT ? "[VIP:]PORT"
							     : "TARGET (all, PORT, VIP:PORT)");
	if (npos > want + 1)
		return usage_error(a, "%s: too many arguments", pos[0]);
	if (want == 2 && cli_parse_target(pos[1], cmd == WLBS_CMD_QUERYPORT, &a->req))
		return usage_error(a, "%s: bad %s '%s'", pos[0],
				   cmd == WLBS_CMD_QUERYPORT ? "[VIP:]PORT" : "TARGET", pos[1]);
	if (npos == want + 1)
		a->remote = pos[want];
	if (a->wait && a->remote)
		return usage_error(a, "drainstop --wait: on this host only (query the others to "
				      "follow their drain)");
	return check_remote(a);
}

/* An option of one command only: its synopsis in cmd_help[] names it. */
static bool opt_in_args(const char *args, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = args; (p = strstr(p, "--")); p += 2)
		if (!strncmp(p + 2, opt, n) && !isalnum((unsigned char)p[2 + n]) && p[2 + n] != '-')
			return true;
	return false;
}

static void list_options(FILE *f, int command)
{
	for (const struct option *o = long_opts; o->name; o++) {
		const char *value = "ARG";
		bool own = false, mine = false;

		for (size_t i = 0; i < N_HELP; i++) {
			bool in = opt_in_args(cmd_help[i].args, o->name);

			own |= in;
			mine |= in && cmd_help[i].cmd == command;
		}
		if (command >= 0 && own && !mine)
			continue;
		for (size_t k = 0; k < sizeof(opt_values) / sizeof(opt_values[0]); k++)
			if (!strcmp(opt_values[k].opt, o->name))
				value = opt_values[k].value;
		fprintf(f, "--%s%s%s\n", o->name, o->has_arg == required_argument ? " " : "",
			o->has_arg == required_argument ? value : "");
	}
}

int cli_complete(FILE *f, int argc, char *const argv[])
{
	int command = -1;

	if (argc == 1 && !strcmp(argv[0], "commands")) {
		for (size_t i = 0; i < N_HELP; i++) {
			int c = cmd_help[i].cmd;

			/* As cli_command_help(): which commands go to a cluster too. */
			fprintf(f, "%s%s%s\n", name_of(c), cmd_help[i].args,
				c == CLI_CMD_IP2MAC || c == CLI_CMD_HELP ? ""
									 : " [CLUSTER[:HOST]]");
		}
		return CLI_EXIT_DONE;
	}
	if ((argc == 1 || argc == 2) && !strcmp(argv[0], "options")) {
		if (argc == 2) {
			command = cli_cmd_from_name(argv[1]);
			if (command < 0)
				return CLI_EXIT_USAGE;
		}
		list_options(f, command);
		return CLI_EXIT_DONE;
	}
	fprintf(stderr, "usage: wlbs __complete commands | options [COMMAND]\n");
	return CLI_EXIT_USAGE;
}
