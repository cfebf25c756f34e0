/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records of control answers (protocol version 2, control.h): fixed-width,
 * network byte order on the wire, the same structs in host byte order once
 * decoded (lib/ctl_records.h). Each record on the wire is a wlbs_rec_hdr
 * followed by exactly sizeof() of its kind's struct; a decoder refuses any
 * other size, an unknown kind, non-zero padding, a string without its NUL.
 * Which answer carries which records is in docs/control.md.
 * contrib/wireshark/wlbs.lua decodes every kind too: a new kind or field goes there.
 */
#ifndef WLBS_CONTROL_RECORDS_H
#define WLBS_CONTROL_RECORDS_H

#include <stdint.h>

/* Record kinds; numbers are part of the protocol. */
enum wlbs_rec_kind {
	WLBS_REC_HOST = 1,     /* this host: state, convergence, fast path (display) */
	WLBS_REC_PARAMS = 2,   /* every effective global value (display, params) */
	WLBS_REC_ADDR = 3,     /* one cluster IP or dedicated IP (display, params) */
	WLBS_REC_RULE = 4,     /* one port rule and this host's state of it */
	WLBS_REC_PACKETS = 5,  /* packet counters of one stats slot, by verdict reason */
	WLBS_REC_STATS = 6,    /* heartbeat, remote control, convergence, fragment counters */
	WLBS_REC_EVENT = 7,    /* one kept event (display) */
	WLBS_REC_CONFLICT = 8, /* a standing conflict: rules differ, cluster IP claimed (display) */
	WLBS_REC_CHECK = 9,    /* one health check: state, last result (display, query, stats) */
	WLBS_REC_MAX,
};

/* Longest version string, interface name, rule name, path (NUL included). */
#define WLBS_REC_VERSION_LEN 32
#define WLBS_REC_IFNAME_LEN  16
#define WLBS_REC_NAME_LEN    32
#define WLBS_REC_PATH_LEN    256
/* Event text room (NUL included); longer texts arrive cut with WLBS_EVF_CUT. */
#define WLBS_REC_EVENT_TEXT 512
/* Verdict reasons, heartbeat drop reasons and remote verdicts a record has room for. */
#define WLBS_REC_REASONS    32
#define WLBS_REC_HB_DROPS   8
#define WLBS_REC_REMOTE_MAX 16
/* Why the remote server is off (NUL included). */
#define WLBS_REC_STATUS_LEN 256

struct wlbs_rec_hdr {
	uint16_t kind; /* 0: enum wlbs_rec_kind */
	uint16_t size; /* 2: bytes after this header: sizeof the kind's struct */
};
_Static_assert(sizeof(struct wlbs_rec_hdr) == 4, "wlbs_rec_hdr layout");

/* WLBS_REC_HOST flags. */
#define WLBS_HOSTF_KEY_SET	0x01 /* heartbeats are authenticated (key_file) */
#define WLBS_HOSTF_KEY_MISMATCH 0x02 /* standing down: only heartbeats with another key heard */
#define WLBS_HOSTF_NATIVE	0x04 /* XDP in driver mode (else generic) */
#define WLBS_HOSTF_ADOPTED	0x08 /* the pinned fast path was taken over at start */
#define WLBS_HOSTF_CONVERGED	0x10 /* the convergence core converged */
#define WLBS_HOSTF_PERSISTED	0x20 /* the state at start came from the state file */
#define WLBS_HOSTF_ALL		0x3f

struct wlbs_rec_host {
	char version[WLBS_REC_VERSION_LEN]; /*   0: wlbsd version */
	char ifname[WLBS_REC_IFNAME_LEN];   /*  32: cluster interface */
	uint64_t view;			    /*  48: convergence view, bit p-1 = priority p */
	uint64_t heard;			    /*  56: hosts heard */
	uint64_t conflicts;		    /*  64: hosts with other port rules or hash seed */
	uint64_t duplicates;		    /*  72: priorities claimed twice */
	uint64_t damped;		    /*  80: flapping hosts held out */
	uint64_t deaf;			    /*  88: members that do not hear this host */
	int64_t held;			    /*  96: live local connections */
	uint32_t n_rules;		    /* 104: port rules */
	uint32_t n_events;		    /* 108: events kept */
	uint8_t priority;		    /* 112: host priority */
	uint8_t leader;			    /* 113: host followed, 0 = none */
	uint8_t excluded; /* 114: why out of the view: enum wlbs_conv_cause, 0 = not */
	uint8_t flags;	  /* 115: WLBS_HOSTF_* */
	uint8_t _pad[4];  /* 116: 0 */
};
_Static_assert(sizeof(struct wlbs_rec_host) == 120, "wlbs_rec_host layout");

