// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the checks: one epoll descriptor (health_fd()) that wlbsd's loop
 * watches, holding every probe's socket, pidfd and pipe and a timerfd set to
 * the next probe or deadline. Nothing here blocks, so a check that hangs, or
 * many that fail, cannot delay the loop's control answers (heartbeats have
 * their own thread anyway): a probe past its deadline fails and its process
 * group is killed; its reaping waits for its pidfd, never in the loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "events.h"
#include "health/health.h"
#include "health/probe.h"
#include "log.h"

/* How often a child without a pidfd (old kernel), or a killed leftover, is looked at. */
#define POLL_MS 10
/* How long after a kill its leftovers are looked for (they die within moments). */
#define REAP_MS 500

struct health_run {
	unsigned int idx;     /* its index in struct health */
	struct probe pr;      /* the probe in flight, or idle */
	struct probe_cmd cmd; /* exec: argv and user */
	bool running;	      /* a probe awaits its verdict (a killed one is only reaped) */
	uint64_t started_ms;  /* when the current probe began */
	uint64_t next_ms;     /* when the next begins */
	int reg_fd, reg_out;  /* what is in the epoll set for it */
	uint32_t reg_events;  /* reg_fd's events */
	char target[160];     /* "tcp 127.0.0.1:80", for the events */
	char rules[160];      /* what its action applies to, for the events */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int health_open(struct health *h)
{
	memset(h, 0, sizeof(*h));
	h->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->tfd < 0 || h->epfd < 0 ||
	    epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->tfd,
		      &(struct epoll_event){.events = EPOLLIN, .data.ptr = NULL})) {
		int ret = -errno;

		if (h->tfd >= 0)
			close(h->tfd);
		if (h->epfd >= 0)
			close(h->epfd);
		h->tfd = h->epfd = -1;
		return ret;
	}
	/* Killed checks' grandchildren are ours to reap, even under an init that does not. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	h->open = true;
	return 0;
}

int health_fd(const struct health *h)
{
	return h->open ? h->epfd : -1;
}

/*
 * Keeps one descriptor's epoll entry as the probe wants it. A probe closes
 * its descriptors itself; the entry of a closed one is dropped here before
 * any other probe can open one under that number.
 */
static void watch(struct health *h, struct health_run *r, int *reg, uint32_t *reg_ev, int fd,
		  uint32_t ev)
{
	struct epoll_event e = {.events = ev, .data.ptr = r};

	if (*reg >= 0 && *reg != fd) {
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, *reg, NULL);
		*reg = -1;
	}
	if (fd < 0)
		return;
	if (*reg < 0)
		epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &e);
	else if (*reg_ev != ev)
		epoll_ctl(h->epfd, EPOLL_CTL_MOD, fd, &e);
	*reg = fd;
	*reg_ev = ev;
}

static void sync_watch(struct health *h, struct health_run *r)
{
	uint32_t out_ev = EPOLLIN;

	watch(h, r, &r->reg_fd, &r->reg_events, r->pr.fd, r->pr.events);
	watch(h, r, &r->reg_out, &out_ev, r->pr.out, EPOLLIN);
}

static const char *const type_names[] = {"tcp", "http", "exec"};

