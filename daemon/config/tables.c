// SPDX-License-Identifier: GPL-2.0
/* Configuration -> fast-path tables (the lookups over them: include/wlbs/lookup.h). */
#include <errno.h>
#include <string.h>

#include "config/tables.h"

int tables_from_config(const struct wlbs_config *c, struct wlbs_tables *t,
		       int rule_index_of[WLBS_MAX_RULES])
{
	int order[WLBS_MAX_RULES], i, n;

	if (c->n_vips < 0 || c->n_vips > WLBS_MAX_VIPS || c->n_rules < 0 ||
	    c->n_rules > WLBS_MAX_RULES)
		return -EINVAL;
	for (i = 0; i < c->n_rules; i++)
		if (c->rules[i].vip != CFG_VIP_ALL &&
		    (c->rules[i].vip < 0 || c->rules[i].vip >= c->n_vips))
			return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->n_vips = c->n_vips;
	for (i = 0; i < c->n_vips; i++)
		memcpy(t->vips[i].addr, &c->vips[i].addr, sizeof(t->vips[i].addr));
	n = cfg_rule_order(c, order);
	for (i = 0; i < WLBS_MAX_RULES; i++)
		rule_index_of[i] = -1;
	for (i = 0; i < n; i++) {
		const struct cfg_rule *r = &c->rules[order[i]];
		struct wlbs_rule *w = &t->rules[i];

		w->vip = r->vip == CFG_VIP_ALL ? WLBS_VIP_ALL : (__u32)r->vip;
		w->port_lo = r->port_lo;
		w->port_hi = r->port_hi;
		w->proto = r->proto;
		w->mode = r->mode;
		w->affinity = r->affinity;
		rule_index_of[order[i]] = i;
	}
	t->n_rules = n;
	return 0;
}
