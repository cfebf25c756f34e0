// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration -> fast-path tables: cluster IPs v4-mapped in network order,
 * rules for one cluster IP before rules for all, the config -> table index
 * map, and the fast path's own lookups (wlbs/lookup.h, the code the XDP
 * program runs) picking what the port rules say for every port.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "wlbs/lookup.h"
#include "config/tables.c"

static void parse(const char *text, struct wlbs_config *c)
{
	char err[512];

	if (cfg_parse_string(text, "t.conf", c, err, sizeof(err)))
		fail_msg("%s", err);
}

static void vip16(const char *ip, unsigned char out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, ip, out + 12) == 1) {
		out[10] = out[11] = 0xff;
		return;
	}
	assert_int_equal(inet_pton(AF_INET6, ip, out), 1);
}

/* The fast path's rule for a packet to @vip16: its cluster IP's index, then the rule. */
static int rule_for(const struct wlbs_tables *t, const unsigned char vip16[16], int proto,
		    unsigned int port)
{
	__u32 a[4];
	int vip;

	memcpy(a, vip16, sizeof(a));
	vip = wlbs_find_vip(t, a);
	return vip < 0 ? -1 : wlbs_find_rule(t, vip, proto, port);
}

static int vip_index(const struct wlbs_tables *t, const unsigned char vip16[16])
{
	__u32 a[4];

	memcpy(a, vip16, sizeof(a));
	return wlbs_find_vip(t, a);
}

/* Rules for all listed first on purpose: the tables must still put them last. */
static const char *const mixed =
    "[cluster]\nip = 10.0.0.1/24, 10.0.0.2/24, 2001:db8::1/64\n"
    "[host]\ninterface = eth0\npriority = 4\n"
    "[rule all-web]\nports = 80\nprotocol = tcp\n"				 /* 0 */
    "[rule all-high]\nports = 1024-65535\nmode = disabled\n"			 /* 1 */
    "[rule v2-web]\nip = 10.0.0.2\nports = 80-81\n"				 /* 2 */
    "[rule v6-dns]\nip = 2001:db8::1\nports = 53\nprotocol = udp\n"		 /* 3 */
    "[rule v1-web]\nip = 10.0.0.1\nports = 80\nprotocol = tcp\nmode = single\n"; /* 4 */

static void test_vips_are_v4_mapped_network_order(void **state)
{
	struct wlbs_config c;
	struct wlbs_tables t;
	int idx[WLBS_MAX_RULES];
	unsigned char v[16];
	static const unsigned char want1[16] = {0, 0, 0,    0,	  0,  0, 0, 0,
						0, 0, 0xff, 0xff, 10, 0, 0, 1};

	(void)state;
	parse(mixed, &c);
	assert_int_equal(tables_from_config(&c, &t, idx), 0);
	assert_int_equal(t.n_vips, 3);
	assert_memory_equal(t.vips[0].addr, want1, 16);
	assert_int_equal(t.vips[0].addr[3], htonl(0x0a000001));
	vip16("2001:db8::1", v);
	assert_memory_equal(t.vips[2].addr, v, 16);
	assert_int_equal(vip_index(&t, v), 2);
	vip16("10.0.0.3", v);
	assert_int_equal(vip_index(&t, v), -1);
}

static void test_rules_for_one_vip_come_first(void **state)
{
	struct wlbs_config c;
	struct wlbs_tables t;
	int idx[WLBS_MAX_RULES], i;
	bool seen_all = false;

	(void)state;
	parse(mixed, &c);
	memset(&t, 0x5a, sizeof(t));
	assert_int_equal(tables_from_config(&c, &t, idx), 0);
	assert_int_equal(t.n_rules, 5);
	for (i = 0; i < (int)t.n_rules; i++) {
		if (t.rules[i].vip == WLBS_VIP_ALL)
			seen_all = true;
		else if (seen_all)
			fail_msg("table rule %d is for one cluster IP but follows a rule for all",
				 i);
	}
	/* Canonical order: by cluster IP address, then first port. */
	assert_int_equal(idx[4], 0); /* v1-web: 10.0.0.1 */
	assert_int_equal(idx[2], 1); /* v2-web: 10.0.0.2 */
	assert_int_equal(idx[3], 2); /* v6-dns: 2001:db8::1 */
	assert_int_equal(idx[0], 3); /* all-web: port 80 */
	assert_int_equal(idx[1], 4); /* all-high: port 1024 */
	for (i = c.n_rules; i < WLBS_MAX_RULES; i++)
		assert_int_equal(idx[i], -1);
	/* Every field carried over, per-host flags cleared, unused entries zero. */
	for (i = 0; i < c.n_rules; i++) {
		const struct cfg_rule *r = &c.rules[i];
		const struct wlbs_rule *w = &t.rules[idx[i]];

		assert_int_equal(w->vip, r->vip == CFG_VIP_ALL ? WLBS_VIP_ALL : (__u32)r->vip);
		assert_int_equal(w->port_lo, r->port_lo);
		assert_int_equal(w->port_hi, r->port_hi);
		assert_int_equal(w->proto, r->proto);
		assert_int_equal(w->mode, r->mode);
		assert_int_equal(w->affinity, r->affinity);
		assert_int_equal(w->flags, 0);
	}
	assert_int_equal(t.rules[idx[4]].mode, WLBS_MODE_SINGLE);
	assert_int_equal(t.rules[idx[1]].mode, WLBS_MODE_DISABLED);
	for (i = c.n_rules; i < WLBS_MAX_RULES; i++)
		assert_int_equal(t.rules[i].port_hi, 0);
}

