// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors about a cluster flow (bpfspec 9) go to the host of the flow they
 * quote, classified as a non-SYN packet of it; a quote too short is dropped.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define HOSTS	4
#define ROUTER4 "192.0.2.1"
#define ROUTER6 "2001:db8:ff::1"

/*
 * An ICMP(v6) error from a router to the cluster IP @vip quoting @qlen bytes
 * (from its IP header; 0 = IP header + 8) of the cluster's reply vip:vport ->
 * client:cport. @flow gets the client's flow (client -> vip) for the model.
 */
static void icmp_error(struct frame *f, struct pkt *flow, int v6, uint8_t type, uint8_t code,
		       const char *client, const char *vip, uint8_t proto, uint16_t cport,
		       uint16_t vport, size_t qlen)
{
	struct frame quoted;
	struct pkt q, p;

	h_flow(&quoted, &q, v6, vip, client, proto, vport, cport, TCPF_SYN | TCPF_ACK);
	if (!qlen)
		qlen = (v6 ? 40 : 20) + 8;
	assert_true(quoted.l3 + qlen <= quoted.len);
	assert_int_equal(
	    pkt_init(&p, v6, v6 ? ROUTER6 : ROUTER4, vip, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, 0, 0),
	    0);
	p.icmp_type = type;
	p.icmp_code = code;
	p.quote = quoted.b + quoted.l3;
	p.quote_len = qlen;
	assert_int_equal(frame_build(f, &p), 0);
	if (flow)
		assert_int_equal(pkt_init(flow, v6, client, vip, proto, cport, vport), 0);
}

static int want_host(const struct pkt *flow)
{
	int rule = model_rule(model_vip(flow->v6, flow->dst), flow->proto, flow->dport);

	return rule < 0 ? h_cfg()->default_host : *h_flow_owner(flow, (uint32_t)rule);
}

/* Errors of every quoting type reach exactly the host of the quoted flow. */
static void test_icmp_error_follows_flow(void **state)
{
	static const uint8_t types4[] = {3, 4, 11, 12}, types6[] = {1, 2, 3, 4};
	static const uint16_t ports[] = {80, 443, 53, 1500, 9999};
	uint64_t rng = h_rng_init(20);
	uint32_t rule, b;
	struct frame f;
	struct pkt flow;
	char client[64];
	int i, who;

	(void)state;
	h_reset();
	h_cfg()->default_host = 2;
	for (rule = 0; rule < H_N_RULES; rule++)
		for (b = 0; b < WLBS_BUCKETS; b++)
			*h_owner(0, rule, b) = (uint8_t)(1 + h_rand(&rng) % HOSTS);
	for (i = 0; i < 400; i++) {
		uint64_t r = h_rand(&rng);
		int v6 = r & 1;
		uint16_t port = ports[(r >> 1) % 5];
		uint8_t proto =
		    port == 53 || (port != 80 && (r & 0x10)) ? IPPROTO_UDP : IPPROTO_TCP;

		if (v6)
			snprintf(client, sizeof(client), "2001:db8:%x::%x",
				 (unsigned)(r >> 16) & 0xffff, (unsigned)(r >> 32) & 0xffff);
		else
			snprintf(client, sizeof(client), "198.19.%u.%u", (unsigned)(r >> 16) & 0xff,
				 (unsigned)(r >> 24) & 0xff);
		icmp_error(&f, &flow, v6, v6 ? types6[(r >> 8) % 4] : types4[(r >> 8) % 4],
			   (uint8_t)(r >> 12) % 4, client, v6 ? H_VIP6 : H_VIP4, proto,
			   (uint16_t)(1024 + (r >> 40) % 60000), port,
			   (r & 0x20) ? 0 : (v6 ? 40 : 20) + (proto == IPPROTO_TCP ? 20 : 8));
		assert_int_equal(h_acceptors(&f, f.len, HOSTS, &who), 1);
		assert_int_equal(who, want_host(&flow));
	}
}

/* The error counts as a non-SYN packet: a dirty bucket without a socket drops it. */
static void test_icmp_error_dirty(void **state)
{
	struct frame f;
	struct pkt flow;

	(void)state;
	h_reset();
	icmp_error(&f, &flow, 0, 3, 4, "198.19.1.1", H_VIP4, IPPROTO_TCP, 33000, 80, 0);
	h_expect(&f, XDP_PASS, H_R_WEB4, WLBS_R_OWNED, NULL);
	*h_flow_flags(&flow, H_R_WEB4) = WLBS_BUCKET_F_DIRTY;
	h_expect(&f, XDP_DROP, H_R_WEB4, WLBS_R_DIRTY, NULL);
	*h_flow_flags(&flow, H_R_WEB4) = 0;
	*h_flow_owner(&flow, H_R_WEB4) = 2;
	h_expect(&f, XDP_DROP, H_R_WEB4, WLBS_R_NOT_OWNER, NULL);
}

/* A quote that does not reach the ports cannot be classified. */
static void test_icmp_short_quote(void **state)
{
	struct frame f;
	int v6;

	(void)state;
	h_reset();
	for (v6 = 0; v6 < 2; v6++) {
		const char *c = v6 ? "2001:db8:7::7" : "198.19.7.7", *vip = v6 ? H_VIP6 : H_VIP4;
		size_t ip = v6 ? 40 : 20;

		icmp_error(&f, NULL, v6, v6 ? 2 : 3, 4, c, vip, IPPROTO_TCP, 33000, 80, ip);
		h_expect(&f, XDP_DROP, -1, WLBS_R_MALFORMED, NULL);
		icmp_error(&f, NULL, v6, v6 ? 2 : 3, 4, c, vip, IPPROTO_TCP, 33000, 80, ip + 2);
		h_expect(&f, XDP_DROP, -1, WLBS_R_MALFORMED, NULL);
		icmp_error(&f, NULL, v6, v6 ? 1 : 11, 0, c, vip, IPPROTO_UDP, 33000, 1234, 10);
		h_expect(&f, XDP_DROP, -1, WLBS_R_MALFORMED, NULL);
		icmp_error(&f, NULL, v6, v6 ? 2 : 3, 4, c, vip, IPPROTO_TCP, 33000, 80, ip + 8);
		h_expect(&f, XDP_PASS, v6 ? H_R_WEB : H_R_WEB4, WLBS_R_OWNED, NULL);
	}
}

/* Informational ICMP (echo) is not an error: no rule covers it, the default host's. */
static void test_icmp_echo_default(void **state)
{
	struct frame f;

	(void)state;
	h_reset();
	h_flow(&f, NULL, 0, "198.19.8.8", H_VIP4, IPPROTO_ICMP, 0, 0, 0);
	h_expect(&f, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_DEFAULT, NULL);
	h_set_host(3);
	h_expect(&f, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
	h_flow(&f, NULL, 1, "2001:db8:8::8", H_VIP6, IPPROTO_ICMPV6, 0, 0, 0);
	h_expect(&f, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
}

static const struct CMUnitTest icmp_tests[] = {
    cmocka_unit_test(test_icmp_error_follows_flow),
    cmocka_unit_test(test_icmp_error_dirty),
    cmocka_unit_test(test_icmp_short_quote),
    cmocka_unit_test(test_icmp_echo_default),
};

H_GROUP(h_group_icmp, icmp_tests);
