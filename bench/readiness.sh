#!/usr/bin/env bash
# How late imcache notices a Redis that starts: `imcache verify --wait 10s` and a 1 ms poller
# (bench/floor.c --first-pong) wait side by side for a port where redis-server starts 200 ms
# later. The lag is the time from the poller's first PONG to the end of imcache's wait, which is
# imcache's end minus the checks it ran after connecting (from its own JSON). setup waits with
# the same code (connect::wait_until_ready). Target: at most 10 ms.
#   bench/readiness.sh           # RUNS=20
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "bench needs jq" >&2; exit 5; }
build_floor
runs="${RUNS:-20}"
cd "$BENCH_DIR"
: > lags
for run in $(seq "$runs"); do
  port=$(( 20000 + RANDOM % 40000 ))
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
  "$FLOOR" "$port" --first-pong > pong &
  poller=$!
  ( "$IMCACHE" verify -h 127.0.0.1 -p "$port" --wait 10s --json > verify.json; date +%s%N > end ) &
  waiter=$!
  sleep 0.2
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$BENCH_DIR" \
    --logfile "$BENCH_DIR/redis-$run.log" &
  server=$!
  # A port that was free when probed can be taken before redis-server binds it (another
  # process's outgoing connection): then neither waiter sees a PONG, and the run is skipped.
  waited=0; wait "$waiter" || waited=$?
  if ! wait "$poller" || ! [ -s pong ] || [ "$waited" -ne 0 ]; then
    echo "run $run: the server on $port did not come up (port taken?); skipped" >&2
    kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true
    continue
  fi
  after_connect_ms=$(jq '[.checks[] | select(.name != "connect") | .ms] | add' verify.json)
  awk -v end="$(cat end)" -v pong="$(cat pong)" -v after="$after_connect_ms" \
    'BEGIN { printf "%.2f\n", (end - pong) / 1e6 - after }' >> lags
  kill "$server"; wait "$server" 2>/dev/null || true
done
sort -n lags | awk '{ v[NR] = $1; sum += $1 } END {
  printf "readiness lag of verify --wait over %d runs: mean %.2f ms, median %.2f ms, worst %.2f ms (target: at most 10 ms)\n",
    NR, sum / NR, v[int((NR + 1) / 2)], v[NR] }'
