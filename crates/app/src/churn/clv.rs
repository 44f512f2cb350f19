//! Customer lifetime value on a transactions file (CSV in UTF-8 or GB18030, or xlsx), without a
//! store: read and check every row (all or nothing: any bad row and nothing is written), run
//! [`analytics::clv::analyze`], write one row per customer (CSV or xlsx) and a JSON summary.

use super::ids::CustomerIds;
use crate::customers::table::{Encoding, RowError, TableWriter};
use crate::error::AppError;
use analytics::clv::{analyze, Clv, ClvError, ClvOptions};
use analytics::summary::Purchase;
use chrono::NaiveDate;
use domain::{ErrorCode, Lang};
use serde_json::{json, Value};
use std::io::Write as _;
use std::path::Path;

/// The purchases of a file, customers numbered in order of first appearance.
pub struct Purchases {
    pub ids: CustomerIds,
    /// The store's customer ids in the same order (empty for a file).
    pub store_ids: Vec<i64>,
    pub purchases: Vec<Purchase>,
    pub rows: u64,
    pub first_day: i64,
    pub last_day: i64,
    /// (customers who referred someone, all customers), when the source knows referrals (the
    /// store does, a transactions file does not).
    pub referrals: Option<(i64, i64)>,
    /// Transactions on promotion and in the top store by customer index (the store's scan
    /// counts them; empty for a file).
    pub mix: Vec<storage::churn::PurchaseMix>,
    /// Each customer's main store by customer index (empty for a file).
    pub main_store: Vec<std::sync::Arc<str>>,
}

/// Day number (days since 1970-01-01) of a date or date-time text: one definition, in
/// `domain::time`, shared with the cluster's `fidelis_day` function.
pub(crate) use domain::time::day_of_text as parse_day;

