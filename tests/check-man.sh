#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The man pages cover what the programs accept, compared with the programs' own lists:
#  - wlbs(8): an entry (a line starting *NAME*) for every command and long option
#    of `wlbs __complete` (the table `wlbs help` prints), every exit status of
#    cli/cli.h, and no command entry the CLI does not have;
#  - wlbsd(8): every option of `wlbsd --help`;
#  - wlbs.conf(5): every key of `wlbsd --list-keys` (the parser's key table) in its
#    own section, and no key the parser would refuse;
#  - each page renders (groff, no warning; man -l) with the sections an operator
#    expects, and the unit's Documentation= names each page.
# The checks run once on a page with an entry removed, which they must catch.
# usage: check-man.sh BUILD
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL  $*"; failed=$((failed + 1)); }

wlbs_cmds=$("$build/wlbs" __complete commands | cut -d' ' -f1)
wlbs_opts=$("$build/wlbs" __complete options | cut -d' ' -f1)
wlbsd_opts=$("$build/wlbsd" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
keys=$("$build/wlbsd" --list-keys | sort)
if [ -z "$wlbs_cmds" ] || [ -z "$wlbs_opts" ] || [ -z "$wlbsd_opts" ] || [ -z "$keys" ]; then
	echo "check-man: a program gave no list" >&2
	exit 1
fi

# The lines of section "# $2" of scdoc source $1.
section() { awk -v s="# $2" '/^# / { in_s = ($0 == s) } in_s' "$1"; }

# Prints each command, option or exit status wlbs(8) source $1 lacks or has in excess.
wlbs_missing() {
	local w
	for w in $wlbs_cmds; do
		section "$1" COMMANDS | grep -q "^\*$w\*" || echo "command $w"
	done
	for w in $(section "$1" COMMANDS | sed -n 's/^\*\([a-z0-9]*\)\*.*/\1/p'); do
		grep -qx "$w" <<<"$wlbs_cmds" || echo "command $w (not in wlbs)"
	done
	for w in $wlbs_opts; do
		section "$1" OPTIONS | grep -q "^\*$w\*" || echo "option $w"
	done
	sed -n 's/.*CLI_EXIT_[A-Z_]* = \([0-9]*\),.*/\1/p' "$top/cli/cli.h" | while read -r w; do
		section "$1" "EXIT STATUS" | grep -q "^\*$w\*" || echo "exit status $w"
	done
}

wlbsd_missing() {
	local o
	for o in $wlbsd_opts; do
		section "$1" OPTIONS | grep -qE "^\*(-[a-z]\*, \*)?$o\*" || echo "option $o"
	done
}

# "SECTION KEY" of each *key* = entry under "## [SECTION ...]" of wlbs.conf(5) source $1.
doc_keys() {
	awk '/^#+ / { s = "" } /^## \[/ { s = $2; gsub(/[][]/, "", s) }
	     s != "" && /^\*[a-z_]+\* =/ { k = $1; gsub(/\*/, "", k); print s, k }' "$1" | sort
}
conf_missing() {
	comm -23 <(echo "$keys") <(doc_keys "$1") | sed 's/^/key /'
	comm -13 <(echo "$keys") <(doc_keys "$1") | sed 's/^/key (not accepted) /'
}

check() { # NAME SOURCE FUNCTION
	local out
	out=$("$3" "$2")
	if [ -z "$out" ]; then ok; else bad "$1 lacks: $(tr '\n' ' ' <<<"$out")"; fi
}
check wlbs.8 "$top/man/wlbs.8.scd" wlbs_missing
check wlbsd.8 "$top/man/wlbsd.8.scd" wlbsd_missing
check wlbs.conf.5 "$top/man/wlbs.conf.5.scd" conf_missing

# The checks catch an entry that goes missing.
catches() { # WHAT SOURCE FUNCTION SED-EXPR
	sed "$4" "$2" >"$tmp/page"
	if "$3" "$tmp/page" | grep -qF "$1"; then ok; else bad "a page without $1 passes"; fi
}
catches "command drain" "$top/man/wlbs.8.scd" wlbs_missing '/^\*drain\* /d'
catches "option --output" "$top/man/wlbs.8.scd" wlbs_missing '/^\*--output\*/d'
catches "option --bpffs" "$top/man/wlbsd.8.scd" wlbsd_missing '/^\*--bpffs\*/d'
catches "key host priority" "$top/man/wlbs.conf.5.scd" conf_missing '/^\*priority\* =/d'
catches "key (not accepted) rule weight" "$top/man/wlbs.conf.5.scd" conf_missing \
	's/^\*load_weight\* =/*weight* =/'

# Rendered: groff says nothing, man -l shows the expected sections.
for p in "wlbs.8:NAME SYNOPSIS DESCRIPTION COMMANDS TARGET REMOTE.CONTROL OPTIONS EXIT.STATUS JSON.OUTPUT EXAMPLES FILES SEE.ALSO" \
	"wlbsd.8:NAME SYNOPSIS DESCRIPTION OPTIONS SIGNALS SYSTEMD EXIT.STATUS FILES SEE.ALSO" \
	"wlbs.conf.5:NAME SYNOPSIS DESCRIPTION EXAMPLE FILES SEE.ALSO"; do
	page=$build/man/${p%%:*}
	out=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	if [ -z "$out" ]; then ok; else bad "${page##*/}: groff: $out"; fi
	text=$(MANWIDTH=80 man -l "$page" 2>&1)
	for h in ${p#*:}; do
		if grep -q "^${h//./ }\$" <<<"$text"; then ok; else bad "${page##*/}: no section ${h//./ }"; fi
	done
done

doc=$(grep '^Documentation=' "$top/systemd/wlbsd.service.in")
for s in "$top"/man/*.scd; do
	p=${s##*/}
	p=${p%.scd}
	if grep -qF "man:${p%.*}(${p##*.})" <<<"$doc"; then ok; else bad "wlbsd.service Documentation= lacks $p"; fi
done

echo "man: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
