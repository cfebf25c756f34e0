// SPDX-License-Identifier: GPL-2.0
/*
 * Convergence, small cases on a tiny synchronous network (tests/sim runs the
 * big random ones): hosts join and leave, one-way loss, duplicate priority,
 * rule conflict, draining, release-then-acquire order, dirty buckets,
 * damping, health flags and min_serving, and the input checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/convergence.c"

#define T  10
#define K  3
#define NH 4

struct net {
	struct conv *c[NH];
	bool up[NH];	   /* process running */
	bool link[NH][NH]; /* i -> j delivers */
	uint8_t mac[NH][6];
	struct conv_local local[NH];
	uint64_t now;
	bool overlap; /* two hosts accepted one bucket at once */
	uint8_t fingerprint[NH];
	uint8_t min_serving[NH];
	int drop[NH][NH]; /* heartbeats i -> j still to lose */
	bool stalled[NH]; /* process stalled: no tick, no send; frames to it are lost */
	bool watch;	  /* count view changes in n->view_changes */
	uint64_t last_view[NH];
	int view_changes;
	uint8_t speaks[NH]; /* sends this heartbeat version, as a host of that version would */
};

static struct net *net_new(void)
{
	struct net *n = calloc(1, sizeof(*n));
	int i, j;

	for (i = 0; i < NH; i++) {
		n->c[i] = calloc(1, sizeof(struct conv));
		n->mac[i][0] = 2;
		n->mac[i][5] = (uint8_t)(i + 1);
		for (j = 0; j < NH; j++)
			n->link[i][j] = i != j;
		n->local[i].state = WLBS_FP_RUNNING;
		n->local[i].rules[0].equal = true;
		n->local[i].rules[1].handling_prio = (uint8_t)(i + 1);
	}
	n->now = 1000;
	return n;
}

static void net_free(struct net *n)
{
	for (int i = 0; i < NH; i++)
		free(n->c[i]);
	free(n);
}

/* Starts host @i with priority @prio (rule 0 multiple, rule 1 single). */
static void boot(struct net *n, int i, uint8_t prio)
{
	struct conv_params p = {.self = prio,
				.period_ms = T,
				.tolerance = K,
				.cleanup_delay_ms = 100,
				.cluster_id = 42,
				.seed = 7,
				.fingerprint = 0xabc + n->fingerprint[i],
				.n_rules = 2,
				.modes = {WLBS_MODE_MULTIPLE, WLBS_MODE_SINGLE},
				.min_serving = n->min_serving[i]};

	memcpy(p.self_mac, n->mac[i], 6);
	p.nonce = n->now * 16 + (uint64_t)i;
	assert_int_equal(conv_init(n->c[i], &p, n->now), 0);
	assert_int_equal(conv_set_local(n->c[i], &n->local[i], n->now), 0);
	n->up[i] = true;
}

static void set_state(struct net *n, int i, uint8_t state)
{
	n->local[i].state = state;
	assert_int_equal(conv_set_local(n->c[i], &n->local[i], n->now), 0);
}

static void check_overlap(struct net *n)
{
	int i, j, r, b;

	for (r = 0; r < 2; r++)
		for (b = 0; b < WLBS_BUCKETS; b++)
			for (i = 0; i < NH; i++)
				for (j = i + 1; j < NH; j++)
					if (n->up[i] && n->up[j] &&
					    conv_owners(n->c[i], r)[b] == n->c[i]->p.self &&
					    conv_owners(n->c[j], r)[b] == n->c[j]->p.self)
						n->overlap = true;
}

/* One millisecond: every host ticks, sends when due, frames arrive at once. */
static void step(struct net *n)
{
	struct wlbs_hb hb;
	int i, j;

	n->now++;
	for (i = 0; i < NH; i++) {
		if (!n->up[i] || n->stalled[i])
			continue;
		conv_tick(n->c[i], n->now);
		if (conv_next_send(n->c[i]) > n->now)
			continue;
		conv_build(n->c[i], n->now, &hb);
		if (n->speaks[i]) {
			hb.version = n->speaks[i];
			hb.flags &= WLBS_HB_F_ALL & ~WLBS_HB_F_UNCOVERED; /* what version 3 knows */
		}
		for (j = 0; j < NH; j++) {
			if (!n->up[j] || !n->link[i][j] || n->stalled[j])
				continue;
			if (n->drop[i][j] > 0) {
				n->drop[i][j]--;
				continue;
			}
			conv_receive(n->c[j], &hb, n->mac[i], n->now);
			conv_tick(n->c[j], n->now);
		}
	}
}

