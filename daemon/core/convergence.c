// SPDX-License-Identifier: GPL-2.0
/*
 * Convergence: which hosts share the buckets. From heard(h) (conv_peers.c)
 * to mutual(h), the leader this host follows, the view (a clique of hosts
 * that all hear each other, built by the leader), its digest and whether
 * every member agrees. docs/convergence.md explains each rule and the faults
 * it answers; conv_map.c turns an agreed view into bucket owners.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "core/conv_internal.h"

static const char *const excl_names[CONV_EXCL_MAX] = {
    [CONV_EXCL_NONE] = "member",
    [CONV_EXCL_STOPPED] = "stopped",
    [CONV_EXCL_DUP] = "duplicate host priority",
    [CONV_EXCL_RULES] = "port rules differ from a larger group",
    [CONV_EXCL_DEAF] = "a member does not hear this host",
    [CONV_EXCL_NOT_IN_VIEW] = "not in the leader's view",
    [CONV_EXCL_YIELD] = "yields to a larger side of a healed partition",
};

const char *conv_excl_name(int excl)
{
	return excl >= 0 && excl < CONV_EXCL_MAX ? excl_names[excl] : NULL;
}

int conv_init(struct conv *c, const struct conv_params *p, uint64_t now_ms)
{
	unsigned int i, p_;

	if (!p->self || p->self > WLBS_MAX_HOSTS || !p->period_ms || !p->tolerance ||
	    p->n_rules > WLBS_MAX_RULES || p->min_serving > WLBS_MAX_HOSTS)
		return -EINVAL;
	for (i = 0; i < p->n_rules; i++)
		if (p->modes[i] > WLBS_MODE_DISABLED)
			return -EINVAL;
	if (sodium_init() < 0)
		return -ENOSYS;
	memset(c, 0, sizeof(*c));
	c->p = *p;
	if (!c->p.fence_ms)
		c->p.fence_ms = 2 * c->p.period_ms;
	for (p_ = 0; p_ <= WLBS_MAX_HOSTS; p_++)
		c->hosts[p_].winner = -1;
	c->now_ms = now_ms;
	c->local.state = WLBS_FP_STOPPED;
	c->tx_due = true;
	return 0;
}

int conv_set_local(struct conv *c, const struct conv_local *l, uint64_t now_ms)
{
	bool was = conv_self_active(c);
	unsigned int i;

	if (l->state > WLBS_FP_DRAINING)
		return -EINVAL;
	for (i = 0; i < c->p.n_rules; i++)
		if (l->rules[i].weight > 100 || l->rules[i].handling_prio > WLBS_MAX_HOSTS)
			return -EINVAL;
	c->local = *l;
	for (i = c->p.n_rules; i < WLBS_MAX_RULES; i++)
		memset(&c->local.rules[i], 0, sizeof(c->local.rules[i]));
	if (now_ms > c->now_ms)
		c->now_ms = now_ms;
	if (!was && conv_self_active(c)) {
		c->run_since_ms = c->now_ms;
		c->cause = WLBS_CAUSE_STARTED;
		c->pending_cause = 0;
		c->started = true;
	}
	c->tx_due = true;
	return 0;
}

void conv_note_cause(struct conv *c, uint8_t cause)
{
	if (cause < WLBS_CAUSE_MAX)
		c->pending_cause = cause;
}

/* Same port rules, hash seed and rule count: one group. */
static bool same_rules(const struct wlbs_hb *a, const struct wlbs_hb *b)
{
	return a->fingerprint == b->fingerprint && a->hash_seed == b->hash_seed &&
	       a->n_rules == b->n_rules;
}

/*
 * Hosts with other port rules: the larger group keeps running, a tie goes to
 * the group with the lowest priority. Groups count every running host that
 * has those rules, excluded or not, so the outcome is the same whatever the
 * order the hosts started in, and it never feeds on itself.
 */
