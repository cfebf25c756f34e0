// SPDX-License-Identifier: GPL-2.0
/*
 * Interface plumbing against the real kernel: each test gets a fresh network
 * namespace (unshare in its setup; the namespace and its veth pair vanish
 * when the next test replaces it) and checks what the kernel reports, through
 * our own dump and through `ip`. Needs root: skipped otherwise, failed when
 * CI=true.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "net/netlink.c"
#include "net/cluster_mac.c"
#include "ip2mac.h"
#include "net/cluster.h"

#define DEV  "wlt0" /* the cluster NIC under test */
#define PEER "wlt1" /* its veth peer */

static bool have_root;

#define NEED_ROOT()                                                                                \
	do {                                                                                       \
		if (!have_root)                                                                    \
			skip();                                                                    \
	} while (0)

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		if (!strstr((hay), (needle)))                                                      \
			fail_msg("'%s' not found in:\n%s", (needle), (hay));                       \
	} while (0)

#define assert_lacks(hay, needle)                                                                  \
	do {                                                                                       \
		if (strstr((hay), (needle)))                                                       \
			fail_msg("'%s' unexpectedly in:\n%s", (needle), (hay));                    \
	} while (0)

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Output of a shell command (stderr included) into a static buffer. */
static const char *out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *out(const char *fmt, ...)
{
	static char buf[8192];
	char cmd[512];
	va_list ap;
	size_t n;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

/* A new network namespace holding one veth pair, both ends up. */
static int setup_ns(void **state)
{
	int *ifindex = malloc(sizeof(*ifindex));

	*ifindex = 0;
	*state = ifindex;
	if (!have_root)
		return 0;
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	if (sh("ip link add " DEV " type veth peer name " PEER " && ip link set " DEV
	       " up && ip link set " PEER " up"))
		return -1;
	*ifindex = (int)if_nametoindex(DEV);
	return *ifindex > 0 ? 0 : -1;
}

static int teardown_ns(void **state)
{
	free(*state);
	return 0;
}

static int ifx(void **state)
{
	return *(int *)*state;
}

static void mac_fmt(const uint8_t m[6], char s[18])
{
	mac_str(m, s);
}

/* ---- pure ---------------------------------------------------------------- */

static void test_cluster_mac_follows_nlb_ip2mac(void **state)
{
	struct in_addr vip, g;
	uint8_t mac[6];
	char s[18];

	(void)state;
	inet_pton(AF_INET, "10.1.2.3", &vip);
	ip2mac_bytes((const unsigned char *)&vip.s_addr, WLBS_CLUSTER_UNICAST, mac);
	mac_fmt(mac, s);
	assert_string_equal(s, "02:bf:0a:01:02:03");
	ip2mac_bytes((const unsigned char *)&vip.s_addr, WLBS_CLUSTER_MULTICAST, mac);
	mac_fmt(mac, s);
	assert_string_equal(s, "03:bf:0a:01:02:03");
	ip2mac_bytes((const unsigned char *)&vip.s_addr, WLBS_CLUSTER_IGMP, mac);
	mac_fmt(mac, s);
	assert_string_equal(s, "01:00:5e:7f:02:03");
	g = cmac_igmp_group(vip);
	assert_string_equal(inet_ntoa(g), "239.255.2.3");
}

static void test_addr_parse_rejects_bad_input(void **state)
{
	static const char *const bad[] = {
	    "bogus",	 "10.0.0.1/33", "10.0.0.1/",  "10.0.0.1/2x",	 "224.0.0.1",
	    "0.0.0.0/0", "::",		"ff02::1/64", "2001:db8::1/129", ""};
	struct nl_addr a;
	struct nl_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = '\0';
		if (nl_addr_parse(bad[i], &a, &e) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_true(e.msg[0] != '\0');
	}
	assert_int_equal(nl_addr_parse("10.0.0.5", &a, &e), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.prefixlen, 32);
	assert_int_equal(nl_addr_parse("2001:db8::5/64", &a, &e), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.prefixlen, 64);
}

/* ---- links --------------------------------------------------------------- */

static bool wait_connected(int ifindex, bool want)
{
	struct nl_link l;
	int i;

	for (i = 0; i < 200; i++) { /* operstate follows carrier asynchronously */
		if (nl_link_get_index(ifindex, &l, NULL) == 0 && nl_link_connected(&l) == want)
			return true;
		usleep(10000);
	}
	return false;
}

static void test_link_lookup_matches_kernel(void **state)
{
	struct nl_link l;
	struct nl_err e;
	char s[18], want[64];

	NEED_ROOT();
	assert_int_equal(nl_ifindex(DEV, &e), ifx(state));
	assert_int_equal(sh("ip link set " DEV " mtu 1400"), 0);
	assert_int_equal(nl_link_get(DEV, &l, &e), 0);
	assert_int_equal(l.ifindex, ifx(state));
	assert_string_equal(l.name, DEV);
	assert_int_equal(l.mac_len, 6);
	assert_int_equal(l.mtu, 1400);
	mac_fmt(l.mac, s);
	snprintf(want, sizeof(want), "link/ether %s ", s);
	assert_contains(out("ip link show dev " DEV), want);

	/* Peer down: no carrier, WLBS_MEDIA_DISCONNECTED; peer up again: connected. */
	assert_true(wait_connected(ifx(state), true));
	assert_int_equal(sh("ip link set " PEER " down"), 0);
	assert_true(wait_connected(ifx(state), false));
	assert_int_equal(nl_link_get(DEV, &l, &e), 0);
	assert_false(l.carrier);
	assert_int_equal(l.operstate, IF_OPER_LOWERLAYERDOWN);
	assert_int_equal(sh("ip link set " PEER " up"), 0);
	assert_true(wait_connected(ifx(state), true));
	/* Administratively down is disconnected too. */
	assert_int_equal(sh("ip link set " DEV " down"), 0);
	assert_true(wait_connected(ifx(state), false));
}

static void test_missing_interface_errors_are_clear(void **state)
{
	struct nl_addr a;
	struct nl_link l;
	struct cmac_sysctl_saved saved[CMAC_SYSCTLS_MAX];
	struct nl_err e;
	uint8_t mac[6] = {0x03, 0xbf, 10, 0, 0, 5};
	int fd = -1;
	size_t n;

	(void)state;
	NEED_ROOT();
	assert_int_equal(nl_ifindex("nosuch0", &e), -ENODEV);
	assert_string_equal(e.msg, "interface 'nosuch0' not found");
	assert_int_equal(nl_link_get_index(4242, &l, &e), -ENODEV);
	assert_contains(e.msg, "4242 not found");
	assert_int_equal(nl_link_get("", &l, &e), -EINVAL);
	assert_contains(e.msg, "invalid interface name");
	assert_int_equal(nl_link_get("waytoolonginterfacename", &l, &e), -EINVAL);

	assert_int_equal(nl_addr_parse("10.0.0.5/24", &a, &e), 0);
	assert_int_equal(nl_addr_add(4242, &a, &e), -ENODEV);
	assert_contains(e.msg, "add 10.0.0.5/24 to ifindex 4242: interface not found");
	assert_int_equal(nl_addr_del(4242, &a, &e), -ENODEV);
	assert_int_equal(nl_addr_find(4242, &a, NULL, &e), -ENODEV);
	assert_contains(e.msg, "not found");
	assert_int_equal(nl_link_set_mac(4242, (uint8_t[6]){2, 0xbf, 1, 2, 3, 4}, &e), -ENODEV);
	assert_contains(e.msg, "interface not found");
	assert_int_equal(cmac_maddr_add(4242, mac, &e), -ENODEV);
	assert_contains(e.msg, "interface ifindex 4242 not found");
	assert_int_equal(cmac_igmp_join(&fd, 4242, cmac_igmp_group(a.a.v4), &e), -ENODEV);
	assert_int_equal(fd, -1);
	assert_contains(e.msg, "interface not found");
	assert_int_equal(cmac_maddr_present(4242, mac, &e), -ENODEV);
	assert_int_equal(cmac_igmp_present(4242, cmac_igmp_group(a.a.v4), &e), -ENODEV);
	assert_int_equal(cmac_sysctls_apply(4242, saved, &n, &e), -ENODEV);
	assert_int_equal(n, 0);
}

/* ---- addresses ----------------------------------------------------------- */

static void test_addr_v4_add_remove_idempotent(void **state)
{
	struct nl_addr_info info;
	struct nl_addr a;
	struct nl_err e;

	NEED_ROOT();
	assert_int_equal(nl_addr_parse("10.9.8.7/24", &a, &e), 0);
	assert_int_equal(nl_addr_find(ifx(state), &a, NULL, &e), 0);
	assert_int_equal(nl_addr_add(ifx(state), &a, &e), 0);
	assert_int_equal(nl_addr_find(ifx(state), &a, &info, &e), 1);
	assert_int_equal(info.prefixlen, 24);
	assert_int_equal(info.proto, NL_ADDR_PROTO_WLBS);
	assert_contains(out("ip -4 addr show dev " DEV), "inet 10.9.8.7/24 ");
	assert_int_equal(nl_addr_add(ifx(state), &a, &e), 0); /* twice is fine */
	assert_int_equal(sh("[ $(ip -4 -o addr show dev " DEV " | grep -c 10.9.8.7) = 1 ]"), 0);

	assert_int_equal(nl_addr_del(ifx(state), &a, &e), 0);
	assert_int_equal(nl_addr_find(ifx(state), &a, NULL, &e), 0);
	assert_lacks(out("ip -4 addr show dev " DEV), "10.9.8.7");
	assert_int_equal(nl_addr_del(ifx(state), &a, &e), 0); /* absent is fine */
}

static void test_addr_v6_nodad_deprecated(void **state)
{
	struct nl_addr_info info;
	struct nl_addr a;
	struct nl_err e;
	const char *ip;

	NEED_ROOT();
	assert_int_equal(nl_addr_parse("2001:db8::7/64", &a, &e), 0);
	assert_int_equal(nl_addr_add(ifx(state), &a, &e), 0);
	assert_int_equal(nl_addr_find(ifx(state), &a, &info, &e), 1);
	assert_int_equal(info.prefixlen, 64);
	assert_true(info.flags & IFA_F_NODAD);
	assert_true(info.flags & IFA_F_DEPRECATED); /* never a source address */
	assert_false(info.flags & IFA_F_TENTATIVE); /* usable at once, no DAD */
	assert_int_equal(info.proto, NL_ADDR_PROTO_WLBS);
	ip = out("ip -6 addr show dev " DEV);
	assert_contains(ip, "inet6 2001:db8::7/64 ");
	assert_contains(ip, "nodad");
	assert_contains(ip, "preferred_lft 0sec");
	assert_int_equal(nl_addr_add(ifx(state), &a, &e), 0);

	assert_int_equal(nl_addr_del(ifx(state), &a, &e), 0);
	assert_int_equal(nl_addr_find(ifx(state), &a, NULL, &e), 0);
	assert_lacks(out("ip -6 addr show dev " DEV), "2001:db8::7");
	assert_int_equal(nl_addr_del(ifx(state), &a, &e), 0);
}

static bool listed(const struct nl_addr *l, int n, const char *ip)
{
	struct nl_addr a;
	int i;

	assert_int_equal(nl_addr_parse(ip, &a, NULL), 0);
	for (i = 0; i < n; i++)
		if (l[i].family == a.family && !memcmp(&l[i].a, &a.a, a.family == AF_INET ? 4 : 16))
			return true;
	return false;
}

static void test_addr_list_in_use_only(void **state)
{
	struct nl_addr l[8];
	struct nl_err e;
	int n;

	NEED_ROOT();
	assert_int_equal(sh("ip addr add 10.9.8.1/24 dev " DEV
			    " && ip addr add 10.9.8.2/32 dev " DEV
			    " && ip addr add 2001:db8::1/64 dev " DEV
			    " nodad && ip addr add 2001:db8::2/64 dev " DEV),
			 0);
	n = nl_addr_list(ifx(state), AF_INET, l, 8, &e);
	assert_int_equal(n, 2);
	assert_true(listed(l, n, "10.9.8.1"));
	assert_true(listed(l, n, "10.9.8.2"));
	assert_int_equal(l[0].prefixlen + l[1].prefixlen, 24 + 32);
	n = nl_addr_list(ifx(state), AF_INET6, l, 8, &e);
	assert_true(n >= 1 && n <= 8);
	assert_true(listed(l, n, "2001:db8::1"));
	/* DAD still running: not the host's yet. */
	assert_false(listed(l, n, "2001:db8::2"));
	/* More than fit: the count says so. */
	assert_int_equal(nl_addr_list(ifx(state), AF_INET, l, 1, &e), 2);
	assert_int_equal(nl_addr_list(ifx(state) + 100, AF_INET, l, 8, &e), -ENODEV);
}

static void test_addr_bad_input_changes_nothing(void **state)
{
	struct nl_addr a = {.family = AF_PACKET, .prefixlen = 24};
	struct nl_err e;
	char before[8192];

	NEED_ROOT();
	snprintf(before, sizeof(before), "%s", out("ip addr show dev " DEV));
	assert_int_equal(nl_addr_add(ifx(state), &a, &e), -EAFNOSUPPORT);
	assert_contains(e.msg, "neither IPv4 nor IPv6");
	a.family = AF_INET;
	inet_pton(AF_INET, "10.0.0.1", &a.a.v4);
	a.prefixlen = 40;
	assert_int_equal(nl_addr_add(ifx(state), &a, &e), -EINVAL);
	assert_contains(e.msg, "10.0.0.1/40 is not a usable");
	assert_string_equal(out("ip addr show dev " DEV), before);
}

static void test_kernel_refusal_carries_extack(void **state)
{
	struct nl_addr a;
	struct nl_err e;

	NEED_ROOT();
	assert_int_equal(sh("sysctl -qw net.ipv6.conf." DEV ".disable_ipv6=1"), 0);
	assert_int_equal(nl_addr_parse("2001:db8::7/64", &a, &e), 0);
	assert_true(nl_addr_add(ifx(state), &a, &e) < 0);
	/* The kernel's own reason, from the extended ack, is in the message. */
	assert_contains(e.msg, "add 2001:db8::7/64 to " DEV ": ");
	assert_contains(e.msg, "(kernel: ");
	assert_contains(e.msg, "IPv6 is disabled on this device)");
}

/* ---- MAC ------------------------------------------------------------------ */

static void test_mac_set_and_restore(void **state)
{
	const uint8_t cmac[6] = {0x02, 0xbf, 10, 0, 0, 5};
	const uint8_t mcast[6] = {0x03, 0xbf, 10, 0, 0, 5};
	struct nl_link before, l;
	struct nl_err e;
	char s[18];

	NEED_ROOT();
	assert_int_equal(nl_link_get_index(ifx(state), &before, &e), 0);
	assert_int_equal(nl_link_set_mac(ifx(state), cmac, &e), 0);
	assert_int_equal(nl_link_set_mac(ifx(state), cmac, &e), 0);
	assert_contains(out("ip link show dev " DEV), "link/ether 02:bf:0a:00:00:05 ");
	assert_int_equal(nl_link_get_index(ifx(state), &l, &e), 0);
	assert_memory_equal(l.mac, cmac, 6);

	assert_int_equal(nl_link_set_mac(ifx(state), mcast, &e), -EINVAL);
	assert_contains(e.msg, "not a unicast address");
	assert_contains(out("ip link show dev " DEV), "link/ether 02:bf:0a:00:00:05 ");

	assert_int_equal(nl_link_set_mac(ifx(state), before.mac, &e), 0);
	mac_fmt(before.mac, s);
	assert_contains(out("ip link show dev " DEV), s);
	assert_int_equal(nl_link_get_index(ifx(state), &l, &e), 0);
	assert_memory_equal(l.mac, before.mac, 6);
}

/* ---- multicast filter and IGMP ------------------------------------------- */

static void test_maddr_add_remove(void **state)
{
	const uint8_t ucast[6] = {0x02, 0xbf, 10, 0, 0, 5};
	struct in_addr vip;
	uint8_t mac[6];
	struct nl_err e;

	NEED_ROOT();
	inet_pton(AF_INET, "10.0.0.5", &vip);
	ip2mac_bytes((const unsigned char *)&vip.s_addr, WLBS_CLUSTER_MULTICAST, mac);
	assert_int_equal(cmac_maddr_present(ifx(state), mac, &e), 0);
	assert_int_equal(cmac_maddr_add(ifx(state), mac, &e), 0);
	assert_int_equal(cmac_maddr_add(ifx(state), mac, &e), 0); /* counted once */
	assert_int_equal(cmac_maddr_present(ifx(state), mac, &e), 1);
	assert_contains(out("ip maddr show dev " DEV), "link  03:bf:0a:00:00:05 static");
	assert_lacks(out("ip maddr show dev " PEER), "03:bf:0a:00:00:05");

	assert_int_equal(cmac_maddr_del(ifx(state), mac, &e), 0); /* one remove undoes both */
	assert_int_equal(cmac_maddr_present(ifx(state), mac, &e), 0);
	assert_lacks(out("ip maddr show dev " DEV), "03:bf:0a:00:00:05");
	assert_int_equal(cmac_maddr_del(ifx(state), mac, &e), 0);

	assert_int_equal(cmac_maddr_add(ifx(state), ucast, &e), -EINVAL);
	assert_contains(e.msg, "not a multicast MAC");
}

static void test_igmp_join_leave(void **state)
{
	struct in_addr vip, group, notmc;
	struct nl_err e;
	int fd = -1;
	const char *m;

	NEED_ROOT();
	inet_pton(AF_INET, "10.1.2.3", &vip);
	group = cmac_igmp_group(vip);
	assert_int_equal(cmac_igmp_present(ifx(state), group, &e), 0);
	assert_int_equal(cmac_igmp_join(&fd, ifx(state), group, &e), 0);
	assert_true(fd >= 0);
	assert_int_equal(cmac_igmp_join(&fd, ifx(state), group, &e), 0); /* twice is fine */
	assert_int_equal(cmac_igmp_present(ifx(state), group, &e), 1);
	m = out("ip maddr show dev " DEV);
	assert_contains(m, "inet  239.255.2.3");
	assert_contains(m, "link  01:00:5e:7f:02:03"); /* NLB's IGMP cluster MAC */

	assert_int_equal(cmac_igmp_leave(fd, ifx(state), group, &e), 0);
	assert_int_equal(cmac_igmp_present(ifx(state), group, &e), 0);
	assert_lacks(out("ip maddr show dev " DEV), "239.255.2.3");
	assert_int_equal(cmac_igmp_leave(fd, ifx(state), group, &e), 0);

	/* The membership lives as long as the socket. */
	assert_int_equal(cmac_igmp_join(&fd, ifx(state), group, &e), 0);
	assert_int_equal(cmac_igmp_present(ifx(state), group, &e), 1);
	close(fd);
	assert_int_equal(cmac_igmp_present(ifx(state), group, &e), 0);

	fd = -1;
	inet_pton(AF_INET, "10.1.2.3", &notmc);
	assert_int_equal(cmac_igmp_join(&fd, ifx(state), notmc, &e), -EINVAL);
	assert_contains(e.msg, "not an IPv4 multicast group");
	assert_int_equal(fd, -1);
}

/* ---- sysctls ---------------------------------------------------------------- */

static const char *sysctl(const char *path)
{
	static char v[64];

	assert_int_equal(cmac_sysctl_get(path, v, sizeof(v), NULL), 0);
	return v;
}

static void test_sysctls_set_and_restored(void **state)
{
	struct cmac_sysctl_saved saved[CMAC_SYSCTLS_MAX], again[CMAC_SYSCTLS_MAX];
	struct nl_err e;
	size_t n, n2;

	NEED_ROOT();
	/* Values an admin might have: conf/all would override ours for arp_notify. */
	assert_int_equal(sh("sysctl -qw net.ipv4.conf.all.arp_notify=1 net.ipv4.conf." DEV
			    ".arp_ignore=0 net.ipv4.conf." DEV ".arp_announce=0 net.ipv6.conf." DEV
			    ".ndisc_notify=1"),
			 0);
	assert_int_equal(cmac_sysctls_apply(ifx(state), saved, &n, &e), 0);
	assert_int_equal(n, 5);
	assert_string_equal(sysctl("net/ipv4/conf/" DEV "/arp_announce"), "2");
	assert_string_equal(sysctl("net/ipv4/conf/" DEV "/arp_ignore"), "1");
	assert_string_equal(sysctl("net/ipv4/conf/" DEV "/arp_notify"), "0");
	assert_string_equal(sysctl("net/ipv4/conf/all/arp_notify"), "0");
	assert_string_equal(sysctl("net/ipv6/conf/" DEV "/ndisc_notify"), "0");
	assert_contains(out("sysctl net.ipv4.conf." DEV ".arp_announce"), "= 2");

	/* Applying again saves our own values: callers keep the first set. */
	assert_int_equal(cmac_sysctls_apply(ifx(state), again, &n2, &e), 0);
	assert_int_equal(n2, 4); /* conf/all is already right */
	assert_string_equal(again[0].value, "2");

	assert_int_equal(cmac_sysctls_restore(saved, n, &e), 0);
	assert_string_equal(sysctl("net/ipv4/conf/" DEV "/arp_announce"), "0");
	assert_string_equal(sysctl("net/ipv4/conf/" DEV "/arp_ignore"), "0");
	assert_string_equal(sysctl("net/ipv4/conf/all/arp_notify"), "1");
	assert_string_equal(sysctl("net/ipv6/conf/" DEV "/ndisc_notify"), "1");

	assert_int_equal(cmac_sysctl_set("net/ipv4/../../kernel/hostname", "x", NULL, 0, &e),
			 -EINVAL);
	assert_contains(e.msg, "invalid sysctl path");
	assert_int_equal(cmac_sysctl_set("net/ipv4/conf/nosuch0/arp_ignore", "1", NULL, 0, &e),
			 -ENOENT);
	assert_contains(e.msg, "nosuch0/arp_ignore: No such file");
}

/* ---- XDP ------------------------------------------------------------------------ */

static void test_xdp_query_sees_attached_program(void **state)
{
	const struct bpf_insn pass[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi);
	struct nl_xdp x;
	struct nl_err e;
	int fd;

	NEED_ROOT();
	assert_int_equal(nl_xdp_query(ifx(state), &x, &e), 0);
	assert_int_equal(x.attached, XDP_ATTACHED_NONE);
	assert_int_equal(x.prog_id, 0);

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "foreign", "GPL", pass, 2, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &pi, &len), 0);
	assert_int_equal(bpf_xdp_attach(ifx(state), fd, XDP_FLAGS_DRV_MODE, NULL), 0);
	assert_int_equal(nl_xdp_query(ifx(state), &x, &e), 0);
	assert_int_equal(x.attached, XDP_ATTACHED_DRV);
	assert_int_equal(x.prog_id, pi.id);
	assert_int_equal(x.drv_id, pi.id);
	assert_int_equal(x.skb_id, 0);

	assert_int_equal(bpf_xdp_detach(ifx(state), XDP_FLAGS_DRV_MODE, NULL), 0);
	assert_int_equal(nl_xdp_query(ifx(state), &x, &e), 0);
	assert_int_equal(x.attached, XDP_ATTACHED_NONE);
	close(fd);
}

