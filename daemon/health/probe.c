// SPDX-License-Identifier: GPL-2.0
/* What every probe type shares: idle, busy, and the end at a deadline or a stop. */
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

#include "health/probe.h"

void probe_init(struct probe *pr)
{
	pr->fd = -1;
	pr->out = -1;
	pr->pid = 0;
	pr->killed = false;
	pr->events = 0;
	pr->len = pr->sent = 0;
	pr->err[0] = '\0';
}

bool probe_busy(const struct probe *pr)
{
	return pr->fd >= 0 || pr->out >= 0 || pr->pid > 0;
}

/*
 * A child is killed with its whole process group, then reaped if it is gone
 * already; if not (SIGKILL takes a moment, longer in uninterruptible sleep)
 * its pidfd stays watched and probe_exec_step() reaps it later: the loop
 * never waits for a child.
 */
void probe_abort(struct probe *pr)
{
	if (pr->pid > 0) {
		/* The child itself too: just forked, it may not lead its group yet. */
		kill(pr->pid, SIGKILL);
		kill(-pr->pid, SIGKILL);
		pr->killed = true;
		if (pr->out >= 0)
			close(pr->out);
		pr->out = -1;
		if (waitpid(pr->pid, NULL, WNOHANG) == pr->pid) {
			pr->pid = 0;
			if (pr->fd >= 0)
				close(pr->fd);
			pr->fd = -1;
		}
		return;
	}
	probe_sock_close(pr);
}
