//! The demo's satisfaction surveys (issue 4): an ECSI survey with two waves of simulated
//! answers (`analytics::sim_survey`: latent constructs with ECSI-like paths) given to demo
//! customers so that the more satisfied ones are those who bought more afterwards — the
//! satisfaction-vs-loyalty view then shows a real link — with an action plan on the weakest
//! important driver after the first wave and a better quality score in the second; and a short
//! CSAT survey with expectation/perception pairs.

use super::{SurveyInput, WaveInput};
use crate::{Actor, App, AppError};
use domain::access::Role;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

const COMMENTS: &[&str] = &[
    "店员很热情，推荐的唱片都很合我口味。",
    "配送有点慢，希望能改进。",
    "价格偏高，但品质不错。",
    "Great selection, but the checkout queue was long.",
    "会员积分规则不太清楚。",
    "I love the listening corner, please keep it.",
    "网上下单的包装很用心。",
    "Staff could not find my order the first time.",
];

fn demo_actor() -> Actor {
    Actor {
        user_id: None,
        username: "demo".into(),
        role: Role::Admin,
        lang: domain::Lang::En,
    }
}

impl App {
    /// Add the demo surveys (once: only when the store has none).
    pub(crate) async fn demo_surveys(&self) -> Result<(), AppError> {
        if !self.store.surveys().await?.is_empty() {
            return Ok(());
        }
        let a = demo_actor();
        let customers = self.store.count("customers").await?;
        if customers < 40 {
            return Ok(());
        }
        let survey = self
            .create_survey(
                &a,
                SurveyInput {
                    name: "顾客满意度年度调查 · Annual satisfaction survey".into(),
                    purpose: "CSI and its drivers, twice a year (ECSI model)".into(),
                    template: "ecsi".into(),
                    ..SurveyInput::default()
                },
            )
            .await?;
        let size = (customers / 4).clamp(20, 400);
        let now = chrono::Utc::now();
        let mut first_wave = None;
        for (k, (name, weeks_ago, answered, quality_lift)) in
            [("2026 H1", 26i64, 0.75, 0.0), ("2026 H2", 10, 0.6, 0.6)]
                .into_iter()
                .enumerate()
        {
            let wave = self
                .create_wave(
                    &a,
                    survey.id,
                    WaveInput {
                        name: name.into(),
                        pretest: false,
                        segment: String::new(),
                        size,
                        exclude_days: 0,
                        valid_days: 30,
                        open_link: false,
                    },
                )
                .await?;
            let at = now - chrono::Duration::weeks(weeks_ago);
            let since = domain::time::to_stored(at);
            let mut rng = rand::rngs::StdRng::seed_from_u64(11 + k as u64);
            // Customers ordered by what they bought afterwards, with noise: the most active
            // get the most satisfied respondents.
            let mut later: Vec<(f64, i64)> = self
                .store
                .invited_purchases_since(wave.id, &since)
                .await?
                .into_iter()
                .map(|(c, n)| ((n as f64 + 1.0).ln() + rng.gen_range(-0.6..0.6), c))
                .collect();
            later.sort_by(|x, y| x.0.total_cmp(&y.0));
            let n = (later.len() as f64 * answered) as usize;
            let step = later.len() as f64 / n.max(1) as f64;
            let chosen: Vec<i64> = (0..n)
                .map(|i| later[(i as f64 * step) as usize].1)
                .collect();
            let cols = analytics::sim_survey::ecsi_answers(n, 100 + k as u64);
            let names = analytics::sim_survey::ecsi_item_names();
            let sat: Vec<f64> = (0..n)
                .map(|i| {
                    names
                        .iter()
                        .zip(&cols)
                        .filter(|(c, _)| c.starts_with("CUSA"))
                        .map(|(_, col)| col[i])
                        .sum()
                })
                .collect();
            let mut by_sat: Vec<usize> = (0..n).collect();
            by_sat.sort_by(|&x, &y| sat[x].total_cmp(&sat[y]));
            let invitations: std::collections::HashMap<i64, i64> = self
                .store
                .invitation_ids(wave.id)
                .await?
                .into_iter()
                .collect();
            let rows: Vec<(i64, i64, Value, String)> = chosen
                .iter()
                .zip(&by_sat)
                .map(|(&customer, &r)| {
                    let mut answers = Map::new();
                    for (code, col) in names.iter().zip(&cols) {
                        let mut v = col[r];
                        if code.starts_with("PERQ") && quality_lift > 0.0 && rng.gen_bool(0.5) {
                            v = (v + 1.0).min(10.0);
                        }
                        answers.insert(code.clone(), json!(v));
                    }
                    if rng.gen_bool(0.15) {
                        answers.insert(
                            "COMMENT".into(),
                            json!(COMMENTS[rng.gen_range(0..COMMENTS.len())]),
                        );
                    }
                    let when = at + chrono::Duration::minutes(rng.gen_range(0..60 * 24 * 14));
                    (
                        invitations[&customer],
                        customer,
                        Value::Object(answers),
                        domain::time::to_stored(when),
                    )
                })
                .collect();
            self.store.add_submitted_responses(wave.id, &rows).await?;
            if k == 0 {
                self.close_wave(&a, wave.id).await?;
                first_wave = Some(wave.id);
            }
        }
        // The action plan after the first wave, on its weakest important driver.
        if let Some(w) = first_wave {
            let r = self.wave_results(&a, w).await?;
            if let Some(m) = &r.model {
                let pick = m
                    .elements
                    .iter()
                    .filter(|e| e.importance.is_some())
                    .min_by(|x, y| {
                        let rank = |e: &super::results::ElementResult| {
                            (e.quadrant.as_deref() != Some("improve"), e.index)
                        };
                        rank(x)
                            .partial_cmp(&rank(y))
                            .unwrap_or(std::cmp::Ordering::Equal)
                    });
                if let Some(e) = pick {
                    let due = (now + chrono::Duration::weeks(8)).date_naive().to_string();
                    let plan = self
                        .create_action_plan(
                            &a,
                            w,
                            &e.code,
                            "门店服务培训与到货提醒 · Staff training and back-in-stock alerts",
                            "manager",
                            &due,
                            (e.index + 5.0).min(100.0),
                        )
                        .await?;
                    self.set_action_plan_status(&a, plan.id, "check").await?;
                }
            }
        }
        self.demo_csat(&a, size / 2).await
    }

