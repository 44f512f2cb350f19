//! Care automation over HTTP on SQLite and PostgreSQL, against a real SMTP receiver and a real
//! webhook receiver started here on loopback: rules are checked (roles, placeholders), a low
//! survey answer fires a rule once — a task, a notification, a signed webhook (refused twice,
//! delivered on the third try, every try logged) and an e-mail that arrives once — while a
//! dry-run rule records whom it would hit and changes nothing.

use super::harness::{json, TestApp};
use crate::both;
use serde_json::{json as j, Value};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A webhook receiver: the n-th POST gets `plan[n]` (then 200); keeps (signature, body).
async fn webhook_receiver(plan: Vec<u16>) -> (String, Received) {
    let got: Received = Arc::default();
    let g = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let g = g.clone();
                let plan = plan.clone();
                async move {
                    let mut v = g.lock().unwrap();
                    let sig = headers
                        .get("x-fidelis-signature")
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    let status = plan.get(v.len()).copied().unwrap_or(200);
                    v.push((sig, body.to_vec()));
                    axum::http::StatusCode::from_u16(status).unwrap()
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

/// A minimal SMTP server: accepts every message and keeps (recipients, data); while `hang` is
/// set it accepts connections and never answers (a server that stalls mid-send).
async fn smtp_receiver_with(hang: Arc<std::sync::atomic::AtomicBool>) -> (u16, Received) {
    let got: Received = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let g = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            if hang.load(std::sync::atomic::Ordering::SeqCst) {
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_secs(120)).await;
                    drop(sock);
                });
                continue;
            }
            let g = g.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                let _ = w.write_all(b"220 test ESMTP\r\n").await;
                let (mut rcpt, mut data, mut in_data) = (String::new(), Vec::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            g.lock().unwrap().push((rcpt.clone(), data.clone()));
                            let _ = w.write_all(b"250 queued\r\n").await;
                        } else {
                            data.extend_from_slice(line.as_bytes());
                            data.push(b'\n');
                        }
                        continue;
                    }
                    let up = line.to_ascii_uppercase();
                    let reply: &[u8] = if up.starts_with("EHLO") || up.starts_with("HELO") {
                        b"250 test\r\n"
                    } else if up.starts_with("MAIL FROM") {
                        // A new message on the same connection: its own recipients.
                        rcpt.clear();
                        b"250 ok\r\n"
                    } else if up.starts_with("RCPT TO") {
                        rcpt.push_str(&line[8..]);
                        b"250 ok\r\n"
                    } else if up.starts_with("DATA") {
                        in_data = true;
                        data.clear();
                        b"354 go on\r\n"
                    } else if up.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = w.write_all(reply).await;
                }
            });
        }
    });
    (port, got)
}

pub(super) async fn smtp_receiver() -> (u16, Received) {
    smtp_receiver_with(Arc::default()).await
}

/// A MIME body's base64 (line breaks ignored).
pub(super) fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

pub(super) async fn get(t: &TestApp, role: &str, path: &str) -> (u16, Value) {
    t.get_json(role, path).await
}

pub(super) async fn send(r: reqwest::RequestBuilder, body: Value) -> (u16, Value) {
    json(r.json(&body).send().await.unwrap()).await
}

