#!/usr/bin/env bash
# imcache verify against redis-cli on the same server, in one hyperfine run:
#   1. `imcache verify`            connect, PING, SET/GET/TTL/DEL pipelined: the whole CI check
#   2. `redis-cli ping`            the check people write today, which proves much less
#   3. the same five steps through redis-cli, one process per step (what a shell script does)
# Usage: bench/verify.sh [extra hyperfine options, e.g. --export-markdown out.md]
source "$(dirname "$0")/lib.sh"
start_redis

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
hyperfine -N --warmup 20 --min-runs 300 "$@" \
  -n "imcache verify" "$IMCACHE verify -H 127.0.0.1 -p $PORT" \
  -n "redis-cli ping" "redis-cli -p $PORT ping" \
  -n "five steps via redis-cli" "$BENCH_DIR/five-steps.sh"
