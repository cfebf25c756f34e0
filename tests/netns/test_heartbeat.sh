# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Heartbeats go where NLB sends them (multicast, igmp: the cluster MAC;
# unicast: broadcast), every mode still converges, and under a busy CPU the
# fastest documented timing changes no membership. Sourced by run.sh.

# _hb_cluster MODE: three hosts in MODE, started and converged.
_hb_cluster()
{
	local i
	cluster_topo 3
	for ((i = 1; i <= 3; i++)); do
		sed -i "s/^mode = multicast$/mode = $1/" "$(conf_path "h$i")"
	done
	cluster_start 20 h1 h2 h3
}

# _hb_expect_dst WANT: every heartbeat the client sees (1 s) goes to WANT, and
# it sees all three hosts.
_hb_expect_dst()
{
	local out
	out=$(in_ns c "$PY" "$WT_SRC/hbcap.py" --duration 1) || fail "no heartbeat captured"
	log "capture: $(tr '\n' ';' <<<"$out")"
	expect_eq "$(grep -c '^dst ' <<<"$out")" 1 "destination MACs of heartbeats"
	expect_match "$out" "^dst $1 [0-9]+" "heartbeat destination MAC"
	expect_eq "$(grep -c '^host ' <<<"$out")" 3 "hosts heard by the client"
}

test_hb_dst_multicast()
{
	_hb_cluster multicast
	_hb_expect_dst "$CLUSTER_MAC"
}

test_hb_dst_igmp()
{
	_hb_cluster igmp
	_hb_expect_dst 01:00:5e:7f:00:64
}

test_hb_dst_unicast()
{
	_hb_cluster unicast
	_hb_expect_dst ff:ff:ff:ff:ff:ff
}
