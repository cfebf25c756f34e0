#!/usr/bin/env bash
# Runs the cmocka unit test binaries given as arguments; a binary exiting 77
# was skipped (it needs root and is not under CI). Ends with "N passed, N failed".
set -u
passed=0 failed=0 skipped=0
for t in "$@"; do
	printf '== %s\n' "$(basename "$t")"
	"$t"
	rc=$?
	case $rc in
	0) passed=$((passed + 1)) ;;
	77) skipped=$((skipped + 1)); echo "   (skipped)" ;;
	*) failed=$((failed + 1)); echo "   FAILED (exit $rc)" ;;
	esac
done
echo "unit: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
