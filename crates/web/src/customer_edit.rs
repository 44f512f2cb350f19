//! What staff do to a customer from the profile: change the record (every field, the values
//! kept and each bad field named when refused, a conflicting change by someone else said),
//! delete it (after a page saying what goes with it and what stays; refused while complaints
//! are open), give someone a task about the customer, and send them a survey.

use crate::{actor, error_page, page, Layout, WebCtx};
use app::App;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use domain::customers::{CustomerFields, CONSENT_CHANNELS};
use domain::{ErrorCode, Lang};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/customers/{id}/edit", get(edit_page).post(save))
        .route("/customers/{id}/delete", get(delete_page).post(delete))
        .route("/customers/{id}/tasks", axum::routing::post(add_task))
        .route("/customers/{id}/survey", axum::routing::post(send_survey))
}

/// One field of the edit form.
pub struct FieldRow {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub hint: &'static str,
    pub error: String,
}

#[derive(Template)]
#[template(path = "customer_edit.html")]
struct EditPage {
    l: Layout,
    id: i64,
    title: String,
    version: i64,
    fields: Vec<FieldRow>,
    gender: String,
    genders: Vec<(&'static str, String)>,
    lang_value: String,
    langs: Vec<(&'static str, &'static str)>,
    consent: Vec<(&'static str, String, bool)>,
    error: Option<String>,
}

impl EditPage {
    fn gender_is(&self, g: &&str) -> bool {
        self.gender == *g
    }
    fn lang_is(&self, v: &&str) -> bool {
        self.lang_value == *v
    }
}

/// The text fields of the form, in order: (name, label key or words, hint).
fn text_fields(lang: Lang) -> Vec<(&'static str, String, &'static str)> {
    let t = |k: &str| lang.t(k).to_string();
    let p = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    vec![
        ("external_id", t("customer.external_id"), "C0000001"),
        ("name", t("customer.name"), ""),
        ("phone", t("customer.phone"), "+86 138-0013-8000"),
        ("email", t("customer.email"), "name@example.cn"),
        ("birthday", t("customer.birthday"), "1990-05-01"),
        (
            "important_dates",
            t("customer.important_dates"),
            "结婚纪念日=2015-10-01",
        ),
        ("region", t("customer.region"), ""),
        ("channel", t("customer.channel"), ""),
        ("referred_by", t("customer.referred_by"), "C0000002"),
        ("tags", t("customer.tags"), "VIP, 老客户"),
        ("segment", t("customer.segment"), ""),
        (
            "preferences",
            t("customer.preferences"),
            "座位=靠窗; 早餐=豆浆",
        ),
        (
            "contract_start",
            p("会员/合同开始", "Membership / contract start"),
            "2024-03-01",
        ),
        ("contract_end", p("解约日期", "Cancelled on"), ""),
        (
            "category_spend",
            p("品类年消费", "Yearly category spend"),
            "12,000.00",
        ),
    ]
}

fn field_value<'a>(f: &'a CustomerFields, name: &str) -> &'a str {
    match name {
        "external_id" => &f.external_id,
        "name" => &f.name,
        "phone" => &f.phone,
        "email" => &f.email,
        "birthday" => &f.birthday,
        "important_dates" => &f.important_dates,
        "region" => &f.region,
        "channel" => &f.channel,
        "referred_by" => &f.referred_by,
        "tags" => &f.tags,
        "segment" => &f.segment,
        "preferences" => &f.preferences,
        "contract_start" => &f.contract_start,
        "contract_end" => &f.contract_end,
        "category_spend" => &f.category_spend,
        _ => "",
    }
}

