// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/convergence.h"
#include "ctl_codec.h"
#include "events.h"
#include "net/hbio.h"
#include "net/heartbeat.h"
#include "log.h"
#include "membership.h"
#include "wlbsd.h"
#include "publish.h"
#include "rd_codec.h"
#include "rules_watch.h"
#include "vip_claims.h"

static struct log_limit hb_limit = LOG_LIMIT_INIT(10, 5);

/* The heartbeat thread's clock: frames carry their arrival time on it. */
static uint64_t now_ms(void)
{
	return hbio_now_ms();
}

static int params(const struct wlbsd *d, struct conv_params *p)
{
	const struct wlbs_config *c = &d->cfg;
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->self = c->priority;
	memcpy(p->self_mac, d->fp.cfg->src_mac, 6);
	p->period_ms = c->heartbeat_period_ms;
	p->tolerance = c->heartbeat_tolerance;
	p->cleanup_delay_ms = c->cleanup_delay_ms;
	p->cluster_id = cfg_derive_seed(&c->vips[0]);
	p->seed = c->hash_seed;
	p->fingerprint = cfg_rules_fingerprint(c);
	if (getrandom(&p->nonce, sizeof(p->nonce), 0) != sizeof(p->nonce))
		p->nonce = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	p->n_rules = d->tables.n_rules;
	for (i = 0; i < d->tables.n_rules; i++)
		p->modes[i] = d->tables.rules[i].mode;
	/* Heartbeats carry it; the view uses the largest any member has (convergence.md). */
	p->min_serving = c->min_serving > WLBS_MAX_HOSTS ? WLBS_MAX_HOSTS : (uint8_t)c->min_serving;
	return 0;
}

/*
 * Buckets (any rule) where this host's fast path counts live connections, and
 * their total: one pass over the counters per tick serves heartbeats and drain.
 */
static int64_t local_dirty(const struct wlbsd *d, uint8_t dirty[WLBS_HB_DIRTY_BYTES])
{
	int64_t n, total = 0;
	unsigned int r, b;

	memset(dirty, 0, WLBS_HB_DIRTY_BYTES);
	for (r = 0; r < WLBS_MAX_RULES; r++)
		for (b = 0; b < WLBS_BUCKETS; b++) {
			n = d->fp.conns[wlbs_conn_slot(r, b)];
			if (n > 0) {
				dirty[b / 8] |= 1u << (b % 8);
				total += n;
			}
		}
	/* Held outside every rule: a drain waits for them too. */
	n = d->fp.conns[WLBS_CONN_UNCOVERED];
	return total + (n > 0 ? n : 0);
}

/*
 * A host that hears frames of its cluster failing authentication and no
 * authenticated peer is most likely the one with the wrong key_file: alone,
 * it would take every bucket and answer the cluster's connections twice.
 */
static bool key_mismatch(const struct wlbsd *d, uint64_t now)
{
	uint64_t alive_ms = (uint64_t)d->cfg.heartbeat_period_ms * d->cfg.heartbeat_tolerance;
	uint64_t self = 1ull << (d->cfg.priority - 1);
	struct conv_report r;

	if (!d->bad_auth_ms || now - d->bad_auth_ms > alive_ms)
		return false;
	conv_report(&d->conv, &r);
	return !(r.heard & ~self);
}

/* @now: no later than the last drain, so the core never runs ahead of queued frames. */
static void set_local(struct wlbsd *d, uint64_t now)
{
	struct conv_local l = {.state = hs_fp_state(&d->hs)};
	bool mismatch = key_mismatch(d, now);
	uint32_t failing;
	unsigned int i;

	if (mismatch != d->key_mismatch) {
		d->key_mismatch = mismatch;
		if (mismatch)
			ev_emit(
			    WLBS_EV_KEY_MISMATCH, LOG_ERR,
			    &(struct ev_fields){.host = d->cfg.priority, .status = "excluded"},
			    "heartbeats of this cluster fail authentication and no host with "
			    "our key is heard: taking no traffic (check key_file on every host)");
		else
			ev_emit(WLBS_EV_CONFLICT_CLEARED, LOG_INFO,
				&(struct ev_fields){.host = d->cfg.priority,
						    .status = "key-mismatch-cleared"},
				"authenticated peers heard again: taking part in convergence");
	}
	if (mismatch)
		l.state = WLBS_FP_STOPPED;

	/*
	 * Checks of action drain and disable both make the rule unhealthy: off
	 * in the map (new connections go elsewhere) while connections held stay,
	 * as an operator's drain; min_serving may keep it on. The map cannot
	 * tell the two apart, and cutting held connections is not the map's job.
	 */
	failing = health_failing_rules(&d->health);
	for (i = 0; i < d->tables.n_rules; i++) {
		const struct cfg_rule *r = &d->cfg.rules[d->order[i]];

		l.rules[i].weight = r->load_weight;
		l.rules[i].equal = r->equal_load;
		l.rules[i].handling_prio =
		    r->handling_priority ? r->handling_priority : d->cfg.priority;
		l.rules[i].off = hs_rule_flags(&d->hs, i) & (WLBS_RULE_F_OFF | WLBS_RULE_F_DRAIN);
		l.rules[i].unhealthy = d->order[i] < 32 && (failing >> d->order[i] & 1);
	}
	d->held = local_dirty(d, l.dirty);
	l.uncovered = d->fp.conns[WLBS_CONN_UNCOVERED] > 0;
	if (memcmp(&l, &d->conv_local, sizeof(l))) {
		d->conv_local = l;
		conv_set_local(&d->conv, &l, now);
	}
}

