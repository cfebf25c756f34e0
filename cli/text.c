// SPDX-License-Identifier: GPL-2.0
/* wlbs text output of display, params, stats and queryport, rendered from the records. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "ctl_codec.h"
#include "ctl_records.h"
#include "remote_auth.h"
#include "events_table.h"
#include "render.h"
#include "wlbs/common.h"

static const char *const modes[] = {"multiple", "single", "disabled"};
static const char *const affinities[] = {"none", "single", "classc"};
static const char *const cluster_modes[] = {"multicast", "igmp", "unicast"};
static const char *const initial_states[] = {"started", "stopped", "suspended"};
static const char *const xdp_modes[] = {"auto", "native", "generic"};

const char *cli_proto_name(uint8_t proto)
{
	return proto == (WLBS_PROTO_TCP | WLBS_PROTO_UDP) ? "both"
	       : proto == WLBS_PROTO_TCP		  ? "tcp"
							  : "udp";
}

const char *cli_mode_name(uint8_t mode)
{
	return modes[mode % 3];
}

const char *cli_affinity_name(uint8_t aff)
{
	return affinities[aff % 3];
}

const char *cli_cluster_mode_name(uint8_t m)
{
	return cluster_modes[m % 3];
}

const char *cli_initial_state_name(uint8_t s)
{
	return initial_states[s % 3];
}

const char *cli_xdp_mode_name(uint8_t m)
{
	return xdp_modes[m % 3];
}

char *cli_addr_str(const uint8_t addr[16], int v4, int prefix, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? addr + 12 : addr, a, sizeof(a));
	if (prefix >= 0)
		snprintf(buf, len, "%s/%d", a, prefix);
	else
		snprintf(buf, len, "%s", a);
	return buf;
}

const char *cli_slot_name(const struct wlbs_rec_packets *p)
{
	if (p->slot == WLBS_SLOT_NO_RULE)
		return "no rule";
	if (p->slot == WLBS_SLOT_NOT_CLUSTER)
		return "not cluster";
	return p->rule;
}

static void text_rule(FILE *f, const struct wlbs_rec_rule *r)
{
	char vip[INET6_ADDRSTRLEN + 8];
	static const uint8_t zero[16];

	if (!memcmp(r->vip, zero, 16))
		snprintf(vip, sizeof(vip), "all");
	else
		cli_addr_str(r->vip, r->vip_v4, -1, vip, sizeof(vip));
	fprintf(f, "rule %-12s %s %u-%u %s %s", r->name, vip, r->port_lo, r->port_hi,
		cli_proto_name(r->proto), cli_mode_name(r->mode));
	if (r->mode == WLBS_MODE_MULTIPLE && r->equal_load)
		fprintf(f, " affinity=%s load=equal", cli_affinity_name(r->affinity));
	else if (r->mode == WLBS_MODE_MULTIPLE)
		fprintf(f, " affinity=%s load=%u", cli_affinity_name(r->affinity), r->load_weight);
	else if (r->mode == WLBS_MODE_SINGLE)
		fprintf(f, " priority=%u", r->handling_priority);
	fprintf(f, "\n");
}

static void text_params(FILE *f, const struct cli_answer *ans)
{
	const struct wlbs_rec *pr = cli_answer_find(ans, WLBS_REC_PARAMS);
	const struct wlbs_rec_params *p = pr ? &pr->u.params : NULL;
	char a[INET6_ADDRSTRLEN + 8];
	int rules = 0;

	if (!p)
		return;
	fprintf(f, "interface         %s\nhost priority     %u\n", p->ifname, p->priority);
	for (int role = WLBS_ADDR_CLUSTER; role <= WLBS_ADDR_DEDICATED; role++)
		for (size_t i = 0; i < ans->n; i++) {
			const struct wlbs_rec_addr *x = &ans->recs[i].u.addr;

			if (ans->recs[i].kind == WLBS_REC_ADDR && x->role == role)
				fprintf(f, "%s      %s\n",
					role == WLBS_ADDR_CLUSTER ? "cluster ip  " : "dedicated ip",
					cli_addr_str(x->addr, x->v4, x->prefix, a, sizeof(a)));
		}
	if (p->flags & WLBS_PARF_MAC_VALID)
		fprintf(f, "cluster mac       %02x-%02x-%02x-%02x-%02x-%02x (%s, %s)\n",
			p->cluster_mac[0], p->cluster_mac[1], p->cluster_mac[2], p->cluster_mac[3],
			p->cluster_mac[4], p->cluster_mac[5],
			cli_cluster_mode_name(p->cluster_mode),
			p->flags & WLBS_PARF_MAC_SET ? "manual" : "derived");
	fprintf(f, "heartbeat         %u ms x %u\n", p->heartbeat_period_ms,
		p->heartbeat_tolerance);
	fprintf(f, "detection         %u ms (a silent host is gone after T*K + T/2)\n",
		p->detection_ms);
	fprintf(f, "cleanup delay     %u ms\n", p->cleanup_delay_ms);
	fprintf(f, "hash seed         0x%08x (%s)\n", p->hash_seed,
		p->flags & WLBS_PARF_SEED_SET ? "set" : "derived");
	fprintf(f, "key file          %s\n", p->key_file[0] ? p->key_file : "(none)");
	fprintf(f, "initial state     %s, persist state %s\n",
		cli_initial_state_name(p->initial_state),
		p->flags & WLBS_PARF_PERSIST ? "yes" : "no");
	fprintf(f, "xdp mode          %s\n", cli_xdp_mode_name(p->xdp_mode));
	if (p->flags & WLBS_PARF_REMOTE)
		fprintf(f,
			"remote control    enabled: udp %u%s, %u requests/s per source, clock "
			"window %u s, secret %s\n",
			p->remote_port, p->flags & WLBS_PARF_CONVOY ? " and 1717" : "",
			p->remote_rate_limit, p->remote_time_window_s, p->secret_file);
	else
		fprintf(f, "remote control    disabled\n");
	for (size_t i = 0; i < ans->n; i++)
		if (ans->recs[i].kind == WLBS_REC_RULE) {
			text_rule(f, &ans->recs[i].u.rule);
			rules++;
		}
	if (!rules)
		fprintf(f, "port rules        no port rules: the default host takes all cluster "
			   "traffic (failover)\n");
}

/* Host lists as operators read them: "1-4, 6", never a bit string. */
static const char *hosts(uint64_t mask, char *buf, size_t len)
{
	return members_str(mask, buf, len);
}

