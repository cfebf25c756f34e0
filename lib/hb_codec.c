// SPDX-License-Identifier: GPL-2.0
/* Heartbeat codec: fixed layout, network byte order, strict checks, crypto_auth. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "hb_codec.h"

_Static_assert(crypto_auth_BYTES == WLBS_HB_AUTH_LEN, "authenticator size");
_Static_assert(crypto_auth_KEYBYTES == sizeof(((struct hb_key *)0)->k), "key size");

/* Domain separation: the key file may be shared with other uses. */
static const char key_context[] = "wlbs heartbeat key v1";

int hb_key_derive(const void *contents, size_t len, struct hb_key *key)
{
	crypto_generichash_state st;

	if (!contents || len < HB_KEY_MIN_FILE)
		return -EINVAL;
	if (sodium_init() < 0)
		return -ENOSYS;
	crypto_generichash_init(&st, NULL, 0, sizeof(key->k));
	crypto_generichash_update(&st, (const unsigned char *)key_context, sizeof(key_context));
	crypto_generichash_update(&st, contents, len);
	crypto_generichash_final(&st, key->k, sizeof(key->k));
	sodium_memzero(&st, sizeof(st));
	key->set = true;
	return 0;
}

int hb_key_load(const char *path, struct hb_key *key)
{
	unsigned char buf[65536];
	size_t len = 0;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			close(fd);
			sodium_memzero(buf, len);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	err = hb_key_derive(buf, len, key);
	sodium_memzero(buf, len);
	return err;
}

void hb_key_clear(struct hb_key *key)
{
	sodium_memzero(key, sizeof(*key));
}

static bool rule_ok(const struct wlbs_hb_rule_wire *r)
{
	return r->weight <= 100 && !(r->flags & ~WLBS_HB_RULE_F_ALL) &&
	       r->handling_prio <= WLBS_MAX_HOSTS && !r->_reserved;
}

/* The flags version @v knows. */
static uint8_t flags_of(uint8_t v)
{
	return v < 4 ? WLBS_HB_F_ALL & ~WLBS_HB_F_UNCOVERED : WLBS_HB_F_ALL;
}

static bool fields_ok(const struct wlbs_hb_wire *w)
{
	static const struct wlbs_hb_rule_wire zero;
	int i;

	if (w->host < 1 || w->host > WLBS_MAX_HOSTS || w->state > WLBS_FP_DRAINING ||
	    (w->flags & ~flags_of(w->version)) || w->n_rules > WLBS_MAX_RULES ||
	    w->leader > WLBS_MAX_HOSTS || w->min_serving > WLBS_MAX_HOSTS || w->_reserved)
		return false;
	for (i = 0; i < WLBS_MAX_RULES; i++) {
		if (i < w->n_rules ? !rule_ok(&w->rules[i])
				   : !!memcmp(&w->rules[i], &zero, sizeof(zero)))
			return false;
	}
	return true;
}

int hb_encode(const struct wlbs_hb *hb, const struct hb_key *key, void *buf, size_t size)
{
	struct wlbs_hb_wire w;
	int i;

	if (size < WLBS_HB_LEN)
		return -ENOSPC;
	memset(&w, 0, sizeof(w));
	w.magic = htobe32(WLBS_HB_MAGIC);
	w.version = hb->version ? hb->version : WLBS_HB_VERSION;
	if (w.version < WLBS_HB_VERSION_OLDEST || w.version > WLBS_HB_VERSION)
		return -EINVAL;
	w.host = hb->host;
	w.state = hb->state;
	w.flags = hb->flags & ~WLBS_HB_F_AUTH;
	w.cluster_id = htobe32(hb->cluster_id);
	w.fingerprint = htobe32(hb->fingerprint);
	w.hash_seed = htobe32(hb->hash_seed);
	w.n_rules = hb->n_rules;
	w.leader = hb->leader;
	w.min_serving = hb->min_serving;
	w.leader_age_ms = htobe32(hb->leader_age_ms);
	w.uptime_ms = htobe32(hb->uptime_ms);
	w.nonce = htobe64(hb->nonce);
	w.seq = htobe64(hb->seq);
	w.heard = htobe64(hb->heard);
	w.view = htobe64(hb->view);
	w.digest = htobe64(hb->digest);
	for (i = 0; i < hb->n_rules && i < WLBS_MAX_RULES; i++) {
		w.rules[i].weight = hb->rules[i].weight;
		w.rules[i].flags = (hb->rules[i].equal ? WLBS_HB_RULE_F_EQUAL : 0) |
				   (hb->rules[i].off ? WLBS_HB_RULE_F_OFF : 0) |
				   (hb->rules[i].unhealthy ? WLBS_HB_RULE_F_UNHEALTHY : 0);
		w.rules[i].handling_prio = hb->rules[i].handling_prio;
	}
	memcpy(w.dirty, hb->dirty, sizeof(w.dirty));
	if (!fields_ok(&w))
		return -EINVAL;
	if (key && key->set) {
		w.flags |= WLBS_HB_F_AUTH;
		crypto_auth(w.auth, (const unsigned char *)&w, WLBS_HB_AUTH_OFF, key->k);
	}
	memcpy(buf, &w, sizeof(w));
	return WLBS_HB_LEN;
}

