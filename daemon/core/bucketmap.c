// SPDX-License-Identifier: GPL-2.0
/*
 * The bucket map (see bucketmap.h and docs/bucketmap.md).
 *
 * Multiple-host rules: every (bucket, host) pair gets a score, a Gumbel
 * variate drawn from a hash of (seed, salt, bucket, host). Each host's
 * bucket count is fixed exactly by largest remainder over the weights, and
 * the map is the assignment that meets those counts with the largest total
 * score (a transportation problem, solved exactly by successive shortest
 * paths over the hosts). With Gumbel scores and prices ln(count) the
 * unconstrained best host of a bucket already follows the weights and
 * removing a host leaves the others' prices where they were, so the exact
 * counts cost few moves beyond the minimum. Which host draws the best and the
 * second best score of a bucket is balanced by design over all 64 priorities
 * (every ordered pair of hosts equally often), so a leaving host's buckets
 * fall on the others evenly.
 *
 * Everything is integer arithmetic (fixed-point logarithms from a table made
 * by integer squaring), so every host computes the same map bit for bit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bucketmap.h"

/* Bucket index mask. */
#define BM_MASK (WLBS_BUCKETS - 1)
/* Ordered pairs of distinct hosts: the design's unit. */
#define BM_PAIRS (WLBS_MAX_HOSTS * (WLBS_MAX_HOSTS - 1))
/* Log table: 1024 steps per octave. */
#define BM_LOG_BITS 10
/* Gumbel table: 64 steps per octave (fits in L1). */
#define BM_G_BITS 6
/* Distance of an unreachable host. */
#define BM_INF (INT64_MAX / 4)
/* Cheap price corrections before the exact augmentations. */
#define BM_PRICE_ROUNDS 1
/* ln(2) in Q62 and Q32. */
#define BM_LN2_Q62 0x2c5c85fdf473de6bll
#define BM_LN2_Q32 (BM_LN2_Q62 >> 30)

_Static_assert(WLBS_BUCKETS == 8192, "design slots below assume 8192 buckets");
_Static_assert(WLBS_MAX_HOSTS == 64, "design slots below assume 64 hosts");
_Static_assert(2 * BM_PAIRS + 2 * WLBS_MAX_HOSTS == WLBS_BUCKETS, "design covers every bucket");

/* An up host with weight > 0 in a multiple-host rule. */
struct bm_active {
	uint8_t id;
	uint8_t slot; /* place in the seeded relabelling of priorities 1..64 */
	uint16_t weight;
	uint16_t quota;
	uint64_t tie; /* orders equal remainders */
};

/* Working state of one computation (about 2.1 MB; kept per thread, see bm_work_get). */
struct bm_work {
	int n;
	struct bm_active act[WLBS_MAX_HOSTS];
	uint32_t ln_tab[(1 << BM_LOG_BITS) + 1]; /* ln(1 + i/1024), Q32 */
	/* bm_gumbel by octave of u ([0]: u < 1/2) or of 1 - u ([1]: u >= 1/2) */
	int32_t g_tab[2][32][(1 << BM_G_BITS) + 1]; /* Q24 */
	int64_t price[WLBS_MAX_HOSTS];
	int count[WLBS_MAX_HOSTS];
	int16_t head[WLBS_MAX_HOSTS]; /* each host's buckets, doubly linked */
	int16_t next[WLBS_BUCKETS];
	int16_t prev[WLBS_BUCKETS];
	uint8_t owner[WLBS_BUCKETS];		     /* index into act[] */
	int64_t gap[WLBS_MAX_HOSTS][WLBS_MAX_HOSTS]; /* min over g's buckets of s(b,g) - s(b,h) */
	int16_t gap_bucket[WLBS_MAX_HOSTS][WLBS_MAX_HOSTS];
	int32_t score[WLBS_BUCKETS * WLBS_MAX_HOSTS]; /* [bucket * n + host index], Q24 */
};

