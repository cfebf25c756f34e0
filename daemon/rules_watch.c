// SPDX-License-Identifier: GPL-2.0
/* Rules descriptors and the rules-differ events; rules_watch.h has the contract. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl_codec.h"
#include "events.h"
#include "log.h"
#include "net/hbio.h"
#include "net/heartbeat.h"
#include "rd_codec.h"
#include "rules_watch.h"
#include "wlbsd.h"

/* Sparse resend: a descriptor every max(10 T, RW_MIN_PERIOD_MS). */
#define RW_MIN_PERIOD_MS 1000

static struct log_limit rw_limit = LOG_LIMIT_INIT(10, 5);

static uint64_t period_ms(const struct wlbsd *d)
{
	uint64_t t = 10ull * d->cfg.heartbeat_period_ms;

	return t > RW_MIN_PERIOD_MS ? t : RW_MIN_PERIOD_MS;
}

/* This host's rules in table order: the order and fields of cfg_rules_fingerprint. */
static void build_local(struct wlbsd *d)
{
	struct rules_watch *w = &d->rw;
	unsigned int i;

	w->local.host = d->cfg.priority;
	w->local.cluster_id = d->conv.p.cluster_id;
	w->local.fingerprint = cfg_rules_fingerprint(&d->cfg);
	w->local.hash_seed = d->cfg.hash_seed;
	w->local.n_rules = d->tables.n_rules;
	memset(w->local.rules, 0, sizeof(w->local.rules));
	for (i = 0; i < d->tables.n_rules; i++) {
		const struct cfg_rule *r = &d->cfg.rules[d->order[i]];
		struct wlbs_rd_rule *o = &w->local.rules[i];

		if (r->vip >= 0 && r->vip < d->cfg.n_vips)
			memcpy(o->vip, &d->cfg.vips[r->vip].addr, sizeof(o->vip));
		else
			memset(o->vip, 0xff, sizeof(o->vip));
		o->port_lo = r->port_lo;
		o->port_hi = r->port_hi;
		o->proto = r->proto;
		o->mode = r->mode;
		o->affinity = r->affinity;
		snprintf(o->name, sizeof(o->name), "%.*s", WLBS_RD_NAME_LEN, r->name);
	}
}

static void send_desc(struct wlbsd *d, uint64_t now)
{
	struct rules_watch *w = &d->rw;
	uint8_t buf[WLBS_RD_MAX_LEN];
	int len, ret;

	if (!w->up)
		return;
	w->local.seq++;
	len = rd_encode(&w->local, &d->hb_key, buf, sizeof(buf));
	if (len < 0) {
		log_limited(&rw_limit, LOG_ERR, "rules descriptor: encode: %s", strerror(-len));
		return;
	}
	ret = hb_send(w->fd, d->fp.ifindex, d->hb_dst, buf, (size_t)len);
	if (ret)
		log_limited(&rw_limit, LOG_WARNING, "rules descriptor: send: %s", strerror(-ret));
	else
		w->sent++;
	w->next_ms = now + period_ms(d);
}

int rw_start(struct wlbsd *d, char *err, size_t errlen)
{
	struct rules_watch *w = &d->rw;

	memset(w, 0, sizeof(*w));
	/* Protocol 0: sends only, so it never competes with the heartbeat thread's reads. */
	w->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (w->fd < 0) {
		snprintf(err, errlen, "rules descriptor socket: %s", strerror(errno));
		return -errno;
	}
	w->up = true;
	if (getrandom(&w->local.nonce, sizeof(w->local.nonce), 0) != sizeof(w->local.nonce))
		w->local.nonce = d->conv.p.nonce ^ 0x5752;
	build_local(d);
	send_desc(d, hbio_now_ms());
	return 0;
}

void rw_reload(struct wlbsd *d)
{
	struct rules_watch *w = &d->rw;
	int i;

	build_local(d);
	/* Explain again against the new rules (a changed text is a new event). */
	for (i = 0; i < 64; i++)
		w->peers[i].since_ms = 0;
	w->conflicts = 0;
	send_desc(d, hbio_now_ms());
}

void rw_receive(struct wlbsd *d, const void *buf, size_t len, const uint8_t src[6], uint64_t rx_ms)
{
	struct rules_watch *w = &d->rw;
	struct wlbs_rd rd;
	struct rw_peer *p;
	int ret;

	ret = rd_decode(buf, len, d->conv.p.cluster_id, &d->hb_key, &rd);
	if (ret == -EXDEV)
		return; /* another cluster on the segment: normal */
	if (!ret && rd.host == d->cfg.priority)
		ret = -ELOOP; /* a duplicate of our priority: its heartbeats report it */
	if (!ret) {
		p = &w->peers[rd.host - 1];
		ret = hb_seq_accept(&p->seq, rd.nonce, rd.seq);
	}
	if (ret) {
		w->drops++;
		if (ret != -ELOOP && ret != -EALREADY)
			log_limited(
			    &rw_limit, LOG_WARNING,
			    "rules descriptor from %02x:%02x:%02x:%02x:%02x:%02x dropped: %s",
			    src[0], src[1], src[2], src[3], src[4], src[5], hb_err_name(ret));
		return;
	}
	p->rd = rd;
	p->have = true;
	p->rx_ms = rx_ms;
	w->rx++;
}

