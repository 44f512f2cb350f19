//! The JSON API under `/api/v1`: customers with search and pagination, profiles with timeline,
//! transactions, contacts and notes, imports as jobs, users and the audit log; the OpenAPI
//! document at `/api/openapi.json` and its page at `/api/docs`.
//!
//! Every error is `{"error":{"code","message","details"}}` with the status from the one error
//! table; bad input never becomes a bare 500.

// The OpenAPI document is one `json!` literal, deeper than the default macro recursion limit.
#![recursion_limit = "512"]

pub mod access;
mod care;
mod churn;
mod complaints;
mod customers;
mod error;
mod imports;
mod loyalty;
mod openapi;
pub mod security;
mod strict;
mod surveys;
mod users;

pub use error::ApiError;

use app::{Actor, App};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use domain::{ErrorCode, Lang};

/// The caller of an API request, from `Authorization: Bearer <token>` (found once: kept by
/// [`access::authorize`] for the handler).
#[derive(Clone)]
pub struct ApiActor(pub Actor);

impl FromRequestParts<App> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        if let Some(found) = parts.extensions.get::<ApiActor>() {
            return Ok(found.clone());
        }
        let lang = request_lang(parts);
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            return Err(ApiError(app::AppError::new(
                ErrorCode::Unauthenticated,
                lang,
            )));
        };
        let mut actor = app
            .actor_for_token(token)
            .await
            .map_err(|e| ApiError(e.localized(lang)))?;
        if parts
            .headers
            .contains_key(axum::http::header::ACCEPT_LANGUAGE)
        {
            actor.lang = lang;
        }
        Ok(ApiActor(actor))
    }
}

pub(crate) fn request_lang(parts: &Parts) -> Lang {
    parts
        .headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept)
        .unwrap_or(Lang::En)
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .nest(
            "/api/v1",
            customers::routes()
                .merge(care::routes())
                .merge(churn::routes())
                .merge(complaints::routes())
                .merge(imports::routes())
                .merge(loyalty::routes())
                .merge(surveys::routes())
                .merge(users::routes())
                .route_layer(axum::middleware::from_fn_with_state(
                    app.clone(),
                    access::authorize,
                )),
        )
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/docs", get(openapi::docs_page))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .with_state(app)
}

async fn healthz(State(app): State<App>) -> impl IntoResponse {
    match app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "store unreachable"),
    }
}

async fn api_not_found() -> ApiError {
    ApiError(app::AppError::not_found(Lang::En, "no such API endpoint"))
}
