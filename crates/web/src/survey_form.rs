//! The public survey form behind a personal or open link (no sign-in): mobile-first, in the
//! browser's language with a switch, the company's name and logo on top, progress saved as the
//! customer goes, every bad answer named at its item; and the page after it.

use crate::page;
use app::{App, AppError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use domain::surveys::{AnswerValue, Answers, ItemKind, Questionnaire};
use domain::Lang;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/s/{token}", get(form_page).post(form_post))
        .route("/s/{token}/unsubscribe", get(unsubscribe))
}

// ---- The public form ----

/// One item as the form draws it.
pub struct FormItem {
    pub code: String,
    pub text: String,
    pub required: bool,
    /// `scale`, `gap`, `single`, `multiple`, `number`, `text`.
    pub control: &'static str,
    /// The values to pick from (scales), or the options (choices).
    pub choices: Vec<(String, String)>,
    pub low: String,
    pub high: String,
    /// The saved answer: one value, or (for gaps) expected then perceived, or chosen options.
    pub saved: Vec<String>,
    pub error: String,
}

impl FormItem {
    pub fn has(&self, v: &str) -> bool {
        self.saved.iter().any(|s| s == v)
    }
    pub fn saved_at(&self, k: usize) -> &str {
        self.saved.get(k).map_or("", |s| s.as_str())
    }
}

#[derive(Template)]
#[template(path = "survey_form.html")]
struct FormPage {
    lang: Lang,
    title: String,
    intro: String,
    items: Vec<FormItem>,
    expires_at: String,
    /// For an open link: the signed time the form was shown.
    open_stamp: Option<String>,
    notice: Option<String>,
    problem: Option<String>,
    /// The company's name and whether it has a logo (the form's header).
    company: String,
    has_logo: bool,
}

impl FormPage {
    /// Items answered so far (the progress bar of a long form).
    fn answered(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.saved.iter().any(|v| !v.trim().is_empty()))
            .count()
    }
}

#[derive(Template)]
#[template(path = "survey_done.html")]
struct DonePage {
    lang: Lang,
    title: String,
    message: String,
    code: String,
}

fn public_lang(headers: &HeaderMap, q: &LangQuery) -> Lang {
    q.lang.as_deref().and_then(Lang::parse).unwrap_or_else(|| {
        Lang::from_accept(
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|h| h.to_str().ok())
                .unwrap_or(""),
        )
    })
}

#[derive(Deserialize, Default)]
struct LangQuery {
    lang: Option<String>,
}

fn public_error(lang: Lang, e: AppError) -> Response {
    let e = e.localized(lang);
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut r = page(DonePage {
        lang,
        title: lang.t("area.surveys").to_string(),
        message: e.message,
        code: e.code.code().to_string(),
    });
    *r.status_mut() = status;
    r
}

