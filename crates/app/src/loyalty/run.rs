//! A classification run: read the evidence in bulk, classify every customer who has any,
//! decide churn status, propose churn types for those at risk or gone, and save it all with a
//! summary (type mix, evidence coverage, segments, the three faces of loyalty, contract
//! retention by the shifted-beta-geometric model) in one transaction.

use super::evidence::{attitudes, names_obstacle, percentile_ranks, AttitudeFacts, SurveyKeys};
use super::LOYALTY_RUN;
use crate::error::AppError;
use crate::{Actor, App};
use chrono::NaiveDate;
use domain::access::Permission;
use domain::churn::{self, ChurnEvidence, Contract, Status};
use domain::loyalty::{classify, Attitude, Behaviour, Evidence, LoyaltyType};
use hashbrown::HashMap;
use serde_json::{json, Value};
use storage::loyalty::{BehaviourRow, CustomerFacts, Profile};

/// A `YYYY-MM-DD…` text's date, parsed by hand (a million customers have two each).
fn date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// Everything read for a run, by customer id.
#[derive(Default)]
pub struct Inputs {
    pub behaviour: Vec<BehaviourRow>,
    pub facts: HashMap<i64, CustomerFacts>,
    pub referrals: HashMap<i64, i64>,
    pub attitudes: HashMap<i64, AttitudeFacts>,
    /// (severity, situation, received_at) per customer, newest last.
    pub complaints: HashMap<i64, Vec<(String, String, String)>>,
    pub exit_reasons: HashMap<i64, String>,
    /// The day the behaviour was measured to (the customer-value run's calibration end).
    pub as_of: NaiveDate,
    pub today: NaiveDate,
}

/// One customer's result, compact; `profile` gives the row the store keeps.
pub struct Outcome {
    pub customer_id: i64,
    pub loyalty_type: LoyaltyType,
    pub attachment: Option<f64>,
    pub repeat_high: Option<bool>,
    pub status: Option<(Status, churn::Rule)>,
    /// Total spend × the chance the customer is gone.
    pub value_at_risk: f64,
    pub clv: f64,
    pub top20: bool,
    pub spend: f64,
    pub reasons: Vec<domain::loyalty::Reason>,
    pub proposal: Option<churn::Proposal>,
    /// (satisfaction, recommend, share of wallet) as answered (the share of wallet from the
    /// imported category spend where the answers do not give it).
    pub attitude: (Option<f64>, Option<f64>, Option<f64>),
    /// Repeat purchases, for customers with purchases.
    pub repeat: Option<u32>,
}

impl Outcome {
    /// The row to save, with the customer's type before this run.
    pub fn profile(&self, previous_type: String) -> Profile {
        Profile {
            customer_id: self.customer_id,
            run_id: 0,
            loyalty_type: self.loyalty_type.code().to_string(),
            previous_type,
            attachment: self.attachment,
            repeat_high: self.repeat_high,
            churn_status: self
                .status
                .map(|s| s.0.code().to_string())
                .unwrap_or_default(),
            churn_rule: self
                .status
                .map(|s| s.1.code().to_string())
                .unwrap_or_default(),
            value_at_risk: self.value_at_risk,
            clv: self.clv,
            top20: self.top20,
            reasons: self.reasons.clone(),
        }
    }
}

/// The classification of a run's inputs: what every customer needs from the whole base
/// (percentiles, the top-20 % cut), then one customer at a time, as often as needed.
pub struct Classifier<'a> {
    inputs: &'a Inputs,
    s: &'a super::LoyaltySettings,
    percentile: Vec<f64>,
    top_cut: f64,
    pub total_spend: f64,
    lookback: NaiveDate,
    evidence_from: NaiveDate,
    today: String,
    attitude_only: Vec<i64>,
    /// Whether to propose churn types (only the pass that saves them needs them).
    proposals: bool,
}

