// SPDX-License-Identifier: GPL-2.0
/* Which rule differs between two hosts, and how; rules_diff.h has the format. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/rules_diff.h"

static const char *mode_name(unsigned int m)
{
	static const char *const n[] = {"multiple", "single", "disabled"};

	return m < 3 ? n[m] : "?";
}

static const char *aff_name(unsigned int a)
{
	static const char *const n[] = {"none", "single", "classc"};

	return a < 3 ? n[a] : "?";
}

static const char *proto_name(unsigned int p)
{
	return p == WLBS_PROTO_TCP ? "tcp" : p == WLBS_PROTO_UDP ? "udp" : "both";
}

static bool vip_all(const uint32_t v[4])
{
	return (v[0] & v[1] & v[2] & v[3]) == 0xffffffffu;
}

static void vip_str(const uint32_t v[4], char *buf, size_t len)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (vip_all(v))
		snprintf(buf, len, "all");
	else if (!memcmp(v, mapped, sizeof(mapped)))
		inet_ntop(AF_INET, &v[3], buf, len);
	else
		inet_ntop(AF_INET6, v, buf, len);
}

void rd_rule_str(const struct wlbs_rd_rule *r, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	vip_str(r->vip, ip, sizeof(ip));
	snprintf(buf, len, "%s %u-%u/%s", ip, r->port_lo, r->port_hi, proto_name(r->proto));
}

/* Appends to a bounded text; a text that does not fit ends in "...". */
struct out {
	char *buf;
	size_t len, used;
	int n;
	int first; /* local table index of the first rule named, -1 = none */
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (o->used + 1 >= o->len)
		return;
	va_start(ap, fmt);
	w = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	if ((size_t)w >= o->len - o->used) {
		o->used = o->len - 1;
		if (o->len >= 4)
			memcpy(o->buf + o->len - 4, "...", 4);
		return;
	}
	o->used += (size_t)w;
}

static void next_item(struct out *o)
{
	if (o->n++)
		put(o, "; ");
}

static void rule_head(struct out *o, const struct wlbs_rd_rule *r, int idx)
{
	char s[80];

	if (o->first < 0)
		o->first = idx;
	rd_rule_str(r, s, sizeof(s));
	next_item(o);
	put(o, "rule %s (%s): ", r->name[0] ? r->name : "(unnamed)", s);
}

/* One field that differs in a pair of rules: the first names the host, the rest follow. */
static void field(struct out *o, bool *first, unsigned int host, const char *what,
		  const char *theirs, const char *ours)
{
	if (*first)
		put(o, "host %u has %s %s, this host %s", host, what, theirs, ours);
	else
		put(o, ", %s %s, this host %s", what, theirs, ours);
	*first = false;
}

static void compare(struct out *o, unsigned int host, const struct wlbs_rd_rule *l, int idx,
		    const struct wlbs_rd_rule *p)
{
	char a[INET6_ADDRSTRLEN + 16], b[INET6_ADDRSTRLEN + 16];
	bool first = true;

	if (!memcmp(l->vip, p->vip, sizeof(l->vip)) && l->port_lo == p->port_lo &&
	    l->port_hi == p->port_hi && l->proto == p->proto && l->mode == p->mode &&
	    l->affinity == p->affinity)
		return;
	rule_head(o, l, idx);
	if (memcmp(l->vip, p->vip, sizeof(l->vip))) {
		vip_str(p->vip, a, sizeof(a));
		vip_str(l->vip, b, sizeof(b));
		field(o, &first, host, "cluster IP", a, b);
	}
	if (l->port_lo != p->port_lo || l->port_hi != p->port_hi) {
		snprintf(a, sizeof(a), "%u-%u", p->port_lo, p->port_hi);
		snprintf(b, sizeof(b), "%u-%u", l->port_lo, l->port_hi);
		field(o, &first, host, "ports", a, b);
	}
	if (l->proto != p->proto)
		field(o, &first, host, "protocol", proto_name(p->proto), proto_name(l->proto));
	if (l->mode != p->mode)
		field(o, &first, host, "mode", mode_name(p->mode), mode_name(l->mode));
	if (l->affinity != p->affinity)
		field(o, &first, host, "affinity", aff_name(p->affinity), aff_name(l->affinity));
}

static bool overlaps(const struct wlbs_rd_rule *a, const struct wlbs_rd_rule *b)
{
	return !memcmp(a->vip, b->vip, sizeof(a->vip)) && a->port_lo <= b->port_hi &&
	       b->port_lo <= a->port_hi;
}

int rd_diff(const struct wlbs_rd *local, const struct wlbs_rd *peer, char *buf, size_t len,
	    int *first)
{
	int pair[WLBS_MAX_RULES], i, j, nl = local->n_rules, np = peer->n_rules;
	bool taken[WLBS_MAX_RULES] = {false};
	struct out o = {.buf = buf, .len = len, .first = -1};
	char s[80];

	if (len)
		buf[0] = '\0';
	nl = nl > WLBS_MAX_RULES ? WLBS_MAX_RULES : nl;
	np = np > WLBS_MAX_RULES ? WLBS_MAX_RULES : np;
	/* Names first: they are what the operator calls a rule. */
	for (i = 0; i < nl; i++) {
		pair[i] = -1;
		for (j = 0; j < np && local->rules[i].name[0]; j++)
			if (!taken[j] && !strcmp(local->rules[i].name, peer->rules[j].name)) {
				pair[i] = j;
				taken[j] = true;
				break;
			}
	}
	/* Renamed rules: the same cluster IP and an overlapping range. */
	for (i = 0; i < nl; i++)
		for (j = 0; j < np && pair[i] < 0; j++)
			if (!taken[j] && overlaps(&local->rules[i], &peer->rules[j])) {
				pair[i] = j;
				taken[j] = true;
			}
	for (i = 0; i < nl; i++) {
		if (pair[i] < 0) {
			rule_head(&o, &local->rules[i], i);
			put(&o, "missing on host %u", peer->host);
		} else {
			compare(&o, peer->host, &local->rules[i], i, &peer->rules[pair[i]]);
		}
	}
	for (j = 0; j < np; j++) {
		if (taken[j])
			continue;
		rd_rule_str(&peer->rules[j], s, sizeof(s));
		next_item(&o);
		put(&o, "host %u has rule %s (%s) that this host lacks", peer->host,
		    peer->rules[j].name[0] ? peer->rules[j].name : "(unnamed)", s);
	}
	if (!o.n && local->hash_seed != peer->hash_seed) {
		next_item(&o);
		put(&o, "host %u has hash seed 0x%08x, this host 0x%08x", peer->host,
		    peer->hash_seed, local->hash_seed);
	}
	if (first)
		*first = o.first;
	return o.n;
}
