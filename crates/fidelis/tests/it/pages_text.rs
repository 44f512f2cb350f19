//! Every page of the demo company, in Chinese and in English, for the roles that open it: no
//! raw message key, snake_case code, item-code path (`IMAG→CUEX`) or stored UTC instant
//! (`2026-12-01T08:00`) in the text a person reads — the visible text and the hover texts
//! (title, placeholder, aria-label). Placeholders a user types (`{{name}}`) are meant to be read.

use super::harness::{spawn_demo, Db, TestApp};

/// The text a person reads on a page: text nodes and hover texts, without scripts and styles.
fn visible_text(html: &str) -> String {
    let mut s = html.to_string();
    // Scripts and styles are not read; a text area holds what the user edits (lists of codes
    // and labels on the settings pages), not what the page says.
    for tag in ["script", "style", "textarea"] {
        while let Some(a) = s.find(&format!("<{tag}")) {
            let b = s[a..]
                .find(&format!("</{tag}>"))
                .map_or(s.len(), |b| a + b + tag.len() + 3);
            s.replace_range(a..b, " ");
        }
    }
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(a) = rest.find('<') {
        out.push_str(&rest[..a]);
        out.push(' ');
        let Some(b) = rest[a..].find('>') else { break };
        let tag = &rest[a..a + b];
        for attr in ["title=\"", "placeholder=\"", "aria-label=\"", "alt=\""] {
            if let Some(i) = tag.find(attr) {
                let v = &tag[i + attr.len()..];
                out.push_str(v.split('"').next().unwrap_or(""));
                out.push(' ');
            }
        }
        rest = &rest[a + b + 1..];
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
}

/// What a person should not have to read on a page.
fn findings(text: &str) -> Vec<String> {
    // Placeholders ({{name}}) are for people to type: not findings.
    let mut t = text.to_string();
    while let Some(a) = t.find("{{") {
        let b = t[a..].find("}}").map_or(t.len(), |b| a + b + 2);
        t.replace_range(a..b, " ");
    }
    let mut out = Vec::new();
    for (key, _, _) in domain::i18n::CATALOGUE {
        if t.contains(key) && key.contains('.') {
            out.push(format!("message key {key}"));
        }
    }
    for word in t.split(|c: char| {
        !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == ':' || c == '→')
    }) {
        let w = word.trim_matches(|c: char| c == '-' || c == ':');
        if w.contains('_')
            && w.chars().any(|c| c.is_ascii_lowercase())
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            out.push(format!("code {w}"));
        }
        if let Some((a, b)) = w.split_once('→') {
            if a.len() >= 3
                && b.len() >= 3
                && a.chars().chain(b.chars()).all(|c| c.is_ascii_uppercase())
            {
                out.push(format!("item-code path {w}"));
            }
        }
        let b = w.as_bytes();
        if b.len() >= 16 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' {
            out.push(format!("stored instant {w}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Codes that are English words: on a Chinese page they are a code someone forgot to word.
/// The demo's English complaint texts are quoted on profiles, notifications and the home page,
/// so words they use ("store", "email", "wechat", "week") are not checked here.
const ZH_CODES: &[&str] = &[
    "online",
    "sms",
    "pending",
    "dismissed",
    "open",
    "done",
    "forbidden",
];

fn zh_findings(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        if ZH_CODES.contains(&w) {
            let at = text.find(w).unwrap_or(0);
            let around: String = text[text.floor_char_boundary(at.saturating_sub(30))..]
                .chars()
                .take(50)
                .collect();
            let around = around.split_whitespace().collect::<Vec<_>>().join(" ");
            out.push(format!("code {w} on a Chinese page (…{around}…)"));
        }
    }
    // Item codes where element names belong (three or more capitals and a score).
    for w in text.split(" · ") {
        let mut parts = w.split_whitespace();
        if let (Some(a), Some(b)) = (parts.next(), parts.next()) {
            if a.len() >= 4
                && a.chars().all(|c| c.is_ascii_uppercase())
                && !["CSAT", "CSI"].contains(&a)
                && b.parse::<f64>().is_ok()
            {
                out.push(format!("item code {a} on a Chinese page"));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

async fn switch_language(t: &TestApp, cookie: &str, csrf: &str, lang: &str) {
    t.http
        .post(format!("{}/lang", t.base))
        .header("cookie", cookie)
        .form(&[("csrf", csrf), ("lang", lang)])
        .send()
        .await
        .unwrap();
}

/// The pages of the demo, by who opens them: (user, paths).
async fn pages(t: &TestApp) -> Vec<(&'static str, Vec<String>)> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&t.url).await.unwrap();
    let first = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, Option<i64>>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
                .unwrap_or(0)
        }
    };
    let customer = first("SELECT MIN(customer_id) FROM complaints").await;
    // A customer with survey answers and one with a care task: their profiles too.
    let answered = first("SELECT MIN(customer_id) FROM survey_responses").await;
    let cared =
        first("SELECT MIN(customer_id) FROM care_tasks WHERE customer_id IS NOT NULL").await;
    let complaint = first("SELECT MAX(id) FROM complaints").await;
    let own = first("SELECT MAX(id) FROM complaints WHERE assignee = 'agent'").await;
    let survey = first("SELECT MIN(id) FROM surveys").await;
    let wave = first("SELECT MAX(id) FROM survey_waves").await;
    let rule = first("SELECT MIN(id) FROM care_rules").await;
    let run = first("SELECT MAX(id) FROM analysis_runs WHERE kind = 'clv'").await;
    let task = first("SELECT MIN(id) FROM winback_tasks").await;
    let common = vec![
        "/".to_string(),
        "/customers".into(),
        format!("/customers/{customer}"),
        format!("/customers/{answered}"),
        format!("/customers/{}", if cared > 0 { cared } else { customer }),
        format!("/customers/{customer}/edit"),
        "/complaints".into(),
        "/complaints?view=all".into(),
        format!("/complaints/{own}"),
        "/care".into(),
        "/notifications".into(),
        "/account".into(),
    ];
    let mut manager = common.clone();
    manager.extend([
        format!("/complaints/{complaint}"),
        "/imports".to_string(),
        "/surveys".into(),
        format!("/surveys/{survey}"),
        format!("/surveys/waves/{wave}"),
        "/complaints/settings".into(),
        "/churn".into(),
        format!("/churn/runs/{run}"),
        "/churn/winback".into(),
        format!("/churn/winback/tasks/{task}"),
        "/loyalty".into(),
        "/loyalty/settings".into(),
        format!("/care/rules/{rule}"),
        format!("/customers/{customer}/delete"),
    ]);
    // An agent may not open the churn page: the refusal is a page in words too.
    let mut agent = common.clone();
    agent.push("/churn".into());
    let mut admin = vec![
        "/admin/users".to_string(),
        "/care/settings".into(),
        "/no-such-page".into(),
    ];
    admin.extend(manager.iter().take(3).cloned());
    // An analyst reads and analyses: the home figures, lists, results, churn and loyalty.
    let analyst = vec![
        "/".to_string(),
        "/customers".into(),
        format!("/customers/{answered}"),
        "/complaints?view=all".into(),
        "/imports".into(),
        "/surveys".into(),
        format!("/surveys/waves/{wave}"),
        "/churn".into(),
        "/loyalty".into(),
        "/care".into(),
        "/account".into(),
    ];
    vec![
        ("agent", agent),
        ("analyst", analyst),
        ("manager", manager),
        ("admin", admin),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_raw_codes_on_any_page() {
    let Some(t) = spawn_demo(Db::Sqlite, 300).await else {
        return;
    };
    let mut problems = Vec::new();
    for (user, paths) in pages(&t).await {
        let (session, csrf) = super::web::sign_in(&t, user).await;
        let cookie = format!("fidelis_session={session}");
        for lang in ["zh-CN", "en"] {
            switch_language(&t, &cookie, &csrf, lang).await;
            for path in &paths {
                let r = t
                    .http
                    .get(format!("{}{path}", t.base))
                    .header("cookie", &cookie)
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let html = r.text().await.unwrap();
                let refusal = path == "/no-such-page" || (user == "agent" && path == "/churn");
                if status >= 500 || (status != 200 && !refusal) {
                    problems.push(format!("{user} {lang} {path}: status {status}"));
                    continue;
                }
                let text = visible_text(&html);
                // The menu offers only what the reader may open.
                if user == "agent" && html.contains("href=\"/churn\"") && path != "/churn" {
                    problems.push(format!(
                        "{user} {lang} {path}: the menu offers the churn page"
                    ));
                }
                for code in ["forbidden", "not_found"] {
                    if refusal && text.contains(code) {
                        problems.push(format!("{user} {lang} {path}: error code {code}"));
                    }
                }
                if path.starts_with("/complaints/")
                    && (text.contains("其他: ") || text.contains("other: "))
                {
                    problems.push(format!("{user} {lang} {path}: a change without its name"));
                }
                // A case's page quotes what the customer said, in English for some.
                if lang == "zh-CN" && !path.starts_with("/complaints/") {
                    for f in zh_findings(&text) {
                        problems.push(format!("{user} {lang} {path}: {f}"));
                    }
                }
                for f in findings(&text) {
                    problems.push(format!("{user} {lang} {path}: {f}"));
                }
            }
        }
    }
    t.finish().await;
    assert!(
        problems.is_empty(),
        "{} findings:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_chinese_checker_finds_codes_but_not_words() {
    let f = zh_findings(
        "线上商城 · online · 2026 H2 · IMAG 6.6 · CUEX 7.7 · CSAT 5 · 门店服务 In-store service",
    );
    assert_eq!(f.len(), 3, "{f:?}");
    assert!(f[0].starts_with("code online on a Chinese page"), "{f:?}");
    assert_eq!(
        f[1..],
        [
            "item code CUEX on a Chinese page",
            "item code IMAG on a Chinese page",
        ]
    );
}

#[test]
fn the_checker_finds_what_it_should() {
    let html = r#"<p title="x_y">cause: customer_or_outside · IMAG→CUEX · 2026-12-01T08:00:00Z
        <script>var a_b = 1;</script> complaint.follow_up_by_rule {{customer_id}} ECSI CSAT</p>"#;
    let f = findings(&visible_text(html));
    assert_eq!(
        f,
        [
            "code customer_or_outside",
            "code follow_up_by_rule",
            "code x_y",
            "item-code path IMAG→CUEX",
            "message key complaint.follow_up_by_rule",
            "stored instant 2026-12-01T08:00:00Z",
        ]
    );
}
