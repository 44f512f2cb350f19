//! The case list as managers and agents work it, over HTTP on SQLite and PostgreSQL: the "open"
//! tab leaves out resolved cases, filters by state, severity and cause and a search by number,
//! customer or words narrow it (and its export), and a manager assigns several cases at once
//! or closes them — cases a step does not fit are left as they were, each said.

use super::complaints::{create, step};
use super::harness::{json, TestApp};
use super::web::{hidden, page_html, sign_in};
use crate::both;
use serde_json::json;

/// The case numbers on a list page, in order.
fn ids(html: &str) -> Vec<i64> {
    html.split("<tr data-id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect()
}

async fn case_list_filters_and_bulk(t: &TestApp) {
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body("external_id,name\nQ1,孙丽\nQ2,Zhou Bo\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let mut cases = Vec::new();
    for (customer, severity, situation) in [
        ("Q1", "high", "收银台排队四十分钟"),
        ("Q2", "low", "coffee was cold"),
        ("Q1", "medium", "送货晚了两天"),
    ] {
        let (s, c) = create(
            t,
            "agent",
            json!({"channel": "phone", "severity": severity, "situation": situation, "customer": customer}),
        )
        .await;
        assert_eq!(s, 201, "{c}");
        cases.push(c["complaint"]["id"].as_i64().unwrap());
    }
    // The third is resolved: off the "open" tab, still under "all".
    let third = cases[2];
    let mut version = 1;
    for body in [
        json!({"action": "acknowledge", "note": "致歉"}),
        json!({"action": "analyse", "cause": "service", "sub_cause": "", "justified": true}),
        json!({"action": "propose", "solution": "补送优惠券"}),
        json!({"action": "resolve", "accepted": true}),
    ] {
        let mut b = body.clone();
        b["version"] = json!(version);
        let (s, r) = step(t, "agent", third, b).await;
        assert_eq!(s, 200, "{body}: {r}");
        version = r["complaint"]["version"].as_i64().unwrap();
    }
    let cookie = format!("fidelis_session={}", sign_in(t, "manager").await.0);
    let list = |q: &str| {
        let (cookie, path) = (cookie.clone(), format!("/complaints?{q}"));
        async move { page_html(t, &cookie, &path).await }
    };
    let open = ids(&list("view=open").await);
    assert!(
        !open.contains(&third) && open.contains(&cases[0]),
        "{open:?}"
    );
    assert!(ids(&list("view=all").await).contains(&third));
    assert_eq!(ids(&list("view=all&severity=high").await), [cases[0]]);
    assert_eq!(ids(&list("view=all&cause=service").await), [third]);
    assert_eq!(ids(&list("view=all&state=resolved").await), [third]);
    assert_eq!(ids(&list("view=all&q=排队").await), [cases[0]]);
    assert_eq!(ids(&list("view=all&q=zhou").await), [cases[1]]);
    assert_eq!(
        ids(&list(&format!("view=all&q=%23{}", cases[1])).await),
        [cases[1]]
    );
    assert_eq!(
        ids(&list("view=all&q=100%25").await),
        Vec::<i64>::new(),
        "% is a character"
    );
    let html = list("view=all&severity=high").await;
    assert!(
        html.contains("export?view=all&amp;severity=high&amp;format=csv"),
        "the export follows the filters: {}",
        &html[html.find("complaint-count").unwrap_or(0)..][..300]
    );
    let csv = page_html(
        t,
        &cookie,
        "/complaints/export?view=all&severity=high&format=csv",
    )
    .await;
    assert_eq!(csv.lines().count(), 2, "{csv}");

    // Bulk: two cases to the agent at once; closing refuses the cases not followed up, each said.
    let csrf = hidden(&html, "csrf");
    let post = |form: Vec<(&'static str, String)>| {
        let cookie = cookie.clone();
        async move {
            let r = t
                .http
                .post(format!("{}/complaints/bulk", t.base))
                .header("cookie", cookie)
                .form(&form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (s, html) = post(vec![
        ("csrf", csrf.clone()),
        ("back", "view=all".into()),
        ("action", "assign".into()),
        ("assignee", "agent".into()),
        ("id", cases[0].to_string()),
        ("id", cases[1].to_string()),
    ])
    .await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"bulk-done\""), "{html}");
    for id in &cases[..2] {
        let (_, c) = json(
            t.get("manager", &format!("/api/v1/complaints/{id}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(c["complaint"]["assignee"], "agent", "{c}");
    }
    let (s, html) = post(vec![
        ("csrf", csrf.clone()),
        ("back", "view=all".into()),
        ("action", "close".into()),
        ("lesson", "高峰期加人".into()),
        ("id", cases[0].to_string()),
    ])
    .await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&format!("#{}", cases[0])) && html.contains("未处理"),
        "{html}"
    );
    let (_, c) = json(
        t.get("manager", &format!("/api/v1/complaints/{}", cases[0]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_ne!(c["complaint"]["state"], "closed");
    // Nothing ticked, or someone who may not: refused.
    let (s, _) = post(vec![
        ("csrf", csrf.clone()),
        ("action", "assign".into()),
        ("assignee", "agent".into()),
    ])
    .await;
    assert_eq!(s, 422);
    let agent = format!("fidelis_session={}", sign_in(t, "agent").await.0);
    let html = page_html(t, &agent, "/complaints?view=mine").await;
    assert!(
        !html.contains("id=\"bulk-form\""),
        "agents have no bulk form"
    );
    let queue = ids(&html);
    assert!(
        queue.contains(&cases[0]) && queue.contains(&cases[1]),
        "the agent's queue: {queue:?}"
    );
}
both!(case_list_filters_and_bulk);
