// SPDX-License-Identifier: GPL-2.0
/* wlbs: parse, send the request (local socket), print, exit status. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ctl_local.h"
#include "remote_client.h"

int cli_main(int argc, char *const argv[])
{
	struct wlbs_ctl_response resp;
	struct cli_args a;
	struct timespec ts;
	int err;

	if (cli_parse(argc, argv, &a)) {
		fprintf(stderr, "wlbs: %s\nTry 'wlbs help'.\n", a.error);
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
	/* Remote transport (UDP 2504, cli/remote_client.c): same request, other carrier. */
	if (a.remote)
		return cli_remote_run(&a, stdout, stderr);

	clock_gettime(CLOCK_REALTIME, &ts);
	a.req.id = (uint32_t)ts.tv_nsec ^ ((uint32_t)getpid() << 16);
	if (a.wait)
		return cli_drain_wait(&a, stdout, stderr);
	err = ctl_local_call(a.socket, &a.req, &resp, a.timeout_ms);
	if (err) {
		cli_print_error(stdout, stderr, &a, err);
		return cli_exit_for_error(err);
	}
	cli_print_response(stdout, &a, &resp);
	return cli_exit_code(a.command, resp.status);
}
