//! Complaint pages (SPEC.md §3): the case list (mine, overdue, open, all) with the form that
//! records a new complaint, the managers' overview with charts (cause mix per month, response
//! and resolution times, breach rates, the recovery rate) and the lessons from closed reviews;
//! and a case page with its timers, the form of each step it may take next, its history and
//! its follow-up tasks. Free text is shown escaped (askama), never as markup.

use crate::{actor, answer, error_page, page, Answer, Clock, Layout, WebCtx};
use app::complaints::measures::Overview;
use app::complaints::{CaseView, ComplaintInput};
use app::{App, AppError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::complaints::{Action, Cause, Channel, Severity, State as CaseState, Want};
use domain::Lang;
use serde::Deserialize;
use serde_json::json;
use storage::complaints::{Complaint, Filter};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/complaints", get(list_page).post(create))
        .route("/complaints/export", get(export))
        .route("/complaints/bulk", post(bulk))
        .route(
            "/complaints/settings",
            get(crate::complaint_settings::page_get).post(crate::complaint_settings::save),
        )
        .route("/complaints/{id}", get(case_page))
        .route("/complaints/{id}/step", post(take_step))
        .route("/complaints/{id}/assign", post(assign))
        .route(
            "/complaints/{id}/reply",
            post(crate::complaint_reply::reply),
        )
}

/// Codes with their labels in the reader's language, for menus.
fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T, Lang) -> &'static str,
    lang: Lang,
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|v| (code(*v), label(*v, lang))).collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    /// `mine` (default for agents), `overdue`, `escalated`, `open` (default otherwise), `all`.
    view: String,
    page: i64,
    /// For the export: csv, csv-gb18030 or xlsx.
    format: String,
    /// A customer's external id to record a complaint for (the profile's link fills the form).
    customer: String,
    /// Filters within the view: a state, severity or cause code, overdue only, and words.
    state: String,
    severity: String,
    cause: String,
    overdue: String,
    q: String,
}

impl ListQuery {
    /// The view and filters as a query string (for paging, the export and the bulk form's way
    /// back).
    fn query_string(&self, view: &str) -> String {
        let mut s = format!("view={view}");
        for (k, v) in [
            ("state", &self.state),
            ("severity", &self.severity),
            ("cause", &self.cause),
            ("overdue", &self.overdue),
            ("q", &self.q),
        ] {
            if !v.trim().is_empty() {
                s.push_str(&format!("&{k}={}", crate::customers::enc(v.trim())));
            }
        }
        s
    }
}

/// The view's name and its filter for this reader.
fn view_filter(ctx: &WebCtx, q: &ListQuery) -> (String, Filter) {
    let all = ctx.actor.role.can(Permission::ViewAllCases);
    let view = match q.view.as_str() {
        "mine" | "overdue" | "open" | "all" | "escalated" => q.view.clone(),
        _ if all => "open".into(),
        _ => "mine".into(),
    };
    // A chosen state narrows the view; "open" (the tab) means not resolved yet, the queues
    // anything not closed.
    let state = match (CaseState::parse(&q.state), view.as_str()) {
        (Some(s), _) => s.code().to_string(),
        (None, "all") => String::new(),
        (None, "open") => "unresolved".into(),
        (None, _) => "open".into(),
    };
    let f = Filter {
        state,
        severity: Severity::parse(&q.severity)
            .map(|s| s.code().to_string())
            .unwrap_or_default(),
        cause: Cause::parse(&q.cause)
            .map(|c| c.code().to_string())
            .unwrap_or_default(),
        q: q.q.trim().chars().take(100).collect(),
        assignee: (view == "mine").then(|| ctx.actor.username.clone()),
        overdue_at: (view == "overdue" || !q.overdue.is_empty()).then(domain::time::now_stored),
        escalated_to: (view == "escalated").then(|| ctx.actor.username.clone()),
        // A work queue: the soonest deadline first.
        by_due: matches!(view.as_str(), "mine" | "overdue" | "escalated"),
        ..Filter::default()
    };
    (view, f)
}

