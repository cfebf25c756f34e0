// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink plumbing for the cluster interface (see netlink.h).
 *
 * One request per short-lived NETLINK_ROUTE socket with extended acks
 * (the kernel's own reason for a refusal ends up in the error text) and
 * strict checking (dumps filtered by the kernel, unknown ifindex is ENODEV).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <net/if.h> /* before linux/if.h, which then defers to it */

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "net/netlink.h"

/* Receive buffer: large enough for any single RTM_NEWLINK/NEWADDR message. */
#define NL_RCVBUF (64 * 1024)
/* Bound on waiting for the kernel's answer. */
#define NL_TIMEOUT_S 5

/* One request in flight: the caller's parser and what the kernel said. */
struct nl_call {
	mnl_cb_t cb;
	void *data;
	int error;	/* negative errno from NLMSG_ERROR / NLMSG_DONE */
	char kmsg[160]; /* NLMSGERR_ATTR_MSG, "" if none */
};

/* Request buffer with the alignment netlink headers need. */
union nl_reqbuf {
	char buf[1024];
	struct nlmsghdr align;
};

void nl_seterr(struct nl_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

const char *nl_ifdesc(int ifindex, char buf[IF_NAMESIZE + 16])
{
	if (ifindex <= 0 || !if_indextoname((unsigned int)ifindex, buf))
		snprintf(buf, IF_NAMESIZE + 16, "ifindex %d", ifindex);
	return buf;
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_call *c = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(c->kmsg, sizeof(c->kmsg), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* Extended-ack TLVs start at payload offset off when NLM_F_ACK_TLVS is set. */
static void extack_parse(const struct nlmsghdr *nlh, unsigned int off, struct nl_call *c)
{
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_parse(nlh, off, extack_attr_cb, c);
}

static int cb_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct nl_call *c = data;
	unsigned int off = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		c->error = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP; /* the ack of a request that worked */
	c->error = e->error < 0 ? e->error : -e->error;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	extack_parse(nlh, off, c);
	return MNL_CB_ERROR;
}

static int cb_done(const struct nlmsghdr *nlh, void *data)
{
	struct nl_call *c = data;
	int len;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(len))
		return MNL_CB_STOP;
	memcpy(&len, mnl_nlmsg_get_payload(nlh), sizeof(len));
	if (len >= 0)
		return MNL_CB_STOP;
	c->error = len; /* a dump that failed part way */
	extack_parse(nlh, sizeof(len), c);
	return MNL_CB_ERROR;
}

static int cb_noop(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int cb_data(const struct nlmsghdr *nlh, void *data)
{
	struct nl_call *c = data;

	return c->cb ? c->cb(nlh, c->data) : MNL_CB_OK;
}

static mnl_cb_t nl_ctl_cbs[NLMSG_MIN_TYPE] = {
    [NLMSG_NOOP] = cb_noop,
    [NLMSG_ERROR] = cb_error,
    [NLMSG_DONE] = cb_done,
    [NLMSG_OVERRUN] = cb_noop,
};

static struct mnl_socket *nl_socket(void)
{
	struct timeval tv = {.tv_sec = NL_TIMEOUT_S};
	struct mnl_socket *nl;
	int one = 1;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return NULL;
	/* Best effort: older kernels lack some; the request still works. */
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	return nl;
}

/*
 * Sends nlh, feeds every answer to cb and waits for the ack (or the end of
 * the dump). On failure writes "<what>: <strerror> (kernel: <extack>)".
 */
static int nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct nl_err *err,
		   const char *what)
{
	static unsigned int seq_counter;
	struct nl_call c = {.cb = cb, .data = data};
	struct mnl_socket *nl;
	unsigned int portid;
	char *buf;
	int ret;

	buf = malloc(NL_RCVBUF);
	if (!buf) {
		nl_seterr(err, "%s: out of memory", what);
		return -ENOMEM;
	}
	nl = nl_socket();
	if (!nl) {
		ret = -errno;
		nl_seterr(err, "%s: netlink socket: %s", what, strerror(errno));
		goto out_free;
	}
	portid = mnl_socket_get_portid(nl);
	/*
	 * Dumps end with NLMSG_DONE; anything else is acked. (NLM_F_DUMP shares
	 * bits with NLM_F_EXCL, so a dump is told by its RTM_GET* type too.)
	 */
	if (!((nlh->nlmsg_type & 3) == 2 && (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_flags |= NLM_F_REQUEST;
	nlh->nlmsg_seq = (unsigned int)time(NULL) ^ (++seq_counter << 20);

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		nl_seterr(err, "%s: netlink send: %s", what, strerror(errno));
		goto out_close;
	}
	do {
		ret = (int)mnl_socket_recvfrom(nl, buf, NL_RCVBUF);
		if (ret <= 0) {
			ret = ret < 0 ? -errno : -EPIPE;
			if (ret == -EAGAIN)
				ret = -ETIMEDOUT;
			nl_seterr(err, "%s: netlink receive: %s", what, strerror(-ret));
			goto out_close;
		}
		errno = 0;
		ret = mnl_cb_run2(buf, (size_t)ret, nlh->nlmsg_seq, portid, cb_data, &c, nl_ctl_cbs,
				  NLMSG_MIN_TYPE);
	} while (ret > 0);

	if (ret < 0) {
		ret = c.error ? c.error : errno ? -errno : -EBADMSG;
		if (c.kmsg[0])
			nl_seterr(err, "%s: %s (kernel: %s)", what, strerror(-ret), c.kmsg);
		else
			nl_seterr(err, "%s: %s", what, strerror(-ret));
	}
out_close:
	mnl_socket_close(nl);
out_free:
	free(buf);
	return ret;
}

/* Attribute table with per-type validation; malformed attributes are left out. */
struct attr_tab {
	const struct nlattr **tb;
	const enum mnl_attr_data_type *policy;
	uint16_t max;
};

static int attr_tab_cb(const struct nlattr *attr, void *data)
{
	const struct attr_tab *t = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, t->max) < 0)
		return MNL_CB_OK; /* newer than our headers */
	if (t->policy[type] != MNL_TYPE_UNSPEC && mnl_attr_validate(attr, t->policy[type]) < 0)
		return MNL_CB_OK;
	t->tb[type] = attr;
	return MNL_CB_OK;
}

/* ---- links ----------------------------------------------------------- */

static const enum mnl_attr_data_type link_policy[IFLA_MAX + 1] = {
    [IFLA_IFNAME] = MNL_TYPE_NUL_STRING, [IFLA_MTU] = MNL_TYPE_U32,
    [IFLA_OPERSTATE] = MNL_TYPE_U8,	 [IFLA_CARRIER] = MNL_TYPE_U8,
    [IFLA_ADDRESS] = MNL_TYPE_BINARY,	 [IFLA_PERM_ADDRESS] = MNL_TYPE_BINARY,
    [IFLA_XDP] = MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type xdp_policy[IFLA_XDP_MAX + 1] = {
    [IFLA_XDP_ATTACHED] = MNL_TYPE_U8,	   [IFLA_XDP_PROG_ID] = MNL_TYPE_U32,
    [IFLA_XDP_DRV_PROG_ID] = MNL_TYPE_U32, [IFLA_XDP_SKB_PROG_ID] = MNL_TYPE_U32,
    [IFLA_XDP_HW_PROG_ID] = MNL_TYPE_U32,
};

static uint32_t attr_u32(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

static void parse_xdp(const struct nlattr *nest, struct nl_xdp *x)
{
	const struct nlattr *tb[IFLA_XDP_MAX + 1] = {};
	struct attr_tab t = {tb, xdp_policy, IFLA_XDP_MAX};

	memset(x, 0, sizeof(*x));
	if (!nest || mnl_attr_parse_nested(nest, attr_tab_cb, &t) < 0)
		return;
	x->attached = tb[IFLA_XDP_ATTACHED] ? mnl_attr_get_u8(tb[IFLA_XDP_ATTACHED]) : 0;
	x->prog_id = attr_u32(tb[IFLA_XDP_PROG_ID]);
	x->drv_id = attr_u32(tb[IFLA_XDP_DRV_PROG_ID]);
	x->skb_id = attr_u32(tb[IFLA_XDP_SKB_PROG_ID]);
	x->hw_id = attr_u32(tb[IFLA_XDP_HW_PROG_ID]);
	/* A single program is reported only as PROG_ID: say which mode holds it. */
	if (x->attached == XDP_ATTACHED_DRV && !x->drv_id)
		x->drv_id = x->prog_id;
	else if (x->attached == XDP_ATTACHED_SKB && !x->skb_id)
		x->skb_id = x->prog_id;
	else if (x->attached == XDP_ATTACHED_HW && !x->hw_id)
		x->hw_id = x->prog_id;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {};
	struct attr_tab t = {tb, link_policy, IFLA_MAX};
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nl_link *l = data;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*ifi), attr_tab_cb, &t) < 0)
		return MNL_CB_ERROR;

	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->type = ifi->ifi_type;
	if (tb[IFLA_IFNAME])
		snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_ADDRESS]) {
		uint16_t n = mnl_attr_get_payload_len(tb[IFLA_ADDRESS]);

		l->mac_len = n > 255 ? 255 : (uint8_t)n;
		if (n == sizeof(l->mac))
			memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), n);
	}
	if (tb[IFLA_PERM_ADDRESS] &&
	    mnl_attr_get_payload_len(tb[IFLA_PERM_ADDRESS]) == sizeof(l->perm_mac)) {
		memcpy(l->perm_mac, mnl_attr_get_payload(tb[IFLA_PERM_ADDRESS]), 6);
		l->has_perm_mac = true;
	}
	l->mtu = attr_u32(tb[IFLA_MTU]);
	l->operstate = tb[IFLA_OPERSTATE] ? mnl_attr_get_u8(tb[IFLA_OPERSTATE]) : IF_OPER_UNKNOWN;
	l->carrier = tb[IFLA_CARRIER] ? mnl_attr_get_u8(tb[IFLA_CARRIER]) != 0
				      : (ifi->ifi_flags & IFF_LOWER_UP) != 0;
	parse_xdp(tb[IFLA_XDP], &l->xdp);
	return MNL_CB_OK;
}

