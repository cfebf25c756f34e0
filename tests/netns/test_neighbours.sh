# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Neighbour discovery from every host (issue 8 item 2): the host that owns a
# flow resolves the client itself, from the cluster IP (the source of its
# SYN-ACK); the answer comes back to the cluster IP and the cluster MAC, and
# must reach that host. Clients must never learn a host's own MAC for the
# cluster IP. Every case starts with empty neighbour caches everywhere and
# uses client addresses no host has resolved yet. Sourced by run.sh.

# _neigh_flush: every namespace forgets its IPv4 and IPv6 neighbours.
_neigh_flush()
{
	local n
	for n in c $(wt_hosts); do
		ip -n "$(ns "$n")" -4 neigh flush all
		ip -n "$(ns "$n")" -6 neigh flush all
	done
}

# _neigh_cluster MODE DEDICATED: three hosts in MODE (multicast/unicast), with
# their dedicated IPs (yes) or with only the cluster IPs (no: no dedicated_ip
# line, the hosts' own addresses removed), an id server on each, converged.
_neigh_cluster()
{
	local h i
	topo_up 3
	for h in h1 h2 h3; do
		i=${h#h}
		host_conf "$h"
		sed -i "s/^mode = multicast/mode = $1/" "$(conf_path "$h")"
		if [ "$2" = no ]; then
			sed -i '/^dedicated_ip/d' "$(conf_path "$h")"
			ip -n "$(ns "$h")" addr del "198.18.0.$i/24" dev eth0
			ip -n "$(ns "$h")" addr del "2001:db8:18::$i/64" dev eth0
		fi
		server_start "$h"
	done
	cluster_start 20 h1 h2 h3
}

# _neigh_spread FAMILY BASE MACS...: 30 new connections (8 at a time, 2 s
# each) to the cluster IP of FAMILY (4/6) from the client addresses .BASE ..
# .BASE+29, SYN-ACKs named by MACS; appends what is wrong to NEIGH_BAD.
_neigh_spread()
{
	local fam=$1 base=$2 vip pfx i srcs=() s hosts k
	shift 2
	if [ "$fam" = 6 ]; then vip=$CLUSTER_IP6 pfx=2001:db8:18::; else vip=$CLUSTER_IP4 pfx=198.18.0.; fi
	for ((i = base; i < base + 30; i++)); do srcs+=(--src "$pfx$i"); done
	client spread --dst "$vip" --port "$PORT_ID" --per-src 1 --port-base 20000 \
		--parallel 8 --timeout 2 "${srcs[@]}" "$@" >"$WT_DIR/spread.v$fam" ||
		fail "client spread (IPv$fam) failed"
	s=$(tail -n 1 "$WT_DIR/spread.v$fam")
	log "IPv$fam, 30 fresh clients: $s"
	# shellcheck disable=SC2034 # read by spread_val (lib.sh)
	SPREAD=$s
	[ "$(spread_val ok)" = 30 ] || {
		NEIGH_BAD+=" IPv$fam: $(spread_val ok) of 30 answered ($s);"
		grep -v ' h[0-9] synack=' "$WT_DIR/spread.v$fam" | head -n 5 | sed 's/^/    /'
	}
	hosts=$(awk '$1 != "summary" && $3 ~ /^h[0-9]$/ { print $3 }' "$WT_DIR/spread.v$fam" |
		sort -u | wc -l)
	[ "$hosts" -ge 2 ] || NEIGH_BAD+=" IPv$fam: answered by $hosts host(s) only;"
	for k in twice rst mismatch; do
		[ "$(spread_val "$k")" -eq 0 ] || NEIGH_BAD+=" IPv$fam: $k=$(spread_val "$k");"
	done
}

# _neigh_entry IP MAC: the client's neighbour entry for IP holds MAC (appends
# to NEIGH_BAD otherwise).
_neigh_entry()
{
	local n
	n=$(ip -n "$(ns c)" neigh show "$1" dev eth0)
	log "client's neighbour entry for $1: ${n:-none}"
	grep -q "lladdr $2 " <<<"$n" || NEIGH_BAD+=" client has '${n:-no entry}' for $1, not $2;"
}

# _neigh_case MODE DEDICATED CLUSTER_MAC: IPv6 then IPv4 fresh clients, then
# the client's entries for both cluster IPs. Reports every symptom at once.
_neigh_case()
{
	local h macs=() i
	_neigh_cluster "$1" "$2"
	for h in h1 h2 h3; do
		i=${h#h}
		if [ "$1" = unicast ]; then
			macs+=(--mac "$h=02:0$i:c6:12:00:64")
		else
			macs+=(--mac "$h=$(in_ns "$h" cat /sys/class/net/eth0/address)")
		fi
	done
	NEIGH_BAD=
	_neigh_flush
	_neigh_spread 6 201 "${macs[@]}"
	_neigh_spread 4 221 "${macs[@]}"
	_neigh_entry "$CLUSTER_IP6" "$3"
	_neigh_entry "$CLUSTER_IP4" "$3"
	for h in h1 h2 h3; do
		wlbs "$h" display
		grep -E '^ *no rule' <<<"$WLBS_OUT" | sed "s/^/    $h: /"
	done
	[ -z "$NEIGH_BAD" ] || fail "$1 mode, dedicated IPs $2:$NEIGH_BAD"
	log "ok: 60 fresh clients answered by several hosts, the client holds $3 for the cluster IPs"
}

# A client whose flow another host than the default owns connects at once,
# over IPv6 and IPv4, though neither side has resolved the other yet.
test_neighbours_fresh_clients()
{
	_neigh_case multicast yes "$CLUSTER_MAC"
}

# Hosts with only the cluster IPs resolve clients from them: the same, and the
# client keeps the cluster MAC for the cluster IPs, never a host's own MAC.
test_neighbours_no_dedicated_ip()
{
	_neigh_case multicast no "$CLUSTER_MAC"
}

# Unicast mode (every NIC has the cluster MAC 02:bf:..), with dedicated IPs.
test_neighbours_unicast()
{
	_neigh_case unicast yes 02:bf:c6:12:00:64
}

# Unicast mode with only the cluster IPs.
test_neighbours_unicast_no_dedicated_ip()
{
	_neigh_case unicast no 02:bf:c6:12:00:64
}
