// SPDX-License-Identifier: GPL-2.0
/*
 * ARP and IPv6 neighbour discovery for cluster IPs (bpfspec 10, 11): exactly the
 * default host answers with the cluster MAC, the others drop so their kernels
 * never answer with their own MAC.
 */
#include <arpa/inet.h>
#include <string.h>

#include "harness.h"

#define REQ_IP	 "192.0.2.50"
#define REQ_IP6	 "2001:db8:1::50"
#define NDISC_NA 136 /* ICMPv6 neighbour advertisement */

static const uint8_t req_mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};

/* The reply the default host must send, built independently from the spec. */
static void expected_arp_reply(struct frame *want, const char *vip)
{
	assert_int_equal(frame_arp(want, 2, h_cfg()->cluster_mac, vip, req_mac, REQ_IP), 0);
	memcpy(want->b, req_mac, 6);
	memcpy(want->b + 6, h_cfg()->src_mac, 6);
}

static void test_arp_reply(void **state)
{
	const char *vips[] = {H_VIP4, H_VIP4B};
	struct frame req, want;
	struct h_result r;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		h_reset();
		assert_int_equal(frame_arp(&req, 1, req_mac, REQ_IP, NULL, vips[i]), 0);
		h_expect(&req, XDP_TX, WLBS_STATS_NO_RULE, WLBS_R_ARP_REPLY, &r);
		expected_arp_reply(&want, vips[i]);
		assert_int_equal(r.len, want.len);
		assert_memory_equal(r.out, want.b, want.len);
		/* Draining, or its wlbsd gone: default no more, another host answers. */
		h_cfg()->state = WLBS_FP_DRAINING;
		h_expect(&req, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_ARP_DROP, NULL);
		h_cfg()->state = WLBS_FP_RUNNING;
		h_cfg()->alive_deadline = h_jiffies() - 1;
		h_expect(&req, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_ARP_DROP, NULL);
		h_cfg()->alive_deadline = 0;
		h_expect(&req, XDP_TX, WLBS_STATS_NO_RULE, WLBS_R_ARP_REPLY, NULL);
	}
}

static void test_arp_others_drop(void **state)
{
	struct frame req;

	(void)state;
	h_reset();
	assert_int_equal(frame_arp(&req, 1, req_mac, REQ_IP, NULL, H_VIP4), 0);
	h_set_host(2);
	h_expect(&req, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_ARP_DROP, NULL);
	h_set_host(1);
	h_cfg()->state = WLBS_FP_STOPPED; /* a stopped default host does not answer */
	h_expect(&req, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_ARP_DROP, NULL);
	h_cfg()->state = WLBS_FP_RUNNING;
	h_cfg()->default_host = 0;
	h_expect(&req, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_ARP_DROP, NULL);
}

/*
 * ARP not for a cluster IP is the kernel's business; ARP replies to a cluster
 * IP answer a host that asked from it: every host gets them, the asker uses it.
 */
static void test_arp_other_passes(void **state)
{
	struct frame f;
	int h;

	(void)state;
	h_reset();
	assert_int_equal(frame_arp(&f, 1, req_mac, REQ_IP, NULL, "10.0.0.99"), 0);
	h_expect(&f, XDP_PASS, -1, WLBS_R_NOT_CLUSTER, NULL);
	assert_int_equal(frame_arp(&f, 2, req_mac, REQ_IP, frame_client_mac, H_VIP4), 0);
	for (h = 1; h <= 3; h++) {
		h_set_host((uint8_t)h);
		h_expect(&f, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_NEIGH_PASS, NULL);
	}
	h_set_host(1);
	/* Gratuitous ARP from another box claiming the cluster IP: not a request to us. */
	assert_int_equal(frame_arp(&f, 2, req_mac, H_VIP4, NULL, H_VIP4), 0);
	h_expect(&f, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_NEIGH_PASS, NULL);
	/* A cluster IP of the idle generation is not a cluster IP. */
	h_tables(0)->n_vips = 0;
	assert_int_equal(frame_arp(&f, 1, req_mac, REQ_IP, NULL, H_VIP4), 0);
	h_expect(&f, XDP_PASS, -1, WLBS_R_NOT_CLUSTER, NULL);
}

/* Checks @r is the NA for @ns (spec 11), checksum recomputed here. */
static void check_na(const struct frame *ns, const struct h_result *r, const char *src,
		     const char *target, int dad)
{
	const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	uint8_t s[16], t[16];
	const uint8_t *o = r->out, *ip = o + 14, *icmp = ip + 40;
	size_t plen, off;
	int found = 0;

	assert_int_equal(inet_pton(AF_INET6, src, s), 1);
	assert_int_equal(inet_pton(AF_INET6, target, t), 1);
	assert_true(r->len >= 14 + 40 + 32);
	/* To the soliciting MAC; for DAD the all-nodes group MAC, matching ff02::1. */
	assert_memory_equal(o, dad ? all_nodes_mac : ns->b + 6, 6);
	assert_memory_equal(o + 6, h_cfg()->src_mac, 6);
	assert_int_equal(o[12] << 8 | o[13], 0x86dd);
	assert_int_equal(ip[0] >> 4, 6);
	plen = (size_t)(ip[4] << 8 | ip[5]);
	assert_true(plen >= 32 && 14 + 40 + plen <= r->len);
	assert_int_equal(ip[6], IPPROTO_ICMPV6);
	assert_int_equal(ip[7], 255);
	assert_memory_equal(ip + 8, t, 16);
	assert_memory_equal(ip + 24, dad ? all_nodes : s, 16);
	assert_int_equal(icmp[0], 136);
	assert_int_equal(icmp[1], 0);
	assert_int_equal(icmp[4], dad ? 0x20 : 0x60); /* Override, Solicited unless DAD */
	assert_int_equal(icmp[5] | icmp[6] | icmp[7], 0);
	assert_memory_equal(icmp + 8, t, 16);
	for (off = 24; off + 8 <= plen && icmp[off + 1]; off += icmp[off + 1] * 8u)
		if (icmp[off] == 2 && icmp[off + 1] == 1 &&
		    !memcmp(icmp + off + 2, h_cfg()->cluster_mac, 6))
			found = 1;
	assert_true(found);
	assert_int_equal(
	    frame_csum(icmp, plen,
		       frame_pseudo_sum(1, ip + 8, ip + 24, IPPROTO_ICMPV6, (uint32_t)plen)),
	    0);
}

