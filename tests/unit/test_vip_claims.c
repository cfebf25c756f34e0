// SPDX-License-Identifier: GPL-2.0
/*
 * Cluster IP claims as wlbsd reports them: one event per new claimer (named
 * another cluster, another machine, or a member's own MAC), none for more
 * claims by the same MAC, one cleared event after VC_CLEAR_MS without a claim,
 * and a previous run's old claims are not news.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../daemon/vip_claims.c"

static struct wlbs_vip_claim map[WLBS_MAX_VIPS];
static struct {
	int kind;
	char text[256];
} ev[16];
static int n_ev;

int fp_read_claim(const struct fp *fp, unsigned int vip, struct wlbs_vip_claim *out)
{
	(void)fp;
	*out = map[vip];
	return 0;
}

void ev_emit(enum wlbs_event_kind kind, int prio, const struct ev_fields *f, const char *fmt, ...)
{
	va_list ap;

	(void)prio, (void)f;
	assert_true(n_ev < 16);
	ev[n_ev].kind = kind;
	va_start(ap, fmt);
	vsnprintf(ev[n_ev].text, sizeof(ev[n_ev].text), fmt, ap);
	va_end(ap);
	n_ev++;
}

static struct wlbsd d;

static void claim(unsigned int vip, const char *addr, const uint8_t mac[6], uint64_t age_ms)
{
	char mapped[64];

	snprintf(mapped, sizeof(mapped), strchr(addr, ':') ? "%s" : "::ffff:%s", addr);
	assert_int_equal(inet_pton(AF_INET6, mapped, map[vip].addr), 1);
	memcpy(map[vip].mac, mac, 6);
	map[vip].last_ns = mono_ns() - age_ms * 1000000ull;
	map[vip].count++;
}

static int setup(void **state)
{
	(void)state;
	memset(&d, 0, sizeof(d));
	memset(map, 0, sizeof(map));
	n_ev = 0;
	d.fp.skel = (struct wlbs_bpf *)&d; /* anything: the fast path is open */
	return 0;
}

static void test_claims(void **state)
{
	static const uint8_t box[6] = {0x52, 0x54, 0, 0xaa, 0xbb, 0xcc};
	static const uint8_t nlb[6] = {0x02, 0xbf, 10, 0, 0, 100};
	static const uint8_t igmp[6] = {0x01, 0x00, 0x5e, 0x7f, 0, 100};

	(void)state;
	/* Left by a previous run: an old claim is no news, a recent one is. */
	claim(0, "10.0.0.100", box, 60000);
	claim(1, "2001:db8::100", nlb, 100);
	vc_tick(&d);
	assert_int_equal(n_ev, 1);
	assert_int_equal(ev[0].kind, WLBS_EV_VIP_CLAIMED);
	assert_string_equal(
	    ev[0].text,
	    "cluster IP 2001:db8::100 claimed by another cluster (02:bf:0a:00:00:64): "
	    "an ARP/NA for it names 02:bf:0a:00:00:64, not the cluster MAC; still serving");
	/* A new claim of the first IP by a machine; more of them are the same news. */
	claim(0, "10.0.0.100", box, 0);
	vc_tick(&d);
	claim(0, "10.0.0.100", box, 0);
	vc_tick(&d);
	assert_int_equal(n_ev, 2);
	assert_string_equal(vip_claim_text(&d),
			    "cluster IP 10.0.0.100 claimed by another machine (52:54:00:aa:bb:cc)");
	/* Another claimer of the same IP is news. */
	claim(0, "10.0.0.100", igmp, 0);
	vc_tick(&d);
	assert_int_equal(n_ev, 3);
	assert_non_null(strstr(ev[2].text, "claimed by another cluster (01:00:5e:7f:00:64)"));
	/* No claim for VC_CLEAR_MS (time passes: the last claims move back): cleared, once each. */
	d.vc.s[0].last_ns = d.vc.s[1].last_ns = mono_ns() - (VC_CLEAR_MS + 1) * 1000000ull;
	vc_tick(&d);
	vc_tick(&d);
	assert_int_equal(n_ev, 5);
	assert_int_equal(ev[3].kind, WLBS_EV_CONFLICT_CLEARED);
	assert_string_equal(ev[3].text, "cluster IP 10.0.0.100 claimed by another cluster "
					"(01:00:5e:7f:00:64): no claim for 10 s");
	assert_int_equal(ev[4].kind, WLBS_EV_CONFLICT_CLEARED);
	assert_null(vip_claim_text(&d));
}

static void test_member_mac(void **state)
{
	static const uint8_t h3[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x03};

	(void)state;
	d.conv.hosts[3].slot[1].used = true;
	memcpy(d.conv.hosts[3].slot[1].mac, h3, 6);
	vc_tick(&d);
	claim(4, "10.0.0.101", h3, 0);
	vc_tick(&d);
	assert_int_equal(n_ev, 1);
	assert_non_null(strstr(ev[0].text, "cluster IP 10.0.0.101 claimed by cluster host 3's own "
					   "MAC (02:11:22:33:44:03)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_claims, setup),
	    cmocka_unit_test_setup(test_member_mac, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
