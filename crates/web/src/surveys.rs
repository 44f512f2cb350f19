//! Satisfaction pages (SPEC.md §2): the surveys with their waves and response rates, a new
//! survey from a template, a survey's questionnaire on the four-level hierarchy with its waves
//! (send a new one to a sample, export its links, close it), the CSI and element trend over
//! waves and the action plans; a wave's results (measures with intervals, CSI, path diagram,
//! importance–performance quadrant, distributions, c = b/a, satisfaction against purchases,
//! open answers) with exports; and the public, mobile-first form behind a personal link.

use crate::{actor, answer, download, error_page, page, Answer, Layout, WebCtx};
use app::surveys::results::{GroupMeasures, PathResult, WaveResults};
use app::surveys::{SurveyDetail, SurveyInput, WaveInput};
use app::{App, AppError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::surveys::{AnswerValue, Answers, Item, ItemKind, Questionnaire};
use domain::Lang;
use serde::Deserialize;
use serde_json::json;
use storage::surveys::{Survey, Wave};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/surveys", get(list_page).post(create_survey))
        .route("/surveys/{id}", get(survey_page))
        .route("/surveys/{id}/waves", post(create_wave))
        .route("/surveys/{id}/items", post(add_item))
        .route("/surveys/{id}/items/delete", post(delete_item))
        .route("/surveys/{id}/questionnaire", post(replace_questionnaire))
        .route("/surveys/waves/{id}", get(wave_page))
        .route("/surveys/waves/{id}/close", post(close_wave))
        .route("/surveys/waves/{id}/reminded", post(mark_reminded))
        .route("/surveys/waves/{id}/email", post(email_wave))
        .route("/s/{token}/unsubscribe", get(unsubscribe))
        .route("/surveys/waves/{id}/links", get(links_export))
        .route("/surveys/waves/{id}/export", get(results_export))
        .route("/surveys/waves/{id}/plans", post(create_plan))
        .route("/surveys/plans/{id}/status", post(plan_status))
        .route("/s/{token}", get(form_page).post(form_post))
}

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.1} %")
    } else {
        "—".into()
    }
}

fn num(v: f64, digits: usize) -> String {
    if v.is_finite() {
        format!("{v:.digits$}")
    } else {
        "—".into()
    }
}

/// A number as templates hand it over (by value or by reference).
pub trait Number {
    fn value(&self) -> f64;
}
impl Number for f64 {
    fn value(&self) -> f64 {
        *self
    }
}
impl<T: Number> Number for &T {
    fn value(&self) -> f64 {
        (**self).value()
    }
}

pub fn response_rate(w: &Wave) -> String {
    if w.invited > 0 {
        pct(100.0 * w.submitted as f64 / w.invited as f64)
    } else {
        "—".into()
    }
}

#[derive(Template)]
#[template(path = "surveys.html")]
struct ListPage {
    l: Layout,
    can_manage: bool,
    surveys: Vec<(Survey, Vec<Wave>)>,
    templates: Vec<(&'static str, String)>,
    /// Each wave's headline score (readers of analyses only).
    scores: std::collections::HashMap<i64, app::surveys::scores::WaveScore>,
    error: Option<String>,
}

impl ListPage {
    /// A wave's score in words: "CSAT 82.4 %", "NPS +15", "计算中…", or "—".
    fn score(&self, wave: &i64) -> String {
        use app::surveys::scores::WaveScore;
        let lang = self.l.lang;
        match self.scores.get(wave) {
            Some(WaveScore::Score { kind, est }) => match *kind {
                "csat" => format!("CSAT {:.1} %", est.value),
                "nps" => format!("NPS {:+.0}", est.value),
                _ => format!("{} {:.2}", lang.pick("费力度", "Effort"), est.value),
            },
            Some(WaveScore::Computing) => lang.pick("计算中…", "computing…").to_string(),
            _ => "—".to_string(),
        }
    }
    /// A questionnaire template's title (its code if it is not one of ours).
    fn template_title<'a>(&'a self, code: &'a str) -> &'a str {
        self.templates
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(code, |(_, t)| t.as_str())
    }
    fn status(&self, s: &str) -> &'static str {
        self.l.lang.t(&format!("survey.status_{s}"))
    }
    fn rate(&self, w: &Wave) -> String {
        response_rate(w)
    }
}

