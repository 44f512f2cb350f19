//! Churn analysis input read where the data is (SPEC.md §4): the purchase days of every
//! customer — all transactions of a customer on one UTC calendar day summed, returns
//! (`is_return = 1`) left out — as one SQL `GROUP BY` per block of customer ids in SQLite or
//! PostgreSQL. That scan and aggregation is the heavy part; the per-customer arithmetic on the
//! purchase days (a few per customer) runs in `analytics`. (A first version summarised per
//! customer in SQL too; SQLite needed 23 s for a million customers that way against ~5 s now.)

use crate::{get_i, get_s, Result, Store};
use std::collections::HashMap;

/// Customers per block of ids: each block is one indexed range scan.
const BLOCK: i64 = 100_000;

impl Store {
    /// Every purchase day before `until` (a `YYYY-MM-DD` text, exclusive), in customer id then
    /// day order, in one read snapshot: `f(external id, day, amount in minor units)`.
    pub async fn for_each_purchase_day(
        &self,
        until: &str,
        mut f: impl FnMut(&str, &str, i64) + Send,
    ) -> Result<u64> {
        let mut tx = crate::backup::begin_snapshot(self).await?;
        let max_id: i64 = get_i(
            &sqlx::query("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS m FROM customers")
                .fetch_one(&mut *tx)
                .await?,
            "m",
        );
        let mut n = 0u64;
        let mut from = 0i64;
        while from < max_id {
            let to = from + BLOCK;
            let ids: HashMap<i64, String> =
                sqlx::query("SELECT id, external_id FROM customers WHERE id > $1 AND id <= $2")
                    .bind(from)
                    .bind(to)
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| (get_i(r, "id"), get_s(r, "external_id")))
                    .collect();
            let rows = sqlx::query(
                "SELECT customer_id, substr(occurred_at, 1, 10) AS day, CAST(SUM(amount_minor) AS BIGINT) AS v \
                 FROM transactions \
                 WHERE customer_id > $1 AND customer_id <= $2 AND is_return = 0 AND occurred_at < $3 \
                 GROUP BY customer_id, substr(occurred_at, 1, 10) ORDER BY customer_id, day",
            )
            .bind(from)
            .bind(to)
            .bind(until)
            .fetch_all(&mut *tx)
            .await?;
            for row in &rows {
                if let Some(id) = ids.get(&get_i(row, "customer_id")) {
                    n += 1;
                    f(id, &get_s(row, "day"), get_i(row, "v"));
                }
            }
            from = to;
        }
        tx.rollback().await?;
        Ok(n)
    }

    /// Referral rate inputs (SPEC.md §4, seed 001): customers who brought at least one other
    /// customer, and all customers.
    pub async fn referral_counts(&self) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT CAST(COUNT(DISTINCT referred_by_id) AS BIGINT) AS referrers, CAST(COUNT(*) AS BIGINT) AS customers FROM customers",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((get_i(&row, "referrers"), get_i(&row, "customers")))
    }
}
