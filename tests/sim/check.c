// SPDX-License-Identifier: GPL-2.0
/*
 * The properties, checked after every event that can change them.
 *
 * SAFETY: no two alive hosts accept one bucket of a rule (or are both the
 * default host) at the same instant, unless the pair is cut: at some point
 * neither heard the other for the fence time G (a frame counts as of when it
 * was sent), and they have not yet heard each other again in both
 * directions. Such a pair cannot tell a crash from a partition: each side
 * rightly serves alone (a real partition splits the clients too). One-way
 * loss never excuses: as long as one direction works, the pair must stay
 * disjoint. A frame that waited out a stall of its receiver (queued, read at
 * the end) does not count as hearing again: it is older than the silence,
 * and may look new to the receiver.
 *
 * AGREEMENT: when every alive running host is a converged member of one view
 * with one digest, they hold the same map, every bucket of a rule some member
 * takes has exactly one owner in the view, and the default host is the lowest
 * running member. Once no gains are pending, every such bucket is accepted by
 * exactly one host.
 *
 * MIN_SERVING: in such an agreed map, a member whose check fails for a rule
 * owns none of it, unless fewer than min_serving (the largest any member
 * has) healthy running members would serve it: then exactly as many of the
 * unhealthy ones as make up the difference serve, the lowest priorities
 * (single host: the best handling priority). Draining members never count.
 *
 * LIVENESS (main.c measures it): after the final heal, every alive running
 * host settles: a converged member with gains applied, all members in one
 * view, or excluded for a reason that stays (a member does not hear it:
 * one-way loss, or a duplicate priority); within T*K + 4T with hosts held
 * down for flapping left out, and within T*K + 4T + H with them in (H: the
 * first hold-down, which is how long a held host must be heard without a
 * break to be let back).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/bucketmap.h"
#include "sim.h"

void sim_fail(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (s->failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(s->failure, sizeof(s->failure), fmt, ap);
	va_end(ap);
	s->stop = true;
	s->st.violations++;
	sim_tracef(s, "FAIL %s", s->failure);
	sim_dump(s);
}

void sim_dump(struct sim *s)
{
	struct conv_report r;
	int i;

	for (i = 0; i < s->n && s->trace; i++) {
		const struct sim_host *h = &s->h[i];

		if (!h->alive) {
			sim_tracef(s, "  host %u: down", h->prio);
			continue;
		}
		conv_report(h->c, &r);
		sim_tracef(
		    s,
		    "  host %u: state %u %s view %#llx heard %#llx leader %u excl %s "
		    "gains %s deaf %#llx damped %#llx dup %#llx conflicts %#llx",
		    h->prio, h->local.state, conv_converged(h->c) ? "converged" : "converging",
		    (unsigned long long)conv_view(h->c), (unsigned long long)r.heard, r.leader,
		    conv_excl_name(r.excluded), r.gains_pending ? "pending" : "done",
		    (unsigned long long)r.deaf, (unsigned long long)r.damped,
		    (unsigned long long)r.duplicates, (unsigned long long)r.conflicts);
	}
}

static bool pair_cut(const struct sim *s, int i, int j)
{
	uint64_t last = s->lastd[i][j] > s->lastd[j][i] ? s->lastd[i][j] : s->lastd[j][i];
	int a = i < j ? i : j, b = i < j ? j : i;

	return s->cut_mark[a][b] || s->now - last >= s->fence;
}

static void overlap(struct sim *s, int slot, unsigned int bucket, uint64_t mask)
{
	int i, j;

	for (i = 0; i < s->n; i++)
		for (j = i + 1; j < s->n; j++)
			if ((mask >> i & 1) && (mask >> j & 1) && !pair_cut(s, i, j)) {
				if (slot == SIM_DEFAULT_SLOT)
					sim_fail(
					    s, "SAFETY: hosts %u and %u are both the default host",
					    s->h[i].prio, s->h[j].prio);
				else
					sim_fail(
					    s,
					    "SAFETY: hosts %u and %u both accept rule %d bucket %u",
					    s->h[i].prio, s->h[j].prio, slot, bucket);
				return;
			}
}

void check_reset(struct sim *s)
{
	memset(s->own, 0, sizeof(s->own));
	s->track = false;
}

static void sample(struct sim_samples *v, uint64_t ms)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 4096;
		uint32_t *p = realloc(v->v, cap * sizeof(*p));

		if (!p)
			return;
		v->v = p;
		v->cap = cap;
	}
	v->v[v->n++] = (uint32_t)ms;
}

/* Bucket @b of rule @r went from accepted by @before to @after (host bit masks). */
static void track(struct sim *s, unsigned int r, unsigned int b, uint64_t before, uint64_t after)
{
	bool two_before = before & (before - 1), two_after = after & (after - 1);

	if (before && !after)
		s->gap_since[r][b] = s->now + 1; /* + 1: 0 means owned */
	else if (!before && after && s->gap_since[r][b]) {
		sample(&s->gaps, s->now + 1 - s->gap_since[r][b]);
		s->gap_since[r][b] = 0;
	}
	if (!two_before && two_after)
		s->ovl_since[r][b] = s->now + 1;
	else if (two_before && !two_after && s->ovl_since[r][b]) {
		sample(&s->overlaps, s->now + 1 - s->ovl_since[r][b]);
		s->ovl_since[r][b] = 0;
	}
}

