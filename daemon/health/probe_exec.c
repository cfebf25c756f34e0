// SPDX-License-Identifier: GPL-2.0
/*
 * exec checks: the command in a child of its own process group, as `user`,
 * stdin /dev/null, stdout and stderr into one pipe whose first line becomes
 * the error text. Exit 0 is healthy. The child's end is seen on its pidfd
 * (or, without pidfd_open, by the runner's polling); then the rest of its
 * process group is killed, so a check leaves no process behind, and the
 * child reaped. Everything that can fail or allocate happens before the
 * clone: wlbsd has threads, and the child may only make system calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/wait.h>

#include "health/probe.h"

/* The checks' nice value: they yield to wlbsd and its heartbeat thread. */
#define CHILD_NICE 10
/* Where a command without '/' is looked for (the child gets this PATH too). */
static const char search_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

int probe_split_argv(const char *line, char *buf, size_t size, char **argv, int max)
{
	size_t o = 0;
	int n = 0;
	char q;

	for (const char *s = line;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (n >= max - 1)
			return -1;
		argv[n++] = buf + o;
		for (q = 0; *s && (q || (*s != ' ' && *s != '\t')); s++) {
			if (o + 1 >= size)
				return -1;
			if (!q && (*s == '\'' || *s == '"')) {
				q = *s;
			} else if (q && *s == q) {
				q = 0;
			} else if (*s == '\\' && q != '\'' && s[1]) {
				buf[o++] = *++s;
			} else {
				buf[o++] = *s;
			}
		}
		if (q)
			return -1;
		buf[o++] = '\0';
	}
	argv[n] = NULL;
	return n ? n : -1;
}

/* argv[0] as a path: as written when it has a '/', else the first in search_path. */
static bool find_program(const char *name, char *out, size_t len)
{
	const char *dir = search_path, *end;

	if (strchr(name, '/'))
		return snprintf(out, len, "%s", name) < (int)len && !access(out, X_OK);
	for (; *dir; dir = *end ? end + 1 : end) {
		end = strchrnul(dir, ':');
		if (snprintf(out, len, "%.*s/%s", (int)(end - dir), dir, name) < (int)len &&
		    !access(out, X_OK))
			return true;
	}
	return false;
}

void probe_cmd_prepare(struct probe_cmd *cmd, const struct cfg_check *def)
{
	struct passwd pw, *res = NULL;
	char pwbuf[4096];
	int n, err;

	memset(cmd, 0, sizeof(*cmd));
	if (def->shell) {
		/* /bin/sh -c COMMAND: the three words point into buf. */
		snprintf(cmd->buf, sizeof(cmd->buf), "%s", def->command);
		cmd->argv[0] = "/bin/sh";
		cmd->argv[1] = "-c";
		cmd->argv[2] = cmd->buf;
		n = 3;
	} else {
		n = probe_split_argv(def->command, cmd->buf, sizeof(cmd->buf), cmd->argv, 33);
	}
	if (n < 0) {
		snprintf(cmd->err, sizeof(cmd->err),
			 "command: an unclosed quote, no word or more than 32 words");
		return;
	}
	err = getpwnam_r(def->user, &pw, pwbuf, sizeof(pwbuf), &res);
	if (!res) {
		snprintf(cmd->err, sizeof(cmd->err), "user %s: %s", def->user,
			 err ? strerror(err) : "no such user");
		return;
	}
	if (!pw.pw_uid) {
		snprintf(cmd->err, sizeof(cmd->err), "user %s: checks never run as root",
			 def->user);
		return;
	}
	cmd->uid = pw.pw_uid;
	cmd->gid = pw.pw_gid;
	cmd->ready = true;
}

/* What the child needs, prepared by the parent. */
struct spawn {
	int out;
	const struct probe_cmd *cmd;
	const char *path;
	char *const *envp;
};

/*
 * The child of a fork of threaded wlbsd: system calls only (no lock another
 * thread may have held at the fork). The ids change through syscall(): it
 * is what they are, without glibc's machinery for the threads of a process.
 * Not vfork or CLONE_VM, which are cheaper for the loop when the machine is
 * idle: the parent would wait for the child to reach exec, and on a busy
 * machine that wait is what the loop would pay (measured: 4x worse).
 */
