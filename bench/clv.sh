#!/usr/bin/env bash
# Customer-lifetime-value pipeline, side by side in one run (issue 3): `fidelis analyze clv` and
# Python lifetimes 0.11 on the same simulated file (CDNOW-like parameters, daily periods, 12
# months at 1 % a month), then the differential check of the two (bench/clv_compare.py), then
# Fidelis alone at 10 million customers. Results are appended to bench/out/results.txt.
#
# The generated file is flushed to disk (`sync`) before anything is timed, so no tool pays for
# the generator's write-back. This machine's speed drifts by a third from minute to minute, which
# a 1-second run feels and a 70-second one averages out: Fidelis runs RUNS times (default 3) and
# its median is compared with lifetimes' single run; every Fidelis time is logged.
#
#   bash bench/clv.sh                    # 1M customers side by side, 10M Fidelis alone
#   SIZES="100000" BIG= bash bench/clv.sh   # a quick run
#
# Needs: python3 with lifetimes 0.11 (a venv: python3 -m venv /tmp/lt && /tmp/lt/bin/pip install
# lifetimes==0.11.3; PYTHON=/tmp/lt/bin/python), GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-1000000}
BIG=${BIG-10000000}
PYTHON=${PYTHON:-python3}
# Periods: week (issue 21's figure: 52-week horizon) or day (issue 3's).
PERIOD=${PERIOD:-week}
CAL=2024-09-29
OUT=bench/out
mkdir -p "$OUT"
RES="$OUT/results.txt"
log() { echo "$*" | tee -a "$RES"; }

cargo build --release -p fidelis -p fidelis-bench
BIN=./target/release/fidelis
log "=== clv $(date -u +%FT%TZ) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $($PYTHON -c 'import lifetimes, pandas, numpy, scipy, sys; print(f"python {sys.version.split()[0]} lifetimes {lifetimes.__version__} pandas {pandas.__version__} numpy {numpy.__version__} scipy {scipy.__version__}")')"

RUNS=${RUNS:-3}
fidelis() { # dir [input]; sets fs (median seconds), fk (peak KiB of the median run), fall (every time)
  local times=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$1/fidelis.time" $BIN analyze clv --transactions "${2:-$1/purchases.csv}" \
      --calibration-end $CAL --period "$PERIOD" --horizon 12 --discount-rate 0.01 \
      --output "$1/fidelis_customers.csv" --summary-json "$1/fidelis_summary.json" > /dev/null
    times+=("$(cat "$1/fidelis.time")")
  done
  read -r fs fk <<< "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")"
  fall=$(printf '%s\n' "${times[@]}" | awk '{printf "%s%s", sep, $1; sep=", "}')
}

# The same purchases as Parquet (8 files: id text, DATE, DECIMAL(18,2)), read the same way.
parquet() {
  ./target/release/gen-transactions --customers "$(basename "$1")" --parquet 8 --out "$1" > /dev/null
  sync
  local csv_s=$fs
  fidelis "$1" "$1/purchases"
  log "$(basename "$1") customers from Parquet: fidelis $fs s (median of $fall s), peak RSS $((fk / 1024)) MiB; from CSV $csv_s s"
}

for n in $SIZES; do
  d="$OUT/clv/$n"
  mkdir -p "$d"
  ./target/release/gen-transactions --customers "$n" --slim --out "$d" | tee -a "$RES"
  sync
  fidelis "$d"
  sync
  /usr/bin/time -f "%e %M" -o "$d/lifetimes.time" $PYTHON bench/clv_lifetimes.py "$d/purchases.csv" $CAL "$d" "$PERIOD" | tee -a "$RES"
  read -r ls lk < "$d/lifetimes.time"
  log "$n customers, --period $PERIOD: fidelis $fs s (median of $fall s), peak RSS $((fk / 1024)) MiB | lifetimes $ls s, peak RSS $((lk / 1024)) MiB | $(python3 -c "print(f'{$ls/$fs:.1f}x faster, {$fk/$lk:.2f} of the memory')")"
  $PYTHON bench/clv_compare.py "$d" | tee -a "$RES"
  parquet "$d"
done

if [ -n "$BIG" ]; then
  d="$OUT/clv/$BIG"
  mkdir -p "$d"
  ./target/release/gen-transactions --customers "$BIG" --slim --out "$d" | tee -a "$RES"
  sync
  fidelis "$d"
  log "$BIG customers, --period $PERIOD: fidelis $fs s (median of $fall s), peak RSS $((fk / 1024)) MiB (lifetimes not run at this size)"
  parquet "$d"
fi
