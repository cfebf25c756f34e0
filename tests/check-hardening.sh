#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# wlbsd.service's sandbox, on the unit as `make install` writes it:
#  - systemd-analyze security --offline scores it 3.5 or less;
#  - each hardening directive below is in effect, as the analyzer sees it;
#  - the lines it does not score (watchdog, reload, error number, realtime)
#    say what the daemon relies on;
#  - SystemCallFilter= allows the calls wlbsd cannot run without.
# The daemon under this filter and bounding set: tests/netns/test_systemd.sh.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v systemd-analyze >/dev/null; then
	[ "${CI:-}" = true ] && { echo "systemd-analyze missing" >&2; exit 1; }
	echo "hardening: skipped (no systemd-analyze)"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unit=$tmp/wlbsd.service
sed -e "s|@SBINDIR@|$top/build|g" -e "s|@DOCDIR@|$top|g" "$top/systemd/wlbsd.service.in" >"$unit"
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL  $*"; failed=$((failed + 1)); }

sec=$(systemd-analyze security --offline=yes "$unit" 2>&1) || true
score=$(sed -n 's/.*Overall exposure level for wlbsd.service: \([0-9.]*\).*/\1/p' <<<"$sec")
if [ -z "$score" ]; then
	bad "no score from systemd-analyze security: $sec"
elif awk -v s="$score" 'BEGIN { exit !(s <= 3.5) }'; then
	ok
else
	bad "exposure $score > 3.5"
	grep '✗' <<<"$sec"
fi
echo "hardening: exposure $score (at most 3.5)"

# Each directive, by the analyzer's name for it: "✓" means in effect.
for check in PrivateDevices= ProtectClock= ProtectKernelLogs= ProtectHostname= ProtectProc= \
	PrivateMounts= UMask= NoNewPrivileges= ProtectSystem= ProtectHome= PrivateTmp= \
	ProtectControlGroups= ProtectKernelModules= RestrictSUIDSGID= LockPersonality= \
	MemoryDenyWriteExecute= SystemCallArchitectures= 'RestrictAddressFamilies=~…' \
	RestrictNamespaces=~net RestrictNamespaces=~user RestrictNamespaces=~mnt \
	SystemCallFilter=~@clock SystemCallFilter=~@cpu-emulation SystemCallFilter=~@debug \
	SystemCallFilter=~@module SystemCallFilter=~@mount SystemCallFilter=~@obsolete \
	SystemCallFilter=~@raw-io SystemCallFilter=~@reboot SystemCallFilter=~@swap \
	CapabilityBoundingSet=~CAP_SYS_MODULE CapabilityBoundingSet=~CAP_SYS_PTRACE \
	'CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER)'; do
	if grep -qF "✓ $check " <<<"$sec"; then
		ok
	else
		bad "not in effect: $check ($(grep -F " $check " <<<"$sec" | tr -s ' ' || echo absent))"
	fi
done

# Lines the score does not see, and why wlbsd needs each exactly so.
expect_line() {
	if grep -qxF "$1" "$unit"; then ok; else bad "$unit lacks '$1' ($2)"; fi
}
expect_line "Type=notify" "READY=1 once XDP is attached"
expect_line "WatchdogSec=5s" "the event loop pings every 2.5 s"
expect_line "ExecReload=$top/build/wlbs reload" "a refused file fails systemctl reload"
expect_line "ConditionPathExists=/etc/wlbs/wlbs.conf" "no start before a configuration exists"
expect_line "SystemCallErrorNumber=EPERM" "an unlisted call fails, it does not kill"
expect_line "RestrictRealtime=no" "the heartbeat thread runs SCHED_FIFO"
expect_line "LimitRTPRIO=10" "its priority, daemon/net/hbio.h"
expect_line "Restart=on-failure" "a watchdog kill restarts"

# The calls without which wlbsd cannot run: BPF, netlink and packet sockets,
# the event loop, the heartbeat thread at SCHED_FIFO. (The full list a run
# makes is checked under strace by tests/netns/test_systemd.sh.)
if "$top/tests/syscall-filter.py" "$unit" bpf socket bind setsockopt getsockopt sendto recvfrom \
	sendmsg recvmsg epoll_create1 epoll_ctl epoll_wait timerfd_create timerfd_settime \
	signalfd4 clone3 sched_setscheduler mmap munmap mprotect openat ioctl; then
	ok
else
	bad "SystemCallFilter= refuses a call wlbsd needs"
fi
echo "hardening: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
