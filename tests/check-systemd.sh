#!/usr/bin/env bash
# systemd-analyze verify on the unit as `make install` writes it, pointing at
# the freshly built binaries (verify insists that ExecStart= exists).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e "s|@SBINDIR@|$top/build|g" -e "s|@DOCDIR@|$top|g" "$top/systemd/wlbsd.service.in" \
	>"$tmp/wlbsd.service"
if ! command -v systemd-analyze >/dev/null; then
	[ "${CI:-}" = true ] && { echo "systemd-analyze missing" >&2; exit 1; }
	echo "systemd: skipped (no systemd-analyze)"; exit 0
fi
out=$(systemd-analyze verify "$tmp/wlbsd.service" 2>&1) || { echo "$out"; exit 1; }
# verify prints warnings without failing: treat any line about our unit as an error.
if printf '%s\n' "$out" | grep -q 'wlbsd.service'; then
	printf '%s\n' "$out"
	exit 1
fi
echo "systemd: 1 passed, 0 failed"