async fn export(State(app): State<App>, ctx: WebCtx, Query(q): Query<ListQuery>) -> Response {
    let (_, f) = view_filter(&ctx, &q);
    match app.export_complaints(actor(&ctx), f, &q.format).await {
        Ok(d) => crate::download(d),
        Err(e) => error_page(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "complaints.html")]
struct ListPage {
    l: Layout,
    clock: Clock,
    view: String,
    cases: Vec<Complaint>,
    total: i64,
    page: i64,
    pages: i64,
    can_edit: bool,
    /// Managers pick several cases and assign or close them together.
    can_bulk: bool,
    workers: Vec<String>,
    /// The view and filters as a query string.
    qs: String,
    filter: FilterView,
    states: Vec<(&'static str, &'static str)>,
    causes: Vec<(&'static str, &'static str)>,
    flash: Option<String>,
    overview: Option<Overview>,
    charts: String,
    channels: Vec<(&'static str, &'static str)>,
    severities: Vec<(&'static str, &'static str, &'static str)>,
    wants: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    form: ComplaintForm,
}

impl ListPage {
    /// An age band of the overview in words.
    fn age(&self, band: &str) -> String {
        let lang = self.l.lang;
        match band {
            "<1d" => lang.pick("不到 1 天", "under a day").to_string(),
            ">30d" => lang.pick("30 天以上", "over 30 days").to_string(),
            b => {
                let (a, z) = b.trim_end_matches('d').split_once('-').unwrap_or((b, b));
                format!("{a}–{z} {}", lang.pick("天", "days"))
            }
        }
    }
    fn views(&self) -> Vec<(&'static str, &'static str)> {
        ["mine", "overdue", "escalated", "open", "all"]
            .into_iter()
            .map(|v| (v, self.l.lang.t(&format!("complaint.view_{v}"))))
            .collect()
    }
    fn is_view(&self, v: &str) -> bool {
        self.view == v
    }
    fn state(&self, s: &str) -> &'static str {
        CaseState::parse(s).map_or("", |s| s.label(self.l.lang))
    }
    fn severity(&self, s: &str) -> &'static str {
        Severity::parse(s).map_or("", |s| s.label(self.l.lang))
    }
    fn cause(&self, c: &str) -> &'static str {
        match Cause::parse(c) {
            Some(c) => c.label(self.l.lang),
            None => self.l.lang.t("complaint.cause_pending"),
        }
    }
    fn overdue(&self, c: &Complaint) -> bool {
        let now = domain::time::now_stored();
        c.state != "closed"
            && ((c.acknowledged_at.is_none() && c.ack_due_at < now)
                || (c.resolved_at.is_none() && c.resolve_due_at < now))
    }
    fn pct(&self, r: &app::complaints::measures::Rate) -> String {
        r.rate.map_or("—".into(), |v| format!("{:.1} %", 100.0 * v))
    }
    fn hours(&self, h: &Option<f64>) -> String {
        h.map_or("—".into(), |h| format!("{h:.1} h"))
    }
    fn selected(&self, field: &str, v: &str) -> bool {
        match field {
            "channel" => self.form.channel == v,
            "severity" => self.form.severity == v,
            "f_state" => self.filter.state == v,
            "f_severity" => self.filter.severity == v,
            "f_cause" => self.filter.cause == v,
            _ => false,
        }
    }
}

/// The list's filters as typed.
#[derive(Default)]
struct FilterView {
    state: String,
    severity: String,
    cause: String,
    overdue: bool,
    q: String,
}

async fn list_page(State(app): State<App>, ctx: WebCtx, Query(q): Query<ListQuery>) -> Response {
    let form = ComplaintForm {
        customer: q.customer.trim().chars().take(200).collect(),
        ..ComplaintForm::default()
    };
    list(app, ctx, q, None, form, None).await
}

