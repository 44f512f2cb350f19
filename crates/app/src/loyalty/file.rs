//! Classifying a CSV pair without a store (the analyst's `fidelis loyalty --transactions …
//! --answers …`): purchases as for `analyze clv` (customer, date, amount), and attitude from an
//! answers file with a row per answer (customer_id, and any of satisfaction 0–100, recommend
//! 0–10, intent 0–100, share_of_wallet 0–100, answered_at), later rows overriding earlier ones.
//! A file carries no promotions, stores, complaints, tags or contracts: those signals are absent,
//! and the customer-value models run exactly as for `analyze clv`.

use super::evidence::AttitudeFacts;
use super::run::{classify_blocks, Classifier, Inputs, Outcome};
use super::LoyaltySettings;
use crate::churn::clv::{analysis_error, day_to_date};
use crate::churn::purchases::{read_purchases, FileInput};
use crate::customers::table::{rows_rejected, ColumnMap, RowError, TableReader};
use crate::error::AppError;
use analytics::clv::{analyze, ClvOptions};
use domain::{ErrorCode, Lang};
use hashbrown::HashMap;
use serde_json::Value;
use storage::loyalty::BehaviourRow;

/// The answers file's columns and the names they may go by.
pub const ANSWER_COLUMNS: &[(&str, &[&str])] = &[
    ("customer_id", &["customer", "客户编号"]),
    ("satisfaction", &["csat", "满意度"]),
    ("recommend", &["nps", "推荐意愿"]),
    ("intent", &["repurchase_intent", "再购意向"]),
    ("share_of_wallet", &["wallet", "钱包份额"]),
    ("answered_at", &["submitted_at", "date", "回答时间"]),
];

fn number(cell: &str, lo: f64, hi: f64) -> Result<Option<f64>, String> {
    let t = cell.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && (lo..=hi).contains(&v) => Ok(Some(v)),
        _ => Err(format!("'{t}' is not a number from {lo} to {hi}")),
    }
}

/// Read the answers file into each customer's attitude (by external id).
pub fn read_answers(
    path: &std::path::Path,
    display: &str,
    lang: Lang,
    error_limit: usize,
) -> Result<HashMap<String, AttitudeFacts>, AppError> {
    let mut reader = TableReader::open(path, display, None)
        .map_err(|e| rows_rejected(ErrorCode::InputRejected, lang, display, vec![e], 1))?;
    let map = ColumnMap::new(
        display,
        &reader.headers,
        ANSWER_COLUMNS,
        &["customer_id"],
        &[],
    )
    .map_err(|e| {
        let n = e.len();
        rows_rejected(ErrorCode::InputRejected, lang, display, e, n)
    })?;
    let mut out: HashMap<String, AttitudeFacts> = HashMap::new();
    let mut errors = Vec::new();
    let mut count = 0;
    let ranges = [
        ("satisfaction", 100.0),
        ("recommend", 10.0),
        ("intent", 100.0),
        ("share_of_wallet", 100.0),
    ];
    while let Some(row) = reader.next_row() {
        let line = match row {
            Ok(line) => line,
            Err(e) => {
                count += 1;
                if errors.len() < error_limit {
                    errors.push(e);
                }
                continue;
            }
        };
        let cells = reader.cells();
        let id = map.get(cells, "customer_id").trim();
        let mut vals = [None; 4];
        let mut bad = false;
        let mut refuse = |column: &str, reason: String| {
            bad = true;
            count += 1;
            if errors.len() < error_limit {
                errors.push(RowError {
                    file: display.into(),
                    line,
                    column: column.into(),
                    reason,
                });
            }
        };
        if id.is_empty() {
            refuse("customer_id", "empty".into());
        }
        for (k, (col, hi)) in ranges.iter().enumerate() {
            match number(map.get(cells, col), 0.0, *hi) {
                Ok(v) => vals[k] = v,
                Err(reason) => refuse(col, reason),
            }
        }
        if bad {
            continue;
        }
        let at = map.get(cells, "answered_at").trim().to_string();
        let f = out.entry(id.to_string()).or_default();
        if let Some(s) = vals[0] {
            f.satisfaction = Some(s);
            f.history.push((at.clone(), s));
        }
        f.recommend = vals[1].or(f.recommend);
        f.intent = vals[2].or(f.intent);
        f.wallet = vals[3].map(|w| w / 100.0).or(f.wallet);
    }
    if count > 0 {
        return Err(rows_rejected(
            ErrorCode::InputRejected,
            lang,
            display,
            errors,
            count,
        ));
    }
    Ok(out)
}

