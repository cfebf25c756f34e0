// SPDX-License-Identifier: GPL-2.0
/*
 * wlbs.conf: good files give exactly the expected struct, every kind of bad
 * file gives -EINVAL with one message naming the file, the line and the bad
 * value, and leaves the caller's config untouched. Plus NLB's ip2mac, the
 * hash seed and the rule fingerprint hosts compare. Run from the repo root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "config/config.c"
#include "config/config_check.c"
#include "config/config_derive.c"
#include "config/config_values.c"

#define CONFIGS "tests/unit/configs/"

/* Lines 1-5: a valid [cluster] and [host]; bad cases add from line 6 on. */
#define BASE "[cluster]\nip = 10.0.0.1\n[host]\ninterface = eth0\npriority = 2\n"

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		if (!strstr((hay), (needle)))                                                      \
			fail_msg("'%s' not found in: %s", (needle), (hay));                        \
	} while (0)

static struct cfg_addr addr(const char *ip, unsigned int prefix)
{
	struct cfg_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, ip, &a.addr.s6_addr[12]) == 1) {
		a.addr.s6_addr[10] = a.addr.s6_addr[11] = 0xff;
		a.v4 = true;
	} else {
		assert_int_equal(inet_pton(AF_INET6, ip, &a.addr), 1);
	}
	a.prefix = prefix;
	return a;
}

static struct cfg_rule rule(const char *name, int vip, unsigned int lo, unsigned int hi,
			    unsigned int proto, unsigned int mode, unsigned int aff)
{
	struct cfg_rule r;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	r.vip = vip;
	r.port_lo = lo;
	r.port_hi = hi;
	r.proto = proto;
	r.mode = mode;
	r.affinity = aff;
	r.equal_load = mode == WLBS_MODE_MULTIPLE;
	return r;
}

static void assert_config_equal(const struct wlbs_config *got, const struct wlbs_config *want)
{
	int i;

	/* Field by field first, so a failure says which one. */
	assert_int_equal(got->n_vips, want->n_vips);
	for (i = 0; i < want->n_vips; i++)
		assert_memory_equal(&got->vips[i], &want->vips[i], sizeof(want->vips[i]));
	assert_int_equal(got->n_dips, want->n_dips);
	assert_int_equal(got->cluster_mode, want->cluster_mode);
	assert_int_equal(got->heartbeat_period_ms, want->heartbeat_period_ms);
	assert_int_equal(got->heartbeat_tolerance, want->heartbeat_tolerance);
	assert_int_equal(got->cleanup_delay_ms, want->cleanup_delay_ms);
	assert_int_equal(got->hash_seed, want->hash_seed);
	assert_int_equal(got->hash_seed_set, want->hash_seed_set);
	assert_string_equal(got->key_file, want->key_file);
	assert_string_equal(got->ifname, want->ifname);
	assert_int_equal(got->priority, want->priority);
	assert_int_equal(got->initial_state, want->initial_state);
	assert_int_equal(got->persist_state, want->persist_state);
	assert_int_equal(got->xdp_mode, want->xdp_mode);
	assert_memory_equal(&got->remote, &want->remote, sizeof(want->remote));
	assert_int_equal(got->n_rules, want->n_rules);
	for (i = 0; i < want->n_rules; i++) {
		assert_string_equal(got->rules[i].name, want->rules[i].name);
		assert_memory_equal(&got->rules[i], &want->rules[i], sizeof(want->rules[i]));
	}
	assert_memory_equal(got, want, sizeof(*want));
}

static void load_ok(const char *path, struct wlbs_config *c)
{
	char err[512] = "unset";
	int ret = cfg_load(path, c, err, sizeof(err));

	if (ret)
		fail_msg("%s: %d %s", path, ret, err);
	assert_string_equal(err, "");
}

static void test_defaults_are_nlb_and_documented_ones(void **state)
{
	struct wlbs_config c;

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	cfg_defaults(&c);
	assert_int_equal(c.cluster_mode, WLBS_CLUSTER_MULTICAST);
	assert_int_equal(c.heartbeat_period_ms, 100);
	assert_int_equal(c.heartbeat_tolerance, 5);
	assert_int_equal(c.cleanup_delay_ms, 5000);
	assert_int_equal(c.initial_state, CFG_INIT_STARTED);
	assert_true(c.persist_state);
	assert_int_equal(c.xdp_mode, CFG_XDP_AUTO);
	assert_false(c.remote.enabled);
	assert_int_equal(c.remote.port, 2504);
	assert_false(c.remote.convoy_port);
	assert_int_equal(c.remote.rate_limit, 10);
	assert_int_equal(c.remote.time_window_s, 30);
	assert_int_equal(c.n_vips, 0);
	assert_int_equal(c.n_rules, 0);
	assert_string_equal(c.key_file, "");
}

/* No [rule]: no port rules, so all cluster traffic goes to the default host (NLB's failover). */
static void test_minimal_file_gets_defaults_and_no_rules(void **state)
{
	struct wlbs_config got, want;

	(void)state;
	load_ok(CONFIGS "minimal.conf", &got);
	cfg_defaults(&want);
	want.vips[0] = addr("192.0.2.10", 32);
	want.n_vips = 1;
	strcpy(want.ifname, "eth0");
	want.priority = 1;
	want.n_rules = 0;
	want.hash_seed = cfg_derive_seed(&want.vips[0]);
	assert_config_equal(&got, &want);
}

