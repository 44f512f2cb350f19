#!/usr/bin/env bash
# Property-based API testing against the OpenAPI document (issue 19): schemathesis, as an
# administrator, against a demo company served on loopback, with the checks not_a_server_error,
# status_code_conformance, content_type_conformance, response_schema_conformance and
# negative_data_rejection. Any failure fails the script.
#
#   bash bench/schemathesis.sh               # 100 examples an operation, release build
#   EXAMPLES=50 PROFILE=debug bash bench/schemathesis.sh   # what CI runs
#   SEED=random bash bench/schemathesis.sh   # another draw each run (default: a fixed seed, so
#                                            # a run can be repeated)
#
# Installs schemathesis (PyPI, pinned) into bench/out/venv the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${EXAMPLES:-100}
PROFILE=${PROFILE:-release}
PORT=${PORT:-18387}
OUT=bench/out/schemathesis
mkdir -p bench/out; rm -rf "$OUT"; mkdir -p "$OUT"
if [ ! -x bench/out/venv/bin/schemathesis ]; then
  python3 -m venv bench/out/venv
  bench/out/venv/bin/pip install -q "schemathesis==4.32.5"
fi
if [ "$PROFILE" = release ]; then cargo build --release -q -p fidelis; BIN=./target/release/fidelis
else cargo build -q -p fidelis; BIN=./target/debug/fidelis; fi
STORE_ARGS=(--data-dir "$OUT/data")
. bench/lib.sh
serve "$PORT" "$OUT/serve.log" --demo --demo-size 300
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
ADMIN=$(token admin)
SEED=${SEED:-20261207}
SEED_ARGS=()
[ "$SEED" = random ] || SEED_ARGS=(--seed "$SEED")
bench/out/venv/bin/schemathesis run "$BASE/api/openapi.json" \
  -H "Authorization: Bearer $ADMIN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection \
  -n "$EXAMPLES" --workers "${WORKERS:-1}" --no-color ${SEED_ARGS[@]+"${SEED_ARGS[@]}"} 2>&1 | tee "$OUT/run.txt" | grep -E "generated|passed|failed|^- ST|^_+ [A-Z]+ " || true
grep -qE "Test cases:" "$OUT/run.txt" || { tail -40 "$OUT/run.txt"; exit 1; }
! grep -qE "failed|errored" "$OUT/run.txt" || { sed -n '/FAILURES/,$p' "$OUT/run.txt" | head -120; exit 1; }
