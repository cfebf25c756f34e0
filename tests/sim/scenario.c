// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios. A random run: hosts with random priorities, rules and weights,
 * a chaos phase (crashes, restarts, stops, drains, weight changes,
 * partitions and heals, one-way loss, random loss, duplication, delay and
 * reordering, health checks failing and passing), then a final heal after which every host must
 * settle within the liveness bound. And measured runs: failover after a crash, join, and partition
 * heal, on a clean network.
 */
#include <string.h>

#include "core/bucketmap.h"
#include "scenario.h"
#include "sim_map.h"

static void script(struct sim *s, uint64_t t, int action, int a, int b, uint32_t arg)
{
	struct sim_event ev = {.t = t,
			       .type = EV_SCRIPT,
			       .host = (uint8_t)action,
			       .a = (uint8_t)a,
			       .b = (uint8_t)b,
			       .arg = arg};

	sim_push(s, &ev);
}

/* Hosts, rules and network for @s->seed; @tk picks the period/tolerance (-1: random). */
static void make_cluster(struct sim *s, int n, uint32_t T, uint32_t K, bool clean)
{
	static const uint8_t modes[10] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 2};
	uint64_t used = 0;
	int i, r;

	s->n = n;
	s->T = T;
	s->K = K;
	s->fence = 2 * T;
	s->map = clean || s->seed % 16 == 1 ? sim_map_cached : sim_map_quick;
	s->n_rules = clean ? 1 : (uint8_t)sim_range(s, 1, SIM_MAX_RULES);
	for (r = 0; r < s->n_rules; r++)
		s->modes[r] = clean ? WLBS_MODE_MULTIPLE : modes[sim_range(s, 0, 9)];
	s->delay_max = clean ? T / 20 : sim_range(s, 0, T / 4);
	s->delay_run = s->delay_max;
	s->dup_ppm = clean || sim_chance_ppm(s, 500000) ? 0 : sim_range(s, 0, 50000);
	if (!clean && s->seed % 8 == 0)
		hb_key_derive("sim cluster key, 16+ bytes", 26, &s->key);
	for (i = 0; i < n; i++) {
		struct sim_host *h = &s->h[i];
		uint8_t p;

		do
			p = (uint8_t)(sim_chance_ppm(s, 500000) ? sim_range(s, 1, n + 2)
								: sim_range(s, 1, WLBS_MAX_HOSTS));
		while (used & wlbs_hb_bit(p));
		used |= wlbs_hb_bit(p);
		h->exists = true;
		h->prio = p;
		h->min_serving = 1; /* random runs draw theirs in health_faults */
		memcpy(h->mac, (uint8_t[6]){0x02, 0, 0, 0, 0, (uint8_t)(i + 1)}, 6);
		h->clock_off = (int64_t)sim_range(s, 0, 1000000000);
		memset(&h->local, 0, sizeof(h->local));
		h->local.state = WLBS_FP_RUNNING;
		for (r = 0; r < s->n_rules; r++) {
			struct conv_rule_local *l = &h->local.rules[r];

			l->equal = clean || sim_chance_ppm(s, 300000);
			l->weight = clean			? 0
				    : sim_chance_ppm(s, 100000) ? 0
								: sim_range(s, 1, 100);
			l->handling_prio = (uint8_t)sim_range(s, 1, WLBS_MAX_HOSTS);
		}
	}
}

/*
 * Health checks failing and passing, sometimes on every host at once (the
 * shared backend is down). Drawn from a stream of their own, so the other
 * faults of a seed stay what they were before health checks existed.
 */
static void health_faults(struct sim *s, int n, uint32_t T, uint32_t len)
{
	uint64_t keep = s->rng;
	int k, i, events;

	s->rng = s->seed ^ 0x4ea1746b3c0ffee5ull;
	for (i = 0; i < n; i++)
		s->h[i].min_serving = (uint8_t)sim_range(s, 0, 3);
	events = (int)sim_range(s, 0, 6);
	for (k = 0; k < events; k++) {
		uint64_t t = sim_range(s, T, len - 1), t2 = t + sim_range(s, 1, 30 * T);
		int r = (int)sim_range(s, 0, s->n_rules - 1), a = (int)sim_range(s, 0, n - 1);
		bool all = sim_chance_ppm(s, 300000), stays = sim_chance_ppm(s, 200000);

		for (i = 0; i < n; i++) {
			if (!all && i != a)
				continue;
			script(s, t, ACT_HEALTH, i, r, 1);
			/* Some failures outlast the final heal: the floor must hold settled too. */
			if (!stays)
				script(s, t2 < len ? t2 : len, ACT_HEALTH, i, r, 0);
		}
	}
	s->rng = keep;
}

