/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From the configuration to the fast path's cluster IP and port rule tables
 * (struct wlbs_tables). wlbs/lookup.h holds the lookups over them, the very
 * ones the XDP program makes, so the daemon and the tests pick a flow's rule
 * exactly as the fast path does.
 */
#ifndef WLBS_TABLES_H
#define WLBS_TABLES_H

#include <wlbs/common.h>
#include "config/config.h"

/*
 * Fills @t from @c: cluster IPs as v4-mapped IPv6 in network order, rules in
 * cfg_rule_order() (rules for one cluster IP before rules for all: the fast
 * path takes the first match), per-host flags cleared. rule_index_of[i] is
 * the table index of config rule i (entries past c->n_rules are -1).
 * Returns 0, or -EINVAL for a configuration that does not fit the tables.
 */
int tables_from_config(const struct wlbs_config *c, struct wlbs_tables *t,
		       int rule_index_of[WLBS_MAX_RULES]);

#endif /* WLBS_TABLES_H */
