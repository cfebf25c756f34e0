// SPDX-License-Identifier: GPL-2.0
/*
 * The rules-differ events: one per host and change of what differs, only once
 * the host's descriptor describes the rules its heartbeats run (else the plain
 * fact after a period), a descriptor sent at once on a new conflict, and one
 * cleared event when the rules agree again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../daemon/rules_watch.c"

/* Mocks of what rules_watch.c calls outside the pure code. */
static int sent;
static uint64_t clock_ms;
static struct {
	int kind;
	unsigned int host;
	int rule;
	char text[RD_DIFF_MAX + 64];
} ev[16];
static int n_ev;

int hb_send(int fd, int ifindex, const uint8_t dst[6], const void *payload, size_t len)
{
	(void)fd, (void)ifindex, (void)dst;
	assert_true(rd_is_desc(payload, len));
	sent++;
	return 0;
}

uint64_t hbio_now_ms(void)
{
	return clock_ms;
}

void ev_emit(enum wlbs_event_kind kind, int prio, const struct ev_fields *f, const char *fmt, ...)
{
	va_list ap;

	(void)prio;
	assert_true(n_ev < 16);
	ev[n_ev].kind = kind;
	ev[n_ev].host = f ? f->host : 0;
	ev[n_ev].rule = f ? f->rule : 0;
	va_start(ap, fmt);
	vsnprintf(ev[n_ev].text, sizeof(ev[n_ev].text), fmt, ap);
	va_end(ap);
	n_ev++;
}

static struct wlbsd d;

static int setup(void **state)
{
	struct cfg_rule *r = &d.cfg.rules[0];

	(void)state;
	memset(&d, 0, sizeof(d));
	sent = n_ev = 0;
	clock_ms = 1000;
	d.cfg.priority = 1;
	d.cfg.heartbeat_period_ms = 100;
	d.cfg.hash_seed = 7;
	d.cfg.n_vips = 1;
	d.cfg.vips[0].v4 = true;
	inet_pton(AF_INET6, "::ffff:10.0.0.100", &d.cfg.vips[0].addr);
	d.cfg.n_rules = 1;
	snprintf(r->name, sizeof(r->name), "web");
	r->port_lo = r->port_hi = 80;
	r->proto = WLBS_PROTO_TCP;
	d.tables.n_rules = 1;
	d.order[0] = 0;
	d.conv.p.cluster_id = 0xc1;
	d.rw.up = true;
	d.rw.fd = -1;
	build_local(&d);
	return 0;
}

/* Host @h's heartbeats run rules with fingerprint @fp; it conflicts with us. */
static void peer_heartbeat(unsigned int h, uint32_t fp)
{
	struct conv_peer *s = &d.conv.hosts[h].slot[0];

	s->used = s->alive = true;
	s->rx_ms = clock_ms;
	s->hb.fingerprint = fp;
	s->hb.hash_seed = 7;
	d.conv.conflicts |= 1ull << (h - 1);
	d.conv.heard |= 1ull | 1ull << (h - 1);
}

/* Host @h's descriptor: our rule with @aff and @mode, claiming fingerprint @fp. */
static void peer_desc(unsigned int h, uint32_t fp, uint8_t aff, uint8_t mode, uint64_t seq)
{
	struct wlbs_rd rd = d.rw.local;
	uint8_t buf[WLBS_RD_MAX_LEN];
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 2};
	int len;

	rd.host = (uint8_t)h;
	rd.fingerprint = fp;
	rd.nonce = 99;
	rd.seq = seq;
	rd.rules[0].affinity = aff;
	rd.rules[0].mode = mode;
	len = rd_encode(&rd, NULL, buf, sizeof(buf));
	assert_true(len > 0);
	rw_receive(&d, buf, (size_t)len, mac, clock_ms);
}

static void tick_for(uint64_t ms)
{
	uint64_t end = clock_ms + ms;

	for (; clock_ms <= end; clock_ms += 10)
		rw_tick(&d, clock_ms);
}

