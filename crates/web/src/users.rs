//! User administration page (administrators only).

use crate::{actor, error_page, page, Layout, WebCtx};
use app::App;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use domain::access::Role;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new().route("/admin/users", get(list).post(add))
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    l: Layout,
    users: Vec<(String, &'static str, String)>,
    roles: Vec<(&'static str, &'static str)>,
    flash: Option<String>,
    error: Option<String>,
}

async fn render(app: &App, ctx: &WebCtx, flash: Option<String>, error: Option<String>) -> Response {
    let lang = ctx.actor.lang;
    match app.users(actor(ctx)).await {
        Ok(users) => page(UsersPage {
            l: Layout::new(ctx, ""),
            users: users
                .into_iter()
                .map(|u| {
                    (
                        u.username,
                        lang.t(&format!("role.{}", u.role.as_str())),
                        u.created_at,
                    )
                })
                .collect(),
            roles: Role::ALL
                .iter()
                .map(|r| (r.as_str(), lang.t(&format!("role.{}", r.as_str()))))
                .collect(),
            flash,
            error,
        }),
        Err(e) => error_page(ctx, e),
    }
}

async fn list(State(app): State<App>, ctx: WebCtx) -> Response {
    render(&app, &ctx, None, None).await
}

#[derive(Deserialize)]
struct AddForm {
    #[serde(default)]
    csrf: String,
    username: String,
    password: String,
    role: String,
}

async fn add(State(app): State<App>, ctx: WebCtx, Form(f): Form<AddForm>) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let role = match Role::parse(&f.role) {
        Ok(r) => r,
        Err(e) => return render(&app, &ctx, None, Some(e)).await,
    };
    match app
        .add_user(actor(&ctx), &f.username, &f.password, role)
        .await
    {
        Ok(u) => {
            render(
                &app,
                &ctx,
                Some(format!("{} {}", ctx.actor.lang.t("user.add"), u.username)),
                None,
            )
            .await
        }
        Err(e) if e.code == domain::ErrorCode::Forbidden => error_page(&ctx, e),
        Err(e) => render(&app, &ctx, None, Some(e.localized(ctx.actor.lang).message)).await,
    }
}
