// SPDX-License-Identifier: GPL-2.0
/*
 * wlbs stats --openmetrics: the stats answer as exposition text that
 * promtool and node-exporter's textfile collector read (the Prometheus text
 * format; "# EOF" ends it as OpenMetrics wants). Counters end in _total and
 * their HELP/TYPE name the sample (the text format's rule); every counter
 * is listed, zeros too, so series do not come and go.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_records.h"
#include "remote_auth.h"
#include "render.h"
#include "wlbs/common.h"

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label(FILE *f, const char *v)
{
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static void packets(FILE *f, const struct cli_answer *ans)
{
	family(f, "wlbs_packets_total", "counter",
	       "Packets the fast path gave a verdict, by port rule and verdict reason.");
	for (size_t i = 0; i < ans->n; i++) {
		const struct wlbs_rec_packets *p = &ans->recs[i].u.packets;

		if (ans->recs[i].kind != WLBS_REC_PACKETS)
			continue;
		for (int r = 0; r < p->n_reasons; r++) {
			fputs("wlbs_packets_total{rule=", f);
			label(f, cli_slot_name(p));
			fprintf(f, ",reason=\"%s\"} %" PRIu64 "\n", ctl_reason_name(r) ?: "?",
				p->packets[r]);
		}
	}
}

static void held(FILE *f, const struct cli_answer *ans)
{
	family(f, "wlbs_held_connections", "gauge", "Connections this host holds, by port rule.");
	for (size_t i = 0; i < ans->n; i++) {
		if (ans->recs[i].kind != WLBS_REC_RULE)
			continue;
		fputs("wlbs_held_connections{rule=", f);
		label(f, ans->recs[i].u.rule.name);
		fprintf(f, "} %" PRId64 "\n", ans->recs[i].u.rule.held);
	}
}

static void stats(FILE *f, const struct wlbs_rec_stats *s)
{
	int members = 0;

	family(f, "wlbs_heartbeats_sent_total", "counter", "Heartbeats this host sent.");
	fprintf(f, "wlbs_heartbeats_sent_total %" PRIu64 "\n", s->hb_sent);
	family(f, "wlbs_heartbeats_received_total", "counter", "Heartbeats accepted.");
	fprintf(f, "wlbs_heartbeats_received_total %" PRIu64 "\n", s->hb_received);
	family(f, "wlbs_heartbeats_dropped_total", "counter",
	       "Heartbeat frames dropped, by reason.");
	for (int i = 0; i < s->n_hb_drops; i++)
		fprintf(f, "wlbs_heartbeats_dropped_total{reason=\"%s\"} %" PRIu64 "\n",
			ctl_hb_drop_name(i) ?: "?", s->hb_dropped[i]);
	family(f, "wlbs_remote_requests_total", "counter",
	       "Remote control datagrams, by verdict (ok: run and answered).");
	for (int i = 0; i < s->n_remote; i++)
		fprintf(f, "wlbs_remote_requests_total{verdict=\"%s\"} %" PRIu64 "\n",
			remote_verdict_name(i), s->remote[i]);
	fprintf(f, "wlbs_remote_requests_total{verdict=\"rate-limited\"} %" PRIu64 "\n",
		s->remote_rate_limited);
	family(f, "wlbs_remote_answers_total", "counter", "Remote control answers sent.");
	fprintf(f, "wlbs_remote_answers_total %" PRIu64 "\n", s->remote_answered);
	family(f, "wlbs_remote_retransmitted_total", "counter",
	       "Remote control answers resent for a retried request.");
	fprintf(f, "wlbs_remote_retransmitted_total %" PRIu64 "\n", s->remote_retransmitted);
	for (int p = 0; p < WLBS_MAX_HOSTS; p++)
		members += !!(s->members & (1ull << p));
	family(f, "wlbs_members", "gauge", "Hosts in this host's agreed cluster view.");
	fprintf(f, "wlbs_members %d\n", members);
	family(f, "wlbs_convergences_total", "counter", "Times convergence finished since start.");
	fprintf(f, "wlbs_convergences_total %" PRIu64 "\n", s->convergences);
	family(f, "wlbs_convergence_last_duration_seconds", "gauge",
	       "How long the last convergence took.");
	fprintf(f, "wlbs_convergence_last_duration_seconds %.6f\n",
		(double)s->convergence_last_us / 1e6);
	family(f, "wlbs_fragment_entries", "gauge", "First-fragment table entries in use.");
	fprintf(f, "wlbs_fragment_entries %u\n", s->frag_entries);
	family(f, "wlbs_fragment_entries_max", "gauge", "First-fragment table size.");
	fprintf(f, "wlbs_fragment_entries_max %u\n", s->frag_max);
}

/* Health checks: healthy (1/0) and transitions, labelled by check name. */
static void checks(FILE *f, const struct cli_answer *ans)
{
	family(f, "wlbs_check_healthy", "gauge",
	       "1 while the health check passes, 0 while it fails or has not run.");
	for (size_t i = 0; i < ans->n; i++) {
		if (ans->recs[i].kind != WLBS_REC_CHECK)
			continue;
		fputs("wlbs_check_healthy{check=", f);
		label(f, ans->recs[i].u.check.name);
		fprintf(f, "} %d\n", !!(ans->recs[i].u.check.flags & WLBS_CHKF_HEALTHY));
	}
	family(
	    f, "wlbs_check_transitions_total", "counter",
	    "Healthy <-> unhealthy transitions of the health check, the first verdict included.");
	for (size_t i = 0; i < ans->n; i++) {
		if (ans->recs[i].kind != WLBS_REC_CHECK)
			continue;
		fputs("wlbs_check_transitions_total{check=", f);
		label(f, ans->recs[i].u.check.name);
		fprintf(f, "} %" PRIu64 "\n", ans->recs[i].u.check.transitions);
	}
	family(f, "wlbs_check_serving_anyway", "gauge",
	       "1 while the check fails but min_serving keeps a rule it guards served here.");
	for (size_t i = 0; i < ans->n; i++) {
		if (ans->recs[i].kind != WLBS_REC_CHECK)
			continue;
		fputs("wlbs_check_serving_anyway{check=", f);
		label(f, ans->recs[i].u.check.name);
		fprintf(f, "} %d\n", !!(ans->recs[i].u.check.flags & WLBS_CHKF_SERVING));
	}
}

void cli_metrics(FILE *f, const struct cli_answer *ans)
{
	const struct wlbs_rec *s = cli_answer_find(ans, WLBS_REC_STATS);

	packets(f, ans);
	held(f, ans);
	if (s)
		stats(f, &s->u.stats);
	checks(f, ans);
	fputs("# EOF\n", f);
}

int cli_write_atomic(const char *path, const char *text, size_t len)
{
	char *copy = strdup(path), *tmp = NULL;
	int fd = -1, ret = 0;

	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (!copy || asprintf(&tmp, "%s/.%s.XXXXXX", dirname(copy), base) < 0) {
		free(copy);
		return -ENOMEM;
	}
	/* Same directory: rename() replaces the file in one step, readers see old or new. */
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (fchmod(fd, 0644) || write(fd, text, len) != (ssize_t)len || fsync(fd)) {
		ret = errno ? -errno : -EIO;
		unlink(tmp);
		goto out;
	}
	if (close(fd)) {
		fd = -1;
		ret = -errno;
		unlink(tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path)) {
		ret = -errno;
		unlink(tmp);
	}
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(copy);
	return ret;
}
