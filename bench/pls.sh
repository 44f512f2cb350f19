#!/usr/bin/env bash
# PLS path modelling, side by side in one run (issue 4): `fidelis analyze pls` and Python plspm
# 0.5.7 on the same simulated ECSI-structured answers (bench/src/gen_answers.rs: seven
# constructs, 24 items on 1-10), full ECSI model, mode A, centroid scheme, standardised items;
# single fits at each size, then a bootstrap on a smaller file; the path coefficients compared.
# Results are appended to bench/out/results.txt.
#
#   PYTHON=/path/to/venv/bin/python bash bench/pls.sh
#   SIZES="100000" BOOT_N=10000 BOOT=1000 bash bench/pls.sh
#
# Needs: python3 with plspm 0.5.7 and pandas 2.x / numpy 1.26 (a venv: python3 -m venv /tmp/pls
# && /tmp/pls/bin/pip install plspm==0.5.7 "pandas>=2,<3" "numpy==1.26.*"), GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-100000 1000000}
BOOT_N=${BOOT_N:-10000}
BOOT=${BOOT:-1000}
PYTHON=${PYTHON:-python3}
OUT=bench/out/pls
mkdir -p "$OUT"
RES=bench/out/results.txt
log() { echo "$*" | tee -a "$RES"; }

cargo build --release -p fidelis -p fidelis-bench
BIN=./target/release/fidelis
log "=== pls $(date -u +%FT%TZ) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $($PYTHON -c 'import plspm, pandas, numpy, sys; from importlib.metadata import version; print(f"python {sys.version.split()[0]} plspm {version(\"plspm\")} pandas {pandas.__version__} numpy {numpy.__version__}")')"

compare() { # fidelis.json plspm.json
  python3 - "$1" "$2" <<'PY'
import json, sys
f = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))["paths"]
worst = max(abs(x["coefficient"] - p[f"{x['from']}->{x['to']}"]) for x in f["paths"])
print(f"paths agree with plspm to {worst:.2e} (largest absolute difference of the 12)")
PY
}

inprocess() { # fidelis.json plspm.json: read + fit(+ bootstrap) inside each process
  python3 - "$1" "$2" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["timings"]; p = json.load(open(sys.argv[2]))["seconds"]
fs, ps = sum(f.values()), p["read"] + p["fit"]
print(f"in-process: fidelis read {f['read']:.3f} s + fit {f['fit']:.3f} s + bootstrap {f['bootstrap']:.3f} s = {fs:.3f} s | plspm read {p['read']:.2f} s + fit {p['fit']:.2f} s = {ps:.2f} s | {ps/fs:.1f}x")
PY
}

run() { # file resamples label
  local f=$1 b=$2 tag=$3 extra=()
  [ "$b" -gt 0 ] && extra=(--bootstrap "$b" --seed 1)
  sync
  /usr/bin/time -f "%e %M" -o "$OUT/fidelis.time" $BIN analyze pls --data "$f" "${extra[@]}" --json "$OUT/fidelis-$tag.json" > /dev/null
  read -r fs fk < "$OUT/fidelis.time"
  /usr/bin/time -f "%e %M" -o "$OUT/plspm.time" $PYTHON bench/pls_plspm.py "$f" "$OUT/plspm-$tag.json" "$b" | tee -a "$RES"
  read -r ps pk < "$OUT/plspm.time"
  log "$tag: fidelis $fs s, peak RSS $((fk / 1024)) MiB | plspm $ps s, peak RSS $((pk / 1024)) MiB | $(python3 -c "print(f'{$ps/$fs:.1f}x faster, {$fk/$pk:.2f} of the memory')")"
  compare "$OUT/fidelis-$tag.json" "$OUT/plspm-$tag.json" | tee -a "$RES"
  inprocess "$OUT/fidelis-$tag.json" "$OUT/plspm-$tag.json" | tee -a "$RES"
}

for n in $SIZES; do
  ./target/release/gen-answers --respondents "$n" --out "$OUT/answers-$n.csv" | tee -a "$RES"
  run "$OUT/answers-$n.csv" 0 "$n respondents, one fit"
done
./target/release/gen-answers --respondents "$BOOT_N" --seed 2 --out "$OUT/answers-boot.csv" | tee -a "$RES"
run "$OUT/answers-boot.csv" "$BOOT" "$BOOT_N respondents, $BOOT bootstrap resamples"
