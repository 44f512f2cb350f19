//! User administration over HTTP on SQLite and PostgreSQL: an administrator changes a role,
//! deactivates a user (their sessions end, they cannot sign in) and reactivates them, resets a
//! password; nobody else may, and an administrator cannot lock themselves out.

use super::harness::{json, TestApp};
use crate::both;
use serde_json::json as j;

async fn users_admin(t: &TestApp) {
    let send = |who: &'static str, path: String, body: serde_json::Value| async move {
        t.put_json(who, &path, &body).await
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
    let (s, _) = t
        .post_json(
            "admin",
            "/api/v1/users/analyst/password",
            &j!({"password": "short"}),
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

/// Teams on the users page: an administrator creates a team with its manager, puts an agent in
/// it, renames it — the team's care tasks and the care rules that give it tasks follow the new
/// name — and is told when a name is taken or a "manager" is not one (nothing changed).
async fn teams_admin(t: &TestApp) {
    let cookie = format!(
        "fidelis_session={}",
        super::web::sign_in(t, "admin").await.0
    );
    let html = super::web::page_html(t, &cookie, "/admin/users").await;
    let csrf = super::web::hidden(&html, "csrf");
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        let req = t
            .http
            .post(format!("{}{path}", t.base))
            .header("cookie", &cookie)
            .form(&form);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let form = |name: &str, manager: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("name", name.to_string()),
            ("manager", manager.to_string()),
        ]
    };
    let (s, html) = post("/admin/teams", form("前台组", "manager")).await;
    assert_eq!(s, 200);
    assert!(html.contains("value=\"前台组\""), "{html}");
    let (s, _) = post("/admin/teams", form("后台组", "")).await;
    assert_eq!(s, 200);
    let teams =
        |who: &'static str| async move { t.get_json(who, "/api/v1/complaints/teams").await.1 };
    let all = teams("manager").await;
    let id_of = |name: &str| {
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (front, back) = (id_of("前台组"), id_of("后台组"));
    let (s, _) = post(
        "/admin/users/agent/team",
        vec![("csrf", csrf.clone()), ("team", front.to_string())],
    )
    .await;
    assert_eq!(s, 200);
    let all = teams("manager").await;
    let front_team = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == front)
        .unwrap()
        .clone();
    assert_eq!(
        (
            front_team["manager"].as_str(),
            front_team["members"].clone()
        ),
        (Some("manager"), j!(["agent"])),
        "{all}"
    );
    // A rule and a task for the team.
    let (s, r) = t.post_json("manager", "/api/v1/care/rules", &j!({"name": "低分回访", "trigger": "low_answer", "threshold": 40.0, "mode": "on", "daily_limit": 10,
                "actions": [{"type": "task", "assignee": "team:前台组", "due_days": 1, "title": "回访 {{name}}"}]})).await;
    assert_eq!(s, 201, "{r}");
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body("external_id,name\nU1,客户甲\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let customer = t.app.store.customer_id_by_external("U1").await.unwrap();
    assert_eq!(t.app.care_on_answer(1, customer, 10.0).await.unwrap(), 1);

    // Renamed: the task and the rule follow; a taken name or a non-manager is refused.
    let (s, html) = post(
        &format!("/admin/teams/{front}"),
        form("门店前台", "manager"),
    )
    .await;
    assert_eq!(s, 200);
    assert!(html.contains("value=\"门店前台\""), "{html}");
    let (_, mine) = t.get_json("agent", "/api/v1/care/tasks?mine=true").await;
    assert_eq!(mine["items"][0]["assignee"], "team:门店前台", "{mine}");
    let (_, rule) = json(
        t.get("manager", &format!("/api/v1/care/rules/{}", r["id"]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        rule.to_string().contains("team:门店前台") && !rule.to_string().contains("team:前台组"),
        "{rule}"
    );
    let (s, html) = post(&format!("/admin/teams/{back}"), form("门店前台", "")).await;
    assert_eq!(s, 200);
    assert!(html.contains("role=\"alert\""), "taken: {html}");
    let (_, html) = post(&format!("/admin/teams/{back}"), form("后台组", "agent")).await;
    assert!(html.contains("role=\"alert\""), "not a manager: {html}");
    assert_eq!(
        teams("manager").await["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["name"] == "后台组" && x["manager"] == "")
            .count(),
        1,
        "unchanged"
    );
    // Managers may change teams over the API too; agents may not.
    let (s, _) = json(
        t.put("agent", &format!("/api/v1/complaints/teams/{back}"))
            .json(&j!({"name": "x"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = t
        .put_json(
            "manager",
            "/api/v1/complaints/teams/members/agent",
            &j!({"team_id": null}),
        )
        .await;
    assert_eq!(s, 204);
}
both!(teams_admin);
