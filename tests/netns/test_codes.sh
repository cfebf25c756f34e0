# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Answers that say what happened, on a real daemon: a refused reload names the
# rule error's code or WLBS_REBOOT and keeps the running configuration whole;
# enable/disable/drain name their rules and disable cuts held connections;
# drainstop --wait follows the held count to the stop or the timeout.
# Sourced by run.sh.

# add_rule HOST NAME PORTS: one more tcp rule in HOST's config.
add_rule()
{
	printf '\n[rule %s]\nports = %s\nprotocol = tcp\n' "$2" "$3" >>"$(conf_path "$1")"
}

# expect_reload_refused HOST CODE WHAT: `reload` exits 1 with CODE (text and --json).
expect_reload_refused()
{
	wlbs "$1" reload
	expect_eq "$WLBS_RC" 1 "exit status of a reload with $3"
	expect_match "$WLBS_OUT" "running configuration kept" "reload message with $3"
	wlbs "$1" reload --json
	expect_eq "$WLBS_RC" 1 "exit status of reload --json with $3"
	expect_match "$WLBS_OUT" "\"code\": *\"$2\"" "code of a reload with $3"
}

# The running rules: "test" only, and h1 still serves through it.
expect_running_config_kept()
{
	wlbs h1 params
	expect_match "$WLBS_OUT" "^rule test " "running rule after $1"
	expect_eq "$(grep -c '^rule ' <<<"$WLBS_OUT")" 1 "rules running after $1"
	expect_served "$2" h1
}

# Overlap, a bad rule, 33 rules: each refused with its own code, nothing applied;
# a good file afterwards reloads.
test_reload_rule_error_codes()
{
	local conf i
	single_host_up
	conf=$(conf_path h1)
	cp "$conf" "$WT_DIR/good.conf"

	add_rule h1 dup 7050
	expect_reload_refused h1 WLBS_PORT_OVERLAP "an overlapping rule"
	expect_match "$WLBS_OUT" "overlap on ports 7050" "the overlap is named"
	expect_running_config_kept "the overlap" 198.18.0.201

	cp "$WT_DIR/good.conf" "$conf"
	add_rule h1 bad 90-80
	expect_reload_refused h1 WLBS_BAD_PORT_PARAMS "a bad port range"
	expect_match "$WLBS_OUT" "rule bad\\] ports" "the bad key is named"
	expect_running_config_kept "the bad rule" 198.18.0.202

	cp "$WT_DIR/good.conf" "$conf"
	for ((i = 0; i < 32; i++)); do add_rule h1 "r$i" $((8000 + i)); done
	expect_reload_refused h1 WLBS_MAX_PORT_RULES "33 rules"
	expect_running_config_kept "33 rules" 198.18.0.203

	cp "$WT_DIR/good.conf" "$conf"
	add_rule h1 extra 8080
	wlbs h1 reload --json
	expect_eq "$WLBS_RC" 0 "exit status of a good reload after the refused ones"
	expect_match "$WLBS_OUT" '"code": *"WLBS_OK"' "code of the good reload"
	wlbs h1 params
	expect_match "$WLBS_OUT" "^rule extra " "the good reload applied"
}

# A priority change is WLBS_REBOOT naming the key; nothing of the file applies
# (not even its new rule) until a restart, which takes all of it.
test_reload_priority_needs_restart()
{
	single_host_up
	host_conf h1 3
	add_rule h1 extra 8080
	expect_reload_refused h1 WLBS_REBOOT "a new priority"
	expect_match "$WLBS_OUT" '"status": *1050' "status number of WLBS_REBOOT"
	expect_match "$WLBS_OUT" "priority 1 -> 3: that needs a restart" "the key is named"
	expect_match "$WLBS_OUT" "Reload not applied, running configuration kept: .*none of it was applied now" \
		"what happened is said"
	wlbs h1 query
	expect_match "$WLBS_OUT" "^Host 1 " "priority still 1"
	expect_running_config_kept "the priority change" 198.18.0.201
	wlbsd_restart h1
	wlbs h1 query
	expect_match "$WLBS_OUT" "^Host 3 " "the restart applied the priority"
	wlbs h1 params
	expect_match "$WLBS_OUT" "^rule extra " "the restart applied the new rule too"
}

