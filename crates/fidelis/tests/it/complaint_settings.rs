//! The complaint settings page: service levels, business hours and holidays, edited and
//! refused in words.

use super::complaints::{create, get};
use super::harness::TestApp;
use crate::both;
use serde_json::json;

/// The settings page: everyone who works cases reads it, managers change it; a refused form
/// names its fields, keeps what was typed and changes nothing; a saved one is what the API
/// (and the timers) then use.
async fn settings_page(t: &TestApp) {
    let (session, csrf) = super::web::sign_in(t, "manager").await;
    let cookie = format!("fidelis_session={session}");
    // GET the page, or POST the form to it: (status, redirect, body).
    let call = |cookie: String, form: Option<Vec<(String, String)>>| {
        let url = format!("{}/complaints/settings", t.base);
        async move {
            let b = match &form {
                Some(f) => t.http.post(url).form(f),
                None => t.http.get(url),
            };
            let r = b.header("cookie", cookie).send().await.unwrap();
            let location = r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string());
            (r.status().as_u16(), location, r.text().await.unwrap())
        }
    };
    // The form with some fields changed.
    let with = |form: &[(String, String)], edits: &[(&str, &str)]| {
        let mut f = form.to_vec();
        for (k, v) in f.iter_mut() {
            if let Some((_, new)) = edits.iter().find(|(e, _)| e == k) {
                *v = new.to_string();
            }
        }
        f
    };
    let (s, _, html) = call(cookie.clone(), None).await;
    assert_eq!(s, 200);
    assert!(html.contains(r#"name="utc_offset" value="+8""#), "{html}");
    assert!(
        html.contains(r#"name="ack_high" value="1""#),
        "high: 1 business hour"
    );
    assert!(html.contains(r#"id="due-preview""#));
    let before = get(t, "manager", "/api/v1/complaints/settings").await.1;
    let mut form: Vec<(String, String)> = [
        ("csrf", csrf.as_str()),
        ("utc_offset", "+8"),
        ("open", "9am"),
        ("close", "18:00"),
        ("holidays", "2026-10-01\n2026-13-01"),
        ("extra_workdays", ""),
        ("recovery_days", "60"),
        ("sub_product", "质量 quality\n<b>包装</b>"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for d in 1..=6 {
        form.push(("weekday".into(), d.to_string()));
    }
    for sev in ["low", "medium", "high", "critical"] {
        form.push((format!("ack_{sev}"), "2".into()));
        form.push((format!("resolve_{sev}"), "18".into()));
    }
    let (s, _, html) = call(cookie.clone(), Some(form.clone())).await;
    assert_eq!(s, 200, "the form again");
    assert!(html.contains("settings-error"), "{html}");
    assert!(
        html.contains("open:") && html.contains("2026-13-01"),
        "fields named"
    );
    assert!(html.contains(r#"value="9am""#), "what was typed is kept");
    assert!(
        html.contains("&lt;b&gt;包装&lt;/b&gt;"),
        "typed text escaped"
    );
    assert_eq!(
        get(t, "manager", "/api/v1/complaints/settings").await.1,
        before,
        "nothing changed"
    );
    // A business-rule refusal from the app (resolve shorter than respond) is shown the same way.
    let short = with(
        &form,
        &[
            ("open", "09:00"),
            ("holidays", "2026-10-01"),
            ("resolve_low", "1"),
        ],
    );
    let (s, _, html) = call(cookie.clone(), Some(short)).await;
    assert_eq!(s, 200);
    assert!(html.contains("service_levels.low"), "{html}");
    assert_eq!(
        get(t, "manager", "/api/v1/complaints/settings").await.1,
        before
    );
    // Without the session's CSRF token: refused.
    let mut forged = form.clone();
    forged[0].1 = "wrong".into();
    assert_eq!(call(cookie.clone(), Some(forged)).await.0, 403);
    // Saved.
    let form = with(
        &form,
        &[
            ("open", "08:30"),
            ("holidays", "2026-10-01, 2026-10-02"),
            ("ack_high", "0.5"),
        ],
    );
    let (s, location, _) = call(cookie.clone(), Some(form.clone())).await;
    assert_eq!(s, 303);
    assert_eq!(location.as_deref(), Some("/complaints/settings?saved=1"));
    let after = get(t, "manager", "/api/v1/complaints/settings").await.1;
    assert_eq!(after["hours"]["open"], "08:30:00");
    assert_eq!(after["hours"]["weekdays"], json!([1, 2, 3, 4, 5, 6]));
    assert_eq!(
        after["hours"]["holidays"],
        json!(["2026-10-01", "2026-10-02"])
    );
    assert_eq!(after["recovery_days"], 60);
    let high = after["service_levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["severity"] == "high")
        .unwrap()
        .clone();
    assert_eq!(high["acknowledge_minutes"], 30);
    assert_eq!(high["resolve_minutes"], 18 * 60);
    let (_, _, html) = call(cookie.clone(), None).await;
    assert!(html.contains("settings-saved") || !html.contains("settings-error"));
    assert!(html.contains(r#"name="open" value="08:30""#));
    assert!(html.contains("2026-10-02"));
    // A case recorded now is due by the new levels: high, 30 business minutes to respond.
    let (s, c) = create(
        t,
        "agent",
        json!({"channel": "phone", "caller": "陈先生", "situation": "等了很久", "severity": "high", "received_at": "2026-12-01 09:00"}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["complaint"]["ack_due_at"], "2026-12-01T01:30:00Z", "{c}");
    // Its page shows the company's clock, and names it: received 09:00, due 09:30 (UTC+8).
    let id = c["complaint"]["id"].as_i64().unwrap();
    let html = super::web::page_html(t, &cookie, &format!("/complaints/{id}")).await;
    assert!(html.contains("2026-12-01 09:00") && html.contains("2026-12-01 09:30"));
    assert!(
        html.contains("UTC+8") && !html.contains("2026-12-01 01:30"),
        "{html}"
    );
    // Agents read the settings but may not change them.
    let (a_session, a_csrf) = super::web::sign_in(t, "agent").await;
    let a_cookie = format!("fidelis_session={a_session}");
    let (s, _, html) = call(a_cookie.clone(), None).await;
    assert_eq!(s, 200);
    assert!(html.contains("disabled") && !html.contains("settings-save"));
    let theirs = with(&form, &[("csrf", &a_csrf), ("recovery_days", "9")]);
    assert_eq!(call(a_cookie, Some(theirs)).await.0, 403);
    assert_eq!(
        get(t, "manager", "/api/v1/complaints/settings").await.1["recovery_days"],
        60
    );
}
both!(settings_page);
