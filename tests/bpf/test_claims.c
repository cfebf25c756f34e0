// SPDX-License-Identifier: GPL-2.0
/*
 * Claims of a cluster IP by a MAC that is not the cluster's (wlbs_vip_claims):
 * an ARP (request, reply or gratuitous) from the cluster IP, or a neighbour
 * advertisement for it, naming another MAC is recorded; one naming the
 * cluster MAC (every legitimate host's) is not; the verdict never changes.
 */
#include <arpa/inet.h>
#include <string.h>

#include <bpf/bpf.h>

#include "harness.h"
#include "wlbs.skel.h"

#define NDISC_NA 136

static const uint8_t stranger[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};
static const uint8_t other_cluster[6] = {0x02, 0xbf, 0x0a, 0x00, 0x00, 0x65};

static void claims_clear(void)
{
	struct wlbs_vip_claim zero = {0};
	uint32_t i;

	for (i = 0; i < WLBS_MAX_VIPS; i++)
		assert_int_equal(
		    bpf_map_update_elem(bpf_map__fd(h_skel->maps.wlbs_vip_claims), &i, &zero, 0),
		    0);
}

static struct wlbs_vip_claim claim(uint32_t vip)
{
	struct wlbs_vip_claim c;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(h_skel->maps.wlbs_vip_claims), &vip, &c),
			 0);
	return c;
}

static void expect_none(void)
{
	uint32_t i;

	for (i = 0; i < WLBS_MAX_VIPS; i++)
		assert_int_equal(claim(i).count, 0);
}

static void expect_claim(uint32_t vip, const char *addr, const uint8_t mac[6], uint32_t count)
{
	struct wlbs_vip_claim c = claim(vip);
	struct wlbs_vip want;

	frame_vip(&want, addr);
	assert_int_equal(c.count, count);
	assert_memory_equal(c.mac, mac, 6);
	assert_memory_equal(c.addr, want.addr, 16);
	assert_true(c.last_ns > 0);
}

static void test_foreign_arp_recorded(void **state)
{
	struct frame f;

	(void)state;
	h_reset();
	claims_clear();
	/* Gratuitous ARP from another machine: passes as before, and is recorded. */
	assert_int_equal(frame_arp(&f, 2, stranger, H_VIP4, NULL, H_VIP4), 0);
	h_expect(&f, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_NEIGH_PASS, NULL);
	expect_claim(0, H_VIP4, stranger, 1);
	h_expect(&f, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_NEIGH_PASS, NULL);
	expect_claim(0, H_VIP4, stranger, 2);
	/* A request from the second cluster IP to another address, by another cluster's MAC. */
	assert_int_equal(frame_arp(&f, 1, other_cluster, H_VIP4B, NULL, "10.0.0.99"), 0);
	h_expect(&f, XDP_PASS, -1, WLBS_R_NOT_CLUSTER, NULL);
	expect_claim(2, H_VIP4B, other_cluster, 1);
	/* A request to a cluster IP from it: the default host still answers. */
	assert_int_equal(frame_arp(&f, 1, stranger, H_VIP4B, NULL, H_VIP4), 0);
	h_expect(&f, XDP_TX, WLBS_STATS_NO_RULE, WLBS_R_ARP_REPLY, NULL);
	expect_claim(2, H_VIP4B, stranger, 2);
	assert_int_equal(claim(1).count, 0);
}

