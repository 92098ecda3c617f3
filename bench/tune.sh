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

# A large redis.conf: Debian's repeated 10 and 100 times (228k lines, 10.7 MB at 100x). tune reads
# and parses it once; peak RSS (from /usr/bin/time -v) should stay under 3x the file, and the time
# grow with the size (hyperfine, dry run and a full edit each).
command -v /usr/bin/time >/dev/null || { echo "bench/tune.sh needs /usr/bin/time (apt-get install -y time)" >&2; exit 5; }
echo
echo "| copies | lines | size | dry run | peak RSS | RSS / size | edit | peak RSS | RSS / size |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for copies in 1 10 100; do
  big="$BENCH_DIR/big-$copies.conf"
  for _ in $(seq "$copies"); do cat /etc/redis/redis.conf; done > "$big"
  size=$(stat -c %s "$big")
  lines=$(wc -l < "$big")
  row="| ${copies}x | $lines | $(( size / 1024 )) KiB"
  for mode in --dry-run --yes; do
    mean=$(hyperfine --warmup 2 --runs 10 --shell=none --export-json "$BENCH_DIR/h.json" \
      --prepare "cp $big $BENCH_DIR/work.conf" "$IMCACHE tune --config $BENCH_DIR/work.conf $mode" >/dev/null 2>&1 \
      && python3 -c "import json; print('%.1f ms' % (json.load(open('$BENCH_DIR/h.json'))['results'][0]['mean'] * 1000))")
    cp "$big" "$BENCH_DIR/work.conf"
    rss=$(/usr/bin/time -v "$IMCACHE" tune --config "$BENCH_DIR/work.conf" "$mode" 2>&1 >/dev/null \
      | awk '/Maximum resident set size/ {print $NF}')
    row="$row | $mean | $(python3 -c "print('%.1f MiB | %.2fx' % ($rss / 1024, $rss * 1024 / $size))")"
    rm -f "$BENCH_DIR"/work.conf.bak*
  done
  echo "$row |"
done
