/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Remote control server: UDP 2504 (and Convoy's 1717 when configured) on every
 * address of the host, in the envelope of wlbs/remote.h (checked by
 * lib/remote_auth.h), rate-limited per source, handed to the same command
 * handler as the local socket. Never blocks: the daemon polls remote_fd()
 * (EPOLLIN) and calls remote_on_readable(). docs/remote.md describes the
 * protocol and what is answered and what is not.
 */
#ifndef WLBSD_REMOTE_H
#define WLBSD_REMOTE_H

#include <stddef.h>

#include "config/config.h"
#include "ctl/control.h"
#include "wlbs/common.h"

struct remote_server;

/* Creates the server with no socket yet (remote control off). 0, -ENOMEM, -errno. */
int remote_open(struct remote_server **out, ctl_handle_fn handle, void *ctx);

/*
 * Applies [remote] of @cfg: reads the secret file, derives the key, opens the
 * UDP sockets and writes the ports to the fast path (@fpcfg, NULL in tests)
 * so that every host, stopped ones too, receives them. Disabled: closes the
 * sockets and clears the ports. On error nothing changes (what ran before keeps
 * running) and @err says why; the secret never appears in it.
 */
int remote_configure(struct remote_server *rs, const struct wlbs_config *cfg,
		     struct wlbs_cfg *fpcfg, char *err, size_t errlen);

/* Pollable fd (an epoll set of its own, stable across remote_configure). */
int remote_fd(const struct remote_server *rs);

/* Serves what is ready, without blocking. 0 or -errno. */
int remote_on_readable(struct remote_server *rs);

/* Fills the remote control state and counters of a stats record. NULL: nothing. */
void remote_stats(const struct remote_server *rs, struct wlbs_rec_stats *st);

/* Closes the sockets, clears the fast-path ports, wipes the key. NULL is fine. */
void remote_close(struct remote_server *rs);

#endif /* WLBSD_REMOTE_H */
