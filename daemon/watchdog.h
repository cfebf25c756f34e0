/* SPDX-License-Identifier: GPL-2.0 */
/*
 * systemd's watchdog (WatchdogSec=): WATCHDOG=1 from the main event loop, so
 * that a wedged loop stops the pings and gets restarted. Not from the
 * heartbeat thread, which would keep pinging for a dead loop.
 */
#ifndef WLBSD_WATCHDOG_H
#define WLBSD_WATCHDOG_H

/*
 * A timerfd that fires every half of WATCHDOG_USEC, or -1 when systemd asked
 * for no watchdog (or for another process: WATCHDOG_PID). Close it with close().
 */
int wd_open(void);

/* The timer fired: sends WATCHDOG=1. */
void wd_on_readable(int fd);

#endif /* WLBSD_WATCHDOG_H */
