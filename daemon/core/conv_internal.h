/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between convergence.c, conv_peers.c and conv_map.c; not for other
 * callers. The calls go one way, convergence -> map -> peers: what the lower
 * files need of the upper ones lives here.
 */
#ifndef WLBSD_CONV_INTERNAL_H
#define WLBSD_CONV_INTERNAL_H

#include "core/convergence.h"

#define BIT(p)	    wlbs_hb_bit(p)
#define SELF_BIT(c) BIT((c)->p.self)

/*
 * A peer is alive until it missed K heartbeats: its K-th next one is due
 * K*T after the last, and arrives with some jitter; half a period more keeps
 * K-1 lost heartbeats from ever racing the deadline.
 */
static inline uint64_t conv_alive_ms(const struct conv *c)
{
	return (uint64_t)c->p.period_ms * c->p.tolerance + c->p.period_ms / 2;
}

/* Priority of the lowest bit set in @mask (bit p-1 = priority p), 0 for none. */
static inline unsigned int lowest(uint64_t mask)
{
	return mask ? (unsigned int)__builtin_ctzll(mask) + 1 : 0;
}

static inline bool conv_self_active(const struct conv *c)
{
	return c->local.state == WLBS_FP_RUNNING || c->local.state == WLBS_FP_DRAINING;
}

/* The accepted sender of priority @p (alive), or NULL. Never ourselves. */
const struct conv_peer *conv_peer(const struct conv *c, unsigned int p);

/* Peers: timeouts, duplicate contests, rule conflicts, damping; sets c->heard. */
void conv_peers_update(struct conv *c);

/* Other hosts' dirty buckets (alive, or vanished within the cleanup delay). */
void conv_dirty_update(struct conv *c);

/* True when @q (alive, running, our rules) is not a member of the view it advertises. */
bool conv_peer_claims_nothing(const struct wlbs_hb *q);

/* This host's rule @i as it advertises it (every rule off while draining). */
static inline struct wlbs_hb_rule conv_local_rule(const struct conv *c, unsigned int i)
{
	const struct conv_rule_local *l = &c->local.rules[i];
	struct wlbs_hb_rule r = {.weight = l->weight,
				 .equal = l->equal,
				 .off = l->off,
				 .unhealthy = l->unhealthy,
				 .handling_prio = l->handling_prio};

	if (c->local.state != WLBS_FP_RUNNING || r.off) {
		r.off = true;
		r.weight = 0;
		r.equal = false;
	}
	return r;
}

/* Release and acquire: applied map from the converged view's target map. */
void conv_map_update(struct conv *c);

#endif /* WLBSD_CONV_INTERNAL_H */
