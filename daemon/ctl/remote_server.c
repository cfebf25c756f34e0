// SPDX-License-Identifier: GPL-2.0
/* Remote control server: UDP, authenticated, rate-limited, non-blocking. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctl_codec.h"
#include "log.h"
#include "ctl/remote_server.h"
#include "remote_auth.h"
#include "wlbs/remote.h"

/* Sockets: the configured port and, with convoy_port, 1717. */
#define REMOTE_MAX_SOCKS 2
/* Datagrams read per socket and wake-up, so a flood cannot hog the daemon's loop. */
#define REMOTE_BURST 64
/* Sources tracked by the rate limiter; the least recently seen is evicted. */
#define REMOTE_RATE_SLOTS 256
/* Answers kept to resend when a client retries the same request (lost answer). */
#define REMOTE_ANSWER_CACHE 16
/* Error answers (bad password, clock skew) per second for all sources together. */
#define REMOTE_ERROR_ANSWERS 20
/* Receive buffer: anything longer than a request is oversized anyway. */
#define REMOTE_RX_MAX 512

/* A token bucket in thousandths of a token. */
struct bucket {
	uint64_t last_ms;
	uint32_t milli;
};

struct rate_slot {
	struct in6_addr addr; /* source, IPv4 v4-mapped */
	bool used;
	struct bucket b;
};

struct answer {
	bool used;
	uint8_t nonce[WLBS_REMOTE_NONCE_LEN];
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint16_t len;
	uint8_t data[WLBS_REMOTE_RESP_MAX];
};

struct rsock {
	int fd;
	int family; /* AF_INET6 (dual-stack), or AF_INET where IPv6 is off */
	uint16_t port;
};

/* Where a datagram came from and to which local address (to answer from it). */
struct peer {
	struct sockaddr_storage sa;
	socklen_t len;
	struct in6_addr src; /* v4-mapped for IPv4 */
	bool have_dst;
	struct in6_addr dst;
	int ifindex;
	char name[INET6_ADDRSTRLEN + 8];
};

struct remote_server {
	int epfd;
	ctl_handle_fn handle;
	void *ctx;
	bool enabled;
	char status[256]; /* why it is off, when it is */
	struct remote_key key;
	uint8_t self;
	uint16_t port;
	bool convoy;
	unsigned int rate_limit;
	unsigned int window_s;
	struct wlbs_cfg *fpcfg;
	struct rsock socks[REMOTE_MAX_SOCKS];
	int n_socks;
	unsigned int gen;		   /* bumped when the socket set changes */
	bool serving;			   /* inside the handler (it may reload us) */
	int closing[2 * REMOTE_MAX_SOCKS]; /* sockets to close once the handler returns */
	int n_closing;
	struct remote_replay replay;
	struct rate_slot rates[REMOTE_RATE_SLOTS];
	struct bucket errors;
	struct answer answers[REMOTE_ANSWER_CACHE];
	unsigned int next_answer;
	/* counters */
	uint64_t verdicts[REMOTE_VERDICTS];
	uint64_t answered, retransmitted, rate_limited, unanswered_errors;
	struct log_limit lim;
};

static uint64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Takes a token from @b (refilled at @rate per second, holding at most @rate). */
static bool bucket_take(struct bucket *b, unsigned int rate, uint64_t now)
{
	uint64_t cap = (uint64_t)rate * 1000, milli = b->milli;

	milli += (now - b->last_ms) * rate;
	b->milli = (uint32_t)(milli > cap ? cap : milli);
	b->last_ms = now;
	if (b->milli < 1000)
		return false;
	b->milli -= 1000;
	return true;
}

static bool rate_ok(struct remote_server *rs, const struct in6_addr *src, uint64_t now)
{
	struct rate_slot *s, *victim = &rs->rates[0];

	for (int i = 0; i < REMOTE_RATE_SLOTS; i++) {
		s = &rs->rates[i];
		if (s->used && !memcmp(&s->addr, src, sizeof(*src)))
			return bucket_take(&s->b, rs->rate_limit, now);
		if (!s->used || (victim->used && s->b.last_ms < victim->b.last_ms))
			victim = s;
	}
	victim->used = true;
	victim->addr = *src;
	victim->b.last_ms = now;
	victim->b.milli = rs->rate_limit * 1000;
	return bucket_take(&victim->b, rs->rate_limit, now);
}

