/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local control server: a SOCK_SEQPACKET Unix socket (one request, one
 * response per message), open to root and to group `wlbs`. It never blocks:
 * the daemon adds ctl_server_fd() to its epoll set (EPOLLIN) and calls
 * ctl_server_on_readable() when it fires. Requests are decoded here and
 * handed to the daemon's handler; transports differ, the handler is one.
 */
#ifndef WLBSD_CONTROL_H
#define WLBSD_CONTROL_H

#include "wlbs/control.h"

/*
 * Fill @resp (already ctl_response_init'ed from @req) and return 0; a
 * negative errno makes the server answer WLBS_IO_ERROR "internal error".
 */
typedef int (*ctl_handle_fn)(void *ctx, const struct wlbs_ctl_request *req,
			     struct wlbs_ctl_response *resp);

struct ctl_server;

/*
 * Listen on @path (NULL: WLBS_CTL_SOCKET), creating its directory (0755) if
 * missing; the socket gets mode 0660 and group `wlbs` if that group exists.
 * A stale socket is replaced; -EADDRINUSE if a daemon answers on it, -EEXIST
 * if @path is not a socket.
 */
int ctl_server_open(struct ctl_server **out, const char *path, ctl_handle_fn handle, void *ctx);

/* Pollable fd (an epoll set of its own) that is readable when there is work. */
int ctl_server_fd(const struct ctl_server *srv);

/* Accept and serve whatever is ready, without blocking. 0, or -errno if the listener failed. */
int ctl_server_on_readable(struct ctl_server *srv);

/* Close every connection and the listener, and remove the socket file. */
void ctl_server_close(struct ctl_server *srv);

#endif /* WLBSD_CONTROL_H */
