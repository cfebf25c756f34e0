#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the network-namespace end-to-end tests: the test_* functions of
# tests/netns/test_*.sh, those named as arguments (with or without "test_"), or all.
# Each test runs in its own bash with its own namespaces, bounded by
# NETNS_TEST_TIMEOUT seconds (default 60), and is torn down whatever happens.
# Needs root: otherwise exit 77 (skip), except under CI=true where it fails.
# Prints one line per test and, last, "netns: N passed, M failed".
# NETNS_JOBS=N (default 1) runs up to N tests at once: every test has its own
# namespaces, run dir and bpffs. A test whose timing the others' load would
# disturb (a soak, a latency bound) has a line "# netns: serial" right above
# its function and runs alone, after the others. A line "# netns: loop" (above
# that) keeps a test out of the default run: a loop target names it.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$DIR/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
TIMEOUT=${NETNS_TEST_TIMEOUT:-60}
export BUILD

if [ "$(id -u)" -ne 0 ]; then
	if [ "${CI:-}" = true ]; then
		echo "netns: the tests need root (CI=true: failing instead of skipping)" >&2
		echo "netns: 0 passed, 1 failed"
		exit 1
	fi
	echo "netns: skipped: the tests need root (network namespaces, BPF)" >&2
	exit 77
fi
for f in "$BUILD/wlbsd" "$BUILD/wlbs" "$BUILD/floor.bpf.o"; do
	if [ ! -e "$f" ]; then
		echo "netns: $f is missing: run make all first" >&2
		echo "netns: 0 passed, 1 failed"
		exit 1
	fi
done

mapfile -t ALL < <(sed -n 's/^\(test_[a-z0-9_]*\)()$/\1/p' "$DIR"/test_*.sh)
# "# netns: loop" above a function: run only when named (a loop target runs it).
mapfile -t LOOP < <(awk '/^# netns: loop$/ { s = 1; next }
	s && /^(# netns: serial)$/ { next }
	s && /^test_[a-z0-9_]*\(\)$/ { sub(/\(\)$/, ""); print } { s = 0 }' "$DIR"/test_*.sh)
if [ $# -eq 0 ]; then
	TESTS=()
	for t in "${ALL[@]}"; do
		printf '%s\n' "${LOOP[@]}" | grep -qx "$t" || TESTS+=("$t")
	done
else
	TESTS=()
	for t in "$@"; do
		t=test_${t#test_}
		if ! printf '%s\n' "${ALL[@]}" | grep -qx "$t"; then
			echo "netns: no test '$t'; known: ${ALL[*]}" >&2
			exit 2
		fi
		TESTS+=("$t")
	done
fi

LOGDIR=$(mktemp -d /tmp/wlbs-netns.XXXXXX)
JOBS=${NETNS_JOBS:-1}
mapfile -t SERIAL < <(awk '/^# netns: serial$/ { s = 1; next }
	s && /^test_[a-z0-9_]*\(\)$/ { sub(/\(\)$/, ""); print } { s = 0 }' "$DIR"/test_*.sh)
is_serial() { printf '%s\n' "${SERIAL[@]}" | grep -qx "$1"; }

# One test in the background; its pid -> name and start time in RUNNING/STARTED.
declare -A RUNNING=() STARTED=()
start_test()
{
	local t=$1
	# timeout signals the whole test's process group; -k leaves teardown time.
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout -k 30 "$TIMEOUT" bash -c '
		source "$1/lib.sh"
		for f in "$1"/test_*.sh; do source "$f"; done
		wt_main "$2"' _ "$DIR" "$t" >"$LOGDIR/$t.log" 2>&1 &
	RUNNING[$!]=$t
	STARTED[$!]=$(date +%s%N)
}

passed=0
failed=0
# Waits for one test to end and reports it.
reap_one()
{
	local pid rc t secs note
	wait -n -p pid "${!RUNNING[@]}"
	rc=$?
	t=${RUNNING[$pid]}
	secs=$(awk -v s="${STARTED[$pid]}" -v e="$(date +%s%N)" 'BEGIN { printf "%.1f", (e - s) / 1e9 }')
	unset "RUNNING[$pid]" "STARTED[$pid]"
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		printf 'PASS  %-32s %6ss\n' "$t" "$secs"
	else
		failed=$((failed + 1))
		[ "$rc" -eq 124 ] && note=" (timed out after ${TIMEOUT}s)" || note=""
		printf 'FAIL  %-32s %6ss%s\n' "$t" "$secs" "$note"
		sed 's/^/    /' "$LOGDIR/$t.log"
	fi
	if [ -n "${NETNS_VERBOSE:-}" ] && [ "$rc" -eq 0 ]; then
		sed 's/^/    /' "$LOGDIR/$t.log"
	fi
}

# Interrupted: end the running tests (their own traps tear them down), then leave.
trap 'for p in "${!RUNNING[@]}"; do kill -TERM "$p" 2>/dev/null; done; wait; rm -rf "$LOGDIR"; exit 130' INT TERM HUP

LATER=()
for t in "${TESTS[@]}"; do
	if [ "$JOBS" -gt 1 ] && is_serial "$t"; then
		LATER+=("$t")
		continue
	fi
	while [ "${#RUNNING[@]}" -ge "$JOBS" ]; do reap_one; done
	start_test "$t"
done
while [ "${#RUNNING[@]}" -gt 0 ]; do reap_one; done
for t in "${LATER[@]}"; do
	start_test "$t"
	reap_one
done
rm -rf "$LOGDIR"
echo "netns: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
