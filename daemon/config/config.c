// SPDX-License-Identifier: GPL-2.0
/*
 * wlbs.conf: INI read with inih, every key checked, every error reported once
 * with its file and line. Parsing fills a private copy that replaces the
 * caller's only when the whole file is valid, so a bad reload changes nothing.
 * Parsing goes on after an error, so --check-config lists every one (a
 * refused section's keys are skipped, whole-file checks leave out what an
 * earlier error explains); a reload names the first.
 *
 * inih does not tell its handler the line number, so the text is fed to it
 * through our own line reader, which counts lines and also reads section
 * headers itself (inih never reports empty sections, and we want `[rul x]`
 * to be an error even when nothing follows it).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include <ini.h>

#include "config/config.h"
#include "config/config_check.h"
#include "wlbs/status.h"

enum sect { S_NONE, S_CLUSTER, S_HOST, S_REMOTE, S_RULE, S_CHECK, S_MAX };

static const char *const sect_names[S_MAX] = {"", "cluster", "host", "remote", "rule", "check"};

/* Where the parts of a rule came from, for messages and mode-dependent checks. */
struct rule_meta {
	unsigned int line;	   /* [rule NAME] header */
	unsigned int key_line[32]; /* line of each key (enum key_id), 0 = not set */
	bool bad;		   /* a key of it was refused: no overlap check */
	bool has_vip;		   /* `ip` names one cluster IP (else all) */
	struct in6_addr vip;	   /* that IP, resolved once [cluster] is known */
};

struct parse {
	const char *name;     /* file name in messages */
	const char *pos;      /* next line of the text */
	const char *cur;      /* the line inih is working on */
	unsigned int line;    /* line inih is working on */
	bool key_seen;	      /* a key since the last header: indented lines continue it */
	bool skip;	      /* in a section whose header was refused: its keys are ignored */
	bool content;	      /* the line inih is on must reach on_key, or it is a syntax error */
	unsigned int handled; /* last line on_key was called for */
	bool failed;
	bool all;	       /* every error into err, one per line (else the first only) */
	unsigned int n_errors; /* errors found */
	unsigned int err_line;
	unsigned int status; /* the WLBS_* code the first error answers a reload with */
	char *err;
	size_t errlen;
	const char *text;  /* the whole file */
	uint32_t bad_keys; /* keys outside rules whose value was refused (enum key_id bits) */
	int sect;	   /* enum sect of the current section */
	int rule;	   /* index of the current rule in S_RULE */
	uint32_t keys;	   /* keys set in the current section, bit per keys[] entry */
	unsigned int sect_line[S_RULE]; /* header line of [cluster], [host], [remote] */
	unsigned int vip_line[WLBS_MAX_VIPS];
	unsigned int dip_line[CFG_MAX_DIPS];
	unsigned int key_line[32]; /* line of each key outside rules (enum key_id) */
	struct rule_meta meta[WLBS_MAX_RULES];
	char tmp[64];		    /* a value quoted in a message */
	char label[64];		    /* the current section's name in a message */
	struct cfg_check_parser cp; /* [check NAME] sections (config_check.c) */
	struct wlbs_config c;
};

/*
 * Records an error: "NAME:LINE: message ('value')", and its code: a port
 * rule's (@status) names it at the end, as --check-config shows it. The first
 * error sets the code; with p->all the others follow it in p->err, one per
 * line, as long as they fit whole.
 */
static int vfail(struct parse *p, unsigned int status, unsigned int line, const char *value,
		 const char *fmt, va_list ap)
{
	char msg[512];
	size_t n = 0, used;

	p->n_errors++;
	if (p->failed && !p->all)
		return -EINVAL;
	if (!p->failed) {
		p->err_line = line;
		p->status = status;
	}
	if (line)
		n = snprintf(msg, sizeof(msg), "%s:%u: ", p->name, line);
	else
		n = snprintf(msg, sizeof(msg), "%s: ", p->name);
	if (n < sizeof(msg))
		n += vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	if (value && n < sizeof(msg))
		n += snprintf(msg + n, sizeof(msg) - n, " ('%s')", value);
	if (status != WLBS_BAD_PARAMS && n < sizeof(msg) && !strstr(msg, "(WLBS_"))
		snprintf(msg + n, sizeof(msg) - n, " (%s)", wlbs_status_name((int)status));
	if (p->err && p->errlen) {
		used = p->failed ? strlen(p->err) : 0;
		if (!p->failed)
			snprintf(p->err, p->errlen, "%s", msg);
		else if (used + 1 + strlen(msg) < p->errlen)
			snprintf(p->err + used, p->errlen - used, "\n%s", msg);
	}
	p->failed = true;
	return -EINVAL;
}

/* An error of the current section: WLBS_BAD_PORT_PARAMS inside a [rule]. Returns -EINVAL. */
__attribute__((format(printf, 4, 5))) static int fail_at(struct parse *p, unsigned int line,
							 const char *value, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(p, p->sect == S_RULE ? WLBS_BAD_PORT_PARAMS : WLBS_BAD_PARAMS, line, value, fmt,
		    ap);
	va_end(ap);
	return ret;
}

