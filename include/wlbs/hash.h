/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flow hash: which bucket of a port rule a client flow falls in. Defined
 * once, used by the XDP program, the daemon and the tests, so every host and
 * every tool computes the same bucket for the same packet.
 *
 * MurmurHash3's 32-bit mixing over the client address words (as loaded from
 * memory: every host of a cluster must share one byte order) and the client
 * port, seeded per cluster. Affinity picks the input: none hashes address and
 * port, single the address, class C the IPv4 /24 or IPv6 /56.
 */
#ifndef WLBS_HASH_H
#define WLBS_HASH_H

#include "common.h"

static inline __u32 wlbs_rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static inline __u32 wlbs_hash_word(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51u;
	k = wlbs_rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = wlbs_rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

static inline __u32 wlbs_hash_final(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* Clears the bytes of a 32-bit word (in memory order) from byte @keep on. */
static inline __u32 wlbs_keep_bytes(__u32 w, int keep)
{
	union {
		__u32 w;
		__u8 b[4];
	} u = { .w = w };
	int i;

	for (i = keep; i < 4; i++)
		u.b[i] = 0;
	return u.w;
}

/*
 * Hash of a client flow. @client: the client address, network byte order,
 * IPv4 as v4-mapped (client[3] holds a.b.c.d); @v4 says which; @port: the
 * client port (host byte order, ignored unless affinity is none).
 */
static inline __u32 wlbs_flow_hash(const __u32 client[4], int v4, __u16 port, __u8 affinity,
				   __u32 seed)
{
	__u32 a0 = client[0], a1 = client[1], a2 = client[2], a3 = client[3];
	__u32 h = seed;

	if (affinity == WLBS_AFF_CLASSC) {
		if (v4) {
			a3 = wlbs_keep_bytes(a3, 3);
		} else {
			a1 = wlbs_keep_bytes(a1, 3);
			a2 = 0;
			a3 = 0;
		}
	}
	if (affinity != WLBS_AFF_NONE)
		port = 0;
	h = wlbs_hash_word(h, a0);
	h = wlbs_hash_word(h, a1);
	h = wlbs_hash_word(h, a2);
	h = wlbs_hash_word(h, a3);
	h = wlbs_hash_word(h, port);
	return wlbs_hash_final(h ^ 20);
}

/* The bucket of a client flow (see wlbs_flow_hash). */
static inline __u32 wlbs_flow_bucket(const __u32 client[4], int v4, __u16 port, __u8 affinity,
				     __u32 seed)
{
	return wlbs_flow_hash(client, v4, port, affinity, seed) & (WLBS_BUCKETS - 1);
}

#endif /* WLBS_HASH_H */
