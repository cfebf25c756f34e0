// SPDX-License-Identifier: GPL-2.0
/*
 * The rules-differ text: each way two hosts' rules can differ (missing on
 * either side, mode, affinity, protocol, range, cluster IP, seed) gives a line
 * that names the rule and says how, and equal rules give none.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "../../daemon/core/rules_diff.c"

static const struct wlbs_rd_rule web = {.port_lo = 80,
					.port_hi = 80,
					.proto = WLBS_PROTO_TCP,
					.mode = WLBS_MODE_MULTIPLE,
					.affinity = WLBS_AFF_NONE,
					.name = "web"};

static struct wlbs_rd local, peer;
static char text[RD_DIFF_MAX];

static int setup(void **state)
{
	struct wlbs_rd_rule w = web;

	(void)state;
	w.vip[2] = htonl(0xffff);
	w.vip[3] = htonl(0x0a000064); /* 10.0.0.100 */
	memset(&local, 0, sizeof(local));
	local.host = 1;
	local.n_rules = 1;
	local.hash_seed = 7;
	local.rules[0] = w;
	peer = local;
	peer.host = 2;
	return 0;
}

static void expect(const char *want, int n)
{
	int first = 99;

	assert_int_equal(rd_diff(&local, &peer, text, sizeof(text), &first), n);
	assert_string_equal(text, want);
	/* The first rule named: ours when the text starts with it. */
	assert_int_equal(first, !strncmp(want, "rule web", 8) ? 0 : -1);
}

static void test_equal(void **state)
{
	(void)state;
	expect("", 0);
	/* Names are not in the fingerprint: a rename alone is no difference. */
	strcpy(peer.rules[0].name, "www");
	expect("", 0);
}

static void test_affinity(void **state)
{
	(void)state;
	peer.rules[0].affinity = WLBS_AFF_SINGLE;
	expect("rule web (10.0.0.100 80-80/tcp): host 2 has affinity single, this host none", 1);
}

static void test_mode(void **state)
{
	(void)state;
	peer.rules[0].mode = WLBS_MODE_SINGLE;
	expect("rule web (10.0.0.100 80-80/tcp): host 2 has mode single, this host multiple", 1);
}

static void test_protocol(void **state)
{
	(void)state;
	peer.rules[0].proto = WLBS_PROTO_TCP | WLBS_PROTO_UDP;
	expect("rule web (10.0.0.100 80-80/tcp): host 2 has protocol both, this host tcp", 1);
}

static void test_range(void **state)
{
	(void)state;
	peer.rules[0].port_hi = 90;
	expect("rule web (10.0.0.100 80-80/tcp): host 2 has ports 80-90, this host 80-80", 1);
	/* Two fields of one rule: one item. */
	peer.rules[0].affinity = WLBS_AFF_CLASSC;
	expect("rule web (10.0.0.100 80-80/tcp): host 2 has ports 80-90, this host 80-80, "
	       "affinity classc, this host none",
	       1);
}

static void test_cluster_ip(void **state)
{
	(void)state;
	memset(peer.rules[0].vip, 0xff, 16);
	expect("rule web (10.0.0.100 80-80/tcp): host 2 has cluster IP all, this host 10.0.0.100",
	       1);
}

static void test_missing_on_peer(void **state)
{
	(void)state;
	peer.n_rules = 0;
	expect("rule web (10.0.0.100 80-80/tcp): missing on host 2", 1);
}

static void test_missing_here(void **state)
{
	(void)state;
	peer.n_rules = 2;
	peer.rules[1] = peer.rules[0];
	strcpy(peer.rules[1].name, "dns");
	peer.rules[1].port_lo = peer.rules[1].port_hi = 53;
	peer.rules[1].proto = WLBS_PROTO_UDP;
	inet_pton(AF_INET6, "2001:db8::53", peer.rules[1].vip);
	expect("host 2 has rule dns (2001:db8::53 53-53/udp) that this host lacks", 1);
}

static void test_renamed_and_changed(void **state)
{
	(void)state;
	/* Paired by cluster IP and an overlapping range when the names differ. */
	strcpy(peer.rules[0].name, "www");
	peer.rules[0].port_lo = 70;
	expect("rule web (10.0.0.100 80-80/tcp): host 2 has ports 70-80, this host 80-80", 1);
	/* No overlap: one missing on each side. */
	peer.rules[0].port_lo = peer.rules[0].port_hi = 8080;
	expect("rule web (10.0.0.100 80-80/tcp): missing on host 2; host 2 has rule www "
	       "(10.0.0.100 8080-8080/tcp) that this host lacks",
	       2);
}

static void test_seed(void **state)
{
	(void)state;
	peer.hash_seed = 8;
	expect("host 2 has hash seed 0x00000008, this host 0x00000007", 1);
}

static void test_cut(void **state)
{
	char small[40];
	int i;

	(void)state;
	peer.n_rules = 0;
	local.n_rules = WLBS_MAX_RULES;
	for (i = 0; i < WLBS_MAX_RULES; i++)
		local.rules[i] = local.rules[0];
	assert_int_equal(rd_diff(&local, &peer, small, sizeof(small), NULL), WLBS_MAX_RULES);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_string_equal(small + sizeof(small) - 4, "...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_equal, setup),
	    cmocka_unit_test_setup(test_affinity, setup),
	    cmocka_unit_test_setup(test_mode, setup),
	    cmocka_unit_test_setup(test_protocol, setup),
	    cmocka_unit_test_setup(test_range, setup),
	    cmocka_unit_test_setup(test_cluster_ip, setup),
	    cmocka_unit_test_setup(test_missing_on_peer, setup),
	    cmocka_unit_test_setup(test_missing_here, setup),
	    cmocka_unit_test_setup(test_renamed_and_changed, setup),
	    cmocka_unit_test_setup(test_seed, setup),
	    cmocka_unit_test_setup(test_cut, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
