// SPDX-License-Identifier: GPL-2.0
/*
 * Fast-path cost per traffic class: wlbs_xdp under BPF_PROG_TEST_RUN against a
 * floor (floor.bpf.c, a bare XDP_PASS) on the same frames. Each class takes the
 * best of several rounds of --repeat runs to cut noise.
 *
 * Test-run repeats a program over the same buffer, so a class whose frame the
 * program rewrites into one that takes another path (the ARP request becomes
 * a reply) cannot be repeated in place: such classes are measured one run per
 * syscall and corrected by the floor's single-run overhead (method "single").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "wlbs/common.h"
#include "wlbs/hash.h"
#include "frames.h"
#include "wlbs.skel.h"
#include "floor.skel.h"

#define VIP4	       "10.0.0.100"
#define VIP6	       "2001:db8::100"
#define TARGET_RATIO   2.5
#define SINGLE_SAMPLES 100001

enum { R_TLS = 0, R_DNS = 1, R_WEB = 2, N_RULES };

struct bench_class {
	const char *name;
	int exempt; /* no ratio target (socket lookup) */
	struct frame f;
	double ns, floor_ns;
	int verdict, single;
};

struct bench {
	struct wlbs_bpf *skel;
	struct floor_bpf *floor;
	struct wlbs_bucket *owners;
	__s64 *conns;
	unsigned int repeat, rounds;
};

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

/* A running host 1 of a cluster, default host, owning every bucket; 3 rules. */
static int setup(struct bench *b)
{
	const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 1};
	struct wlbs_cfg *c = &b->skel->bss->wlbs_cfg;
	struct wlbs_tables *t = &b->skel->bss->wlbs_tables[0];
	const struct wlbs_rule rules[N_RULES] = {
	    [R_TLS] = {.vip = 1, .port_lo = 443, .port_hi = 443, .proto = WLBS_PROTO_TCP},
	    [R_DNS] = {.vip = WLBS_VIP_ALL, .port_lo = 53, .port_hi = 53, .proto = WLBS_PROTO_UDP},
	    [R_WEB] = {.vip = WLBS_VIP_ALL,
		       .port_lo = 80,
		       .port_hi = 80,
		       .proto = WLBS_PROTO_TCP | WLBS_PROTO_UDP},
	};
	size_t osz = WLBS_OWNER_SLOTS * sizeof(*b->owners);
	size_t csz = WLBS_CONN_SLOTS * sizeof(*b->conns);
	struct wlbs_clock now = {};
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, clk, .ctx_in = &now, .ctx_size_in = sizeof(now));
	uint32_t r, k;

	b->owners = mmap(NULL, osz, PROT_READ | PROT_WRITE, MAP_SHARED,
			 bpf_map__fd(b->skel->maps.wlbs_owners), 0);
	b->conns = mmap(NULL, csz, PROT_READ | PROT_WRITE, MAP_SHARED,
			bpf_map__fd(b->skel->maps.wlbs_conns), 0);
	if (b->owners == MAP_FAILED || b->conns == MAP_FAILED)
		return -errno;
	c->hash_seed = 0x5eed1234;
	c->host_id = 1;
	c->default_host = 1;
	c->state = WLBS_FP_RUNNING;
	/* As wlbsd runs it: a liveness deadline to check (ahead for the whole run). */
	if (bpf_prog_test_run_opts(bpf_program__fd(b->skel->progs.wlbs_clock), &clk))
		return -errno;
	c->alive_deadline = now.jiffies + 3600 * 1000;
	memcpy(c->host_mac, mac, 6);
	memcpy(c->src_mac, mac, 6);
	memcpy(c->cluster_mac, frame_cluster_mac, 6);
	t->n_vips = 2;
	frame_vip(&t->vips[0], VIP4);
	frame_vip(&t->vips[1], VIP6);
	t->n_rules = N_RULES;
	memcpy(t->rules, rules, sizeof(rules));
	for (r = 0; r < N_RULES; r++)
		for (k = 0; k < WLBS_BUCKETS; k++)
			b->owners[wlbs_owner_slot(0, r, k)].owner = 1;
	return 0;
}

/* The bucket slot of a client flow under @rule (affinity none). */
static uint32_t flow_bucket(const struct pkt *p, uint32_t seed)
{
	uint8_t a[16] = {[10] = 0xff, [11] = 0xff};
	__u32 w[4];

	memcpy(p->v6 ? a : a + 12, p->src, p->v6 ? 16 : 4);
	memcpy(w, a, 16);
	return wlbs_flow_bucket(w, !p->v6, p->sport, WLBS_AFF_NONE, seed);
}

