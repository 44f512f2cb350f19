//! The home page over HTTP on SQLite and PostgreSQL: a manager sees the company for a period and
//! a customer segment (each figure with what it measures and "as of"), an agent their own
//! queue; a bad period is said on the page; the numbers agree with the cases recorded.

use super::harness::{json, TestApp};
use crate::both;
use app::home::{Period, Scope};
use serde_json::json as j;

/// The manager the home figures are computed for, in `lang`.
fn manager(lang: domain::Lang) -> app::Actor {
    app::Actor {
        user_id: None,
        username: "manager".into(),
        role: domain::access::Role::Manager,
        lang,
    }
}

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
    let manager = manager(domain::Lang::ZhCn);
    let today = t.app.company_today().await;
    let month = Period::parse("month", None, None, today).unwrap();
    let all = t
        .app
        .home_now(&manager, month.clone(), &Scope::All)
        .await
        .unwrap();
    assert_eq!(all.complaints.received_at.len(), 3);
    let vip = t
        .app
        .home_now(&manager, month.clone(), &Scope::Segment("VIP".into()))
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
    let before = t
        .app
        .home_now(&manager, last_year, &Scope::All)
        .await
        .unwrap();
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
    assert!(html.contains("value=\"segment:VIP\" selected"), "{html}");
    let html = super::web::page_html(t, &m, "/?period=month&scope=segment%3AVIP").await;
    assert_eq!(figure(&html, "fig-complaints"), "1");
    // A segment that does not exist is said, and the whole base shown; a bad period is said,
    // this month shown.
    for bad in [
        "/?segment=nope",
        "/?scope=store%3Anope",
        "/?scope=saved%3A999",
        "/?scope=x",
    ] {
        let html = super::web::page_html(t, &m, bad).await;
        assert_eq!(figure(&html, "fig-complaints"), "3", "{bad}");
        assert!(html.contains("id=\"home-error\""), "{bad}: {html}");
    }
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
    let (_, list) = t.get_json("agent", "/api/v1/complaints?view=mine").await;
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
    let manager = manager(domain::Lang::En);
    let today = t.app.company_today().await;
    let year = Period::parse("year", None, None, today).unwrap();
    let home = t
        .app
        .home_now(&manager, year.clone(), &Scope::All)
        .await
        .unwrap();
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

