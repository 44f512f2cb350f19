//! Sign-in, sign-out and the language switch; the `WebCtx` extractor that turns the session
//! cookie into an actor (or sends the browser to the sign-in page); CSRF checks for forms.
//!
//! Cookies are HttpOnly and SameSite=Lax (Secure when `FIDELIS_SECURE_COOKIES=1`). Every form
//! carries the session's CSRF token; the sign-in form uses a double-submit cookie.

use crate::page;
use app::access::{actor_of, new_secret, SESSION_DAYS};
use app::{Actor, App};
use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use domain::Lang;
use serde::Deserialize;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "fidelis_session";
const LOGIN_CSRF_COOKIE: &str = "fidelis_login_csrf";
const LANG_COOKIE: &str = "fidelis_lang";

pub struct WebCtx {
    pub actor: Actor,
    pub csrf: String,
}

impl WebCtx {
    /// Forms must carry this session's token.
    pub fn check_csrf(&self, token: &str) -> Result<(), app::AppError> {
        if !token.is_empty() && constant_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(app::AppError::new(
                domain::ErrorCode::CsrfMismatch,
                self.actor.lang,
            ))
        }
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub(crate) fn set_cookie(name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if std::env::var("FIDELIS_SECURE_COOKIES").as_deref() == Ok("1") {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("cookie is ASCII")
}

impl FromRequestParts<App> for WebCtx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let enc: String = next
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"/-_.".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            if parts.headers.contains_key("hx-request") {
                // htmx follows this header with a full navigation.
                (
                    [("hx-redirect", format!("/login?next={enc}"))],
                    StatusCode::UNAUTHORIZED,
                )
                    .into_response()
            } else {
                Redirect::to(&format!("/login?next={enc}")).into_response()
            }
        };
        let Some(c) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        match app.session(c).await {
            Ok(s) => Ok(WebCtx {
                actor: actor_of(&s.user),
                csrf: s.csrf,
            }),
            Err(_) => Err(to_login()),
        }
    }
}

fn anon_lang(headers: &HeaderMap, q: Option<&str>) -> Lang {
    q.and_then(Lang::parse)
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Lang::from_accept)
        })
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    csrf: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    next: String,
    lang: Option<String>,
}

pub(crate) fn safe_next(next: &str) -> String {
    // Only a path on this server, as a browser would read it: browsers drop tabs and line
    // breaks from URLs and read a backslash as a slash, so "/\t/evil.example" or
    // "/\\evil.example" would leave for another host. Anything with a control character,
    // white space or a backslash, a protocol-relative or absolute URL, goes home instead.
    // Non-ASCII (a search for 王) as percent-escapes: a Location header is ASCII.
    let next: String = next
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                let mut b = [0; 4];
                c.encode_utf8(&mut b)
                    .bytes()
                    .map(|x| format!("%{x:02X}"))
                    .collect()
            }
        })
        .collect();
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && next
            .parse::<axum::http::Uri>()
            .is_ok_and(|u| u.scheme().is_none() && u.authority().is_none());
    if local {
        next
    } else {
        "/".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_server() {
        for ok in ["/", "/customers?q=%E7%8E%8B", "/complaints/12#history"] {
            assert_eq!(safe_next(ok), ok);
        }
        assert_eq!(safe_next("/customers?q=王"), "/customers?q=%E7%8E%8B");
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "https://evil.example/",
            "evil.example",
            "/ /evil.example",
            "\\\\evil.example",
            "/%0a",
        ] {
            let got = safe_next(bad);
            assert!(got == "/" || !got.contains("evil"), "{bad:?} → {got}");
        }
        assert_eq!(safe_next("/\t/evil.example"), "/");
    }
}

fn login_response(lang: Lang, next: &str, error: Option<String>, status: StatusCode) -> Response {
    let (csrf, _) = new_secret();
    let mut r = page(LoginPage {
        lang,
        csrf: csrf.clone(),
        next: safe_next(next),
        error,
    });
    *r.status_mut() = status;
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600),
    );
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LANG_COOKIE, lang.code(), 31_536_000),
    );
    r
}

pub async fn login_page(headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    login_response(
        anon_lang(&headers, q.lang.as_deref()),
        &q.next,
        None,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(app): State<App>,
    headers: HeaderMap,
    ClientAddr(client): ClientAddr,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = anon_lang(&headers, None);
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !constant_eq(expected.as_bytes(), f.csrf.as_bytes()) {
        let msg = domain::ErrorCode::CsrfMismatch.message(lang).to_string();
        return login_response(lang, &f.next, Some(msg), StatusCode::FORBIDDEN);
    }
    match app.login(&f.username, &f.password, &client, lang).await {
        Ok(s) => {
            let mut r = Redirect::to(&safe_next(&f.next)).into_response();
            r.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &s.cookie, SESSION_DAYS * 86_400),
            );
            r.headers_mut()
                .append(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, "", 0));
            r
        }
        Err(e) => {
            let status =
                StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
            login_response(lang, &f.next, Some(e.message), status)
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(app): State<App>,
    ctx: WebCtx,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return crate::error_page(&ctx, e);
    }
    if let Some(c) = cookie(&headers, SESSION_COOKIE) {
        let _ = app.logout(c).await;
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0));
    r
}

#[derive(Deserialize)]
pub struct LangForm {
    #[serde(default)]
    csrf: String,
    lang: String,
}

pub async fn switch_lang(
    State(app): State<App>,
    ctx: WebCtx,
    headers: HeaderMap,
    Form(f): Form<LangForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return crate::error_page(&ctx, e);
    }
    let lang = Lang::parse(&f.lang).unwrap_or(ctx.actor.lang.other());
    if let Err(e) = app.set_language(&ctx.actor, lang).await {
        return crate::error_page(&ctx, e);
    }
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()))
        .map(|p| safe_next(&p))
        .unwrap_or_else(|| "/".into());
    let mut r = Redirect::to(&back).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LANG_COOKIE, lang.code(), 31_536_000),
    );
    r
}

/// The client's address when the server records it (for sign-in throttling).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_default(),
        ))
    }
}
