/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `wlbs COMMAND ... CLUSTER[:HOST]`: remote control over UDP (wire format
 * wlbs/remote.h, code lib/remote_auth.h, docs/remote.md). cli_parse()
 * (args.c) reads its options into struct cli_args; run.c calls
 * cli_remote_run() when a CLUSTER was given.
 */
#ifndef WLBS_CLI_REMOTE_CLIENT_H
#define WLBS_CLI_REMOTE_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "answer.h"
#include "cli.h"
#include "remote_auth.h"
#include "wlbs/common.h"

/* Tries per request within the timeout (the same bytes: hosts resend lost answers). */
#define CLI_REMOTE_TRIES 3
/* Once every host in the answers' cluster views has answered, wait this much for stopped ones. */
#define CLI_REMOTE_GRACE_MS 300

/* One host's answer. */
struct cli_remote_answer {
	bool got;
	bool authenticated;	       /* false: the unauthenticated "bad password" answer */
	struct wlbs_ctl_response resp; /* the first page */
	struct cli_answer ans;	       /* every page (cli_remote_run fetches the rest) */
};

struct cli_remote_result {
	struct cli_remote_answer hosts[WLBS_MAX_HOSTS + 1]; /* by host priority */
	int n_answers;
	uint64_t members;     /* union of the authenticated answers' cluster views */
	unsigned int dropped; /* datagrams refused: forged, other nonce, malformed */
	bool unreachable;     /* an ICMP port unreachable came back */
	int sends;	      /* tries sent */
};

/*
 * Sends @req (req->host addressed, 0 = every host) to @dst, resends the same
 * datagram on silence, and collects answers until @timeout_ms or until done:
 * @single: the first answer (from host @want, 0 = any) ends it; otherwise
 * every host of the answers' views has answered, plus CLI_REMOTE_GRACE_MS.
 * 0, or -errno if the socket failed.
 */
int cli_remote_exchange(const struct remote_key *key, const struct sockaddr *dst, socklen_t dst_len,
			const struct wlbs_ctl_request *req, bool single, uint8_t want,
			int timeout_ms, struct cli_remote_result *res);

/*
 * Splits "CLUSTER[:HOST]" ("[v6]:HOST" for an IPv6 cluster, "CLUSTER:[v6]" for
 * an IPv6 dedicated IP). @host is "" when absent. 0 or -EINVAL.
 */
int cli_remote_split(const char *spec, char *cluster, size_t clen, char *host, size_t hlen);

/* The whole remote command: key, address, exchange, output. Returns the exit status. */
int cli_remote_run(const struct cli_args *a, FILE *out, FILE *err);

#endif /* WLBS_CLI_REMOTE_CLIENT_H */
