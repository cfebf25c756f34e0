// SPDX-License-Identifier: GPL-2.0
/*
 * Heartbeat codec: the documented byte layout, round trips, strict rejection
 * of every kind of bad frame with its own error (malformed, version, foreign
 * cluster, unauthenticated, bad authenticator, stale), the key derivation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../lib/hb_codec.c"

#define CLUSTER 0x0a000105u

static struct wlbs_hb sample(void)
{
	struct wlbs_hb hb;

	memset(&hb, 0, sizeof(hb));
	hb.version = WLBS_HB_VERSION;
	hb.host = 3;
	hb.state = WLBS_FP_RUNNING;
	hb.flags = WLBS_HB_F_CONVERGED;
	hb.cluster_id = CLUSTER;
	hb.fingerprint = 0xf1e2d3c4;
	hb.hash_seed = 0x5eed5eed;
	hb.n_rules = 2;
	hb.leader = 1;
	hb.min_serving = 2;
	hb.leader_age_ms = 250;
	hb.uptime_ms = 123456;
	hb.nonce = 0x0102030405060708ull;
	hb.seq = 0x1122334455667788ull;
	hb.heard = 0x8000000000000007ull;
	hb.view = 0x7;
	hb.digest = 0xdeadbeefcafef00dull;
	hb.rules[0] = (struct wlbs_hb_rule){.weight = 60, .handling_prio = 0};
	hb.rules[1] = (struct wlbs_hb_rule){
	    .equal = true, .off = true, .unhealthy = true, .handling_prio = 64};
	hb.dirty[0] = 0x81;
	hb.dirty[WLBS_HB_DIRTY_BYTES - 1] = 0x80; /* bucket 8191 */
	return hb;
}

static uint8_t wire[WLBS_HB_LEN + 16];

static void encode_sample(const struct hb_key *key)
{
	struct wlbs_hb hb = sample();

	assert_int_equal(hb_encode(&hb, key, wire, sizeof(wire)), WLBS_HB_LEN);
}

static void test_layout_and_round_trip(void **state)
{
	static const uint8_t head[24] = {'W',  'L',  'B',  'H',	 4,    3,    1,	   1,
					 0x0a, 0x00, 0x01, 0x05, 0xf1, 0xe2, 0xd3, 0xc4,
					 0x5e, 0xed, 0x5e, 0xed, 2,    1,    2,	   0};
	struct wlbs_hb in = sample(), out;

	(void)state;
	assert_int_equal(WLBS_HB_LEN, 1256);
	assert_true(14 + WLBS_HB_LEN <= 1514);
	encode_sample(NULL);
	/* Offsets and byte order as documented in heartbeat.h and docs/convergence.md. */
	assert_memory_equal(wire, head, sizeof(head));
	assert_memory_equal(wire + 24, ((uint8_t[]){0, 0, 0, 250, 0, 1, 0xe2, 0x40}), 8);
	assert_memory_equal(wire + 32, ((uint8_t[]){1, 2, 3, 4, 5, 6, 7, 8}), 8);
	assert_memory_equal(wire + 40,
			    ((uint8_t[]){0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}), 8);
	assert_int_equal(wire[48], 0x80);
	assert_int_equal(wire[55], 0x07);
	assert_int_equal(wire[63], 0x07);
	assert_int_equal(wire[64], 0xde);
	assert_memory_equal(wire + 72, ((uint8_t[]){60, 0, 0, 0, 0, 7, 64, 0}), 8);
	assert_int_equal(wire[200], 0x81);
	assert_int_equal(wire[1223], 0x80);
	for (int i = WLBS_HB_AUTH_OFF; i < WLBS_HB_LEN; i++)
		assert_int_equal(wire[i], 0);
	assert_int_equal(hb_decode(wire, WLBS_HB_LEN, CLUSTER, NULL, &out), 0);
	assert_false(out.authenticated);
	assert_memory_equal(&in, &out, sizeof(in));
}

static void test_encode_rejects_bad_input(void **state)
{
	struct wlbs_hb hb = sample();

	(void)state;
	assert_int_equal(hb_encode(&hb, NULL, wire, WLBS_HB_LEN - 1), -ENOSPC);
	hb.host = 0;
	assert_int_equal(hb_encode(&hb, NULL, wire, sizeof(wire)), -EINVAL);
	hb = sample();
	hb.rules[0].weight = 101;
	assert_int_equal(hb_encode(&hb, NULL, wire, sizeof(wire)), -EINVAL);
	hb = sample();
	hb.n_rules = WLBS_MAX_RULES + 1;
	assert_int_equal(hb_encode(&hb, NULL, wire, sizeof(wire)), -EINVAL);
	hb = sample();
	hb.flags = 0x80;
	assert_int_equal(hb_encode(&hb, NULL, wire, sizeof(wire)), -EINVAL);
}

