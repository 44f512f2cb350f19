"""Differential check of `fidelis analyze clv` against lifetimes on the same file
(bench/clv.sh runs it): parameters to 1e-3 relative, and per-customer P(alive), expected
purchases, expected spend and CLV. Exits non-zero when they disagree.

    python bench/clv_compare.py DIR   # DIR holds fidelis_summary.json, fidelis_customers.csv,
                                      # lifetimes_summary.json, lifetimes_customers.csv
"""
import json
import sys

import pandas as pd

d = sys.argv[1]
f = json.load(open(f"{d}/fidelis_summary.json"))
l = json.load(open(f"{d}/lifetimes_summary.json"))
worst = 0.0
for model, keys in [("bgnbd", ["r", "alpha", "a", "b"]), ("gamma_gamma", ["p", "q", "gamma"])]:
    for k in keys:
        rel = abs(f[model][k] - l[model][k]) / abs(l[model][k])
        worst = max(worst, rel)
        print(f"{model}.{k}: fidelis {f[model][k]:.6f} lifetimes {l[model][k]:.6f} relative {rel:.2e}")
fc = pd.read_csv(f"{d}/fidelis_customers.csv", encoding="utf-8-sig", dtype={"customer_id": str}).set_index("customer_id")
lc = pd.read_csv(f"{d}/lifetimes_customers.csv", dtype={"customer_id": str}).set_index("customer_id")
lc = lc.loc[fc.index]
assert len(fc) == len(lc), "different customers"
for col in ["frequency", "recency", "T"]:
    diff = (fc[col] - lc[col]).abs().max()
    print(f"{col}: max |difference| {diff:g}")
    assert diff < 1e-6, col
for col in ["p_alive", "expected_purchases", "expected_spend", "clv"]:
    rel = ((fc[col] - lc[col]).abs() / lc[col].abs().clip(lower=1e-3)).max()
    print(f"{col}: max relative difference {rel:.2e}")
ok = worst < 1e-3
print("parameters agree to 1e-3 relative" if ok else f"PARAMETERS DISAGREE (worst {worst:.2e})")
sys.exit(0 if ok else 1)
