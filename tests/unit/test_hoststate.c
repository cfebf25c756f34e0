// SPDX-License-Identifier: GPL-2.0
/*
 * Host state machine: every command in every state (code, message, state
 * after, what a query right after says, what is persisted), and the
 * sequences NLB got wrong (Q247712).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "core/hoststate.c"

enum start { S_STOPPED, S_CONVERGING, S_CONVERGED, S_DEFAULT, S_DRAINING, S_SUSPENDED };
static const char *const start_names[] = {"stopped", "converging", "converged",
					  "default", "draining",   "suspended"};

#define H123 0x7ull /* hosts 1, 2, 3 */
#define H23  0x6ull /* hosts 2, 3 */

/* Cluster IPs 10.0.0.1, 10.0.0.2; rules: 10.0.0.1:80 tcp, all:443 both, all:1000-2000 udp disabled.
 */
static void set_rules(struct hs *hs)
{
	struct wlbs_tables t = {.n_vips = 2, .n_rules = 3};

	for (int i = 0; i < 2; i++) {
		t.vips[i].addr[2] = htonl(0xffff);
		t.vips[i].addr[3] = htonl(0x0a000001 + i);
	}
	t.rules[0] =
	    (struct wlbs_rule){.vip = 0, .port_lo = 80, .port_hi = 80, .proto = WLBS_PROTO_TCP};
	t.rules[1] = (struct wlbs_rule){.vip = WLBS_VIP_ALL,
					.port_lo = 443,
					.port_hi = 443,
					.proto = WLBS_PROTO_TCP | WLBS_PROTO_UDP};
	t.rules[2] = (struct wlbs_rule){.vip = WLBS_VIP_ALL,
					.port_lo = 1000,
					.port_hi = 2000,
					.proto = WLBS_PROTO_UDP,
					.mode = WLBS_MODE_DISABLED};
	hs_set_rules(hs, &t);
	hs_set_rule_name(hs, 0, "web");
	hs_set_rule_name(hs, 1, "tls");
	hs_set_rule_name(hs, 2, "media");
}

static void cmd(struct hs *hs, int command, struct wlbs_ctl_response *resp)
{
	struct wlbs_ctl_request req = {.id = 7, .command = (uint16_t)command};

	if (ctl_cmd_takes_target(command)) {
		req.target =
		    command == WLBS_CMD_QUERYPORT ? WLBS_CTL_TGT_PORT : WLBS_CTL_TGT_ALLPORTS;
		req.port = command == WLBS_CMD_QUERYPORT ? 80 : 0;
	}
	hs_command(hs, &req, resp);
}

static void setup_state(struct hs *hs, enum start s)
{
	struct wlbs_ctl_response resp;

	hs_init(hs, 2, s == S_SUSPENDED ? HS_PERSIST_SUSPENDED : HS_PERSIST_NONE,
		s != S_STOPPED && s != S_SUSPENDED);
	set_rules(hs);
	if (s == S_STOPPED || s == S_SUSPENDED)
		return;
	hs_on_converging(hs, H123, WLBS_CAUSE_NEW_MEMBER);
	if (s == S_CONVERGED || s == S_DRAINING)
		hs_on_converged(hs, H123, 1);
	if (s == S_DEFAULT)
		hs_on_converged(hs, H23, 2);
	if (s == S_DRAINING) {
		hs_on_held(hs, 5, true);
		cmd(hs, WLBS_CMD_DRAINSTOP, &resp);
		assert_int_equal(resp.status, WLBS_OK);
	}
}

#define Q_STOPPED "Host 2 is stopped and does not know the convergence state of the cluster."
#define Q_CONVERGING                                                                               \
	"Host 2 converging (cause: new member) with the following host(s) as part of the "         \
	"cluster: "                                                                                \
	"1, 2, 3"
#define Q_CONVERGED "Host 2 converged with the following host(s) as part of the cluster: 1, 2, 3"
#define Q_DEFAULT                                                                                  \
	"Host 2 converged as DEFAULT with the following host(s) as part of the cluster: 2, 3"
#define Q_DRAINING                                                                                 \
	"Host 2 draining: 5 connection(s) still held; converged with the following host(s) as "    \
	"part of the cluster: 1, 2, 3"
#define Q_SUSPENDED                                                                                \
	"Host 2 is suspended: cluster control is suspended and cluster operations are stopped."
#define REFUSED MSG_REFUSED
#define REFUSED_DRAIN                                                                              \
	"Cluster control is suspended: command refused, no connection draining started; cluster "  \
	"operations are stopped."
#define M_STARTED	  "Cluster operations started."
#define M_ALREADY_STARTED "Cluster operations already started."
#define M_STOPPED	  "Cluster operations stopped."
#define M_ALREADY_STOPPED "Cluster operations already stopped."
#define M_DRAIN_STARTED	  "Connection draining started."
#define M_SUSPEND_STOPPED "Cluster operations stopped and cluster control suspended."
#define M_ALREADY_RESUMED "Cluster control already resumed."
#define STOPPED_NOTE	  " Cluster operations are stopped."
/* enable/disable/drain name the rules they acted on. */
#define RULES_ALL    " Rule(s) acted on: web 10.0.0.1:80/tcp, tls 443/both, media 1000-2000/udp."
#define M_EN_ALREADY "Traffic handling for all port rules already enabled." RULES_ALL
#define M_DIS                                                                                      \
	"Traffic handling for all port rules disabled: this host drops their packets at once, "    \
	"its held connections' too (drain lets those finish)." RULES_ALL