/* ---- receive and answer -------------------------------------------------- */

static void peer_from(struct peer *p, struct msghdr *mh)
{
	char addr[INET6_ADDRSTRLEN];

	if (p->sa.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&p->sa;

		p->src = s6->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&p->src))
			inet_ntop(AF_INET, &p->src.s6_addr[12], addr, sizeof(addr));
		else
			inet_ntop(AF_INET6, &p->src, addr, sizeof(addr));
		snprintf(p->name, sizeof(p->name),
			 IN6_IS_ADDR_V4MAPPED(&p->src) ? "%s:%u" : "[%s]:%u", addr,
			 ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&p->sa;

		memset(&p->src, 0, sizeof(p->src));
		p->src.s6_addr[10] = p->src.s6_addr[11] = 0xff;
		memcpy(&p->src.s6_addr[12], &s4->sin_addr, 4);
		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		snprintf(p->name, sizeof(p->name), "%s:%u", addr, ntohs(s4->sin_port));
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			p->dst = pi.ipi6_addr;
			p->ifindex = (int)pi.ipi6_ifindex;
			p->have_dst = true;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memset(&p->dst, 0, sizeof(p->dst));
			p->dst.s6_addr[10] = p->dst.s6_addr[11] = 0xff;
			memcpy(&p->dst.s6_addr[12], &pi.ipi_addr, 4);
			p->ifindex = pi.ipi_ifindex;
			p->have_dst = true;
		}
	}
}

