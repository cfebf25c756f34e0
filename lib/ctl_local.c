// SPDX-License-Identifier: GPL-2.0
/* Local control client: SOCK_SEQPACKET, one message each way, bounded wait. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_codec.h"
#include "ctl_local.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(long long deadline)
{
	long long left = deadline - now_ms();

	return left > 0 ? (int)left : 0;
}

/* Connect, retrying while the daemon's backlog is full (EAGAIN) until @deadline. */
static int connect_until(int fd, const struct sockaddr_un *sa, long long deadline)
{
	for (;;) {
		if (!connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
			return 0;
		if (errno != EAGAIN)
			return -errno;
		if (!left_ms(deadline))
			return -ETIMEDOUT;
		poll(NULL, 0, 10);
	}
}

static int recv_until(int fd, void *buf, size_t size, long long deadline)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	for (;;) {
		ssize_t n = recv(fd, buf, size, MSG_TRUNC | MSG_DONTWAIT);

		if (n > (ssize_t)size)
			return -EBADMSG; /* longer than any valid response */
		if (n == 0)
			return -ECONNRESET; /* the daemon closed without answering */
		if (n > 0)
			return (int)n;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		if (!left_ms(deadline))
			return -ETIMEDOUT;
		if (poll(&pfd, 1, left_ms(deadline)) < 0 && errno != EINTR)
			return -errno;
	}
}

int ctl_local_call(const char *path, const struct wlbs_ctl_request *req,
		   struct wlbs_ctl_response *resp, int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	uint8_t buf[WLBS_CTL_MSG_MAX];
	int fd, n, err;

	if (!path)
		path = WLBS_CTL_SOCKET;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	n = ctl_encode_request(req, buf, sizeof(buf));
	if (n < 0)
		return n;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	err = connect_until(fd, &sa, deadline);
	if (err)
		goto out;
	if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n) {
		err = -errno;
		goto out;
	}
	n = recv_until(fd, buf, sizeof(buf), deadline);
	if (n < 0) {
		err = n;
		goto out;
	}
	err = ctl_decode_response(buf, (size_t)n, resp);
	if (!err && resp->id != req->id)
		err = -EPROTO;
out:
	close(fd);
	return err;
}
