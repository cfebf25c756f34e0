// SPDX-License-Identifier: GPL-2.0
/*
 * The probes and their runner against real sockets and processes on this
 * machine (no namespace): the HTTP status line parser, the exec argv split,
 * a tcp and an http check against a listener on 127.0.0.1, exec checks that
 * pass, fail, and hang past their deadline with a grandchild (killed, reaped,
 * nothing left), and a storm of 32 failing checks at 50 ms while a 10 ms
 * tick, as wlbsd's loop has, keeps its time (the figures are printed).
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "events.h"
#include "health/health.h"
#include "health/probe.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* This thread's CPU time: what the loop itself spends, without its preemption. */
static uint64_t cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void test_http_status_line(void **state)
{
	static const struct {
		const char *text;
		int ret;
		unsigned int status;
	} cases[] = {
	    {"HTTP/1.0 200 OK\r\n", 1, 200},
	    {"HTTP/1.1 503 Service Unavailable\r\nServer: x\r\n", 1, 503},
	    {"HTTP/1.1 204\r\n", 1, 204},
	    {"HTTP/1.0 404 Not Found\n", 1, 404},
	    {"", 0, 0},
	    {"HTT", 0, 0},
	    {"HTTP/1.", 0, 0},
	    {"HTTP/1.1 20", 0, 0},
	    {"HTTP/1.1 200 OK", 0, 0}, /* no line end yet */
	    {"SSH-2.0-OpenSSH_9.2\r\n", -1, 0},
	    {"HTTP/1.1 2x0 OK\r\n", -1, 0},
	    {"HTTP/1.1 2000 OK\r\n", -1, 0},
	    {"HTTP/11 200 OK\r\n", -1, 0},
	    {"http/1.1 200 OK\r\n", -1, 0},
	};
	unsigned int status;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		status = 0;
		if (probe_http_status(cases[i].text, strlen(cases[i].text), &status) !=
		    cases[i].ret)
			fail_msg("'%s': expected %d", cases[i].text, cases[i].ret);
		if (cases[i].ret == 1)
			assert_int_equal(status, cases[i].status);
	}
}

static void test_exec_argv_split(void **state)
{
	char buf[256], *argv[33], line[200] = "";
	int i;

	(void)state;
	assert_int_equal(probe_split_argv("  a b\tc  ", buf, sizeof(buf), argv, 33), 3);
	assert_string_equal(argv[0], "a");
	assert_string_equal(argv[2], "c");
	assert_null(argv[3]);
	assert_int_equal(
	    probe_split_argv("curl -fs 'http://x/a b' \"c d\"", buf, sizeof(buf), argv, 33), 4);
	assert_string_equal(argv[2], "http://x/a b");
	assert_string_equal(argv[3], "c d");
	assert_int_equal(
	    probe_split_argv("a\\ b \"it's\" 'x\\y' \"q\\\"\"", buf, sizeof(buf), argv, 33), 4);
	assert_string_equal(argv[0], "a b");
	assert_string_equal(argv[1], "it's");
	assert_string_equal(argv[2], "x\\y"); /* no escapes in single quotes */
	assert_string_equal(argv[3], "q\"");
	assert_int_equal(probe_split_argv("a '' b", buf, sizeof(buf), argv, 33), 3);
	assert_string_equal(argv[1], "");
	assert_int_equal(probe_split_argv("a 'b", buf, sizeof(buf), argv, 33), -1);
	assert_int_equal(probe_split_argv("   ", buf, sizeof(buf), argv, 33), -1);
	for (i = 0; i < 33; i++)
		strcat(line, "w ");
	assert_int_equal(probe_split_argv(line, buf, sizeof(buf), argv, 33), -1);
	assert_int_equal(probe_split_argv(line + 2, buf, sizeof(buf), argv, 33), 32);
	assert_int_equal(probe_split_argv("abcdefgh", buf, 5, argv, 33), -1); /* no room */
}

/* A check at 127.0.0.1:@port with fall 1, rise 1, 50 ms, as the parser would leave it. */
static struct cfg_check check(const char *name, int type, uint16_t port)
{
	struct cfg_check d;

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", name);
	d.type = type;
	d.addr.v4 = true;
	d.addr.prefix = 32;
	d.addr.addr.s6_addr[10] = d.addr.addr.s6_addr[11] = 0xff;
	inet_pton(AF_INET, "127.0.0.1", &d.addr.addr.s6_addr[12]);
	d.port = port;
	d.interval_ms = 50;
	d.timeout_ms = 40;
	d.fall = d.rise = 1;
	d.status_lo = 200;
	d.status_hi = 399;
	d.rules = 1;
	strcpy(d.path, "/health");
	strcpy(d.user, "nobody");
	return d;
}

