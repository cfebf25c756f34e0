// SPDX-License-Identifier: GPL-2.0
/* Test frame builder; see frames.h. Writes go through room(), which never overflows. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "frames.h"

const uint8_t frame_client_mac[6] = {0x02, 0xaa, 0x00, 0x00, 0x00, 0x01};
const uint8_t frame_cluster_mac[6] = {0x03, 0xbf, 0x0a, 0x00, 0x00, 0x64};

/* Reserves @n zeroed bytes at the end of the frame, or records -ENOSPC. */
static uint8_t *room(struct frame *f, size_t n)
{
	uint8_t *p;

	if (f->err)
		return NULL;
	if (n > FRAME_MAX - f->len) {
		f->err = -ENOSPC;
		return NULL;
	}
	p = f->b + f->len;
	memset(p, 0, n);
	f->len += n;
	return p;
}

static void put_mem(struct frame *f, const void *src, size_t n)
{
	uint8_t *p = room(f, n);

	if (p)
		memcpy(p, src, n);
}

static void put8(struct frame *f, uint8_t v)
{
	put_mem(f, &v, 1);
}

static void put16(struct frame *f, uint16_t v)
{
	uint16_t be = htons(v);

	put_mem(f, &be, 2);
}

static void put32(struct frame *f, uint32_t v)
{
	uint32_t be = htonl(v);

	put_mem(f, &be, 4);
}

/* Overwrites a 16-bit field already in the frame (network byte order). */
static void set16(struct frame *f, size_t off, uint16_t v)
{
	if (f->err || off + 2 > f->len) {
		f->err = f->err ? f->err : -EINVAL;
		return;
	}
	f->b[off] = v >> 8;
	f->b[off + 1] = v & 0xff;
}

/* Checksum fields are stored as computed (already in network order). */
static void set_csum(struct frame *f, size_t off, uint16_t csum)
{
	if (f->err || off + 2 > f->len)
		return;
	memcpy(f->b + off, &csum, 2);
}

static void put_payload(struct frame *f, size_t n)
{
	uint8_t *p = room(f, n);
	size_t i;

	for (i = 0; p && i < n; i++)
		p[i] = (uint8_t)(0x41 + i % 26);
}

