// SPDX-License-Identifier: GPL-2.0
/*
 * Rules descriptor codec: the documented layout, round trips with and without
 * the key, and rejection of each kind of bad frame with its own error (bad
 * length, version, foreign cluster, unauthenticated, bad authenticator, a
 * field out of range).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "../../lib/rd_codec.c"

#define CLUSTER 0x0a000105u

static struct wlbs_rd sample(void)
{
	struct wlbs_rd rd;

	memset(&rd, 0, sizeof(rd));
	rd.host = 2;
	rd.n_rules = 2;
	rd.cluster_id = CLUSTER;
	rd.fingerprint = 0xf1e2d3c4;
	rd.hash_seed = 0x5eed5eed;
	rd.nonce = 0x0102030405060708ull;
	rd.seq = 9;
	rd.rules[0] = (struct wlbs_rd_rule){.vip = {0, 0, htonl(0xffff), htonl(0x0a000064)},
					    .port_lo = 80,
					    .port_hi = 80,
					    .proto = WLBS_PROTO_TCP,
					    .mode = WLBS_MODE_MULTIPLE,
					    .affinity = WLBS_AFF_SINGLE,
					    .name = "web"};
	rd.rules[1] = (struct wlbs_rd_rule){.vip = {~0u, ~0u, ~0u, ~0u},
					    .port_lo = 1000,
					    .port_hi = 2000,
					    .proto = 3,
					    .mode = WLBS_MODE_SINGLE,
					    .name = "sixteen-chars-ab"};
	return rd;
}

static uint8_t wire[WLBS_RD_MAX_LEN + 16];

static void test_layout_and_round_trip(void **state)
{
	static const uint8_t head[16] = {'W',  'L', 'B', 'D', 1,    2,	  2,	0,
					 0x0a, 0,   1,	 5,   0xf1, 0xe2, 0xd3, 0xc4};
	struct wlbs_rd in = sample(), out;
	int len;

	(void)state;
	len = rd_encode(&in, NULL, wire, sizeof(wire));
	assert_int_equal(len, WLBS_RD_LEN(2));
	assert_int_equal(len, 40 + 80 + 32);
	assert_memory_equal(wire, head, sizeof(head));
	/* Rule 0 at 40: v4-mapped address, then ports, protocol, mode, affinity, name. */
	assert_int_equal(wire[40 + 10], 0xff);
	assert_int_equal(wire[40 + 12], 10);
	assert_int_equal(wire[40 + 17], 80);
	assert_int_equal(wire[40 + 20], WLBS_PROTO_TCP);
	assert_int_equal(wire[40 + 22], WLBS_AFF_SINGLE);
	assert_string_equal((char *)wire + 40 + 24, "web");
	/* Rule 1's name fills its 16 bytes, without a NUL. */
	assert_memory_equal(wire + 80 + 24, "sixteen-chars-ab", 16);
	assert_true(rd_is_desc(wire, len));

	assert_int_equal(rd_decode(wire, len, CLUSTER, NULL, &out), 0);
	assert_int_equal(out.host, 2);
	assert_int_equal(out.n_rules, 2);
	assert_int_equal(out.fingerprint, 0xf1e2d3c4);
	assert_int_equal(out.hash_seed, 0x5eed5eed);
	assert_int_equal(out.seq, 9);
	assert_false(out.authenticated);
	assert_memory_equal(&out.rules[0], &in.rules[0], sizeof(out.rules[0]));
	assert_string_equal(out.rules[1].name, "sixteen-chars-ab");
	assert_int_equal(out.rules[1].port_hi, 2000);
}

static void expect_reject(size_t len, const struct hb_key *key, int err)
{
	struct wlbs_rd out = {.host = 77};

	assert_int_equal(rd_decode(wire, len, CLUSTER, key, &out), err);
	assert_int_equal(out.host, 77); /* untouched */
}

