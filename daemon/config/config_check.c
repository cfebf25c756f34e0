// SPDX-License-Identifier: GPL-2.0
/*
 * [check NAME]: the health checks of this host. Keys are checked as they
 * come; what depends on the rest of the file (the guarded rules, which may
 * follow; the default address and port; keys that do not fit the type) is
 * checked once the file is read. Every error names its line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "config/config_check.h"

enum ck_key {
	CK_TYPE,
	CK_ADDRESS,
	CK_PORT,
	CK_PATH,
	CK_STATUS,
	CK_HOST_HEADER,
	CK_COMMAND,
	CK_SHELL,
	CK_USER,
	CK_INTERVAL,
	CK_TIMEOUT,
	CK_FALL,
	CK_RISE,
	CK_RULES,
	CK_ACTION,
};

static const char *const ck_names[CK_KEYS] = {
    "type", "address",	   "port",	 "path", "status", "host_header", "command", "shell",
    "user", "interval_ms", "timeout_ms", "fall", "rise",   "rules",	  "action",
};
static const char *const types[] = {"tcp", "http", "exec", NULL};
static const char *const actions[] = {"drain", "disable", "stop", NULL};

/* Which types each key belongs to (bit per enum cfg_check_type); the rest fit any. */
#define T_NET  ((1u << CFG_CHECK_TCP) | (1u << CFG_CHECK_HTTP))
#define T_HTTP (1u << CFG_CHECK_HTTP)
#define T_EXEC (1u << CFG_CHECK_EXEC)
static const unsigned int key_types[CK_KEYS] = {
    [CK_ADDRESS] = T_NET,      [CK_PORT] = T_NET,     [CK_PATH] = T_HTTP,  [CK_STATUS] = T_HTTP,
    [CK_HOST_HEADER] = T_HTTP, [CK_COMMAND] = T_EXEC, [CK_SHELL] = T_EXEC, [CK_USER] = T_EXEC,
};

__attribute__((format(printf, 5, 6))) static int ck_fail(struct cfg_check_parser *cp, int i,
							 unsigned int line, const char *value,
							 const char *fmt, ...)
{
	char msg[400];
	size_t n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "[check %s] ", cp->c->checks[i].name);
	va_start(ap, fmt);
	if (n < sizeof(msg))
		vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	cp->report(cp->ctx, line, value, msg);
	cp->meta[i].bad = true;
	return -EINVAL;
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) >= CFG_CHECK_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

void cfg_check_list_keys(FILE *f)
{
	for (int i = 0; i < CK_KEYS; i++)
		fprintf(f, "check %s\n", ck_names[i]);
}

int cfg_check_open(struct cfg_check_parser *cp, const char *name, unsigned int line)
{
	struct wlbs_config *c = cp->c;
	struct cfg_check *k;
	char msg[200];
	int i;

	if (!valid_name(name)) {
		snprintf(msg, sizeof(msg), "check names are 1..%d letters, digits, '_', '.' or '-'",
			 CFG_CHECK_NAME_MAX - 1);
		cp->report(cp->ctx, line, name, msg);
		return -EINVAL;
	}
	for (i = 0; i < c->n_checks; i++)
		if (!strcasecmp(c->checks[i].name, name)) {
			snprintf(msg, sizeof(msg), "check defined twice (first on line %u)",
				 cp->meta[i].line);
			cp->report(cp->ctx, line, name, msg);
			return -EINVAL;
		}
	if (c->n_checks >= CFG_MAX_CHECKS) {
		snprintf(msg, sizeof(msg), "more than %d checks", CFG_MAX_CHECKS);
		cp->report(cp->ctx, line, name, msg);
		return -EINVAL;
	}
	cp->cur = c->n_checks++;
	k = &c->checks[cp->cur];
	memset(k, 0, sizeof(*k));
	memset(&cp->meta[cp->cur], 0, sizeof(cp->meta[cp->cur]));
	snprintf(k->name, sizeof(k->name), "%s", name);
	/* The defaults, as wlbs.conf.example documents them. */
	k->type = CFG_CHECK_TCP;
	k->action = CFG_ACT_DRAIN;
	k->interval_ms = 500;
	k->timeout_ms = 400;
	k->fall = 3;
	k->rise = 2;
	k->status_lo = 200;
	k->status_hi = 399;
	strcpy(k->path, "/");
	strcpy(k->user, "nobody");
	cp->meta[cp->cur].line = line;
	cp->meta[cp->cur].rules_all = true;
	return 0;
}

/* Any unicast address, loopback included (a check may well probe 127.0.0.1). */
static bool parse_target(const char *s, struct cfg_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->addr.s6_addr[12]) == 1) {
		a->addr.s6_addr[10] = a->addr.s6_addr[11] = 0xff;
		a->v4 = true;
		a->prefix = 32;
		return a->addr.s6_addr[12] && a->addr.s6_addr[12] < 224;
	}
	if (inet_pton(AF_INET6, s, &a->addr) != 1 || IN6_IS_ADDR_V4MAPPED(&a->addr))
		return false;
	a->prefix = 128;
	return !IN6_IS_ADDR_UNSPECIFIED(&a->addr) && !IN6_IS_ADDR_MULTICAST(&a->addr);
}

