// SPDX-License-Identifier: GPL-2.0
/*
 * wlbs --json: one object per host, the same shape for local and remote
 * answers (docs/wlbs-answer.schema.json), built from the header and records.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>

#include "ctl_codec.h"
#include "ctl_records.h"
#include "remote_auth.h"
#include "events_table.h"
#include "render.h"
#include "wlbs/common.h"

static void put_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void put_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

/* Counters are unsigned 64-bit: json-c prints them exactly. */
static void put_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void put_bool(json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

static json_object *host_list(uint64_t mask)
{
	json_object *a = json_object_new_array();

	for (int p = 1; p <= WLBS_MAX_HOSTS; p++)
		if (mask & (1ull << (p - 1)))
			json_object_array_add(a, json_object_new_int(p));
	return a;
}

static json_object *addr_list(const struct cli_answer *ans, int role, bool prefix)
{
	json_object *a = json_object_new_array();
	char buf[INET6_ADDRSTRLEN + 8];

	for (size_t i = 0; i < ans->n; i++) {
		const struct wlbs_rec_addr *x = &ans->recs[i].u.addr;

		if (ans->recs[i].kind == WLBS_REC_ADDR && x->role == role)
			json_object_array_add(
			    a, json_object_new_string(cli_addr_str(
				   x->addr, x->v4, prefix ? x->prefix : -1, buf, sizeof(buf))));
	}
	return a;
}

static json_object *rule_json(const struct wlbs_rec_rule *r)
{
	static const uint8_t zero[16];
	json_object *o = json_object_new_object();
	char vip[INET6_ADDRSTRLEN];

	put_str(o, "name", r->name);
	put_str(o, "vip",
		memcmp(r->vip, zero, 16) ? cli_addr_str(r->vip, r->vip_v4, -1, vip, sizeof(vip))
					 : "all");
	put_int(o, "port_lo", r->port_lo);
	put_int(o, "port_hi", r->port_hi);
	put_str(o, "protocol", cli_proto_name(r->proto));
	put_str(o, "mode", cli_mode_name(r->mode));
	put_str(o, "affinity", cli_affinity_name(r->affinity));
	if (r->equal_load)
		put_str(o, "load_weight", "equal");
	else
		put_int(o, "load_weight", r->load_weight);
	put_int(o, "handling_priority", r->handling_priority);
	put_str(o, "rule_state", ctl_rule_state_name(r->rule_state));
	put_int(o, "held", r->held);
	return o;
}

static json_object *packets_json(const struct wlbs_rec_packets *p)
{
	json_object *o = json_object_new_object(), *c = json_object_new_object();

	put_str(o, "rule", cli_slot_name(p));
	put_int(o, "slot", p->slot);
	for (int r = 0; r < p->n_reasons; r++)
		put_u64(c, ctl_reason_name(r) ?: "?", p->packets[r]);
	json_object_object_add(o, "packets", c);
	return o;
}

static json_object *params_json(const struct cli_answer *ans, const struct wlbs_rec_params *p)
{
	json_object *o = json_object_new_object(), *rules = json_object_new_array();
	char mac[18];

	put_str(o, "interface", p->ifname);
	put_int(o, "priority", p->priority);
	put_str(o, "cluster_mode", cli_cluster_mode_name(p->cluster_mode));
	snprintf(mac, sizeof(mac), "%02x-%02x-%02x-%02x-%02x-%02x", p->cluster_mac[0],
		 p->cluster_mac[1], p->cluster_mac[2], p->cluster_mac[3], p->cluster_mac[4],
		 p->cluster_mac[5]);
	put_str(o, "cluster_mac", p->flags & WLBS_PARF_MAC_VALID ? mac : "");
	put_bool(o, "cluster_mac_set", p->flags & WLBS_PARF_MAC_SET);
	put_int(o, "heartbeat_period_ms", p->heartbeat_period_ms);
	put_int(o, "heartbeat_tolerance", p->heartbeat_tolerance);
	put_int(o, "detection_ms", p->detection_ms);
	put_int(o, "cleanup_delay_ms", p->cleanup_delay_ms);
	put_int(o, "hash_seed", p->hash_seed);
	put_bool(o, "hash_seed_set", p->flags & WLBS_PARF_SEED_SET);
	put_str(o, "key_file", p->key_file);
	put_str(o, "initial_state", cli_initial_state_name(p->initial_state));
	put_bool(o, "persist_state", p->flags & WLBS_PARF_PERSIST);
	put_str(o, "xdp_mode", cli_xdp_mode_name(p->xdp_mode));
	put_bool(o, "remote_enabled", p->flags & WLBS_PARF_REMOTE);
	put_int(o, "remote_port", p->remote_port);
	put_bool(o, "remote_convoy_port", p->flags & WLBS_PARF_CONVOY);
	put_int(o, "remote_rate_limit", p->remote_rate_limit);
	put_int(o, "remote_time_window_s", p->remote_time_window_s);
	put_str(o, "remote_secret_file", p->secret_file);
	json_object_object_add(o, "cluster_ips", addr_list(ans, WLBS_ADDR_CLUSTER, true));
	json_object_object_add(o, "dedicated_ips", addr_list(ans, WLBS_ADDR_DEDICATED, true));
	for (size_t i = 0; i < ans->n; i++)
		if (ans->recs[i].kind == WLBS_REC_RULE)
			json_object_array_add(rules, rule_json(&ans->recs[i].u.rule));
	json_object_object_add(o, "rules", rules);
	return o;
}

static json_object *stats_json(const struct wlbs_rec_stats *s)
{
	json_object *o = json_object_new_object(), *d = json_object_new_object();
	json_object *v = json_object_new_object();

	put_u64(o, "heartbeats_sent", s->hb_sent);
	put_u64(o, "heartbeats_received", s->hb_received);
	for (int i = 0; i < s->n_hb_drops; i++)
		put_u64(d, ctl_hb_drop_name(i) ?: "?", s->hb_dropped[i]);
	json_object_object_add(o, "heartbeats_dropped", d);
	for (int i = 0; i < s->n_remote; i++)
		put_u64(v, remote_verdict_name(i), s->remote[i]);
	put_u64(v, "rate-limited", s->remote_rate_limited);
	json_object_object_add(o, "remote_requests", v);
	put_bool(o, "remote_enabled", s->flags & WLBS_STATF_REMOTE);
	put_str(o, "remote_status", s->remote_status);
	put_u64(o, "remote_answered", s->remote_answered);
	put_u64(o, "remote_retransmitted", s->remote_retransmitted);
	put_u64(o, "remote_error_answers_suppressed", s->remote_errors_suppressed);
	put_u64(o, "convergences", s->convergences);
	json_object_object_add(o, "convergence_last_seconds",
			       json_object_new_double((double)s->convergence_last_us / 1e6));
	json_object_object_add(o, "members", host_list(s->members));
	put_int(o, "fragment_entries", s->frag_entries);
	put_int(o, "fragment_entries_max", s->frag_max);
	return o;
}

static json_object *host_json(const struct wlbs_rec_host *h)
{
	json_object *o = json_object_new_object();

	put_str(o, "version", h->version);
	put_str(o, "interface", h->ifname);
	json_object_object_add(o, "view", host_list(h->view));
	put_int(o, "leader", h->leader);
	json_object_object_add(o, "heard", host_list(h->heard));
	json_object_object_add(o, "conflicts", host_list(h->conflicts));
	json_object_object_add(o, "duplicates", host_list(h->duplicates));
	json_object_object_add(o, "damped", host_list(h->damped));
	json_object_object_add(o, "deaf", host_list(h->deaf));
	put_str(o, "excluded", h->excluded ? ctl_cause_name(h->excluded) : "");
	put_bool(o, "heartbeats_authenticated", h->flags & WLBS_HOSTF_KEY_SET);
	put_bool(o, "key_mismatch", h->flags & WLBS_HOSTF_KEY_MISMATCH);
	put_str(o, "xdp", h->flags & WLBS_HOSTF_NATIVE ? "native" : "generic");
	put_bool(o, "adopted", h->flags & WLBS_HOSTF_ADOPTED);
	put_int(o, "held", h->held);
	put_int(o, "rules", h->n_rules);
	put_int(o, "events", h->n_events);
	put_str(o, "state_source", h->flags & WLBS_HOSTF_PERSISTED ? "persisted" : "initial_state");
	return o;
}

static json_object *event_json(const struct wlbs_rec_event *e)
{
	json_object *o = json_object_new_object();

	put_u64(o, "seq", e->seq);
	put_int(o, "time", e->when);
	put_int(o, "kind", e->kind);
	put_str(o, "event", ev_kind_name(e->kind) ? ev_kind_name(e->kind) : "unknown");
	put_int(o, "prio", e->prio);
	put_int(o, "host", e->host);
	put_int(o, "rule", e->rule);
	json_object_object_add(o, "members", host_list(e->members));
	put_str(o, "text", e->text);
	put_bool(o, "cut", e->flags & WLBS_EVF_CUT);
	return o;
}

static json_object *conflict_json(const struct wlbs_rec_conflict *c)
{
	json_object *o = json_object_new_object();

	put_str(o, "type", c->type == WLBS_CONFLICT_RULES ? "rules" : "cluster-ip");
	put_int(o, "host", c->host);
	put_str(o, "text", c->text);
	return o;
}

/* Config rule numbers (1-based, the configuration's order) of a mask. */
static json_object *rule_numbers(uint32_t mask)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < 32; i++)
		if (mask >> i & 1)
			json_object_array_add(a, json_object_new_int(i + 1));
	return a;
}

