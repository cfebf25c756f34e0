# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Connections a cluster host opens from the cluster IP (issue 8 item 8): an
# application bound to the cluster IP (FTP active mode, a proxy that must show
# the cluster's address) connects out to a client-side server. The server's
# SYN-ACK arrives at every host; only the host whose socket it answers may take
# it, the bucket's owner must never answer the connection with a RST, and the
# holder keeps it. Sourced by run.sh.

PORT_ECHO=8000 # echo-server in the client namespace (client.py echo-server)

# _outbound_up: three hosts (cluster_conf: rules test 7000-7099 affinity none,
# single 7100-7199, classc 7200-7299), converged; the client has 15 more
# addresses 198.19.N.1 in 15 /24s (routed through it) and runs an echo server
# on PORT_ECHO that counts RSTs to and from the cluster IPs.
_outbound_up()
{
	local h i ready=$WT_DIR/echo.status pid
	topo_up 3
	for ((i = 1; i <= 15; i++)); do echo "addr add 198.19.$i.1/24 dev eth0"; done |
		ip -n "$(ns c)" -batch - || fail "client addresses in 198.19.0.0/16"
	for h in h1 h2 h3; do
		cluster_conf "$h"
		ip -n "$(ns "$h")" route add 198.19.0.0/16 via "$CLIENT_IP4" ||
			fail "route to 198.19.0.0/16 on $h"
	done
	cluster_start 20 h1 h2 h3
	ip netns exec "$(ns c)" "$PY" "$WT_SRC/client.py" echo-server --port "$PORT_ECHO" \
		--vip "$CLUSTER_IP4" --vip "$CLUSTER_IP6" --status "$ready" --duration 100 \
		>"$WT_DIR/echo.log" 2>&1 &
	pid=$!
	wt_track "$pid" echo-server
	for ((i = 0; i < 50; i++)); do
		[ -s "$ready" ] && return 0
		sleep 0.1
	done
	fail "echo server not started: $(cat "$WT_DIR/echo.log")"
}

# _outbound_start NAME HOST BIND LPORT_BASE DST...: HOST opens one connection
# per DST from BIND, local ports LPORT_BASE.., and exchanges data for 2 s, in
# the background (client.py outbound); _outbound_wait collects them.
_outbound_start()
{
	local name=$1 h=$2 bind=$3 base=$4 d dsts=() pid
	shift 4
	for d in "$@"; do dsts+=(--dst "$d"); done
	ip netns exec "$(ns "$h")" "$PY" "$WT_SRC/client.py" outbound --bind "$bind" \
		--lport-base "$base" --port "$PORT_ECHO" --seconds "${OUT_SECONDS:-2}" --timeout 3 \
		--stagger "${OUT_STAGGER:-0}" "${dsts[@]}" \
		>"$WT_DIR/out.$name" 2>&1 &
	pid=$!
	echo "$pid" >"$WT_DIR/out.$name.pid"
	wt_track "$pid" "outbound-$name"
}

# _outbound_wait NAME...: waits (15 s at most) for each; sets OUT_BAD to what
# failed ("" when every connection was byte-exact).
_outbound_wait()
{
	local name pid i s
	OUT_BAD=
	for name in "$@"; do
		pid=$(cat "$WT_DIR/out.$name.pid")
		for ((i = 0; i < 150; i++)); do
			[ -d "/proc/$pid" ] || break
			sleep 0.1
		done
		[ -d "/proc/$pid" ] && fail "outbound $name still running after 15 s"
		wait "$pid" 2>/dev/null
		s=$(tail -n 1 "$WT_DIR/out.$name")
		log "outbound $name: $s ($(awk '$1 != "summary" { print $3 }' "$WT_DIR/out.$name" |
			sort | uniq -c | awk '{ printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1 }'))"
		grep -q "^summary .* failed=0$" <<<"$s" || {
			OUT_BAD+=" $name: $s;"
			grep -v " ok [0-9]*$" "$WT_DIR/out.$name" | grep -v '^summary' | head -n 4 |
				sed 's/^/    /'
		}
	done
}

# _counters HOST: HOST's counter lines of the rules and "no rule".
_counters()
{
	wlbs "$1" display
	grep -E '^ *(rule [a-z]+ +[a-z-]+=|no rule)' <<<"$WLBS_OUT" | sed "s/^/    $1: /"
}

