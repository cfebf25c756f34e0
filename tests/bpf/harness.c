// SPDX-License-Identifier: GPL-2.0
/* BPF test harness; see harness.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "port_rules.h"
#include "wlbs.skel.h"
#include "fastpath.h"

struct wlbs_bpf *h_skel;
uint8_t *h_owners;
uint8_t *h_flags;
static struct wlbs_port_rules *h_port_rules;
__s32 *h_conns;
__u64 *h_held;
__u32 *h_hint;
__u64 *h_synack_dirty;
uint64_t h_seed;

static int n_cpus;

static const char *const reason_names[WLBS_R_MAX] = {
    "NOT_CLUSTER", "HEARTBEAT",	 "OWNED",      "HELD",		 "DEFAULT",	  "FRAG_PASS",
    "NOT_OWNER",   "DIRTY",	 "STOPPED",    "STALE",		 "RULE_DISABLED", "NOT_DEFAULT",
    "FRAG_DROP",   "MALFORMED",	 "ARP_REPLY",  "ARP_DROP",	 "ND_REPLY",	  "ND_DROP",
    "CONTROL",	   "FRAG_EARLY", "NEIGH_PASS", "FOREIGN_SYNACK", "HAIRPIN",
};

static const char *verdict_name(int v)
{
	static const char *const names[] = {"ABORTED", "DROP", "PASS", "TX", "REDIRECT"};

	return v >= 0 && v < 5 ? names[v] : "?";
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !getenv("WLBS_TEST_VERBOSE"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void *map_mmap(struct bpf_map *map, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);

	return p == MAP_FAILED ? NULL : p;
}

int h_init(void)
{
	int err;

	libbpf_set_print(quiet_print);
	n_cpus = libbpf_num_possible_cpus();
	if (n_cpus <= 0)
		return n_cpus ? n_cpus : -EINVAL;
	h_skel = wlbs_bpf__open();
	if (!h_skel)
		return -errno;
	err = wlbs_bpf__load(h_skel);
	if (err)
		goto fail;
	h_owners = map_mmap(h_skel->maps.wlbs_owners, WLBS_OWNERS_SIZE);
	h_flags = map_mmap(h_skel->maps.wlbs_bucket_flags, WLBS_OWNERS_SIZE);
	h_port_rules = map_mmap(h_skel->maps.wlbs_port_rules, WLBS_PORT_RULES_SIZE);
	h_conns = map_mmap(h_skel->maps.wlbs_conns, WLBS_CONNS_SIZE);
	h_held = map_mmap(h_skel->maps.wlbs_held, WLBS_HELD_SIZE);
	h_synack_dirty =
	    map_mmap(h_skel->maps.wlbs_synack_dirty, WLBS_CONN_UNCOVERED * sizeof(*h_synack_dirty));
	h_hint = map_mmap(h_skel->maps.wlbs_conn_hint, WLBS_HINT_SIZE);
	if (!h_owners || !h_flags || !h_port_rules || !h_conns || !h_held || !h_synack_dirty ||
	    !h_hint) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	h_fini();
	return err;
}

void h_fini(void)
{
	if (h_owners)
		munmap(h_owners, WLBS_OWNERS_SIZE);
	if (h_flags)
		munmap(h_flags, WLBS_OWNERS_SIZE);
	if (h_port_rules)
		munmap(h_port_rules, WLBS_PORT_RULES_SIZE);
	if (h_conns)
		munmap(h_conns, WLBS_CONNS_SIZE);
	if (h_held)
		munmap(h_held, WLBS_HELD_SIZE);
	if (h_hint)
		munmap(h_hint, WLBS_HINT_SIZE);
	if (h_synack_dirty)
		munmap(h_synack_dirty, WLBS_CONN_UNCOVERED * sizeof(*h_synack_dirty));
	h_owners = NULL;
	h_flags = NULL;
	h_port_rules = NULL;
	h_conns = NULL;
	h_held = NULL;
	h_hint = NULL;
	h_synack_dirty = NULL;
	wlbs_bpf__destroy(h_skel);
	h_skel = NULL;
}

struct wlbs_cfg *h_cfg(void)
{
	return &h_skel->bss->wlbs_cfg;
}

struct wlbs_tables *h_tables(uint32_t gen)
{
	return &h_skel->bss->wlbs_tables[gen & 1];
}

uint8_t *h_owner(uint32_t gen, uint32_t rule, uint32_t bucket)
{
	return &h_owners[wlbs_owner_slot(gen, rule, bucket)];
}

uint8_t *h_bucket_flags(uint32_t gen, uint32_t rule, uint32_t bucket)
{
	return &h_flags[wlbs_owner_slot(gen, rule, bucket)];
}

void h_fill_owner(uint32_t gen, uint32_t rule, uint8_t owner, uint8_t flags)
{
	uint32_t b;

	for (b = 0; b < WLBS_BUCKETS; b++) {
		*h_owner(gen, rule, b) = owner;
		*h_bucket_flags(gen, rule, b) = flags;
	}
}

__s32 *h_conn(uint32_t rule, uint32_t bucket)
{
	return &h_conns[wlbs_conn_slot(rule, bucket)];
}

void h_hold(uint32_t rule, uint32_t bucket)
{
	uint32_t slot = wlbs_conn_slot(rule, bucket);

	h_conns[slot] = 1;
	h_held[slot / 64] |= 1ull << (slot % 64);
}

/* An address of @p as the fast path reads it: 4 words, IPv4 v4-mapped. */
static void flow_addr(__u32 out[4], int v6, const uint8_t *a)
{
	if (v6) {
		memcpy(out, a, 16);
		return;
	}
	out[0] = out[1] = 0;
	out[2] = htonl(0xffff);
	memcpy(&out[3], a, 4);
}