/* Sends from the address the request went to (a cluster IP: every host answers from it). */
static void send_to(const struct rsock *s, const struct peer *p, const void *buf, size_t len)
{
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {
	    .msg_name = (void *)&p->sa,
	    .msg_namelen = p->len,
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	};
	struct cmsghdr *c;

	memset(&ctl, 0, sizeof(ctl));
	if (p->have_dst) {
		mh.msg_control = ctl.b;
		c = (struct cmsghdr *)ctl.b;
		if (s->family == AF_INET6) {
			struct in6_pktinfo pi = {.ipi6_addr = p->dst};

			/* Only a link-local address needs its interface. */
			if (IN6_IS_ADDR_LINKLOCAL(&p->dst))
				pi.ipi6_ifindex = (unsigned int)p->ifindex;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in_pktinfo pi = {0};

			memcpy(&pi.ipi_spec_dst, &p->dst.s6_addr[12], 4);
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	if (sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("remote: answer to %s: %s", p->name, strerror(errno));
}

static void remember(struct remote_server *rs, const struct peer *p,
		     const uint8_t nonce[WLBS_REMOTE_NONCE_LEN], const void *buf, size_t len)
{
	struct answer *a = &rs->answers[rs->next_answer++ % REMOTE_ANSWER_CACHE];

	a->used = true;
	memcpy(a->nonce, nonce, WLBS_REMOTE_NONCE_LEN);
	a->peer = p->sa;
	a->peer_len = p->len;
	a->len = (uint16_t)len;
	memcpy(a->data, buf, len);
}

/* A retried request (same bytes, same source): resend the answer it already got. */
static bool resend(struct remote_server *rs, const struct rsock *s, const struct peer *p,
		   const uint8_t nonce[WLBS_REMOTE_NONCE_LEN])
{
	for (int i = 0; i < REMOTE_ANSWER_CACHE; i++) {
		const struct answer *a = &rs->answers[i];

		if (a->used && a->peer_len == p->len && !memcmp(&a->peer, &p->sa, p->len) &&
		    !memcmp(a->nonce, nonce, WLBS_REMOTE_NONCE_LEN)) {
			send_to(s, p, a->data, a->len);
			return true;
		}
	}
	return false;
}

/* Wraps and sends @resp; @key NULL: the unauthenticated bad-password answer. */
static void answer(struct remote_server *rs, const struct rsock *s, const struct peer *p,
		   const struct wlbs_remote_hdr *h, struct wlbs_ctl_response *resp,
		   const struct remote_key *key, bool cache)
{
	uint8_t out[WLBS_REMOTE_RESP_MAX];
	int n;

	resp->host = rs->self;
	n = remote_wrap_response(key, rs->self, h->nonce, clock_ms(CLOCK_REALTIME), resp, out,
				 sizeof(out));
	if (n < 0) {
		struct wlbs_ctl_request req = {.id = resp->id, .command = resp->command};

		/* The handler produced something invalid: never send it. */
		ctl_response_init(resp, &req);
		resp->host = rs->self;
		resp->status = WLBS_IO_ERROR;
		ctl_resp_text(resp, "Internal error: invalid response.");
		n = remote_wrap_response(key, rs->self, h->nonce, clock_ms(CLOCK_REALTIME), resp,
					 out, sizeof(out));
	}
	if (n < 0)
		return;
	send_to(s, p, out, (size_t)n);
	rs->answered++;
	if (cache)
		remember(rs, p, h->nonce, out, (size_t)n);
}

/* An error answer, within the global budget (spoofed sources must not make us a reflector). */
static void error_answer(struct remote_server *rs, const struct rsock *s, const struct peer *p,
			 const struct wlbs_remote_hdr *h, uint32_t id, uint16_t command,
			 uint32_t status, const struct remote_key *key, const char *text)
{
	struct wlbs_ctl_request req = {.id = id, .command = command};
	struct wlbs_ctl_response resp;

	if (!bucket_take(&rs->errors, REMOTE_ERROR_ANSWERS, clock_ms(CLOCK_MONOTONIC))) {
		rs->unanswered_errors++;
		return;
	}
	ctl_response_init(&resp, &req);
	resp.status = status;
	if (text)
		ctl_resp_text(&resp, "%s", text);
	answer(rs, s, p, h, &resp, key, false);
}

static void decode_error_text(char *buf, size_t len, int err)
{
	if (err == -EPROTONOSUPPORT)
		snprintf(buf, len,
			 "Bad request: control protocol version not supported "
			 "(wlbsd speaks version %u).",
			 WLBS_CTL_VERSION);
	else if (err == -EOPNOTSUPP)
		snprintf(buf, len, "Bad request: unknown command.");
	else
		snprintf(buf, len, "Bad request: malformed control message.");
}

/*
 * NLB changes parameters only on the host itself: a reload over the network
 * would apply a file nobody there checked. The answer carries the host's real
 * state (a query's fields) with WLBS_LOCAL_ONLY.
 */
static int refuse_reload(struct remote_server *rs, const struct wlbs_ctl_request *req,
			 struct wlbs_ctl_response *resp)
{
	struct wlbs_ctl_request q = *req;
	int err;

	q.command = WLBS_CMD_QUERY;
	err = rs->handle(rs->ctx, &q, resp);
	if (err < 0)
		return err;
	resp->status = WLBS_LOCAL_ONLY;
	ctl_resp_text(resp, "Reload refused: the configuration is reloaded only on the host "
			    "itself (run `wlbs reload` there); nothing changed.");
	return 0;
}

/*
 * A well-formed envelope addressed to another host priority: dropped at once,
 * without cryptography, so not charged to its source. A CLI fetching the
 * pages of each host's answer in turn must not spend the others' budgets.
 */
static bool for_another_host(const struct remote_server *rs, const uint8_t *buf, size_t len)
{
	struct wlbs_remote_hdr h;

	if (len < sizeof(h))
		return false;
	memcpy(&h, buf, sizeof(h));
	return be32toh(h.magic) == WLBS_REMOTE_MAGIC && h.version == WLBS_REMOTE_VERSION &&
	       !h.flags && !h._pad && h.host && h.host <= WLBS_MAX_HOSTS && h.host != rs->self;
}

/* One datagram: @len bytes of it in @buf, @wire_len its real size. */
static void serve(struct remote_server *rs, const struct rsock *s, struct peer *p,
		  const uint8_t *buf, size_t len, size_t wire_len)
{
	struct remote_verify_ctx vc = {
	    .key = &rs->key,
	    .self = rs->self,
	    .now_ms = clock_ms(CLOCK_REALTIME),
	    .mono_ms = clock_ms(CLOCK_MONOTONIC),
	    .window_s = rs->window_s,
	    .replay = &rs->replay,
	};
	struct wlbs_ctl_request req = {0};
	struct wlbs_ctl_response resp;
	struct wlbs_remote_hdr h;
	enum remote_verdict v;
	char text[160];
	uint32_t id = 0;
	int derr, err;

	if (wire_len == len && for_another_host(rs, buf, len)) {
		rs->verdicts[REMOTE_OTHER_HOST]++;
		return;
	}
	/* Every other datagram costs its source a token, before any cryptography. */
	if (!rate_ok(rs, &p->src, vc.mono_ms)) {
		rs->rate_limited++;
		log_limited(&rs->lim, LOG_WARNING, "remote: %s: rate limited (%u/s)", p->name,
			    rs->rate_limit);
		return;
	}
	v = wire_len > len ? REMOTE_OVERSIZED
			   : remote_verify_request(&vc, buf, len, &h, &req, &derr);
	rs->verdicts[v]++;
	switch (v) {
	case REMOTE_OK:
		break;
	case REMOTE_OTHER_HOST:
		return;
	case REMOTE_REPLAY:
		if (resend(rs, s, p, h.nonce)) {
			rs->verdicts[v]--;
			rs->retransmitted++;
			return;
		}
		log_limited(&rs->lim, LOG_WARNING, "remote: %s: replayed request refused", p->name);
		return;
	case REMOTE_BAD_MAC:
		log_limited(&rs->lim, LOG_WARNING,
			    "remote: %s: %s refused: bad password (MAC does not verify)", p->name,
			    ctl_cmd_name(req.command));
		error_answer(rs, s, p, &h, req.id, req.command, WLBS_BAD_PASSW, NULL, NULL);
		return;
	case REMOTE_STALE:
	case REMOTE_FUTURE:
		ctl_peek_id(buf + sizeof(h), len - sizeof(h), &id);
		snprintf(text, sizeof(text),
			 "Refused: the request's clock is %llu s %s this host's (allowed %u s): "
			 "check the clocks (NTP).",
			 (unsigned long long)(v == REMOTE_STALE ? vc.now_ms - h.timestamp_ms
								: h.timestamp_ms - vc.now_ms) /
			     1000,
			 v == REMOTE_STALE ? "behind" : "ahead of", rs->window_s);
		log_limited(&rs->lim, LOG_WARNING, "remote: %s: %s", p->name, text);
		error_answer(rs, s, p, &h, id, req.command, WLBS_BAD_PARAMS, &rs->key, text);
		return;
	case REMOTE_BAD_REQUEST:
		ctl_peek_id(buf + sizeof(h), len - sizeof(h), &id);
		decode_error_text(text, sizeof(text), derr);
		log_limited(&rs->lim, LOG_WARNING, "remote: %s: %s", p->name, text);
		error_answer(rs, s, p, &h, id, 0, WLBS_BAD_PARAMS, &rs->key, text);
		return;
	default:
		log_limited(&rs->lim, LOG_WARNING, "remote: %s: dropped %zu bytes: %s", p->name,
			    wire_len, remote_verdict_name(v));
		return;
	}

	ctl_response_init(&resp, &req);
	if (req.command == WLBS_CMD_RELOAD)
		err = refuse_reload(rs, &req, &resp);
	else
		err = rs->handle(rs->ctx, &req, &resp);
	if (err < 0) {
		ctl_response_init(&resp, &req);
		resp.status = WLBS_IO_ERROR;
		ctl_resp_text(&resp, "Internal error: %s.", strerror(-err));
	}
	resp.id = req.id;
	resp.command = req.command;
	if (req.command != WLBS_CMD_QUERY && req.command != WLBS_CMD_QUERYPORT &&
	    req.command != WLBS_CMD_DISPLAY && req.command != WLBS_CMD_PARAMS)
		log_info("remote: %s from %s: %s: %s", ctl_cmd_name(req.command), p->name,
			 wlbs_status_name((int)resp.status) ?: "?", resp.text);
	answer(rs, s, p, &h, &resp, &rs->key, true);
}

static void on_socket(struct remote_server *rs, const struct rsock *s)
{
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		       CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctl;
	uint8_t buf[REMOTE_RX_MAX];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	unsigned int gen = rs->gen;
	struct rsock sock = *s;
	struct msghdr mh;
	struct peer p;
	ssize_t n;

	for (int i = 0; i < REMOTE_BURST && rs->gen == gen; i++) {
		memset(&p, 0, sizeof(p));
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &p.sa;
		mh.msg_namelen = sizeof(p.sa);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		n = recvmsg(sock.fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_limited(&rs->lim, LOG_WARNING, "remote: receive: %s",
					    strerror(errno));
			return;
		}
		p.len = mh.msg_namelen;
		peer_from(&p, &mh);
		/* MSG_TRUNC: n is the datagram's real length. */
		rs->serving = true;
		serve(rs, &sock, &p, buf, (size_t)n > sizeof(buf) ? sizeof(buf) : (size_t)n,
		      (size_t)n);
		rs->serving = false;
		/* A remote `reload` may have replaced the sockets: close the old ones now. */
		while (rs->n_closing > 0)
			close(rs->closing[--rs->n_closing]);
	}
}

int remote_on_readable(struct remote_server *rs)
{
	struct epoll_event evs[REMOTE_MAX_SOCKS];
	int n = epoll_wait(rs->epfd, evs, REMOTE_MAX_SOCKS, 0);
	unsigned int gen = rs->gen;

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n && rs->gen == gen; i++) {
		int k = (int)evs[i].data.u32;

		if (k < rs->n_socks)
			on_socket(rs, &rs->socks[k]);
	}
	return 0;
}

/* ---- configuration -------------------------------------------------------- */

/* A UDP socket on every address: dual-stack IPv6, or IPv4 where IPv6 is off. */
static int open_socket(uint16_t port, struct rsock *out, char *err, size_t errlen)
{
	int one = 1, zero = 0, fd;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6,
					  .sin6_port = htons(port),
					  .sin6_addr = IN6ADDR_ANY_INIT};

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
			goto fail;
		out->family = AF_INET6;
	} else if (errno == EAFNOSUPPORT) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};

		fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto fail;
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
			goto fail;
		out->family = AF_INET;
	} else {
		goto fail;
	}
	out->fd = fd;
	out->port = port;
	return 0;
