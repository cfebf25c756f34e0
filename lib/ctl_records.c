// SPDX-License-Identifier: GPL-2.0
/*
 * Record codec: each kind is described by a table of its multi-byte integer
 * fields (swapped to/from network byte order), its strings (must hold their
 * NUL) and its padding (must be zero), so one encoder and one decoder serve
 * every kind and a new kind is a table, not new code.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "ctl_records.h"
#include "wlbs/common.h"

/* A run of @count integers of @width bytes at @off; width 0 ends a list. */
struct span {
	uint16_t off;
	uint16_t width;
	uint16_t count;
};

struct kind_desc {
	const char *name;
	uint16_t size;
	struct span ints[24];			/* multi-byte integers */
	struct span strs[4];			/* NUL-terminated strings (width 1, count = room) */
	struct span pads[3];			/* must be zero (width 1, count = bytes) */
	int (*check)(const struct wlbs_rec *r); /* field ranges; NULL = none */
};

#define I(type, field, w, n)                                                                       \
	{                                                                                          \
		offsetof(struct type, field), w, n                                                 \
	}
#define S(type, field)                                                                             \
	{                                                                                          \
		offsetof(struct type, field), 1, sizeof(((struct type *)0)->field)                 \
	}

static int check_host(const struct wlbs_rec *r)
{
	return r->u.host.priority <= WLBS_MAX_HOSTS && r->u.host.leader <= WLBS_MAX_HOSTS &&
		       r->u.host.excluded < WLBS_CAUSE_MAX && !(r->u.host.flags & ~WLBS_HOSTF_ALL)
		   ? 0
		   : -EBADMSG;
}

static int check_params(const struct wlbs_rec *r)
{
	const struct wlbs_rec_params *p = &r->u.params;

	return p->priority <= WLBS_MAX_HOSTS && !(p->flags & ~WLBS_PARF_ALL) &&
		       p->initial_state < 3 && p->xdp_mode < 3 && p->cluster_mode < 3 &&
		       p->n_rules <= WLBS_MAX_RULES
		   ? 0
		   : -EBADMSG;
}

static int check_addr(const struct wlbs_rec *r)
{
	const struct wlbs_rec_addr *a = &r->u.addr;

	if (a->role != WLBS_ADDR_CLUSTER && a->role != WLBS_ADDR_DEDICATED)
		return -EBADMSG;
	return a->v4 > 1 || a->prefix > (a->v4 ? 32 : 128) ? -EBADMSG : 0;
}

static int check_rule(const struct wlbs_rec *r)
{
	const struct wlbs_rec_rule *u = &r->u.rule;

	return u->slot < WLBS_MAX_RULES && u->port_lo <= u->port_hi && u->mode < 3 &&
		       u->affinity < 3 && u->equal_load <= 1 && u->vip_v4 <= 1 &&
		       u->rule_state < WLBS_RS_MAX && u->proto &&
		       !(u->proto & ~(WLBS_PROTO_TCP | WLBS_PROTO_UDP))
		   ? 0
		   : -EBADMSG;
}

static int check_packets(const struct wlbs_rec *r)
{
	const struct wlbs_rec_packets *p = &r->u.packets;

	return p->slot <= WLBS_SLOT_NOT_CLUSTER && p->n_reasons <= WLBS_REC_REASONS ? 0 : -EBADMSG;
}

static int check_stats(const struct wlbs_rec *r)
{
	const struct wlbs_rec_stats *s = &r->u.stats;

	return s->n_hb_drops <= WLBS_REC_HB_DROPS && s->n_remote <= WLBS_REC_REMOTE_MAX &&
		       !(s->flags & ~(WLBS_STATF_REMOTE | WLBS_STATF_CONVOY))
		   ? 0
		   : -EBADMSG;
}

static int check_event(const struct wlbs_rec *r)
{
	return r->u.event.flags & ~WLBS_EVF_CUT || r->u.event.host > WLBS_MAX_HOSTS ? -EBADMSG : 0;
}

static int check_conflict(const struct wlbs_rec *r)
{
	const struct wlbs_rec_conflict *c = &r->u.conflict;

	return (c->type == WLBS_CONFLICT_RULES || c->type == WLBS_CONFLICT_IP) &&
		       c->host <= WLBS_MAX_HOSTS
		   ? 0
		   : -EBADMSG;
}

