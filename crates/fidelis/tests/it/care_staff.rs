//! Care automation, the staff side, over HTTP on SQLite and PostgreSQL: each user's e-mail
//! address and preference, the SMTP page (password sealed, test e-mail to a real receiver on
//! loopback), notifications that also arrive by e-mail, and the follow-up rule's day in company
//! time at its boundaries.

use super::care::{base64_decode, get, send, smtp_receiver};
use super::harness::{json, TestApp};
use crate::both;
use serde_json::{json as j, Value};

/// Staff e-mail: each user's address and preference (their own on "My settings", anyone's by an
/// administrator on the users page), a bad address refused with nothing changed; the SMTP page
/// keeps the password sealed and never shows it, and its test button reaches the receiver; a
/// notification then also arrives by e-mail — for users who want it — with a link to its page.
async fn staff_notifications_by_email(t: &TestApp) {
    let (port, mails) = smtp_receiver().await;
    let admin = format!(
        "fidelis_session={}",
        super::web::sign_in(t, "admin").await.0
    );
    let html = super::web::page_html(t, &admin, "/care/settings").await;
    let csrf = super::web::hidden(&html, "csrf");
    let post = |path: &str, cookie: &str, form: Vec<(&str, String)>| {
        t.http
            .post(format!("{}{path}", t.base))
            .header("cookie", cookie)
            .form(&form)
            .send()
    };
    let smtp = |password: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("host", "127.0.0.1".to_string()),
            ("port", port.to_string()),
            ("security", "none".to_string()),
            ("from", "客服中心 <care@example.cn>".to_string()),
            ("username", String::new()),
            ("password", password.to_string()),
        ]
    };
    let mut bad = smtp("秘密口令-123");
    bad[4].1 = "nobody".into();
    let r = post("/care/settings", &admin, bad).await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("from"), "the field named");
    assert!(
        t.app.store.setting("care.smtp").await.unwrap().is_none(),
        "nothing stored"
    );
    let r = post("/care/settings", &admin, smtp("秘密口令-123"))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let stored = t.app.store.setting("care.smtp").await.unwrap().unwrap();
    assert!(
        !stored.contains("秘密口令") && stored.contains("sealed:v1:"),
        "{stored}"
    );
    let (_, shown) = get(t, "admin", "/api/v1/care/smtp").await;
    assert_eq!(shown["password_stored"], true, "{shown}");
    assert!(!shown.to_string().contains("sealed"), "{shown}");
    // Saved again without a password: the sealed one stays.
    post("/care/settings", &admin, smtp("")).await.unwrap();
    assert_eq!(
        t.app.store.setting("care.smtp").await.unwrap().unwrap(),
        stored
    );
    let html = super::web::page_html(t, &admin, "/care/settings").await;
    assert!(
        !html.contains("秘密口令") && html.contains("127.0.0.1"),
        "{html}"
    );
    let r = post(
        "/care/settings/test",
        &admin,
        vec![("csrf", csrf.clone()), ("to", "boss@example.cn".into())],
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("boss@example.cn"));
    assert_eq!(mails.lock().unwrap().len(), 1, "the test e-mail arrived");
    assert_eq!(get(t, "manager", "/api/v1/care/smtp").await.0, 403);

    // Addresses: the manager's own (API), the agent's by the administrator (users page); a bad
    // one is refused and nothing changes; an agent may not set someone else's.
    let (s, me) = send(
        t.put("manager", "/api/v1/me/contact"),
        j!({"email": "manager@example.cn", "email_notifications": true}),
    )
    .await;
    assert_eq!(
        (s, me["email"].as_str()),
        (200, Some("manager@example.cn")),
        "{me}"
    );
    let (s, e) = send(
        t.put("agent", "/api/v1/me/contact"),
        j!({"email": "no at sign"}),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(
        send(
            t.put("agent", "/api/v1/users/manager/contact"),
            j!({"email": "x@example.cn"})
        )
        .await
        .0,
        403
    );
    let r = post(
        "/admin/users/agent/contact",
        &admin,
        vec![("csrf", csrf.clone()), ("email", "agent@example.cn".into())],
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let html = super::web::page_html(t, &admin, "/admin/users").await;
    assert!(html.contains("agent@example.cn"), "{html}");
    let (_, me) = get(t, "agent", "/api/v1/me").await;
    assert_eq!(
        (me["email"].as_str(), me["email_notifications"].as_bool()),
        (Some("agent@example.cn"), Some(false)),
        "the box was left unticked: {me}"
    );
    let agent = format!(
        "fidelis_session={}",
        super::web::sign_in(t, "agent").await.0
    );
    let html = super::web::page_html(t, &agent, "/account").await;
    assert!(html.contains("agent@example.cn") && html.contains("account-contact"));

    // A rule notifies both: the manager by e-mail too, the agent (who did not ask) in Fidelis only.
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body("external_id,name\nK9,客户乙\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = send(
        t.post("manager", "/api/v1/care/rules"),
        j!({"name": "低分提醒", "trigger": "low_answer", "threshold": 50.0, "mode": "on", "daily_limit": 10,
            "actions": [{"type": "notify", "username": "manager", "text": "{{name}} 打了 {{score}} 分"},
                        {"type": "notify", "username": "agent", "text": "{{name}} 打了 {{score}} 分"}]}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let customer = t.app.store.customer_id_by_external("K9").await.unwrap();
    assert_eq!(t.app.care_on_answer(9, customer, 20.0).await.unwrap(), 1);
    if let Ok(mut u) = t.app.public_url.write() {
        *u = "https://fidelis.example.cn".into();
    }
    t.app.drain_outbox().await.unwrap();
    let got = mails.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "{got:?}");
    let (to, data) = &got[1];
    assert!(to.contains("manager@example.cn"), "{to}");
    let text = String::from_utf8_lossy(data).to_string();
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .map(base64_decode)
        .map(|b| String::from_utf8_lossy(&b).to_string())
        .unwrap_or_default();
    let all = format!("{text}{body}");
    assert!(
        all.contains("https://fidelis.example.cn/customers/"),
        "the link to its page: {all}"
    );
    let (_, n) = get(t, "agent", "/api/v1/notifications").await;
    assert_eq!(n["unread"], 1, "{n}");
}
both!(staff_notifications_by_email);

/// The follow-up rule's day is the company's: with the clock at UTC-5, a complaint resolved
/// now fires on the third local day after — not one second before that day starts, at its
/// first second, and once however many sweeps follow; after days of downtime the sweep catches
/// up (a rule swept long ago still finds it) without a second firing.
async fn follow_up_day_in_company_time(t: &TestApp) {
    let (s, mut settings) = get(t, "manager", "/api/v1/complaints/settings").await;
    assert_eq!(s, 200);
    settings["hours"]["utc_offset_minutes"] = j!(-300);
    let (s, b) = send(t.put("manager", "/api/v1/complaints/settings"), settings).await;
    assert_eq!(s, 200, "{b}");
    let (s, c) = super::complaints::create(
        t,
        "agent",
        j!({"channel": "phone", "caller": "李女士", "situation": "发票开错", "severity": "low"}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let id = c["complaint"]["id"].as_i64().unwrap();
    let mut version = c["complaint"]["version"].as_i64().unwrap();
    for body in [
        j!({"action": "acknowledge", "note": "已致歉"}),
        j!({"action": "analyse", "cause": "service", "justified": true}),
        j!({"action": "propose", "solution": "重开发票"}),
        j!({"action": "resolve", "accepted": true}),
    ] {
        let mut b = body.clone();
        b["version"] = j!(version);
        let (s, r) = super::complaints::step(t, "agent", id, b).await;
        assert_eq!(s, 200, "{r}");
        version = r["complaint"]["version"].as_i64().unwrap();
    }
    let (_, v) = get(t, "agent", &format!("/api/v1/complaints/{id}")).await;
    let resolved =
        domain::time::parse_instant(v["complaint"]["resolved_at"].as_str().unwrap()).unwrap();
    // The first instant of the third local day after the resolution's local day.
    let local_day = domain::time::wall_clock(resolved, -300).date();
    let third = (local_day + chrono::Duration::days(3))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        + chrono::Duration::minutes(300);
    let tasks = |v: &Value| v["tasks"].as_array().map_or(0, Vec::len);
    assert_eq!(
        t.app
            .sweep_care(third - chrono::Duration::seconds(1))
            .await
            .unwrap(),
        0,
        "the day before, at its last second"
    );
    assert_eq!(
        t.app.sweep_care(third).await.unwrap(),
        1,
        "its first second"
    );
    for later in [1, 30] {
        t.app
            .sweep_care(third + chrono::Duration::minutes(later))
            .await
            .unwrap();
    }
    // Days of downtime after a sweep long ago: the catch-up passes the day again, no second task.
    let rules = t.app.store.care_rules().await.unwrap();
    let follow = rules
        .iter()
        .find(|r| r.trigger == "complaint_resolved")
        .expect("the built-in rule");
    t.app
        .store
        .set_care_swept(
            follow.id,
            &(local_day - chrono::Duration::days(1)).to_string(),
        )
        .await
        .unwrap();
    assert_eq!(
        t.app
            .sweep_care(third + chrono::Duration::days(5))
            .await
            .unwrap(),
        0
    );
    let (_, v) = get(t, "agent", &format!("/api/v1/complaints/{id}")).await;
    assert_eq!(tasks(&v), 1, "{v}");
    assert_eq!(v["tasks"][0]["assignee"], "agent");
    // The follow-up visit is done on the case, not as a care task.
    let tid = v["tasks"][0]["id"].as_i64().unwrap();
    let (s, e) = send(
        t.post("agent", &format!("/api/v1/care/tasks/{tid}/close")),
        j!({"state": "done"}),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert!(e.to_string().contains(&format!("#{id}")), "{e}");
}
both!(follow_up_day_in_company_time);

/// A task for a team (`team:NAME`) is in every member's queue and any member closes it; a team
/// that does not exist is refused when the rule is saved.
async fn team_tasks(t: &TestApp) {
    let (s, b) = send(
        t.post("manager", "/api/v1/complaints/teams"),
        j!({"name": "前台组", "manager": "manager", "members": ["agent"]}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let rule = |team: &str| {
        j!({"name": format!("低分回访 {team}"), "trigger": "low_answer", "threshold": 50.0,
            "mode": "on", "daily_limit": 10,
            "actions": [{"type": "task", "assignee": format!("team:{team}"), "due_days": 1,
                         "title": "回访 {{name}}"}]})
    };
    let (s, e) = send(t.post("manager", "/api/v1/care/rules"), rule("无此组")).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(
        e["error"]["details"]["fields"][0]["field"], "actions[0].assignee",
        "{e}"
    );
    let (s, b) = send(t.post("manager", "/api/v1/care/rules"), rule("前台组")).await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body("external_id,name\nT1,客户丙\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let customer = t.app.store.customer_id_by_external("T1").await.unwrap();
    assert_eq!(t.app.care_on_answer(11, customer, 10.0).await.unwrap(), 1);
    let (_, mine) = get(t, "agent", "/api/v1/care/tasks?mine=true").await;
    let items = mine["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{mine}");
    assert_eq!(items[0]["assignee"], "team:前台组");
    let (_, theirs) = get(t, "manager", "/api/v1/care/tasks?mine=true").await;
    assert_eq!(
        theirs["items"].as_array().map(Vec::len),
        Some(0),
        "not in the team"
    );
    let id = items[0]["id"].as_i64().unwrap();
    let (s, done) = send(
        t.post("agent", &format!("/api/v1/care/tasks/{id}/close")),
        j!({"state": "done", "result": "已回访"}),
    )
    .await;
    assert_eq!(
        (s, done["done_by"].as_str()),
        (200, Some("agent")),
        "{done}"
    );
}
both!(team_tasks);
