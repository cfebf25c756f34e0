# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Remote control (UDP 2504/1717) from the client namespace to every host of a
# real cluster: answers, addressing, wrong password, replay, Convoy port,
# disabled, and garbage at the live daemons. Sourced by run.sh.

REMOTE_UDP=$WT_SRC/remote_udp.py

# remote_conf HOST [ENABLED] [CONVOY]: the default config plus a [remote] section.
remote_conf()
{
	local h=$1 enabled=${2:-yes} convoy=${3:-no}
	if [ ! -f "$WT_DIR/secret" ]; then
		printf 'netns remote secret\n' >"$WT_DIR/secret"
		chmod 600 "$WT_DIR/secret"
	fi
	host_conf "$h" </dev/null
	cat >>"$(conf_path "$h")" <<EOF

[remote]
enabled = $enabled
secret_file = $WT_DIR/secret
convoy_port = $convoy
rate_limit = 20
EOF
}

# remote_up N [ENABLED] [CONVOY]: N hosts with remote control, daemons running,
# the cluster converged.
remote_up()
{
	local n=$1 i
	topo_up "$n"
	for ((i = 1; i <= n; i++)); do
		remote_conf "h$i" "${2:-yes}" "${3:-no}"
		wlbsd_start "h$i"
	done
	for ((i = 1; i <= n; i++)); do
		wait_state "h$i" converged
	done
}

# rwlbs CMD [ARGS]: the CLI in the client namespace with the cluster's password
# (RW_SECRET overrides the file); sets WLBS_OUT and WLBS_RC like wlbs().
rwlbs()
{
	WLBS_OUT=$(in_ns c timeout 15 "$WLBS" "$@" --password-file "${RW_SECRET:-$WT_DIR/secret}" \
		--timeout 1500 2>&1)
	WLBS_RC=$?
	log "remote wlbs $* -> exit $WLBS_RC: $(tr '\n' ' ' <<<"$WLBS_OUT" | cut -c1-400)"
}

# Hosts listed in a --json answer array, sorted: "1 2 3".
json_hosts()
{
	"$PY" -c 'import json,sys
a = json.loads(sys.stdin.read())
print(" ".join(str(x["host"]) for x in sorted(a, key=lambda x: x["host"]) if "error" not in x))' \
		<<<"$1"
}

# wait_state HOST WANT: WANT within 5 s (a drain with nothing held ends by
# itself; the others reconverge when a host leaves or joins).
wait_state()
{
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(wlbs_state "$1")" = "$2" ] && break
		sleep 0.1
	done
	expect_state "$1" "$2"
}

# expect_states "converged stopped converged": h1, h2, h3 in that order (waited for).
expect_states()
{
	local i=1 want
	for want in $1; do
		wait_state "h$i" "$want"
		i=$((i + 1))
	done
}

# remote_capture FILE CMD [ARGS]: what `wlbs CMD` would send to the cluster,
# captured by pointing HOST at the client itself (port 9999): the same key and
# bytes a real request has, delivered to no host.
remote_capture()
{
	local out=$1 ready=$WT_DIR/capture.ready pid i
	shift
	rm -f "$ready" "$out"
	ip netns exec "$(ns c)" "$PY" "$REMOTE_UDP" capture --port 9999 --out "$out" \
		--ready "$ready" --timeout 10 >"$WT_DIR/capture.log" 2>&1 &
	pid=$!
	wt_track "$pid" capture
	for ((i = 0; i < 50; i++)); do
		[ -s "$ready" ] && break
		sleep 0.1
	done
	in_ns c timeout 10 "$WLBS" "$@" "$CLUSTER_IP4:$CLIENT_IP4" --port 9999 \
		--password-file "$WT_DIR/secret" --timeout 500 >/dev/null 2>&1
	wait "$pid"
	[ -s "$out" ] || fail "no request captured: $(cat "$WT_DIR/capture.log")"
	log "captured $(stat -c %s "$out") bytes of '$*'"
}

