#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# debian/control names the packages the Makefile's lists name (make check-deps):
#  - Build-Depends: BUILD_PKGS, less build-essential's packages (implied by
#    Debian policy 4.2) and plus debhelper's own entries (debhelper-compat,
#    dh-sequence-*, which the debhelper of TEST_PKGS provides);
#  - Depends: RUNTIME_PKGS, beside the substitution variables (${shlibs:Depends}).
# Versions and architecture qualifiers are not compared, only package names.
# usage: check-deps.sh CONTROL "BUILD_PKGS" "RUNTIME_PKGS"
set -u
control=$1
build_pkgs=$2
runtime_pkgs=$3
essential="gcc g++ make libc6-dev dpkg-dev"

# The package names of every FIELD: in CONTROL (continuation lines included), sorted.
field() {
	awk -v f="$1" '
		/^[^ \t]/ { on = (index($0, f ":") == 1); if (on) sub("^[^:]*:", "") }
		on { print }' "$control" |
		tr ',|' '\n\n' | sed -e 's/([^)]*)//g' -e 's/\[[^]]*\]//g' -e 's/<[^>]*>//g' \
		-e 's/:any$//' -e 's/[[:space:]]//g' | grep -v -e '^$' -e '^\${' | sort -u
}
# The words of $1 less those of $2, sorted.
words() { comm -23 <(tr -s ' \t' '\n\n' <<<"$1" | grep -v '^$' | sort -u) \
	<(tr ' ' '\n' <<<"$2" | sort -u); }

failed=0
# compare WHAT CONTROL-NAMES MAKEFILE-NAMES LIST
compare() {
	local p
	for p in $(comm -13 <(echo "$2") <(echo "$3")); do
		echo "FAIL  $control $1 lacks $p ($4 has it)"; failed=$((failed + 1))
	done
	for p in $(comm -23 <(echo "$2") <(echo "$3")); do
		echo "FAIL  $control $1 has $p, $4 does not"; failed=$((failed + 1))
	done
}

[ -r "$control" ] || { echo "check-deps: no $control" >&2; exit 1; }
grep -q '^Build-Depends:' "$control" || { echo "check-deps: no Build-Depends in $control" >&2; exit 1; }
compare Build-Depends "$(field Build-Depends | grep -v -e '^debhelper-compat$' -e '^dh-sequence-')" \
	"$(words "$build_pkgs" "$essential")" BUILD_PKGS
compare Depends "$(field Depends)" "$(words "$runtime_pkgs" "")" RUNTIME_PKGS
if [ "$failed" -ne 0 ]; then
	echo "check-deps: FAILED ($failed; the lists are in the Makefile)"
	exit 1
fi
echo "check-deps: debian/control agrees with BUILD_PKGS and RUNTIME_PKGS"