/* cluster_check(): what --check-config, start and reload refuse before touching anything. */
static void test_cluster_check_refuses_what_it_can_know(void **state)
{
	struct wlbs_config c;
	char err[300];

	NEED_ROOT();
	(void)state;
	memset(&c, 0, sizeof(c));
	strcpy(c.ifname, DEV);
	assert_int_equal(sh("ip addr add 10.9.0.2/24 dev " DEV), 0);
	c.dips[0].v4 = true;
	c.dips[0].prefix = 24;
	c.dips[0].addr.s6_addr[10] = c.dips[0].addr.s6_addr[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, "10.9.0.2", &c.dips[0].addr.s6_addr[12]), 1);
	c.n_dips = 1;
	assert_int_equal(cluster_check(&c, true, err, sizeof(err)), 0);

	/* A dedicated IP the interface does not have. */
	assert_int_equal(inet_pton(AF_INET, "10.9.0.3", &c.dips[0].addr.s6_addr[12]), 1);
	assert_int_equal(cluster_check(&c, true, err, sizeof(err)), -EADDRNOTAVAIL);
	assert_string_equal(err, "[host] dedicated_ip: not an address of " DEV " ('10.9.0.3')");
	c.n_dips = 0;

	/* lo and tun are not Ethernet: no MAC to share, no ARP to answer. */
	strcpy(c.ifname, "lo");
	assert_int_equal(cluster_check(&c, false, err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
			    "[host] interface: not an Ethernet interface (link type 772) ('lo')");
	if (sh("ip tuntap add dev wltun0 mode tun 2>/dev/null") == 0) {
		strcpy(c.ifname, "wltun0");
		assert_int_equal(cluster_check(&c, false, err, sizeof(err)), -EINVAL);
		assert_contains(err, "not an Ethernet interface");
	}

	/* Missing: --check-config lets it be created later, start refuses. */
	strcpy(c.ifname, "wlnone0");
	assert_int_equal(cluster_check(&c, false, err, sizeof(err)), 0);
	assert_int_equal(cluster_check(&c, true, err, sizeof(err)), -ENODEV);
	assert_string_equal(err, "[host] interface: no such interface ('wlnone0')");
}