/* From now on, counts every change of an up host's view. */
static void watch_views(struct net *n)
{
	for (int i = 0; i < NH; i++)
		n->last_view[i] = conv_view(n->c[i]);
	n->view_changes = 0;
	n->watch = true;
}

static void run(struct net *n, int ms)
{
	int i;

	while (ms-- > 0) {
		step(n);
		if (!(n->now % 5))
			check_overlap(n);
		for (i = 0; n->watch && i < NH; i++) {
			if (n->up[i] && conv_view(n->c[i]) != n->last_view[i])
				n->view_changes++;
			n->last_view[i] = conv_view(n->c[i]);
		}
	}
}

static int owned(const struct conv *c, int rule)
{
	int b, k = 0;

	for (b = 0; b < WLBS_BUCKETS; b++)
		k += conv_owners(c, rule)[b] == c->p.self;
	return k;
}

static void test_two_hosts_join(void **state)
{
	struct net *n = net_new();

	(void)state;
	boot(n, 0, 1);
	run(n, 20 * T);
	assert_true(conv_converged(n->c[0]));
	assert_int_equal(conv_cause(n->c[0]), WLBS_CAUSE_STARTED);
	assert_int_equal(owned(n->c[0], 0), WLBS_BUCKETS);
	boot(n, 1, 2);
	run(n, 20 * T);
	assert_true(conv_converged(n->c[0]) && conv_converged(n->c[1]));
	assert_int_equal(conv_view(n->c[0]), 0x3);
	assert_int_equal(conv_view(n->c[1]), 0x3);
	assert_int_equal(owned(n->c[0], 0) + owned(n->c[1], 0), WLBS_BUCKETS);
	assert_int_equal(owned(n->c[0], 0), WLBS_BUCKETS / 2);
	/* Single host rule: handling priority 1 (host 1) takes all. */
	assert_int_equal(owned(n->c[0], 1), WLBS_BUCKETS);
	assert_int_equal(conv_default_host(n->c[0]), 1);
	assert_int_equal(conv_default_host(n->c[1]), 1);
	assert_int_equal(conv_cause(n->c[0]), WLBS_CAUSE_NEW_MEMBER);
	assert_false(n->overlap);
	net_free(n);
}

static void test_leave_and_rejoin(void **state)
{
	struct net *n = net_new();
	uint64_t changed;

	(void)state;
	boot(n, 0, 1);
	boot(n, 1, 2);
	run(n, 20 * T);
	assert_int_equal(conv_view(n->c[0]), 0x3);
	n->up[1] = false; /* crash: stops sending, state lost */
	changed = conv_changed(n->c[0]);
	run(n, T * K - 2 * T);
	assert_int_equal(conv_view(n->c[0]), 0x3); /* still within the tolerance */
	run(n, 6 * T);
	assert_true(conv_converged(n->c[0]));
	assert_int_equal(conv_view(n->c[0]), 0x1);
	assert_int_equal(conv_cause(n->c[0]), WLBS_CAUSE_MEMBER_LOST);
	assert_int_equal(owned(n->c[0], 0), WLBS_BUCKETS);
	assert_true(conv_changed(n->c[0]) != changed);
	boot(n, 1, 2);
	run(n, 20 * T);
	assert_int_equal(conv_view(n->c[1]), 0x3);
	assert_int_equal(owned(n->c[0], 0) + owned(n->c[1], 0), WLBS_BUCKETS);
	assert_false(n->overlap);
	net_free(n);
}

static void test_one_way_loss(void **state)
{
	struct net *n = net_new();
	struct conv_report r;

	(void)state;
	boot(n, 0, 1);
	boot(n, 1, 2);
	run(n, 20 * T);
	n->link[0][1] = false; /* 2 no longer hears 1; 1 still hears 2 */
	run(n, 30 * T);
	/* The host that is heard but not heard back yields: no split brain. */
	conv_report(n->c[0], &r);
	assert_int_equal(r.excluded, CONV_EXCL_DEAF);
	assert_int_equal(r.deaf, 0x2);
	assert_int_equal(owned(n->c[0], 0), 0);
	assert_true(conv_converged(n->c[1]));
	assert_int_equal(owned(n->c[1], 0), WLBS_BUCKETS);
	assert_int_equal(conv_default_host(n->c[1]), 2);
	assert_int_equal(conv_default_host(n->c[0]), 0);
	assert_false(n->overlap);
	/* Healed: back together. */
	n->link[0][1] = true;
	run(n, 20 * T);
	assert_int_equal(conv_view(n->c[0]), 0x3);
	assert_true(conv_converged(n->c[0]) && conv_converged(n->c[1]));
	assert_false(n->overlap);
	net_free(n);
}