static int word(const char *v, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (!strcasecmp(v, names[i]))
			return i;
	return -1;
}

/* A number @lo..@hi into @out, or a reported error. */
static int number(struct cfg_check_parser *cp, int key, unsigned int line, const char *v,
		  unsigned long lo, unsigned long hi, uint32_t *out)
{
	unsigned long x;

	if (!cfg_parse_ulong(v, false, hi, &x) || x < lo)
		return ck_fail(cp, cp->cur, line, v, "%s: must be a whole number %lu..%lu",
			       ck_names[key], lo, hi);
	*out = x;
	return 0;
}

/* A string key into @dst (@size with its NUL). */
static int text(struct cfg_check_parser *cp, int key, unsigned int line, const char *v, char *dst,
		size_t size)
{
	if (strlen(v) >= size)
		return ck_fail(cp, cp->cur, line, v, "%s: longer than %zu characters",
			       ck_names[key], size - 1);
	strcpy(dst, v);
	return 0;
}

static int set_status(struct cfg_check_parser *cp, unsigned int line, const char *v)
{
	struct cfg_check *k = &cp->c->checks[cp->cur];
	unsigned int lo, hi;
	char end;
	int n = sscanf(v, "%3u-%3u%c", &lo, &hi, &end);

	if (n == 1 && strspn(v, "0123456789") == strlen(v))
		hi = lo;
	else if (n != 2 || strspn(v, "0123456789- ") != strlen(v))
		lo = 0;
	if (lo < 100 || hi > 599 || lo > hi)
		return ck_fail(cp, cp->cur, line, v,
			       "status: must be a status or a range lo-hi within 100..599");
	k->status_lo = lo;
	k->status_hi = hi;
	return 0;
}

static int set_key(struct cfg_check_parser *cp, int key, const char *v, unsigned int line);

int cfg_check_key(struct cfg_check_parser *cp, const char *name, const char *v, unsigned int line)
{
	struct cfg_check_meta *m = &cp->meta[cp->cur];
	int key, ret;

	for (key = 0; key < CK_KEYS && strcasecmp(name, ck_names[key]); key++)
		;
	if (key == CK_KEYS)
		return -ENOENT;
	if (m->key_line[key])
		return ck_fail(cp, cp->cur, line, v, "%s: set twice in this section (line %u)",
			       ck_names[key], m->key_line[key]);
	m->key_line[key] = line;
	ret = set_key(cp, key, v, line);
	if (ret)
		m->bad_keys |= 1u << key; /* its error said it: no more about it at the end */
	return ret;
}

/* One key's value into the current check. */
static int set_key(struct cfg_check_parser *cp, int key, const char *v, unsigned int line)
{
	struct cfg_check_meta *m = &cp->meta[cp->cur];
	struct cfg_check *k = &cp->c->checks[cp->cur];
	uint32_t x = 0;
	int w;

	switch (key) {
	case CK_TYPE:
	case CK_ACTION:
		w = word(v, key == CK_TYPE ? types : actions);
		if (w < 0)
			return ck_fail(cp, cp->cur, line, v, "%s: must be %s", ck_names[key],
				       key == CK_TYPE ? "tcp, http or exec"
						      : "drain, disable or stop");
		*(key == CK_TYPE ? &k->type : &k->action) = w;
		return 0;
	case CK_ADDRESS:
		if (!parse_target(v, &k->addr))
			return ck_fail(cp, cp->cur, line, v,
				       "address: must be a unicast IPv4 or IPv6 address");
		return 0;
	case CK_PORT:
		if (number(cp, key, line, v, 1, 65535, &x))
			return -EINVAL;
		k->port = x;
		return 0;
	case CK_PATH:
		if (v[0] != '/' || strpbrk(v, " \t\r\n"))
			return ck_fail(cp, cp->cur, line, v,
				       "path: must start with '/' and have no blanks");
		return text(cp, key, line, v, k->path, sizeof(k->path));
	case CK_STATUS:
		return set_status(cp, line, v);
	case CK_HOST_HEADER:
		if (strpbrk(v, " \t\r\n"))
			return ck_fail(cp, cp->cur, line, v, "host_header: no blanks allowed");
		return text(cp, key, line, v, k->host_header, sizeof(k->host_header));
	case CK_COMMAND:
		return text(cp, key, line, v, k->command, sizeof(k->command));
	case CK_SHELL:
		w = cfg_parse_bool(v);
		if (w < 0)
			return ck_fail(cp, cp->cur, line, v, "shell: must be yes or no");
		k->shell = w;
		return 0;
	case CK_USER:
		if (strpbrk(v, " \t:/"))
			return ck_fail(cp, cp->cur, line, v, "user: not a user name");
		return text(cp, key, line, v, k->user, sizeof(k->user));
	case CK_INTERVAL:
		return number(cp, key, line, v, 50, 3600000, &k->interval_ms);
	case CK_TIMEOUT:
		return number(cp, key, line, v, 10, 3600000, &k->timeout_ms);
	case CK_FALL:
		return number(cp, key, line, v, 1, 100, &k->fall);
	case CK_RISE:
		return number(cp, key, line, v, 1, 100, &k->rise);
	default: /* CK_RULES: names are resolved once every rule is known */
		m->rules_all = !strcasecmp(v, "all");
		return text(cp, key, line, v, m->rules, sizeof(m->rules));
	}
}

