//! Churn types and win-back (SPEC.md §4): each churned or at-risk customer's proposed churn type
//! with its evidence and the type and cause staff confirmed (every correction kept in
//! `churn_assessment_events` with who and when), and win-back tasks with their steps and outcome.

use crate::{get_f, get_i, get_os, get_s, Result, Store, StoreError};

/// A customer's churn assessment.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Assessment {
    pub customer_id: i64,
    pub proposed_type: String,
    pub evidence: serde_json::Value,
    /// Confirmed or corrected by staff (empty until then).
    pub churn_type: String,
    pub cause: String,
    pub exit_reason: String,
    pub confirmed_by: String,
    pub confirmed_at: Option<String>,
    pub proposed_at: String,
    pub version: i64,
}

/// One confirmation or correction.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AssessmentEvent {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub proposed_type: String,
    pub churn_type: String,
    pub cause: String,
    pub exit_reason: String,
}

/// Churned customers by month, type and cause (confirmed type, else the proposed one).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TypeCauseCount {
    pub month: String,
    pub churn_type: String,
    pub confirmed: bool,
    pub cause: String,
    pub customers: i64,
}

/// A win-back task with its customer's name.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct WinbackTask {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub external_id: String,
    pub assignee: String,
    pub state: String,
    pub due_at: String,
    pub value_at_risk: f64,
    pub churn_type: String,
    pub cause: String,
    pub apologised: bool,
    pub unhappy_with: String,
    pub remedy: String,
    pub outcome: String,
    pub note: String,
    pub contacted_at: Option<String>,
    pub closed_at: Option<String>,
    pub counts_until: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub version: i64,
}

/// A task to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWinbackTask {
    pub customer_id: i64,
    pub assignee: String,
    pub due_at: String,
    pub value_at_risk: f64,
    pub churn_type: String,
    pub cause: String,
}

/// What a step writes (the app decided it is allowed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WinbackUpdate {
    pub state: String,
    pub apologised: Option<bool>,
    pub unhappy_with: Option<String>,
    pub remedy: Option<String>,
    pub outcome: Option<String>,
    pub note: Option<String>,
    pub contacted_at: Option<String>,
    pub closed_at: Option<String>,
    pub counts_until: Option<String>,
}

/// Which tasks a list shows.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub assignee: Option<String>,
    pub customer_id: Option<i64>,
    pub open_only: bool,
}

/// A closed task's outcome for the win-back rate: (churn type, cause, assignee, outcome,
/// bought again within the window).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClosedTask {
    pub churn_type: String,
    pub cause: String,
    pub assignee: String,
    pub outcome: String,
    pub bought_again: bool,
}

fn assessment_from(r: &sqlx::any::AnyRow) -> Assessment {
    Assessment {
        customer_id: get_i(r, "customer_id"),
        proposed_type: get_s(r, "proposed_type"),
        evidence: serde_json::from_str(&get_s(r, "evidence")).unwrap_or_default(),
        churn_type: get_s(r, "churn_type"),
        cause: get_s(r, "cause"),
        exit_reason: get_s(r, "exit_reason"),
        confirmed_by: get_s(r, "confirmed_by"),
        confirmed_at: get_os(r, "confirmed_at"),
        proposed_at: get_s(r, "proposed_at"),
        version: get_i(r, "version"),
    }
}

fn task_from(r: &sqlx::any::AnyRow) -> WinbackTask {
    WinbackTask {
        id: get_i(r, "id"),
        customer_id: get_i(r, "customer_id"),
        customer_name: get_s(r, "customer_name"),
        external_id: get_s(r, "external_id"),
        assignee: get_s(r, "assignee"),
        state: get_s(r, "state"),
        due_at: get_s(r, "due_at"),
        value_at_risk: get_f(r, "value_at_risk"),
        churn_type: get_s(r, "churn_type"),
        cause: get_s(r, "cause"),
        apologised: get_i(r, "apologised") != 0,
        unhappy_with: get_s(r, "unhappy_with"),
        remedy: get_s(r, "remedy"),
        outcome: get_s(r, "outcome"),
        note: get_s(r, "note"),
        contacted_at: get_os(r, "contacted_at"),
        closed_at: get_os(r, "closed_at"),
        counts_until: get_os(r, "counts_until"),
        created_by: get_s(r, "created_by"),
        created_at: get_s(r, "created_at"),
        version: get_i(r, "version"),
    }
}

