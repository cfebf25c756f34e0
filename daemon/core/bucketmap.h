/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bucket map: which host owns each of the WLBS_BUCKETS buckets of one
 * port rule. Pure and deterministic: the same inputs give the same map on
 * every host, whatever happened before, so a host that joins late computes
 * what the others computed. No I/O, no clock, no history.
 *
 * Inputs: the agreed hosts (priority 1..64, up or not), their load weight
 * for the rule (0..100, or "equal"), their handling priority (single-host
 * rules), the rule's mode, the cluster hash seed and a per-rule salt.
 *
 * Guarantees of bm_compute (docs/bucketmap.md has the algorithm and the
 * measured figures):
 *  - multiple: every bucket is owned by exactly one up host with weight > 0;
 *    host h owns exactly bm_quotas()[h] buckets, and |count - target| < 1
 *    bucket where target = WLBS_BUCKETS * w_h / sum(w); equal weights give
 *    counts that differ by at most one. No up host with weight > 0 (or all
 *    weights 0): every bucket is WLBS_NO_OWNER, the rule's traffic is dropped.
 *  - single: the up host with the lowest handling priority owns every bucket
 *    (tie: the lower host priority); no up host: no owner.
 *  - disabled: no owner.
 * A host marked equal counts as weight BM_EQUAL_WEIGHT (NLB's default).
 *
 * Usage by convergence, per rule, once the view is agreed:
 *   struct bm_host h[WLBS_MAX_HOSTS];  fill one entry per known host
 *   err = bm_compute(h, n, rule->mode, cfg->hash_seed, rule_index, owners);
 */
#ifndef WLBSD_BUCKETMAP_H
#define WLBSD_BUCKETMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "wlbs/common.h"

/* Weight of a host whose rule says "equal" (NLB's default load weight). */
#define BM_EQUAL_WEIGHT 50
/* Largest load weight. */
#define BM_MAX_WEIGHT 100

/* One host's view for one rule. */
struct bm_host {
	uint8_t id;	       /* host priority, 1..WLBS_MAX_HOSTS, unique */
	uint8_t weight;	       /* load weight 0..BM_MAX_WEIGHT (multiple mode) */
	uint8_t handling_prio; /* single mode: lower wins */
	bool up;	       /* in the agreed membership */
	bool equal;	       /* weight is BM_EQUAL_WEIGHT whatever .weight says */
};

/*
 * Computes the owner of every bucket of one rule. @mode: enum wlbs_rule_mode.
 * @seed: cluster hash seed; @rule_salt: lets rules spread differently (the
 * rule's index, or 0). Returns 0, -EINVAL on bad input (ids out of range or
 * repeated, weight > 100, unknown mode, n outside 0..WLBS_MAX_HOSTS) or
 * -ENOMEM; on error @owners is left untouched.
 */
int bm_compute(const struct bm_host *hosts, int n, int mode, uint32_t seed, uint32_t rule_salt,
	       uint8_t owners[WLBS_BUCKETS]);

/*
 * Exact bucket count of each host in a multiple-host rule (largest
 * remainder), indexed by host priority; [0] is the unowned count. Same
 * validation and errors as bm_compute.
 */
int bm_quotas(const struct bm_host *hosts, int n, uint32_t seed, uint32_t rule_salt,
	      uint16_t quota[WLBS_MAX_HOSTS + 1]);

/* Buckets per owner, indexed by host priority; [0] counts WLBS_NO_OWNER. */
void bm_shares(const uint8_t owners[WLBS_BUCKETS], uint16_t counts[WLBS_MAX_HOSTS + 1]);

/* Buckets whose owner differs between two maps. */
int bm_count_moved(const uint8_t a[WLBS_BUCKETS], const uint8_t b[WLBS_BUCKETS]);

/*
 * Fewest buckets any map must move to go from per-host counts @before to
 * @after (as from bm_shares): the buckets the gaining hosts must receive.
 * For a leave it is the leaver's buckets, for a join the joiner's share,
 * plus any rounding shift between other hosts.
 */
int bm_min_moved(const uint16_t before[WLBS_MAX_HOSTS + 1],
		 const uint16_t after[WLBS_MAX_HOSTS + 1]);

#endif /* WLBSD_BUCKETMAP_H */
