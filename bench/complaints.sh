#!/usr/bin/env bash
# Complaints at scale (issue 5), on the embedded store: 1,000,000 customers and 500,000 complaint
# cases (bench/src/gen_complaints.rs, loaded with sqlite3's own importer), then with wrk on
# loopback: the open-case list and the overview pages (target p95 < 100 ms), an agent's own
# cases, a case page; and the first handling step taken by 200 agents at once at a person's pace
# (bench/src/agents.rs; target p95 < 20 ms), and flooded by 200 connections (wrk). Results are appended to bench/out/results.txt.
#
#   bash bench/complaints.sh
#   CUSTOMERS=100000 COMPLAINTS=50000 bash bench/complaints.sh   # a quick run
#   PAGES_ONLY=1 bash bench/complaints.sh   # measure again on the store of the last run
#   STORE=postgres bash bench/complaints.sh # the same on PostgreSQL (database bench_complaints
#                                           # at $PG, recreated; complaints loaded with \copy)
#   COMPLAINTS_ONLY=1 bash bench/complaints.sh  # after a failed complaint load: keep the
#                                           # customers and purchases, load the complaints
#
# Needs: sqlite3, wrk, curl; psql for STORE=postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOMERS=${CUSTOMERS:-1000000}
COMPLAINTS=${COMPLAINTS:-500000}
OUT=bench/out/complaints
mkdir -p "$OUT"
RES=bench/out/results.txt
STORE=${STORE:-sqlite}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
log() { echo "$*" | tee -a "$RES"; }

cargo build --release -p fidelis -p fidelis-bench
BIN=./target/release/fidelis
log "=== complaints on $STORE $(date -u +%FT%TZ) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); $CUSTOMERS customers, $COMPLAINTS complaints"
DB="$OUT/data/fidelis.sqlite3"
PGDB="$PG/bench_complaints"
if [ "$STORE" = postgres ]; then
  STORE_ARGS=(--database-url "$PGDB")
  sql() { psql -qAt "$PGDB" -c "$1"; }
else
  STORE_ARGS=(--data-dir "$OUT/data")
  sql() { sqlite3 "$DB" "$1"; }
fi
# The complaints as the generator wrote them, typed into the table (both stores read the same SQL).
LOAD_COLUMNS="received_at, channel, place, customer_id, caller, situation, product, cause, severity, wants,
  assignee, state, handling, acknowledged_at, resolved_at, closed_at, on_the_spot, ack_warn_at, ack_due_at,
  resolve_warn_at, resolve_due_at, timers_done, next_timer_at, escalated_to, version, created_by, created_at, updated_at"
LOAD_SQL="INSERT INTO complaints ($LOAD_COLUMNS)
SELECT received_at, channel, place, CAST(customer_id AS BIGINT), caller, situation, product, cause, severity, wants,
  assignee, state, handling, NULLIF(acknowledged_at, ''), NULLIF(resolved_at, ''), NULLIF(closed_at, ''),
  CAST(on_the_spot AS BIGINT), ack_warn_at, ack_due_at, resolve_warn_at, resolve_due_at, timers_done,
  NULLIF(next_timer_at, ''), escalated_to, CAST(version AS BIGINT), created_by, created_at, updated_at
FROM complaints_load;
DROP TABLE complaints_load;
INSERT INTO complaint_events (complaint_id, at, actor, kind, from_state, to_state, note, changes)
  SELECT id, received_at, 'bench', 'created', '', 'received', situation, '{}' FROM complaints;"
if [ "${PAGES_ONLY:-0}" != 1 ]; then
if [ "${COMPLAINTS_ONLY:-0}" != 1 ]; then
./target/release/gen-transactions --customers "$CUSTOMERS" --alpha 0.02 --out "$OUT" | tee -a "$RES"
if [ "$STORE" = postgres ]; then
  psql -q "$PG/test" -c "DROP DATABASE IF EXISTS bench_complaints" -c "CREATE DATABASE bench_complaints"
else
  rm -rf "$OUT/data"
fi
$BIN "${STORE_ARGS[@]}" import customers "$OUT/customers.csv" | tail -1 | tee -a "$RES"
$BIN "${STORE_ARGS[@]}" import transactions "$OUT/transactions.csv" | tail -1 | tee -a "$RES"
fi
./target/release/gen-complaints --complaints "$COMPLAINTS" --customers "$CUSTOMERS" --out "$OUT/complaints.csv" | tee -a "$RES"
t0=$(date +%s.%N)
if [ "$STORE" = postgres ]; then
  psql -q -v ON_ERROR_STOP=1 "$PGDB" <<SQL
