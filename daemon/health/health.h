/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Health checks ([check NAME]): each probes the local application (tcp,
 * http, exec) off the hot loop and counts its results into healthy or
 * unhealthy (health.c, pure); health_run.c schedules the probes from one
 * file descriptor in wlbsd's epoll loop. What the host does about an
 * unhealthy check (drain, disable, stop, min_serving) is the cluster side's:
 * it reads the answers below and republishes when health_changed() moves.
 *
 * A check starts unhealthy and not yet run (ever_ran false): a starting host
 * takes no new connections for an application it has not seen answer. Its
 * first result decides at once (one success is enough, not rise), so a
 * restart, even of the whole cluster, serves within one probe; after that,
 * fall consecutive failures make it unhealthy and rise consecutive successes
 * healthy again.
 */
#ifndef WLBSD_HEALTH_H
#define WLBSD_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"

/* Error text of a probe with its NUL. */
#define HEALTH_ERR_MAX 256

/* What `display` and `query` show of one check. */
struct health_check_state {
	char name[32];			 /* [check NAME] */
	uint8_t type;			 /* enum cfg_check_type */
	bool healthy;			 /* false until the first success */
	bool ever_ran;			 /* a probe has finished since the check began */
	uint32_t fails;			 /* consecutive failures */
	uint32_t successes;		 /* consecutive successes */
	uint64_t since_ms;		 /* in this state since (CLOCK_MONOTONIC ms) */
	uint64_t transitions;		 /* healthy <-> unhealthy, the first verdict included */
	int64_t last_ms;		 /* how long the last probe took (-1: none yet) */
	char last_error[HEALTH_ERR_MAX]; /* why the last probe failed ("" after a success) */
	uint32_t rules_mask;		 /* guarded rules: bit i = config rule index i */
	uint8_t action;			 /* enum cfg_check_action */
};

struct health_run; /* one check's probe and schedule (health_run.c) */

struct health {
	unsigned int n;				      /* checks configured */
	struct health_check_state st[CFG_MAX_CHECKS]; /* what each has shown */
	struct cfg_check def[CFG_MAX_CHECKS];	      /* each one's definition */
	struct health_run *run[CFG_MAX_CHECKS];	      /* its probe; NULL when not running */
	uint64_t changed;			      /* bumped on each transition */
	int epfd;     /* the probes' sockets, pidfds and pipes, and tfd: in wlbsd's loop */
	int tfd;      /* timerfd: the next probe or deadline */
	bool open;    /* health_open() succeeded */
	uint8_t host; /* this host's priority, for the events */
	uint64_t reap_until_ms; /* look for killed processes to reap until then */
};

/* Config rules guarded by an unhealthy check (not yet run counts) of action drain or disable. */
uint32_t health_failing_rules(const struct health *h);
/* The subset of those whose check's action is disable. */
uint32_t health_disable_rules(const struct health *h);
/* A check with action stop that ran and is unhealthy (not yet run does not count). */
bool health_wants_stop(const struct health *h);
unsigned int health_count(const struct health *h);
/* Check @i (0..health_count()-1), NULL past the end. */
const struct health_check_state *health_get(const struct health *h, unsigned int i);
/* Moves on each transition of any check: republish when it differs from the last seen. */
uint64_t health_changed(const struct health *h);

/* The state machine (health.c). */

/* @s for a check of @def that has not run yet, at @now_ms. */
void health_state_init(struct health_check_state *s, const struct cfg_check *def, uint64_t now_ms);

/*
 * One probe's result: @ok, how long it took, why it failed (@err, may be
 * NULL). Returns true when it changed healthy (the caller says so: an event).
 */
bool health_state_result(struct health_check_state *s, const struct cfg_check *def, bool ok,
			 uint64_t now_ms, int64_t took_ms, const char *err);

/* The runner (health_run.c): wlbsd's loop watches health_fd(). */

/* Opens the descriptors (no check yet); 0 or -errno. */
int health_open(struct health *h);
/* The descriptor wlbsd's epoll watches (readable: call health_on_readable()). */
int health_fd(const struct health *h);
/*
 * Runs the checks of @c: a check whose definition did not change keeps its
 * state and its probe in flight; the others begin anew (not yet run), the
 * removed ones are stopped (their processes killed).
 */
void health_configure(struct health *h, const struct wlbs_config *c);
/* Finished probes, deadlines, probes due; each transition an event. */
void health_on_readable(struct health *h);
/* Every probe stopped, children killed and reaped; no check left. */
void health_stop(struct health *h);
/* health_stop() and the descriptors closed. */
void health_close(struct health *h);

/* Why an exec check could not run on this machine (an unknown or root user), else 0. */
int health_check_local(const struct wlbs_config *c, char *err, size_t errlen);

#endif /* WLBSD_HEALTH_H */
