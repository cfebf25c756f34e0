// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <math.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "fastpath.h"
#include "log.h"
#include "port_rules.h"
#include "wlbs.skel.h"

#define BPF_FS_MAGIC 0xcafe4a11
/* Our tc ingress filter's identity, so replace and detach find it again. */
#define FP_TC_HANDLE   0x57
#define FP_TC_PRIORITY 1

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* Set around probes whose failure is an answer, not an error worth a log line. */
static bool libbpf_quiet;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];

	if (level == LIBBPF_DEBUG || libbpf_quiet)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	log_msg(level == LIBBPF_WARN ? LOG_WARNING : LOG_INFO, "libbpf: %s", line);
	return 0;
}

static int mkdir_p(const char *path)
{
	char tmp[256];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int fp_ensure_bpffs(const char *bpffs, char *err, size_t errlen)
{
	struct statfs st;
	int ret;

	if (statfs(bpffs, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	ret = mkdir_p(bpffs);
	if (ret)
		return fail(err, errlen, ret, "cannot create %s: %s", bpffs, strerror(-ret));
	if (mount("bpf", bpffs, "bpf", 0, "mode=0700"))
		return fail(err, errlen, -errno, "cannot mount bpffs on %s: %s", bpffs,
			    strerror(errno));
	log_info("mounted a bpf filesystem on %s (it was missing)", bpffs);
	return 0;
}

static void pin_path(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* Every map is pinned, so a restarted daemon (or a new version) takes over its state. */
static int set_map_pins(struct wlbs_bpf *skel, const char *dir)
{
	struct bpf_map *maps[] = {skel->maps.wlbs_owners,
				  skel->maps.wlbs_bucket_flags,
				  skel->maps.wlbs_conns,
				  skel->maps.wlbs_sock_slot,
				  skel->maps.wlbs_stats,
				  skel->maps.wlbs_frags,
				  skel->maps.bss,
				  skel->maps.wlbs_synack_dirty,
				  skel->maps.wlbs_vip_claims,
				  skel->maps.wlbs_held,
				  skel->maps.wlbs_conn_hint,
				  skel->maps.wlbs_general};
	/*
	 * "general" too: the kernel empties a program array when the last file
	 * or pin of it goes, and the attached program tail-calls through it
	 * (libbpf puts this load's general path into an adopted one).
	 */
	const char *names[] = {"owners",    "bucketflags", "conns", "sockslot",
			       "stats",	    "frags",	   "cfg",   "synackdirty",
			       "vipclaims", "held",	   "hint",  "general"};
	char path[300];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		pin_path(path, sizeof(path), dir, names[i]);
		ret = bpf_map__set_pin_path(maps[i], path);
		if (ret)
			return ret;
	}
	return 0;
}

static void *map_mmap(struct bpf_map *map, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);

	return p == MAP_FAILED ? NULL : p;
}

/* True when @dir holds a pin named @name. */
static bool pinned(const char *dir, const char *name)
{
	char path[300];

	pin_path(path, sizeof(path), dir, name);
	return access(path, F_OK) == 0;
}

/*
 * Counts adopted from a build without the connection hint, beside a fresh
 * hint map: its zeros would drop every held connection. This pins a hint
 * map whose every slot is far from 0 (a lookup for every packet of a held
 * bucket, as before the hint) for the load to adopt; decrements of the
 * connections counted before cannot bring a slot down to 0. Pinned only once
 * filled, so a crash in between leaves no pin, and the next start does it again.
 */
static int pin_unknown_hint(const char *dir)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	char path[300];
	__u32 *hint;
	size_t i;
	int fd, ret = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "wlbs_conn_hint", sizeof(__u32), WLBS_HINT_SIZE, 1,
			    &opts);
	if (fd < 0)
		return -errno;
	hint = mmap(NULL, WLBS_HINT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (hint == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	for (i = 0; i < WLBS_HINT_SLOTS; i++)
		hint[i] = WLBS_HINT_UNKNOWN;
	munmap(hint, WLBS_HINT_SIZE);
	pin_path(path, sizeof(path), dir, "hint");
	if (bpf_obj_pin(fd, path)) {
		ret = -errno;
		goto out;
	}
	log_info("connection counts adopted from a build without the connection hint: "
		 "every held bucket keeps its socket lookups until wlbsd --uninstall");
out:
	close(fd);
	return ret;
}

/*
 * The owner tables and their flags are written afresh by every start (from
 * convergence): pinned by a build with another layout, they are unpinned
 * and made anew instead of failing the load, so that an upgrade keeps the
 * held connections (counted in the maps that are adopted). The program
 * still attached reads its own until ours replaces it.
 */
static int unpin_other_layout(const char *dir, const char *name, __u32 value_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[300];
	int fd, ret = 0;

	pin_path(path, sizeof(path), dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		ret = -errno;
	else if (info.value_size != value_size || info.max_entries != WLBS_OWNER_TABLES) {
		if (unlink(path))
			ret = -errno;
		else
			log_info("%s was pinned by a build with another layout: made anew", path);
	}
	close(fd);
	return ret;
}

/* Keeps a pinned socket-state link (it counted while we were away), else attaches one. */
static int attach_sock_hook(struct fp *fp, char *err, size_t errlen)
{
	struct bpf_link *link;
	char path[300];
	int fd, ret;

	pin_path(path, sizeof(path), fp->pin_dir, "sockstate");
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	link = bpf_program__attach_trace(fp->skel->progs.wlbs_sock_state);
	if (!link)
		return fail(err, errlen, -errno, "attaching the socket-state hook: %s",
			    strerror(errno));
	ret = bpf_link__pin(link, path);
	bpf_link__destroy(link); /* the pin keeps it */
	if (ret)
		return fail(err, errlen, ret, "pinning %s: %s", path, strerror(-ret));
	return 0;
}

/* True when the interface has a clsact qdisc (a query finds our filter or says ENOENT). */
static bool tc_hook_exists(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FP_TC_HANDLE, .priority = FP_TC_PRIORITY);
	int ret;

	libbpf_quiet = true;
	ret = bpf_tc_query(&hook, &opts);
	libbpf_quiet = false;
	return ret == 0 || ret == -ENOENT;
}

static int attach_tc_one(struct fp *fp, enum bpf_tc_attach_point where, struct bpf_program *prog,
			 char *err, size_t errlen)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = fp->ifindex, .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FP_TC_HANDLE, .priority = FP_TC_PRIORITY,
			    .flags = BPF_TC_F_REPLACE, .prog_fd = bpf_program__fd(prog));
	int ret;

	ret = bpf_tc_attach(&hook, &opts);
	if (ret)
		return fail(err, errlen, ret, "attaching tc %s on %s: %s",
			    where == BPF_TC_INGRESS ? "ingress" : "egress", fp->ifname,
			    strerror(-ret));
	return 0;
}

