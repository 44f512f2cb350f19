//! Loyalty types (SPEC.md §5; seed 000 "忠诚客户的类型", Dick & Basu 1994): every customer
//! placed by **attachment** (依恋, from attitude: satisfaction, recommendation, intent, less severe
//! complaints) × **repeat purchase** (from behaviour: repeat purchases, purchase rate against
//! peers, P(alive)), and then, where the evidence tells them apart, into the seeds' types —
//! monopoly, inertia, latent, convenience, price, incentive, kinship, benefit and premium
//! (信赖/超值). Where no evidence tells them apart the customer falls back to Dick & Basu's four
//! cells (true, latent, spurious, none) and the reasons say so. Customers with only one kind of
//! evidence get a partial classification, marked as such. Every classification carries its
//! reasons: each signal with its value and the threshold it was compared with.
//!
//! The rules are pure: the store gathers the evidence ([`Evidence`]), `classify` decides.

use crate::Lang;
use serde::{Deserialize, Serialize};

coded!(
    /// The loyalty types, the fallback cells and the partial classifications.
    LoyaltyType {
        Premium = "premium", "信赖/超值忠诚", "Trust / premium loyalty";
        TrueLoyalty = "true", "真正忠诚（依恋高、重复高）", "True loyalty (high attachment, high repeat)";
        Latent = "latent", "潜在忠诚", "Latent loyalty";
        Inertia = "inertia", "惰性忠诚", "Inertia loyalty";
        Convenience = "convenience", "方便忠诚", "Convenience loyalty";
        Incentive = "incentive", "激励忠诚", "Incentive loyalty";
        Monopoly = "monopoly", "垄断忠诚", "Monopoly loyalty";
        Kinship = "kinship", "亲缘忠诚", "Kinship loyalty";
        Benefit = "benefit", "利益忠诚", "Benefit loyalty";
        Spurious = "spurious", "虚假忠诚（依恋低、重复高）", "Spurious loyalty (low attachment, high repeat)";
        Price = "price", "价格忠诚", "Price loyalty";
        NoLoyalty = "none", "无忠诚（依恋低、重复低）", "No loyalty (low attachment, low repeat)";
        RepeatOnlyHigh = "partial_repeat_high", "仅行为证据：重复购买高", "Behaviour only: high repeat";
        RepeatOnlyLow = "partial_repeat_low", "仅行为证据：重复购买低", "Behaviour only: low repeat";
        AttitudeOnlyHigh = "partial_attachment_high", "仅态度证据：依恋高", "Attitude only: high attachment";
        AttitudeOnlyLow = "partial_attachment_low", "仅态度证据：依恋低", "Attitude only: low attachment";
        Unknown = "unknown", "证据不足", "Not enough evidence";
    }
);