# h2 and h3 connect out from the cluster IPs, with local ports under each
# rule (affinity none, single, class C; IPv4 and IPv6), to client addresses
# whose buckets the three hosts share: every connection completes byte-exact
# both ways, the client sees no RST, the holders count their connections, and
# the owners of the others' buckets dropped those SYN-ACKs.
test_outbound_from_cluster_ip()
{
	local i a=() b=() c=() d=() held2 held3 h rst
	_outbound_up
	for ((i = 201; i <= 230; i++)); do a+=("198.18.0.$i"); done
	for ((i = 201; i <= 215; i++)); do b+=("198.18.0.$i") c+=("2001:db8:18::$i"); done
	for ((i = 1; i <= 15; i++)); do d+=("198.19.$i.1"); done
	_outbound_start none h2 "$CLUSTER_IP4" 7010 "${a[@]}"
	_outbound_start single h3 "$CLUSTER_IP4" 7110 "${b[@]}"
	_outbound_start classc h2 "$CLUSTER_IP4" 7210 "${d[@]}"
	_outbound_start none6 h3 "$CLUSTER_IP6" 7050 "${c[@]}"
	sleep 1.5
	wlbs h2 display
	held2=$(sed -n 's/.*live connections \([0-9-]*\).*/\1/p' <<<"$WLBS_OUT")
	wlbs h3 display
	held3=$(sed -n 's/.*live connections \([0-9-]*\).*/\1/p' <<<"$WLBS_OUT")
	log "live connections during the transfers: h2 $held2 (of 45), h3 $held3 (of 30)"
	_outbound_wait none single classc none6
	rst=$(cat "$WT_DIR/echo.status")
	log "client: $rst"
	for h in h1 h2 h3; do _counters "$h"; done
	[ -z "$OUT_BAD" ] || fail "outbound connections from the cluster IP:$OUT_BAD $rst"
	expect_match "$rst" "conns=75 rst_in=0 rst_out=0" "connections and RSTs seen by the client"
	[ "${held2:-0}" -ge 45 ] || fail "h2 counted $held2 live connections during its 45"
	[ "${held3:-0}" -ge 30 ] || fail "h3 counted $held3 live connections during its 30"
	wlbs h1 display
	expect_match "$WLBS_OUT" "foreign-synack=[1-9]" "h1 dropped the others' SYN-ACKs"
}

# A local port no rule covers (9000+): the return traffic of such a
# connection is the default host's (h1). h1's own outbound connections work;
# h2's too: h1 drops the SYN-ACK and marks what no rule covers as dirty, so
# it never resets the connection's next segments, and h2's heartbeats say it
# holds uncovered connections from the next on. h2's connections start once
# h1's grace as a new default host (which would hide a missing mark) is over.
test_outbound_uncovered_port()
{
	local i a=() rst
	_outbound_up
	for ((i = 201; i <= 210; i++)); do a+=("198.18.0.$i"); done
	_outbound_start default h1 "$CLUSTER_IP4" 9010 "${a[@]}"
	_outbound_wait default
	[ -z "$OUT_BAD" ] || fail "the default host's outbound connections:$OUT_BAD"
	log "ok: h1's 10 connections from an uncovered port completed"
	sleep 10 # FP_HANDOVER_GRACE_MS after h1 became the default host
	_outbound_start other h2 "$CLUSTER_IP4" 9110 "${a[@]}"
	_outbound_wait other
	rst=$(cat "$WT_DIR/echo.status")
	log "client: $rst"
	for h in h1 h2; do _counters "$h"; done
	[ -z "$OUT_BAD" ] || fail "h2's outbound connections from an uncovered port:$OUT_BAD"
	expect_match "$rst" "conns=20 rst_in=0 rst_out=0" "connections and RSTs seen by the client"
}

# The same while h2 (rule test) and h3 (rule single) open 60 connections
# each, one every 20 ms, to 120
# client addresses (120 buckets): each host's heartbeats change the dirty set
# every period and the owners republish their tables meanwhile; a bucket an
# owner marked dirty at a SYN-ACK must stay dirty until the holder's own
# heartbeat names it (before 06a38af: 3-9 RSTs from an owner in most runs).
test_outbound_staggered()
{
	local i j a=() b=() rst
	_outbound_up
	for ((i = 1; i <= 15; i++)); do
		for ((j = 2; j <= 9; j++)); do echo "addr add 198.19.$i.$j/24 dev eth0"; done
	done | ip -n "$(ns c)" -batch - || fail "more client addresses"
	for ((i = 1; i <= 15; i++)); do
		for ((j = 2; j <= 9; j++)); do
			if [ $(((i + j) % 2)) -eq 0 ]; then a+=("198.19.$i.$j"); else b+=("198.19.$i.$j"); fi
		done
	done
	OUT_STAGGER=0.02 OUT_SECONDS=1.5 _outbound_start h2 h2 "$CLUSTER_IP4" 7010 "${a[@]}"
	OUT_STAGGER=0.02 OUT_SECONDS=1.5 _outbound_start h3 h3 "$CLUSTER_IP4" 7110 "${b[@]}"
	_outbound_wait h2 h3
	rst=$(cat "$WT_DIR/echo.status")
	log "client: $rst"
	for h in h1 h2 h3; do _counters "$h"; done
	[ -z "$OUT_BAD" ] || fail "staggered outbound connections:$OUT_BAD $rst"
	expect_match "$rst" "conns=120 rst_in=0 rst_out=0" "connections and RSTs seen by the client"
}
