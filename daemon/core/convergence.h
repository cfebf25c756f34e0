/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Convergence: from the heartbeats a host hears to the bucket owners it may
 * apply. Pure code: no sockets, no clock (time is a parameter, in ms of any
 * monotonic clock), no BPF. docs/convergence.md has the algorithm and why;
 * tests/sim drives many instances of exactly this code.
 *
 * Usage by the daemon:
 *   conv_init(&c, &params, now);               at start and on reload
 *   conv_set_local(&c, &local, now);           on start/stop/drain/enable/... and
 *                                              when the dirty bitmap changes
 *   on a frame:  hb_decode(...) then conv_receive(&c, &hb, src_mac, now)
 *                (count its errors), then conv_tick(&c, now)
 *   every period (and on receive): conv_tick(&c, now)
 *   when now >= conv_next_send(&c): conv_build(&c, now, &hb); hb_encode; send
 *   when conv_changed(&c) moved: republish conv_owners(), conv_default_host(),
 *                                conv_dirty(), conv_view(), conv_converged()
 * struct conv is large (about 800 KB: two owner tables of every rule): allocate it.
 */
#ifndef WLBSD_CONVERGENCE_H
#define WLBSD_CONVERGENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bucketmap.h"
#include "hb_codec.h"
#include "wlbs/common.h"
#include "wlbs/control.h"
#include "wlbs/heartbeat.h"

/* Damping defaults: more than CONV_DAMP_FLAPS leaves within CONV_DAMP_WINDOW_MS... */
#define CONV_DAMP_FLAPS	    3
#define CONV_DAMP_WINDOW_MS 30000u
/*
 * ...hold the host out, doubling each repeat up to CONV_DAMP_HOLD_MAX_MS; a
 * hold also ends once the host was heard without a break for the first hold.
 */
#define CONV_DAMP_HOLD_MAX_MS 60000u
/* Senders kept per host priority (the second one is a duplicate). */
#define CONV_SLOTS 2

/* Computes one rule's owners: bm_compute's contract (a test seam, NULL = bm_compute). */
typedef int (*conv_map_fn)(const struct bm_host *hosts, int n, int mode, uint32_t seed,
			   uint32_t rule_salt, uint8_t owners[WLBS_BUCKETS]);

/* Fixed for the life of a struct conv (a reload re-initialises). */
struct conv_params {
	uint8_t self;		   /* this host's priority, 1..WLBS_MAX_HOSTS */
	uint8_t self_mac[6];	   /* source MAC of our heartbeats (duplicate tie-break) */
	uint32_t period_ms;	   /* T: heartbeat period, >= 1 */
	uint32_t tolerance;	   /* K: a peer is alive while heard within T*K, >= 1 */
	uint32_t cleanup_delay_ms; /* dirty buckets of a vanished host stay dirty this long */
	uint32_t fence_ms;	   /* G: wait before taking buckets of a host outside the view;
				      0 = 2*T */
	uint32_t damp_flaps;	   /* 0 = CONV_DAMP_FLAPS */
	uint32_t damp_window_ms;   /* 0 = CONV_DAMP_WINDOW_MS */
	uint32_t damp_hold_ms;	   /* first hold-down; 0 = 8*T*K (at least 1 s) */
	uint32_t cluster_id;
	uint32_t seed;		       /* cluster hash seed */
	uint32_t fingerprint;	       /* cfg_rules_fingerprint() */
	uint64_t nonce;		       /* random per daemon start (getrandom) */
	uint8_t n_rules;	       /* 0..WLBS_MAX_RULES, in fast-path table order */
	uint8_t modes[WLBS_MAX_RULES]; /* enum wlbs_rule_mode of each rule */
	uint8_t min_serving; /* config min_serving, 0..WLBS_MAX_HOSTS (heartbeats carry it) */
	conv_map_fn map;     /* NULL: bm_compute */
};

/* How this host takes one rule. */
struct conv_rule_local {
	uint8_t weight; /* 0..100 (multiple host) */
	bool equal;	/* weight "equal" */
	bool off;	/* disabled or drained on this host: no new connections */
	bool unhealthy; /* a health check guarding it fails: off unless min_serving keeps it */
	uint8_t handling_prio; /* single host: 1..64 */
};

struct conv_local {
	uint8_t state; /* enum wlbs_fp_state; draining implies every rule off */
	struct conv_rule_local rules[WLBS_MAX_RULES];
	uint8_t dirty[WLBS_HB_DIRTY_BYTES]; /* buckets where this host holds connections */
	bool uncovered;			    /* it holds connections no rule covers */
};

