/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rules descriptor codec: struct wlbs_rd <-> wire bytes
 * (include/wlbs/rules_desc.h), with the heartbeat key. Errors as hb_decode's:
 *   -EBADMSG          malformed: length, magic, a field out of range
 *   -EPROTONOSUPPORT  another descriptor version
 *   -EXDEV            another cluster
 *   -EACCES           unauthenticated, and this host has a key
 *   -EKEYREJECTED     authenticator wrong, or set while this host has no key
 */
#ifndef WLBS_RD_CODEC_H
#define WLBS_RD_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hb_codec.h"
#include "wlbs/rules_desc.h"

/* True when @buf starts with the descriptor magic (so it is no heartbeat). */
bool rd_is_desc(const void *buf, size_t len);

/*
 * Encodes @rd into @buf (signed when @key is set); returns its length
 * (WLBS_RD_LEN(n_rules)), -ENOSPC if @size is too small, -EINVAL if a field
 * is out of range.
 */
int rd_encode(const struct wlbs_rd *rd, const struct hb_key *key, void *buf, size_t size);

/* Decodes exactly @len bytes; 0 or one of the errors above; @out written only on success. */
int rd_decode(const void *buf, size_t len, uint32_t cluster_id, const struct hb_key *key,
	      struct wlbs_rd *out);

#endif /* WLBS_RD_CODEC_H */
