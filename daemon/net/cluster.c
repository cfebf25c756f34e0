// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster interface's plumbing: cluster IPs, the cluster MAC for the
 * configured mode, and sysctls. What is changed is written to an install
 * record (<state_dir>/installed-<ifname>) first, so `wlbsd --uninstall`
 * undoes exactly that, even after a crash and without a valid config.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if_arp.h>

#include "net/announce.h"
#include "net/cluster_mac.h"
#include "log.h"
#include "net/netlink.h"
#include "wlbsd.h"
#include "net/cluster.h"

#define REC_MAX_ADDRS (WLBS_MAX_VIPS * 2)

/* What wlbsd changed on one interface. */
struct install_rec {
	char ifname[CFG_IFNAME_MAX];
	char bpffs[200];
	bool has_mac_orig; /* unicast: the MAC to restore */
	uint8_t mac_orig[6];
	bool has_maddr; /* multicast: the filter entry to remove */
	uint8_t maddr[6];
	int n_addrs; /* cluster IPs wlbsd added ("a/len") */
	char addrs[REC_MAX_ADDRS][INET6_ADDRSTRLEN + 5];
	int n_vips; /* every cluster IP of the last config: never announced as the host's */
	char vips[WLBS_MAX_VIPS][INET6_ADDRSTRLEN + 5];
	size_t n_sysctls; /* values before wlbsd */
	struct cmac_sysctl_saved sysctls[CMAC_SYSCTLS_MAX];
};

static void rec_path(const char *state_dir, const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, "%s/installed-%s", state_dir, ifname);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
		      &mac[4], &mac[5]) == 6
		   ? 0
		   : -EINVAL;
}

static int rec_load(const char *path, struct install_rec *rec)
{
	char line[400], key[32], a[200], b[100];
	FILE *f = fopen(path, "re");

	memset(rec, 0, sizeof(*rec));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		b[0] = 0;
		if (sscanf(line, "%31s %199s %99s", key, a, b) < 2)
			continue;
		if (!strcmp(key, "ifname"))
			snprintf(rec->ifname, sizeof(rec->ifname), "%.15s", a);
		else if (!strcmp(key, "bpffs"))
			snprintf(rec->bpffs, sizeof(rec->bpffs), "%s", a);
		else if (!strcmp(key, "mac_orig"))
			rec->has_mac_orig = !parse_mac(a, rec->mac_orig);
		else if (!strcmp(key, "maddr"))
			rec->has_maddr = !parse_mac(a, rec->maddr);
		else if (!strcmp(key, "addr") && rec->n_addrs < REC_MAX_ADDRS)
			snprintf(rec->addrs[rec->n_addrs++], sizeof(rec->addrs[0]), "%.50s", a);
		else if (!strcmp(key, "vip") && rec->n_vips < WLBS_MAX_VIPS)
			snprintf(rec->vips[rec->n_vips++], sizeof(rec->vips[0]), "%.50s", a);
		else if (!strcmp(key, "sysctl") && rec->n_sysctls < CMAC_SYSCTLS_MAX) {
			snprintf(rec->sysctls[rec->n_sysctls].path, sizeof(rec->sysctls[0].path),
				 "%.95s", a);
			snprintf(rec->sysctls[rec->n_sysctls].value, sizeof(rec->sysctls[0].value),
				 "%s", b);
			rec->n_sysctls++;
		}
	}
	fclose(f);
	return 0;
}

/* Written before the change it records is made; renamed into place. */
static int rec_save(const char *path, const struct install_rec *rec)
{
	char tmp[320];
	FILE *f;
	int i;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "ifname %s\nbpffs %s\n", rec->ifname, rec->bpffs);
	if (rec->has_mac_orig)
		fprintf(f, "mac_orig %02x:%02x:%02x:%02x:%02x:%02x\n", rec->mac_orig[0],
			rec->mac_orig[1], rec->mac_orig[2], rec->mac_orig[3], rec->mac_orig[4],
			rec->mac_orig[5]);
	if (rec->has_maddr)
		fprintf(f, "maddr %02x:%02x:%02x:%02x:%02x:%02x\n", rec->maddr[0], rec->maddr[1],
			rec->maddr[2], rec->maddr[3], rec->maddr[4], rec->maddr[5]);
	for (i = 0; i < rec->n_addrs; i++)
		fprintf(f, "addr %s\n", rec->addrs[i]);
	for (i = 0; i < rec->n_vips; i++)
		fprintf(f, "vip %s\n", rec->vips[i]);
	for (i = 0; i < (int)rec->n_sysctls; i++)
		fprintf(f, "sysctl %s %s\n", rec->sysctls[i].path,
			rec->sysctls[i].value[0] ? rec->sysctls[i].value : "-");
	if (fclose(f) || rename(tmp, path))
		return -errno;
	return 0;
}

