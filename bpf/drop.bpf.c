// SPDX-License-Identifier: GPL-2.0
/* make bench-peers' bare XDP_DROP peer: the cheapest filter there is. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int drop_xdp(struct xdp_md *ctx)
{
	return XDP_DROP;
}