static void test_rule_for_picks_what_the_rules_say(void **state)
{
	struct wlbs_config c;
	struct wlbs_tables t;
	int idx[WLBS_MAX_RULES];
	unsigned char v1[16], v2[16], v6[16], other[16];

	(void)state;
	parse(mixed, &c);
	assert_int_equal(tables_from_config(&c, &t, idx), 0);
	vip16("10.0.0.1", v1);
	vip16("10.0.0.2", v2);
	vip16("2001:db8::1", v6);
	vip16("10.0.0.9", other);

	/* the cluster IP's own rule wins over the rule for all */
	assert_int_equal(rule_for(&t, v1, IPPROTO_TCP, 80), idx[4]);
	assert_int_equal(rule_for(&t, v2, IPPROTO_TCP, 80), idx[2]);
	assert_int_equal(rule_for(&t, v6, IPPROTO_TCP, 80), idx[0]);
	/* v1-web is tcp only: udp to port 80 of 10.0.0.1 is no rule's (all-web is tcp too) */
	assert_int_equal(rule_for(&t, v1, IPPROTO_UDP, 80), -1);
	assert_int_equal(rule_for(&t, v2, IPPROTO_UDP, 81), idx[2]);
	assert_int_equal(rule_for(&t, v1, IPPROTO_TCP, 81), -1);
	assert_int_equal(rule_for(&t, v6, IPPROTO_UDP, 53), idx[3]);
	assert_int_equal(rule_for(&t, v6, IPPROTO_TCP, 53), -1);
	assert_int_equal(rule_for(&t, v1, IPPROTO_TCP, 1024), idx[1]);
	assert_int_equal(rule_for(&t, v1, IPPROTO_UDP, 65535), idx[1]);
	assert_int_equal(rule_for(&t, v1, IPPROTO_TCP, 1023), -1);
	/* not a cluster IP, or neither TCP nor UDP: no rule */
	assert_int_equal(rule_for(&t, other, IPPROTO_TCP, 80), -1);
	assert_int_equal(rule_for(&t, v1, IPPROTO_ICMP, 80), -1);
	assert_int_equal(rule_for(&t, v1, IPPROTO_SCTP, 80), -1);
}

/* What the config means, without the tables: a rule of the IP itself, else one for all. */
static int config_rule_for(const struct wlbs_config *c, int vip, unsigned int bit,
			   unsigned int port)
{
	int pass, i;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < c->n_rules; i++) {
			const struct cfg_rule *r = &c->rules[i];

			if (r->vip == (pass ? CFG_VIP_ALL : vip) && (r->proto & bit) &&
			    port >= r->port_lo && port <= r->port_hi)
				return i;
		}
	return -1;
}

static void test_rule_for_matches_config_on_every_port(void **state)
{
	struct wlbs_config c;
	struct wlbs_tables t;
	int idx[WLBS_MAX_RULES], vip, want, got;
	unsigned int port, p;
	static const int protos[2] = {IPPROTO_TCP, IPPROTO_UDP};

	(void)state;
	parse(mixed, &c);
	assert_int_equal(tables_from_config(&c, &t, idx), 0);
	for (vip = 0; vip < c.n_vips; vip++)
		for (p = 0; p < 2; p++)
			for (port = 0; port <= 65535; port++) {
				want = config_rule_for(&c, vip, p + 1, port);
				got = rule_for(&t, (const unsigned char *)t.vips[vip].addr,
					       protos[p], port);
				if (got != (want < 0 ? -1 : idx[want]))
					fail_msg("vip %d proto %d port %u: table rule %d, config "
						 "rule %d",
						 vip, protos[p], port, got, want);
			}
}

