// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's life: start (fail closed on a restart), reload (refuse
 * without changing anything), the periodic tick, stop. main.c parses the
 * options and runs the event loop around these.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "ctl/remote_server.h"
#include "ctl_codec.h"
#include "events.h"
#include "health/health.h"
#include "lifecycle.h"
#include "log.h"
#include "net/cluster.h"
#include "net/hbio.h"
#include "persist.h"
#include "publish.h"
#include "wlbsd.h"

/* Held connections counted under an older rule table move to their slot in the live one. */
static void recount(struct wlbsd *d)
{
	int ret = fp_recount(&d->fp);

	if (ret)
		log_warn("recounting held connections: %s (counts stay off until a reload)",
			 strerror(-ret));
}

/* The state machine's rules, and their names for the answers of enable/disable/drain. */
static void set_rules(struct wlbsd *d)
{
	hs_set_rules(&d->hs, &d->tables); /* keeps per-rule flags of unchanged rules */
	for (uint32_t i = 0; i < d->tables.n_rules; i++)
		hs_set_rule_name(&d->hs, i, d->cfg.rules[d->order[i]].name);
}

/* cluster_check() with the file named in the message, as cfg_load names it. */
int wlbsd_check_local(const char *path, const struct wlbs_config *c, bool need_iface, char *err,
		      size_t errlen)
{
	char why[400];
	int ret = cluster_check(c, need_iface, why, sizeof(why));

	if (!ret)
		ret = health_check_local(c, why, sizeof(why)); /* an exec check's user exists */

	if (ret)
		snprintf(err, errlen, "%s: %s", path, why);
	return ret;
}

int wlbsd_reload(struct wlbsd *d, char *err, size_t errlen)
{
	return wlbsd_reload_status(d, NULL, err, errlen);
}

int wlbsd_reload_status(struct wlbsd *d, unsigned int *status, char *err, size_t errlen)
{
	struct wlbs_config next, old = d->cfg;
	unsigned int code = WLBS_BAD_PARAMS;
	char keys[300];
	int ret;

	sd_notify(0, "RELOADING=1");
	ret = cfg_load_status(d->paths.config, &next, err, errlen, &code);
	if (!ret) {
		code = WLBS_BAD_PARAMS;
		ret = wlbsd_check_local(d->paths.config, &next, true, err, errlen);
	}
	/* A cluster key that cannot be read refuses the reload before anything changes. */
	if (!ret && next.key_file[0]) {
		struct hb_key key;

		ret = hb_key_load(next.key_file, &key);
		hb_key_clear(&key);
		if (ret)
			snprintf(err, errlen, "cluster key %s: %s", next.key_file,
				 ret == -EINVAL ? "too short" : strerror(-ret));
	}
	/* Checked last: WLBS_REBOOT says the file is valid, and a restart will take it. */
	if (!ret && cfg_restart_keys(&old, &next, keys, sizeof(keys))) {
		code = WLBS_REBOOT;
		snprintf(err, errlen,
			 "%s changes %s: that needs a restart of wlbsd, which then applies the "
			 "whole file; none of it was applied now",
			 d->paths.config, keys);
		ret = -EINVAL;
	}
	/* Remote control first: it refuses without changing anything (unreadable secret). */
	if (!ret && d->remote)
		ret = remote_configure(d->remote, &next, d->fp.cfg, err, errlen);
	if (!ret) {
		d->cfg = next;
		ret = cluster_setup(d, &old, err, errlen);
		if (ret) {
			char ignored[256];

			d->cfg = old;
			cluster_setup(d, NULL, err, errlen);
			if (d->remote)
				remote_configure(d->remote, &old, d->fp.cfg, ignored,
						 sizeof(ignored));
		}
	}
	if (!ret) {
		wlbsd_build_tables(d);
		set_rules(d);
		ret = membership_reload(d, err, errlen);
		wlbsd_publish(d);
		recount(d);
		health_configure(&d->health, &d->cfg); /* unchanged checks keep their state */
		ev_emit(WLBS_EV_RELOAD, LOG_INFO, NULL, "configuration reloaded from %s",
			d->paths.config);
	} else {
		ev_emit(WLBS_EV_RELOAD_REFUSED, LOG_WARNING, NULL, "reload refused: %s", err);
	}
	sd_notify(0, "READY=1");
	/* systemctl status shows why; ERRNO= as a refused start would say it. */
	if (ret)
		sd_notifyf(0, "STATUS=reload refused: %.*s\nERRNO=%d", (int)strcspn(err, "\n"), err,
			   -ret);
	else
		sd_notify(0, "STATUS=configuration reloaded");
	if (status)
		*status = ret ? code : WLBS_OK;
	return ret;
}

