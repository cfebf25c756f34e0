// SPDX-License-Identifier: GPL-2.0
/*
 * The peers convergence hears: one record per sender (priority and source
 * MAC), timeouts, which of two senders of one priority counts, hosts with
 * other port rules, and damping of hosts that keep coming and going. The
 * result is heard(h): the hosts this host hears and may share buckets with.
 */
#include <errno.h>
#include <string.h>

#include "core/conv_internal.h"

static int mac_cmp(const uint8_t a[6], const uint8_t b[6])
{
	return memcmp(a, b, 6);
}

const struct conv_peer *conv_peer(const struct conv *c, unsigned int p)
{
	const struct conv_host *h;

	if (p < 1 || p > WLBS_MAX_HOSTS || p == c->p.self)
		return NULL;
	h = &c->hosts[p];
	if (h->winner < 0 || !h->slot[h->winner].alive)
		return NULL;
	return &h->slot[h->winner];
}

int conv_receive(struct conv *c, const struct wlbs_hb *hb, const uint8_t src_mac[6],
		 uint64_t now_ms)
{
	struct conv_host *h;
	struct conv_peer *s = NULL;
	int i, err;

	if (hb->cluster_id != c->p.cluster_id)
		return -EXDEV;
	if (hb->host < 1 || hb->host > WLBS_MAX_HOSTS)
		return -EBADMSG;
	if (hb->host == c->p.self && !mac_cmp(src_mac, c->p.self_mac))
		return -ELOOP;
	h = &c->hosts[hb->host];
	for (i = 0; i < CONV_SLOTS && !s; i++)
		if (h->slot[i].used && !mac_cmp(h->slot[i].mac, src_mac))
			s = &h->slot[i];
	if (s) {
		err = hb_seq_accept(&s->seq, hb->nonce, hb->seq);
		if (err)
			return err;
	} else {
		/* A new sender: a free slot, else the one that does not count. */
		for (i = 0; i < CONV_SLOTS && !s; i++)
			if (!h->slot[i].used || !h->slot[i].alive)
				s = &h->slot[i];
		if (!s)
			s = &h->slot[h->winner == 0 ? 1 : 0];
		if (h->winner >= 0 && s == &h->slot[h->winner])
			h->winner = -1;
		memset(s, 0, sizeof(*s));
		s->used = true;
		memcpy(s->mac, src_mac, 6);
		hb_seq_accept(&s->seq, hb->nonce, hb->seq);
	}
	if (!s->alive || s->hb.nonce != hb->nonce)
		s->start_ms = now_ms - hb->uptime_ms;
	s->alive = true;
	s->rx_ms = now_ms;
	s->hb = *hb;
	if (now_ms > c->now_ms)
		c->now_ms = now_ms;
	return 0;
}

/* Earlier start wins; a tie goes to the lower MAC. */
static bool started_before(uint64_t sa, const uint8_t ma[6], uint64_t sb, const uint8_t mb[6])
{
	return sa != sb ? sa < sb : mac_cmp(ma, mb) < 0;
}

static bool running(const struct wlbs_hb *hb)
{
	return hb->state == WLBS_FP_RUNNING || hb->state == WLBS_FP_DRAINING;
}

/* Timeouts, and which sender counts for each priority. */
static void senders_update(struct conv *c)
{
	uint64_t now = c->now_ms, alive_ms = conv_alive_ms(c);
	bool dup_self = false;
	unsigned int p;
	int i, n_running, best;

	c->duplicates = 0;
	for (p = 1; p <= WLBS_MAX_HOSTS; p++) {
		struct conv_host *h = &c->hosts[p];

		n_running = 0;
		best = -1;
		for (i = 0; i < CONV_SLOTS; i++) {
			struct conv_peer *s = &h->slot[i];

			if (s->alive && now - s->rx_ms >= alive_ms) {
				s->alive = false;
				if (i == h->winner) {
					h->vanished_ms = now;
					memcpy(h->vanished_dirty, s->hb.dirty, sizeof(s->hb.dirty));
					h->vanished_uncovered = s->hb.flags & WLBS_HB_F_UNCOVERED;
					c->last_vanish_ms = now;
				}
			}
			if (!s->alive || !running(&s->hb))
				continue;
			n_running++;
			if (best < 0 || started_before(s->start_ms, s->mac, h->slot[best].start_ms,
						       h->slot[best].mac))
				best = i;
		}
		if (p == c->p.self) {
			/* Sticky while that sender lives, so jitter cannot flip the contest. */
			if (best >= 0 && conv_self_active(c)) {
				const struct conv_peer *o = &h->slot[best];

				c->duplicates |= BIT(p);
				dup_self = (c->dup_self && !mac_cmp(c->dup_self_mac, o->mac)) ||
					   started_before(o->start_ms, o->mac, c->run_since_ms,
							  c->p.self_mac);
				if (dup_self)
					memcpy(c->dup_self_mac, o->mac, 6);
			}
			h->winner = -1;
			continue;
		}
		if (n_running > 1)
			c->duplicates |= BIT(p);
		/* Keep the current winner while it is alive: the newcomer is left out. */
		if (h->winner >= 0 && h->slot[h->winner].alive)
			continue;
		if (best < 0)
			for (i = 0; i < CONV_SLOTS && best < 0; i++)
				if (h->slot[i].alive)
					best = i;
		h->winner = best;
	}
	if (dup_self && !c->dup_self)
		c->pending_cause = WLBS_CAUSE_DUP_ID;
	c->dup_self = dup_self;
}