impl LoyaltyType {
    /// Both kinds of evidence were there.
    pub fn is_full(self) -> bool {
        !self.is_partial() && self != LoyaltyType::Unknown
    }
    /// One kind of evidence only: a partial classification, never a type.
    pub fn is_partial(self) -> bool {
        matches!(
            self,
            LoyaltyType::RepeatOnlyHigh
                | LoyaltyType::RepeatOnlyLow
                | LoyaltyType::AttitudeOnlyHigh
                | LoyaltyType::AttitudeOnlyLow
        )
    }
    /// A Dick & Basu cell used because nothing told the seeds' types apart.
    pub fn is_fallback(self) -> bool {
        matches!(
            self,
            LoyaltyType::TrueLoyalty | LoyaltyType::Spurious | LoyaltyType::NoLoyalty
        )
    }
    /// The Dick & Basu cell a full type belongs to: (high attachment, high repeat).
    pub fn cell(self) -> Option<(bool, bool)> {
        use LoyaltyType::*;
        match self {
            Premium | TrueLoyalty => Some((true, true)),
            Latent => Some((true, false)),
            Inertia | Convenience | Incentive | Monopoly | Kinship | Benefit | Spurious => {
                Some((false, true))
            }
            Price | NoLoyalty => Some((false, false)),
            _ => None,
        }
    }
    /// Customers a competitor can take easily (SPEC §5 segment "susceptible to competitors").
    pub fn susceptible(self) -> bool {
        use LoyaltyType::*;
        matches!(
            self,
            Inertia | Convenience | Incentive | Spurious | Price | Monopoly
        )
    }
    /// What to do about a customer of this type (seed 000 and SPEC §5's table).
    pub fn advice(self, lang: Lang) -> &'static str {
        use LoyaltyType::*;
        match self {
            Premium => lang.pick("最有价值的客户：保持、让其参与，请其推荐他人。", "The most valuable customers: keep them, involve them, ask for referrals."),
            TrueLoyalty => lang.pick("依恋与重复都高，但尚无推荐或钱包份额证据：邀请推荐、了解钱包份额。", "High attachment and repeat, but no referral or share-of-wallet evidence yet: invite referrals, ask about share of wallet."),
            Latent => lang.pick("想买却买得少：找出并消除障碍（起订量、配送、库存、营业时间）。", "Wants to buy but buys little: find and remove the obstacle (minimum order, delivery, stock, opening hours)."),
            Inertia => lang.pick("出于习惯而重复，并不满意：很容易被挖走。展示差异、提高依恋。", "Repeats out of habit, not satisfaction: easily poached. Show the difference, raise attachment."),
            Convenience => lang.pick("因为方便（离得近）而重复：容易被挖走，给出地点之外的理由。", "Repeats because it is convenient (nearby): easily poached; add reasons beyond location."),
            Incentive => lang.pick("为促销和积分而来，活动结束就会离开：为活动结束做准备，转化为依恋。", "Comes for promotions and points and leaves when they end: plan for the end of the promotion, convert to attachment."),
            Monopoly => lang.pick("别无选择时的顺从，不是忠诚：一旦有了选择就会结束。", "Compliance without an alternative, not loyalty: it ends when choice appears."),
            Kinship => lang.pick("因关系（员工、亲属、关联单位）而购买：不代表市场认可，不要据此判断满意。", "Buys because of a relationship (staff, family, affiliate): not market approval; do not read it as satisfaction."),
            Benefit => lang.pick("因会员或合同权益而重复：权益到期前提高依恋，否则随权益一起流失。", "Repeats for membership or contract benefits: raise attachment before they expire, or the customer leaves with them."),
            Spurious => lang.pick("重复但依恋不高，且无其他解释（惰性、方便、促销）：调查原因，提高依恋。", "Repeats without attachment and no other explanation (habit, convenience, promotion): find out why, raise attachment."),
            Price => lang.pick("只在打折或最低价时购买：难以发展为忠诚客户，不要投入。", "Buys only on discount or at the lowest price: not developable into loyalty; do not invest."),
            NoLoyalty => lang.pick("依恋与重复都低：不是优先对象。", "Low attachment and low repeat: not a priority."),
            RepeatOnlyHigh | RepeatOnlyLow => lang.pick("缺少态度证据：请该客户参加满意度调查后再分类。", "No attitude evidence: survey this customer before classifying."),
            AttitudeOnlyHigh | AttitudeOnlyLow => lang.pick("缺少购买行为证据：运行客户价值分析或导入交易后再分类。", "No purchase evidence: run the customer-value analysis or import transactions first."),
            Unknown => lang.pick("既无购买也无调查：先收集证据。", "Neither purchases nor survey answers: collect evidence first."),
        }
    }
}

/// What a customer's attitude says (each part optional: a customer answers some surveys only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attitude {
    /// Satisfaction 0–100 (the satisfaction element's items or the CSAT item, rescaled).
    pub satisfaction: Option<f64>,
    /// Likelihood to recommend, 0–10.
    pub recommend: Option<f64>,
    /// Repurchase intent 0–100 (the loyalty element's items, rescaled).
    pub intent: Option<f64>,
}

/// What a customer's purchases say (from the latest customer-value analysis).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Behaviour {
    /// Repeat purchases (purchase days after the first).
    pub repeat_purchases: u32,
    /// Where the customer's purchase rate stands among all analysed customers, 0–1.
    pub rate_percentile: f64,
    pub p_alive: f64,
    /// Share of purchases made on promotion or discount, 0–1.
    pub promo_share: f64,
    /// Share of purchases made in the customer's most used store, 0–1.
    pub top_store_share: f64,
    pub purchases: u32,
}

/// Everything `classify` looks at for one customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub attitude: Option<Attitude>,
    pub behaviour: Option<Behaviour>,
    /// High or critical complaints in the look-back window.
    pub severe_complaints: u32,
    /// Customers this one brought (referral graph).
    pub referrals: u32,
    /// Share of wallet 0–1, from a survey answer or the imported category spend.
    pub share_of_wallet: Option<f64>,
    /// The customer carries one of the kinship tags of the settings.
    pub kinship_tag: bool,
    /// An active contract or membership.
    pub member: bool,
    /// A complaint or open answer in the window names an obstacle to buying (delivery, minimum
    /// order, stock, opening hours).
    pub obstacle: bool,
}