static struct wlbs_config config_of(const struct cfg_check *checks, int n)
{
	struct wlbs_config c;

	cfg_defaults(&c);
	c.priority = 1;
	c.n_rules = 1;
	strcpy(c.rules[0].name, "web");
	c.n_checks = n;
	for (int i = 0; i < n; i++)
		c.checks[i] = checks[i];
	return c;
}

/* Runs @h (and @serve on @lfd's connections, if given) until check 0 is @healthy after a verdict.
 */
static bool run_until(struct health *h, bool healthy, uint64_t timeout_ms, int lfd,
		      void (*serve)(int conn))
{
	uint64_t end = mono_ms() + timeout_ms;
	struct pollfd p[2] = {{.fd = health_fd(h), .events = POLLIN},
			      {.fd = lfd, .events = POLLIN}};

	while (mono_ms() < end) {
		poll(p, lfd >= 0 ? 2 : 1, 10);
		if (p[0].revents)
			health_on_readable(h);
		if (lfd >= 0 && (p[1].revents & POLLIN)) {
			int conn = accept(lfd, NULL, NULL);

			if (conn >= 0 && serve)
				serve(conn);
			if (conn >= 0)
				close(conn);
		}
		if (health_get(h, 0)->ever_ran && health_get(h, 0)->healthy == healthy)
			return true;
	}
	return false;
}

/* Runs @h for @ms. */
static void run_for(struct health *h, uint64_t ms)
{
	run_until(h, !health_get(h, 0)->healthy, ms, -1, NULL);
	for (uint64_t end = mono_ms() + ms; mono_ms() < end;) {
		struct pollfd p = {.fd = health_fd(h), .events = POLLIN};

		if (poll(&p, 1, 10) > 0)
			health_on_readable(h);
	}
}

static int listener(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 64), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

/* The newest event of @kind whose text has @needle, or fails. */
static void assert_event(int kind, const char *needle)
{
	for (uint64_t s = ev_last_seq(); s > 0; s--) {
		const struct ev_record *e = ev_get(s);

		if (e && e->kind == kind && strstr(e->text, needle))
			return;
	}
	fail_msg("no event %d with '%s'", kind, needle);
}

static void test_tcp_check_follows_the_listener(void **state)
{
	struct health h;
	struct cfg_check d;
	struct wlbs_config c;
	uint16_t port;
	int lfd = listener(&port);
	uint64_t changed;

	(void)state;
	d = check("tcp-up", CFG_CHECK_TCP, port);
	c = config_of(&d, 1);
	assert_int_equal(health_open(&h), 0);
	health_configure(&h, &c);
	assert_int_equal(health_failing_rules(&h), 1); /* not yet run */
	assert_true(run_until(&h, true, 2000, lfd, NULL));
	assert_int_equal(health_failing_rules(&h), 0);
	assert_event(WLBS_EV_CHECK_PASSED, "tcp-up (tcp 127.0.0.1:");
	changed = health_changed(&h);
	close(lfd);
	assert_true(run_until(&h, false, 2000, -1, NULL));
	assert_true(health_changed(&h) > changed);
	assert_string_equal(health_get(&h, 0)->last_error, "connect: Connection refused");
	assert_event(WLBS_EV_CHECK_FAILED, "connect: Connection refused (action drain: rule web)");
	health_close(&h);
}

static char last_request[512];
static const char *answer;

static void serve_http(int conn)
{
	ssize_t n = recv(conn, last_request, sizeof(last_request) - 1, 0);

	last_request[n > 0 ? n : 0] = '\0';
	if (send(conn, answer, strlen(answer), MSG_NOSIGNAL) < 0)
		fail_msg("send: %s", strerror(errno));
}

