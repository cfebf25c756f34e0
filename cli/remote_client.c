// SPDX-License-Identifier: GPL-2.0
/* wlbs remote control: addressing, one UDP exchange, per-host output. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sodium.h>

#include "ctl_codec.h"
#include "remote_client.h"
#include "render.h"
#include "wlbs/remote.h"

/* Exit statuses from best to worst: the command's status is its worst host's. */
static const int exit_rank[] = {CLI_EXIT_DONE, CLI_EXIT_ALREADY, CLI_EXIT_FAILED,
				CLI_EXIT_NO_DAEMON, CLI_EXIT_TIMEOUT};

static int worse(int a, int b)
{
	int ra = 0, rb = 0;

	for (int i = 0; i < (int)(sizeof(exit_rank) / sizeof(exit_rank[0])); i++) {
		if (exit_rank[i] == a)
			ra = i;
		if (exit_rank[i] == b)
			rb = i;
	}
	return rb > ra ? b : a;
}

static uint64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- addressing ---------------------------------------------------------- */

/* Strips the brackets of an IPv6 HOST ("[v6]"); -EINVAL if they do not match. */
static int unbracket(char *host)
{
	size_t n = strlen(host);

	if (host[0] != '[')
		return strchr(host, ']') ? -EINVAL : 0;
	if (n < 3 || host[n - 1] != ']')
		return -EINVAL;
	memmove(host, host + 1, n - 2);
	host[n - 2] = '\0';
	return 0;
}

int cli_remote_split(const char *spec, char *cluster, size_t clen, char *host, size_t hlen)
{
	const char *colon, *end;
	size_t n;

	host[0] = '\0';
	if (spec[0] == '[') {
		end = strchr(spec, ']');
		if (!end || end == spec + 1 || (end[1] && (end[1] != ':' || !end[2])))
			return -EINVAL;
		n = (size_t)(end - spec - 1);
		colon = end[1] ? end + 1 : NULL;
		spec++;
	} else {
		colon = strchr(spec, ':');
		/* Two colons or more: a bare IPv6 cluster IP, no HOST; unless HOST is "[v6]". */
		if (colon && colon[1] != '[' && strchr(colon + 1, ':'))
			colon = NULL;
		n = colon ? (size_t)(colon - spec) : strlen(spec);
	}
	if (!n || n >= clen || (colon && (!colon[1] || strlen(colon + 1) >= hlen)))
		return -EINVAL;
	memcpy(cluster, spec, n);
	cluster[n] = '\0';
	if (colon)
		strcpy(host, colon + 1);
	return unbracket(host);
}

