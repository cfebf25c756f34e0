// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the daemon's parser and verifier of remote control
 * datagrams (remote_verify_request, the function daemon/ctl/remote_server.c calls) and
 * the CLI's answer parser (remote_unwrap_response).
 *
 * Input: one mode byte, then the datagram. Random bytes never carry a valid
 * MAC, so the mode can make the harness do what a sender holding the key
 * would, to reach the checks behind the MAC:
 *   bit 0  put the current time in the timestamp (before sealing)
 *   bit 1  seal: write the correct MAC over the datagram into its last 32 bytes
 *   bit 2  address this host (header byte 6 = our priority)
 * Every accepted request is answered, and the answer must verify and decode.
 * The same bytes are also decoded as a bare control response (text and
 * records, protocol v2) and as one record: what decodes re-encodes to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>

#include <sodium.h>

#include "ctl_codec.h"
#include "ctl_records.h"
#include "remote_auth.h"
#include "wlbs/remote.h"

#define SELF 3
#define NOW  1790000000000ull

static struct remote_key key;
static struct remote_replay replay;
static uint64_t mono = 1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t ip[16] = {[10] = 0xff, [11] = 0xff, 198, 18, 0, 100};

	(void)argc;
	(void)argv;
	if (remote_derive_key("fuzzing secret", 14, ip, &key))
		abort();
	remote_replay_init(&replay);
	return 0;
}

static void answer(const struct wlbs_remote_hdr *h, const struct wlbs_ctl_request *req)
{
	static uint8_t out[WLBS_REMOTE_RESP_MAX];
	static struct wlbs_ctl_response resp, back;
	int n;

	ctl_response_init(&resp, req);
	resp.host = SELF;
	resp.status = WLBS_OK;
	ctl_resp_text(&resp, "ok");
	n = remote_wrap_response(&key, SELF, h->nonce, NOW, &resp, out, sizeof(out));
	if (n < 0 || remote_unwrap_response(&key, out, (size_t)n, h->nonce, &back, NULL) != 0 ||
	    back.id != req->id || back.command != req->command)
		abort();
}

/*
 * The bytes as a bare control response (v2: text and records) and as one
 * record: whatever decodes must encode back to the same bytes (one meaning
 * per message), and every record of a decoded response must decode alone.
 */
static void records(const uint8_t *data, size_t len)
{
	static struct wlbs_ctl_response r;
	static uint8_t again[WLBS_CTL_MSG_MAX];
	struct wlbs_rec rec;
	size_t off = 0;
	unsigned int count = 0;
	int n;

	if (ctl_decode_response(data, len, &r) == 0) {
		while (ctl_rec_next(&r, &off, &rec))
			count++;
		if (count != r.count || off != r.body_len)
			abort();
		n = ctl_encode_response(&r, again, sizeof(again));
		if (n != (int)len || memcmp(again, data, len))
			abort();
	}
	n = ctl_rec_decode(data, len, &rec);
	if (n > 0) {
		if (ctl_rec_encode(&rec, again, sizeof(again)) != n ||
		    memcmp(again, data, (size_t)n))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[WLBS_REMOTE_RESP_MAX];
	struct remote_verify_ctx vc = {
	    .key = &key, .self = SELF, .now_ms = NOW, .window_s = 30, .replay = &replay};
	static struct wlbs_ctl_response resp;
	struct wlbs_ctl_request req;
	struct wlbs_remote_hdr h;
	enum remote_verdict v;
	uint8_t mode, nonce[WLBS_REMOTE_NONCE_LEN] = {0};
	size_t len;
	int derr, ret;

	if (!size || size - 1 > sizeof(buf))
		return 0;
	mode = data[0];
	len = size - 1;
	memcpy(buf, data + 1, len);
	records(buf, len);
	if ((mode & 1) && len >= 16) {
		uint64_t ts = htobe64(NOW);

		memcpy(buf + 8, &ts, sizeof(ts));
	}
	if ((mode & 4) && len >= 7)
		buf[6] = SELF;
	if ((mode & 2) && len >= WLBS_REMOTE_MAC_LEN)
		crypto_auth(buf + len - WLBS_REMOTE_MAC_LEN, buf, len - WLBS_REMOTE_MAC_LEN, key.k);

	vc.mono_ms = mono++;
	v = remote_verify_request(&vc, buf, len, &h, &req, &derr);
	if ((unsigned int)v >= REMOTE_VERDICTS)
		abort();
	if (v == REMOTE_OK) {
		/* Only a sealed, fresh, well-formed request for us or for all gets here. */
		if (!(mode & 2) || len != WLBS_REMOTE_REQ_LEN || ctl_request_check(&req) ||
		    (h.host && h.host != SELF))
			abort();
		answer(&h, &req);
		/* The same bytes again: a replay. */
		if (remote_verify_request(&vc, buf, len, &h, &req, &derr) != REMOTE_REPLAY)
			abort();
	}
	if (v == REMOTE_BAD_REQUEST && !derr)
		abort();
	/* Keep the cache from filling with fuzz nonces (a full cache is tested elsewhere). */
	if (replay.count > REMOTE_REPLAY_MAX / 2)
		remote_replay_init(&replay);

	/* The same bytes as an answer to a request whose nonce is at offset 16. */
	if (len >= 32)
		memcpy(nonce, buf + 16, sizeof(nonce));
	ret = remote_unwrap_response(&key, buf, len, nonce, &resp, NULL);
	if (ret == 0 && !(mode & 2))
		abort(); /* authenticated without the key: impossible */
	if (ret == 1 && (resp.status != WLBS_BAD_PASSW || resp.text_len))
		abort();
	return 0;
}
