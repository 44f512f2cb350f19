//! What the home page reads beyond the areas' own figures: the complaints of a period (and a
//! customer segment), action plans open and overdue, and what needs a user's attention now.

use crate::{get_i, get_s, Result, Store};

/// The complaints received in a period, with how their resolution went against its deadline.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct PeriodComplaints {
    /// When each was received (stored UTC), for the month-by-month chart.
    pub received_at: Vec<String>,
    pub resolved: i64,
    /// Resolved after the deadline, or still open past it.
    pub breached: i64,
    /// Cases whose deadline has come (resolved, or open past it): the breach rate's base.
    pub judged: i64,
}

/// What needs attention now: one user's (an agent) or everyone's (a manager).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Attention {
    /// (id, situation, resolve due) of open cases past their deadline, most overdue first.
    pub overdue_cases: Vec<(i64, String, String)>,
    pub overdue_count: i64,
    pub open_cases: i64,
    pub winback_open: i64,
    pub winback_overdue: i64,
    pub care_open: i64,
    pub care_overdue: i64,
}

/// A staff member's own work in a period: cases they resolved (and how many of those before
/// the resolution deadline), care and win-back tasks they closed.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq)]
pub struct MyNumbers {
    pub resolved: i64,
    pub resolved_on_time: i64,
    pub care_done: i64,
    pub winback_closed: i64,
}

impl Store {
    /// `username`'s numbers for `[from, to)` (stored UTC instants).
    pub async fn my_numbers(&self, username: &str, from: &str, to: &str) -> Result<MyNumbers> {
        let one = |sql: &'static str| {
            let pool = self.pool.clone();
            async move {
                let r = sqlx::query(sql)
                    .bind(username)
                    .bind(from)
                    .bind(to)
                    .fetch_one(&pool)
                    .await?;
                Ok::<_, crate::StoreError>((get_i(&r, "a"), get_i(&r, "b")))
            }
        };
        // The resolution step's author, at its time; on time when the case's resolution came
        // before its deadline.
        let (resolved, resolved_on_time) = one(
            "SELECT CAST(COUNT(*) AS BIGINT) AS a, \
             CAST(COALESCE(SUM(CASE WHEN e.at <= c.resolve_due_at THEN 1 ELSE 0 END), 0) AS BIGINT) AS b \
             FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id \
             WHERE e.kind = 'resolve' AND e.actor = $1 AND e.at >= $2 AND e.at < $3",
        )
        .await?;
        let (care_done, _) = one(
            "SELECT CAST(COUNT(*) AS BIGINT) AS a, CAST(0 AS BIGINT) AS b FROM care_tasks \
             WHERE state = 'done' AND done_by = $1 AND done_at >= $2 AND done_at < $3",
        )
        .await?;
        let (winback_closed, _) = one(
            "SELECT CAST(COUNT(*) AS BIGINT) AS a, CAST(0 AS BIGINT) AS b FROM winback_tasks \
             WHERE assignee = $1 AND closed_at >= $2 AND closed_at < $3",
        )
        .await?;
        Ok(MyNumbers {
            resolved,
            resolved_on_time,
            care_done,
            winback_closed,
        })
    }

    /// Complaints received in `[from, to)` (stored UTC), of customers in `segment` if given.
    pub async fn period_complaints(
        &self,
        from: &str,
        to: &str,
        now: &str,
        segment: Option<&str>,
    ) -> Result<PeriodComplaints> {
        let seg = if segment.is_some() {
            " AND cu.segment = $4"
        } else {
            ""
        };
        let sql = format!(
            "SELECT k.received_at, k.resolved_at, k.resolve_due_at FROM complaints k \
             LEFT JOIN customers cu ON cu.id = k.customer_id \
             WHERE k.received_at >= $1 AND k.received_at < $2 AND $3 <> ''{seg} ORDER BY k.received_at"
        );
        let mut q = sqlx::query(&sql).bind(from).bind(to).bind(now);
        if let Some(s) = segment {
            q = q.bind(s);
        }
        let mut out = PeriodComplaints::default();
        for r in q.fetch_all(&self.pool).await? {
            let resolved = get_s(&r, "resolved_at");
            let due = get_s(&r, "resolve_due_at");
            if !resolved.is_empty() {
                out.resolved += 1;
                out.judged += 1;
                out.breached += i64::from(resolved > due);
            } else if due.as_str() < now {
                out.judged += 1;
                out.breached += 1;
            }
            out.received_at.push(get_s(&r, "received_at"));
        }
        Ok(out)
    }

    /// Action plans not done, and those of them past their due day (`today`, `YYYY-MM-DD`).
    pub async fn action_plan_counts(&self, today: &str) -> Result<(i64, i64)> {
        let r = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS open, \
             CAST(COALESCE(SUM(CASE WHEN due_date < $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue \
             FROM action_plans WHERE status <> 'done'",
        )
        .bind(today)
        .fetch_one(&self.pool)
        .await?;
        Ok((get_i(&r, "open"), get_i(&r, "overdue")))
    }

    /// What needs attention at `now`: `user`'s (or everyone's).
    pub async fn attention(&self, user: Option<&str>, now: &str) -> Result<Attention> {
        let mine = " AND ($2 = '' OR assignee = $2)";
        let bind = user.unwrap_or("");
        let count = |sql: String| {
            let pool = self.pool.clone();
            async move {
                let r = sqlx::query(&sql)
                    .bind(now)
                    .bind(bind)
                    .fetch_one(&pool)
                    .await?;
                Ok::<_, crate::StoreError>((get_i(&r, "a"), get_i(&r, "b")))
            }
        };
        let open = "state NOT IN ('resolved', 'followed_up', 'closed')";
        let (open_cases, overdue_count) = count(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS a, \
             CAST(COALESCE(SUM(CASE WHEN resolve_due_at < $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS b \
             FROM complaints WHERE {open}{mine}"
        ))
        .await?;
        let (winback_open, winback_overdue) = count(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS a, \
             CAST(COALESCE(SUM(CASE WHEN due_at < $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS b \
             FROM winback_tasks WHERE closed_at IS NULL{mine}"
        ))
        .await?;
        let (care_open, care_overdue) = count(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS a, \
             CAST(COALESCE(SUM(CASE WHEN due_at < $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS b \
             FROM care_tasks WHERE state = 'open'{mine}"
        ))
        .await?;
        let rows = sqlx::query(&format!(
            "SELECT id, situation, resolve_due_at FROM complaints \
             WHERE {open} AND resolve_due_at < $1{mine} ORDER BY resolve_due_at, id LIMIT 8"
        ))
        .bind(now)
        .bind(bind)
        .fetch_all(&self.pool)
        .await?;
        Ok(Attention {
            overdue_cases: rows
                .iter()
                .map(|r| {
                    (
                        get_i(r, "id"),
                        get_s(r, "situation"),
                        get_s(r, "resolve_due_at"),
                    )
                })
                .collect(),
            overdue_count,
            open_cases,
            winback_open,
            winback_overdue,
            care_open,
            care_overdue,
        })
    }
}
