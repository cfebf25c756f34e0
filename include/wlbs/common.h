/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the XDP fast path and userspace share: limits, the configuration the
 * program reads, and the layout of every map. One header for both sides;
 * fixed-width fields only, explicit padding, sizes checked at compile time.
 */
#ifndef WLBS_COMMON_H
#define WLBS_COMMON_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Helpers here the XDP program calls: always inlined there, the hot path makes no calls. */
#ifdef __bpf__
#define WLBS_INLINE static inline __attribute__((always_inline))
#else
#define WLBS_INLINE static inline
#endif

/* Largest cluster: host priorities are 1..WLBS_MAX_HOSTS (NLB stopped at 32). */
#define WLBS_MAX_HOSTS 64
/*
 * Buckets per port rule. 8192 = 128 buckets per host at 64 hosts, so equal
 * weights split exactly and any weighted share is within one bucket
 * (1/128 = 0.8% of a host's share at 64 hosts) of its target. Power of two:
 * the fast path takes the bucket with a mask instead of a division.
 */
#define WLBS_BUCKETS 8192
/* Port rules per cluster (NLB's limit, WLBS_MAX_PORT_RULES beyond it). */
#define WLBS_MAX_RULES 32
/* Cluster IPs (IPv4 and IPv6 together) per cluster. */
#define WLBS_MAX_VIPS 16
/* Rule vip index meaning "every cluster IP". */
#define WLBS_VIP_ALL 0xffffffffu
/* Owner value of a bucket no host owns: its packets are dropped. */
#define WLBS_NO_OWNER 0
/* Convergence heartbeat ethertype (NLB's). */
#define WLBS_ETH_P_HEARTBEAT 0x886F
/* Entries of the first-fragment verdict table. */
#define WLBS_FRAG_ENTRIES 16384
/* Owner table slots: two generations (see wlbs_cfg.gen) of every rule's buckets. */
#define WLBS_OWNER_SLOTS (2 * WLBS_MAX_RULES * WLBS_BUCKETS)
/* Connection-count slot of cluster connections no rule covers (the default host's). */
#define WLBS_CONN_UNCOVERED (WLBS_MAX_RULES * WLBS_BUCKETS)
/* Connection-count slots: one per bucket of every rule, then WLBS_CONN_UNCOVERED. */
#define WLBS_CONN_SLOTS (WLBS_CONN_UNCOVERED + 1)
/*
 * How long a bucket stays dirty on its owner after a SYN-ACK of another host's
 * outbound connection (map wlbs_synack_dirty): longer than twice the longest
 * heartbeat period, by when the holder advertises the bucket itself.
 */
#define WLBS_SYNACK_DIRTY_MS 20000
/* Stats slot for cluster traffic no rule covers, and for ARP/ND. */
#define WLBS_STATS_NO_RULE WLBS_MAX_RULES
/* Stats slot for frames that are not cluster traffic. */
#define WLBS_STATS_NOT_CLUSTER (WLBS_MAX_RULES + 1)
#define WLBS_STATS_SLOTS       (WLBS_MAX_RULES + 2)

/* What this host does with cluster traffic (cfg.state). */
enum wlbs_fp_state {
	WLBS_FP_STOPPED = 0,  /* takes nothing (stopped or suspended) */
	WLBS_FP_RUNNING = 1,  /* takes its buckets and the connections it holds */
	WLBS_FP_DRAINING = 2, /* takes only the connections it holds */
};

/* Port rule filtering mode (NLB's). */
enum wlbs_rule_mode {
	WLBS_MODE_MULTIPLE = 0, /* buckets split across hosts by weight */
	WLBS_MODE_SINGLE = 1,	/* one host (best handling priority) owns all */
	WLBS_MODE_DISABLED = 2, /* every packet dropped */
};

/* What a multiple-host rule hashes (NLB's client affinity). */
enum wlbs_affinity {
	WLBS_AFF_NONE = 0,   /* client address and port */
	WLBS_AFF_SINGLE = 1, /* client address */
	WLBS_AFF_CLASSC = 2, /* client IPv4 /24, IPv6 /56 */
};

/* Protocol bits of a rule. */
#define WLBS_PROTO_TCP 0x1
#define WLBS_PROTO_UDP 0x2

