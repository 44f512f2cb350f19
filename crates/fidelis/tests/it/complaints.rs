//! Complaint cases over HTTP on both stores: the whole handling path with its history and the
//! follow-up task, refused input and jumps (nothing stored), who sees which case, concurrent
//! steps (exactly one wins), the service-level timers firing after a restart with escalation
//! to the team's manager, and the history that the database itself keeps append-only.

use super::harness::{json, TestApp, PASSWORD};
use crate::both;
use app::Actor;
use domain::access::Role;
use serde_json::{json, Value};

async fn customer(t: &TestApp) -> i64 {
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body("external_id,name\nK1,王芳\nK2,Li Na\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    t.app.store.customer_id_by_external("K1").await.unwrap()
}

pub(super) async fn get(t: &TestApp, role: &str, path: &str) -> (u16, Value) {
    t.get_json(role, path).await
}

pub(super) async fn create(t: &TestApp, role: &str, body: Value) -> (u16, Value) {
    t.post_json(role, "/api/v1/complaints", &body).await
}

pub(super) async fn step(t: &TestApp, role: &str, id: i64, body: Value) -> (u16, Value) {
    json(
        t.post(role, &format!("/api/v1/complaints/{id}/steps"))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A second agent in another team, and the first agent in the manager's team.
async fn teams(t: &TestApp) -> String {
    t.app
        .add_user(&Actor::cli(), "agent2", PASSWORD, Role::Agent)
        .await
        .unwrap();
    let token = t
        .app
        .create_token(&Actor::cli(), "agent2", "test")
        .await
        .unwrap();
    for (name, members) in [
        ("前台组", json!(["agent"])),
        ("Phone team", json!(["agent2"])),
    ] {
        let (s, b) = t
            .post_json(
                "manager",
                "/api/v1/complaints/teams",
                &json!({"name": name, "manager": "manager", "members": members}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
    }
    token
}

async fn complaint_full_path(t: &TestApp) {
    let kid = customer(t).await;
    teams(t).await;
    let (s, c) = create(
        t,
        "agent",
        json!({
            "channel": "counter", "place": "南京路店", "customer_id": kid,
            "situation": "收银员态度恶劣，让我等了半小时 <script>alert(1)</script>",
            "product": "会员卡", "severity": "high", "wants": ["respect", "solution"],
        }),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let id = c["complaint"]["id"].as_i64().unwrap();
    assert_eq!(c["complaint"]["state"], "received");
    assert_eq!(
        c["complaint"]["assignee"], "agent",
        "an agent's case is their own"
    );
    assert_eq!(c["complaint"]["team"], "前台组");
    assert_eq!(c["actions"], json!(["acknowledge"]));
    assert_eq!(c["ack_timer"], "on_time");
    // While it is open, the customer is flagged on the list and the profile, and the case is
    // on the profile's timeline with its state; the text is escaped.
    let cookie = format!(
        "fidelis_session={}",
        super::web::sign_in(t, "agent").await.0
    );
    let page = |path: String| {
        let req = t
            .http
            .get(format!("{}{path}", t.base))
            .header("cookie", &cookie)
            .header("accept-language", "zh-CN");
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let profile = page(format!("/customers/{kid}")).await;
    assert!(profile.contains("id=\"flag-severe-complaint\""), "flagged");
    assert!(profile.contains("&lt;script&gt;") && !profile.contains("<script>alert"));
    assert!(profile.contains(&format!("#{id} · ")), "on the timeline");
    let list = page("/customers?q=王芳".into()).await;
    assert!(list.contains("severe-complaint"), "flagged in the list");
    let case = page(format!("/complaints/{id}")).await;
    assert!(case.contains("id=\"step-acknowledge\"") && case.contains("&lt;script&gt;"));
    // Every step in order, each at the version just seen.
    let steps = [
        json!({"action": "acknowledge", "note": "耐心倾听并致歉"}),
        json!({"action": "analyse", "cause": "service", "sub_cause": "等待 waiting", "justified": true}),
        json!({"action": "propose", "solution": "赠送 50 元代金券", "compensation_offered": 5000}),
        json!({"action": "resolve", "accepted": true, "compensation_given": 5000, "on_the_spot": true}),
        json!({"action": "follow_up", "result": "顾客表示满意", "satisfied": true}),
        json!({"action": "close", "lesson": "午间增加收银员"}),
    ];
    let mut version = c["complaint"]["version"].as_i64().unwrap();
    let mut last = Value::Null;
    let mut follow_up = Value::Null;
    for body in steps {
        let mut b = body.clone();
        b["version"] = json!(version);
        let (s, r) = step(t, "agent", id, b).await;
        assert_eq!(s, 200, "{body}: {r}");
        version = r["complaint"]["version"].as_i64().unwrap();
        if body["action"] == "resolve" {
            // The follow-up visit is the built-in care rule's task: nothing on resolution, the
            // agent's task on the third day after it (company time), once however often swept.
            assert_eq!(r["tasks"], json!([]), "{r}");
            let now = chrono::Utc::now();
            assert_eq!(
                t.app
                    .sweep_care(now + chrono::Duration::days(2))
                    .await
                    .unwrap(),
                0
            );
            for _ in 0..2 {
                t.app
                    .sweep_care(now + chrono::Duration::days(3))
                    .await
                    .unwrap();
            }
            let (_, v) = get(t, "agent", &format!("/api/v1/complaints/{id}")).await;
            follow_up = v["tasks"].clone();
        }
        last = r;
    }
    let tasks = follow_up.as_array().unwrap();
    assert_eq!(tasks.len(), 1, "{follow_up}");
    assert_eq!(
        (tasks[0]["kind"].as_str(), tasks[0]["assignee"].as_str()),
        (Some("follow_up"), Some("agent"))
    );
    let due = domain::time::parse_instant(tasks[0]["due_at"].as_str().unwrap()).unwrap();
    let hours = (due - chrono::Utc::now()).num_hours();
    assert!(
        (94..=96).contains(&hours),
        "due a day after the third day: {hours} h"
    );
    // Resolved: the customer was invited to the post-complaint survey; their answer counts
    // in the complainant satisfaction.
    let link = last["survey_link"]
        .as_str()
        .expect("a survey link")
        .to_string();
    let token = link.trim_start_matches("/s/");
    let (s, e) = json(
        t.http
            .post(format!("{}/api/v1/public/surveys/{token}", t.base))
            .json(&json!({"answers": {"HANDLING": 5, "EFFORT": 2, "RESOLVED": [0], "NPS": 9}, "submit": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 204, "{e}");
    let o = t
        .app
        .compute_complaint_overview(chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!((o.survey_satisfied.count, o.survey_satisfied.of), (1, 1));
    let c = &last["complaint"];
    assert_eq!(c["state"], "closed");
    assert_eq!(c["cause"], "service");
    assert_eq!(c["on_the_spot"], true);
    assert!(c["acknowledged_at"].is_string() && c["closed_at"].is_string());
    assert_eq!(last["actions"], json!(["reopen"]));
    // The history: created, then one entry per step, each starting where the last ended.
    let events = last["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "created",
            "acknowledge",
            "analyse",
            "propose",
            "resolve",
            "follow_up",
            "close"
        ]
    );
    for w in events.windows(2) {
        assert_eq!(w[0]["to_state"], w[1]["from_state"], "{w:?}");
    }
    assert_eq!(events[1]["actor"], "agent");
    assert_eq!(events[2]["changes"]["cause"], "service");
    assert_eq!(
        events[0]["note"], c["situation"],
        "the text kept as written"
    );
    // The follow-up step recorded the visit on the task; the open task list is empty again,
    // and a done task cannot be done twice.
    let tasks = last["tasks"].as_array().unwrap();
    assert_eq!(tasks[0]["result"], "顾客表示满意");
    assert!(tasks[0]["done_at"].is_string());
    let (s, mine) = get(t, "agent", "/api/v1/complaints/tasks?mine=1").await;
    assert_eq!((s, mine["total"].as_i64()), (200, Some(0)));
    let tid = tasks[0]["id"].as_i64().unwrap();
    let (s, e) = json(
        t.post("agent", &format!("/api/v1/complaints/tasks/{tid}/done"))
            .json(&json!({"result": "again"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    // Reopened: back to acknowledged, the resolution cleared, not "on the spot" any more.
    let (s, r) = step(
        t,
        "agent",
        id,
        json!({"version": version, "action": "reopen", "reason": "问题再次出现"}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["complaint"]["state"], "acknowledged");
    assert!(r["complaint"]["resolved_at"].is_null());
    assert_eq!(r["complaint"]["on_the_spot"], false);
    assert_eq!(r["actions"], json!(["analyse"]));
    let (_, closed_again) = get(t, "agent", &format!("/api/v1/complaints/{id}")).await;
    assert_eq!(closed_again["complaint"]["state"], "acknowledged");
    // The customer's open complaints, by customer.
    let (_, l) = get(
        t,
        "manager",
        &format!("/api/v1/complaints?customer_id={kid}"),
    )
    .await;
    assert_eq!(l["total"], 1, "{l}");
    // The list as a file: CSV (UTF-8 and GB18030) and xlsx, the text as written.
    let csv = t
        .get("manager", "/api/v1/complaints/export?format=csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.trim_start_matches('\u{feff}')
            .starts_with("id,received_at,channel")
            && csv.contains("收银员态度恶劣"),
        "{csv}"
    );
    let gb = t
        .get("manager", "/api/v1/complaints/export?format=csv-gb18030")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let (text, _, bad) = encoding_rs::GB18030.decode(&gb);
    assert!(!bad && text.contains("收银员态度恶劣"));
    let xlsx = t
        .get("manager", "/api/v1/complaints/export?format=xlsx")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(xlsx.starts_with(b"PK"));
}
both!(complaint_full_path);

async fn bad_input_and_jumps_store_nothing(t: &TestApp) {
    customer(t).await;
    let long = "长".repeat(4001);
    let cases = [
        (
            json!({"channel": "fax", "severity": "low", "situation": "x", "caller": "a"}),
            "channel",
        ),
        (
            json!({"channel": "phone", "severity": "urgent", "situation": "x", "caller": "a"}),
            "severity",
        ),
        (
            json!({"channel": "phone", "severity": "low", "situation": " ", "caller": "a"}),
            "situation",
        ),
        (
            json!({"channel": "phone", "severity": "low", "situation": long, "caller": "a"}),
            "situation",
        ),
        (
            json!({"channel": "phone", "severity": "low", "situation": "x", "customer_id": 999_999}),
            "customer_id",
        ),
        (
            json!({"channel": "phone", "severity": "low", "situation": "x", "customer": "NOPE"}),
            "customer",
        ),
        (
            json!({"channel": "phone", "severity": "low", "situation": "x"}),
            "caller",
        ),
        (
            json!({"channel": "phone", "severity": "low", "situation": "x", "caller": "a", "received_at": "2099-01-01T00:00:00Z"}),
            "received_at",
        ),
        (
            json!({"channel": "phone", "severity": "low", "situation": "x", "caller": "a", "received_at": "yesterday"}),
            "received_at",
        ),
        (
            json!({"channel": "phone", "severity": "low", "situation": "x", "caller": "a", "wants": ["money"]}),
            "wants",
        ),
        (
            json!({"channel": "phone", "severity": "low", "situation": "x", "caller": "a", "assignee": "analyst"}),
            "assignee",
        ),
    ];
    for (body, field) in cases {
        let (s, e) = create(t, "agent", body.clone()).await;
        assert_eq!(s, 422, "{body}: {e}");
        let fields: Vec<&str> = e["error"]["details"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{field} named: {e}");
    }
    let (_, l) = get(t, "manager", "/api/v1/complaints").await;
    assert_eq!(l["total"], 0, "nothing stored: {l}");
    // An unknown caller's case, then refused jumps and a missing field: the case stays as it was.
    let (s, c) = create(
        t,
        "agent",
        json!({"channel": "phone", "severity": "low", "situation": "The parcel came broken", "caller": "Mr Zhang, 139…"}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let id = c["complaint"]["id"].as_i64().unwrap();
    let (s, e) = step(
        t,
        "agent",
        id,
        json!({"version": 1, "action": "resolve", "accepted": true}),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["code"], "invalid_transition");
    assert_eq!(e["error"]["details"]["allowed_from"], json!(["proposed"]));
    let (s, e) = step(
        t,
        "agent",
        id,
        json!({"version": 1, "action": "acknowledge", "note": ""}),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    let (s, e) = step(t, "agent", id, json!({"version": 1, "action": "fly"})).await;
    assert_eq!(s, 400, "{e}");
    let (_, c) = get(t, "agent", &format!("/api/v1/complaints/{id}")).await;
    assert_eq!(
        (
            c["complaint"]["state"].as_str(),
            c["complaint"]["version"].as_i64()
        ),
        (Some("received"), Some(1))
    );
    assert_eq!(c["events"].as_array().unwrap().len(), 1);
    // Linked later to the customer it turned out to be.
    let kid = t.app.store.customer_id_by_external("K2").await.unwrap();
    let (s, c) = json(
        t.post("agent", &format!("/api/v1/complaints/{id}/customer"))
            .json(&json!({"version": 1, "customer_id": kid}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["complaint"]["customer_name"], "Li Na");
    assert_eq!(c["events"][1]["kind"], "link_customer");
}
both!(bad_input_and_jumps_store_nothing);

async fn roles_and_concurrent_steps(t: &TestApp) {
    customer(t).await;
    let agent2 = teams(t).await;
    let (_, c) = create(
        t,
        "agent",
        json!({"channel": "wechat", "severity": "medium", "situation": "退款太慢", "customer": "K1"}),
    )
    .await;
    let id = c["complaint"]["id"].as_i64().unwrap();
    // Another team's agent does not see it; managers and analysts do; analysts cannot act.
    let other = t
        .http
        .get(format!("{}/api/v1/complaints/{id}", t.base))
        .bearer_auth(&agent2);
    assert_eq!(json(other.send().await.unwrap()).await.0, 404);
    let (_, l) = json(
        t.http
            .get(format!("{}/api/v1/complaints", t.base))
            .bearer_auth(&agent2)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(l["total"], 0, "{l}");
    for role in ["manager", "analyst", "admin"] {
        let (s, _) = json(
            t.get(role, &format!("/api/v1/complaints/{id}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{role}");
    }
    let (s, _) = step(
        t,
        "analyst",
        id,
        json!({"version": 1, "action": "acknowledge", "note": "x"}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = create(
        t,
        "analyst",
        json!({"channel": "web", "severity": "low", "situation": "x", "caller": "y"}),
    )
    .await;
    assert_eq!(s, 403);
    // An agent assigns only to themselves; the manager to anyone who works cases.
    let (s, _) = json(
        t.post("agent", &format!("/api/v1/complaints/{id}/assign"))
            .json(&json!({"version": 1, "assignee": "agent2"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 403);
    // Ten agents acknowledging version 1 at once: exactly one wins, the rest get 409.
    let mut handles = Vec::new();
    for k in 0..10 {
        let req = t
            .post("agent", &format!("/api/v1/complaints/{id}/steps"))
            .json(&json!({"version": 1, "action": "acknowledge", "note": format!("try {k}")}));
        handles.push(tokio::spawn(async move {
            req.send().await.unwrap().status().as_u16()
        }));
    }
    let mut codes = Vec::new();
    for h in handles {
        codes.push(h.await.unwrap());
    }
    codes.sort_unstable();
    assert_eq!(codes.iter().filter(|&&c| c == 200).count(), 1, "{codes:?}");
    assert!(codes.iter().all(|&c| c == 200 || c == 409), "{codes:?}");
    let (_, c) = get(t, "manager", &format!("/api/v1/complaints/{id}")).await;
    assert_eq!(
        c["events"].as_array().unwrap().len(),
        2,
        "one acknowledgement in the history"
    );
    // The manager hands it to the other team's agent, who now sees it.
    let (s, r) = json(
        t.post("manager", &format!("/api/v1/complaints/{id}/assign"))
            .json(&json!({"version": 2, "assignee": "agent2"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["complaint"]["team"], "Phone team");
    let other = t
        .http
        .get(format!("{}/api/v1/complaints/{id}", t.base))
        .bearer_auth(&agent2);
    assert_eq!(json(other.send().await.unwrap()).await.0, 200);
}
both!(roles_and_concurrent_steps);

async fn timers_fire_after_a_restart(t: &TestApp) {
    customer(t).await;
    teams(t).await;
    let (_, c) = create(
        t,
        "agent",
        json!({"channel": "phone", "severity": "critical", "situation": "食品安全问题", "customer": "K1"}),
    )
    .await;
    let id = c["complaint"]["id"].as_i64().unwrap();
    // The server stops; a new one opens the same store and sweeps a week later.
    let again = app::App::open(Some(&t.url), t.dir.path()).await.unwrap();
    let later = chrono::Utc::now() + chrono::Duration::days(7);
    let fired = again.sweep_complaint_timers(later).await.unwrap();
    assert_eq!(fired, 4, "both warnings and both breaches");
    assert_eq!(
        again.sweep_complaint_timers(later).await.unwrap(),
        0,
        "each fires once"
    );
    let (_, c) = get(t, "manager", &format!("/api/v1/complaints/{id}")).await;
    assert_eq!(c["complaint"]["escalated_to"], "manager", "{c}");
    let kinds: Vec<&str> = c["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    // Each deadline where it passed: one entry per timer, stamped at its own due time (not at
    // the sweep a week later), in time order.
    assert_eq!(
        kinds,
        [
            "created",
            "ack_warn",
            "ack_breach",
            "resolve_warn",
            "resolve_breach"
        ]
    );
    let events = c["events"].as_array().unwrap();
    let at = |i: usize| events[i]["at"].as_str().unwrap().to_string();
    assert!((1..5).all(|i| events[i]["actor"] == "system"));
    assert!((1..4).all(|i| at(i) <= at(i + 1)), "{events:?}");
    assert_eq!(at(2), c["complaint"]["ack_due_at"].as_str().unwrap());
    assert_eq!(at(4), c["complaint"]["resolve_due_at"].as_str().unwrap());
    assert!(
        at(4) < domain::time::to_stored(later),
        "not the sweep's time"
    );
    assert!(c["complaint"]["next_timer_at"].is_null());
    let (_, l) = get(t, "manager", "/api/v1/complaints?escalated=1").await;
    assert_eq!(l["total"], 1);
    // The escalation reaches the team's manager as a notification, once, with the case's link;
    // the assignee (here: the agent who recorded it) hears of it too, if assigned.
    let (_, n) = get(t, "manager", "/api/v1/notifications").await;
    assert_eq!(n["unread"], 2, "the two breaches: {n}");
    assert_eq!(n["items"][0]["link"], format!("/complaints/{id}"));
    assert!(
        n["items"][0]["text"].as_str().unwrap().contains("食品安全"),
        "{n}"
    );
    let assignee = c["complaint"]["assignee"].as_str().unwrap_or("");
    if !assignee.is_empty() && assignee != "manager" {
        let (_, n) = get(t, assignee, "/api/v1/notifications").await;
        assert_eq!(n["unread"], 4, "each warning and breach: {n}");
    }
    again.store.close().await;
}
both!(timers_fire_after_a_restart);

async fn history_is_append_only(t: &TestApp) {
    let (_, c) = create(
        t,
        "agent",
        json!({"channel": "email", "severity": "low", "situation": "wrong invoice", "caller": "x@example.com"}),
    )
    .await;
    let id = c["complaint"]["id"].as_i64().unwrap();
    let pool = t.app.store.pool();
    let upd = sqlx::query("UPDATE complaint_events SET note = 'edited' WHERE complaint_id = $1")
        .bind(id)
        .execute(pool)
        .await;
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = sqlx::query("DELETE FROM complaint_events WHERE complaint_id = $1")
        .bind(id)
        .execute(pool)
        .await;
    assert!(del.unwrap_err().to_string().contains("append-only"));
    let (_, c) = get(t, "agent", &format!("/api/v1/complaints/{id}")).await;
    assert_eq!(c["events"][0]["note"], "wrong invoice");
}
both!(history_is_append_only);

/// The recovery rate against a hand count: four resolved complainants (two on the spot, one of
/// whom came back within 90 days; two later, one back) and two customers who never complained
/// (both active before the reference day, one bought again after it).
async fn recovery_rate_by_hand(t: &TestApp) {
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body("external_id,name\nK1,a\nK2,b\nK3,c\nK4,d\nK5,e\nK6,f\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let day = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d").to_string();
    let until = chrono::Utc::now() - chrono::Duration::days(90);
    let before = day(until - chrono::Duration::days(30));
    let after = day(until + chrono::Duration::days(10));
    let tx = format!(
        "external_id,customer_id,occurred_at,amount\n\
         T1,K1,2026-02-01,10\nT2,K2,2026-06-01,10\nT3,K3,2026-03-15,10\n\
         T5a,K5,{before},10\nT5b,K5,{after},10\nT6,K6,{before},10\n"
    );
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/transactions?wait=true")
            .body(tx)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    for (k, spot, resolved) in [
        ("K1", true, "2026-01-10T00:00:00Z"),
        ("K2", true, "2026-01-10T00:00:00Z"),
        ("K3", false, "2026-03-01T00:00:00Z"),
        ("K4", false, "2026-03-01T00:00:00Z"),
    ] {
        let (_, c) = create(
            t,
            "agent",
            json!({"channel": "counter", "severity": "low", "situation": "x", "customer": k}),
        )
        .await;
        let id = c["complaint"]["id"].as_i64().unwrap();
        let steps = [
            json!({"version": 1, "action": "acknowledge", "note": "sorry"}),
            json!({"version": 2, "action": "analyse", "cause": "product", "justified": true}),
            json!({"version": 3, "action": "propose", "solution": "swap"}),
            json!({"version": 4, "action": "resolve", "accepted": true, "on_the_spot": spot}),
        ];
        for b in steps {
            assert_eq!(step(t, "agent", id, b).await.0, 200);
        }
        // Back-date the resolution, so the 90-day window has ended.
        sqlx::query("UPDATE complaints SET received_at = $2, resolved_at = $2 WHERE id = $1")
            .bind(id)
            .bind(resolved)
            .execute(t.app.store.pool())
            .await
            .unwrap();
    }
    let o = t
        .app
        .compute_complaint_overview(chrono::Utc::now())
        .await
        .unwrap();
    let r = |x: &app::complaints::measures::Rate| (x.count, x.of);
    assert_eq!(r(&o.recovery_on_the_spot), (1, 2));
    assert_eq!(r(&o.recovery_later), (1, 2));
    assert_eq!(r(&o.recovery_all), (2, 4));
    assert_eq!(r(&o.recovery_non_complainants), (1, 2));
    assert_eq!(r(&o.on_the_spot), (2, 4));
    // The API serves it to managers and analysts, not to agents.
    let (s, v) = get(t, "analyst", "/api/v1/complaints/overview").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["recovery_later"]["rate"], 0.5);
    assert_eq!(get(t, "agent", "/api/v1/complaints/overview").await.0, 403);
}
both!(recovery_rate_by_hand);