#define M_DRAIN                                                                                    \
	"Traffic handling for all port rules set to drain: held connections continue, new ones "   \
	"go to other hosts." RULES_ALL
#define M_QP   "Port 80: rule 80-80 tcp enabled on host 2."
#define DAEMON NULL /* -EOPNOTSUPP: the daemon completes display/params/reload */

struct row {
	enum start from;
	int command;
	int status;	 /* 0 when the daemon completes it */
	const char *msg; /* exact message; DAEMON when the daemon completes it */
	int state;	 /* enum wlbs_host_state after */
	int query;	 /* status of a query right after */
	int persist;	 /* hs_persist() after */
};

#define NONE  HS_PERSIST_NONE
#define PSTOP HS_PERSIST_STOPPED
#define PSUSP HS_PERSIST_SUSPENDED

/* Rows shared by converging, converged and default (running) hosts; state/query per start. */
#define RUNNING_ROWS(S, HS, QS)                                                                    \
	{S, WLBS_CMD_START, WLBS_ALREADY, M_ALREADY_STARTED, HS, QS, NONE},                        \
	    {S, WLBS_CMD_STOP, WLBS_OK, M_STOPPED, WLBS_HS_STOPPED, WLBS_STOPPED, PSTOP},          \
	    {S,	   WLBS_CMD_DRAINSTOP, WLBS_OK, M_DRAIN_STARTED, WLBS_HS_DRAINING, WLBS_DRAINING,  \
	     PSTOP},                                                                               \
	    {S,                                                                                    \
	     WLBS_CMD_SUSPEND,                                                                     \
	     WLBS_STOPPED,                                                                         \
	     M_SUSPEND_STOPPED,                                                                    \
	     WLBS_HS_SUSPENDED,                                                                    \
	     WLBS_SUSPENDED,                                                                       \
	     PSUSP},                                                                               \
	    {S, WLBS_CMD_RESUME, WLBS_ALREADY, M_ALREADY_RESUMED, HS, QS, NONE},                   \
	    {S, WLBS_CMD_ENABLE, WLBS_ALREADY, M_EN_ALREADY, HS, QS, NONE},                        \
	    {S, WLBS_CMD_DISABLE, WLBS_OK, M_DIS, HS, QS, NONE},                                   \
	    {S, WLBS_CMD_DRAIN, WLBS_OK, M_DRAIN, HS, QS, NONE},                                   \
	    {S, WLBS_CMD_RELOAD, 0, DAEMON, HS, QS, NONE},                                         \
	    {S, WLBS_CMD_DISPLAY, 0, DAEMON, HS, QS, NONE},                                        \
	    {S, WLBS_CMD_PARAMS, 0, DAEMON, HS, QS, NONE},                                         \
	{                                                                                          \
		S, WLBS_CMD_QUERYPORT, WLBS_OK, M_QP, HS, QS, NONE                                 \
	}

