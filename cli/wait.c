// SPDX-License-Identifier: GPL-2.0
/*
 * `wlbs drainstop --wait`: drain-stop, then query until the host is stopped
 * (exit 0) or --timeout runs out while it still drains (exit 5), printing the
 * held connection count each time it changes. It only polls `query`: the
 * daemon ends the drain by itself (hoststate.c), the CLI just watches.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cli.h"
#include "ctl_codec.h"
#include "ctl_local.h"

/* Between two queries: the daemon counts held connections every tick (<= 50 ms). */
#define WAIT_POLL_MS 200

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The single JSON object of --json: the last answer, with the wait's verdict. */
static void print_json(FILE *f, const struct wlbs_ctl_response *r, int code, int64_t waited,
		       const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "command", json_object_new_string("drainstop"));
	json_object_object_add(o, "code",
			       json_object_new_string(wlbs_status_name((int)r->status) ?: ""));
	json_object_object_add(o, "status", json_object_new_int64(r->status));
	json_object_object_add(o, "exit", json_object_new_int(code));
	json_object_object_add(o, "changed", json_object_new_boolean(code == CLI_EXIT_DONE));
	json_object_object_add(o, "state", json_object_new_string(ctl_state_name(r->state)));
	json_object_object_add(o, "host", json_object_new_int(r->host));
	json_object_object_add(o, "connections", json_object_new_int64((int64_t)r->held));
	json_object_object_add(o, "waited_ms", json_object_new_int64(waited));
	json_object_object_add(o, "message", json_object_new_string(msg));
	fprintf(f, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* The end of the wait: its message (text, or the JSON object) and exit status. */
static int finish(FILE *out, const struct cli_args *a, const struct wlbs_ctl_response *r, int code,
		  int64_t t0)
{
	char msg[160];

	if (code == CLI_EXIT_DONE)
		snprintf(msg, sizeof(msg), "Drain complete: host %u is stopped.", r->host);
	else if (code == CLI_EXIT_TIMEOUT)
		snprintf(msg, sizeof(msg),
			 "Timeout after %d ms: host %u is still draining, %llu connection(s) "
			 "held.",
			 a->timeout_ms, r->host, (unsigned long long)r->held);
	else
		snprintf(msg, sizeof(msg), "Drain ended without a stop: host %u is now %s.",
			 r->host, ctl_state_name(r->state));
	if (a->json)
		print_json(out, r, code, mono_ms() - t0, msg);
	else
		fprintf(out, "%s\n", msg);
	return code;
}

/* How long one answer may take: what is left of --timeout, within 0.5..5 s. */
static int answer_ms(const struct cli_args *a, int64_t t0)
{
	int64_t left = a->timeout_set ? a->timeout_ms - (mono_ms() - t0) : CLI_TIMEOUT_MS;

	return left < 500 ? 500 : left > CLI_TIMEOUT_MS ? CLI_TIMEOUT_MS : (int)left;
}

int cli_drain_wait_with(const struct cli_args *a, FILE *out, FILE *err, cli_call_fn call, void *ctx,
			int poll_ms)
{
	struct wlbs_ctl_request q = a->req;
	struct wlbs_ctl_response resp;
	uint64_t last = UINT64_MAX;
	int64_t t0 = mono_ms(), left;
	int e;

	e = call(ctx, &a->req, &resp, answer_ms(a, t0));
	if (e) {
		cli_print_error(out, err, a, e);
		return cli_exit_for_error(e);
	}
	/* Only a drain that runs is waited for: refused, or already stopped, answers as it is. */
	if (resp.status != WLBS_OK &&
	    !(resp.status == WLBS_ALREADY && resp.state == WLBS_HS_DRAINING)) {
		cli_print_response(out, a, &resp);
		return cli_exit_code(a->command, resp.status);
	}
	if (!a->json)
		fprintf(out, "%s\n", resp.text);
	q.command = WLBS_CMD_QUERY;
	for (;;) {
		q.id++;
		e = call(ctx, &q, &resp, answer_ms(a, t0));
		if (e) {
			cli_print_error(out, err, a, e);
			return cli_exit_for_error(e);
		}
		if (resp.state == WLBS_HS_STOPPED)
			return finish(out, a, &resp, CLI_EXIT_DONE, t0);
		if (resp.state != WLBS_HS_DRAINING) /* started again, stopped hard, suspended */
			return finish(out, a, &resp, CLI_EXIT_FAILED, t0);
		if (resp.held != last && !a->json) {
			fprintf(out, "Draining: %llu connection(s) still held.\n",
				(unsigned long long)resp.held);
			fflush(out);
		}
		last = resp.held;
		left = a->timeout_set ? a->timeout_ms - (mono_ms() - t0) : poll_ms;
		if (left <= 0)
			return finish(out, a, &resp, CLI_EXIT_TIMEOUT, t0);
		/* Up to the deadline at most: the last query comes right at it. */
		sleep_ms(left < poll_ms ? (int)left : poll_ms);
	}
}

static int local_call(void *ctx, const struct wlbs_ctl_request *req, struct wlbs_ctl_response *resp,
		      int timeout_ms)
{
	const struct cli_args *a = ctx;

	return ctl_local_call(a->socket, req, resp, timeout_ms);
}

int cli_drain_wait(const struct cli_args *a, FILE *out, FILE *err)
{
	return cli_drain_wait_with(a, out, err, local_call, (void *)a, WAIT_POLL_MS);
}
