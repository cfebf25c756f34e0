// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "heartbeat.h"
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
	int fd, one = HB_RCVBUF, prio = HB_PRIORITY;

	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    htons(WLBS_ETH_P_HEARTBEAT));
	if (fd < 0) {
		snprintf(err, errlen, "heartbeat socket: %s", strerror(errno));
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio));
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

ssize_t hb_recv(int fd, void *buf, size_t len, uint8_t src[6])
{
	struct sockaddr_ll from;
	socklen_t fromlen = sizeof(from);
	ssize_t n;

	n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&from, &fromlen);
	if (n < 0)
		return -errno;
	/* Our own heartbeats come back as outgoing: not a peer. */
	if (from.sll_pkttype == PACKET_OUTGOING)
		return -ELOOP;
	memcpy(src, from.sll_addr, 6);
	return n;
}
