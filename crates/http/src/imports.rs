//! `/api/v1/imports`: upload a CSV or xlsx file as the request body; the import runs as a job
//! whose progress and outcome (with the row-level error report) can be polled.

use crate::error::{Json, Path, Query};
use crate::{ApiActor, ApiError};
use app::customers::import::{parse_map, ImportKind, ImportOptions};
use app::customers::table::Encoding;
use app::{App, AppError};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use domain::access::Permission;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;

/// Largest upload accepted.
pub const MAX_UPLOAD: usize = 4 << 30;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/imports", get(list))
        .route(
            "/imports/{kind}",
            post(start).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/imports/jobs/{id}", get(one))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StartQuery {
    filename: String,
    encoding: String,
    /// `target=source,target=source`
    map: String,
    /// Wait for the outcome instead of answering 202 at once.
    wait: bool,
}

async fn start(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(kind): Path<String>,
    Query(q): Query<StartQuery>,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    a.require(Permission::ImportData)?;
    let lang = a.lang;
    let kind = ImportKind::parse(&kind).map_err(|e| AppError::not_found(lang, &e))?;
    let encoding = match q.encoding.trim() {
        "" => None,
        e => Some(Encoding::parse(e).map_err(|e| AppError::field(lang, "encoding", e))?),
    };
    let map_items: Vec<String> = q
        .map
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
        .collect();
    let map = parse_map(&map_items).map_err(|e| AppError::field(lang, "map", e))?;
    let name = if q.filename.trim().is_empty() {
        format!("{}.csv", kind.as_str())
    } else {
        q.filename.trim().to_string()
    };
    let mut upload = app.begin_upload(&a, &name).await?;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::new(domain::ErrorCode::PayloadTooLarge, lang)
                .with_details(json!({ "reason": e.to_string() }))
        })?;
        upload.write(&chunk).await?;
    }
    let opts = ImportOptions {
        encoding,
        map,
        ..Default::default()
    };
    let (job_id, task) = app.spawn_upload_import(&a, kind, upload, opts).await?;
    if q.wait {
        let report = task.await.map_err(AppError::internal)??;
        return Ok((StatusCode::OK, Json(json!(report))).into_response());
    }
    let job = app.store.import_job(job_id).await.map_err(AppError::from)?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "job": job }))).into_response())
}

async fn list(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    a.require(Permission::ImportData)?;
    let items = app.store.import_jobs(100).await.map_err(AppError::from)?;
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total })))
}

async fn one(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    a.require(Permission::ImportData)?;
    let job = app.store.import_job(id).await.map_err(|e| match e {
        storage::StoreError::NotFound => AppError::not_found(a.lang, "import job"),
        e => e.into(),
    })?;
    let progress = app.jobs.get(app::jobs::JobKind::Import, id);
    Ok(Json(json!({ "job": job, "progress": progress })))
}
