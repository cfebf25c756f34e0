// SPDX-License-Identifier: GPL-2.0
/*
 * Remote control transport over real UDP on loopback: the daemon's server
 * (daemon/ctl/remote_server.c) with a stand-in command handler, and the CLI's exchange
 * (cli/remote_client.c). Answers, bad password, replay from another socket, a
 * retried request answered again without running twice, other hosts,
 * garbage and truncations then still answering, rate limit, clock skew,
 * disabled, unreadable secret, fast-path ports, forged answers, and the
 * CLI's address parsing (its options: test_cli.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>

#include "ctl/remote_server.c"
#include "../../cli/remote_client.h"
#include "../../cli/render.h"

#define SELF 2

static char dir[64], secret_path[96], bad_secret_path[96];
static struct wlbs_config cfg;
static struct remote_key key, bad_key;
static uint16_t port;
static struct remote_server *srv;
static volatile int calls;
static struct sockaddr_in dst;

static const struct wlbs_config *reload_to; /* reload: reconfigure the server with this */

/* Stand-in for wlbsd_handle: a converged host 2 of a cluster {2}. */
static int handle(void *ctx, const struct wlbs_ctl_request *req, struct wlbs_ctl_response *resp)
{
	char err[256];

	(void)ctx;
	calls++;
	if (req->command == WLBS_CMD_RELOAD && reload_to)
		assert_int_equal(remote_configure(srv, reload_to, NULL, err, sizeof(err)), 0);
	resp->status = req->command == WLBS_CMD_QUERY ? WLBS_CONVERGED : WLBS_OK;
	resp->host = SELF;
	resp->members = 1ull << (SELF - 1);
	ctl_resp_text(resp, "handled %s", ctl_cmd_name(req->command));
	return 0;
}

static void write_secret(const char *path, const char *s, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "%s\n", s);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int group_setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/wlbs-remote-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(secret_path, sizeof(secret_path), "%s/secret", dir);
	snprintf(bad_secret_path, sizeof(bad_secret_path), "%s/wrong", dir);
	write_secret(secret_path, "cluster secret one", 0600);
	write_secret(bad_secret_path, "not the secret", 0600);
	port = (uint16_t)(20000 + getpid() % 20000);
	cfg_defaults(&cfg);
	cfg.n_vips = 1;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &cfg.vips[0].addr);
	cfg.vips[0].v4 = true;
	cfg.vips[0].prefix = 8;
	cfg.priority = SELF;
	cfg.remote.enabled = true;
	strcpy(cfg.remote.secret_file, secret_path);
	cfg.remote.port = port;
	assert_int_equal(
	    remote_derive_key("cluster secret one", 18, cfg.vips[0].addr.s6_addr, &key), 0);
	assert_int_equal(
	    remote_derive_key("not the secret", 14, cfg.vips[0].addr.s6_addr, &bad_key), 0);
	dst.sin_family = AF_INET;
	dst.sin_port = htons(port);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(secret_path);
	unlink(bad_secret_path);
	rmdir(dir);
	return 0;
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	calls = 0;
	assert_int_equal(remote_open(&srv, handle, NULL), 0);
	assert_int_equal(remote_configure(srv, &cfg, NULL, err, sizeof(err)), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	remote_close(srv);
	srv = NULL;
	return 0;
}

static int client(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), 0);
	return fd;
}

/* Serves, then reads the answer on @fd: its length, or -1 if none came within ~200 ms. */
static ssize_t serve_and_read(int fd, void *buf, size_t size)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	for (int i = 0; i < 20; i++) {
		assert_int_equal(remote_on_readable(srv), 0);
		if (poll(&pfd, 1, 10) > 0)
			return recv(fd, buf, size, MSG_DONTWAIT);
	}
	return -1;
}

static uint64_t wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

static int wrap(const struct remote_key *k, uint16_t cmd, uint8_t host, uint64_t ts, uint8_t *nonce,
		uint8_t *buf)
{
	struct wlbs_ctl_request req = {.id = 42, .command = cmd, .host = host};

	return remote_wrap_request(k, &req, ts, nonce, buf, WLBS_REMOTE_REQ_LEN);
}

