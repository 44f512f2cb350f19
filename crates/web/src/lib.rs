//! Fidelis pages: server-rendered with askama templates (checked at compile time) and htmx for
//! partial updates; assets vendored and embedded. Every label comes from the zh-CN/English
//! catalogue (`domain::i18n`), switchable per user.
//!
//! Areas: customers, surveys, complaints, churn (with win-back) and loyalty; care shows a
//! "coming" page until its issue lands.

mod auth;
mod care;
mod care_form;
mod care_settings;
mod churn;
mod company;
mod complaint_reply;
mod complaint_settings;
mod complaints;
mod customer_edit;
mod customers;
mod home;
mod imports;
mod loyalty;
mod loyalty_actions;
mod loyalty_settings;
mod survey_builder;
mod survey_form;
mod surveys;
mod users;
mod winback;

use app::{Actor, App, AppError};
use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::access::Permission;
use domain::Lang;

pub use auth::WebCtx;

/// The navigation: the six areas of SPEC.md.
pub const AREAS: [(&str, &str); 6] = [
    ("/customers", "area.customers"),
    ("/surveys", "area.surveys"),
    ("/complaints", "area.complaints"),
    ("/churn", "area.churn"),
    ("/loyalty", "area.loyalty"),
    ("/care", "area.care"),
];

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub on: bool,
}

/// What every page's layout needs.
pub struct Layout {
    pub lang: Lang,
    pub csrf: String,
    pub username: String,
    pub role_label: &'static str,
    pub can_manage_users: bool,
    pub nav: Vec<NavItem>,
}

impl Layout {
    pub fn new(ctx: &WebCtx, active: &str) -> Layout {
        let lang = ctx.actor.lang;
        Layout {
            lang,
            csrf: ctx.csrf.clone(),
            username: ctx.actor.username.clone(),
            role_label: lang.t(&format!("role.{}", ctx.actor.role.as_str())),
            can_manage_users: ctx.actor.role.can(Permission::ManageUsers),
            // Only what the reader may open: no menu entry that answers "not allowed".
            nav: AREAS
                .iter()
                .filter(|(href, _)| ctx.actor.role.can(area_permission(href)))
                .map(|(href, key)| NavItem {
                    href,
                    label: lang.t(key),
                    on: *key == active,
                })
                .collect(),
        }
    }
}

/// What it takes to open an area's page.
fn area_permission(href: &str) -> Permission {
    match href {
        "/surveys" | "/churn" | "/loyalty" => Permission::ViewAnalytics,
        "/complaints" | "/care" => Permission::ViewCases,
        _ => Permission::ViewCustomers,
    }
}

pub fn router(app: App) -> Router {
    let mut r = Router::new()
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/lang", post(auth::switch_lang))
        .route("/static/{file}", get(asset))
        .merge(home::routes())
        .merge(care::routes())
        .merge(care_settings::routes())
        .merge(churn::routes())
        .merge(complaints::routes())
        .merge(customers::routes())
        .merge(customer_edit::routes())
        .merge(company::routes())
        .merge(imports::routes())
        .merge(loyalty::routes())
        .merge(loyalty_settings::routes())
        .merge(winback::routes())
        .merge(surveys::routes())
        .merge(survey_form::routes())
        .merge(survey_builder::routes())
        .merge(users::routes());
    for (href, key) in AREAS.iter().skip(1).filter(|(href, _)| {
        !matches!(
            *href,
            "/churn" | "/surveys" | "/complaints" | "/loyalty" | "/care"
        )
    }) {
        let key: &'static str = key;
        r = r.route(
            href,
            get(move |ctx: WebCtx| async move { coming(ctx, key) }),
        );
    }
    r.with_state(app)
}

#[derive(Template)]
#[template(path = "coming.html")]
struct ComingPage {
    l: Layout,
    active: &'static str,
}

fn coming(ctx: WebCtx, key: &'static str) -> Response {
    page(ComingPage {
        l: Layout::new(&ctx, key),
        active: key,
    })
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    code: String,
    message: String,
}

/// A file as an attachment.
pub(crate) fn download(d: app::churn::results::Download) -> Response {
    (
        [
            (header::CONTENT_TYPE, d.content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", d.file_name),
            ),
        ],
        d.bytes,
    )
        .into_response()
}