/* Why this host takes nothing right now (conv_report.excluded). */
enum conv_excl {
	CONV_EXCL_NONE = 0,    /* member of the view (or converging into it) */
	CONV_EXCL_STOPPED,     /* stopped */
	CONV_EXCL_DUP,	       /* another sender with our priority was here first */
	CONV_EXCL_RULES,       /* a larger group runs different port rules */
	CONV_EXCL_DEAF,	       /* a member does not hear us (one-way loss) */
	CONV_EXCL_NOT_IN_VIEW, /* the leader's view does not (yet) contain us, or holds us out */
	CONV_EXCL_YIELD,       /* the other, winning side of a healed partition serves */
	CONV_EXCL_MAX,
};

/* Problems to report (query/display, log). Bit p-1 = host priority p. */
struct conv_report {
	uint64_t conflicts;  /* hosts with other port rules or hash seed */
	uint64_t rule_count; /* ...of which with another number of rules */
	uint64_t duplicates; /* priorities claimed by two senders (ours included) */
	uint64_t damped;     /* hosts held out for flapping */
	uint64_t deaf;	     /* members that do not hear us */
	uint64_t heard;	     /* hosts we hear */
	uint8_t excluded;    /* enum conv_excl */
	uint8_t leader;	     /* host we follow, 0 = none */
	bool listening;	     /* just started: not leading yet */
	bool gains_pending;  /* converged, waiting to take new buckets */
};

/* One known sender. */
struct conv_peer {
	bool used;
	bool alive;
	uint8_t mac[6];
	struct hb_seq seq;
	uint64_t rx_ms;	   /* when its last heartbeat arrived */
	uint64_t start_ms; /* estimated start (rx - uptime), for duplicates */
	struct wlbs_hb hb; /* its last heartbeat */
};

/* Per host priority: senders, and damping history. */
struct conv_host {
	struct conv_peer slot[CONV_SLOTS];
	int winner;	     /* slot taken as this priority, -1 = none */
	bool was_heard;	     /* in heard at the last tick */
	uint64_t left_ms[8]; /* recent times it left heard (ring) */
	unsigned int n_left;
	uint64_t hold_until_ms;			     /* damped until, at the latest */
	uint32_t next_hold_ms;			     /* hold-down of the next repeat */
	uint64_t back_ms;			     /* when it last came back into heard */
	uint64_t vanished_ms;			     /* when it last timed out (cleanup delay) */
	uint8_t vanished_dirty[WLBS_HB_DIRTY_BYTES]; /* its dirty buckets then */
	bool vanished_uncovered;		     /* and whether it held uncovered connections */
};

struct conv {
	struct conv_params p;
	struct conv_local local;
	uint64_t now_ms;
	uint64_t run_since_ms; /* when the local state last became running/draining */
	struct conv_host hosts[WLBS_MAX_HOSTS + 1]; /* by priority; [0] unused */

	/* Computed by conv_tick. */
	uint64_t heard;	 /* hosts we hear (ourselves if running) */
	uint64_t mutual; /* ...that hear us */
	uint64_t view;
	uint64_t digest; /* 0 when it cannot be computed */
	uint8_t leader;
	uint32_t leader_age_ms;
	bool listening;
	bool member;
	bool converged;
	uint8_t excluded; /* enum conv_excl */
	uint64_t conflicts, rule_count, duplicates, damped, deaf;
	uint64_t last_vanish_ms; /* latest time a peer timed out */
	uint64_t peers_ms;	 /* last conv_peers_update (a gap: we did not listen) */
	bool dup_self;		 /* we lost a duplicate priority contest */
	uint8_t dup_self_mac[6]; /* the winner */

	/* The map. target = map of the converged view; applied = what we take now. */
	uint64_t map_digest;	 /* digest target was computed for, 0 = none */
	uint64_t map_since_ms;	 /* when we converged on it */
	uint64_t gains_after_ms; /* gains wait until then (fence) */
	bool gains_pending;
	bool fence_unknown; /* the fence is only for gains whose previous owner we never knew */
	bool known_owners;  /* every previous owner we knew of is in the view (flag KNOWN_OWNERS) */
	bool holding;	    /* applied may hold entries of ours */
	bool ever_held;	    /* took buckets since it started (knew their owners then) */
	uint8_t target_default;
	uint8_t applied_default;
	uint8_t min_serving;	       /* the view's: the largest any member advertises */
	uint64_t kept[WLBS_MAX_RULES]; /* unhealthy hosts serving anyway (min_serving) */
	uint8_t target[WLBS_MAX_RULES][WLBS_BUCKETS];
	uint8_t applied[WLBS_MAX_RULES][WLBS_BUCKETS];
	uint8_t dirty[WLBS_HB_DIRTY_BYTES]; /* other hosts' live connections */
	bool uncovered_dirty;		    /* another host's live connections no rule covers */

