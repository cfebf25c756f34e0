/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control message codec: struct wlbs_ctl_request/response <-> wire bytes
 * (include/wlbs/control.h). Decoding validates every field; bad input gives
 * an error and never a partially trusted message:
 *   -EBADMSG          truncated, wrong magic/type/length, bad field or target
 *   -EPROTONOSUPPORT  another protocol version
 *   -EOPNOTSUPP       unknown command number
 */
#ifndef WLBS_CTL_CODEC_H
#define WLBS_CTL_CODEC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "wlbs/control.h"

/* Encode into @buf; returns the message length or -EINVAL (invalid), -ENOSPC. */
int ctl_encode_request(const struct wlbs_ctl_request *req, void *buf, size_t size);
int ctl_encode_response(const struct wlbs_ctl_response *resp, void *buf, size_t size);

/* Decode exactly @len bytes (one whole message); 0 or a negative errno above. */
int ctl_decode_request(const void *buf, size_t len, struct wlbs_ctl_request *req);
int ctl_decode_response(const void *buf, size_t len, struct wlbs_ctl_response *resp);

/*
 * Length the header of @buf declares, after checking magic and version, so a
 * transport can split the message from what it appended (e.g. authentication).
 * -EBADMSG if @len is shorter than the header or the declared length.
 */
int ctl_msg_len(const void *buf, size_t len);

/* Request id of a message whose magic is right (to answer a bad request); -EBADMSG. */
int ctl_peek_id(const void *buf, size_t len, uint32_t *id);

/* 0 if @req is a valid request (command known, target fits the command). */
int ctl_request_check(const struct wlbs_ctl_request *req);

/* Empty response to @req (id, command echoed; status WLBS_IO_ERROR until set). */
void ctl_response_init(struct wlbs_ctl_response *resp, const struct wlbs_ctl_request *req);

/* Replace / append the response text; 0, or -E2BIG if it was cut at WLBS_CTL_TEXT_MAX. */
int ctl_resp_text(struct wlbs_ctl_response *resp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ctl_resp_append(struct wlbs_ctl_response *resp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ctl_resp_vappend(struct wlbs_ctl_response *resp, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Names: "drainstop", "converged", "member lost", "draining"; NULL if out of range. */
const char *ctl_cmd_name(int cmd);
const char *ctl_state_name(int state);
const char *ctl_cause_name(int cause);
const char *ctl_rule_state_name(int rule_state);
/* Command number of @name (exact, lower case); -EINVAL if none. */
int ctl_cmd_from_name(const char *name);

/* True if @cmd's answer has records and pages (display, params, queryport, stats). */
int ctl_cmd_is_paged(int cmd);
/* True if @cmd takes a port rule target (enable, disable, drain, queryport). */
int ctl_cmd_takes_target(int cmd);

#endif /* WLBS_CTL_CODEC_H */
