// SPDX-License-Identifier: GPL-2.0
/* Remote control envelope: key derivation, MAC, replay and clock checks. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl_codec.h"
#include "remote_auth.h"
#include "wlbs/common.h"

_Static_assert(WLBS_REMOTE_MAC_LEN == crypto_auth_BYTES, "MAC size");
_Static_assert(WLBS_REMOTE_KEY_LEN == crypto_auth_KEYBYTES, "key size");

#define HDR_LEN sizeof(struct wlbs_remote_hdr)
#define MAC_LEN WLBS_REMOTE_MAC_LEN

static const char *const verdict_names[REMOTE_VERDICTS] = {
    [REMOTE_OK] = "ok",
    [REMOTE_BAD_REQUEST] = "bad-request",
    [REMOTE_OTHER_HOST] = "other-host",
    [REMOTE_BAD_MAC] = "bad-password",
    [REMOTE_STALE] = "stale",
    [REMOTE_FUTURE] = "future",
    [REMOTE_REPLAY] = "replay",
    [REMOTE_BUSY] = "busy",
    [REMOTE_TRUNCATED] = "truncated",
    [REMOTE_OVERSIZED] = "oversized",
    [REMOTE_VERSION] = "version",
    [REMOTE_GARBAGE] = "garbage",
};

static uint32_t load_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

const char *remote_verdict_name(enum remote_verdict v)
{
	return (unsigned int)v < REMOTE_VERDICTS ? verdict_names[v] : "?";
}

/* ---- replay cache ------------------------------------------------------- */

void remote_replay_init(struct remote_replay *rc)
{
	memset(rc, 0, sizeof(*rc));
}

int remote_replay_check(struct remote_replay *rc, const uint8_t nonce[WLBS_REMOTE_NONCE_LEN],
			uint64_t mono_ms, uint64_t keep_ms)
{
	unsigned int i, slot;

	/* Entries are added with a non-decreasing expiry: the oldest go first. */
	while (rc->count && rc->e[rc->head].expires_ms <= mono_ms) {
		rc->head = (rc->head + 1) % REMOTE_REPLAY_MAX;
		rc->count--;
	}
	for (i = 0; i < rc->count; i++) {
		slot = (rc->head + i) % REMOTE_REPLAY_MAX;
		if (!sodium_memcmp(rc->e[slot].nonce, nonce, WLBS_REMOTE_NONCE_LEN))
			return -EEXIST;
	}
	if (rc->count == REMOTE_REPLAY_MAX)
		return -ENOSPC;
	slot = (rc->head + rc->count) % REMOTE_REPLAY_MAX;
	memcpy(rc->e[slot].nonce, nonce, WLBS_REMOTE_NONCE_LEN);
	rc->e[slot].expires_ms = mono_ms + keep_ms;
	rc->count++;
	return 0;
}

/* ---- envelope ----------------------------------------------------------- */

static void put_hdr(void *buf, uint8_t flags, uint8_t host, uint64_t ts_ms,
		    const uint8_t nonce[WLBS_REMOTE_NONCE_LEN])
{
	struct wlbs_remote_hdr h = {
	    .magic = htobe32(WLBS_REMOTE_MAGIC),
	    .version = WLBS_REMOTE_VERSION,
	    .flags = flags,
	    .host = host,
	    .timestamp_ms = htobe64(ts_ms),
	};

	memcpy(h.nonce, nonce, WLBS_REMOTE_NONCE_LEN);
	memcpy(buf, &h, sizeof(h));
}

/* Reads the header in host byte order; -EBADMSG (short, magic), -EPROTONOSUPPORT. */
static int get_hdr(const void *buf, size_t len, struct wlbs_remote_hdr *h)
{
	if (len < HDR_LEN)
		return -EBADMSG;
	memcpy(h, buf, HDR_LEN);
	h->magic = be32toh(h->magic);
	h->timestamp_ms = be64toh(h->timestamp_ms);
	if (h->magic != WLBS_REMOTE_MAGIC)
		return -EBADMSG;
	if (h->version != WLBS_REMOTE_VERSION)
		return -EPROTONOSUPPORT;
	return 0;
}

enum remote_verdict remote_verify_request(const struct remote_verify_ctx *vc, const void *buf,
					  size_t len, struct wlbs_remote_hdr *hdr,
					  struct wlbs_ctl_request *req, int *decode_err)
{
	const uint8_t *p = buf;
	uint64_t window_ms = (uint64_t)vc->window_s * 1000;
	size_t inner_len;
	int n, err, dec;

