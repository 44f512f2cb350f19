//! Win-back (SPEC.md §4, the seeds' 挽回流失客户): managers see the valuable customers at risk or
//! gone (by value at risk), the churn types and causes over time and the win-back rate per type,
//! cause and agent, and create tasks; everyone who works tasks sees their queue and takes each
//! task through the seeds' steps on its page. A customer's churn type is confirmed or corrected
//! from the profile.

use crate::loyalty::{form_urlencoded_pairs, money, pct};
use crate::{actor, answer, error_page, page, Answer, Layout, WebCtx};
use app::App;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::churn::{ChurnType, Outcome, TaskState, WinbackStep};
use domain::Lang;
use serde::Deserialize;
use serde_json::json;
use storage::churn::winback::WinbackTask;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/churn/winback", get(winback_page))
        .route("/churn/winback/tasks/{id}", get(task_page))
        .route("/churn/winback/tasks/{id}/steps", post(step))
        .route("/customers/{id}/churn-type", post(confirm))
}

pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub external_id: String,
    pub status: &'static str,
    pub value_at_risk: String,
    pub last_purchase: String,
    pub p_alive: String,
}

pub struct TaskRow {
    pub id: i64,
    pub customer_id: i64,
    pub customer: String,
    pub state: &'static str,
    pub due: String,
    pub overdue: bool,
    pub assignee: String,
    pub churn_type: &'static str,
    pub outcome: &'static str,
    pub value_at_risk: String,
}

pub struct RateLine {
    pub label: String,
    pub closed: i64,
    pub won_back: i64,
    pub bought_again: i64,
    pub rate: String,
}

#[derive(Template)]
#[template(path = "winback.html")]
struct WinbackPage {
    l: Layout,
    can_view_all: bool,
    can_manage: bool,
    candidates: Vec<Candidate>,
    candidates_total: i64,
    tasks: Vec<TaskRow>,
    rates: Vec<(String, Vec<RateLine>)>,
    rate_days: u32,
    overall: Option<RateLine>,
    assignees: Vec<String>,
    charts: String,
    error: Option<String>,
}

impl WinbackPage {
    fn pick(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.l.lang.pick(zh, en)
    }
}

fn day(s: &str) -> String {
    s.get(..10).unwrap_or(s).to_string()
}

fn task_row(t: WinbackTask, lang: Lang, now: &str) -> TaskRow {
    TaskRow {
        overdue: t.state != "closed" && t.due_at.as_str() < now,
        id: t.id,
        customer_id: t.customer_id,
        customer: t.customer_name,
        state: TaskState::parse(&t.state).map_or("—", |s| s.label(lang)),
        due: day(&t.due_at),
        assignee: t.assignee,
        churn_type: ChurnType::parse(&t.churn_type).map_or("—", |c| c.label(lang)),
        outcome: Outcome::parse(&t.outcome).map_or("", |o| o.label(lang)),
        value_at_risk: money(t.value_at_risk),
    }
}

fn rate_line(r: &app::churn::winback::RateRow) -> RateLine {
    RateLine {
        label: r.label.clone(),
        closed: r.closed,
        won_back: r.won_back,
        bought_again: r.bought_again,
        rate: pct(r.rate),
    }
}

async fn winback_page(State(app): State<App>, ctx: WebCtx) -> Response {
    render(&app, &ctx, None).await
}

