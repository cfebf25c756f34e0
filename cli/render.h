/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rendering an answer's records: text (text.c), JSON (json.c) and the
 * Prometheus text / OpenMetrics exposition of stats (metrics.c).
 */
#ifndef WLBS_CLI_RENDER_H
#define WLBS_CLI_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "answer.h"

/* Names of record field values. */
const char *cli_proto_name(uint8_t proto);
const char *cli_mode_name(uint8_t mode);
const char *cli_affinity_name(uint8_t aff);
const char *cli_cluster_mode_name(uint8_t m);
const char *cli_initial_state_name(uint8_t s);
const char *cli_xdp_mode_name(uint8_t m);
/* "no rule", "not cluster" or the rule's name. */
const char *cli_slot_name(const struct wlbs_rec_packets *p);
/* An address as text, with "/prefix" when @prefix >= 0. */
char *cli_addr_str(const uint8_t addr[16], int v4, int prefix, char *buf, size_t len);

/* The text of a display, params or stats answer (nothing for other commands). */
void cli_text_answer(FILE *f, int command, const struct cli_answer *ans);
/* The remote control lines of display and stats: state, then counters when serving. */
void cli_text_remote(FILE *f, const struct wlbs_rec_stats *s);

/*
 * The JSON object of one host's answer (docs/wlbs-answer.schema.json):
 * host, dedicated_ips, state, default, members, connections, code, status,
 * message, and the command's own object (display, params, stats, queryport).
 */
json_object *cli_json_answer(int command, int exit_code, bool changed,
			     const struct cli_answer *ans);
/* The answer of a host that did not answer: code WLBS_TIMEOUT, status 1103. */
json_object *cli_json_timeout(int command, int host, const char *message);
/* A usage or transport error with --json: code, status, message, exit. */
json_object *cli_json_error(const char *command, const char *code, int exit_code,
			    const char *message);
/* Prints @o on one line and frees it. */
void cli_json_print(FILE *f, json_object *o);

/* stats as exposition text (counters end in _total, "# EOF" last). */
void cli_metrics(FILE *f, const struct cli_answer *ans);
/* Writes @text to @path atomically (temporary file in its directory, rename). 0 or -errno. */
int cli_write_atomic(const char *path, const char *text, size_t len);

#endif /* WLBS_CLI_RENDER_H */