/* Decoding a corrupted frame fails with @err and leaves @out as it was. */
static void expect_reject(const uint8_t *buf, size_t len, const struct hb_key *key, int err)
{
	struct wlbs_hb out, before;

	memset(&out, 0x5a, sizeof(out));
	before = out;
	assert_int_equal(hb_decode(buf, len, CLUSTER, key, &out), err);
	assert_memory_equal(&out, &before, sizeof(out));
}

static void corrupt(size_t off, uint8_t val, int err)
{
	encode_sample(NULL);
	wire[off] = val;
	expect_reject(wire, WLBS_HB_LEN, NULL, err);
}

/*
 * Version 3, the one before: spoken to a host that speaks nothing newer, as
 * version 3 had it (no flag WLBS_HB_F_UNCOVERED, which it would reject).
 */
static void test_older_version_spoken(void **state)
{
	struct wlbs_hb in = sample(), out;

	(void)state;
	in.version = WLBS_HB_VERSION_OLDEST;
	assert_int_equal(hb_encode(&in, NULL, wire, sizeof(wire)), WLBS_HB_LEN);
	assert_int_equal(wire[4], 3);
	assert_int_equal(hb_decode(wire, WLBS_HB_LEN, CLUSTER, NULL, &out), 0);
	assert_int_equal(out.version, 3);
	assert_memory_equal(&out, &in, sizeof(in));
	/* Version 3 knows no uncovered flag: neither sent nor taken. */
	in.flags |= WLBS_HB_F_UNCOVERED;
	assert_int_equal(hb_encode(&in, NULL, wire, sizeof(wire)), -EINVAL);
	wire[7] |= WLBS_HB_F_UNCOVERED;
	expect_reject(wire, WLBS_HB_LEN, NULL, -EBADMSG);
	in.version = 0; /* the newest */
	assert_int_equal(hb_encode(&in, NULL, wire, sizeof(wire)), WLBS_HB_LEN);
	assert_int_equal(wire[4], WLBS_HB_VERSION);
	assert_int_equal(hb_decode(wire, WLBS_HB_LEN, CLUSTER, NULL, &out), 0);
	assert_int_equal(out.flags, in.flags);
	in.version = WLBS_HB_VERSION + 1;
	assert_int_equal(hb_encode(&in, NULL, wire, sizeof(wire)), -EINVAL);
}

static void test_decode_rejects_malformed(void **state)
{
	(void)state;
	encode_sample(NULL);
	expect_reject(wire, 0, NULL, -EBADMSG);
	expect_reject(wire, 7, NULL, -EBADMSG);
	expect_reject(wire, WLBS_HB_LEN - 1, NULL, -EBADMSG);
	expect_reject(wire, WLBS_HB_LEN + 1, NULL, -EBADMSG);
	corrupt(0, 'X', -EBADMSG);			   /* magic */
	corrupt(4, WLBS_HB_VERSION + 1, -EPROTONOSUPPORT); /* version */
	corrupt(4, 0, -EPROTONOSUPPORT);
	corrupt(4, WLBS_HB_VERSION_OLDEST - 1, -EPROTONOSUPPORT);
	corrupt(11, 0x06, -EXDEV);		   /* cluster id */
	corrupt(5, 0, -EBADMSG);		   /* host 0 */
	corrupt(5, 65, -EBADMSG);		   /* host 65 */
	corrupt(6, 3, -EBADMSG);		   /* state */
	corrupt(7, 0x40, -EBADMSG);		   /* unknown flag */
	corrupt(7, WLBS_HB_F_AUTH, -EKEYREJECTED); /* claims a signature we cannot check */
	corrupt(20, 33, -EBADMSG);		   /* n_rules */
	corrupt(21, 65, -EBADMSG);		   /* leader */
	corrupt(22, 65, -EBADMSG);		   /* min_serving */
	corrupt(23, 1, -EBADMSG);		   /* reserved */
	corrupt(72, 101, -EBADMSG);		   /* weight */
	corrupt(73, 0x8, -EBADMSG);		   /* rule flag */
	corrupt(74, 65, -EBADMSG);		   /* handling priority */
	corrupt(75, 1, -EBADMSG);		   /* rule reserved */
	corrupt(80, 1, -EBADMSG);		   /* rule beyond n_rules */
	corrupt(WLBS_HB_AUTH_OFF, 1, -EBADMSG);	   /* authenticator without a key */
}

