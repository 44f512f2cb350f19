#!/usr/bin/env bash
# A loopback Apache Ballista cluster of Fidelis's own scheduler and executors (issue 21), each a
# separate process, stopped by its process id:
#
#   bash bench/cluster.sh build            # cargo build --features cluster (its own target dir)
#   bash bench/cluster.sh start [N]        # a scheduler and N executors (default 2)
#   bash bench/cluster.sh stop             # stop them, remove their shuffle directories
#   bash bench/cluster.sh status
#   bash bench/cluster.sh kill-executor K  # kill -9 executor K (a fault test)
#
# Then: fidelis analyze clv --cluster df://127.0.0.1:50050 --transactions DIR --output OUT
#
# CLUSTER_TARGET: the cargo target directory of the cluster build (a cache kept between runs:
# DataFusion and Ballista take most of an hour to compile cold on two cores); PROFILE: debug
# (the workspace's dev profile: dependencies optimised) or release; CLUSTER_PORT: the
# scheduler's port (executors take the ports after CLUSTER_EXECUTOR_PORT); EXECUTOR_MEMORY:
# each executor's task memory (Ballista's default is 70 % of the host's, too much for several
# on one machine); EXECUTOR_VCORES: tasks at once per executor.
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTER_TARGET=${CLUSTER_TARGET:-$HOME/.cache/fidelis/cluster-target}
PROFILE=${PROFILE:-debug}
BIN=${BIN:-$CLUSTER_TARGET/$PROFILE/fidelis}
STATE=${CLUSTER_STATE:-bench/out/cluster}
PORT=${CLUSTER_PORT:-50050}
EXECUTOR_PORT=${CLUSTER_EXECUTOR_PORT:-50100}
MEMORY=${EXECUTOR_MEMORY:-2GiB}
VCORES=${EXECUTOR_VCORES:-2}

# Wait until something listens on 127.0.0.1:$1 (at most $2 seconds).
wait_port() {
  for _ in $(seq 1 $(( $2 * 10 ))); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

case "${1:-}" in
  build)
    args=(build -p fidelis --features cluster)
    [ "$PROFILE" = release ] && args+=(--release)
    CARGO_TARGET_DIR="$CLUSTER_TARGET" cargo "${args[@]}"
    ;;
  start)
    n=${2:-2}
    [ -x "$BIN" ] || { echo "no cluster build at $BIN: run 'bash bench/cluster.sh build'"; exit 1; }
    mkdir -p "$STATE"
    if [ -f "$STATE/scheduler.pid" ] && kill -0 "$(cat "$STATE/scheduler.pid")" 2>/dev/null; then
      echo "a cluster runs already (bash bench/cluster.sh stop)"; exit 1
    fi
    "$BIN" cluster scheduler --bind "127.0.0.1:$PORT" > "$STATE/scheduler.log" 2>&1 &
    echo $! > "$STATE/scheduler.pid"
    wait_port "$PORT" 30 || { tail -20 "$STATE/scheduler.log"; echo "the scheduler did not start"; exit 1; }
    for k in $(seq 1 "$n"); do
      p=$(( EXECUTOR_PORT + 2 * k )); g=$(( p + 1 ))
      mkdir -p "$STATE/executor-$k"
      "$BIN" cluster executor --scheduler "127.0.0.1:$PORT" --bind 127.0.0.1 --port "$p" \
        --grpc-port "$g" --work-dir "$STATE/executor-$k" --memory "$MEMORY" --vcores "$VCORES" \
        > "$STATE/executor-$k.log" 2>&1 &
      echo $! > "$STATE/executor-$k.pid"
    done
    for k in $(seq 1 "$n"); do
      wait_port $(( EXECUTOR_PORT + 2 * k )) 30 || { tail -20 "$STATE/executor-$k.log"; echo "executor $k did not start"; exit 1; }
    done
    # Executors register with the scheduler by their first heartbeat.
    sleep 2
    echo "cluster: scheduler df://127.0.0.1:$PORT (pid $(cat "$STATE/scheduler.pid")), $n executor(s)"
    ;;
  stop)
    for f in "$STATE"/executor-*.pid "$STATE"/scheduler.pid; do
      [ -f "$f" ] || continue
      pid=$(cat "$f")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$f"
    done
    # Shuffle files stay in an executor's work directory when it is stopped: remove them.
    rm -rf "$STATE"/executor-*/
    echo "cluster stopped"
    ;;
  status)
    for f in "$STATE"/scheduler.pid "$STATE"/executor-*.pid; do
      [ -f "$f" ] || continue
      pid=$(cat "$f")
      if kill -0 "$pid" 2>/dev/null; then echo "$(basename "$f" .pid): running ($pid)"; else echo "$(basename "$f" .pid): gone"; fi
    done
    ;;
  kill-executor)
    f="$STATE/executor-${2:?which executor}.pid"
    kill -9 "$(cat "$f")"
    echo "executor $2 killed (pid $(cat "$f"))"
    ;;
  *)
    sed -n '2,20p' "$0"; exit 1 ;;
esac
