#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-peers: what dropping the other hosts' share of a flood costs the
# receiver, wlbs against its peers, on a veth in network namespaces.
#
# Topology (tests/netns/lib.sh): a bridge namespace and three hosts running a
# real wlbsd (h2, h3 throughout; h1 when wlbs is measured), so that h1
# converges owning a third of the buckets of two rules: UDP port 9000 and TCP
# ports 7000-7099, affinity none (client address and port).
#
# Generator: build/flood (bench/flood.c) in the bridge namespace, on h1's veth
# peer, the bridge port: a frame sent on a bridge port leaves that device and
# reaches h1's eth0 without the bridge, so h2, h3 and the bridge see none of
# it. BPF_PROG_RUN in live-frames mode runs bpf/flood.bpf.c, which writes the
# next of 65,536 precomputed flows (random sources in 10.0.0.0/8 and ports:
# address, port, both checksums) into a page-pool frame and redirects it to
# the veth: h1 receives XDP frames in batches of 256, as from a NIC's driver
# (its XDP program, if any, runs before any skb exists; the others see skbs
# built around those pages). An AF_PACKET sender would hand h1 skbs, on which
# veth runs XDP only after copying each: that would measure veth's copy, not
# the filters. UDP: 60-byte frames to port 9000; TCP: ACKs with 64 bytes of
# payload (118-byte frames) to port 7000; all to the cluster IP and MAC.
# Nothing listens on either port and h1 has no route to the sources, so the
# frames h1 keeps end in its transport layer (UDP: no socket, an ICMP error
# within the global rate limit and unroutable; TCP: a RST that cannot be
# routed) and nothing goes back.
#
# Receiver CPU time: h1's eth0 is polled by a NAPI thread of its own
# (threaded NAPI, /sys/class/net/eth0/threaded; SCHED_FIFO 50, as softirq
# would preempt tasks), which runs the receiver's whole processing of a frame:
# XDP, the skb, tc, netfilter, IP, UDP/TCP. Its run time (/proc/PID/schedstat,
# ns, not tick-sampled: CONFIG_IRQ_TIME_ACCOUNTING is off on the development
# VM, so /proc/stat's softirq is only sampled at HZ) divided by the frames h1
# received (rx_packets) is the cost per frame. In softirq, the NAPI poll would
# run on whichever CPU scheduled it, and the heartbeats that reach h1 through
# the bridge (sent on another CPU; once XDP is attached veth takes them on
# NAPI too) would move part of the flood's processing there: seen as frames
# lost at the ring and a receiver too cheap. The report checks that softirq on
# the generator's CPU stays near zero. The thread sleeps whenever its ring is
# empty; wlbsd's heartbeat thread (SCHED_FIFO 10) and the rest wait at most
# one batch.
#
# CPUs: the generator, the NAPI thread, this script and every wlbsd share
# PEERS_GEN_CPU (default 0; PEERS_RX_CPU moves the NAPI thread), so the other
# CPU is left to whatever else runs on the machine. The generator cannot be
# the bottleneck: the measure is the receiver's CPU time per frame, not a drop
# rate at a given load. Each batch of 256 frames (PEERS_BATCH; the veth
# ring's size) wakes the real-time NAPI thread, which polls it before the
# generator goes on: the receiver takes every frame (none lost at its ring:
# reported) and the generator only decides how many frames there are to
# divide by. Its own cost (its run time per frame sent, about 50 ns: no skb,
# no system call per frame) is reported beside it. A wakeup of the thread
# costs it about 1.5 us (XDP_DROP: 88, 64 and 50 ns/frame with batches of 32,
# 64 and 256), so about 6 ns of every peer's figure is this setup's.
# A warm-up (the ring once, a separate run) precedes every measured run:
# caches and conntrack entries settle, the counters see measured frames only.
#
# Peers, one at a time on h1's eth0, in interleaved rounds (PEERS_ROUNDS,
# default 5; the order rotates every round, UDP and TCP alternate first):
#   none      no filter: h1 has the cluster IP and keeps every frame (TCP then
#             drops them at its entry: to a multicast MAC, not PACKET_HOST)
#   nft       an nftables netdev ingress chain: ip daddr CIP, jhash ip saddr .
#             th sport mod 3 seed S != 0: drop; else meta pkttype set host
#             (the kept frames must reach TCP as wlbs's do: they come to a
#             multicast MAC)
#   xt        xt_cluster (iptables-nft, mangle PREROUTING, conntrack):
#             --cluster-total-nodes 3 --cluster-local-node 1 -j MARK, and
#             unmarked frames to CIP dropped (xt_cluster sets PACKET_HOST)
#   xdpdrop   a bare XDP_DROP (bpf/drop.bpf.c): drops every frame
#   wlbs      wlbsd on h1, converged with h2 and h3: owns a third
#   wlbs0     the same with load_weight 0 on h1: converged, owns no bucket,
#             so every frame takes the path of a frame of another host's
#             bucket: wlbs's cost per dropped frame, against xdpdrop's
#   before0   with PEERS_BEFORE=OTHER/build: that build's wlbsd as wlbs0 (its
#             h2 and h3 stay this build's): a before/after of the drop path,
#             the report gives wlbs0 over before0 round by round
#   minimal0  the minimal bucket filter (bpf/minimal_filter.bpf.c: parse, the
#             shared hash, one owner byte) owning no bucket: the least a
#             filter of this design can cost per dropped frame, measured
#             beside wlbs0 in every run
# Between peers h1 is checked clean (no XDP program, no tc filter, no nft
# table, no cluster IP). Kept frames: h1's Ip InDelivers, which counts every
# datagram handed to UDP or TCP, after any of the peers' drops.
#
# Output: a table of medians (min-max) over the rounds of the receiver's ns
# per frame received, the share kept and the ratio to wlbs, for UDP and TCP; then
# wlbs0 against xdpdrop (per dropped frame) and the issue's goals. Also
# build/bench-peers.json and the raw samples in build/bench-peers.tsv; the
# harness log in build/bench-peers.log.
#
# Needs root, nft, iptables and ethtool; otherwise exit 77 (skip). Bounded by
# PEERS_TIMEOUT seconds (default 900). PEERS_ROUNDS, PEERS_SECONDS,
# PEERS_GEN_CPU, PEERS_RX_CPU, PEERS_LIST (a subset of the peers) vary it.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$DIR/.." && pwd)
BUILD=${BUILD:-$TOP/build}
export BUILD
ROUNDS=${PEERS_ROUNDS:-5}
SECONDS_PER=${PEERS_SECONDS:-3}
GEN_CPU=${PEERS_GEN_CPU:-0}
RX_CPU=${PEERS_RX_CPU:-$GEN_CPU}
PEERS=${PEERS_LIST:-none nft xt xdpdrop wlbs wlbs0 minimal0}
# Another build (its build directory) as the peer before0, beside wlbs0: a before/after of
# the drop path from one run.
BEFORE=${PEERS_BEFORE:-}
# The buckets a host takes are dirty for this long after it takes them (a handshake begun on
# the host they came from may still end there): the owned third's TCP then sees a socket
# lookup and a drop, not the stack. The peer wlbs is measured after it.
GRACE_S=$(awk '$2 == "FP_HANDOVER_GRACE_MS" { print int($3 / 1000) + 1 }' "$TOP/daemon/fastpath.h")
if [ -n "$BEFORE" ] && [[ " $PEERS " != *" before0 "* ]]; then
	PEERS="$PEERS before0"