/* Ingress: accepted multicast frames become PACKET_HOST. Egress: what the host sends. */
static int attach_tc(struct fp *fp, char *err, size_t errlen)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, clsact, .ifindex = fp->ifindex,
			    .attach_point = BPF_TC_INGRESS);
	int ret;

	/* One clsact qdisc serves both directions; after a restart it is there already. */
	if (!tc_hook_exists(fp->ifindex)) {
		ret = bpf_tc_hook_create(&clsact);
		if (ret && ret != -EEXIST)
			return fail(err, errlen, ret, "creating clsact on %s: %s", fp->ifname,
				    strerror(-ret));
	}
	ret = attach_tc_one(fp, BPF_TC_INGRESS, fp->skel->progs.wlbs_tc_ingress, err, errlen);
	return ret ? ret
		   : attach_tc_one(fp, BPF_TC_EGRESS, fp->skel->progs.wlbs_tc_egress, err, errlen);
}

/* The interface a pinned XDP link is attached to, 0 when defunct, -errno. */
static int xdp_link_ifindex(int fd)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != BPF_LINK_TYPE_XDP)
		return -EINVAL;
	return info.xdp.ifindex;
}

static int attach_xdp(struct fp *fp, enum fp_xdp_mode mode, char *err, size_t errlen)
{
	int prog_fd = bpf_program__fd(fp->skel->progs.wlbs_xdp);
	DECLARE_LIBBPF_OPTS(bpf_link_create_opts, opts);
	char path[300];
	__u32 id = 0;
	int fd, ret;

	pin_path(path, sizeof(path), fp->pin_dir, "xdp");
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (xdp_link_ifindex(fd) == fp->ifindex) {
			/* Adopt: swap the new program into the running link, no gap. */
			if (bpf_link_update(fd, prog_fd, NULL)) {
				ret = -errno;
				close(fd);
				return fail(err, errlen, ret, "updating the pinned XDP link: %s",
					    strerror(-ret));
			}
			DECLARE_LIBBPF_OPTS(bpf_xdp_query_opts, q);

			fp->xdp_link_fd = fd;
			fp->adopted = true;
			if (!bpf_xdp_query(fp->ifindex, 0, &q))
				fp->native = q.attach_mode == XDP_ATTACHED_DRV;
			return 0;
		}
		/* The interface went away since: the link is dead. */
		close(fd);
		unlink(path);
	}

	if (bpf_xdp_query_id(fp->ifindex, 0, &id) == 0 && id)
		return fail(err, errlen, -EBUSY,
			    "%s already has XDP program id %u that is not wlbs's: refusing to "
			    "replace it (detach it first, or chain them with a dispatcher)",
			    fp->ifname, id);

	opts.flags = mode == FP_XDP_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	fd = bpf_link_create(prog_fd, fp->ifindex, BPF_XDP, &opts);
	if (fd < 0 && mode == FP_XDP_AUTO) {
		log_info("%s: native XDP unavailable (%s), using generic XDP", fp->ifname,
			 strerror(errno));
		opts.flags = XDP_FLAGS_SKB_MODE;
		fd = bpf_link_create(prog_fd, fp->ifindex, BPF_XDP, &opts);
	}
	if (fd < 0)
		return fail(err, errlen, -errno, "attaching XDP to %s: %s", fp->ifname,
			    strerror(errno));
	fp->native = opts.flags == XDP_FLAGS_DRV_MODE;
	if (bpf_obj_pin(fd, path)) {
		ret = -errno;
		close(fd);
		return fail(err, errlen, ret, "pinning %s: %s", path, strerror(-ret));
	}
	fp->xdp_link_fd = fd;
	return 0;
}