static char display[4096];

/* The counters as `wlbs display` prints them: the stats record through the CLI's renderer. */
static const char *counters(void)
{
	struct wlbs_rec_stats st;
	FILE *f = fmemopen(display, sizeof(display), "w");

	memset(&st, 0, sizeof(st));
	remote_stats(srv, &st);
	cli_text_remote(f, &st);
	fclose(f);
	return display;
}

static void test_query_answered(void **state)
{
	uint8_t req[WLBS_REMOTE_REQ_LEN], in[WLBS_REMOTE_RESP_MAX], nonce[16];
	struct wlbs_ctl_response resp;
	int fd = client(), n = wrap(&key, WLBS_CMD_QUERY, 0, wall_ms(), nonce, req);
	ssize_t got;

	(void)state;
	assert_int_equal(send(fd, req, (size_t)n, 0), n);
	got = serve_and_read(fd, in, sizeof(in));
	assert_true(got > 0);
	assert_int_equal(remote_unwrap_response(&key, in, (size_t)got, nonce, &resp, NULL), 0);
	assert_int_equal(resp.status, WLBS_CONVERGED);
	assert_int_equal(resp.host, SELF);
	assert_int_equal(resp.id, 42);
	assert_string_equal(resp.text, "handled query");
	assert_int_equal(calls, 1);
	/* Addressed to this host's priority: answered too. */
	n = wrap(&key, WLBS_CMD_STOP, SELF, wall_ms(), nonce, req);
	send(fd, req, (size_t)n, 0);
	got = serve_and_read(fd, in, sizeof(in));
	assert_int_equal(remote_unwrap_response(&key, in, (size_t)got, nonce, &resp, NULL), 0);
	assert_string_equal(resp.text, "handled stop");
	assert_non_null(strstr(counters(), "answered=2"));
	close(fd);
}

static void test_bad_password_answered_unauthenticated(void **state)
{
	uint8_t req[WLBS_REMOTE_REQ_LEN], in[WLBS_REMOTE_RESP_MAX], nonce[16];
	struct wlbs_ctl_response resp;
	int fd = client(), n = wrap(&bad_key, WLBS_CMD_STOP, 0, wall_ms(), nonce, req);
	ssize_t got;

	(void)state;
	send(fd, req, (size_t)n, 0);
	got = serve_and_read(fd, in, sizeof(in));
	assert_true(got > 0 && got < n); /* smaller than the request: no amplification */
	assert_int_equal(remote_unwrap_response(&bad_key, in, (size_t)got, nonce, &resp, NULL), 1);
	assert_int_equal(resp.status, WLBS_BAD_PASSW);
	assert_int_equal(calls, 0);
	assert_non_null(strstr(counters(), "bad-password=1"));
	close(fd);
}

static void test_replay_silent_retry_resent(void **state)
{
	uint8_t req[WLBS_REMOTE_REQ_LEN], in[WLBS_REMOTE_RESP_MAX], again[WLBS_REMOTE_RESP_MAX];
	uint8_t nonce[16];
	int fd = client(), other = client(), n;
	ssize_t got, got2;

	(void)state;
	n = wrap(&key, WLBS_CMD_DRAINSTOP, 0, wall_ms(), nonce, req);
	send(fd, req, (size_t)n, 0);
	got = serve_and_read(fd, in, sizeof(in));
	assert_true(got > 0);
	assert_int_equal(calls, 1);
	/* The same bytes from another source: a replay, refused in silence. */
	send(other, req, (size_t)n, 0);
	assert_int_equal(serve_and_read(other, in, sizeof(in)), -1);
	assert_int_equal(calls, 1);
	assert_non_null(strstr(counters(), "replay=1"));
	/* The same bytes from the same source: a retry; the first answer again, not run twice. */
	send(fd, req, (size_t)n, 0);
	got2 = serve_and_read(fd, again, sizeof(again));
	assert_int_equal(got2, got);
	assert_memory_equal(again, in, (size_t)got);
	assert_int_equal(calls, 1);
	assert_non_null(strstr(counters(), "retransmitted=1"));
	close(fd);
	close(other);
}

