/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deterministic simulation of convergence: N instances of daemon/core/convergence.c
 * on a simulated Ethernet segment with virtual time. Everything random comes
 * from the seed, so a seed replays exactly (build/sim --seed N --trace).
 */
#ifndef WLBS_SIM_H
#define WLBS_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/convergence.h"
#include "hb_codec.h"

#define SIM_MAX_HOSTS 8
#define SIM_MAX_RULES 3
/* Pseudo-rule index of the default host in the ownership masks. */
#define SIM_DEFAULT_SLOT SIM_MAX_RULES

/* What the network does to frames from host i to host j. */
struct sim_link {
	bool cut;	   /* partition or one-way loss: nothing gets through */
	uint32_t loss_ppm; /* random loss, parts per million */
};

struct sim_host {
	bool exists; /* part of this run */
	bool alive;  /* process running; a crash loses all state */
	uint8_t prio;
	uint8_t min_serving; /* its config's min_serving */
	uint8_t mac[6];
	int64_t clock_off; /* its monotonic clock = virtual time + offset */
	unsigned int boot; /* incarnation, for the nonce */
	struct conv *c;
	struct conv_local local;
	uint64_t wake_at; /* pending wake-up (virtual ms) */
	unsigned int wake_gen;
	uint64_t last_tick;
	uint64_t seen_changed; /* conv_changed() last looked at by the checker */
	bool seen_alive;
	uint8_t seen[SIM_MAX_RULES][WLBS_BUCKETS]; /* conv_owners() then */
	bool was_converged;
	uint64_t was_view;
	uint64_t stall_until; /* processing stalled (no tick, send or receive) until then */
	uint8_t stall_flags;  /* SIM_STALL_* of the current stall */
};

/* How a stall ends (ACT_STALL b). */
#define SIM_STALL_LATE_STAMP 1 /* frames that waited carry the end of the stall as arrival */
#define SIM_STALL_TICK_FIRST 2 /* the host ticks before it reads what waited */

enum sim_ev_type {
	EV_WAKE,    /* host timer: tick, maybe send */
	EV_DELIVER, /* a heartbeat arrives */
	EV_SCRIPT,  /* scenario step */
};

struct sim_event {
	uint64_t t;
	uint64_t order; /* insertion order: ties are deterministic */
	uint8_t type;
	uint8_t host;	  /* wake: host; deliver: receiver; script: action */
	uint8_t from;	  /* deliver: sender */
	uint8_t a, b;	  /* script arguments */
	unsigned int gen; /* wake generation; deliver: payload index */
	uint32_t arg;
	uint64_t rx;   /* deliver: arrival, when it waited out a stall (0 = t) */
	uint64_t sent; /* deliver: when it was sent */
};

/* Scenario steps. */
enum sim_action {
	ACT_CRASH,     /* a: host */
	ACT_RESTART,   /* a: host */
	ACT_STOP,      /* a */
	ACT_START,     /* a */
	ACT_DRAIN,     /* a */
	ACT_WEIGHT,    /* a, b = rule, arg = weight */
	ACT_PARTITION, /* arg: bit i = host i on side 1 */
	ACT_HEAL,      /* every link up, no loss */
	ACT_ONEWAY,    /* a -> b cut */
	ACT_LOSS,      /* arg: ppm on every link */
	ACT_HEALTH,    /* a, b = rule, arg = 1: its check fails, 0: passes */
	ACT_STALL,     /* a: host stops processing for arg ms, b = SIM_STALL_* */
	ACT_DELAY,     /* arg: frames take 0..arg ms from now on (0: the run's delay_max) */
	ACT_FINAL,     /* end of faults: start measuring liveness */
};

/* A growing list of durations (ms). */
struct sim_samples {
	uint32_t *v;
	size_t n, cap;
};

struct sim_stats {
	uint64_t frames, delivered, rejected;
	uint64_t violations;
};