async fn render(app: &App, ctx: &WebCtx, error: Option<String>) -> Response {
    let a = actor(ctx);
    let lang = a.lang;
    if let Err(e) = a.require(Permission::ViewCases) {
        return error_page(ctx, e);
    }
    let all = a.role.can(Permission::ViewAllCases) && a.role.can(Permission::ViewAnalytics);
    let result = async {
        let tasks = app.winback_tasks(a, false, false, None).await?;
        if !all {
            return Ok::<_, app::AppError>((tasks, Vec::new(), 0, None, Vec::new(), Vec::new()));
        }
        let (cands, total) = app.winback_candidates(a, 50).await?;
        let rates = app.winback_rates(a).await?;
        let counts = app.churn_type_counts(a).await?;
        let users = app.store.list_users().await?;
        Ok((tasks, cands, total, Some(rates), counts, users))
    }
    .await;
    let (tasks, cands, candidates_total, rates, counts, users) = match result {
        Ok(v) => v,
        Err(e) => return error_page(ctx, e),
    };
    let now = domain::time::now_stored();
    let settings = app
        .loyalty_settings()
        .await
        .map(|s| s.churn)
        .unwrap_or_default();
    // Churn types by cause per month: one stacked series per cause.
    let mut months: Vec<String> = counts.iter().map(|c| c.month.clone()).collect();
    months.sort();
    months.dedup();
    let mut causes: Vec<String> = counts.iter().map(|c| c.cause.clone()).collect();
    causes.sort();
    causes.dedup();
    let series: Vec<serde_json::Value> = causes
        .iter()
        .map(|cause| {
            let name = settings.cause(cause).map_or_else(
                || lang.pick("原因未定", "cause not set").to_string(),
                |c| c.label(lang).to_string(),
            );
            let data: Vec<i64> = months
                .iter()
                .map(|m| {
                    counts
                        .iter()
                        .filter(|c| &c.month == m && &c.cause == cause)
                        .map(|c| c.customers)
                        .sum()
                })
                .collect();
            json!({"name": name, "data": data})
        })
        .collect();
    let by_type: Vec<serde_json::Value> = ChurnType::ALL
        .iter()
        .map(|t| {
            let n: i64 = counts
                .iter()
                .filter(|c| c.churn_type == t.code())
                .map(|c| c.customers)
                .sum();
            json!({"name": t.label(lang), "value": n})
        })
        .collect();
    let charts = json!({
        "months": months,
        "causes": series,
        "types": by_type,
        "labels": {
            "types_by_cause": lang.pick("流失客户按原因（按确认或提议的月份）", "Churned customers by cause (month confirmed or proposed)"),
            "mix": lang.pick("流失类型（已确认，否则为提议）", "Churn types (confirmed, else proposed)"),
            "customers": lang.pick("客户数", "Customers"),
        }
    })
    .to_string();
    let rate_groups = rates
        .as_ref()
        .map(|r| {
            vec![
                (
                    lang.pick("按流失类型", "By churn type").to_string(),
                    r.by_type.iter().map(rate_line).collect(),
                ),
                (
                    lang.pick("按流失原因", "By cause").to_string(),
                    r.by_cause.iter().map(rate_line).collect(),
                ),
                (
                    lang.pick("按负责人", "By agent").to_string(),
                    r.by_agent.iter().map(rate_line).collect(),
                ),
            ]
        })
        .unwrap_or_default();
    page(WinbackPage {
        l: Layout::new(ctx, "area.churn"),
        can_view_all: all,
        can_manage: a.role.can(Permission::ManageCases),
        candidates: cands
            .into_iter()
            .map(|r| Candidate {
                id: r.profile.customer_id,
                name: r.name,
                external_id: r.external_id,
                status: domain::churn::Status::parse(&r.profile.churn_status)
                    .map_or("—", |s| s.label(lang)),
                value_at_risk: money(r.profile.value_at_risk),
                last_purchase: r.last_purchase,
                p_alive: format!("{:.2}", r.p_alive),
            })
            .collect(),
        candidates_total,
        tasks: tasks.into_iter().map(|t| task_row(t, lang, &now)).collect(),
        rate_days: rates.as_ref().map_or(settings.winback_days, |r| r.days),
        overall: rates.as_ref().map(|r| rate_line(&r.overall)),
        rates: rate_groups,
        assignees: users
            .into_iter()
            .filter(|u| u.active && u.role.can(Permission::EditCases))
            .map(|u| u.username)
            .collect(),
        charts,
        error,
    })
}

#[derive(Template)]
#[template(path = "winback_task.html")]
struct TaskPage {
    l: Layout,
    t: WinbackTask,
    state: &'static str,
    churn_type: &'static str,
    outcome: &'static str,
    can_step: bool,
    steps: Vec<&'static str>,
    outcomes: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

impl TaskPage {
    fn pick(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.l.lang.pick(zh, en)
    }
    fn t_save(&self) -> &'static str {
        self.l.lang.t("action.save")
    }
    fn has(&self, s: &str) -> bool {
        self.steps.contains(&s)
    }
}

async fn task_page(State(app): State<App>, ctx: WebCtx, Path(id): Path<i64>) -> Response {
    render_task(&app, &ctx, id, None).await
}

