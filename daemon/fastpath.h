/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fast path as the daemon sees it: load (or adopt) the pinned BPF
 * programs and maps of one interface, attach them, and write what the XDP
 * program reads. All BPF attach code lives in fastpath.c so that a working
 * libxdp dispatcher can replace it in one place.
 */
#ifndef WLBS_FASTPATH_H
#define WLBS_FASTPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wlbs/common.h"

/* How the XDP program is attached. */
enum fp_xdp_mode {
	FP_XDP_AUTO = 0, /* native where the driver has it, else generic */
	FP_XDP_NATIVE = 1,
	FP_XDP_GENERIC = 2,
};

struct wlbs_bpf;

struct fp {
	struct wlbs_bpf *skel;
	char ifname[32];
	int ifindex;
	char pin_dir[256];		    /* <bpffs>/wlbs/<ifname> */
	bool adopted;			    /* found pinned and took it over */
	bool native;			    /* attached in driver mode */
	struct wlbs_cfg *cfg;		    /* the program's live configuration (mmap) */
	struct wlbs_tables *tables;	    /* [2], the program's rule tables (mmap) */
	uint8_t *owners;		    /* mmap of wlbs_owners */
	uint8_t *flags;			    /* mmap of wlbs_bucket_flags */
	struct wlbs_port_rules *port_rules; /* mmap of wlbs_port_rules, one per generation */
	int32_t *conns;			    /* mmap of wlbs_conns */
	int xdp_link_fd;
	struct wlbs_clock cal; /* first clock sample, to measure HZ */
	unsigned int hz;       /* kernel HZ once measured, else 0 */
	/* Buckets that changed hands within FP_HANDOVER_GRACE_MS, per rule (fp_stage_owners). */
	uint8_t released[WLBS_MAX_RULES][WLBS_BUCKETS / 8]; /* ours until then */
	uint8_t acquired[WLBS_MAX_RULES][WLBS_BUCKETS / 8]; /* ours since */
	uint64_t handover_until_ms[WLBS_MAX_RULES];	    /* when they lapse; 0: none marked */
	bool default_released, default_acquired;	    /* the same for the default host */
	uint64_t default_until_ms;
};

/*
 * How long a bucket that changed hands keeps the handshakes begun before:
 * the host that gave it away looks up its non-SYN TCP (a request socket is in
 * no connection count), and the host that took it treats it as dirty (never
 * a RST for a segment it has no socket for). The SYN-ACK retransmits of the
 * first 7 s (at 1, 3 and 7 s) fall within it.
 */
#define FP_HANDOVER_GRACE_MS 10000

/*
 * Loads the programs with the maps pinned under @bpffs/wlbs/@ifname (created
 * and pinned on first use, reused after a restart), then attaches XDP, tc
 * ingress and the socket-state hook, or swaps the new program into the pinned
 * XDP link. Refuses when another XDP program sits on the interface.
 * Returns 0 or -errno with a message in @err.
 */
int fp_open(struct fp *fp, const char *ifname, const char *bpffs, enum fp_xdp_mode mode, char *err,
	    size_t errlen);

/* Closes the daemon's handles; the pinned fast path stays attached and running. */
void fp_close(struct fp *fp);

/*
 * Removes every trace of wlbs from @ifname: XDP link, tc filter (and the
 * clsact qdisc when @remove_clsact), socket hook, pinned maps. Missing
 * pieces are not an error.
 */
int fp_uninstall(const char *ifname, const char *bpffs, bool remove_clsact, char *err,
		 size_t errlen);

/* Makes sure @bpffs is a mounted bpf filesystem (mounts one there if not). */
int fp_ensure_bpffs(const char *bpffs, char *err, size_t errlen);

/*
 * Writes the tables and every rule's owners into the idle generation: the
 * owners of @rule, the buckets other hosts hold connections in (@dirty, a
 * WLBS_BUCKETS/8 bitmap, or NULL), as host @self at @now_ms (CLOCK_MONOTONIC),
 * which marks the buckets that changed hands against the live generation.
 */
void fp_stage_tables(struct fp *fp, const struct wlbs_tables *t);
void fp_stage_owners(struct fp *fp, unsigned int rule, const uint8_t owners[WLBS_BUCKETS],
		     const uint8_t *dirty, uint8_t self, uint64_t now_ms);
/*
 * Publishes @default_host (0: none) as host @self at @now_ms; @others_hold:
 * another host holds connections no rule covers (conv_uncovered_dirty()).
 * The default host changes hands like a bucket (fp_stage_owners).
 */
void fp_set_default(struct fp *fp, uint8_t default_host, uint8_t self, bool others_hold,
		    uint64_t now_ms);
/* True once a handover grace has lapsed: publish again to lift its marks. */
bool fp_handover_lapsed(const struct fp *fp, uint64_t now_ms);
/* Makes the staged generation live in one store. */
void fp_commit(struct fp *fp);

/* The live generation's tables (read-only view). */
const struct wlbs_tables *fp_live_tables(const struct fp *fp);

void fp_set_state(struct fp *fp, enum wlbs_fp_state state);
/*
 * Moves the liveness deadline to @timeout_ms from now: if wlbsd stops calling
 * this, the program takes no new connections once it passes (fail closed).
 */
void fp_touch(struct fp *fp, unsigned int timeout_ms);
/* The fast path's clocks (jiffies, CLOCK_MONOTONIC), read through the clock program. */
int fp_clock(const struct fp *fp, struct wlbs_clock *c);

/*
 * Moves the count of every held cluster connection of this netns to the slot
 * the live tables give it. Run after publishing a changed rule table (and at
 * start): connections keep the slot they were counted in until then.
 * Returns 0 or -errno.
 */
int fp_recount(struct fp *fp);
/* Runs an iterator program once over everything it iterates; 0 or -errno. */
struct bpf_program;
int fp_run_iter(struct bpf_program *prog);

/* The last foreign claim of cluster IP @vip (table index); 0 or -errno. */
int fp_read_claim(const struct fp *fp, unsigned int vip, struct wlbs_vip_claim *out);
/* Entries in use in the first-fragment table, and its size; 0 or -errno. */
int fp_frag_count(const struct fp *fp, uint32_t *entries, uint32_t *max);

/* Sums the per-CPU counters of one stats slot. */
int fp_read_stats(const struct fp *fp, unsigned int slot, struct wlbs_stats *out);

#endif
