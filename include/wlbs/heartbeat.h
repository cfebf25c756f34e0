/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The convergence heartbeat: what every host sends every heartbeat period
 * (and at once when what it advertises changes) as the payload of a raw
 * Ethernet frame with ethertype WLBS_ETH_P_HEARTBEAT, right after the 14-byte
 * Ethernet header. docs/convergence.md explains every field's role in the
 * algorithm.
 * contrib/wireshark/wlbs.lua decodes it too: a layout change goes there as well.
 *
 * Destination MAC, as NLB's: the cluster MAC in multicast and igmp modes
 * (every host has it in its NIC's filter; in igmp mode it joins 239.255.c.d,
 * so IGMP snooping confines heartbeats to the cluster's ports), broadcast
 * (ff:ff:ff:ff:ff:ff) in unicast mode, where every host's NIC carries the
 * cluster MAC as its own address and switches must never learn it. The
 * source MAC is the sender's (masked, 02-<priority>-a-b-c-d, in unicast mode).
 *
 * Every multi-byte field is in network byte order; the layout is fixed
 * (WLBS_HB_LEN bytes, no options), so a 1500-byte MTU always carries it.
 *
 * The authenticator is libsodium's crypto_auth (HMAC-SHA-512-256) over bytes
 * 0..WLBS_HB_AUTH_OFF-1 with the cluster key (hb_key_derive() in
 * lib/hb_codec.h); without a key it is zero and flag WLBS_HB_F_AUTH is clear.
 *
 * Version history (WLBS_HB_VERSION):
 *   1  first version.
 *   2  flag WLBS_HB_F_KNOWN_OWNERS: a joining host takes its buckets without
 *      the fence when every member knew every previous owner.
 *   3  per-rule flag WLBS_HB_RULE_F_UNHEALTHY (a health check guarding the
 *      rule fails) and byte 22, min_serving. A version 2 host would reject
 *      the new flag bit as malformed, so a mixed cluster would lose an
 *      unhealthy host from its view instead of saying why: the version
 *      makes the split explicit ("version" in the counters).
 *   4  flag WLBS_HB_F_UNCOVERED: the sender holds connections no port rule
 *      covers (the default host's traffic), so that the next default host
 *      never answers them with a RST. A version 4 host also takes version 3
 *      heartbeats (without the flag) and, while it hears a version 3 host,
 *      sends version 3 itself: a rolling upgrade keeps one cluster.
 * A host drops heartbeats of any other version (and counts them): hosts of
 * versions further apart do not form one cluster.
 */
#ifndef WLBS_HEARTBEAT_H
#define WLBS_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"

/* "WLBH": first four bytes of every heartbeat. */
#define WLBS_HB_MAGIC 0x574c4248u
/* Current heartbeat version; history above. */
#define WLBS_HB_VERSION 4
/* The oldest version still spoken (to a host that speaks nothing newer). */
#define WLBS_HB_VERSION_OLDEST 3
/* Bytes of the dirty bucket bitmap: bit (b % 8) of byte (b / 8) is bucket b. */
#define WLBS_HB_DIRTY_BYTES (WLBS_BUCKETS / 8)
/* Bytes of the authenticator (crypto_auth_BYTES). */
#define WLBS_HB_AUTH_LEN 32

/* Heartbeat flags (byte 7). */
#define WLBS_HB_F_CONVERGED 0x01 /* converged on view/digest, and released what it loses */
#define WLBS_HB_F_LISTENING 0x02 /* just started: may join a view, does not lead one */
#define WLBS_HB_F_EXCLUDED  0x04 /* takes nothing and is no view candidate (see reason) */
#define WLBS_HB_F_AUTH	    0x08 /* the authenticator is set */
/* Converged, and every previous owner it knew of (of any bucket) is in the view. */
#define WLBS_HB_F_KNOWN_OWNERS 0x10
/* Holds connections no port rule covers: the default host must not answer their packets. */
#define WLBS_HB_F_UNCOVERED 0x20
#define WLBS_HB_F_ALL	    0x3f

/* Per-rule flags. */
#define WLBS_HB_RULE_F_EQUAL 0x1 /* load weight "equal" (weight byte unused) */
#define WLBS_HB_RULE_F_OFF   0x2 /* takes no new connections of the rule (disabled, drained) */
/* A health check guarding the rule fails: off, unless min_serving needs it (convergence.md). */
#define WLBS_HB_RULE_F_UNHEALTHY 0x4
#define WLBS_HB_RULE_F_ALL	 0x7

/* One port rule as this host takes it. */
struct wlbs_hb_rule_wire {
	uint8_t weight;	       /* 0: load weight 0..100 (multiple host) */
	uint8_t flags;	       /* 1: WLBS_HB_RULE_F_* */
	uint8_t handling_prio; /* 2: handling priority 1..64 (single host), else 0 */
	uint8_t _reserved;     /* 3: 0 */
};
_Static_assert(sizeof(struct wlbs_hb_rule_wire) == 4, "wlbs_hb_rule_wire layout");

/* The payload on the wire. Byte offsets in the comments. */
struct wlbs_hb_wire {
	uint32_t magic;		/*    0: WLBS_HB_MAGIC */
	uint8_t version;	/*    4: WLBS_HB_VERSION */
	uint8_t host;		/*    5: sender's host priority 1..64 */
	uint8_t state;		/*    6: enum wlbs_fp_state of the sender */
	uint8_t flags;		/*    7: WLBS_HB_F_* */
	uint32_t cluster_id;	/*    8: which cluster (hosts of other clusters are ignored) */
	uint32_t fingerprint;	/*   12: fingerprint of the cluster-wide port rules */
	uint32_t hash_seed;	/*   16: cluster hash seed */
	uint8_t n_rules;	/*   20: port rules, 0..WLBS_MAX_RULES */
	uint8_t leader;		/*   21: host the sender follows, 0 = none */
	uint8_t min_serving;	/*   22: its config's min_serving (0..WLBS_MAX_HOSTS) */
	uint8_t _reserved;	/*   23: 0 */
	uint32_t leader_age_ms; /*   24: age of the sender's news of its leader */
	uint32_t uptime_ms;	/*   28: ms since the sender started running (saturates) */
	uint64_t nonce;		/*   32: random per sender boot */
	uint64_t seq;		/*   40: per nonce, +1 per heartbeat */
	uint64_t heard;		/*   48: bit p-1: sender hears host p (itself if running) */
	uint64_t view;		/*   56: bit p-1: host p in the sender's view */
	uint64_t digest;	/*   64: digest of the view, members' weights, rules, seed */
	struct wlbs_hb_rule_wire rules[WLBS_MAX_RULES]; /*   72: n_rules used, rest 0 */
	uint8_t dirty[WLBS_HB_DIRTY_BYTES];		/*  200: buckets with live connections */
	uint8_t auth[WLBS_HB_AUTH_LEN];			/* 1224: crypto_auth, or 0 */
};
/* Size of the payload; the frame is 14 bytes more. */
#define WLBS_HB_LEN 1256
/* Offset of the authenticator: it covers every byte before it. */
#define WLBS_HB_AUTH_OFF 1224
_Static_assert(sizeof(struct wlbs_hb_wire) == WLBS_HB_LEN, "wlbs_hb_wire layout");
_Static_assert(__builtin_offsetof(struct wlbs_hb_wire, auth) == WLBS_HB_AUTH_OFF,
	       "wlbs_hb_wire auth offset");
_Static_assert(__builtin_offsetof(struct wlbs_hb_wire, version) == 4 &&
		   __builtin_offsetof(struct wlbs_hb_wire, flags) == 7 &&
		   __builtin_offsetof(struct wlbs_hb_wire, cluster_id) == 8 &&
		   __builtin_offsetof(struct wlbs_hb_wire, fingerprint) == 12 &&
		   __builtin_offsetof(struct wlbs_hb_wire, hash_seed) == 16 &&
		   __builtin_offsetof(struct wlbs_hb_wire, n_rules) == 20 &&
		   __builtin_offsetof(struct wlbs_hb_wire, leader) == 21 &&
		   __builtin_offsetof(struct wlbs_hb_wire, min_serving) == 22 &&
		   __builtin_offsetof(struct wlbs_hb_wire, leader_age_ms) == 24 &&
		   __builtin_offsetof(struct wlbs_hb_wire, uptime_ms) == 28 &&
		   __builtin_offsetof(struct wlbs_hb_wire, nonce) == 32 &&
		   __builtin_offsetof(struct wlbs_hb_wire, seq) == 40 &&
		   __builtin_offsetof(struct wlbs_hb_wire, heard) == 48 &&
		   __builtin_offsetof(struct wlbs_hb_wire, view) == 56 &&
		   __builtin_offsetof(struct wlbs_hb_wire, digest) == 64 &&
		   __builtin_offsetof(struct wlbs_hb_wire, rules) == 72 &&
		   __builtin_offsetof(struct wlbs_hb_wire, dirty) == 200,
	       "wlbs_hb_wire offsets");
_Static_assert(14 + WLBS_HB_LEN <= 1514, "heartbeat fits a 1500-byte MTU");

/* One port rule, decoded. */
struct wlbs_hb_rule {
	uint8_t weight;	       /* 0..100 */
	bool equal;	       /* load weight "equal" */
	bool off;	       /* takes no new connections of this rule */
	bool unhealthy;	       /* a health check guarding the rule fails */
	uint8_t handling_prio; /* 0..64 */
};

/* A heartbeat, decoded (host byte order). */
struct wlbs_hb {
	uint8_t version; /* WLBS_HB_VERSION_OLDEST..WLBS_HB_VERSION; 0 encodes the newest */
	uint8_t host;
	uint8_t state; /* enum wlbs_fp_state */
	uint8_t flags; /* WLBS_HB_F_* except WLBS_HB_F_AUTH */
	uint8_t n_rules;
	uint8_t leader;	     /* 0 = none */
	uint8_t min_serving; /* 0..WLBS_MAX_HOSTS */
	bool authenticated;  /* set by hb_decode: the authenticator checked out */
	uint32_t cluster_id;
	uint32_t fingerprint;
	uint32_t hash_seed;
	uint32_t leader_age_ms;
	uint32_t uptime_ms;
	uint64_t nonce;
	uint64_t seq;
	uint64_t heard;
	uint64_t view;
	uint64_t digest;
	struct wlbs_hb_rule rules[WLBS_MAX_RULES];
	uint8_t dirty[WLBS_HB_DIRTY_BYTES];
};

/* Bit of host priority @p (1..64) in heard/view masks. */
static inline uint64_t wlbs_hb_bit(unsigned int p)
{
	return 1ull << (p - 1);
}

#endif /* WLBS_HEARTBEAT_H */
