//! Customer lifetime value on a transactions file (CSV in UTF-8 or GB18030, or xlsx), without a
//! store: read and check every row (all or nothing: any bad row and nothing is written), run
//! [`analytics::clv::analyze`], write one row per customer (CSV or xlsx) and a JSON summary.

use crate::customers::table::{ColumnMap, Encoding, RowError, TableReader, TableWriter};
use crate::error::AppError;
use analytics::clv::{analyze, Clv, ClvError, ClvOptions};
use analytics::summary::{day_number, Purchase};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use domain::{ErrorCode, Lang};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// Columns of a transactions file for the analysis, with their accepted names.
pub const PURCHASE_COLUMNS: &[(&str, &[&str])] = &[
    (
        "customer_id",
        &[
            "customer",
            "customer_external_id",
            "customerid",
            "cust_id",
            "id",
            "客户编号",
            "客户id",
            "客户",
        ],
    ),
    (
        "date",
        &[
            "occurred_at",
            "time",
            "datetime",
            "timestamp",
            "order_date",
            "日期",
            "时间",
            "交易时间",
            "交易日期",
        ],
    ),
    (
        "amount",
        &[
            "value",
            "sales",
            "total",
            "revenue",
            "金额",
            "消费金额",
            "销售额",
        ],
    ),
];

pub struct FileInput<'a> {
    pub path: &'a Path,
    /// How the file is named in messages.
    pub display: &'a str,
    pub encoding: Option<Encoding>,
    /// (target, source column) overrides: customer_id, date, amount.
    pub columns: Vec<(String, String)>,
    /// chrono format of the date column (default: ISO dates and date-times, YYYYMMDD).
    pub date_format: Option<String>,
    pub error_limit: usize,
}

/// The purchases of a file, customers numbered in order of first appearance.
pub struct Purchases {
    pub ids: Vec<String>,
    pub purchases: Vec<Purchase>,
    pub rows: u64,
    pub first_day: i64,
    pub last_day: i64,
}

/// Day number of a date or date-time text: the fixed ISO forms fast, anything else through
/// `domain::time`, or through the explicit chrono format.
fn parse_day(s: &str, format: Option<&str>) -> Result<i64, String> {
    let s = s.trim();
    if let Some(f) = format {
        let date = NaiveDate::parse_from_str(s, f)
            .or_else(|_| NaiveDateTime::parse_from_str(s, f).map(|t| t.date()))
            .map_err(|e| format!("'{s}' does not match the date format '{f}': {e}"))?;
        return Ok(epoch_day(date));
    }
    let b = s.as_bytes();
    if b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && (b.len() == 10 || matches!(b[10], b'T' | b' '))
    {
        let num = |r: std::ops::Range<usize>| s.get(r).and_then(|v| v.parse::<u32>().ok());
        if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) {
            if b.len() == 10 || domain::time::parse_instant(s).is_ok() {
                if let Some(day) = day_number(y as i32, m, d).filter(|_| (1850..=2200).contains(&y))
                {
                    return Ok(day);
                }
            }
        }
    }
    domain::time::parse_instant(s).map(|t| epoch_day(t.date_naive()))
}

fn epoch_day(d: NaiveDate) -> i64 {
    day_number(d.year(), d.month(), d.day()).expect("a valid chrono date")
}

/// The date of a day number.
pub fn day_to_date(day: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + chrono::Duration::days(day)
}

/// Parse a calendar date option (YYYY-MM-DD etc.) to a day number, naming the option.
pub fn parse_date_option(name: &str, s: &str) -> Result<i64, String> {
    domain::time::parse_date(s)
        .map(epoch_day)
        .map_err(|e| format!("--{name}: {e}"))
}

fn rejected(lang: Lang, display: &str, errors: Vec<RowError>, count: usize) -> AppError {
    let shown: Vec<String> = errors.iter().take(3).map(|e| e.to_string()).collect();
    AppError::new(ErrorCode::InputRejected, lang)
        .with_message(format!(
            "{} {count} bad row(s). {}{}",
            ErrorCode::InputRejected.message(lang),
            shown.join(" | "),
            if count > 3 { " …" } else { "" }
        ))
        .with_details(json!({ "file": display, "error_count": count, "errors": errors }))
}