static void test_legit_arp_not_recorded(void **state)
{
	struct frame f;

	(void)state;
	h_reset();
	claims_clear();
	/* A cluster host's ARP from the cluster IP: the cluster MAC (tc egress put it there). */
	assert_int_equal(frame_arp(&f, 1, frame_cluster_mac, H_VIP4, NULL, "10.0.0.99"), 0);
	h_expect(&f, XDP_PASS, -1, WLBS_R_NOT_CLUSTER, NULL);
	assert_int_equal(frame_arp(&f, 2, frame_cluster_mac, H_VIP4, NULL, H_VIP4), 0);
	h_expect(&f, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_NEIGH_PASS, NULL);
	/* A client asking for the cluster IP, and its reply to a host that asked. */
	assert_int_equal(frame_arp(&f, 1, stranger, "10.0.0.7", NULL, H_VIP4), 0);
	h_expect(&f, XDP_TX, WLBS_STATS_NO_RULE, WLBS_R_ARP_REPLY, NULL);
	assert_int_equal(frame_arp(&f, 2, stranger, "10.0.0.7", frame_cluster_mac, H_VIP4), 0);
	h_expect(&f, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_NEIGH_PASS, NULL);
	/* Not a cluster IP (the idle generation's does not count). */
	h_set_vip(1, 0, "10.0.0.7");
	h_tables(1)->n_vips = 1;
	assert_int_equal(frame_arp(&f, 2, stranger, "10.0.0.7", NULL, "10.0.0.7"), 0);
	h_expect(&f, XDP_PASS, -1, WLBS_R_NOT_CLUSTER, NULL);
	expect_none();
}

/* An unsolicited NA for @target with a target link-layer option naming @tlla (or none). */
static void na_frame(struct frame *f, const uint8_t eth_src[6], const char *target,
		     const uint8_t *tlla)
{
	uint8_t t[16];

	assert_int_equal(frame_ns(f, eth_src, "2001:db8::7", "2001:db8::7"), 0);
	f->b[f->l4] = NDISC_NA;
	assert_int_equal(inet_pton(AF_INET6, target, t), 1);
	memcpy(f->b + f->l4 + 8, t, 16);
	if (tlla) {
		f->b[f->l4 + 24] = 2; /* target link-layer address */
		memcpy(f->b + f->l4 + 26, tlla, 6);
	} else {
		f->b[f->l4 + 24] = 0; /* an option we do not read: the frame's source counts */
	}
}

static void test_foreign_na_recorded(void **state)
{
	struct frame f;

	(void)state;
	h_reset();
	claims_clear();
	na_frame(&f, stranger, H_VIP6, stranger);
	h_expect(&f, XDP_PASS, -1, WLBS_R_NOT_CLUSTER, NULL);
	expect_claim(1, H_VIP6, stranger, 1);
	/* Sent by a host of ours, but naming another cluster's MAC: that MAC claims it. */
	na_frame(&f, frame_client_mac, H_VIP6B, other_cluster);
	h_expect(&f, XDP_PASS, -1, WLBS_R_NOT_CLUSTER, NULL);
	expect_claim(3, H_VIP6B, other_cluster, 1);
	/* No target link-layer option: the source MAC. */
	na_frame(&f, other_cluster, H_VIP6, NULL);
	h_expect(&f, XDP_PASS, -1, WLBS_R_NOT_CLUSTER, NULL);
	expect_claim(1, H_VIP6, other_cluster, 2);
}

static void test_legit_na_not_recorded(void **state)
{
	struct frame f;

	(void)state;
	h_reset();
	claims_clear();
	/* The default host's NA (cluster MAC as target address), from its own MAC. */
	na_frame(&f, frame_client_mac, H_VIP6, frame_cluster_mac);
	h_expect(&f, XDP_PASS, -1, WLBS_R_NOT_CLUSTER, NULL);
	/* An NA for another address; a solicitation from a stranger for the cluster IP. */
	na_frame(&f, stranger, "2001:db8::99", stranger);
	h_expect(&f, XDP_PASS, -1, WLBS_R_NOT_CLUSTER, NULL);
	assert_int_equal(frame_ns(&f, stranger, "2001:db8::7", H_VIP6), 0);
	h_expect(&f, XDP_TX, WLBS_STATS_NO_RULE, WLBS_R_ND_REPLY, NULL);
	expect_none();
}

static const struct CMUnitTest claims_tests[] = {
    cmocka_unit_test(test_foreign_arp_recorded),
    cmocka_unit_test(test_legit_arp_not_recorded),
    cmocka_unit_test(test_foreign_na_recorded),
    cmocka_unit_test(test_legit_na_not_recorded),
};
H_GROUP(h_group_claims, claims_tests);
