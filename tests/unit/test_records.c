// SPDX-License-Identifier: GPL-2.0
/*
 * Control answer records (lib/ctl_records.c) and their paging and rendering
 * (cli/answer.c, text.c, json.c, metrics.c): every kind round-trips in
 * network byte order, the decoder refuses what is not a record, a long answer
 * (32 rules, 64 events of long text) comes back whole over several pages and
 * is rendered without a cut.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../../cli/answer.h"
#include "../../cli/cli.h"
#include "../../cli/render.h"
#include "ctl_codec.h"
#include "ctl_records.h"
#include "wlbs/common.h"

#define N_RULES	 32
#define N_EVENTS 64

static struct wlbs_rec make_rule(int i)
{
	struct wlbs_rec r = {.kind = WLBS_REC_RULE};

	snprintf(r.u.rule.name, sizeof(r.u.rule.name), "rule-%02d", i);
	r.u.rule.vip[10] = r.u.rule.vip[11] = 0xff;
	r.u.rule.vip[12] = 10, r.u.rule.vip[15] = (uint8_t)i;
	r.u.rule.vip_v4 = 1;
	r.u.rule.held = -3 + i;
	r.u.rule.port_lo = (uint16_t)(1000 + i);
	r.u.rule.port_hi = (uint16_t)(1000 + i);
	r.u.rule.slot = (uint8_t)i;
	r.u.rule.proto = WLBS_PROTO_TCP;
	r.u.rule.rule_state = WLBS_RS_ENABLED;
	return r;
}

/* A check record: "web" healthy, or "db" failing and kept serving rule 2 by min_serving. */
static struct wlbs_rec make_check(bool failing)
{
	struct wlbs_rec r = {.kind = WLBS_REC_CHECK};
	struct wlbs_rec_check *c = &r.u.check;

	strcpy(c->name, failing ? "db" : "web");
	c->type = 1;
	c->in_state_ms = failing ? 2000 : 12500;
	c->transitions = failing ? 3 : 1;
	c->last_ms = failing ? 7 : -1;
	c->fails = failing ? 4 : 0;
	c->successes = failing ? 0 : 9;
	c->rules = failing ? 0x3 : 0x1;
	c->serving = failing ? 0x2 : 0;
	c->min_serving = 1;
	c->flags = failing ? WLBS_CHKF_RAN | WLBS_CHKF_SERVING : WLBS_CHKF_RAN | WLBS_CHKF_HEALTHY;
	if (failing)
		strcpy(c->last_error, "connect: Connection refused");
	return r;
}

static struct wlbs_rec make_event(int i)
{
	struct wlbs_rec r = {.kind = WLBS_REC_EVENT};

	r.u.event.seq = (uint64_t)i + 1;
	r.u.event.when = 1700000000 + i;
	r.u.event.kind = 5;
	r.u.event.prio = 6;
	/* The longest text a record holds, different for each event. */
	memset(r.u.event.text, 'a' + i % 26, sizeof(r.u.event.text) - 1);
	snprintf(r.u.event.text, 12, "event %04d", i);
	r.u.event.text[10] = ' ';
	return r;
}

static struct wlbs_rec make_stats(void)
{
	struct wlbs_rec r = {.kind = WLBS_REC_STATS};

	r.u.stats.hb_sent = 0x0102030405060708ull;
	r.u.stats.hb_received = 7;
	r.u.stats.hb_dropped[WLBS_HB_DROP_BADAUTH] = 3;
	r.u.stats.n_hb_drops = WLBS_HB_DROP_MAX;
	r.u.stats.n_remote = 12;
	r.u.stats.remote[3] = 9;
	r.u.stats.convergences = 4;
	r.u.stats.convergence_last_us = 1500;
	r.u.stats.members = 0x3;
	r.u.stats.frag_entries = 2;
	r.u.stats.frag_max = WLBS_FRAG_ENTRIES;
	r.u.stats.flags = WLBS_STATF_REMOTE;
	return r;
}

