#!/usr/bin/env bash
# What `imcache setup docker` costs beyond Redis's own start-up. A fake docker on PATH answers
# `docker info` / `docker inspect` at once and, for `docker run`, starts a real redis-server on
# the published port after a known delay (DELAY_MS, default 300). hyperfine times whole runs; the
# run's own JSON gives the time from the first PONG to "ready" (verify + .env write), which must
# stay under 10 ms on average (the .env write's two fsyncs depend on the disk: the worst run is
# printed too). A 1 ms poller (bench/floor.c --first-pong) beside each run gives the readiness
# lag: from the poller's first PONG to the end of setup's wait (target: at most 10 ms).
#
#   bench/setup.sh            # DELAY_MS=300 RUNS=20
#   DELAY_MS=1000 RUNS=10 bench/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

delay_ms="${DELAY_MS:-300}"
runs="${RUNS:-20}"
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is needed (apt-get install jq)" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "redis-server is needed" >&2; exit 2; }

cargo build --release --quiet
bin="$PWD/target/release/imcache"
work="$(mktemp -d)"
floor="$work/floor"
cc -O2 -static -o "$floor" bench/floor.c 2>/dev/null || cc -O2 -o "$floor" bench/floor.c
mkdir -p "$work/bin" "$work/state" "$work/app"

port=""
for candidate in $(seq 23790 23890); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port="$candidate"; break; fi
done
[ -n "$port" ] || { echo "no free port in 23790-23890" >&2; exit 2; }

delay_s="$(awk "BEGIN { printf \"%.3f\", $delay_ms / 1000 }")"
cat > "$work/bin/docker" <<EOF
#!/bin/sh
state='$work/state'
case "\$1" in
  info) echo 24.0.7 ;;
  inspect)
    [ -f "\$state/container" ] && { echo running; exit 0; }
    echo "Error: No such container: interviewmaster-redis" >&2; exit 1 ;;
  run)
    ( sleep $delay_s; exec redis-server --port $port --bind 127.0.0.1 --save '' --appendonly no \
        --dir "\$state" ) </dev/null >/dev/null 2>&1 &
    echo \$! > "\$state/pid"; touch "\$state/container"
    echo 4f9d2e1c0b8a ;;
  *) echo "fake docker: unexpected \$*" >&2; exit 2 ;;
esac
EOF
# Between runs: no container, no server, no .env, so every run creates, waits, verifies, writes.
cat > "$work/reset" <<EOF
#!/bin/sh
[ -f '$work/state/pid' ] && kill -9 "\$(cat '$work/state/pid')" 2>/dev/null
rm -f '$work/state/pid' '$work/state/container' '$work/app/.env'
i=0; while (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && [ \$i -lt 200 ]; do sleep 0.01; i=\$((i+1)); done
exit 0
EOF
chmod +x "$work/bin/docker" "$work/reset"
cleanup() { "$work/reset"; rm -rf "$work"; }
trap cleanup EXIT

setup="cd '$work/app' && PATH='$work/bin':\$PATH '$bin' setup docker --yes --json --port $port > '$work/last.json' 2>/dev/null"

echo "==> hyperfine: setup docker with a server that comes up ${delay_ms} ms after docker run"
hyperfine --shell=bash --warmup 2 --runs "$runs" --prepare "$work/reset" \
  --export-json "$work/hyperfine.json" "$setup"
mean_ms="$(jq '.results[0].mean * 1000' "$work/hyperfine.json")"
median_ms="$(jq '.results[0].median * 1000' "$work/hyperfine.json")"

echo "==> per-run steps from setup's own JSON ($runs runs)"
: > "$work/steps.tsv"
for _ in $(seq "$runs"); do
  "$work/reset"
  "$floor" "$port" --first-pong > "$work/pong" &
  poller=$!
  bash -c "$setup"
  date +%s%N > "$work/end"
  wait "$poller"
  # The end of setup's wait: its end minus the steps after the wait (from its own JSON).
  after_wait=$(jq '[.steps | (map(.name) | index("wait")) as $w | .[$w + 1:][] | .ms] | add // 0' \
    "$work/last.json")
  lag=$(awk -v end="$(cat "$work/end")" -v pong="$(cat "$work/pong")" -v after="$after_wait" \
    'BEGIN { printf "%.2f", (end - pong) / 1e6 - after }')
  jq -r --arg lag "$lag" \
    '[.steps[] | {(.name): .ms}] | add | [.docker_run, .wait, .verify, .env, ($lag | tonumber)] | @tsv' \
    "$work/last.json" >> "$work/steps.tsv"
done
awk -v delay="$delay_ms" -v mean="$mean_ms" -v median="$median_ms" '
  { run += $1; wait += $2; verify += $3; env += $4; ready = $3 + $4; sum += ready;
    if (ready > worst) worst = ready; lag += $5; if ($5 > lagworst) lagworst = $5; n++ }
  END {
    printf "setup total:          mean %.1f ms, median %.1f ms (server delay %d ms)\n", mean, median, delay
    printf "added beyond delay:   mean %.1f ms, median %.1f ms\n", mean - delay, median - delay
    printf "docker run step:      mean %.2f ms\n", run / n
    printf "wait step:            mean %.1f ms (delay + redis start-up + poll interval)\n", wait / n
    printf "PONG -> verified:     mean %.2f ms\n", verify / n
    printf "PONG -> ready:        mean %.2f ms, worst %.2f ms (verify + .env write with its fsyncs)\n",
      sum / n, worst
    printf "readiness lag:        mean %.2f ms, worst %.2f ms (1 ms poller first PONG -> end of wait; target: at most 10 ms)\n",
      lag / n, lagworst
    if (sum / n >= 10) { print "FAIL: PONG -> ready takes 10 ms or more on average"; exit 1 }
    if (lag / n > 10) { print "FAIL: the readiness lag is over 10 ms on average"; exit 1 }
  }' "$work/steps.tsv"
