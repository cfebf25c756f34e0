// SPDX-License-Identifier: GPL-2.0
/*
 * The control command handler: one piece of code for the local socket and
 * remote control. The state machine decides; this file applies its decision
 * to the fast path and the state file, runs reload, and adds the records of
 * display, params, stats and queryport (answers.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl/answers.h"
#include "ctl_codec.h"
#include "ctl_records.h"
#include "events.h"
#include "log.h"
#include "ctl/remote_server.h"
#include "wlbsd.h"
#include "ctl/commands.h"
#include "lifecycle.h"
#include "persist.h"
#include "publish.h"

/* Adds the rule counters a queryport answer carries. */
static void queryport_counters(const struct wlbsd *d, const struct wlbs_ctl_request *req,
			       struct wlbs_ctl_response *resp)
{
	uint32_t rules = hs_target_rules(&d->hs, req);
	struct wlbs_stats st;
	unsigned int i, r;

	for (i = 0; i < WLBS_MAX_RULES; i++) {
		if (!(rules & (1u << i)) || fp_read_stats(&d->fp, i, &st))
			continue;
		for (r = 0; r < WLBS_R_MAX; r++) {
			if (ctl_reason_accepted((int)r))
				resp->rule_accepted += st.packets[r];
			else
				resp->rule_dropped += st.packets[r];
		}
	}
}

int wlbsd_handle(void *ctx, const struct wlbs_ctl_request *req, struct wlbs_ctl_response *resp)
{
	struct wlbsd *d = ctx;
	enum hs_persist before = hs_persist(&d->hs);
	uint8_t state_before = hs_state(&d->hs);
	unsigned int code;
	char err[512];
	int ret;

	ret = hs_command(&d->hs, req, resp);
	if (ret == -EOPNOTSUPP) {
		ctl_resp_text(resp, "%s", "");
		resp->status = WLBS_OK;
		switch (req->command) {
		case WLBS_CMD_DISPLAY:
		case WLBS_CMD_STATS:
			break; /* the records say it all (answers.c) */
		case WLBS_CMD_PARAMS:
			if (!d->tables.n_rules)
				ctl_resp_append(resp, "No port rules: the default host takes all "
						      "cluster traffic (failover).");
			break;
		case WLBS_CMD_RELOAD:
			if (wlbsd_reload_status(d, &code, err, sizeof(err))) {
				/* The rule codes and WLBS_REBOOT say what is wrong, as NLB's did.
				 */
				resp->status = code;
				ctl_resp_append(resp, "Reload %s, running configuration kept: %s",
						code == WLBS_REBOOT ? "not applied" : "refused",
						err);
			} else {
				ctl_resp_append(resp, "Configuration reloaded.");
			}
			break;
		default:
			resp->status = WLBS_BAD_PARAMS;
			ctl_resp_append(resp, "Unknown command.");
		}
	} else if (ret) {
		return ret;
	}
	if (req->command == WLBS_CMD_QUERYPORT && resp->status == WLBS_OK)
		queryport_counters(d, req, resp);
	if (req->command == WLBS_CMD_QUERY)
		answer_query_checks(d, resp);
	/* Records last: they take the room the message left. */
	ret = answer_records(d, req, resp);
	if (ret == -ERANGE) {
		ctl_response_init(resp, req);
		hs_fill(&d->hs, resp);
		resp->status = WLBS_BAD_PARAMS;
		ctl_resp_text(resp, "Bad request: record index %u is past the answer.", req->index);
		return 0;
	}
	if (ret)
		return ret;

	if (hs_state(&d->hs) != state_before || req->command == WLBS_CMD_ENABLE ||
	    req->command == WLBS_CMD_DISABLE || req->command == WLBS_CMD_DRAIN) {
		membership_local_changed(d);
		wlbsd_publish(d);
		hs_fill(&d->hs, resp);
		ev_emit(WLBS_EV_COMMAND, LOG_INFO,
			&(struct ev_fields){.host = d->cfg.priority,
					    .status = ctl_state_name(resp->state)},
			"%s: %s", ctl_cmd_name(req->command), resp->text);
	}
	if (hs_persist(&d->hs) != before && wlbsd_persist_save(d))
		log_warn("could not save the host state: it will not survive a restart");
	return 0;
}
