//! What staff do to a customer from the profile, over HTTP on SQLite and PostgreSQL: edit the
//! record (values kept and each bad field named when refused, nothing changed; another
//! customer's id refused; a stale form refused; the change in the audit log), delete it (what
//! goes and what stays said first; refused while a complaint is open), add a task for someone
//! else (in their queue, with a notification), send a survey (the personal link when e-mail is
//! not set up).

use super::care::{get, send};
use super::harness::{json, TestApp};
use super::web::{hidden, page_html, sign_in};
use crate::both;
use serde_json::json as j;

async fn profile_actions(t: &TestApp) {
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body("external_id,name,email,consent,region\nP1,周敏,zm@example.cn,email,上海\nP2,钱进,qj@example.cn,,杭州\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let p1 = t.app.store.customer_id_by_external("P1").await.unwrap();
    let p2 = t.app.store.customer_id_by_external("P2").await.unwrap();
    let cookie = format!("fidelis_session={}", sign_in(t, "manager").await.0);
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let cookie = cookie.clone();
        async move {
            let r = t
                .http
                .post(format!("{}{path}", t.base))
                .header("cookie", cookie)
                .form(&form)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let location = r
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or_default()
                .to_string();
            (status, location, r.text().await.unwrap())
        }
    };

    // The profile offers the actions; the edit form holds the record.
    let html = page_html(t, &cookie, &format!("/customers/{p1}")).await;
    for id in [
        "edit-customer",
        "delete-customer",
        "task-form",
        "record-complaint",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    let html = page_html(t, &cookie, &format!("/customers/{p1}/edit")).await;
    let csrf = hidden(&html, "csrf");
    let version = hidden(&html, "version");
    assert!(html.contains("value=\"zm@example.cn\"") && html.contains("value=\"上海\""));
    let form = |name: &str, email: &str, ext: &str, version: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("version", version.to_string()),
            ("external_id", ext.to_string()),
            ("name", name.to_string()),
            ("email", email.to_string()),
            ("region", "上海".to_string()),
            ("gender", "female".to_string()),
            ("lang", "en".to_string()),
            ("consent", "email".to_string()),
            ("consent", "sms".to_string()),
        ]
    };
    // A bad e-mail: refused, named beside the field, the typed values kept, nothing changed.
    let (s, _, html) = post(
        format!("/customers/{p1}/edit"),
        form("周敏敏", "not-an-address", "P1", &version),
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        html.contains("data-field=\"email\"") && html.contains("value=\"周敏敏\""),
        "{html}"
    );
    let (_, c) = get(t, "manager", &format!("/api/v1/customers/{p1}")).await;
    assert_eq!(c["customer"]["name"], "周敏", "{c}");
    // Another customer's id: refused, said at the id.
    let (s, _, html) = post(
        format!("/customers/{p1}/edit"),
        form("周敏", "zm@example.cn", "P2", &version),
    )
    .await;
    assert_eq!(s, 409);
    assert!(html.contains("data-field=\"external_id\""), "{html}");
    // Saved: back to the profile, which shows the change; the audit log has it.
    let (s, loc, _) = post(
        format!("/customers/{p1}/edit"),
        form("周敏敏", "zm@example.cn", "P1", &version),
    )
    .await;
    assert_eq!(
        (s, loc.as_str()),
        (303, format!("/customers/{p1}?saved=1").as_str())
    );
    let (_, c) = get(t, "manager", &format!("/api/v1/customers/{p1}")).await;
    let c = &c["customer"];
    assert_eq!(
        (c["name"].as_str(), c["lang"].as_str(), c["gender"].as_str()),
        (Some("周敏敏"), Some("en"), Some("female")),
        "{c}"
    );
    assert_eq!(c["consent"], j!(["email", "sms"]), "{c}");
    // The same (now stale) form again: refused as a conflict, nothing overwritten.
    let (s, _, html) = post(
        format!("/customers/{p1}/edit"),
        form("旧名字", "zm@example.cn", "P1", &version),
    )
    .await;
    assert_eq!(s, 409);
    assert!(html.contains("id=\"edit-error\""), "{html}");
    let (_, audit) = get(t, "admin", "/api/v1/audit?entity=customer").await;
    assert!(audit.to_string().contains("\"update\""), "{audit}");

    // A task for someone else: in their queue, and they hear of it; a day in the past refused.
    let task = |due: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("title", "周五前确认新地址".to_string()),
            ("assignee", "agent".to_string()),
            ("due", due.to_string()),
        ]
    };
    let (s, _, html) = post(format!("/customers/{p1}/tasks"), task("2020-01-01")).await;
    assert_eq!(s, 422);
    assert!(html.contains("role=\"alert\""), "{html}");
    let due = (chrono::Utc::now() + chrono::Duration::days(3))
        .date_naive()
        .to_string();
    let (s, _, _) = post(format!("/customers/{p1}/tasks"), task(&due)).await;
    assert_eq!(s, 303);
    let (_, mine) = get(t, "agent", "/api/v1/care/tasks?mine=true").await;
    let items = mine["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{mine}");
    assert_eq!(items[0]["title"], "周五前确认新地址");
    let (_, n) = get(t, "agent", "/api/v1/notifications").await;
    assert_eq!(n["unread"], 1, "{n}");

    // A survey by hand: the personal link, as e-mail is not set up.
    let (s, survey) = send(
        t.post("analyst", "/api/v1/surveys"),
        j!({"name": "门店满意度", "template": "csat"}),
    )
    .await;
    assert_eq!(s, 201, "{survey}");
    let (s, wave) = send(
        t.post(
            "manager",
            &format!("/api/v1/surveys/{}/waves", survey["id"]),
        ),
        j!({"name": "一月", "size": 1}),
    )
    .await;
    assert_eq!(s, 201, "{wave}");
    let html = page_html(t, &cookie, &format!("/customers/{p2}")).await;
    assert!(html.contains("门店满意度 · 一月"), "the open wave offered");
    let (s, _, html) = post(
        format!("/customers/{p2}/survey"),
        vec![("csrf", csrf.clone()), ("wave", wave["id"].to_string())],
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        html.contains("/s/") && html.contains("尚未设置邮件"),
        "{html}"
    );

    // Delete: refused while a complaint is open (the page says so), then done once it is
    // gone; the page first says what goes and what stays.
    let (s, k) = send(
        t.post("agent", "/api/v1/complaints"),
        j!({"channel": "phone", "severity": "low", "situation": "排队太久", "customer": "P2"}),
    )
    .await;
    assert_eq!(s, 201, "{k}");
    let html = page_html(t, &cookie, &format!("/customers/{p2}/delete")).await;
    assert!(html.contains("id=\"delete-blocked\"") && !html.contains("id=\"customer-delete\""));
    let (s, _, _) = post(
        format!("/customers/{p2}/delete"),
        vec![("csrf", csrf.clone())],
    )
    .await;
    assert_eq!(s, 422);
    let (s, e) = json(
        t.delete("manager", &format!("/api/v1/customers/{p2}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert!(
        t.app.store.customer_id_by_external("P2").await.is_ok(),
        "still there"
    );
    let html = page_html(t, &cookie, &format!("/customers/{p1}/delete")).await;
    assert!(html.contains("id=\"delete-consequences\"") && html.contains("id=\"customer-delete\""));
    let agent = format!("fidelis_session={}", sign_in(t, "agent").await.0);
    let html = page_html(t, &agent, &format!("/customers/{p1}")).await;
    assert!(
        !html.contains("id=\"delete-customer\""),
        "agents may not delete"
    );
    let (s, loc, _) = post(
        format!("/customers/{p1}/delete"),
        vec![("csrf", csrf.clone())],
    )
    .await;
    assert_eq!((s, loc.as_str()), (303, "/customers?deleted=1"));
    assert!(t.app.store.customer_id_by_external("P1").await.is_err());
    let (_, audit) = get(t, "admin", "/api/v1/audit?entity=customer").await;
    assert!(audit.to_string().contains("\"delete\""), "{audit}");
}
both!(profile_actions);