/* A probe's verdict into the state machine; a transition is an event. */
static void verdict(struct health *h, struct health_run *r, bool ok, uint64_t now)
{
	struct health_check_state *s = &h->st[r->idx];
	const struct cfg_check *def = &h->def[r->idx];
	bool first = !s->ever_ran;
	uint64_t was_ms = now - s->since_ms;
	char when[40];

	r->running = false;
	if (def->type == CFG_CHECK_EXEC)
		h->reap_until_ms = now + REAP_MS; /* what its process group left behind */
	if (!health_state_result(s, def, ok, now, (int64_t)(now - r->started_ms), r->pr.err))
		return;
	h->changed++;
	if (s->healthy)
		ev_emit(WLBS_EV_CHECK_PASSED, LOG_INFO,
			&(struct ev_fields){.host = h->host, .status = "healthy"},
			"health check %s (%s) healthy %s %.1f s)", s->name, r->target,
			first ? "at its first probe (began" : "again (unhealthy for",
			was_ms / 1000.0);
	if (s->healthy)
		return;
	if (first)
		snprintf(when, sizeof(when), "at its first probe");
	else
		snprintf(when, sizeof(when), "after %u failure%s in a row", s->fails,
			 s->fails == 1 ? "" : "s");
	ev_emit(WLBS_EV_CHECK_FAILED, LOG_WARNING,
		&(struct ev_fields){.host = h->host, .status = "unhealthy"},
		"health check %s (%s) unhealthy %s: %s (%s)", s->name, r->target, when,
		s->last_error, r->rules);
}

static int step(struct health_run *r, const struct cfg_check *def)
{
	switch (def->type) {
	case CFG_CHECK_TCP:
		return probe_tcp_step(&r->pr, def);
	case CFG_CHECK_HTTP:
		return probe_http_step(&r->pr, def);
	default:
		return probe_exec_step(&r->pr);
	}
}

static void start(struct health *h, struct health_run *r, uint64_t now)
{
	const struct cfg_check *def = &h->def[r->idx];
	int v;

	r->started_ms = now;
	r->next_ms = now + def->interval_ms;
	r->running = true;
	r->pr.err[0] = '\0';
	if (def->type == CFG_CHECK_TCP)
		v = probe_tcp_start(&r->pr, def);
	else if (def->type == CFG_CHECK_HTTP)
		v = probe_http_start(&r->pr, def);
	else
		v = probe_exec_start(&r->pr, &r->cmd, def->name);
	sync_watch(h, r);
	if (v != PROBE_PENDING)
		verdict(h, r, v == PROBE_OK, now);
}

/* A probe's descriptor is ready (or a child without pidfd is polled). */
static void on_ready(struct health *h, struct health_run *r, uint64_t now)
{
	int v;

	if (!probe_busy(&r->pr))
		return; /* a late event of a probe already judged */
	v = step(r, &h->def[r->idx]);
	sync_watch(h, r);
	if (v != PROBE_PENDING && r->running)
		verdict(h, r, v == PROBE_OK, now);
}

/*
 * wlbsd is the subreaper of its checks' processes (health_open()): what a
 * killed process group leaves behind becomes our child, not init's, and is
 * reaped here, whatever init does. A finished check child is judged by its
 * probe first (its exit status); anything else is a leftover.
 */
static void reap_strays(struct health *h, uint64_t now)
{
	siginfo_t si;
	unsigned int i;

	for (;;) {
		si.si_pid = 0;
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) || !si.si_pid)
			return;
		for (i = 0; i < h->n && h->run[i]->pr.pid != si.si_pid; i++)
			;
		if (i < h->n)
			on_ready(h, h->run[i], now);
		if (i == h->n || h->run[i]->pr.pid == si.si_pid)
			waitpid(si.si_pid, NULL, WNOHANG);
	}
}

