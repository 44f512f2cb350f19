#!/usr/bin/env bash
# Fault tests (issue 19): kill -9 in the middle of work, restart, and check that nothing
# acknowledged is lost and nothing half-written remains — on SQLite and on PostgreSQL.
#
# 1. Import: `fidelis import customers` of a large file, killed while it runs: the store has
#    none of the file (all or nothing); the same import run again takes it whole.
# 2. A stream of acknowledged writes: four clients take the acknowledge step on cases and
#    submit answers on personal survey links (bench/fault_client.py) while the server is killed
#    with SIGKILL at a random moment; after a restart every acknowledged step and answer is
#    there exactly once, no case is changed without its history row (or the reverse), and at
#    most one write per client in flight when the server died went through unacknowledged.
#
#   bash bench/fault.sh                     # both stores, release build, the large size
#   SMALL=1 PROFILE=debug bash bench/fault.sh   # the size CI runs
#   STORES=sqlite bash bench/fault.sh       # one store
#
# Needs curl, sqlite3, psql (PostgreSQL at $PG), python3. Results: bench/out/results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-release}
STORES=${STORES:-sqlite postgres}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
# The import is killed a random moment between KILL_FROM and KILL_TO seconds after it starts
# (well inside its run: 200,000 rows take ~5 s on the debug build, 1,000,000 ~16 s on release).
# The stream of writes is killed STREAM_FROM–STREAM_TO seconds after it starts, before its cases
# run out.
if [ -n "${SMALL:-}" ]; then ROWS=${ROWS:-200000}; CASES=${CASES:-2000}; SIZE=${SIZE:-1000}
  KILL_FROM=0.5; KILL_TO=2.0; STREAM_FROM=0.4; STREAM_TO=1.2
else ROWS=${ROWS:-1000000}; CASES=${CASES:-8000}; SIZE=${SIZE:-4000}
  KILL_FROM=1.0; KILL_TO=8.0; STREAM_FROM=1.0; STREAM_TO=3.0; fi
PORT=${PORT:-18385}
OUT=bench/out/fault
RES=bench/out/results.txt
mkdir -p bench/out
log() { echo "$*" | tee -a "$RES"; }
fail() { echo "FAULT TEST FAILED: $*" >&2; exit 1; }
if [ "$PROFILE" = release ]; then cargo build --release -q -p fidelis; BIN=./target/release/fidelis
else cargo build -q -p fidelis; BIN=./target/debug/fidelis; fi
. bench/lib.sh
trap 'kill -9 ${SERVER_PID:-0} ${IMPORT_PID:-0} 2>/dev/null || true' EXIT

# A customers file of ROWS rows.
rm -rf "$OUT"; mkdir -p "$OUT"
python3 -c "
import sys
print('external_id,name,segment,region')
for i in range($ROWS):
    print('F%07d,客户%d,%s,%s' % (i, i, ('VIP', '大众')[i % 2], ('上海', '北京', '杭州')[i % 3]))
" > "$OUT/customers.csv"

