# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Health checks, cluster side: a host whose service dies steps out of the
# rule the check guards (and back in after rise), within the failover bound
# interval x fall + timeout plus convergence; established connections
# finish; other rules do not move; when every host's check fails,
# min_serving hosts keep serving and say so; manual commands win over a
# check of action stop. Sourced by run.sh.

PORT_OTHER=7300  # rule "other", served by a second server no check looks at
PORT_HEALTH=7500 # a separate health endpoint (dedicated IP, no rule covers it)

# Convergence allowance on top of interval x fall + timeout: the heartbeat
# that says "unhealthy" and the release-then-acquire round trip (T = 100 ms
# here), plus the probe's own polling step.
HC_SLACK_MS=600

# hc_conf HOST PORT: HOST's config with rule "other" and a tcp check of PORT
# guarding rule "test" (HC_INTERVAL, HC_TIMEOUT, HC_FALL, HC_RISE, HC_ACTION).
hc_conf()
{
	local f
	host_conf "$1"
	f=$(conf_path "$1")
	cat >>"$f" <<EOF

[rule other]
ports = 7300-7399
protocol = tcp
affinity = none

[check web]
type = tcp
port = $2
rules = test
interval_ms = ${HC_INTERVAL:-500}
timeout_ms = ${HC_TIMEOUT:-400}
fall = ${HC_FALL:-3}
rise = ${HC_RISE:-2}
action = ${HC_ACTION:-drain}
EOF
}

# hc_aux_server HOST NAME PORT: another id server on HOST (its own pid file
# $WT_DIR/HOST/NAME.pid), so killing it leaves the main server alone.
hc_aux_server()
{
	local h=$1 ready=$WT_DIR/$1/$2.ready pid i
	rm -f "$ready"
	ip netns exec "$(ns "$h")" "$PY" "$WT_SRC/server.py" --id "$h" --port "$3" \
		--stream-port "$(($3 + 1))" --ready "$ready" >"$WT_DIR/$h/$2.log" 2>&1 &
	pid=$!
	echo "$pid" >"$WT_DIR/$h/$2.pid"
	wt_track "$pid" "$2-$h"
	for ((i = 0; i < 50; i++)); do
		[ -s "$ready" ] && return 0
		sleep 0.1
	done
	fail "$2 server on $h not listening"
}

hc_aux_kill()
{
	local pid
	pid=$(cat "$WT_DIR/$1/$2.pid")
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	log "$2 server on $1 killed"
}

# hc_cluster N CHECK_PORT: N hosts, main and "other" servers, health servers
# on PORT_HEALTH, daemons converged and every check healthy.
hc_cluster()
{
	local n=$1 i hosts=()
	topo_up "$n"
	for ((i = 1; i <= n; i++)); do
		hc_conf "h$i" "$2"
		[ -n "${HC_AFFINITY:-}" ] && sed -i "0,/^affinity = none$/s//affinity = $HC_AFFINITY/" \
			"$(conf_path "h$i")"
		server_start "h$i"
		hc_aux_server "h$i" other "$PORT_OTHER"
		hc_aux_server "h$i" health "$PORT_HEALTH"
		hosts+=("h$i")
	done
	cluster_start 20 "${hosts[@]}"
	for h in "${hosts[@]}"; do hc_wait_check "$h" true 10; done
	cluster_wait_converged 10 "${hosts[@]}"
}

# hc_wait_check HOST true|false SECONDS: until HOST's check "web" is (un)healthy.
hc_wait_check()
{
	local i out
	for ((i = 0; i < $3 * 20; i++)); do
		out=$(timeout 5 "$WLBS" query --json --socket "$(sock_path "$1")" 2>/dev/null)
		grep -q "\"healthy\":$2" <<<"$out" && return 0
		sleep 0.05
	done
	fail "check on $1 not healthy=$2 after $3 s: $out"
}

# hc_wait_state HOST STATE SECONDS
hc_wait_state()
{
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(wlbs_state "$1")" = "$2" ] && { log "ok: $1 state is $2"; return 0; }
		sleep 0.1
	done
	wlbs "$1" query
	fail "$1 not $2 after $3 s"
}

# A flow (SRC:PORT) of rule "test" that HOST serves now.
hc_flow_of()
{
	spread "flows" "$PORT_ID" 30 1 21000
	FLOW=$(spread_flows flows "$1" 1)
	[ -n "$FLOW" ] || fail "no flow of $1 among 30"
}

