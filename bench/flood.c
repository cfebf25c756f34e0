// SPDX-License-Identifier: GPL-2.0
/*
 * The traffic generator of make bench-peers (bench/peers.sh): floods one veth
 * with a precomputed ring of distinct frames (random client sources in
 * 10.0.0.0/8 and ports 1024-65535) to one IPv4 address and MAC, UDP datagrams
 * or TCP ACK segments with a payload. Pinned to one CPU (--cpu).
 *
 * BPF_PROG_RUN in live-frames mode runs bpf/flood.bpf.c, which writes the
 * next flow into a page-pool frame and redirects it to the device: its peer
 * receives XDP frames (no skb yet), as from a NIC's driver, in batches of 256
 * (--batch; the veth ring's size). An AF_PACKET sender would hand the peer
 * skbs, on which veth runs XDP only after copying each (as generic XDP would):
 * that measures veth, not the filters (XDP_DROP read 421 ns/frame that way).
 *
 * It measures: after a warm-up (--warmup frames, default the whole ring once;
 * bench/peers.sh runs it apart, so that the receiver's counters see the
 * measured frames only), it reads its CPU's and the receiver's CPU's lines of
 * /proc/stat, its own and the receiver thread's run time (schedstat, ns),
 * sends for --seconds, reads them again and prints one line of key=value:
 * frames sent, elapsed ns, the tick deltas (user, system, softirq... in clock
 * ticks, clk_tck per second) and the run times. bench/peers.sh explains what
 * the receiver thread is (threaded NAPI) and how the figures are used.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "flood.h"
#include "flood.skel.h"

#define FLOOD_BATCH	256	   /* frames per live-frames batch: the veth ring's size */
#define FLOOD_CHUNK_MIN 65536	   /* frames per BPF_PROG_RUN, at least */
#define FLOOD_CHUNK_MAX (1u << 22) /* and at most */
#define FLOOD_FRAME	1514	   /* largest frame built */
#define FLOOD_SPORT0	1024	   /* lowest client port */

/* The cumulative counters of one CPU of /proc/stat, in clock ticks. */
enum { ST_USER, ST_NICE, ST_SYSTEM, ST_IDLE, ST_IOWAIT, ST_IRQ, ST_SOFTIRQ, ST_STEAL, ST_N };
static const char *const st_names[ST_N] = {"user",   "nice", "system",	"idle",
					   "iowait", "irq",  "softirq", "steal"};

struct flood {
	const char *dev;
	int tcp;
	uint8_t dst_mac[6];
	struct in_addr dst;
	uint16_t dport;
	unsigned int flows, payload, cpu;
	long warmup;	    /* frames before the measured window; -1: the ring once */
	unsigned int batch; /* frames per live-frames batch: one wakeup of the receiver */
	int rx_cpu;	    /* the receiver's CPU, to report its counters too (-1: none) */
	const char *rx_pid; /* the receiver's thread (threaded NAPI), to report its run time */
	double seconds;
	uint64_t seed;
	uint8_t *ring; /* flows frames of frame_len bytes */
	size_t frame_len;
	struct flood_bpf *skel;
	int ifindex;
};