static void test_authentication(void **state)
{
	struct hb_key key, other;
	struct wlbs_hb out, in = sample();

	(void)state;
	assert_int_equal(hb_key_derive("a cluster key of enough bytes", 29, &key), 0);
	assert_int_equal(hb_key_derive("another key of enough bytes!", 28, &other), 0);
	encode_sample(&key);
	assert_int_equal(wire[7], WLBS_HB_F_CONVERGED | WLBS_HB_F_AUTH);
	assert_int_equal(hb_decode(wire, WLBS_HB_LEN, CLUSTER, &key, &out), 0);
	assert_true(out.authenticated);
	out.authenticated = false;
	assert_memory_equal(&in, &out, sizeof(in));
	/* Wrong key, any flipped byte, a missing key: refused. */
	expect_reject(wire, WLBS_HB_LEN, &other, -EKEYREJECTED);
	expect_reject(wire, WLBS_HB_LEN, NULL, -EKEYREJECTED);
	for (size_t off = 5; off < WLBS_HB_LEN; off += 97) {
		encode_sample(&key);
		wire[off] ^= 0x01;
		if (off != 7)
			expect_reject(wire, WLBS_HB_LEN, &key,
				      off >= 8 && off < 12 ? -EXDEV : -EKEYREJECTED);
	}
	/* An unsigned frame where a key is configured. */
	encode_sample(NULL);
	expect_reject(wire, WLBS_HB_LEN, &key, -EACCES);
	/* Another cluster is told apart before authentication (several clusters share a LAN). */
	encode_sample(&other);
	wire[11] = 0x06;
	expect_reject(wire, WLBS_HB_LEN, &key, -EXDEV);
}

static void test_key_derivation(void **state)
{
	struct hb_key a, b;
	char path[] = "/tmp/wlbs-hbkey-XXXXXX";
	int fd;

	(void)state;
	assert_int_equal(hb_key_derive("short", 5, &a), -EINVAL);
	assert_int_equal(hb_key_derive("0123456789abcdef", 16, &a), 0);
	assert_true(a.set);
	assert_int_equal(hb_key_derive("0123456789abcdef", 16, &b), 0);
	assert_memory_equal(a.k, b.k, sizeof(a.k));
	assert_int_equal(hb_key_derive("0123456789abcdef\n", 17, &b), 0);
	assert_memory_not_equal(a.k, b.k, sizeof(a.k));
	/* Not the raw contents. */
	assert_memory_not_equal(a.k, "0123456789abcdef", 16);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789abcdef", 16), 16);
	close(fd);
	memset(&b, 0, sizeof(b));
	assert_int_equal(hb_key_load(path, &b), 0);
	assert_memory_equal(a.k, b.k, sizeof(a.k));
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "tiny", 4), 4);
	close(fd);
	assert_int_equal(hb_key_load(path, &b), -EINVAL);
	unlink(path);
	assert_int_equal(hb_key_load(path, &b), -ENOENT);
	hb_key_clear(&a);
	assert_false(a.set);
}

static void test_sequence(void **state)
{
	struct hb_seq s = {0}, before;

	(void)state;
	assert_int_equal(hb_seq_accept(&s, 7, 10), 0);
	before = s;
	assert_int_equal(hb_seq_accept(&s, 7, 10), -EALREADY); /* duplicate */
	assert_int_equal(hb_seq_accept(&s, 7, 9), -EALREADY);  /* reordered, older */
	assert_memory_equal(&s, &before, sizeof(s));
	assert_int_equal(hb_seq_accept(&s, 7, 11), 0);
	/* A new boot (nonce) starts over. */
	assert_int_equal(hb_seq_accept(&s, 8, 1), 0);
	assert_int_equal(hb_seq_accept(&s, 8, 1), -EALREADY);
}

static void test_error_names(void **state)
{
	static const int errs[] = {0,	    -EBADMSG,	   -EPROTONOSUPPORT, -EXDEV,
				   -EACCES, -EKEYREJECTED, -EALREADY};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		for (j = 0; j < i; j++)
			assert_string_not_equal(hb_err_name(errs[i]), hb_err_name(errs[j]));
	assert_string_equal(hb_err_name(-EALREADY), "stale");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout_and_round_trip),
	    cmocka_unit_test(test_encode_rejects_bad_input),
	    cmocka_unit_test(test_decode_rejects_malformed),
	    cmocka_unit_test(test_older_version_spoken),
	    cmocka_unit_test(test_authentication),
	    cmocka_unit_test(test_key_derivation),
	    cmocka_unit_test(test_sequence),
	    cmocka_unit_test(test_error_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
