# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Authenticated heartbeats: with a cluster key, a host without it (or with
# another) cannot join or take buckets; a reload naming an unreadable key is
# refused and the running configuration keeps serving. Sourced by run.sh.

# _auth_key HOST FILE: HOST's config names FILE as the cluster key.
_auth_key()
{
	sed -i "s|^mode = multicast$|mode = multicast\nkey_file = $2|" "$(conf_path "$1")"
}

test_cluster_auth()
{
	local out
	cluster_topo 3
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WT_DIR/cluster.key"
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WT_DIR/other.key"
	chmod 600 "$WT_DIR/cluster.key" "$WT_DIR/other.key"
	_auth_key h1 "$WT_DIR/cluster.key"
	_auth_key h2 "$WT_DIR/cluster.key"
	_auth_key h3 "$WT_DIR/other.key"
	cluster_start 20 h1 h2

	# h3 has the wrong key: h1 and h2 drop its heartbeats and keep their view.
	wlbsd_start h3
	sleep 1.5
	cluster_wait_converged 5 h1 h2
	spread keyed "$PORT_ID" 30 4 25000
	expect_exactly_once
	expect_eq "$(spread_val h3)" 0 "connections answered by the host with the wrong key"
	wlbs h1 display
	expect_match "$WLBS_OUT" "heartbeats +authenticated" "display of h1: heartbeat authentication"
	expect_match "$WLBS_OUT" "heartbeats dropped bad-auth=[1-9]" "display of h1: h3's frames dropped"
	# h3 hears only frames it cannot authenticate: it stands down and says why.
	wlbs h3 display
	expect_match "$WLBS_OUT" "EXCLUDED +heartbeats of this cluster fail authentication" \
		"display of h3 (wrong key)"
	expect_state h3 converging

	# A reload naming a key file that cannot be read is refused; h1 keeps serving.
	sed -i "s|^key_file = .*|key_file = $WT_DIR/missing.key|" "$(conf_path h1)"
	wlbs h1 reload
	expect_eq "$WLBS_RC" 1 "exit status of a reload with an unreadable key"
	expect_match "$WLBS_OUT" "missing.key" "reload error names the key file"
	cluster_wait_converged 5 h1 h2
	spread after "$PORT_ID" 30 4 25000
	expect_exactly_once
	expect_eq "$(spread_val h3)" 0 "connections answered by h3 after the refused reload"
}
