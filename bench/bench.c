// SPDX-License-Identifier: GPL-2.0
/*
 * Fast-path cost per traffic class under BPF_PROG_TEST_RUN, in two modes:
 *  - one-frame: the class's frame repeated, every map access in a warm cache;
 *  - many-flows: bench_rotate.bpf.c gives each run the next of 65,536 flows
 *    (client address and port) and tail-calls the program, so the tables are
 *    read as real traffic reads them.
 * Beside wlbs_xdp, on the same frames and in interleaved rounds: the minimal
 * bucket filter (minimal_filter.bpf.c, the limit of this design) and the floor
 * (floor.bpf.c, a bare XDP_PASS). Each figure is the median of the rounds.
 *
 * Test-run repeats a program over the same buffer, so a class whose frame the
 * program rewrites into one that takes another path (the ARP request becomes
 * a reply) cannot be repeated in place: in one-frame mode such classes are
 * measured one run per syscall and corrected by the floor's single-run
 * overhead (method "single"); in many-flows mode the rotation restores it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "wlbs/common.h"
#include "wlbs/hash.h"
#include "frames.h"
#include "instance.h"
#include "port_rules.h"
#include "wlbs.skel.h"
#include "floor.skel.h"
#include "minimal_filter.skel.h"
#include "bench_rotate.skel.h"
#include "floor_tc.skel.h"

#define VIP4	       "10.0.0.100"
#define VIP6	       "2001:db8::100"
#define SINGLE_SAMPLES 100001
#define MAX_ROUNDS     512
/* Targets in many-flows mode: program cost over the minimal filter's. */
#define TARGET_RATIO	    1.5
#define TARGET_RATIO_LOOKUP 3.0

enum { R_TLS = 0, R_DNS = 1, R_WEB = 2, N_RULES };
enum { MODE_ONE, MODE_MANY, N_MODES };
enum { P_WLBS, P_BEFORE, P_MINIMAL, P_FLOOR, N_PROGS };

static const char *const mode_names[N_MODES] = {"one-frame", "many-flows"};

/* One program's ns per packet over the rounds. */
struct figure {
	double med, min, max;
};

struct result {
	struct figure prog[N_PROGS];
	struct figure ratio;	    /* wlbs over the minimal filter, round by round */
	struct figure ratio_before; /* wlbs over --before, round by round */
	double ns, ns_before;	    /* wlbs and --before, corrected for single runs */
	int verdict, single;
};

struct bench_class {
	const char *name;
	int lookup; /* the socket-lookup class: its own target */
	int rule;   /* -1: no rule */
	int owner;  /* owner of every bucket of the rule */
	int held;   /* every bucket counts a local connection */
	int hinted; /* every connection hint slot is not 0 (a colliding flow) */
	int expect; /* the verdict the class is about (XDP_*) */
	struct frame f;
	__u32 addr_off, port_off;
	int restore;
	struct result r[N_MODES];
};

/* A frame this host sends, through the tc egress program. */
struct egress_class {
	const char *name;
	struct frame f;
	struct figure ns, floor_ns;
};

struct bench {
	struct wlbs_bpf *skel;
	struct floor_bpf *floor;
	struct floor_tc_bpf *floor_tc;
	struct minimal_filter_bpf *minimal;
	struct bench_rotate_bpf *rotate;
	struct instance inst[2]; /* this build; --before */
	int n_inst;
	int fds[N_PROGS]; /* -1: not measured */
	unsigned int repeat, rounds;
};

/*
 * Every repeated XDP test run swaps the XDP dispatcher and waits for an RCU
 * grace period (~28 ms here). Expedited grace periods make short rounds
 * cheap, and short interleaved rounds are what keep the machine's drifting
 * speed out of the ratios; the old setting is restored at exit.
 */
static const char rcu_expedited[] = "/sys/kernel/rcu_expedited";
static char rcu_old = '0';

static void rcu_write(char v)
{
	FILE *f = fopen(rcu_expedited, "w");

	if (f) {
		fputc(v, f);
		fclose(f);
	}
}

static void rcu_restore(void)
{
	rcu_write(rcu_old);
}