/// Read every row; any bad row rejects the file with the rows (up to the limit) and reasons.
pub fn read_purchases(
    input: &FileInput,
    lang: Lang,
    progress: &dyn Fn(u64, u64),
) -> Result<Purchases, AppError> {
    let display = input.display;
    let mut reader = TableReader::open(input.path, display, input.encoding)
        .map_err(|e| rejected(lang, display, vec![e], 1))?;
    let map = ColumnMap::new(
        display,
        &reader.headers,
        PURCHASE_COLUMNS,
        &["customer_id", "date", "amount"],
        &input.columns,
    )
    .map_err(|e| {
        let n = e.len();
        rejected(lang, display, e, n)
    })?;
    let (ci, di, ai) = (
        map.position("customer_id").expect("required"),
        map.position("date").expect("required"),
        map.position("amount").expect("required"),
    );
    let names: Vec<String> = ["customer_id", "date", "amount"]
        .iter()
        .map(|f| map.column_name(&reader.headers, f).unwrap_or(f).to_string())
        .collect();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut ids: Vec<String> = Vec::new();
    let mut purchases = Vec::new();
    let mut errors = Vec::new();
    let mut error_count = 0usize;
    let (mut first_day, mut last_day) = (i64::MAX, i64::MIN);
    let mut rows = 0u64;
    let total = reader.total;
    let format = input.date_format.as_deref();
    while let Some(next) = reader.next_row() {
        let line = match next {
            Ok(l) => l,
            Err(e) => {
                error_count += 1;
                if errors.len() < input.error_limit {
                    errors.push(e);
                }
                continue;
            }
        };
        rows += 1;
        if rows.is_multiple_of(65_536) {
            progress(reader.done(), total);
        }
        let cells = reader.cells();
        let mut bad = |col: usize, reason: String| {
            error_count += 1;
            if errors.len() < input.error_limit {
                errors.push(RowError {
                    file: display.to_string(),
                    line,
                    column: names[col].clone(),
                    reason,
                });
            }
        };
        let id = cells[ci].trim();
        if id.is_empty() {
            bad(0, "the customer id is empty".into());
            continue;
        }
        let day = match parse_day(&cells[di], format) {
            Ok(d) => d,
            Err(e) => {
                bad(1, e);
                continue;
            }
        };
        let raw = cells[ai].trim();
        let amount = match raw.replace(',', "").parse::<f64>() {
            Ok(a) if a.is_finite() && a >= 0.0 => a,
            Ok(_) => {
                bad(2, format!("the amount must be zero or more: '{raw}'"));
                continue;
            }
            Err(_) if raw.is_empty() => {
                bad(2, "the amount is missing".into());
                continue;
            }
            Err(_) => {
                bad(2, format!("not a number: '{raw}'"));
                continue;
            }
        };
        let customer = match index.get(id) {
            Some(&c) => c,
            None => {
                let c = ids.len() as u32;
                index.insert(id.to_string(), c);
                ids.push(id.to_string());
                c
            }
        };
        first_day = first_day.min(day);
        last_day = last_day.max(day);
        purchases.push(Purchase {
            customer: customer as usize,
            day,
            amount,
        });
    }
    progress(total, total);
    if error_count > 0 {
        return Err(rejected(lang, display, errors, error_count));
    }
    if purchases.is_empty() {
        let e = RowError {
            file: display.to_string(),
            line: 1,
            column: String::new(),
            reason: "the file has no purchases".into(),
        };
        return Err(rejected(lang, display, vec![e], 1));
    }
    Ok(Purchases {
        ids,
        purchases,
        rows,
        first_day,
        last_day,
    })
}

