// SPDX-License-Identifier: GPL-2.0
/* The value syntax of wlbs.conf (numbers, booleans, addresses, comments) and the defaults. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "config/config.h"

/* Drops a '#' comment (inih strips only ';' ones) and surrounding blanks. */
char *cfg_trim_value(char *v)
{
	char *s, *end;

	for (s = v; *s; s++)
		if (*s == '#' && (s == v || isspace((unsigned char)s[-1]))) {
			*s = '\0';
			break;
		}
	while (isspace((unsigned char)*v))
		v++;
	end = v + strlen(v);
	while (end > v && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return v;
}

/* Decimal (or 0x-prefixed hex when @hex) integer up to @max, nothing else. */
bool cfg_parse_ulong(const char *s, bool hex, unsigned long max, unsigned long *out)
{
	int base = 10;
	char *end;

	if (hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!isxdigit((unsigned char)*s))
			return false;
	} else if (!isdigit((unsigned char)*s)) {
		return false;
	}
	errno = 0;
	*out = strtoul(s, &end, base);
	return !errno && !*end && *out <= max;
}

int cfg_parse_bool(const char *s)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]))
			return 1;
		if (!strcasecmp(s, no[i]))
			return 0;
	}
	return -1;
}

/* An address with an optional /prefix; returns NULL or what is wrong with it. */
const char *cfg_parse_addr(const char *tok, bool prefix_ok, struct cfg_addr *a)
{
	char buf[INET6_ADDRSTRLEN];
	const char *slash = strchr(tok, '/');
	size_t len = slash ? (size_t)(slash - tok) : strlen(tok);
	const uint8_t *b = a->addr.s6_addr;
	unsigned long plen, max;

	memset(a, 0, sizeof(*a));
	if (len >= sizeof(buf))
		return "invalid IP address";
	memcpy(buf, tok, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &a->addr.s6_addr[12]) == 1) {
		a->addr.s6_addr[10] = 0xff;
		a->addr.s6_addr[11] = 0xff;
		a->v4 = true;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, &a->addr) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a->addr))
			return "write an IPv4 address as a.b.c.d";
		max = 128;
	} else {
		return "invalid IP address";
	}
	a->prefix = max;
	if (slash) {
		if (!prefix_ok)
			return "an address without /prefix is expected";
		if (!cfg_parse_ulong(slash + 1, false, max, &plen) || !plen)
			return a->v4 ? "prefix length must be 1..32"
				     : "prefix length must be 1..128";
		a->prefix = plen;
	}
	if (a->v4 && (!b[12] || b[12] == 127 || b[12] >= 224))
		return "not a unicast IPv4 address";
	if (!a->v4 && (IN6_IS_ADDR_UNSPECIFIED(&a->addr) || IN6_IS_ADDR_LOOPBACK(&a->addr) ||
		       IN6_IS_ADDR_MULTICAST(&a->addr)))
		return "not a unicast IPv6 address";
	return NULL;
}

const char *cfg_addr_str(const struct cfg_addr *a, bool with_prefix, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->v4)
		inet_ntop(AF_INET, &a->addr.s6_addr[12], ip, sizeof(ip));
	else
		inet_ntop(AF_INET6, &a->addr, ip, sizeof(ip));
	if (with_prefix)
		snprintf(buf, len, "%s/%u", ip, a->prefix);
	else
		snprintf(buf, len, "%s", ip);
	return buf;
}

bool cfg_parse_mac(const char *s, uint8_t mac[6])
{
	char sep = strlen(s) == 17 ? s[2] : 0;
	int i;

	if (sep != '-' && sep != ':')
		return false;
	for (i = 0; i < 6; i++) {
		const char *b = s + 3 * i;

		if (!isxdigit((unsigned char)b[0]) || !isxdigit((unsigned char)b[1]) ||
		    (i < 5 && b[2] != sep))
			return false;
		mac[i] = (uint8_t)strtoul((char[]){b[0], b[1], 0}, NULL, 16);
	}
	return true;
}

/* What a key left out of wlbs.conf means (wlbs.conf.example documents each). */
void cfg_defaults(struct wlbs_config *c)
{
	memset(c, 0, sizeof(*c));
	c->cluster_mode = WLBS_CLUSTER_MULTICAST;
	c->heartbeat_period_ms = 100;
	c->heartbeat_tolerance = 5;
	c->min_serving = 1;
	c->cleanup_delay_ms = 5000;
	c->initial_state = CFG_INIT_STARTED;
	c->persist_state = true;
	c->xdp_mode = CFG_XDP_AUTO;
	c->remote.port = 2504;
	c->remote.rate_limit = 10;
	c->remote.time_window_s = 30;
}