async fn render_task(app: &App, ctx: &WebCtx, id: i64, error: Option<String>) -> Response {
    let a = actor(ctx);
    let lang = a.lang;
    let t = match app.winback_task(a, id).await {
        Ok(t) => t,
        Err(e) => return error_page(ctx, e),
    };
    let from = TaskState::parse(&t.state).unwrap_or(TaskState::Open);
    let probe = [
        (
            "contact",
            WinbackStep::Contact {
                apologised: true,
                unhappy_with: String::new(),
            },
        ),
        ("remedy", WinbackStep::Remedy { remedy: "x".into() }),
        (
            "won_back",
            WinbackStep::Outcome {
                outcome: Outcome::WonBack,
                note: String::new(),
            },
        ),
        (
            "unreachable",
            WinbackStep::Outcome {
                outcome: Outcome::Unreachable,
                note: String::new(),
            },
        ),
    ];
    let steps: Vec<&'static str> = probe
        .iter()
        .filter(|(_, s)| s.next(from).is_ok())
        .map(|(k, _)| *k)
        .collect();
    let outcomes = Outcome::ALL
        .iter()
        .filter(|o| {
            steps.contains(&if **o == Outcome::Unreachable {
                "unreachable"
            } else {
                "won_back"
            })
        })
        .map(|o| (o.code(), o.label(lang)))
        .collect();
    page(TaskPage {
        l: Layout::new(ctx, "area.churn"),
        state: from.label(lang),
        churn_type: ChurnType::parse(&t.churn_type).map_or("—", |c| c.label(lang)),
        outcome: Outcome::parse(&t.outcome).map_or("", |o| o.label(lang)),
        can_step: a.role.can(Permission::EditCases)
            && (t.assignee == a.username || a.role.can(Permission::ManageCases)),
        t,
        steps,
        outcomes,
        error,
    })
}

