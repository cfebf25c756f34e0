/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules descriptor: which port rules a host runs, rule by rule, so that
 * the hosts of a cluster can say *which* rule differs and how. Heartbeats
 * carry only a fingerprint of the rules (include/wlbs/heartbeat.h); the
 * fingerprint stays the authority for convergence. A descriptor only
 * explains a conflict, it never changes a decision.
 * contrib/wireshark/wlbs.lua decodes it too: a layout change goes there as well.
 *
 * It is the payload of a raw Ethernet frame with the heartbeat's ethertype
 * (WLBS_ETH_P_HEARTBEAT) and destination, told apart by its magic. Each
 * running host sends one at start, on reload, every max(10 T, 1 s), and at
 * once when it hears a host whose rules differ. A host that does not know
 * descriptors drops them as malformed heartbeats and simply does not explain.
 *
 * Layout: a 40-byte header, n_rules rules of 40 bytes in the fast-path table
 * order (cfg_rule_order, the fingerprint's order), then the authenticator.
 * The length is exactly WLBS_RD_LEN(n_rules). Multi-byte fields are in
 * network byte order. The authenticator is crypto_auth (HMAC-SHA-512-256)
 * with the heartbeat key over every byte before it, or zero without a key
 * (flag WLBS_RD_F_AUTH clear), as for heartbeats.
 *
 * Version history (WLBS_RD_VERSION):
 *   1  first version.
 */
#ifndef WLBS_RULES_DESC_H
#define WLBS_RULES_DESC_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"

/* "WLBD": first four bytes of every rules descriptor ("WLBR" is the remote envelope). */
#define WLBS_RD_MAGIC 0x574c4244u
/* Current descriptor version; history above. */
#define WLBS_RD_VERSION 1
/* Bytes of a rule name on the wire: longer names are cut, shorter ones NUL-padded. */
#define WLBS_RD_NAME_LEN 16
/* Bytes of the authenticator (crypto_auth_BYTES). */
#define WLBS_RD_AUTH_LEN 32

/* Descriptor flags (byte 7). */
#define WLBS_RD_F_AUTH 0x01 /* the authenticator is set */
#define WLBS_RD_F_ALL  0x01

/* One port rule: the fields cfg_rules_fingerprint covers, and its name. */
struct wlbs_rd_rule_wire {
	uint32_t vip[4];	     /*  0: v4-mapped; all ones: every cluster IP */
	uint16_t port_lo;	     /* 16: first port */
	uint16_t port_hi;	     /* 18: last port, inclusive */
	uint8_t proto;		     /* 20: WLBS_PROTO_* bits, 1..3 */
	uint8_t mode;		     /* 21: enum wlbs_rule_mode */
	uint8_t affinity;	     /* 22: enum wlbs_affinity */
	uint8_t _reserved;	     /* 23: 0 */
	char name[WLBS_RD_NAME_LEN]; /* 24: NUL-padded, not NUL-terminated at 16 */
};
_Static_assert(sizeof(struct wlbs_rd_rule_wire) == 40, "wlbs_rd_rule_wire layout");
_Static_assert(__builtin_offsetof(struct wlbs_rd_rule_wire, port_lo) == 16 &&
		   __builtin_offsetof(struct wlbs_rd_rule_wire, proto) == 20 &&
		   __builtin_offsetof(struct wlbs_rd_rule_wire, name) == 24,
	       "wlbs_rd_rule_wire offsets");

/* The header on the wire; rules[n_rules] and auth follow it. */
struct wlbs_rd_wire {
	uint32_t magic;			  /*  0: WLBS_RD_MAGIC */
	uint8_t version;		  /*  4: WLBS_RD_VERSION */
	uint8_t host;			  /*  5: sender's host priority 1..64 */
	uint8_t n_rules;		  /*  6: port rules, 0..WLBS_MAX_RULES */
	uint8_t flags;			  /*  7: WLBS_RD_F_* */
	uint32_t cluster_id;		  /*  8: as in heartbeats */
	uint32_t fingerprint;		  /* 12: cfg_rules_fingerprint of the rules below */
	uint32_t hash_seed;		  /* 16: cluster hash seed */
	uint32_t _reserved;		  /* 20: 0 */
	uint64_t nonce;			  /* 24: random per sender boot */
	uint64_t seq;			  /* 32: per nonce, +1 per descriptor */
	struct wlbs_rd_rule_wire rules[]; /* 40 */
};
/* Bytes of the header. */
#define WLBS_RD_HDR_LEN 40
_Static_assert(sizeof(struct wlbs_rd_wire) == WLBS_RD_HDR_LEN, "wlbs_rd_wire layout");
_Static_assert(__builtin_offsetof(struct wlbs_rd_wire, cluster_id) == 8 &&
		   __builtin_offsetof(struct wlbs_rd_wire, fingerprint) == 12 &&
		   __builtin_offsetof(struct wlbs_rd_wire, hash_seed) == 16 &&
		   __builtin_offsetof(struct wlbs_rd_wire, nonce) == 24 &&
		   __builtin_offsetof(struct wlbs_rd_wire, seq) == 32,
	       "wlbs_rd_wire offsets");
/* Length of a descriptor with @n rules; the authenticator is at WLBS_RD_LEN(n) - 32. */
#define WLBS_RD_LEN(n) (WLBS_RD_HDR_LEN + 40u * (n) + WLBS_RD_AUTH_LEN)
/* The longest descriptor. */
#define WLBS_RD_MAX_LEN WLBS_RD_LEN(WLBS_MAX_RULES)
_Static_assert(14 + WLBS_RD_MAX_LEN <= 1514, "rules descriptor fits a 1500-byte MTU");

/* One port rule, decoded. */
struct wlbs_rd_rule {
	uint32_t vip[4]; /* network byte order, v4-mapped; all ones: all */
	uint16_t port_lo;
	uint16_t port_hi;
	uint8_t proto;
	uint8_t mode;
	uint8_t affinity;
	char name[WLBS_RD_NAME_LEN + 1]; /* NUL-terminated */
};

/* A descriptor, decoded (host byte order except the addresses). */
struct wlbs_rd {
	uint8_t host;
	uint8_t n_rules;
	bool authenticated; /* set by rd_decode: the authenticator checked out */
	uint32_t cluster_id;
	uint32_t fingerprint;
	uint32_t hash_seed;
	uint64_t nonce;
	uint64_t seq;
	struct wlbs_rd_rule rules[WLBS_MAX_RULES];
};

#endif /* WLBS_RULES_DESC_H */
