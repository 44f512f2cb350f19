//! The home page (`/`, SPEC.md §7): for those who read analyses, the company at a glance for a
//! period and a customer segment — satisfaction by wave with the last change and whether it is
//! significant, complaints and their deadline breaches, recovery, headline churn and retention
//! with their trend, the loyalty-type mix, the CLV distribution and Pareto curve, action plans
//! — each tile saying what it measures and linking to its page; and for everyone, what needs
//! attention now. An agent's home is their own queue.

use crate::{actor, error_page, page, Clock, Layout, WebCtx};
use app::home::{Home, HomeFigures, HomeScopes, Period, Scope};
use app::App;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use domain::access::Permission;
use domain::Lang;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

pub fn routes() -> Router<App> {
    Router::new().route("/", get(home))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HomeQuery {
    period: String,
    from: String,
    to: String,
    /// `segment:NAME`, `store:NAME`, `saved:ID` or empty (all customers).
    scope: String,
    /// The older form: a customer segment's name.
    segment: String,
}

/// One figure on a tile: what it is, its value, and what it measures.
pub struct Figure {
    pub id: &'static str,
    pub label: String,
    pub value: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    clock: Clock,
    /// The company view (None: an agent's own queue only).
    company: Option<Company>,
    /// The company figures are being computed: the page looks again shortly.
    computing: bool,
    /// This page's address, to look again.
    again: String,
    mine: storage::home::Attention,
    all: Option<storage::home::Attention>,
    /// The reader's own numbers this month (those who work cases).
    numbers: Option<storage::home::MyNumbers>,
    error: String,
}

impl HomePage {
    /// The on-time share of the reader's resolutions this month.
    fn on_time(&self) -> String {
        match &self.numbers {
            Some(n) if n.resolved > 0 => {
                format!(
                    "{:.0} %",
                    100.0 * n.resolved_on_time as f64 / n.resolved as f64
                )
            }
            _ => "—".into(),
        }
    }
}

struct Company {
    h: Arc<Home>,
    period: String,
    from: String,
    to: String,
    /// The scope's value (see [`Scope::value`]) and what the page can be narrowed to.
    scope: String,
    scopes: Arc<HomeScopes>,
    /// Whom the figures are about, in words ("all customers", "segment VIP", …).
    within: String,
    /// Whether the figures are about part of the base.
    narrowed: bool,
    period_label: String,
    satisfaction: Vec<Figure>,
    complaints: Vec<Figure>,
    churn: Vec<Figure>,
    churn_note: String,
    loyalty: Vec<(String, i64)>,
    clv: Vec<Figure>,
    charts: String,
}

impl HomePage {
    fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.l.lang.pick(zh, en)
    }
}

impl Company {
    fn period_is(&self, p: &str) -> bool {
        self.period == p
    }
    fn scope_is(&self, s: &str) -> bool {
        self.scope == s
    }
    /// A note on a tile: what it measures, and of whom.
    fn of_whom(&self, zh: &str, en: &str, lang: &Lang) -> String {
        format!(
            "{}{}{}",
            lang.pick(zh, en),
            lang.pick("，", ", "),
            self.within
        )
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.1}%", v * 100.0))
}

fn change_text(c: &Option<app::home::Change>, lang: Lang, scale: f64) -> String {
    match c {
        None => String::new(),
        Some(c) => format!(
            "{}{:.1} {}",
            if c.diff >= 0.0 { "↑ +" } else { "↓ " },
            c.diff * scale,
            if c.significant {
                lang.pick("（显著）", "(significant)")
            } else {
                lang.pick(
                    "（不显著，可能是抽样误差）",
                    "(not significant: may be sampling noise)",
                )
            }
        ),
    }
}