async fn step(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Response {
    let pairs = form_urlencoded_pairs(&body);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let lang = ctx.actor.lang;
    let r = async {
        ctx.check_csrf(&get("csrf"))?;
        let version: i64 = get("version")
            .parse()
            .map_err(|_| app::AppError::field(lang, "version", "?"))?;
        let s = match get("step").as_str() {
            "contact" => WinbackStep::Contact {
                apologised: get("apologised") == "1",
                unhappy_with: get("unhappy_with"),
            },
            "remedy" => WinbackStep::Remedy {
                remedy: get("remedy"),
            },
            "outcome" => WinbackStep::Outcome {
                outcome: Outcome::parse(&get("outcome")).ok_or_else(|| {
                    app::AppError::field(
                        lang,
                        "outcome",
                        lang.pick("请选择结果", "choose an outcome"),
                    )
                })?,
                note: get("note"),
            },
            _ => {
                return Err(app::AppError::field(
                    lang,
                    "step",
                    lang.pick("未知步骤", "unknown step"),
                ))
            }
        };
        app.winback_step(actor(&ctx), id, version, &s).await
    }
    .await;
    match answer(&ctx, r, |t| format!("/churn/winback/tasks/{}", t.id)) {
        Answer::Page(r) => r,
        Answer::Again(m) => render_task(&app, &ctx, id, Some(m)).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfirmForm {
    csrf: String,
    version: String,
    churn_type: String,
    cause: String,
    exit_reason: String,
}

async fn confirm(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<ConfirmForm>,
) -> Response {
    let r = async {
        ctx.check_csrf(&f.csrf)?;
        let req = app::churn::winback::ConfirmRequest {
            version: f.version.trim().parse().ok(),
            churn_type: f.churn_type.clone(),
            cause: f.cause.clone(),
            exit_reason: f.exit_reason.clone(),
        };
        app.confirm_churn_type(actor(&ctx), id, &req).await
    }
    .await;
    match answer(&ctx, r, |_| format!("/customers/{id}#loyalty")) {
        Answer::Page(r) => r,
        // A refused correction: the profile again, saying why.
        Answer::Again(m) => {
            let mut r = crate::customers::render_profile(&app, &ctx, id, None, Some(m)).await;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
    }
}

/// The loyalty and churn card of a customer's profile.
pub struct LoyaltyCard {
    pub type_label: String,
    pub partial: bool,
    pub advice: String,
    pub reasons: Vec<String>,
    pub status: &'static str,
    pub rule: &'static str,
    pub value_at_risk: String,
    pub proposed: &'static str,
    pub evidence: Vec<String>,
    pub confirmed: &'static str,
    pub cause: String,
    pub exit_reason: String,
    pub confirmed_by: String,
    pub version: String,
    pub history: Vec<String>,
    pub tasks: Vec<TaskRow>,
    pub can_confirm: bool,
    pub types: Vec<(&'static str, &'static str)>,
    pub causes: Vec<(String, String)>,
    pub current_type: String,
    pub current_cause: String,
}

impl LoyaltyCard {
    pub fn is_type(&self, c: &str) -> bool {
        self.current_type == c
    }
    pub fn is_cause(&self, c: &str) -> bool {
        self.current_cause == c
    }
}

/// The card, or none when the customer has neither a classification nor a churn assessment.
pub async fn loyalty_card(app: &App, ctx: &WebCtx, id: i64) -> Option<LoyaltyCard> {
    let a = actor(ctx);
    let lang = a.lang;
    let c = app.customer_loyalty(a, id).await.ok()?;
    if c.profile.is_none() && c.assessment.is_none() && c.tasks.is_empty() {
        return None;
    }
    let settings = app
        .loyalty_settings()
        .await
        .map(|s| s.churn)
        .unwrap_or_default();
    let now = domain::time::now_stored();
    let p = c.profile.as_ref();
    let rule = match p.map(|p| p.churn_rule.as_str()) {
        Some("p_alive") => lang.pick("依据：存活概率", "by P(alive)"),
        Some("inactivity") => lang.pick("依据：未购间隔", "by inactivity against own rhythm"),
        Some("one_time") => lang.pick(
            "依据：只买过一次，距今天数",
            "one-time buyer: days since the purchase",
        ),
        Some("contract") => lang.pick("依据：合同解约", "by contract cancellation"),
        _ => "",
    };
    let a_ = c.assessment.as_ref();
    let evidence = a_
        .and_then(|a| {
            serde_json::from_value::<Vec<domain::churn::EvidenceItem>>(a.evidence.clone()).ok()
        })
        .unwrap_or_default()
        .iter()
        .map(|e| {
            if e.detail.is_empty() {
                e.kind.label(lang).to_string()
            } else {
                format!("{}：{}", e.kind.label(lang), e.detail)
            }
        })
        .collect();
    let cause_label = |code: &str| {
        settings
            .cause(code)
            .map_or(String::new(), |c| c.label(lang).to_string())
    };
    Some(LoyaltyCard {
        type_label: c.type_label.clone(),
        partial: c.partial,
        advice: c.advice.clone(),
        reasons: c.reasons.clone(),
        status: p
            .and_then(|p| domain::churn::Status::parse(&p.churn_status))
            .map_or("—", |s| s.label(lang)),
        rule,
        value_at_risk: p.map_or(String::new(), |p| money(p.value_at_risk)),
        proposed: a_
            .and_then(|a| ChurnType::parse(&a.proposed_type))
            .map_or("", |t| t.label(lang)),
        evidence,
        confirmed: a_
            .and_then(|a| ChurnType::parse(&a.churn_type))
            .map_or("", |t| t.label(lang)),
        cause: a_.map_or(String::new(), |a| cause_label(&a.cause)),
        exit_reason: a_.map_or(String::new(), |a| a.exit_reason.clone()),
        confirmed_by: a_.map_or(String::new(), |a| a.confirmed_by.clone()),
        version: a_.map_or(String::new(), |a| a.version.to_string()),
        history: c
            .history
            .iter()
            .map(|h| {
                format!(
                    "{} {} · {} → {}{}",
                    h.at.get(..16).unwrap_or(&h.at).replace('T', " "),
                    h.actor,
                    ChurnType::parse(&h.proposed_type).map_or("—", |t| t.label(lang)),
                    ChurnType::parse(&h.churn_type).map_or("—", |t| t.label(lang)),
                    if h.cause.is_empty() {
                        String::new()
                    } else {
                        format!(" · {}", cause_label(&h.cause))
                    }
                )
            })
            .collect(),
        tasks: c
            .tasks
            .iter()
            .cloned()
            .map(|t| task_row(t, lang, &now))
            .collect(),
        can_confirm: a.role.can(Permission::ManageCases),
        types: ChurnType::ALL
            .iter()
            .map(|t| (t.code(), t.label(lang)))
            .collect(),
        causes: settings
            .causes
            .iter()
            .map(|c| (c.code.clone(), c.label(lang).to_string()))
            .collect(),
        current_type: a_.map_or(String::new(), |a| {
            if a.churn_type.is_empty() {
                a.proposed_type.clone()
            } else {
                a.churn_type.clone()
            }
        }),
        current_cause: a_.map_or(String::new(), |a| a.cause.clone()),
    })
}
