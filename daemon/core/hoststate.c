// SPDX-License-Identifier: GPL-2.0
/* Host state machine: commands, convergence and drain events -> state, code, message. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wlbs/lookup.h"
#include "core/hoststate.h"
#include "core/hs_internal.h"
#include "ctl_codec.h"

/* What a suspended host answers start, stop, enable, disable, drain and reload. */
#define MSG_REFUSED "Cluster control is suspended: command refused; cluster operations are stopped."

/* Entering @to from the current level: a stopped host has no cluster view. */
static void hs_enter(struct hs *hs, enum hs_level to)
{
	if (to == hs->level)
		return;
	hs->level = to;
	if (to == HS_STOPPED || to == HS_SUSPENDED) {
		hs->converged = false;
		hs->is_default = false;
		hs->members = 0;
	}
}

/* A fresh start: converging alone, until heartbeats bring the others in. */
static void hs_go_running(struct hs *hs)
{
	hs_enter(hs, HS_RUNNING);
	hs->converged = false;
	hs->is_default = false;
	hs->members = hs->host_id ? 1ull << (hs->host_id - 1) : 0;
	hs->cause = WLBS_CAUSE_STARTED;
}

void hs_init(struct hs *hs, uint8_t host_id, enum hs_persist persisted, bool start_running)
{
	memset(hs, 0, sizeof(*hs));
	hs->host_id = host_id;
	hs->persist = persisted;
	hs->from_persisted = persisted != HS_PERSIST_NONE;
	if (persisted == HS_PERSIST_SUSPENDED)
		hs_enter(hs, HS_SUSPENDED);
	else if (persisted == HS_PERSIST_NONE && start_running && host_id)
		hs_go_running(hs);
}

void hs_set_rules(struct hs *hs, const struct wlbs_tables *t)
{
	struct hs_rule old[WLBS_MAX_RULES];
	struct wlbs_vip old_vips[WLBS_MAX_VIPS];
	uint32_t n_old = hs->n_rules;

	memcpy(old, hs->rules, sizeof(old));
	memcpy(old_vips, hs->vips, sizeof(old_vips));
	hs->n_vips = t->n_vips < WLBS_MAX_VIPS ? t->n_vips : WLBS_MAX_VIPS;
	memcpy(hs->vips, t->vips, sizeof(hs->vips));
	hs->n_rules = t->n_rules < WLBS_MAX_RULES ? t->n_rules : WLBS_MAX_RULES;
	for (uint32_t i = 0; i < hs->n_rules; i++) {
		const struct wlbs_rule *r = &t->rules[i];
		struct hs_rule *h = &hs->rules[i];

		*h = (struct hs_rule){.vip = r->vip,
				      .port_lo = r->port_lo,
				      .port_hi = r->port_hi,
				      .proto = r->proto,
				      .mode = r->mode};
		/* Same rule as before (compared by address, not index): keep this host's flags. */
		for (uint32_t j = 0; j < n_old; j++) {
			const struct hs_rule *o = &old[j];
			bool same_vip =
			    o->vip == r->vip ||
			    (o->vip < WLBS_MAX_VIPS && r->vip < WLBS_MAX_VIPS &&
			     !memcmp(&old_vips[o->vip], &t->vips[r->vip], sizeof(struct wlbs_vip)));

			if ((o->vip == WLBS_VIP_ALL) != (r->vip == WLBS_VIP_ALL))
				same_vip = false;
			if (same_vip && o->port_lo == r->port_lo && o->port_hi == r->port_hi &&
			    o->proto == r->proto) {
				h->flags = o->flags;
				break;
			}
		}
	}
}

void hs_set_rule_name(struct hs *hs, uint32_t i, const char *name)
{
	if (i < hs->n_rules && i < WLBS_MAX_RULES)
		snprintf(hs->rules[i].name, sizeof(hs->rules[i].name), "%s", name ? name : "");
}

uint8_t hs_state(const struct hs *hs)
{
	switch (hs->level) {
	case HS_RUNNING:
		return hs->converged ? WLBS_HS_CONVERGED : WLBS_HS_CONVERGING;
	case HS_DRAINING:
		return WLBS_HS_DRAINING;
	case HS_SUSPENDED:
		return WLBS_HS_SUSPENDED;
	case HS_STOPPED:
	default:
		return WLBS_HS_STOPPED;
	}
}