/* This interface's record, or a new one; true when it was there (an earlier run's). */
static bool rec_open(const struct wlbsd *d, struct install_rec *rec, char *path, size_t len)
{
	bool found;

	rec_path(d->paths.state_dir, d->cfg.ifname, path, len);
	found = !rec_load(path, rec);
	if (!found)
		snprintf(rec->ifname, sizeof(rec->ifname), "%s", d->cfg.ifname);
	snprintf(rec->bpffs, sizeof(rec->bpffs), "%s", d->paths.bpffs);
	return found;
}

int cluster_record(const struct wlbsd *d, char *err, size_t errlen)
{
	struct install_rec rec;
	char path[300];
	int ret;

	if (rec_open(d, &rec, path, sizeof(path)))
		return 1;
	ret = rec_save(path, &rec);
	if (ret)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-ret));
	return ret;
}

/* "what ('value')" into @err; returns @ret. */
__attribute__((format(printf, 5, 6))) static int refuse(char *err, size_t errlen, int ret,
							const char *value, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < errlen)
		snprintf(err + n, errlen - n, " ('%s')", value);
	return ret;
}

int cluster_check(const struct wlbs_config *c, bool need_iface, char *err, size_t errlen)
{
	char a[INET6_ADDRSTRLEN + 5];
	struct nl_err e = {""};
	struct nl_link link;
	struct nl_addr na;
	int i, ret;

	ret = nl_link_get(c->ifname, &link, &e);
	if (ret == -ENODEV && !need_iface)
		return 0; /* it may be created later; start says so */
	if (ret == -ENODEV)
		return refuse(err, errlen, ret, c->ifname, "[host] interface: no such interface");
	if (ret)
		return refuse(err, errlen, ret, c->ifname, "[host] interface: %s", e.msg);
	/* The cluster MAC, ARP and heartbeats are Ethernet's (lo, tun have no MAC). */
	if (link.type != ARPHRD_ETHER || link.mac_len != 6)
		return refuse(err, errlen, -EINVAL, c->ifname,
			      "[host] interface: not an Ethernet interface (link type %u)",
			      link.type);
	for (i = 0; i < c->n_dips; i++) {
		cfg_addr_str(&c->dips[i], false, a, sizeof(a));
		ret = nl_addr_parse(a, &na, &e);
		if (!ret)
			ret = nl_addr_find(link.ifindex, &na, NULL, &e);
		if (ret < 0)
			return refuse(err, errlen, ret, a, "[host] dedicated_ip: %s", e.msg);
		if (!ret)
			return refuse(err, errlen, -EADDRNOTAVAIL, a,
				      "[host] dedicated_ip: not an address of %s", c->ifname);
	}
	return 0;
}

static bool rec_has_addr(const struct install_rec *rec, const char *a)
{
	int i;

	for (i = 0; i < rec->n_addrs; i++)
		if (!strcmp(rec->addrs[i], a))
			return true;
	return false;
}

static bool cfg_has_vip(const struct wlbs_config *c, const char *a)
{
	char buf[INET6_ADDRSTRLEN + 5];
	int i;

	for (i = 0; i < c->n_vips; i++)
		if (!strcmp(cfg_addr_str(&c->vips[i], true, buf, sizeof(buf)), a))
			return true;
	return false;
}

static int addr_del(int ifindex, const char *a, struct nl_err *e)
{
	struct nl_addr na;
	int ret = nl_addr_parse(a, &na, e);

	return ret ? ret : nl_addr_del(ifindex, &na, e);
}

/* The source MAC unicast-mode hosts send with (NLB: 02-<priority>-a-b-c-d). */
static void masked_mac(const uint8_t cmac[6], uint8_t prio, uint8_t out[6])
{
	memcpy(out, cmac, 6);
	out[0] = 0x02;
	out[1] = prio;
}

