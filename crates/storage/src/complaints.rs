//! Complaint cases (SPEC.md §3): the case with the fields its steps set, its append-only
//! history (the database refuses to change or delete it: see migration 7), teams with their
//! manager, and the follow-up tasks. A step is one transaction: the case moves only at the
//! version the agent saw (else `VersionConflict`), and its history entry and any task are
//! written with it or not at all.

use crate::{get_i, get_os, get_s, Result, Store, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[path = "complaints_measures.rs"]
mod measures;
#[path = "complaints_teams.rs"]
mod teams;
pub use measures::{CaseFacts, RecoveryCounts};
pub use teams::Team;

#[derive(Debug, Clone, Serialize)]
pub struct Complaint {
    pub id: i64,
    pub received_at: String,
    pub channel: String,
    pub place: String,
    pub customer_id: Option<i64>,
    /// The customer's name and external id (empty for an unknown caller).
    pub customer_name: String,
    pub customer_external_id: String,
    pub caller: String,
    pub situation: String,
    pub product: String,
    pub cause: String,
    pub severity: String,
    pub wants: Vec<String>,
    pub assignee: String,
    pub team_id: Option<i64>,
    pub team: String,
    pub state: String,
    /// `domain::complaints::Handling` as JSON.
    pub handling: serde_json::Value,
    pub acknowledged_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub on_the_spot: bool,
    pub ack_warn_at: String,
    pub ack_due_at: String,
    pub resolve_warn_at: String,
    pub resolve_due_at: String,
    /// Timers already fired, comma-separated codes.
    pub timers_done: String,
    pub next_timer_at: Option<String>,
    pub escalated_to: String,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct NewComplaint<'a> {
    pub received_at: &'a str,
    pub channel: &'a str,
    pub place: &'a str,
    pub customer_id: Option<i64>,
    pub caller: &'a str,
    pub situation: &'a str,
    pub product: &'a str,
    pub severity: &'a str,
    pub wants: &'a [String],
    pub assignee: &'a str,
    pub team_id: Option<i64>,
    /// ack warn, ack due, resolve warn, resolve due.
    pub due: [String; 4],
    pub next_timer_at: Option<String>,
    pub created_by: &'a str,
}

/// One entry of a case's history.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: i64,
    pub complaint_id: i64,
    pub at: String,
    pub actor: String,
    /// `created`, a step's code, `assign`, `link_customer`, or a timer's code.
    pub kind: String,
    pub from_state: String,
    pub to_state: String,
    pub note: String,
    pub changes: serde_json::Value,
}

/// What a step writes: the case's new values, its history entry, and a task if one follows.
#[derive(Debug, Clone)]
pub struct Step<'a> {
    pub expected_version: i64,
    pub actor: &'a str,
    pub at: &'a str,
    pub kind: &'a str,
    /// The state at `expected_version` (the update checks the version, so the state too).
    pub from_state: &'a str,
    pub to_state: &'a str,
    pub note: &'a str,
    pub changes: serde_json::Value,
    pub handling: serde_json::Value,
    pub cause: &'a str,
    pub acknowledged_at: Option<&'a str>,
    pub resolved_at: Option<&'a str>,
    pub closed_at: Option<&'a str>,
    pub on_the_spot: bool,
    /// New resolve due times (a reopened case starts its resolution clock again).
    pub resolve_due: Option<(String, String)>,
    pub timers_done: &'a str,
    pub next_timer_at: Option<String>,
    pub assignee: &'a str,
    pub team_id: Option<i64>,
    pub escalated_to: &'a str,
    pub customer_id: Option<i64>,
    /// Mark the case's open tasks done with the step's note (the follow-up visit happened).
    pub finish_tasks: bool,
    /// Staff notifications (user, text) written with the step (service-level warnings and
    /// breaches for the assignee and the team's manager).
    pub notify: Vec<(String, String)>,
    /// E-mails (ref, address, payload) queued in the outbox with the step (a reply to the
    /// customer): sent once by the outbox, never without the step, never twice.
    pub mail: Vec<(String, String, serde_json::Value)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub id: i64,
    pub complaint_id: i64,
    pub kind: String,
    pub assignee: String,
    pub due_at: String,
    pub done_at: Option<String>,
    pub result: String,
    pub created_at: String,
    /// The case's customer and state, for task lists.
    pub customer_name: String,
    pub state: String,
}

