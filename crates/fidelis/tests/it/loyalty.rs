//! Loyalty and churn management over HTTP on SQLite and PostgreSQL: a classification run after a
//! customer-value run, a churn type proposed from a critical complaint and corrected by a
//! manager (history kept), bad corrections refused with nothing stored, win-back tasks from the
//! candidates through the seeds' steps, the win-back rate against a hand-computed example,
//! lists, exports, saved segments and settings, and who may do what.

use super::harness::{json, TestApp};
use crate::both;
use serde_json::json as j;

async fn get(t: &TestApp, role: &str, path: &str) -> (u16, serde_json::Value) {
    t.get_json(role, path).await
}

async fn send(r: reqwest::RequestBuilder, body: serde_json::Value) -> (u16, serde_json::Value) {
    json(r.json(&body).send().await.unwrap()).await
}

async fn import(t: &TestApp, kind: &str, csv: String) {
    let (s, b) = json(
        t.post("analyst", &format!("/api/v1/imports/{kind}?wait=true"))
            .body(csv)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{kind}: {b}");
}

/// Three hand-made customers who bought three times early in 2024 and never again.
async fn lapsed_customers(t: &TestApp) -> Vec<i64> {
    let mut customers = format!("{}\n", analytics::sim::CUSTOMER_HEADER);
    let mut tx = format!("{}\n", analytics::sim::TRANSACTION_HEADER);
    for (k, name) in ["王芳", "李强", "张伟"].iter().enumerate() {
        customers.push_str(&format!("L{k},{name},,,unknown,,上海,门店,,,,,,\n"));
        for (d, day) in ["2024-01-02", "2024-01-16", "2024-02-01"]
            .iter()
            .enumerate()
        {
            tx.push_str(&format!(
                "LT{k}-{d},L{k},{day} 10:00,{}.00,CNY,门店,徐汇店,,1,0,0\n",
                500 + 100 * k
            ));
        }
    }
    import(t, "customers", customers).await;
    import(t, "transactions", tx).await;
    let mut ids = Vec::new();
    for k in 0..3 {
        ids.push(
            t.app
                .store
                .customer_id_by_external(&format!("L{k}"))
                .await
                .unwrap(),
        );
    }
    ids
}

async fn loyalty_and_winback(t: &TestApp) {
    super::churn::fill(t, 300).await;
    let ids = lapsed_customers(t).await;
    let (x, y, z) = (ids[0], ids[1], ids[2]);
    // A critical complaint by the first, today.
    let (s, b) = send(
        t.post("agent", "/api/v1/complaints"),
        j!({"channel": "phone", "customer_id": x, "situation": "菜里有异物，非常生气", "severity": "critical"}),
    )
    .await;
    assert_eq!(s, 201, "{b}");

    // Before any classification.
    let (s, _) = get(t, "manager", "/api/v1/loyalty/latest").await;
    assert_eq!(s, 404);
    // Agents neither classify nor see the base-wide lists.
    for path in [
        "/api/v1/loyalty/latest",
        "/api/v1/loyalty/customers",
        "/api/v1/churn/winback/candidates",
        "/api/v1/churn/winback/rates",
    ] {
        let (s, b) = get(t, "agent", path).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "{path}"
        );
    }
    let (s, _) = json(
        t.post("agent", "/api/v1/loyalty/runs")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 403);

    let (s, b) = json(
        t.post("manager", "/api/v1/churn/runs?wait=true")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, b["run"]["status"].as_str()), (200, Some("done")), "{b}");
    let (s, b) = json(
        t.post("analyst", "/api/v1/loyalty/runs")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let summary = &b["summary"];
    // 303 customers with purchases, none with survey answers: all partial, said so.
    assert_eq!(summary["customers"], 303, "{summary}");
    assert_eq!(summary["evidence"]["behaviour_only"], 303);
    assert_eq!(summary["evidence"]["both"], 0);
    assert!(summary["proposals"].as_i64().unwrap() >= 1);
    let (s, latest) = get(t, "manager", "/api/v1/loyalty/latest").await;
    assert_eq!(s, 200);
    let in_mix: i64 = latest["mix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["customers"].as_i64().unwrap())
        .sum();
    assert_eq!(in_mix, 303);

    // The lapsed customer: churned, type proposed from the complaint, evidence shown.
    let (s, c) = get(t, "agent", &format!("/api/v1/customers/{x}/loyalty")).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["profile"]["churn_status"], "churned", "{c}");
    assert_eq!(c["partial"], true);
    let signals = c["profile"]["reasons"].as_array().unwrap();
    assert!(signals.iter().any(|r| r["signal"] == "no_attitude"), "{c}");
    assert_eq!(c["reasons"].as_array().unwrap().len(), signals.len());
    let a = &c["assessment"];
    assert_eq!(a["proposed_type"], "severe", "{c}");
    assert!(
        a["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "severe_complaint"),
        "{a}"
    );
    assert_eq!(a["churn_type"], "");
    let version = a["version"].as_i64().unwrap();

    // Corrections: agents may not; bad input is refused and changes nothing.
    let path = format!("/api/v1/customers/{x}/churn-type");
    let good = j!({"version": version, "churn_type": "fault", "cause": "product", "exit_reason": "嫌菜品质量下降"});
    let (s, _) = send(t.put("agent", &path), good.clone()).await;
    assert_eq!(s, 403);
    for (body, field) in [
        (
            j!({"version": version, "churn_type": "angry", "cause": "product"}),
            "churn_type",
        ),
        (
            j!({"version": version, "churn_type": "fault", "cause": "weather"}),
            "cause",
        ),
        (
            j!({"version": version, "churn_type": "fault", "exit_reason": "a\u{0}b"}),
            "exit_reason",
        ),
    ] {
        let (s, b) = send(t.put("manager", &path), body).await;
        assert_eq!(s, 422, "{b}");
        assert_eq!(b["error"]["details"]["fields"][0]["field"], field, "{b}");
    }
    let (s, b) = send(
        t.put("manager", "/api/v1/customers/99999999/churn-type"),
        good.clone(),
    )
    .await;
    assert_eq!(s, 404, "{b}");
    let (s, b) = send(t.put("manager", &path), good.clone()).await;
    assert_eq!((s, b["churn_type"].as_str()), (200, Some("fault")), "{b}");
    assert_eq!(b["confirmed_by"], "manager");
    // The same version again is stale.
    let (s, b) = send(t.put("manager", &path), good).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (409, Some("version_conflict")),
        "{b}"
    );
    let (_, c) = get(t, "manager", &format!("/api/v1/customers/{x}/loyalty")).await;
    let h = c["history"].as_array().unwrap();
    assert_eq!(h.len(), 1, "{c}");
    assert_eq!(
        (
            h[0]["proposed_type"].as_str(),
            h[0]["churn_type"].as_str(),
            h[0]["actor"].as_str()
        ),
        (Some("severe"), Some("fault"), Some("manager"))
    );
    assert_eq!(h[0]["cause"], "product");
    // The same correction on the profile page: the form, a refusal shown on the profile (422,
    // nothing stored), a correction kept with who made it; agents get no form and may not post.
    let cookie = format!(
        "fidelis_session={}",
        super::web::sign_in(t, "manager").await.0
    );
    let profile = format!("/customers/{x}");
    let html = super::web::page_html(t, &cookie, &profile).await;
    let form = &html[html
        .find("id=\"churn-type-form\"")
        .expect("the churn-type form")..];
    let (csrf, version) = (
        super::web::hidden(&html, "csrf"),
        super::web::hidden(form, "version"),
    );
    let post = |cookie: String, fields: Vec<(&'static str, String)>| {
        t.http
            .post(format!("{}{profile}/churn-type", t.base))
            .header("cookie", cookie)
            .form(&fields)
            .send()
    };
    let fields = |cause: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("version", version.clone()),
            ("churn_type", "fault".to_string()),
            ("cause", cause.to_string()),
            ("exit_reason", "嫌服务员态度差".to_string()),
        ]
    };
    let r = post(cookie.clone(), fields("weather")).await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let refused = r.text().await.unwrap();
    assert!(refused.contains("id=\"churn-type-form\""), "{refused}");
    let (_, c) = get(t, "manager", &format!("/api/v1/customers/{x}/loyalty")).await;
    assert_eq!(c["assessment"]["churn_type"], "fault");
    let r = post(cookie.clone(), fields("management")).await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("{profile}#loyalty").as_str()
    );
    let html = super::web::page_html(t, &cookie, &profile).await;
    let confirmed = &html[html.find("id=\"churn-confirmed\"").unwrap()..];
    assert!(
        confirmed.contains("管理") || confirmed.contains("anagement"),
        "{confirmed}"
    );
    assert!(html.contains("嫌服务员态度差"));
    let (_, c) = get(t, "manager", &format!("/api/v1/customers/{x}/loyalty")).await;
    let h = c["history"].as_array().unwrap();
    assert_eq!(
        (h.len(), h[1]["cause"].as_str(), h[1]["actor"].as_str()),
        (2, Some("management"), Some("manager")),
        "{c}"
    );
    let agent = format!(
        "fidelis_session={}",
        super::web::sign_in(t, "agent").await.0
    );
    let html = super::web::page_html(t, &agent, &profile).await;
    assert!(!html.contains("id=\"churn-type-form\""));
    let r = post(agent, fields("management")).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // A rerun keeps the confirmed type.
    let (s, _) = json(
        t.post("manager", "/api/v1/loyalty/runs")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201);
    let (_, c) = get(t, "manager", &format!("/api/v1/customers/{x}/loyalty")).await;
    assert_eq!(c["assessment"]["churn_type"], "fault");
    let (s, b) = get(t, "analyst", "/api/v1/churn/types").await;
    assert_eq!(s, 200);
    assert!(
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["churn_type"] == "fault"
                && r["confirmed"] == true
                && r["cause"] == "management"),
        "{b}"
    );

    // Win-back candidates: at risk or gone, by value at risk.
    let (s, b) = get(t, "manager", "/api/v1/churn/winback/candidates?limit=1000").await;
    assert_eq!(s, 200, "{b}");
    let items = b["items"].as_array().unwrap();
    assert!(items.iter().any(|r| r["customer_id"] == x), "{b}");
    let risks: Vec<f64> = items
        .iter()
        .map(|r| r["value_at_risk"].as_f64().unwrap())
        .collect();
    assert!(risks.windows(2).all(|w| w[0] >= w[1]));

    // Tasks: managers create; bad requests create nothing.
    let tasks = "/api/v1/churn/winback/tasks";
    let (s, _) = send(
        t.post("agent", tasks),
        j!({"customer_ids": [x], "assignee": "agent"}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, b) = send(
        t.post("manager", tasks),
        j!({"customer_ids": [x, 99999999], "assignee": "agent"}),
    )
    .await;
    assert_eq!(
        (s, b["error"]["details"]["fields"][0]["field"].as_str()),
        (422, Some("customer_ids")),
        "{b}"
    );
    let (s, b) = send(
        t.post("manager", tasks),
        j!({"customer_ids": [x], "assignee": "analyst"}),
    )
    .await;
    assert_eq!(
        (s, b["error"]["details"]["fields"][0]["field"].as_str()),
        (422, Some("assignee")),
        "{b}"
    );
    let (_, b) = get(t, "manager", tasks).await;
    assert_eq!(b["items"].as_array().unwrap().len(), 0, "{b}");
    let (s, b) = send(
        t.post("manager", tasks),
        j!({"customer_ids": [x, y, z], "assignee": "agent"}),
    )
    .await;
    assert_eq!((s, b["created"].as_array().unwrap().len()), (201, 3), "{b}");
    // Again: all three have an open task.
    let (s, b) = send(
        t.post("manager", tasks),
        j!({"customer_ids": [x], "assignee": "agent"}),
    )
    .await;
    assert_eq!((s, b["skipped"].as_i64()), (201, Some(1)), "{b}");
    let (_, b) = get(t, "agent", &format!("{tasks}?mine=true&open=true")).await;
    let mine = b["items"].as_array().unwrap().clone();
    assert_eq!(mine.len(), 3, "{b}");
    let task_of = |c: i64| {
        mine.iter().find(|t| t["customer_id"] == c).unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (tx_, ty, tz) = (task_of(x), task_of(y), task_of(z));
    let (_, c) = get(t, "agent", &format!("/api/v1/customers/{x}/loyalty")).await;
    assert_eq!(c["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(c["tasks"][0]["churn_type"], "fault");

    // The seeds' steps at versions.
    let step = |id: i64| format!("{tasks}/{id}/steps");
    let (s, b) = send(
        t.post("agent", &step(tx_)),
        j!({"version": 1, "step": "remedy", "remedy": "赠送代金券"}),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (409, Some("invalid_transition")),
        "{b}"
    );
    let (s, _) = send(
        t.post("analyst", &step(tx_)),
        j!({"version": 1, "step": "contact", "apologised": true, "unhappy_with": ""}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, b) = send(t.post("agent", &step(tx_)), j!({"version": 1, "step": "contact", "apologised": true, "unhappy_with": "上菜慢、菜品质量下降"})).await;
    assert_eq!((s, b["state"].as_str()), (200, Some("contacted")), "{b}");
    let (s, b) = send(
        t.post("agent", &step(tx_)),
        j!({"version": 1, "step": "remedy", "remedy": "x"}),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (409, Some("version_conflict")),
        "{b}"
    );
    for (id, v, body) in [
        (
            tx_,
            2,
            j!({"step": "remedy", "remedy": "赠送 100 元代金券并致歉"}),
        ),
        (
            tx_,
            3,
            j!({"step": "outcome", "outcome": "won_back", "note": ""}),
        ),
        (
            ty,
            1,
            j!({"step": "contact", "apologised": true, "unhappy_with": "价格"}),
        ),
        (
            ty,
            2,
            j!({"step": "outcome", "outcome": "won_back", "note": ""}),
        ),
        (
            tz,
            1,
            j!({"step": "outcome", "outcome": "unreachable", "note": "电话停机"}),
        ),
    ] {
        let mut body = body;
        body["version"] = j!(v);
        let (s, b) = send(t.post("agent", &step(id)), body).await;
        assert_eq!(s, 200, "{b}");
    }
    let (_, b) = get(t, "agent", &format!("{tasks}/{tx_}")).await;
    assert_eq!(
        (
            b["state"].as_str(),
            b["outcome"].as_str(),
            b["apologised"].as_bool()
        ),
        (Some("closed"), Some("won_back"), Some(true))
    );

    // The hand-computed example: the outcomes on 2026-01-01 with 90-day windows; x buys on
    // 2026-02-01 (inside), y on 2026-06-01 (outside), z was unreachable: 1 of 3 closed tasks.
    let closed = domain::time::to_stored(
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc(),
    );
    let until = domain::time::to_stored(
        chrono::NaiveDate::from_ymd_opt(2026, 4, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc(),
    );
    sqlx::query("UPDATE winback_tasks SET closed_at = $1, counts_until = $2")
        .bind(&closed)
        .bind(&until)
        .execute(t.app.store.pool())
        .await
        .unwrap();
    import(
        t,
        "transactions",
        format!("{}\nWB-1,L0,2026-02-01 12:00,300.00,CNY,门店,徐汇店,,1,0,0\nWB-2,L1,2026-06-01 12:00,300.00,CNY,门店,徐汇店,,1,0,0\n", analytics::sim::TRANSACTION_HEADER),
    )
    .await;
    let (s, r) = get(t, "manager", "/api/v1/churn/winback/rates").await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (
            r["overall"]["closed"].as_i64(),
            r["overall"]["won_back"].as_i64(),
            r["overall"]["bought_again"].as_i64()
        ),
        (Some(3), Some(2), Some(1)),
        "{r}"
    );
    assert!((r["overall"]["rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    let fault = r["by_type"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "fault")
        .unwrap();
    assert_eq!(
        (fault["closed"].as_i64(), fault["rate"].as_f64()),
        (Some(1), Some(1.0)),
        "{r}"
    );
    let agent = r["by_agent"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "agent")
        .unwrap();
    assert_eq!(agent["closed"], 3);
    assert_eq!(r["days"], 90);

    // Lists, exports and saved segments.
    let (s, b) = get(
        t,
        "analyst",
        "/api/v1/loyalty/customers?status=churned&limit=5",
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert!(b["total"].as_i64().unwrap() >= 3);
    assert!(b["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["churn_status"] == "churned"));
    for bad in ["type=bogus", "status=gone", "limit=0", "limit=abc"] {
        let (s, b) = get(t, "analyst", &format!("/api/v1/loyalty/customers?{bad}")).await;
        assert!(s == 422 || s == 400, "{bad}: {s} {b}");
    }
    let r = t
        .get(
            "analyst",
            "/api/v1/loyalty/customers?status=churned&format=csv",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.unwrap();
    assert!(
        text.trim_start_matches('\u{feff}')
            .starts_with("customer_id,name,segment,loyalty_type"),
        "{text}"
    );
    assert!(text.contains("王芳"));
    let (s, b) = send(
        t.post("analyst", "/api/v1/loyalty/segments"),
        j!({"name": "已流失的高价值客户", "filter": {"status": "churned", "top20": true}}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let seg = b["id"].as_i64().unwrap();
    let (s, b) = send(
        t.post("analyst", "/api/v1/loyalty/segments"),
        j!({"name": "已流失的高价值客户"}),
    )
    .await;
    assert_eq!(
        (s, b["error"]["details"]["fields"][0]["field"].as_str()),
        (422, Some("name")),
        "{b}"
    );
    let (s, b) = get(
        t,
        "manager",
        &format!("/api/v1/loyalty/customers?saved={seg}"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert!(b["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["churn_status"] == "churned" && r["top20"] == true));
    let in_segment: Vec<String> = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["external_id"].as_str().unwrap().to_string())
        .collect();
    // The same segment as a filter of the customer list: the same customers, in the same
    // order (value at risk); agents may not read segments.
    let (s, c) = get(
        t,
        "manager",
        &format!("/api/v1/customers?saved_segment={seg}"),
    )
    .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["total"].as_i64().unwrap(), b["total"].as_i64().unwrap());
    let listed: Vec<String> = c["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["external_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, in_segment);
    assert!(!listed.is_empty());
    let (s, c) = get(
        t,
        "manager",
        &format!("/api/v1/customers?saved_segment={seg}&region=__nowhere__"),
    )
    .await;
    assert_eq!((s, c["total"].as_i64()), (200, Some(0)), "{c}");
    let (s, _) = get(
        t,
        "agent",
        &format!("/api/v1/customers?saved_segment={seg}"),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = get(t, "manager", "/api/v1/customers?saved_segment=999999").await;
    assert_eq!(s, 404);
    let cookie = format!(
        "fidelis_session={}",
        super::web::sign_in(t, "manager").await.0
    );
    let page = super::web::page_html(t, &cookie, &format!("/customers?saved_segment={seg}")).await;
    assert!(page.contains("id=\"saved-segment\""), "{page}");
    assert!(page.contains(&in_segment[0]));

    // Settings: checked, nothing saved when a field is out of range.
    let (s, mut settings) = get(t, "manager", "/api/v1/loyalty/settings").await;
    assert_eq!(s, 200);
    assert_eq!(settings["loyalty"]["attachment_high"], 70.0);
    settings["loyalty"]["attachment_high"] = j!(120);
    settings["churn"]["definition"] = j!("inactivity");
    let (s, b) = send(
        t.put("manager", "/api/v1/loyalty/settings"),
        settings.clone(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["details"]["fields"][0]["field"].as_str()),
        (422, Some("loyalty.attachment_high")),
        "{b}"
    );
    let (_, now) = get(t, "manager", "/api/v1/loyalty/settings").await;
    assert_eq!(now["churn"]["definition"], "p_alive");
    settings["loyalty"]["attachment_high"] = j!(75);
    let (s, _) = send(
        t.put("analyst", "/api/v1/loyalty/settings"),
        settings.clone(),
    )
    .await;
    assert_eq!(s, 403);
    let (s, b) = send(t.put("manager", "/api/v1/loyalty/settings"), settings).await;
    assert_eq!(
        (
            s,
            b["loyalty"]["attachment_high"].as_f64(),
            b["churn"]["definition"].as_str()
        ),
        (200, Some(75.0), Some("inactivity")),
        "{b}"
    );
}
both!(loyalty_and_winback);

/// Contracts through the customer import: kept, shown, counted in the classification's contract
/// retention; a contract that ends before it starts rejects the file, naming row and field.
async fn contracts_over_http(t: &TestApp) {
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body("external_id,name,会员开始,解约日期\nM1,会员一,2020-03-01,2022-03-01\nM2,会员二,2021-05-10,\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let id = t.app.store.customer_id_by_external("M1").await.unwrap();
    let (s, c) = get(t, "agent", &format!("/api/v1/customers/{id}")).await;
    assert_eq!(s, 200, "{c}");
    let customer = if c["customer"].is_object() {
        &c["customer"]
    } else {
        &c
    };
    assert_eq!(
        (
            customer["contract_start"].as_str(),
            customer["contract_end"].as_str()
        ),
        (Some("2020-03-01"), Some("2022-03-01")),
        "{c}"
    );
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body("external_id,name,contract_start,contract_end\nM3,会员三,2024-05-01,2024-04-30\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422, "{b}");
    let e = &b["error"]["details"]["errors"][0];
    assert_eq!(
        (e["line"].as_i64(), e["column"].as_str()),
        (Some(2), Some("contract_end")),
        "{b}"
    );
    assert!(
        t.app.store.customer_id_by_external("M3").await.is_err(),
        "nothing stored"
    );
    // Both are contract customers in the classification: one cancelled, one running.
    let (s, b) = json(
        t.post("manager", "/api/v1/loyalty/runs")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["summary"]["contracts"]["customers"], 2, "{b}");
    assert_eq!(b["summary"]["contracts"]["cancelled"], 1.0, "{b}");
}
both!(contracts_over_http);