/* rules = a, b: names into the rule mask; unknown names reported. */
static int resolve_rules(struct cfg_check_parser *cp, int i)
{
	const struct wlbs_config *c = cp->c;
	struct cfg_check_meta *m = &cp->meta[i];
	char buf[CFG_CHECK_CMD_MAX], *tok, *save;
	int r, ret = 0;

	if (m->rules_all) {
		cp->c->checks[i].rules = c->n_rules >= 32 ? UINT32_MAX : (1u << c->n_rules) - 1;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", m->rules);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		for (r = 0; r < c->n_rules && strcasecmp(c->rules[r].name, tok); r++)
			;
		if (r == c->n_rules)
			ret = ck_fail(cp, i, m->key_line[CK_RULES], tok,
				      "rules: no [rule] of that name (or all)");
		else
			cp->c->checks[i].rules |= 1u << r;
	}
	return ret;
}

/* tcp and http without `port`: the first port of the guarded rules, which must agree. */
static int default_port(struct cfg_check_parser *cp, int i)
{
	struct wlbs_config *c = cp->c;
	struct cfg_check *k = &c->checks[i];
	unsigned int line = cp->meta[i].key_line[CK_RULES];
	int r, first = -1;

	if (!line)
		line = cp->meta[i].line;
	for (r = 0; r < c->n_rules; r++) {
		if (!(k->rules & (1u << r)))
			continue;
		if (first < 0) {
			first = r;
		} else if (c->rules[r].port_lo != c->rules[first].port_lo) {
			return ck_fail(cp, i, line, NULL,
				       "guards rules on different ports (%s: %u, %s: %u): "
				       "say which with port =",
				       c->rules[first].name, c->rules[first].port_lo,
				       c->rules[r].name, c->rules[r].port_lo);
		}
	}
	if (first < 0)
		return ck_fail(cp, i, line, NULL,
			       "guards no rule to take a port from: say which with port =");
	if (!c->rules[first].port_lo)
		return ck_fail(
		    cp, i, line, NULL,
		    "rule %s starts at port 0: say which port with port =", c->rules[first].name);
	k->port = c->rules[first].port_lo;
	return 0;
}

static void finish_check(struct cfg_check_parser *cp, int i)
{
	struct cfg_check *k = &cp->c->checks[i];
	struct cfg_check_meta *m = &cp->meta[i];
	unsigned int line;

	if (!m->key_line[CK_TYPE])
		ck_fail(cp, i, m->line, NULL, "has no type (tcp, http or exec)");
	for (int key = 0; key < CK_KEYS && !(m->bad_keys & (1u << CK_TYPE)); key++)
		if (m->key_line[key] && key_types[key] && !(key_types[key] & (1u << k->type)) &&
		    !(m->bad_keys & (1u << key)))
			ck_fail(cp, i, m->key_line[key], NULL, "%s: not for type %s", ck_names[key],
				types[k->type]);
	if (k->type == CFG_CHECK_EXEC && !m->key_line[CK_COMMAND])
		ck_fail(cp, i, m->line, NULL, "type exec needs a command");
	if (k->timeout_ms > k->interval_ms) {
		line = m->key_line[CK_TIMEOUT] ? m->key_line[CK_TIMEOUT] : m->key_line[CK_INTERVAL];
		ck_fail(cp, i, line, NULL, "timeout_ms %u is longer than interval_ms %u",
			k->timeout_ms, k->interval_ms);
	}
	if (resolve_rules(cp, i) || m->bad || k->type == CFG_CHECK_EXEC)
		return;
	if (!m->key_line[CK_ADDRESS]) {
		/* The host's own address: its first dedicated IP, else loopback. */
		if (cp->c->n_dips) {
			k->addr = cp->c->dips[0];
			k->addr.prefix = k->addr.v4 ? 32 : 128;
		} else {
			parse_target("127.0.0.1", &k->addr);
		}
	}
	if (!m->key_line[CK_PORT])
		default_port(cp, i);
}

void cfg_check_finish(struct cfg_check_parser *cp)
{
	for (int i = 0; i < cp->c->n_checks; i++)
		finish_check(cp, i);
}