enum wlbs_fp_state hs_fp_state(const struct hs *hs)
{
	switch (hs->level) {
	case HS_RUNNING:
		return WLBS_FP_RUNNING;
	case HS_DRAINING:
		return WLBS_FP_DRAINING;
	default:
		return WLBS_FP_STOPPED;
	}
}

uint8_t hs_rule_flags(const struct hs *hs, uint32_t i)
{
	return i < hs->n_rules && i < WLBS_MAX_RULES ? hs->rules[i].flags : 0;
}

enum hs_persist hs_persist(const struct hs *hs)
{
	return hs->persist;
}

static const char *const persist_names[] = {
    [HS_PERSIST_NONE] = "none",
    [HS_PERSIST_STOPPED] = "stopped",
    [HS_PERSIST_SUSPENDED] = "suspended",
};

const char *hs_persist_name(enum hs_persist p)
{
	return (unsigned)p < sizeof(persist_names) / sizeof(persist_names[0]) ? persist_names[p]
									      : NULL;
}

int hs_persist_parse(const char *s)
{
	for (unsigned i = 0; i < sizeof(persist_names) / sizeof(persist_names[0]); i++)
		if (s && !strcmp(s, persist_names[i]))
			return (int)i;
	return -EINVAL;
}

void hs_set_outside(struct hs *hs, uint8_t cause, const char *detail)
{
	hs->outside = cause < WLBS_CAUSE_MAX ? cause : WLBS_CAUSE_NONE;
	snprintf(hs->detail, sizeof(hs->detail), "%s", detail ? detail : "");
}

bool hs_from_persisted(const struct hs *hs)
{
	return hs->from_persisted;
}

/* The cause query reports: the specific reason while out of a view, else the last one. */
static uint8_t query_cause(const struct hs *hs)
{
	return !hs->converged && hs->outside ? hs->outside : hs->cause;
}

void hs_fill(const struct hs *hs, struct wlbs_ctl_response *resp)
{
	bool up = hs->level == HS_RUNNING || hs->level == HS_DRAINING;
	uint64_t self = hs->host_id ? 1ull << (hs->host_id - 1) : 0;

	resp->host = hs->host_id;
	resp->state = hs_state(hs);
	resp->flags = 0;
	if (up && hs->converged)
		resp->flags |= WLBS_CTL_F_CONVERGED;
	if (up && hs->converged && hs->is_default)
		resp->flags |= WLBS_CTL_F_DEFAULT;
	if (hs->from_persisted)
		resp->flags |= WLBS_CTL_F_STATE_PERSISTED;
	/* A running host out of every view still lists itself: it is not "no one". */
	resp->members = up ? hs->members | self : 0;
	resp->held = hs->held;
	resp->cause = up ? query_cause(hs) : hs->cause;
}

void hs_on_converging(struct hs *hs, uint64_t members, uint8_t cause)
{
	if (hs->level != HS_RUNNING && hs->level != HS_DRAINING)
		return;
	hs->converged = false;
	hs->is_default = false;
	hs->members = members;
	hs->cause = cause < WLBS_CAUSE_MAX ? cause : WLBS_CAUSE_NONE;
}

void hs_on_converged(struct hs *hs, uint64_t members, uint8_t default_host)
{
	if (hs->level != HS_RUNNING && hs->level != HS_DRAINING)
		return;
	hs->converged = true;
	hs->members = members;
	hs->is_default = default_host && default_host == hs->host_id;
}

bool hs_on_held(struct hs *hs, uint64_t held, bool may_end)
{
	hs->held = held;
	if (hs->level != HS_DRAINING || held || !may_end)
		return false;
	hs_enter(hs, HS_STOPPED);
	return true;
}

