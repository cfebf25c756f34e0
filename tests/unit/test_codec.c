// SPDX-License-Identifier: GPL-2.0
/*
 * Control codec: round trips, the documented byte layout, and strict
 * rejection of every kind of bad message (never a crash, never a partly
 * filled result).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../lib/ctl_codec.c"

static struct wlbs_ctl_request sample_req(void)
{
	struct wlbs_ctl_request r = {.id = 0xdeadbeef,
				     .command = WLBS_CMD_DRAIN,
				     .target = WLBS_CTL_TGT_PORT | WLBS_CTL_TGT_VIP,
				     .port = 8080,
				     .host = 3};

	r.vip[10] = r.vip[11] = 0xff;
	r.vip[12] = 10, r.vip[15] = 7;
	return r;
}

static void sample_resp(struct wlbs_ctl_response *r)
{
	memset(r, 0, sizeof(*r));
	r->id = 0x01020304;
	r->command = WLBS_CMD_QUERY;
	r->flags = WLBS_CTL_F_DEFAULT | WLBS_CTL_F_CONVERGED;
	r->status = WLBS_DEFAULT;
	r->host = 2;
	r->state = WLBS_HS_CONVERGED;
	r->cause = WLBS_CAUSE_MEMBER_LOST;
	r->members = 0x8000000000000007ull;
	r->held = 42;
	ctl_resp_text(r, "Host 2 converged as DEFAULT with the following host(s) as part of the "
			 "cluster: 1, 2, 3, 64");
}

static void test_request_round_trip_and_layout(void **state)
{
	struct wlbs_ctl_request in = sample_req(), out;
	uint8_t buf[64];
	static const uint8_t head[20] = {'W',  'L',  'B', 'C', 1, 1, 0,	   40,	 0xde, 0xad,
					 0xbe, 0xef, 0,	  9,   0, 6, 0x1f, 0x90, 3,    0};

	(void)state;
	assert_int_equal(ctl_encode_request(&in, buf, sizeof(buf)), 40);
	/* Offsets and byte order as documented in control.h and docs/control.md. */
	assert_memory_equal(buf, head, sizeof(head));
	assert_memory_equal(buf + 20, in.vip, 16);
	assert_int_equal(ctl_decode_request(buf, 40, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));
	assert_int_equal(ctl_msg_len(buf, 40), 40);
	assert_int_equal(ctl_encode_request(&in, buf, 39), -ENOSPC);
}

static void test_response_round_trip_and_layout(void **state)
{
	struct wlbs_ctl_response in, out;
	uint8_t buf[WLBS_CTL_MSG_MAX];
	int n;

	(void)state;
	sample_resp(&in);
	n = ctl_encode_response(&in, buf, sizeof(buf));
	assert_int_equal(n, 64 + in.text_len);
	assert_int_equal(buf[5], WLBS_CTL_TYPE_RESPONSE);
	assert_int_equal(buf[6] << 8 | buf[7], n);
	assert_int_equal(buf[16] << 8 | buf[17], 0); /* status, big-endian u32 */
	assert_int_equal(buf[18] << 8 | buf[19], WLBS_DEFAULT);
	assert_int_equal(buf[20], 2);
	assert_int_equal(buf[24], 0x80);
	assert_int_equal(buf[31], 0x07);
	assert_int_equal(buf[39], 42);
	assert_memory_equal(buf + 64, in.text, in.text_len);
	assert_int_equal(ctl_decode_response(buf, (size_t)n, &out), 0);
	assert_memory_equal(&in, &out, offsetof(struct wlbs_ctl_response, text));
	assert_string_equal(in.text, out.text);
	assert_int_equal(ctl_encode_response(&in, buf, 64), -ENOSPC);
}