uint32_t h_hint_slot(const struct pkt *p)
{
	__u32 client[4], vip[4];

	flow_addr(client, p->v6, p->src);
	flow_addr(vip, p->v6, p->dst);
	return wlbs_hint_slot(client, p->sport, vip, p->dport);
}

void h_hint_flow(const struct pkt *p)
{
	h_hint[h_hint_slot(p)]++;
}

int h_held_bit(uint32_t slot)
{
	return !!(h_held[slot / 64] & (1ull << (slot % 64)));
}

void h_host_mac(uint8_t id, uint8_t mac[6])
{
	const uint8_t m[6] = {0x02, 0x00, 0x00, 0x00, 0x00, id};

	memcpy(mac, m, 6);
}

void h_set_host(uint8_t id)
{
	h_cfg()->host_id = id;
	h_host_mac(id, h_cfg()->host_mac);
}

uint64_t h_jiffies(void)
{
	struct wlbs_clock c = {};
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &c, .ctx_size_in = sizeof(c));

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(h_skel->progs.wlbs_clock), &opts),
			 0);
	return c.jiffies;
}

int h_recount(void)
{
	return fp_run_iter(h_skel->progs.wlbs_recount);
}

void h_set_vip(uint32_t gen, uint32_t idx, const char *addr)
{
	frame_vip(&h_tables(gen)->vips[idx], addr);
}

static void rule(struct wlbs_tables *t, uint32_t v, uint8_t proto, uint16_t lo, uint16_t hi,
		 uint8_t mode, uint8_t aff)
{
	struct wlbs_rule *r = &t->rules[t->n_rules++];

	*r = (struct wlbs_rule){
	    .vip = v, .port_lo = lo, .port_hi = hi, .proto = proto, .mode = mode, .affinity = aff};
}