/* Per-host rule flags (wlbs disable/drain PORT), set by this host only. */
#define WLBS_RULE_F_OFF	  0x1 /* take nothing of this rule, not even held */
#define WLBS_RULE_F_DRAIN 0x2 /* take no new connections of this rule */

/* A cluster IP. IPv4 is stored v4-mapped (::ffff:a.b.c.d). */
struct wlbs_vip {
	__u32 addr[4]; /* network byte order */
};
_Static_assert(sizeof(struct wlbs_vip) == 16, "wlbs_vip layout");

/*
 * A port rule. The fast path takes the first rule that matches, so userspace
 * orders rules for one cluster IP before rules for all of them.
 */
struct wlbs_rule {
	__u32 vip;     /* index into wlbs_tables.vips, or WLBS_VIP_ALL */
	__u16 port_lo; /* first port, host byte order */
	__u16 port_hi; /* last port, inclusive */
	__u8 proto;    /* WLBS_PROTO_* bits */
	__u8 mode;     /* enum wlbs_rule_mode */
	__u8 affinity; /* enum wlbs_affinity */
	__u8 flags;    /* WLBS_RULE_F_* */
};
_Static_assert(sizeof(struct wlbs_rule) == 12, "wlbs_rule layout");

/* Cluster IPs and port rules; two copies, userspace fills the idle one and flips. */
struct wlbs_tables {
	__u32 n_vips;  /* entries used in vips */
	__u32 n_rules; /* entries used in rules */
	struct wlbs_vip vips[WLBS_MAX_VIPS];
	struct wlbs_rule rules[WLBS_MAX_RULES];
};
_Static_assert(sizeof(struct wlbs_tables) == 8 + 16 * WLBS_MAX_VIPS + 12 * WLBS_MAX_RULES,
	       "wlbs_tables layout");
_Static_assert(__builtin_offsetof(struct wlbs_tables, rules) == 8 + 16 * WLBS_MAX_VIPS,
	       "wlbs_tables rules offset");

/*
 * Configuration the program reads on every packet. It lives in the program's
 * .bss (no map lookup on the hot path); userspace writes single fields through
 * the mmap'ed map, so each aligned field changes atomically.
 */
struct wlbs_cfg {
	__u64 alive_deadline;  /* jiffies: past it wlbsd is gone, fail closed; 0 = never */
	__u32 frag_ttl_ms_v4;  /* first-fragment verdicts live this long (ipfrag_time), */
	__u32 frag_ttl_ms_v6;  /* and for IPv6 (ip6frag_time); 0 = the kernel defaults */
	__u32 hash_seed;       /* cluster hash seed */
	__u32 gen;	       /* which tables[] and owner generation are live (0/1) */
	__u32 netns_ino;       /* inode of the cluster's network namespace */
	__u8 host_id;	       /* this host's priority, 1..WLBS_MAX_HOSTS */
	__u8 default_host;     /* priority of the default host, 0 = none */
	__u8 state;	       /* enum wlbs_fp_state */
	__u8 flags;	       /* WLBS_CFG_F_* */
	__u8 cluster_mac[6];   /* answered in ARP/ND for cluster IPs */
	__u8 host_mac[6];      /* accepted cluster frames get this destination */
	__u8 src_mac[6];       /* source of frames the program sends (ARP/NA) */
	__u16 ctl_port;	       /* remote control UDP port every host takes, 0 = off */
	__u16 ctl_port_legacy; /* Convoy's 1717 when answered, else 0 */
	__u8 _pad1[2];
};
_Static_assert(sizeof(struct wlbs_cfg) == 56, "wlbs_cfg layout");
/* Pinned: wlbsd writes fields singly through the mmap'ed .bss, aligned so each write is atomic. */
_Static_assert(__builtin_offsetof(struct wlbs_cfg, alive_deadline) == 0 &&
		   __builtin_offsetof(struct wlbs_cfg, gen) == 20 &&
		   __builtin_offsetof(struct wlbs_cfg, host_id) == 28 &&
		   __builtin_offsetof(struct wlbs_cfg, cluster_mac) == 32 &&
		   __builtin_offsetof(struct wlbs_cfg, ctl_port) == 50 &&
		   __builtin_offsetof(struct wlbs_cfg, ctl_port_legacy) == 52,
	       "wlbs_cfg offsets");

