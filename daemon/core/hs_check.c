// SPDX-License-Identifier: GPL-2.0
/*
 * The host state machine and health checks of action stop (hoststate.h),
 * the operator side: a start the failing check holds back, what a command
 * of the operator undoes, and what query says. hs_on_check() is in hoststate.c.
 */
#include <stdio.h>

#include "core/hoststate.h"
#include "core/hs_internal.h"
#include "ctl_codec.h"

/* A start the failing check holds back (no --force): answered, and remembered. */
bool hs_start_held(struct hs *hs, const struct wlbs_ctl_request *req,
		   struct wlbs_ctl_response *resp)
{
	if (req->command != WLBS_CMD_START || !hs->check_stop ||
	    (req->flags & WLBS_CTL_REQ_F_FORCE) ||
	    (hs->level != HS_STOPPED && hs->level != HS_DRAINING))
		return false;
	hs->start_waiting = true;
	hs->persist = HS_PERSIST_NONE; /* start was the operator's last word */
	resp->status = WLBS_CHECK_FAILING;
	ctl_resp_text(resp,
		      "A health check fails (%s): cluster operations start when it passes; "
		      "start --force starts them now.",
		      hs->check_why[0] ? hs->check_why : "action stop");
	return true;
}

/* The operator's word on the host's state: the check's own stop and any waiting start end. */
void hs_operator_spoke(struct hs *hs, const struct wlbs_ctl_request *req)
{
	switch (req->command) {
	case WLBS_CMD_START:
		hs->forced = hs->check_stop && (req->flags & WLBS_CTL_REQ_F_FORCE);
		/* fall through */
	case WLBS_CMD_STOP:
	case WLBS_CMD_DRAINSTOP:
	case WLBS_CMD_SUSPEND:
		if (hs->level == HS_SUSPENDED && req->command != WLBS_CMD_SUSPEND)
			return; /* refused: nothing changes */
		/* drainstop of a host the check drains is "already draining": now it is ours. */
		if (hs->check_took && req->command == WLBS_CMD_DRAINSTOP)
			hs->persist = HS_PERSIST_STOPPED;
		hs->check_took = hs->start_waiting = false;
		if (req->command != WLBS_CMD_START)
			hs->forced = false;
		break;
	default:
		break;
	}
}

/* What the health check has to do with the state query reports. */
void hs_append_check(const struct hs *hs, struct wlbs_ctl_response *resp)
{
	if (!hs->check_stop)
		return;
	if (hs->check_took)
		ctl_resp_append(resp,
				" Taken out by a failing health check (%s): it starts again "
				"when the check passes.",
				hs->check_why);
	else if (hs->start_waiting)
		ctl_resp_append(resp, " A start waits for a failing health check (%s).",
				hs->check_why);
	else if (hs->forced)
		ctl_resp_append(resp, " Started with --force although a health check fails (%s).",
				hs->check_why);
}