/* The latest heartbeat of @host (the core's record of it), NULL if none lives. */
static const struct wlbs_hb *last_hb(const struct wlbsd *d, unsigned int host)
{
	const struct conv_peer *hb = NULL;
	unsigned int k;

	for (k = 0; k < CONV_SLOTS; k++) {
		const struct conv_peer *s = &d->conv.hosts[host].slot[k];

		if (s->used && s->alive && (!hb || s->rx_ms > hb->rx_ms))
			hb = s;
	}
	return hb ? &hb->hb : NULL;
}

/* True when @host's last descriptor describes the rules its latest heartbeat runs. */
static bool desc_current(const struct wlbsd *d, unsigned int host)
{
	const struct rw_peer *p = &d->rw.peers[host - 1];
	const struct wlbs_hb *hb = last_hb(d, host);

	return p->have && hb && p->rd.fingerprint == hb->fingerprint &&
	       p->rd.hash_seed == hb->hash_seed;
}

/*
 * The text for conflicting host @host, or "" to wait: its descriptor may be
 * on its way (every host sends one when it sees a conflict, or reloads). A
 * host that sends none within a sparse period gets the plain fact.
 */
static void explain(struct wlbsd *d, unsigned int host, uint64_t now, char *text, size_t len,
		    int *rule)
{
	struct rw_peer *p = &d->rw.peers[host - 1];

	*rule = -1;
	text[0] = '\0';
	/* An older descriptor would explain rules the host no longer runs. */
	if (desc_current(d, host) && rd_diff(&d->rw.local, &p->rd, text, len, rule) > 0)
		return;
	if (now - p->since_ms >= period_ms(d) + d->cfg.heartbeat_period_ms)
		snprintf(text, len, "host %u runs other port rules (it sent no rule descriptor)",
			 host);
}

static void report(struct wlbsd *d, unsigned int host, uint64_t now)
{
	struct rw_peer *p = &d->rw.peers[host - 1];
	char text[RD_DIFF_MAX];
	int rule;

	explain(d, host, now, text, sizeof(text), &rule);
	if (!text[0] || (p->reported && !strcmp(text, p->text)))
		return;
	snprintf(p->text, sizeof(p->text), "%s", text);
	p->reported = true;
	ev_emit(WLBS_EV_RULES_DIFFER, LOG_WARNING,
		&(struct ev_fields){.host = (uint8_t)host,
				    .rule = rule >= 0 ? d->order[rule] + 1 : 0,
				    .status = "rules differ"},
		"port rules differ: %s", text);
}

void rw_tick(struct wlbsd *d, uint64_t now)
{
	struct rules_watch *w = &d->rw;
	struct conv_report r;
	unsigned int h;
	uint64_t bit;

	if (!w->up)
		return;
	conv_report(&d->conv, &r);
	/* A new conflict: our descriptor now, so the other side can explain it too. */
	if ((r.conflicts & ~w->conflicts) && now - w->urgent_ms >= d->cfg.heartbeat_period_ms) {
		w->urgent_ms = now;
		send_desc(d, now);
	} else if (now >= w->next_ms) {
		send_desc(d, now);
	}
	for (h = 1; h <= WLBS_MAX_HOSTS; h++) {
		struct rw_peer *p = &w->peers[h - 1];

		bit = 1ull << (h - 1);
		if (r.conflicts & bit) {
			const struct wlbs_hb *hb = last_hb(d, h);
			uint32_t fp = hb ? hb->fingerprint : 0;

			/* New rules there (a reload): its new descriptor gets a period too. */
			if (!(w->conflicts & bit) || fp != p->hb_fp)
				p->since_ms = now;
			p->hb_fp = fp;
			report(d, h, now);
		} else if (p->reported) {
			/* Its last descriptor: right after our own reload nobody is heard yet. */
			bool agree = (p->have && p->rd.fingerprint == w->local.fingerprint &&
				      p->rd.hash_seed == w->local.hash_seed) ||
				     (r.heard & bit);

			p->reported = false;
			ev_emit(WLBS_EV_CONFLICT_CLEARED, LOG_NOTICE,
				&(struct ev_fields){.host = (uint8_t)h, .status = "rules agree"},
				agree ? "port rules of host %u agree with this host's again"
				      : "host %u, whose port rules differed, is no longer heard",
				h);
			p->text[0] = '\0';
		}
	}
	w->conflicts = r.conflicts;
}

const char *rules_conflict_text(const struct wlbsd *d)
{
	int i;

	for (i = 0; i < 64; i++)
		if (d->rw.peers[i].reported)
			return d->rw.peers[i].text;
	return NULL;
}

void rw_display(const struct wlbsd *d, void *out)
{
	struct wlbs_ctl_response *resp = out;
	int i;

	for (i = 0; i < 64; i++)
		if (d->rw.peers[i].reported)
			ctl_resp_append(resp, "RULES DIFFER      %s\n", d->rw.peers[i].text);
	if (d->rw.drops)
		ctl_resp_append(resp, "rule descriptors  received %llu, dropped %llu\n",
				(unsigned long long)d->rw.rx, (unsigned long long)d->rw.drops);
}

void rw_stop(struct wlbsd *d)
{
	if (d->rw.up)
		close(d->rw.fd);
	d->rw.up = false;
}