	*decode_err = 0;
	memset(hdr, 0, sizeof(*hdr));
	if (len < HDR_LEN + sizeof(struct wlbs_ctl_hdr) + MAC_LEN) {
		/* Count a short datagram with a wrong magic as garbage, not as truncated. */
		if (len >= 4 && load_be32(p) != WLBS_REMOTE_MAGIC)
			return REMOTE_GARBAGE;
		return REMOTE_TRUNCATED;
	}
	err = get_hdr(buf, len, hdr);
	if (err == -EPROTONOSUPPORT)
		return REMOTE_VERSION;
	if (err)
		return REMOTE_GARBAGE;
	if (hdr->flags || hdr->_pad || hdr->host > WLBS_MAX_HOSTS)
		return REMOTE_GARBAGE;
	if (hdr->host && hdr->host != vc->self)
		return REMOTE_OTHER_HOST;
	if (len > WLBS_REMOTE_REQ_LEN)
		return REMOTE_OVERSIZED;

	/* The inner message must fill exactly what lies between header and MAC. */
	inner_len = len - HDR_LEN - MAC_LEN;
	n = ctl_msg_len(p + HDR_LEN, inner_len);
	if (n == -EBADMSG && inner_len >= sizeof(struct wlbs_ctl_hdr)) {
		uint16_t declared;

		memcpy(&declared, p + HDR_LEN + 6, sizeof(declared));
		if (be16toh(declared) > inner_len && load_be32(p + HDR_LEN) == WLBS_CTL_MAGIC)
			return REMOTE_TRUNCATED;
	}
	if (n < 0 && n != -EPROTONOSUPPORT)
		return REMOTE_GARBAGE;
	if (n >= 0 && (size_t)n != inner_len)
		return REMOTE_GARBAGE;
	/* Structure first, MAC second: a wrong password on a good request gets an answer. */
	dec = ctl_decode_request(p + HDR_LEN, inner_len, req);
	if (crypto_auth_verify(p + len - MAC_LEN, p, len - MAC_LEN, vc->key->k))
		return dec ? REMOTE_GARBAGE : REMOTE_BAD_MAC;

	/* Differences, not sums: a timestamp near 2^64 must not wrap into the window. */
	if (hdr->timestamp_ms < vc->now_ms && vc->now_ms - hdr->timestamp_ms > window_ms)
		return REMOTE_STALE;
	if (hdr->timestamp_ms > vc->now_ms && hdr->timestamp_ms - vc->now_ms > window_ms)
		return REMOTE_FUTURE;
	/* Keep the nonce as long as its timestamp can pass the check above (2 windows). */
	err = remote_replay_check(vc->replay, hdr->nonce, vc->mono_ms, 2 * window_ms + 1000);
	if (err == -EEXIST)
		return REMOTE_REPLAY;
	if (err)
		return REMOTE_BUSY;
	if (dec) {
		*decode_err = dec;
		return REMOTE_BAD_REQUEST;
	}
	if (req->host != hdr->host) {
		*decode_err = -EBADMSG;
		return REMOTE_BAD_REQUEST;
	}
	return REMOTE_OK;
}

int remote_wrap_request(const struct remote_key *key, const struct wlbs_ctl_request *req,
			uint64_t now_ms, uint8_t nonce[WLBS_REMOTE_NONCE_LEN], void *buf,
			size_t size)
{
	uint8_t *p = buf;
	int n;

	if (size < HDR_LEN + MAC_LEN)
		return -ENOSPC;
	if (sodium_init() < 0)
		return -ENOMEM;
	n = ctl_encode_request(req, p + HDR_LEN, size - HDR_LEN - MAC_LEN);
	if (n < 0)
		return n;
	randombytes_buf(nonce, WLBS_REMOTE_NONCE_LEN);
	put_hdr(p, 0, req->host, now_ms, nonce);
	crypto_auth(p + HDR_LEN + n, p, HDR_LEN + n, key->k);
	return (int)(HDR_LEN + n + MAC_LEN);
}

int remote_wrap_response(const struct remote_key *key, uint8_t host,
			 const uint8_t nonce[WLBS_REMOTE_NONCE_LEN], uint64_t now_ms,
			 const struct wlbs_ctl_response *resp, void *buf, size_t size)
{
	uint8_t flags = WLBS_REMOTE_F_RESPONSE;
	uint8_t *p = buf;
	int n;

	if (!key) {
		if (resp->status != WLBS_BAD_PASSW || resp->text_len)
			return -EINVAL;
		flags |= WLBS_REMOTE_F_NOAUTH;
	}
	if (resp->host != host || size < HDR_LEN + (key ? MAC_LEN : 0))
		return resp->host != host ? -EINVAL : -ENOSPC;
	n = ctl_encode_response(resp, p + HDR_LEN, size - HDR_LEN - (key ? MAC_LEN : 0));
	if (n < 0)
		return n;
	put_hdr(p, flags, host, now_ms, nonce);
	if (!key)
		return (int)(HDR_LEN + n);
	crypto_auth(p + HDR_LEN + n, p, HDR_LEN + n, key->k);
	return (int)(HDR_LEN + n + MAC_LEN);
}

int remote_unwrap_response(const struct remote_key *key, const void *buf, size_t len,
			   const uint8_t nonce[WLBS_REMOTE_NONCE_LEN],
			   struct wlbs_ctl_response *resp, uint64_t *ts_ms)
{
	const uint8_t *p = buf;
	struct wlbs_remote_hdr h;
	bool noauth;
	size_t inner;
	int err, n;