void scenario_random(struct sim *s)
{
	static const uint32_t tk[][2] = {{100, 5}, {10, 2}, {50, 3}, {200, 2}, {20, 4}, {30, 2}};
	int c = (int)sim_range(s, 0, 5), n = (int)sim_range(s, 2, 7), i, k, events;
	uint32_t T = tk[c][0], len;

	make_cluster(s, n, T, tk[c][1], false);
	len = T * sim_range(s, 20, 100);
	for (i = 0; i < n; i++) {
		if (sim_chance_ppm(s, 150000))
			script(s, sim_range(s, T, len), ACT_RESTART, i, 0, 0); /* late join */
		else
			script(s, sim_range(s, 0, 2 * T), ACT_RESTART, i, 0, 0);
	}
	events = (int)sim_range(s, 0, 14);
	for (k = 0; k < events; k++) {
		uint64_t t = sim_range(s, T, len - 1);
		/* Every fault ends by the final heal. */
		uint64_t t2 = t + sim_range(s, 1, 30 * T);
		int a = (int)sim_range(s, 0, n - 1), b = (int)sim_range(s, 0, n - 1);
		int act = (int)sim_range(s, 0, 11);

		if (t2 > len)
			t2 = len;

		switch (act) {
		case 0:
		case 1:
			script(s, t, ACT_CRASH, a, 0, 0);
			script(s, t2, ACT_RESTART, a, 0, 0);
			break;
		case 2:
			script(s, t, ACT_STOP, a, 0, 0);
			script(s, t2, ACT_START, a, 0, 0);
			break;
		case 3:
			script(s, t, ACT_DRAIN, a, 0, 0);
			script(s, t2, ACT_START, a, 0, 0);
			break;
		case 4:
			script(s, t, ACT_WEIGHT, a, (int)sim_range(s, 0, s->n_rules - 1),
			       sim_range(s, 0, 100));
			break;
		case 5:
		case 6:
			script(s, t, ACT_PARTITION, 0, 0, (uint32_t)sim_range(s, 1, (1u << n) - 2));
			script(s, t2, ACT_HEAL, 0, 0, 0);
			break;
		case 7:
		case 8:
			if (a != b)
				script(s, t, ACT_ONEWAY, a, b, 0);
			break;
		case 9:
		case 10:
			script(s, t, ACT_LOSS, 0, 0, sim_range(s, 1, 300000));
			script(s, t2, ACT_LOSS, 0, 0, 0);
			break;
		default:
			script(s, t, ACT_HEAL, 0, 0, 0);
			break;
		}
	}
	health_faults(s, n, T, len);
	script(s, len, ACT_FINAL, 0, 0, 0);
	for (i = 0; i < n; i++)
		if (sim_chance_ppm(s, 500000))
			script(s, len, ACT_RESTART, i, 0, 0);
	/* Sometimes one-way loss stays: the cluster must still settle (one host out). */
	if (n > 2 && sim_chance_ppm(s, 200000)) {
		int a = (int)sim_range(s, 0, n - 1), b = (a + 1 + (int)sim_range(s, 0, n - 2)) % n;

		script(s, len, ACT_ONEWAY, a, b, 0);
	}
}

/* Runs until settled (or @limit ms more); returns the time taken, UINT64_MAX if not. */
static uint64_t run_settle(struct sim *s, uint64_t limit)
{
	uint64_t start = s->now;

	s->final_at = s->now;
	s->settled_at = 0;
	s->full_at = 0;
	if (check_settled(s, true))
		return 0;
	while (!s->stop && !s->settled_at && s->now < start + limit && s->n_ev)
		sim_run(s, s->heap[0].t);
	return s->settled_at ? s->settled_at - start : UINT64_MAX;
}

static void snapshot(const struct sim *s, int ref, uint8_t map[WLBS_BUCKETS])
{
	memcpy(map, s->h[ref].c->target[0], WLBS_BUCKETS);
}

static int first_running(const struct sim *s, int not )
{
	int i;

	for (i = 0; i < s->n; i++)
		if (i != not &&s->h[i].alive)
			return i;
	return -1;
}

static void moved(const uint8_t *a, const uint8_t *b, struct measure *m)
{
	uint16_t ca[WLBS_MAX_HOSTS + 1], cb[WLBS_MAX_HOSTS + 1];

	bm_shares(a, ca);
	bm_shares(b, cb);
	m->moved = bm_count_moved(a, b);
	m->min_moved = bm_min_moved(ca, cb);
}