/* The kernel's reassembly timeout (sysctl, seconds) in ms; 0 = the fast path's default. */
static uint32_t frag_ttl_ms(const char *sysctl)
{
	struct nl_err e = {""};
	char val[32];
	unsigned long secs;

	if (cmac_sysctl_get(sysctl, val, sizeof(val), &e))
		return 0;
	secs = strtoul(val, NULL, 10);
	return secs && secs < 3600 ? (uint32_t)secs * 1000 : 0;
}

/*
 * Unicast mode moved the NIC to another MAC: neighbours learn at once where
 * the host's own addresses are now (the cluster IPs stay with the cluster MAC).
 */
static void announce_moved(int ifindex, const struct install_rec *rec)
{
	struct nl_addr skip[WLBS_MAX_VIPS + REC_MAX_ADDRS];
	struct nl_err e = {""};
	int i, n = 0, ret;

	for (i = 0; i < rec->n_vips; i++)
		n += !nl_addr_parse(rec->vips[i], &skip[n], NULL);
	for (i = 0; i < rec->n_addrs; i++)
		n += !nl_addr_parse(rec->addrs[i], &skip[n], NULL);
	ret = ann_host_addrs(ifindex, skip, n, &e);
	if (ret < 0)
		log_warn("%s: neighbours keep the old MAC until their entries expire", e.msg);
	else
		log_info("announced %d address(es) of %s at its new MAC", ret, rec->ifname);
}

int cluster_setup(struct wlbsd *d, const struct wlbs_config *old, char *err, size_t errlen)
{
	const struct wlbs_config *c = &d->cfg;
	struct install_rec rec;
	char path[300], a[INET6_ADDRSTRLEN + 5];
	uint8_t cmac[6];
	struct nl_link link;
	struct nl_addr na;
	struct nl_err e = {""};
	int i, ret, ifindex;
	bool moved = false;

	ret = nl_link_get(c->ifname, &link, &e);
	if (ret)
		goto fail;
	ifindex = link.ifindex;
	cfg_cluster_mac(c, cmac);
	rec_open(d, &rec, path, sizeof(path));
	rec.n_vips = c->n_vips;
	for (i = 0; i < c->n_vips; i++)
		cfg_addr_str(&c->vips[i], true, rec.vips[i], sizeof(rec.vips[0]));

	if (c->cluster_mode == WLBS_CLUSTER_UNICAST) {
		if (!rec.has_mac_orig) {
			rec.has_mac_orig = true;
			memcpy(rec.mac_orig, link.mac, 6);
		}
	} else if (!rec.has_maddr) {
		rec.has_maddr = true;
		memcpy(rec.maddr, cmac, 6);
	}
	for (i = 0; i < c->n_vips; i++) {
		cfg_addr_str(&c->vips[i], true, a, sizeof(a));
		ret = nl_addr_parse(a, &na, &e);
		if (ret)
			goto fail;
		/* Only an address that is not there yet is ours to remove later. */
		if (nl_addr_find(ifindex, &na, NULL, &e) == 0 && !rec_has_addr(&rec, a) &&
		    rec.n_addrs < REC_MAX_ADDRS)
			snprintf(rec.addrs[rec.n_addrs++], sizeof(rec.addrs[0]), "%s", a);
	}
	if (!rec.n_sysctls) {
		ret = cmac_sysctls_apply(ifindex, rec.sysctls, &rec.n_sysctls, &e);
		if (ret)
			goto fail;
	}
	ret = rec_save(path, &rec);
	if (ret) {
		nl_seterr(&e, "cannot write %s: %s", path, strerror(-ret));
		goto fail;
	}

	if (c->cluster_mode == WLBS_CLUSTER_UNICAST) {
		moved = memcmp(link.mac, cmac, 6) != 0;
		ret = nl_link_set_mac(ifindex, cmac, &e);
		memcpy(link.mac, cmac, 6);
	} else {
		ret = cmac_maddr_add(ifindex, cmac, &e);
	}
	/* IGMP: join 239.255.c.d so snooping switches forward the cluster's frames here. */
	if (!ret && c->cluster_mode == WLBS_CLUSTER_IGMP && d->igmp_fd < 0)
		ret = cmac_igmp_join(&d->igmp_fd, ifindex, cfg_igmp_group(c), &e);
	if (ret)
		goto fail;
	for (i = 0; i < c->n_vips; i++) {
		cfg_addr_str(&c->vips[i], true, a, sizeof(a));
		ret = nl_addr_parse(a, &na, &e);
		if (!ret)
			ret = nl_addr_add(ifindex, &na, &e);
		if (ret)
			goto fail;
	}
	/* A reload that drops a cluster IP removes it, if it was ours. */
	for (i = 0; old && i < old->n_vips; i++) {
		cfg_addr_str(&old->vips[i], true, a, sizeof(a));
		if (!cfg_has_vip(c, a) && rec_has_addr(&rec, a))
			addr_del(ifindex, a, &e);
	}

	memcpy(d->fp.cfg->cluster_mac, cmac, 6);
	memcpy(d->fp.cfg->host_mac, link.mac, 6);
	d->fp.cfg->frag_ttl_ms_v4 = frag_ttl_ms("net/ipv4/ipfrag_time");
	d->fp.cfg->frag_ttl_ms_v6 = frag_ttl_ms("net/ipv6/ip6frag_time");
	if (c->cluster_mode == WLBS_CLUSTER_UNICAST) {
		masked_mac(cmac, c->priority, d->fp.cfg->src_mac);
		d->fp.cfg->flags |= WLBS_CFG_F_MASK_SRC | WLBS_CFG_F_NO_HAIRPIN;
	} else {
		memcpy(d->fp.cfg->src_mac, link.mac, 6);
		d->fp.cfg->flags &= ~(WLBS_CFG_F_MASK_SRC | WLBS_CFG_F_NO_HAIRPIN);
	}
	/* After the masking is on: the frames must not teach switches the cluster MAC. */
	if (moved)
		announce_moved(ifindex, &rec);
	return 0;
fail:
	snprintf(err, errlen, "%s", e.msg[0] ? e.msg : strerror(-ret));
	return ret;
}