/// The analysis error in the user's language.
pub fn analysis_error(e: &ClvError, lang: Lang) -> AppError {
    use analytics::bgnbd::FitError;
    let zh = |e: &FitError| -> String {
        match e {
            FitError::NoCustomers => "没有可用于拟合的客户".into(),
            FitError::NoRepeatPurchases => "校准期内没有任何客户重复购买，无法拟合模型".into(),
            FitError::NotConverged {
                iterations,
                gradient,
            } => {
                format!("拟合在 {iterations} 次迭代后仍未收敛（最大梯度 {gradient:.3e}）")
            }
            FitError::Degenerate { parameter, value } => {
                format!("拟合退化：参数 {parameter} 趋于 {value:.3e}，数据不足以识别模型")
            }
            FitError::BadInput(m) => format!("输入无效：{m}"),
        }
    };
    let reason = match lang {
        Lang::En => e.to_string(),
        Lang::ZhCn => match e {
            ClvError::Options(m) => format!("参数无效：{m}"),
            ClvError::NoCustomersBeforeCalibrationEnd => "校准截止日期之前没有任何购买".into(),
            ClvError::BgNbd(f) => format!("BG/NBD 购买模型：{}", zh(f)),
            ClvError::GammaGamma(f) => format!("Gamma-Gamma 消费模型：{}", zh(f)),
            ClvError::Prediction(h) => format!("预测计算失败：{h:?}"),
        },
    };
    AppError::new(ErrorCode::AnalysisFailed, lang)
        .with_message(format!(
            "{} {reason}",
            ErrorCode::AnalysisFailed.message(lang)
        ))
        .with_details(json!({ "reason": reason }))
}

/// Run the analysis on a file's purchases.
pub fn run(
    p: &Purchases,
    opts: &ClvOptions,
    lang: Lang,
    progress: analytics::clv::Progress,
) -> Result<Clv, AppError> {
    analyze(p.ids.len(), &p.purchases, opts, progress).map_err(|e| analysis_error(&e, lang))
}

pub const CUSTOMER_COLUMNS: &[&str] = &[
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "p_alive",
    "expected_purchases",
    "expected_spend",
    "clv",
    "first_purchase",
    "last_purchase",
    "total_spend",
];

/// Write one row per analysed customer (CSV by default, xlsx by extension).
pub fn write_customers(
    path: &Path,
    ids: &[String],
    clv: &Clv,
    encoding: Encoding,
    progress: &dyn Fn(u64, u64),
) -> Result<u64, String> {
    let holdout = clv.holdout.is_some();
    let mut headers: Vec<&str> = CUSTOMER_COLUMNS.to_vec();
    if holdout {
        headers.extend(["holdout_purchases", "holdout_expected"]);
    }
    let numeric: Vec<&str> = headers
        .iter()
        .copied()
        .filter(|h| !matches!(*h, "customer_id" | "first_purchase" | "last_purchase"))
        .collect();
    let mut w = TableWriter::create(path, &headers, &numeric, encoding)?;
    let mut row: Vec<String> = vec![String::new(); headers.len()];
    let mut written = 0u64;
    let total = clv.n_customers as u64;
    for (i, (s, v)) in clv.stats.iter().zip(&clv.values).enumerate() {
        let (Some(s), Some(v)) = (s, v) else { continue };
        let cells: [&dyn std::fmt::Display; 15] = [
            &ids[i],
            &s.x,
            &s.t_x,
            &s.t,
            &s.zbar,
            &v.rfm.r,
            &v.rfm.f,
            &v.rfm.m,
            &v.p_alive,
            &v.expected_purchases,
            &v.expected_spend,
            &v.clv,
            &day_to_date(s.first_day),
            &day_to_date(s.last_day),
            &Money(s.total_spend),
        ];
        for (cell, value) in row.iter_mut().zip(cells) {
            cell.clear();
            let _ = write!(cell, "{value}");
        }
        if holdout {
            row[15].clear();
            let _ = write!(row[15], "{}", s.later_days);
            row[16].clear();
            let _ = write!(row[16], "{}", v.holdout_expected.unwrap_or(0.0));
        }
        w.write_row(&row)?;
        written += 1;
        if written.is_multiple_of(65_536) {
            progress(written, total);
        }
    }
    w.finish()?;
    progress(total, total);
    Ok(written)
}

/// Money to the cent, without float noise.
struct Money(f64);

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

fn rounded(v: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (v * k).round() / k
}

