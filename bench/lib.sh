# Shared by the bench scripts: a release build, a throwaway redis-server on a free 127.0.0.1 port
# in a temp dir (stopped on exit), and a check that hyperfine is installed.
set -euo pipefail

command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install -y hyperfine" >&2; exit 5; }
command -v redis-server >/dev/null || { echo "redis-server is needed: apt-get install -y redis-server" >&2; exit 5; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --quiet
IMCACHE="$PWD/target/release/imcache"

BENCH_DIR=$(mktemp -d)
# A port nobody listens on (bash's /dev/tcp connects only when something is there).
port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=$(( 20000 + RANDOM % 20000 ))
while ! port_is_free "$PORT"; do PORT=$(( PORT + 1 )); done

start_redis() {
  redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --dir "$BENCH_DIR" --logfile "$BENCH_DIR/redis.log" --pidfile "$BENCH_DIR/redis.pid" "$@"
  for _ in $(seq 200); do
    redis-cli -p "$PORT" ping >/dev/null 2>&1 && return 0
    sleep 0.01
  done
  echo "redis-server did not start; see $BENCH_DIR/redis.log" >&2
  exit 3
}

stop_redis() {
  if [ -f "$BENCH_DIR/redis.pid" ]; then kill "$(cat "$BENCH_DIR/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$BENCH_DIR"
}
trap stop_redis EXIT
