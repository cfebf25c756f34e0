// SPDX-License-Identifier: GPL-2.0
/*
 * Connection holding with real TCP connections on loopback (the suite runs in
 * its own network namespace, where bpf_skc_lookup_tcp looks): held connections
 * survive ownership changes, draining and a stale daemon, strangers do not ride
 * on the listener; and wlbs_sock_state keeps wlbs_conns exact.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "wlbs.skel.h"

#define PORT 80

struct conn {
	int v6;
	int lfd, cfd, sfd; /* listener, client, accepted */
	uint16_t cport;
	const char *addr;
};

/* Sockets of the running test, closed by the teardown when a test fails midway. */
static int open_fds[16];
static int n_open;
static struct bpf_link *sock_link; /* wlbs_sock_state while attached */

static int track(int fd)
{
	if (fd >= 0 && n_open < 16)
		open_fds[n_open++] = fd;
	return fd;
}

static void untrack_close(int fd)
{
	int i;

	for (i = 0; i < n_open; i++)
		if (open_fds[i] == fd)
			open_fds[i] = open_fds[--n_open];
	close(fd);
}

static int close_all(void **state)
{
	(void)state;
	while (n_open)
		close(open_fds[--n_open]);
	bpf_link__destroy(sock_link);
	sock_link = NULL;
	return 0;
}

static socklen_t fill_addr(struct sockaddr_storage *ss, int v6, const char *addr, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &a->sin6_addr);
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	inet_pton(AF_INET, addr, &a->sin_addr);
	return sizeof(*a);
}

/*
 * A listener on @laddr:@port (@lv6: IPv6 socket; dual-stack when @laddr is
 * "::") and one established connection to @addr:@port from the same family as
 * @addr. c->v6/c->addr describe the connection as the NIC sees it.
 */
