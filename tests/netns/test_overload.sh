# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# After an overload the cluster re-forms within the documented bound (issue 15).
# Sourced by run.sh; `make check-overload` runs it 10 times in a row.

# The fastest timing the configuration accepts (heartbeat_period_ms >= 10,
# heartbeat_tolerance >= 2), and the load: for OVL_SECONDS, two frame floods
# (TCP SYNs to the cluster MAC, flooded to every host) and a CPU hog in
# bursts: `stress-ng --cpu 2` busy OVL_BURST_MS at a time, half of the time,
# at a real-time priority above the heartbeat thread's (10). Each burst
# stalls every process of the machine, as a stalled VM or a flood's softirqs
# do: every host sees every other time out, many times.
OVL_PERIOD_MS=10
OVL_TOLERANCE=2
OVL_SECONDS=${OVL_SECONDS:-8}
OVL_BURST_MS=${OVL_BURST_MS:-100}

# _ovl_bound_ms: T*K + 4T + H (docs/convergence.md, "Damping"), H the first
# hold-down: 8 timeouts (T*K + T/2), at least 1 s.
_ovl_bound_ms()
{
	local t=$OVL_PERIOD_MS k=$OVL_TOLERANCE h
	h=$((8 * (t * k + t / 2)))
	[ "$h" -ge 1000 ] || h=1000
	echo $((t * k + 4 * t + h))
}

# _ovl_all_converged: every host answers converged with members [1,2,3].
_ovl_all_converged()
{
	local h
	for h in h1 h2 h3; do
		cluster_query "$h"
		[ "$Q_STATE" = converged ] && [ "$Q_MEMBERS" = 1,2,3 ] || return 1
	done
}

# Three hosts at 10 ms x 2, converged; a few seconds of CPU hog and frame
# flood (the cluster breaks up, as it may under that load); then quiet: every
# host converged with all three members within T*K + 4T + H of the load's
# end, and still so a second later. The time it took is printed; polling
# three hosts and the load's last frames take some ms, hence the margin.
# Before the fix of issue 15 it took up to 3.8 s (holds doubled by the
# flaps of the load); with it, 8..15 ms when nothing was held, about 1 s
# when a leave of a peer's own did count.
# netns: loop
# netns: serial
test_overload_quiet_reforms()
{
	local bound margin=200 t0 elapsed h n changes=0 pids=() i
	local -A before=()
	command -v stress-ng >/dev/null || fail "stress-ng missing (make deps)"
	HB_PERIOD_MS=$OVL_PERIOD_MS HB_TOLERANCE=$OVL_TOLERANCE cluster_topo 3
	cluster_start 20 h1 h2 h3
	sleep 1 # the last gains and their log lines
	for h in h1 h2 h3; do before[$h]=$(grep -c 'membership: ' "$(wlbsd_log "$h")"); done
	bound=$(_ovl_bound_ms)
	log "load: ${OVL_SECONDS}s of two SYN floods to the cluster MAC and stress-ng --cpu 2" \
		"in real-time bursts of ${OVL_BURST_MS} ms"
	in_ns c stress-ng --cpu 2 --cpu-load 50 --cpu-load-slice "$OVL_BURST_MS" \
		--sched fifo --sched-prio 20 --timeout "${OVL_SECONDS}s" --quiet &
	pids+=($!)
	wt_track "$!" stress-ng
	for i in 1 2; do
		# shellcheck disable=SC2046 # one --src per address
		in_ns c timeout $((OVL_SECONDS + 5)) "$PY" "$WT_SRC/flood.py" \
			--dst-mac "$CLUSTER_MAC" --dst "$CLUSTER_IP4" --duration "$OVL_SECONDS" \
			$(src_opts 20) >"$WT_DIR/flood.$i" 2>&1 &
		pids+=($!)
		wt_track "$!" "flood-$i"
	done
	for i in "${pids[@]}"; do wait "$i" 2>/dev/null; done
	t0=$(now_ms)
	log "quiet: $(cat "$WT_DIR"/flood.* | tr '\n' ';') bound $bound ms"
	while :; do
		elapsed=$(($(now_ms) - t0))
		_ovl_all_converged && break
		if [ "$elapsed" -gt $((bound + margin + 5000)) ]; then
			for h in h1 h2 h3; do
				cluster_query "$h"
				echo "  $h: $Q_STATE members [$Q_MEMBERS]"
				timeout 5 "$WLBS" display --socket "$(sock_path "$h")" 2>&1 | head -n 12
			done
			fail "not re-formed ${elapsed} ms after the load ended"
		fi
	done
	for h in h1 h2 h3; do
		n=$(grep -c 'membership: ' "$(wlbsd_log "$h")")
		changes=$((changes + n - before[$h]))
	done
	echo "overload: re-formed ${elapsed} ms after the load ended (bound $bound + ${margin} ms" \
		"polling), $changes membership changes"
	[ "$elapsed" -le $((bound + margin)) ] ||
		fail "re-formed after ${elapsed} ms, bound T*K+4T+H = $bound ms (+${margin} ms polling)"
	sleep 1
	_ovl_all_converged || fail "split again a second after re-forming: $Q_STATE [$Q_MEMBERS]"
	log "ok: re-formed in ${elapsed} ms, still whole 1 s later"
}