static int link_get(const char *ifname, int ifindex, struct nl_link *link, struct nl_err *err)
{
	union nl_reqbuf req;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	char what[IF_NAMESIZE + 48];
	int ret;

	nlh = mnl_nlmsg_put_header(req.buf);
	nlh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	if (ifname) {
		mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
		snprintf(what, sizeof(what), "interface '%s'", ifname);
	} else {
		ifi->ifi_index = ifindex;
		snprintf(what, sizeof(what), "interface with ifindex %d", ifindex);
	}
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);

	memset(link, 0, sizeof(*link));
	ret = nl_talk(nlh, link_cb, link, err, what);
	if (ret == -ENODEV)
		nl_seterr(err, "%s not found", what);
	else if (ret == 0 && link->ifindex <= 0) {
		nl_seterr(err, "%s: kernel sent no link", what);
		ret = -EBADMSG;
	}
	return ret;
}

static int check_ifname(const char *ifname, struct nl_err *err)
{
	if (!ifname || !ifname[0] || strlen(ifname) >= IF_NAMESIZE || strchr(ifname, '/')) {
		nl_seterr(err, "invalid interface name '%s'", ifname ? ifname : "(null)");
		return -EINVAL;
	}
	return 0;
}

int nl_link_get(const char *ifname, struct nl_link *link, struct nl_err *err)
{
	int ret = check_ifname(ifname, err);

	return ret ? ret : link_get(ifname, 0, link, err);
}

