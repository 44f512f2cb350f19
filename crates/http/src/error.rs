//! API errors and extractors whose rejections speak the same JSON error shape.

use app::AppError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{ErrorCode, Lang};
use serde_json::json;

#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status =
            StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = json!({ "error": { "code": e.code.code(), "message": e.message, "details": e.details } });
        (status, axum::Json(body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let code = match r {
            JsonRejection::MissingJsonContentType(_) | JsonRejection::JsonSyntaxError(_) => {
                ErrorCode::InvalidJson
            }
            JsonRejection::JsonDataError(_) => ErrorCode::InvalidJson,
            JsonRejection::BytesRejection(_) => ErrorCode::PayloadTooLarge,
            _ => ErrorCode::InvalidJson,
        };
        ApiError(AppError::new(code, Lang::En).with_details(json!({ "reason": r.body_text() })))
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError(
            AppError::not_found(Lang::En, "path").with_details(json!({ "reason": r.body_text() })),
        )
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError(
            AppError::new(ErrorCode::InvalidInput, Lang::En)
                .with_details(json!({ "reason": r.body_text() })),
        )
    }
}

/// `axum::Json` with JSON-shaped rejections, taking only a JSON object (every body of this API
/// is one: an array or a bare value is refused, not read as a struct's fields in order), and
/// read strictly inside too (`strict`).
pub struct Json<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(v) = axum::Json::<serde_json::Value>::from_request(req, state).await?;
        object_body(v, Lang::En).map(Json)
    }
}

/// A request body read as `T`: a JSON object, read strictly (`strict`), or a coded refusal.
pub(crate) fn object_body<T: serde::de::DeserializeOwned>(
    v: serde_json::Value,
    lang: Lang,
) -> Result<T, ApiError> {
    let invalid = |reason: String| {
        ApiError(
            AppError::new(ErrorCode::InvalidJson, lang).with_details(json!({ "reason": reason })),
        )
    };
    if !v.is_object() {
        return Err(invalid("the body must be a JSON object".into()));
    }
    crate::strict::from_value(v)
        .map_err(|e| invalid(format!("Failed to deserialize the JSON body: {e}")))
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// A whole number a query may give, with its default: outside `range` it is refused in words
/// naming the parameter (never clamped silently; the OpenAPI document states the same range).
pub fn ranged(
    lang: Lang,
    field: &str,
    value: Option<i64>,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, ApiError> {
    let v = value.unwrap_or(default);
    if range.contains(&v) {
        return Ok(v);
    }
    let (lo, hi) = (range.start(), range.end());
    Err(AppError::field(
        lang,
        field,
        lang.pick(
            &format!("{field} 应在 {lo} 到 {hi} 之间"),
            &format!("{field} must be from {lo} to {hi}"),
        ),
    )
    .into())
}
