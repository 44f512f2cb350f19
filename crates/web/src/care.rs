//! The Care pages (SPEC.md §6): the rules with what each did (fired, dry runs, messages sent or
//! failed, tasks open or done), ready rules to add in one click (in dry run first), a rule's
//! page — what it does in words, whom it would hit today, its latest firings — the delivery log
//! of e-mails and webhooks, the signed-in user's care tasks, and the notification bell.

use crate::care_form::{RuleFormParts, RuleFormView};
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
use std::collections::HashMap;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/care", get(care_page))
        .route("/care/templates", post(add_template))
        .route("/care/rules", post(create_rule))
        .route("/care/rules/{id}", get(rule_page).post(update_rule))
        .route("/care/tasks/{id}/close", post(close_task))
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
    /// Index, name, trigger, and whether a rule of that name exists already.
    /// Index, name, trigger, already added, needs e-mail set up first.
    templates: Vec<(usize, String, &'static str, bool, bool)>,
    messages: Vec<MessageRow>,
    tasks: Vec<storage::care::CareTask>,
    can_manage: bool,
    can_view: bool,
    mail: bool,
    error: String,
    rf: RuleFormParts,
    clock: crate::Clock,
    /// The new-rule form starts open (it came back refused).
    open_form: bool,
}

impl CarePage {
    fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.l.lang.pick(zh, en)
    }
    fn is_open(&self, s: &str) -> bool {
        s == "open"
    }
    fn task_state(&self, s: &str) -> &'static str {
        let l = self.l.lang;
        match s {
            "open" => l.pick("待办", "Open"),
            "done" => l.pick("已完成", "Done"),
            "dismissed" => l.pick("已忽略", "Dismissed"),
            _ => "—",
        }
    }
    fn kind_label(&self, k: &str) -> &'static str {
        match k {
            "email" => self.l.lang.pick("邮件", "E-mail"),
            "webhook" => "Webhook",
            _ => "—",
        }
    }
    fn status_label(&self, s: &str) -> &'static str {
        let l = self.l.lang;
        match s {
            "pending" => l.pick("待发送", "Queued"),
            "sending" => l.pick("发送中", "Sending"),
            "sent" => l.pick("已送达", "Sent"),
            "failed" => l.pick("失败", "Failed"),
            _ => "—",
        }
    }
}

fn modes(lang: Lang) -> Vec<(&'static str, &'static str)> {
    Mode::ALL
        .iter()
        .map(|m| (m.code(), m.label(lang)))
        .collect()
}

async fn care_page(State(app): State<App>, ctx: WebCtx) -> Response {
    render(&app, &ctx, None, None).await
}

async fn render(
    app: &App,
    ctx: &WebCtx,
    error: Option<String>,
    form: Option<RuleFormView>,
) -> Response {
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
    let names: Vec<String> = rules.iter().map(|v| v.rule.name.clone()).collect();
    let mail = matches!(app.smtp_settings().await, Ok(Some(_)));
    let open_form = form.is_some();
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
            .map(|(i, t)| {
                let added = names.contains(&t.name);
                let needs_mail = !mail && domain::care::sends_email(&t);
                (i, t.name, t.trigger.label(lang), added, needs_mail)
            })
            .collect(),
        messages: messages
            .into_iter()
            .map(|m| MessageRow {
                kind: m.kind,
                target: m.target,
                status: m.status,
                attempts: m.attempts,
                error: m.last_error,
                at: m.sent_at.unwrap_or(m.created_at),
            })
            .collect(),
        tasks: app.care_tasks(a, true, None).await.unwrap_or_default(),
        can_manage,
        can_view,
        rf: RuleFormParts::new(
            lang,
            form.unwrap_or_default(),
            "/care/rules".into(),
            0,
            segments(app, ctx).await,
        ),
        clock: crate::Clock::of(app).await,
        open_form,
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
        Answer::Again(m) => refused(render(&app, &ctx, Some(m), None).await),
    }
}

