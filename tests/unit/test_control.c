// SPDX-License-Identifier: GPL-2.0
/*
 * Local control transport: the server (daemon/ctl/control.c) and the client
 * (lib/ctl_local.c) over a real Unix socket in a temporary directory.
 * Checks the socket's mode, peer-credential refusal, bad and oversized
 * messages, idle clients, stale and live sockets, and timeouts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/wait.h>

#include "ctl/control.c"
#include "ctl_local.h"

static char dir[64];
static char sock[128];

/* Test handler: answers WLBS_OK naming the command; "reload" fails internally. */
static int handle(void *ctx, const struct wlbs_ctl_request *req, struct wlbs_ctl_response *resp)
{
	int *calls = ctx;

	(*calls)++;
	if (req->command == WLBS_CMD_RELOAD)
		return -EIO;
	resp->status = WLBS_OK;
	resp->host = 4;
	resp->members = 0x9;
	ctl_resp_text(resp, "handled %s", ctl_cmd_name(req->command));
	return 0;
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/wlbs-ctl-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/run/wlbsd.sock", dir); /* run/ does not exist yet */
	return 0;
}

static int teardown(void **state)
{
	char p[160];

	(void)state;
	unlink(sock);
	snprintf(p, sizeof(p), "%s/run", dir);
	rmdir(p);
	rmdir(dir);
	return 0;
}

/* Serve until @done is set or ~3 s pass. */
static void pump(struct ctl_server *srv, volatile int *done)
{
	struct pollfd pfd = {.fd = ctl_server_fd(srv), .events = POLLIN};

	for (int i = 0; i < 300 && !*done; i++)
		if (poll(&pfd, 1, 10) > 0)
			assert_int_equal(ctl_server_on_readable(srv), 0);
}

struct call {
	struct wlbs_ctl_request req;
	struct wlbs_ctl_response resp;
	int timeout_ms;
	int err;
	volatile int done;
};

static void *call_thread(void *arg)
{
	struct call *c = arg;

	c->err = ctl_local_call(sock, &c->req, &c->resp, c->timeout_ms);
	c->done = 1;
	return NULL;
}

static void call(struct ctl_server *srv, struct call *c)
{
	pthread_t t;

	c->done = 0;
	if (!c->timeout_ms)
		c->timeout_ms = 2000;
	assert_int_equal(pthread_create(&t, NULL, call_thread, c), 0);
	if (srv)
		pump(srv, &c->done);
	pthread_join(t, NULL);
}

/* A raw client: connects and sends @len bytes, without reading. */
static int raw_send(const void *buf, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (len)
		assert_int_equal(send(fd, buf, len, 0), (ssize_t)len);
	return fd;
}

/* Serve, then read what the server answered on @fd: bytes, 0 for closed, -1 for nothing. */
static ssize_t raw_answer(struct ctl_server *srv, int fd, void *buf, size_t size)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	for (int i = 0; i < 100; i++) {
		ctl_server_on_readable(srv);
		if (poll(&pfd, 1, 10) > 0)
			return recv(fd, buf, size, 0);
	}
	return -1;
}

static void test_request_reaches_handler_and_answer_returns(void **state)
{
	struct ctl_server *srv;
	struct call c = {.req = {.id = 99, .command = WLBS_CMD_DRAINSTOP}};
	struct stat st;
	int calls = 0;

	(void)state;
	assert_int_equal(ctl_server_open(&srv, sock, handle, &calls), 0);
	assert_int_equal(stat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);

	call(srv, &c);
	assert_int_equal(c.err, 0);
	assert_int_equal(calls, 1);
	assert_int_equal(c.resp.id, 99);
	assert_int_equal(c.resp.command, WLBS_CMD_DRAINSTOP);
	assert_int_equal(c.resp.status, WLBS_OK);
	assert_int_equal(c.resp.host, 4);
	assert_int_equal(c.resp.members, 0x9);
	assert_string_equal(c.resp.text, "handled drainstop");

	/* A handler error becomes an honest internal error, not a success. */
	c.req.command = WLBS_CMD_RELOAD;
	call(srv, &c);
	assert_int_equal(c.err, 0);
	assert_int_equal(c.resp.status, WLBS_IO_ERROR);
	assert_string_equal(c.resp.text, "Internal error: Input/output error.");

	ctl_server_close(srv);
	assert_int_equal(access(sock, F_OK), -1);
}

/* Peer credentials: a user that is not root nor in group wlbs is refused. */
static void test_unprivileged_peer_refused(void **state)
{
	struct ctl_server *srv;
	int calls = 0, status, fds[2];
	pid_t pid;

	(void)state;
	assert_int_equal(ctl_server_open(&srv, sock, handle, &calls), 0);
	for (int mode = 0; mode < 2; mode++) {
		struct wlbs_ctl_request req = {.id = 5, .command = WLBS_CMD_STOP};
		struct wlbs_ctl_response resp;
		int err = 0;

		/* 0660: the file mode stops it; 0666: SO_PEERCRED stops it. */
		chmod(sock, mode ? 0666 : 0660);
		chmod(dir, 0755);
		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
				_exit(100);
			err = ctl_local_call(sock, &req, &resp, 2000);
			if (write(fds[1], &err, sizeof(err)) != sizeof(err) ||
			    (!err && write(fds[1], &resp, sizeof(resp)) != sizeof(resp)))
				_exit(101);
			_exit(0);
		}
		close(fds[1]);
		for (int i = 0; i < 300; i++) {
			struct pollfd p = {.fd = fds[0], .events = POLLIN};

			ctl_server_on_readable(srv);
			if (poll(&p, 1, 10) > 0)
				break;
		}
		assert_int_equal(read(fds[0], &err, sizeof(err)), sizeof(err));
		if (mode == 0) {
			assert_int_equal(err, -EACCES);
		} else {
			assert_int_equal(err, 0);
			assert_int_equal(read(fds[0], &resp, sizeof(resp)), sizeof(resp));
			assert_int_equal(resp.status, WLBS_BAD_PASSW);
			assert_int_equal(resp.id, 5);
			assert_string_equal(
			    resp.text,
			    "Permission denied: uid 65534 is neither root nor in group wlbs.");
		}
		close(fds[0]);
		waitpid(pid, &status, 0);
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(calls, 0); /* the handler never ran */
	ctl_server_close(srv);
}

