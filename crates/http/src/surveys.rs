//! `/api/v1/surveys…`: survey projects (from a template or a whole questionnaire), waves sent
//! to a sample, their personal links, a wave's results (measures, PLS model, CSI,
//! importance–performance, satisfaction against purchases) and action plans; and
//! `/api/v1/public/surveys/{token}` for a form of one's own (the link is the credential: it
//! reads and writes only its own answers).

use crate::error::{Json, Path, Query};
use crate::{ApiActor, ApiError};
use app::surveys::{SurveyInput, WaveInput};
use app::App;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use domain::surveys::Answers;
use domain::Lang;
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/surveys", get(list).post(create))
        .route("/surveys/{id}", get(one))
        .route(
            "/surveys/{id}/questionnaire",
            axum::routing::put(set_questionnaire),
        )
        .route("/surveys/{id}/waves", post(create_wave))
        .route("/surveys/waves/{id}", get(results))
        .route("/surveys/waves/{id}/links", get(links))
        .route("/surveys/waves/{id}/email", axum::routing::post(email_wave))
        .route("/surveys/waves/{id}/export", get(export))
        .route("/surveys/waves/{id}/close", post(close))
        .route("/surveys/waves/{id}/plans", post(create_plan))
        .route("/surveys/plans/{id}", axum::routing::patch(plan_status))
        .route("/customers/{id}/survey-responses", get(customer_responses))
        .route("/public/surveys/{token}", get(form).post(answer))
}

async fn list(
    State(app): State<App>,
    ApiActor(a): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    let items: Vec<_> = app
        .surveys(&a)
        .await?
        .into_iter()
        .map(|(s, waves)| json!({ "survey": s, "waves": waves }))
        .collect();
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total })))
}

async fn create(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Json(input): Json<SurveyInput>,
) -> Result<impl IntoResponse, ApiError> {
    let s = app.create_survey(&a, input).await?;
    Ok((StatusCode::CREATED, Json(json!(s))))
}

async fn one(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let d = app.survey(&a, id).await?;
    Ok(Json(json!({
        "survey": d.survey,
        "questionnaire": d.questionnaire,
        "waves": d.waves,
        "plans": d.plans,
    })))
}

async fn set_questionnaire(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(q): Json<domain::surveys::Questionnaire>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(app.set_questionnaire(&a, id, q).await?)))
}

async fn create_wave(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(w): Json<WaveInput>,
) -> Result<impl IntoResponse, ApiError> {
    let wave = app.create_wave(&a, id, w).await?;
    Ok((StatusCode::CREATED, Json(json!(wave))))
}

async fn results(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Query(q): Query<ExportQuery>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(
        app.wave_results_with(&a, id, q.bootstrap).await?
    )))
}

async fn links(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let items = app.wave_links(&a, id).await?;
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EmailWave {
    /// Only a reminder to those who have not answered yet.
    reminders: bool,
}

/// E-mail the wave's links (or reminders) through the outbox; the links point at
/// `FIDELIS_PUBLIC_URL`, else at the host this request came to.
async fn email_wave(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    headers: axum::http::HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<EmailWave>,
) -> Result<impl IntoResponse, ApiError> {
    let base = std::env::var("FIDELIS_PUBLIC_URL").unwrap_or_else(|_| {
        format!(
            "http://{}",
            headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost")
        )
    });
    let r = app
        .email_wave(&a, id, base.trim_end_matches('/'), body.reminders)
        .await?;
    Ok(Json(r))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExportQuery {
    table: String,
    format: String,
    /// Bootstrap resamples for the paths' intervals (0: none).
    bootstrap: usize,
}

async fn export(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Query(q): Query<ExportQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let d = app
        .export_wave_results(&a, id, &q.table, &q.format, q.bootstrap)
        .await?;
    Ok(crate::churn::file(d))
}

async fn close(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    app.close_wave(&a, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct PlanInput {
    element: String,
    title: String,
    owner: String,
    due_date: String,
    target: f64,
}

async fn create_plan(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(p): Json<PlanInput>,
) -> Result<impl IntoResponse, ApiError> {
    let plan = app
        .create_action_plan(
            &a,
            id,
            &p.element,
            &p.title,
            &p.owner,
            &p.due_date,
            p.target,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!(plan))))
}

#[derive(Deserialize)]
struct StatusInput {
    status: String,
}

async fn plan_status(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
    Json(s): Json<StatusInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(json!(
        app.set_action_plan_status(&a, id, &s.status).await?
    )))
}

async fn customer_responses(
    State(app): State<App>,
    ApiActor(a): ApiActor,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let items = app.customer_survey_responses(&a, id).await?;
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total })))
}

fn lang_of(headers: &HeaderMap) -> Lang {
    Lang::from_accept(
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|h| h.to_str().ok())
            .unwrap_or(""),
    )
}

async fn form(
    State(app): State<App>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let f = app.open_link(&token, lang_of(&headers)).await?;
    let mut body = json!({
        "questionnaire": f.questionnaire,
        "answers": f.answers,
        "expires_at": f.expires_at,
    });
    // An open link: the signed "shown at" stamp the answer must carry back.
    if let Some(stamp) = f.open_stamp {
        body["started"] = json!(stamp);
    }
    Ok(Json(body))
}

#[derive(Deserialize)]
struct AnswerInput {
    answers: Answers,
    #[serde(default)]
    submit: bool,
    /// An open link's `started` stamp, as the GET gave it.
    #[serde(default)]
    started: String,
}

/// A personal link's answers (saved, or submitted once); an open link's single submission,
/// under the same guards as its form: the signed stamp of when it was shown (answers within
/// seconds are refused), and at most a few answers per address and wave an hour.
async fn answer(
    State(app): State<App>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    Path(token): Path<String>,
    Json(input): Json<AnswerInput>,
) -> Result<impl IntoResponse, ApiError> {
    let lang = lang_of(&headers);
    if app::surveys::links::is_open(&token) {
        let client = ext
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_default();
        app.answer_open_link(
            &token,
            input.answers,
            &input.started,
            "",
            &client,
            None,
            lang,
        )
        .await?;
    } else {
        app.answer_link(&token, input.answers, input.submit, lang)
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
