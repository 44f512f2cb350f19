//! The OpenAPI 3.1 document for `/api/v1` and a self-contained docs page generated from it (no
//! external assets).

use axum::response::{Html, IntoResponse};
use serde_json::{json, Value};

fn error_responses() -> Value {
    let mut m = serde_json::Map::new();
    for code in domain::ErrorCode::all() {
        let status = code.http_status().to_string();
        let entry = m.entry(status).or_insert_with(|| json!({ "description": "", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }));
        let d = entry["description"].as_str().unwrap_or("").to_string();
        entry["description"] = json!(if d.is_empty() {
            code.code().to_string()
        } else {
            format!("{d}, {}", code.code())
        });
    }
    Value::Object(m)
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An operation: its success answer without a body (204), as a file (CSV or xlsx), as JSON —
/// or, where a `format` parameter asks for it, as JSON or a file.
fn op(summary: &str, params: Value, body: Option<&str>, ok: (&str, &str)) -> Value {
    let mut responses = error_responses();
    let files = json!({ "text/csv": {}, XLSX: {} });
    let asks_file = params
        .as_array()
        .is_some_and(|ps| ps.iter().any(|p| p["name"] == "format"));
    responses[ok.0] = match (ok.0, ok.1) {
        ("204", _) => json!({ "description": ok.1 }),
        (_, "the file") => json!({ "description": ok.1, "content": files }),
        _ if asks_file => {
            json!({ "description": ok.1, "content": { "application/json": {}, "text/csv": {}, XLSX: {} } })
        }
        _ => json!({ "description": ok.1, "content": { "application/json": {} } }),
    };
    let mut o = json!({ "summary": summary, "parameters": params, "responses": responses, "security": [{ "bearer": [] }] });
    if let Some(schema) = body {
        o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    }
    o
}

/// An import's answers: 202 with the job started, 200 with it finished (`wait=true`).
fn import_responses() -> Value {
    let mut r = error_responses();
    r["202"] = json!({ "description": "the job, started", "content": { "application/json": {} } });
    r["200"] = json!({ "description": "with wait=true: the job, finished", "content": { "application/json": {} } });
    r
}

fn id_param() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } })
}

/// An optional query parameter; its schema follows from the description the server's parsing
/// matches: `true: …` is a boolean, a description naming an id is an integer, one starting
/// with a range `A–B` a whole number in it; the rest are text.
fn q(name: &str, desc: &str) -> Value {
    let schema = if desc.starts_with("true") {
        json!({ "type": "boolean", "description": desc })
    } else if let Some((lo, hi)) = leading_range(desc) {
        json!({ "type": "integer", "minimum": lo, "maximum": hi, "description": desc })
    } else if desc.contains("'s id") || desc.contains("(its id)") || desc.contains("store id") {
        json!({ "type": "integer", "description": desc })
    } else {
        json!({ "type": "string", "description": desc })
    };
    json!({ "name": name, "in": "query", "required": false, "description": desc, "schema": schema })
}

/// `A–B` (an en dash between two whole numbers) at the start of `text`.
fn leading_range(text: &str) -> Option<(i64, i64)> {
    let (lo, rest) = text.split_once('–')?;
    let hi: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((lo.parse().ok()?, hi.parse().ok()?))
}

/// The one range `A–B` a description states anywhere (numbers may have a fraction), if
/// exactly one.
fn only_range(text: &str) -> Option<(f64, f64)> {
    let mut found = None;
    for (i, _) in text.match_indices('–') {
        let before: String = text[..i]
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let after: String = text[i + '–'.len_utf8()..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let (Ok(lo), Ok(hi)) = (before.parse::<f64>(), after.parse::<f64>()) else {
            continue;
        };
        if found.is_some() {
            return None;
        }
        found = Some((lo, hi));
    }
    found
}

/// A number written after `marker` in `text` (e.g. "≤ 200").
fn number_after(text: &str, marker: &str) -> Option<u64> {
    let rest = text.split_once(marker)?.1.trim_start();
    let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
    n.parse().ok()
}

/// The choices a description lists as `a | b | c` (words only), as the schema's enum: the
/// document states what the server accepts instead of leaving it in prose. A query parameter
/// may also be empty (its default).
fn constrain(v: &mut Value, query: bool) {
    match v {
        Value::Object(m) => {
            let choices = m
                .get("description")
                .and_then(Value::as_str)
                .filter(|_| m.get("type") == Some(&json!("string")) && !m.contains_key("enum"))
                .map(|d| d.split(" | ").map(str::to_string).collect::<Vec<_>>())
                .filter(|c| {
                    c.len() > 1
                        && c.iter().all(|w| {
                            !w.is_empty()
                                && w.chars().all(|ch| {
                                    ch.is_ascii_lowercase()
                                        || ch.is_ascii_digit()
                                        || ch == '_'
                                        || ch == '-'
                                })
                        })
                });
            if let Some(mut c) = choices {
                if query {
                    c.insert(0, String::new());
                }
                m.insert("enum".into(), json!(c));
            }
            bounds(m, query);
            let is_query = m.get("in") == Some(&json!("query"));
            for (k, x) in m.iter_mut() {
                constrain(x, query || (is_query && k == "schema"));
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| constrain(x, query)),
        _ => {}
    }
}

/// Lengths, ranges and formats the description of a body field states, as the schema's
/// keywords (the server enforces each; schemathesis's negative-data check holds it to that):
/// text "A–B characters", "≤ N" or "N characters or more"; whole numbers and numbers with one
/// range "A–B"; lists of "A–B" things. (Dates stay prose: the server also reads YYYY/MM/DD and
/// YYYYMMDD, and an empty optional date means none.)
fn bounds(m: &mut serde_json::Map<String, Value>, query: bool) {
    let Some(d) = m
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    let types: Vec<String> = match m.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(String::from))
            .collect(),
        _ => return,
    };
    let has = |t: &str| types.iter().any(|x| x == t);
    if has("string") && !m.contains_key("enum") && !query {
        if let Some((lo, hi)) = only_range(&d).filter(|_| d.contains("characters")) {
            m.insert("minLength".into(), json!(lo as u64));
            m.insert("maxLength".into(), json!(hi as u64));
        } else if let Some(n) = number_after(&d, "≤").or_else(|| number_after(&d, "at most")) {
            m.insert("maxLength".into(), json!(n));
        } else if let Some(n) = d
            .split_once(" characters or more")
            .and_then(|(n, _)| n.parse::<u64>().ok())
        {
            m.insert("minLength".into(), json!(n));
        }
    }
    if (has("integer") || has("number")) && !m.contains_key("minimum") {
        if let Some((lo, hi)) = only_range(&d) {
            let whole = |v: f64| {
                if v.fract() == 0.0 {
                    json!(v as i64)
                } else {
                    json!(v)
                }
            };
            m.insert("minimum".into(), whole(lo));
            m.insert("maximum".into(), whole(hi));
        }
    }
    if has("array") {
        if let Some((lo, hi)) = only_range(&d) {
            m.insert("minItems".into(), json!(lo as u64));
            m.insert("maxItems".into(), json!(hi as u64));
        }
    }
}

