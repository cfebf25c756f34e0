// SPDX-License-Identifier: GPL-2.0
/*
 * wlbsd: loads and attaches the fast path, keeps it fed, answers control.
 * One epoll loop: control socket, signals, a periodic tick, heartbeats that
 * the heartbeat thread (hbio.h) received; that thread alone sends them.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "ctl/commands.h"
#include "ctl/control.h"
#include "ctl/remote_server.h"
#include "events.h"
#include "lifecycle.h"
#include "log.h"
#include "net/cluster.h"
#include "publish.h"
#include "watchdog.h"
#include "wlbsd.h"

static struct wlbsd daemon_state;

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: wlbsd [-c FILE] [--socket PATH] [--state-dir DIR] [--bpffs DIR] [-v]\n"
	    "             [--log-target auto|journal|stderr]\n"
	    "       wlbsd --check-config [-c FILE]\n"
	    "       wlbsd --uninstall [--state-dir DIR]\n"
	    "       wlbsd --version\n"
	    "\n"
	    "  -c, --config FILE   configuration (default %s)\n"
	    "      --check-config  validate the configuration, print every error (0 = valid)\n"
	    "      --uninstall     remove every trace of wlbs: XDP and tc programs, pinned\n"
	    "                      maps, cluster IPs, MAC filter, sysctls (from the install\n"
	    "                      records in the state directory); unicast: the NIC gets its\n"
	    "                      own MAC back, announced to the neighbours\n"
	    "      --socket PATH   local control socket (default %s)\n"
	    "      --state-dir DIR persisted state and install records (default /var/lib/wlbs)\n"
	    "      --bpffs DIR     bpf filesystem for pinned objects (default /sys/fs/bpf)\n"
	    "  -v, --verbose       debug logging\n"
	    "      --log-target T  events and log lines to the journal (native protocol,\n"
	    "                      MESSAGE_ID and WLBS_* fields) or stderr; auto (default):\n"
	    "                      the journal when stderr is the journal's stream\n",
	    CFG_DEFAULT_PATH, WLBS_CTL_SOCKET);
}

/*
 * Every error of the file, one a line; then, for a valid file, what only this
 * machine can tell (the interface, the dedicated IPs), which needs the whole
 * configuration.
 */
static int check_config(const char *path)
{
	static char err[65536];
	struct wlbs_config c;
	unsigned int n = 0, shown = 1;

	if (cfg_load_all(path, &c, err, sizeof(err), &n)) {
		for (const char *s = err; *s; s++)
			shown += *s == '\n';
		fprintf(stderr, "%s\n", err);
		if (n > 1)
			fprintf(stderr, "%s: %u errors%s\n", path, n,
				shown < n ? " (the first ones shown)" : "");
		return 1;
	}
	if (wlbsd_check_local(path, &c, false, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%s: valid (%d cluster IP(s), %d port rule(s), host priority %u)\n", path, c.n_vips,
	       c.n_rules, c.priority);
	return 0;
}

static int uninstall(const char *state_dir)
{
	char err[512] = "";
	int ret = cluster_teardown(state_dir, NULL, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "wlbsd: uninstall: %s\n", err);
		return 1;
	}
	printf("wlbsd: removed\n");
	return 0;
}

