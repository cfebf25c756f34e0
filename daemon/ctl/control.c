// SPDX-License-Identifier: GPL-2.0
/* Local control server: Unix SOCK_SEQPACKET, peer credentials, non-blocking. */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/control.h"
#include "ctl_codec.h"
#include "log.h"

/* Connections served at once; a new one evicts the oldest (a client that never sends). */
#define CTL_MAX_CLIENTS 16
/* Connections accepted per wake-up, so a connect flood cannot hog the daemon's loop. */
#define CTL_ACCEPT_BURST 32
/* Listen backlog. */
#define CTL_BACKLOG 32

struct ctl_client {
	int fd;	      /* -1: free slot */
	bool allowed; /* root, the daemon's own user, or group wlbs */
	uid_t uid;    /* peer credentials at connect time */
	pid_t pid;
	uint64_t seq; /* accept order, to evict the oldest */
};

struct ctl_server {
	int epfd; /* what the daemon polls: the listener and every client */
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool have_group;
	gid_t group;
	ctl_handle_fn handle;
	void *ctx;
	uint64_t seq;
	struct ctl_client clients[CTL_MAX_CLIENTS];
};

static struct log_limit ctl_limit = LOG_LIMIT_INIT(10, 5);

/* Does the peer of @fd belong to @group (primary or supplementary, as at connect)? */
static bool peer_in_group(int fd, const struct ucred *cred, gid_t group)
{
	gid_t small[64], *gids = small;
	socklen_t len = sizeof(small);
	bool found = false;

	if (cred->gid == group)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, gids, &len) < 0) {
		if (errno != ERANGE)
			return false;
		gids = malloc(len);
		if (!gids || getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, gids, &len) < 0) {
			free(gids);
			return false;
		}
	}
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		found |= gids[i] == group;
	if (gids != small)
		free(gids);
	return found;
}

static void client_close(struct ctl_server *srv, struct ctl_client *c)
{
	epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
}

static struct ctl_client *client_slot(struct ctl_server *srv)
{
	struct ctl_client *oldest = &srv->clients[0];

	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		if (srv->clients[i].fd < 0)
			return &srv->clients[i];
		if (srv->clients[i].seq < oldest->seq)
			oldest = &srv->clients[i];
	}
	log_limited(&ctl_limit, LOG_WARNING,
		    "control: %d connections open, closing the oldest (uid %u pid %d)",
		    CTL_MAX_CLIENTS, (unsigned)oldest->uid, (int)oldest->pid);
	client_close(srv, oldest);
	return oldest;
}

static int accept_one(struct ctl_server *srv)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct epoll_event ev = {.events = EPOLLIN};
	struct ctl_client *c;
	int fd;

	fd = accept4(srv->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_limited(&ctl_limit, LOG_WARNING, "control: SO_PEERCRED: %s", strerror(errno));
		close(fd);
		return 0;
	}
	c = client_slot(srv);
	*c = (struct ctl_client){.fd = fd, .uid = cred.uid, .pid = cred.pid, .seq = ++srv->seq};
	c->allowed = cred.uid == 0 || cred.uid == geteuid() ||
		     (srv->have_group && peer_in_group(fd, &cred, srv->group));
	ev.data.u64 = (uint64_t)(c - srv->clients) + 1;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		c->fd = -1;
	}
	return 0;
}

/* Answer for a request we could not (or may not) run. */
static void refuse(struct wlbs_ctl_response *resp, uint32_t id, uint16_t command, uint32_t status)
{
	struct wlbs_ctl_request req = {.id = id, .command = command};

	ctl_response_init(resp, &req);
	resp->status = status;
}

static void decode_error_text(struct wlbs_ctl_response *resp, int err, const uint8_t *buf)
{
	if (err == -EPROTONOSUPPORT)
		ctl_resp_text(
		    resp,
		    "Bad request: protocol version %u is not supported (wlbsd speaks version %u).",
		    buf[4], WLBS_CTL_VERSION);
	else if (err == -EOPNOTSUPP)
		ctl_resp_text(resp, "Bad request: unknown command.");
	else
		ctl_resp_text(resp, "Bad request: malformed control message.");
}

/* Build the response to one received message; false: do not answer (not our protocol). */
static bool serve(struct ctl_server *srv, const struct ctl_client *c, const uint8_t *buf,
		  size_t len, struct wlbs_ctl_response *resp)
{
	struct wlbs_ctl_request req;
	uint32_t id;
	int err;

	if (ctl_peek_id(buf, len, &id)) {
		log_limited(&ctl_limit, LOG_WARNING,
			    "control: uid %u pid %d sent %zu bytes that are no control message",
			    (unsigned)c->uid, (int)c->pid, len);
		return false;
	}
	err = ctl_decode_request(buf, len, &req);
	if (!c->allowed) {
		refuse(resp, id, err ? 0 : req.command, WLBS_BAD_PASSW);
		ctl_resp_text(resp, "Permission denied: uid %u is neither root nor in group %s.",
			      (unsigned)c->uid, WLBS_CTL_GROUP);
		log_limited(&ctl_limit, LOG_NOTICE,
			    "control: refused uid %u pid %d: not authorised", (unsigned)c->uid,
			    (int)c->pid);
		return true;
	}
	if (err) {
		refuse(resp, id, 0, WLBS_BAD_PARAMS);
		decode_error_text(resp, err, buf);
		log_limited(&ctl_limit, LOG_WARNING, "control: bad request from uid %u pid %d: %s",
			    (unsigned)c->uid, (int)c->pid, strerror(-err));
		return true;
	}
	ctl_response_init(resp, &req);
	err = srv->handle(srv->ctx, &req, resp);
	if (err < 0) {
		refuse(resp, req.id, req.command, WLBS_IO_ERROR);
		ctl_resp_text(resp, "Internal error: %s.", strerror(-err));
	}
	/* The response goes out as it is: id and command are the request's, whatever the handler
	 * did. */
	resp->id = req.id;
	resp->command = req.command;
	/* Who changed what; reads (query, display, params) are not worth a log line. */
	if (req.command != WLBS_CMD_QUERY && req.command != WLBS_CMD_QUERYPORT &&
	    req.command != WLBS_CMD_DISPLAY && req.command != WLBS_CMD_PARAMS)
		log_info("control: %s by uid %u pid %d: %s: %.*s", ctl_cmd_name(req.command),
			 (unsigned)c->uid, (int)c->pid, wlbs_status_name((int)resp->status) ?: "?",
			 (int)strcspn(resp->text, "\n"), resp->text);
	return true;
}