static bool outnumbered(const struct conv *c)
{
	uint64_t mine = c->heard, left = c->conflicts, group, m;
	unsigned int q;

	while (left) {
		const struct wlbs_hb *hb = &conv_peer(c, lowest(left))->hb;

		group = 0;
		for (m = left; m; m &= m - 1) {
			q = lowest(m);
			if (same_rules(&conv_peer(c, q)->hb, hb))
				group |= BIT(q);
		}
		left &= ~group;
		if (__builtin_popcountll(group) > __builtin_popcountll(mine) ||
		    (__builtin_popcountll(group) == __builtin_popcountll(mine) &&
		     lowest(group) < lowest(mine)))
			return true;
	}
	return false;
}

/*
 * A healed partition: a host we hear serves a view of its own that leaves us
 * out, while ours leaves it out (both sides hold buckets). The larger side
 * (then the one with the lower lowest member) keeps serving; the other yields
 * on the first heartbeat that shows it, before the views merge: no bucket
 * keeps two owners for longer than a heartbeat takes to arrive.
 */
static bool other_side_wins(const struct conv *c)
{
	unsigned int mine = __builtin_popcountll(c->view), theirs;
	uint64_t m;

	if (!c->member)
		return false;
	for (m = c->heard & ~SELF_BIT(c); m; m &= m - 1) {
		const struct wlbs_hb *hb = &conv_peer(c, lowest(m))->hb;

		if (conv_peer_claims_nothing(hb) || (hb->view & SELF_BIT(c)) ||
		    (c->view & BIT(hb->host)))
			continue;
		theirs = __builtin_popcountll(hb->view);
		if (theirs > mine || (theirs == mine && lowest(hb->view) < lowest(c->view)))
			return true;
	}
	return false;
}

/*
 * Excluded whatever the view says: stopped, duplicate, outnumbered by a group
 * with other rules, or not heard by a host we hear (it will take our buckets,
 * so we must not hold any).
 */
static uint8_t hard_exclusion(struct conv *c)
{
	uint64_t deaf = 0, m;

	for (m = c->heard & ~SELF_BIT(c); m; m &= m - 1) {
		const struct wlbs_hb *hb = &conv_peer(c, lowest(m))->hb;

		/*
		 * A host that does not hear us may take our buckets once it is in a
		 * view, so we yield to it, member yet or not: waiting until it is one
		 * lets the two of us take turns forever. Not to a host that is out
		 * itself, nor to one just listening (it may not have heard us yet)
		 * unless it already is a member.
		 */
		if (!(hb->heard & SELF_BIT(c)) && !(hb->flags & WLBS_HB_F_EXCLUDED) &&
		    (!(hb->flags & WLBS_HB_F_LISTENING) || !conv_peer_claims_nothing(hb)))
			deaf |= BIT(hb->host);
	}
	c->deaf = deaf;
	if (!conv_self_active(c))
		return CONV_EXCL_STOPPED;
	if (c->dup_self)
		return CONV_EXCL_DUP;
	if (outnumbered(c))
		return CONV_EXCL_RULES;
	if (deaf)
		return CONV_EXCL_DEAF;
	return other_side_wins(c) ? CONV_EXCL_YIELD : CONV_EXCL_NONE;
}

/* A peer's relayed claim about who leads is dropped once older than T*K. */
static bool claim_age(const struct conv *c, const struct conv_peer *s, uint32_t *age)
{
	uint64_t a = (uint64_t)s->hb.leader_age_ms + (c->now_ms - s->rx_ms);

	if (!s->hb.leader || a >= conv_alive_ms(c))
		return false;
	*age = (uint32_t)a;
	return true;
}

