// SPDX-License-Identifier: GPL-2.0
/*
 * BPF suite entry: runs every group in a fresh network namespace (so the
 * socket lookups and the connection tracepoint see only our sockets).
 * Exit 77 = cannot run here (not root, no BPF); run.sh decides what that means.
 * Env: WLBS_TEST_SEED (random streams), WLBS_TEST_FILTER (cmocka test name glob).
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#define SKIP	     77
#define DEFAULT_SEED 0x77b5eedull

static int lo_up(void)
{
	struct ifreq ifr = {.ifr_name = "lo"};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		err = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			err = -errno;
	}
	close(fd);
	return err;
}

int main(void)
{
	const struct h_group *groups[] = {
	    &h_group_verdicts, &h_group_exactly_once, &h_group_fragments,
	    &h_group_icmp,     &h_group_neigh,	      &h_group_malformed,
	    &h_group_conns,    &h_group_tc,	      &h_group_claims,
	};
	const char *seed = getenv("WLBS_TEST_SEED"), *filter = getenv("WLBS_TEST_FILTER");
	int err, failed = 0;
	size_t i;

	h_seed = seed ? strtoull(seed, NULL, 0) : DEFAULT_SEED;
	printf("bpf suite: seed 0x%llx (set WLBS_TEST_SEED to repeat another)\n",
	       (unsigned long long)h_seed);
	if (geteuid() != 0) {
		fprintf(stderr, "bpf suite: skipped: needs root (BPF, network namespaces)\n");
		return SKIP;
	}
	err = unshare(CLONE_NEWNET) < 0 ? -errno : lo_up();
	if (err) {
		fprintf(stderr, "bpf suite: skipped: no private network namespace: %s\n",
			strerror(-err));
		return SKIP;
	}
	/* Root with BPF and namespaces: a program the verifier refuses is a failure. */
	err = h_init();
	if (err) {
		fprintf(stderr, "bpf suite: FAILED: cannot load the wlbs BPF program: %s\n",
			strerror(-err));
		return 1;
	}
	if (filter)
		cmocka_set_test_filter(filter);
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		failed += _cmocka_run_group_tests(groups[i]->name, groups[i]->tests, groups[i]->n,
						  NULL, NULL);
	h_fini();
	return failed ? 1 : 0;
}
