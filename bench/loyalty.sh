#!/usr/bin/env bash
# Loyalty classification at scale (issue 16): 1 million customers, ~10 million purchases and
# 200,000 survey answers.
#   1. The analyst's file pair: `fidelis loyalty --transactions purchases.csv --answers
#      answers.csv` (read, BG/NBD + Gamma-Gamma fits, classify, write the table), RUNS times.
#   2. The store: the same customers and purchases imported into SQLite, a customer-value run,
#      the answers as submitted survey responses, then `fidelis loyalty` on the store (read the
#      evidence, classify, save a million profiles) — and the Loyalty, Churn and win-back pages
#      under load (wrk, 16 connections, 30 s each, warm).
# Results are appended to bench/out/results.txt; docs/benchmarks.md records a run.
#
#   bash bench/loyalty.sh                         # 1M customers, 200k answers
#   CUSTOMERS=100000 ANSWERS=20000 bash bench/loyalty.sh   # a quick run
#   FILE_ONLY=1 bash bench/loyalty.sh            # step 1 only
#   STORE=postgres bash bench/loyalty.sh         # step 2 on PostgreSQL (database bench_loyalty at
#                                                # $PG, recreated)
#
# Needs: sqlite3, wrk, GNU time; psql for STORE=postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOMERS=${CUSTOMERS:-1000000}
ANSWERS=${ANSWERS:-200000}
ALPHA=${ALPHA:-0.15}
RUNS=${RUNS:-3}
STORE=${STORE:-sqlite}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
OUT=bench/out/loyalty
mkdir -p "$OUT"
RES=bench/out/results.txt
log() { echo "$*" | tee -a "$RES"; }

cargo build --release -p fidelis -p fidelis-bench
BIN=./target/release/fidelis
log "=== loyalty on $STORE $(date -u +%FT%TZ) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"

./target/release/gen-transactions --customers "$CUSTOMERS" --alpha "$ALPHA" --out "$OUT" --slim | tee -a "$RES"
./target/release/gen-loyalty-answers --customers "$CUSTOMERS" --answers "$ANSWERS" --out "$OUT/answers.csv" | tee -a "$RES"
sync
log "purchases.csv: $(($(wc -l < "$OUT/purchases.csv") - 1)) rows; answers.csv: $(($(wc -l < "$OUT/answers.csv") - 1)) rows"

for i in $(seq "$RUNS"); do
  /usr/bin/time -f "%e s, peak %M KiB" -o "$OUT/file.time" $BIN loyalty --transactions "$OUT/purchases.csv" \
    --answers "$OUT/answers.csv" --output "$OUT/types.csv" --summary-json "$OUT/summary.json" > "$OUT/file.out"
  log "file pair run $i: $(cat "$OUT/file.time")"
done
[ "$RUNS" -gt 0 ] && tail -3 "$OUT/file.out" | tee -a "$RES"
[ "${FILE_ONLY:-0}" = 1 ] && exit 0

# The store: customers and purchases through the real import.
./target/release/gen-transactions --customers "$CUSTOMERS" --alpha "$ALPHA" --out "$OUT" > /dev/null
Q='{"title":{"zh":"b","en":"b"},"intro":{"zh":"","en":""},"elements":[],"paths":[],"items":[{"code":"CSAT","kind":{"type":"scale","min":1,"max":5},"text":{"zh":"","en":""},"measure":"csat"},{"code":"NPS","kind":{"type":"recommend"},"text":{"zh":"","en":""},"measure":"nps"},{"code":"WALLET","kind":{"type":"share"},"text":{"zh":"","en":""}}]}'
# The answers as submitted responses to a CSAT survey (satisfaction 0–100 → CSAT 1–5, wallet).
ANSWERS_SQL="INSERT INTO surveys (name, questionnaire, created_by, created_at) VALUES ('bench', '$Q', 'bench', '2025-01-01T00:00:00Z');
INSERT INTO survey_waves (survey_id, name, expires_at, created_at) SELECT MAX(id), 'bench', '2030-01-01T00:00:00Z', '2025-01-01T00:00:00Z' FROM surveys;
INSERT INTO survey_responses (wave_id, customer_id, answers, status, started_at, updated_at, submitted_at)
  SELECT (SELECT MAX(id) FROM survey_waves), c.id, JSON_OBJECT_OF_ROW,
    'submitted', a.answered_at || 'T10:00:00Z', a.answered_at || 'T10:00:00Z', a.answered_at || 'T10:00:00Z'
  FROM answers_in a JOIN customers c ON c.external_id = a.customer_id;