static void test_duplicate_priority(void **state)
{
	struct net *n = net_new();
	struct conv_report r;

	(void)state;
	boot(n, 0, 1);
	boot(n, 1, 2);
	run(n, 20 * T);
	boot(n, 2, 2); /* a second host 2, later */
	run(n, 20 * T);
	conv_report(n->c[2], &r);
	assert_int_equal(r.excluded, CONV_EXCL_DUP);
	assert_true(r.duplicates & 0x2);
	assert_int_equal(owned(n->c[2], 0), 0);
	assert_int_equal(conv_cause(n->c[2]), WLBS_CAUSE_STARTED);
	conv_report(n->c[0], &r);
	assert_true(r.duplicates & 0x2);
	conv_report(n->c[1], &r);
	assert_int_equal(r.excluded, CONV_EXCL_NONE);
	assert_int_equal(conv_view(n->c[0]), 0x3);
	assert_int_equal(owned(n->c[0], 0) + owned(n->c[1], 0), WLBS_BUCKETS);
	assert_false(n->overlap);
	net_free(n);
}

static void test_rule_conflict(void **state)
{
	struct net *n = net_new();
	struct conv_report r;

	(void)state;
	boot(n, 0, 1);
	boot(n, 1, 2);
	run(n, 20 * T);
	n->fingerprint[2] = 1;
	boot(n, 2, 3); /* other port rules */
	run(n, 20 * T);
	conv_report(n->c[0], &r);
	assert_int_equal(r.conflicts, 0x4);
	assert_int_equal(conv_view(n->c[0]), 0x3);
	/* The smaller group stands down rather than split buckets silently. */
	conv_report(n->c[2], &r);
	assert_int_equal(r.conflicts, 0x3);
	assert_int_equal(r.excluded, CONV_EXCL_RULES);
	assert_int_equal(owned(n->c[2], 0), 0);
	assert_int_equal(owned(n->c[0], 0) + owned(n->c[1], 0), WLBS_BUCKETS);
	assert_false(n->overlap);
	net_free(n);
}

static void test_draining_stays_member(void **state)
{
	struct net *n = net_new();

	(void)state;
	boot(n, 0, 1);
	boot(n, 1, 2);
	run(n, 20 * T);
	set_state(n, 0, WLBS_FP_DRAINING);
	run(n, 20 * T);
	assert_true(conv_converged(n->c[0]));
	assert_int_equal(conv_view(n->c[1]), 0x3);
	assert_int_equal(owned(n->c[0], 0), 0);
	assert_int_equal(owned(n->c[0], 1), 0);
	assert_int_equal(owned(n->c[1], 0), WLBS_BUCKETS);
	assert_int_equal(owned(n->c[1], 1), WLBS_BUCKETS);
	assert_int_equal(conv_default_host(n->c[1]), 2); /* lowest running, not draining */
	/* Stopped: out of the view. */
	set_state(n, 0, WLBS_FP_STOPPED);
	run(n, 20 * T);
	assert_int_equal(conv_view(n->c[1]), 0x2);
	assert_false(n->overlap);
	net_free(n);
}

/*
 * Host 3 joins {1, 2}: it takes a bucket only after both others advertise
 * convergence on the new map (they released first), and, its previous owners
 * being unknown to it, not before the fence.
 */
static void test_release_then_acquire(void **state)
{
	struct net *n = net_new();
	uint64_t converged_at = 0;
	int i;

	(void)state;
	boot(n, 0, 1);
	boot(n, 1, 2);
	run(n, 20 * T);
	boot(n, 2, 3);
	for (i = 0; i < 40 * T && !owned(n->c[2], 0); i++) {
		run(n, 1);
		if (conv_converged(n->c[2]) && !converged_at)
			converged_at = n->now;
		if (owned(n->c[2], 0)) {
			const struct conv_peer *p1 = conv_peer(n->c[2], 1),
					       *p2 = conv_peer(n->c[2], 2);

			assert_true(p1->hb.flags & WLBS_HB_F_CONVERGED);
			assert_true(p2->hb.flags & WLBS_HB_F_CONVERGED);
			assert_true(p1->hb.digest == n->c[2]->digest);
			assert_true(p2->hb.digest == n->c[2]->digest);
			/*
			 * The members knew every previous owner (all in the view): the
			 * joiner takes its buckets as soon as they released, no fence.
			 */
			assert_true(p1->hb.flags & WLBS_HB_F_KNOWN_OWNERS);
			assert_true(p2->hb.flags & WLBS_HB_F_KNOWN_OWNERS);
			assert_true(n->now < converged_at + n->c[2]->p.fence_ms);
		}
	}
	assert_int_equal(owned(n->c[0], 0) + owned(n->c[1], 0) + owned(n->c[2], 0), WLBS_BUCKETS);
	assert_true(owned(n->c[2], 0) > 2600 && owned(n->c[2], 0) < 2900);
	check_overlap(n);
	assert_false(n->overlap);
	net_free(n);
}

