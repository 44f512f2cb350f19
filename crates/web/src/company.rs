//! The company page (administrators): the name and logo customers see on the survey form, and
//! the logo itself, served without sign-in.

use crate::{actor, error_page, page, Layout, WebCtx};
use app::App;
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin/company", get(company_page).post(save_name))
        .route("/admin/company/logo", post(save_logo))
        .route("/public/logo", get(logo))
}

#[derive(Template)]
#[template(path = "company.html")]
struct CompanyPage {
    l: Layout,
    c: app::company::Company,
    flash: String,
    error: String,
}

async fn render(app: &App, ctx: &WebCtx, flash: String, error: String) -> Response {
    if let Err(e) = actor(ctx).require(Permission::ManageUsers) {
        return error_page(ctx, e);
    }
    let mut r = page(CompanyPage {
        l: Layout::new(ctx, ""),
        c: app.company().await.unwrap_or_default(),
        flash,
        error: error.clone(),
    });
    if !error.is_empty() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

async fn company_page(State(app): State<App>, ctx: WebCtx) -> Response {
    render(&app, &ctx, String::new(), String::new()).await
}

#[derive(Deserialize)]
struct NameForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

async fn save_name(State(app): State<App>, ctx: WebCtx, Form(f): Form<NameForm>) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let lang = ctx.actor.lang;
    match app.set_company_name(actor(&ctx), &f.name).await {
        Ok(_) => {
            render(
                &app,
                &ctx,
                lang.pick("已保存", "Saved").into(),
                String::new(),
            )
            .await
        }
        Err(e) if e.code == domain::ErrorCode::Forbidden => error_page(&ctx, e),
        Err(e) => render(&app, &ctx, String::new(), e.localized(lang).message).await,
    }
}

/// The logo's bytes as the page's script sends them (an empty body removes it); the CSRF token
/// in a header, as for file imports.
async fn save_logo(
    State(app): State<App>,
    ctx: WebCtx,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Err(e) = ctx.check_csrf(token) {
        return error_page(&ctx, e);
    }
    let lang = ctx.actor.lang;
    match app.set_company_logo(actor(&ctx), &body).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => {
            let e = e.localized(lang);
            let status =
                StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            (status, e.message).into_response()
        }
    }
}

async fn logo(State(app): State<App>) -> Response {
    match app.company_logo().await {
        Ok(Some((ctype, bytes))) => (
            [
                (header::CONTENT_TYPE, ctype),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            bytes,
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