	err = get_hdr(buf, len, &h);
	if (err)
		return err;
	if (!(h.flags & WLBS_REMOTE_F_RESPONSE) ||
	    (h.flags & ~(WLBS_REMOTE_F_RESPONSE | WLBS_REMOTE_F_NOAUTH)) || h._pad)
		return -EBADMSG;
	noauth = h.flags & WLBS_REMOTE_F_NOAUTH;
	if (len < HDR_LEN + (noauth ? 0 : MAC_LEN))
		return -EBADMSG;
	inner = len - HDR_LEN - (noauth ? 0 : MAC_LEN);
	n = ctl_msg_len(p + HDR_LEN, inner);
	if (n < 0)
		return n;
	if ((size_t)n != inner)
		return -EBADMSG;
	if (sodium_memcmp(h.nonce, nonce, WLBS_REMOTE_NONCE_LEN))
		return -ESRCH;
	if (!noauth && crypto_auth_verify(p + len - MAC_LEN, p, len - MAC_LEN, key->k))
		return -EACCES;
	err = ctl_decode_response(p + HDR_LEN, inner, resp);
	if (err)
		return err;
	if (resp->host != h.host)
		return -EBADMSG;
	if (noauth) {
		/* Anyone can send this: believe only "bad password", and show none of its text. */
		if (resp->status != WLBS_BAD_PASSW || resp->text_len)
			return -EACCES;
		return 1;
	}
	if (ts_ms)
		*ts_ms = h.timestamp_ms;
	return 0;
}

/* ---- keys --------------------------------------------------------------- */

int remote_derive_key(const void *secret, size_t len, const uint8_t cluster_ip[16],
		      struct remote_key *key)
{
	uint8_t salt[crypto_pwhash_SALTBYTES];
	crypto_generichash_state st;

	if (len < WLBS_REMOTE_SECRET_MIN || len > WLBS_REMOTE_SECRET_MAX)
		return -EINVAL;
	if (sodium_init() < 0)
		return -ENOMEM;
	crypto_generichash_init(&st, NULL, 0, sizeof(salt));
	crypto_generichash_update(&st, (const uint8_t *)WLBS_REMOTE_KDF_CONTEXT,
				  sizeof(WLBS_REMOTE_KDF_CONTEXT));
	crypto_generichash_update(&st, cluster_ip, 16);
	crypto_generichash_final(&st, salt, sizeof(salt));
	if (crypto_pwhash(key->k, sizeof(key->k), secret, len, salt, WLBS_REMOTE_KDF_OPS,
			  WLBS_REMOTE_KDF_MEM, crypto_pwhash_ALG_ARGON2ID13))
		return -ENOMEM;
	return 0;
}

int remote_read_secret(const char *path, bool strict, uint8_t *buf, size_t size, size_t *len,
		       char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	bool full;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open secret file %s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "cannot stat secret file %s: %s", path, strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		snprintf(err, errlen, "secret file %s is not a regular file", path);
		goto out;
	}
	if (strict && (st.st_mode & S_IRWXO)) {
		ret = -EPERM;
		snprintf(err, errlen,
			 "secret file %s is accessible by others (mode %04o): chmod o-rwx", path,
			 (unsigned)(st.st_mode & 07777));
		goto out;
	}
	/* @size exceeds the longest secret plus "\r\n": a file that fills it is too long. */
	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot read secret file %s: %s", path,
				 strerror(-ret));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	full = got == size;
	/* Editors end files with "\n" (or "\r\n"): that is not part of the secret. */
	if (got && buf[got - 1] == '\n') {
		got--;
		if (got && buf[got - 1] == '\r')
			got--;
	}
	if (full || got > WLBS_REMOTE_SECRET_MAX) {
		ret = -EFBIG;
		snprintf(err, errlen, "secret file %s: longer than %d bytes", path,
			 WLBS_REMOTE_SECRET_MAX);
	} else if (got < WLBS_REMOTE_SECRET_MIN) {
		ret = -EINVAL;
		snprintf(err, errlen, "secret file %s: secret shorter than %d bytes", path,
			 WLBS_REMOTE_SECRET_MIN);
	}
	*len = got;
out:
	close(fd);
	return ret;
}

int remote_key_from_file(const char *path, bool strict, const uint8_t cluster_ip[16],
			 struct remote_key *key, char *err, size_t errlen)
{
	uint8_t secret[WLBS_REMOTE_SECRET_MAX + 3];
	size_t len = 0;
	int ret;

	ret = remote_read_secret(path, strict, secret, sizeof(secret), &len, err, errlen);
	if (!ret) {
		ret = remote_derive_key(secret, len, cluster_ip, key);
		if (ret)
			snprintf(err, errlen, "deriving the remote control key: %s",
				 strerror(-ret));
	}
	sodium_memzero(secret, sizeof(secret));
	return ret;
}

void remote_key_wipe(struct remote_key *key)
{
	sodium_memzero(key, sizeof(*key));
}