static void text_convergence(FILE *f, const struct cli_answer *ans, const struct wlbs_rec_host *h,
			     const struct wlbs_rec_stats *s)
{
	char a[MEMBERS_STR_MAX];

	fprintf(f, "\nconvergence       %s, view %s, leader %u%s%s\n",
		h->flags & WLBS_HOSTF_CONVERGED ? "converged" : "converging",
		hosts(h->view, a, sizeof(a)), h->leader, h->excluded ? ", excluded: " : "",
		h->excluded ? ctl_cause_name(h->excluded) : "");
	fprintf(f, "state after start from %s\n",
		h->flags & WLBS_HOSTF_PERSISTED ? "the persisted state" : "initial_state");
	if (h->flags & WLBS_HOSTF_KEY_MISMATCH)
		fprintf(f, "EXCLUDED          heartbeats of this cluster fail authentication, no "
			   "host with our key heard: check key_file\n");
	fprintf(f, "heartbeats        %s, received %" PRIu64 ", hosts heard %s\n",
		h->flags & WLBS_HOSTF_KEY_SET ? "authenticated" : "not authenticated",
		s ? s->hb_received : 0, hosts(h->heard, a, sizeof(a)));
	if (h->conflicts)
		fprintf(f, "CONFLICT          hosts %s have different port rules\n",
			hosts(h->conflicts, a, sizeof(a)));
	for (size_t i = 0; i < ans->n; i++) {
		const struct wlbs_rec_conflict *c = &ans->recs[i].u.conflict;

		if (ans->recs[i].kind == WLBS_REC_CONFLICT)
			fprintf(f, "%-17s %s\n",
				c->type == WLBS_CONFLICT_RULES ? "RULES DIFFER" : "IP CONFLICT",
				c->text);
	}
	if (h->duplicates)
		fprintf(f, "CONFLICT          duplicate host priority %s\n",
			hosts(h->duplicates, a, sizeof(a)));
	if (h->damped)
		fprintf(f, "damped            flapping hosts %s held out\n",
			hosts(h->damped, a, sizeof(a)));
	if (h->deaf)
		fprintf(f, "one-way loss      members %s do not hear this host\n",
			hosts(h->deaf, a, sizeof(a)));
}

