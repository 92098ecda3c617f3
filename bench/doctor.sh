#!/usr/bin/env bash
# What `imcache doctor` costs next to `redis-cli ping` to the same port, in one hyperfine run:
# a healthy local server (one round trip for INFO and CONFIG GET, 20 PINGs over the 25 ms sample
# window, the second INFO) and a closed port (the installation queries, which run at once and
# only when they can change the fix, and the listeners of that one port).
# Targets: healthy at most 12x `redis-cli ping`, refused at most 4x `redis-cli ping` to it.
source "$(dirname "$0")/lib.sh"
start_redis --maxmemory 64mb --maxmemory-policy allkeys-lru
closed=$((PORT + 1))
(exec 3<>"/dev/tcp/127.0.0.1/$closed") 2>/dev/null && { echo "port $closed is taken; run again" >&2; exit 3; }

cd "$BENCH_DIR"
hyperfine --warmup 3 --min-runs 30 --shell=none -i --export-json "$BENCH_DIR/doctor.json" "$@" \
  --command-name "imcache doctor (healthy)" "$IMCACHE -h 127.0.0.1 -p $PORT doctor --json" \
  --command-name "redis-cli ping (healthy)" "redis-cli -p $PORT ping" \
  --command-name "imcache doctor (refused)" "$IMCACHE -h 127.0.0.1 -p $closed doctor --json" \
  --command-name "redis-cli ping (refused)" "redis-cli -p $closed ping"
if command -v jq >/dev/null; then
  jq -r '.results as $r
    | "\nhealthy: doctor / redis-cli ping = \(($r[0].mean / $r[1].mean) * 10 | round / 10)x (target: at most 12x)"
    + "\nrefused: doctor / redis-cli ping = \(($r[2].mean / $r[3].mean) * 10 | round / 10)x (target: at most 4x)"' \
    "$BENCH_DIR/doctor.json"
fi