static void test_bad_messages_answered_or_dropped(void **state)
{
	struct ctl_server *srv;
	struct wlbs_ctl_request req = {.id = 77, .command = WLBS_CMD_QUERY};
	struct wlbs_ctl_response resp;
	uint8_t buf[WLBS_CTL_MSG_MAX + 100];
	int calls = 0, fd;
	ssize_t n;

	(void)state;
	assert_int_equal(ctl_server_open(&srv, sock, handle, &calls), 0);

	/* Not our protocol: closed without an answer. */
	fd = raw_send("GET / HTTP/1.0\r\n\r\n", 18);
	assert_int_equal(raw_answer(srv, fd, buf, sizeof(buf)), 0);
	close(fd);

	/* Another protocol version: a readable refusal. */
	ctl_encode_request(&req, buf, sizeof(buf));
	buf[4] = 9;
	fd = raw_send(buf, 40);
	n = raw_answer(srv, fd, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(ctl_decode_response(buf, (size_t)n, &resp), 0);
	assert_int_equal(resp.status, WLBS_BAD_PARAMS);
	assert_int_equal(resp.id, 77);
	assert_int_equal(resp.command, 0);
	assert_string_equal(resp.text, "Bad request: protocol version 9 is not supported (wlbsd "
				       "speaks version 2).");

	/* Oversized: refused, and the same connection still works afterwards. */
	ctl_encode_request(&req, buf, sizeof(buf));
	memset(buf + 40, 0, sizeof(buf) - 40);
	assert_int_equal(send(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	n = raw_answer(srv, fd, buf, sizeof(buf));
	assert_int_equal(ctl_decode_response(buf, (size_t)n, &resp), 0);
	assert_int_equal(resp.status, WLBS_BAD_PARAMS);
	ctl_encode_request(&req, buf, sizeof(buf));
	assert_int_equal(send(fd, buf, 40, 0), 40);
	n = raw_answer(srv, fd, buf, sizeof(buf));
	assert_int_equal(ctl_decode_response(buf, (size_t)n, &resp), 0);
	assert_int_equal(resp.status, WLBS_OK);
	close(fd);

	assert_int_equal(calls, 1);
	ctl_server_close(srv);
}

/* Clients that connect and never send cannot lock others out. */
static void test_idle_clients_do_not_block_others(void **state)
{
	struct ctl_server *srv;
	struct call c = {.req = {.id = 1, .command = WLBS_CMD_QUERY}};
	int idle[CTL_MAX_CLIENTS + 4], calls = 0;

	(void)state;
	assert_int_equal(ctl_server_open(&srv, sock, handle, &calls), 0);
	for (size_t i = 0; i < sizeof(idle) / sizeof(idle[0]); i++) {
		idle[i] = raw_send(NULL, 0);
		ctl_server_on_readable(srv);
	}
	call(srv, &c);
	assert_int_equal(c.err, 0);
	assert_int_equal(c.resp.status, WLBS_OK);
	for (size_t i = 0; i < sizeof(idle) / sizeof(idle[0]); i++)
		close(idle[i]);
	ctl_server_close(srv);
}

static void test_socket_path_cases(void **state)
{
	struct ctl_server *a, *b;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct call c = {.req = {.id = 1, .command = WLBS_CMD_QUERY}};
	int calls = 0, fd;

	(void)state;
	/* No daemon: the client says so. */
	call(NULL, &c);
	assert_int_equal(c.err, -ENOENT);

	/* A second daemon on a live socket is refused, the first keeps it. */
	assert_int_equal(ctl_server_open(&a, sock, handle, &calls), 0);
	assert_int_equal(ctl_server_open(&b, sock, handle, &calls), -EADDRINUSE);
	call(a, &c);
	assert_int_equal(c.err, 0);
	ctl_server_close(a);

	/* A stale socket (nobody listening): the client gets ECONNREFUSED, a server replaces it. */
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	call(NULL, &c);
	assert_int_equal(c.err, -ECONNREFUSED);
	assert_int_equal(ctl_server_open(&a, sock, handle, &calls), 0);
	ctl_server_close(a);

	/* Not a socket: left alone. */
	fd = open(sock, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(ctl_server_open(&a, sock, handle, &calls), -EEXIST);
	unlink(sock);
}

/* A daemon that accepts but never answers: the client gives up on time. */
static void test_client_times_out(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct call c = {.req = {.id = 1, .command = WLBS_CMD_QUERY}, .timeout_ms = 200};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	struct timespec t0, t1;

	(void)state;
	mkdir(dirname(strcpy((char[128]){0}, sock)), 0755);
	strcpy(sa.sun_path, sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	call(NULL, &c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(c.err, -ETIMEDOUT);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	close(fd);
	unlink(sock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_request_reaches_handler_and_answer_returns, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_unprivileged_peer_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_messages_answered_or_dropped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_idle_clients_do_not_block_others, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_socket_path_cases, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_client_times_out, setup, teardown),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_control: needs root (changes uid in a child); skipped\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