static int teardown_one(const char *state_dir, const char *file, char *err, size_t errlen)
{
	struct install_rec rec;
	struct nl_err e = {""};
	char path[300];
	int i, ifindex, ret, first = 0;

	snprintf(path, sizeof(path), "%s/%s", state_dir, file);
	ret = rec_load(path, &rec);
	if (ret)
		return 0;
	ret = fp_uninstall(rec.ifname, rec.bpffs[0] ? rec.bpffs : "/sys/fs/bpf", true, err, errlen);
	if (ret)
		first = ret;
	ifindex = nl_ifindex(rec.ifname, &e);
	if (ifindex > 0) {
		for (i = 0; i < rec.n_addrs; i++)
			addr_del(ifindex, rec.addrs[i], &e);
		if (rec.has_maddr)
			cmac_maddr_del(ifindex, rec.maddr, &e);
		if (rec.has_mac_orig && nl_link_set_mac(ifindex, rec.mac_orig, &e)) {
			if (!first) {
				first = -EIO;
				snprintf(err, errlen, "%s", e.msg);
			}
		} else if (rec.has_mac_orig) {
			announce_moved(ifindex, &rec);
		}
	}
	for (i = 0; i < (int)rec.n_sysctls; i++)
		if (!strcmp(rec.sysctls[i].value, "-"))
			rec.sysctls[i].value[0] = 0;
	cmac_sysctls_restore(rec.sysctls, rec.n_sysctls, &e);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state-%s", state_dir, rec.ifname);
	unlink(path);
	return first;
}

int cluster_teardown(const char *state_dir, const char *ifname, char *err, size_t errlen)
{
	char file[64];
	struct dirent *de;
	DIR *dir;
	int ret, first = 0;

	if (ifname) {
		snprintf(file, sizeof(file), "installed-%s", ifname);
		return teardown_one(state_dir, file, err, errlen);
	}
	dir = opendir(state_dir);
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "installed-", 10) || strstr(de->d_name, ".tmp"))
			continue;
		ret = teardown_one(state_dir, de->d_name, err, errlen);
		if (ret && !first)
			first = ret;
	}
	closedir(dir);
	return first;
}
