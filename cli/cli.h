/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The `wlbs` CLI: argument parsing (args.c), output and exit statuses
 * (output.c), pages of an answer (answer.c), text/JSON/metrics rendering (text.c, json.c,
 * metrics.c), dispatch (run.c), remote control over UDP (remote_client.c). Links lib/ and json-c
 * only: it speaks the control protocol and never touches daemon code or BPF maps.
 */
#ifndef WLBS_CLI_H
#define WLBS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "wlbs/control.h"

/* Exit statuses (documented in `wlbs help` and docs/control.md; Ansible tests them). */
enum cli_exit {
	CLI_EXIT_DONE = 0,	/* done, state changed; query/display answered */
	CLI_EXIT_FAILED = 1,	/* refused or failed by the daemon */
	CLI_EXIT_USAGE = 2,	/* bad command line */
	CLI_EXIT_ALREADY = 3,	/* already in that state: success, nothing changed */
	CLI_EXIT_NO_DAEMON = 4, /* wlbsd not running, or permission denied */
	CLI_EXIT_TIMEOUT = 5,	/* no answer in time */
};

/* CLI-only commands, beside enum wlbs_ctl_cmd. */
#define CLI_CMD_HELP   100
#define CLI_CMD_IP2MAC 101

/* Default wait for the daemon's answer. */
#define CLI_TIMEOUT_MS 5000
/* Longest --timeout of drainstop --wait (a day); others: 600000 ms. */
#define CLI_WAIT_MAX_MS 86400000

struct cli_args {
	int command;		     /* enum wlbs_ctl_cmd or CLI_CMD_* */
	bool json;		     /* --json */
	bool openmetrics;	     /* stats --openmetrics */
	const char *output;	     /* --output FILE: written atomically, not stdout */
	bool help;		     /* COMMAND --help */
	const char *socket;	     /* --socket, NULL: WLBS_CTL_SOCKET */
	int timeout_ms;		     /* --timeout */
	bool timeout_set;	     /* --timeout given (drainstop --wait: the whole wait) */
	bool wait;		     /* drainstop --wait: until stopped */
	const char *remote;	     /* CLUSTER[:HOST] positional: remote control */
	const char *password_file;   /* --password-file F, /PASSW @F */
	const char *password_env;    /* --password-env VAR */
	uint16_t port;		     /* --port N, /PORT N; 0 = WLBS_CTL_UDP_PORT */
	bool local;		     /* --local, /local: this host's daemon, never remote */
	struct wlbs_ctl_request req; /* command and target, ready to send */
	int help_topic;		     /* help COMMAND: its number, 0 = general help */
	const char *ip;		     /* ip2mac IP */
	int mac_mode;		     /* ip2mac --mode, -1 = show every mode */
	char error[240];	     /* usage error, when cli_parse returns CLI_EXIT_USAGE */
};

/*
 * Parse argv in one pass (getopt_long), the local and the remote options
 * alike; NLB's /PASSW @F, /PORT N and /local (any case) are read as
 * --password-file F, --port N and --local. A password on the command line
 * (/PASSW PASSWORD) is refused: it would show in ps. 0, or CLI_EXIT_USAGE
 * with a->error set.
 */
int cli_parse(int argc, char *const argv[], struct cli_args *a);

/*
 * Parse a rule target into @req (target bits, port, vip):
 * all | PORT | VIP | VIP:PORT | VIP:all | all:PORT | all:all ([v6]:PORT for IPv6).
 * @port_only: queryport's [VIP:]PORT. 0 or -EINVAL.
 */
int cli_parse_target(const char *s, bool port_only, struct wlbs_ctl_request *req);

/* Command number of a CLI command name (incl. help, ip2mac), or -EINVAL. */
int cli_cmd_from_name(const char *name);

/* General help, and one command's. */
void cli_usage(FILE *f);
void cli_command_help(FILE *f, int command);

/* Exit status for the daemon's answer @status to @command. */
int cli_exit_code(int command, uint32_t status);
/* Exit status for a transport error of ctl_local_call(). */
int cli_exit_for_error(int err);

struct cli_answer;
/* Print a whole answer: NLB-like text, one JSON object with --json, stats --openmetrics. */
void cli_print_answer(FILE *f, const struct cli_args *a, const struct cli_answer *ans);
/* The same for an answer of one page. */
void cli_print_response(FILE *f, const struct cli_args *a, const struct wlbs_ctl_response *r);
/* A usage error: text on @err, or with @json one JSON object (WLBS_BAD_PARAMS) on @out. */
void cli_print_usage_error(FILE *out, FILE *err, const struct cli_args *a, bool json);
/* Print a transport error naming the socket (stderr text, or JSON on @out with --json). */
void cli_print_error(FILE *out, FILE *err, const struct cli_args *a, int error);
/* ip2mac: print the cluster MAC(s) of a->ip; returns an exit status. */
int cli_ip2mac(FILE *out, FILE *err, const struct cli_args *a);

/* One request and its answer, as ctl_local_call(): 0 or -errno. */
typedef int (*cli_call_fn)(void *ctx, const struct wlbs_ctl_request *req,
			   struct wlbs_ctl_response *resp, int timeout_ms);

/*
 * drainstop --wait (local): send a->req, then query every @poll_ms until the
 * host is stopped (CLI_EXIT_DONE), or a->timeout_ms passed with it still
 * draining (CLI_EXIT_TIMEOUT; no limit without --timeout); printing the held
 * count each time it changes (text; --json prints one object at the end).
 * A drain that ends otherwise (start, stop, suspend) is CLI_EXIT_FAILED; a
 * refused or already-stopped drainstop answers as without --wait.
 */
int cli_drain_wait_with(const struct cli_args *a, FILE *out, FILE *err, cli_call_fn call, void *ctx,
			int poll_ms);
/* The same over the local socket, polling every 200 ms. */
int cli_drain_wait(const struct cli_args *a, FILE *out, FILE *err);

/*
 * `wlbs __complete commands`: each command and its synopsis, one a line
 * ("enable TARGET [CLUSTER[:HOST]]"), from the table `wlbs help` prints. `wlbs __complete
 * options [COMMAND]`: every long option (those COMMAND takes), "--socket PATH"
 * when it takes a value. For the bash completion and the man page test; not
 * in `wlbs help`. Returns an exit status.
 */
int cli_complete(FILE *f, int argc, char *const argv[]);

/* The whole CLI: parse, run, print; returns the exit status. */
int cli_main(int argc, char *const argv[]);

#endif /* WLBS_CLI_H */
