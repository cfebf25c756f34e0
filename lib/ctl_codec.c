// SPDX-License-Identifier: GPL-2.0
/* Control message codec: fixed layouts, network byte order, strict checks. */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl_codec.h"
#include "ctl_records.h"
#include "wlbs/common.h"

static const char *const cmd_names[WLBS_CMD_MAX] = {
    [WLBS_CMD_QUERY] = "query",		[WLBS_CMD_START] = "start",
    [WLBS_CMD_STOP] = "stop",		[WLBS_CMD_DRAINSTOP] = "drainstop",
    [WLBS_CMD_SUSPEND] = "suspend",	[WLBS_CMD_RESUME] = "resume",
    [WLBS_CMD_ENABLE] = "enable",	[WLBS_CMD_DISABLE] = "disable",
    [WLBS_CMD_DRAIN] = "drain",		[WLBS_CMD_DISPLAY] = "display",
    [WLBS_CMD_PARAMS] = "params",	[WLBS_CMD_RELOAD] = "reload",
    [WLBS_CMD_QUERYPORT] = "queryport", [WLBS_CMD_STATS] = "stats",
};

static const char *const state_names[WLBS_HS_MAX] = {
    [WLBS_HS_STOPPED] = "stopped",     [WLBS_HS_CONVERGING] = "converging",
    [WLBS_HS_CONVERGED] = "converged", [WLBS_HS_DRAINING] = "draining",
    [WLBS_HS_SUSPENDED] = "suspended",
};

static const char *const cause_names[WLBS_CAUSE_MAX] = {
    [WLBS_CAUSE_NONE] = "none",
    [WLBS_CAUSE_STARTED] = "host started",
    [WLBS_CAUSE_NEW_MEMBER] = "new member",
    [WLBS_CAUSE_MEMBER_LOST] = "member lost",
    [WLBS_CAUSE_DUP_ID] = "duplicate host priority",
    [WLBS_CAUSE_RULE_COUNT] = "different number of port rules",
    [WLBS_CAUSE_RULES] = "different port rules",
    [WLBS_CAUSE_BAD_CONFIG] = "bad configuration",
    [WLBS_CAUSE_RELOAD] = "configuration reloaded",
    [WLBS_CAUSE_LISTENING] = "listening (just started)",
    [WLBS_CAUSE_EXCLUDED_RULES] = "excluded: port rules differ",
    [WLBS_CAUSE_BAD_KEY] = "wrong cluster key",
    [WLBS_CAUSE_HEARS_NOBODY] = "hears no other host",
    [WLBS_CAUSE_VIP_CONFLICT] = "cluster IP conflict",
    [WLBS_CAUSE_ONE_WAY] = "one-way loss: a member does not hear this host",
    [WLBS_CAUSE_NOT_IN_VIEW] = "not in the leader's view yet",
    [WLBS_CAUSE_YIELD] = "yielding to the other side of a healed partition",
};

static const char *const rule_state_names[WLBS_RS_MAX] = {
    [WLBS_RS_NONE] = "none",
    [WLBS_RS_ENABLED] = "enabled",
    [WLBS_RS_DISABLED] = "disabled",
    [WLBS_RS_DRAINING] = "draining",
};

#define NAME_OF(tab, i) ((i) >= 0 && (size_t)(i) < sizeof(tab) / sizeof(tab[0]) ? tab[i] : NULL)

const char *ctl_cmd_name(int cmd)
{
	return NAME_OF(cmd_names, cmd);
}

const char *ctl_state_name(int state)
{
	return NAME_OF(state_names, state);
}

const char *ctl_cause_name(int cause)
{
	return NAME_OF(cause_names, cause);
}

const char *ctl_rule_state_name(int rule_state)
{
	return NAME_OF(rule_state_names, rule_state);
}

int ctl_cmd_from_name(const char *name)
{
	for (int i = 1; i < WLBS_CMD_MAX; i++)
		if (name && !strcmp(cmd_names[i], name))
			return i;
	return -EINVAL;
}

