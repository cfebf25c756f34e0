/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF test harness: loads the real wlbs skeleton once, resets its state to a
 * standard cluster before each test, runs frames through wlbs_xdp with
 * BPF_PROG_TEST_RUN, reads the verdict counters, and models what the program
 * should decide (rule match and bucket) independently of it.
 */
#ifndef WLBS_TEST_HARNESS_H
#define WLBS_TEST_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include "wlbs/common.h"
#include "wlbs/hash.h"
#include "frames.h"

struct wlbs_bpf;

extern struct wlbs_bpf *h_skel;
extern uint8_t *h_owners; /* mmap of wlbs_owners */
extern uint8_t *h_flags;  /* mmap of wlbs_bucket_flags */
extern __s32 *h_conns;
extern __u64 *h_held;	      /* mmap of wlbs_conns */
extern __u64 *h_synack_dirty; /* mmap of wlbs_synack_dirty */
extern __u32 *h_hint;	      /* mmap of wlbs_conn_hint */
extern uint64_t h_seed;	      /* suite seed (WLBS_TEST_SEED) */

/* Standard cluster h_reset() installs. */
#define H_VIP4	"10.0.0.100"	/* vips[0] */
#define H_VIP6	"2001:db8::100" /* vips[1] */
#define H_VIP4B "10.0.0.101"	/* vips[2] */
#define H_VIP6B "2001:db8::101" /* vips[3] */
#define H_SEED	0x5eed1234u	/* cfg.hash_seed */
/* Rules: index, vip, proto, ports, mode, affinity. */
#define H_R_WEB4  0 /* vips[0], TCP, 80, multiple, none */
#define H_R_RANGE 1 /* all, TCP+UDP, 1000-1999, multiple, single */
#define H_R_TLS6  2 /* vips[1], TCP+UDP, 443, multiple, class C */
#define H_R_WEB	  3 /* all, TCP, 80, multiple, none */
#define H_R_DNS	  4 /* all, UDP, 53, multiple, none */
#define H_R_OFF	  5 /* vips[2], TCP, 8080, disabled */
#define H_N_RULES 6

/* One run of wlbs_xdp. */
struct h_result {
	int verdict;
	size_t len;
	uint8_t out[FRAME_MAX];
};

int h_init(void);
void h_fini(void);
/* Standard cluster: host 1 of one, default host 1, running, every rule's buckets owned by 1. */
void h_reset(void);
/* Becomes host @id: cfg.host_id and cfg.host_mac (02:00:00:00:00:id). */
void h_set_host(uint8_t id);
void h_host_mac(uint8_t id, uint8_t mac[6]);
struct wlbs_cfg *h_cfg(void);
struct wlbs_tables *h_tables(uint32_t gen);
/* Sets cluster IP @idx of @gen's tables (IPv4 or IPv6 text). */
void h_set_vip(uint32_t gen, uint32_t idx, const char *addr);
/* The owner byte and the flags of (@gen, @rule, @bucket). */
uint8_t *h_owner(uint32_t gen, uint32_t rule, uint32_t bucket);
uint8_t *h_bucket_flags(uint32_t gen, uint32_t rule, uint32_t bucket);
/* Sets owner and flags of every bucket of @rule in @gen. */
void h_fill_owner(uint32_t gen, uint32_t rule, uint8_t owner, uint8_t flags);
__s32 *h_conn(uint32_t rule, uint32_t bucket);
/* As wlbs_sock_state counts a connection: count 1 and the held bit of (rule, bucket). */
void h_hold(uint32_t rule, uint32_t bucket);
/* The wlbs_conn_hint slot of the flow of @p (a client -> cluster IP TCP segment). */
uint32_t h_hint_slot(const struct pkt *p);
/* As wlbs_sock_state counts a connection: +1 in the hint slot of @p's flow. */
void h_hint_flow(const struct pkt *p);
/* The wlbs_held bit of count slot @slot. */
int h_held_bit(uint32_t slot);
void h_frags_clear(void);
/* Sets the default host's mark after a foreign SYN-ACK of no rule (ns; 0: none). */
void h_set_uncovered_synack(uint64_t until_ns);
/* That mark (0: none), and whether it lasts now. */
uint64_t h_uncovered_synack(void);
int h_uncovered_synack_lasts(void);
void h_stats_clear(void);
uint64_t h_stat(uint32_t slot, uint32_t reason);
/* The kernel's jiffies (the clock of wlbs_cfg.alive_deadline). */
uint64_t h_jiffies(void);
/* Runs the wlbs_recount iterator over this netns's TCP sockets; 0 or -errno. */
int h_recount(void);