bool hs_on_check(struct hs *hs, bool wants_stop, const char *why)
{
	enum hs_level was = hs->level;
	bool back = hs->check_took || hs->start_waiting;

	snprintf(hs->check_why, sizeof(hs->check_why), "%s", wants_stop && why ? why : "");
	if (!wants_stop) {
		/* It passes: what the check (or a waiting start) did is undone, nothing else. */
		if (hs->check_stop && back && hs->level == HS_STOPPED)
			hs_go_running(hs);
		else if (hs->check_stop && back && hs->level == HS_DRAINING)
			hs_enter(hs, HS_RUNNING);
		hs->check_stop = hs->check_took = hs->start_waiting = hs->forced = false;
		return hs->level != was;
	}
	hs->check_stop = true;
	/* Like drainstop, but not persisted: after a restart the check decides again. */
	if (hs->level == HS_RUNNING && !hs->forced) {
		hs_enter(hs, HS_DRAINING);
		hs->check_took = true;
	}
	return hs->level != was;
}

/* "1, 2, 3" */
static void append_members(struct wlbs_ctl_response *resp, uint64_t members)
{
	const char *sep = "";

	for (int p = 1; p <= WLBS_MAX_HOSTS; p++) {
		if (!(members & (1ull << (p - 1))))
			continue;
		ctl_resp_append(resp, "%s%d", sep, p);
		sep = ", ";
	}
}

/* "converged as DEFAULT with the following host(s) as part of the cluster: 1, 2" */
static void append_view(const struct hs *hs, struct wlbs_ctl_response *resp)
{
	bool has_detail = hs->detail[0] && (!hs->converged && hs->outside);

	if (!hs->converged)
		ctl_resp_append(resp, "converging (cause: %s%s%s)", ctl_cause_name(query_cause(hs)),
				has_detail ? ": " : "", has_detail ? hs->detail : "");
	else
		ctl_resp_append(resp, "converged%s", hs->is_default ? " as DEFAULT" : "");
	ctl_resp_append(resp, " with the following host(s) as part of the cluster: ");
	append_members(resp, hs->members | (hs->host_id ? 1ull << (hs->host_id - 1) : 0));
	if (hs->detail[0] && !has_detail)
		ctl_resp_append(resp, ". Note: %s", hs->detail);
}

/* Index of a request's cluster IP @vip in hs->vips, or -1 (the fast path's lookup). */
static int vip_index(const struct hs *hs, const uint8_t vip[16])
{
	__u32 a[4];

	memcpy(a, vip, sizeof(a));
	return wlbs_vip_index(hs->vips, hs->n_vips, a);
}

static bool covers(const struct hs_rule *r, uint16_t port)
{
	return port >= r->port_lo && port <= r->port_hi;
}

uint32_t hs_target_rules(const struct hs *hs, const struct wlbs_ctl_request *req)
{
	bool by_vip = req->target & WLBS_CTL_TGT_VIP;
	bool by_port = req->target & WLBS_CTL_TGT_PORT;
	int vi = by_vip ? vip_index(hs, req->vip) : -1;
	uint32_t mask = 0, all_vip_mask = 0;

	if (by_vip && vi < 0)
		return 0;
	for (uint32_t i = 0; i < hs->n_rules; i++) {
		const struct hs_rule *r = &hs->rules[i];

		if (by_port && !covers(r, req->port))
			continue;
		if (!by_vip || r->vip == (uint32_t)vi)
			mask |= 1u << i;
		else if (by_port && r->vip == WLBS_VIP_ALL)
			all_vip_mask |= 1u << i;
	}
	/* VIP:PORT reaches an all-VIP rule only where no rule of that VIP covers it (fast path
	 * order). */
	return mask ? mask : all_vip_mask;
}

