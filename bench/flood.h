/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What bench/flood.c and its frame source bpf/flood.bpf.c share: the flow
 * table of the live-frames mode. Fixed-width fields, network byte order.
 */
#ifndef WLBS_BENCH_FLOOD_H
#define WLBS_BENCH_FLOOD_H

#define FLOOD_MAX_FLOWS 65536 /* a power of two: the program masks the index */
#define FLOOD_L3	14    /* IPv4 header offset */
#define FLOOD_L4	34    /* transport header offset (no IP options) */
#define FLOOD_MIN_LEN	54    /* every field written lies below this */
#define FLOOD_CSUM_UDP	(FLOOD_L4 + 6)
#define FLOOD_CSUM_TCP	(FLOOD_L4 + 16)

/* One flow: what differs from the template frame. */
struct flood_flow {
	__u32 saddr;   /* client address */
	__u16 sport;   /* client port */
	__u16 ip_csum; /* IPv4 header checksum */
	__u16 l4_csum; /* UDP or TCP checksum */
	__u16 pad;
};

_Static_assert(sizeof(struct flood_flow) == 12, "struct flood_flow");

#endif