/// Whom the figures are about, in words.
fn within(h: &Home, lang: Lang) -> String {
    let n = |k: Option<usize>| k.map_or(String::new(), |k| crate::loyalty::grouped(k as u128));
    match (&h.scope, lang) {
        (Scope::All, _) => lang.pick("全部客户", "all customers").into(),
        (Scope::Segment(s), Lang::ZhCn) => {
            format!("客户分组“{s}”（{} 位客户）", n(h.scope_customers))
        }
        (Scope::Segment(s), Lang::En) => {
            format!("segment '{s}' ({} customers)", n(h.scope_customers))
        }
        (Scope::Store(s), Lang::ZhCn) => format!(
            "以“{s}”为主要消费门店的 {} 位客户（投诉：在该店发生的）",
            n(h.scope_customers)
        ),
        (Scope::Store(s), Lang::En) => format!(
            "the {} customers whose main store is '{s}' (complaints: made there)",
            n(h.scope_customers)
        ),
        (Scope::Saved(_), Lang::ZhCn) => format!(
            "已保存分群“{}”（{} 位客户）",
            h.scope_name,
            n(h.scope_customers)
        ),
        (Scope::Saved(_), Lang::En) => format!(
            "saved segment '{}' ({} customers)",
            h.scope_name,
            n(h.scope_customers)
        ),
    }
}