static void test_longest_text_fits_and_longer_is_cut(void **state)
{
	struct wlbs_ctl_response in, out;
	uint8_t buf[WLBS_CTL_MSG_MAX];
	char big[WLBS_CTL_TEXT_MAX + 10];

	(void)state;
	sample_resp(&in);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ctl_resp_text(&in, "%s", big), -E2BIG);
	assert_int_equal(in.text_len, WLBS_CTL_TEXT_MAX);
	assert_int_equal(strlen(in.text), WLBS_CTL_TEXT_MAX);
	assert_int_equal(ctl_resp_append(&in, "more"), -E2BIG);
	assert_int_equal(ctl_encode_response(&in, buf, sizeof(buf)), (int)WLBS_CTL_MSG_MAX);
	assert_int_equal(ctl_decode_response(buf, WLBS_CTL_MSG_MAX, &out), 0);
	assert_int_equal(out.text_len, WLBS_CTL_TEXT_MAX);

	ctl_resp_text(&in, "a");
	assert_int_equal(ctl_resp_append(&in, "%s=%d", "b", 2), 0);
	assert_string_equal(in.text, "ab=2");
	assert_int_equal(in.text_len, 4);
}

static void test_bad_requests_rejected(void **state)
{
	struct wlbs_ctl_request good = sample_req(), out;
	uint8_t buf[64], bad[64];

	(void)state;
	ctl_encode_request(&good, buf, sizeof(buf));
	memset(&out, 0x5a, sizeof(out));

	/* Truncated at every length, and too long. */
	for (size_t n = 0; n < 40; n++)
		assert_int_equal(ctl_decode_request(buf, n, &out), -EBADMSG);
	assert_int_equal(ctl_decode_request(buf, 41, &out), -EBADMSG);

#define MUTATE(off, val, err)                                                                      \
	do {                                                                                       \
		memcpy(bad, buf, 40);                                                              \
		bad[off] = (val);                                                                  \
		assert_int_equal(ctl_decode_request(bad, 40, &out), err);                          \
	} while (0)
	MUTATE(0, 'X', -EBADMSG);	/* magic */
	MUTATE(4, 2, -EPROTONOSUPPORT); /* version */
	MUTATE(4, 0, -EPROTONOSUPPORT);
	MUTATE(5, WLBS_CTL_TYPE_RESPONSE, -EBADMSG);
	MUTATE(5, 0, -EBADMSG);
	MUTATE(7, 41, -EBADMSG);    /* declared length */
	MUTATE(13, 0, -EOPNOTSUPP); /* command 0 */
	MUTATE(13, WLBS_CMD_MAX, -EOPNOTSUPP);
	MUTATE(12, 1, -EOPNOTSUPP);		       /* command 265 */
	MUTATE(15, 0, -EBADMSG);		       /* drain with no target */
	MUTATE(15, 0x8 | WLBS_CTL_TGT_PORT, -EBADMSG); /* unknown target bit */
	MUTATE(15, WLBS_CTL_TGT_PORT | WLBS_CTL_TGT_ALLPORTS, -EBADMSG);
	MUTATE(15, WLBS_CTL_TGT_ALLPORTS | WLBS_CTL_TGT_VIP, -EBADMSG); /* port set but unused */
	MUTATE(15, WLBS_CTL_TGT_PORT, -EBADMSG);			/* vip set but unused */
	MUTATE(18, WLBS_MAX_HOSTS + 1, -EBADMSG);			/* host */
	MUTATE(19, 1, -EBADMSG);					/* padding */
	MUTATE(39, 1, -EBADMSG);					/* reserved */
#undef MUTATE
	/* A rejected message leaves the output untouched. */
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(((uint8_t *)&out)[i], 0x5a);
}