static uint64_t bm_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* ln(1 + i/1024) in Q32 for i = 0..1024, by repeated squaring (no libm: bit-exact everywhere). */
static void bm_make_ln_table(uint32_t *tab)
{
	for (int i = 0; i <= 1 << BM_LOG_BITS; i++) {
		unsigned __int128 y =
		    ((unsigned __int128)1 << 62) + ((uint64_t)i << (62 - BM_LOG_BITS));
		uint64_t log2 = 0; /* Q32 */

		for (int bit = 31; bit >= 0; bit--) {
			y = (y * y) >> 62;
			if (y >= (unsigned __int128)1 << 63) {
				y >>= 1;
				log2 |= 1ull << bit;
			}
		}
		if (i == 1 << BM_LOG_BITS)
			log2 = 1ull << 32;
		tab[i] = (uint32_t)(((unsigned __int128)log2 * BM_LN2_Q62) >> 62);
	}
}

/* ln(x) in Q32 for x >= 1. */
static int64_t bm_ln(const uint32_t *tab, uint64_t x)
{
	int k = 63 - __builtin_clzll(x);
	uint64_t m = x << (63 - k); /* 1.xxx in Q63 */
	uint32_t i = (m >> (63 - BM_LOG_BITS)) & ((1u << BM_LOG_BITS) - 1);
	uint64_t frac = (m >> (31 - BM_LOG_BITS)) & 0xffffffffu;
	int64_t lo = tab[i], hi = tab[i + 1];
	int64_t kln2 = (int64_t)(((unsigned __int128)k * BM_LN2_Q62) >> 30);

	return kln2 + lo + (int64_t)(((uint64_t)(hi - lo) * frac) >> 32);
}

/* Gumbel variate -ln(-ln u) in Q32 for u = (r + 1/2) / 2^64; larger r, larger score. */
static int64_t bm_gumbel(const uint32_t *tab, uint64_t r)
{
	uint64_t v = ~r | 1; /* (1 - u) in Q64 */
	int64_t e_ln;	     /* ln(-ln u), Q32 */

	if (v < 1ull << 56) {
		/* -ln(1 - v) = v + v^2/2 + v^3/3 + ...: keeps precision as -ln u -> 0 */
		unsigned __int128 v2 = (unsigned __int128)v * v;
		uint64_t e = v + (uint64_t)(v2 >> 65) + (uint64_t)(((v2 >> 64) * v / 3) >> 64);

		e_ln = bm_ln(tab, e) - 64 * BM_LN2_Q32;
	} else {
		/* -ln u = 64 ln 2 - ln(r), Q32, at least 2^-8 here */
		int64_t e = 64 * BM_LN2_Q32 - bm_ln(tab, r | 1);

		e_ln = bm_ln(tab, (uint64_t)e) - 32 * BM_LN2_Q32;
	}
	return -e_ln;
}

/*
 * bm_gumbel of a 32-bit u by table: the octave of u (u < 1/2) or of 1 - u
 * (u >= 1/2) and the next 6 bits, linear in between, Q24. Within 1e-4 of
 * bm_gumbel; small enough to stay in L1. What matters is that every host
 * computes the same value.
 */
static void bm_make_g_table(struct bm_work *w)
{
	for (int k = 0; k < 32; k++) {
		for (int i = 0; i <= 1 << BM_G_BITS; i++) {
			/* u (or 1 - u) in Q64 at node i of octave k: (1 + i/64) / 2^(k+1) */
			unsigned __int128 m =
			    ((unsigned __int128)((1 << BM_G_BITS) + i) << (63 - BM_G_BITS)) >> k;
			uint64_t x = m > UINT64_MAX ? UINT64_MAX : (uint64_t)m;

			w->g_tab[0][k][i] = (int32_t)(bm_gumbel(w->ln_tab, x) >> 8);
			w->g_tab[1][k][i] = (int32_t)(bm_gumbel(w->ln_tab, ~x) >> 8);
		}
	}
}