# hc_failover: h2's service dies; its share of rule "test" goes to h1/h3 within
# interval x fall + timeout (+ convergence); rule "other" stays where it was;
# the service back, h2 takes its share again after rise.
hc_failover()
{
	local bound back_bound
	hc_cluster 3 "$PORT_ID"
	hc_flow_of h2
	kill_server h2
	hc_probe_flow ok "" 15
	bound=$((HC_INTERVAL * HC_FALL + HC_TIMEOUT))
	log "FAILOVER interval ${HC_INTERVAL} ms x fall ${HC_FALL} + timeout ${HC_TIMEOUT} ms" \
		"= ${bound} ms (+${HC_SLACK_MS} ms convergence allowance): measured ${PROBE_MS} ms"
	echo "failover ${HC_INTERVAL}x${HC_FALL}+${HC_TIMEOUT}: ${PROBE_MS} ms (bound ${bound} + ${HC_SLACK_MS})"
	[ "$PROBE_MS" -le $((bound + HC_SLACK_MS)) ] ||
		fail "failover took ${PROBE_MS} ms, bound ${bound} + ${HC_SLACK_MS} ms"
	wlbs h2 query
	expect_match "$WLBS_OUT" "Check web failing: .*rules: test" "h2's query names the check"

	spread after "$PORT_ID" 30 1 22000
	expect_exactly_once
	expect_eq "$(spread_val h2)" 0 "new connections of rule test answered by h2"
	spread other "$PORT_OTHER" 30 1 23000
	expect_exactly_once
	[ "$(spread_val h2)" -gt 0 ] || fail "h2 lost rule other too: $SPREAD"

	# Timed from when the server says it listens: the check may see it a little
	# earlier, so this is at most the real time back.
	server_start h2
	hc_probe_flow ok h2 15
	back_bound=$((HC_INTERVAL * HC_RISE + HC_TIMEOUT))
	echo "back in service after rise ${HC_RISE}: <= ${PROBE_MS} ms (bound ${back_bound} + ${HC_SLACK_MS})"
	[ "$PROBE_MS" -le $((back_bound + HC_SLACK_MS)) ] ||
		fail "h2 back after ${PROBE_MS} ms, bound ${back_bound} + ${HC_SLACK_MS} ms"
}

# hc_probe_flow ok HOST|"" DEADLINE: until FLOW is answered (by HOST if given); PROBE_MS.
hc_probe_flow()
{
	local out
	out=$(client probe-until --want "$1" ${2:+--host "$2"} --deadline "$3" \
		--dst "$CLUSTER_IP4" --port "$PORT_ID" --timeout 0.2 --interval 0.02 \
		--tuple "$FLOW")
	PROBE_RC=$?
	PROBE_MS=$(sed -n 's/.*elapsed=\([0-9.]*\).*/\1/p' <<<"$out" | awk '{ printf "%d", $1 * 1000 }')
	log "probe $FLOW until ${2:-any host}: $out (exit $PROBE_RC)"
	[ "$PROBE_RC" -eq 0 ] || fail "flow $FLOW: $out"
}

# netns: serial
test_health_failover_defaults()
{
	HC_INTERVAL=500 HC_TIMEOUT=400 HC_FALL=3 HC_RISE=2
	hc_failover
}

# netns: serial
test_health_failover_aggressive()
{
	HC_INTERVAL=100 HC_TIMEOUT=80 HC_FALL=2 HC_RISE=2
	hc_failover
}

# The check fails while the service still holds a connection: it goes on
# (drain), new connections from that client go to the others.
test_health_drain_keeps_established()
{
	local src got i
	HC_INTERVAL=100 HC_TIMEOUT=80 HC_FALL=2 HC_RISE=2 HC_AFFINITY=single
	hc_cluster 3 "$PORT_HEALTH"
	hc_flow_of h2
	src=${FLOW%%:*}
	stream_start held "$src"
	expect_match "$(stream_status held)" "^h2 " "the held stream's server"
	hc_aux_kill h2 health
	hc_wait_check h2 false 5
	# New connections from the same client (affinity single: same bucket) go elsewhere.
	for ((i = 0; i < 20; i++)); do
		got=$(connect_one "$src")
		[[ $got == h[13] ]] && break
		sleep 0.1
	done
	expect_match "$got" "^h[13]$" "a new connection from $src after h2's check failed"
	expect_flowing held
	expect_match "$(stream_status held)" "^h2 [0-9]+ open" "the held stream after the step-out"
	stream_stop held
}

