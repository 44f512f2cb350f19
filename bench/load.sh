#!/usr/bin/env bash
# Load test (issue 19): a demo company served on loopback, then 200 connections for a fixed
# time (wrk) mixing agents working their cases — the acknowledge step on a case of their own,
# each case once, their queue and case pages — with customers submitting survey answers on
# their personal links, each link once. Every write is a real change that must succeed: any
# non-2xx answer, refused connection or timeout counts as an error, and zero is the bar.
# Afterwards the store is checked: each acknowledged case and each answer is there exactly once.
#
#   bash bench/load.sh                        # 200 connections, 30 s, release build
#   SECONDS_RUN=10 CASES=1500 bash bench/load.sh   # shorter
#   PROFILE=debug SECONDS_RUN=5 CONNS=50 bash bench/load.sh   # the small run CI makes
#
# Needs wrk, curl, sqlite3. Results are appended to bench/out/results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${SECONDS_RUN:-30}
CONNS=${CONNS:-200}
THREADS=${THREADS:-2}
SIZE=${SIZE:-3000}       # demo customers (and personal survey links)
CASES=${CASES:-3000}     # complaint cases recorded for the agent before the run
PROFILE=${PROFILE:-release}
PORT=${PORT:-18383}
OUT=bench/out/load
RES=bench/out/results.txt
mkdir -p bench/out
rm -rf "$OUT"; mkdir -p "$OUT"
log() { echo "$*" | tee -a "$RES"; }

if [ "$PROFILE" = release ]; then cargo build --release -q -p fidelis; BIN=./target/release/fidelis
else cargo build -q -p fidelis; BIN=./target/debug/fidelis; fi
DATA="$OUT/data"
STORE_ARGS=(--data-dir "$DATA")
. bench/lib.sh
serve "$PORT" "$OUT/serve.log" --demo --demo-size "$SIZE"
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
AGENT=$(token agent)
MANAGER=$(token manager)
# The agent's cases, all in state "received"; a survey wave to every demo customer.
make_cases "$CASES" "$AGENT"
sqlite3 "$DATA/fidelis.sqlite3" "SELECT id FROM complaints WHERE state = 'received' AND assignee = 'agent' AND situation LIKE '压测投诉%' ORDER BY id" > "$OUT/cases.txt"
LINKS="$OUT/links.txt" make_links "$SIZE" "$MANAGER" > /dev/null
before_answers=$(sqlite3 "$DATA/fidelis.sqlite3" "SELECT COUNT(*) FROM survey_responses WHERE status = 'submitted'")
log "=== load $(date -u +%FT%TZ) $PROFILE, $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $CONNS connections, $THREADS threads, ${SECONDS_RUN} s; $(wc -l < "$OUT/cases.txt") cases, $(wc -l < "$OUT/links.txt") links"
TOKEN="$AGENT" CASES="$OUT/cases.txt" LINKS="$OUT/links.txt" THREADS="$THREADS" \
  wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_RUN}s" --timeout 10s -s bench/load.lua "$BASE" | tee "$OUT/wrk.txt"
result=$(grep '^RESULT' "$OUT/wrk.txt")
# What the run changed, read back from the store: each step and answer once.
acked=$(sqlite3 "$DATA/fidelis.sqlite3" "SELECT COUNT(*) FROM complaints WHERE state <> 'received' AND situation LIKE '压测投诉%'")
steps=$(sqlite3 "$DATA/fidelis.sqlite3" "SELECT COUNT(*) FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id WHERE e.kind = 'acknowledge' AND c.situation LIKE '压测投诉%'")
answers=$(( $(sqlite3 "$DATA/fidelis.sqlite3" "SELECT COUNT(*) FROM survey_responses WHERE status = 'submitted'") - before_answers ))
log "${result/RESULT/RESULT load} cases_acknowledged=$acked acknowledge_steps=$steps answers=$answers"
errors=$(echo "$result" | sed -n 's/.*errors=\([0-9]*\).*/\1/p')
[ "$errors" = 0 ] || { echo "load test: $errors errors" >&2; exit 1; }
[ "$acked" = "$steps" ] || { echo "load test: $acked cases acknowledged but $steps steps" >&2; exit 1; }
[ "$acked" -gt 0 ] && [ "$answers" -gt 0 ] || { echo "load test: nothing written" >&2; exit 1; }
