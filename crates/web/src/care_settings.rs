//! E-mail settings for care (administrators): the SMTP server, how to connect, who the mail is
//! from, and the password — from the environment, or typed here and stored sealed — with a
//! button that sends a test e-mail and says plainly what went wrong.

use crate::{actor, answer, error_page, page, Answer, Layout, WebCtx};
use app::care::outbox::SmtpSettings;
use app::App;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/care/settings", get(show).post(save))
        .route("/care/settings/test", post(test))
}

#[derive(Template)]
#[template(path = "care_settings.html")]
struct SettingsPage {
    l: Layout,
    s: SmtpSettings,
    password_stored: bool,
    flash: String,
    error: String,
}

impl SettingsPage {
    fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.l.lang.pick(zh, en)
    }
    fn security_is(&self, v: &str) -> bool {
        self.s.security == v
    }
}

async fn render(
    app: &App,
    ctx: &WebCtx,
    flash: String,
    error: String,
    typed: Option<SmtpSettings>,
) -> Response {
    if let Err(e) = actor(ctx).require(domain::access::Permission::ManageUsers) {
        return error_page(ctx, e);
    }
    let stored = app.smtp_settings().await.ok().flatten();
    let password_stored = stored
        .as_ref()
        .is_some_and(|s| !s.password_sealed.is_empty() || !s.password.is_empty());
    let mut s = typed.or(stored).unwrap_or_else(|| SmtpSettings {
        port: 587,
        security: "starttls".into(),
        ..SmtpSettings::default()
    });
    s.password.clear();
    s.password_sealed.clear();
    let mut r = page(SettingsPage {
        l: Layout::new(ctx, "area.care"),
        s,
        password_stored,
        flash,
        error: error.clone(),
    });
    if !error.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

async fn show(State(app): State<App>, ctx: WebCtx) -> Response {
    render(&app, &ctx, String::new(), String::new(), None).await
}

#[derive(Deserialize)]
struct SmtpForm {
    csrf: String,
    host: String,
    port: String,
    security: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_env: String,
    from: String,
}

async fn save(State(app): State<App>, ctx: WebCtx, Form(f): Form<SmtpForm>) -> Response {
    let lang = ctx.actor.lang;
    let s = SmtpSettings {
        host: f.host.trim().to_string(),
        port: f.port.trim().parse().unwrap_or(0),
        security: f.security,
        username: f.username.trim().to_string(),
        password: f.password,
        password_env: f.password_env.trim().to_string(),
        from: f.from.trim().to_string(),
        password_sealed: String::new(),
    };
    let r = async {
        ctx.check_csrf(&f.csrf)?;
        app.set_smtp_settings(actor(&ctx), &s).await
    }
    .await;
    let saved = lang.pick("已保存", "Saved").to_string();
    match answer(&ctx, r, |_| String::new()) {
        Answer::Page(p) if p.status().is_redirection() => {
            render(&app, &ctx, saved, String::new(), None).await
        }
        Answer::Page(p) => p,
        Answer::Again(m) => render(&app, &ctx, String::new(), m, Some(s)).await,
    }
}

#[derive(Deserialize)]
struct TestForm {
    csrf: String,
    to: String,
}

async fn test(State(app): State<App>, ctx: WebCtx, Form(f): Form<TestForm>) -> Response {
    let lang = ctx.actor.lang;
    let r = async {
        ctx.check_csrf(&f.csrf)?;
        app.send_test_email(actor(&ctx), &f.to).await
    }
    .await;
    match r {
        Ok(()) => {
            let done = match lang {
                domain::Lang::ZhCn => format!("测试邮件已发给 {}", f.to.trim()),
                domain::Lang::En => format!("A test e-mail went to {}", f.to.trim()),
            };
            render(&app, &ctx, done, String::new(), None).await
        }
        Err(e) if matches!(e.code.http_status(), 409 | 422) => {
            let why = e.localized(lang).message;
            let msg = match lang {
                domain::Lang::ZhCn => format!("测试邮件没有发出：{why}"),
                domain::Lang::En => format!("The test e-mail did not go: {why}"),
            };
            render(&app, &ctx, String::new(), msg, None).await
        }
        Err(e) => error_page(&ctx, e),
    }
}
