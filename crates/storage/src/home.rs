//! What the home page reads beyond the areas' own figures: the complaints of a period (and a
//! customer segment), action plans open and overdue, and what needs a user's attention now.

use crate::{get_f, get_i, get_s, Result, Store};

/// The customers a home page is narrowed to, besides the whole base.
#[derive(Debug, Clone)]
pub enum CustomerScope {
    /// Customers of one segment (the customer field).
    Segment(String),
    /// Customers whose main store (most purchases, as the latest customer-value run saw) is
    /// this one; complaints made at it.
    Store(String),
    /// Customers a saved segment's filter selects in the latest classification.
    Saved(crate::loyalty::ProfileFilter),
}

impl CustomerScope {
    /// `{col} IN (…)`: the scope's customers, its values appended to `binds`.
    fn condition(&self, col: &str, binds: &mut Vec<String>) -> String {
        let bind = |v: &str, binds: &mut Vec<String>| {
            binds.push(v.to_string());
            format!("${}", binds.len())
        };
        match self {
            CustomerScope::Segment(s) => format!(
                "{col} IN (SELECT id FROM customers WHERE segment = {})",
                bind(s, binds)
            ),
            CustomerScope::Store(s) => format!(
                "{col} IN (SELECT customer_id FROM customer_values WHERE main_store = {})",
                bind(s, binds)
            ),
            CustomerScope::Saved(f) => format!(
                "{col} IN (SELECT p.customer_id FROM loyalty_profiles p JOIN customers c ON c.id = p.customer_id WHERE {})",
                crate::loyalty::profile_condition(f, binds)
            ),
        }
    }
}

/// The latest classification within a scope: customers per loyalty type, and the headline
/// churn status counts (customers with a status, and churned).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ScopeLoyalty {
    pub types: Vec<(String, i64)>,
    pub with_status: i64,
    pub churned: i64,
}

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

    /// Complaints received in `[from, to)` (stored UTC): of the scope's customers, or made at
    /// its store.
    pub async fn period_complaints(
        &self,
        from: &str,
        to: &str,
        now: &str,
        scope: Option<&CustomerScope>,
    ) -> Result<PeriodComplaints> {
        let mut binds = vec![from.to_string(), to.to_string(), now.to_string()];
        let cond = match scope {
            None => String::new(),
            Some(CustomerScope::Store(s)) => {
                binds.push(s.clone());
                " AND k.place = $4".into()
            }
            Some(s) => format!(" AND {}", s.condition("k.customer_id", &mut binds)),
        };
        let sql = format!(
            "SELECT k.received_at, k.resolved_at, k.resolve_due_at FROM complaints k \
             WHERE k.received_at >= $1 AND k.received_at < $2 AND $3 <> ''{cond} ORDER BY k.received_at"
        );
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b);
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

    /// The ids of the scope's customers.
    pub async fn scope_customer_ids(&self, scope: &CustomerScope) -> Result<Vec<i64>> {
        let mut binds = Vec::new();
        let sql = format!(
            "SELECT c0.id FROM customers c0 WHERE {}",
            scope.condition("c0.id", &mut binds)
        );
        let mut q = sqlx::query_scalar(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// The latest classification of the scope's customers.
    pub async fn scope_loyalty(&self, scope: &CustomerScope) -> Result<ScopeLoyalty> {
        let mut binds = Vec::new();
        let sql = format!(
            "SELECT p0.loyalty_type AS t, p0.churn_status AS s, CAST(COUNT(*) AS BIGINT) AS n \
             FROM loyalty_profiles p0 WHERE {} GROUP BY p0.loyalty_type, p0.churn_status",
            scope.condition("p0.customer_id", &mut binds)
        );
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let mut out = ScopeLoyalty::default();
        for r in q.fetch_all(&self.pool).await? {
            let (t, st, n) = (get_s(&r, "t"), get_s(&r, "s"), get_i(&r, "n"));
            match out.types.iter_mut().find(|e| e.0 == t) {
                Some(e) => e.1 += n,
                None => out.types.push((t, n)),
            }
            if matches!(st.as_str(), "active" | "at_risk" | "churned") {
                out.with_status += n;
            }
            if st == "churned" {
                out.churned += n;
            }
        }
        Ok(out)
    }

    /// (total spend, CLV) of the scope's customers in the latest customer-value run.
    pub async fn scope_values(&self, scope: &CustomerScope) -> Result<Vec<(f64, f64)>> {
        let mut binds = Vec::new();
        let sql = format!(
            "SELECT v0.total_spend AS s, v0.clv AS v FROM customer_values v0 WHERE {}",
            scope.condition("v0.customer_id", &mut binds)
        );
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        Ok(q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| (get_f(r, "s"), get_f(r, "v")))
            .collect())
    }

    /// The main stores customers have (the latest customer-value run's), by name.
    pub async fn main_stores(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT main_store FROM customer_values WHERE main_store <> '' ORDER BY main_store LIMIT 200",
        )
        .fetch_all(&self.pool)
        .await?)
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
