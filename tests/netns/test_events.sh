# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Convergence events, as machines read them: every wlbsd here logs to a
# journal socket of its own (a private mount namespace, journal_sink.py
# decoding the native protocol), and each test provokes events and checks
# that each appears exactly once, with its MESSAGE_ID and WLBS_* fields, on
# the hosts concerned and in `wlbs display`; and what `query` says on a host
# that is not (yet) in a view. Sourced by run.sh.

EV_IDS=$WT_TOP/lib/events_table.c

# _ev_launch HOST: HOST's wlbsd with --log-target journal, its journal socket
# bound by a sink in a private mount namespace (tmpfs on /run/systemd), entries
# in $WT_DIR/HOST/journal.jsonl. Does not wait.
_ev_launch()
{
	local h=$1 d=$WT_DIR/$1 n pid i
	n=$(($(cat "$d/starts" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$d/starts"
	rm -f "$d/sink.ready"
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare -m --propagation private bash -c '
		mount -t tmpfs tmpfs /run/systemd && mkdir -p /run/systemd/journal || exit 1
		"$1" "$2/journal_sink.py" --out "$3/journal.jsonl" --ready "$3/sink.ready" \
			>"$3/sink.log" 2>&1 </dev/null &
		for i in $(seq 50); do [ -s "$3/sink.ready" ] && break; sleep 0.1; done
		shift 3
		exec "$@"' _ "$PY" "$WT_SRC" "$d" \
		ip netns exec "$(ns "$h")" "$WLBSD" -c "$d/wlbs.conf" --bpffs "$d/bpffs" \
		--state-dir "$d/state" --socket "$d/run/wlbsd.sock" -v --log-target journal \
		>"$d/wlbsd.$n.log" 2>&1 &
	pid=$!
	echo "$pid" >"$d/wlbsd.pid"
	wt_track "$pid" "wlbsd-$h"
	for ((i = 0; i < 50; i++)); do
		[ -s "$d/sink.ready" ] && break
		sleep 0.1
	done
	[ -s "$d/sink.ready" ] || fail "journal sink for $h not ready: $(cat "$d/sink.log")"
	wt_track "$(cat "$d/sink.ready")" "journal-sink-$h"
}

_ev_start()
{
	_ev_launch "$1"
	wlbsd_wait "$1" 10
}

# _ev_cluster SECONDS HOST...: HOSTs started together, converged.
_ev_cluster()
{
	local secs=$1 h
	shift
	for h in "$@"; do _ev_launch "$h"; done
	for h in "$@"; do wlbsd_wait "$h" "$secs"; done
	cluster_wait_converged "$secs" "$@"
}

# _ev_count HOST EVENT [KEY=VALUE...] [~REGEX]: entries of EVENT in HOST's
# journal with those fields (and a MESSAGE matching REGEX). Fails if an entry
# of EVENT carries another MESSAGE_ID than EVENT's.
_ev_count()
{
	local h=$1 ev=$2 a args=()
	shift 2
	for a in "$@"; do
		case $a in
		~*) args+=(--message-re "${a#\~}") ;;
		*) args+=(--field "$a") ;;
		esac
	done
	"$PY" "$WT_SRC/journal_sink.py" count --file "$WT_DIR/$h/journal.jsonl" --event "$ev" \
		--ids "$EV_IDS" "${args[@]}" || fail "journal of $h: wrong MESSAGE_ID for $ev"
}

# _ev_once HOST EVENT [KEY=VALUE...] [~REGEX]: such an entry appears (within
# 10 s), and a second later there is still exactly one.
_ev_once()
{
	local h=$1 i n
	for ((i = 0; i < 100; i++)); do
		n=$(_ev_count "$@")
		[ "$n" -ge 1 ] && break
		sleep 0.1
	done
	[ "$n" -ge 1 ] && sleep 1 && n=$(_ev_count "$@")
	if [ "$n" != 1 ]; then
		echo "---- journal of $h, events:"
		"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if "WLBS_EVENT" in e: print(" ", e["WLBS_EVENT"], e.get("WLBS_HOST", ""), e.get("WLBS_STATUS", ""), e.get("WLBS_MEMBERS", ""), "|", e["MESSAGE"])' \
			"$WT_DIR/$h/journal.jsonl"
		fail "$h: event $2 ${*:3}: $n entries, want exactly 1"
	fi
	log "ok: $h logged $2 ${*:3} once"
}

# _ev_none HOST EVENT [KEY=VALUE...]: no such entry.
_ev_none()
{
	expect_eq "$(_ev_count "$@")" 0 "$1: entries of $2 ${*:3}"
}

_ev_mac() { in_ns "$1" cat /sys/class/net/eth0/address; }

# _ev_query HOST: sets QJ_STATE, QJ_CAUSE, QJ_MEMBERS ("1,2"), QJ_SOURCE, QJ_TEXT
# from `wlbs query --json`.
_ev_query()
{
	local out
	out=$(timeout 10 "$WLBS" query --json --socket "$(sock_path "$1")" 2>/dev/null)
	eval "$("$PY" -c 'import json, shlex, sys
try:
    o = json.loads(sys.argv[1])
except ValueError:
    o = {}
for k, v in (("QJ_STATE", o.get("state", "unknown")), ("QJ_CAUSE", o.get("cause", "")),
             ("QJ_MEMBERS", ",".join(map(str, o.get("members", [])))),
             ("QJ_SOURCE", o.get("state_source", "")), ("QJ_TEXT", o.get("message", ""))):
    print("%s=%s" % (k, shlex.quote(str(v))))' "$out")"
	log "query $1: $QJ_STATE, cause '$QJ_CAUSE', members [$QJ_MEMBERS]: $QJ_TEXT"
}

# Start (version, host), join, converged (DEFAULT on the default host only),
# leave: stopped, drained, vanished after a SIGKILL; each once, on the hosts
# concerned, and in display.
# netns: serial
test_events_membership()
{
	local h v
	cluster_topo 4
	_ev_cluster 20 h1 h2 h3
	v=$("$WLBSD" --version | awk '{ print $2 }')
	for h in h1 h2 h3; do
		_ev_once "$h" start "WLBS_HOST=${h#h}" "~^wlbsd $v on eth0: .*host ${h#h} .*from initial_state"
		_ev_query "$h"
		expect_eq "$QJ_SOURCE" initial_state "$h: query's state source"
	done
	_ev_once h1 converged WLBS_MEMBERS=1-3 WLBS_STATUS=default "~as DEFAULT with 3 host\(s\): 1-3"
	_ev_once h2 converged WLBS_MEMBERS=1-3 WLBS_STATUS=converged "~^converged with 3 host"
	_ev_none h2 converged WLBS_STATUS=default

	_ev_start h4
	cluster_wait_converged 10 h1 h2 h3 h4
	for h in h1 h2 h3; do
		_ev_once "$h" host-joined WLBS_HOST=4 WLBS_STATUS=joined "~^host 4 joined the cluster: view 1-4$"
		_ev_once "$h" converged WLBS_MEMBERS=1-4
	done
	_ev_once h4 host-joined WLBS_HOST=4 "~^host 4 \(this host\) joined the cluster: view 1-4$"
	_ev_none h4 host-joined WLBS_HOST=1
	_ev_once h4 converged WLBS_MEMBERS=1-4 WLBS_STATUS=converged

	wlbs h4 stop
	cluster_wait_converged 10 h1 h2 h3
	for h in h1 h2 h3; do
		_ev_once "$h" host-left WLBS_HOST=4 WLBS_STATUS=stopped "~^host 4 left the cluster: stopped; view 1-3$"
	done
	_ev_once h4 host-left WLBS_HOST=4 WLBS_STATUS=stopped "~this host"
	_ev_once h4 command WLBS_STATUS=stopped "~^stop: "

	wlbs h3 drainstop
	cluster_wait_converged 10 h1 h2
	for h in h1 h2; do
		_ev_once "$h" host-left WLBS_HOST=3 WLBS_STATUS=drained "~^host 3 left the cluster: drained"
	done
	_ev_once h3 drain-done WLBS_HOST=3
	_ev_once h3 host-left WLBS_HOST=3 "~this host\) left the cluster: drained"

	wlbsd_kill h2 KILL
	cluster_wait_converged 10 h1
	_ev_once h1 host-left WLBS_HOST=2 WLBS_STATUS=vanished \
		"~^host 2 left the cluster: vanished after [4-7] missed heartbeats; view 1$"
	_ev_once h1 converged WLBS_MEMBERS=1 WLBS_STATUS=default
	wlbs h1 display
	expect_match "$WLBS_OUT" "\[host-left\] host 2 left the cluster: vanished after [0-9]+ missed" \
		"display of h1: the vanished host"
	expect_match "$WLBS_OUT" "\[host-joined\] host 4 joined the cluster: view 1-4" \
		"display of h1: the join"
	expect_match "$WLBS_OUT" "\[converged\] converged as DEFAULT with 1 host\(s\): 1" \
		"display of h1: converged"
	expect_match "$WLBS_OUT" "state after start from initial_state" "display of h1: state source"
}

# _ev_cut HOST on|off: the bridge drops every frame from and to HOST (nftables).
_ev_cut()
{
	if [ "$2" = on ]; then
		in_ns br nft -f - <<EOF || fail "nft partition of $1"
table bridge wlbs_cut {
	chain cut {
		type filter hook forward priority 0; policy accept;
		iifname "$1" drop
		oifname "$1" drop
	}
}
EOF
	else
		in_ns br nft delete table bridge wlbs_cut || fail "nft heal"
	fi
	log "partition of $1: $2"
}

# A partition (h3 cut off, then back): both sides see it once when the views
# meet and once when they are one again; each side saw the other vanish.
test_events_partition()
{
	local h
	cluster_topo 3
	_ev_cluster 20 h1 h2 h3
	_ev_cut h3 on
	cluster_wait_converged 10 h1 h2
	cluster_wait_converged 10 h3
	_ev_once h1 host-left WLBS_HOST=3 WLBS_STATUS=vanished
	_ev_once h3 host-left WLBS_HOST=1 WLBS_STATUS=vanished
	_ev_once h3 host-left WLBS_HOST=2 WLBS_STATUS=vanished
	_ev_once h3 converged WLBS_MEMBERS=3 WLBS_STATUS=default "~as DEFAULT"
	for h in h1 h2 h3; do _ev_none "$h" partition; done

	_ev_cut h3 off
	cluster_wait_converged 10 h1 h2 h3
	_ev_once h1 partition WLBS_MEMBERS=3 "~^partition: host\(s\) 3 served a view of their own while this host's view was 1, 2 .*keeps serving$"
	_ev_once h2 partition WLBS_MEMBERS=3
	# Which of h1, h2 h3 names depends on whose heartbeat crossed first (and on
	# what it served at that instant): at least one, never itself.
	_ev_once h3 partition WLBS_HOST=3 "~^partition: host\(s\) (1|2|1, 2) served a view of their own while this host's view was 3 "
	for h in h1 h2 h3; do
		_ev_once "$h" partition-healed WLBS_MEMBERS=1-3 "~^partition healed: one view again: 1-3$"
	done
	wlbs h3 display
	expect_match "$WLBS_OUT" "\[partition\] partition: host\(s\) (1|2|1, 2) served a view of their own while this host's view was 3 \(two views, two default hosts\); the larger side keeps serving" \
		"display of h3: the partition, whole (over 119 characters)"
	expect_match "$WLBS_OUT" "\[partition-healed\]" "display of h3: healed"
}

# Duplicate priority: h3 also says priority 2. Both hosts log it (naming the
# other's MAC) and say so in query; h1 sees it too; stopping h3 clears it.
test_events_duplicate()
{
	local m2 m3
	cluster_topo 3
	sed -i 's/^priority = 3$/priority = 2/' "$(conf_path h3)"
	m2=$(_ev_mac h2)
	m3=$(_ev_mac h3)
	_ev_cluster 20 h1 h2
	_ev_start h3
	_ev_once h2 duplicate-priority WLBS_HOST=2 WLBS_MAC="$m3" WLBS_STATUS=kept \
		"~^duplicate host priority 2: this host \(MAC $m2\) and MAC $m3; this host started first"
	_ev_once h3 duplicate-priority WLBS_HOST=2 WLBS_MAC="$m2" WLBS_STATUS=excluded \
		"~^duplicate host priority 2: this host \(MAC $m3\) and MAC $m2; the other started first"
	_ev_once h1 duplicate-priority WLBS_HOST=2 WLBS_STATUS=seen "~$m2|$m3"
	cluster_wait_converged 5 h1 h2
	_ev_query h3
	expect_eq "$QJ_STATE" converging "h3 (duplicate) state"
	expect_eq "$QJ_CAUSE" "duplicate host priority" "h3 (duplicate) cause"
	expect_eq "$QJ_MEMBERS" 2 "h3 (duplicate) lists itself"
	expect_match "$QJ_TEXT" "converging \(cause: duplicate host priority: host priority 2 is also used by MAC $m2, which started first\) with the following host\(s\) as part of the cluster: 2$" \
		"h3 (duplicate) query text"
	_ev_query h2
	expect_match "$QJ_TEXT" "Note: duplicate host priority 2: MAC $m3 also claims it and stands down" \
		"h2 (the other duplicate) query text"
	wlbs h3 display
	expect_match "$WLBS_OUT" "\[duplicate-priority\] duplicate host priority 2" "display of h3"

	wlbs h3 stop
	_ev_once h2 conflict-cleared WLBS_HOST=2 WLBS_STATUS=duplicate-cleared
	_ev_query h2
	expect_nomatch "$QJ_TEXT" "duplicate" "h2 query after the duplicate stopped"
}

# A wrong cluster key: the keyed hosts log the failing MAC once; the host with
# the wrong key stands down once, logs each failing MAC once, and query says why.
test_events_bad_key()
{
	local m1 m2 m3 h
	cluster_topo 3
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WT_DIR/cluster.key"
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WT_DIR/other.key"
	chmod 600 "$WT_DIR/cluster.key" "$WT_DIR/other.key"
	for h in h1 h2; do
		sed -i "s|^mode = multicast$|mode = multicast\nkey_file = $WT_DIR/cluster.key|" "$(conf_path "$h")"
	done
	sed -i "s|^mode = multicast$|mode = multicast\nkey_file = $WT_DIR/other.key|" "$(conf_path h3)"
	m1=$(_ev_mac h1)
	m2=$(_ev_mac h2)
	m3=$(_ev_mac h3)
	_ev_cluster 20 h1 h2
	_ev_start h3
	for h in h1 h2; do
		_ev_once "$h" bad-auth WLBS_MAC="$m3" WLBS_STATUS=bad-auth "~^heartbeats from $m3 fail authentication"
	done
	_ev_once h3 bad-auth WLBS_MAC="$m1"
	_ev_once h3 bad-auth WLBS_MAC="$m2"
	_ev_once h3 key-mismatch WLBS_HOST=3
	_ev_none h1 key-mismatch
	cluster_wait_converged 5 h1 h2
	_ev_query h3
	expect_eq "$QJ_STATE" converging "h3 (wrong key) state"
	expect_eq "$QJ_CAUSE" "wrong cluster key" "h3 (wrong key) cause"
	expect_eq "$QJ_MEMBERS" 3 "h3 (wrong key) lists itself"
	expect_match "$QJ_TEXT" "cause: wrong cluster key: heartbeats from ($m1|$m2) fail authentication" \
		"h3 (wrong key) query text"
	wlbs h1 display
	expect_match "$WLBS_OUT" "\[bad-auth\] heartbeats from $m3 fail authentication" "display of h1"
}

# A lone host with a slow heartbeat (1 s x 5): query says "listening" while it
# listens, then "hears no other host" while it waits to take its buckets,
# then converged with that note. Restarted after a stop, the state came from
# the persisted state: query and display say so.
test_events_query_alone()
{
	local i seen=
	topo_up 1
	HB_PERIOD_MS=1000 host_conf h1
	_ev_start h1
	_ev_query h1
	expect_eq "$QJ_STATE" converging "lone h1 right after start"
	expect_eq "$QJ_CAUSE" "listening (just started)" "lone h1 cause right after start"
	expect_eq "$QJ_MEMBERS" 1 "lone h1 lists itself"
	expect_match "$QJ_TEXT" "cause: listening \(just started\): hears no other host yet\) with the following host\(s\) as part of the cluster: 1$" \
		"lone h1 query text while listening"
	# Every answer until converged: listening, then hears nobody (never an empty list).
	for ((i = 0; i < 150; i++)); do
		_ev_query h1
		[ "$QJ_STATE" = converged ] && break
		expect_eq "$QJ_MEMBERS" 1 "lone h1 members while $QJ_CAUSE"
		if [ "$QJ_CAUSE" != "listening (just started)" ]; then
			expect_eq "$QJ_CAUSE" "hears no other host" "lone h1 cause after listening"
			seen=1
		fi
		sleep 0.1
	done
	[ -n "$seen" ] || fail "lone h1: never reported 'hears no other host' before converging"
	expect_eq "$QJ_STATE" converged "lone h1 in the end"
	expect_match "$QJ_TEXT" "converged as DEFAULT .*: 1\. Note: hears no other host$" "lone h1 converged"

	wlbs h1 stop
	wlbsd_kill h1 TERM
	_ev_once h1 exit WLBS_HOST=1
	_ev_start h1
	_ev_query h1
	expect_eq "$QJ_STATE" stopped "h1 restarted after a stop"
	expect_eq "$QJ_SOURCE" persisted "h1's state source after the restart"
	wlbs h1 query
	expect_match "$WLBS_OUT" "State after start: from the persisted state" "query text after the restart"
	wlbs h1 display
	expect_match "$WLBS_OUT" "state after start from the persisted state" "display after the restart"
	expect_eq "$(_ev_count h1 start "~from the persisted state")" 1 "start events from the persisted state"
}
