#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: a three-host wlbs cluster in network namespaces on this machine.
# Starts wlbsd on three hosts, sends client traffic and shows which host served
# it, drain-stops one host while a long transfer is open on it, and shows new
# traffic moving to the others while the transfer finishes. Everything it
# creates (namespaces, daemons, servers) is removed at the end, whatever
# happens. Needs root; reuses the harness of the netns tests.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
export BUILD

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it creates network namespaces and loads XDP programs)" >&2
	exit 1
fi
for f in "$BUILD/wlbsd" "$BUILD/wlbs" "$BUILD/floor.bpf.o"; do
	[ -e "$f" ] || { echo "demo: $f is missing: run make all first" >&2; exit 1; }
done

# shellcheck source=tests/netns/lib.sh
source "$TOP/tests/netns/lib.sh"

# The harness logs every step with a timestamp; the demo keeps that in a file
# and prints only its own story (failures still go to the terminal).
DEMO_LOG=/tmp/wlbs-demo.log
: >"$DEMO_LOG"
log() { echo "[$(date +%T.%3N)] $*" >>"$DEMO_LOG"; }

if [ -t 1 ]; then B=$'\e[1m' D=$'\e[2m' N=$'\e[0m'; else B='' D='' N=''; fi
step=0
heading()
{
	step=$((step + 1))
	printf '\n%s== %d. %s%s\n' "$B" "$step" "$*" "$N"
}
say() { printf '   %s\n' "$@"; }

# on HOST CMD...: shows and runs `wlbs CMD` against HOST's daemon.
on()
{
	local h=$1
	shift
	printf '   %s[%s]# wlbs %s%s\n' "$D" "$h" "$*" "$N"
	"$WLBS" "$@" --socket "$(sock_path "$h")" 2>&1 | sed 's/^/     /'
}

# traffic NAME PORTBASE: 200 new connections (50 client addresses x 4 ports)
# and a table of who answered them.
traffic()
{
	local h c total
	spread "$1" "$PORT_ID" 50 4 "$2"
	total=$(spread_val total)
	printf '   %-6s %12s %7s\n' host connections share
	for h in $(wt_hosts); do
		c=$(spread_val "$h")
		printf '   %-6s %12d %6d%%  %s\n' "$h" "$c" $((c * 100 / total)) \
			"$(printf '%*s' $((c * 40 / total)) '' | tr ' ' '#')"
	done
	say "answered: $(spread_val ok) of $total, each by exactly one host" \
		"(no answer: $(spread_val none), refused: $(spread_val refused), answered twice: $(spread_val twice))"
}

demo()
{
	local f h i bytes=786432 rate=65536 st got

	heading "Building a cluster in network namespaces"
	say "A Linux bridge (the \"switch\"), three cluster hosts and one client:" \
		"" \
		"      h1 198.18.0.1    h2 198.18.0.2    h3 198.18.0.3" \
		"           |                |                |" \
		"     ======+=======  bridge  ======+=========+=====" \
		"                           |" \
		"                client 198.18.0.200 (+ .201-.250)" \
		"" \
		"Every host has cluster IP $CLUSTER_IP4 on its NIC and receives every frame" \
		"sent to the cluster MAC $CLUSTER_MAC; wlbsd's XDP program on each host" \
		"keeps only the connections whose hash falls in a bucket that host owns."
	cluster_topo 3
	say "" "Starting wlbsd on h1, h2 and h3 (heartbeats every 100 ms; a new host" \
		"listens 5 heartbeats long, then the hosts agree and split the buckets)..."
	cluster_start 20 h1 h2 h3
	say "converged ${CONV_MS} ms after all three daemons answered."

	heading "What each host says: wlbs query"
	for h in h1 h2 h3; do on "$h" query; done

	heading "Client traffic: 200 connections from 50 client addresses"
	say "Each host runs a tiny server that answers with its own name."
	traffic before 20000

	heading "A long transfer held by h2"
	f=$(spread_flows before h2 1)
	[ -n "$f" ] || fail "no connection went to h2"
	pattern_start long "${f%:*}" "${f##*:}" "$bytes" "$rate"
	say "client ${f%:*} port ${f##*:} downloads $((bytes / 1024)) KiB from h2 at" \
		"$((rate / 1024)) KiB/s (about $((bytes / rate)) s); every byte is checked."

	heading "Drain-stop h2: it takes no new connections, finishes the ones it holds"
	on h2 drainstop
	sleep 0.5
	on h2 query

	heading "New traffic moves to h1 and h3"
	traffic after 21000

	heading "Meanwhile, h2's transfer goes on"
	while :; do
		st=$(pattern_status long)
		got=$(awk '{ print $2 }' <<<"$st")
		say "$(printf '%4d of %d KiB from %s, %s' $((got / 1024)) $((bytes / 1024)) \
			"${st%% *}" "${st##* }")"
		[ "${st##* }" = open ] || break
		sleep 2
	done
	pattern_wait long 20
	[ "$PATTERN_RC" -eq 0 ] || fail "the transfer did not complete: $(pattern_status long)"
	say "complete: $((got / 1024)) KiB, byte-exact."

	heading "With its last connection closed, h2 stopped by itself"
	for ((i = 0; i < 30; i++)); do
		[ "$(wlbs_state h2)" = stopped ] && break
		sleep 0.1
	done
	on h2 query
	on h1 query

	heading "Start h2 again: it takes its share back"
	on h2 start
	cluster_wait_converged 10 h1 h2 h3
	traffic again 22000

	heading "Done"
	say "Removing the namespaces, daemons and servers (details of this run: $DEMO_LOG)."
}

trap wt_teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
set -o pipefail
printf '%swlbs demo: Network Load Balancing for Linux, three hosts on one machine%s\n' "$B" "$N"
demo
