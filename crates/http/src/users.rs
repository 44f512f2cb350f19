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
        .route("/me/contact", axum::routing::put(my_contact))
        .route("/users", get(list).post(create))
        .route(
            "/users/{username}/contact",
            axum::routing::put(user_contact),
        )
        .route("/users/{username}", axum::routing::put(user_access))
        .route(
            "/users/{username}/password",
            axum::routing::post(user_password),
        )
        .route("/audit", get(audit))
}

async fn me(State(app): State<App>, ApiActor(a): ApiActor) -> impl IntoResponse {
    let (email, notify) = app
        .me(&a)
        .await
        .map_or((String::new(), false), |u| (u.email, u.email_notifications));
    Json(json!({
        "username": a.username, "role": a.role, "lang": a.lang,
        "email": email, "email_notifications": notify,
    }))
}

#[derive(Deserialize)]
struct Contact {
    #[serde(default)]
    email: String,
    #[serde(default = "yes")]
    email_notifications: bool,
}

fn yes() -> bool {
    true
}

async fn my_contact(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(c): Json<Contact>,
) -> Result<impl IntoResponse, ApiError> {
    let name = a.username.clone();
    Ok(Json(
        app.set_user_contact(&a, &name, &c.email, c.email_notifications)
            .await?,
    ))
}

async fn user_contact(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    crate::error::Path(username): crate::error::Path<String>,
    Json(c): Json<Contact>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(
        app.set_user_contact(&a, &username, &c.email, c.email_notifications)
            .await?,
    ))
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
        .audit_log(
            q.entity.as_deref(),
            crate::error::ranged(a.lang, "limit", q.limit, 100, 1..=1000)?,
        )
        .await
        .map_err(app::AppError::from)?;
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total })))
}

#[derive(Deserialize)]
struct Access {
    role: Role,
    active: bool,
}

async fn user_access(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    crate::error::Path(username): crate::error::Path<String>,
    Json(b): Json<Access>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(
        app.set_user_access(&a, &username, b.role, b.active).await?,
    ))
}

#[derive(Deserialize)]
struct NewPassword {
    password: String,
}

async fn user_password(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    crate::error::Path(username): crate::error::Path<String>,
    Json(b): Json<NewPassword>,
) -> Result<impl IntoResponse, ApiError> {
    app.reset_password(&a, &username, &b.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
