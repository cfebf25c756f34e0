/* SPDX-License-Identifier: GPL-2.0 */
/* The heartbeat socket: raw Ethernet frames of type 0x886F on the cluster interface. */
#ifndef WLBSD_HEARTBEAT_H
#define WLBSD_HEARTBEAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Opens a non-blocking AF_PACKET socket bound to @ifindex for heartbeats; fd or -errno. */
int hb_socket_open(int ifindex, char *err, size_t errlen);
struct wlbs_config;

/*
 * Where heartbeats go, as NLB sends them: the cluster MAC in multicast and
 * igmp modes (IGMP snooping confines them to the hosts; every host has it in
 * its NIC filter), broadcast in unicast mode (every host's NIC has the
 * cluster MAC as its own, and switches must not learn it).
 */
void hb_dst_mac(const struct wlbs_config *c, uint8_t dst[6]);
/* Sends one heartbeat payload to @dst; 0 or -errno. */
int hb_send(int fd, int ifindex, const uint8_t dst[6], const void *payload, size_t len);
/*
 * Receives one payload (-EAGAIN when none, -ELOOP for our own): the sender's
 * MAC into @src, the kernel's arrival time (CLOCK_MONOTONIC, ms) into @rx_ms.
 */
ssize_t hb_recv(int fd, void *buf, size_t len, uint8_t src[6], uint64_t *rx_ms);

#endif