fail:
	snprintf(err, errlen, "remote control: UDP port %u: %s", port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -errno;
}

static void set_fp_ports(struct wlbs_cfg *fpcfg, uint16_t port, uint16_t legacy)
{
	if (!fpcfg)
		return;
	__atomic_store_n(&fpcfg->ctl_port_legacy, legacy, __ATOMIC_RELEASE);
	__atomic_store_n(&fpcfg->ctl_port, port, __ATOMIC_RELEASE);
}

/* Replaces the socket set with @next (reusing sockets already bound to a port). */
static void install_sockets(struct remote_server *rs, struct rsock *next, int n_next)
{
	struct epoll_event ev = {.events = EPOLLIN};

	for (int i = 0; i < rs->n_socks; i++) {
		bool kept = false;

		for (int k = 0; k < n_next; k++)
			kept |= next[k].fd == rs->socks[i].fd;
		epoll_ctl(rs->epfd, EPOLL_CTL_DEL, rs->socks[i].fd, NULL);
		if (kept)
			continue;
		if (rs->serving && rs->n_closing < 2 * REMOTE_MAX_SOCKS)
			rs->closing[rs->n_closing++] = rs->socks[i].fd;
		else
			close(rs->socks[i].fd);
	}
	rs->gen++;
	for (int k = 0; k < n_next; k++) {
		rs->socks[k] = next[k];
		ev.data.u32 = (uint32_t)k;
		epoll_ctl(rs->epfd, EPOLL_CTL_ADD, next[k].fd, &ev);
	}
	rs->n_socks = n_next;
}

