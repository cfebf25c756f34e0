// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "net/heartbeat.h"
#include "wlbs/common.h"

/* Room for a burst of heartbeats from 64 hosts while the loop is busy. */
#define HB_RCVBUF (1 << 20)
/* Heartbeats leave before bulk traffic queued on the same interface. */
#define HB_PRIORITY 6

void hb_dst_mac(const struct wlbs_config *c, uint8_t dst[6])
{
	if (c->cluster_mode == WLBS_CLUSTER_UNICAST)
		memset(dst, 0xff, 6);
	else
		cfg_cluster_mac(c, dst);
}

int hb_socket_open(int ifindex, char *err, size_t errlen)
{
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(WLBS_ETH_P_HEARTBEAT),
	    .sll_ifindex = ifindex,
	};
	int fd, one = HB_RCVBUF, prio = HB_PRIORITY, on = 1;

	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    htons(WLBS_ETH_P_HEARTBEAT));
	if (fd < 0) {
		snprintf(err, errlen, "heartbeat socket: %s", strerror(errno));
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio));
	/* Arrival as the kernel saw it, not when a (busy) reader got to it. */
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		int ret = -errno;

		snprintf(err, errlen, "binding the heartbeat socket: %s", strerror(errno));
		close(fd);
		return ret;
	}
	return fd;
}

int hb_send(int fd, int ifindex, const uint8_t dst[6], const void *payload, size_t len)
{
	struct sockaddr_ll to = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(WLBS_ETH_P_HEARTBEAT),
	    .sll_ifindex = ifindex,
	    .sll_halen = ETH_ALEN,
	};

	memcpy(to.sll_addr, dst, ETH_ALEN);

	if (sendto(fd, payload, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

/*
 * When the kernel took the frame, on CLOCK_MONOTONIC: its stamp is on the
 * realtime clock, so the offset between the clocks is taken now. A stamp
 * from the future or more than a second old (a clock step) gives @now.
 */
static uint64_t mono_of(const struct timespec *stamp)
{
	struct timespec mono, real;
	int64_t age;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	age = (real.tv_sec - stamp->tv_sec) * 1000000000ll + (real.tv_nsec - stamp->tv_nsec);
	if (age < 0 || age > 1000000000ll)
		age = 0;
	return ((uint64_t)mono.tv_sec * 1000000000ull + mono.tv_nsec - age) / 1000000;
}

ssize_t hb_recv(int fd, void *buf, size_t len, uint8_t src[6], uint64_t *rx_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_ll from;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr msg = {.msg_name = &from,
			     .msg_namelen = sizeof(from),
			     .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf)};
	struct timespec stamp = {0};
	struct cmsghdr *cm;
	ssize_t n;

	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	/* Our own heartbeats come back as outgoing: not a peer. */
	if (from.sll_pkttype == PACKET_OUTGOING)
		return -ELOOP;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPNS)
			memcpy(&stamp, CMSG_DATA(cm), sizeof(stamp));
	memcpy(src, from.sll_addr, 6);
	if (rx_ms)
		*rx_ms = mono_of(&stamp);
	return n;
}