fn company(h: Arc<Home>, q: &HomeQuery, scopes: Arc<HomeScopes>, lang: Lang) -> Company {
    let p = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    // Each measure from the latest wave that measured it, named.
    let latest = |f: fn(&app::home::WavePoint) -> Option<String>| {
        h.satisfaction
            .iter()
            .rev()
            .find_map(|w| f(w).map(|v| (v, format!("{} · {}", w.survey, w.wave))))
    };
    let shown = |v: Option<(String, String)>, what: String, change: String| match v {
        Some((v, wave)) => (v, format!("{what} · {wave} {change}")),
        None => ("—".to_string(), what),
    };
    let (csi, csi_note) = shown(
        latest(|w| w.csi.map(|v| format!("{v:.1}"))),
        p(
            "顾客满意度指数（0–100，结构模型）",
            "customer satisfaction index (0–100, the model)",
        ),
        String::new(),
    );
    let (csat, csat_note) = shown(
        latest(|w| w.csat.as_ref().map(|e| format!("{:.1}%", e.value))),
        p("满意（含）以上的比例", "share satisfied or better"),
        change_text(&h.csat_change, lang, 1.0),
    );
    let (nps, nps_note) = shown(
        latest(|w| w.nps.as_ref().map(|e| format!("{:.1}", e.value))),
        p("推荐者 % − 贬损者 %", "promoters % − detractors %"),
        change_text(&h.nps_change, lang, 1.0),
    );
    let whom = within(&h, lang);
    let seg_note = if h.scope == Scope::All {
        String::new()
    } else {
        format!(" · {whom}")
    };
    let satisfaction = vec![
        Figure {
            id: "fig-csi",
            label: "CSI".into(),
            value: csi,
            note: csi_note,
        },
        Figure {
            id: "fig-csat",
            label: "CSAT".into(),
            value: csat,
            note: csat_note,
        },
        Figure {
            id: "fig-nps",
            label: "NPS".into(),
            value: nps,
            note: nps_note,
        },
    ];
    let c = &h.complaints;
    let complaints = vec![
        Figure {
            id: "fig-complaints",
            label: p("收到的投诉", "Complaints received"),
            value: c.received_at.len().to_string(),
            note: format!(
                "{} {}{}{seg_note}",
                p("本期", "in the period,"),
                c.resolved,
                p(" 件已解决", " resolved")
            ),
        },
        Figure {
            id: "fig-breach",
            label: p("超时率", "Deadline breach rate"),
            value: pct((c.judged > 0).then(|| c.breached as f64 / c.judged as f64)),
            note: format!(
                "{} {} / {}",
                p(
                    "本期投诉中超过解决时限的（已到期的）",
                    "of the period's cases whose deadline has come, resolved late or still open past it:"
                ),
                c.breached,
                c.judged
            ),
        },
        Figure {
            id: "fig-recovery",
            label: p("挽回率", "Recovery rate"),
            value: pct(h.recovery.rate),
            note: format!(
                "{} {} {}（{} / {}）",
                p("投诉客户解决后", "complainants who bought again within"),
                h.recovery_days,
                p("天内再次购买的比例，全部投诉", "days of the resolution, all cases"),
                h.recovery.count,
                h.recovery.of
            ),
        },
    ];
    let latest = h.churn.last();
    let churn = vec![
        Figure {
            id: "fig-churn",
            label: p("流失率（公司口径）", "Churn rate (headline)"),
            value: pct(latest.map(|c| c.churn_rate)),
            note: latest.map_or(
                p(
                    "尚未分类：在“忠诚管理”页点击“立即分类”",
                    "not classified yet: Classify now on the Loyalty page",
                ),
                |c| format!("{} {}", p("截至", "as of"), c.as_of),
            ),
        },
        Figure {
            id: "fig-retention",
            label: p("保持率", "Retention rate"),
            value: pct(latest.map(|c| c.retention_rate)),
            note: p(
                "1 − 流失率（同一口径、同一天）",
                "1 − the churn rate (same definition, same day)",
            ),
        },
    ];
    let churn_note = match h.churn_definition["definition"].as_str() {
        Some("inactivity") => format!(
            "{} {} {}",
            p(
                "流失：超过自身平均购买间隔",
                "Churned: no purchase for more than"
            ),
            h.churn_definition["inactivity_multiple"],
            p("倍未购买", "× the customer's own mean interval")
        ),
        Some(_) => format!(
            "{} P(alive) < {}",
            p("流失：", "Churned:"),
            h.churn_definition["p_alive_threshold"]
        ),
        None => String::new(),
    };
    let top20 = h.pareto["top20_clv_share"].as_f64();
    let clv = vec![Figure {
        id: "fig-pareto",
        label: p("前 20% 客户的 CLV 占比", "CLV share of the top 20 %"),
        value: pct(top20),
        note: if h.clv_as_of.is_empty() {
            p(
                "尚无分析：在“流失管理”页运行",
                "no analysis yet: run one on the Churn page",
            )
        } else {
            format!(
                "{} {}",
                p("最近一次分析，截至", "the latest analysis, as of"),
                h.clv_as_of
            )
        },
    }];
    let loyalty = h
        .loyalty_mix
        .iter()
        .map(|(t, n)| {
            (
                domain::loyalty::LoyaltyType::parse(t).map_or_else(
                    || p("未分类", "unclassified"),
                    |x| x.label(lang).to_string(),
                ),
                *n,
            )
        })
        .collect::<Vec<_>>();
    let charts = json!({
        "waves": h.satisfaction.iter().map(|w| format!("{} · {}", w.survey, w.wave)).collect::<Vec<_>>(),
        "csat": h.satisfaction.iter().map(|w| w.csat.as_ref().map(|e| (e.value * 10.0).round() / 10.0)).collect::<Vec<_>>(),
        "csi": h.satisfaction.iter().map(|w| w.csi.map(|v| (v * 10.0).round() / 10.0)).collect::<Vec<_>>(),
        "nps": h.satisfaction.iter().map(|w| w.nps.as_ref().map(|e| (e.value * 10.0).round() / 10.0)).collect::<Vec<_>>(),
        "months": h.complaints_by_month.iter().map(|m| m.0.clone()).collect::<Vec<_>>(),
        "complaints": h.complaints_by_month.iter().map(|m| m.1).collect::<Vec<_>>(),
        "churn_dates": h.churn.iter().map(|c| c.as_of.clone()).collect::<Vec<_>>(),
        "churn": h.churn.iter().map(|c| (c.churn_rate * 1000.0).round() / 10.0).collect::<Vec<_>>(),
        "retention": h.churn.iter().map(|c| (c.retention_rate * 1000.0).round() / 10.0).collect::<Vec<_>>(),
        "loyalty": loyalty.iter().map(|(t, n)| json!({"name": t, "value": n})).collect::<Vec<_>>(),
        "clv": h.clv_distribution,
        "pareto": h.pareto,
        "labels": {
            "satisfaction": p("满意度（各期）", "Satisfaction by wave"),
            "complaints": p("每月收到的投诉", "Complaints received per month"),
            "churn": p("流失率与保持率（%）", "Churn and retention (%)"),
            "loyalty": p("忠诚类型", "Loyalty types"),
            "clv": p("CLV 分布（客户数）", "CLV distribution (customers)"),
            "pareto": p("帕累托曲线：前 x% 客户占 CLV 的比例", "Pareto curve: share of CLV held by the top x % of customers"),
            "churn_name": p("流失率", "churn"),
            "retention_name": p("保持率", "retention"),
            "customers": p("客户数", "customers"),
            "cases": p("件", "cases"),
        },
    })
    .to_string();
    let period_label = format!(
        "{} – {}",
        h.period.from,
        h.period.to - chrono::Duration::days(1)
    );
    Company {
        period: if q.period.is_empty() {
            "month".into()
        } else {
            q.period.clone()
        },
        from: q.from.clone(),
        to: q.to.clone(),
        scope: h.scope.value(),
        scopes,
        narrowed: h.scope != Scope::All,
        within: whom,
        period_label,
        satisfaction,
        complaints,
        churn,
        churn_note,
        loyalty,
        clv,
        charts,
        h,
    }
}