async fn care_rules_fire_once(t: &TestApp) {
    // Customers with e-mail addresses, a CSAT survey and a wave of personal links.
    let mut csv = String::from("external_id,name,email,segment,consent\n");
    for i in 1..=4 {
        csv.push_str(&format!("C{i},客户{i},c{i}@example.cn,gold,email\n"));
    }
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body(csv)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, survey) = send(
        t.post("analyst", "/api/v1/surveys"),
        j!({"name": "Store CSAT", "template": "csat"}),
    )
    .await;
    assert_eq!(s, 201, "{survey}");
    let sid = survey["id"].as_i64().unwrap();
    let (s, wave) = send(
        t.post("manager", &format!("/api/v1/surveys/{sid}/waves")),
        j!({"name": "W1", "size": 4}),
    )
    .await;
    assert_eq!(s, 201, "{wave}");
    let (_, links) = get(
        t,
        "manager",
        &format!("/api/v1/surveys/waves/{}/links", wave["id"]),
    )
    .await;
    let link = links["items"][0].clone();
    let token = link["path"].as_str().unwrap().trim_start_matches("/s/");
    let email = link["email"].as_str().unwrap().to_string();

    // SMTP at the local receiver; the webhook receiver refuses twice.
    let (port, mails) = smtp_receiver().await;
    let (hook, hooks) = webhook_receiver(vec![500, 500]).await;
    let (s, b) = send(
        t.put("admin", "/api/v1/care/smtp"),
        j!({"host": "127.0.0.1", "port": port, "security": "none", "from": "客服 <care@example.cn>"}),
    )
    .await;
    assert_eq!(s, 204, "{b}");

    // Rules: agents may not write them; a misspelt placeholder is refused naming the field.
    let secret = "s3cret-s3cret-s3cret";
    let rule = j!({
        "name": "低满意度回访", "trigger": "low_answer", "threshold": 40.0, "mode": "on",
        "daily_limit": 100,
        "actions": [
            {"type": "task", "assignee": "manager", "due_days": 1, "title": "联系 {{name}}（{{score}} 分）"},
            {"type": "notify", "username": "manager", "text": "{{name}} 的满意度只有 {{score}}"},
            {"type": "webhook", "url": hook, "secret": secret, "shape": "json"},
            {"type": "email", "to": {"type": "customer"}, "subject": "{{name}}，抱歉让您失望了", "body": "我们会尽快联系您。"}
        ]
    });
    let (s, _) = send(t.post("agent", "/api/v1/care/rules"), rule.clone()).await;
    assert_eq!(s, 403);
    let mut bad = rule.clone();
    bad["actions"][0]["title"] = j!("联系 {{nmae}}");
    let (s, b) = send(t.post("manager", "/api/v1/care/rules"), bad).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(
        b["error"]["details"]["fields"][0]["field"], "actions[0].title",
        "{b}"
    );
    let (s, r) = send(t.post("manager", "/api/v1/care/rules"), rule).await;
    assert_eq!(s, 201, "{r}");
    let rid = r["id"].as_i64().unwrap();
    // A dry-run twin: it records whom it would hit, and acts on nobody.
    let dry = j!({
        "name": "试运行", "trigger": "low_answer", "threshold": 60.0, "mode": "dry_run",
        "daily_limit": 100,
        "actions": [{"type": "task", "assignee": "manager", "due_days": 1, "title": "不应出现"}]
    });
    let (s, d) = send(t.post("manager", "/api/v1/care/rules"), dry).await;
    assert_eq!(s, 201, "{d}");
    let did = d["id"].as_i64().unwrap();

    // A low answer through the customer's link fires both rules, once.
    let (s, b) = json(
        t.http
            .post(format!("{}/api/v1/public/surveys/{token}", t.base))
            .json(&j!({"answers": {"CSAT": 1}, "submit": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let fired_again = t.app.care_on_answer(0, 0, 0.0).await.unwrap_or_default();
    assert_eq!(fired_again, 0, "no customer, no firing");
    let (_, tasks) = get(t, "manager", "/api/v1/care/tasks").await;
    let tasks = tasks["items"].as_array().unwrap().clone();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert!(
        tasks[0]["title"].as_str().unwrap().contains("0 分"),
        "{tasks:?}"
    );
    let (_, n) = get(t, "manager", "/api/v1/notifications").await;
    assert_eq!(n["unread"], 1, "{n}");
    let customer = t
        .app
        .store
        .customer_id_by_external(link["external_id"].as_str().unwrap())
        .await
        .unwrap();
    let (s, ct) = get(
        t,
        "agent",
        &format!("/api/v1/care/tasks?customer={customer}"),
    )
    .await;
    assert_eq!(
        (s, ct["items"].as_array().map(Vec::len)),
        (200, Some(0)),
        "an agent's own only"
    );
    let (_, ct) = get(
        t,
        "manager",
        &format!("/api/v1/care/tasks?customer={customer}"),
    )
    .await;
    assert_eq!(ct["items"].as_array().map(Vec::len), Some(1), "{ct}");
    // The task is closed by its assignee (or a manager), once, with what came of it.
    let tid = tasks[0]["id"].as_i64().unwrap();
    let close = |who: &'static str, body: Value| {
        send(
            t.post(who, &format!("/api/v1/care/tasks/{tid}/close")),
            body,
        )
    };
    assert_eq!(close("agent", j!({"state": "done"})).await.0, 403);
    assert_eq!(close("manager", j!({"state": "later"})).await.0, 422);
    let (s, done) = close("manager", j!({"state": "done", "result": "已致电道歉"})).await;
    assert_eq!((s, done["state"].as_str()), (200, Some("done")), "{done}");
    assert_eq!(
        (done["result"].as_str(), done["done_by"].as_str()),
        (Some("已致电道歉"), Some("manager"))
    );
    assert_eq!(
        close("manager", j!({"state": "dismissed"})).await.0,
        422,
        "closed already"
    );
    let (_, v) = get(t, "manager", &format!("/api/v1/care/rules/{rid}")).await;
    assert_eq!(v["stats"]["tasks_done"].as_i64(), Some(1), "{v}");
    let (_, v) = get(t, "manager", &format!("/api/v1/care/rules/{did}")).await;
    assert_eq!(
        (v["stats"]["dry_run"].as_i64(), v["stats"]["fired"].as_i64()),
        (Some(1), Some(0)),
        "{v}"
    );

    // The sender: the webhook on its third try, the e-mail once; every try in the log.
    t.app
        .care_retry_secs
        .store(0, std::sync::atomic::Ordering::Relaxed);
    let (s, b) = send(t.post("manager", "/api/v1/care/sweep"), j!({})).await;
    assert_eq!(s, 200, "{b}");
    let got = hooks.lock().unwrap().clone();
    assert_eq!(got.len(), 3, "refused twice, then delivered");
    for (sig, body) in &got {
        assert_eq!(sig, &app::care::outbox::sign(secret, body));
        let event: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(event["trigger"], "low_answer");
        assert_eq!(event["values"]["score"], "0");
    }
    let (_, log) = get(t, "manager", "/api/v1/care/outbox").await;
    let items = log["items"].as_array().unwrap();
    let webhook = items.iter().find(|i| i["kind"] == "webhook").unwrap();
    assert_eq!(
        (
            webhook["status"].as_str(),
            webhook["attempts"].as_i64(),
            webhook["last_status"].as_i64()
        ),
        (Some("sent"), Some(3), Some(200)),
        "{webhook}"
    );
    assert!(
        webhook["payload"].get("secret").is_none(),
        "secrets stay in the store"
    );
    let mail = items.iter().find(|i| i["kind"] == "email").unwrap();
    assert_eq!(mail["status"], "sent", "{mail}");
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].0.contains(&email), "{:?}", mails[0].0);
    // Draining again sends nothing more.
    let (_, b) = send(t.post("manager", "/api/v1/care/sweep"), j!({})).await;
    assert_eq!(b["sent"], 0, "{b}");
    assert_eq!(hooks.lock().unwrap().len(), 3);
    let (_, v) = get(t, "manager", &format!("/api/v1/care/rules/{rid}")).await;
    assert_eq!(
        (
            v["stats"]["fired"].as_i64(),
            v["stats"]["messages_sent"].as_i64()
        ),
        (Some(1), Some(2)),
        "{v}"
    );
    // The customer buys again after the firing: counted for the rule (the dry-run twin's
    // record counts them too: the same customer).
    let at = (chrono::Utc::now() + chrono::Duration::minutes(2))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let (s, b) = send(
        t.post("agent", "/api/v1/transactions"),
        j!({"external_id": "T-CARE-1", "customer_id": link["external_id"], "occurred_at": at, "amount": "88.00"}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let (_, v) = get(t, "manager", &format!("/api/v1/care/rules/{rid}")).await;
    assert_eq!(v["stats"]["bought_again"], 1, "{v}");
    let (_, v) = get(t, "manager", &format!("/api/v1/care/rules/{did}")).await;
    assert_eq!(
        (
            v["stats"]["bought_again"].as_i64(),
            v["stats"]["dry_run_bought_again"].as_i64()
        ),
        (Some(0), Some(1)),
        "{v}"
    );
    let (s, dr) = get(t, "manager", &format!("/api/v1/care/rules/{rid}/dry-run")).await;
    assert_eq!(
        (s, dr["total"].as_i64()),
        (200, Some(0)),
        "an event rule has no daily hits"
    );
    let (s, _) = get(t, "agent", "/api/v1/care/outbox").await;
    assert_eq!(s, 403);

    // The pages: the bell counts, a template added in one click starts as a dry run, its page
    // says what it does and switches it on; agents see their tasks, not the rules.
    let cookie = format!(
        "fidelis_session={}",
        super::web::sign_in(t, "manager").await.0
    );
    let html = super::web::page_html(t, &cookie, "/notifications/count").await;
    assert!(html.contains("bell-count") && html.contains('1'), "{html}");
    let html = super::web::page_html(t, &cookie, "/care").await;
    assert!(
        html.contains("低满意度回访") && html.contains("id=\"care-outbox\""),
        "{html}"
    );
    let csrf = super::web::hidden(&html, "csrf");
    let r = t
        .http
        .post(format!("{}/care/templates", t.base))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("index", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let rule_page = r.headers()["location"].to_str().unwrap().to_string();
    let html = super::web::page_html(t, &cookie, &rule_page).await;
    assert!(html.contains("id=\"rule-summary\""), "{html}");
    assert!(html.contains("value=\"dry_run\" selected"), "{html}");
    let version = super::web::hidden(&html, "version");
    let r = t
        .http
        .post(format!("{}{rule_page}/mode", t.base))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("version", &version),
            ("mode", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let html = super::web::page_html(t, &cookie, &rule_page).await;
    assert!(html.contains("value=\"on\" selected"), "{html}");
    // The same template again: refused on the page (a rule of that name exists).
    let r = t
        .http
        .post(format!("{}/care/templates", t.base))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("index", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    // The follow-up template too: the built-in follow-up rule has its name.
    let r = t
        .http
        .post(format!("{}/care/templates", t.base))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("index", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    // A rule written on the page: a misspelt placeholder comes back on the page (422), then
    // the corrected one is saved as a dry run.
    let form = |title: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("name", "老客户生日问候".to_string()),
            ("trigger", "lapsed_date".to_string()),
            ("days", "365".to_string()),
            ("a0_kind", "task".to_string()),
            ("a0_user", "agent".to_string()),
            ("a0_due_days", "2".to_string()),
            ("a0_text", title.to_string()),
            ("daily_limit", "50".to_string()),
            ("mode", "dry_run".to_string()),
        ]
    };
    let r = t
        .http
        .post(format!("{}/care/rules", t.base))
        .header("cookie", &cookie)
        .form(&form("问候 {{nmae}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("nmae"));
    let r = t
        .http
        .post(format!("{}/care/rules", t.base))
        .header("cookie", &cookie)
        .form(&form("给 {{name}} 送上{{date_label}}祝福"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let page = r.headers()["location"].to_str().unwrap().to_string();
    let html = super::web::page_html(t, &cookie, &page).await;
    assert!(
        html.contains("老客户生日问候") && html.contains("365"),
        "{html}"
    );
    assert!(html.contains("value=\"dry_run\" selected"), "{html}");
    // Changed on its page: a second action and a saved segment; a segment that does not exist
    // is named on the page and nothing changes; the typed values come back on the form.
    let version = super::web::hidden(&html, "version");
    let mut edit = form("给 {{name}} 送上{{date_label}}祝福");
    edit.extend([
        ("version", version.clone()),
        ("a1_kind", "tag".to_string()),
        ("a1_text", "生日关怀".to_string()),
        ("saved_segment", "999".to_string()),
        ("name", "老客户生日问候（改）".to_string()),
    ]);
    let r = t
        .http
        .post(format!("{}{page}", t.base))
        .header("cookie", &cookie)
        .form(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("conditions.saved_segment") && html.contains("生日关怀"),
        "{html}"
    );
    let (s, seg) = send(
        t.post("manager", "/api/v1/loyalty/segments"),
        j!({"name": "流失风险客户", "filter": {"status": "at_risk"}}),
    )
    .await;
    assert_eq!(s, 201, "{seg}");
    let seg_id = seg["id"].as_i64().unwrap().to_string();
    for f in edit.iter_mut().filter(|f| f.0 == "saved_segment") {
        f.1 = seg_id.clone();
    }
    let r = t
        .http
        .post(format!("{}{page}", t.base))
        .header("cookie", &cookie)
        .form(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let rid2 = page.rsplit('/').next().unwrap();
    let (_, v) = get(t, "manager", &format!("/api/v1/care/rules/{rid2}")).await;
    assert_eq!(v["name"], "老客户生日问候（改）", "{v}");
    assert_eq!(
        v["version"].as_i64(),
        Some(version.parse::<i64>().unwrap() + 1)
    );
    let spec = &v["spec"];
    assert_eq!(spec["actions"].as_array().map(Vec::len), Some(2), "{v}");
    assert_eq!(spec["actions"][1], j!({"type": "tag", "tag": "生日关怀"}));
    assert_eq!(
        spec["conditions"]["saved_segment"].as_i64(),
        seg["id"].as_i64()
    );
    let html = super::web::page_html(t, &cookie, &page).await;
    assert!(
        html.contains("流失风险客户"),
        "the summary names the segment: {html}"
    );
    // The old version again: a conflict, said on the page.
    let r = t
        .http
        .post(format!("{}{page}", t.base))
        .header("cookie", &cookie)
        .form(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let agent = format!(
        "fidelis_session={}",
        super::web::sign_in(t, "agent").await.0
    );
    let html = super::web::page_html(t, &agent, "/care").await;
    assert!(
        !html.contains("id=\"care-rules\"") && html.contains("care"),
        "{html}"
    );
}
both!(care_rules_fire_once);

/// The server killed (SIGKILL) while an e-mail is being sent, then started again: the message
/// goes out exactly once and the firing's task exists once.
async fn killed_sender_sends_once(t: &TestApp) {
    let hang = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (port, mails) = smtp_receiver_with(hang.clone()).await;
    let (s, b) = send(
        t.put("admin", "/api/v1/care/smtp"),
        j!({"host": "127.0.0.1", "port": port, "security": "none", "from": "care@example.cn"}),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body("external_id,name,email,consent\nK1,客户甲,k1@example.cn,email\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = send(
        t.post("manager", "/api/v1/care/rules"),
        j!({"name": "回访", "trigger": "low_answer", "threshold": 50.0, "mode": "on", "daily_limit": 10,
            "actions": [{"type": "task", "assignee": "agent", "due_days": 1, "title": "回访 {{name}}"},
                        {"type": "email", "to": {"type": "customer"}, "subject": "抱歉", "body": "我们会联系您"}]}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    // The event, recorded by this (test) server, which sends nothing itself.
    let customer = t.app.store.customer_id_by_external("K1").await.unwrap();
    assert_eq!(t.app.care_on_answer(7, customer, 10.0).await.unwrap(), 1);
    let status = || async {
        t.app.store.outbox(None, 10).await.unwrap()[0]
            .status
            .clone()
    };
    assert_eq!(status().await, "pending");
    let serve = || {
        Command::new(env!("CARGO_BIN_EXE_fidelis"))
            .args(["--database-url", &t.url, "serve", "--bind", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let wait_for = |want: &'static str| async move {
        for _ in 0..150 {
            if status().await == want {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the message never became {want}");
    };
    // The server picks the message up and stalls on the SMTP server: killed there.
    let mut server = serve();
    wait_for("sending").await;
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(mails.lock().unwrap().is_empty());
    // Started again with the SMTP server answering: sent once.
    hang.store(false, std::sync::atomic::Ordering::SeqCst);
    let mut server = serve();
    wait_for("sent").await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(mails.lock().unwrap().len(), 1, "exactly one e-mail");
    assert_eq!(
        t.app
            .store
            .care_tasks(Some("agent"), None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        t.app.care_on_answer(7, customer, 10.0).await.unwrap(),
        0,
        "fired once"
    );
}
both!(killed_sender_sends_once);

/// A wave's links e-mailed by the app: once per invitation, only with an address and e-mail
/// consent, with an opt-out link the app honours; a reminder only to those who have not answered.
async fn survey_links_by_email(t: &TestApp) {
    let csv = "external_id,name,email,consent\nE1,甲,e1@example.cn,email\nE2,乙,e2@example.cn,email\nE3,丙,e3@example.cn,\"email, sms\"\nE4,丁,e4@example.cn,sms\nE5,戊,,email\n";
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body(csv)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (_, survey) = send(
        t.post("analyst", "/api/v1/surveys"),
        j!({"name": "门店满意度", "template": "csat"}),
    )
    .await;
    let (s, wave) = send(
        t.post(
            "manager",
            &format!("/api/v1/surveys/{}/waves", survey["id"]),
        ),
        j!({"name": "12 月", "size": 5}),
    )
    .await;
    assert_eq!(s, 201, "{wave}");
    let email = format!("/api/v1/surveys/waves/{}/email", wave["id"]);
    // Without SMTP: refused, nothing queued.
    let (s, b) = send(t.post("manager", &email), j!({})).await;
    assert_eq!(s, 422, "{b}");
    let (port, mails) = smtp_receiver().await;
    let (s, _) = send(
        t.put("admin", "/api/v1/care/smtp"),
        j!({"host": "127.0.0.1", "port": port, "security": "none", "from": "调查 <survey@example.cn>"}),
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = send(t.post("agent", &email), j!({})).await;
    assert_eq!(s, 403);
    let (s, b) = send(t.post("manager", &email), j!({})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (
            b["queued"].as_u64(),
            b["no_consent"].as_u64(),
            b["no_address"].as_u64()
        ),
        (Some(3), Some(1), Some(1)),
        "{b}"
    );
    let (_, b) = send(t.post("manager", &email), j!({})).await;
    assert_eq!(
        (b["queued"].as_u64(), b["already"].as_u64()),
        (Some(0), Some(3)),
        "once each"
    );
    send(t.post("manager", "/api/v1/care/sweep"), j!({})).await;
    let sent = mails.lock().unwrap().clone();
    assert_eq!(sent.len(), 3);
    // Each invitee's delivery, in the wave's links.
    let (_, links) = get(
        t,
        "manager",
        &format!("/api/v1/surveys/waves/{}/links", wave["id"]),
    )
    .await;
    let status: Vec<(String, String)> = links["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["external_id"].as_str().unwrap().to_string(),
                l["email_status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (who, st) in &status {
        let want = if ["E1", "E2", "E3"].contains(&who.as_str()) {
            "sent"
        } else {
            ""
        };
        assert_eq!(st, want, "{who}: {status:?}");
    }
    // The opt-out link of E1's mail; E2 answers; the reminder goes to E3 alone.
    let body_of = |who: &str| {
        let (_, data) = sent.iter().find(|(to, _)| to.contains(who)).unwrap();
        let text = String::from_utf8_lossy(data).to_string();
        let (_, body) = text.split_once("\n\n").unwrap();
        String::from_utf8(base64_decode(body)).unwrap()
    };
    let e1 = body_of("e1@");
    let optout = e1
        .split_whitespace()
        .find(|w| w.contains("/unsubscribe"))
        .unwrap_or_else(|| panic!("{e1}"))
        .trim_end_matches(['.', ','])
        .to_string();
    let r = t.http.get(&optout).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{optout}");
    assert!(r.text().await.unwrap().contains("unsubscribed"));
    let e2 = body_of("e2@");
    let link = e2
        .split_whitespace()
        .find(|w| w.contains("/s/") && !w.contains("unsubscribe"))
        .unwrap()
        .to_string();
    let token = link.rsplit("/s/").next().unwrap();
    let (s, b) = json(
        t.http
            .post(format!("{}/api/v1/public/surveys/{token}", t.base))
            .json(&j!({"answers": {"CSAT": 5}, "submit": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let (_, b) = send(t.post("manager", &email), j!({"reminders": true})).await;
    assert_eq!(
        (b["queued"].as_u64(), b["no_consent"].as_u64()),
        (Some(1), Some(2)),
        "only E3: E1 opted out, E4 never agreed, E2 answered: {b}"
    );
    send(t.post("manager", "/api/v1/care/sweep"), j!({})).await;
    let sent = mails.lock().unwrap().clone();
    assert_eq!(sent.len(), 4);
    assert!(sent[3].0.contains("e3@"), "{:?}", sent[3].0);
}
both!(survey_links_by_email);
