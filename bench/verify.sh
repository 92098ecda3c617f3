#!/usr/bin/env bash
# imcache verify against redis-cli and against the floor, on the same server, in one hyperfine run:
#   1. `imcache verify`            connect, PING, SET/GET/TTL/DEL pipelined: the whole CI check
#   2. `redis-cli ping`            the check people write today, which proves much less
#   3. the same five steps through redis-cli, one process per step (what a shell script does)
#   4. the floor (bench/floor.c): exec, connect, the same two round trips, nothing else
#   5. `imcache --version` and `/bin/true`: what start-up alone costs
# Targets: verify at most 0.5x `redis-cli ping` and at most 2.5x the floor.
# Usage: bench/verify.sh [extra hyperfine options, e.g. --export-markdown out.md]
source "$(dirname "$0")/lib.sh"
start_redis
build_floor

cat > "$BENCH_DIR/five-steps.sh" <<SCRIPT
#!/bin/sh
set -e
key="bench:verify:\$\$"
[ "\$(redis-cli -p $PORT ping)" = PONG ]
redis-cli -p $PORT set "\$key" '{"data":"value"}' EX 60 NX >/dev/null
[ "\$(redis-cli -p $PORT get "\$key")" = '{"data":"value"}' ]
ttl=\$(redis-cli -p $PORT ttl "\$key"); [ "\$ttl" -gt 0 ] && [ "\$ttl" -le 60 ]
redis-cli -p $PORT del "\$key" >/dev/null
SCRIPT
chmod +x "$BENCH_DIR/five-steps.sh"

cd "$BENCH_DIR"
hyperfine -N --warmup 20 --min-runs 300 --export-json "$BENCH_DIR/verify.json" "$@" \
  -n "imcache verify" "$IMCACHE verify -h 127.0.0.1 -p $PORT" \
  -n "redis-cli ping" "redis-cli -p $PORT ping" \
  -n "five steps via redis-cli" "$BENCH_DIR/five-steps.sh" \
  -n "floor (C: connect, PING, SET/GET/TTL/DEL)" "$FLOOR $PORT" \
  -n "imcache --version" "$IMCACHE --version" \
  -n "/bin/true" "/bin/true"
if command -v jq >/dev/null; then
  jq -r '.results as $r
    | "\nimcache verify / redis-cli ping = \(($r[0].mean / $r[1].mean) * 100 | round / 100)x (target: at most 0.5x)"
    + "\nimcache verify / floor          = \(($r[0].mean / $r[3].mean) * 100 | round / 100)x (target: at most 2.5x)"
    + "\nimcache --version / /bin/true   = \(($r[4].mean / $r[5].mean) * 100 | round / 100)x"' \
    "$BENCH_DIR/verify.json"
fi
echo "binary: $(stat -c %s "$IMCACHE") bytes stripped (target: at most 4.2 MB)"