/* Deadlines, polling and due probes; then the timer set to the next of them. */
static void schedule(struct health *h, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	struct itimerspec its = {0};

	for (unsigned int i = 0; i < h->n; i++) {
		struct health_run *r = h->run[i];
		const struct cfg_check *def = &h->def[i];
		uint64_t due;

		if (r->pr.pid > 0 && r->pr.fd < 0)
			on_ready(h, r, now); /* no pidfd: look */
		if (r->running && now >= r->started_ms + def->timeout_ms) {
			probe_abort(&r->pr);
			sync_watch(h, r);
			snprintf(r->pr.err, sizeof(r->pr.err), "no answer within %u ms%s",
				 def->timeout_ms,
				 def->type == CFG_CHECK_EXEC ? " (process group killed)" : "");
			verdict(h, r, false, now);
		}
		/* A killed child still to reap holds the next probe back. */
		if (!r->running && !probe_busy(&r->pr) && now >= r->next_ms)
			start(h, r, now);
		due = r->running	   ? r->started_ms + def->timeout_ms
		      : probe_busy(&r->pr) ? now + POLL_MS
					   : r->next_ms;
		if (r->pr.pid > 0 && r->pr.fd < 0 && due > now + POLL_MS)
			due = now + POLL_MS;
		if (due < next)
			next = due;
	}
	reap_strays(h, now);
	if (now < h->reap_until_ms && next > now + POLL_MS)
		next = now + POLL_MS;
	if (next != UINT64_MAX) {
		uint64_t in = next > now ? next - now : 1;

		its.it_value.tv_sec = in / 1000;
		its.it_value.tv_nsec = (in % 1000) * 1000000;
	}
	timerfd_settime(h->tfd, 0, &its, NULL); /* all zero: disarmed */
}

void health_on_readable(struct health *h)
{
	struct epoll_event evs[CFG_MAX_CHECKS * 2];
	uint64_t expirations, now;
	int n;

	if (!h->open)
		return;
	n = epoll_wait(h->epfd, evs, CFG_MAX_CHECKS * 2, 0);
	now = now_ms();
	for (int i = 0; i < n; i++) {
		if (!evs[i].data.ptr) {
			if (read(h->tfd, &expirations, sizeof(expirations)) < 0) {
				/* EAGAIN: a spurious wake; the schedule below runs anyway */
			}
			continue;
		}
		on_ready(h, evs[i].data.ptr, now);
	}
	schedule(h, now);
}

/* "tcp 10.0.0.2:80" / "http [2001:db8::2]:8080/health" / "exec 'cmd'". */
static void describe(struct health_run *r, const struct cfg_check *def, const struct wlbs_config *c)
{
	char ip[INET6_ADDRSTRLEN];
	size_t n = 0;

	if (def->type == CFG_CHECK_EXEC) {
		snprintf(r->target, sizeof(r->target), "exec '%.140s'", def->command);
	} else {
		inet_ntop(def->addr.v4 ? AF_INET : AF_INET6,
			  def->addr.v4 ? (void *)&def->addr.addr.s6_addr[12]
				       : (void *)&def->addr.addr,
			  ip, sizeof(ip));
		snprintf(r->target, sizeof(r->target),
			 def->addr.v4 ? "%s %s:%u%.100s" : "%s [%s]:%u%.100s",
			 type_names[def->type], ip, def->port,
			 def->type == CFG_CHECK_HTTP ? def->path : "");
	}
	if (def->action == CFG_ACT_STOP) {
		snprintf(r->rules, sizeof(r->rules), "action stop: the whole host");
		return;
	}
	n = snprintf(r->rules, sizeof(r->rules), "action %s: rule%s",
		     def->action == CFG_ACT_DRAIN ? "drain" : "disable",
		     __builtin_popcount(def->rules) == 1 ? "" : "s");
	for (int i = 0; i < c->n_rules && n < sizeof(r->rules); i++)
		if (def->rules & (1u << i))
			n += snprintf(r->rules + n, sizeof(r->rules) - n, " %s", c->rules[i].name);
	if (!def->rules)
		snprintf(r->rules + n, sizeof(r->rules) - n, " none");
}

/* Ends a check's probe: a child still alive after the kill is reaped later (reap_strays()). */
static void retire(struct health *h, struct health_run *r, uint64_t now)
{
	if (r->pr.pid > 0)
		h->reap_until_ms = now + REAP_MS;
	probe_abort(&r->pr);
	r->reg_fd = r->reg_out = -1; /* its descriptors are closed, or closed below */
	if (r->pr.pid > 0 && r->pr.fd >= 0)
		close(r->pr.fd);
	free(r);
}