/// Which cases a list shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// `open` (anything not closed), a state code, or empty for all.
    pub state: String,
    pub severity: String,
    pub cause: String,
    pub assignee: Option<String>,
    /// Only these teams' cases and `also_assignee`'s own (an agent's view).
    pub teams: Option<Vec<i64>>,
    pub also_assignee: Option<String>,
    pub customer_id: Option<i64>,
    /// Open cases past a due time at this instant.
    pub overdue_at: Option<String>,
    pub escalated_to: Option<String>,
    /// Soonest resolution deadline first (a work queue) instead of most recently received.
    pub by_due: bool,
    /// Words to find: the case number, the customer's name or id, the caller, the situation.
    pub q: String,
    pub limit: i64,
    pub offset: i64,
}

const SELECT: &str = "SELECT c.*, COALESCE(cu.name, '') AS customer_name, \
     COALESCE(cu.external_id, '') AS customer_external_id, COALESCE(t.name, '') AS team \
     FROM complaints c LEFT JOIN customers cu ON cu.id = c.customer_id \
     LEFT JOIN complaint_teams t ON t.id = c.team_id";

fn complaint_of(r: &AnyRow) -> Complaint {
    let json = |c: &str| serde_json::from_str(&get_s(r, c)).unwrap_or(serde_json::Value::Null);
    Complaint {
        id: get_i(r, "id"),
        received_at: get_s(r, "received_at"),
        channel: get_s(r, "channel"),
        place: get_s(r, "place"),
        customer_id: r.try_get::<Option<i64>, _>("customer_id").ok().flatten(),
        customer_name: get_s(r, "customer_name"),
        customer_external_id: get_s(r, "customer_external_id"),
        caller: get_s(r, "caller"),
        situation: get_s(r, "situation"),
        product: get_s(r, "product"),
        cause: get_s(r, "cause"),
        severity: get_s(r, "severity"),
        wants: serde_json::from_str(&get_s(r, "wants")).unwrap_or_default(),
        assignee: get_s(r, "assignee"),
        team_id: r.try_get::<Option<i64>, _>("team_id").ok().flatten(),
        team: get_s(r, "team"),
        state: get_s(r, "state"),
        handling: json("handling"),
        acknowledged_at: get_os(r, "acknowledged_at"),
        resolved_at: get_os(r, "resolved_at"),
        closed_at: get_os(r, "closed_at"),
        on_the_spot: get_i(r, "on_the_spot") != 0,
        ack_warn_at: get_s(r, "ack_warn_at"),
        ack_due_at: get_s(r, "ack_due_at"),
        resolve_warn_at: get_s(r, "resolve_warn_at"),
        resolve_due_at: get_s(r, "resolve_due_at"),
        timers_done: get_s(r, "timers_done"),
        next_timer_at: get_os(r, "next_timer_at"),
        escalated_to: get_s(r, "escalated_to"),
        version: get_i(r, "version"),
        created_by: get_s(r, "created_by"),
        created_at: get_s(r, "created_at"),
        updated_at: get_s(r, "updated_at"),
    }
}

fn event_of(r: &AnyRow) -> Event {
    Event {
        id: get_i(r, "id"),
        complaint_id: get_i(r, "complaint_id"),
        at: get_s(r, "at"),
        actor: get_s(r, "actor"),
        kind: get_s(r, "kind"),
        from_state: get_s(r, "from_state"),
        to_state: get_s(r, "to_state"),
        note: get_s(r, "note"),
        changes: serde_json::from_str(&get_s(r, "changes")).unwrap_or_default(),
    }
}

/// A complaint's task as lists read it: the care task with its case's customer and state.
const TASK_COLS: &str = "k.id, k.complaint_id, k.kind, k.assignee, k.due_at, k.done_at, k.result, \
    k.created_at, COALESCE(cu.name, c.caller) AS customer_name, c.state";

fn task_of(r: &AnyRow) -> Task {
    Task {
        id: get_i(r, "id"),
        complaint_id: get_i(r, "complaint_id"),
        kind: get_s(r, "kind"),
        assignee: get_s(r, "assignee"),
        due_at: get_s(r, "due_at"),
        done_at: get_os(r, "done_at"),
        result: get_s(r, "result"),
        created_at: get_s(r, "created_at"),
        customer_name: get_s(r, "customer_name"),
        state: get_s(r, "state"),
    }
}