static void test_every_kind_round_trips(void **state)
{
	struct wlbs_rec in[WLBS_REC_MAX], out;
	uint8_t buf[1024];
	uint16_t be;

	(void)state;
	memset(in, 0, sizeof(in));
	in[WLBS_REC_HOST].kind = WLBS_REC_HOST;
	strcpy(in[WLBS_REC_HOST].u.host.version, "0.1");
	in[WLBS_REC_HOST].u.host.view = 0x8000000000000001ull;
	in[WLBS_REC_HOST].u.host.held = -1;
	in[WLBS_REC_HOST].u.host.priority = 64;
	in[WLBS_REC_PARAMS].kind = WLBS_REC_PARAMS;
	in[WLBS_REC_PARAMS].u.params.heartbeat_period_ms = 100;
	in[WLBS_REC_PARAMS].u.params.detection_ms = 550;
	in[WLBS_REC_PARAMS].u.params.remote_port = 2504;
	in[WLBS_REC_ADDR].kind = WLBS_REC_ADDR;
	in[WLBS_REC_ADDR].u.addr.role = WLBS_ADDR_DEDICATED;
	in[WLBS_REC_ADDR].u.addr.prefix = 24;
	in[WLBS_REC_ADDR].u.addr.v4 = 1;
	in[WLBS_REC_RULE] = make_rule(5);
	in[WLBS_REC_PACKETS].kind = WLBS_REC_PACKETS;
	in[WLBS_REC_PACKETS].u.packets.slot = WLBS_SLOT_NO_RULE;
	in[WLBS_REC_PACKETS].u.packets.n_reasons = WLBS_R_MAX;
	in[WLBS_REC_PACKETS].u.packets.packets[WLBS_R_OWNED] = 12345678901ull;
	in[WLBS_REC_STATS] = make_stats();
	in[WLBS_REC_EVENT] = make_event(3);
	in[WLBS_REC_CONFLICT].kind = WLBS_REC_CONFLICT;
	in[WLBS_REC_CONFLICT].u.conflict.type = WLBS_CONFLICT_RULES;
	in[WLBS_REC_CONFLICT].u.conflict.host = 64;
	strcpy(in[WLBS_REC_CONFLICT].u.conflict.text,
	       "rule web (all 80-80/tcp): missing on host 64");
	in[WLBS_REC_CHECK] = make_check(false);
	for (int k = 1; k < WLBS_REC_MAX; k++) {
		int n = ctl_rec_encode(&in[k], buf, sizeof(buf));

		assert_int_equal(n, (int)ctl_rec_wire_size(k));
		assert_int_equal(ctl_rec_decode(buf, (size_t)n, &out), n);
		assert_int_equal(out.kind, k);
		assert_memory_equal(&out.u, &in[k].u, ctl_rec_wire_size(k) - 4);
		assert_int_equal(ctl_rec_encode(&in[k], buf, (size_t)n - 1), -ENOSPC);
	}
	/* Network byte order at the documented offsets: rule port_lo at 4 + 56. */
	ctl_rec_encode(&in[WLBS_REC_RULE], buf, sizeof(buf));
	memcpy(&be, buf + 4 + 56, 2);
	assert_int_equal(be16toh(be), 1005);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], WLBS_REC_RULE);
	assert_int_equal(buf[3], sizeof(struct wlbs_rec_rule));
}

static void test_bad_check_refused(void **state)
{
	struct wlbs_rec r = make_check(true), out;
	uint8_t buf[512];

	(void)state;
	r.u.check.serving = 0x8; /* serving a rule it does not guard */
	assert_int_equal(ctl_rec_encode(&r, buf, sizeof(buf)), -EINVAL);
	r = make_check(true);
	r.u.check.action = 3;
	assert_int_equal(ctl_rec_encode(&r, buf, sizeof(buf)), -EINVAL);
	r = make_check(true);
	assert_int_equal(ctl_rec_encode(&r, buf, sizeof(buf)),
			 (int)ctl_rec_wire_size(WLBS_REC_CHECK));
	memset(buf + 4 + 80, 'x', WLBS_REC_STATUS_LEN); /* last_error without its NUL */
	assert_int_equal(ctl_rec_decode(buf, ctl_rec_wire_size(WLBS_REC_CHECK), &out), -EBADMSG);
}