void h_reset(void)
{
	const uint8_t src_mac[6] = {0x02, 0x01, 0x0a, 0x00, 0x00, 0x64};
	struct wlbs_cfg *c = h_cfg();
	struct wlbs_tables *t = h_tables(0);
	const uint8_t tcpudp = WLBS_PROTO_TCP | WLBS_PROTO_UDP;

	h_ingress_ifindex = 0;
	uint32_t i;

	memset(c, 0, sizeof(*c));
	memset(h_skel->bss->wlbs_tables, 0, sizeof(h_skel->bss->wlbs_tables));
	c->hash_seed = H_SEED;
	c->default_host = 1;
	c->state = WLBS_FP_RUNNING;
	memcpy(c->cluster_mac, frame_cluster_mac, 6);
	memcpy(c->src_mac, src_mac, 6);
	h_set_host(1);

	t->n_vips = 4;
	frame_vip(&t->vips[0], H_VIP4);
	frame_vip(&t->vips[1], H_VIP6);
	frame_vip(&t->vips[2], H_VIP4B);
	frame_vip(&t->vips[3], H_VIP6B);
	rule(t, 0, WLBS_PROTO_TCP, 80, 80, WLBS_MODE_MULTIPLE, WLBS_AFF_NONE);
	rule(t, WLBS_VIP_ALL, tcpudp, 1000, 1999, WLBS_MODE_MULTIPLE, WLBS_AFF_SINGLE);
	rule(t, 1, tcpudp, 443, 443, WLBS_MODE_MULTIPLE, WLBS_AFF_CLASSC);
	rule(t, WLBS_VIP_ALL, WLBS_PROTO_TCP, 80, 80, WLBS_MODE_MULTIPLE, WLBS_AFF_NONE);
	rule(t, WLBS_VIP_ALL, WLBS_PROTO_UDP, 53, 53, WLBS_MODE_MULTIPLE, WLBS_AFF_NONE);
	rule(t, 2, WLBS_PROTO_TCP, 8080, 8080, WLBS_MODE_DISABLED, WLBS_AFF_NONE);

	memset(h_owners, 0, WLBS_OWNERS_SIZE);
	memset(h_flags, 0, WLBS_OWNERS_SIZE);
	memset(h_conns, 0, WLBS_CONNS_SIZE);
	memset(h_held, 0, WLBS_HELD_SIZE);
	memset(h_hint, 0, WLBS_HINT_SIZE);
	memset(h_synack_dirty, 0, WLBS_CONN_UNCOVERED * sizeof(*h_synack_dirty));
	h_set_uncovered_synack(0);
	for (i = 0; i < t->n_rules; i++)
		h_fill_owner(0, i, 1, 0);
	h_frags_clear();
	h_stats_clear();
}

uint64_t h_uncovered_synack(void)
{
	__u32 zero = 0;
	__u64 v = 0;

	assert_int_equal(bpf_map__lookup_elem(h_skel->maps.wlbs_uncovered_synack, &zero,
					      sizeof(zero), &v, sizeof(v), 0),
			 0);
	return v;
}

