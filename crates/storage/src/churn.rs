//! Churn analysis inputs computed where the data is (SPEC.md §4): one row per customer with
//! the CDNOW-convention summary (purchase days, repeat days and values up to the calibration
//! end, later days), the acquisition-month cohort counts and the repeat purchase days — all
//! SQL `GROUP BY`s in SQLite or PostgreSQL (on Citus they run on the workers), so only one
//! row per customer crosses the wire. Returns (`is_return = 1`) are not purchases. Days are
//! UTC calendar days, `YYYY-MM-DD`.

use crate::{get_i, get_os, get_s, Result, Store};

/// One customer's purchase days (amounts in minor units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerPurchaseDays {
    pub customer_id: i64,
    pub external_id: String,
    pub first_day: String,
    pub last_day: String,
    /// Last purchase day up to the calibration end (None: first purchase after it).
    pub last_calibration_day: Option<String>,
    /// Repeat purchase days up to the calibration end.
    pub x: i64,
    pub repeat_minor: i64,
    pub calibration_minor: i64,
    pub total_minor: i64,
    pub days: i64,
    /// Purchase days after the calibration end.
    pub later_days: i64,
}

/// Customers per block of ids: each block is one indexed range scan.
const BLOCK: i64 = 50_000;

/// Purchase days of the customers in an id range, up to `until` (exclusive, a day text).
const DAYS: &str = "SELECT customer_id, substr(occurred_at, 1, 10) AS day, SUM(amount_minor) AS v \
     FROM transactions \
     WHERE customer_id > $1 AND customer_id <= $2 AND is_return = 0 AND occurred_at < $3 \
     GROUP BY customer_id, substr(occurred_at, 1, 10)";

impl Store {
    /// Every customer with purchases before `until` (exclusive), summarised with the calibration
    /// end `calibration_end` (inclusive), in id order, in one read snapshot.
    pub async fn for_each_customer_purchase_days(
        &self,
        calibration_end: &str,
        until: &str,
        mut f: impl FnMut(CustomerPurchaseDays) + Send,
    ) -> Result<u64> {
        let sql = format!(
            "WITH d AS ({DAYS}), f AS (SELECT customer_id, MIN(day) AS first_day FROM d GROUP BY customer_id) \
             SELECT d.customer_id, c.external_id, f.first_day, MAX(d.day) AS last_day, \
             MAX(CASE WHEN d.day <= $4 THEN d.day END) AS last_calibration_day, \
             CAST(SUM(CASE WHEN d.day > f.first_day AND d.day <= $4 THEN 1 ELSE 0 END) AS BIGINT) AS x, \
             CAST(SUM(CASE WHEN d.day > f.first_day AND d.day <= $4 THEN d.v ELSE 0 END) AS BIGINT) AS repeat_minor, \
             CAST(SUM(CASE WHEN d.day <= $4 THEN d.v ELSE 0 END) AS BIGINT) AS calibration_minor, \
             CAST(SUM(d.v) AS BIGINT) AS total_minor, CAST(COUNT(*) AS BIGINT) AS days, \
             CAST(SUM(CASE WHEN d.day > $4 THEN 1 ELSE 0 END) AS BIGINT) AS later_days \
             FROM d JOIN f ON f.customer_id = d.customer_id JOIN customers c ON c.id = d.customer_id \
             GROUP BY d.customer_id, c.external_id, f.first_day ORDER BY d.customer_id"
        );
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
            let rows = sqlx::query(&sql)
                .bind(from)
                .bind(from + BLOCK)
                .bind(until)
                .bind(calibration_end)
                .fetch_all(&mut *tx)
                .await?;
            for row in &rows {
                n += 1;
                f(CustomerPurchaseDays {
                    customer_id: get_i(row, "customer_id"),
                    external_id: get_s(row, "external_id"),
                    first_day: get_s(row, "first_day"),
                    last_day: get_s(row, "last_day"),
                    last_calibration_day: get_os(row, "last_calibration_day"),
                    x: get_i(row, "x"),
                    repeat_minor: get_i(row, "repeat_minor"),
                    calibration_minor: get_i(row, "calibration_minor"),
                    total_minor: get_i(row, "total_minor"),
                    days: get_i(row, "days"),
                    later_days: get_i(row, "later_days"),
                });
            }
            from += BLOCK;
        }
        tx.rollback().await?;
        Ok(n)
    }

    /// Acquisition-month cohorts: (first purchase month `YYYY-MM`, purchase month, customers
    /// with a purchase that month), purchases before `until`.
    pub async fn cohort_month_counts(&self, until: &str) -> Result<Vec<(String, String, i64)>> {
        let sql = "WITH m AS (SELECT DISTINCT customer_id, substr(occurred_at, 1, 7) AS month FROM transactions \
                   WHERE is_return = 0 AND occurred_at < $1), \
                   f AS (SELECT customer_id, MIN(month) AS cohort FROM m GROUP BY customer_id) \
                   SELECT f.cohort, m.month, CAST(COUNT(*) AS BIGINT) AS n FROM m JOIN f ON f.customer_id = m.customer_id \
                   GROUP BY f.cohort, m.month ORDER BY f.cohort, m.month";
        let rows = sqlx::query(sql).bind(until).fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(|r| (get_s(r, "cohort"), get_s(r, "month"), get_i(r, "n")))
            .collect())
    }

    /// Repeat purchase days per calendar day (any purchase day of a customer after their
    /// first), purchases before `until`.
    pub async fn repeat_days_per_day(&self, until: &str) -> Result<Vec<(String, i64)>> {
        let sql = "WITH d AS (SELECT DISTINCT customer_id, substr(occurred_at, 1, 10) AS day FROM transactions \
                   WHERE is_return = 0 AND occurred_at < $1), \
                   f AS (SELECT customer_id, MIN(day) AS first_day FROM d GROUP BY customer_id) \
                   SELECT d.day, CAST(COUNT(*) AS BIGINT) AS n FROM d JOIN f ON f.customer_id = d.customer_id \
                   WHERE d.day > f.first_day GROUP BY d.day ORDER BY d.day";
        let rows = sqlx::query(sql).bind(until).fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(|r| (get_s(r, "day"), get_i(r, "n")))
            .collect())
    }
}
