/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NLB's ip2mac: the cluster MAC address derived from a cluster IP address.
 * In lib/ so that wlbsd (config) and the CLI (`wlbs ip2mac`) share one copy.
 */
#ifndef WLBS_IP2MAC_H
#define WLBS_IP2MAC_H

#include <stdbool.h>

/* How the cluster MAC is addressed ([cluster] mode). */
enum wlbs_cluster_mode {
	WLBS_CLUSTER_MULTICAST = 0, /* 03-bf-a-b-c-d (our default) */
	WLBS_CLUSTER_IGMP = 1,	    /* 01-00-5e-7f-c-d */
	WLBS_CLUSTER_UNICAST = 2,   /* 02-bf-a-b-c-d */
};

/* Room for "xx-xx-xx-xx-xx-xx" and its NUL. */
#define IP2MAC_STRLEN 18

/* Cluster MAC for IPv4 a.b.c.d (ip[0] = a) in @mode; 0 or -EINVAL for a bad mode. */
int ip2mac_bytes(const unsigned char ip[4], int mode, unsigned char mac[6]);

/*
 * The a.b.c.d a cluster IP string derives the MAC from: an IPv4 address, or
 * the low 32 bits of an IPv6 one (*v6 set). Returns NULL, or why it is refused
 * (0.0.0.0, 255.255.255.255, ::, multicast IPv6, not an address).
 */
const char *ip2mac_parse(const char *ip, unsigned char abcd[4], bool *v6);

/* Cluster MAC for a cluster IP string (ip2mac_parse); 0, or -EINVAL for a bad address or mode. */
int cfg_ip2mac(const char *ip, int mode, unsigned char mac[6]);

/* NLB's IGMP group of IGMP cluster MAC 01-00-5e-7f-c-d: 239.255.c.d (network order). */
void ip2mac_igmp_group(const unsigned char mac[6], unsigned char group[4]);

/* "multicast", "igmp", "unicast" -> mode (case-insensitive), or -EINVAL. */
int ip2mac_mode_parse(const char *name);

/* Mode -> its configuration name, or "?" for an unknown mode. */
const char *ip2mac_mode_name(int mode);

/* NLB's spelling of a MAC: lower-case hex bytes joined by '-'. */
void ip2mac_format(const unsigned char mac[6], char buf[IP2MAC_STRLEN]);

#endif /* WLBS_IP2MAC_H */