static int check_check(const struct wlbs_rec *r)
{
	const struct wlbs_rec_check *c = &r->u.check;

	return c->type < 3 && c->action < 3 && !(c->flags & ~WLBS_CHKF_ALL) &&
		       c->min_serving <= WLBS_MAX_HOSTS && !(c->serving & ~c->rules)
		   ? 0
		   : -EBADMSG;
}

static const struct kind_desc kinds[WLBS_REC_MAX] = {
    [WLBS_REC_HOST] = {"host",
		       sizeof(struct wlbs_rec_host),
		       {I(wlbs_rec_host, view, 8, 7), I(wlbs_rec_host, n_rules, 4, 2)},
		       {S(wlbs_rec_host, version), S(wlbs_rec_host, ifname)},
		       {S(wlbs_rec_host, _pad)},
		       check_host},
    [WLBS_REC_PARAMS] = {"params",
			 sizeof(struct wlbs_rec_params),
			 {I(wlbs_rec_params, heartbeat_period_ms, 4, 7),
			  I(wlbs_rec_params, remote_port, 2, 1)},
			 {S(wlbs_rec_params, ifname), S(wlbs_rec_params, key_file),
			  S(wlbs_rec_params, secret_file)},
			 {{offsetof(struct wlbs_rec_params, _pad), 1, 4}},
			 check_params},
    [WLBS_REC_ADDR] =
	{"addr", sizeof(struct wlbs_rec_addr), {{0}}, {{0}}, {S(wlbs_rec_addr, _pad)}, check_addr},
    [WLBS_REC_RULE] = {"rule",
		       sizeof(struct wlbs_rec_rule),
		       {I(wlbs_rec_rule, held, 8, 1), I(wlbs_rec_rule, port_lo, 2, 2)},
		       {S(wlbs_rec_rule, name)},
		       {S(wlbs_rec_rule, _pad)},
		       check_rule},
    [WLBS_REC_PACKETS] = {"packets",
			  sizeof(struct wlbs_rec_packets),
			  {I(wlbs_rec_packets, packets, 8, WLBS_REC_REASONS)},
			  {S(wlbs_rec_packets, rule)},
			  {S(wlbs_rec_packets, _pad)},
			  check_packets},
    [WLBS_REC_STATS] = {"stats",
			sizeof(struct wlbs_rec_stats),
			{I(wlbs_rec_stats, hb_sent, 8, 33), I(wlbs_rec_stats, frag_entries, 4, 4),
			 I(wlbs_rec_stats, remote_port, 2, 1)},
			{S(wlbs_rec_stats, remote_status)},
			{S(wlbs_rec_stats, _pad)},
			check_stats},
    [WLBS_REC_EVENT] = {"event",
			sizeof(struct wlbs_rec_event),
			{I(wlbs_rec_event, seq, 8, 3), I(wlbs_rec_event, rule, 4, 1),
			 I(wlbs_rec_event, kind, 2, 1)},
			{S(wlbs_rec_event, text)},
			{S(wlbs_rec_event, _pad)},
			check_event},
    [WLBS_REC_CONFLICT] = {"conflict",
			   sizeof(struct wlbs_rec_conflict),
			   {{0, 0, 0}},
			   {S(wlbs_rec_conflict, text)},
			   {S(wlbs_rec_conflict, _pad)},
			   check_conflict},
    [WLBS_REC_CHECK] = {"check",
			sizeof(struct wlbs_rec_check),
			{I(wlbs_rec_check, in_state_ms, 8, 3), I(wlbs_rec_check, fails, 4, 4)},
			{S(wlbs_rec_check, name), S(wlbs_rec_check, last_error)},
			{S(wlbs_rec_check, _pad)},
			check_check},
};

/* The integer runs above must end where the next field starts. */
_Static_assert(offsetof(struct wlbs_rec_check, last_ms) + 8 ==
		       offsetof(struct wlbs_rec_check, fails) &&
		   offsetof(struct wlbs_rec_check, serving) + 4 ==
		       offsetof(struct wlbs_rec_check, type),
	       "check ints");
_Static_assert(offsetof(struct wlbs_rec_host, held) + 8 == offsetof(struct wlbs_rec_host, n_rules),
	       "host ints");
_Static_assert(offsetof(struct wlbs_rec_params, remote_time_window_s) + 4 ==
		   offsetof(struct wlbs_rec_params, remote_port),
	       "params ints");
_Static_assert(offsetof(struct wlbs_rec_stats, members) + 8 ==
		   offsetof(struct wlbs_rec_stats, frag_entries),
	       "stats ints");
