// SPDX-License-Identifier: GPL-2.0
/*
 * The records of display, params, stats and queryport answers
 * (wlbs/control_records.h): every answer is emitted whole, in the same order
 * each time, into a pager that keeps the page the request asked for. The
 * CLI renders text, JSON and OpenMetrics from them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl/answers.h"
#include "ctl/remote_server.h"
#include "ctl_codec.h"
#include "ctl_records.h"
#include "events.h"
#include "lifecycle.h"
#include "net/hbio.h"
#include "wlbsd.h"

_Static_assert((int)MB_DROP_MALFORMED == (int)WLBS_HB_DROP_MALFORMED &&
		   (int)MB_DROP_STALE == (int)WLBS_HB_DROP_STALE &&
		   (int)MB_DROP_MAX == (int)WLBS_HB_DROP_QUEUE_FULL,
	       "heartbeat drop reasons are the wire's");

/* Copies what fits with its NUL (the record fields are as long as the config's). */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

/* The convergence core's exclusion as the protocol's cause (query names the same). */
static uint8_t excl_cause(uint8_t excl)
{
	switch (excl) {
	case CONV_EXCL_DUP:
		return WLBS_CAUSE_DUP_ID;
	case CONV_EXCL_RULES:
		return WLBS_CAUSE_EXCLUDED_RULES;
	case CONV_EXCL_DEAF:
		return WLBS_CAUSE_ONE_WAY;
	case CONV_EXCL_NOT_IN_VIEW:
		return WLBS_CAUSE_NOT_IN_VIEW;
	case CONV_EXCL_YIELD:
		return WLBS_CAUSE_YIELD;
	default:
		return WLBS_CAUSE_NONE; /* not excluded, or stopped (the state says so) */
	}
}

static void emit_host(const struct wlbsd *d, struct ctl_pager *pg)
{
	struct wlbs_rec rec = {.kind = WLBS_REC_HOST};
	struct wlbs_rec_host *h = &rec.u.host;
	struct conv_report r;

	conv_report(&d->conv, &r);
	copy_str(h->version, sizeof(h->version), WLBSD_VERSION);
	copy_str(h->ifname, sizeof(h->ifname), d->fp.ifname);
	h->view = conv_view(&d->conv);
	h->heard = r.heard;
	h->conflicts = r.conflicts;
	h->duplicates = r.duplicates;
	h->damped = r.damped;
	h->deaf = r.deaf;
	h->held = d->held;
	h->n_rules = d->tables.n_rules;
	h->n_events = (uint32_t)ev_last_seq();
	h->priority = (uint8_t)d->cfg.priority;
	h->leader = r.leader;
	h->excluded = excl_cause(r.excluded);
	h->flags = (d->hb_key.set ? WLBS_HOSTF_KEY_SET : 0) |
		   (d->key_mismatch ? WLBS_HOSTF_KEY_MISMATCH : 0) |
		   (d->fp.native ? WLBS_HOSTF_NATIVE : 0) |
		   (d->fp.adopted ? WLBS_HOSTF_ADOPTED : 0) |
		   (conv_converged(&d->conv) ? WLBS_HOSTF_CONVERGED : 0) |
		   (hs_from_persisted(&d->hs) ? WLBS_HOSTF_PERSISTED : 0);
	ctl_pager_add(pg, &rec);
}

static void emit_params(const struct wlbsd *d, struct ctl_pager *pg)
{
	const struct wlbs_config *c = &d->cfg;
	struct wlbs_rec rec = {.kind = WLBS_REC_PARAMS};
	struct wlbs_rec_params *p = &rec.u.params;

	copy_str(p->ifname, sizeof(p->ifname), c->ifname);
	copy_str(p->key_file, sizeof(p->key_file), c->key_file);
	copy_str(p->secret_file, sizeof(p->secret_file), c->remote.secret_file);
	p->heartbeat_period_ms = c->heartbeat_period_ms;
	p->heartbeat_tolerance = c->heartbeat_tolerance;
	/* docs/convergence.md: a silent host is declared gone within T*K + T/2. */
	p->detection_ms =
	    c->heartbeat_period_ms * c->heartbeat_tolerance + c->heartbeat_period_ms / 2;
	p->cleanup_delay_ms = c->cleanup_delay_ms;
	p->hash_seed = c->hash_seed;
	p->remote_rate_limit = c->remote.rate_limit;
	p->remote_time_window_s = c->remote.time_window_s;
	p->remote_port = c->remote.port;
	p->priority = (uint8_t)c->priority;
	p->cluster_mode = (uint8_t)c->cluster_mode;
	p->initial_state = (uint8_t)c->initial_state;
	p->xdp_mode = (uint8_t)c->xdp_mode;
	p->flags = (c->persist_state ? WLBS_PARF_PERSIST : 0) |
		   (c->hash_seed_set ? WLBS_PARF_SEED_SET : 0) |
		   (c->cluster_mac_set ? WLBS_PARF_MAC_SET : 0) |
		   (c->remote.enabled ? WLBS_PARF_REMOTE : 0) |
		   (c->remote.convoy_port ? WLBS_PARF_CONVOY : 0);
	if (cfg_cluster_mac(c, p->cluster_mac) == 0)
		p->flags |= WLBS_PARF_MAC_VALID;
	p->n_vips = (uint8_t)c->n_vips;
	p->n_dips = (uint8_t)c->n_dips;
	p->n_rules = (uint8_t)d->tables.n_rules;
	ctl_pager_add(pg, &rec);
}