/// The summary: models with standard errors, the base, Pareto and the holdout check.
pub fn summary_json(clv: &Clv, p: &Purchases) -> Value {
    let o = &clv.options;
    let b = &clv.bgnbd;
    let g = &clv.gamma_gamma;
    let period = match o.period {
        analytics::summary::Period::Day => "day",
        analytics::summary::Period::Week => "week",
        analytics::summary::Period::Month => "month",
    };
    let values: Vec<_> = clv.values.iter().flatten().collect();
    let n = values.len().max(1) as f64;
    let mut alive: Vec<f64> = values.iter().map(|v| v.p_alive).collect();
    alive.sort_by(f64::total_cmp);
    let total_clv: f64 = values.iter().map(|v| v.clv).sum();
    let holdout = clv.holdout.as_ref().map(|h| {
        json!({
            "observation_end": o.observation_end.map(|d| day_to_date(d).to_string()),
            "length_periods": h.length_periods,
            "actual_repeat_purchases": h.actual_total,
            "expected_repeat_purchases": h.expected_total,
            "by_calibration_frequency": h.by_frequency.iter().map(|g| json!({
                "frequency": g.x, "or_more": g.x == 7, "customers": g.customers,
                "actual_mean": g.actual_mean, "expected_mean": g.expected_mean,
            })).collect::<Vec<_>>(),
            "tracking": h.tracking.iter().map(|t| json!({
                "date": day_to_date(t.day).to_string(),
                "actual_cumulative": t.actual_cumulative,
                "expected_cumulative": rounded(t.expected_cumulative, 4),
            })).collect::<Vec<_>>(),
        })
    });
    json!({
        "calibration_end": day_to_date(o.calibration_end).to_string(),
        "period": period,
        "horizon_months": o.horizon_months,
        "discount_rate_per_month": o.discount_rate,
        "rows": p.rows,
        "first_purchase": day_to_date(p.first_day).to_string(),
        "last_purchase": day_to_date(p.last_day).to_string(),
        "customers_in_file": p.ids.len(),
        "n_customers": clv.n_customers,
        "customers_after_calibration_end": p.ids.len() - clv.n_customers,
        "bgnbd": {
            "r": b.params.r, "alpha": b.params.alpha, "a": b.params.a, "b": b.params.b,
            "loglik": b.loglik,
            "se": {"r": b.se[0], "alpha": b.se[1], "a": b.se[2], "b": b.se[3]},
            "distinct_triples": b.n_triples,
            "iterations": b.iterations,
            "expected_purchases_new_customer_over_horizon": clv.expected_new_customer,
        },
        "gamma_gamma": {
            "p": g.params.p, "q": g.params.q, "gamma": g.params.gamma,
            "loglik": g.loglik,
            "se": {"p": g.se[0], "q": g.se[1], "gamma": g.se[2]},
            "n_customers": g.n_customers,
            "population_mean_spend": g.params.population_mean(),
        },
        "totals": {
            "expected_purchases": values.iter().map(|v| v.expected_purchases).sum::<f64>(),
            "clv": total_clv,
            "mean_clv": total_clv / n,
            "mean_p_alive": alive.iter().sum::<f64>() / n,
            "median_p_alive": alive.get(alive.len() / 2).copied().unwrap_or(0.0),
        },
        "pareto": {
            "top20_revenue_share": clv.pareto.top20_revenue_share,
            "top20_clv_share": clv.pareto.top20_clv_share,
            "revenue_curve": clv.pareto.revenue_curve.iter().map(|v| rounded(*v, 6)).collect::<Vec<_>>(),
            "clv_curve": clv.pareto.clv_curve.iter().map(|v| rounded(*v, 6)).collect::<Vec<_>>(),
        },
        "holdout": holdout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_accepted_forms() {
        let d = day_number(2024, 3, 5).unwrap();
        for s in [
            "2024-03-05",
            "2024-03-05T10:00:00Z",
            "2024-03-05 23:59",
            "20240305",
            "2024/03/05",
        ] {
            assert_eq!(parse_day(s, None), Ok(d), "{s}");
        }
        assert_eq!(parse_day("05.03.2024", Some("%d.%m.%Y")), Ok(d));
        assert!(parse_day("2024-02-30", None).is_err());
        assert!(parse_day("yesterday", None).is_err());
        assert!(parse_day("2024-03-05", Some("%d.%m.%Y"))
            .unwrap_err()
            .contains("%d.%m.%Y"));
        assert_eq!(day_to_date(d).to_string(), "2024-03-05");
    }
}
