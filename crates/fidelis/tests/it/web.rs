//! Pages over HTTP: sign-in with CSRF and throttling, session cookies, escaping, roles.

use super::harness::{TestApp, PASSWORD};
use crate::both;

fn cookie_value(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            v.split(';')
                .next()
                .unwrap()
                .split_once('=')
                .unwrap()
                .1
                .to_string()
        })
}

pub fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let i = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in page"))
        + key.len();
    html[i..].split('"').next().unwrap().to_string()
}

/// A page's HTML as the session with `cookie` gets it.
pub async fn page_html(t: &TestApp, cookie: &str, path: &str) -> String {
    t.http
        .get(format!("{}{path}", t.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Sign in through the form; returns (session cookie, CSRF token of the first page).
pub async fn sign_in(t: &TestApp, user: &str) -> (String, String) {
    let r = t
        .http
        .get(format!("{}/login", t.base))
        .send()
        .await
        .unwrap();
    let login_csrf = cookie_value(&r, "fidelis_login_csrf").unwrap();
    let html = r.text().await.unwrap();
    assert_eq!(hidden(&html, "csrf"), login_csrf);
    let r = t
        .http
        .post(format!("{}/login", t.base))
        .header("cookie", format!("fidelis_login_csrf={login_csrf}"))
        .form(&[
            ("username", user),
            ("password", PASSWORD),
            ("csrf", &login_csrf),
            ("next", "/customers"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let set = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert!(
        set.iter().any(|c| c.starts_with("fidelis_session=")
            && c.contains("HttpOnly")
            && c.contains("SameSite=Lax")),
        "{set:?}"
    );
    let session = cookie_value(&r, "fidelis_session").unwrap();
    let page = t
        .http
        .get(format!("{}/customers", t.base))
        .header("cookie", format!("fidelis_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    (session, hidden(&html, "csrf"))
}

async fn sessions_csrf_and_throttling(t: &TestApp) {
    // Pages need a session.
    let r = t
        .http
        .get(format!("{}/customers", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/login?next=/customers");
    // A sign-in form without its CSRF cookie is refused.
    let r = t
        .http
        .post(format!("{}/login", t.base))
        .form(&[("username", "admin"), ("password", PASSWORD), ("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    let (session, csrf) = sign_in(t, "agent").await;
    let cookie = format!("fidelis_session={session}");
    let (_, c) = t
        .post_json(
            "agent",
            "/api/v1/customers",
            &serde_json::json!({"external_id": "W1", "name": "<img src=x onerror=alert(1)>"}),
        )
        .await;
    let id = c["id"].as_i64().unwrap();
    // Escaped, never executed.
    let html = page_html(t, &cookie, &format!("/customers/{id}")).await;
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;") && !html.contains("<img src=x"),
        "escaped"
    );
    // A form post without the session's CSRF token changes nothing.
    let r = t
        .http
        .post(format!("{}/customers/{id}/notes", t.base))
        .header("cookie", &cookie)
        .form(&[("body", "x"), ("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(t.app.store.notes(id).await.unwrap().is_empty());
    let r = t
        .http
        .post(format!("{}/customers/{id}/notes", t.base))
        .header("cookie", &cookie)
        .form(&[("body", "老位子"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(t.app.store.notes(id).await.unwrap()[0].body, "老位子");
    let r = t
        .http
        .post(format!("{}/customers/{id}/interactions", t.base))
        .header("cookie", &cookie)
        .form(&[("kind", "visit"), ("summary", "到店"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    // Web imports: the file is the body, the CSRF token a header; agents may not import.
    let upload = |cookie: String, token: String| {
        t.http
            .post(format!("{}/imports/customers?filename=w.csv", t.base))
            .header("cookie", cookie)
            .header("x-csrf-token", token)
            .body("external_id,name\nWEB9,网页\n")
            .send()
    };
    let r = upload(cookie.clone(), csrf.clone()).await.unwrap();
    assert_eq!(r.status().as_u16(), 403, "agents do not import");
    let (m_session, m_csrf) = sign_in(t, "manager").await;
    let m_cookie = format!("fidelis_session={m_session}");
    let r = upload(m_cookie.clone(), "wrong".into()).await.unwrap();
    assert_eq!(r.status().as_u16(), 403, "no CSRF token, no import");
    let r = upload(m_cookie, m_csrf).await.unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let job = r.json::<serde_json::Value>().await.unwrap()["job"]
        .as_i64()
        .unwrap();
    let mut status = String::new();
    for _ in 0..100 {
        status = t.app.store.import_job(job).await.unwrap().status;
        if status != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, "done");
    assert!(t.app.store.customer_id_by_external("WEB9").await.is_ok());
    // Agents do not export everything; analysts download CSV and Excel from the list page.
    let r = t
        .http
        .get(format!("{}/customers/export?format=csv", t.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let (a_session, _) = sign_in(t, "analyst").await;
    let r = t
        .http
        .get(format!("{}/customers/export?format=xlsx", t.base))
        .header("cookie", format!("fidelis_session={a_session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("customers.xlsx"));
    assert!(
        r.bytes().await.unwrap().starts_with(b"PK"),
        "an xlsx is a zip"
    );
    // Agents do not manage users.
    let r = t
        .http
        .get(format!("{}/admin/users", t.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // Language switch is per user and sticks.
    for (lang, title) in [("en", "Customers"), ("zh-CN", "客户列表")] {
        let r = t
            .http
            .post(format!("{}/lang", t.base))
            .header("cookie", &cookie)
            .form(&[("lang", lang), ("csrf", &csrf)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
        let html = page_html(t, &cookie, "/customers").await;
        assert!(
            html.contains(&format!("<html lang=\"{lang}\">")) && html.contains(title),
            "{lang}"
        );
    }
    // The other areas answer with their coming pages; the churn and survey pages' base-wide
    // analyses are not for agents (they see a customer's values and answers on the profile).
    for (p, status) in [
        ("/surveys", 403),
        ("/complaints", 200),
        ("/churn", 403),
        ("/loyalty", 403),
        ("/churn/winback", 200),
        ("/care", 200),
    ] {
        let r = t
            .http
            .get(format!("{}{p}", t.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{p}");
    }
    // Sign out ends the session.
    let r = t
        .http
        .post(format!("{}/logout", t.base))
        .header("cookie", &cookie)
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let r = t
        .http
        .get(format!("{}/customers", t.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);

    // Throttling: after 10 wrong passwords even the right one waits.
    for _ in 0..10 {
        let e = t
            .app
            .login("manager", "wrong-password", "10.0.0.1", domain::Lang::En)
            .await
            .err()
            .unwrap();
        assert_eq!(e.code, domain::ErrorCode::InvalidCredentials);
    }
    let e = t
        .app
        .login("manager", PASSWORD, "10.0.0.2", domain::Lang::En)
        .await
        .err()
        .unwrap();
    assert_eq!(e.code, domain::ErrorCode::RateLimited);
    assert_eq!(e.code.http_status(), 429);
    assert!(
        e.message.contains("try again in 15 minutes"),
        "{}",
        e.message
    );
    // The address those ten came from is not locked for everyone behind it (an office behind
    // NAT): a colleague signs in from it.
    assert!(t
        .app
        .login("agent", PASSWORD, "10.0.0.1", domain::Lang::En)
        .await
        .is_ok());
    // Many wrong passwords for many names from one address do lock the address, and say when.
    for k in 0..app::access::LOGIN_ATTEMPTS_PER_ADDRESS {
        let _ = t
            .app
            .login(&format!("guess{k}"), "x", "10.0.0.9", domain::Lang::ZhCn)
            .await;
    }
    let e = t
        .app
        .login("analyst", PASSWORD, "10.0.0.9", domain::Lang::ZhCn)
        .await
        .err()
        .unwrap();
    assert_eq!(e.code, domain::ErrorCode::RateLimited);
    assert!(e.message.contains("分钟后再试"), "{}", e.message);
}
both!(sessions_csrf_and_throttling);

/// Security headers on every response (pages, API, errors), HSTS behind an HTTPS proxy; after
/// sign-in, `next` stays on this server whatever a browser would make of it, and no `next`
/// (control characters included) gets a 500.
async fn headers_and_redirects(t: &TestApp) {
    for (path, bearer) in [
        ("/login", false),
        ("/api/v1/customers", true),
        ("/no-such-page", false),
    ] {
        let req = if bearer {
            t.get("agent", path)
        } else {
            t.http.get(format!("{}{path}", t.base))
        };
        let r = req.send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        let script = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(
            !script.contains("unsafe"),
            "no inline or eval'd script: {csp}"
        );
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "plain HTTP: no HSTS"
        );
    }
    let r = t
        .http
        .get(format!("{}/login", t.base))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(r.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age="));
    // `next` after signing in.
    for (next, expected) in [
        ("/customers?q=王", "/customers?q=王"),
        ("//evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/\r\nSet-Cookie: a=b", "/"),
        ("https://evil.example", "/"),
        ("/\u{0}", "/"),
    ] {
        let r = t
            .http
            .get(format!("{}/login", t.base))
            .send()
            .await
            .unwrap();
        let csrf = cookie_value(&r, "fidelis_login_csrf").unwrap();
        let r = t
            .http
            .post(format!("{}/login", t.base))
            .header("cookie", format!("fidelis_login_csrf={csrf}"))
            .form(&[
                ("username", "agent"),
                ("password", PASSWORD),
                ("csrf", &csrf),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{next:?}");
        let location = r.headers()["location"].to_str().unwrap_or("?");
        let expected_enc = expected.replace('王', "%E7%8E%8B");
        assert!(
            location == expected || location == expected_enc,
            "{next:?} → {location}"
        );
        // The login page with such a `next`: never a 500.
        let r = t
            .http
            .get(format!("{}/login", t.base))
            .query(&[("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{next:?}");
    }
}
both!(headers_and_redirects);

/// Page numbers and other query values out of range or not numbers: a clear, coded refusal
/// (JSON under /api, a page in words elsewhere), never a wrap-around to page 1 or a bare text.
async fn query_values_refused_in_words(t: &TestApp) {
    let cookie = format!("fidelis_session={}", sign_in(t, "manager").await.0);
    for path in [
        "/api/v1/customers?page=4611686018427387904",
        "/api/v1/customers?page=0",
        "/api/v1/customers?per_page=100000",
        "/api/v1/customers/1/transactions?page=-3",
    ] {
        let r = t.get("manager", path).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 422, "{path}");
        let b: serde_json::Value = r.json().await.unwrap();
        assert_eq!(b["error"]["code"], "invalid_input", "{path}: {b}");
    }
    let r = t
        .get("manager", "/api/v1/customers?page=abc")
        .send()
        .await
        .unwrap();
    assert!([400, 422].contains(&r.status().as_u16()));
    let b: serde_json::Value = r.json().await.unwrap();
    assert!(b["error"]["code"].is_string(), "a coded error: {b}");
    for path in [
        "/complaints?page=4611686018427387904",
        "/customers?page=abc",
        "/customers?page=99999999999",
        "/loyalty?page=4611686018427387904",
    ] {
        let r = t
            .http
            .get(format!("{}{path}", t.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let html = r.text().await.unwrap();
        assert!((400..500).contains(&status), "{path}: {status}");
        assert!(
            html.contains("<html") && html.contains("error"),
            "a page in words: {path}: {html}"
        );
    }
}
both!(query_values_refused_in_words);
