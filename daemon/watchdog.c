// SPDX-License-Identifier: GPL-2.0
/* The systemd watchdog, pinged from the event loop (watchdog.h). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "watchdog.h"

int wd_open(void)
{
	uint64_t usec = 0;
	struct itimerspec its = {0};
	int fd;

	/* > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID, if set, is us. */
	if (sd_watchdog_enabled(0, &usec) <= 0 || !usec)
		return -1;
	/* Half the interval, as sd_watchdog_enabled(3) advises: one late ping is not fatal. */
	usec /= 2;
	its.it_interval.tv_sec = (time_t)(usec / 1000000);
	its.it_interval.tv_nsec = (long)(usec % 1000000) * 1000;
	its.it_value = its.it_interval;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0 || timerfd_settime(fd, 0, &its, NULL)) {
		log_err("watchdog timer: %s (systemd will restart wlbsd)", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	log_info("watchdog: WATCHDOG=1 every %llu ms", (unsigned long long)(usec / 1000));
	return fd;
}

void wd_on_readable(int fd)
{
	uint64_t expirations;

	if (read(fd, &expirations, sizeof(expirations)) > 0)
		sd_notify(0, "WATCHDOG=1");
}