static int32_t bm_gumbel_fast(const struct bm_work *w, uint32_t r)
{
	uint32_t hi = r >> 31;
	uint32_t x = (r ^ (0 - hi)) | 1; /* branch-free: ~r when u >= 1/2 */
	int k = __builtin_clz(x);
	uint32_t m = x << k;
	uint32_t i = (m >> (31 - BM_G_BITS)) & ((1u << BM_G_BITS) - 1);
	int64_t frac = (int64_t)(m << (BM_G_BITS + 1)); /* the bits below i, Q32 */
	const int32_t *t = w->g_tab[hi][k];

	return t[i] + (int32_t)(((int64_t)(t[i + 1] - t[i]) * frac) >> 32);
}

/* Seeded bijection of the 13-bit bucket index (which design slot a bucket takes). */
static uint32_t bm_slot_of_bucket(const uint64_t key[3], uint32_t b)
{
	for (int round = 0; round < 3; round++) {
		b = (b * ((uint32_t)key[round] | 1)) & BM_MASK;
		b ^= b >> 7;
		b = (b + (uint32_t)(key[round] >> 32)) & BM_MASK;
		b ^= b >> 5;
	}
	return b;
}

/*
 * The hosts (relabelled slots) that draw the best and the second best score
 * of design slot @d. Slots 0..2*BM_PAIRS-1 hold every ordered pair twice;
 * the last 128 give each host two more firsts and seconds.
 */
static void bm_design(uint32_t d, int *first, int *second)
{
	if (d < 2 * BM_PAIRS) {
		uint32_t pair = d % BM_PAIRS;

		*first = (int)(pair / (WLBS_MAX_HOSTS - 1));
		*second = (*first + 1 + (int)(pair % (WLBS_MAX_HOSTS - 1))) % WLBS_MAX_HOSTS;
	} else {
		d -= 2 * BM_PAIRS;
		*first = (int)(d / 2);
		*second = (*first + 1 + (d & 1 ? 31 : 0)) % WLBS_MAX_HOSTS;
	}
}

/*
 * Scores of every bucket for every active host: iid Gumbel draws, except that
 * the bucket's best draw goes to its design host and the second best to its
 * design runner-up (swapping values keeps the draws iid as a set).
 */
static void bm_scores(struct bm_work *w, uint64_t key)
{
	uint64_t bkey = bm_mix(key ^ 0x5c0be5ull), dkey[3];

	for (int i = 0; i < 3; i++)
		dkey[i] = bm_mix(key ^ 0xde519eull ^ (uint64_t)i << 24);
	for (uint32_t b = 0; b < WLBS_BUCKETS; b++) {
		uint32_t r[WLBS_MAX_HOSTS], t;
		int first, second, best = 0;

		/* u of each host is (r + 1/2) / 2^32 */
		for (int i = 0; i < WLBS_MAX_HOSTS; i += 2) {
			uint64_t x = bm_mix(bkey ^ ((uint64_t)b << 6 | (uint64_t)i));

			r[i] = (uint32_t)x;
			r[i + 1] = (uint32_t)(x >> 32);
		}
		bm_design(bm_slot_of_bucket(dkey, b), &first, &second);
		for (int i = 1; i < WLBS_MAX_HOSTS; i++)
			if (r[i] > r[best])
				best = i;
		t = r[first], r[first] = r[best], r[best] = t;
		best = first == 0 ? 1 : 0;
		for (int i = 0; i < WLBS_MAX_HOSTS; i++)
			if (i != first && r[i] > r[best])
				best = i;
		t = r[second], r[second] = r[best], r[best] = t;
		for (int j = 0; j < w->n; j++)
			w->score[b * w->n + j] = bm_gumbel_fast(w, r[w->act[j].slot]);
	}
}

static int bm_validate(const struct bm_host *hosts, int n)
{
	uint64_t seen = 0;

	if (n < 0 || n > WLBS_MAX_HOSTS || (n > 0 && !hosts))
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		const struct bm_host *h = &hosts[i];

		if (h->id < 1 || h->id > WLBS_MAX_HOSTS || h->weight > BM_MAX_WEIGHT)
			return -EINVAL;
		if (seen & 1ull << (h->id - 1))
			return -EINVAL;
		seen |= 1ull << (h->id - 1);
	}
	return 0;
}