static uint32_t damp_hold0(const struct conv *c)
{
	uint64_t h = c->p.damp_hold_ms ? c->p.damp_hold_ms : 8 * conv_alive_ms(c);

	if (!c->p.damp_hold_ms && h < 1000)
		h = 1000;
	return h > CONV_DAMP_HOLD_MAX_MS ? CONV_DAMP_HOLD_MAX_MS : (uint32_t)h;
}

/* Latest arrival from any sender of priority @p (alive or timed out), 0 = never. */
static uint64_t last_rx(const struct conv_host *h)
{
	uint64_t rx = 0;
	int i;

	for (i = 0; i < CONV_SLOTS; i++)
		if (h->slot[i].used && h->slot[i].rx_ms > rx)
			rx = h->slot[i].rx_ms;
	return rx;
}

/*
 * Whether host @p timing out now is our doing, not its own: we were not
 * listening (no tick for half the timeout: a stalled process), or every
 * other host we heard when @p last spoke went silent too (a stalled or
 * flooded receive path, our link down). Then every peer looks as if it
 * left, and none of them flapped. A host that left while we kept hearing
 * others, or that we could not check against anyone, counts.
 */
static bool we_stalled(const struct conv *c, unsigned int p, uint64_t gap)
{
	uint64_t alive_ms = conv_alive_ms(c), rx = last_rx(&c->hosts[p]), q_rx;
	bool witness = false;
	unsigned int q;

	if (gap >= alive_ms / 2)
		return true;
	for (q = 1; q <= WLBS_MAX_HOSTS; q++) {
		if (q == p || q == c->p.self)
			continue;
		q_rx = last_rx(&c->hosts[q]);
		if (!q_rx || q_rx + alive_ms <= rx)
			continue; /* not alive when @p last spoke: tells nothing */
		if (c->now_ms - q_rx < alive_ms / 2)
			return false; /* we hear @q: @p went silent on its own */
		witness = true;
	}
	return witness;
}

/*
 * @h left heard: counts the leave, and holds it out after too many in the
 * window. While held, a leave does not count again but says the flaps go
 * on: the hold is renewed, and the next one doubles.
 */
static void damp_leave(struct conv *c, struct conv_host *h)
{
	uint32_t flaps = c->p.damp_flaps ? c->p.damp_flaps : CONV_DAMP_FLAPS;
	uint64_t win = c->p.damp_window_ms ? c->p.damp_window_ms : CONV_DAMP_WINDOW_MS;
	unsigned int i, n = 0, ring = sizeof(h->left_ms) / sizeof(h->left_ms[0]);

	if (c->now_ms >= h->hold_until_ms) {
		h->left_ms[h->n_left++ % ring] = c->now_ms;
		for (i = 0; i < ring && i < h->n_left; i++)
			if (c->now_ms - h->left_ms[i] < win)
				n++;
		if (n <= flaps)
			return;
		if (!h->next_hold_ms || c->now_ms > h->hold_until_ms + 2 * win)
			h->next_hold_ms = damp_hold0(c);
		h->n_left = 0;
	}
	h->hold_until_ms = c->now_ms + h->next_hold_ms;
	h->next_hold_ms = h->next_hold_ms * 2 > CONV_DAMP_HOLD_MAX_MS ? CONV_DAMP_HOLD_MAX_MS
								      : h->next_hold_ms * 2;
}

