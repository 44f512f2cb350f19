//! Import page: upload a CSV (UTF-8 or GB18030) or xlsx file of customers or transactions; the
//! import runs as a job (all or nothing, as on the command line) and the page follows its
//! progress, then shows the counts or every bad row with line, column and reason.

use crate::{error_page, page, Layout, WebCtx};
use app::customers::import::{ImportKind, ImportOptions};
use app::{App, AppError};
use askama::Template;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::access::Permission;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use storage::imports::ImportJob;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/imports", get(imports_page))
        .route(
            "/imports/{kind}",
            post(upload).layer(DefaultBodyLimit::max(4 << 30)),
        )
        .route("/imports/jobs/{id}", get(job_fragment))
}

/// One job as the page shows it.
pub struct JobView {
    pub job: ImportJob,
    /// Percent done while running.
    pub percent: u64,
    pub running: bool,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    l: Layout,
    jobs: Vec<ImportJob>,
    /// The job to follow (its card loads from `/imports/jobs/{id}`).
    current: Option<i64>,
    clock: crate::Clock,
}

#[derive(Template)]
#[template(path = "import_job.html")]
struct JobFragment {
    l: Layout,
    v: JobView,
}

/// `imports.kind_customers`, `imports.status_done`, … in the user's language.
fn label(l: &Layout, what: &str, value: &str) -> &'static str {
    l.lang.t(&format!("imports.{what}_{value}"))
}

impl ImportsPage {
    fn label(&self, what: &str, value: &str) -> &'static str {
        label(&self.l, what, value)
    }
}

impl JobFragment {
    fn label(&self, what: &str, value: &str) -> &'static str {
        label(&self.l, what, value)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    job: Option<i64>,
}

async fn job_view(app: &App, id: i64) -> Result<JobView, AppError> {
    let job = app.store.import_job(id).await?;
    let running = job.status == "running";
    let percent = app
        .jobs
        .get(app::jobs::JobKind::Import, id)
        .filter(|p| p.total > 0)
        .map(|p| (p.done * 100 / p.total).min(100))
        .unwrap_or(if running { 0 } else { 100 });
    Ok(JobView {
        job,
        percent,
        running,
    })
}

async fn imports_page(State(app): State<App>, ctx: WebCtx, Query(q): Query<PageQuery>) -> Response {
    if let Err(e) = ctx.actor.require(Permission::ImportData) {
        return error_page(&ctx, e);
    }
    match app.store.import_jobs(20).await {
        Ok(jobs) => page(ImportsPage {
            l: Layout::new(&ctx, "area.customers"),
            jobs,
            current: q.job,
            clock: crate::Clock::of(&app).await,
        }),
        Err(e) => error_page(&ctx, e.into()),
    }
}

async fn job_fragment(State(app): State<App>, ctx: WebCtx, Path(id): Path<i64>) -> Response {
    if let Err(e) = ctx.actor.require(Permission::ImportData) {
        return error_page(&ctx, e);
    }
    match job_view(&app, id).await {
        Ok(v) => page(JobFragment {
            l: Layout::new(&ctx, "area.customers"),
            v,
        }),
        Err(e) => error_page(&ctx, e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UploadQuery {
    filename: String,
}

/// The file is the request body (sent by `import.js`); the CSRF token comes in a header.
async fn upload(
    State(app): State<App>,
    ctx: WebCtx,
    Path(kind): Path<String>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let lang = ctx.actor.lang;
    let result = async {
        let token = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        ctx.check_csrf(token)?;
        let kind = ImportKind::parse(&kind).map_err(|e| AppError::field(lang, "kind", e))?;
        let name = match q.filename.trim() {
            "" => format!("{}.csv", kind.as_str()),
            n => n.to_string(),
        };
        let mut upload = app.begin_upload(&ctx.actor, &name).await?;
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| AppError::field(lang, "file", e.to_string()))?;
            upload.write(&chunk).await?;
        }
        let (job_id, _) = app
            .spawn_upload_import(&ctx.actor, kind, upload, ImportOptions::default())
            .await?;
        Ok::<i64, AppError>(job_id)
    }
    .await;
    match result {
        Ok(id) => (StatusCode::ACCEPTED, Json(json!({ "job": id }))).into_response(),
        Err(e) => {
            let e = e.localized(lang);
            let status = StatusCode::from_u16(e.code.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, Json(json!({ "error": e.message }))).into_response()
        }
    }
}