/// The thresholds, settings a manager may change (each explained on the settings form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// Attachment (0–100) at or above which it is high.
    pub attachment_high: f64,
    /// Attachment (0–100) below which the customer is dissatisfied (inertia rather than spurious).
    pub attachment_low: f64,
    /// Points of attachment each severe complaint in the window takes away.
    pub complaint_penalty: f64,
    /// Repeat purchases at least this many …
    pub min_repeat: u32,
    /// … and a purchase rate at least at this percentile of all customers (0–1) …
    pub rate_percentile: f64,
    /// … and P(alive) at least this: high repeat.
    pub p_alive_min: f64,
    /// Share of purchases on promotion at or above which the customer buys for the promotion.
    pub promo_share: f64,
    /// Share of purchases in one store at or above which location explains the repeats.
    pub store_share: f64,
    /// Share of wallet at or above which a highly attached repeat customer is premium.
    pub wallet_premium: f64,
    /// Recommendation (0–10) at or above which the customer is a promoter.
    pub promoter: f64,
    /// The company is its customers' sole supplier (utilities, a campus canteen): repeat without
    /// attachment is monopoly loyalty.
    pub sole_supplier: bool,
    /// Customer tags that mean a relationship (staff, family, affiliate): kinship loyalty.
    pub kinship_tags: Vec<String>,
    /// Days back for complaints and obstacles.
    pub lookback_days: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            attachment_high: 70.0,
            attachment_low: 50.0,
            complaint_penalty: 15.0,
            min_repeat: 2,
            rate_percentile: 0.5,
            p_alive_min: 0.5,
            promo_share: 0.6,
            store_share: 0.9,
            wallet_premium: 0.5,
            promoter: 9.0,
            sole_supplier: false,
            kinship_tags: vec!["员工".into(), "员工亲属".into(), "staff".into()],
            lookback_days: 180,
        }
    }
}

/// A threshold out of its range: the field and why, in both languages.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdError {
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

impl Thresholds {
    /// Every field in its range, or the first that is not.
    pub fn check(&self) -> Result<(), ThresholdError> {
        let range = |field: &'static str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && v >= lo && v <= hi {
                Ok(())
            } else {
                Err(ThresholdError {
                    field,
                    zh: format!("应在 {lo} 到 {hi} 之间，而不是 {v}"),
                    en: format!("must be from {lo} to {hi}, not {v}"),
                })
            }
        };
        range("attachment_high", self.attachment_high, 1.0, 100.0)?;
        range("attachment_low", self.attachment_low, 0.0, 99.0)?;
        if self.attachment_low >= self.attachment_high {
            return Err(ThresholdError {
                field: "attachment_low",
                zh: "应低于高依恋阈值".into(),
                en: "must be below the high-attachment threshold".into(),
            });
        }
        range("complaint_penalty", self.complaint_penalty, 0.0, 100.0)?;
        range("min_repeat", f64::from(self.min_repeat), 1.0, 1000.0)?;
        range("rate_percentile", self.rate_percentile, 0.0, 1.0)?;
        range("p_alive_min", self.p_alive_min, 0.0, 1.0)?;
        range("promo_share", self.promo_share, 0.01, 1.0)?;
        range("store_share", self.store_share, 0.01, 1.0)?;
        range("wallet_premium", self.wallet_premium, 0.01, 1.0)?;
        range("promoter", self.promoter, 0.0, 10.0)?;
        range("lookback_days", f64::from(self.lookback_days), 1.0, 3650.0)?;
        if self.kinship_tags.len() > 50
            || self.kinship_tags.iter().any(|t| {
                t.trim().is_empty() || t.chars().count() > 50 || t.chars().any(char::is_control)
            })
        {
            return Err(ThresholdError {
                field: "kinship_tags",
                zh: "至多 50 个标签，每个 1–50 个字符，不含控制字符".into(),
                en: "at most 50 tags of 1–50 characters, no control characters".into(),
            });
        }
        Ok(())
    }
}