async fn home(State(app): State<App>, ctx: WebCtx, Query(q): Query<HomeQuery>) -> Response {
    let a = actor(&ctx);
    let lang = a.lang;
    let mine = match app.my_attention(a).await {
        Ok(m) => m,
        Err(e) => return error_page(&ctx, e),
    };
    let clock = Clock::of(&app).await;
    let mut error = String::new();
    let mut computing = false;
    let company = if a.role.can(Permission::ViewAnalytics) {
        let today = app.company_today().await;
        let date = |s: &str| s.trim().parse::<chrono::NaiveDate>().ok();
        let period = Period::parse(&q.period, date(&q.from), date(&q.to), today).unwrap_or_else(|| {
            error = lang
                .pick(
                    "时间段无效：请选择本月、本季度、本年，或填写起止日期（YYYY-MM-DD，不超过十年）。已显示本月。",
                    "Not a period: choose this month, quarter or year, or give from and to dates (YYYY-MM-DD, at most ten years). Showing this month.",
                )
                .to_string();
            Period::parse("month", None, None, today).expect("a month")
        });
        let scopes = app.home_scopes().await.unwrap_or_default();
        let asked = if q.scope.trim().is_empty() && !q.segment.trim().is_empty() {
            Scope::Segment(q.segment.trim().to_string())
        } else {
            Scope::parse(&q.scope).unwrap_or(Scope::Segment(q.scope.clone()))
        };
        let scope = if scopes.has(&asked) {
            asked
        } else {
            let name = match &asked {
                Scope::Segment(s) | Scope::Store(s) => s.clone(),
                Scope::Saved(id) => id.to_string(),
                Scope::All => String::new(),
            };
            error = match lang {
                domain::Lang::ZhCn => {
                    format!("没有“{name}”这个客户分组、门店或已保存分群：已显示全部客户。")
                }
                domain::Lang::En => {
                    format!("No segment, store or saved segment '{name}': showing all customers.")
                }
            };
            Scope::All
        };
        match app.home(a, period, &scope).await {
            Ok(HomeFigures::Ready(h)) => Some(company(h, &q, scopes, lang)),
            Ok(HomeFigures::Computing) => {
                computing = true;
                None
            }
            Err(e) => return error_page(&ctx, e),
        }
    } else {
        None
    };
    let all = if a.role.can(Permission::ViewAllCases) {
        app.attention(a).await.ok()
    } else {
        None
    };
    page(HomePage {
        l: Layout::new(&ctx, ""),
        clock,
        company,
        computing,
        again: format!(
            "/?period={}&from={}&to={}&scope={}&segment={}",
            enc(&q.period),
            enc(&q.from),
            enc(&q.to),
            enc(&q.scope),
            enc(&q.segment)
        ),
        mine,
        all,
        numbers: app.my_numbers(a).await.ok(),
        error,
    })
}