static const struct row rows[] = {
    /* stopped */
    {S_STOPPED, WLBS_CMD_QUERY, WLBS_STOPPED, Q_STOPPED, WLBS_HS_STOPPED, WLBS_STOPPED, NONE},
    {S_STOPPED, WLBS_CMD_START, WLBS_OK, M_STARTED, WLBS_HS_CONVERGING, WLBS_CONVERGING, NONE},
    {S_STOPPED, WLBS_CMD_STOP, WLBS_ALREADY, M_ALREADY_STOPPED, WLBS_HS_STOPPED, WLBS_STOPPED,
     PSTOP},
    {S_STOPPED, WLBS_CMD_DRAINSTOP, WLBS_ALREADY, M_ALREADY_STOPPED, WLBS_HS_STOPPED, WLBS_STOPPED,
     PSTOP},
    {S_STOPPED, WLBS_CMD_SUSPEND, WLBS_OK,
     "Cluster control suspended; cluster operations are stopped.", WLBS_HS_SUSPENDED,
     WLBS_SUSPENDED, PSUSP},
    {S_STOPPED, WLBS_CMD_RESUME, WLBS_ALREADY, M_ALREADY_RESUMED, WLBS_HS_STOPPED, WLBS_STOPPED,
     NONE},
    {S_STOPPED, WLBS_CMD_ENABLE, WLBS_ALREADY, M_EN_ALREADY STOPPED_NOTE, WLBS_HS_STOPPED,
     WLBS_STOPPED, NONE},
    {S_STOPPED, WLBS_CMD_DISABLE, WLBS_OK, M_DIS STOPPED_NOTE, WLBS_HS_STOPPED, WLBS_STOPPED, NONE},
    {S_STOPPED, WLBS_CMD_DRAIN, WLBS_OK, M_DRAIN STOPPED_NOTE, WLBS_HS_STOPPED, WLBS_STOPPED, NONE},
    {S_STOPPED, WLBS_CMD_RELOAD, 0, DAEMON, WLBS_HS_STOPPED, WLBS_STOPPED, NONE},
    {S_STOPPED, WLBS_CMD_DISPLAY, 0, DAEMON, WLBS_HS_STOPPED, WLBS_STOPPED, NONE},
    {S_STOPPED, WLBS_CMD_PARAMS, 0, DAEMON, WLBS_HS_STOPPED, WLBS_STOPPED, NONE},
    {S_STOPPED, WLBS_CMD_QUERYPORT, WLBS_OK, M_QP, WLBS_HS_STOPPED, WLBS_STOPPED, NONE},

    /* running: converging, converged, converged as default */
    {S_CONVERGING, WLBS_CMD_QUERY, WLBS_CONVERGING, Q_CONVERGING, WLBS_HS_CONVERGING,
     WLBS_CONVERGING, NONE},
    RUNNING_ROWS(S_CONVERGING, WLBS_HS_CONVERGING, WLBS_CONVERGING),
    {S_CONVERGED, WLBS_CMD_QUERY, WLBS_CONVERGED, Q_CONVERGED, WLBS_HS_CONVERGED, WLBS_CONVERGED,
     NONE},
    RUNNING_ROWS(S_CONVERGED, WLBS_HS_CONVERGED, WLBS_CONVERGED),
    {S_DEFAULT, WLBS_CMD_QUERY, WLBS_DEFAULT, Q_DEFAULT, WLBS_HS_CONVERGED, WLBS_DEFAULT, NONE},
    RUNNING_ROWS(S_DEFAULT, WLBS_HS_CONVERGED, WLBS_DEFAULT),

    /* draining (converged, 5 connections held) */
    {S_DRAINING, WLBS_CMD_QUERY, WLBS_DRAINING, Q_DRAINING, WLBS_HS_DRAINING, WLBS_DRAINING, PSTOP},
    {S_DRAINING, WLBS_CMD_START, WLBS_DRAIN_STOP,
     "Connection draining cancelled; cluster operations continue and new connections are "
     "accepted.",
     WLBS_HS_CONVERGED, WLBS_CONVERGED, NONE},
    {S_DRAINING, WLBS_CMD_STOP, WLBS_DRAIN_STOP,
     "Connection draining aborted; cluster operations stopped.", WLBS_HS_STOPPED, WLBS_STOPPED,
     PSTOP},
    {S_DRAINING, WLBS_CMD_DRAINSTOP, WLBS_ALREADY,
     "Connection draining already in progress: 5 connection(s) still held.", WLBS_HS_DRAINING,
     WLBS_DRAINING, PSTOP},
    {S_DRAINING, WLBS_CMD_SUSPEND, WLBS_DRAIN_STOP,
     "Connection draining aborted, cluster operations stopped and cluster control "
     "suspended.",
     WLBS_HS_SUSPENDED, WLBS_SUSPENDED, PSUSP},
    {S_DRAINING, WLBS_CMD_RESUME, WLBS_ALREADY, M_ALREADY_RESUMED, WLBS_HS_DRAINING, WLBS_DRAINING,
     PSTOP},
    {S_DRAINING, WLBS_CMD_ENABLE, WLBS_ALREADY, M_EN_ALREADY, WLBS_HS_DRAINING, WLBS_DRAINING,
     PSTOP},
    {S_DRAINING, WLBS_CMD_DISABLE, WLBS_OK, M_DIS, WLBS_HS_DRAINING, WLBS_DRAINING, PSTOP},
    {S_DRAINING, WLBS_CMD_DRAIN, WLBS_OK, M_DRAIN, WLBS_HS_DRAINING, WLBS_DRAINING, PSTOP},
    {S_DRAINING, WLBS_CMD_RELOAD, 0, DAEMON, WLBS_HS_DRAINING, WLBS_DRAINING, PSTOP},
    {S_DRAINING, WLBS_CMD_DISPLAY, 0, DAEMON, WLBS_HS_DRAINING, WLBS_DRAINING, PSTOP},
    {S_DRAINING, WLBS_CMD_PARAMS, 0, DAEMON, WLBS_HS_DRAINING, WLBS_DRAINING, PSTOP},
    {S_DRAINING, WLBS_CMD_QUERYPORT, WLBS_OK, M_QP, WLBS_HS_DRAINING, WLBS_DRAINING, PSTOP},

    /* suspended: everything but query, resume, suspend and read-only commands is refused */
    {S_SUSPENDED, WLBS_CMD_QUERY, WLBS_SUSPENDED, Q_SUSPENDED, WLBS_HS_SUSPENDED, WLBS_SUSPENDED,
     PSUSP},
    {S_SUSPENDED, WLBS_CMD_START, WLBS_SUSPENDED, REFUSED, WLBS_HS_SUSPENDED, WLBS_SUSPENDED,
     PSUSP},
    {S_SUSPENDED, WLBS_CMD_STOP, WLBS_SUSPENDED, REFUSED, WLBS_HS_SUSPENDED, WLBS_SUSPENDED, PSUSP},
    {S_SUSPENDED, WLBS_CMD_DRAINSTOP, WLBS_SUSPENDED, REFUSED_DRAIN, WLBS_HS_SUSPENDED,
     WLBS_SUSPENDED, PSUSP},
    {S_SUSPENDED, WLBS_CMD_SUSPEND, WLBS_ALREADY,
     "Cluster control already suspended; cluster operations are stopped.", WLBS_HS_SUSPENDED,
     WLBS_SUSPENDED, PSUSP},
    {S_SUSPENDED, WLBS_CMD_RESUME, WLBS_OK,
     "Cluster control resumed; cluster operations are stopped.", WLBS_HS_STOPPED, WLBS_STOPPED,
     NONE},
    {S_SUSPENDED, WLBS_CMD_ENABLE, WLBS_SUSPENDED, REFUSED, WLBS_HS_SUSPENDED, WLBS_SUSPENDED,
     PSUSP},
    {S_SUSPENDED, WLBS_CMD_DISABLE, WLBS_SUSPENDED, REFUSED, WLBS_HS_SUSPENDED, WLBS_SUSPENDED,
     PSUSP},
    {S_SUSPENDED, WLBS_CMD_DRAIN, WLBS_SUSPENDED, REFUSED, WLBS_HS_SUSPENDED, WLBS_SUSPENDED,
     PSUSP},
    {S_SUSPENDED, WLBS_CMD_RELOAD, WLBS_SUSPENDED, REFUSED, WLBS_HS_SUSPENDED, WLBS_SUSPENDED,
     PSUSP},
    {S_SUSPENDED, WLBS_CMD_DISPLAY, 0, DAEMON, WLBS_HS_SUSPENDED, WLBS_SUSPENDED, PSUSP},
    {S_SUSPENDED, WLBS_CMD_PARAMS, 0, DAEMON, WLBS_HS_SUSPENDED, WLBS_SUSPENDED, PSUSP},
    {S_SUSPENDED, WLBS_CMD_QUERYPORT, WLBS_OK, M_QP, WLBS_HS_SUSPENDED, WLBS_SUSPENDED, PSUSP},
};

