//! The churn page (SPEC.md §4): the latest customer-value analysis of the whole base — key
//! rates with the definitions used, the fitted models, charts (P(alive) and CLV distributions,
//! RFM grid, Pareto curve, cohort retention heat map, churn by cohort and over time, the
//! holdout tracking chart), churn and referral by segment, the valuable customers at risk — and
//! a form to run a new analysis in the background, followed live.

use crate::{actor, error_page, page, Layout, WebCtx};
use app::churn::store::ClvRunRequest;
use app::App;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::Lang;
use serde::Deserialize;
use serde_json::{json, Value};
use storage::churn::AnalysisRun;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/churn", get(churn_page))
        .route("/churn/runs", post(start_run))
        .route("/churn/runs/{id}", get(run_fragment))
        .route("/churn/export", get(export))
}

/// A key figure: label, value, and how it is defined.
pub struct Figure {
    pub id: &'static str,
    pub label: &'static str,
    pub value: String,
    pub definition: String,
}

pub struct Param {
    pub model: &'static str,
    pub name: &'static str,
    pub estimate: String,
    pub se: String,
}

pub struct SegmentRow {
    pub segment: String,
    pub customers: i64,
    pub churn_p_alive: String,
    pub churn_inactivity: String,
    pub referral: String,
    pub mean_clv: String,
}

pub struct AtRiskRow {
    pub id: i64,
    pub external_id: String,
    pub name: String,
    pub p_alive: String,
    pub total_spend: String,
    pub last_purchase: String,
    pub rfm: String,
}

/// What the page shows of the latest finished run.
pub struct LatestView {
    pub run: AnalysisRun,
    pub figures: Vec<Figure>,
    pub params: Vec<Param>,
    pub segments: Vec<SegmentRow>,
    pub at_risk: Vec<AtRiskRow>,
    pub churn_definition: String,
    pub trend_definition: String,
    /// The summary and the holdout check (possibly of an earlier run) for the charts.
    pub chart_data: String,
    pub holdout_run: Option<(i64, String, String)>,
    /// The company's headline churn and retention (from the latest loyalty classification),
    /// with why the model-only figures below differ.
    pub headline: Vec<Figure>,
    pub headline_note: String,
    pub finished: String,
    /// Where a run made elsewhere (a cluster's, loaded) came from; empty for a run made here.
    pub source_note: String,
}

#[derive(Template)]
#[template(path = "churn.html")]
struct ChurnPage {
    l: Layout,
    can_run: bool,
    can_export: bool,
    running: Option<i64>,
    latest: Option<LatestView>,
    runs: Vec<AnalysisRun>,
    today: String,
    chart_labels: String,
    error: Option<String>,
    clock: crate::Clock,
}

impl ChurnPage {
    fn is_done(&self, s: &str) -> bool {
        s == "done"
    }
    fn status(&self, s: &str) -> &'static str {
        self.l.lang.t(&format!("churn.status_{s}"))
    }
    fn period_key(&self, p: &str) -> &'static str {
        match p {
            "day" => "churn.day",
            "month" => "churn.month",
            _ => "churn.week",
        }
    }
}

#[derive(Template)]
#[template(path = "churn_run.html")]
struct RunFragment {
    l: Layout,
    run: AnalysisRun,
    percent: u64,
    stage: &'static str,
}

impl RunFragment {
    fn status(&self, s: &str) -> &'static str {
        self.l.lang.t(&format!("churn.status_{s}"))
    }
}

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1} %", 100.0 * v)
    } else {
        "—".into()
    }
}

use crate::loyalty::money;

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn by_lang(v: &Value, lang: Lang) -> String {
    v[match lang {
        Lang::En => "en",
        Lang::ZhCn => "zh",
    }]
    .as_str()
    .unwrap_or("")
    .to_string()
}

