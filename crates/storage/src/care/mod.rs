//! Care automation storage (SPEC.md §6): the rules, one firing per rule and occurrence (the
//! unique key makes a firing happen once however often the sweep or the event runs), what a
//! firing does to the store — care tasks, tags, notifications and outbox messages — written in
//! the firing's own transaction, and the outbox the sender drains (durable: a message is in the
//! table before anything tries to send it).

mod candidates;
mod outbox;

pub use candidates::{Candidate, CandidateQuery};
pub(crate) use outbox::{notify, queue_mail};
pub use outbox::{Attempt, OutboxItem, SMTP_KEY};

use crate::{get_i, get_os, get_s, Result, Store, StoreError};
use domain::time::now_stored;

/// A stored rule: the spec as JSON (`domain::care::RuleSpec`) and what the sweep has covered.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CareRule {
    pub id: i64,
    pub name: String,
    pub trigger: String,
    pub mode: String,
    pub spec: serde_json::Value,
    /// The last day (`YYYY-MM-DD`, company time) the daily sweep evaluated for this rule.
    pub swept_through: String,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

fn rule_from(r: &sqlx::any::AnyRow) -> CareRule {
    CareRule {
        id: get_i(r, "id"),
        name: get_s(r, "name"),
        trigger: get_s(r, "trigger_kind"),
        mode: get_s(r, "mode"),
        spec: serde_json::from_str(&get_s(r, "spec")).unwrap_or_default(),
        swept_through: get_s(r, "swept_through"),
        version: get_i(r, "version"),
        created_by: get_s(r, "created_by"),
        created_at: get_s(r, "created_at"),
        updated_at: get_s(r, "updated_at"),
    }
}

/// One occurrence a rule hit, with what to do about it.
#[derive(Debug, Clone, Default)]
pub struct Firing {
    pub rule_id: i64,
    /// What makes the occurrence unique for the rule (`customer:42:2026-12-07`, `response:9`).
    pub occurrence: String,
    pub customer_id: Option<i64>,
    pub dry_run: bool,
    pub detail: serde_json::Value,
    pub effects: Vec<Effect>,
}

/// What a firing changes, all in its transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Task {
        assignee: String,
        title: String,
        due_at: String,
        /// The complaint the task is about (its follow-up visit), and the task's kind
        /// (`care`, `follow_up`).
        complaint_id: Option<i64>,
        kind: String,
    },
    Tag(String),
    Notify {
        username: String,
        text: String,
        link: String,
    },
    /// A message for the sender: kind (`email`, `webhook`), target (address, URL), payload.
    Outbox {
        kind: String,
        target: String,
        payload: serde_json::Value,
    },
}

/// Days after a firing in which a purchase counts as "bought again".
pub const BOUGHT_AGAIN_DAYS: i64 = 30;

/// A rule's firings and what came of them. "Bought again": customers with a purchase (not a
/// return) within [`BOUGHT_AGAIN_DAYS`] after the firing — for those the rule acted on, and for
/// those a dry run only recorded (the comparable group nobody touched).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct FiringStats {
    pub fired: i64,
    pub dry_run: i64,
    pub bought_again: i64,
    pub dry_run_bought_again: i64,
    pub messages_sent: i64,
    pub messages_failed: i64,
    pub messages_pending: i64,
    pub tasks_done: i64,
    pub tasks_open: i64,
}