/// The WHERE clause of a filter and its text arguments in order ($1 …).
fn filter_sql(f: &Filter) -> (String, Vec<String>) {
    let mut conds: Vec<String> = Vec::new();
    let mut args: Vec<String> = Vec::new();
    let mut arg = |conds: &mut Vec<String>, sql: &str, v: String| {
        args.push(v);
        conds.push(sql.replace("?", &format!("${}", args.len())));
    };
    match f.state.as_str() {
        "" => {}
        "open" => conds.push("c.state <> 'closed'".into()),
        // Still being worked: not resolved yet.
        "unresolved" => conds.push("c.state NOT IN ('resolved', 'followed_up', 'closed')".into()),
        s => arg(&mut conds, "c.state = ?", s.to_string()),
    }
    if !f.severity.is_empty() {
        arg(&mut conds, "c.severity = ?", f.severity.clone());
    }
    if !f.cause.is_empty() {
        arg(&mut conds, "c.cause = ?", f.cause.clone());
    }
    if let Some(a) = &f.assignee {
        arg(&mut conds, "c.assignee = ?", a.clone());
    }
    if let Some(e) = &f.escalated_to {
        arg(&mut conds, "c.escalated_to = ?", e.clone());
    }
    if let Some(c) = f.customer_id {
        arg(
            &mut conds,
            "c.customer_id = CAST(? AS BIGINT)",
            c.to_string(),
        );
    }
    if let Some(now) = &f.overdue_at {
        args.push(now.clone());
        let n = args.len();
        conds.push(format!(
            "c.state <> 'closed' AND ((c.acknowledged_at IS NULL AND c.ack_due_at < ${n}) \
             OR (c.resolved_at IS NULL AND c.resolve_due_at < ${n}))"
        ));
    }
    let q = f.q.trim().to_lowercase();
    if !q.is_empty() {
        let like = format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        args.push(q.trim_start_matches('#').to_string());
        let exact = args.len();
        args.push(like);
        let n = args.len();
        conds.push(format!(
            "(CAST(c.id AS TEXT) = ${exact} OR LOWER(c.situation) LIKE ${n} ESCAPE '\\' \
             OR LOWER(c.caller) LIKE ${n} ESCAPE '\\' OR c.customer_id IN (SELECT id FROM customers \
             WHERE LOWER(name) LIKE ${n} ESCAPE '\\' OR LOWER(external_id) LIKE ${n} ESCAPE '\\'))"
        ));
    }
    if let Some(teams) = &f.teams {
        let mut any: Vec<String> = teams
            .iter()
            .map(|t| format!("c.team_id = {}", *t))
            .collect();
        if let Some(a) = &f.also_assignee {
            args.push(a.clone());
            any.push(format!("c.assignee = ${}", args.len()));
        }
        if any.is_empty() {
            any.push("1 = 0".into());
        }
        conds.push(format!("({})", any.join(" OR ")));
    }
    let sql = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    (sql, args)
}

