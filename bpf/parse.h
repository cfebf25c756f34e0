/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounds-checked header parsing. Every reader checks against data_end before
 * it touches a byte; a flow is normalised to client -> cluster IP direction
 * (ICMP errors are turned around to the flow they quote).
 */
#ifndef WLBS_BPF_PARSE_H
#define WLBS_BPF_PARSE_H

struct vlan_tag {
	__be16 tci;
	__be16 proto; /* encapsulated ethertype */
};

/* Ethernet/IPv4 ARP, the only kind we answer. */
struct arp_eth {
	__be16 hrd;
	__be16 pro;
	__u8 hln;
	__u8 pln;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__be32 sip;
	__u8 tha[ETH_ALEN];
	__be32 tip;
} __attribute__((packed, aligned(2))); /* at an even offset: 2-byte copies */

struct ip6_opt_hdr {
	__u8 nexthdr;
	__u8 len; /* in 8-byte units, not counting the first 8 (AH: 4-byte units - 2) */
};

struct ip6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | M flag */
	__be32 id;
};

/* Fragment position of a datagram. */
enum frag_kind {
	FRAG_NONE = 0,
	FRAG_FIRST, /* offset 0, more to come: carries the ports */
	FRAG_LATER, /* offset != 0: no ports */
};

/* A classified cluster packet, client -> cluster IP. */
struct flow {
	__u32 client[4]; /* v4-mapped for IPv4, network order */
	__u32 vip[4];
	__u16 client_port; /* host order */
	__u16 vip_port;
	__u32 vip_idx; /* index into the live wlbs_tables.vips */
	__u32 frag_id;
	__u8 v4;
	__u8 l4proto; /* IPPROTO_TCP/UDP/..., of the quoted packet for ICMP errors */
	__u8 syn;     /* TCP SYN without ACK: a new connection */
	__u8 synack;  /* TCP SYN+ACK: answer to a connection a host opened from a cluster IP */
	__u8 frag;    /* enum frag_kind */
	__u8 quoted;  /* classified from the packet an ICMP error quotes */
	__u8 ack;     /* TCP ACK set: ack_seq is the acknowledgment number */
	__u8 _pad;
	__u32 rule;    /* stats slot of the verdict (set by wlbs_decide) */
	__u32 ack_seq; /* network order */
};

/*
 * ctx->data and ctx->data_end, read so that the compiler cannot merge two
 * reads into one through a computed ctx offset (the verifier refuses that).
 */
static __always_inline void *xdp_data(struct xdp_md *ctx)
{
	void *p;

	asm volatile("%0 = *(u32 *)(%1 + 0)" : "=r"(p) : "r"(ctx));
	return p;
}

static __always_inline void *xdp_data_end(struct xdp_md *ctx)
{
	void *p;

	asm volatile("%0 = *(u32 *)(%1 + 4)" : "=r"(p) : "r"(ctx));
	return p;
}

/*
 * Walks up to two VLAN tags after the Ethernet header at @data: *@proto gets
 * the inner ethertype, *@l3off the offset of the L3 header. -1 if truncated.
 */
static __always_inline int skip_vlans(void *data, void *end, __be16 *proto, __u32 *l3off)
{
	struct ethhdr *eth = data;
	struct vlan_tag *tag;
	int i;

	if ((void *)(eth + 1) > end)
		return -1;
	*proto = eth->h_proto;
	*l3off = sizeof(*eth);
	for (i = 0; i < 2; i++) {
		if (*proto != bpf_htons(ETH_P_8021Q) && *proto != bpf_htons(ETH_P_8021AD))
			break;
		tag = data + *l3off;
		if ((void *)(tag + 1) > end)
			return -1;
		*proto = tag->proto;
		*l3off += sizeof(*tag);
	}
	return 0;
}

/* IPv4 address as the v4-mapped words the tables use. */
static __always_inline void map_v4(__u32 out[4], __be32 a)
{
	out[0] = 0;
	out[1] = 0;
	out[2] = bpf_htonl(0xffff);
	out[3] = a;
}

static __always_inline void copy_v6(__u32 out[4], const struct in6_addr *a)
{
	out[0] = a->in6_u.u6_addr32[0];
	out[1] = a->in6_u.u6_addr32[1];
	out[2] = a->in6_u.u6_addr32[2];
	out[3] = a->in6_u.u6_addr32[3];
}

/* Reads TCP/UDP ports at @l4 into @f (client -> cluster IP); -1 if truncated. */
static __always_inline int parse_ports(struct flow *f, void *l4, void *end)
{
	if (f->l4proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > end || th->doff < 5)
			return -1;
		f->client_port = bpf_ntohs(th->source);
		f->vip_port = bpf_ntohs(th->dest);
		f->syn = th->syn && !th->ack;
		f->synack = th->syn && th->ack;
		f->ack = th->ack;
		f->ack_seq = th->ack_seq;
	} else if (f->l4proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > end)
			return -1;
		f->client_port = bpf_ntohs(uh->source);
		f->vip_port = bpf_ntohs(uh->dest);
	}
	return 0;
}

/*
 * Reads the ports of the packet an ICMP error quotes: the server's packet,
 * cluster IP -> client, so source and destination are turned around.
 */
static __always_inline int parse_quoted_ports(struct flow *f, void *l4, void *end)
{
	__be16 *ports = l4;

	if (f->l4proto != IPPROTO_TCP && f->l4proto != IPPROTO_UDP)
		return 0;
	if ((void *)(ports + 2) > end)
		return -1;
	f->vip_port = bpf_ntohs(ports[0]);
	f->client_port = bpf_ntohs(ports[1]);
	return 0;
}

#endif