static void test_file_order_does_not_change_tables(void **state)
{
	struct wlbs_config a, b;
	struct wlbs_tables ta, tb;
	int ia[WLBS_MAX_RULES], ib[WLBS_MAX_RULES];

	(void)state;
	parse(mixed, &a);
	parse("[cluster]\nip = 10.0.0.1/24, 10.0.0.2/24, 2001:db8::1/64\n"
	      "[host]\ninterface = eth0\npriority = 4\n"
	      "[rule x1]\nip = 10.0.0.1\nports = 80\nprotocol = tcp\nmode = single\n"
	      "[rule x2]\nports = 1024-65535\nmode = disabled\n"
	      "[rule x3]\nip = 2001:db8::1\nports = 53\nprotocol = udp\n"
	      "[rule x4]\nports = 80\nprotocol = tcp\n"
	      "[rule x5]\nip = 10.0.0.2\nports = 80-81\n",
	      &b);
	assert_int_equal(tables_from_config(&a, &ta, ia), 0);
	assert_int_equal(tables_from_config(&b, &tb, ib), 0);
	assert_memory_equal(&ta, &tb, sizeof(ta));
	assert_int_equal(cfg_rules_fingerprint(&a), cfg_rules_fingerprint(&b));
}

/* No [rule]: an empty table, every cluster packet is uncovered (the default host's). */
static void test_no_rules_table(void **state)
{
	struct wlbs_config c;
	struct wlbs_tables t;
	int idx[WLBS_MAX_RULES];
	unsigned char v[16];

	(void)state;
	parse("[cluster]\nip = 192.0.2.1\n[host]\ninterface = eth0\npriority = 1\n", &c);
	assert_int_equal(tables_from_config(&c, &t, idx), 0);
	assert_int_equal(t.n_rules, 0);
	vip16("192.0.2.1", v);
	assert_int_equal(rule_for(&t, v, IPPROTO_UDP, 0), -1);
	assert_int_equal(rule_for(&t, v, IPPROTO_TCP, 65535), -1);
}

_Static_assert(WLBS_IPPROTO_TCP == IPPROTO_TCP && WLBS_IPPROTO_UDP == IPPROTO_UDP,
	       "wlbs/lookup.h protocol numbers");

/* Counts past the table sizes (a torn or corrupt table) never read past the arrays. */
static void test_lookup_stays_within_the_tables(void **state)
{
	struct wlbs_tables t;
	__u32 a[4] = {0, 0, htonl(0xffff), htonl(0x0a000063)};
	int i;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.n_vips = t.n_rules = 0xffffffffu;
	for (i = 0; i < WLBS_MAX_VIPS; i++)
		t.vips[i].addr[3] = htonl(0x0a000001);
	for (i = 0; i < WLBS_MAX_RULES; i++)
		t.rules[i] = (struct wlbs_rule){.vip = 0, .port_lo = 1, .port_hi = 1};
	assert_int_equal(wlbs_find_vip(&t, a), -1);
	assert_int_equal(wlbs_find_rule(&t, 0, IPPROTO_TCP, 80), -1);
	t.vips[WLBS_MAX_VIPS - 1].addr[0] = a[0];
	t.vips[WLBS_MAX_VIPS - 1].addr[1] = a[1];
	t.vips[WLBS_MAX_VIPS - 1].addr[2] = a[2];
	t.vips[WLBS_MAX_VIPS - 1].addr[3] = a[3];
	assert_int_equal(wlbs_find_vip(&t, a), WLBS_MAX_VIPS - 1);
	t.rules[WLBS_MAX_RULES - 1] = (struct wlbs_rule){
	    .vip = WLBS_VIP_ALL, .port_lo = 80, .port_hi = 80, .proto = WLBS_PROTO_TCP};
	assert_int_equal(wlbs_find_rule(&t, 0, IPPROTO_TCP, 80), WLBS_MAX_RULES - 1);
	/* and a count below the size hides the entries past it */
	t.n_vips = WLBS_MAX_VIPS - 1;
	t.n_rules = WLBS_MAX_RULES - 1;
	assert_int_equal(wlbs_find_vip(&t, a), -1);
	assert_int_equal(wlbs_find_rule(&t, 0, IPPROTO_TCP, 80), -1);
}

static void test_inconsistent_config_is_refused(void **state)
{
	struct wlbs_config c;
	struct wlbs_tables t;
	int idx[WLBS_MAX_RULES];

	(void)state;
	parse(mixed, &c);
	c.rules[2].vip = c.n_vips;
	assert_int_equal(tables_from_config(&c, &t, idx), -EINVAL);
	parse(mixed, &c);
	c.n_rules = WLBS_MAX_RULES + 1;
	assert_int_equal(tables_from_config(&c, &t, idx), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vips_are_v4_mapped_network_order),
	    cmocka_unit_test(test_rules_for_one_vip_come_first),
	    cmocka_unit_test(test_rule_for_picks_what_the_rules_say),
	    cmocka_unit_test(test_rule_for_matches_config_on_every_port),
	    cmocka_unit_test(test_file_order_does_not_change_tables),
	    cmocka_unit_test(test_no_rules_table),
	    cmocka_unit_test(test_lookup_stays_within_the_tables),
	    cmocka_unit_test(test_inconsistent_config_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
