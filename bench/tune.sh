#!/usr/bin/env bash
# What `imcache tune` costs on Debian's own redis.conf (~2300 lines, 106 KB): planning the edit
# and its diff (--dry-run), a full edit (backup + atomic write + fsync), a no-op run on a tuned
# file, and --live --dry-run against a local server. Needs hyperfine, redis-server and the
# Debian config at /etc/redis/redis.conf.
source "$(dirname "$0")/lib.sh"
[ -f /etc/redis/redis.conf ] || { echo "bench/tune.sh needs Debian's /etc/redis/redis.conf" >&2; exit 5; }
cp /etc/redis/redis.conf "$BENCH_DIR/redis.conf"
cp /etc/redis/redis.conf "$BENCH_DIR/tuned.conf"
"$IMCACHE" tune --config "$BENCH_DIR/tuned.conf" --yes >/dev/null
start_redis
cd "$BENCH_DIR"

hyperfine --warmup 3 --shell=none \
  --command-name "dry run (plan + diff)" "$IMCACHE tune --config $BENCH_DIR/redis.conf --dry-run" \
  --command-name "no-op on a tuned file" "$IMCACHE tune --config $BENCH_DIR/tuned.conf --yes" \
  --command-name "live dry run" "$IMCACHE -p $PORT tune --live --dry-run"
hyperfine --warmup 3 \
  --prepare "cp /etc/redis/redis.conf $BENCH_DIR/edit.conf && rm -f $BENCH_DIR/edit.conf.bak*" \
  --command-name "edit (backup + atomic write)" "$IMCACHE tune --config $BENCH_DIR/edit.conf --yes"
