#!/usr/bin/env bash
# Wall time of `imcache metrics --json` next to `redis-cli info` on the same local server; the
# target is within 1.2x (one process, one connection, one INFO, like redis-cli). Starts its own
# redis-server on a free 127.0.0.1 port in a temp dir, builds the release binary, runs hyperfine,
# prints the table and the ratio, and stops the server. Run from anywhere: bench/metrics.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

for tool in cargo hyperfine redis-server redis-cli; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench/metrics.sh needs $tool on PATH" >&2
    exit 5
  fi
done

tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# A free port: nothing answers there, and our redis-server is still alive once it answers PING
# (another process may take the port between the check and the bind: then try another).
start_server() {
  local try port_in_use
  for try in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    port_in_use=0
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && port_in_use=1
    [ "$port_in_use" = 1 ] && continue
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
      --dir "$tmp" --logfile "$tmp/redis.log" &
    pid=$!
    for _ in $(seq 1 500); do
      kill -0 "$pid" 2>/dev/null || break
      if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ]; then
        return 0
      fi
      sleep 0.01
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
  done
  echo "could not start redis-server on a free port; see $tmp/redis.log" >&2
  exit 1
}

echo "==> cargo build --release"
cargo build --release --locked --quiet
bin="${CARGO_TARGET_DIR:-$repo/target}/release/imcache"

start_server
echo "==> redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$port"
# Some keys and some reads, so that INFO has a keyspace and the hit rate is not empty.
for i in $(seq 1 200); do
  echo "SET bench:key:$i value-$i EX 3600"
  echo "GET bench:key:$i"
  echo "GET bench:missing:$i"
done | redis-cli -p "$port" >/dev/null

# Only the flags say where Redis is: no REDIS_* from the caller, no .env (run in the temp dir).
unset REDIS_URL REDIS_HOST REDIS_PORT REDIS_DB REDIS_USERNAME REDIS_PASSWORD REDIS_TLS REDIS_CACERT
cd "$tmp"
"$bin" -H 127.0.0.1 -p "$port" metrics --json >/dev/null

hyperfine --shell=none --warmup 20 --min-runs 300 \
  --export-markdown "$tmp/metrics.md" --export-json "$tmp/metrics.json" \
  --command-name "imcache metrics --json" "$bin -H 127.0.0.1 -p $port metrics --json" \
  --command-name "redis-cli info" "redis-cli -h 127.0.0.1 -p $port info"

echo
cat "$tmp/metrics.md"
if command -v jq >/dev/null; then
  jq -r '(.results[0].mean / .results[1].mean) as $r
    | "\nimcache metrics --json / redis-cli info = \($r * 100 | round / 100)x (target: at most 1.2x)"' \
    "$tmp/metrics.json"
fi