static void test_full_file_sets_every_field(void **state)
{
	struct wlbs_config got, want;

	(void)state;
	load_ok(CONFIGS "full.conf", &got);
	cfg_defaults(&want);
	want.vips[0] = addr("10.0.0.5", 24);
	want.vips[1] = addr("10.0.0.6", 32);
	want.vips[2] = addr("2001:db8::5", 64);
	want.n_vips = 3;
	want.cluster_mode = WLBS_CLUSTER_UNICAST;
	want.heartbeat_period_ms = 250;
	want.heartbeat_tolerance = 3;
	want.cleanup_delay_ms = 0;
	want.hash_seed = 0xdeadbeef;
	want.hash_seed_set = true;
	strcpy(want.key_file, "/etc/wlbs/cluster.key");
	strcpy(want.ifname, "ens3");
	want.priority = 7;
	want.dips[0] = addr("10.0.0.21", 24);
	want.dips[1] = addr("2001:db8::21", 64);
	want.n_dips = 2;
	want.initial_state = CFG_INIT_SUSPENDED;
	want.persist_state = false;
	want.xdp_mode = CFG_XDP_NATIVE;
	want.remote.enabled = true;
	strcpy(want.remote.secret_file, "/etc/wlbs/remote.secret");
	want.remote.port = 2600;
	want.remote.convoy_port = true;
	want.remote.rate_limit = 50;
	want.remote.time_window_s = 60;
	want.rules[0] = rule("web", 1, 80, 81, WLBS_PROTO_TCP, WLBS_MODE_MULTIPLE, WLBS_AFF_CLASSC);
	want.rules[0].equal_load = false;
	want.rules[0].load_weight = 30;
	want.rules[1] =
	    rule("dns", CFG_VIP_ALL, 53, 53, WLBS_PROTO_UDP, WLBS_MODE_MULTIPLE, WLBS_AFF_NONE);
	want.rules[2] = rule("admin", 2, 22, 22, WLBS_PROTO_TCP | WLBS_PROTO_UDP, WLBS_MODE_SINGLE,
			     WLBS_AFF_NONE);
	want.rules[2].handling_priority = 3;
	want.rules[3] = rule("off", CFG_VIP_ALL, 0, 21, WLBS_PROTO_TCP | WLBS_PROTO_UDP,
			     WLBS_MODE_DISABLED, WLBS_AFF_NONE);
	want.n_rules = 4;
	assert_config_equal(&got, &want);
}

static void test_ipv6_only_cluster(void **state)
{
	struct wlbs_config got, want;
	unsigned char mac[6];
	static const unsigned char igmp[6] = {0x01, 0x00, 0x5e, 0x7f, 0x01, 0x05};
	static const unsigned char mcast[6] = {0x03, 0xbf, 0xc0, 0xa8, 0x01, 0x05};

	(void)state;
	load_ok(CONFIGS "ipv6-only.conf", &got);
	cfg_defaults(&want);
	want.vips[0] = addr("2001:db8::c0a8:105", 64);
	want.vips[1] = addr("2001:db8::c0a8:106", 64);
	want.n_vips = 2;
	want.cluster_mode = WLBS_CLUSTER_IGMP;
	strcpy(want.ifname, "eth1");
	want.priority = 64;
	want.rules[0] =
	    rule("https", 0, 443, 443, WLBS_PROTO_TCP, WLBS_MODE_MULTIPLE, WLBS_AFF_SINGLE);
	want.n_rules = 1;
	want.hash_seed = cfg_derive_seed(&want.vips[0]);
	assert_config_equal(&got, &want);

	/* a.b.c.d = low 32 bits of the first cluster IP: 192.168.1.5. */
	assert_int_equal(cfg_cluster_mac(&got, mac), 0);
	assert_memory_equal(mac, igmp, 6);
	got.cluster_mode = WLBS_CLUSTER_MULTICAST;
	assert_int_equal(cfg_cluster_mac(&got, mac), 0);
	assert_memory_equal(mac, mcast, 6);
}

/* N rules on ports 1000+10i..1000+10i+5, alternating all / the one cluster IP. */
static char *many_rules(int n)
{
	size_t len = 4096 + 96 * n;
	char *s = malloc(len);
	int i;

	assert_non_null(s);
	snprintf(s, len, "%s", BASE);
	for (i = 0; i < n; i++)
		snprintf(s + strlen(s), len - strlen(s), "[rule r%d]\n%sports = %d-%d\n", i,
			 i % 2 ? "ip = 10.0.0.1\n" : "", 1000 + 10 * i, 1005 + 10 * i);
	return s;
}

static void test_32_rules_load_33_do_not(void **state)
{
	struct wlbs_config c;
	char err[512], *s = many_rules(WLBS_MAX_RULES);
	int i, line;

	(void)state;
	assert_int_equal(cfg_parse_string(s, "many.conf", &c, err, sizeof(err)), 0);
	assert_int_equal(c.n_rules, WLBS_MAX_RULES);
	for (i = 0; i < WLBS_MAX_RULES; i++) {
		char name[16];

		snprintf(name, sizeof(name), "r%d", i);
		assert_string_equal(c.rules[i].name, name);
		assert_int_equal(c.rules[i].port_lo, 1000 + 10 * i);
		assert_int_equal(c.rules[i].port_hi, 1005 + 10 * i);
		assert_int_equal(c.rules[i].vip, i % 2 ? 0 : CFG_VIP_ALL);
	}
	free(s);

	s = many_rules(WLBS_MAX_RULES + 1);
	/* 5 base lines, then 2 or 3 lines per rule: the 33rd header follows 32 rules. */
	line = 5 + 16 * 2 + 16 * 3 + 1;
	memset(&c, 0x5a, sizeof(c));
	assert_int_equal(cfg_parse_string(s, "many.conf", &c, err, sizeof(err)), -EINVAL);
	snprintf(s, 64, "many.conf:%d: ", line);
	assert_contains(err, s);
	assert_contains(err, "('r32')");
	assert_contains(err, "WLBS_MAX_PORT_RULES");
	free(s);
}

static void test_example_config_parses(void **state)
{
	struct wlbs_config c;
	struct cfg_rule want;
	unsigned char mac[6];
	char err[512];
	int ret, i;

	(void)state;
	ret = cfg_load("wlbs.conf.example", &c, err, sizeof(err));
	if (ret == -ENOENT)
		ret = cfg_load("../../wlbs.conf.example", &c, err, sizeof(err));
	if (ret)
		fail_msg("wlbs.conf.example: %s", err);
	assert_true(c.n_vips >= 1);
	assert_true(c.n_rules >= 1);
	/* NLB's out-of-box rule is written out there, no longer implied by an empty file. */
	want = rule("default", CFG_VIP_ALL, 0, 65535, WLBS_PROTO_TCP | WLBS_PROTO_UDP,
		    WLBS_MODE_MULTIPLE, WLBS_AFF_SINGLE);
	for (i = 0; i < c.n_rules && strcmp(c.rules[i].name, "default"); i++)
		;
	assert_true(i < c.n_rules);
	assert_memory_equal(&c.rules[i], &want, sizeof(want));
	assert_false(c.remote.enabled);
	assert_int_equal(cfg_cluster_mac(&c, mac), 0);
}

struct bad {
	const char *text;
	int line;	   /* expected line, 0: none */
	const char *value; /* expected in ('...'), NULL: none */
	const char *what;  /* expected in the message */
};

