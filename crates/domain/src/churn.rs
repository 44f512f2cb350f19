//! Churn management rules (SPEC.md §4; the seeds' 客户流失管理): the company's headline
//! definition of a churned customer, the churn types and causes, the proposal of a type from
//! evidence (staff confirm or correct it), and the win-back task's steps — contact within the
//! shortest time, apologise, record what the customer was unhappy with, agree a remedy, and
//! the outcome.

use crate::Lang;
use serde::{Deserialize, Serialize};

coded!(
    /// The seeds' four kinds of churn.
    ChurnType {
        Natural = "natural", "自然流失（搬迁、倒闭、去世）", "Natural (moved, closed, died)";
        Competitive = "competitive", "竞争流失（转向竞争对手）", "Competitive (went to a competitor)";
        Fault = "fault", "过失流失（我方失误、产品或服务差）", "Fault (our mistake, poor product or service)";
        Severe = "severe", "恶意/严重流失（重大过失、极度不满）", "Malicious / severe (grave fault, very angry)";
    }
);

coded!(
    /// How the headline churn status is decided for non-contractual customers.
    Definition {
        PAlive = "p_alive", "BG/NBD 存活概率低于阈值", "BG/NBD P(alive) below a threshold";
        Inactivity = "inactivity", "超过自身购买间隔若干倍未购买", "No purchase for a multiple of the customer's own interval";
    }
);

coded!(
    /// A customer's churn status under the headline definition.
    Status {
        Active = "active", "活跃", "Active";
        AtRisk = "at_risk", "有流失风险", "At risk";
        Churned = "churned", "已流失", "Churned";
    }
);

coded!(
    /// What came of a win-back task.
    Outcome {
        WonBack = "won_back", "已挽回", "Won back";
        Declined = "declined", "客户拒绝", "Declined";
        Unreachable = "unreachable", "无法联系", "Unreachable";
    }
);

coded!(
    /// The step a win-back task has reached.
    TaskState {
        Open = "open", "待联系", "To contact";
        Contacted = "contacted", "已联系致歉", "Contacted, apologised";
        RemedyAgreed = "remedy_agreed", "已商定补救", "Remedy agreed";
        Closed = "closed", "已结束", "Closed";
    }
);

/// A cause of churn in the company's taxonomy (configurable; the seeds' list by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl Cause {
    pub fn label(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

/// The seeds' causes of churn (客户流失的原因).
pub fn default_causes() -> Vec<Cause> {
    [
        ("management", "企业管理不善", "Management"),
        ("product", "营销：产品", "Marketing: product"),
        ("price", "营销：价格", "Marketing: price"),
        ("promotion", "营销：促销", "Marketing: promotion"),
        ("innovation", "缺乏创新", "Lack of innovation"),
        ("market_turbulence", "市场波动", "Market turbulence"),
        (
            "arrogance",
            "店大欺客，怠慢小客户",
            "Arrogance toward small customers",
        ),
        ("broken_promises", "未兑现承诺", "Broken promises"),
        ("political", "政治因素", "Political"),
        ("other", "其他", "Other"),
    ]
    .into_iter()
    .map(|(code, zh, en)| Cause {
        code: code.into(),
        zh: zh.into(),
        en: en.into(),
    })
    .collect()
}

/// Churn settings: the headline definition and the proposal's word lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub definition: Definition,
    /// P(alive) below this: churned (non-contractual customers, `p_alive` definition).
    pub p_alive_threshold: f64,
    /// P(alive) below this (and not churned): at risk.
    pub at_risk_threshold: f64,
    /// `inactivity`: churned after this many of the customer's own mean intervals without a
    /// purchase; at risk after half of it.
    pub inactivity_multiple: f64,
    /// One-time buyers (no repeat purchase; BG/NBD gives them P(alive) = 1): churned after this
    /// many days since their only purchase, at risk after half of it. The honest rule for them.
    pub one_time_days: u32,
    /// Months before churn in which complaints and a satisfaction drop count as evidence.
    pub evidence_months: u32,
    /// A fall of at least this many points (0–100) between two answers is a satisfaction drop.
    pub satisfaction_drop: f64,
    /// Words in an exit reason, note or open answer that name a competitor.
    pub competitor_words: Vec<String>,
    /// Words in an exit reason that mean natural churn.
    pub natural_words: Vec<String>,
    /// Days after a won-back outcome in which a purchase makes it count (win-back rate).
    pub winback_days: u32,
    /// Days to the first contact of a new win-back task (the seeds: "the shortest time").
    pub contact_days: u32,
    pub causes: Vec<Cause>,
}