fi
FLOOD=$BUILD/flood
DROP_OBJ=$BUILD/drop.bpf.o
MINIMAL_OBJ=$BUILD/minimal_filter.bpf.o
OUT_TSV=$BUILD/bench-peers.tsv
OUT_JSON=$BUILD/bench-peers.json
OUT_LOG=$BUILD/bench-peers.log
HASH_SEED=0x5eed
UDP_PORT=9000
TCP_PORT=7000
TCP_PAYLOAD=64

skip()
{
	echo "bench-peers: skipped: $*" >&2
	exit 77
}

if [ "${WLBS_PEERS_INNER:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, XDP, nftables)"
	command -v nft >/dev/null || skip "no nft (package nftables)"
	command -v ethtool >/dev/null || skip "no ethtool (package ethtool)"
	command -v iptables-nft >/dev/null || command -v iptables >/dev/null ||
		skip "no iptables (package iptables)"
	for f in "$BUILD/wlbsd" "$BUILD/wlbs" "$BUILD/floor.bpf.o" "$DROP_OBJ" "$FLOOD" \
		${BEFORE:+"$BEFORE/wlbsd"}; do
		[ -e "$f" ] || { echo "bench-peers: $f is missing: run make all $FLOOD" >&2; exit 1; }
	done
	case "$ROUNDS$SECONDS_PER$GEN_CPU$RX_CPU" in
	*[!0-9.]*)
		echo "bench-peers: PEERS_ROUNDS, PEERS_SECONDS, PEERS_GEN_CPU, PEERS_RX_CPU are numbers" >&2
		exit 2
		;;
	esac
	if [ "$GEN_CPU" -ge "$(nproc)" ] || [ "$RX_CPU" -ge "$(nproc)" ]; then
		echo "bench-peers: PEERS_GEN_CPU and PEERS_RX_CPU: CPUs 0..$(($(nproc) - 1))" >&2
		exit 2
	fi
	# timeout signals the whole process group; -k leaves time for teardown.
	WLBS_PEERS_INNER=1 timeout -k 30 "${PEERS_TIMEOUT:-900}" "$0" "$@"
	rc=$?
	[ "$rc" -eq 124 ] && echo "bench-peers: FAIL: timed out after ${PEERS_TIMEOUT:-900}s" >&2
	exit "$rc"