/* Builds a flow frame from client @src:@sport to @dst:@dport (fails the test on error). */
void h_flow(struct frame *f, struct pkt *p, int v6, const char *src, const char *dst, uint8_t proto,
	    uint16_t sport, uint16_t dport, uint8_t tcp_flags);
/* The owner byte the model says @p (a client->cluster flow) falls in under @rule. */
uint8_t *h_flow_owner(const struct pkt *p, uint32_t rule);
/* Its flags. */
uint8_t *h_flow_flags(const struct pkt *p, uint32_t rule);

/* Runs a frame (or its first @len bytes); returns the verdict or -errno. */
/* The interface frames arrive on (0: none; else ctx.ingress_ifindex, rx queue 0). */
extern int h_ingress_ifindex;
int h_run_len(const struct frame *f, size_t len, struct h_result *r);
int h_run(const struct frame *f, struct h_result *r);

/*
 * Runs @f on the current host and fails the test unless the verdict is
 * @verdict and exactly one counter moved: @reason in @slot (@slot < 0: any slot).
 * PASS of cluster traffic also checks the rewrite (h_check_accepted).
 */
#define h_expect(f, verdict, slot, reason, r)                                                      \
	_h_expect(f, verdict, slot, reason, r, #f, __FILE__, __LINE__)
void _h_expect(const struct frame *f, int verdict, int slot, int reason, struct h_result *r,
	       const char *what, const char *file, int line);
/* Is @r the frame @f accepted as cluster traffic: PASS, dst = our host MAC, rest unchanged? */
int h_accepted(const struct frame *f, const struct h_result *r);
/* Is @r the frame @f passed untouched? */
int h_untouched(const struct frame *f, const struct h_result *r);

/*
 * Runs @f as hosts 1..@n (same tables and owners, cfg.host_id switched) and
 * returns how many accepted it as cluster traffic (h_accepted); *@who = the
 * last of them. Fails the test on a verdict other than PASS, DROP or TX.
 */
int h_acceptors(const struct frame *f, size_t len, int n, int *who);

/* Model: index of @addr among the live cluster IPs (IPv4 as 4 bytes), or -1. */
int model_vip(int v6, const uint8_t *addr);
/* Model: the rule the program must pick, or -1. */
int model_rule(int vip, uint8_t proto, uint16_t port);
/* Model: bucket of a client flow under @rule's affinity (IPv4 as 4 bytes). */
uint32_t model_bucket(int v6, const uint8_t *client, uint16_t cport, uint32_t rule);

/* splitmix64 streams derived from the suite seed and a per-test tag. */
uint64_t h_rng_init(uint64_t tag);
uint64_t h_rand(uint64_t *state);

/* Test groups (one file each), run by main.c. */
struct h_group {
	const char *name;
	const struct CMUnitTest *tests;
	size_t n;
};
extern const struct h_group h_group_verdicts, h_group_exactly_once, h_group_fragments, h_group_icmp,
    h_group_neigh, h_group_malformed, h_group_conns, h_group_tc, h_group_claims;

#define H_GROUP(var, arr) const struct h_group var = {#arr, arr, sizeof(arr) / sizeof(arr[0])}

#endif /* WLBS_TEST_HARNESS_H */
