/* SPDX-License-Identifier: GPL-2.0 */
/* Bucket map functions for the simulated hosts (map.c). */
#ifndef WLBS_SIM_MAP_H
#define WLBS_SIM_MAP_H

#include <errno.h>

#include "sim.h"

/* bm_compute, computed once per distinct input across all simulated hosts. */
int sim_map_cached(const struct bm_host *hosts, int n, int mode, uint32_t seed, uint32_t salt,
		   uint8_t owners[WLBS_BUCKETS]);
/* A fast stand-in with bm_compute's contract (not its balance or minimal moves). */
int sim_map_quick(const struct bm_host *hosts, int n, int mode, uint32_t seed, uint32_t salt,
		  uint8_t owners[WLBS_BUCKETS]);
void sim_map_stats(unsigned long *hits, unsigned long *misses);

#endif
