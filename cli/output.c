// SPDX-License-Identifier: GPL-2.0
/* wlbs output: NLB-like text or one JSON object, and the exit status of each answer. */
#include <errno.h>
#include <arpa/inet.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "ctl_codec.h"
#include "ip2mac.h"

int cli_exit_code(int command, uint32_t status)
{
	/* A query reports a state: every state is an answer, not a failure. */
	if (command == WLBS_CMD_QUERY) {
		switch (status) {
		case WLBS_STOPPED:
		case WLBS_CONVERGING:
		case WLBS_CONVERGED:
		case WLBS_DEFAULT:
		case WLBS_DRAINING:
		case WLBS_SUSPENDED:
			return CLI_EXIT_DONE;
		}
	}
	switch (status) {
	case WLBS_OK:
	case WLBS_DRAIN_STOP: /* done; a drain was cut short on the way */
		return CLI_EXIT_DONE;
	case WLBS_STOPPED: /* suspend of a running host: suspended, and stopped too */
		return command == WLBS_CMD_SUSPEND ? CLI_EXIT_DONE : CLI_EXIT_FAILED;
	case WLBS_ALREADY:
		return CLI_EXIT_ALREADY;
	case WLBS_BAD_PASSW:
		return CLI_EXIT_NO_DAEMON;
	case WLBS_TIMEOUT:
		return CLI_EXIT_TIMEOUT;
	default:
		return CLI_EXIT_FAILED;
	}
}

int cli_exit_for_error(int err)
{
	switch (err) {
	case -ENOENT:
	case -ECONNREFUSED:
	case -ENOTDIR:
	case -EACCES:
	case -EPERM:
		return CLI_EXIT_NO_DAEMON;
	case -ETIMEDOUT:
	case -ECONNRESET:
		return CLI_EXIT_TIMEOUT;
	case -ENAMETOOLONG:
		return CLI_EXIT_USAGE;
	default:
		return CLI_EXIT_FAILED;
	}
}

static const char *cmd_name(const struct cli_args *a)
{
	return a->command == CLI_CMD_IP2MAC ? "ip2mac" : ctl_cmd_name(a->command) ?: "?";
}

