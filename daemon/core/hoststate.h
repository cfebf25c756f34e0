/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host state machine: pure code, no I/O, no clock. The daemon feeds it
 * control requests and convergence/connection events and applies what it
 * says (fast-path mode, per-rule flags, state to persist).
 *
 *   stopped --start--> converging <--convergence events--> converged
 *   running --drainstop--> draining --held connections reach 0--> stopped
 *   any --suspend--> suspended --resume--> stopped
 *   running --check of action stop fails--> draining --...--> stopped
 *           <--the check passes (unless the operator spoke since)--
 *
 * Manual commands win over health checks: a stop, drainstop or suspend
 * sticks when the check recovers; a start while the check fails is answered
 * WLBS_CHECK_FAILING and remembered (the host starts when it passes), and
 * start --force starts at once, the failing check ignored until it passes.
 *
 * Every command answers with a status code and a one-line message that are
 * true about the state AFTER the command (NLB's Q247712 got this wrong), and
 * hs_command(QUERY) always reports the real state.
 *
 * Usage by the daemon:
 *   hs_init(&hs, host_id, persisted, start_running);   persisted from its state file
 *   hs_set_rules(&hs, tables);                         after load and every reload
 *   on request:  if (hs_command(&hs, req, resp) == -EOPNOTSUPP) handle display/...;
 *                then apply hs_fp_state(), hs_rule_flags(), save hs_persist()
 *   on events:   hs_on_converging(), hs_on_converged(), hs_on_held()
 */
#ifndef WLBSD_HOSTSTATE_H
#define WLBSD_HOSTSTATE_H

#include <errno.h> /* -EOPNOTSUPP from hs_command */
#include <stdbool.h>
#include <stdint.h>

#include "wlbs/common.h"
#include "wlbs/control.h"

/* Operational level; converging/converged is the separate `converged` flag. */
enum hs_level {
	HS_STOPPED = 0,
	HS_RUNNING,  /* converging or converged */
	HS_DRAINING, /* running, taking only held connections */
	HS_SUSPENDED,
};

/* What a restart must restore (NLB's persisted states). */
enum hs_persist {
	HS_PERSIST_NONE = 0,  /* use the configured initial state */
	HS_PERSIST_STOPPED,   /* stop or drainstop was the last word */
	HS_PERSIST_SUSPENDED, /* suspend was the last word */
};

/* A rule name with its NUL (the configuration's limit). */
#define HS_RULE_NAME_MAX 32

/* What hs_set_rules keeps of a port rule: enough to resolve a command's target. */
struct hs_rule {
	uint32_t vip;		     /* index into vips, or WLBS_VIP_ALL */
	uint16_t port_lo;	     /* first port */
	uint16_t port_hi;	     /* last port, inclusive */
	uint8_t proto;		     /* WLBS_PROTO_* */
	uint8_t mode;		     /* enum wlbs_rule_mode (DISABLED: off cluster-wide) */
	uint8_t flags;		     /* this host's WLBS_RULE_F_* (enable/disable/drain) */
	char name[HS_RULE_NAME_MAX]; /* the configuration's name, for answers; "" = none */
};

/* Longest cause detail or note a query carries (hs_set_outside). */
#define HS_DETAIL_MAX 300

struct hs {
	enum hs_level level;
	enum hs_persist persist;
	bool converged;	     /* running/draining: convergence finished */
	bool is_default;     /* converged as the default host */
	uint8_t host_id;     /* this host's priority */
	uint64_t members;    /* cluster view, bit p-1 = priority p; 0 when stopped */
	uint64_t held;	     /* connections this host holds (last report) */
	uint8_t cause;	     /* enum wlbs_conv_cause of the last convergence */
	bool from_persisted; /* the state after start came from the state file */
	uint8_t outside;     /* why a running host is not converged in a view, 0 = no reason */
	char detail[HS_DETAIL_MAX]; /* that reason's detail, or a note for a converged host */
	bool check_stop;	    /* a check of action stop fails (hs_on_check) */
	bool check_took;	    /* that check, not the operator, drained/stopped the host */
	bool start_waiting;	    /* the operator's start waits for the check to pass */
	bool forced; /* start --force: the failing check is ignored until it passes */
	char check_why[HS_DETAIL_MAX]; /* which check fails and why, for answers */
	uint32_t n_vips;
	struct wlbs_vip vips[WLBS_MAX_VIPS];
	uint32_t n_rules;
	struct hs_rule rules[WLBS_MAX_RULES];
};

/*
 * Start state: @persisted (from the daemon's state file) wins; otherwise
 * running if @start_running (the configured initial state), else stopped.
 */
void hs_init(struct hs *hs, uint8_t host_id, enum hs_persist persisted, bool start_running);

/*
 * Take the port rules and cluster IPs of @t (rules in fast-path order).
 * A rule identical to an old one (same VIP, ports, protocol) keeps this
 * host's flags; others start enabled.
 */
void hs_set_rules(struct hs *hs, const struct wlbs_tables *t);

/* Name rule @i (table order) in answers; names are not in @t. Call after hs_set_rules. */
void hs_set_rule_name(struct hs *hs, uint32_t i, const char *name);

/*
 * Run @req. Returns 0 with @resp complete (status, message, fields after the
 * command), or -EOPNOTSUPP for display, params and reload, which the daemon
 * completes (status, text) on top of the common fields already in @resp.
 * A suspended host refuses reload here (returns 0). queryport is answered
 * here (rule state, message); the daemon may add rule_accepted/rule_dropped
 * of the rules hs_target_rules() selects.
 */
int hs_command(struct hs *hs, const struct wlbs_ctl_request *req, struct wlbs_ctl_response *resp);

/* Fill the fields every response carries: host, state, flags, members, held, cause. */
void hs_fill(const struct hs *hs, struct wlbs_ctl_response *resp);

/* Rules (bit i = rule i) a request's target selects; 0 if none (WLBS_NOT_FOUND). */
uint32_t hs_target_rules(const struct hs *hs, const struct wlbs_ctl_request *req);

/* Convergence started (view @members, cause enum wlbs_conv_cause); ignored unless running. */
void hs_on_converging(struct hs *hs, uint64_t members, uint8_t cause);
/* Convergence finished with view @members and default host @default_host. */
void hs_on_converged(struct hs *hs, uint64_t members, uint8_t default_host);
/*
 * The host holds @held connections now. Returns true when this ended a
 * drain (draining -> stopped): the daemon logs it and applies the new mode.
 * With @may_end false (the others do not serve its buckets yet) a drain
 * with nothing held goes on.
 */
bool hs_on_held(struct hs *hs, uint64_t held, bool may_end);

/*
 * Why this running host is not (yet) in a view, or is converging: a specific
 * enum wlbs_conv_cause (WLBS_CAUSE_LISTENING...) that query reports instead
 * of the last convergence's cause; 0 = none. @detail (may be NULL or "")
 * says more (whom, which rule); with @cause 0 it is a note a converged host
 * adds to its answer (e.g. the other host of a duplicate priority).
 */
void hs_set_outside(struct hs *hs, uint8_t cause, const char *detail);
/*
 * A check of action stop fails (@wants_stop) or not; @why names it and its
 * error (may be NULL). Returns true when this changed the level (running ->
 * draining, or back to running): the daemon applies the new mode.
 */
bool hs_on_check(struct hs *hs, bool wants_stop, const char *why);

/* The state after start came from the persisted state (else initial_state). */
bool hs_from_persisted(const struct hs *hs);

/* The state query reports (enum wlbs_host_state). */
uint8_t hs_state(const struct hs *hs);
/* The fast-path mode for the current state. */
enum wlbs_fp_state hs_fp_state(const struct hs *hs);
/* This host's WLBS_RULE_F_* for rule @i (0 for an index out of range). */
uint8_t hs_rule_flags(const struct hs *hs, uint32_t i);
/* What the daemon must persist now. */
enum hs_persist hs_persist(const struct hs *hs);
/* "none" / "stopped" / "suspended" and back (-EINVAL): the state file's words. */
const char *hs_persist_name(enum hs_persist p);
int hs_persist_parse(const char *s);

#endif /* WLBSD_HOSTSTATE_H */
