# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# No [rule]: NLB's failover mode. The default host (lowest priority) answers all
# cluster traffic; when it dies the next one takes over. Sourced by run.sh.

# expect_all_served_by HOST PORT SRC...: every new connection answered by HOST.
_expect_all_served_by()
{
	local want=$1 port=$2 src got
	shift 2
	for src in "$@"; do
		got=$(connect_one "$src" "$CLUSTER_IP4" "$port")
		[ "$got" = "$want" ] || fail "connection from $src to port $port answered by '$got', not $want"
	done
	log "ok: $# new connection(s) to port $port all answered by $want"
}

test_no_rules_failover()
{
	local h i t0 got srcs=()
	topo_up 2
	for h in h1 h2; do
		host_conf "$h"
		sed -i '/^\[rule test\]$/,$d' "$(conf_path "$h")"
		server_start "$h"
	done
	cluster_start 20 h1 h2
	wlbs h2 params
	expect_match "$WLBS_OUT" "no port rules" "params without rules"
	wlbs h2 params --json
	expect_match "$WLBS_OUT" '"message":.*no port rules' "params --json without rules"
	for ((i = 201; i <= 216; i++)); do srcs+=("198.18.0.$i"); done
	_expect_all_served_by h1 "$PORT_ID" "${srcs[@]}"
	_expect_all_served_by h1 "$PORT_STREAM" 198.18.0.217 198.18.0.218

	wlbsd_kill h1 KILL
	# Liveness deadline (100 ms x 5) and the others' tolerance, then h2 is default.
	t0=$(now_ms)
	while got=$(connect_one 198.18.0.230) && [ "$got" != h2 ]; do
		[ $(($(now_ms) - t0)) -lt 5000 ] ||
			fail "h2 did not take over within 5 s of h1's death (answered by: $got)"
	done
	log "h2 answers $(($(now_ms) - t0)) ms after h1 was killed"
	cluster_wait_converged 5 h2
	_expect_all_served_by h2 "$PORT_ID" "${srcs[@]}"
}

# Without rules the default host changes hands like a bucket: h2, alone, is the
# default host when the SYNs come; h1 (a lower priority) joins and becomes the
# default host before the ACKs do (see _handshakes_across_join).
test_no_rules_handshake_across_default_change()
{
	local h
	topo_up 2
	for h in h1 h2; do
		host_conf "$h"
		sed -i '/^\[rule test\]$/,$d' "$(conf_path "$h")"
		server_start "$h"
	done
	cluster_start 20 h2
	_handshakes_across_join "$PORT_ID" h2 h1
	_expect_all_served_by h1 "$PORT_ID" 198.18.0.230 198.18.0.231
}

# A planned change of default host keeps its connections: h1, the default
# host, drains; h2 takes every new connection while h1's stream goes on.
test_no_rules_drain_keeps_connections()
{
	local h
	topo_up 2
	for h in h1 h2; do
		host_conf "$h"
		sed -i '/^\[rule test\]$/,$d' "$(conf_path "$h")"
		server_start "$h"
	done
	cluster_start 20 h1 h2
	stream_start s1 198.18.0.217
	expect_match "$(stream_status s1)" "^h1 " "the stream is h1's"
	wlbs h1 drainstop
	expect_eq "$WLBS_RC" 0 "drainstop on h1"
	_expect_all_served_by h2 "$PORT_ID" 198.18.0.201 198.18.0.202 198.18.0.203
	expect_flowing s1
	sleep 2
	expect_flowing s1
	expect_match "$(stream_status s1)" "^h1 [0-9]* open" "h1's stream after the drain"
	stream_stop s1
}
