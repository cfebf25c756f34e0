// SPDX-License-Identifier: GPL-2.0
/* wlbs: an answer of several pages put together (local socket; remote_client.c for UDP). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "ctl_local.h"
#include "ctl_records.h"

void cli_answer_init(struct cli_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
}

void cli_answer_free(struct cli_answer *ans)
{
	free(ans->recs);
	cli_answer_init(ans);
}

int cli_answer_add(struct cli_answer *ans, const struct wlbs_ctl_response *page, uint16_t index)
{
	struct wlbs_rec rec;
	size_t off = 0;

	if (index != ans->n)
		return -EPROTO;
	if (!index)
		ans->head = *page;
	else if (page->total != ans->head.total || page->status != ans->head.status)
		return -EPROTO; /* the answer changed under us, or another one */
	/* Each page must advance, or the CLI would ask for it forever. */
	if (page->next && page->next != index + page->count)
		return -EPROTO;
	while (ctl_rec_next(page, &off, &rec)) {
		if (ans->n == ans->cap) {
			size_t cap = ans->cap ? ans->cap * 2 : 32;
			struct wlbs_rec *r = realloc(ans->recs, cap * sizeof(*r));

			if (!r)
				return -ENOMEM;
			ans->recs = r;
			ans->cap = cap;
		}
		ans->recs[ans->n++] = rec;
	}
	ans->head.next = page->next;
	return 0;
}

uint16_t cli_answer_next(const struct cli_answer *ans)
{
	return ans->head.next;
}

const struct wlbs_rec *cli_answer_find(const struct cli_answer *ans, int kind)
{
	for (size_t i = 0; i < ans->n; i++)
		if (ans->recs[i].kind == kind)
			return &ans->recs[i];
	return NULL;
}

int cli_answer_local(const char *socket, const struct wlbs_ctl_request *req, int timeout_ms,
		     struct cli_answer *ans)
{
	static struct wlbs_ctl_response page; /* 8 KiB: not on the stack */
	struct wlbs_ctl_request r = *req;
	int err;

	r.index = 0;
	do {
		err = ctl_local_call(socket, &r, &page, timeout_ms);
		if (!err && page.id != r.id)
			err = -EPROTO;
		if (!err)
			err = cli_answer_add(ans, &page, r.index);
		r.index = page.next;
		r.id++;
	} while (!err && r.index);
	return err;
}