static void test_receive_checks(void **state)
{
	struct net *n = net_new();
	struct wlbs_hb hb;

	(void)state;
	boot(n, 0, 1);
	boot(n, 1, 2);
	conv_build(n->c[1], n->now, &hb);
	assert_int_equal(conv_receive(n->c[0], &hb, n->mac[1], n->now), 0);
	assert_int_equal(conv_receive(n->c[0], &hb, n->mac[1], n->now), -EALREADY);
	hb.seq--;
	assert_int_equal(conv_receive(n->c[0], &hb, n->mac[1], n->now), -EALREADY);
	conv_build(n->c[0], n->now, &hb);
	assert_int_equal(conv_receive(n->c[0], &hb, n->mac[0], n->now), -ELOOP);
	hb.cluster_id = 43;
	assert_int_equal(conv_receive(n->c[1], &hb, n->mac[0], n->now), -EXDEV);
	net_free(n);
}

static void test_dirty_buckets_and_cleanup_delay(void **state)
{
	struct net *n = net_new();

	(void)state;
	n->local[1].dirty[0] = 0x01; /* host 2 holds connections in bucket 0 */
	boot(n, 0, 1);
	boot(n, 1, 2);
	run(n, 5 * T);
	assert_int_equal(conv_dirty(n->c[0])[0], 0x01);
	assert_int_equal(conv_dirty(n->c[1])[0], 0x00); /* only other hosts' */
	n->up[1] = false;
	run(n, T * K + T);
	assert_int_equal(conv_dirty(n->c[0])[0], 0x01); /* vanished, within the cleanup delay */
	run(n, 100);
	assert_int_equal(conv_dirty(n->c[0])[0], 0x00);
	net_free(n);
}

/* Connections no rule covers: the same, one flag for them all (the default host's traffic). */
static void test_uncovered_connections_and_cleanup_delay(void **state)
{
	struct net *n = net_new();

	(void)state;
	n->local[1].uncovered = true; /* host 2 holds connections no rule covers */
	boot(n, 0, 1);
	boot(n, 1, 2);
	run(n, 5 * T);
	assert_true(conv_uncovered_dirty(n->c[0]));
	assert_false(conv_uncovered_dirty(n->c[1])); /* only other hosts' */
	n->local[1].uncovered = false;
	assert_int_equal(conv_set_local(n->c[1], &n->local[1], n->now), 0);
	run(n, 2 * T);
	assert_false(conv_uncovered_dirty(n->c[0])); /* they ended */
	n->local[1].uncovered = true;
	assert_int_equal(conv_set_local(n->c[1], &n->local[1], n->now), 0);
	run(n, 2 * T);
	assert_true(conv_uncovered_dirty(n->c[0]));
	n->up[1] = false;
	run(n, T * K + T);
	assert_true(conv_uncovered_dirty(n->c[0])); /* vanished, within the cleanup delay */
	run(n, 100);
	assert_false(conv_uncovered_dirty(n->c[0]));
	net_free(n);
}

/*
 * A rolling upgrade: a host that speaks only version 3 is heard and answered
 * in version 3 (it would drop version 4), one cluster; once it is gone,
 * version 4 with the flag it lacks.
 */
static void test_speaks_oldest_version_while_heard(void **state)
{
	struct net *n = net_new();
	struct wlbs_hb hb;

	(void)state;
	n->speaks[1] = WLBS_HB_VERSION_OLDEST;
	n->local[0].uncovered = true;
	boot(n, 0, 1);
	boot(n, 1, 2);
	run(n, 5 * T);
	assert_int_equal(conv_view(n->c[0]), 0x3);
	conv_build(n->c[0], n->now, &hb);
	assert_int_equal(hb.version, WLBS_HB_VERSION_OLDEST);
	assert_false(hb.flags & WLBS_HB_F_UNCOVERED);
	n->up[1] = false;
	run(n, T * K + T);
	conv_build(n->c[0], n->now, &hb);
	assert_int_equal(hb.version, WLBS_HB_VERSION);
	assert_true(hb.flags & WLBS_HB_F_UNCOVERED);
	net_free(n);
}

