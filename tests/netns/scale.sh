#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-scale: NHOSTS (default 32) hosts in network namespaces on one
# bridge start together and converge: every host reports converged with the
# same NHOSTS members. Prints the convergence time; then every one of 400
# connections (50 sources x 8 ports) is answered by exactly one host, and every
# host serves some. Bounded by SCALE_TIMEOUT seconds (default 180).
# Needs root: otherwise exit 77 (skip), except under CI=true where it fails.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
NHOSTS=${1:-32}

if [ "${WLBS_SCALE_INNER:-}" != 1 ]; then
	TIMEOUT=${SCALE_TIMEOUT:-180}
	BUILD=${BUILD:-$(cd "$DIR/../.." && pwd)/build}
	export BUILD
	if [ "$(id -u)" -ne 0 ]; then
		echo "scale: the test needs root (network namespaces, BPF)" >&2
		[ "${CI:-}" = true ] && exit 1
		exit 77
	fi
	for f in "$BUILD/wlbsd" "$BUILD/wlbs" "$BUILD/floor.bpf.o"; do
		[ -e "$f" ] || { echo "scale: $f is missing: run make all first" >&2; exit 1; }
	done
	case $NHOSTS in
	'' | *[!0-9]*) echo "scale: NHOSTS must be 2..64, not '$NHOSTS'" >&2; exit 2 ;;
	esac
	if [ "$NHOSTS" -lt 2 ] || [ "$NHOSTS" -gt 64 ]; then
		echo "scale: NHOSTS must be 2..64 (host priorities)" >&2
		exit 2
	fi
	# timeout signals the test's process group; -k leaves time for teardown.
	WLBS_SCALE_INNER=1 timeout -k 60 "$TIMEOUT" "$0" "$NHOSTS"
	rc=$?
	[ "$rc" -eq 124 ] && echo "scale: FAIL: timed out after ${TIMEOUT}s"
	[ "$rc" -eq 0 ] && echo "scale: PASS ($NHOSTS hosts)" || echo "scale: FAIL ($NHOSTS hosts)"
	exit "$rc"
fi

# shellcheck source=tests/netns/lib.sh
source "$DIR/lib.sh"

scale_test()
{
	local i t0 tw hosts=() served
	for ((i = 1; i <= NHOSTS; i++)); do hosts+=("h$i"); done
	cluster_topo "$NHOSTS"
	log "topology and $NHOSTS servers ready"

	t0=$(now_ms)
	for i in "${hosts[@]}"; do wlbsd_launch "$i"; done
	for i in "${hosts[@]}"; do wlbsd_wait "$i" 60; done
	log "all $NHOSTS daemons answer, $(($(now_ms) - t0)) ms after the first start"
	tw=$(now_ms)
	cluster_wait_converged 90 "${hosts[@]}"
	echo "convergence: $NHOSTS hosts converged with the same $NHOSTS members" \
		"$CONV_MS ms after the last daemon answered, $((tw - t0 + CONV_MS)) ms after" \
		"the first start"

	spread scale "$PORT_ID" 50 8 20000
	expect_exactly_once
	served=$(tr ' ' '\n' <<<"$SPREAD" | grep -c '^h[0-9]*=')
	log "hosts that served: $served of $NHOSTS"
	expect_eq "$served" "$NHOSTS" "hosts serving the 400 connections"
}

wt_main scale_test
