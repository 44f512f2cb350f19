//! A wave's results (SPEC.md §2.2–2.4): the simple measures with intervals (CSAT, NPS, CES,
//! item means, c = b/a per attribute), answer distributions and open texts; for a questionnaire
//! with a structural model, the PLS path model (standardised items, centroid scheme, as
//! SmartPLS), the CSI and every element's 0–100 index (ACSI's rescaled unstandardised weights),
//! the importance–performance matrix (importance: total effect on satisfaction; performance:
//! the index), and for respondents who are customers, their satisfaction against what they
//! bought afterwards.

use crate::{Actor, App, AppError};
use analytics::measures::{self, Estimate};
use analytics::pls::{self, Block, Mode, Model, Options};
use domain::access::Permission;
use domain::surveys::{AnswerValue, ItemKind, Questionnaire, Text};
use domain::Lang;
use serde::Serialize;
use storage::surveys::{Response, Wave};

const LEVEL: f64 = 0.95;

/// The tables of a wave's results that export to CSV/xlsx.
pub const TABLES: [&str; 9] = [
    "measures",
    "elements",
    "paths",
    "segments",
    "periods",
    "gaps",
    "behaviour",
    "distributions",
    "comments",
];

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Est {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
    pub n: usize,
}

impl From<Estimate> for Est {
    fn from(e: Estimate) -> Est {
        Est {
            value: e.value,
            lower: e.lower,
            upper: e.upper,
            n: e.n,
        }
    }
}

/// A measure of one item: `csat`, `nps`, `ces` or `mean`.
#[derive(Debug, Clone, Serialize)]
pub struct Measure {
    pub item: String,
    pub text: Text,
    pub kind: String,
    pub estimate: Est,
}

#[derive(Debug, Clone, Serialize)]
pub struct GapResult {
    pub item: String,
    pub text: Text,
    pub expected: f64,
    pub perceived: f64,
    /// c = b/a.
    pub ratio: Est,
    /// b − a.
    pub difference: Est,
}

