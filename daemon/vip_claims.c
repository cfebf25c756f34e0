// SPDX-License-Identifier: GPL-2.0
/* Polling the fast path's cluster IP claims; vip_claims.h has the policy. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl_codec.h"
#include "events.h"
#include "vip_claims.h"
#include "wlbsd.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns's clock */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* NLB/wlbs cluster MACs: unicast 02-bf, multicast 03-bf, IGMP 01-00-5e-7f. */
static bool cluster_style(const uint8_t m[6])
{
	return ((m[0] == 0x02 || m[0] == 0x03) && m[1] == 0xbf) ||
	       (m[0] == 0x01 && m[1] == 0x00 && m[2] == 0x5e && m[3] == 0x7f);
}

/* The priority of a host of ours whose heartbeats come from @mac, 0 if none. */
static unsigned int member_of(const struct wlbsd *d, const uint8_t mac[6])
{
	unsigned int p, k;

	for (p = 1; p <= WLBS_MAX_HOSTS; p++)
		for (k = 0; k < CONV_SLOTS; k++)
			if (d->conv.hosts[p].slot[k].used &&
			    !memcmp(d->conv.hosts[p].slot[k].mac, mac, 6))
				return p;
	return 0;
}

static void addr_str(const uint32_t a[4], char *buf, size_t len)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (!memcmp(a, mapped, sizeof(mapped)))
		inet_ntop(AF_INET, &a[3], buf, len);
	else
		inet_ntop(AF_INET6, a, buf, len);
}

static void claimed(struct wlbsd *d, struct vc_slot *s, const struct wlbs_vip_claim *c)
{
	char ip[INET6_ADDRSTRLEN], mac[18], who[48];
	unsigned int host = member_of(d, c->mac);

	addr_str(c->addr, ip, sizeof(ip));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", c->mac[0], c->mac[1], c->mac[2],
		 c->mac[3], c->mac[4], c->mac[5]);
	if (host)
		snprintf(who, sizeof(who), "cluster host %u's own MAC", host);
	else
		snprintf(who, sizeof(who), "another %s",
			 cluster_style(c->mac) ? "cluster" : "machine");
	snprintf(s->text, sizeof(s->text), "cluster IP %s claimed by %s (%s)", ip, who, mac);
	memcpy(s->mac, c->mac, 6);
	s->active = true;
	ev_emit(WLBS_EV_VIP_CLAIMED, LOG_WARNING,
		&(struct ev_fields){
		    .host = (uint8_t)host, .mac = c->mac, .ip = ip, .status = "vip claimed"},
		"%s: an ARP/NA for it names %s, not the cluster MAC; still serving", s->text, mac);
}

void vc_tick(struct wlbsd *d)
{
	struct vip_claims *v = &d->vc;
	uint64_t now = mono_ns();
	struct wlbs_vip_claim c;
	unsigned int i;

	if (!d->fp.skel)
		return;
	for (i = 0; i < WLBS_MAX_VIPS; i++) {
		struct vc_slot *s = &v->s[i];

		if (fp_read_claim(&d->fp, i, &c))
			continue;
		/* A previous run's claim: new to this run only while it is recent. */
		if (!v->primed && (!c.count || now - c.last_ns >= VC_CLEAR_MS * 1000000ull))
			s->count = c.count;
		if (c.count != s->count) {
			s->count = c.count;
			s->last_ns = c.last_ns;
			if (!s->active || memcmp(s->mac, c.mac, 6))
				claimed(d, s, &c);
		} else if (s->active && now - s->last_ns >= VC_CLEAR_MS * 1000000ull) {
			s->active = false;
			ev_emit(WLBS_EV_CONFLICT_CLEARED, LOG_NOTICE,
				&(struct ev_fields){.mac = s->mac, .status = "vip claim cleared"},
				"%s: no claim for %u s", s->text, VC_CLEAR_MS / 1000);
		}
	}
	v->primed = true;
}

const char *vip_claim_text(const struct wlbsd *d)
{
	unsigned int i;

	for (i = 0; i < WLBS_MAX_VIPS; i++)
		if (d->vc.s[i].active)
			return d->vc.s[i].text;
	return NULL;
}
