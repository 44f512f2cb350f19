//! The questionnaire builder on a survey's page: add an item of any kind (scale, 0–10, effort,
//! expectation/perception pair, choices, share of wallet, open text) on the four-level hierarchy,
//! remove one, or replace the whole questionnaire as JSON — until a real wave has gone out.

use crate::surveys::{back_to_survey, survey_view, survey_view_with};
use crate::{actor, answer, error_page, Answer, WebCtx};
use app::App;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use domain::surveys::{Item, ItemKind, Questionnaire};
use domain::Lang;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/surveys/{id}/items", post(add_item))
        .route("/surveys/{id}/items/delete", post(delete_item))
        .route("/surveys/{id}/questionnaire", post(replace_questionnaire))
}

#[derive(Deserialize)]
struct ItemForm {
    #[serde(default)]
    csrf: String,
    code: String,
    kind: String,
    #[serde(default)]
    element: String,
    #[serde(default)]
    text_zh: String,
    #[serde(default)]
    text_en: String,
    /// Choices, one per line: `中文 | English`.
    #[serde(default)]
    options: String,
    #[serde(default)]
    required: Option<String>,
}

/// The item a builder form describes, or what is wrong with it.
fn item_of(f: &ItemForm, lang: Lang) -> Result<Item, String> {
    let text = |zh: &str, en: &str| domain::surveys::Text::new(zh.trim(), en.trim());
    let options: Vec<domain::surveys::Text> = f
        .options
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match l.split_once('|') {
            Some((zh, en)) => text(zh, en),
            None => text(l, l),
        })
        .collect();
    let (kind, measure) = match f.kind.as_str() {
        "scale5" => (ItemKind::Scale { min: 1, max: 5 }, ""),
        "csat" => (ItemKind::Scale { min: 1, max: 5 }, "csat"),
        "scale10" => (ItemKind::Scale { min: 1, max: 10 }, ""),
        "recommend" => (ItemKind::Recommend, "nps"),
        "effort" => (ItemKind::Effort, "ces"),
        "gap" => (ItemKind::Gap { min: 1, max: 5 }, ""),
        "single" => (ItemKind::Single { options }, ""),
        "multiple" => (ItemKind::Multiple { options }, ""),
        "share" => (ItemKind::Share, ""),
        "text" => (ItemKind::Text, ""),
        other => {
            return Err(match lang {
                Lang::En => format!("kind: unknown item type '{other}'"),
                Lang::ZhCn => format!("kind：未知题型 '{other}'"),
            })
        }
    };
    let code = f.code.trim();
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(lang
            .pick(
                "code：编号只能包含字母、数字和 _",
                "code: letters, digits and _ only",
            )
            .into());
    }
    if f.text_zh.trim().is_empty() && f.text_en.trim().is_empty() {
        return Err(lang
            .pick(
                "text：请填写中文或英文题目",
                "text: the question in Chinese or English",
            )
            .into());
    }
    let (zh, en) = match (f.text_zh.trim(), f.text_en.trim()) {
        ("", en) => (en, en),
        (zh, "") => (zh, zh),
        both => both,
    };
    Ok(Item {
        code: code.to_string(),
        indicator: if f.element.is_empty() {
            String::new()
        } else {
            code.to_string()
        },
        kind,
        text: text(zh, en),
        element: f.element.trim().to_string(),
        required: f.required.is_some(),
        measure: measure.into(),
    })
}

/// Change the questionnaire and come back to the survey page (with the refusal, if any).
async fn edit_questionnaire(
    app: App,
    ctx: WebCtx,
    id: i64,
    edit: impl FnOnce(&mut Questionnaire) -> Result<(), String>,
) -> Response {
    let d = match app.survey(actor(&ctx), id).await {
        Ok(d) => d,
        Err(e) => return error_page(&ctx, e),
    };
    let mut q = d.questionnaire;
    if let Err(m) = edit(&mut q) {
        return survey_view(app, ctx, id, Some(m)).await;
    }
    let r = app.set_questionnaire(actor(&ctx), id, q).await;
    back_to_survey(app, ctx, id, r, "#items").await
}

async fn add_item(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<ItemForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let item = item_of(&f, ctx.actor.lang);
    edit_questionnaire(app, ctx, id, move |q| {
        q.items.push(item?);
        Ok(())
    })
    .await
}

#[derive(Deserialize)]
struct DeleteItemForm {
    #[serde(default)]
    csrf: String,
    code: String,
}

async fn delete_item(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<DeleteItemForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let lang = ctx.actor.lang;
    edit_questionnaire(app, ctx, id, move |q| {
        let before = q.items.len();
        q.items.retain(|i| i.code != f.code);
        if q.items.len() == before {
            return Err(match lang {
                Lang::En => format!("code: no item '{}'", f.code),
                Lang::ZhCn => format!("code：没有题目 '{}'", f.code),
            });
        }
        Ok(())
    })
    .await
}

#[derive(Deserialize)]
struct JsonForm {
    #[serde(default)]
    csrf: String,
    questionnaire: String,
}

async fn replace_questionnaire(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<JsonForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    match serde_json::from_str::<Questionnaire>(&f.questionnaire) {
        Ok(q) => {
            let r = app.set_questionnaire(actor(&ctx), id, q).await;
            match answer(&ctx, r, |_| format!("/surveys/{id}#items")) {
                Answer::Page(r) => r,
                Answer::Again(m) => {
                    survey_view_with(app, ctx, id, Some(m), Some(f.questionnaire)).await
                }
            }
        }
        Err(e) => {
            let (line, column) = (e.line(), e.column());
            let m = match ctx.actor.lang {
                Lang::En => format!("questionnaire: line {line}, column {column}: {e}"),
                Lang::ZhCn => {
                    format!("questionnaire：第 {line} 行第 {column} 列：JSON 无效（{e}）")
                }
            };
            survey_view_with(app, ctx, id, Some(m), Some(f.questionnaire)).await
        }
    }
}