/* WLBS_REC_PARAMS flags. */
#define WLBS_PARF_PERSIST   0x01 /* persist_state */
#define WLBS_PARF_SEED_SET  0x02 /* hash_seed from the file (else derived) */
#define WLBS_PARF_MAC_SET   0x04 /* cluster_mac set by hand (else derived) */
#define WLBS_PARF_REMOTE    0x08 /* [remote] enabled */
#define WLBS_PARF_CONVOY    0x10 /* remote control also on UDP 1717 */
#define WLBS_PARF_MAC_VALID 0x20 /* cluster_mac holds a MAC (needs a cluster IP) */
#define WLBS_PARF_ALL	    0x3f

struct wlbs_rec_params {
	char ifname[WLBS_REC_IFNAME_LEN];    /*   0: [host] interface */
	char key_file[WLBS_REC_PATH_LEN];    /*  16: [cluster] key_file, "" = none */
	char secret_file[WLBS_REC_PATH_LEN]; /* 272: [remote] secret_file */
	uint32_t heartbeat_period_ms;	     /* 528: T */
	uint32_t heartbeat_tolerance;	     /* 532: K */
	uint32_t detection_ms;		     /* 536: a silent host is gone after T*K + T/2 */
	uint32_t cleanup_delay_ms;	     /* 540 */
	uint32_t hash_seed;		     /* 544: effective (derived when not set) */
	uint32_t remote_rate_limit;	     /* 548: requests/s per source */
	uint32_t remote_time_window_s;	     /* 552 */
	uint16_t remote_port;		     /* 556 */
	uint8_t priority;		     /* 558: [host] priority */
	uint8_t cluster_mode;		     /* 559: enum wlbs_cluster_mode */
	uint8_t cluster_mac[6];		     /* 560: effective cluster MAC */
	uint8_t initial_state;		     /* 566: 0 started, 1 stopped, 2 suspended */
	uint8_t xdp_mode;		     /* 567: 0 auto, 1 native, 2 generic */
	uint8_t flags;			     /* 568: WLBS_PARF_* */
	uint8_t n_vips;			     /* 569 */
	uint8_t n_dips;			     /* 570 */
	uint8_t n_rules;		     /* 571 */
	uint32_t _pad;			     /* 572: 0 */
};
_Static_assert(sizeof(struct wlbs_rec_params) == 576, "wlbs_rec_params layout");

/* WLBS_REC_ADDR role. */
#define WLBS_ADDR_CLUSTER   1 /* a cluster IP (vip) */
#define WLBS_ADDR_DEDICATED 2 /* a dedicated IP of this host */

struct wlbs_rec_addr {
	uint8_t addr[16]; /*  0: IPv6, or IPv4 as ::ffff:a.b.c.d */
	uint8_t role;	  /* 16: WLBS_ADDR_* */
	uint8_t prefix;	  /* 17: prefix length (of the v4 address for IPv4) */
	uint8_t v4;	  /* 18: 1 = IPv4 */
	uint8_t _pad[5];  /* 19: 0 */
};
_Static_assert(sizeof(struct wlbs_rec_addr) == 24, "wlbs_rec_addr layout");