static void test_other_host_and_garbage_silent(void **state)
{
	uint8_t req[WLBS_REMOTE_REQ_LEN], in[WLBS_REMOTE_RESP_MAX], nonce[16], junk[3000];
	struct wlbs_ctl_response resp;
	unsigned int seed = 7;
	int fd = client(), n;
	ssize_t got;

	(void)state;
	n = wrap(&key, WLBS_CMD_STOP, SELF + 1, wall_ms(), nonce, req);
	send(fd, req, (size_t)n, 0);
	assert_int_equal(serve_and_read(fd, in, sizeof(in)), -1);
	/* Every truncation of a good request, random bytes, oversized, wrong version. */
	n = wrap(&key, WLBS_CMD_STOP, 0, wall_ms(), nonce, req);
	for (int len = 0; len < n; len++)
		send(fd, req, (size_t)len, 0);
	for (int i = 0; i < 50; i++) {
		size_t len = (size_t)rand_r(&seed) % 300;

		for (size_t k = 0; k < len; k++)
			junk[k] = (uint8_t)rand_r(&seed);
		send(fd, junk, len, 0);
	}
	memset(junk, 0, sizeof(junk));
	memcpy(junk, req, (size_t)n);
	send(fd, junk, sizeof(junk), 0);
	req[4] = 9;
	send(fd, req, (size_t)n, 0);
	req[4] = WLBS_REMOTE_VERSION;
	/* The rate limit (10/s) drops most of that flood; wait for fresh tokens. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(serve_and_read(fd, in, sizeof(in)), -1);
	usleep(1100 * 1000);
	assert_int_equal(calls, 0);
	assert_non_null(strstr(counters(), "other-host=1"));
	assert_non_null(strstr(counters(), "rate-limited="));
	assert_null(strstr(counters(), "rate-limited=0 "));
	/* Still answering, and the original request was never executed nor its nonce spent. */
	send(fd, req, (size_t)n, 0);
	got = serve_and_read(fd, in, sizeof(in));
	assert_true(got > 0);
	assert_int_equal(remote_unwrap_response(&key, in, (size_t)got, nonce, &resp, NULL), 0);
	assert_int_equal(calls, 1);
	close(fd);
}

static void test_counted_per_reason(void **state)
{
	uint8_t req[WLBS_REMOTE_REQ_LEN], in[WLBS_REMOTE_RESP_MAX], nonce[16], big[700];
	int fd = client(), n;

	(void)state;
	n = wrap(&key, WLBS_CMD_STOP, 0, wall_ms(), nonce, req);
	send(fd, req, 50, 0);
	memset(big, 0, sizeof(big));
	memcpy(big, req, (size_t)n);
	send(fd, big, sizeof(big), 0);
	send(fd, "hello", 5, 0);
	req[4] = 2;
	send(fd, req, (size_t)n, 0);
	assert_int_equal(serve_and_read(fd, in, sizeof(in)), -1);
	assert_non_null(strstr(counters(), "truncated=1 oversized=1 version=1 garbage=1"));
	close(fd);
}

static void test_rate_limited(void **state)
{
	uint8_t req[WLBS_REMOTE_REQ_LEN], in[WLBS_REMOTE_RESP_MAX], nonce[16];
	struct wlbs_config c = cfg;
	int fd = client(), answers = 0;
	char err[256];

	(void)state;
	c.remote.rate_limit = 3;
	assert_int_equal(remote_configure(srv, &c, NULL, err, sizeof(err)), 0);
	for (int i = 0; i < 6; i++) {
		int n = wrap(&key, WLBS_CMD_QUERY, 0, wall_ms(), nonce, req);

		send(fd, req, (size_t)n, 0);
	}
	while (serve_and_read(fd, in, sizeof(in)) > 0)
		answers++;
	assert_int_equal(answers, 3);
	assert_int_equal(calls, 3);
	assert_non_null(strstr(counters(), "rate-limited=3"));
	close(fd);
}

/* Pages asked of other hosts (a CLI fetching each host's answer) cost this host's budget nothing.
 */
