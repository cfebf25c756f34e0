# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Heartbeats go where NLB sends them (multicast, igmp: the cluster MAC;
# unicast: broadcast), every mode still converges, and under a busy CPU the
# fastest documented timing changes no membership. Sourced by run.sh.

# _hb_cluster MODE: three hosts in MODE, started and converged.
_hb_cluster()
{
	local i
	cluster_topo 3
	for ((i = 1; i <= 3; i++)); do
		sed -i "s/^mode = multicast$/mode = $1/" "$(conf_path "h$i")"
	done
	cluster_start 20 h1 h2 h3
}

# _hb_expect_dst WANT: every heartbeat the client sees (1 s) goes to WANT, and
# it sees all three hosts.
_hb_expect_dst()
{
	local out
	out=$(in_ns c "$PY" "$WT_SRC/hbcap.py" --duration 1) || fail "no heartbeat captured"
	log "capture: $(tr '\n' ';' <<<"$out")"
	expect_eq "$(grep -c '^dst ' <<<"$out")" 1 "destination MACs of heartbeats"
	expect_match "$out" "^dst $1 [0-9]+" "heartbeat destination MAC"
	expect_eq "$(grep -c '^host ' <<<"$out")" 3 "hosts heard by the client"
}

test_hb_dst_multicast()
{
	_hb_cluster multicast
	_hb_expect_dst "$CLUSTER_MAC"
}

test_hb_dst_igmp()
{
	_hb_cluster igmp
	_hb_expect_dst 01:00:5e:7f:00:64
}

test_hb_dst_unicast()
{
	_hb_cluster unicast
	_hb_expect_dst ff:ff:ff:ff:ff:ff
}

# Heartbeat timing of the test (period ms x tolerance): the documented fastest
# one, 20 ms x 6 (docs/convergence.md); `make check-timing` soaks it for 10
# minutes. HB_FAST_PERIOD_MS=10 HB_FAST_TOLERANCE=3 shows the difference the
# heartbeat thread makes in 20 s (the main-loop sender fails it).
HB_FAST_PERIOD_MS=${HB_FAST_PERIOD_MS:-20}
HB_FAST_TOLERANCE=${HB_FAST_TOLERANCE:-6}

# _membership_changes HOST: "membership:" lines in HOST's log so far.
_membership_changes() { grep -c 'membership: ' "$(wlbsd_log "$1")"; }

# _hb_control_load SECONDS: `wlbs display` on every host, back to back.
_hb_control_load()
{
	local end=$(($(now_ms) + $1 * 1000)) h
	while [ "$(now_ms)" -lt "$end" ]; do
		for h in h1 h2 h3; do
			timeout 5 "$WLBS" display --socket "$(sock_path "$h")" >/dev/null 2>&1
		done
	done
}

# Three hosts at the fastest documented timing, converged, then
# HB_SOAK_SECONDS (default 20) of `stress-ng --cpu 2` and back-to-back
# control requests (`wlbs display`) on every host: no host changes its
# membership, and the client's capture says how regular the heartbeats were.
# `make check-timing` runs it for 10 minutes.
# netns: serial
test_hb_timing_under_load()
{
	local secs=${HB_SOAK_SECONDS:-20} h before=() i=0 n out pid
	command -v stress-ng >/dev/null || fail "stress-ng missing (make deps)"
	HB_PERIOD_MS=$HB_FAST_PERIOD_MS HB_TOLERANCE=$HB_FAST_TOLERANCE cluster_topo 3
	cluster_start 20 h1 h2 h3
	sleep 1 # the last gains and their log lines
	for h in h1 h2 h3; do before+=("$(_membership_changes "$h")"); done
	in_ns c stress-ng --cpu 2 --timeout "${secs}s" --quiet &
	pid=$!
	wt_track "$pid" stress-ng
	# Control requests keep every daemon's main loop busy too.
	_hb_control_load "$secs" &
	wt_track "$!" control-load
	log "stress-ng --cpu 2 for ${secs}s, heartbeat ${HB_FAST_PERIOD_MS} ms x $HB_FAST_TOLERANCE"
	out=$(in_ns c "$PY" "$WT_SRC/hbcap.py" --duration "$secs") || fail "no heartbeat captured"
	wait "$pid" 2>/dev/null
	log "inter-arrival at the client (ms): $(tr '\n' ';' <<<"$out")"
	echo "heartbeats under load: $(grep '^total' <<<"$out")"
	for h in h1 h2 h3; do
		n=$(($(_membership_changes "$h") - before[i]))
		i=$((i + 1))
		[ "$n" -eq 0 ] || {
			grep -v "^<7>" "$(wlbsd_log "$h")" | tail -n 12
			fail "$h changed its membership $n time(s) under load"
		}
	done
	log "ok: no membership change on any host in ${secs}s under load"
	cluster_wait_converged 5 h1 h2 h3
}