int nl_link_get_index(int ifindex, struct nl_link *link, struct nl_err *err)
{
	if (ifindex <= 0) {
		nl_seterr(err, "invalid ifindex %d", ifindex);
		return -EINVAL;
	}
	return link_get(NULL, ifindex, link, err);
}

int nl_ifindex(const char *ifname, struct nl_err *err)
{
	struct nl_link l;
	int ret = nl_link_get(ifname, &l, err);

	return ret ? ret : l.ifindex;
}

bool nl_link_connected(const struct nl_link *link)
{
	/* UNKNOWN: drivers that do not track operstate (dummy, tun) but have carrier. */
	return (link->flags & IFF_UP) && link->carrier &&
	       (link->operstate == IF_OPER_UP || link->operstate == IF_OPER_UNKNOWN);
}

int nl_xdp_query(int ifindex, struct nl_xdp *xdp, struct nl_err *err)
{
	struct nl_link l;
	int ret = nl_link_get_index(ifindex, &l, err);

	if (ret)
		return ret;
	*xdp = l.xdp;
	return 0;
}

static bool mac_is_zero(const uint8_t m[6])
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

int nl_link_set_mac(int ifindex, const uint8_t mac[6], struct nl_err *err)
{
	union nl_reqbuf req;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	char dev[IF_NAMESIZE + 16], what[128];
	int ret;

	snprintf(what, sizeof(what), "set MAC %02x:%02x:%02x:%02x:%02x:%02x on %s", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5], nl_ifdesc(ifindex, dev));
	if ((mac[0] & 1) || mac_is_zero(mac)) {
		nl_seterr(err, "%s: not a unicast address", what);
		return -EINVAL;
	}
	nlh = mnl_nlmsg_put_header(req.buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);

	ret = nl_talk(nlh, NULL, NULL, err, what);
	if (ret == -EBUSY)
		nl_seterr(err, "%s: the driver cannot change the MAC while the interface is up",
			  what);
	else if (ret == -ENODEV)
		nl_seterr(err, "%s: interface not found", what);
	return ret;
}

