// SPDX-License-Identifier: GPL-2.0
/* Rules descriptor codec: exact length, network byte order, strict checks, crypto_auth. */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "rd_codec.h"

_Static_assert(crypto_auth_BYTES == WLBS_RD_AUTH_LEN, "authenticator size");

bool rd_is_desc(const void *buf, size_t len)
{
	uint32_t magic;

	if (len < 4)
		return false;
	memcpy(&magic, buf, 4);
	return be32toh(magic) == WLBS_RD_MAGIC;
}

static bool rule_ok(const struct wlbs_rd_rule_wire *r)
{
	uint16_t lo = be16toh(r->port_lo), hi = be16toh(r->port_hi);

	return lo <= hi && r->proto >= 1 && r->proto <= (WLBS_PROTO_TCP | WLBS_PROTO_UDP) &&
	       r->mode <= WLBS_MODE_DISABLED && r->affinity <= WLBS_AFF_CLASSC && !r->_reserved;
}

/* The name field's unused tail must be zero: one encoding per name. */
static bool name_ok(const char *name)
{
	size_t n = strnlen(name, WLBS_RD_NAME_LEN), i;

	for (i = n; i < WLBS_RD_NAME_LEN; i++)
		if (name[i])
			return false;
	return true;
}

int rd_encode(const struct wlbs_rd *rd, const struct hb_key *key, void *buf, size_t size)
{
	uint8_t w[WLBS_RD_MAX_LEN];
	struct wlbs_rd_wire *h = (struct wlbs_rd_wire *)w;
	size_t len, auth_off;
	int i;

	if (rd->n_rules > WLBS_MAX_RULES || rd->host < 1 || rd->host > WLBS_MAX_HOSTS)
		return -EINVAL;
	len = WLBS_RD_LEN(rd->n_rules);
	auth_off = len - WLBS_RD_AUTH_LEN;
	if (size < len)
		return -ENOSPC;
	memset(w, 0, len);
	h->magic = htobe32(WLBS_RD_MAGIC);
	h->version = WLBS_RD_VERSION;
	h->host = rd->host;
	h->n_rules = rd->n_rules;
	h->cluster_id = htobe32(rd->cluster_id);
	h->fingerprint = htobe32(rd->fingerprint);
	h->hash_seed = htobe32(rd->hash_seed);
	h->nonce = htobe64(rd->nonce);
	h->seq = htobe64(rd->seq);
	for (i = 0; i < rd->n_rules; i++) {
		const struct wlbs_rd_rule *r = &rd->rules[i];
		struct wlbs_rd_rule_wire *o = &h->rules[i];

		memcpy(o->vip, r->vip, sizeof(o->vip));
		o->port_lo = htobe16(r->port_lo);
		o->port_hi = htobe16(r->port_hi);
		o->proto = r->proto;
		o->mode = r->mode;
		o->affinity = r->affinity;
		strncpy(o->name, r->name, WLBS_RD_NAME_LEN); /* cut, NUL-padded */
		if (!rule_ok(o))
			return -EINVAL;
	}
	if (key && key->set) {
		h->flags |= WLBS_RD_F_AUTH;
		crypto_auth(w + auth_off, w, auth_off, key->k);
	}
	memcpy(buf, w, len);
	return (int)len;
}

int rd_decode(const void *buf, size_t len, uint32_t cluster_id, const struct hb_key *key,
	      struct wlbs_rd *out)
{
	uint8_t w[WLBS_RD_MAX_LEN];
	const struct wlbs_rd_wire *h = (const struct wlbs_rd_wire *)w;
	bool have_key = key && key->set;
	const uint8_t *auth;
	struct wlbs_rd rd;
	int i;

	/* Magic and version first: another version is "version", whatever its length. */
	if (len < 8 || !rd_is_desc(buf, len))
		return -EBADMSG;
	memcpy(w, buf, 8);
	if (h->version != WLBS_RD_VERSION)
		return -EPROTONOSUPPORT;
	if (len < WLBS_RD_HDR_LEN || len > WLBS_RD_MAX_LEN)
		return -EBADMSG;
	memcpy(w, buf, len);
	if (h->n_rules > WLBS_MAX_RULES || len != WLBS_RD_LEN(h->n_rules))
		return -EBADMSG;
	auth = w + len - WLBS_RD_AUTH_LEN;
	if (be32toh(h->cluster_id) != cluster_id)
		return -EXDEV;
	if (have_key && !(h->flags & WLBS_RD_F_AUTH))
		return -EACCES;
	if (!have_key && (h->flags & WLBS_RD_F_AUTH))
		return -EKEYREJECTED;
	if (have_key && crypto_auth_verify(auth, w, len - WLBS_RD_AUTH_LEN, key->k))
		return -EKEYREJECTED;
	if (!have_key && !sodium_is_zero(auth, WLBS_RD_AUTH_LEN))
		return -EBADMSG;
	if (h->host < 1 || h->host > WLBS_MAX_HOSTS || (h->flags & ~WLBS_RD_F_ALL) || h->_reserved)
		return -EBADMSG;

	memset(&rd, 0, sizeof(rd));
	rd.host = h->host;
	rd.n_rules = h->n_rules;
	rd.authenticated = have_key;
	rd.cluster_id = be32toh(h->cluster_id);
	rd.fingerprint = be32toh(h->fingerprint);
	rd.hash_seed = be32toh(h->hash_seed);
	rd.nonce = be64toh(h->nonce);
	rd.seq = be64toh(h->seq);
	for (i = 0; i < h->n_rules; i++) {
		const struct wlbs_rd_rule_wire *r = &h->rules[i];

		if (!rule_ok(r) || !name_ok(r->name))
			return -EBADMSG;
		memcpy(rd.rules[i].vip, r->vip, sizeof(r->vip));
		rd.rules[i].port_lo = be16toh(r->port_lo);
		rd.rules[i].port_hi = be16toh(r->port_hi);
		rd.rules[i].proto = r->proto;
		rd.rules[i].mode = r->mode;
		rd.rules[i].affinity = r->affinity;
		memcpy(rd.rules[i].name, r->name, WLBS_RD_NAME_LEN);
	}
	*out = rd;
	return 0;
}
