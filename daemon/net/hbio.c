// SPDX-License-Identifier: GPL-2.0
/* The heartbeat thread; hbio.h has the design. */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/hbio.h"
#include "net/heartbeat.h"
#include "wlbs/rules_desc.h"
#include "log.h"

/* Frames queued for the main loop: 64 hosts at T = 10 ms for 300 ms. */
#define HBIO_QUEUE 2048
/* Frames read per wake-up, so a flood cannot keep the thread from sending. */
#define HBIO_BURST 64
/*
 * Room for the longest frame on the ethertype (a heartbeat or a rules
 * descriptor) and more: a decoder rejects a longer one by its length.
 */
#define HBIO_FRAME_MAX ((WLBS_HB_LEN > WLBS_RD_MAX_LEN ? WLBS_HB_LEN : WLBS_RD_MAX_LEN) + 8)
/* Beyond T*K, how long a main loop may post nothing before it counts as stuck. */
#define HBIO_STUCK_MS 1000

struct hbio_frame {
	uint64_t rx_ms;
	uint16_t len;
	uint8_t src[6];
	uint8_t data[HBIO_FRAME_MAX];
};

struct hbio {
	pthread_t thread;
	int fd; /* heartbeat socket (the thread's alone while it runs) */
	int ifindex;
	int ready; /* eventfd: frames queued (thread -> main loop) */
	int wake;  /* eventfd: a post or a stop (main loop -> thread) */
	uint8_t dst[6];

	pthread_mutex_t lock; /* everything below, except the thread's own state */
	bool stop;
	uint32_t period_ms, tolerance;
	bool have, urgent;
	struct wlbs_hb hb;
	struct hb_key key;
	uint64_t built_ms;
	unsigned int head, count; /* queue: oldest at head */
	uint64_t overflows;
	uint64_t last_seq;
	struct hbio_frame *queue;

	/* The thread's own. */
	uint64_t nonce, seq;
	bool stuck;
};

static struct log_limit hbio_limit = LOG_LIMIT_INIT(10, 5); /* the thread's only */

uint64_t hbio_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint32_t add_sat(uint32_t a, uint64_t b)
{
	return a + b > UINT32_MAX ? UINT32_MAX : (uint32_t)(a + b);
}

static void signal_fd(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_limited(&hbio_limit, LOG_WARNING, "heartbeat thread: eventfd: %s",
			    strerror(errno));
}

/* Sends the posted heartbeat as of now; false when there is none to send. */
static bool send_one(struct hbio *io)
{
	uint8_t buf[WLBS_HB_LEN];
	uint64_t now = hbio_now_ms(), age, stuck_ms;
	struct hb_key key;
	struct wlbs_hb hb;
	int len, ret;

	pthread_mutex_lock(&io->lock);
	hb = io->hb;
	key = io->key;
	age = now > io->built_ms ? now - io->built_ms : 0;
	stuck_ms = (uint64_t)io->period_ms * io->tolerance + HBIO_STUCK_MS;
	io->urgent = false;
	pthread_mutex_unlock(&io->lock);

	if (age > stuck_ms) {
		if (!io->stuck)
			log_err("heartbeat thread: nothing new from the main loop for %llu ms: "
				"sending no more heartbeats until it posts again",
				(unsigned long long)age);
		io->stuck = true;
		hb_key_clear(&key);
		return false;
	}
	io->stuck = false;
	if (hb.nonce != io->nonce) {
		io->nonce = hb.nonce;
		io->seq = 0;
	}
	/* Our own numbering: receivers drop a frame that is not newer than the last. */
	io->seq = hb.seq > io->seq + 1 ? hb.seq : io->seq + 1;
	hb.seq = io->seq;
	/* Times advance while the frame waits; our own leader claim is always fresh (0). */
	if (hb.uptime_ms)
		hb.uptime_ms = add_sat(hb.uptime_ms, age);
	if (hb.leader && hb.leader != hb.host)
		hb.leader_age_ms = add_sat(hb.leader_age_ms, age);
	len = hb_encode(&hb, &key, buf, sizeof(buf));
	hb_key_clear(&key);
	if (len < 0) {
		log_limited(&hbio_limit, LOG_ERR, "heartbeat: encode: %s", strerror(-len));
		return true;
	}
	ret = hb_send(io->fd, io->ifindex, io->dst, buf, len);
	if (ret)
		log_limited(&hbio_limit, LOG_WARNING, "heartbeat: send: %s", strerror(-ret));
	pthread_mutex_lock(&io->lock);
	io->last_seq = io->seq;
	pthread_mutex_unlock(&io->lock);
	return true;
}

