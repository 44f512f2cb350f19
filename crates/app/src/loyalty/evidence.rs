//! Gathering the evidence a classification reads (SPEC.md §5): attitude from each customer's
//! survey answers (satisfaction, recommendation, repurchase intent, share of wallet, open text),
//! behaviour from the latest customer-value run and the transactions, complaints, referrals,
//! tags and contracts — all read in bulk, then joined here by customer id.

use domain::surveys::{ItemKind, Questionnaire};
use hashbrown::HashMap;
use storage::loyalty::AnswerRow;

/// Which items of a questionnaire carry which attitude signal.
#[derive(Debug, Default)]
pub struct SurveyKeys {
    /// (code, min, max) of the satisfaction element's items, or the CSAT item.
    pub satisfaction: Vec<(String, f64, f64)>,
    pub recommend: Vec<String>,
    /// (code, min, max) of the loyalty element's scale items.
    pub intent: Vec<(String, f64, f64)>,
    pub wallet: Vec<String>,
    pub texts: Vec<String>,
}

impl SurveyKeys {
    pub fn of(q: &Questionnaire) -> SurveyKeys {
        let scale = |i: &domain::surveys::Item| match i.kind {
            ItemKind::Scale { min, max } if max > min => {
                Some((i.code.clone(), min as f64, max as f64))
            }
            _ => None,
        };
        let satisfaction = if q.satisfaction.is_empty() {
            q.items
                .iter()
                .filter(|i| i.measure == "csat")
                .filter_map(scale)
                .collect()
        } else {
            q.items_of(&q.satisfaction)
                .into_iter()
                .filter_map(scale)
                .collect()
        };
        let intent = if q.loyalty.is_empty() {
            Vec::new()
        } else {
            q.items_of(&q.loyalty)
                .into_iter()
                .filter_map(scale)
                .collect()
        };
        let codes = |f: fn(&ItemKind) -> bool| {
            q.items
                .iter()
                .filter(|i| f(&i.kind))
                .map(|i| i.code.clone())
                .collect()
        };
        SurveyKeys {
            satisfaction,
            intent,
            recommend: codes(|k| matches!(k, ItemKind::Recommend)),
            wallet: codes(|k| matches!(k, ItemKind::Share)),
            texts: codes(|k| matches!(k, ItemKind::Text)),
        }
    }
}

/// A customer's attitude as their answers say it, latest answer first for each signal, with the
/// satisfaction of each answer (instant, 0–100) for the churn proposal's "satisfaction drop".
#[derive(Debug, Default, Clone)]
pub struct AttitudeFacts {
    pub satisfaction: Option<f64>,
    pub recommend: Option<f64>,
    pub intent: Option<f64>,
    pub wallet: Option<f64>,
    pub history: Vec<(String, f64)>,
    /// Open answers, newest last.
    pub texts: Vec<(String, String)>,
}

/// The satisfaction (0–100) one answer gives: its satisfaction items (or CSAT) scaled.
pub fn satisfaction_of(q: &Questionnaire, answers: &serde_json::Value) -> Option<f64> {
    mean_scaled(answers, &SurveyKeys::of(q).satisfaction)
}

fn mean_scaled(a: &serde_json::Value, items: &[(String, f64, f64)]) -> Option<f64> {
    let mut sum = 0.0;
    let mut n = 0.0;
    for (code, min, max) in items {
        if let Some(v) = a.get(code).and_then(serde_json::Value::as_f64) {
            sum += 100.0 * (v - min) / (max - min);
            n += 1.0;
        }
    }
    (n > 0.0).then(|| sum / n)
}

/// Fold answers (in customer, then time order) into each customer's attitude.
pub fn attitudes(
    answers: Vec<AnswerRow>,
    keys: &HashMap<i64, SurveyKeys>,
) -> HashMap<i64, AttitudeFacts> {
    let mut out: HashMap<i64, AttitudeFacts> = HashMap::new();
    for r in answers {
        let Some(k) = keys.get(&r.survey_id) else {
            continue;
        };
        let a = &r.answers;
        let f = out.entry(r.customer_id).or_default();
        if let Some(s) = mean_scaled(a, &k.satisfaction) {
            f.satisfaction = Some(s);
            f.history.push((r.submitted_at.clone(), s));
        }
        if let Some(v) = k
            .recommend
            .iter()
            .find_map(|c| a.get(c).and_then(serde_json::Value::as_f64))
        {
            f.recommend = Some(v);
        }
        if let Some(v) = mean_scaled(a, &k.intent) {
            f.intent = Some(v);
        }
        if let Some(v) = k
            .wallet
            .iter()
            .find_map(|c| a.get(c).and_then(serde_json::Value::as_f64))
        {
            f.wallet = Some((v / 100.0).clamp(0.0, 1.0));
        }
        for c in &k.texts {
            if let Some(t) = a
                .get(c)
                .and_then(serde_json::Value::as_str)
                .filter(|t| !t.trim().is_empty())
            {
                f.texts.push((r.submitted_at.clone(), t.to_string()));
            }
        }
    }
    out
}

/// Words in a complaint or open answer that name an obstacle to buying (seed 000's latent
/// loyalty: minimum order, delivery, stock, opening hours).
pub const OBSTACLE_WORDS: &[&str] = &[
    "起送",
    "起订",
    "配送",
    "送货",
    "运费",
    "缺货",
    "没货",
    "断货",
    "营业时间",
    "关门太早",
    "排队",
    "停车",
    "minimum order",
    "delivery",
    "shipping",
    "out of stock",
    "opening hours",
    "closed early",
    "parking",
    "queue",
];

pub fn names_obstacle(text: &str) -> bool {
    let lower = text.to_lowercase();
    OBSTACLE_WORDS.iter().any(|w| lower.contains(w))
}

/// Each value's percentile rank among `values` (0 for the lowest, 1 for the highest; ties share
/// the rank of their first position), in the input order.
pub fn percentile_ranks(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    if n <= 1 {
        return vec![1.0; n];
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        for &k in &order[i..=j] {
            out[k] = i as f64 / (n - 1) as f64;
        }
        i = j + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_ranks_share_ties() {
        assert_eq!(
            percentile_ranks(&[3.0, 1.0, 2.0, 2.0, 5.0]),
            vec![0.75, 0.0, 0.25, 0.25, 1.0]
        );
        assert_eq!(percentile_ranks(&[7.0]), vec![1.0]);
    }

    #[test]
    fn attitude_takes_the_latest_answer_of_each_signal() {
        let q = domain::surveys::template("csat").unwrap();
        let keys: HashMap<i64, SurveyKeys> = [(1, SurveyKeys::of(&q))].into_iter().collect();
        let row = |at: &str, a: serde_json::Value| AnswerRow {
            customer_id: 9,
            survey_id: 1,
            answers: a,
            submitted_at: at.into(),
        };
        let a = attitudes(
            vec![
                row("2026-01-01", serde_json::json!({"CSAT": 5, "WALLET": 80})),
                row(
                    "2026-02-01",
                    serde_json::json!({"CSAT": 2, "COMMENT": "送货太慢"}),
                ),
            ],
            &keys,
        );
        let f = &a[&9];
        assert_eq!(f.satisfaction, Some(25.0));
        assert_eq!(f.wallet, Some(0.8));
        assert_eq!(f.history.len(), 2);
        assert!(names_obstacle(&f.texts[0].1));
    }
}