static void rcu_expedite(void)
{
	FILE *f = fopen(rcu_expedited, "r");
	int c = f ? fgetc(f) : EOF;

	if (f)
		fclose(f);
	if (c == EOF)
		return;
	rcu_old = (char)c;
	atexit(rcu_restore);
	rcu_write('1');
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

/* A running host 1 of a cluster, default host; 3 rules; every bucket its own. */
static int setup_instance(struct instance *in)
{
	const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 1};
	struct wlbs_cfg *c = in->cfg;
	struct wlbs_tables *t = &in->tables[0];
	const struct wlbs_rule rules[N_RULES] = {
	    [R_TLS] = {.vip = 1, .port_lo = 443, .port_hi = 443, .proto = WLBS_PROTO_TCP},
	    [R_DNS] = {.vip = WLBS_VIP_ALL, .port_lo = 53, .port_hi = 53, .proto = WLBS_PROTO_UDP},
	    [R_WEB] = {.vip = WLBS_VIP_ALL,
		       .port_lo = 80,
		       .port_hi = 80,
		       .proto = WLBS_PROTO_TCP | WLBS_PROTO_UDP},
	};
	struct wlbs_clock now = {};
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, clk, .ctx_in = &now, .ctx_size_in = sizeof(now));
	uint32_t r, k;

	c->hash_seed = 0x5eed1234;
	c->host_id = 1;
	c->default_host = 1;
	c->state = WLBS_FP_RUNNING;
	/* As wlbsd runs it: a liveness deadline to check (ahead for the whole run). */
	if (bpf_prog_test_run_opts(in->clock_fd, &clk))
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
	if (in->port_rules) /* as wlbsd stages the tables */
		wlbs_port_rules_fill(t, &in->port_rules[0]);
	for (r = 0; r < N_RULES; r++)
		for (k = 0; k < WLBS_BUCKETS; k++)
			instance_set_owner(in, r, k, 1);
	return 0;
}

static int setup(struct bench *b, const char *before)
{
	struct instance *in = &b->inst[0];
	struct wlbs_vip v;
	int err, i;

	in->xdp_fd = bpf_program__fd(b->skel->progs.wlbs_xdp);
	in->clock_fd = bpf_program__fd(b->skel->progs.wlbs_clock);
	in->cfg = &b->skel->bss->wlbs_cfg;
	in->tables = b->skel->bss->wlbs_tables;
	err = instance_map_tables(in, b->skel->maps.wlbs_owners, b->skel->maps.wlbs_conns,
				  b->skel->maps.wlbs_held, b->skel->maps.wlbs_conn_hint,
				  b->skel->maps.wlbs_port_rules);
	b->n_inst = 1;
	if (!err && before) {
		err = instance_load(&b->inst[1], before, sizeof(*b->skel->bss),
				    offsetof(struct wlbs_bpf__bss, wlbs_tables));
		if (err)
			fprintf(stderr, "bench: %s: cannot load it as a wlbs fast path\n", before);
		b->n_inst = 2;
	}
	for (i = 0; !err && i < b->n_inst; i++)
		err = setup_instance(&b->inst[i]);
	if (err)
		return err;

	b->minimal->bss->min_cfg.seed = in->cfg->hash_seed;
	b->minimal->bss->min_cfg.host = 1;
	b->minimal->bss->min_cfg.vip4 = in->tables[0].vips[0].addr[3];
	frame_vip(&v, VIP6);
	memcpy(b->minimal->bss->min_cfg.vip6, v.addr, 16);

	b->fds[P_WLBS] = b->inst[0].xdp_fd;
	b->fds[P_BEFORE] = b->n_inst > 1 ? b->inst[1].xdp_fd : -1;
	b->fds[P_MINIMAL] = bpf_program__fd(b->minimal->progs.minimal_filter);
	b->fds[P_FLOOR] = bpf_program__fd(b->floor->progs.floor_xdp);
	return 0;
}

/*
 * Every bucket of the class's rule: its owner and held count, and the
 * connection hint; the minimal filter alike.
 */
static void prepare(struct bench *b, const struct bench_class *cl)
{
	struct bench_rotate_bpf__bss *rot = b->rotate->bss;
	uint32_t k;
	int i;

	for (i = 0; i < b->n_inst; i++) {
		instance_set_hints(&b->inst[i], (uint32_t)cl->hinted);
		for (k = 0; cl->rule >= 0 && k < WLBS_BUCKETS; k++) {
			instance_set_owner(&b->inst[i], (uint32_t)cl->rule, k, (uint8_t)cl->owner);
			instance_set_conns(&b->inst[i], wlbs_conn_slot((uint32_t)cl->rule, k),
					   cl->held);
		}
	}
	memset(b->minimal->bss->min_cfg.owner, cl->owner, sizeof(b->minimal->bss->min_cfg.owner));
	rot->rotate_addr_off = cl->addr_off;
	rot->rotate_port_off = cl->port_off;
	rot->rotate_restore = cl->restore;
	memcpy(rot->rotate_tmpl, cl->f.b, sizeof(rot->rotate_tmpl));
}

