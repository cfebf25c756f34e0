# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# cluster_mac = set by hand: the NIC filters it, ARP answers with it, params
# says so, and a reload that changes it is refused. Sourced by run.sh.

test_manual_cluster_mac()
{
	local mac=03:bf:0a:0b:0c:0d replies conf
	topo_up 1
	host_conf h1
	conf=$(conf_path h1)
	sed -i "s/^mode = multicast$/mode = multicast\ncluster_mac = 03-BF-0A-0B-0C-0D/" "$conf"
	server_start h1
	wlbsd_start h1
	expect_served "$CLIENT_IP4" h1
	expect_match "$(ip -n "$(ns h1)" maddr show dev eth0)" "link +$mac" "multicast filter of h1's eth0"
	expect_nomatch "$(ip -n "$(ns h1)" maddr show dev eth0)" "$CLUSTER_MAC" \
		"multicast filter of h1's eth0 (no derived MAC)"
	replies=$(client arp --src "$CLIENT_IP4" --target "$CLUSTER_IP4" --wait 1)
	log "ARP replies: $(tr '\n' ';' <<<"$replies")"
	expect_eq "$(grep -c '^reply' <<<"$replies")" 1 "number of ARP replies for $CLUSTER_IP4"
	expect_match "$replies" "^reply $mac" "ARP reply sender MAC"
	wlbs h1 params
	expect_match "$WLBS_OUT" "cluster mac +03-bf-0a-0b-0c-0d \\(multicast, manual\\)" "params"

	sed -i "s/^cluster_mac = .*/cluster_mac = 03-bf-0a-0b-0c-0e/" "$conf"
	wlbs h1 reload
	[ "$WLBS_RC" -ne 0 ] || fail "reload changed the cluster MAC: $WLBS_OUT"
	expect_match "$WLBS_OUT" "cluster MAC.*needs a restart" "reload error"
	wlbs h1 reload --json
	expect_match "$WLBS_OUT" '"code": *"WLBS_REBOOT"' "code of a reload that changes the cluster MAC"
	wlbs h1 params
	expect_match "$WLBS_OUT" "03-bf-0a-0b-0c-0d \\(multicast, manual\\)" "params after the refused reload"
	expect_served 198.18.0.201 h1
}
