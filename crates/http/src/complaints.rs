//! `/api/v1/complaints…`: recording complaint cases, their handling steps (each at the version
//! the agent saw: a stale one is 409), assignment, linking an unknown caller to a customer, the
//! follow-up tasks, teams and the service-level settings.

use crate::error::{Json, Path, Query};
use crate::{ApiActor, ApiError};
use app::complaints::{ComplaintInput, Settings};
use app::App;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use domain::complaints::Action;
use serde::Deserialize;
use serde_json::json;
use storage::complaints::Filter;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/complaints", get(list).post(create))
        .route("/complaints/settings", get(settings).put(set_settings))
        .route("/complaints/overview", get(overview))
        .route("/complaints/export", get(export))
        .route("/complaints/teams", get(teams).post(create_team))
        .route("/complaints/teams/{id}", axum::routing::put(update_team))
        .route(
            "/complaints/teams/members/{name}",
            axum::routing::put(set_member),
        )
        .route("/complaints/tasks", get(tasks))
        .route("/complaints/tasks/{id}/done", post(finish_task))
        .route("/complaints/{id}", get(one))
        .route("/complaints/{id}/steps", post(step))
        .route("/complaints/{id}/assign", post(assign))
        .route("/complaints/{id}/reply", post(reply))
        .route("/complaints/bulk", post(bulk))
        .route("/complaints/{id}/customer", post(link_customer))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    state: String,
    severity: String,
    cause: String,
    assignee: String,
    /// `1`: the reader's own cases.
    mine: String,
    /// `1`: open cases past a due time.
    overdue: String,
    /// `1`: cases escalated to the reader.
    escalated: String,
    customer_id: Option<i64>,
    limit: Option<i64>,
    offset: Option<i64>,
    /// For the export: csv, csv-gb18030 or xlsx.
    format: String,
}

fn filter_of(a: &app::Actor, q: ListQuery) -> Result<Filter, ApiError> {
    Ok(Filter {
        state: q.state,
        severity: q.severity,
        cause: q.cause,
        assignee: if q.mine == "1" {
            Some(a.username.clone())
        } else {
            Some(q.assignee).filter(|s| !s.is_empty())
        },
        escalated_to: (q.escalated == "1").then(|| a.username.clone()),
        customer_id: q.customer_id,
        overdue_at: (q.overdue == "1").then(domain::time::now_stored),
        limit: crate::error::ranged(a.lang, "limit", q.limit, 50, 1..=1000)?,
        offset: crate::error::ranged(a.lang, "offset", q.offset, 0, 0..=10_000_000)?,
        ..Filter::default()
    })
}

async fn export(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Query(q): Query<ListQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let format = q.format.clone();
    let d = app
        .export_complaints(&a, filter_of(&a, q)?, &format)
        .await?;
    Ok(crate::churn::file(d))
}

async fn list(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Query(q): Query<ListQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let f = filter_of(&a, q)?;
    let (items, total) = app.complaints(&a, f).await?;
    Ok(Json(json!({ "items": items, "total": total })))
}

async fn create(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(input): Json<ComplaintInput>,
) -> Result<impl IntoResponse, ApiError> {
    let c = app.create_complaint(&a, &input).await?;
    Ok((StatusCode::CREATED, Json(json!(c))))
}

async fn one(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(app.complaint(&a, id).await?)))
}

/// A step: the version the agent saw and the action with its fields (`{"version": 3,
/// "action": "acknowledge", "note": "…"}`).
#[derive(Deserialize)]
struct StepInput {
    version: i64,
    #[serde(flatten)]
    action: Action,
}

async fn step(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(s): Json<StepInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(
        app.complaint_step(&a, id, s.version, &s.action).await?
    )))
}

#[derive(Deserialize)]
struct AssignInput {
    version: i64,
    assignee: String,
}

async fn assign(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(s): Json<AssignInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(
        app.assign_complaint(&a, id, s.version, &s.assignee).await?
    )))
}

async fn reply(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(r): Json<app::complaints::reply::Reply>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(app.reply_to_complaint(&a, id, &r).await?)))
}

#[derive(Deserialize)]
struct BulkInput {
    ids: Vec<i64>,
    /// `assign` (with `assignee`) or `close` (with `lesson`).
    action: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    lesson: String,
}

async fn bulk(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(b): Json<BulkInput>,
) -> Result<impl IntoResponse, ApiError> {
    use app::complaints::bulk::BulkChange;
    let change = match b.action.as_str() {
        "assign" => BulkChange::Assign {
            assignee: b.assignee,
        },
        "close" => BulkChange::Close { lesson: b.lesson },
        _ => {
            return Err(app::AppError::field(a.lang, "action", "assign or close").into());
        }
    };
    Ok(Json(json!(app.bulk_complaints(&a, &b.ids, &change).await?)))
}

#[derive(Deserialize)]
struct LinkInput {
    version: i64,
    customer_id: i64,
}

async fn link_customer(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(s): Json<LinkInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(
        app.link_complaint_customer(&a, id, s.version, s.customer_id)
            .await?
    )))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TasksQuery {
    mine: String,
}

async fn tasks(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Query(q): Query<TasksQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let items = app.complaint_tasks(&a, q.mine == "1").await?;
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total })))
}

#[derive(Deserialize)]
struct TaskDone {
    result: String,
}

async fn finish_task(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(t): Json<TaskDone>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(
        app.finish_complaint_task(&a, id, &t.result).await?
    )))
}

async fn teams(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    let items = app.complaint_teams(&a).await?;
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize)]
struct TeamInput {
    name: String,
    #[serde(default)]
    manager: String,
    #[serde(default)]
    members: Vec<String>,
}

async fn create_team(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(t): Json<TeamInput>,
) -> Result<impl IntoResponse, ApiError> {
    let team = app
        .create_complaint_team(&a, &t.name, &t.manager, &t.members)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(team))))
}

#[derive(Deserialize)]
struct TeamChange {
    name: String,
    #[serde(default)]
    manager: String,
}

async fn update_team(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(t): Json<TeamChange>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(
        app.update_complaint_team(&a, id, &t.name, &t.manager)
            .await?
    )))
}

#[derive(Deserialize)]
struct Membership {
    /// The team's id; null: no team.
    team_id: Option<i64>,
}

async fn set_member(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(name): Path<String>,
    Json(m): Json<Membership>,
) -> Result<impl IntoResponse, ApiError> {
    app.set_user_team(&a, &name, m.team_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn overview(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(app.complaint_overview(&a).await?)))
}

async fn settings(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    a.require(domain::access::Permission::ViewCases)?;
    Ok(Json(json!(app.complaint_settings().await?)))
}

async fn set_settings(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(s): Json<Settings>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(app.set_complaint_settings(&a, s).await?)))
}
