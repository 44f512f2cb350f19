//! The home page over HTTP on SQLite and PostgreSQL: a manager sees the company for a period and
//! a customer segment (each figure with what it measures and "as of"), an agent their own
//! queue; a bad period is said on the page; the numbers agree with the cases recorded.

use super::harness::{json, TestApp};
use crate::both;
use app::home::Period;
use serde_json::json as j;

/// The text of a figure's value on the page.
fn figure(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("{id} on the page"));
    let rest = &html[at..];
    let rest = &rest[rest.find("class=\"value").expect("a value")..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap() + start;
    rest[start..end].trim().to_string()
}

async fn home_page(t: &TestApp) {
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body("external_id,name,segment\nH1,贵宾甲,VIP\nH2,普通乙,大众\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    for (customer, situation) in [("H1", "等候太久"), ("H2", "包装破损"), ("", "电话投诉")]
    {
        let mut body = j!({"channel": "phone", "situation": situation, "severity": "low"});
        if customer.is_empty() {
            body["caller"] = j!("匿名来电");
        } else {
            let id = t.app.store.customer_id_by_external(customer).await.unwrap();
            body["customer_id"] = j!(id);
        }
        let (s, c) = super::complaints::create(t, "agent", body).await;
        assert_eq!(s, 201, "{c}");
    }
    // The numbers: this month, all customers and the VIP segment.
    let manager = app::Actor {
        user_id: None,
        username: "manager".into(),
        role: domain::access::Role::Manager,
        lang: domain::Lang::ZhCn,
    };
    let today = t.app.company_today().await;
    let month = Period::parse("month", None, None, today).unwrap();
    let all = t.app.home_now(&manager, month.clone(), "").await.unwrap();
    assert_eq!(all.complaints.received_at.len(), 3);
    let vip = t
        .app
        .home_now(&manager, month.clone(), "VIP")
        .await
        .unwrap();
    assert_eq!(vip.complaints.received_at.len(), 1);
    assert_eq!(
        all.complaints_by_month.iter().map(|m| m.1).sum::<i64>(),
        3,
        "{:?}",
        all.complaints_by_month
    );
    let last_year = Period::parse(
        "custom",
        Some(today - chrono::Duration::days(400)),
        Some(today - chrono::Duration::days(370)),
        today,
    )
    .unwrap();
    let before = t.app.home_now(&manager, last_year, "").await.unwrap();
    assert_eq!(before.complaints.received_at.len(), 0);

    // The pages.
    let cookie = |who: &str| {
        let who = who.to_string();
        async move { format!("fidelis_session={}", super::web::sign_in(t, &who).await.0) }
    };
    let m = cookie("manager").await;
    let html = super::web::page_html(t, &m, "/").await;
    assert_eq!(figure(&html, "fig-complaints"), "3", "{html}");
    assert!(html.contains("id=\"home-as-of\"") && html.contains("UTC+8"));
    assert!(
        html.contains("id=\"att-all-overdue\""),
        "a manager sees everyone's"
    );
    let html = super::web::page_html(t, &m, "/?period=month&segment=VIP").await;
    assert_eq!(figure(&html, "fig-complaints"), "1");
    assert!(html.contains("value=\"VIP\" selected"));
    // A segment that does not exist is said, and the whole base shown; a bad period is said,
    // this month shown.
    let html = super::web::page_html(t, &m, "/?segment=nope").await;
    assert_eq!(figure(&html, "fig-complaints"), "3");
    assert!(
        html.contains("id=\"home-error\"") && html.contains("nope"),
        "{html}"
    );
    let html = super::web::page_html(t, &m, "/?period=custom&from=2026-05-01&to=2026-04-01").await;
    assert!(html.contains("id=\"home-error\""), "{html}");
    assert_eq!(figure(&html, "fig-complaints"), "3");
    // From a profile to a new complaint with the customer filled in.
    let h1 = t.app.store.customer_id_by_external("H1").await.unwrap();
    let html = super::web::page_html(t, &m, &format!("/customers/{h1}")).await;
    assert!(
        html.contains("/complaints?customer=H1#complaint-form"),
        "{html}"
    );
    let html = super::web::page_html(t, &m, "/complaints?customer=H1").await;
    assert!(html.contains(r#"name="customer" value="H1""#), "{html}");
    // An agent's home is their own queue: three open cases, no company figures.
    let a = cookie("agent").await;
    let html = super::web::page_html(t, &a, "/").await;
    assert!(html.contains("id=\"att-my-overdue\"") && !html.contains("home-charts"));
    assert!(!html.contains("att-all-overdue"));
    assert!(html.contains("/ 3 "), "three open: {html}");
    // The agent's own numbers this month: one case resolved by them, on time.
    let (_, list) = json(
        t.get("agent", "/api/v1/complaints?view=mine")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let first = list["items"][0]["id"].as_i64().unwrap();
    let mut version = 1;
    for body in [
        j!({"action": "acknowledge", "note": "致歉"}),
        j!({"action": "analyse", "cause": "service", "sub_cause": "", "justified": true}),
        j!({"action": "propose", "solution": "重新包装"}),
        j!({"action": "resolve", "accepted": true}),
    ] {
        let mut b = body.clone();
        b["version"] = j!(version);
        let (s, r) = super::complaints::step(t, "agent", first, b).await;
        assert_eq!(s, 200, "{r}");
        version = r["complaint"]["version"].as_i64().unwrap();
    }
    let html = super::web::page_html(t, &a, "/").await;
    assert!(
        html.contains("id=\"my-resolved\"><span class=\"n\">1</span>"),
        "{html}"
    );
    assert!(html.contains("100 %"), "on time: {html}");
    // The agent's queue: the soonest deadline first (the first case recorded), not the newest.
    let html = super::web::page_html(t, &a, "/complaints?view=mine").await;
    let ids: Vec<i64> = html
        .split("<tr data-id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect();
    assert_eq!(ids.len(), 3, "{html}");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "by due time: {ids:?}");
}
both!(home_page);

/// The home page's figures are the areas' own: on the demo company, every figure the home page
/// shows equals what the area's page (its app-layer query) shows for the same data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_agrees_with_the_areas() {
    let Some(t) = super::harness::spawn_demo(super::harness::Db::Sqlite, 300).await else {
        return;
    };
    let manager = app::Actor {
        user_id: None,
        username: "manager".into(),
        role: domain::access::Role::Manager,
        lang: domain::Lang::En,
    };
    let today = t.app.company_today().await;
    let year = Period::parse("year", None, None, today).unwrap();
    let home = t.app.home_now(&manager, year, "").await.unwrap();
    // Satisfaction: each wave's CSAT and NPS as its results page has them.
    assert!(!home.satisfaction.is_empty(), "the demo has waves");
    for w in &home.satisfaction {
        let r = t.app.wave_results(&manager, w.wave_id).await.unwrap();
        let of = |kind: &str| {
            r.measures
                .iter()
                .find(|m| m.kind == kind)
                .map(|m| m.estimate.value)
        };
        assert_eq!(w.csat.map(|e| e.value), of("csat"), "{}", w.wave);
        assert_eq!(w.nps.map(|e| e.value), of("nps"), "{}", w.wave);
        assert_eq!(w.responses, r.responses);
        assert_eq!(w.csi, r.model.as_ref().and_then(|m| m.csi));
    }
    // Complaints: the recovery rate of the complaints overview.
    let overview = t.app.complaint_overview(&manager).await.unwrap();
    assert_eq!(
        (home.recovery.of, home.recovery.count),
        (overview.recovery_all.of, overview.recovery_all.count)
    );
    // Loyalty: the mix of the latest classification, as the Loyalty page counts it.
    let mix = t.app.loyalty_mix(&manager).await.unwrap();
    assert_eq!(
        home.loyalty_mix.iter().map(|e| e.1).sum::<i64>(),
        mix.iter().map(|r| r.customers).sum::<i64>()
    );
    // Churn: the latest headline is the latest classification's.
    let run = t.app.latest_loyalty_run(&manager).await.unwrap().unwrap();
    let full = t.app.store.analysis_run(run.id).await.unwrap();
    assert_eq!(
        home.churn.last().map(|c| c.churn_rate),
        full.summary["headline"]["churn_rate"].as_f64()
    );
    // CLV: the Pareto curve of the latest analysis, as the churn page draws it.
    let clv = t.app.latest_clv(&manager).await.unwrap().unwrap();
    assert_eq!(home.pareto, clv.summary["pareto"]);
    t.finish().await;
}
