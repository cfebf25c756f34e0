// SPDX-License-Identifier: GPL-2.0
/*
 * The bench's many-flows mode. BPF_PROG_TEST_RUN repeats one buffer, so every
 * map access would hit a warm cache: this program gives each run the next of
 * 65,536 flows (distinct client address and port), then tail-calls the
 * program measured. A frame that program rewrites (the ARP request becomes a
 * reply) is restored from its template first. The floor runs behind it too,
 * so what it costs is measured and taken out.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define ROTATE_TMPL 60 /* an Ethernet minimum frame */

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} rotate_target SEC(".maps");

__u32 rotate_runs;
__u32 rotate_addr_off; /* offset of the client address's last two bytes */
__u32 rotate_port_off; /* offset of the client port, 0 = none */
__u32 rotate_restore;  /* copy rotate_tmpl over the frame first */
__u8 rotate_tmpl[ROTATE_TMPL];

SEC("xdp")
int bench_rotate(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	/* A bijection of the run number's low 16 bits: 65,536 distinct flows. */
	__u32 x = (rotate_runs++ & 0xffff) * 2654435761u;
	__u8 *p;

	if (rotate_restore) {
		if (data + ROTATE_TMPL > end)
			return XDP_ABORTED;
		__builtin_memcpy(data, rotate_tmpl, ROTATE_TMPL);
	}
	p = data + (rotate_addr_off & 127);
	if ((void *)(p + 2) > end)
		return XDP_ABORTED;
	p[0] = x >> 8;
	p[1] = x;
	if (rotate_port_off) {
		p = data + (rotate_port_off & 127);
		if ((void *)(p + 2) > end)
			return XDP_ABORTED;
		p[0] = x >> 24;
		p[1] = x >> 16;
	}
	bpf_tail_call(ctx, &rotate_target, 0);
	return XDP_ABORTED;
}