static void flow(struct bench_class *cl, int v6, const char *src, const char *dst, uint8_t proto,
		 uint16_t sport, uint16_t dport, uint8_t flags, struct pkt *p)
{
	pkt_init(p, v6, src, dst, proto, sport, dport);
	p->tcp_flags = flags;
	p->payload = proto == IPPROTO_TCP && !(flags & TCPF_SYN) ? 64 : 0;
	frame_build(&cl->f, p);
}

static size_t classes(struct bench *b, struct bench_class *cl)
{
	uint32_t seed = b->skel->bss->wlbs_cfg.hash_seed;
	static const uint8_t req_mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
	struct pkt p;
	size_t n = 0;

	cl[n].name = "ipv4-tcp-syn-owned";
	flow(&cl[n++], 0, "192.0.2.10", VIP4, IPPROTO_TCP, 40000, 80, TCPF_SYN, &p);
	cl[n].name = "ipv4-tcp-data-not-owned";
	flow(&cl[n++], 0, "192.0.2.11", VIP4, IPPROTO_TCP, 40001, 80, TCPF_ACK, &p);
	b->owners[wlbs_owner_slot(0, R_WEB, flow_bucket(&p, seed))].owner = 2;
	cl[n].name = "ipv4-udp-owned";
	flow(&cl[n++], 0, "192.0.2.12", VIP4, IPPROTO_UDP, 40002, 53, 0, &p);
	cl[n].name = "ipv6-tcp-owned";
	flow(&cl[n++], 1, "2001:db8:1::10", VIP6, IPPROTO_TCP, 40003, 80, TCPF_ACK, &p);
	cl[n].name = "non-cluster";
	flow(&cl[n++], 0, "192.0.2.14", "10.0.0.99", IPPROTO_TCP, 40004, 80, TCPF_ACK, &p);
	cl[n].name = "arp-request-reply";
	frame_arp(&cl[n++].f, 1, req_mac, "192.0.2.15", NULL, VIP4);
	cl[n].name = "ipv4-tcp-data-held-lookup";
	cl[n].exempt = 1;
	flow(&cl[n++], 0, "192.0.2.16", VIP4, IPPROTO_TCP, 40006, 80, TCPF_ACK, &p);
	b->owners[wlbs_owner_slot(0, R_WEB, flow_bucket(&p, seed))].owner = 2;
	b->conns[wlbs_conn_slot(R_WEB, flow_bucket(&p, seed))] = 1;
	return n;
}

