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
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::surveys::{Item, ItemKind};
use serde::Deserialize;
use serde_json::json;
use storage::surveys::{Survey, Wave};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/surveys", get(list_page).post(create_survey))
        .route("/surveys/{id}", get(survey_page))
        .route("/surveys/{id}/waves", post(create_wave))
        .route("/surveys/waves/{id}", get(wave_page))
        .route("/surveys/waves/{id}/close", post(close_wave))
        .route("/surveys/waves/{id}/reminded", post(mark_reminded))
        .route("/surveys/waves/{id}/email", post(email_wave))
        .route("/surveys/waves/{id}/links", get(links_export))
        .route("/surveys/waves/{id}/export", get(results_export))
        .route("/surveys/waves/{id}/plans", post(create_plan))
        .route("/surveys/plans/{id}/status", post(plan_status))
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

pub(crate) async fn survey_view(app: App, ctx: WebCtx, id: i64, error: Option<String>) -> Response {
    survey_view_with(app, ctx, id, error, None).await
}

pub(crate) async fn survey_view_with(
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

/// After a form on the survey page: the page again (at `anchor`), with the refusal if any.
pub(crate) async fn back_to_survey<T>(
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
