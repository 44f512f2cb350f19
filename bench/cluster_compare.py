"""Every customer's values of the one-machine run against the cluster's (issue 21 §5): the
largest relative difference per column, and whether the customers are the same.

    python bench/cluster_compare.py LOCAL.parquet CLUSTER_CUSTOMERS_DIR
"""
import sys

import pyarrow.dataset as ds

cols = ["customer_id", "frequency", "recency", "T", "monetary", "p_alive",
        "expected_purchases", "expected_spend", "clv", "total_spend"]
a = ds.dataset(sys.argv[1]).to_table(columns=cols).sort_by("customer_id")
b = ds.dataset(sys.argv[2]).to_table(columns=cols).sort_by("customer_id")
assert a.num_rows == b.num_rows, f"{a.num_rows} customers on one machine, {b.num_rows} on the cluster"
assert a["customer_id"].equals(b["customer_id"]), "not the same customers"
worst = {}
for c in cols[1:]:
    x = a[c].to_numpy(zero_copy_only=False).astype(float)
    y = b[c].to_numpy(zero_copy_only=False).astype(float)
    d = abs(x - y) / (abs(x).clip(min=1e-300))
    worst[c] = float(d.max()) if len(d) else 0.0
print(f"{a.num_rows} customers, the same on both; largest relative difference: "
      + ", ".join(f"{k} {v:.1e}" for k, v in worst.items()))