static const struct bad bad_cases[] = {
    /* cluster_mac: syntax, never broadcast or zero, and it must fit the mode */
    {"[cluster]\nip = 10.0.0.1\ncluster_mac = 03-bf-0a\n", 3, "03-bf-0a", "xx-xx-xx-xx-xx-xx"},
    {"[cluster]\nip = 10.0.0.1\ncluster_mac = ff:ff:ff:ff:ff:ff\n", 3, "ff-ff-ff-ff-ff-ff",
     "broadcast"},
    {"[cluster]\nip = 10.0.0.1\ncluster_mac = 00-00-00-00-00-00\n", 3, "00-00-00-00-00-00",
     "all-zero"},
    {"[cluster]\nip = 10.0.0.1\nmode = unicast\ncluster_mac = 03-bf-01-02-03-04\n[host]\n"
     "interface = e\npriority = 1\n",
     4, "03-bf-01-02-03-04", "unicast mode needs a unicast MAC (multicast bit clear)"},
    {"[cluster]\nip = 10.0.0.1\ncluster_mac = 02-bf-01-02-03-04\n[host]\ninterface = e\n"
     "priority = 1\n",
     3, "02-bf-01-02-03-04", "multicast mode needs a multicast MAC"},
    {"[cluster]\nip = 10.0.0.1\nmode = igmp\ncluster_mac = 03-bf-01-02-03-04\n[host]\n"
     "interface = e\npriority = 1\n",
     4, "03-bf-01-02-03-04", "igmp mode needs 01-00-5e-7f-c-d"},
    /* structure */
    {BASE "[hots]\n", 6, "hots", "unknown section"},
    {BASE "[rule]\n", 6, "rule", "needs a name"},
    {BASE "[rule a/b]\nports = 80\n", 6, "a/b", "rule names"},
    {BASE "[cluster]\n", 6, "cluster", "repeated (first on line 1)"},
    {BASE "[rule a]\nports = 80\n[rule a]\nports = 81\n", 8, "a", "defined twice"},
    {BASE "[remote\n", 6, "[remote", "without ']'"},
    {BASE "[remote] enabled = yes\n", 6, "enabled = yes", "after the section header"},
    {"ip = 10.0.0.1\n" BASE, 1, "ip", "before any [section]"},
    {BASE "garbage here\n", 6, "garbage here", "expected 'key = value'"},
    {BASE "[remote]\nport = 2505\nrate_limit\n[bogus]\n", 8, "rate_limit", "expected"},
    {"[cluster]\nip = 10.0.0.1\nheartbeat_periode_ms = 50\n", 3, "heartbeat_periode_ms",
     "unknown key in [cluster]"},
    {BASE "[rule a]\nport = 80\n", 7, "port", "unknown key in [rule a]"},
    {BASE "[cluster]\n", 6, "cluster", "repeated"},
    {"[cluster]\nmode = unicast\nmode = igmp\n", 3, "igmp", "set twice"},
    {"[host]\npriority = 2\n  3\n", 3, "3", "set twice"},
    {"[cluster]\nmode =\n", 2, "", "no value"},
    {"[cluster]\nip = 10.0.0.1\n  [host]\n", 3, "[host]", "indented section header"},
    /* [cluster] values */
    {"[cluster]\nip = 10.0.0.256\n", 2, "10.0.0.256", "invalid IP address"},
    {"[cluster]\nip = 10.0.0.1/33\n", 2, "10.0.0.1/33", "prefix length must be 1..32"},
    {"[cluster]\nip = 10.0.0.1/0\n", 2, "10.0.0.1/0", "prefix length"},
    {"[cluster]\nip = 2001:db8::1/129\n", 2, "2001:db8::1/129", "1..128"},
    {"[cluster]\nip = 10.0.0.1, 224.0.0.9\n", 2, "224.0.0.9", "not a unicast"},
    {"[cluster]\nip = ::\n", 2, "::", "not a unicast"},
    {"[cluster]\nip = ::ffff:10.0.0.1\n", 2, "::ffff:10.0.0.1", "a.b.c.d"},
    {"[cluster]\nip = 10.0.0.1 # main\nip = 10.0.0.2, 10.0.0.1/24\n", 3, "10.0.0.1/24",
     "listed twice (first on line 2)"},
    {"[cluster]\nip = 10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6 10.0.0.7 "
     "10.0.0.8\nip = 10.0.1.1 10.0.1.2 10.0.1.3 10.0.1.4 10.0.1.5 10.0.1.6 10.0.1.7 "
     "10.0.1.8 10.0.1.9\n",
     3, "10.0.1.9", "more than 16"},
    {"[cluster]\nmode = broadcast\n", 2, "broadcast", "multicast, igmp or unicast"},
    {"[cluster]\nheartbeat_period_ms = 9\n", 2, "9", "10..10000"},
    {"[cluster]\nheartbeat_period_ms = 10001\n", 2, "10001", "10..10000"},
    {"[cluster]\nheartbeat_period_ms = 1e3\n", 2, "1e3", "10..10000"},
    {"[cluster]\nheartbeat_tolerance = 1\n", 2, "1", "2..100"},
    {"[cluster]\nheartbeat_tolerance = 101\n", 2, "101", "2..100"},
    {"[cluster]\ncleanup_delay_ms = -1\n", 2, "-1", "0..600000"},
    {"[cluster]\ncleanup_delay_ms = 600001\n", 2, "600001", "0..600000"},
    {"[cluster]\nhash_seed = 0x1ffffffff\n", 2, "0x1ffffffff", "32-bit"},
    {"[cluster]\nhash_seed = seed\n", 2, "seed", "32-bit"},
    {"[cluster]\nkey_file = cluster.key\n", 2, "cluster.key", "absolute path"},
    /* [host] values */
    {"[host]\ninterface = averyveryverylongname\n", 2, "averyveryverylongname", "longer than 15"},
    {"[host]\ninterface = eth0/1\n", 2, "eth0/1", "invalid interface name"},
    {"[host]\npriority = 0\n", 2, "0", "1..64"},
    {"[host]\npriority = 65\n", 2, "65", "1..64"},
    {"[host]\npriority = two\n", 2, "two", "1..64"},
    {"[host]\ninitial_state = running\n", 2, "running", "started, stopped or suspended"},
    {"[host]\npersist_state = maybe\n", 2, "maybe", "yes or no"},
    {"[host]\nxdp_mode = offload\n", 2, "offload", "auto, native or generic"},
    {"[host]\ndedicated_ip = 10.0.0.300\n", 2, "10.0.0.300", "invalid IP address"},
    {BASE "dedicated_ip = 10.0.0.9/24, 10.0.0.1/24\n", 6, "10.0.0.1", "also a cluster IP (line 2)"},
    /* required keys */
    {"[cluster]\nip = 10.0.0.1\n", 0, NULL, "no [host] section"},
    {"[cluster]\nip = 10.0.0.1\n[host]\npriority = 2\n", 3, NULL, "[host] has no interface"},
    {"[cluster]\nip = 10.0.0.1\n[host]\ninterface = eth0\n", 3, NULL, "[host] has no priority"},
    {"[cluster]\nmode = igmp\n[host]\ninterface = eth0\npriority = 2\n", 1, NULL, "no cluster IP"},
    /* [remote] */
    {BASE "[remote]\nport = 2600\nenabled = yes\n", 8, "yes", "needs secret_file"},
    {BASE "[remote]\nenabled = sure\n", 7, "sure", "yes or no"},
    {BASE "[remote]\nport = 0\n", 7, "0", "1..65535"},
    {BASE "[remote]\nport = 70000\n", 7, "70000", "1..65535"},
    {BASE "[remote]\nsecret_file = secret\n", 7, "secret", "absolute path"},
    {BASE "[remote]\nrate_limit = 0\n", 7, "0", "1..10000"},
    {BASE "[remote]\ntime_window_s = 0\n", 7, "0", "1..3600"},
    {BASE "[remote]\nconvoy_port = 1717\n", 7, "1717", "yes or no"},
    /* rules, key by key */
    {BASE "[rule a]\nprotocol = tcp\n", 6, NULL, "[rule a] has no ports"},
    {BASE "[rule a]\nports = 80-\n", 7, "80-", "a port or a range"},
    {BASE "[rule a]\nports = 90-80\n", 7, "90-80", "ends below its start"},
    {BASE "[rule a]\nports = 65536\n", 7, "65536", "0..65535"},
    {BASE "[rule a]\nports = http\n", 7, "http", "a port or a range"},
    {BASE "[rule a]\nports = 80\nprotocol = sctp\n", 8, "sctp", "tcp, udp or both"},
    {BASE "[rule a]\nports = 80\nmode = round-robin\n", 8, "round-robin",
     "multiple, single or disabled"},
    {BASE "[rule a]\nports = 80\naffinity = sticky\n", 8, "sticky", "none, single or classc"},
    {BASE "[rule a]\nports = 80\nload_weight = 101\n", 8, "101", "0..100 or equal"},
    {BASE "[rule a]\nports = 80\nmode = single\nhandling_priority = 65\n", 9, "65", "1..64"},
    {BASE "[rule a]\nports = 80\nmode = single\nhandling_priority = 0\n", 9, "0", "1..64"},
    {BASE "[rule a]\nports = 80\nip = 10.0.0.1/32\n", 8, "10.0.0.1/32", "without /prefix"},
    {BASE "[rule a]\nports = 80\nip = 10.0.0.9\n", 8, "10.0.0.9", "not one of the [cluster] ip"},
    {BASE "[rule a]\nports = 80\nip = 2001:db8::1\n", 8, "2001:db8::1",
     "not one of the [cluster] ip"},
    /* rules, keys that depend on the mode (mode written after them on purpose) */
    {BASE "[rule a]\nports = 80\naffinity = classc\nmode = single\n", 8, "classc",
     "affinity: only for mode multiple, not single"},
    {BASE "[rule a]\nports = 80\naffinity = none\nmode = disabled\n", 8, "none",
     "only for mode multiple, not disabled"},
    {BASE "[rule a]\nports = 80\nload_weight = 40\nmode = disabled\n", 8, "40",
     "load_weight: only for mode multiple"},
    {BASE "[rule a]\nports = 80\nload_weight = equal\nmode = single\n", 8, "equal",
     "load_weight: only for mode multiple"},
    {BASE "[rule a]\nports = 80\nhandling_priority = 3\n", 8, "3",
     "handling_priority: only for mode single, not multiple"},
    /* rules against each other */
    {BASE "[rule a]\nports = 80-90\n[rule b]\nports = 85-100\nprotocol = tcp\n", 8, NULL,
     "rule 'a' (line 6) and rule 'b' overlap on ports 85-90 for all cluster IPs/tcp "
     "(WLBS_PORT_OVERLAP)"},
    {BASE "[rule a]\nip = 10.0.0.1\nports = 80-90\nprotocol = udp\n[rule b]\nip = 10.0.0.1\n"
	  "ports = 70-80\n",
     10, NULL, "rule 'a' (line 6) and rule 'b' overlap on ports 80 for 10.0.0.1/udp"},
    {BASE "[rule a]\nports = 53\n[rule b]\nports = 53\nmode = disabled\n", 8, NULL,
     "overlap on ports 53 for all cluster IPs/tcp+udp"},
};

