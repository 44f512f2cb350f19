//! Churn types and win-back (SPEC.md §4, the seeds' 客户流失管理): staff confirm or correct the
//! proposed churn type and cause (each change kept with who and when); managers turn the
//! valuable customers at risk or gone into win-back tasks, one by one or in bulk; the assignee
//! takes the seeds' steps (contact within the shortest time, apologise, record what the customer
//! was unhappy with, agree a remedy, outcome); the win-back rate counts the won-back customers
//! who bought again within N days, per type, cause and agent.

use crate::error::AppError;
use crate::say;
use crate::{Actor, App};
use domain::access::Permission;
use domain::churn::{ChurnType, Outcome, TaskState, WinbackStep};
use domain::FieldError;
use serde::{Deserialize, Serialize};
use storage::churn::winback::{
    Assessment, NewWinbackTask, TaskFilter, TypeCauseCount, WinbackTask, WinbackUpdate,
};

fn text_ok(t: &str, max: usize) -> bool {
    t.chars().count() <= max
        && !t
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
}

/// A confirmation or correction of a customer's churn type.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmRequest {
    /// The assessment's version the person saw (none when there was no assessment).
    pub version: Option<i64>,
    pub churn_type: String,
    pub cause: String,
    pub exit_reason: String,
}

/// Win-back tasks to create.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CreateTasks {
    pub customer_ids: Vec<i64>,
    pub assignee: String,
    /// `YYYY-MM-DD` (the company's day); default: today + the settings' contact days.
    pub due_date: String,
}

/// Won-back rate of one group.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RateRow {
    pub key: String,
    pub label: String,
    pub closed: i64,
    pub won_back: i64,
    pub bought_again: i64,
    /// bought again / closed.
    pub rate: Option<f64>,
}

/// The win-back rate per churn type, cause and agent, and overall.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct WinbackRates {
    pub days: u32,
    pub overall: RateRow,
    pub by_type: Vec<RateRow>,
    pub by_cause: Vec<RateRow>,
    pub by_agent: Vec<RateRow>,
}

impl App {
    /// Confirm or correct a customer's churn type and cause (managers).
    pub async fn confirm_churn_type(
        &self,
        actor: &Actor,
        customer_id: i64,
        r: &ConfirmRequest,
    ) -> Result<Assessment, AppError> {
        actor.require(Permission::ManageCases)?;
        let lang = actor.lang;
        let settings = self.loyalty_settings().await?.churn;
        let mut fields = Vec::new();
        if ChurnType::parse(&r.churn_type).is_none() {
            fields.push(FieldError::new(
                "churn_type",
                say(
                    lang,
                    "应为 natural、competitive、fault 或 severe",
                    "must be natural, competitive, fault or severe",
                ),
            ));
        }
        if !r.cause.is_empty() && settings.cause(&r.cause).is_none() {
            let codes: Vec<&str> = settings.causes.iter().map(|c| c.code.as_str()).collect();
            fields.push(FieldError::new(
                "cause",
                format!(
                    "{} {}",
                    say(lang, "未知的原因，可选：", "unknown cause; one of:"),
                    codes.join(", ")
                ),
            ));
        }
        if !text_ok(&r.exit_reason, 500) {
            fields.push(FieldError::new(
                "exit_reason",
                say(
                    lang,
                    "至多 500 个字符，不含控制字符",
                    "at most 500 characters, no control characters",
                ),
            ));
        }
        if !fields.is_empty() {
            return Err(AppError::invalid(lang, fields));
        }
        self.store
            .customer(customer_id)
            .await
            .map_err(|e| match e {
                storage::StoreError::NotFound => AppError::not_found(lang, "customer"),
                e => e.into(),
            })?;
        Ok(self
            .store
            .confirm_churn_type(
                customer_id,
                r.version,
                &r.churn_type,
                &r.cause,
                r.exit_reason.trim(),
                &actor.username,
            )
            .await?)
    }