/* Converging -> converged: one convergence, timed from when converging began (stats). */
static void count_convergence(struct wlbsd *d, bool was, bool now)
{
	uint64_t t = now_ms();

	if (!now && (was || !d->conv_began_ms))
		d->conv_began_ms = t ? t : 1;
	if (now && !was && d->conv_began_ms) {
		d->convergences++;
		d->conv_last_ms = t - d->conv_began_ms;
		d->conv_began_ms = 0;
	}
}

/* Convergence moved: tell the state machine and the fast path. */
/* Rules (bit i = table rule i) this host serves only because of min_serving. */
static uint32_t serving_anyway(const struct wlbsd *d)
{
	uint64_t self = 1ull << (d->cfg.priority - 1);
	uint32_t m = 0;

	for (unsigned int i = 0; i < d->tables.n_rules; i++)
		m |= (conv_kept(&d->conv, i) & self) ? 1u << i : 0;
	return m;
}

/* An event when min_serving starts or stops keeping one of our unhealthy rules served. */
static void note_serving_anyway(struct wlbsd *d)
{
	uint32_t now = d->members ? serving_anyway(d) : 0, diff = now ^ d->serving_anyway;

	for (unsigned int i = 0; diff; i++, diff >>= 1) {
		bool on = now >> i & 1;

		if (!(diff & 1))
			continue;
		ev_emit(WLBS_EV_SERVING_ANYWAY, on ? LOG_WARNING : LOG_NOTICE,
			&(struct ev_fields){.host = d->cfg.priority,
					    .rule = d->order[i] + 1,
					    .status = on ? "serving-anyway" : "ended"},
			on ? "health check failing, but keeping the rule served: fewer than "
			     "min_serving %u hosts would serve it"
			   : "no longer serving the rule despite its check (min_serving %u)",
			conv_min_serving(&d->conv));
	}
	d->serving_anyway = now;
}

static void apply(struct wlbsd *d)
{
	bool running = hs_fp_state(&d->hs) != WLBS_FP_STOPPED;

	uint64_t was_members = d->members;
	bool was_converged = hs_state(&d->hs) == WLBS_HS_CONVERGED, converged;

	d->conv_seen = conv_changed(&d->conv);
	d->members = running && conv_member(&d->conv) ? conv_view(&d->conv) : 0;
	d->default_host = conv_default_host(&d->conv);
	if (running) {
		/* Converged once this host really serves the new map, gains included. */
		converged =
		    conv_converged(&d->conv) && conv_member(&d->conv) && !d->conv.gains_pending;
		if (converged)
			hs_on_converged(&d->hs, d->members, d->default_host);
		else
			hs_on_converging(&d->hs, d->members, conv_cause(&d->conv));
		count_convergence(d, was_converged, converged);
		/* One line per membership change: operators and the timing tests count them. */
		if (d->members != was_members || (was_converged && !converged))
			log_info("membership: %s, view 0x%llx (was 0x%llx), heard 0x%llx, "
				 "cause: %s%s%s",
				 converged ? "converged" : "converging",
				 (unsigned long long)d->members, (unsigned long long)was_members,
				 (unsigned long long)d->conv.heard,
				 ctl_cause_name(conv_cause(&d->conv)),
				 d->conv.excluded ? ", excluded: " : "",
				 d->conv.excluded ? conv_excl_name(d->conv.excluded) : "");
	}
	note_serving_anyway(d);
	wlbsd_publish(d);
}

