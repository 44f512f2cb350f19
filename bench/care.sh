#!/usr/bin/env bash
# Care automation at scale (issue 17) on the loyalty benchmark's store (1 million customers,
# ~10 million purchases, a customer-value run and a classification; `bash bench/loyalty.sh`
# builds it, or set STORE_URL): every ready rule swept over the whole base, the low-answer
# event's cost per answer, and 10,000 e-mails drained to a local SMTP sink.
#
#   bash bench/care.sh
#   STORE_URL=postgres://postgres@127.0.0.1:5432/bench_loyalty bash bench/care.sh
set -euo pipefail
cd "$(dirname "$0")/.."
STORE_URL=${STORE_URL:-sqlite://bench/out/loyalty/store/fidelis.sqlite3}
RES=bench/out/results.txt
mkdir -p bench/out
cargo build --release -p fidelis-bench --bin care-bench
echo "=== care $(date -u +%FT%TZ) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); $STORE_URL" | tee -a "$RES"
/usr/bin/time -f "whole run: %e s, peak %M KiB" ./target/release/care-bench --database-url "$STORE_URL" --emails "${EMAILS:-10000}" 2>&1 | tee -a "$RES"