    /// Churned and at-risk customers by month, type and cause (the chart).
    pub async fn churn_type_counts(&self, actor: &Actor) -> Result<Vec<TypeCauseCount>, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        Ok(self.store.churn_type_counts().await?)
    }

    /// Create win-back tasks for customers (managers); customers who already have an open task
    /// are skipped. Returns the new tasks' ids.
    pub async fn create_winback_tasks(
        &self,
        actor: &Actor,
        r: &CreateTasks,
    ) -> Result<Vec<i64>, AppError> {
        actor.require(Permission::ManageCases)?;
        let lang = actor.lang;
        let settings = self.loyalty_settings().await?.churn;
        if r.customer_ids.is_empty() || r.customer_ids.len() > 1000 {
            return Err(AppError::field(
                lang,
                "customer_ids",
                say(lang, "选择 1 到 1000 位客户", "choose 1 to 1,000 customers"),
            ));
        }
        let assignee = r.assignee.trim();
        match self.store.user_by_name(assignee).await {
            Ok(u) if u.active && u.role.can(Permission::EditCases) => {}
            _ => {
                return Err(AppError::field(
                    lang,
                    "assignee",
                    format!(
                        "{} “{assignee}”",
                        say(
                            lang,
                            "没有可处理任务的用户",
                            "no user who works tasks named"
                        )
                    ),
                ))
            }
        }
        let due_at = if r.due_date.trim().is_empty() {
            domain::time::to_stored(
                chrono::Utc::now() + chrono::Duration::days(i64::from(settings.contact_days)),
            )
        } else {
            match domain::time::parse_date(r.due_date.trim()) {
                Ok(d) => {
                    domain::time::to_stored(d.and_hms_opt(23, 59, 59).unwrap_or_default().and_utc())
                }
                Err(e) => return Err(AppError::field(lang, "due_date", e)),
            }
        };
        let mut tasks = Vec::with_capacity(r.customer_ids.len());
        for &id in &r.customer_ids {
            let (profile, assessment) = tokio::try_join!(
                self.store.loyalty_profile(id),
                self.store.churn_assessment(id)
            )?;
            let (churn_type, cause) = assessment
                .map(|a| {
                    (
                        if a.churn_type.is_empty() {
                            a.proposed_type
                        } else {
                            a.churn_type
                        },
                        a.cause,
                    )
                })
                .unwrap_or_default();
            tasks.push(NewWinbackTask {
                customer_id: id,
                assignee: assignee.to_string(),
                due_at: due_at.clone(),
                value_at_risk: profile.map_or(0.0, |p| p.value_at_risk),
                churn_type,
                cause,
            });
        }
        let created = self
            .store
            .create_winback_tasks(&tasks, &actor.username)
            .await;
        // The candidates' counts leave out customers with an open task.
        if let Ok(mut m) = self.loyalty_counts.lock() {
            m.clear();
        }
        created.map_err(|e| match e {
            storage::StoreError::UnknownReference(m) => AppError::field(
                lang,
                "customer_ids",
                format!(
                    "{} {}",
                    say(lang, "未知客户：", "unknown customer:"),
                    m.trim_start_matches("customer ")
                ),
            ),
            e => e.into(),
        })
    }

    /// Tasks an actor may see: an agent their own, managers and analysts everyone's.
    pub async fn winback_tasks(
        &self,
        actor: &Actor,
        mine: bool,
        open_only: bool,
        customer_id: Option<i64>,
    ) -> Result<Vec<WinbackTask>, AppError> {
        actor.require(Permission::ViewCases)?;
        let all = actor.role.can(Permission::ViewAllCases);
        let f = TaskFilter {
            assignee: (mine || !all).then(|| actor.username.clone()),
            customer_id,
            open_only,
        };
        Ok(self.store.winback_tasks(&f, 500).await?)
    }

    pub async fn winback_task(&self, actor: &Actor, id: i64) -> Result<WinbackTask, AppError> {
        actor.require(Permission::ViewCases)?;
        let t = self.store.winback_task(id).await.map_err(|e| match e {
            storage::StoreError::NotFound => AppError::not_found(actor.lang, "win-back task"),
            e => e.into(),
        })?;
        if !actor.role.can(Permission::ViewAllCases) && t.assignee != actor.username {
            return Err(AppError::not_found(actor.lang, "win-back task"));
        }
        Ok(t)
    }

    /// Take a step of a task at the version the person saw: its assignee or a manager.
    pub async fn winback_step(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        step: &WinbackStep,
    ) -> Result<WinbackTask, AppError> {
        actor.require(Permission::EditCases)?;
        let lang = actor.lang;
        let t = self.winback_task(actor, id).await?;
        if t.assignee != actor.username && !actor.role.can(Permission::ManageCases) {
            return Err(AppError::forbidden(lang, Permission::ManageCases));
        }
        let from = TaskState::parse(&t.state).unwrap_or(TaskState::Open);
        let to = step.next(from).map_err(|(zh, en)| {
            AppError::new(domain::ErrorCode::InvalidTransition, lang)
                .with_message(lang.pick(&zh, &en).to_string())
                .with_details(serde_json::json!({ "state": t.state }))
        })?;
        let now = domain::time::now_stored();
        let mut u = WinbackUpdate {
            state: to.code().to_string(),
            ..WinbackUpdate::default()
        };
        match step {
            WinbackStep::Contact {
                apologised,
                unhappy_with,
            } => {
                u.apologised = Some(*apologised);
                u.unhappy_with = Some(unhappy_with.trim().to_string());
                u.contacted_at = Some(now);
            }
            WinbackStep::Remedy { remedy } => u.remedy = Some(remedy.trim().to_string()),
            WinbackStep::Outcome { outcome, note } => {
                let days = self.loyalty_settings().await?.churn.winback_days;
                u.outcome = Some(outcome.code().to_string());
                u.note = Some(note.trim().to_string());
                u.counts_until = Some(domain::time::to_stored(
                    chrono::Utc::now() + chrono::Duration::days(i64::from(days)),
                ));
                u.closed_at = Some(now);
            }
        }
        self.store
            .update_winback_task(id, version, &u, &actor.username)
            .await
            .map_err(|e| AppError::from(e).localized(lang))
    }

    /// Reassign a task (managers).
    pub async fn assign_winback_task(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        assignee: &str,
    ) -> Result<WinbackTask, AppError> {
        actor.require(Permission::ManageCases)?;
        match self.store.user_by_name(assignee.trim()).await {
            Ok(u) if u.active && u.role.can(Permission::EditCases) => {}
            _ => {
                return Err(AppError::field(
                    actor.lang,
                    "assignee",
                    say(
                        actor.lang,
                        "没有可处理任务的该用户",
                        "no such user who works tasks",
                    ),
                ))
            }
        }
        self.winback_task(actor, id).await?;
        Ok(self
            .store
            .assign_winback_task(id, version, assignee.trim(), &actor.username)
            .await?)
    }

    /// The win-back rate: of the closed tasks, the share whose customer was won back and bought
    /// again within the settings' window after the outcome; per churn type, cause and agent.
    pub async fn winback_rates(&self, actor: &Actor) -> Result<WinbackRates, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        let lang = actor.lang;
        let settings = self.loyalty_settings().await?.churn;
        let closed = self.store.closed_winback_tasks().await?;
        let group = |key: &dyn Fn(&storage::churn::winback::ClosedTask) -> String,
                     label: &dyn Fn(&str) -> String| {
            let mut m: std::collections::BTreeMap<String, RateRow> = Default::default();
            for t in &closed {
                let k = key(t);
                let r = m.entry(k.clone()).or_insert_with(|| RateRow {
                    label: label(&k),
                    key: k,
                    ..RateRow::default()
                });
                r.closed += 1;
                r.won_back += i64::from(t.outcome == Outcome::WonBack.code());
                r.bought_again += i64::from(t.bought_again);
            }
            m.into_values()
                .map(|mut r| {
                    r.rate = (r.closed > 0).then(|| r.bought_again as f64 / r.closed as f64);
                    r
                })
                .collect::<Vec<_>>()
        };
        let none = say(lang, "（未定）", "(not set)");
        let overall = group(&|_| String::new(), &|_| say(lang, "全部", "All"))
            .pop()
            .unwrap_or_default();
        Ok(WinbackRates {
            days: settings.winback_days,
            overall,
            by_type: group(&|t| t.churn_type.clone(), &|k| {
                ChurnType::parse(k).map_or(none.clone(), |t| t.label(lang).to_string())
            }),
            by_cause: group(&|t| t.cause.clone(), &|k| {
                settings
                    .cause(k)
                    .map_or(none.clone(), |c| c.label(lang).to_string())
            }),
            by_agent: group(&|t| t.assignee.clone(), &|k| k.to_string()),
        })
    }
}