coded!(
    /// A signal a classification looked at.
    Signal {
        Satisfaction = "satisfaction", "满意度", "Satisfaction";
        Recommend = "recommend", "推荐意愿", "Likelihood to recommend";
        Intent = "intent", "再购意向", "Repurchase intent";
        SevereComplaints = "severe_complaints", "近期严重投诉", "Recent severe complaints";
        Attachment = "attachment", "依恋度", "Attachment";
        RepeatPurchases = "repeat_purchases", "重复购买次数", "Repeat purchases";
        RatePercentile = "rate_percentile", "购买频率（同类客户中的百分位）", "Purchase rate (percentile among customers)";
        PAlive = "p_alive", "存活概率", "P(alive)";
        PromoShare = "promo_share", "促销购买占比", "Share bought on promotion";
        StoreShare = "store_share", "最常去门店占比", "Share in the usual store";
        ShareOfWallet = "share_of_wallet", "钱包份额", "Share of wallet";
        Referrals = "referrals", "推荐来的客户数", "Customers referred";
        SoleSupplier = "sole_supplier", "公司为唯一供应商", "The company is the sole supplier";
        KinshipTag = "kinship_tag", "关系标签", "Relationship tag";
        Membership = "membership", "有效会员/合同", "Active membership or contract";
        Obstacle = "obstacle", "购买障碍（投诉或留言中提到）", "Obstacle to buying (named in a complaint or answer)";
        NoAttitude = "no_attitude", "无调查回答", "No survey answer";
        NoBehaviour = "no_behaviour", "无购买分析", "No analysed purchases";
    }
);

/// One signal with its value, the threshold it was compared with (if any) and whether it held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub signal: Signal,
    pub value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// The comparison that held or not: `value >= threshold` for every signal here.
    pub holds: bool,
}

impl Reason {
    fn at_least(signal: Signal, value: f64, threshold: f64) -> Reason {
        Reason {
            signal,
            value,
            threshold: Some(threshold),
            holds: value >= threshold,
        }
    }
    fn fact(signal: Signal, value: f64, holds: bool) -> Reason {
        Reason {
            signal,
            value,
            threshold: None,
            holds,
        }
    }

    /// The reason in words a manager reads: "Satisfaction 82 ≥ 70", "无调查回答".
    pub fn text(&self, lang: Lang) -> String {
        let mut s = String::new();
        self.write_text(lang, &mut s);
        s
    }

    /// [`Reason::text`] appended to `out`.
    pub fn write_text(&self, lang: Lang, out: &mut String) {
        let name = self.signal.label(lang);
        let pct = matches!(
            self.signal,
            Signal::PromoShare
                | Signal::StoreShare
                | Signal::ShareOfWallet
                | Signal::RatePercentile
        );
        let show = |out: &mut String, v: f64| {
            if pct {
                fixed_into(out, 100.0 * v, 0);
                out.push_str(" %");
            } else if self.signal == Signal::PAlive {
                fixed_into(out, v, 2);
            } else if v.fract() == 0.0 {
                fixed_into(out, v, 0);
            } else {
                fixed_into(out, v, 1);
            }
        };
        out.push_str(name);
        match (self.signal, self.threshold) {
            (Signal::NoAttitude | Signal::NoBehaviour, _) => {}
            (
                Signal::SoleSupplier | Signal::KinshipTag | Signal::Membership | Signal::Obstacle,
                None,
            ) => {
                out.push_str(": ");
                out.push_str(match (self.holds, lang) {
                    (true, Lang::ZhCn) => "是",
                    (false, Lang::ZhCn) => "否",
                    (true, Lang::En) => "yes",
                    (false, Lang::En) => "no",
                });
            }
            (_, Some(t)) => {
                out.push(' ');
                show(out, self.value);
                out.push_str(if self.holds { " ≥ " } else { " < " });
                show(out, t);
            }
            (_, None) => {
                out.push(' ');
                show(out, self.value);
            }
        }
    }
}

/// `v` with `decimals` digits after the point (at most 6), rounded half away from zero — the same
/// text as `format!("{v:.N}")` for the values shown here, without the float formatter's slow
/// exact path (a million customers' reasons are written at once).
pub fn fixed(v: f64, decimals: u32) -> String {
    let mut s = String::new();
    fixed_into(&mut s, v, decimals);
    s
}

/// [`fixed`] appended to `out` (digits written by hand: no formatter, no allocation).
pub fn fixed_into(out: &mut String, v: f64, decimals: u32) {
    if !v.is_finite() {
        out.push('—');
        return;
    }
    let d = decimals.min(6);
    let scale = 10u64.pow(d);
    let scaled = (v.abs() * scale as f64).round();
    if scaled >= 9e15 {
        out.push_str(&format!("{v:.*}", d as usize));
        return;
    }
    let n = scaled as u64;
    if v < 0.0 && n > 0 {
        out.push('-');
    }
    push_digits(out, n / scale, 1);
    if d > 0 {
        out.push('.');
        push_digits(out, n % scale, d as usize);
    }
}

