/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control protocol: one request and one response format for the local
 * Unix socket and (wrapped with authentication) for remote control over UDP.
 *
 * On the wire every multi-byte field is in network byte order and every
 * message is a fixed header plus, for responses, a bounded body: a one-line
 * message (text) and typed fixed-width records (chrony's candm.h is the model):
 *
 *   request  = struct wlbs_ctl_req_wire                          (40 bytes)
 *   response = struct wlbs_ctl_resp_wire + text + count records  (64..4064 bytes)
 *   record   = struct wlbs_rec_hdr (kind, size) + size bytes of that kind
 *
 * Paging: an answer longer than one message is sent in pages. The request's
 * index names the first record wanted; the response says how many records
 * the whole answer has (total) and where the next page starts (next, 0 =
 * this was the last page). Nothing is ever cut to fit.
 *
 * hdr.length is the size of the message itself. A transport may append data
 * after it (the remote layer appends its authenticator) or wrap it; it hands
 * the codec exactly hdr.length bytes (ctl_msg_len() finds them). Byte offsets
 * are in the struct comments and in docs/control.md.
 * contrib/wireshark/wlbs.lua decodes messages and records too: a layout change
 * (a new command, status, record kind or field) goes there as well.
 *
 * Protocol version history (WLBS_CTL_VERSION):
 *   1  first version: commands query..queryport, response text up to 4000 bytes.
 *   2  typed answers: display, params, queryport and the new stats answer with
 *      records (WLBS_REC_*) after a short message, paged (request index,
 *      response count/total/next); the text is only the message.
 *      Request bytes 38-39 (reserved, 0) became flags (WLBS_CTL_REQ_F_*) in
 *      version 2: a daemon from before them refuses a request that sets one
 *      (WLBS_BAD_PARAMS), so `start --force` never silently means `start`.
 * A daemon answers a request of another version with WLBS_BAD_PARAMS in its
 * own version, so an old CLI gets a readable refusal instead of silence.
 */
#ifndef WLBS_CONTROL_H
#define WLBS_CONTROL_H

#include <stdint.h>

#include "status.h"

/* Default local control socket (the daemon's RuntimeDirectory is /run/wlbs). */
#define WLBS_CTL_SOCKET "/run/wlbs/wlbsd.sock"
/* Group whose members may use the local socket besides root. */
#define WLBS_CTL_GROUP "wlbs"
/* Remote control UDP port, and NLB's legacy (Convoy) port. */
#define WLBS_CTL_UDP_PORT	 2504
#define WLBS_CTL_UDP_PORT_LEGACY 1717

/* "WLBC": first four bytes of every control message. */
#define WLBS_CTL_MAGIC 0x574c4243u
/* Current protocol version; history above. */
#define WLBS_CTL_VERSION 2
/* Longest response body: message text plus records. */
#define WLBS_CTL_BODY_MAX 4000
/* Longest message text (it shares the body with the records). */
#define WLBS_CTL_TEXT_MAX WLBS_CTL_BODY_MAX

/* Message types (hdr.type). */
#define WLBS_CTL_TYPE_REQUEST  1
#define WLBS_CTL_TYPE_RESPONSE 2

/* Commands (request command); numbers are part of the protocol. */
enum wlbs_ctl_cmd {
	WLBS_CMD_QUERY = 1,	 /* state of this host and its cluster view */
	WLBS_CMD_START = 2,	 /* start cluster operations */
	WLBS_CMD_STOP = 3,	 /* stop cluster operations (drops held connections) */
	WLBS_CMD_DRAINSTOP = 4,	 /* take no new connections, stop when none are held */
	WLBS_CMD_SUSPEND = 5,	 /* stop, and ignore control until resume */
	WLBS_CMD_RESUME = 6,	 /* accept control again (stays stopped) */
	WLBS_CMD_ENABLE = 7,	 /* this host takes traffic of the target rules again */
	WLBS_CMD_DISABLE = 8,	 /* this host takes nothing of the target rules */
	WLBS_CMD_DRAIN = 9,	 /* this host takes no new connections of the target rules */
	WLBS_CMD_DISPLAY = 10,	 /* configuration, state and recent events (text) */
	WLBS_CMD_PARAMS = 11,	 /* configuration parameters (text) */
	WLBS_CMD_RELOAD = 12,	 /* re-read the configuration file */
	WLBS_CMD_QUERYPORT = 13, /* state and counters of the rule covering a port */
	WLBS_CMD_STATS = 14,	 /* counters: packets, heartbeats, remote control (v2) */
	WLBS_CMD_MAX,
};

/* Request target bits (request target): which port rules a command acts on. */
#define WLBS_CTL_TGT_ALLPORTS 0x1 /* every port */
#define WLBS_CTL_TGT_PORT     0x2 /* the rule(s) covering port */
#define WLBS_CTL_TGT_VIP      0x4 /* only cluster IP vip (else every cluster IP) */

/* Request flags (request flags). */
#define WLBS_CTL_REQ_F_FORCE 0x1 /* start: at once, even while a health check fails */

/* Host state after a command (response state). */
enum wlbs_host_state {
	WLBS_HS_STOPPED = 0,	/* takes no cluster traffic */
	WLBS_HS_CONVERGING = 1, /* running, hosts agreeing on membership */
	WLBS_HS_CONVERGED = 2,	/* running, membership agreed */
	WLBS_HS_DRAINING = 3,	/* running, takes only connections it holds */
	WLBS_HS_SUSPENDED = 4,	/* stopped, ignores control except resume and query */
	WLBS_HS_MAX,
};

/* Response flags. */
#define WLBS_CTL_F_DEFAULT   0x1 /* this host is the default host */
#define WLBS_CTL_F_CONVERGED 0x2 /* convergence finished (also while draining) */
/* The state after start came from the persisted state file (else from initial_state). */
#define WLBS_CTL_F_STATE_PERSISTED 0x4

/* Why the last convergence started (NLB logged these). */
enum wlbs_conv_cause {
	WLBS_CAUSE_NONE = 0,	    /* not converging since start */
	WLBS_CAUSE_STARTED = 1,	    /* this host started */
	WLBS_CAUSE_NEW_MEMBER = 2,  /* a host joined */
	WLBS_CAUSE_MEMBER_LOST = 3, /* a host's heartbeats stopped */
	WLBS_CAUSE_DUP_ID = 4,	    /* two hosts claim one priority */
	WLBS_CAUSE_RULE_COUNT = 5,  /* a host has a different number of rules */
	WLBS_CAUSE_RULES = 6,	    /* a host has different rules */
	WLBS_CAUSE_BAD_CONFIG = 7,  /* a host's configuration is invalid */
	WLBS_CAUSE_RELOAD = 8,	    /* this host reloaded its configuration */
	/* Why a running host is not (yet) in a view: query names the specific one. */
	WLBS_CAUSE_LISTENING = 9,	/* just started, listening for a cluster */
	WLBS_CAUSE_EXCLUDED_RULES = 10, /* excluded: a larger group runs other port rules */
	WLBS_CAUSE_BAD_KEY = 11,	/* only heartbeats failing authentication are heard */
	WLBS_CAUSE_HEARS_NOBODY = 12,	/* no other host heard (alone on the segment?) */
	WLBS_CAUSE_VIP_CONFLICT = 13,	/* a cluster IP is claimed by another machine */
	WLBS_CAUSE_ONE_WAY = 14,	/* a member does not hear this host (one-way loss) */
	WLBS_CAUSE_NOT_IN_VIEW = 15,	/* the leader's view does not (yet) hold this host */
	WLBS_CAUSE_YIELD = 16,		/* the winning side of a healed partition serves */
	WLBS_CAUSE_MAX,
};

/* State of the rule a queryport answers (response rule_state). */
enum wlbs_rule_state {
	WLBS_RS_NONE = 0,     /* not a queryport answer */
	WLBS_RS_ENABLED = 1,  /* this host takes its share */
	WLBS_RS_DISABLED = 2, /* this host takes nothing (disable, or cluster-wide mode) */
	WLBS_RS_DRAINING = 3, /* this host takes only connections it holds */
	WLBS_RS_MAX,
};

/* ---- wire format (network byte order) ---------------------------------- */

/* Common to requests and responses. */
struct wlbs_ctl_hdr {
	uint32_t magic;	     /*  0: WLBS_CTL_MAGIC */
	uint8_t version;     /*  4: WLBS_CTL_VERSION */
	uint8_t type;	     /*  5: WLBS_CTL_TYPE_* */
	uint16_t length;     /*  6: bytes of this message, header included */
	uint32_t request_id; /*  8: chosen by the client, echoed in the response */
};
_Static_assert(sizeof(struct wlbs_ctl_hdr) == 12, "wlbs_ctl_hdr layout");
_Static_assert(__builtin_offsetof(struct wlbs_ctl_hdr, version) == 4 &&
		   __builtin_offsetof(struct wlbs_ctl_hdr, type) == 5 &&
		   __builtin_offsetof(struct wlbs_ctl_hdr, length) == 6 &&
		   __builtin_offsetof(struct wlbs_ctl_hdr, request_id) == 8,
	       "wlbs_ctl_hdr offsets");

struct wlbs_ctl_req_wire {
	struct wlbs_ctl_hdr hdr; /*  0 */
	uint16_t command;	 /* 12: enum wlbs_ctl_cmd */
	uint16_t target;	 /* 14: WLBS_CTL_TGT_* bits, 0 for host-wide commands */
	uint16_t port;		 /* 16: with WLBS_CTL_TGT_PORT, else 0 */
	uint8_t host;		 /* 18: host priority addressed (remote), 0 = any */
	uint8_t _pad0;		 /* 19: 0 */
	uint8_t vip[16];	 /* 20: with WLBS_CTL_TGT_VIP (IPv4 v4-mapped), else 0 */
	uint16_t index;		 /* 36: first record wanted (paging); 0 for commands without */
	uint16_t flags;		 /* 38: WLBS_CTL_REQ_F_*, 0 for commands without */
};
_Static_assert(sizeof(struct wlbs_ctl_req_wire) == 40, "wlbs_ctl_req_wire layout");
_Static_assert(__builtin_offsetof(struct wlbs_ctl_req_wire, command) == 12 &&
		   __builtin_offsetof(struct wlbs_ctl_req_wire, target) == 14 &&
		   __builtin_offsetof(struct wlbs_ctl_req_wire, port) == 16 &&
		   __builtin_offsetof(struct wlbs_ctl_req_wire, host) == 18 &&
		   __builtin_offsetof(struct wlbs_ctl_req_wire, vip) == 20 &&
		   __builtin_offsetof(struct wlbs_ctl_req_wire, index) == 36 &&
		   __builtin_offsetof(struct wlbs_ctl_req_wire, flags) == 38,
	       "wlbs_ctl_req_wire offsets");

struct wlbs_ctl_resp_wire {
	struct wlbs_ctl_hdr hdr; /*  0 */
	uint16_t command;	 /* 12: the request's command; 0 if it was undecodable */
	uint16_t flags;		 /* 14: WLBS_CTL_F_* */
	uint32_t status;	 /* 16: enum wlbs_status */
	uint8_t host;		 /* 20: this host's priority */
	uint8_t state;		 /* 21: enum wlbs_host_state after the command */
	uint8_t cause;		 /* 22: enum wlbs_conv_cause of the last convergence */
	uint8_t rule_state;	 /* 23: enum wlbs_rule_state (queryport) */
	uint64_t members;	 /* 24: bit p-1 set: host priority p in the cluster view */
	uint64_t held;		 /* 32: connections this host holds */
	uint64_t rule_accepted;	 /* 40: queryport: packets accepted by the rule */
	uint64_t rule_dropped;	 /* 48: queryport: packets dropped by the rule */
	uint16_t text_len;	 /* 56: bytes of text after the header (no NUL) */
	uint16_t count;		 /* 58: records in this message, after the text */
	uint16_t total;		 /* 60: records in the whole answer (every page) */
	uint16_t next;		 /* 62: index of the next page's first record; 0 = last page */
	/* 64: text_len bytes of UTF-8 text (the message), then count records */
};
_Static_assert(sizeof(struct wlbs_ctl_resp_wire) == 64, "wlbs_ctl_resp_wire layout");
_Static_assert(__builtin_offsetof(struct wlbs_ctl_resp_wire, command) == 12 &&
		   __builtin_offsetof(struct wlbs_ctl_resp_wire, flags) == 14 &&
		   __builtin_offsetof(struct wlbs_ctl_resp_wire, status) == 16 &&
		   __builtin_offsetof(struct wlbs_ctl_resp_wire, host) == 20 &&
		   __builtin_offsetof(struct wlbs_ctl_resp_wire, rule_state) == 23 &&
		   __builtin_offsetof(struct wlbs_ctl_resp_wire, members) == 24 &&
		   __builtin_offsetof(struct wlbs_ctl_resp_wire, held) == 32 &&
		   __builtin_offsetof(struct wlbs_ctl_resp_wire, rule_accepted) == 40 &&
		   __builtin_offsetof(struct wlbs_ctl_resp_wire, rule_dropped) == 48 &&
		   __builtin_offsetof(struct wlbs_ctl_resp_wire, text_len) == 56 &&
		   __builtin_offsetof(struct wlbs_ctl_resp_wire, count) == 58 &&
		   __builtin_offsetof(struct wlbs_ctl_resp_wire, total) == 60 &&
		   __builtin_offsetof(struct wlbs_ctl_resp_wire, next) == 62,
	       "wlbs_ctl_resp_wire offsets");

/* Largest message of either kind. */
#define WLBS_CTL_MSG_MAX (sizeof(struct wlbs_ctl_resp_wire) + WLBS_CTL_BODY_MAX)

#include "control_records.h"

/* ---- decoded messages (host byte order) -------------------------------- */

struct wlbs_ctl_request {
	uint32_t id;	  /* request id, echoed */
	uint16_t command; /* enum wlbs_ctl_cmd */
	uint16_t target;  /* WLBS_CTL_TGT_* */
	uint16_t port;	  /* with WLBS_CTL_TGT_PORT */
	uint8_t host;	  /* remote: host priority addressed, 0 = any */
	uint8_t vip[16];  /* with WLBS_CTL_TGT_VIP; IPv4 as ::ffff:a.b.c.d */
	uint16_t index;	  /* first record wanted (display, params, queryport, stats) */
	uint16_t flags;	  /* WLBS_CTL_REQ_F_* (start --force) */
};

struct wlbs_ctl_response {
	uint32_t id;	    /* the request's id */
	uint16_t command;   /* the request's command */
	uint16_t flags;	    /* WLBS_CTL_F_* */
	uint32_t status;    /* enum wlbs_status */
	uint8_t host;	    /* this host's priority */
	uint8_t state;	    /* enum wlbs_host_state */
	uint8_t cause;	    /* enum wlbs_conv_cause */
	uint8_t rule_state; /* enum wlbs_rule_state */
	uint64_t members;   /* cluster view bitmap */
	uint64_t held;	    /* connections held */
	uint64_t rule_accepted;
	uint64_t rule_dropped;
	uint16_t text_len;		  /* strlen(text) */
	char text[WLBS_CTL_TEXT_MAX + 1]; /* NUL-terminated */
	uint16_t count;			  /* records in body */
	uint16_t total;			  /* records of the whole answer */
	uint16_t next;			  /* next page's first record, 0 = none */
	uint16_t body_len;		  /* bytes of records in body */
	uint8_t body[WLBS_CTL_BODY_MAX];  /* records as on the wire (checked); ctl_rec_next() */
};

#endif /* WLBS_CONTROL_H */