# udp_send FILE SRC [ARGS]: sends FILE's bytes to the cluster's 2504; sets UDP_OUT.
udp_send()
{
	local f=$1 src=$2
	shift 2
	UDP_OUT=$(in_ns c "$PY" "$REMOTE_UDP" send --dst "$CLUSTER_IP4" --src "$src" --in "$f" "$@")
	log "sent $f from $src: $UDP_OUT"
}

# Every host answers a query of the cluster, a stopped one too, in text and JSON.
test_remote_query_all()
{
	remote_up 3
	wlbs h2 stop
	expect_states "converged stopped converged"
	rwlbs query "$CLUSTER_IP4"
	expect_eq "$WLBS_RC" 0 "exit status of a remote query"
	expect_match "$WLBS_OUT" "^Host 1 converged" "host 1's line"
	expect_match "$WLBS_OUT" "^Host 2 .*stopped" "host 2's line (stopped: still answers)"
	expect_match "$WLBS_OUT" "^Host 3 converged" "host 3's line"
	expect_eq "$(grep -c '^Host' <<<"$WLBS_OUT")" 3 "one line per host"
	rwlbs query "$CLUSTER_IP4" --json
	expect_eq "$WLBS_RC" 0 "exit status of a remote query --json"
	expect_eq "$(json_hosts "$WLBS_OUT")" "1 2 3" "hosts in the JSON array"
	expect_match "$WLBS_OUT" '"authenticated": *true' "answers are authenticated"
	# NLB's spellings: /PASSW @FILE and /PORT.
	WLBS_OUT=$(in_ns c timeout 15 "$WLBS" query "$CLUSTER_IP4" /PASSW "@$WT_DIR/secret" \
		/PORT 2504 --timeout 1500 2>&1)
	expect_eq "$?" 0 "exit status with /PASSW @FILE /PORT 2504"
	expect_eq "$(grep -c '^Host' <<<"$WLBS_OUT")" 3 "hosts answering /PASSW @FILE"
	# A remote reload is refused (NLB: parameters change only on the host itself),
	# with its own code and the host's real state; a local one re-derives the key
	# and the remote control keeps answering.
	remote_conf h1
	printf '\n[rule extra]\nports = 8080\n' >>"$(conf_path h1)"
	rwlbs reload "$CLUSTER_IP4:1"
	expect_eq "$WLBS_RC" 1 "exit status of a remote reload"
	expect_match "$WLBS_OUT" "^Host 1: Reload refused: .*only on the host itself" "reload answer"
	rwlbs reload "$CLUSTER_IP4" --json
	expect_eq "$WLBS_RC" 1 "exit status of a remote reload of every host"
	expect_eq "$(grep -o '"code": *"WLBS_LOCAL_ONLY"' <<<"$WLBS_OUT" | wc -l)" 3 \
		"WLBS_LOCAL_ONLY from every host"
	expect_match "$WLBS_OUT" '"state": *"converged"' "the refusal carries the real state"
	wlbs h1 params
	expect_nomatch "$WLBS_OUT" "^rule extra " "nothing reloaded remotely"
	wlbs h1 reload
	expect_eq "$WLBS_RC" 0 "exit status of the local reload"
	rwlbs query "$CLUSTER_IP4"
	expect_eq "$(grep -c '^Host' <<<"$WLBS_OUT")" 3 "hosts answering after the reload"
}

