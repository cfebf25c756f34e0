# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# What systemd would see of wlbsd, without systemd: a NOTIFY_SOCKET listener
# (notify_sink.py) stands in for it. Sourced by run.sh.

WD_USEC=1000000 # WatchdogSec=1s in these tests: a ping every 500 ms

# notify_up: starts the listener; NOTIFY_LOG is what it heard.
notify_up()
{
	local i pid
	NOTIFY_SOCK=$WT_DIR/notify.sock
	NOTIFY_LOG=$WT_DIR/notify.log
	: >"$NOTIFY_LOG"
	"$PY" "$WT_SRC/notify_sink.py" "$NOTIFY_SOCK" "$NOTIFY_LOG" "$WT_DIR/notify.ready" &
	pid=$!
	wt_track "$pid" notify-sink
	for ((i = 0; i < 50; i++)); do
		[ -s "$WT_DIR/notify.ready" ] && return 0
		sleep 0.1
	done
	fail "notify listener did not bind $NOTIFY_SOCK"
}

# notified_since LINE KEY=VALUE: 0 when a message after log line LINE is exactly that.
notified_since() { tail -n "+$(($1 + 1))" "$NOTIFY_LOG" | cut -d' ' -f2- | grep -qx "$2"; }
notify_lines() { wc -l <"$NOTIFY_LOG"; }
watchdog_pings() { grep -c ' WATCHDOG=1$' "$NOTIFY_LOG"; }

# expect_notified LINE KEY=VALUE: within 3 s of now.
expect_notified()
{
	local i
	for ((i = 0; i < 30; i++)); do
		notified_since "$1" "$2" && { log "ok: notified $2"; return 0; }
		sleep 0.1
	done
	fail "no '$2' after line $1 of the notify log: $(tail -n "+$(($1 + 1))" "$NOTIFY_LOG" |
		grep -v WATCHDOG | tr '\n' '|')"
}

# READY=1 once serving; WATCHDOG=1 every half WATCHDOG_USEC from the event loop;
# RELOADING=1 then READY=1 around a reload, and a refused one also says why
# (STATUS=, ERRNO=) and makes `wlbs reload` (ExecReload=) exit non-zero;
# STOPPING=1 at SIGTERM.
# netns: serial
test_systemd_notify()
{
	local mark n0 n1 conf
	topo_up 1
	host_conf h1
	server_start h1
	notify_up
	NOTIFY_SOCKET=$NOTIFY_SOCK WATCHDOG_USEC=$WD_USEC wlbsd_start h1
	expect_served 198.18.0.201 h1
	expect_notified 0 READY=1

	n0=$(watchdog_pings)
	sleep 3
	n1=$(watchdog_pings)
	log "watchdog: $((n1 - n0)) pings in 3 s"
	if [ $((n1 - n0)) -lt 5 ] || [ $((n1 - n0)) -gt 7 ]; then
		fail "expected 6 +-1 WATCHDOG=1 in 3 s at WATCHDOG_USEC=$WD_USEC, got $((n1 - n0))"
	fi

	mark=$(notify_lines)
	wlbs h1 reload
	expect_eq "$WLBS_RC" 0 "exit status of a good reload"
	expect_notified "$mark" RELOADING=1
	expect_notified "$mark" READY=1
	expect_notified "$mark" "STATUS=configuration reloaded"

	conf=$(conf_path h1)
	cp "$conf" "$conf.good"
	sed -i 's/^ports = 7000-7099/ports = 7099-7000/' "$conf"
	mark=$(notify_lines)
	wlbs h1 reload
	expect_eq "$WLBS_RC" 1 "exit status of wlbs reload (ExecReload=) on a bad file"
	expect_match "$WLBS_OUT" "range ends below its start" "refused reload names the error"
	expect_notified "$mark" RELOADING=1
	expect_notified "$mark" READY=1
	expect_notified "$mark" ERRNO=22
	tail -n "+$((mark + 1))" "$NOTIFY_LOG" | grep -q ' STATUS=reload refused: .*range ends below' ||
		fail "no STATUS= with the reason of the refused reload"
	cp "$conf.good" "$conf"
	expect_served 198.18.0.202 h1

	mark=$(notify_lines)
	wlbsd_kill h1 TERM
	expect_notified "$mark" STOPPING=1
}

# A wedged event loop (SIGSTOP) stops the pings, so systemd would kill and
# restart it; a held connection flows all along (the pinned fast path), and
# the pings resume with the loop.
# netns: serial
test_systemd_watchdog_wedged()
{
	local pid n0 n1
	topo_up 1
	host_conf h1
	server_start h1
	notify_up
	NOTIFY_SOCKET=$NOTIFY_SOCK WATCHDOG_USEC=$WD_USEC wlbsd_start h1
	expect_served 198.18.0.201 h1
	stream_start held 198.18.0.210
	expect_flowing held

	pid=$(wlbsd_pid h1)
	kill -STOP "$pid"
	log "wlbsd stopped (SIGSTOP)"
	sleep 0.2
	n0=$(watchdog_pings)
	expect_flowing held
	sleep 2
	expect_flowing held
	n1=$(watchdog_pings)
	kill -CONT "$pid"
	log "wlbsd continued; pings while stopped: $((n1 - n0))"
	expect_eq "$((n1 - n0))" 0 "WATCHDOG=1 while the event loop was stopped (2.5 s)"

	n0=$(watchdog_pings)
	sleep 1.5
	n1=$(watchdog_pings)
	[ $((n1 - n0)) -ge 2 ] || fail "pings did not resume after SIGCONT: $((n1 - n0)) in 1.5 s"
	expect_flowing held
	stream_stop held
}