impl<'a> Classifier<'a> {
    pub fn new(inputs: &'a Inputs, s: &'a super::LoyaltySettings) -> Classifier<'a> {
        let rates: Vec<f64> = inputs
            .behaviour
            .iter()
            .map(|b| {
                let span = b
                    .first_purchase
                    .map_or(1, |f| (inputs.as_of - f).num_days().max(1));
                b.frequency as f64 / span as f64
            })
            .collect();
        // The top 20 % by what they spent: the spend at the 80th percentile.
        let mut spends: Vec<f64> = inputs.behaviour.iter().map(|b| b.total_spend).collect();
        spends.sort_unstable_by(f64::total_cmp);
        let top_cut = spends
            .get(((spends.len() as f64) * 0.8).floor() as usize)
            .copied()
            .unwrap_or(f64::INFINITY);
        let behaviour_ids: hashbrown::HashSet<i64> =
            inputs.behaviour.iter().map(|b| b.customer_id).collect();
        let mut attitude_only: Vec<i64> = inputs
            .attitudes
            .keys()
            .copied()
            .filter(|id| !behaviour_ids.contains(id))
            .collect();
        attitude_only.sort_unstable();
        Classifier {
            inputs,
            s,
            percentile: percentile_ranks(&rates),
            top_cut,
            total_spend: spends.iter().sum(),
            lookback: inputs.today - chrono::Duration::days(i64::from(s.loyalty.lookback_days)),
            evidence_from: inputs.today
                - chrono::Duration::days(30 * i64::from(s.churn.evidence_months)),
            today: inputs.today.to_string(),
            attitude_only,
            proposals: true,
        }
    }

    /// The same classification without churn-type proposals (cheaper where they are not kept).
    pub fn without_proposals(mut self) -> Self {
        self.proposals = false;
        self
    }

    /// Every customer with any evidence: those with purchases, then those with answers only.
    /// Customers with any evidence: those with purchases, then those with answers only.
    pub fn len(&self) -> usize {
        self.inputs.behaviour.len() + self.attitude_only.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k`-th customer's outcome (in `iter`'s order).
    pub fn at(&self, k: usize) -> Outcome {
        match self.inputs.behaviour.get(k) {
            Some(b) => self.outcome(b.customer_id, Some((b, self.percentile[k]))),
            None => self.outcome(self.attitude_only[k - self.inputs.behaviour.len()], None),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Outcome> + '_ {
        let with = self
            .inputs
            .behaviour
            .iter()
            .zip(&self.percentile)
            .map(|(b, pct)| self.outcome(b.customer_id, Some((b, *pct))));
        with.chain(self.attitude_only.iter().map(|id| self.outcome(*id, None)))
    }

    fn outcome(&self, id: i64, b: Option<(&BehaviourRow, f64)>) -> Outcome {
        let (inputs, t, cs) = (self.inputs, &self.s.loyalty, &self.s.churn);
        let facts = inputs.facts.get(&id);
        let att = inputs.attitudes.get(&id);
        let complaints = inputs.complaints.get(&id);
        let in_window = |at: &str, from: NaiveDate| date(at).is_some_and(|d| d >= from);
        let severe = complaints.map_or(0, |c| {
            c.iter()
                .filter(|(sev, _, at)| {
                    (sev == "high" || sev == "critical") && in_window(at, self.lookback)
                })
                .count() as u32
        });
        let obstacle = complaints.is_some_and(|c| {
            c.iter()
                .any(|(_, text, at)| in_window(at, self.lookback) && names_obstacle(text))
        }) || att.is_some_and(|a| {
            a.texts
                .iter()
                .any(|(at, text)| in_window(at, self.lookback) && names_obstacle(text))
        });
        let contract = facts
            .filter(|f| !f.contract_start.is_empty())
            .map(|f| Contract {
                start: f.contract_start.clone(),
                end: f.contract_end.clone(),
            });
        let member = contract
            .as_ref()
            .is_some_and(|c| c.end.is_empty() || c.end > self.today);
        let behaviour = b.map(|(b, pct)| {
            let mix = b.mix;
            let n = mix.purchases.max(1) as f64;
            Behaviour {
                repeat_purchases: b.frequency.max(0) as u32,
                rate_percentile: pct,
                p_alive: b.p_alive,
                promo_share: mix.promoted as f64 / n,
                top_store_share: mix.top_store as f64 / n,
                purchases: mix.purchases.max(0) as u32,
            }
        });
        // Share of wallet: as answered, else the yearly spend here over the imported category
        // spend (spend since the first purchase, over at least one year).
        let wallet = att.and_then(|a| a.wallet).or_else(|| {
            let category = facts.and_then(|f| f.category_spend).filter(|c| *c > 0.0)?;
            let (b, _) = b?;
            let first = b.first_purchase?;
            let years = ((inputs.as_of - first).num_days() as f64 / 365.0).max(1.0);
            Some((b.total_spend / years / category).clamp(0.0, 1.0))
        });
        let e = Evidence {
            attitude: att.map(|a| Attitude {
                satisfaction: a.satisfaction,
                recommend: a.recommend,
                intent: a.intent,
            }),
            behaviour,
            severe_complaints: severe,
            referrals: inputs.referrals.get(&id).copied().unwrap_or(0).max(0) as u32,
            share_of_wallet: wallet,
            kinship_tag: facts.is_some_and(|f| f.kinship),
            member,
            obstacle,
        };
        let c = classify(&e, t);
        let activity = b.map(|(b, _)| {
            let first = b.first_purchase.unwrap_or(inputs.as_of);
            let last = b.last_purchase.unwrap_or(inputs.as_of);
            churn::Activity {
                p_alive: b.p_alive,
                repeat_purchases: b.frequency.max(0) as u32,
                active_days: (last - first).num_days() as f64,
                days_since_last: (inputs.as_of - last).num_days() as f64,
            }
        });
        let status = churn::status(cs, activity.as_ref(), contract.as_ref(), &self.today);
        // The chance the customer is gone, for the value at risk: P(alive)'s complement, or the
        // status itself where P(alive) does not apply (one-time buyers, contracts).
        let p_gone = match (status, b) {
            (Some((st, churn::Rule::Contract | churn::Rule::OneTimeBuyer)), _) => match st {
                Status::Churned => 1.0,
                Status::AtRisk => 0.5,
                Status::Active => 0.0,
            },
            (_, Some((b, _))) => 1.0 - b.p_alive,
            _ => 0.0,
        };
        let spend = b.map_or(0.0, |(b, _)| b.total_spend);
        let proposal = match status {
            Some((Status::Churned | Status::AtRisk, _)) if self.proposals => {
                let from = self.evidence_from;
                let cev = ChurnEvidence {
                    exit_reason: inputs.exit_reasons.get(&id).cloned().unwrap_or_default(),
                    complaint_severities: complaints
                        .map(|c| {
                            c.iter()
                                .filter(|(_, _, at)| in_window(at, from))
                                .map(|(s, _, _)| s.clone())
                                .collect()
                        })
                        .unwrap_or_default(),
                    satisfaction_before: att.and_then(|a| {
                        let h: Vec<f64> = a
                            .history
                            .iter()
                            .filter(|(at, _)| in_window(at, from))
                            .map(|(_, v)| *v)
                            .collect();
                        (h.len() >= 2)
                            .then(|| h[..h.len() - 1].iter().copied().fold(f64::MIN, f64::max))
                    }),
                    satisfaction_last: att.and_then(|a| {
                        a.history
                            .iter()
                            .rev()
                            .find(|(at, _)| in_window(at, from))
                            .map(|(_, v)| *v)
                    }),
                    texts: att
                        .map(|a| {
                            a.texts
                                .iter()
                                .filter(|(at, _)| in_window(at, from))
                                .map(|(_, t)| t.clone())
                                .collect()
                        })
                        .unwrap_or_default(),
                };
                Some(churn::propose(cs, &cev))
            }
            _ => None,
        };
        Outcome {
            customer_id: id,
            loyalty_type: c.loyalty_type,
            attachment: c.attachment,
            repeat_high: c.repeat_high,
            status,
            value_at_risk: (spend * p_gone * 100.0).round() / 100.0,
            clv: b.map_or(0.0, |(b, _)| b.clv),
            top20: b.is_some_and(|(b, _)| b.total_spend >= self.top_cut && b.total_spend > 0.0),
            spend,
            reasons: c.reasons,
            proposal,
            attitude: att.map_or((None, None, wallet), |a| {
                (a.satisfaction, a.recommend, wallet)
            }),
            repeat: b.map(|(b, _)| b.frequency.max(0) as u32),
        }
    }
}

/// The run's summary, gathered one outcome at a time.
#[derive(Default)]
pub struct Summary {
    customers: i64,
    types: HashMap<&'static str, (i64, f64, f64)>,
    evidence: [i64; 4],
    status: HashMap<(&'static str, &'static str), i64>,
    trusting: (i64, f64),
    susceptible: (i64, f64),
    likely: (i64, f64),
    top20: (i64, f64),
    sat: (f64, i64),
    rec: (f64, i64),
    promoters: i64,
    wallet: (f64, i64),
    repeaters: i64,
    buyers: i64,
}

impl Summary {
    pub fn add(&mut self, o: &Outcome, promoter: f64) {
        let t = o.loyalty_type;
        self.customers += 1;
        let e = self.types.entry(t.code()).or_default();
        e.0 += 1;
        e.1 += o.clv;
        e.2 += o.value_at_risk;
        self.evidence[match t {
            _ if t.is_full() => 0,
            LoyaltyType::RepeatOnlyHigh | LoyaltyType::RepeatOnlyLow => 1,
            LoyaltyType::AttitudeOnlyHigh | LoyaltyType::AttitudeOnlyLow => 2,
            _ => 3,
        }] += 1;
        if let Some((st, rule)) = o.status {
            *self.status.entry((rule.code(), st.code())).or_default() += 1;
        }
        if matches!(t, LoyaltyType::Premium | LoyaltyType::TrueLoyalty) {
            self.trusting.0 += 1;
            self.trusting.1 += o.clv;
        }
        if t.susceptible() {
            self.susceptible.0 += 1;
            self.susceptible.1 += o.clv;
        }
        if matches!(o.status, Some((Status::AtRisk | Status::Churned, _))) {
            self.likely.0 += 1;
            self.likely.1 += o.value_at_risk;
        }
        if o.top20 {
            self.top20.0 += 1;
            self.top20.1 += o.spend;
        }
        if let Some(v) = o.attitude.0 {
            self.sat = (self.sat.0 + v, self.sat.1 + 1);
        }
        if let Some(v) = o.attitude.1 {
            self.rec = (self.rec.0 + v, self.rec.1 + 1);
            self.promoters += i64::from(v >= promoter);
        }
        if let Some(v) = o.attitude.2 {
            self.wallet = (self.wallet.0 + v, self.wallet.1 + 1);
        }
        if let Some(r) = o.repeat {
            self.buyers += 1;
            self.repeaters += i64::from(r > 0);
        }
    }

    /// Add another part's counts (a part classified on another core).
    pub fn merge(&mut self, o: Summary) {
        self.customers += o.customers;
        for (k, v) in o.types {
            let e = self.types.entry(k).or_default();
            e.0 += v.0;
            e.1 += v.1;
            e.2 += v.2;
        }
        for i in 0..4 {
            self.evidence[i] += o.evidence[i];
        }
        for (k, v) in o.status {
            *self.status.entry(k).or_default() += v;
        }
        let add = |a: &mut (i64, f64), b: (i64, f64)| {
            a.0 += b.0;
            a.1 += b.1;
        };
        add(&mut self.trusting, o.trusting);
        add(&mut self.susceptible, o.susceptible);
        add(&mut self.likely, o.likely);
        add(&mut self.top20, o.top20);
        let add2 = |a: &mut (f64, i64), b: (f64, i64)| {
            a.0 += b.0;
            a.1 += b.1;
        };
        add2(&mut self.sat, o.sat);
        add2(&mut self.rec, o.rec);
        add2(&mut self.wallet, o.wallet);
        self.promoters += o.promoters;
        self.repeaters += o.repeaters;
        self.buyers += o.buyers;
    }

    pub fn finish(self, inputs: &Inputs, s: &super::LoyaltySettings, total_spend: f64) -> Value {
        let mean = |(sum, n): (f64, i64)| {
            if n > 0 {
                json!(sum / n as f64)
            } else {
                Value::Null
            }
        };
        let share = |k: i64, n: i64| {
            if n > 0 {
                json!(k as f64 / n as f64)
            } else {
                Value::Null
            }
        };
        // The headline: status counts under the rule each customer falls under.
        let count = |st: &str| {
            self.status
                .iter()
                .filter(|((_, s), _)| *s == st)
                .map(|(_, n)| *n)
                .sum::<i64>()
        };
        let with_status = count("active") + count("at_risk") + count("churned");
        let referrers = inputs.referrals.len() as i64;
        let e = self.evidence;
        json!({
            "as_of": inputs.as_of.to_string(),
            "today": inputs.today.to_string(),
            "customers": self.customers,
            "types": self.types.iter().map(|(k, v)| (k.to_string(), json!({"customers": v.0, "clv": v.1, "value_at_risk": v.2}))).collect::<serde_json::Map<String, Value>>(),
            "evidence": {"both": e[0], "behaviour_only": e[1], "attitude_only": e[2], "none": e[3]},
            "status": self.status.iter().map(|((rule, st), n)| json!({"rule": rule, "status": st, "customers": n})).collect::<Vec<_>>(),
            "headline": {
                "definition": s.churn.definition.code(),
                "customers": with_status,
                "churned": count("churned"),
                "at_risk": count("at_risk"),
                "churn_rate": share(count("churned"), with_status),
                "retention_rate": share(with_status - count("churned"), with_status),
            },
            "segments": {
                "highly_trusting": {"customers": self.trusting.0, "clv": self.trusting.1},
                "susceptible": {"customers": self.susceptible.0, "clv": self.susceptible.1},
                "likely_to_churn": {"customers": self.likely.0, "value_at_risk": self.likely.1},
                "top20": {"customers": self.top20.0, "spend": self.top20.1, "spend_share": if total_spend > 0.0 { json!(self.top20.1 / total_spend) } else { Value::Null }},
            },
            "faces": {
                "emotional": {"mean_satisfaction": mean(self.sat), "answered": self.sat.1},
                "intentional": {"mean_recommend": mean(self.rec), "promoter_share": share(self.promoters, self.rec.1), "answered": self.rec.1},
                "behavioural": {"repeat_rate": share(self.repeaters, self.buyers), "buyers": self.buyers},
                "share_of_wallet": {"mean": mean(self.wallet), "answered": self.wallet.1},
                "referral_rate": share(referrers, self.buyers.max(referrers)),
                "referrers": referrers,
            },
            "contracts": contract_retention(inputs),
            "thresholds": s.loyalty,
            "churn_settings": {"definition": s.churn.definition.code(), "p_alive_threshold": s.churn.p_alive_threshold,
                "at_risk_threshold": s.churn.at_risk_threshold, "inactivity_multiple": s.churn.inactivity_multiple,
                "one_time_days": s.churn.one_time_days},
        })
    }
}

/// Customers classified per block; each block is split over the cores.
const BLOCK: usize = 65_536;

/// Classify every customer with any evidence on every core: `map` turns each outcome into what
/// the caller keeps (a row, a profile), `sink` receives those in customer order; gives the
/// run's summary (pure: no I/O; memory stays with the inputs and one block).
pub fn classify_blocks<T: Send>(
    c: &Classifier,
    map: impl Fn(Outcome) -> T + Sync,
    mut sink: impl FnMut(T),
) -> Value {
    let (inputs, s) = (c.inputs, c.s);
    let promoter = s.loyalty.promoter;
    let mut summary = Summary::default();
    let n = c.len();
    let mut start = 0;
    while start < n {
        let end = (start + BLOCK).min(n);
        let parts = analytics::par::ranges(end - start, 4_096, |r| {
            let mut part = Summary::default();
            let mut out = Vec::with_capacity(r.len());
            for k in r {
                let o = c.at(start + k);
                part.add(&o, promoter);
                out.push(map(o));
            }
            (part, out)
        });
        for (part, out) in parts {
            summary.merge(part);
            out.into_iter().for_each(&mut sink);
        }
        start = end;
    }
    summary.finish(inputs, s, c.total_spend)
}

/// [`classify_blocks`] keeping the outcomes as they are.
pub fn classify_each(
    inputs: &Inputs,
    s: &super::LoyaltySettings,
    each: impl FnMut(Outcome),
) -> Value {
    classify_blocks(&Classifier::new(inputs, s), |o| o, each)
}

/// Contract retention by year of tenure, pooled over start dates (each contract observed for
/// the whole years it has run), with the shifted-beta-geometric fit and its projection.
fn contract_retention(inputs: &Inputs) -> Value {
    let mut lost = Vec::<f64>::new();
    let mut still = Vec::<f64>::new();
    let grow = |v: &mut Vec<f64>, t: usize| {
        if v.len() < t {
            v.resize(t, 0.0);
        }
    };
    let mut n = 0;
    for f in inputs.facts.values() {
        let Some(start) = date(&f.contract_start) else {
            continue;
        };
        n += 1;
        let end = date(&f.contract_end).filter(|e| *e <= inputs.today);
        let years =
            |to: NaiveDate| ((to - start).num_days() as f64 / 365.25).floor().max(0.0) as usize;
        match end {
            Some(e) => {
                let t = years(e) + 1;
                grow(&mut lost, t);
                grow(&mut still, t);
                lost[t - 1] += 1.0;
            }
            None => {
                let t = years(inputs.today);
                if t > 0 {
                    grow(&mut lost, t);
                    grow(&mut still, t);
                    still[t - 1] += 1.0;
                }
            }
        }
    }
    let len = lost.len().max(still.len());
    lost.resize(len, 0.0);
    still.resize(len, 0.0);
    if n == 0 {
        return json!({"customers": 0});
    }
    // Share surviving each year among those observed that long (Kaplan–Meier on whole years).
    let mut at_risk: f64 = lost.iter().chain(&still).sum();
    let mut s = 1.0;
    let mut observed = Vec::new();
    for t in 0..len {
        if at_risk <= 0.0 {
            break;
        }
        s *= 1.0 - lost[t] / at_risk;
        observed.push(s);
        at_risk -= lost[t] + still[t];
    }
    let fit = analytics::sbg::Sbg::fit_censored(&lost, &still).ok();
    json!({
        "customers": n,
        "cancelled": lost.iter().sum::<f64>(),
        "observed_survival": observed,
        "sbg": fit.map(|m| json!({"alpha": m.alpha, "beta": m.beta, "loglik": m.loglik,
            "projected_survival": (1..=(len as u32 + 5)).map(|t| m.survival(t)).collect::<Vec<_>>()})),
    })
}

impl App {
    /// Classify every customer now and save the results as a run (its id and summary returned).
    pub async fn run_loyalty(&self, actor: &Actor) -> Result<(i64, Value), AppError> {
        actor.require(Permission::RunAnalytics)?;
        let settings = self.loyalty_settings().await?;
        let id = self
            .store
            .create_analysis_run(
                LOYALTY_RUN,
                &serde_json::to_value(&settings).unwrap_or_default(),
                &actor.username,
            )
            .await?;
        let r = self.run_loyalty_into(id, actor, &settings).await;
        if let Ok(mut m) = self.loyalty_counts.lock() {
            m.clear();
        }
        match r {
            Ok(summary) => Ok((id, summary)),
            Err(e) => {
                let message = e.clone().localized(actor.lang).message;
                self.store.fail_analysis_run(id, &message).await?;
                Err(e)
            }
        }
    }

    async fn read_inputs(&self, settings: &super::LoyaltySettings) -> Result<Inputs, AppError> {
        let today = chrono::Utc::now().date_naive();
        let clv = self
            .store
            .latest_analysis_run(crate::churn::store::CLV_RUN)
            .await?;
        let as_of = clv
            .as_ref()
            .and_then(|r| r.summary["calibration_end"].as_str().and_then(date))
            .unwrap_or(today);
        let behaviour = self.store.loyalty_behaviour().await?;
        let facts = self
            .store
            .customer_facts(&settings.loyalty.kinship_tags)
            .await?
            .into_iter()
            .map(|f| (f.customer_id, f))
            .collect();
        let referrals = self
            .store
            .referrals_by_customer()
            .await?
            .into_iter()
            .collect();
        let keys: HashMap<i64, SurveyKeys> = self
            .store
            .surveys()
            .await?
            .into_iter()
            .filter_map(|s| {
                serde_json::from_value::<domain::surveys::Questionnaire>(s.questionnaire)
                    .ok()
                    .map(|q| (s.id, SurveyKeys::of(&q)))
            })
            .collect();
        let since = (today - chrono::Duration::days(730)).to_string();
        let answers = self.store.customer_answers(&since).await?;
        let back = i64::from(settings.loyalty.lookback_days)
            .max(30 * i64::from(settings.churn.evidence_months));
        let mut complaints: HashMap<i64, Vec<(String, String, String)>> = HashMap::new();
        for c in self
            .store
            .complaints_since(&(today - chrono::Duration::days(back)).to_string())
            .await?
        {
            complaints.entry(c.customer_id).or_default().push((
                c.severity,
                c.situation,
                c.received_at,
            ));
        }
        Ok(Inputs {
            behaviour,
            facts,
            referrals,
            attitudes: attitudes(answers, &keys),
            complaints,
            exit_reasons: self.store.exit_reasons().await?.into_iter().collect(),
            as_of,
            today,
        })
    }

    async fn run_loyalty_into(
        &self,
        id: i64,
        actor: &Actor,
        settings: &super::LoyaltySettings,
    ) -> Result<Value, AppError> {
        let started = std::time::Instant::now();
        let mut timings = serde_json::Map::new();
        let mut lap = {
            let mut last = started;
            move |what: &str, t: &mut serde_json::Map<String, Value>| {
                let now = std::time::Instant::now();
                t.insert(
                    what.into(),
                    json!(((now - last).as_secs_f64() * 1000.0).round() / 1000.0),
                );
                last = now;
            }
        };
        let inputs = std::sync::Arc::new(self.read_inputs(settings).await?);
        lap("read", &mut timings);
        // Each customer's type before this run, one byte each.
        let previous: std::sync::Arc<HashMap<i64, LoyaltyType>> = std::sync::Arc::new(
            self.store
                .loyalty_types()
                .await?
                .into_iter()
                .filter_map(|(id, t)| Some((id, LoyaltyType::parse(&t)?)))
                .collect(),
        );
        // Pass 1, off the async workers: the summary, movement since the last run and the
        // churn-type proposals.
        let (i2, s2, p2) = (inputs.clone(), settings.clone(), previous.clone());
        let (mut summary, proposals) = tokio::task::spawn_blocking(move || {
            let mut moved: HashMap<(&'static str, &'static str), i64> = HashMap::new();
            let mut proposals = Vec::new();
            let summary = classify_each(&i2, &s2, |o| {
                if let Some(before) = p2.get(&o.customer_id).filter(|b| **b != o.loyalty_type) {
                    *moved
                        .entry((before.code(), o.loyalty_type.code()))
                        .or_default() += 1;
                }
                if let Some(pr) = o.proposal.filter(|pr| pr.churn_type.is_some()) {
                    proposals.push((
                        o.customer_id,
                        pr.churn_type
                            .map(|t| t.code().to_string())
                            .unwrap_or_default(),
                        serde_json::to_value(&pr.evidence).unwrap_or_default(),
                    ));
                }
            });
            let mut summary = summary;
            summary["movement"] = json!(moved
                .iter()
                .map(|((from, to), n)| json!({"from": from, "to": to, "customers": n}))
                .collect::<Vec<_>>());
            (summary, proposals)
        })
        .await
        .map_err(AppError::internal)?;
        summary["proposals"] = json!(proposals.len());
        // The drivers of loyalty from the surveys' model (a failure there does not stop the run).
        lap("classify", &mut timings);
        summary["drivers"] = match self.loyalty_drivers(actor).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!("loyalty drivers not computed: {e}");
                Value::Null
            }
        };
        lap("drivers", &mut timings);
        self.store.save_churn_proposals(&proposals).await?;
        lap("save_proposals", &mut timings);
        // Saving takes the rest: counted up to the start of the save (the summary is saved in
        // the same transaction as the profiles).
        summary["timings"] = Value::Object(timings);
        // Pass 2: the same classification again, each profile built as it is written (the
        // reasons of a million customers never sit in memory at once).
        let classifier = Classifier::new(&inputs, settings).without_proposals();
        let mut profiles = classifier.iter().map(|o| {
            let before = previous.get(&o.customer_id).map(|t| t.code().to_string());
            o.profile(before.unwrap_or_default())
        });
        self.store
            .save_loyalty_profiles(id, &summary, &mut profiles)
            .await?;
        Ok(summary)
    }
}