fi

# shellcheck source=tests/netns/lib.sh
source "$TOP/tests/netns/lib.sh"

: >"$OUT_LOG"
log() { echo "[$(date +%T.%3N)] $*" >>"$OUT_LOG"; }
say() { echo "bench-peers: $*"; }
fail()
{
	echo "[$(date +%T.%3N)] FAIL: $*" >>"$OUT_LOG"
	echo "bench-peers: FAIL: $* (log: $OUT_LOG)" >&2
	exit 1
}

if command -v iptables-nft >/dev/null; then IPT=iptables-nft; else IPT=iptables; fi

# This shell and all it starts (wlbsd, nft, the generator) on the generator's CPU.
taskset -pc "$GEN_CPU" $$ >/dev/null || fail "taskset -pc $GEN_CPU $$"

# bench_conf HOST WEIGHT: the cluster of the bench: two rules, affinity none.
bench_conf()
{
	local h=$1 i=${1#h}
	cat >"$WT_DIR/$h/wlbs.conf" <<EOF
# written by bench/peers.sh for $h
[cluster]
ip = $CLUSTER_IP4/24
mode = multicast
hash_seed = $HASH_SEED
heartbeat_period_ms = 100
heartbeat_tolerance = 5

[host]
interface = eth0
priority = $i
dedicated_ip = 198.18.0.$i/24
initial_state = started
persist_state = no
xdp_mode = auto

[rule udp]
ports = $UDP_PORT
protocol = udp
mode = multiple
affinity = none
load_weight = $2

[rule tcp]
ports = 7000-7099
protocol = tcp
mode = multiple
affinity = none
load_weight = $2
EOF
}

h1() { ip netns exec "$(ns h1)" "$@"; }

# h1 carries nothing of any peer: no XDP program, no tc filter, no nftables
# table, no cluster IP.
h1_clean()
{
	local what=$1 n
	n=$(xdp_prog_count h1 any)
	[ "$n" = 0 ] || fail "$what: $n XDP program(s) on h1"
	n=$(tc_filter_count h1 any)
	[ "$n" = 0 ] || fail "$what: $n tc filter(s) on h1"
	[ -z "$(h1 nft list tables)" ] || fail "$what: nftables tables on h1: $(h1 nft list tables)"
	if ip -n "$(ns h1)" addr show dev eth0 | grep -q "inet $CLUSTER_IP4/"; then
		fail "$what: h1 still has the cluster IP"
	fi
}

vip_add() { ip -n "$(ns h1)" addr add "$CLUSTER_IP4/32" dev eth0 || fail "cluster IP on h1"; }
vip_del() { ip -n "$(ns h1)" addr del "$CLUSTER_IP4/32" dev eth0 || fail "cluster IP off h1"; }

# wlbs_on WEIGHT: h1's wlbsd with this weight, converged with h2 and h3.
wlbs_on()
{
	bench_conf h1 "$1"
	wlbsd_start h1
	cluster_wait_converged 20 h1 h2 h3
	[ "$(xdp_prog_count h1)" = 1 ] || fail "wlbsd's XDP program is not on h1's eth0"
	[ "$1" = 0 ] || sleep "${GRACE_S:?FP_HANDOVER_GRACE_MS not found in daemon/fastpath.h}"
}

wlbs_off()
{
	wlbsd_kill h1 TERM
	h1 timeout 10 "$WLBSD" --uninstall --state-dir "$WT_DIR/h1/state" >>"$OUT_LOG" 2>&1 ||
		fail "wlbsd --uninstall on h1"
}

peer_on()
{
	case $1 in
	none) vip_add ;;
	nft)
		vip_add
		h1 nft -f - <<EOF || fail "nftables jhash filter on h1"
