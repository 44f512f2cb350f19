//! The Care pages (SPEC.md §6): the rules with what each did (fired, dry runs, messages sent or
//! failed, tasks open or done), ready rules to add in one click (in dry run first), a rule's
//! page — what it does in words, whom it would hit today, its latest firings — the delivery log
//! of e-mails and webhooks, the signed-in user's care tasks, and the notification bell.

use crate::{actor, answer, error_page, page, Answer, Layout, WebCtx};
use app::App;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::care::{Action, Mode, Recipient, RuleSpec, Trigger};
use domain::Lang;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/care", get(care_page))
        .route("/care/templates", post(add_template))
        .route("/care/rules", post(create_rule))
        .route("/care/rules/{id}", get(rule_page))
        .route("/care/rules/{id}/mode", post(set_mode))
        .route("/care/rules/{id}/delete", post(delete))
        .route("/notifications", get(notifications_page))
        .route("/notifications/read", post(read_all))
        .route("/notifications/count", get(count))
}

pub struct RuleRow {
    pub id: i64,
    pub name: String,
    pub trigger: &'static str,
    pub mode: String,
    pub mode_label: &'static str,
    pub fired: i64,
    pub dry_run: i64,
    pub sent: i64,
    pub failed: i64,
    pub pending: i64,
    pub tasks_open: i64,
    pub tasks_done: i64,
    pub bought_again: i64,
    pub dry_bought_again: i64,
}

pub struct MessageRow {
    pub kind: String,
    pub target: String,
    pub status: String,
    pub attempts: i64,
    pub error: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "care.html")]
struct CarePage {
    l: Layout,
    rules: Vec<RuleRow>,
    templates: Vec<(usize, String, &'static str)>,
    messages: Vec<MessageRow>,
    tasks: Vec<storage::care::CareTask>,
    can_manage: bool,
    can_view: bool,
    mail: bool,
    error: String,
    triggers: Vec<(&'static str, &'static str)>,
    placeholders: String,
}

impl CarePage {
    fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.l.lang.pick(zh, en)
    }
}

fn when(s: &str) -> String {
    s.get(..16).unwrap_or(s).replace('T', " ")
}

fn modes(lang: Lang) -> Vec<(&'static str, &'static str)> {
    Mode::ALL
        .iter()
        .map(|m| (m.code(), m.label(lang)))
        .collect()
}

async fn care_page(State(app): State<App>, ctx: WebCtx) -> Response {
    render(&app, &ctx, None).await
}