async fn list(
    app: App,
    ctx: WebCtx,
    q: ListQuery,
    error: Option<String>,
    form: ComplaintForm,
    flash: Option<String>,
) -> Response {
    let lang = ctx.actor.lang;
    let all = ctx.actor.role.can(Permission::ViewAllCases);
    let (view, mut f) = view_filter(&ctx, &q);
    let view_name = view.clone();
    let per_page = 50;
    let page_no = if q.page == 0 { 1 } else { q.page };
    f.limit = per_page;
    f.offset = match domain::paging::offset(page_no, per_page, lang) {
        Ok(o) => o,
        Err(e) => return error_page(&ctx, AppError::invalid(lang, e)),
    };
    let (cases, total) = match app.complaints(actor(&ctx), f).await {
        Ok(r) => r,
        Err(e) => return error_page(&ctx, e),
    };
    let overview = if all {
        app.complaint_overview(actor(&ctx)).await.ok()
    } else {
        None
    };
    let charts = overview
        .as_ref()
        .map(|o| {
            json!({
                "months": o.months,
                "causes": o.by_cause.iter().map(|(c, v)| json!({
                    "name": Cause::parse(c).map_or(lang.t("complaint.cause_pending"), |c| c.label(lang)),
                    "data": v,
                })).collect::<Vec<_>>(),
                "first_response": o.first_response,
                "resolution": o.resolution,
                "labels": {
                    "causes": lang.t("complaint.chart_causes"),
                    "first_response": lang.t("complaint.chart_first_response"),
                    "resolution": lang.t("complaint.chart_resolution"),
                    "cases": lang.t("complaint.cases"),
                },
            })
            .to_string()
        })
        .unwrap_or_default();
    page(ListPage {
        l: Layout::new(&ctx, "area.complaints"),
        clock: Clock::of(&app).await,
        view,
        cases,
        total,
        page: page_no,
        pages: (total + per_page - 1) / per_page,
        can_edit: ctx.actor.role.can(Permission::EditCases),
        can_bulk: ctx.actor.role.can(Permission::ManageCases),
        workers: app.case_workers(actor(&ctx)).await.unwrap_or_default(),
        qs: q.query_string(&view_name),
        filter: FilterView {
            state: q.state.clone(),
            severity: q.severity.clone(),
            cause: q.cause.clone(),
            overdue: !q.overdue.is_empty(),
            q: q.q.clone(),
        },
        states: options(CaseState::ALL, CaseState::code, CaseState::label, lang),
        causes: options(Cause::ALL, Cause::code, Cause::label, lang),
        flash,
        overview,
        charts,
        channels: options(Channel::ALL, Channel::code, Channel::label, lang),
        severities: Severity::ALL
            .iter()
            .map(|s| (s.code(), s.label(lang), s.meaning(lang)))
            .collect(),
        wants: options(Want::ALL, Want::code, Want::label, lang),
        error,
        form,
    })
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ComplaintForm {
    csrf: String,
    received_at: String,
    channel: String,
    place: String,
    customer: String,
    caller: String,
    situation: String,
    product: String,
    severity: String,
    /// Comma-separated wants (the form's checkboxes arrive as repeated fields, gathered here).
    want_respect: String,
    want_compensation: String,
    want_vent: String,
    want_solution: String,
}

async fn create(State(app): State<App>, ctx: WebCtx, Form(f): Form<ComplaintForm>) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let wants = [
        ("respect", &f.want_respect),
        ("compensation", &f.want_compensation),
        ("vent", &f.want_vent),
        ("solution", &f.want_solution),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(w, _)| w.to_string())
    .collect();
    let input = ComplaintInput {
        received_at: f.received_at.replace('T', " "),
        channel: f.channel.clone(),
        place: f.place.clone(),
        customer: f.customer.clone(),
        caller: f.caller.clone(),
        situation: f.situation.clone(),
        product: f.product.clone(),
        severity: f.severity.clone(),
        wants,
        ..ComplaintInput::default()
    };
    let r = app.create_complaint(actor(&ctx), &input).await;
    match answer(&ctx, r, |c| format!("/complaints/{}", c.complaint.id)) {
        Answer::Page(r) => r,
        Answer::Again(m) => list(app, ctx, ListQuery::default(), Some(m), f, None).await,
    }
}

/// The bulk form: the ticked cases, what to do with them, and the list to go back to.
#[derive(Deserialize, Default)]
#[serde(default)]
struct BulkForm {
    csrf: String,
    /// `assign` or `close`.
    action: String,
    assignee: String,
    lesson: String,
    /// The list's query string.
    back: String,
}