/* An error with its own code (enum wlbs_status). Returns -EINVAL. */
__attribute__((format(printf, 5, 6))) static int fail_code(struct parse *p, unsigned int status,
							   unsigned int line, const char *value,
							   const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(p, status, line, value, fmt, ap);
	va_end(ap);
	return ret;
}

static const char *sect_label(struct parse *p)
{
	if (p->sect == S_RULE)
		snprintf(p->label, sizeof(p->label), "rule %s", p->c.rules[p->rule].name);
	else
		snprintf(p->label, sizeof(p->label), "%s", sect_names[p->sect]);
	return p->label;
}

/* --- keys ------------------------------------------------------------------------------- */

/* Every key, in the order of keys[]; parse.keys has a bit per key. */
enum key_id {
	K_VIPS,
	K_CMODE,
	K_HB_PERIOD,
	K_HB_TOLERANCE,
	K_CLEANUP,
	K_SEED,
	K_KEY_FILE,
	K_CMAC,
	K_IFNAME,
	K_PRIORITY,
	K_DIPS,
	K_INITIAL,
	K_PERSIST,
	K_XDP,
	K_ENABLED,
	K_SECRET,
	K_PORT,
	K_CONVOY,
	K_RATE,
	K_WINDOW,
	K_RULE_IP,
	K_PORTS,
	K_PROTO,
	K_MODE,
	K_AFFINITY,
	K_WEIGHT,
	K_HANDLING,
	K_MIN_SERVING,
	K_MAX
};

struct key;
typedef int (*setter)(struct parse *p, const struct key *k, char *v);

struct key {
	const char *name;
	int sect;
	bool list; /* may repeat: every occurrence adds to the list */
	setter set;
	size_t off, size;	  /* field in wlbs_config, or in cfg_rule for S_RULE */
	unsigned long min, max;	  /* set_uint range; set_enum: value of names[0] is min */
	const char *const *names; /* set_enum: accepted words, NULL-terminated */
};

