/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wlbsd's configuration (/etc/wlbs/wlbs.conf, INI): the parsed and validated
 * form, and the derived values every host must agree on (cluster MAC, hash
 * seed, port rule fingerprint). wlbs.conf.example documents every key.
 */
#ifndef WLBS_CONFIG_H
#define WLBS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#include <wlbs/common.h>
#include "ip2mac.h"

#define CFG_DEFAULT_PATH "/etc/wlbs/wlbs.conf"
/* Interface name with its NUL (IFNAMSIZ). */
#define CFG_IFNAME_MAX 16
/* Port rule name with its NUL. */
#define CFG_RULE_NAME_MAX 32
/* Key and secret file paths with their NUL. */
#define CFG_PATH_MAX 256
/* Dedicated IPs per host. */
#define CFG_MAX_DIPS 8
/* Largest configuration file cfg_load reads. */
#define CFG_MAX_FILE_SIZE (1 << 20)
/* cfg_rule.vip meaning "every cluster IP". */
#define CFG_VIP_ALL (-1)
/* Health checks ([check NAME]) per host. */
#define CFG_MAX_CHECKS 32
/* Check name with its NUL (as rule names). */
#define CFG_CHECK_NAME_MAX 32
/* An exec check's command line with its NUL. */
#define CFG_CHECK_CMD_MAX 512
/* An http check's path and Host header, with their NUL. */
#define CFG_CHECK_PATH_MAX 128
/* An exec check's user name with its NUL. */
#define CFG_CHECK_USER_MAX 32

/* State the host starts in when no persisted stop/suspend applies. */
enum cfg_initial_state {
	CFG_INIT_STARTED = 0,
	CFG_INIT_STOPPED = 1,
	CFG_INIT_SUSPENDED = 2,
};

/* How the XDP program is attached. */
enum cfg_xdp_mode {
	CFG_XDP_AUTO = 0, /* native if the driver supports it, else generic */
	CFG_XDP_NATIVE = 1,
	CFG_XDP_GENERIC = 2,
};

/* An address with its prefix length; IPv4 is stored v4-mapped (::ffff:a.b.c.d). */
struct cfg_addr {
	struct in6_addr addr; /* network byte order */
	uint8_t prefix;	      /* 1..32 for IPv4, 1..128 for IPv6 */
	bool v4;
};

/* A port rule ([rule NAME]). */
struct cfg_rule {
	char name[CFG_RULE_NAME_MAX];
	int vip;		   /* index into wlbs_config.vips, or CFG_VIP_ALL */
	uint16_t port_lo;	   /* first port */
	uint16_t port_hi;	   /* last port, inclusive */
	uint8_t proto;		   /* WLBS_PROTO_* bits */
	uint8_t mode;		   /* enum wlbs_rule_mode */
	uint8_t affinity;	   /* enum wlbs_affinity; WLBS_AFF_NONE unless multiple */
	bool equal_load;	   /* multiple: load weight `equal` (load_weight unused) */
	uint8_t load_weight;	   /* multiple: 0..100 when !equal_load */
	uint8_t handling_priority; /* single: 1..64 (default: host priority); else 0 */
};

/* What a health check probes. */
enum cfg_check_type {
	CFG_CHECK_TCP = 0,  /* a TCP connect to address:port */
	CFG_CHECK_HTTP = 1, /* HTTP/1.0 GET path, status in a range */
	CFG_CHECK_EXEC = 2, /* a command; exit 0 is healthy */
};

/* What the host does while a check is unhealthy (the cluster side applies it). */
enum cfg_check_action {
	CFG_ACT_DRAIN = 0,   /* the guarded rules take no new connections, held ones stay */
	CFG_ACT_DISABLE = 1, /* the guarded rules take no traffic at all */
	CFG_ACT_STOP = 2,    /* the whole host drainstops */
};

