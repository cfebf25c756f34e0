# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# `wlbs stats`: the OpenMetrics text passes promtool and its packet counters
# are the BPF stats map's sums over CPUs; every --json answer, local and
# remote (paged), a silent host and a usage error, matches one schema.
# Sourced by run.sh (uses remote_conf and wait_state of test_remote.sh).

ANSWER_SCHEMA=$WT_SRC/../../docs/wlbs-answer.schema.json
CHECK_ANSWER=$WT_SRC/../check-answer.py

# stats_up N EXTRA_RULES: N hosts with remote control and EXTRA_RULES more port
# rules (so that display and stats take several pages), converged.
stats_up()
{
	local n=$1 extra=$2 i r
	topo_up "$n"
	for ((i = 1; i <= n; i++)); do
		remote_conf "h$i"
		for ((r = 0; r < extra; r++)); do
			printf '\n[rule extra%02d]\nports = %d\nprotocol = udp\nmode = multiple\n' \
				"$r" $((8000 + r)) >>"$(conf_path "h$i")"
		done
		wlbsd_start "h$i"
	done
	for ((i = 1; i <= n; i++)); do
		wait_state "h$i" converged
	done
}

# expect_schema WHAT JSON [KEY=VALUE...]: JSON matches the answer schema.
expect_schema()
{
	local what=$1 json=$2 out
	shift 2
	out=$("$PY" "$CHECK_ANSWER" "$ANSWER_SCHEMA" "$@" <<<"$json") ||
		fail "$what: $out: $(cut -c1-400 <<<"$json")"
	log "ok: $what matches the answer schema"
}