fn refused(mut r: Response) -> Response {
    *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// The saved loyalty segments a rule may require (id, name).
async fn segments(app: &App, ctx: &WebCtx) -> Vec<(i64, String)> {
    app.saved_segments(actor(ctx))
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect()
}

/// The webhook secrets a rule keeps, by action (a changed rule keeps those left empty).
fn secrets(spec: &RuleSpec) -> Vec<Option<String>> {
    spec.actions
        .iter()
        .map(|a| match a {
            Action::Webhook { secret, .. } => Some(secret.clone()),
            _ => None,
        })
        .collect()
}

async fn create_rule(
    State(app): State<App>,
    ctx: WebCtx,
    Form(posted): Form<Vec<(String, String)>>,
) -> Response {
    let posted: HashMap<String, String> = posted.into_iter().collect();
    let view = RuleFormView::posted(&posted);
    let r = async {
        ctx.check_csrf(posted.get("csrf").map_or("", |s| s.as_str()))?;
        let spec = view
            .spec(&posted, &[], ctx.actor.lang)
            .map_err(|fields| app::AppError::invalid(ctx.actor.lang, fields))?;
        app.create_care_rule(actor(&ctx), &spec).await
    }
    .await;
    match answer(&ctx, r, |id| format!("/care/rules/{id}")) {
        Answer::Page(r) => r,
        Answer::Again(m) => refused(render(&app, &ctx, Some(m), Some(view)).await),
    }
}

async fn update_rule(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Response {
    let posted: HashMap<String, String> = posted.into_iter().collect();
    let view = RuleFormView::posted(&posted);
    let r = async {
        ctx.check_csrf(posted.get("csrf").map_or("", |s| s.as_str()))?;
        let a = actor(&ctx);
        let stored = app.care_rule(a, id).await?;
        let old: Option<RuleSpec> = serde_json::from_value(stored.rule.spec).ok();
        let spec = view
            .spec(
                &posted,
                &old.as_ref().map(secrets).unwrap_or_default(),
                a.lang,
            )
            .map_err(|fields| app::AppError::invalid(a.lang, fields))?;
        let version = posted
            .get("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(stored.rule.version);
        app.update_care_rule(a, id, version, &spec).await
    }
    .await;
    match answer(&ctx, r, |_| format!("/care/rules/{id}")) {
        Answer::Page(r) => r,
        Answer::Again(m) => refused(render_rule(&app, &ctx, id, Some(m), Some(view)).await),
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
        Answer::Again(m) => refused(render_rule(&app, &ctx, id, Some(m), None).await),
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
        Answer::Again(m) => refused(render(&app, &ctx, Some(m), None).await),
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
    rf: RuleFormParts,
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
fn describe(s: &RuleSpec, lang: Lang, segment: &dyn Fn(i64) -> String) -> Vec<String> {
    let p = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    let who = |u: &str| {
        if u.trim() == domain::care::AGENT {
            p("处理该投诉的员工", "whoever works the complaint")
        } else if let Some(team) = u.trim().strip_prefix("team:") {
            format!("{} {team}", p("小组", "the team"))
        } else {
            u.to_string()
        }
    };
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
    if let Some(id) = k.saved_segment {
        out.push(format!(
            "{}: {}",
            p("已保存的客户群", "Saved segment"),
            segment(id)
        ));
    }
    for a in &s.actions {
        out.push(match a {
            Action::Task {
                assignee,
                due_days,
                title,
            } => format!(
                "{} {}: “{title}”, {} {due_days} {}",
                p("任务给", "Task for"),
                who(assignee),
                p("期限", "due in"),
                p("天", "days")
            ),
            Action::Email {
                to,
                subject,
                body,
                subject_en,
                body_en,
            } => format!(
                "{} {}: “{}”{}",
                p("发邮件给", "E-mail to"),
                match to {
                    Recipient::Customer => p("客户", "the customer"),
                    Recipient::User { username } => who(username),
                },
                domain::care::email_text(lang, subject, body, subject_en, body_en).0,
                match (subject.trim().is_empty(), subject_en.trim().is_empty()) {
                    (false, false) => p(
                        "（中英文，按收件人的语言）",
                        " (Chinese and English, by the reader's language)"
                    ),
                    (false, true) => p("（中文）", " (Chinese)"),
                    _ => p("（英文）", " (English)"),
                }
            ),
            Action::Webhook { url, shape, .. } => {
                format!("Webhook ({}) → {url}", shape.label(lang))
            }
            Action::Tag { tag } => format!("{} “{tag}”", p("加标签", "Tag")),
            Action::Notify { username, text } => {
                format!("{} {}: “{text}”", p("通知", "Notify"), who(username))
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
    render_rule(&app, &ctx, id, None, None).await
}

async fn render_rule(
    app: &App,
    ctx: &WebCtx,
    id: i64,
    error: Option<String>,
    form: Option<RuleFormView>,
) -> Response {
    let a = actor(ctx);
    let lang = a.lang;
    let view = match app.care_rule(a, id).await {
        Ok(v) => v,
        Err(e) => return error_page(ctx, e),
    };
    let spec: Option<RuleSpec> = serde_json::from_value(view.rule.spec.clone()).ok();
    let hits = app.dry_run_care_rule(a, id).await.unwrap_or_default();
    let clock = crate::Clock::of(app).await;
    let firings = app
        .care_firings(a, id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(_, occ, _, dry, at, detail)| {
            (
                clock.show(&at),
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
    let segments = segments(app, ctx).await;
    let named = |id: i64| {
        segments
            .iter()
            .find(|(s, _)| *s == id)
            .map_or_else(|| format!("#{id}"), |(_, n)| n.clone())
    };
    let summary = spec
        .as_ref()
        .map(|s| describe(s, lang, &named))
        .unwrap_or_default();
    let form = form.or_else(|| spec.as_ref().map(RuleFormView::of));
    page(RulePage {
        l: Layout::new(ctx, "area.care"),
        id,
        version: view.rule.version,
        name: view.rule.name,
        mode: view.rule.mode,
        modes: modes(lang),
        summary,
        rf: RuleFormParts::new(
            lang,
            form.unwrap_or_default(),
            format!("/care/rules/{id}"),
            view.rule.version,
            segments,
        ),
        hits,
        firings,
        can_manage: a.role.can(Permission::ManageCases),
        error: error.unwrap_or_default(),
    })
}

#[derive(Deserialize)]
struct CloseForm {
    csrf: String,
    state: String,
    #[serde(default)]
    result: String,
}

async fn close_task(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<CloseForm>,
) -> Response {
    let r = async {
        ctx.check_csrf(&f.csrf)?;
        app.close_care_task(actor(&ctx), id, &f.state, &f.result)
            .await
    }
    .await;
    match answer(&ctx, r, |_| "/care#care-tasks".to_string()) {
        Answer::Page(r) => r,
        Answer::Again(m) => refused(render(&app, &ctx, Some(m), None).await),
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    l: Layout,
    items: Vec<storage::care::Notification>,
    clock: crate::Clock,
}

async fn notifications_page(State(app): State<App>, ctx: WebCtx) -> Response {
    match app.notifications(actor(&ctx)).await {
        Ok((items, _)) => page(NotificationsPage {
            l: Layout::new(&ctx, "area.care"),
            items,
            clock: crate::Clock::of(&app).await,
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
