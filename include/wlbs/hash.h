/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flow hash: which bucket of a port rule a client flow falls in. Defined
 * once, used by the XDP program, the daemon and the tests, so every host and
 * every tool computes the same bucket for the same packet.
 *
 * Three multiply-fold rounds over the client address (two 64-bit words, as
 * loaded from memory: every host of a cluster must share one byte order) and
 * the client port, seeded per cluster, and a splitmix64-style finish. Four
 * multiplications: MurmurHash3's thirteen cost 6-8 ns a packet in the fast path. Affinity picks the
 * input: none hashes address and port, single the address, class C the IPv4 /24 or IPv6 /56.
 */
#ifndef WLBS_HASH_H
#define WLBS_HASH_H

#include "common.h"

/* One round: fold 64 bits of input in, multiply, fold the high half back down. */
WLBS_INLINE __u64 wlbs_hash_round(__u64 h, __u64 in, __u64 k)
{
	h = (h ^ in) * k;
	return h ^ (h >> 32);
}

/* The last step of every hash here: spread the high bits, keep 32. */
WLBS_INLINE __u32 wlbs_hash_finish(__u64 h)
{
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (__u32)(h >> 32);
}

/* Folds one word into a running hash (seeds and fingerprints derived from config). */
WLBS_INLINE __u64 wlbs_hash_step(__u64 h, __u32 w)
{
	return wlbs_hash_round(h, w, 0x9e3779b97f4a7c15ull);
}

/* Clears the bytes of a 32-bit word (in memory order) from byte @keep on. */
WLBS_INLINE __u32 wlbs_keep_bytes(__u32 w, int keep)
{
	union {
		__u32 w;
		__u8 b[4];
	} u = {.w = w};
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
WLBS_INLINE __u32 wlbs_flow_hash(const __u32 client[4], int v4, __u16 port, __u8 affinity,
				 __u32 seed)
{
	__u32 a0 = client[0], a1 = client[1], a2 = client[2], a3 = client[3];
	__u64 h = seed;

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
	h = wlbs_hash_round(h, (__u64)a0 << 32 | a1, 0x9e3779b97f4a7c15ull);
	h = wlbs_hash_round(h, (__u64)a2 << 32 | a3, 0xc2b2ae3d27d4eb4full);
	h = wlbs_hash_round(h, port, 0x165667b19e3779f9ull);
	return wlbs_hash_finish(h);
}

/* The bucket of a client flow (see wlbs_flow_hash). */
WLBS_INLINE __u32 wlbs_flow_bucket(const __u32 client[4], int v4, __u16 port, __u8 affinity,
				   __u32 seed)
{
	return wlbs_flow_hash(client, v4, port, affinity, seed) & (WLBS_BUCKETS - 1);
}

/*
 * The wlbs_conn_hint slot of a TCP connection: @client and @vip as in
 * wlbs_flow_hash (v4-mapped, network byte order), the ports in host byte
 * order. Unseeded, so that the hash seed a reload may change between a
 * connection's start and end never moves it; the cluster IP enters folded to
 * one word.
 */
WLBS_INLINE __u32 wlbs_hint_slot(const __u32 client[4], __u16 client_port, const __u32 vip[4],
				 __u16 vip_port)
{
	__u32 v = vip[0] ^ vip[1] ^ vip[2] ^ vip[3];
	__u64 h = 0x2545f4914f6cdd1dull;

	h = wlbs_hash_round(h, (__u64)client[0] << 32 | client[1], 0x9e3779b97f4a7c15ull);
	h = wlbs_hash_round(h, (__u64)client[2] << 32 | client[3], 0xc2b2ae3d27d4eb4full);
	h = wlbs_hash_round(h, (__u64)v << 32 | (__u32)client_port << 16 | vip_port,
			    0x165667b19e3779f9ull);
	return wlbs_hash_finish(h) & (WLBS_HINT_SLOTS - 1);
}

#endif /* WLBS_HASH_H */