static json_object *check_json(const struct wlbs_rec_check *c)
{
	static const char *const types[] = {"tcp", "http", "exec"};
	static const char *const actions[] = {"drain", "disable", "stop"};
	json_object *o = json_object_new_object();

	put_str(o, "name", c->name);
	put_str(o, "type", types[c->type % 3]);
	put_str(o, "action", actions[c->action % 3]);
	put_bool(o, "healthy", c->flags & WLBS_CHKF_HEALTHY);
	put_bool(o, "ran", c->flags & WLBS_CHKF_RAN);
	put_bool(o, "serving_anyway", c->flags & WLBS_CHKF_SERVING);
	put_int(o, "min_serving", c->min_serving);
	put_u64(o, "in_state_ms", c->in_state_ms);
	put_u64(o, "transitions", c->transitions);
	put_int(o, "fails", c->fails);
	put_int(o, "successes", c->successes);
	if (c->last_ms >= 0)
		put_int(o, "last_ms", c->last_ms);
	else
		json_object_object_add(o, "last_ms", NULL);
	put_str(o, "last_error", c->last_error);
	json_object_object_add(o, "rules", rule_numbers(c->rules));
	json_object_object_add(o, "serving_rules", rule_numbers(c->serving));
	return o;
}

/* Every record of @kind as a JSON array. */
static json_object *all_of(const struct cli_answer *ans, int kind)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < ans->n; i++) {
		const struct wlbs_rec *r = &ans->recs[i];

		if (r->kind != kind)
			continue;
		if (kind == WLBS_REC_RULE)
			json_object_array_add(a, rule_json(&r->u.rule));
		else if (kind == WLBS_REC_PACKETS)
			json_object_array_add(a, packets_json(&r->u.packets));
		else if (kind == WLBS_REC_EVENT)
			json_object_array_add(a, event_json(&r->u.event));
		else if (kind == WLBS_REC_CONFLICT)
			json_object_array_add(a, conflict_json(&r->u.conflict));
		else if (kind == WLBS_REC_CHECK)
			json_object_array_add(a, check_json(&r->u.check));
	}
	return a;
}

