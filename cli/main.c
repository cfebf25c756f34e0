// SPDX-License-Identifier: GPL-2.0
/* wlbs: the operator CLI (all of it lives in cli/run.c, args.c, output.c). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "version.h"

int main(int argc, char *argv[])
{
	/* Answered before any parsing: it must work whatever the daemon or the protocol. */
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("wlbs %s\n", wlbs_version);
		return CLI_EXIT_DONE;
	}
	return cli_main(argc, argv);
}