/// `n` in decimal, left-padded with zeros to `min_digits`.
fn push_digits(out: &mut String, mut n: u64, min_digits: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = i.min(buf.len().saturating_sub(min_digits));
    for &b in &buf[start..] {
        out.push(char::from(b));
    }
}

/// Reasons in the store's compact form, `signal:value:threshold:holds` joined by `;` (the
/// threshold empty when there is none): under half their JSON's size over a million profiles.
pub fn encode_reasons(reasons: &[Reason]) -> String {
    let mut out = String::with_capacity(24 * reasons.len());
    encode_reasons_into(reasons, &mut out);
    out
}

/// [`encode_reasons`] appended to `out`.
pub fn encode_reasons_into(reasons: &[Reason], out: &mut String) {
    use std::fmt::Write;
    for (i, r) in reasons.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(r.signal.code());
        let _ = write!(out, ":{}:", r.value);
        if let Some(t) = r.threshold {
            let _ = write!(out, "{t}");
        }
        out.push(':');
        out.push(if r.holds { '1' } else { '0' });
    }
}

/// [`encode_reasons`]' text back (also a JSON array); unreadable parts are left out.
pub fn decode_reasons(text: &str) -> Vec<Reason> {
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(text).unwrap_or_default();
    }
    text.split(';')
        .filter_map(|part| {
            let mut f = part.split(':');
            let signal = Signal::parse(f.next()?)?;
            let value = f.next()?.parse().ok()?;
            let threshold = match f.next()? {
                "" => None,
                t => Some(t.parse().ok()?),
            };
            let holds = f.next()? == "1";
            Some(Reason {
                signal,
                value,
                threshold,
                holds,
            })
        })
        .collect()
}

/// Every reason in words, separated by `sep`, in one string.
pub fn reasons_text(reasons: &[Reason], lang: Lang, sep: &str) -> String {
    let mut out = String::with_capacity(40 * reasons.len());
    for (i, r) in reasons.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        r.write_text(lang, &mut out);
    }
    out
}

/// A customer's type with the reasons for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    pub loyalty_type: LoyaltyType,
    /// Attachment 0–100, where the customer has attitude evidence.
    pub attachment: Option<f64>,
    /// High repeat, where the customer has behaviour evidence.
    pub repeat_high: Option<bool>,
    pub reasons: Vec<Reason>,
}

/// Attachment 0–100: the mean of the attitude signals there are (recommendation ×10), less the
/// complaint penalty, with the reasons. `None` without any attitude signal.
pub fn attachment(e: &Evidence, t: &Thresholds, reasons: &mut Vec<Reason>) -> Option<f64> {
    let a = e.attitude.as_ref()?;
    let mut parts = Vec::new();
    if let Some(s) = a.satisfaction.filter(|v| v.is_finite()) {
        reasons.push(Reason::fact(Signal::Satisfaction, s, true));
        parts.push(s.clamp(0.0, 100.0));
    }
    if let Some(r) = a.recommend.filter(|v| v.is_finite()) {
        reasons.push(Reason::at_least(Signal::Recommend, r, t.promoter));
        parts.push((10.0 * r).clamp(0.0, 100.0));
    }
    if let Some(i) = a.intent.filter(|v| v.is_finite()) {
        reasons.push(Reason::fact(Signal::Intent, i, true));
        parts.push(i.clamp(0.0, 100.0));
    }
    if parts.is_empty() {
        return None;
    }
    let mean = parts.iter().sum::<f64>() / parts.len() as f64;
    if e.severe_complaints > 0 {
        reasons.push(Reason::fact(
            Signal::SevereComplaints,
            f64::from(e.severe_complaints),
            true,
        ));
    }
    let score = (mean - t.complaint_penalty * f64::from(e.severe_complaints)).clamp(0.0, 100.0);
    // Rounded to a tenth so the reason's number and the decision agree.
    let score = (score * 10.0).round() / 10.0;
    reasons.push(Reason::at_least(
        Signal::Attachment,
        score,
        t.attachment_high,
    ));
    Some(score)
}