# Every host's check fails (the backend they share is down): min_serving 1
# keeps h1 serving the whole rule, and it says so; the others step out.
test_health_min_serving_keeps_last_host()
{
	local h
	HC_INTERVAL=100 HC_TIMEOUT=80 HC_FALL=2 HC_RISE=2
	hc_cluster 3 "$PORT_HEALTH"
	for h in h1 h2 h3; do hc_aux_kill "$h" health; done
	for h in h1 h2 h3; do hc_wait_check "$h" false 5; done
	sleep 0.5
	spread all_down "$PORT_ID" 30 1 25000
	expect_exactly_once
	expect_eq "$(spread_val h1)" "$(spread_val total)" "connections h1 answers (min_serving 1)"
	wlbs h1 query
	expect_match "$WLBS_OUT" "keeping rule\(s\) test served: min_serving 1" "h1's query"
	wlbs h1 query --json
	expect_match "$WLBS_OUT" '"serving_anyway":true' "h1's query --json"
	"$PY" "$WT_SRC/../check-answer.py" "$WT_SRC/../../docs/wlbs-answer.schema.json" \
		<<<"$WLBS_OUT" || fail "h1's query --json does not match the answer schema"
	wlbs h1 display --json
	"$PY" "$WT_SRC/../check-answer.py" "$WT_SRC/../../docs/wlbs-answer.schema.json" \
		<<<"$WLBS_OUT" || fail "h1's display --json does not match the answer schema"
	wlbs h2 query --json
	expect_match "$WLBS_OUT" '"serving_anyway":false' "h2's query --json"
	wlbs h1 display
	expect_match "$WLBS_OUT" "\[serving-anyway\]" "h1's events"
	wlbs h1 stats --openmetrics
	expect_match "$WLBS_OUT" 'wlbs_check_serving_anyway\{check="web"\} 1' "h1's metrics"
	# One host's backend back: it serves, h1 steps out.
	hc_aux_server h3 health "$PORT_HEALTH"
	hc_wait_check h3 true 5
	sleep 0.5
	spread one_back "$PORT_ID" 30 1 26000
	expect_exactly_once
	expect_eq "$(spread_val h3)" "$(spread_val total)" "connections h3 answers"
}

# A check of action stop: the host drains and stops, and starts when the
# check passes; an operator's start while it fails waits (or --force); an
# operator's stop sticks when the check recovers.
test_health_stop_and_operator()
{
	HC_INTERVAL=100 HC_TIMEOUT=80 HC_FALL=2 HC_RISE=2 HC_ACTION=stop
	hc_cluster 2 "$PORT_HEALTH"
	hc_aux_kill h2 health
	hc_wait_state h2 stopped 5
	wlbs h2 query
	expect_match "$WLBS_OUT" "Taken out by a failing health check \(check web" "h2's query"
	wlbs h2 start --json
	expect_eq "$WLBS_RC" 1 "exit status of start while the check fails"
	"$PY" "$WT_SRC/../check-answer.py" "$WT_SRC/../../docs/wlbs-answer.schema.json" \
		<<<"$WLBS_OUT" || fail "start's answer does not match the answer schema"
	expect_match "$WLBS_OUT" '"code":"WLBS_CHECK_FAILING"' "start's code"
	expect_match "$WLBS_OUT" '"state":"stopped"' "the state after start"
	hc_aux_server h2 health "$PORT_HEALTH"
	cluster_wait_converged 5 h1 h2

	wlbs h2 stop
	hc_aux_kill h2 health
	hc_wait_check h2 false 5
	hc_aux_server h2 health "$PORT_HEALTH"
	hc_wait_check h2 true 5
	sleep 0.5
	expect_eq "$(wlbs_state h2)" stopped "h2 after the operator's stop and the check's recovery"

	hc_aux_kill h2 health
	hc_wait_check h2 false 5
	wlbs h2 start --force
	expect_eq "$WLBS_RC" 0 "exit status of start --force"
	cluster_wait_converged 5 h1 h2
}
