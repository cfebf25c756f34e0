/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rules descriptors in and out (include/wlbs/rules_desc.h), and the text that
 * says which port rule differs between this host and another. Sent at start,
 * on reload, every max(10 T, 1 s), and at once when a host with other rules
 * appears, so a conflict is explained within about one heartbeat period.
 * Convergence never reads any of this: the heartbeat fingerprint decides.
 */
#ifndef WLBSD_RULES_WATCH_H
#define WLBSD_RULES_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rules_diff.h"
#include "hb_codec.h"
#include "wlbs/rules_desc.h"

struct wlbsd;

/* What this host knows of one other host's rules. */
struct rw_peer {
	bool have;		/* a descriptor was accepted */
	struct hb_seq seq;	/* replay check of its descriptors */
	uint64_t rx_ms;		/* when the last one arrived */
	struct wlbs_rd rd;	/* the last one */
	uint64_t since_ms;	/* when it started to conflict (waiting for its descriptor) */
	uint32_t hb_fp;		/* the fingerprint its heartbeats had then */
	bool reported;		/* a rules-differ event stands for it */
	char text[RD_DIFF_MAX]; /* that event's text: what differs */
};

struct rules_watch {
	bool up;		  /* started: fd is open */
	int fd;			  /* send-only packet socket */
	struct wlbs_rd local;	  /* this host's descriptor (seq advances per send) */
	uint64_t next_ms;	  /* next sparse send */
	uint64_t urgent_ms;	  /* last send on a new conflict (at most one per T) */
	uint64_t conflicts;	  /* conv_report().conflicts at the last tick */
	uint64_t rx, drops, sent; /* descriptors accepted, dropped, sent */
	struct rw_peer peers[64]; /* by host priority - 1 */
};

/* Opens the send socket, builds this host's descriptor and sends it; -errno with @err. */
int rw_start(struct wlbsd *d, char *err, size_t errlen);
/* The rules may have changed: rebuild, send at once, re-explain every conflict. */
void rw_reload(struct wlbsd *d);
/* A frame with the descriptor magic arrived from @src at @rx_ms. */
void rw_receive(struct wlbsd *d, const void *buf, size_t len, const uint8_t src[6], uint64_t rx_ms);
/* After the core ticked: send when due, and log each change of a conflict's text. */
void rw_tick(struct wlbsd *d, uint64_t now_ms);
/* One line per conflicting host (display). */
void rw_display(const struct wlbsd *d, void *resp);
/* Closes the send socket. */
void rw_stop(struct wlbsd *d);

/*
 * The text of the lowest host whose rules differ ("rule web (...): host 2 has
 * affinity single, this host none"), NULL when none differs: for the query
 * cause WLBS_CAUSE_EXCLUDED_RULES / WLBS_CAUSE_RULES.
 */
const char *rules_conflict_text(const struct wlbsd *d);

#endif
