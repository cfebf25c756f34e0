# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The default host fails closed like every other host: once its wlbsd is gone
# (SIGTERM as `systemctl stop` sends, or SIGKILL), its pinned fast path takes no
# uncovered connection and answers no ARP or neighbour solicitation, so the
# default host the others chose is the only one. Sourced by run.sh.

PORT_UNCOVERED=7500 # no rule of cluster_conf covers it: the default host's

# Three hosts, every server also listening on PORT_UNCOVERED, converged.
_default_cluster()
{
	local h
	topo_up 3
	for h in h1 h2 h3; do
		cluster_conf "$h"
		server_start "$h" --also-port "$PORT_UNCOVERED" &
	done
	wait || true
	for h in h1 h2 h3; do
		[ -s "$WT_DIR/$h/server.ready" ] || fail "server on $h not listening"
	done
	cluster_start 20 h1 h2 h3
}

# _neigh_replies TARGET: the frame sources of the answers to one ARP request
# (NS for IPv6) for TARGET, one per line.
_neigh_replies()
{
	local src=$CLIENT_IP4
	[[ $1 == *:* ]] && src=$CLIENT_IP6
	client arp --src "$src" --target "$1" --wait 1 | sed -n 's/.*eth_src=//p'
}

# _expect_one_answer TARGET HOST: exactly one reply, from HOST.
_expect_one_answer()
{
	local got want
	want=$(in_ns "$2" cat /sys/class/net/eth0/address)
	got=$(_neigh_replies "$1" | paste -sd,)
	expect_eq "$got" "$want" "hosts answering a solicitation for $1 (want $2 alone)"
}

# _expect_uncovered_by HOST NAME PORTBASE: 100 new connections to a port no
# rule covers, each answered exactly once, all by HOST.
_expect_uncovered_by()
{
	spread "$2" "$PORT_UNCOVERED" 20 5 "$3"
	expect_exactly_once
	expect_eq "$(spread_val "$1")" "$(spread_val total)" "uncovered connections served by $1"
}

# _fails_closed SIGNAL: the default host h1's wlbsd ends by SIGNAL while its
# server keeps listening; h2 becomes the only default host.
_fails_closed()
{
	local out dup h1mac
	_default_cluster
	h1mac=$(in_ns h1 cat /sys/class/net/eth0/address)
	_expect_uncovered_by h1 before 30000
	_expect_one_answer "$CLUSTER_IP4" h1
	_expect_one_answer "$CLUSTER_IP6" h1

	wlbsd_kill h1 "$1"
	if [ "$1" = TERM ]; then
		# At once: h1 answers nothing any more, even before the others converge.
		expect_nomatch "$(_neigh_replies "$CLUSTER_IP4")" "$h1mac" "ARP replies right after SIGTERM"
		expect_nomatch "$(_neigh_replies "$CLUSTER_IP6")" "$h1mac" "NA replies right after SIGTERM"
	fi
	cluster_wait_converged 10 h2 h3
	_expect_uncovered_by h2 after 31000
	_expect_one_answer "$CLUSTER_IP4" h2
	_expect_one_answer "$CLUSTER_IP6" h2
	# ICMP echo is uncovered traffic too: one answer per request.
	out=$(in_ns c timeout 20 ping -n -q -c 20 -i 0.05 -W 1 "$CLUSTER_IP4" 2>&1)
	log "ping $CLUSTER_IP4: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
	grep -q "20 packets transmitted, 20 received" <<<"$out" || fail "ping: not every echo answered"
	dup=$(sed -n 's/.*+\([0-9]*\) duplicates.*/\1/p' <<<"$out")
	expect_eq "${dup:-0}" 0 "duplicate echo replies"
}

test_default_host_sigterm_fails_closed()
{
	_fails_closed TERM
}

test_default_host_sigkill_fails_closed()
{
	_fails_closed KILL
}