int h_uncovered_synack_lasts(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return h_uncovered_synack() > (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

void h_set_uncovered_synack(uint64_t until_ns)
{
	__u32 zero = 0;
	__u64 v = until_ns;

	assert_int_equal(bpf_map__update_elem(h_skel->maps.wlbs_uncovered_synack, &zero,
					      sizeof(zero), &v, sizeof(v), BPF_ANY),
			 0);
}

void h_frags_clear(void)
{
	int fd = bpf_map__fd(h_skel->maps.wlbs_frags);
	struct wlbs_frag_key key;

	while (!bpf_map_get_next_key(fd, NULL, &key))
		bpf_map_delete_elem(fd, &key);
}

void h_stats_clear(void)
{
	int fd = bpf_map__fd(h_skel->maps.wlbs_stats);
	struct wlbs_stats *zero = calloc((size_t)n_cpus, sizeof(*zero));
	uint32_t slot;

	for (slot = 0; zero && slot < WLBS_STATS_SLOTS; slot++)
		bpf_map_update_elem(fd, &slot, zero, BPF_ANY);
	free(zero);
}

/* Sums one stats slot over the CPUs into @sum. */
static void read_slot(uint32_t slot, uint64_t sum[WLBS_R_MAX])
{
	int fd = bpf_map__fd(h_skel->maps.wlbs_stats);
	struct wlbs_stats *v = calloc((size_t)n_cpus, sizeof(*v));
	int cpu, q;

	memset(sum, 0, WLBS_R_MAX * sizeof(*sum));
	if (v && !bpf_map_lookup_elem(fd, &slot, v))
		for (cpu = 0; cpu < n_cpus; cpu++)
			for (q = 0; q < WLBS_R_MAX; q++)
				sum[q] += v[cpu].packets[q];
	free(v);
}

uint64_t h_stat(uint32_t slot, uint32_t reason)
{
	uint64_t sum[WLBS_R_MAX];

	read_slot(slot, sum);
	return sum[reason];
}

int h_ingress_ifindex;

int h_run_len(const struct frame *f, size_t len, struct h_result *r)
{
	struct xdp_md md = {.data_end = (__u32)len, .ingress_ifindex = (__u32)h_ingress_ifindex};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = (__u32)len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .repeat = 1);
	int err;

	if (len > f->len)
		return -EINVAL;
	/* As wlbsd stages them, from the tables as the test left them. */
	wlbs_port_rules_fill(h_tables(0), &h_port_rules[0]);
	wlbs_port_rules_fill(h_tables(1), &h_port_rules[1]);
	if (h_ingress_ifindex) {
		o.ctx_in = &md;
		o.ctx_size_in = sizeof(md);
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(h_skel->progs.wlbs_xdp), &o);
	r->verdict = err ? -errno : (int)o.retval;
	r->len = err ? 0 : o.data_size_out;
	return r->verdict;
}

int h_run(const struct frame *f, struct h_result *r)
{
	return h_run_len(f, f->len, r);
}

int h_accepted(const struct frame *f, const struct h_result *r)
{
	return r->verdict == XDP_PASS && r->len == f->len &&
	       !memcmp(r->out, h_cfg()->host_mac, 6) && !memcmp(r->out + 6, f->b + 6, f->len - 6);
}

int h_untouched(const struct frame *f, const struct h_result *r)
{
	return r->verdict == XDP_PASS && r->len == f->len && !memcmp(r->out, f->b, f->len);
}

static int passes_cluster(int reason)
{
	return reason == WLBS_R_OWNED || reason == WLBS_R_HELD || reason == WLBS_R_DEFAULT ||
	       reason == WLBS_R_FRAG_PASS || reason == WLBS_R_FRAG_EARLY ||
	       reason == WLBS_R_NEIGH_PASS || reason == WLBS_R_CONTROL;
}

void _h_expect(const struct frame *f, int verdict, int slot, int reason, struct h_result *r,
	       const char *what, const char *file, int line)
{
	struct h_result local;
	uint64_t sums[WLBS_R_MAX], n, total = 0;
	int ok, s, q, got_slot = -1, got_reason = -1;

	if (!r)
		r = &local;
	h_stats_clear();
	h_run(f, r);
	for (s = 0; s < WLBS_STATS_SLOTS; s++) {
		read_slot((uint32_t)s, sums);
		for (q = 0; q < WLBS_R_MAX; q++) {
			n = sums[q];
			total += n;
			if (n) {
				got_slot = s;
				got_reason = q;
			}
		}
	}
	ok = r->verdict == verdict && total == 1 && got_reason == reason &&
	     (slot < 0 || got_slot == slot);
	if (ok && verdict == XDP_PASS && passes_cluster(reason))
		ok = h_accepted(f, r);
	else if (ok && verdict == XDP_PASS)
		ok = h_untouched(f, r);
	if (ok)
		return;
	print_error("%s (%zu bytes, host %u): expected %s %s in slot %d, got %s (%d), "
		    "%llu counter(s), last %s in slot %d%s\n",
		    what, f->len, h_cfg()->host_id, verdict_name(verdict), reason_names[reason],
		    slot, verdict_name(r->verdict), r->verdict, (unsigned long long)total,
		    got_reason >= 0 ? reason_names[got_reason] : "-", got_slot,
		    r->verdict == verdict && verdict == XDP_PASS ? ", bytes wrong" : "");
	_fail(file, line);
}

int model_vip(int v6, const uint8_t *addr)
{
	const struct wlbs_tables *t = h_tables(h_cfg()->gen);
	uint8_t a[16] = {[10] = 0xff, [11] = 0xff};
	uint32_t i;

	memcpy(v6 ? a : a + 12, addr, v6 ? 16 : 4);
	for (i = 0; i < t->n_vips && i < WLBS_MAX_VIPS; i++)
		if (!memcmp(t->vips[i].addr, a, 16))
			return (int)i;
	return -1;
}

int model_rule(int v, uint8_t proto, uint16_t port)
{
	const struct wlbs_tables *t = h_tables(h_cfg()->gen);
	uint8_t bit = proto == 6 ? WLBS_PROTO_TCP : proto == 17 ? WLBS_PROTO_UDP : 0;
	uint32_t i;

	for (i = 0; bit && i < t->n_rules && i < WLBS_MAX_RULES; i++) {
		const struct wlbs_rule *r = &t->rules[i];

		if ((r->vip == (uint32_t)v || r->vip == WLBS_VIP_ALL) && (r->proto & bit) &&
		    r->port_lo <= port && port <= r->port_hi)
			return (int)i;
	}
	return -1;
}

uint32_t model_bucket(int v6, const uint8_t *client, uint16_t cport, uint32_t r)
{
	const struct wlbs_tables *t = h_tables(h_cfg()->gen);
	uint8_t a[16] = {[10] = 0xff, [11] = 0xff};
	__u32 w[4];

	memcpy(v6 ? a : a + 12, client, v6 ? 16 : 4);
	memcpy(w, a, 16);
	return wlbs_flow_bucket(w, !v6, cport, t->rules[r].affinity, h_cfg()->hash_seed);
}

uint64_t h_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t h_rng_init(uint64_t tag)
{
	uint64_t s = h_seed ^ (tag * 0x2545f4914f6cdd1dull);

	h_rand(&s);
	return s;
}

void h_flow(struct frame *f, struct pkt *p, int v6, const char *src, const char *dst, uint8_t proto,
	    uint16_t sport, uint16_t dport, uint8_t tcp_flags)
{
	struct pkt local;

	if (!p)
		p = &local;
	assert_int_equal(pkt_init(p, v6, src, dst, proto, sport, dport), 0);
	p->tcp_flags = tcp_flags;
	assert_int_equal(frame_build(f, p), 0);
}

uint8_t *h_flow_owner(const struct pkt *p, uint32_t rule)
{
	return h_owner(h_cfg()->gen, rule, model_bucket(p->v6, p->src, p->sport, rule));
}

uint8_t *h_flow_flags(const struct pkt *p, uint32_t rule)
{
	return h_bucket_flags(h_cfg()->gen, rule, model_bucket(p->v6, p->src, p->sport, rule));
}

int h_acceptors(const struct frame *f, size_t len, int n, int *who)
{
	struct frame cut = *f;
	struct h_result r;
	int h, count = 0;

	cut.len = len;
	*who = 0;
	for (h = 1; h <= n; h++) {
		h_set_host((uint8_t)h);
		h_run_len(f, len, &r);
		if (r.verdict != XDP_PASS && r.verdict != XDP_DROP && r.verdict != XDP_TX)
			fail_msg("host %d: verdict %d (%s) for a %zu-byte frame", h, r.verdict,
				 verdict_name(r.verdict), len);
		if (h_accepted(&cut, &r) && memcmp(cut.b, h_cfg()->host_mac, 6)) {
			count++;
			*who = h;
		}
	}
	return count;
}
