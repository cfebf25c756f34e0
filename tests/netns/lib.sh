# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2016
#
# Harness of the network-namespace tests, sourced by the shell run.sh starts for
# each test. It builds, per test and with names unique to that shell:
#
#   wt<ID>-br   a Linux bridge br0 (multicast snooping off: it floods 03:bf:..)
#   wt<ID>-hN   cluster host N: eth0 198.18.0.N/24, 2001:db8:18::N/64
#   wt<ID>-c    the client: eth0 198.18.0.200/24 plus .201-.250, 2001:db8:18::200/64
#
# each joined to the bridge by a veth whose bridge side runs a pass-through XDP
# program (a veth drops XDP_TX frames unless its peer has one: DESIGN.md s. 8).
# Every host gets its own bpffs, mounted in the root mount namespace below
# /run/wlbs-test.<ID>/hN/ so pins survive a daemon restart (`ip netns exec` gives
# a fresh sysfs without /sys/fs/bpf), its own state dir, socket and config.
# wt_teardown (trap on EXIT, INT, TERM, HUP) removes all of it whatever happened.
# Every wait is bounded.

WT_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WT_TOP=$(cd "$WT_SRC/../.." && pwd)
BUILD=${BUILD:-$WT_TOP/build}
WLBSD=${WLBSD:-$BUILD/wlbsd}
WLBS=${WLBS:-$BUILD/wlbs}
FLOOR_OBJ=${FLOOR_OBJ:-$BUILD/floor.bpf.o}
if [ -x /usr/bin/python3 ]; then PY=${PY:-/usr/bin/python3}; else PY=${PY:-python3}; fi

WT_ID=$$
WT_DIR=/run/wlbs-test.$WT_ID
WT_PFX=wt$WT_ID-

CLUSTER_IP4=198.18.0.100
CLUSTER_IP6=2001:db8:18::100
CLUSTER_MAC=03:bf:c6:12:00:64
CLIENT_IP4=198.18.0.200
CLIENT_IP6=2001:db8:18::200
PORT_ID=7000     # server: answers the host id and closes
PORT_STREAM=7001 # server: host id, then a line every 50 ms

# ---- output and assertions ------------------------------------------------

log() { echo "[$(date +%T.%3N)] $*"; }

fail()
{
	echo "[$(date +%T.%3N)] FAIL: $*" >&2
	exit 1
}

now_ms() { date +%s%3N; }

# expect_eq GOT WANT WHAT
expect_eq()
{
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
	log "ok: $3 = '$1'"
}

# expect_match TEXT REGEX WHAT (extended regex, case-insensitive)
expect_match()
{
	grep -qiE -- "$2" <<<"$1" || fail "$3: expected /$2/ in: $1"
	log "ok: $3 matches /$2/"
}

expect_nomatch()
{
	if grep -qiE -- "$2" <<<"$1"; then fail "$3: unexpected /$2/ in: $1"; fi
	log "ok: $3 has no /$2/"
}

# ---- namespaces -------------------------------------------------------------

ns() { echo "$WT_PFX$1"; }

# in_ns NAME CMD...: run CMD inside namespace NAME (br, hN or c).
in_ns() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }

wt_hosts() { cat "$WT_DIR/hosts" 2>/dev/null; }

# Records a background process of ours so teardown ends it.
wt_track() { echo "$1 $2" >>"$WT_DIR/pids"; }

# _attach NAME: a veth from the bridge into namespace NAME, eth0 inside.
_attach()
{
	local name=$1 n
	n=$(ns "$name")
	ip netns add "$n" || fail "ip netns add $n"
	ip -n "$n" link set lo up
	# No DAD: IPv6 addresses are usable at once.
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 >/dev/null
	ip -n "$(ns br)" link add "$name" type veth peer name eth0 netns "$n" ||
		fail "veth for $name"
	ip -n "$(ns br)" link set "$name" master br0 || fail "enslave $name"
	# iproute2 keeps its own pins in the first bpffs it finds: give it a private
	# one, so it never writes into a host's bpffs (ours or another run's).
	ip netns exec "$(ns br)" sh -c 'mount -t bpf bpf /sys/fs/bpf &&
		ip link set dev "$1" xdpdrv obj "$2" sec xdp' _ "$name" "$FLOOR_OBJ" ||
		fail "pass-through XDP on the bridge side of $name"
	ip -n "$(ns br)" link set "$name" up
	ip -n "$n" link set eth0 up
}