# The answers name the rules acted on; drain keeps a held connection flowing,
# disable cuts it (its packets are dropped here), as wlbs help disable says.
test_rule_commands_name_rules_disable_cuts()
{
	local a b
	topo_up 1
	host_conf h1
	add_rule h1 web 8080
	server_start h1
	wlbsd_start h1
	expect_served "$CLIENT_IP4" h1
	stream_start s1 198.18.0.201

	wlbs h1 drain 7001
	expect_eq "$WLBS_RC" 0 "exit status of drain 7001"
	expect_match "$WLBS_OUT" "Rule\\(s\\) acted on: test 7000-7099/tcp\\.$" "drain names the rule"
	expect_flowing s1

	wlbs h1 disable 7001
	expect_eq "$WLBS_RC" 0 "exit status of disable 7001"
	expect_match "$WLBS_OUT" "acted on: test 7000-7099/tcp\\.$" "disable names the rule"
	expect_match "$WLBS_OUT" "held connections' too" "disable says what it does to them"
	sleep 0.3
	a=$(stream_count s1)
	sleep 1
	b=$(stream_count s1)
	log "held stream after disable: $a -> $b lines"
	[ "$b" -le "$((a + 1))" ] || fail "stream s1 still flowing after disable: $a -> $b"

	wlbs h1 enable all
	expect_eq "$WLBS_RC" 0 "exit status of enable all"
	expect_match "$WLBS_OUT" "acted on: test 7000-7099/tcp, web 8080/tcp\\.$" "enable all names both"
	wlbs h1 disable 9999
	expect_eq "$WLBS_RC" 1 "exit status of disable of an uncovered port"
	expect_match "$WLBS_OUT" "no port rule covers port 9999" "not found message"
}

# drainstop --wait ARGS in the background: its output in $WT_DIR/wait.out, exit in wait.rc.
wait_start()
{
	rm -f "$WT_DIR/wait.rc"
	(
		timeout 30 "$WLBS" drainstop --wait --socket "$(sock_path h1)" "$@" \
			>"$WT_DIR/wait.out" 2>&1
		echo $? >"$WT_DIR/wait.rc"
	) &
	wt_track $! drainwait
}

# wait_end SECONDS: until the background wait exits; sets WAIT_RC, WAIT_OUT.
wait_end()
{
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		[ -s "$WT_DIR/wait.rc" ] && break
		sleep 0.1
	done
	WAIT_RC=$(cat "$WT_DIR/wait.rc" 2>/dev/null)
	WAIT_OUT=$(cat "$WT_DIR/wait.out")
	log "drainstop --wait -> exit ${WAIT_RC:-none}: $(tr '\n' '|' <<<"$WAIT_OUT")"
}

# --wait: exit 5 at --timeout while connections are held (still draining);
# then the count falls 2 -> 1 -> stopped as they close: exit 0.
test_drainstop_wait()
{
	local t0
	single_host_up
	stream_start s1 198.18.0.201
	stream_start s2 198.18.0.202

	t0=$(now_ms)
	wlbs h1 drainstop --wait --timeout 1500
	expect_eq "$WLBS_RC" 5 "exit status of drainstop --wait at the timeout"
	[ "$(($(now_ms) - t0))" -ge 1400 ] || fail "drainstop --wait returned before its timeout"
	expect_match "$WLBS_OUT" "^Connection draining started\\." "the drainstop answer"
	expect_match "$WLBS_OUT" "^Draining: 2 connection\\(s\\) still held\\.$" "the held count"
	expect_match "$WLBS_OUT" "^Timeout after 1500 ms: host 1 is still draining, 2 conn" \
		"timeout message"
	expect_state h1 draining
	expect_flowing s1

	wait_start --timeout 15000
	sleep 1
	stream_stop s1
	sleep 1
	if [ -s "$WT_DIR/wait.rc" ]; then
		wait_end 0
		fail "the wait ended with a connection held"
	fi
	expect_flowing s2
	stream_stop s2
	wait_end 5
	expect_eq "$WAIT_RC" 0 "exit status of drainstop --wait once stopped"
	expect_match "$WAIT_OUT" "already in progress" "the second drainstop's answer"
	expect_match "$(tr '\n' '|' <<<"$WAIT_OUT")" \
		"Draining: 2 connection.*\\|Draining: 1 connection.*\\|Drain complete: host 1 is stopped\\.\\|$" \
		"the count falls, then the stop"
	expect_state h1 stopped

	wlbs h1 drainstop --wait --json
	expect_eq "$WLBS_RC" 3 "drainstop --wait of a stopped host (already)"
}
