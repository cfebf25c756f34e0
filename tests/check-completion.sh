#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The bash completion (completion/wlbs.bash), driven in bash as readline does
# (COMP_LINE, COMP_POINT, COMP_WORDS, COMP_CWORD, then the function): it offers
# every command and option `wlbs help` prints and per command only its own
# options; TARGET forms from a configuration's cluster IPs; option values (files,
# directories, words); wlbsd's options. And it lists nothing itself: a wlbs
# with one more command completes that command too.
# usage: check-completion.sh BUILD
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL  $*"; failed=$((failed + 1)); }

# A configuration: a continuation line, a comment, and ip keys outside [cluster].
cat >"$tmp/wlbs.conf" <<'EOF'
[cluster]
ip = 192.0.2.10/24, 2001:db8::10/64   # the first two
  198.51.100.7
; ip = 203.0.113.1
mode = multicast
[host]
interface = eth0
[rule web]
ip = 192.0.2.10
EOF
mkdir -p "$tmp/files/sub"
touch "$tmp/files/wlbs.conf" "$tmp/files/secret"

# The completions of a command line (the cursor at its end), one a line, sorted.
comp() {
	PATH="$build:$PATH" WLBS_CONF=$tmp/wlbs.conf bash -c '
		source "$1"
		COMP_LINE=$2
		COMP_POINT=${#2}
		read -ra COMP_WORDS <<<"$2"
		[[ $2 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		"$(complete -p "${COMP_WORDS[0]}" | sed "s/.*-F \([^ ]*\) .*/\1/")" "${COMP_WORDS[0]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$top/completion/wlbs.bash" "$1" | sed '/^$/d' | sort
}
lines() { printf '%s\n' "$@" | sort; }
expect() { # WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$(tr '\n' ' ' <<<"$2")', want '$(tr '\n' ' ' <<<"$3")'"; fi
}
has() { # WHAT GOT WORD...
	local what=$1 got=$2 w
	shift 2
	for w; do
		if grep -qxF -- "$w" <<<"$got"; then ok; else bad "$what: no '$w' in '$(tr '\n' ' ' <<<"$got")'"; fi
	done
}
lacks() {
	local what=$1 got=$2 w
	shift 2
	for w; do
		if grep -qxF -- "$w" <<<"$got"; then bad "$what: offers '$w'"; else ok; fi
	done
}

expect "complete -p" "$(bash -c 'source "$1"; complete -p wlbs wlbsd' _ "$top/completion/wlbs.bash")" \
	"$(printf 'complete -F _wlbs wlbs\ncomplete -F _wlbsd wlbsd')"

# The commands and options of `wlbs help`, read from its text.
help=$("$build/wlbs" help)
help_cmds=$(sed -n '/^Commands:/,/^$/s/^  \([a-z0-9]\{1,\}\).*/\1/p' <<<"$help" | sort -u)
help_opts=$(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u)
[ "$(wc -l <<<"$help_cmds")" -ge 10 ] || bad "no commands read from wlbs help"
expect "commands" "$(comp 'wlbs ')" "$help_cmds"
expect "commands after an option and its value" "$(comp 'wlbs --timeout 50 ')" "$help_cmds"
expect "help COMMAND" "$(comp 'wlbs help ')" "$help_cmds"
expect "dr" "$(comp 'wlbs dr')" "$(lines drain drainstop)"
# shellcheck disable=SC2086 # one word each
has "options" "$(comp 'wlbs --')" $help_opts
has "drainstop options" "$(comp 'wlbs drainstop --')" --wait --json --timeout
lacks "drainstop options" "$(comp 'wlbs drainstop --')" --openmetrics --mode
has "stats options" "$(comp 'wlbs stats --')" --openmetrics --output
lacks "query options" "$(comp 'wlbs query --')" --wait --openmetrics --mode
has "ip2mac options" "$(comp 'wlbs ip2mac 192.0.2.10 --')" --mode
expect "options taking a value say what" "$("$build/wlbs" __complete options | grep -c ' ARG$')" 0

# TARGET, [VIP:]PORT, CLUSTER: the cluster IPs of [cluster] only.
expect "TARGET" "$(comp 'wlbs enable ')" "$(lines all all: 192.0.2.10 192.0.2.10:all 192.0.2.10: \
	'[2001:db8::10]' '[2001:db8::10]:all' '[2001:db8::10]:' 198.51.100.7 198.51.100.7:all 198.51.100.7:)"
expect "TARGET 19" "$(comp 'wlbs drain 19')" "$(lines 192.0.2.10 192.0.2.10:all 192.0.2.10: \
	198.51.100.7 198.51.100.7:all 198.51.100.7:)"
# bash splits words at ':': only what follows it is replaced.
expect "TARGET VIP:" "$(comp 'wlbs disable 192.0.2.10:')" all
expect "TARGET [v6]:a" "$(comp 'wlbs disable [2001:db8::10]:a')" all
expect "[VIP:]PORT" "$(comp 'wlbs queryport ')" "$(lines 192.0.2.10: '[2001:db8::10]:' 198.51.100.7:)"
expect "CLUSTER" "$(comp 'wlbs enable all ')" "$(lines 192.0.2.10 2001:db8::10 198.51.100.7)"
expect "CLUSTER of query" "$(comp 'wlbs query --json 198')" 198.51.100.7
expect "nothing after CLUSTER" "$(comp 'wlbs query 192.0.2.10 ')" ""

# Option values.
expect "--mode" "$(comp 'wlbs ip2mac 192.0.2.10 --mode ')" "$(lines igmp multicast unicast)"
expect "--socket" "$(comp "wlbs query --socket $tmp/files/w")" "$tmp/files/wlbs.conf"
expect "--password-file" "$(comp "wlbs query 192.0.2.10 --password-file $tmp/files/s")" \
	"$(lines "$tmp/files/secret" "$tmp/files/sub")"
expect "--output" "$(comp "wlbs stats --output $tmp/files/su")" "$tmp/files/sub"
expect "--socket=" "$(comp "wlbs query --socket=$tmp/files/w")" "$tmp/files/wlbs.conf"
expect "--timeout" "$(comp 'wlbs query --timeout ')" ""
has "--password-env" "$(WLBS_TEST_PASSWORD=x comp 'wlbs query 192.0.2.10 --password-env WLBS_TEST')" \
	WLBS_TEST_PASSWORD

# wlbsd: the options of its --help, config files, directories, --log-target's words.
# shellcheck disable=SC2046 # one word each
has "wlbsd options" "$(comp 'wlbsd --')" $("$build/wlbsd" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
has "wlbsd options after one without a value" "$(comp 'wlbsd --check-config --')" --config
expect "wlbsd -c" "$(comp "wlbsd -c $tmp/files/wl")" "$tmp/files/wlbs.conf"
expect "wlbsd --config" "$(comp "wlbsd --check-config --config $tmp/files/wl")" "$tmp/files/wlbs.conf"
expect "wlbsd --state-dir" "$(comp "wlbsd --state-dir $tmp/files/")" "$tmp/files/sub"
expect "wlbsd --log-target" "$(comp 'wlbsd --log-target ')" "$(lines auto journal stderr)"
expect "wlbsd --log-target=j" "$(comp 'wlbsd --log-target=j')" journal

# Nothing is listed in the script: a wlbs with another command completes it.
mkdir "$tmp/bin"
cat >"$tmp/bin/wlbs" <<EOF
#!/bin/sh
"$build/wlbs" "\$@"
[ "\$1 \$2" = "__complete commands" ] && echo "frobnicate TARGET"
exit 0
EOF
chmod +x "$tmp/bin/wlbs"
has "a new command" "$(build=$tmp/bin comp 'wlbs fro')" frobnicate
expect "a new command's TARGET" "$(build=$tmp/bin comp 'wlbs frobnicate a')" "$(lines all all:)"

echo "completion: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
