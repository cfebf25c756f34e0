// SPDX-License-Identifier: GPL-2.0
/*
 * Verdicts of single frames (bpfspec 1-7): what is cluster traffic, rule
 * selection, owned / not owned / draining / stale / dirty, and the rewrite.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define CLIENT4 "192.0.2.10"
#define CLIENT6 "2001:db8:ffff::10"

/* A frame not for a cluster IP passes untouched, counted in the not-cluster slot. */
static void test_not_cluster(void **state)
{
	struct frame f;

	(void)state;
	h_reset();
	h_flow(&f, NULL, 0, CLIENT4, "10.0.0.99", IPPROTO_TCP, 40000, 80, TCPF_SYN);
	h_expect(&f, XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER, NULL);
	h_flow(&f, NULL, 1, CLIENT6, "2001:db8::99", IPPROTO_UDP, 40000, 53, 0);
	h_expect(&f, XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER, NULL);
	/* Traffic *from* a cluster IP is not traffic to the cluster. */
	h_flow(&f, NULL, 0, H_VIP4, CLIENT4, IPPROTO_TCP, 80, 40000, TCPF_ACK);
	h_expect(&f, XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER, NULL);
	/* Not addressed to the cluster: even a stopped host passes it. */
	h_cfg()->state = WLBS_FP_STOPPED;
	h_flow(&f, NULL, 0, CLIENT4, "10.0.0.99", IPPROTO_TCP, 40000, 80, TCPF_SYN);
	h_expect(&f, XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER, NULL);
	/* Other ethertypes (here: a raw 0x88b5 frame) are not cluster traffic. */
	struct pkt p = {.ethertype = 0x88b5, .payload = 46};

	memcpy(p.eth_dst, frame_cluster_mac, 6);
	assert_int_equal(frame_build(&f, &p), 0);
	h_expect(&f, XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER, NULL);
}

/*
 * Unicast mode: a frame for another host's own address, which this host's
 * kernel would route back out where it came from, is dropped; the same frame
 * passes with hairpin filtering off, with forwarding off, or multicast.
 * Arrives on a veth of the suite's network namespace.
 */
static void test_hairpin(void **state)
{
	static const uint8_t unicast[6] = {0x02, 0xbf, 0x0a, 0x00, 0x00, 0x0a};
	const char *up = "ip link add wlbshp0 type veth peer name wlbshp1 && "
			 "ip link set wlbshp1 up && ip link set wlbshp0 up && "
			 "ip addr add 10.9.0.1/24 dev wlbshp0 && "
			 "ip addr add 2001:db8:9::1/64 dev wlbshp0 nodad";
	struct frame f[4], m4;
	struct pkt p;
	int i;

	(void)state;
	h_reset();
	assert_int_equal(system(up), 0);
	h_ingress_ifindex = (int)if_nametoindex("wlbshp0");
	assert_true(h_ingress_ifindex > 0);
	/* IPv4 and IPv6, untagged (the straight-line path) and tagged (the general one). */
	h_flow(&m4, &p, 0, CLIENT4, "10.9.0.7", IPPROTO_TCP, 40000, 80, TCPF_SYN);
	for (i = 0; i < 4; i++) {
		if (i % 2)
			h_flow(&f[i], &p, 1, CLIENT6, "2001:db8:9::7", IPPROTO_UDP, 40000, 53, 0);
		else
			h_flow(&f[i], &p, 0, CLIENT4, "10.9.0.7", IPPROTO_TCP, 40000, 80, TCPF_SYN);
		memcpy(p.eth_dst, unicast, 6);
		p.n_vlan = i / 2;
		p.vlan_tci[0] = 9;
		assert_int_equal(frame_build(&f[i], &p), 0);
	}

	/* Forwarding off: the kernel would not route it, so it is not another host's. */
	h_cfg()->flags |= WLBS_CFG_F_NO_HAIRPIN;
	h_expect(&f[0], XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER, NULL);
	assert_int_equal(system("sysctl -qw net.ipv4.conf.wlbshp0.forwarding=1 "
				"net.ipv6.conf.wlbshp0.forwarding=1"),
			 0);
	for (i = 0; i < 4; i++) {
		h_cfg()->flags |= WLBS_CFG_F_NO_HAIRPIN;
		h_expect(&f[i], XDP_DROP, WLBS_STATS_NOT_CLUSTER, WLBS_R_HAIRPIN, NULL);
		h_cfg()->flags &= ~WLBS_CFG_F_NO_HAIRPIN;
		h_expect(&f[i], XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER, NULL);
	}
	h_cfg()->flags |= WLBS_CFG_F_NO_HAIRPIN;
	h_expect(&m4, XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER, NULL);
	assert_int_equal(system("ip link del wlbshp0"), 0);
}

