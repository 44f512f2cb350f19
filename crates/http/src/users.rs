//! `/api/v1/me`, `/api/v1/users` (administrators) and `/api/v1/audit`.

use crate::error::{Json, Query};
use crate::{ApiActor, ApiError};
use app::App;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use domain::access::{Permission, Role};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/me", get(me))
        .route("/users", get(list).post(create))
        .route("/audit", get(audit))
}

async fn me(ApiActor(a): ApiActor) -> impl IntoResponse {
    Json(json!({ "username": a.username, "role": a.role, "lang": a.lang }))
}

async fn list(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    let users = app.users(&a).await?;
    let total = users.len();
    Ok(Json(json!({ "items": users, "total": total })))
}

#[derive(Deserialize)]
struct NewUser {
    username: String,
    password: String,
    role: Role,
}

async fn create(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(u): Json<NewUser>,
) -> Result<impl IntoResponse, ApiError> {
    let user = app.add_user(&a, &u.username, &u.password, u.role).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuditQuery {
    entity: Option<String>,
    limit: Option<i64>,
}

async fn audit(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Query(q): Query<AuditQuery>,
) -> Result<impl IntoResponse, ApiError> {
    a.require(Permission::ViewAudit)?;
    let items = app
        .store
        .audit_log(q.entity.as_deref(), q.limit.unwrap_or(100).clamp(1, 1000))
        .await
        .map_err(app::AppError::from)?;
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total })))
}