# drainstop/start of one host, by priority, by dedicated IP (IPv4 and IPv6):
# only that host changes. A host that does not exist is named as silent.
test_remote_one_host()
{
	remote_up 3
	rwlbs drainstop "$CLUSTER_IP4:2"
	expect_eq "$WLBS_RC" 0 "exit status of drainstop CLUSTER:2"
	expect_eq "$(grep -c '^Host' <<<"$WLBS_OUT")" 1 "one host answered"
	expect_match "$WLBS_OUT" "^Host 2" "host 2 answered"
	wait_state h2 stopped
	expect_states "converged stopped converged"
	rwlbs start "$CLUSTER_IP4:2"
	expect_eq "$WLBS_RC" 0 "exit status of start CLUSTER:2"
	expect_states "converged converged converged"

	rwlbs drainstop "$CLUSTER_IP4:198.18.0.3"
	expect_eq "$WLBS_RC" 0 "exit status of drainstop CLUSTER:DIP"
	expect_match "$WLBS_OUT" "^Host 3" "host 3 answered"
	wait_state h3 stopped
	expect_states "converged converged stopped"
	rwlbs start "$CLUSTER_IP4:[2001:db8:18::3]"
	expect_eq "$WLBS_RC" 0 "exit status of start CLUSTER:[IPv6 DIP]"
	expect_match "$WLBS_OUT" "^Host 3" "host 3 answered over IPv6"
	expect_states "converged converged converged"
	rwlbs start "$CLUSTER_IP4:3"
	expect_eq "$WLBS_RC" 3 "exit status of a second start (already)"

	rwlbs stop "$CLUSTER_IP4:4"
	expect_eq "$WLBS_RC" 5 "exit status when the host does not answer"
	expect_match "$WLBS_OUT" "Host 4: did not answer" "silent host named"
	expect_states "converged converged converged"
}

# A wrong password changes nothing, is reported per host, counted and logged;
# the secret is in no log and a password on the command line is refused.
test_remote_bad_password()
{
	remote_up 2
	printf 'not the cluster secret\n' >"$WT_DIR/wrong"
	chmod 600 "$WT_DIR/wrong"
	RW_SECRET=$WT_DIR/wrong rwlbs stop "$CLUSTER_IP4"
	expect_eq "$WLBS_RC" 4 "exit status with a wrong password"
	expect_match "$WLBS_OUT" "Host 1: Bad password" "host 1 reports the bad password"
	expect_match "$WLBS_OUT" "Host 2: Bad password" "host 2 reports the bad password"
	expect_states "converged converged"
	RW_SECRET=$WT_DIR/wrong rwlbs stop "$CLUSTER_IP4:2" --json
	expect_match "$WLBS_OUT" '"code": *"WLBS_BAD_PASSW"' "JSON names WLBS_BAD_PASSW"
	expect_match "$WLBS_OUT" '"authenticated": *false' "JSON marks it unauthenticated"
	expect_states "converged converged"
	# (a retry of the same bytes, when an answer is slow, is counted again)
	wlbs h1 display
	expect_match "$WLBS_OUT" "bad-password=[1-9]" "display counts the bad password on h1"
	expect_match "$WLBS_OUT" "other-host=[1-9]" "display counts the request for host 2 on h1"
	wlbs h2 display
	expect_match "$WLBS_OUT" "bad-password=([2-9]|[1-9][0-9])" "display counts both on h2"
	expect_match "$(cat "$(wlbsd_log h1)")" "bad password" "h1 logged it"
	expect_nomatch "$(cat "$(wlbsd_log h1)" "$(wlbsd_log h2)")" "netns remote secret" \
		"daemon logs (the secret)"

	WLBS_OUT=$(in_ns c timeout 5 "$WLBS" stop "$CLUSTER_IP4" /PASSW hunter2hunter2 2>&1)
	expect_eq "$?" 2 "exit status of /PASSW PASSWORD"
	expect_match "$WLBS_OUT" "visible to every user" "why /PASSW PASSWORD is refused"
	expect_nomatch "$WLBS_OUT" "hunter2" "the refusal (the password)"
	expect_states "converged converged"
}

# A captured request replayed is refused: it ran once, never again.
test_remote_replay_refused()
{
	remote_up 2
	remote_capture "$WT_DIR/stop.req" stop
	udp_send "$WT_DIR/stop.req" 198.18.0.201
	expect_match "$UDP_OUT" "answers=2 " "first delivery of the captured stop"
	expect_states "stopped stopped"
	rwlbs start "$CLUSTER_IP4"
	expect_eq "$WLBS_RC" 0 "exit status of start"
	expect_states "converged converged"
	udp_send "$WT_DIR/stop.req" 198.18.0.202
	expect_match "$UDP_OUT" "answers=0 " "replayed stop"
	expect_states "converged converged"
	wlbs h1 display
	expect_match "$WLBS_OUT" "replay=1 " "display counts the replay"
}