impl Default for Settings {
    fn default() -> Self {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect();
        Settings {
            definition: Definition::PAlive,
            p_alive_threshold: 0.5,
            at_risk_threshold: 0.7,
            inactivity_multiple: 3.0,
            one_time_days: 365,
            evidence_months: 6,
            satisfaction_drop: 20.0,
            competitor_words: words(&[
                "竞争对手",
                "别家",
                "其他家",
                "换了一家",
                "转到",
                "对手",
                "competitor",
                "switched to",
                "another shop",
                "another store",
            ]),
            natural_words: words(&[
                "搬家",
                "搬迁",
                "迁居",
                "出国",
                "移民",
                "倒闭",
                "关闭",
                "去世",
                "moved",
                "relocated",
                "closed down",
                "emigrated",
                "passed away",
                "died",
            ]),
            winback_days: 90,
            contact_days: 2,
            causes: default_causes(),
        }
    }
}

/// A setting out of range: the field and why, in both languages.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingError {
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

fn bad(field: &'static str, zh: &str, en: &str) -> SettingError {
    SettingError {
        field,
        zh: zh.into(),
        en: en.into(),
    }
}

fn words_ok(w: &[String]) -> bool {
    w.len() <= 100
        && w.iter().all(|s| {
            !s.trim().is_empty() && s.chars().count() <= 50 && !s.chars().any(char::is_control)
        })
}

impl Settings {
    pub fn check(&self) -> Result<(), SettingError> {
        let prob = |v: f64| v > 0.0 && v < 1.0;
        if !prob(self.p_alive_threshold) {
            return Err(bad(
                "p_alive_threshold",
                "应为 0 到 1 之间的概率",
                "must be a probability between 0 and 1",
            ));
        }
        if !prob(self.at_risk_threshold) || self.at_risk_threshold < self.p_alive_threshold {
            return Err(bad(
                "at_risk_threshold",
                "应为 0 到 1 之间的概率，且不低于流失阈值",
                "must be a probability between 0 and 1, not below the churn threshold",
            ));
        }
        if !(self.inactivity_multiple.is_finite()
            && (0.5..=50.0).contains(&self.inactivity_multiple))
        {
            return Err(bad(
                "inactivity_multiple",
                "应在 0.5 到 50 之间",
                "must be from 0.5 to 50",
            ));
        }
        if !(7..=3650).contains(&self.one_time_days) {
            return Err(bad(
                "one_time_days",
                "应在 7 到 3650 天之间",
                "must be from 7 to 3650 days",
            ));
        }
        if !(1..=60).contains(&self.evidence_months) {
            return Err(bad(
                "evidence_months",
                "应在 1 到 60 个月之间",
                "must be from 1 to 60 months",
            ));
        }
        if !(self.satisfaction_drop.is_finite() && (1.0..=100.0).contains(&self.satisfaction_drop))
        {
            return Err(bad(
                "satisfaction_drop",
                "应在 1 到 100 分之间",
                "must be from 1 to 100 points",
            ));
        }
        if !words_ok(&self.competitor_words) {
            return Err(bad(
                "competitor_words",
                "至多 100 个词，每个 1–50 个字符",
                "at most 100 words of 1–50 characters",
            ));
        }
        if !words_ok(&self.natural_words) {
            return Err(bad(
                "natural_words",
                "至多 100 个词，每个 1–50 个字符",
                "at most 100 words of 1–50 characters",
            ));
        }
        if !(1..=730).contains(&self.winback_days) {
            return Err(bad(
                "winback_days",
                "应在 1 到 730 天之间",
                "must be from 1 to 730 days",
            ));
        }
        if !(0..=60).contains(&self.contact_days) {
            return Err(bad(
                "contact_days",
                "应在 0 到 60 天之间",
                "must be from 0 to 60 days",
            ));
        }
        let code_ok = |c: &str| {
            !c.is_empty()
                && c.len() <= 40
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        let mut seen = std::collections::HashSet::new();
        if self.causes.is_empty()
            || self.causes.len() > 50
            || self.causes.iter().any(|c| {
                !code_ok(&c.code)
                    || !seen.insert(c.code.clone())
                    || !words_ok(&[c.zh.clone(), c.en.clone()])
            })
        {
            return Err(bad(
                "causes",
                "1 到 50 个原因，代码为小写字母、数字或下划线且不重复，中英文名称各 1–50 个字符",
                "1 to 50 causes with unique codes of lower-case letters, digits or underscores, and names of 1–50 characters in both languages",
            ));
        }
        Ok(())
    }

    pub fn cause(&self, code: &str) -> Option<&Cause> {
        self.causes.iter().find(|c| c.code == code)
    }
}

/// The behaviour a status is decided on (one customer, latest analysis).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Activity {
    pub p_alive: f64,
    /// Repeat purchases.
    pub repeat_purchases: u32,
    /// Days from the first to the last purchase, and from the last purchase to the analysis end.
    pub active_days: f64,
    pub days_since_last: f64,
}