uint16_t frame_csum(const void *data, size_t n, uint32_t sum)
{
	const uint8_t *b = data;
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

uint32_t frame_pseudo_sum(int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
			  uint32_t len)
{
	size_t alen = v6 ? 16 : 4, i;
	uint32_t s = 0;

	for (i = 0; i < alen; i += 2) {
		s += (uint32_t)(src[i] << 8 | src[i + 1]);
		s += (uint32_t)(dst[i] << 8 | dst[i + 1]);
	}
	return s + proto + (len >> 16) + (len & 0xffff);
}

static void put_eth(struct frame *f, const struct pkt *p, uint16_t type)
{
	int i;

	put_mem(f, p->eth_dst, 6);
	put_mem(f, p->eth_src, 6);
	for (i = 0; i < p->n_vlan && i < FRAME_MAX_VLAN; i++) {
		put16(f, p->vlan_tpid[i] ? p->vlan_tpid[i] : 0x8100);
		put16(f, p->vlan_tci[i]);
	}
	if (p->n_vlan > FRAME_MAX_VLAN)
		f->err = -EINVAL;
	put16(f, type);
}

static int is_frag(const struct pkt *p)
{
	return p->frag_off || p->mf;
}

/* One IPv6 extension header; @next is the header after it. */
static void put_ext(struct frame *f, const struct pkt *p, uint8_t type, uint8_t next)
{
	switch (type) {
	case IPPROTO_FRAGMENT:
		put8(f, next);
		put8(f, 0);
		put16(f, (uint16_t)(p->frag_off & ~7u) | (p->mf ? 1 : 0));
		put32(f, p->frag_id);
		break;
	case IPPROTO_ROUTING:
		/* Segment routing header with one segment: 24 bytes, hdrlen 2. */
		put8(f, next);
		put8(f, 2);
		put8(f, 4);
		put8(f, 0);
		room(f, 20);
		break;
	default:
		/* Hop-by-hop / destination options: one PadN filling 8 bytes. */
		put8(f, next);
		put8(f, 0);
		put8(f, 1);
		put8(f, 4);
		room(f, 4);
		break;
	}
}

static void put_l4(struct frame *f, const struct pkt *p)
{
	size_t i;

	f->l4 = f->len;
	switch (p->proto) {
	case IPPROTO_TCP:
		put16(f, p->sport);
		put16(f, p->dport);
		put32(f, 0x1000);
		put32(f, p->tcp_flags & TCPF_ACK ? (p->ack_seq ? p->ack_seq : 0x2000) : 0);
		put8(f, 5 << 4);
		put8(f, p->tcp_flags);
		put16(f, 65535);
		put32(f, 0);
		break;
	case IPPROTO_UDP:
		put16(f, p->sport);
		put16(f, p->dport);
		put16(f, (uint16_t)(8 + p->payload));
		put16(f, 0);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (p->quote) {
			put8(f, p->icmp_type);
			put8(f, p->icmp_code);
			put16(f, 0);
			put32(f, 1280); /* MTU of frag-needed / packet-too-big */
			for (i = 0; i < p->quote_len; i++)
				put8(f, p->quote[i]);
		} else {
			put8(f, p->proto == IPPROTO_ICMP ? 8 : 128);
			put8(f, 0);
			put16(f, 0);
			put16(f, 0x1234);
			put16(f, 1);
		}
		break;
	default:
		f->l4 = 0;
		break;
	}
	put_payload(f, p->payload);
}

/* Fills the L4 checksum once the whole datagram is in place. */
static void l4_csum(struct frame *f, const struct pkt *p)
{
	size_t len = f->len - f->l4;
	uint32_t sum = 0;
	size_t off;

	if (f->err || !f->l4)
		return;
	switch (p->proto) {
	case IPPROTO_TCP:
		off = 16;
		break;
	case IPPROTO_UDP:
		off = 6;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		off = 2;
		break;
	default:
		return;
	}
	if (p->proto != IPPROTO_ICMP)
		sum = frame_pseudo_sum(p->v6, p->src, p->dst, p->proto, (uint32_t)len);
	set_csum(f, f->l4 + off, frame_csum(f->b + f->l4, len, sum));
}

static void build_v4(struct frame *f, const struct pkt *p)
{
	int opt = p->ip_opt_len;
	size_t ip;

	if (opt < 0 || opt > 40 || opt % 4) {
		f->err = -EINVAL;
		return;
	}
	ip = f->l3 = f->len;
	put8(f, (uint8_t)(0x40 | (5 + opt / 4)));
	put8(f, 0);
	put16(f, 0);
	put16(f, (uint16_t)p->frag_id);
	put16(f, (uint16_t)((p->mf ? 0x2000 : 0) | (p->frag_off / 8 & 0x1fff)));
	put8(f, p->ttl ? p->ttl : 64);
	put8(f, p->proto);
	put16(f, 0);
	put_mem(f, p->src, 4);
	put_mem(f, p->dst, 4);
	while (opt-- > 0)
		put8(f, 1);
	if (p->frag_off)
		put_payload(f, p->payload);
	else
		put_l4(f, p);
	set16(f, ip + 2, (uint16_t)(f->len - ip));
	if (!f->err)
		set_csum(f, ip + 10, frame_csum(f->b + ip, 20 + p->ip_opt_len, 0));
	if (!p->frag_off)
		l4_csum(f, p);
}

static void build_v6(struct frame *f, const struct pkt *p)
{
	uint8_t ext[FRAME_MAX_EXT + 1];
	int n = p->n_ext, i, has_frag = 0;
	size_t ip;

	if (n < 0 || n > FRAME_MAX_EXT) {
		f->err = -EINVAL;
		return;
	}
	memcpy(ext, p->ext, (size_t)n);
	for (i = 0; i < n; i++)
		has_frag |= ext[i] == IPPROTO_FRAGMENT;
	if (is_frag(p) && !has_frag)
		ext[n++] = IPPROTO_FRAGMENT;
	ip = f->l3 = f->len;
	put32(f, 0x60000000);
	put16(f, 0);
	put8(f, n ? ext[0] : p->proto);
	put8(f, p->ttl ? p->ttl : 64);
	put_mem(f, p->src, 16);
	put_mem(f, p->dst, 16);
	for (i = 0; i < n; i++)
		put_ext(f, p, ext[i], i + 1 < n ? ext[i + 1] : p->proto);
	if (p->frag_off)
		put_payload(f, p->payload);
	else
		put_l4(f, p);
	set16(f, ip + 4, (uint16_t)(f->len - ip - 40));
	if (!p->frag_off)
		l4_csum(f, p);
}

int frame_build(struct frame *f, const struct pkt *p)
{
	memset(f, 0, sizeof(*f));
	if (p->ethertype) {
		put_eth(f, p, p->ethertype);
		f->l3 = f->len;
		put_payload(f, p->payload);
		return f->err;
	}
	put_eth(f, p, p->v6 ? 0x86dd : 0x0800);
	if (p->v6)
		build_v6(f, p);
	else
		build_v4(f, p);
	return f->err;
}

int pkt_init(struct pkt *p, int v6, const char *src, const char *dst, uint8_t proto, uint16_t sport,
	     uint16_t dport)
{
	int af = v6 ? AF_INET6 : AF_INET;

	memset(p, 0, sizeof(*p));
	memcpy(p->eth_dst, frame_cluster_mac, 6);
	memcpy(p->eth_src, frame_client_mac, 6);
	p->v6 = v6;
	p->proto = proto;
	p->sport = sport;
	p->dport = dport;
	p->tcp_flags = TCPF_ACK;
	if (inet_pton(af, src, p->src) != 1 || inet_pton(af, dst, p->dst) != 1)
		return -EINVAL;
	return 0;
}

int frame_arp(struct frame *f, uint16_t op, const uint8_t sha[6], const char *spa,
	      const uint8_t tha[6], const char *tpa)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t zero[6];
	uint8_t sa[4], ta[4];

	memset(f, 0, sizeof(*f));
	if (inet_pton(AF_INET, spa, sa) != 1 || inet_pton(AF_INET, tpa, ta) != 1)
		return f->err = -EINVAL;
	put_mem(f, op == 1 || !tha ? bcast : tha, 6);
	put_mem(f, sha, 6);
	put16(f, 0x0806);
	f->l3 = f->len;
	put16(f, 1);
	put16(f, 0x0800);
	put8(f, 6);
	put8(f, 4);
	put16(f, op);
	put_mem(f, sha, 6);
	put_mem(f, sa, 4);
	put_mem(f, tha ? tha : zero, 6);
	put_mem(f, ta, 4);
	room(f, 60 - f->len); /* Ethernet minimum, as on the wire */
	return f->err;
}