static void test_http_check_judges_the_status(void **state)
{
	struct health h;
	struct cfg_check d;
	struct wlbs_config c;
	uint16_t port;
	int lfd = listener(&port);
	uint64_t changed;
	char host[64];

	(void)state;
	d = check("http", CFG_CHECK_HTTP, port);
	c = config_of(&d, 1);
	assert_int_equal(health_open(&h), 0);
	answer = "HTTP/1.0 503 Service Unavailable\r\n\r\n";
	health_configure(&h, &c);
	assert_true(run_until(&h, false, 2000, lfd, serve_http));
	assert_string_equal(health_get(&h, 0)->last_error, "HTTP status 503 (healthy: 200-399)");
	snprintf(host, sizeof(host), "Host: 127.0.0.1:%u\r\n", port);
	assert_non_null(strstr(last_request, "GET /health HTTP/1.0\r\n"));
	assert_non_null(strstr(last_request, host));
	answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	assert_true(run_until(&h, true, 2000, lfd, serve_http));
	/* A reload with another Host header is another definition: it begins anew. */
	strcpy(c.checks[0].host_header, "www.example.com");
	changed = health_changed(&h);
	health_configure(&h, &c);
	assert_false(health_get(&h, 0)->ever_ran);
	assert_true(health_changed(&h) > changed);
	assert_true(run_until(&h, true, 2000, lfd, serve_http));
	assert_non_null(strstr(last_request, "Host: www.example.com\r\n"));
	answer = "SSH-2.0-x\r\n";
	assert_true(run_until(&h, false, 2000, lfd, serve_http));
	assert_string_equal(health_get(&h, 0)->last_error, "not an HTTP status line: SSH-2.0-x");
	health_close(&h);
	close(lfd);
}

static void test_exec_check_exit_status_and_output(void **state)
{
	struct health h;
	struct cfg_check d[2] = {check("ok", CFG_CHECK_EXEC, 0), check("bad", CFG_CHECK_EXEC, 0)};
	struct wlbs_config c;
	uint64_t changed;

	(void)state;
	if (geteuid())
		skip(); /* exec checks switch to nobody: root only */
	d[0].timeout_ms = d[1].timeout_ms = 2000;
	d[0].interval_ms = d[1].interval_ms = 2000;
	/* not through a shell: split, quotes kept together; not as root */
	strcpy(d[0].command, "sh -c 'test \"$(id -u)\" != 0'");
	strcpy(d[1].command, "echo 'it is down' ; id -u; exit 3");
	d[1].shell = true;
	c = config_of(d, 2);
	assert_int_equal(health_open(&h), 0);
	health_configure(&h, &c);
	assert_true(run_until(&h, true, 3000, -1, NULL));
	for (int i = 0; i < 100 && !health_get(&h, 1)->ever_ran; i++)
		run_for(&h, 20);
	assert_true(health_get(&h, 1)->ever_ran);
	assert_false(health_get(&h, 1)->healthy);
	assert_string_equal(health_get(&h, 1)->last_error, "exit status 3: it is down");
	/* A reload that keeps both definitions keeps their state. */
	changed = health_changed(&h);
	health_configure(&h, &c);
	assert_true(health_get(&h, 0)->ever_ran && health_get(&h, 0)->healthy);
	assert_int_equal(health_changed(&h), changed);
	/* One removed: its state goes, the other's stays. */
	c = config_of(&d[1], 1);
	health_configure(&h, &c);
	assert_int_equal(health_count(&h), 1);
	assert_string_equal(health_get(&h, 0)->name, "bad");
	assert_true(health_get(&h, 0)->ever_ran);
	health_close(&h);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* no child left */
	assert_int_equal(errno, ECHILD);
}

/* The process state letter of @pid ('R', 'S', 'Z', ...), or 0 when it is gone. */
static char proc_state(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p && p[1] ? p[2] : 0;
}

static void test_exec_past_its_deadline_is_killed_with_its_children(void **state)
{
	static const char pidfile[] = "/tmp/wlbs-test-grandchild.pid";
	struct health h;
	struct cfg_check d = check("hang", CFG_CHECK_EXEC, 0);
	struct wlbs_config c;
	uint64_t t0, took;
	pid_t grandchild = 0;
	FILE *f;
	char st;

	(void)state;
	if (geteuid())
		skip(); /* exec checks switch to nobody: root only */
	unlink(pidfile);
	d.shell = true;
	d.timeout_ms = 200;
	d.interval_ms = 5000;
	snprintf(d.command, sizeof(d.command), "sleep 30 & echo $! > %s; sleep 30", pidfile);
	c = config_of(&d, 1);
	assert_int_equal(health_open(&h), 0);
	t0 = mono_ms();
	health_configure(&h, &c);
	assert_true(run_until(&h, false, 2000, -1, NULL));
	took = mono_ms() - t0;
	printf("   hanging exec: failed after %llu ms (timeout 200 ms): %s\n",
	       (unsigned long long)took, health_get(&h, 0)->last_error);
	assert_true(took >= 200 && took < 400);
	assert_string_equal(health_get(&h, 0)->last_error,
			    "no answer within 200 ms (process group killed)");
	f = fopen(pidfile, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &grandchild), 1);
	fclose(f);
	unlink(pidfile);
	/* The child is reaped by the loop (its pidfd), the grandchild killed with the group. */
	run_until(&h, true, 200, -1, NULL);
	for (int i = 0; i < 100 && (st = proc_state(grandchild)) && st != 'Z' && st != 'X'; i++)
		usleep(10000);
	st = proc_state(grandchild);
	printf("   grandchild %d after the kill: %s\n", grandchild, st ? (char[]){st, 0} : "gone");
	assert_true(!st || st == 'Z' || st == 'X');
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* our child: reaped, no zombie */
	assert_int_equal(errno, ECHILD);
	health_close(&h);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * 32 failing checks every 50 ms: 16 exec that exit 1 (a fork and exec each),
 * 8 exec that hang and are killed at 40 ms, 8 tcp to a closed port, while a
 * 10 ms timerfd stands for wlbsd's tick. The tick's lateness must stay small.
 */
