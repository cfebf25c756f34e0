// SPDX-License-Identifier: GPL-2.0
/*
 * The systemd watchdog (watchdog.c) against a NOTIFY_SOCKET of our own: a
 * timer at half WATCHDOG_USEC only when systemd asked this process for one,
 * and WATCHDOG=1 on each expiry.
 */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "watchdog.c"

static char sock_path[108];

/* A datagram socket where sd_notify sends, named by NOTIFY_SOCKET. */
static int setup(void **state)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(sock_path, sizeof(sock_path), "/tmp/wlbs-test-notify.%d", getpid());
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	unlink(sock_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	setenv("NOTIFY_SOCKET", sock_path, 1);
	*state = (void *)(long)fd;
	return 0;
}

static int teardown(void **state)
{
	close((int)(long)*state);
	unlink(sock_path);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_no_watchdog_without_watchdog_usec(void **state)
{
	(void)state;
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(wd_open(), -1);
}

static void test_no_watchdog_for_another_process(void **state)
{
	(void)state;
	setenv("WATCHDOG_USEC", "200000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	assert_int_equal(wd_open(), -1);
	unsetenv("WATCHDOG_PID");
}

/* WATCHDOG_USEC=200 ms: WATCHDOG=1 every 100 ms, five of them in about 500 ms. */
static void test_pings_at_half_the_interval(void **state)
{
	int sock = (int)(long)*state, fd, pings = 0;
	char buf[64];
	long start;

	setenv("WATCHDOG_USEC", "200000", 1);
	fd = wd_open();
	assert_true(fd >= 0);
	start = now_ms();
	while (pings < 5) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		assert_int_equal(poll(&p, 1, 1000), 1);
		wd_on_readable(fd);
		n = recv(sock, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		assert_true(n > 0);
		buf[n] = '\0';
		assert_string_equal(buf, "WATCHDOG=1");
		pings++;
	}
	/* 5 x 100 ms; well under the 200 ms interval each, well over a busy loop. */
	assert_in_range(now_ms() - start, 450, 900);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_watchdog_without_watchdog_usec),
	    cmocka_unit_test(test_no_watchdog_for_another_process),
	    cmocka_unit_test(test_pings_at_half_the_interval),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