/* Readable @fd wakes the loop. */
static void watch(int epfd, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* The event loop; -errno with a message in @err when it cannot begin (then no READY=1). */
static int run(struct wlbsd *d, char *err, size_t errlen)
{
	long tick_ns = membership_tick_ms(d) * 1000000L;
	struct itimerspec its = {.it_interval = {0, tick_ns}, .it_value = {0, tick_ns}};
	struct epoll_event events[8];
	struct ctl_server *ctl = NULL;
	sigset_t mask;
	int epfd, sigfd, tfd, wdfd = -1, n, i, ret = 0;
	bool running = true;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sigfd < 0 || tfd < 0 || epfd < 0 || timerfd_settime(tfd, 0, &its, NULL)) {
		ret = -errno;
		snprintf(err, errlen, "event loop setup: %s", strerror(-ret));
		goto out;
	}
	ret = ctl_server_open(&ctl, d->paths.socket, wlbsd_handle, d);
	if (ret) {
		snprintf(err, errlen, "control socket %s: %s", d->paths.socket, strerror(-ret));
		goto out;
	}
	ret = remote_open(&d->remote, wlbsd_handle, d);
	if (ret) {
		snprintf(err, errlen, "remote control: %s", strerror(-ret));
		goto out;
	}
	/* A remote control problem leaves the host balancing; display says why it is off. */
	if (remote_configure(d->remote, &d->cfg, d->fp.cfg, err, errlen))
		ev_emit(WLBS_EV_REMOTE_OFF, LOG_WARNING, NULL, "remote control off: %s", err);
	watch(epfd, sigfd);
	watch(epfd, tfd);
	watch(epfd, ctl_server_fd(ctl));
	watch(epfd, membership_fd(d));
	watch(epfd, remote_fd(d->remote));
	if (health_fd(&d->health) >= 0)
		watch(epfd, health_fd(&d->health));
	wdfd = wd_open(); /* here, not in the heartbeat thread: a wedged loop must stop it */
	if (wdfd >= 0)
		watch(epfd, wdfd);
	sd_notify(0, "READY=1");

	while (running) {
		n = epoll_wait(epfd, events, 8, membership_wait_ms(d));
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
		if (n == 0) /* a changed heartbeat is due: convergence runs at network speed */
			membership_tick(d);
		for (i = 0; i < n; i++) {
			int fd = events[i].data.fd;

			if (fd == tfd) {
				uint64_t expirations;

				if (read(tfd, &expirations, sizeof(expirations)) > 0)
					wlbsd_tick(d);
			} else if (fd == sigfd) {
				struct signalfd_siginfo si;

				if (read(sigfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					wlbsd_reload(d, err, errlen);
				} else {
					running = false;
				}
			} else if (fd == wdfd) {
				wd_on_readable(wdfd);
			} else if (fd == remote_fd(d->remote)) {
				remote_on_readable(d->remote);
			} else if (fd == membership_fd(d)) {
				membership_on_readable(d);
			} else if (fd == health_fd(&d->health)) {
				health_on_readable(&d->health);
				/* A verdict changed: act now, not at the next tick (failover time).
				 */
				if (health_changed(&d->health) != d->health_seen) {
					d->health_seen = health_changed(&d->health);
					wlbsd_tick(d);
				}
			} else {
				ctl_server_on_readable(ctl);
			}
		}
	}

	wlbsd_stop(d);
out:
	if (ctl)
		ctl_server_close(ctl);
	remote_close(d->remote);
	d->remote = NULL;
	if (wdfd >= 0)
		close(wdfd);
	if (epfd >= 0)
		close(epfd);
	if (tfd >= 0)
		close(tfd);
	if (sigfd >= 0)
		close(sigfd);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"uninstall", no_argument, NULL, 'U'},
	    {"socket", required_argument, NULL, 'S'},
	    {"state-dir", required_argument, NULL, 'D'},
	    {"bpffs", required_argument, NULL, 'B'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"log-target", required_argument, NULL, 'L'},
	    /* Hidden: the parser's key table, so the man page test compares against it. */
	    {"list-keys", no_argument, NULL, 'K'},
	    {},
	};
	struct wlbsd *d = &daemon_state;
	enum wlbsd_start_stage stage = WLBSD_START_NONE;
	bool check = false, remove = false;
	const char *log_target = "auto";
	char err[512];
	int c, ret;

	d->paths.config = CFG_DEFAULT_PATH;
	d->paths.socket = WLBS_CTL_SOCKET;
	d->paths.state_dir = "/var/lib/wlbs";
	d->paths.bpffs = "/sys/fs/bpf";
	while ((c = getopt_long(argc, argv, "c:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d->paths.config = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'U':
			remove = true;
			break;
		case 'S':
			d->paths.socket = optarg;
			break;
		case 'D':
			d->paths.state_dir = optarg;
			break;
		case 'B':
			d->paths.bpffs = optarg;
			break;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'L':
			log_target = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("wlbsd %s\n", WLBSD_VERSION);
			return 0;
		case 'K':
			cfg_list_keys(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check)
		return check_config(d->paths.config);
	if (remove)
		return uninstall(d->paths.state_dir);

	if (ev_set_target(log_target)) {
		fprintf(stderr, "wlbsd: --log-target: '%s' is not auto, journal or stderr\n",
			log_target);
		return 2;
	}
	d->igmp_fd = -1;
	d->hb_fd = -1;
	ret = wlbsd_start(d, &stage, err, sizeof(err));
	if (!ret)
		ret = run(d, err, sizeof(err));
	if (ret) {
		wlbsd_start_failed(d, stage, err);
		return 1;
	}
	fp_close(&d->fp);
	ev_reset();
	return 0;
}
