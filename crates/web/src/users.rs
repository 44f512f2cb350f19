//! User administration page (administrators only).

use crate::{actor, error_page, page, Layout, WebCtx};
use app::App;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Role;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin/users", get(list).post(add))
        .route("/admin/users/{name}/contact", post(user_contact))
        .route("/admin/users/{name}/access", post(user_access))
        .route("/admin/users/{name}/password", post(user_password))
        .route("/admin/users/{name}/team", post(user_team))
        .route("/admin/teams", post(add_team))
        .route("/admin/teams/{id}", post(edit_team))
        .route("/account", get(account))
        .route("/account/contact", post(my_contact))
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    l: Layout,
    /// Name, role, created (company time), e-mail, notifications by e-mail.
    users: Vec<(String, &'static str, String, String, bool)>,
    /// Name, role code, active: the access forms.
    access: Vec<(String, &'static str, bool)>,
    roles: Vec<(&'static str, &'static str)>,
    /// The teams, the managers who may lead one, and each case worker's team (name → id).
    teams: Vec<storage::complaints::Team>,
    managers: Vec<String>,
    team_of: std::collections::HashMap<String, i64>,
    flash: Option<String>,
    error: Option<String>,
    zone: String,
}

impl UsersPage {
    fn in_team(&self, user: &str, team: &i64) -> bool {
        self.team_of.get(user) == Some(team)
    }
    /// Whether the user works cases (and so can be in a team).
    fn works_cases(&self, role: &str) -> bool {
        Role::parse(role).is_ok_and(|r| r.can(domain::access::Permission::EditCases))
    }
}

async fn render(app: &App, ctx: &WebCtx, flash: Option<String>, error: Option<String>) -> Response {
    let lang = ctx.actor.lang;
    let clock = crate::Clock::of(app).await;
    let teams = app.complaint_teams(actor(ctx)).await.unwrap_or_default();
    let team_of = teams
        .iter()
        .flat_map(|t| t.members.iter().map(|m| (m.clone(), t.id)))
        .collect();
    match app.users(actor(ctx)).await {
        Ok(users) => page(UsersPage {
            l: Layout::new(ctx, ""),
            managers: users
                .iter()
                .filter(|u| u.active && u.role.can(domain::access::Permission::ManageCases))
                .map(|u| u.username.clone())
                .collect(),
            teams,
            team_of,
            access: users
                .iter()
                .map(|u| (u.username.clone(), u.role.as_str(), u.active))
                .collect(),
            users: users
                .into_iter()
                .map(|u| {
                    (
                        u.username,
                        lang.t(&format!("role.{}", u.role.as_str())),
                        clock.show(&u.created_at),
                        u.email,
                        u.email_notifications,
                    )
                })
                .collect(),
            zone: clock.zone(),
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

/// The users page after an administrator's change: what was done, or why not (a refusal of the
/// right itself is the error page).
async fn after(app: &App, ctx: &WebCtx, r: Result<String, app::AppError>) -> Response {
    match r {
        Ok(done) => render(app, ctx, Some(done), None).await,
        Err(e) if e.code == domain::ErrorCode::Forbidden => error_page(ctx, e),
        Err(e) => render(app, ctx, None, Some(e.localized(ctx.actor.lang).message)).await,
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
    let r = app
        .add_user(actor(&ctx), &f.username, &f.password, role)
        .await
        .map(|u| format!("{} {}", ctx.actor.lang.t("user.add"), u.username));
    after(&app, &ctx, r).await
}

#[derive(Deserialize)]
struct ContactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    email_notifications: Option<String>,
}

async fn user_contact(
    State(app): State<App>,
    ctx: WebCtx,
    Path(name): Path<String>,
    Form(f): Form<ContactForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let lang = ctx.actor.lang;
    let r = app
        .set_user_contact(
            actor(&ctx),
            &name,
            &f.email,
            f.email_notifications.is_some(),
        )
        .await
        .map(|u| format!("{} {}", lang.pick("已保存", "Saved"), u.username));
    after(&app, &ctx, r).await
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    email: String,
    email_notifications: bool,
    mail: bool,
    flash: Option<String>,
    error: Option<String>,
}

async fn render_account(
    app: &App,
    ctx: &WebCtx,
    flash: Option<String>,
    error: Option<String>,
    typed: Option<String>,
) -> Response {
    match app.me(actor(ctx)).await {
        Ok(u) => page(AccountPage {
            l: Layout::new(ctx, ""),
            email: typed.unwrap_or(u.email),
            email_notifications: u.email_notifications,
            mail: app.smtp_settings().await.ok().flatten().is_some(),
            flash,
            error,
        }),
        Err(e) => error_page(ctx, e),
    }
}

async fn account(State(app): State<App>, ctx: WebCtx) -> Response {
    render_account(&app, &ctx, None, None, None).await
}

async fn my_contact(State(app): State<App>, ctx: WebCtx, Form(f): Form<ContactForm>) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let lang = ctx.actor.lang;
    let me = ctx.actor.username.clone();
    match app
        .set_user_contact(actor(&ctx), &me, &f.email, f.email_notifications.is_some())
        .await
    {
        Ok(_) => {
            let done = lang.pick("已保存", "Saved").to_string();
            render_account(&app, &ctx, Some(done), None, None).await
        }
        Err(e) => {
            let mut r = render_account(
                &app,
                &ctx,
                None,
                Some(e.localized(lang).message),
                Some(f.email),
            )
            .await;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
    }
}

#[derive(Deserialize)]
struct AccessForm {
    #[serde(default)]
    csrf: String,
    role: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    active: Option<String>,
}

async fn user_access(
    State(app): State<App>,
    ctx: WebCtx,
    Path(name): Path<String>,
    Form(f): Form<AccessForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let lang = ctx.actor.lang;
    let role = match Role::parse(&f.role) {
        Ok(r) => r,
        Err(e) => return render(&app, &ctx, None, Some(e)).await,
    };
    let r = app
        .set_user_access(actor(&ctx), &name, role, f.active.is_some())
        .await
        .map(|u| format!("{} {}", lang.pick("已保存", "Saved"), u.username));
    after(&app, &ctx, r).await
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    password: String,
}

async fn user_password(
    State(app): State<App>,
    ctx: WebCtx,
    Path(name): Path<String>,
    Form(f): Form<PasswordForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let lang = ctx.actor.lang;
    let r = app
        .reset_password(actor(&ctx), &name, &f.password)
        .await
        .map(|()| format!("{} {name}", lang.pick("已重设密码：", "Password reset for")));
    after(&app, &ctx, r).await
}

#[derive(Deserialize)]
struct TeamForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    manager: String,
}

async fn add_team(State(app): State<App>, ctx: WebCtx, Form(f): Form<TeamForm>) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let lang = ctx.actor.lang;
    let r = app
        .create_complaint_team(actor(&ctx), &f.name, &f.manager, &[])
        .await
        .map(|t| format!("{} {}", lang.pick("已建立小组", "Team created:"), t.name));
    after(&app, &ctx, r).await
}

async fn edit_team(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<TeamForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let lang = ctx.actor.lang;
    let r = app
        .update_complaint_team(actor(&ctx), id, &f.name, &f.manager)
        .await
        .map(|t| format!("{} {}", lang.pick("已保存小组", "Team saved:"), t.name));
    after(&app, &ctx, r).await
}

#[derive(Deserialize)]
struct UserTeamForm {
    #[serde(default)]
    csrf: String,
    /// A team's id; 0 or empty: no team.
    #[serde(default)]
    team: String,
}

async fn user_team(
    State(app): State<App>,
    ctx: WebCtx,
    Path(name): Path<String>,
    Form(f): Form<UserTeamForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let lang = ctx.actor.lang;
    let team = f.team.trim().parse::<i64>().ok().filter(|t| *t > 0);
    let r = app
        .set_user_team(actor(&ctx), &name, team)
        .await
        .map(|_| format!("{} {name}", lang.pick("已保存", "Saved")));
    after(&app, &ctx, r).await
}