fn form_items(
    q: &Questionnaire,
    a: &Answers,
    lang: Lang,
    errors: &[(String, String)],
) -> Vec<FormItem> {
    let range = |lo: i64, hi: i64| (lo..=hi).map(|v| (v.to_string(), v.to_string())).collect();
    q.items
        .iter()
        .map(|i| {
            let saved = match a.get(&i.code) {
                Some(AnswerValue::Number(v)) => vec![format!("{v}")],
                Some(AnswerValue::Pair {
                    expected,
                    perceived,
                }) => vec![format!("{expected}"), format!("{perceived}")],
                Some(AnswerValue::Choices(c)) => c.iter().map(|k| k.to_string()).collect(),
                Some(AnswerValue::Text(t)) => vec![t.clone()],
                None => Vec::new(),
            };
            let (control, choices, low, high) = match &i.kind {
                ItemKind::Scale { min, max } => {
                    ("scale", range(*min, *max), min.to_string(), max.to_string())
                }
                ItemKind::Recommend => ("scale", range(0, 10), "0".into(), "10".into()),
                ItemKind::Effort => ("scale", range(1, 7), "1".into(), "7".into()),
                ItemKind::Gap { min, max } => {
                    ("gap", range(*min, *max), min.to_string(), max.to_string())
                }
                ItemKind::Single { options } | ItemKind::Multiple { options } => (
                    if matches!(i.kind, ItemKind::Single { .. }) {
                        "single"
                    } else {
                        "multiple"
                    },
                    options
                        .iter()
                        .enumerate()
                        .map(|(k, o)| (k.to_string(), o.get(lang).to_string()))
                        .collect(),
                    String::new(),
                    String::new(),
                ),
                ItemKind::Share => ("number", Vec::new(), "0".into(), "100".into()),
                ItemKind::Text => ("text", Vec::new(), String::new(), String::new()),
            };
            FormItem {
                code: i.code.clone(),
                text: i.text.get(lang).to_string(),
                required: i.required,
                control,
                choices,
                low,
                high,
                saved,
                error: errors
                    .iter()
                    .filter(|(c, _)| *c == i.code)
                    .map(|(_, r)| r.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            }
        })
        .collect()
}

async fn form_page(
    State(app): State<App>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = public_lang(&headers, &q);
    let company = app.company().await.unwrap_or_default();
    // An open form marks the browser (a random id in a cookie), so that one browser's answers
    // are limited apart from its address's.
    let mark = (app::surveys::links::is_open(&token)
        && crate::auth::cookie(&headers, BROWSER_COOKIE).is_none())
    .then(|| app::access::new_secret().0);
    let mut r = match app.open_link(&token, lang).await {
        Ok(f) => page(FormPage {
            company: company.name,
            has_logo: company.has_logo,
            lang,
            title: f.questionnaire.title.get(lang).to_string(),
            intro: f.questionnaire.intro.get(lang).to_string(),
            items: form_items(&f.questionnaire, &f.answers, lang, &[]),
            expires_at: f.expires_at.get(..10).unwrap_or("").to_string(),
            open_stamp: f.open_stamp,
            notice: None,
            problem: None,
        }),
        Err(e) => return public_error(lang, e),
    };
    if let Some(id) = mark {
        r.headers_mut().append(
            axum::http::header::SET_COOKIE,
            crate::auth::set_cookie(BROWSER_COOKIE, &id, 365 * 86_400),
        );
    }
    r
}

/// The cookie that tells one browser from another on open survey links.
const BROWSER_COOKIE: &str = "fidelis_browser";

/// The form's fields as answers: `CODE` (a value, repeated for several choices), `CODE.a` and
/// `CODE.b` (expectation and perception). Unknown names and empty values are left out; a value
/// that is not a number for a numeric item is kept as text so the check names it.
fn answers_of(q: &Questionnaire, fields: &[(String, String)]) -> Answers {
    let mut a = Answers::new();
    for i in &q.items {
        let values: Vec<&str> = fields
            .iter()
            .filter(|(k, v)| *k == i.code && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect();
        let one = |suffix: &str| {
            fields
                .iter()
                .find(|(k, v)| *k == format!("{}.{suffix}", i.code) && !v.trim().is_empty())
                .map(|(_, v)| v.trim().to_string())
        };
        let number = |v: &str| match v.parse::<f64>() {
            Ok(x) => AnswerValue::Number(x),
            Err(_) => AnswerValue::Text(v.to_string()),
        };
        let value = match &i.kind {
            ItemKind::Text => values.first().map(|v| AnswerValue::Text(v.to_string())),
            ItemKind::Single { .. } | ItemKind::Multiple { .. } => {
                let picked: Result<Vec<usize>, _> = values.iter().map(|v| v.parse()).collect();
                match picked {
                    Ok(c) if !c.is_empty() => Some(AnswerValue::Choices(c)),
                    Ok(_) => None,
                    Err(_) => Some(AnswerValue::Text(values.join(","))),
                }
            }
            ItemKind::Gap { .. } => match (one("a"), one("b")) {
                (Some(x), Some(y)) => match (x.parse(), y.parse()) {
                    (Ok(expected), Ok(perceived)) => Some(AnswerValue::Pair {
                        expected,
                        perceived,
                    }),
                    _ => Some(AnswerValue::Text(format!("{x}/{y}"))),
                },
                (None, None) => None,
                (x, y) => Some(AnswerValue::Text(format!(
                    "{}/{}",
                    x.unwrap_or_default(),
                    y.unwrap_or_default()
                ))),
            },
            _ => values.first().map(|v| number(v)),
        };
        if let Some(v) = value {
            a.insert(i.code.clone(), v);
        }
    }
    a
}

async fn form_post(
    State(app): State<App>,
    headers: HeaderMap,
    client: crate::auth::ClientAddr,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let lang = public_lang(&headers, &q);
    let form = match app.open_link(&token, lang).await {
        Ok(f) => f,
        Err(e) => return public_error(lang, e),
    };
    let submit = fields.iter().any(|(k, v)| k == "_action" && v == "submit");
    let answers = answers_of(&form.questionnaire, &fields);
    let company = app.company().await.unwrap_or_default();
    let render = |answers: &Answers,
                  notice: Option<String>,
                  problem: Option<String>,
                  errors: &[(String, String)]| {
        page(FormPage {
            company: company.name.clone(),
            has_logo: company.has_logo,
            lang,
            title: form.questionnaire.title.get(lang).to_string(),
            intro: form.questionnaire.intro.get(lang).to_string(),
            items: form_items(&form.questionnaire, answers, lang, errors),
            expires_at: form.expires_at.get(..10).unwrap_or("").to_string(),
            open_stamp: form.open_stamp.clone(),
            notice,
            problem,
        })
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let outcome = if app::surveys::links::is_open(&token) {
        app.answer_open_link(
            &token,
            answers.clone(),
            field("_started"),
            field("website"),
            &client.0,
            crate::auth::cookie(&headers, BROWSER_COOKIE),
            lang,
        )
        .await
    } else {
        app.answer_link(&token, answers.clone(), submit, lang).await
    };
    let submit = submit || app::surveys::links::is_open(&token);
    match outcome {
        Ok(()) if submit => page(DonePage {
            lang,
            title: form.questionnaire.title.get(lang).to_string(),
            message: lang.t("form.thanks").to_string(),
            code: "thanks".into(),
        }),
        Ok(()) => render(&answers, Some(lang.t("form.saved").to_string()), None, &[]),
        Err(e) if e.code == domain::ErrorCode::AnswersRejected => {
            let errors: Vec<(String, String)> = e.details["fields"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or("").to_string(),
                        f["reason"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect();
            let mut r = render(&answers, None, Some(e.localized(lang).message), &errors);
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => public_error(lang, e),
    }
}

/// The opt-out link of an invitation e-mail.
async fn unsubscribe(
    State(app): State<App>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = public_lang(&headers, &q);
    match app.unsubscribe(&token, lang).await {
        Ok(()) => axum::response::Html(format!(
            "<!doctype html><html lang=\"{}\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Fidelis</title><link rel=\"stylesheet\" href=\"/static/app.css\"><main><p class=\"card\" id=\"unsubscribed\">{}</p></main></html>",
            lang.code(),
            lang.pick("您已退订，我们不会再给您发送邮件。", "You are unsubscribed: we will not e-mail you again.")
        ))
        .into_response(),
        Err(e) => public_error(lang, e),
    }
}