static json_object *command_json(int command, const struct cli_answer *ans)
{
	const struct wlbs_rec *h = cli_answer_find(ans, WLBS_REC_HOST);
	const struct wlbs_rec *p = cli_answer_find(ans, WLBS_REC_PARAMS);
	const struct wlbs_rec *s = cli_answer_find(ans, WLBS_REC_STATS);
	json_object *o = json_object_new_object();

	switch (command) {
	case WLBS_CMD_DISPLAY:
		if (h)
			json_object_object_add(o, "host", host_json(&h->u.host));
		if (p)
			json_object_object_add(o, "params", params_json(ans, &p->u.params));
		if (s)
			json_object_object_add(o, "stats", stats_json(&s->u.stats));
		json_object_object_add(o, "packets", all_of(ans, WLBS_REC_PACKETS));
		json_object_object_add(o, "conflicts", all_of(ans, WLBS_REC_CONFLICT));
		json_object_object_add(o, "events", all_of(ans, WLBS_REC_EVENT));
		return o;
	case WLBS_CMD_PARAMS:
		json_object_put(o);
		return p ? params_json(ans, &p->u.params) : json_object_new_object();
	case WLBS_CMD_STATS:
		json_object_put(o);
		o = s ? stats_json(&s->u.stats) : json_object_new_object();
		json_object_object_add(o, "rules", all_of(ans, WLBS_REC_RULE));
		json_object_object_add(o, "packets", all_of(ans, WLBS_REC_PACKETS));
		return o;
	case WLBS_CMD_QUERYPORT:
		put_str(o, "rule_state", ctl_rule_state_name(ans->head.rule_state));
		put_u64(o, "packets_accepted", ans->head.rule_accepted);
		put_u64(o, "packets_dropped", ans->head.rule_dropped);
		json_object_object_add(o, "rules", all_of(ans, WLBS_REC_RULE));
		json_object_object_add(o, "packets", all_of(ans, WLBS_REC_PACKETS));
		return o;
	}
	json_object_put(o);
	return NULL;
}