async fn render(app: &App, ctx: &WebCtx, error: Option<String>) -> Response {
    let a = actor(ctx);
    let lang = a.lang;
    // Agents see their care tasks; the rules are for those who read analyses.
    let can_view = a.role.can(Permission::ViewAnalytics);
    let rules = if can_view {
        match app.care_rules(a).await {
            Ok(r) => r,
            Err(e) => return error_page(ctx, e),
        }
    } else {
        Vec::new()
    };
    let can_manage = a.role.can(Permission::ManageCases);
    let messages = if can_manage {
        app.care_outbox(a, None, 20).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let page_ = CarePage {
        l: Layout::new(ctx, "area.care"),
        rules: rules
            .into_iter()
            .map(|v| {
                let mode = Mode::parse(&v.rule.mode).unwrap_or(Mode::Off);
                RuleRow {
                    id: v.rule.id,
                    name: v.rule.name,
                    trigger: Trigger::parse(&v.rule.trigger).map_or("—", |t| t.label(lang)),
                    mode: mode.code().to_string(),
                    mode_label: mode.label(lang),
                    fired: v.stats.fired,
                    dry_run: v.stats.dry_run,
                    sent: v.stats.messages_sent,
                    failed: v.stats.messages_failed,
                    pending: v.stats.messages_pending,
                    tasks_open: v.stats.tasks_open,
                    tasks_done: v.stats.tasks_done,
                    bought_again: v.stats.bought_again,
                    dry_bought_again: v.stats.dry_run_bought_again,
                }
            })
            .collect(),
        templates: app
            .care_templates(a)
            .into_iter()
            .enumerate()
            .map(|(i, t)| (i, t.name, t.trigger.label(lang)))
            .collect(),
        messages: messages
            .into_iter()
            .map(|m| MessageRow {
                kind: m.kind,
                target: m.target,
                status: m.status,
                attempts: m.attempts,
                error: m.last_error,
                at: when(m.sent_at.as_deref().unwrap_or(&m.created_at)),
            })
            .collect(),
        tasks: app.care_tasks(a, true, None).await.unwrap_or_default(),
        can_manage,
        can_view,
        triggers: Trigger::ALL
            .iter()
            .map(|t| (t.code(), t.label(lang)))
            .collect(),
        placeholders: domain::care::PLACEHOLDERS
            .iter()
            .map(|(p, zh, en)| format!("{{{{{p}}}}} {}", lang.pick(zh, en)))
            .collect::<Vec<_>>()
            .join(" · "),
        mail: app.smtp_settings().await.ok().flatten().is_some(),
        error: error.unwrap_or_default(),
    };
    page(page_)
}

#[derive(Deserialize)]
struct TemplateForm {
    csrf: String,
    index: usize,
}

async fn add_template(
    State(app): State<App>,
    ctx: WebCtx,
    Form(f): Form<TemplateForm>,
) -> Response {
    let r = async {
        ctx.check_csrf(&f.csrf)?;
        app.add_care_template(actor(&ctx), f.index).await
    }
    .await;
    match answer(&ctx, r, |id| format!("/care/rules/{id}")) {
        Answer::Page(r) => r,
        Answer::Again(m) => refused(render(&app, &ctx, Some(m)).await),
    }
}

fn refused(mut r: Response) -> Response {
    *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// A new rule from the page's form: the trigger with its N or threshold, the conditions, and
/// one action (the form's `action` says which fields count).
#[derive(Deserialize, Default)]
#[serde(default)]
struct RuleForm {
    csrf: String,
    name: String,
    trigger: String,
    days: String,
    threshold: String,
    segment: String,
    tag: String,
    channel: String,
    region: String,
    min_clv: String,
    mode: String,
    daily_limit: String,
    action: String,
    assignee: String,
    due_days: String,
    text: String,
    url: String,
    secret: String,
    shape: String,
    subject: String,
}

impl RuleForm {
    /// The spec, or the fields that are not numbers / codes.
    fn spec(&self) -> Result<RuleSpec, Vec<domain::FieldError>> {
        let mut errs = Vec::new();
        let mut num = |field: &str, v: &str, default: f64| -> f64 {
            let v = v.trim();
            if v.is_empty() {
                return default;
            }
            v.parse::<f64>().unwrap_or_else(|_| {
                errs.push(domain::FieldError::new(field, "a number"));
                default
            })
        };
        let days = num("days", &self.days, 0.0);
        let threshold = num("threshold", &self.threshold, 0.0);
        let daily_limit = num("daily_limit", &self.daily_limit, 200.0);
        let due_days = num("due_days", &self.due_days, 1.0);
        let min_clv = (!self.min_clv.trim().is_empty()).then(|| num("min_clv", &self.min_clv, 0.0));
        let trigger = Trigger::parse(&self.trigger);
        if trigger.is_none() {
            errs.push(domain::FieldError::new("trigger", "choose a trigger"));
        }
        let text = self.text.clone();
        let action = match self.action.as_str() {
            "task" => Some(Action::Task {
                assignee: self.assignee.trim().to_string(),
                due_days: due_days.max(0.0) as u32,
                title: text,
            }),
            "notify" => Some(Action::Notify {
                username: self.assignee.trim().to_string(),
                text,
            }),
            "tag" => Some(Action::Tag {
                tag: text.trim().to_string(),
            }),
            "email" => Some(Action::Email {
                to: Recipient::Customer,
                subject: self.subject.clone(),
                body: text,
            }),
            "webhook" => Some(Action::Webhook {
                url: self.url.trim().to_string(),
                secret: self.secret.clone(),
                shape: domain::care::WebhookShape::parse(&self.shape)
                    .unwrap_or(domain::care::WebhookShape::Json),
            }),
            _ => {
                errs.push(domain::FieldError::new("action", "choose an action"));
                None
            }
        };
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(RuleSpec {
            name: self.name.clone(),
            trigger: trigger.unwrap_or(Trigger::LowAnswer),
            days: days.max(0.0).min(u32::MAX as f64) as u32,
            threshold,
            conditions: domain::care::Conditions {
                segment: self.segment.trim().to_string(),
                tag: self.tag.trim().to_string(),
                channel: self.channel.trim().to_string(),
                region: self.region.trim().to_string(),
                min_clv,
            },
            actions: action.into_iter().collect(),
            mode: Mode::parse(&self.mode).unwrap_or(Mode::DryRun),
            daily_limit: daily_limit.max(0.0).min(u32::MAX as f64) as u32,
        })
    }
}

async fn create_rule(State(app): State<App>, ctx: WebCtx, Form(f): Form<RuleForm>) -> Response {
    let r = async {
        ctx.check_csrf(&f.csrf)?;
        let spec = f
            .spec()
            .map_err(|fields| app::AppError::invalid(ctx.actor.lang, fields))?;
        app.create_care_rule(actor(&ctx), &spec).await
    }
    .await;
    match answer(&ctx, r, |id| format!("/care/rules/{id}")) {
        Answer::Page(r) => r,
        Answer::Again(m) => refused(render(&app, &ctx, Some(m)).await),
    }
}

#[derive(Deserialize)]
struct ModeForm {
    csrf: String,
    version: i64,
    mode: String,
}

async fn set_mode(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<ModeForm>,
) -> Response {
    let r = async {
        ctx.check_csrf(&f.csrf)?;
        app.set_care_mode(actor(&ctx), id, f.version, &f.mode).await
    }
    .await;
    match answer(&ctx, r, |_| format!("/care/rules/{id}")) {
        Answer::Page(r) => r,
        Answer::Again(m) => refused(render_rule(&app, &ctx, id, Some(m)).await),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn delete(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let r = async {
        ctx.check_csrf(&f.csrf)?;
        app.delete_care_rule(actor(&ctx), id).await
    }
    .await;
    match answer(&ctx, r, |_| "/care".to_string()) {
        Answer::Page(r) => r,
        Answer::Again(m) => refused(render(&app, &ctx, Some(m)).await),
    }
}

#[derive(Template)]
#[template(path = "care_rule.html")]
struct RulePage {
    l: Layout,
    id: i64,
    version: i64,
    name: String,
    mode: String,
    modes: Vec<(&'static str, &'static str)>,
    summary: Vec<String>,
    hits: Vec<app::care::Hit>,
    firings: Vec<(String, String, bool, String)>,
    can_manage: bool,
    error: String,
}

impl RulePage {
    fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.l.lang.pick(zh, en)
    }
    fn is_mode(&self, m: &str) -> bool {
        self.mode == m
    }
}

/// A rule in words, line by line.
fn describe(s: &RuleSpec, lang: Lang) -> Vec<String> {
    let p = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    let mut out = vec![format!(
        "{}: {}",
        p("触发", "Trigger"),
        s.trigger.label(lang)
    )];
    match s.trigger {
        Trigger::LapsedDate => out.push(format!(
            "{} {} {}",
            p("已", "No purchase for"),
            s.days,
            p("天未购买", "days")
        )),
        Trigger::ComplaintResolved => out.push(format!(
            "{} {} {}",
            p("解决后", ""),
            s.days,
            p("天", "days after the resolution")
        )),
        Trigger::LowAnswer => {
            out.push(format!("{} < {}", p("满意度", "Satisfaction"), s.threshold))
        }
        Trigger::ValueAtRisk => out.push(format!("P(alive) < {}", s.threshold)),
        _ => {}
    }
    let k = &s.conditions;
    for (label, v) in [
        (p("客户分组", "Segment"), &k.segment),
        (p("标签", "Tag"), &k.tag),
        (p("渠道", "Channel"), &k.channel),
        (p("地区", "Region"), &k.region),
    ] {
        if !v.is_empty() {
            out.push(format!("{label} = {v}"));
        }
    }
    if let Some(m) = k.min_clv {
        out.push(format!("CLV ≥ {}", crate::loyalty::money(m)));
    }
    for a in &s.actions {
        out.push(match a {
            Action::Task {
                assignee,
                due_days,
                title,
            } => format!(
                "{} {assignee}: “{title}”, {} {due_days} {}",
                p("任务给", "Task for"),
                p("期限", "due in"),
                p("天", "days")
            ),
            Action::Email { to, subject, .. } => format!(
                "{} {}: “{subject}”",
                p("发邮件给", "E-mail to"),
                match to {
                    Recipient::Customer => p("客户", "the customer"),
                    Recipient::User { username } => username.clone(),
                }
            ),
            Action::Webhook { url, shape, .. } => {
                format!("Webhook ({}) → {url}", shape.label(lang))
            }
            Action::Tag { tag } => format!("{} “{tag}”", p("加标签", "Tag")),
            Action::Notify { username, text } => {
                format!("{} {username}: “{text}”", p("通知", "Notify"))
            }
        });
    }
    out.push(format!(
        "{} {}",
        p("每日上限", "At most a day:"),
        s.daily_limit
    ));
    out
}

async fn rule_page(State(app): State<App>, ctx: WebCtx, Path(id): Path<i64>) -> Response {
    render_rule(&app, &ctx, id, None).await
}

async fn render_rule(app: &App, ctx: &WebCtx, id: i64, error: Option<String>) -> Response {
    let a = actor(ctx);
    let lang = a.lang;
    let view = match app.care_rule(a, id).await {
        Ok(v) => v,
        Err(e) => return error_page(ctx, e),
    };
    let spec: Option<RuleSpec> = serde_json::from_value(view.rule.spec.clone()).ok();
    let hits = app.dry_run_care_rule(a, id).await.unwrap_or_default();
    let firings = app
        .care_firings(a, id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(_, occ, _, dry, at, detail)| {
            (
                when(&at),
                format!(
                    "{} {}",
                    detail["name"].as_str().unwrap_or(""),
                    detail["customer"].as_str().unwrap_or("")
                ),
                dry,
                occ,
            )
        })
        .collect();
    page(RulePage {
        l: Layout::new(ctx, "area.care"),
        id,
        version: view.rule.version,
        name: view.rule.name,
        mode: view.rule.mode,
        modes: modes(lang),
        summary: spec.map(|s| describe(&s, lang)).unwrap_or_default(),
        hits,
        firings,
        can_manage: a.role.can(Permission::ManageCases),
        error: error.unwrap_or_default(),
    })
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    l: Layout,
    items: Vec<storage::care::Notification>,
}

async fn notifications_page(State(app): State<App>, ctx: WebCtx) -> Response {
    match app.notifications(actor(&ctx)).await {
        Ok((items, _)) => page(NotificationsPage {
            l: Layout::new(&ctx, "area.care"),
            items,
        }),
        Err(e) => error_page(&ctx, e),
    }
}

async fn read_all(State(app): State<App>, ctx: WebCtx, Form(f): Form<CsrfForm>) -> Response {
    let r = async {
        ctx.check_csrf(&f.csrf)?;
        app.read_notifications(actor(&ctx)).await
    }
    .await;
    match answer(&ctx, r, |_| "/notifications".to_string()) {
        Answer::Page(r) => r,
        Answer::Again(m) => refused(Html(m).into_response()),
    }
}

/// The bell's count (htmx fills it on every page).
async fn count(State(app): State<App>, ctx: WebCtx) -> Response {
    let n = app
        .notifications(actor(&ctx))
        .await
        .map(|(_, n)| n)
        .unwrap_or(0);
    Html(if n > 0 {
        format!("<span class=\"badge\" id=\"bell-count\">{n}</span>")
    } else {
        String::new()
    })
    .into_response()
}