static uint64_t bm_key(uint32_t seed, uint32_t salt)
{
	return bm_mix(((uint64_t)seed << 32 | salt) ^ 0xb0c3e7ull);
}

/* Fills act[] with the up hosts of weight > 0, in priority order, and their exact quotas. */
static int bm_plan(const struct bm_host *hosts, int n, uint64_t key, struct bm_active *act)
{
	uint8_t slot_of[WLBS_MAX_HOSTS], weight_of[WLBS_MAX_HOSTS];
	uint32_t rem[WLBS_MAX_HOSTS], total = 0, given = 0;
	uint64_t relabel = bm_mix(key ^ 0x1abe1ull);
	int m = 0;

	/* seeded relabelling of priorities, so the design's pairs differ per cluster and rule */
	for (int i = 0; i < WLBS_MAX_HOSTS; i++)
		slot_of[i] = (uint8_t)i;
	for (int i = WLBS_MAX_HOSTS - 1; i > 0; i--) {
		int j = (int)(bm_mix(relabel + (uint64_t)i) % (uint64_t)(i + 1));
		uint8_t t = slot_of[i];

		slot_of[i] = slot_of[j];
		slot_of[j] = t;
	}
	memset(weight_of, 0, sizeof(weight_of));
	for (int i = 0; i < n; i++) {
		uint8_t wt = hosts[i].equal ? BM_EQUAL_WEIGHT : hosts[i].weight;

		if (hosts[i].up && wt)
			weight_of[hosts[i].id - 1] = wt;
	}
	for (int id = 1; id <= WLBS_MAX_HOSTS; id++) {
		if (!weight_of[id - 1])
			continue;
		act[m] = (struct bm_active){.id = (uint8_t)id,
					    .slot = slot_of[id - 1],
					    .weight = weight_of[id - 1],
					    .tie = bm_mix(key ^ ((uint64_t)id << 40))};
		total += act[m].weight;
		m++;
	}
	for (int j = 0; j < m; j++) {
		uint32_t share = (uint32_t)WLBS_BUCKETS * act[j].weight;

		act[j].quota = (uint16_t)(share / total);
		rem[j] = share % total;
		given += act[j].quota;
	}
	/* largest remainder; equal remainders go by a seeded order, so rules differ */
	while (m && given < WLBS_BUCKETS) {
		int best = -1;

		for (int j = 0; j < m; j++) {
			if (rem[j] == UINT32_MAX)
				continue;
			if (best < 0 || rem[j] > rem[best] ||
			    (rem[j] == rem[best] && act[j].tie < act[best].tie))
				best = j;
		}
		act[best].quota++;
		rem[best] = UINT32_MAX;
		given++;
	}
	return m;
}

static void bm_unlink(struct bm_work *w, int b)
{
	int g = w->owner[b];

	if (w->prev[b] >= 0)
		w->next[w->prev[b]] = w->next[b];
	else
		w->head[g] = w->next[b];
	if (w->next[b] >= 0)
		w->prev[w->next[b]] = w->prev[b];
	w->count[g]--;
}

static void bm_link(struct bm_work *w, int b, int h)
{
	w->owner[b] = (uint8_t)h;
	w->prev[b] = -1;
	w->next[b] = w->head[h];
	if (w->head[h] >= 0)
		w->prev[w->head[h]] = (int16_t)b;
	w->head[h] = (int16_t)b;
	w->count[h]++;
}

/* Cheapest bucket of host g to hand to host h, before prices. */
static void bm_gap(struct bm_work *w, int g, int h)
{
	int n = w->n;

	w->gap[g][h] = BM_INF;
	w->gap_bucket[g][h] = -1;
	for (int b = w->head[g]; b >= 0; b = w->next[b]) {
		int64_t d = (int64_t)w->score[b * n + g] - w->score[b * n + h];

		if (d < w->gap[g][h]) {
			w->gap[g][h] = d;
			w->gap_bucket[g][h] = (int16_t)b;
		}
	}
}

