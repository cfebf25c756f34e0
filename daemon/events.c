// SPDX-License-Identifier: GPL-2.0
/*
 * TEMP stub of the event log (daemon/events.h) so this branch links and its
 * tests run before the events work is merged: one stderr line per event,
 * "event <kind>: text", no ring, no journal. Drop at merge.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "events.h"
#include "log.h"

int ev_set_target(const char *target)
{
	(void)target;
	return 0;
}

void ev_emit(enum wlbs_event_kind kind, int prio, const struct ev_fields *f, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;

	(void)f;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	log_msg(prio, "event %d: %s", (int)kind, text ? text : fmt);
	free(text);
}

uint64_t ev_last_seq(void)
{
	return 0;
}

const struct ev_record *ev_get(uint64_t seq)
{
	(void)seq;
	return NULL;
}

void ev_reset(void)
{
}
