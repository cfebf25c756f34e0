# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Health checks on a real host: a tcp check against the host's own server
# notices its death within interval * fall + timeout and its return after
# rise; hanging exec checks that fork leave the heartbeats' timing as it was
# and no process behind, not even a zombie. Sourced by run.sh.

# _hc_wait HOST REGEX SECONDS: milliseconds until a line of HOST's log matches
# (polled every 20 ms); fails after SECONDS.
_hc_wait()
{
	local f t0 i
	f=$(wlbsd_log "$1")
	t0=$(now_ms)
	for ((i = 0; i < $3 * 50; i++)); do
		if grep -qE "$2" "$f"; then
			echo $(($(now_ms) - t0))
			return 0
		fi
		sleep 0.02
	done
	show_log "$1" >&2
	fail "$1: no log line matching '$2' within $3 s"
}

# _hc_query_ms HOST: "median max" milliseconds of 10 `wlbs query` round trips.
_hc_query_ms()
{
	local i t ms=()
	for ((i = 0; i < 10; i++)); do
		t=$(now_ms)
		"$WLBS" query --socket "$(sock_path "$1")" >/dev/null 2>&1
		ms+=($(($(now_ms) - t)))
	done
	printf '%s\n' "${ms[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[6], v[NR] }'
}

_hc_server_kill()
{
	local pid
	pid=$(cat "$WT_DIR/$1/server.pid")
	kill "$pid" && wait "$pid" 2>/dev/null
}

# netns: serial
test_health_tcp_detects_and_recovers()
{
	local ms bound
	topo_up 1
	host_conf h1
	printf '%s\n' '' '[check app]' 'type = tcp' 'rules = test' 'interval_ms = 200' \
		'timeout_ms = 150' 'fall = 3' 'rise = 2' >>"$(conf_path h1)"
	server_start h1
	wlbsd_start h1
	_hc_wait h1 'health check app \(tcp 198\.18\.0\.1:7000\) healthy at its first probe' 5 >/dev/null
	_hc_server_kill h1
	# worst case: the next probe up to one interval away, fall - 1 more, each up to its timeout
	bound=$((200 * 3 + 150 + 100))
	ms=$(_hc_wait h1 'health check app .* unhealthy after 3 failures in a row: connect: Connection refused \(action drain: rule test\)' 5)
	echo "health: server killed -> check-failed after $ms ms (interval 200 x fall 3 + timeout 150 = 750)"
	[ "$ms" -le "$bound" ] || fail "check-failed after $ms ms, more than $bound"
	server_start h1
	ms=$(_hc_wait h1 'health check app .* healthy again' 5)
	echo "health: server back -> check-passed after $ms ms (rise 2 x interval 200)"
	[ "$ms" -le $((200 * 2 + 300)) ] || fail "check-passed after $ms ms"
}

# netns: serial
test_health_hanging_exec_keeps_heartbeats()
{
	local before after pid i n left max z1 z2 q0 q1
	topo_up 1
	host_conf h1
	wlbsd_start h1
	before=$(in_ns c "$PY" "$WT_SRC/hbcap.py" --duration 2 | grep '^host 1') ||
		fail "no heartbeat captured"
	q0=$(_hc_query_ms h1)
	# 32 failing checks: 16 exec that hang with 3 children each (killed every
	# 100 ms), 16 tcp to a closed port every 50 ms.
	for ((i = 0; i < 16; i++)); do
		printf '%s\n' '' "[check hang$i]" 'type = exec' 'shell = yes' \
			"command = sleep 61.$i & sleep 62.$i & sleep 63.$i" 'interval_ms = 100' \
			'timeout_ms = 50' 'fall = 1' >>"$(conf_path h1)"
		printf '%s\n' '' "[check refused$i]" 'type = tcp' 'port = 9' 'interval_ms = 50' \
			'timeout_ms = 40' 'fall = 1' >>"$(conf_path h1)"
	done
	wlbs h1 reload
	[ "$WLBS_RC" -eq 0 ] || fail "reload: $WLBS_OUT"
	# The events of so many are rate-limited (10 a kind per window): look at the processes.
	for ((i = 0; i < 50; i++)); do
		n=$(pgrep -fc 'sleep 6[123]\.[0-9]' || true)
		[ "$n" -gt 0 ] && break
		sleep 0.02
	done
	[ "$n" -gt 0 ] || fail "no exec check running"
	sleep 0.5
	after=$(in_ns c "$PY" "$WT_SRC/hbcap.py" --duration 2 | grep '^host 1') ||
		fail "no heartbeat captured"
	q1=$(_hc_query_ms h1)
	echo "health: heartbeat inter-arrival without checks: $before"
	echo "health: with 32 failing checks (16 hanging exec, 3 children each): $after"
	echo "health: 10 x wlbs query (ms, each a CLI start): before $q0, during the storm $q1"
	max=$(sed -n 's/.* max=\([0-9.]*\).*/\1/p' <<<"$after")
	awk -v m="$max" 'BEGIN { exit !(m <= 150) }' ||
		fail "a heartbeat gap of $max ms under failing checks (period 100)"
	[ "${q1##* }" -le 1000 ] || fail "a query took ${q1##* } ms during the storm"
	# A zombie lives until the loop's next look (10 ms): one seen twice, 300 ms
	# apart, is one nobody reaps.
	pid=$(wlbsd_pid h1)
	z1=$(ps -o pid=,stat= --ppid "$pid" | awk '$2 ~ /^Z/ { print $1 }' | sort)
	sleep 0.3
	z2=$(ps -o pid=,stat= --ppid "$pid" | awk '$2 ~ /^Z/ { print $1 }' | sort)
	n=$(comm -12 <(echo "$z1") <(echo "$z2") | grep -c . || true)
	echo "health: zombies under wlbsd that stay 300 ms while checks run: $n"
	[ "$n" -eq 0 ] || { ps -o pid,stat,args --ppid "$pid"; fail "$n zombie(s) under wlbsd"; }
	wlbsd_kill h1 TERM
	sleep 0.2
	left=$(pgrep -fc 'sleep 6[123]\.[0-9]' || true)
	echo "health: check processes left after wlbsd stopped: $left"
	[ "$left" -eq 0 ] || { pgrep -fa 'sleep 6[123]'; fail "$left check process(es) left"; }
}
