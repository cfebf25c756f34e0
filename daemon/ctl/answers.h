/* SPDX-License-Identifier: GPL-2.0 */
/* The records of display, params, stats and queryport answers (ctl/answers.c). */
#ifndef WLBSD_ANSWERS_H
#define WLBSD_ANSWERS_H

#include "wlbs/control.h"

struct wlbsd;

/*
 * Adds to @resp (text already set) the page of records from req->index of
 * the answer to req->command; nothing for commands without records.
 * 0, -ERANGE (index past the answer), -EINVAL/-E2BIG (a record is invalid).
 */
int answer_records(struct wlbsd *d, const struct wlbs_ctl_request *req,
		   struct wlbs_ctl_response *resp);

/*
 * Appends to a query's message one sentence per failing check: its error,
 * the rules it guards, and those min_serving keeps this host serving.
 */
void answer_query_checks(const struct wlbsd *d, struct wlbs_ctl_response *resp);

#endif /* WLBSD_ANSWERS_H */
