/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Remote control envelope (wire format: include/wlbs/remote.h): key
 * derivation, MAC, replay and clock checks.
 *
 * Pure code (no sockets): the daemon (daemon/ctl/remote_server.c), the CLI
 * (cli/remote_client.c), the unit tests and the fuzz target all call these.
 */
#ifndef WLBS_REMOTE_AUTH_H
#define WLBS_REMOTE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wlbs/remote.h"

/* Longest secret (file or environment), and the shortest we accept. */
#define WLBS_REMOTE_SECRET_MAX 1024
#define WLBS_REMOTE_SECRET_MIN 8

struct remote_key {
	uint8_t k[WLBS_REMOTE_KEY_LEN];
};

/* What the daemon does with a received datagram (remote_verify_request). */
enum remote_verdict {
	REMOTE_OK = 0,	    /* authenticated, fresh, decoded: run it and answer */
	REMOTE_BAD_REQUEST, /* authenticated, fresh, but undecodable: answer WLBS_BAD_PARAMS */
	REMOTE_OTHER_HOST,  /* addressed to another host priority: ignore */
	REMOTE_BAD_MAC,	    /* well-formed, wrong MAC: answer NOAUTH WLBS_BAD_PASSW */
	REMOTE_STALE,	    /* timestamp older than the window (authenticated) */
	REMOTE_FUTURE,	    /* timestamp ahead of the window (authenticated) */
	REMOTE_REPLAY,	    /* nonce already seen within the window */
	REMOTE_BUSY,	    /* replay cache full of live nonces: refused, not recorded */
	REMOTE_TRUNCATED,   /* shorter than a request */
	REMOTE_OVERSIZED,   /* longer than a request */
	REMOTE_VERSION,	    /* another envelope version */
	REMOTE_GARBAGE,	    /* anything else that is not a request of ours */
	REMOTE_VERDICTS,
};

/* Short name of a verdict ("bad-password", "replay", ...) for logs and counters. */
const char *remote_verdict_name(enum remote_verdict v);

/* Nonces seen recently, oldest first; expiry is monotonic, so a ring suffices. */
#define REMOTE_REPLAY_MAX 4096
struct remote_replay {
	struct {
		uint8_t nonce[WLBS_REMOTE_NONCE_LEN];
		uint64_t expires_ms; /* monotonic clock */
	} e[REMOTE_REPLAY_MAX];
	unsigned int head;  /* index of the oldest entry */
	unsigned int count; /* entries in use */
};

void remote_replay_init(struct remote_replay *rc);
/*
 * Records @nonce until @mono_ms + @keep_ms. 0: fresh; -EEXIST: seen and not
 * yet expired; -ENOSPC: every slot holds a live nonce (nothing recorded).
 */
int remote_replay_check(struct remote_replay *rc, const uint8_t nonce[WLBS_REMOTE_NONCE_LEN],
			uint64_t mono_ms, uint64_t keep_ms);

/* Everything the receiver's checks depend on, so tests and fuzzing control the clocks. */
struct remote_verify_ctx {
	const struct remote_key *key;
	uint8_t self;	       /* this host's priority */
	uint64_t now_ms;       /* wall clock, ms since the epoch */
	uint64_t mono_ms;      /* monotonic clock, for the replay cache */
	unsigned int window_s; /* accepted timestamp skew, each way */
	struct remote_replay *replay;
};

/*
 * The daemon's parser and verifier for one received datagram. Checks, in this
 * order: size, magic, version, flags, addressed host, inner message structure,
 * MAC, timestamp, nonce. On REMOTE_OK @req is the decoded request; @hdr is
 * filled whenever the header could be read (REMOTE_BAD_MAC, REMOTE_BAD_REQUEST
 * and REMOTE_REPLAY answers need its nonce), and @decode_err holds the codec's
 * error for REMOTE_BAD_REQUEST. Only REMOTE_OK and REMOTE_BAD_REQUEST consume
 * the nonce.
 */
enum remote_verdict remote_verify_request(const struct remote_verify_ctx *vc, const void *buf,
					  size_t len, struct wlbs_remote_hdr *hdr,
					  struct wlbs_ctl_request *req, int *decode_err);

/*
 * Client: wraps @req (addressed to host req->host, 0 = all) into @buf with a
 * fresh random nonce (copied to @nonce) and timestamp @now_ms. Returns the
 * datagram length, -EINVAL (invalid request) or -ENOSPC.
 */
int remote_wrap_request(const struct remote_key *key, const struct wlbs_ctl_request *req,
			uint64_t now_ms, uint8_t nonce[WLBS_REMOTE_NONCE_LEN], void *buf,
			size_t size);

/*
 * Daemon: wraps @resp as host @host's answer to @nonce. @key NULL makes the
 * NOAUTH answer (only for WLBS_BAD_PASSW without text). Returns the length,
 * -EINVAL or -ENOSPC.
 */
int remote_wrap_response(const struct remote_key *key, uint8_t host,
			 const uint8_t nonce[WLBS_REMOTE_NONCE_LEN], uint64_t now_ms,
			 const struct wlbs_ctl_response *resp, void *buf, size_t size);

/*
 * Client: checks and decodes an answer to the request that had @nonce.
 *   0        authenticated answer; @resp and @ts_ms (the host's clock) filled
 *   1        NOAUTH WLBS_BAD_PASSW answer (the host says our MAC was wrong)
 *   -ESRCH   not an answer to this request (other nonce: old or replayed)
 *   -EACCES  MAC wrong, or a NOAUTH answer that is not a bare WLBS_BAD_PASSW: forged
 *   -EPROTONOSUPPORT  another envelope version
 *   -EBADMSG anything malformed
 */
int remote_unwrap_response(const struct remote_key *key, const void *buf, size_t len,
			   const uint8_t nonce[WLBS_REMOTE_NONCE_LEN],
			   struct wlbs_ctl_response *resp, uint64_t *ts_ms);

/*
 * The key of a cluster whose first cluster IP is @cluster_ip (16 bytes, IPv4
 * as ::ffff:a.b.c.d) and whose secret is @secret. About 50 ms: derive once.
 * 0, -EINVAL (secret shorter than WLBS_REMOTE_SECRET_MIN or longer than MAX),
 * -ENOMEM.
 */
int remote_derive_key(const void *secret, size_t len, const uint8_t cluster_ip[16],
		      struct remote_key *key);

/*
 * Reads a secret file: everything up to one trailing "\n" or "\r\n". With
 * @strict the file must not be accessible by others (mode o+rwx). @size must
 * be more than WLBS_REMOTE_SECRET_MAX + 2 (room for "\r\n"). 0 with
 * @len set, or -errno with a message in @err (never the secret itself).
 */
int remote_read_secret(const char *path, bool strict, uint8_t *buf, size_t size, size_t *len,
		       char *err, size_t errlen);

/* remote_read_secret + remote_derive_key; the secret is wiped from memory. */
int remote_key_from_file(const char *path, bool strict, const uint8_t cluster_ip[16],
			 struct remote_key *key, char *err, size_t errlen);

/* Wipes a key. */
void remote_key_wipe(struct remote_key *key);

#endif /* WLBS_REMOTE_AUTH_H */
