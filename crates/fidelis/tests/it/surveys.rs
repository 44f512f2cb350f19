//! Surveys end to end, on SQLite and PostgreSQL: templates, waves on a sample (segment, recent
//! surveys left out), roles, personal links (progress saved, bad answers refused and nothing
//! changed, single use, expired, closed, tampered or another customer's), the public form
//! page, answers on the timeline; and an ECSI wave whose results (PLS paths, CSI, quadrants)
//! equal the numeric core's fit of the same answers, with action plans and exports.

use super::harness::{json, TestApp};
use super::web::sign_in;
use crate::both;
use serde_json::{json, Value};

/// `n` customers C1 … Cn, even ones in segment `gold`, odd ones in `silver`.
pub(super) async fn customers(t: &TestApp, n: usize) {
    let mut body = String::from("external_id,name,segment\n");
    for i in 1..=n {
        let seg = if i % 2 == 0 { "gold" } else { "silver" };
        body.push_str(&format!("C{i},Customer {i},{seg}\n"));
    }
    let (s, b) = json(
        t.post("analyst", "/api/v1/imports/customers?wait=true")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
}

async fn public(t: &TestApp, path: &str) -> (u16, Value) {
    json(
        t.http
            .get(format!("{}/api/v1/public/surveys/{path}", t.base))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn answer(t: &TestApp, token: &str, answers: Value, submit: bool) -> (u16, Value) {
    json(
        t.http
            .post(format!("{}/api/v1/public/surveys/{token}", t.base))
            .header("accept-language", "en")
            .json(&json!({ "answers": answers, "submit": submit }))
            .send()
            .await
            .unwrap(),
    )
    .await
}

pub(super) fn token_of(link: &Value) -> String {
    link["path"]
        .as_str()
        .unwrap()
        .trim_start_matches("/s/")
        .to_string()
}

/// A survey made by the manager (`body`: name and template), and a wave of it: the survey and
/// the wave's (status, answer).
pub(super) async fn survey_wave(t: &TestApp, body: Value, wave: Value) -> (Value, (u16, Value)) {
    let (s, survey) = t.post_json("manager", "/api/v1/surveys", &body).await;
    assert_eq!(s, 201, "{survey}");
    let w = new_wave(t, survey["id"].as_i64().unwrap(), wave).await;
    (survey, w)
}

pub(super) async fn new_wave(t: &TestApp, survey: i64, body: Value) -> (u16, Value) {
    json(
        t.post("manager", &format!("/api/v1/surveys/{survey}/waves"))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

pub(super) async fn links(t: &TestApp, wave: i64) -> Vec<Value> {
    let (s, l) = json(
        t.get("manager", &format!("/api/v1/surveys/waves/{wave}/links"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{l}");
    l["items"].as_array().unwrap().clone()
}

async fn survey_links_and_answers(t: &TestApp) {
    customers(t, 30).await;
    // Who may design surveys; a template that does not exist.
    let csat = json!({"name": "Store CSAT", "template": "csat", "target_segment": "gold"});
    let (s, e) = t.post_json("agent", "/api/v1/surveys", &csat).await;
    assert_eq!(s, 403, "{e}");
    let (s, e) = t
        .post_json(
            "analyst",
            "/api/v1/surveys",
            &json!({"name": "X", "template": "nope"}),
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("template"),
        "{e}"
    );
    let (s, survey) = t.post_json("analyst", "/api/v1/surveys", &csat).await;
    assert_eq!(s, 201, "{survey}");
    let sid = survey["id"].as_i64().unwrap();
    // Bad waves are refused naming each field; nothing is sent.
    let (s, e) = new_wave(t, sid, json!({"name": "", "size": 0, "valid_days": 999})).await;
    assert_eq!(s, 422);
    let msg = e["error"]["message"].as_str().unwrap();
    for f in ["name", "size", "valid_days"] {
        assert!(msg.contains(f), "{f}: {e}");
    }
    // 10 of the 15 gold customers; then the other 5 (recently surveyed left out); then none.
    let (s, w1) = new_wave(t, sid, json!({"name": "W1", "segment": "gold", "size": 10})).await;
    assert_eq!(s, 201, "{w1}");
    assert_eq!(w1["invited"], 10);
    let (_, w2) = new_wave(
        t,
        sid,
        json!({"name": "W2", "segment": "gold", "size": 10, "pretest": true}),
    )
    .await;
    assert_eq!(w2["invited"], 5, "{w2}");
    let (s, e) = new_wave(t, sid, json!({"name": "W3", "segment": "gold", "size": 10})).await;
    assert_eq!(s, 422, "{e}");
    let (w1, w2) = (w1["id"].as_i64().unwrap(), w2["id"].as_i64().unwrap());
    let l1 = links(t, w1).await;
    assert_eq!(l1.len(), 10);
    let (s, _) = json(
        t.get("agent", &format!("/api/v1/surveys/waves/{w1}/links"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 403, "agents do not see the links");
    let (a, b) = (token_of(&l1[0]), token_of(&l1[1]));
    // The form of a link, with no sign-in.
    let (s, f) = public(t, &a).await;
    assert_eq!(s, 200, "{f}");
    assert_eq!(f["questionnaire"]["items"][0]["code"], "CSAT");
    // Progress is saved; bad answers are refused item by item and change nothing.
    assert_eq!(answer(t, &a, json!({"CSAT": 4}), false).await.0, 204);
    let (s, e) = answer(
        t,
        &a,
        json!({"CSAT": 9, "SPEED": {"expected": 3, "perceived": 7}, "NOPE": 1}),
        false,
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["code"], "answers_rejected");
    let fields: Vec<&str> = e["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"CSAT") && fields.contains(&"SPEED") && fields.contains(&"NOPE"),
        "{e}"
    );
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("outside the scale 1–5"),
        "{e}"
    );
    assert_eq!(public(t, &a).await.1["answers"], json!({"CSAT": 4.0}));
    // Submitting needs the required items.
    let (s, e) = answer(t, &a, json!({"WALLET": 40}), true).await;
    assert_eq!(s, 422);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("CSAT"),
        "{e}"
    );
    let good = json!({"CSAT": 5, "SPEED": {"expected": 4, "perceived": 3}, "WALLET": 40, "COMMENT": "快一点就好了"});
    assert_eq!(answer(t, &a, good.clone(), true).await.0, 204);
    // Used: neither readable nor writable again.
    let (s, e) = answer(t, &a, json!({"CSAT": 1}), true).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("survey_already_answered"))
    );
    assert_eq!(public(t, &a).await.0, 409);
    // Tampered, another customer's, garbage: invalid, and the other invitation is untouched.
    let mut edited = a.clone().into_bytes();
    let last = edited.len() - 1;
    edited[last] = if edited[last] == b'0' { b'1' } else { b'0' };
    let edited = String::from_utf8(edited).unwrap();
    let (b_id, a_mac) = (b.split('-').next().unwrap(), a.split('-').nth(1).unwrap());
    for bad in [
        edited.as_str(),
        &format!("{b_id}-{a_mac}"),
        "1-xyz",
        "abc",
        "99999-0123456789abcdef0123456789abcdef",
    ] {
        let (s, e) = public(t, bad).await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (404, Some("survey_link_invalid")),
            "{bad}"
        );
        let (s, _) = answer(t, bad, json!({"CSAT": 1}), true).await;
        assert_eq!(s, 404, "{bad}");
    }
    assert_eq!(
        public(t, &b).await.1["answers"],
        json!({}),
        "B's invitation is untouched"
    );
    // Expired (the stored expiry is what counts) and closed waves.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&t.url).await.unwrap();
    sqlx::query("UPDATE survey_invitations SET expires_at = $1 WHERE id = $2")
        .bind("2000-01-01T00:00:00.000000Z")
        .bind(b_id.parse::<i64>().unwrap())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (s, e) = public(t, &b).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (410, Some("survey_link_expired")),
        "{e}"
    );
    let l2 = links(t, w2).await;
    let (s, _) = json(
        t.post("manager", &format!("/api/v1/surveys/waves/{w2}/close"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 204);
    let (s, e) = public(t, &token_of(&l2[0])).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (410, Some("survey_closed"))
    );
    // The wave's results and the customer's timeline.
    let (s, r) = json(
        t.get("analyst", &format!("/api/v1/surveys/waves/{w1}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["responses"], 1);
    let m = &r["measures"][0];
    assert_eq!(
        (
            m["kind"].as_str(),
            m["estimate"]["value"].as_f64(),
            m["estimate"]["n"].as_i64()
        ),
        (Some("csat"), Some(100.0), Some(1))
    );
    assert_eq!(r["gaps"], json!([]), "one pair gives no interval");
    assert_eq!(r["comments"][0][1], "快一点就好了");
    let cid = l1[0]["customer_id"].as_i64().unwrap();
    let (_, mine) = json(
        t.get(
            "agent",
            &format!("/api/v1/customers/{cid}/survey-responses"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(mine["total"], 1, "{mine}");
    let (_, profile) = json(
        t.get("agent", &format!("/api/v1/customers/{cid}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let timeline = profile["timeline"].as_array().unwrap();
    assert!(
        timeline
            .iter()
            .any(|e| e["kind"] == "survey" && e["detail"].as_str().unwrap().contains("CSAT 5")),
        "{profile}"
    );
    // NPS by segment: a promoter in gold, a detractor in silver.
    let (_, (_, w)) = survey_wave(
        t,
        json!({"name": "NPS", "template": "nps"}),
        json!({"name": "all", "size": 100, "exclude_days": 0}),
    )
    .await;
    assert_eq!(w["invited"], 30);
    let wid = w["id"].as_i64().unwrap();
    let all = links(t, wid).await;
    let pick = |seg_even: bool| {
        all.iter()
            .find(|l| {
                let n: usize = l["external_id"].as_str().unwrap()[1..].parse().unwrap();
                n.is_multiple_of(2) == seg_even
            })
            .unwrap()
    };
    assert_eq!(
        answer(t, &token_of(pick(true)), json!({"NPS": 10}), true)
            .await
            .0,
        204
    );
    assert_eq!(
        answer(t, &token_of(pick(false)), json!({"NPS": 3}), true)
            .await
            .0,
        204
    );
    let (_, r) = json(
        t.get("analyst", &format!("/api/v1/surveys/waves/{wid}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        r["measures"][0]["estimate"]["value"], 0.0,
        "one promoter, one detractor"
    );
    let seg = r["by_segment"].as_array().unwrap();
    let value = |name: &str| {
        seg.iter().find(|g| g["group"] == name).unwrap()["measures"][0][2]["value"].as_f64()
    };
    assert_eq!(
        (value("gold"), value("silver")),
        (Some(100.0), Some(-100.0)),
        "{r}"
    );
}
both!(survey_links_and_answers);

async fn questionnaire_builder(t: &TestApp) {
    customers(t, 8).await;
    let (_, survey) = t
        .post_json(
            "manager",
            "/api/v1/surveys",
            &json!({"name": "Build", "template": "nps"}),
        )
        .await;
    let sid = survey["id"].as_i64().unwrap();
    let (cookie, csrf) = sign_in(t, "manager").await;
    let cookie = format!("fidelis_session={cookie}");
    let post = |path: String, form: Vec<(&'static str, String)>| {
        t.http
            .post(format!("{}{path}", t.base))
            .header("cookie", &cookie)
            .form(&form)
            .send()
    };
    let c = || ("csrf", csrf.clone());
    // Add a single-choice item; a bad one is refused naming the field.
    let r = post(
        format!("/surveys/{sid}/items"),
        vec![
            c(),
            ("code", "CHANNEL".into()),
            ("kind", "single".into()),
            ("text_zh", "您从哪里了解到我们？".into()),
            ("text_en", "Where did you hear of us?".into()),
            ("options", "朋友 | Friends\n网络 | Online".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    let r = post(
        format!("/surveys/{sid}/items"),
        vec![
            c(),
            ("code", "bad code".into()),
            ("kind", "text".into()),
            ("text_en", "x".into()),
        ],
    )
    .await
    .unwrap();
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("编号只能包含字母、数字和 _"));
    let r = post(
        format!("/surveys/{sid}/items"),
        vec![
            c(),
            ("code", "NPS".into()),
            ("kind", "text".into()),
            ("text_en", "again".into()),
        ],
    )
    .await
    .unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("题目 &#x27;NPS&#x27; 定义了两次"), "{page}");
    let (_, d) = json(
        t.get("analyst", &format!("/api/v1/surveys/{sid}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let items = d["questionnaire"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[2]["kind"]["options"][1]["en"], "Online");
    // Remove one; broken JSON is refused with its line, the draft kept.
    assert_eq!(
        post(
            format!("/surveys/{sid}/items/delete"),
            vec![c(), ("code", "REASON".into())]
        )
        .await
        .unwrap()
        .status(),
        303
    );
    let r = post(
        format!("/surveys/{sid}/questionnaire"),
        vec![c(), ("questionnaire", "{\n  \"title\": 3\n}".into())],
    )
    .await
    .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("questionnaire：第 2 行"), "{html}");
    // The API replaces it whole; a cycle is refused.
    let mut q = domain::surveys::template("acsi").unwrap();
    let (s, _) = json(
        t.put("manager", &format!("/api/v1/surveys/{sid}/questionnaire"))
            .json(&q)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    q.paths.push(("CUSL".into(), "CUEX".into()));
    let (s, e) = json(
        t.put("manager", &format!("/api/v1/surveys/{sid}/questionnaire"))
            .json(&q)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("形成循环"),
        "the manager reads Chinese: {e}"
    );
    // A pre-test leaves it open; a real wave fixes it.
    assert_eq!(
        new_wave(t, sid, json!({"name": "pre", "size": 2, "pretest": true}))
            .await
            .0,
        201
    );
    q.paths.pop();
    assert_eq!(
        t.put("manager", &format!("/api/v1/surveys/{sid}/questionnaire"))
            .json(&q)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        new_wave(t, sid, json!({"name": "real", "size": 2})).await.0,
        201
    );
    let (s, e) = json(
        t.put("manager", &format!("/api/v1/surveys/{sid}/questionnaire"))
            .json(&q)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(
        e["error"]["details"]["fields"][0]["field"], "questionnaire",
        "{e}"
    );
    let (s, _) = json(
        t.put("agent", &format!("/api/v1/surveys/{sid}/questionnaire"))
            .json(&q)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 403);
}
both!(questionnaire_builder);

async fn ecsi_results_equal_the_core(t: &TestApp) {
    customers(t, 150).await;
    let (_, survey) = t
        .post_json(
            "manager",
            "/api/v1/surveys",
            &json!({"name": "ECSI", "template": "ecsi"}),
        )
        .await;
    let sid = survey["id"].as_i64().unwrap();
    let (_, w) = new_wave(t, sid, json!({"name": "W1", "size": 120})).await;
    let wid = w["id"].as_i64().unwrap();
    let l = links(t, wid).await;
    let cols = analytics::sim_survey::ecsi_answers(l.len(), 4);
    let names = analytics::sim_survey::ecsi_item_names();
    for (i, link) in l.iter().enumerate() {
        let mut a = serde_json::Map::new();
        for (n, c) in names.iter().zip(&cols) {
            a.insert(n.clone(), json!(c[i]));
        }
        let (s, e) = answer(t, &token_of(link), Value::Object(a), true).await;
        assert_eq!(s, 204, "{e}");
    }
    let (s, r) = json(
        t.get("analyst", &format!("/api/v1/surveys/waves/{wid}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    let m = &r["model"];
    assert_eq!(m["respondents"], 120, "{r}");
    // The same fit from the core, on the answers in submission order.
    let model = analytics::sim_survey::ecsi_model();
    let f = analytics::pls::fit(&cols, &model, &Default::default()).unwrap();
    let paths = m["paths"].as_array().unwrap();
    assert_eq!(paths.len(), 12);
    for (p, &(a, b)) in paths.iter().zip(&analytics::pls::ECSI_PATHS) {
        assert!(
            (p["coefficient"].as_f64().unwrap() - f.path[a][b]).abs() < 1e-9,
            "{p}"
        );
    }
    let index = f.index(&cols, &model, 1.0, 10.0);
    assert!((m["csi"].as_f64().unwrap() - index[4]).abs() < 1e-9);
    // Bootstrap intervals on request: the core's, seeded with the wave id, on every call.
    let boot = |n: &str| {
        t.get(
            "analyst",
            &format!("/api/v1/surveys/waves/{wid}?bootstrap={n}"),
        )
        .send()
    };
    let (s, b1) = json(boot("200").await.unwrap()).await;
    assert_eq!(s, 200, "{b1}");
    assert_eq!(b1["model"]["bootstrap"], 200);
    let core = analytics::pls::bootstrap(
        &cols,
        &model,
        &Default::default(),
        &f,
        200,
        wid as u64,
        0.95,
    );
    for (p, &(a, b)) in b1["model"]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&analytics::pls::ECSI_PATHS)
    {
        let (lo, hi) = core.path[a][b].unwrap();
        assert!((p["lower"].as_f64().unwrap() - lo).abs() < 1e-9, "{p}");
        assert!((p["upper"].as_f64().unwrap() - hi).abs() < 1e-9, "{p}");
    }
    let (_, b2) = json(boot("200").await.unwrap()).await;
    assert_eq!(b1["model"]["paths"], b2["model"]["paths"]);
    assert_eq!(json(boot("100000").await.unwrap()).await.0, 422);
    assert!(m["paths"][0]["lower"].is_null(), "none unless asked for");
    let quadrants: Vec<&str> = m["elements"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["quadrant"].as_str())
        .collect();
    assert_eq!(
        quadrants.len(),
        4,
        "image, expectation, quality and value drive satisfaction: {m}"
    );
    // An action plan on a driver, with its baseline; bad plans name their fields.
    let plan = json!({"element": "PERQ", "title": "Fix delivery", "owner": "manager", "due_date": "2027-03-01", "target": 70});
    let (s, p) = json(
        t.post("manager", &format!("/api/v1/surveys/waves/{wid}/plans"))
            .json(&plan)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{p}");
    assert!((p["baseline"].as_f64().unwrap() - index[2]).abs() < 1e-9);
    let bad =
        json!({"element": "NOPE", "title": "", "owner": "x", "due_date": "soon", "target": 170});
    let (s, e) = json(
        t.post("manager", &format!("/api/v1/surveys/waves/{wid}/plans"))
            .json(&bad)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    for f in ["element", "title", "due_date", "target"] {
        assert!(
            e["error"]["message"].as_str().unwrap().contains(f),
            "{f}: {e}"
        );
    }
    let pid = p["id"].as_i64().unwrap();
    let patch = |status: &str| {
        t.http
            .patch(format!("{}/api/v1/surveys/plans/{pid}", t.base))
            .bearer_auth(&t.tokens["manager"])
            .json(&json!({"status": status}))
    };
    assert_eq!(
        json(patch("do").send().await.unwrap()).await.1["status"],
        "do"
    );
    assert_eq!(json(patch("later").send().await.unwrap()).await.0, 422);
    let (_, d) = json(
        t.get("analyst", &format!("/api/v1/surveys/{sid}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(d["plans"][0]["element"], "PERQ");
    // Exports of the results tables.
    let cookie = format!("fidelis_session={}", sign_in(t, "analyst").await.0);
    let r = t
        .http
        .get(format!(
            "{}/surveys/waves/{wid}/export?table=elements&format=csv",
            t.base
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap().lines().count(), 8);
    let r = t
        .http
        .get(format!(
            "{}/surveys/waves/{wid}/export?table=paths&format=xlsx",
            t.base
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    // Every table of the page exports, each with its header row; an unknown one is refused.
    for table in app::surveys::results::TABLES {
        let r = t
            .http
            .get(format!(
                "{}/surveys/waves/{wid}/export?table={table}&format=csv",
                t.base
            ))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{table}");
        let body = r.text().await.unwrap();
        assert!(body.lines().count() >= 1, "{table}: {body}");
    }
    let dist = t
        .http
        .get(format!(
            "{}/surveys/waves/{wid}/export?table=distributions&format=csv",
            t.base
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // 24 items on 1–10: ten answers each, with the counts adding up to the respondents.
    let rows: Vec<&str> = dist.lines().skip(1).collect();
    assert_eq!(rows.len(), 240, "{dist}");
    let count: usize = rows
        .iter()
        .filter(|l| l.starts_with("IMAG1,"))
        .map(|l| l.rsplit(',').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(count, 120);
    let r = t
        .http
        .get(format!(
            "{}/api/v1/surveys/waves/{wid}/export?table=nope&format=csv",
            t.base
        ))
        .bearer_auth(&t.tokens["analyst"])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}
both!(ecsi_results_equal_the_core);