fn epoch_day(d: NaiveDate) -> i64 {
    domain::time::epoch_day(d)
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

pub(crate) fn rejected(lang: Lang, display: &str, errors: Vec<RowError>, count: usize) -> AppError {
    crate::customers::table::rows_rejected(ErrorCode::InputRejected, lang, display, errors, count)
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
/// Run the analysis on a file's purchases (consumed: the summary replaces them).
pub fn run(
    p: &mut Purchases,
    opts: &ClvOptions,
    lang: Lang,
    progress: analytics::clv::Progress,
) -> Result<Clv, AppError> {
    let purchases = std::mem::take(&mut p.purchases);
    analyze(p.ids.len(), purchases, opts, progress).map_err(|e| analysis_error(&e, lang))
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

/// Write one row per analysed customer (CSV by default, xlsx or Parquet by extension). A UTF-8 CSV is
/// written directly (ten million rows in seconds); xlsx and GB18030 go through the table writer.
pub fn write_customers(
    path: &Path,
    ids: &CustomerIds,
    clv: &Clv,
    encoding: Encoding,
    progress: &dyn Fn(u64, u64),
) -> Result<u64, String> {
    if columnar::is_parquet(&path.to_string_lossy()) {
        return super::parquet::write_customers(path, ids, clv, progress);
    }
    let holdout = clv.holdout.is_some();
    let mut headers: Vec<&str> = CUSTOMER_COLUMNS.to_vec();
    if holdout {
        headers.extend(["holdout_purchases", "holdout_expected"]);
    }
    let rows = RowFormat {
        ids,
        clv,
        dates: DateCache::new(clv),
        width: headers.len(),
    };
    let total = clv.n_customers as u64;
    let direct = encoding == Encoding::Utf8
        && matches!(
            crate::customers::table::Format::of(path),
            crate::customers::table::Format::Csv
        );
    if !direct {
        let numeric: Vec<&str> = headers
            .iter()
            .copied()
            .filter(|h| !matches!(*h, "customer_id" | "first_purchase" | "last_purchase"))
            .collect();
        let mut table = TableWriter::create(path, &headers, &numeric, encoding)?;
        let mut row = vec![String::new(); headers.len()];
        let mut written = 0u64;
        for i in 0..clv.stats.len() {
            if rows.fill(i, &mut row) {
                table.write_row(&row)?;
                written += 1;
                if written.is_multiple_of(65_536) {
                    progress(written, total);
                }
            }
        }
        table.finish()?;
        progress(total, total);
        return Ok(written);
    }
    let f = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    let io = |e: std::io::Error| e.to_string();
    w.write_all(&[0xEF, 0xBB, 0xBF]).map_err(io)?;
    w.write_all(headers.join(",").as_bytes()).map_err(io)?;
    w.write_all(b"\n").map_err(io)?;
    // Rows are formatted in blocks on every core and written in customer order, each round's
    // text written while the next round is formatted; the buffers are reused.
    const BLOCK: usize = 32_768;
    let threads = analytics::par::threads();
    let n = clv.stats.len();
    let mut written = 0u64;
    let mut from = 0;
    let mut pending: Vec<(Vec<u8>, u64)> = Vec::new();
    let mut spare: Vec<Vec<u8>> = Vec::new();
    while from < n || !pending.is_empty() {
        let blocks: Vec<(usize, usize, Vec<u8>)> = (0..threads)
            .map(|k| (from + k * BLOCK, (from + (k + 1) * BLOCK).min(n)))
            .filter(|(a, b)| a < b)
            .map(|(a, b)| (a, b, spare.pop().unwrap_or_default()))
            .collect();
        from = blocks.last().map_or(n, |b| b.1);
        let texts = std::thread::scope(|scope| -> Result<Vec<(Vec<u8>, u64)>, String> {
            let handles: Vec<_> = blocks
                .into_iter()
                .map(|(a, b, buf)| {
                    let rows = &rows;
                    scope.spawn(move || rows.csv_block(a, b, buf))
                })
                .collect();
            for (mut text, count) in pending.drain(..) {
                w.write_all(&text).map_err(io)?;
                written += count;
                text.clear();
                spare.push(text);
            }
            progress(written, total);
            Ok(handles
                .into_iter()
                .map(|h| h.join().expect("formatting thread"))
                .collect())
        })?;
        pending = texts;
    }
    w.flush().map_err(io)?;
    progress(total, total);
    Ok(written)
}

/// Formats the output row of a customer.
struct RowFormat<'a> {
    ids: &'a CustomerIds,
    clv: &'a Clv,
    dates: DateCache,
    width: usize,
}

/// Where a row's cells go: the table writer's strings, or CSV bytes directly.
trait Cells {
    fn text(&mut self, s: &str);
    fn int(&mut self, v: u64);
    /// At most `decimals` decimals, trailing zeros dropped (see [`fixed`]).
    fn num(&mut self, v: f64, decimals: u32);
}

/// One string per cell, for the table writer (xlsx, GB18030).
struct StringCells<'r> {
    row: &'r mut [String],
    k: usize,
}

impl StringCells<'_> {
    fn cell(&mut self) -> &mut String {
        self.k += 1;
        &mut self.row[self.k - 1]
    }
}

impl Cells for StringCells<'_> {
    fn text(&mut self, s: &str) {
        self.cell().push_str(s);
    }
    fn int(&mut self, v: u64) {
        self.cell().push_str(itoa::Buffer::new().format(v));
    }
    fn num(&mut self, v: f64, decimals: u32) {
        let mut b = Vec::with_capacity(24);
        fixed(&mut b, v, decimals);
        self.cell()
            .push_str(std::str::from_utf8(&b).expect("digits are ASCII"));
    }
}

/// A CSV line written straight into the output bytes (commas between cells, the id quoted
/// when it must be).
struct CsvCells<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl CsvCells<'_> {
    fn sep(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
    }
}

