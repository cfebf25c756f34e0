// SPDX-License-Identifier: GPL-2.0
/*
 * tc ingress (bpfspec 13): accepted cluster frames (dst = our host MAC) become
 * PACKET_HOST so TCP/UDP takes them; the verdict is always TC_ACT_OK.
 * BPF_PROG_TEST_RUN can neither set nor report skb->pkt_type, so the effect is
 * checked on a real veth pair in the suite's network namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "wlbs.skel.h"

#define TC_ACT_OK 0

static int tc_run(const struct frame *f)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = (__u32)f->len,
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(h_skel->progs.wlbs_tc_ingress), &o);

	return err ? -errno : (int)o.retval;
}

static void test_tc_verdict(void **state)
{
	struct frame f;
	struct pkt p;

	(void)state;
	h_reset();
	h_flow(&f, &p, 0, "192.0.2.10", H_VIP4, IPPROTO_TCP, 40000, 80, TCPF_SYN);
	memcpy(f.b, h_cfg()->host_mac, 6); /* as wlbs_xdp left it */
	assert_int_equal(tc_run(&f), TC_ACT_OK);
	memcpy(f.b, frame_cluster_mac, 6);
	assert_int_equal(tc_run(&f), TC_ACT_OK);
	h_flow(&f, &p, 1, "2001:db8::10", "2001:db8::99", IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(tc_run(&f), TC_ACT_OK);
	print_message("  note: BPF_PROG_TEST_RUN cannot set or read skb->pkt_type; "
		      "the PACKET_HOST effect is checked on veth (test_tc_pkt_type_veth)\n");
}

#define RX_ADDR "10.99.0.1"
#define TX_ADDR "10.99.0.2"
#define RX_PORT 5555

/* Sends one UDP datagram to RX_ADDR as an Ethernet frame to @dst on veth wlbst0. */
static void send_raw(int pfd, int ifindex, const uint8_t dst[6])
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6};
	struct frame f;
	struct pkt p;

	h_flow(&f, &p, 0, TX_ADDR, RX_ADDR, IPPROTO_UDP, 4000, RX_PORT, 0);
	p.payload = 8;
	assert_int_equal(frame_build(&f, &p), 0);
	memcpy(f.b, dst, 6);
	memcpy(sll.sll_addr, dst, 6);
	assert_true(sendto(pfd, f.b, f.len, 0, (struct sockaddr *)&sll, sizeof(sll)) ==
		    (ssize_t)f.len);
}

/* Did a datagram sent to @dst reach the UDP socket (a few tries, 100 ms each)? */
static int delivered(int pfd, int ufd, int ifindex, const uint8_t dst[6])
{
	char buf[64];
	int i;

	while (recv(ufd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	for (i = 0; i < 3; i++) {
		send_raw(pfd, ifindex, dst);
		if (recv(ufd, buf, sizeof(buf), 0) > 0)
			return 1;
	}
	return 0;
}

static void test_tc_pkt_type_veth(void **state)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(RX_PORT)};
	struct timeval tv = {0, 100000};
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts);
	uint8_t host_mac[6];
	int pfd, ufd, tx, err;

	(void)state;
	if (system("ip link add wlbst0 type veth peer name wlbst1 2>/dev/null && "
		   "ip addr add " RX_ADDR "/24 dev wlbst1 && ip link set wlbst0 up && "
		   "ip link set wlbst1 up") != 0) {
		print_message("  SKIPPED: cannot create a veth pair (ip link add ... type veth)\n");
		skip();
	}
	h_reset();
	h_host_mac(1, host_mac);
	tx = (int)if_nametoindex("wlbst0");
	hook.ifindex = (int)if_nametoindex("wlbst1");
	pfd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(pfd >= 0 && ufd >= 0 && tx > 0 && hook.ifindex > 0);
	inet_pton(AF_INET, RX_ADDR, &sin.sin_addr);
	assert_int_equal(bind(ufd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	setsockopt(ufd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	/* Without the program a frame to a foreign MAC is OTHERHOST: IP drops it. */
	assert_false(delivered(pfd, ufd, tx, host_mac));
	err = bpf_tc_hook_create(&hook);
	assert_true(!err || err == -EEXIST);
	opts.prog_fd = bpf_program__fd(h_skel->progs.wlbs_tc_ingress);
	assert_int_equal(bpf_tc_attach(&hook, &opts), 0);
	/* With it, a frame to cfg.host_mac is ours. */
	assert_true(delivered(pfd, ufd, tx, host_mac));
	/* Other destinations are left alone. */
	host_mac[5] ^= 0x40;
	assert_false(delivered(pfd, ufd, tx, host_mac));
	close(pfd);
	close(ufd);
	if (system("ip link del wlbst0") != 0)
		fail_msg("cannot delete veth wlbst0");
}

static const struct CMUnitTest tc_tests[] = {
    cmocka_unit_test(test_tc_verdict),
    cmocka_unit_test(test_tc_pkt_type_veth),
};

H_GROUP(h_group_tc, tc_tests);