/// The key figures of a summary, with their definitions in the user's language.
fn figures(s: &Value, lang: Lang) -> Vec<Figure> {
    let t = |k: &str| lang.t(k);
    let c = &s["churn"];
    let mut out = vec![
        Figure {
            id: "fig-customers",
            label: t("churn.customers"),
            value: s["n_customers"].to_string(),
            definition: format!(
                "{} {}",
                t("churn.customers_def"),
                s["calibration_end"].as_str().unwrap_or("")
            ),
        },
        Figure {
            id: "fig-mean-p-alive",
            label: t("churn.mean_p_alive"),
            value: format!("{:.3}", f(&s["totals"]["mean_p_alive"])),
            definition: t("churn.p_alive_def").to_string(),
        },
        Figure {
            id: "fig-churn-p-alive",
            label: t("churn.churn_rate_p_alive"),
            value: pct(f(&c["by_p_alive"]["churn_rate"])),
            definition: format!("P(alive) < {}", f(&c["p_alive_threshold"])),
        },
        Figure {
            id: "fig-retention",
            label: t("churn.retention_p_alive"),
            value: pct(f(&c["by_p_alive"]["retention_rate"])),
            definition: t("churn.retention_def").to_string(),
        },
        Figure {
            id: "fig-churn-inactivity",
            label: t("churn.churn_rate_inactivity"),
            value: pct(f(&c["by_inactivity"]["churn_rate"])),
            definition: format!(
                "{} {}",
                f(&c["inactivity_multiple"]),
                t("churn.inactivity_def")
            ),
        },
    ];
    if s["referral"].is_object() {
        out.push(Figure {
            id: "fig-referral",
            label: t("churn.referral_rate"),
            value: pct(f(&s["referral"]["referral_rate"])),
            definition: by_lang(&s["referral"]["definition"], lang),
        });
    }
    out.extend([
        Figure {
            id: "fig-expected",
            label: t("churn.expected_purchases"),
            value: crate::loyalty::grouped(
                f(&s["totals"]["expected_purchases"]).max(0.0).round() as u128
            ),
            definition: format!("{} {}", s["horizon_months"], t("churn.months")),
        },
        Figure {
            id: "fig-clv",
            label: t("churn.total_clv"),
            value: money(f(&s["totals"]["clv"])),
            definition: format!(
                "{} {}, {} {} %",
                s["horizon_months"],
                t("churn.months"),
                t("churn.discount"),
                100.0 * f(&s["discount_rate_per_month"])
            ),
        },
        Figure {
            id: "fig-top20",
            label: t("churn.top20"),
            value: pct(f(&s["pareto"]["top20_revenue_share"])),
            definition: format!(
                "{} {}",
                t("churn.top20_clv"),
                pct(f(&s["pareto"]["top20_clv_share"]))
            ),
        },
    ]);
    out
}

fn params(s: &Value) -> Vec<Param> {
    let mut out = Vec::new();
    for (model, key, names) in [
        ("BG/NBD", "bgnbd", &["r", "alpha", "a", "b"][..]),
        ("Gamma-Gamma", "gamma_gamma", &["p", "q", "gamma"][..]),
    ] {
        for name in names {
            out.push(Param {
                model,
                name,
                estimate: format!("{:.6}", f(&s[key][name])),
                se: format!("{:.6}", f(&s[key]["se"][name])),
            });
        }
        out.push(Param {
            model,
            name: "loglik",
            estimate: format!("{:.4}", f(&s[key]["loglik"])),
            se: String::new(),
        });
    }
    out
}

