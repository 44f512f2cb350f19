//! What the complaint measures read: each case's facts and the recovery counts.

use super::*;

/// One case as the measures need it.
#[derive(Debug, Clone)]
pub struct CaseFacts {
    pub received_at: String,
    pub state: String,
    pub severity: String,
    pub cause: String,
    pub acknowledged_at: Option<String>,
    pub resolved_at: Option<String>,
    pub on_the_spot: bool,
    pub ack_due_at: String,
    pub resolve_due_at: String,
    pub customer_id: Option<i64>,
    pub follow_up_satisfied: Option<bool>,
    /// A lesson from the review, for the lessons list.
    pub lesson: String,
    pub id: i64,
    pub closed_at: Option<String>,
}

/// Whether complainants came back: per resolved case with a customer whose window has ended,
/// whether they bought within it, and the same for customers without any complaint.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecoveryCounts {
    /// (cases, came back) for cases resolved on the spot, and for the others.
    pub on_the_spot: (i64, i64),
    pub later: (i64, i64),
    /// Customers with no complaint who bought in the window before the reference instant:
    /// (customers, bought again in the window after it).
    pub non_complainants: (i64, i64),
}

impl Store {
    /// Every case's facts for the measures (one pass; the app caches what it computes).
    pub async fn complaint_facts(&self) -> Result<Vec<CaseFacts>> {
        let rows = sqlx::query(
            "SELECT id, received_at, state, severity, cause, acknowledged_at, resolved_at, closed_at, on_the_spot, \
             ack_due_at, resolve_due_at, customer_id, handling FROM complaints",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let h: serde_json::Value =
                    serde_json::from_str(&get_s(r, "handling")).unwrap_or_default();
                CaseFacts {
                    id: get_i(r, "id"),
                    received_at: get_s(r, "received_at"),
                    state: get_s(r, "state"),
                    severity: get_s(r, "severity"),
                    cause: get_s(r, "cause"),
                    acknowledged_at: get_os(r, "acknowledged_at"),
                    resolved_at: get_os(r, "resolved_at"),
                    closed_at: get_os(r, "closed_at"),
                    on_the_spot: get_i(r, "on_the_spot") != 0,
                    ack_due_at: get_s(r, "ack_due_at"),
                    resolve_due_at: get_s(r, "resolve_due_at"),
                    customer_id: r.try_get::<Option<i64>, _>("customer_id").ok().flatten(),
                    follow_up_satisfied: h["follow_up_satisfied"].as_bool(),
                    lesson: h["lesson"].as_str().unwrap_or("").to_string(),
                }
            })
            .collect())
    }

    /// The recovery counts for a window of `days` days, for cases resolved up to `until`
    /// (stored form: their windows have ended) and non-complainants around `until`.
    pub async fn complaint_recovery(&self, days: i64, until: &str) -> Result<RecoveryCounts> {
        let end = match self.backend {
            crate::Backend::Sqlite => {
                format!("strftime('%Y-%m-%dT%H:%M:%SZ', c.resolved_at, '+{days} days')")
            }
            crate::Backend::Postgres => format!(
                "to_char((CAST(c.resolved_at AS timestamptz) + interval '{days} days') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
            ),
        };
        let rows = sqlx::query(&format!(
            "SELECT c.on_the_spot, COUNT(*) AS cases, SUM(CASE WHEN EXISTS (SELECT 1 FROM transactions t \
             WHERE t.customer_id = c.customer_id AND t.occurred_at > c.resolved_at AND t.occurred_at <= {end}) \
             THEN 1 ELSE 0 END) AS back \
             FROM complaints c WHERE c.customer_id IS NOT NULL AND c.resolved_at IS NOT NULL AND c.resolved_at <= $1 \
             GROUP BY c.on_the_spot"
        ))
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
        let mut out = RecoveryCounts::default();
        for r in &rows {
            let pair = (get_i(r, "cases"), get_i(r, "back"));
            if get_i(r, "on_the_spot") != 0 {
                out.on_the_spot = pair;
            } else {
                out.later = pair;
            }
        }
        // Customers never complaining who were active in the window before `until`.
        let before = match self.backend {
            crate::Backend::Sqlite => format!("strftime('%Y-%m-%dT%H:%M:%SZ', $1, '-{days} days')"),
            crate::Backend::Postgres => format!(
                "to_char((CAST($1 AS timestamptz) - interval '{days} days') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
            ),
        };
        let after = match self.backend {
            crate::Backend::Sqlite => format!("strftime('%Y-%m-%dT%H:%M:%SZ', $1, '+{days} days')"),
            crate::Backend::Postgres => format!(
                "to_char((CAST($1 AS timestamptz) + interval '{days} days') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
            ),
        };
        let r = sqlx::query(&format!(
            "SELECT COUNT(*) AS customers, SUM(CASE WHEN EXISTS (SELECT 1 FROM transactions t2 WHERE t2.customer_id = a.customer_id \
             AND t2.occurred_at > $1 AND t2.occurred_at <= {after}) THEN 1 ELSE 0 END) AS back \
             FROM (SELECT DISTINCT t.customer_id FROM transactions t WHERE t.occurred_at > {before} AND t.occurred_at <= $1 \
             AND NOT EXISTS (SELECT 1 FROM complaints c WHERE c.customer_id = t.customer_id)) a"
        ))
        .bind(until)
        .fetch_one(&self.pool)
        .await?;
        out.non_complainants = (get_i(&r, "customers"), get_i(&r, "back"));
        Ok(out)
    }
}