static void test_flapping_host_is_held_out(void **state)
{
	struct net *n = net_new();
	struct conv_report r;
	int k;

	(void)state;
	boot(n, 0, 1);
	boot(n, 1, 2);
	boot(n, 2, 3);
	run(n, 20 * T);
	for (k = 0; k < 4; k++) { /* host 3 comes and goes */
		n->up[2] = false;
		run(n, T * K + 2 * T);
		boot(n, 2, 3);
		run(n, 8 * T);
	}
	run(n, 10 * T);
	conv_report(n->c[0], &r);
	assert_int_equal(r.damped, 0x4);
	assert_int_equal(conv_view(n->c[0]), 0x3);
	assert_true(conv_converged(n->c[0]));
	conv_report(n->c[2], &r);
	assert_int_equal(r.excluded, CONV_EXCL_NOT_IN_VIEW);
	/* The hold-down ends (at least 1 s here), and it is back. */
	run(n, 1000);
	assert_int_equal(conv_view(n->c[0]), 0x7);
	assert_false(n->overlap);
	net_free(n);
}

/*
 * The leader's own process stalls (a busy CPU) five times in 30 s, each time
 * longer than the timeout: every peer times out on it, and on them it does.
 * Those leaves were its doing: it holds nobody down, and the cluster is
 * whole again right after the last stall (issue 15: it held both others out
 * for up to a minute, and they followed its view {1}).
 */
static void test_own_stalls_damp_nobody(void **state)
{
	struct net *n = net_new();
	struct conv_report r;
	int k;

	(void)state;
	boot(n, 0, 1);
	boot(n, 1, 2);
	boot(n, 2, 3);
	run(n, 20 * T);
	assert_int_equal(conv_view(n->c[0]), 0x7);
	for (k = 0; k < 5; k++) {
		n->stalled[0] = true;
		run(n, T * K + 3 * T);
		n->stalled[0] = false;
		run(n, 10 * T);
	}
	run(n, T * K + 4 * T);
	conv_report(n->c[0], &r);
	assert_int_equal(r.damped, 0);
	assert_int_equal(conv_view(n->c[0]), 0x7);
	assert_true(conv_converged(n->c[0]) && conv_converged(n->c[1]) && conv_converged(n->c[2]));
	/* No overlap check: a stalled process cannot drop what it holds. */
	net_free(n);
}

/*
 * Its receive path goes deaf (flooded) five times in 30 s while it keeps
 * sending and ticking: every peer it heard goes silent at once, so none of
 * them is held down for it.
 */
static void test_deaf_spells_damp_nobody(void **state)
{
	struct net *n = net_new();
	struct conv_report r;
	int k;

	(void)state;
	boot(n, 0, 1);
	boot(n, 1, 2);
	boot(n, 2, 3);
	run(n, 20 * T);
	for (k = 0; k < 5; k++) {
		n->link[1][0] = n->link[2][0] = false;
		run(n, T * K + 3 * T);
		n->link[1][0] = n->link[2][0] = true;
		run(n, 10 * T);
	}
	run(n, T * K + 4 * T);
	conv_report(n->c[0], &r);
	assert_int_equal(r.damped, 0);
	assert_int_equal(conv_view(n->c[0]), 0x7);
	assert_true(conv_converged(n->c[0]) && conv_converged(n->c[1]) && conv_converged(n->c[2]));
	net_free(n);
}

/* With no third host to compare with, a peer that keeps leaving is still held out. */
static void test_flapping_peer_of_two_is_held_out(void **state)
{
	struct net *n = net_new();
	struct conv_report r;
	int k;

	(void)state;
	boot(n, 0, 1);
	boot(n, 1, 2);
	run(n, 20 * T);
	for (k = 0; k < 4; k++) {
		n->up[1] = false;
		run(n, T * K + 2 * T);
		boot(n, 1, 2);
		run(n, 8 * T);
	}
	run(n, 10 * T);
	conv_report(n->c[0], &r);
	assert_int_equal(r.damped, 0x2);
	assert_int_equal(conv_view(n->c[0]), 0x1);
	net_free(n);
}

/*
 * A host that flapped long enough for its holds to double (up to 60 s) is
 * back once it has been heard without a break for the first hold (1 s here),
 * not when the doubled holds run out: after an overload every heartbeat
 * arrives again, and the cluster must re-form within T*K + 4T + 1 s.
 */