fn segments(s: &Value) -> Vec<SegmentRow> {
    s["segments"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    let n = r["customers"].as_i64().unwrap_or(0);
                    let share = |k: &str| pct(r[k].as_i64().unwrap_or(0) as f64 / n.max(1) as f64);
                    SegmentRow {
                        segment: r["segment"].as_str().unwrap_or("").to_string(),
                        customers: n,
                        churn_p_alive: share("churned_p_alive"),
                        churn_inactivity: share("churned_inactivity"),
                        referral: share("referrers"),
                        mean_clv: money(f(&r["mean_clv"])),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Chart labels in the user's language, for `churn.js`.
fn chart_labels(lang: Lang) -> String {
    let keys = [
        "p_alive_chart",
        "clv_chart",
        "rfm_chart",
        "pareto_chart",
        "cohort_chart",
        "churn_cohort_chart",
        "trend_chart",
        "tracking_chart",
        "holdout_chart",
        "customers",
        "revenue",
        "future_value",
        "equality",
        "actual",
        "expected",
        "churn_rate_p_alive",
        "churn_rate_inactivity",
        "referral_rate",
        "retention_rate",
        "active_rate",
        "recency",
        "frequency",
        "share_customers",
        "periods_since",
        "calibration_end",
        "repeat_purchases",
        "mean_clv",
    ];
    let m: serde_json::Map<String, Value> = keys
        .iter()
        .map(|k| (k.to_string(), json!(lang.t(&format!("churn.{k}")))))
        .collect();
    Value::Object(m).to_string()
}

/// The latest finished run's view, or the asked run's (when it finished).
async fn latest_view(
    app: &App,
    ctx: &WebCtx,
    asked: Option<i64>,
) -> Result<Option<LatestView>, app::AppError> {
    let lang = ctx.actor.lang;
    let chosen = match asked {
        Some(id) => app
            .clv_run(actor(ctx), id)
            .await
            .ok()
            .map(|(r, _)| r)
            .filter(|r| r.status == "done"),
        None => None,
    };
    let run = match chosen {
        Some(r) => r,
        None => match app.latest_clv(actor(ctx)).await? {
            Some(r) => r,
            None => return Ok(None),
        },
    };
    let s = &run.summary;
    let threshold = run.options["churn_threshold"].as_f64().unwrap_or(0.5);
    let at_risk = app
        .valuable_at_risk(actor(ctx), threshold, 20)
        .await?
        .into_iter()
        .map(|(id, external_id, name, v)| AtRiskRow {
            id,
            external_id,
            name,
            p_alive: format!("{:.3}", v.p_alive),
            total_spend: money(v.total_spend),
            last_purchase: v.last_purchase,
            rfm: format!("{}{}{}", v.rfm_r, v.rfm_f, v.rfm_m),
        })
        .collect();
    // The holdout chart: this run's check, or the newest run that has one.
    let holdout_run = if s["holdout"].is_object() {
        Some(run.clone())
    } else {
        app.store
            .latest_holdout_run(app::churn::store::CLV_RUN)
            .await?
    };
    let holdout = holdout_run
        .as_ref()
        .map(|r| r.summary["holdout"].clone())
        .unwrap_or(Value::Null);
    let chart_data = json!({
        "distributions": s["distributions"],
        "pareto": s["pareto"],
        "cohorts": s["cohorts"],
        "churn": { "by_cohort": s["churn"]["by_cohort"], "trend": s["churn"]["trend"] },
        "referral_by_cohort": s["referral_by_cohort"],
        "holdout": holdout,
        "holdout_calibration_end": holdout_run.as_ref().map(|r| r.summary["calibration_end"].clone()),
    })
    .to_string();
    let (headline, headline_note) = headline(app, ctx, s).await?;
    Ok(Some(LatestView {
        headline,
        headline_note,
        finished: {
            let clock = crate::Clock::of(app).await;
            run.finished_at
                .as_deref()
                .map(|t| format!("{} {}", clock.show(t), clock.zone()))
                .unwrap_or_default()
        },
        figures: figures(s, lang),
        params: params(s),
        segments: segments(s),
        at_risk,
        churn_definition: by_lang(&s["churn"]["definition"], lang),
        source_note: by_lang(&s["source"]["definition"], lang),
        trend_definition: by_lang(&s["churn"]["trend"]["definition"], lang),
        chart_data,
        holdout_run: holdout_run.map(|r| {
            (
                r.id,
                r.summary["calibration_end"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                r.summary["holdout"]["observation_end"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        }),
        run,
    }))
}

/// The headline figures from the latest loyalty classification, and a note on why the model's
/// own churn rates (by P(alive) alone, by inactivity alone) differ from it.
async fn headline(
    app: &App,
    ctx: &WebCtx,
    clv: &Value,
) -> Result<(Vec<Figure>, String), app::AppError> {
    let lang = ctx.actor.lang;
    let p = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    let Some(run) = app.latest_loyalty_run(actor(ctx)).await? else {
        return Ok((
            Vec::new(),
            p(
                "尚无公司口径的流失率：在“忠诚管理”页点击“立即分类”。下列数字是模型本身的口径。",
                "No headline churn rate yet: Classify now on the Loyalty page. The figures below are the model's own.",
            ),
        ));
    };
    let s = &run.summary;
    let h = &s["headline"];
    let one_time: i64 = s["status"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|r| r["rule"] == "one_time")
                .map(|r| r["customers"].as_i64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0);
    let one_time_churned: i64 = s["status"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|r| r["rule"] == "one_time" && r["status"] == "churned")
                .map(|r| r["customers"].as_i64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0);
    let definition = match s["churn_settings"]["definition"].as_str() {
        Some("inactivity") => format!(
            "{} {} {}",
            p("超过自身平均购买间隔", "no purchase for more than"),
            f(&s["churn_settings"]["inactivity_multiple"]),
            p("倍未购买", "× the customer's own mean interval")
        ),
        _ => format!(
            "P(alive) < {}",
            f(&s["churn_settings"]["p_alive_threshold"])
        ),
    };
    let as_of = s["as_of"].as_str().unwrap_or("");
    let figures = vec![
        Figure {
            id: "fig-headline-churn",
            label: lang.t("churn.headline_churn"),
            value: pct(f(&h["churn_rate"])),
            definition: format!(
                "{definition}; {} {} {}; {} · {} {as_of}",
                p(
                    "只买过一次的客户：距唯一一次购买超过",
                    "one-time buyers: more than"
                ),
                s["churn_settings"]["one_time_days"],
                p("天", "days since their purchase"),
                p("签约客户：已解约", "contract customers: cancelled"),
                p("截至", "as of")
            ),
        },
        Figure {
            id: "fig-headline-retention",
            label: lang.t("churn.headline_retention"),
            value: pct(f(&h["retention_rate"])),
            definition: p(
                "1 − 公司口径流失率（同一口径、同一天）",
                "1 − the headline churn rate (same definition, same day)",
            ),
        },
        Figure {
            id: "fig-headline-at-risk",
            label: lang.t("churn.headline_at_risk"),
            value: h["at_risk"].to_string(),
            definition: format!(
                "{} {}",
                p("尚未流失，但存活概率低于", "not churned, P(alive) below"),
                f(&s["churn_settings"]["at_risk_threshold"])
            ),
        },
    ];
    let n = clv["n_customers"].as_i64().unwrap_or(0).max(1);
    let note = format!(
        "{} {one_time} {} ({:.1} %) {} {one_time_churned} {}",
        p(
            "为什么下列模型口径的流失率与公司口径不同：BG/NBD 对只买过一次的客户总给出存活概率 1，因此“仅按存活概率”的流失率把他们全部算作未流失；“仅按未购间隔”对他们套用重复购买客户的中位间隔。本次只买过一次的客户有",
            "Why the model's own rates below differ from the headline: BG/NBD gives one-time buyers P(alive) = 1, so churn by P(alive) alone counts them all as active; churn by inactivity alone applies the repeat buyers' median interval to them. One-time buyers this time:",
        ),
        p("位", "customers"),
        100.0 * one_time as f64 / n as f64,
        p("；按天数规则其中已流失", "; by the days rule, churned:"),
        p("位。", ""),
    );
    Ok((figures, note))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    run: Option<i64>,
}

async fn churn_page(State(app): State<App>, ctx: WebCtx, Query(q): Query<PageQuery>) -> Response {
    render(&app, &ctx, q.run, None).await
}

async fn render(app: &App, ctx: &WebCtx, run: Option<i64>, error: Option<String>) -> Response {
    if let Err(e) = ctx.actor.require(Permission::ViewAnalytics) {
        return error_page(ctx, e);
    }
    let latest = match latest_view(app, ctx, run).await {
        Ok(v) => v,
        Err(e) => return error_page(ctx, e),
    };
    let runs = match app.clv_runs(actor(ctx), 10).await {
        Ok(r) => r,
        Err(e) => return error_page(ctx, e),
    };
    // Follow a run still running; say why the asked run failed.
    let running = runs.iter().find(|r| r.status == "running").map(|r| r.id);
    let error = error.or_else(|| {
        runs.iter()
            .find(|r| Some(r.id) == run && r.status == "failed")
            .map(|r| format!("{} {}", ctx.actor.lang.t("churn.run_failed"), r.error))
    });
    page(ChurnPage {
        l: Layout::new(ctx, "area.churn"),
        can_run: ctx.actor.role.can(Permission::RunAnalytics),
        can_export: ctx.actor.role.can(Permission::ExportAll),
        running,
        latest,
        runs,
        today: domain::time::now_stored()[..10].to_string(),
        clock: crate::Clock::of(app).await,
        chart_labels: chart_labels(ctx.actor.lang),
        error,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RunForm {
    csrf: String,
    calibration_end: String,
    observation_end: String,
    period: String,
    horizon_months: String,
    discount_rate_percent: String,
    churn_threshold: String,
    inactivity_multiple: String,
}

fn number<T: std::str::FromStr>(
    lang: Lang,
    field: &str,
    s: &str,
) -> Result<Option<T>, app::AppError> {
    match s.trim() {
        "" => Ok(None),
        v => v.parse().map(Some).map_err(|_| {
            let reason = match lang {
                Lang::En => format!("'{v}' is not a number"),
                Lang::ZhCn => format!("“{v}”不是数字"),
            };
            app::AppError::field(lang, field, reason)
        }),
    }
}

async fn start_run(State(app): State<App>, ctx: WebCtx, Form(form): Form<RunForm>) -> Response {
    let lang = ctx.actor.lang;
    let result = async {
        ctx.check_csrf(&form.csrf)?;
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let req = ClvRunRequest {
            calibration_end: text(&form.calibration_end),
            observation_end: text(&form.observation_end),
            period: text(&form.period),
            horizon_months: number(lang, "horizon_months", &form.horizon_months)?,
            discount_rate: number::<f64>(lang, "discount_rate", &form.discount_rate_percent)?
                .map(|p| p / 100.0),
            churn_threshold: number(lang, "churn_threshold", &form.churn_threshold)?,
            inactivity_multiple: number(lang, "inactivity_multiple", &form.inactivity_multiple)?,
            ..ClvRunRequest::default()
        };
        let opts = req.options(lang)?;
        app.start_clv_run(actor(&ctx), opts).await
    }
    .await;
    match result {
        Ok(id) => Redirect::to(&format!("/churn?run={id}")).into_response(),
        Err(e) => {
            let e = e.localized(lang);
            let mut text = e.message.clone();
            if let Some(fields) = e.details.get("fields").and_then(|f| f.as_array()) {
                for fe in fields {
                    text.push_str(&format!(
                        " {}: {}",
                        fe["field"].as_str().unwrap_or(""),
                        fe["reason"].as_str().unwrap_or("")
                    ));
                }
            }
            let mut r = render(&app, &ctx, None, Some(text)).await;
            *r.status_mut() = axum::http::StatusCode::from_u16(e.code.http_status())
                .unwrap_or(axum::http::StatusCode::UNPROCESSABLE_ENTITY);
            r
        }
    }
}

async fn run_fragment(State(app): State<App>, ctx: WebCtx, Path(id): Path<i64>) -> Response {
    match app.clv_run(actor(&ctx), id).await {
        Ok((run, progress)) => {
            let lang = ctx.actor.lang;
            let (percent, stage) = match &progress {
                Some(p) if p.total > 0 => (
                    (p.done * 100 / p.total).min(100),
                    lang.t(&format!("churn.stage_{}", p.stage)),
                ),
                Some(p) if !p.stage.is_empty() => (0, lang.t(&format!("churn.stage_{}", p.stage))),
                _ => (0, lang.t("churn.stage_starting")),
            };
            let done = run.status != "running";
            let mut r = page(RunFragment {
                l: Layout::new(&ctx, "area.churn"),
                run,
                percent,
                stage,
            });
            if done {
                // The finished run's results are the page: htmx reloads it.
                r.headers_mut()
                    .insert("HX-Refresh", axum::http::HeaderValue::from_static("true"));
            }
            r
        }
        Err(e) => error_page(&ctx, e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExportQuery {
    format: String,
}

async fn export(State(app): State<App>, ctx: WebCtx, Query(q): Query<ExportQuery>) -> Response {
    match app.export_customer_values(actor(&ctx), &q.format).await {
        Ok(d) => (
            [
                (axum::http::header::CONTENT_TYPE, d.content_type.to_string()),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", d.file_name),
                ),
            ],
            d.bytes,
        )
            .into_response(),
        Err(e) => error_page(&ctx, e),
    }
}