/// A contract or membership: churn is its cancellation.
#[derive(Debug, Clone, PartialEq)]
pub struct Contract {
    /// `YYYY-MM-DD`
    pub start: String,
    /// `YYYY-MM-DD`, empty while it runs.
    pub end: String,
}

/// The headline status and which rule decided it (so the page can say so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Contract,
    PAlive,
    Inactivity,
    OneTimeBuyer,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Rule::Contract => "contract",
            Rule::PAlive => "p_alive",
            Rule::Inactivity => "inactivity",
            Rule::OneTimeBuyer => "one_time",
        }
    }
}

/// A customer's status under the company's headline definition: a contract's cancellation
/// (by `today`, `YYYY-MM-DD`) for contractual customers; for the others P(alive) or inactivity
/// against the customer's own rhythm, and for one-time buyers days since their only purchase.
pub fn status(
    s: &Settings,
    a: Option<&Activity>,
    contract: Option<&Contract>,
    today: &str,
) -> Option<(Status, Rule)> {
    if let Some(c) = contract {
        let cancelled = !c.end.is_empty() && c.end.as_str() <= today;
        return Some((
            if cancelled {
                Status::Churned
            } else {
                Status::Active
            },
            Rule::Contract,
        ));
    }
    let a = a?;
    if a.repeat_purchases == 0 {
        let d = f64::from(s.one_time_days);
        let st = if a.days_since_last >= d {
            Status::Churned
        } else if a.days_since_last >= d / 2.0 {
            Status::AtRisk
        } else {
            Status::Active
        };
        return Some((st, Rule::OneTimeBuyer));
    }
    Some(match s.definition {
        Definition::PAlive => {
            let st = if a.p_alive < s.p_alive_threshold {
                Status::Churned
            } else if a.p_alive < s.at_risk_threshold {
                Status::AtRisk
            } else {
                Status::Active
            };
            (st, Rule::PAlive)
        }
        Definition::Inactivity => {
            let interval = a.active_days / f64::from(a.repeat_purchases);
            let limit = s.inactivity_multiple * interval;
            let st = if a.days_since_last > limit {
                Status::Churned
            } else if a.days_since_last > limit / 2.0 {
                Status::AtRisk
            } else {
                Status::Active
            };
            (st, Rule::Inactivity)
        }
    })
}

