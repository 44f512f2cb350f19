"""The cluster run's first stage alone in DuckDB (issue 21 §5): per customer, from Parquet
purchases (customer_id, date, amount), the purchase days (same-day purchases summed, one day),
frequency x, recency t_x and age T in weeks to the calibration end (the last purchase day),
mean spend of the repeat purchase days and total spend; written as Parquet, as the executors do.

    python bench/cluster_duckdb.py PURCHASES_DIR OUT.parquet
"""
import sys
import time

import duckdb

src, out = sys.argv[1], sys.argv[2]
t0 = time.time()
con = duckdb.connect()
con.execute("SET threads = 2")
glob = f"{src}/*.parquet"
(cal,) = con.execute(f"SELECT MAX(date) FROM read_parquet('{glob}')").fetchone()
con.execute(
    f"""
COPY (
  WITH days AS (
    SELECT customer_id, date, SUM(CAST(amount AS DOUBLE)) AS spend
    FROM read_parquet('{glob}') WHERE date <= DATE '{cal}'
    GROUP BY customer_id, date
  ), ranked AS (
    SELECT *, MIN(date) OVER (PARTITION BY customer_id) AS first_day FROM days
  )
  SELECT customer_id,
         COUNT(*) - 1 AS x,
         (MAX(date) - MIN(date)) / 7.0 AS t_x,
         (DATE '{cal}' - MIN(date)) / 7.0 AS t,
         COALESCE(AVG(spend) FILTER (WHERE date > first_day), 0) AS zbar,
         SUM(spend) AS total_spend
  FROM ranked GROUP BY customer_id
) TO '{out}' (FORMAT PARQUET)
"""
)
(n,) = con.execute(f"SELECT COUNT(*) FROM read_parquet('{out}')").fetchone()
print(f"duckdb {duckdb.__version__}: {n} customers summarised in {time.time() - t0:.1f} s")
