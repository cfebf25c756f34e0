/* SPDX-License-Identifier: GPL-2.0 */
/* Logging to stderr (journald adds time and unit), with per-site rate limits. */
#ifndef WLBS_LOG_H
#define WLBS_LOG_H

#include <syslog.h>

/* Lowest priority printed (LOG_INFO by default; LOG_DEBUG with -v). */
void log_set_level(int level);
/*
 * Where lines go instead of stderr (NULL: stderr): wlbsd's journal target
 * sends them with the events, so the two never reorder.
 */
typedef void (*log_sink_fn)(int prio, const char *text);
void log_set_sink(log_sink_fn fn);
/* Prints "<prio>message" so journald keeps the priority. */
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One rate limit: at most `burst` lines per `interval_s`, then a count of the suppressed. */
struct log_limit {
	unsigned int interval_s;
	unsigned int burst;
	long window_start;
	unsigned int printed;
	unsigned long suppressed;
};

#define LOG_LIMIT_INIT(interval, n)                                                                \
	{                                                                                          \
		.interval_s = (interval), .burst = (n)                                             \
	}

void log_limited(struct log_limit *lim, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
