#!/usr/bin/env bash
# The CLV run on a loopback Apache Ballista cluster against one machine and DuckDB (issue 21 §5),
# on the simulator's purchases written as Parquet:
#
#   1. one machine: `fidelis analyze clv --transactions DIR` (the same build), its time and peak
#      memory;
#   2. the cluster with two executors of one task slot each, then one executor with one slot:
#      total time, the driver's time per stage, the shuffle written (the executors' work
#      directories after the job), peak memory of each executor and of the driver;
#   3. DuckDB (PyPI) running the per-customer summary SQL alone on the same files (the
#      cluster's first stage), writing Parquet as the executors do.
#
#   bash bench/cluster_bench.sh                       # 10M customers, ~100M purchases
#   CUSTOMERS=1000000 bash bench/cluster_bench.sh     # a quick one
#
# CUSTOMERS, ALPHA (purchase rate: 0.15 gives ~10 purchases a customer over 78 weeks), FILES
# (Parquet files), PARTITIONS (tasks per stage), EXECUTOR_MEMORY, PYTHON (with duckdb),
# CLUSTER_TARGET (see bench/cluster.sh). Results are appended to bench/out/results.txt.
#
# The build is the cluster feature's dev profile (every dependency at opt-level 2) with
# Fidelis's numeric crates at opt-level 2 too (`--config`, so the CI build's cache is reused),
# and the one-machine run uses the same binary: like against like.
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOMERS=${CUSTOMERS:-10000000}
ALPHA=${ALPHA:-0.15}
FILES=${FILES:-48}
PARTITIONS=${PARTITIONS:-8}
PYTHON=${PYTHON:-python3}
export CLUSTER_TARGET=${CLUSTER_TARGET:-$HOME/.cache/fidelis/cluster-target}
export EXECUTOR_MEMORY=${EXECUTOR_MEMORY:-4GiB}
OUT=bench/out/cluster-bench/$CUSTOMERS
RES=bench/out/results.txt
STATE=bench/out/cluster
mkdir -p "$OUT"
log() { echo "$*" | tee -a "$RES"; }

opt=()
for p in analytics domain columnar; do opt+=(--config "profile.dev.package.$p.opt-level=2"); done
CARGO_TARGET_DIR="$CLUSTER_TARGET" cargo build -q -p fidelis --features cluster "${opt[@]}"
cargo build -q --release -p fidelis-bench --bin gen-transactions
BIN=$CLUSTER_TARGET/debug/fidelis
export BIN

log "=== cluster bench $(date -u +%FT%TZ) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); $CUSTOMERS customers, $FILES files, $PARTITIONS partitions"
if [ ! -f "$OUT/purchases/part-000.parquet" ]; then
  ./target/release/gen-transactions --customers "$CUSTOMERS" --alpha "$ALPHA" --parquet "$FILES" --out "$OUT" | tee -a "$RES"
fi
log "input: $(du -sh "$OUT/purchases" | cut -f1) of Parquet in $(ls "$OUT/purchases" | wc -l) files"
sync

ARGS=(--transactions "$OUT/purchases" --period week --horizon 12)

# 1. One machine.
rm -f "$OUT/local.parquet"
/usr/bin/time -f "%e %M" -o "$OUT/local.time" "$BIN" analyze clv "${ARGS[@]}" \
  --output "$OUT/local.parquet" --summary-json "$OUT/local.json" > /dev/null
read -r ls lk < "$OUT/local.time"
log "one machine: $ls s, peak RSS $((lk / 1024)) MiB"

# 2. The cluster: N executors of one slot each.
peak_of() { awk '/VmHWM/{print int($2 / 1024)}' "/proc/$1/status" 2>/dev/null || echo "?"; }
cluster_run() { # executors label
  bash bench/cluster.sh stop > /dev/null 2>&1 || true
  EXECUTOR_VCORES=1 bash bench/cluster.sh start "$1" > /dev/null
  local out="$OUT/cluster-$1x1"
  rm -rf "$out"
  # The executors' shuffle files on disk, sampled every half second (Ballista removes a job's
  # files when it ends): the largest total seen.
  (m=0; while :; do
     s=$(du -sb "$STATE"/executor-*/ 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}')
     [ "${s:-0}" -gt "$m" ] && m=$s && echo "$m" > "$out.shuffle"
     sleep 0.5
   done) &
  local sampler=$!
  /usr/bin/time -f "%e %M" -o "$out.time" "$BIN" analyze clv --cluster df://127.0.0.1:${CLUSTER_PORT:-50050} \
    "${ARGS[@]}" --partitions "$PARTITIONS" --output "$out" 2> "$out.log" > /dev/null
  kill "$sampler" 2>/dev/null || true
  read -r cs ck < "$out.time"
  local peaks="" shuffle
  for k in $(seq 1 "$1"); do peaks+="executor $k $(peak_of "$(cat "$STATE/executor-$k.pid")") MiB; "; done
  shuffle=$(( $(cat "$out.shuffle" 2>/dev/null || echo 0) / 1048576 ))
  log "cluster $1 executor(s) x 1 slot: $cs s; driver peak RSS $((ck / 1024)) MiB; ${peaks}largest shuffle on disk $shuffle MiB"
  grep -E '^\[' "$out.log" | sed 's/^/    /' | tee -a "$RES"
  bash bench/cluster.sh stop > /dev/null
  eval "t_$1=$cs"
}
cluster_run 2
cluster_run 1
log "scaling: two executors take $(python3 -c "print(f'{$t_2/$t_1:.2f}')")x the time of one (target <= 0.6); one machine $(python3 -c "print(f'{$ls/$t_2:.2f}')")x the two-executor cluster's time"
$PYTHON bench/cluster_compare.py "$OUT/local.parquet" "$OUT/cluster-2x1/customers" | tee -a "$RES"

# 3. DuckDB on the per-customer summary alone.
if $PYTHON -c 'import duckdb' 2> /dev/null; then
  /usr/bin/time -f "%e %M" -o "$OUT/duckdb.time" $PYTHON bench/cluster_duckdb.py "$OUT/purchases" "$OUT/duckdb.parquet" | tee -a "$RES"
  read -r ds dk < "$OUT/duckdb.time"
  log "duckdb per-customer summary alone: $ds s, peak RSS $((dk / 1024)) MiB"
else
  log "duckdb: not installed for $PYTHON (pip install duckdb)"
fi
