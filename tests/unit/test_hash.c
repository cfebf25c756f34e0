// SPDX-License-Identifier: GPL-2.0
/* The flow hash: spread, affinity and seeding, as the fast path and daemon rely on them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "wlbs/hash.h"

static void v4(uint32_t out[4], uint32_t host_order)
{
	out[0] = 0;
	out[1] = 0;
	out[2] = htonl(0xffff);
	out[3] = htonl(host_order);
}

/* 1M random flows fill the 8192 buckets evenly (chi-square within 6 sigma). */
static void test_spread(void **state)
{
	static uint32_t count[WLBS_BUCKETS];
	const int n = 1 << 20;
	double expect = (double)n / WLBS_BUCKETS, chi = 0, sigma = 128.0; /* sqrt(2 * 8191) */
	uint32_t a[4];
	int i;

	(void)state;
	srand(42);
	for (i = 0; i < n; i++) {
		v4(a, (uint32_t)rand() ^ ((uint32_t)rand() << 16));
		count[wlbs_flow_bucket(a, 1, (uint16_t)rand(), WLBS_AFF_NONE, 0x1234)]++;
	}
	for (i = 0; i < WLBS_BUCKETS; i++)
		chi += (count[i] - expect) * (count[i] - expect) / expect;
	assert_true(chi < (WLBS_BUCKETS - 1) + 6 * sigma);
}

/* Sequential clients and ports (a load test's typical pattern) spread too. */
static void test_sequential_spread(void **state)
{
	static uint32_t count[WLBS_BUCKETS];
	uint32_t a[4], min = ~0u, max = 0;
	int i, p;

	(void)state;
	for (i = 0; i < 256; i++)
		for (p = 0; p < 1024; p++) {
			v4(a, 0xc6120000 + i);
			count[wlbs_flow_bucket(a, 1, (uint16_t)(40000 + p), WLBS_AFF_NONE, 7)]++;
		}
	for (i = 0; i < WLBS_BUCKETS; i++) {
		min = count[i] < min ? count[i] : min;
		max = count[i] > max ? count[i] : max;
	}
	/* 32 per bucket on average: no bucket empty, none with four times its share. */
	assert_true(min > 0);
	assert_true(max < 128);
}

/* Single affinity ignores the port; class C ignores the host part of a /24 (v6: /56). */
static void test_affinity(void **state)
{
	uint32_t a[4], b[4];
	int p;

	(void)state;
	v4(a, 0x0a000105);
	for (p = 1; p < 65536; p += 97)
		assert_int_equal(wlbs_flow_bucket(a, 1, (uint16_t)p, WLBS_AFF_SINGLE, 9),
				 wlbs_flow_bucket(a, 1, 1, WLBS_AFF_SINGLE, 9));
	for (p = 0; p < 256; p++) {
		v4(b, 0x0a000100 + p);
		assert_int_equal(wlbs_flow_bucket(b, 1, (uint16_t)p, WLBS_AFF_CLASSC, 9),
				 wlbs_flow_bucket(a, 1, 80, WLBS_AFF_CLASSC, 9));
	}
	/* IPv6: 2001:db8:0:100::/56 shares a bucket, whatever follows the /56. */
	inet_pton(AF_INET6, "2001:db8:0:100::1", a);
	inet_pton(AF_INET6, "2001:db8:0:1ff:ffff::2", b);
	assert_int_equal(wlbs_flow_bucket(a, 0, 1, WLBS_AFF_CLASSC, 3),
			 wlbs_flow_bucket(b, 0, 2, WLBS_AFF_CLASSC, 3));
}

/* The seed changes the map (clusters differ) and affinity none uses the port. */
static void test_seed_and_port(void **state)
{
	uint32_t a[4];
	int i, same_seed = 0, same_port = 0;

	(void)state;
	for (i = 0; i < 1000; i++) {
		v4(a, 0x0a000000 + i);
		same_seed += wlbs_flow_bucket(a, 1, 80, WLBS_AFF_NONE, 1) ==
			     wlbs_flow_bucket(a, 1, 80, WLBS_AFF_NONE, 2);
		same_port += wlbs_flow_bucket(a, 1, 80, WLBS_AFF_NONE, 1) ==
			     wlbs_flow_bucket(a, 1, 81, WLBS_AFF_NONE, 1);
	}
	assert_true(same_seed < 5);
	assert_true(same_port < 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spread),
	    cmocka_unit_test(test_sequential_spread),
	    cmocka_unit_test(test_affinity),
	    cmocka_unit_test(test_seed_and_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
