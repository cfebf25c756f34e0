// SPDX-License-Identifier: GPL-2.0
/*
 * The heartbeat thread, with the socket faked: hb_send and hb_recv are
 * defined here (so heartbeat.o is never linked), a socketpair stands in for
 * the AF_PACKET socket.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/hbio.c"

#define MAX_SENT 256

static pthread_mutex_t sent_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wlbs_hb sent[MAX_SENT];
static uint64_t sent_ms[MAX_SENT];
static uint8_t sent_dst[6];
static int n_sent;

int hb_send(int fd, int ifindex, const uint8_t dst[6], const void *payload, size_t len)
{
	struct wlbs_hb hb;

	(void)fd;
	(void)ifindex;
	assert_int_equal(hb_decode(payload, len, 7, NULL, &hb), 0);
	pthread_mutex_lock(&sent_lock);
	if (n_sent < MAX_SENT) {
		sent[n_sent] = hb;
		sent_ms[n_sent] = hbio_now_ms();
		memcpy(sent_dst, dst, 6);
		n_sent++;
	}
	pthread_mutex_unlock(&sent_lock);
	return 0;
}

/* A datagram on the socketpair is a frame; its arrival time is 1000 + its first byte. */
ssize_t hb_recv(int fd, void *buf, size_t len, uint8_t src[6], uint64_t *rx_ms)
{
	ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);

	if (n < 0)
		return -errno;
	memset(src, 0xaa, 6);
	*rx_ms = 1000 + ((uint8_t *)buf)[0];
	return n;
}

static int sent_count(void)
{
	int n;

	pthread_mutex_lock(&sent_lock);
	n = n_sent;
	pthread_mutex_unlock(&sent_lock);
	return n;
}

static void make_hb(struct wlbs_hb *hb, uint64_t seq)
{
	memset(hb, 0, sizeof(*hb));
	hb->host = 2;
	hb->state = WLBS_FP_RUNNING;
	hb->cluster_id = 7;
	hb->leader = 1;
	hb->leader_age_ms = 5;
	hb->uptime_ms = 100;
	hb->nonce = 42;
	hb->seq = seq;
}

static void sleep_ms(unsigned int ms)
{
	usleep(ms * 1000);
}

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const struct hb_key no_key = {.set = false};

/* A thread on a fresh socketpair (sv[0] its socket), nothing sent yet. */
static struct hbio *start_io(int sv[2], const uint8_t dst[6], uint32_t period, uint32_t k)
{
	struct hbio *io;
	char err[128];

	n_sent = 0;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	assert_int_equal(hbio_start(&io, sv[0], 1, dst, period, k, err, sizeof(err)), 0);
	return io;
}

static void stop_io(struct hbio *io, int sv[2])
{
	hbio_stop(io);
	close(sv[0]);
	close(sv[1]);
}

/* Sent at once when urgent, then every T on the thread's clock, each newer than the last. */
static void test_sends_on_time(void **state)
{
	static const uint8_t dst[6] = {0x03, 0xbf, 1, 2, 3, 4};
	struct wlbs_hb hb;
	struct hbio *io;
	int sv[2], n, i;
	uint64_t seq;

	(void)state;
	io = start_io(sv, dst, 10, 3);
	make_hb(&hb, 1);
	hb.leader = 2; /* we lead */
	hbio_post(io, &hb, &no_key, hbio_now_ms(), true);
	sleep_ms(105);
	/* Not urgent: no extra frame, the next periodic one carries it. */
	make_hb(&hb, 2);
	hb.leader = 2;
	hb.view = 3;
	hbio_post(io, &hb, &no_key, hbio_now_ms(), false);
	sleep_ms(30);
	seq = hbio_stop(io);
	n = sent_count();
	assert_int_equal(seq, sent[n - 1].seq);
	assert_in_range(n, 12, 16);
	assert_memory_equal(sent_dst, dst, 6);
	for (i = 1; i < n; i++) {
		assert_true(sent[i].seq > sent[i - 1].seq);
		/*
		 * Every T on the thread's own clock, on its grid: one sent late
		 * (by less than T) is followed by the next on time, sooner than
		 * T after it, so only the gap's top is bounded (generously, for
		 * a busy VM); the count above bounds the rate.
		 */
		assert_true(sent_ms[i] - sent_ms[i - 1] <= 30);
	}
	/* Our own leader claim stays fresh; the uptime advances. */
	assert_int_equal(sent[5].leader_age_ms, 5);
	assert_true(sent[5].uptime_ms >= 140);
	assert_int_equal(sent[n - 1].view, 3);
	close(sv[0]);
	close(sv[1]);
}

/* A relayed leader claim ages while it waits; a main loop silent for T*K + 1 s stops sends. */
static void test_stuck_main_loop_stops_sending(void **state)
{
	struct wlbs_hb hb;
	struct hbio *io;
	int sv[2], n;

	(void)state;
	io = start_io(sv, bcast, 20, 2);
	make_hb(&hb, 1); /* leader 1, relayed: we are host 2 */
	hbio_post(io, &hb, &no_key, hbio_now_ms(), true);
	sleep_ms(1100);
	n = sent_count();
	assert_in_range(n, 40, 55); /* 1040 ms / 20 ms, then silence */
	assert_true(sent[n - 1].leader_age_ms >= 900);
	sleep_ms(200);
	assert_int_equal(sent_count(), n);
	/* Posting again resumes at once. */
	hbio_post(io, &hb, &no_key, hbio_now_ms(), true);
	sleep_ms(10);
	assert_true(sent_count() > n);
	stop_io(io, sv);
}

/* Frames reach the main loop in order with their arrival time; the fd says when. */
static void test_receive_queue(void **state)
{
	uint8_t buf[64], src[6], frame[3] = {0, 1, 2};
	struct pollfd pfd;
	struct hbio *io;
	uint64_t rx;
	int sv[2], i;

	(void)state;
	io = start_io(sv, bcast, 10, 2);
	pfd.fd = hbio_fd(io);
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 0), 0);
	for (i = 0; i < 3; i++) {
		frame[0] = (uint8_t)(10 * i);
		assert_int_equal(send(sv[1], frame, sizeof(frame), 0), 3);
	}
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	sleep_ms(20);
	for (i = 0; i < 3; i++) {
		assert_int_equal(hbio_next(io, buf, sizeof(buf), src, &rx), 3);
		assert_int_equal(rx, 1000 + 10 * i);
		assert_int_equal(src[0], 0xaa);
	}
	assert_int_equal(hbio_next(io, buf, sizeof(buf), src, &rx), 0);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	assert_int_equal(hbio_overflows(io), 0);
	stop_io(io, sv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sends_on_time),
	    cmocka_unit_test(test_stuck_main_loop_stops_sending),
	    cmocka_unit_test(test_receive_queue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