/* "check web: connect: Connection refused": the first failing check of action stop. */
static void stop_reason(const struct wlbsd *d, char *buf, size_t len)
{
	const struct health_check_state *s;

	buf[0] = '\0';
	for (unsigned int i = 0; (s = health_get(&d->health, i)); i++)
		if (s->action == CFG_ACT_STOP && s->ever_ran && !s->healthy) {
			snprintf(buf, len, "check %s%s%s", s->name, s->last_error[0] ? ": " : "",
				 s->last_error);
			return;
		}
}

/* A check of action stop drains the host like drainstop, and starts it when it passes. */
static void check_stop(struct wlbsd *d)
{
	char why[HS_DETAIL_MAX];

	stop_reason(d, why, sizeof(why));
	if (!hs_on_check(&d->hs, health_wants_stop(&d->health), why))
		return;
	membership_local_changed(d);
	wlbsd_publish(d);
	ev_emit(WLBS_EV_CHECK_STOP, why[0] ? LOG_WARNING : LOG_NOTICE,
		&(struct ev_fields){.host = d->cfg.priority,
				    .status = ctl_state_name(hs_state(&d->hs))},
		why[0] ? "%s: draining, then stopped until it passes" : "%scheck passes: starting",
		why);
}

/* Once per tick: prove we are alive, end a drain when nothing is held. */
void wlbsd_tick(struct wlbsd *d)
{
	fp_touch(&d->fp, d->cfg.heartbeat_period_ms * d->cfg.heartbeat_tolerance);
	ev_flush();
	check_stop(d);
	membership_tick(d); /* also counts d->held */
	vc_tick(d);
	if (fp_handover_lapsed(&d->fp, hbio_now_ms()))
		wlbsd_publish(d); /* lifts the marks of a handover (fp_stage_owners) */
	if (hs_on_held(&d->hs, (uint64_t)d->held, membership_drain_handed_over(d))) {
		membership_local_changed(d);
		wlbsd_publish(d);
		if (wlbsd_persist_save(d))
			log_warn("could not save the host state");
		ev_emit(WLBS_EV_DRAIN_DONE, LOG_INFO,
			&(struct ev_fields){.host = d->cfg.priority, .status = "stopped"},
			"drain complete: no connections left, host stopped");
	}
}

/* WLBS_RULE= of an event: the rule's name and range, as the configuration has them. */
static void rule_name(void *ctx, int rule, char *buf, size_t len)
{
	const struct wlbsd *d = ctx;
	const struct cfg_rule *r;

	if (rule < 1 || rule > d->cfg.n_rules) {
		snprintf(buf, len, "rule %d", rule);
		return;
	}
	r = &d->cfg.rules[rule - 1];
	snprintf(buf, len, "%s %u-%u", r->name, r->port_lo, r->port_hi);
}