static void conn_open_on(struct conn *c, int lv6, const char *laddr, int v6, const char *addr,
			 uint16_t port)
{
	struct sockaddr_storage ls, ss;
	socklen_t llen = fill_addr(&ls, lv6, laddr, port), len = fill_addr(&ss, v6, addr, port);
	int one = 1, v6only = strcmp(laddr, "::") != 0;

	c->v6 = v6;
	c->addr = addr;
	c->lfd = track(socket(lv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	c->cfd = track(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	assert_true(c->lfd >= 0 && c->cfd >= 0);
	setsockopt(c->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lv6)
		setsockopt(c->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	if (bind(c->lfd, (struct sockaddr *)&ls, llen) || listen(c->lfd, 8) ||
	    connect(c->cfd, (struct sockaddr *)&ss, len))
		fail_msg("loopback connection to %s:%u: %s", addr, port, strerror(errno));
	c->sfd = track(accept(c->lfd, NULL, NULL));
	assert_true(c->sfd >= 0);
	len = sizeof(ss);
	assert_int_equal(getsockname(c->cfd, (struct sockaddr *)&ss, &len), 0);
	c->cport = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			    : ((struct sockaddr_in *)&ss)->sin_port);
}

static void conn_open(struct conn *c, int v6, const char *addr, uint16_t port)
{
	conn_open_on(c, v6, addr, v6, addr, port);
}

static void conn_close(struct conn *c)
{
	untrack_close(c->cfd);
	untrack_close(c->sfd);
	untrack_close(c->lfd);
}

/* A client->server segment of (@cport, the listener's port) as the NIC would see it. */
static void seg(struct frame *f, struct pkt *p, const struct conn *c, uint16_t cport, uint8_t flags)
{
	h_flow(f, p, c->v6, c->addr, c->addr, IPPROTO_TCP, cport, PORT, flags);
}

/* Cluster IPs are the loopback addresses; rule WEB4 (v4) or WEB (v6) covers port 80. */
static uint32_t loopback_cluster(int v6)
{
	h_reset();
	h_set_vip(0, 0, "127.0.0.1");
	h_set_vip(0, 1, "::1");
	return v6 ? H_R_WEB : H_R_WEB4;
}

/* Another host's bucket: our connection passes (HELD), a stranger does not. */
static void test_held_connection(void **state)
{
	struct frame mine, stranger, strsyn;
	struct pkt pm, ps;
	struct conn c;
	uint32_t rule;
	int v6;

	(void)state;
	for (v6 = 0; v6 < 2; v6++) {
		rule = loopback_cluster(v6);
		conn_open(&c, v6, v6 ? "::1" : "127.0.0.1", PORT);
		seg(&mine, &pm, &c, c.cport, TCPF_ACK | TCPF_PSH);
		seg(&stranger, &ps, &c, (uint16_t)(c.cport + 1), TCPF_ACK);
		seg(&strsyn, NULL, &c, (uint16_t)(c.cport + 1), TCPF_SYN);
		*h_flow_owner(&pm, rule) = 2;
		*h_flow_owner(&ps, rule) = 2;
		/* No live connections in the bucket: no lookup, not ours. */
		h_expect(&mine, XDP_DROP, (int)rule, WLBS_R_NOT_OWNER, NULL);
		h_hold(rule, model_bucket(v6, pm.src, pm.sport, rule));
		h_hold(rule, model_bucket(v6, ps.src, ps.sport, rule));
		/* A held bucket, but no counted connection hashes to the flow: no lookup. */
		h_expect(&mine, XDP_DROP, (int)rule, WLBS_R_NOT_OWNER, NULL);
		h_hint_flow(&pm);
		h_hint_flow(&ps); /* a colliding stranger */
		h_expect(&mine, XDP_PASS, (int)rule, WLBS_R_HELD, NULL);
		/* The listener answers the lookup for a stranger: that is not holding. */
		h_expect(&stranger, XDP_DROP, (int)rule, WLBS_R_NOT_OWNER, NULL);
		h_expect(&strsyn, XDP_DROP, (int)rule, WLBS_R_NOT_OWNER, NULL);

		/* Dirty bucket owned here: SYN is new, the rest needs a socket. */
		*h_flow_owner(&pm, rule) = 1;
		*h_flow_flags(&pm, rule) = WLBS_BUCKET_F_DIRTY;
		*h_flow_owner(&ps, rule) = 1;
		*h_flow_flags(&ps, rule) = WLBS_BUCKET_F_DIRTY;
		h_expect(&strsyn, XDP_PASS, (int)rule, WLBS_R_OWNED, NULL);
		h_expect(&stranger, XDP_DROP, (int)rule, WLBS_R_DIRTY, NULL);
		h_expect(&mine, XDP_PASS, (int)rule, WLBS_R_HELD, NULL);

		/* Draining (host or rule): held connections stay, new ones go. */
		*h_flow_flags(&pm, rule) = 0;
		*h_flow_flags(&ps, rule) = 0;
		h_cfg()->state = WLBS_FP_DRAINING;
		h_expect(&mine, XDP_PASS, (int)rule, WLBS_R_HELD, NULL);
		h_expect(&strsyn, XDP_DROP, (int)rule, WLBS_R_NOT_OWNER, NULL);
		h_cfg()->state = WLBS_FP_RUNNING;
		h_tables(0)->rules[rule].flags = WLBS_RULE_F_DRAIN;
		h_expect(&mine, XDP_PASS, (int)rule, WLBS_R_HELD, NULL);
		h_expect(&strsyn, XDP_DROP, (int)rule, WLBS_R_NOT_OWNER, NULL);
		/* Disabled on this host: not even held connections. */
		h_tables(0)->rules[rule].flags = WLBS_RULE_F_OFF;
		h_expect(&mine, XDP_DROP, (int)rule, WLBS_R_RULE_DISABLED, NULL);
		conn_close(&c);
	}
}

/* A stale daemon stamp: no new flows, held connections still pass. */
static void test_stale_keeps_held(void **state)
{
	struct frame mine, syn;
	struct pkt pm, ps;
	struct conn c;
	uint32_t rule;

	(void)state;
	rule = loopback_cluster(0);
	conn_open(&c, 0, "127.0.0.1", PORT);
	seg(&mine, &pm, &c, c.cport, TCPF_ACK);
	seg(&syn, &ps, &c, (uint16_t)(c.cport + 1), TCPF_SYN);
	h_hold(rule, model_bucket(0, pm.src, pm.sport, rule));
	h_hold(rule, model_bucket(0, ps.src, ps.sport, rule));
	h_hint_flow(&pm);
	h_cfg()->alive_deadline = h_jiffies() - 1;
	h_expect(&syn, XDP_DROP, (int)rule, WLBS_R_STALE, NULL);
	h_expect(&mine, XDP_PASS, (int)rule, WLBS_R_HELD, NULL);
	h_cfg()->alive_deadline = h_jiffies() + 100000;
	h_expect(&syn, XDP_PASS, (int)rule, WLBS_R_OWNED, NULL);
	h_expect(&mine, XDP_PASS, (int)rule, WLBS_R_OWNED, NULL);
	conn_close(&c);
}

static ino_t netns_ino(void)
{
	struct stat st;

	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	return st.st_ino;
}

/* Sum over the rules' slots (the client end of a loopback connection is uncovered). */
static __s64 conns_total(void)
{
	__s64 sum = 0;
	size_t i;

	for (i = 0; i < WLBS_CONN_UNCOVERED; i++)
		sum += h_conns[i];
	return sum;
}

/* The fast path's held bits say exactly which counts are not zero. */
static void assert_held_bits(void)
{
	size_t i;

	for (i = 0; i < WLBS_CONN_SLOTS; i++)
		if (h_held_bit((uint32_t)i) != (h_conns[i] != 0))
			fail_msg("held bit of slot %zu is %d, count %d", i, h_held_bit((uint32_t)i),
				 h_conns[i]);
}

/* An address and port of a socket's end as the fast path reads them (v4-mapped). */
static uint16_t sock_end(const struct sockaddr_storage *ss, __u32 addr[4])
{
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)ss;

	if (ss->ss_family == AF_INET6) {
		memcpy(addr, &a6->sin6_addr, 16);
		return ntohs(a6->sin6_port);
	}
	addr[0] = addr[1] = 0;
	addr[2] = htonl(0xffff);
	addr[3] = a4->sin_addr.s_addr;
	return ntohs(a4->sin_port);
}

/* The wlbs_conn_hint slot of connected socket @fd, from its own tuple. */
static uint32_t fd_hint_slot(int fd)
{
	struct sockaddr_storage local, remote;
	socklen_t len = sizeof(local);
	__u32 laddr[4], raddr[4];
	uint16_t lport, rport;

	assert_int_equal(getsockname(fd, (struct sockaddr *)&local, &len), 0);
	len = sizeof(remote);
	assert_int_equal(getpeername(fd, (struct sockaddr *)&remote, &len), 0);
	lport = sock_end(&local, laddr);
	rport = sock_end(&remote, raddr);
	return wlbs_hint_slot(raddr, rport, laddr, lport);
}

/*
 * Every hint slot counts exactly the counted sockets that hash to it, the
 * @n sockets @fds and nothing else (one count per counted socket as well).
 * Waits up to 2 s for the sock hook, then fails naming the first slot that
 * differs.
 */
static void assert_fd_hints(const int *fds, int n, int line)
{
	static __u32 want[WLBS_HINT_SLOTS];
	struct timespec ts = {0, 10000000};
	size_t i, bad = 0;
	int k, tries;

	memset(want, 0, sizeof(want));
	for (k = 0; k < n; k++)
		want[fd_hint_slot(fds[k])]++;
	for (tries = 0; tries < 200; tries++) {
		for (bad = 0; bad < WLBS_HINT_SLOTS && h_hint[bad] == want[bad]; bad++)
			;
		if (bad == WLBS_HINT_SLOTS)
			break;
		nanosleep(&ts, NULL);
	}
	if (bad < WLBS_HINT_SLOTS)
		fail_msg("line %d: hint slot %zu is %u, %u counted sockets hash there", line, bad,
			 h_hint[bad], want[bad]);
	for (i = 0, k = 0; i < WLBS_CONN_SLOTS; i++)
		k += h_conns[i];
	if (k != n)
		fail_msg("line %d: %d counted sockets, want %d", line, k, n);
}

/* The same for both ends of the @n open connections @c (on loopback both are cluster sockets). */
static void assert_hints_at(const struct conn *c, int n, int line)
{
	int fds[16] = {0}, k;

	assert_true(n <= 8);
	for (k = 0; k < n; k++) {
		fds[2 * k] = c[k].cfd;
		fds[2 * k + 1] = c[k].sfd;
	}
	assert_fd_hints(fds, 2 * n, line);
}
#define assert_hints(c, n) assert_hints_at(c, n, __LINE__)

/* Waits up to 2 s for the connection count of @slot (and the total) to reach @want. */
static int conns_settle(__s32 *slot, __s32 want)
{
	struct timespec ts = {0, 10000000};
	int i;

	for (i = 0; i < 200; i++) {
		if (*slot == want && conns_total() == want)
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* Waits up to 2 s for the uncovered slot to reach @want. */
static int uncovered_settle(__s64 want)
{
	struct timespec ts = {0, 10000000};
	int i;

	for (i = 0; i < 200 && h_conns[WLBS_CONN_UNCOVERED] != want; i++)
		nanosleep(&ts, NULL);
	return h_conns[WLBS_CONN_UNCOVERED] == want;
}

/* wlbs_sock_state counts a cluster connection while it lives, and nothing else. */
static void test_sock_state_counts(void **state)
{
	struct conn c;
	uint32_t rule;
	__s32 *slot;
	uint8_t a[16];
	int v6;

	(void)state;
	sock_link = bpf_program__attach(h_skel->progs.wlbs_sock_state);
	if (!sock_link)
		fail_msg("attach wlbs_sock_state: %s", strerror(errno));
	for (v6 = 0; v6 < 2; v6++) {
		rule = loopback_cluster(v6);
		h_cfg()->netns_ino = (__u32)netns_ino();
		conn_open(&c, v6, v6 ? "::1" : "127.0.0.1", PORT);
		inet_pton(v6 ? AF_INET6 : AF_INET, c.addr, a);
		slot = h_conn(rule, model_bucket(v6, a, c.cport, rule));
		if (!conns_settle(slot, 1))
			fail_msg("v%d: conns[slot] %lld, total %lld after connect, want 1",
				 v6 ? 6 : 4, (long long)*slot, (long long)conns_total());
		assert_int_equal(h_held_bit((uint32_t)(slot - h_conns)), 1);
		assert_held_bits();
		assert_hints(&c, 1);
		conn_close(&c);
		if (!conns_settle(slot, 0))
			fail_msg("v%d: conns[slot] %lld, total %lld after close, want 0",
				 v6 ? 6 : 4, (long long)*slot, (long long)conns_total());
		assert_held_bits();
		assert_hints(NULL, 0);
	}
	/* A port no rule covers: the uncovered slot (both loopback ends are cluster sockets). */
	loopback_cluster(0);
	h_cfg()->netns_ino = (__u32)netns_ino();
	slot = &h_conns[WLBS_CONN_UNCOVERED];
	assert_int_equal(*slot, 0);
	conn_open(&c, 0, "127.0.0.1", 81);
	assert_int_equal(conns_total(), 0);
	if (!uncovered_settle(2))
		fail_msg("uncovered slot %lld after connect, want 2", (long long)*slot);
	assert_held_bits();
	assert_hints(&c, 1);
	conn_close(&c);
	if (!uncovered_settle(0))
		fail_msg("uncovered slot %lld after close, want 0", (long long)*slot);
	assert_held_bits();
	assert_hints(NULL, 0);
	/* Not counted: a non-cluster address, another netns. */
	conn_open(&c, 0, "127.0.0.2", PORT);
	assert_int_equal(conns_total(), 0);
	/* Its client end is 127.0.0.1:ephemeral, a cluster socket no rule covers. */
	assert_fd_hints(&c.cfd, 1, __LINE__);
	conn_close(&c);
	h_cfg()->netns_ino = (__u32)netns_ino() + 1;
	conn_open(&c, 0, "127.0.0.1", PORT);
	assert_int_equal(conns_total(), 0);
	assert_hints(NULL, 0);
	conn_close(&c);
}

/* A dual-stack listener ([::]:80) holding an IPv4 client: counted and held as IPv4. */
static void test_dual_stack(void **state)
{
	struct frame mine;
	struct pkt pm;
	struct conn c;
	uint32_t rule;
	__s32 *slot;

	(void)state;
	sock_link = bpf_program__attach(h_skel->progs.wlbs_sock_state);
	if (!sock_link)
		fail_msg("attach wlbs_sock_state: %s", strerror(errno));
	rule = loopback_cluster(0);
	h_cfg()->netns_ino = (__u32)netns_ino();
	conn_open_on(&c, 1, "::", 0, "127.0.0.1", PORT);
	seg(&mine, &pm, &c, c.cport, TCPF_ACK);
	slot = h_conn(rule, model_bucket(0, pm.src, pm.sport, rule));
	if (!conns_settle(slot, 1))
		fail_msg("conns[slot] %lld, total %lld after connect, want 1", (long long)*slot,
			 (long long)conns_total());
	assert_hints(&c, 1);
	*h_flow_owner(&pm, rule) = 2;
	h_expect(&mine, XDP_PASS, (int)rule, WLBS_R_HELD, NULL);
	conn_close(&c);
	if (!conns_settle(slot, 0))
		fail_msg("conns[slot] %lld, total %lld after close, want 0", (long long)*slot,
			 (long long)conns_total());
	assert_hints(NULL, 0);
	h_expect(&mine, XDP_DROP, (int)rule, WLBS_R_NOT_OWNER, NULL);
}

/* Every rule slot but @want is 0 (none negative), and @want holds @n. */
static void assert_only(const __s32 *want, __s64 n)
{
	size_t i;

	for (i = 0; i < WLBS_CONN_UNCOVERED; i++)
		if (h_conns[i] != (&h_conns[i] == want ? n : 0))
			fail_msg("conns[%zu] = %lld, want %lld", i, (long long)h_conns[i],
				 (long long)(&h_conns[i] == want ? n : 0));
}

/*
 * A reload as wlbsd publishes it: gen 1 gets a new rule in front (every
 * index shifts by one), the connection's rule hashes the client address
 * only, and another host owns every bucket. Returns the connection's new rule.
 */
static uint32_t reload_shifted(uint32_t rule)
{
	struct wlbs_tables *t = h_tables(1);
	uint32_t i;

	*t = *h_tables(0);
	memmove(&t->rules[1], &t->rules[0], t->n_rules * sizeof(t->rules[0]));
	t->n_rules++;
	t->rules[0] = (struct wlbs_rule){
	    .vip = WLBS_VIP_ALL, .port_lo = 22, .port_hi = 22, .proto = WLBS_PROTO_TCP};
	t->rules[rule + 1].affinity = WLBS_AFF_SINGLE;
	for (i = 0; i < t->n_rules; i++)
		h_fill_owner(1, i, 2, 0);
	h_cfg()->gen = 1;
	return rule + 1;
}

static void attach_sock_state(void)
{
	sock_link = bpf_program__attach(h_skel->progs.wlbs_sock_state);
	if (!sock_link)
		fail_msg("attach wlbs_sock_state: %s", strerror(errno));
}

/*
 * After a reload moved a held connection's rule, the recount moves its count
 * to the new slot: the connection stays held under the new tables, and its
 * close takes back exactly what was added.
 */
static void test_recount_after_reload(void **state)
{
	struct frame mine;
	struct pkt pm;
	struct conn c;
	uint32_t rule, moved;
	__s32 *before, *after;
	int v6;

	(void)state;
	attach_sock_state();
	for (v6 = 0; v6 < 2; v6++) {
		rule = loopback_cluster(v6);
		h_cfg()->netns_ino = (__u32)netns_ino();
		conn_open(&c, v6, v6 ? "::1" : "127.0.0.1", PORT);
		seg(&mine, &pm, &c, c.cport, TCPF_ACK | TCPF_PSH);
		before = h_conn(rule, model_bucket(v6, pm.src, pm.sport, rule));
		if (!conns_settle(before, 1))
			fail_msg("v%d: conns[slot] %lld after connect, want 1", v6 ? 6 : 4,
				 (long long)*before);

		moved = reload_shifted(rule);
		after = h_conn(moved, model_bucket(v6, pm.src, pm.sport, moved));
		assert_ptr_not_equal(before, after);
		/* Counted under the old slot: the gate does not see it yet. */
		h_expect(&mine, XDP_DROP, (int)moved, WLBS_R_NOT_OWNER, NULL);
		assert_int_equal(h_recount(), 0);
		assert_only(after, 1);
		assert_hints(&c, 1); /* moved, still counted: the hint stays */
		h_expect(&mine, XDP_PASS, (int)moved, WLBS_R_HELD, NULL);
		/* A second pass changes nothing. */
		assert_int_equal(h_recount(), 0);
		assert_only(after, 1);
		assert_hints(&c, 1);

		conn_close(&c);
		if (!conns_settle(after, 0))
			fail_msg("v%d: conns[slot] %lld, total %lld after close, want 0",
				 v6 ? 6 : 4, (long long)*after, (long long)conns_total());
		assert_only(after, 0);
		assert_hints(NULL, 0);
		h_expect(&mine, XDP_DROP, (int)moved, WLBS_R_NOT_OWNER, NULL);
	}
}

/* A connection that ends after a reload, before any recount, leaves no drift. */
static void test_close_after_reload(void **state)
{
	struct conn c;
	struct pkt pm;
	struct frame f;
	uint32_t rule;
	__s32 *slot;

	(void)state;
	attach_sock_state();
	rule = loopback_cluster(0);
	h_cfg()->netns_ino = (__u32)netns_ino();
	conn_open(&c, 0, "127.0.0.1", PORT);
	seg(&f, &pm, &c, c.cport, TCPF_ACK);
	slot = h_conn(rule, model_bucket(0, pm.src, pm.sport, rule));
	if (!conns_settle(slot, 1))
		fail_msg("conns[slot] %lld after connect, want 1", (long long)*slot);
	reload_shifted(rule);
	conn_close(&c);
	if (!conns_settle(slot, 0))
		fail_msg("conns[slot] %lld, total %lld after close, want 0", (long long)*slot,
			 (long long)conns_total());
	assert_only(slot, 0);
	assert_hints(NULL, 0);
}

/*
 * The recount adds connections nobody counted (opened before the hook was
 * attached) and drops ones no rule covers any more.
 */
static void test_recount_adds_and_drops(void **state)
{
	struct conn c;
	struct pkt pm;
	struct frame f;
	uint32_t rule;
	__s32 *slot;

	(void)state;
	rule = loopback_cluster(0);
	h_cfg()->netns_ino = (__u32)netns_ino();
	conn_open(&c, 0, "127.0.0.1", PORT);
	seg(&f, &pm, &c, c.cport, TCPF_ACK);
	slot = h_conn(rule, model_bucket(0, pm.src, pm.sport, rule));
	attach_sock_state();
	assert_only(slot, 0);
	assert_int_equal(h_recount(), 0);
	assert_only(slot, 1);
	assert_hints(&c, 1);

	/* Port 80 no longer covered on 127.0.0.1. */
	*h_tables(1) = *h_tables(0);
	h_tables(1)->rules[H_R_WEB4].port_lo = h_tables(1)->rules[H_R_WEB4].port_hi = 81;
	h_tables(1)->rules[H_R_WEB].port_lo = h_tables(1)->rules[H_R_WEB].port_hi = 81;
	h_cfg()->gen = 1;
	assert_int_equal(h_recount(), 0);
	assert_only(slot, 0);
	assert_hints(&c, 1); /* both ends now uncovered, still counted */
	/* 127.0.0.1 a cluster IP no more: neither end is counted. */
	*h_tables(0) = *h_tables(1);
	h_set_vip(0, 0, H_VIP4);
	h_cfg()->gen = 0;
	assert_int_equal(h_recount(), 0);
	assert_int_equal(h_conns[WLBS_CONN_UNCOVERED], 0);
	assert_hints(NULL, 0);
	conn_close(&c);
	usleep(50000);
	assert_only(slot, 0);
	assert_hints(NULL, 0);
}

/*
 * A connection no rule covers, held by a host that is default no more (its
 * wlbsd gone, or draining after SIGTERM): its packets still pass here (the
 * sock hook counts it in WLBS_CONN_UNCOVERED); new connections do not.
 */
static void test_uncovered_held(void **state)
{
	struct frame mine, stranger, syn;
	struct pkt pm;
	struct conn c;
	int pass;

	(void)state;
	loopback_cluster(0);
	h_cfg()->netns_ino = (__u32)netns_ino();
	attach_sock_state();
	conn_open(&c, 0, "127.0.0.1", 81);
	if (!uncovered_settle(2))
		fail_msg("uncovered slot %lld, want 2", (long long)h_conns[WLBS_CONN_UNCOVERED]);
	h_flow(&mine, &pm, 0, c.addr, c.addr, IPPROTO_TCP, c.cport, 81, TCPF_ACK);
	h_flow(&stranger, NULL, 0, c.addr, c.addr, IPPROTO_TCP, (uint16_t)(c.cport + 1), 81,
	       TCPF_ACK);
	h_flow(&syn, NULL, 0, c.addr, c.addr, IPPROTO_TCP, (uint16_t)(c.cport + 1), 81, TCPF_SYN);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 0)
			h_cfg()->alive_deadline = h_jiffies() - 1;
		else
			h_cfg()->state = WLBS_FP_DRAINING;
		h_expect(&mine, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_HELD, NULL);
		h_expect(&stranger, XDP_DROP, WLBS_STATS_NO_RULE,
			 pass ? WLBS_R_NOT_DEFAULT : WLBS_R_STALE, NULL);
		h_expect(&syn, XDP_DROP, WLBS_STATS_NO_RULE,
			 pass ? WLBS_R_NOT_DEFAULT : WLBS_R_STALE, NULL);
		h_cfg()->alive_deadline = 0;
		h_cfg()->state = WLBS_FP_RUNNING;
	}
	/* The default host, taking new connections, does not look. */
	h_expect(&stranger, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_DEFAULT, NULL);
	/* Unless another host holds uncovered connections: then it answers only its own. */
	h_cfg()->flags |= WLBS_CFG_F_UNCOVERED_DIRTY;
	h_expect(&mine, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_HELD, NULL);
	h_expect(&stranger, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_DIRTY, NULL);
	h_expect(&syn, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_DEFAULT, NULL);
	h_cfg()->flags &= (__u8)~WLBS_CFG_F_UNCOVERED_DIRTY;
	/* Another host's default: held ones still pass here. */
	h_cfg()->default_host = 2;
	h_expect(&mine, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_HELD, NULL);
	h_expect(&stranger, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
	conn_close(&c);
	if (!uncovered_settle(0))
		fail_msg("uncovered slot %lld after close, want 0",
			 (long long)h_conns[WLBS_CONN_UNCOVERED]);
	h_expect(&mine, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
}

/*
 * A connection this host opened from a cluster IP (client bound to
 * 127.0.0.1:1500, rule RANGE covers the local port): the server's SYN-ACK
 * passes only on the host whose socket it answers, whoever owns the bucket;
 * on the bucket's owner it marks the bucket dirty, so the connection's next
 * packets meet no RST there before the holder's heartbeat says it is held.
 */
static void test_outbound_synack(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(1500)};
	struct frame synack, stranger, ack;
	struct pkt p, q;
	struct conn c;
	__u32 slot;
	int one = 1;

	(void)state;
	loopback_cluster(0);
	c.v6 = 0;
	c.addr = "127.0.0.1";
	c.lfd = track(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	c.cfd = track(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	assert_true(c.lfd >= 0 && c.cfd >= 0);
	inet_pton(AF_INET, c.addr, &a.sin_addr);
	setsockopt(c.cfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(c.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(c.cfd, (struct sockaddr *)&a, sizeof(a)), 0);
	a.sin_port = htons(PORT);
	if (bind(c.lfd, (struct sockaddr *)&a, sizeof(a)) || listen(c.lfd, 8) ||
	    connect(c.cfd, (struct sockaddr *)&a, sizeof(a)))
		fail_msg("loopback connection from 127.0.0.1:1500: %s", strerror(errno));
	c.sfd = track(accept(c.lfd, NULL, NULL));
	/* Server 127.0.0.1:80 -> our 127.0.0.1:1500, as the NIC would see the answer. */
	h_flow(&synack, &p, 0, c.addr, c.addr, IPPROTO_TCP, PORT, 1500, TCPF_SYN | TCPF_ACK);
	h_flow(&stranger, &q, 0, c.addr, c.addr, IPPROTO_TCP, PORT + 1, 1500, TCPF_SYN | TCPF_ACK);
	h_flow(&ack, NULL, 0, c.addr, c.addr, IPPROTO_TCP, PORT + 1, 1500, TCPF_ACK);
	*h_flow_owner(&p, H_R_RANGE) = 2;
	h_expect(&synack, XDP_PASS, H_R_RANGE, WLBS_R_HELD, NULL);
	*h_flow_owner(&p, H_R_RANGE) = 1;
	h_expect(&synack, XDP_PASS, H_R_RANGE, WLBS_R_HELD, NULL);
	/* Nobody's here: dropped; on the owner, the bucket turns dirty. */
	*h_flow_owner(&q, H_R_RANGE) = 2;
	h_expect(&stranger, XDP_DROP, H_R_RANGE, WLBS_R_FOREIGN_SYNACK, NULL);
	assert_int_equal(*h_flow_flags(&q, H_R_RANGE), 0);
	*h_flow_owner(&q, H_R_RANGE) = 1;
	h_expect(&ack, XDP_PASS, H_R_RANGE, WLBS_R_OWNED, NULL);
	h_expect(&stranger, XDP_DROP, H_R_RANGE, WLBS_R_FOREIGN_SYNACK, NULL);
	assert_int_equal(*h_flow_flags(&q, H_R_RANGE), WLBS_BUCKET_F_SYNACK);
	/* In the table wlbsd may be staging too, so a flip cannot lose it. */
	assert_int_equal(*h_bucket_flags(h_cfg()->gen ^ 1, H_R_RANGE,
					 model_bucket(0, q.src, q.sport, H_R_RANGE)),
			 WLBS_BUCKET_F_SYNACK);
	h_expect(&ack, XDP_DROP, H_R_RANGE, WLBS_R_DIRTY, NULL);
	/* The mark ends (WLBS_SYNACK_DIRTY_MS): owned again, the flag cleared. */
	slot = wlbs_conn_slot(H_R_RANGE, model_bucket(0, q.src, q.sport, H_R_RANGE));
	assert_true(h_synack_dirty[slot] != 0);
	h_synack_dirty[slot] = 1;
	h_expect(&ack, XDP_PASS, H_R_RANGE, WLBS_R_OWNED, NULL);
	assert_int_equal(h_synack_dirty[slot], 0);
	assert_int_equal(*h_flow_flags(&q, H_R_RANGE), 0);
	/*
	 * No rule covers the local port: the default host marks what no rule
	 * covers instead (not another host, nor once the mark ends).
	 */
	h_flow(&stranger, NULL, 0, c.addr, c.addr, IPPROTO_TCP, PORT + 1, 3000,
	       TCPF_SYN | TCPF_ACK);
	h_flow(&ack, NULL, 0, c.addr, c.addr, IPPROTO_TCP, PORT + 1, 3000, TCPF_ACK);
	h_cfg()->default_host = 2;
	h_expect(&stranger, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_FOREIGN_SYNACK, NULL);
	h_cfg()->default_host = 1;
	h_expect(&ack, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_DEFAULT, NULL);
	h_expect(&stranger, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_FOREIGN_SYNACK, NULL);
	h_expect(&ack, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_DIRTY, NULL);
	assert_true(h_uncovered_synack_lasts());
	h_set_uncovered_synack(1); /* long past: passes, and the mark is cleared */
	h_expect(&ack, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_DEFAULT, NULL);
	assert_int_equal(h_uncovered_synack(), 0);
	conn_close(&c);
}

/* Ten connections at once, closed one by one: the hint follows every start and end. */
static void test_hint_tracks_sockets(void **state)
{
	struct conn c[5];
	int i, v6;

	(void)state;
	attach_sock_state();
	for (v6 = 0; v6 < 2; v6++) {
		loopback_cluster(v6);
		h_cfg()->netns_ino = (__u32)netns_ino();
		for (i = 0; i < 5; i++) {
			conn_open(&c[i], v6, v6 ? "::1" : "127.0.0.1", (uint16_t)(PORT + i));
			assert_hints(c, i + 1);
		}
		for (i = 4; i >= 0; i--) {
			conn_close(&c[i]);
			assert_hints(c, i);
		}
	}
}

/*
 * With the hook keeping the hint: another host's bucket, this host's
 * connection passes; a flow of the same held bucket that no counted
 * connection hashes to is dropped without a lookup.
 */
static void test_hint_gates_held_bucket(void **state)
{
	struct frame mine, other;
	struct pkt pm, po;
	struct conn c;
	uint32_t rule, bucket;
	uint16_t port;

	(void)state;
	attach_sock_state();
	rule = loopback_cluster(0);
	h_cfg()->netns_ino = (__u32)netns_ino();
	conn_open(&c, 0, "127.0.0.1", PORT);
	assert_hints(&c, 1);
	seg(&mine, &pm, &c, c.cport, TCPF_ACK);
	bucket = model_bucket(0, pm.src, pm.sport, rule);
	/* Another client port in the same bucket, its hint slot 0. */
	for (port = 1024; port < 65535; port++) {
		seg(&other, &po, &c, port, TCPF_ACK);
		if (port != c.cport && model_bucket(0, po.src, port, rule) == bucket &&
		    !h_hint[h_hint_slot(&po)])
			break;
	}
	assert_true(port < 65535);
	h_fill_owner(0, rule, 2, 0);
	assert_int_equal(h_held_bit(wlbs_conn_slot(rule, bucket)), 1);
	assert_true(h_hint[h_hint_slot(&pm)] != 0);
	h_expect(&mine, XDP_PASS, (int)rule, WLBS_R_HELD, NULL);
	h_expect(&other, XDP_DROP, (int)rule, WLBS_R_NOT_OWNER, NULL);
	conn_close(&c);
	assert_hints(NULL, 0);
	h_expect(&mine, XDP_DROP, (int)rule, WLBS_R_NOT_OWNER, NULL);
}

/*
 * A handshake half done on loopback: TCP_DEFER_ACCEPT keeps the server's
 * request socket after the client's bare ACK, as a SYN_RECV one waits for
 * the ACK in flight. Returns the server's ISN + 1, what that ACK carries.
 */
static uint32_t half_open(struct conn *c, int v6, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = fill_addr(&ss, v6, addr, port);
	int one = 1, defer = 30, q = TCP_RECV_QUEUE, off = 0;
	uint32_t rcv_nxt = 0;
	socklen_t n = sizeof(rcv_nxt);

	c->v6 = v6;
	c->addr = addr;
	c->sfd = -1;
	c->lfd = track(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	c->cfd = track(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	assert_true(c->lfd >= 0 && c->cfd >= 0);
	setsockopt(c->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (setsockopt(c->lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof(defer)) ||
	    bind(c->lfd, (struct sockaddr *)&ss, len) || listen(c->lfd, 8) ||
	    connect(c->cfd, (struct sockaddr *)&ss, len))
		fail_msg("half-open connection to %s:%u: %s", addr, port, strerror(errno));
	/* The client's next expected byte, read in repair mode (root). */
	if (setsockopt(c->cfd, IPPROTO_TCP, TCP_REPAIR, &one, sizeof(one)) ||
	    setsockopt(c->cfd, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)) ||
	    getsockopt(c->cfd, IPPROTO_TCP, TCP_QUEUE_SEQ, &rcv_nxt, &n) ||
	    setsockopt(c->cfd, IPPROTO_TCP, TCP_REPAIR, &off, sizeof(off)))
		fail_msg("reading the client's rcv_nxt: %s", strerror(errno));
	len = sizeof(ss);
	assert_int_equal(getsockname(c->cfd, (struct sockaddr *)&ss, &len), 0);
	c->cport = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			    : ((struct sockaddr_in *)&ss)->sin_port);
	return rcv_nxt;
}

/* A client->server segment of @c with acknowledgment number @ack_seq. */
static void seg_ack(struct frame *f, const struct conn *c, uint8_t flags, uint32_t ack_seq)
{
	struct pkt p;

	h_flow(f, &p, c->v6, c->addr, c->addr, IPPROTO_TCP, c->cport, PORT, flags);
	p.ack_seq = ack_seq;
	assert_int_equal(frame_build(f, &p), 0);
}

/*
 * A handshake begun here before the bucket went to another host: its request
 * socket is in no count, so only the release mark (WLBS_OWNER_F_RELEASED)
 * gets the ACK of our SYN-ACK to it, by both paths. A segment acknowledging
 * anything else (the challenge ACK of a client that connected to the new
 * owner, to our late SYN-ACK retransmit) would draw a RST from the request
 * socket: it never passes, nor does a SYN of the bucket.
 */
static void test_released_bucket_handshake(void **state)
{
	struct frame ack, wrong, syn;
	struct pkt p;
	struct conn c;
	uint32_t rule, isn1;
	uint8_t *owner, *flags;
	int v6;

	(void)state;
	attach_sock_state();
	for (v6 = 0; v6 < 2; v6++) {
		rule = loopback_cluster(v6);
		h_cfg()->netns_ino = (__u32)netns_ino();
		isn1 = half_open(&c, v6, v6 ? "::1" : "127.0.0.1", PORT);
		seg_ack(&ack, &c, TCPF_ACK | TCPF_PSH, isn1);
		seg_ack(&wrong, &c, TCPF_ACK, isn1 + 1000);
		h_flow(&syn, &p, v6, c.addr, c.addr, IPPROTO_TCP, c.cport, PORT, TCPF_SYN);
		owner = h_flow_owner(&p, rule);
		flags = h_flow_flags(&p, rule);
		assert_int_equal(
		    h_held_bit(wlbs_conn_slot(rule, model_bucket(v6, p.src, c.cport, rule))), 0);
		*owner = 2;
		h_expect(&ack, XDP_DROP, (int)rule, WLBS_R_NOT_OWNER, NULL);
		*owner = 2 | WLBS_OWNER_F_RELEASED;
		h_expect(&ack, XDP_PASS, (int)rule, WLBS_R_HELD, NULL);
		h_expect(&wrong, XDP_DROP, (int)rule, WLBS_R_NOT_OWNER, NULL);
		h_expect(&syn, XDP_DROP, (int)rule, WLBS_R_NOT_OWNER, NULL);
		/* The general path (every packet of a draining host) decides the same. */
		h_cfg()->state = WLBS_FP_DRAINING;
		h_expect(&ack, XDP_PASS, (int)rule, WLBS_R_HELD, NULL);
		h_expect(&wrong, XDP_DROP, (int)rule, WLBS_R_NOT_OWNER, NULL);
		h_expect(&syn, XDP_DROP, (int)rule, WLBS_R_NOT_OWNER, NULL);
		h_cfg()->state = WLBS_FP_RUNNING;
		/* The owner of a dirty bucket: its own request socket takes only that ACK, too. */
		*owner = 1;
		*flags = WLBS_BUCKET_F_DIRTY;
		h_expect(&ack, XDP_PASS, (int)rule, WLBS_R_HELD, NULL);
		h_expect(&wrong, XDP_DROP, (int)rule, WLBS_R_DIRTY, NULL);
		untrack_close(c.cfd);
		untrack_close(c.lfd);
	}
}

/* The same for a handshake no rule covers, begun while this host was the default host. */
static void test_released_default_handshake(void **state)
{
	struct frame ack, wrong;
	struct conn c;
	uint32_t isn1;

	(void)state;
	attach_sock_state();
	loopback_cluster(0);
	h_cfg()->netns_ino = (__u32)netns_ino();
	isn1 = half_open(&c, 0, "127.0.0.1", 81);
	{
		struct pkt p; /* port 81: no rule covers it */

		h_flow(&ack, &p, 0, c.addr, c.addr, IPPROTO_TCP, c.cport, 81, TCPF_ACK);
		p.ack_seq = isn1;
		assert_int_equal(frame_build(&ack, &p), 0);
		p.ack_seq = isn1 + 1000;
		assert_int_equal(frame_build(&wrong, &p), 0);
	}
	/* Counted: the client's end alone (its port is no rule's either), not the request socket.
	 */
	if (!uncovered_settle(1))
		fail_msg("uncovered slot %lld, want 1", (long long)h_conns[WLBS_CONN_UNCOVERED]);
	h_cfg()->default_host = 2;
	h_expect(&ack, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
	h_cfg()->flags |= WLBS_CFG_F_UNCOVERED_RELEASED;
	h_expect(&ack, XDP_PASS, WLBS_STATS_NO_RULE, WLBS_R_HELD, NULL);
	h_expect(&wrong, XDP_DROP, WLBS_STATS_NO_RULE, WLBS_R_NOT_DEFAULT, NULL);
	h_cfg()->flags &= (__u8)~WLBS_CFG_F_UNCOVERED_RELEASED;
	untrack_close(c.cfd);
	untrack_close(c.lfd);
}

static const struct CMUnitTest conn_tests[] = {
    cmocka_unit_test_teardown(test_uncovered_held, close_all),
    cmocka_unit_test_teardown(test_outbound_synack, close_all),
    cmocka_unit_test_teardown(test_held_connection, close_all),
    cmocka_unit_test_teardown(test_stale_keeps_held, close_all),
    cmocka_unit_test_teardown(test_sock_state_counts, close_all),
    cmocka_unit_test_teardown(test_dual_stack, close_all),
    cmocka_unit_test_teardown(test_recount_after_reload, close_all),
    cmocka_unit_test_teardown(test_close_after_reload, close_all),
    cmocka_unit_test_teardown(test_recount_adds_and_drops, close_all),
    cmocka_unit_test_teardown(test_hint_tracks_sockets, close_all),
    cmocka_unit_test_teardown(test_hint_gates_held_bucket, close_all),
    cmocka_unit_test_teardown(test_released_bucket_handshake, close_all),
    cmocka_unit_test_teardown(test_released_default_handshake, close_all),
};

H_GROUP(h_group_conns, conn_tests);