/* What we hear of @l directly overrides what others relay about it. */
static bool can_lead(const struct conv *c, unsigned int l)
{
	const struct conv_peer *s = conv_peer(c, l);

	if (l == c->p.self)
		return c->excluded == CONV_EXCL_NONE && !c->listening;
	if (!s || !(c->heard & BIT(l)))
		return true; /* not heard directly: trust the (fresh) relay */
	return s->hb.leader == l && !(s->hb.flags & (WLBS_HB_F_EXCLUDED | WLBS_HB_F_LISTENING));
}

static void elect(struct conv *c)
{
	unsigned int best = 0, q;
	uint32_t best_age = 0, age;
	uint64_t m;

	if (can_lead(c, c->p.self))
		best = c->p.self;
	for (m = c->mutual & ~SELF_BIT(c); m; m &= m - 1) {
		const struct conv_peer *s = conv_peer(c, lowest(m));

		if (!claim_age(c, s, &age) || !can_lead(c, s->hb.leader) ||
		    s->hb.leader == c->p.self)
			continue;
		q = s->hb.leader;
		if (!best || q < best || (q == best && age < best_age)) {
			best = q;
			best_age = age;
		}
	}
	c->leader = best;
	c->leader_age_ms = best == c->p.self ? 0 : best_age;
}

/*
 * The leader's view: a clique, greedy in priority order, of the hosts it
 * hears both ways. They need not follow us yet: a host that follows another
 * leader switches when it hears of us (we are lower), and finds itself in the
 * view, so a new leader does not push members out for a round. Hosts held
 * down for flapping stay out (only the leader's damping counts, so hosts
 * that saw the flaps differently do not exclude each other).
 */
static uint64_t build_view(const struct conv *c)
{
	uint64_t view = SELF_BIT(c), m, v;

	for (m = c->mutual & ~SELF_BIT(c); m; m &= m - 1) {
		const struct wlbs_hb *hb = &conv_peer(c, lowest(m))->hb;
		bool ok = !(hb->flags & WLBS_HB_F_EXCLUDED) && !(c->damped & BIT(hb->host));

		for (v = view & ~SELF_BIT(c); v && ok; v &= v - 1) {
			const struct wlbs_hb *o = &conv_peer(c, lowest(v))->hb;

			ok = (o->heard & BIT(hb->host)) && (hb->heard & BIT(o->host));
		}
		if (ok)
			view |= BIT(hb->host);
	}
	return view;
}

/* A follower takes the freshest view advertised by its leader, or relayed by a peer following it.
 */
static uint64_t adopt_view(const struct conv *c)
{
	const struct conv_peer *l = conv_peer(c, c->leader);
	uint64_t view = 0, m;
	uint32_t best = UINT32_MAX, age;

	if (l && (c->mutual & BIT(c->leader)) && l->hb.leader == c->leader)
		return l->hb.view;
	for (m = c->mutual & ~SELF_BIT(c); m; m &= m - 1) {
		const struct conv_peer *s = conv_peer(c, lowest(m));

		if (s->hb.leader == c->leader && claim_age(c, s, &age) && age < best) {
			best = age;
			view = s->hb.view;
		}
	}
	return view;
}

/*
 * Digest of the view and of every member's weights, health flags and
 * min_serving (the map depends on all of them); 0 if a member's heartbeat is
 * missing.
 */
