# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The example playbook (examples/ansible/rolling-maintenance.yml) against a
# real 3-host cluster: drain, wait, restart wlbsd, start, converge, host by
# host, driven only by wlbs's exit statuses and --json. Sourced by run.sh.

# A shell command that restarts HOST's wlbsd like `systemctl restart` would.
_ansible_restart_cmd()
{
	local h=$1 d=$WT_DIR/$1
	printf '%s' "pid=\$(cat $d/wlbsd.pid); kill -TERM \$pid; " \
		"for i in \$(seq 50); do kill -0 \$pid 2>/dev/null || break; sleep 0.1; done; " \
		"n=\$((\$(cat $d/starts) + 1)); echo \$n >$d/starts; " \
		"setsid ip netns exec $(ns "$h") $WLBSD -c $d/wlbs.conf --bpffs $d/bpffs " \
		"--state-dir $d/state --socket $d/run/wlbsd.sock -v " \
		">$d/wlbsd.\$n.log 2>&1 </dev/null & echo \$! >$d/wlbsd.pid"
}

test_ansible_rolling_maintenance()
{
	local inv=$WT_DIR/inventory.yml h out rc
	command -v ansible-playbook >/dev/null || fail "ansible-playbook missing (make deps)"
	cluster_up 3
	# h2 holds a long transfer: the playbook must wait for it, and it must finish.
	pattern_start held 198.18.0.206 20000 262144 131072
	{
		echo "wlbs_cluster:"
		echo "  hosts:"
		for h in h1 h2 h3; do
			echo "    $h:"
			echo "      ansible_connection: local"
			echo "      ansible_python_interpreter: $PY"
			echo "      wlbs: \"ip netns exec $(ns "$h") $WLBS --socket $(sock_path "$h")\""
			echo "      upgrade_cmd: \"$(_ansible_restart_cmd "$h")\""
			echo "      drain_timeout_s: 30"
			echo "      converge_timeout_s: 20"
		done
	} >"$inv"
	out=$(ANSIBLE_NOCOLOR=1 ANSIBLE_HOST_KEY_CHECKING=0 ANSIBLE_LOCAL_TEMP=$WT_DIR/ansible \
		timeout 240 ansible-playbook -i "$inv" "$WT_SRC/../../examples/ansible/rolling-maintenance.yml" 2>&1)
	rc=$?
	log "playbook exit $rc; recap: $(sed -n '/PLAY RECAP/,$p' <<<"$out" | tr -s ' ' | tr '\n' ';')"
	[ "$rc" -eq 0 ] || { printf '%s\n' "$out" | tail -40; fail "playbook failed (exit $rc)"; }
	for h in h1 h2 h3; do
		# drainstop, the restart and start changed something; nothing failed.
		expect_match "$out" "$h +: ok=[0-9]+ +changed=3 +unreachable=0 +failed=0" "recap of $h"
	done
	pattern_wait held 30
	expect_match "$(pattern_status held)" "ok" "transfer held by a drained host"
	cluster_wait_converged 10 h1 h2 h3
	for h in h1 h2 h3; do
		expect_eq "$(cat "$WT_DIR/$h/starts")" 2 "wlbsd starts on $h (one restart by the playbook)"
	done
	spread after "$PORT_ID" 50 4 24000
	expect_exactly_once
}
