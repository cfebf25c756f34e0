/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's state in one place. Each job has its own file and header
 * (publish.h, persist.h, lifecycle.h, ctl/commands.h, net/cluster.h); this
 * is the state they share.
 */
#ifndef WLBSD_H
#define WLBSD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cluster_watch.h"
#include "config/config.h"
#include "core/convergence.h"
#include "fastpath.h"
#include "health/health.h"
#include "core/hoststate.h"
#include "membership.h"
#include "rules_watch.h"
#include "vip_claims.h"
#include "wlbs/control.h"

struct hbio;
struct remote_server;

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
	uint64_t hb_sent;		/* heartbeats sent by threads that stopped */
	uint64_t convergences;		/* converging -> converged, since start */
	uint64_t conv_last_ms;		/* how long the last one took */
	uint64_t conv_began_ms;		/* when the current converging began, 0 = converged */
	int64_t held;			/* live local connections, counted each tick */
	uint64_t bad_auth_ms;		/* last heartbeat that failed authentication */
	bool key_mismatch;		/* standing down: see membership.c key_mismatch() */
	uint32_t serving_anyway;	/* table rules min_serving keeps us serving (events) */
	uint64_t health_seen;		/* health_changed() last acted on */
	struct cw cw;			/* what the cluster watcher last saw (cluster_watch.h) */
	struct rules_watch rw;		/* rules descriptors: which rule differs (rules_watch.h) */
	struct vip_claims vc;		/* cluster IPs claimed by foreign MACs (vip_claims.h) */
	struct remote_server *remote;	/* remote control (UDP); NULL outside run() */
	struct health health;		/* [check] probes and their verdicts (health/health.h) */
};

#endif
