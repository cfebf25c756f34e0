// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a heartbeat frame from the wire through the codec and
 * into the convergence core, as wlbsd's receive path takes it. Input: one mode
 * byte, then the frame. Mode bit 0 patches magic, version, cluster id,
 * fingerprint and seed to ours, bit 1 seals the frame with our key (so the
 * fuzzer reaches what lies behind those checks); the rest advances the clock.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/convergence.h"
#include "hb_codec.h"
#include "fuzz_seed.h"

#define CLUSTER_ID  0x00c0ffee
#define FINGERPRINT 0x1234abcd
#define SEED	    0x5eed

static struct conv conv;
static struct hb_key key;
static uint64_t now = 1000;

static void setup(void)
{
	struct conv_params p = {
	    .self = 2,
	    .self_mac = {2, 0, 0, 0, 0, 2},
	    .period_ms = 100,
	    .tolerance = 5,
	    .cleanup_delay_ms = 1000,
	    .cluster_id = CLUSTER_ID,
	    .seed = SEED,
	    .fingerprint = FINGERPRINT,
	    .nonce = 42,
	    .n_rules = 2,
	    .modes = {WLBS_MODE_MULTIPLE, WLBS_MODE_SINGLE},
	};
	struct conv_local l = {.state = WLBS_FP_RUNNING};

	if (sodium_init() < 0 || hb_key_derive("fuzzing key, long enough", 24, &key) ||
	    conv_init(&conv, &p, now))
		__builtin_trap();
	l.rules[0].equal = true;
	l.rules[1].handling_prio = 2;
	conv_set_local(&conv, &l, now);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

/* Writes @frame, behind mode byte @mode, to @dir/@name: a seed the fuzzer starts from. */
/*
 * With WLBS_FUZZ_SEEDS=DIR: writes real heartbeats of a peer (plain and
 * sealed) into DIR, so the corpus starts from frames the core accepts.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("WLBS_FUZZ_SEEDS");
	uint8_t frame[WLBS_HB_LEN];
	struct wlbs_hb hb;
	static struct conv peer;
	struct conv_params p = {0};
	struct conv_local l = {.state = WLBS_FP_RUNNING};

	(void)argc;
	(void)argv;
	setup();
	if (!dir)
		return 0;
	p = conv.p;
	p.self = 1;
	p.self_mac[5] = 7;
	p.nonce = 7;
	l.rules[0].equal = true;
	l.rules[1].handling_prio = 1;
	if (conv_init(&peer, &p, now) || conv_set_local(&peer, &l, now))
		return 0;
	conv_tick(&peer, now);
	conv_build(&peer, now, &hb);
	if (hb_encode(&hb, NULL, frame, sizeof(frame)) == WLBS_HB_LEN)
		write_seed(dir, "seed-plain", 0x04, frame, sizeof(frame));
	if (hb_encode(&hb, &key, frame, sizeof(frame)) == WLBS_HB_LEN)
		write_seed(dir, "seed-sealed", 0x06, frame, sizeof(frame));
	exit(0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 7};
	uint8_t frame[WLBS_HB_LEN + 64];
	struct wlbs_hb hb;
	size_t len;
	int ret;

	if (size < 1)
		return 0;
	len = size - 1 < sizeof(frame) ? size - 1 : sizeof(frame);
	memcpy(frame, data + 1, len);
	if ((data[0] & 1) && len >= 20) {
		put32(frame, WLBS_HB_MAGIC);
		frame[4] = WLBS_HB_VERSION;
		put32(frame + 8, CLUSTER_ID);
		put32(frame + 12, FINGERPRINT);
		put32(frame + 16, SEED);
	}
	if ((data[0] & 2) && len == WLBS_HB_LEN)
		crypto_auth(frame + WLBS_HB_LEN - WLBS_HB_AUTH_LEN, frame,
			    WLBS_HB_LEN - WLBS_HB_AUTH_LEN, key.k);
	now += data[0] >> 2;
	ret = hb_decode(frame, len, CLUSTER_ID, (data[0] & 2) ? &key : NULL, &hb);
	if (ret == 0)
		conv_receive(&conv, &hb, mac, now);
	conv_tick(&conv, now);
	return 0;
}