static void test_bad_lengths_and_fields(void **state)
{
	struct wlbs_rd in = sample();
	int len = rd_encode(&in, NULL, wire, sizeof(wire)), i;
	static const struct {
		int off;
		uint8_t val;
	} bad[] = {
	    {0, 'X'},		/* magic */
	    {5, 0},		/* host 0 */
	    {5, 65},		/* host 65 */
	    {7, 0x80},		/* unknown flag */
	    {20, 1},		/* reserved */
	    {40 + 20, 0},	/* protocol none */
	    {40 + 20, 4},	/* protocol unknown */
	    {40 + 21, 3},	/* mode */
	    {40 + 22, 3},	/* affinity */
	    {40 + 23, 1},	/* rule reserved */
	    {40 + 16, 0xff},	/* port_lo > port_hi */
	    {40 + 24 + 5, 'x'}, /* bytes after the name's NUL */
	    {40 + 80, 1},	/* authenticator without a key */
	};

	(void)state;
	expect_reject(0, NULL, -EBADMSG);
	expect_reject(7, NULL, -EBADMSG);
	expect_reject(len - 1, NULL, -EBADMSG);
	expect_reject(len + 1, NULL, -EBADMSG);
	expect_reject(WLBS_RD_LEN(1), NULL, -EBADMSG);
	/* More rules claimed than the frame holds, and more than the maximum. */
	wire[6] = 3;
	expect_reject(len, NULL, -EBADMSG);
	wire[6] = WLBS_MAX_RULES + 1;
	expect_reject(len, NULL, -EBADMSG);
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		rd_encode(&in, NULL, wire, sizeof(wire));
		wire[bad[i].off] = bad[i].val;
		expect_reject(len, NULL, -EBADMSG);
	}
	/* Another version is "version", whatever its length. */
	rd_encode(&in, NULL, wire, sizeof(wire));
	wire[4] = 2;
	expect_reject(len + 100, NULL, -EPROTONOSUPPORT);
	/* Another cluster. */
	rd_encode(&in, NULL, wire, sizeof(wire));
	wire[11] ^= 1;
	expect_reject(len, NULL, -EXDEV);
	/* A heartbeat is no descriptor. */
	memcpy(wire, "WLBH", 4);
	assert_false(rd_is_desc(wire, len));
	/* Out of range on the encoding side. */
	in.rules[0].mode = 7;
	assert_int_equal(rd_encode(&in, NULL, wire, sizeof(wire)), -EINVAL);
	in = sample();
	assert_int_equal(rd_encode(&in, NULL, wire, WLBS_RD_LEN(2) - 1), -ENOSPC);
}

static void test_authentication(void **state)
{
	struct wlbs_rd in = sample(), out;
	struct hb_key key, other;
	int len, i;

	(void)state;
	assert_int_equal(hb_key_derive("a cluster key of enough bytes", 29, &key), 0);
	assert_int_equal(hb_key_derive("another key of enough bytes!", 28, &other), 0);
	len = rd_encode(&in, &key, wire, sizeof(wire));
	assert_int_equal(wire[7], WLBS_RD_F_AUTH);
	assert_int_equal(rd_decode(wire, len, CLUSTER, &key, &out), 0);
	assert_true(out.authenticated);
	expect_reject(len, &other, -EKEYREJECTED);
	expect_reject(len, NULL, -EKEYREJECTED); /* signed, we have no key */
	/* Any flipped byte past the cluster id breaks the authenticator. */
	for (i = 12; i < len; i += 7) {
		rd_encode(&in, &key, wire, sizeof(wire));
		wire[i] ^= 0x01;
		expect_reject(len, &key, -EKEYREJECTED);
	}
	/* Unsigned while we have a key. */
	len = rd_encode(&in, NULL, wire, sizeof(wire));
	expect_reject(len, &key, -EACCES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout_and_round_trip),
	    cmocka_unit_test(test_bad_lengths_and_fields),
	    cmocka_unit_test(test_authentication),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
