/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's life: start, reload, tick, stop (lifecycle.c). */
#ifndef WLBSD_LIFECYCLE_H
#define WLBSD_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "version.h"

/* The release (./VERSION): --version and the start event. */
#define WLBSD_VERSION wlbs_version

struct wlbsd;

/* How far a start got: what a failure has to undo (wlbsd_start_failed()). */
enum wlbsd_start_stage {
	WLBSD_START_NONE,    /* nothing installed yet */
	WLBSD_START_FRESH,   /* no earlier run left anything on the interface */
	WLBSD_START_RESTART, /* an earlier run's install: its fast path may hold connections */
};

/* cfg_load()'s checks that need this machine (cluster_check()), with the file named in @err. */
int wlbsd_check_local(const char *path, const struct wlbs_config *c, bool need_iface, char *err,
		      size_t errlen);

/* Loads the configuration and installs the fast path; -errno with @err, *@stage how far it got. */
int wlbsd_start(struct wlbsd *d, enum wlbsd_start_stage *stage, char *err, size_t errlen);

/*
 * A failed start never signals readiness and undoes what it did; on a
 * restart the earlier run's fast path stays, failing closed.
 */
void wlbsd_start_failed(struct wlbsd *d, enum wlbsd_start_stage stage, const char *why);

/* Re-reads the configuration; on error keeps the running one and says why in @err. */
int wlbsd_reload(struct wlbsd *d, char *err, size_t errlen);

/*
 * The same; @status is the code a reload answers: WLBS_OK, the port rule
 * codes of cfg_load_status(), WLBS_REBOOT when the file is valid but changes
 * a key only a restart applies (then nothing of it is applied: the running
 * configuration stays whole, the restart applies the file), else
 * WLBS_BAD_PARAMS.
 */
int wlbsd_reload_status(struct wlbsd *d, unsigned int *status, char *err, size_t errlen);

/* Once per tick: prove we are alive, end a drain when nothing is held. */
void wlbsd_tick(struct wlbsd *d);

/* Leaves the cluster (held connections keep flowing) and says so. */
void wlbsd_stop(struct wlbsd *d);

#endif /* WLBSD_LIFECYCLE_H */