static void emit_addr(struct ctl_pager *pg, const struct cfg_addr *a, uint8_t role)
{
	struct wlbs_rec rec = {.kind = WLBS_REC_ADDR};

	memcpy(rec.u.addr.addr, &a->addr, 16);
	rec.u.addr.role = role;
	rec.u.addr.v4 = a->v4;
	rec.u.addr.prefix = a->prefix;
	ctl_pager_add(pg, &rec);
}

static void emit_vips(const struct wlbsd *d, struct ctl_pager *pg)
{
	for (int i = 0; i < d->cfg.n_vips; i++)
		emit_addr(pg, &d->cfg.vips[i], WLBS_ADDR_CLUSTER);
}

/* Every answer names its host by its dedicated IPs too (the JSON "dedicated_ips"). */
static void emit_dips(const struct wlbsd *d, struct ctl_pager *pg)
{
	for (int i = 0; i < d->cfg.n_dips; i++)
		emit_addr(pg, &d->cfg.dips[i], WLBS_ADDR_DEDICATED);
}

/* Connections this host holds in rule table index @slot (per-bucket counts). */
static int64_t rule_held(const struct wlbsd *d, unsigned int slot)
{
	int64_t n = 0;

	if (!d->fp.conns)
		return 0;
	for (unsigned int b = 0; b < WLBS_BUCKETS; b++)
		n += d->fp.conns[wlbs_conn_slot(slot, b)];
	return n;
}

static uint8_t rule_state(const struct hs_rule *r)
{
	if (r->mode == WLBS_MODE_DISABLED || (r->flags & WLBS_RULE_F_OFF))
		return WLBS_RS_DISABLED;
	return r->flags & WLBS_RULE_F_DRAIN ? WLBS_RS_DRAINING : WLBS_RS_ENABLED;
}

/* The rules of table indexes in @mask, in table order. */
static void emit_rules(const struct wlbsd *d, struct ctl_pager *pg, uint32_t mask)
{
	for (unsigned int i = 0; i < d->tables.n_rules; i++) {
		const struct cfg_rule *r = &d->cfg.rules[d->order[i]];
		struct wlbs_rec rec = {.kind = WLBS_REC_RULE};
		struct wlbs_rec_rule *u = &rec.u.rule;

		if (!(mask & (1u << i)))
			continue;
		copy_str(u->name, sizeof(u->name), r->name);
		if (r->vip != CFG_VIP_ALL) {
			memcpy(u->vip, &d->cfg.vips[r->vip].addr, 16);
			u->vip_v4 = d->cfg.vips[r->vip].v4;
		}
		u->held = rule_held(d, i);
		u->port_lo = r->port_lo;
		u->port_hi = r->port_hi;
		u->slot = (uint8_t)i;
		u->proto = r->proto;
		u->mode = r->mode;
		u->affinity = r->affinity;
		u->equal_load = r->equal_load;
		u->load_weight = r->load_weight;
		u->handling_priority = r->handling_priority;
		u->rule_state = i < d->hs.n_rules ? rule_state(&d->hs.rules[i]) : WLBS_RS_NONE;
		ctl_pager_add(pg, &rec);
	}
}