void check_track_start(struct sim *s)
{
	unsigned int r, b;

	memset(s->gap_since, 0, sizeof(s->gap_since));
	memset(s->ovl_since, 0, sizeof(s->ovl_since));
	for (r = 0; r < s->n_rules; r++)
		for (b = 0; b < WLBS_BUCKETS; b++)
			if (s->own[r][b] & (s->own[r][b] - 1))
				s->ovl_since[r][b] = s->now + 1;
	s->track = true;
}

void check_track_stop(struct sim *s)
{
	unsigned int r, b;

	for (r = 0; r < s->n_rules && s->track; r++)
		for (b = 0; b < WLBS_BUCKETS; b++) {
			if (s->gap_since[r][b])
				sample(&s->gaps, s->now + 1 - s->gap_since[r][b]);
			if (s->ovl_since[r][b])
				sample(&s->overlaps, s->now + 1 - s->ovl_since[r][b]);
		}
	s->track = false;
}

void check_host(struct sim *s, int i)
{
	struct sim_host *h = &s->h[i];
	uint64_t bit = 1ull << i;
	const bool alive = h->alive, was_alive = h->seen_alive;
	uint8_t(*seen)[WLBS_BUCKETS] = h->seen;
	const uint8_t prio = h->prio;
	unsigned int r, b;
	bool acc;

	if (h->alive && h->c && conv_changed(h->c) == h->seen_changed)
		return;
	s->agree_dirty = true;
	if (h->alive)
		h->seen_changed = conv_changed(h->c);
	for (r = 0; r < s->n_rules; r++) {
		const uint8_t *own = h->c ? conv_owners(h->c, r) : NULL;

		/* Most changes leave the owners as they were: compare fast first. */
		if (!own || (h->alive == h->seen_alive && !memcmp(own, h->seen[r], WLBS_BUCKETS)))
			continue;
		for (b = 0; b < WLBS_BUCKETS; b++) {
			/* Only buckets this host accepted before, or accepts now, can change. */
			acc = alive && own[b] == prio;
			if (acc == (was_alive && seen[r][b] == prio))
				continue;
			s->own[r][b] ^= bit;
			if (s->track)
				track(s, r, b, s->own[r][b] ^ bit, s->own[r][b]);
			if (acc && (s->own[r][b] & ~bit))
				overlap(s, r, b, s->own[r][b]);
		}
		memcpy(h->seen[r], own, WLBS_BUCKETS);
	}
	h->seen_alive = h->alive;
	acc = h->alive && conv_default_host(h->c) == h->prio;
	if (acc != !!(s->own[SIM_DEFAULT_SLOT][0] & bit)) {
		s->own[SIM_DEFAULT_SLOT][0] ^= bit;
		if (acc && (s->own[SIM_DEFAULT_SLOT][0] & ~bit))
			overlap(s, SIM_DEFAULT_SLOT, 0, s->own[SIM_DEFAULT_SLOT][0]);
	}
}

void check_delivery(struct sim *s, int i, int j, uint64_t sent)
{
	int a = i < j ? i : j, b = i < j ? j : i;
	uint64_t last = s->lastd[i][j] > s->lastd[j][i] ? s->lastd[i][j] : s->lastd[j][i];

	/* Silent both ways for G (again): both directions must be heard anew. */
	if (s->now - last >= s->fence) {
		s->cut_mark[a][b] = true;
		s->rec[a][b] = s->rec[b][a] = false;
	}
	/* Heard as of when it was sent: a frame in flight carries older news. */
	if (sent > s->lastd[i][j])
		s->lastd[i][j] = sent;
	/* Sent before j's stall ended: old news, not a sign the pair hears again. */
	if (!s->cut_mark[a][b] || sent < s->h[j].stall_until)
		return;
	s->rec[i][j] = true;
	if (!s->rec[j][i])
		return;
	/* Heard again both ways: from now on the pair must be disjoint. Checked once the
	 * receiver has processed this frame (sim_run calls check_agreement after it). */
	s->cut_mark[a][b] = false;
	s->uncut = true;
}