/* The same for every h at once. */
static void bm_gap_row(struct bm_work *w, int g)
{
	int n = w->n;

	for (int h = 0; h < n; h++) {
		w->gap[g][h] = BM_INF;
		w->gap_bucket[g][h] = -1;
	}
	for (int b = w->head[g]; b >= 0; b = w->next[b]) {
		const int32_t *s = &w->score[b * n];

		for (int h = 0; h < n; h++) {
			int64_t d = (int64_t)s[g] - s[h];

			if (h != g && d < w->gap[g][h]) {
				w->gap[g][h] = d;
				w->gap_bucket[g][h] = (int16_t)b;
			}
		}
	}
}

/* Hands bucket b from host u to host v and updates both gap rows. */
static void bm_move(struct bm_work *w, int b, int u, int v)
{
	const int32_t *s = &w->score[b * w->n];

	bm_unlink(w, b);
	bm_link(w, b, v);
	for (int h = 0; h < w->n; h++) {
		int64_t d = (int64_t)s[v] - s[h];

		if (h != u && w->gap_bucket[u][h] == b)
			bm_gap(w, u, h);
		if (h != v && d < w->gap[v][h]) {
			w->gap[v][h] = d;
			w->gap_bucket[v][h] = (int16_t)b;
		}
	}
}

/*
 * One augmentation: the cheapest chain of single-bucket hand-overs from a
 * host over its quota to one under it (Dijkstra on reduced costs, which stay
 * >= 0 because every bucket sits with a best host under the prices).
 */
static void bm_augment(struct bm_work *w)
{
	int n = w->n, prev[WLBS_MAX_HOSTS], target = -1;
	int64_t dist[WLBS_MAX_HOSTS], reach;
	bool done[WLBS_MAX_HOSTS];

	for (int h = 0; h < n; h++) {
		dist[h] = w->count[h] > w->act[h].quota ? 0 : BM_INF;
		prev[h] = -1;
		done[h] = false;
	}
	for (;;) {
		int u = -1;

		for (int h = 0; h < n; h++)
			if (!done[h] && (u < 0 || dist[h] < dist[u]))
				u = h;
		done[u] = true;
		if (w->count[u] < w->act[u].quota) {
			target = u;
			break;
		}
		for (int h = 0; h < n; h++) {
			int64_t d;

			if (done[h] || w->gap_bucket[u][h] < 0)
				continue;
			d = dist[u] + w->gap[u][h] + w->price[u] - w->price[h];
			if (d < dist[h]) {
				dist[h] = d;
				prev[h] = u;
			}
		}
	}
	reach = dist[target];
	for (int h = 0; h < n; h++)
		w->price[h] += dist[h] < reach ? dist[h] : reach;
	for (int v = target; prev[v] >= 0; v = prev[v])
		bm_move(w, w->gap_bucket[prev[v]][v], prev[v], v);
}

static bool bm_over(const struct bm_work *w)
{
	for (int h = 0; h < w->n; h++)
		if (w->count[h] > w->act[h].quota)
			return true;
	return false;
}

/* Every bucket to its best host under the current prices. */
static void bm_place(struct bm_work *w)
{
	int n = w->n;

	for (int h = 0; h < n; h++) {
		w->head[h] = -1;
		w->count[h] = 0;
	}
	for (int b = 0; b < WLBS_BUCKETS; b++) {
		const int32_t *s = &w->score[b * n];
		int best = 0;

		for (int h = 1; h < n; h++)
			if (s[h] + w->price[h] > s[best] + w->price[best])
				best = h;
		bm_link(w, b, best);
	}
}

/*
 * The optimal assignment meeting every quota exactly. Prices start at
 * ln(quota) (right in expectation for Gumbel scores), get a few cheap
 * multiplicative corrections, then augmentations fix the last buckets. The
 * result does not depend on the path: it is the one optimum.
 */