int hb_decode(const void *buf, size_t len, uint32_t cluster_id, const struct hb_key *key,
	      struct wlbs_hb *out)
{
	struct wlbs_hb_wire w;
	struct wlbs_hb hb;
	bool have_key = key && key->set;
	int i;

	/* Magic and version first: a future, longer version is "version", not "malformed". */
	if (len < 8)
		return -EBADMSG;
	memcpy(&w, buf, 8);
	if (be32toh(w.magic) != WLBS_HB_MAGIC)
		return -EBADMSG;
	if (w.version < WLBS_HB_VERSION_OLDEST || w.version > WLBS_HB_VERSION)
		return -EPROTONOSUPPORT;
	if (len != WLBS_HB_LEN)
		return -EBADMSG;
	memcpy(&w, buf, sizeof(w));
	/* Another cluster on the segment is normal (several clusters share a LAN). */
	if (be32toh(w.cluster_id) != cluster_id)
		return -EXDEV;
	if (have_key && !(w.flags & WLBS_HB_F_AUTH))
		return -EACCES;
	/* A signed frame we cannot check: refuse it, so keyed and keyless hosts split cleanly. */
	if (!have_key && (w.flags & WLBS_HB_F_AUTH))
		return -EKEYREJECTED;
	if (have_key &&
	    crypto_auth_verify(w.auth, (const unsigned char *)&w, WLBS_HB_AUTH_OFF, key->k))
		return -EKEYREJECTED;
	if (!have_key && !sodium_is_zero(w.auth, sizeof(w.auth)))
		return -EBADMSG;
	if (!fields_ok(&w))
		return -EBADMSG;

	memset(&hb, 0, sizeof(hb));
	hb.version = w.version;
	hb.host = w.host;
	hb.state = w.state;
	hb.flags = w.flags & ~WLBS_HB_F_AUTH;
	hb.authenticated = have_key;
	hb.n_rules = w.n_rules;
	hb.leader = w.leader;
	hb.min_serving = w.min_serving;
	hb.cluster_id = be32toh(w.cluster_id);
	hb.fingerprint = be32toh(w.fingerprint);
	hb.hash_seed = be32toh(w.hash_seed);
	hb.leader_age_ms = be32toh(w.leader_age_ms);
	hb.uptime_ms = be32toh(w.uptime_ms);
	hb.nonce = be64toh(w.nonce);
	hb.seq = be64toh(w.seq);
	hb.heard = be64toh(w.heard);
	hb.view = be64toh(w.view);
	hb.digest = be64toh(w.digest);
	for (i = 0; i < w.n_rules; i++) {
		hb.rules[i].weight = w.rules[i].weight;
		hb.rules[i].equal = w.rules[i].flags & WLBS_HB_RULE_F_EQUAL;
		hb.rules[i].off = w.rules[i].flags & WLBS_HB_RULE_F_OFF;
		hb.rules[i].unhealthy = w.rules[i].flags & WLBS_HB_RULE_F_UNHEALTHY;
		hb.rules[i].handling_prio = w.rules[i].handling_prio;
	}
	memcpy(hb.dirty, w.dirty, sizeof(hb.dirty));
	*out = hb;
	return 0;
}

int hb_seq_accept(struct hb_seq *s, uint64_t nonce, uint64_t seq)
{
	if (s->valid && s->nonce == nonce && seq <= s->seq)
		return -EALREADY;
	s->nonce = nonce;
	s->seq = seq;
	s->valid = true;
	return 0;
}

const char *hb_err_name(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case -EBADMSG:
		return "malformed";
	case -EPROTONOSUPPORT:
		return "version";
	case -EXDEV:
		return "foreign cluster";
	case -EACCES:
		return "unauthenticated";
	case -EKEYREJECTED:
		return "bad authenticator";
	case -EALREADY:
		return "stale";
	default:
		return "error";
	}
}