# topo_up [NHOSTS]: bridge, hosts h1..hN, client c.
topo_up()
{
	local nhosts=${1:-1} i h d
	mkdir -p "$WT_DIR" || fail "mkdir $WT_DIR"
	[ -r "$FLOOR_OBJ" ] || fail "$FLOOR_OBJ missing: run make all"
	ip netns add "$(ns br)" || fail "ip netns add $(ns br)"
	ip -n "$(ns br)" link set lo up
	ip -n "$(ns br)" link add br0 type bridge mcast_snooping 0 || fail "bridge"
	ip -n "$(ns br)" link set br0 up
	for ((i = 1; i <= nhosts; i++)); do
		h=h$i
		d=$WT_DIR/$h
		echo "$h" >>"$WT_DIR/hosts"
		mkdir -p "$d/bpffs" "$d/state" "$d/run" || fail "mkdir $d"
		mount -t bpf bpf "$d/bpffs" || fail "mount bpffs on $d/bpffs"
		_attach "$h"
		ip -n "$(ns "$h")" addr add "198.18.0.$i/24" dev eth0
		ip -n "$(ns "$h")" addr add "2001:db8:18::$i/64" dev eth0 nodad
	done
	_attach c
	{
		echo "addr add $CLIENT_IP4/24 dev eth0"
		echo "addr add $CLIENT_IP6/64 dev eth0 nodad"
		for ((i = 201; i <= 250; i++)); do
			echo "addr add 198.18.0.$i/24 dev eth0"
			echo "addr add 2001:db8:18::$i/64 dev eth0 nodad"
		done
	} | ip -n "$(ns c)" -batch - || fail "client addresses"
	log "topology up: bridge, $nhosts host(s), client (ids $WT_PFX*)"
}

# ---- wlbsd ----------------------------------------------------------------

# host_conf HOST [PRIORITY]: writes HOST's config: the cluster IPs, heartbeat
# 100 ms x 5, one TCP rule for ports 7000-7099. Tests edit the file to vary it.
host_conf()
{
	local h=$1 i=${1#h} prio=${2:-${1#h}}
	cat >"$WT_DIR/$h/wlbs.conf" <<EOF
# written by tests/netns/lib.sh for $h
[cluster]
ip = $CLUSTER_IP4/24, $CLUSTER_IP6/64
mode = multicast
heartbeat_period_ms = ${HB_PERIOD_MS:-100}
heartbeat_tolerance = ${HB_TOLERANCE:-5}
cleanup_delay_ms = 1000

[host]
interface = eth0
priority = $prio
dedicated_ip = 198.18.0.$i/24, 2001:db8:18::$i/64
initial_state = started
persist_state = yes
xdp_mode = auto

[rule test]
ports = 7000-7099
protocol = tcp
mode = multiple
affinity = none
load_weight = equal
EOF
}

conf_path() { echo "$WT_DIR/$1/wlbs.conf"; }
sock_path() { echo "$WT_DIR/$1/run/wlbsd.sock"; }

# Log file of the HOST's current (last started) wlbsd.
wlbsd_log() { echo "$WT_DIR/$1/wlbsd.$(cat "$WT_DIR/$1/starts" 2>/dev/null || echo 0).log"; }

wlbsd_pid() { cat "$WT_DIR/$1/wlbsd.pid" 2>/dev/null; }

wlbsd_alive()
{
	local pid
	pid=$(wlbsd_pid "$1")
	[ -n "$pid" ] && [ -d "/proc/$pid" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$pid/stat" 2>/dev/null
}

show_log()
{
	local f
	f=$(wlbsd_log "$1")
	echo "---- $f (last 40 lines)"
	tail -n 40 "$f" 2>/dev/null
	echo "----"
}

# wlbs HOST CMD [ARGS]: runs the CLI against HOST's daemon; sets WLBS_OUT (stdout
# and stderr) and WLBS_RC. Never fails by itself.
wlbs()
{
	local h=$1 cmd=$2
	shift 2
	WLBS_OUT=$(timeout 10 "$WLBS" "$cmd" --socket "$(sock_path "$h")" "$@" 2>&1)
	WLBS_RC=$?
	log "wlbs $cmd${*:+ $*} on $h -> exit $WLBS_RC: $(tr '\n' ' ' <<<"$WLBS_OUT" | cut -c1-300)"
}

# The state of HOST from `wlbs query --json`: stopped, converging, converged,
# draining, suspended; "unknown" when there is no answer.
wlbs_state()
{
	local out
	out=$(timeout 10 "$WLBS" query --json --socket "$(sock_path "$1")" 2>/dev/null)
	out=$(sed -n 's/.*"state": *"\([a-z]*\)".*/\1/p' <<<"$out")
	echo "${out:-unknown}"
}

# expect_state HOST WANT: query says WANT.
# expect_state HOST STATE: query reports STATE. "converged" may take a few
# heartbeat periods after a start or a membership change: polled up to 5 s.
expect_state()
{
	local got i
	got=$(wlbs_state "$1")
	i=0
	while [[ $2 == converged && $got != converged && $i -lt 50 ]]; do
		sleep 0.1
		got=$(wlbs_state "$1")
		i=$((i + 1))
	done
	[ "$got" = "$2" ] || {
		wlbs "$1" query
		fail "query on $1: expected state '$2', got '$got'"
	}
	log "ok: $1 state is $2"
}

# wlbsd_wait HOST [SECONDS]: until the daemon answers a query.
wlbsd_wait()
{
	local h=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 10; i++)); do
		if ! wlbsd_alive "$h"; then
			show_log "$h"
			fail "wlbsd on $h exited during start"
		fi
		if [ -S "$(sock_path "$h")" ] && [ "$(wlbs_state "$h")" != unknown ]; then
			log "wlbsd on $h answers (pid $(wlbsd_pid "$h"))"
			return 0
		fi
		sleep 0.1
	done
	show_log "$h"
	fail "wlbsd on $h does not answer a query after ${secs}s"
}

