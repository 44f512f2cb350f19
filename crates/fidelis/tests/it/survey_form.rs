//! The public survey form as customers meet it, on SQLite and PostgreSQL: the form page
//! (progress saved, bad answers refused), open links with their abuse limits, and the company's
//! name and logo on top.

use super::harness::{json, TestApp};
use super::surveys::{customers, links, new_wave, survey_wave};
use super::web::sign_in;
use crate::both;
use serde_json::{json, Value};

async fn public_form_page(t: &TestApp) {
    customers(t, 6).await;
    let (survey, (_, w)) = survey_wave(
        t,
        json!({"name": "回访", "template": "post_complaint"}),
        json!({"name": "W", "size": 3}),
    )
    .await;
    let l = links(t, w["id"].as_i64().unwrap()).await;
    let path = l[0]["path"].as_str().unwrap();
    let url = format!("{}{path}", t.base);
    let page = t
        .http
        .get(&url)
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("投诉处理回访") && html.contains("name=\"HANDLING\""),
        "{html}"
    );
    // Saved progress comes back checked; a bad value is shown at its item; then submit.
    let r = t
        .http
        .post(&url)
        .form(&[("HANDLING", "4"), ("_action", "save")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = t.http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("name=\"HANDLING\" value=\"4\" checked"),
        "progress kept"
    );
    let r = t
        .http
        .post(&url)
        .form(&[("HANDLING", "8"), ("_action", "submit")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"err-HANDLING\"") && html.contains("id=\"err-EFFORT\""),
        "{html}"
    );
    let done = [
        ("HANDLING", "5"),
        ("EFFORT", "2"),
        ("RESOLVED", "0"),
        ("NPS", "9"),
        ("_action", "submit"),
    ];
    let r = t
        .http
        .post(&url)
        .header("accept-language", "en")
        .form(&done)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Thank you"));
    let r = t
        .http
        .get(&url)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("already been answered"));
    // Pages for staff: the list, the survey, the wave, links as CSV.
    let cookie = format!("fidelis_session={}", sign_in(t, "manager").await.0);
    let sid = survey["id"].as_i64().unwrap();
    let wid = w["id"].as_i64().unwrap();
    for p in [
        "/surveys".to_string(),
        format!("/surveys/{sid}"),
        format!("/surveys/waves/{wid}"),
    ] {
        let r = t
            .http
            .get(format!("{}{p}", t.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{p}");
    }
    // The list scores each wave: the one answer was a 5 of 5.
    let html = super::web::page_html(t, &cookie, "/surveys").await;
    assert!(
        html.contains(&format!("data-wave=\"{wid}\">CSAT 100.0 %<")),
        "{html}"
    );
    let r = t
        .http
        .get(format!("{}/surveys/waves/{wid}/links?format=csv", t.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let csv = r.text().await.unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(
        csv.contains(&format!("{}/s/", t.base.trim_start_matches("http://"))),
        "{csv}"
    );
    // The reminder list (the unanswered links) marks nothing when downloaded, however often;
    // the user's "mark them as reminded" does.
    let get_csv = |q: &'static str| {
        let cookie = cookie.clone();
        async move {
            t.http
                .get(format!(
                    "{}/surveys/waves/{wid}/links?format=csv{q}",
                    t.base
                ))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let reminded = |csv: &str| {
        let head: Vec<&str> = csv
            .lines()
            .next()
            .unwrap()
            .trim_start_matches('\u{feff}')
            .split(',')
            .collect();
        let col = head.iter().position(|h| *h == "reminded_at").unwrap();
        csv.lines()
            .skip(1)
            .filter(|l| !l.split(',').nth(col).unwrap_or("").is_empty())
            .count()
    };
    let list = get_csv("&remind=1").await;
    let open = list.lines().count() - 1;
    assert!(open >= 1, "{list}");
    get_csv("&remind=1").await;
    assert_eq!(reminded(&get_csv("").await), 0, "downloads mark nothing");
    let html = super::web::page_html(t, &cookie, &format!("/surveys/waves/{wid}")).await;
    let csrf = super::web::hidden(&html, "csrf");
    let r = t
        .http
        .post(format!("{}/surveys/waves/{wid}/reminded", t.base))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(reminded(&get_csv("").await), open);
}

/// The signed time an open form was shown, from its page.
async fn open_stamp(t: &TestApp, url: &str) -> String {
    let html = t
        .http
        .get(url)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key = "name=\"_started\" value=\"";
    let i = html.find(key).expect("a stamp") + key.len();
    html[i..].split('"').next().unwrap().to_string()
}

async fn open_post(
    t: &TestApp,
    url: &str,
    stamp: &str,
    trap: &str,
    nps: &str,
) -> reqwest::Response {
    t.http
        .post(url)
        .header("accept-language", "en")
        .form(&[
            ("NPS", nps),
            ("_started", stamp),
            ("website", trap),
            ("_action", "submit"),
        ])
        .send()
        .await
        .unwrap()
}

/// A page's `id="{id}"` link target.
fn href_of(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let start = html[..at].rfind("href=\"").unwrap() + 6;
    html[start..].split('"').next().unwrap().to_string()
}

async fn open_link_guarded(t: &TestApp) {
    let (survey, (s, w)) = survey_wave(
        t,
        json!({"name": "Open NPS", "template": "nps"}),
        json!({"name": "Web", "size": 0, "open_link": true}),
    )
    .await;
    assert_eq!((s, w["invited"].as_i64()), (201, Some(0)), "{w}");
    let wid = w["id"].as_i64().unwrap();
    let cookie = format!("fidelis_session={}", sign_in(t, "manager").await.0);
    let html = super::web::page_html(t, &cookie, &format!("/surveys/waves/{wid}")).await;
    let url = href_of(&html, "open-link");
    assert!(url.contains("/s/o"), "{url}");
    // Too fast, a filled trap field, a forged stamp: taken for robots, nothing stored.
    let stamp = open_stamp(t, &url).await;
    let r = open_post(t, &url, &stamp, "", "9").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("too quickly"));
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_eq!(
        open_post(t, &url, &stamp, "http://spam", "9")
            .await
            .status(),
        422
    );
    assert_eq!(open_post(t, &url, "1.00", "", "9").await.status(), 422);
    // A bad answer is named; then five answers from this address, and the sixth is refused.
    let r = open_post(t, &url, &stamp, "", "11").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"err-NPS\""));
    for k in 0..5 {
        let r = open_post(t, &url, &stamp, "", "10").await;
        assert_eq!(r.status(), 200, "answer {k}");
    }
    let r = open_post(t, &url, &stamp, "", "10").await;
    assert_eq!(r.status(), 429);
    let (_, res) = json(
        t.get("analyst", &format!("/api/v1/surveys/waves/{wid}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(res["responses"], 5);
    assert_eq!(res["measures"][0]["estimate"]["value"], 100.0);
    // The same open link over the API, as the README says it works: the GET gives the stamp,
    // the POST carries it back; too quick or without it, refused; this address's answers for
    // the wave count together with the form's (the limit is already reached here).
    let token = url.rsplit("/s/").next().unwrap().to_string();
    let api = format!("{}/api/v1/public/surveys/{token}", t.base);
    let (s, form) = json(t.http.get(&api).send().await.unwrap()).await;
    assert_eq!(s, 200, "{form}");
    let started = form["started"]
        .as_str()
        .expect("an open link's stamp")
        .to_string();
    let post = |body: Value| t.http.post(&api).json(&body).send();
    let r = post(json!({"answers": {"NPS": 9}, "submit": true, "started": started}))
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "too quick");
    let r = post(json!({"answers": {"NPS": 9}, "submit": true}))
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "no stamp");
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let r = post(json!({"answers": {"NPS": 9}, "submit": true, "started": started}))
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "the address's limit for the wave");
    // Another open wave: the API's answer is taken.
    let (s, w3) = new_wave(
        t,
        survey["id"].as_i64().unwrap(),
        json!({"name": "App", "size": 0, "open_link": true}),
    )
    .await;
    assert_eq!(s, 201, "{w3}");
    let html = super::web::page_html(t, &cookie, &format!("/surveys/waves/{}", w3["id"])).await;
    let token = href_of(&html, "open-link")
        .rsplit("/s/")
        .next()
        .unwrap()
        .to_string();
    let api = format!("{}/api/v1/public/surveys/{token}", t.base);
    let (_, form) = json(t.http.get(&api).send().await.unwrap()).await;
    let started = form["started"].as_str().unwrap().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let r = t
        .http
        .post(&api)
        .json(&json!({"answers": {"NPS": 10}, "submit": true, "started": started}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (_, res) = json(
        t.get("analyst", &format!("/api/v1/surveys/waves/{}", w3["id"]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(res["responses"], 1);
    // Another wave's id under this mac, or a wave without an open link: invalid.
    let (_, w2) = new_wave(
        t,
        survey["id"].as_i64().unwrap(),
        json!({"name": "No open", "size": 0, "open_link": false}),
    )
    .await;
    assert_eq!(
        w2["id"],
        json!(null),
        "a wave with no one invited and no open link is refused"
    );
    let moved = url.replacen(&format!("/s/o{wid}-"), &format!("/s/o{}-", wid + 1), 1);
    assert_eq!(t.http.get(&moved).send().await.unwrap().status(), 404);

    // One browser (the form's cookie) gives two answers to a wave's open link, not more, even
    // when its address may give more; another browser at the same address still may.
    let (_, w4) = new_wave(
        t,
        survey["id"].as_i64().unwrap(),
        json!({"name": "Kiosk", "size": 0, "open_link": true}),
    )
    .await;
    let html = super::web::page_html(t, &cookie, &format!("/surveys/waves/{}", w4["id"])).await;
    let url = href_of(&html, "open-link");
    let browser = || {
        reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap()
    };
    let answer = |b: reqwest::Client, stamp: String| {
        let url = url.clone();
        async move {
            b.post(&url)
                .form(&[
                    ("NPS", "8"),
                    ("_started", stamp.as_str()),
                    ("website", ""),
                    ("_action", "submit"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let stamp_of = |b: reqwest::Client| {
        let url = url.clone();
        async move {
            let r = b.get(&url).send().await.unwrap();
            assert!(
                r.headers()
                    .get_all("set-cookie")
                    .iter()
                    .any(|c| c.to_str().unwrap().starts_with("fidelis_browser=")),
                "the open form marks the browser"
            );
            let html = r.text().await.unwrap();
            let key = "name=\"_started\" value=\"";
            let i = html.find(key).expect("a stamp") + key.len();
            html[i..].split('"').next().unwrap().to_string()
        }
    };
    let (a, b) = (browser(), browser());
    let (stamp_a, stamp_b) = (stamp_of(a.clone()).await, stamp_of(b.clone()).await);
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_eq!(answer(a.clone(), stamp_a.clone()).await, 200);
    assert_eq!(answer(a.clone(), stamp_a.clone()).await, 200);
    assert_eq!(answer(a.clone(), stamp_a).await, 429, "the browser's limit");
    assert_eq!(
        answer(b, stamp_b).await,
        200,
        "another browser, same address"
    );
}
both!(open_link_guarded);

both!(public_form_page);

/// The form as customers meet it: the company's name and logo on top (set by an administrator;
/// only a PNG or JPEG is taken), a title without the model's name, a long form's progress, and
/// 10-point scales laid out as one row.
async fn company_on_the_form(t: &TestApp) {
    customers(t, 3).await;
    let cookie = format!("fidelis_session={}", sign_in(t, "admin").await.0);
    let html = super::web::page_html(t, &cookie, "/admin/company").await;
    let csrf = super::web::hidden(&html, "csrf");
    let r = t
        .http
        .post(format!("{}/admin/company", t.base))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("name", "悦享咖啡")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-not-a-real-image".to_vec();
    let logo = |bytes: Vec<u8>| {
        t.http
            .post(format!("{}/admin/company/logo", t.base))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .body(bytes)
            .send()
    };
    assert_eq!(
        logo(b"<svg onload=alert(1)>".to_vec())
            .await
            .unwrap()
            .status(),
        422
    );
    assert_eq!(
        t.http
            .get(format!("{}/public/logo", t.base))
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "the SVG was not kept"
    );
    assert_eq!(logo(png.clone()).await.unwrap().status(), 204);
    let r = t
        .http
        .get(format!("{}/public/logo", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);
    let agent = format!("fidelis_session={}", sign_in(t, "agent").await.0);
    let r = t
        .http
        .get(format!("{}/admin/company", t.base))
        .header("cookie", &agent)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let (_, (s, w)) = survey_wave(
        t,
        json!({"name": "年度调查", "template": "ecsi"}),
        json!({"name": "W", "size": 3}),
    )
    .await;
    assert_eq!(s, 201, "{w}");
    let l = links(t, w["id"].as_i64().unwrap()).await;
    let html = t
        .http
        .get(format!("{}{}", t.base, l[0]["path"].as_str().unwrap()))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("id=\"form-brand\"")
            && html.contains("悦享咖啡")
            && html.contains("src=\"/public/logo\"")
    );
    let title = html
        .split("id=\"form-title\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert_eq!(title, "顾客满意度调查", "no model name for customers");
    assert!(
        html.contains("id=\"form-progress\"") && html.contains("已答 0 / "),
        "progress"
    );
    assert!(
        html.contains("class=\"scale row\" style=\"--n:10\""),
        "a 10-point scale in one row"
    );
}
both!(company_on_the_form);