/* Every command in every state: the table above covers the whole matrix. */
static void test_matrix_is_complete(void **state)
{
	(void)state;
	for (int s = S_STOPPED; s <= S_SUSPENDED; s++)
		for (int c = 1; c < WLBS_CMD_MAX; c++) {
			int n = 0;

			for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
				n += rows[i].from == (enum start)s && rows[i].command == c;
			if (n != 1)
				fail_msg("state %s command %s: %d rows", start_names[s],
					 ctl_cmd_name(c), n);
		}
}

static void test_every_command_in_every_state(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct wlbs_ctl_response resp, q;
		struct wlbs_ctl_request req = {.id = 7, .command = (uint16_t)r->command};
		struct hs hs;
		int ret;

		if (ctl_cmd_takes_target(r->command)) {
			req.target = r->command == WLBS_CMD_QUERYPORT ? WLBS_CTL_TGT_PORT
								      : WLBS_CTL_TGT_ALLPORTS;
			req.port = r->command == WLBS_CMD_QUERYPORT ? 80 : 0;
		}
		setup_state(&hs, r->from);
		ret = hs_command(&hs, &req, &resp);
		if (ret != (r->msg == DAEMON ? -EOPNOTSUPP : 0) ||
		    (r->msg && (resp.status != (uint32_t)r->status || strcmp(resp.text, r->msg) ||
				resp.text_len != strlen(r->msg))) ||
		    resp.state != r->state || hs_state(&hs) != r->state ||
		    (int)hs_persist(&hs) != r->persist || resp.id != 7 ||
		    resp.command != r->command)
			fail_msg("%s %s: ret %d, %s \"%s\", state %s, persist %s; want %s \"%s\", "
				 "state %s, persist %s",
				 start_names[r->from], ctl_cmd_name(r->command), ret,
				 wlbs_status_name((int)resp.status), resp.text,
				 ctl_state_name(resp.state), hs_persist_name(hs_persist(&hs)),
				 r->msg ? wlbs_status_name(r->status) : "(daemon)",
				 r->msg ? r->msg : "", ctl_state_name(r->state),
				 hs_persist_name(r->persist));

		/* A query right after tells the same truth. */
		cmd(&hs, WLBS_CMD_QUERY, &q);
		if (q.status != (uint32_t)r->query || q.state != r->state)
			fail_msg("%s %s: query after says %s \"%s\"; want %s", start_names[r->from],
				 ctl_cmd_name(r->command), wlbs_status_name((int)q.status), q.text,
				 wlbs_status_name(r->query));
	}
}

