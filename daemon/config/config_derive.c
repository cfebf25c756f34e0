// SPDX-License-Identifier: GPL-2.0
/*
 * What every host derives from its configuration and must agree on with the
 * others: the cluster MAC, the default hash seed, the order of the port rules
 * in the fast-path tables, and the rules' fingerprint that heartbeats carry;
 * and which of its keys only a restart applies.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <wlbs/hash.h>
#include "config/config.h"

int cfg_cluster_mac(const struct wlbs_config *c, unsigned char mac[6])
{
	const struct cfg_addr *a;
	int i;

	if (c->cluster_mac_set) {
		memcpy(mac, c->cluster_mac, 6);
		return 0;
	}
	if (!c->n_vips)
		return -EINVAL;
	a = &c->vips[0];
	for (i = 0; i < c->n_vips; i++)
		if (c->vips[i].v4) {
			a = &c->vips[i];
			break;
		}
	/* a.b.c.d: the IPv4 address, or the low 32 bits of an IPv6 one. */
	return ip2mac_bytes(&a->addr.s6_addr[12], c->cluster_mode, mac);
}

struct in_addr cfg_igmp_group(const struct wlbs_config *c)
{
	unsigned char mac[6] = {0};
	struct in_addr g;

	cfg_cluster_mac(c, mac);
	ip2mac_igmp_group(mac, (unsigned char *)&g.s_addr);
	return g;
}

/*
 * NLB lets an administrator set the cluster MAC; we refuse one that cannot
 * work in the mode: a multicast MAC cannot be a NIC's own address (unicast),
 * a unicast one in the multicast filter would be a second station address,
 * and IGMP snooping switches forward only the MAC of the group joined.
 */
const char *cfg_mac_fits_mode(const uint8_t mac[6], int mode)
{
	static const uint8_t zero[6], bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t igmp[4] = {0x01, 0x00, 0x5e, 0x7f};

	if (!memcmp(mac, bcast, 6))
		return "the broadcast MAC is never a cluster MAC";
	if (!memcmp(mac, zero, 6))
		return "the all-zero MAC is never a cluster MAC";
	if (mode == WLBS_CLUSTER_UNICAST && (mac[0] & 1))
		return "unicast mode needs a unicast MAC (multicast bit clear)";
	if (mode == WLBS_CLUSTER_MULTICAST && !(mac[0] & 1))
		return "multicast mode needs a multicast MAC (multicast bit set)";
	if (mode == WLBS_CLUSTER_IGMP && memcmp(mac, igmp, 4))
		return "igmp mode needs 01-00-5e-7f-c-d (the MAC of group 239.255.c.d)";
	return NULL;
}

/* Hash input word @i of an address, independent of the host's byte order. */
static uint32_t addr_word(const struct in6_addr *a, int i)
{
	uint32_t w;

	memcpy(&w, &a->s6_addr[4 * i], 4);
	return ntohl(w);
}

uint32_t cfg_derive_seed(const struct cfg_addr *first)
{
	uint64_t h = 0x574c4253; /* "WLBS" */
	int i;

	for (i = 0; i < 4; i++)
		h = wlbs_hash_step(h, addr_word(&first->addr, i));
	return wlbs_hash_finish(h);
}

static const struct in6_addr *rule_vip(const struct wlbs_config *c, const struct cfg_rule *r)
{
	return r->vip >= 0 && r->vip < c->n_vips ? &c->vips[r->vip].addr : NULL;
}

static int rule_cmp(const struct wlbs_config *c, const struct cfg_rule *a, const struct cfg_rule *b)
{
	const struct in6_addr *va = rule_vip(c, a), *vb = rule_vip(c, b);
	int d;

	if (!va != !vb)
		return va ? -1 : 1;
	if (va) {
		d = memcmp(va, vb, sizeof(*va));
		if (d)
			return d;
	}
	if (a->port_lo != b->port_lo)
		return a->port_lo < b->port_lo ? -1 : 1;
	return (int)a->proto - (int)b->proto;
}