static void test_other_hosts_requests_not_charged(void **state)
{
	uint8_t req[WLBS_REMOTE_REQ_LEN], in[WLBS_REMOTE_RESP_MAX], nonce[16];
	struct wlbs_config c = cfg;
	int fd = client(), answers = 0;
	char err[256];

	(void)state;
	c.remote.rate_limit = 3;
	assert_int_equal(remote_configure(srv, &c, NULL, err, sizeof(err)), 0);
	for (int i = 0; i < 8; i++) {
		int n =
		    wrap(&key, WLBS_CMD_QUERY, (uint8_t)(c.priority + 1), wall_ms(), nonce, req);

		send(fd, req, (size_t)n, 0);
	}
	for (int i = 0; i < 3; i++) {
		int n = wrap(&key, WLBS_CMD_QUERY, 0, wall_ms(), nonce, req);

		send(fd, req, (size_t)n, 0);
	}
	while (serve_and_read(fd, in, sizeof(in)) > 0)
		answers++;
	assert_int_equal(answers, 3);
	assert_non_null(strstr(counters(), "other-host=8"));
	assert_non_null(strstr(counters(), "rate-limited=0 "));
	close(fd);
}

static void test_clock_skew_answered(void **state)
{
	uint8_t req[WLBS_REMOTE_REQ_LEN], in[WLBS_REMOTE_RESP_MAX], nonce[16];
	struct wlbs_ctl_response resp;
	int fd = client(), n;
	ssize_t got;

	(void)state;
	n = wrap(&key, WLBS_CMD_STOP, 0, wall_ms() - 120000, nonce, req);
	send(fd, req, (size_t)n, 0);
	got = serve_and_read(fd, in, sizeof(in));
	assert_true(got > 0);
	assert_int_equal(remote_unwrap_response(&key, in, (size_t)got, nonce, &resp, NULL), 0);
	assert_int_equal(resp.status, WLBS_BAD_PARAMS);
	assert_non_null(strstr(resp.text, "behind"));
	n = wrap(&key, WLBS_CMD_STOP, 0, wall_ms() + 120000, nonce, req);
	send(fd, req, (size_t)n, 0);
	got = serve_and_read(fd, in, sizeof(in));
	assert_int_equal(remote_unwrap_response(&key, in, (size_t)got, nonce, &resp, NULL), 0);
	assert_non_null(strstr(resp.text, "ahead"));
	assert_int_equal(calls, 0);
	assert_non_null(strstr(counters(), "stale=1 future=1"));
	close(fd);
}