DROP TABLE IF EXISTS complaints_load;
CREATE TABLE complaints_load ($(echo "$LOAD_COLUMNS" | tr -d '\n' | sed 's/,/ text,/g') text);
\copy complaints_load FROM '$OUT/complaints.csv' WITH (FORMAT csv, HEADER true, NULL '(none)')
$LOAD_SQL
VACUUM ANALYZE;
SQL
else
sqlite3 "$DB" <<SQL
.mode csv
.import $OUT/complaints.csv complaints_load
$LOAD_SQL
ANALYZE;
SQL
fi
t1=$(date +%s.%N)
log "loaded $(sql 'SELECT COUNT(*) FROM complaints') complaints and their history with $([ "$STORE" = postgres ] && echo psql || echo sqlite3) in $(python3 -c "print(f'{$t1 - $t0:.1f}')") s"
printf 'bench-password-1\n' | $BIN "${STORE_ARGS[@]}" user add --username bench --role manager --password-stdin >/dev/null
printf 'bench-password-1\n' | $BIN "${STORE_ARGS[@]}" user add --username agent1 --role agent --password-stdin >/dev/null
fi
# Cases not yet acknowledged (version 1), for the step measurements.
sql "SELECT id FROM complaints WHERE state = 'received' AND version = 1 ORDER BY random() LIMIT 100000" > "$OUT/ids.txt"
TOKEN=$($BIN "${STORE_ARGS[@]}" token create --username bench)
$BIN "${STORE_ARGS[@]}" serve --bind 127.0.0.1:18282 > "$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:18282/healthz >/dev/null && break; sleep 0.2; done
session() { # user
  local jar="$OUT/cookies-$1.txt" csrf; rm -f "$jar"
  csrf=$(curl -s -c "$jar" -b "$jar" http://127.0.0.1:18282/login | grep -o 'name="csrf" value="[a-f0-9]*"' | cut -d'"' -f4)
  curl -s -c "$jar" -b "$jar" -o /dev/null -d "username=$1&password=bench-password-1&csrf=$csrf&next=/complaints" http://127.0.0.1:18282/login
  awk '$6=="fidelis_session"{print $7}' "$jar"
}
MANAGER="fidelis_session=$(session bench)"
AGENT="fidelis_session=$(session agent1)"
# The overview reads every case once a minute: its first computation, timed on its own.
t0=$(date +%s.%N)
curl -sf -H "Authorization: Bearer $TOKEN" http://127.0.0.1:18282/api/v1/complaints/overview > "$OUT/overview.json"
t1=$(date +%s.%N)
log "overview computed (uncached) in $(python3 -c "print(f'{$t1 - $t0:.2f}')") s"
run() { # label mode cookie connections seconds
  FIDELIS_COOKIE="$3" TOKEN="$TOKEN" MODE="$2" N_CASES="$COMPLAINTS" IDS="$OUT/ids.txt" \
    wrk -t2 -c"$4" -d"$5"s --timeout 10s -s bench/complaints.lua http://127.0.0.1:18282 | grep RESULT | sed "s/^RESULT/RESULT $STORE $1/" | tee -a "$RES"
}
run warmup list "$MANAGER" 16 5 > /dev/null
run list list "$MANAGER" 16 15
run overview overview "$MANAGER" 16 15
run mine mine "$AGENT" 16 15
run case case "$MANAGER" 16 15
# 200 agents at a person's pace (a step, then a pause of 2 s on average), then flooded (wrk's
# closed loop: as many steps as the server takes).
# Ids 1-5,000 for the measured agents (~3,000 steps), 5,001-8,000 for a warm-up of 10 s (like
# the pages': the first steps after a start read the cases' pages from disk), the rest for the
# flood.
sed -n '1,5000p' "$OUT/ids.txt" > "$OUT/ids-agents.txt"
sed -n '5001,8000p' "$OUT/ids.txt" > "$OUT/ids-warmup.txt"
sed -n '8001,$p' "$OUT/ids.txt" > "$OUT/ids-flood.txt"
./target/release/agents --base http://127.0.0.1:18282 --token "$TOKEN" --ids "$OUT/ids-warmup.txt" --agents 200 --seconds 10 --think-ms 2000 > /dev/null
./target/release/agents --base http://127.0.0.1:18282 --token "$TOKEN" --ids "$OUT/ids-agents.txt" --agents 200 --seconds 30 --think-ms 2000 | sed "s/^RESULT/RESULT $STORE step-agents/" | tee -a "$RES"
IDS_FILE="$OUT/ids-flood.txt"
FIDELIS_COOKIE="$MANAGER" TOKEN="$TOKEN" MODE=step N_CASES="$COMPLAINTS" IDS="$IDS_FILE" \
  wrk -t2 -c200 -d10s --timeout 10s -s bench/complaints.lua http://127.0.0.1:18282 | grep RESULT | sed "s/^RESULT/RESULT $STORE step-flood/" | tee -a "$RES"
log "steps taken: $(sql "SELECT COUNT(*) FROM complaint_events WHERE kind = 'acknowledge'")"