impl Cells for CsvCells<'_> {
    fn text(&mut self, s: &str) {
        self.sep();
        if s.contains([',', '"', '\n', '\r']) {
            self.out.push(b'"');
            self.out
                .extend_from_slice(s.replace('"', "\"\"").as_bytes());
            self.out.push(b'"');
        } else {
            self.out.extend_from_slice(s.as_bytes());
        }
    }
    fn int(&mut self, v: u64) {
        self.sep();
        self.out
            .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }
    fn num(&mut self, v: f64, decimals: u32) {
        self.sep();
        fixed(self.out, v, decimals);
    }
}

impl RowFormat<'_> {
    /// Customer `i`'s cells, in [`CUSTOMER_COLUMNS`] order (plus the holdout's); false when the
    /// customer was not analysed.
    fn emit(&self, i: usize, c: &mut impl Cells) -> bool {
        let (Some(s), Some(v)) = (&self.clv.stats[i], self.clv.value(i)) else {
            return false;
        };
        c.text(self.ids.get(i));
        c.int(s.x.into());
        c.num(s.t_x, 6);
        c.num(s.t, 6);
        c.num(s.zbar, 4);
        c.int(v.rfm.r.into());
        c.int(v.rfm.f.into());
        c.int(v.rfm.m.into());
        c.num(v.p_alive, 6);
        c.num(v.expected_purchases, 6);
        c.num(v.expected_spend, 4);
        c.num(v.clv, 4);
        c.text(self.dates.get(s.first_day));
        c.text(self.dates.get(s.last_day));
        c.num(s.total_spend, 2);
        if self.width > CUSTOMER_COLUMNS.len() {
            c.int(s.later_days.into());
            c.num(v.holdout_expected.unwrap_or(0.0), 6);
        }
        true
    }

    /// Fill `row` with customer `i`'s cells; false when the customer was not analysed.
    fn fill(&self, i: usize, row: &mut [String]) -> bool {
        for c in row.iter_mut() {
            c.clear();
        }
        self.emit(i, &mut StringCells { row, k: 0 })
    }

    /// CSV lines of customers `from..to` (into `out`), and how many.
    fn csv_block(&self, from: usize, to: usize, mut out: Vec<u8>) -> (Vec<u8>, u64) {
        out.reserve((to - from) * 120);
        let mut count = 0;
        for i in from..to {
            if self.emit(
                i,
                &mut CsvCells {
                    out: &mut out,
                    first: true,
                },
            ) {
                out.push(b'\n');
                count += 1;
            }
        }
        (out, count)
    }
}

/// A number with at most `decimals` decimals, trailing zeros dropped (exact integers print
/// without a point), fast: one integer formatting, no float formatting machinery.
fn fixed(out: &mut Vec<u8>, v: f64, decimals: u32) {
    let scale = 10i64.pow(decimals);
    if !v.is_finite() || v.abs() >= 9e15 / scale as f64 {
        let _ = write!(out, "{v}");
        return;
    }
    let n = (v * scale as f64).round() as i64;
    if n < 0 {
        out.push(b'-');
    }
    let mut b = itoa::Buffer::new();
    let digits = b.format(n.unsigned_abs()).as_bytes();
    let d = decimals as usize;
    // Integer part (0 when every digit is a decimal), then the decimals without trailing zeros.
    let int_len = digits.len().saturating_sub(d);
    if int_len == 0 {
        out.push(b'0');
    } else {
        out.extend_from_slice(&digits[..int_len]);
    }
    let frac = &digits[int_len..];
    let Some(last) = frac.iter().rposition(|&c| c != b'0') else {
        return;
    };
    out.push(b'.');
    out.extend(std::iter::repeat_n(b'0', d - frac.len()));
    out.extend_from_slice(&frac[..=last]);
}

/// Dates of the days in the data, formatted once.
struct DateCache {
    first: i32,
    text: Vec<String>,
}

impl DateCache {
    fn new(clv: &Clv) -> DateCache {
        let (mut lo, mut hi) = (i32::MAX, i32::MIN);
        for s in clv.stats.iter().flatten() {
            lo = lo.min(s.first_day);
            hi = hi.max(s.last_day);
        }
        if lo > hi {
            return DateCache {
                first: 0,
                text: Vec::new(),
            };
        }
        DateCache {
            first: lo,
            text: (lo..=hi)
                .map(|d| day_to_date(i64::from(d)).to_string())
                .collect(),
        }
    }

