//! `/api/v1/customers…` and `/api/v1/transactions`.

use crate::error::{Json, Path, Query};
use crate::{ApiActor, ApiError};
use app::App;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use domain::customers::{CustomerFields, TransactionFields};
use serde::Deserialize;
use serde_json::json;
use storage::customers::CustomerFilter;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/customers", get(list).post(create))
        .route("/customers/{id}", get(one).put(update).delete(remove))
        .route("/customers/{id}/transactions", get(transactions))
        .route("/customers/{id}/interactions", post(add_interaction))
        .route("/customers/{id}/notes", post(add_note))
        .route("/transactions", post(create_transaction))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
    region: String,
    channel: String,
    tag: String,
    segment: String,
    /// A saved loyalty segment's id.
    saved_segment: Option<i64>,
    page: Option<i64>,
    per_page: Option<i64>,
}

async fn list(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Query(q): Query<ListQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let f = CustomerFilter {
        q: q.q,
        region: q.region,
        channel: q.channel,
        tag: q.tag,
        segment: q.segment,
        loyalty: app.segment_customer_filter(&a, q.saved_segment).await?,
    };
    Ok(Json(
        app.list_customers(&a, &f, q.page.unwrap_or(1), q.per_page.unwrap_or(50))
            .await?,
    ))
}

async fn one(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let p = app.profile(&a, id).await?;
    Ok(Json(json!({
        "customer": p.customer,
        "preferences": p.customer.preferences,
        "figures": p.figures,
        "timeline": p.timeline,
    })))
}

async fn create(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(f): Json<CustomerFields>,
) -> Result<impl IntoResponse, ApiError> {
    let c = app.create_customer(&a, &f).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[derive(Deserialize)]
struct UpdateBody {
    version: i64,
    #[serde(flatten)]
    fields: CustomerFields,
}

async fn update(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(b): Json<UpdateBody>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(
        app.update_customer(&a, id, b.version, &b.fields).await?,
    ))
}

async fn remove(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    app.delete_customer(&a, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    page: Option<i64>,
    per_page: Option<i64>,
}

async fn transactions(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(
        app.transactions(&a, id, q.page.unwrap_or(1), q.per_page.unwrap_or(100))
            .await?,
    ))
}

#[derive(Deserialize)]
struct InteractionBody {
    kind: String,
    #[serde(default)]
    occurred_at: String,
    summary: String,
}

async fn add_interaction(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(b): Json<InteractionBody>,
) -> Result<impl IntoResponse, ApiError> {
    let i = app
        .add_interaction(&a, id, &b.kind, &b.occurred_at, &b.summary)
        .await?;
    Ok((StatusCode::CREATED, Json(i)))
}

#[derive(Deserialize)]
struct NoteBody {
    body: String,
}

async fn add_note(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(b): Json<NoteBody>,
) -> Result<impl IntoResponse, ApiError> {
    let note_id = app.add_note(&a, id, &b.body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": note_id }))))
}

async fn create_transaction(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(f): Json<TransactionFields>,
) -> Result<impl IntoResponse, ApiError> {
    let t = app.create_transaction(&a, &f).await?;
    Ok((StatusCode::CREATED, Json(t)))
}