static int resolve(const char *name, uint16_t port, struct sockaddr_storage *ss, socklen_t *len,
		   char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *ai;
	char service[8];
	int ret;

	snprintf(service, sizeof(service), "%u", port);
	ret = getaddrinfo(name, service, &hints, &ai);
	if (ret) {
		snprintf(err, errlen, "cannot resolve '%s': %s", name, gai_strerror(ret));
		return -EHOSTUNREACH;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* The address as the daemon keys it: IPv6, or IPv4 as ::ffff:a.b.c.d. */
static void addr16(const struct sockaddr_storage *ss, uint8_t out[16])
{
	memset(out, 0, 16);
	if (ss->ss_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	} else {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	}
}

static int load_key(const struct cli_args *a, const uint8_t cluster_ip[16], struct remote_key *key,
		    char *err, size_t errlen)
{
	const char *secret;
	int ret;

	if (a->password_file)
		return remote_key_from_file(a->password_file, false, cluster_ip, key, err, errlen);
	if (!a->password_env) {
		snprintf(err, errlen,
			 "remote control needs the password: --password-file FILE "
			 "or --password-env VAR");
		return -EINVAL;
	}
	secret = getenv(a->password_env);
	if (!secret || !*secret) {
		snprintf(err, errlen, "environment variable %s is not set or empty",
			 a->password_env);
		return -EINVAL;
	}
	ret = remote_derive_key(secret, strlen(secret), cluster_ip, key);
	if (ret == -EINVAL)
		snprintf(err, errlen, "the password in %s must be %d..%d bytes", a->password_env,
			 WLBS_REMOTE_SECRET_MIN, WLBS_REMOTE_SECRET_MAX);
	else if (ret)
		snprintf(err, errlen, "deriving the key: %s", strerror(-ret));
	return ret;
}

/* ---- the exchange -------------------------------------------------------- */

static bool done(const struct cli_remote_result *res, bool single, uint8_t want)
{
	if (single)
		return want ? res->hosts[want].got : res->n_answers > 0;
	if (!res->n_answers)
		return false;
	for (int p = 1; p <= WLBS_MAX_HOSTS; p++)
		if ((res->members & (1ull << (p - 1))) && !res->hosts[p].got)
			return false;
	return true;
}

static void take(struct cli_remote_result *res, const uint8_t *buf, size_t len,
		 const struct remote_key *key, const uint8_t nonce[WLBS_REMOTE_NONCE_LEN],
		 const struct wlbs_ctl_request *req, bool single, uint8_t want)
{
	static struct wlbs_ctl_response resp; /* 4 KiB: not on the stack */
	struct cli_remote_answer *a;
	int ret;

	ret = remote_unwrap_response(key, buf, len, nonce, &resp, NULL);
	if (ret < 0 || resp.id != req->id || !resp.host ||
	    (resp.command && resp.command != req->command) ||
	    (single && want && resp.host != want)) {
		res->dropped++;
		return;
	}
	a = &res->hosts[resp.host];
	/* An authenticated answer replaces an unauthenticated one; the first of a kind stays. */
	if (a->got && (a->authenticated || ret == 1))
		return;
	if (!a->got)
		res->n_answers++;
	a->got = true;
	a->authenticated = ret == 0;
	a->resp = resp;
	if (ret == 0)
		res->members |= resp.members;
}

int cli_remote_exchange(const struct remote_key *key, const struct sockaddr *dst, socklen_t dst_len,
			const struct wlbs_ctl_request *req, bool single, uint8_t want,
			int timeout_ms, struct cli_remote_result *res)
{
	uint8_t out[WLBS_REMOTE_REQ_LEN], nonce[WLBS_REMOTE_NONCE_LEN];
	uint8_t *in = malloc(WLBS_REMOTE_RESP_MAX + 1);
	uint64_t start = clock_ms(CLOCK_MONOTONIC), now, end, next_send, complete_at = 0;
	struct pollfd pfd = {.events = POLLIN};
	int n, fd, ret = 0;

	memset(res, 0, sizeof(*res));
	if (!in)
		return -ENOMEM;
	n = remote_wrap_request(key, req, clock_ms(CLOCK_REALTIME), nonce, out, sizeof(out));
	if (n < 0) {
		free(in);
		return n;
	}
	fd = socket(dst->sa_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* Connected: the kernel drops datagrams from anyone else and reports ICMP errors. */
	if (fd < 0 || connect(fd, dst, dst_len)) {
		ret = -errno;
		goto out;
	}
	pfd.fd = fd;
	end = start + (uint64_t)timeout_ms;
	next_send = start;
	for (;;) {
		now = clock_ms(CLOCK_MONOTONIC);
		if (done(res, single, want)) {
			if (single)
				break;
			if (!complete_at)
				complete_at = now;
			if (now >= complete_at + CLI_REMOTE_GRACE_MS)
				break;
		} else {
			complete_at = 0;
		}
		if (now >= end)
			break;
		if (now >= next_send && res->sends < CLI_REMOTE_TRIES && !complete_at) {
			if (send(fd, out, (size_t)n, 0) < 0 && errno == ECONNREFUSED)
				res->unreachable = true;
			res->sends++;
			next_send = start + (uint64_t)timeout_ms * res->sends / CLI_REMOTE_TRIES;
		}
		{
			uint64_t until = end;
			ssize_t got;

			if (res->sends < CLI_REMOTE_TRIES && next_send < until)
				until = next_send;
			if (complete_at && complete_at + CLI_REMOTE_GRACE_MS < until)
				until = complete_at + CLI_REMOTE_GRACE_MS;
			if (poll(&pfd, 1, until > now ? (int)(until - now) : 0) < 0 &&
			    errno != EINTR) {
				ret = -errno;
				goto out;
			}
			while ((got = recv(fd, in, WLBS_REMOTE_RESP_MAX + 1, 0)) >= 0 ||
			       errno == ECONNREFUSED) {
				if (got < 0) {
					res->unreachable = true;
					continue;
				}
				if ((size_t)got > WLBS_REMOTE_RESP_MAX)
					res->dropped++;
				else
					take(res, in, (size_t)got, key, nonce, req, single, want);
			}
		}
	}
out:
	if (fd >= 0)
		close(fd);
	free(in);
	return ret;
}

/* ---- output -------------------------------------------------------------- */

static void bad_password_text(struct wlbs_ctl_response *r)
{
	ctl_resp_text(r,
		      "Bad password: host %u could not authenticate the request (wrong "
		      "password, or CLUSTER is not the cluster's first IP, which the key is "
		      "derived from).",
		      r->host);
}

static void print_text(FILE *out, const struct cli_args *a, const struct cli_remote_answer *h)
{
	char prefix[16];
	bool multi = a->command == WLBS_CMD_DISPLAY || a->command == WLBS_CMD_PARAMS ||
		     a->command == WLBS_CMD_STATS;

	snprintf(prefix, sizeof(prefix), "Host %u ", h->resp.host);
	if (multi)
		fprintf(out, "=== Host %u ===\n", h->resp.host);
	else if (strncmp(h->resp.text, prefix, strlen(prefix)))
		fprintf(out, "Host %u: ", h->resp.host);
	cli_print_answer(out, a, &h->ans);
}

/* The same JSON object the local CLI prints for one answer, plus "authenticated". */
static json_object *answer_json(const struct cli_args *a, const struct cli_remote_answer *h)
{
	int code = cli_exit_code(a->command, h->resp.status);
	json_object *o;

	/* An unauthenticated answer says only "bad password": claim no state for the host. */
	if (!h->authenticated) {
		o = cli_json_timeout(a->command, h->resp.host, h->resp.text);
		json_object_object_add(o, "code", json_object_new_string("WLBS_BAD_PASSW"));
		json_object_object_add(o, "status", json_object_new_int(WLBS_BAD_PASSW));
		json_object_object_add(o, "exit", json_object_new_int(code));
	} else {
		o = cli_json_answer(a->command, code, false, &h->ans);
	}
	json_object_object_add(o, "authenticated", json_object_new_boolean(h->authenticated));
	return o;
}

/* A host that did not answer: WLBS_TIMEOUT (1103), in the shape of every answer. */
static json_object *missing_json(const struct cli_args *a, int host, const char *why)
{
	json_object *o = cli_json_timeout(a->command, host, why);

	json_object_object_add(o, "error", json_object_new_string(why));
	json_object_object_add(o, "authenticated", json_object_new_boolean(false));
	return o;
}

static int report(FILE *out, FILE *err, const struct cli_args *a, struct cli_remote_result *res,
		  const char *where, uint8_t want_host, bool single)
{
	json_object *arr = a->json ? json_object_new_array() : NULL;
	int status = CLI_EXIT_DONE;
	char why[512];

	for (int p = 1; p <= WLBS_MAX_HOSTS; p++) {
		struct cli_remote_answer *h = &res->hosts[p];

		if (!h->got)
			continue;
		if (!h->authenticated) {
			bad_password_text(&h->resp);
			h->ans.head = h->resp;
		}
		status = worse(status, cli_exit_code(a->command, h->resp.status));
		if (arr)
			json_object_array_add(arr, answer_json(a, h));
		else
			print_text(out, a, h);
	}
	/* Who stayed silent: the addressed host, or members named in the answers' views. */
	for (int p = 1; p <= WLBS_MAX_HOSTS; p++) {
		bool expected =
		    (single && want_host == p) || (!single && (res->members & (1ull << (p - 1))));

		if (!expected || res->hosts[p].got)
			continue;
		snprintf(why, sizeof(why), "no answer from host %d within %d ms", p, a->timeout_ms);
		status = CLI_EXIT_TIMEOUT;
		if (arr)
			json_object_array_add(arr, missing_json(a, p, why));
		else
			fprintf(out, "Host %d: did not answer within %d ms.\n", p, a->timeout_ms);
	}
	if (!res->n_answers) {
		snprintf(why, sizeof(why), "no answer from %s within %d ms (%d tries)%s", where,
			 a->timeout_ms, res->sends,
			 res->unreachable
			     ? ": port unreachable, remote control is not enabled there"
			     : "");
		status = CLI_EXIT_TIMEOUT;
		if (!arr)
			fprintf(err, "wlbs: %s\n", why);
		else if (!(single && want_host))
			json_object_array_add(arr, missing_json(a, 0, why));
	}
	if (res->dropped && !a->json)
		fprintf(err,
			"wlbs: ignored %u answer(s) that failed authentication or were "
			"not for this request\n",
			res->dropped);
	if (arr) {
		fprintf(out, "%s\n",
			json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	}
	return status;
}

static int fail(FILE *out, FILE *err, const struct cli_args *a, int status, const char *msg)
{
	if (a->json)
		cli_json_print(out, cli_json_error(ctl_cmd_name(a->command) ?: "?",
						   status == CLI_EXIT_USAGE ? "WLBS_BAD_PARAMS"
									    : "WLBS_IO_ERROR",
						   status, msg));
	else
		fprintf(err, "wlbs: %s\n", msg);
	return status;
}

/*
 * The pages after the first, one host at a time: addressed to that host (the
 * others ignore it before any cryptography), same key, fresh nonce and id.
 */
static void fetch_pages(const struct remote_key *key, const struct sockaddr *dst, socklen_t dst_len,
			const struct wlbs_ctl_request *req, int timeout_ms,
			struct cli_remote_result *res)
{
	struct cli_remote_result *more = calloc(1, sizeof(*more));

	for (int p = 1; more && p <= WLBS_MAX_HOSTS; p++) {
		struct cli_remote_answer *h = &res->hosts[p];

		if (!h->got)
			continue;
		cli_answer_init(&h->ans);
		if (cli_answer_add(&h->ans, &h->resp, 0))
			continue;
		while (h->authenticated && cli_answer_next(&h->ans)) {
			struct wlbs_ctl_request r = *req;

			r.host = (uint8_t)p;
			r.index = cli_answer_next(&h->ans);
			randombytes_buf(&r.id, sizeof(r.id));
			if (cli_remote_exchange(key, dst, dst_len, &r, true, (uint8_t)p, timeout_ms,
						more) ||
			    !more->hosts[p].got ||
			    cli_answer_add(&h->ans, &more->hosts[p].resp, r.index)) {
				/* Never a silently short answer: say the host did not finish. */
				h->resp.status = WLBS_TIMEOUT;
				ctl_resp_text(&h->resp,
					      "Host %d answered page 1 but not the page from "
					      "record %u within %d ms.",
					      p, r.index, timeout_ms);
				h->ans.head = h->resp;
				h->ans.head.next = 0;
				break;
			}
		}
	}
	free(more);
}

int cli_remote_run(const struct cli_args *a, FILE *out, FILE *err)
{
	char cluster[128], host[128], msg[512], where[320];
	uint16_t port = a->port ? a->port : WLBS_CTL_UDP_PORT;
	struct wlbs_ctl_request req = a->req;
	struct sockaddr_storage dst;
	struct cli_remote_result *res;
	uint8_t cluster_ip[16], want = 0;
	struct remote_key key;
	socklen_t dst_len;
	bool single = false;
	int ret, status;

	if (cli_remote_split(a->remote, cluster, sizeof(cluster), host, sizeof(host))) {
		snprintf(msg, sizeof(msg), "bad CLUSTER[:HOST] '%s'", a->remote);
		return fail(out, err, a, CLI_EXIT_USAGE, msg);
	}
	if (resolve(cluster, port, &dst, &dst_len, msg, sizeof(msg)))
		return fail(out, err, a, CLI_EXIT_USAGE, msg);
	addr16(&dst, cluster_ip);
	snprintf(where, sizeof(where), "cluster %s port %u", cluster, port);
	if (host[0]) {
		char *end;
		long p = strtol(host, &end, 10);

		single = true;
		if (isdigit((unsigned char)host[0]) && !*end) {
			if (p < 1 || p > WLBS_MAX_HOSTS) {
				snprintf(msg, sizeof(msg), "host priority '%s' is not 1..%d", host,
					 WLBS_MAX_HOSTS);
				return fail(out, err, a, CLI_EXIT_USAGE, msg);
			}
			want = (uint8_t)p;
			snprintf(where, sizeof(where), "host %u of cluster %s port %u", want,
				 cluster, port);
		} else {
			/* A dedicated IP or host name: only that host receives the request. */
			if (resolve(host, port, &dst, &dst_len, msg, sizeof(msg)))
				return fail(out, err, a, CLI_EXIT_USAGE, msg);
			snprintf(where, sizeof(where), "host %s port %u", host, port);
		}
	}
	req.host = want;
	ret = load_key(a, cluster_ip, &key, msg, sizeof(msg));
	if (ret)
		return fail(out, err, a, CLI_EXIT_USAGE, msg);
	randombytes_buf(&req.id, sizeof(req.id));
	res = calloc(1, sizeof(*res));
	if (!res) {
		remote_key_wipe(&key);
		return fail(out, err, a, CLI_EXIT_FAILED, "out of memory");
	}
	ret = cli_remote_exchange(&key, (struct sockaddr *)&dst, dst_len, &req, single, want,
				  a->timeout_ms, res);
	if (!ret)
		fetch_pages(&key, (struct sockaddr *)&dst, dst_len, &req, a->timeout_ms, res);
	remote_key_wipe(&key);
	if (ret) {
		snprintf(msg, sizeof(msg), "%s: %s", where, strerror(-ret));
		status = fail(out, err, a, CLI_EXIT_FAILED, msg);
	} else {
		status = report(out, err, a, res, where, want, single);
	}
	for (int p = 1; p <= WLBS_MAX_HOSTS; p++)
		cli_answer_free(&res->hosts[p].ans);
	free(res);
	return status;
}