int fp_open(struct fp *fp, const char *ifname, const char *bpffs, enum fp_xdp_mode mode, char *err,
	    size_t errlen)
{
	char path[300];
	struct stat ns;
	bool made_hint;
	int ret;

	memset(fp, 0, sizeof(*fp));
	fp->xdp_link_fd = -1;
	libbpf_set_print(libbpf_print);
	snprintf(fp->ifname, sizeof(fp->ifname), "%s", ifname);
	fp->ifindex = if_nametoindex(ifname);
	if (!fp->ifindex)
		return fail(err, errlen, -ENODEV, "no interface %s", ifname);
	ret = fp_ensure_bpffs(bpffs, err, errlen);
	if (ret)
		return ret;
	snprintf(fp->pin_dir, sizeof(fp->pin_dir), "%s/wlbs/%s", bpffs, ifname);
	ret = mkdir_p(fp->pin_dir);
	if (ret)
		return fail(err, errlen, ret, "cannot create %s: %s", fp->pin_dir, strerror(-ret));

	ret = unpin_other_layout(fp->pin_dir, "owners", sizeof(struct wlbs_owner_table));
	if (!ret)
		ret =
		    unpin_other_layout(fp->pin_dir, "bucketflags", sizeof(struct wlbs_flag_table));
	if (ret)
		return fail(err, errlen, ret, "checking the pinned owner tables: %s",
			    strerror(-ret));
	fp->skel = wlbs_bpf__open();
	if (!fp->skel)
		return fail(err, errlen, -errno, "opening the BPF object: %s", strerror(errno));
	made_hint = pinned(fp->pin_dir, "conns") && !pinned(fp->pin_dir, "hint");
	ret = made_hint ? pin_unknown_hint(fp->pin_dir) : 0;
	if (!ret)
		ret = set_map_pins(fp->skel, fp->pin_dir);
	if (!ret)
		ret = wlbs_bpf__load(fp->skel);
	if (ret) {
		if (made_hint) { /* a failed start leaves the pins as it found them */
			pin_path(path, sizeof(path), fp->pin_dir, "hint");
			unlink(path);
		}
		fail(err, errlen, ret,
		     "loading the BPF programs: %s (pinned maps of an incompatible version? "
		     "`wlbsd --uninstall` removes them)",
		     strerror(-ret));
		goto out_destroy;
	}
	fp->cfg = &fp->skel->bss->wlbs_cfg;
	fp->tables = fp->skel->bss->wlbs_tables;
	fp->owners = map_mmap(fp->skel->maps.wlbs_owners, WLBS_OWNERS_SIZE);
	fp->flags = map_mmap(fp->skel->maps.wlbs_bucket_flags, WLBS_OWNERS_SIZE);
	fp->port_rules = map_mmap(fp->skel->maps.wlbs_port_rules, WLBS_PORT_RULES_SIZE);
	fp->conns = map_mmap(fp->skel->maps.wlbs_conns, WLBS_CONNS_SIZE);
	if (!fp->owners || !fp->flags || !fp->port_rules || !fp->conns) {
		ret = fail(err, errlen, -errno, "mapping the owner tables: %s", strerror(errno));
		goto out_unmap;
	}
	if (stat("/proc/self/ns/net", &ns) == 0)
		fp->cfg->netns_ino = ns.st_ino;

	ret = attach_sock_hook(fp, err, errlen);
	if (!ret)
		ret = attach_tc(fp, err, errlen);
	if (!ret)
		ret = attach_xdp(fp, mode, err, errlen);
	if (ret)
		goto out_unmap;
	return 0;

out_unmap:
	if (fp->owners)
		munmap(fp->owners, WLBS_OWNERS_SIZE);
	if (fp->flags)
		munmap(fp->flags, WLBS_OWNERS_SIZE);
	if (fp->port_rules)
		munmap(fp->port_rules, WLBS_PORT_RULES_SIZE);
	if (fp->conns)
		munmap(fp->conns, WLBS_CONNS_SIZE);
out_destroy:
	wlbs_bpf__destroy(fp->skel);
	fp->skel = NULL;
	return ret;
}