static void test_ns_reply(void **state)
{
	const char *targets[] = {H_VIP6, H_VIP6B};
	struct h_result r;
	struct frame ns;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		h_reset();
		assert_int_equal(frame_ns(&ns, req_mac, REQ_IP6, targets[i]), 0);
		h_expect(&ns, XDP_TX, WLBS_STATS_NO_RULE, WLBS_R_ND_REPLY, &r);
		check_na(&ns, &r, REQ_IP6, targets[i], 0);
		/* Duplicate address detection: from ::, answered to all nodes. */
		assert_int_equal(frame_ns(&ns, req_mac, "::", targets[i]), 0);
		h_expect(&ns, XDP_TX, WLBS_STATS_NO_RULE, WLBS_R_ND_REPLY, &r);
		check_na(&ns, &r, "::", targets[i], 1);
	}
}

static void test_ns_others_drop(void **state)
{
	struct frame ns;

	(void)state;
	h_reset();
	assert_int_equal(frame_ns(&ns, req_mac, REQ_IP6, H_VIP6), 0);
	h_set_host(4);
	h_expect(&ns, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_ND_DROP, NULL);
	h_set_host(1);
	h_cfg()->state = WLBS_FP_STOPPED;
	h_expect(&ns, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_ND_DROP, NULL);
	/* A solicitation for another address is the kernel's. */
	h_cfg()->state = WLBS_FP_RUNNING;
	assert_int_equal(frame_ns(&ns, req_mac, REQ_IP6, "2001:db8::99"), 0);
	h_expect(&ns, XDP_PASS, -1, WLBS_R_NOT_CLUSTER, NULL);
}

/*
 * A host (owner of a client's bucket, not the default host) solicits the
 * client's MAC from the cluster IP it answers from; the client's NA comes back
 * to the cluster IP and the cluster MAC. Every host that is up takes it, so
 * the one that asked completes its neighbour entry.
 */
static void test_na_to_cluster_ip_every_host(void **state)
{
	uint8_t vip[16];
	struct frame na;
	int h, who;

	(void)state;
	h_reset();
	h_cfg()->default_host = 2;
	assert_int_equal(frame_ns(&na, req_mac, REQ_IP6, REQ_IP6), 0);
	na.b[na.l4] = NDISC_NA;
	assert_int_equal(inet_pton(AF_INET6, H_VIP6, vip), 1);
	memcpy(na.b + na.l3 + 24, vip, 16);
	assert_int_equal(h_acceptors(&na, na.len, 3, &who), 3);
	for (h = 1; h <= 3; h++) {
		h_set_host((uint8_t)h);
		h_expect(&na, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_NEIGH_PASS, NULL);
	}
	/* Its wlbsd gone or draining: still its own neighbour entries to complete. */
	h_cfg()->alive_deadline = h_jiffies() - 1;
	h_cfg()->state = WLBS_FP_DRAINING;
	h_expect(&na, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_NEIGH_PASS, NULL);
}

/* The default host with its wlbsd gone or draining answers no solicitation. */
static void test_ns_default_fails_closed(void **state)
{
	struct frame ns;

	(void)state;
	h_reset();
	assert_int_equal(frame_ns(&ns, req_mac, REQ_IP6, H_VIP6), 0);
	h_cfg()->alive_deadline = h_jiffies() - 1;
	h_expect(&ns, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_ND_DROP, NULL);
	h_cfg()->alive_deadline = h_jiffies() + 100000;
	h_expect(&ns, XDP_TX, WLBS_STATS_NO_RULE, WLBS_R_ND_REPLY, NULL);
	h_cfg()->state = WLBS_FP_DRAINING;
	h_expect(&ns, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_ND_DROP, NULL);
}

static const struct CMUnitTest neigh_tests[] = {
    cmocka_unit_test(test_na_to_cluster_ip_every_host),
    cmocka_unit_test(test_ns_default_fails_closed),
    cmocka_unit_test(test_arp_reply),
    cmocka_unit_test(test_arp_others_drop),
    cmocka_unit_test(test_arp_other_passes),
    cmocka_unit_test(test_ns_reply),
    cmocka_unit_test(test_ns_others_drop),
};

H_GROUP(h_group_neigh, neigh_tests);
