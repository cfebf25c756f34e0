/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's side of convergence: heartbeats in and out on the cluster
 * interface, the pure convergence core in between, and its result published
 * to the fast path and the host state machine.
 */
#ifndef WLBSD_MEMBERSHIP_H
#define WLBSD_MEMBERSHIP_H

#include <stddef.h>
#include <stdint.h>

struct wlbsd;

/* Heartbeat frames dropped, by reason (display shows them; enum wlbs_hb_drop on the wire). */
enum mb_drop {
	MB_DROP_MALFORMED = 0, /* truncated, bad magic or field */
	MB_DROP_VERSION,       /* another heartbeat version */
	MB_DROP_FOREIGN,       /* another cluster */
	MB_DROP_UNAUTH,	       /* no authenticator while we have a key */
	MB_DROP_BADAUTH,       /* authenticator wrong */
	MB_DROP_STALE,	       /* replayed or reordered */
	MB_DROP_MAX,
};

/* Opens the heartbeat socket and starts convergence; -errno with @err. */
int membership_start(struct wlbsd *d, char *err, size_t errlen);
/* Reinitialises after a reload whose rules or cluster parameters changed. */
int membership_reload(struct wlbsd *d, char *err, size_t errlen);
/* The host state or a rule flag changed: advertise it now and republish. */
void membership_local_changed(struct wlbsd *d);

/*
 * A drain may end (draining -> stopped): the cluster converged on the map
 * that takes this host's buckets away at least a heartbeat period ago, so
 * the others serve them; stopping sooner would leave them unowned.
 */
bool membership_drain_handed_over(const struct wlbsd *d);
/* Periodic work: expire peers, send our heartbeat when due, republish on change. */
void membership_tick(struct wlbsd *d);
/*
 * ms until a changed heartbeat, held back by the extra-send limit (T/10),
 * is due: the loop must tick then, not a tick period later; -1 = none waits.
 */
int membership_wait_ms(const struct wlbsd *d);
/* Readable when heartbeats arrived (the heartbeat thread queued them). */
int membership_fd(const struct wlbsd *d);
/* Heartbeats arrived: feed them to the core, republish on change. */
void membership_on_readable(struct wlbsd *d);
/* How often membership_tick must run (ms). */
unsigned int membership_tick_ms(const struct wlbsd *d);
/* Stops the heartbeat thread (before membership_stop); nothing to do if none. */
void membership_io_stop(struct wlbsd *d);
/* Says goodbye on the heartbeat socket and closes it. */
void membership_stop(struct wlbsd *d);

#endif
