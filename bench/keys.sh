#!/usr/bin/env bash
# The full `imcache keys` audit of 1,000,000 keys against what people run today to see what is
# in a cache: `redis-cli --memkeys` (SCAN, TYPE and MEMORY USAGE per key) and `redis-cli
# --bigkeys`, on the same server in one hyperfine run; then the PING p99 that another client
# sees while imcache scans, next to the same client on the idle server. Targets: the audit at
# least 4x faster than --memkeys, PING p99 during the scan under 5 ms.
# The keys follow the guide's patterns, with TTLs from their tiers, some without, some rogue.
# Then the same PING during `imcache keys --rate 200000` (commands per second).
# Needs hyperfine, redis-server, python3 with redis-py (the pinger), bc.
# Usage: bench/keys.sh [KEYS]   (default 1000000)
source "$(dirname "$0")/lib.sh"
python3 -c 'import redis' 2>/dev/null || { echo "bench/keys.sh needs redis-py (pip install redis)" >&2; exit 5; }
KEYS=${1:-1000000}
start_redis
echo "==> redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$PORT"

echo "==> filling $KEYS keys (a pipe of SET ... EX in the guide's patterns)"
awk -v n="$KEYS" 'BEGIN {
  srand(42)
  split("user:session interview:state user:profile user:preferences question:set resume:analysis analytics:daily interview:history ai:response question:bank skill:taxonomy legacy:cache", prefix, " ")
  split("60 60 900 900 900 3600 3600 3600 604800 604800 604800 0", low, " ")
  split("300 300 3600 3600 3600 86400 86400 86400 2592000 2592000 2592000 0", high, " ")
  for (i = 0; i < n; i++) {
    p = 1 + i % 12
    key = prefix[p] ":" i
    value = sprintf("%0" (20 + i % 200) "d", i)
    if (low[p] == 0 || i % 50 == 0) {
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(key), key, length(value), value
    } else {
      ttl = int(low[p] + rand() * (high[p] - low[p]))
      printf "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$2\r\nEX\r\n$%d\r\n%d\r\n", length(key), key, length(value), value, length(ttl ""), ttl
    }
  }
}' | redis-cli -p "$PORT" --pipe >/dev/null
echo "    DBSIZE $(redis-cli -p "$PORT" dbsize)"

cd "$BENCH_DIR"
IMCACHE_KEYS="$IMCACHE -H 127.0.0.1 -p $PORT keys --json --fail-on none"
$IMCACHE_KEYS >"$BENCH_DIR/report.json"
jq -c '.scan | {keys_scanned, elapsed_ms, commands, backoffs, ping_ms}' "$BENCH_DIR/report.json"

hyperfine --shell=none --warmup 1 --runs "${RUNS:-3}" \
  --export-markdown "$BENCH_DIR/keys.md" --export-json "$BENCH_DIR/keys.json" \
  --command-name "imcache keys (full audit)" "$IMCACHE_KEYS" \
  --command-name "redis-cli --memkeys" "redis-cli -p $PORT --memkeys" \
  --command-name "redis-cli --bigkeys" "redis-cli -p $PORT --bigkeys"
echo
cat "$BENCH_DIR/keys.md"
jq -r '(.results[1].mean / .results[0].mean) as $m | (.results[2].mean / .results[0].mean) as $b
  | "\nredis-cli --memkeys / imcache keys = \($m * 100 | round / 100)x (target: at least 4x); --bigkeys / imcache keys = \($b * 100 | round / 100)x"' \
  "$BENCH_DIR/keys.json"

# Another client's PING, one every millisecond, while imcache scans and while nothing does.
pinger() {
  python3 - "$PORT" "$1" <<'PY'
import os, sys, time, redis
port, stop = int(sys.argv[1]), sys.argv[2]
r = redis.Redis(port=port)
r.ping()
rtts = []
while not os.path.exists(stop):
    t = time.perf_counter()
    r.ping()
    rtts.append((time.perf_counter() - t) * 1000)
    time.sleep(0.001)
rtts.sort()
pick = lambda p: rtts[max(0, -(-len(rtts) * p // 100) - 1)]
print(f"{len(rtts)} PINGs: p50 {pick(50):.2f} ms, p99 {pick(99):.2f} ms, max {rtts[-1]:.2f} ms")
PY
}
echo
rm -f "$BENCH_DIR/stop"
pinger "$BENCH_DIR/stop" >"$BENCH_DIR/idle.txt" & idle=$!
sleep 3; touch "$BENCH_DIR/stop"; wait "$idle"
rm -f "$BENCH_DIR/stop"
pinger "$BENCH_DIR/stop" >"$BENCH_DIR/busy.txt" & busy=$!
sleep 0.5
$IMCACHE_KEYS >/dev/null
touch "$BENCH_DIR/stop"; wait "$busy"
rm -f "$BENCH_DIR/stop"
pinger "$BENCH_DIR/stop" >"$BENCH_DIR/rated.txt" & rated=$!
sleep 0.5
started=$(date +%s.%N)
$IMCACHE_KEYS --rate 200000 >/dev/null
took=$(echo "$(date +%s.%N) - $started" | bc)
touch "$BENCH_DIR/stop"; wait "$rated"
echo "another client's PING, idle server:        $(cat "$BENCH_DIR/idle.txt")"
echo "another client's PING, during imcache keys: $(cat "$BENCH_DIR/busy.txt") (target: p99 under 5 ms)"
echo "the same with --rate 200000 (${took}s):      $(cat "$BENCH_DIR/rated.txt")"
