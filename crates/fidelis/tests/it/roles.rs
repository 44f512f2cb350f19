//! The role matrix: every API operation × every caller (anonymous, a survey-link holder, agent,
//! analyst, manager, administrator) with the status each must get, on SQLite and PostgreSQL.
//!
//! The operations are read from the route table itself (`.route(…)` in `crates/http/src`), so a
//! new route without a row in the API's access table (`http_api::access::NEEDS`) fails this
//! test, as does a row whose route is gone. A row names what the operation needs: nothing (the
//! public survey link), a signed-in user, or a permission of `domain::access` — the one
//! permission table the app checks. Each caller then must get: anonymous 401 (public: not 401/403); the link holder, whose link is no API token,
//! 401 (public: its own form); a role without the permission 403; a role with it neither 401
//! nor 403 — and nobody ever a 500.

use super::harness::TestApp;
use crate::both;
use domain::access::Role;
use http_api::access::NEEDS as MATRIX;
use serde_json::json;

/// `(METHOD, path)` of every `.route(…)` in the API crate's sources (the nested ones under
/// `/api/v1`), read from the route table as written.
fn routed() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../http/src");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let src = std::fs::read_to_string(&p).unwrap();
        let top = p.file_name().is_some_and(|n| n == "lib.rs");
        let mut rest = src.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            // The call's text, up to its closing parenthesis.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap();
            let call = &rest[..end];
            let q = call.find('"').unwrap();
            let path = &call[q + 1..q + 1 + call[q + 1..].find('"').unwrap()];
            if path.contains('*') {
                continue; // the API's own 404 for anything else
            }
            let full = if top {
                path.to_string()
            } else {
                format!("/api/v1{path}")
            };
            let methods = &call[q + path.len() + 2..];
            for m in ["get", "post", "put", "patch", "delete"] {
                let mut from = 0;
                while let Some(k) = methods[from..].find(&format!("{m}(")) {
                    let k = from + k;
                    let before = methods[..k].chars().last().unwrap_or(' ');
                    if matches!(before, '.' | ':' | ' ' | '\n' | ',') {
                        out.push((m.to_uppercase(), full.clone()));
                    }
                    from = k + 1;
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A survey link of a wave of one customer: the link holder's credential.
async fn link_token(t: &TestApp) -> String {
    let (s, c) = t
        .post_json(
            "manager",
            "/api/v1/customers",
            &json!({"external_id": "R1", "name": "链接客户"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let (_, (s, w)) = super::surveys::survey_wave(
        t,
        json!({"name": "矩阵", "template": "nps"}),
        json!({"name": "W", "size": 1, "exclude_days": 0}),
    )
    .await;
    assert_eq!(s, 201, "{w}");
    let links = super::surveys::links(t, w["id"].as_i64().unwrap()).await;
    super::surveys::token_of(&links[0])
}

async fn role_matrix(t: &TestApp) {
    // Every routed operation has a row, and every row a route.
    let routes = routed();
    assert!(routes.len() > 90, "the route table was read: {routes:?}");
    let rows: Vec<(String, String)> = MATRIX
        .iter()
        .map(|(op, _)| {
            let (m, p) = op.split_once(' ').unwrap();
            (m.to_string(), p.to_string())
        })
        .collect();
    let missing: Vec<_> = routes.iter().filter(|r| !rows.contains(r)).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the role matrix: {missing:?}"
    );
    let gone: Vec<_> = rows.iter().filter(|r| !routes.contains(r)).collect();
    assert!(gone.is_empty(), "rows without a route: {gone:?}");

    let link = link_token(t).await;
    let mut wrong = Vec::new();
    for (op, need) in MATRIX {
        let (method, path) = op.split_once(' ').unwrap();
        let url = format!(
            "{}{}",
            t.base,
            path.replace("{id}", "999999")
                .replace("{kind}", "customers")
                .replace("{username}", "nobody-here")
                .replace("{name}", "nobody-here")
                .replace("{token}", &link)
        );
        // (caller, bearer token) — the link holder presents their link as a token.
        let mut callers: Vec<(&str, Option<&str>)> =
            vec![("anonymous", None), ("link holder", Some(link.as_str()))];
        for r in Role::ALL {
            callers.push((r.as_str(), Some(t.tokens[r.as_str()].as_str())));
        }
        for (who, token) in callers {
            let mut req = t
                .http
                .request(method.parse().unwrap(), &url)
                .header("accept-language", "en");
            if let Some(tok) = token {
                req = req.bearer_auth(tok);
            }
            if method != "GET" && method != "DELETE" {
                req = req.json(&json!({}));
            }
            let status = req.send().await.unwrap().status().as_u16();
            let role = Role::parse(who).ok();
            let allowed = need.allows(role);
            let expected_refusal = match role {
                None => 401,
                Some(_) => 403,
            };
            let ok = status < 500
                && if allowed {
                    status != 401 && status != 403
                } else {
                    status == expected_refusal
                };
            if !ok {
                wrong.push(format!(
                    "{op} as {who}: {status} (expected {})",
                    if allowed {
                        "neither 401 nor 403".to_string()
                    } else {
                        expected_refusal.to_string()
                    }
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
both!(role_matrix);
