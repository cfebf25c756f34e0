// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"

static int log_level = LOG_INFO;
static log_sink_fn log_sink;

void log_set_sink(log_sink_fn fn)
{
	log_sink = fn;
}

void log_set_level(int level)
{
	log_level = level;
}

/* Whole lines: a long one is built on the heap rather than cut. */
static void log_va(int prio, const char *fmt, va_list ap)
{
	char line[1024], *big = NULL, *text = line;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n >= (int)sizeof(line) && vasprintf(&big, fmt, again) >= 0)
		text = big;
	va_end(again);
	if (log_sink)
		log_sink(prio, text);
	else
		fprintf(stderr, "<%d>%s\n", prio, text);
	free(big);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio > log_level)
		return;
	va_start(ap, fmt);
	log_va(prio, fmt, ap);
	va_end(ap);
}

void log_limited(struct log_limit *lim, int prio, const char *fmt, ...)
{
	struct timespec now;
	va_list ap;

	if (prio > log_level)
		return;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	if (now.tv_sec - lim->window_start >= (long)lim->interval_s) {
		if (lim->suppressed)
			log_msg(prio, "(%lu similar messages suppressed)", lim->suppressed);
		lim->window_start = now.tv_sec;
		lim->printed = 0;
		lim->suppressed = 0;
	}
	if (lim->printed >= lim->burst) {
		lim->suppressed++;
		return;
	}
	lim->printed++;
	va_start(ap, fmt);
	log_va(prio, fmt, ap);
	va_end(ap);
}
