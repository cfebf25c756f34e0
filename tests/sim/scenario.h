/* SPDX-License-Identifier: GPL-2.0 */
/* Scenarios of the simulation (scenario.c). */
#ifndef WLBS_SIM_SCENARIO_H
#define WLBS_SIM_SCENARIO_H

#include "sim.h"

enum measure_kind {
	MEASURE_FAILOVER, /* a member crashes */
	MEASURE_JOIN,	  /* a host starts */
	MEASURE_HEAL,	  /* a partition heals */
	MEASURE_DRAIN,	  /* a member drains (drainstop) */
	MEASURE_START,	  /* a draining member starts again (the drain cancelled) */
	MEASURE_KINDS,
};

struct measure {
	uint64_t time_ms; /* until every host settled; UINT64_MAX: never */
	int moved;	  /* buckets of rule 0 that changed owner */
	int min_moved;	  /* the fewest any map could move */
};

/* Schedules a random run on @s (after sim_setup). */
void scenario_random(struct sim *s);

/* Schedules an overload run (issue 15) of @cycles rounds at @T/@K on @s. */
void scenario_overload(struct sim *s, uint32_t T, uint32_t K, int cycles);

/* Runs a measured scenario on a clean network. */
void scenario_measure(struct sim *s, int kind, uint32_t T, uint32_t K, struct measure *m);

#endif
