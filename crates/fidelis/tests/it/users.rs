//! User administration over HTTP on SQLite and PostgreSQL: an administrator changes a role,
//! deactivates a user (their sessions end, they cannot sign in) and reactivates them, resets a
//! password; nobody else may, and an administrator cannot lock themselves out.

use super::harness::{json, TestApp};
use crate::both;
use serde_json::json as j;

async fn users_admin(t: &TestApp) {
    let send = |who: &'static str, path: String, body: serde_json::Value| async move {
        json(t.put(who, &path).json(&body).send().await.unwrap()).await
    };
    let (s, u) = send(
        "admin",
        "/api/v1/users/agent".into(),
        j!({"role": "manager", "active": true}),
    )
    .await;
    assert_eq!((s, u["role"].as_str()), (200, Some("manager")), "{u}");
    let (s, _) = send(
        "manager",
        "/api/v1/users/agent".into(),
        j!({"role": "admin", "active": true}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, e) = send(
        "admin",
        "/api/v1/users/admin".into(),
        j!({"role": "agent", "active": true}),
    )
    .await;
    assert_eq!(s, 422, "not oneself: {e}");
    let (s, _) = send(
        "admin",
        "/api/v1/users/nobody".into(),
        j!({"role": "agent", "active": true}),
    )
    .await;
    assert_eq!(s, 404);
    // Deactivated: the session ends, the API token and the password stop working.
    let (session, _) = super::web::sign_in(t, "analyst").await;
    let cookie = format!("fidelis_session={session}");
    let (s, _) = send(
        "admin",
        "/api/v1/users/analyst".into(),
        j!({"role": "analyst", "active": false}),
    )
    .await;
    assert_eq!(s, 200);
    let r = t
        .http
        .get(format!("{}/customers", t.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "signed out");
    assert_eq!(
        t.get("analyst", "/api/v1/me")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    let (s, _) = send(
        "admin",
        "/api/v1/users/analyst".into(),
        j!({"role": "analyst", "active": true}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        t.get("analyst", "/api/v1/me")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    // A reset password: too short refused, then the new one signs in.
    let (s, _) = json(
        t.post("admin", "/api/v1/users/analyst/password")
            .json(&j!({"password": "short"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    let r = t
        .post("admin", "/api/v1/users/analyst/password")
        .json(&j!({"password": "新的密码-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert!(t
        .app
        .login("analyst", "新的密码-2026", "", domain::Lang::En)
        .await
        .is_ok());
    // The page shows the forms.
    let admin = format!(
        "fidelis_session={}",
        super::web::sign_in(t, "admin").await.0
    );
    let html = super::web::page_html(t, &admin, "/admin/users").await;
    assert!(html.contains("id=\"user-access\"") && html.contains("/admin/users/agent/password"));
}
both!(users_admin);
