// SPDX-License-Identifier: GPL-2.0
/*
 * tcp checks, and the connect that http checks begin with: a non-blocking
 * connect whose end epoll reports (EPOLLOUT), its result from SO_ERROR.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "health/probe.h"

void probe_sock_close(struct probe *pr)
{
	/* A reset, not a FIN: 32 checks at 50 ms would otherwise fill TIME_WAIT. */
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	if (pr->fd < 0)
		return;
	setsockopt(pr->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(pr->fd);
	pr->fd = -1;
}

static int failed(struct probe *pr, const char *what, int err)
{
	snprintf(pr->err, sizeof(pr->err), "%s: %s", what, strerror(err));
	probe_sock_close(pr);
	return PROBE_FAILED;
}

int probe_connect(struct probe *pr, const struct cfg_check *def)
{
	struct sockaddr_storage ss = {0};
	socklen_t sl;

	if (def->addr.v4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(def->port);
		memcpy(&sin->sin_addr, &def->addr.addr.s6_addr[12], 4);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(def->port);
		sin6->sin6_addr = def->addr.addr;
		sl = sizeof(*sin6);
	}
	pr->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (pr->fd < 0)
		return failed(pr, "socket", errno);
	if (connect(pr->fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS)
		return failed(pr, "connect", errno);
	pr->events = EPOLLOUT;
	return PROBE_PENDING;
}

int probe_connected(struct probe *pr)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(pr->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return failed(pr, "connect", errno);
	if (err)
		return failed(pr, "connect", err);
	/* SO_ERROR 0 before the end: epoll woke us for something else. */
	if (getpeername(pr->fd, (struct sockaddr *)&(struct sockaddr_storage){0},
			&(socklen_t){sizeof(struct sockaddr_storage)}))
		return errno == ENOTCONN ? PROBE_PENDING : failed(pr, "connect", errno);
	return PROBE_OK;
}

int probe_tcp_start(struct probe *pr, const struct cfg_check *def)
{
	return probe_connect(pr, def);
}

int probe_tcp_step(struct probe *pr, const struct cfg_check *def)
{
	int v = probe_connected(pr);

	(void)def;
	if (v == PROBE_OK)
		probe_sock_close(pr);
	return v;
}
