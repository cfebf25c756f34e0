// SPDX-License-Identifier: GPL-2.0
/* The benchmark's floor: the cheapest XDP program there is. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int floor_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}
