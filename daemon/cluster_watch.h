/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster watcher: compares what convergence reports with what it saw at
 * the last look and turns each change into one event (host joined or left and
 * why, converged, partition seen and healed, duplicate priority, heartbeats
 * failing authentication); and tells the state machine why a running host is
 * not in a view, for query. Never one event per heartbeat: only on change.
 *
 * For other event sources: a cause whose detail is known elsewhere (which
 * port rule differs, which machine claims a cluster IP) is set with
 * cw_set_detail(); query then names it (WLBS_CAUSE_EXCLUDED_RULES while
 * convergence holds this host out for its rules; WLBS_CAUSE_VIP_CONFLICT
 * whenever that detail is set: a converged host carries it as a note).
 */
#ifndef WLBSD_CLUSTER_WATCH_H
#define WLBSD_CLUSTER_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "wlbs/common.h"
#include "wlbs/control.h"

struct wlbsd;

/* Longest detail text of a cause. */
#define CW_DETAIL_MAX 512
/* Senders of failing heartbeats remembered (each logged once while it keeps failing). */
#define CW_BAD_MACS 8

/* One peer as the last look saw it. */
struct cw_peer {
	bool alive;	    /* heard within T*K */
	uint8_t state;	    /* its last advertised enum wlbs_fp_state */
	uint8_t prev_state; /* the one before the last change (draining -> stopped = drained) */
	uint64_t rx_ms;	    /* its last heartbeat */
	uint64_t nonce;	    /* its run */
	bool vanished;	    /* timed out of our view: back with the same run = partition */
	uint64_t vanished_nonce;
};

struct cw_bad_mac {
	uint8_t mac[6];
	uint64_t last_ms; /* latest failing frame; 0 = free */
};

struct cw {
	uint64_t view;	       /* our view at the last look (0 when not a member) */
	uint8_t self_state;    /* our enum wlbs_fp_state then */
	bool converged_logged; /* a converged event was written for this view */
	uint64_t conv_members; /* ...with these members */
	bool conv_default;     /* ...as the default host */
	uint64_t dups;	       /* duplicated priorities seen */
	bool partition;	       /* a partition was seen, not healed yet */
	uint64_t other_side;   /* the hosts of the other view */
	struct cw_peer peers[WLBS_MAX_HOSTS + 1];
	struct cw_bad_mac bad[CW_BAD_MACS];
	uint8_t last_bad_mac[6];
	char detail[WLBS_CAUSE_MAX][CW_DETAIL_MAX]; /* cw_set_detail */
};

/* After every convergence tick (membership.c): events for what changed, query's cause. */
void cw_update(struct wlbsd *d, uint64_t now_ms);

/* A heartbeat from @mac failed authentication (@err: -EACCES or -EKEYREJECTED). */
void cw_bad_auth(struct wlbsd *d, const uint8_t mac[6], int err, uint64_t now_ms);

/* Sets (NULL or "" clears) the detail query gives for @cause (see above). */
void cw_set_detail(struct cw *cw, uint8_t cause, const char *detail);

#endif