/*
 * The heartbeat thread sends what the core built: at once when what we
 * advertise changed (or nothing was sent yet), else on its own clock every T.
 */
static void send_due(struct wlbsd *d, uint64_t now)
{
	struct wlbs_hb hb;
	bool urgent;

	if (now < conv_next_send(&d->conv))
		return;
	urgent = !d->conv.seq || d->conv.tx_due;
	conv_build(&d->conv, now, &hb);
	hbio_post(d->hbio, &hb, &d->hb_key, now, urgent);
}

static int drain(struct wlbsd *d);

/* After a tick: rules descriptors, then the events and query causes they explain. */
static void watch(struct wlbsd *d, uint64_t now)
{
	rw_tick(d, now);
	cw_set_detail(&d->cw, WLBS_CAUSE_EXCLUDED_RULES, rules_conflict_text(d));
	cw_set_detail(&d->cw, WLBS_CAUSE_VIP_CONFLICT, vip_claim_text(d));
	cw_update(d, now);
}

void membership_tick(struct wlbsd *d)
{
	uint64_t now;

	/* Frames that arrived first: a late loop would otherwise time their senders out. */
	drain(d);
	now = now_ms();
	set_local(d, now);
	conv_tick(&d->conv, now);
	send_due(d, now);
	if (conv_changed(&d->conv) != d->conv_seen)
		apply(d);
	watch(d, now);
}

int membership_wait_ms(const struct wlbsd *d)
{
	uint64_t due = conv_next_send(&d->conv), now = now_ms();

	if (!d->conv.tx_due)
		return -1;
	return due > now ? (int)(due - now) : 0;
}

bool membership_drain_handed_over(const struct wlbsd *d)
{
	const struct conv *c = &d->conv;

	return c->converged && c->map_digest == c->digest &&
	       now_ms() - c->map_since_ms >= d->cfg.heartbeat_period_ms;
}

void membership_local_changed(struct wlbsd *d)
{
	membership_tick(d);
}

static int drop_reason(int err)
{
	switch (err) {
	case -EPROTONOSUPPORT:
		return MB_DROP_VERSION;
	case -EXDEV:
		return MB_DROP_FOREIGN;
	case -EACCES:
		return MB_DROP_UNAUTH;
	case -EKEYREJECTED:
		return MB_DROP_BADAUTH;
	case -EALREADY:
		return MB_DROP_STALE;
	default:
		return MB_DROP_MALFORMED;
	}
}

int membership_fd(const struct wlbsd *d)
{
	return hbio_fd(d->hbio);
}

/* Feeds the queued heartbeats to the core as of their arrival; how many it accepted. */
static int drain(struct wlbsd *d)
{
	uint8_t buf[2048], src[6];
	struct wlbs_hb hb;
	int i, ret, got = 0;
	uint64_t rx;
	ssize_t n;

	/* Bounded: a flood of frames must not starve the rest of the loop. */
	for (i = 0; i < 256; i++) {
		n = hbio_next(d->hbio, buf, sizeof(buf), src, &rx);
		if (n <= 0)
			break;
		/* Rules descriptors share the ethertype; they only explain conflicts. */
		if (rd_is_desc(buf, (size_t)n)) {
			rw_receive(d, buf, (size_t)n, src, rx);
			continue;
		}
		/* As of its arrival: a late loop must not make the sender look late. */
		ret = hb_decode(buf, n, d->conv.p.cluster_id, &d->hb_key, &hb);
		if (!ret)
			ret = conv_receive(&d->conv, &hb, src, rx);
		if (ret == -ELOOP)
			continue;
		if (ret) {
			d->hb_drops[drop_reason(ret)]++;
			if (ret == -EACCES || ret == -EKEYREJECTED) {
				d->bad_auth_ms = rx;
				cw_bad_auth(d, src, ret, rx);
			}
			log_limited(&hb_limit, LOG_WARNING,
				    "heartbeat from %02x:%02x:%02x:%02x:%02x:%02x dropped: %s",
				    src[0], src[1], src[2], src[3], src[4], src[5],
				    hb_err_name(ret));
			continue;
		}
		d->hb_rx++;
		got++;
	}
	return got;
}

void membership_on_readable(struct wlbsd *d)
{
	uint64_t now;

	if (drain(d)) {
		now = now_ms(); /* after every arrival time fed to the core */
		conv_tick(&d->conv, now);
		send_due(d, now);
		if (conv_changed(&d->conv) != d->conv_seen)
			apply(d);
		watch(d, now);
	}
}

