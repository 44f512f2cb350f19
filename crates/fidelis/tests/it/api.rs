//! The JSON API: customers CRUD, search and pagination, errors, roles, versions, audit.

use super::harness::{json, TestApp};
use crate::both;
use serde_json::json;

fn customer(ext: &str, name: &str) -> serde_json::Value {
    json!({
        "external_id": ext, "name": name, "phone": "+86 138-0013-8000", "email": format!("{}@example.cn", ext.to_lowercase()),
        "gender": "女", "birthday": "1990-05-01", "region": "上海", "channel": "门店", "tags": "vip, 老客户",
        "consent": "sms", "preferences": "座位=靠窗第二个; 早餐=豆浆油条"
    })
}

async fn customers_crud(t: &TestApp) {
    let (s, c) = t
        .post_json("agent", "/api/v1/customers", &customer("C1", "王小明"))
        .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["version"], 1);
    assert_eq!(c["preferences"]["座位"], "靠窗第二个");
    assert_eq!(c["gender"], "female");
    // A referral link to an existing customer.
    let mut b = customer("C2", "Emma Clarke");
    b["referred_by"] = json!("C1");
    let (s, c2) = t.post_json("manager", "/api/v1/customers", &b).await;
    assert_eq!(s, 201, "{c2}");
    assert_eq!(c2["referred_by"], "C1");
    for i in 3..=12 {
        let (s, _) = t
            .post_json(
                "agent",
                "/api/v1/customers",
                &customer(&format!("C{i}"), &format!("Customer {i:02}")),
            )
            .await;
        assert_eq!(s, 201);
    }

    // List: search, filters, pagination, total.
    let (s, page) = t
        .get_json("agent", "/api/v1/customers?per_page=5&page=2")
        .await;
    assert_eq!(s, 200);
    assert_eq!(page["total"], 12);
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    // Three or more characters are found anywhere in name, e-mail, external id or phone.
    let search = |q: &str| t.get("agent", &format!("/api/v1/customers?q={q}")).send();
    let (_, found) = json(search("%E7%8E%8B%E5%B0%8F%E6%98%8E").await.unwrap()).await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["name"], "王小明");
    let (_, found) = json(search("ustomer%200").await.unwrap()).await;
    assert_eq!(found["total"], 7, "'Customer 03'..'Customer 09': {found}");
    // One or two characters: the start of the name (a surname) or of the external id.
    let (_, found) = json(search("%E7%8E%8B").await.unwrap()).await;
    assert_eq!(found["total"], 1, "{found}");
    let (_, found) = json(search("cu").await.unwrap()).await;
    assert_eq!(found["total"], 10, "case-insensitive name prefix: {found}");
    for odd in [
        "%22ab%22c",
        "%25%5F%5C",
        "a%22%22",
        "AND%20OR",
        "NEAR(x)",
        "*",
    ] {
        let (s, found) = json(search(odd).await.unwrap()).await;
        assert_eq!(
            (s, found["total"].as_i64()),
            (200, Some(0)),
            "{odd}: {found}"
        );
    }
    let (_, found) = json(search("c1").await.unwrap()).await;
    assert_eq!(
        found["total"], 4,
        "external id prefix C1, C10, C11, C12: {found}"
    );
    let (_, by_phone) = t.get_json("agent", "/api/v1/customers?q=13800138000").await;
    assert_eq!(by_phone["total"], 12);
    let (_, by_mail) = t
        .get_json("agent", "/api/v1/customers?q=C2%40EXAMPLE")
        .await;
    assert_eq!(by_mail["total"], 1, "case-insensitive e-mail search");
    let (_, tagged) = t
        .get_json(
            "agent",
            "/api/v1/customers?tag=vip&region=%E4%B8%8A%E6%B5%B7",
        )
        .await;
    assert_eq!(tagged["total"], 12);
    let (_, none) = t.get_json("agent", "/api/v1/customers?tag=v").await;
    assert_eq!(none["total"], 0, "tags match whole");
    let (_, pct) = t.get_json("agent", "/api/v1/customers?q=%25").await;
    assert_eq!(pct["total"], 0, "% is literal");

    // Profile with preferences, figures, timeline.
    let (s, _) = t.post_json("agent", "/api/v1/transactions", &json!({"external_id": "T1", "customer_id": "C1", "occurred_at": "2024-03-01 10:00", "amount": "99.50", "promotion": "yes"})).await;
    assert_eq!(s, 201);
    let (s, _) = t.post_json("agent", "/api/v1/transactions", &json!({"external_id": "T2", "customer_id": "C1", "occurred_at": "2024-04-01", "amount": "-20", "is_return": "1"})).await;
    assert_eq!(s, 201);
    // The quantity's sign follows the kind: a sale of -2 units, or a return of a positive
    // amount, is refused naming the field; nothing is stored.
    for (body, field) in [
        (
            json!({"external_id": "T9", "customer_id": "C1", "occurred_at": "2024-04-02", "amount": "20", "quantity": "-2"}),
            "quantity",
        ),
        (
            json!({"external_id": "T9", "customer_id": "C1", "occurred_at": "2024-04-02", "amount": "20", "quantity": "0"}),
            "quantity",
        ),
        (
            json!({"external_id": "T9", "customer_id": "C1", "occurred_at": "2024-04-02", "amount": "20", "is_return": "1"}),
            "amount",
        ),
    ] {
        let (s, e) = t.post_json("agent", "/api/v1/transactions", &body).await;
        assert_eq!(s, 422, "{body}: {e}");
        assert_eq!(e["error"]["details"]["fields"][0]["field"], field, "{e}");
    }
    let (s, e) = json(
        t.post(
            "analyst",
            "/api/v1/imports/transactions?wait=true&filename=neg.csv",
        )
        .body("external_id,customer_id,occurred_at,amount,quantity\nT8,C1,2024-04-03,15.00,-1\n")
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(
        e["error"]["details"]["errors"][0]["column"], "quantity",
        "{e}"
    );
    let (s, _) = json(
        t.post("agent", &format!("/api/v1/customers/{id}/interactions"))
            .json(&json!({"kind": "call", "summary": "回访，客户满意"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = json(
        t.post("agent", &format!("/api/v1/customers/{id}/notes"))
            .json(&json!({"body": "<script>alert(1)</script>"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201);
    let (s, p) = json(
        t.get("analyst", &format!("/api/v1/customers/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(p["preferences"]["早餐"], "豆浆油条");
    assert_eq!(p["figures"]["purchases"], 1);
    assert_eq!(p["figures"]["returns"], 1);
    assert_eq!(p["figures"]["total_spend_minor"], 9950 - 2000);
    assert_eq!(p["figures"]["referrals"], 1);
    assert_eq!(p["figures"]["first_purchase"], "2024-03-01T10:00:00Z");
    let kinds: Vec<&str> = p["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 4);
    assert!(
        kinds.contains(&"purchase")
            && kinds.contains(&"return")
            && kinds.contains(&"interaction")
            && kinds.contains(&"note")
    );
    let (_, tx) = json(
        t.get("agent", &format!("/api/v1/customers/{id}/transactions"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(tx["total"], 2);
    assert_eq!(tx["items"][0]["external_id"], "T2", "newest first");

    // Update with the current version; a stale version is a conflict.
    let mut upd = customer("C1", "王小明（改）");
    upd["version"] = json!(1);
    let (s, u) = json(
        t.put("agent", &format!("/api/v1/customers/{id}"))
            .json(&upd)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{u}");
    assert_eq!(u["version"], 2);
    let (s, e) = json(
        t.put("agent", &format!("/api/v1/customers/{id}"))
            .json(&upd)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 409);
    assert_eq!(e["error"]["code"], "version_conflict");
    assert_eq!(e["error"]["details"]["current_version"], 2);

    // Delete; then it is gone.
    let r = t
        .delete("manager", &format!("/api/v1/customers/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let (s, e) = json(
        t.get("agent", &format!("/api/v1/customers/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(e["error"]["code"], "not_found");
    // The list's total follows creates and deletes at once (it is cached between them).
    let (_, page) = t.get_json("agent", "/api/v1/customers").await;
    assert_eq!(page["total"], 11);
    let (s, _) = t
        .post_json("agent", "/api/v1/customers", &customer("C99", "late"))
        .await;
    assert_eq!(s, 201);
    let (_, page) = t.get_json("agent", "/api/v1/customers").await;
    assert_eq!(page["total"], 12);

    // The audit log knows who did what.
    let (s, log) = t.get_json("manager", "/api/v1/audit?entity=customer").await;
    assert_eq!(s, 200);
    let actions: Vec<String> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}:{}",
                e["actor"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["entity_id"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        actions.contains(&"agent:create:C1".to_string()),
        "{actions:?}"
    );
    assert!(actions.contains(&"agent:update:C1".to_string()));
    assert!(actions.contains(&"manager:delete:C1".to_string()));
}
both!(customers_crud);

async fn errors_and_roles(t: &TestApp) {
    let url = format!("{}/api/v1/customers", t.base);
    // No token, a bad token.
    let (s, e) = json(t.http.get(&url).send().await.unwrap()).await;
    assert_eq!(
        (s, e["error"]["code"].as_str().unwrap()),
        (401, "unauthenticated")
    );
    let (s, _) = json(
        t.http
            .get(&url)
            .bearer_auth("fid_nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 401);
    // Chinese messages on request.
    let (_, e) = json(
        t.http
            .get(&url)
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(e["error"]["message"], "请登录或提供有效的 API 令牌。");
    // Not JSON, JSON of the wrong shape, missing fields, bad values.
    let (s, e) = json(
        t.post("agent", "/api/v1/customers")
            .header("content-type", "application/json")
            .body("{nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str().unwrap()),
        (400, "invalid_json")
    );
    let (s, e) = json(
        t.post("agent", "/api/v1/customers")
            .header("content-type", "text/plain")
            .body("x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str().unwrap()),
        (400, "invalid_json")
    );
    let (s, e) = t
        .post_json("agent", "/api/v1/customers", &json!({"name": 5}))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str().unwrap()),
        (400, "invalid_json")
    );
    let (s, e) = t
        .post_json("agent", "/api/v1/customers", &json!({"external_id": "X"}))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str().unwrap()),
        (422, "invalid_input")
    );
    assert_eq!(e["error"]["details"]["fields"][0]["field"], "name");
    let (s, e) = t
        .post_json(
            "agent",
            "/api/v1/customers",
            &json!({"external_id": "X", "name": "x", "email": "nope", "birthday": "2999-01-01"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(e["error"]["details"]["fields"].as_array().unwrap().len(), 2);
    let (s, e) = t
        .post_json(
            "agent",
            "/api/v1/customers",
            &json!({"external_id": "X", "name": "x", "referred_by": "NOBODY"}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str().unwrap()),
        (422, "unknown_reference")
    );
    let (s, e) = t.post_json("agent", "/api/v1/transactions", &json!({"external_id": "T", "customer_id": "NOBODY", "occurred_at": "2024-01-01", "amount": "1"})).await;
    assert_eq!(
        (s, e["error"]["code"].as_str().unwrap()),
        (422, "unknown_reference")
    );
    // Duplicates.
    let (s, _) = t
        .post_json("agent", "/api/v1/customers", &customer("D1", "d"))
        .await;
    assert_eq!(s, 201);
    let (s, e) = t
        .post_json("agent", "/api/v1/customers", &customer("D1", "d"))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str().unwrap()),
        (409, "duplicate_external_id")
    );
    // Unknown ids and paths.
    let (s, _) = t.get_json("agent", "/api/v1/customers/999999").await;
    assert_eq!(s, 404);
    let (s, e) = t.get_json("agent", "/api/v1/customers/abc").await;
    assert_eq!(
        (s, e["error"]["code"].as_str().unwrap()),
        (404, "not_found")
    );
    let (s, e) = t.get_json("agent", "/api/v1/nothing").await;
    assert_eq!(
        (s, e["error"]["code"].as_str().unwrap()),
        (404, "not_found")
    );
    let (s, _) = t
        .put_json(
            "agent",
            "/api/v1/customers/999999",
            &json!({"version": 1, "external_id": "Z", "name": "z"}),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = t
        .post_json(
            "agent",
            "/api/v1/customers/999999/notes",
            &json!({"body": "x"}),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = t
        .post_json(
            "agent",
            "/api/v1/customers/999999/interactions",
            &json!({"kind": "call", "summary": "x"}),
        )
        .await;
    assert_eq!(s, 404);
    // Roles: agents do not delete, manage users or see the audit log; analysts do not edit.
    let (_, d) = t.get_json("agent", "/api/v1/customers?q=D1").await;
    let did = d["items"][0]["id"].as_i64().unwrap();
    let refused = [
        (
            "agent deletes",
            t.delete("agent", &format!("/api/v1/customers/{did}")),
        ),
        (
            "analyst creates",
            t.post("analyst", "/api/v1/customers")
                .json(&customer("A1", "a")),
        ),
        (
            "analyst notes",
            t.post("analyst", &format!("/api/v1/customers/{did}/notes"))
                .json(&json!({"body": "x"})),
        ),
        ("agent lists users", t.get("agent", "/api/v1/users")),
        ("manager lists users", t.get("manager", "/api/v1/users")),
        ("agent reads audit", t.get("agent", "/api/v1/audit")),
        (
            "agent imports",
            t.post("agent", "/api/v1/imports/customers")
                .body("external_id,name\nX,x\n"),
        ),
    ];
    for (what, request) in refused {
        let (s, e) = json(request.send().await.unwrap()).await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "{what}"
        );
    }
    let (s, u) = t
        .post_json(
            "admin",
            "/api/v1/users",
            &json!({"username": "li.na", "password": "long-enough-1", "role": "agent"}),
        )
        .await;
    assert_eq!(s, 201, "{u}");
    let (s, u) = t
        .post_json(
            "admin",
            "/api/v1/users",
            &json!({"username": "li.na", "password": "long-enough-1", "role": "agent"}),
        )
        .await;
    assert_eq!(s, 422, "{u}");
    let (s, _) = t
        .post_json(
            "admin",
            "/api/v1/users",
            &json!({"username": "short", "password": "x", "role": "agent"}),
        )
        .await;
    assert_eq!(s, 422);
    // Over-long text and future dates are refused.
    let (s, _) = json(
        t.post("agent", &format!("/api/v1/customers/{did}/notes"))
            .json(&json!({"body": "x".repeat(5000)}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = json(
        t.post("agent", &format!("/api/v1/customers/{did}/interactions"))
            .json(&json!({"kind": "call", "summary": "x", "occurred_at": "2999-01-01"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = json(
        t.post("agent", &format!("/api/v1/customers/{did}/interactions"))
            .json(&json!({"kind": "telepathy", "summary": "x"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
}
both!(errors_and_roles);

async fn concurrent_edits_one_wins(t: &TestApp) {
    let (_, c) = t
        .post_json("agent", "/api/v1/customers", &customer("K1", "k"))
        .await;
    let id = c["id"].as_i64().unwrap();
    let mut handles = Vec::new();
    for i in 0..8 {
        let mut body = customer("K1", &format!("name {i}"));
        body["version"] = json!(1);
        let req = t
            .put(
                if i % 2 == 0 { "agent" } else { "manager" },
                &format!("/api/v1/customers/{id}"),
            )
            .json(&body);
        handles.push(tokio::spawn(async move {
            req.send().await.unwrap().status().as_u16()
        }));
    }
    let mut codes = Vec::new();
    for h in handles {
        codes.push(h.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 200).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 409).count(), 7, "{codes:?}");
    let (_, p) = json(
        t.get("agent", &format!("/api/v1/customers/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(p["customer"]["version"], 2);
}
both!(concurrent_edits_one_wins);

async fn health_and_openapi(t: &TestApp) {
    let r = t
        .http
        .get(format!("{}/healthz", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (s, doc) = json(
        t.http
            .get(format!("{}/api/openapi.json", t.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    for p in [
        "/api/v1/customers",
        "/api/v1/customers/{id}",
        "/api/v1/imports/{kind}",
        "/api/v1/imports/jobs/{id}",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} documented");
    }
    // Each operation's security as it really is: the public survey link and health take no
    // token — and answer without one; the rest need the bearer token — and refuse without.
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let open = op["security"] == serde_json::json!([]);
            let expected_open = path.starts_with("/api/v1/public/")
                || path == "/healthz"
                || path == "/api/openapi.json";
            assert_eq!(open, expected_open, "{method} {path}: {}", op["security"]);
            // The roles that may call it, as the server decides (the role matrix tests that).
            if !open {
                let roles = op["x-roles"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{method} {path} lists its roles"));
                assert!(
                    roles.iter().any(|r| r == "admin"),
                    "{method} {path}: {roles:?}"
                );
            }
            if method == "get" && !path.contains('{') && !open {
                let r = t
                    .http
                    .get(format!("{}{path}", t.base))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 401, "{path} without a token");
            }
        }
    }
    // What schemathesis found: a 204 has no body to type, a file is a file, an import answers
    // 202; and a body that is not a JSON object is refused (it was read as a struct's fields).
    let paths = &doc["paths"];
    assert!(paths["/api/v1/care/rules/{id}"]["delete"]["responses"]["204"]["content"].is_null());
    assert!(
        paths["/api/v1/complaints/export"]["get"]["responses"]["200"]["content"]["text/csv"]
            .is_object()
    );
    assert!(paths["/api/v1/imports/{kind}"]["post"]["responses"]["202"].is_object());
    for body in ["[]", "[\"x@example.cn\", true]", "7", "\"text\""] {
        let r = t
            .put("admin", "/api/v1/users/admin/contact")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{body}");
        let (_, e) = json(r).await;
        assert_eq!(e["error"]["code"], "invalid_json", "{body}: {e}");
    }
    // The analysis run's optional body too (read by hand: it may be empty).
    let r = t
        .post("admin", "/api/v1/churn/runs")
        .header("content-type", "application/json")
        .body("[null]")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400, "an array is no run request");
    let docs = t
        .http
        .get(format!("{}/api/docs", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        docs.contains("/api/v1/customers")
            && !docs.contains("http://")
            && !docs.contains("https://"),
        "docs page has no external assets"
    );
    // The document states the ranges the server enforces (issue 19), and the server refuses
    // a number outside them in words instead of clamping it.
    let outbox = &doc["paths"]["/api/v1/care/outbox"]["get"]["parameters"][1]["schema"];
    assert_eq!(
        (&outbox["type"], &outbox["minimum"], &outbox["maximum"]),
        (&json!("integer"), &json!(1), &json!(1000))
    );
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["Reply"]["properties"]["body"]["maxLength"], 4000);
    assert_eq!(
        schemas["CareRule"]["properties"]["daily_limit"]["maximum"],
        10000
    );
    assert_eq!(schemas["Bulk"]["properties"]["ids"]["maxItems"], 200);
    assert_eq!(schemas["NewWave"]["properties"]["valid_days"]["minimum"], 1);
    for (path, field) in [
        ("/api/v1/care/outbox?limit=0", "limit"),
        ("/api/v1/care/outbox?limit=1001", "limit"),
        ("/api/v1/churn/at-risk?limit=5000", "limit"),
        ("/api/v1/churn/at-risk?threshold=1.5", "threshold"),
        ("/api/v1/churn/winback/candidates?limit=0", "limit"),
        ("/api/v1/audit?limit=100000", "limit"),
        ("/api/v1/complaints?limit=0", "limit"),
        ("/api/v1/complaints?offset=-1", "offset"),
    ] {
        let (s, e) = t.get_json("admin", path).await;
        assert_eq!(s, 422, "{path}: {e}");
        assert_eq!(
            e["error"]["details"]["fields"][0]["field"], field,
            "{path}: {e}"
        );
    }
}
both!(health_and_openapi);