int ctl_cmd_is_paged(int cmd)
{
	/* query: its health check records may take more than one page. */
	return cmd == WLBS_CMD_DISPLAY || cmd == WLBS_CMD_PARAMS || cmd == WLBS_CMD_QUERYPORT ||
	       cmd == WLBS_CMD_STATS || cmd == WLBS_CMD_QUERY;
}

int ctl_cmd_takes_target(int cmd)
{
	return cmd == WLBS_CMD_ENABLE || cmd == WLBS_CMD_DISABLE || cmd == WLBS_CMD_DRAIN ||
	       cmd == WLBS_CMD_QUERYPORT;
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

int ctl_request_check(const struct wlbs_ctl_request *req)
{
	uint16_t t = req->target;

	if (req->command < 1 || req->command >= WLBS_CMD_MAX)
		return -EOPNOTSUPP;
	if (req->host > WLBS_MAX_HOSTS)
		return -EBADMSG;
	/* Only answers with records have pages. */
	if (req->index && !ctl_cmd_is_paged(req->command))
		return -EBADMSG;
	if (t & ~(WLBS_CTL_TGT_ALLPORTS | WLBS_CTL_TGT_PORT | WLBS_CTL_TGT_VIP))
		return -EBADMSG;
	/* Only start has a flag: --force. */
	if (req->flags & ~(req->command == WLBS_CMD_START ? WLBS_CTL_REQ_F_FORCE : 0))
		return -EBADMSG;
	/* Fields that the target does not use must be zero: one meaning per message. */
	if (!(t & WLBS_CTL_TGT_PORT) && req->port)
		return -EBADMSG;
	if (!(t & WLBS_CTL_TGT_VIP) && !all_zero(req->vip, sizeof(req->vip)))
		return -EBADMSG;
	if ((t & WLBS_CTL_TGT_VIP) && all_zero(req->vip, sizeof(req->vip)))
		return -EBADMSG;
	if (!ctl_cmd_takes_target(req->command))
		return t ? -EBADMSG : 0;
	if (req->command == WLBS_CMD_QUERYPORT)
		return (t & WLBS_CTL_TGT_PORT) && !(t & WLBS_CTL_TGT_ALLPORTS) ? 0 : -EBADMSG;
	/* enable/disable/drain: exactly one of "every port" and "this port". */
	if (!(t & WLBS_CTL_TGT_ALLPORTS) == !(t & WLBS_CTL_TGT_PORT))
		return -EBADMSG;
	return 0;
}

static void put_hdr(struct wlbs_ctl_hdr *h, uint8_t type, size_t len, uint32_t id)
{
	h->magic = htobe32(WLBS_CTL_MAGIC);
	h->version = WLBS_CTL_VERSION;
	h->type = type;
	h->length = htobe16((uint16_t)len);
	h->request_id = htobe32(id);
}

int ctl_encode_request(const struct wlbs_ctl_request *req, void *buf, size_t size)
{
	struct wlbs_ctl_req_wire w;

	if (ctl_request_check(req))
		return -EINVAL;
	if (size < sizeof(w))
		return -ENOSPC;
	memset(&w, 0, sizeof(w));
	put_hdr(&w.hdr, WLBS_CTL_TYPE_REQUEST, sizeof(w), req->id);
	w.command = htobe16(req->command);
	w.target = htobe16(req->target);
	w.port = htobe16(req->port);
	w.host = req->host;
	memcpy(w.vip, req->vip, sizeof(w.vip));
	w.index = htobe16(req->index);
	w.flags = htobe16(req->flags);
	memcpy(buf, &w, sizeof(w));
	return sizeof(w);
}

static int response_check(const struct wlbs_ctl_response *r)
{
	/* Command 0: the answer to a request that could not be decoded. */
	if (r->command >= WLBS_CMD_MAX)
		return -EBADMSG;
	if (!wlbs_status_name((int)r->status))
		return -EBADMSG;
	if (r->flags & ~(WLBS_CTL_F_DEFAULT | WLBS_CTL_F_CONVERGED | WLBS_CTL_F_STATE_PERSISTED))
		return -EBADMSG;
	if (r->host > WLBS_MAX_HOSTS || r->state >= WLBS_HS_MAX || r->cause >= WLBS_CAUSE_MAX ||
	    r->rule_state >= WLBS_RS_MAX)
		return -EBADMSG;
	if (r->text_len > WLBS_CTL_TEXT_MAX || r->text_len + r->body_len > WLBS_CTL_BODY_MAX)
		return -EBADMSG;
	/* A page holds records only within the answer; next points past them. */
	if (r->count > r->total || (r->next && (r->next < r->count || r->next >= r->total)) ||
	    (!r->count && r->body_len))
		return -EBADMSG;
	return 0;
}

int ctl_encode_response(const struct wlbs_ctl_response *resp, void *buf, size_t size)
{
	struct wlbs_ctl_resp_wire w;
	size_t tlen = strnlen(resp->text, WLBS_CTL_TEXT_MAX + 1);

	if (response_check(resp) || tlen != resp->text_len ||
	    ctl_recs_check(resp->body, resp->body_len, resp->count))
		return -EINVAL;
	if (size < sizeof(w) + tlen + resp->body_len)
		return -ENOSPC;
	memset(&w, 0, sizeof(w));
	put_hdr(&w.hdr, WLBS_CTL_TYPE_RESPONSE, sizeof(w) + tlen + resp->body_len, resp->id);
	w.command = htobe16(resp->command);
	w.flags = htobe16(resp->flags);
	w.status = htobe32(resp->status);
	w.host = resp->host;
	w.state = resp->state;
	w.cause = resp->cause;
	w.rule_state = resp->rule_state;
	w.members = htobe64(resp->members);
	w.held = htobe64(resp->held);
	w.rule_accepted = htobe64(resp->rule_accepted);
	w.rule_dropped = htobe64(resp->rule_dropped);
	w.text_len = htobe16((uint16_t)tlen);
	w.count = htobe16(resp->count);
	w.total = htobe16(resp->total);
	w.next = htobe16(resp->next);
	memcpy(buf, &w, sizeof(w));
	memcpy((char *)buf + sizeof(w), resp->text, tlen);
	memcpy((char *)buf + sizeof(w) + tlen, resp->body, resp->body_len);
	return (int)(sizeof(w) + tlen + resp->body_len);
}

/* Header checks shared by both decoders; returns the declared length. */
static int check_hdr(const void *buf, size_t len, uint8_t type)
{
	struct wlbs_ctl_hdr h;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	if (be32toh(h.magic) != WLBS_CTL_MAGIC)
		return -EBADMSG;
	if (h.version != WLBS_CTL_VERSION)
		return -EPROTONOSUPPORT;
	if (type && h.type != type)
		return -EBADMSG;
	if (!type && h.type != WLBS_CTL_TYPE_REQUEST && h.type != WLBS_CTL_TYPE_RESPONSE)
		return -EBADMSG;
	return be16toh(h.length);
}

int ctl_msg_len(const void *buf, size_t len)
{
	int n = check_hdr(buf, len, 0);

	if (n < 0)
		return n;
	if ((size_t)n < sizeof(struct wlbs_ctl_hdr) || (size_t)n > len ||
	    (size_t)n > WLBS_CTL_MSG_MAX)
		return -EBADMSG;
	return n;
}

int ctl_peek_id(const void *buf, size_t len, uint32_t *id)
{
	struct wlbs_ctl_hdr h;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	if (be32toh(h.magic) != WLBS_CTL_MAGIC)
		return -EBADMSG;
	*id = be32toh(h.request_id);
	return 0;
}

int ctl_decode_request(const void *buf, size_t len, struct wlbs_ctl_request *req)
{
	struct wlbs_ctl_req_wire w;
	struct wlbs_ctl_request r = {0};
	int n = check_hdr(buf, len, WLBS_CTL_TYPE_REQUEST);
	int err;

	if (n < 0)
		return n;
	if ((size_t)n != len || len != sizeof(w))
		return -EBADMSG;
	memcpy(&w, buf, sizeof(w));
	if (w._pad0)
		return -EBADMSG;
	r.index = be16toh(w.index);
	r.flags = be16toh(w.flags);
	r.id = be32toh(w.hdr.request_id);
	r.command = be16toh(w.command);
	r.target = be16toh(w.target);
	r.port = be16toh(w.port);
	r.host = w.host;
	memcpy(r.vip, w.vip, sizeof(r.vip));
	err = ctl_request_check(&r);
	if (err)
		return err;
	*req = r;
	return 0;
}

int ctl_decode_response(const void *buf, size_t len, struct wlbs_ctl_response *resp)
{
	struct wlbs_ctl_resp_wire w;
	int n = check_hdr(buf, len, WLBS_CTL_TYPE_RESPONSE);
	size_t tlen, blen;
	int err;

	if (n < 0)
		return n;
	if ((size_t)n != len || len < sizeof(w))
		return -EBADMSG;
	memcpy(&w, buf, sizeof(w));
	tlen = be16toh(w.text_len);
	if (tlen > WLBS_CTL_BODY_MAX || len - sizeof(w) < tlen ||
	    len - sizeof(w) - tlen > WLBS_CTL_BODY_MAX - tlen)
		return -EBADMSG;
	if (memchr((const char *)buf + sizeof(w), 0, tlen))
		return -EBADMSG;
	blen = len - sizeof(w) - tlen;
	if (ctl_recs_check((const char *)buf + sizeof(w) + tlen, blen, be16toh(w.count)))
		return -EBADMSG;
	memset(resp, 0, sizeof(*resp));
	resp->id = be32toh(w.hdr.request_id);
	resp->command = be16toh(w.command);
	resp->flags = be16toh(w.flags);
	resp->status = be32toh(w.status);
	resp->host = w.host;
	resp->state = w.state;
	resp->cause = w.cause;
	resp->rule_state = w.rule_state;
	resp->members = be64toh(w.members);
	resp->held = be64toh(w.held);
	resp->rule_accepted = be64toh(w.rule_accepted);
	resp->rule_dropped = be64toh(w.rule_dropped);
	resp->text_len = (uint16_t)tlen;
	memcpy(resp->text, (const char *)buf + sizeof(w), tlen);
	resp->text[tlen] = '\0';
	resp->count = be16toh(w.count);
	resp->total = be16toh(w.total);
	resp->next = be16toh(w.next);
	resp->body_len = (uint16_t)blen;
	memcpy(resp->body, (const char *)buf + sizeof(w) + tlen, blen);
	err = response_check(resp);
	if (err)
		memset(resp, 0, sizeof(*resp));
	return err;
}

void ctl_response_init(struct wlbs_ctl_response *resp, const struct wlbs_ctl_request *req)
{
	memset(resp, 0, sizeof(*resp));
	resp->id = req->id;
	resp->command = req->command;
	resp->status = WLBS_IO_ERROR;
}

int ctl_resp_vappend(struct wlbs_ctl_response *resp, const char *fmt, va_list ap)
{
	size_t room = WLBS_CTL_TEXT_MAX - resp->text_len - resp->body_len;
	int n = vsnprintf(resp->text + resp->text_len, room + 1, fmt, ap);

	if (n < 0)
		return -EINVAL;
	if ((size_t)n > room) {
		resp->text_len += (uint16_t)room;
		return -E2BIG;
	}
	resp->text_len += (uint16_t)n;
	return 0;
}

int ctl_resp_append(struct wlbs_ctl_response *resp, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = ctl_resp_vappend(resp, fmt, ap);
	va_end(ap);
	return err;
}

int ctl_resp_text(struct wlbs_ctl_response *resp, const char *fmt, ...)
{
	va_list ap;
	int err;

	resp->text_len = 0;
	resp->text[0] = '\0';
	va_start(ap, fmt);
	err = ctl_resp_vappend(resp, fmt, ap);
	va_end(ap);
	return err;
}