async fn bulk(
    State(app): State<App>,
    ctx: WebCtx,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let mut f = BulkForm::default();
    let mut ids = Vec::new();
    for (k, v) in form {
        match k.as_str() {
            "csrf" => f.csrf = v,
            "action" => f.action = v,
            "assignee" => f.assignee = v,
            "lesson" => f.lesson = v,
            "back" => f.back = v,
            "id" => ids.extend(v.trim().parse::<i64>().ok()),
            _ => {}
        }
    }
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let lang = ctx.actor.lang;
    let q: ListQuery = format!("/complaints?{}", f.back)
        .parse::<axum::http::Uri>()
        .ok()
        .and_then(|u| Query::<ListQuery>::try_from_uri(&u).ok())
        .map(|Query(q)| q)
        .unwrap_or_default();
    let change = match f.action.as_str() {
        "close" => app::complaints::bulk::BulkChange::Close { lesson: f.lesson },
        _ => app::complaints::bulk::BulkChange::Assign {
            assignee: f.assignee,
        },
    };
    match app.bulk_complaints(actor(&ctx), &ids, &change).await {
        Ok(out) => {
            let mut m = format!("{} {}", lang.pick("已处理", "Done:"), out.done.len());
            if !out.refused.is_empty() {
                let why: Vec<String> = out
                    .refused
                    .iter()
                    .map(|(id, r)| format!("#{id} {r}"))
                    .collect();
                m.push_str(&format!(
                    "{} {}：{}",
                    lang.pick("；未处理", "; left as they were:"),
                    out.refused.len(),
                    why.join("；")
                ));
            }
            list(app, ctx, q, None, ComplaintForm::default(), Some(m)).await
        }
        Err(e) if e.code == domain::ErrorCode::InvalidInput => {
            let m = e.localized(lang).message;
            let mut r = list(app, ctx, q, Some(m), ComplaintForm::default(), None).await;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => error_page(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "complaint.html")]
struct CasePage {
    l: Layout,
    clock: Clock,
    v: CaseView,
    can_assign: bool,
    /// The assignee picker's choices.
    workers: Vec<String>,
    causes: Vec<(&'static str, &'static str)>,
    sub_causes: Vec<String>,
    /// The reply form: shown to those who work cases; the customer's e-mail address when the
    /// reply can go by e-mail (SMTP set up, a linked customer with an address).
    can_reply: bool,
    reply_to: String,
    error: Option<String>,
}

impl CasePage {
    fn is_assignee(&self, u: &str) -> bool {
        self.v.complaint.assignee == u
    }
    fn c(&self) -> &Complaint {
        &self.v.complaint
    }
    fn state(&self, s: &str) -> &'static str {
        CaseState::parse(s).map_or("", |s| s.label(self.l.lang))
    }
    fn severity(&self) -> &'static str {
        Severity::parse(&self.v.complaint.severity).map_or("", |s| s.label(self.l.lang))
    }
    fn severe(&self) -> bool {
        Severity::parse(&self.v.complaint.severity).is_some_and(|s| s.is_severe())
            && self.v.complaint.state != "closed"
    }
    fn channel(&self) -> &'static str {
        Channel::parse(&self.v.complaint.channel).map_or("", |c| c.label(self.l.lang))
    }
    fn cause(&self) -> &'static str {
        match Cause::parse(&self.v.complaint.cause) {
            Some(c) => c.label(self.l.lang),
            None => self.l.lang.t("complaint.cause_pending"),
        }
    }
    fn wants(&self) -> String {
        self.v
            .complaint
            .wants
            .iter()
            .filter_map(|w| Want::parse(w))
            .map(|w| w.label(self.l.lang))
            .collect::<Vec<_>>()
            .join(self.l.lang.pick("、", ", "))
    }
    fn owhen(&self, t: &Option<String>) -> String {
        t.as_deref().map_or("—".into(), |t| self.clock.show(t))
    }
    fn timer(&self, t: &Option<domain::complaints::Timer>) -> &'static str {
        match t {
            None => "",
            Some(t) => self.l.lang.t(match t {
                domain::complaints::Timer::OnTime => "complaint.on_time",
                domain::complaints::Timer::DueSoon => "complaint.due_soon",
                domain::complaints::Timer::Breached => "complaint.breached",
            }),
        }
    }
    fn timer_class(&self, t: &Option<domain::complaints::Timer>) -> &'static str {
        match t {
            Some(domain::complaints::Timer::Breached) => "tag bad",
            Some(domain::complaints::Timer::DueSoon) => "tag warn",
            _ => "tag",
        }
    }
    fn step(&self, code: &str) -> &'static str {
        self.l.lang.t(&format!("complaint.step_{code}"))
    }
    fn can(&self, code: &str) -> bool {
        self.v.actions.contains(&code)
    }
    fn changes(&self, c: &serde_json::Value) -> String {
        let lang = self.l.lang;
        let yes_no = |b: bool| lang.pick(if b { "是" } else { "否" }, if b { "yes" } else { "no" });
        c.as_object()
            .map(|o| {
                o.iter()
                    .filter(|(_, v)| !v.is_null() && *v != "")
                    .map(|(k, v)| {
                        let label = change_label(k, lang);
                        let value = match v {
                            // Instants on the company's clock, money in yuan (stored in fen).
                            serde_json::Value::String(s) if k.ends_with("_at") => {
                                self.clock.show(s)
                            }
                            serde_json::Value::String(s) if k == "cause" => Cause::parse(s)
                                .map_or_else(|| s.clone(), |c| c.label(lang).to_string()),
                            serde_json::Value::String(s) if k == "severity" => Severity::parse(s)
                                .map_or_else(|| s.clone(), |c| c.label(lang).to_string()),
                            serde_json::Value::String(s) if k == "channel" => Channel::parse(s)
                                .map_or_else(|| s.clone(), |c| c.label(lang).to_string()),
                            serde_json::Value::String(s) => s.clone(),
                            serde_json::Value::Number(n) if k.starts_with("compensation") => n
                                .as_i64()
                                .map_or_else(|| n.to_string(), crate::loyalty::money_minor),
                            serde_json::Value::Bool(b) => yes_no(*b).to_string(),
                            serde_json::Value::Array(a) => a
                                .iter()
                                .map(|x| match x.as_str() {
                                    Some(code) => timer_label(code, lang)
                                        .map_or_else(|| code.to_string(), str::to_string),
                                    None => x.to_string(),
                                })
                                .collect::<Vec<_>>()
                                .join("、"),
                            v => v.to_string(),
                        };
                        format!("{label}: {value}")
                    })
                    .collect::<Vec<_>>()
                    .join(" · ")
            })
            .unwrap_or_default()
    }
}