struct sample {
	unsigned long long cpu[ST_N];
	unsigned long long utime, stime;  /* this process, clock ticks */
	unsigned long long runtime_ns;	  /* this task's run time (schedstat) */
	unsigned long long rx_cpu[ST_N];  /* --rx-cpu's counters */
	unsigned long long rx_runtime_ns; /* --rx-pid's run time */
	uint64_t mono_ns;
};

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* One frame: Ethernet, IPv4 (no options), UDP or TCP (ACK, no options), payload. */
static void build_frame(const struct flood *fl, uint8_t *f, uint32_t saddr, uint16_t sport,
			uint64_t rnd)
{
	static const uint8_t src_mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x01};
	size_t l4len = (fl->tcp ? 20 : 8) + fl->payload, iplen = 20 + l4len;
	uint8_t *ip = f + 14, *l4 = ip + 20, pseudo[12];
	uint32_t sum;

	memset(f, 0, fl->frame_len);
	memcpy(f, fl->dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	f[12] = 0x08; /* ETH_P_IP */
	ip[0] = 0x45;
	ip[2] = iplen >> 8;
	ip[3] = iplen & 0xff;
	ip[4] = rnd >> 8; /* id */
	ip[5] = rnd & 0xff;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = fl->tcp ? IPPROTO_TCP : IPPROTO_UDP;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &fl->dst, 4);
	memcpy(ip + 10, &(uint16_t){csum_fold(csum_add(0, ip, 20))}, 2);

	l4[0] = sport >> 8;
	l4[1] = sport & 0xff;
	l4[2] = fl->dport >> 8;
	l4[3] = fl->dport & 0xff;
	if (fl->tcp) {
		memcpy(l4 + 4, &(uint32_t){(uint32_t)(rnd >> 16)}, 4); /* seq */
		memcpy(l4 + 8, &(uint32_t){(uint32_t)(rnd >> 40)}, 4); /* ack */
		l4[12] = 5 << 4;
		l4[13] = 0x10; /* ACK */
		l4[14] = 0x01; /* window 502 */
		l4[15] = 0xf6;
	} else {
		l4[4] = l4len >> 8;
		l4[5] = l4len & 0xff;
	}
	memset(l4 + (fl->tcp ? 20 : 8), 'w', fl->payload);
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = ip[9];
	pseudo[10] = l4len >> 8;
	pseudo[11] = l4len & 0xff;
	sum = csum_add(csum_add(0, pseudo, sizeof(pseudo)), l4, l4len);
	memcpy(l4 + (fl->tcp ? 16 : 6), &(uint16_t){csum_fold(sum)}, 2);
}

