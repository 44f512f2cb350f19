//! Each wave's headline score for the surveys list: the first satisfaction measure its
//! questionnaire has (CSAT as the share of the top two boxes, else NPS, else effort), from the
//! answers submitted so far. Kept per wave until more answers come in; a big wave's first score
//! is worked out in the background while the list says so.

use super::results::Est;
use crate::{Actor, App, AppError};
use domain::access::Permission;
use domain::surveys::ItemKind;
use serde::Serialize;
use std::collections::HashMap;

/// Waves with more answers than this are scored in the background on first sight.
const INLINE_MAX: i64 = 2_000;

/// A wave's headline.
#[derive(Debug, Clone, Serialize)]
pub enum WaveScore {
    /// `csat`, `nps` or `ces`, with its estimate.
    Score { kind: &'static str, est: Est },
    /// No satisfaction item, or no answers yet.
    None,
    /// Being worked out.
    Computing,
}

/// The kept scores: wave → (answers counted, score).
pub type ScoreCache = std::sync::Mutex<HashMap<i64, (i64, WaveScore)>>;

impl App {
    /// The headline scores of these waves (id, submitted answers).
    pub async fn wave_scores(
        &self,
        actor: &Actor,
        waves: &[(i64, i64)],
    ) -> Result<HashMap<i64, WaveScore>, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        let mut out = HashMap::new();
        for &(id, submitted) in waves {
            if submitted == 0 {
                out.insert(id, WaveScore::None);
                continue;
            }
            let kept = self
                .wave_score_cache
                .lock()
                .ok()
                .and_then(|c| c.get(&id).cloned());
            match kept {
                Some((n, s)) if n == submitted => {
                    out.insert(id, s);
                }
                // Being worked out (for an older count): keep showing that.
                Some((_, WaveScore::Computing)) => {
                    out.insert(id, WaveScore::Computing);
                }
                _ if submitted <= INLINE_MAX => {
                    out.insert(id, self.score_wave(id, submitted).await?);
                }
                _ => {
                    if let Ok(mut c) = self.wave_score_cache.lock() {
                        c.insert(id, (submitted, WaveScore::Computing));
                    }
                    let app = self.clone();
                    tokio::spawn(async move {
                        if let Err(e) = app.score_wave(id, submitted).await {
                            tracing::warn!(wave = id, "wave score: {e}");
                            if let Ok(mut c) = app.wave_score_cache.lock() {
                                c.remove(&id);
                            }
                        }
                    });
                    out.insert(id, WaveScore::Computing);
                }
            }
        }
        Ok(out)
    }

    async fn score_wave(&self, id: i64, submitted: i64) -> Result<WaveScore, AppError> {
        let wave = self.store.wave(id).await?;
        let survey = self.store.survey(wave.survey_id).await?;
        let q = super::questionnaire_of(&survey)?;
        let item = ["csat", "nps", "ces"].into_iter().find_map(|want| {
            q.items.iter().find(|i| match &i.kind {
                ItemKind::Scale { .. } => want == "csat" && i.measure == "csat",
                ItemKind::Recommend => want == "nps",
                ItemKind::Effort => want == "ces",
                _ => false,
            })
        });
        let score = match item {
            Some(item) => {
                let responses = self.store.responses(id).await?;
                let nums: Vec<f64> = responses
                    .iter()
                    .filter_map(|r| r.answers.get(&item.code)?.as_f64())
                    .collect();
                match super::results::headline(&item.kind, &item.measure, &nums) {
                    Some((kind, e)) if !nums.is_empty() => WaveScore::Score {
                        kind,
                        est: e.into(),
                    },
                    _ => WaveScore::None,
                }
            }
            None => WaveScore::None,
        };
        if let Ok(mut c) = self.wave_score_cache.lock() {
            c.insert(id, (submitted, score.clone()));
        }
        Ok(score)
    }
}