/* Every pair that shares a bucket must be cut (used after un-cuts). */
static void check_all_overlaps(struct sim *s)
{
	unsigned int r, b;

	for (r = 0; r < s->n_rules && !s->stop; r++)
		for (b = 0; b < WLBS_BUCKETS && !s->stop; b++)
			if (s->own[r][b] & (s->own[r][b] - 1))
				overlap(s, r, b, s->own[r][b]);
	if (!s->stop && (s->own[SIM_DEFAULT_SLOT][0] & (s->own[SIM_DEFAULT_SLOT][0] - 1)))
		overlap(s, SIM_DEFAULT_SLOT, 0, s->own[SIM_DEFAULT_SLOT][0]);
}

static bool runs(const struct sim_host *h)
{
	return h->alive && h->local.state != WLBS_FP_STOPPED;
}

/* 1 if the host of priority @p is alive (then it must accept its buckets), else 0. */
static int alive_prio(const struct sim *s, uint8_t p)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->h[i].prio == p)
			return s->h[i].alive;
	return 0;
}

/* Would member @h serve rule @r if healthy (running, and a weight in multiple mode)? */
static bool capable(const struct sim *s, const struct sim_host *h, int r)
{
	if (s->modes[r] == WLBS_MODE_DISABLED || h->local.state != WLBS_FP_RUNNING)
		return false;
	return s->modes[r] == WLBS_MODE_SINGLE || h->local.rules[r].equal ||
	       h->local.rules[r].weight;
}

static bool in_view(const struct sim_host *h, uint64_t view)
{
	/* Members as the view has them: a crashed one stays until it times out. */
	return h->exists && (view & wlbs_hb_bit(h->prio));
}

static uint8_t view_min_serving(const struct sim *s, uint64_t view)
{
	uint8_t ms = 0;

	for (int i = 0; i < s->n; i++)
		if (in_view(&s->h[i], view) && s->h[i].min_serving > ms)
			ms = s->h[i].min_serving;
	return ms;
}

/* Does some member take rule @r (so every bucket needs an owner)? */
static bool rule_taken(const struct sim *s, int r, uint64_t view)
{
	bool floor = view_min_serving(s, view) > 0;
	int i;

	for (i = 0; i < s->n; i++) {
		const struct sim_host *h = &s->h[i];

		if (in_view(h, view) && capable(s, h, r) && (!h->local.rules[r].unhealthy || floor))
			return true;
	}
	return false;
}

/* Standing of unhealthy host @h for rule @r: lower is kept first. */
static unsigned int standing(const struct sim *s, const struct sim_host *h, int r)
{
	unsigned int hp = h->local.rules[r].handling_prio;

	return s->modes[r] == WLBS_MODE_SINGLE ? (hp ? hp : h->prio) << 8 | h->prio : h->prio;
}

/* MIN_SERVING for rule @r of the agreed map of @first's view. */
static void check_floor(struct sim *s, const struct sim_host *first, int r)
{
	uint64_t view = conv_view(first->c), owners = 0, want = 0, bit;
	unsigned int healthy = 0, ms = view_min_serving(s, view), need, b;
	const struct sim_host *sick[SIM_MAX_HOSTS], *t;
	int i, j, n = 0;

	for (b = 0; b < WLBS_BUCKETS; b++)
		if (first->c->target[r][b])
			owners |= wlbs_hb_bit(first->c->target[r][b]);
	for (i = 0; i < s->n; i++) {
		const struct sim_host *h = &s->h[i];

		if (!in_view(h, view) || !capable(s, h, r))
			continue;
		if (h->local.rules[r].unhealthy)
			sick[n++] = h;
		else
			healthy++;
	}
	/* Insertion sort by standing: the first ones are kept. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && standing(s, sick[j], r) < standing(s, sick[j - 1], r); j--)
			t = sick[j], sick[j] = sick[j - 1], sick[j - 1] = t;
	need = ms > healthy ? ms - healthy : 0;
	for (i = 0; i < n && (unsigned int)i < need; i++)
		want |= wlbs_hb_bit(sick[i]->prio);
	if (first->c->kept[r] != want) {
		sim_fail(s, "MIN_SERVING: rule %d kept %#llx, expected %#llx", r,
			 (unsigned long long)first->c->kept[r], (unsigned long long)want);
		return;
	}
	for (i = 0; i < s->n; i++) {
		const struct sim_host *h = &s->h[i];

		bit = wlbs_hb_bit(h->prio);
		if (!in_view(h, view) || !(owners & bit))
			continue;
		if (h->local.rules[r].unhealthy && !(want & bit)) {
			sim_fail(s, "MIN_SERVING: rule %d: unhealthy host %u serves, not needed", r,
				 h->prio);
			return;
		}
	}
	/* Multiple host: every kept host has a weight, so it owns some of the rule. */
	if (s->modes[r] == WLBS_MODE_MULTIPLE && (want & ~owners)) {
		sim_fail(s, "MIN_SERVING: rule %d: kept %#llx own nothing", r,
			 (unsigned long long)(want & ~owners));
		return;
	}
}

