# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# A real cluster: three (or four) hosts converge over heartbeats on one bridge
# and share the client traffic. Sourced by run.sh.
#
# Flows use explicit source ports (client.py spread), so every run sends the
# same flows and the outcome is deterministic for a given bucket map.

# Every connection (50 sources x 6 ports) is answered, by exactly one host
# (one SYN-ACK sender, no RST), and equal weights give each host about a third.
test_cluster_exactly_once()
{
	cluster_up 3
	spread once "$PORT_ID" 50 6 20000
	expect_exactly_once
	expect_share h1 0.3333
	expect_share h2 0.3333
	expect_share h3 0.3333
}

# load_weight 100/50/50: about 50/25/25 %.
test_cluster_weights()
{
	cluster_up 3 100 50 50
	spread weights "$PORT_ID" 50 12 20000
	expect_exactly_once
	expect_share h1 0.5
	expect_share h2 0.25
	expect_share h3 0.25
}

# _hosts_per KEYEXPR NAME: the largest number of hosts that served one group of
# spread NAME's flows (groups by the awk expression KEYEXPR of the source
# address $1), and "groups=G hosts=H" overall.
_hosts_per()
{
	awk "\$1 == \"summary\" { next } { k = $1; if (!((k, \$3) in seen)) { seen[k, \$3] = 1; n[k]++ }; all[\$3] = 1 }
		END { m = 0; g = 0; for (k in n) { g++; if (n[k] > m) m = n[k] };
		      h = 0; for (x in all) h++; print m, g, h }" "$WT_DIR/spread.$2"
}

# Affinity single: every port of one client goes to one host. Class C: every
# client of one /24 goes to one host (the client has addresses in 8 more /24s,
# routed back through it).
test_cluster_affinity()
{
	local i j h srcs=() r max groups hosts
	cluster_up 3
	for i in 1 2 3 4 5 6 7 8; do
		for j in 1 2 3 4; do echo "addr add 198.19.$i.$j/24 dev eth0"; done
	done | ip -n "$(ns c)" -batch - || fail "client addresses in 198.19.0.0/16"
	for i in 1 2 3 4 5 6 7 8; do
		for j in 1 2 3 4; do srcs+=(--src "198.19.$i.$j"); done
	done
	for h in h1 h2 h3; do
		ip -n "$(ns "$h")" route add 198.19.0.0/16 via "$CLIENT_IP4" ||
			fail "route to 198.19.0.0/16 on $h"
	done

	spread single "$PORT_SINGLE" 50 4 21000
	expect_exactly_once
	# shellcheck disable=SC2016 # an awk expression
	read -r max groups hosts < <(_hosts_per '$1' single)
	log "affinity single: $groups clients, at most $max host(s) per client, $hosts hosts in all"
	expect_eq "$max" 1 "hosts serving one client (affinity single)"
	expect_eq "$hosts" 3 "hosts serving the 50 clients (affinity single)"

	spread classc "$PORT_CLASSC" 10 2 22000 "${srcs[@]}"
	expect_exactly_once
	# shellcheck disable=SC2016 # an awk expression: the address without its last byte
	r='substr($1, 1, match($1, /\.[0-9]+$/) - 1)'
	read -r max groups hosts < <(_hosts_per "$r" classc)
	log "affinity class C: $groups /24s, at most $max host(s) per /24, $hosts hosts in all"
	expect_eq "$groups" 9 "client /24s"
	expect_eq "$max" 1 "hosts serving one /24 (affinity class C)"
	[ "$hosts" -ge 2 ] || fail "all 9 /24s went to one host"
}

# _moved BEFORE AFTER [EXCEPT]: how many flows of spread BEFORE spread AFTER
# answered from another host (but not from host EXCEPT), and "TO,TO," the
# hosts they moved to ("-" for none).
_moved()
{
	awk -v x="${3:-}" '$1 == "summary" { next }
		NR == FNR { h[$1 " " $2] = $3; next }
		($1 " " $2) in h && h[$1 " " $2] != $3 && $3 != x { m++; to[$3] = 1 }
		END { s = ""; for (t in to) s = s t ","; print m + 0, (s == "" ? "-" : s) }' \
		"$WT_DIR/spread.$1" "$WT_DIR/spread.$2"
}