	/* Bookkeeping. */
	uint8_t cause;	       /* enum wlbs_conv_cause of the last convergence */
	uint8_t pending_cause; /* what happened since */
	uint64_t changed;      /* bumped when anything the daemon publishes changes */
	uint64_t adv_sig;      /* signature of what we advertise, to send on change */
	uint64_t seq;
	uint64_t last_tx_ms;
	bool tx_due;	 /* advertised content changed since the last send */
	bool release_tx; /* a new map released buckets: announce it without waiting */
	bool started;
};

/* -EINVAL on bad parameters (priority, T, K, rule count or mode). Local state: stopped. */
int conv_init(struct conv *c, const struct conv_params *p, uint64_t now_ms);

/* Replaces the local state (state, per-rule weights, dirty bitmap); -EINVAL if invalid. */
int conv_set_local(struct conv *c, const struct conv_local *l, uint64_t now_ms);

/*
 * Takes a decoded heartbeat from @src_mac. Returns 0, -EALREADY (stale: not
 * newer than the last from that sender boot), -ELOOP (our own frame),
 * -EXDEV (another cluster) or -EBADMSG (priority out of range; hb_decode
 * never yields one). Call conv_tick afterwards.
 */
int conv_receive(struct conv *c, const struct wlbs_hb *hb, const uint8_t src_mac[6],
		 uint64_t now_ms);

/* Recomputes membership, view, convergence and the map. Every T, and after changes. */
void conv_tick(struct conv *c, uint64_t now_ms);

/* When our next heartbeat is due: every T, sooner when what we advertise changed; 0 = now. */
uint64_t conv_next_send(const struct conv *c);

/* Our next heartbeat; counts as sent at @now_ms (sequence +1). */
void conv_build(struct conv *c, uint64_t now_ms, struct wlbs_hb *out);

/* Getters (valid after conv_tick). */
static inline bool conv_converged(const struct conv *c)
{
	return c->converged;
}

/* True while the map applied now gives this host a bucket (of any rule) or the default role. */
bool conv_owns_any(const struct conv *c);

/*
 * Unhealthy members the agreed map keeps serving rule @rule because fewer
 * than min_serving others would (bit p-1); 0 before the first map.
 */
static inline uint64_t conv_kept(const struct conv *c, unsigned int rule)
{
	return rule < WLBS_MAX_RULES ? c->kept[rule] : 0;
}

/* The min_serving the agreed map used (largest of the members'). */
static inline uint8_t conv_min_serving(const struct conv *c)
{
	return c->min_serving;
}

static inline bool conv_member(const struct conv *c)
{
	return c->member;
}

/* Hosts in this host's view (bit p-1). */
static inline uint64_t conv_view(const struct conv *c)
{
	return c->view;
}

/* Default host to apply now (this host only once it may take it); 0 = none. */
static inline uint8_t conv_default_host(const struct conv *c)
{
	return c->applied_default;
}

/*
 * Owners of rule @rule to apply now. Entries equal to this host's priority
 * are exact; other entries say who owns the bucket in the last agreed map.
 */
static inline const uint8_t *conv_owners(const struct conv *c, unsigned int rule)
{
	return c->applied[rule];
}

/* Buckets where another host (alive, or vanished within the cleanup delay) holds connections. */
static inline const uint8_t *conv_dirty(const struct conv *c)
{
	return c->dirty;
}

/* True while another host (as conv_dirty()) holds connections no rule covers. */
static inline bool conv_uncovered_dirty(const struct conv *c)
{
	return c->uncovered_dirty;
}

/* enum wlbs_conv_cause of the last convergence. */
static inline uint8_t conv_cause(const struct conv *c)
{
	return c->cause;
}

/* Moves whenever something conv_* getters return changed: republish then. */
static inline uint64_t conv_changed(const struct conv *c)
{
	return c->changed;
}

void conv_report(const struct conv *c, struct conv_report *r);

/* "one-way loss" etc. for an enum conv_excl; NULL if out of range. */
const char *conv_excl_name(int excl);

/* Marks the cause of the next convergence (e.g. WLBS_CAUSE_RELOAD after a reload). */
void conv_note_cause(struct conv *c, uint8_t cause);

#endif /* WLBSD_CONVERGENCE_H */
