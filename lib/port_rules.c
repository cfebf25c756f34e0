// SPDX-License-Identifier: GPL-2.0
/* The port table of a generation's rules (include/wlbs/common.h, struct wlbs_port_rules). */
#include <string.h>

#include "port_rules.h"

void wlbs_port_rules_fill(const struct wlbs_tables *t, struct wlbs_port_rules *out)
{
	static const __u8 bits[2] = {WLBS_PROTO_TCP, WLBS_PROTO_UDP};
	unsigned int n = t->n_rules < WLBS_MAX_RULES ? t->n_rules : WLBS_MAX_RULES, p;
	const struct wlbs_rule *r;
	int i;

	memset(out, WLBS_PORT_NO_RULE, sizeof(*out));
	/* Last rule first: each covers what the rules after it did, so the first one wins. */
	for (i = (int)n - 1; i >= 0; i--) {
		r = &t->rules[i];
		if (r->port_lo > r->port_hi)
			continue;
		for (p = 0; p < 2; p++)
			if (r->proto & bits[p])
				memset(&out->rule[p][r->port_lo],
				       r->vip == WLBS_VIP_ALL ? i + 1 : WLBS_PORT_WALK,
				       (size_t)r->port_hi - r->port_lo + 1);
	}
}