static void test_bad_records_refused(void **state)
{
	struct wlbs_rec r = make_rule(1), out;
	uint8_t buf[256], bad[256];
	int n;

	(void)state;
	n = ctl_rec_encode(&r, buf, sizeof(buf));
#define BAD(off, val)                                                                              \
	do {                                                                                       \
		memcpy(bad, buf, (size_t)n);                                                       \
		bad[off] = (val);                                                                  \
		assert_int_equal(ctl_rec_decode(bad, (size_t)n, &out), -EBADMSG);                  \
	} while (0)
	BAD(1, WLBS_REC_MAX);	       /* unknown kind */
	BAD(1, 0);		       /* kind 0 */
	BAD(3, (uint8_t)(buf[3] + 8)); /* size of another kind */
	memcpy(bad, buf, (size_t)n);
	memset(bad + 4, 'x', WLBS_REC_NAME_LEN); /* name without its NUL */
	assert_int_equal(ctl_rec_decode(bad, (size_t)n, &out), -EBADMSG);
	BAD(4 + 69, 1);		     /* padding */
	BAD(4 + 60, WLBS_MAX_RULES); /* slot */
	BAD(4 + 67, WLBS_RS_MAX);    /* rule state */
	BAD(4 + 61, 0);		     /* no protocol */
#undef BAD
	for (int len = 0; len < n; len++)
		assert_int_equal(ctl_rec_decode(buf, (size_t)len, &out), -EBADMSG);
	/* An invalid record is never encoded. */
	r.u.rule.port_lo = 2000;
	assert_int_equal(ctl_rec_encode(&r, buf, sizeof(buf)), -EINVAL);
}

static void test_bad_conflict_refused(void **state)
{
	struct wlbs_rec r = {.kind = WLBS_REC_CONFLICT}, out;
	uint8_t buf[1024], bad[1024];
	int n;

	(void)state;
	r.u.conflict.type = WLBS_CONFLICT_IP;
	strcpy(r.u.conflict.text, "cluster IP 10.0.0.1 claimed by another machine");
	n = ctl_rec_encode(&r, buf, sizeof(buf));
	assert_int_equal(n, 4 + 520);
	memcpy(bad, buf, (size_t)n);
	bad[4] = 3; /* no such conflict type */
	assert_int_equal(ctl_rec_decode(bad, (size_t)n, &out), -EBADMSG);
	memcpy(bad, buf, (size_t)n);
	bad[5] = 65; /* host out of range */
	assert_int_equal(ctl_rec_decode(bad, (size_t)n, &out), -EBADMSG);
	memcpy(bad, buf, (size_t)n);
	bad[6] = 1; /* padding */
	assert_int_equal(ctl_rec_decode(bad, (size_t)n, &out), -EBADMSG);
	memcpy(bad, buf, (size_t)n);
	memset(bad + 12, 'x', WLBS_REC_EVENT_TEXT); /* text without its NUL */
	assert_int_equal(ctl_rec_decode(bad, (size_t)n, &out), -EBADMSG);
}

/* The daemon's side: the whole answer into a pager, from @index. */
static void serve_page(uint16_t index, struct wlbs_ctl_response *resp)
{
	struct wlbs_ctl_request req = {.id = index, .command = WLBS_CMD_DISPLAY, .index = index};
	struct ctl_pager pg;
	struct wlbs_rec s = make_stats();

	ctl_response_init(resp, &req);
	resp->status = WLBS_OK;
	ctl_pager_init(&pg, resp, index);
	for (int i = 0; i < N_RULES; i++) {
		struct wlbs_rec r = make_rule(i);

		ctl_pager_add(&pg, &r);
	}
	ctl_pager_add(&pg, &s);
	for (int i = 0; i < N_EVENTS; i++) {
		struct wlbs_rec e = make_event(i);

		ctl_pager_add(&pg, &e);
	}
	assert_int_equal(ctl_pager_done(&pg), 0);
}

/* Every page over the wire until next is 0, as cli_answer_local does. */
static int fetch_all(struct cli_answer *ans)
{
	static struct wlbs_ctl_response page, got;
	static uint8_t wire[WLBS_CTL_MSG_MAX];
	uint16_t index = 0;
	int pages = 0;

	cli_answer_init(ans);
	do {
		int n;

		serve_page(index, &page);
		n = ctl_encode_response(&page, wire, sizeof(wire));
		assert_true(n > 0 && n <= (int)WLBS_CTL_MSG_MAX);
		assert_int_equal(ctl_decode_response(wire, (size_t)n, &got), 0);
		assert_int_equal(got.total, N_RULES + 1 + N_EVENTS);
		assert_int_equal(cli_answer_add(ans, &got, index), 0);
		index = got.next;
		pages++;
	} while (index);
	return pages;
}

