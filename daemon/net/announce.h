/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Telling the link that the host's own addresses moved to another MAC: in
 * unicast mode the NIC's MAC changes when wlbsd starts (to the cluster MAC)
 * and when it is uninstalled (back to the NIC's own), and neighbours would
 * otherwise keep sending to the old one until their entries time out.
 * Gratuitous ARP (a broadcast request, sender = target = the address) for
 * IPv4; unsolicited neighbour advertisements with the override flag to
 * ff02::1 for IPv6 (RFC 4861 7.2.6). Sent as raw frames (AF_PACKET), so the
 * kernel's arp_notify/ndisc_notify, which wlbsd turns off, play no part.
 */
#ifndef WLBSD_ANNOUNCE_H
#define WLBSD_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "net/netlink.h"

/* Gratuitous ARP frame: 42 bytes padded to the Ethernet minimum. */
#define ANN_ARP_LEN 60
/* Neighbour advertisement: Ethernet, IPv6, NA, target link-layer address option. */
#define ANN_NA_LEN 86
/* Each address is announced this many times, so one lost frame does not matter... */
#define ANN_ROUNDS 3
/* ...this far apart (the whole announcement blocks for (ROUNDS - 1) * INTERVAL). */
#define ANN_INTERVAL_MS 100
/* Addresses of one family announced at most (the rest are logged as skipped). */
#define ANN_MAX_ADDRS 32

/* Builds the gratuitous ARP for ip at mac into buf (ANN_ARP_LEN bytes). */
void ann_build_arp(uint8_t buf[ANN_ARP_LEN], const uint8_t mac[6], struct in_addr ip);
/*
 * Builds the unsolicited NA for ip at mac into buf (ANN_NA_LEN bytes): from ip
 * to ff02::1, override set, solicited clear, router as given (a forwarding
 * host must keep its router flag in its neighbours' caches).
 */
void ann_build_na(uint8_t buf[ANN_NA_LEN], const uint8_t mac[6], const struct in6_addr *ip,
		  bool router);

/*
 * Announces every address in use on ifindex except those in skip[0..n_skip)
 * (the cluster IPs: they belong to the cluster MAC, answered by the fast path)
 * with the NIC's current MAC, ANN_ROUNDS times. A link that is down is left
 * alone. Returns the number of addresses announced, or -errno (message in err).
 */
int ann_host_addrs(int ifindex, const struct nl_addr *skip, int n_skip, struct nl_err *err);

#endif
