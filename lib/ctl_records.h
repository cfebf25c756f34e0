/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records of control answers (wlbs/control_records.h): encoding into a
 * response body page by page, and decoding one record at a time. The daemon
 * emits the records of a whole answer, in the same order on every page, into
 * a pager; the pager keeps those from the requested index that fit and
 * counts the rest (total, next). Decoding checks every field.
 */
#ifndef WLBS_CTL_RECORDS_H
#define WLBS_CTL_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "wlbs/control.h"

/* Builds one page of an answer into @resp (its text must be set first). */
struct ctl_pager {
	struct wlbs_ctl_response *resp;
	uint16_t from; /* first record wanted (request index) */
	uint32_t seen; /* records emitted so far */
	int full;      /* a record did not fit: the page is closed */
	int err;       /* first encoding error (an invalid record), 0 */
};

void ctl_pager_init(struct ctl_pager *pg, struct wlbs_ctl_response *resp, uint16_t from);
/* Emits the next record of the answer (host byte order); kept if on this page. */
void ctl_pager_add(struct ctl_pager *pg, const struct wlbs_rec *rec);
/* Closes the page: total and next. 0, -EINVAL (an invalid record), -E2BIG (>65535 records). */
int ctl_pager_done(struct ctl_pager *pg);

/* Bytes a record of @kind takes on the wire (header included); 0 if unknown. */
size_t ctl_rec_wire_size(int kind);
/* Encodes @rec at @buf; returns its wire size, -EINVAL (invalid), -ENOSPC. */
int ctl_rec_encode(const struct wlbs_rec *rec, void *buf, size_t size);
/* Decodes one record at @buf; returns its wire size or -EBADMSG. */
int ctl_rec_decode(const void *buf, size_t len, struct wlbs_rec *rec);
/* 0 if the @count records in @body (exactly @len bytes) all decode; else -EBADMSG. */
int ctl_recs_check(const void *body, size_t len, unsigned int count);

/* Walks the records of a decoded response: *@off starts at 0. 1 = @rec set, 0 = end. */
int ctl_rec_next(const struct wlbs_ctl_response *resp, size_t *off, struct wlbs_rec *rec);

/* Names for output: NULL when out of range. */
const char *ctl_rec_kind_name(int kind);
const char *ctl_reason_name(int reason); /* enum wlbs_reason: "owned", "not-owner", ... */
int ctl_reason_accepted(int reason);	 /* 1: a pass/tx verdict */
const char *ctl_hb_drop_name(int drop);	 /* enum wlbs_hb_drop */

#endif /* WLBS_CTL_RECORDS_H */