for STORE in $STORES; do
  if [ "$STORE" = postgres ]; then
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS fidelis_fault" -c "CREATE DATABASE fidelis_fault"
    STORE_ARGS=(--database-url "$PG/fidelis_fault")
    sql() { psql -qAt "$PG/fidelis_fault" -c "$1"; }
  else
    rm -rf "$OUT/data"
    STORE_ARGS=(--data-dir "$OUT/data")
    sql() { sqlite3 "$OUT/data/fidelis.sqlite3" "$1"; }
  fi
  log "=== fault on $STORE $(date -u +%FT%TZ) $PROFILE; import of $ROWS rows, $CASES cases, $SIZE links"
  serve "$PORT" "$OUT/serve-1.log" --demo --demo-size "$SIZE"
  AGENT=$(token agent)
  MANAGER=$(token manager)
  make_cases "$CASES" "$AGENT"
  sql "SELECT id FROM complaints WHERE state = 'received' AND situation LIKE '压测投诉%' ORDER BY id" > "$OUT/cases.txt"
  WAVE=$(LINKS="$OUT/links.txt" make_links "$SIZE" "$MANAGER")
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true

  # 1. The import, killed while it runs.
  before=$(sql "SELECT COUNT(*) FROM customers")
  FIDELIS_DATABASE_URL= $BIN "${STORE_ARGS[@]}" import customers "$OUT/customers.csv" > "$OUT/import-1.log" 2>&1 &
  IMPORT_PID=$!
  sleep "$(python3 -c "import random; print(round(random.uniform($KILL_FROM, $KILL_TO), 2))")"
  kill -0 "$IMPORT_PID" 2>/dev/null || fail "the import ended before the kill: make ROWS larger"
  kill -9 "$IMPORT_PID"; wait "$IMPORT_PID" 2>/dev/null || true
  after=$(sql "SELECT COUNT(*) FROM customers")
  [ "$after" = "$before" ] || fail "$STORE: a killed import left $((after - before)) of $ROWS customers"
  FIDELIS_DATABASE_URL= $BIN "${STORE_ARGS[@]}" import customers "$OUT/customers.csv" > "$OUT/import-2.log" 2>&1 \
    || { cat "$OUT/import-2.log"; fail "$STORE: the import again after the kill"; }
  again=$(sql "SELECT COUNT(*) FROM customers")
  [ "$again" = "$((before + ROWS))" ] || fail "$STORE: after the second import $again customers, expected $((before + ROWS))"
  log "RESULT fault $STORE import: killed mid-run, $((after - before)) rows left behind; run again: $ROWS rows in"

  # 2. Acknowledged writes, the server killed under them.
  serve "$PORT" "$OUT/serve-2.log"
  python3 bench/fault_client.py "$BASE" "$AGENT" "$OUT/cases.txt" "$OUT/links.txt" \
    "$OUT/acked-cases.txt" "$OUT/acked-links.txt" 2> "$OUT/client.log" &
  CLIENT=$!
  sleep "$(python3 -c "import random; print(round(random.uniform($STREAM_FROM, $STREAM_TO), 2))")"
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  wait "$CLIENT" || true
  grep -q refused "$OUT/client.log" && { cat "$OUT/client.log"; fail "$STORE: a write was refused before the kill"; }
  acked_cases=$(sort -u "$OUT/acked-cases.txt" | wc -l)
  acked_links=$(sort -u "$OUT/acked-links.txt" | wc -l)
  [ "$acked_cases" -gt 0 ] && [ "$acked_cases" -lt "$CASES" ] || fail "$STORE: the kill did not come mid-stream ($acked_cases of $CASES)"
  serve "$PORT" "$OUT/serve-3.log"
  # Every acknowledged step is there, once; no case changed without its history row or the reverse.
  ids=$(paste -sd, "$OUT/acked-cases.txt")
  missing=$(sql "SELECT COUNT(*) FROM complaints WHERE id IN ($ids) AND state = 'received'")
  doubled=$(sql "SELECT COUNT(*) FROM (SELECT complaint_id FROM complaint_events WHERE kind = 'acknowledge' GROUP BY complaint_id HAVING COUNT(*) > 1) d")
  changed=$(sql "SELECT COUNT(*) FROM complaints WHERE situation LIKE '压测投诉%' AND state <> 'received'")
  half=$(sql "SELECT COUNT(*) FROM complaints c WHERE c.situation LIKE '压测投诉%' AND (c.state <> 'received') <> EXISTS (SELECT 1 FROM complaint_events e WHERE e.complaint_id = c.id AND e.kind = 'acknowledge')")
  answered=$(sql "SELECT COUNT(*) FROM survey_responses WHERE wave_id = $WAVE AND status = 'submitted'")
  [ "$missing" = 0 ] || fail "$STORE: $missing acknowledged steps lost"
  [ "$doubled" = 0 ] || fail "$STORE: $doubled cases acknowledged twice"
  [ "$half" = 0 ] || fail "$STORE: $half cases half-written"
  [ "$changed" -ge "$acked_cases" ] && [ "$changed" -le $((acked_cases + 4)) ] || fail "$STORE: $changed cases changed, $acked_cases acknowledged"
  [ "$answered" -ge "$acked_links" ] && [ "$answered" -le $((acked_links + 4)) ] || fail "$STORE: $answered answers stored, $acked_links acknowledged"
  # The work goes on after the restart: the next case takes its step.
  next=$(sql "SELECT MIN(id) FROM complaints WHERE situation LIKE '压测投诉%' AND state = 'received'")
  api POST "/api/v1/complaints/$next/steps" "$AGENT" '{"version":1,"action":"acknowledge","note":"after the restart"}' > /dev/null \
    || fail "$STORE: a step after the restart"
  log "RESULT fault $STORE stream: killed after $acked_cases acknowledged steps and $acked_links answers; after restart $changed cases changed ($((changed - acked_cases)) in flight), $answered answers, 0 lost, 0 doubled, 0 half-written"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  rm -f "$OUT"/acked-*.txt
done