int cfg_rule_order(const struct wlbs_config *c, int order[WLBS_MAX_RULES])
{
	int n = c->n_rules < WLBS_MAX_RULES ? c->n_rules : WLBS_MAX_RULES;
	int i, j, x;

	/* Insertion sort: stable, and n is at most 32. */
	for (i = 0; i < n; i++) {
		x = i;
		for (j = i; j > 0 && rule_cmp(c, &c->rules[order[j - 1]], &c->rules[x]) > 0; j--)
			order[j] = order[j - 1];
		order[j] = x;
	}
	return n;
}

bool cfg_rules_equal(const struct wlbs_config *a, const struct wlbs_config *b)
{
	int i;

	if (a->n_rules != b->n_rules)
		return false;
	for (i = 0; i < a->n_rules; i++) {
		const struct cfg_rule *x = &a->rules[i], *y = &b->rules[i];
		const struct in6_addr *vx = rule_vip(a, x), *vy = rule_vip(b, y);

		if (strcmp(x->name, y->name) || !vx != !vy || (vx && memcmp(vx, vy, sizeof(*vx))) ||
		    x->port_lo != y->port_lo || x->port_hi != y->port_hi || x->proto != y->proto ||
		    x->mode != y->mode || x->affinity != y->affinity ||
		    x->equal_load != y->equal_load || x->load_weight != y->load_weight ||
		    x->handling_priority != y->handling_priority)
			return false;
	}
	return true;
}

uint32_t cfg_rules_fingerprint(const struct wlbs_config *c)
{
	int order[WLBS_MAX_RULES], n = cfg_rule_order(c, order), i, w;
	uint64_t h = wlbs_hash_step(0x52554c45 /* "RULE" */, n);

	for (i = 0; i < n; i++) {
		const struct cfg_rule *r = &c->rules[order[i]];
		const struct in6_addr *vip = rule_vip(c, r);

		/* ff..ff for all: never a cluster IP (multicast is refused). */
		for (w = 0; w < 4; w++)
			h = wlbs_hash_step(h, vip ? addr_word(vip, w) : 0xffffffffu);
		h = wlbs_hash_step(h, (uint32_t)r->port_lo << 16 | r->port_hi);
		h = wlbs_hash_step(h, r->proto | r->mode << 8 | r->affinity << 16);
	}
	return wlbs_hash_finish(h);
}

/* Appends what changed to @buf (", " between two), counting it in @n. */
__attribute__((format(printf, 4, 5))) static void restart_key(char *buf, size_t len, int *n,
							      const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if ((*n)++ && used + 3 < len) {
		memcpy(buf + used, ", ", 3);
		used += 2;
	}
	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/*
 * The interface, the cluster MAC and the fast path's attach mode were set up
 * at start (NIC address, multicast filter or IGMP group, the install record
 * that undoes them, the XDP attachment), and the priority is this host's
 * identity in every heartbeat and bucket: changing any of them live would
 * leave the old one half in place.
 */
int cfg_restart_keys(const struct wlbs_config *old, const struct wlbs_config *next, char *buf,
		     size_t len)
{
	static const char *const xdp[] = {"auto", "native", "generic"};
	unsigned char a[6] = {0}, b[6] = {0};
	char sa[IP2MAC_STRLEN], sb[IP2MAC_STRLEN];
	int n = 0;

	if (len)
		buf[0] = '\0';
	if (next->priority != old->priority)
		restart_key(buf, len, &n, "priority %u -> %u", old->priority, next->priority);
	if (strcmp(next->ifname, old->ifname))
		restart_key(buf, len, &n, "interface %s -> %s", old->ifname, next->ifname);
	cfg_cluster_mac(old, a);
	cfg_cluster_mac(next, b);
	if (memcmp(a, b, 6) || old->cluster_mode != next->cluster_mode) {
		ip2mac_format(a, sa);
		ip2mac_format(b, sb);
		restart_key(buf, len, &n, "cluster MAC/mode %s %s -> %s %s", sa,
			    ip2mac_mode_name(old->cluster_mode), sb,
			    ip2mac_mode_name(next->cluster_mode));
	}
	if (next->xdp_mode != old->xdp_mode)
		restart_key(buf, len, &n, "xdp_mode %s -> %s", xdp[old->xdp_mode % 3],
			    xdp[next->xdp_mode % 3]);
	return n;
}