impl Store {
    pub async fn care_rules(&self) -> Result<Vec<CareRule>> {
        Ok(sqlx::query("SELECT * FROM care_rules ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(rule_from)
            .collect())
    }

    pub async fn care_rule(&self, id: i64) -> Result<CareRule> {
        sqlx::query("SELECT * FROM care_rules WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(rule_from)
            .ok_or(StoreError::NotFound)
    }

    pub async fn create_care_rule(
        &self,
        name: &str,
        trigger: &str,
        mode: &str,
        spec: &serde_json::Value,
        actor: &str,
    ) -> Result<i64> {
        let now = now_stored();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO care_rules (name, trigger_kind, mode, spec, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(name)
        .bind(trigger)
        .bind(mode)
        .bind(spec.to_string())
        .bind(actor)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from_db)?;
        crate::audit::write(&mut tx, actor, "create", "care_rule", &id.to_string(), name).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Replace a rule's spec at `version` (stale: a version conflict).
    pub async fn update_care_rule(
        &self,
        id: i64,
        version: i64,
        name: &str,
        mode: &str,
        spec: &serde_json::Value,
        actor: &str,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE care_rules SET name = $1, mode = $2, spec = $3, trigger_kind = $4, \
             version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7",
        )
        .bind(name)
        .bind(mode)
        .bind(spec.to_string())
        .bind(spec["trigger"].as_str().unwrap_or_default())
        .bind(now_stored())
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_db)?
        .rows_affected();
        if n == 0 {
            return Err(Store::version_refusal(&mut tx, "care_rules", id).await?);
        }
        crate::audit::write(&mut tx, actor, "update", "care_rule", &id.to_string(), mode).await?;
        tx.commit().await?;
        Ok(version + 1)
    }

    pub async fn delete_care_rule(&self, id: i64, actor: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("DELETE FROM care_rules WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        crate::audit::write(&mut tx, actor, "delete", "care_rule", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Record that the daily sweep covered `day` for a rule.
    pub async fn set_care_swept(&self, id: i64, day: &str) -> Result<()> {
        sqlx::query("UPDATE care_rules SET swept_through = $1 WHERE id = $2")
            .bind(day)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Firings of a rule since `since` (live or dry run): the daily limit counts them.
    pub async fn care_firings_since(
        &self,
        rule_id: i64,
        since: &str,
        dry_run: bool,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM care_firings WHERE rule_id = $1 AND fired_at >= $2 AND dry_run = $3",
        )
        .bind(rule_id)
        .bind(since)
        .bind(i64::from(dry_run))
        .fetch_one(&self.pool)
        .await?)
    }

    /// Fire once: the firing and every effect in one transaction, or nothing when the rule
    /// already fired for this occurrence (then `None`). Returns the firing's id.
    pub async fn fire(&self, f: &Firing) -> Result<Option<i64>> {
        let now = now_stored();
        let mut tx = self.begin_write().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO care_firings (rule_id, occurrence, customer_id, dry_run, fired_at, window_end, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (rule_id, occurrence, dry_run) DO NOTHING RETURNING id",
        )
        .bind(f.rule_id)
        .bind(&f.occurrence)
        .bind(f.customer_id)
        .bind(i64::from(f.dry_run))
        .bind(&now)
        .bind(domain::time::to_stored(
            chrono::Utc::now() + chrono::Duration::days(BOUGHT_AGAIN_DAYS),
        ))
        .bind(f.detail.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Ok(None);
        };
        for e in f.effects.iter().filter(|_| !f.dry_run) {
            match e {
                Effect::Task {
                    assignee,
                    title,
                    due_at,
                    complaint_id,
                    kind,
                } => {
                    sqlx::query(
                        "INSERT INTO care_tasks (customer_id, firing_id, rule_id, assignee, title, due_at, created_at, complaint_id, kind) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(f.customer_id)
                    .bind(id)
                    .bind(f.rule_id)
                    .bind(assignee)
                    .bind(title)
                    .bind(due_at)
                    .bind(&now)
                    .bind(complaint_id)
                    .bind(kind)
                    .execute(&mut *tx)
                    .await?;
                }
                Effect::Tag(tag) => {
                    let Some(c) = f.customer_id else { continue };
                    let tags: Option<String> =
                        sqlx::query_scalar("SELECT tags FROM customers WHERE id = $1")
                            .bind(c)
                            .fetch_optional(&mut *tx)
                            .await?;
                    let mut list: Vec<String> = tags
                        .and_then(|t| serde_json::from_str(&t).ok())
                        .unwrap_or_default();
                    if !list.iter().any(|t| t == tag) {
                        list.push(tag.clone());
                        sqlx::query("UPDATE customers SET tags = $1, version = version + 1, updated_at = $2 WHERE id = $3")
                            .bind(serde_json::to_string(&list).unwrap_or_default())
                            .bind(&now)
                            .bind(c)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                Effect::Notify {
                    username,
                    text,
                    link,
                } => notify(&mut tx, username, text, link, &now).await?,
                Effect::Outbox {
                    kind,
                    target,
                    payload,
                } => {
                    sqlx::query(
                        "INSERT INTO outbox (kind, firing_id, target, payload, next_attempt_at, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $5)",
                    )
                    .bind(kind)
                    .bind(id)
                    .bind(target)
                    .bind(payload.to_string())
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(Some(id))
    }

    /// What a rule's firings did.
    pub async fn care_stats(&self, rule_id: i64) -> Result<FiringStats> {
        let r = sqlx::query(
            "SELECT \
               CAST((SELECT COUNT(*) FROM care_firings WHERE rule_id = $1 AND dry_run = 0) AS BIGINT) AS fired, \
               CAST((SELECT COUNT(*) FROM care_firings WHERE rule_id = $1 AND dry_run = 1) AS BIGINT) AS dry, \
               CAST((SELECT COUNT(*) FROM outbox o JOIN care_firings f ON f.id = o.firing_id WHERE f.rule_id = $1 AND o.status = 'sent') AS BIGINT) AS sent, \
               CAST((SELECT COUNT(*) FROM outbox o JOIN care_firings f ON f.id = o.firing_id WHERE f.rule_id = $1 AND o.status = 'failed') AS BIGINT) AS failed, \
               CAST((SELECT COUNT(*) FROM outbox o JOIN care_firings f ON f.id = o.firing_id WHERE f.rule_id = $1 AND o.status IN ('pending', 'sending')) AS BIGINT) AS pending, \
               CAST((SELECT COUNT(*) FROM care_tasks WHERE rule_id = $1 AND state = 'done') AS BIGINT) AS done, \
               CAST((SELECT COUNT(*) FROM care_tasks WHERE rule_id = $1 AND state = 'open') AS BIGINT) AS open, \
               CAST((SELECT COUNT(*) FROM care_firings f WHERE f.rule_id = $1 AND f.dry_run = 0 AND EXISTS \
                 (SELECT 1 FROM transactions t WHERE t.customer_id = f.customer_id AND t.is_return = 0 \
                  AND t.occurred_at > f.fired_at AND t.occurred_at <= f.window_end)) AS BIGINT) AS again, \
               CAST((SELECT COUNT(*) FROM care_firings f WHERE f.rule_id = $1 AND f.dry_run = 1 AND EXISTS \
                 (SELECT 1 FROM transactions t WHERE t.customer_id = f.customer_id AND t.is_return = 0 \
                  AND t.occurred_at > f.fired_at AND t.occurred_at <= f.window_end)) AS BIGINT) AS dry_again",
        )
        .bind(rule_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(FiringStats {
            fired: get_i(&r, "fired"),
            dry_run: get_i(&r, "dry"),
            messages_sent: get_i(&r, "sent"),
            messages_failed: get_i(&r, "failed"),
            messages_pending: get_i(&r, "pending"),
            tasks_done: get_i(&r, "done"),
            tasks_open: get_i(&r, "open"),
            bought_again: get_i(&r, "again"),
            dry_run_bought_again: get_i(&r, "dry_again"),
        })
    }

    /// A rule's latest firings: (id, occurrence, customer id, dry run, fired at, detail).
    pub async fn care_firings(
        &self,
        rule_id: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, Option<i64>, bool, String, serde_json::Value)>> {
        Ok(sqlx::query(
            "SELECT id, occurrence, customer_id, dry_run, fired_at, detail FROM care_firings \
             WHERE rule_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(rule_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            (
                get_i(r, "id"),
                get_s(r, "occurrence"),
                sqlx::Row::try_get::<Option<i64>, _>(r, "customer_id")
                    .ok()
                    .flatten(),
                get_i(r, "dry_run") != 0,
                get_s(r, "fired_at"),
                serde_json::from_str(&get_s(r, "detail")).unwrap_or_default(),
            )
        })
        .collect())
    }

    /// Care tasks: (id, customer id, assignee, title, due at, state) of an assignee or a
    /// customer, newest first.
    pub async fn care_tasks(
        &self,
        assignee: Option<&str>,
        customer_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<CareTask>> {
        let mut conds = vec!["1 = 1".to_string()];
        let mut binds: Vec<String> = Vec::new();
        if let Some(a) = assignee {
            binds.push(a.to_string());
            // One's own, and one's team's (a task for the team: `team:NAME`).
            let n = binds.len();
            conds.push(format!(
                "(assignee = ${n} OR assignee IN (SELECT 'team:' || t.name FROM complaint_teams t \
                 JOIN team_members m ON m.team_id = t.id WHERE m.username = ${n}))"
            ));
        }
        if let Some(c) = customer_id {
            binds.push(c.to_string());
            conds.push(format!("customer_id = CAST(${} AS BIGINT)", binds.len()));
        }
        let sql = format!(
            "SELECT * FROM care_tasks WHERE {} ORDER BY state DESC, due_at, id LIMIT {}",
            conds.join(" AND "),
            limit.clamp(1, 1000)
        );
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        Ok(q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(care_task_of)
            .collect())
    }

    /// Whether `username` is in the team named `team`.
    pub async fn in_team(&self, username: &str, team: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM team_members m JOIN complaint_teams t \
             ON t.id = m.team_id WHERE m.username = $1 AND t.name = $2",
        )
        .bind(username)
        .bind(team)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// A care task, by id.
    pub async fn care_task(&self, id: i64) -> Result<CareTask> {
        let sql = "SELECT * FROM care_tasks WHERE id = $1";
        let row = sqlx::query(sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(care_task_of(&row))
    }

    /// A care task staff add by hand (from a customer's profile): in the assignee's queue, a
    /// notification to them when someone else gave it, and a line in the audit log — one
    /// transaction.
    pub async fn add_care_task(
        &self,
        customer_id: i64,
        assignee: &str,
        title: &str,
        due_at: &str,
        actor: &str,
        notice: &str,
    ) -> Result<CareTask> {
        let mut tx = self.begin_write().await?;
        let now = now_stored();
        let ext: String = sqlx::query_scalar("SELECT external_id FROM customers WHERE id = $1")
            .bind(customer_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO care_tasks (customer_id, assignee, title, due_at, created_at, kind) \
             VALUES ($1, $2, $3, $4, $5, 'care') RETURNING id",
        )
        .bind(customer_id)
        .bind(assignee)
        .bind(title)
        .bind(due_at)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        if assignee != actor && !assignee.starts_with("team:") {
            notify(
                &mut tx,
                assignee,
                notice,
                &format!("/customers/{customer_id}"),
                &now,
            )
            .await?;
        }
        crate::audit::write(
            &mut tx,
            actor,
            "create",
            "care_task",
            &id.to_string(),
            &format!("{ext}: {title} → {assignee}"),
        )
        .await?;
        tx.commit().await?;
        self.care_task(id).await
    }

    /// Close an open care task that is not a complaint's follow-up visit (that one is done by
    /// the case's follow-up step): `done` with what came of it, or `dismissed`. False if it
    /// was not open.
    pub async fn close_care_task(
        &self,
        id: i64,
        state: &str,
        result: &str,
        by: &str,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE care_tasks SET state = $2, result = $3, done_by = $4, done_at = $5 \
             WHERE id = $1 AND state = 'open' AND complaint_id IS NULL",
        )
        .bind(id)
        .bind(state)
        .bind(result)
        .bind(by)
        .bind(now_stored())
        .execute(&self.pool)
        .await?;
        Ok(n.rows_affected() == 1)
    }

    /// An active user's e-mail address and language (`zh-CN`, `en` or empty).
    pub async fn user_email(&self, username: &str) -> Result<Option<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT email, lang FROM users WHERE username = $1 AND active = 1")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// A user's notifications, newest first, and how many are unread.
    pub async fn notifications(
        &self,
        username: &str,
        limit: i64,
    ) -> Result<(Vec<Notification>, i64)> {
        let unread: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM notifications WHERE username = $1 AND read_at IS NULL",
        )
        .bind(username)
        .fetch_one(&self.pool)
        .await?;
        let items = sqlx::query(
            "SELECT * FROM notifications WHERE username = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(username)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Notification {
            id: get_i(r, "id"),
            text: get_s(r, "text"),
            link: get_s(r, "link"),
            created_at: get_s(r, "created_at"),
            read: get_os(r, "read_at").is_some(),
        })
        .collect();
        Ok((items, unread))
    }

    pub async fn mark_notifications_read(&self, username: &str) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE username = $2 AND read_at IS NULL",
        )
        .bind(now_stored())
        .bind(username)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }
}

/// A care task as lists show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CareTask {
    pub id: i64,
    pub customer_id: Option<i64>,
    pub rule_id: Option<i64>,
    /// The complaint a follow-up visit is about (done by the case's follow-up step).
    pub complaint_id: Option<i64>,
    /// `care` or `follow_up`.
    pub kind: String,
    pub assignee: String,
    pub title: String,
    pub due_at: String,
    /// `open`, `done` or `dismissed`.
    pub state: String,
    pub created_at: String,
    pub done_at: Option<String>,
    pub done_by: String,
    pub result: String,
}

fn care_task_of(r: &sqlx::any::AnyRow) -> CareTask {
    CareTask {
        id: get_i(r, "id"),
        customer_id: sqlx::Row::try_get::<Option<i64>, _>(r, "customer_id")
            .ok()
            .flatten(),
        rule_id: sqlx::Row::try_get::<Option<i64>, _>(r, "rule_id")
            .ok()
            .flatten(),
        complaint_id: sqlx::Row::try_get::<Option<i64>, _>(r, "complaint_id")
            .ok()
            .flatten(),
        kind: get_s(r, "kind"),
        assignee: get_s(r, "assignee"),
        title: get_s(r, "title"),
        due_at: get_s(r, "due_at"),
        state: get_s(r, "state"),
        created_at: get_s(r, "created_at"),
        done_at: get_os(r, "done_at"),
        done_by: get_s(r, "done_by"),
        result: get_s(r, "result"),
    }
}

/// A staff notification.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Notification {
    pub id: i64,
    pub text: String,
    pub link: String,
    pub created_at: String,
    pub read: bool,
}
