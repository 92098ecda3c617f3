#!/usr/bin/env bash
# What `imcache doctor` costs: against a healthy local server (one INFO, one round of CONFIG GET,
# 20 PINGs spread over the one-second window between the two INFO samples the evictions check
# needs, so about 1 s by design), and against a closed port (the refused path: the Docker, Homebrew
# and dpkg queries plus one scan of /proc for listening sockets and their processes).
# Needs hyperfine and redis-server.
source "$(dirname "$0")/lib.sh"
start_redis --maxmemory 64mb --maxmemory-policy allkeys-lru
closed=$((PORT + 1))
(exec 3<>"/dev/tcp/127.0.0.1/$closed") 2>/dev/null && { echo "port $closed is taken; run again" >&2; exit 3; }

cd "$BENCH_DIR"
hyperfine --warmup 1 --runs 10 --shell=none -i \
  --command-name "healthy local server" "$IMCACHE -H 127.0.0.1 -p $PORT doctor --json" \
  --command-name "refused port" "$IMCACHE -H 127.0.0.1 -p $closed doctor --json"
