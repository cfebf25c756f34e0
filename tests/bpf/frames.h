/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test frame builder: Ethernet (+VLAN tags), IPv4 (options, fragments), IPv6
 * (extension headers, fragments), TCP, UDP, ICMP/ICMPv6 echo and errors, ARP and
 * IPv6 neighbour solicitation. Every write is bounds-checked against the frame
 * buffer; checksums are filled in the way the kernel would verify them.
 */
#ifndef WLBS_TEST_FRAMES_H
#define WLBS_TEST_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "wlbs/common.h"

/* Largest frame the builder makes (a full Ethernet frame with two tags). */
#define FRAME_MAX 1536
/* VLAN tags the builder can stack (the fast path parses two). */
#define FRAME_MAX_VLAN 3
/* IPv6 extension headers the builder can chain. */
#define FRAME_MAX_EXT 8

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

struct frame {
	uint8_t b[FRAME_MAX];
	size_t len;
	size_t l3; /* offset of the IP or ARP header */
	size_t l4; /* offset of the L4 header, 0 when there is none */
	int err;   /* -ENOSPC or -EINVAL once a write did not fit or made no sense */
};

/* What frame_build() makes. Zero means the default for every field. */
struct pkt {
	uint8_t eth_dst[6];
	uint8_t eth_src[6];
	int n_vlan;			    /* tags, outermost first */
	uint16_t vlan_tpid[FRAME_MAX_VLAN]; /* 0 = 0x8100 */
	uint16_t vlan_tci[FRAME_MAX_VLAN];
	uint16_t ethertype; /* non-IP frames: the type, payload bytes follow */
	int v6;		    /* 0: IPv4, 1: IPv6 */
	uint8_t src[16];    /* IPv4: first 4 bytes */
	uint8_t dst[16];
	uint8_t proto;	       /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 or any */
	uint8_t ttl;	       /* 0 = 64 */
	uint16_t sport, dport; /* TCP and UDP */
	uint8_t tcp_flags;
	uint32_t ack_seq; /* TCP acknowledgment number when ACK is set; 0 = 0x2000 */
	uint16_t payload; /* L4 payload bytes */
	/* Fragments: IPv4 header fields, or an IPv6 fragment header (added when absent). */
	uint32_t frag_id;
	uint16_t frag_off; /* in bytes, a multiple of 8 */
	int mf;
	int ip_opt_len;		    /* IPv4 option bytes (NOPs), multiple of 4, <= 40 */
	int n_ext;		    /* IPv6 extension headers, in order */
	uint8_t ext[FRAME_MAX_EXT]; /* IPPROTO_HOPOPTS, _DSTOPTS, _ROUTING, _FRAGMENT */
	/* ICMP: an error when quote is set, else an echo request. */
	uint8_t icmp_type, icmp_code;
	const uint8_t *quote; /* quoted packet from its IP header on */
	size_t quote_len;
};

/* Fills @p with an IPv4/IPv6 flow, Ethernet addresses of a client to the cluster MAC. */
int pkt_init(struct pkt *p, int v6, const char *src, const char *dst, uint8_t proto, uint16_t sport,
	     uint16_t dport);
/* Builds @p into @f; returns 0 or -errno (also left in f->err). */
int frame_build(struct frame *f, const struct pkt *p);
/* ARP over Ethernet/IPv4; @tha NULL = zeros. Requests go to broadcast, replies to @tha. */
int frame_arp(struct frame *f, uint16_t op, const uint8_t sha[6], const char *spa,
	      const uint8_t tha[6], const char *tpa);
/* ICMPv6 neighbour solicitation for @target from @src (:: = DAD, no option), with SLLA. */
int frame_ns(struct frame *f, const uint8_t eth_src[6], const char *src, const char *target);

/* Internet checksum of @n bytes added to @sum, folded and complemented. */
uint16_t frame_csum(const void *data, size_t n, uint32_t sum);
/* Sum of the TCP/UDP/ICMPv6 pseudo header (not folded). */
uint32_t frame_pseudo_sum(int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
			  uint32_t len);
/* The default client and cluster Ethernet addresses pkt_init() uses. */
extern const uint8_t frame_client_mac[6];
extern const uint8_t frame_cluster_mac[6];

/* A cluster IP in the tables' form (IPv4 v4-mapped) from its text. */
void frame_vip(struct wlbs_vip *v, const char *addr);

#endif /* WLBS_TEST_FRAMES_H */