# sandbox_caps: the unit's CapabilityBoundingSet= as setpriv --bounding-set takes it.
sandbox_caps()
{
	sed -n 's/^CapabilityBoundingSet=//p' "$WT_DIR/wlbsd.service" | tr 'A-Z ' 'a-z\n' |
		sed -n 's/^cap_/+/p' | paste -sd, | sed 's/^/-all,/'
}

# sandbox_limits: the unit's LimitRTPRIO= and LimitMEMLOCK= as prlimit options,
# those this machine lets us raise (a container without CAP_SYS_RESOURCE cannot).
sandbox_limits()
{
	local opt
	for opt in $(sed -n -e 's/^LimitRTPRIO=/--rtprio=/p' \
		-e 's/^LimitMEMLOCK=infinity/--memlock=unlimited/p' "$WT_DIR/wlbsd.service"); do
		if prlimit "$opt" -- true 2>/dev/null; then
			echo "$opt"
		else
			log "cannot raise ${opt%%=*} here (no CAP_SYS_RESOURCE): left out" >&2
		fi
	done | paste -sd' '
}

# sandbox_stop HOST: SIGTERM to the traced wlbsd (strace's child), then waits for strace.
sandbox_stop()
{
	local tracer child i
	tracer=$(wlbsd_pid "$1")
	child=$(pgrep -P "$tracer" -x wlbsd) || fail "no traced wlbsd under $tracer"
	kill -TERM "$child"
	for ((i = 0; i < 50; i++)); do
		[ -d "/proc/$tracer" ] || break
		sleep 0.1
	done
	[ -d "/proc/$tracer" ] && fail "traced wlbsd on $1 still running 5s after SIGTERM"
	wait "$tracer" 2>/dev/null
	log "traced wlbsd on $1 stopped"
}

# The daemon and the CLI inside as much of the unit's sandbox as runs without
# systemd (its capability bounding set and limits, no new privileges,
# UMask=0077): wlbsd gets real-time priority for its heartbeat thread,
# starts, serves, reloads through `wlbs reload` (ExecReload=, sandboxed too),
# restarts adopting the pinned fast path while a held connection flows. Its
# strace then shows no system call outside SystemCallFilter=, no write outside
# ReadWritePaths=, the state and runtime directories, no device beyond
# PrivateDevices=, no other process's /proc entry (strace_check.py).
# netns: serial
test_systemd_sandbox()
{
	local d=$WT_DIR/h1 caps limits
	topo_up 1
	host_conf h1
	server_start h1
	sed -e "s|@SBINDIR@|$BUILD|g" -e "s|@DOCDIR@|$WT_TOP|g" "$WT_TOP/systemd/wlbsd.service.in" \
		>"$WT_DIR/wlbsd.service"
	caps=$(sandbox_caps)
	limits=$(sandbox_limits)
	log "bounding set: $caps, limits: $limits"
	# wlbsd_start runs "$WLBSD" inside the namespace: a script that sandboxes the real one.
	cat >"$WT_DIR/wlbsd-sandboxed" <<SH
#!/bin/sh
# The teardown's --uninstall is not part of the test.
[ "\$1" = --uninstall ] && exec "$WLBSD" "\$@"
umask 077
exec strace -f -qq -y -o "$WT_DIR/strace.wlbsd.\$(cat "$d/starts")" prlimit $limits -- \
	setpriv --bounding-set="$caps" --no-new-privs -- "$WLBSD" "\$@"
SH
	chmod +x "$WT_DIR/wlbsd-sandboxed"
	WLBSD=$WT_DIR/wlbsd-sandboxed wlbsd_start h1
	expect_served 198.18.0.201 h1
	# Without CAP_SYS_NICE only RLIMIT_RTPRIO (LimitRTPRIO=) gives SCHED_FIFO.
	if [[ $limits == *--rtprio=* ]]; then
		expect_nomatch "$(cat "$(wlbsd_log h1)")" "no real-time priority" \
			"heartbeat thread at SCHED_FIFO with LimitRTPRIO= and no CAP_SYS_NICE"
	fi
	stream_start held 198.18.0.210

	(umask 077 && exec strace -f -qq -y -o "$WT_DIR/strace.wlbs" setpriv --bounding-set="$caps" \
		--no-new-privs -- "$WLBS" reload --socket "$(sock_path h1)") >"$WT_DIR/reload.out" 2>&1 ||
		fail "sandboxed wlbs reload: $(cat "$WT_DIR/reload.out")"
	log "sandboxed wlbs reload: $(cat "$WT_DIR/reload.out")"

	sandbox_stop h1
	expect_flowing held
	WLBSD=$WT_DIR/wlbsd-sandboxed wlbsd_start h1
	expect_match "$(cat "$(wlbsd_log h1)")" "adopted" "restart adopts the pinned fast path"
	expect_flowing held
	expect_served 198.18.0.202 h1
	stream_stop held
	sandbox_stop h1

	"$PY" "$WT_SRC/strace_check.py" "$WT_DIR/wlbsd.service" \
		"$d/bpffs:/proc/sys/net:$d/state:$d/run:/tmp:/dev/null" \
		"$WT_DIR"/strace.wlbsd.* "$WT_DIR/strace.wlbs" || fail "outside the unit's sandbox (above)"
	log "ok: $(cat "$WT_DIR"/strace.wlbsd.* | wc -l) traced calls within the unit's sandbox"
}