/* Q247712, first list: drainstop, query, drainstop, stop, query. */
static void test_q247712_drainstop_query_drainstop_stop(void **state)
{
	struct wlbs_ctl_response resp;
	struct hs hs;

	(void)state;
	setup_state(&hs, S_CONVERGED);
	hs_on_held(&hs, 3, true);

	cmd(&hs, WLBS_CMD_DRAINSTOP, &resp);
	assert_int_equal(resp.status, WLBS_OK);
	assert_string_equal(resp.text, "Connection draining started.");
	assert_int_equal(hs_fp_state(&hs), WLBS_FP_DRAINING);

	/* NLB said "draining has stopped" here: we are draining while connections remain. */
	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_int_equal(resp.status, WLBS_DRAINING);
	assert_int_equal(resp.state, WLBS_HS_DRAINING);
	assert_int_equal(resp.held, 3);
	assert_non_null(strstr(resp.text, "Host 2 draining: 3 connection(s) still held"));

	/* NLB said "draining started" again. */
	cmd(&hs, WLBS_CMD_DRAINSTOP, &resp);
	assert_int_equal(resp.status, WLBS_ALREADY);
	assert_string_equal(resp.text,
			    "Connection draining already in progress: 3 connection(s) still held.");

	/* NLB said "cluster operations already stopped". */
	cmd(&hs, WLBS_CMD_STOP, &resp);
	assert_int_equal(resp.status, WLBS_DRAIN_STOP);
	assert_string_equal(resp.text, "Connection draining aborted; cluster operations stopped.");
	assert_null(strstr(resp.text, "already"));
	assert_int_equal(resp.state, WLBS_HS_STOPPED);
	assert_int_equal(hs_fp_state(&hs), WLBS_FP_STOPPED);

	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_int_equal(resp.status, WLBS_STOPPED);
	assert_string_equal(resp.text, Q_STOPPED);
}

/* Q247712, second list: suspend, stop, drainstop, query. */
static void test_q247712_suspend_stop_drainstop_query(void **state)
{
	struct wlbs_ctl_response resp;
	struct hs hs;

	(void)state;
	setup_state(&hs, S_CONVERGED);

	cmd(&hs, WLBS_CMD_SUSPEND, &resp);
	assert_int_equal(resp.status, WLBS_STOPPED);
	assert_int_equal(resp.state, WLBS_HS_SUSPENDED);
	assert_int_equal(hs_fp_state(&hs), WLBS_FP_STOPPED);

	/* Refused, and it says truthfully that the host is stopped anyway. */
	cmd(&hs, WLBS_CMD_STOP, &resp);
	assert_int_equal(resp.status, WLBS_SUSPENDED);
	assert_non_null(strstr(resp.text, "command refused"));
	assert_non_null(strstr(resp.text, "cluster operations are stopped"));
	assert_int_equal(hs_fp_state(&hs), WLBS_FP_STOPPED);

	/* NLB said "suspended and connection draining started": no drain starts. */
	cmd(&hs, WLBS_CMD_DRAINSTOP, &resp);
	assert_int_equal(resp.status, WLBS_SUSPENDED);
	assert_non_null(strstr(resp.text, "no connection draining started"));
	assert_null(strstr(resp.text, "Connection draining started"));
	assert_int_equal(resp.state, WLBS_HS_SUSPENDED);
	assert_int_equal(hs_fp_state(&hs), WLBS_FP_STOPPED);

	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_int_equal(resp.status, WLBS_SUSPENDED);
	assert_string_equal(resp.text, Q_SUSPENDED);
}

/* Draining ends by itself when no connection is held; query then says stopped. */
static void test_drain_completion_then_query_stopped(void **state)
{
	struct wlbs_ctl_response resp;
	struct hs hs;

	(void)state;
	setup_state(&hs, S_CONVERGED);
	hs_on_held(&hs, 2, true);
	cmd(&hs, WLBS_CMD_DRAINSTOP, &resp);
	assert_false(hs_on_held(&hs, 1, true));
	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_int_equal(resp.status, WLBS_DRAINING);
	/* Nothing held, but the others do not serve its buckets yet: still draining. */
	assert_false(hs_on_held(&hs, 0, false));
	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_int_equal(resp.status, WLBS_DRAINING);
	assert_true(hs_on_held(&hs, 0, true));
	assert_int_equal(hs_fp_state(&hs), WLBS_FP_STOPPED);
	assert_int_equal(hs_persist(&hs), HS_PERSIST_STOPPED);
	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_int_equal(resp.status, WLBS_STOPPED);
	assert_int_equal(resp.members, 0);
	assert_string_equal(resp.text, Q_STOPPED);
	/* A later count of 0 is not a second completion. */
	assert_false(hs_on_held(&hs, 0, true));
	/* stop after the drain finished: already stopped, which is now true. */
	cmd(&hs, WLBS_CMD_STOP, &resp);
	assert_int_equal(resp.status, WLBS_ALREADY);
}

/* A drainstop with no connections still drains until a fresh count says 0. */
static void test_drainstop_with_zero_held_waits_for_count(void **state)
{
	struct wlbs_ctl_response resp;
	struct hs hs;

	(void)state;
	setup_state(&hs, S_CONVERGED);
	cmd(&hs, WLBS_CMD_DRAINSTOP, &resp);
	assert_int_equal(hs_state(&hs), WLBS_HS_DRAINING);
	assert_true(hs_on_held(&hs, 0, true));
	assert_int_equal(hs_state(&hs), WLBS_HS_STOPPED);
}

