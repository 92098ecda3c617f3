#!/usr/bin/env bash
# What `imcache tune` costs on Debian's own redis.conf (~2300 lines, 106 KB): planning the edit
# and its diff (--dry-run), a full edit (backup + atomic write + fsync), a no-op run on a tuned
# file, and --live --dry-run against a local server. Needs hyperfine, redis-server and the
# Debian config at /etc/redis/redis.conf.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="$PWD/target/release/imcache"
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
trap 'kill "$(cat "$work/redis.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT

cp /etc/redis/redis.conf "$work/redis.conf"
cp /etc/redis/redis.conf "$work/tuned.conf"
"$bin" tune --config "$work/tuned.conf" --yes >/dev/null
redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save "" --dir "$work" \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log"
sleep 0.3

hyperfine --warmup 3 --shell=none \
  --command-name "dry run (plan + diff)" "$bin tune --config $work/redis.conf --dry-run" \
  --command-name "no-op on a tuned file" "$bin tune --config $work/tuned.conf --yes" \
  --command-name "live dry run" "$bin -p $port tune --live --dry-run"
hyperfine --warmup 3 \
  --prepare "cp /etc/redis/redis.conf $work/edit.conf && rm -f $work/edit.conf.bak*" \
  --command-name "edit (backup + atomic write)" "$bin tune --config $work/edit.conf --yes"