static void vip_str(const uint8_t vip[16], char *buf, size_t size)
{
	static const uint8_t v4map[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (!memcmp(vip, v4map, sizeof(v4map)))
		inet_ntop(AF_INET, vip + 12, buf, (socklen_t)size);
	else
		inet_ntop(AF_INET6, vip, buf, (socklen_t)size);
}

/* "port rule(s) covering port 80 of cluster IP 10.0.0.1" and the like. */
static void target_str(const struct wlbs_ctl_request *req, char *buf, size_t size)
{
	char vip[INET6_ADDRSTRLEN] = "";
	char of_vip[INET6_ADDRSTRLEN + 20] = "";

	if (req->target & WLBS_CTL_TGT_VIP) {
		vip_str(req->vip, vip, sizeof(vip));
		snprintf(of_vip, sizeof(of_vip), " of cluster IP %s", vip);
	}
	if (req->target & WLBS_CTL_TGT_PORT)
		snprintf(buf, size, "port rule(s) covering port %u%s", req->port, of_vip);
	else if (*vip)
		snprintf(buf, size, "port rules%s", of_vip);
	else
		snprintf(buf, size, "all port rules");
}

static void not_found(const struct hs *hs, const struct wlbs_ctl_request *req,
		      struct wlbs_ctl_response *resp)
{
	char vip[INET6_ADDRSTRLEN] = "";

	resp->status = WLBS_NOT_FOUND;
	if (req->target & WLBS_CTL_TGT_VIP) {
		vip_str(req->vip, vip, sizeof(vip));
		if (vip_index(hs, req->vip) < 0) {
			ctl_resp_text(resp, "Not found: %s is not a cluster IP.", vip);
			return;
		}
	}
	if (!hs->n_rules)
		ctl_resp_text(resp, "Not found: no port rules are configured.");
	else if (req->target & WLBS_CTL_TGT_PORT)
		ctl_resp_text(resp, "Not found: no port rule covers port %u%s%s.", req->port,
			      *vip ? " of cluster IP " : "", vip);
	else
		ctl_resp_text(resp, "Not found: no port rule is specific to cluster IP %s.", vip);
}

static uint8_t apply_flags(int cmd, uint8_t f)
{
	switch (cmd) {
	case WLBS_CMD_ENABLE:
		return f & ~(WLBS_RULE_F_OFF | WLBS_RULE_F_DRAIN);
	case WLBS_CMD_DISABLE:
		return (f | WLBS_RULE_F_OFF) & ~WLBS_RULE_F_DRAIN;
	default: /* drain: a disabled rule has nothing to drain */
		return f & WLBS_RULE_F_OFF ? f : f | WLBS_RULE_F_DRAIN;
	}
}

/* " Rule(s) acted on: http 10.0.0.1:80/tcp, dns 53/both." (a rule without a name: #index) */
static void append_rules(const struct hs *hs, uint32_t mask, struct wlbs_ctl_response *resp)
{
	static const char *const proto[] = {"none", "tcp", "udp", "both"};
	char addr[INET6_ADDRSTRLEN], vip[INET6_ADDRSTRLEN + 3], ports[12], id[HS_RULE_NAME_MAX];
	const char *sep = " Rule(s) acted on: ";

	for (uint32_t i = 0; i < hs->n_rules; i++) {
		const struct hs_rule *r = &hs->rules[i];

		if (!(mask & (1u << i)))
			continue;
		vip[0] = '\0';
		if (r->vip < hs->n_vips) {
			vip_str((const uint8_t *)hs->vips[r->vip].addr, addr, sizeof(addr));
			snprintf(vip, sizeof(vip), strchr(addr, ':') ? "[%s]:" : "%s:", addr);
		}
		if (r->port_lo == r->port_hi)
			snprintf(ports, sizeof(ports), "%u", r->port_lo);
		else
			snprintf(ports, sizeof(ports), "%u-%u", r->port_lo, r->port_hi);
		if (r->name[0])
			snprintf(id, sizeof(id), "%s", r->name);
		else
			snprintf(id, sizeof(id), "#%u", i + 1);
		ctl_resp_append(resp, "%s%s %s%s/%s", sep, id, vip, ports, proto[r->proto & 3]);
		sep = ", ";
	}
	ctl_resp_append(resp, ".");
}

static void do_rule_cmd(struct hs *hs, const struct wlbs_ctl_request *req,
			struct wlbs_ctl_response *resp)
{
	static const char *const done[] = {
	    [WLBS_CMD_ENABLE] = "enabled",
	    /* The fast path drops a disabled rule's packets before it looks for held ones. */
	    [WLBS_CMD_DISABLE] = "disabled: this host drops their packets at once, its held "
				 "connections' too (drain lets those finish)",
	    [WLBS_CMD_DRAIN] =
		"set to drain: held connections continue, new ones go to other hosts",
	};
	static const char *const already[] = {
	    [WLBS_CMD_ENABLE] = "already enabled",
	    [WLBS_CMD_DISABLE] = "already disabled",
	    [WLBS_CMD_DRAIN] = "already draining or disabled",
	};
	uint32_t mask = hs_target_rules(hs, req);
	bool changed = false;
	char t[128];

	if (!mask) {
		not_found(hs, req, resp);
		return;
	}
	for (uint32_t i = 0; i < hs->n_rules; i++) {
		uint8_t nf;

		if (!(mask & (1u << i)))
			continue;
		nf = apply_flags(req->command, hs->rules[i].flags);
		changed |= nf != hs->rules[i].flags;
		hs->rules[i].flags = nf;
	}
	target_str(req, t, sizeof(t));
	resp->status = changed ? WLBS_OK : WLBS_ALREADY;
	ctl_resp_text(resp, "Traffic handling for %s %s.", t,
		      changed ? done[req->command] : already[req->command]);
	append_rules(hs, mask, resp);
	if (hs->level != HS_RUNNING && hs->level != HS_DRAINING)
		ctl_resp_append(resp, " Cluster operations are stopped.");
}

static uint8_t rule_state(const struct hs_rule *r)
{
	if (r->mode == WLBS_MODE_DISABLED || (r->flags & WLBS_RULE_F_OFF))
		return WLBS_RS_DISABLED;
	return r->flags & WLBS_RULE_F_DRAIN ? WLBS_RS_DRAINING : WLBS_RS_ENABLED;
}

static void do_queryport(const struct hs *hs, const struct wlbs_ctl_request *req,
			 struct wlbs_ctl_response *resp)
{
	static const char *const proto[] = {"none", "tcp", "udp", "both"};
	uint32_t mask = hs_target_rules(hs, req);
	const char *sep = "";

	if (!mask) {
		not_found(hs, req, resp);
		return;
	}
	resp->status = WLBS_OK;
	ctl_resp_text(resp, "Port %u: ", req->port);
	for (uint32_t i = 0; i < hs->n_rules; i++) {
		const struct hs_rule *r = &hs->rules[i];

		if (!(mask & (1u << i)))
			continue;
		/* The first rule the target selects is the one the response fields describe. */
		if (!resp->rule_state)
			resp->rule_state = rule_state(r);
		ctl_resp_append(resp, "%srule %u-%u %s %s%s", sep, r->port_lo, r->port_hi,
				proto[r->proto & 3], ctl_rule_state_name(rule_state(r)),
				r->mode == WLBS_MODE_DISABLED ? " (cluster-wide)" : "");
		sep = "; ";
	}
	ctl_resp_append(resp, " on host %u.", hs->host_id);
}

/* query: the state's own report; it changes nothing. */
static void do_query(const struct hs *hs, struct wlbs_ctl_response *resp)
{
	ctl_resp_text(resp, "Host %u ", hs->host_id);
	switch (hs->level) {
	case HS_STOPPED:
		resp->status = WLBS_STOPPED;
		ctl_resp_append(resp, "is stopped and does not know the convergence state of the "
				      "cluster.");
		hs_append_check(hs, resp);
		return;
	case HS_SUSPENDED:
		resp->status = WLBS_SUSPENDED;
		ctl_resp_append(resp, "is suspended: cluster control is suspended and cluster "
				      "operations are stopped.");
		return;
	case HS_DRAINING:
		resp->status = WLBS_DRAINING;
		ctl_resp_append(resp, "draining: %llu connection(s) still held; ",
				(unsigned long long)hs->held);
		break;
	case HS_RUNNING:
		resp->status = !hs->converged	? WLBS_CONVERGING
			       : hs->is_default ? WLBS_DEFAULT
						: WLBS_CONVERGED;
		break;
	}
	append_view(hs, resp);
	hs_append_check(hs, resp);
}

#define ANY_LEVEL   0xff      /* step.level: in every level not matched by an earlier row */
#define P_KEEP	    0xff      /* step.persist: leave what is persisted as it is */
#define FX_NEW_VIEW (1u << 0) /* a fresh start: converging alone, cause "host started" */
#define FX_HELD	    (1u << 1) /* the text ends with the held connection count */
#define FX_DAEMON   (1u << 2) /* the daemon completes it: hs_command returns -EOPNOTSUPP */
/* Not table-shaped, so answered by a function (level stays): a report, or target-dependent. */
#define FX_QUERY     (1u << 3) /* do_query */
#define FX_RULES     (1u << 4) /* do_rule_cmd */
#define FX_QUERYPORT (1u << 5) /* do_queryport */

/* What one command does in one level. */
struct step {
	uint8_t level;	 /* enum hs_level before, or ANY_LEVEL */
	uint8_t command; /* WLBS_CMD_* */
	uint32_t status; /* response code (only for rows answered by msg) */
	uint8_t to;	 /* enum hs_level after */
	uint8_t persist; /* enum hs_persist after, or P_KEEP */
	uint8_t fx;	 /* FX_* */
	const char *msg; /* response text */
};

/* The state machine; the first row for the level and command applies. */
static const struct step steps[] = {
    {HS_STOPPED, WLBS_CMD_START, WLBS_OK, HS_RUNNING, HS_PERSIST_NONE, FX_NEW_VIEW,
     "Cluster operations started."},
    {HS_RUNNING, WLBS_CMD_START, WLBS_ALREADY, HS_RUNNING, HS_PERSIST_NONE, 0,
     "Cluster operations already started."},
    /* Convergence never stopped while draining: the view stays as it is. */
    {HS_DRAINING, WLBS_CMD_START, WLBS_DRAIN_STOP, HS_RUNNING, HS_PERSIST_NONE, 0,
     "Connection draining cancelled; cluster operations continue and new connections are "
     "accepted."},

    {HS_STOPPED, WLBS_CMD_STOP, WLBS_ALREADY, HS_STOPPED, HS_PERSIST_STOPPED, 0,
     "Cluster operations already stopped."},
    {HS_RUNNING, WLBS_CMD_STOP, WLBS_OK, HS_STOPPED, HS_PERSIST_STOPPED, 0,
     "Cluster operations stopped."},
    {HS_DRAINING, WLBS_CMD_STOP, WLBS_DRAIN_STOP, HS_STOPPED, HS_PERSIST_STOPPED, 0,
     "Connection draining aborted; cluster operations stopped."},

    {HS_STOPPED, WLBS_CMD_DRAINSTOP, WLBS_ALREADY, HS_STOPPED, HS_PERSIST_STOPPED, 0,
     "Cluster operations already stopped."},
    /*
     * Always through draining, even if the last count was 0: the count may be stale, and
     * stopping would cut connections still held. The next hs_on_held(0) ends the drain.
     */
    {HS_RUNNING, WLBS_CMD_DRAINSTOP, WLBS_OK, HS_DRAINING, HS_PERSIST_STOPPED, 0,
     "Connection draining started."},
    {HS_DRAINING, WLBS_CMD_DRAINSTOP, WLBS_ALREADY, HS_DRAINING, P_KEEP, FX_HELD,
     "Connection draining already in progress:"},
    {HS_SUSPENDED, WLBS_CMD_DRAINSTOP, WLBS_SUSPENDED, HS_SUSPENDED, P_KEEP, 0,
     "Cluster control is suspended: command refused, no connection draining started; "
     "cluster operations are stopped."},

    {HS_STOPPED, WLBS_CMD_SUSPEND, WLBS_OK, HS_SUSPENDED, HS_PERSIST_SUSPENDED, 0,
     "Cluster control suspended; cluster operations are stopped."},
    {HS_RUNNING, WLBS_CMD_SUSPEND, WLBS_STOPPED, HS_SUSPENDED, HS_PERSIST_SUSPENDED, 0,
     "Cluster operations stopped and cluster control suspended."},
    {HS_DRAINING, WLBS_CMD_SUSPEND, WLBS_DRAIN_STOP, HS_SUSPENDED, HS_PERSIST_SUSPENDED, 0,
     "Connection draining aborted, cluster operations stopped and cluster control "
     "suspended."},
    {HS_SUSPENDED, WLBS_CMD_SUSPEND, WLBS_ALREADY, HS_SUSPENDED, HS_PERSIST_SUSPENDED, 0,
     "Cluster control already suspended; cluster operations are stopped."},

    {HS_SUSPENDED, WLBS_CMD_RESUME, WLBS_OK, HS_STOPPED, HS_PERSIST_NONE, 0,
     "Cluster control resumed; cluster operations are stopped."},
    {HS_STOPPED, WLBS_CMD_RESUME, WLBS_ALREADY, HS_STOPPED, P_KEEP, 0,
     "Cluster control already resumed."},
    {HS_RUNNING, WLBS_CMD_RESUME, WLBS_ALREADY, HS_RUNNING, P_KEEP, 0,
     "Cluster control already resumed."},
    {HS_DRAINING, WLBS_CMD_RESUME, WLBS_ALREADY, HS_DRAINING, P_KEEP, 0,
     "Cluster control already resumed."},

    /* Suspended refuses what is left but the read-only commands. */
    {HS_SUSPENDED, WLBS_CMD_START, WLBS_SUSPENDED, HS_SUSPENDED, P_KEEP, 0, MSG_REFUSED},
    {HS_SUSPENDED, WLBS_CMD_STOP, WLBS_SUSPENDED, HS_SUSPENDED, P_KEEP, 0, MSG_REFUSED},
    {HS_SUSPENDED, WLBS_CMD_ENABLE, WLBS_SUSPENDED, HS_SUSPENDED, P_KEEP, 0, MSG_REFUSED},
    {HS_SUSPENDED, WLBS_CMD_DISABLE, WLBS_SUSPENDED, HS_SUSPENDED, P_KEEP, 0, MSG_REFUSED},
    {HS_SUSPENDED, WLBS_CMD_DRAIN, WLBS_SUSPENDED, HS_SUSPENDED, P_KEEP, 0, MSG_REFUSED},
    {HS_SUSPENDED, WLBS_CMD_RELOAD, WLBS_SUSPENDED, HS_SUSPENDED, P_KEEP, 0, MSG_REFUSED},

    /* The same in every other level; none changes the level. */
    {ANY_LEVEL, WLBS_CMD_QUERY, .fx = FX_QUERY},
    {ANY_LEVEL, WLBS_CMD_ENABLE, .fx = FX_RULES},
    {ANY_LEVEL, WLBS_CMD_DISABLE, .fx = FX_RULES},
    {ANY_LEVEL, WLBS_CMD_DRAIN, .fx = FX_RULES},
    {ANY_LEVEL, WLBS_CMD_QUERYPORT, .fx = FX_QUERYPORT},
    {ANY_LEVEL, WLBS_CMD_RELOAD, .fx = FX_DAEMON},
    {ANY_LEVEL, WLBS_CMD_DISPLAY, .fx = FX_DAEMON},
    {ANY_LEVEL, WLBS_CMD_PARAMS, .fx = FX_DAEMON},
    {ANY_LEVEL, WLBS_CMD_STATS, .fx = FX_DAEMON},
};

static const struct step *find_step(const struct hs *hs, uint16_t command)
{
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *s = &steps[i];

		if (s->command == command && (s->level == hs->level || s->level == ANY_LEVEL))
			return s;
	}
	return NULL;
}

