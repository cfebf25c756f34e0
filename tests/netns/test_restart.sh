# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The fast path outlives the daemon: crash, SIGTERM, persisted stop. Sourced by run.sh.

# Checks after a restart: served again, one XDP program, one tc filter.
_after_restart()
{
	probe_until ok 3
	[ "$PROBE_RC" -eq 0 ] || fail "new connections not served within 3 s of the restart"
	expect_served 198.18.0.211 h1
	expect_flowing s1
	expect_eq "$(xdp_prog_count h1)" 1 "XDP programs on h1's eth0 after the restart"
	expect_eq "$(tc_filter_count h1)" 2 "tc filters (ingress + egress) on h1's eth0 after the restart"
	expect_state h1 converged
}

# kill -9: new connections fail within the detection time (100 ms x 5), the
# held one keeps flowing, and a restarted wlbsd adopts the pinned fast path.
test_crash_kill9()
{
	local t0 t1 down_ms
	single_host_up
	stream_start s1 198.18.0.201
	expect_eq "$(xdp_prog_count h1)" 1 "XDP programs on h1's eth0"

	t0=$(now_ms)
	wlbsd_kill h1 KILL
	t1=$(now_ms)
	probe_until fail 3
	[ "$PROBE_RC" -eq 0 ] || fail "new connections not refused (silently) within 3 s of kill -9"
	down_ms=$((t1 - t0 + PROBE_MS))
	log "new connections failed ${down_ms} ms after kill -9"
	[ "$down_ms" -le 2000 ] || fail "fail-closed took ${down_ms} ms (> 2000 ms)"
	expect_unserved 198.18.0.210
	expect_flowing s1
	sleep 0.5
	expect_flowing s1

	wlbsd_start h1
	_after_restart
	if ! grep -qi "adopt" "$(wlbsd_log h1)"; then
		wlbs h1 display
		expect_match "$WLBS_OUT" "adopt" "display after the restart"
	fi
	log "ok: the restarted wlbsd adopted the fast path"
}

# SIGTERM (systemctl restart): leaves at once, held connection flows, served
# again after the restart.
test_sigterm_restart()
{
	single_host_up
	stream_start s1 198.18.0.201
	wlbsd_kill h1 TERM
	expect_eq "$WLBSD_RC" 0 "wlbsd exit status after SIGTERM"
	expect_unserved 198.18.0.202
	expect_flowing s1
	expect_unserved 198.18.0.203
	since=$(date +%s)
	wlbsd_start h1
	_after_restart
	_general_path_reloaded "$since"
}

# _general_path_reloaded T: the pinned array wlbs_xdp tail-calls through holds
# a general path loaded at T or later (this start's, not the one before).
_general_path_reloaded()
{
	local pin id at
	pin=$(find "$WT_DIR/h1/bpffs" -name general)
	[ -n "$pin" ] || fail "no general-path pin under $WT_DIR/h1/bpffs"
	id=$(bpftool -j map dump pinned "$pin" | python3 -c 'import json,sys; v=json.load(sys.stdin)[0]["value"]; print(int.from_bytes(bytes(int(b, 16) for b in v), "little"))')
	at=$(bpftool -j prog show id "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["loaded_at"])')
	log "general path in $pin: program $id, loaded at $at (restart at $1)"
	[ "$at" -ge "$1" ] || fail "the general path is the previous start's (program $id loaded at $at < $1)"
}

# A stop survives a daemon restart (state dir kept); so does the next start.
test_stop_persists()
{
	single_host_up
	wlbs h1 stop
	expect_eq "$WLBS_RC" 0 "exit status of stop"
	wlbsd_restart h1
	expect_state h1 stopped
	expect_unserved 198.18.0.201
	wlbs h1 start
	expect_eq "$WLBS_RC" 0 "exit status of start"
	expect_served 198.18.0.202 h1
	wlbsd_restart h1
	expect_state h1 converged
	expect_served 198.18.0.203 h1
}

# An upgrade across a change of the owner tables' layout (they went from 16 to
# 8 KiB a rule): wlbsd makes them anew instead of refusing the pinned ones,
# and the connections it counted keep flowing.
test_restart_owner_layout_changed()
{
	local pin
	single_host_up
	stream_start s1 198.18.0.201
	wlbsd_kill h1 KILL
	pin=$(find "$WT_DIR/h1/bpffs" -name owners)
	[ -n "$pin" ] || fail "no owners pin under $WT_DIR/h1/bpffs"
	rm "$pin"
	bpftool map create "$pin" type array key 4 value 16384 entries 64 name wlbs_owners \
		flags 1024 || fail "cannot pin an owner table of the old layout"
	wlbsd_start h1
	_after_restart
	grep -q "pinned by a build with another layout" "$(wlbsd_log h1)" ||
		fail "wlbsd did not say it made the owner tables anew"
	[ "$(bpftool -j map show pinned "$pin" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_value"])')" = 8192 ] ||
		fail "the owners pin is not the new layout"
	log "ok: owner tables of another layout made anew, connections kept"
}

# Pinned counts from a build without the connection hint (its pin removed):
# the restarted wlbsd fills every hint slot far from 0, so the held
# connection keeps its socket lookups and flows on.
test_restart_without_hint_pin()
{
	local pin
	single_host_up
	stream_start s1 198.18.0.201
	wlbsd_kill h1 KILL
	pin=$(find "$WT_DIR/h1/bpffs" -name hint)
	[ -n "$pin" ] || fail "no hint pin under $WT_DIR/h1/bpffs"
	rm "$pin"
	wlbsd_start h1
	_after_restart
	[ -e "$pin" ] || fail "the hint map is not pinned again"
	# 2^30 each, give or take the connections opened since.
	bpftool -j map dump pinned "$pin" | python3 -c '
import json, struct, sys
e = json.load(sys.stdin)[0]
if "formatted" in e:
	n = e["formatted"]["value"]["n"]
else:  # created by wlbsd without BTF: the raw bytes
	raw = bytes(int(b, 16) for b in e["value"])
	n = struct.unpack("=%dI" % (len(raw) // 4), raw)
sys.exit(not (len(n) == 65536 and all(abs(v - (1 << 30)) < 64 for v in n)))' ||
		fail "the hint slots are not 2^30"
	grep -q "without the connection hint" "$(wlbsd_log h1)" ||
		fail "wlbsd did not say it filled a fresh hint map"
	log "ok: a fresh hint beside adopted counts starts at 2^30"
}
