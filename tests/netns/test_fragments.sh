# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# IP fragments to a cluster IP on a real 3-host cluster (issue 8 items 6 and 7):
# fragments carry ports only in the first one, arrive in any order and may be
# duplicated; a datagram must still reach exactly one host's socket, and a
# remote control datagram every host. The client cuts the datagrams by hand
# (client.py fragments, frag-send) and sends raw frames. Sourced by run.sh.

PORT_UDP=7300 # rule "udp": UDP 7300-7399, affinity none

# _udp_cluster_up: three hosts with a UDP rule, each recording what reaches its
# socket on PORT_UDP (server.py --udp-port), converged.
_udp_cluster_up()
{
	local h
	topo_up 3
	for h in h1 h2 h3; do
		host_conf "$h"
		cat >>"$(conf_path "$h")" <<EOF

[rule udp]
ports = 7300-7399
protocol = udp
mode = multiple
affinity = none
EOF
		server_start "$h" --udp-port "$PORT_UDP" --udp-log "$WT_DIR/$h/udp.log"
	done
	cluster_start 20 h1 h2 h3
}

# _frag_expect_once FAMILY_SOURCES...: 200 datagrams of 3000 bytes (3
# fragments each) from distinct source ports: ids 0-119 last fragment first,
# 120-159 in random order, 160-199 reversed with a fragment duplicated and the
# last one sent again after the datagram was complete. Every id reaches
# exactly one host's socket, intact, and more than one host gets some.
_frag_expect_once()
{
	local dst=$1 out h i summary
	shift
	out=$(client fragments --dst "$dst" --dst-mac "$CLUSTER_MAC" --port "$PORT_UDP" \
		--count 200 --size 3000 --frag-size 1200 --orders reverse:120,random:40,dup:40 "$@")
	log "client: $out"
	sleep 1
	for h in h1 h2 h3; do
		touch "$WT_DIR/$h/udp.log"
		log "$h received $(wc -l <"$WT_DIR/$h/udp.log") datagrams"
	done
	# Per order class: lost (no host), twice (delivered more than once), bad payload.
	summary=$(for h in h1 h2 h3; do sed "s/^/$h /" "$WT_DIR/$h/udp.log"; done | awk '
		{ n[$2]++; if ($4 != "ok") bad++; hosts[$1] = 1; by[$1]++ }
		END {
			for (i = 0; i < 200; i++) {
				c = i < 120 ? "reverse" : i < 160 ? "random" : "dup"
				if (!(i in n)) lost[c]++
				else if (n[i] > 1) twice[c]++
			}
			s = ""
			split("reverse random dup", cs, " ")
			for (k = 1; k <= 3; k++)
				s = s sprintf(" lost_%s=%d twice_%s=%d", cs[k], lost[cs[k]], cs[k], twice[cs[k]])
			nh = 0; for (h in hosts) nh++
			printf "bad=%d hosts=%d%s", bad, nh, s
			for (h in by) printf " %s=%d", h, by[h]
			print ""
		}')
	log "delivery: $summary"
	for h in h1 h2 h3; do
		wlbs "$h" display
		grep -E '^ *(no rule|rule udp)' <<<"$WLBS_OUT" | sed "s/^/    $h: /"
	done
	for i in lost_reverse twice_reverse lost_random twice_random lost_dup twice_dup bad; do
		expect_match "$summary" "(^| )$i=0( |$)" "datagrams $i"
	done
	expect_match "$summary" "hosts=[23] " "hosts that received datagrams"
}

# UDP over IPv4 in fragments, in reverse, random and duplicated order: every
# datagram is delivered once, by the host that owns its flow.
test_fragments_udp_ipv4()
{
	local i srcs=()
	_udp_cluster_up
	for ((i = 201; i <= 220; i++)); do srcs+=(--src "198.18.0.$i"); done
	_frag_expect_once "$CLUSTER_IP4" "${srcs[@]}"
}

# The same over IPv6 (fragment extension header).
test_fragments_udp_ipv6()
{
	local i srcs=()
	_udp_cluster_up
	for ((i = 201; i <= 220; i++)); do srcs+=(--src "2001:db8:18::$i"); done
	_frag_expect_once "$CLUSTER_IP6" "${srcs[@]}"
}

# A remote control request in IP fragments (in order, reversed, random; to
# the IPv4 and the IPv6 cluster IP) reaches every host: each of the three answers, and each counted the later
# fragments as passed.
test_fragments_control()
{
	local order i=0 out h dst src
	FRAG_ANSWERS=
	remote_up 3
	for order in inorder reverse random inorder6 reverse6; do
		i=$((i + 1))
		remote_capture "$WT_DIR/query.$order" query
		if [ "${order%6}" != "$order" ]; then
			dst=$CLUSTER_IP6 src=2001:db8:18::$((210 + i))
		else
			dst=$CLUSTER_IP4 src=198.18.0.$((210 + i))
		fi
		out=$(client frag-send --dst "$dst" --dst-mac "$CLUSTER_MAC" --port 2504 \
			--src "$src" --sport "$((41000 + i))" --in "$WT_DIR/query.$order" \
			--frag-size 48 --order "${order%6}" --ipid "$((900 + i))")
		log "fragmented query ($order, to $dst): $out"
		FRAG_ANSWERS+=" $order:$(sed -n 's/^answers=\([0-9]*\).*/\1/p' <<<"$out")"
	done
	for h in h1 h2 h3; do
		wlbs "$h" display
		grep -E '^ *no rule' <<<"$WLBS_OUT" | sed "s/^/    $h: /" >"$WT_DIR/$h.norule"
		cat "$WT_DIR/$h.norule"
	done
	expect_eq "$FRAG_ANSWERS" " inorder:3 reverse:3 random:3 inorder6:3 reverse6:3" \
		"hosts answering each fragmented query"
	for h in h1 h2 h3; do
		expect_match "$(cat "$WT_DIR/$h.norule")" "frag-pass=[1-9]" \
			"$h's counters (later control fragments passed)"
	done
}