const TASK_SELECT: &str = "SELECT t.*, c.name AS customer_name, c.external_id FROM winback_tasks t JOIN customers c ON c.id = t.customer_id";

impl Store {
    /// Save proposals (customer, proposed type, evidence JSON) for many customers; a confirmed
    /// type stays as staff set it.
    pub async fn save_churn_proposals(
        &self,
        proposals: &[(i64, String, serde_json::Value)],
    ) -> Result<()> {
        let now = domain::time::now_stored();
        for chunk in proposals.chunks(500) {
            let mut tx = self.begin_write().await?;
            for (customer, proposed, evidence) in chunk {
                sqlx::query(
                    "INSERT INTO churn_assessments (customer_id, proposed_type, evidence, proposed_at) \
                     SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM customers WHERE id = $1) \
                     ON CONFLICT (customer_id) DO UPDATE SET proposed_type = excluded.proposed_type, \
                       evidence = excluded.evidence, proposed_at = excluded.proposed_at",
                )
                .bind(*customer)
                .bind(proposed.as_str())
                .bind(evidence.to_string())
                .bind(&now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }

    /// Exit reasons staff recorded, by customer.
    pub async fn exit_reasons(&self) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query(
            "SELECT customer_id, exit_reason FROM churn_assessments WHERE exit_reason <> ''",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| (get_i(r, "customer_id"), get_s(r, "exit_reason")))
        .collect())
    }

    pub async fn churn_assessment(&self, customer_id: i64) -> Result<Option<Assessment>> {
        Ok(
            sqlx::query("SELECT * FROM churn_assessments WHERE customer_id = $1")
                .bind(customer_id)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(assessment_from),
        )
    }

    pub async fn churn_assessment_events(&self, customer_id: i64) -> Result<Vec<AssessmentEvent>> {
        Ok(
            sqlx::query("SELECT * FROM churn_assessment_events WHERE customer_id = $1 ORDER BY id")
                .bind(customer_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| AssessmentEvent {
                    id: get_i(r, "id"),
                    at: get_s(r, "at"),
                    actor: get_s(r, "actor"),
                    proposed_type: get_s(r, "proposed_type"),
                    churn_type: get_s(r, "churn_type"),
                    cause: get_s(r, "cause"),
                    exit_reason: get_s(r, "exit_reason"),
                })
                .collect(),
        )
    }

    /// Confirm or correct a customer's churn type and cause at the version the person saw
    /// (`None` when there was no assessment yet), keeping the change in the history.
    pub async fn confirm_churn_type(
        &self,
        customer_id: i64,
        version: Option<i64>,
        churn_type: &str,
        cause: &str,
        exit_reason: &str,
        actor: &str,
    ) -> Result<Assessment> {
        let now = domain::time::now_stored();
        let mut tx = self.begin_write().await?;
        let current: Option<(i64, String)> = sqlx::query(
            "SELECT version, proposed_type FROM churn_assessments WHERE customer_id = $1",
        )
        .bind(customer_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| (get_i(&r, "version"), get_s(&r, "proposed_type")));
        let proposed = match (current, version) {
            (Some((v, p)), Some(expected)) if v == expected => {
                sqlx::query(
                    "UPDATE churn_assessments SET churn_type = $1, cause = $2, exit_reason = $3, confirmed_by = $4, \
                     confirmed_at = $5, version = version + 1 WHERE customer_id = $6",
                )
                .bind(churn_type)
                .bind(cause)
                .bind(exit_reason)
                .bind(actor)
                .bind(&now)
                .bind(customer_id)
                .execute(&mut *tx)
                .await?;
                p
            }
            (Some((v, _)), _) => return Err(StoreError::VersionConflict { current: v }),
            (None, Some(_)) => return Err(StoreError::VersionConflict { current: 0 }),
            (None, None) => {
                sqlx::query(
                    "INSERT INTO churn_assessments (customer_id, churn_type, cause, exit_reason, confirmed_by, confirmed_at, proposed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6)",
                )
                .bind(customer_id)
                .bind(churn_type)
                .bind(cause)
                .bind(exit_reason)
                .bind(actor)
                .bind(&now)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_db)?;
                String::new()
            }
        };
        sqlx::query(
            "INSERT INTO churn_assessment_events (customer_id, at, actor, proposed_type, churn_type, cause, exit_reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(customer_id)
        .bind(&now)
        .bind(actor)
        .bind(proposed)
        .bind(churn_type)
        .bind(cause)
        .bind(exit_reason)
        .execute(&mut *tx)
        .await?;
        crate::audit::write(
            &mut tx,
            actor,
            "confirm_churn_type",
            "customer",
            &customer_id.to_string(),
            churn_type,
        )
        .await?;
        let row = sqlx::query("SELECT * FROM churn_assessments WHERE customer_id = $1")
            .bind(customer_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(assessment_from(&row))
    }

    /// Assessed customers by month (of confirmation, else proposal), type and cause.
    pub async fn churn_type_counts(&self) -> Result<Vec<TypeCauseCount>> {
        Ok(sqlx::query(
            "SELECT substr(COALESCE(confirmed_at, proposed_at), 1, 7) AS month, \
               CASE WHEN churn_type <> '' THEN churn_type ELSE proposed_type END AS t, \
               CASE WHEN churn_type <> '' THEN 1 ELSE 0 END AS confirmed, cause, CAST(COUNT(*) AS BIGINT) AS n \
             FROM churn_assessments WHERE churn_type <> '' OR proposed_type <> '' \
             GROUP BY 1, 2, 3, 4 ORDER BY 1, 2",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| TypeCauseCount {
            month: get_s(r, "month"),
            churn_type: get_s(r, "t"),
            confirmed: get_i(r, "confirmed") != 0,
            cause: get_s(r, "cause"),
            customers: get_i(r, "n"),
        })
        .collect())
    }

    /// Create tasks in one transaction, skipping customers who already have an open task;
    /// returns the new ids. An unknown customer refuses the whole batch.
    pub async fn create_winback_tasks(
        &self,
        tasks: &[NewWinbackTask],
        actor: &str,
    ) -> Result<Vec<i64>> {
        let now = domain::time::now_stored();
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::new();
        for t in tasks {
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM customers WHERE id = $1")
                .bind(t.customer_id)
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Err(StoreError::UnknownReference(format!(
                    "customer {}",
                    t.customer_id
                )));
            }
            let open: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM winback_tasks WHERE customer_id = $1 AND state <> 'closed' LIMIT 1",
            )
            .bind(t.customer_id)
            .fetch_optional(&mut *tx)
            .await?;
            if open.is_some() {
                continue;
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO winback_tasks (customer_id, assignee, due_at, value_at_risk, churn_type, cause, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(t.customer_id)
            .bind(t.assignee.as_str())
            .bind(t.due_at.as_str())
            .bind(t.value_at_risk)
            .bind(t.churn_type.as_str())
            .bind(t.cause.as_str())
            .bind(actor)
            .bind(&now)
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::from_db)?;
            crate::audit::write(
                &mut tx,
                actor,
                "create_winback_task",
                "customer",
                &t.customer_id.to_string(),
                &id.to_string(),
            )
            .await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    pub async fn winback_task(&self, id: i64) -> Result<WinbackTask> {
        sqlx::query(&format!("{TASK_SELECT} WHERE t.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(task_from)
            .ok_or(StoreError::NotFound)
    }

    /// Tasks by due time (open first), filtered.
    pub async fn winback_tasks(&self, f: &TaskFilter, limit: i64) -> Result<Vec<WinbackTask>> {
        let mut cond = vec!["1 = 1".to_string()];
        let mut n = 0;
        if f.assignee.is_some() {
            n += 1;
            cond.push(format!("t.assignee = ${n}"));
        }
        if f.customer_id.is_some() {
            n += 1;
            cond.push(format!("t.customer_id = ${n}"));
        }
        if f.open_only {
            cond.push("t.state <> 'closed'".into());
        }
        let sql = format!(
            "{TASK_SELECT} WHERE {} ORDER BY CASE WHEN t.state = 'closed' THEN 1 ELSE 0 END, t.due_at, t.id LIMIT {}",
            cond.join(" AND "),
            limit.clamp(1, 1000)
        );
        let mut q = sqlx::query(&sql);
        if let Some(a) = &f.assignee {
            q = q.bind(a.clone());
        }
        if let Some(c) = f.customer_id {
            q = q.bind(c);
        }
        Ok(q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(task_from)
            .collect())
    }

    /// Write a step at the version the person saw.
    pub async fn update_winback_task(
        &self,
        id: i64,
        version: i64,
        u: &WinbackUpdate,
        actor: &str,
    ) -> Result<WinbackTask> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE winback_tasks SET state = $1, apologised = COALESCE($2, apologised), \
             unhappy_with = COALESCE($3, unhappy_with), remedy = COALESCE($4, remedy), outcome = COALESCE($5, outcome), \
             note = COALESCE($6, note), contacted_at = COALESCE($7, contacted_at), closed_at = COALESCE($8, closed_at), \
             counts_until = COALESCE($9, counts_until), version = version + 1 WHERE id = $10 AND version = $11",
        )
        .bind(u.state.as_str())
        .bind(u.apologised.map(i64::from))
        .bind(u.unhappy_with.clone())
        .bind(u.remedy.clone())
        .bind(u.outcome.clone())
        .bind(u.note.clone())
        .bind(u.contacted_at.clone())
        .bind(u.closed_at.clone())
        .bind(u.counts_until.clone())
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        finish_task_update(tx, n, id, actor, "winback_step", &u.state).await
    }

    /// Reassign a task at a version.
    pub async fn assign_winback_task(
        &self,
        id: i64,
        version: i64,
        assignee: &str,
        actor: &str,
    ) -> Result<WinbackTask> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE winback_tasks SET assignee = $1, version = version + 1 WHERE id = $2 AND version = $3")
            .bind(assignee)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        finish_task_update(tx, n, id, actor, "assign", assignee).await
    }

    /// Move a task's instants into the past (the demo's tasks were worked weeks ago).
    pub async fn backdate_winback_task(
        &self,
        id: i64,
        created: &str,
        due: &str,
        closed: Option<(&str, &str)>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE winback_tasks SET created_at = $1, due_at = $2, \
             contacted_at = CASE WHEN contacted_at IS NULL THEN NULL ELSE $1 END, \
             closed_at = CASE WHEN closed_at IS NULL THEN NULL ELSE $3 END, \
             counts_until = CASE WHEN counts_until IS NULL THEN NULL ELSE $4 END WHERE id = $5",
        )
        .bind(created)
        .bind(due)
        .bind(closed.map(|c| c.0))
        .bind(closed.map(|c| c.1))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether the customer bought (not a return) on or after `since`.
    pub async fn bought_since(&self, customer_id: i64, since: &str) -> Result<bool> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM transactions WHERE customer_id = $1 AND is_return = 0 AND occurred_at >= $2",
        )
        .bind(customer_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await?
            > 0)
    }