void check_agreement(struct sim *s)
{
	const struct sim_host *first = NULL;
	bool pending = false;
	unsigned int r, b;
	uint8_t def = 0;
	int i;

	if (s->uncut) {
		s->uncut = false;
		check_all_overlaps(s);
	}
	if (!s->agree_dirty)
		return;
	s->agree_dirty = false;
	for (i = 0; i < s->n; i++) {
		const struct sim_host *h = &s->h[i];

		if (!runs(h))
			continue;
		if (!conv_converged(h->c))
			return;
		if (!first)
			first = h;
		else if (conv_view(h->c) != conv_view(first->c) || h->c->digest != first->c->digest)
			return;
		pending |= h->c->gains_pending;
	}
	if (!first)
		return;
	/* Only when the view is the truth: a host that just crashed or stopped is still in it. */
	for (i = 0; i < s->n; i++)
		if (s->h[i].exists && !runs(&s->h[i]) &&
		    (conv_view(first->c) & wlbs_hb_bit(s->h[i].prio)))
			return;
	for (i = 0; i < s->n; i++) {
		const struct sim_host *h = &s->h[i];

		if (runs(h) && h != first &&
		    (memcmp(h->c->target, first->c->target,
			    s->n_rules * sizeof(first->c->target[0])) ||
		     memcmp(h->c->kept, first->c->kept, sizeof(h->c->kept)))) {
			sim_fail(s, "AGREEMENT: hosts %u and %u converged on one view, maps differ",
				 first->prio, h->prio);
			return;
		}
		if (h->exists && (conv_view(first->c) & wlbs_hb_bit(h->prio)) &&
		    h->local.state == WLBS_FP_RUNNING && (!def || h->prio < def))
			def = h->prio;
	}
	if (first->c->target_default != def) {
		sim_fail(s, "AGREEMENT: default host %u, expected %u", first->c->target_default,
			 def);
		return;
	}
	for (r = 0; r < s->n_rules && !s->stop; r++)
		check_floor(s, first, (int)r);
	for (r = 0; r < s->n_rules && !s->stop; r++) {
		bool taken = rule_taken(s, r, conv_view(first->c));

		for (b = 0; b < WLBS_BUCKETS; b++) {
			uint8_t o = first->c->target[r][b];
			bool ok = taken ? o && (conv_view(first->c) & wlbs_hb_bit(o)) : !o;

			if (ok && !pending && taken)
				ok = __builtin_popcountll(s->own[r][b]) == alive_prio(s, o);
			if (!ok) {
				sim_fail(s, "AGREEMENT: rule %u bucket %u: owner %u, %d accepting",
					 r, b, o, __builtin_popcountll(s->own[r][b]));
				return;
			}
		}
	}
}

bool check_settled(struct sim *s, bool held_out)
{
	uint64_t view = 0, digest = 0, expect = 0, may_be_out = 0;
	struct conv_report rep;
	int i, j;

	/*
	 * Hosts a member does not hear (cut link) or duplicates may stay out;
	 * held-down hosts too while @held_out (their hold ends: see main.c).
	 */
	for (i = 0; i < s->n; i++) {
		for (j = 0; j < s->n; j++)
			if (s->link[i][j].cut)
				may_be_out |= wlbs_hb_bit(s->h[i].prio) | wlbs_hb_bit(s->h[j].prio);
		if (runs(&s->h[i])) {
			conv_report(s->h[i].c, &rep);
			may_be_out |= (held_out ? rep.damped : 0) | rep.duplicates;
		}
	}
	for (i = 0; i < s->n; i++) {
		const struct sim_host *h = &s->h[i];

		if (!runs(h))
			continue;
		conv_report(h->c, &rep);
		if (rep.excluded && (may_be_out & wlbs_hb_bit(h->prio)))
			continue;
		if (!conv_converged(h->c) || rep.gains_pending)
			return false;
		if (digest && (conv_view(h->c) != view || h->c->digest != digest))
			return false;
		view = conv_view(h->c);
		digest = h->c->digest;
		expect |= wlbs_hb_bit(h->prio);
	}
	return view == expect;
}
