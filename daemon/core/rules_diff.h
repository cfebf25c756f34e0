/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between this host's port rules and another host's, from their
 * rules descriptors (include/wlbs/rules_desc.h), as one line for operators:
 *   rule web (10.0.0.100 80-80/tcp): host 2 has affinity single, this host none
 *   rule web (10.0.0.100 80-80/tcp): missing on host 2
 *   host 2 has rule x (all 8080-8080/udp) that this host lacks
 * Pure: explains only; convergence decides on the fingerprint alone.
 */
#ifndef WLBSD_RULES_DIFF_H
#define WLBSD_RULES_DIFF_H

#include <stddef.h>

#include "wlbs/rules_desc.h"

/* Longest text rd_diff writes (it cuts there, with "..."). */
#define RD_DIFF_MAX 512

/*
 * Writes the differences of @peer's rules from @local's into @buf, "; "
 * between them, and returns how many it found. Rules pair up by name, else
 * by cluster IP and an overlapping port range. 0 (and "") when the rules and
 * seed agree field by field. @first (may be NULL): the index in @local of the
 * first rule the text names, -1 when it names only @peer's rules or the seed.
 */
int rd_diff(const struct wlbs_rd *local, const struct wlbs_rd *peer, char *buf, size_t len,
	    int *first);

/* "10.0.0.100 80-80/tcp" ("all" for every cluster IP). */
void rd_rule_str(const struct wlbs_rd_rule *r, char *buf, size_t len);

#endif