static void print_json(FILE *f, json_object *o)
{
	fprintf(f, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void add_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_bool(json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

void cli_print_response(FILE *f, const struct cli_args *a, const struct wlbs_ctl_response *r)
{
	int code = cli_exit_code(a->command, r->status);
	bool read_only = a->command == WLBS_CMD_QUERY || a->command == WLBS_CMD_QUERYPORT ||
			 a->command == WLBS_CMD_DISPLAY || a->command == WLBS_CMD_PARAMS;
	json_object *o, *m;

	if (!a->json) {
		fprintf(f, "%s\n", r->text);
		/* Said only when so: the usual answer (initial_state) stays as NLB's. */
		if (a->command == WLBS_CMD_QUERY && (r->flags & WLBS_CTL_F_STATE_PERSISTED))
			fprintf(
			    f, "State after start: from the persisted state, not initial_state.\n");
		if (a->command == WLBS_CMD_QUERYPORT && r->status == WLBS_OK)
			fprintf(f, "Packets: %llu accepted, %llu dropped.\n",
				(unsigned long long)r->rule_accepted,
				(unsigned long long)r->rule_dropped);
		return;
	}
	o = json_object_new_object();
	m = json_object_new_array();
	add_str(o, "command", cmd_name(a));
	add_str(o, "code", wlbs_status_name((int)r->status));
	add_int(o, "status", r->status);
	add_int(o, "exit", code);
	add_bool(o, "changed", code == CLI_EXIT_DONE && !read_only);
	add_str(o, "state", ctl_state_name(r->state));
	add_int(o, "host", r->host);
	add_bool(o, "default", r->flags & WLBS_CTL_F_DEFAULT);
	add_bool(o, "converged", r->flags & WLBS_CTL_F_CONVERGED);
	for (int p = 1; p <= 64; p++)
		if (r->members & (1ull << (p - 1)))
			json_object_array_add(m, json_object_new_int(p));
	json_object_object_add(o, "members", m);
	add_int(o, "connections", (int64_t)r->held);
	add_str(o, "cause", ctl_cause_name(r->cause));
	add_str(o, "state_source",
		r->flags & WLBS_CTL_F_STATE_PERSISTED ? "persisted" : "initial_state");
	if (a->command == WLBS_CMD_QUERYPORT) {
		add_str(o, "rule_state", ctl_rule_state_name(r->rule_state));
		add_int(o, "packets_accepted", (int64_t)r->rule_accepted);
		add_int(o, "packets_dropped", (int64_t)r->rule_dropped);
	}
	add_str(o, "message", r->text);
	print_json(f, o);
}

void cli_print_error(FILE *out, FILE *err, const struct cli_args *a, int error)
{
	const char *path = a->socket ? a->socket : WLBS_CTL_SOCKET;
	char msg[300];

	switch (error) {
	case -ENOENT:
	case -ECONNREFUSED:
	case -ENOTDIR:
		snprintf(msg, sizeof(msg), "wlbsd is not running: cannot connect to %s (%s)", path,
			 strerror(-error));
		break;
	case -EACCES:
	case -EPERM:
		snprintf(msg, sizeof(msg),
			 "permission denied on %s: run as root or as a member of group %s", path,
			 WLBS_CTL_GROUP);
		break;
	case -ETIMEDOUT:
		snprintf(msg, sizeof(msg), "no answer from wlbsd on %s within %d ms", path,
			 a->timeout_ms);
		break;
	case -ECONNRESET:
		snprintf(msg, sizeof(msg), "wlbsd on %s closed the connection without answering",
			 path);
		break;
	case -EBADMSG:
	case -EPROTO:
	case -EPROTONOSUPPORT:
		snprintf(msg, sizeof(msg), "wlbsd on %s sent an answer this wlbs cannot read (%s)",
			 path, strerror(-error));
		break;
	default:
		snprintf(msg, sizeof(msg), "control request on %s failed: %s", path,
			 strerror(-error));
		break;
	}
	if (a->json) {
		json_object *o = json_object_new_object();

		add_str(o, "command", cmd_name(a));
		add_str(o, "error", msg);
		add_int(o, "exit", cli_exit_for_error(error));
		print_json(out, o);
	} else {
		fprintf(err, "wlbs: %s\n", msg);
	}
}

int cli_ip2mac(FILE *out, FILE *err, const struct cli_args *a)
{
	static const int modes[] = {WLBS_CLUSTER_MULTICAST, WLBS_CLUSTER_UNICAST,
				    WLBS_CLUSTER_IGMP};
	char macs[3][IP2MAC_STRLEN], group[INET_ADDRSTRLEN], abcd_s[INET_ADDRSTRLEN], from[80];
	int chosen = a->mac_mode >= 0 ? a->mac_mode : WLBS_CLUSTER_MULTICAST;
	unsigned char abcd[4], mac[6], g[4];
	json_object *o;
	const char *why;
	bool v6;

	why = ip2mac_parse(a->ip, abcd, &v6);
	if (why) {
		fprintf(err, "wlbs: ip2mac: %s ('%s')\n", why, a->ip);
		return CLI_EXIT_USAGE;
	}
	for (int i = 0; i < 3; i++) {
		ip2mac_bytes(abcd, modes[i], mac);
		ip2mac_format(mac, macs[i]);
	}
	ip2mac_igmp_group(mac, g); /* mac is the igmp one, modes[] ends with it */
	inet_ntop(AF_INET, g, group, sizeof(group));
	inet_ntop(AF_INET, abcd, abcd_s, sizeof(abcd_s));
	snprintf(from, sizeof(from), v6 ? " (a.b.c.d = %s, its low 32 bits)" : "", abcd_s);
	if (!a->json) {
		for (int i = 0; i < 3; i++)
			if (a->mac_mode < 0 || modes[i] == a->mac_mode)
				fprintf(out,
					"The %s cluster MAC address for IP %s%s is %s%s%s%s.\n",
					ip2mac_mode_name(modes[i]), a->ip, from, macs[i],
					modes[i] == WLBS_CLUSTER_IGMP ? " (IGMP group " : "",
					modes[i] == WLBS_CLUSTER_IGMP ? group : "",
					modes[i] == WLBS_CLUSTER_IGMP ? ")" : "");
		return CLI_EXIT_DONE;
	}
	o = json_object_new_object();
	add_str(o, "command", "ip2mac");
	add_str(o, "ip", a->ip);
	add_str(o, "abcd", abcd_s);
	add_str(o, "mode", ip2mac_mode_name(chosen));
	for (int i = 0; i < 3; i++)
		if (modes[i] == chosen)
			add_str(o, "mac", macs[i]);
	for (int i = 0; i < 3; i++)
		add_str(o, ip2mac_mode_name(modes[i]), macs[i]);
	add_str(o, "igmp_group", group);
	add_int(o, "exit", CLI_EXIT_DONE);
	print_json(out, o);
	return CLI_EXIT_DONE;
}