/// What the proposal of a churn type looked at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChurnEvidence {
    /// The exit reason staff recorded (may be empty).
    pub exit_reason: String,
    /// Severities (`low` … `critical`) of the customer's complaints in the evidence window.
    pub complaint_severities: Vec<String>,
    /// Satisfaction (0–100) of the customer's earlier and latest answers in the window.
    pub satisfaction_before: Option<f64>,
    pub satisfaction_last: Option<f64>,
    /// Open answers and notes in the window.
    pub texts: Vec<String>,
}

coded!(
    /// One piece of evidence a proposal used.
    EvidenceKind {
        ExitReason = "exit_reason", "记录的流失原因", "Recorded exit reason";
        NaturalWord = "natural_word", "流失原因表明自然流失", "Exit reason names a natural cause";
        CompetitorMention = "competitor_mention", "提到竞争对手", "Competitor mentioned";
        SevereComplaint = "severe_complaint", "流失前的重大投诉", "Critical complaint before leaving";
        Complaint = "complaint", "流失前的投诉", "Complaint before leaving";
        SatisfactionDrop = "satisfaction_drop", "满意度下降", "Satisfaction dropped";
        LowSatisfaction = "low_satisfaction", "满意度低", "Low satisfaction";
        Nothing = "nothing", "没有证据：请记录流失原因", "No evidence: record an exit reason";
    }
);

/// One piece of evidence with what it said ("high", "搬家", "85 → 40").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceItem {
    pub kind: EvidenceKind,
    pub detail: String,
}

/// The proposed type (none without evidence) and the evidence behind it, all of it shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub churn_type: Option<ChurnType>,
    pub evidence: Vec<EvidenceItem>,
}

fn mention<'a>(words: &'a [String], text: &str) -> Option<&'a String> {
    if text.trim().is_empty() {
        return None;
    }
    let lower = text.to_lowercase();
    words.iter().find(|w| {
        if w.chars().any(char::is_uppercase) {
            lower.contains(&w.to_lowercase())
        } else {
            lower.contains(w.as_str())
        }
    })
}

/// Propose a churn type: a natural exit reason → natural; a critical complaint, or a high one
/// with satisfaction at or below 20 → severe; a competitor named → competitive; any complaint,
/// a satisfaction drop or satisfaction below 50 → fault; otherwise no proposal.
pub fn propose(s: &Settings, e: &ChurnEvidence) -> Proposal {
    let mut evidence = Vec::new();
    let reason = e.exit_reason.trim();
    if !reason.is_empty() {
        evidence.push(EvidenceItem {
            kind: EvidenceKind::ExitReason,
            detail: reason.chars().take(200).collect(),
        });
    }
    let natural = mention(&s.natural_words, reason);
    if let Some(w) = natural {
        evidence.push(EvidenceItem {
            kind: EvidenceKind::NaturalWord,
            detail: w.clone(),
        });
    }
    let competitor = std::iter::once(reason)
        .chain(e.texts.iter().map(String::as_str))
        .find_map(|t| mention(&s.competitor_words, t));
    if let Some(w) = competitor {
        evidence.push(EvidenceItem {
            kind: EvidenceKind::CompetitorMention,
            detail: w.clone(),
        });
    }
    let critical = e
        .complaint_severities
        .iter()
        .filter(|s| *s == "critical")
        .count();
    let high = e
        .complaint_severities
        .iter()
        .filter(|s| *s == "high")
        .count();
    if critical > 0 {
        evidence.push(EvidenceItem {
            kind: EvidenceKind::SevereComplaint,
            detail: format!("critical × {critical}"),
        });
    }
    let others = e.complaint_severities.len() - critical;
    if others > 0 {
        evidence.push(EvidenceItem {
            kind: EvidenceKind::Complaint,
            detail: format!("{others}"),
        });
    }
    let drop = match (e.satisfaction_before, e.satisfaction_last) {
        (Some(b), Some(l)) if b - l >= s.satisfaction_drop => {
            evidence.push(EvidenceItem {
                kind: EvidenceKind::SatisfactionDrop,
                detail: format!("{b:.0} → {l:.0}"),
            });
            true
        }
        _ => false,
    };
    let low = e.satisfaction_last.is_some_and(|l| l < 50.0);
    if low && !drop {
        evidence.push(EvidenceItem {
            kind: EvidenceKind::LowSatisfaction,
            detail: format!("{:.0}", e.satisfaction_last.unwrap_or(0.0)),
        });
    }
    let very_angry = high > 0 && e.satisfaction_last.is_some_and(|l| l <= 20.0);
    let churn_type = if natural.is_some() {
        Some(ChurnType::Natural)
    } else if critical > 0 || very_angry {
        Some(ChurnType::Severe)
    } else if competitor.is_some() {
        Some(ChurnType::Competitive)
    } else if !e.complaint_severities.is_empty() || drop || low {
        Some(ChurnType::Fault)
    } else {
        None
    };
    if churn_type.is_none() && evidence.is_empty() {
        evidence.push(EvidenceItem {
            kind: EvidenceKind::Nothing,
            detail: String::new(),
        });
    }
    Proposal {
        churn_type,
        evidence,
    }
}