void scenario_measure(struct sim *s, int kind, uint32_t T, uint32_t K, struct measure *m)
{
	int n = (int)sim_range(s, 3, 6), i, victim;
	uint64_t limit = 20ull * T * K + 100ull * T;
	uint8_t before[WLBS_BUCKETS], after[WLBS_BUCKETS];

	memset(m, 0, sizeof(*m));
	make_cluster(s, kind == MEASURE_JOIN ? n + 1 : n, T, K, true);
	for (i = 0; i < n; i++)
		script(s, sim_range(s, 0, T), ACT_RESTART, i, 0, 0);
	if (kind == MEASURE_HEAL)
		script(s, 0, ACT_PARTITION, 0, 0, (uint32_t)sim_range(s, 1, (1u << n) - 2));
	sim_run(s, 2 * T);
	if (kind == MEASURE_HEAL)
		sim_run(s, 3ull * T * K + 20ull * T); /* each side settles on its own */
	else if (run_settle(s, limit) == UINT64_MAX || s->stop) {
		m->time_ms = UINT64_MAX;
		return;
	}
	sim_run(s, s->now + sim_range(s, 0, 2 * T));
	victim = (int)sim_range(s, 0, n - 1);
	if (kind == MEASURE_START) {
		script(s, s->now, ACT_DRAIN, victim, 0, 0);
		sim_run(s, s->now);
		if (run_settle(s, limit) == UINT64_MAX || s->stop) {
			m->time_ms = UINT64_MAX;
			return;
		}
		sim_run(s, s->now + sim_range(s, 0, 2 * T));
	}
	snapshot(s, first_running(s, victim), before);
	if (kind != MEASURE_FAILOVER)
		check_track_start(s);
	if (kind == MEASURE_FAILOVER)
		script(s, s->now, ACT_CRASH, victim, 0, 0);
	else if (kind == MEASURE_JOIN)
		script(s, s->now, ACT_RESTART, n, 0, 0);
	else if (kind == MEASURE_DRAIN)
		script(s, s->now, ACT_DRAIN, victim, 0, 0);
	else if (kind == MEASURE_START)
		script(s, s->now, ACT_START, victim, 0, 0);
	else
		script(s, s->now, ACT_HEAL, 0, 0, 0);
	sim_run(s, s->now);
	m->time_ms = run_settle(s, limit);
	check_track_stop(s);
	if (m->time_ms == UINT64_MAX || (kind != MEASURE_FAILOVER && kind != MEASURE_JOIN))
		return;
	snapshot(s, first_running(s, victim), after);
	moved(before, after, m);
}

/*
 * Overload (issue 15): three hosts (priorities 1, 2, 3) at T/K, then @cycles
 * rounds of trouble: a random side cut off for 2..60 T (a host that neither
 * sends nor hears), sometimes with random loss; besides, from a stream of its
 * own, hosts that stall (no tick, no send, frames queued) for 2..60 T and
 * bursts of delayed, hence reordered, delivery. Then quiet: the final heal.
 */
void scenario_overload(struct sim *s, uint32_t T, uint32_t K, int cycles)
{
	uint64_t t, end, keep;
	int i, k;

	make_cluster(s, 3, T, K, false);
	for (i = 0; i < 3; i++)
		s->h[i].prio = (uint8_t)(i + 1);
	for (i = 0; i < 3; i++)
		script(s, sim_range(s, 0, 2 * T), ACT_RESTART, i, 0, 0);
	t = 30 * T;
	for (k = 0; k < cycles; k++) {
		script(s, t, ACT_PARTITION, 0, 0, sim_range(s, 1, 6));
		if (sim_chance_ppm(s, 300000))
			script(s, t, ACT_LOSS, 0, 0, sim_range(s, 1, 300000));
		t += sim_range(s, 2 * T, 60 * T);
		script(s, t, ACT_HEAL, 0, 0, 0);
		t += sim_range(s, 0, 10 * T);
	}
	end = t;
	keep = s->rng;
	s->rng = s->seed ^ 0x0e41ad57a11ull;
	for (k = 0; k < 2 * cycles; k++) {
		uint64_t at = sim_range(s, 30 * T, (uint32_t)t), len = sim_range(s, 2 * T, 60 * T);
		int who = (int)sim_range(s, 0, 2), how = (int)sim_range(s, 0, 3);

		/*
		 * Frames that waited out a stall and look new stretch the host's
		 * timeouts by the stall: past the fence it may miss a split
		 * (convergence.md, "What the design does not handle"). Such
		 * stalls stay within the fence.
		 */
		if ((how & SIM_STALL_LATE_STAMP) && len > s->fence)
			len = s->fence;
		script(s, at, ACT_STALL, who, how, (uint32_t)len);
		if (at + len > end)
			end = at + len;
	}
	for (k = 0; k < cycles / 2; k++) {
		uint64_t at = sim_range(s, 30 * T, (uint32_t)t);

		uint64_t stop = at + sim_range(s, 2 * T, 30 * T);

		script(s, at, ACT_DELAY, 0, 0, sim_range(s, T / 4, T));
		script(s, stop, ACT_DELAY, 0, 0, 0);
		if (stop > end)
			end = stop;
	}
	s->rng = keep;
	script(s, end + 1, ACT_DELAY, 0, 0, 0);
	script(s, end + 1, ACT_FINAL, 0, 0, 0);
}