struct wlbs_rec_rule {
	char name[WLBS_REC_NAME_LEN]; /*  0: [rule NAME] */
	uint8_t vip[16];	      /* 32: cluster IP (::ffff:a.b.c.d), all zero = every one */
	int64_t held;		      /* 48: connections this host holds in the rule */
	uint16_t port_lo;	      /* 56 */
	uint16_t port_hi;	      /* 58 */
	uint8_t slot;		      /* 60: stats slot (fast-path rule table index) */
	uint8_t proto;		      /* 61: WLBS_PROTO_* bits */
	uint8_t mode;		      /* 62: 0 multiple, 1 single, 2 disabled */
	uint8_t affinity;	      /* 63: 0 none, 1 single, 2 classc */
	uint8_t equal_load;	      /* 64: multiple: 1 = load weight "equal" */
	uint8_t load_weight;	      /* 65: multiple: 0..100 */
	uint8_t handling_priority;    /* 66: single: 1..64 */
	uint8_t rule_state;	      /* 67: enum wlbs_rule_state on this host */
	uint8_t vip_v4;		      /* 68: 1 = vip is IPv4 */
	uint8_t _pad[3];	      /* 69: 0 */
};
_Static_assert(sizeof(struct wlbs_rec_rule) == 72, "wlbs_rec_rule layout");

/* WLBS_REC_PACKETS slots besides rule table indexes 0..31. */
#define WLBS_SLOT_NO_RULE     32 /* cluster traffic no rule covers */
#define WLBS_SLOT_NOT_CLUSTER 33 /* not addressed to a cluster IP */

struct wlbs_rec_packets {
	char rule[WLBS_REC_NAME_LEN];	    /*   0: the rule's name, "" for the two other slots */
	uint8_t slot;			    /*  32: 0..31 rule table index, or WLBS_SLOT_* */
	uint8_t n_reasons;		    /*  33: reasons this daemon counts (enum wlbs_reason) */
	uint8_t _pad[6];		    /*  34: 0 */
	uint64_t packets[WLBS_REC_REASONS]; /*  40: sums over CPUs, by reason */
};
_Static_assert(sizeof(struct wlbs_rec_packets) == 296, "wlbs_rec_packets layout");

/* Heartbeat frames dropped, by reason (index into hb_dropped). */
enum wlbs_hb_drop {
	WLBS_HB_DROP_MALFORMED = 0, /* truncated, bad magic or field */
	WLBS_HB_DROP_VERSION,	    /* another heartbeat version */
	WLBS_HB_DROP_FOREIGN,	    /* another cluster */
	WLBS_HB_DROP_UNAUTH,	    /* no authenticator while we have a key */
	WLBS_HB_DROP_BADAUTH,	    /* authenticator wrong */
	WLBS_HB_DROP_STALE,	    /* replayed or reordered */
	WLBS_HB_DROP_QUEUE_FULL,    /* the heartbeat thread's queue was full */
	WLBS_HB_DROP_MAX,
};

/* WLBS_REC_STATS flags. */
#define WLBS_STATF_REMOTE 0x1 /* remote control is serving */
#define WLBS_STATF_CONVOY 0x2 /* also on UDP 1717 */

struct wlbs_rec_stats {
	uint64_t hb_sent;			/*   0: heartbeats sent */
	uint64_t hb_received;			/*   8: heartbeats accepted */
	uint64_t hb_dropped[WLBS_REC_HB_DROPS]; /*  16: by enum wlbs_hb_drop */
	uint64_t remote[WLBS_REC_REMOTE_MAX]; /*  80: remote requests by verdict (remote_auth.h) */
	uint64_t remote_answered;	      /* 208: answers sent */
	uint64_t remote_retransmitted;	      /* 216: answers resent for a retried request */
	uint64_t remote_rate_limited;	      /* 224: datagrams over the per-source rate */
	uint64_t remote_errors_suppressed;    /* 232: error answers over the global budget */
	uint64_t convergences;		      /* 240: times convergence finished */
	uint64_t convergence_last_us;	      /* 248: how long the last one took */
	uint64_t members;		      /* 256: agreed cluster view */
	uint32_t frag_entries;		      /* 264: first-fragment table entries in use */
	uint32_t frag_max;		      /* 268: its size */
	uint32_t remote_rate;		      /* 272: configured requests/s per source */
	uint32_t remote_window_s;	      /* 276: clock window */
	uint16_t remote_port;		      /* 280 */
	uint8_t n_hb_drops;		      /* 282: WLBS_HB_DROP_MAX of the daemon */
	uint8_t n_remote;		      /* 283: remote verdicts of the daemon */
	uint8_t flags;			      /* 284: WLBS_STATF_* */
	uint8_t _pad[3];		      /* 285: 0 */
	char remote_status[WLBS_REC_STATUS_LEN]; /* 288: why remote control is off, or "" */
};
_Static_assert(sizeof(struct wlbs_rec_stats) == 544, "wlbs_rec_stats layout");

