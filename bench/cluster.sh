#!/usr/bin/env bash
# What a cluster costs verify, in one hyperfine run on this machine:
#   1. `imcache verify` on a six-node cluster (3 masters + 3 replicas): every node read at once,
#      the four cluster checks, and PING / SET / GET / TTL / DEL on every master
#   2. `imcache verify` on a single server: the same five checks once
#   3. `redis-cli --cluster check` on the same cluster: slot coverage and agreement only
# Target: (1) at most 2x (2), and faster than (3).
# Usage: bench/cluster.sh [extra hyperfine options, e.g. --export-markdown out.md]
source "$(dirname "$0")/lib.sh"
start_redis

CLUSTER_PIDS=()
stop_all() {
  for pid in "${CLUSTER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${CLUSTER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_redis
}
trap stop_all EXIT

# Six ports below the ephemeral range whose cluster bus ports (+10000) are free too.
free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
NODES=()
while [ "${#NODES[@]}" -lt 6 ]; do
  port=$(( 10000 + RANDOM % 12000 ))
  free "$port" && free $(( port + 10000 )) && [[ ! " ${NODES[*]} " =~ " $port " ]] && NODES+=("$port")
done
for port in "${NODES[@]}"; do
  mkdir -p "$BENCH_DIR/$port"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
    --repl-diskless-sync-delay 0 --dir "$BENCH_DIR/$port" --logfile "$BENCH_DIR/$port/redis.log" &
  CLUSTER_PIDS+=($!)
done
for port in "${NODES[@]}"; do
  until [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; do sleep 0.01; done
done
redis-cli --cluster create $(printf '127.0.0.1:%s ' "${NODES[@]}") \
  --cluster-replicas 1 --cluster-yes >/dev/null
for port in "${NODES[@]}"; do
  until redis-cli -p "$port" cluster info | grep -q cluster_state:ok \
    && redis-cli -p "$port" info replication | grep -qE 'role:master|master_link_status:up'; do
    sleep 0.05
  done
done
SEED=${NODES[0]}
"$IMCACHE" verify -H 127.0.0.1 -p "$SEED" >/dev/null  # the cluster is healthy before timing

cd "$BENCH_DIR"
hyperfine -N --warmup 20 --min-runs 200 "$@" \
  -n "imcache verify (cluster, 6 nodes)" "$IMCACHE verify -H 127.0.0.1 -p $SEED" \
  -n "imcache verify (single server)" "$IMCACHE verify -H 127.0.0.1 -p $PORT" \
  -n "redis-cli --cluster check" "redis-cli --cluster check 127.0.0.1:$SEED"
