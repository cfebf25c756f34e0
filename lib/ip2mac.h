/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NLB's ip2mac: the cluster MAC address derived from a cluster IPv4 address.
 * In lib/ so that wlbsd (config) and the CLI (`wlbs ip2mac`) share one copy.
 */
#ifndef WLBS_IP2MAC_H
#define WLBS_IP2MAC_H

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

/* Cluster MAC for a dotted-quad IPv4 string; 0, or -EINVAL for a bad address or mode. */
int cfg_ip2mac(const char *ipv4, int mode, unsigned char mac[6]);

/* "multicast", "igmp", "unicast" -> mode (case-insensitive), or -EINVAL. */
int ip2mac_mode_parse(const char *name);

/* Mode -> its configuration name, or "?" for an unknown mode. */
const char *ip2mac_mode_name(int mode);

/* NLB's spelling of a MAC: lower-case hex bytes joined by '-'. */
void ip2mac_format(const unsigned char mac[6], char buf[IP2MAC_STRLEN]);

#endif /* WLBS_IP2MAC_H */