_Static_assert(offsetof(struct wlbs_rec_stats, remote_window_s) + 4 ==
		   offsetof(struct wlbs_rec_stats, remote_port),
	       "stats ints");
_Static_assert(offsetof(struct wlbs_rec_event, members) + 8 ==
		   offsetof(struct wlbs_rec_event, rule),
	       "event ints");
_Static_assert(WLBS_R_MAX <= WLBS_REC_REASONS && WLBS_HB_DROP_MAX <= WLBS_REC_HB_DROPS,
	       "record room");

static const struct kind_desc *desc_of(int kind)
{
	return kind > 0 && kind < WLBS_REC_MAX ? &kinds[kind] : NULL;
}

/* Swaps every integer of @d in @p between host and network byte order. */
static void swap_ints(const struct kind_desc *d, uint8_t *p)
{
	for (const struct span *s = d->ints; s->width; s++) {
		for (unsigned int i = 0; i < s->count; i++) {
			uint8_t *f = p + s->off + i * s->width;
			uint64_t v8;
			uint32_t v4;
			uint16_t v2;

			switch (s->width) {
			case 8:
				memcpy(&v8, f, 8);
				v8 = htobe64(v8);
				memcpy(f, &v8, 8);
				break;
			case 4:
				memcpy(&v4, f, 4);
				v4 = htobe32(v4);
				memcpy(f, &v4, 4);
				break;
			case 2:
				memcpy(&v2, f, 2);
				v2 = htobe16(v2);
				memcpy(f, &v2, 2);
				break;
			}
		}
	}
}

/* Strings hold their NUL, padding is zero, ranges hold. */
static int check_rec(const struct kind_desc *d, const struct wlbs_rec *rec)
{
	const uint8_t *p = (const uint8_t *)&rec->u;

	for (const struct span *s = d->strs; s->width; s++)
		if (!memchr(p + s->off, 0, s->count))
			return -EBADMSG;
	for (const struct span *s = d->pads; s->width; s++)
		for (unsigned int i = 0; i < s->count; i++)
			if (p[s->off + i])
				return -EBADMSG;
	return d->check ? d->check(rec) : 0;
}

size_t ctl_rec_wire_size(int kind)
{
	const struct kind_desc *d = desc_of(kind);

	return d ? sizeof(struct wlbs_rec_hdr) + d->size : 0;
}

int ctl_rec_encode(const struct wlbs_rec *rec, void *buf, size_t size)
{
	const struct kind_desc *d = desc_of(rec->kind);
	struct wlbs_rec_hdr h;
	uint8_t body[sizeof(rec->u)];

	if (!d || check_rec(d, rec))
		return -EINVAL;
	if (size < sizeof(h) + d->size)
		return -ENOSPC;
	h.kind = htobe16(rec->kind);
	h.size = htobe16(d->size);
	memcpy(body, &rec->u, d->size);
	swap_ints(d, body);
	memcpy(buf, &h, sizeof(h));
	memcpy((uint8_t *)buf + sizeof(h), body, d->size);
	return (int)(sizeof(h) + d->size);
}

int ctl_rec_decode(const void *buf, size_t len, struct wlbs_rec *rec)
{
	const struct kind_desc *d;
	struct wlbs_rec_hdr h;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	d = desc_of(be16toh(h.kind));
	if (!d || be16toh(h.size) != d->size || len < sizeof(h) + d->size)
		return -EBADMSG;
	memset(rec, 0, sizeof(*rec));
	rec->kind = be16toh(h.kind);
	memcpy(&rec->u, (const uint8_t *)buf + sizeof(h), d->size);
	swap_ints(d, (uint8_t *)&rec->u);
	if (check_rec(d, rec)) {
		memset(rec, 0, sizeof(*rec));
		return -EBADMSG;
	}
	return (int)(sizeof(h) + d->size);
}

int ctl_recs_check(const void *body, size_t len, unsigned int count)
{
	struct wlbs_rec rec;
	size_t off = 0;

	for (unsigned int i = 0; i < count; i++) {
		int n = ctl_rec_decode((const uint8_t *)body + off, len - off, &rec);

		if (n < 0)
			return n;
		off += (size_t)n;
	}
	return off == len ? 0 : -EBADMSG;
}

int ctl_rec_next(const struct wlbs_ctl_response *resp, size_t *off, struct wlbs_rec *rec)
{
	int n;

	if (*off >= resp->body_len)
		return 0;
	n = ctl_rec_decode(resp->body + *off, resp->body_len - *off, rec);
	if (n < 0)
		return 0; /* checked at decoding: cannot happen on a decoded response */
	*off += (size_t)n;
	return 1;
}