void fp_close(struct fp *fp)
{
	if (!fp->skel)
		return;
	munmap(fp->owners, WLBS_OWNERS_SIZE);
	munmap(fp->flags, WLBS_OWNERS_SIZE);
	munmap(fp->port_rules, WLBS_PORT_RULES_SIZE);
	munmap(fp->conns, WLBS_CONNS_SIZE);
	if (fp->xdp_link_fd >= 0)
		close(fp->xdp_link_fd);
	wlbs_bpf__destroy(fp->skel); /* pinned links and maps stay */
	fp->skel = NULL;
}

int fp_uninstall(const char *ifname, const char *bpffs, bool remove_clsact, char *err,
		 size_t errlen)
{
	const char *pins[] = {"xdp",	   "sockstate", "owners", "bucketflags", "conns",
			      "sockslot",  "stats",	"frags",  "cfg",	 "synackdirty",
			      "vipclaims", "held",	"hint",	  "general"};
	char dir[256], path[300];
	int ifindex = if_nametoindex(ifname);
	size_t i;

	snprintf(dir, sizeof(dir), "%s/wlbs/%s", bpffs, ifname);
	/* Unpinning the last reference to a link detaches its program. */
	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		pin_path(path, sizeof(path), dir, pins[i]);
		if (unlink(path) && errno != ENOENT)
			return fail(err, errlen, -errno, "removing %s: %s", path, strerror(errno));
	}
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/wlbs", bpffs);
	rmdir(dir); /* only when no other interface uses it */

	if (ifindex) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
				    .attach_point = BPF_TC_INGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FP_TC_HANDLE,
				    .priority = FP_TC_PRIORITY);

		bpf_tc_detach(&hook, &opts);
		hook.attach_point = BPF_TC_EGRESS;
		bpf_tc_detach(&hook, &opts);
		if (remove_clsact) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
	}
	return 0;
}

void fp_stage_tables(struct fp *fp, const struct wlbs_tables *t)
{
	unsigned int idle = !(fp->cfg->gen & 1);

	fp->tables[idle] = *t;
	if (fp->port_rules)
		wlbs_port_rules_fill(t, &fp->port_rules[idle]);
}

