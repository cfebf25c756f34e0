// SPDX-License-Identifier: GPL-2.0
/*
 * make bench-peers' frame source (bench/flood.c, --mode xdp): run by
 * BPF_PROG_RUN in live-frames mode, it turns the template frame into the next
 * flow of flood_flows (client address and port, both checksums, and the
 * destination MAC, which a receiver's XDP program may have rewritten in this
 * recycled page) and redirects it to flood_ifindex: the frames reach that
 * veth's peer as XDP frames, as from a NIC's driver.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "../bench/flood.h"

char LICENSE[] SEC("license") = "GPL";

struct flood_flow flood_flows[FLOOD_MAX_FLOWS];
const volatile __u32 flood_nflows = 1;		      /* flows used, 1..FLOOD_MAX_FLOWS */
const volatile __u32 flood_ifindex;		      /* where every frame goes */
const volatile __u32 flood_csum_off = FLOOD_CSUM_UDP; /* the L4 checksum's offset */
const volatile __u8 flood_dst_mac[6];		      /* the frames' destination */
__u32 flood_next;				      /* the next flow */

SEC("xdp")
int flood_xdp(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct flood_flow *f;
	__u32 i = flood_next;
	int k;

	if (data + FLOOD_MIN_LEN > end)
		return XDP_ABORTED;
	flood_next = i + 1 >= flood_nflows ? 0 : i + 1;
	f = &flood_flows[i & (FLOOD_MAX_FLOWS - 1)];
	/* Volatile reads: a memcpy from the (const) array would be folded to zeros. */
	for (k = 0; k < 6; k++)
		data[k] = flood_dst_mac[k];
	*(__u32 *)(data + FLOOD_L3 + 12) = f->saddr;
	*(__u16 *)(data + FLOOD_L3 + 10) = f->ip_csum;
	*(__u16 *)(data + FLOOD_L4) = f->sport;
	if (flood_csum_off == FLOOD_CSUM_TCP)
		*(__u16 *)(data + FLOOD_CSUM_TCP) = f->l4_csum;
	else
		*(__u16 *)(data + FLOOD_CSUM_UDP) = f->l4_csum;
	return bpf_redirect(flood_ifindex, 0);
}
