# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Conflicts an operator must be told about (issue 11): two hosts whose port
# rules differ say which rule and how, once per change, on both sides, in
# query and display; a cluster IP announced by another machine's MAC is one
# event per host and claimer, a query cause, and clears when the claims stop.
# The cluster's own ARP/ND in multicast and unicast mode is never taken
# for a claim. Sourced by run.sh.

# _log_count HOST TEXT: lines of HOST's wlbsd log holding TEXT (fixed string).
_log_count() { grep -cF -- "$2" "$(wlbsd_log "$1")"; }

# _wait_log HOST TEXT SECONDS: until HOST's log holds TEXT, else fail.
_wait_log()
{
	local end=$(($(now_ms) + $3 * 1000))
	while [ "$(_log_count "$1" "$2")" -eq 0 ]; do
		[ "$(now_ms)" -lt "$end" ] || { show_log "$1"; fail "$1 never logged: $2"; }
		sleep 0.1
	done
	log "ok: $1 logged: $2"
}

test_rules_differ()
{
	local want1 want2 clear
	topo_up 2
	host_conf h1
	host_conf h2
	sed -i 's/^affinity = none$/affinity = single/' "$(conf_path h2)"
	wlbsd_launch h1
	wlbsd_launch h2
	wlbsd_wait h1 10
	wlbsd_wait h2 10
	want1='port rules differ: rule test (all 7000-7099/tcp): host 2 has affinity single, this host none'
	want2='port rules differ: rule test (all 7000-7099/tcp): host 1 has affinity none, this host single'
	_wait_log h1 "$want1" 5
	_wait_log h2 "$want2" 5
	# Over two descriptor periods (max(10 T, 1 s)): still one event each, no other text.
	sleep 2.5
	expect_eq "$(_log_count h1 'port rules differ')" 1 "rules-differ events on h1"
	expect_eq "$(_log_count h2 'port rules differ')" 1 "rules-differ events on h2"
	# Equal groups: the one with the lower priority serves, h2 stands down.
	wlbs h2 query
	expect_match "$WLBS_OUT" "excluded: port rules differ: rule test \\(all 7000-7099/tcp\\): host 1 has affinity none, this host single" "h2 query"
	wlbs h1 query
	expect_match "$WLBS_OUT" "port rules differ: rule test .*host 2 has affinity single, this host none" "h1 query"
	wlbs h1 display
	expect_match "$WLBS_OUT" "RULES DIFFER +rule test .*host 2 has affinity single" "h1 display"

	# Fixed on h2: each side says so once, and the two converge.
	sed -i 's/^affinity = single$/affinity = none/' "$(conf_path h2)"
	wlbs h2 reload
	expect_eq "$WLBS_RC" 0 "reload of h2"
	clear='port rules of host 2 agree with this host'"'"'s again'
	_wait_log h1 "$clear" 5
	_wait_log h2 'port rules of host 1 agree with this host'"'"'s again' 5
	cluster_wait_converged 10 h1 h2
	wlbs h2 query
	expect_nomatch "$WLBS_OUT" "rules differ" "h2 query after the fix"
	expect_eq "$(_log_count h1 'port rules differ')" 1 "rules-differ events on h1 in all"
}

# _claim_send V4|V6 MAC: from the client namespace, announces the cluster IP
# at MAC: three gratuitous ARP replies, or three unsolicited NAs (override set,
# target link-layer address MAC) to ff02::1.
_claim_send()
{
	in_ns c "$PY" - "$1" "$2" "$CLUSTER_IP4" "$CLUSTER_IP6" <<'PYEOF'
import socket, struct, sys, time
fam, mac, ip4, ip6 = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), sys.argv[3], sys.argv[4]

def csum(b):
    b += b"\0" * (len(b) % 2)
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

if fam == "V4":
    a = socket.inet_aton(ip4)
    frame = b"\xff" * 6 + mac + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + \
        mac + a + b"\xff" * 6 + a
    frame += b"\0" * (60 - len(frame))
else:
    src, dst = socket.inet_pton(socket.AF_INET6, ip6), socket.inet_pton(socket.AF_INET6, "ff02::1")
    na = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + src + bytes([2, 1]) + mac
    pseudo = src + dst + struct.pack("!I3xB", len(na), 58)
    na = na[:2] + struct.pack("!H", csum(pseudo + na)) + na[4:]
    ip = struct.pack("!IHBB", 0x60000000, len(na), 58, 255) + src + dst
    frame = bytes.fromhex("333300000001") + mac + b"\x86\xdd" + ip + na
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for _ in range(3):
    s.send(frame)
    time.sleep(0.05)
PYEOF
}

test_vip_claimed()
{
	local mac h t4 t6
	topo_up 2
	host_conf h1
	host_conf h2
	cluster_start 20 h1 h2
	mac=$(in_ns c cat /sys/class/net/eth0/address)
	_claim_send V4 "$mac" || fail "sending the gratuitous ARP"
	_claim_send V6 "$mac" || fail "sending the NA"
	t4="cluster IP $CLUSTER_IP4 claimed by another machine ($mac)"
	t6="cluster IP $CLUSTER_IP6 claimed by another machine ($mac)"
	for h in h1 h2; do
		_wait_log "$h" "$t4: an ARP/NA for it names $mac" 5
		_wait_log "$h" "$t6: an ARP/NA for it names $mac" 5
	done
	# Three frames each, and more of them later: still one event per host and IP.
	sleep 1
	_claim_send V4 "$mac"
	sleep 1
	for h in h1 h2; do
		expect_eq "$(_log_count "$h" "$t4: an ARP")" 1 "claim events for $CLUSTER_IP4 on $h"
		expect_eq "$(_log_count "$h" "$t6: an ARP")" 1 "claim events for $CLUSTER_IP6 on $h"
		wlbs "$h" query
		expect_match "$WLBS_OUT" "cluster IP conflict: cluster IP $CLUSTER_IP4 claimed by another machine \\($mac\\)" "$h query"
		# The policy: a claim does not stop the cluster.
		expect_eq "$(wlbs_state "$h")" converged "$h state during the claim"
	done
	wlbs h1 display
	expect_match "$WLBS_OUT" "IP CONFLICT +cluster IP $CLUSTER_IP6 claimed by another machine \\($mac\\)" "h1 display"
	# No claim for 10 s: cleared, once, and query says nothing more.
	_wait_log h1 "$t4: no claim for 10 s" 14
	_wait_log h1 "$t6: no claim for 10 s" 3
	_wait_log h2 "$t4: no claim for 10 s" 3
	# query's note follows the watcher's next tick (100 ms here): at most 1 s later.
	for _ in $(seq 1 20); do
		wlbs h1 query
		grep -q "cluster IP conflict" <<<"$WLBS_OUT" || break
		sleep 0.05
	done
	expect_nomatch "$WLBS_OUT" "cluster IP conflict" "h1 query after the claims stopped"
}

# _no_claims: no host logged a cluster IP claim (the cluster's own ARP/NA are legit).
_no_claims()
{
	local h
	for h in h1 h2 h3; do
		expect_eq "$(_log_count "$h" "claimed by")" 0 "cluster IP claims logged by $h"
	done
}

# Hosts with only the cluster IPs resolve 60 fresh clients from them (ARP and
# NS from the cluster IP, answered to it): nobody mistakes that for a claim.
test_vip_claims_none_multicast()
{
	_neigh_case multicast no "$CLUSTER_MAC"
	_no_claims
}

# The same in unicast mode, where every NIC carries the cluster MAC.
test_vip_claims_none_unicast()
{
	_neigh_case unicast no 02:bf:c6:12:00:64
	_no_claims
}
