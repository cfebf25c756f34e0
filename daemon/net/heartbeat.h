/* SPDX-License-Identifier: GPL-2.0 */
/* The heartbeat socket: raw Ethernet frames of type 0x886F on the cluster interface. */
#ifndef WLBSD_HEARTBEAT_H
#define WLBSD_HEARTBEAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Opens a non-blocking AF_PACKET socket bound to @ifindex for heartbeats; fd or -errno. */
int hb_socket_open(int ifindex, char *err, size_t errlen);
/* Broadcasts one heartbeat payload; 0 or -errno. */
int hb_send(int fd, int ifindex, const void *payload, size_t len);
/* Receives one payload (-EAGAIN when none); the sender's MAC into @src. */
ssize_t hb_recv(int fd, void *buf, size_t len, uint8_t src[6]);

#endif
