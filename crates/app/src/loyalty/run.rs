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
use storage::loyalty::{BehaviourRow, CustomerFacts, Profile, PurchaseMix};

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// Everything read for a run, by customer id.
#[derive(Default)]
pub struct Inputs {
    pub behaviour: Vec<BehaviourRow>,
    pub mix: HashMap<i64, PurchaseMix>,
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

/// One customer's result.
pub struct Outcome {
    pub profile: Profile,
    pub status: Option<Status>,
    pub proposal: Option<churn::Proposal>,
    pub facts: Option<AttitudeFacts>,
    pub repeat: Option<u32>,
}

/// Classify every customer in `inputs` (pure: no I/O), with the run's summary.
pub fn classify_all(inputs: &Inputs, s: &super::LoyaltySettings) -> (Vec<Outcome>, Value) {
    let t = &s.loyalty;
    let cs = &s.churn;
    let rates: Vec<f64> = inputs
        .behaviour
        .iter()
        .map(|b| {
            let span = date(&b.first_purchase).map_or(1, |f| (inputs.as_of - f).num_days().max(1));
            b.frequency as f64 / span as f64
        })
        .collect();
    let percentile = percentile_ranks(&rates);
    // The top 20 % by what they spent: the spend at the 80th percentile.
    let mut spends: Vec<f64> = inputs.behaviour.iter().map(|b| b.total_spend).collect();
    spends.sort_unstable_by(f64::total_cmp);
    let top_cut = spends
        .get(((spends.len() as f64) * 0.8).floor() as usize)
        .copied()
        .unwrap_or(f64::INFINITY);
    let total_spend: f64 = spends.iter().sum();
    let lookback = inputs.today - chrono::Duration::days(i64::from(t.lookback_days));
    let evidence_from = inputs.today - chrono::Duration::days(30 * i64::from(cs.evidence_months));
    let today = inputs.today.to_string();
    let behaviour_ids: hashbrown::HashSet<i64> =
        inputs.behaviour.iter().map(|b| b.customer_id).collect();
    let mut out = Vec::with_capacity(inputs.behaviour.len() + inputs.attitudes.len());
    let mut one = |id: i64, b: Option<(&BehaviourRow, f64)>| {
        let facts = inputs.facts.get(&id);
        let att = inputs.attitudes.get(&id);
        let complaints = inputs.complaints.get(&id);
        let in_window = |at: &str, from: NaiveDate| date(at).is_some_and(|d| d >= from);
        let severe = complaints.map_or(0, |c| {
            c.iter()
                .filter(|(sev, _, at)| {
                    (sev == "high" || sev == "critical") && in_window(at, lookback)
                })
                .count() as u32
        });
        let obstacle = complaints.is_some_and(|c| {
            c.iter()
                .any(|(_, text, at)| in_window(at, lookback) && names_obstacle(text))
        }) || att.is_some_and(|a| {
            a.texts
                .iter()
                .any(|(at, text)| in_window(at, lookback) && names_obstacle(text))
        });
        let contract = facts
            .filter(|f| !f.contract_start.is_empty())
            .map(|f| Contract {
                start: f.contract_start.clone(),
                end: f.contract_end.clone(),
            });
        let member = contract
            .as_ref()
            .is_some_and(|c| c.end.is_empty() || c.end > today);
        let behaviour = b.map(|(b, pct)| {
            let mix = inputs.mix.get(&id).copied().unwrap_or_default();
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
        let e = Evidence {
            attitude: att.map(|a| Attitude {
                satisfaction: a.satisfaction,
                recommend: a.recommend,
                intent: a.intent,
            }),
            behaviour,
            severe_complaints: severe,
            referrals: inputs.referrals.get(&id).copied().unwrap_or(0).max(0) as u32,
            share_of_wallet: att.and_then(|a| a.wallet),
            kinship_tag: facts.is_some_and(|f| {
                f.tags
                    .iter()
                    .any(|tag| t.kinship_tags.iter().any(|k| k == tag))
            }),
            member,
            obstacle,
        };
        let c = classify(&e, t);
        let activity = b.map(|(b, _)| {
            let first = date(&b.first_purchase).unwrap_or(inputs.as_of);
            let last = date(&b.last_purchase).unwrap_or(inputs.as_of);
            churn::Activity {
                p_alive: b.p_alive,
                repeat_purchases: b.frequency.max(0) as u32,
                active_days: (last - first).num_days() as f64,
                days_since_last: (inputs.as_of - last).num_days() as f64,
            }
        });
        let status = churn::status(cs, activity.as_ref(), contract.as_ref(), &today);
        // The chance the customer is gone, for the value at risk: P(alive)'s complement, or the
        // status itself where P(alive) does not apply (one-time buyers, contracts).
        let p_gone = match (status, b) {
            (Some((_, churn::Rule::Contract | churn::Rule::OneTimeBuyer)), _) => {
                match status.map(|s| s.0) {
                    Some(Status::Churned) => 1.0,
                    Some(Status::AtRisk) => 0.5,
                    _ => 0.0,
                }
            }
            (_, Some((b, _))) => 1.0 - b.p_alive,
            _ => 0.0,
        };
        let spend = b.map_or(0.0, |(b, _)| b.total_spend);
        let proposal = match status {
            Some((Status::Churned | Status::AtRisk, _)) => {
                let cev = ChurnEvidence {
                    exit_reason: inputs.exit_reasons.get(&id).cloned().unwrap_or_default(),
                    complaint_severities: complaints
                        .map(|c| {
                            c.iter()
                                .filter(|(_, _, at)| in_window(at, evidence_from))
                                .map(|(s, _, _)| s.clone())
                                .collect()
                        })
                        .unwrap_or_default(),
                    satisfaction_before: att.and_then(|a| {
                        let h: Vec<&(String, f64)> = a
                            .history
                            .iter()
                            .filter(|(at, _)| in_window(at, evidence_from))
                            .collect();
                        (h.len() >= 2).then(|| h.iter().map(|(_, v)| *v).fold(f64::MIN, f64::max))
                    }),
                    satisfaction_last: att.and_then(|a| {
                        a.history
                            .iter()
                            .rev()
                            .find(|(at, _)| in_window(at, evidence_from))
                            .map(|(_, v)| *v)
                    }),
                    texts: att
                        .map(|a| {
                            a.texts
                                .iter()
                                .filter(|(at, _)| in_window(at, evidence_from))
                                .map(|(_, t)| t.clone())
                                .collect()
                        })
                        .unwrap_or_default(),
                };
                Some(churn::propose(cs, &cev))
            }
            _ => None,
        };
        out.push(Outcome {
            profile: Profile {
                customer_id: id,
                run_id: 0,
                loyalty_type: c.loyalty_type.code().to_string(),
                previous_type: String::new(),
                attachment: c.attachment,
                repeat_high: c.repeat_high,
                churn_status: status.map(|s| s.0.code().to_string()).unwrap_or_default(),
                churn_rule: status.map(|s| s.1.code().to_string()).unwrap_or_default(),
                value_at_risk: (spend * p_gone * 100.0).round() / 100.0,
                clv: b.map_or(0.0, |(b, _)| b.clv),
                top20: b.is_some_and(|(b, _)| b.total_spend >= top_cut && b.total_spend > 0.0),
                reasons: serde_json::to_value(&c.reasons).unwrap_or_default(),
            },
            status: status.map(|s| s.0),
            proposal,
            facts: att.cloned(),
            repeat: b.map(|(b, _)| b.frequency.max(0) as u32),
        });
    };
    for (b, pct) in inputs.behaviour.iter().zip(&percentile) {
        one(b.customer_id, Some((b, *pct)));
    }
    let mut attitude_only: Vec<i64> = inputs
        .attitudes
        .keys()
        .copied()
        .filter(|id| !behaviour_ids.contains(id))
        .collect();
    attitude_only.sort_unstable();
    for id in attitude_only {
        one(id, None);
    }
    let summary = summarise(&out, inputs, s, total_spend);
    (out, summary)
}

fn summarise(
    out: &[Outcome],
    inputs: &Inputs,
    s: &super::LoyaltySettings,
    total_spend: f64,
) -> Value {
    let mut types: HashMap<&str, (i64, f64, f64)> = HashMap::new();
    let mut evidence = [0i64; 4];
    let mut status: HashMap<(String, String), i64> = HashMap::new();
    let (mut trusting, mut susceptible, mut likely, mut top20) =
        ((0i64, 0.0), (0i64, 0.0), (0i64, 0.0), (0i64, 0.0f64));
    let spend_of: HashMap<i64, f64> = inputs
        .behaviour
        .iter()
        .map(|b| (b.customer_id, b.total_spend))
        .collect();
    let (mut sat, mut rec, mut promoters, mut wallet) =
        ((0.0, 0i64), (0.0, 0i64), 0i64, (0.0, 0i64));
    let (mut repeaters, mut buyers) = (0i64, 0i64);
    for o in out {
        let p = &o.profile;
        let e = types
            .entry(LoyaltyType::parse(&p.loyalty_type).map_or("unknown", |t| t.code()))
            .or_default();
        e.0 += 1;
        e.1 += p.clv;
        e.2 += p.value_at_risk;
        let t = LoyaltyType::parse(&p.loyalty_type).unwrap_or(LoyaltyType::Unknown);
        evidence[match t {
            _ if t.is_full() => 0,
            LoyaltyType::RepeatOnlyHigh | LoyaltyType::RepeatOnlyLow => 1,
            LoyaltyType::AttitudeOnlyHigh | LoyaltyType::AttitudeOnlyLow => 2,
            _ => 3,
        }] += 1;
        if !p.churn_status.is_empty() {
            *status
                .entry((p.churn_rule.clone(), p.churn_status.clone()))
                .or_default() += 1;
        }
        if matches!(t, LoyaltyType::Premium | LoyaltyType::TrueLoyalty) {
            trusting.0 += 1;
            trusting.1 += p.clv;
        }
        if t.susceptible() {
            susceptible.0 += 1;
            susceptible.1 += p.clv;
        }
        if o.status == Some(Status::AtRisk) || o.status == Some(Status::Churned) {
            likely.0 += 1;
            likely.1 += p.value_at_risk;
        }
        if p.top20 {
            top20.0 += 1;
            top20.1 += spend_of.get(&p.customer_id).copied().unwrap_or(0.0);
        }
        if let Some(f) = &o.facts {
            if let Some(v) = f.satisfaction {
                sat = (sat.0 + v, sat.1 + 1);
            }
            if let Some(v) = f.recommend {
                rec = (rec.0 + v, rec.1 + 1);
                promoters += i64::from(v >= s.loyalty.promoter);
            }
            if let Some(v) = f.wallet {
                wallet = (wallet.0 + v, wallet.1 + 1);
            }
        }
        if let Some(r) = o.repeat {
            buyers += 1;
            repeaters += i64::from(r > 0);
        }
    }
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
        status
            .iter()
            .filter(|((_, s), _)| s == st)
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    let with_status = count("active") + count("at_risk") + count("churned");
    let referrers = inputs.referrals.len() as i64;
    json!({
        "as_of": inputs.as_of.to_string(),
        "today": inputs.today.to_string(),
        "customers": out.len(),
        "types": types.iter().map(|(k, v)| (k.to_string(), json!({"customers": v.0, "clv": v.1, "value_at_risk": v.2}))).collect::<serde_json::Map<String, Value>>(),
        "evidence": {"both": evidence[0], "behaviour_only": evidence[1], "attitude_only": evidence[2], "none": evidence[3]},
        "status": status.iter().map(|((rule, st), n)| json!({"rule": rule, "status": st, "customers": n})).collect::<Vec<_>>(),
        "headline": {
            "definition": s.churn.definition.code(),
            "customers": with_status,
            "churned": count("churned"),
            "at_risk": count("at_risk"),
            "churn_rate": share(count("churned"), with_status),
            "retention_rate": share(with_status - count("churned"), with_status),
        },
        "segments": {
            "highly_trusting": {"customers": trusting.0, "clv": trusting.1},
            "susceptible": {"customers": susceptible.0, "clv": susceptible.1},
            "likely_to_churn": {"customers": likely.0, "value_at_risk": likely.1},
            "top20": {"customers": top20.0, "spend": top20.1, "spend_share": if total_spend > 0.0 { json!(top20.1 / total_spend) } else { Value::Null }},
        },
        "faces": {
            "emotional": {"mean_satisfaction": mean(sat), "answered": sat.1},
            "intentional": {"mean_recommend": mean(rec), "promoter_share": share(promoters, rec.1), "answered": rec.1},
            "behavioural": {"repeat_rate": share(repeaters, buyers), "buyers": buyers},
            "share_of_wallet": {"mean": mean(wallet), "answered": wallet.1},
            "referral_rate": share(referrers, buyers.max(referrers)),
            "referrers": referrers,
        },
        "contracts": contract_retention(inputs),
        "thresholds": s.loyalty,
        "churn_settings": {"definition": s.churn.definition.code(), "p_alive_threshold": s.churn.p_alive_threshold,
            "at_risk_threshold": s.churn.at_risk_threshold, "inactivity_multiple": s.churn.inactivity_multiple,
            "one_time_days": s.churn.one_time_days},
    })
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
        match self.run_loyalty_into(id, &settings).await {
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
        let mut behaviour = Vec::new();
        self.store.for_each_behaviour(|b| behaviour.push(b)).await?;
        let mut mix = HashMap::new();
        self.store
            .for_each_purchase_mix(|c, m| {
                mix.insert(c, m);
            })
            .await?;
        let mut facts = HashMap::new();
        self.store
            .for_each_customer_facts(|f| {
                facts.insert(f.customer_id, f);
            })
            .await?;
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
        let mut answers = Vec::new();
        self.store
            .for_each_customer_answer(&since, |a| answers.push(a))
            .await?;
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
            mix,
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
        settings: &super::LoyaltySettings,
    ) -> Result<Value, AppError> {
        let inputs = self.read_inputs(settings).await?;
        let previous: HashMap<i64, String> =
            self.store.loyalty_types().await?.into_iter().collect();
        let s2 = settings.clone();
        let (outcomes, mut summary) =
            tokio::task::spawn_blocking(move || classify_all(&inputs, &s2))
                .await
                .map_err(AppError::internal)?;
        // Movement since the last run, counted as the profiles are saved.
        let mut moved: HashMap<(String, String), i64> = HashMap::new();
        let mut proposals = Vec::new();
        let mut profiles = Vec::with_capacity(outcomes.len());
        for o in outcomes {
            let mut p = o.profile;
            p.previous_type = previous.get(&p.customer_id).cloned().unwrap_or_default();
            if !p.previous_type.is_empty() && p.previous_type != p.loyalty_type {
                *moved
                    .entry((p.previous_type.clone(), p.loyalty_type.clone()))
                    .or_default() += 1;
            }
            if let Some(pr) = o.proposal.filter(|pr| pr.churn_type.is_some()) {
                proposals.push((
                    p.customer_id,
                    pr.churn_type
                        .map(|t| t.code().to_string())
                        .unwrap_or_default(),
                    serde_json::to_value(&pr.evidence).unwrap_or_default(),
                ));
            }
            profiles.push(p);
        }
        summary["movement"] = json!(moved
            .iter()
            .map(|((from, to), n)| json!({"from": from, "to": to, "customers": n}))
            .collect::<Vec<_>>());
        summary["proposals"] = json!(proposals.len());
        self.store.save_churn_proposals(&proposals).await?;
        self.store
            .save_loyalty_profiles(id, &summary, &mut profiles.into_iter())
            .await?;
        Ok(summary)
    }
}
