/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The [check NAME] sections of wlbs.conf (config_check.c), for config.c's
 * parser only: it reads the lines and sections, this file the keys of a
 * check and what the whole file must say about them (rules by name, the
 * default address and port).
 */
#ifndef WLBS_CONFIG_CHECK_H
#include <stdio.h>

#define WLBS_CONFIG_CHECK_H

#include "config/config.h"

/* Keys of a [check] (enum ck_key); bits of cfg_check_meta.keys. */
#define CK_KEYS 15

/* Reports one error: "[check NAME] key: msg ('value')" at @line (config.c's fail_at). */
typedef void (*cfg_check_fail_fn)(void *ctx, unsigned int line, const char *value, const char *msg);

/* Where a check's parts came from. */
struct cfg_check_meta {
	unsigned int line;		/* [check NAME] header */
	unsigned int key_line[CK_KEYS]; /* line of each key, 0 = not set */
	bool bad;			/* a key was refused: no whole-file check */
	uint32_t bad_keys;		/* the refused ones (bit per key) */
	bool rules_all;			/* rules = all (or not given) */
	char rules[CFG_CHECK_CMD_MAX];	/* rules = as written, resolved at the end */
};

struct cfg_check_parser {
	struct wlbs_config *c;
	cfg_check_fail_fn report; /* config.c's error reporter */
	void *ctx;
	int cur; /* the check being read */
	struct cfg_check_meta meta[CFG_MAX_CHECKS];
};

/* A [check NAME] header at @line: 0, or -EINVAL (reported) and its keys are to be skipped. */
int cfg_check_open(struct cfg_check_parser *cp, const char *name, unsigned int line);

/* `name = v` (trimmed, not empty) in the current check: 0, -EINVAL (reported), -ENOENT unknown. */
int cfg_check_key(struct cfg_check_parser *cp, const char *name, const char *v, unsigned int line);
/* "check KEY" per line: every key a [check NAME] accepts (wlbsd --list-keys). */
void cfg_check_list_keys(FILE *f);

/* The whole-file checks of every check; each error reported. */
void cfg_check_finish(struct cfg_check_parser *cp);

#endif /* WLBS_CONFIG_CHECK_H */
