//! The Loyalty page (SPEC.md §5): the latest classification — evidence coverage, the headline
//! churn and retention, the type mix (chart) with what to do about each type, movement between
//! types since the previous run, the segments with their size and value, the three faces of
//! loyalty, contract retention by the shifted-beta-geometric model — and the customers of any
//! type, status or segment with their reasons, exported, saved as a segment, or turned into
//! win-back tasks in bulk.

use crate::{actor, error_page, page, Layout, WebCtx};
use app::loyalty::SegmentFilter;
use app::App;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use domain::access::Permission;
use domain::churn::Status;
use domain::loyalty::{LoyaltyType, Reason};
use domain::Lang;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::loyalty_actions as actions;
pub(crate) use crate::loyalty_actions::form_urlencoded_pairs;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/loyalty", get(loyalty_page))
        .route("/loyalty/runs", post(actions::run))
        .route("/loyalty/export", get(actions::export))
        .route("/loyalty/segments", post(actions::save_segment))
        .route(
            "/loyalty/segments/{id}/delete",
            post(actions::delete_segment),
        )
        .route("/loyalty/winback", post(actions::create_tasks))
}

/// Money with thousands separators and the currency: ¥55,679.78.
pub(crate) fn money(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let cents = (v.abs() * 100.0).round() as u128;
    let (whole, frac) = (cents / 100, cents % 100);
    format!(
        "{}¥{}.{frac:02}",
        if v < 0.0 { "-" } else { "" },
        grouped(whole)
    )
}

/// Money in fen (minor units) as pages show it: ¥55,679.78.
pub(crate) fn money_minor(minor: i64) -> String {
    let a = minor.unsigned_abs();
    format!(
        "{}¥{}.{:02}",
        if minor < 0 { "-" } else { "" },
        grouped(u128::from(a / 100)),
        a % 100
    )
}

