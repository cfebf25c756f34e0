/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Response codes of every control command. Names and numbers are those of the
 * public WLBS/NLB API (wlbsctrl.h), so operators' scripts that test them carry
 * over. The CLI maps them to exit statuses (docs/control.md).
 */
#ifndef WLBS_STATUS_H
#define WLBS_STATUS_H

enum wlbs_status {
	WLBS_OK = 1000,			/* done: the state changed as asked */
	WLBS_ALREADY = 1001,		/* nothing to do: already in that state */
	WLBS_DRAIN_STOP = 1002,		/* done, and a connection drain was cut short */
	WLBS_BAD_PARAMS = 1003,		/* malformed or unsupported request */
	WLBS_NOT_FOUND = 1004,		/* no port rule covers the target */
	WLBS_STOPPED = 1005,		/* query: stopped; suspend: operations stopped too */
	WLBS_CONVERGING = 1006,		/* query: running, convergence in progress */
	WLBS_CONVERGED = 1007,		/* query: running, converged */
	WLBS_DEFAULT = 1008,		/* query: converged as the default host */
	WLBS_DRAINING = 1009,		/* query: draining connections */
	WLBS_LOCAL_ONLY = 1012,		/* refused remotely: only the host itself may do it */
	WLBS_SUSPENDED = 1013,		/* query: suspended; others: refused, suspended */
	WLBS_MEDIA_DISCONNECTED = 1014, /* the cluster interface has no carrier */
	WLBS_REBOOT = 1050,		/* change applies after a restart */
	WLBS_INIT_ERROR = 1100,		/* the daemon could not initialise */
	WLBS_BAD_PASSW = 1101,		/* not authorised (bad password, permission) */
	WLBS_IO_ERROR = 1102,		/* internal or I/O error */
	WLBS_TIMEOUT = 1103,		/* no answer in time */
	WLBS_PORT_OVERLAP = 1150,	/* port rules overlap */
	WLBS_BAD_PORT_PARAMS = 1151,	/* invalid port rule */
	WLBS_MAX_PORT_RULES = 1152,	/* too many port rules */
	/* Ours, outside NLB's numbers: start waits for a failing health check (or --force). */
	WLBS_CHECK_FAILING = 1200,
};

/* "WLBS_OK" for WLBS_OK; NULL for a number that is not a status code. */
const char *wlbs_status_name(int code);

/* The code named @name ("WLBS_OK" or "OK", any case); -EINVAL if none. */
int wlbs_status_from_name(const char *name);

#endif /* WLBS_STATUS_H */