/// A service-level timer's name, in the reader's language.
fn timer_label(code: &str, lang: Lang) -> Option<&'static str> {
    let (zh, en) = match code {
        "ack_warn" => ("响应时限预警", "response deadline warning"),
        "ack_breach" => ("响应超时", "response deadline missed"),
        "resolve_warn" => ("解决时限预警", "resolution deadline warning"),
        "resolve_breach" => ("解决超时", "resolution deadline missed"),
        _ => return None,
    };
    Some(lang.pick(zh, en))
}

/// What a changed field of a case is called, in the reader's language.
fn change_label(k: &str, lang: Lang) -> &'static str {
    let (zh, en) = match k {
        "acknowledged_at" => ("安抚致歉时间", "acknowledged"),
        "cause" => ("原因", "cause"),
        "sub_cause" => ("细分原因", "sub-cause"),
        "justified" => ("投诉合理", "justified"),
        "solution" => ("解决方案", "solution"),
        "compensation_offered" => ("提出的补偿", "compensation offered"),
        "accepted" => ("顾客接受", "accepted"),
        "compensation_given" => ("给予的补偿", "compensation given"),
        "on_the_spot" => ("当场解决", "resolved on the spot"),
        "resolved_at" => ("解决时间", "resolved"),
        "follow_up_result" => ("回访结果", "follow-up result"),
        "follow_up_satisfied" => ("回访满意", "satisfied at follow-up"),
        "lesson" => ("经验教训", "lesson"),
        "closed_at" => ("关闭时间", "closed"),
        "reopened" => ("重新打开次数", "times reopened"),
        "assignee" => ("处理人", "assignee"),
        "escalated_to" => ("升级给", "escalated to"),
        "team" | "team_id" => ("小组", "team"),
        "customer" | "customer_id" => ("客户", "customer"),
        "timer" | "timers" => ("时限提醒", "deadline reminders"),
        "level" => ("级别", "level"),
        "severity" => ("严重程度", "severity"),
        "channel" => ("渠道", "channel"),
        "reason" => ("原因说明", "reason"),
        "note" => ("备注", "note"),
        "to" => ("收件人", "to"),
        _ => ("其他", "other"),
    };
    lang.pick(zh, en)
}

async fn case_page(State(app): State<App>, ctx: WebCtx, Path(id): Path<i64>) -> Response {
    case_view(app, ctx, id, None).await
}

