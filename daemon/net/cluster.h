/* SPDX-License-Identifier: GPL-2.0 */
/* Interface plumbing of the cluster (cluster IPs, cluster MAC, sysctls) and its undo record. */
#ifndef WLBSD_CLUSTER_H
#define WLBSD_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

struct wlbsd;

/*
 * What can be known about @c on this machine before touching anything: the
 * interface is Ethernet, every dedicated IP is on it. A missing interface is
 * an error only with @need_iface. Returns 0 or -errno with "what ('value')" in @err.
 */
int cluster_check(const struct wlbs_config *c, bool need_iface, char *err, size_t errlen);
/*
 * Creates the install record of d->cfg.ifname (before anything is installed, so
 * that a teardown finds all of it). Returns 1 when an earlier run's record was
 * there, 0 when created, or -errno with a message in @err.
 */
int cluster_record(const struct wlbsd *d, char *err, size_t errlen);
/* Interface plumbing of the configured cluster: cluster IPs, cluster MAC, sysctls. */
int cluster_setup(struct wlbsd *d, const struct wlbs_config *old, char *err, size_t errlen);
/* Undoes what the install record under @state_dir says was done to @ifname (all if NULL). */
int cluster_teardown(const char *state_dir, const char *ifname, char *err, size_t errlen);

#endif /* WLBSD_CLUSTER_H */
