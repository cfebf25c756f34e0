/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Remote control over UDP (WLBS_CTL_UDP_PORT 2504, Convoy's 1717): the
 * authenticated envelope around a control message (control.h), as every
 * host and the CLI must agree on it. docs/remote.md has the bytes; in short,
 * every datagram, both directions, is
 *
 *   struct wlbs_remote_hdr (32) | control message (hdr.length) | MAC (32)
 *
 * MAC = crypto_auth (HMAC-SHA512-256) over everything before it, with a key
 * derived once from the shared secret by Argon2id (crypto_pwhash, cost
 * WLBS_REMOTE_KDF_*) and a salt = BLAKE2b-128 of WLBS_REMOTE_KDF_CONTEXT (with
 * its NUL) and the cluster's first cluster IP, so every host and the CLI
 * derive the same key. A response echoes the request's nonce. The one
 * exception is the answer to a well-formed request with a wrong MAC: flag
 * NOAUTH, status WLBS_BAD_PASSW, no text and no MAC (it cannot be
 * authenticated: the sender does not have our key); it is smaller than the
 * request it answers.
 *
 * The code (key, MAC, replay and clock checks) is lib/remote_auth.h.
 * contrib/wireshark/wlbs.lua decodes it too: a layout change goes there as well.
 *
 * Envelope version history (WLBS_REMOTE_VERSION):
 *   1  first version.
 */
#ifndef WLBS_REMOTE_H
#define WLBS_REMOTE_H

#include <stdint.h>

#include "control.h"

/* "WLBR": first four bytes of every remote control datagram. */
#define WLBS_REMOTE_MAGIC 0x574c4252u
/* Envelope version; history above. */
#define WLBS_REMOTE_VERSION 1
/* Header flags. */
#define WLBS_REMOTE_F_RESPONSE 0x1 /* a host's answer (else a request) */
#define WLBS_REMOTE_F_NOAUTH   0x2 /* response without MAC: the request's MAC was wrong */
/* Random per request, echoed by every answer. */
#define WLBS_REMOTE_NONCE_LEN 16
/* HMAC-SHA512-256 (crypto_auth_BYTES) and its key (crypto_auth_KEYBYTES). */
#define WLBS_REMOTE_MAC_LEN 32
#define WLBS_REMOTE_KEY_LEN 32
/* Argon2id cost: fixed (not libsodium's moving defaults) so every version derives the same key. */
#define WLBS_REMOTE_KDF_OPS 3
#define WLBS_REMOTE_KDF_MEM (32u << 20)
/* Domain separation: the salt is a hash of this (NUL included) and the first cluster IP. */
#define WLBS_REMOTE_KDF_CONTEXT "wlbs remote control v1"

/* Byte offsets in the comments; multi-byte fields in network byte order. */
struct wlbs_remote_hdr {
	uint32_t magic;	 /*  0: WLBS_REMOTE_MAGIC */
	uint8_t version; /*  4: WLBS_REMOTE_VERSION */
	uint8_t flags;	 /*  5: WLBS_REMOTE_F_* */
	uint8_t host;	 /*  6: request: priority addressed, 0 = every host; response: sender */
	uint8_t _pad;	 /*  7: 0 */
	uint64_t timestamp_ms;		      /*  8: sender's clock, ms since the Unix epoch */
	uint8_t nonce[WLBS_REMOTE_NONCE_LEN]; /* 16: request: random; response: the request's */
};
_Static_assert(sizeof(struct wlbs_remote_hdr) == 32, "wlbs_remote_hdr layout");
_Static_assert(__builtin_offsetof(struct wlbs_remote_hdr, timestamp_ms) == 8 &&
		   __builtin_offsetof(struct wlbs_remote_hdr, nonce) == 16,
	       "wlbs_remote_hdr offsets");

/* A request datagram (version 1 requests are fixed-size). */
#define WLBS_REMOTE_REQ_LEN                                                                        \
	(sizeof(struct wlbs_remote_hdr) + sizeof(struct wlbs_ctl_req_wire) + WLBS_REMOTE_MAC_LEN)
/* The largest response datagram. */
#define WLBS_REMOTE_RESP_MAX                                                                       \
	(sizeof(struct wlbs_remote_hdr) + WLBS_CTL_MSG_MAX + WLBS_REMOTE_MAC_LEN)
_Static_assert(WLBS_REMOTE_REQ_LEN == 104 && WLBS_REMOTE_RESP_MAX == 4128,
	       "remote datagram sizes (docs/remote.md)");

#endif /* WLBS_REMOTE_H */
