/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One host's whole answer: the first page's header and message, and the
 * records of every page (answer.c fetches them). The renderers (text.c,
 * json.c, metrics.c) read only this.
 */
#ifndef WLBS_CLI_ANSWER_H
#define WLBS_CLI_ANSWER_H

#include <stddef.h>

#include "wlbs/control.h"

struct cli_answer {
	struct wlbs_ctl_response head; /* the first page: status, state, message */
	struct wlbs_rec *recs;	       /* records of every page, in order */
	size_t n, cap;
};

/* Empty answer; cli_answer_free() releases it. */
void cli_answer_init(struct cli_answer *ans);
void cli_answer_free(struct cli_answer *ans);

/*
 * Adds one page: the first sets head; each appends its records. @index is
 * the page's first record. 0, or -EPROTO when the page does not continue the
 * answer (wrong start, a next that does not advance), -ENOMEM.
 */
int cli_answer_add(struct cli_answer *ans, const struct wlbs_ctl_response *page, uint16_t index);

/* The next page to ask for (0: complete). */
uint16_t cli_answer_next(const struct cli_answer *ans);

/* The first record of @kind, NULL if none. */
const struct wlbs_rec *cli_answer_find(const struct cli_answer *ans, int kind);

/* Fetches every page from the local daemon; 0 or a transport error (-errno). */
int cli_answer_local(const char *socket, const struct wlbs_ctl_request *req, int timeout_ms,
		     struct cli_answer *ans);

#endif /* WLBS_CLI_ANSWER_H */