static void test_hold_ends_once_back_for_the_first_hold(void **state)
{
	struct net *n = net_new();
	struct conv_report r;
	uint64_t back;
	int k;

	(void)state;
	boot(n, 0, 1);
	boot(n, 1, 2);
	boot(n, 2, 3);
	run(n, 20 * T);
	for (k = 0; k < 16; k++) { /* host 3 comes and goes for 2.4 s */
		n->up[2] = false;
		run(n, T * K + 2 * T);
		boot(n, 2, 3);
		run(n, 10 * T);
	}
	back = n->now;
	conv_report(n->c[0], &r);
	assert_int_equal(r.damped, 0x4);
	assert_true(n->c[0]->hosts[3].hold_until_ms > n->now + 1000); /* doubled */
	run(n, 800);
	conv_report(n->c[0], &r);
	assert_int_equal(r.damped, 0x4); /* not back for long enough yet */
	while (n->now - back < 1000 + T * K + 4 * T &&
	       !(conv_view(n->c[0]) == 0x7 && conv_converged(n->c[0]) && conv_converged(n->c[1]) &&
		 conv_converged(n->c[2])))
		run(n, 1);
	print_message("  back in %llu ms after it stopped flapping\n",
		      (unsigned long long)(n->now - back));
	assert_int_equal(conv_view(n->c[0]), 0x7);
	assert_true(conv_converged(n->c[2]));
	assert_false(n->overlap);
	net_free(n);
}

static void test_listening_host_does_not_lead(void **state)
{
	struct net *n = net_new();
	struct conv_report r;

	(void)state;
	boot(n, 0, 2);
	run(n, T * K - 2);
	conv_report(n->c[0], &r);
	assert_true(r.listening);
	assert_int_equal(r.leader, 0);
	assert_int_equal(owned(n->c[0], 0), 0);
	run(n, 4 * T);
	assert_true(conv_converged(n->c[0]));
	assert_int_equal(owned(n->c[0], 0), WLBS_BUCKETS);
	net_free(n);
}

static void test_bad_parameters(void **state)
{
	struct conv *c = calloc(1, sizeof(*c));
	struct conv_params p = {.self = 1, .period_ms = 100, .tolerance = 5, .n_rules = 1};
	struct conv_local l = {.state = WLBS_FP_RUNNING};

	(void)state;
	p.self = 0;
	assert_int_equal(conv_init(c, &p, 0), -EINVAL);
	p.self = 65;
	assert_int_equal(conv_init(c, &p, 0), -EINVAL);
	p.self = 1;
	p.period_ms = 0;
	assert_int_equal(conv_init(c, &p, 0), -EINVAL);
	p.period_ms = 100;
	p.modes[0] = 3;
	assert_int_equal(conv_init(c, &p, 0), -EINVAL);
	p.modes[0] = 0;
	p.n_rules = WLBS_MAX_RULES + 1;
	assert_int_equal(conv_init(c, &p, 0), -EINVAL);
	p.n_rules = 1;
	assert_int_equal(conv_init(c, &p, 0), 0);
	l.rules[0].weight = 101;
	assert_int_equal(conv_set_local(c, &l, 0), -EINVAL);
	l.rules[0].weight = 100;
	l.state = 3;
	assert_int_equal(conv_set_local(c, &l, 0), -EINVAL);
	assert_int_equal(c->local.state, WLBS_FP_STOPPED); /* unchanged */
	assert_string_equal(conv_excl_name(CONV_EXCL_DEAF), "a member does not hear this host");
	assert_null(conv_excl_name(CONV_EXCL_MAX));
	free(c);
}

/*
 * Hosts with two rule sets: the larger group serves, whatever the order the
 * hosts started in (h1 on set X, h2 and h3 on set Y), and it stays so.
 */
static void test_rule_conflict_any_start_order(void **state)
{
	static const int orders[2][3] = {{0, 1, 2}, {2, 1, 0}};
	struct conv_report r;
	struct net *n;
	int o, k;

	(void)state;
	for (o = 0; o < 2; o++) {
		n = net_new();
		n->fingerprint[1] = n->fingerprint[2] = 1;
		for (k = 0; k < 3; k++) {
			boot(n, orders[o][k], (uint8_t)(orders[o][k] + 1));
			run(n, 20 * T);
		}
		watch_views(n);
		run(n, 50 * T);
		conv_report(n->c[0], &r);
		assert_int_equal(r.excluded, CONV_EXCL_RULES);
		assert_int_equal(owned(n->c[0], 0), 0);
		assert_int_equal(conv_view(n->c[1]), 0x6);
		assert_int_equal(conv_view(n->c[2]), 0x6);
		assert_int_equal(owned(n->c[1], 0) + owned(n->c[2], 0), WLBS_BUCKETS);
		assert_int_equal(n->view_changes, 0); /* stable while nothing changes */
		assert_false(n->overlap);
		net_free(n);
	}
}

/* A host kept out by other port rules still serves what it holds: it stays dirty. */
static void test_conflicting_host_keeps_dirty(void **state)
{
	struct net *n = net_new();

	(void)state;
	n->local[2].dirty[1] = 0x80; /* host 3 holds connections in bucket 15 */
	n->fingerprint[2] = 1;
	boot(n, 0, 1);
	boot(n, 1, 2);
	boot(n, 2, 3);
	run(n, 20 * T);
	assert_int_equal(owned(n->c[2], 0), 0);
	assert_int_equal(conv_dirty(n->c[0])[1], 0x80);
	assert_int_equal(conv_dirty(n->c[1])[1], 0x80);
	net_free(n);
}

