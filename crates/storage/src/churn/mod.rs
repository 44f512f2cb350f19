//! Churn analysis input read where the data is (SPEC.md §4): the purchase days of every
//! customer — all transactions of a customer on one UTC calendar day summed, returns
//! (`is_return = 1`) left out — as one SQL `GROUP BY` per block of customer ids in SQLite or
//! PostgreSQL. That scan and aggregation is the heavy part; the per-customer arithmetic on the
//! purchase days (a few per customer) runs in `analytics`. (A first version summarised per
//! customer in SQL too; SQLite needed 23 s for a million customers that way against ~5 s now.)

pub mod winback;

use crate::{get_f, get_i, get_s, Result, Store};
use std::collections::HashMap;

/// Customers per block of ids: each block is one indexed range scan.
const BLOCK: i64 = 100_000;

impl Store {
    /// Every customer's store id and external id, `f(id, external id)`, in id order, one block
    /// of ids at a time (results computed elsewhere, e.g. on a cluster, name customers by their
    /// external ids).
    pub async fn for_each_customer_key(&self, mut f: impl FnMut(i64, &str) + Send) -> Result<u64> {
        let mut n = 0u64;
        let mut from = 0i64;
        loop {
            let rows = sqlx::query(
                "SELECT id, external_id FROM customers WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(from)
            .bind(BLOCK)
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                from = get_i(r, "id");
                f(from, &get_s(r, "external_id"));
            }
            n += rows.len() as u64;
            if (rows.len() as i64) < BLOCK {
                return Ok(n);
            }
        }
    }

    /// Every customer's purchases before `until` (a `YYYY-MM-DD` text, exclusive) summed by
    /// day and store, in customer id then day order, in one read snapshot (a customer's rows of
    /// one day in several stores come together). Each block of customers is one `GROUP BY`
    /// whose rows come back packed (see `packed`).
    pub async fn for_each_purchase_day(
        &self,
        until: &str,
        mut f: impl FnMut(PurchaseDay) + Send,
    ) -> Result<u64> {
        let mut tx = crate::backup::begin_snapshot(self).await?;
        let max_id: i64 = get_i(
            &sqlx::query("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS m FROM customers")
                .fetch_one(&mut *tx)
                .await?,
            "m",
        );
        let sql = format!(
            "SELECT {} AS x FROM (SELECT customer_id, substr(occurred_at, 1, 10) AS day, store, \
             SUM(amount_minor) AS v, COUNT(*) AS n, SUM(promotion) AS p FROM transactions \
             WHERE is_return = 0 AND occurred_at < $1 AND customer_id > $2 AND customer_id <= $3 \
             GROUP BY customer_id, substr(occurred_at, 1, 10), store) t",
            crate::packed::packed_agg(
                self.backend,
                &["customer_id", "day", "free:store", "v", "n", "p"]
            )
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
            let mut rows: Vec<(i64, String, String, i64, i64, i64)> = Vec::new();
            crate::packed::for_each_packed(&mut tx, &sql, (from, to), BLOCK, &[until], |c| {
                let int = crate::packed::int;
                rows.push((
                    int(c[0]),
                    c[1].into(),
                    c[2].into(),
                    int(c[3]),
                    int(c[4]),
                    int(c[5]),
                ))
            })
            .await?;
            rows.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            for (customer, day, store, minor, purchases, promoted) in &rows {
                if let Some(id) = ids.get(customer) {
                    n += 1;
                    f(PurchaseDay {
                        customer_id: *customer,
                        external_id: id,
                        day,
                        store,
                        minor: *minor,
                        purchases: *purchases,
                        promoted: *promoted,
                    });
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

/// One analysis run (`kind` = `clv`): its options, and when done its summary (the same JSON as
/// `fidelis analyze clv --summary-json`) or its error.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AnalysisRun {
    pub id: i64,
    pub kind: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    pub options: serde_json::Value,
    pub summary: serde_json::Value,
    pub error: String,
    pub customers: i64,
    pub actor: String,
    pub created_at: String,
    pub finished_at: Option<String>,
}

/// A customer's values from the latest finished run (SPEC.md §4): summary statistics in the
/// run's period, RFM scores, the model's predictions and the churn flags under both rules.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct CustomerValueRow {
    pub customer_id: i64,
    pub run_id: i64,
    pub frequency: i64,
    pub recency: f64,
    /// T: periods from the first purchase to the calibration end.
    pub age: f64,
    pub monetary: f64,
    pub total_spend: f64,
    pub rfm_r: i64,
    pub rfm_f: i64,
    pub rfm_m: i64,
    pub p_alive: f64,
    pub expected_purchases: f64,
    pub expected_spend: f64,
    pub clv: f64,
    pub churned_p_alive: bool,
    pub churned_inactivity: bool,
    pub first_purchase: String,
    pub last_purchase: String,
    /// The transactions behind the purchase days: how many, on promotion, in the most used store.
    #[serde(flatten)]
    pub mix: PurchaseMix,
    /// The store of most of the customer's purchases (empty when none named).
    pub main_store: String,
}

/// Purchase counts of one customer: all (not returns), on promotion, in the most used store.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct PurchaseMix {
    pub purchases: i64,
    pub promoted: i64,
    pub top_store: i64,
}

/// One customer's purchases on one day in one store, as the customer-value scan reads them.
#[derive(Debug, Clone, Copy)]
pub struct PurchaseDay<'a> {
    pub customer_id: i64,
    pub external_id: &'a str,
    /// `YYYY-MM-DD` (UTC).
    pub day: &'a str,
    pub store: &'a str,
    /// Amount in minor units.
    pub minor: i64,
    pub purchases: i64,
    pub promoted: i64,
}

const VALUE_COLS: &[&str] = &[
    "customer_id",
    "run_id",
    "frequency",
    "recency",
    "age",
    "monetary",
    "total_spend",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "p_alive",
    "expected_purchases",
    "expected_spend",
    "clv",
    "churned_p_alive",
    "churned_inactivity",
    "first_purchase",
    "last_purchase",
    "purchases",
    "promoted",
    "top_store",
    "main_store",
];

/// Rows per JSON batch of an insert.
const VALUE_BATCH: usize = 20_000;

/// Churn, value and referral by customer segment from the latest run.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SegmentValues {
    pub segment: String,
    pub customers: i64,
    pub churned_p_alive: i64,
    pub churned_inactivity: i64,
    pub referrers: i64,
    pub mean_clv: f64,
    pub total_clv: f64,
    pub mean_p_alive: f64,
}