static uint64_t view_digest(const struct conv *c)
{
	crypto_generichash_state st;
	uint8_t rec[3 + 4 * WLBS_MAX_RULES];
	uint64_t d = 0, m;
	unsigned int p, i;
	uint8_t out[8];

	crypto_generichash_init(&st, NULL, 0, sizeof(out));
	rec[0] = c->p.n_rules;
	memcpy(rec + 1, &c->p.fingerprint, 4);
	crypto_generichash_update(&st, rec, 5);
	crypto_generichash_update(&st, (const uint8_t *)&c->p.seed, 4);
	crypto_generichash_update(&st, (const uint8_t *)&c->view, 8);
	for (m = c->view; m; m &= m - 1) {
		const struct conv_peer *s;
		struct wlbs_hb_rule r;
		uint8_t state;

		p = lowest(m);
		s = conv_peer(c, p);
		if (p != c->p.self && (!s || !(c->heard & BIT(p))))
			return 0;
		state = p == c->p.self ? c->local.state : s->hb.state;
		rec[0] = (uint8_t)p;
		rec[1] = state;
		for (i = 0; i < c->p.n_rules; i++) {
			r = p == c->p.self ? conv_local_rule(c, i) : s->hb.rules[i];
			rec[2 + 4 * i] = r.weight;
			rec[3 + 4 * i] = (uint8_t)(r.equal | r.unhealthy << 1);
			rec[4 + 4 * i] = r.off;
			rec[5 + 4 * i] = r.handling_prio;
		}
		rec[2 + 4 * c->p.n_rules] = p == c->p.self ? c->p.min_serving : s->hb.min_serving;
		crypto_generichash_update(&st, rec, 3 + 4 * c->p.n_rules);
	}
	crypto_generichash_final(&st, out, sizeof(out));
	memcpy(&d, out, sizeof(d));
	return d ? d : 1;
}

static bool all_agree(const struct conv *c)
{
	uint64_t m;

	for (m = c->view & ~SELF_BIT(c); m; m &= m - 1) {
		const struct conv_peer *s = conv_peer(c, lowest(m));

		if (!s || !(c->heard & BIT(s->hb.host)) || s->hb.view != c->view ||
		    s->hb.digest != c->digest || (s->hb.flags & WLBS_HB_F_EXCLUDED))
			return false;
	}
	return true;
}

/* What we advertise, minus the sequence: a change sends a heartbeat at once. */
static uint64_t adv_signature(const struct conv *c)
{
	crypto_generichash_state st;
	uint8_t out[8];
	uint64_t v[6] = {c->heard,
			 c->view,
			 c->digest,
			 (uint64_t)c->leader << 16 | (uint64_t)c->local.state << 8 | c->converged,
			 (uint64_t)c->excluded << 8 | c->listening,
			 0};
	struct wlbs_hb_rule r;
	unsigned int i;

	crypto_generichash_init(&st, NULL, 0, sizeof(out));
	crypto_generichash_update(&st, (const uint8_t *)v, sizeof(v));
	for (i = 0; i < c->p.n_rules; i++) {
		r = conv_local_rule(c, i);
		crypto_generichash_update(&st, (const uint8_t *)&r, sizeof(r));
	}
	crypto_generichash_final(&st, out, sizeof(out));
	memcpy(&v[5], out, 8);
	return v[5];
}

void conv_tick(struct conv *c, uint64_t now_ms)
{
	bool was_converged = c->converged, was_member = c->member;
	uint64_t was_view = c->view, was_digest = c->digest, sig, m;

	if (now_ms > c->now_ms)
		c->now_ms = now_ms;
	conv_peers_update(c);
	c->listening = conv_self_active(c) && c->now_ms - c->run_since_ms < conv_alive_ms(c);
	c->excluded = hard_exclusion(c);

	c->mutual = c->excluded == CONV_EXCL_NONE ? SELF_BIT(c) : 0;
	for (m = c->heard & ~SELF_BIT(c); m; m &= m - 1)
		if (conv_peer(c, lowest(m))->hb.heard & SELF_BIT(c))
			c->mutual |= BIT(lowest(m));
	elect(c);
	if (!c->leader)
		c->view = 0;
	else if (c->leader == c->p.self)
		c->view = build_view(c);
	else
		c->view = adopt_view(c);
	c->member = c->excluded == CONV_EXCL_NONE && (c->view & SELF_BIT(c));
	if (c->excluded == CONV_EXCL_NONE && !c->member)
		c->excluded = CONV_EXCL_NOT_IN_VIEW;
	c->digest = c->member ? view_digest(c) : 0;
	c->converged = c->member && c->digest && all_agree(c);

	/* A new convergence began (possibly finished in this same tick): say why. */
	if (was_converged && (!c->converged || c->digest != was_digest) && c->pending_cause) {
		c->cause = c->pending_cause;
		c->pending_cause = 0;
	}
	conv_map_update(c);
	conv_dirty_update(c);
	if (was_converged != c->converged || was_member != c->member || was_view != c->view)
		c->changed++;
	sig = adv_signature(c);
	if (sig != c->adv_sig) {
		c->adv_sig = sig;
		c->tx_due = true;
	}
}

