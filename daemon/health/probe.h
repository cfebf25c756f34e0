/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One probe in flight: what it waits on and what it found. Each type has a
 * start and a step; neither ever blocks: start returns at once (maybe with
 * the verdict), step runs when a watched descriptor is ready (or when no
 * pidfd exists, on the runner's poll) and says whether the probe is done.
 * The runner (health_run.c) owns the deadline and calls probe_abort().
 */
#ifndef WLBSD_HEALTH_PROBE_H
#define WLBSD_HEALTH_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"
#include "health/health.h"

enum probe_verdict {
	PROBE_PENDING = 0, /* still waiting */
	PROBE_OK = 1,
	PROBE_FAILED = 2,
};

/* What an exec check runs, prepared once per definition (never in the child). */
struct probe_cmd {
	char buf[CFG_CHECK_CMD_MAX]; /* the command split, NUL between arguments */
	char *argv[33];		     /* into buf, NULL-terminated */
	uid_t uid;		     /* `user`, resolved */
	gid_t gid;
	bool ready; /* resolved: argv and user; else err says why */
	char err[HEALTH_ERR_MAX];
};

struct probe {
	int fd;		 /* socket, or the child's pidfd; -1 none */
	uint32_t events; /* what fd waits for (EPOLLIN / EPOLLOUT) */
	int out;	 /* exec: read end of the child's stdout+stderr; -1 none */
	pid_t pid;	 /* exec: the child, also its process group; 0 none */
	bool killed;	 /* exec: the deadline killed it; only reaping is left */
	size_t len;	 /* bytes in buf */
	size_t sent;	 /* http: bytes of the request written */
	char buf[1024];	 /* http: the request, then the answer; exec: the output */
	char err[HEALTH_ERR_MAX];
};

/* An idle probe (no descriptor). */
void probe_init(struct probe *pr);
/* True while it holds a descriptor or a child still to reap. */
bool probe_busy(const struct probe *pr);

/* probe_tcp.c: connect to def->addr:def->port. */
int probe_tcp_start(struct probe *pr, const struct cfg_check *def);
int probe_tcp_step(struct probe *pr, const struct cfg_check *def);
/* Closes the socket without TIME_WAIT (a reset: the application sees a connection come and go). */
void probe_sock_close(struct probe *pr);
/* Starts a non-blocking connect to def->addr:def->port into pr->fd: PROBE_PENDING or FAILED. */
int probe_connect(struct probe *pr, const struct cfg_check *def);
/* A connect in flight finished: PROBE_OK (connected), PROBE_PENDING, or FAILED with err. */
int probe_connected(struct probe *pr);

/* probe_http.c: GET def->path, a status in def->status_lo..hi is healthy. */
int probe_http_start(struct probe *pr, const struct cfg_check *def);
int probe_http_step(struct probe *pr, const struct cfg_check *def);
/*
 * The status line at the start of @buf: 1 and *@status when it is whole, 0
 * when more is needed, -1 when it is not an HTTP status line.
 */
int probe_http_status(const char *buf, size_t len, unsigned int *status);

/* probe_exec.c */
/* Splits and resolves @def's command and user into @cmd (in the parent, once). */
void probe_cmd_prepare(struct probe_cmd *cmd, const struct cfg_check *def);
/*
 * Splits @line into @argv (at most @max - 1 words, NULL-terminated) within
 * @buf: blanks separate words, '...' and "..." quote, \ escapes the next
 * character outside single quotes. Returns the word count, or -1 (unclosed
 * quote, too many words, or none).
 */
int probe_split_argv(const char *line, char *buf, size_t size, char **argv, int max);
int probe_exec_start(struct probe *pr, const struct probe_cmd *cmd, const char *name);
int probe_exec_step(struct probe *pr);

/* Ends a probe at its deadline or a stop: sockets closed, a child's process group killed. */
void probe_abort(struct probe *pr);

#endif /* WLBSD_HEALTH_PROBE_H */