    fn get(&self, day: i32) -> &str {
        &self.text[(day - self.first) as usize]
    }
}

/// Churn and retention at the calibration end under both rules, with their definitions.
/// The two churn rules in words (English and Chinese), with their settings.
pub(crate) fn churn_definition(p_alive_threshold: f64, multiple: f64, median_gap: f64) -> Value {
    json!({
        "en": format!("churned: P(alive) below {p_alive_threshold} (rule 1), or no purchase for more than {multiple} times the customer's own mean time between purchases (rule 2; one-time buyers: the repeat buyers' median, {median_gap:.2} periods). Churn rate = churned / all customers; retention rate = 1 - churn rate."),
        "zh": format!("流失：存活概率低于 {p_alive_threshold}（规则一），或未购买时间超过该客户平均购买间隔的 {multiple} 倍（规则二；只购买过一次的客户用重复购买客户的中位间隔 {median_gap:.2} 个周期）。流失率 = 流失客户数 / 全部客户数；保持率 = 1 - 流失率。"),
    })
}

fn churn_json(clv: &Clv) -> Value {
    let c = &clv.churn;
    let rule = |churned: u64| {
        let rate = churned as f64 / c.customers.max(1) as f64;
        json!({ "churned": churned, "churn_rate": rate, "retention_rate": 1.0 - rate })
    };
    json!({
        "as_of": day_to_date(clv.options.calibration_end).to_string(),
        "customers": c.customers,
        "p_alive_threshold": c.p_alive_threshold,
        "inactivity_multiple": c.inactivity_multiple,
        "median_gap_periods": c.median_gap_periods,
        "definition": churn_definition(c.p_alive_threshold, c.inactivity_multiple, c.median_gap_periods),
        "by_p_alive": rule(c.churned_by_p_alive),
        "by_inactivity": rule(c.churned_by_inactivity),
        "trend": {
            "definition": {
                "en": format!("at each month end: churn rate = customers acquired by then who are inactive for more than {} times their own mean interval between purchase days (one-time buyers: the repeat buyers' median at the end, {:.1} days) / customers acquired by then; retention rate = 1 - churn rate; active rate = share who bought in the month; repeat rate = share of the previous month's buyers who bought again this month", c.inactivity_multiple, c.median_gap_periods * clv.options.period.days()),
                "zh": format!("每个月末：流失率 = 截至当时已获得的客户中，未购买时间超过其自身平均购买间隔 {} 倍的客户数（只购买过一次的客户用重复购买客户的中位间隔 {:.1} 天）/ 截至当时的客户数；保持率 = 1 - 流失率；活跃率 = 当月有购买的客户比例；复购率 = 上月购买客户中本月再次购买的比例", c.inactivity_multiple, c.median_gap_periods * clv.options.period.days()),
            },
            "rows": c.trend.iter().map(|r| json!({
                "end": day_to_date(i64::from(r.end_day)).to_string(),
                "customers": r.customers,
                "active": r.active,
                "churned": r.churned,
                "churn_rate": rounded(r.churn_rate(), 6),
                "retention_rate": rounded(1.0 - r.churn_rate(), 6),
                "active_rate": rounded(r.active as f64 / r.customers.max(1) as f64, 6),
                "repeat_rate": (r.active_before > 0).then(|| rounded(r.repeat as f64 / r.active_before as f64, 6)),
            })).collect::<Vec<_>>(),
        },
        "by_cohort": c.by_cohort.iter().map(|&(start, n, a, b)| json!({
            "start": day_to_date(i64::from(start)).to_string(),
            "customers": n,
            "churn_rate_p_alive": a as f64 / n.max(1) as f64,
            "churn_rate_inactivity": b as f64 / n.max(1) as f64,
        })).collect::<Vec<_>>(),
    })
}

fn rounded(v: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (v * k).round() / k
}