uint64_t conv_next_send(const struct conv *c)
{
	uint64_t gap = c->p.period_ms / 10 ? c->p.period_ms / 10 : 1;

	if (!c->seq || (c->tx_due && c->release_tx))
		return 0; /* nothing sent yet, or we released buckets others wait for: at once */
	return c->last_tx_ms + (c->tx_due ? gap : c->p.period_ms);
}

/* A peer speaks an older heartbeat version: we speak it too, so that it hears us. */
static bool conv_hears_older(const struct conv *c)
{
	const struct conv_peer *s;

	for (unsigned int p = 1; p <= WLBS_MAX_HOSTS; p++)
		if ((s = conv_peer(c, p)) && s->hb.version && s->hb.version < WLBS_HB_VERSION)
			return true;
	return false;
}

void conv_build(struct conv *c, uint64_t now_ms, struct wlbs_hb *out)
{
	uint64_t up;
	unsigned int i;

	if (now_ms > c->now_ms)
		c->now_ms = now_ms;
	memset(out, 0, sizeof(*out));
	out->version = conv_hears_older(c) ? WLBS_HB_VERSION_OLDEST : WLBS_HB_VERSION;
	out->host = c->p.self;
	out->state = c->local.state;
	out->flags =
	    (c->converged ? WLBS_HB_F_CONVERGED : 0) |
	    (c->converged && c->map_digest == c->digest && c->known_owners ? WLBS_HB_F_KNOWN_OWNERS
									   : 0) |
	    (c->listening ? WLBS_HB_F_LISTENING : 0) |
	    (c->local.uncovered && out->version >= 4 ? WLBS_HB_F_UNCOVERED : 0) |
	    (c->excluded != CONV_EXCL_NONE && c->excluded != CONV_EXCL_NOT_IN_VIEW &&
		     c->excluded != CONV_EXCL_YIELD
		 ? WLBS_HB_F_EXCLUDED
		 : 0);
	out->cluster_id = c->p.cluster_id;
	out->fingerprint = c->p.fingerprint;
	out->hash_seed = c->p.seed;
	out->n_rules = c->p.n_rules;
	out->leader = c->leader;
	out->min_serving = c->p.min_serving;
	out->leader_age_ms = c->leader_age_ms;
	up = conv_self_active(c) ? c->now_ms - c->run_since_ms : 0;
	out->uptime_ms = up > UINT32_MAX ? UINT32_MAX : (uint32_t)up;
	out->nonce = c->p.nonce;
	out->seq = ++c->seq;
	out->heard = c->heard;
	out->view = c->view;
	out->digest = c->digest;
	for (i = 0; i < c->p.n_rules; i++)
		out->rules[i] = conv_local_rule(c, i);
	memcpy(out->dirty, c->local.dirty, sizeof(out->dirty));
	c->last_tx_ms = c->now_ms;
	c->tx_due = false;
	c->release_tx = false;
}

void conv_report(const struct conv *c, struct conv_report *r)
{
	memset(r, 0, sizeof(*r));
	r->conflicts = c->conflicts;
	r->rule_count = c->rule_count;
	r->duplicates = c->duplicates;
	r->damped = c->damped;
	r->deaf = c->deaf;
	r->heard = c->heard;
	r->excluded = c->excluded;
	r->leader = c->leader;
	r->listening = c->listening;
	r->gains_pending = c->gains_pending;
}