static void on_client(struct ctl_server *srv, struct ctl_client *c, uint32_t events)
{
	uint8_t buf[WLBS_CTL_MSG_MAX];
	uint8_t out[WLBS_CTL_MSG_MAX];
	struct wlbs_ctl_response resp;
	ssize_t n;
	int len;

	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR) && !(events & (EPOLLHUP | EPOLLERR)))
		return;
	if (n <= 0) {
		client_close(srv, c);
		return;
	}
	/* Longer than any request (MSG_TRUNC gives the real size): decoding rejects it. */
	if (n > (ssize_t)sizeof(buf))
		n = sizeof(buf);
	if (!serve(srv, c, buf, (size_t)n, &resp)) {
		client_close(srv, c);
		return;
	}
	len = ctl_encode_response(&resp, out, sizeof(out));
	if (len < 0) {
		/* The handler produced something invalid: never send it. */
		refuse(&resp, resp.id, resp.command, WLBS_IO_ERROR);
		ctl_resp_text(&resp, "Internal error: invalid response.");
		len = ctl_encode_response(&resp, out, sizeof(out));
	}
	if (len < 0 || send(c->fd, out, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) != len)
		client_close(srv, c);
}

int ctl_server_on_readable(struct ctl_server *srv)
{
	struct epoll_event evs[CTL_MAX_CLIENTS + 1];
	int n = epoll_wait(srv->epfd, evs, CTL_MAX_CLIENTS + 1, 0);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		uint64_t slot = evs[i].data.u64;

		if (slot == 0) {
			for (int k = 0; k < CTL_ACCEPT_BURST; k++) {
				int err = accept_one(srv);

				if (err == -EAGAIN || err == -ECONNABORTED || err == -EINTR)
					break;
				if (err == -EMFILE || err == -ENFILE || err == -ENOBUFS ||
				    err == -ENOMEM) {
					log_limited(&ctl_limit, LOG_WARNING, "control: accept: %s",
						    strerror(-err));
					break;
				}
				if (err)
					return err;
			}
		} else if (slot <= CTL_MAX_CLIENTS && srv->clients[slot - 1].fd >= 0) {
			on_client(srv, &srv->clients[slot - 1], evs[i].events);
		}
	}
	return 0;
}

int ctl_server_fd(const struct ctl_server *srv)
{
	return srv->epfd;
}

/* Is a daemon answering on @path? */
static bool someone_listens(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	bool live;

	if (fd < 0)
		return false;
	strcpy(sa.sun_path, path);
	live = !connect(fd, (struct sockaddr *)&sa, sizeof(sa)) || errno == EAGAIN;
	close(fd);
	return live;
}

static int prepare_path(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;

	strcpy(dir, path);
	if (mkdir(dirname(dir), 0755) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	if (someone_listens(path))
		return -EADDRINUSE;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static void lookup_group(struct ctl_server *srv)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (!getgrnam_r(WLBS_CTL_GROUP, &gr, buf, sizeof(buf), &res) && res) {
		srv->have_group = true;
		srv->group = res->gr_gid;
	}
}

int ctl_server_open(struct ctl_server **out, const char *path, ctl_handle_fn handle, void *ctx)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0};
	struct ctl_server *srv;
	int err;

	if (!path)
		path = WLBS_CTL_SOCKET;
	if (!handle || !*path)
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->lfd = srv->epfd = -1;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		srv->clients[i].fd = -1;
	srv->handle = handle;
	srv->ctx = ctx;
	strcpy(srv->path, path);
	strcpy(sa.sun_path, path);
	lookup_group(srv);

	err = prepare_path(path);
	if (err)
		goto err_free;
	srv->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->lfd < 0 || bind(srv->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto err_close;
	}
	/* Before listen(): nobody can connect while the mode is still the umask's. */
	if (chmod(path, 0660) < 0 || (srv->have_group && chown(path, (uid_t)-1, srv->group) < 0) ||
	    listen(srv->lfd, CTL_BACKLOG) < 0) {
		err = -errno;
		goto err_unlink;
	}
	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epfd < 0 || epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->lfd, &ev) < 0) {
		err = -errno;
		goto err_unlink;
	}
	*out = srv;
	return 0;

err_unlink:
	unlink(path);
err_close:
	if (srv->epfd >= 0)
		close(srv->epfd);
	if (srv->lfd >= 0)
		close(srv->lfd);
err_free:
	free(srv);
	return err;
}

void ctl_server_close(struct ctl_server *srv)
{
	if (!srv)
		return;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		if (srv->clients[i].fd >= 0)
			close(srv->clients[i].fd);
	close(srv->lfd);
	close(srv->epfd);
	unlink(srv->path);
	free(srv);
}