/*
 * Whether @h (heard) is held out now. A hold ends when it runs out, or once
 * the host has been heard without a break for the first hold: flaps that
 * stopped do not keep it out for the doubled holds of their past.
 */
static bool damp_held(struct conv *c, struct conv_host *h)
{
	if (c->now_ms >= h->hold_until_ms)
		return false;
	if (c->now_ms - h->back_ms < damp_hold0(c))
		return true;
	h->hold_until_ms = c->now_ms;
	return false;
}

bool conv_peer_claims_nothing(const struct wlbs_hb *q)
{
	return (q->flags & WLBS_HB_F_EXCLUDED) || !(q->view & BIT(q->host)) || !running(q);
}

void conv_peers_update(struct conv *c)
{
	uint64_t heard = 0, conflicts = 0, rule_count = 0, damped = 0;
	uint64_t gap = c->now_ms - c->peers_ms;
	unsigned int p;

	c->peers_ms = c->now_ms;
	senders_update(c);
	for (p = 1; p <= WLBS_MAX_HOSTS; p++) {
		struct conv_host *h = &c->hosts[p];
		const struct conv_peer *s = conv_peer(c, p);
		bool in = false;

		if (s && running(&s->hb)) {
			if (s->hb.n_rules != c->p.n_rules)
				rule_count |= BIT(p);
			if (s->hb.n_rules != c->p.n_rules ||
			    s->hb.fingerprint != c->p.fingerprint || s->hb.hash_seed != c->p.seed)
				conflicts |= BIT(p);
			else
				in = true;
		}
		/*
		 * Damping counts raw comings and goings, but not a timeout that
		 * was our own stall: a leave it counts is one of the host's own.
		 */
		if (h->was_heard && !in && (s || !we_stalled(c, p, gap)))
			damp_leave(c, h);
		if (!h->was_heard && in)
			h->back_ms = c->now_ms;
		h->was_heard = in;
		/* Held hosts stay heard: only the leader's view leaves them out. */
		if (in && damp_held(c, h))
			damped |= BIT(p);
		if (in)
			heard |= BIT(p);
	}
	if (conv_self_active(c) && !c->dup_self)
		heard |= SELF_BIT(c);
	if (heard & ~c->heard & ~SELF_BIT(c))
		c->pending_cause = WLBS_CAUSE_NEW_MEMBER;
	if (c->heard & ~heard & ~SELF_BIT(c))
		c->pending_cause = WLBS_CAUSE_MEMBER_LOST;
	if (conflicts & ~c->conflicts)
		c->pending_cause =
		    (rule_count & ~c->rule_count) ? WLBS_CAUSE_RULE_COUNT : WLBS_CAUSE_RULES;
	c->heard = heard;
	c->conflicts = conflicts;
	c->rule_count = rule_count;
	c->damped = damped;
}

void conv_dirty_update(struct conv *c)
{
	uint8_t d[WLBS_HB_DIRTY_BYTES] = {0};
	bool uncovered = false;
	unsigned int p, i;

	for (p = 1; p <= WLBS_MAX_HOSTS; p++) {
		const struct conv_host *h = &c->hosts[p];
		const struct conv_peer *s = conv_peer(c, p);
		const uint8_t *src = NULL;

		/*
		 * Whatever its port rules (a rolling reload, a conflict that keeps it
		 * out): what it serves must not meet a RST here. Buckets are the
		 * same function of a flow under the same seed.
		 */
		if (s && s->hb.hash_seed == c->p.seed) {
			src = s->hb.dirty;
			uncovered |= !!(s->hb.flags & WLBS_HB_F_UNCOVERED);
		} else if (!s && h->vanished_ms &&
			   c->now_ms - h->vanished_ms < c->p.cleanup_delay_ms) {
			src = h->vanished_dirty;
			uncovered |= h->vanished_uncovered;
		}
		if (!src)
			continue;
		for (i = 0; i < WLBS_HB_DIRTY_BYTES; i++)
			d[i] |= src[i];
	}
	if (memcmp(d, c->dirty, sizeof(d)) || uncovered != c->uncovered_dirty) {
		memcpy(c->dirty, d, sizeof(d));
		c->uncovered_dirty = uncovered;
		c->changed++;
	}
}