/// A step of a win-back task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum WinbackStep {
    /// Reached the customer, apologised, heard what they were unhappy with.
    Contact {
        apologised: bool,
        unhappy_with: String,
    },
    /// Agreed a remedy with them.
    Remedy { remedy: String },
    /// The outcome; closes the task.
    Outcome { outcome: Outcome, note: String },
}

/// Longest text of a win-back step, in characters.
pub const WINBACK_TEXT_MAX: usize = 2000;

impl WinbackStep {
    /// The state after this step from `from`, or why it is not allowed there (both languages).
    pub fn next(&self, from: TaskState) -> Result<TaskState, (String, String)> {
        let text_ok = |t: &str| {
            t.chars().count() <= WINBACK_TEXT_MAX
                && !t
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        };
        let (ok, to) = match self {
            WinbackStep::Contact { unhappy_with, .. } => {
                if !text_ok(unhappy_with) {
                    return Err((
                        "内容过长或含控制字符".into(),
                        "too long or has control characters".into(),
                    ));
                }
                (
                    matches!(from, TaskState::Open | TaskState::Contacted),
                    TaskState::Contacted,
                )
            }
            WinbackStep::Remedy { remedy } => {
                if remedy.trim().is_empty() || !text_ok(remedy) {
                    return Err((
                        "请填写补救措施（至多 2000 字）".into(),
                        "describe the remedy (at most 2,000 characters)".into(),
                    ));
                }
                (
                    matches!(from, TaskState::Contacted | TaskState::RemedyAgreed),
                    TaskState::RemedyAgreed,
                )
            }
            WinbackStep::Outcome { outcome, note } => {
                if !text_ok(note) {
                    return Err((
                        "内容过长或含控制字符".into(),
                        "too long or has control characters".into(),
                    ));
                }
                // Won back or declined means someone talked to the customer.
                let reached = matches!(from, TaskState::Contacted | TaskState::RemedyAgreed);
                let ok = match outcome {
                    Outcome::Unreachable => from != TaskState::Closed,
                    _ => reached,
                };
                (ok, TaskState::Closed)
            }
        };
        if ok {
            Ok(to)
        } else {
            Err((
                format!("“{}”状态下不能执行此步骤", from.label(Lang::ZhCn)),
                format!(
                    "this step is not allowed in state '{}'",
                    from.label(Lang::En)
                ),
            ))
        }
    }
}

#[cfg(test)]
#[path = "churn_tests.rs"]
mod tests;
