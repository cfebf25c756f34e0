# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Unicast mode and the host's dedicated IPs: the NIC's MAC changes when wlbsd
# starts (to the cluster MAC) and when it is uninstalled (back to the NIC's
# own); clients must follow both changes at once, not after their neighbour
# entries time out (tens of seconds).

CLUSTER_UMAC=02:bf:c6:12:00:64

_unicast_conf()
{
	host_conf "$1"
	sed -i 's/^mode = multicast/mode = unicast/' "$(conf_path "$1")"
}

# _reach SRC DST SECS: a TCP connection from the client's SRC to h1's
# dedicated DST is answered by h1 within SECS; sets REACH_MS.
_reach()
{
	local t0 got
	t0=$(now_ms)
	while :; do
		got=$(client connect --dst "$2" --port "$PORT_ID" --src "$1" --timeout 0.2 |
			awk '{ print $2 }')
		REACH_MS=$(($(now_ms) - t0))
		[ "$got" = h1 ] && break
		[ "$REACH_MS" -gt $(($3 * 1000)) ] && fail "h1's $2 not reached from $1 in $3 s (last: $got)"
	done
	log "ok: client $1 reached h1's $2 after $REACH_MS ms"
}

# _expect_neigh IP MAC: the client's neighbour entry for IP points at MAC and
# is usable (REACHABLE, or STALE/DELAY on the way to being confirmed).
_expect_neigh()
{
	local n
	n=$(ip -n "$(ns c)" neigh show "$1" dev eth0)
	expect_match "$n" "lladdr $2 .*(REACHABLE|STALE|DELAY)" "client's neighbour entry for $1"
}

# _reach_dedicated MAC SECS: the client reaches h1's dedicated IPv4 and IPv6
# addresses within SECS each, and its neighbour entries then say MAC.
_reach_dedicated()
{
	_reach 198.18.0.220 198.18.0.1 "$2"
	_expect_neigh 198.18.0.1 "$1"
	_reach 2001:db8:18::220 2001:db8:18::1 "$2"
	_expect_neigh 2001:db8:18::1 "$1"
}

# After `wlbsd --uninstall` the NIC has its own MAC again: clients that talked
# to the dedicated IPs through the cluster MAC reach them again within ~1 s.
# (A daemon exit keeps the cluster MAC and the fast path: checked first.)
test_unicast_uninstall_announces()
{
	local own out
	topo_up 1
	_unicast_conf h1
	own=$(in_ns h1 cat /sys/class/net/eth0/address)
	server_start h1
	wlbsd_start h1
	expect_state h1 converged
	_reach_dedicated "$CLUSTER_UMAC" "${UNICAST_WAIT_S:-2}"

	wlbsd_kill h1 TERM
	expect_eq "$(in_ns h1 cat /sys/class/net/eth0/address)" "$CLUSTER_UMAC" \
		"h1's NIC MAC after wlbsd exited"
	_reach_dedicated "$CLUSTER_UMAC" 2

	out=$(in_ns h1 timeout 10 "$WLBSD" --uninstall --state-dir "$WT_DIR/h1/state" 2>&1) ||
		fail "wlbsd --uninstall: $out"
	expect_eq "$(in_ns h1 cat /sys/class/net/eth0/address)" "$own" \
		"h1's NIC MAC after uninstall"
	_reach_dedicated "$own" "${UNICAST_WAIT_S:-2}"
}

# When wlbsd starts in unicast mode the NIC's own MAC stops receiving: clients
# that talked to the dedicated IPs before reach them again within ~1 s.
test_unicast_start_announces()
{
	local own
	topo_up 1
	_unicast_conf h1
	own=$(in_ns h1 cat /sys/class/net/eth0/address)
	server_start h1
	_reach_dedicated "$own" 2

	wlbsd_start h1
	expect_eq "$(in_ns h1 cat /sys/class/net/eth0/address)" "$CLUSTER_UMAC" \
		"h1's NIC MAC with wlbsd"
	_reach_dedicated "$CLUSTER_UMAC" "${UNICAST_WAIT_S:-2}"
	# The announcements left with the masked source, like every frame of h1.
	expect_nomatch "$(bridge -n "$(ns br)" fdb show br br0 2>/dev/null)" "$CLUSTER_UMAC" \
		"the bridge learned the cluster MAC"
}