/// The home page narrowed to a store and to a saved segment, on the demo company: each figure
/// is the scope's, counted here from the stored rows another way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_by_store_and_saved_segment() {
    use sqlx::Row;
    let Some(t) = super::harness::spawn_demo(super::harness::Db::Sqlite, 300).await else {
        return;
    };
    let manager = manager(domain::Lang::ZhCn);
    let pool = t.app.store.pool();
    let today = t.app.company_today().await;
    let year = Period::parse("year", None, None, today).unwrap();
    let scopes = t.app.home_scopes().await.unwrap();
    assert!(scopes.stores.len() >= 3, "{:?}", scopes.stores);
    // Each customer's purchases per store, as far as the latest analysis read them.
    let clv = t.app.latest_clv(&manager).await.unwrap().unwrap();
    let last = clv.summary["last_purchase"].as_str().unwrap().to_string();
    let rows = sqlx::query(
        "SELECT customer_id, store, CAST(COUNT(*) AS BIGINT) AS n FROM transactions \
         WHERE is_return = 0 AND substr(occurred_at, 1, 10) <= $1 GROUP BY customer_id, store",
    )
    .bind(&last)
    .fetch_all(pool)
    .await
    .unwrap();
    let mut per: std::collections::HashMap<i64, Vec<(String, i64)>> = Default::default();
    for r in &rows {
        per.entry(r.get::<i64, _>("customer_id"))
            .or_default()
            .push((r.get("store"), r.get("n")));
    }
    let (from, to) = (
        domain::time::to_stored(domain::time::day_start(
            year.from,
            t.app.company_offset().await,
        )),
        domain::time::to_stored(domain::time::day_start(
            year.to,
            t.app.company_offset().await,
        )),
    );
    let (mut members_total, mut complaints_total) = (0, 0);
    for store in &scopes.stores {
        let h = t
            .app
            .home_now(&manager, year.clone(), &Scope::Store(store.clone()))
            .await
            .unwrap();
        let ids: std::collections::HashSet<i64> = t
            .app
            .store
            .scope_customer_ids(&storage::home::CustomerScope::Store(store.clone()))
            .await
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(h.scope_customers, Some(ids.len()));
        members_total += ids.len();
        // A member bought at this store at least as often as at any other; a customer who
        // bought most often here (no tie) is a member.
        for (c, stores) in &per {
            let max = stores.iter().map(|s| s.1).max().unwrap();
            let here = stores.iter().find(|s| &s.0 == store).map_or(0, |s| s.1);
            let tied = stores.iter().filter(|s| s.1 == max).count() > 1;
            if ids.contains(c) {
                assert_eq!(here, max, "customer {c} at {store}: {stores:?}");
            } else if !tied {
                assert!(here < max, "customer {c} belongs to {store}: {stores:?}");
            }
        }
        // Complaints: those made at the store in the period.
        let n: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM complaints WHERE place = $1 AND received_at >= $2 AND received_at < $3",
        )
        .bind(store)
        .bind(&from)
        .bind(&to)
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(h.complaints.received_at.len() as i64, n, "{store}");
        complaints_total += n;
        // Loyalty: the members' profiles.
        let profiled = sqlx::query_scalar::<_, i64>("SELECT customer_id FROM loyalty_profiles")
            .fetch_all(pool)
            .await
            .unwrap()
            .into_iter()
            .filter(|c| ids.contains(c))
            .count();
        assert_eq!(
            h.loyalty_mix.iter().map(|e| e.1).sum::<i64>(),
            profiled as i64
        );
        // Satisfaction: the members' answers of each wave.
        for w in &h.satisfaction {
            let answered = sqlx::query_scalar::<_, i64>(
                "SELECT customer_id FROM survey_responses WHERE wave_id = $1 AND status = 'submitted' AND customer_id IS NOT NULL",
            )
            .bind(w.wave_id)
            .fetch_all(pool)
            .await
            .unwrap()
            .into_iter()
            .filter(|c| ids.contains(c))
            .count();
            assert_eq!(w.responses, answered, "{store} {}", w.wave);
            assert!(w.csi.is_none(), "no index for part of a wave");
        }
        // CLV: the members' curve ends at the whole of their value.
        let curve = h.pareto["clv_curve"].as_array().unwrap();
        assert_eq!(curve.len(), 101);
        assert!((curve[100].as_f64().unwrap() - 1.0).abs() < 1e-6);
        let counts: u64 = h.clv_distribution["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(
            counts as usize,
            ids.len(),
            "every member analysed has a CLV"
        );
    }
    let analysed: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM customer_values WHERE main_store <> ''",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        members_total as i64, analysed,
        "each analysed customer in one store"
    );
    assert!(
        analysed > 200 && complaints_total > 0,
        "{analysed} {complaints_total}"
    );

    // A saved segment: the customers at risk.
    let id = t
        .app
        .save_segment(
            &manager,
            "风险客户",
            &app::loyalty::SegmentFilter {
                status: "at_risk".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let filter = t
        .app
        .saved_segment_filter(&manager, id)
        .await
        .unwrap()
        .to_filter();
    let n = t.app.store.count_loyalty_profiles(&filter).await.unwrap();
    assert!(n > 0, "the demo has customers at risk");
    let h = t
        .app
        .home_now(&manager, year.clone(), &Scope::Saved(id))
        .await
        .unwrap();
    assert_eq!(h.scope_customers, Some(n as usize));
    assert_eq!(h.scope_name, "风险客户");
    assert_eq!(h.loyalty_mix.iter().map(|e| e.1).sum::<i64>(), n);
    let c = h.churn.last().expect("the latest classification");
    assert_eq!((c.churn_rate, c.retention_rate), (0.0, 1.0), "none churned");
    // On the page: the scope chosen, named, and offered among the others.
    let cookie = format!(
        "fidelis_session={}",
        super::web::sign_in(&t, "manager").await.0
    );
    let html =
        super::web::page_html(&t, &cookie, &format!("/?period=year&scope=saved%3A{id}")).await;
    assert!(
        html.contains(&format!("value=\"saved:{id}\" selected")),
        "{html}"
    );
    assert!(html.contains("已保存分群“风险客户”"), "{html}");
    let store = &scopes.stores[0];
    let html = super::web::page_html(
        &t,
        &cookie,
        &format!(
            "/?period=year&scope=store%3A{}",
            store
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect::<String>()
        ),
    )
    .await;
    assert!(
        html.contains(&format!("以“{store}”为主要消费门店")),
        "{html}"
    );
    t.finish().await;
}