static void test_long_answer_comes_whole_in_pages(void **state)
{
	struct cli_answer ans;
	int pages;

	(void)state;
	pages = fetch_all(&ans);
	assert_true(pages > 8); /* 64 events of 552 bytes cannot fit in one 4 KB message */
	assert_int_equal(ans.n, N_RULES + 1 + N_EVENTS);
	for (int i = 0; i < N_RULES; i++) {
		struct wlbs_rec r = make_rule(i);

		assert_memory_equal(&ans.recs[i].u.rule, &r.u.rule, sizeof(r.u.rule));
	}
	for (int i = 0; i < N_EVENTS; i++) {
		struct wlbs_rec e = make_event(i);

		assert_string_equal(ans.recs[N_RULES + 1 + i].u.event.text, e.u.event.text);
	}
	cli_answer_free(&ans);
}

static void test_pages_that_do_not_continue_refused(void **state)
{
	static struct wlbs_ctl_response p0, p1;
	struct cli_answer ans;

	(void)state;
	serve_page(0, &p0);
	serve_page(p0.next, &p1);
	cli_answer_init(&ans);
	assert_int_equal(cli_answer_add(&ans, &p1, p0.next), -EPROTO); /* not the first */
	assert_int_equal(cli_answer_add(&ans, &p0, 0), 0);
	p1.total++; /* the answer changed between pages */
	assert_int_equal(cli_answer_add(&ans, &p1, p0.next), -EPROTO);
	cli_answer_free(&ans);
}

static char *render(int command, bool json, const struct cli_answer *ans)
{
	struct cli_args a = {.command = command, .json = json};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cli_print_answer(f, &a, ans);
	fclose(f);
	return text;
}

static void test_rendering_cuts_nothing(void **state)
{
	struct cli_answer ans;
	json_object *o, *d, *ev;
	char *text;

	(void)state;
	fetch_all(&ans);
	text = render(WLBS_CMD_DISPLAY, false, &ans);
	for (int i = 0; i < N_EVENTS; i++) {
		struct wlbs_rec e = make_event(i);

		assert_non_null(strstr(text, e.u.event.text));
	}
	assert_non_null(strstr(text, "heartbeats dropped bad-auth=3"));
	free(text);
	text = render(WLBS_CMD_DISPLAY, true, &ans);
	o = json_tokener_parse(text);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "display", &d));
	assert_true(json_object_object_get_ex(d, "events", &ev));
	assert_int_equal(json_object_array_length(ev), N_EVENTS);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(ev, 63), "text", &d));
	assert_int_equal(json_object_get_string_len(d), WLBS_REC_EVENT_TEXT - 1);
	json_object_put(o);
	free(text);
	cli_answer_free(&ans);
}

static void test_cut_event_says_so(void **state)
{
	struct wlbs_ctl_response r = {.status = WLBS_OK, .command = WLBS_CMD_DISPLAY};
	struct wlbs_rec e = make_event(1);
	struct ctl_pager pg;
	struct cli_answer ans;
	char *text;

	(void)state;
	e.u.event.flags = WLBS_EVF_CUT;
	ctl_pager_init(&pg, &r, 0);
	ctl_pager_add(&pg, &e);
	assert_int_equal(ctl_pager_done(&pg), 0);
	cli_answer_init(&ans);
	assert_int_equal(cli_answer_add(&ans, &r, 0), 0);
	text = render(WLBS_CMD_DISPLAY, false, &ans);
	assert_non_null(strstr(text, "[cut: longer than an event record]"));
	free(text);
	cli_answer_free(&ans);
}

/* A check answer of @command: one healthy check, one failing but serving anyway. */
static void check_answer(int command, struct cli_answer *ans)
{
	struct wlbs_ctl_response r = {.status = WLBS_OK, .command = (uint16_t)command};
	struct wlbs_rec ok = make_check(false), bad = make_check(true);
	struct ctl_pager pg;

	ctl_pager_init(&pg, &r, 0);
	ctl_pager_add(&pg, &ok);
	ctl_pager_add(&pg, &bad);
	assert_int_equal(ctl_pager_done(&pg), 0);
	cli_answer_init(ans);
	assert_int_equal(cli_answer_add(ans, &r, 0), 0);
}