static void bm_assign(struct bm_work *w)
{
	int n = w->n;

	for (int h = 0; h < n; h++)
		w->price[h] = bm_ln(w->ln_tab, w->act[h].quota) >> 8;
	bm_place(w);
	for (int round = 0; round < BM_PRICE_ROUNDS && bm_over(w); round++) {
		for (int h = 0; h < n; h++)
			if (w->count[h])
				w->price[h] -= (bm_ln(w->ln_tab, (uint64_t)w->count[h]) -
						bm_ln(w->ln_tab, w->act[h].quota)) >>
					       8;
		bm_place(w);
	}
	if (!bm_over(w))
		return;
	for (int h = 0; h < n; h++)
		bm_gap_row(w, h);
	while (bm_over(w))
		bm_augment(w);
}

/*
 * The working state, allocated on first use and kept for the thread: a fresh
 * 2 MB allocation per rule would cost more in page faults than the map.
 */
static struct bm_work *bm_work_get(void)
{
	static __thread struct bm_work *work;

	if (!work) {
		work = malloc(sizeof(*work));
		if (work)
			bm_make_ln_table(work->ln_tab);
		if (work)
			bm_make_g_table(work);
	}
	return work;
}

/*
 * Maps computed before, per thread. A convergence recomputes every rule's map
 * (245 ms at 64 hosts x 32 rules), and after a flap or a rejoin the members
 * and weights are usually the ones of a map computed shortly before. The
 * result depends only on the key and the active hosts' ids and weights (the
 * rest of struct bm_active derives from them), so that is the cache key.
 * Room for two maps per rule: the current view and the previous one.
 */
#define BM_CACHE_SIZE (2 * WLBS_MAX_RULES)

struct bm_cached {
	uint64_t used; /* LRU stamp, 0 = empty */
	uint64_t key;
	int m;
	uint8_t id[WLBS_MAX_HOSTS];
	uint16_t weight[WLBS_MAX_HOSTS];
	uint8_t owners[WLBS_BUCKETS];
};

struct bm_cache {
	uint64_t clock;
	struct bm_cached e[BM_CACHE_SIZE];
};

static struct bm_cache *bm_cache_get(void)
{
	static __thread struct bm_cache *cache;

	if (!cache)
		cache = calloc(1, sizeof(*cache));
	return cache;
}

static bool bm_cached_is(const struct bm_cached *e, uint64_t key, const struct bm_active *act,
			 int m)
{
	if (!e->used || e->key != key || e->m != m)
		return false;
	for (int j = 0; j < m; j++)
		if (e->id[j] != act[j].id || e->weight[j] != act[j].weight)
			return false;
	return true;
}

/* The cached map for (key, act), else NULL and *@slot = the entry to replace. */
static struct bm_cached *bm_cache_find(struct bm_cache *c, uint64_t key,
				       const struct bm_active *act, int m, struct bm_cached **slot)
{
	struct bm_cached *lru = &c->e[0];

	for (int i = 0; i < BM_CACHE_SIZE; i++) {
		struct bm_cached *e = &c->e[i];

		if (bm_cached_is(e, key, act, m)) {
			e->used = ++c->clock;
			return e;
		}
		if (e->used < lru->used)
			lru = e;
	}
	*slot = lru;
	return NULL;
}

static void bm_cache_store(struct bm_cache *c, struct bm_cached *e, uint64_t key,
			   const struct bm_active *act, int m, const uint8_t owners[WLBS_BUCKETS])
{
	e->used = ++c->clock;
	e->key = key;
	e->m = m;
	for (int j = 0; j < m; j++) {
		e->id[j] = act[j].id;
		e->weight[j] = act[j].weight;
	}
	memcpy(e->owners, owners, WLBS_BUCKETS);
}