static void test_bad_files_fail_with_file_line_and_value(void **state)
{
	struct wlbs_config c, before;
	char err[512], want[600];
	unsigned int i;
	int ret;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad *b = &bad_cases[i];

		memset(&c, 0x5a, sizeof(c));
		before = c;
		err[0] = '\0';
		ret = cfg_parse_string(b->text, "bad.conf", &c, err, sizeof(err));
		if (ret != -EINVAL)
			fail_msg("case %u (%s): returned %d, want -EINVAL", i, b->what, ret);
		if (b->line)
			snprintf(want, sizeof(want), "bad.conf:%d: ", b->line);
		else
			snprintf(want, sizeof(want), "bad.conf: ");
		if (strncmp(err, want, strlen(want)))
			fail_msg("case %u: '%s' does not start with '%s'", i, err, want);
		assert_contains(err, b->what);
		if (b->value) {
			snprintf(want, sizeof(want), "('%s')", b->value);
			assert_contains(err, want);
		}
		if (memcmp(&c, &before, sizeof(c)))
			fail_msg("case %u: config changed on error", i);
	}
}

/*
 * Every bad case again, every error at once (--check-config): the first line
 * is the message a reload gives, each error is one line, and the count says
 * how many lines there are.
 */
static void test_every_error_mode_starts_with_the_first(void **state)
{
	char first[512], all[8192];
	struct wlbs_config c;
	unsigned int i, n, lines;
	const char *s;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad *b = &bad_cases[i];

		cfg_parse_string(b->text, "bad.conf", &c, first, sizeof(first));
		n = 0;
		assert_int_equal(
		    cfg_parse_string_all(b->text, "bad.conf", &c, all, sizeof(all), &n), -EINVAL);
		if (strncmp(all, first, strlen(first)) ||
		    (all[strlen(first)] && all[strlen(first)] != '\n'))
			fail_msg("case %u: first of all errors '%s', alone '%s'", i, all, first);
		for (lines = 1, s = all; *s; s++)
			lines += *s == '\n';
		if (n != lines)
			fail_msg("case %u: %u errors counted, %u lines: %s", i, n, lines, all);
	}
}

