// SPDX-License-Identifier: GPL-2.0
/*
 * Cluster MAC reception (multicast filter, IGMP membership) and the
 * per-interface sysctls of a cluster NIC (see cluster_mac.h).
 *
 * There is no rtnetlink message for link-layer multicast addresses: the
 * filter is changed with SIOCADDMULTI/SIOCDELMULTI (what `ip maddr` does) and
 * read back from /proc/net/dev_mcast. Both /proc/net and /proc/sys/net show
 * the caller's network namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>

#include "net/cluster_mac.h"
#include "ip2mac.h"

struct in_addr cmac_igmp_group(struct in_addr vip)
{
	unsigned char mac[6];
	struct in_addr g;

	ip2mac_bytes((const unsigned char *)&vip.s_addr, WLBS_CLUSTER_IGMP, mac);
	ip2mac_igmp_group(mac, (unsigned char *)&g.s_addr);
	return g;
}

static void mac_str(const uint8_t m[6], char s[18])
{
	snprintf(s, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* ---- link-layer multicast filter --------------------------------------- */

static int maddr_ioctl(int ifindex, const uint8_t mac[6], bool add, struct nl_err *err)
{
	char dev[IF_NAMESIZE + 16], ms[18];
	struct ifreq ifr = {};
	int fd, ret = 0;

	mac_str(mac, ms);
	if (!(mac[0] & 1)) {
		nl_seterr(err, "%s is not a multicast MAC", ms);
		return -EINVAL;
	}
	if (ifindex <= 0 || !if_indextoname((unsigned int)ifindex, ifr.ifr_name)) {
		nl_seterr(err, "%s multicast MAC %s: interface %s not found",
			  add ? "add" : "remove", ms, nl_ifdesc(ifindex, dev));
		return -ENODEV;
	}
	ifr.ifr_hwaddr.sa_family = AF_UNSPEC; /* the kernel insists */
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		nl_seterr(err, "socket: %s", strerror(errno));
		return ret;
	}
	if (ioctl(fd, add ? SIOCADDMULTI : SIOCDELMULTI, &ifr) < 0)
		ret = -errno;
	close(fd);
	/*
	 * A global (ioctl) add is counted once: adding again is a no-op, and
	 * removing one that was never added globally is ENOENT.
	 */
	if (!add && ret == -ENOENT)
		ret = 0;
	if (ret)
		nl_seterr(err, "%s multicast MAC %s %s %s: %s", add ? "add" : "remove", ms,
			  add ? "to" : "from", ifr.ifr_name, strerror(-ret));
	return ret;
}

int cmac_maddr_add(int ifindex, const uint8_t mac[6], struct nl_err *err)
{
	return maddr_ioctl(ifindex, mac, true, err);
}

int cmac_maddr_del(int ifindex, const uint8_t mac[6], struct nl_err *err)
{
	return maddr_ioctl(ifindex, mac, false, err);
}

int cmac_maddr_present(int ifindex, const uint8_t mac[6], struct nl_err *err)
{
	char line[256], name[IF_NAMESIZE], hex[IF_NAMESIZE + 16], want[13];
	int idx, refs, global, found = 0;
	FILE *f;

	if (ifindex <= 0 || !if_indextoname((unsigned int)ifindex, name)) {
		nl_seterr(err, "multicast MAC lookup: interface %s not found",
			  nl_ifdesc(ifindex, hex));
		return -ENODEV;
	}
	snprintf(want, sizeof(want), "%02x%02x%02x%02x%02x%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	f = fopen("/proc/net/dev_mcast", "re");
	if (!f) {
		int ret = -errno;

		nl_seterr(err, "/proc/net/dev_mcast: %s", strerror(errno));
		return ret;
	}
	/* "ifindex name refcount global_use address-in-hex" */
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %15s %d %d %31s", &idx, name, &refs, &global, hex) == 5 &&
		    idx == ifindex && !strcmp(hex, want))
			found = 1;
	fclose(f);
	return found;
}

/* ---- IGMP membership --------------------------------------------------- */