/// High repeat: enough repeat purchases, a purchase rate high among peers and still alive.
pub fn repeat_high(b: &Behaviour, t: &Thresholds, reasons: &mut Vec<Reason>) -> bool {
    let r = [
        Reason::at_least(
            Signal::RepeatPurchases,
            f64::from(b.repeat_purchases),
            f64::from(t.min_repeat),
        ),
        Reason::at_least(Signal::RatePercentile, b.rate_percentile, t.rate_percentile),
        Reason::at_least(Signal::PAlive, b.p_alive, t.p_alive_min),
    ];
    let high = r.iter().all(|r| r.holds);
    reasons.extend(r);
    high
}

/// Classify one customer. Every customer gets exactly one type and at least one reason.
pub fn classify(e: &Evidence, t: &Thresholds) -> Classification {
    use LoyaltyType::*;
    let mut reasons = Vec::with_capacity(8);
    let att = attachment(e, t, &mut reasons);
    let rep = e
        .behaviour
        .as_ref()
        .map(|b| repeat_high(b, t, &mut reasons));
    if att.is_none() {
        reasons.push(Reason::fact(Signal::NoAttitude, 0.0, true));
    }
    if rep.is_none() {
        reasons.push(Reason::fact(Signal::NoBehaviour, 0.0, true));
    }
    let high_att = att.map(|a| a >= t.attachment_high);
    let loyalty_type = match (high_att, rep, e.behaviour.as_ref()) {
        (None, None, _) => Unknown,
        (None, Some(true), _) => RepeatOnlyHigh,
        (None, Some(false), _) => RepeatOnlyLow,
        (Some(true), None, _) => AttitudeOnlyHigh,
        (Some(false), None, _) => AttitudeOnlyLow,
        (Some(true), Some(true), _) => {
            let promoter = e
                .attitude
                .as_ref()
                .and_then(|a| a.recommend)
                .is_some_and(|r| r >= t.promoter);
            let mut premium = promoter;
            if e.referrals > 0 {
                reasons.push(Reason::at_least(
                    Signal::Referrals,
                    f64::from(e.referrals),
                    1.0,
                ));
                premium = true;
            }
            if let Some(w) = e.share_of_wallet {
                let r = Reason::at_least(Signal::ShareOfWallet, w, t.wallet_premium);
                premium |= r.holds;
                reasons.push(r);
            }
            if premium {
                Premium
            } else {
                TrueLoyalty
            }
        }
        (Some(true), Some(false), _) => {
            reasons.push(Reason::fact(Signal::Obstacle, 0.0, e.obstacle));
            Latent
        }
        (Some(false), Some(true), Some(b)) => {
            let dissatisfied = att.is_some_and(|a| a < t.attachment_low);
            if e.kinship_tag {
                reasons.push(Reason::fact(Signal::KinshipTag, 1.0, true));
                Kinship
            } else if t.sole_supplier {
                reasons.push(Reason::fact(Signal::SoleSupplier, 1.0, true));
                Monopoly
            } else if b.promo_share >= t.promo_share {
                reasons.push(Reason::at_least(
                    Signal::PromoShare,
                    b.promo_share,
                    t.promo_share,
                ));
                Incentive
            } else if e.member {
                reasons.push(Reason::at_least(
                    Signal::PromoShare,
                    b.promo_share,
                    t.promo_share,
                ));
                reasons.push(Reason::fact(Signal::Membership, 1.0, true));
                Benefit
            } else if b.top_store_share >= t.store_share && b.purchases > t.min_repeat {
                reasons.push(Reason::at_least(
                    Signal::PromoShare,
                    b.promo_share,
                    t.promo_share,
                ));
                reasons.push(Reason::at_least(
                    Signal::StoreShare,
                    b.top_store_share,
                    t.store_share,
                ));
                Convenience
            } else {
                reasons.push(Reason::at_least(
                    Signal::PromoShare,
                    b.promo_share,
                    t.promo_share,
                ));
                reasons.push(Reason::at_least(
                    Signal::StoreShare,
                    b.top_store_share,
                    t.store_share,
                ));
                if dissatisfied {
                    Inertia
                } else {
                    Spurious
                }
            }
        }
        (Some(false), Some(false), Some(b)) => {
            let r = Reason::at_least(Signal::PromoShare, b.promo_share, t.promo_share);
            let price = r.holds;
            reasons.push(r);
            if price {
                Price
            } else {
                NoLoyalty
            }
        }
        // `rep` is Some only with behaviour evidence.
        (Some(_), Some(_), None) => Unknown,
    };
    Classification {
        loyalty_type,
        attachment: att,
        repeat_high: rep,
        reasons,
    }
}

#[cfg(test)]
#[path = "loyalty_tests.rs"]
mod tests;