/* A health check ([check NAME]); wlbs.conf.example documents the defaults. */
struct cfg_check {
	char name[CFG_CHECK_NAME_MAX];
	uint8_t type;	      /* enum cfg_check_type */
	uint8_t action;	      /* enum cfg_check_action */
	bool shell;	      /* exec: /bin/sh -c command (else split into argv) */
	struct cfg_addr addr; /* tcp, http: target (default: resolved by the parser) */
	uint16_t port;	      /* tcp, http: target port (default: the guarded rules') */
	uint16_t status_lo;   /* http: healthy status range, inclusive */
	uint16_t status_hi;
	uint32_t interval_ms;		      /* from the start of one probe to the next */
	uint32_t timeout_ms;		      /* a probe not done by then fails (<= interval_ms) */
	uint32_t fall;			      /* consecutive failures that make it unhealthy */
	uint32_t rise;			      /* consecutive successes that make it healthy again */
	uint32_t rules;			      /* guarded rules: bit i = config rule index i */
	char path[CFG_CHECK_PATH_MAX];	      /* http: request path */
	char host_header[CFG_CHECK_PATH_MAX]; /* http: Host header ("" = the address) */
	char command[CFG_CHECK_CMD_MAX];      /* exec */
	char user[CFG_CHECK_USER_MAX];	      /* exec: runs as this user */
};

/* [remote]: control from other machines (UDP). */
struct cfg_remote {
	bool enabled;
	char secret_file[CFG_PATH_MAX]; /* required when enabled */
	uint16_t port;			/* UDP port, default 2504 */
	bool convoy_port;		/* also answer on UDP 1717 (Convoy) */
	unsigned int rate_limit;	/* requests per second per source */
	unsigned int time_window_s;	/* accepted request timestamp skew */
};

struct wlbs_config {
	/* [cluster]: identical on every host */
	struct cfg_addr vips[WLBS_MAX_VIPS];
	int n_vips;
	int cluster_mode;		  /* enum wlbs_cluster_mode */
	unsigned int heartbeat_period_ms; /* 10..10000 */
	unsigned int heartbeat_tolerance; /* missed heartbeats before a host is gone: 2..100 */
	unsigned int cleanup_delay_ms;	  /* grace for buckets taken from a vanished host */
	uint32_t hash_seed;		  /* always set once loaded */
	bool hash_seed_set;		  /* from the file; else derived from vips[0] */
	char key_file[CFG_PATH_MAX];	  /* heartbeat authentication key; "" = none */
	uint8_t cluster_mac[6];		  /* cluster_mac = (when cluster_mac_set) */
	bool cluster_mac_set;		  /* by hand; else derived (cfg_cluster_mac) */

	/* hosts that keep serving a rule however many fail its health checks (0..64) */
	unsigned int min_serving;
	/* [host]: this host */
	char ifname[CFG_IFNAME_MAX];
	unsigned int priority; /* host priority (NLB host ID): 1..WLBS_MAX_HOSTS */
	struct cfg_addr dips[CFG_MAX_DIPS];
	int n_dips;
	int initial_state;  /* enum cfg_initial_state */
	bool persist_state; /* a stop/suspend survives restarts */
	int xdp_mode;	    /* enum cfg_xdp_mode */
	/* [remote] */
	struct cfg_remote remote;
	/* [rule NAME], in file order; none: all cluster traffic to the default host (failover) */
	struct cfg_rule rules[WLBS_MAX_RULES];
	int n_rules;
	/* [check NAME], in file order */
	struct cfg_check checks[CFG_MAX_CHECKS];
	int n_checks;
};

/* Every optional value at its default; no cluster IP, interface, priority or rule. */
void cfg_defaults(struct wlbs_config *c);

/* Every key the parser accepts, "SECTION KEY" a line (wlbsd --list-keys, for the man page test). */
void cfg_list_keys(FILE *f);

/*
 * Reads and validates @path into @out. Returns 0, -EINVAL for invalid content
 * or -errno for a file that cannot be read; on error writes one message
 * ("PATH:LINE: what is wrong ('bad value')") to @err and leaves @out untouched.
 */
int cfg_load(const char *path, struct wlbs_config *out, char *err, size_t errlen);

/*
 * cfg_load reporting every error of the file (--check-config): one message
 * a line in @err, in file order, the whole-file checks last; those that do
 * not fit whole are left out. *@n_errors counts them all (0 when valid).
 */
int cfg_load_all(const char *path, struct wlbs_config *out, char *err, size_t errlen,
		 unsigned int *n_errors);
int cfg_parse_string_all(const char *text, const char *name, struct wlbs_config *out, char *err,
			 size_t errlen, unsigned int *n_errors);