/* The keys every answer has, with the values of a host we know nothing of. */
static json_object *base(int command, int host, const char *code, int status, const char *msg)
{
	json_object *o = json_object_new_object();

	put_str(o, "command", ctl_cmd_name(command) ?: "?");
	put_int(o, "host", host);
	json_object_object_add(o, "dedicated_ips", json_object_new_array());
	put_str(o, "state", "unknown");
	put_bool(o, "default", false);
	json_object_object_add(o, "members", json_object_new_array());
	put_int(o, "connections", 0);
	put_str(o, "code", code);
	put_int(o, "status", status);
	put_str(o, "message", msg);
	return o;
}

json_object *cli_json_answer(int command, int exit_code, bool changed, const struct cli_answer *ans)
{
	const struct wlbs_ctl_response *r = &ans->head;
	json_object *o =
	    base(command, r->host, wlbs_status_name((int)r->status), (int)r->status, r->text);
	json_object *c;

	json_object_object_add(o, "dedicated_ips", addr_list(ans, WLBS_ADDR_DEDICATED, false));
	put_str(o, "state", ctl_state_name(r->state));
	put_bool(o, "default", r->flags & WLBS_CTL_F_DEFAULT);
	put_bool(o, "converged", r->flags & WLBS_CTL_F_CONVERGED);
	json_object_object_add(o, "members", host_list(r->members));
	put_u64(o, "connections", r->held);
	put_str(o, "cause", ctl_cause_name(r->cause));
	if (command == WLBS_CMD_QUERY)
		put_str(o, "state_source",
			r->flags & WLBS_CTL_F_STATE_PERSISTED ? "persisted" : "initial_state");
	put_int(o, "exit", exit_code);
	put_bool(o, "changed", changed);
	/* Health checks: query, display and stats carry them. */
	if (command == WLBS_CMD_QUERY || command == WLBS_CMD_DISPLAY || command == WLBS_CMD_STATS)
		json_object_object_add(o, "checks", all_of(ans, WLBS_REC_CHECK));
	c = command_json(command, ans);
	if (c)
		json_object_object_add(o, ctl_cmd_name(command), c);
	return o;
}

json_object *cli_json_timeout(int command, int host, const char *message)
{
	json_object *o = base(command, host, "WLBS_TIMEOUT", WLBS_TIMEOUT, message);

	put_int(o, "exit", 5);
	put_bool(o, "changed", false);
	return o;
}

json_object *cli_json_error(const char *command, const char *code, int exit_code,
			    const char *message)
{
	json_object *o = json_object_new_object();

	put_str(o, "command", command ? command : "");
	put_str(o, "code", code);
	put_int(o, "status", wlbs_status_from_name(code));
	put_str(o, "message", message);
	put_str(o, "error", message);
	put_int(o, "exit", exit_code);
	return o;
}

void cli_json_print(FILE *f, json_object *o)
{
	fprintf(f, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}
