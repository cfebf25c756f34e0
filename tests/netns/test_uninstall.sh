# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# wlbsd --uninstall removes every trace, after a clean exit and after a crash.

_expect_installed()
{
	expect_eq "$(xdp_prog_count h1)" 1 "XDP programs on h1's eth0"
	expect_eq "$(tc_filter_count h1)" 2 "tc filters (ingress + egress) on h1's eth0"
	expect_match "$(ip -n "$(ns h1)" addr show dev eth0)" "inet $CLUSTER_IP4/" "addresses"
	expect_match "$(ip -n "$(ns h1)" maddr show dev eth0)" "$CLUSTER_MAC" "multicast filter"
	[ -n "$(find "$WT_DIR/h1/bpffs" -path '*wlbs*')" ] || fail "no wlbs pins in the bpffs"
}

_expect_removed()
{
	expect_no_trace h1 "after uninstall"
	expect_eq "$(connect_one 198.18.0.220 198.18.0.1)" h1 "connection to the dedicated IP"
}

_uninstall()
{
	local out rc
	out=$(in_ns h1 timeout 10 "$WLBSD" --uninstall --state-dir "$WT_DIR/h1/state" 2>&1)
	rc=$?
	log "wlbsd --uninstall -> exit $rc: $out"
	expect_eq "$rc" 0 "exit status of wlbsd --uninstall"
}

test_uninstall()
{
	topo_up 1
	host_conf h1
	trace_snapshot h1
	server_start h1

	wlbsd_start h1
	expect_served "$CLIENT_IP4" h1
	_expect_installed
	log "sysctls wlbsd changed: $(diff <(echo "$SYSCTLS_BEFORE") <(iface_sysctls h1) | grep '^>' | tr '\n' ' ')"
	wlbsd_kill h1 TERM
	_uninstall
	_expect_removed
	_uninstall

	# After a crash, from the install record alone.
	wlbsd_start h1
	expect_served 198.18.0.201 h1
	_expect_installed
	wlbsd_kill h1 KILL
	_uninstall
	_expect_removed
}