#define KEY_FAIL(p, k, v, fmt, ...)                                                                \
	fail_at(p, (p)->line, v, "[%s] %s: " fmt, sect_label(p), (k)->name, ##__VA_ARGS__)

/* The field a generic setter writes. */
static void *field(struct parse *p, const struct key *k)
{
	if (k->sect == S_RULE)
		return (char *)&p->c.rules[p->rule] + k->off;
	return (char *)&p->c + k->off;
}

static void store(void *f, size_t size, unsigned long x)
{
	if (size == 1)
		*(uint8_t *)f = x;
	else if (size == 2)
		*(uint16_t *)f = x;
	else
		*(uint32_t *)f = x;
}

static int set_uint(struct parse *p, const struct key *k, char *v)
{
	unsigned long x;

	if (!cfg_parse_ulong(v, false, k->max, &x) || x < k->min)
		return KEY_FAIL(p, k, v, "must be a whole number %lu..%lu", k->min, k->max);
	store(field(p, k), k->size, x);
	return 0;
}

static int set_enum(struct parse *p, const struct key *k, char *v)
{
	char words[96] = "";
	int i;

	for (i = 0; k->names[i]; i++)
		if (!strcasecmp(v, k->names[i])) {
			store(field(p, k), k->size, k->min + i);
			return 0;
		}
	for (i = 0; k->names[i]; i++)
		snprintf(words + strlen(words), sizeof(words) - strlen(words), "%s%s",
			 i ? (k->names[i + 1] ? ", " : " or ") : "", k->names[i]);
	return KEY_FAIL(p, k, v, "must be %s", words);
}

static int set_bool(struct parse *p, const struct key *k, char *v)
{
	int b = cfg_parse_bool(v);

	if (b < 0)
		return KEY_FAIL(p, k, v, "must be yes or no");
	*(bool *)field(p, k) = b;
	return 0;
}

static int set_path(struct parse *p, const struct key *k, char *v)
{
	if (v[0] != '/')
		return KEY_FAIL(p, k, v, "must be an absolute path");
	if (strlen(v) >= k->size)
		return KEY_FAIL(p, k, v, "path longer than %zu characters", k->size - 1);
	strcpy(field(p, k), v);
	return 0;
}

static int set_seed(struct parse *p, const struct key *k, char *v)
{
	unsigned long x;

	if (!cfg_parse_ulong(v, true, UINT32_MAX, &x))
		return KEY_FAIL(p, k, v, "must be a 32-bit number (decimal or 0x hex)");
	p->c.hash_seed = x;
	p->c.hash_seed_set = true;
	return 0;
}

/* The mode may come later in the file: finish() checks the MAC against it. */
static int set_cluster_mac(struct parse *p, const struct key *k, char *v)
{
	const char *why;

	if (!cfg_parse_mac(v, p->c.cluster_mac))
		return KEY_FAIL(p, k, v, "must be a MAC address xx-xx-xx-xx-xx-xx");
	why = cfg_mac_fits_mode(p->c.cluster_mac, -1);
	if (why) {
		ip2mac_format(p->c.cluster_mac, p->tmp);
		return KEY_FAIL(p, k, p->tmp, "%s", why);
	}
	p->c.cluster_mac_set = true;
	return 0;
}

/* Adds each address of a comma or space separated list to @addrs. */
static int add_addrs(struct parse *p, const struct key *k, char *v, struct cfg_addr *addrs, int *n,
		     int max, unsigned int *lines)
{
	const char *why;
	char *tok, *save;
	int i;

	for (tok = strtok_r(v, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		struct cfg_addr a;

		why = cfg_parse_addr(tok, true, &a);
		if (why)
			return KEY_FAIL(p, k, tok, "%s", why);
		for (i = 0; i < *n; i++)
			if (!memcmp(&addrs[i].addr, &a.addr, sizeof(a.addr)))
				return KEY_FAIL(
				    p, k, tok, "address listed twice (first on line %u)", lines[i]);
		if (*n >= max)
			return KEY_FAIL(p, k, tok, "more than %d addresses", max);
		lines[*n] = p->line;
		addrs[(*n)++] = a;
	}
	return 0;
}

static int set_vips(struct parse *p, const struct key *k, char *v)
{
	return add_addrs(p, k, v, p->c.vips, &p->c.n_vips, WLBS_MAX_VIPS, p->vip_line);
}

static int set_dips(struct parse *p, const struct key *k, char *v)
{
	return add_addrs(p, k, v, p->c.dips, &p->c.n_dips, CFG_MAX_DIPS, p->dip_line);
}

static int set_ifname(struct parse *p, const struct key *k, char *v)
{
	if (strlen(v) >= CFG_IFNAME_MAX)
		return KEY_FAIL(p, k, v, "longer than %d characters", CFG_IFNAME_MAX - 1);
	if (strpbrk(v, "/: \t") || !strcmp(v, ".") || !strcmp(v, ".."))
		return KEY_FAIL(p, k, v, "invalid interface name");
	strcpy(p->c.ifname, v);
	return 0;
}

static int set_rule_ip(struct parse *p, const struct key *k, char *v)
{
	struct cfg_addr a;
	const char *why;

	if (!strcasecmp(v, "all"))
		return 0;
	why = cfg_parse_addr(v, false, &a);
	if (why)
		return KEY_FAIL(p, k, v, "%s (or all)", why);
	p->meta[p->rule].vip = a.addr;
	p->meta[p->rule].has_vip = true;
	return 0;
}

static int set_rule_ports(struct parse *p, const struct key *k, char *v)
{
	struct cfg_rule *r = &p->c.rules[p->rule];
	char buf[CFG_PATH_MAX], *a = buf, *b = buf, *dash;
	unsigned long lo, hi;

	snprintf(buf, sizeof(buf), "%s", v);
	dash = strchr(buf, '-');
	if (dash) {
		*dash = '\0';
		cfg_trim_value(a);
		b = cfg_trim_value(dash + 1);
	}
	if (!cfg_parse_ulong(a, false, 65535, &lo) || !cfg_parse_ulong(b, false, 65535, &hi))
		return KEY_FAIL(p, k, v, "must be a port or a range lo-hi within 0..65535");
	if (lo > hi)
		return KEY_FAIL(p, k, v, "range ends below its start");
	r->port_lo = lo;
	r->port_hi = hi;
	return 0;
}

static int set_rule_weight(struct parse *p, const struct key *k, char *v)
{
	struct cfg_rule *r = &p->c.rules[p->rule];
	unsigned long x;

	if (!strcasecmp(v, "equal")) {
		r->equal_load = true;
		r->load_weight = 0;
		return 0;
	}
	if (!cfg_parse_ulong(v, false, 100, &x))
		return KEY_FAIL(p, k, v, "must be 0..100 or equal");
	r->equal_load = false;
	r->load_weight = x;
	return 0;
}

static const char *const cluster_modes[] = {"multicast", "igmp", "unicast", NULL};
static const char *const initial_states[] = {"started", "stopped", "suspended", NULL};
static const char *const xdp_modes[] = {"auto", "native", "generic", NULL};
static const char *const protocols[] = {"tcp", "udp", "both", NULL};
static const char *const rule_modes[] = {"multiple", "single", "disabled", NULL};
static const char *const affinities[] = {"none", "single", "classc", NULL};

#define CF(f) offsetof(struct wlbs_config, f), sizeof(((struct wlbs_config *)0)->f)
#define RF(f) offsetof(struct cfg_rule, f), sizeof(((struct cfg_rule *)0)->f)

static const struct key keys[K_MAX] = {
    [K_VIPS] = {"ip", S_CLUSTER, true, set_vips},
    [K_CMODE] = {"mode", S_CLUSTER, false, set_enum, CF(cluster_mode), 0, 0, cluster_modes},
    [K_HB_PERIOD] = {"heartbeat_period_ms", S_CLUSTER, false, set_uint, CF(heartbeat_period_ms), 10,
		     10000},
    [K_HB_TOLERANCE] = {"heartbeat_tolerance", S_CLUSTER, false, set_uint, CF(heartbeat_tolerance),
			2, 100},
    [K_CLEANUP] = {"cleanup_delay_ms", S_CLUSTER, false, set_uint, CF(cleanup_delay_ms), 0, 600000},
    [K_SEED] = {"hash_seed", S_CLUSTER, false, set_seed},
    [K_KEY_FILE] = {"key_file", S_CLUSTER, false, set_path, CF(key_file)},
    [K_CMAC] = {"cluster_mac", S_CLUSTER, false, set_cluster_mac},
    [K_IFNAME] = {"interface", S_HOST, false, set_ifname},
    [K_PRIORITY] = {"priority", S_HOST, false, set_uint, CF(priority), 1, WLBS_MAX_HOSTS},
    [K_DIPS] = {"dedicated_ip", S_HOST, true, set_dips},
    [K_INITIAL] = {"initial_state", S_HOST, false, set_enum, CF(initial_state), 0, 0,
		   initial_states},
    [K_PERSIST] = {"persist_state", S_HOST, false, set_bool, CF(persist_state)},
    [K_XDP] = {"xdp_mode", S_HOST, false, set_enum, CF(xdp_mode), 0, 0, xdp_modes},
    [K_ENABLED] = {"enabled", S_REMOTE, false, set_bool, CF(remote.enabled)},
    [K_SECRET] = {"secret_file", S_REMOTE, false, set_path, CF(remote.secret_file)},
    [K_PORT] = {"port", S_REMOTE, false, set_uint, CF(remote.port), 1, 65535},
    [K_CONVOY] = {"convoy_port", S_REMOTE, false, set_bool, CF(remote.convoy_port)},
    [K_RATE] = {"rate_limit", S_REMOTE, false, set_uint, CF(remote.rate_limit), 1, 10000},
    [K_WINDOW] = {"time_window_s", S_REMOTE, false, set_uint, CF(remote.time_window_s), 1, 3600},
    [K_RULE_IP] = {"ip", S_RULE, false, set_rule_ip},
    [K_PORTS] = {"ports", S_RULE, false, set_rule_ports},
    [K_PROTO] = {"protocol", S_RULE, false, set_enum, RF(proto), WLBS_PROTO_TCP, 0, protocols},
    [K_MODE] = {"mode", S_RULE, false, set_enum, RF(mode), 0, 0, rule_modes},
    [K_AFFINITY] = {"affinity", S_RULE, false, set_enum, RF(affinity), 0, 0, affinities},
    [K_WEIGHT] = {"load_weight", S_RULE, false, set_rule_weight},
    [K_HANDLING] = {"handling_priority", S_RULE, false, set_uint, RF(handling_priority), 1,
		    WLBS_MAX_HOSTS},
    [K_MIN_SERVING] = {"min_serving", S_CLUSTER, false, set_uint, CF(min_serving), 0,
		       WLBS_MAX_HOSTS},
};
_Static_assert(K_MAX <= 32, "parse.keys has a bit per key");
_Static_assert(WLBS_PROTO_TCP == 1 && WLBS_PROTO_UDP == 2, "protocols[] maps to the bits");

void cfg_list_keys(FILE *f)
{
	for (int i = 0; i < K_MAX; i++)
		fprintf(f, "%s %s\n", sect_names[keys[i].sect], keys[i].name);
	cfg_check_list_keys(f);
}

/* config_check.c's errors, as every other key's. */
static void check_fail(void *ctx, unsigned int line, const char *value, const char *msg)
{
	fail_at(ctx, line, value, "%s", msg);
}

/* A key of a [check NAME]: config_check.c knows them. Returns inih's verdict. */
static int on_check_key(struct parse *p, const char *name, char *v)
{
	int ret;

	snprintf(p->label, sizeof(p->label), "check %s", p->c.checks[p->cp.cur].name);
	if (!*v)
		return !fail_at(p, p->line, v, "[%s] %s: no value", p->label, name);
	if (*v == '[' && isspace((unsigned char)*p->cur))
		return !fail_at(p, p->line, v,
				"indented section header (read as more of '%s' "
				"above): remove the leading blanks",
				name);
	ret = cfg_check_key(&p->cp, name, v, p->line);
	if (ret == -ENOENT)
		return !fail_at(p, p->line, name, "unknown key in [%s]", p->label);
	return !ret;
}

/* inih's handler: one `name = value` (or a continuation line of it). */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	char buf[CFG_PATH_MAX + 64];
	const struct key *k = NULL;
	int i;
	char *v;

	(void)section; /* the reader tracks sections itself */
	p->key_seen = true;
	p->handled = p->line;
	if (p->skip)
		return 1; /* the header's error said it all */
	if (p->sect == S_NONE) {
		p->skip = true; /* once: the keys up to the next header are all before one */
		return !fail_at(p, p->line, name, "key before any [section]");
	}
	if (p->sect == S_CHECK) {
		snprintf(buf, sizeof(buf), "%s", value);
		return on_check_key(p, name, cfg_trim_value(buf));
	}
	for (i = 0; i < K_MAX && !k; i++)
		if (keys[i].sect == p->sect && !strcasecmp(keys[i].name, name))
			k = &keys[i];
	if (!k)
		return !fail_at(p, p->line, name, "unknown key in [%s]", sect_label(p));
	i = k - keys;
	snprintf(buf, sizeof(buf), "%s", value);
	v = cfg_trim_value(buf);
	if (!*v)
		return !KEY_FAIL(p, k, v, "no value");
	if (*v == '[' && isspace((unsigned char)*p->cur))
		return !fail_at(p, p->line, v,
				"indented section header (read as more of '%s' "
				"above): remove the leading blanks",
				k->name);
	if ((p->keys & (1u << i)) && !k->list)
		return !KEY_FAIL(p, k, v, "set twice in this section");
	p->keys |= 1u << i;
	if (p->sect == S_RULE)
		p->meta[p->rule].key_line[i] = p->line;
	else
		p->key_line[i] = p->line;
	if (!k->set(p, k, v))
		return 1;
	/* Whole-file checks leave out what this error explains. */
	if (p->sect == S_RULE)
		p->meta[p->rule].bad = true;
	else
		p->bad_keys |= 1u << i;
	return 0;
}

/* --- sections --------------------------------------------------------------------------- */

static bool valid_rule_name(const char *s)
{
	if (!*s || strlen(s) >= CFG_RULE_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

static int open_rule(struct parse *p, const char *name)
{
	struct wlbs_config *c = &p->c;
	struct cfg_rule *r;
	int i;

	if (!valid_rule_name(name))
		return fail_at(p, p->line, name,
			       "rule names are 1..%d letters, digits, '_', '.' or '-'",
			       CFG_RULE_NAME_MAX - 1);
	for (i = 0; i < c->n_rules; i++)
		if (!strcasecmp(c->rules[i].name, name))
			return fail_at(p, p->line, name, "rule defined twice (first on line %u)",
				       p->meta[i].line);
	if (c->n_rules >= WLBS_MAX_RULES)
		return fail_code(p, WLBS_MAX_PORT_RULES, p->line, name,
				 "more than %d port rules (WLBS_MAX_PORT_RULES)", WLBS_MAX_RULES);
	p->rule = c->n_rules++;
	r = &c->rules[p->rule];
	strcpy(r->name, name);
	r->vip = CFG_VIP_ALL;
	r->port_lo = 0;
	r->port_hi = 65535;
	r->proto = WLBS_PROTO_TCP | WLBS_PROTO_UDP;
	r->mode = WLBS_MODE_MULTIPLE;
	r->affinity = WLBS_AFF_SINGLE;
	r->equal_load = true;
	p->meta[p->rule].line = p->line;
	return 0;
}

static int open_section(struct parse *p, char *name)
{
	int s;

	p->key_seen = false;
	p->keys = 0;
	p->skip = false;
	for (s = S_CLUSTER; s < S_RULE; s++)
		if (!strcasecmp(name, sect_names[s]))
			break;
	if (s < S_RULE) {
		if (p->sect_line[s]) {
			p->skip = true;
			return fail_at(p, p->line, name, "section repeated (first on line %u)",
				       p->sect_line[s]);
		}
		p->sect_line[s] = p->line;
		p->sect = s;
		return 0;
	}
	if (!strncasecmp(name, "rule", 4) && (!name[4] || isspace((unsigned char)name[4]))) {
		p->sect = S_RULE;
		name += 4;
		while (isspace((unsigned char)*name))
			name++;
		if (!*name) {
			p->skip = true;
			return fail_at(p, p->line, "rule", "a rule needs a name, e.g. [rule http]");
		}
		p->skip = open_rule(p, name) != 0;
		return p->skip ? -EINVAL : 0;
	}
	if (!strncasecmp(name, "check", 5) && (!name[5] || isspace((unsigned char)name[5]))) {
		p->sect = S_CHECK;
		name += 5;
		while (isspace((unsigned char)*name))
			name++;
		if (!*name) {
			p->skip = true;
			return fail_at(p, p->line, "check",
				       "a check needs a name, e.g. [check web]");
		}
		p->skip = cfg_check_open(&p->cp, name, p->line) != 0;
		return p->skip ? -EINVAL : 0;
	}
	p->sect = S_NONE;
	p->skip = true;
	return fail_at(p, p->line, name,
		       "unknown section (expected cluster, host, remote, rule NAME or "
		       "check NAME)");
}

/* A section header line, read as inih reads it. Returns 0 or -EINVAL. */
static int check_header(struct parse *p, char *line)
{
	char *s = line, *end, *rest;

	if (p->line == 1 && !strncmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	while (isspace((unsigned char)*s))
		s++;
	/* Indented after a key, inih takes the line as a continuation of that key. */
	if (*s != '[' || (s > line && p->key_seen))
		return 0;
	p->sect = S_NONE; /* a header ends the section before: its errors are not the rule's */
	p->content = false;
	end = strchr(s, ']');
	if (!end) {
		p->skip = true;
		cfg_trim_value(s);
		return fail_at(p, p->line, s, "section header without ']'");
	}
	rest = end + 1;
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest && *rest != ';' && *rest != '#') {
		p->skip = true;
		cfg_trim_value(rest);
		return fail_at(p, p->line, rest, "unexpected text after the section header");
	}
	*end = '\0';
	s = cfg_trim_value(s + 1);
	return open_section(p, s);
}

static const char *line_of(struct parse *p, const char *text, unsigned int n);

/*
 * inih reports only its first syntax error; every line that is neither
 * blank, a comment nor a header reaches on_key unless it is one, so a line
 * on_key never saw is reported here, once the next line is asked for.
 */
static void check_syntax(struct parse *p)
{
	if (p->content && p->handled != p->line)
		fail_code(p, WLBS_BAD_PARAMS, p->line, line_of(p, p->text, p->line),
			  "expected 'key = value' or '[section]'");
	p->content = false;
}

/* What inih will do with @s: true unless blank or a comment (headers: check_header). */
static bool is_content(const char *s, unsigned int line)
{
	if (line == 1 && !strncmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	while (isspace((unsigned char)*s))
		s++;
	return *s && *s != ';' && *s != '#';
}

/*
 * inih's reader: hands over one line, counting lines and handling headers.
 * A line we refuse (too long, a bad header) reaches inih as a blank one.
 */
static char *read_line(char *buf, int size, void *stream)
{
	struct parse *p = stream;
	const char *s = p->pos, *nl;
	size_t len, text;

	check_syntax(p);
	if (!*s)
		return NULL;
	nl = strchr(s, '\n');
	len = nl ? (size_t)(nl - s) + 1 : strlen(s);
	text = len - (nl ? 1 : 0);
	if (text && s[text - 1] == '\r')
		text--;
	p->cur = s;
	p->pos += len;
	p->line++;
	/* inih needs room for "\r\n\0"; a longer line would be cut into two. */
	if (size < 4 || text > (size_t)size - 3) {
		snprintf(p->tmp, sizeof(p->tmp), "%.40s...", s);
		fail_at(p, p->line, p->tmp, "line longer than %d characters", size - 3);
		snprintf(buf, size, "\n");
		return buf;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	p->content = is_content(buf, p->line);
	if (check_header(p, buf)) {
		snprintf(buf, size, "\n");
		return buf;
	}
	memcpy(buf, s, len); /* check_header may have cut it */
	buf[len] = '\0';
	return buf;
}

/* --- whole-file checks ------------------------------------------------------------------ */

static const char *proto_name(unsigned int proto)
{
	return proto == WLBS_PROTO_TCP ? "tcp" : proto == WLBS_PROTO_UDP ? "udp" : "tcp+udp";
}

static int finish_rule(struct parse *p, int i)
{
	struct wlbs_config *c = &p->c;
	struct cfg_rule *r = &c->rules[i];
	struct rule_meta *m = &p->meta[i];
	const char *mode = rule_modes[r->mode];
	char buf[INET6_ADDRSTRLEN + 4];
	int v;

	int bad = 0;

	if (!m->key_line[K_PORTS])
		bad =
		    fail_code(p, WLBS_BAD_PORT_PARAMS, m->line, NULL,
			      "[rule %s] has no ports (ports = 80 or 80-90 is required)", r->name);
	/* A refused [cluster] ip explains a rule's ip that is not among them. */
	if (m->has_vip && !(p->bad_keys & (1u << K_VIPS))) {
		for (v = 0; v < c->n_vips; v++)
			if (!memcmp(&c->vips[v].addr, &m->vip, sizeof(m->vip)))
				break;
		if (v == c->n_vips) {
			struct cfg_addr a = {.addr = m->vip, .v4 = IN6_IS_ADDR_V4MAPPED(&m->vip)};

			bad = fail_code(p, WLBS_BAD_PORT_PARAMS, m->key_line[K_RULE_IP],
					cfg_addr_str(&a, false, buf, sizeof(buf)),
					"[rule %s] ip: not one of the [cluster] ip addresses",
					r->name);
		} else {
			r->vip = v;
		}
	}
	if (r->mode != WLBS_MODE_MULTIPLE) {
		snprintf(buf, sizeof(buf), "%u", r->load_weight);
		if (m->key_line[K_AFFINITY])
			bad = fail_code(p, WLBS_BAD_PORT_PARAMS, m->key_line[K_AFFINITY],
					affinities[r->affinity],
					"[rule %s] affinity: only for mode multiple, not %s",
					r->name, mode);
		if (m->key_line[K_WEIGHT])
			bad = fail_code(p, WLBS_BAD_PORT_PARAMS, m->key_line[K_WEIGHT],
					r->equal_load ? "equal" : buf,
					"[rule %s] load_weight: only for mode multiple, not %s",
					r->name, mode);
		r->affinity = WLBS_AFF_NONE;
		r->equal_load = false;
	}
	if (r->mode != WLBS_MODE_SINGLE && m->key_line[K_HANDLING]) {
		snprintf(buf, sizeof(buf), "%u", r->handling_priority);
		bad = fail_code(p, WLBS_BAD_PORT_PARAMS, m->key_line[K_HANDLING], buf,
				"[rule %s] handling_priority: only for mode single, not %s",
				r->name, mode);
	}
	if (r->mode == WLBS_MODE_SINGLE && !m->key_line[K_HANDLING])
		r->handling_priority = c->priority;
	m->bad |= bad != 0;
	return bad;
}

/*
 * Rules of one scope (one cluster IP, or all) must not share a port and
 * protocol; every overlapping pair is named. Rules with an error are left
 * out: their ports or scope are not what the file meant.
 */
static int check_overlaps(struct parse *p)
{
	const struct wlbs_config *c = &p->c;
	char vip[INET6_ADDRSTRLEN + 4], ports[16];
	int i, j, ret = 0;

	for (j = 1; j < c->n_rules; j++) {
		const struct cfg_rule *b = &c->rules[j];

		for (i = 0; i < j; i++) {
			const struct cfg_rule *a = &c->rules[i];
			unsigned int lo = a->port_lo > b->port_lo ? a->port_lo : b->port_lo;
			unsigned int hi = a->port_hi < b->port_hi ? a->port_hi : b->port_hi;

			if (a->vip != b->vip || !(a->proto & b->proto) || lo > hi ||
			    p->meta[i].bad || p->meta[j].bad)
				continue;
			if (a->vip == CFG_VIP_ALL)
				strcpy(vip, "all cluster IPs");
			else
				cfg_addr_str(&c->vips[a->vip], false, vip, sizeof(vip));
			if (lo == hi)
				snprintf(ports, sizeof(ports), "%u", lo);
			else
				snprintf(ports, sizeof(ports), "%u-%u", lo, hi);
			ret = fail_code(p, WLBS_PORT_OVERLAP, p->meta[j].line, NULL,
					"rule '%s' (line %u) and rule '%s' overlap on ports %s for "
					"%s/%s (WLBS_PORT_OVERLAP)",
					a->name, p->meta[i].line, b->name, ports, vip,
					proto_name(a->proto & b->proto));
		}
	}
	return ret;
}

/*
 * The checks of the whole file, each reported; a required key that is there
 * with a refused value was reported already.
 */
static void finish(struct parse *p)
{
	struct wlbs_config *c = &p->c;
	char buf[INET6_ADDRSTRLEN + 4];
	const char *why;
	int i, v;

	p->sect = S_NONE; /* parsing is over: only finish_rule's errors are the rules' */
	if (!p->sect_line[S_HOST])
		fail_at(p, 0, NULL, "no [host] section (interface and priority are required)");
	if (p->sect_line[S_HOST] && !c->ifname[0] && !p->key_line[K_IFNAME])
		fail_at(p, p->sect_line[S_HOST], NULL, "[host] has no interface");
	if (p->sect_line[S_HOST] && !c->priority && !p->key_line[K_PRIORITY])
		fail_at(p, p->sect_line[S_HOST], NULL, "[host] has no priority (1..%d)",
			WLBS_MAX_HOSTS);
	if (!c->n_vips && !p->key_line[K_VIPS])
		fail_at(p, p->sect_line[S_CLUSTER], NULL,
			"no cluster IP ([cluster] ip = ... is required)");
	for (i = 0; i < c->n_dips; i++)
		for (v = 0; v < c->n_vips; v++)
			if (!memcmp(&c->dips[i].addr, &c->vips[v].addr, sizeof(c->vips[v].addr)))
				fail_at(p, p->dip_line[i],
					cfg_addr_str(&c->dips[i], false, buf, sizeof(buf)),
					"[host] dedicated_ip: also a cluster IP (line %u)",
					p->vip_line[v]);
	why = c->cluster_mac_set && !(p->bad_keys & (1u << K_CMODE))
		  ? cfg_mac_fits_mode(c->cluster_mac, c->cluster_mode)
		  : NULL;
	if (why) {
		ip2mac_format(c->cluster_mac, buf);
		fail_at(p, p->key_line[K_CMAC], buf, "[cluster] cluster_mac: %s", why);
	}
	if (c->remote.enabled && !c->remote.secret_file[0] && !p->key_line[K_SECRET])
		fail_at(p, p->key_line[K_ENABLED], "yes",
			"[remote] enabled needs secret_file (the secret never lives in this file)");
	for (i = 0; i < c->n_rules; i++)
		finish_rule(p, i);
	check_overlaps(p);
	cfg_check_finish(&p->cp);
	if (!c->hash_seed_set && c->n_vips)
		c->hash_seed = cfg_derive_seed(&c->vips[0]);
}

/* Copy of line @n of @text, for a syntax error inih found there. */
static const char *line_of(struct parse *p, const char *text, unsigned int n)
{
	const char *s = text, *e;
	size_t len;

	while (--n && (s = strchr(s, '\n')))
		s++;
	if (!s)
		return "";
	e = strchr(s, '\n');
	len = e ? (size_t)(e - s) : strlen(s);
	snprintf(p->tmp, sizeof(p->tmp), "%.*s", (int)(len < 60 ? len : 60), s);
	return cfg_trim_value(p->tmp);
}

int cfg_parse_string(const char *text, const char *name, struct wlbs_config *out, char *err,
		     size_t errlen)
{
	return cfg_parse_string_status(text, name, out, err, errlen, NULL);
}

/* The parser: the first error into @err, or with @all every one; *@n_errors how many. */
static int parse_text(const char *text, const char *name, struct wlbs_config *out, char *err,
		      size_t errlen, unsigned int *status, bool all, unsigned int *n_errors)
{
	struct parse *p;
	int ret;

	if (n_errors)
		*n_errors = 1; /* unless the text is parsed */
	if (!text || !out)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", name ? name : "<config>");
		return -ENOMEM;
	}
	p->name = name ? name : "<config>";
	p->pos = text;
	p->text = text;
	p->err = err;
	p->errlen = errlen;
	p->all = all;
	p->cp.c = &p->c;
	p->cp.report = check_fail;
	p->cp.ctx = p;
	cfg_defaults(&p->c);
	ret = ini_parse_stream(read_line, p, on_key, p);
	/* check_syntax() found inih's syntax errors; this is only in case it missed one. */
	if (ret > 0 && !p->failed)
		fail_code(p, WLBS_BAD_PARAMS, ret, line_of(p, text, ret),
			  "expected 'key = value' or '[section]'");
	finish(p);
	ret = p->failed ? -EINVAL : 0;
	if (status)
		*status = ret ? p->status : WLBS_OK;
	if (n_errors)
		*n_errors = p->n_errors;
	if (!ret) {
		*out = p->c;
		if (err && errlen)
			err[0] = '\0';
	}
	free(p);
	return ret;
}

int cfg_parse_string_status(const char *text, const char *name, struct wlbs_config *out, char *err,
			    size_t errlen, unsigned int *status)
{
	return parse_text(text, name, out, err, errlen, status, false, NULL);
}

int cfg_parse_string_all(const char *text, const char *name, struct wlbs_config *out, char *err,
			 size_t errlen, unsigned int *n_errors)
{
	return parse_text(text, name, out, err, errlen, NULL, true, n_errors);
}

/* Reads @path whole and parses it (parse_text). */
static int load_file(const char *path, struct wlbs_config *out, char *err, size_t errlen,
		     unsigned int *status, bool all, unsigned int *n_errors)
{
	const char *why = NULL;
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	ssize_t r;
	int fd, ret = 0;

	if (status)
		*status = WLBS_BAD_PARAMS; /* until the text itself says more */
	if (n_errors)
		*n_errors = 1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		why = "not a regular file";
		ret = -EINVAL;
		goto fail;
	}
	if (st.st_size > CFG_MAX_FILE_SIZE) {
		why = "larger than 1 MiB";
		ret = -EFBIG;
		goto fail;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto fail;
	}
	while (n < (size_t)st.st_size && (r = read(fd, buf + n, st.st_size - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto fail;
		}
		n += r;
	}
	buf[n] = '\0';
	close(fd);
	fd = -1;
	if (strlen(buf) != n) {
		unsigned int line = 1;
		const char *s;

		for (s = buf; *s; s++)
			line += *s == '\n';
		if (err && errlen)
			snprintf(err, errlen, "%s:%u: NUL byte in a text file", path, line);
		free(buf);
		return -EINVAL;
	}
	ret = parse_text(buf, path, out, err, errlen, status, all, n_errors);
	free(buf);
	return ret;
fail:
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, why ? why : strerror(-ret));
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

int cfg_load(const char *path, struct wlbs_config *out, char *err, size_t errlen)
{
	return load_file(path, out, err, errlen, NULL, false, NULL);
}

int cfg_load_status(const char *path, struct wlbs_config *out, char *err, size_t errlen,
		    unsigned int *status)
{
	return load_file(path, out, err, errlen, status, false, NULL);
}

int cfg_load_all(const char *path, struct wlbs_config *out, char *err, size_t errlen,
		 unsigned int *n_errors)
{
	return load_file(path, out, err, errlen, NULL, true, n_errors);
}