int remote_configure(struct remote_server *rs, const struct wlbs_config *cfg,
		     struct wlbs_cfg *fpcfg, char *err, size_t errlen)
{
	const struct cfg_remote *r = &cfg->remote;
	struct rsock next[REMOTE_MAX_SOCKS];
	uint16_t ports[REMOTE_MAX_SOCKS];
	struct remote_key key;
	int n_ports = 0, n = 0, ret;

	rs->fpcfg = fpcfg;
	if (!r->enabled) {
		install_sockets(rs, next, 0);
		remote_key_wipe(&rs->key);
		rs->enabled = false;
		snprintf(rs->status, sizeof(rs->status), "disabled ([remote] enabled = no)");
		set_fp_ports(fpcfg, 0, 0);
		return 0;
	}
	if (cfg->n_vips < 1) {
		snprintf(err, errlen,
			 "remote control needs a cluster IP (its key is derived "
			 "from the first one)");
		ret = -EINVAL;
		goto out;
	}
	ret = remote_key_from_file(r->secret_file, true, cfg->vips[0].addr.s6_addr, &key, err,
				   errlen);
	if (ret)
		goto out;
	ports[n_ports++] = r->port;
	if (r->convoy_port && r->port != WLBS_CTL_UDP_PORT_LEGACY)
		ports[n_ports++] = WLBS_CTL_UDP_PORT_LEGACY;
	for (n = 0; n < n_ports; n++) {
		int i;

		for (i = 0; i < rs->n_socks && rs->socks[i].port != ports[n]; i++)
			;
		if (i < rs->n_socks) {
			next[n] = rs->socks[i];
			continue;
		}
		ret = open_socket(ports[n], &next[n], err, errlen);
		if (ret)
			goto fail;
	}
	install_sockets(rs, next, n);
	rs->key = key;
	remote_key_wipe(&key);
	rs->enabled = true;
	rs->self = (uint8_t)cfg->priority;
	rs->port = r->port;
	rs->convoy = n_ports > 1;
	rs->rate_limit = r->rate_limit ? r->rate_limit : 1;
	rs->window_s = r->time_window_s;
	rs->status[0] = '\0';
	set_fp_ports(fpcfg, r->port, rs->convoy ? WLBS_CTL_UDP_PORT_LEGACY : 0);
	return 0;
fail:
	/* Close only what this call opened. */
	while (n-- > 0) {
		bool old = false;

		for (int i = 0; i < rs->n_socks; i++)
			old |= rs->socks[i].fd == next[n].fd;
		if (!old)
			close(next[n].fd);
	}
	remote_key_wipe(&key);
out:
	/* Off until now: say why it stays off (display shows it). */
	if (!rs->enabled)
		snprintf(rs->status, sizeof(rs->status), "disabled: %s", err);
	return ret;
}

