// SPDX-License-Identifier: GPL-2.0
/*
 * http checks: connect (probe_tcp.c), write an HTTP/1.0 GET, read until the
 * status line is whole; a status in the configured range is healthy. The
 * rest of the answer is never read: the socket is reset once the status
 * line is in.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "health/probe.h"

int probe_http_status(const char *buf, size_t len, unsigned int *status)
{
	static const char proto[] = "HTTP/";
	size_t i, n = len < sizeof(proto) - 1 ? len : sizeof(proto) - 1;

	/* Whatever is there so far must fit "HTTP/d.d ddd" then a blank or line end. */
	if (memcmp(buf, proto, n))
		return -1;
	for (i = 5; i < len && i < 12; i++) {
		char c = buf[i];
		bool ok = i == 6 ? c == '.' : i == 8 ? c == ' ' : isdigit((unsigned char)c);

		if (!ok)
			return -1;
	}
	if (len < 13)
		return 0;
	if (buf[12] != ' ' && buf[12] != '\r' && buf[12] != '\n')
		return -1;
	if (!memchr(buf, '\n', len))
		return len >= 512 ? -1 : 0; /* a status line that long is no status line */
	*status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	return 1;
}

/* The request into pr->buf: path, Host (host_header, else address[:port]). */
static void build_request(struct probe *pr, const struct cfg_check *def)
{
	char ip[INET6_ADDRSTRLEN], host[CFG_CHECK_PATH_MAX + INET6_ADDRSTRLEN + 8];

	if (def->host_header[0]) {
		snprintf(host, sizeof(host), "%s", def->host_header);
	} else {
		if (def->addr.v4)
			inet_ntop(AF_INET, &def->addr.addr.s6_addr[12], ip, sizeof(ip));
		else
			inet_ntop(AF_INET6, &def->addr.addr, ip, sizeof(ip));
		snprintf(host, sizeof(host), def->addr.v4 ? "%s" : "[%s]", ip);
		if (def->port != 80)
			snprintf(host + strlen(host), sizeof(host) - strlen(host), ":%u",
				 def->port);
	}
	pr->len = snprintf(pr->buf, sizeof(pr->buf),
			   "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: wlbsd-check\r\n"
			   "Connection: close\r\n\r\n",
			   def->path, host);
	pr->sent = 0;
}

int probe_http_start(struct probe *pr, const struct cfg_check *def)
{
	int v = probe_connect(pr, def);

	if (v == PROBE_PENDING)
		build_request(pr, def);
	return v;
}

static int http_failed(struct probe *pr, const char *what, const char *arg)
{
	snprintf(pr->err, sizeof(pr->err), "%s%.100s", what, arg);
	probe_sock_close(pr);
	return PROBE_FAILED;
}

/* The request is written; reads what came and judges the status line once it is whole. */
static int read_answer(struct probe *pr, const struct cfg_check *def)
{
	unsigned int status;
	ssize_t n;
	int r;

	n = recv(pr->fd, pr->buf + pr->len, sizeof(pr->buf) - 1 - pr->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return PROBE_PENDING;
	if (n < 0)
		return http_failed(pr, "receiving: ", strerror(errno));
	pr->len += n;
	pr->buf[pr->len] = '\0';
	r = probe_http_status(pr->buf, pr->len, &status);
	if (r < 0) {
		pr->buf[strcspn(pr->buf, "\r\n")] = '\0';
		pr->buf[64] = '\0';
		return http_failed(pr, "not an HTTP status line: ", pr->buf);
	}
	if (r == 0 && n == 0)
		return http_failed(pr, "connection closed ",
				   pr->len ? "within the status line" : "without an answer");
	if (r == 0)
		return PROBE_PENDING;
	probe_sock_close(pr);
	if (status >= def->status_lo && status <= def->status_hi)
		return PROBE_OK;
	snprintf(pr->err, sizeof(pr->err), "HTTP status %u (healthy: %u-%u)", status,
		 def->status_lo, def->status_hi);
	return PROBE_FAILED;
}

int probe_http_step(struct probe *pr, const struct cfg_check *def)
{
	ssize_t n;
	int v;

	if (pr->events == EPOLLOUT && pr->sent == 0) {
		v = probe_connected(pr);
		if (v != PROBE_OK)
			return v;
	}
	if (pr->sent < pr->len) {
		n = send(pr->fd, pr->buf + pr->sent, pr->len - pr->sent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return PROBE_PENDING;
		if (n < 0)
			return http_failed(pr, "sending: ", strerror(errno));
		pr->sent += n;
		if (pr->sent < pr->len)
			return PROBE_PENDING;
		/* From now on buf holds the answer. */
		pr->len = 0;
		pr->sent = SIZE_MAX;
		pr->events = EPOLLIN;
		return PROBE_PENDING;
	}
	return read_answer(pr, def);
}