pub fn spec() -> Value {
    let mut doc = paths_and_schemas();
    // Each operation's real security, from the access table: the public survey endpoints take
    // no token (the link in the path is the credential, with its own abuse limits); health and
    // this document are open too; everything else needs a bearer token of one of the roles
    // listed in `x-roles`.
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, ops) in paths.iter_mut() {
            if let Some(ops) = ops.as_object_mut() {
                for (method, op) in ops.iter_mut() {
                    match crate::access::need(&method.to_uppercase(), path) {
                        Some(crate::access::Need::Public) => op["security"] = json!([]),
                        Some(n) => {
                            op["x-roles"] = domain::access::Role::ALL
                                .into_iter()
                                .filter(|r| n.allows(Some(*r)))
                                .map(|r| r.as_str())
                                .collect();
                        }
                        None => {}
                    }
                }
            }
        }
        for (path, summary) in [
            (
                "/healthz",
                "Whether the server and its store answer (no token)",
            ),
            ("/api/openapi.json", "This document (no token)"),
        ] {
            paths.insert(
                path.to_string(),
                json!({ "get": { "summary": summary, "security": [], "responses": { "200": { "description": "ok" } } } }),
            );
        }
    }
    // The analysis takes its options from an optional body (none: the defaults) and, with
    // wait=true, answers 200 with the finished run.
    let run = &mut doc["paths"]["/api/v1/churn/runs"]["post"];
    run["requestBody"]["required"] = json!(false);
    run["responses"]["200"] = json!({ "description": "with wait=true: the run, finished", "content": { "application/json": {} } });
    constrain(&mut doc, false);
    doc
}

