// SPDX-License-Identifier: GPL-2.0
/*
 * The control command handler: one piece of code for the local socket and
 * remote control. The state machine decides; this file applies its decision
 * to the fast path and the state file, and answers display, params, reload.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl_codec.h"
#include "events.h"
#include "events_table.h"
#include "log.h"
#include "ctl/remote_server.h"
#include "wlbsd.h"
#include "ctl/commands.h"
#include "lifecycle.h"
#include "persist.h"
#include "publish.h"

static const char *const reason_names[WLBS_R_MAX] = {
    [WLBS_R_NOT_CLUSTER] = "not-cluster",
    [WLBS_R_HEARTBEAT] = "heartbeat",
    [WLBS_R_OWNED] = "owned",
    [WLBS_R_HELD] = "held",
    [WLBS_R_DEFAULT] = "default",
    [WLBS_R_FRAG_PASS] = "frag-pass",
    [WLBS_R_NOT_OWNER] = "not-owner",
    [WLBS_R_DIRTY] = "dirty",
    [WLBS_R_STOPPED] = "stopped",
    [WLBS_R_STALE] = "stale",
    [WLBS_R_RULE_DISABLED] = "rule-disabled",
    [WLBS_R_NOT_DEFAULT] = "not-default",
    [WLBS_R_FRAG_DROP] = "frag-drop",
    [WLBS_R_MALFORMED] = "malformed",
    [WLBS_R_ARP_REPLY] = "arp-reply",
    [WLBS_R_ARP_DROP] = "arp-drop",
    [WLBS_R_ND_REPLY] = "nd-reply",
    [WLBS_R_ND_DROP] = "nd-drop",
    [WLBS_R_CONTROL] = "control",
    [WLBS_R_FRAG_EARLY] = "frag-early",
    [WLBS_R_NEIGH_PASS] = "neigh-pass",
    [WLBS_R_FOREIGN_SYNACK] = "foreign-synack",
    [WLBS_R_HAIRPIN] = "hairpin",
};

static bool accepted(unsigned int r)
{
	return r == WLBS_R_OWNED || r == WLBS_R_HELD || r == WLBS_R_DEFAULT ||
	       r == WLBS_R_FRAG_PASS || r == WLBS_R_ARP_REPLY || r == WLBS_R_ND_REPLY ||
	       r == WLBS_R_CONTROL || r == WLBS_R_FRAG_EARLY || r == WLBS_R_NEIGH_PASS;
}

static void params_text(const struct wlbsd *d, struct wlbs_ctl_response *resp)
{
	static const char *const modes[] = {"multiple", "single", "disabled"};
	static const char *const affs[] = {"none", "single", "classc"};
	const struct wlbs_config *c = &d->cfg;
	char addr[INET6_ADDRSTRLEN + 8];
	unsigned char mac[6];
	int i;

	ctl_resp_append(resp, "interface         %s\nhost priority     %u\n", c->ifname,
			c->priority);
	for (i = 0; i < c->n_vips; i++)
		ctl_resp_append(resp, "cluster ip        %s\n",
				cfg_addr_str(&c->vips[i], true, addr, sizeof(addr)));
	for (i = 0; i < c->n_dips; i++)
		ctl_resp_append(resp, "dedicated ip      %s\n",
				cfg_addr_str(&c->dips[i], true, addr, sizeof(addr)));
	if (cfg_cluster_mac(c, mac) == 0)
		ctl_resp_append(resp, "cluster mac       %02x-%02x-%02x-%02x-%02x-%02x (%s, %s)\n",
				mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
				ip2mac_mode_name(c->cluster_mode),
				c->cluster_mac_set ? "manual" : "derived");
	ctl_resp_append(resp, "heartbeat         %u ms x %u\nhash seed         0x%08x\n",
			c->heartbeat_period_ms, c->heartbeat_tolerance, c->hash_seed);
	ctl_resp_append(resp, "remote control    %s\n", c->remote.enabled ? "enabled" : "disabled");
	if (!d->tables.n_rules)
		ctl_resp_append(resp, "port rules        no port rules: the default host takes all "
				      "cluster traffic (failover)\n");
	for (i = 0; i < (int)d->tables.n_rules; i++) {
		const struct cfg_rule *r = &c->rules[d->order[i]];

		if (r->vip == CFG_VIP_ALL)
			snprintf(addr, sizeof(addr), "all");
		else
			cfg_addr_str(&c->vips[r->vip], false, addr, sizeof(addr));
		ctl_resp_append(resp, "rule %-12s %s %u-%u %s %s", r->name, addr, r->port_lo,
				r->port_hi,
				r->proto == (WLBS_PROTO_TCP | WLBS_PROTO_UDP) ? "both"
				: r->proto == WLBS_PROTO_TCP		      ? "tcp"
									      : "udp",
				modes[r->mode % 3]);
		if (r->mode == WLBS_MODE_MULTIPLE && r->equal_load)
			ctl_resp_append(resp, " affinity=%s load=equal", affs[r->affinity % 3]);
		else if (r->mode == WLBS_MODE_MULTIPLE)
			ctl_resp_append(resp, " affinity=%s load=%u", affs[r->affinity % 3],
					r->load_weight);
		else if (r->mode == WLBS_MODE_SINGLE)
			ctl_resp_append(resp, " priority=%u", r->handling_priority);
		ctl_resp_append(resp, "\n");
	}
}

static void display_text(const struct wlbsd *d, struct wlbs_ctl_response *resp)
{
	struct wlbs_stats st;
	unsigned int i, r;
	uint64_t seq, last;
	size_t room;
	char when[32];
	bool any;

	params_text(d, resp);
	ctl_resp_append(resp, "state after start %s\n",
			hs_from_persisted(&d->hs) ? "from the persisted state"
						  : "from initial_state");
	membership_display(d, resp);
	ctl_resp_append(resp, "\nfast path         %s XDP on %s%s, live connections %lld\n",
			d->fp.native ? "native" : "generic", d->fp.ifname,
			d->fp.adopted ? " (adopted at start)" : "", (long long)d->held);
	ctl_resp_append(resp, "\ncounters (packets)\n");
	for (i = 0; i < WLBS_STATS_SLOTS; i++) {
		if (i < WLBS_MAX_RULES && i >= d->tables.n_rules)
			continue;
		if (fp_read_stats(&d->fp, i, &st))
			continue;
		if (i < WLBS_MAX_RULES)
			ctl_resp_append(resp, "  rule %-10s", d->cfg.rules[d->order[i]].name);
		else
			ctl_resp_append(resp, "  %-15s",
					i == WLBS_STATS_NO_RULE ? "no rule" : "not cluster");
		for (r = 0, any = false; r < WLBS_R_MAX; r++) {
			if (!st.packets[r])
				continue;
			any = true;
			ctl_resp_append(resp, " %s=%llu", reason_names[r] ? reason_names[r] : "?",
					(unsigned long long)st.packets[r]);
		}
		ctl_resp_append(resp, "%s\n", any ? "" : " (none)");
	}
	remote_display(d->remote, resp);
	ctl_resp_append(resp, "\nrecent events\n");
	/* The newest that fit the answer, oldest first: a long history never hides the last. */
	last = ev_last_seq();
	room = WLBS_CTL_TEXT_MAX - resp->text_len;
	for (seq = last; seq && last - seq < EV_RING; seq--) {
		const struct ev_record *ev = ev_get(seq);
		size_t need = ev ? strlen(ev->text) + 48 : 0;

		if (!ev || need > room)
			break;
		room -= need;
	}
	for (seq++; seq && seq <= last; seq++) {
		const struct ev_record *ev = ev_get(seq);

		if (!ev)
			continue;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&ev->when));
		ctl_resp_append(resp, "  %s  [%s] %s\n", when, ev_kind_name(ev->kind), ev->text);
	}
}

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
			if (accepted(r))
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
			display_text(d, resp);
			break;
		case WLBS_CMD_PARAMS:
			params_text(d, resp);
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
	if (req->command == WLBS_CMD_QUERYPORT)
		queryport_counters(d, req, resp);

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
