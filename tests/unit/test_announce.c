// SPDX-License-Identifier: GPL-2.0
/*
 * Announcements of the host's own addresses: the byte layout of the
 * gratuitous ARP and of the unsolicited neighbour advertisement (checksum
 * included, against values computed independently), and, in a fresh network
 * namespace (root; skipped otherwise, failed when CI=true), that every address
 * in use but the cluster IPs is announced ANN_ROUNDS times on the wire.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <poll.h>
#include <sched.h>

#include "net/announce.c"

#define DEV  "wla0" /* the NIC that announces */
#define PEER "wla1" /* its veth peer, where the frames are captured */

static bool have_root;

static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static void test_arp_layout(void **state)
{
	static const uint8_t want[ANN_ARP_LEN] = {
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, /* eth */
	    0x08, 0x06,								    /* ARP */
	    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,	     /* Ethernet/IPv4, request */
	    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 198,  18,   0,	  1, /* sender */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 198,  18,   0,	  1, /* target = sender */
								     /* 18 bytes of padding, zero */
	};
	uint8_t buf[ANN_ARP_LEN];
	struct in_addr ip;

	(void)state;
	inet_pton(AF_INET, "198.18.0.1", &ip);
	memset(buf, 0xaa, sizeof(buf));
	ann_build_arp(buf, mac, ip);
	assert_memory_equal(buf, want, sizeof(want));
}

/* RFC 1071 over the pseudo-header and the message: a correct checksum sums to 0xffff. */
static void assert_icmp6_sums_to_ones(const uint8_t *frame)
{
	const uint8_t *ip6 = frame + 14, *msg = frame + 54;
	uint32_t sum = 0, len = (uint32_t)(ip6[4] << 8 | ip6[5]);
	size_t i;

	for (i = 8; i < 40; i += 2) /* source and destination */
		sum += (uint32_t)(ip6[i] << 8 | ip6[i + 1]);
	sum += len + ip6[6];
	for (i = 0; i < len; i += 2)
		sum += (uint32_t)(msg[i] << 8 | msg[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
}

static void test_na_layout_and_checksum(void **state)
{
	static const uint8_t want[ANN_NA_LEN] = {
	    0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, /* eth */
	    0x86, 0xdd,								    /* IPv6 */
	    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 58,   255,  /* 32 bytes of ICMPv6, hop limit 255 */
	    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x18, 0x00, 0x00, /* source 2001:db8:18::1 */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* */
	    0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* destination ff02::1 */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* */
	    136,  0,	0x74, 0x3f,			    /* NA, code 0, checksum */
	    0x20, 0x00, 0x00, 0x00,			    /* override only */
	    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x18, 0x00, 0x00, /* target 2001:db8:18::1 */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* */
	    0x02, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, /* target link-layer address */
	};
	uint8_t buf[ANN_NA_LEN];
	struct in6_addr ip;

	(void)state;
	inet_pton(AF_INET6, "2001:db8:18::1", &ip);
	memset(buf, 0xaa, sizeof(buf));
	ann_build_na(buf, mac, &ip, false);
	assert_memory_equal(buf, want, sizeof(want));
	assert_icmp6_sums_to_ones(buf);

	/* A router keeps its router flag; the checksum follows. */
	ann_build_na(buf, mac, &ip, true);
	assert_int_equal(buf[58], 0xa0);
	assert_int_equal(buf[56] << 8 | buf[57], 0xf43e);
	assert_icmp6_sums_to_ones(buf);
	assert_memory_equal(buf + 59, want + 59, sizeof(want) - 59);
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* A new network namespace with DEV (addresses, two of them "cluster IPs") and PEER. */
static int setup_ns(void **state)
{
	(void)state;
	if (!have_root)
		return 0;
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	return sh("sysctl -qw net.ipv6.conf.default.accept_dad=0 && "
		  "ip link add " DEV " type veth peer name " PEER " && "
		  "ip link set " DEV " address 52:54:00:12:34:56 && "
		  "ip addr add 10.9.8.1/24 dev " DEV " && ip addr add 10.9.8.100/24 dev " DEV " && "
		  "ip addr add 2001:db8::1/64 dev " DEV " && ip addr add 2001:db8::100/64 dev " DEV
		  " && ip link set " DEV " up && ip link set " PEER " up")
		   ? -1
		   : 0;
}

/* Announcements captured on PEER within ms, by what they announce. */
struct seen {
	int arp_1; /* ARP for 10.9.8.1 */
	int na_1;  /* NA for 2001:db8::1 */
	int na_ll; /* NA for the link-local address */
	int other; /* ARP or NA for anything else (a cluster IP) */
};

static void capture(int fd, int ms, struct seen *s)
{
	uint8_t f[256];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	bool arp, na;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	while (poll(&p, 1, ms) > 0) {
		n = recv(fd, f, sizeof(f), 0);
		arp = n == ANN_ARP_LEN && f[12] == 0x08 && f[13] == 0x06;
		na = n == ANN_NA_LEN && f[12] == 0x86 && f[13] == 0xdd && f[20] == 58 &&
		     f[54] == 136;
		if (arp && f[31] == 1)
			s->arp_1++;
		else if (na && f[62] == 0x20 && f[77] == 1)
			s->na_1++;
		else if (na && f[62] == 0xfe && f[63] == 0x80)
			s->na_ll++;
		else if (arp || na)
			s->other++;
	}
}

static void test_host_addrs_announced(void **state)
{
	struct nl_addr skip[2];
	struct nl_err e = {""};
	struct seen seen;
	int fd, ifindex, ret;

	(void)state;
	if (!have_root)
		skip();
	ifindex = (int)if_nametoindex(DEV);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	assert_true(fd >= 0);
	{
		struct sockaddr_ll sll = {.sll_family = AF_PACKET,
					  .sll_protocol = htons(ETH_P_ALL),
					  .sll_ifindex = (int)if_nametoindex(PEER)};

		assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	}
	assert_int_equal(nl_addr_parse("10.9.8.100/24", &skip[0], NULL), 0);
	assert_int_equal(nl_addr_parse("2001:db8::100/64", &skip[1], NULL), 0);

	/* 10.9.8.1, 2001:db8::1 and the link-local address; not the cluster IPs. */
	ret = ann_host_addrs(ifindex, skip, 2, &e);
	if (ret < 0)
		fail_msg("ann_host_addrs: %s", e.msg);
	assert_int_equal(ret, 3);
	capture(fd, 300, &seen);
	assert_int_equal(seen.arp_1, ANN_ROUNDS);
	assert_int_equal(seen.na_1, ANN_ROUNDS);
	assert_int_equal(seen.na_ll, ANN_ROUNDS);
	assert_int_equal(seen.other, 0);

	/* A link that is down announces nothing, and that is no error. */
	assert_int_equal(sh("ip link set " DEV " down"), 0);
	assert_int_equal(ann_host_addrs(ifindex, skip, 2, &e), 0);
	assert_int_equal(ann_host_addrs(ifindex + 100, skip, 2, &e), -ENODEV);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arp_layout),
	    cmocka_unit_test(test_na_layout_and_checksum),
	    cmocka_unit_test_setup(test_host_addrs_announced, setup_ns),
	};
	const char *ci = getenv("CI");

	have_root = geteuid() == 0;
	if (!have_root && ci && !strcmp(ci, "true")) {
		fprintf(stderr, "test_announce: needs root (it creates a network namespace); "
				"CI=true makes that a failure\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