static int build_ring(struct flood *fl)
{
	uint64_t s = fl->seed, r, rnd;
	unsigned int i;

	fl->frame_len = 14 + 20 + (fl->tcp ? 20 : 8) + fl->payload;
	if (fl->frame_len < 60)
		fl->frame_len = 60; /* the Ethernet minimum: padding after the datagram */
	if (fl->frame_len > FLOOD_FRAME)
		return -EMSGSIZE;
	fl->ring = malloc((size_t)fl->flows * fl->frame_len);
	if (!fl->ring)
		return -ENOMEM;
	/* Frames differ only in address, port and checksums (what bpf/flood.bpf.c writes). */
	rnd = splitmix64(&s);
	for (i = 0; i < fl->flows; i++) {
		uint32_t saddr;
		uint16_t sport;

		r = splitmix64(&s);
		saddr = htonl(0x0a000000u | (uint32_t)(r & 0xffffff)); /* 10.0.0.0/8 */
		sport = FLOOD_SPORT0 + (uint16_t)((r >> 24) % (65536 - FLOOD_SPORT0));
		build_frame(fl, fl->ring + (size_t)i * fl->frame_len, saddr, sport, rnd);
	}
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU @cpu's line of /proc/stat into @v. */
static int read_cpu(int cpu, unsigned long long v[ST_N])
{
	char line[512], want[32];
	int n, found = 0, i;
	FILE *f;
	char *p;

	snprintf(want, sizeof(want), "cpu%d ", cpu);
	f = fopen("/proc/stat", "r");
	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		p = line + strlen(want);
		for (i = 0; i < ST_N; i++) {
			if (sscanf(p, "%llu%n", &v[i], &n) != 1)
				break;
			p += n;
		}
		found = i == ST_N;
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

/* The first field of /proc/PID/schedstat: the task's run time, ns. */
static unsigned long long read_runtime(const char *pid)
{
	unsigned long long v = 0;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/schedstat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int read_sample(const struct flood *fl, struct sample *s)
{
	char line[512];
	FILE *f;
	char *p;

	memset(s, 0, sizeof(*s));
	if (read_cpu((int)fl->cpu, s->cpu) || (fl->rx_cpu >= 0 && read_cpu(fl->rx_cpu, s->rx_cpu)))
		return -ENOENT;

	/* Fields 14 and 15 of /proc/self/stat, after the parenthesised name. */
	f = fopen("/proc/self/stat", "r");
	if (!f)
		return -errno;
	p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fclose(f);
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &s->utime,
			 &s->stime) != 2)
		return -EINVAL;
	s->runtime_ns = read_runtime("self");
	if (fl->rx_pid)
		s->rx_runtime_ns = read_runtime(fl->rx_pid);
	s->mono_ns = mono_ns();
	return 0;
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

/* Loads bpf/flood.bpf.c with the ring's flows: the fields that differ from frame 0. */
static int xdp_setup(struct flood *fl)
{
	struct flood_flow *ff;
	const uint8_t *f;
	unsigned int i;
	int err;

	if (fl->flows > FLOOD_MAX_FLOWS || fl->frame_len < FLOOD_MIN_LEN)
		return -EINVAL;
	fl->skel = flood_bpf__open();
	if (!fl->skel)
		return -errno;
	fl->skel->rodata->flood_nflows = fl->flows;
	fl->skel->rodata->flood_ifindex = (__u32)fl->ifindex;
	fl->skel->rodata->flood_csum_off = fl->tcp ? FLOOD_CSUM_TCP : FLOOD_CSUM_UDP;
	memcpy((void *)fl->skel->rodata->flood_dst_mac, fl->dst_mac, 6);
	err = flood_bpf__load(fl->skel);
	if (err)
		return err;
	for (i = 0; i < fl->flows; i++) {
		f = fl->ring + (size_t)i * fl->frame_len;
		ff = &fl->skel->bss->flood_flows[i];
		memcpy(&ff->saddr, f + FLOOD_L3 + 12, 4);
		memcpy(&ff->ip_csum, f + FLOOD_L3 + 10, 2);
		memcpy(&ff->sport, f + FLOOD_L4, 2);
		memcpy(&ff->l4_csum, f + (fl->tcp ? FLOOD_CSUM_TCP : FLOOD_CSUM_UDP), 2);
	}
	return 0;
}

/*
 * @count frames (0: until @until_ns) by BPF_PROG_RUN repetitions.
 * Every call sets up and tears down a page pool, which sleeps (the CPU idles
 * for some ms; it does not bias the per-frame figures, but wastes samples): the
 * calls are sized from the rate so far to end near @until_ns, 2-3 per run.
 * Returns the number sent.
 */
static uint64_t xdp_send(const struct flood *fl, uint64_t count, uint64_t until_ns)
{
	struct xdp_md ctx = {.data_end = (__u32)fl->frame_len,
			     .ingress_ifindex = (__u32)fl->ifindex};
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = fl->ring,
			    .data_size_in = (__u32)fl->frame_len, .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx), .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = fl->batch);
	int fd = bpf_program__fd(fl->skel->progs.flood_xdp);
	uint64_t sent = 0, t0 = mono_ns(), now = t0, n;

	for (;;) {
		if (count ? sent >= count : now >= until_ns)
			break;
		if (count)
			n = count - sent;
		else if (sent)
			n = (uint64_t)((double)sent / (double)(now - t0) *
				       (double)(until_ns - now));
		else
			n = FLOOD_CHUNK_MIN;
		if (n < FLOOD_CHUNK_MIN && !count)
			n = FLOOD_CHUNK_MIN;
		if (n > FLOOD_CHUNK_MAX)
			n = FLOOD_CHUNK_MAX;
		opts.repeat = (__u32)n;
		if (bpf_prog_test_run_opts(fd, &opts)) {
			fprintf(stderr, "flood: BPF_PROG_RUN (live frames): %s\n", strerror(errno));
			return sent;
		}
		sent += n;
		now = mono_ns();
	}
	return sent;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6], i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: flood --dev IFNAME --dst-mac MAC --dst IPV4 --dport N [--tcp]\n"
		   "             [--flows N] [--payload BYTES] [--seconds S] [--cpu N] [--seed N]\n"
		   "             [--warmup FRAMES] [--rx-cpu N] [--rx-pid PID]\n"
		   "Floods IFNAME with a ring of N distinct frames (default 65536), XDP frames\n"
		   "redirected by BPF_PROG_RUN in live-frames mode; prints frames sent, the CPUs'\n"
		   "tick deltas and the receiver thread's run time. --seconds 0: the warm-up\n"
		   "alone (by default the ring once).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dev", required_argument, NULL, 'd'},     {"dst-mac", required_argument, NULL, 'm'},
	    {"dst", required_argument, NULL, 'a'},     {"dport", required_argument, NULL, 'p'},
	    {"tcp", no_argument, NULL, 't'},	       {"flows", required_argument, NULL, 'n'},
	    {"payload", required_argument, NULL, 'l'}, {"seconds", required_argument, NULL, 's'},
	    {"cpu", required_argument, NULL, 'c'},     {"seed", required_argument, NULL, 'r'},
	    {"warmup", required_argument, NULL, 'w'},  {"batch", required_argument, NULL, 'b'},
	    {"rx-cpu", required_argument, NULL, 'R'},  {"rx-pid", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0},
	};
	struct flood fl = {.flows = 65536,
			   .payload = 18,
			   .seconds = 3,
			   .seed = 14,
			   .warmup = -1,
			   .rx_cpu = -1,
			   .batch = FLOOD_BATCH};
	struct sample a, b;
	uint64_t warm, sent;
	int c, err, have_mac = 0, have_dst = 0, i;
	cpu_set_t set;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			fl.dev = optarg;
			break;
		case 'm':
			have_mac = !parse_mac(optarg, fl.dst_mac);
			break;
		case 'a':
			have_dst = inet_pton(AF_INET, optarg, &fl.dst) == 1;
			break;
		case 'p':
			fl.dport = (uint16_t)strtoul(optarg, NULL, 0);
			break;
		case 't':
			fl.tcp = 1;
			break;
		case 'n':
			fl.flows = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'l':
			fl.payload = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 's':
			fl.seconds = strtod(optarg, NULL);
			break;
		case 'c':
			fl.cpu = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'r':
			fl.seed = strtoull(optarg, NULL, 0);
			break;
		case 'R':
			fl.rx_cpu = (int)strtol(optarg, NULL, 0);
			break;
		case 'P':
			fl.rx_pid = optarg;
			break;
		case 'b':
			fl.batch = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'w':
			fl.warmup = strtol(optarg, NULL, 0);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!fl.dev || !have_mac || !have_dst || !fl.dport || !fl.flows || fl.seconds < 0) {
		usage(stderr);
		return 2;
	}

	CPU_ZERO(&set);
	CPU_SET(fl.cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "flood: cannot pin to CPU %u: %s\n", fl.cpu, strerror(errno));
		return 1;
	}
	err = build_ring(&fl);
	if (err) {
		fprintf(stderr, "flood: frames: %s\n", strerror(-err));
		return 1;
	}
	fl.ifindex = (int)if_nametoindex(fl.dev);
	if (!fl.ifindex) {
		fprintf(stderr, "flood: no device %s\n", fl.dev);
		return 1;
	}
	libbpf_set_print(silent);
	err = xdp_setup(&fl);
	if (err) {
		fprintf(stderr, "flood: loading bpf/flood.bpf.c: %s\n", strerror(-err));
		return 1;
	}

	/* By default the whole ring once: caches and conntrack entries settle. */
	if (fl.warmup < 0)
		fl.warmup = fl.flows;
	warm = fl.warmup ? xdp_send(&fl, (uint64_t)fl.warmup, 0) : 0;
	if (warm < (uint64_t)fl.warmup) {
		fprintf(stderr, "flood: send on %s: %s\n", fl.dev, strerror(errno));
		return 1;
	}
	if (read_sample(&fl, &a)) {
		fprintf(stderr, "flood: cannot read /proc/stat or /proc/self/stat\n");
		return 1;
	}
	sent = fl.seconds > 0 ? xdp_send(&fl, 0, a.mono_ns + (uint64_t)(fl.seconds * 1e9)) : 0;
	if (read_sample(&fl, &b)) {
		fprintf(stderr, "flood: cannot read /proc/stat or /proc/self/stat\n");
		return 1;
	}
	flood_bpf__destroy(fl.skel);

	printf("frames=%llu warmup=%llu frame_len=%zu ns=%llu cpu=%u clk_tck=%ld",
	       (unsigned long long)sent, (unsigned long long)warm, fl.frame_len,
	       (unsigned long long)(b.mono_ns - a.mono_ns), fl.cpu, sysconf(_SC_CLK_TCK));
	for (i = 0; i < ST_N; i++)
		printf(" %s=%llu", st_names[i], b.cpu[i] - a.cpu[i]);
	printf(" self_utime=%llu self_stime=%llu self_runtime_ns=%llu", b.utime - a.utime,
	       b.stime - a.stime, b.runtime_ns - a.runtime_ns);
	if (fl.rx_cpu >= 0) {
		printf(" rx_cpu=%d", fl.rx_cpu);
		for (i = 0; i < ST_N; i++)
			printf(" rx_%s=%llu", st_names[i], b.rx_cpu[i] - a.rx_cpu[i]);
	}
	if (fl.rx_pid)
		printf(" rx_runtime_ns=%llu", b.rx_runtime_ns - a.rx_runtime_ns);
	printf("\n");
	free(fl.ring);
	return 0;
}
