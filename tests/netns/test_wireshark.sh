# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The Wireshark dissector (contrib/wireshark/wlbs.lua) on real traffic: a 2-host
# cluster's (keyed) heartbeats and rules descriptors, and remote control exchanges
# (query, stop, start, display, a wrong password) captured on the client, read
# back with `tshark -X lua_script:`; plus crafted frames (tests/netns/wscraft.py):
# an MS NLB heartbeat still goes to Wireshark's msnlb, broken wlbs frames get
# expert info, remote control on another port is found by the heuristic.
# Sourced by run.sh (remote_conf, rwlbs, wait_state: test_remote.sh; _auth_key: test_auth.sh).

WS_LUA=$WT_TOP/contrib/wireshark/wlbs.lua

# ws_init: tshark is there; an installed copy of the dissector (make install, the
# package), which Wireshark loads anyway, is the tree's. Sets WS_INST (its path).
ws_init()
{
	command -v tshark >/dev/null || fail "tshark is not installed (make deps)"
	WS_INST=$(tshark -G plugins 2>/dev/null | awk -F'\t+' '$1 == "wlbs.lua" { print $NF }')
	if [ -n "$WS_INST" ] && ! cmp -s "$WS_INST" "$WS_LUA"; then
		fail "Wireshark loads $WS_INST, not the tree's $WS_LUA"
	fi
	log "dissector: $WS_LUA${WS_INST:+ (installed as $WS_INST)}"
}

# ws FILE [TSHARK ARGS]: tshark reading FILE with the tree's dissector; prints its output.
ws()
{
	local f=$1 lua=(-X "lua_script:$WS_LUA")
	shift
	[ -n "$WS_INST" ] && lua=()
	tshark -r "$f" "${lua[@]}" "$@" 2>"$WT_DIR/tshark.err"
	if grep -v '^Running as user' "$WT_DIR/tshark.err" | grep -q .; then
		fail "tshark: $(cat "$WT_DIR/tshark.err")"
	fi
}

# ws_fields FILE FILTER FIELD...: one line per matching frame, fields separated by spaces.
ws_fields()
{
	local f=$1 filter=$2 e=() x
	shift 2
	for x in "$@"; do e+=(-e "$x"); done
	ws "$f" -Y "$filter" -T fields -E separator=' ' -E occurrence=a -E aggregator=, "${e[@]}"
}

