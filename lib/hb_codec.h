/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Heartbeat codec: struct wlbs_hb <-> wire bytes (include/wlbs/heartbeat.h),
 * the cluster key, and the replay check. A frame is rejected whole, with an
 * error the daemon counts per kind:
 *   -EBADMSG          malformed: length, magic, a field out of range
 *   -EPROTONOSUPPORT  another heartbeat version
 *   -EXDEV            another cluster (cluster id differs)
 *   -EACCES           unauthenticated, and this host has a cluster key
 *   -EKEYREJECTED     authenticator wrong, or set while this host has no key
 *   -EALREADY         stale: sequence not newer than the last from that sender boot
 *                     (hb_seq_accept; the convergence code returns it too)
 */
#ifndef WLBS_HB_CODEC_H
#define WLBS_HB_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wlbs/heartbeat.h"

/* Shortest key file hb_key_derive accepts (bytes). */
#define HB_KEY_MIN_FILE 16

/* The 32-byte heartbeat key, derived from the cluster key file. */
struct hb_key {
	uint8_t k[32];
	bool set; /* false: no key configured, frames go unauthenticated */
};

/*
 * Derives the key from the key file's contents (BLAKE2b, crypto_generichash,
 * with a fixed context string so the key is not reused elsewhere). Every
 * byte counts, a trailing newline too. -EINVAL if shorter than HB_KEY_MIN_FILE.
 */
int hb_key_derive(const void *contents, size_t len, struct hb_key *key);
/* Reads @path (at most 64 KiB) and derives the key; -errno, or -EINVAL. */
int hb_key_load(const char *path, struct hb_key *key);
/* Wipes the key. */
void hb_key_clear(struct hb_key *key);

/*
 * Encodes @hb into @buf (signed when @key is set); returns WLBS_HB_LEN,
 * -ENOSPC if @size is too small, -EINVAL if a field is out of range.
 */
int hb_encode(const struct wlbs_hb *hb, const struct hb_key *key, void *buf, size_t size);

/*
 * Decodes exactly @len bytes. @cluster_id: ours; @key: ours (NULL or unset:
 * none). Returns 0 or one of the errors above; @out is written only on success.
 */
int hb_decode(const void *buf, size_t len, uint32_t cluster_id, const struct hb_key *key,
	      struct wlbs_hb *out);

/* Last accepted sequence of one sender. Zero-initialised: nothing seen. */
struct hb_seq {
	uint64_t nonce;
	uint64_t seq;
	bool valid;
};

/*
 * Accepts (nonce, seq) if the nonce is new (the sender restarted) or seq is
 * newer than the last accepted under this nonce, and records it; -EALREADY
 * (stale or replayed) otherwise, leaving @s as it was.
 */
int hb_seq_accept(struct hb_seq *s, uint64_t nonce, uint64_t seq);

/* Short name of a codec error for counters and logs ("stale"); "ok" for 0. */
const char *hb_err_name(int err);

#endif /* WLBS_HB_CODEC_H */
