// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a rules descriptor from the wire through its codec and
 * the difference text, as wlbsd's receive path takes it. Input: one mode
 * byte, then the frame. Mode bit 0 patches magic, version and cluster id to
 * ours and the length byte to what the frame holds, bit 1 seals it with our
 * key, so the fuzzer reaches what lies behind those checks. An accepted
 * frame must encode back to the same bytes (one encoding per descriptor),
 * and its difference text must be a bounded string.
 */
#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/rules_diff.h"
#include "rd_codec.h"
#include "fuzz_seed.h"

#define CLUSTER_ID 0x00c0ffee

static struct hb_key key;
static struct wlbs_rd local;

static void setup(void)
{
	if (sodium_init() < 0 || hb_key_derive("fuzzing key, long enough", 24, &key))
		__builtin_trap();
	local.host = 2;
	local.n_rules = 2;
	local.cluster_id = CLUSTER_ID;
	local.rules[0] = (struct wlbs_rd_rule){.vip = {0, 0, htobe32(0xffff), htobe32(0x0a000064)},
					       .port_lo = 80,
					       .port_hi = 80,
					       .proto = 1,
					       .name = "web"};
	local.rules[1] = (struct wlbs_rd_rule){.vip = {~0u, ~0u, ~0u, ~0u},
					       .port_lo = 53,
					       .port_hi = 53,
					       .proto = 2,
					       .mode = 1,
					       .name = "dns"};
}

/* With WLBS_FUZZ_SEEDS=DIR: a peer's real descriptors (plain and sealed) as seeds. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("WLBS_FUZZ_SEEDS");
	uint8_t frame[WLBS_RD_MAX_LEN];
	struct wlbs_rd peer;
	int len;

	(void)argc;
	(void)argv;
	setup();
	if (!dir)
		return 0;
	peer = local;
	peer.host = 1;
	peer.rules[0].affinity = 1;
	len = rd_encode(&peer, NULL, frame, sizeof(frame));
	if (len > 0)
		write_seed(dir, "seed-plain", 0x00, frame, (size_t)len);
	len = rd_encode(&peer, &key, frame, sizeof(frame));
	if (len > 0)
		write_seed(dir, "seed-sealed", 0x02, frame, (size_t)len);
	exit(0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t frame[WLBS_RD_MAX_LEN + 64], again[WLBS_RD_MAX_LEN];
	const struct hb_key *k;
	char text[RD_DIFF_MAX];
	struct wlbs_rd rd;
	uint32_t id = htobe32(CLUSTER_ID), magic = htobe32(WLBS_RD_MAGIC);
	size_t len;
	int ret, n;

	if (size < 1)
		return 0;
	len = size - 1 < sizeof(frame) ? size - 1 : sizeof(frame);
	memcpy(frame, data + 1, len);
	if ((data[0] & 1) && len >= WLBS_RD_LEN(0)) {
		memcpy(frame, &magic, 4);
		frame[4] = WLBS_RD_VERSION;
		frame[6] = (uint8_t)((len - WLBS_RD_LEN(0)) / 40);
		memcpy(frame + 8, &id, 4);
	}
	if ((data[0] & 2) && len >= WLBS_RD_LEN(0))
		crypto_auth(frame + len - WLBS_RD_AUTH_LEN, frame, len - WLBS_RD_AUTH_LEN, key.k);
	k = (data[0] & 2) ? &key : NULL;
	ret = rd_decode(frame, len, CLUSTER_ID, k, &rd);
	if (ret)
		return 0;
	n = rd_encode(&rd, k, again, sizeof(again));
	if (n < 0 || (size_t)n != len || memcmp(again, frame, len))
		__builtin_trap();
	n = rd_diff(&local, &rd, text, sizeof(text), NULL);
	if (n < 0 || strlen(text) >= sizeof(text) || (n == 0) != (text[0] == '\0'))
		__builtin_trap();
	return 0;
}