/// A whole number with thousands separators: 1,234,567.
pub(crate) fn grouped(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

pub(crate) fn pct(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map_or("—".into(), |v| format!("{:.1} %", 100.0 * v))
}

pub struct Figure {
    pub id: &'static str,
    pub label: String,
    pub value: String,
    pub definition: String,
}

pub struct TypeRow {
    pub code: &'static str,
    pub label: &'static str,
    pub customers: i64,
    pub share: String,
    pub clv: String,
    pub value_at_risk: String,
    pub advice: &'static str,
    pub note: &'static str,
}

pub struct SegmentRow {
    pub label: String,
    pub customers: i64,
    pub value: String,
    pub definition: String,
    pub href: String,
}

pub struct DriverRow {
    pub name: String,
    pub effect: String,
    pub performance: String,
    pub direct: String,
    pub act: bool,
}

pub struct CustomerRow {
    pub id: i64,
    pub name: String,
    pub external_id: String,
    pub type_label: &'static str,
    pub attachment: String,
    pub status: &'static str,
    pub value_at_risk: String,
    pub reasons: String,
}

#[derive(Template)]
#[template(path = "loyalty.html")]
struct LoyaltyPage {
    l: Layout,
    can_run: bool,
    can_export: bool,
    can_manage: bool,
    run_info: Option<String>,
    figures: Vec<Figure>,
    types: Vec<TypeRow>,
    segments: Vec<SegmentRow>,
    faces: Vec<Figure>,
    movement: Vec<(&'static str, &'static str, i64)>,
    contract_note: String,
    drivers: Vec<DriverRow>,
    drivers_note: String,
    filter: SegmentFilter,
    query: String,
    customers: Vec<CustomerRow>,
    total: i64,
    page: i64,
    pages: i64,
    saved: Vec<storage::loyalty::SavedSegment>,
    type_options: Vec<(&'static str, &'static str)>,
    status_options: Vec<(&'static str, &'static str)>,
    assignees: Vec<String>,
    charts: String,
    error: Option<String>,
}

impl LoyaltyPage {
    fn t(&self, k: &str) -> &'static str {
        self.l.lang.t(k)
    }
    fn pick(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.l.lang.pick(zh, en)
    }
    fn is_type(&self, c: &str) -> bool {
        self.filter.loyalty_type == c
    }
    fn is_status(&self, c: &str) -> bool {
        self.filter.status == c
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct PageQuery {
    #[serde(rename = "type")]
    pub(crate) loyalty_type: String,
    pub(crate) status: String,
    pub(crate) segment: String,
    pub(crate) top20: Option<String>,
    pub(crate) saved: Option<i64>,
    pub(crate) page: Option<i64>,
    pub(crate) format: String,
}

impl PageQuery {
    pub(crate) fn filter(&self) -> SegmentFilter {
        SegmentFilter {
            loyalty_type: self.loyalty_type.trim().to_string(),
            status: self.status.trim().to_string(),
            segment: self.segment.trim().to_string(),
            top20: self
                .top20
                .as_deref()
                .is_some_and(|v| matches!(v, "1" | "true" | "on")),
        }
    }
}

fn query_of(f: &SegmentFilter) -> String {
    let mut q = Vec::new();
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b',' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    if !f.loyalty_type.is_empty() {
        q.push(format!("type={}", enc(&f.loyalty_type)));
    }
    if !f.status.is_empty() {
        q.push(format!("status={}", enc(&f.status)));
    }
    if !f.segment.is_empty() {
        q.push(format!("segment={}", enc(&f.segment)));
    }
    if f.top20 {
        q.push("top20=1".into());
    }
    q.join("&")
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn type_note(t: LoyaltyType, lang: Lang) -> &'static str {
    if t.is_partial() || t == LoyaltyType::Unknown {
        lang.pick("部分证据", "partial evidence")
    } else if t.is_fallback() {
        lang.pick(
            "Dick & Basu 基本类别：证据不足以区分细分类型",
            "Dick & Basu cell: the evidence does not tell the finer types apart",
        )
    } else {
        ""
    }
}

const PAGE_SIZE: i64 = 50;

async fn loyalty_page(State(app): State<App>, ctx: WebCtx, Query(q): Query<PageQuery>) -> Response {
    render(&app, &ctx, &q, None).await
}

pub(crate) async fn render(
    app: &App,
    ctx: &WebCtx,
    q: &PageQuery,
    error: Option<String>,
) -> Response {
    let a = actor(ctx);
    let lang = a.lang;
    if let Err(e) = a.require(Permission::ViewAnalytics) {
        return error_page(ctx, e);
    }
    let filter = match q.saved {
        Some(id) => match app.saved_segment_filter(a, id).await {
            Ok(f) => f,
            Err(e) => return error_page(ctx, e),
        },
        None => q.filter(),
    };
    let result = async {
        let run = app.latest_loyalty_run(a).await?;
        let page_no = q.page.unwrap_or(1);
        let offset = domain::paging::offset(page_no, PAGE_SIZE, lang)
            .map_err(|e| app::AppError::invalid(lang, e))?;
        let (rows, total) = app
            .loyalty_customers(a, &filter.to_filter(), PAGE_SIZE, offset)
            .await?;
        let saved = app.saved_segments(a).await?;
        let users = if a.role.can(Permission::ManageCases) {
            app.store.list_users().await?
        } else {
            Vec::new()
        };
        Ok::<_, app::AppError>((run, page_no, rows, total, saved, users))
    }
    .await;
    let (run, page_no, rows, total, saved, users) = match result {
        Ok(v) => v,
        Err(e) if e.code.http_status() == 422 => {
            // A bad filter in the address: the page without it, saying why.
            let q2 = PageQuery {
                page: Some(1),
                ..PageQuery::default()
            };
            let mut r = Box::pin(render(app, ctx, &q2, Some(e.localized(lang).message))).await;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return r;
        }
        Err(e) => return error_page(ctx, e),
    };
    let s = run
        .as_ref()
        .map(|r| r.summary.clone())
        .unwrap_or(Value::Null);
    let n = s["customers"].as_i64().unwrap_or(0);
    let mut types: Vec<TypeRow> = LoyaltyType::ALL
        .iter()
        .filter_map(|t| {
            let v = &s["types"][t.code()];
            let c = v["customers"].as_i64().filter(|c| *c > 0)?;
            Some(TypeRow {
                code: t.code(),
                label: t.label(lang),
                customers: c,
                share: pct(Some(c as f64 / n.max(1) as f64)),
                clv: crate::loyalty::money(num(&v["clv"])),
                value_at_risk: money(num(&v["value_at_risk"])),
                advice: t.advice(lang),
                note: type_note(*t, lang),
            })
        })
        .collect();
    types.sort_by_key(|t| -t.customers);
    let e = &s["evidence"];
    let h = &s["headline"];
    let definition = match s["churn_settings"]["definition"].as_str() {
        Some("inactivity") => format!(
            "{} {} {}",
            lang.pick("超过自身平均购买间隔", "no purchase for more than"),
            num(&s["churn_settings"]["inactivity_multiple"]),
            lang.pick("倍未购买", "× the customer's own mean interval")
        ),
        _ => format!(
            "P(alive) < {}",
            num(&s["churn_settings"]["p_alive_threshold"])
        ),
    };
    let one_time = format!(
        "{} {} {}",
        lang.pick(
            "只买过一次的客户：距唯一一次购买超过",
            "one-time buyers: more than"
        ),
        s["churn_settings"]["one_time_days"].as_i64().unwrap_or(365),
        lang.pick(
            "天（BG/NBD 对他们总给出存活概率 1）",
            "days since their only purchase (BG/NBD gives them P(alive) = 1)"
        )
    );
    let as_of = s["as_of"].as_str().unwrap_or("").to_string();
    let figures = if run.is_some() {
        vec![
            Figure {
                id: "fig-classified",
                label: lang.pick("已分类客户", "Customers classified").into(),
                value: n.to_string(),
                definition: format!(
                    "{} {} · {} {} · {} {}",
                    lang.pick("两类证据", "both kinds of evidence"),
                    e["both"],
                    lang.pick("仅行为", "behaviour only"),
                    e["behaviour_only"],
                    lang.pick("仅态度", "attitude only"),
                    e["attitude_only"]
                ),
            },
            Figure {
                id: "fig-headline-churn",
                label: lang
                    .pick("流失率（公司口径）", "Churn rate (headline)")
                    .into(),
                value: pct(h["churn_rate"].as_f64()),
                definition: format!(
                    "{}: {definition}; {one_time}; {} · {} {as_of}",
                    lang.pick(
                        "已流失客户 / 有购买的客户",
                        "churned / customers with purchases"
                    ),
                    lang.pick("签约客户以解约为准", "contract customers: cancellation"),
                    lang.pick("截至", "as of")
                ),
            },
            Figure {
                id: "fig-headline-retention",
                label: lang
                    .pick("保持率（公司口径）", "Retention rate (headline)")
                    .into(),
                value: pct(h["retention_rate"].as_f64()),
                definition: lang
                    .pick(
                        "1 − 上述流失率，同一口径、同一时点",
                        "1 − the churn rate beside it: same definition, same day",
                    )
                    .into(),
            },
            Figure {
                id: "fig-at-risk",
                label: lang.pick("有流失风险", "At risk").into(),
                value: h["at_risk"].to_string(),
                definition: format!(
                    "{} {}",
                    lang.pick(
                        "尚未流失，但存活概率低于",
                        "not churned, but P(alive) below"
                    ),
                    num(&s["churn_settings"]["at_risk_threshold"])
                ),
            },
            Figure {
                id: "fig-top20",
                label: lang
                    .pick(
                        "前 20% 客户的消费占比",
                        "Top 20 % customers' share of spend",
                    )
                    .into(),
                value: pct(s["segments"]["top20"]["spend_share"].as_f64()),
                definition: lang
                    .pick(
                        "按累计消费排名前 20% 的客户贡献的消费（帕累托）",
                        "spend of the 20 % who spent most, of all spend (Pareto)",
                    )
                    .into(),
            },
        ]
    } else {
        Vec::new()
    };
    let seg = &s["segments"];
    let segments = if run.is_some() {
        vec![
            SegmentRow {
                label: lang.pick("高度信赖", "Highly trusting").into(),
                customers: seg["highly_trusting"]["customers"].as_i64().unwrap_or(0),
                value: money(num(&seg["highly_trusting"]["clv"])),
                definition: lang.pick("信赖/超值忠诚与真正忠诚：依恋高、重复高（值为 CLV）", "premium and true loyalty: high attachment, high repeat (value: CLV)").into(),
                href: "/loyalty?type=premium".into(),
            },
            SegmentRow {
                label: lang.pick("易受竞争对手影响", "Susceptible to competitors").into(),
                customers: seg["susceptible"]["customers"].as_i64().unwrap_or(0),
                value: money(num(&seg["susceptible"]["clv"])),
                definition: lang.pick("惰性、方便、激励、价格、垄断与虚假忠诚：重复却无依恋（值为 CLV）", "inertia, convenience, incentive, price, monopoly and spurious: repeat without attachment (value: CLV)").into(),
                href: "/loyalty?type=inertia".into(),
            },
            SegmentRow {
                label: lang.pick("易流失", "Likely to churn").into(),
                customers: seg["likely_to_churn"]["customers"].as_i64().unwrap_or(0),
                value: money(num(&seg["likely_to_churn"]["value_at_risk"])),
                definition: lang.pick("有流失风险或已流失（值为风险价值 = 累计消费 × (1 − 存活概率)）", "at risk or churned (value: value at risk = total spend × (1 − P(alive)))").into(),
                href: "/loyalty?status=at_risk,churned".into(),
            },
            SegmentRow {
                label: lang.pick("前 20% 高价值", "Top 20 % by spend").into(),
                customers: seg["top20"]["customers"].as_i64().unwrap_or(0),
                value: money(num(&seg["top20"]["spend"])),
                definition: format!("{} {}", lang.pick("累计消费，占全部消费", "total spend, of all spend:"), pct(seg["top20"]["spend_share"].as_f64())),
                href: "/loyalty?top20=1".into(),
            },
        ]
    } else {
        Vec::new()
    };
    let f = &s["faces"];
    let faces = if run.is_some() {
        vec![
            Figure {
                id: "face-emotional",
                label: lang
                    .pick("情感忠诚：平均满意度", "Emotional: mean satisfaction")
                    .into(),
                value: f["emotional"]["mean_satisfaction"]
                    .as_f64()
                    .map_or("—".into(), |v| format!("{v:.1}")),
                definition: format!("0–100 · n = {}", f["emotional"]["answered"]),
            },
            Figure {
                id: "face-intentional",
                label: lang
                    .pick("意识忠诚：推荐者占比", "Intentional: promoters")
                    .into(),
                value: pct(f["intentional"]["promoter_share"].as_f64()),
                definition: format!(
                    "{} {} · n = {}",
                    lang.pick("推荐意愿 ≥ 9 的占比；平均", "share answering 9–10; mean"),
                    f["intentional"]["mean_recommend"]
                        .as_f64()
                        .map_or("—".into(), |v| format!("{v:.1}")),
                    f["intentional"]["answered"]
                ),
            },
            Figure {
                id: "face-behavioural",
                label: lang
                    .pick("行为忠诚：重复购买率", "Behavioural: repeat-purchase rate")
                    .into(),
                value: pct(f["behavioural"]["repeat_rate"].as_f64()),
                definition: format!(
                    "{} · n = {}",
                    lang.pick(
                        "至少再次购买一次的客户占比",
                        "share of buyers who bought again at least once"
                    ),
                    f["behavioural"]["buyers"]
                ),
            },
            Figure {
                id: "face-wallet",
                label: lang.pick("钱包份额", "Share of wallet").into(),
                value: pct(f["share_of_wallet"]["mean"].as_f64()),
                definition: format!(
                    "{} · n = {}",
                    lang.pick(
                        "平均份额：客户在调查中回答的，或按导入的品类年消费计算（在本公司的年消费 ÷ 品类年消费）",
                        "mean share: as customers told us in surveys, or from the imported yearly category spend (their yearly spend here ÷ category spend)"
                    ),
                    f["share_of_wallet"]["answered"]
                ),
            },
            Figure {
                id: "face-referral",
                label: lang.pick("推荐率", "Referral rate").into(),
                value: pct(f["referral_rate"].as_f64()),
                definition: format!(
                    "{} {}",
                    lang.pick(
                        "带来过其他客户的客户 / 有购买的客户；推荐人",
                        "customers who brought others / customers with purchases; referrers"
                    ),
                    f["referrers"]
                ),
            },
        ]
    } else {
        Vec::new()
    };
    let label = |c: &str| LoyaltyType::parse(c).map_or("—", |t| t.label(lang));
    let movement: Vec<(&'static str, &'static str, i64)> = s["movement"]
        .as_array()
        .map(|m| {
            let mut v: Vec<_> = m
                .iter()
                .map(|r| {
                    (
                        label(r["from"].as_str().unwrap_or("")),
                        label(r["to"].as_str().unwrap_or("")),
                        r["customers"].as_i64().unwrap_or(0),
                    )
                })
                .collect();
            v.sort_by_key(|r| -r.2);
            v.truncate(20);
            v
        })
        .unwrap_or_default();
    let c = &s["contracts"];
    let contract_note = match c["customers"].as_i64() {
        Some(k) if k > 0 => match c["sbg"].as_object() {
            Some(m) => format!(
                "{k} {} · α = {:.3}, β = {:.3}",
                lang.pick("位签约客户；按年留存由移位贝塔几何（sBG）模型拟合", "contract customers; yearly retention fitted by the shifted-beta-geometric (sBG) model"),
                num(&m["alpha"]),
                num(&m["beta"])
            ),
            None => format!("{k} {}", lang.pick("位签约客户；数据不足以拟合 sBG 模型", "contract customers; not enough history to fit the sBG model")),
        },
        _ => String::new(),
    };
    let d = &s["drivers"];
    let by_lang = |v: &Value| {
        v[if lang == Lang::En { "en" } else { "zh" }]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let drivers: Vec<DriverRow> = d["drivers"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| DriverRow {
                    name: by_lang(&r["name"]),
                    effect: format!("{:.3}", num(&r["total_effect"])),
                    performance: format!("{:.1}", num(&r["performance"])),
                    direct: match r["direct"].as_object() {
                        Some(p) => match (p["lower"].as_f64(), p["upper"].as_f64()) {
                            (Some(lo), Some(hi)) => format!(
                                "{:.3} [{lo:.3}, {hi:.3}]{}",
                                num(&p["coefficient"]),
                                if lo <= 0.0 && hi >= 0.0 {
                                    lang.pick(" 不显著", " n.s.")
                                } else {
                                    ""
                                }
                            ),
                            _ => format!("{:.3}", num(&p["coefficient"])),
                        },
                        None => "—".into(),
                    },
                    act: r["act"].as_bool().unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default();
    let drivers_note = if d.is_object() {
        format!(
            "{} “{}” · {} {} · n = {} · {} {} {} · {} {}",
            lang.pick("调查", "Survey"),
            d["survey"].as_str().unwrap_or(""),
            lang.pick("批次", "wave"),
            d["wave"].as_str().unwrap_or(""),
            d["respondents"],
            lang.pick(
                "直接路径的 95% 区间来自",
                "95 % intervals of the direct paths from"
            ),
            d["bootstrap"],
            lang.pick("次自助抽样", "bootstrap resamples"),
            lang.pick("因变量：", "outcome:"),
            by_lang(&d["loyalty"])
        )
    } else {
        lang.pick(
            "没有含“客户忠诚”构念的调查结果：用 ECSI 或 ACSI 模板开展一次调查，即可看到哪些因素推动忠诚。",
            "No survey with a loyalty construct has results yet: run one from the ECSI or ACSI template to see what drives loyalty.",
        )
        .to_string()
    };
    let customers = rows
        .into_iter()
        .map(|r| {
            let p = r.profile;
            let reasons: &[Reason] = &p.reasons;
            CustomerRow {
                id: p.customer_id,
                name: r.name,
                external_id: r.external_id,
                type_label: label(&p.loyalty_type),
                attachment: p.attachment.map_or("—".into(), |a| format!("{a:.0}")),
                status: Status::parse(&p.churn_status).map_or("—", |s| s.label(lang)),
                value_at_risk: money(p.value_at_risk),
                reasons: domain::loyalty::reasons_text(reasons, lang, lang.pick("；", "; ")),
            }
        })
        .collect();
    let chart_types: Vec<Value> = LoyaltyType::ALL
        .iter()
        .filter_map(|t| {
            let v = s["types"][t.code()]["customers"]
                .as_i64()
                .filter(|c| *c > 0)?;
            Some(json!({"name": t.label(lang), "value": v}))
        })
        .collect();
    // Movement as a flow from the last classification's types to this one's (the two sides
    // named apart: a flow chart cannot go back to where it came from).
    let (before, now) = (
        lang.pick("上次 · ", "Before · "),
        lang.pick("本次 · ", "Now · "),
    );
    let mut nodes: Vec<String> = Vec::new();
    for (a, b, _) in &movement {
        for n in [format!("{before}{a}"), format!("{now}{b}")] {
            if !nodes.contains(&n) {
                nodes.push(n);
            }
        }
    }
    let flows: Vec<Value> = movement
        .iter()
        .map(|(a, b, n)| json!({"source": format!("{before}{a}"), "target": format!("{now}{b}"), "value": n}))
        .collect();
    let charts = json!({
        "types": chart_types,
        "movement": {"nodes": nodes.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(), "links": flows},
        "contracts": c,
        "labels": {
            "mix": lang.pick("忠诚类型分布（客户数）", "Loyalty types (customers)"),
            "movement": lang.pick("类型变动（客户数，前 20 种变动）", "Movement between types (customers, top 20 moves)"),
            "retention": lang.pick("签约客户按年留存：实际与 sBG 模型", "Contract customers still active by year: observed and sBG model"),
            "observed": lang.pick("实际", "Observed"),
            "model": lang.pick("sBG 模型", "sBG model"),
            "year": lang.pick("年", "Year"),
        }
    })
    .to_string();
    let run_info = run.as_ref().map(|r| {
        format!(
            "{} #{} · {} {} · {} {} · {}",
            lang.pick("分类", "Classification"),
            r.id,
            lang.pick("行为数据截至", "behaviour as of"),
            as_of,
            lang.pick("运行于", "run"),
            r.finished_at
                .as_deref()
                .map(|t| t.get(..16).unwrap_or(t).replace('T', " "))
                .unwrap_or_default(),
            r.actor
        )
    });
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    page(LoyaltyPage {
        l: Layout::new(ctx, "area.loyalty"),
        can_run: a.role.can(Permission::RunAnalytics),
        can_export: a.role.can(Permission::ExportAll),
        can_manage: a.role.can(Permission::ManageCases),
        run_info,
        figures,
        types,
        segments,
        faces,
        movement,
        contract_note,
        drivers,
        drivers_note,
        query: query_of(&filter),
        filter,
        customers,
        total,
        page: page_no,
        pages,
        saved,
        type_options: LoyaltyType::ALL
            .iter()
            .map(|t| (t.code(), t.label(lang)))
            .collect(),
        status_options: Status::ALL
            .iter()
            .map(|s| (s.code(), s.label(lang)))
            .collect(),
        assignees: users
            .into_iter()
            .filter(|u| u.active && u.role.can(Permission::EditCases))
            .map(|u| u.username)
            .collect(),
        charts,
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_separators() {
        assert_eq!(money(55679.78), "¥55,679.78");
        assert_eq!(money(0.5), "¥0.50");
        assert_eq!(money(-1234567.0), "-¥1,234,567.00");
        assert_eq!(money(999.999), "¥1,000.00");
    }

    #[test]
    fn form_pairs_keep_repeats_and_decode() {
        let p = form_urlencoded_pairs(b"customer=1&customer=2&assignee=%E7%8E%8B+a&x=%zz");
        assert_eq!(p[0], ("customer".into(), "1".into()));
        assert_eq!(p[1], ("customer".into(), "2".into()));
        assert_eq!(p[2], ("assignee".into(), "王 a".into()));
        assert_eq!(p[3].0, "x");
    }
}

#[cfg(test)]
mod money_tests {
    #[test]
    fn money_has_separators_and_the_currency() {
        assert_eq!(super::money(55_679.784), "¥55,679.78");
        assert_eq!(super::money(-1_234_567.0), "-¥1,234,567.00");
        assert_eq!(super::money_minor(5_567_978), "¥55,679.78");
        assert_eq!(super::money_minor(-5), "-¥0.05");
        assert_eq!(super::grouped(999), "999");
        assert_eq!(super::grouped(1_000), "1,000");
        assert_eq!(super::money(f64::NAN), "—");
    }
}
