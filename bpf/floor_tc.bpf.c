// SPDX-License-Identifier: GPL-2.0
/* The benchmark's floor for tc programs: a bare TC_ACT_OK. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int floor_tc(struct __sk_buff *skb)
{
	return 0; /* TC_ACT_OK */
}