int wlbsd_start(struct wlbsd *d, enum wlbsd_start_stage *stage, char *err, size_t errlen)
{
	enum hs_persist persisted;
	int ret;

	ret = cfg_load(d->paths.config, &d->cfg, err, errlen);
	if (!ret)
		ret = wlbsd_check_local(d->paths.config, &d->cfg, true, err, errlen);
	if (ret)
		return ret;
	if (mkdir(d->paths.state_dir, 0750) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", d->paths.state_dir, strerror(errno));
		return -errno;
	}
	ret = cluster_record(d, err, errlen);
	if (ret < 0)
		return ret;
	*stage = ret ? WLBSD_START_RESTART : WLBSD_START_FRESH;
	ret = fp_open(&d->fp, d->cfg.ifname, d->paths.bpffs, (enum fp_xdp_mode)d->cfg.xdp_mode, err,
		      errlen);
	if (ret)
		return ret;
	fp_touch(&d->fp, d->cfg.heartbeat_period_ms * d->cfg.heartbeat_tolerance);
	ret = cluster_setup(d, NULL, err, errlen);
	if (ret)
		return ret;

	persisted = wlbsd_persist_load(d);
	if (persisted == HS_PERSIST_NONE && d->cfg.initial_state == CFG_INIT_SUSPENDED)
		persisted = HS_PERSIST_SUSPENDED;
	hs_init(&d->hs, d->cfg.priority, persisted, d->cfg.initial_state == CFG_INIT_STARTED);
	wlbsd_build_tables(d);
	set_rules(d);
	if (hs_fp_state(&d->hs) != WLBS_FP_STOPPED)
		hs_on_converging(&d->hs, 0, WLBS_CAUSE_STARTED);
	ret = membership_start(d, err, errlen);
	if (ret)
		return ret;
	wlbsd_publish(d);
	recount(d); /* the config may differ from the tables the held connections were counted by */
	ev_set_rule_namer(rule_name, d);
	ev_emit(WLBS_EV_START, LOG_INFO,
		&(struct ev_fields){.host = d->cfg.priority,
				    .status = ctl_state_name(hs_state(&d->hs))},
		"wlbsd %s on %s: %s XDP%s, host %u %s (state after start from %s)", WLBSD_VERSION,
		d->cfg.ifname, d->fp.native ? "native" : "generic",
		d->fp.adopted ? " (adopted the running fast path)" : "", d->cfg.priority,
		ctl_state_name(hs_state(&d->hs)),
		hs_from_persisted(&d->hs) ? "the persisted state" : "initial_state");
	/* The checks begin once the host runs; they never keep it from starting. */
	ret = health_open(&d->health);
	if (ret)
		log_err("health checks off: %s", strerror(-ret));
	health_configure(&d->health, &d->cfg);
	return 0;
}

/* Leaves the cluster at once: no new connections here; the ones held keep flowing. */
static void leave(struct wlbsd *d)
{
	if (d->fp.cfg && d->fp.cfg->state == WLBS_FP_RUNNING)
		fp_set_state(&d->fp, WLBS_FP_DRAINING);
	membership_io_stop(d);
	if (d->hb_fd >= 0)
		membership_stop(d);
	d->hb_fd = -1;
}

void wlbsd_stop(struct wlbsd *d)
{
	sd_notify(0, "STOPPING=1");
	leave(d);
	health_close(&d->health); /* every check's processes killed and reaped */
	ev_emit(WLBS_EV_EXIT, LOG_INFO, &(struct ev_fields){.host = d->cfg.priority},
		"wlbsd exiting: host left the cluster, held connections keep flowing");
}

/*
 * A failed start never signals readiness and undoes what it did: a first
 * start leaves nothing behind. A restart is different: the fast path of the
 * earlier run may still carry its connections, so that stays, failing closed
 * (held connections flow, new ones are not taken) until a start succeeds or
 * `wlbsd --uninstall` removes it.
 */
void wlbsd_start_failed(struct wlbsd *d, enum wlbsd_start_stage stage, const char *why)
{
	const char *ifname = d->cfg.ifname[0] ? d->cfg.ifname : "?";
	char err[512] = "";

	log_err("cannot start on %s: %s", ifname, why);
	health_close(&d->health);
	sd_notifyf(0, "STATUS=cannot start on %s: %s", ifname, why);
	membership_io_stop(d);
	if (stage == WLBSD_START_RESTART)
		leave(d);
	else if (d->hb_fd >= 0)
		membership_stop(d);
	fp_close(&d->fp);
	if (d->igmp_fd >= 0)
		close(d->igmp_fd);
	if (stage == WLBSD_START_RESTART)
		log_warn("the previous run's fast path stays on %s, failing closed "
			 "(`wlbsd --uninstall` removes it)",
			 ifname);
	else if (stage == WLBSD_START_FRESH &&
		 cluster_teardown(d->paths.state_dir, ifname, err, sizeof(err)))
		log_warn("undoing the failed start on %s: %s", ifname, err);
}