/*
 * A file with an error of each kind: every one is reported, in file order and
 * the whole-file checks last, and nothing an earlier error explains (the keys
 * of a refused section, a rule whose ports were refused in an overlap, a
 * required key that is there with a bad value).
 */
static void test_every_error_of_a_file(void **state)
{
	static const char text[] = "[cluster]\n"	       /* 1 */
				   "ip = 10.0.0.1\n"	       /* 2 */
				   "heartbeat_period_ms = 5\n" /* 3: out of range */
				   "[host]\n"		       /* 4 */
				   "interface = eth0\n"	       /* 5 */
				   "priority = 99\n"	       /* 6: out of range */
				   "this is not a key\n"       /* 7: syntax */
				   "[hots]\n"		       /* 8: unknown section */
				   "whatever = 1\n"	       /* 9: skipped with it */
				   "[rule a]\n"		       /* 10 */
				   "ports = 80-90\n"	       /* 11 */
				   "[rule b]\n"		       /* 12 */
				   "ports = 90-80\n"	       /* 13: refused: no overlap */
				   "[rule c]\n"		       /* 14 */
				   "ports = 85\n"	       /* 15 */
				   "mode = single\n"	       /* 16 */
				   "affinity = none\n"	       /* 17: not for single */
				   "[rule d]\n";	       /* 18: no ports */
	static const char *const want[] = {
	    "f.conf:3: [cluster] heartbeat_period_ms: must be a whole number 10..10000 ('5')",
	    "f.conf:6: [host] priority: must be a whole number 1..64 ('99')",
	    "f.conf:7: expected 'key = value' or '[section]' ('this is not a key')",
	    "f.conf:8: unknown section (expected cluster, host, remote, rule NAME or check NAME) "
	    "('hots')",
	    "f.conf:13: [rule b] ports: range ends below its start ('90-80') "
	    "(WLBS_BAD_PORT_PARAMS)",
	    "f.conf:17: [rule c] affinity: only for mode multiple, not single ('none') "
	    "(WLBS_BAD_PORT_PARAMS)",
	    "f.conf:18: [rule d] has no ports (ports = 80 or 80-90 is required) "
	    "(WLBS_BAD_PORT_PARAMS)",
	};
	char err[4096], expect[4096] = "";
	struct wlbs_config c, before;
	unsigned int i, n = 0;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		snprintf(expect + strlen(expect), sizeof(expect) - strlen(expect), "%s%s",
			 i ? "\n" : "", want[i]);
	memset(&c, 0x5a, sizeof(c));
	before = c;
	assert_int_equal(cfg_parse_string_all(text, "f.conf", &c, err, sizeof(err), &n), -EINVAL);
	assert_string_equal(err, expect);
	assert_int_equal(n, 7);
	assert_memory_equal(&c, &before, sizeof(c));
	/* A reload says the first alone. */
	assert_int_equal(cfg_parse_string(text, "f.conf", &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, want[0]);
	/* A valid file: no error, nothing counted. */
	assert_int_equal(cfg_parse_string_all(BASE, "ok.conf", &c, err, sizeof(err), &n), 0);
	assert_int_equal(n, 0);
}

/* Errors that do not fit the buffer are left out whole, and still counted. */
static void test_every_error_truncates_whole_lines(void **state)
{
	char text[4096] = BASE "[remote]\n", err[100];
	struct wlbs_config c;
	unsigned int i, n = 0;

	(void)state;
	for (i = 0; i < 20; i++)
		strcat(text, "bogus line\n");
	assert_int_equal(cfg_parse_string_all(text, "t.conf", &c, err, sizeof(err), &n), -EINVAL);
	assert_int_equal(n, 20);
	assert_string_equal(err, "t.conf:7: expected 'key = value' or '[section]' ('bogus line')");
}

static void test_long_line_is_refused_not_cut(void **state)
{
	struct wlbs_config c;
	char text[512], err[512];

	(void)state;
	snprintf(text, sizeof(text), "%s[remote]\nsecret_file = /%0200d\n", BASE, 0);
	assert_int_equal(cfg_parse_string(text, "long.conf", &c, err, sizeof(err)), -EINVAL);
	assert_contains(err, "long.conf:7: line longer than 197 characters ('secret_file = /000");
}

static void test_load_errors_name_the_path(void **state)
{
	struct wlbs_config c, before;
	char err[512], path[] = "/tmp/wlbs-test-config-XXXXXX";
	int fd;

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	before = c;
	assert_int_equal(cfg_load("/nonexistent/wlbs.conf", &c, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/wlbs.conf: No such file or directory");
	assert_int_equal(cfg_load("tests/unit/configs", &c, err, sizeof(err)), -EINVAL);
	assert_contains(err, "not a regular file");
	assert_int_equal(cfg_load(CONFIGS "bad-overlap.conf", &c, err, sizeof(err)), -EINVAL);
	assert_contains(err, CONFIGS "bad-overlap.conf:12: rule 'a' (line 8) and rule 'b'");
	assert_contains(err, "ports 85-90 for all cluster IPs/tcp");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[cluster]\nip = 10.0.0.1\x00\n", 25), 25);
	close(fd);
	assert_int_equal(cfg_load(path, &c, err, sizeof(err)), -EINVAL);
	assert_contains(err, ":2: NUL byte");
	unlink(path);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void test_bad_reload_keeps_running_config(void **state)
{
	struct wlbs_config running, before;
	char err[512];

	(void)state;
	load_ok(CONFIGS "full.conf", &running);
	before = running;
	assert_int_equal(cfg_load(CONFIGS "bad-overlap.conf", &running, err, sizeof(err)), -EINVAL);
	assert_memory_equal(&running, &before, sizeof(running));
	assert_int_equal(cfg_parse_string(BASE "[host]\n", "x", &running, err, sizeof(err)),
			 -EINVAL);
	assert_memory_equal(&running, &before, sizeof(running));
}

static void test_syntax_variants(void **state)
{
	struct wlbs_config c;
	char err[512];
	const char *text = "\xef\xbb\xbf# BOM, CRLF, comments, case, continuation lines\r\n"
			   "[Cluster]\r\n"
			   "IP = 10.0.0.1/24, ; the first\r\n"
			   "     10.0.0.2\t2001:db8::1/64 # more\r\n"
			   "Mode = IGMP\r\n"
			   "\r\n"
			   "[HOST]\r\n"
			   "interface=eth0\r\n"
			   "priority: 3\r\n"
			   "persist_state = Off\r\n"
			   "[rule Web-1.a]\r\n"
			   "ports = 8000 - 8080\r\n"
			   "protocol = UDP ; comment\r\n"
			   "load_weight = Equal\r\n";

	(void)state;
	if (cfg_parse_string(text, "v.conf", &c, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(c.n_vips, 3);
	assert_int_equal(c.vips[0].prefix, 24);
	assert_int_equal(c.vips[1].prefix, 32);
	assert_false(c.vips[2].v4);
	assert_int_equal(c.cluster_mode, WLBS_CLUSTER_IGMP);
	assert_int_equal(c.priority, 3);
	assert_false(c.persist_state);
	assert_string_equal(c.rules[0].name, "Web-1.a");
	assert_int_equal(c.rules[0].port_lo, 8000);
	assert_int_equal(c.rules[0].port_hi, 8080);
	assert_int_equal(c.rules[0].proto, WLBS_PROTO_UDP);
	assert_true(c.rules[0].equal_load);
}

static void test_rule_details(void **state)
{
	struct wlbs_config c;
	char err[512];

	(void)state;
	/* A rule for one cluster IP may overlap a rule for all; tcp and udp rules may share ports.
	 */
	assert_int_equal(cfg_parse_string(BASE "[rule all]\nports = 80\n[rule one]\nip = 10.0.0.1\n"
					       "ports = 80\n[rule t]\nports = 53\nprotocol = tcp\n"
					       "[rule u]\nports = 53\nprotocol = udp\n"
					       "[rule s]\nports = 22\nmode = single\n",
					  "r.conf", &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.n_rules, 5);
	assert_int_equal(c.rules[0].affinity, WLBS_AFF_SINGLE);
	assert_true(c.rules[0].equal_load);
	/* single mode: handling priority defaults to the host priority, no affinity or weight */
	assert_int_equal(c.rules[4].handling_priority, 2);
	assert_int_equal(c.rules[4].affinity, WLBS_AFF_NONE);
	assert_false(c.rules[4].equal_load);
	/* an explicit `ip = all` is the default scope */
	assert_int_equal(cfg_parse_string(BASE "[rule a]\nip = all\nports = 1\n", "r.conf", &c, err,
					  sizeof(err)),
			 0);
	assert_int_equal(c.rules[0].vip, CFG_VIP_ALL);
}

static void test_ip2mac_vectors(void **state)
{
	static const unsigned char mc[6] = {0x03, 0xbf, 0x0a, 0x00, 0x00, 0x05};
	static const unsigned char uc[6] = {0x02, 0xbf, 0x0a, 0x00, 0x00, 0x05};
	static const unsigned char ig[6] = {0x01, 0x00, 0x5e, 0x7f, 0x00, 0x05};
	static const unsigned char ig2[6] = {0x01, 0x00, 0x5e, 0x7f, 0xfe, 0x01};
	unsigned char mac[6];
	char s[IP2MAC_STRLEN];

	(void)state;
	assert_int_equal(cfg_ip2mac("10.0.0.5", WLBS_CLUSTER_MULTICAST, mac), 0);
	assert_memory_equal(mac, mc, 6);
	ip2mac_format(mac, s);
	assert_string_equal(s, "03-bf-0a-00-00-05");
	assert_int_equal(cfg_ip2mac("10.0.0.5", WLBS_CLUSTER_UNICAST, mac), 0);
	assert_memory_equal(mac, uc, 6);
	assert_int_equal(cfg_ip2mac("10.0.0.5", WLBS_CLUSTER_IGMP, mac), 0);
	assert_memory_equal(mac, ig, 6);
	ip2mac_format(mac, s);
	assert_string_equal(s, "01-00-5e-7f-00-05");
	assert_int_equal(cfg_ip2mac("192.168.254.1", WLBS_CLUSTER_IGMP, mac), 0);
	assert_memory_equal(mac, ig2, 6);

	assert_int_equal(cfg_ip2mac("10.0.0", WLBS_CLUSTER_UNICAST, mac), -EINVAL);
	/* IPv6: its low 32 bits, as for an IPv6-only cluster. */
	assert_int_equal(cfg_ip2mac("2001:db8::a0b:c0d", WLBS_CLUSTER_MULTICAST, mac), 0);
	ip2mac_format(mac, s);
	assert_string_equal(s, "03-bf-0a-0b-0c-0d");
	assert_int_equal(cfg_ip2mac("0.0.0.0", WLBS_CLUSTER_MULTICAST, mac), -EINVAL);
	assert_int_equal(cfg_ip2mac("255.255.255.255", WLBS_CLUSTER_MULTICAST, mac), -EINVAL);
	assert_int_equal(cfg_ip2mac("::", WLBS_CLUSTER_MULTICAST, mac), -EINVAL);
	assert_int_equal(cfg_ip2mac(NULL, WLBS_CLUSTER_UNICAST, mac), -EINVAL);
	assert_int_equal(cfg_ip2mac("10.0.0.5", 3, mac), -EINVAL);
	assert_int_equal(ip2mac_mode_parse("Unicast"), WLBS_CLUSTER_UNICAST);
	assert_int_equal(ip2mac_mode_parse("igmp"), WLBS_CLUSTER_IGMP);
	assert_int_equal(ip2mac_mode_parse("multicast"), WLBS_CLUSTER_MULTICAST);
	assert_int_equal(ip2mac_mode_parse("broadcast"), -EINVAL);
	assert_string_equal(ip2mac_mode_name(WLBS_CLUSTER_IGMP), "igmp");
	assert_string_equal(ip2mac_mode_name(7), "?");
}

static void test_cluster_mac_uses_first_ipv4(void **state)
{
	static const unsigned char uc[6] = {0x02, 0xbf, 0x0a, 0x00, 0x00, 0x07};
	struct wlbs_config c;
	unsigned char mac[6];
	char err[512];

	(void)state;
	assert_int_equal(cfg_parse_string("[cluster]\nip = 2001:db8::1, 10.0.0.7, 10.0.0.8\n"
					  "mode = unicast\n[host]\ninterface = e\npriority = 1\n",
					  "m.conf", &c, err, sizeof(err)),
			 0);
	assert_int_equal(cfg_cluster_mac(&c, mac), 0);
	assert_memory_equal(mac, uc, 6);
	cfg_defaults(&c);
	assert_int_equal(cfg_cluster_mac(&c, mac), -EINVAL);
}

/* [cluster] with ip = 10.0.0.1 and @keys, plus a [host]: the MAC it gives, and @c. */
static void cluster_mac_of(const char *keys, struct wlbs_config *c, unsigned char mac[6])
{
	char text[300], err[512];

	snprintf(text, sizeof(text),
		 "[cluster]\nip = 10.0.0.1\n%s[host]\ninterface = e\npriority = 1\n", keys);
	if (cfg_parse_string(text, "m.conf", c, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(cfg_cluster_mac(c, mac), 0);
}

/* cluster_mac = by hand (NLB allows it): used as given, in either spelling, per mode. */
static void test_manual_cluster_mac(void **state)
{
	static const unsigned char mc[6] = {0x03, 0xbf, 0x01, 0x02, 0x03, 0x04};
	static const unsigned char ig[6] = {0x01, 0x00, 0x5e, 0x7f, 0x11, 0x22};
	static const unsigned char uc[6] = {0x02, 0x42, 0xaa, 0xbb, 0xcc, 0xdd};
	struct wlbs_config c;
	unsigned char mac[6];

	(void)state;
	cluster_mac_of("cluster_mac = 03-BF-01-02-03-04\n", &c, mac);
	assert_true(c.cluster_mac_set);
	assert_memory_equal(mac, mc, 6);
	cluster_mac_of("mode = igmp\ncluster_mac = 01:00:5e:7f:11:22\n", &c, mac);
	assert_memory_equal(mac, ig, 6);
	/* The group joined is the one whose MAC that is: 239.255.0x11.0x22. */
	assert_int_equal(cfg_igmp_group(&c).s_addr, htonl(0xefff1122));
	cluster_mac_of("mode = unicast\ncluster_mac = 02-42-aa-bb-cc-dd\n", &c, mac);
	assert_memory_equal(mac, uc, 6);
	/* Derived when not set: the IGMP group of the first IPv4 cluster IP. */
	cluster_mac_of("mode = igmp\n", &c, mac);
	assert_false(c.cluster_mac_set);
	assert_int_equal(cfg_igmp_group(&c).s_addr, htonl(0xefff0001));
}

static void test_hash_seed_derived_from_first_ip_or_set(void **state)
{
	struct wlbs_config a, b;
	char err[512];

	(void)state;
	assert_int_equal(cfg_parse_string(BASE, "a", &a, err, sizeof(err)), 0);
	/* another host: same first cluster IP, different everything else */
	assert_int_equal(cfg_parse_string("[host]\npriority = 9\ninterface = eth7\n[cluster]\n"
					  "ip = 10.0.0.1/8, 10.0.0.2\n",
					  "b", &b, err, sizeof(err)),
			 0);
	assert_false(a.hash_seed_set);
	assert_int_equal(a.hash_seed, b.hash_seed);
	assert_int_equal(a.hash_seed, cfg_derive_seed(&a.vips[0]));
	assert_int_not_equal(a.hash_seed, cfg_derive_seed(&b.vips[1]));
	assert_int_equal(cfg_parse_string(BASE "[cluster]\n", "c", &b, err, sizeof(err)), -EINVAL);
	assert_int_equal(cfg_parse_string("[cluster]\nip = 10.0.0.1\nhash_seed = 4294967295\n"
					  "[host]\ninterface = e\npriority = 1\n",
					  "c", &b, err, sizeof(err)),
			 0);
	assert_true(b.hash_seed_set);
	assert_int_equal(b.hash_seed, 0xffffffffu);
	assert_int_equal(cfg_parse_string("[cluster]\nip = 10.0.0.1\nhash_seed = 0\n"
					  "[host]\ninterface = e\npriority = 1\n",
					  "c", &b, err, sizeof(err)),
			 0);
	assert_true(b.hash_seed_set);
	assert_int_equal(b.hash_seed, 0);
}

#define RULES_CLUSTER "[cluster]\nip = 10.0.0.1, 10.0.0.2\n"

static uint32_t fingerprint_of(const char *text, struct wlbs_config *c)
{
	char err[512];

	if (cfg_parse_string(text, "f.conf", c, err, sizeof(err)))
		fail_msg("%s", err);
	return cfg_rules_fingerprint(c);
}

static void test_rules_fingerprint_and_equality(void **state)
{
	struct wlbs_config a, b;
	uint32_t fa, fb;

	(void)state;
	fa =
	    fingerprint_of(RULES_CLUSTER "[host]\ninterface = e\npriority = 1\n"
					 "[rule web]\nip = 10.0.0.2\nports = 80\nload_weight = 10\n"
					 "[rule ssh]\nports = 22\nmode = single\n",
			   &a);
	/* Another host: rules listed the other way round, other names, weights and
	 * handling priorities, cluster IPs in another order: same fingerprint. */
	fb = fingerprint_of(
	    "[cluster]\nip = 10.0.0.2\nip = 10.0.0.1\n[host]\ninterface = f\n"
	    "priority = 2\n[rule s]\nports = 22\nmode = single\nhandling_priority = 9\n"
	    "[rule w]\nip = 10.0.0.2\nports = 80\nload_weight = equal\n",
	    &b);
	assert_int_equal(fa, fb);
	assert_false(cfg_rules_equal(&a, &b));
	assert_true(cfg_rules_equal(&a, &a));

	/* Every cluster-wide field changes it. */
	static const char *const variants[] = {
	    "[rule web]\nip = 10.0.0.1\nports = 80\n[rule ssh]\nports = 22\nmode = single\n",
	    "[rule web]\nip = 10.0.0.2\nports = 81\n[rule ssh]\nports = 22\nmode = single\n",
	    "[rule web]\nip = 10.0.0.2\nports = 80-81\n[rule ssh]\nports = 22\nmode = single\n",
	    "[rule web]\nip = 10.0.0.2\nports = 80\nprotocol = tcp\n[rule ssh]\nports = 22\n"
	    "mode = single\n",
	    "[rule web]\nip = 10.0.0.2\nports = 80\naffinity = none\n[rule ssh]\nports = 22\n"
	    "mode = single\n",
	    "[rule web]\nip = 10.0.0.2\nports = 80\n[rule ssh]\nports = 22\nmode = disabled\n",
	    "[rule web]\nip = 10.0.0.2\nports = 80\n",
	};
	char text[512];
	unsigned int i;

	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		snprintf(text, sizeof(text), "%s[host]\ninterface = e\npriority = 1\n%s",
			 RULES_CLUSTER, variants[i]);
		fb = fingerprint_of(text, &b);
		if (fa == fb)
			fail_msg("variant %u has the same fingerprint", i);
		assert_false(cfg_rules_equal(&a, &b));
	}

	/* Equality sees per-host fields too. */
	b = a;
	b.rules[0].load_weight = 11;
	assert_false(cfg_rules_equal(&a, &b));
	assert_int_equal(cfg_rules_fingerprint(&a), cfg_rules_fingerprint(&b));
	b = a;
	strcpy(b.rules[1].name, "other");
	assert_false(cfg_rules_equal(&a, &b));
}

/* Each error answers a reload with the code --check-config names: rules their own. */
static void test_error_codes(void **state)
{
	static const struct {
		const char *text;
		unsigned int status;
	} cases[] = {
	    {BASE "[rule a]\nports = 80-90\n[rule b]\nports = 85\n", WLBS_PORT_OVERLAP},
	    {BASE "[rule a]\nports = 90-80\n", WLBS_BAD_PORT_PARAMS},
	    {BASE "[rule a]\nports = 80\ncolour = red\n", WLBS_BAD_PORT_PARAMS},
	    {BASE "[rule a]\nprotocol = tcp\n", WLBS_BAD_PORT_PARAMS},		  /* no ports */
	    {BASE "[rule a]\nports = 80\nip = 10.0.0.9\n", WLBS_BAD_PORT_PARAMS}, /* finish */
	    {BASE "[rule a]\nports = 80\n[rule a]\nports = 81\n", WLBS_BAD_PORT_PARAMS},
	    /* Not the rule's, though a rule came before. */
	    {BASE "[rule a]\nports = 80\n[host]\n", WLBS_BAD_PARAMS},
	    {BASE "[rule a]\nports = 80\n[remote]\nenabled = yes\n", WLBS_BAD_PARAMS},
	    {BASE "[rule a]\nports = 80\nnot a key line\n", WLBS_BAD_PARAMS},
	    {"[cluster]\nip = 10.0.0.1\n[rule a]\nports = 80\n", WLBS_BAD_PARAMS}, /* no host */
	    {BASE "heartbeat_period_ms = 5\n", WLBS_BAD_PARAMS},
	    {BASE "[rule a]\nports = 80\n", WLBS_OK},
	};
	struct wlbs_config c;
	unsigned int st;
	char err[512], *many;

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		st = 0;
		cfg_parse_string_status(cases[i].text, "codes.conf", &c, err, sizeof(err), &st);
		if (st != cases[i].status)
			fail_msg("case %u: status %u, want %u (%s)", i, st, cases[i].status, err);
		if (st == WLBS_BAD_PORT_PARAMS)
			assert_contains(err, "(WLBS_BAD_PORT_PARAMS)");
		if (st == WLBS_PORT_OVERLAP) /* named once, where the message always had it */
			assert_null(strstr(strstr(err, "WLBS_PORT_OVERLAP") + 1, "WLBS_"));
	}
	many = many_rules(WLBS_MAX_RULES + 1);
	cfg_parse_string_status(many, "many.conf", &c, err, sizeof(err), &st);
	assert_int_equal(st, WLBS_MAX_PORT_RULES);
	free(many);
	assert_int_equal(cfg_load_status("/nonexistent/wlbs.conf", &c, err, sizeof(err), &st),
			 -ENOENT);
	assert_int_equal(st, WLBS_BAD_PARAMS);
	assert_int_equal(cfg_load_status(CONFIGS "bad-overlap.conf", &c, err, sizeof(err), &st),
			 -EINVAL);
	assert_int_equal(st, WLBS_PORT_OVERLAP);
}

/* What only a restart applies: each key named with old and new value; the rest is not. */
static void test_restart_keys(void **state)
{
	struct wlbs_config a, b;
	char buf[300], err[256];

	(void)state;
	assert_int_equal(cfg_parse_string(BASE "[rule a]\nports = 80\n", "a", &a, err, sizeof(err)),
			 0);
	b = a;
	b.heartbeat_period_ms = 500; /* reload applies these */
	b.rules[0].port_hi = 90;
	b.vips[1] = addr("10.0.0.2", 32);
	b.n_vips = 2;
	assert_int_equal(cfg_restart_keys(&a, &b, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	b.priority = 3;
	assert_int_equal(cfg_restart_keys(&a, &b, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "priority 2 -> 3");
	strcpy(b.ifname, "eth1");
	b.xdp_mode = CFG_XDP_NATIVE;
	assert_int_equal(cfg_restart_keys(&a, &b, buf, sizeof(buf)), 3);
	assert_string_equal(buf,
			    "priority 2 -> 3, interface eth0 -> eth1, xdp_mode auto -> native");
	b = a;
	b.cluster_mode = WLBS_CLUSTER_UNICAST;
	assert_int_equal(cfg_restart_keys(&a, &b, buf, sizeof(buf)), 1);
	assert_contains(buf, "cluster MAC/mode ");
	assert_contains(buf, " multicast -> ");
	assert_contains(buf, " unicast");
	b = a;
	b.vips[0] = addr("10.0.0.7", 32); /* the derived cluster MAC follows the first IP */
	assert_int_equal(cfg_restart_keys(&a, &b, buf, sizeof(buf)), 1);
	/* A short buffer is cut, never overrun; the count stays right. */
	b.priority = 3;
	assert_int_equal(cfg_restart_keys(&a, &b, buf, 12), 2);
	assert_string_equal(buf, "priority 2 ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_are_nlb_and_documented_ones),
	    cmocka_unit_test(test_minimal_file_gets_defaults_and_no_rules),
	    cmocka_unit_test(test_full_file_sets_every_field),
	    cmocka_unit_test(test_ipv6_only_cluster),
	    cmocka_unit_test(test_32_rules_load_33_do_not),
	    cmocka_unit_test(test_example_config_parses),
	    cmocka_unit_test(test_bad_files_fail_with_file_line_and_value),
	    cmocka_unit_test(test_every_error_mode_starts_with_the_first),
	    cmocka_unit_test(test_every_error_of_a_file),
	    cmocka_unit_test(test_every_error_truncates_whole_lines),
	    cmocka_unit_test(test_long_line_is_refused_not_cut),
	    cmocka_unit_test(test_load_errors_name_the_path),
	    cmocka_unit_test(test_bad_reload_keeps_running_config),
	    cmocka_unit_test(test_syntax_variants),
	    cmocka_unit_test(test_rule_details),
	    cmocka_unit_test(test_ip2mac_vectors),
	    cmocka_unit_test(test_cluster_mac_uses_first_ipv4),
	    cmocka_unit_test(test_manual_cluster_mac),
	    cmocka_unit_test(test_hash_seed_derived_from_first_ip_or_set),
	    cmocka_unit_test(test_rules_fingerprint_and_equality),
	    cmocka_unit_test(test_error_codes),
	    cmocka_unit_test(test_restart_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