static int run(int fd, const struct frame *f, unsigned int repeat, __u32 *ns, __u32 *verdict)
{
	uint8_t out[FRAME_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = (__u32)f->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*ns = o.duration;
	*verdict = o.retval;
	return 0;
}

/* Best of the rounds, ns per run, program and floor interleaved so both see the same noise. */
static int best(int fd, int ffd, const struct frame *f, const struct bench *b, double *ns,
		double *floor_ns)
{
	__u32 d, v, i;
	int err = 0;

	*ns = *floor_ns = 1e9;
	/* One untimed run first: caches, branch predictors and CPU clock settle. */
	err = run(fd, f, b->repeat / 4 + 1, &d, &v);
	for (i = 0; !err && i < b->rounds; i++) {
		err = run(fd, f, b->repeat, &d, &v);
		if (!err && d < *ns)
			*ns = d;
		err = err ?: run(ffd, f, b->repeat, &d, &v);
		if (!err && d < *floor_ns)
			*floor_ns = d;
	}
	return err;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Single runs (one syscall each) of the program and the floor, interleaved;
 * the difference of their medians is the program's extra cost per packet.
 */
static int single_extra(int fd, int ffd, const struct frame *f, double *extra)
{
	__u32 *d = calloc(2 * SINGLE_SAMPLES, sizeof(*d)), *fl = d + SINGLE_SAMPLES, v;
	int err = d ? 0 : -ENOMEM, i;

	for (i = 0; !err && i < SINGLE_SAMPLES; i++) {
		err = run(fd, f, 1, &d[i], &v);
		err = err ?: run(ffd, f, 1, &fl[i], &v);
	}
	if (!err) {
		qsort(d, SINGLE_SAMPLES, sizeof(*d), cmp_u32);
		qsort(fl, SINGLE_SAMPLES, sizeof(*fl), cmp_u32);
		*extra = (double)d[SINGLE_SAMPLES / 2] - (double)fl[SINGLE_SAMPLES / 2];
	}
	free(d);
	return err;
}

static int measure(struct bench *b, struct bench_class *cl)
{
	int fd = bpf_program__fd(b->skel->progs.wlbs_xdp);
	int ffd = bpf_program__fd(b->floor->progs.floor_xdp);
	double extra;
	__u32 d, first, last;
	int err;

	err = run(fd, &cl->f, 1, &d, &first);
	err = err ?: run(fd, &cl->f, 1000, &d, &last);
	err = err ?: best(fd, ffd, &cl->f, b, &cl->ns, &cl->floor_ns);
	if (err)
		return err;
	cl->verdict = (int)first;
	if (first == last)
		return 0;
	/* Rewritten into another path by its first run: single runs, overhead removed. */
	cl->single = 1;
	err = single_extra(fd, ffd, &cl->f, &extra);
	if (!err)
		cl->ns = cl->floor_ns + extra;
	return err;
}

static int write_json(const char *path, const struct bench_class *cl, size_t n)
{
	json_object *arr = json_object_new_array(), *o;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "class", json_object_new_string(cl[i].name));
		json_object_object_add(o, "ns_per_pkt", json_object_new_double(cl[i].ns));
		json_object_object_add(o, "floor_ns_per_pkt",
				       json_object_new_double(cl[i].floor_ns));
		json_object_object_add(o, "ratio",
				       json_object_new_double(cl[i].ns / cl[i].floor_ns));
		json_object_object_add(o, "method",
				       json_object_new_string(cl[i].single ? "single" : "repeat"));
		json_object_array_add(arr, o);
	}
	err = json_object_to_file_ext(path, arr, JSON_C_TO_STRING_PRETTY);
	json_object_put(arr);
	return err ? -EIO : 0;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--repeat N] [--rounds N] [--json PATH] [--check]\n", prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"repeat", required_argument, NULL, 'r'}, {"rounds", required_argument, NULL, 'n'},
	    {"json", required_argument, NULL, 'j'},   {"check", no_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},	      {},
	};
	static const char *const verdicts[] = {"ABORTED", "DROP", "PASS", "TX", "REDIRECT"};
	struct bench b = {.repeat = 2000000, .rounds = 5};
	struct bench_class cl[8] = {};
	const char *json = NULL;
	int c, err, check = 0, over = 0;
	size_t n, i;

	while ((c = getopt_long(argc, argv, "r:n:j:ch", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			b.repeat = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'n':
			b.rounds = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'j':
			json = optarg;
			break;
		case 'c':
			check = 1;
			break;
		default:
			usage(argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (!b.repeat || !b.rounds) {
		fprintf(stderr, "bench: --repeat and --rounds must be positive\n");
		return 2;
	}
	libbpf_set_print(silent);
	/* Own network namespace: the socket lookup class must find no socket. */
	if (unshare(CLONE_NEWNET))
		fprintf(stderr, "bench: no private netns (%s), using the current one\n",
			strerror(errno));
	b.skel = wlbs_bpf__open_and_load();
	b.floor = floor_bpf__open_and_load();
	if (!b.skel || !b.floor) {
		fprintf(stderr, "bench: cannot load the BPF programs (root needed): %s\n",
			strerror(errno));
		return 1;
	}
	err = setup(&b);
	if (err) {
		fprintf(stderr, "bench: cannot map the owner tables: %s\n", strerror(-err));
		return 1;
	}
	n = classes(&b, cl);
	printf("%-27s %9s %7s %9s %6s  %-7s %s\n", "class", "ns/pkt", "Mpps", "floor ns", "ratio",
	       "verdict", "method");
	for (i = 0; i < n; i++) {
		double ratio;

		err = measure(&b, &cl[i]);
		if (err) {
			fprintf(stderr, "bench: %s: test run failed: %s\n", cl[i].name,
				strerror(-err));
			return 1;
		}
		ratio = cl[i].ns / cl[i].floor_ns;
		if (!cl[i].exempt && ratio > TARGET_RATIO)
			over++;
		printf("%-27s %9.1f %7.1f %9.1f %6.2f  %-7s %s%s\n", cl[i].name, cl[i].ns,
		       1e3 / cl[i].ns, cl[i].floor_ns, ratio,
		       cl[i].verdict >= 0 && cl[i].verdict < 5 ? verdicts[cl[i].verdict] : "?",
		       cl[i].single ? "single" : "repeat",
		       cl[i].exempt	      ? "  (no target)"
		       : ratio > TARGET_RATIO ? "  OVER TARGET"
					      : "");
	}
	printf("target: ratio <= %.1f except the socket-lookup class; %d over; repeat %u, "
	       "best of %u rounds\n",
	       TARGET_RATIO, over, b.repeat, b.rounds);
	if (json && (err = write_json(json, cl, n))) {
		fprintf(stderr, "bench: cannot write %s\n", json);
		return 1;
	}
	wlbs_bpf__destroy(b.skel);
	floor_bpf__destroy(b.floor);
	return check && over ? 1 : 0;
}
