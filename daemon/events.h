/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event log: one call per event (never one per heartbeat). Each event is
 * written once to the journal (sd_journal_send with MESSAGE_ID= and WLBS_*
 * fields) or, without journald, as one line on stderr; and kept in a ring for
 * `wlbs display`. Text is never cut. Repeats of a kind are rate-limited with
 * "N similar suppressed" summaries.
 */
#ifndef WLBSD_EVENTS_H
#define WLBSD_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <syslog.h>
#include <time.h>

#include "wlbs/events.h"

/* Events kept for `wlbs display`. */
#define EV_RING 64

/* Structured fields of one event (journal WLBS_* fields); zero = absent. */
struct ev_fields {
	uint8_t host;	    /* WLBS_HOST: the host priority the event is about */
	int rule;	    /* WLBS_RULE: config rule index + 1 (0 = none): name and range */
	uint64_t members;   /* WLBS_MEMBERS: as ranges "1-4, 6" */
	const char *status; /* WLBS_STATUS: e.g. "converged", "vanished" */
	const uint8_t *mac; /* WLBS_MAC */
	const char *ip;	    /* WLBS_IP */
};

/* One kept event. */
struct ev_record {
	uint64_t seq;	  /* 1, 2, ... since start */
	time_t when;	  /* wall clock */
	uint16_t kind;	  /* enum wlbs_event_kind */
	uint8_t prio;	  /* LOG_* */
	uint8_t host;	  /* ev_fields.host */
	int rule;	  /* ev_fields.rule */
	uint64_t members; /* ev_fields.members */
	char *text;	  /* the message, whole (owned by the ring) */
};

/*
 * Where events and log lines go: "journal" (native protocol, structured),
 * "stderr" (one line each, "<prio>" prefixed), or "auto": the journal when
 * stderr is the journal's stream (JOURNAL_STREAM matches it), else stderr.
 * -EINVAL for another name.
 */
int ev_set_target(const char *target);

/* Logs and keeps one event. @f may be NULL. The text is built whole (no size cap). */
void ev_emit(enum wlbs_event_kind kind, int prio, const struct ev_fields *f, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Kept events: seq of the newest (0 = none yet); the record of @seq, NULL if gone. */
uint64_t ev_last_seq(void);
const struct ev_record *ev_get(uint64_t seq);

/*
 * How WLBS_RULE= names rule @rule (ev_fields.rule): "name ports lo-hi";
 * the daemon sets it once its configuration is loaded. Without: "rule N".
 */
typedef void (*ev_rule_namer)(void *ctx, int rule, char *buf, size_t len);
void ev_set_rule_namer(ev_rule_namer fn, void *ctx);

/* Writes the "(N similar suppressed)" summaries whose window ended (every tick). */
void ev_flush(void);

/* Frees the ring (at exit; tests). */
void ev_reset(void);

#endif