static void test_convergence_events(void **state)
{
	struct wlbs_ctl_response resp;
	struct hs hs;

	(void)state;
	hs_init(&hs, 2, HS_PERSIST_NONE, false);
	/* Events while stopped change nothing. */
	hs_on_converged(&hs, H123, 2);
	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_int_equal(resp.status, WLBS_STOPPED);

	cmd(&hs, WLBS_CMD_START, &resp);
	assert_int_equal(resp.members, 0x2);
	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_string_equal(resp.text, "Host 2 converging (cause: host started) with the following "
				       "host(s) as part of the cluster: 2");
	assert_int_equal(resp.flags, 0);

	hs_on_converged(&hs, H123, 1);
	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_int_equal(resp.status, WLBS_CONVERGED);
	assert_int_equal(resp.flags, WLBS_CTL_F_CONVERGED);
	assert_int_equal(resp.members, H123);

	hs_on_converging(&hs, H23, WLBS_CAUSE_MEMBER_LOST);
	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_int_equal(resp.status, WLBS_CONVERGING);
	assert_int_equal(resp.cause, WLBS_CAUSE_MEMBER_LOST);
	assert_non_null(strstr(resp.text, "(cause: member lost)"));

	hs_on_converged(&hs, H23, 2);
	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_int_equal(resp.status, WLBS_DEFAULT);
	assert_int_equal(resp.flags, WLBS_CTL_F_CONVERGED | WLBS_CTL_F_DEFAULT);
	assert_string_equal(resp.text, Q_DEFAULT);

	/* Stopped: no view, no default flag. */
	cmd(&hs, WLBS_CMD_STOP, &resp);
	assert_int_equal(resp.flags, 0);
	assert_int_equal(resp.members, 0);
}

/* A running host out of every view lists itself and says why, with the detail. */
static void test_query_names_why_a_host_is_out_of_a_view(void **state)
{
	struct wlbs_ctl_response resp;
	struct hs hs;

	(void)state;
	hs_init(&hs, 2, HS_PERSIST_NONE, true);
	hs_on_converging(&hs, 0, WLBS_CAUSE_STARTED);
	hs_set_outside(&hs, WLBS_CAUSE_DUP_ID,
		       "host priority 2 is also used by MAC 02:00:00:00:00:01");
	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_int_equal(resp.status, WLBS_CONVERGING);
	assert_int_equal(resp.cause, WLBS_CAUSE_DUP_ID);
	assert_int_equal(resp.members, 0x2);
	assert_string_equal(
	    resp.text, "Host 2 converging (cause: duplicate host priority: host priority 2 is "
		       "also used by MAC 02:00:00:00:00:01) with the following host(s) as part "
		       "of the cluster: 2");
	/* Converged, the same text is a note; the cause is the convergence's again. */
	hs_on_converged(&hs, H23, 2);
	hs_set_outside(&hs, 0, "duplicate host priority 2: MAC 02:00:00:00:00:01 stands down");
	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_int_equal(resp.status, WLBS_DEFAULT);
	assert_int_equal(resp.cause, WLBS_CAUSE_STARTED);
	assert_string_equal(resp.text, Q_DEFAULT ". Note: duplicate host priority 2: MAC "
						 "02:00:00:00:00:01 stands down");
	assert_int_equal(resp.flags & WLBS_CTL_F_STATE_PERSISTED, 0);
	/* Stopped: no view at all, the cause is not reported as the host's own. */
	cmd(&hs, WLBS_CMD_STOP, &resp);
	assert_int_equal(resp.members, 0);
}

/* The state-source flag: the state file, not initial_state, decided the start. */
static void test_state_source_flag(void **state)
{
	struct wlbs_ctl_response resp;
	struct hs hs;

	(void)state;
	hs_init(&hs, 1, HS_PERSIST_STOPPED, true);
	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_int_equal(resp.flags & WLBS_CTL_F_STATE_PERSISTED, WLBS_CTL_F_STATE_PERSISTED);
	assert_true(hs_from_persisted(&hs));
	hs_init(&hs, 1, HS_PERSIST_NONE, true);
	cmd(&hs, WLBS_CMD_QUERY, &resp);
	assert_int_equal(resp.flags & WLBS_CTL_F_STATE_PERSISTED, 0);
	assert_false(hs_from_persisted(&hs));
}

static void test_persisted_state_restores(void **state)
{
	struct hs hs;

	(void)state;
	hs_init(&hs, 1, HS_PERSIST_SUSPENDED, true);
	assert_int_equal(hs_state(&hs), WLBS_HS_SUSPENDED);
	hs_init(&hs, 1, HS_PERSIST_STOPPED, true);
	assert_int_equal(hs_state(&hs), WLBS_HS_STOPPED);
	hs_init(&hs, 1, HS_PERSIST_NONE, true);
	assert_int_equal(hs_state(&hs), WLBS_HS_CONVERGING);
	assert_int_equal(hs_fp_state(&hs), WLBS_FP_RUNNING);
	hs_init(&hs, 1, HS_PERSIST_NONE, false);
	assert_int_equal(hs_state(&hs), WLBS_HS_STOPPED);

	for (int p = HS_PERSIST_NONE; p <= HS_PERSIST_SUSPENDED; p++)
		assert_int_equal(hs_persist_parse(hs_persist_name(p)), p);
	assert_int_equal(hs_persist_parse("running"), -EINVAL);
	assert_int_equal(hs_persist_parse(NULL), -EINVAL);
	assert_null(hs_persist_name(7));
}

