#!/usr/bin/env bash
# Benchmarks for the foundation (issue: import throughput and page latency), side by side in one
# run. Results are appended to bench/out/results.txt; docs/benchmarks.md records a run.
#
#   bash bench/run.sh                      # 1M customers, ~10M transactions
#   CUSTOMERS=100000 bash bench/run.sh     # a quick run
#   PAGES_ONLY=1 MODES=search bash bench/run.sh   # pages again, on the stores of the last run
#
# Needs: sqlite3, psql (PostgreSQL at 127.0.0.1:5432, user postgres), wrk, GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOMERS=${CUSTOMERS:-1000000}
ALPHA=${ALPHA:-0.15}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
OUT=bench/out
mkdir -p "$OUT"
RES="$OUT/results.txt"
log() { echo "$*" | tee -a "$RES"; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

cargo build --release -p fidelis -p fidelis-bench
BIN=./target/release/fidelis
log "=== $(date -u +%FT%TZ) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
log "$(sqlite3 --version | cut -d' ' -f1-2 | sed 's/^/sqlite3 /'), $(psql --version)"

if [ "${PAGES_ONLY:-0}" != 1 ]; then
./target/release/gen-transactions --customers "$CUSTOMERS" --alpha "$ALPHA" --out "$OUT" | tee -a "$RES"
ROWS=$(($(wc -l < "$OUT/transactions.csv") - 1))
log "transactions.csv: $ROWS rows, $(du -h "$OUT/transactions.csv" | cut -f1)"

# --- SQLite: sqlite3 .import into a plain table vs fidelis import (validated, staged, indexed)
rm -f "$OUT/plain.sqlite3"*
t0=$(date +%s.%N)
sqlite3 "$OUT/plain.sqlite3" ".mode csv" ".import $OUT/transactions.csv t"
t1=$(date +%s.%N)
base=$(secs "$t0" "$t1")
log "sqlite3 .import: $base s ($(python3 -c "print(round($ROWS/$base))") rows/s)"

rm -rf "$OUT/data"
$BIN --data-dir "$OUT/data" import customers "$OUT/customers.csv" | tee -a "$RES"
/usr/bin/time -f "%e %M" -o "$OUT/time.txt" $BIN --data-dir "$OUT/data" import transactions "$OUT/transactions.csv" | tee -a "$RES"
read -r el rss < "$OUT/time.txt"
log "fidelis import (SQLite): $el s ($(python3 -c "print(round($ROWS/$el))") rows/s), peak RSS $((rss / 1024)) MiB, ratio to sqlite3 .import $(python3 -c "print(round($el/$base, 2))")x"

# --- PostgreSQL: COPY into a plain table vs fidelis import
psql -q "$PG/test" -c "DROP DATABASE IF EXISTS bench_plain" -c "DROP DATABASE IF EXISTS bench_fidelis" -c "CREATE DATABASE bench_plain" -c "CREATE DATABASE bench_fidelis"
psql -q "$PG/bench_plain" -c "CREATE TABLE t (external_id text, customer_id text, occurred_at text, amount text, currency text, channel text, store text, items text, quantity text, promotion text, is_return text)"
t0=$(date +%s.%N)
psql -q "$PG/bench_plain" -c "\\copy t FROM '$OUT/transactions.csv' CSV HEADER"
t1=$(date +%s.%N)
base=$(secs "$t0" "$t1")
log "PostgreSQL COPY: $base s ($(python3 -c "print(round($ROWS/$base))") rows/s)"
$BIN --database-url "$PG/bench_fidelis" import customers "$OUT/customers.csv" | tee -a "$RES"
/usr/bin/time -f "%e %M" -o "$OUT/time.txt" $BIN --database-url "$PG/bench_fidelis" import transactions "$OUT/transactions.csv" | tee -a "$RES"
read -r el rss < "$OUT/time.txt"
log "fidelis import (PostgreSQL): $el s ($(python3 -c "print(round($ROWS/$el))") rows/s), peak RSS $((rss / 1024)) MiB, ratio to COPY $(python3 -c "print(round($el/$base, 2))")x"
# A second baseline: COPY of the same rows, customers already resolved to ids, into a table like
# Fidelis's own (same indexes, same foreign key): what loading the real table costs PostgreSQL.
TXCOLS="external_id, customer_id, occurred_at, amount_minor, currency, channel, store, items, quantity, promotion, is_return"
psql -q "$PG/bench_fidelis" -c "\\copy (SELECT $TXCOLS FROM transactions ORDER BY id) TO '$OUT/resolved.tsv'"
psql -q "$PG/bench_fidelis" -c "DROP TABLE IF EXISTS t_same" -c "CREATE TABLE t_same (LIKE transactions INCLUDING ALL)" \
  -c "ALTER TABLE t_same ADD FOREIGN KEY (customer_id) REFERENCES customers(id)"
t0=$(date +%s.%N)
psql -q "$PG/bench_fidelis" -c "\\copy t_same ($TXCOLS) FROM '$OUT/resolved.tsv'"
t1=$(date +%s.%N)
same=$(secs "$t0" "$t1")
log "PostgreSQL COPY into a table like Fidelis's (indexes, foreign key): $same s; fidelis import takes $(python3 -c "print(round($el/$same, 2))")x of it"
psql -q "$PG/bench_fidelis" -c "DROP TABLE t_same"
rm -f "$OUT/resolved.tsv"

fi

# --- Pages: list, filter, search and profile latency with wrk on loopback, on the stores just
# loaded (PG_PAGES=0 skips PostgreSQL)
# measure_pages LABEL STORE-ARGS…: serve that store, sign in, warm up, measure every mode.
# Warm-up matters: wrk corrects for coordinated omission, so a cold first second (caches, filter
# menus, planner) would otherwise dominate p95.
measure_pages() {
  local label=$1; shift
  printf 'bench-password-1\n' | $BIN "$@" user add --username bench --role manager --password-stdin >/dev/null 2>&1 || true
  $BIN "$@" serve --bind 127.0.0.1:18181 > "$OUT/serve-$label.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 50); do curl -sf http://127.0.0.1:18181/healthz >/dev/null && break; sleep 0.2; done
  local jar="$OUT/cookies.txt"; rm -f "$jar"
  local csrf session
  csrf=$(curl -s -c "$jar" -b "$jar" http://127.0.0.1:18181/login | grep -o 'name="csrf" value="[a-f0-9]*"' | cut -d'"' -f4)
  curl -s -c "$jar" -b "$jar" -o /dev/null -d "username=bench&password=bench-password-1&csrf=$csrf&next=/customers" http://127.0.0.1:18181/login
  session=$(awk '$6=="fidelis_session"{print $7}' "$jar")
  FIDELIS_COOKIE="fidelis_session=$session" N_CUSTOMERS="$CUSTOMERS" MODE=list wrk -t2 -c16 -d5s -s bench/pages.lua http://127.0.0.1:18181 >/dev/null
  for mode in ${MODES:-list filter search profile}; do
    FIDELIS_COOKIE="fidelis_session=$session" N_CUSTOMERS="$CUSTOMERS" MODE=$mode \
      wrk -t2 -c16 -d15s --timeout 10s -s bench/pages.lua http://127.0.0.1:18181 | grep RESULT | sed "s/^RESULT/RESULT $label/" | tee -a "$RES"
  done
  kill $SERVER
}
trap 'kill $SERVER 2>/dev/null || true' EXIT
measure_pages sqlite --data-dir "$OUT/data"
if [ "${PG_PAGES:-1}" = 1 ]; then
  psql -q "$PG/bench_fidelis" -c "VACUUM ANALYZE"
  measure_pages postgres --database-url "$PG/bench_fidelis"
fi
log "done"
