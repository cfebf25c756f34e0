// SPDX-License-Identifier: GPL-2.0
/*
 * From an agreed view to the buckets this host takes, release before
 * acquire. On convergence a host drops at once what the new map gives to
 * others and advertises "converged"; it takes what it gains only when
 *  - every other member advertises converged on the same digest (so each
 *    has dropped what it loses: causal, no clock involved),
 *  - every other running host it hears that is outside the view advertises
 *    that it takes nothing, and
 *  - the fence G has passed since we converged if a gained bucket's previous
 *    owner is not in the view (it may be alive but deaf to us: our
 *    heartbeats tell it to drop its buckets within G), and since the last
 *    time a host timed out.
 */
#include <string.h>

#include "core/bucketmap.h"
#include "core/conv_internal.h"

/* Rule @i of member @p as the digest saw it. */
static struct wlbs_hb_rule member_rule(const struct conv *c, unsigned int p, unsigned int i)
{
	return p == c->p.self ? conv_local_rule(c, i) : conv_peer(c, p)->hb.rules[i];
}

static uint8_t member_state(const struct conv *c, unsigned int p)
{
	return p == c->p.self ? c->local.state : conv_peer(c, p)->hb.state;
}

/* Largest min_serving among the members: the strictest wins while configs differ. */
static uint8_t view_min_serving(const struct conv *c)
{
	uint8_t ms = 0, v;
	uint64_t m;

	for (m = c->view; m; m &= m - 1) {
		unsigned int p = lowest(m);

		v = p == c->p.self ? c->p.min_serving : conv_peer(c, p)->hb.min_serving;
		ms = v > ms ? v : ms;
	}
	return ms;
}

/* Would take new connections of rule @i if healthy: not off, and has a weight (multiple). */
static bool can_serve(const struct conv *c, unsigned int i, const struct wlbs_hb_rule *r)
{
	if (r->off || c->p.modes[i] == WLBS_MODE_DISABLED)
		return false;
	return c->p.modes[i] == WLBS_MODE_SINGLE || r->equal || r->weight;
}

/* Standing among unhealthy hosts kept for min_serving: lower is better. */
static unsigned int standing(const struct conv *c, unsigned int i, unsigned int p,
			     const struct wlbs_hb_rule *r)
{
	/* Single host: the one the rule would pick anyway (handling priority, then host). */
	if (c->p.modes[i] == WLBS_MODE_SINGLE)
		return (r->handling_prio ? r->handling_prio : p) << 8 | p;
	return p;
}

/*
 * The unhealthy members of the view that keep serving rule @i: when fewer
 * than min_serving healthy members would serve it, the best-standing
 * unhealthy ones make up the difference. Only the view's heartbeats go in,
 * so every member computes the same set.
 */
static uint64_t keep_unhealthy(const struct conv *c, unsigned int i)
{
	unsigned int healthy = 0, p, best, rank[WLBS_MAX_HOSTS + 1];
	uint64_t sick = 0, kept = 0, m;
	struct wlbs_hb_rule r;

	for (m = c->view; m; m &= m - 1) {
		p = lowest(m);
		r = member_rule(c, p, i);
		if (!can_serve(c, i, &r))
			continue;
		if (r.unhealthy) {
			sick |= BIT(p);
			rank[p] = standing(c, i, p, &r);
		} else {
			healthy++;
		}
	}
	for (; healthy < c->min_serving && sick; healthy++) {
		best = lowest(sick);
		for (m = sick; m; m &= m - 1)
			best = rank[lowest(m)] < rank[best] ? lowest(m) : best;
		sick &= ~BIT(best);
		kept |= BIT(best);
	}
	return kept;
}

static void compute_target(struct conv *c)
{
	struct bm_host hosts[WLBS_MAX_HOSTS];
	unsigned int i, p;
	uint64_t m;
	int n;

	c->min_serving = view_min_serving(c);
	memset(c->kept, 0, sizeof(c->kept));
	for (i = 0; i < c->p.n_rules; i++) {
		memset(c->target[i], WLBS_NO_OWNER, WLBS_BUCKETS);
		c->kept[i] = keep_unhealthy(c, i);
		n = 0;
		for (m = c->view; m; m &= m - 1) {
			struct wlbs_hb_rule r;

			p = lowest(m);
			r = member_rule(c, p, i);
			/* Unhealthy: drained, like an operator's drain, unless kept. */
			if (r.unhealthy && !(c->kept[i] & BIT(p)))
				r.off = true;
			if (c->p.modes[i] == WLBS_MODE_SINGLE && r.off)
				continue;
			hosts[n].id = (uint8_t)p;
			hosts[n].weight = r.off ? 0 : r.weight;
			hosts[n].equal = !r.off && r.equal;
			hosts[n].handling_prio = r.handling_prio ? r.handling_prio : (uint8_t)p;
			hosts[n].up = true;
			n++;
		}
		/* On error (a member's bad weights) the rule stays unowned: nobody takes it twice.
		 */
		(c->p.map ? c->p.map : bm_compute)(hosts, n, c->p.modes[i], c->p.seed, i,
						   c->target[i]);
	}
	c->target_default = 0;
	for (m = c->view; m && !c->target_default; m &= m - 1)
		if (member_state(c, lowest(m)) == WLBS_FP_RUNNING)
			c->target_default = (uint8_t)lowest(m);
}

static void release_all(struct conv *c)
{
	uint8_t self = c->p.self;
	unsigned int i, b;

	c->map_digest = 0;
	c->gains_pending = false;
	if (!c->holding)
		return;
	c->holding = false;
	/* Branch-free loops: the compiler vectorises them. */
	for (i = 0; i < c->p.n_rules; i++)
		for (b = 0; b < WLBS_BUCKETS; b++)
			c->applied[i][b] =
			    c->applied[i][b] == self ? WLBS_NO_OWNER : c->applied[i][b];
	if (c->applied_default == self)
		c->applied_default = 0;
	c->changed++;
}