table netdev wlbs_bench {
	chain ingress {
		type filter hook ingress device eth0 priority 0; policy accept;
		ip daddr $CLUSTER_IP4 jhash ip saddr . th sport mod 3 seed $HASH_SEED != 0 drop
		ip daddr $CLUSTER_IP4 meta pkttype set host
	}
}
EOF
		;;
	xt)
		vip_add
		h1 "$IPT" -t mangle -A PREROUTING -i eth0 -d "$CLUSTER_IP4" -m cluster \
			--cluster-total-nodes 3 --cluster-local-node 1 --cluster-hash-seed "$HASH_SEED" \
			-j MARK --set-mark 0xffff || fail "xt_cluster rule on h1"
		h1 "$IPT" -t mangle -A PREROUTING -i eth0 -d "$CLUSTER_IP4" -m mark ! --mark 0xffff \
			-j DROP || fail "xt_cluster drop rule on h1"
		;;
	xdpdrop)
		vip_add
		# A private bpffs: iproute2 keeps its pins in the first one it finds.
		h1 sh -c 'mount -t bpf bpf /sys/fs/bpf && ip link set dev eth0 xdpdrv obj "$1" sec xdp' \
			_ "$DROP_OBJ" || fail "XDP_DROP on h1"
		;;
	wlbs) wlbs_on equal ;;
	wlbs0) wlbs_on 0 ;;
	before0) WLBSD=$BEFORE/wlbsd wlbs_on 0 ;;
	minimal0)
		vip_add
		# Its configuration (struct min_cfg: vip4 at 0, host at 24, owners after: all 0,
		# nobody) through its pinned .bss, in a private bpffs.
		h1 sh -c 'mount -t bpf bpf /sys/fs/bpf && mkdir /sys/fs/bpf/m &&
			bpftool prog load "$1" /sys/fs/bpf/m/prog type xdp pinmaps /sys/fs/bpf/m &&
			bss=$(ls -d /sys/fs/bpf/m/*bss) &&
			size=$(bpftool map show pinned "$bss" | sed -n "s/.*value \([0-9]*\)B.*/\1/p") &&
			value=$(python3 -c "import sys,socket; v=bytearray(int(sys.argv[2]));
v[0:4]=socket.inet_aton(sys.argv[1]); v[24]=1; print(\" \".join(\"%02x\" % b for b in v))" "$2" "$size") &&
			bpftool map update pinned "$bss" key hex 00 00 00 00 value hex $value &&
			ip link set dev eth0 xdpdrv pinned /sys/fs/bpf/m/prog' _ "$MINIMAL_OBJ" "$CLUSTER_IP4" ||
			fail "minimal bucket filter on h1"
		;;
	*) fail "no peer $1" ;;
	esac
	log "peer $1 on"
}

peer_off()
{
	case $1 in
	none) vip_del ;;
	nft) h1 nft delete table netdev wlbs_bench || fail "nft delete table"; vip_del ;;
	xt)
		h1 "$IPT" -t mangle -F PREROUTING || fail "iptables -t mangle -F"
		# iptables-nft leaves its table, and its hook, registered: remove it.
		if [ "$IPT" = iptables-nft ]; then
			h1 nft delete table ip mangle || fail "nft delete table ip mangle"
		fi
		vip_del
		;;
	xdpdrop | minimal0) ip -n "$(ns h1)" link set dev eth0 xdpdrv off || fail "XDP off h1"; vip_del ;;
	wlbs | wlbs0) wlbs_off ;;
	before0) WLBSD=$BEFORE/wlbsd wlbs_off ;;
	esac
	h1_clean "after peer $1"
	log "peer $1 off"
}

napi_threads() { ps -e -o pid=,comm= | awk '$2 ~ /^napi\/eth0-/ { print $1 }' | sort; }

# h1's eth0 polled by a thread of its own (threaded NAPI) on RX_CPU: RX_PID.
# A veth takes redirected XDP frames only with NAPI on (an XDP program or GRO).
napi_thread_up()
{
	local before
	h1 ethtool -K eth0 gro on >>"$OUT_LOG" 2>&1 || fail "ethtool -K eth0 gro on (h1)"
	before=$(napi_threads)
	h1 sh -c 'echo 1 >/sys/class/net/eth0/threaded' || fail "threaded NAPI on h1's eth0"
	RX_PID=$(comm -13 <(echo "$before") <(napi_threads))
	[ "$(wc -w <<<"$RX_PID")" = 1 ] || fail "h1's NAPI thread: '$RX_PID'"
	taskset -pc "$RX_CPU" "$RX_PID" >/dev/null || fail "taskset -pc $RX_CPU $RX_PID"
	# Real-time, as softirq is: other tasks on its CPU wait (at most 95% of it, RT throttling).
	chrt -f -p 50 "$RX_PID" || fail "chrt -f -p 50 $RX_PID"
	log "h1's eth0: NAPI thread $RX_PID ($(cat "/proc/$RX_PID/comm")) on CPU $RX_CPU"
}

