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

/// An e-mail as the receiver got it: the decoded subject and body (base64 or quoted-printable
/// bodies, RFC 2047 subjects).
fn decoded_mail(data: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(data).replace('\r', "");
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let qp = |s: &str, underscore: bool| {
        let s = s.replace("=\n", "");
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'=' if i + 2 < b.len() => {
                    let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                    match u8::from_str_radix(hex, 16) {
                        Ok(v) => {
                            out.push(v);
                            i += 3;
                            continue;
                        }
                        Err(_) => out.push(b'='),
                    }
                }
                b'_' if underscore => out.push(b' '),
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).to_string()
    };
    let subject = header("Subject")
        .split_whitespace()
        .map(|w| {
            let inner = w.strip_prefix("=?").and_then(|w| w.strip_suffix("?="));
            match inner.map(|i| i.splitn(3, '?').collect::<Vec<_>>()) {
                Some(p) if p.len() == 3 && p[1].eq_ignore_ascii_case("b") => {
                    String::from_utf8_lossy(&base64_decode(p[2])).to_string()
                }
                Some(p) if p.len() == 3 => qp(p[2], true),
                _ => format!("{w} "),
            }
        })
        .collect::<String>()
        .trim()
        .to_string();
    let encoding = header("Content-Transfer-Encoding").to_ascii_lowercase();
    let body = match encoding.as_str() {
        "base64" => String::from_utf8_lossy(&base64_decode(body)).to_string(),
        "quoted-printable" => qp(body, false),
        _ => body.to_string(),
    };
    (subject, body.trim_end().to_string())
}