static void cli_text_remote_counters(FILE *f, const struct wlbs_rec_stats *s);

static void text_stats_lines(FILE *f, const struct wlbs_rec_stats *s)
{
	fprintf(f, "heartbeats sent   %" PRIu64 "\n", s->hb_sent);
	for (int i = 0; i < s->n_hb_drops; i++)
		if (s->hb_dropped[i])
			fprintf(f, "heartbeats dropped %s=%" PRIu64 "\n",
				ctl_hb_drop_name(i) ?: "?", s->hb_dropped[i]);
	fprintf(f, "convergences      %" PRIu64 ", the last took %" PRIu64 " ms\n", s->convergences,
		s->convergence_last_us / 1000);
	fprintf(f, "fragment table    %u of %u entries\n", s->frag_entries, s->frag_max);
	fprintf(f, "\n");
	cli_text_remote(f, s);
}

void cli_text_remote(FILE *f, const struct wlbs_rec_stats *s)
{
	if (!(s->flags & WLBS_STATF_REMOTE)) {
		fprintf(f, "remote control    %s\n",
			s->remote_status[0] ? s->remote_status : "disabled");
		return;
	}
	fprintf(f, "remote control    udp %u%s, %u requests/s per source, clock window %u s\n",
		s->remote_port, s->flags & WLBS_STATF_CONVOY ? " and 1717" : "", s->remote_rate,
		s->remote_window_s);
	cli_text_remote_counters(f, s);
}

static void cli_text_remote_counters(FILE *f, const struct wlbs_rec_stats *s)
{
	/* The order display always had; -1 is the rate limiter's count. */
	static const int refused[] = {REMOTE_BAD_MAC,	 REMOTE_STALE, REMOTE_FUTURE,
				      REMOTE_REPLAY,	 -1,	       REMOTE_BUSY,
				      REMOTE_BAD_REQUEST};
	static const int dropped[] = {REMOTE_TRUNCATED, REMOTE_OVERSIZED, REMOTE_VERSION,
				      REMOTE_GARBAGE};

	fprintf(f,
		"  served          answered=%" PRIu64 " retransmitted=%" PRIu64 " %s=%" PRIu64 "\n",
		s->remote_answered, s->remote_retransmitted, remote_verdict_name(REMOTE_OTHER_HOST),
		s->remote[REMOTE_OTHER_HOST]);
	fprintf(f, "  refused        ");
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (refused[i] < 0)
			fprintf(f, " rate-limited=%" PRIu64, s->remote_rate_limited);
		else
			fprintf(f, " %s=%" PRIu64, remote_verdict_name(refused[i]),
				s->remote[refused[i]]);
	fprintf(f, "\n  dropped        ");
	for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
		fprintf(f, " %s=%" PRIu64, remote_verdict_name(dropped[i]), s->remote[dropped[i]]);
	fprintf(f, " error-answers-suppressed=%" PRIu64 "\n", s->remote_errors_suppressed);
}

static void text_packets(FILE *f, const struct cli_answer *ans)
{
	fprintf(f, "\ncounters (packets)\n");
	for (size_t i = 0; i < ans->n; i++) {
		const struct wlbs_rec_packets *p = &ans->recs[i].u.packets;
		int any = 0;

		if (ans->recs[i].kind != WLBS_REC_PACKETS)
			continue;
		if (p->slot < WLBS_MAX_RULES)
			fprintf(f, "  rule %-10s", p->rule);
		else
			fprintf(f, "  %-15s", cli_slot_name(p));
		for (int r = 0; r < p->n_reasons; r++) {
			if (!p->packets[r])
				continue;
			any = 1;
			fprintf(f, " %s=%" PRIu64, ctl_reason_name(r) ?: "?", p->packets[r]);
		}
		fprintf(f, "%s\n", any ? "" : " (none)");
	}
}

static void text_held(FILE *f, const struct cli_answer *ans)
{
	fprintf(f, "\nheld connections\n");
	for (size_t i = 0; i < ans->n; i++)
		if (ans->recs[i].kind == WLBS_REC_RULE)
			fprintf(f, "  rule %-10s %" PRId64 "\n", ans->recs[i].u.rule.name,
				ans->recs[i].u.rule.held);
}