/* Packet counters of the rules in @mask, then (@others) of "no rule" and "not cluster". */
static void emit_packets(const struct wlbsd *d, struct ctl_pager *pg, uint32_t mask, bool others)
{
	for (unsigned int i = 0; i < WLBS_STATS_SLOTS; i++) {
		struct wlbs_rec rec = {.kind = WLBS_REC_PACKETS};
		struct wlbs_rec_packets *p = &rec.u.packets;
		struct wlbs_stats st;

		if (i < WLBS_MAX_RULES && (i >= d->tables.n_rules || !(mask & (1u << i))))
			continue;
		if (i >= WLBS_MAX_RULES && !others)
			continue;
		if (!d->fp.skel || fp_read_stats(&d->fp, i, &st))
			memset(&st, 0, sizeof(st));
		if (i < WLBS_MAX_RULES)
			copy_str(p->rule, sizeof(p->rule), d->cfg.rules[d->order[i]].name);
		p->slot = (uint8_t)i;
		p->n_reasons = WLBS_R_MAX;
		memcpy(p->packets, st.packets, sizeof(st.packets));
		ctl_pager_add(pg, &rec);
	}
}

static void emit_stats(const struct wlbsd *d, struct ctl_pager *pg)
{
	struct wlbs_rec rec = {.kind = WLBS_REC_STATS};
	struct wlbs_rec_stats *s = &rec.u.stats;

	s->hb_sent = d->hb_sent + (d->hbio ? hbio_sent(d->hbio) : 0);
	s->hb_received = d->hb_rx;
	for (int i = 0; i < MB_DROP_MAX; i++)
		s->hb_dropped[i] = d->hb_drops[i];
	s->hb_dropped[WLBS_HB_DROP_QUEUE_FULL] = d->hbio ? hbio_overflows(d->hbio) : 0;
	s->n_hb_drops = WLBS_HB_DROP_MAX;
	remote_stats(d->remote, s);
	s->convergences = d->convergences;
	s->convergence_last_us = d->conv_last_ms * 1000;
	s->members = d->members;
	if (d->fp.skel)
		fp_frag_count(&d->fp, &s->frag_entries, &s->frag_max);
	ctl_pager_add(pg, &rec);
}

static void emit_events(struct ctl_pager *pg)
{
	uint64_t last = ev_last_seq();

	for (uint64_t seq = last > EV_RING ? last - EV_RING + 1 : 1; seq && seq <= last; seq++) {
		const struct ev_record *ev = ev_get(seq);
		struct wlbs_rec rec = {.kind = WLBS_REC_EVENT};
		struct wlbs_rec_event *e = &rec.u.event;

		if (!ev)
			continue;
		e->seq = ev->seq;
		e->when = (int64_t)ev->when;
		e->members = ev->members;
		e->rule = ev->rule;
		e->kind = ev->kind;
		e->prio = ev->prio;
		e->host = ev->host;
		/* Never silently cut: the record says so when the text did not fit. */
		if (ev->text && strlen(ev->text) >= sizeof(e->text))
			e->flags |= WLBS_EVF_CUT;
		copy_str(e->text, sizeof(e->text), ev->text);
		ctl_pager_add(pg, &rec);
	}
}

_Static_assert(RD_DIFF_MAX <= WLBS_REC_EVENT_TEXT && VC_TEXT_MAX <= WLBS_REC_EVENT_TEXT,
	       "conflict texts fit their record whole");

/* Conflicts standing now (the events say when they began). */
static void emit_conflicts(const struct wlbsd *d, struct ctl_pager *pg)
{
	struct wlbs_rec rec = {.kind = WLBS_REC_CONFLICT};
	struct wlbs_rec_conflict *c = &rec.u.conflict;
	unsigned int i;

	for (i = 0; i < WLBS_MAX_HOSTS; i++) {
		if (!d->rw.peers[i].reported)
			continue;
		c->type = WLBS_CONFLICT_RULES;
		c->host = (uint8_t)(i + 1);
		copy_str(c->text, sizeof(c->text), d->rw.peers[i].text);
		ctl_pager_add(pg, &rec);
	}
	for (i = 0; i < WLBS_MAX_VIPS; i++) {
		if (!d->vc.s[i].active)
			continue;
		c->type = WLBS_CONFLICT_IP;
		c->host = 0;
		copy_str(c->text, sizeof(c->text), d->vc.s[i].text);
		ctl_pager_add(pg, &rec);
	}
}

/* Config rules (bit = config index) min_serving keeps this host serving. */
static uint32_t serving_cfg_rules(const struct wlbsd *d)
{
	uint32_t m = 0;

	for (unsigned int i = 0; i < d->tables.n_rules; i++)
		if ((d->serving_anyway >> i & 1) && d->order[i] < 32)
			m |= 1u << d->order[i];
	return m;
}