fn run_from(r: &sqlx::any::AnyRow) -> AnalysisRun {
    use crate::get_os;
    AnalysisRun {
        id: get_i(r, "id"),
        kind: get_s(r, "kind"),
        status: get_s(r, "status"),
        options: serde_json::from_str(&get_s(r, "options")).unwrap_or_default(),
        summary: serde_json::from_str(&get_s(r, "summary")).unwrap_or_default(),
        error: get_s(r, "error"),
        customers: get_i(r, "customers"),
        actor: get_s(r, "actor"),
        created_at: get_s(r, "created_at"),
        finished_at: get_os(r, "finished_at"),
    }
}

fn value_from(r: &sqlx::any::AnyRow) -> CustomerValueRow {
    CustomerValueRow {
        customer_id: get_i(r, "customer_id"),
        run_id: get_i(r, "run_id"),
        frequency: get_i(r, "frequency"),
        recency: get_f(r, "recency"),
        age: get_f(r, "age"),
        monetary: get_f(r, "monetary"),
        total_spend: get_f(r, "total_spend"),
        rfm_r: get_i(r, "rfm_r"),
        rfm_f: get_i(r, "rfm_f"),
        rfm_m: get_i(r, "rfm_m"),
        p_alive: get_f(r, "p_alive"),
        expected_purchases: get_f(r, "expected_purchases"),
        expected_spend: get_f(r, "expected_spend"),
        clv: get_f(r, "clv"),
        churned_p_alive: get_i(r, "churned_p_alive") != 0,
        churned_inactivity: get_i(r, "churned_inactivity") != 0,
        first_purchase: get_s(r, "first_purchase"),
        last_purchase: get_s(r, "last_purchase"),
        mix: PurchaseMix {
            purchases: get_i(r, "purchases"),
            promoted: get_i(r, "promoted"),
            top_store: get_i(r, "top_store"),
        },
        main_store: get_s(r, "main_store"),
    }
}