/* A flow class: the frame and where the rotation writes the client address and port. */
static void flow(struct bench_class *cl, const char *name, int v6, const char *dst, uint8_t proto,
		 uint16_t dport, uint8_t flags, int rule, int owner)
{
	struct pkt p;

	cl->name = name;
	cl->expect = owner == 1 ? XDP_PASS : XDP_DROP;
	cl->rule = rule;
	cl->owner = owner;
	pkt_init(&p, v6, v6 ? "2001:db8:1::10" : "192.0.2.10", dst, proto, 40000, dport);
	p.tcp_flags = flags;
	p.payload = proto == IPPROTO_TCP && !(flags & TCPF_SYN) ? 64 : 0;
	frame_build(&cl->f, &p);
	cl->addr_off = (__u32)cl->f.l3 + (v6 ? 22 : 14);
	cl->port_off = (__u32)cl->f.l4;
}

static size_t classes(struct bench_class *cl)
{
	static const uint8_t req_mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
	size_t n = 0;

	flow(&cl[n++], "ipv4-tcp-syn-owned", 0, VIP4, IPPROTO_TCP, 80, TCPF_SYN, R_WEB, 1);
	flow(&cl[n++], "ipv4-tcp-data-not-owned", 0, VIP4, IPPROTO_TCP, 80, TCPF_ACK, R_WEB, 2);
	flow(&cl[n++], "ipv4-udp-owned", 0, VIP4, IPPROTO_UDP, 53, 0, R_DNS, 1);
	flow(&cl[n++], "ipv4-udp-not-owned", 0, VIP4, IPPROTO_UDP, 53, 0, R_DNS, 2);
	flow(&cl[n++], "ipv6-tcp-owned", 1, VIP6, IPPROTO_TCP, 80, TCPF_ACK, R_WEB, 1);
	flow(&cl[n++], "non-cluster", 0, "10.0.0.99", IPPROTO_TCP, 80, TCPF_ACK, -1, 1);
	cl[n].name = "arp-request-reply";
	cl[n].rule = -1;
	cl[n].owner = 1;
	frame_arp(&cl[n].f, 1, req_mac, "192.0.2.15", NULL, VIP4);
	cl[n].addr_off = (__u32)cl[n].f.l3 + 16; /* the sender address's last two bytes */
	cl[n].expect = XDP_TX;
	cl[n++].restore = 1;
	flow(&cl[n], "ipv4-tcp-data-held-lookup", 0, VIP4, IPPROTO_TCP, 80, TCPF_ACK, R_WEB, 2);
	cl[n].lookup = 1;
	cl[n].hinted = 1;
	cl[n++].held = 1;
	/* A held bucket, the flow's hint 0: dropped without the socket lookup. */
	flow(&cl[n], "ipv4-tcp-data-held-no-hint", 0, VIP4, IPPROTO_TCP, 80, TCPF_ACK, R_WEB, 2);
	cl[n++].held = 1;
	return n;
}

/*
 * @repeat runs in one syscall; *@ns per run, as the kernel counts it (whole
 * ns, without the syscall: a repeated XDP run swaps the XDP dispatcher first,
 * an RCU grace period of tens of ms here).
 */
static uint8_t run_dst[6]; /* the destination MAC the last run left in the frame */