static void test_targets_fit_commands(void **state)
{
	struct wlbs_ctl_request r = {.command = WLBS_CMD_QUERY};
	uint8_t buf[64];

	(void)state;
	assert_int_equal(ctl_request_check(&r), 0);
	r.target = WLBS_CTL_TGT_ALLPORTS;
	assert_int_equal(ctl_request_check(&r), -EBADMSG); /* query takes no target */
	assert_int_equal(ctl_encode_request(&r, buf, sizeof(buf)), -EINVAL);
	r.command = WLBS_CMD_ENABLE;
	assert_int_equal(ctl_request_check(&r), 0);
	r.command = WLBS_CMD_QUERYPORT;
	assert_int_equal(ctl_request_check(&r), -EBADMSG); /* queryport needs a port */
	r.target = WLBS_CTL_TGT_PORT;
	r.port = 0;
	assert_int_equal(ctl_request_check(&r), 0);
	r.target |= WLBS_CTL_TGT_VIP; /* VIP flag with an all-zero address */
	assert_int_equal(ctl_request_check(&r), -EBADMSG);
}

static void test_bad_responses_rejected(void **state)
{
	struct wlbs_ctl_response in, out;
	uint8_t buf[WLBS_CTL_MSG_MAX], bad[WLBS_CTL_MSG_MAX];
	int n;

	(void)state;
	sample_resp(&in);
	n = ctl_encode_response(&in, buf, sizeof(buf));
	for (int len = 0; len < n; len++)
		assert_int_equal(ctl_decode_response(buf, (size_t)len, &out), -EBADMSG);

#define MUTATE(off, val, err)                                                                      \
	do {                                                                                       \
		memcpy(bad, buf, (size_t)n);                                                       \
		bad[off] = (val);                                                                  \
		assert_int_equal(ctl_decode_response(bad, (size_t)n, &out), err);                  \
	} while (0)
	MUTATE(3, 0, -EBADMSG);
	MUTATE(4, 9, -EPROTONOSUPPORT);
	MUTATE(5, WLBS_CTL_TYPE_REQUEST, -EBADMSG);
	MUTATE(13, WLBS_CMD_MAX, -EBADMSG); /* command */
	MUTATE(15, 0x8, -EBADMSG);	    /* unknown flag */
	MUTATE(15, 0x7, 0);		    /* WLBS_CTL_F_STATE_PERSISTED is known */
	MUTATE(19, 0x01, -EBADMSG);	    /* status 769 is no WLBS code */
	MUTATE(20, 65, -EBADMSG);	    /* host */
	MUTATE(21, WLBS_HS_MAX, -EBADMSG);
	MUTATE(22, WLBS_CAUSE_MAX, -EBADMSG);
	MUTATE(23, WLBS_RS_MAX, -EBADMSG);
	MUTATE(57, (uint8_t)(buf[57] + 1), -EBADMSG); /* text_len disagrees with length */
	MUTATE(60, 1, -EBADMSG);		      /* padding */
	MUTATE(70, 0, -EBADMSG);		      /* NUL inside the text */
#undef MUTATE
	/* text_len beyond the maximum, lengths consistent. */
	memset(bad, 'y', sizeof(bad));
	memcpy(bad, buf, 64);
	bad[56] = 0x0f, bad[57] = 0xa1; /* 4001 */
	bad[6] = (64 + 4001) >> 8, bad[7] = (64 + 4001) & 0xff;
	assert_int_equal(ctl_decode_response(bad, 64 + 4001, &out), -EBADMSG);
	assert_int_equal(ctl_msg_len(bad, sizeof(bad)), -EBADMSG);
}

static void test_msg_len_splits_appended_data(void **state)
{
	struct wlbs_ctl_request r = sample_req();
	uint8_t buf[128];
	uint32_t id;

	(void)state;
	ctl_encode_request(&r, buf, sizeof(buf));
	memset(buf + 40, 0xaa, 32); /* e.g. an authenticator appended by the remote layer */
	assert_int_equal(ctl_msg_len(buf, 72), 40);
	assert_int_equal(ctl_decode_request(buf, 72, &r), -EBADMSG);
	assert_int_equal(ctl_msg_len(buf, 39), -EBADMSG);
	assert_int_equal(ctl_msg_len(buf, 11), -EBADMSG);
	assert_int_equal(ctl_peek_id(buf, 12, &id), 0);
	assert_int_equal(id, 0xdeadbeef);
	buf[0] = 0;
	assert_int_equal(ctl_peek_id(buf, 12, &id), -EBADMSG);
}