static void rule_req(struct wlbs_ctl_request *req, int command, const char *vip, int port)
{
	memset(req, 0, sizeof(*req));
	req->command = (uint16_t)command;
	if (port >= 0) {
		req->target = WLBS_CTL_TGT_PORT;
		req->port = (uint16_t)port;
	} else {
		req->target = WLBS_CTL_TGT_ALLPORTS;
	}
	if (vip) {
		req->target |= WLBS_CTL_TGT_VIP;
		req->vip[10] = req->vip[11] = 0xff;
		assert_int_equal(inet_pton(AF_INET, vip, req->vip + 12), 1);
	}
	assert_int_equal(ctl_request_check(req), 0);
}

static void test_rule_targets(void **state)
{
	struct wlbs_ctl_request req;
	struct wlbs_ctl_response resp;
	struct hs hs;

	(void)state;
	setup_state(&hs, S_CONVERGED);

	rule_req(&req, WLBS_CMD_DISABLE, NULL, 80);
	assert_int_equal(hs_target_rules(&hs, &req), 0x1);
	rule_req(&req, WLBS_CMD_DISABLE, NULL, 1500);
	assert_int_equal(hs_target_rules(&hs, &req), 0x4);
	rule_req(&req, WLBS_CMD_DISABLE, NULL, -1);
	assert_int_equal(hs_target_rules(&hs, &req), 0x7);
	rule_req(&req, WLBS_CMD_DISABLE, "10.0.0.1", -1);
	assert_int_equal(hs_target_rules(&hs, &req), 0x1);
	/* VIP:PORT falls back to every-VIP rules, as the fast path does. */
	rule_req(&req, WLBS_CMD_DISABLE, "10.0.0.2", 443);
	assert_int_equal(hs_target_rules(&hs, &req), 0x2);
	rule_req(&req, WLBS_CMD_DISABLE, "10.0.0.2", 80);
	assert_int_equal(hs_target_rules(&hs, &req), 0);

	rule_req(&req, WLBS_CMD_DISABLE, NULL, 81);
	hs_command(&hs, &req, &resp);
	assert_int_equal(resp.status, WLBS_NOT_FOUND);
	assert_string_equal(resp.text, "Not found: no port rule covers port 81.");
	rule_req(&req, WLBS_CMD_DISABLE, "10.9.9.9", 80);
	hs_command(&hs, &req, &resp);
	assert_int_equal(resp.status, WLBS_NOT_FOUND);
	assert_string_equal(resp.text, "Not found: 10.9.9.9 is not a cluster IP.");
	rule_req(&req, WLBS_CMD_DISABLE, "10.0.0.2", -1);
	hs_command(&hs, &req, &resp);
	assert_int_equal(resp.status, WLBS_NOT_FOUND);

	/* disable 80 -> queryport says disabled; drain of a disabled rule changes nothing. */
	rule_req(&req, WLBS_CMD_DISABLE, NULL, 80);
	hs_command(&hs, &req, &resp);
	assert_int_equal(resp.status, WLBS_OK);
	assert_string_equal(
	    resp.text, "Traffic handling for port rule(s) covering port 80 disabled: this host "
		       "drops their packets at once, its held connections' too (drain lets "
		       "those finish). Rule(s) acted on: web 10.0.0.1:80/tcp.");
	assert_int_equal(hs_rule_flags(&hs, 0), WLBS_RULE_F_OFF);
	assert_int_equal(hs_rule_flags(&hs, 1), 0);
	hs_command(&hs, &req, &resp);
	assert_int_equal(resp.status, WLBS_ALREADY);
	rule_req(&req, WLBS_CMD_QUERYPORT, NULL, 80);
	hs_command(&hs, &req, &resp);
	assert_int_equal(resp.rule_state, WLBS_RS_DISABLED);
	assert_string_equal(resp.text, "Port 80: rule 80-80 tcp disabled on host 2.");
	rule_req(&req, WLBS_CMD_DRAIN, "10.0.0.1", 80);
	hs_command(&hs, &req, &resp);
	assert_int_equal(resp.status, WLBS_ALREADY);
	rule_req(&req, WLBS_CMD_ENABLE, NULL, -1);
	hs_command(&hs, &req, &resp);
	assert_int_equal(resp.status, WLBS_OK);
	rule_req(&req, WLBS_CMD_DRAIN, "10.0.0.2", 443);
	hs_command(&hs, &req, &resp);
	assert_int_equal(resp.status, WLBS_OK);
	assert_string_equal(resp.text, "Traffic handling for port rule(s) covering port 443 of "
				       "cluster IP 10.0.0.2 set to drain: held connections "
				       "continue, new ones go to other hosts. Rule(s) acted on: "
				       "tls 443/both.");
	assert_int_equal(hs_rule_flags(&hs, 1), WLBS_RULE_F_DRAIN);
	rule_req(&req, WLBS_CMD_QUERYPORT, NULL, 443);
	hs_command(&hs, &req, &resp);
	assert_int_equal(resp.rule_state, WLBS_RS_DRAINING);
	/* A rule disabled cluster-wide is reported so, whatever this host's flags. */
	rule_req(&req, WLBS_CMD_QUERYPORT, NULL, 1500);
	hs_command(&hs, &req, &resp);
	assert_int_equal(resp.rule_state, WLBS_RS_DISABLED);
	assert_string_equal(resp.text,
			    "Port 1500: rule 1000-2000 udp disabled (cluster-wide) on host 2.");
	assert_int_equal(hs_rule_flags(&hs, 99), 0);
}

