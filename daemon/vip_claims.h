/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cluster IPs claimed by another cluster or another machine: the fast path
 * records an ARP from a cluster IP, or an NA for one, that names a MAC other
 * than the cluster's (map wlbs_vip_claims); this polls it every tick and logs
 * one event per new claimer, and one when no claim came for VC_CLEAR_MS.
 *
 * What the host does meanwhile: it keeps serving. Stopping would let any
 * machine on the segment take the whole cluster down with one forged ARP,
 * and clients that kept the cluster MAC still reach us; the conflict is
 * reported (event, display, query cause WLBS_CAUSE_VIP_CONFLICT) for an
 * operator to resolve.
 */
#ifndef WLBSD_VIP_CLAIMS_H
#define WLBSD_VIP_CLAIMS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "wlbs/common.h"

/* A claim stands until none came for this long. */
#define VC_CLEAR_MS 10000
/* Room for the query text. */
#define VC_TEXT_MAX 160

struct wlbsd;

struct vc_slot {
	uint32_t count;		/* the map's count at the last poll */
	bool active;		/* a claim stands: logged, not cleared yet */
	uint8_t mac[6];		/* its claimer */
	uint64_t last_ns;	/* its last claim (CLOCK_MONOTONIC) */
	char text[VC_TEXT_MAX]; /* "cluster IP a claimed by another machine (mac)" */
};

struct vip_claims {
	bool primed; /* the first poll took the counts a previous run left */
	struct vc_slot s[WLBS_MAX_VIPS];
};

/* Polls the fast path's claims: an event per new claimer, one when a claim clears. */
void vc_tick(struct wlbsd *d);
/* One line per standing claim (display). */
void vc_display(const struct wlbsd *d, void *resp);
/*
 * The text of the first standing claim ("cluster IP 10.0.0.100 claimed by
 * another machine (52:54:00:aa:bb:cc)"), NULL when none stands: for the
 * query cause WLBS_CAUSE_VIP_CONFLICT.
 */
const char *vip_claim_text(const struct wlbsd *d);

#endif
