# Shared by the bench scripts: the tools they need, a release build ($IMCACHE), and a throwaway
# redis-server on a free 127.0.0.1 port ($PORT) in a temp dir ($BENCH_DIR), stopped on exit.
# Only flags say where Redis is: REDIS_* from the caller are unset and commands run in
# $BENCH_DIR, where no .env lies.
set -euo pipefail

for tool in cargo hyperfine redis-server redis-cli; do
  command -v "$tool" >/dev/null || { echo "bench needs $tool (apt-get install -y hyperfine redis-server)" >&2; exit 5; }
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --locked --quiet
IMCACHE="${CARGO_TARGET_DIR:-$PWD/target}/release/imcache"
unset REDIS_URL REDIS_HOST REDIS_PORT REDIS_DB REDIS_USERNAME REDIS_PASSWORD REDIS_TLS REDIS_CACERT \
  REDIS_SOCKET REDIS_TLS_CERT REDIS_TLS_KEY REDIS_SENTINEL_MASTER REDIS_CLUSTER REDISCLI_AUTH

BENCH_DIR=$(mktemp -d)

# build_floor: bench/floor.c as $FLOOR (static when the C library allows it, like the floor the
# first measurements used), for the scripts that compare imcache with the least any program must do.
build_floor() {
  FLOOR="$BENCH_DIR/floor"
  cc -O2 -static -o "$FLOOR" "$PWD/bench/floor.c" 2>/dev/null \
    || cc -O2 -o "$FLOOR" "$PWD/bench/floor.c"
}
REDIS_PID=""
stop_redis() {
  if [ -n "$REDIS_PID" ]; then
    kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
  fi
  rm -rf "$BENCH_DIR"
}
trap stop_redis EXIT

# start_redis [redis-server options]: a free port (nothing answers there), and our server alive
# once it answers PING; another process may take the port in between, then try another.
start_redis() {
  for _ in $(seq 20); do
    PORT=$(( 20000 + RANDOM % 40000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && continue
    redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no \
      --dir "$BENCH_DIR" --logfile "$BENCH_DIR/redis.log" "$@" &
    REDIS_PID=$!
    for _ in $(seq 500); do
      kill -0 "$REDIS_PID" 2>/dev/null || break
      [ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ] && return 0
      sleep 0.01
    done
    kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
    REDIS_PID=""
  done
  echo "could not start redis-server on a free port; see $BENCH_DIR/redis.log" >&2
  exit 3
}
