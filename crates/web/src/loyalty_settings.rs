//! The loyalty and churn settings page: the classification's thresholds and the company's
//! headline churn definition, each field explained; word lists one per line; churn causes as
//! `code|中文|English` lines. Everyone who reads analyses sees it; managers save. A refused form
//! comes back with what was typed and every wrong field named.

use crate::loyalty::form_urlencoded_pairs;
use crate::{actor, error_page, page, Layout, WebCtx};
use app::loyalty::LoyaltySettings;
use app::App;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use domain::access::Permission;
use domain::churn::{Cause, Definition};
use domain::Lang;

pub fn routes() -> Router<App> {
    Router::new().route("/loyalty/settings", get(settings_page).post(save))
}

/// One field of the form: name, label, value as typed, explanation.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub help: &'static str,
}

#[derive(Template)]
#[template(path = "loyalty_settings.html")]
struct SettingsPage {
    l: Layout,
    can_save: bool,
    loyalty: Vec<Field>,
    churn: Vec<Field>,
    lists: Vec<Field>,
    definition: String,
    sole_supplier: bool,
    definitions: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    saved: bool,
}

impl SettingsPage {
    fn pick(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.l.lang.pick(zh, en)
    }
    fn is_definition(&self, c: &str) -> bool {
        self.definition == c
    }
}