/* Newly converged on c->digest: release now, note what we gain and how long to wait. */
static void new_map(struct conv *c)
{
	uint8_t self = c->p.self, t, a, outside[256] = {0};
	bool fence = false, gains = false, unknown = false, stranger = false;
	unsigned int i, b, p;

	compute_target(c);
	/* A previous owner outside the view (or unknown: 0) may still hold its bucket. */
	for (p = 0; p < 256; p++)
		outside[p] = p == 0 || p > WLBS_MAX_HOSTS || !(c->view & BIT(p));
	for (i = 0; i < c->p.n_rules; i++) {
		uint8_t *ap = c->applied[i];
		const uint8_t *tp = c->target[i];
		unsigned int g = 0, f = 0, u = 0, o = 0;

		for (b = 0; b < WLBS_BUCKETS; b++) {
			unsigned int gain = (tp[b] == self) & (ap[b] != self);

			g |= gain;
			f |= gain & outside[ap[b]] & (ap[b] != 0);
			u |= gain & (ap[b] == 0);
			o |= outside[ap[b]];
		}
		/* Release what goes to others; what we gain keeps its previous owner for now. */
		for (b = 0; b < WLBS_BUCKETS; b++)
			ap[b] = tp[b] == self ? ap[b] : tp[b];
		gains |= g;
		fence |= f;
		unknown |= u;
		stranger |= o;
	}
	t = c->target_default;
	a = c->applied_default;
	stranger |= outside[a];
	if (t == self && a != self) {
		gains = true;
		fence |= a != 0 && outside[a];
		unknown |= a == 0;
	} else if (t != self) {
		c->applied_default = t;
	}
	/*
	 * Every previous owner we knew of is a member (which has released what it
	 * loses once it says converged): a host that knew none of them (it just
	 * joined) may take its gains without the fence when every member says so.
	 */
	c->known_owners = !stranger;
	c->fence_unknown = unknown && !fence;
	fence |= unknown;
	c->map_digest = c->digest;
	c->map_since_ms = c->now_ms;
	c->gains_pending = gains;
	c->gains_after_ms = c->now_ms + (fence ? c->p.fence_ms : 0);
	if (c->last_vanish_ms && c->last_vanish_ms + c->p.fence_ms > c->gains_after_ms)
		c->gains_after_ms = c->last_vanish_ms + c->p.fence_ms;
	c->release_tx = true; /* the gainers wait for our "converged": send it at once */
	c->changed++;
}

static bool same_rules(const struct conv *c, const struct wlbs_hb *hb)
{
	return hb->n_rules == c->p.n_rules && hb->fingerprint == c->p.fingerprint &&
	       hb->hash_seed == c->p.seed;
}

static bool gains_allowed(const struct conv *c)
{
	/* Only a host that never held a bucket since it started knows no owner. */
	bool waived = c->fence_unknown && !c->ever_held;
	unsigned int p, i;
	uint64_t m;

	if (c->last_vanish_ms && c->now_ms < c->last_vanish_ms + c->p.fence_ms)
		return false;
	for (m = c->view & ~SELF_BIT(c); m; m &= m - 1) {
		const struct conv_peer *s = conv_peer(c, lowest(m));

		if (!s || !(s->hb.flags & WLBS_HB_F_CONVERGED) || s->hb.digest != c->digest)
			return false;
		waived &= !!(s->hb.flags & WLBS_HB_F_KNOWN_OWNERS);
	}
	/* Any other live sender of our rules outside the view must take nothing. */
	for (p = 1; p <= WLBS_MAX_HOSTS; p++) {
		const struct conv_host *h = &c->hosts[p];

		for (i = 0; i < CONV_SLOTS; i++) {
			const struct conv_peer *s = &h->slot[i];

			if (!s->alive || !same_rules(c, &s->hb))
				continue;
			if ((c->view & BIT(p)) && p != c->p.self && (int)i == h->winner)
				continue;
			if (!conv_peer_claims_nothing(&s->hb))
				return false;
			waived = false; /* its news may lag: the fence covers that */
		}
	}
	/* The fence, unless only for owners we never knew, and every member knew them all. */
	return c->now_ms >= c->gains_after_ms || (waived && (c->view & ~SELF_BIT(c)));
}

static void take_gains(struct conv *c)
{
	uint8_t self = c->p.self;
	unsigned int i, b;

	for (i = 0; i < c->p.n_rules; i++)
		for (b = 0; b < WLBS_BUCKETS; b++)
			c->applied[i][b] = c->target[i][b] == self ? self : c->applied[i][b];
	if (c->target_default == self)
		c->applied_default = self;
	c->holding = true;
	c->ever_held = true;
	c->gains_pending = false;
	c->changed++;
}

bool conv_owns_any(const struct conv *c)
{
	unsigned int i;

	if (c->applied_default == c->p.self)
		return true;
	for (i = 0; i < c->p.n_rules; i++)
		if (memchr(c->applied[i], c->p.self, WLBS_BUCKETS))
			return true;
	return false;
}

void conv_map_update(struct conv *c)
{
	if (!c->member) {
		release_all(c);
		return;
	}
	if (!c->converged) {
		/* Converging: keep what we have. What we were about to gain waits for
		 * the next convergence, which weighs the fence anew (hosts may have
		 * come and gone since). */
		c->map_digest = 0;
		c->gains_pending = false;
		return;
	}
	if (c->map_digest != c->digest)
		new_map(c);
	if (c->gains_pending && gains_allowed(c))
		take_gains(c);
}