static void test_disabled_and_bad_secret(void **state)
{
	uint8_t req[WLBS_REMOTE_REQ_LEN], in[WLBS_REMOTE_RESP_MAX], nonce[16];
	struct wlbs_config c = cfg;
	struct wlbs_cfg fp = {0};
	char err[256] = "";
	int fd, n;

	(void)state;
	/* Enabled: the fast path passes the port to every host. */
	assert_int_equal(remote_configure(srv, &cfg, &fp, err, sizeof(err)), 0);
	assert_int_equal(fp.ctl_port, port);
	assert_int_equal(fp.ctl_port_legacy, 0);
	/* A secret others can read: refused, and what ran keeps running. */
	chmod(secret_path, 0644);
	assert_int_equal(remote_configure(srv, &cfg, &fp, err, sizeof(err)), -EPERM);
	chmod(secret_path, 0600);
	assert_non_null(strstr(err, "accessible by others"));
	assert_null(strstr(err, "cluster secret"));
	assert_int_equal(fp.ctl_port, port);
	fd = client();
	n = wrap(&key, WLBS_CMD_QUERY, 0, wall_ms(), nonce, req);
	send(fd, req, (size_t)n, 0);
	assert_true(serve_and_read(fd, in, sizeof(in)) > 0);
	close(fd);

	/* Disabled: no socket, no port in the fast path. */
	c.remote.enabled = false;
	assert_int_equal(remote_configure(srv, &c, &fp, err, sizeof(err)), 0);
	assert_int_equal(fp.ctl_port, 0);
	assert_non_null(strstr(counters(), "disabled"));
	fd = client();
	n = wrap(&key, WLBS_CMD_QUERY, 0, wall_ms(), nonce, req);
	send(fd, req, (size_t)n, 0);
	assert_true(serve_and_read(fd, in, sizeof(in)) < 0);
	close(fd);

	/* Enabling with a missing secret file: stays off, display says why. */
	c.remote.enabled = true;
	strcpy(c.remote.secret_file, "/nonexistent/wlbs-secret");
	assert_int_equal(remote_configure(srv, &c, &fp, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(counters(), "disabled: cannot open secret file /nonexistent"));
	assert_int_equal(fp.ctl_port, 0);
	/* Convoy's 1717 too (if this machine has it free). */
	c = cfg;
	c.remote.convoy_port = true;
	if (remote_configure(srv, &c, &fp, err, sizeof(err)) == 0) {
		assert_int_equal(fp.ctl_port, port);
		assert_int_equal(fp.ctl_port_legacy, WLBS_CTL_UDP_PORT_LEGACY);
		assert_non_null(strstr(counters(), "and 1717"));
	}
	remote_close(srv);
	srv = NULL;
	assert_int_equal(fp.ctl_port, 0);
	assert_int_equal(fp.ctl_port_legacy, 0);
	assert_int_equal(remote_open(&srv, handle, NULL), 0);
}

/*
 * A remote reload is refused (WLBS_LOCAL_ONLY) with the host's real state and
 * changes nothing: the handler only answers a query, the port stays. A local
 * reload (remote_configure outside serving) moves it: the new port serves.
 */
static void test_remote_reload_refused_local_moves_port(void **state)
{
	uint8_t req[WLBS_REMOTE_REQ_LEN], in[WLBS_REMOTE_RESP_MAX], nonce[16];
	struct wlbs_ctl_response resp;
	struct wlbs_config c = cfg;
	struct sockaddr_in moved = dst;
	int fd = client(), fd2, n;
	char err[256];
	ssize_t got;

	(void)state;
	c.remote.port = (uint16_t)(port + 1);
	reload_to = &c; /* what a reload that reached the handler would apply */
	n = wrap(&key, WLBS_CMD_RELOAD, 0, wall_ms(), nonce, req);
	send(fd, req, (size_t)n, 0);
	got = serve_and_read(fd, in, sizeof(in));
	reload_to = NULL;
	assert_true(got > 0);
	assert_int_equal(remote_unwrap_response(&key, in, (size_t)got, nonce, &resp, NULL), 0);
	assert_int_equal(resp.status, WLBS_LOCAL_ONLY);
	assert_int_equal(resp.command, WLBS_CMD_RELOAD);
	assert_non_null(strstr(resp.text, "only on the host itself"));
	assert_int_equal(resp.members, 1ull << (SELF - 1)); /* the query's fields */
	assert_int_equal(calls, 1);
	/* Nothing moved: the old port answers. */
	n = wrap(&key, WLBS_CMD_QUERY, 0, wall_ms(), nonce, req);
	send(fd, req, (size_t)n, 0);
	got = serve_and_read(fd, in, sizeof(in));
	assert_int_equal(remote_unwrap_response(&key, in, (size_t)got, nonce, &resp, NULL), 0);
	assert_string_equal(resp.text, "handled query");

	/* The local reload moves it: the old port is closed, the new one answers. */
	assert_int_equal(remote_configure(srv, &c, NULL, err, sizeof(err)), 0);
	n = wrap(&key, WLBS_CMD_QUERY, 0, wall_ms(), nonce, req);
	send(fd, req, (size_t)n, 0);
	assert_true(serve_and_read(fd, in, sizeof(in)) < 0);
	moved.sin_port = htons(c.remote.port);
	fd2 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(fd2, (struct sockaddr *)&moved, sizeof(moved)), 0);
	n = wrap(&key, WLBS_CMD_QUERY, 0, wall_ms(), nonce, req);
	send(fd2, req, (size_t)n, 0);
	got = serve_and_read(fd2, in, sizeof(in));
	assert_int_equal(remote_unwrap_response(&key, in, (size_t)got, nonce, &resp, NULL), 0);
	assert_int_equal(calls, 3);
	close(fd);
	close(fd2);
}

/* ---- the CLI side ----------------------------------------------------------- */