test_wireshark_dissects()
{
	local cap=$WT_DIR/cap.pcap bad=$WT_DIR/bad.pcap pid i out req n h
	ws_init
	# remote_up 2, with a cluster key: authenticated heartbeats.
	topo_up 2
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WT_DIR/cluster.key"
	chmod 600 "$WT_DIR/cluster.key"
	for h in h1 h2; do
		remote_conf "$h"
		_auth_key "$h" "$WT_DIR/cluster.key"
		wlbsd_start "$h"
	done
	wait_state h1 converged
	wait_state h2 converged
	# Capture on the client: the bridge floods it every heartbeat. Long answers
	# (display) come in IP fragments: those without the UDP header too.
	ip netns exec "$(ns c)" dumpcap -q -P -i eth0 -w "$cap" -f 'ether proto 0x886f or
		udp port 2504 or udp port 1717 or (ip and ip[6:2] & 0x3fff != 0)' \
		>"$WT_DIR/dumpcap.log" 2>&1 &
	pid=$!
	wt_track "$pid" dumpcap
	for ((i = 0; i < 50; i++)); do
		grep -qs 'Capturing on' "$WT_DIR/dumpcap.log" && break
		sleep 0.1
	done
	grep -q 'Capturing on' "$WT_DIR/dumpcap.log" || fail "dumpcap: $(cat "$WT_DIR/dumpcap.log")"
	rwlbs query "$CLUSTER_IP4"
	expect_eq "$WLBS_RC" 0 "remote query"
	rwlbs stop "$CLUSTER_IP4:2"
	expect_eq "$WLBS_RC" 0 "remote stop of host 2"
	rwlbs start "$CLUSTER_IP4:2"
	expect_eq "$WLBS_RC" 0 "remote start of host 2"
	rwlbs display "$CLUSTER_IP4:1"
	expect_eq "$WLBS_RC" 0 "remote display of host 1"
	printf 'not the secret\n' >"$WT_DIR/wrong"
	RW_SECRET=$WT_DIR/wrong rwlbs query "$CLUSTER_IP4:1"
	expect_eq "$WLBS_RC" 4 "remote query with a wrong password"
	# Rules descriptors go out every second: wait until one more has been captured.
	wait_state h2 converged
	sleep 1.1
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
	log "captured $(ws "$cap" | wc -l) frames"

	# Heartbeats: both hosts, running, converged on view 1-2, the same leader.
	out=$(ws_fields "$cap" wlbs.hb wlbs.hb.host | sort -un | paste -sd' ')
	expect_eq "$out" "1 2" "heartbeat senders (wlbs.hb.host)"
	out=$(ws_fields "$cap" wlbs.hb wlbs.hb.version wlbs.hb.n_rules wlbs.hb.dirty.count \
		wlbs.hb.flags.auth wlbs.hb.auth.present | sort -u)
	expect_eq "$out" "$(sed -n "s/^#define WLBS_HB_VERSION \([0-9]*\)$/\1/p" "$WT_TOP/include/wlbs/heartbeat.h") 1 0 1 1" "heartbeats: version, rules, dirty buckets, authenticated"
	# The last heartbeat of each host: running, converged, view 1-2, leader 1 (the lowest).
	out=$(ws_fields "$cap" wlbs.hb wlbs.hb.host wlbs.hb.state wlbs.hb.flags.converged \
		wlbs.hb.view.host wlbs.hb.leader | awk '{ last[$1] = $0 } END { for (h in last) print last[h] }' |
		sort)
	expect_eq "$out" $'1 1 1 1,2 1\n2 1 1 1,2 1' "last heartbeats: host state converged view leader"
	# While stopped, host 2 is out of host 1's view.
	expect_match "$(ws_fields "$cap" 'wlbs.hb.host == 1 && !(wlbs.hb.view.host == 2)' \
		wlbs.hb.view.host | sort -u)" "^1$" "host 1's view without host 2 while it is stopped"
	out=$(ws "$cap" -Y 'wlbs.hb.host == 2 && wlbs.hb.state == 1' -V | head -n 120)
	expect_match "$out" "State: running \\(1\\)" "state name in the tree"
	expect_match "$out" "View: 0x0000000000000003 \\(hosts 1-2\\)" "view as a host list"
	expect_match "$out" "Dirty bucket bitmap: [0-9]+ of 8192 buckets dirty" "dirty summary"
	expect_match "$out" "Rule 0: weight equal, handling priority 2" "the rule entry"
	# A rules descriptor: rule "test", 7000-7099/tcp.
	out=$(ws_fields "$cap" wlbs.rd wlbs.rd.host wlbs.rd.rule.name wlbs.rd.rule.port_lo \
		wlbs.rd.rule.port_hi wlbs.rd.rule.proto wlbs.rd.auth.present | sort -u)
	expect_match "$out" "^1 test 7000 7099 1 1$" "host 1's rules descriptor"

	# Remote control: the query to every host, answered by both, linked to it.
	req=$(ws_fields "$cap" 'wlbs.ctl.type == 1 && wlbs.ctl.command == 1 && wlbs.rc.host == 0 &&
		wlbs.rc.mac.present == 1' frame.number | head -n 1)
	[ -n "$req" ] || fail "no remote query captured"
	out=$(ws_fields "$cap" "wlbs.rc.request_in == $req" wlbs.rc.host wlbs.ctl.command \
		wlbs.ctl.status.name wlbs.ctl.state wlbs.ctl.members.host | sort -u)
	expect_match "$out" "^1 1 WLBS_(CONVERGED|DEFAULT) 2 1,2$" "host 1's answer to the query"
	expect_match "$out" "^2 1 WLBS_(CONVERGED|DEFAULT) 2 1,2$" "host 2's answer to the query"
	out=$(ws "$cap" -Y "frame.number == $req" -V)
	expect_match "$out" "Command: query \\(1\\)" "the request's command name"
	expect_match "$out" "Host: 0 \\(every host\\)" "the request addressed to every host"
	# stop and start of host 2: WLBS_OK, and the state after each.
	out=$(ws_fields "$cap" 'wlbs.rc.flags.response == 1 && (wlbs.ctl.command == 2 ||
		wlbs.ctl.command == 3)' wlbs.ctl.command wlbs.rc.host wlbs.ctl.status wlbs.ctl.state)
	expect_eq "$out" $'3 2 1000 0\n2 2 1000 1' "stop then start answers: command host status state"
	expect_match "$(ws "$cap" -Y 'wlbs.ctl.command == 3 && wlbs.rc.flags.response == 1' -V)" \
		"Status: WLBS_OK \\(1000\\)" "status name in the tree"
	# display: every page's records decode; the host and params records say what we run.
	out=$(ws_fields "$cap" 'wlbs.rec.host.version' wlbs.rec.host.version wlbs.rec.host.priority \
		wlbs.rec.host.ifname)
	expect_eq "$out" "$(cat "$WT_TOP/VERSION") 1 eth0" "display host record: version, priority, interface"
	out=$(ws_fields "$cap" wlbs.rec.params.ifname wlbs.rec.params.heartbeat_period_ms \
		wlbs.rec.params.cluster_mac wlbs.rec.rule.name)
	expect_match "$out" "^100 03:bf:c6:12:00:64 test$" "display params and rule records"
	expect_match "$(ws_fields "$cap" wlbs.rec.addr.addr wlbs.rec.addr.addr4)" "198\\.18\\.0\\.1\\b" \
		"display address records"
	n=$(ws_fields "$cap" 'wlbs.ctl.command == 10 && wlbs.rc.flags.response == 1' wlbs.ctl.count |
		tr ',' '\n' | awk '{ s += $1 } END { print s }')
	expect_eq "$(ws "$cap" -Y 'wlbs.ctl.command == 10' -V | grep -c '^ *Record: ')" "$n" \
		"display records dissected (the pages' counts)"
	# The wrong password: a NOAUTH answer, WLBS_BAD_PASSW.
	out=$(ws_fields "$cap" 'wlbs.rc.flags.noauth == 1' wlbs.ctl.status.name wlbs.rc.mac.present wlbs.noauth)
	expect_match "$out" "^WLBS_BAD_PASSW 0 1$" "the answer to a wrong password"
	# Nothing else gets a warning or an error (ours: bad magic, version, length,
	# value, record; Wireshark's: malformed, Lua errors, wrong field sizes).
	out=$(ws "$cap" -Y '(_ws.expert.severity >= 0x00600000 && !wlbs.noauth) || _ws.malformed ||
		_ws.lua')
	expect_eq "$out" "" "frames with warnings or errors in the capture"

	# Crafted frames: NLB's heartbeat still goes to msnlb; broken wlbs frames are flagged.
	"$PY" "$WT_SRC/wscraft.py" "$bad" || fail "wscraft.py"
	out=$(ws_fields "$bad" 'frame.number == 1' msnlb.signature msnlb.unique_host_id wlbs.hb)
	expect_eq "$out" "0xc0de01bf 3 " "an MS NLB heartbeat: msnlb fields, no wlbs heartbeat"
	expect_eq "$(ws "$bad" -Y 'frame.number == 1 && wlbs')" "" "no wlbs tree in the NLB frame"
	out=$(ws_fields "$bad" 'frame.number > 1 && frame.number < 6' wlbs.bad_length \
		wlbs.bad_version wlbs.bad_magic)
	expect_eq "$out" $'1  \n 1 \n  1\n1  ' "expert info: cut heartbeat, version 9, UDP 2504 garbage, descriptor length"
	out=$(ws_fields "$bad" 'frame.number == 6' udp.dstport wlbs.rc.host wlbs.ctl.command)
	expect_eq "$out" "12504 0 1" "a query on another port, found by the heuristic"
}
