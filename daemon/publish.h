/* SPDX-License-Identifier: GPL-2.0 */
/* From the daemon's state to the fast path: tables, owner tables, mode. */
#ifndef WLBSD_PUBLISH_H
#define WLBSD_PUBLISH_H

struct wlbsd;

/* Derives the fast-path tables (and their rule order) from d->cfg. */
void wlbsd_build_tables(struct wlbsd *d);

/*
 * Recomputes this host's tables and every rule's owner table from the
 * configuration, the host state and the cluster view, and makes them live in
 * one generation flip. Also sets the fast-path mode.
 */
void wlbsd_publish(struct wlbsd *d);

#endif /* WLBSD_PUBLISH_H */
