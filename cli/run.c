// SPDX-License-Identifier: GPL-2.0
/* wlbs: parse, send the request (local socket, every page), print, exit status. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "answer.h"
#include "cli.h"
#include "remote_client.h"
#include "render.h"

/* --json anywhere on the line: a usage error must be JSON too, wherever parsing stopped. */
static bool wants_json(int argc, char *const argv[])
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--json"))
			return true;
	return false;
}

/* The command against the local daemon or the cluster; prints to @out. */
static int run(struct cli_args *a, FILE *out)
{
	struct cli_answer ans;
	struct timespec ts;
	int err, code;

	/* Remote transport (UDP 2504, cli/remote_client.c): same request, other carrier. */
	if (a->remote)
		return cli_remote_run(a, out, stderr);
	clock_gettime(CLOCK_REALTIME, &ts);
	a->req.id = (uint32_t)ts.tv_nsec ^ ((uint32_t)getpid() << 16);
	if (a->wait)
		return cli_drain_wait(a, out, stderr);
	cli_answer_init(&ans);
	err = cli_answer_local(a->socket, &a->req, a->timeout_ms, &ans);
	if (err) {
		cli_answer_free(&ans);
		cli_print_error(out, stderr, a, err);
		return cli_exit_for_error(err);
	}
	cli_print_answer(out, a, &ans);
	code = cli_exit_code(a->command, ans.head.status);
	cli_answer_free(&ans);
	return code;
}

/* --output FILE: the whole output or nothing; an old file stays on failure. */
static int run_to_file(struct cli_args *a)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int code, err;

	if (!mem) {
		fprintf(stderr, "wlbs: %s\n", strerror(errno));
		return CLI_EXIT_FAILED;
	}
	code = run(a, mem);
	fclose(mem);
	if (code == CLI_EXIT_DONE) {
		err = cli_write_atomic(a->output, text, len);
		if (err) {
			fprintf(stderr, "wlbs: writing %s: %s\n", a->output, strerror(-err));
			code = CLI_EXIT_FAILED;
		}
	} else {
		fwrite(text, 1, len, stdout);
	}
	free(text);
	return code;
}

int cli_main(int argc, char *const argv[])
{
	struct cli_args a;

	/* Hidden: the machine lists behind the bash completion, never a daemon request. */
	if (argc >= 2 && !strcmp(argv[1], "__complete"))
		return cli_complete(stdout, argc - 2, argv + 2);
	if (cli_parse(argc, argv, &a)) {
		cli_print_usage_error(stdout, stderr, &a, a.json || wants_json(argc, argv));
		return CLI_EXIT_USAGE;
	}
	if (a.command == CLI_CMD_HELP) {
		if (a.help_topic)
			cli_command_help(stdout, a.help_topic);
		else
			cli_usage(stdout);
		return CLI_EXIT_DONE;
	}
	if (a.help) {
		cli_command_help(stdout, a.command);
		return CLI_EXIT_DONE;
	}
	if (a.command == CLI_CMD_IP2MAC)
		return cli_ip2mac(stdout, stderr, &a);
	return a.output ? run_to_file(&a) : run(&a, stdout);
}