static void test_checks_in_text_json_and_metrics(void **state)
{
	struct cli_args a = {.command = WLBS_CMD_STATS, .openmetrics = true};
	struct cli_answer ans;
	json_object *o, *c, *v;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	check_answer(WLBS_CMD_DISPLAY, &ans);
	text = render(WLBS_CMD_DISPLAY, false, &ans);
	assert_non_null(strstr(text, "web              http healthy for 12.5 s, 1 transitions"));
	assert_non_null(strstr(text,
			       "db               http FAILING for 2.0 s, 3 transitions, "
			       "last probe 7 ms: connect: Connection refused (4 in a row); "
			       "action drain, rules 1, 2; SERVING ANYWAY rules 2 (min_serving 1)"));
	free(text);
	text = render(WLBS_CMD_QUERY, true, &ans);
	o = json_tokener_parse(text);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "checks", &c));
	assert_int_equal(json_object_array_length(c), 2);
	c = json_object_array_get_idx(c, 1);
	assert_true(json_object_object_get_ex(c, "healthy", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(c, "serving_anyway", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(c, "last_error", &v));
	assert_string_equal(json_object_get_string(v), "connect: Connection refused");
	assert_true(json_object_object_get_ex(c, "serving_rules", &v));
	assert_int_equal(json_object_get_int(json_object_array_get_idx(v, 0)), 2);
	json_object_put(o);
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	cli_print_answer(f, &a, &ans);
	fclose(f);
	assert_non_null(strstr(text, "wlbs_check_healthy{check=\"web\"} 1\n"));
	assert_non_null(strstr(text, "wlbs_check_healthy{check=\"db\"} 0\n"));
	assert_non_null(strstr(text, "wlbs_check_transitions_total{check=\"db\"} 3\n"));
	assert_non_null(strstr(text, "wlbs_check_serving_anyway{check=\"db\"} 1\n"));
	free(text);
	cli_answer_free(&ans);
}

static void test_metrics_escape_and_end(void **state)
{
	struct wlbs_ctl_response r = {.status = WLBS_OK, .command = WLBS_CMD_STATS};
	struct wlbs_rec p = {.kind = WLBS_REC_PACKETS}, s = make_stats();
	struct cli_args a = {.command = WLBS_CMD_STATS, .openmetrics = true};
	struct ctl_pager pg;
	struct cli_answer ans;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	strcpy(p.u.packets.rule, "we\"b\\x");
	p.u.packets.n_reasons = WLBS_R_MAX;
	p.u.packets.packets[WLBS_R_OWNED] = 42;
	ctl_pager_init(&pg, &r, 0);
	ctl_pager_add(&pg, &s);
	ctl_pager_add(&pg, &p);
	assert_int_equal(ctl_pager_done(&pg), 0);
	cli_answer_init(&ans);
	assert_int_equal(cli_answer_add(&ans, &r, 0), 0);
	f = open_memstream(&text, &len);
	cli_print_answer(f, &a, &ans);
	fclose(f);
	assert_non_null(
	    strstr(text, "wlbs_packets_total{rule=\"we\\\"b\\\\x\",reason=\"owned\"} 42\n"));
	assert_non_null(strstr(text, "wlbs_heartbeats_sent_total 72623859790382856\n"));
	assert_non_null(strstr(text, "wlbs_heartbeats_dropped_total{reason=\"bad-auth\"} 3\n"));
	assert_non_null(strstr(text, "wlbs_members 2\n"));
	assert_non_null(strstr(text, "wlbs_convergence_last_duration_seconds 0.001500\n"));
	assert_string_equal(text + len - 6, "# EOF\n");
	free(text);
	cli_answer_free(&ans);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_kind_round_trips),
	    cmocka_unit_test(test_bad_records_refused),
	    cmocka_unit_test(test_bad_conflict_refused),
	    cmocka_unit_test(test_long_answer_comes_whole_in_pages),
	    cmocka_unit_test(test_pages_that_do_not_continue_refused),
	    cmocka_unit_test(test_rendering_cuts_nothing),
	    cmocka_unit_test(test_cut_event_says_so),
	    cmocka_unit_test(test_metrics_escape_and_end),
	    cmocka_unit_test(test_bad_check_refused),
	    cmocka_unit_test(test_checks_in_text_json_and_metrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
