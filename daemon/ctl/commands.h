/* SPDX-License-Identifier: GPL-2.0 */
/* Control command dispatch: one handler for the local socket and remote control. */
#ifndef WLBSD_COMMANDS_H
#define WLBSD_COMMANDS_H

#include "wlbs/control.h"

/* The control command handler; @ctx is the struct wlbsd. */
int wlbsd_handle(void *ctx, const struct wlbs_ctl_request *req, struct wlbs_ctl_response *resp);

#endif /* WLBSD_COMMANDS_H */