fn fields(s: &LoyaltySettings, lang: Lang) -> (Vec<Field>, Vec<Field>, Vec<Field>) {
    let p = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let t = &s.loyalty;
    let c = &s.churn;
    let f = |name, label, value: String, help| Field {
        name,
        label,
        value,
        help,
    };
    let loyalty = vec![
        f("attachment_high", p("高依恋阈值（0–100）", "High attachment from (0–100)"), t.attachment_high.to_string(), p("依恋度（满意度、推荐意愿×10、再购意向的平均，减去严重投诉扣分）达到此值即为“依恋高”。", "Attachment (mean of satisfaction, recommendation × 10 and repurchase intent, less the complaint penalty) at or above this is high.")),
        f("attachment_low", p("不满意阈值（0–100）", "Dissatisfied below (0–100)"), t.attachment_low.to_string(), p("依恋度低于此值视为不满意：重复购买而不满意的客户为惰性忠诚。", "Attachment below this is dissatisfied: repeat buyers who are dissatisfied are inertia-loyal.")),
        f("complaint_penalty", p("每次严重投诉扣分", "Points per severe complaint"), t.complaint_penalty.to_string(), p("回溯期内每次“严重”或“重大”投诉从依恋度中扣除的分数。", "Points of attachment each high or critical complaint in the look-back window takes away.")),
        f("min_repeat", p("最少重复购买次数", "Minimum repeat purchases"), t.min_repeat.to_string(), p("“重复高”需同时满足：重复购买次数、购买频率百分位、存活概率三项。", "High repeat needs all three: repeat purchases, purchase-rate percentile and P(alive).")),
        f("rate_percentile", p("购买频率百分位（0–1）", "Purchase-rate percentile (0–1)"), t.rate_percentile.to_string(), p("客户的购买频率在全部客户中的位置，0.5 即中位数以上。", "Where the customer's purchase rate stands among all customers; 0.5 is the median.")),
        f("p_alive_min", p("最低存活概率（0–1）", "Minimum P(alive) (0–1)"), t.p_alive_min.to_string(), p("BG/NBD 估计客户仍活跃的概率。", "The BG/NBD probability that the customer is still active.")),
        f("promo_share", p("促销购买占比（0–1）", "Share on promotion (0–1)"), t.promo_share.to_string(), p("达到此比例：依恋低、重复高为激励忠诚，依恋低、重复低为价格忠诚。", "At or above it: low attachment with high repeat is incentive loyalty; with low repeat, price loyalty.")),
        f("store_share", p("同一门店占比（0–1）", "Share in one store (0–1)"), t.store_share.to_string(), p("达到此比例说明地点是重复购买的原因：方便忠诚。", "At or above it, location explains the repeats: convenience loyalty.")),
        f("wallet_premium", p("钱包份额（0–1）", "Share of wallet (0–1)"), t.wallet_premium.to_string(), p("依恋高、重复高的客户，钱包份额达到此值、或推荐他人、或为推荐者，即为信赖/超值忠诚。", "A highly attached repeat customer with this share of wallet, or who refers others, or who is a promoter, is premium-loyal.")),
        f("promoter", p("推荐者分数（0–10）", "Promoter from (0–10)"), t.promoter.to_string(), p("推荐意愿达到此分数为推荐者（NPS 为 9）。", "Recommendation at or above this is a promoter (9 in NPS).")),
        f("lookback_days", p("投诉与障碍回溯天数", "Look-back days for complaints and obstacles"), t.lookback_days.to_string(), p("统计严重投诉和购买障碍（配送、起订量、缺货、营业时间）的天数。", "Days back for severe complaints and obstacles to buying (delivery, minimum order, stock, opening hours).")),
    ];
    let churn = vec![
        f("p_alive_threshold", p("流失阈值：存活概率低于", "Churned below P(alive)"), c.p_alive_threshold.to_string(), p("采用“存活概率”口径时，低于此值为已流失。", "With the P(alive) definition, below this a customer has churned.")),
        f("at_risk_threshold", p("风险阈值：存活概率低于", "At risk below P(alive)"), c.at_risk_threshold.to_string(), p("尚未流失但低于此值为有流失风险。", "Not churned but below this: at risk.")),
        f("inactivity_multiple", p("未购间隔倍数", "Inactivity multiple"), c.inactivity_multiple.to_string(), p("采用“未购间隔”口径时，超过自身平均购买间隔的这么多倍未购买即为流失，一半为有风险。", "With the inactivity definition, churned after this many of the customer's own mean intervals without a purchase; at risk after half.")),
        f("one_time_days", p("只买过一次的客户：天数", "One-time buyers: days"), c.one_time_days.to_string(), p("BG/NBD 对只买过一次的客户总给出存活概率 1，因此对他们按距唯一一次购买的天数判断：超过即流失，一半为有风险。", "BG/NBD gives one-time buyers P(alive) = 1, so they are judged by days since their only purchase: churned past this, at risk past half.")),
        f("evidence_months", p("流失证据回溯月数", "Months of evidence before churn"), c.evidence_months.to_string(), p("提议流失类型时查看的投诉、满意度变化和留言的月数。", "Months of complaints, satisfaction changes and open answers a churn-type proposal looks at.")),
        f("satisfaction_drop", p("满意度下降（分）", "Satisfaction drop (points)"), c.satisfaction_drop.to_string(), p("两次回答间下降至少这么多分即为满意度下降（过失流失的证据）。", "A fall of at least this many points between answers is a satisfaction drop (evidence of fault churn).")),
        f("winback_days", p("挽回率统计天数", "Win-back window (days)"), c.winback_days.to_string(), p("记录“已挽回”后这么多天内再次购买，才计入挽回率。", "A won-back customer counts in the win-back rate when they buy again within this many days.")),
        f("contact_days", p("联系期限（天）", "Days to first contact"), c.contact_days.to_string(), p("新挽回任务的默认联系期限：种子文本要求在最短时间内联系。", "Default due time of a new win-back task: the seeds ask for contact within the shortest time.")),
    ];
    let lines = |v: &[String]| v.join("\n");
    let lists = vec![
        f("kinship_tags", p("亲缘关系标签（每行一个）", "Kinship tags (one per line)"), lines(&t.kinship_tags), p("带有这些标签的客户（员工、亲属、关联单位）重复购买而依恋低时为亲缘忠诚。", "Customers with these tags (staff, family, affiliates) who repeat without attachment are kinship-loyal.")),
        f("competitor_words", p("竞争对手用语（每行一个）", "Competitor words (one per line)"), lines(&c.competitor_words), p("流失原因、留言或备注中出现这些词，提议为竞争流失。可加入竞争对手名称。", "These words in an exit reason, answer or note propose competitive churn. Add your competitors' names.")),
        f("natural_words", p("自然流失用语（每行一个）", "Natural-churn words (one per line)"), lines(&c.natural_words), p("流失原因中出现这些词（搬家、倒闭、去世），提议为自然流失。", "These words in an exit reason (moved, closed, died) propose natural churn.")),
        f("causes", p("流失原因（每行：代码|中文|English）", "Churn causes (one per line: code|中文|English)"), c.causes.iter().map(|c| format!("{}|{}|{}", c.code, c.zh, c.en)).collect::<Vec<_>>().join("\n"), p("原因分类用于确认流失类型和按原因统计。", "The taxonomy used when confirming a churn type and counting churn by cause.")),
    ];
    (loyalty, churn, lists)
}

async fn settings_page(
    State(app): State<App>,
    ctx: WebCtx,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    if let Err(e) = actor(&ctx).require(Permission::ViewAnalytics) {
        return error_page(&ctx, e);
    }
    match app.loyalty_settings().await {
        Ok(s) => render(&ctx, &s, None, q.contains_key("saved")),
        Err(e) => error_page(&ctx, e),
    }
}