static void take_step(struct hs *hs, const struct step *s, struct wlbs_ctl_response *resp)
{
	resp->status = s->status;
	ctl_resp_text(resp, "%s", s->msg);
	if (s->fx & FX_HELD)
		ctl_resp_append(resp, " %llu connection(s) still held.",
				(unsigned long long)hs->held);
	if (s->persist != P_KEEP)
		hs->persist = s->persist;
	if (s->fx & FX_NEW_VIEW)
		hs_go_running(hs);
	else
		hs_enter(hs, s->to);
}

int hs_command(struct hs *hs, const struct wlbs_ctl_request *req, struct wlbs_ctl_response *resp)
{
	const struct step *s = find_step(hs, req->command);

	ctl_response_init(resp, req);
	if (!s) {
		resp->status = WLBS_BAD_PARAMS;
		ctl_resp_text(resp, "Unknown command %u.", req->command);
	} else if (s->fx & FX_QUERY) {
		do_query(hs, resp);
	} else if (s->fx & FX_RULES) {
		do_rule_cmd(hs, req, resp);
	} else if (s->fx & FX_QUERYPORT) {
		do_queryport(hs, req, resp);
	} else if (hs_start_held(hs, req, resp)) {
		/* answered: the start waits for the check */
	} else if (!(s->fx & FX_DAEMON)) {
		hs_operator_spoke(hs, req);
		take_step(hs, s, resp);
	}
	hs_fill(hs, resp);
	return s && (s->fx & FX_DAEMON) ? -EOPNOTSUPP : 0;
}
