#!/bin/sh
# Runs the BPF suite (tests/bpf/*.c) against the real wlbs program.
# Exit 77 (skip) when this machine cannot run it (not root, BPF or netns
# unavailable), except under CI=true, where a skip is a failure.
set -u
bin=${1:-build/bpf_test}

skip() {
	echo "check-bpf: SKIPPED: $*" >&2
	if [ "${CI:-}" = true ]; then
		echo "check-bpf: CI=true: a skipped BPF suite is a failure" >&2
		exit 1
	fi
	exit 77
}

[ -x "$bin" ] || { echo "check-bpf: $bin not built" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || skip "needs root (BPF programs, network namespaces)"

timeout 300 "$bin"
rc=$?
case $rc in
0) echo "check-bpf: PASS" ;;
77) skip "the suite could not load the BPF program here (see above)" ;;
124) echo "check-bpf: FAIL: timed out" >&2 ;;
*) echo "check-bpf: FAIL (exit $rc)" >&2 ;;
esac
exit $rc