# h1's counters: Ip InDelivers, eth0 rx_packets and rx_dropped; and the
# generator CPU's backlog drops (/proc/net/softnet_stat, second column).
counters()
{
	local snmp
	snmp=$(h1 cat /proc/net/snmp) || fail "h1's /proc/net/snmp"
	awk '$1 == "Ip:" { if (!h) { for (i = 2; i <= NF; i++) k[i] = $i; h = 1 }
		else for (i = 2; i <= NF; i++) if (k[i] == "InDelivers") printf "%s ", $i }' <<<"$snmp"
	h1 cat /sys/class/net/eth0/statistics/rx_packets /sys/class/net/eth0/statistics/rx_dropped |
		tr '\n' ' '
	echo $((16#$(awk -v c="$GEN_CPU" 'NR == c + 1 { print $2 }' /proc/net/softnet_stat)))
}

# measure ROUND PEER FLOOD: a warm-up (the ring once: caches and conntrack
# entries settle), then the measured flood; one line of $OUT_TSV.
measure()
{
	local r=$1 peer=$2 flood=$3 args a b out
	[ -d "/proc/$RX_PID" ] || fail "h1's NAPI thread $RX_PID is gone"
	args=(--dev h1 --dst-mac "$CLUSTER_MAC" --dst "$CLUSTER_IP4" --cpu "$GEN_CPU" --seed "$r"
		--rx-cpu "$RX_CPU" --rx-pid "$RX_PID" ${PEERS_BATCH:+--batch "$PEERS_BATCH"})
	if [ "$flood" = tcp ]; then
		args+=(--tcp --dport "$TCP_PORT" --payload "$TCP_PAYLOAD")
	else
		args+=(--dport "$UDP_PORT")
	fi
	out=$(ip netns exec "$(ns br)" "$FLOOD" "${args[@]}" --seconds 0 2>&1) ||
		fail "flood (warm-up): $out"
	read -ra a < <(counters)
	out=$(ip netns exec "$(ns br)" "$FLOOD" "${args[@]}" --warmup 0 --seconds "$SECONDS_PER" 2>&1) ||
		fail "flood: $out"
	read -ra b < <(counters)
	log "round $r $peer $flood: $out"
	printf 'round=%s peer=%s flood=%s %s kept=%s rx_packets=%s rx_dropped=%s backlog_dropped=%s\n' \
		"$r" "$peer" "$flood" "$out" $((b[0] - a[0])) $((b[1] - a[1])) $((b[2] - a[2])) \
		$((b[3] - a[3])) >>"$OUT_TSV"
}

bench_main()
{
	local peers r i n p order floods f t0
	read -ra peers <<<"$PEERS"
	n=${#peers[@]}
	t0=$(date +%s)
	say "${#peers[@]} peers x 2 floods x $ROUNDS rounds of ${SECONDS_PER}s; receiver (h1's" \
		"NAPI thread) on CPU $RX_CPU, generator and the rest on CPU $GEN_CPU; log $OUT_LOG"
	topo_up 3
	for i in 1 2 3; do bench_conf "h$i" equal; done
	napi_thread_up
	# rp_filter off: h1 has no route back to the flood's sources.
	h1 sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.eth0.rp_filter=0 || fail "rp_filter on h1"
	wlbsd_launch h2
	wlbsd_launch h3
	wlbsd_wait h2 20
	wlbsd_wait h3 20
	cluster_wait_converged 20 h2 h3
	h1_clean "before the first peer"
	: >"$OUT_TSV"
	for ((r = 1; r <= ROUNDS; r++)); do
		order=()
		for ((i = 0; i < n; i++)); do order+=("${peers[$(((i + r - 1) % n))]}"); done
		if ((r % 2)); then floods=(udp tcp); else floods=(tcp udp); fi
		say "round $r/$ROUNDS: ${order[*]}"
		for p in "${order[@]}"; do
			peer_on "$p"
			for f in "${floods[@]}"; do measure "$r" "$p" "$f"; done
			peer_off "$p"
		done
	done
	say "$(($(date +%s) - t0)) s for the setup and $ROUNDS rounds"
	"$PY" "$DIR/peers_report.py" --json "$OUT_JSON" "$OUT_TSV" ||
		fail "peers_report.py $OUT_TSV"
}

trap wt_teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
set -o pipefail
bench_main