/// Render a template into a response (a template error is a bug: 500 with a plain message).
pub(crate) fn page(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!("template: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// An error shown as a page, with the status from the error table.
pub(crate) fn error_page(ctx: &WebCtx, e: AppError) -> Response {
    let e = e.localized(ctx.actor.lang);
    let status =
        StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let lang = ctx.actor.lang;
    let (zh, en) = match status.as_u16() {
        401 => ("请先登录", "Please sign in"),
        403 => ("无权访问", "Not allowed"),
        404 => ("找不到", "Not found"),
        409 => ("已被他人修改", "Changed by someone else"),
        400 | 413 | 422 => ("无法处理这些内容", "This could not be used"),
        429 => ("请稍后再试", "Too many tries"),
        _ => ("出错了", "Something went wrong"),
    };
    let mut r = page(ErrorPage {
        l: Layout::new(ctx, ""),
        code: lang.pick(zh, en).to_string(),
        message: e.message,
    });
    *r.status_mut() = status;
    r
}

/// What a form's handler makes of the app's answer.
pub(crate) enum Answer {
    /// Done (a redirect to the next page) or failed outright (the error page).
    Page(Response),
    /// A refused input (409, 422): the form's page again, with this message.
    Again(String),
}

/// A form's answer: success redirects to `to(&value)`; a refused input (a conflict or an
/// invalid field) comes back as its message in the reader's language, for the page the form
/// came from; anything else is the error page.
pub(crate) fn answer<T>(
    ctx: &WebCtx,
    r: Result<T, AppError>,
    to: impl FnOnce(&T) -> String,
) -> Answer {
    match r {
        Ok(v) => Answer::Page(Redirect::to(&to(&v)).into_response()),
        Err(e) if matches!(e.code.http_status(), 409 | 422) => {
            Answer::Again(e.localized(ctx.actor.lang).message)
        }
        Err(e) => Answer::Page(error_page(ctx, e)),
    }
}

pub(crate) fn actor(ctx: &WebCtx) -> &Actor {
    &ctx.actor
}

static HTMX: &[u8] = include_bytes!("../static/htmx.min.js");
static ECHARTS: &[u8] = include_bytes!("../static/echarts.min.js");
static CSS: &[u8] = include_bytes!("../static/app.css");
static PROFILE_JS: &[u8] = include_bytes!("../static/profile.js");
static IMPORT_JS: &[u8] = include_bytes!("../static/import.js");
static CHURN_JS: &[u8] = include_bytes!("../static/churn.js");
static SURVEYS_JS: &[u8] = include_bytes!("../static/surveys.js");
static FORM_JS: &[u8] = include_bytes!("../static/survey_form.js");
static COMPLAINTS_JS: &[u8] = include_bytes!("../static/complaints.js");
static LOYALTY_JS: &[u8] = include_bytes!("../static/loyalty.js");
static HOME_JS: &[u8] = include_bytes!("../static/home.js");
static COMPANY_JS: &[u8] = include_bytes!("../static/company.js");

async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, ctype) = match file.as_str() {
        "htmx.min.js" => (HTMX, "text/javascript"),
        "echarts.min.js" => (ECHARTS, "text/javascript"),
        "profile.js" => (PROFILE_JS, "text/javascript"),
        "import.js" => (IMPORT_JS, "text/javascript"),
        "churn.js" => (CHURN_JS, "text/javascript"),
        "surveys.js" => (SURVEYS_JS, "text/javascript"),
        "survey_form.js" => (FORM_JS, "text/javascript"),
        "complaints.js" => (COMPLAINTS_JS, "text/javascript"),
        "loyalty.js" => (LOYALTY_JS, "text/javascript"),
        "home.js" => (HOME_JS, "text/javascript"),
        "company.js" => (COMPANY_JS, "text/javascript"),
        "app.css" => (CSS, "text/css"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, ctype),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

/// The company's clock (the business hours' UTC offset): the pages show times on it, as the
/// agents read them off the wall, and name the zone.
#[derive(Clone, Copy)]
pub(crate) struct Clock(pub(crate) i32);

impl Clock {
    pub(crate) async fn of(app: &App) -> Clock {
        Clock(
            app.complaint_settings().await.map_or(
                app::complaints::Settings::default()
                    .hours
                    .utc_offset_minutes,
                |s| s.hours.utc_offset_minutes,
            ),
        )
    }
    pub(crate) fn show(&self, t: &str) -> String {
        domain::time::local_minutes(t, self.0)
    }
    pub(crate) fn zone(&self) -> String {
        domain::time::offset_label(self.0)
    }
    /// Today's date on the company's clock (YYYY-MM-DD).
    pub(crate) fn today(&self) -> String {
        domain::time::wall_clock(chrono::Utc::now(), self.0)
            .date()
            .to_string()
    }
}

/// The base of public links: `FIDELIS_PUBLIC_URL`, else this request's host.
pub(crate) fn public_base(headers: &axum::http::HeaderMap) -> String {
    if let Ok(u) = std::env::var("FIDELIS_PUBLIC_URL") {
        return u.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}
