//! `/api/v1/loyalty…` and the churn-management actions under `/api/v1/churn/…`: classification
//! runs, the type mix and movement, customers by type with their reasons (JSON, CSV, xlsx),
//! settings, saved segments; churn types confirmed or corrected per customer, counts by type and
//! cause, win-back candidates, tasks with their steps, and the win-back rate.

use crate::error::{Json, Path, Query};
use crate::{ApiActor, ApiError};
use app::churn::winback::{ConfirmRequest, CreateTasks};
use app::loyalty::{LoyaltySettings, SegmentFilter};
use app::{App, AppError};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::Router;
use domain::churn::WinbackStep;
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/loyalty/runs", post(run))
        .route("/loyalty/latest", get(latest))
        .route("/loyalty/customers", get(customers))
        .route("/loyalty/settings", get(settings).put(set_settings))
        .route("/loyalty/segments", get(segments).post(create_segment))
        .route(
            "/loyalty/segments/{id}",
            axum::routing::delete(delete_segment),
        )
        .route("/customers/{id}/loyalty", get(customer))
        .route("/customers/{id}/churn-type", put(confirm))
        .route("/churn/types", get(type_counts))
        .route("/churn/winback/candidates", get(candidates))
        .route("/churn/winback/tasks", get(tasks).post(create_tasks))
        .route("/churn/winback/tasks/{id}", get(task))
        .route("/churn/winback/tasks/{id}/steps", post(step))
        .route("/churn/winback/tasks/{id}/assignee", put(assign))
        .route("/churn/winback/rates", get(rates))
}

async fn run(State(app): State<App>, ApiActor(a): ApiActor) -> Result<impl IntoResponse, ApiError> {
    let (id, summary) = app.run_loyalty(&a).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "run_id": id, "summary": summary })),
    ))
}

async fn latest(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    match app.latest_loyalty_run(&a).await? {
        Some(run) => Ok(Json(
            json!({ "run": run, "mix": app.loyalty_mix(&a).await? }),
        )),
        None => Err(AppError::not_found(a.lang, "loyalty classification").into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    #[serde(rename = "type")]
    loyalty_type: String,
    status: String,
    segment: String,
    top20: bool,
    /// A saved segment's id instead of the filter fields.
    saved: Option<i64>,
    limit: Option<i64>,
    offset: Option<i64>,
    /// csv, csv-gb18030 or xlsx: the whole list as a file.
    format: Option<String>,
}

async fn customers(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Query(q): Query<ListQuery>,
) -> Result<axum::response::Response, ApiError> {
    let filter = match q.saved {
        Some(id) => app.saved_segment_filter(&a, id).await?,
        None => SegmentFilter {
            loyalty_type: q.loyalty_type.clone(),
            status: q.status.clone(),
            segment: q.segment.clone(),
            top20: q.top20,
        },
    };
    if let Some(format) = q.format.as_deref() {
        return Ok(
            crate::churn::file(app.export_loyalty_customers(&a, &filter, format).await?)
                .into_response(),
        );
    }
    let limit = q.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) || q.offset.is_some_and(|o| !(0..=10_000_000).contains(&o)) {
        return Err(AppError::field(
            a.lang,
            "limit",
            a.lang.pick(
                "limit 应为 1–1000，offset 不能为负",
                "limit must be 1–1000 and offset not negative",
            ),
        )
        .into());
    }
    let (items, total) = app
        .loyalty_customers(&a, &filter.to_filter(), limit, q.offset.unwrap_or(0))
        .await?;
    Ok(Json(json!({ "items": items, "total": total })).into_response())
}

async fn settings(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    a.require(domain::access::Permission::ViewAnalytics)?;
    Ok(Json(json!(app.loyalty_settings().await?)))
}

async fn set_settings(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(s): Json<LoyaltySettings>,
) -> Result<impl IntoResponse, ApiError> {
    app.set_loyalty_settings(&a, &s).await?;
    Ok(Json(json!(app.loyalty_settings().await?)))
}

async fn segments(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!({ "items": app.saved_segments(&a).await? })))
}

#[derive(Deserialize)]
struct NewSegment {
    name: String,
    #[serde(default)]
    filter: SegmentFilter,
}

async fn create_segment(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(s): Json<NewSegment>,
) -> Result<impl IntoResponse, ApiError> {
    let id = app.save_segment(&a, &s.name, &s.filter).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

async fn delete_segment(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    app.delete_segment(&a, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn customer(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    app.store.customer(id).await.map_err(|e| match e {
        storage::StoreError::NotFound => AppError::not_found(a.lang, "customer"),
        e => e.into(),
    })?;
    Ok(Json(json!(app.customer_loyalty(&a, id).await?)))
}

async fn confirm(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(r): Json<ConfirmRequest>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(app.confirm_churn_type(&a, id, &r).await?)))
}

async fn type_counts(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!({ "items": app.churn_type_counts(&a).await? })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CandidatesQuery {
    limit: Option<i64>,
}

async fn candidates(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Query(q): Query<CandidatesQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let (items, total) = app
        .winback_candidates(
            &a,
            crate::error::ranged(a.lang, "limit", q.limit, 50, 1..=1000)?,
        )
        .await?;
    Ok(Json(
        json!({ "items": items, "total": total, "order": "value_at_risk: total spend × (1 − P(alive))" }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TasksQuery {
    mine: bool,
    open: bool,
    customer_id: Option<i64>,
}

async fn tasks(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Query(q): Query<TasksQuery>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(
        json!({ "items": app.winback_tasks(&a, q.mine, q.open, q.customer_id).await? }),
    ))
}

async fn create_tasks(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(r): Json<CreateTasks>,
) -> Result<impl IntoResponse, ApiError> {
    let ids = app.create_winback_tasks(&a, &r).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "created": ids, "skipped": r.customer_ids.len() - ids.len() })),
    ))
}

async fn task(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(app.winback_task(&a, id).await?)))
}

/// `{"version": 1, "step": "contact", "apologised": true, "unhappy_with": "…"}`.
#[derive(Deserialize)]
struct StepInput {
    version: i64,
    #[serde(flatten)]
    step: WinbackStep,
}

async fn step(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(s): Json<StepInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(
        app.winback_step(&a, id, s.version, &s.step).await?
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
        app.assign_winback_task(&a, id, s.version, &s.assignee)
            .await?
    )))
}

async fn rates(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(app.winback_rates(&a).await?)))
}
