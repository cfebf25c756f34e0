/* SPDX-License-Identifier: GPL-2.0 */
/* Local control client: one request over the daemon's Unix socket. */
#ifndef WLBS_CTL_LOCAL_H
#define WLBS_CTL_LOCAL_H

#include "wlbs/control.h"

/*
 * Send @req to the daemon listening on @path (NULL: WLBS_CTL_SOCKET) and wait
 * up to @timeout_ms for its answer. 0 with @resp decoded, or:
 *   -ENOENT, -ECONNREFUSED  no daemon listens there
 *   -EACCES, -EPERM         not allowed to use the socket
 *   -ETIMEDOUT              no answer in time
 *   -EBADMSG, -EPROTO       the answer was malformed or for another request
 *   -ENAMETOOLONG, other -errno
 */
int ctl_local_call(const char *path, const struct wlbs_ctl_request *req,
		   struct wlbs_ctl_response *resp, int timeout_ms);

#endif /* WLBS_CTL_LOCAL_H */