static int bm_multiple(const struct bm_host *hosts, int n, uint64_t key,
		       uint8_t owners[WLBS_BUCKETS])
{
	struct bm_active act[WLBS_MAX_HOSTS];
	struct bm_cached *hit, *slot = NULL;
	struct bm_cache *cache;
	struct bm_work *w;
	int m = bm_plan(hosts, n, key, act);

	if (m == 0) {
		memset(owners, WLBS_NO_OWNER, WLBS_BUCKETS);
		return 0;
	}
	if (m == 1) {
		memset(owners, act[0].id, WLBS_BUCKETS);
		return 0;
	}
	cache = bm_cache_get();
	if (cache) {
		hit = bm_cache_find(cache, key, act, m, &slot);
		if (hit) {
			memcpy(owners, hit->owners, WLBS_BUCKETS);
			return 0;
		}
	}
	w = bm_work_get();
	if (!w)
		return -ENOMEM;
	w->n = m;
	memcpy(w->act, act, sizeof(act));
	bm_scores(w, key);
	bm_assign(w);
	for (int b = 0; b < WLBS_BUCKETS; b++)
		owners[b] = w->act[w->owner[b]].id;
	if (slot)
		bm_cache_store(cache, slot, key, act, m, owners);
	return 0;
}

int bm_compute(const struct bm_host *hosts, int n, int mode, uint32_t seed, uint32_t rule_salt,
	       uint8_t owners[WLBS_BUCKETS])
{
	const struct bm_host *best = NULL;
	int err = bm_validate(hosts, n);

	if (err)
		return err;
	if (!owners)
		return -EINVAL;
	switch (mode) {
	case WLBS_MODE_MULTIPLE:
		return bm_multiple(hosts, n, bm_key(seed, rule_salt), owners);
	case WLBS_MODE_SINGLE:
		for (int i = 0; i < n; i++) {
			const struct bm_host *h = &hosts[i];

			if (h->up &&
			    (!best || h->handling_prio < best->handling_prio ||
			     (h->handling_prio == best->handling_prio && h->id < best->id)))
				best = h;
		}
		memset(owners, best ? best->id : WLBS_NO_OWNER, WLBS_BUCKETS);
		return 0;
	case WLBS_MODE_DISABLED:
		memset(owners, WLBS_NO_OWNER, WLBS_BUCKETS);
		return 0;
	default:
		return -EINVAL;
	}
}

int bm_quotas(const struct bm_host *hosts, int n, uint32_t seed, uint32_t rule_salt,
	      uint16_t quota[WLBS_MAX_HOSTS + 1])
{
	struct bm_active act[WLBS_MAX_HOSTS];
	int err = bm_validate(hosts, n), m;

	if (err)
		return err;
	if (!quota)
		return -EINVAL;
	m = bm_plan(hosts, n, bm_key(seed, rule_salt), act);
	memset(quota, 0, sizeof(uint16_t) * (WLBS_MAX_HOSTS + 1));
	if (!m)
		quota[0] = WLBS_BUCKETS;
	for (int j = 0; j < m; j++)
		quota[act[j].id] = act[j].quota;
	return 0;
}

void bm_shares(const uint8_t owners[WLBS_BUCKETS], uint16_t counts[WLBS_MAX_HOSTS + 1])
{
	memset(counts, 0, sizeof(uint16_t) * (WLBS_MAX_HOSTS + 1));
	for (int b = 0; b < WLBS_BUCKETS; b++)
		if (owners[b] <= WLBS_MAX_HOSTS)
			counts[owners[b]]++;
}

int bm_count_moved(const uint8_t a[WLBS_BUCKETS], const uint8_t b[WLBS_BUCKETS])
{
	int moved = 0;

	for (int i = 0; i < WLBS_BUCKETS; i++)
		moved += a[i] != b[i];
	return moved;
}

int bm_min_moved(const uint16_t before[WLBS_MAX_HOSTS + 1],
		 const uint16_t after[WLBS_MAX_HOSTS + 1])
{
	int gain = 0, loss = 0;

	for (int h = 0; h <= WLBS_MAX_HOSTS; h++) {
		if (after[h] > before[h])
			gain += after[h] - before[h];
		else
			loss += before[h] - after[h];
	}
	return gain > loss ? gain : loss;
}