/// E-mails in the reader's language: the customer's language comes in with the import (a column
/// named 语言, Chinese and English spellings; a language it does not know is refused naming the
/// row and field, and nothing is imported), shows on the profile and in the API; a rule's e-mail
/// with both texts reaches a Chinese customer in Chinese, an English one in English, one without
/// a language in the company's Chinese, and a staff member in the language they use Fidelis in.
/// Survey invitations follow the customer's language too.
async fn emails_in_the_readers_language(t: &TestApp) {
    let (port, mails) = smtp_receiver().await;
    let (s, b) = send(
        t.put("admin", "/api/v1/care/smtp"),
        j!({"host": "127.0.0.1", "port": port, "security": "none", "from": "客服中心 <care@example.cn>"}),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let import = |csv: &'static str| async move {
        json(
            t.post("analyst", "/api/v1/imports/customers?wait=true")
                .body(csv)
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    let (s, e) =
        import("external_id,name,email,consent,语言\nL9,某人,x@example.cn,email,Klingon\n").await;
    assert_eq!(s, 422, "{e}");
    let err = &e["error"]["details"]["errors"][0];
    assert_eq!(
        (err["line"].as_i64(), err["column"].as_str()),
        (Some(2), Some("语言")),
        "{e}"
    );
    assert!(
        t.app.store.customer_id_by_external("L9").await.is_err(),
        "nothing imported"
    );
    let (s, b) = import(
        "external_id,name,email,consent,语言\nL1,王芳,wang@example.cn,email,中文\nL2,Emma Li,emma@example.com,email,English\nL3,张伟,zhang@example.cn,email,\n",
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let id = |x: &'static str| async move { t.app.store.customer_id_by_external(x).await.unwrap() };
    let (l1, l2, l3) = (id("L1").await, id("L2").await, id("L3").await);
    let (_, c) = get(t, "agent", &format!("/api/v1/customers/{l2}")).await;
    assert_eq!(c["customer"]["lang"].as_str(), Some("en"), "{c}");
    let cookie = format!(
        "fidelis_session={}",
        super::web::sign_in(t, "agent").await.0
    );
    let html = super::web::page_html(t, &cookie, &format!("/customers/{l2}")).await;
    assert!(
        html.contains("id=\"customer-lang\">英文<"),
        "the profile says it"
    );

    // The manager reads Fidelis in English and wants e-mail.
    let (s, b) = send(
        t.put("manager", "/api/v1/me/contact"),
        j!({"email": "manager@example.cn", "email_notifications": true}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let manager = t.app.store.user_by_name("manager").await.unwrap();
    t.app
        .store
        .set_user_lang(manager.id, domain::Lang::En)
        .await
        .unwrap();
    let (s, b) = send(
        t.post("manager", "/api/v1/care/rules"),
        j!({"name": "低分致歉", "trigger": "low_answer", "threshold": 50.0, "mode": "on", "daily_limit": 10,
            "actions": [
                {"type": "email", "to": {"type": "customer"},
                 "subject": "{{name}}，抱歉让您失望了", "body": "{{name}}，您好！我们会尽快联系您。",
                 "subject_en": "{{name}}, we are sorry", "body_en": "Dear {{name}}, we will call you soon."},
                {"type": "email", "to": {"type": "user", "username": "manager"},
                 "subject": "低分：{{name}}", "body": "{{name}} 打了 {{score}} 分",
                 "subject_en": "Low score: {{name}}", "body_en": "{{name}} answered {{score}}"}
            ]}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    for (inv, c) in [(21, l1), (22, l2), (23, l3)] {
        assert_eq!(t.app.care_on_answer(inv, c, 10.0).await.unwrap(), 1);
    }
    t.app
        .care_retry_secs
        .store(0, std::sync::atomic::Ordering::Relaxed);
    t.app.drain_outbox().await.unwrap();
    let got: Vec<(String, (String, String))> = mails
        .lock()
        .unwrap()
        .iter()
        .map(|(to, data)| (to.clone(), decoded_mail(data)))
        .collect();
    assert_eq!(got.len(), 6, "{got:?}");
    let to = |addr: &str| -> Vec<(String, String)> {
        got.iter()
            .filter(|(t, _)| t.contains(addr))
            .map(|(_, m)| m.clone())
            .collect()
    };
    assert_eq!(
        to("wang@example.cn"),
        [(
            "王芳，抱歉让您失望了".to_string(),
            "王芳，您好！我们会尽快联系您。".to_string()
        )]
    );
    assert_eq!(
        to("emma@example.com"),
        [(
            "Emma Li, we are sorry".to_string(),
            "Dear Emma Li, we will call you soon.".to_string()
        )]
    );
    assert_eq!(
        to("zhang@example.cn")[0].0,
        "张伟，抱歉让您失望了",
        "no language: the company's Chinese"
    );
    let staff = to("manager@example.cn");
    assert_eq!(staff.len(), 3, "{staff:?}");
    assert!(
        staff
            .iter()
            .all(|(s, b)| s.starts_with("Low score: ") && b.contains(" answered 10")),
        "{staff:?}"
    );

    // Survey invitations: each in its customer's language.
    let (s, survey) = send(
        t.post("analyst", "/api/v1/surveys"),
        j!({"name": "服务满意度", "template": "csat"}),
    )
    .await;
    assert_eq!(s, 201, "{survey}");
    let (s, wave) = send(
        t.post(
            "manager",
            &format!("/api/v1/surveys/{}/waves", survey["id"]),
        ),
        j!({"name": "十二月", "size": 3}),
    )
    .await;
    assert_eq!(s, 201, "{wave}");
    let (s, b) = send(
        t.post(
            "manager",
            &format!("/api/v1/surveys/waves/{}/email", wave["id"]),
        ),
        j!({}),
    )
    .await;
    assert_eq!((s, b["queued"].as_i64()), (200, Some(3)), "{b}");
    t.app.drain_outbox().await.unwrap();
    let got: Vec<(String, (String, String))> = mails.lock().unwrap()[6..]
        .iter()
        .map(|(to, data)| (to.clone(), decoded_mail(data)))
        .collect();
    assert_eq!(got.len(), 3, "{got:?}");
    for (to, (subject, body)) in &got {
        if to.contains("emma@example.com") {
            assert!(
                subject.ends_with("Your opinion, please") && body.starts_with("Dear Emma Li,"),
                "{subject} {body}"
            );
            assert!(!body.contains("您好"), "{body}");
        } else {
            assert!(
                subject.ends_with("邀请您参与调查") && body.contains("您好"),
                "{subject} {body}"
            );
            assert!(!body.contains("Dear"), "{body}");
        }
    }
}
both!(emails_in_the_readers_language);

/// A reply to the customer from the case: the page offers e-mail when it can go; by e-mail it
/// arrives once, in the customer's language, and the history says to whom; a case without a
/// customer's address gets its reply recorded (by phone), and asking for e-mail there is
/// refused with nothing recorded.
async fn reply_from_a_case(t: &TestApp) {
    let (port, mails) = smtp_receiver().await;
    let (s, b) = send(
        t.put("admin", "/api/v1/care/smtp"),
        j!({"host": "127.0.0.1", "port": port, "security": "none", "from": "客服中心 <care@example.cn>"}),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body("external_id,name,email,lang\nR1,Anna Wu,anna@example.com,en\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, k) = super::complaints::create(
        t,
        "agent",
        j!({"channel": "email", "severity": "medium", "situation": "wrong size delivered", "customer": "R1"}),
    )
    .await;
    assert_eq!(s, 201, "{k}");
    let id = k["complaint"]["id"].as_i64().unwrap();
    let cookie = format!(
        "fidelis_session={}",
        super::web::sign_in(t, "agent").await.0
    );
    let html = super::web::page_html(t, &cookie, &format!("/complaints/{id}")).await;
    assert!(html.contains("id=\"reply-by-email\"") && html.contains("anna@example.com"));
    let (s, v) = send(
        t.post("agent", &format!("/api/v1/complaints/{id}/reply")),
        j!({"version": 1, "body": "We are sending the right size today.", "email": true}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let reply = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "reply")
        .cloned()
        .unwrap_or_default();
    assert_eq!(reply["changes"]["to"], "anna@example.com", "{v}");
    // The same reply again at the old version: refused, not sent twice.
    let (s, _) = send(
        t.post("agent", &format!("/api/v1/complaints/{id}/reply")),
        j!({"version": 1, "body": "We are sending the right size today.", "email": true}),
    )
    .await;
    assert_eq!(s, 409);
    t.app.drain_outbox().await.unwrap();
    let got = mails.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let (subject, body) = decoded_mail(&got[0].1);
    assert!(got[0].0.contains("anna@example.com"));
    assert_eq!(subject, format!("About your complaint (no. {id})"));
    assert_eq!(body, "We are sending the right size today.");

    // No customer: e-mail refused (nothing recorded), a phone reply recorded.
    let (s, k) = super::complaints::create(
        t,
        "agent",
        j!({"channel": "phone", "severity": "low", "situation": "停车难", "caller": "王先生 139****0000"}),
    )
    .await;
    assert_eq!(s, 201, "{k}");
    let id = k["complaint"]["id"].as_i64().unwrap();
    let (s, e) = send(
        t.post("agent", &format!("/api/v1/complaints/{id}/reply")),
        j!({"version": 1, "body": "已电话说明", "email": true}),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["details"]["fields"][0]["field"], "email", "{e}");
    let (s, v) = send(
        t.post("agent", &format!("/api/v1/complaints/{id}/reply")),
        j!({"version": 1, "body": "已电话说明停车位置"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["complaint"]["version"], 2, "one history entry");
    let html = super::web::page_html(t, &cookie, &format!("/complaints/{id}")).await;
    assert!(html.contains("回复客户") || html.contains("Reply to the customer"));
    assert!(html.contains("已电话说明停车位置"));
}
both!(reply_from_a_case);
