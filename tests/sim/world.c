// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated world: virtual time, an event queue, hosts running the real
 * convergence code, and a segment that loses, duplicates, delays (hence
 * reorders), partitions and cuts one direction. Every heartbeat goes through
 * the real codec (signed on keyed runs).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

uint64_t sim_rand(struct sim *s)
{
	/* splitmix64: small, good enough, and identical everywhere. */
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t sim_range(struct sim *s, uint32_t lo, uint32_t hi)
{
	return hi <= lo ? lo : lo + (uint32_t)(sim_rand(s) % ((uint64_t)hi - lo + 1));
}

bool sim_chance_ppm(struct sim *s, uint32_t ppm)
{
	return ppm && sim_rand(s) % 1000000 < ppm;
}

void sim_tracef(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->trace)
		return;
	fprintf(s->out, "%8llu  ", (unsigned long long)s->now);
	va_start(ap, fmt);
	vfprintf(s->out, fmt, ap);
	va_end(ap);
	fputc('\n', s->out);
}

static bool ev_before(const struct sim_event *a, const struct sim_event *b)
{
	return a->t != b->t ? a->t < b->t : a->order < b->order;
}

void sim_push(struct sim *s, const struct sim_event *ev)
{
	size_t i;

	if (s->n_ev == s->cap_ev) {
		s->cap_ev = s->cap_ev ? 2 * s->cap_ev : 1024;
		s->heap = realloc(s->heap, s->cap_ev * sizeof(*s->heap));
		if (!s->heap)
			abort();
	}
	i = s->n_ev++;
	s->heap[i] = *ev;
	s->heap[i].order = s->order++;
	while (i && ev_before(&s->heap[i], &s->heap[(i - 1) / 2])) {
		struct sim_event t = s->heap[i];

		s->heap[i] = s->heap[(i - 1) / 2];
		s->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static struct sim_event pop(struct sim *s)
{
	struct sim_event top = s->heap[0];
	size_t i = 0, l, m;

	s->heap[0] = s->heap[--s->n_ev];
	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < s->n_ev && ev_before(&s->heap[l], &s->heap[m]))
			m = l;
		if (l + 1 < s->n_ev && ev_before(&s->heap[l + 1], &s->heap[m]))
			m = l + 1;
		if (m == i)
			break;
		struct sim_event t = s->heap[i];

		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
	return top;
}

static unsigned int pay_get(struct sim *s)
{
	unsigned int i;

	if (s->free_pay != UINT32_MAX) {
		i = s->free_pay;
		s->free_pay = s->pay_ref[i];
		return i;
	}
	if (s->n_pay == s->cap_pay) {
		s->cap_pay = s->cap_pay ? 2 * s->cap_pay : 64;
		s->pay = realloc(s->pay, s->cap_pay * sizeof(*s->pay));
		s->pay_ref = realloc(s->pay_ref, s->cap_pay * sizeof(*s->pay_ref));
		if (!s->pay || !s->pay_ref)
			abort();
	}
	return s->n_pay++;
}

static void pay_put(struct sim *s, unsigned int i)
{
	if (--s->pay_ref[i])
		return;
	s->pay_ref[i] = s->free_pay;
	s->free_pay = i;
}

static uint64_t local_now(const struct sim *s, int i)
{
	return (uint64_t)((int64_t)s->now + s->h[i].clock_off);
}

/* Keeps one pending wake-up per host: the next period tick or heartbeat, whichever is first. */
static void schedule_wake(struct sim *s, int i)
{
	struct sim_host *h = &s->h[i];
	uint64_t send = (uint64_t)((int64_t)conv_next_send(h->c) - h->clock_off);
	uint64_t t = h->last_tick + s->T;
	struct sim_event ev = {.type = EV_WAKE, .host = (uint8_t)i};

	if (send < t)
		t = send;
	if (t < s->now)
		t = s->now;
	if (h->wake_at && h->wake_at <= t && h->wake_at >= s->now)
		return;
	h->wake_at = t;
	ev.t = t;
	ev.gen = ++h->wake_gen;
	sim_push(s, &ev);
}

static void send_heartbeat(struct sim *s, int i)
{
	struct sim_host *h = &s->h[i];
	uint8_t wire[WLBS_HB_LEN];
	struct wlbs_hb hb;
	unsigned int pi;
	int j, k, copies, err;

	conv_build(h->c, local_now(s, i), &hb);
	s->st.frames++;
	if (hb_encode(&hb, &s->key, wire, sizeof(wire)) != WLBS_HB_LEN) {
		sim_fail(s, "host %u: hb_encode failed", h->prio);
		return;
	}
	pi = pay_get(s);
	err = hb_decode(wire, sizeof(wire), hb.cluster_id, &s->key, &s->pay[pi]);
	if (err || memcmp(s->pay[pi].dirty, hb.dirty, sizeof(hb.dirty)) ||
	    s->pay[pi].view != hb.view || s->pay[pi].seq != hb.seq) {
		sim_fail(s, "host %u: heartbeat does not survive the codec (%d)", h->prio, err);
		return;
	}
	s->pay_ref[pi] = 1;
	for (j = 0; j < s->n; j++) {
		if (j == i || !s->h[j].exists || s->link[i][j].cut)
			continue;
		copies = sim_chance_ppm(s, s->dup_ppm) ? 2 : 1;
		for (k = 0; k < copies; k++) {
			struct sim_event ev = {
			    .type = EV_DELIVER, .host = (uint8_t)j, .from = (uint8_t)i, .gen = pi};

			if (sim_chance_ppm(s, s->link[i][j].loss_ppm))
				continue;
			ev.t = s->now + sim_range(s, 0, s->delay_max);
			ev.sent = s->now;
			s->pay_ref[pi]++;
			sim_push(s, &ev);
		}
	}
	pay_put(s, pi);
}

/* After anything happened to host @i: trace state changes, send if due, re-arm its timer. */
static void settle_host(struct sim *s, int i)
{
	struct sim_host *h = &s->h[i];
	struct conv_report r;

	if (!h->alive)
		return;
	if (conv_converged(h->c) != h->was_converged || conv_view(h->c) != h->was_view) {
		conv_report(h->c, &r);
		sim_tracef(s, "host %u: %s view %#llx leader %u%s%s", h->prio,
			   conv_converged(h->c) ? "converged" : "converging",
			   (unsigned long long)conv_view(h->c), r.leader,
			   r.excluded ? " excluded: " : "",
			   r.excluded ? conv_excl_name(r.excluded) : "");
		h->was_converged = conv_converged(h->c);
		h->was_view = conv_view(h->c);
	}
	check_host(s, i);
	if (s->now < h->stall_until)
		return; /* sends and wakes resume at the end of the stall */
	while (!s->stop && conv_next_send(h->c) <= local_now(s, i))
		send_heartbeat(s, i);
	schedule_wake(s, i);
}

void sim_boot(struct sim *s, int i)
{
	struct sim_host *h = &s->h[i];
	struct conv_params p = {
	    .self = h->prio,
	    .period_ms = s->T,
	    .tolerance = s->K,
	    .fence_ms = s->fence,
	    .cleanup_delay_ms = 4 * s->T,
	    .cluster_id = 0x0a000001,
	    .seed = 0x5eed,
	    .fingerprint = 0xf1f1,
	    .n_rules = s->n_rules,
	    .min_serving = h->min_serving,
	};

	memcpy(p.self_mac, h->mac, 6);
	memcpy(p.modes, s->modes, sizeof(s->modes));
	p.map = s->map;
	p.nonce = s->seed * 1000003 + (uint64_t)i * 131 + ++h->boot;
	if (!h->c)
		h->c = malloc(sizeof(*h->c));
	if (!h->c || conv_init(h->c, &p, local_now(s, i)))
		abort();
	h->alive = true;
	h->last_tick = s->now;
	h->wake_at = 0;
	h->stall_until = 0;
	h->was_converged = false;
	h->was_view = 0;
	conv_set_local(h->c, &h->local, local_now(s, i));
	conv_tick(h->c, local_now(s, i));
	sim_tracef(s, "host %u: boot %u (%s)", h->prio, h->boot,
		   h->local.state == WLBS_FP_RUNNING ? "running" : "stopped");
	settle_host(s, i);
}

static void set_state(struct sim *s, int i, uint8_t state)
{
	struct sim_host *h = &s->h[i];

	h->local.state = state;
	if (!h->alive)
		return;
	conv_set_local(h->c, &h->local, local_now(s, i));
	conv_tick(h->c, local_now(s, i));
	settle_host(s, i);
}

/*
 * Host @i stops processing for @ms (an overloaded CPU, a stalled VM): no
 * tick, no send; frames to it wait in its queue (in order) until the end,
 * stamped with their arrival or, @flags & SIM_STALL_LATE_STAMP, with the end
 * (the kernel stalled too). It then ticks before or after reading them.
 */
static void stall(struct sim *s, int i, uint32_t ms, uint8_t flags)
{
	struct sim_host *h = &s->h[i];
	struct sim_event ev = {.type = EV_WAKE, .host = (uint8_t)i};

	if (!h->alive || h->stall_until > s->now)
		return;
	sim_tracef(s, "SCRIPT host %u stalls for %u ms (%s stamps, %s first)", h->prio, ms,
		   flags & SIM_STALL_LATE_STAMP ? "late" : "arrival",
		   flags & SIM_STALL_TICK_FIRST ? "tick" : "frames");
	h->stall_until = s->now + ms;
	h->stall_flags = flags;
	/* Frames that wait are queued at stall_until, after this wake-up or before it. */
	ev.t = h->stall_until + !(flags & SIM_STALL_TICK_FIRST);
	ev.gen = ++h->wake_gen;
	h->wake_at = ev.t;
	sim_push(s, &ev);
}

static void do_script(struct sim *s, const struct sim_event *ev)
{
	int a = ev->a, b = ev->b, i, j;

	switch (ev->host) {
	case ACT_CRASH:
		if (!s->h[a].alive)
			break;
		sim_tracef(s, "SCRIPT crash host %u", s->h[a].prio);
		s->h[a].alive = false;
		check_host(s, a);
		break;
	case ACT_RESTART:
		if (s->h[a].alive)
			break;
		sim_tracef(s, "SCRIPT restart host %u", s->h[a].prio);
		sim_boot(s, a);
		break;
	case ACT_STOP:
	case ACT_START:
	case ACT_DRAIN:
		sim_tracef(s, "SCRIPT %s host %u",
			   ev->host == ACT_STOP	   ? "stop"
			   : ev->host == ACT_START ? "start"
						   : "drain",
			   s->h[a].prio);
		set_state(s, a,
			  ev->host == ACT_STOP	  ? WLBS_FP_STOPPED
			  : ev->host == ACT_START ? WLBS_FP_RUNNING
						  : WLBS_FP_DRAINING);
		break;
	case ACT_WEIGHT:
		sim_tracef(s, "SCRIPT host %u rule %d weight %u", s->h[a].prio, b, ev->arg);
		s->h[a].local.rules[b].weight = (uint8_t)ev->arg;
		s->h[a].local.rules[b].equal = false;
		set_state(s, a, s->h[a].local.state);
		break;
	case ACT_HEALTH:
		sim_tracef(s, "SCRIPT host %u rule %d check %s", s->h[a].prio, b,
			   ev->arg ? "fails" : "passes");
		s->h[a].local.rules[b].unhealthy = ev->arg;
		set_state(s, a, s->h[a].local.state);
		break;
	case ACT_PARTITION:
		sim_tracef(s, "SCRIPT partition side %#x", ev->arg);
		for (i = 0; i < s->n; i++)
			for (j = 0; j < s->n; j++)
				if (((ev->arg >> i) ^ (ev->arg >> j)) & 1)
					s->link[i][j].cut = true;
		break;
	case ACT_HEAL:
	case ACT_FINAL:
		sim_tracef(s, "SCRIPT %s", ev->host == ACT_HEAL ? "heal" : "final heal");
		for (i = 0; i < s->n; i++)
			for (j = 0; j < s->n; j++)
				s->link[i][j] = (struct sim_link){0};
		if (ev->host == ACT_FINAL)
			s->final_at = s->now;
		break;
	case ACT_ONEWAY:
		sim_tracef(s, "SCRIPT one-way loss %u -> %u", s->h[a].prio, s->h[b].prio);
		s->link[a][b].cut = true;
		break;
	case ACT_STALL:
		stall(s, a, ev->arg, (uint8_t)b);
		break;
	case ACT_DELAY:
		s->delay_max = ev->arg ? ev->arg : s->delay_run;
		sim_tracef(s, "SCRIPT frames take 0..%u ms", s->delay_max);
		break;
	case ACT_LOSS:
		sim_tracef(s, "SCRIPT loss %u ppm", ev->arg);
		for (i = 0; i < s->n; i++)
			for (j = 0; j < s->n; j++)
				s->link[i][j].loss_ppm = ev->arg;
		break;
	}
}

static void deliver(struct sim *s, const struct sim_event *ev)
{
	struct sim_host *h = &s->h[ev->host];
	uint64_t rx;
	int err;

	if (!h->alive) {
		pay_put(s, ev->gen);
		return;
	}
	if (s->now < h->stall_until) {
		struct sim_event q = *ev;

		q.t = h->stall_until;
		if (!(h->stall_flags & SIM_STALL_LATE_STAMP) && !q.rx)
			q.rx = s->now;
		sim_push(s, &q);
		return;
	}
	rx = ev->rx ? ev->rx : s->now;
	err = conv_receive(h->c, &s->pay[ev->gen], s->h[ev->from].mac,
			   (uint64_t)((int64_t)rx + h->clock_off));
	if (s->verbose) {
		const struct wlbs_hb *hb = &s->pay[ev->gen];

		sim_tracef(s, "  %u -> %u seq %llu flags %#x leader %u heard %#llx view %#llx%s",
			   s->h[ev->from].prio, h->prio, (unsigned long long)hb->seq, hb->flags,
			   hb->leader, (unsigned long long)hb->heard, (unsigned long long)hb->view,
			   err ? " (rejected)" : "");
	}
	pay_put(s, ev->gen);
	if (err) {
		s->st.rejected++;
	} else {
		s->st.delivered++;
		check_delivery(s, ev->from, ev->host, ev->sent);
	}
	conv_tick(h->c, local_now(s, ev->host));
	settle_host(s, ev->host);
}

int sim_run(struct sim *s, uint64_t until)
{
	while (s->n_ev && !s->stop && s->heap[0].t <= until) {
		struct sim_event ev = pop(s);

		s->now = ev.t;
		switch (ev.type) {
		case EV_WAKE: {
			struct sim_host *h = &s->h[ev.host];

			if (!h->alive || ev.gen != h->wake_gen || s->now < h->stall_until)
				break;
			h->wake_at = 0;
			if (s->now >= h->last_tick + s->T)
				h->last_tick = s->now;
			conv_tick(h->c, local_now(s, ev.host));
			settle_host(s, ev.host);
			break;
		}
		case EV_DELIVER:
			deliver(s, &ev);
			break;
		case EV_SCRIPT:
			do_script(s, &ev);
			break;
		}
		if (s->stop)
			break;
		check_agreement(s);
		/* Settled as of an instant: once every event of that instant ran. */
		if (!s->final_at || (s->n_ev && s->heap[0].t == s->now))
			continue;
		if (!s->settled_at && check_settled(s, true))
			s->settled_at = s->now;
		if (!s->full_at && check_settled(s, false))
			s->full_at = s->now;
	}
	if (!s->stop && s->now < until)
		s->now = until;
	return s->failure[0] ? -1 : 0;
}

void sim_setup(struct sim *s, uint64_t seed, bool trace)
{
	struct conv *keep[SIM_MAX_HOSTS];
	struct sim_event *heap = s->heap;
	struct wlbs_hb *pay = s->pay;
	unsigned int *pay_ref = s->pay_ref;
	size_t cap_ev = s->cap_ev;
	unsigned int cap_pay = s->cap_pay;
	int i;

	/* Reuse the big allocations across seeds. */
	for (i = 0; i < SIM_MAX_HOSTS; i++)
		keep[i] = s->h[i].c;
	memset(s, 0, sizeof(*s));
	for (i = 0; i < SIM_MAX_HOSTS; i++)
		s->h[i].c = keep[i];
	s->heap = heap;
	s->cap_ev = cap_ev;
	s->pay = pay;
	s->pay_ref = pay_ref;
	s->cap_pay = cap_pay;
	s->free_pay = UINT32_MAX;
	s->seed = seed;
	s->rng = seed * 0x2545f4914f6cdd1dull + 1;
	s->trace = trace;
	s->out = stdout;
}

void sim_free(struct sim *s)
{
	int i;

	for (i = 0; i < SIM_MAX_HOSTS; i++)
		free(s->h[i].c);
	free(s->heap);
	free(s->pay);
	free(s->pay_ref);
	free(s->gaps.v);
	free(s->overlaps.v);
}
