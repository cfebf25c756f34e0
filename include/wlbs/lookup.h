/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which cluster IP and which port rule a packet falls under: the lookups the
 * XDP program makes on every packet, defined once so that wlbsd and the tests
 * pick exactly what the fast path picks. Built by clang -target bpf and by
 * gcc alike: every loop is bounded by a table size (the verifier needs a
 * constant bound) and stops early at the count in use.
 */
#ifndef WLBS_LOOKUP_H
#define WLBS_LOOKUP_H

#include "common.h"

/* IP protocol numbers, spelled here: vmlinux.h and libc define IPPROTO_* in clashing ways. */
#define WLBS_IPPROTO_TCP 6
#define WLBS_IPPROTO_UDP 17

/* Index of address @a (v4-mapped, network order) among the first @n of @vips, or -1. */
WLBS_INLINE int wlbs_vip_index(const struct wlbs_vip *vips, __u32 n, const __u32 a[4])
{
	int i;

	for (i = 0; i < WLBS_MAX_VIPS; i++) {
		if ((__u32)i >= n)
			break;
		if (vips[i].addr[3] == a[3] && vips[i].addr[2] == a[2] && vips[i].addr[1] == a[1] &&
		    vips[i].addr[0] == a[0])
			return i;
	}
	return -1;
}

/* Index of cluster IP @a (v4-mapped, network order) in @t->vips, or -1. */
WLBS_INLINE int wlbs_find_vip(const struct wlbs_tables *t, const __u32 a[4])
{
	return wlbs_vip_index(t->vips, t->n_vips, a);
}

/*
 * Index of the first rule of @t covering (cluster IP index @vip, IP protocol
 * @l4proto, destination port @port, host order), or -1: no rule covers it
 * (only TCP and UDP have rules), and the traffic is the default host's.
 * @vip must be an index wlbs_find_vip() returned.
 */
WLBS_INLINE int wlbs_find_rule(const struct wlbs_tables *t, __u32 vip, __u8 l4proto, __u16 port)
{
	__u8 bit = l4proto == WLBS_IPPROTO_TCP	 ? WLBS_PROTO_TCP
		   : l4proto == WLBS_IPPROTO_UDP ? WLBS_PROTO_UDP
						 : 0;
	__u32 n = t->n_rules;
	int i;

	if (!bit)
		return -1;
	for (i = 0; i < WLBS_MAX_RULES; i++) {
		const struct wlbs_rule *r = &t->rules[i];

		if ((__u32)i >= n)
			break;
		if ((r->vip == vip || r->vip == WLBS_VIP_ALL) && (r->proto & bit) &&
		    port >= r->port_lo && port <= r->port_hi)
			return i;
	}
	return -1;
}

#endif /* WLBS_LOOKUP_H */
