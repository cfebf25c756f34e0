/* SPDX-License-Identifier: GPL-2.0 */
/* The program's state: configuration globals and maps (layouts in include/wlbs/common.h). */
#ifndef WLBS_BPF_MAPS_H
#define WLBS_BPF_MAPS_H

/* Read on every packet; written by wlbsd through the mmap'ed .bss. */
struct wlbs_cfg wlbs_cfg;
/* Cluster IPs and rules, two generations; wlbs_cfg.gen names the live one. */
struct wlbs_tables wlbs_tables[2];

/* Owner of every bucket of every rule, per generation (wlbs_owner_table()). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, WLBS_OWNER_TABLES);
	__type(key, __u32);
	__type(value, struct wlbs_owner_table);
} wlbs_owners SEC(".maps");

/* WLBS_BUCKET_F_* of every bucket, laid out as wlbs_owners. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, WLBS_OWNER_TABLES);
	__type(key, __u32);
	__type(value, struct wlbs_flag_table);
} wlbs_bucket_flags SEC(".maps");

/* Each port's rule per generation (struct wlbs_port_rules); unpinned: fresh, every port walks. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct wlbs_port_rules);
} wlbs_port_rules SEC(".maps");

/* Live local TCP connections per (rule, bucket), kept by wlbs_sock_state. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, WLBS_CONN_TABLES);
	__type(key, __u32);
	__type(value, struct wlbs_conn_table);
} wlbs_conns SEC(".maps");

/* wlbs_conns slot s is not zero while bit s % 64 of word s / 64 is set. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, WLBS_HELD_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} wlbs_held SEC(".maps");

/*
 * Slot h (wlbs_hint_slot() of the 4-tuple) counts the counted local cluster
 * connections (wlbs_sock_slot not 0) whose tuple hashes to h, kept with that
 * value by wlbs_sock_state and wlbs_recount. 0: no such connection, so a
 * packet of the flow needs no socket lookup. One entry (see wlbs_hint_table).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wlbs_hint_table);
} wlbs_conn_hint SEC(".maps");

/*
 * Per (rule, bucket), as wlbs_conns: CLOCK_MONOTONIC ns until which the bucket
 * counts as dirty here, set by its owner at a SYN-ACK of another host's
 * outbound connection (0 = not marked). Not generation-swapped, so a table
 * wlbsd publishes before the holder's heartbeat arrives does not undo it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, WLBS_CONN_UNCOVERED);
	__type(key, __u32);
	__type(value, __u64);
} wlbs_synack_dirty SEC(".maps");

/*
 * The same for traffic no rule covers, set by the default host at a SYN-ACK
 * of another host's outbound connection from an uncovered port: the holder's
 * heartbeats say so from the next on (WLBS_CFG_F_UNCOVERED_DIRTY). Unpinned:
 * a restart forgets a mark, not a connection the holder announces.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} wlbs_uncovered_synack SEC(".maps");

/*
 * The wlbs_conns slot + 1 a socket is counted in, so its end (and a recount
 * after the rule table changed) moves exactly what was added.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} wlbs_sock_slot SEC(".maps");

/* Per-CPU verdict counters per rule (plus no-rule and not-cluster slots). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WLBS_STATS_SLOTS);
	__type(key, __u32);
	__type(value, struct wlbs_stats);
} wlbs_stats SEC(".maps");

/* This host's verdict on recent first fragments, for the fragments that follow. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WLBS_FRAG_ENTRIES);
	__type(key, struct wlbs_frag_key);
	__type(value, struct wlbs_frag_verdict);
} wlbs_frags SEC(".maps");

/* Claims of the cluster IPs by foreign MACs (ARP/NA only); wlbsd polls them. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WLBS_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct wlbs_vip_claim);
} wlbs_vip_claims SEC(".maps");

#endif