void ctl_pager_init(struct ctl_pager *pg, struct wlbs_ctl_response *resp, uint16_t from)
{
	memset(pg, 0, sizeof(*pg));
	pg->resp = resp;
	pg->from = from;
	resp->count = resp->total = resp->next = 0;
	resp->body_len = 0;
}

void ctl_pager_add(struct ctl_pager *pg, const struct wlbs_rec *rec)
{
	struct wlbs_ctl_response *r = pg->resp;
	size_t room = WLBS_CTL_BODY_MAX - r->text_len - r->body_len;
	int n;

	if (pg->seen++ < pg->from || pg->full)
		return;
	n = ctl_rec_encode(rec, r->body + r->body_len, room);
	if (n == -ENOSPC && r->count) {
		/* The next page starts here; always at least one record per page. */
		pg->full = 1;
		r->next = (uint16_t)(pg->seen - 1);
		return;
	}
	if (n < 0) {
		if (!pg->err)
			pg->err = n == -ENOSPC ? -E2BIG : n;
		return;
	}
	r->body_len += (uint16_t)n;
	r->count++;
}

int ctl_pager_done(struct ctl_pager *pg)
{
	if (pg->err)
		return pg->err;
	if (pg->seen > UINT16_MAX)
		return -E2BIG;
	pg->resp->total = (uint16_t)pg->seen;
	return 0;
}

static const char *const reason_names[WLBS_R_MAX] = {
    [WLBS_R_NOT_CLUSTER] = "not-cluster",
    [WLBS_R_HEARTBEAT] = "heartbeat",
    [WLBS_R_OWNED] = "owned",
    [WLBS_R_HELD] = "held",
    [WLBS_R_DEFAULT] = "default",
    [WLBS_R_FRAG_PASS] = "frag-pass",
    [WLBS_R_NOT_OWNER] = "not-owner",
    [WLBS_R_DIRTY] = "dirty",
    [WLBS_R_STOPPED] = "stopped",
    [WLBS_R_STALE] = "stale",
    [WLBS_R_RULE_DISABLED] = "rule-disabled",
    [WLBS_R_NOT_DEFAULT] = "not-default",
    [WLBS_R_FRAG_DROP] = "frag-drop",
    [WLBS_R_MALFORMED] = "malformed",
    [WLBS_R_ARP_REPLY] = "arp-reply",
    [WLBS_R_ARP_DROP] = "arp-drop",
    [WLBS_R_ND_REPLY] = "nd-reply",
    [WLBS_R_ND_DROP] = "nd-drop",
    [WLBS_R_CONTROL] = "control",
    [WLBS_R_FRAG_EARLY] = "frag-early",
    [WLBS_R_NEIGH_PASS] = "neigh-pass",
    [WLBS_R_FOREIGN_SYNACK] = "foreign-synack",
    [WLBS_R_HAIRPIN] = "hairpin",
};

static const char *const hb_drop_names[WLBS_HB_DROP_MAX] = {
    [WLBS_HB_DROP_MALFORMED] = "malformed",   [WLBS_HB_DROP_VERSION] = "version",
    [WLBS_HB_DROP_FOREIGN] = "foreign",	      [WLBS_HB_DROP_UNAUTH] = "unauthenticated",
    [WLBS_HB_DROP_BADAUTH] = "bad-auth",      [WLBS_HB_DROP_STALE] = "stale",
    [WLBS_HB_DROP_QUEUE_FULL] = "queue-full",
};

#define NAME_OF(tab, i) ((i) >= 0 && (size_t)(i) < sizeof(tab) / sizeof(tab[0]) ? tab[i] : NULL)

const char *ctl_rec_kind_name(int kind)
{
	const struct kind_desc *d = desc_of(kind);

	return d ? d->name : NULL;
}

const char *ctl_reason_name(int reason)
{
	return NAME_OF(reason_names, reason);
}

int ctl_reason_accepted(int r)
{
	return r == WLBS_R_OWNED || r == WLBS_R_HELD || r == WLBS_R_DEFAULT ||
	       r == WLBS_R_FRAG_PASS || r == WLBS_R_ARP_REPLY || r == WLBS_R_ND_REPLY ||
	       r == WLBS_R_CONTROL || r == WLBS_R_FRAG_EARLY || r == WLBS_R_NEIGH_PASS;
}

const char *ctl_hb_drop_name(int drop)
{
	return NAME_OF(hb_drop_names, drop);
}
