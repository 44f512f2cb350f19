//! Customer pages: the list with search and filters (htmx swaps the results as you type) and the
//! profile — preferences first, then key figures, spend chart, one timeline, and forms to record
//! a contact or a note.

use crate::{actor, error_page, page, Layout, WebCtx};
use app::App;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::customers::INTERACTION_KINDS;
use serde::Deserialize;
use std::collections::BTreeMap;
use storage::customers::{Customer, CustomerFilter, CustomerSummary};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/customers", get(list))
        .route("/customers/export", get(export))
        .route("/customers/{id}", get(profile))
        .route("/customers/{id}/notes", post(add_note))
        .route("/customers/{id}/interactions", post(add_interaction))
}

pub const PER_PAGE: i64 = 25;

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
    region: String,
    channel: String,
    tag: String,
    /// A saved loyalty segment's id.
    saved_segment: Option<i64>,
    page: Option<i64>,
    /// Back from deleting a customer.
    deleted: Option<String>,
}

#[derive(Template)]
#[template(path = "customers.html")]
struct ListPage {
    l: Layout,
    q: String,
    region: String,
    channel: String,
    tag: String,
    regions: Vec<String>,
    channels: Vec<String>,
    /// Saved loyalty segments (id, name) for those who may read analytics, and the chosen one.
    segments: Vec<(i64, String)>,
    saved_segment: i64,
    rows: Vec<CustomerSummary>,
    /// Customers on the page with an open high or critical complaint.
    severe: Vec<i64>,
    /// The number matching ("1000+" when the search stopped counting).
    total: String,
    page: i64,
    pages: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
    can_export: bool,
    can_import: bool,
    deleted: bool,
}

impl ListPage {
    fn severe_complaint(&self, id: &i64) -> bool {
        self.severe.contains(id)
    }
}

/// A complaint's timeline label, "#id · state · severity", in the reader's language.
/// A sales channel as people say it (the common codes; anything else as imported).
fn channel_label(code: &str, lang: domain::Lang) -> String {
    let (zh, en) = match code {
        "store" => ("门店", "store"),
        "online" => ("线上", "online"),
        "app" => ("App", "app"),
        "phone" => ("电话", "phone"),
        "wechat" => ("微信", "WeChat"),
        "mini_program" => ("小程序", "mini program"),
        _ => return code.to_string(),
    };
    lang.pick(zh, en).to_string()
}

/// A contact channel a customer agreed to, in words.
pub(crate) fn consent_label(code: &str, lang: domain::Lang) -> String {
    let (zh, en) = match code {
        "email" => ("邮件", "e-mail"),
        "sms" => ("短信", "SMS"),
        "wechat" => ("微信", "WeChat"),
        "phone" => ("电话", "phone"),
        _ => return code.to_string(),
    };
    lang.pick(zh, en).to_string()
}

fn complaint_label(label: &str, lang: domain::Lang) -> String {
    use domain::complaints::{Severity, State};
    let parts: Vec<&str> = label.split(" · ").collect();
    match parts.as_slice() {
        [id, state, severity] => format!(
            "{id} · {} · {}",
            State::parse(state).map_or(*state, |s| s.label(lang)),
            Severity::parse(severity).map_or(*severity, |s| s.label(lang))
        ),
        _ => label.to_string(),
    }
}

