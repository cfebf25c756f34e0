// SPDX-License-Identifier: GPL-2.0
/* NLB's persisted states: a stop or suspend survives a daemon restart or reboot. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "wlbsd.h"
#include "persist.h"

static void state_path(const struct wlbsd *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/state-%s", d->paths.state_dir, d->cfg.ifname);
}

enum hs_persist wlbsd_persist_load(const struct wlbsd *d)
{
	char path[300], word[32] = "";
	FILE *f;
	int p;

	if (!d->cfg.persist_state)
		return HS_PERSIST_NONE;
	state_path(d, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return HS_PERSIST_NONE;
	if (!fgets(word, sizeof(word), f))
		word[0] = 0;
	fclose(f);
	word[strcspn(word, "\n")] = 0;
	p = hs_persist_parse(word);
	if (p < 0) {
		log_warn("%s: unknown persisted state '%s', ignored", path, word);
		return HS_PERSIST_NONE;
	}
	return p;
}

/* Written to a temporary file and renamed, so a crash never leaves half a state. */
int wlbsd_persist_save(const struct wlbsd *d)
{
	char path[300], tmp[310];
	FILE *f;

	if (!d->cfg.persist_state)
		return 0;
	state_path(d, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		log_err("cannot write %s: %s", tmp, strerror(errno));
		return -errno;
	}
	fprintf(f, "%s\n", hs_persist_name(hs_persist(&d->hs)));
	if (fflush(f) || fsync(fileno(f))) {
		fclose(f);
		unlink(tmp);
		return -EIO;
	}
	fclose(f);
	if (rename(tmp, path)) {
		log_err("cannot replace %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}
