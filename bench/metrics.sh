#!/usr/bin/env bash
# Wall time of `imcache metrics --json` next to `redis-cli info` on the same local server; the
# target is within 1.2x (one process, one connection, one INFO, like redis-cli).
# Usage: bench/metrics.sh
source "$(dirname "$0")/lib.sh"
start_redis
echo "==> redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$PORT"
# Some keys and some reads, so that INFO has a keyspace and the hit rate is not empty.
for i in $(seq 1 200); do
  echo "SET bench:key:$i value-$i EX 3600"
  echo "GET bench:key:$i"
  echo "GET bench:missing:$i"
done | redis-cli -p "$PORT" >/dev/null

cd "$BENCH_DIR"
"$IMCACHE" -h 127.0.0.1 -p "$PORT" metrics --json >/dev/null

hyperfine --shell=none --warmup 20 --min-runs 300 \
  --export-markdown "$BENCH_DIR/metrics.md" --export-json "$BENCH_DIR/metrics.json" \
  --command-name "imcache metrics --json" "$IMCACHE -h 127.0.0.1 -p $PORT metrics --json" \
  --command-name "redis-cli info" "redis-cli -h 127.0.0.1 -p $PORT info"

echo
cat "$BENCH_DIR/metrics.md"
if command -v jq >/dev/null; then
  jq -r '(.results[0].mean / .results[1].mean) as $r
    | "\nimcache metrics --json / redis-cli info = \($r * 100 | round / 100)x (target: at most 1.2x)"' \
    "$BENCH_DIR/metrics.json"
fi

# How often a watch wakes: its voluntary context switches over 10 s of `--watch 2` (a sample
# every 2 s; target: it wakes only to sample and to redraw, not in slices).
"$IMCACHE" -h 127.0.0.1 -p "$PORT" metrics --watch 2 --json > /dev/null &
watcher=$!
sleep 1
before=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$watcher/status")
sleep 10
after=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$watcher/status")
kill -INT "$watcher"; wait "$watcher" 2>/dev/null || true
echo "metrics --watch 2: $(( after - before )) wake-ups in 10 s ($(awk "BEGIN { printf \"%.1f\", ($after - $before) / 10 }")/s; the 20 ms slices of before made 50/s)"
