#!/usr/bin/env bash
# What `imcache doctor` costs: against a healthy local server (one INFO, one round of CONFIG GET,
# 20 PINGs spread over the one-second window between the two INFO samples the evictions check
# needs, so about 1 s by design), and against a closed port (the refused path: the Docker, Homebrew
# and dpkg queries plus one scan of /proc for listening sockets and their processes).
# Needs hyperfine and redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="$PWD/target/release/imcache"
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
closed=$((port + 1))
trap 'kill "$(cat "$work/redis.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT

redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save "" --dir "$work" \
  --maxmemory 64mb --maxmemory-policy allkeys-lru \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log"
sleep 0.3

cd "$work"
hyperfine --warmup 1 --runs 10 --shell=none -i \
  --command-name "healthy local server" "$bin -H 127.0.0.1 -p $port doctor --json" \
  --command-name "refused port" "$bin -H 127.0.0.1 -p $closed doctor --json"