/*
 * A bucket that changes hands may carry handshakes in flight: the SYN reached
 * the old owner, the ACK comes after the move. Until the grace lapses, the
 * old owner's byte carries WLBS_OWNER_F_RELEASED and the new owner's bucket
 * is dirty. One deadline per rule: a later move there extends the earlier.
 */
void fp_stage_owners(struct fp *fp, unsigned int rule, const uint8_t owners[WLBS_BUCKETS],
		     const uint8_t *dirty, uint8_t self, uint64_t now_ms)
{
	unsigned int idle = !(fp->cfg->gen & 1), b;
	uint8_t *out, *out_flags, *live_flags, *rel, *acq, owner, bit;
	const uint8_t *live;
	bool mine;

	if (rule >= WLBS_MAX_RULES)
		return;
	out = &fp->owners[wlbs_owner_slot(idle, rule, 0)];
	live = &fp->owners[wlbs_owner_slot(!idle, rule, 0)];
	out_flags = &fp->flags[wlbs_owner_slot(idle, rule, 0)];
	live_flags = &fp->flags[wlbs_owner_slot(!idle, rule, 0)];
	rel = fp->released[rule];
	acq = fp->acquired[rule];
	if (fp->handover_until_ms[rule] && now_ms >= fp->handover_until_ms[rule]) {
		memset(rel, 0, sizeof(fp->released[rule]));
		memset(acq, 0, sizeof(fp->acquired[rule]));
		fp->handover_until_ms[rule] = 0;
	}
	for (b = 0; b < WLBS_BUCKETS; b++) {
		owner = owners ? owners[b] : WLBS_NO_OWNER;
		mine = owner == self;
		bit = (uint8_t)(1u << (b % 8));
		if (mine != ((live[b] & WLBS_OWNER_HOST) == self)) {
			rel[b / 8] = mine ? rel[b / 8] & ~bit : rel[b / 8] | bit;
			acq[b / 8] = mine ? acq[b / 8] | bit : acq[b / 8] & ~bit;
			fp->handover_until_ms[rule] = now_ms + FP_HANDOVER_GRACE_MS;
		}
		out[b] = owner | (!mine && (rel[b / 8] & bit) ? WLBS_OWNER_F_RELEASED : 0);
		/* The fast path's own mark (a foreign SYN-ACK) outlives our tables. */
		out_flags[b] =
		    ((dirty && (dirty[b / 8] & bit)) || (mine && (acq[b / 8] & bit))
			 ? WLBS_BUCKET_F_DIRTY
			 : 0) |
		    (__atomic_load_n(&live_flags[b], __ATOMIC_RELAXED) & WLBS_BUCKET_F_SYNACK);
	}
}

void fp_set_default(struct fp *fp, uint8_t default_host, uint8_t self, bool others_hold,
		    uint64_t now_ms)
{
	bool was = fp->cfg->default_host == self, is = default_host == self;
	uint8_t flags;

	if (fp->default_until_ms && now_ms >= fp->default_until_ms) {
		fp->default_released = fp->default_acquired = false;
		fp->default_until_ms = 0;
	}
	if (was != is) {
		fp->default_released = was;
		fp->default_acquired = is;
		fp->default_until_ms = now_ms + FP_HANDOVER_GRACE_MS;
	}
	flags = fp->cfg->flags & ~(WLBS_CFG_F_UNCOVERED_DIRTY | WLBS_CFG_F_UNCOVERED_RELEASED);
	if (others_hold || fp->default_acquired)
		flags |= WLBS_CFG_F_UNCOVERED_DIRTY;
	if (fp->default_released)
		flags |= WLBS_CFG_F_UNCOVERED_RELEASED;
	__atomic_store_n(&fp->cfg->flags, flags, __ATOMIC_RELEASE);
	__atomic_store_n(&fp->cfg->default_host, default_host, __ATOMIC_RELEASE);
}

bool fp_handover_lapsed(const struct fp *fp, uint64_t now_ms)
{
	if (fp->default_until_ms && now_ms >= fp->default_until_ms)
		return true;
	for (unsigned int r = 0; r < WLBS_MAX_RULES; r++)
		if (fp->handover_until_ms[r] && now_ms >= fp->handover_until_ms[r])
			return true;
	return false;
}