static int run(int fd, const struct frame *f, unsigned int repeat, __u32 *ns, __u32 *verdict)
{
	uint8_t out[FRAME_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = (__u32)f->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*ns = o.duration;
	*verdict = o.retval;
	memcpy(run_dst, out, sizeof(run_dst));
	return 0;
}

/*
 * True when the last run's frame went where the class says: an accepted
 * cluster frame to this host's MAC, a frame of no cluster IP untouched, an
 * ARP reply to the asker. A verdict alone cannot tell these PASSes apart.
 */
static int dst_as_expected(const struct bench *b, const struct bench_class *cl)
{
	const uint8_t *want = cl->expect == XDP_TX     ? cl->f.b + 6
			      : cl->expect != XDP_PASS ? run_dst
			      : cl->rule >= 0	       ? b->inst[0].cfg->host_mac
						       : cl->f.b;

	return !memcmp(run_dst, want, sizeof(run_dst));
}

/* The program a mode runs for @prog: itself, or the rotation tail-calling it. */
static int select_prog(struct bench *b, int mode, int prog, int *fd)
{
	__u32 key = 0;

	if (mode == MODE_ONE) {
		*fd = b->fds[prog];
		return 0;
	}
	*fd = bpf_program__fd(b->rotate->progs.bench_rotate);
	return bpf_map_update_elem(bpf_map__fd(b->rotate->maps.rotate_target), &key, &b->fds[prog],
				   BPF_ANY)
		   ? -errno
		   : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct figure summarize(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return (struct figure){.med = v[n / 2], .min = v[0], .max = v[n - 1]};
}

/* Rounds of --repeat runs, the three programs interleaved so that all see the same noise. */
static int rounds(struct bench *b, const struct bench_class *cl, int mode, struct result *res)
{
	static double v[N_PROGS][MAX_ROUNDS], q[MAX_ROUNDS], qb[MAX_ROUNDS];
	__u32 d, verdict;
	int fd, p, k, err = 0;
	unsigned int i;

	for (i = 0; !err && i <= b->rounds; i++) {
		for (k = 0; !err && k < N_PROGS; k++) {
			/*
			 * The order alternates: a program run first in a round is
			 * slower (the same object measured twice differs by 1.14).
			 */
			p = i % 2 ? N_PROGS - 1 - k : k;
			if (b->fds[p] < 0)
				continue;
			err = select_prog(b, mode, p, &fd);
			/* Round 0 is untimed: caches, branch predictors and CPU clock settle. */
			err = err ?: run(fd, &cl->f, b->repeat, &d, &verdict);
			if (i)
				v[p][i - 1] = d;
		}
		/* The machine's speed drifts: a ratio within one round sees one speed. */
		if (i) {
			q[i - 1] = v[P_WLBS][i - 1] / v[P_MINIMAL][i - 1];
			qb[i - 1] =
			    b->fds[P_BEFORE] < 0 ? 0 : v[P_WLBS][i - 1] / v[P_BEFORE][i - 1];
		}
	}
	for (p = 0; !err && p < N_PROGS; p++)
		if (b->fds[p] >= 0)
			res->prog[p] = summarize(v[p], b->rounds);
	if (!err) {
		res->ratio = summarize(q, b->rounds);
		res->ratio_before = summarize(qb, b->rounds);
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
static int single_extra(const struct bench *b, int fd, const struct frame *f, double *extra)
{
	__u32 *d = calloc(2 * SINGLE_SAMPLES, sizeof(*d)), *fl = d + SINGLE_SAMPLES, v;
	int err = d ? 0 : -ENOMEM, i;

	for (i = 0; !err && i < SINGLE_SAMPLES; i++) {
		err = run(fd, f, 1, &d[i], &v);
		err = err ?: run(b->fds[P_FLOOR], f, 1, &fl[i], &v);
	}
	if (!err) {
		qsort(d, SINGLE_SAMPLES, sizeof(*d), cmp_u32);
		qsort(fl, SINGLE_SAMPLES, sizeof(*fl), cmp_u32);
		*extra = (double)d[SINGLE_SAMPLES / 2] - (double)fl[SINGLE_SAMPLES / 2];
	}
	free(d);
	return err;
}

static int measure(struct bench *b, struct bench_class *cl, int mode)
{
	struct result *res = &cl->r[mode];
	__u32 d, first, last;
	double extra;
	int fd, err;

	prepare(b, cl);
	err = select_prog(b, mode, P_WLBS, &fd);
	err = err ?: run(fd, &cl->f, 1, &d, &first);
	if (!err && !dst_as_expected(b, cl)) {
		fprintf(stderr, "bench: %s (%s): the frame left for the wrong MAC\n", cl->name,
			mode_names[mode]);
		return -EPROTO;
	}
	err = err ?: run(fd, &cl->f, 1000, &d, &last);
	err = err ?: rounds(b, cl, mode, res);
	if (err)
		return err;
	res->verdict = (int)first;
	/* A class measures its path only if the program takes it, every run. */
	if (first != (__u32)cl->expect || (mode == MODE_MANY && last != first)) {
		fprintf(stderr, "bench: %s (%s): verdict %u then %u, the class is about %d\n",
			cl->name, mode_names[mode], first, last, cl->expect);
		return -EPROTO;
	}
	if (b->fds[P_BEFORE] >= 0) {
		__u32 vb;

		err = select_prog(b, mode, P_BEFORE, &fd);
		err = err ?: run(fd, &cl->f, 1, &d, &vb);
		if (!err && (vb != first || !dst_as_expected(b, cl))) {
			fprintf(stderr, "bench: %s: --before gives verdict %u (this build %u)%s\n",
				cl->name, vb, first,
				vb == first ? ", the frame for another MAC" : "");
			err = -EPROTO;
		}
		if (err)
			return err;
	}
	res->ns = res->prog[P_WLBS].med;
	res->ns_before = res->prog[P_BEFORE].med;
	if (first == last)
		return 0;
	/* Rewritten into another path by its first run: single runs, overhead removed. */
	if (mode == MODE_MANY)
		return -EPROTO; /* the rotation restores every frame it rewrites */
	res->single = 1;
	err = single_extra(b, b->fds[P_WLBS], &cl->f, &extra);
	if (!err)
		res->ns = res->prog[P_FLOOR].med + extra;
	if (!err && b->fds[P_BEFORE] >= 0)
		err = single_extra(b, b->fds[P_BEFORE], &cl->f, &extra);
	if (!err && b->fds[P_BEFORE] >= 0)
		res->ns_before = res->prog[P_FLOOR].med + extra;
	return err;
}

static double ratio(const struct result *r)
{
	return r->single ? r->ns / r->prog[P_MINIMAL].med : r->ratio.med;
}

static double ratio_before(const struct result *r)
{
	return r->single ? r->ns / r->ns_before : r->ratio_before.med;
}

static double target(const struct bench_class *cl)
{
	return cl->lookup ? TARGET_RATIO_LOOKUP : TARGET_RATIO;
}

static json_object *json_figure(const struct figure *f)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "median", json_object_new_double(f->med));
	json_object_object_add(o, "min", json_object_new_double(f->min));
	json_object_object_add(o, "max", json_object_new_double(f->max));
	return o;
}

static int write_json(const char *path, const struct bench *b, const struct bench_class *cl,
		      size_t n, const struct egress_class *egress, size_t n_egress)
{
	json_object *top = json_object_new_object(), *arr = json_object_new_array(), *o;
	const struct result *r;
	size_t i;
	int m, err;

	json_object_object_add(top, "repeat", json_object_new_int64(b->repeat));
	json_object_object_add(top, "rounds", json_object_new_int64(b->rounds));
	json_object_object_add(top, "target_ratio", json_object_new_double(TARGET_RATIO));
	json_object_object_add(top, "target_ratio_lookup",
			       json_object_new_double(TARGET_RATIO_LOOKUP));
	for (i = 0; i < n; i++) {
		for (m = 0; m < N_MODES; m++) {
			r = &cl[i].r[m];
			o = json_object_new_object();
			json_object_object_add(o, "class", json_object_new_string(cl[i].name));
			json_object_object_add(o, "mode", json_object_new_string(mode_names[m]));
			json_object_object_add(o, "ns_per_pkt", json_object_new_double(r->ns));
			json_object_object_add(o, "wlbs", json_figure(&r->prog[P_WLBS]));
			json_object_object_add(o, "minimal", json_figure(&r->prog[P_MINIMAL]));
			if (b->fds[P_BEFORE] >= 0) {
				json_object_object_add(o, "before",
						       json_figure(&r->prog[P_BEFORE]));
				json_object_object_add(o, "ratio_before",
						       json_object_new_double(ratio_before(r)));
			}
			json_object_object_add(o, "floor", json_figure(&r->prog[P_FLOOR]));
			json_object_object_add(o, "ratio_minimal",
					       json_object_new_double(ratio(r)));
			json_object_object_add(o, "ratio_minimal_rounds", json_figure(&r->ratio));
			json_object_object_add(
			    o, "ratio_floor", json_object_new_double(r->ns / r->prog[P_FLOOR].med));
			json_object_object_add(
			    o, "method", json_object_new_string(r->single ? "single" : "repeat"));
			json_object_array_add(arr, o);
		}
	}
	json_object_object_add(top, "classes", arr);
	arr = json_object_new_array();
	for (i = 0; i < n_egress; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "class", json_object_new_string(egress[i].name));
		json_object_object_add(o, "tc", json_figure(&egress[i].ns));
		json_object_object_add(o, "floor", json_figure(&egress[i].floor_ns));
		json_object_array_add(arr, o);
	}
	json_object_object_add(top, "egress", arr);
	err = json_object_to_file_ext(path, top, JSON_C_TO_STRING_PRETTY);
	json_object_put(top);
	return err ? -EIO : 0;
}

static void print_mode(const struct bench *b, const struct bench_class *cl, size_t n, int mode,
		       int *over)
{
	static const char *const verdicts[] = {"ABORTED", "DROP", "PASS", "TX", "REDIRECT"};
	const struct result *r;
	size_t i;

	printf("\n%s mode\n%-26s %6s %13s %7s %6s %6s %11s %6s  %-7s %s\n", mode_names[mode],
	       "class", "ns/pkt", "(min-max)", "minimal", "floor", "x min", "(min-max)", "x flr",
	       "verdict", "method");
	for (i = 0; i < n; i++) {
		r = &cl[i].r[mode];
		printf("%-26s %6.1f (%5.1f-%5.1f) %7.1f %6.1f %6.2f (%4.2f-%4.2f) %6.2f  %-7s %s",
		       cl[i].name, r->ns, r->prog[P_WLBS].min, r->prog[P_WLBS].max,
		       r->prog[P_MINIMAL].med, r->prog[P_FLOOR].med, ratio(r), r->ratio.min,
		       r->ratio.max, r->ns / r->prog[P_FLOOR].med,
		       r->verdict >= 0 && r->verdict < 5 ? verdicts[r->verdict] : "?",
		       r->single ? "single" : "repeat");
		if (mode == MODE_MANY && ratio(r) > target(&cl[i])) {
			printf("  OVER %.1fx", target(&cl[i]));
			(*over)++;
		}
		if (b->fds[P_BEFORE] >= 0)
			printf("  before %.1f, x %.2f", r->ns_before, ratio_before(r));
		printf("\n");
	}
}

/*
 * The egress program against a bare tc program, one frame repeated: every
 * frame this host sends pays it. The NS from a cluster IP is rewritten by
 * its first run; the repeats then measure the check that finds it done.
 */
static size_t egress_classes(struct egress_class *e)
{
	static const uint8_t host_mac[6] = {0x02, 0, 0, 0, 0, 1};
	struct pkt p;
	size_t n = 0;

	e[n].name = "egress-ipv4-tcp";
	pkt_init(&p, 0, VIP4, "192.0.2.10", IPPROTO_TCP, 80, 40000);
	p.tcp_flags = TCPF_ACK;
	p.payload = 64;
	frame_build(&e[n++].f, &p);
	e[n].name = "egress-ipv6-tcp";
	pkt_init(&p, 1, VIP6, "2001:db8:1::10", IPPROTO_TCP, 80, 40000);
	p.tcp_flags = TCPF_ACK;
	p.payload = 64;
	frame_build(&e[n++].f, &p);
	e[n].name = "egress-ipv6-ns-offered";
	frame_ns(&e[n++].f, host_mac, VIP6, "2001:db8:1::10");
	return n;
}

static int measure_egress(const struct bench *b, struct egress_class *e)
{
	static double v[2][MAX_ROUNDS];
	int fds[2] = {bpf_program__fd(b->skel->progs.wlbs_tc_egress),
		      bpf_program__fd(b->floor_tc->progs.floor_tc)};
	__u32 d, verdict;
	unsigned int i;
	int p, err = 0;

	for (i = 0; !err && i <= b->rounds; i++)
		for (p = 0; !err && p < 2; p++) {
			err = run(fds[p], &e->f, b->repeat, &d, &verdict);
			if (i)
				v[p][i - 1] = d;
		}
	if (!err) {
		e->ns = summarize(v[0], b->rounds);
		e->floor_ns = summarize(v[1], b->rounds);
	}
	return err;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--repeat N] [--rounds N] [--class SUBSTRING] [--json PATH] [--check]\n",
		prog);
}