static __attribute__((noreturn)) void child(const struct spawn *sp)
{
	static const char fail_ids[] = "cannot switch to the check's user\n";
	static const char fail_exec[] = "cannot execute the command\n";
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;
	int nul;

	setsid(); /* its own process group (and session): killed as one */
	/* Below wlbsd: a storm of checks must not take the loop's CPU. */
	syscall(SYS_setpriority, PRIO_PROCESS, 0, CHILD_NICE);
	sigaction(SIGPIPE, &dfl, NULL); /* wlbsd ignores PIPE (not shared: no CLONE_SIGHAND) */
	sigemptyset(&none);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, _NSIG / 8); /* and blocks TERM... */
	nul = open("/dev/null", O_RDONLY);
	if (nul >= 0 && nul != 0) {
		dup2(nul, 0);
		close(nul);
	}
	dup2(sp->out, 1);
	dup2(sp->out, 2);
	syscall(SYS_close_range, 3, ~0U, 0);
	if (chdir("/") < 0) {
		/* the root directory is always there; nothing to say if not */
	}
	if (getuid() != sp->cmd->uid &&
	    (syscall(SYS_setgroups, 1, &sp->cmd->gid) ||
	     syscall(SYS_setresgid, sp->cmd->gid, sp->cmd->gid, sp->cmd->gid) ||
	     syscall(SYS_setresuid, sp->cmd->uid, sp->cmd->uid, sp->cmd->uid))) {
		if (write(2, fail_ids, sizeof(fail_ids) - 1) < 0) {
			/* nobody to tell */
		}
		syscall(SYS_exit, 126);
	}
	execve(sp->path, sp->cmd->argv, sp->envp);
	if (write(2, fail_exec, sizeof(fail_exec) - 1) < 0) {
		/* nobody to tell */
	}
	syscall(SYS_exit, 127);
	__builtin_unreachable();
}

int probe_exec_start(struct probe *pr, const struct probe_cmd *cmd, const char *name)
{
	static char env_path[] =
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char path[512], env_check[64];
	char *envp[] = {env_path, env_check, "LC_ALL=C", NULL};
	struct spawn sp = {.cmd = cmd, .path = path, .envp = envp};
	int pipefd[2];

	if (!cmd->ready) {
		snprintf(pr->err, sizeof(pr->err), "%s", cmd->err);
		return PROBE_FAILED;
	}
	if (!find_program(cmd->argv[0], path, sizeof(path))) {
		snprintf(pr->err, sizeof(pr->err), "%s: not found or not executable", cmd->argv[0]);
		return PROBE_FAILED;
	}
	snprintf(env_check, sizeof(env_check), "WLBS_CHECK=%s", name);
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK)) {
		snprintf(pr->err, sizeof(pr->err), "pipe: %s", strerror(errno));
		return PROBE_FAILED;
	}
	sp.out = pipefd[1];
	pr->pid = fork();
	if (pr->pid == 0)
		child(&sp);
	close(pipefd[1]);
	if (pr->pid < 0) {
		snprintf(pr->err, sizeof(pr->err), "fork: %s", strerror(errno));
		pr->pid = 0;
		close(pipefd[0]);
		return PROBE_FAILED;
	}
	pr->out = pipefd[0];
	pr->fd = pidfd_open(pr->pid, 0); /* -1 (old kernel): the runner polls */
	pr->events = EPOLLIN;
	pr->len = 0;
	pr->killed = false;
	return PROBE_PENDING;
}

/* Keeps the first line of the output; the rest is read and dropped, so the child never blocks. */
static void drain(struct probe *pr)
{
	char junk[512];
	ssize_t n;

	while (pr->out >= 0) {
		bool keep = pr->len < sizeof(pr->buf) - 1 && !memchr(pr->buf, '\n', pr->len);
		char *to = keep ? pr->buf + pr->len : junk;
		size_t room = keep ? sizeof(pr->buf) - 1 - pr->len : sizeof(junk);

		n = read(pr->out, to, room);
		if (n > 0 && keep)
			pr->len += n;
		if (n > 0)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(pr->out); /* EOF: the whole group closed its ends */
			pr->out = -1;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	pr->buf[pr->len] = '\0';
}

int probe_exec_step(struct probe *pr)
{
	siginfo_t si = {0};
	int status;

	drain(pr);
	/* Gone, but not reaped: its pid still names the group, so the kill hits only it. */
	if (waitid(P_PID, pr->pid, &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid != pr->pid)
		return PROBE_PENDING;
	kill(-pr->pid, SIGKILL);
	waitpid(pr->pid, &status, 0); /* it has exited: this does not wait */
	pr->pid = 0;
	if (pr->fd >= 0)
		close(pr->fd);
	pr->fd = -1;
	drain(pr);
	if (pr->out >= 0)
		close(pr->out);
	pr->out = -1;
	if (pr->killed)
		return PROBE_FAILED; /* the deadline said why already */
	pr->buf[strcspn(pr->buf, "\r\n")] = '\0';
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return PROBE_OK;
	if (WIFEXITED(status))
		snprintf(pr->err, sizeof(pr->err), "exit status %d%s%.200s", WEXITSTATUS(status),
			 pr->buf[0] ? ": " : "", pr->buf);
	else
		snprintf(pr->err, sizeof(pr->err), "killed by signal %d (%s)%s%.180s",
			 WTERMSIG(status), sigabbrev_np(WTERMSIG(status)), pr->buf[0] ? ": " : "",
			 pr->buf);
	return PROBE_FAILED;
}