/* Random bytes and bit flips of valid messages: decoders only ever accept or reject. */
static void test_garbage_never_crashes(void **state)
{
	struct wlbs_ctl_request req = sample_req(), rq;
	struct wlbs_ctl_response resp, rs;
	uint8_t good_rq[64], good_rs[WLBS_CTL_MSG_MAX], buf[WLBS_CTL_MSG_MAX];
	int nq, ns, accepted = 0;

	(void)state;
	srand(1);
	sample_resp(&resp);
	nq = ctl_encode_request(&req, good_rq, sizeof(good_rq));
	ns = ctl_encode_response(&resp, good_rs, sizeof(good_rs));
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)rand() % sizeof(buf);

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rand();
		if (i & 1) {
			memcpy(buf, good_rq, (size_t)nq);
			buf[rand() % nq] ^= (uint8_t)(1u << (rand() % 8));
			len = (size_t)nq;
		}
		accepted += ctl_decode_request(buf, len, &rq) == 0;
		if (i & 2) {
			memcpy(buf, good_rs, (size_t)ns);
			buf[rand() % ns] ^= (uint8_t)(1u << (rand() % 8));
			len = (size_t)ns;
		}
		if (ctl_decode_response(buf, len, &rs) == 0) {
			accepted++;
			assert_int_equal(strlen(rs.text), rs.text_len);
		}
		(void)ctl_msg_len(buf, len);
	}
	/* Some flips hit free fields (id, port, text): those decode, the rest do not. */
	assert_true(accepted > 0 && accepted < 20000);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(wlbs_status_name(WLBS_OK), "WLBS_OK");
	assert_string_equal(wlbs_status_name(1152), "WLBS_MAX_PORT_RULES");
	assert_string_equal(wlbs_status_name(1013), "WLBS_SUSPENDED");
	assert_null(wlbs_status_name(1010));
	assert_int_equal(wlbs_status_from_name("WLBS_DRAIN_STOP"), 1002);
	assert_int_equal(wlbs_status_from_name("bad_passw"), 1101);
	assert_int_equal(wlbs_status_from_name("WLBS_NOPE"), -EINVAL);
	assert_int_equal(wlbs_status_from_name(NULL), -EINVAL);
	for (int c = 1; c < WLBS_CMD_MAX; c++)
		assert_int_equal(ctl_cmd_from_name(ctl_cmd_name(c)), c);
	assert_int_equal(ctl_cmd_from_name("Query"), -EINVAL);
	assert_null(ctl_cmd_name(0));
	assert_null(ctl_cmd_name(WLBS_CMD_MAX));
	assert_null(ctl_cmd_name(-1));
	assert_string_equal(ctl_state_name(WLBS_HS_DRAINING), "draining");
	assert_string_equal(ctl_cause_name(WLBS_CAUSE_DUP_ID), "duplicate host priority");
	assert_string_equal(ctl_rule_state_name(WLBS_RS_DRAINING), "draining");
	assert_null(ctl_state_name(WLBS_HS_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_round_trip_and_layout),
	    cmocka_unit_test(test_response_round_trip_and_layout),
	    cmocka_unit_test(test_longest_text_fits_and_longer_is_cut),
	    cmocka_unit_test(test_bad_requests_rejected),
	    cmocka_unit_test(test_targets_fit_commands),
	    cmocka_unit_test(test_bad_responses_rejected),
	    cmocka_unit_test(test_msg_len_splits_appended_data),
	    cmocka_unit_test(test_garbage_never_crashes),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