pub(crate) fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn list(State(app): State<App>, ctx: WebCtx, Query(q): Query<ListQuery>) -> Response {
    let loyalty = match app
        .segment_customer_filter(actor(&ctx), q.saved_segment)
        .await
    {
        Ok(l) => l,
        Err(e) => return error_page(&ctx, e),
    };
    let segments = if ctx.actor.role.can(Permission::ViewAnalytics) {
        app.saved_segments(actor(&ctx))
            .await
            .map(|s| s.into_iter().map(|s| (s.id, s.name)).collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let f = CustomerFilter {
        q: q.q.clone(),
        region: q.region.clone(),
        channel: q.channel.clone(),
        tag: q.tag.clone(),
        segment: String::new(),
        loyalty,
    };
    let page_no = q.page.unwrap_or(1).max(1);
    let result = app.list_customers(actor(&ctx), &f, page_no, PER_PAGE).await;
    let options = app.filter_options().await;
    let (p, (regions, channels)) = match (result, options) {
        (Ok(p), Ok(o)) => (p, o),
        (Err(e), _) | (_, Err(e)) => return error_page(&ctx, e),
    };
    let pages = ((p.total + PER_PAGE - 1) / PER_PAGE).max(1);
    let url = |n: i64| {
        format!(
            "/customers?q={}&region={}&channel={}&tag={}{}&page={n}",
            enc(&q.q),
            enc(&q.region),
            enc(&q.channel),
            enc(&q.tag),
            q.saved_segment
                .map(|s| format!("&saved_segment={s}"))
                .unwrap_or_default()
        )
    };
    page(ListPage {
        l: Layout::new(&ctx, "area.customers"),
        q: q.q.clone(),
        region: q.region.clone(),
        channel: q.channel.clone(),
        tag: q.tag.clone(),
        regions,
        channels,
        segments,
        saved_segment: q.saved_segment.unwrap_or(0),
        total: if p.total_capped {
            format!("{}+", p.total)
        } else {
            p.total.to_string()
        },
        page: p.page,
        pages,
        prev_url: (p.page > 1).then(|| url(p.page - 1)),
        next_url: (p.page < pages).then(|| url(p.page + 1)),
        severe: app
            .customers_with_severe_complaints(&p.items.iter().map(|c| c.id).collect::<Vec<_>>())
            .await
            .unwrap_or_default(),
        rows: p.items,
        can_export: ctx.actor.role.can(Permission::ExportAll),
        can_import: ctx.actor.role.can(Permission::ImportData),
        deleted: q.deleted.is_some(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExportQuery {
    kind: String,
    format: String,
}

/// Download all customers or transactions as CSV (UTF-8 with BOM) or xlsx.
async fn export(State(app): State<App>, ctx: WebCtx, Query(q): Query<ExportQuery>) -> Response {
    use app::customers::table::Encoding;
    let kind = match app::customers::ImportKind::parse(if q.kind.is_empty() {
        "customers"
    } else {
        &q.kind
    }) {
        Ok(k) => k,
        Err(e) => return error_page(&ctx, app::AppError::field(ctx.actor.lang, "kind", e)),
    };
    let (ext, ctype) = match q.format.as_str() {
        "xlsx" => (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => ("csv", "text/csv; charset=utf-8"),
    };
    let dir = std::env::temp_dir().join("fidelis-exports");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{}.{ext}", app::access::new_secret().0));
    if let Err(e) = app
        .export_file(actor(&ctx), kind, &path, Encoding::Utf8)
        .await
    {
        return error_page(&ctx, e);
    }
    let bytes = std::fs::read(&path);
    let _ = std::fs::remove_file(&path);
    match bytes {
        Ok(b) => (
            [
                (axum::http::header::CONTENT_TYPE, ctype.to_string()),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}.{ext}\"", kind.as_str()),
                ),
            ],
            b,
        )
            .into_response(),
        Err(e) => error_page(&ctx, app::AppError::internal(e)),
    }
}

struct TimelineRow {
    at: String,
    kind: String,
    kind_label: &'static str,
    label: String,
    detail: String,
    promotion: bool,
    staff: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "customer.html")]
struct ProfilePage {
    l: Layout,
    c: Customer,
    gender: &'static str,
    consent: String,
    referrer: Option<(i64, String)>,
    first_purchase: String,
    last_purchase: String,
    purchases: i64,
    total_spend: String,
    referrals: i64,
    timeline: Vec<TimelineRow>,
    chart_months: String,
    chart_values: String,
    can_edit: bool,
    /// From the latest customer-value analysis, when it covered this customer.
    value: Option<ValueView>,
    interaction_kinds: Vec<(&'static str, &'static str)>,
    /// The customer has an open high or critical complaint.
    severe_complaint: bool,
    /// Loyalty type, churn status and type, win-back tasks.
    loyalty: Option<crate::winback::LoyaltyCard>,
    /// Care tasks the care rules made for this customer.
    care_tasks: Vec<storage::care::CareTask>,
    clock: crate::Clock,
    /// The reader works complaint cases (the profile links to recording one).
    can_record_complaint: bool,
    can_delete: bool,
    /// Whom the reader can give a task (users, then `team:NAME`); empty: no task form.
    assignees: Vec<String>,
    /// The company-local date (the task form's default due day).
    today: String,
    /// Waves open for answers (the "send a survey" form).
    waves: Vec<app::surveys::invite::OpenWave>,
    flash: Option<String>,
    error: Option<String>,
}

impl ProfilePage {
    fn task_state(&self, s: &str) -> &'static str {
        let l = self.l.lang;
        match s {
            "open" => l.pick("待办", "open"),
            "done" => l.pick("已完成", "done"),
            "dismissed" => l.pick("已忽略", "dismissed"),
            _ => "—",
        }
    }
    /// The imported yearly category spend with separators (¥12,000.00).
    fn category_spend(&self) -> String {
        domain::customers::parse_money(&self.c.category_spend)
            .map(|m| crate::loyalty::money(m as f64 / 100.0))
            .unwrap_or_else(|_| self.c.category_spend.clone())
    }
    /// The language the customer is written to in.
    fn customer_lang(&self) -> &'static str {
        let l = self.l.lang;
        match domain::Lang::parse(&self.c.lang) {
            Some(domain::Lang::En) => l.pick("英文", "English"),
            Some(domain::Lang::ZhCn) => l.pick("中文", "Chinese"),
            None => l.pick("中文（公司默认）", "Chinese (the company's default)"),
        }
    }
}

/// A customer's values as the profile shows them.
struct ValueView {
    run_id: i64,
    p_alive: String,
    expected_purchases: String,
    expected_spend: String,
    clv: String,
    rfm: String,
    at_risk: bool,
    inactive: bool,
}

impl ValueView {
    fn of(v: &storage::churn::CustomerValueRow) -> ValueView {
        ValueView {
            run_id: v.run_id,
            p_alive: format!("{:.3}", v.p_alive),
            expected_purchases: format!("{:.2}", v.expected_purchases),
            expected_spend: crate::loyalty::money(v.expected_spend),
            clv: crate::loyalty::money(v.clv),
            rfm: format!("{} {} {}", v.rfm_r, v.rfm_f, v.rfm_m),
            at_risk: v.churned_p_alive,
            inactive: v.churned_inactivity,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProfileQuery {
    saved: Option<String>,
}

async fn profile(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Query(q): Query<ProfileQuery>,
) -> Response {
    render_profile(
        &app,
        &ctx,
        id,
        q.saved.map(|_| ctx.actor.lang.t("action.save").to_string()),
        None,
    )
    .await
}

pub(crate) async fn render_profile(
    app: &App,
    ctx: &WebCtx,
    id: i64,
    flash: Option<String>,
    error: Option<String>,
) -> Response {
    let lang = ctx.actor.lang;
    let p = match app.profile(actor(ctx), id).await {
        Ok(p) => p,
        Err(e) => return error_page(ctx, e),
    };
    let referrer = match &p.customer.referred_by {
        Some(ext) => app
            .store
            .customer_id_by_external(ext)
            .await
            .ok()
            .map(|rid| (rid, ext.clone())),
        None => None,
    };
    let referrer = match referrer {
        Some((rid, ext)) => Some((
            rid,
            app.store
                .customer(rid)
                .await
                .map(|c| format!("{} ({ext})", c.name))
                .unwrap_or(ext),
        )),
        None => None,
    };
    let currency = p
        .timeline
        .iter()
        .find_map(|e| e.currency.clone())
        .unwrap_or_else(|| "CNY".into());
    // Money with separators: ¥1,234.56 (another currency by its code: USD 1,234.56).
    let money = |minor: i64, cur: &str| {
        let shown = crate::loyalty::money_minor(minor);
        if cur == "CNY" {
            shown
        } else {
            format!("{cur} {}", shown.replace('¥', ""))
        }
    };
    // Spend per company-local month over the whole history (returns subtracted), every month
    // from the first purchase to now shown — a month without purchases is a zero, not a gap.
    let clock = crate::Clock::of(app).await;
    let mut months: BTreeMap<String, i64> = BTreeMap::new();
    if let Ok(all) = app.store.transactions_of(id, 1, 1000).await {
        for t in all.items {
            let m = clock
                .show(&t.occurred_at)
                .get(..7)
                .unwrap_or("")
                .to_string();
            let v = if t.is_return {
                -t.amount_minor.abs()
            } else {
                t.amount_minor
            };
            *months.entry(m).or_default() += v;
        }
    }
    if let Some(first) = months
        .keys()
        .next()
        .and_then(|m| chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
    {
        let now = clock.show(&domain::time::now_stored());
        let mut m = first;
        while m.format("%Y-%m").to_string().as_str() <= now.get(..7).unwrap_or("") {
            months.entry(m.format("%Y-%m").to_string()).or_default();
            m = m + chrono::Months::new(1);
        }
    }
    let chart_months =
        serde_json::to_string(&months.keys().collect::<Vec<_>>()).unwrap_or_default();
    let chart_values = serde_json::to_string(
        &months
            .values()
            .map(|v| *v as f64 / 100.0)
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let timeline = p
        .timeline
        .iter()
        .map(|e| TimelineRow {
            at: clock.show(&e.at),
            kind: e.kind.clone(),
            kind_label: match e.kind.as_str() {
                "purchase" => lang.t("timeline.purchase"),
                "return" => lang.t("timeline.return"),
                "note" => lang.t("timeline.note"),
                "survey" => lang.t("timeline.survey"),
                "complaint" => lang.t("timeline.complaint"),
                _ => lang.t(&format!("interaction.{}", e.label)),
            },
            label: match e.kind.as_str() {
                "interaction" => String::new(),
                "complaint" => complaint_label(&e.label, lang),
                // Store · channel: the common channel codes in words.
                "purchase" | "return" => e
                    .label
                    .split(" · ")
                    .map(|part| channel_label(part, lang))
                    .collect::<Vec<_>>()
                    .join(" · "),
                _ => e.label.clone(),
            },
            detail: e.detail.clone(),
            promotion: e.promotion,
            staff: e.staff.clone(),
            amount: e
                .amount_minor
                .map(|a| money(a, e.currency.as_deref().unwrap_or("CNY")))
                .unwrap_or_default(),
        })
        .collect();
    let day = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| s.get(..10))
            .unwrap_or("—")
            .to_string()
    };
    let consent = p
        .customer
        .consent
        .iter()
        .map(|c| consent_label(c, lang))
        .collect::<Vec<_>>()
        .join("、");
    let severe_complaint = app
        .customers_with_severe_complaints(&[p.customer.id])
        .await
        .is_ok_and(|v| !v.is_empty());
    let loyalty = crate::winback::loyalty_card(app, ctx, id).await;
    let care_tasks = app
        .customer_care_tasks(actor(ctx), id)
        .await
        .unwrap_or_default();
    page(ProfilePage {
        severe_complaint,
        loyalty,
        care_tasks,
        clock,
        can_record_complaint: ctx.actor.role.can(Permission::EditCases),
        l: Layout::new(ctx, "area.customers"),
        gender: lang.t(&format!("gender.{}", p.customer.gender)),
        consent,
        referrer,
        first_purchase: day(&p.figures.first_purchase),
        last_purchase: day(&p.figures.last_purchase),
        purchases: p.figures.purchases,
        total_spend: money(p.figures.total_spend_minor, &currency),
        referrals: p.figures.referrals,
        timeline,
        chart_months,
        chart_values,
        can_edit: ctx.actor.role.can(Permission::EditCustomers),
        can_delete: ctx.actor.role.can(Permission::DeleteCustomers),
        assignees: app.task_assignees(actor(ctx)).await.unwrap_or_default(),
        today: clock.today(),
        waves: app.open_waves(actor(ctx)).await.unwrap_or_default(),
        value: app
            .customer_value(actor(ctx), id)
            .await
            .ok()
            .flatten()
            .map(|v| ValueView::of(&v)),
        interaction_kinds: INTERACTION_KINDS
            .iter()
            .map(|k| (*k, lang.t(&format!("interaction.{k}"))))
            .collect(),
        flash,
        error,
        c: p.customer,
    })
}

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

async fn add_note(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<NoteForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let result = app.add_note(actor(&ctx), id, &f.body).await.map(|_| ());
    after_profile_form(&app, &ctx, id, result).await
}

/// Back to the profile after a form: saved, or the profile again with the input error, or an
/// error page for anything else.
pub(crate) async fn after_profile_form(
    app: &App,
    ctx: &WebCtx,
    id: i64,
    result: Result<(), app::AppError>,
) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/customers/{id}?saved=1")).into_response(),
        Err(e) if e.code == domain::ErrorCode::InvalidInput => {
            let mut r = render_profile(
                app,
                ctx,
                id,
                None,
                Some(e.localized(ctx.actor.lang).message),
            )
            .await;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => error_page(ctx, e),
    }
}

#[derive(Deserialize)]
struct InteractionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    summary: String,
}

async fn add_interaction(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<InteractionForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let result = app
        .add_interaction(actor(&ctx), id, &f.kind, "", &f.summary)
        .await
        .map(|_| ());
    after_profile_form(&app, &ctx, id, result).await
}