impl Store {
    pub async fn create_analysis_run(
        &self,
        kind: &str,
        options: &serde_json::Value,
        actor: &str,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO analysis_runs (kind, status, options, actor, created_at) VALUES ($1, 'running', $2, $3, $4) RETURNING id",
        )
        .bind(kind)
        .bind(options.to_string())
        .bind(actor)
        .bind(domain::time::now_stored())
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn fail_analysis_run(&self, id: i64, error: &str) -> Result<()> {
        sqlx::query(
            "UPDATE analysis_runs SET status = 'failed', error = $1, finished_at = $2 WHERE id = $3",
        )
        .bind(error)
        .bind(domain::time::now_stored())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Runs left `running` by a process that stopped (called when a server starts).
    pub async fn fail_interrupted_runs(&self, error: &str) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE analysis_runs SET status = 'failed', error = $1, finished_at = $2 WHERE status = 'running'",
        )
        .bind(error)
        .bind(domain::time::now_stored())
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Finish run `id`: its summary (plus `segments`, [`SegmentValues`] of the new values, and
    /// `referral_by_cohort`, [`CohortReferrals`]), and
    /// every customer's values replacing the previous run's, all in one transaction (readers see the old run's values or the new, never a mix).
    /// Values of customers deleted meanwhile are skipped. A value that comes as an error (e.g.
    /// a file read while saving failed) leaves everything as it was and is returned.
    pub async fn complete_analysis_run(
        &self,
        id: i64,
        summary: &serde_json::Value,
        values: &mut (dyn Iterator<Item = Result<CustomerValueRow>> + Send),
    ) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM customer_values")
            .execute(&mut *tx)
            .await?;
        // The rows go in as JSON batches (see `packed`), column i typed by its name.
        let cast = |i: usize| {
            let c = format!("j.value ->> {i}");
            match VALUE_COLS[i] {
                "first_purchase" | "last_purchase" | "main_store" => c,
                "recency" | "age" | "monetary" | "total_spend" | "p_alive"
                | "expected_purchases" | "expected_spend" | "clv" => {
                    format!("COALESCE(CAST({c} AS DOUBLE PRECISION), 0)")
                }
                _ => format!("CAST({c} AS BIGINT)"),
            }
        };
        let sql = crate::packed::json_insert(self.backend, "customer_values", VALUE_COLS, cast);
        let mut n = 0u64;
        let mut rows = crate::packed::JsonRows::default();
        let mut more = true;
        while more {
            for v in (&mut *values).take(VALUE_BATCH) {
                // Dropping the transaction unsaved rolls every row back.
                let v = v?;
                rows.row()
                    .int(v.customer_id)
                    .int(id)
                    .int(v.frequency)
                    .float(Some(v.recency))
                    .float(Some(v.age))
                    .float(Some(v.monetary))
                    .float(Some(v.total_spend))
                    .int(v.rfm_r)
                    .int(v.rfm_f)
                    .int(v.rfm_m)
                    .float(Some(v.p_alive))
                    .float(Some(v.expected_purchases))
                    .float(Some(v.expected_spend))
                    .float(Some(v.clv))
                    .int(i64::from(v.churned_p_alive))
                    .int(i64::from(v.churned_inactivity))
                    .text(&v.first_purchase)
                    .text(&v.last_purchase)
                    .int(v.mix.purchases)
                    .int(v.mix.promoted)
                    .int(v.mix.top_store)
                    .text(&v.main_store)
                    .end();
            }
            more = rows.len() == VALUE_BATCH;
            if rows.len() > 0 {
                n += sqlx::query(&sql)
                    .bind(rows.take())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
        }
        // Rates per segment from the values just saved, in the summary readers first see.
        let mut summary = summary.clone();
        summary["segments"] = serde_json::json!(segment_values_on(&mut tx).await?);
        summary["referral_by_cohort"] = serde_json::json!(referral_by_cohort_on(&mut tx).await?);
        sqlx::query(
            "UPDATE analysis_runs SET status = 'done', summary = $1, customers = $2, finished_at = $3 WHERE id = $4",
        )
        .bind(summary.to_string())
        .bind(n as i64)
        .bind(domain::time::now_stored())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn analysis_run(&self, id: i64) -> Result<AnalysisRun> {
        let row = sqlx::query("SELECT * FROM analysis_runs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(crate::StoreError::NotFound)?;
        Ok(run_from(&row))
    }

    /// The latest runs of a kind, newest first, without their summaries (they can be large).
    pub async fn analysis_runs(&self, kind: &str, limit: i64) -> Result<Vec<AnalysisRun>> {
        let rows = sqlx::query(
            "SELECT id, kind, status, options, CAST('{}' AS TEXT) AS summary, error, customers, actor, created_at, finished_at \
             FROM analysis_runs WHERE kind = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(kind)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(run_from).collect())
    }

    /// The newest finished run of a kind (with its summary).
    pub async fn latest_analysis_run(&self, kind: &str) -> Result<Option<AnalysisRun>> {
        let row = sqlx::query(
            "SELECT * FROM analysis_runs WHERE kind = $1 AND status = 'done' ORDER BY id DESC LIMIT 1",
        )
        .bind(kind)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(run_from))
    }

    /// The newest finished run of a kind that checked itself on a holdout period.
    pub async fn latest_holdout_run(&self, kind: &str) -> Result<Option<AnalysisRun>> {
        let row = sqlx::query(
            "SELECT * FROM analysis_runs WHERE kind = $1 AND status = 'done' AND options LIKE '%\"observation_end\":\"%' ORDER BY id DESC LIMIT 1",
        )
        .bind(kind)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(run_from))
    }

    pub async fn customer_value(&self, customer_id: i64) -> Result<Option<CustomerValueRow>> {
        let row = sqlx::query("SELECT * FROM customer_values WHERE customer_id = $1")
            .bind(customer_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(value_from))
    }

    /// Every customer's values with the customer's external id and name, by descending CLV,
    /// in one read snapshot, for export.
    pub async fn for_each_customer_value(
        &self,
        mut f: impl FnMut(&str, &str, CustomerValueRow) + Send,
    ) -> Result<u64> {
        use futures_util::TryStreamExt;
        let mut tx = crate::backup::begin_snapshot(self).await?;
        let mut n = 0u64;
        {
            let mut rows = sqlx::query(
                "SELECT c.external_id, c.name, v.* FROM customer_values v JOIN customers c ON c.id = v.customer_id ORDER BY v.clv DESC, v.customer_id",
            )
            .fetch(&mut *tx);
            while let Some(row) = rows.try_next().await? {
                n += 1;
                f(
                    &get_s(&row, "external_id"),
                    &get_s(&row, "name"),
                    value_from(&row),
                );
            }
        }
        tx.rollback().await?;
        Ok(n)
    }

    /// The most valuable customers the model thinks are slipping away: P(alive) below
    /// `threshold`, by descending expected value had they stayed (the win-back list).
    pub async fn valuable_at_risk(
        &self,
        threshold: f64,
        limit: i64,
    ) -> Result<Vec<(i64, String, String, CustomerValueRow)>> {
        let rows = sqlx::query(
            "SELECT c.external_id, c.name, v.* FROM customer_values v JOIN customers c ON c.id = v.customer_id \
             WHERE v.p_alive < $1 ORDER BY v.total_spend DESC, v.customer_id LIMIT $2",
        )
        .bind(threshold)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let v = value_from(r);
                (v.customer_id, get_s(r, "external_id"), get_s(r, "name"), v)
            })
            .collect())
    }

    /// Churn (both rules), referral and value per customer segment of the analysed customers
    /// (SPEC.md §4: rates per segment). A customer counts as a referrer when someone names them
    /// in `referred_by`.
    pub async fn segment_values(&self) -> Result<Vec<SegmentValues>> {
        let mut conn = self.pool.acquire().await?;
        segment_values_on(&mut conn).await
    }
}