/* One record per health check, in configuration order. */
static void emit_checks(const struct wlbsd *d, struct ctl_pager *pg)
{
	uint32_t serving = serving_cfg_rules(d);
	const struct health_check_state *s;
	uint64_t now = hbio_now_ms();

	for (unsigned int i = 0; (s = health_get(&d->health, i)); i++) {
		struct wlbs_rec rec = {.kind = WLBS_REC_CHECK};
		struct wlbs_rec_check *c = &rec.u.check;

		copy_str(c->name, sizeof(c->name), s->name);
		c->in_state_ms = now > s->since_ms ? now - s->since_ms : 0;
		c->transitions = s->transitions;
		c->last_ms = s->last_ms;
		c->fails = s->fails;
		c->successes = s->successes;
		c->rules = s->rules_mask;
		c->serving = s->healthy ? 0 : s->rules_mask & serving;
		c->type = s->type;
		c->action = s->action;
		c->flags = (s->healthy ? WLBS_CHKF_HEALTHY : 0) |
			   (s->ever_ran ? WLBS_CHKF_RAN : 0) | (c->serving ? WLBS_CHKF_SERVING : 0);
		c->min_serving = conv_min_serving(&d->conv);
		copy_str(c->last_error, sizeof(c->last_error), s->last_error);
		ctl_pager_add(pg, &rec);
	}
}

/* " Rules: web, api" of a config rule mask. */
static void append_rule_names(const struct wlbsd *d, struct wlbs_ctl_response *resp, uint32_t mask)
{
	const char *sep = "";

	for (int i = 0; i < d->cfg.n_rules && i < 32; i++)
		if (mask >> i & 1) {
			ctl_resp_append(resp, "%s%s", sep, d->cfg.rules[i].name);
			sep = ", ";
		}
}

void answer_query_checks(const struct wlbsd *d, struct wlbs_ctl_response *resp)
{
	uint32_t serving = serving_cfg_rules(d);
	const struct health_check_state *s;

	for (unsigned int i = 0; (s = health_get(&d->health, i)); i++) {
		if (s->healthy)
			continue;
		ctl_resp_append(resp, " Check %s %s%s%s (rules: ", s->name,
				s->ever_ran ? "failing" : "not run yet",
				s->last_error[0] ? ": " : "", s->last_error);
		append_rule_names(d, resp, s->rules_mask);
		ctl_resp_append(resp, ")");
		if (s->rules_mask & serving) {
			ctl_resp_append(resp, "; keeping rule(s) ");
			append_rule_names(d, resp, s->rules_mask & serving);
			ctl_resp_append(resp, " served: min_serving %u",
					conv_min_serving(&d->conv));
		}
		ctl_resp_append(resp, ".");
	}
}

int answer_records(struct wlbsd *d, const struct wlbs_ctl_request *req,
		   struct wlbs_ctl_response *resp)
{
	uint32_t all = d->tables.n_rules >= 32 ? ~0u : (1u << d->tables.n_rules) - 1;
	struct ctl_pager pg;

	ctl_pager_init(&pg, resp, req->index);
	emit_dips(d, &pg);
	switch (req->command) {
	case WLBS_CMD_QUERY:
		emit_checks(d, &pg);
		break;
	case WLBS_CMD_DISPLAY:
		emit_host(d, &pg);
		emit_conflicts(d, &pg);
		emit_checks(d, &pg);
		emit_params(d, &pg);
		emit_vips(d, &pg);
		emit_rules(d, &pg, all);
		emit_stats(d, &pg);
		emit_packets(d, &pg, all, true);
		emit_events(&pg);
		break;
	case WLBS_CMD_PARAMS:
		emit_params(d, &pg);
		emit_vips(d, &pg);
		emit_rules(d, &pg, all);
		break;
	case WLBS_CMD_STATS:
		emit_stats(d, &pg);
		emit_checks(d, &pg);
		emit_rules(d, &pg, all);
		emit_packets(d, &pg, all, true);
		break;
	case WLBS_CMD_QUERYPORT: {
		uint32_t mask = hs_target_rules(&d->hs, req);

		emit_rules(d, &pg, mask);
		emit_packets(d, &pg, mask, false);
		break;
	}
	default:
		break;
	}
	if (req->index && req->index >= pg.seen)
		return -ERANGE;
	return ctl_pager_done(&pg);
}
