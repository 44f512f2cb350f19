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
#
# Needs: sqlite3, wrk, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOMERS=${CUSTOMERS:-1000000}
COMPLAINTS=${COMPLAINTS:-500000}
OUT=bench/out/complaints
mkdir -p "$OUT"
RES=bench/out/results.txt
log() { echo "$*" | tee -a "$RES"; }

cargo build --release -p fidelis -p fidelis-bench
BIN=./target/release/fidelis
log "=== complaints $(date -u +%FT%TZ) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); $CUSTOMERS customers, $COMPLAINTS complaints"
DB="$OUT/data/fidelis.sqlite3"
if [ "${PAGES_ONLY:-0}" != 1 ]; then
./target/release/gen-transactions --customers "$CUSTOMERS" --alpha 0.02 --out "$OUT" | tee -a "$RES"
rm -rf "$OUT/data"
$BIN --data-dir "$OUT/data" import customers "$OUT/customers.csv" | tail -1 | tee -a "$RES"
$BIN --data-dir "$OUT/data" import transactions "$OUT/transactions.csv" | tail -1 | tee -a "$RES"
./target/release/gen-complaints --complaints "$COMPLAINTS" --customers "$CUSTOMERS" --out "$OUT/complaints.csv" | tee -a "$RES"
t0=$(date +%s.%N)
sqlite3 "$DB" <<SQL
.mode csv
.import $OUT/complaints.csv complaints_load
INSERT INTO complaints (received_at, channel, place, customer_id, caller, situation, product, cause, severity, wants,
  assignee, state, handling, acknowledged_at, resolved_at, closed_at, on_the_spot, ack_warn_at, ack_due_at,
  resolve_warn_at, resolve_due_at, timers_done, next_timer_at, escalated_to, version, created_by, created_at, updated_at)
SELECT received_at, channel, place, CAST(customer_id AS INTEGER), caller, situation, product, cause, severity, wants,
  assignee, state, handling, NULLIF(acknowledged_at, ''), NULLIF(resolved_at, ''), NULLIF(closed_at, ''),
  CAST(on_the_spot AS INTEGER), ack_warn_at, ack_due_at, resolve_warn_at, resolve_due_at, timers_done,
  NULLIF(next_timer_at, ''), escalated_to, CAST(version AS INTEGER), created_by, created_at, updated_at
FROM complaints_load;
DROP TABLE complaints_load;
INSERT INTO complaint_events (complaint_id, at, actor, kind, from_state, to_state, note, changes)
  SELECT id, received_at, 'bench', 'created', '', 'received', situation, '{}' FROM complaints;
ANALYZE;
SQL
t1=$(date +%s.%N)
log "loaded $(sqlite3 "$DB" 'SELECT COUNT(*) FROM complaints') complaints and their history with sqlite3 in $(python3 -c "print(f'{$t1 - $t0:.1f}')") s"
printf 'bench-password-1\n' | $BIN --data-dir "$OUT/data" user add --username bench --role manager --password-stdin >/dev/null
printf 'bench-password-1\n' | $BIN --data-dir "$OUT/data" user add --username agent1 --role agent --password-stdin >/dev/null
fi
# Cases not yet acknowledged (version 1), for the step measurements.
sqlite3 "$DB" "SELECT id FROM complaints WHERE state = 'received' AND version = 1 ORDER BY random() LIMIT 100000" > "$OUT/ids.txt"
TOKEN=$($BIN --data-dir "$OUT/data" token create --username bench)
$BIN --data-dir "$OUT/data" serve --bind 127.0.0.1:18282 > "$OUT/serve.log" 2>&1 &
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
    wrk -t2 -c"$4" -d"$5"s --timeout 10s -s bench/complaints.lua http://127.0.0.1:18282 | grep RESULT | sed "s/^RESULT/RESULT $1/" | tee -a "$RES"
}
run warmup list "$MANAGER" 16 5 > /dev/null
run sqlite list "$MANAGER" 16 15
run sqlite overview "$MANAGER" 16 15
run sqlite mine "$AGENT" 16 15
run sqlite case "$MANAGER" 16 15
# 200 agents at a person's pace (a step, then a pause of 2 s on average), then flooded (wrk's
# closed loop: as many steps as the server takes).
./target/release/agents --base http://127.0.0.1:18282 --token "$TOKEN" --ids "$OUT/ids.txt" --agents 200 --seconds 30 --think-ms 2000 | sed "s/^RESULT/RESULT sqlite step-agents/" | tee -a "$RES"
tail -n +20001 "$OUT/ids.txt" > "$OUT/ids-flood.txt"
IDS_FILE="$OUT/ids-flood.txt"
FIDELIS_COOKIE="$MANAGER" TOKEN="$TOKEN" MODE=step N_CASES="$COMPLAINTS" IDS="$IDS_FILE" \
  wrk -t2 -c200 -d10s --timeout 10s -s bench/complaints.lua http://127.0.0.1:18282 | grep RESULT | sed "s/^RESULT/RESULT sqlite step-flood/" | tee -a "$RES"
log "steps taken: $(sqlite3 "$DB" "SELECT COUNT(*) FROM complaint_events WHERE kind = 'acknowledge'")"
