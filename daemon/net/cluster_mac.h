/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Making the cluster interface receive the cluster MAC, and keeping the kernel
 * from advertising its own MAC for a cluster IP:
 * - unicast: the cluster MAC is the NIC's MAC (nl_link_set_mac, netlink.h);
 * - multicast: the cluster MAC joins the NIC's multicast filter (cmac_maddr_*);
 * - igmp: the host joins the cluster's IGMP group (cmac_igmp_*), which also
 *   puts the group MAC in the filter and makes snooping switches forward it;
 * - per-interface sysctls (cmac_sysctls_*), old values kept for restore.
 * Same contract as netlink.h: 0 or -errno, message in *err, idempotent.
 */
#ifndef WLBSD_CLUSTER_MAC_H
#define WLBSD_CLUSTER_MAC_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "net/netlink.h"

/* The cluster MAC itself is lib/ip2mac.h's ip2mac_bytes(). */

/* NLB's IGMP group of cluster IPv4 a.b.c.d: 239.255.c.d. */
struct in_addr cmac_igmp_group(struct in_addr vip);

/* Adds/removes multicast MAC mac to ifindex's filter (as `ip maddr add/del`). */
int cmac_maddr_add(int ifindex, const uint8_t mac[6], struct nl_err *err);
int cmac_maddr_del(int ifindex, const uint8_t mac[6], struct nl_err *err);
/* 1 if mac is in ifindex's multicast filter (/proc/net/dev_mcast), 0 if not. */
int cmac_maddr_present(int ifindex, const uint8_t mac[6], struct nl_err *err);

/*
 * Joins IPv4 multicast group on ifindex through socket *fd, opening one
 * (close-on-exec) when *fd < 0. The membership lasts while the socket is open:
 * the daemon keeps it; closing it, or cmac_igmp_leave, leaves the group.
 */
int cmac_igmp_join(int *fd, int ifindex, struct in_addr group, struct nl_err *err);
int cmac_igmp_leave(int fd, int ifindex, struct in_addr group, struct nl_err *err);
/* 1 if the kernel lists group as joined on ifindex (/proc/net/igmp), 0 if not. */
int cmac_igmp_present(int ifindex, struct in_addr group, struct nl_err *err);

/* A sysctl as found before wlbsd changed it; plain strings, so it can be saved to disk. */
struct cmac_sysctl_saved {
	char path[96];	/* below /proc/sys, e.g. "net/ipv4/conf/eth0/arp_announce" */
	char value[32]; /* its value before */
};
/* Most entries cmac_sysctls_apply saves. */
#define CMAC_SYSCTLS_MAX 8

/* Reads /proc/sys/<path> into val (trailing newline removed). */
int cmac_sysctl_get(const char *path, char *val, size_t len, struct nl_err *err);
/* Writes value to /proc/sys/<path>; old value into old (if not NULL). */
int cmac_sysctl_set(const char *path, const char *value, char *old, size_t oldlen,
		    struct nl_err *err);
/*
 * Sets the sysctls a cluster interface needs (table in cluster_mac.c says why
 * each), filling saved[0..*n) with what was there. On failure restores what it
 * changed. Applying twice saves our own values the second time: persist the
 * first saved set and restore from it.
 */
int cmac_sysctls_apply(int ifindex, struct cmac_sysctl_saved saved[CMAC_SYSCTLS_MAX], size_t *n,
		       struct nl_err *err);
/* Writes every saved value back (all of them, even after a failure); first error returned. */
int cmac_sysctls_restore(const struct cmac_sysctl_saved *saved, size_t n, struct nl_err *err);

#endif /* WLBSD_CLUSTER_MAC_H */