/* Queues what arrived, stamped on arrival; the main loop decodes it. */
static void recv_burst(struct hbio *io)
{
	struct hbio_frame f;
	ssize_t n;
	int i;

	for (i = 0; i < HBIO_BURST; i++) {
		n = hb_recv(io->fd, f.data, sizeof(f.data), f.src, &f.rx_ms);
		if (n == -EAGAIN || n == -EINTR)
			break;
		if (n < 0)
			continue; /* our own frame, or an error on one frame */
		f.len = (uint16_t)n;
		pthread_mutex_lock(&io->lock);
		if (io->count == HBIO_QUEUE) {
			__atomic_add_fetch(&io->overflows, 1, __ATOMIC_RELAXED);
		} else {
			struct hbio_frame *slot = &io->queue[(io->head + io->count) % HBIO_QUEUE];

			slot->rx_ms = f.rx_ms;
			slot->len = f.len;
			memcpy(slot->src, f.src, 6);
			memcpy(slot->data, f.data, f.len);
			io->count++;
			/* Under the lock: queued frames <=> the eventfd is readable. */
			signal_fd(io->ready);
		}
		pthread_mutex_unlock(&io->lock);
	}
}

static void *hbio_main(void *arg)
{
	struct hbio *io = arg;
	uint64_t next = 0, now, period, val;
	struct pollfd pfd[2] = {{.fd = io->fd, .events = POLLIN},
				{.fd = io->wake, .events = POLLIN}};
	struct timespec ts;
	bool have, urgent, stop;

	for (;;) {
		pthread_mutex_lock(&io->lock);
		stop = io->stop;
		have = io->have;
		urgent = io->urgent;
		period = (uint64_t)io->period_ms * 1000000ull;
		pthread_mutex_unlock(&io->lock);
		if (stop)
			break;
		now = now_ns();
		if (have && (urgent || now >= next)) {
			send_one(io);
			/* On the period's grid, unless late by a period or sent early (urgent). */
			next =
			    !urgent && next && now - next < period ? next + period : now + period;
			now = now_ns();
		}
		if (have) {
			val = next > now ? next - now : 0;
			ts.tv_sec = (time_t)(val / 1000000000ull);
			ts.tv_nsec = (long)(val % 1000000000ull);
		}
		if (ppoll(pfd, 2, have ? &ts : NULL, NULL) < 0 && errno != EINTR) {
			log_limited(&hbio_limit, LOG_ERR, "heartbeat thread: poll: %s",
				    strerror(errno));
			usleep(1000);
			continue;
		}
		if (pfd[1].revents & POLLIN && read(io->wake, &val, sizeof(val)) < 0)
			continue;
		if (pfd[0].revents & POLLIN)
			recv_burst(io);
	}
	return NULL;
}