# A cluster IP the admin configured stays on the NIC after uninstall, but it
# still belongs to the cluster (the other hosts serve it): it is not announced
# with h1's own MAC.
test_unicast_uninstall_keeps_cluster_ip()
{
	local own out
	topo_up 1
	_unicast_conf h1
	own=$(in_ns h1 cat /sys/class/net/eth0/address)
	ip -n "$(ns h1)" addr add "$CLUSTER_IP4/24" dev eth0
	server_start h1
	wlbsd_start h1
	expect_served "$CLIENT_IP4" h1
	_expect_neigh "$CLUSTER_IP4" "$CLUSTER_UMAC"
	wlbsd_kill h1 TERM
	out=$(in_ns h1 timeout 10 "$WLBSD" --uninstall --state-dir "$WT_DIR/h1/state" 2>&1) ||
		fail "wlbsd --uninstall: $out"
	expect_match "$(ip -n "$(ns h1)" addr show dev eth0)" "inet $CLUSTER_IP4/24" \
		"the admin's cluster IP after uninstall"
	_reach 198.18.0.220 198.18.0.1 2
	_expect_neigh 198.18.0.1 "$own"
	_expect_neigh "$CLUSTER_IP4" "$CLUSTER_UMAC"
}

# ---- every frame between two hosts is for all of them (issue 8 item 9) ------

# Sum of the ICMP redirects HOST has sent (IPv4 and IPv6).
_redirects()
{
	in_ns "$1" nstat -asz IcmpOutRedirects Icmp6OutRedirects | awk '{ s += $2 } END { print s + 0 }'
}

# _no_duplicates MODE FORWARDING: three hosts in MODE with IP forwarding
# FORWARDING (0/1) on each; h1 pings h2's dedicated IPv4 and IPv6 addresses
# 100 times. Every echo is answered once, and h3, which shares the frames in
# unicast mode, forwards none of them (no duplicates, no ICMP redirects).
_no_duplicates()
{
	local h out dup r0 r1 dst bad
	topo_up 3
	for h in h1 h2 h3; do
		host_conf "$h"
		sed -i "s/^mode = multicast/mode = $1/" "$(conf_path "$h")"
		in_ns "$h" sysctl -qw net.ipv4.ip_forward="$2" net.ipv6.conf.all.forwarding="$2"
	done
	cluster_start 20 h1 h2 h3
	r0=$(_redirects h3)
	bad=
	for dst in 198.18.0.2 2001:db8:18::2; do
		out=$(in_ns h1 timeout 30 ping -n -q -c 100 -i 0.01 -W 1 -w 20 "$dst" 2>&1)
		log "ping $dst from h1 ($1 mode, forwarding $2): $(tail -n 2 <<<"$out" | tr '\n' ' ')"
		grep -q "100 packets transmitted, 100 received" <<<"$out" ||
			bad+=" $dst: not every echo answered;"
		dup=$(sed -n 's/.*+\([0-9]*\) duplicates.*/\1/p' <<<"$out")
		[ "${dup:-0}" -eq 0 ] || bad+=" $dst: $dup duplicate replies;"
	done
	r1=$(_redirects h3)
	[ "$r1" -eq "$r0" ] || bad+=" h3 sent $((r1 - r0)) ICMP redirects;"
	[ -z "$bad" ] || fail "h1 -> h2 in $1 mode, forwarding $2:$bad"
	log "ok: every echo answered once, h3 sent no redirect"
}

test_unicast_forwarding_no_duplicates()
{
	_no_duplicates unicast 1
}

test_unicast_no_forwarding_no_duplicates()
{
	_no_duplicates unicast 0
}

test_multicast_forwarding_no_duplicates()
{
	_no_duplicates multicast 1
}