int frame_ns(struct frame *f, const uint8_t eth_src[6], const char *src, const char *target)
{
	uint8_t s[16], t[16], d[16] = {0xff, 0x02, [11] = 1, [12] = 0xff};
	static const uint8_t any[16];
	int dad;
	size_t l4;

	memset(f, 0, sizeof(*f));
	if (inet_pton(AF_INET6, src, s) != 1 || inet_pton(AF_INET6, target, t) != 1)
		return f->err = -EINVAL;
	dad = !memcmp(s, any, 16);
	memcpy(d + 13, t + 13, 3);
	put16(f, 0x3333);
	put_mem(f, d + 12, 4);
	put_mem(f, eth_src, 6);
	put16(f, 0x86dd);
	f->l3 = f->len;
	put32(f, 0x60000000);
	put16(f, dad ? 24 : 32);
	put8(f, IPPROTO_ICMPV6);
	put8(f, 255);
	put_mem(f, s, 16);
	put_mem(f, d, 16);
	l4 = f->l4 = f->len;
	put8(f, 135);
	put8(f, 0);
	put16(f, 0);
	put32(f, 0);
	put_mem(f, t, 16);
	if (!dad) {
		put8(f, 1);
		put8(f, 1);
		put_mem(f, eth_src, 6);
	}
	if (!f->err)
		set_csum(
		    f, l4 + 2,
		    frame_csum(f->b + l4, f->len - l4,
			       frame_pseudo_sum(1, s, d, IPPROTO_ICMPV6, (uint32_t)(f->len - l4))));
	return f->err;
}

void frame_vip(struct wlbs_vip *v, const char *addr)
{
	uint8_t a[16] = {[10] = 0xff, [11] = 0xff};

	if (strchr(addr, ':'))
		inet_pton(AF_INET6, addr, a);
	else
		inet_pton(AF_INET, addr, a + 12);
	memcpy(v->addr, a, 16);
}