/* ---- addresses --------------------------------------------------------- */

static size_t addr_len(int family)
{
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

const char *nl_addr_str(const struct nl_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (a->family == AF_INET || a->family == AF_INET6)
		inet_ntop(a->family, &a->a, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, a->prefixlen);
	return buf;
}

/* A cluster IP must be a unicast address of a known family with a sane prefix. */
static int check_addr(const struct nl_addr *a, struct nl_err *err)
{
	char s[64];

	if (a->family == AF_INET) {
		uint32_t v = ntohl(a->a.v4.s_addr);

		if (a->prefixlen > 32 || v == 0 || IN_MULTICAST(v) || v == INADDR_BROADCAST)
			goto bad;
	} else if (a->family == AF_INET6) {
		if (a->prefixlen > 128 || IN6_IS_ADDR_UNSPECIFIED(&a->a.v6) ||
		    IN6_IS_ADDR_MULTICAST(&a->a.v6))
			goto bad;
	} else {
		nl_seterr(err, "address family %d is neither IPv4 nor IPv6", a->family);
		return -EAFNOSUPPORT;
	}
	return 0;
bad:
	nl_seterr(err, "%s is not a usable unicast address and prefix",
		  nl_addr_str(a, s, sizeof(s)));
	return -EINVAL;
}

int nl_addr_parse(const char *s, struct nl_addr *a, struct nl_err *err)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen;
	char *end;

	memset(a, 0, sizeof(*a));
	if (n >= sizeof(ip))
		goto bad;
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, &a->a.v4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, &a->a.v6) == 1)
		a->family = AF_INET6;
	else
		goto bad;
	plen = a->family == AF_INET ? 32 : 128;
	if (slash) {
		unsigned long max = plen;

		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || plen > max)
			goto bad;
	}
	a->prefixlen = (uint8_t)plen;
	return check_addr(a, err);
bad:
	nl_seterr(err, "'%s' is not an IPv4 or IPv6 address with optional /prefix", s);
	return -EINVAL;
}

static struct nlmsghdr *addr_msg(union nl_reqbuf *req, uint16_t type, int ifindex,
				 const struct nl_addr *a)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req->buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	/* As `ip addr`: IFA_LOCAL is the address, IFA_ADDRESS the (absent) peer = itself. */
	mnl_attr_put(nlh, IFA_LOCAL, addr_len(a->family), &a->a);
	mnl_attr_put(nlh, IFA_ADDRESS, addr_len(a->family), &a->a);
	return nlh;
}

static int addr_change(int ifindex, const struct nl_addr *a, bool add, struct nl_err *err)
{
	char dev[IF_NAMESIZE + 16], as[64], what[160];
	union nl_reqbuf req;
	struct nlmsghdr *nlh;
	int ret;

	ret = check_addr(a, err);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "%s %s %s %s", add ? "add" : "remove",
		 nl_addr_str(a, as, sizeof(as)), add ? "to" : "from", nl_ifdesc(ifindex, dev));

	nlh = addr_msg(&req, add ? RTM_NEWADDR : RTM_DELADDR, ifindex, a);
	if (add) {
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
		mnl_attr_put_u8(nlh, IFA_PROTO, NL_ADDR_PROTO_WLBS);
		if (a->family == AF_INET6) {
			struct ifa_cacheinfo ci = {.ifa_prefered = 0, .ifa_valid = 0xffffffffu};

			mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
			mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
		}
	}
	ret = nl_talk(nlh, NULL, NULL, err, what);
	if ((add && ret == -EEXIST) || (!add && ret == -EADDRNOTAVAIL))
		ret = 0; /* already as asked */
	else if (ret == -ENODEV)
		nl_seterr(err, "%s: interface not found", what);
	return ret;
}

int nl_addr_add(int ifindex, const struct nl_addr *a, struct nl_err *err)
{
	return addr_change(ifindex, a, true, err);
}

