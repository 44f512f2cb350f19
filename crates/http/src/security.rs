//! Security headers on every response, pages and API alike: a Content-Security-Policy that
//! allows only this server's own scripts (no inline script; the front-end assets are vendored),
//! no framing by other sites, no content-type sniffing, no full URLs in the Referer, and
//! Strict-Transport-Security when the request came over HTTPS through a proxy that says so.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;

/// The policy: scripts, styles, images, fetches and form targets from this server only
/// (inline styles allowed: charts and htmx set them); nothing may frame the pages.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// A refusal the framework wrote itself (a query, form or JSON body that does not parse: plain
/// text) as the product's own: a coded JSON error under `/api`, a page in words elsewhere.
async fn coded(res: Response, api: bool) -> Response {
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/plain"));
    let status = res.status();
    if !plain || !(status.is_client_error()) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let reason = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).to_string())
        .unwrap_or_default();
    let mut out = if api {
        let code = if status.as_u16() == 413 {
            domain::ErrorCode::PayloadTooLarge
        } else {
            domain::ErrorCode::InvalidInput
        };
        axum::Json(serde_json::json!({"error": {
            "code": code.code(),
            "message": code.message(domain::Lang::En),
            "details": {"reason": reason},
        }}))
        .into_response()
    } else {
        let esc = reason
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        axum::response::Html(format!(
            "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>请求无效 / Bad request</title>\
             <link rel=\"stylesheet\" href=\"/static/app.css\"><main class=\"form-main\"><h1>请求无效 · The request is not valid</h1>\
             <p class=\"error\">{esc}</p><p><a href=\"/\">返回首页 · Home</a></p></main></html>"
        ))
        .into_response()
    };
    *out.status_mut() = parts.status;
    out
}

async fn headers(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let https = req
        .headers()
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
        || req.uri().scheme_str() == Some("https");
    let mut res = coded(next.run(req).await, api).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    res
}

/// The whole server's router with the security headers on every response.
pub fn secured(router: Router) -> Router {
    router.layer(axum::middleware::from_fn(headers))
}