/// Fit the customer-value models on the purchases (calibrated to `calibration_end`, else the
/// file's last purchase day), read the answers, and classify everyone on every core: `row` makes
/// each customer's output from their external id and outcome, `sink` takes the rows in order;
/// gives the summary.
/// What to classify: the purchases file, the answers file (path, name in messages), the models'
/// options and an explicit calibration end.
pub struct FilePair<'a> {
    pub purchases: FileInput<'a>,
    pub answers: Option<(&'a std::path::Path, &'a str)>,
    pub opts: ClvOptions,
    pub calibration_end: Option<i64>,
}

pub fn classify_files<R: Send>(
    pair: FilePair,
    settings: &LoyaltySettings,
    lang: Lang,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
    row: impl Fn(&str, &Outcome) -> R + Sync,
    sink: impl FnMut(R),
) -> Result<Value, AppError> {
    let FilePair {
        purchases,
        answers,
        mut opts,
        calibration_end,
    } = pair;
    let purchases = &purchases;
    let started = std::time::Instant::now();
    let mut lap = {
        let mut last = started;
        move || {
            let now = std::time::Instant::now();
            let d = (now - last).as_secs_f64();
            last = now;
            (d * 1000.0).round() / 1000.0
        }
    };
    let p = read_purchases(purchases, lang, &|done, total| {
        progress("reading", done, total)
    })?;
    let t_read = lap();
    let mut ids = p.ids;
    // A file's calibration ends by default with its last purchase day, as for `analyze clv`.
    opts.calibration_end = calibration_end.unwrap_or(p.last_day);
    let clv = analyze(ids.len(), p.purchases, &opts, &|stage: &str, d, t| {
        progress(stage, d, t)
    })
    .map_err(|e| analysis_error(&e, lang))?;
    let t_fit = lap();
    let attitudes_by_id = match answers {
        Some((path, display)) => read_answers(path, display, lang, purchases.error_limit)?,
        None => HashMap::new(),
    };
    let t_answers = lap();
    progress("classifying", 0, 1);
    let mut behaviour = Vec::with_capacity(clv.n_customers);
    for (i, v) in clv.values() {
        let Some(s) = clv.stats[i].as_ref() else {
            continue;
        };
        behaviour.push(BehaviourRow {
            customer_id: i as i64,
            frequency: i64::from(s.x),
            age: s.t,
            recency: s.t_x,
            p_alive: v.p_alive,
            clv: v.clv,
            total_spend: s.total_spend,
            first_purchase: Some(day_to_date(i64::from(s.first_day))),
            last_purchase: Some(day_to_date(i64::from(s.last_calibration_day))),
            ..BehaviourRow::default()
        });
    }
    let mut attitudes = HashMap::new();
    for (ext, a) in attitudes_by_id {
        let i = ids.intern(&ext);
        attitudes.insert(i64::from(i), a);
    }
    let as_of = day_to_date(opts.calibration_end);
    let inputs = Inputs {
        behaviour,
        attitudes,
        as_of,
        today: as_of,
        ..Inputs::default()
    };
    let ids = &ids;
    // A file has no complaints, exit reasons or open answers to propose churn types from.
    let summary = classify_blocks(
        &Classifier::new(&inputs, settings).without_proposals(),
        |o| row(ids.get(o.customer_id as usize), &o),
        sink,
    );
    progress("classifying", 1, 1);
    let mut summary = summary;
    summary["timings"] = serde_json::json!({
        "read_purchases": t_read,
        "fit": t_fit,
        "read_answers": t_answers,
        "classify_and_write": lap(),
    });
    Ok(summary)
}
