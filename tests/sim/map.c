// SPDX-License-Identifier: GPL-2.0
/*
 * Bucket maps for the simulation. bm_compute is exact and costs about 1.5 ms
 * a rule, and every host of a run computes the same maps: a cache shared by
 * the simulated hosts (keyed by every input) computes each map once. Most
 * random seeds use a quick stand-in with bm_compute's contract (each bucket
 * of a multiple-host rule goes to one up host with weight, in proportion;
 * single-host rules go to the best handling priority): convergence does not
 * depend on how buckets are spread, only on every host computing the same.
 */
#include <string.h>

#include "sim_map.h"

#define CACHE_SLOTS 512

struct cache_entry {
	bool used;
	uint64_t key;
	int n, mode;
	uint32_t seed, salt;
	struct bm_host hosts[SIM_MAX_HOSTS];
	uint8_t owners[WLBS_BUCKETS];
};

/* One cache per map function. */
static struct cache_entry cache[2][CACHE_SLOTS];
static unsigned long hits, misses;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static int cached(int which, conv_map_fn fn, const struct bm_host *hosts, int n, int mode,
		  uint32_t seed, uint32_t salt, uint8_t owners[WLBS_BUCKETS])
{
	uint64_t key = mix((uint64_t)seed << 32 | salt) ^ mix((uint64_t)mode << 8 | (uint64_t)n);
	struct cache_entry *e;
	int i, err;

	if (n > SIM_MAX_HOSTS)
		return fn(hosts, n, mode, seed, salt, owners);
	for (i = 0; i < n; i++)
		key = mix(key ^ ((uint64_t)hosts[i].id << 32 | (uint64_t)hosts[i].weight << 24 |
				 (uint64_t)hosts[i].handling_prio << 16 | hosts[i].up << 1 |
				 hosts[i].equal));
	e = &cache[which][key % CACHE_SLOTS];
	if (e->used && e->key == key && e->n == n && e->mode == mode && e->seed == seed &&
	    e->salt == salt && !memcmp(e->hosts, hosts, n * sizeof(*hosts))) {
		memcpy(owners, e->owners, WLBS_BUCKETS);
		hits++;
		return 0;
	}
	misses++;
	err = fn(hosts, n, mode, seed, salt, owners);
	if (err)
		return err;
	e->used = true;
	e->key = key;
	e->n = n;
	e->mode = mode;
	e->seed = seed;
	e->salt = salt;
	memcpy(e->hosts, hosts, n * sizeof(*hosts));
	memcpy(e->owners, owners, WLBS_BUCKETS);
	return 0;
}

static int quick(const struct bm_host *hosts, int n, int mode, uint32_t seed, uint32_t salt,
		 uint8_t owners[WLBS_BUCKETS])
{
	uint32_t cum[WLBS_MAX_HOSTS], total = 0, x;
	uint8_t id[WLBS_MAX_HOSTS], best = 0, best_hp = 0;
	int i, k = 0, b;

	if (n < 0 || n > WLBS_MAX_HOSTS || mode > WLBS_MODE_DISABLED)
		return -EINVAL;
	memset(owners, WLBS_NO_OWNER, WLBS_BUCKETS);
	if (mode == WLBS_MODE_DISABLED)
		return 0;
	for (i = 0; i < n; i++) {
		const struct bm_host *h = &hosts[i];

		if (!h->up)
			continue;
		if (mode == WLBS_MODE_SINGLE) {
			if (!best || h->handling_prio < best_hp ||
			    (h->handling_prio == best_hp && h->id < best)) {
				best = h->id;
				best_hp = h->handling_prio;
			}
			continue;
		}
		x = h->equal ? BM_EQUAL_WEIGHT : h->weight;
		if (!x)
			continue;
		total += x;
		cum[k] = total;
		id[k++] = h->id;
	}
	if (mode == WLBS_MODE_SINGLE) {
		memset(owners, best, WLBS_BUCKETS);
		return 0;
	}
	if (!total)
		return 0;
	for (b = 0; b < WLBS_BUCKETS; b++) {
		x = (uint32_t)(mix((uint64_t)seed << 40 ^ (uint64_t)salt << 20 ^ (uint64_t)b) %
			       total);
		for (i = 0; cum[i] <= x; i++)
			;
		owners[b] = id[i];
	}
	return 0;
}

int sim_map_cached(const struct bm_host *hosts, int n, int mode, uint32_t seed, uint32_t salt,
		   uint8_t owners[WLBS_BUCKETS])
{
	return cached(0, bm_compute, hosts, n, mode, seed, salt, owners);
}

int sim_map_quick(const struct bm_host *hosts, int n, int mode, uint32_t seed, uint32_t salt,
		  uint8_t owners[WLBS_BUCKETS])
{
	return cached(1, quick, hosts, n, mode, seed, salt, owners);
}

void sim_map_stats(unsigned long *h, unsigned long *m)
{
	*h = hits;
	*m = misses;
}
