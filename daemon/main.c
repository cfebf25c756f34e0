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
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "control.h"
#include "ctl_codec.h"
#include "log.h"
#include "remote.h"
#include "wlbsd.h"

#define WLBSD_VERSION "0.1"

static struct wlbsd daemon_state;

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: wlbsd [-c FILE] [--socket PATH] [--state-dir DIR] [--bpffs DIR] [-v]\n"
	    "       wlbsd --check-config [-c FILE]\n"
	    "       wlbsd --uninstall [--state-dir DIR]\n"
	    "\n"
	    "  -c, --config FILE   configuration (default %s)\n"
	    "      --check-config  validate the configuration and exit (0 = valid)\n"
	    "      --uninstall     remove every trace of wlbs: XDP and tc programs, pinned\n"
	    "                      maps, cluster IPs, MAC filter, sysctls (from the install\n"
	    "                      records in the state directory); unicast: the NIC gets its\n"
	    "                      own MAC back, announced to the neighbours\n"
	    "      --socket PATH   local control socket (default %s)\n"
	    "      --state-dir DIR persisted state and install records (default /var/lib/wlbs)\n"
	    "      --bpffs DIR     bpf filesystem for pinned objects (default /sys/fs/bpf)\n"
	    "  -v, --verbose       debug logging\n",
	    CFG_DEFAULT_PATH, WLBS_CTL_SOCKET);
}

/* Held connections counted under an older rule table move to their slot in the live one. */
static void recount(struct wlbsd *d)
{
	int ret = fp_recount(&d->fp);

	if (ret)
		log_warn("recounting held connections: %s (counts stay off until a reload)",
			 strerror(-ret));
}

/* cluster_check() with the file named in the message, as cfg_load names it. */
static int check_local(const char *path, const struct wlbs_config *c, bool need_iface, char *err,
		       size_t errlen)
{
	char why[400];
	int ret = cluster_check(c, need_iface, why, sizeof(why));

	if (ret)
		snprintf(err, errlen, "%s: %s", path, why);
	return ret;
}

/*
 * The interface was set up for the old cluster MAC (NIC address, multicast
 * filter or IGMP group, and the install record that undoes it): a new one
 * needs a restart, like a new interface.
 */
static bool cluster_mac_changed(const struct wlbs_config *old, const struct wlbs_config *next,
				char *err, size_t errlen)
{
	unsigned char a[6], b[6];
	char sa[IP2MAC_STRLEN], sb[IP2MAC_STRLEN];

	cfg_cluster_mac(old, a);
	cfg_cluster_mac(next, b);
	if (!memcmp(a, b, 6) && old->cluster_mode == next->cluster_mode)
		return false;
	ip2mac_format(a, sa);
	ip2mac_format(b, sb);
	snprintf(err, errlen, "changing the cluster MAC or mode needs a restart (%s %s -> %s %s)",
		 sa, ip2mac_mode_name(old->cluster_mode), sb, ip2mac_mode_name(next->cluster_mode));
	return true;
}

int wlbsd_reload(struct wlbsd *d, char *err, size_t errlen)
{
	struct wlbs_config next, old = d->cfg;
	int ret;

	sd_notify(0, "RELOADING=1");
	ret = cfg_load(d->paths.config, &next, err, errlen);
	if (!ret)
		ret = check_local(d->paths.config, &next, true, err, errlen);
	if (!ret && strcmp(next.ifname, old.ifname)) {
		snprintf(err, errlen, "changing the interface needs a restart (%s -> %s)",
			 old.ifname, next.ifname);
		ret = -EINVAL;
	}
	if (!ret && cluster_mac_changed(&old, &next, err, errlen))
		ret = -EINVAL;
	if (!ret && next.priority != old.priority) {
		snprintf(err, errlen, "changing the host priority needs a restart (%u -> %u)",
			 old.priority, next.priority);
		ret = -EINVAL;
	}
	/* A cluster key that cannot be read refuses the reload before anything changes. */
	if (!ret && next.key_file[0]) {
		struct hb_key key;

		ret = hb_key_load(next.key_file, &key);
		hb_key_clear(&key);
		if (ret)
			snprintf(err, errlen, "cluster key %s: %s", next.key_file,
				 ret == -EINVAL ? "too short" : strerror(-ret));
	}
	/* Remote control first: it refuses without changing anything (unreadable secret). */
	if (!ret && d->remote)
		ret = remote_configure(d->remote, &next, d->fp.cfg, err, errlen);
	if (!ret) {
		d->cfg = next;
		ret = cluster_setup(d, &old, err, errlen);
		if (ret) {
			char ignored[256];

			d->cfg = old;
			cluster_setup(d, NULL, err, errlen);
			if (d->remote)
				remote_configure(d->remote, &old, d->fp.cfg, ignored,
						 sizeof(ignored));
		}
	}
	if (!ret) {
		wlbsd_build_tables(d);
		hs_set_rules(&d->hs, &d->tables); /* keeps per-rule flags of unchanged rules */
		ret = membership_reload(d, err, errlen);
		wlbsd_publish(d);
		recount(d);
		wlbsd_event(d, "configuration reloaded from %s", d->paths.config);
	} else {
		wlbsd_event(d, "reload refused: %s", err);
	}
	sd_notify(0, "READY=1");
	return ret;
}