int remote_open(struct remote_server **out, ctl_handle_fn handle, void *ctx)
{
	struct remote_server *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return -ENOMEM;
	rs->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (rs->epfd < 0) {
		int ret = -errno;

		free(rs);
		return ret;
	}
	rs->handle = handle;
	rs->ctx = ctx;
	rs->lim = (struct log_limit)LOG_LIMIT_INIT(10, 5);
	remote_replay_init(&rs->replay);
	snprintf(rs->status, sizeof(rs->status), "disabled");
	*out = rs;
	return 0;
}

int remote_fd(const struct remote_server *rs)
{
	return rs->epfd;
}

_Static_assert(REMOTE_VERDICTS <= WLBS_REC_REMOTE_MAX, "record room for remote verdicts");

void remote_stats(const struct remote_server *rs, struct wlbs_rec_stats *st)
{
	if (!rs)
		return;
	for (int v = 0; v < REMOTE_VERDICTS; v++)
		st->remote[v] = rs->verdicts[v];
	st->n_remote = REMOTE_VERDICTS;
	st->remote_answered = rs->answered;
	st->remote_retransmitted = rs->retransmitted;
	st->remote_rate_limited = rs->rate_limited;
	st->remote_errors_suppressed = rs->unanswered_errors;
	st->remote_port = rs->port;
	st->remote_rate = rs->rate_limit;
	st->remote_window_s = rs->window_s;
	st->flags |= (rs->enabled ? WLBS_STATF_REMOTE : 0) | (rs->convoy ? WLBS_STATF_CONVOY : 0);
	_Static_assert(sizeof(st->remote_status) >= sizeof(rs->status), "status fits the record");
	if (!rs->enabled)
		memcpy(st->remote_status, rs->status, sizeof(rs->status));
}

void remote_close(struct remote_server *rs)
{
	if (!rs)
		return;
	install_sockets(rs, NULL, 0);
	set_fp_ports(rs->fpcfg, 0, 0);
	remote_key_wipe(&rs->key);
	close(rs->epfd);
	free(rs);
}
