//! Customer-value analyses on the store over HTTP: runs in the background, saved results, the
//! per-customer value, the win-back list, exports, roles, bad requests, the page and its form —
//! on SQLite and PostgreSQL.

use super::harness::{json, TestApp};
use crate::both;

/// A simulated company of `n` customers (with segments and referrals) imported through the API.
pub(crate) async fn fill(t: &TestApp, n: usize) -> analytics::sim::Config {
    let cfg = analytics::sim::Config::demo(n);
    let (mut customers, mut tx) = (Vec::new(), Vec::new());
    use std::io::Write;
    writeln!(customers, "{}", analytics::sim::CUSTOMER_HEADER).unwrap();
    writeln!(tx, "{}", analytics::sim::TRANSACTION_HEADER).unwrap();
    // 2024-01-01 + 78 weeks.
    let start = 19_723 * 86_400;
    cfg.for_each(|c| {
        c.write_customer_csv(&mut customers, |i| format!("C{:07}", i + 1))
            .unwrap();
        c.write_transactions_csv(&mut tx, start, start + 78 * 7 * 86_400)
            .unwrap();
    });
    for (kind, body) in [("customers", customers), ("transactions", tx)] {
        let (s, b) = json(
            t.post("analyst", &format!("/api/v1/imports/{kind}?wait=true"))
                .body(body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{kind}: {b}");
    }
    cfg
}

/// GET as a role, answered as (status, JSON).
async fn get_json(t: &TestApp, role: &str, path: &str) -> (u16, serde_json::Value) {
    t.get_json(role, path).await
}

async fn churn_runs_over_http(t: &TestApp) {
    let cfg = fill(t, 800).await;
    let first = cfg
        .simulate()
        .into_iter()
        .find(|c| c.purchases.len() > 2)
        .unwrap();
    let id: i64 = t
        .app
        .store
        .customer_id_by_external(&first.external_id)
        .await
        .unwrap();

    // Before any run: no value yet, no latest run.
    let (s, b) = get_json(t, "agent", &format!("/api/v1/customers/{id}/value")).await;
    assert_eq!((s, &b["value"]), (200, &serde_json::Value::Null), "{b}");
    let (s, _) = get_json(t, "manager", "/api/v1/churn/latest").await;
    assert_eq!(s, 404);

    // Roles: agents neither run nor see the base-wide analyses.
    for (method, path) in [
        ("post", "/api/v1/churn/runs"),
        ("get", "/api/v1/churn/runs"),
        ("get", "/api/v1/churn/at-risk"),
    ] {
        let r = if method == "post" {
            t.post("agent", path)
        } else {
            t.get("agent", path)
        };
        let (s, b) = json(r.send().await.unwrap()).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "{path}"
        );
    }
    let (s, _) = get_json(t, "agent", "/api/v1/churn/customers").await;
    assert_eq!(s, 403);

    // Bad requests name the field, and start nothing.
    for (body, field) in [
        (r#"{"period":"year"}"#, "period"),
        (r#"{"calibration_end":"2025-02-30"}"#, "calibration_end"),
        (
            r#"{"calibration_end":"2025-06-29","observation_end":"2025-01-01"}"#,
            "observation_end",
        ),
        (r#"{"churn_threshold":1.5}"#, "churn_threshold"),
        (r#"{"horizon_months":0}"#, "horizon_months"),
    ] {
        let (s, b) = json(
            t.post("analyst", "/api/v1/churn/runs")
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 422, "{body}: {b}");
        assert_eq!(b["error"]["details"]["fields"][0]["field"], field, "{b}");
    }
    let (s, b) = json(
        t.post("analyst", "/api/v1/churn/runs")
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("invalid_json"))
    );
    // A calibration end before every purchase: the run fails with the reason, and is recorded.
    let (s, b) = json(
        t.post("analyst", "/api/v1/churn/runs?wait=true")
            .header("accept-language", "en")
            .body(r#"{"calibration_end":"2020-01-01"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["run"]["status"], "failed");
    assert!(
        b["run"]["error"]
            .as_str()
            .unwrap()
            .contains("calibration end"),
        "{b}"
    );
    let (_, runs) = get_json(t, "manager", "/api/v1/churn/runs").await;
    assert_eq!(runs["total"], 1);

    // A model check with a holdout, then today's values.
    let (s, b) = json(
        t.post("analyst", "/api/v1/churn/runs?wait=true")
            .body(r#"{"calibration_end":"2024-12-31","observation_end":"2025-06-29","cohort":"month"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, b["run"]["status"].as_str()), (200, Some("done")), "{b}");
    let check = &b["run"];
    assert!(
        check["summary"]["holdout"]["tracking"]
            .as_array()
            .unwrap()
            .len()
            > 20
    );
    let (s, b) = json(
        t.post("manager", "/api/v1/churn/runs")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 202, "{b}");
    let run_id = b["run"]["id"].as_i64().unwrap();
    let run = loop {
        let (_, b) = get_json(t, "analyst", &format!("/api/v1/churn/runs/{run_id}")).await;
        if b["run"]["status"] != "running" {
            break b["run"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(run["status"], "done", "{run}");
    let s = &run["summary"];
    assert_eq!(run["customers"], 800);
    assert_eq!(s["n_customers"], 800);
    assert!(
        s["bgnbd"]["r"].as_f64().unwrap() > 0.0 && s["gamma_gamma"]["q"].as_f64().unwrap() > 1.0
    );
    // Segments from the saved values: every analysed customer in one, rates in [0, 1].
    let segs = s["segments"].as_array().unwrap();
    assert_eq!(
        segs.iter()
            .map(|g| g["customers"].as_i64().unwrap())
            .sum::<i64>(),
        800
    );
    let names: Vec<&str> = segs
        .iter()
        .map(|g| g["segment"].as_str().unwrap())
        .collect();
    for want in ["VIP", "会员", "普通"] {
        assert!(names.contains(&want), "{names:?}");
    }
    assert_eq!(
        segs.iter()
            .map(|g| g["referrers"].as_i64().unwrap())
            .sum::<i64>(),
        s["referral"]["referrers"].as_i64().unwrap()
    );
    assert_eq!(
        segs.iter()
            .map(|g| g["churned_p_alive"].as_i64().unwrap())
            .sum::<i64>(),
        s["churn"]["by_p_alive"]["churned"].as_i64().unwrap()
    );
    // Referral per acquisition month adds up to the whole base's.
    let by_month = s["referral_by_cohort"].as_array().unwrap();
    assert!(by_month.len() >= 3);
    let sum = |k: &str| by_month.iter().map(|m| m[k].as_i64().unwrap()).sum::<i64>();
    assert_eq!(sum("customers"), 800);
    assert_eq!(
        sum("referrers"),
        s["referral"]["referrers"].as_i64().unwrap()
    );
    // The month-end trend ends at the calibration end with the snapshot's count.
    let trend = s["churn"]["trend"]["rows"].as_array().unwrap();
    assert!(trend.len() >= 17, "{}", trend.len());
    assert_eq!(
        trend.last().unwrap()["churned"],
        s["churn"]["by_inactivity"]["churned"]
    );
    for key in ["p_alive", "clv"] {
        let n: u64 = s["distributions"][key]["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(n, 800, "{key}");
    }
    // The latest run is this one (the check stays in the list).
    let (_, latest) = get_json(t, "analyst", "/api/v1/churn/latest").await;
    assert_eq!(latest["run"]["id"], run_id);
    let (_, runs) = get_json(t, "manager", "/api/v1/churn/runs").await;
    assert_eq!(runs["total"], 3);
    assert!(
        runs["items"][0]["summary"].as_object().unwrap().is_empty(),
        "lists leave summaries out"
    );

    // One customer's value, visible to agents too.
    let (s, b) = get_json(t, "agent", &format!("/api/v1/customers/{id}/value")).await;
    assert_eq!(s, 200);
    let v = &b["value"];
    assert_eq!(v["run_id"], run_id);
    let p = v["p_alive"].as_f64().unwrap();
    assert!(
        (0.0..=1.0).contains(&p) && v["clv"].as_f64().unwrap() >= 0.0,
        "{v}"
    );
    // Frequency = distinct purchase days (UTC, returns left out) − 1, from the stored purchases.
    let (_, txs) = get_json(
        t,
        "agent",
        &format!("/api/v1/customers/{id}/transactions?per_page=500"),
    )
    .await;
    let mut days: Vec<String> = txs["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["is_return"] != true)
        .map(|x| x["occurred_at"].as_str().unwrap()[..10].to_string())
        .collect();
    days.sort();
    days.dedup();
    assert_eq!(
        v["frequency"].as_i64().unwrap() as usize,
        days.len() - 1,
        "{v} {days:?}"
    );
    assert_eq!(v["first_purchase"], days[0]);
    let (s, _) = get_json(t, "agent", "/api/v1/customers/99999999/value").await;
    assert_eq!(s, 404);

    // The win-back list: below the threshold, by spend.
    let (_, b) = get_json(t, "manager", "/api/v1/churn/at-risk?limit=10").await;
    let items = b["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.len() <= 10);
    assert!(items
        .iter()
        .all(|i| i["value"]["p_alive"].as_f64().unwrap() < 0.5));
    assert!(items
        .windows(2)
        .all(|w| w[0]["value"]["total_spend"].as_f64() >= w[1]["value"]["total_spend"].as_f64()));

    // Exports: every analysed customer once, CSV (UTF-8 with BOM, GB18030) and xlsx.
    let r = t
        .get("analyst", "/api/v1/churn/customers?format=csv")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body = r.bytes().await.unwrap();
    assert!(body.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("customer_id,name,frequency,recency,T,monetary,rfm_r"));
    assert_eq!(lines.count(), 800);
    let r = t
        .get("analyst", "/api/v1/churn/customers?format=csv-gb18030")
        .send()
        .await
        .unwrap();
    let bytes = r.bytes().await.unwrap();
    let (decoded, _, bad) = encoding_rs::GB18030.decode(&bytes);
    assert!(!bad && decoded.lines().count() == 801);
    let r = t
        .get("analyst", "/api/v1/churn/customers?format=xlsx")
        .send()
        .await
        .unwrap();
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let (s, b) = get_json(t, "analyst", "/api/v1/churn/customers?format=pdf").await;
    assert_eq!(
        (s, b["error"]["details"]["fields"][0]["field"].as_str()),
        (422, Some("format"))
    );
}

both!(churn_runs_over_http);

/// One run at a time; a run left `running` by a stopped server is marked failed on start.
async fn one_run_at_a_time_and_interrupted_runs(t: &TestApp) {
    fill(t, 300).await;
    let actor = app::Actor::cli();
    let opts = app::churn::store::ClvRunRequest::default()
        .options(actor.lang)
        .unwrap();
    let a = t.app.start_clv_run(&actor, opts.clone()).await.unwrap();
    let e = t.app.start_clv_run(&actor, opts).await.unwrap_err();
    assert_eq!(e.code.code(), "analysis_running");
    while t.app.jobs.any(app::jobs::JobKind::Analysis) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(t.app.store.analysis_run(a).await.unwrap().status, "done");
    let stale = t
        .app
        .store
        .create_analysis_run("clv", &serde_json::json!({}), "cli")
        .await
        .unwrap();
    assert_eq!(
        t.app
            .store
            .fail_interrupted_runs("interrupted")
            .await
            .unwrap(),
        1
    );
    let r = t.app.store.analysis_run(stale).await.unwrap();
    assert_eq!(
        (r.status.as_str(), r.error.as_str()),
        ("failed", "interrupted")
    );
    // The failed run did not touch the saved values.
    let latest = t
        .app
        .store
        .latest_analysis_run("clv")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.id, a);
}

both!(one_run_at_a_time_and_interrupted_runs);

/// The page: figures, charts' data, the win-back list, the run form with CSRF, and the
/// profile's value card.
async fn churn_page_and_profile(t: &TestApp) {
    fill(t, 400).await;
    let (session, csrf) = super::web::sign_in(t, "manager").await;
    let cookie = format!("fidelis_session={session}");
    let get = |path: String| {
        t.http
            .get(format!("{}{path}", t.base))
            .header("cookie", &cookie)
            .send()
    };
    let html = get("/churn".into()).await.unwrap().text().await.unwrap();
    assert!(html.contains("id=\"churn-empty\""), "no run yet: {html}");
    // Start from the form: a bad form is refused with the field named, a good one redirects.
    let post = |form: Vec<(&'static str, String)>| {
        t.http
            .post(format!("{}/churn/runs", t.base))
            .header("cookie", &cookie)
            .form(&form)
            .send()
    };
    let r = post(vec![
        ("csrf", csrf.clone()),
        ("horizon_months", "many".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("horizon_months"));
    let r = post(vec![("csrf", "forged".into())]).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = post(vec![
        ("csrf", csrf.clone()),
        ("calibration_end", "2025-06-29".into()),
        ("horizon_months", "6".into()),
        ("discount_rate_percent", "2".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let run: i64 = to.rsplit('=').next().unwrap().parse().unwrap();
    while t.app.jobs.any(app::jobs::JobKind::Analysis) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let r = get(format!("/churn/runs/{run}")).await.unwrap();
    assert_eq!(
        r.headers().get("hx-refresh").map(|v| v.to_str().unwrap()),
        Some("true")
    );
    let saved = t.app.store.analysis_run(run).await.unwrap();
    assert_eq!(saved.options["horizon_months"], 6);
    assert_eq!(saved.options["discount_rate"], 0.02);
    let html = get(to).await.unwrap().text().await.unwrap();
    for id in [
        "fig-customers",
        "fig-churn-p-alive",
        "fig-referral",
        "chart-cohorts",
        "chart-trend",
        "at-risk",
        "params",
        "segments",
        "export-xlsx",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(html.contains(">400<"), "customers analysed");
    // The chart data travel in an attribute, escaped.
    assert!(html.contains("data-summary=\"{&quot;"));
    // The profile shows the value card.
    let first = t
        .app
        .store
        .customer_id_by_external("C0000001")
        .await
        .unwrap();
    let html = get(format!("/customers/{first}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"value-p-alive\"") && html.contains(&format!("#{run}")));
}

both!(churn_page_and_profile);