int nl_addr_del(int ifindex, const struct nl_addr *a, struct nl_err *err)
{
	return addr_change(ifindex, a, false, err);
}

static const enum mnl_attr_data_type addr_policy[IFA_MAX + 1] = {
    [IFA_ADDRESS] = MNL_TYPE_BINARY,
    [IFA_LOCAL] = MNL_TYPE_BINARY,
    [IFA_FLAGS] = MNL_TYPE_U32,
    [IFA_PROTO] = MNL_TYPE_U8,
};

/* One address of a dump, parsed; the callback sees each in turn. */
typedef void (*addr_fn)(const struct nl_addr *a, const struct nl_addr_info *info, void *data);

struct addr_dump {
	int ifindex;
	int family;
	addr_fn fn;
	void *data;
};

static int addr_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFA_MAX + 1] = {};
	struct attr_tab t = {tb, addr_policy, IFA_MAX};
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_dump *d = data;
	struct nl_addr_info info;
	struct nl_addr a = {.family = d->family};
	const struct nlattr *at;

	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa) ||
	    ifa->ifa_family != d->family || (int)ifa->ifa_index != d->ifindex)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*ifa), attr_tab_cb, &t) < 0)
		return MNL_CB_ERROR;
	/* IPv4 keeps the local address in IFA_LOCAL; IPv6 only in IFA_ADDRESS. */
	at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!at || mnl_attr_get_payload_len(at) != addr_len(d->family))
		return MNL_CB_OK;
	memcpy(&a.a, mnl_attr_get_payload(at), addr_len(d->family));
	a.prefixlen = ifa->ifa_prefixlen;
	info.prefixlen = ifa->ifa_prefixlen;
	info.flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	info.proto = tb[IFA_PROTO] ? mnl_attr_get_u8(tb[IFA_PROTO]) : 0;
	info.scope = ifa->ifa_scope;
	d->fn(&a, &info, d->data);
	return MNL_CB_OK;
}

/* Feeds every family address of ifindex to fn. */
static int addr_dump(int ifindex, int family, addr_fn fn, void *data, struct nl_err *err,
		     const char *what)
{
	struct addr_dump d = {.ifindex = ifindex, .family = family, .fn = fn, .data = data};
	union nl_reqbuf req;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int ret;

	nlh = mnl_nlmsg_put_header(req.buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_index = (uint32_t)ifindex; /* strict checking: the kernel filters */

	ret = nl_talk(nlh, addr_dump_cb, &d, err, what);
	if (ret == -ENODEV)
		nl_seterr(err, "%s: interface not found", what);
	return ret;
}

struct addr_find {
	const struct nl_addr *want;
	struct nl_addr_info info;
	bool found;
};

static void addr_find_fn(const struct nl_addr *a, const struct nl_addr_info *info, void *data)
{
	struct addr_find *f = data;

	if (!f->found && !memcmp(&a->a, &f->want->a, addr_len(a->family))) {
		f->found = true;
		f->info = *info;
	}
}

int nl_addr_find(int ifindex, const struct nl_addr *a, struct nl_addr_info *info,
		 struct nl_err *err)
{
	struct addr_find f = {.want = a};
	char dev[IF_NAMESIZE + 16], as[64], what[160];
	int ret;

	ret = check_addr(a, err);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "look up %s on %s", nl_addr_str(a, as, sizeof(as)),
		 nl_ifdesc(ifindex, dev));
	ret = addr_dump(ifindex, a->family, addr_find_fn, &f, err, what);
	if (ret)
		return ret;
	if (info)
		*info = f.info;
	return f.found;
}

struct addr_list {
	struct nl_addr *out;
	int n, max;
};

static void addr_list_fn(const struct nl_addr *a, const struct nl_addr_info *info, void *data)
{
	struct addr_list *l = data;

	/* Not (yet, or any more) the host's: DAD pending or failed. */
	if (info->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
		return;
	if (l->n < l->max)
		l->out[l->n] = *a;
	l->n++;
}

int nl_addr_list(int ifindex, int family, struct nl_addr *out, int max, struct nl_err *err)
{
	struct addr_list l = {.out = out, .max = max};
	char dev[IF_NAMESIZE + 16], what[96];
	int ret;

	snprintf(what, sizeof(what), "list the addresses of %s", nl_ifdesc(ifindex, dev));
	ret = addr_dump(ifindex, family, addr_list_fn, &l, err, what);
	return ret ? ret : l.n;
}