/* A rule of an IPv6 cluster IP is named [VIP]:ports; one without a name by its number. */
static void test_rule_answer_names_v6_and_unnamed(void **state)
{
	struct wlbs_tables t = {.n_vips = 1, .n_rules = 2};
	struct wlbs_ctl_request req;
	struct wlbs_ctl_response resp;
	struct hs hs;

	(void)state;
	hs_init(&hs, 1, HS_PERSIST_NONE, true);
	inet_pton(AF_INET6, "2001:db8::10", t.vips[0].addr);
	t.rules[0] =
	    (struct wlbs_rule){.vip = 0, .port_lo = 8000, .port_hi = 8080, .proto = WLBS_PROTO_UDP};
	t.rules[1] = (struct wlbs_rule){
	    .vip = WLBS_VIP_ALL, .port_lo = 22, .port_hi = 22, .proto = WLBS_PROTO_TCP};
	hs_set_rules(&hs, &t);
	hs_set_rule_name(&hs, 0, "rtp");
	hs_set_rule_name(&hs, 5, "out-of-range"); /* ignored */
	rule_req(&req, WLBS_CMD_ENABLE, NULL, -1);
	hs_command(&hs, &req, &resp);
	assert_int_equal(resp.status, WLBS_ALREADY);
	assert_string_equal(resp.text, "Traffic handling for all port rules already enabled. "
				       "Rule(s) acted on: rtp [2001:db8::10]:8000-8080/udp, #2 "
				       "22/tcp.");
}

/* A reload keeps this host's flags on rules that did not change, wherever they moved. */
static void test_reload_keeps_flags_of_same_rules(void **state)
{
	struct wlbs_ctl_request req;
	struct wlbs_ctl_response resp;
	struct wlbs_tables t = {.n_vips = 1, .n_rules = 2};
	struct hs hs;

	(void)state;
	setup_state(&hs, S_CONVERGED);
	rule_req(&req, WLBS_CMD_DRAIN, NULL, 443);
	hs_command(&hs, &req, &resp);
	rule_req(&req, WLBS_CMD_DISABLE, NULL, 80);
	hs_command(&hs, &req, &resp);

	t.vips[0] = hs.vips[0];
	t.rules[0] = (struct wlbs_rule){.vip = WLBS_VIP_ALL,
					.port_lo = 443,
					.port_hi = 443,
					.proto = WLBS_PROTO_TCP | WLBS_PROTO_UDP};
	t.rules[1] =
	    (struct wlbs_rule){.vip = 0, .port_lo = 80, .port_hi = 81, .proto = WLBS_PROTO_TCP};
	hs_set_rules(&hs, &t);
	assert_int_equal(hs_rule_flags(&hs, 0), WLBS_RULE_F_DRAIN);
	assert_int_equal(hs_rule_flags(&hs, 1), 0); /* 80-81 is a new rule */
}

static void test_fp_state_of_each_state(void **state)
{
	static const enum wlbs_fp_state want[] = {WLBS_FP_STOPPED,  WLBS_FP_RUNNING,
						  WLBS_FP_RUNNING,  WLBS_FP_RUNNING,
						  WLBS_FP_DRAINING, WLBS_FP_STOPPED};
	struct hs hs;

	(void)state;
	for (int s = S_STOPPED; s <= S_SUSPENDED; s++) {
		setup_state(&hs, s);
		assert_int_equal(hs_fp_state(&hs), want[s]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_matrix_is_complete),
	    cmocka_unit_test(test_every_command_in_every_state),
	    cmocka_unit_test(test_q247712_drainstop_query_drainstop_stop),
	    cmocka_unit_test(test_q247712_suspend_stop_drainstop_query),
	    cmocka_unit_test(test_drain_completion_then_query_stopped),
	    cmocka_unit_test(test_drainstop_with_zero_held_waits_for_count),
	    cmocka_unit_test(test_convergence_events),
	    cmocka_unit_test(test_query_names_why_a_host_is_out_of_a_view),
	    cmocka_unit_test(test_state_source_flag),
	    cmocka_unit_test(test_persisted_state_restores),
	    cmocka_unit_test(test_rule_targets),
	    cmocka_unit_test(test_rule_answer_names_v6_and_unnamed),
	    cmocka_unit_test(test_reload_keeps_flags_of_same_rules),
	    cmocka_unit_test(test_fp_state_of_each_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