fn paths_and_schemas() -> Value {
    let text = |d: &str| json!({ "type": "string", "description": d });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Fidelis API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Customer information base, imports, users, customer-value analyses (churn) and satisfaction surveys. Authenticate with `Authorization: Bearer <token>` (create one with `fidelis token create --username U`). Errors are `{\"error\":{\"code\",\"message\",\"details\"}}`; `Accept-Language: zh-CN` gives Chinese messages."
        },
        "paths": {
            "/api/v1/customers": {
                "get": op("List customers (search, filters, pagination); answers {items, total, page, per_page}", json!([
                    q("q", "search in name, phone, e-mail, external id"), q("region", "exact region"), q("channel", "exact acquisition channel"),
                    q("tag", "has this tag"), q("segment", "exact segment"), q("saved_segment", "a saved loyalty segment's id: only its customers, by value at risk (needs analytics rights)"), q("page", "1–1000000, default 1"), q("per_page", "1–1000, default 50")
                ]), None, ("200", "a page of customers")),
                "post": op("Create a customer", json!([]), Some("CustomerFields"), ("201", "the customer"))
            },
            "/api/v1/customers/{id}": {
                "get": op("A customer with preferences, key figures and timeline", json!([id_param()]), None, ("200", "the profile")),
                "put": op("Replace a customer's fields; `version` must be the current version (else 409)", json!([id_param()]), Some("CustomerUpdate"), ("200", "the customer, version + 1")),
                "delete": op("Delete a customer with its transactions, contacts and notes", json!([id_param()]), None, ("204", "deleted"))
            },
            "/api/v1/customers/{id}/transactions": {
                "get": op("A customer's transactions, newest first", json!([id_param(), q("page", "1–1000000, default 1"), q("per_page", "1–1000, default 100")]), None, ("200", "a page of transactions"))
            },
            "/api/v1/customers/{id}/interactions": {
                "post": op("Record a contact (call, visit, message, email, wechat, care)", json!([id_param()]), Some("Interaction"), ("201", "the contact"))
            },
            "/api/v1/customers/{id}/notes": {
                "post": op("Add a note", json!([id_param()]), Some("Note"), ("201", "the note id"))
            },
            "/api/v1/transactions": {
                "post": op("Record one transaction", json!([]), Some("TransactionFields"), ("201", "the transaction"))
            },
            "/api/v1/imports": {
                "get": op("Recent import jobs", json!([]), None, ("200", "{items, total}"))
            },
            "/api/v1/imports/{kind}": {
                "post": {
                    "summary": "Upload a CSV (UTF-8 or GB18030) or xlsx file as the body to import `customers` or `transactions`, all or nothing. Answers 202 with the job; `wait=true` answers with the outcome.",
                    "parameters": [
                        { "name": "kind", "in": "path", "required": true, "schema": { "enum": ["customers", "transactions"] } },
                        q("filename", "name of the file (its extension .csv/.xlsx decides the format)"),
                        q("encoding", "utf-8 | gb18030 | gbk (default: detected)"),
                        q("map", "column overrides target=source, comma-separated"),
                        q("wait", "true to wait for the outcome")
                    ],
                    "requestBody": { "content": { "text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {} } },
                    "responses": import_responses(),
                    "security": [{ "bearer": [] }]
                }
            },
            "/api/v1/imports/jobs/{id}": {
                "get": op("An import job: status, counts, row-level errors, live progress", json!([id_param()]), None, ("200", "the job"))
            },
            "/api/v1/churn/runs": {
                "get": op("Customer-value analysis runs, newest first, without summaries (managers, analysts, administrators)", json!([]), None, ("200", "{items, total}")),
                "post": op("Start an analysis of the stored transactions in the background (BG/NBD, Gamma-Gamma, CLV, RFM, cohorts, churn); every field optional; 409 analysis_running while one runs", json!([q("wait", "true: answer 200 when it has finished")]), Some("ClvRun"), ("202", "{run, progress}"))
            },
            "/api/v1/churn/runs/{id}": {
                "get": op("A run: status, options, summary (same keys as `fidelis analyze clv --summary-json`, plus segments), error, live progress", json!([id_param()]), None, ("200", "{run, progress}"))
            },
            "/api/v1/churn/latest": {
                "get": op("The newest finished run with its summary", json!([]), None, ("200", "{run}"))
            },
            "/api/v1/churn/at-risk": {
                "get": op("Valuable customers at risk: P(alive) below the threshold, by total spend (the win-back list)", json!([{ "name": "threshold", "in": "query", "required": false, "description": "0–1, default: the latest run's churn threshold", "schema": { "type": "number", "minimum": 0, "maximum": 1 } }, q("limit", "1–1000, default 50")]), None, ("200", "{threshold, items}"))
            },
            "/api/v1/churn/customers": {
                "get": op("Every analysed customer's values from the latest run, by descending CLV, as a file", json!([q("format", "csv (UTF-8), csv-gb18030 or xlsx")]), None, ("200", "the file"))
            },
            "/api/v1/customers/{id}/value": {
                "get": op("A customer's RFM, P(alive), expected purchases, expected spend, CLV and churn flags from the latest run (null before their first purchase or any run)", json!([id_param()]), None, ("200", "{customer_id, value}"))
            },
            "/api/v1/loyalty/runs": {
                "post": op("Classify every customer now (loyalty type by attachment × repeat with reasons, churn status under the headline definition, churn-type proposals); managers and analysts", json!([]), None, ("201", "{run_id, summary}"))
            },
            "/api/v1/loyalty/latest": {
                "get": op("The newest classification: summary (type mix, evidence coverage, headline churn and retention, segments, the three faces of loyalty, contract retention by sBG, movement) and counts per type, previous type, status and top 20 %", json!([]), None, ("200", "{run, mix}"))
            },
            "/api/v1/loyalty/customers": {
                "get": op("Customers with their loyalty type, churn status, value at risk and reasons, by value at risk", json!([q("type", "premium | true | latent | inertia | convenience | incentive | monopoly | kinship | benefit | spurious | price | none | partial_repeat_high | partial_repeat_low | partial_attachment_high | partial_attachment_low | unknown"), q("status", "active | at_risk | churned (comma-separated)"), q("segment", "customer segment"), q("top20", "true: the top 20 % by spend"), q("saved", "a saved segment's id instead of the filters"), q("limit", "1–1000, default 50"), q("offset", "0–10000000, default 0"), q("format", "csv | csv-gb18030 | xlsx: the whole list as a file")]), None, ("200", "{items, total}"))
            },
            "/api/v1/loyalty/settings": {
                "get": op("Loyalty thresholds and churn settings (headline definition, proposal words, causes, win-back window)", json!([]), None, ("200", "{loyalty, churn}")),
                "put": op("Replace both settings; every field is checked and nothing is saved when one is out of range (managers)", json!([]), Some("LoyaltySettings"), ("200", "{loyalty, churn}"))
            },
            "/api/v1/loyalty/segments": {
                "get": op("Saved segments", json!([]), None, ("200", "{items}")),
                "post": op("Save a filter of the loyalty list under a name", json!([]), Some("SavedSegment"), ("201", "{id}"))
            },
            "/api/v1/loyalty/segments/{id}": {
                "delete": op("Delete a saved segment", json!([id_param()]), None, ("204", "deleted"))
            },
            "/api/v1/care/rules": {
                "get": op("Care rules with what each did (fired, dry-run hits, messages sent/failed/queued, tasks open/done)", json!([]), None, ("200", "{items}")),
                "post": op("Create a care rule (managers); every field is checked, unknown placeholders and webhooks to this server refused", json!([]), Some("CareRule"), ("201", "the rule"))
            },
            "/api/v1/care/rules/{id}": {
                "get": op("A care rule and its stats", json!([id_param()]), None, ("200", "the rule")),
                "put": op("Replace a rule at its version (mode off | dry_run | on)", json!([id_param()]), Some("CareRuleUpdate"), ("200", "the rule")),
                "delete": op("Delete a rule (its firings go with it)", json!([id_param()]), None, ("204", "deleted"))
            },
            "/api/v1/care/rules/{id}/dry-run": {
                "get": op("Whom the rule would hit today (nothing is recorded)", json!([id_param()]), None, ("200", "{total, items}"))
            },
            "/api/v1/care/templates": {
                "get": op("The ready rules, in the reader's language", json!([]), None, ("200", "{items}"))
            },
            "/api/v1/care/sweep": {
                "post": op("Sweep the daily triggers now and send what is due (the server does both by itself every minute and every two seconds)", json!([]), None, ("200", "{fired, sent}"))
            },
            "/api/v1/care/outbox": {
                "get": op("The delivery log of e-mails and webhooks, newest first (secrets left out)", json!([q("firing", "one firing's messages (its id)"), q("limit", "1–1000, default 100")]), None, ("200", "{items}"))
            },
            "/api/v1/care/smtp": {
                "get": op("The SMTP settings without the password (administrators; null: not set up)", json!([]), None, ("200", "{host, port, security, username, password_env, from, password_stored}")),
                "put": op("SMTP settings (administrators). A password given here is stored sealed with the server's key and never shown; left empty, the stored one is kept; password_env names an environment variable to take it from instead", json!([]), Some("Smtp"), ("204", "saved"))
            },
            "/api/v1/care/smtp/test": {
                "post": op("Send a test e-mail", json!([]), Some("TestMail"), ("200", "{sent}"))
            },
            "/api/v1/care/tasks": {
                "get": op("Care tasks: one's own (agents, or mine=true), everyone's, or a customer's", json!([q("mine", "true: only mine"), q("customer", "a customer's store id")]), None, ("200", "{items}"))
            },
            "/api/v1/me/contact": {
                "put": op("One's own e-mail address (empty: none) and whether one's notifications also go there by e-mail", json!([]), Some("Contact"), ("200", "the user"))
            },
            "/api/v1/users/{username}": {
                "put": op("Change a user's role or deactivate them (administrators; not oneself); a deactivated user's sessions end", json!([{ "name": "username", "in": "path", "required": true, "schema": { "type": "string" } }]), Some("UserAccess"), ("200", "the user"))
            },
            "/api/v1/users/{username}/password": {
                "post": op("Set a new password for a user (administrators)", json!([{ "name": "username", "in": "path", "required": true, "schema": { "type": "string" } }]), Some("NewPassword"), ("204", "set"))
            },
            "/api/v1/users/{username}/contact": {
                "put": op("A user's e-mail address and e-mail notification preference (administrators)", json!([{ "name": "username", "in": "path", "required": true, "schema": { "type": "string" } }]), Some("Contact"), ("200", "the user"))
            },
            "/api/v1/care/tasks/{id}/close": {
                "post": op("Close a care task: done (with what came of it) or dismissed; by its assignee or a manager. A complaint's follow-up visit is done by the case's follow_up step instead", json!([id_param()]), Some("CloseTask"), ("200", "the task"))
            },
            "/api/v1/notifications": {
                "get": op("The signed-in user's notifications and how many are unread", json!([]), None, ("200", "{unread, items}"))
            },
            "/api/v1/notifications/read": {
                "post": op("Mark all of one's notifications read", json!([]), None, ("200", "{read}"))
            },
            "/api/v1/customers/{id}/loyalty": {
                "get": op("A customer's loyalty type with reasons and advice, churn assessment with its history, and win-back tasks", json!([id_param()]), None, ("200", "{profile, type_label, advice, reasons, partial, assessment, history, tasks}"))
            },
            "/api/v1/customers/{id}/churn-type": {
                "put": op("Confirm or correct a customer's churn type and cause at the assessment's version (kept in the history with who and when; managers)", json!([id_param()]), Some("ChurnType"), ("200", "the assessment"))
            },
            "/api/v1/churn/types": {
                "get": op("Churned and at-risk customers by month, churn type (confirmed, else proposed) and cause", json!([]), None, ("200", "{items}"))
            },
            "/api/v1/churn/winback/candidates": {
                "get": op("Valuable customers at risk or gone without an open win-back task, by value at risk = total spend × (1 − P(alive))", json!([q("limit", "1–1000, default 50")]), None, ("200", "{items, total, order}"))
            },
            "/api/v1/churn/winback/tasks": {
                "get": op("Win-back tasks (an agent: their own), open first by due time", json!([q("mine", "true: mine only"), q("open", "true: open only"), q("customer_id", "a customer's store id")]), None, ("200", "{items}")),
                "post": op("Create win-back tasks for customers (managers); customers with an open task are skipped", json!([]), Some("WinbackTasks"), ("201", "{created, skipped}"))
            },
            "/api/v1/churn/winback/tasks/{id}": {
                "get": op("A win-back task", json!([id_param()]), None, ("200", "the task"))
            },
            "/api/v1/churn/winback/tasks/{id}/steps": {
                "post": op("A step at the task's version: contact (apologised, unhappy_with), remedy (remedy), outcome (won_back | declined | unreachable, note)", json!([id_param()]), Some("WinbackStep"), ("200", "the task, version + 1"))
            },
            "/api/v1/churn/winback/tasks/{id}/assignee": {
                "put": op("Reassign a task at its version (managers)", json!([id_param()]), Some("Assign"), ("200", "the task"))
            },
            "/api/v1/churn/winback/rates": {
                "get": op("Win-back rate: closed tasks whose customer was won back and bought again within N days, per churn type, cause and agent", json!([]), None, ("200", "{days, overall, by_type, by_cause, by_agent}"))
            },
            "/api/v1/complaints": {
                "get": op("Complaint cases the reader may see (an agent: own and team's), newest first", json!([q("state", "open | received | acknowledged | analysed | proposed | resolved | followed_up | closed"), q("severity", "low | medium | high | critical"), q("cause", "product | service | false_information | customer_or_outside | high_expectations"), q("assignee", ""), q("mine", "1: my cases"), q("overdue", "1: open cases past a due time"), q("escalated", "1: escalated to me"), q("customer_id", "a customer's store id"), q("limit", "1–1000, default 50"), q("offset", "0–10000000, default 0")]), None, ("200", "{items, total}")),
                "post": op("Record a complaint (due times from its severity's service levels)", json!([]), Some("NewComplaint"), ("201", "the case with history, tasks, allowed steps and timers"))
            },
            "/api/v1/complaints/{id}": {
                "get": op("A case: its fields, append-only history, follow-up tasks, the steps the reader may take, and its timers", json!([id_param()]), None, ("200", "the case"))
            },
            "/api/v1/complaints/{id}/steps": {
                "post": op("Take a handling step at the version last seen (409 version_conflict if stale, 409 invalid_transition if the state does not allow it)", json!([id_param()]), Some("ComplaintStep"), ("200", "the case"))
            },
            "/api/v1/complaints/{id}/assign": {
                "post": op("Assign the case (managers: anyone who works cases; agents: themselves)", json!([id_param()]), Some("Assign"), ("200", "the case"))
            },
            "/api/v1/complaints/{id}/reply": {
                "post": op("Reply to the customer: by e-mail (in the customer's language, through the outbox) or recorded as said another way; a 'reply' in the case's history", json!([id_param()]), Some("Reply"), ("200", "the case"))
            },
            "/api/v1/complaints/bulk": {
                "post": op("Assign or close several cases at once (managers); each is its own step, cases it does not fit are listed with why", json!([]), Some("Bulk"), ("200", "{done: [ids], refused: [[id, why]]}"))
            },
            "/api/v1/complaints/{id}/customer": {
                "post": op("Link a case recorded for an unknown caller to a customer", json!([id_param()]), Some("LinkCustomer"), ("200", "the case"))
            },
            "/api/v1/complaints/tasks": {
                "get": op("Open follow-up tasks (agents: their own)", json!([q("mine", "1: only mine")]), None, ("200", "{items, total}"))
            },
            "/api/v1/complaints/tasks/{id}/done": {
                "post": op("Record a follow-up task's result", json!([id_param()]), Some("TaskDone"), ("200", "the task"))
            },
            "/api/v1/complaints/teams": {
                "get": op("Teams with their manager and members", json!([]), None, ("200", "{items}")),
                "post": op("Create a team (managers)", json!([]), Some("NewTeam"), ("201", "the team"))
            },
            "/api/v1/complaints/teams/{id}": {
                "put": op("Rename a team or change its manager (managers); care tasks and rules for team:NAME follow a new name", json!([id_param()]), Some("TeamChange"), ("200", "the team"))
            },
            "/api/v1/complaints/teams/members/{name}": {
                "put": op("Put a user who works cases in a team, or in none (team_id null)", json!([{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}]), Some("Membership"), ("204", "done"))
            },
            "/api/v1/complaints/export": {
                "get": op("The cases of a list (same filters as the list) as a file, up to 100,000", json!([q("format", "csv (UTF-8), csv-gb18030 or xlsx"), q("state", ""), q("mine", ""), q("overdue", "")]), None, ("200", "the file"))
            },
            "/api/v1/complaints/overview": {
                "get": op("Managers' and analysts' overview: open cases by state, severity and age, overdue, volume by cause per month, first-response and resolution times, breach rates, share resolved on the spot, follow-up satisfaction, recovery rate (on the spot vs later vs non-complainants), lessons; computed at most once a minute", json!([]), None, ("200", "the overview"))
            },
            "/api/v1/complaints/settings": {
                "get": op("Service levels per severity, business hours and holidays, follow-up and recovery days, sub-causes", json!([]), None, ("200", "the settings")),
                "put": op("Replace the complaint settings (managers)", json!([]), Some("ComplaintSettings"), ("200", "the settings"))
            },
            "/api/v1/surveys": {
                "get": op("Surveys with their waves (invited, started, answered)", json!([]), None, ("200", "{items: [{survey, waves}], total}")),
                "post": op("Create a survey from a template (ecsi, acsi, csat, nps, post_complaint) or a whole questionnaire", json!([]), Some("NewSurvey"), ("201", "the survey"))
            },
            "/api/v1/surveys/{id}": {
                "get": op("A survey: its questionnaire (elements, paths, items), waves and action plans", json!([id_param()]), None, ("200", "{survey, questionnaire, waves, plans}"))
            },
            "/api/v1/surveys/{id}/questionnaire": {
                "put": op("Replace the questionnaire (while only pre-test waves were sent); checked: unique codes, known elements, acyclic paths, sound scales", json!([id_param()]), Some("Questionnaire"), ("200", "the survey"))
            },
            "/api/v1/surveys/{id}/waves": {
                "post": op("Send a wave: draw the sample (segment, size, leaving out customers invited in the last exclude_days) and make one personal link each", json!([id_param()]), Some("NewWave"), ("201", "the wave"))
            },
            "/api/v1/surveys/waves/{id}": {
                "get": op("A wave's results: CSAT/NPS/CES/means with 95 % intervals, c = b/a, distributions, open answers, the PLS model (CSI, element indices, paths, importance–performance quadrants), satisfaction against later purchases; with bootstrap=N (up to 5000, seeded with the wave id) the paths' 95 % percentile intervals and standard errors", json!([id_param(), q("bootstrap", "0–5000, default 0: resamples for the paths' intervals")]), None, ("200", "the results"))
            },
            "/api/v1/surveys/waves/{id}/links": {
                "get": op("A wave's invitations with their personal link paths (/s/{token})", json!([id_param()]), None, ("200", "{items, total}"))
            },
            "/api/v1/surveys/waves/{id}/export": {
                "get": op("One table of a wave's results as a file", json!([id_param(), q("table", "measures, elements, paths, segments, periods, gaps, behaviour, distributions or comments"), q("format", "csv (UTF-8), csv-gb18030 or xlsx"), q("bootstrap", "0–5000, default 0: resamples for the paths' intervals (table paths)")]), None, ("200", "the file"))
            },
            "/api/v1/surveys/waves/{id}/close": {
                "post": op("Close a wave: its links stop accepting answers", json!([id_param()]), None, ("204", "closed"))
            },
            "/api/v1/surveys/waves/{id}/plans": {
                "post": op("A PDCA action plan on one element of the wave's model (its index is the baseline)", json!([id_param()]), Some("NewPlan"), ("201", "the plan"))
            },
            "/api/v1/surveys/plans/{id}": {
                "patch": op("Move a plan through plan → do → check → act → done", json!([id_param()]), Some("PlanStatus"), ("200", "the plan"))
            },
            "/api/v1/customers/{id}/survey-responses": {
                "get": op("A customer's answered surveys, newest first", json!([id_param()]), None, ("200", "{items, total}"))
            },
            "/api/v1/public/surveys/{token}": {
                "get": op("No token needed: the link's questionnaire and saved answers (404 survey_link_invalid, 409 survey_already_answered, 410 survey_link_expired / survey_closed); an open link also gives `started`, to send back with its answer", json!([{ "name": "token", "in": "path", "required": true, "schema": { "type": "string" } }]), None, ("200", "{questionnaire, answers, expires_at}")),
                "post": op("No token needed: save the link's answers (all so far), or submit them once (`submit: true`); bad answers are refused per item (422 answers_rejected) and nothing is saved. An open link takes one submission with the `started` stamp of its GET (422 survey_spam within seconds of it or without it; 429 after a few answers from one address and wave in an hour)", json!([{ "name": "token", "in": "path", "required": true, "schema": { "type": "string" } }]), Some("Answers"), ("204", "saved"))
            },
            "/api/v1/me": { "get": op("The caller", json!([]), None, ("200", "user name, role, language")) },
            "/api/v1/users": {
                "get": op("Users (administrators)", json!([]), None, ("200", "{items, total}")),
                "post": op("Add a user (administrators)", json!([]), Some("NewUser"), ("201", "the user"))
            },
            "/api/v1/audit": {
                "get": op("Audit log, newest first (managers, administrators)", json!([q("entity", "the kind of thing changed, e.g. customer, user, customers (an import), transactions, complaint"), q("limit", "1–1000, default 100")]), None, ("200", "{items, total}"))
            }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": { "type": "object", "properties": { "error": { "type": "object", "properties": {
                    "code": { "type": "string", "enum": domain::ErrorCode::all().map(|c| c.code()).collect::<Vec<_>>() },
                    "message": { "type": "string" }, "details": {} } } } },
                "CustomerFields": { "type": "object", "required": ["external_id", "name"], "properties": {
                    "external_id": text("id in your own systems, 1–64 characters"), "name": text("required"), "phone": text(""), "email": text(""),
                    "gender": text("female | male | other | unknown (女/男)"), "birthday": text("YYYY-MM-DD"),
                    "important_dates": text("label=YYYY-MM-DD; label=YYYY-MM-DD"), "region": text(""), "channel": text("acquisition channel"),
                    "referred_by": text("external id of the referring customer"), "tags": text("comma-separated"), "segment": text(""),
                    "consent": text("email, sms, wechat, phone"), "preferences": text("key=value; key=value"),
                    "contract_start": text("YYYY-MM-DD: a contract or membership started (contractual customers churn when they cancel)"),
                    "contract_end": text("YYYY-MM-DD: its cancellation; empty while it runs; not before contract_start"),
                    "category_spend": text("What the customer spends a year in the category with every supplier (an amount, at least 0): share of wallet = their yearly spend here ÷ this"),
                    "lang": text("zh-CN | en (also 中文, 英文): the language care e-mails and survey invitations are written in; empty: the company's (Chinese)") } },
                "NewComplaint": { "type": "object", "required": ["channel", "severity", "situation"], "properties": {
                    "received_at": text("when the customer complained; default now; not in the future"), "channel": text("phone | counter | web | wechat | email | app | letter | other"),
                    "place": text("store or place, ≤ 200"), "customer_id": { "type": "integer" }, "customer": text("or the customer's external id"),
                    "caller": text("an unknown caller, to link later"), "situation": text("in the customer's words, ≤ 4000 characters"), "product": text("≤ 200"),
                    "severity": text("low | medium | high | critical"), "wants": { "type": "array", "items": text("respect | compensation | vent | solution") },
                    "assignee": text("default: the recording agent") } },
                "ComplaintStep": { "type": "object", "required": ["version", "action"], "description": "acknowledge {note} · analyse {cause, sub_cause, justified, note} · propose {solution, compensation_offered (minor units), note} · resolve {accepted, compensation_given, on_the_spot, note} · follow_up {result, satisfied} · close {lesson} · reopen {reason}", "properties": {
                    "version": { "type": "integer" }, "action": text("acknowledge | analyse | propose | resolve | follow_up | close | reopen") } },
                "Assign": { "type": "object", "required": ["version", "assignee"], "properties": { "version": { "type": "integer" }, "assignee": text("user name") } },
                "TeamChange": { "type": "object", "required": ["name"], "properties": { "name": text("1–200 characters, unique"), "manager": text("a manager's user name, or empty") } },
                "Membership": { "type": "object", "properties": { "team_id": { "type": ["integer", "null"] } } },
                "Reply": { "type": "object", "required": ["version", "body"], "properties": { "version": { "type": "integer" }, "body": text("1–4000 characters"), "subject": text("≤ 200; empty: 'About your complaint (no. N)' in the customer's language"), "email": { "type": "boolean", "description": "send by e-mail (needs SMTP and a linked customer with an address); false: recorded only" } } },
                "Bulk": { "type": "object", "required": ["ids", "action"], "properties": { "ids": { "type": "array", "items": { "type": "integer" }, "description": "1–200 case numbers" }, "action": text("assign | close"), "assignee": text("for assign: a user who works cases"), "lesson": text("for close: the review's lesson") } },
                "LinkCustomer": { "type": "object", "required": ["version", "customer_id"], "properties": { "version": { "type": "integer" }, "customer_id": { "type": "integer" } } },
                "TaskDone": { "type": "object", "required": ["result"], "properties": { "result": text("≤ 4000") } },
                "NewTeam": { "type": "object", "required": ["name"], "properties": { "name": text(""), "manager": text("a manager's user name"), "members": { "type": "array", "items": text("user names") } } },
                "ComplaintSettings": { "type": "object", "description": "{service_levels: [{severity, acknowledge_minutes, resolve_minutes}] (business minutes), hours: {utc_offset_minutes, open, close, weekdays, holidays, extra_workdays}, follow_up_days, recovery_days, sub_causes: [[cause, [..]]]}" },
                "NewSurvey": { "type": "object", "required": ["name"], "properties": {
                    "name": text("1–200 characters"), "purpose": text(""), "target_segment": text(""),
                    "template": text("ecsi | acsi | csat | nps | post_complaint"),
                    "questionnaire": { "type": ["object", "null"], "description": "instead of a template: {title, intro, elements, paths, satisfaction, loyalty, items}" }
                } },
                "NewWave": { "type": "object", "required": ["name", "size"], "properties": {
                    "name": text(""), "segment": text("customers' segment; empty: all"), "size": { "type": "integer", "description": "customers to invite, 0–200000 (0 only with open_link)" },
                    "exclude_days": { "type": "integer", "description": "leave out customers invited in the last N days, 0–3650 (default 90)" },
                    "valid_days": { "type": "integer", "description": "links valid for N days, 1–365 (default 30)" }, "pretest": { "type": "boolean" },
                    "open_link": { "type": "boolean", "description": "also one open link for anonymous answers (rate-limited, with a spam guard)" }
                } },
                "NewPlan": { "type": "object", "required": ["element", "title", "owner", "due_date", "target"], "properties": {
                    "element": text("element code, e.g. PERQ"), "title": text(""), "owner": text(""), "due_date": text("YYYY-MM-DD"), "target": { "type": "number", "description": "index 0–100" }
                } },
                "Questionnaire": { "type": "object", "description": "{title: {zh, en}, intro, elements: [{code, name}], paths: [[from, to]], satisfaction, loyalty, items: [{code, kind: {type: scale|recommend|effort|gap|single|multiple|share|text, …}, text: {zh, en}, element, indicator, required, measure}]}" },
                "PlanStatus": { "type": "object", "required": ["status"], "properties": { "status": text("plan | do | check | act | done") } },
                "Answers": { "type": "object", "required": ["answers"], "properties": {
                    "answers": { "type": "object", "description": "by item code: a number, {expected, perceived}, [option indices] or text" },
                    "submit": { "type": "boolean" },
                    "started": { "type": "string", "description": "an open link's stamp, from its GET" }
                } },
                "LoyaltySettings": { "type": "object", "required": ["loyalty", "churn"], "properties": {
                    "loyalty": { "type": "object", "description": "attachment_high (1–100, default 70), attachment_low (below it: dissatisfied, default 50), complaint_penalty (points per severe complaint, 15), min_repeat (2), rate_percentile (0–1, 0.5), p_alive_min (0.5), promo_share (0.6), store_share (0.9), wallet_premium (0.5), promoter (0–10, 9), sole_supplier (false), kinship_tags ([员工, 员工亲属, staff]), lookback_days (180)" },
                    "churn": { "type": "object", "description": "definition (p_alive | inactivity), p_alive_threshold (0.5), at_risk_threshold (0.7), inactivity_multiple (3), one_time_days (365), evidence_months (6), satisfaction_drop (20), competitor_words, natural_words, winback_days (90), contact_days (2), causes ([{code, zh, en}])" } } },
                "CareRule": { "type": "object", "required": ["name", "trigger", "actions", "mode", "daily_limit"], "properties": {
                    "name": text("1–100 characters, unique"),
                    "trigger": text("lapsed_date | complaint_resolved | low_answer | value_at_risk | entered_segment | sla_breach | loyalty_changed"),
                    "days": { "type": "integer", "description": "the trigger's N days (lapsed_date: absence; complaint_resolved: days after)" },
                    "threshold": { "type": "number", "description": "low_answer: satisfaction 0–100; value_at_risk: P(alive) 0–1" },
                    "conditions": { "type": "object", "properties": { "segment": text(""), "tag": text(""), "channel": text(""), "region": text(""), "min_clv": { "type": "number" } } },
                    "actions": { "type": "array", "items": { "type": "object", "description": "{type: task, assignee, due_days, title} | {type: email, to: {type: customer} | {type: user, username}, subject, body (Chinese), subject_en, body_en (English; each reader gets their language's text, the other when it is empty)} | {type: webhook, url, secret (16–200), shape: json | wecom | dingtalk} | {type: tag, tag} | {type: notify, username, text}; templates may use {{name}}, {{customer_id}}, {{date_label}}, {{days}}, {{score}}, {{complaint_id}}, {{loyalty_type}}, {{p_alive}}, {{link}}, {{rule}}" } },
                    "mode": text("off | dry_run | on"),
                    "daily_limit": { "type": "integer", "description": "firings a day at most, 1–10000" } } },
                "CareRuleUpdate": { "type": "object", "required": ["version"], "description": "a CareRule plus the version it replaces", "properties": { "version": { "type": "integer" } } },
                "Smtp": { "type": "object", "required": ["host", "port", "security", "from"], "properties": { "host": text(""), "port": { "type": "integer" },
                    "security": text("none | starttls | tls"), "username": text(""), "password": text("or leave empty and name an environment variable in password_env"), "password_env": text(""), "from": text("客服 <care@example.cn>") } },
                "UserAccess": { "type": "object", "required": ["role", "active"], "properties": { "role": { "type": "string", "enum": ["admin", "manager", "agent", "analyst"] }, "active": { "type": "boolean" } } },
                "NewPassword": { "type": "object", "required": ["password"], "properties": { "password": { "type": "string", "minLength": 8 } } },
                "Contact": { "type": "object", "properties": { "email": { "type": "string", "description": "an address, or empty for none" }, "email_notifications": { "type": "boolean", "default": true } } },
                "CloseTask": { "type": "object", "required": ["state"], "properties": { "state": { "type": "string", "enum": ["done", "dismissed"] }, "result": { "type": "string", "maxLength": 2000 } } },
                "TestMail": { "type": "object", "required": ["to"], "properties": { "to": text("an address") } },
                "SavedSegment": { "type": "object", "required": ["name"], "properties": { "name": text("1–100 characters, unique"),
                    "filter": { "type": "object", "properties": { "type": text("loyalty type code"), "status": text("churn statuses, comma-separated"), "segment": text(""), "top20": { "type": "boolean" } } } } },
                "ChurnType": { "type": "object", "required": ["churn_type"], "properties": { "version": { "type": "integer", "description": "the assessment's version; omit when there is none" },
                    "churn_type": text("natural | competitive | fault | severe"), "cause": text("a cause code of the settings"), "exit_reason": text("at most 500 characters") } },
                "WinbackTasks": { "type": "object", "required": ["customer_ids", "assignee"], "properties": { "customer_ids": { "type": "array", "items": { "type": "integer" } },
                    "assignee": text("a user who works tasks"), "due_date": text("YYYY-MM-DD, default today + contact days") } },
                "WinbackStep": { "type": "object", "required": ["version", "step"], "properties": { "version": { "type": "integer" }, "step": text("contact | remedy | outcome"),
                    "apologised": { "type": "boolean" }, "unhappy_with": text(""), "remedy": text(""), "outcome": text("won_back | declined | unreachable"), "note": text("") } },
                "ClvRun": { "type": "object", "description": "every field may be left out or null (its default)", "properties": {
                    "calibration_end": { "type": ["string", "null"], "description": "YYYY-MM-DD, default today" }, "observation_end": { "type": ["string", "null"], "description": "YYYY-MM-DD after the calibration end: a holdout check" },
                    "period": { "type": ["string", "null"], "enum": ["day", "week", "month", null], "description": "default week" }, "horizon_months": { "type": ["integer", "null"], "description": "CLV horizon, 1–120, default 12" },
                    "discount_rate": { "type": ["number", "null"], "description": "per month, default 0.01" }, "rfm_bins": { "type": ["integer", "null"], "description": "2–10, default 5" },
                    "cohort": { "type": ["string", "null"], "enum": ["month", "week", null], "description": "default month" }, "churn_threshold": { "type": ["number", "null"], "description": "churned when P(alive) is below, default 0.5" },
                    "inactivity_multiple": { "type": ["number", "null"], "description": "churned when inactive longer than this × own purchase interval, default 3" } } },
                "CustomerUpdate": { "allOf": [ { "$ref": "#/components/schemas/CustomerFields" }, { "type": "object", "required": ["version"], "properties": { "version": { "type": "integer" } } } ] },
                "TransactionFields": { "type": "object", "required": ["external_id", "customer_id", "occurred_at", "amount"], "properties": {
                    "external_id": text(""), "customer_id": text("the customer's external id"), "occurred_at": text("YYYY-MM-DD[ HH:MM:SS] or RFC 3339"),
                    "amount": text("decimal, 2 places at most; negative for returns"), "currency": text("3 letters, default CNY"), "channel": text(""), "store": text(""),
                    "items": text(""), "quantity": text("whole number, default 1"), "promotion": text("1/0, yes/no, 是/否"), "is_return": text("1/0") } },
                "Interaction": { "type": "object", "required": ["kind", "summary"], "properties": { "kind": text("call | visit | message | email | wechat | care"), "occurred_at": text("default now"), "summary": text("") } },
                "Note": { "type": "object", "required": ["body"], "properties": { "body": text("") } },
                "NewUser": { "type": "object", "required": ["username", "password", "role"], "properties": { "username": text(""), "password": text("8 characters or more"), "role": text("admin | manager | agent | analyst") } }
            }
        }
    })
}