async fn case_view(app: App, ctx: WebCtx, id: i64, error: Option<String>) -> Response {
    let lang = ctx.actor.lang;
    let v = match app.complaint(actor(&ctx), id).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let settings = app.complaint_settings().await.unwrap_or_default();
    let mail = matches!(app.smtp_settings().await, Ok(Some(_)));
    let reply_to = match v.complaint.customer_id {
        Some(c) if mail => app
            .customer(actor(&ctx), c)
            .await
            .map(|c| c.email)
            .unwrap_or_default(),
        _ => String::new(),
    };
    page(CasePage {
        l: Layout::new(&ctx, "area.complaints"),
        clock: Clock(settings.hours.utc_offset_minutes),
        v,
        can_assign: ctx.actor.role.can(Permission::ManageCases),
        workers: app.case_workers(actor(&ctx)).await.unwrap_or_default(),
        causes: options(Cause::ALL, Cause::code, Cause::label, lang),
        sub_causes: settings
            .sub_causes
            .into_iter()
            .flat_map(|(_, v)| v)
            .collect(),
        can_reply: ctx.actor.role.can(Permission::EditCases),
        reply_to,
        error,
    })
}

/// Any step's fields; the `action` says which apply.
#[derive(Deserialize, Default)]
#[serde(default)]
struct StepForm {
    csrf: String,
    version: i64,
    action: String,
    note: String,
    cause: String,
    sub_cause: String,
    justified: String,
    solution: String,
    compensation_offered: String,
    accepted: String,
    compensation_given: String,
    on_the_spot: String,
    result: String,
    satisfied: String,
    lesson: String,
    reason: String,
}

/// Money in yuan as typed (`50`, `12.50`) to minor units; empty is 0.
fn minor(s: &str) -> Result<i64, String> {
    if s.trim().is_empty() {
        return Ok(0);
    }
    domain::customers::parse_money(s.trim())
}

fn action_of(f: &StepForm, lang: Lang) -> Result<Action, String> {
    let yes = |v: &str| matches!(v, "1" | "on" | "true" | "yes");
    let money = |field: &str, v: &str| minor(v).map_err(|e| format!("{field}: {e}"));
    Ok(match f.action.as_str() {
        "acknowledge" => Action::Acknowledge {
            note: f.note.clone(),
        },
        "analyse" => Action::Analyse {
            cause: Cause::parse(&f.cause)
                .ok_or_else(|| format!("cause: {}", lang.pick("请选择原因类别", "pick a cause")))?,
            sub_cause: f.sub_cause.clone(),
            justified: yes(&f.justified),
            note: f.note.clone(),
        },
        "propose" => Action::Propose {
            solution: f.solution.clone(),
            compensation_offered: money("compensation_offered", &f.compensation_offered)?,
            note: f.note.clone(),
        },
        "resolve" => Action::Resolve {
            accepted: yes(&f.accepted),
            compensation_given: money("compensation_given", &f.compensation_given)?,
            on_the_spot: yes(&f.on_the_spot),
            note: f.note.clone(),
        },
        "follow_up" => Action::FollowUp {
            result: f.result.clone(),
            satisfied: match f.satisfied.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
        },
        "close" => Action::Close {
            lesson: f.lesson.clone(),
        },
        "reopen" => Action::Reopen {
            reason: f.reason.clone(),
        },
        other => return Err(format!("action: {other}")),
    })
}

async fn take_step(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let action = match action_of(&f, ctx.actor.lang) {
        Ok(a) => a,
        Err(m) => return case_view(app, ctx, id, Some(m)).await,
    };
    let r = app
        .complaint_step(actor(&ctx), id, f.version, &action)
        .await;
    back_to_case(app, ctx, id, r).await
}

/// After a form on the case page: the case again, with the refusal if any.
pub(crate) async fn back_to_case<T>(
    app: App,
    ctx: WebCtx,
    id: i64,
    r: Result<T, AppError>,
) -> Response {
    match answer(&ctx, r, |_| format!("/complaints/{id}")) {
        Answer::Page(r) => r,
        Answer::Again(m) => case_view(app, ctx, id, Some(m)).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssignForm {
    csrf: String,
    version: i64,
    assignee: String,
}

async fn assign(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let r = app
        .assign_complaint(actor(&ctx), id, f.version, &f.assignee)
        .await;
    back_to_case(app, ctx, id, r).await
}