static void test_storm_of_failing_checks_leaves_the_tick_on_time(void **state)
{
	enum { TICKS = 300 };
	static uint64_t gaps[TICKS];
	struct cfg_check d[CFG_MAX_CHECKS];
	struct itimerspec its = {.it_interval = {0, 10000000}, .it_value = {0, 10000000}};
	struct wlbs_config *c = calloc(1, sizeof(*c));
	struct health h;
	uint64_t last, now, n = 0, exp, probes = 0, max_us = 0, busy_us = 0, cpu = 0;
	struct pollfd p[2];
	int tfd, i;

	(void)state;
	if (geteuid())
		skip(); /* exec checks switch to nobody: root only */
	for (i = 0; i < CFG_MAX_CHECKS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "storm%d", i);
		d[i] = check(name, i < 24 ? CFG_CHECK_EXEC : CFG_CHECK_TCP, 1);
		if (i < 16)
			strcpy(d[i].command, "false");
		else
			strcpy(d[i].command, "sleep 10");
	}
	*c = config_of(d, CFG_MAX_CHECKS);
	assert_int_equal(health_open(&h), 0);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	timerfd_settime(tfd, 0, &its, NULL);
	health_configure(&h, c);
	p[0] = (struct pollfd){.fd = health_fd(&h), .events = POLLIN};
	p[1] = (struct pollfd){.fd = tfd, .events = POLLIN};
	last = mono_ms();
	while (n < TICKS) {
		poll(p, 2, -1);
		if (p[0].revents) {
			uint64_t t = mono_us(), c0 = cpu_us();

			health_on_readable(&h);
			cpu += cpu_us() - c0;
			t = mono_us() - t;
			busy_us += t;
			if (t > max_us)
				max_us = t;
		}
		if (p[1].revents && read(tfd, &exp, sizeof(exp)) > 0) {
			now = mono_ms();
			gaps[n++] = now - last;
			last = now;
		}
	}
	for (i = 0; i < CFG_MAX_CHECKS; i++) {
		assert_false(health_get(&h, i)->healthy);
		probes += health_get(&h, i)->fails;
	}
	health_close(&h);
	close(tfd);
	qsort(gaps, TICKS, sizeof(gaps[0]), cmp_u64);
	printf("   storm: %llu failed probes in %d ticks of 10 ms; gap between ticks: "
	       "median %llu ms, p99 %llu ms, max %llu ms\n",
	       (unsigned long long)probes, TICKS, (unsigned long long)gaps[TICKS / 2],
	       (unsigned long long)gaps[TICKS * 99 / 100], (unsigned long long)gaps[TICKS - 1]);
	printf("   storm: health_on_readable() took %llu ms in all (%llu ms of CPU), %llu us at "
	       "most in one call\n",
	       (unsigned long long)busy_us / 1000, (unsigned long long)cpu / 1000,
	       (unsigned long long)max_us);
	/* ~60 probes per check in 3 s: the storm did run */
	assert_true(probes > CFG_MAX_CHECKS * 30);
	/*
	 * Never a long stall: a probe that waited in the loop (a blocking connect,
	 * a waitpid for `sleep 10`) would stall it for its whole timeout or more.
	 * The children's CPU on a busy 2-core machine still shows in the gaps.
	 */
	assert_true(max_us < 100000);
	assert_true(gaps[TICKS * 99 / 100] <= 80);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_http_status_line),
	    cmocka_unit_test(test_exec_argv_split),
	    cmocka_unit_test(test_tcp_check_follows_the_listener),
	    cmocka_unit_test(test_http_check_judges_the_status),
	    cmocka_unit_test(test_exec_check_exit_status_and_output),
	    cmocka_unit_test(test_exec_past_its_deadline_is_killed_with_its_children),
	    cmocka_unit_test(test_storm_of_failing_checks_leaves_the_tick_on_time),
	};

	ev_set_target("stderr");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