static int conv_start(struct wlbsd *d, char *err, size_t errlen)
{
	struct conv_params p;
	int ret;

	params(d, &p);
	ret = conv_init(&d->conv, &p, now_ms());
	if (ret) {
		snprintf(err, errlen, "convergence: invalid parameters");
		return ret;
	}
	memset(&d->conv_local, 0, sizeof(d->conv_local));
	d->conv_local.state = 0xff; /* force the first conv_set_local */
	d->conv_seen = ~0ull;
	return 0;
}

int membership_start(struct wlbsd *d, char *err, size_t errlen)
{
	int ret;

	memset(&d->hb_key, 0, sizeof(d->hb_key));
	if (d->cfg.key_file[0]) {
		ret = hb_key_load(d->cfg.key_file, &d->hb_key);
		if (ret) {
			snprintf(err, errlen, "cluster key %s: %s", d->cfg.key_file,
				 ret == -EINVAL ? "too short" : strerror(-ret));
			return ret;
		}
	}
	ret = conv_start(d, err, errlen);
	if (ret)
		return ret;
	d->hb_fd = hb_socket_open(d->fp.ifindex, err, errlen);
	if (d->hb_fd < 0)
		return d->hb_fd;
	hb_dst_mac(&d->cfg, d->hb_dst);
	ret = hbio_start(&d->hbio, d->hb_fd, d->fp.ifindex, d->hb_dst, d->cfg.heartbeat_period_ms,
			 d->cfg.heartbeat_tolerance, err, errlen);
	if (ret)
		return ret;
	ret = rw_start(d, err, errlen);
	if (ret)
		return ret;
	membership_tick(d);
	return 0;
}

int membership_reload(struct wlbsd *d, char *err, size_t errlen)
{
	struct hb_key key = {.set = false};
	int ret;

	if (d->cfg.key_file[0]) {
		ret = hb_key_load(d->cfg.key_file, &key);
		if (ret) {
			snprintf(err, errlen, "cluster key %s: %s", d->cfg.key_file,
				 strerror(-ret));
			return ret;
		}
	}
	hb_key_clear(&d->hb_key);
	d->hb_key = key;
	if (cfg_rules_fingerprint(&d->cfg) != d->conv.p.fingerprint ||
	    d->tables.n_rules != d->conv.p.n_rules ||
	    d->cfg.heartbeat_period_ms != d->conv.p.period_ms ||
	    d->cfg.heartbeat_tolerance != d->conv.p.tolerance ||
	    d->cfg.hash_seed != d->conv.p.seed) {
		ret = conv_start(d, err, errlen);
		if (ret)
			return ret;
		conv_note_cause(&d->conv, WLBS_CAUSE_RELOAD);
		hbio_set_period(d->hbio, d->cfg.heartbeat_period_ms, d->cfg.heartbeat_tolerance);
	}
	rw_reload(d);
	membership_tick(d);
	return 0;
}

unsigned int membership_tick_ms(const struct wlbsd *d)
{
	unsigned int t = d->cfg.heartbeat_period_ms / 2;

	return t < 1 ? 1 : t > 50 ? 50 : t;
}

void membership_io_stop(struct wlbsd *d)
{
	uint64_t seq;

	if (!d->hbio)
		return;
	d->hb_sent += hbio_sent(d->hbio);
	seq = hbio_stop(d->hbio);
	d->hbio = NULL;
	/* The goodbye (membership_stop) must be newer than what the thread sent. */
	if (seq > d->conv.seq)
		d->conv.seq = seq;
}

void membership_stop(struct wlbsd *d)
{
	struct wlbs_hb hb;
	uint8_t buf[WLBS_HB_LEN];
	struct conv_local l = d->conv_local;
	int len;

	/*
	 * Say goodbye: stopped, so the others leave this host out at once instead
	 * of after T*K, with the buckets where it still serves connections (its
	 * fast path keeps them) as dirty until it times out plus the cleanup delay.
	 */
	l.state = WLBS_FP_STOPPED;
	conv_set_local(&d->conv, &l, now_ms());
	conv_tick(&d->conv, now_ms());
	conv_build(&d->conv, now_ms(), &hb);
	len = hb_encode(&hb, &d->hb_key, buf, sizeof(buf));
	if (len > 0)
		hb_send(d->hb_fd, d->fp.ifindex, d->hb_dst, buf, len);
	close(d->hb_fd);
	rw_stop(d);
	hb_key_clear(&d->hb_key);
}