/* A host that says goodbye (stopped) is left out at once, its held buckets still dirty. */
static void test_goodbye_leaves_at_once(void **state)
{
	struct net *n = net_new();
	uint64_t t0;

	(void)state;
	n->local[1].dirty[0] = 0x01;
	boot(n, 0, 1);
	boot(n, 1, 2);
	boot(n, 2, 3);
	run(n, 20 * T);
	assert_int_equal(conv_view(n->c[0]), 0x7);
	set_state(n, 1, WLBS_FP_STOPPED); /* its last heartbeat, then it exits */
	run(n, 1);
	n->up[1] = false;
	t0 = n->now;
	while (n->now - t0 < (uint64_t)(T * K) &&
	       !(conv_converged(n->c[0]) && conv_view(n->c[0]) == 0x5 && !n->c[0]->gains_pending &&
		 conv_converged(n->c[2]) && conv_view(n->c[2]) == 0x5 && !n->c[2]->gains_pending))
		run(n, 1);
	print_message("  converged without host 2 %llu ms after its goodbye (T %d)\n",
		      (unsigned long long)(n->now - t0), T);
	assert_true(n->now - t0 <= 3 * T);
	assert_int_equal(owned(n->c[0], 0) + owned(n->c[2], 0), WLBS_BUCKETS);
	assert_int_equal(conv_dirty(n->c[0])[0], 0x01);
	assert_false(n->overlap);
	net_free(n);
}

/* Losing K-1 heartbeats in a row never changes membership, whichever host loses them. */
static void test_k_minus_one_losses_keep_membership(void **state)
{
	struct net *n;
	int i, j;

	(void)state;
	for (i = 0; i < 2; i++) {
		n = net_new();
		boot(n, 0, 1);
		boot(n, 1, 2);
		run(n, 20 * T);
		watch_views(n);
		for (j = 0; j < 5; j++) {
			n->drop[i][1 - i] = K - 1;
			run(n, (K + 2) * T);
		}
		assert_int_equal(n->view_changes, 0);
		/* K lost: the host is gone. */
		n->drop[i][1 - i] = K;
		run(n, (K + 2) * T);
		assert_true(n->view_changes > 0);
		net_free(n);
	}
}

/* Host @i's check for rule @r passes (false) or fails (true). */
static void set_unhealthy(struct net *n, int i, int r, bool bad)
{
	n->local[i].rules[r].unhealthy = bad;
	assert_int_equal(conv_set_local(n->c[i], &n->local[i], n->now), 0);
}

/* Hosts 1..3 (indexes 0..2) converged, with min_serving @ms each. */
static struct net *three_hosts(uint8_t ms)
{
	struct net *n = net_new();

	for (int i = 0; i < 3; i++) {
		n->min_serving[i] = ms;
		boot(n, i, (uint8_t)(i + 1));
	}
	run(n, 30 * T);
	for (int i = 0; i < 3; i++)
		assert_true(conv_converged(n->c[i]));
	return n;
}

/* Every host agrees on who is kept serving rule @r anyway, and it is @mask. */
static void assert_kept(struct net *n, int r, uint64_t mask)
{
	for (int i = 0; i < 3; i++)
		assert_int_equal(conv_kept(n->c[i], (unsigned int)r), mask);
}

static void test_unhealthy_host_drains_only_its_rule(void **state)
{
	struct net *n = three_hosts(1);

	(void)state;
	set_unhealthy(n, 1, 0, true);
	run(n, 20 * T);
	assert_true(conv_converged(n->c[0]) && conv_converged(n->c[1]));
	assert_int_equal(owned(n->c[1], 0), 0);
	assert_int_equal(owned(n->c[0], 0) + owned(n->c[2], 0), WLBS_BUCKETS);
	assert_int_equal(owned(n->c[0], 1), WLBS_BUCKETS); /* rule 1 untouched */
	assert_int_equal(conv_view(n->c[0]), 0x7);	   /* still a member */
	assert_kept(n, 0, 0);
	/* Healthy again: it takes its share back. */
	set_unhealthy(n, 1, 0, false);
	run(n, 20 * T);
	assert_in_range(owned(n->c[1], 0), WLBS_BUCKETS / 3, WLBS_BUCKETS / 3 + 1);
	assert_false(n->overlap);
	net_free(n);
}