struct pump {
	volatile int stop;
	struct remote_server *srv;
};

static void *pump_thread(void *arg)
{
	struct pump *p = arg;
	struct pollfd pfd = {.fd = remote_fd(p->srv), .events = POLLIN};

	while (!p->stop)
		if (poll(&pfd, 1, 10) > 0)
			remote_on_readable(p->srv);
	return NULL;
}

static void test_cli_exchange(void **state)
{
	struct wlbs_ctl_request req = {.id = 9, .command = WLBS_CMD_QUERY};
	struct cli_remote_result *res = calloc(1, sizeof(*res));
	struct pump p = {.srv = srv};
	struct timespec t0, t1;
	pthread_t t;
	long ms;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, pump_thread, &p), 0);
	/* Every host: done once the members in the answers have answered, plus a grace. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(cli_remote_exchange(&key, (struct sockaddr *)&dst, sizeof(dst), &req,
					     false, 0, 3000, res),
			 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_int_equal(res->n_answers, 1);
	assert_true(res->hosts[SELF].got && res->hosts[SELF].authenticated);
	assert_int_equal(res->hosts[SELF].resp.status, WLBS_CONVERGED);
	assert_int_equal(res->sends, 1);
	assert_true(ms >= CLI_REMOTE_GRACE_MS && ms < 1500);
	/* Host 3 does not exist: three tries, then the timeout. */
	req.host = 3;
	assert_int_equal(cli_remote_exchange(&key, (struct sockaddr *)&dst, sizeof(dst), &req, true,
					     3, 600, res),
			 0);
	assert_int_equal(res->n_answers, 0);
	assert_int_equal(res->sends, CLI_REMOTE_TRIES);
	/* Wrong password: the host says so, nothing ran. */
	req.host = 0;
	req.command = WLBS_CMD_STOP;
	calls = 0;
	assert_int_equal(cli_remote_exchange(&bad_key, (struct sockaddr *)&dst, sizeof(dst), &req,
					     true, 0, 1000, res),
			 0);
	assert_true(res->hosts[SELF].got && !res->hosts[SELF].authenticated);
	assert_int_equal(res->hosts[SELF].resp.status, WLBS_BAD_PASSW);
	assert_int_equal(calls, 0);
	p.stop = 1;
	pthread_join(t, NULL);
	free(res);
}

/* A fake host: answers each request with forgeries first, then one genuine answer. */
static void *forger_thread(void *arg)
{
	int fd = *(int *)arg;
	uint8_t in[512], out[WLBS_REMOTE_RESP_MAX], nonce[16], wrong[16];
	struct wlbs_ctl_request req = {.id = 77, .command = WLBS_CMD_QUERY};
	struct wlbs_ctl_response resp;
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int n;

	if (poll(&pfd, 1, 2000) <= 0 ||
	    recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&peer, &plen) < 32)
		return NULL;
	memcpy(nonce, in + 16, 16);
	memcpy(wrong, nonce, 16);
	wrong[0] ^= 1;
	ctl_response_init(&resp, &req);
	resp.host = 4;
	resp.status = WLBS_CONVERGED;
	/* 1: signed with a wrong key; 2: genuine key, other nonce; 3: unauthenticated "OK". */
	n = remote_wrap_response(&bad_key, 4, nonce, 0, &resp, out, sizeof(out));
	sendto(fd, out, (size_t)n, 0, (struct sockaddr *)&peer, plen);
	n = remote_wrap_response(&key, 4, wrong, 0, &resp, out, sizeof(out));
	sendto(fd, out, (size_t)n, 0, (struct sockaddr *)&peer, plen);
	resp.status = WLBS_BAD_PASSW;
	n = remote_wrap_response(NULL, 4, nonce, 0, &resp, out, sizeof(out));
	out[32 + 19] = 0xe8, out[32 + 18] = 0x03; /* status -> WLBS_OK */
	sendto(fd, out, (size_t)n, 0, (struct sockaddr *)&peer, plen);
	/* 4: a genuine answer for request id 77 but from "host 5" while host 4 is asked. */
	resp.status = WLBS_CONVERGED;
	resp.host = 5;
	n = remote_wrap_response(&key, 5, nonce, 0, &resp, out, sizeof(out));
	sendto(fd, out, (size_t)n, 0, (struct sockaddr *)&peer, plen);
	/* 5: genuine. */
	resp.host = 4;
	n = remote_wrap_response(&key, 4, nonce, 0, &resp, out, sizeof(out));
	sendto(fd, out, (size_t)n, 0, (struct sockaddr *)&peer, plen);
	return NULL;
}