static void text_events(FILE *f, const struct cli_answer *ans)
{
	char when[32];

	fprintf(f, "\nrecent events\n");
	for (size_t i = 0; i < ans->n; i++) {
		const struct wlbs_rec_event *e = &ans->recs[i].u.event;
		time_t t = (time_t)e->when;

		if (ans->recs[i].kind != WLBS_REC_EVENT)
			continue;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
		fprintf(f, "  %s  [%s] %s%s\n", when,
			ev_kind_name(e->kind) ? ev_kind_name(e->kind) : "unknown", e->text,
			e->flags & WLBS_EVF_CUT ? " [cut: longer than an event record]" : "");
	}
}

/* "1, 3": config rule numbers of a mask. */
static void rule_list(FILE *f, uint32_t mask)
{
	const char *sep = "";

	for (int i = 0; i < 32; i++)
		if (mask >> i & 1) {
			fprintf(f, "%s%d", sep, i + 1);
			sep = ", ";
		}
}

/* One line per health check: state, for how long, last result, what it guards. */
static void text_checks(FILE *f, const struct cli_answer *ans)
{
	static const char *const types[] = {"tcp", "http", "exec"};
	static const char *const actions[] = {"drain", "disable", "stop"};
	bool first = true;

	for (size_t i = 0; i < ans->n; i++) {
		const struct wlbs_rec_check *c = &ans->recs[i].u.check;
		bool ok = c->flags & WLBS_CHKF_HEALTHY;

		if (ans->recs[i].kind != WLBS_REC_CHECK)
			continue;
		if (first)
			fprintf(f, "\nhealth checks\n");
		first = false;
		fprintf(f, "  %-16s %-4s %s for %.1f s, %" PRIu64 " transitions", c->name,
			types[c->type % 3],
			ok			   ? "healthy"
			: c->flags & WLBS_CHKF_RAN ? "FAILING"
						   : "not run yet",
			(double)c->in_state_ms / 1000, c->transitions);
		if (c->last_ms >= 0)
			fprintf(f, ", last probe %" PRId64 " ms", c->last_ms);
		if (!ok && c->last_error[0])
			fprintf(f, ": %s (%u in a row)", c->last_error, c->fails);
		fprintf(f, "; action %s, rules ", actions[c->action % 3]);
		rule_list(f, c->rules);
		if (c->flags & WLBS_CHKF_SERVING) {
			fprintf(f, "; SERVING ANYWAY rules ");
			rule_list(f, c->serving);
			fprintf(f, " (min_serving %u)", c->min_serving);
		}
		fprintf(f, "\n");
	}
}

void cli_text_answer(FILE *f, int command, const struct cli_answer *ans)
{
	const struct wlbs_rec *h = cli_answer_find(ans, WLBS_REC_HOST);
	const struct wlbs_rec *s = cli_answer_find(ans, WLBS_REC_STATS);

	switch (command) {
	case WLBS_CMD_PARAMS:
		text_params(f, ans);
		break;
	case WLBS_CMD_DISPLAY:
		if (h)
			fprintf(f, "wlbsd             %s\n", h->u.host.version);
		text_params(f, ans);
		if (h)
			text_convergence(f, ans, &h->u.host, s ? &s->u.stats : NULL);
		if (h)
			fprintf(
			    f, "\nfast path         %s XDP on %s%s, live connections %" PRId64 "\n",
			    h->u.host.flags & WLBS_HOSTF_NATIVE ? "native" : "generic",
			    h->u.host.ifname,
			    h->u.host.flags & WLBS_HOSTF_ADOPTED ? " (adopted at start)" : "",
			    h->u.host.held);
		text_checks(f, ans);
		text_packets(f, ans);
		if (s) {
			fprintf(f, "\n");
			text_stats_lines(f, &s->u.stats);
		}
		text_events(f, ans);
		break;
	case WLBS_CMD_STATS:
		if (s)
			fprintf(f, "heartbeats        received %" PRIu64 "\n",
				s->u.stats.hb_received);
		if (s)
			text_stats_lines(f, &s->u.stats);
		text_held(f, ans);
		text_checks(f, ans);
		text_packets(f, ans);
		break;
	}
}
