# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# wlbsd --uninstall removes every trace, after a clean exit and after a crash.

_sysctls()
{
	# shellcheck disable=SC2016 # expanded by the inner sh
	in_ns "$1" sh -c 'for f in /proc/sys/net/ipv4/conf/eth0/* /proc/sys/net/ipv4/conf/all/* \
		/proc/sys/net/ipv6/conf/eth0/* /proc/sys/net/ipv6/conf/all/*; do
		printf "%s=%s\n" "${f#/proc/sys/}" "$(cat "$f" 2>/dev/null | tr "\n" " ")"; done'
}

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
	local pins
	expect_eq "$(xdp_prog_count h1)" 0 "XDP programs on h1's eth0 after uninstall"
	expect_eq "$(tc_filter_count h1)" 0 "tc filters on h1's eth0 after uninstall"
	expect_nomatch "$(tc -n "$(ns h1)" qdisc show dev eth0)" "clsact" "qdiscs after uninstall"
	expect_nomatch "$(ip -n "$(ns h1)" addr show dev eth0)" \
		"inet $CLUSTER_IP4/|inet6 $CLUSTER_IP6/" "addresses after uninstall"
	expect_match "$(ip -n "$(ns h1)" addr show dev eth0)" "inet 198\\.18\\.0\\.1/24" \
		"the host's own address after uninstall"
	expect_nomatch "$(ip -n "$(ns h1)" maddr show dev eth0)" "$CLUSTER_MAC" \
		"multicast filter after uninstall"
	pins=$(find "$WT_DIR/h1/bpffs" -mindepth 1 | sort)
	[ "$pins" = "$BPFFS_BEFORE" ] ||
		fail "bpffs after uninstall: $(tr '\n' ' ' <<<"$pins") (before wlbsd: $BPFFS_BEFORE)"
	log "ok: bpffs as before wlbsd: $(tr '\n' ' ' <<<"$pins")"
	expect_eq "$(ls "$WT_DIR/h1/state")" "" "state dir after uninstall"
	[ "$(_sysctls h1)" = "$SYSCTLS_BEFORE" ] || fail "interface sysctls after uninstall:" \
		"$(diff <(echo "$SYSCTLS_BEFORE") <(_sysctls h1) | grep '^[<>]' | tr '\n' ' ')"
	log "ok: interface sysctls as before wlbsd"
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
	SYSCTLS_BEFORE=$(_sysctls h1)
	BPFFS_BEFORE=$(find "$WT_DIR/h1/bpffs" -mindepth 1 | sort)
	server_start h1

	wlbsd_start h1
	expect_served "$CLIENT_IP4" h1
	_expect_installed
	log "sysctls wlbsd changed: $(diff <(echo "$SYSCTLS_BEFORE") <(_sysctls h1) | grep '^>' | tr '\n' ' ')"
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
