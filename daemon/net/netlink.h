/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster interface as the kernel sees it, over rtnetlink (libmnl):
 * link lookup (index, MAC, MTU, media state, attached XDP program),
 * cluster IP addresses and the interface MAC.
 *
 * Every function returns 0 (or a documented positive value) or -errno, and on
 * error writes one clear line into *err (when err is not NULL), including the
 * kernel's extended-ack message when it sent one. Adds and removes are
 * idempotent: adding what is there and removing what is absent succeed, so a
 * restarted daemon can re-apply its state and `wlbsd --uninstall` can undo it.
 * Each call opens its own short-lived netlink socket: no state, no stale replies.
 */
#ifndef WLBS_NETLINK_H
#define WLBS_NETLINK_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

/* Error text of the last failed call. */
struct nl_err {
	char msg[256];
};

/* IFA_PROTO tag on the addresses wlbsd adds: tells ours from the admin's ('W'). */
#define NL_ADDR_PROTO_WLBS 0x57

/* XDP attachment of a link (IFLA_XDP). */
struct nl_xdp {
	uint8_t attached; /* XDP_ATTACHED_NONE/DRV/SKB/HW/MULTI (linux/if_link.h) */
	uint32_t prog_id; /* the program when exactly one is attached, else 0 */
	uint32_t drv_id;  /* native (driver) mode program, 0 = none */
	uint32_t skb_id;  /* generic mode program, 0 = none */
	uint32_t hw_id;	  /* offloaded program, 0 = none */
};

/* What the cluster code needs to know about an interface (RTM_GETLINK). */
struct nl_link {
	int ifindex;
	char name[IF_NAMESIZE];
	uint8_t mac[6];	     /* current address (IFLA_ADDRESS) */
	uint8_t perm_mac[6]; /* hardware address (IFLA_PERM_ADDRESS), if has_perm_mac */
	bool has_perm_mac;
	uint8_t mac_len; /* 6 on Ethernet; anything else is not a cluster NIC */
	uint16_t type;	 /* ARPHRD_* (ifi_type): lo and tun are not ARPHRD_ETHER */
	uint32_t mtu;
	uint32_t flags;	   /* IFF_* */
	uint8_t operstate; /* IF_OPER_* (RFC 2863) */
	bool carrier;	   /* IFLA_CARRIER */
	struct nl_xdp xdp;
};

/* A cluster IP with its prefix. */
struct nl_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t prefixlen;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} a;
};

/* What the kernel holds for an address (nl_addr_find). */
struct nl_addr_info {
	uint8_t prefixlen;
	uint32_t flags; /* IFA_F_* (IFA_FLAGS, so bits above 8 too) */
	uint8_t proto;	/* IFA_PROTO: NL_ADDR_PROTO_WLBS if wlbsd added it */
	uint8_t scope;
};

/* Parses "10.0.0.5/24", "2001:db8::5/64"; no prefix means /32 or /128. */
int nl_addr_parse(const char *s, struct nl_addr *a, struct nl_err *err);
/* Writes "a.b.c.d/p" or "x::y/p" into buf (at least 64 bytes). */
const char *nl_addr_str(const struct nl_addr *a, char *buf, size_t len);

/* Index of interface name, or -ENODEV with "interface 'x' not found". */
int nl_ifindex(const char *ifname, struct nl_err *err);
int nl_link_get(const char *ifname, struct nl_link *link, struct nl_err *err);
int nl_link_get_index(int ifindex, struct nl_link *link, struct nl_err *err);
/* Up with carrier: false means NLB's WLBS_MEDIA_DISCONNECTED. */
bool nl_link_connected(const struct nl_link *link);

/*
 * Adds a cluster IP: tagged NL_ADDR_PROTO_WLBS; IPv6 gets IFA_F_NODAD (the
 * shared address must not fail DAD against the other hosts) and preferred
 * lifetime 0, so the kernel never picks it as the source of this host's own
 * connections (replies to those would be hashed to any host). An address
 * already there (ours or the admin's; see nl_addr_find) is left untouched.
 */
int nl_addr_add(int ifindex, const struct nl_addr *a, struct nl_err *err);
/* Removes exactly a/prefixlen; absent is success. */
int nl_addr_del(int ifindex, const struct nl_addr *a, struct nl_err *err);
/* 1 if a's address (any prefix) is on ifindex (info filled if not NULL), 0 if not. */
int nl_addr_find(int ifindex, const struct nl_addr *a, struct nl_addr_info *info,
		 struct nl_err *err);
/*
 * The family (AF_INET or AF_INET6) addresses on ifindex that are in use (not
 * tentative, DAD not failed): the first max into out; returns how many there
 * are (may exceed max).
 */
int nl_addr_list(int ifindex, int family, struct nl_addr *out, int max, struct nl_err *err);

/*
 * Sets the interface MAC (unicast mode puts the cluster MAC there); restore by
 * setting the one nl_link_get returned before. Drivers that cannot change the
 * MAC while up fail with -EBUSY and say so.
 */
int nl_link_set_mac(int ifindex, const uint8_t mac[6], struct nl_err *err);

/* The XDP programs attached to ifindex; xdp->attached == 0 means none. */
int nl_xdp_query(int ifindex, struct nl_xdp *xdp, struct nl_err *err);

/* Describes ifindex for messages: its name, or "ifindex N" when it is gone. */
const char *nl_ifdesc(int ifindex, char buf[IF_NAMESIZE + 16]);
/* Formats into err (NULL-safe); used by cluster_mac.c too. */
void nl_seterr(struct nl_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* WLBS_NETLINK_H */