struct sim {
	uint64_t seed;
	uint64_t rng;
	uint64_t now;
	bool trace, verbose;
	FILE *out;
	/* configuration */
	int n;
	struct sim_host h[SIM_MAX_HOSTS];
	uint32_t T, K, fence;
	uint32_t delay_max; /* ms, frames take 0..delay_max */
	uint32_t delay_run; /* the run's own delay_max (ACT_DELAY 0 restores it) */
	uint32_t dup_ppm;   /* duplicated frames */
	uint8_t n_rules;
	uint8_t modes[SIM_MAX_RULES];
	struct hb_key key;
	conv_map_fn map; /* bucket map of the simulated hosts */
	struct sim_link link[SIM_MAX_HOSTS][SIM_MAX_HOSTS];
	/* events */
	struct sim_event *heap;
	size_t n_ev, cap_ev;
	uint64_t order;
	/* heartbeats in flight, shared by their deliveries */
	struct wlbs_hb *pay;
	unsigned int *pay_ref;
	unsigned int n_pay, cap_pay, free_pay;
	/* safety checker */
	uint64_t own[SIM_MAX_RULES + 1][WLBS_BUCKETS]; /* bit i: host i accepts the bucket */
	uint64_t lastd[SIM_MAX_HOSTS][SIM_MAX_HOSTS];  /* sent time of the last accepted i -> j */
	bool cut_mark[SIM_MAX_HOSTS][SIM_MAX_HOSTS];   /* pair silent both ways >= G ... */
	bool rec[SIM_MAX_HOSTS][SIM_MAX_HOSTS];	       /* ...and i -> j delivered since */
	bool agree_dirty;
	bool uncut; /* a pair heard each other again: recheck every overlap */
	/* transitions of measured runs (check_track_start): gaps and overlaps, in ms */
	bool track;
	uint64_t gap_since[SIM_MAX_RULES][WLBS_BUCKETS]; /* nobody accepts it since, 0 = owned */
	uint64_t ovl_since[SIM_MAX_RULES][WLBS_BUCKETS]; /* two hosts accept it since, 0 = not */
	struct sim_samples gaps, overlaps;
	/* liveness */
	uint64_t final_at;   /* ACT_FINAL time, 0 = not yet */
	uint64_t settled_at; /* first time settled after final_at (held hosts may be out) */
	uint64_t full_at;    /* first time settled with every held host back in */
	bool stop;
	char failure[256];
	struct sim_stats st;
};

/* world.c */
void sim_setup(struct sim *s, uint64_t seed, bool trace);
void sim_free(struct sim *s);
void sim_push(struct sim *s, const struct sim_event *ev);
/* Runs until @until (virtual ms) or a failure. Returns 0, or -1 on a property failure. */
int sim_run(struct sim *s, uint64_t until);
void sim_boot(struct sim *s, int i);
void sim_tracef(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t sim_rand(struct sim *s);
uint32_t sim_range(struct sim *s, uint32_t lo, uint32_t hi); /* lo..hi inclusive */
bool sim_chance_ppm(struct sim *s, uint32_t ppm);

/* check.c */
void check_reset(struct sim *s);
/* After host @i may have changed: update ownership, check safety. */
void check_host(struct sim *s, int i);
/*
 * A frame i -> j sent at @sent was accepted at s->now: exposure bookkeeping
 * (and check if a pair un-cut).
 */
void check_delivery(struct sim *s, int i, int j, uint64_t sent);
/* Agreement (all converged on one view => one map) and settledness. */
void check_agreement(struct sim *s);
/* Settled; @held_out: hosts held down for flapping may be left out. */
bool check_settled(struct sim *s, bool held_out);
/*
 * From now on, records per bucket of the rules how long it goes unowned after
 * its owner let it go (s->gaps) and how long two hosts accept it (s->overlaps,
 * counted from now for an overlap already there, e.g. a partition that heals).
 */
void check_track_start(struct sim *s);
/* Ends tracking; an overlap or gap still open is recorded up to now. */
void check_track_stop(struct sim *s);
/* Every host's convergence state, into the trace. */
void sim_dump(struct sim *s);
void sim_fail(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* WLBS_SIM_H */