/* The live tables are the ones cfg.gen names, for cluster IPs and owners. */
static void test_generation(void **state)
{
	struct wlbs_tables *t1 = h_tables(1);
	struct frame f, g;
	struct pkt p;

	(void)state;
	h_reset();
	*t1 = *h_tables(0);
	inet_pton(AF_INET, "10.0.0.102", &t1->vips[0].addr[3]);
	h_flow(&f, &p, 0, CLIENT4, "10.0.0.102", IPPROTO_TCP, 40000, 80, TCPF_SYN);
	h_flow(&g, NULL, 0, CLIENT4, H_VIP4, IPPROTO_TCP, 40000, 80, TCPF_SYN);
	h_expect(&f, XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER, NULL);
	h_expect(&g, XDP_PASS, H_R_WEB4, WLBS_R_OWNED, NULL);

	h_fill_owner(1, H_R_WEB4, 2, 0);
	h_cfg()->gen = 1;
	h_expect(&f, XDP_DROP, H_R_WEB4, WLBS_R_NOT_OWNER, NULL);
	h_expect(&g, XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER, NULL);
	*h_flow_owner(&p, H_R_WEB4) = 1;
	h_expect(&f, XDP_PASS, H_R_WEB4, WLBS_R_OWNED, NULL);
}

/* Heartbeats are the daemon's: always passed. */
static void test_heartbeat(void **state)
{
	struct pkt p = {.ethertype = WLBS_ETH_P_HEARTBEAT, .payload = 100};
	struct frame f;

	(void)state;
	h_reset();
	memcpy(p.eth_dst, frame_cluster_mac, 6);
	memcpy(p.eth_src, frame_client_mac, 6);
	assert_int_equal(frame_build(&f, &p), 0);
	h_expect(&f, XDP_PASS, -1, WLBS_R_HEARTBEAT, NULL);
	h_cfg()->state = WLBS_FP_STOPPED;
	h_expect(&f, XDP_PASS, -1, WLBS_R_HEARTBEAT, NULL);
}

/* Up to two VLAN tags (802.1Q, 802.1ad outer) are looked through. */
static void test_vlan(void **state)
{
	const uint16_t tpids[][2] = {{0x8100, 0}, {0x88a8, 0x8100}, {0x8100, 0x8100}};
	struct frame f;
	struct pkt p;
	int i, v6;

	(void)state;
	for (v6 = 0; v6 < 2; v6++)
		for (i = 0; i < 3; i++) {
			h_reset();
			h_flow(&f, &p, v6, v6 ? CLIENT6 : CLIENT4, v6 ? H_VIP6B : H_VIP4B,
			       IPPROTO_TCP, 40000, 80, TCPF_SYN);
			p.n_vlan = i ? 2 : 1;
			p.vlan_tpid[0] = tpids[i][0];
			p.vlan_tpid[1] = tpids[i][1];
			p.vlan_tci[0] = 100;
			p.vlan_tci[1] = 200;
			assert_int_equal(frame_build(&f, &p), 0);
			h_expect(&f, XDP_PASS, H_R_WEB, WLBS_R_OWNED, NULL);
			*h_flow_owner(&p, H_R_WEB) = 2;
			h_expect(&f, XDP_DROP, H_R_WEB, WLBS_R_NOT_OWNER, NULL);
		}
	/* A third tag hides the IP header: cannot tell, so not cluster traffic. */
	p.n_vlan = 3;
	p.vlan_tpid[2] = 0x8100;
	assert_int_equal(frame_build(&f, &p), 0);
	h_expect(&f, XDP_PASS, WLBS_STATS_NOT_CLUSTER, WLBS_R_NOT_CLUSTER, NULL);
}