DROP TABLE answers_in;"
ROW="'CSAT', 1 + round(4 * CAST(a.satisfaction AS INTEGER) / 100.0), 'NPS', CAST(a.recommend AS INTEGER), 'WALLET', CASE WHEN a.share_of_wallet = '' THEN NULL ELSE CAST(a.share_of_wallet AS INTEGER) END"
if [ "$STORE" = postgres ]; then
  S="--database-url $PG/bench_loyalty"
  psql -q "$PG/test" -c "DROP DATABASE IF EXISTS bench_loyalty" -c "CREATE DATABASE bench_loyalty"
else
  rm -rf "$OUT/store"
  S="--data-dir $OUT/store"
fi
$BIN $S import customers "$OUT/customers.csv" > /dev/null
/usr/bin/time -f "%e s" -o "$OUT/import.time" $BIN $S import transactions "$OUT/transactions.csv" > /dev/null
log "store ($STORE): transactions imported in $(cat "$OUT/import.time")"
/usr/bin/time -f "%e s, peak %M KiB" -o "$OUT/clv.time" $BIN $S analyze clv > /dev/null 2>&1
log "store ($STORE): customer-value run $(cat "$OUT/clv.time")"
if [ "$STORE" = postgres ]; then
  psql -q -v ON_ERROR_STOP=1 "$PG/bench_loyalty" <<SQL
CREATE TABLE answers_in (customer_id text, satisfaction text, recommend text, intent text, share_of_wallet text, answered_at text);
\copy answers_in FROM '$OUT/answers.csv' WITH (FORMAT csv, HEADER true)
${ANSWERS_SQL//JSON_OBJECT_OF_ROW/json_build_object($ROW)::text}
SQL
else
  sqlite3 "$OUT/store/fidelis.sqlite3" <<SQL
.mode csv
.import $OUT/answers.csv answers_in
${ANSWERS_SQL//JSON_OBJECT_OF_ROW/json_object($ROW)}
SQL
fi
for i in 1 2; do
  /usr/bin/time -f "%e s, peak %M KiB" -o "$OUT/store.time" $BIN $S loyalty --output "$OUT/store_types.csv" \
    --summary-json "$OUT/store_summary.json" > "$OUT/store.out" 2> "$OUT/store.err"
  log "store ($STORE) run $i (read evidence, classify, save profiles, export the table): $(cat "$OUT/store.time"); $(grep -o '([0-9.]* s; [^)]*)' "$OUT/store.err"); phases $(python3 -c "import json;print(json.load(open('$OUT/store_summary.json'))['timings'])")"
done
tail -1 "$OUT/store.out" | tee -a "$RES"

# Pages, warm: the server on the store, signed in as the manager.
PORT=18321
FIDELIS_BIND=127.0.0.1:$PORT $BIN $S serve > "$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
sleep 3
PW=benchpw123456
echo "$PW" | $BIN $S user add --username bench --role manager --password-stdin > /dev/null 2>&1 || true
JAR="$OUT/jar"
CSRF=$(curl -s -c "$JAR" "http://127.0.0.1:$PORT/login" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//;s/"//')
curl -s -b "$JAR" -c "$JAR" -o /dev/null -d "username=bench&password=$PW&csrf=$CSRF&next=/" "http://127.0.0.1:$PORT/login"
COOKIE=$(awk '$6 == "fidelis_session" {print "fidelis_session=" $7}' "$JAR")
# The home page computes its figures on the first visit per period and segment (then keeps them
# five minutes): that first, cold visit timed on its own, then warm under load like the rest.
log "page / (home), first visit (computes its figures): $(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT/") s"
log "page /?period=year (home, another period), first visit: $(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT/?period=year") s"
for path in / /loyalty "/loyalty?type=inertia" "/loyalty?status=at_risk,churned&page=20" /churn /churn/winback; do
  curl -s -o /dev/null -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT$path"
  wrk -t2 -c16 -d30s --latency -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT$path" > "$OUT/wrk.txt"
  log "page $path: $(grep -E 'Requests/sec' "$OUT/wrk.txt" | awk '{print $2}') req/s, p50 $(awk '/ 50%/{print $2}' "$OUT/wrk.txt"), p90 $(awk '/ 90%/{print $2}' "$OUT/wrk.txt"), p99 $(awk '/ 99%/{print $2}' "$OUT/wrk.txt"), non-2xx $(grep -c 'Non-2xx' "$OUT/wrk.txt" || true)"
done
