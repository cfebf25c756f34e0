// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster watcher (cluster_watch.h): one look per convergence tick at
 * what the core and the state machine report, compared with the last look.
 * It reads the core's public state (struct conv) and changes none of it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cluster_watch.h"
#include "events.h"
#include "events_table.h"
#include "wlbsd.h"

#define BIT(p) (1ull << ((p)-1))

static const char *mac_str(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static bool running_state(uint8_t s)
{
	return s == WLBS_FP_RUNNING || s == WLBS_FP_DRAINING;
}

/* The sender that counts for priority @p, alive; NULL if none (never ourselves). */
static const struct conv_peer *peer_of(const struct conv *c, unsigned int p)
{
	const struct conv_host *h = &c->hosts[p];

	if (p == c->p.self || h->winner < 0 || !h->slot[h->winner].alive)
		return NULL;
	return &h->slot[h->winner];
}

/* The other running sender of our own priority, NULL if none. */
static const struct conv_peer *dup_of_self(const struct conv *c)
{
	const struct conv_host *h = &c->hosts[c->p.self];
	int i;

	for (i = 0; i < CONV_SLOTS; i++)
		if (h->slot[i].alive && running_state(h->slot[i].hb.state))
			return &h->slot[i];
	return NULL;
}

/* Why peer @p, which was in our view, is not any more; NULL when it is not its doing. */
static const char *left_why(const struct wlbsd *d, unsigned int p, uint64_t now, char *buf,
			    size_t len)
{
	const struct cw_peer *w = &d->cw.peers[p];
	const struct conv *c = &d->conv;
	const struct conv_peer *s = peer_of(c, p);

	if (!s) {
		snprintf(buf, len, "vanished after %llu missed heartbeats",
			 (unsigned long long)((now - w->rx_ms) / c->p.period_ms));
		return "vanished";
	}
	if (!running_state(s->hb.state)) {
		snprintf(buf, len, "%s",
			 w->state == WLBS_FP_DRAINING || w->prev_state == WLBS_FP_DRAINING
			     ? "drained"
			     : "stopped");
		return buf;
	}
	if (c->duplicates & BIT(p))
		snprintf(buf, len, "excluded: duplicate host priority");
	else if (c->conflicts & BIT(p))
		snprintf(buf, len, "excluded: port rules differ");
	else if (c->damped & BIT(p))
		snprintf(buf, len, "excluded: held out for flapping");
	else if (s->hb.flags & WLBS_HB_F_EXCLUDED)
		snprintf(buf, len, "excluded: it stands down");
	else
		snprintf(buf, len, "excluded: not in the view (hosts do not all hear it)");
	return "excluded";
}

/* Our own leave: stopped, drained, or held out (and why). */
static const char *self_left_why(const struct wlbsd *d, char *buf, size_t len)
{
	uint8_t now = hs_fp_state(&d->hs);

	if (!running_state(now)) {
		snprintf(buf, len, "%s",
			 d->cw.self_state == WLBS_FP_DRAINING ? "drained" : "stopped");
		return buf;
	}
	if (d->key_mismatch)
		snprintf(buf, len, "excluded: wrong cluster key");
	else
		snprintf(buf, len, "excluded: %s", conv_excl_name(d->conv.excluded) ?: "?");
	return "excluded";
}

static void membership_events(struct wlbsd *d, uint64_t now)
{
	uint64_t self = BIT(d->cfg.priority), was = d->cw.view, is = d->members, m;
	char why[120], list[MEMBERS_STR_MAX];
	const char *status;
	unsigned int p;

	if ((is & self) && !(was & self)) {
		ev_emit(
		    WLBS_EV_HOST_JOINED, LOG_INFO,
		    &(struct ev_fields){.host = d->cfg.priority, .members = is, .status = "joined"},
		    "host %u (this host) joined the cluster: view %s", d->cfg.priority,
		    members_str(is, list, sizeof(list)));
	} else if ((is & self) && (was & self)) {
		for (m = is & ~was; m; m &= m - 1) {
			p = (unsigned int)__builtin_ctzll(m) + 1;
			ev_emit(WLBS_EV_HOST_JOINED, LOG_INFO,
				&(struct ev_fields){.host = p, .members = is, .status = "joined"},
				"host %u joined the cluster: view %s", p,
				members_str(is, list, sizeof(list)));
		}
	}
	/* Peers that left: also when we left too, if it was their doing (stopped, vanished). */
	for (m = was & ~is & ~self; m && (was & self); m &= m - 1) {
		p = (unsigned int)__builtin_ctzll(m) + 1;
		status = left_why(d, p, now, why, sizeof(why));
		if (!strcmp(status, "excluded") && !(is & self))
			continue;
		if (!strcmp(status, "vanished")) {
			d->cw.peers[p].vanished = true;
			d->cw.peers[p].vanished_nonce = d->cw.peers[p].nonce;
		}
		ev_emit(WLBS_EV_HOST_LEFT, status[0] == 'v' ? LOG_WARNING : LOG_INFO,
			&(struct ev_fields){.host = p, .members = is, .status = status},
			"host %u left the cluster: %s; view %s", p, why,
			members_str(is, list, sizeof(list)));
	}
	if ((was & self) && !(is & self)) {
		status = self_left_why(d, why, sizeof(why));
		ev_emit(WLBS_EV_HOST_LEFT, LOG_NOTICE,
			&(struct ev_fields){.host = d->cfg.priority, .status = status},
			"host %u (this host) left the cluster: %s", d->cfg.priority, why);
		d->cw.converged_logged = false;
	}
}

static void converged_event(struct wlbsd *d)
{
	uint8_t st = hs_state(&d->hs);
	bool converged = st == WLBS_HS_CONVERGED || (st == WLBS_HS_DRAINING && d->hs.converged);
	bool dflt = d->hs.is_default;
	char list[MEMBERS_STR_MAX];

	if (!converged || (d->cw.converged_logged && d->cw.conv_members == d->members &&
			   d->cw.conv_default == dflt))
		return;
	d->cw.converged_logged = true;
	d->cw.conv_members = d->members;
	d->cw.conv_default = dflt;
	ev_emit(WLBS_EV_CONVERGED, LOG_INFO,
		&(struct ev_fields){.host = d->cfg.priority,
				    .members = d->members,
				    .status = dflt ? "default" : "converged"},
		"converged%s with %d host(s): %s", dflt ? " as DEFAULT" : "",
		__builtin_popcountll(d->members), members_str(d->members, list, sizeof(list)));
}

/*
 * Two views of one cluster: a host that timed out of our view comes back
 * from the same run (it served a view of its own meanwhile), a converged host
 * serves a view that shares no host with ours, or we yield to the other side.
 */
static void partition_events(struct wlbsd *d)
{
	const struct conv *c = &d->conv;
	uint64_t other = 0, self = BIT(c->p.self);
	char a[MEMBERS_STR_MAX], b[MEMBERS_STR_MAX];
	unsigned int p;

	for (p = 1; p <= WLBS_MAX_HOSTS; p++) {
		struct cw_peer *w = &d->cw.peers[p];
		const struct conv_peer *s = peer_of(c, p);

		if (!s || !running_state(s->hb.state))
			continue;
		/* With the view it served: the whole other side, not just the first heard. */
		if (w->vanished && s->hb.nonce == w->vanished_nonce)
			other |= BIT(p) | (s->hb.view & ~d->cw.view);
		w->vanished = false;
		if ((s->hb.flags & WLBS_HB_F_CONVERGED) && (s->hb.view & BIT(p)) &&
		    (d->members & self) && !(s->hb.view & d->members))
			other |= s->hb.view;
	}
	if (c->excluded == CONV_EXCL_YIELD)
		other |= c->heard & ~d->cw.view & ~self;
	other &= ~self;
	if (other && !d->cw.partition) {
		d->cw.partition = true;
		ev_emit(
		    WLBS_EV_PARTITION, LOG_WARNING,
		    &(struct ev_fields){.host = c->p.self, .members = other, .status = "partition"},
		    "partition: host(s) %s served a view of their own while this host's view was "
		    "%s (two views, two default hosts); the larger side keeps serving",
		    members_str(other, a, sizeof(a)),
		    members_str(d->cw.view ? d->cw.view : self, b, sizeof(b)));
	}
	d->cw.other_side |= other;
	if (d->cw.partition && d->hs.converged &&
	    (d->members & d->cw.other_side) == d->cw.other_side) {
		ev_emit(WLBS_EV_PARTITION_HEALED, LOG_NOTICE,
			&(struct ev_fields){
			    .host = c->p.self, .members = d->members, .status = "healed"},
			"partition healed: one view again: %s",
			members_str(d->members, a, sizeof(a)));
		d->cw.partition = false;
		d->cw.other_side = 0;
	}
}

static void duplicate_events(struct wlbsd *d)
{
	const struct conv *c = &d->conv;
	uint64_t now = c->duplicates, m;
	char a[18], b[18];
	unsigned int p;

	for (m = now & ~d->cw.dups; m; m &= m - 1) {
		const struct conv_peer *o;
		const struct conv_host *h;

		p = (unsigned int)__builtin_ctzll(m) + 1;
		if (p == c->p.self && (o = dup_of_self(c)) != NULL) {
			ev_emit(WLBS_EV_DUP_PRIORITY, LOG_ERR,
				&(struct ev_fields){.host = p,
						    .mac = o->mac,
						    .status = c->dup_self ? "excluded" : "kept"},
				"duplicate host priority %u: this host (MAC %s) and MAC %s; %s", p,
				mac_str(c->p.self_mac, a), mac_str(o->mac, b),
				c->dup_self ? "the other started first: this host takes no traffic"
					    : "this host started first and keeps serving");
		} else if (p != c->p.self) {
			h = &c->hosts[p];
			ev_emit(
			    WLBS_EV_DUP_PRIORITY, LOG_ERR,
			    &(struct ev_fields){.host = p, .mac = h->slot[0].mac, .status = "seen"},
			    "duplicate host priority %u: MACs %s and %s both claim it; the one "
			    "that "
			    "started first counts",
			    p, mac_str(h->slot[0].mac, a), mac_str(h->slot[1].mac, b));
		}
	}
	for (m = d->cw.dups & ~now; m; m &= m - 1) {
		p = (unsigned int)__builtin_ctzll(m) + 1;
		ev_emit(WLBS_EV_CONFLICT_CLEARED, LOG_NOTICE,
			&(struct ev_fields){.host = p, .status = "duplicate-cleared"},
			"duplicate host priority %u resolved: one host claims it", p);
	}
	d->cw.dups = now;
}

/* What the next look compares with. */
static void snapshot(struct wlbsd *d)
{
	unsigned int p;

	for (p = 1; p <= WLBS_MAX_HOSTS; p++) {
		struct cw_peer *w = &d->cw.peers[p];
		const struct conv_peer *s = peer_of(&d->conv, p);

		w->alive = s != NULL;
		if (!s)
			continue;
		if (s->hb.state != w->state) {
			w->prev_state = w->state;
			w->state = s->hb.state;
		}
		w->rx_ms = s->rx_ms;
		w->nonce = s->hb.nonce;
	}
	d->cw.view = d->members;
	d->cw.self_state = hs_fp_state(&d->hs);
}

/* Query's cause while out of a view (or converging), with its detail; notes otherwise. */
static void outside_cause(struct wlbsd *d)
{
	const struct conv *c = &d->conv;
	uint64_t self = BIT(c->p.self), others = c->heard & ~self;
	const struct conv_peer *o = dup_of_self(c);
	char det[CW_DETAIL_MAX + 64], a[18], l[MEMBERS_STR_MAX];
	uint8_t cause = 0;

	det[0] = 0;
	if (d->key_mismatch) {
		cause = WLBS_CAUSE_BAD_KEY;
		snprintf(det, sizeof(det),
			 "heartbeats from %s fail authentication and no host with our key is "
			 "heard: check key_file",
			 mac_str(d->cw.last_bad_mac, a));
	} else if (c->excluded == CONV_EXCL_DUP) {
		cause = WLBS_CAUSE_DUP_ID;
		snprintf(det, sizeof(det),
			 "host priority %u is also used by MAC %s, which started first", c->p.self,
			 mac_str(c->dup_self_mac, a));
	} else if (c->excluded == CONV_EXCL_RULES) {
		cause = WLBS_CAUSE_EXCLUDED_RULES;
		if (d->cw.detail[cause][0])
			snprintf(det, sizeof(det), "%s", d->cw.detail[cause]);
		else
			snprintf(det, sizeof(det), "host(s) %s run other port rules",
				 members_str(c->conflicts, l, sizeof(l)));
	} else if (d->cw.detail[WLBS_CAUSE_VIP_CONFLICT][0] && !d->hs.converged) {
		cause = WLBS_CAUSE_VIP_CONFLICT;
		snprintf(det, sizeof(det), "%s", d->cw.detail[cause]);
	} else if (c->excluded == CONV_EXCL_DEAF) {
		cause = WLBS_CAUSE_ONE_WAY;
		snprintf(det, sizeof(det), "host(s) %s do not hear this host",
			 members_str(c->deaf, l, sizeof(l)));
	} else if (c->excluded == CONV_EXCL_YIELD) {
		cause = WLBS_CAUSE_YIELD;
	} else if (c->listening) {
		cause = WLBS_CAUSE_LISTENING;
		if (others)
			snprintf(det, sizeof(det), "hears host(s) %s",
				 members_str(others, l, sizeof(l)));
		else
			snprintf(det, sizeof(det), "hears no other host yet");
	} else if (!others && !d->hs.converged) {
		cause = WLBS_CAUSE_HEARS_NOBODY;
	} else if (c->excluded == CONV_EXCL_NOT_IN_VIEW) {
		cause = WLBS_CAUSE_NOT_IN_VIEW;
		if (c->leader)
			snprintf(det, sizeof(det), "leader host %u", c->leader);
	} else if (o && !c->dup_self) {
		/* The winner of a duplicate says so too (a note: it is converged or converging). */
		snprintf(det, sizeof(det),
			 "duplicate host priority %u: MAC %s also claims it and stands down "
			 "(this host started first)",
			 c->p.self, mac_str(o->mac, a));
	} else if (d->cw.detail[WLBS_CAUSE_EXCLUDED_RULES][0]) {
		/* The side that keeps serving says so too: its peers stand down. */
		snprintf(det, sizeof(det), "port rules differ: %s",
			 d->cw.detail[WLBS_CAUSE_EXCLUDED_RULES]);
	} else if (d->cw.detail[WLBS_CAUSE_VIP_CONFLICT][0]) {
		snprintf(det, sizeof(det), "cluster IP conflict: %s",
			 d->cw.detail[WLBS_CAUSE_VIP_CONFLICT]);
	} else if (!others && d->hs.converged) {
		snprintf(det, sizeof(det), "hears no other host");
	}
	hs_set_outside(&d->hs, cause, det);
}

void cw_update(struct wlbsd *d, uint64_t now_ms)
{
	membership_events(d, now_ms);
	converged_event(d);
	partition_events(d);
	duplicate_events(d);
	outside_cause(d);
	snapshot(d);
}

void cw_bad_auth(struct wlbsd *d, const uint8_t mac[6], int err, uint64_t now_ms)
{
	uint64_t forget = 2ull * d->cfg.heartbeat_period_ms * d->cfg.heartbeat_tolerance;
	struct cw_bad_mac *b = NULL, *oldest = &d->cw.bad[0];
	char a[18];
	int i;

	memcpy(d->cw.last_bad_mac, mac, 6);
	for (i = 0; i < CW_BAD_MACS && !b; i++) {
		if (d->cw.bad[i].last_ms && !memcmp(d->cw.bad[i].mac, mac, 6))
			b = &d->cw.bad[i];
		else if (d->cw.bad[i].last_ms < oldest->last_ms)
			oldest = &d->cw.bad[i];
	}
	/* Still failing since the last one: nothing new to say. */
	if (b && now_ms - b->last_ms <= forget) {
		b->last_ms = now_ms;
		return;
	}
	if (!b) {
		b = oldest;
		memcpy(b->mac, mac, 6);
	}
	b->last_ms = now_ms ? now_ms : 1;
	ev_emit(
	    WLBS_EV_BAD_AUTH, LOG_WARNING,
	    &(struct ev_fields){.mac = mac,
				.status = err == -EACCES ? "unauthenticated" : "bad-auth"},
	    "heartbeats from %s fail authentication (%s): dropped; check key_file on every host",
	    mac_str(mac, a),
	    err == -EACCES ? "no authenticator, this host has a key" : "wrong key");
}

void cw_set_detail(struct cw *cw, uint8_t cause, const char *detail)
{
	if (cause < WLBS_CAUSE_MAX)
		snprintf(cw->detail[cause], sizeof(cw->detail[cause]), "%s", detail ? detail : "");
}