/// P(alive) and CLV histograms and the RFM grid (for the charts).
pub(crate) fn distributions_json(d: &analytics::clv::Distributions) -> Value {
    json!({
        "p_alive": {
            "bin_width": 0.05,
            "counts": d.p_alive,
        },
        "clv": {
            "bin_width": rounded(d.clv_bin_width, 6),
            "counts": d.clv,
            "last_bin_open": true,
        },
        "rfm_grid": d.rfm_grid.iter().map(|c| json!({
            "r": c.r, "f": c.f, "customers": c.customers,
            "mean_clv": rounded(c.mean_clv, 4), "mean_p_alive": rounded(c.mean_p_alive, 6),
        })).collect::<Vec<_>>(),
    })
}

/// The summary: models with standard errors, the base, Pareto and the holdout check.
pub fn summary_json(clv: &Clv, p: &Purchases) -> Value {
    let o = &clv.options;
    let b = &clv.bgnbd;
    let g = &clv.gamma_gamma;
    let period = o.period.as_str();
    let d = clv.distributions();
    let n = clv.n_customers.max(1) as f64;
    let (total_clv, total_expected) = (d.total_clv, d.total_expected_purchases);
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
            "iterations": g.iterations,
            "population_mean_spend": g.params.population_mean(),
        },
        "totals": {
            "expected_purchases": total_expected,
            "clv": total_clv,
            "mean_clv": total_clv / n,
            "mean_p_alive": d.mean_p_alive,
            "median_p_alive": d.median_p_alive,
        },
        "pareto": {
            "top20_revenue_share": clv.pareto.top20_revenue_share,
            "top20_clv_share": clv.pareto.top20_clv_share,
            "revenue_curve": clv.pareto.revenue_curve.iter().map(|v| rounded(*v, 6)).collect::<Vec<_>>(),
            "clv_curve": clv.pareto.clv_curve.iter().map(|v| rounded(*v, 6)).collect::<Vec<_>>(),
        },
        "holdout": holdout,
        "cohorts": {
            "period": o.cohort_period.as_str(),
            "definition": "customers grouped by the period of their first purchase; retained[k] = share with a purchase in the k-th period after it (k = 0: the acquisition period)",
            "rows": clv.cohorts.iter().map(|c| json!({
                "start": day_to_date(i64::from(c.start_day)).to_string(),
                "customers": c.customers,
                "retained": c.retained.iter().map(|v| rounded(*v, 6)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        },
        "churn": churn_json(clv),
        "distributions": distributions_json(&d),
        "referral": p.referrals.map(|(referrers, customers)| json!({
            "referrers": referrers,
            "customers": customers,
            "referral_rate": referrers as f64 / customers.max(1) as f64,
            "definition": {
                "en": "customers who brought at least one other customer / all customers",
                "zh": "推荐过至少一位新客户的客户数 / 全部客户数",
            },
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_accepted_forms() {
        let d = analytics::summary::day_number(2024, 3, 5).unwrap();
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

#[cfg(test)]
mod format_tests {
    use super::fixed;

    #[test]
    fn fixed_decimals() {
        let f = |v: f64, d: u32| {
            let mut s = Vec::new();
            fixed(&mut s, v, d);
            String::from_utf8(s).unwrap()
        };
        assert_eq!(f(30.0, 6), "30");
        assert_eq!(f(0.7266203116617331, 6), "0.72662");
        assert_eq!(f(0.0000004, 6), "0");
        assert_eq!(f(0.05, 6), "0.05");
        assert_eq!(f(1.000001, 6), "1.000001");
        assert_eq!(f(-2.5, 2), "-2.5");
        assert_eq!(f(100.5, 2), "100.5");
        assert_eq!(f(1e300, 2), format!("{}", 1e300));
        assert_eq!(f(0.000123, 6), "0.000123");
        assert_eq!(f(-0.25, 6), "-0.25");
        assert_eq!(f(12.0, 0), "12");
        assert_eq!(f(-0.0000001, 6), "0");
    }
}