void health_configure(struct health *h, const struct wlbs_config *c)
{
	struct health_run *run[CFG_MAX_CHECKS] = {0};
	static struct health_check_state st[CFG_MAX_CHECKS]; /* static: 10 kB, one loop */
	static struct cfg_check defs[CFG_MAX_CHECKS];
	bool kept[CFG_MAX_CHECKS] = {0};
	uint64_t now = now_ms();
	unsigned int i, j, n = 0;

	if (!h->open)
		return;
	h->host = c->priority;
	for (j = 0; j < (unsigned int)c->n_checks; j++) {
		const struct cfg_check *def = &c->checks[j];
		struct health_run *r = NULL;

		for (i = 0; i < h->n && !r; i++)
			if (!kept[i] && !memcmp(&h->def[i], def, sizeof(*def))) {
				kept[i] = true;
				r = h->run[i];
				st[n] = h->st[i];
			}
		if (!r) {
			r = calloc(1, sizeof(*r));
			if (!r) {
				log_err("health check %s: out of memory, not run", def->name);
				continue;
			}
			probe_init(&r->pr);
			r->reg_fd = r->reg_out = -1;
			r->next_ms = now;
			if (def->type == CFG_CHECK_EXEC)
				probe_cmd_prepare(&r->cmd, def);
			health_state_init(&st[n], def, now);
		}
		r->idx = n;
		defs[n] = *def;
		describe(r, def, c);
		run[n++] = r;
	}
	/* Removed or changed: stopped; their epoll entries go with their descriptors. */
	for (i = 0; i < h->n; i++)
		if (!kept[i]) {
			watch(h, h->run[i], &h->run[i]->reg_fd, &h->run[i]->reg_events, -1, 0);
			watch(h, h->run[i], &h->run[i]->reg_out, &(uint32_t){0}, -1, 0);
			retire(h, h->run[i], now);
		}
	for (i = 0; i < n; i++) {
		h->run[i] = run[i];
		h->st[i] = st[i];
		h->def[i] = defs[i];
	}
	for (i = 0; i < h->n && kept[i]; i++)
		;
	if (n != h->n || i < h->n)
		h->changed++; /* checks came or went: the failing rules may differ */
	h->n = n;
	schedule(h, now);
}

void health_stop(struct health *h)
{
	unsigned int i;
	pid_t pid = 0;

	if (!h->open)
		return;
	for (i = 0; i < h->n; i++) {
		watch(h, h->run[i], &h->run[i]->reg_fd, &h->run[i]->reg_events, -1, 0);
		watch(h, h->run[i], &h->run[i]->reg_out, &(uint32_t){0}, -1, 0);
		retire(h, h->run[i], 0);
		h->run[i] = NULL;
	}
	if (h->n)
		h->changed++;
	h->n = 0;
	/* Every child is a killed check's (wlbsd runs no other): gone within moments. */
	for (i = 0; i < 100; i++) {
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (pid < 0)
			break;
		usleep(10000);
	}
	if (!pid)
		log_warn("health check processes still alive 1 s after SIGKILL");
	timerfd_settime(h->tfd, 0, &(struct itimerspec){0}, NULL);
}

void health_close(struct health *h)
{
	if (!h->open)
		return;
	health_stop(h);
	close(h->tfd);
	close(h->epfd);
	h->tfd = h->epfd = -1;
	h->open = false;
}

int health_check_local(const struct wlbs_config *c, char *err, size_t errlen)
{
	struct probe_cmd cmd;

	for (int i = 0; i < c->n_checks; i++) {
		if (c->checks[i].type != CFG_CHECK_EXEC)
			continue;
		probe_cmd_prepare(&cmd, &c->checks[i]);
		if (!cmd.ready) {
			snprintf(err, errlen, "[check %s] %s", c->checks[i].name, cmd.err);
			return -EINVAL;
		}
	}
	return 0;
}