void fp_commit(struct fp *fp)
{
	__atomic_store_n(&fp->cfg->gen, !(fp->cfg->gen & 1), __ATOMIC_RELEASE);
}

const struct wlbs_tables *fp_live_tables(const struct fp *fp)
{
	return &fp->tables[fp->cfg->gen & 1];
}

void fp_set_state(struct fp *fp, enum wlbs_fp_state state)
{
	__atomic_store_n(&fp->cfg->state, (uint8_t)state, __ATOMIC_RELEASE);
}

int fp_clock(const struct fp *fp, struct wlbs_clock *c)
{
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = c, .ctx_size_in = sizeof(*c));

	memset(c, 0, sizeof(*c));
	if (bpf_prog_test_run_opts(bpf_program__fd(fp->skel->progs.wlbs_clock), &opts))
		return -errno;
	return 0;
}

/* The kernel's HZ, measured against CLOCK_MONOTONIC and snapped to a CONFIG_HZ value. */
static unsigned int measure_hz(const struct wlbs_clock *a, const struct wlbs_clock *b)
{
	static const unsigned int hz[] = {100, 250, 300, 1000};
	double est = (double)(b->jiffies - a->jiffies) * 1e9 / (double)(b->mono_ns - a->mono_ns);
	unsigned int i, best = hz[0];

	for (i = 1; i < sizeof(hz) / sizeof(hz[0]); i++)
		if (fabs(est - hz[i]) < fabs(est - best))
			best = hz[i];
	return best;
}

void fp_touch(struct fp *fp, unsigned int timeout_ms)
{
	struct wlbs_clock now;
	unsigned int hz;

	if (fp_clock(fp, &now))
		return; /* the old deadline stands: fail closed rather than guess */
	if (!fp->cal.mono_ns)
		fp->cal = now;
	else if (!fp->hz && now.mono_ns - fp->cal.mono_ns >= 250000000ull)
		fp->hz = measure_hz(&fp->cal, &now);
	/* Until measured, the highest HZ: a deadline later than asked, never earlier. */
	hz = fp->hz ? fp->hz : 1000;
	__atomic_store_n(&fp->cfg->alive_deadline,
			 now.jiffies + ((uint64_t)timeout_ms * hz + 999) / 1000 + 1,
			 __ATOMIC_RELEASE);
}

int fp_run_iter(struct bpf_program *prog)
{
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	char buf[64];
	ssize_t n;
	int fd, ret = 0;

	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	/* The program writes nothing: reading to the end walks every socket once. */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		ret = -errno;
	close(fd);
out:
	bpf_link__destroy(link);
	return ret;
}

int fp_recount(struct fp *fp)
{
	return fp_run_iter(fp->skel->progs.wlbs_recount);
}

int fp_read_stats(const struct fp *fp, unsigned int slot, struct wlbs_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct wlbs_stats *percpu;
	int i, r;

	if (ncpu <= 0)
		return -EINVAL;
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(fp->skel->maps.wlbs_stats), &slot, percpu)) {
		free(percpu);
		return -errno;
	}
	memset(out, 0, sizeof(*out));
	for (i = 0; i < ncpu; i++)
		for (r = 0; r < WLBS_R_MAX; r++)
			out->packets[r] += percpu[i].packets[r];
	free(percpu);
	return 0;
}

int fp_read_claim(const struct fp *fp, unsigned int vip, struct wlbs_vip_claim *out)
{
	if (bpf_map_lookup_elem(bpf_map__fd(fp->skel->maps.wlbs_vip_claims), &vip, out))
		return -errno;
	return 0;
}

int fp_frag_count(const struct fp *fp, uint32_t *entries, uint32_t *max)
{
	struct wlbs_frag_key key, next;
	int fd = bpf_map__fd(fp->skel->maps.wlbs_frags);
	uint32_t n = 0;
	void *prev = NULL;

	*max = bpf_map__max_entries(fp->skel->maps.wlbs_frags);
	/* Walks the keys (no batch op: the table is small and this runs per request). */
	while (n <= *max && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	*entries = n;
	return 0;
}