#define NS_TEST(f) cmocka_unit_test_setup_teardown(f, setup_ns, teardown_ns)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cluster_mac_follows_nlb_ip2mac),
	    cmocka_unit_test(test_addr_parse_rejects_bad_input),
	    NS_TEST(test_link_lookup_matches_kernel),
	    NS_TEST(test_missing_interface_errors_are_clear),
	    NS_TEST(test_addr_v4_add_remove_idempotent),
	    NS_TEST(test_addr_v6_nodad_deprecated),
	    NS_TEST(test_addr_list_in_use_only),
	    NS_TEST(test_addr_bad_input_changes_nothing),
	    NS_TEST(test_kernel_refusal_carries_extack),
	    NS_TEST(test_mac_set_and_restore),
	    NS_TEST(test_maddr_add_remove),
	    NS_TEST(test_igmp_join_leave),
	    NS_TEST(test_sysctls_set_and_restored),
	    NS_TEST(test_xdp_query_sees_attached_program),
	    NS_TEST(test_cluster_check_refuses_what_it_can_know),
	};
	const char *ci = getenv("CI");

	have_root = geteuid() == 0;
	if (!have_root && ci && !strcmp(ci, "true")) {
		fprintf(stderr, "test_netlink: needs root (it creates network namespaces); CI=true "
				"makes that a failure\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