/* SCHED_FIFO when allowed, else a normal thread: slower under load, still correct. */
static int spawn(struct hbio *io)
{
	struct sched_param sp = {.sched_priority = HBIO_RT_PRIO};
	pthread_attr_t attr;
	sigset_t all, old;
	int ret;

	/*
	 * The thread never takes a signal: SIGTERM must reach the main loop's
	 * signalfd (a clean leave), not end the process from this thread.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	pthread_attr_setschedparam(&attr, &sp);
	ret = pthread_create(&io->thread, &attr, hbio_main, io);
	pthread_attr_destroy(&attr);
	if (ret == EPERM) {
		log_warn("heartbeat thread: no real-time priority allowed (LimitRTPRIO=%d "
			 "or CAP_SYS_NICE): heartbeats may be late on a busy machine",
			 HBIO_RT_PRIO);
		ret = pthread_create(&io->thread, NULL, hbio_main, io);
	} else if (!ret) {
		log_debug("heartbeat thread: SCHED_FIFO priority %d", HBIO_RT_PRIO);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ret)
		pthread_setname_np(io->thread, "wlbsd-hb");
	return -ret;
}

int hbio_start(struct hbio **out, int fd, int ifindex, const uint8_t dst[6], uint32_t period_ms,
	       uint32_t tolerance, char *err, size_t errlen)
{
	struct hbio *io = calloc(1, sizeof(*io));
	pthread_mutexattr_t ma;
	int ret = -ENOMEM;

	if (!io || !(io->queue = calloc(HBIO_QUEUE, sizeof(*io->queue))))
		goto fail;
	io->fd = fd;
	io->ifindex = ifindex;
	memcpy(io->dst, dst, 6);
	io->period_ms = period_ms;
	io->tolerance = tolerance;
	/*
	 * Priority inheritance: the main loop runs at normal priority, and a busy
	 * CPU may preempt it while it holds the lock the real-time thread needs.
	 */
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&io->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	io->ready = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	io->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ret = io->ready < 0 || io->wake < 0 ? -errno : spawn(io);
	if (ret)
		goto fail;
	*out = io;
	return 0;
fail:
	snprintf(err, errlen, "heartbeat thread: %s", strerror(-ret));
	if (io) {
		if (io->ready > 0)
			close(io->ready);
		if (io->wake > 0)
			close(io->wake);
		free(io->queue);
	}
	free(io);
	return ret;
}

uint64_t hbio_stop(struct hbio *io)
{
	uint64_t seq;

	pthread_mutex_lock(&io->lock);
	io->stop = true;
	pthread_mutex_unlock(&io->lock);
	signal_fd(io->wake);
	pthread_join(io->thread, NULL);
	seq = io->last_seq;
	hb_key_clear(&io->key);
	pthread_mutex_destroy(&io->lock);
	close(io->ready);
	close(io->wake);
	free(io->queue);
	free(io);
	return seq;
}

void hbio_set_period(struct hbio *io, uint32_t period_ms, uint32_t tolerance)
{
	pthread_mutex_lock(&io->lock);
	io->period_ms = period_ms;
	io->tolerance = tolerance;
	pthread_mutex_unlock(&io->lock);
	signal_fd(io->wake);
}

int hbio_fd(const struct hbio *io)
{
	return io->ready;
}

void hbio_post(struct hbio *io, const struct wlbs_hb *hb, const struct hb_key *key,
	       uint64_t built_ms, bool urgent)
{
	bool wake;

	pthread_mutex_lock(&io->lock);
	wake = urgent || !io->have;
	io->hb = *hb;
	io->key = *key;
	io->built_ms = built_ms;
	io->urgent |= wake;
	io->have = true;
	pthread_mutex_unlock(&io->lock);
	if (wake)
		signal_fd(io->wake);
}

ssize_t hbio_next(struct hbio *io, void *buf, size_t len, uint8_t src[6], uint64_t *rx_ms)
{
	struct hbio_frame *f;
	uint64_t val;
	ssize_t n = 0;

	pthread_mutex_lock(&io->lock);
	if (!io->count) {
		/* Empty: the eventfd goes quiet until the thread queues again. */
		if (read(io->ready, &val, sizeof(val)) < 0 && errno != EAGAIN)
			n = -errno;
	} else {
		f = &io->queue[io->head];
		n = f->len < len ? f->len : (ssize_t)len;
		memcpy(buf, f->data, n);
		memcpy(src, f->src, 6);
		*rx_ms = f->rx_ms;
		io->head = (io->head + 1) % HBIO_QUEUE;
		io->count--;
	}
	pthread_mutex_unlock(&io->lock);
	return n;
}

uint64_t hbio_overflows(const struct hbio *io)
{
	return __atomic_load_n(&io->overflows, __ATOMIC_RELAXED);
}
