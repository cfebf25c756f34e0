/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's state in one place, and the few functions that change it as a
 * whole: publish the bucket ownership to the fast path, apply the host state,
 * load or reload the configuration. Each job has its own file; this is the
 * glue they share.
 */
#ifndef WLBSD_H
#define WLBSD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "convergence.h"
#include "fastpath.h"
#include "hoststate.h"
#include "membership.h"
#include "wlbs/control.h"

struct hbio;
struct remote_server;

/* Recent events kept for `wlbs display`. */
#define WLBSD_EVENTS 32

struct wlbsd_event {
	time_t when;
	char text[120];
};

/* Where this instance keeps its files (one daemon per cluster interface). */
struct wlbsd_paths {
	const char *config;    /* -c, default /etc/wlbs/wlbs.conf */
	const char *socket;    /* --socket, default /run/wlbs/wlbsd.sock */
	const char *state_dir; /* --state-dir, default /var/lib/wlbs */
	const char *bpffs;     /* --bpffs, default /sys/fs/bpf */
};

struct wlbsd {
	struct wlbsd_paths paths;
	struct wlbs_config cfg;
	struct fp fp;
	struct hs hs;
	struct wlbs_tables tables;	/* fast-path tables of cfg (flags come from hs) */
	int order[WLBS_MAX_RULES];	/* table rule i = cfg.rules[order[i]] */
	uint64_t members;		/* agreed cluster view, bit p-1 = priority p */
	uint8_t default_host;		/* 0 while stopped */
	int igmp_fd;			/* igmp mode: the socket holding the membership */
	struct conv conv;		/* convergence core */
	struct conv_local conv_local;	/* what it was last told about this host */
	uint64_t conv_seen;		/* conv_changed() last published */
	struct hb_key hb_key;		/* cluster key, when configured */
	int hb_fd;			/* heartbeat socket */
	uint8_t hb_dst[6];		/* where heartbeats go (hb_dst_mac) */
	struct hbio *hbio;		/* heartbeat thread, while running */
	uint64_t hb_rx;			/* heartbeats accepted */
	uint64_t hb_drops[MB_DROP_MAX]; /* heartbeats dropped, by reason */
	int64_t held;			/* live local connections, counted each tick */
	uint64_t bad_auth_ms;		/* last heartbeat that failed authentication */
	bool key_mismatch;		/* standing down: see membership.c key_mismatch() */
	struct wlbsd_event events[WLBSD_EVENTS];
	unsigned int n_events;	      /* total ever logged; ring index = n % size */
	struct remote_server *remote; /* remote control (UDP); NULL outside run() */
};

/* Logs an event and keeps it for `wlbs display`. */
void wlbsd_event(struct wlbsd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Derives the fast-path tables (and their rule order) from d->cfg. */
void wlbsd_build_tables(struct wlbsd *d);

/*
 * Recomputes this host's tables and every rule's owner table from the
 * configuration, the host state and the cluster view, and makes them live in
 * one generation flip. Also sets the fast-path mode.
 */
void wlbsd_publish(struct wlbsd *d);

/* The control command handler (local socket and remote control alike). */
int wlbsd_handle(void *ctx, const struct wlbs_ctl_request *req, struct wlbs_ctl_response *resp);

/* Re-reads the configuration; on error keeps the running one and says why in @err. */
int wlbsd_reload(struct wlbsd *d, char *err, size_t errlen);

/* The persisted stop/suspend (state file under state_dir). */
enum hs_persist wlbsd_persist_load(const struct wlbsd *d);
int wlbsd_persist_save(const struct wlbsd *d);

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

#endif