static void test_one_event_per_change(void **state)
{
	(void)state;
	peer_heartbeat(2, 0xaaaa);
	rw_tick(&d, clock_ms);
	/* A new conflict: our descriptor goes out at once; no event before theirs arrives. */
	assert_int_equal(sent, 1);
	assert_int_equal(n_ev, 0);
	peer_desc(2, 0xaaaa, WLBS_AFF_SINGLE, WLBS_MODE_MULTIPLE, 1);
	tick_for(3000); /* sparse resends and re-reads: still one event */
	assert_int_equal(n_ev, 1);
	assert_int_equal(ev[0].kind, WLBS_EV_RULES_DIFFER);
	assert_int_equal(ev[0].host, 2);
	assert_int_equal(ev[0].rule, 1);
	assert_string_equal(ev[0].text, "port rules differ: rule web (10.0.0.100 80-80/tcp): "
					"host 2 has affinity single, this host none");
	assert_string_equal(
	    rules_conflict_text(&d),
	    "rule web (10.0.0.100 80-80/tcp): host 2 has affinity single, this host none");
	assert_true(sent >= 3 && sent <= 5); /* every max(10 T, 1 s) */

	/* Host 2 reloads into another difference: one new event once both say so. */
	peer_heartbeat(2, 0xbbbb);
	tick_for(100); /* its heartbeat first: the old descriptor explains nothing */
	assert_int_equal(n_ev, 1);
	peer_desc(2, 0xbbbb, WLBS_AFF_NONE, WLBS_MODE_SINGLE, 2);
	tick_for(500);
	assert_int_equal(n_ev, 2);
	assert_string_equal(ev[1].text, "port rules differ: rule web (10.0.0.100 80-80/tcp): "
					"host 2 has mode single, this host multiple");

	/* A replayed older descriptor is dropped. */
	peer_desc(2, 0xaaaa, WLBS_AFF_SINGLE, WLBS_MODE_MULTIPLE, 1);
	assert_int_equal(d.rw.peers[1].rd.fingerprint, 0xbbbb);

	/* The rules agree again. */
	d.conv.conflicts = 0;
	tick_for(100);
	assert_int_equal(n_ev, 3);
	assert_int_equal(ev[2].kind, WLBS_EV_CONFLICT_CLEARED);
	assert_string_equal(ev[2].text, "port rules of host 2 agree with this host's again");
	assert_null(rules_conflict_text(&d));
}

static void test_no_descriptor(void **state)
{
	(void)state;
	peer_heartbeat(3, 0xcccc);
	tick_for(1000); /* a sparse period: it may still be on its way */
	assert_int_equal(n_ev, 0);
	tick_for(200);
	assert_int_equal(n_ev, 1);
	assert_string_equal(
	    ev[0].text,
	    "port rules differ: host 3 runs other port rules (it sent no rule descriptor)");
	assert_int_equal(ev[0].rule, 0);
	/* Its descriptor arrives later: the precise text is the one change. */
	peer_desc(3, 0xcccc, WLBS_AFF_CLASSC, WLBS_MODE_MULTIPLE, 1);
	tick_for(1000);
	assert_int_equal(n_ev, 2);
	assert_string_equal(ev[1].text, "port rules differ: rule web (10.0.0.100 80-80/tcp): "
					"host 3 has affinity classc, this host none");
	/* Gone unheard: said so. */
	d.conv.conflicts = 0;
	d.conv.heard = 1;
	d.rw.peers[2].rd.fingerprint = 0;
	tick_for(10);
	assert_int_equal(n_ev, 3);
	assert_string_equal(ev[2].text, "host 3, whose port rules differed, is no longer heard");
}

static void test_bad_descriptors_dropped(void **state)
{
	uint8_t buf[WLBS_RD_MAX_LEN];
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 9};
	struct wlbs_rd rd = d.rw.local;
	int len;

	(void)state;
	rd.host = 2;
	rd.cluster_id = 0xc2; /* another cluster: ignored, not even counted */
	len = rd_encode(&rd, NULL, buf, sizeof(buf));
	rw_receive(&d, buf, (size_t)len, mac, clock_ms);
	assert_int_equal(d.rw.drops, 0);
	rd.cluster_id = 0xc1;
	rd.host = 1; /* our own priority */
	len = rd_encode(&rd, NULL, buf, sizeof(buf));
	rw_receive(&d, buf, (size_t)len, mac, clock_ms);
	rw_receive(&d, buf, (size_t)len - 1, mac, clock_ms);
	assert_int_equal(d.rw.drops, 2);
	assert_int_equal(d.rw.rx, 0);
	assert_false(d.rw.peers[0].have);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_one_event_per_change, setup),
	    cmocka_unit_test_setup(test_no_descriptor, setup),
	    cmocka_unit_test_setup(test_bad_descriptors_dropped, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