static int igmp_sockopt(int fd, int opt, int ifindex, struct in_addr group, struct nl_err *err)
{
	struct ip_mreqn mr = {.imr_multiaddr = group, .imr_ifindex = ifindex};
	char dev[IF_NAMESIZE + 16], gs[INET_ADDRSTRLEN];
	bool join = opt == IP_ADD_MEMBERSHIP;
	int ret = 0;

	inet_ntop(AF_INET, &group, gs, sizeof(gs));
	if (!IN_MULTICAST(ntohl(group.s_addr))) {
		nl_seterr(err, "%s is not an IPv4 multicast group", gs);
		return -EINVAL;
	}
	if (setsockopt(fd, IPPROTO_IP, opt, &mr, sizeof(mr)) < 0)
		ret = -errno;
	/* Already a member / not a member: the state asked for is there. */
	if ((join && ret == -EADDRINUSE) || (!join && ret == -EADDRNOTAVAIL))
		ret = 0;
	if (ret == -ENODEV)
		nl_seterr(err, "%s IGMP group %s on %s: interface not found (or no IPv4 on it)",
			  join ? "join" : "leave", gs, nl_ifdesc(ifindex, dev));
	else if (ret)
		nl_seterr(err, "%s IGMP group %s on %s: %s", join ? "join" : "leave", gs,
			  nl_ifdesc(ifindex, dev), strerror(-ret));
	return ret;
}

int cmac_igmp_join(int *fd, int ifindex, struct in_addr group, struct nl_err *err)
{
	bool opened = false;
	int ret;

	if (*fd < 0) {
		*fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (*fd < 0) {
			ret = -errno;
			nl_seterr(err, "IGMP socket: %s", strerror(errno));
			return ret;
		}
		opened = true;
	}
	ret = igmp_sockopt(*fd, IP_ADD_MEMBERSHIP, ifindex, group, err);
	if (ret && opened) {
		close(*fd);
		*fd = -1;
	}
	return ret;
}

int cmac_igmp_leave(int fd, int ifindex, struct in_addr group, struct nl_err *err)
{
	if (fd < 0)
		return 0; /* no socket, no membership */
	return igmp_sockopt(fd, IP_DROP_MEMBERSHIP, ifindex, group, err);
}

