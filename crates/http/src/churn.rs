//! `/api/v1/churn…`: customer-base analyses (BG/NBD, Gamma-Gamma, CLV, RFM, cohorts, churn)
//! as runs on the stored transactions, their results, the win-back list and the per-customer
//! export; `/api/v1/customers/{id}/value` for one customer.

use crate::error::{Json, Path, Query};
use crate::{ApiActor, ApiError};
use app::churn::store::ClvRunRequest;
use app::{App, AppError};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use domain::access::Permission;
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/churn/runs", get(list).post(start))
        .route("/churn/runs/{id}", get(one))
        .route("/churn/latest", get(latest))
        .route("/churn/at-risk", get(at_risk))
        .route("/churn/customers", get(export))
        .route("/customers/{id}/value", get(customer_value))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StartQuery {
    /// Answer when the run has finished (200 with the run) instead of 202 at once.
    wait: bool,
}

async fn start(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Query(q): Query<StartQuery>,
    body: axum::body::Bytes,
) -> Result<impl IntoResponse, ApiError> {
    a.require(Permission::RunAnalytics)?;
    // The body is optional: none means every default.
    let req: ClvRunRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ClvRunRequest::default()
    } else {
        let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            AppError::new(domain::ErrorCode::InvalidJson, a.lang)
                .with_details(json!({ "reason": e.to_string() }))
        })?;
        crate::error::object_body(v, a.lang)?
    };
    let opts = req.options(a.lang)?;
    let id = app.start_clv_run(&a, opts).await?;
    if q.wait {
        loop {
            let (run, _) = app.clv_run(&a, id).await?;
            if run.status != "running" {
                return Ok((StatusCode::OK, Json(json!({ "run": run }))).into_response());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let (run, progress) = app.clv_run(&a, id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "run": run, "progress": progress })),
    )
        .into_response())
}

async fn list(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    let items = app.clv_runs(&a, 100).await?;
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total })))
}

async fn one(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let (run, progress) = app.clv_run(&a, id).await?;
    Ok(Json(json!({ "run": run, "progress": progress })))
}

async fn latest(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    match app.latest_clv(&a).await? {
        Some(run) => Ok(Json(json!({ "run": run }))),
        None => Err(AppError::not_found(a.lang, "finished analysis run").into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AtRiskQuery {
    limit: Option<i64>,
    threshold: Option<f64>,
}

async fn at_risk(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Query(q): Query<AtRiskQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let threshold = match q.threshold {
        Some(t) if !(0.0..=1.0).contains(&t) => {
            return Err(AppError::field(
                a.lang,
                "threshold",
                a.lang.pick(
                    "threshold 应在 0 到 1 之间",
                    "threshold must be from 0 to 1",
                ),
            )
            .into())
        }
        Some(t) => t,
        None => app
            .latest_clv(&a)
            .await?
            .and_then(|r| r.options["churn_threshold"].as_f64())
            .unwrap_or(0.5),
    };
    let rows = app
        .valuable_at_risk(
            &a,
            threshold,
            crate::error::ranged(a.lang, "limit", q.limit, 50, 1..=1000)?,
        )
        .await?;
    let items: Vec<_> = rows
        .into_iter()
        .map(|(id, external_id, name, v)| {
            json!({ "id": id, "external_id": external_id, "name": name, "value": v })
        })
        .collect();
    Ok(Json(json!({ "threshold": threshold, "items": items })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExportQuery {
    format: String,
}

async fn export(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Query(q): Query<ExportQuery>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(file(app.export_customer_values(&a, &q.format).await?))
}

/// A download as an attachment.
pub(crate) fn file(d: app::churn::results::Download) -> impl IntoResponse {
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
}

async fn customer_value(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    // The customer must exist (404 otherwise); a customer without purchases has no value yet.
    app.store.customer(id).await.map_err(|e| match e {
        storage::StoreError::NotFound => AppError::not_found(a.lang, "customer"),
        e => e.into(),
    })?;
    let value = app.customer_value(&a, id).await?;
    Ok(Json(json!({ "customer_id": id, "value": value })))
}
