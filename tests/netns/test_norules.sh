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
