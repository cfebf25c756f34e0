// SPDX-License-Identifier: GPL-2.0
/* wlbs: the operator CLI (all of it lives in cli/run.c, args.c, output.c). */
#include "cli.h"

int main(int argc, char *argv[])
{
	return cli_main(argc, argv);
}