static void test_min_serving_keeps_the_best_unhealthy(void **state)
{
	struct net *n = three_hosts(1);

	(void)state;
	for (int i = 0; i < 3; i++)
		set_unhealthy(n, i, 0, true);
	run(n, 20 * T);
	/* The shared backend is down everywhere: host 1 (lowest priority) keeps it all. */
	assert_kept(n, 0, 0x1);
	assert_int_equal(owned(n->c[0], 0), WLBS_BUCKETS);
	assert_int_equal(conv_min_serving(n->c[2]), 1);
	/* Single host: 1 and 2 fail, healthy 3 takes it despite its worse handling priority. */
	set_unhealthy(n, 0, 1, true);
	set_unhealthy(n, 1, 1, true);
	run(n, 20 * T);
	assert_kept(n, 1, 0);
	assert_int_equal(owned(n->c[2], 1), WLBS_BUCKETS);
	/* ...and once 3 fails too, the best handling priority (host 1) is kept. */
	n->local[0].rules[1].handling_prio = 9;
	set_unhealthy(n, 0, 1, true);
	set_unhealthy(n, 2, 1, true);
	run(n, 20 * T);
	assert_kept(n, 1, 0x2);
	assert_int_equal(owned(n->c[1], 1), WLBS_BUCKETS);
	assert_false(n->overlap);
	net_free(n);
}

static void test_operator_drain_does_not_count_as_serving(void **state)
{
	struct net *n = three_hosts(1);

	(void)state;
	n->local[0].rules[0].off = true; /* the operator drained rule 0 on host 1 */
	set_unhealthy(n, 0, 0, false);
	set_unhealthy(n, 1, 0, true);
	set_unhealthy(n, 2, 0, true);
	run(n, 20 * T);
	assert_kept(n, 0, 0x2);
	assert_int_equal(owned(n->c[0], 0), 0);
	assert_int_equal(owned(n->c[1], 0), WLBS_BUCKETS);
	assert_false(n->overlap);
	net_free(n);
}

static void test_min_serving_largest_member_value_wins(void **state)
{
	struct net *n = net_new();

	(void)state;
	n->min_serving[0] = 2; /* host 1 asks for two; 2 and 3 for none */
	for (int i = 0; i < 3; i++)
		boot(n, i, (uint8_t)(i + 1));
	run(n, 30 * T);
	for (int i = 0; i < 3; i++)
		set_unhealthy(n, i, 0, true);
	run(n, 20 * T);
	for (int i = 0; i < 3; i++)
		assert_int_equal(conv_min_serving(n->c[i]), 2);
	assert_kept(n, 0, 0x3);
	assert_int_equal(owned(n->c[0], 0) + owned(n->c[1], 0), WLBS_BUCKETS);
	/* min_serving 0 everywhere: every unhealthy host steps out, the rule goes dark. */
	n->min_serving[0] = 0;
	boot(n, 0, 1);
	set_unhealthy(n, 0, 0, true);
	run(n, 30 * T);
	assert_kept(n, 0, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(owned(n->c[i], 0), 0);
	net_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_hosts_join),
	    cmocka_unit_test(test_leave_and_rejoin),
	    cmocka_unit_test(test_one_way_loss),
	    cmocka_unit_test(test_duplicate_priority),
	    cmocka_unit_test(test_rule_conflict),
	    cmocka_unit_test(test_rule_conflict_any_start_order),
	    cmocka_unit_test(test_conflicting_host_keeps_dirty),
	    cmocka_unit_test(test_goodbye_leaves_at_once),
	    cmocka_unit_test(test_k_minus_one_losses_keep_membership),
	    cmocka_unit_test(test_draining_stays_member),
	    cmocka_unit_test(test_release_then_acquire),
	    cmocka_unit_test(test_receive_checks),
	    cmocka_unit_test(test_dirty_buckets_and_cleanup_delay),
	    cmocka_unit_test(test_uncovered_connections_and_cleanup_delay),
	    cmocka_unit_test(test_speaks_oldest_version_while_heard),
	    cmocka_unit_test(test_flapping_host_is_held_out),
	    cmocka_unit_test(test_own_stalls_damp_nobody),
	    cmocka_unit_test(test_deaf_spells_damp_nobody),
	    cmocka_unit_test(test_flapping_peer_of_two_is_held_out),
	    cmocka_unit_test(test_hold_ends_once_back_for_the_first_hold),
	    cmocka_unit_test(test_listening_host_does_not_lead),
	    cmocka_unit_test(test_bad_parameters),
	    cmocka_unit_test(test_unhealthy_host_drains_only_its_rule),
	    cmocka_unit_test(test_min_serving_keeps_the_best_unhealthy),
	    cmocka_unit_test(test_operator_drain_does_not_count_as_serving),
	    cmocka_unit_test(test_min_serving_largest_member_value_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
