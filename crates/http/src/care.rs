//! `/api/v1/care…`: care rules (list, create from a template or from scratch, change, delete,
//! dry run), a sweep on demand, the outbox (the delivery log), SMTP settings and a test e-mail,
//! care tasks, and the signed-in user's notifications.

use crate::error::{Json, Path, Query};
use crate::{ApiActor, ApiError};
use app::care::outbox::SmtpSettings;
use app::App;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use domain::access::Permission;
use domain::care::RuleSpec;
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/care/rules", get(rules).post(create))
        .route("/care/rules/{id}", get(rule).put(update).delete(delete))
        .route("/care/rules/{id}/dry-run", get(dry_run))
        .route("/care/templates", get(templates))
        .route("/care/sweep", post(sweep))
        .route("/care/outbox", get(outbox))
        .route("/care/smtp", get(smtp).put(set_smtp))
        .route("/care/smtp/test", post(test_mail))
        .route("/care/tasks", get(tasks))
        .route("/care/tasks/{id}/close", post(close_task))
        .route("/notifications", get(notifications))
        .route("/notifications/read", post(read_all))
}

async fn rules(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!({ "items": app.care_rules(&a).await? })))
}

async fn rule(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(app.care_rule(&a, id).await?))
}

async fn create(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(spec): Json<RuleSpec>,
) -> Result<impl IntoResponse, ApiError> {
    let id = app.create_care_rule(&a, &spec).await?;
    Ok((StatusCode::CREATED, Json(app.care_rule(&a, id).await?)))
}

#[derive(Deserialize)]
struct Update {
    version: i64,
    #[serde(flatten)]
    spec: RuleSpec,
}

async fn update(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(u): Json<Update>,
) -> Result<impl IntoResponse, ApiError> {
    app.update_care_rule(&a, id, u.version, &u.spec).await?;
    Ok(Json(app.care_rule(&a, id).await?))
}

async fn delete(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    app.delete_care_rule(&a, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn dry_run(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let hits = app.dry_run_care_rule(&a, id).await?;
    Ok(Json(json!({ "total": hits.len(), "items": hits })))
}

async fn templates(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    a.require(Permission::ViewAnalytics)?;
    Ok(Json(json!({ "items": app.care_templates(&a) })))
}

async fn sweep(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    a.require(Permission::ManageCases)?;
    let fired = app.sweep_care(chrono::Utc::now()).await?;
    let sent = app.drain_outbox().await?;
    Ok(Json(json!({ "fired": fired, "sent": sent })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OutboxQuery {
    firing: Option<i64>,
    limit: Option<i64>,
}

async fn outbox(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Query(q): Query<OutboxQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let items = app
        .care_outbox(
            &a,
            q.firing,
            crate::error::ranged(a.lang, "limit", q.limit, 100, 1..=1000)?,
        )
        .await?;
    Ok(Json(json!({ "items": items })))
}

async fn smtp(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(app.smtp_shown(&a).await?))
}

async fn set_smtp(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(s): Json<SmtpSettings>,
) -> Result<impl IntoResponse, ApiError> {
    app.set_smtp_settings(&a, &s).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct TestMail {
    to: String,
}

async fn test_mail(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(t): Json<TestMail>,
) -> Result<impl IntoResponse, ApiError> {
    app.send_test_email(&a, &t.to).await?;
    Ok(Json(json!({ "sent": true })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TaskQuery {
    mine: bool,
    customer: Option<i64>,
}

async fn tasks(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Query(q): Query<TaskQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let items = app.care_tasks(&a, q.mine, q.customer).await?;
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize)]
struct CloseTask {
    state: String,
    #[serde(default)]
    result: String,
}

async fn close_task(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(b): Json<CloseTask>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(
        app.close_care_task(&a, id, &b.state, &b.result).await?,
    ))
}

async fn notifications(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    let (items, unread) = app.notifications(&a).await?;
    Ok(Json(json!({ "unread": unread, "items": items })))
}

async fn read_all(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!({ "read": app.read_notifications(&a).await? })))
}