/* Unicast mode: frames leaving with the cluster MAC as source get src_mac (NLB's masking). */
#define WLBS_CFG_F_MASK_SRC 0x1
/*
 * Unicast mode: every host shares the NIC MAC, so a frame for another host
 * arrives here as if addressed to us; never route it back onto the segment.
 */
#define WLBS_CFG_F_NO_HAIRPIN 0x2
/*
 * Another host holds connections no rule covers, or this host became the
 * default host within the handover grace: as the default host, answer no
 * packet of theirs it has no socket for (their dirty bucket).
 */
#define WLBS_CFG_F_UNCOVERED_DIRTY 0x4
/* This host was the default host within the handover grace: its half-open connections may end here.
 */
#define WLBS_CFG_F_UNCOVERED_RELEASED 0x8

/*
 * The owner table, one map entry per (generation, rule): a rule's owner
 * bytes side by side (host priority, WLBS_NO_OWNER = nobody), 8 KiB, so that
 * the packets of many flows find them in the L1 cache. What the drop path
 * reads, and nothing else: the flags are in a table of their own. mmap'ed,
 * it is one array of bytes indexed by wlbs_owner_slot().
 */
struct wlbs_owner_table {
	__u8 owner[WLBS_BUCKETS];
};
/*
 * In an owner byte of this host's tables: a bucket it owned until lately
 * (wlbsd clears the mark after its handover grace). A handshake it began
 * there may still end here, and its request socket is in no connection
 * count, so the fast path looks up the non-SYN TCP of the bucket. Free for
 * the drop path, which reads the byte anyway. Host ids stay below it.
 */
#define WLBS_OWNER_F_RELEASED 0x80
#define WLBS_OWNER_HOST	      0x7f
_Static_assert(WLBS_MAX_HOSTS < WLBS_OWNER_F_RELEASED, "host ids beside the release mark");
/* The same for every bucket's WLBS_BUCKET_F_* (map wlbs_bucket_flags): read for owned buckets. */
struct wlbs_flag_table {
	__u8 flags[WLBS_BUCKETS];
};
#define WLBS_OWNER_TABLES (2 * WLBS_MAX_RULES)
#define WLBS_OWNERS_SIZE  (WLBS_OWNER_TABLES * sizeof(struct wlbs_owner_table))
_Static_assert(WLBS_OWNERS_SIZE == WLBS_OWNER_SLOTS, "owner slots");
_Static_assert(sizeof(struct wlbs_flag_table) == sizeof(struct wlbs_owner_table), "flag slots");

/*
 * The rule of each destination port, per protocol (0 TCP, 1 UDP), one map
 * entry per generation (map wlbs_port_rules, filled by wlbs_port_rules_fill()
 * with the tables of that generation): what the straight-line path reads
 * instead of walking the rules. WLBS_PORT_WALK, the value of a fresh map,
 * sends it to the walk: when the first rule covering the port is one
 * cluster IP's, the answer depends on the cluster IP.
 */
#define WLBS_PORT_WALK	  0x00
#define WLBS_PORT_NO_RULE 0xff /* no rule covers the port, for any cluster IP; else rule + 1 */
struct wlbs_port_rules {
	__u8 rule[2][65536];
};
#define WLBS_PORT_RULES_SIZE (2 * sizeof(struct wlbs_port_rules))
_Static_assert(WLBS_MAX_RULES < WLBS_PORT_NO_RULE, "port rule values");

/*
 * Live local TCP connections per (rule, bucket), one map entry per rule of
 * 4-byte counts; the entry after the last rule holds WLBS_CONN_UNCOVERED
 * first. mmap'ed, it is one array of __s32 indexed by wlbs_conn_slot().
 */
struct wlbs_conn_table {
	__s32 n[WLBS_BUCKETS];
};
#define WLBS_CONN_TABLES (WLBS_MAX_RULES + 1)
#define WLBS_CONNS_SIZE	 (WLBS_CONN_TABLES * sizeof(struct wlbs_conn_table))
_Static_assert(WLBS_CONNS_SIZE >= WLBS_CONN_SLOTS * sizeof(__s32), "conn slots");