/* cfg_load on text in memory; @name stands for the file name in messages. */
int cfg_parse_string(const char *text, const char *name, struct wlbs_config *out, char *err,
		     size_t errlen);

/*
 * The same, also setting @status to the WLBS_* code a refused reload answers:
 * WLBS_PORT_OVERLAP, WLBS_MAX_PORT_RULES, WLBS_BAD_PORT_PARAMS (any other
 * error of a [rule]), else WLBS_BAD_PARAMS; WLBS_OK when valid. Rule errors
 * name their code at the end of @err, as --check-config prints it.
 */
int cfg_load_status(const char *path, struct wlbs_config *out, char *err, size_t errlen,
		    unsigned int *status);
int cfg_parse_string_status(const char *text, const char *name, struct wlbs_config *out, char *err,
			    size_t errlen, unsigned int *status);

/*
 * Keys whose change a reload cannot apply (interface, priority, cluster MAC
 * or mode, xdp_mode): how many of them differ from @old to @next, each
 * described in @buf ("priority 1 -> 3, interface eth0 -> eth1").
 */
int cfg_restart_keys(const struct wlbs_config *old, const struct wlbs_config *next, char *buf,
		     size_t len);

/*
 * The cluster MAC: cluster_mac when set by hand, else NLB's ip2mac of the
 * first IPv4 cluster IP (an IPv6-only cluster: the low 32 bits of its first
 * cluster IP as a.b.c.d). 0, or -EINVAL without a cluster IP.
 */
int cfg_cluster_mac(const struct wlbs_config *c, unsigned char mac[6]);

/* igmp mode: the group the hosts join, 239.255.c.d of cluster MAC 01-00-5e-7f-c-d. */
struct in_addr cfg_igmp_group(const struct wlbs_config *c);

/* NULL when @mac can be the cluster MAC in @mode (enum wlbs_cluster_mode; -1: any), else why not.
 */
const char *cfg_mac_fits_mode(const uint8_t mac[6], int mode);

/* "03-bf-0a-00-00-01" or "03:bf:0a:00:00:01" into @mac; false if it is neither. */
bool cfg_parse_mac(const char *s, uint8_t mac[6]);

/*
 * Table order of the rules: rules for one cluster IP (by address) before rules
 * for all, then by first port and protocol. It does not depend on the order of
 * the file, so hosts listing the same rules differently agree on rule indexes.
 * order[i] = config index of table rule i. Returns the number of rules.
 */
int cfg_rule_order(const struct wlbs_config *c, int order[WLBS_MAX_RULES]);

/* True when both have the same rules in the same order, every field (per-host ones too). */
bool cfg_rules_equal(const struct wlbs_config *a, const struct wlbs_config *b);

/*
 * Fingerprint of the cluster-wide part of the rules (cluster IP by address,
 * ports, protocols, mode, affinity) in table order; names, load weights and
 * handling priorities are per host and left out. Heartbeats carry it.
 */
uint32_t cfg_rules_fingerprint(const struct wlbs_config *c);

/* The default hash seed of a cluster whose first cluster IP is @first. */
uint32_t cfg_derive_seed(const struct cfg_addr *first);

/* Value syntax (config_values.c), also for other inputs that name addresses or numbers. */

/* "10.0.0.5/24" (with_prefix) or "10.0.0.5"; returns @buf. @len >= INET6_ADDRSTRLEN + 4. */
const char *cfg_addr_str(const struct cfg_addr *a, bool with_prefix, char *buf, size_t len);

/*
 * An IPv4 or IPv6 unicast address with an optional /prefix (refused unless
 * @prefix_ok; default /32 or /128) into @a. Returns NULL, or what is wrong.
 */
const char *cfg_parse_addr(const char *s, bool prefix_ok, struct cfg_addr *a);

/* A decimal (or, when @hex, 0x-prefixed hex) number up to @max and nothing else. */
bool cfg_parse_ulong(const char *s, bool hex, unsigned long max, unsigned long *out);

/* yes/true/on/1 -> 1, no/false/off/0 -> 0 (any case), else -1. */
int cfg_parse_bool(const char *s);

/* Cuts a " #" comment (inih strips only ";" ones) and blanks around @v; returns the start. */
char *cfg_trim_value(char *v);

#endif /* WLBS_CONFIG_H */
