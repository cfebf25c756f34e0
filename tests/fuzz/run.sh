#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs a fuzz target (fuzz_remote.c, fuzz_heartbeat.c, fuzz_rules_desc.c) for a bounded time.
#   run.sh BINARY [SECONDS]   (make check-fuzz: 20 s / 15 s; make fuzz: 600 s)
# The corpus grows in $BUILD/<name>/corpus across runs; a crash leaves its
# input in $BUILD/<name>/ (crash-*, reproduce with: BINARY FILE) and fails.
set -euo pipefail
bin=$1
secs=${2:-20}
name=$(basename "$bin" | tr _ -)
dir=$(dirname "$bin")/$name
mkdir -p "$dir/corpus"
what="remote control parser/verifier"
if [ "$name" = fuzz-heartbeat ] || [ "$name" = fuzz-rules-desc ]; then
	what="heartbeat codec and convergence core"
	[ "$name" = fuzz-rules-desc ] && what="rules descriptor codec and difference text"
	# Seeds: real frames of a peer, plain and sealed, written by the target.
	WLBS_FUZZ_SEEDS="$dir/corpus" "$bin" -runs=0 >/dev/null 2>&1 || true
fi
if [ "$name" = fuzz-remote ]; then

# Seeds: a well-formed request and answer (mode byte first, MACs left for the
# harness to seal), so the fuzzer starts behind the MAC instead of finding it.
python3 - "$dir/corpus" <<'PY'
import os, struct, sys
d = sys.argv[1]
def env(flags, host, inner):
    return struct.pack(">IBBBBQ", 0x574C4252, 1, flags, host, 0, 0) + bytes(range(16)) + inner + bytes(32)
req = struct.pack(">IBBHIHHHBB16sI", 0x574C4243, 1, 1, 40, 7, 1, 0, 0, 0, 0, bytes(16), 0)
drain = struct.pack(">IBBHIHHHBB16sI", 0x574C4243, 1, 1, 40, 8, 9, 2, 80, 3, 0, bytes(16), 0)
resp = struct.pack(">IBBHIHHIBBBBQQQQH6s", 0x574C4243, 1, 2, 66, 7, 1, 0, 1000, 3, 2, 0, 0,
                   4, 0, 0, 0, 2, bytes(6)) + b"ok"
seeds = {"req-all": b"\x07" + env(0, 0, req), "req-host": b"\x03" + env(0, 3, drain),
         "req-other": b"\x03" + env(0, 5, req), "resp": b"\x02" + env(1, 3, resp),
         "resp-noauth": b"\x00" + env(3, 3, resp)[:-32]}
for name, data in seeds.items():
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)
PY
fi

log=$dir/last-run.log
echo "  FUZZ     $what for ${secs}s ($log)"
if ! "$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$dir/" "$dir/corpus" >"$log" 2>&1; then
	tail -n 40 "$log"
	echo "fuzz: FAILED (input saved under $dir/)"
	exit 1
fi
grep -E '^stat::number_of_executed_units|^Done' "$log" | tr '\n' ' '
echo
echo "fuzz: passed, corpus $(find "$dir/corpus" -type f | wc -l) inputs"