fn edit_view(
    ctx: &WebCtx,
    id: i64,
    version: i64,
    title: String,
    f: &CustomerFields,
    errors: &HashMap<String, String>,
    error: Option<String>,
) -> Response {
    let lang = ctx.actor.lang;
    let consent: Vec<String> = f
        .consent
        .split([',', ';', '|', '，'])
        .map(|c| c.trim().to_lowercase())
        .collect();
    let mut r = page(EditPage {
        l: Layout::new(ctx, "area.customers"),
        id,
        title,
        version,
        fields: text_fields(lang)
            .into_iter()
            .map(|(name, label, hint)| FieldRow {
                name,
                label,
                value: field_value(f, name).to_string(),
                hint,
                error: errors.get(name).cloned().unwrap_or_default(),
            })
            .collect(),
        gender: domain::customers::Gender::parse(&f.gender)
            .map(|g| g.as_str().to_string())
            .unwrap_or_default(),
        genders: ["unknown", "female", "male", "other"]
            .into_iter()
            .map(|g| (g, lang.t(&format!("gender.{g}")).to_string()))
            .collect(),
        lang_value: domain::customers::parse_customer_lang(&f.lang)
            .ok()
            .flatten()
            .map(|l| l.code().to_string())
            .unwrap_or_default(),
        langs: vec![
            ("", lang.pick("公司默认（中文）", "The company's (Chinese)")),
            ("zh-CN", lang.pick("中文", "Chinese")),
            ("en", lang.pick("英文", "English")),
        ],
        consent: CONSENT_CHANNELS
            .iter()
            .map(|c| {
                (
                    *c,
                    crate::customers::consent_label(c, lang),
                    consent.iter().any(|x| x == c),
                )
            })
            .collect(),
        error,
    });
    if !errors.is_empty() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

async fn edit_page(State(app): State<App>, ctx: WebCtx, Path(id): Path<i64>) -> Response {
    if let Err(e) = actor(&ctx).require(domain::access::Permission::EditCustomers) {
        return error_page(&ctx, e);
    }
    match app.customer(actor(&ctx), id).await {
        Ok(c) => edit_view(
            &ctx,
            id,
            c.version,
            c.name.clone(),
            &c.to_fields(),
            &HashMap::new(),
            None,
        ),
        Err(e) => error_page(&ctx, e),
    }
}

async fn save(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if let Err(e) = ctx.check_csrf(&get("csrf")) {
        return error_page(&ctx, e);
    }
    let consent: Vec<String> = form
        .iter()
        .filter(|(n, _)| n == "consent")
        .map(|(_, v)| v.clone())
        .collect();
    let f = CustomerFields {
        external_id: get("external_id"),
        name: get("name"),
        phone: get("phone"),
        email: get("email"),
        gender: get("gender"),
        birthday: get("birthday"),
        important_dates: get("important_dates"),
        region: get("region"),
        channel: get("channel"),
        referred_by: get("referred_by"),
        tags: get("tags"),
        segment: get("segment"),
        consent: consent.join(", "),
        preferences: get("preferences"),
        contract_start: get("contract_start"),
        contract_end: get("contract_end"),
        category_spend: get("category_spend"),
        lang: get("lang"),
    };
    let version: i64 = get("version").trim().parse().unwrap_or(0);
    let lang = ctx.actor.lang;
    match app.update_customer(actor(&ctx), id, version, &f).await {
        Ok(_) => Redirect::to(&format!("/customers/{id}?saved=1")).into_response(),
        Err(e) => {
            let e = e.localized(lang);
            let mut errors = HashMap::new();
            if let Some(list) = e.details.get("fields").and_then(|f| f.as_array()) {
                for x in list {
                    let field = x["field"].as_str().unwrap_or_default().to_string();
                    let reason = x["reason"].as_str().unwrap_or_default().to_string();
                    errors.insert(field, reason);
                }
            }
            let message = match e.code {
                ErrorCode::VersionConflict => lang
                    .pick(
                        "保存前，有人修改了这位客户：请重新打开修改页，在最新资料上再改一次。",
                        "Someone changed this customer while you were editing: open the edit page again and make your change on the latest record.",
                    )
                    .to_string(),
                ErrorCode::DuplicateExternalId => {
                    errors.insert(
                        "external_id".into(),
                        lang.pick("已有客户使用这个编号", "another customer has this id")
                            .into(),
                    );
                    e.message
                }
                ErrorCode::InvalidInput | ErrorCode::UnknownReference => e.message,
                _ => return error_page(&ctx, e),
            };
            let mut r = edit_view(&ctx, id, version, get("name"), &f, &errors, Some(message));
            *r.status_mut() = match e.code {
                ErrorCode::VersionConflict | ErrorCode::DuplicateExternalId => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            r
        }
    }
}

#[derive(Template)]
#[template(path = "customer_delete.html")]
struct DeletePage {
    l: Layout,
    id: i64,
    name: String,
    external_id: String,
    f: storage::customers::Footprint,
    error: Option<String>,
}

async fn delete_view(app: &App, ctx: &WebCtx, id: i64, error: Option<String>) -> Response {
    let a = actor(ctx);
    if let Err(e) = a.require(domain::access::Permission::DeleteCustomers) {
        return error_page(ctx, e);
    }
    let (c, f) = match (
        app.customer(a, id).await,
        app.customer_footprint(a, id).await,
    ) {
        (Ok(c), Ok(f)) => (c, f),
        (Err(e), _) | (_, Err(e)) => return error_page(ctx, e),
    };
    let refused = error.is_some();
    let mut r = page(DeletePage {
        l: Layout::new(ctx, "area.customers"),
        id,
        name: c.name,
        external_id: c.external_id,
        f,
        error,
    });
    if refused {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

async fn delete_page(State(app): State<App>, ctx: WebCtx, Path(id): Path<i64>) -> Response {
    delete_view(&app, &ctx, id, None).await
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn delete(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    match app.delete_customer(actor(&ctx), id).await {
        Ok(()) => Redirect::to("/customers?deleted=1").into_response(),
        Err(e) if e.code == ErrorCode::InvalidInput => {
            let m = e.localized(ctx.actor.lang).message;
            delete_view(&app, &ctx, id, Some(m)).await
        }
        Err(e) => error_page(&ctx, e),
    }
}

#[derive(Deserialize)]
struct TaskForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    due: String,
}

async fn add_task(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<TaskForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let result = app
        .add_care_task(actor(&ctx), id, &f.assignee, &f.title, &f.due)
        .await
        .map(|_| ());
    crate::customers::after_profile_form(&app, &ctx, id, result).await
}

#[derive(Deserialize)]
struct SurveyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    wave: i64,
}

async fn send_survey(
    State(app): State<App>,
    ctx: WebCtx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<SurveyForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let lang = ctx.actor.lang;
    let base = crate::public_base(&headers);
    match app.invite_customer(actor(&ctx), f.wave, id, &base).await {
        Ok(sent) => {
            let flash = if sent.emailed {
                lang.pick(
                    "调查邀请已排入发送队列（按客户的语言）。",
                    "The survey invitation is queued for e-mail (in the customer's language).",
                )
                .to_string()
            } else {
                format!(
                    "{}{}{base}{}",
                    sent.why_not,
                    lang.pick(
                        "：请把这个专属链接发给客户：",
                        ": pass this personal link on: "
                    ),
                    sent.path
                )
            };
            crate::customers::render_profile(&app, &ctx, id, Some(flash), None).await
        }
        Err(e) if e.code == ErrorCode::InvalidInput => {
            let m = e.localized(lang).message;
            crate::customers::render_profile(&app, &ctx, id, None, Some(m)).await
        }
        Err(e) => error_page(&ctx, e),
    }
}