const SEGMENT_SQL: &str = "SELECT c.segment AS segment, CAST(COUNT(*) AS BIGINT) AS customers, \
   CAST(SUM(v.churned_p_alive) AS BIGINT) AS churned_p_alive, \
   CAST(SUM(v.churned_inactivity) AS BIGINT) AS churned_inactivity, \
   CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM customers r WHERE r.referred_by_id = c.id) THEN 1 ELSE 0 END) AS BIGINT) AS referrers, \
   CAST(AVG(v.clv) AS DOUBLE PRECISION) AS mean_clv, CAST(SUM(v.clv) AS DOUBLE PRECISION) AS total_clv, \
   CAST(AVG(v.p_alive) AS DOUBLE PRECISION) AS mean_p_alive \
 FROM customer_values v JOIN customers c ON c.id = v.customer_id \
 GROUP BY c.segment ORDER BY COUNT(*) DESC, c.segment";

/// Referral rate per acquisition month (SPEC.md §4, per period): of the analysed customers
/// whose first purchase fell in the month, how many brought at least one other customer.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct CohortReferrals {
    /// `YYYY-MM`
    pub month: String,
    pub customers: i64,
    pub referrers: i64,
}

async fn referral_by_cohort_on(conn: &mut sqlx::AnyConnection) -> Result<Vec<CohortReferrals>> {
    let rows = sqlx::query(
        "SELECT substr(v.first_purchase, 1, 7) AS month, CAST(COUNT(*) AS BIGINT) AS customers, \
           CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM customers r WHERE r.referred_by_id = v.customer_id) THEN 1 ELSE 0 END) AS BIGINT) AS referrers \
         FROM customer_values v GROUP BY substr(v.first_purchase, 1, 7) ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| CohortReferrals {
            month: get_s(r, "month"),
            customers: get_i(r, "customers"),
            referrers: get_i(r, "referrers"),
        })
        .collect())
}

async fn segment_values_on(conn: &mut sqlx::AnyConnection) -> Result<Vec<SegmentValues>> {
    let rows = sqlx::query(SEGMENT_SQL).fetch_all(&mut *conn).await?;
    Ok(rows
        .iter()
        .map(|r| SegmentValues {
            segment: get_s(r, "segment"),
            customers: get_i(r, "customers"),
            churned_p_alive: get_i(r, "churned_p_alive"),
            churned_inactivity: get_i(r, "churned_inactivity"),
            referrers: get_i(r, "referrers"),
            mean_clv: get_f(r, "mean_clv"),
            total_clv: get_f(r, "total_clv"),
            mean_p_alive: get_f(r, "mean_p_alive"),
        })
        .collect())
}