static int load(struct bench *b)
{
	b->skel = wlbs_bpf__open_and_load();
	b->floor = floor_bpf__open_and_load();
	b->minimal = minimal_filter_bpf__open_and_load();
	b->rotate = bench_rotate_bpf__open_and_load();
	b->floor_tc = floor_tc_bpf__open_and_load();
	return b->skel && b->floor && b->minimal && b->rotate && b->floor_tc ? 0 : -errno;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"repeat", required_argument, NULL, 'r'}, {"rounds", required_argument, NULL, 'n'},
	    {"json", required_argument, NULL, 'j'},   {"check", no_argument, NULL, 'c'},
	    {"class", required_argument, NULL, 'k'},  {"before", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},	      {},
	};
	struct bench b = {.repeat = 100000, .rounds = 31};
	struct bench_class cl[10] = {};
	struct egress_class egress[4] = {};
	size_t n_egress;
	const char *json = NULL, *only = NULL, *before = NULL;
	int c, m, err, check = 0, over = 0;
	size_t n, i, k;

	while ((c = getopt_long(argc, argv, "r:n:j:k:b:ch", opts, NULL)) != -1) {
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
		case 'k':
			only = optarg;
			break;
		case 'b':
			before = optarg;
			break;
		default:
			usage(argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (!b.repeat || !b.rounds || b.rounds > MAX_ROUNDS) {
		fprintf(stderr, "bench: --repeat must be positive, --rounds 1-%d\n", MAX_ROUNDS);
		return 2;
	}
	libbpf_set_print(silent);
	rcu_expedite();
	/* Own network namespace: the socket lookup class must find no socket. */
	if (unshare(CLONE_NEWNET))
		fprintf(stderr, "bench: no private netns (%s), using the current one\n",
			strerror(errno));
	if (load(&b)) {
		fprintf(stderr, "bench: cannot load the BPF programs (root needed): %s\n",
			strerror(errno));
		return 1;
	}
	err = setup(&b, before);
	if (err) {
		fprintf(stderr, "bench: cannot map the owner tables: %s\n", strerror(-err));
		return 1;
	}
	n = classes(cl);
	n_egress = only ? 0 : egress_classes(egress);
	/* --class: the classes whose name contains it (a profile of one path). */
	for (i = 0, k = 0; only && i < n; i++)
		if (strstr(cl[i].name, only))
			cl[k++] = cl[i];
	n = only ? k : n;
	if (!n) {
		fprintf(stderr, "bench: no class matches %s\n", only);
		return 2;
	}
	for (m = 0; m < N_MODES; m++) {
		for (i = 0; i < n; i++) {
			err = measure(&b, &cl[i], m);
			if (err) {
				fprintf(stderr, "bench: %s (%s): test run failed: %s\n", cl[i].name,
					mode_names[m], strerror(-err));
				return 1;
			}
		}
		print_mode(&b, cl, n, m, &over);
	}
	printf("\nmedian of %u rounds of %u runs; minimal = the minimal bucket filter, floor = "
	       "XDP_PASS (many-flows: both behind the rotation)\n"
	       "target (many-flows): x min <= %.1f, the socket-lookup class <= %.1f; %d over\n",
	       b.rounds, b.repeat, TARGET_RATIO, TARGET_RATIO_LOOKUP, over);
	for (i = 0; i < n_egress; i++) {
		err = measure_egress(&b, &egress[i]);
		if (err) {
			fprintf(stderr, "bench: %s: test run failed: %s\n", egress[i].name,
				strerror(-err));
			return 1;
		}
	}
	printf("\negress (tc, one-frame)\n%-26s %6s %13s %6s %6s\n", "class", "ns/pkt", "(min-max)",
	       "floor", "x flr");
	for (i = 0; i < n_egress; i++)
		printf("%-26s %6.1f (%5.1f-%5.1f) %6.1f %6.2f\n", egress[i].name, egress[i].ns.med,
		       egress[i].ns.min, egress[i].ns.max, egress[i].floor_ns.med,
		       egress[i].ns.med / egress[i].floor_ns.med);
	if (json && (err = write_json(json, &b, cl, n, egress, n_egress))) {
		fprintf(stderr, "bench: cannot write %s\n", json);
		return 1;
	}
	wlbs_bpf__destroy(b.skel);
	floor_bpf__destroy(b.floor);
	minimal_filter_bpf__destroy(b.minimal);
	bench_rotate_bpf__destroy(b.rotate);
	floor_tc_bpf__destroy(b.floor_tc);
	return check && over ? 1 : 0;
}