# 1717 is answered only by hosts configured with convoy_port; the CLI names the
# member that stayed silent (it knows the members from host 1's cluster view).
test_remote_convoy_port()
{
	topo_up 2
	remote_conf h1 yes yes
	remote_conf h2 yes no
	wlbsd_start h1
	wlbsd_start h2
	expect_states "converged converged"
	rwlbs query "$CLUSTER_IP4" --port 1717
	expect_eq "$WLBS_RC" 5 "exit status of a query on 1717 (host 2 silent)"
	expect_match "$WLBS_OUT" "^Host 1 converged" "host 1 answers on 1717"
	expect_match "$WLBS_OUT" "^Host 2: did not answer" "host 2 named silent on 1717"
	rwlbs query "$CLUSTER_IP4:2" --port 1717
	expect_eq "$WLBS_RC" 5 "exit status of a query of host 2 on 1717"
	rwlbs query "$CLUSTER_IP4"
	expect_eq "$(grep -c '^Host' <<<"$WLBS_OUT")" 2 "both hosts answer on 2504"
}

# Remote control disabled: no answer, and display says so.
test_remote_disabled()
{
	topo_up 2
	remote_conf h1 no
	remote_conf h2 yes
	wlbsd_start h1
	wlbsd_start h2
	rwlbs stop "$CLUSTER_IP4:1"
	expect_eq "$WLBS_RC" 5 "exit status when host 1 has remote control off"
	expect_match "$WLBS_OUT" "Host 1: did not answer" "host 1 silent"
	expect_states "converged converged"
	rwlbs query "$CLUSTER_IP4"
	expect_eq "$WLBS_RC" 5 "exit status of a cluster query (host 1 silent)"
	expect_match "$WLBS_OUT" "^Host 2 converged" "host 2 answers"
	expect_match "$WLBS_OUT" "^Host 1: did not answer" "host 1 named silent"
	expect_states "converged converged"
	wlbs h1 display
	expect_match "$WLBS_OUT" "remote control +disabled" "display on h1"
	# The whole cluster with it off: nobody answers.
	wlbsd_kill h2 TERM
	remote_conf h2 no
	wlbsd_start h2
	expect_states "converged converged"
	rwlbs query "$CLUSTER_IP4"
	expect_eq "$WLBS_RC" 5 "exit status when remote control is off everywhere"
	expect_nomatch "$WLBS_OUT" "^Host" "answers with remote control off"
}

# Truncations, random bytes, oversized and wrong-version datagrams at the live
# daemons: no answer, no state change, counted; then they still answer.
test_remote_survives_garbage()
{
	local out
	remote_up 2
	remote_capture "$WT_DIR/stop.req" stop
	out=$(in_ns c "$PY" "$REMOTE_UDP" junk --dst "$CLUSTER_IP4" --src 198.18.0.210 \
		--in "$WT_DIR/stop.req" --random 300 --wait 1)
	log "junk: $out"
	expect_match "$out" "answers=0$" "answers to junk"
	out=$(in_ns c "$PY" "$REMOTE_UDP" junk --dst 198.18.0.1 --src 198.18.0.211 \
		--in "$WT_DIR/stop.req" --random 300 --wait 1 --seed 2)
	expect_match "$out" "answers=0$" "answers to junk at h1's dedicated IP"
	wlbsd_alive h1 || fail "wlbsd on h1 died"
	wlbsd_alive h2 || fail "wlbsd on h2 died"
	expect_states "converged converged"
	wlbs h1 display
	expect_match "$WLBS_OUT" "truncated=[1-9]" "display counts truncated datagrams"
	expect_match "$WLBS_OUT" "rate-limited=[1-9]" "display counts rate-limited datagrams"
	rwlbs query "$CLUSTER_IP4"
	expect_eq "$WLBS_RC" 0 "exit status of a query after the junk"
	expect_eq "$(grep -c '^Host' <<<"$WLBS_OUT")" 2 "both hosts still answer"
	# The captured request itself was never executed.
	udp_send "$WT_DIR/stop.req" 198.18.0.212
	expect_match "$UDP_OUT" "answers=2 " "the intact request after its truncations"
	expect_states "stopped stopped"
}
