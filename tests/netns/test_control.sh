# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Control commands on a real daemon: the Q247712 sequences. Sourced by run.sh.

# drainstop with a connection open: draining with its count, a second
# drainstop says so (exit 3), the connection flows, new ones go nowhere;
# stop then stops.
test_drainstop_q247712()
{
	single_host_up
	stream_start s1 198.18.0.201

	wlbs h1 drainstop
	expect_eq "$WLBS_RC" 0 "exit status of drainstop"
	expect_match "$WLBS_OUT" "drain" "drainstop message"
	expect_state h1 draining
	wlbs h1 query
	expect_match "$WLBS_OUT" "\\b1 connection" "query while draining (held connections)"
	wlbs h1 query --json
	expect_match "$WLBS_OUT" '"connections": *1\b' "query --json while draining"

	wlbs h1 drainstop
	expect_eq "$WLBS_RC" 3 "exit status of a second drainstop"
	expect_match "$WLBS_OUT" "already" "second drainstop message"
	expect_state h1 draining

	expect_flowing s1
	expect_unserved 198.18.0.202
	expect_flowing s1

	wlbs h1 stop
	expect_eq "$WLBS_RC" 0 "exit status of stop while draining"
	expect_match "$WLBS_OUT" "stopped" "stop message while draining"
	expect_state h1 stopped
	expect_unserved 198.18.0.203
}

# Draining ends by itself once the last connection closes: query says stopped.
test_drainstop_ends_itself()
{
	local t0 i state=
	single_host_up
	stream_start s1 198.18.0.201
	wlbs h1 drainstop
	expect_eq "$WLBS_RC" 0 "exit status of drainstop"
	expect_state h1 draining
	sleep 0.3
	expect_state h1 draining

	stream_stop s1
	t0=$(now_ms)
	for ((i = 0; i < 30; i++)); do
		state=$(wlbs_state h1)
		[ "$state" = stopped ] && break
		sleep 0.1
	done
	log "state $(($(now_ms) - t0)) ms after the last connection closed: $state"
	[ "$state" = stopped ] || { wlbs h1 query; fail "still '$state' 3 s after the last connection closed"; }
	[ "$(($(now_ms) - t0))" -le 1500 ] || fail "drain took more than ~1 s to end"
	expect_unserved 198.18.0.202
	wlbs h1 start
	expect_eq "$WLBS_RC" 0 "exit status of start"
	expect_served 198.18.0.203 h1
}

# suspend stops the host and refuses everything but resume and query; it
# survives a restart; resume leaves it stopped; start serves again.
test_suspend_resume()
{
	single_host_up
	wlbs h1 suspend
	expect_eq "$WLBS_RC" 0 "exit status of suspend"
	expect_match "$WLBS_OUT" "suspended" "suspend message"
	expect_state h1 suspended
	expect_unserved 198.18.0.201

	wlbs h1 stop
	expect_eq "$WLBS_RC" 1 "exit status of stop while suspended"
	expect_match "$WLBS_OUT" "suspended" "stop refused message"
	wlbs h1 start
	expect_eq "$WLBS_RC" 1 "exit status of start while suspended"
	expect_match "$WLBS_OUT" "suspended" "start refused message"
	expect_state h1 suspended
	expect_unserved 198.18.0.202

	wlbsd_restart h1
	expect_state h1 suspended

	wlbs h1 resume
	expect_eq "$WLBS_RC" 0 "exit status of resume"
	expect_state h1 stopped
	expect_unserved 198.18.0.203
	wlbs h1 start
	expect_eq "$WLBS_RC" 0 "exit status of start"
	expect_served 198.18.0.204 h1
	expect_state h1 converged
}