/* A stopped host drops all cluster traffic, whatever it owns. */
static void test_stopped(void **state)
{
	struct frame f;

	(void)state;
	h_reset();
	h_cfg()->state = WLBS_FP_STOPPED;
	h_flow(&f, NULL, 0, CLIENT4, H_VIP4, IPPROTO_TCP, 40000, 80, TCPF_SYN);
	h_expect(&f, XDP_DROP, -1, WLBS_R_STOPPED, NULL);
	h_flow(&f, NULL, 1, CLIENT6, H_VIP6, IPPROTO_UDP, 40000, 1500, 0);
	h_expect(&f, XDP_DROP, -1, WLBS_R_STOPPED, NULL);
	h_flow(&f, NULL, 0, CLIENT4, H_VIP4, IPPROTO_ICMP, 0, 0, 0);
	h_expect(&f, XDP_DROP, -1, WLBS_R_STOPPED, NULL);
}

struct rule_case {
	int v6;
	const char *dst;
	uint8_t proto;
	uint16_t port;
	int rule; /* -1: none covers it */
};

/* First matching rule wins: VIP-specific before all-VIP, protocol bit, inclusive range. */
static void test_rule_match(void **state)
{
	static const struct rule_case cases[] = {
	    {0, H_VIP4, IPPROTO_TCP, 80, H_R_WEB4},    {0, H_VIP4B, IPPROTO_TCP, 80, H_R_WEB},
	    {1, H_VIP6, IPPROTO_TCP, 80, H_R_WEB},     {0, H_VIP4, IPPROTO_UDP, 80, -1},
	    {0, H_VIP4, IPPROTO_TCP, 81, -1},	       {0, H_VIP4, IPPROTO_TCP, 999, -1},
	    {0, H_VIP4, IPPROTO_TCP, 1000, H_R_RANGE}, {1, H_VIP6B, IPPROTO_UDP, 1999, H_R_RANGE},
	    {0, H_VIP4B, IPPROTO_UDP, 2000, -1},       {1, H_VIP6, IPPROTO_TCP, 443, H_R_TLS6},
	    {1, H_VIP6, IPPROTO_UDP, 443, H_R_TLS6},   {1, H_VIP6B, IPPROTO_TCP, 443, -1},
	    {0, H_VIP4, IPPROTO_TCP, 443, -1},	       {0, H_VIP4B, IPPROTO_UDP, 53, H_R_DNS},
	    {1, H_VIP6B, IPPROTO_UDP, 53, H_R_DNS},    {1, H_VIP6B, IPPROTO_TCP, 53, -1},
	    {0, H_VIP4, IPPROTO_TCP, 0, -1},	       {1, H_VIP6, IPPROTO_UDP, 65535, -1},
	};
	struct frame f;
	struct pkt p;
	size_t i;

	(void)state;
	h_reset();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rule_case *c = &cases[i];

		print_message("  case %zu: %s %s port %u\n", i, c->dst,
			      c->proto == IPPROTO_TCP ? "tcp" : "udp", c->port);
		h_flow(&f, &p, c->v6, c->v6 ? CLIENT6 : CLIENT4, c->dst, c->proto, 40000, c->port,
		       TCPF_ACK);
		assert_int_equal(model_rule(model_vip(c->v6, p.dst), c->proto, c->port), c->rule);
		if (c->rule >= 0)
			h_expect(&f, XDP_PASS, c->rule, WLBS_R_OWNED, NULL);
		else
			h_expect(&f, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_DEFAULT, NULL);
	}
}