/// How often each answer was given.
#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    pub item: String,
    pub text: Text,
    pub labels: Vec<String>,
    pub counts: Vec<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ElementResult {
    pub code: String,
    pub name: Text,
    /// 0–100.
    pub index: f64,
    /// The index's standard error (respondents' weighted answers; NaN below two respondents).
    pub index_se: f64,
    pub r2: Option<f64>,
    pub ave: f64,
    pub composite_reliability: f64,
    /// Total effect on satisfaction (None for satisfaction itself and its consequences).
    pub importance: Option<f64>,
    /// Total effect on loyalty.
    pub importance_loyalty: Option<f64>,
    /// `improve` (important, below average), `keep` (important, above), `low` (less important,
    /// below), `overkill` (less important, above).
    pub quadrant: Option<String>,
    /// Whether the index is above or below the drivers' mean by more than chance (the
    /// difference beyond 1.96 standard errors); when not, the quadrant's side of the
    /// performance line may be sampling noise.
    pub performance_clear: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PathResult {
    pub from: String,
    pub to: String,
    pub coefficient: f64,
    /// The bootstrap's 95 % percentile interval and standard error, when one was asked for.
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub se: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelResults {
    pub respondents: usize,
    /// Respondents left out for a missing answer to a model item.
    pub left_out_missing: usize,
    pub csi: Option<f64>,
    pub gof: f64,
    pub elements: Vec<ElementResult>,
    pub paths: Vec<PathResult>,
    /// Bootstrap resamples behind the paths' intervals (0: none asked for), and how many of
    /// them could not be fitted and were left out.
    pub bootstrap: usize,
    pub bootstrap_failed: usize,
}

/// Most bootstrap resamples a wave's results compute on request.
pub const BOOTSTRAP_MAX: usize = 5000;

/// Satisfaction (0–100, the respondent's mean satisfaction item rescaled) against purchases
/// after answering.
#[derive(Debug, Clone, Serialize)]
pub struct BehaviourLink {
    pub respondents: usize,
    pub correlation_purchases: f64,
    pub correlation_spend: f64,
    /// Thirds of the respondents by satisfaction: (label, respondents, mean satisfaction, mean
    /// purchases, mean spend in major units).
    pub bands: Vec<(String, usize, f64, f64, f64)>,
}

/// The simple measures in one group of respondents: a customer segment or a calendar month.
#[derive(Debug, Clone, Serialize)]
pub struct GroupMeasures {
    /// The segment (empty: respondents without one, or anonymous) or the month `YYYY-MM`.
    pub group: String,
    pub responses: usize,
    /// (item, kind, estimate), for the items of `measures` with a kind other than `mean`.
    pub measures: Vec<(String, String, Est)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WaveResults {
    pub survey_id: i64,
    pub wave: Wave,
    pub responses: usize,
    pub measures: Vec<Measure>,
    /// CSAT, NPS and CES by customer segment (when there are two or more).
    pub by_segment: Vec<GroupMeasures>,
    /// CSAT, NPS and CES by calendar month of the answer (when it spans two or more).
    pub by_period: Vec<GroupMeasures>,
    pub gaps: Vec<GapResult>,
    pub distributions: Vec<Distribution>,
    /// (item, answer), newest first, at most 200.
    pub comments: Vec<(String, String)>,
    pub model: Option<ModelResults>,
    /// Why the model could not be fitted, if it could not.
    pub model_error: Option<String>,
    pub behaviour: Option<BehaviourLink>,
}

fn number(r: &Response, code: &str) -> Option<f64> {
    match r.answers.get(code)? {
        serde_json::Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

fn value(r: &Response, code: &str) -> Option<AnswerValue> {
    serde_json::from_value(r.answers.get(code)?.clone()).ok()
}

/// A wave's answers as the PLS model sees them.
pub struct ModelData {
    /// `data[column][respondent]`, respondents with every model item answered (listwise).
    pub data: Vec<Vec<f64>>,
    pub model: Model,
    pub left_out_missing: usize,
    /// The answer scale (min, max).
    pub scale: (f64, f64),
    /// Item codes in column order.
    pub items: Vec<String>,
}

/// The model's columns and blocks from the questionnaire's elements.
pub fn model_data(q: &Questionnaire, responses: &[Response]) -> Option<ModelData> {
    let mut blocks = Vec::new();
    let mut codes = Vec::new();
    let mut scale = None;
    for e in &q.elements {
        let items = q.items_of(&e.code);
        let mut cols = Vec::new();
        for i in items {
            if let ItemKind::Scale { min, max } = i.kind {
                scale.get_or_insert((min as f64, max as f64));
                codes.push(i.code.clone());
                cols.push(codes.len() - 1);
            }
        }
        blocks.push(Block {
            name: e.code.clone(),
            indicators: cols,
            mode: Mode::A,
        });
    }
    let at = |c: &str| q.elements.iter().position(|e| e.code == c);
    let paths = q
        .paths
        .iter()
        .filter_map(|(a, b)| Some((at(a)?, at(b)?)))
        .collect::<Vec<_>>();
    if blocks.len() < 2 || paths.is_empty() {
        return None;
    }
    let mut data = vec![Vec::new(); codes.len()];
    let mut left_out = 0;
    for r in responses {
        let row: Option<Vec<f64>> = codes.iter().map(|c| number(r, c)).collect();
        match row {
            Some(row) => data.iter_mut().zip(row).for_each(|(col, v)| col.push(v)),
            None => left_out += 1,
        }
    }
    Some(ModelData {
        data,
        model: Model { blocks, paths },
        left_out_missing: left_out,
        scale: scale?,
        items: codes,
    })
}

/// The fit, with `resamples` bootstrap resamples (seeded with `seed`) when above zero.
fn fit_model(
    q: &Questionnaire,
    responses: &[Response],
    lang: Lang,
    resamples: usize,
    seed: u64,
) -> Option<Result<ModelResults, String>> {
    let ModelData {
        data,
        model,
        left_out_missing: left_out,
        scale: (lo, hi),
        items,
    } = model_data(q, responses)?;
    let opts = Options::default();
    let fit = match pls::fit(&data, &model, &opts) {
        Ok(f) => f,
        Err(e) => return Some(Err(super::pls::pls_reason(&e, lang, &items))),
    };
    let boot =
        (resamples > 0).then(|| pls::bootstrap(&data, &model, &opts, &fit, resamples, seed, LEVEL));
    let index = fit.index(&data, &model, lo, hi);
    let index_se = fit.index_se(&data, &model, lo, hi);
    let total = fit.total_effects();
    let at = |c: &str| q.elements.iter().position(|e| e.code == c);
    let (sat, loy) = (at(&q.satisfaction), at(&q.loyalty));
    let (ave, cr) = (fit.ave(), fit.composite_reliability());
    let mut elements: Vec<ElementResult> = q
        .elements
        .iter()
        .enumerate()
        .map(|(k, e)| ElementResult {
            code: e.code.clone(),
            name: e.name.clone(),
            index: index[k],
            index_se: index_se[k],
            r2: fit.r2[k],
            ave: ave[k],
            composite_reliability: cr[k],
            importance: sat.map(|s| total[k][s]).filter(|v| *v != 0.0),
            importance_loyalty: loy.map(|l| total[k][l]).filter(|v| *v != 0.0),
            quadrant: None,
            performance_clear: None,
        })
        .collect();
    // Importance–performance: against the means of the drivers of satisfaction.
    let drivers: Vec<(f64, f64)> = elements
        .iter()
        .filter_map(|e| Some((e.importance?, e.index)))
        .collect();
    if !drivers.is_empty() {
        let n = drivers.len() as f64;
        let mi = drivers.iter().map(|d| d.0).sum::<f64>() / n;
        let mp = drivers.iter().map(|d| d.1).sum::<f64>() / n;
        for e in elements.iter_mut() {
            if let Some(imp) = e.importance {
                e.quadrant = Some(
                    match (imp >= mi, e.index >= mp) {
                        (true, false) => "improve",
                        (true, true) => "keep",
                        (false, false) => "low",
                        (false, true) => "overkill",
                    }
                    .into(),
                );
                e.performance_clear =
                    Some(e.index_se.is_finite() && (e.index - mp).abs() > 1.959_964 * e.index_se);
            }
        }
    }
    let paths = model
        .paths
        .iter()
        .map(|&(a, b)| {
            let ci = boot.as_ref().and_then(|bt| bt.path[a][b]);
            PathResult {
                from: q.elements[a].code.clone(),
                to: q.elements[b].code.clone(),
                coefficient: fit.path[a][b],
                lower: ci.map(|c| c.0),
                upper: ci.map(|c| c.1),
                se: boot.as_ref().map(|bt| bt.path_se[a][b]),
            }
        })
        .collect();
    Some(Ok(ModelResults {
        respondents: data.first().map_or(0, Vec::len),
        left_out_missing: left_out,
        csi: sat.map(|s| index[s]),
        gof: fit.gof(),
        elements,
        paths,
        bootstrap: resamples,
        bootstrap_failed: boot.map_or(0, |b| b.failed),
    }))
}

/// The item's headline measure on some answers: CSAT (top-two-box), NPS or CES.
pub(crate) fn headline(
    kind: &ItemKind,
    measure: &str,
    nums: &[f64],
) -> Option<(&'static str, Estimate)> {
    match kind {
        ItemKind::Scale { max, .. } if measure == "csat" => Some((
            "csat",
            measures::share_at_least(nums, (*max - 1) as f64, LEVEL),
        )),
        ItemKind::Recommend => Some(("nps", measures::nps(nums, LEVEL))),
        ItemKind::Effort => Some(("ces", measures::mean(nums, LEVEL))),
        _ => None,
    }
}

/// The headline measures per group of respondents, groups in order; none unless there are two
/// groups or more.
fn grouped(
    q: &Questionnaire,
    responses: &[Response],
    key: impl Fn(&Response) -> String,
) -> Vec<GroupMeasures> {
    let mut groups: std::collections::BTreeMap<String, Vec<&Response>> = Default::default();
    for r in responses {
        groups.entry(key(r)).or_default().push(r);
    }
    if groups.len() < 2 {
        return Vec::new();
    }
    groups
        .into_iter()
        .map(|(group, mine)| group_measures(q, group, &mine))
        .collect()
}

/// The headline measures (CSAT, NPS, CES) of one group of respondents.
fn group_measures(q: &Questionnaire, group: String, mine: &[&Response]) -> GroupMeasures {
    let measures = q
        .items
        .iter()
        .filter_map(|i| {
            let nums: Vec<f64> = mine.iter().filter_map(|r| number(r, &i.code)).collect();
            let (kind, e) = headline(&i.kind, &i.measure, &nums)?;
            Some((i.code.clone(), kind.to_string(), e.into()))
        })
        .collect();
    GroupMeasures {
        group,
        responses: mine.len(),
        measures,
    }
}

/// The month of an answer, `YYYY-MM` (from its submission time).
fn month(r: &Response) -> String {
    r.submitted_at
        .as_deref()
        .and_then(|t| t.get(..7))
        .unwrap_or("")
        .to_string()
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

/// Each respondent's satisfaction on 0–100: the mean of their answers to the satisfaction
/// element's items (or the CSAT item), rescaled from its scale.
fn satisfaction_of(q: &Questionnaire, r: &Response) -> Option<f64> {
    let items: Vec<_> = if q.satisfaction.is_empty() {
        q.items.iter().filter(|i| i.measure == "csat").collect()
    } else {
        q.items_of(&q.satisfaction)
    };
    let mut sum = 0.0;
    let mut n = 0.0;
    for i in &items {
        let ItemKind::Scale { min, max } = i.kind else {
            continue;
        };
        let v = number(r, &i.code)?;
        sum += 100.0 * (v - min as f64) / (max - min) as f64;
        n += 1.0;
    }
    (n > 0.0).then(|| sum / n)
}

impl App {
    pub async fn wave_results(&self, actor: &Actor, wave_id: i64) -> Result<WaveResults, AppError> {
        self.wave_results_with(actor, wave_id, 0).await
    }

    /// The headline measures (CSAT, NPS, CES) of a wave's respondents who are among
    /// `customers` (anonymous answers are in no group), as the results' groups compute them.
    pub async fn wave_measures_among(
        &self,
        actor: &Actor,
        wave_id: i64,
        customers: &std::collections::HashSet<i64>,
    ) -> Result<GroupMeasures, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        let wave = self
            .store
            .wave(wave_id)
            .await
            .map_err(|_| AppError::not_found(actor.lang, &format!("wave {wave_id}")))?;
        let q = super::questionnaire_of(&self.store.survey(wave.survey_id).await?)?;
        let responses = self.store.responses(wave_id).await?;
        let mine: Vec<&Response> = responses
            .iter()
            .filter(|r| r.customer_id.is_some_and(|c| customers.contains(&c)))
            .collect();
        Ok(group_measures(&q, String::new(), &mine))
    }

    /// The results with `bootstrap` resamples (up to [`BOOTSTRAP_MAX`]) for the paths'
    /// intervals, seeded with the wave's id: the same intervals every time.
    pub async fn wave_results_with(
        &self,
        actor: &Actor,
        wave_id: i64,
        bootstrap: usize,
    ) -> Result<WaveResults, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        let lang = actor.lang;
        if bootstrap > BOOTSTRAP_MAX {
            return Err(AppError::field(
                lang,
                "bootstrap",
                match lang {
                    Lang::En => format!("at most {BOOTSTRAP_MAX} resamples"),
                    Lang::ZhCn => format!("自助抽样最多 {BOOTSTRAP_MAX} 次"),
                },
            ));
        }
        let wave = self
            .store
            .wave(wave_id)
            .await
            .map_err(|_| AppError::not_found(lang, &format!("wave {wave_id}")))?;
        let survey = self.store.survey(wave.survey_id).await?;
        let q = super::questionnaire_of(&survey)?;
        let responses = self.store.responses(wave_id).await?;
        let mut measures_out = Vec::new();
        let mut gaps = Vec::new();
        let mut distributions = Vec::new();
        let mut comments = Vec::new();
        for item in &q.items {
            let nums: Vec<f64> = responses
                .iter()
                .filter_map(|r| number(r, &item.code))
                .collect();
            let labels_counts = |lo: i64, hi: i64| -> (Vec<String>, Vec<usize>) {
                let labels = (lo..=hi).map(|v| v.to_string()).collect();
                let mut counts = vec![0; (hi - lo + 1) as usize];
                for v in &nums {
                    let k = (v.round() as i64 - lo).clamp(0, hi - lo) as usize;
                    counts[k] += 1;
                }
                (labels, counts)
            };
            let mut push_dist = |(labels, counts): (Vec<String>, Vec<usize>)| {
                distributions.push(Distribution {
                    item: item.code.clone(),
                    text: item.text.clone(),
                    labels,
                    counts,
                })
            };
            match &item.kind {
                ItemKind::Scale { min, max } => {
                    let (kind, e) = if item.measure == "csat" {
                        // Top-two-box: 4–5 on 1–5, 9–10 on 1–10.
                        (
                            "csat",
                            measures::share_at_least(&nums, (*max - 1) as f64, LEVEL),
                        )
                    } else {
                        ("mean", measures::mean(&nums, LEVEL))
                    };
                    measures_out.push(Measure {
                        item: item.code.clone(),
                        text: item.text.clone(),
                        kind: kind.into(),
                        estimate: e.into(),
                    });
                    push_dist(labels_counts(*min, *max));
                }
                ItemKind::Recommend | ItemKind::Effort => {
                    let (kind, e) = headline(&item.kind, &item.measure, &nums).expect("nps, ces");
                    measures_out.push(Measure {
                        item: item.code.clone(),
                        text: item.text.clone(),
                        kind: kind.into(),
                        estimate: e.into(),
                    });
                    push_dist(if kind == "nps" {
                        labels_counts(0, 10)
                    } else {
                        labels_counts(1, 7)
                    });
                }
                ItemKind::Share => measures_out.push(Measure {
                    item: item.code.clone(),
                    text: item.text.clone(),
                    kind: "mean".into(),
                    estimate: measures::mean(&nums, LEVEL).into(),
                }),
                ItemKind::Gap { .. } => {
                    let pairs: Vec<(f64, f64)> = responses
                        .iter()
                        .filter_map(|r| match value(r, &item.code)? {
                            AnswerValue::Pair {
                                expected,
                                perceived,
                            } => Some((expected, perceived)),
                            _ => None,
                        })
                        .collect();
                    if let Some(g) = measures::gap(&pairs, LEVEL) {
                        gaps.push(GapResult {
                            item: item.code.clone(),
                            text: item.text.clone(),
                            expected: g.expected,
                            perceived: g.perceived,
                            ratio: g.ratio.into(),
                            difference: g.difference.into(),
                        });
                    }
                }
                ItemKind::Single { options } | ItemKind::Multiple { options } => {
                    let mut counts = vec![0; options.len()];
                    for r in &responses {
                        if let Some(AnswerValue::Choices(c)) = value(r, &item.code) {
                            let n = counts.len();
                            for k in c.into_iter().filter(|k| *k < n) {
                                counts[k] += 1;
                            }
                        }
                    }
                    push_dist((
                        options.iter().map(|o| o.get(lang).to_string()).collect(),
                        counts,
                    ));
                }
                ItemKind::Text => {
                    for r in responses.iter().rev() {
                        if let Some(AnswerValue::Text(t)) = value(r, &item.code) {
                            if !t.trim().is_empty() && comments.len() < 200 {
                                comments.push((item.code.clone(), t));
                            }
                        }
                    }
                }
            }
        }
        // The bootstrap is seconds of work on big waves: off the async workers.
        let fitted = {
            let (q, responses) = (q.clone(), responses.clone());
            tokio::task::spawn_blocking(move || {
                fit_model(&q, &responses, lang, bootstrap, wave_id as u64)
            })
            .await
            .map_err(AppError::internal)?
        };
        let (model, model_error) = match fitted {
            None => (None, None),
            Some(Ok(m)) => (Some(m), None),
            Some(Err(e)) => (None, Some(e)),
        };
        let behaviour = self.behaviour(&q, wave_id, &responses).await?;
        Ok(WaveResults {
            by_segment: grouped(&q, &responses, |r| r.segment.clone()),
            by_period: grouped(&q, &responses, month),
            survey_id: wave.survey_id,
            wave,
            responses: responses.len(),
            measures: measures_out,
            gaps,
            distributions,
            comments,
            model,
            model_error,
            behaviour,
        })
    }

    async fn behaviour(
        &self,
        q: &Questionnaire,
        wave_id: i64,
        responses: &[Response],
    ) -> Result<Option<BehaviourLink>, AppError> {
        let after: std::collections::HashMap<i64, (i64, i64)> = self
            .store
            .purchases_after_responses(wave_id)
            .await?
            .into_iter()
            .map(|(c, n, s)| (c, (n, s)))
            .collect();
        let mut rows: Vec<(f64, f64, f64)> = responses
            .iter()
            .filter_map(|r| {
                let (n, s) = after.get(&r.customer_id?)?;
                Some((satisfaction_of(q, r)?, *n as f64, *s as f64 / 100.0))
            })
            .collect();
        if rows.len() < 10 {
            return Ok(None);
        }
        let sat: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let buys: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let spend: Vec<f64> = rows.iter().map(|r| r.2).collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let third = rows.len().div_ceil(3);
        let bands = rows
            .chunks(third)
            .zip(["low", "middle", "high"])
            .map(|(c, label)| {
                let n = c.len() as f64;
                (
                    label.to_string(),
                    c.len(),
                    c.iter().map(|r| r.0).sum::<f64>() / n,
                    c.iter().map(|r| r.1).sum::<f64>() / n,
                    c.iter().map(|r| r.2).sum::<f64>() / n,
                )
            })
            .collect();
        Ok(Some(BehaviourLink {
            respondents: rows.len(),
            correlation_purchases: correlation(&sat, &buys),
            correlation_spend: correlation(&sat, &spend),
            bands,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn response(id: i64, csat: f64, at: &str, segment: &str) -> Response {
        Response {
            id,
            wave_id: 1,
            customer_id: Some(id),
            answers: json!({ "CSAT": csat }),
            lang: "en".into(),
            submitted_at: Some(at.into()),
            segment: segment.into(),
        }
    }

    /// CSAT by month and by segment, hand-counted: January has 2 of 3 at 4–5, February 1 of 2.
    #[test]
    fn measures_by_month_and_segment() {
        let q = domain::surveys::template("csat").unwrap();
        let rs = vec![
            response(1, 5.0, "2026-01-03T10:00:00Z", "vip"),
            response(2, 4.0, "2026-01-20T10:00:00Z", ""),
            response(3, 2.0, "2026-01-31T23:59:59Z", "vip"),
            response(4, 3.0, "2026-02-01T00:00:00Z", ""),
            response(5, 5.0, "2026-02-14T08:00:00Z", "vip"),
        ];
        let months = grouped(&q, &rs, month);
        let got: Vec<(&str, usize, f64, usize)> = months
            .iter()
            .map(|g| {
                let (item, kind, e) = &g.measures[0];
                assert_eq!((item.as_str(), kind.as_str()), ("CSAT", "csat"));
                (g.group.as_str(), g.responses, (e.value * 1e6).round(), e.n)
            })
            .collect();
        assert_eq!(
            got,
            [("2026-01", 3, 66_666_667.0, 3), ("2026-02", 2, 50e6, 2)],
            "{months:?}"
        );
        let segments = grouped(&q, &rs, |r| r.segment.clone());
        let got: Vec<(&str, f64)> = segments
            .iter()
            .map(|g| (g.group.as_str(), (g.measures[0].2.value * 1e6).round()))
            .collect();
        assert_eq!(got, [("", 50e6), ("vip", 66_666_667.0)]);
        // One group only: nothing to compare, no table.
        assert!(grouped(&q, &rs[..3], month).is_empty());
    }
}
