# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The Ansible role wlbs (examples/ansible/roles/wlbs) and the playbooks using
# it (site.yml, rolling-maintenance.yml) against a real 3-host cluster, each
# namespace host an Ansible host (connection local; the CLI, the daemon and
# the config are per-host variables). No package manager and no systemd here:
# wlbs_install and wlbs_service are false, a restart is wlbs_restart_cmd.
# Sourced by run.sh.

ANSIBLE_DIR=$WT_TOP/examples/ansible

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

# _ansible_inventory FILE: the cluster of cluster_up 3 as role variables: the
# same configuration lib.sh's cluster_conf writes (rules test, single, classc).
_ansible_inventory()
{
	local h
	{
		cat <<EOI
wlbs_cluster:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $PY
    wlbs_install: false
    wlbs_service: false
    wlbs_cluster_ips: [$CLUSTER_IP4/24, "$CLUSTER_IP6/64"]
    wlbs_heartbeat_period_ms: ${HB_PERIOD_MS:-100}
    wlbs_heartbeat_tolerance: ${HB_TOLERANCE:-5}
    wlbs_cleanup_delay_ms: 1000
    wlbs_interface: eth0
    wlbs_rules:
      - {name: test, ports: 7000-7099, protocol: tcp, mode: multiple, affinity: none, load_weight: equal}
      - {name: single, ports: 7100-7199, protocol: tcp, affinity: single}
      - {name: classc, ports: 7200-7299, protocol: tcp, affinity: classc}
    wlbs_drain_timeout_s: 30
    wlbs_converge_timeout_s: 20
  hosts:
EOI
		for h in h1 h2 h3; do
			cat <<EOI
    $h:
      wlbs_priority: ${h#h}
      wlbs_dedicated_ips: [198.18.0.${h#h}/24, "2001:db8:18::${h#h}/64"]
      wlbs_cli: "ip netns exec $(ns "$h") $WLBS --socket $(sock_path "$h")"
      wlbs_wlbsd: "ip netns exec $(ns "$h") $WLBSD"
      wlbs_config_path: $(conf_path "$h")
      wlbs_restart_cmd: "$(_ansible_restart_cmd "$h")"
EOI
		done
	} >"$1"
}

# _ansible_play NAME PLAYBOOK [ARGS]: runs it against $WT_DIR/inventory.yml;
# sets PLAY_OUT, PLAY_RC and logs the recap.
_ansible_play()
{
	local name=$1 book=$2 t0
	shift 2
	t0=$(now_ms)
	PLAY_OUT=$(ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP=$WT_DIR/ansible ANSIBLE_FORKS=3 \
		timeout 120 ansible-playbook -i "$WT_DIR/inventory.yml" "$ANSIBLE_DIR/$book" "$@" 2>&1)
	PLAY_RC=$?
	printf '%s\n' "$PLAY_OUT" >"$WT_DIR/play.$name.log"
	log "$name: $book exit $PLAY_RC in $(($(now_ms) - t0)) ms; recap:" \
		"$(sed -n '/PLAY RECAP/,$p' <<<"$PLAY_OUT" | tr -s ' ' | tr '\n' ';')"
}

# expect_recap HOST OK CHANGED FAILED: HOST's line of the last play's recap.
expect_recap()
{
	expect_match "$PLAY_OUT" "^$1 +: ok=$2 +changed=$3 +unreachable=0 +failed=$4 " "recap of $1"
}

# play_task PREFIX: what the last play printed under the task (or handler)
# whose title starts with PREFIX.
play_task()
{
	awk -v t="$1" 'index($0, t) == 1 { on = 1; next }
		/^(TASK|RUNNING HANDLER|PLAY RECAP) / { on = 0 } on' <<<"$PLAY_OUT"
}

# The effective configuration of HOST, as `wlbs params --json` reports it.
params_of()
{
	# shellcheck disable=SC2016 # python, not shell
	timeout 10 "$WLBS" params --json --socket "$(sock_path "$1")" | "$PY" -c '
import json, sys
p = json.load(sys.stdin)["params"]
for r in p["rules"]:
    r.pop("held")  # connections, not configuration
print(json.dumps(p, sort_keys=True))'
}

# The value of KEY in params_of's output on stdin.
params_value()
{
	"$PY" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# affinity of rule RULE in params_of's output on stdin.
rule_affinity()
{
	"$PY" -c 'import json,sys; print([r["affinity"] for r in json.load(sys.stdin)["rules"] if r["name"] == sys.argv[1]][0])' "$1"
}

test_ansible_role()
{
	local h before=() sums
	command -v ansible-playbook >/dev/null || fail "ansible-playbook missing (make deps)"
	cluster_up 3
	_ansible_inventory "$WT_DIR/inventory.yml"
	for h in h1 h2 h3; do before+=("$(params_of "$h")"); done

	# Converge: the role renders the configuration lib.sh wrote (in its own
	# words): each file changes, the handler reloads, nothing changes in wlbsd.
	_ansible_play converge site.yml
	[ "$PLAY_RC" -eq 0 ] || { tail -n 40 <<<"$PLAY_OUT"; fail "site.yml failed (exit $PLAY_RC)"; }
	for h in h1 h2 h3; do
		expect_recap "$h" '[0-9]+' 2 0 # the template and the reload
		expect_match "$(cat "$(conf_path "$h")")" "^priority = ${h#h}$" "$h's rendered file"
		expect_eq "$(params_of "$h")" "${before[${h#h} - 1]}" "$h's params after converging"
	done

	# A rule changed through a variable: every host reloads and applies it.
	sed -i 's/affinity: none, load_weight: equal/affinity: single, load_weight: equal/' \
		"$WT_DIR/inventory.yml"
	_ansible_play change site.yml
	[ "$PLAY_RC" -eq 0 ] || { tail -n 40 <<<"$PLAY_OUT"; fail "site.yml failed (exit $PLAY_RC)"; }
	for h in h1 h2 h3; do
		expect_recap "$h" '[0-9]+' 2 0
		expect_eq "$(params_of "$h" | rule_affinity test)" single "rule test's affinity on $h"
	done
	cluster_wait_converged 10 h1 h2 h3

	# Three hosts, three outcomes: h1 unchanged (nothing to do, no reload); h2
	# a bad key (fails at the template: its file and wlbsd stay as they were);
	# h3 a valid file that only a restart applies (the reload is refused with
	# WLBS_REBOOT naming priority: the play fails on h3 with that reason).
	"$PY" - "$WT_DIR/inventory.yml" <<'EOP'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("    h2:\n", "    h2:\n      wlbs_host_rule_params: {test: {weight: 50}}\n")
s = s.replace("      wlbs_priority: 3\n", "      wlbs_priority: 9\n")
open(p, "w").write(s)
EOP
	before=()
	for h in h1 h2 h3; do before+=("$(params_of "$h")"); done
	sums=$(sha256sum "$(conf_path h1)" "$(conf_path h2)")
	_ansible_play refused site.yml
	expect_eq "$PLAY_RC" 2 "site.yml exit status (hosts failed)"
	expect_recap h1 '[0-9]+' 0 0
	expect_recap h2 '[0-9]+' 0 1
	expect_recap h3 '[0-9]+' '[0-9]+' 1
	expect_match "$(play_task 'TASK [wlbs : Write wlbs.conf')" \
		"fatal: \[h2\]: FAILED.*failed to validate.*unknown key in \[rule test\].*weight" \
		"h2 fails at the template step with check-config's error"
	expect_match "$(play_task 'RUNNING HANDLER [wlbs : Fail when wlbsd refused')" \
		"fatal: \[h3\]: FAILED.*wlbs reload failed on h3 .exit 1., wlbsd keeps running its old configuration: WLBS_REBOOT: .*priority 3 -> 9" \
		"h3 fails at the reload with wlbsd's reason"
	expect_match "$(cat "$(conf_path h3)")" "^priority = 9$" "h3's new file (on disk, not applied)"
	expect_eq "$(sha256sum "$(conf_path h1)" "$(conf_path h2)")" "$sums" "h1's and h2's files"
	for h in h1 h2 h3; do
		wlbsd_alive "$h" || fail "wlbsd on $h is gone"
		expect_eq "$(params_of "$h")" "${before[${h#h} - 1]}" "$h's params after the refused play"
		expect_eq "$(cat "$WT_DIR/$h/starts")" 1 "wlbsd starts on $h"
	done
	cluster_wait_converged 5 h1 h2 h3
}

test_ansible_rolling_maintenance()
{
	local h
	command -v ansible-playbook >/dev/null || fail "ansible-playbook missing (make deps)"
	cluster_up 3
	_ansible_inventory "$WT_DIR/inventory.yml"
	# A change reload refuses (WLBS_REBOOT): the restart applies it.
	sed -i 's/^    wlbs_interface: eth0$/&\n    wlbs_xdp_mode: native/' "$WT_DIR/inventory.yml"
	# h2 holds a long transfer: the playbook must wait for it, and it must finish.
	pattern_start held 198.18.0.206 20000 262144 131072
	_ansible_play rolling rolling-maintenance.yml
	[ "$PLAY_RC" -eq 0 ] || { tail -n 40 <<<"$PLAY_OUT"; fail "playbook failed (exit $PLAY_RC)"; }
	for h in h1 h2 h3; do
		# drainstop, the role's file, the restart it notifies and start
		# changed something; nothing failed.
		expect_recap "$h" '[0-9]+' 4 0
		expect_eq "$(params_of "$h" | params_value xdp_mode)" native \
			"xdp_mode on $h after the restart"
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