# kill -9 of h2's wlbsd and its server: new connections in h2's buckets are
# served by another host within a bound (detection T*K = 500 ms plus
# convergence); h1's and h3's flows do not move.
test_cluster_failover()
{
	local t0 ms tuples=() f moved to
	cluster_up 3
	spread before "$PORT_ID" 50 4 23000
	expect_exactly_once
	for f in $(spread_flows before h2 6); do tuples+=(--tuple "$f"); done
	[ "${#tuples[@]}" -ge 6 ] || fail "no flow of h2 to probe"

	t0=$(now_ms)
	kill -KILL "$(wlbsd_pid h2)"
	kill_server h2
	client probe-until --want ok --deadline 5 --dst "$CLUSTER_IP4" --port "$PORT_ID" \
		--timeout 0.2 --interval 0.02 "${tuples[@]}" >"$WT_DIR/probe.out"
	ms=$(($(now_ms) - t0))
	log "probe: $(cat "$WT_DIR/probe.out")"
	grep -q '^elapsed=.* result=h[13]$' "$WT_DIR/probe.out" ||
		fail "h2's flows not served by another host within 5 s"
	echo "failover: $ms ms (heartbeat ${HB_PERIOD_MS:-100} ms x ${HB_TOLERANCE:-5})"
	[ "$ms" -le 2000 ] || fail "failover took $ms ms (> 2000 ms)"

	cluster_wait_converged 5 h1 h3
	spread after "$PORT_ID" 50 4 23000
	expect_exactly_once
	expect_eq "$(spread_val h2)" 0 "connections answered by the dead h2"
	read -r moved to < <(awk '$3 != "h2"' "$WT_DIR/spread.before" >"$WT_DIR/spread.b13" &&
		_moved b13 after)
	log "flows of h1/h3 that moved after h2 left: $moved ($to)"
	expect_eq "$moved" 0 "flows of surviving hosts moved by the failover"

	cluster_server_start h2
	wlbsd_start h2
	cluster_wait_converged 10 h1 h2 h3
	spread back "$PORT_ID" 50 4 23000
	expect_exactly_once
	expect_share h2 0.3333
}

# A fourth host joins a converged cluster of three: before, it serves nothing;
# after convergence it answers about a quarter of new connections, and the
# flows that moved all moved to it.
test_cluster_join()
{
	local moved to other to2 t0
	cluster_topo 4
	cluster_start 20 h1 h2 h3
	spread before "$PORT_ID" 50 8 24000
	expect_exactly_once
	expect_eq "$(spread_val h4)" 0 "connections answered by h4 before it joined"

	t0=$(now_ms)
	wlbsd_launch h4
	wlbsd_wait h4 10
	cluster_wait_converged 10 h1 h2 h3 h4
	log "h4 joined: converged $(($(now_ms) - t0)) ms after its start"
	spread after "$PORT_ID" 50 8 24000
	expect_exactly_once
	expect_share h4 0.25
	expect_share h1 0.25
	read -r moved to < <(_moved before after)
	read -r other to2 < <(_moved before after h4)
	log "flows moved by the join: $moved of $(spread_val total) (to $to; not to h4: $other)"
	# Close to the minimum (DESIGN.md s. 6): the flows h4 now serves, and
	# at most 3 % of all between the old hosts.
	[ "$other" -le $(($(spread_val total) * 3 / 100)) ] ||
		fail "$other flows moved between the old hosts (to $to2)"
}