async fn list_page(State(app): State<App>, ctx: WebCtx) -> Response {
    list(app, ctx, None).await
}

async fn list(app: App, ctx: WebCtx, error: Option<String>) -> Response {
    let lang = ctx.actor.lang;
    match app.surveys(actor(&ctx)).await {
        Ok(surveys) => page(ListPage {
            scores: app
                .wave_scores(
                    actor(&ctx),
                    &surveys
                        .iter()
                        .flat_map(|(_, ws)| ws.iter().map(|w| (w.id, w.submitted)))
                        .collect::<Vec<_>>(),
                )
                .await
                .unwrap_or_default(),
            l: Layout::new(&ctx, "area.surveys"),
            can_manage: ctx.actor.role.can(Permission::ManageSurveys),
            surveys,
            templates: domain::surveys::TEMPLATES
                .iter()
                .map(|t| (*t, domain::surveys::template_label(t, lang).to_string()))
                .collect(),
            error,
        }),
        Err(e) => error_page(&ctx, e),
    }
}

#[derive(Deserialize)]
struct NewSurveyForm {
    #[serde(default)]
    csrf: String,
    name: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    target_segment: String,
    template: String,
}

async fn create_survey(
    State(app): State<App>,
    ctx: WebCtx,
    Form(f): Form<NewSurveyForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let input = SurveyInput {
        name: f.name,
        purpose: f.purpose,
        target_segment: f.target_segment,
        template: f.template,
        questionnaire: None,
    };
    let r = app.create_survey(actor(&ctx), input).await;
    match answer(&ctx, r, |s| format!("/surveys/{}", s.id)) {
        Answer::Page(r) => r,
        Answer::Again(m) => list(app, ctx, Some(m)).await,
    }
}

/// An element's index in each wave: (wave name, index) for the trend chart.
#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyPage {
    l: Layout,
    d: SurveyDetail,
    can_manage: bool,
    /// The questionnaire may still change (no wave but pre-tests sent).
    editable: bool,
    /// The questionnaire as JSON, for the editor.
    json: String,
    /// What the JSON editor was sent, when it was refused.
    json_draft: Option<String>,
    trend: String,
    /// Per plan: (element name, latest index).
    plan_rows: Vec<(String, String, String)>,
    error: Option<String>,
}

impl SurveyPage {
    fn item_types(&self) -> Vec<(&'static str, &'static str)> {
        [
            "scale5",
            "csat",
            "scale10",
            "recommend",
            "effort",
            "gap",
            "single",
            "multiple",
            "share",
            "text",
        ]
        .into_iter()
        .map(|k| (k, self.l.lang.t(&format!("survey.type_{k}"))))
        .collect()
    }
    fn status(&self, s: &str) -> &'static str {
        self.l.lang.t(&format!("survey.status_{s}"))
    }
    fn plan(&self, s: &str) -> &'static str {
        self.l.lang.t(&format!("survey.plan_{s}"))
    }
    fn same(&self, a: &str, b: &str) -> bool {
        a == b
    }
    fn rate(&self, w: &Wave) -> String {
        response_rate(w)
    }
    fn kind(&self, i: &Item) -> String {
        kind_label(&i.kind)
    }
    fn element_name(&self, code: &str) -> String {
        self.d
            .questionnaire
            .elements
            .iter()
            .find(|e| e.code == code)
            .map(|e| e.name.get(self.l.lang).to_string())
            .unwrap_or_else(|| code.to_string())
    }
}

fn kind_label(k: &ItemKind) -> String {
    match k {
        ItemKind::Scale { min, max } => format!("{min}–{max}"),
        ItemKind::Recommend => "0–10 NPS".into(),
        ItemKind::Effort => "1–7 CES".into(),
        ItemKind::Gap { min, max } => format!("a/b {min}–{max}"),
        ItemKind::Single { .. } => "○".into(),
        ItemKind::Multiple { .. } => "☐".into(),
        ItemKind::Share => "%".into(),
        ItemKind::Text => "…".into(),
    }
}

