"""The analyst's pipeline with Python lifetimes 0.11, for the side-by-side benchmark of
`fidelis analyze clv` (bench/clv.sh): the same file in, per-customer CSV and a JSON summary out.

    python bench/clv_lifetimes.py purchases.csv CALIBRATION_END OUT_DIR [day|week]

Steps, as lifetimes' documentation teaches them: summary_data_from_transaction_data (daily
periods; for weeks, purchase days counted in weeks with `freq_multiplier=7`, Fidelis's
`--period week`), BetaGeoFitter, GammaGammaFitter on the repeat customers, conditional_probability_alive,
conditional_expected_number_of_purchases_up_to_time (12 months of 30 days),
conditional_expected_average_profit and customer_lifetime_value (12 months, 1 % a month).
"""
import json
import sys
import time

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data

path, calibration_end, out = sys.argv[1], sys.argv[2], sys.argv[3]
period = sys.argv[4] if len(sys.argv) > 4 else "day"
# Periods per month as lifetimes counts them, the horizon (12 months) in periods.
per_month, multiplier, clv_freq = (30, 1, "D") if period == "day" else (4.345, 7, "W")
t0 = time.time()
tx = pd.read_csv(path, dtype={"customer_id": str})
summary = summary_data_from_transaction_data(
    tx, "customer_id", "date", monetary_value_col="amount",
    observation_period_end=calibration_end, freq="D", freq_multiplier=multiplier)
t1 = time.time()
bgf = BetaGeoFitter()
bgf.fit(summary["frequency"], summary["recency"], summary["T"])
repeat = summary[summary["frequency"] > 0]
ggf = GammaGammaFitter()
ggf.fit(repeat["frequency"], repeat["monetary_value"])
t2 = time.time()
f, r, T, m = summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"]
summary["p_alive"] = bgf.conditional_probability_alive(f, r, T)
summary["expected_purchases"] = bgf.conditional_expected_number_of_purchases_up_to_time(12 * per_month, f, r, T)
summary["expected_spend"] = ggf.conditional_expected_average_profit(f, m)
summary["clv"] = ggf.customer_lifetime_value(bgf, f, r, T, m, time=12, discount_rate=0.01, freq=clv_freq)
t3 = time.time()
summary.to_csv(f"{out}/lifetimes_customers.csv")
bp, gp = bgf.params_, ggf.params_
json.dump({
    "n_customers": len(summary),
    "bgnbd": {"r": bp["r"], "alpha": bp["alpha"], "a": bp["a"], "b": bp["b"],
              "se": {k: float(v) for k, v in bgf.standard_errors_.items()}},
    "gamma_gamma": {"p": gp["p"], "q": gp["q"], "gamma": gp["v"]},
    "seconds": {"summary": t1 - t0, "fit": t2 - t1, "predict": t3 - t2, "write": time.time() - t3},
}, open(f"{out}/lifetimes_summary.json", "w"), indent=2)
print(f"lifetimes: {len(summary)} customers; summary {t1 - t0:.1f} s, fit {t2 - t1:.1f} s, "
      f"predict {t3 - t2:.1f} s, write {time.time() - t3:.1f} s")