# wlbsd_start HOST [ARGS]: starts the daemon in HOST's namespace, waits for it.
wlbsd_start()
{
	local h=$1 d=$WT_DIR/$1 n pid
	shift
	n=$(($(cat "$d/starts" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$d/starts"
	ip netns exec "$(ns "$h")" "$WLBSD" -c "$d/wlbs.conf" --bpffs "$d/bpffs" \
		--state-dir "$d/state" --socket "$d/run/wlbsd.sock" -v "$@" \
		>"$d/wlbsd.$n.log" 2>&1 &
	pid=$!
	echo "$pid" >"$d/wlbsd.pid"
	wt_track "$pid" "wlbsd-$h"
	log "wlbsd on $h started (pid $pid, start $n)"
	wlbsd_wait "$h" 10
}

# wlbsd_kill HOST SIGNAL: signals the daemon, waits (5 s at most) until it is
# gone; sets WLBSD_RC to its exit status.
wlbsd_kill()
{
	local h=$1 sig=$2 pid i
	pid=$(wlbsd_pid "$h")
	[ -n "$pid" ] || fail "no wlbsd pid for $h"
	kill "-$sig" "$pid" || fail "kill -$sig $pid"
	for ((i = 0; i < 50; i++)); do
		wlbsd_alive "$h" || break
		sleep 0.1
	done
	wlbsd_alive "$h" && fail "wlbsd on $h still running 5s after SIG$sig"
	wait "$pid" 2>/dev/null
	WLBSD_RC=$?
	log "wlbsd on $h ended by SIG$sig, exit status $WLBSD_RC"
}

wlbsd_restart()
{
	wlbsd_kill "$1" TERM
	wlbsd_start "$1"
}

# ---- traffic ----------------------------------------------------------------

# server_start HOST [SERVER OPTIONS...]: HOST's id server (ID and stream ports,
# plus any options given), waited for; its pid is kept in $WT_DIR/HOST/server.pid.
server_start()
{
	local h=$1 ready=$WT_DIR/$1/server.ready i pid
	shift
	rm -f "$ready"
	ip netns exec "$(ns "$h")" "$PY" "$WT_SRC/server.py" --id "$h" --port "$PORT_ID" \
		--stream-port "$PORT_STREAM" --ready "$ready" "$@" >"$WT_DIR/$h/server.log" 2>&1 &
	pid=$!
	echo "$pid" >"$WT_DIR/$h/server.pid"
	wt_track "$pid" "server-$h"
	for ((i = 0; i < 100; i++)); do
		[ -s "$ready" ] && return 0
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	cat "$WT_DIR/$h/server.log"
	fail "server on $h not listening"
}

client() { ip netns exec "$(ns c)" "$PY" "$WT_SRC/client.py" "$@"; }

# connect_one SRC [DST] [PORT]: prints who answered one connection (or none,
# refused, ...).
connect_one()
{
	client connect --dst "${2:-$CLUSTER_IP4}" --port "${3:-$PORT_ID}" --src "$1" \
		--timeout 1 | awk '{ print $2 }'
}

# expect_served SRC WANT_HOST [DST]: a new connection from SRC is answered by WANT_HOST.
# expect_served SRC HOST [DST]: a new connection is answered by HOST. A host
# that just started converges first (listens T*K, then takes its buckets), so
# up to 3 attempts of 1 s each.
expect_served()
{
	local got i
	for ((i = 0; i < 3; i++)); do
		got=$(connect_one "$1" "${3:-$CLUSTER_IP4}")
		[ "$got" = "$2" ] && break
	done
	expect_eq "$got" "$2" "new connection from $1 to ${3:-$CLUSTER_IP4}:$PORT_ID"
}

# expect_unserved SRC: a new connection gets no answer at all (no RST either).
expect_unserved()
{
	expect_eq "$(connect_one "$1" "${2:-$CLUSTER_IP4}")" none \
		"new connection from $1 to ${2:-$CLUSTER_IP4}:$PORT_ID"
}

# probe_until ok|fail DEADLINE: sets PROBE_MS (time until reached) and PROBE_RC.
probe_until()
{
	local out
	out=$(client probe-until --want "$1" --deadline "$2" --dst "$CLUSTER_IP4" \
		--port "$PORT_ID" --timeout 0.3 --src 198.18.0.230 --src 198.18.0.231 \
		--src 198.18.0.232)
	PROBE_RC=$?
	PROBE_MS=$(sed -n 's/.*elapsed=\([0-9.]*\).*/\1/p' <<<"$out" | awk '{ printf "%d", $1 * 1000 }')
	log "probe until $1: $out (exit $PROBE_RC)"
}

# stream_start NAME SRC: a long-lived connection to PORT_STREAM, in the background.
stream_start()
{
	local name=$1 src=$2 pid i
	# Not through client(): $! must be the python process itself.
	ip netns exec "$(ns c)" "$PY" "$WT_SRC/client.py" stream --dst "$CLUSTER_IP4" \
		--port "$PORT_STREAM" --src "$src" --timeout 2 --duration 90 \
		--status "$WT_DIR/stream.$name" >"$WT_DIR/stream.$name.log" 2>&1 &
	pid=$!
	echo "$pid" >"$WT_DIR/stream.$name.pid"
	wt_track "$pid" "stream-$name"
	for ((i = 0; i < 30; i++)); do
		[ "$(stream_count "$name")" -ge 3 ] 2>/dev/null && {
			log "stream $name from $src: $(cat "$WT_DIR/stream.$name")"
			return 0
		}
		sleep 0.1
	done
	fail "stream $name from $src did not start: $(cat "$WT_DIR/stream.$name" 2>/dev/null)"
}

stream_status() { cat "$WT_DIR/stream.$1" 2>/dev/null; }
stream_count() { awk '{ print $2 }' "$WT_DIR/stream.$1" 2>/dev/null; }

# expect_flowing NAME: the stream receives new lines within a second.
expect_flowing()
{
	local a b i
	a=$(stream_count "$1")
	for ((i = 0; i < 10; i++)); do
		sleep 0.1
		b=$(stream_count "$1")
		[ "$b" -gt "$((a + 2))" ] && break
	done
	[ "$b" -gt "$((a + 2))" ] || fail "stream $1 stalled: $a -> $(stream_status "$1")"
	log "ok: stream $1 flowing ($a -> $b lines)"
}

# stream_stop NAME: closes the connection (client side), waits for the client.
stream_stop()
{
	local pid i
	pid=$(cat "$WT_DIR/stream.$1.pid")
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 30; i++)); do
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	log "stream $1 closed: $(stream_status "$1")"
}

# ---- fast path inspection ---------------------------------------------------

# Number of XDP programs on HOST's DEV (default eth0; "any": every interface),
# as bpftool net lists them: driver, generic, offload.
xdp_prog_count()
{
	_net_count "$1" "${2:-eth0}" xdp
}

# Number of tc filters (ingress and egress) on HOST's DEV (default eth0; "any").
tc_filter_count()
{
	_net_count "$1" "${2:-eth0}" tc
}

_net_count()
{
	local dev=(dev "$2")
	[ "$2" = any ] && dev=()
	in_ns "$1" bpftool -j net show "${dev[@]}" 2>/dev/null |
		"$PY" -c 'import json,sys; d=json.load(sys.stdin); print(sum(len(x.get(sys.argv[1], [])) for x in d))' "$3"
}

# ---- traces of wlbsd on a host (test_uninstall.sh, test_start.sh) ----------

# Every IPv4/IPv6 interface sysctl of HOST (all, default, each interface), "path=value".
iface_sysctls()
{
	# shellcheck disable=SC2016 # expanded by the inner sh
	in_ns "$1" sh -c 'for f in /proc/sys/net/ipv4/conf/*/* /proc/sys/net/ipv6/conf/*/*; do
		printf "%s=%s\n" "${f#/proc/sys/}" "$(cat "$f" 2>/dev/null | tr "\n" " ")"; done'
}

# trace_snapshot HOST: remembers HOST's sysctls and bpffs before wlbsd touches them.
trace_snapshot()
{
	SYSCTLS_BEFORE=$(iface_sysctls "$1")
	BPFFS_BEFORE=$(find "$WT_DIR/$1/bpffs" -mindepth 1 | sort)
}

# expect_no_trace HOST WHEN: nothing of wlbsd is left on HOST (compared with
# trace_snapshot): no XDP program or tc filter on any interface, no clsact on
# eth0, no cluster IP or MAC, the bpffs and sysctls as before, an empty state dir.
expect_no_trace()
{
	local h=$1 when=$2 pins
	expect_eq "$(xdp_prog_count "$h" any)" 0 "XDP programs on any of $h's interfaces $when"
	expect_eq "$(tc_filter_count "$h" any)" 0 "tc filters on any of $h's interfaces $when"
	expect_nomatch "$(tc -n "$(ns "$h")" qdisc show dev eth0)" "clsact" "qdiscs $when"
	expect_nomatch "$(ip -n "$(ns "$h")" addr show)" \
		"inet $CLUSTER_IP4/|inet6 $CLUSTER_IP6/" "addresses $when"
	expect_match "$(ip -n "$(ns "$h")" addr show dev eth0)" "inet 198\\.18\\.0\\.${h#h}/24" \
		"the host's own address $when"
	expect_nomatch "$(ip -n "$(ns "$h")" maddr show)" "$CLUSTER_MAC" "multicast filter $when"
	pins=$(find "$WT_DIR/$h/bpffs" -mindepth 1 | sort)
	[ "$pins" = "$BPFFS_BEFORE" ] ||
		fail "bpffs $when: $(tr '\n' ' ' <<<"$pins") (before wlbsd: $BPFFS_BEFORE)"
	log "ok: bpffs as before wlbsd: $(tr '\n' ' ' <<<"$pins")"
	expect_eq "$(ls "$WT_DIR/$h/state")" "" "state dir $when"
	[ "$(iface_sysctls "$h")" = "$SYSCTLS_BEFORE" ] || fail "interface sysctls $when:" \
		"$(diff <(echo "$SYSCTLS_BEFORE") <(iface_sysctls "$h") | grep '^[<>]' | tr '\n' ' ')"
	log "ok: interface sysctls as before wlbsd"
}

# ---- setup shortcut and teardown --------------------------------------------

# single_host_up: topology with h1, its daemon and server; h1 serves.
single_host_up()
{
	topo_up 1
	host_conf h1
	server_start h1
	wlbsd_start h1
	expect_served "$CLIENT_IP4" h1
}

wt_teardown()
{
	local rc=$? pid role n h i
	trap - EXIT INT TERM HUP
	set +e
	if [ "$rc" -ne 0 ] && [ -d "$WT_DIR" ]; then
		for h in $(wt_hosts); do
			for f in "$WT_DIR/$h"/wlbsd.*.log; do
				[ -f "$f" ] || continue
				echo "---- $f"
				tail -n 30 "$f"
			done
		done
	fi
	# Our background processes, by id: politely, then for sure.
	if [ -f "$WT_DIR/pids" ]; then
		while read -r pid role; do
			kill -TERM "$pid" 2>/dev/null
		done <"$WT_DIR/pids"
		for ((i = 0; i < 20; i++)); do
			n=0
			while read -r pid role; do
				[ -d "/proc/$pid" ] && n=$((n + 1))
			done <"$WT_DIR/pids"
			[ "$n" -eq 0 ] && break
			sleep 0.1
		done
		while read -r pid role; do
			[ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null &&
				echo "teardown: killed $role ($pid)"
		done <"$WT_DIR/pids"
	fi
	# Anything else we started inside our namespaces.
	for n in $(ip netns list 2>/dev/null | awk -v p="^$WT_PFX" '$1 ~ p { print $1 }'); do
		for pid in $(ip netns pids "$n" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for h in $(wt_hosts); do
		[ -d "$WT_DIR/$h/state" ] || continue
		ip netns exec "$(ns "$h")" timeout 10 "$WLBSD" --uninstall \
			--state-dir "$WT_DIR/$h/state" >"$WT_DIR/$h/uninstall.log" 2>&1 ||
			{ echo "teardown: wlbsd --uninstall on $h:"; cat "$WT_DIR/$h/uninstall.log"; }
	done
	for n in $(ip netns list 2>/dev/null | awk -v p="^$WT_PFX" '$1 ~ p { print $1 }'); do
		ip netns del "$n" || echo "teardown: cannot delete namespace $n"
	done
	for h in $(wt_hosts); do
		if grep -q " $WT_DIR/$h/bpffs " /proc/self/mounts; then
			umount "$WT_DIR/$h/bpffs" || umount -l "$WT_DIR/$h/bpffs" ||
				echo "teardown: cannot unmount $WT_DIR/$h/bpffs"
		fi
	done
	if ! grep -q " $WT_DIR/" /proc/self/mounts; then
		rm -rf "$WT_DIR"
	fi
	exit "$rc"
}

# wt_main TEST: runs one test function with teardown guaranteed.
wt_main()
{
	trap wt_teardown EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	set -o pipefail
	log "test $1 (run dir $WT_DIR)"
	"$1"
	log "test $1 passed"
}

# ---- clusters of several hosts (test_cluster.sh, scale.sh, demo/demo.sh) -----

PORT_PATTERN=7002 # server: host id, then a paced, checkable byte pattern
PORT_SINGLE=7100  # rule "single": affinity single
PORT_CLASSC=7200  # rule "classc": affinity class C

# cluster_conf HOST [WEIGHT]: host_conf plus HOST's load weight on rule "test"
# (default equal) and two more rules: single affinity on 7100-7199, class C on
# 7200-7299.
cluster_conf()
{
	local f
	f=$(conf_path "$1")
	host_conf "$1"
	sed -i "s/^load_weight = equal$/load_weight = ${2:-equal}/" "$f"
	cat >>"$f" <<EOC

[rule single]
ports = 7100-7199
protocol = tcp
affinity = single

[rule classc]
ports = 7200-7299
protocol = tcp
affinity = classc
EOC
}

# cluster_server_start HOST: server_start plus the pattern port and the ports
# of the affinity rules.
cluster_server_start()
{
	server_start "$1" --pattern-port "$PORT_PATTERN" --also-port "$PORT_SINGLE" \
		--also-port "$PORT_CLASSC"
}

# cluster_topo NHOSTS [WEIGHT...]: topology, configs (WEIGHT i for host i) and
# servers on every host; no daemon yet.
cluster_topo()
{
	local n=$1 i
	shift
	topo_up "$n"
	for ((i = 1; i <= n; i++)); do
		cluster_conf "h$i" "${1:-equal}"
		[ $# -gt 0 ] && shift
	done
	for ((i = 1; i <= n; i++)); do
		cluster_server_start "h$i" &
	done
	wait || true
	for ((i = 1; i <= n; i++)); do
		[ -s "$WT_DIR/h$i/server.ready" ] || fail "server on h$i not listening"
	done
}

# wlbsd_launch HOST: starts HOST's daemon like wlbsd_start, without waiting.
wlbsd_launch()
{
	local h=$1 d=$WT_DIR/$1 n pid
	n=$(($(cat "$d/starts" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$d/starts"
	ip netns exec "$(ns "$h")" "$WLBSD" -c "$d/wlbs.conf" --bpffs "$d/bpffs" \
		--state-dir "$d/state" --socket "$d/run/wlbsd.sock" -v >"$d/wlbsd.$n.log" 2>&1 &
	pid=$!
	echo "$pid" >"$d/wlbsd.pid"
	wt_track "$pid" "wlbsd-$h"
}

# cluster_start SECONDS HOST...: starts the daemons of HOSTs together, waits
# until they answer; then cluster_wait_converged SECONDS HOST...
cluster_start()
{
	local secs=$1 h
	shift
	for h in "$@"; do wlbsd_launch "$h"; done
	for h in "$@"; do wlbsd_wait "$h" "$secs"; done
	cluster_wait_converged "$secs" "$@"
}

# cluster_up NHOSTS [WEIGHT...]: cluster_topo, then every daemon started and converged.
cluster_up()
{
	local i hosts=()
	cluster_topo "$@"
	for ((i = 1; i <= $1; i++)); do hosts+=("h$i"); done
	cluster_start 20 "${hosts[@]}"
}

# Members of HOST's view as "1,2,3" ("" when there is no answer), and its state.
# Sets Q_STATE and Q_MEMBERS.
cluster_query()
{
	local out
	out=$(timeout 10 "$WLBS" query --json --socket "$(sock_path "$1")" 2>/dev/null)
	Q_STATE=$(sed -n 's/.*"state": *"\([a-z]*\)".*/\1/p' <<<"$out")
	Q_MEMBERS=$(sed -n 's/.*"members": *\[\([0-9, ]*\)\].*/\1/p' <<<"$out" | tr -d ' ')
	Q_STATE=${Q_STATE:-unknown}
}

# cluster_wait_converged SECONDS HOST...: until every HOST reports converged
# with exactly the HOSTs (by priority = N of hN) as members. Sets CONV_MS
# (time it took). Fails with every host's answer after SECONDS.
cluster_wait_converged()
{
	local secs=$1 t0 h want bad
	shift
	want=$(for h in "$@"; do echo "${h#h}"; done | sort -n | paste -sd,)
	t0=$(now_ms)
	while :; do
		bad=
		for h in "$@"; do
			cluster_query "$h"
			if [ "$Q_STATE" != converged ] || [ "$Q_MEMBERS" != "$want" ]; then
				bad="$h: $Q_STATE [$Q_MEMBERS]"
				break
			fi
		done
		[ -z "$bad" ] && break
		if [ $(($(now_ms) - t0)) -gt $((secs * 1000)) ]; then
			for h in "$@"; do
				cluster_query "$h"
				echo "  $h: $Q_STATE members [$Q_MEMBERS]"
			done
			fail "not converged with members [$want] after ${secs}s (first: $bad)"
		fi
		sleep 0.1
	done
	CONV_MS=$(($(now_ms) - t0))
	log "ok: $# host(s) converged with members [$want] (${CONV_MS} ms)"
}

# Client source addresses 198.18.0.201 .. 198.18.0.(200+N), as --src options.
src_opts()
{
	local i
	for ((i = 201; i < 201 + ${1:-50}; i++)); do printf -- '--src 198.18.0.%d ' "$i"; done
}

# spread NAME PORT NSRC PER_SRC PORT_BASE [client.py options]: NSRC x PER_SRC
# connections (sources 198.18.0.201.., source ports PORT_BASE..) to the
# cluster IP, SYN-ACKs captured. Output in $WT_DIR/spread.NAME, the summary
# line in SPREAD (see client.py spread).
spread()
{
	local name=$1 port=$2 nsrc=$3 per=$4 base=$5 h macs=()
	shift 5
	for h in $(wt_hosts); do
		macs+=(--mac "$h=$(in_ns "$h" cat /sys/class/net/eth0/address)")
	done
	# shellcheck disable=SC2046 # word splitting of src_opts intended
	client spread --dst "$CLUSTER_IP4" --port "$port" --per-src "$per" --port-base "$base" \
		$(src_opts "$nsrc") "${macs[@]}" "$@" >"$WT_DIR/spread.$name" ||
		fail "client spread $name failed"
	SPREAD=$(tail -n 1 "$WT_DIR/spread.$name")
	SPREAD_NAME=$name
	log "spread $name (port $port, $nsrc sources x $per ports): $SPREAD"
}

# spread_val KEY: a value of the last spread's summary (0 when absent).
spread_val()
{
	local v
	v=$(tr ' ' '\n' <<<"$SPREAD" | sed -n "s/^$1=//p")
	echo "${v:-0}"
}

# expect_exactly_once: every connection of the last spread answered, by exactly
# one host (one SYN-ACK sender, the host that answered), none refused or reset.
expect_exactly_once()
{
	local k
	expect_eq "$(spread_val ok)" "$(spread_val total)" "connections answered"
	for k in none refused other twice rst mismatch; do
		[ "$(spread_val "$k")" -eq 0 ] || {
			grep -v "synack=h[0-9]* rst=0$" "$WT_DIR/spread.$SPREAD_NAME" | head -n 20
			fail "$k: $(spread_val "$k") of $(spread_val total) connections"
		}
	done
	log "ok: $(spread_val total) connections, each answered by exactly one host"
}

# expect_share HOST FRACTION: HOST's count in the last spread is FRACTION of the
# total within 4.5 standard deviations of a binomial sample (flows are fixed,
# so the outcome is deterministic; the bound says what "follows weights" means).
expect_share()
{
	local got total
	got=$(spread_val "$1")
	total=$(spread_val total)
	awk -v g="$got" -v n="$total" -v p="$2" 'BEGIN {
		sd = sqrt(n * p * (1 - p)); d = g - n * p; if (d < 0) d = -d
		exit !(d <= 4.5 * sd + 1) }' ||
		fail "$1 answered $got of $total connections, expected about $(awk -v n="$total" -v p="$2" 'BEGIN { printf "%.0f", n * p }')"
	log "ok: $1 answered $got of $total (expected share $2)"
}

# _handshakes_across_join PORT FIRST JOINER [6]: FIRST, running alone, takes 16
# SYNs to PORT (sources 198.18.0.201.., port 28000; with 6, from CLIENT_IP6
# ports 28000.. to CLUSTER_IP6); the client sends no SYN
# twice and drops the SYN-ACKs until JOINER has joined and the buckets (or
# the default host) have moved. FIRST's next SYN-ACK retransmit then gets
# through, and the client's ACK must reach FIRST's request socket, which no
# connection count knows: FIRST looks it up (it gave the bucket away within
# the handover grace), and the new owner drops it instead of answering with
# a RST. Every connection must be answered by FIRST, exactly once.
_handshakes_across_join()
{
	local port=$1 first=$2 joiner=$3 pid h macs=() t0 dst=$CLUSTER_IP4 ip=ip srcs
	srcs=$(src_opts 16)
	if [ "${4:-}" = 6 ]; then
		dst=$CLUSTER_IP6 ip=ip6 srcs="--src $CLIENT_IP6 --per-src 16"
	fi
	for h in $(wt_hosts); do
		macs+=(--mac "$h=$(in_ns "$h" cat /sys/class/net/eth0/address)")
	done
	in_ns c nft -f - <<EOF || fail "nft in the client namespace"
table inet wt_hold {
	chain in { type filter hook input priority 0; $ip saddr $dst tcp flags & (syn | ack) == syn | ack drop; }
	chain out { type filter hook output priority 0; }
}
EOF
	# shellcheck disable=SC2086 # word splitting of srcs intended
	client spread --dst "$dst" --port "$port" --port-base 28000 --parallel 16 --timeout 20 \
		$srcs "${macs[@]}" >"$WT_DIR/spread.handover" &
	pid=$!
	wt_track "$pid" spread
	sleep 0.5
	in_ns c nft add rule inet wt_hold out 'tcp flags & (syn | ack) == syn' drop
	t0=$(now_ms)
	wlbsd_launch "$joiner"
	wlbsd_wait "$joiner" 10
	# shellcheck disable=SC2046 # every host of the topology
	cluster_wait_converged 10 $(wt_hosts)
	log "$joiner joined $(($(now_ms) - t0)) ms after the SYNs left"
	in_ns c nft flush chain inet wt_hold in
	wait "$pid" || fail "client spread failed"
	in_ns c nft delete table inet wt_hold
	SPREAD=$(tail -n 1 "$WT_DIR/spread.handover")
	SPREAD_NAME=handover
	log "handshakes across the join: $SPREAD"
	expect_exactly_once
	expect_eq "$(spread_val "$first")" 16 "connections answered by $first, where they began"
}

# spread_flows NAME HOST [N]: up to N "SRC:PORT" flows of spread NAME answered by HOST.
spread_flows()
{
	awk -v h="$2" '$3 == h { print $1 ":" $2 }' "$WT_DIR/spread.$1" | head -n "${3:-1000}"
}

# pattern_start NAME SRC SPORT BYTES RATE: a paced pattern transfer in the background.
pattern_start()
{
	local name=$1 pid i
	ip netns exec "$(ns c)" "$PY" "$WT_SRC/client.py" pattern --dst "$CLUSTER_IP4" \
		--port "$PORT_PATTERN" --src "$2" --sport "$3" --bytes "$4" --rate "$5" \
		--duration 50 --status "$WT_DIR/pattern.$name" >"$WT_DIR/pattern.$name.log" 2>&1 &
	pid=$!
	echo "$pid" >"$WT_DIR/pattern.$name.pid"
	wt_track "$pid" "pattern-$name"
	for ((i = 0; i < 30; i++)); do
		[ "$(awk '{ print $2 }' "$WT_DIR/pattern.$name" 2>/dev/null)" -gt 0 ] 2>/dev/null && {
			log "pattern $name from $2:$3: $(pattern_status "$name")"
			return 0
		}
		sleep 0.1
	done
	fail "pattern $name from $2:$3 did not start: $(pattern_status "$name")"
}

pattern_status() { cat "$WT_DIR/pattern.$1" 2>/dev/null; }

# pattern_wait NAME SECONDS: until the transfer ends; sets PATTERN_RC.
pattern_wait()
{
	local pid i
	pid=$(cat "$WT_DIR/pattern.$1.pid")
	for ((i = 0; i < $2 * 10; i++)); do
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	[ -d "/proc/$pid" ] && fail "pattern $1 still running after $2 s: $(pattern_status "$1")"
	wait "$pid" 2>/dev/null
	PATTERN_RC=$?
}

# kill_server HOST: SIGKILL HOST's cluster server (its connections die with it).
kill_server()
{
	local pid
	pid=$(cat "$WT_DIR/$1/server.pid")
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	log "server on $1 killed"
}
