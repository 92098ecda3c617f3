#!/usr/bin/env bash
# verify over TLS with --cacert next to `redis-cli --tls --cacert ... ping`, same server, one run.
# With --cacert the trust store is that file alone: the system store is not read.
# Target: at most 0.5x redis-cli.
source "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "bench needs openssl" >&2; exit 5; }
cd "$BENCH_DIR"
openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -out ca.crt -days 2 -subj "/CN=bench CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out server.key
openssl req -new -key server.key -out server.csr -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
  -days 2 -extfile server.ext 2>/dev/null
cd - >/dev/null
# A TLS-only server on a free port, alive once it answers PING over TLS.
for _ in $(seq 20); do
  TLS_PORT=$(( 20000 + RANDOM % 40000 ))
  (exec 3<>"/dev/tcp/127.0.0.1/$TLS_PORT") 2>/dev/null && continue
  redis-server --port 0 --tls-port "$TLS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$BENCH_DIR" --logfile "$BENCH_DIR/redis.log" --tls-cert-file "$BENCH_DIR/server.crt" \
    --tls-key-file "$BENCH_DIR/server.key" --tls-ca-cert-file "$BENCH_DIR/ca.crt" \
    --tls-auth-clients no &
  REDIS_PID=$!
  for _ in $(seq 500); do
    redis-cli --tls --cacert "$BENCH_DIR/ca.crt" -p "$TLS_PORT" ping 2>/dev/null | grep -q PONG && break 2
    sleep 0.01
  done
  kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; REDIS_PID=""
done
[ -n "$REDIS_PID" ] || { echo "could not start a TLS redis-server" >&2; exit 3; }

cd "$BENCH_DIR"
hyperfine -N --warmup 20 --min-runs 200 --export-json "$BENCH_DIR/tls.json" "$@" \
  -n "imcache verify --tls --cacert" "$IMCACHE verify -h 127.0.0.1 -p $TLS_PORT --tls --cacert $BENCH_DIR/ca.crt" \
  -n "redis-cli --tls --cacert ping" "redis-cli -h 127.0.0.1 -p $TLS_PORT --tls --cacert $BENCH_DIR/ca.crt ping"
if command -v jq >/dev/null; then
  jq -r '.results as $r
    | "\nimcache TLS verify / redis-cli --tls ping = \(($r[0].mean / $r[1].mean) * 100 | round / 100)x (target: at most 0.5x)"' \
    "$BENCH_DIR/tls.json"
fi