/*
 * One bit per connection count slot, set while the count is not zero (map
 * wlbs_held, 1 KiB per rule): what the fast path reads, so that a packet of
 * another host's bucket costs no read of the 32 KiB counts.
 */
#define WLBS_HELD_WORDS ((WLBS_CONN_SLOTS + 63) / 64)
#define WLBS_HELD_SIZE	(WLBS_HELD_WORDS * sizeof(__u64))

/*
 * Slots of the connection hint (map wlbs_conn_hint, 4-byte counters, 256 KiB:
 * within L2 beside the owner and held maps). At N counted connections a
 * stranger's flow finds its slot non-zero (a needless socket lookup) with
 * probability 1 - e^(-N/65536): 1.5% at 1,000, 14% at 10,000. A power of 2.
 */
#define WLBS_HINT_SLOTS 65536
/*
 * The hint map's one entry: an array map rounds each value up to 8 bytes, so
 * 4-byte entries would mmap at a stride of 8. mmap'ed, it is one array of
 * __u32 indexed by wlbs_hint_slot().
 */
struct wlbs_hint_table {
	__u32 n[WLBS_HINT_SLOTS];
};
#define WLBS_HINT_SIZE sizeof(struct wlbs_hint_table)
_Static_assert((WLBS_HINT_SLOTS & (WLBS_HINT_SLOTS - 1)) == 0, "hint slots: a power of 2");
/* Every slot of a fresh hint map beside adopted counts (wlbsd): no decrement reaches 0. */
#define WLBS_HINT_UNKNOWN 0x40000000u

/* Another host may still hold connections here: accept SYN, or a local socket's packets. */
#define WLBS_BUCKET_F_DIRTY 0x1
/*
 * Set by the owner's fast path at a foreign SYN-ACK: dirty until its mark in
 * wlbs_synack_dirty expires (then the fast path clears it); wlbsd carries it
 * into every table it publishes, so the owner's hot path reads no other map.
 */
#define WLBS_BUCKET_F_SYNACK 0x2

/* Index of (generation, rule, bucket) in the mmap of wlbs_owners or wlbs_bucket_flags. */
WLBS_INLINE __u32 wlbs_owner_slot(__u32 gen, __u32 rule, __u32 bucket)
{
	return (gen * WLBS_MAX_RULES + rule) * WLBS_BUCKETS + bucket;
}

/* The wlbs_owners entry of (generation, rule). */
WLBS_INLINE __u32 wlbs_owner_table(__u32 gen, __u32 rule)
{
	return gen * WLBS_MAX_RULES + rule;
}

/* Connection count index of (rule, bucket). */
WLBS_INLINE __u32 wlbs_conn_slot(__u32 rule, __u32 bucket)
{
	return rule * WLBS_BUCKETS + bucket;
}

/* Why the program gave a verdict; per-CPU counters per rule and reason. */
enum wlbs_reason {
	WLBS_R_NOT_CLUSTER = 0, /* pass: not addressed to a cluster IP */
	WLBS_R_HEARTBEAT,	/* pass: convergence heartbeat */
	WLBS_R_OWNED,		/* pass: this host owns the bucket */
	WLBS_R_HELD,		/* pass: a local socket holds the connection */
	WLBS_R_DEFAULT,		/* pass: no rule covers it, this is the default host */
	WLBS_R_FRAG_PASS,	/* pass: fragment whose first fragment was accepted */
	WLBS_R_NOT_OWNER,	/* drop: another host's bucket */
	WLBS_R_DIRTY,		/* drop: dirty bucket, not SYN, no local socket */
	WLBS_R_STOPPED,		/* drop: this host is stopped or suspended */
	WLBS_R_STALE,		/* drop: daemon liveness stamp stale (fail closed) */
	WLBS_R_RULE_DISABLED,	/* drop: rule disabled (cluster-wide or on this host) */
	WLBS_R_NOT_DEFAULT,	/* drop: no rule covers it, another host is default */
	WLBS_R_FRAG_DROP,	/* drop: fragment of another host's datagram */
	WLBS_R_MALFORMED,	/* drop: cluster traffic that cannot be classified */
	WLBS_R_ARP_REPLY,	/* tx: ARP reply with the cluster MAC */
	WLBS_R_ARP_DROP,	/* drop: cluster ARP another host answers */
	WLBS_R_ND_REPLY,	/* tx: neighbour advertisement with the cluster MAC */
	WLBS_R_ND_DROP,		/* drop: cluster NS another host answers */
	WLBS_R_CONTROL,		/* pass: remote control request, every host answers */
	WLBS_R_FRAG_EARLY,	/* pass: fragment ahead of its first: every host, one reassembles */
	WLBS_R_NEIGH_PASS,     /* pass: ARP reply / NA to a cluster IP: every host, for the asker */
	WLBS_R_FOREIGN_SYNACK, /* drop: SYN-ACK of another host's outbound connection */
	WLBS_R_HAIRPIN,	       /* drop: unicast mode, would be routed back out (another host's) */
	WLBS_R_MAX,
};

