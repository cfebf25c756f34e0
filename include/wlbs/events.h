/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event kinds: what wlbsd tells the operator about this host and its cluster.
 * Each kind has a stable number (in `display` answers and `--json`), a stable
 * name (WLBS_EVENT= in the journal) and a 128-bit journal MESSAGE_ID; the
 * journal catalog (systemd/wlbs.catalog) explains each ID. Numbers, names and
 * IDs never change meaning; new kinds are appended.
 */
#ifndef WLBS_EVENTS_H
#define WLBS_EVENTS_H

enum wlbs_event_kind {
	WLBS_EV_NONE = 0,
	WLBS_EV_START = 1,	 /* wlbsd started: version, host, interface, state source */
	WLBS_EV_EXIT = 2,	 /* wlbsd exits (stopped, or left with connections held) */
	WLBS_EV_HOST_JOINED = 3, /* a host entered this host's view */
	WLBS_EV_HOST_LEFT = 4,	 /* a host left the view: stopped, drained, vanished, excluded */
	WLBS_EV_CONVERGED = 5,	 /* converged: members (DEFAULT on the default host) */
	WLBS_EV_PARTITION = 6,	 /* two views, or two default hosts, on one cluster */
	WLBS_EV_PARTITION_HEALED = 7,  /* the views met again in one */
	WLBS_EV_DUP_PRIORITY = 8,      /* two hosts claim one host priority */
	WLBS_EV_RULES_DIFFER = 9,      /* a host runs other port rules (which rule, how) */
	WLBS_EV_BAD_AUTH = 10,	       /* heartbeats failing authentication (from which MAC) */
	WLBS_EV_VIP_CLAIMED = 11,      /* a cluster IP announced by a MAC not the cluster's */
	WLBS_EV_COMMAND = 12,	       /* an operator command changed this host's state */
	WLBS_EV_RELOAD = 13,	       /* configuration reloaded */
	WLBS_EV_RELOAD_REFUSED = 14,   /* reload refused, running configuration kept */
	WLBS_EV_DRAIN_DONE = 15,       /* drainstop finished: no connections left */
	WLBS_EV_REMOTE_OFF = 16,       /* remote control could not be opened */
	WLBS_EV_KEY_MISMATCH = 17,     /* standing down: only heartbeats with another key heard */
	WLBS_EV_CONFLICT_CLEARED = 18, /* a duplicate, rule or IP conflict went away */
	WLBS_EV_CHECK_FAILED = 19,     /* a health check became unhealthy (which, why, action) */
	WLBS_EV_CHECK_PASSED = 20,     /* a health check became healthy (again) */
	WLBS_EV_MAX,
};

#endif /* WLBS_EVENTS_H */