async fn survey_page(State(app): State<App>, ctx: WebCtx, Path(id): Path<i64>) -> Response {
    survey_view(app, ctx, id, None).await
}

async fn survey_view(app: App, ctx: WebCtx, id: i64, error: Option<String>) -> Response {
    survey_view_with(app, ctx, id, error, None).await
}

async fn survey_view_with(
    app: App,
    ctx: WebCtx,
    id: i64,
    error: Option<String>,
    json_draft: Option<String>,
) -> Response {
    let d = match app.survey(actor(&ctx), id).await {
        Ok(d) => d,
        Err(e) => return error_page(&ctx, e),
    };
    let lang = ctx.actor.lang;
    // The trend: every wave's CSI and element indices.
    let mut waves = Vec::new();
    let mut latest: std::collections::HashMap<String, f64> = Default::default();
    for w in &d.waves {
        if let Ok(r) = app.wave_results(actor(&ctx), w.id).await {
            if let Some(m) = &r.model {
                for e in &m.elements {
                    latest.insert(e.code.clone(), e.index);
                }
                waves.push(json!({
                    "wave": w.name,
                    "csi": m.csi,
                    "elements": m.elements.iter().map(|e| json!({"name": e.name.get(lang), "index": e.index})).collect::<Vec<_>>(),
                }));
            }
        }
    }
    let plan_rows = d
        .plans
        .iter()
        .map(|p| {
            let name = d
                .questionnaire
                .elements
                .iter()
                .find(|e| e.code == p.element)
                .map(|e| e.name.get(lang).to_string())
                .unwrap_or_else(|| p.element.clone());
            let now = latest.get(&p.element).copied().unwrap_or(f64::NAN);
            (name, num(now, 1), num(now - p.baseline, 1))
        })
        .collect();
    let can_manage = ctx.actor.role.can(Permission::ManageSurveys);
    page(SurveyPage {
        l: Layout::new(&ctx, "area.surveys"),
        editable: can_manage && d.waves.iter().all(|w| w.pretest),
        json: serde_json::to_string_pretty(&d.questionnaire).unwrap_or_default(),
        json_draft,
        can_manage,
        trend: json!({ "waves": waves, "csi": lang.t("survey.csi") }).to_string(),
        plan_rows,
        d,
        error,
    })
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

/// After a form on the survey page: the page again (at `anchor`), with the refusal if any.
async fn back_to_survey<T>(
    app: App,
    ctx: WebCtx,
    id: i64,
    r: Result<T, AppError>,
    anchor: &str,
) -> Response {
    match answer(&ctx, r, |_| format!("/surveys/{id}{anchor}")) {
        Answer::Page(r) => r,
        Answer::Again(m) => survey_view(app, ctx, id, Some(m)).await,
    }
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

#[derive(Deserialize)]
struct WaveForm {
    #[serde(default)]
    csrf: String,
    name: String,
    #[serde(default)]
    segment: String,
    size: String,
    #[serde(default)]
    exclude_days: String,
    #[serde(default)]
    valid_days: String,
    #[serde(default)]
    pretest: Option<String>,
    #[serde(default)]
    open_link: Option<String>,
}

fn int_or(s: &str, default: i64) -> i64 {
    if s.trim().is_empty() {
        default
    } else {
        s.trim().parse().unwrap_or(-1)
    }
}

async fn create_wave(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<WaveForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let input = WaveInput {
        name: f.name,
        pretest: f.pretest.is_some(),
        segment: f.segment,
        size: int_or(&f.size, 0),
        exclude_days: int_or(&f.exclude_days, 90),
        valid_days: int_or(&f.valid_days, 30),
        open_link: f.open_link.is_some(),
    };
    let r = app.create_wave(actor(&ctx), id, input).await;
    back_to_survey(app, ctx, id, r, "").await
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn close_wave(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let r = match ctx.check_csrf(&f.csrf) {
        Ok(()) => app.close_wave(actor(&ctx), id).await,
        Err(e) => Err(e),
    };
    back_to_wave(&ctx, id, r)
}

/// After a step on a wave from its page: the wave again, or the error page.
fn back_to_wave<T>(ctx: &WebCtx, id: i64, r: Result<T, app::AppError>) -> Response {
    match r {
        Ok(_) => Redirect::to(&format!("/surveys/waves/{id}")).into_response(),
        Err(e) => error_page(ctx, e),
    }
}

#[derive(Deserialize)]
struct EmailForm {
    csrf: String,
    #[serde(default)]
    reminders: String,
}

/// E-mail the links (or reminders) from the wave's page; the result comes back as a notice.
async fn email_wave(
    State(app): State<App>,
    ctx: WebCtx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<EmailForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    match app
        .email_wave(
            actor(&ctx),
            id,
            &crate::public_base(&headers),
            f.reminders == "1",
        )
        .await
    {
        Ok(r) => Redirect::to(&format!(
            "/surveys/waves/{id}?emailed={}&already={}&no_address={}&no_consent={}",
            r.queued, r.already, r.no_address, r.no_consent
        ))
        .into_response(),
        Err(e) => error_page(&ctx, e),
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

/// The user says the reminders went out: the unanswered invitations are marked reminded.
async fn mark_reminded(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let r = match ctx.check_csrf(&f.csrf) {
        Ok(()) => app.mark_wave_reminded(actor(&ctx), id).await,
        Err(e) => Err(e),
    };
    back_to_wave(&ctx, id, r)
}

#[derive(Deserialize)]
struct FormatQuery {
    #[serde(default)]
    format: String,
    #[serde(default)]
    table: String,
    /// `1`: only the links not yet answered (nothing is marked).
    #[serde(default)]
    remind: String,
    /// Bootstrap resamples for the paths' intervals (0: none).
    #[serde(default)]
    bootstrap: usize,
    /// After e-mailing the links: queued, sent before, without an address, without consent.
    emailed: Option<usize>,
    #[serde(default)]
    already: usize,
    #[serde(default)]
    no_address: usize,
    #[serde(default)]
    no_consent: usize,
}

async fn links_export(
    State(app): State<App>,
    ctx: WebCtx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<FormatQuery>,
) -> Response {
    match app
        .export_wave_links(
            actor(&ctx),
            id,
            &crate::public_base(&headers),
            &q.format,
            q.remind == "1",
        )
        .await
    {
        Ok(d) => download(d),
        Err(e) => error_page(&ctx, e),
    }
}

async fn results_export(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Query(q): Query<FormatQuery>,
) -> Response {
    match app
        .export_wave_results(actor(&ctx), id, &q.table, &q.format, q.bootstrap)
        .await
    {
        Ok(d) => download(d),
        Err(e) => error_page(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "survey_wave.html")]
struct WavePage {
    l: Layout,
    r: WaveResults,
    /// The wave's open link (full address), for managers.
    open_url: Option<String>,
    survey: Survey,
    can_manage: bool,
    charts: String,
    error: Option<String>,
    /// What e-mailing the links did.
    notice: Option<String>,
}

impl WavePage {
    /// The path's bootstrap interval contains 0.
    fn spans_zero(&self, p: &PathResult) -> bool {
        matches!((p.lower, p.upper), (Some(a), Some(b)) if a <= 0.0 && b >= 0.0)
    }
    fn shown(&self, groups: &[GroupMeasures]) -> bool {
        groups.iter().any(|g| !g.measures.is_empty())
    }
    fn status(&self, s: &str) -> &'static str {
        self.l.lang.t(&format!("survey.status_{s}"))
    }
    fn rate(&self) -> String {
        response_rate(&self.r.wave)
    }
    fn kind(&self, k: &str) -> &'static str {
        self.l.lang.t(&format!("survey.kind_{k}"))
    }
    fn quadrant(&self, q: &Option<String>) -> &'static str {
        match q {
            Some(q) => self.l.lang.t(&format!("survey.ipa_{q}")),
            None => "",
        }
    }
    fn band(&self, b: &str) -> &'static str {
        self.l.lang.t(&format!("survey.band_{b}"))
    }
    fn n(&self, v: impl Number, d: usize) -> String {
        num(v.value(), d)
    }
    fn on(&self, v: &Option<f64>, d: usize) -> String {
        v.map_or("—".into(), |v| num(v, d))
    }
}

async fn wave_page(
    State(app): State<App>,
    ctx: WebCtx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<FormatQuery>,
) -> Response {
    let base = crate::public_base(&headers);
    let lang = ctx.actor.lang;
    let notice = q.emailed.map(|n| {
        format!(
            "{} {n} · {} {} · {} {} · {} {}",
            lang.pick("已排队发送的邮件", "e-mails queued"),
            lang.pick("此前已发送", "sent before"),
            q.already,
            lang.pick("无邮箱", "no address"),
            q.no_address,
            lang.pick("未同意邮件联系", "no e-mail consent"),
            q.no_consent
        )
    });
    wave_view(app, ctx, id, None, &base, q.bootstrap, notice).await
}

async fn wave_view(
    app: App,
    ctx: WebCtx,
    id: i64,
    error: Option<String>,
    base: &str,
    bootstrap: usize,
    notice: Option<String>,
) -> Response {
    let r = match app.wave_results_with(actor(&ctx), id, bootstrap).await {
        Ok(r) => r,
        Err(e) => return error_page(&ctx, e),
    };
    let survey = match app.survey(actor(&ctx), r.survey_id).await {
        Ok(d) => d.survey,
        Err(e) => return error_page(&ctx, e),
    };
    let open_url = match app.open_link_path(actor(&ctx), &r.wave).await {
        Ok(p) => p.map(|p| format!("{base}{p}")),
        Err(_) => None,
    };
    let lang = ctx.actor.lang;
    let charts = json!({
        "model": r.model.as_ref().map(|m| json!({
            "elements": m.elements.iter().map(|e| json!({
                "code": e.code, "name": e.name.get(lang), "index": e.index,
                "importance": e.importance, "r2": e.r2,
            })).collect::<Vec<_>>(),
            "paths": m.paths,
        })),
        "distributions": r.distributions.iter().map(|d| json!({
            "item": d.item, "text": d.text.get(lang), "labels": d.labels, "counts": d.counts,
        })).collect::<Vec<_>>(),
        "labels": {
            "importance": lang.t("survey.importance"),
            "index": lang.t("survey.index"),
            "paths": lang.t("survey.path_chart"),
            "ipa": lang.t("survey.ipa"),
        },
    })
    .to_string();
    page(WavePage {
        l: Layout::new(&ctx, "area.surveys"),
        open_url,
        can_manage: ctx.actor.role.can(Permission::ManageSurveys),
        charts,
        survey,
        r,
        error,
        notice,
    })
}

#[derive(Deserialize)]
struct PlanForm {
    #[serde(default)]
    csrf: String,
    element: String,
    title: String,
    owner: String,
    due_date: String,
    target: String,
}

async fn create_plan(
    State(app): State<App>,
    ctx: WebCtx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<PlanForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let target = f.target.trim().parse::<f64>().unwrap_or(f64::NAN);
    let r = app
        .create_action_plan(
            actor(&ctx),
            id,
            &f.element,
            &f.title,
            &f.owner,
            &f.due_date,
            target,
        )
        .await;
    match answer(&ctx, r, |p| format!("/surveys/{}", p.survey_id)) {
        Answer::Page(r) => r,
        Answer::Again(m) => {
            wave_view(
                app,
                ctx,
                id,
                Some(m),
                &crate::public_base(&headers),
                0,
                None,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    csrf: String,
    status: String,
}

async fn plan_status(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    match app.set_action_plan_status(actor(&ctx), id, &f.status).await {
        Ok(p) => Redirect::to(&format!("/surveys/{}", p.survey_id)).into_response(),
        Err(e) => error_page(&ctx, e),
    }
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
    match app.open_link(&token, lang).await {
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
        Err(e) => public_error(lang, e),
    }
}

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