    async fn demo_csat(&self, a: &Actor, size: i64) -> Result<(), AppError> {
        let survey = self
            .create_survey(
                a,
                SurveyInput {
                    name: "门店服务满意度 · In-store service (CSAT)".into(),
                    template: "csat".into(),
                    ..SurveyInput::default()
                },
            )
            .await?;
        let wave = self
            .create_wave(
                a,
                survey.id,
                WaveInput {
                    name: "2026-11".into(),
                    pretest: false,
                    segment: String::new(),
                    size: size.max(10),
                    exclude_days: 0,
                    valid_days: 30,
                    open_link: true,
                },
            )
            .await?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(21);
        let at = chrono::Utc::now() - chrono::Duration::weeks(2);
        let invited = self.store.invitation_ids(wave.id).await?;
        let answered: Vec<(i64, i64)> = invited.into_iter().filter(|_| rng.gen_bool(0.7)).collect();
        let rows: Vec<(i64, i64, Value, String)> = answered
            .into_iter()
            .map(|(customer, inv)| {
                let csat = [1, 2, 3, 4, 4, 4, 5, 5, 5, 5][rng.gen_range(0..10)];
                let pair = |rng: &mut rand::rngs::StdRng, gap: i64| {
                    let e = rng.gen_range(3..=5);
                    json!({ "expected": e, "perceived": (e - gap + rng.gen_range(-1..=1)).clamp(1, 5) })
                };
                let answers = json!({
                    "CSAT": csat,
                    "SPEED": pair(&mut rng, 1),
                    "COURTESY": pair(&mut rng, 0),
                    "WALLET": rng.gen_range(1..=10) * 10,
                });
                let when = at + chrono::Duration::minutes(rng.gen_range(0..60 * 24 * 10));
                (inv, customer, answers, domain::time::to_stored(when))
            })
            .collect();
        self.store.add_submitted_responses(wave.id, &rows).await?;
        Ok(())
    }
}
