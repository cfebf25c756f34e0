#!/usr/bin/env bash
# systemd-analyze verify on the units as `make install` writes them, pointing at
# the freshly built binaries (verify insists that ExecStart= exists).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for u in wlbsd.service wlbs-metrics.service; do
	sed -e "s|@SBINDIR@|$top/build|g" -e "s|@DOCDIR@|$top|g" -e "s|@TEXTFILE_DIR@|$tmp|g" \
		"$top/systemd/$u.in" >"$tmp/$u"
done
cp "$top/systemd/wlbs-metrics.timer" "$tmp/"
# verify runs `man` on each man: page of Documentation=: the built ones, laid out as
# man(1) looks for them (make builds them into build/man/).
for p in "$top"/build/man/*.[0-9]; do
	[ -e "$p" ] || continue
	mkdir -p "$tmp/man/man${p##*.}" && ln -s "$p" "$tmp/man/man${p##*.}/"
done
export MANPATH=$tmp/man
if ! command -v systemd-analyze >/dev/null; then
	[ "${CI:-}" = true ] && { echo "systemd-analyze missing" >&2; exit 1; }
	echo "systemd: skipped (no systemd-analyze)"; exit 0
fi
units=(wlbsd.service wlbs-metrics.service wlbs-metrics.timer)
n=0
for u in "${units[@]}"; do
	out=$(systemd-analyze verify "$tmp/$u" 2>&1) || { echo "$out"; exit 1; }
	# verify prints warnings without failing: treat any line about our units as an error.
	if printf '%s\n' "$out" | grep -qE 'wlbsd?(-metrics)?\.(service|timer)'; then
		printf '%s\n' "$out"
		exit 1
	fi
	n=$((n + 1))
done
echo "systemd: $n passed, 0 failed"