/* Per-CPU counters of one stats slot (map wlbs_stats). */
struct wlbs_stats {
	__u64 packets[WLBS_R_MAX];
};
_Static_assert(sizeof(struct wlbs_stats) == 8 * WLBS_R_MAX, "wlbs_stats layout");

/*
 * In/out of the wlbs_clock syscall program: the kernel's clocks as the fast
 * path sees them (jiffies are what it compares, at the cost of one load).
 */
struct wlbs_clock {
	__u64 jiffies;
	__u64 mono_ns; /* CLOCK_MONOTONIC */
};
_Static_assert(sizeof(struct wlbs_clock) == 16, "wlbs_clock layout");

/* Key of the first-fragment verdict table (map wlbs_frags). */
struct wlbs_frag_key {
	__u32 saddr[4]; /* IPv4 v4-mapped */
	__u32 daddr[4];
	__u32 id;    /* IPv4 id or IPv6 fragment identification */
	__u32 proto; /* L4 protocol of the datagram */
};
_Static_assert(sizeof(struct wlbs_frag_key) == 40, "wlbs_frag_key layout");

/* Verdict of a datagram's first fragment, as seen by this host. */
struct wlbs_frag_verdict {
	__u32 accept;	  /* 1: this host accepted the first fragment */
	__u32 rule;	  /* stats slot of the first fragment */
	__u64 expires_ns; /* CLOCK_MONOTONIC: after it the kernel gave the datagram up */
};
_Static_assert(sizeof(struct wlbs_frag_verdict) == 16, "wlbs_frag_verdict layout");
_Static_assert(__builtin_offsetof(struct wlbs_frag_verdict, expires_ns) == 8,
	       "wlbs_frag_verdict expires_ns offset");

/*
 * The last claim of a cluster IP by a MAC that is not the cluster's (map
 * wlbs_vip_claims, indexed like wlbs_tables.vips): an ARP whose sender IP is
 * the cluster IP, or a neighbour advertisement for it, naming another MAC.
 * Every legitimate host's ARP carries the cluster MAC (tc egress rewrites it;
 * the default host's replies are built with it). Written on ARP/ND frames only.
 */
struct wlbs_vip_claim {
	__u32 addr[4]; /* the cluster IP claimed, v4-mapped */
	__u64 last_ns; /* CLOCK_MONOTONIC of the last claim */
	__u32 count;   /* claims seen (frames) */
	__u8 mac[6];   /* the claimer: ARP sender MAC, NA target link-layer address */
	__u8 _pad[6];
};
_Static_assert(sizeof(struct wlbs_vip_claim) == 40, "wlbs_vip_claim layout");
_Static_assert(__builtin_offsetof(struct wlbs_vip_claim, last_ns) == 16 &&
		   __builtin_offsetof(struct wlbs_vip_claim, count) == 24 &&
		   __builtin_offsetof(struct wlbs_vip_claim, mac) == 28,
	       "wlbs_vip_claim offsets");

/* Reassembly timeouts of the kernel's defaults (net.ipv4.ipfrag_time, ipv6.ip6frag_time). */
#define WLBS_FRAG_TTL_MS_V4 30000
#define WLBS_FRAG_TTL_MS_V6 60000

#endif /* WLBS_COMMON_H */