impl Store {
    /// Record a new case and its first history entry.
    pub async fn create_complaint(&self, c: &NewComplaint<'_>) -> Result<Complaint> {
        let now = domain::time::now_stored();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO complaints (received_at, channel, place, customer_id, caller, situation, product, severity, wants, \
             assignee, team_id, state, ack_warn_at, ack_due_at, resolve_warn_at, resolve_due_at, next_timer_at, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'received', $12, $13, $14, $15, $16, $17, $18, $18) RETURNING id",
        )
        .bind(c.received_at)
        .bind(c.channel)
        .bind(c.place)
        .bind(c.customer_id)
        .bind(c.caller)
        .bind(c.situation)
        .bind(c.product)
        .bind(c.severity)
        .bind(serde_json::to_string(c.wants).unwrap_or_else(|_| "[]".into()))
        .bind(c.assignee)
        .bind(c.team_id)
        .bind(&c.due[0])
        .bind(&c.due[1])
        .bind(&c.due[2])
        .bind(&c.due[3])
        .bind(c.next_timer_at.as_deref())
        .bind(c.created_by)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from_db)?;
        let changes = serde_json::json!({
            "severity": c.severity, "channel": c.channel, "assignee": c.assignee,
        });
        // The history starts when the case came in (recorded later: still when it came in).
        let received = if c.received_at < now.as_str() {
            c.received_at
        } else {
            now.as_str()
        };
        insert_event(
            &mut tx,
            id,
            received,
            c.created_by,
            "created",
            "",
            "received",
            c.situation,
            &changes,
        )
        .await?;
        crate::audit::write(
            &mut tx,
            c.created_by,
            "create",
            "complaint",
            &id.to_string(),
            c.severity,
        )
        .await?;
        tx.commit().await?;
        self.complaint(id).await
    }

    pub async fn complaint(&self, id: i64) -> Result<Complaint> {
        sqlx::query(&format!("{SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| complaint_of(&r))
            .ok_or(StoreError::NotFound)
    }

    /// A page of cases, most recently received first, and how many match (`known_total` when
    /// the caller has a recent count).
    pub async fn complaints(
        &self,
        f: &Filter,
        known_total: Option<i64>,
    ) -> Result<(Vec<Complaint>, i64)> {
        let (cond, args) = filter_sql(f);
        // The page's ids first, from the index alone (a deep page skips index entries, not
        // whole rows with their joins), then those rows.
        let order = if f.by_due {
            "c.resolve_due_at, c.id"
        } else {
            "c.received_at DESC, c.id DESC"
        };
        let sql = format!(
            "{SELECT} JOIN (SELECT c.id AS page_id FROM complaints c{cond} \
             ORDER BY {order} LIMIT {} OFFSET {}) p ON p.page_id = c.id ORDER BY {order}",
            f.limit.clamp(1, 1000),
            f.offset.max(0)
        );
        let mut q = sqlx::query(&sql);
        for a in &args {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let total = match known_total {
            Some(n) => n,
            None => {
                let count_sql = format!("SELECT COUNT(*) FROM complaints c{cond}");
                let mut q = sqlx::query_scalar::<_, i64>(&count_sql);
                for a in &args {
                    q = q.bind(a);
                }
                q.fetch_one(&self.pool).await?
            }
        };
        Ok((rows.iter().map(complaint_of).collect(), total))
    }

    pub async fn complaint_events(&self, id: i64) -> Result<Vec<Event>> {
        Ok(
            sqlx::query("SELECT * FROM complaint_events WHERE complaint_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(event_of)
                .collect(),
        )
    }

    /// Take a step on a case at the version its actor saw: the case, its history entry and
    /// any follow-up task in one transaction.
    pub async fn complaint_step(&self, id: i64, s: &Step<'_>) -> Result<Complaint> {
        let mut tx = self.begin_write().await?;
        let (resolve_warn, resolve_due) = match &s.resolve_due {
            Some((w, d)) => (Some(w.as_str()), Some(d.as_str())),
            None => (None, None),
        };
        let done = sqlx::query(
            "UPDATE complaints SET state = $3, handling = $4, cause = $5, acknowledged_at = $6, resolved_at = $7, \
             closed_at = $8, on_the_spot = $9, resolve_warn_at = COALESCE($10, resolve_warn_at), \
             resolve_due_at = COALESCE($11, resolve_due_at), timers_done = $12, next_timer_at = $13, assignee = $14, \
             team_id = $15, escalated_to = $16, customer_id = $17, updated_at = $18, version = version + 1 \
             WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(s.expected_version)
        .bind(s.to_state)
        .bind(s.handling.to_string())
        .bind(s.cause)
        .bind(s.acknowledged_at)
        .bind(s.resolved_at)
        .bind(s.closed_at)
        .bind(i64::from(s.on_the_spot))
        .bind(resolve_warn)
        .bind(resolve_due)
        .bind(s.timers_done)
        .bind(s.next_timer_at.as_deref())
        .bind(s.assignee)
        .bind(s.team_id)
        .bind(s.escalated_to)
        .bind(s.customer_id)
        .bind(s.at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_db)?;
        if done.rows_affected() == 0 {
            return Err(Store::version_refusal(&mut tx, "complaints", id).await?);
        }
        insert_event(
            &mut tx,
            id,
            s.at,
            s.actor,
            s.kind,
            s.from_state,
            s.to_state,
            s.note,
            &s.changes,
        )
        .await?;
        if s.finish_tasks {
            sqlx::query(
                "UPDATE care_tasks SET state = 'done', done_at = $2, done_by = $3, result = $4 \
                 WHERE complaint_id = $1 AND state = 'open'",
            )
            .bind(id)
            .bind(s.at)
            .bind(s.actor)
            .bind(s.note)
            .execute(&mut *tx)
            .await?;
        }
        for (user, text) in &s.notify {
            crate::care::notify(&mut tx, user, text, &format!("/complaints/{id}"), s.at).await?;
        }
        for (r, to, payload) in &s.mail {
            crate::care::queue_mail(&mut tx, r, to, payload, s.at).await?;
        }
        tx.commit().await?;
        self.complaint(id).await
    }

    /// Open cases whose next timer is due at `now`, oldest timer first.
    pub async fn complaints_with_due_timers(
        &self,
        now: &str,
        limit: i64,
    ) -> Result<Vec<Complaint>> {
        Ok(sqlx::query(&format!(
            "{SELECT} WHERE c.next_timer_at IS NOT NULL AND c.next_timer_at <= $1 \
             ORDER BY c.next_timer_at LIMIT {}",
            limit.clamp(1, 10_000)
        ))
        .bind(now)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(complaint_of)
        .collect())
    }

    /// Tasks, open ones first by due time; only `assignee`'s if given.
    pub async fn complaint_tasks(
        &self,
        assignee: Option<&str>,
        complaint_id: Option<i64>,
        open_only: bool,
    ) -> Result<Vec<Task>> {
        // Bound, not written into the text: one prepared statement serves every case.
        let mut conds = vec!["k.complaint_id IS NOT NULL".to_string()];
        if assignee.is_some() {
            conds.push("k.assignee = $1".to_string());
        }
        if complaint_id.is_some() {
            conds.push(format!(
                "k.complaint_id = ${}",
                1 + usize::from(assignee.is_some())
            ));
        }
        if open_only {
            conds.push("k.state = 'open'".into());
        }
        let cond = format!(" WHERE {}", conds.join(" AND "));
        let sql = format!(
            "SELECT {TASK_COLS} FROM care_tasks k \
             JOIN complaints c ON c.id = k.complaint_id LEFT JOIN customers cu ON cu.id = c.customer_id{cond} \
             ORDER BY (k.state = 'open') DESC, k.due_at, k.id LIMIT 500"
        );
        let mut q = sqlx::query(&sql);
        if let Some(a) = assignee {
            q = q.bind(a);
        }
        if let Some(c) = complaint_id {
            q = q.bind(c);
        }
        Ok(q.fetch_all(&self.pool).await?.iter().map(task_of).collect())
    }

    pub async fn complaint_task(&self, id: i64) -> Result<Task> {
        sqlx::query(&format!(
            "SELECT {TASK_COLS} FROM care_tasks k \
             JOIN complaints c ON c.id = k.complaint_id LEFT JOIN customers cu ON cu.id = c.customer_id \
             WHERE k.id = $1 AND k.complaint_id IS NOT NULL"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| task_of(&r))
        .ok_or(StoreError::NotFound)
    }

    /// Mark a task done with its result (once).
    pub async fn finish_complaint_task(
        &self,
        id: i64,
        result: &str,
        at: &str,
        by: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE care_tasks SET state = 'done', done_at = $2, result = $3, done_by = $4 \
             WHERE id = $1 AND state = 'open' AND complaint_id IS NOT NULL",
        )
        .bind(id)
        .bind(at)
        .bind(result)
        .bind(by)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A random sample of purchases since `since`: (customer, when), for the demo's complaints.
    pub async fn random_purchases(&self, since: &str, n: i64) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query(&format!(
            "SELECT customer_id, occurred_at FROM transactions WHERE occurred_at >= $1 ORDER BY random() LIMIT {}",
            n.clamp(0, 100_000)
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| (get_i(r, "customer_id"), get_s(r, "occurred_at")))
        .collect())
    }

    /// Whether the customer bought in (from, to].
    pub async fn bought_between(&self, customer_id: i64, from: &str, to: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM transactions WHERE customer_id = $1 AND occurred_at > $2 AND occurred_at <= $3",
        )
        .bind(customer_id)
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Customers with an open complaint of these severities, among `ids`.
    pub async fn customers_with_open_complaints(
        &self,
        ids: &[i64],
        severities: &[&str],
    ) -> Result<Vec<i64>> {
        if ids.is_empty() || severities.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let sev = severities
            .iter()
            .map(|s| format!("'{}'", s.replace('\'', "")))
            .collect::<Vec<_>>()
            .join(",");
        Ok(sqlx::query_scalar(&format!(
            "SELECT DISTINCT customer_id FROM complaints WHERE state <> 'closed' \
             AND severity IN ({sev}) AND customer_id IN ({list})"
        ))
        .fetch_all(&self.pool)
        .await?)
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert_event(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    at: &str,
    actor: &str,
    kind: &str,
    from: &str,
    to: &str,
    note: &str,
    changes: &serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO complaint_events (complaint_id, at, actor, kind, from_state, to_state, note, changes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(at)
    .bind(actor)
    .bind(kind)
    .bind(from)
    .bind(to)
    .bind(note)
    .bind(changes.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