# Established connections transferring data (a paced, checked byte pattern)
# survive a drainstop of their host, a stop of another host and a join, and
# complete byte-exact; the draining host then stops by itself.
test_cluster_transfers()
{
	local f n i bytes=1048576 rate=131072 name names=() hosts
	cluster_topo 4
	cluster_start 20 h1 h2 h3
	spread pick "$PORT_ID" 50 2 25000
	expect_exactly_once
	i=0
	for f in $(spread_flows pick h1 2) $(spread_flows pick h2 2); do
		i=$((i + 1))
		pattern_start "p$i" "${f%:*}" "${f##*:}" "$bytes" "$rate"
		names+=("p$i")
	done
	[ "$i" -eq 4 ] || fail "not enough flows of h1 and h2"
	hosts=$(for name in "${names[@]}"; do awk '{ print $1 }' "$WT_DIR/pattern.$name"; done |
		paste -sd' ')
	expect_eq "$hosts" "h1 h1 h2 h2" "hosts serving the transfers"

	sleep 1
	wlbs h1 drainstop
	expect_eq "$WLBS_RC" 0 "exit status of drainstop on h1"
	expect_state h1 draining
	sleep 1
	wlbs h3 stop
	expect_eq "$WLBS_RC" 0 "exit status of stop on h3"
	sleep 1
	wlbsd_launch h4
	wlbsd_wait h4 10
	cluster_wait_converged 10 h2 h4
	log "transfers after drainstop h1, stop h3, join h4: $(for name in "${names[@]}"; do
		printf '%s[%s] ' "$name" "$(pattern_status "$name")"; done)"

	for name in "${names[@]}"; do
		pattern_wait "$name" 20
		log "transfer $name: $(pattern_status "$name") (exit $PATTERN_RC)"
		[ "$PATTERN_RC" -eq 0 ] || fail "transfer $name: $(pattern_status "$name")"
		n=$(awk '{ print $2 }' "$WT_DIR/pattern.$name")
		expect_eq "$n" "$bytes" "bytes received by transfer $name (content checked)"
	done

	for ((i = 0; i < 30; i++)); do
		[ "$(wlbs_state h1)" = stopped ] && break
		sleep 0.1
	done
	expect_state h1 stopped
	spread after "$PORT_ID" 50 2 25000
	expect_exactly_once
	expect_eq "$(($(spread_val h2) + $(spread_val h4)))" "$(spread_val total)" \
		"connections answered by h2 and h4 (h1 and h3 stopped)"
}

# The seed's sequence on a real cluster: drainstop h2 with a connection open ->
# draining with 1 connection -> drainstop again: already (exit 3) -> new
# connections go to h1 and h3 only -> stop -> stopped (not "already").
test_cluster_drainstop_sequence()
{
	local f t0 ms tuples=()
	cluster_up 3
	spread pick "$PORT_ID" 50 2 26000
	expect_exactly_once
	f=$(spread_flows pick h2 1)
	[ -n "$f" ] || fail "no flow of h2"
	for t0 in $(spread_flows pick h2 7 | tail -n +2); do tuples+=(--tuple "$t0"); done
	pattern_start s2 "${f%:*}" "${f##*:}" 4194304 65536
	expect_match "$(pattern_status s2)" "^h2 " "host of the open connection"

	t0=$(now_ms)
	wlbs h2 drainstop
	expect_eq "$WLBS_RC" 0 "exit status of drainstop"
	expect_state h2 draining
	wlbs h2 query
	expect_match "$WLBS_OUT" "\\b1 connection" "query while draining (held connections)"
	wlbs h2 query --json
	expect_match "$WLBS_OUT" '"connections": *1\b' "query --json while draining"

	wlbs h2 drainstop
	expect_eq "$WLBS_RC" 3 "exit status of a second drainstop"
	expect_match "$WLBS_OUT" "already" "second drainstop message"
	expect_state h2 draining

	# h2 stays in the view (draining); its buckets go to h1 and h3.
	client probe-until --want ok --deadline 3 --dst "$CLUSTER_IP4" --port "$PORT_ID" \
		--timeout 0.2 --interval 0.02 "${tuples[@]}" >"$WT_DIR/probe.out"
	ms=$(($(now_ms) - t0))
	log "probe: $(cat "$WT_DIR/probe.out")"
	grep -q '^elapsed=.* result=h[13]$' "$WT_DIR/probe.out" ||
		fail "h2's flows not served by another host within 3 s of the drainstop"
	log "new connections of h2's buckets served by h1/h3 $ms ms after the drainstop"
	spread after "$PORT_ID" 50 2 26000
	expect_exactly_once
	expect_eq "$(spread_val h2)" 0 "new connections answered by the draining h2"
	f=$(awk '{ print $2 }' "$WT_DIR/pattern.s2")
	sleep 0.5
	[ "$(awk '{ print $2 }' "$WT_DIR/pattern.s2")" -gt "$f" ] ||
		fail "the draining host's connection stalled: $(pattern_status s2)"
	log "ok: the draining host's connection flows: $(pattern_status s2)"

	wlbs h2 stop
	expect_eq "$WLBS_RC" 0 "exit status of stop while draining"
	expect_match "$WLBS_OUT" "stopped" "stop message while draining"
	expect_nomatch "$WLBS_OUT" "already" "stop message while draining"
	expect_state h2 stopped
}