/* Once per tick: prove we are alive, end a drain when nothing is held. */
static void tick(struct wlbsd *d)
{
	fp_touch(&d->fp, d->cfg.heartbeat_period_ms * d->cfg.heartbeat_tolerance);
	membership_tick(d); /* also counts d->held */
	if (hs_on_held(&d->hs, (uint64_t)d->held)) {
		membership_local_changed(d);
		wlbsd_publish(d);
		if (wlbsd_persist_save(d))
			log_warn("could not save the host state");
		wlbsd_event(d, "drain complete: no connections left, host stopped");
	}
}

static int check_config(const char *path)
{
	struct wlbs_config c;
	char err[512];

	if (cfg_load(path, &c, err, sizeof(err)) ||
	    check_local(path, &c, false, err, sizeof(err))) {
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

/* How far a start got: what a failure has to undo (start_failed()). */
enum start_stage {
	START_NONE,    /* nothing installed yet */
	START_FRESH,   /* no earlier run left anything on the interface */
	START_RESTART, /* an earlier run's install: its fast path may hold connections */
};

static int start(struct wlbsd *d, enum start_stage *stage, char *err, size_t errlen)
{
	enum hs_persist persisted;
	int ret;

	ret = cfg_load(d->paths.config, &d->cfg, err, errlen);
	if (!ret)
		ret = check_local(d->paths.config, &d->cfg, true, err, errlen);
	if (ret)
		return ret;
	if (mkdir(d->paths.state_dir, 0750) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", d->paths.state_dir, strerror(errno));
		return -errno;
	}
	ret = cluster_record(d, err, errlen);
	if (ret < 0)
		return ret;
	*stage = ret ? START_RESTART : START_FRESH;
	ret = fp_open(&d->fp, d->cfg.ifname, d->paths.bpffs, (enum fp_xdp_mode)d->cfg.xdp_mode, err,
		      errlen);
	if (ret)
		return ret;
	fp_touch(&d->fp, d->cfg.heartbeat_period_ms * d->cfg.heartbeat_tolerance);
	ret = cluster_setup(d, NULL, err, errlen);
	if (ret)
		return ret;

	persisted = wlbsd_persist_load(d);
	if (persisted == HS_PERSIST_NONE && d->cfg.initial_state == CFG_INIT_SUSPENDED)
		persisted = HS_PERSIST_SUSPENDED;
	hs_init(&d->hs, d->cfg.priority, persisted, d->cfg.initial_state == CFG_INIT_STARTED);
	wlbsd_build_tables(d);
	hs_set_rules(&d->hs, &d->tables);
	if (hs_fp_state(&d->hs) != WLBS_FP_STOPPED)
		hs_on_converging(&d->hs, 0, WLBS_CAUSE_STARTED);
	ret = membership_start(d, err, errlen);
	if (ret)
		return ret;
	wlbsd_publish(d);
	recount(d); /* the config may differ from the tables the held connections were counted by */
	wlbsd_event(d, "wlbsd %s on %s: %s XDP%s, host %u %s", WLBSD_VERSION, d->cfg.ifname,
		    d->fp.native ? "native" : "generic",
		    d->fp.adopted ? " (adopted the running fast path)" : "", d->cfg.priority,
		    ctl_state_name(hs_state(&d->hs)));
	return 0;
}

/* Leaves the cluster at once: no new connections here; the ones held keep flowing. */
static void leave(struct wlbsd *d)
{
	if (d->fp.cfg && d->fp.cfg->state == WLBS_FP_RUNNING)
		fp_set_state(&d->fp, WLBS_FP_DRAINING);
	membership_io_stop(d);
	if (d->hb_fd >= 0)
		membership_stop(d);
	d->hb_fd = -1;
}

/*
 * A failed start never signals readiness and undoes what it did: a first
 * start leaves nothing behind. A restart is different: the fast path of the
 * earlier run may still carry its connections, so that stays, failing closed
 * (held connections flow, new ones are not taken) until a start succeeds or
 * `wlbsd --uninstall` removes it.
 */
static void start_failed(struct wlbsd *d, enum start_stage stage, const char *why)
{
	const char *ifname = d->cfg.ifname[0] ? d->cfg.ifname : "?";
	char err[512] = "";

	log_err("cannot start on %s: %s", ifname, why);
	sd_notifyf(0, "STATUS=cannot start on %s: %s", ifname, why);
	membership_io_stop(d);
	if (stage == START_RESTART)
		leave(d);
	else if (d->hb_fd >= 0)
		membership_stop(d);
	fp_close(&d->fp);
	if (d->igmp_fd >= 0)
		close(d->igmp_fd);
	if (stage == START_RESTART)
		log_warn("the previous run's fast path stays on %s, failing closed "
			 "(`wlbsd --uninstall` removes it)",
			 ifname);
	else if (stage == START_FRESH &&
		 cluster_teardown(d->paths.state_dir, ifname, err, sizeof(err)))
		log_warn("undoing the failed start on %s: %s", ifname, err);
}

/* The event loop; -errno with a message in @err when it cannot begin (then no READY=1). */
static int run(struct wlbsd *d, char *err, size_t errlen)
{
	long tick_ns = membership_tick_ms(d) * 1000000L;
	struct itimerspec its = {.it_interval = {0, tick_ns}, .it_value = {0, tick_ns}};
	struct epoll_event ev, events[8];
	struct ctl_server *ctl = NULL;
	sigset_t mask;
	int epfd, sigfd, tfd, n, i, ret = 0;
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
		wlbsd_event(d, "remote control off: %s", err);
	ev.events = EPOLLIN;
	ev.data.fd = sigfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sigfd, &ev);
	ev.data.fd = tfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev);
	ev.data.fd = ctl_server_fd(ctl);
	epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	ev.data.fd = membership_fd(d);
	epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	ev.data.fd = remote_fd(d->remote);
	epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	sd_notify(0, "READY=1");

	while (running) {
		n = epoll_wait(epfd, events, 8, -1);
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			int fd = events[i].data.fd;

			if (fd == tfd) {
				uint64_t expirations;

				if (read(tfd, &expirations, sizeof(expirations)) > 0)
					tick(d);
			} else if (fd == sigfd) {
				struct signalfd_siginfo si;

				if (read(sigfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					wlbsd_reload(d, err, errlen);
				} else {
					running = false;
				}
			} else if (fd == remote_fd(d->remote)) {
				remote_on_readable(d->remote);
			} else if (fd == membership_fd(d)) {
				membership_on_readable(d);
			} else {
				ctl_server_on_readable(ctl);
			}
		}
	}

	sd_notify(0, "STOPPING=1");
	leave(d);
	wlbsd_event(d, "wlbsd exiting: host left the cluster, held connections keep flowing");
out:
	if (ctl)
		ctl_server_close(ctl);
	remote_close(d->remote);
	d->remote = NULL;
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
	    {"config", required_argument, NULL, 'c'},	 {"check-config", no_argument, NULL, 'C'},
	    {"uninstall", no_argument, NULL, 'U'},	 {"socket", required_argument, NULL, 'S'},
	    {"state-dir", required_argument, NULL, 'D'}, {"bpffs", required_argument, NULL, 'B'},
	    {"verbose", no_argument, NULL, 'v'},	 {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},	 {},
	};
	struct wlbsd *d = &daemon_state;
	enum start_stage stage = START_NONE;
	bool check = false, remove = false;
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
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("wlbsd %s\n", WLBSD_VERSION);
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

	d->igmp_fd = -1;
	d->hb_fd = -1;
	ret = start(d, &stage, err, sizeof(err));
	if (!ret)
		ret = run(d, err, sizeof(err));
	if (ret) {
		start_failed(d, stage, err);
		return 1;
	}
	fp_close(&d->fp);
	return 0;
}
