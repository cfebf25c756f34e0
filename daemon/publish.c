// SPDX-License-Identifier: GPL-2.0
/*
 * From configuration, host state and cluster view to what the XDP program
 * reads. Everything goes to the idle generation and becomes live in one flip,
 * so the program never sees rules of one version with owners of another.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bucketmap.h"
#include "log.h"
#include "tables.h"
#include "wlbsd.h"

void wlbsd_event(struct wlbsd *d, const char *fmt, ...)
{
	struct wlbsd_event *ev = &d->events[d->n_events % WLBSD_EVENTS];
	va_list ap;

	ev->when = time(NULL);
	va_start(ap, fmt);
	vsnprintf(ev->text, sizeof(ev->text), fmt, ap);
	va_end(ap);
	d->n_events++;
	log_info("%s", ev->text);
}

/* The hosts that share rule @cfg_rule in the current view (only this one until convergence). */
static int rule_hosts(const struct wlbsd *d, int cfg_rule, struct bm_host *hosts)
{
	const struct cfg_rule *r = &d->cfg.rules[cfg_rule];
	uint8_t self = d->cfg.priority;

	if (!(d->members & (1ull << (self - 1))) || hs_fp_state(&d->hs) != WLBS_FP_RUNNING)
		return 0;
	memset(hosts, 0, sizeof(*hosts));
	hosts[0].id = self;
	hosts[0].up = true;
	hosts[0].equal = r->equal_load;
	hosts[0].weight = r->load_weight;
	hosts[0].handling_prio = r->handling_priority ? r->handling_priority : self;
	/* A rule this host disabled or drains gets no new buckets here. */
	return 1;
}

void wlbsd_build_tables(struct wlbsd *d)
{
	int table_index_of[WLBS_MAX_RULES];
	int i;

	tables_from_config(&d->cfg, &d->tables, table_index_of);
	for (i = 0; i < d->cfg.n_rules; i++)
		d->order[table_index_of[i]] = i;
}

void wlbsd_publish(struct wlbsd *d)
{
	struct bm_host hosts[WLBS_MAX_HOSTS];
	struct wlbs_tables t = d->tables;
	unsigned int i;
	int n;

	for (i = 0; i < t.n_rules; i++)
		t.rules[i].flags = hs_rule_flags(&d->hs, i);
	for (i = 0; i < WLBS_MAX_RULES; i++) {
		if (i < t.n_rules) {
			n = rule_hosts(d, d->order[i], hosts);
			bm_compute(hosts, n, t.rules[i].mode, d->cfg.hash_seed, i, d->owners[i]);
		} else {
			memset(d->owners[i], WLBS_NO_OWNER, WLBS_BUCKETS);
		}
		fp_stage_owners(&d->fp, i, d->owners[i], NULL);
	}
	fp_stage_tables(&d->fp, &t);
	d->fp.cfg->host_id = d->cfg.priority;
	d->fp.cfg->hash_seed = d->cfg.hash_seed;
	d->fp.cfg->default_host = d->default_host;
	fp_commit(&d->fp);
	fp_set_state(&d->fp, hs_fp_state(&d->hs));
}