static void test_cli_rejects_forged_answers(void **state)
{
	struct wlbs_ctl_request req = {.id = 77, .command = WLBS_CMD_QUERY, .host = 4};
	struct cli_remote_result *res = calloc(1, sizeof(*res));
	struct sockaddr_in fake = dst;
	socklen_t len = sizeof(fake);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	pthread_t t;

	(void)state;
	fake.sin_port = 0;
	assert_int_equal(bind(fd, (struct sockaddr *)&fake, sizeof(fake)), 0);
	getsockname(fd, (struct sockaddr *)&fake, &len);
	assert_int_equal(pthread_create(&t, NULL, forger_thread, &fd), 0);
	assert_int_equal(cli_remote_exchange(&key, (struct sockaddr *)&fake, sizeof(fake), &req,
					     true, 4, 1500, res),
			 0);
	pthread_join(t, NULL);
	assert_int_equal(res->n_answers, 1);
	assert_true(res->hosts[4].got && res->hosts[4].authenticated);
	assert_int_equal(res->hosts[4].resp.status, WLBS_CONVERGED);
	assert_false(res->hosts[5].got);
	assert_int_equal(res->dropped, 4);
	close(fd);
	free(res);
}

static void test_cli_split(void **state)
{
	char c[64], h[64];

	(void)state;
	assert_int_equal(cli_remote_split("10.0.0.1", c, sizeof(c), h, sizeof(h)), 0);
	assert_string_equal(c, "10.0.0.1");
	assert_string_equal(h, "");
	assert_int_equal(cli_remote_split("10.0.0.1:2", c, sizeof(c), h, sizeof(h)), 0);
	assert_string_equal(h, "2");
	assert_int_equal(cli_remote_split("cluster.example:web3", c, sizeof(c), h, sizeof(h)), 0);
	assert_string_equal(c, "cluster.example");
	assert_string_equal(h, "web3");
	assert_int_equal(cli_remote_split("[2001:db8::1]:10.0.0.7", c, sizeof(c), h, sizeof(h)), 0);
	assert_string_equal(c, "2001:db8::1");
	assert_string_equal(h, "10.0.0.7");
	assert_int_equal(cli_remote_split("2001:db8::1", c, sizeof(c), h, sizeof(h)), 0);
	assert_string_equal(c, "2001:db8::1");
	assert_string_equal(h, "");
	assert_int_equal(cli_remote_split("[2001:db8::1]", c, sizeof(c), h, sizeof(h)), 0);
	assert_int_equal(cli_remote_split("10.0.0.1:[2001:db8::7]", c, sizeof(c), h, sizeof(h)), 0);
	assert_string_equal(c, "10.0.0.1");
	assert_string_equal(h, "2001:db8::7");
	assert_int_equal(
	    cli_remote_split("[2001:db8::1]:[2001:db8::7]", c, sizeof(c), h, sizeof(h)), 0);
	assert_string_equal(h, "2001:db8::7");
	const char *bad[] = {"",     "[::1]x", ":2",	    "10.0.0.1:",  "[2001:db8::1",
			     "[]:2", "[::1]:", "1.2.3.4:[", "1.2.3.4:[]", "1.2.3.4:[::1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cli_remote_split(bad[i], c, sizeof(c), h, sizeof(h)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_query_answered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_password_answered_unauthenticated, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_replay_silent_retry_resent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_other_host_and_garbage_silent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counted_per_reason, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rate_limited, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_other_hosts_requests_not_charged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clock_skew_answered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_disabled_and_bad_secret, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remote_reload_refused_local_moves_port, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_cli_exchange, setup, teardown),
	    cmocka_unit_test(test_cli_rejects_forged_answers),
	    cmocka_unit_test(test_cli_split),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
