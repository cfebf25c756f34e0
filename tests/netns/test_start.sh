# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# A failed start leaves nothing behind and never signals readiness; what can be
# known locally (not Ethernet, dedicated IP not on the interface) is refused by
# --check-config, start and reload alike. Sourced by run.sh.

# wlbsd_once HOST [ARGS]: runs HOST's wlbsd in the foreground (15 s at most)
# with a notify socket of ours. Sets START_RC, START_OUT and START_NOTIFY (what
# it sent to the service manager, e.g. "READY=1").
wlbsd_once()
{
	local h=$1 d=$WT_DIR/$1
	shift
	rm -f "$d/notify.sock"
	# shellcheck disable=SC2016 # python, not shell
	START_NOTIFY=$(ip netns exec "$(ns "$h")" "$PY" -c '
import os, socket, subprocess, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
env = dict(os.environ, NOTIFY_SOCKET=sys.argv[1])
with open(sys.argv[2], "w") as out:
    try:
        rc = subprocess.run(sys.argv[3:], env=env, stdout=out, stderr=subprocess.STDOUT,
                            timeout=15).returncode
    except subprocess.TimeoutExpired:
        rc = 124
s.setblocking(False)
msgs = []
while True:
    try:
        msgs.append(s.recv(4096).decode().replace("\n", " "))
    except BlockingIOError:
        break
print(" | ".join(msgs))
sys.exit(rc)' "$d/notify.sock" "$d/once.log" "$WLBSD" -c "$d/wlbs.conf" --bpffs "$d/bpffs" \
		--state-dir "$d/state" --socket "$d/run/wlbsd.sock" "$@")
	START_RC=$?
	START_OUT=$(cat "$d/once.log")
	log "wlbsd on $h -> exit $START_RC: $(tail -n 3 <<<"$START_OUT" | tr '\n' ' ')"
	log "notifications: $START_NOTIFY"
}

# expect_failed_start WHAT REGEX: the last wlbsd_once failed, said REGEX, never READY=1.
expect_failed_start()
{
	[ "$START_RC" -ne 0 ] && [ "$START_RC" -ne 124 ] ||
		fail "$1: wlbsd exit status $START_RC (expected a failure)"
	log "ok: $1: exit status $START_RC"
	expect_match "$START_OUT" "$2" "$1: wlbsd's message"
	expect_nomatch "$START_NOTIFY" "READY=1" "$1: notifications"
}

# check_config HOST: wlbsd --check-config on HOST's config; sets CHECK_RC, CHECK_OUT.
check_config()
{
	CHECK_OUT=$(in_ns "$1" timeout 10 "$WLBSD" --check-config -c "$(conf_path "$1")" 2>&1)
	CHECK_RC=$?
	log "wlbsd --check-config on $1 -> exit $CHECK_RC: $CHECK_OUT"
}

# interface = lo: refused by --check-config; a start fails naming lo and why,
# and leaves nothing (today's bug: XDP, tc, pins and sysctls stayed on lo).
test_start_not_ethernet()
{
	topo_up 1
	host_conf h1
	sed -i 's/^interface = eth0$/interface = lo/' "$(conf_path h1)"
	trace_snapshot h1
	check_config h1
	[ "$CHECK_RC" -ne 0 ] || fail "--check-config accepted interface = lo: $CHECK_OUT"
	expect_match "$CHECK_OUT" "interface.*not an Ethernet.*'lo'" "--check-config message"
	wlbsd_once h1
	expect_failed_start "start on lo" "lo.*not an Ethernet"
	expect_no_trace h1 "after the failed start on lo"
}

# A failure after everything was installed (here: the control socket cannot be
# created) undoes all of it: a failed first start leaves nothing.
test_start_failure_undone()
{
	topo_up 1
	host_conf h1
	trace_snapshot h1
	wlbsd_once h1 --socket /proc/wlbs-no-such-dir/wlbsd.sock
	expect_failed_start "start with no control socket" "eth0.*control socket"
	expect_no_trace h1 "after the failed start"
}

# A restart that fails leaves the previous run's fast path: its held
# connections keep flowing, it fails closed for new ones, a later start adopts it.
test_start_failed_restart_fails_closed()
{
	single_host_up
	stream_start s1 198.18.0.201
	wlbsd_kill h1 KILL
	wlbsd_once h1 --socket /proc/wlbs-no-such-dir/wlbsd.sock
	expect_failed_start "restart with no control socket" "eth0.*control socket"
	expect_match "$START_OUT" "previous run.*stays" "failed restart says what it left"
	expect_eq "$(xdp_prog_count h1)" 1 "XDP programs on h1's eth0 after the failed restart"
	expect_flowing s1
	probe_until fail 3
	[ "$PROBE_RC" -eq 0 ] || fail "new connections still served after the failed restart"
	expect_flowing s1
	wlbsd_start h1
	expect_served 198.18.0.210 h1
	expect_flowing s1
}

# A dedicated IP that is not on the interface: --check-config and start refuse
# it (start leaves nothing), a reload refuses it and keeps the running config.
test_start_dedicated_ip_absent()
{
	local conf
	topo_up 1
	host_conf h1
	server_start h1
	conf=$(conf_path h1)
	cp "$conf" "$conf.good"
	sed -i 's|^dedicated_ip = .*|dedicated_ip = 198.18.0.77/24|' "$conf"
	trace_snapshot h1
	check_config h1
	[ "$CHECK_RC" -ne 0 ] || fail "--check-config accepted a dedicated IP not on eth0: $CHECK_OUT"
	expect_match "$CHECK_OUT" "dedicated_ip.*not .*eth0.*198\\.18\\.0\\.77" "--check-config message"
	wlbsd_once h1
	expect_failed_start "start with a dedicated IP not on eth0" "dedicated_ip.*198\\.18\\.0\\.77"
	expect_no_trace h1 "after the refused start"

	cp "$conf.good" "$conf"
	wlbsd_start h1
	expect_served "$CLIENT_IP4" h1
	sed -i 's|^dedicated_ip = .*|dedicated_ip = 198.18.0.77/24|' "$conf"
	wlbs h1 reload
	[ "$WLBS_RC" -ne 0 ] || fail "reload accepted a dedicated IP not on eth0: $WLBS_OUT"
	expect_match "$WLBS_OUT" "dedicated_ip.*198\\.18\\.0\\.77" "reload error"
	wlbs h1 params
	expect_match "$WLBS_OUT" "dedicated ip +198\\.18\\.0\\.1/24" "params after the refused reload"
	expect_nomatch "$WLBS_OUT" "198\\.18\\.0\\.77" "params after the refused reload"
	expect_served 198.18.0.202 h1
}
