//! Loyalty drivers (SPEC.md §5 "factors that move loyalty"): where a survey's model has a loyalty
//! construct (ECSI/ACSI's customer loyalty), the PLS model of its newest wave with answers gives
//! each construct's total effect on loyalty and its performance (0–100 index); direct paths into
//! loyalty carry bootstrap intervals. The drivers that matter most and perform below the
//! drivers' average are the actions to take first. Computed with each classification run and
//! kept in its summary, so the Loyalty page reads them without refitting.

use crate::error::AppError;
use crate::{Actor, App};
use serde_json::{json, Value};

/// Resamples behind the intervals of the direct paths into loyalty.
pub const DRIVER_BOOTSTRAP: usize = 500;

impl App {
    /// The drivers of loyalty from the newest wave whose model has a loyalty construct and
    /// could be fitted, or `Null` when there is none.
    pub async fn loyalty_drivers(&self, actor: &Actor) -> Result<Value, AppError> {
        let mut candidates = Vec::new();
        for s in self.store.surveys().await? {
            let Ok(q) =
                serde_json::from_value::<domain::surveys::Questionnaire>(s.questionnaire.clone())
            else {
                continue;
            };
            if q.loyalty.is_empty() || q.elements.is_empty() {
                continue;
            }
            for w in self.store.waves(s.id).await? {
                if !w.pretest {
                    candidates.push((w.id, s.name.clone(), w.name.clone(), q.clone()));
                }
            }
        }
        candidates.sort_by_key(|c| -c.0);
        for (wave_id, survey, wave, q) in candidates {
            let r = self
                .wave_results_with(actor, wave_id, DRIVER_BOOTSTRAP)
                .await?;
            let Some(m) = r.model else { continue };
            let name = |code: &str| {
                q.elements.iter().find(|e| e.code == code).map_or(
                    json!({"zh": code, "en": code}),
                    |e| json!({"zh": e.name.zh, "en": e.name.en}),
                )
            };
            let drivers: Vec<&crate::surveys::results::ElementResult> = m
                .elements
                .iter()
                .filter(|e| e.importance_loyalty.is_some())
                .collect();
            if drivers.is_empty() {
                continue;
            }
            let mean_index = drivers.iter().map(|e| e.index).sum::<f64>() / drivers.len() as f64;
            let mean_effect = drivers
                .iter()
                .filter_map(|e| e.importance_loyalty)
                .sum::<f64>()
                / drivers.len() as f64;
            let mut rows: Vec<Value> = drivers
                .iter()
                .map(|e| {
                    let direct = m.paths.iter().find(|p| p.from == e.code && p.to == q.loyalty);
                    let effect = e.importance_loyalty.unwrap_or(0.0);
                    json!({
                        "code": e.code,
                        "name": name(&e.code),
                        "total_effect": effect,
                        "performance": e.index,
                        "direct": direct.map(|p| json!({"coefficient": p.coefficient, "lower": p.lower, "upper": p.upper, "se": p.se})),
                        "act": effect >= mean_effect && e.index < mean_index,
                    })
                })
                .collect();
            rows.sort_by(|a, b| {
                b["total_effect"]
                    .as_f64()
                    .unwrap_or(0.0)
                    .total_cmp(&a["total_effect"].as_f64().unwrap_or(0.0))
            });
            return Ok(json!({
                "survey": survey,
                "wave": wave,
                "wave_id": wave_id,
                "respondents": m.respondents,
                "bootstrap": m.bootstrap,
                "loyalty": name(&q.loyalty),
                "mean_performance": mean_index,
                "mean_effect": mean_effect,
                "drivers": rows,
            }));
        }
        Ok(Value::Null)
    }
}