pub async fn document() -> impl IntoResponse {
    axum::Json(spec())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The docs page: every path and operation of the document, rendered on the server.
pub async fn docs_page() -> impl IntoResponse {
    let spec = spec();
    let mut body = String::new();
    body.push_str(&format!(
        "<p>{}</p>",
        esc(spec["info"]["description"].as_str().unwrap_or(""))
    ));
    body.push_str("<p><a href=\"/api/openapi.json\">openapi.json</a></p>");
    for (path, ops) in spec["paths"].as_object().into_iter().flatten() {
        for (method, o) in ops.as_object().into_iter().flatten() {
            body.push_str(&format!(
                "<section><h2><span class=\"m {m}\">{M}</span> <code>{p}</code></h2><p>{s}</p>",
                m = method,
                M = method.to_uppercase(),
                p = esc(path),
                s = esc(o["summary"].as_str().unwrap_or(""))
            ));
            if let Some(params) = o["parameters"].as_array().filter(|a| !a.is_empty()) {
                body.push_str("<table><tr><th>parameter</th><th>in</th><th>description</th></tr>");
                for p in params {
                    body.push_str(&format!(
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                        esc(p["name"].as_str().unwrap_or("")),
                        esc(p["in"].as_str().unwrap_or("")),
                        esc(p["description"].as_str().unwrap_or(""))
                    ));
                }
                body.push_str("</table>");
            }
            if let Some(r) =
                o["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            {
                body.push_str(&format!(
                    "<p>Body: <code>{}</code></p>",
                    esc(r.rsplit('/').next().unwrap_or(""))
                ));
            }
            body.push_str("</section>");
        }
    }
    body.push_str("<h2>Schemas</h2>");
    for (name, s) in spec["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        body.push_str(&format!(
            "<h3 id=\"{n}\">{n}</h3><pre>{}</pre>",
            esc(&serde_json::to_string_pretty(s).unwrap_or_default()),
            n = esc(name)
        ));
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>Fidelis API</title><style>body{{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}}\
         section{{border-top:1px solid #ddd;padding:.5rem 0}}h2{{font-size:1.05rem}}.m{{display:inline-block;min-width:4.5rem;border-radius:4px;color:#fff;text-align:center;font-size:.8rem;padding:2px 6px}}\
         .get{{background:#2b7}}.post{{background:#27b}}.put{{background:#b82}}.delete{{background:#c33}}table{{border-collapse:collapse}}td,th{{border:1px solid #ddd;padding:2px 8px;text-align:left}}\
         pre{{background:#f6f6f6;padding:.5rem;overflow:auto}}</style></head><body><h1>Fidelis API v1</h1>{body}</body></html>"
    ))
}