/* WLBS_REC_EVENT flags. */
#define WLBS_EVF_CUT 0x1 /* the text was longer than the record holds */

struct wlbs_rec_event {
	uint64_t seq;			/*   0: 1, 2, ... since start */
	int64_t when;			/*   8: wall clock, seconds since the epoch */
	uint64_t members;		/*  16: the view the event names, 0 = none */
	int32_t rule;			/*  24: config rule index + 1, 0 = none */
	uint16_t kind;			/*  28: enum wlbs_event_kind */
	uint8_t prio;			/*  30: syslog priority */
	uint8_t host;			/*  31: host the event is about, 0 = none */
	uint8_t flags;			/*  32: WLBS_EVF_* */
	uint8_t _pad[7];		/*  33: 0 */
	char text[WLBS_REC_EVENT_TEXT]; /*  40: NUL-terminated */
};
_Static_assert(sizeof(struct wlbs_rec_event) == 552, "wlbs_rec_event layout");

/* WLBS_REC_CONFLICT types. */
#define WLBS_CONFLICT_RULES 1 /* host runs other port rules: text says which rule, how */
#define WLBS_CONFLICT_IP    2 /* a cluster IP is announced by a MAC not the cluster's */

struct wlbs_rec_conflict {
	uint8_t type;			/*  0: WLBS_CONFLICT_* */
	uint8_t host;			/*  1: the other host (rules), 0 = none */
	uint8_t _pad[6];		/*  2: 0 */
	char text[WLBS_REC_EVENT_TEXT]; /*  8: NUL-terminated, whole (the producers stay below) */
};
_Static_assert(sizeof(struct wlbs_rec_conflict) == 520, "wlbs_rec_conflict layout");

/* WLBS_REC_CHECK flags. */
#define WLBS_CHKF_HEALTHY 0x01 /* the check passes */
#define WLBS_CHKF_RAN	  0x02 /* a probe finished since the check began */
#define WLBS_CHKF_SERVING 0x04 /* failing, but min_serving keeps a rule it guards served here */
#define WLBS_CHKF_ALL	  0x07

struct wlbs_rec_check {
	char name[WLBS_REC_NAME_LEN]; /*   0: [check NAME] */
	uint64_t in_state_ms;	      /*  32: time in this state (an age: clocks differ) */
	uint64_t transitions;	      /*  40: healthy <-> unhealthy, first verdict included */
	int64_t last_ms;	      /*  48: how long the last probe took, -1 = none yet */
	uint32_t fails;		      /*  56: consecutive failures */
	uint32_t successes;	      /*  60: consecutive successes */
	uint32_t rules;		      /*  64: guarded rules, bit i = config rule index i */
	uint32_t serving;	      /*  68: of those, kept served here by min_serving */
	uint8_t type;		      /*  72: 0 tcp, 1 http, 2 exec */
	uint8_t action;		      /*  73: 0 drain, 1 disable, 2 stop */
	uint8_t flags;		      /*  74: WLBS_CHKF_* */
	uint8_t min_serving;	      /*  75: the cluster's (largest of the members') */
	uint8_t _pad[4];	      /*  76: 0 */
	char last_error[WLBS_REC_STATUS_LEN]; /*  80: why the last probe failed, "" after a pass */
};
_Static_assert(sizeof(struct wlbs_rec_check) == 336, "wlbs_rec_check layout");

/* A decoded record (host byte order). */
struct wlbs_rec {
	uint16_t kind;
	union {
		struct wlbs_rec_host host;
		struct wlbs_rec_params params;
		struct wlbs_rec_addr addr;
		struct wlbs_rec_rule rule;
		struct wlbs_rec_packets packets;
		struct wlbs_rec_stats stats;
		struct wlbs_rec_event event;
		struct wlbs_rec_conflict conflict;
		struct wlbs_rec_check check;
	} u;
};

#endif /* WLBS_CONTROL_RECORDS_H */
