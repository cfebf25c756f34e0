/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The heartbeat thread: sends and receives heartbeats on time, whatever the
 * main loop is doing (a map computation, a control request, a busy CPU).
 *
 * Design: the thread does I/O only; the convergence core stays in the main
 * loop, single-threaded, and is never entered from this thread.
 *  - Send: the main loop posts the heartbeat the core built (hbio_post); the
 *    thread sends it at once when @urgent (what we advertise changed), and
 *    every period T on its own clock otherwise, each time with the next
 *    sequence number and its uptime/leader age advanced by the time since it
 *    was built, re-signed with the cluster key. A main loop that posts nothing
 *    for T*K + 1 s is stuck: the thread stops sending, so the others take our
 *    buckets (the fast path fails closed without the main loop anyway).
 *  - Receive: the thread stamps each frame with CLOCK_MONOTONIC as it arrives
 *    and queues it; the event fd becomes readable; the main loop takes the
 *    frames (hbio_next) and feeds them to the core with their arrival time,
 *    so a late main loop sees peers as alive as they were.
 * The thread runs SCHED_FIFO (HBIO_RT_PRIO) when allowed (root, or
 * LimitRTPRIO= in the unit), else at normal priority, and says so.
 */
#ifndef WLBSD_HBIO_H
#define WLBSD_HBIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hb_codec.h"
#include "wlbs/heartbeat.h"

/* Real-time priority of the heartbeat thread (systemd/wlbsd.service.in allows it). */
#define HBIO_RT_PRIO 10

struct hbio;

/*
 * Starts the thread on the heartbeat socket @fd (bound to @ifindex), sending
 * to @dst every @period_ms. Returns 0 or -errno with a message in @err.
 */
int hbio_start(struct hbio **out, int fd, int ifindex, const uint8_t dst[6], uint32_t period_ms,
	       uint32_t tolerance, char *err, size_t errlen);
/* Stops the thread; returns the last sequence number it sent (0: none). */
uint64_t hbio_stop(struct hbio *io);
/* A new period and tolerance (reload). */
void hbio_set_period(struct hbio *io, uint32_t period_ms, uint32_t tolerance);
/* Readable while frames are queued. */
int hbio_fd(const struct hbio *io);
/* The heartbeat to advertise from now on, built at @built_ms; @urgent: send it now. */
void hbio_post(struct hbio *io, const struct wlbs_hb *hb, const struct hb_key *key,
	       uint64_t built_ms, bool urgent);
/*
 * Takes the oldest queued frame: its length (0: none left), the sender's MAC
 * and its arrival time (CLOCK_MONOTONIC, ms).
 */
ssize_t hbio_next(struct hbio *io, void *buf, size_t len, uint8_t src[6], uint64_t *rx_ms);
/* Frames dropped because the queue was full, since the start. */
uint64_t hbio_overflows(const struct hbio *io);
/* Heartbeats sent by this thread, since its start. */
uint64_t hbio_sent(const struct hbio *io);
/* CLOCK_MONOTONIC in ms: the clock of every time above. */
uint64_t hbio_now_ms(void);

#endif