fn render(ctx: &WebCtx, s: &LoyaltySettings, error: Option<String>, saved: bool) -> Response {
    let lang = ctx.actor.lang;
    let (loyalty, churn, lists) = fields(s, lang);
    page(SettingsPage {
        l: Layout::new(ctx, "area.loyalty"),
        can_save: ctx.actor.role.can(Permission::ManageCases),
        loyalty,
        churn,
        lists,
        definition: s.churn.definition.code().into(),
        sole_supplier: s.loyalty.sole_supplier,
        definitions: Definition::ALL
            .iter()
            .map(|d| (d.code(), d.label(lang)))
            .collect(),
        error,
        saved,
    })
}

/// The form into settings, or the fields that are not numbers or lines that do not parse.
fn parse(
    pairs: &[(String, String)],
    base: &LoyaltySettings,
    lang: Lang,
) -> (LoyaltySettings, Vec<String>) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut bad = Vec::new();
    let mut s = base.clone();
    let mut num = |k: &'static str, into: &mut f64| match get(k).parse::<f64>() {
        Ok(v) => *into = v,
        Err(_) => bad.push(format!(
            "{k}: {}",
            lang.pick("须为数字", "must be a number")
        )),
    };
    num("attachment_high", &mut s.loyalty.attachment_high);
    num("attachment_low", &mut s.loyalty.attachment_low);
    num("complaint_penalty", &mut s.loyalty.complaint_penalty);
    num("rate_percentile", &mut s.loyalty.rate_percentile);
    num("p_alive_min", &mut s.loyalty.p_alive_min);
    num("promo_share", &mut s.loyalty.promo_share);
    num("store_share", &mut s.loyalty.store_share);
    num("wallet_premium", &mut s.loyalty.wallet_premium);
    num("promoter", &mut s.loyalty.promoter);
    num("p_alive_threshold", &mut s.churn.p_alive_threshold);
    num("at_risk_threshold", &mut s.churn.at_risk_threshold);
    num("inactivity_multiple", &mut s.churn.inactivity_multiple);
    num("satisfaction_drop", &mut s.churn.satisfaction_drop);
    let mut whole = |k: &'static str, into: &mut u32| match get(k).parse::<u32>() {
        Ok(v) => *into = v,
        Err(_) => bad.push(format!(
            "{k}: {}",
            lang.pick("须为整数", "must be a whole number")
        )),
    };
    whole("min_repeat", &mut s.loyalty.min_repeat);
    whole("lookback_days", &mut s.loyalty.lookback_days);
    whole("one_time_days", &mut s.churn.one_time_days);
    whole("evidence_months", &mut s.churn.evidence_months);
    whole("winback_days", &mut s.churn.winback_days);
    whole("contact_days", &mut s.churn.contact_days);
    s.loyalty.sole_supplier = get("sole_supplier") == "1";
    match Definition::parse(&get("definition")) {
        Some(d) => s.churn.definition = d,
        None => bad.push(format!(
            "definition: {}",
            lang.pick("未知口径", "unknown definition")
        )),
    }
    let lines = |k: &str| -> Vec<String> {
        get(k)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    s.loyalty.kinship_tags = lines("kinship_tags");
    s.churn.competitor_words = lines("competitor_words");
    s.churn.natural_words = lines("natural_words");
    let mut causes = Vec::new();
    for (i, l) in lines("causes").iter().enumerate() {
        let parts: Vec<&str> = l.split('|').map(str::trim).collect();
        if let [code, zh, en] = parts[..] {
            causes.push(Cause {
                code: code.into(),
                zh: zh.into(),
                en: en.into(),
            });
        } else {
            bad.push(format!(
                "causes {}: {}",
                i + 1,
                lang.pick("须写作 代码|中文|English", "write code|中文|English")
            ));
        }
    }
    s.churn.causes = causes;
    (s, bad)
}

async fn save(State(app): State<App>, ctx: WebCtx, body: axum::body::Bytes) -> Response {
    let lang = ctx.actor.lang;
    let pairs = form_urlencoded_pairs(&body);
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if let Err(e) = ctx.check_csrf(&csrf) {
        return error_page(&ctx, e);
    }
    let base = match app.loyalty_settings().await {
        Ok(s) => s,
        Err(e) => return error_page(&ctx, e),
    };
    let (s, bad) = parse(&pairs, &base, lang);
    let r = if bad.is_empty() {
        app.set_loyalty_settings(actor(&ctx), &s).await
    } else {
        Err(
            app::AppError::new(domain::ErrorCode::InvalidInput, lang).with_message(format!(
                "{} {}",
                domain::ErrorCode::InvalidInput.message(lang),
                bad.join("; ")
            )),
        )
    };
    match r {
        Ok(()) => Redirect::to("/loyalty/settings?saved=1").into_response(),
        Err(e) if matches!(e.code.http_status(), 409 | 422) => {
            let mut r = render(&ctx, &s, Some(e.localized(lang).message), false);
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => error_page(&ctx, e),
    }
}