# bpf_packets HOST SLOT: the pinned per-CPU stats map's counters of SLOT, summed
# over CPUs, one per reason (enum wlbs_reason order) on one line.
bpf_packets()
{
	bpftool -j map dump pinned "$WT_DIR/$1/bpffs/wlbs/eth0/stats" | "$PY" -c '
import json, struct, sys
slot = int(sys.argv[1])
for e in json.load(sys.stdin):
    f = e.get("formatted")
    if f is not None:
        if f["key"] != slot:
            continue
        rows = [v["value"]["packets"] for v in f["values"]]
    else:
        if int.from_bytes(bytes(int(b, 16) for b in e["key"]), "little") != slot:
            continue
        raw = [bytes(int(b, 16) for b in v["value"]) for v in e["values"]]
        rows = [struct.unpack("<%dQ" % (len(r) // 8), r) for r in raw]
    print(" ".join(str(sum(col)) for col in zip(*rows)))' "$2"
}

# metrics_packets TEXT RULE: that rule's wlbs_packets_total values, in output order.
metrics_packets()
{
	sed -n "s/^wlbs_packets_total{rule=\"$2\",reason=\"[a-z-]*\"} \([0-9]*\)$/\1/p" <<<"$1" |
		tr '\n' ' ' | sed 's/ $//'
}

test_stats_openmetrics_match_bpf()
{
	local out bpf om i prom=$WT_DIR/node-exporter/wlbs.prom
	stats_up 2 0
	server_start h1
	server_start h2
	for ((i = 201; i <= 230; i++)); do
		connect_one "198.18.0.$i" >/dev/null
	done
	# Quiet: no connection left, nothing more for rule "test" (heartbeats have no rule).
	sleep 0.5
	wlbs h1 stats --openmetrics
	expect_eq "$WLBS_RC" 0 "exit status of stats --openmetrics"
	om=$WLBS_OUT
	out=$(promtool check metrics <<<"$om" 2>&1)
	expect_eq "$?" 0 "promtool check metrics ($out)"
	expect_eq "$(tail -n 1 <<<"$om")" "# EOF" "the exposition ends with # EOF"
	bpf=$(bpf_packets h1 0)
	[ -n "$bpf" ] || fail "no stats slot 0 in the pinned map"
	expect_eq "$(metrics_packets "$om" test)" "$bpf" "wlbs_packets_total{rule=test} = BPF map sums"
	# Both hosts together saw every connection: rule traffic was counted at all.
	expect_match "$om" 'wlbs_packets_total\{rule="test",reason="owned"\} [1-9]' "owned packets"
	expect_match "$om" 'wlbs_packets_total\{rule="test",reason="not-owner"\} [1-9]' \
		"packets of the other host's buckets"
	expect_match "$om" '^wlbs_members 2$' "members"
	expect_match "$om" '^wlbs_heartbeats_sent_total [1-9]' "heartbeats sent"
	expect_match "$om" '^wlbs_heartbeats_received_total [1-9]' "heartbeats received"
	expect_match "$om" '^wlbs_convergences_total [1-9]' "convergences counted"
	expect_match "$om" '^wlbs_held_connections\{rule="test"\} 0$' "held connections"
	expect_match "$om" '^wlbs_fragment_entries_max 16384$' "fragment table size"
	# The timer's way: --output writes the file whole, in place, no temporary left.
	mkdir -p "$(dirname "$prom")"
	wlbs h1 stats --openmetrics --output "$prom"
	expect_eq "$WLBS_RC" 0 "exit status of stats --output"
	expect_eq "$(tail -n 1 "$prom")" "# EOF" "the written file is whole"
	promtool check metrics <"$prom" >/dev/null 2>&1 || fail "promtool on $prom"
	expect_eq "$(find "$(dirname "$prom")" -name '.*' -type f | wc -l)" 0 "no temporary file left"
	wlbs h1 stats
	expect_match "$WLBS_OUT" "heartbeats dropped|heartbeats sent +[1-9]" "stats text"
	expect_match "$WLBS_OUT" "rule test +owned=[0-9]" "stats text counters"
}

test_answers_match_schema()
{
	local cmd json
	stats_up 2 20
	for cmd in query display params stats "queryport 7000" stop start; do
		# shellcheck disable=SC2086
		wlbs h1 $cmd --json
		expect_schema "local $cmd" "$WLBS_OUT"
		# shellcheck disable=SC2086
		rwlbs $cmd "$CLUSTER_IP4" --json
		expect_schema "remote $cmd" "$WLBS_OUT"
		expect_eq "$(json_hosts "$WLBS_OUT")" "1 2" "hosts answering remote $cmd"
		[ "$cmd" = stop ] && wait_state h1 stopped && wait_state h2 stopped
		[ "$cmd" = start ] && wait_state h1 converged && wait_state h2 converged
	done
	# The remote display is several pages: every rule and counter arrived, per host.
	rwlbs display "$CLUSTER_IP4" --json
	json=$("$PY" -c 'import json,sys
a = json.load(sys.stdin)
print(" ".join("%d:%d:%d:%s" % (h["host"], len(h["display"]["params"]["rules"]),
    len(h["display"]["packets"]), ",".join(h["dedicated_ips"])) for h in a))' <<<"$WLBS_OUT")
	expect_eq "$json" "1:21:23:198.18.0.1,2001:db8:18::1 2:21:23:198.18.0.2,2001:db8:18::2" \
		"rules, counters and dedicated IPs of each host's paged display"
	rwlbs display "$CLUSTER_IP4"
	expect_eq "$(grep -c '^rule extra19 ' <<<"$WLBS_OUT")" 2 "the last rule in both texts"
	# A host priority nobody has: its answer is a timeout, in the same shape.
	rwlbs query "$CLUSTER_IP4:5" --json
	expect_eq "$WLBS_RC" 5 "exit status when host 5 does not answer"
	expect_schema "remote timeout" "$WLBS_OUT" code=WLBS_TIMEOUT status=1103 host=5
	# Usage errors with --json are JSON too.
	wlbs h1 frob --json
	expect_eq "$WLBS_RC" 2 "exit status of a usage error"
	expect_schema "usage error" "$WLBS_OUT" code=WLBS_BAD_PARAMS status=1003
	wlbs h1 queryport --json
	expect_schema "usage error (missing port)" "$WLBS_OUT" code=WLBS_BAD_PARAMS
}