/* Uncovered cluster traffic (incl. ICMP echo) goes to the default host only. */
static void test_default_host(void **state)
{
	struct frame tcp, echo4, echo6;

	(void)state;
	h_reset();
	h_flow(&tcp, NULL, 0, CLIENT4, H_VIP4, IPPROTO_TCP, 40000, 22, TCPF_SYN);
	h_flow(&echo4, NULL, 0, CLIENT4, H_VIP4, IPPROTO_ICMP, 0, 0, 0);
	h_flow(&echo6, NULL, 1, CLIENT6, H_VIP6, IPPROTO_ICMPV6, 0, 0, 0);
	h_expect(&tcp, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_DEFAULT, NULL);
	h_expect(&echo4, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_DEFAULT, NULL);
	h_expect(&echo6, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_DEFAULT, NULL);
	h_set_host(2);
	h_expect(&tcp, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
	h_expect(&echo4, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
	h_expect(&echo6, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
	h_cfg()->default_host = 2;
	h_expect(&tcp, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_DEFAULT, NULL);
	h_cfg()->default_host = 0; /* no default host: nobody takes it */
	h_expect(&tcp, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
}

/*
 * The default host fails closed like any owner: with its wlbsd gone (stale
 * stamp) or draining (SIGTERM), it takes no uncovered traffic, so the host
 * the others chose is the only default host.
 */
static void test_default_host_fails_closed(void **state)
{
	struct frame tcp, ack, udp, echo4, echo6;

	(void)state;
	h_reset();
	h_flow(&tcp, NULL, 0, CLIENT4, H_VIP4, IPPROTO_TCP, 40000, 22, TCPF_SYN);
	h_flow(&ack, NULL, 0, CLIENT4, H_VIP4, IPPROTO_TCP, 40000, 22, TCPF_ACK);
	h_flow(&udp, NULL, 1, CLIENT6, H_VIP6, IPPROTO_UDP, 40000, 5000, 0);
	h_flow(&echo4, NULL, 0, CLIENT4, H_VIP4, IPPROTO_ICMP, 0, 0, 0);
	h_flow(&echo6, NULL, 1, CLIENT6, H_VIP6, IPPROTO_ICMPV6, 0, 0, 0);
	h_cfg()->alive_deadline = h_jiffies() - 1;
	h_expect(&tcp, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_STALE, NULL);
	h_expect(&ack, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_STALE, NULL);
	h_expect(&udp, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_STALE, NULL);
	h_expect(&echo4, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_STALE, NULL);
	h_expect(&echo6, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_STALE, NULL);
	h_cfg()->alive_deadline = h_jiffies() + 100000;
	h_expect(&tcp, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_DEFAULT, NULL);
	h_cfg()->state = WLBS_FP_DRAINING;
	h_expect(&tcp, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
	h_expect(&echo4, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
	h_expect(&udp, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
}

/* Disabled rules (cluster-wide mode, or this host's OFF flag) drop everything. */
static void test_rule_disabled(void **state)
{
	struct frame f;
	struct pkt p;

	(void)state;
	h_reset();
	h_flow(&f, NULL, 0, CLIENT4, H_VIP4B, IPPROTO_TCP, 40000, 8080, TCPF_SYN);
	h_expect(&f, XDP_DROP, H_R_OFF, WLBS_R_RULE_DISABLED, NULL);
	h_flow(&f, &p, 0, CLIENT4, H_VIP4, IPPROTO_TCP, 40000, 80, TCPF_ACK);
	h_tables(0)->rules[H_R_WEB4].flags = WLBS_RULE_F_OFF;
	h_hold(H_R_WEB4, model_bucket(0, p.src, 40000, H_R_WEB4));
	h_expect(&f, XDP_DROP, H_R_WEB4, WLBS_R_RULE_DISABLED, NULL);
}

/* Owner decides: ours passes with the rewrite, another host's or nobody's drops. */
static void test_ownership(void **state)
{
	struct frame f;
	struct pkt p;
	int v6;

	(void)state;
	for (v6 = 0; v6 < 2; v6++) {
		h_reset();
		h_flow(&f, &p, v6, v6 ? CLIENT6 : CLIENT4, v6 ? H_VIP6 : H_VIP4, IPPROTO_UDP, 40000,
		       1234, 0);
		h_expect(&f, XDP_PASS, H_R_RANGE, WLBS_R_OWNED, NULL);
		*h_flow_owner(&p, H_R_RANGE) = 2;
		h_expect(&f, XDP_DROP, H_R_RANGE, WLBS_R_NOT_OWNER, NULL);
		*h_flow_owner(&p, H_R_RANGE) = WLBS_NO_OWNER;
		h_expect(&f, XDP_DROP, H_R_RANGE, WLBS_R_NOT_OWNER, NULL);
		h_set_host(2);
		*h_flow_owner(&p, H_R_RANGE) = 2;
		h_expect(&f, XDP_PASS, H_R_RANGE, WLBS_R_OWNED, NULL);
	}
}

/*
 * Remote control reaches every host, also where a rule covers its port and
 * another host owns the client's bucket (the drop of another host's traffic
 * must not take it).
 */
static void test_control_in_another_hosts_bucket(void **state)
{
	struct frame f;
	struct pkt p;

	(void)state;
	h_reset();
	h_cfg()->ctl_port = 1500; /* inside H_R_RANGE */
	h_cfg()->alive_deadline = h_jiffies() + 100000;
	h_flow(&f, &p, 0, CLIENT4, H_VIP4, IPPROTO_UDP, 40000, 1500, 0);
	*h_flow_owner(&p, H_R_RANGE) = 2;
	h_expect(&f, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_CONTROL, NULL);
	h_cfg()->ctl_port = 0;
	h_expect(&f, XDP_DROP, H_R_RANGE, WLBS_R_NOT_OWNER, NULL);
}

/* Draining (host state or the rule's DRAIN flag) takes no new flows. */
static void test_draining(void **state)
{
	struct frame syn, udp;

	(void)state;
	h_reset();
	h_flow(&syn, NULL, 0, CLIENT4, H_VIP4, IPPROTO_TCP, 40000, 80, TCPF_SYN);
	h_flow(&udp, NULL, 1, CLIENT6, H_VIP6B, IPPROTO_UDP, 40000, 53, 0);
	h_cfg()->state = WLBS_FP_DRAINING;
	h_expect(&syn, XDP_DROP, H_R_WEB4, WLBS_R_NOT_OWNER, NULL);
	h_expect(&udp, XDP_DROP, H_R_DNS, WLBS_R_NOT_OWNER, NULL);
	h_cfg()->state = WLBS_FP_RUNNING;
	h_tables(0)->rules[H_R_WEB4].flags = WLBS_RULE_F_DRAIN;
	h_expect(&syn, XDP_DROP, H_R_WEB4, WLBS_R_NOT_OWNER, NULL);
	h_expect(&udp, XDP_PASS, H_R_DNS, WLBS_R_OWNED, NULL);
}

/* A stale daemon stamp fails closed: no new flows (STALE), other hosts' still NOT_OWNER. */
static void test_liveness(void **state)
{
	struct frame syn, udp;
	struct pkt p;

	(void)state;
	h_reset();
	h_flow(&syn, &p, 0, CLIENT4, H_VIP4, IPPROTO_TCP, 40000, 80, TCPF_SYN);
	h_flow(&udp, NULL, 1, CLIENT6, H_VIP6, IPPROTO_UDP, 40000, 443, 0);
	h_cfg()->alive_deadline = h_jiffies() + 100000;
	h_expect(&syn, XDP_PASS, H_R_WEB4, WLBS_R_OWNED, NULL);
	h_cfg()->alive_deadline = h_jiffies() - 1;
	h_expect(&syn, XDP_DROP, H_R_WEB4, WLBS_R_STALE, NULL);
	h_expect(&udp, XDP_DROP, H_R_TLS6, WLBS_R_STALE, NULL);
	*h_flow_owner(&p, H_R_WEB4) = 2;
	h_expect(&syn, XDP_DROP, H_R_WEB4, WLBS_R_NOT_OWNER, NULL);
	*h_flow_owner(&p, H_R_WEB4) = 1;
	h_cfg()->alive_deadline = 0; /* 0 = never stale */
	h_expect(&syn, XDP_PASS, H_R_WEB4, WLBS_R_OWNED, NULL);
}

/* Dirty bucket we own: SYN is new (ours), anything else needs a local socket. */
static void test_dirty(void **state)
{
	struct frame syn, synack, ack, rst, udp;
	struct pkt p, q;

	(void)state;
	h_reset();
	h_flow(&syn, &p, 0, CLIENT4, H_VIP4, IPPROTO_TCP, 40000, 80, TCPF_SYN);
	h_flow(&synack, NULL, 0, CLIENT4, H_VIP4, IPPROTO_TCP, 40000, 80, TCPF_SYN | TCPF_ACK);
	h_flow(&ack, NULL, 0, CLIENT4, H_VIP4, IPPROTO_TCP, 40000, 80, TCPF_ACK | TCPF_PSH);
	h_flow(&rst, NULL, 0, CLIENT4, H_VIP4, IPPROTO_TCP, 40000, 80, TCPF_RST);
	h_flow(&udp, &q, 0, CLIENT4, H_VIP4, IPPROTO_UDP, 40000, 1200, 0);
	*h_flow_flags(&p, H_R_WEB4) = WLBS_BUCKET_F_DIRTY;
	*h_flow_flags(&q, H_R_RANGE) = WLBS_BUCKET_F_DIRTY;
	h_expect(&syn, XDP_PASS, H_R_WEB4, WLBS_R_OWNED, NULL);
	/* No local socket for it: another host's outbound connection (test_conns.c). */
	h_expect(&synack, XDP_DROP, H_R_WEB4, WLBS_R_FOREIGN_SYNACK, NULL);
	h_expect(&ack, XDP_DROP, H_R_WEB4, WLBS_R_DIRTY, NULL);
	h_expect(&rst, XDP_DROP, H_R_WEB4, WLBS_R_DIRTY, NULL);
	h_expect(&udp, XDP_PASS, H_R_RANGE, WLBS_R_OWNED, NULL);
	/* Held-elsewhere marks do not matter for a bucket of another host. */
	*h_flow_owner(&p, H_R_WEB4) = 2;
	h_expect(&syn, XDP_DROP, H_R_WEB4, WLBS_R_NOT_OWNER, NULL);
}

static const struct CMUnitTest verdict_tests[] = {
    cmocka_unit_test(test_default_host_fails_closed),
    cmocka_unit_test(test_not_cluster),
    cmocka_unit_test(test_hairpin),
    cmocka_unit_test(test_generation),
    cmocka_unit_test(test_heartbeat),
    cmocka_unit_test(test_vlan),
    cmocka_unit_test(test_stopped),
    cmocka_unit_test(test_rule_match),
    cmocka_unit_test(test_default_host),
    cmocka_unit_test(test_rule_disabled),
    cmocka_unit_test(test_ownership),
    cmocka_unit_test(test_control_in_another_hosts_bucket),
    cmocka_unit_test(test_draining),
    cmocka_unit_test(test_liveness),
    cmocka_unit_test(test_dirty),
};

H_GROUP(h_group_verdicts, verdict_tests);
