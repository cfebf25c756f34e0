// SPDX-License-Identifier: GPL-2.0
/*
 * The event log (events.h): whole texts kept in a ring for `display`, each
 * written once to the journal with its MESSAGE_ID and WLBS_* fields, or as
 * one "<prio>text" line on stderr. Repeats of one kind beyond EV_BURST in
 * EV_WINDOW_S seconds are counted, and the count is written when the window
 * ends, so a flapping cluster cannot flood the journal.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "events.h"
#include "events_table.h"
#include "log.h"

/* Events of one kind written per window before the rest are only counted. */
#define EV_BURST 10
/* The rate-limit window, in seconds. */
#define EV_WINDOW_S 10
/* Journal fields of one event at most. */
#define EV_MAX_FIELDS 12

struct ev_limit {
	long window_start;	  /* monotonic seconds */
	unsigned int written;	  /* in this window */
	unsigned long suppressed; /* in this window */
};

static bool use_journal;
static struct ev_record ring[EV_RING];
static uint64_t last_seq;
static struct ev_limit limits[WLBS_EV_MAX];
static ev_rule_namer rule_namer;
static void *rule_namer_ctx;

static long clock_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

/* Monotonic seconds: a seam for the unit test. */
static long (*ev_clock)(void) = clock_s;

/* systemd's rule: stderr is the journal's stream when JOURNAL_STREAM names its device:inode. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st))
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* An ordinary log line through the journal (log_set_sink), stderr if that fails. */
static void journal_line(int prio, const char *text)
{
	if (sd_journal_send("MESSAGE=%s", text, "PRIORITY=%d", prio, "SYSLOG_IDENTIFIER=wlbsd",
			    NULL) < 0)
		fprintf(stderr, "<%d>%s\n", prio, text);
}

int ev_set_target(const char *target)
{
	if (!strcmp(target, "journal"))
		use_journal = true;
	else if (!strcmp(target, "stderr"))
		use_journal = false;
	else if (!strcmp(target, "auto"))
		use_journal = stderr_is_journal();
	else
		return -EINVAL;
	log_set_sink(use_journal ? journal_line : NULL);
	return 0;
}

void ev_set_rule_namer(ev_rule_namer fn, void *ctx)
{
	rule_namer = fn;
	rule_namer_ctx = ctx;
}

/* One "KEY=value" field, heap-built (no size cap); false when out of memory. */
static bool field(struct iovec *iov, int *n, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int len;

	if (*n >= EV_MAX_FIELDS)
		return false;
	va_start(ap, fmt);
	len = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (len < 0)
		return false;
	iov[*n].iov_base = s;
	iov[(*n)++].iov_len = (size_t)len;
	return true;
}

static void journal_event(const struct ev_record *r, const struct ev_fields *f)
{
	char members[MEMBERS_STR_MAX], rule[200];
	struct iovec iov[EV_MAX_FIELDS];
	const uint8_t *m;
	int n = 0, i;

	field(iov, &n, "MESSAGE=%s", r->text);
	field(iov, &n, "MESSAGE_ID=%s", ev_kind_message_id(r->kind));
	field(iov, &n, "PRIORITY=%d", r->prio);
	field(iov, &n, "SYSLOG_IDENTIFIER=wlbsd");
	field(iov, &n, "WLBS_EVENT=%s", ev_kind_name(r->kind));
	if (r->host)
		field(iov, &n, "WLBS_HOST=%u", r->host);
	if (r->rule) {
		if (rule_namer)
			rule_namer(rule_namer_ctx, r->rule, rule, sizeof(rule));
		else
			snprintf(rule, sizeof(rule), "rule %d", r->rule);
		field(iov, &n, "WLBS_RULE=%s", rule);
	}
	if (r->members)
		field(iov, &n, "WLBS_MEMBERS=%s",
		      members_str(r->members, members, sizeof(members)));
	if (f && f->status)
		field(iov, &n, "WLBS_STATUS=%s", f->status);
	if (f && f->mac) {
		m = f->mac;
		field(iov, &n, "WLBS_MAC=%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		      m[4], m[5]);
	}
	if (f && f->ip)
		field(iov, &n, "WLBS_IP=%s", f->ip);
	/* Large entries go through a memfd inside libsystemd: nothing is cut. */
	if (sd_journal_sendv(iov, n) < 0)
		fprintf(stderr, "<%d>%s\n", r->prio, r->text);
	for (i = 0; i < n; i++)
		free(iov[i].iov_base);
}

/* Keeps @text (taken over) as the next record and writes it out. */
static void record(enum wlbs_event_kind kind, int prio, const struct ev_fields *f, char *text)
{
	struct ev_record *r = &ring[(last_seq + 1) % EV_RING];

	free(r->text);
	*r = (struct ev_record){.seq = ++last_seq,
				.when = time(NULL),
				.kind = (uint16_t)kind,
				.prio = (uint8_t)prio,
				.host = f ? f->host : 0,
				.rule = f ? f->rule : 0,
				.members = f ? f->members : 0,
				.text = text};
	if (use_journal)
		journal_event(r, f);
	else
		fprintf(stderr, "<%d>%s\n", prio, text);
}

/* Ends @kind's window if it is over; writes the count of what it suppressed. */
static void window_check(enum wlbs_event_kind kind, long now)
{
	struct ev_limit *l = &limits[kind];
	struct ev_fields f = {.status = "suppressed"};
	char *text;

	if (now - l->window_start < EV_WINDOW_S)
		return;
	if (l->suppressed && asprintf(&text, "(%lu similar %s events suppressed)", l->suppressed,
				      ev_kind_name(kind)) >= 0)
		record(kind, LOG_NOTICE, &f, text);
	l->window_start = now;
	l->written = 0;
	l->suppressed = 0;
}

void ev_emit(enum wlbs_event_kind kind, int prio, const struct ev_fields *f, const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (kind <= WLBS_EV_NONE || kind >= WLBS_EV_MAX)
		return;
	window_check(kind, ev_clock());
	if (limits[kind].written >= EV_BURST) {
		limits[kind].suppressed++;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text)
		return;
	limits[kind].written++;
	record(kind, prio, f, text);
}

void ev_flush(void)
{
	long now = ev_clock();
	int k;

	for (k = 1; k < WLBS_EV_MAX; k++)
		if (limits[k].suppressed)
			window_check((enum wlbs_event_kind)k, now);
}

uint64_t ev_last_seq(void)
{
	return last_seq;
}

const struct ev_record *ev_get(uint64_t seq)
{
	if (!seq || seq > last_seq || last_seq - seq >= EV_RING)
		return NULL;
	return &ring[seq % EV_RING];
}

void ev_reset(void)
{
	unsigned int i;

	for (i = 0; i < EV_RING; i++) {
		free(ring[i].text);
		ring[i].text = NULL;
	}
	memset(ring, 0, sizeof(ring));
	memset(limits, 0, sizeof(limits));
	last_seq = 0;
}