    /// Every closed task with whether its customer bought again (not a return) between the
    /// outcome and the end of the counting window.
    pub async fn closed_winback_tasks(&self) -> Result<Vec<ClosedTask>> {
        Ok(sqlx::query(
            "SELECT t.churn_type, t.cause, t.assignee, t.outcome, \
               CASE WHEN t.outcome = 'won_back' AND EXISTS (SELECT 1 FROM transactions x WHERE x.customer_id = t.customer_id \
                 AND x.is_return = 0 AND x.occurred_at >= t.closed_at AND x.occurred_at < t.counts_until) THEN 1 ELSE 0 END AS bought \
             FROM winback_tasks t WHERE t.state = 'closed'",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| ClosedTask {
            churn_type: get_s(r, "churn_type"),
            cause: get_s(r, "cause"),
            assignee: get_s(r, "assignee"),
            outcome: get_s(r, "outcome"),
            bought_again: get_i(r, "bought") != 0,
        })
        .collect())
    }
}

/// After an update at a version: the refusal when it touched no row, else the audit entry, the
/// task as it is now, and the commit.
async fn finish_task_update(
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    updated: u64,
    id: i64,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<WinbackTask> {
    if updated == 0 {
        return Err(Store::version_refusal(&mut tx, "winback_tasks", id).await?);
    }
    crate::audit::write(
        &mut tx,
        actor,
        action,
        "winback_task",
        &id.to_string(),
        detail,
    )
    .await?;
    let row = sqlx::query(&format!("{TASK_SELECT} WHERE t.id = $1"))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(task_from(&row))
}