int cmac_igmp_present(int ifindex, struct in_addr group, struct nl_err *err)
{
	char line[256];
	int idx, cur = -1, found = 0;
	unsigned int g;
	FILE *f;

	if (ifindex <= 0 || !if_indextoname((unsigned int)ifindex, line)) {
		nl_seterr(err, "IGMP lookup: interface %s not found", nl_ifdesc(ifindex, line));
		return -ENODEV;
	}
	f = fopen("/proc/net/igmp", "re");
	if (!f) {
		int ret = -errno;

		nl_seterr(err, "/proc/net/igmp: %s", strerror(errno));
		return ret;
	}
	/*
	 * A device line "idx\tname : count querier" is followed by one indented
	 * line per group, the group printed as the raw (network order) 32 bits.
	 */
	while (!found && fgets(line, sizeof(line), f)) {
		if (line[0] != '\t') {
			if (sscanf(line, "%d", &idx) == 1)
				cur = idx;
		} else if (cur == ifindex && sscanf(line, " %x", &g) == 1 && g == group.s_addr) {
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* ---- sysctls ------------------------------------------------------------ */

/*
 * What a cluster interface needs from the kernel. The kernel combines some
 * of these with conf/all (max or OR): fix_all also corrects conf/all when
 * it would override us.
 */
static const struct cluster_sysctl {
	const char *family; /* net/<family>/conf/<interface>/<key> */
	const char *key;
	const char *value;
	bool fix_all;  /* effective value is all OR/max interface: fix "all" too */
	bool optional; /* absent without IPv6: skip */
} cluster_sysctls[] = {
    /*
     * ARP requests sent on the cluster NIC carry the NIC's primary address,
     * never a cluster IP: a neighbour learning the cluster IP from such a
     * request would map it to this host's MAC and send it all the traffic.
     */
    {"ipv4", "arp_announce", "2", false, false},
    /*
     * Answer ARP on the cluster NIC only for addresses configured on it. By
     * default Linux answers for every local address on every NIC; in unicast
     * mode the NIC's MAC is the shared cluster MAC, so the host's other
     * addresses would be advertised with a MAC that every host receives.
     */
    {"ipv4", "arp_ignore", "1", false, false},
    /*
     * No gratuitous ARP on link up or MAC change: it announces every address
     * of the device, cluster IPs included, with the host's own MAC.
     */
    {"ipv4", "arp_notify", "0", true, false},
    /*
     * No unsolicited neighbour advertisement on link up or address add: it
     * would announce the cluster IPv6 addresses with the host's own MAC.
     */
    {"ipv6", "ndisc_notify", "0", true, true},
};

static void conf_path(char *buf, size_t len, const struct cluster_sysctl *c, const char *dev)
{
	snprintf(buf, len, "net/%s/conf/%s/%s", c->family, dev, c->key);
}

static int check_path(const char *path, struct nl_err *err)
{
	if (!path[0] || path[0] == '/' || strstr(path, "..") || strlen(path) >= 200) {
		nl_seterr(err, "invalid sysctl path '%s'", path);
		return -EINVAL;
	}
	return 0;
}

int cmac_sysctl_get(const char *path, char *val, size_t len, struct nl_err *err)
{
	char full[256];
	ssize_t n;
	int fd, ret;

	ret = check_path(path, err);
	if (ret)
		return ret;
	snprintf(full, sizeof(full), "/proc/sys/%s", path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		nl_seterr(err, "read sysctl %s: %s", path, strerror(errno));
		return ret;
	}
	n = read(fd, val, len - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret) {
		nl_seterr(err, "read sysctl %s: %s", path, strerror(-ret));
		return ret;
	}
	val[n] = '\0';
	val[strcspn(val, "\n")] = '\0';
	return 0;
}

int cmac_sysctl_set(const char *path, const char *value, char *old, size_t oldlen,
		    struct nl_err *err)
{
	char cur[64], full[256];
	ssize_t n;
	int fd, ret;

	ret = cmac_sysctl_get(path, cur, sizeof(cur), err);
	if (ret)
		return ret;
	if (old)
		snprintf(old, oldlen, "%s", cur);
	if (!strcmp(cur, value))
		return 0;
	snprintf(full, sizeof(full), "/proc/sys/%s", path);
	fd = open(full, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		nl_seterr(err, "set sysctl %s: %s", path, strerror(errno));
		return ret;
	}
	n = write(fd, value, strlen(value));
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		nl_seterr(err, "set sysctl %s = %s: %s", path, value, strerror(-ret));
	return ret;
}

/* Sets path to value, appending what was there to saved[]. */
static int apply_one(const char *path, const char *value, struct cmac_sysctl_saved *saved,
		     size_t *n, struct nl_err *err)
{
	struct cmac_sysctl_saved *s = &saved[*n];
	int ret;

	if (*n >= CMAC_SYSCTLS_MAX) {
		nl_seterr(err, "too many sysctls to save");
		return -ENOSPC;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	ret = cmac_sysctl_set(path, value, s->value, sizeof(s->value), err);
	if (ret == 0)
		(*n)++;
	return ret;
}

int cmac_sysctls_apply(int ifindex, struct cmac_sysctl_saved saved[CMAC_SYSCTLS_MAX], size_t *n,
		       struct nl_err *err)
{
	char ifname[IF_NAMESIZE], path[96], cur[32], dev[IF_NAMESIZE + 16];
	size_t i;
	int ret = 0;

	*n = 0;
	if (ifindex <= 0 || !if_indextoname((unsigned int)ifindex, ifname)) {
		nl_seterr(err, "cluster sysctls: interface %s not found", nl_ifdesc(ifindex, dev));
		return -ENODEV;
	}
	for (i = 0; i < sizeof(cluster_sysctls) / sizeof(cluster_sysctls[0]); i++) {
		const struct cluster_sysctl *c = &cluster_sysctls[i];

		conf_path(path, sizeof(path), c, ifname);
		ret = apply_one(path, c->value, saved, n, err);
		if (ret == -ENOENT && c->optional) {
			ret = 0; /* no IPv6 in this kernel: nothing to announce */
			continue;
		}
		if (ret)
			goto rollback;
		if (!c->fix_all)
			continue;
		conf_path(path, sizeof(path), c, "all");
		ret = cmac_sysctl_get(path, cur, sizeof(cur), err);
		if (!ret && strcmp(cur, c->value))
			ret = apply_one(path, c->value, saved, n, err);
		if (ret)
			goto rollback;
	}
	return 0;
rollback:
	while (*n > 0) {
		(*n)--;
		cmac_sysctl_set(saved[*n].path, saved[*n].value, NULL, 0, NULL);
	}
	return ret;
}

int cmac_sysctls_restore(const struct cmac_sysctl_saved *saved, size_t n, struct nl_err *err)
{
	int ret = 0, r;

	/* Reverse order, so "all" goes back before the interface it overrode. */
	while (n-- > 0) {
		r = cmac_sysctl_set(saved[n].path, saved[n].value, NULL, 0, ret ? NULL : err);
		if (r && !ret)
			ret = r;
	}
	return ret;
}
