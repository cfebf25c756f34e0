# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Serving, stop/start, ARP/ND with the cluster MAC, reload. Sourced by run.sh.

# TCP to the cluster IP is served by h1; after stop a new connection gets no
# answer (no RST) while the dedicated IP still works; after start it is served.
test_stop_start()
{
	single_host_up
	expect_served 198.18.0.201 h1
	expect_served "$CLIENT_IP6" h1 "$CLUSTER_IP6"
	expect_state h1 converged

	wlbs h1 stop
	expect_eq "$WLBS_RC" 0 "exit status of stop"
	expect_match "$WLBS_OUT" "stopped" "stop message"
	expect_state h1 stopped
	expect_unserved 198.18.0.202
	expect_unserved "$CLIENT_IP6" "$CLUSTER_IP6"
	expect_eq "$(connect_one 198.18.0.203 198.18.0.1)" h1 \
		"connection to the dedicated IP while stopped"

	wlbs h1 stop
	expect_eq "$WLBS_RC" 3 "exit status of stop when already stopped"
	expect_match "$WLBS_OUT" "already" "second stop message"

	wlbs h1 start
	expect_eq "$WLBS_RC" 0 "exit status of start"
	expect_served 198.18.0.204 h1
	expect_served "$CLIENT_IP6" h1 "$CLUSTER_IP6"
	expect_state h1 converged
}

# ARP for the cluster IP resolves to the multicast cluster MAC; the host's
# kernel never answers with its own MAC (not while running, not while stopped).
test_arp_cluster_mac()
{
	local h1mac replies neigh
	single_host_up
	h1mac=$(in_ns h1 cat /sys/class/net/eth0/address)
	expect_match "$(ip -n "$(ns h1)" maddr show dev eth0)" "link +$CLUSTER_MAC" \
		"multicast filter of h1's eth0"

	neigh=$(ip -n "$(ns c)" neigh show "$CLUSTER_IP4" dev eth0)
	expect_match "$neigh" "lladdr $CLUSTER_MAC" "client's neighbour entry for $CLUSTER_IP4"

	replies=$(client arp --src "$CLIENT_IP4" --target "$CLUSTER_IP4" --wait 1)
	log "ARP replies: $(tr '\n' ';' <<<"$replies")"
	expect_eq "$(grep -c '^reply' <<<"$replies")" 1 "number of ARP replies for $CLUSTER_IP4"
	expect_match "$replies" "^reply $CLUSTER_MAC" "ARP reply sender MAC"
	# The frame's source is h1's MAC (a multicast MAC is no source address);
	# the mapping the client learns is the ARP sender address.
	expect_nomatch "$replies" "^reply $h1mac" "ARP reply sender addresses (h1's $h1mac)"

	# A fresh resolution by the client's kernel.
	ip -n "$(ns c)" neigh flush dev eth0
	expect_served 198.18.0.201 h1
	neigh=$(ip -n "$(ns c)" neigh show "$CLUSTER_IP4" dev eth0)
	expect_match "$neigh" "lladdr $CLUSTER_MAC" "neighbour entry after a flush"

	wlbs h1 stop
	expect_eq "$WLBS_RC" 0 "exit status of stop"
	replies=$(client arp --src "$CLIENT_IP4" --target "$CLUSTER_IP4" --wait 1)
	log "ARP replies while stopped: $(tr '\n' ';' <<<"$replies")"
	expect_nomatch "$replies" "^reply $h1mac" "ARP replies while stopped (h1's $h1mac)"
}

# IPv6: neighbour discovery for the cluster IP gives the cluster MAC, and it
# stays so while the host talks to the client (the host's own neighbour
# solicitations must not teach the client the host's MAC for the cluster IP).
test_nd_cluster_mac()
{
	local h1mac neigh
	single_host_up
	h1mac=$(in_ns h1 cat /sys/class/net/eth0/address)
	expect_served "$CLIENT_IP6" h1 "$CLUSTER_IP6"
	neigh=$(ip -n "$(ns c)" -6 neigh show "$CLUSTER_IP6" dev eth0)
	expect_nomatch "$neigh" "lladdr $h1mac" "client's neighbour entry for $CLUSTER_IP6 (h1's MAC)"
	expect_match "$neigh" "lladdr $CLUSTER_MAC" "client's neighbour entry for $CLUSTER_IP6"
	sleep 1
	expect_served 2001:db8:18::201 h1 "$CLUSTER_IP6"
	neigh=$(ip -n "$(ns c)" -6 neigh show "$CLUSTER_IP6" dev eth0)
	expect_match "$neigh" "lladdr $CLUSTER_MAC" "client's neighbour entry a second later"
}

