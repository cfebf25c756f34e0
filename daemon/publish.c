// SPDX-License-Identifier: GPL-2.0
/*
 * From configuration, host state and cluster view to what the XDP program
 * reads. Everything goes to the idle generation and becomes live in one flip,
 * so the program never sees rules of one version with owners of another.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "config/tables.h"
#include "net/hbio.h"
#include "wlbsd.h"
#include "publish.h"

void wlbsd_build_tables(struct wlbsd *d)
{
	int table_index_of[WLBS_MAX_RULES];
	int i;

	tables_from_config(&d->cfg, &d->tables, table_index_of);
	for (i = 0; i < d->cfg.n_rules; i++)
		d->order[table_index_of[i]] = i;
}

/*
 * A drain hands its buckets over like any change, release then acquire: new
 * connections keep coming here until the map that gives them to the others is
 * applied (a few ms), so none finds no owner meanwhile; then only held ones.
 */
static enum wlbs_fp_state fp_state(const struct wlbsd *d)
{
	enum wlbs_fp_state s = hs_fp_state(&d->hs);

	return s == WLBS_FP_DRAINING && conv_owns_any(&d->conv) ? WLBS_FP_RUNNING : s;
}

/*
 * Rules (table order) a failing check of action disable cuts like an
 * operator's disable, held connections too; not while min_serving keeps
 * this host serving them (then they are merely served, as drain's are not).
 */
static uint32_t check_disabled(const struct wlbsd *d)
{
	uint32_t cfg_mask = health_disable_rules(&d->health), m = 0;

	for (unsigned int i = 0; i < d->tables.n_rules; i++)
		if (d->order[i] < 32 && (cfg_mask >> d->order[i] & 1))
			m |= 1u << i;
	return m & ~d->serving_anyway;
}

void wlbsd_publish(struct wlbsd *d)
{
	static const uint8_t none[WLBS_BUCKETS];
	struct wlbs_tables t = d->tables;
	bool running = hs_fp_state(&d->hs) != WLBS_FP_STOPPED;
	uint32_t cut = check_disabled(d);
	uint64_t now = hbio_now_ms();
	unsigned int i;

	for (i = 0; i < t.n_rules; i++)
		t.rules[i].flags = hs_rule_flags(&d->hs, i) | (cut >> i & 1 ? WLBS_RULE_F_OFF : 0);
	/* Owners as convergence applies them now (release-then-acquire included). */
	for (i = 0; i < WLBS_MAX_RULES; i++)
		fp_stage_owners(&d->fp, i,
				running && i < t.n_rules ? conv_owners(&d->conv, i) : none,
				conv_dirty(&d->conv), (uint8_t)d->cfg.priority, now);
	fp_stage_tables(&d->fp, &t);
	d->fp.cfg->host_id = d->cfg.priority;
	d->fp.cfg->hash_seed = d->cfg.hash_seed;
	fp_set_default(&d->fp, running ? d->default_host : 0, (uint8_t)d->cfg.priority,
		       conv_uncovered_dirty(&d->conv), now);
	fp_commit(&d->fp);
	fp_set_state(&d->fp, fp_state(d));
}