# A broken config is refused with FILE:LINE and changes nothing; a valid
# changed one is applied, and held connections survive it.
test_reload()
{
	local conf line
	single_host_up
	conf=$(conf_path h1)
	cp "$conf" "$conf.good"

	sed -i 's/^heartbeat_tolerance = 5$/heartbeat_tolerance = 1/' "$conf"
	line=$(grep -n '^heartbeat_tolerance' "$conf" | cut -d: -f1)
	wlbs h1 reload
	[ "$WLBS_RC" -ne 0 ] || fail "reload of an out-of-range value exited 0: $WLBS_OUT"
	expect_match "$WLBS_OUT" "$conf:$line:" "reload error (out of range) names file:line"
	expect_served 198.18.0.201 h1
	expect_state h1 converged

	cp "$conf.good" "$conf"
	sed -i 's/^\[host\]$/[host]\nno_such_key = 1/' "$conf"
	line=$(grep -n '^no_such_key' "$conf" | cut -d: -f1)
	wlbs h1 reload
	[ "$WLBS_RC" -ne 0 ] || fail "reload of an unknown key exited 0: $WLBS_OUT"
	expect_match "$WLBS_OUT" "$conf:$line:" "reload error (unknown key) names file:line"
	wlbs h1 params
	expect_match "$WLBS_OUT" "100 ms x 5" "params after refused reloads (old config)"
	expect_nomatch "$WLBS_OUT" "rule closed" "params after refused reloads"
	expect_served 198.18.0.202 h1

	# Valid and different: port 7000 now belongs to a disabled rule.
	stream_start s1 198.18.0.203
	cp "$conf.good" "$conf"
	sed -i 's/^ports = 7000-7099$/ports = 7001-7099/' "$conf"
	printf '\n[rule closed]\nports = 7000\nprotocol = tcp\nmode = disabled\n' >>"$conf"
	wlbs h1 reload
	expect_eq "$WLBS_RC" 0 "exit status of a valid reload"
	wlbs h1 params
	expect_match "$WLBS_OUT" "rule closed" "params after the valid reload"
	expect_unserved 198.18.0.204
	expect_flowing s1
	expect_eq "$(connect_one 198.18.0.205 "$CLUSTER_IP4" "$PORT_STREAM")" h1 \
		"new connection to port $PORT_STREAM after the reload"
	expect_state h1 converged
}

# mode = igmp: the host joins 239.255.c.d (so snooping switches forward the
# cluster's frames to it), clients learn 01:00:5e:7f:c:d, and it serves.
test_igmp_mode()
{
	local neigh
	topo_up 1
	host_conf h1
	sed -i 's/^mode = multicast/mode = igmp/' "$(conf_path h1)"
	server_start h1
	wlbsd_start h1
	expect_state h1 converged
	expect_served "$CLIENT_IP4" h1
	expect_match "$(in_ns h1 cat /proc/net/igmp)" 6400FFEF \
		"h1 joined 239.255.0.100 (/proc/net/igmp)"
	neigh=$(ip -n "$(ns c)" neigh show "$CLUSTER_IP4" dev eth0)
	expect_match "$neigh" "lladdr 01:00:5e:7f:00:64" "client's neighbour entry in igmp mode"
}

# mode = unicast: the NIC carries the cluster MAC 02:bf:c6:12:00:64, frames
# leave with the masked source 02:01:c6:12:00:64 (NLB), so the switch never
# learns the cluster MAC on one port; clients learn the cluster MAC; it serves.
test_unicast_mode()
{
	local neigh fdb
	topo_up 1
	host_conf h1
	sed -i 's/^mode = multicast/mode = unicast/' "$(conf_path h1)"
	server_start h1
	wlbsd_start h1
	expect_state h1 converged
	expect_eq "$(in_ns h1 cat /sys/class/net/eth0/address)" 02:bf:c6:12:00:64 "h1's NIC MAC"
	expect_served "$CLIENT_IP4" h1
	neigh=$(ip -n "$(ns c)" neigh show "$CLUSTER_IP4" dev eth0)
	expect_match "$neigh" "lladdr 02:bf:c6:12:00:64" "client's neighbour entry in unicast mode"
	fdb=$(bridge -n "$(ns br)" fdb show br br0 2>/dev/null)
	expect_match "$fdb" "02:01:c6:12:00:64" "the bridge learned h1's masked MAC"
	expect_nomatch "$fdb" "02:bf:c6:12:00:64" "the bridge learned the cluster MAC"
}
