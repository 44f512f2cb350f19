//! Customer lifetime value from transactions, end to end: the CDNOW-convention summary, RFM,
//! BG/NBD (who is alive, how many purchases to expect), Gamma-Gamma (what each purchase will
//! be worth), CLV over a horizon with a discount rate, the Pareto (80/20) view and, when a
//! holdout period is given, predicted against actual repeat purchases (SPEC.md §4).
//!
//! CLV follows the definition lifetimes uses, so the two can be compared customer by
//! customer: the horizon is counted in months of 30 days (4.345 weeks; 1 month), and
//! CLV = Σ_{m=1..H} E[spend] · (E[Y(m)] − E[Y(m−1)]) / (1 + d)^m, with E[Y(t)] the BG/NBD
//! conditional expectation from the end of calibration and d the monthly discount rate.
//!
//! Predictions depend only on (x, t_x, T), so they are computed once per distinct triple and
//! in parallel; a customer's values are its triple's scaled by its own expected spend.

use crate::bgnbd::{BgNbd, BgNbdFit, FitError, Triples};
use crate::cohorts::{Cohort, CohortPeriod, TrendCounts, TrendRow, TrendSpec};
pub use crate::curves::{histogram, lorenz, value_histogram};
use crate::gamma_gamma::{GammaGamma, GammaGammaFit};
use crate::special::HypError;
use crate::summary::{rfm, summarize_with, CustomerStats, Period, Purchase, Rfm, Summary};

#[derive(Debug, Clone, PartialEq)]
pub struct ClvOptions {
    /// Last day (inclusive, day number) of the calibration period the models are fitted on.
    pub calibration_end: i64,
    /// Last day of a holdout period after calibration, to check the predictions against.
    pub observation_end: Option<i64>,
    pub period: Period,
    /// CLV horizon in months.
    pub horizon_months: u32,
    /// Discount rate per month.
    pub discount_rate: f64,
    /// RFM score levels (5 = quintiles).
    pub rfm_bins: u8,
    /// Acquisition cohorts by month or week.
    pub cohort_period: CohortPeriod,
    /// Churn rule 1: P(alive) below this counts as churned.
    pub churn_p_alive: f64,
    /// Churn rule 2: no purchase for longer than this many times the customer's own mean time
    /// between purchases (for one-time buyers: the median of the repeat buyers').
    pub churn_inactivity_multiple: f64,
}

impl ClvOptions {
    /// One month in the chosen period, as lifetimes counts it.
    pub fn month(&self) -> f64 {
        match self.period {
            Period::Day => 30.0,
            Period::Week => 4.345,
            Period::Month => 1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerValue {
    pub rfm: Rfm,
    pub p_alive: f64,
    /// Expected purchases over the horizon.
    pub expected_purchases: f64,
    /// Expected value per purchase (Gamma-Gamma).
    pub expected_spend: f64,
    pub clv: f64,
    /// Expected repeat purchases in the holdout period.
    pub holdout_expected: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pareto {
    /// Share of revenue (every purchase in the data used) from the top 20 % of customers.
    pub top20_revenue_share: f64,
    /// Share of the expected future value (CLV) from the top 20 %.
    pub top20_clv_share: f64,
    /// Lorenz curves: element k is the share held by the top k % of customers (k = 0..=100).
    pub revenue_curve: Vec<f64>,
    pub clv_curve: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutGroup {
    /// Repeat purchases in calibration; the last group holds this many or more.
    pub x: u32,
    pub customers: u64,
    pub actual_mean: f64,
    pub expected_mean: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrackPoint {
    /// Day number at the end of the step.
    pub day: i64,
    pub actual_cumulative: f64,
    pub expected_cumulative: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Holdout {
    pub length_periods: f64,
    pub actual_total: f64,
    pub expected_total: f64,
    /// Mean actual vs expected holdout purchases by calibration frequency 0, 1, …, 7+.
    pub by_frequency: Vec<HoldoutGroup>,
    /// Cumulative repeat purchases of the whole base over calendar time, weekly, actual vs
    /// the model (each customer from their first purchase), calibration and holdout.
    pub tracking: Vec<TrackPoint>,
}

/// Churn and retention at the end of calibration under the two non-contractual rules of
/// SPEC.md §4 (churn rate = churned / all customers; retention rate = 1 − churn rate), overall
/// and by acquisition cohort.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Churn {
    pub p_alive_threshold: f64,
    pub inactivity_multiple: f64,
    /// Median time between purchases of repeat buyers, in periods (used for one-time buyers).
    pub median_gap_periods: f64,
    pub customers: u64,
    pub churned_by_p_alive: u64,
    pub churned_by_inactivity: u64,
    /// (cohort start day, customers, churned by P(alive), churned by inactivity)
    pub by_cohort: Vec<(i32, u64, u64, u64)>,
    /// At each month end up to the last day analysed, under the inactivity rule (the P(alive)
    /// rule would need the model refitted at every month end).
    pub trend: Vec<TrendRow>,
}

impl Churn {
    pub fn rate_p_alive(&self) -> f64 {
        self.churned_by_p_alive as f64 / self.customers.max(1) as f64
    }

    pub fn rate_inactivity(&self) -> f64 {
        self.churned_by_inactivity as f64 / self.customers.max(1) as f64
    }
}

#[derive(Debug, Clone)]
pub struct Clv {
    pub options: ClvOptions,
    pub stats: Vec<Option<CustomerStats>>,
    pub bgnbd: BgNbdFit,
    pub gamma_gamma: GammaGammaFit,
    /// Expected purchases of a new customer over the horizon.
    pub expected_new_customer: f64,
    pub n_customers: usize,
    pub pareto: Pareto,
    pub holdout: Option<Holdout>,
    /// Retention by acquisition cohort, observed to the last day analysed.
    pub cohorts: Vec<Cohort>,
    pub churn: Churn,
    rfm: Vec<Option<Rfm>>,
    triple_of: Vec<u32>,
    per_triple: Vec<TriplePrediction>,
}

impl Clv {
    /// Customer `i`'s values (None when they had no purchase up to the calibration end).
    pub fn value(&self, i: usize) -> Option<CustomerValue> {
        let s = self.stats[i].as_ref()?;
        let t = &self.per_triple[self.triple_of[i] as usize];
        let spend = self.gamma_gamma.params.expected_spend(s.x, s.zbar)?;
        Some(CustomerValue {
            rfm: self.rfm[i]?,
            p_alive: t.p_alive,
            expected_purchases: t.expected,
            expected_spend: spend,
            clv: spend * t.discounted,
            holdout_expected: t.holdout,
        })
    }

    /// Whether customer `i` counts as churned at the calibration end: (by P(alive), by
    /// inactivity), the rules of [`Churn`].
    pub fn churned(&self, i: usize, v: &CustomerValue) -> Option<(bool, bool)> {
        let s = self.stats[i].as_ref()?;
        Some(churn_flags(
            &self.options,
            self.churn.median_gap_periods,
            s,
            v,
        ))
    }

    /// The distributions a manager looks at: P(alive) in 20 bins of 0.05, CLV in 20 equal bins
    /// up to its 99th percentile (the rest in the last), and the R × F grid of RFM scores with
    /// customers, mean CLV and mean P(alive) per cell.
    pub fn distributions(&self) -> Distributions {
        Distributions::of(
            self.options.rfm_bins,
            self.values().map(|(_, v)| ValuePoint {
                p_alive: v.p_alive,
                clv: v.clv,
                expected_purchases: v.expected_purchases,
                r: v.rfm.r,
                f: v.rfm.f,
            }),
        )
    }

    /// Every analysed customer's values, in customer order.
    pub fn values(&self) -> impl Iterator<Item = (usize, CustomerValue)> + '_ {
        (0..self.stats.len()).filter_map(|i| self.value(i).map(|v| (i, v)))
    }
}

/// See [`Clv::distributions`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Distributions {
    /// Customers with P(alive) in [k/20, (k+1)/20) (the last bin includes 1).
    pub p_alive: Vec<u64>,
    pub clv_bin_width: f64,
    /// Customers with CLV in [k·w, (k+1)·w), the last bin open-ended.
    pub clv: Vec<u64>,
    /// R-major, R and F from 1 to the number of RFM levels.
    pub rfm_grid: Vec<RfmCell>,
    /// Over every analysed customer: sums of CLV and of expected purchases, mean and median
    /// P(alive).
    pub total_clv: f64,
    pub total_expected_purchases: f64,
    pub mean_p_alive: f64,
    pub median_p_alive: f64,
}

/// What [`Distributions`] needs of one customer's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValuePoint {
    pub p_alive: f64,
    pub clv: f64,
    pub expected_purchases: f64,
    /// RFM recency and frequency scores, 1 to the number of levels.
    pub r: u8,
    pub f: u8,
}

impl Distributions {
    /// The distributions of customers' values (a run's, or values read back from a file), RFM
    /// scores on `rfm_bins` levels (scores above are counted in the top level).
    pub fn of(rfm_bins: u8, values: impl Iterator<Item = ValuePoint>) -> Distributions {
        let bins = usize::from(rfm_bins.max(1));
        let mut p_alive = vec![0u64; 20];
        // A run's iterator knows at most how many customers come: room for them at once.
        let room = values.size_hint().1.unwrap_or(0);
        let mut clvs: Vec<f64> = Vec::with_capacity(room);
        let mut alive: Vec<f64> = Vec::with_capacity(room);
        let mut grid = vec![RfmCell::default(); bins * bins];
        let (mut total_clv, mut total_expected) = (0.0, 0.0);
        for v in values {
            p_alive[((v.p_alive * 20.0) as usize).min(19)] += 1;
            clvs.push(v.clv);
            alive.push(v.p_alive);
            total_clv += v.clv;
            total_expected += v.expected_purchases;
            let level = |s: u8| usize::from(s.clamp(1, bins as u8)) - 1;
            let cell = &mut grid[level(v.r) * bins + level(v.f)];
            cell.customers += 1;
            cell.mean_clv += v.clv;
            cell.mean_p_alive += v.p_alive;
        }
        for (k, cell) in grid.iter_mut().enumerate() {
            cell.r = (k / bins + 1) as u8;
            cell.f = (k % bins + 1) as u8;
            if cell.customers > 0 {
                cell.mean_clv /= cell.customers as f64;
                cell.mean_p_alive /= cell.customers as f64;
            }
        }
        let (clv_bin_width, clv) = value_histogram(&mut clvs);
        let mean_p_alive = alive.iter().sum::<f64>() / alive.len().max(1) as f64;
        let median_p_alive = if alive.is_empty() {
            0.0
        } else {
            let mid = alive.len() / 2;
            *alive.select_nth_unstable_by(mid, f64::total_cmp).1
        };
        Distributions {
            p_alive,
            clv_bin_width,
            clv,
            rfm_grid: grid,
            total_clv,
            total_expected_purchases: total_expected,
            mean_p_alive,
            median_p_alive,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RfmCell {
    pub r: u8,
    pub f: u8,
    pub customers: u64,
    pub mean_clv: f64,
    pub mean_p_alive: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClvError {
    /// Options that make no sense (named).
    Options(String),
    /// Nobody bought on or before the end of calibration.
    NoCustomersBeforeCalibrationEnd,
    BgNbd(FitError),
    GammaGamma(FitError),
    /// A prediction could not be computed (the hypergeometric series did not settle).
    Prediction(HypError),
}

impl std::fmt::Display for ClvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClvError::Options(m) => write!(f, "{m}"),
            ClvError::NoCustomersBeforeCalibrationEnd => {
                write!(
                    f,
                    "no customer made a purchase on or before the calibration end date"
                )
            }
            ClvError::BgNbd(e) => write!(f, "BG/NBD purchase model: {e}"),
            ClvError::GammaGamma(e) => write!(f, "Gamma-Gamma spend model: {e}"),
            ClvError::Prediction(e) => write!(f, "prediction failed: {e:?}"),
        }
    }
}

impl std::error::Error for ClvError {}

/// Stages reported to a progress callback: (stage, done, total).
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// Analyse customers `0..n` from their purchases (any order). Purchases after the observation
/// end (or, without one, the calibration end) are ignored.
pub fn analyze(
    n: usize,
    purchases: Vec<Purchase>,
    opts: &ClvOptions,
    progress: Progress,
) -> Result<Clv, ClvError> {
    check_options(opts)?;
    let last = opts.observation_end.unwrap_or(opts.calibration_end);
    progress("summary", 0, 1);
    let mut purchases = purchases;
    if purchases.iter().any(|p| i64::from(p.day) > last) {
        purchases.retain(|p| i64::from(p.day) <= last);
    }
    // With a holdout, every repeat purchase day too, for the tracking chart.
    let summary = summarize_with(
        n,
        purchases,
        opts.calibration_end,
        opts.period,
        opts.observation_end.is_some(),
        Some(opts.cohort_period),
        Some(TrendSpec {
            until: last as i32,
            inactivity_multiple: opts.churn_inactivity_multiple,
        }),
    );
    progress("summary", 1, 1);
    analyze_summary(summary, opts, progress)
}

/// Whether the options make sense (observation after calibration, a discount rate above -1, a
/// horizon of a month or more).
pub fn check_options(opts: &ClvOptions) -> Result<(), ClvError> {
    if let Some(end) = opts.observation_end {
        if end <= opts.calibration_end {
            return Err(ClvError::Options(
                "the observation end must come after the calibration end".into(),
            ));
        }
    }
    if !(opts.discount_rate.is_finite() && opts.discount_rate > -1.0) {
        return Err(ClvError::Options(
            "the discount rate must be a number above -1".into(),
        ));
    }
    if opts.horizon_months == 0 {
        return Err(ClvError::Options(
            "the horizon must be at least one month".into(),
        ));
    }
    Ok(())
}

/// The analysis from summaries made elsewhere (e.g. by SQL in the store): customer `i` is
/// `summary.stats[i]`; `summary.repeat_days` feeds the holdout tracking chart and
/// `summary.cohorts` the retention table.
pub fn analyze_summary(
    summary: Summary,
    opts: &ClvOptions,
    progress: Progress,
) -> Result<Clv, ClvError> {
    check_options(opts)?;
    let last = opts.observation_end.unwrap_or(opts.calibration_end);
    let per = opts.period.days();
    let n = summary.stats.len();
    let (stats, repeat_days, months) = (summary.stats, summary.repeat_days, summary.trend);
    let cohorts = summary.cohorts.table(opts.cohort_period, last as i32);
    // Distinct (x, t_x, T) per block of customers on every core, then joined in customer
    // order (the same triples, in the same order, as one pass would give).
    let blocks = crate::par::ranges(n, 100_000, |r| {
        // Distinct triples are usually a small share of the customers.
        let mut t = Triples::with_capacity((r.len() / 8).max(1024));
        let mut of = Vec::with_capacity(r.len());
        let mut spend = Vec::new();
        for s in &stats[r] {
            match s {
                Some(s) => {
                    of.push(t.add(s.x, s.t_x, s.t, 1.0) as u32);
                    if s.x > 0 {
                        spend.push((s.x, s.zbar));
                    }
                }
                None => of.push(u32::MAX),
            }
        }
        (t, of, spend)
    });
    let mut triples = Triples::new();
    let mut triple_of = Vec::with_capacity(n);
    let mut spend_data = Vec::new();
    for (t, of, spend) in blocks {
        let remap: Vec<u32> = (0..t.len())
            .map(|j| triples.add(t.x[j], t.t_x[j], t.t[j], t.count[j]) as u32)
            .collect();
        triple_of.extend(
            of.into_iter()
                .map(|k| remap.get(k as usize).copied().unwrap_or(u32::MAX)),
        );
        spend_data.extend(spend);
    }
    let n_customers = triple_of.iter().filter(|&&k| k != u32::MAX).count();
    if n_customers == 0 {
        return Err(ClvError::NoCustomersBeforeCalibrationEnd);
    }
    progress("fit", 0, 2);
    let bgnbd = BgNbd::fit(&triples).map_err(ClvError::BgNbd)?;
    progress("fit", 1, 2);
    let gamma_gamma = GammaGamma::fit(&spend_data).map_err(ClvError::GammaGamma)?;
    drop(spend_data);
    if gamma_gamma.params.q <= 1.0 {
        return Err(ClvError::GammaGamma(FitError::Degenerate {
            parameter: "q",
            value: gamma_gamma.params.q,
        }));
    }
    progress("fit", 2, 2);

    let model = bgnbd.params;
    let horizon = opts.horizon_months as f64 * opts.month();
    let holdout_len = opts
        .observation_end
        .map(|e| (e - opts.calibration_end) as f64 / per);
    let per_triple = predict_triples(&model, &triples, opts, holdout_len, progress)?;
    drop(triples);
    let rfm = rfm(&stats, opts.calibration_end as i32, opts.rfm_bins);
    let mut clv = Clv {
        options: opts.clone(),
        stats,
        bgnbd,
        gamma_gamma,
        expected_new_customer: model.expected_new(horizon).map_err(ClvError::Prediction)?,
        n_customers,
        pareto: Pareto::default(),
        holdout: None,
        cohorts,
        churn: Churn::default(),
        rfm,
        triple_of,
        per_triple,
    };
    clv.pareto = pareto(&clv);
    clv.churn = churn(&clv, &months);
    if let Some(len) = holdout_len {
        clv.holdout =
            Some(holdout(&model, &clv, len, opts, repeat_days).map_err(ClvError::Prediction)?);
    }
    Ok(clv)
}

/// What the model predicts for every customer with one (x, t_x, T): P(alive), expected
/// purchases over the horizon, the discounted sum of expected purchases per month (CLV is
/// it times the customer's expected spend) and, with a holdout, its expected purchases.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TriplePrediction {
    pub p_alive: f64,
    pub expected: f64,
    pub discounted: f64,
    pub holdout: Option<f64>,
}

/// Per (x, T): the remaining terms' contributions shared by every t_x.
#[derive(Debug, Clone, Copy, Default)]
struct PairTerms {
    /// 1 − G(horizon)
    expected: f64,
    /// Σ_m (G(m−1) − G(m)) / (1 + d)^m
    discounted: f64,
    /// 1 − G(holdout)
    holdout: f64,
}

/// [`TriplePrediction`]s of `triples` (the one definition a cluster run uses too).
pub fn predict_triples(
    model: &BgNbd,
    triples: &Triples,
    opts: &ClvOptions,
    holdout_len: Option<f64>,
    progress: Progress,
) -> Result<Vec<TriplePrediction>, ClvError> {
    let n = triples.len();
    let month = opts.month();
    let steps = opts.horizon_months as usize;
    let discount: Vec<f64> = (1..=steps)
        .map(|m| (1.0 + opts.discount_rate).powi(-(m as i32)))
        .collect();
    let done = std::sync::atomic::AtomicU64::new(0);
    let tick = |k: u64| {
        let d = done.fetch_add(k, std::sync::atomic::Ordering::Relaxed) + k;
        progress("predict", d.min(n as u64), n as u64);
    };
    if (model.a - 1.0).abs() < 1e-7 {
        // The shared-term form divides by a − 1; at a = 1 go customer by customer.
        let one = |i: usize| -> Result<TriplePrediction, HypError> {
            let (x, tx, t) = (triples.x[i], triples.t_x[i], triples.t[i]);
            let (mut prev, mut discounted) = (0.0, 0.0);
            for (m, d) in discount.iter().enumerate() {
                let e = model.conditional_expected((m + 1) as f64 * month, x, tx, t)?;
                discounted += (e - prev) * d;
                prev = e;
            }
            Ok(TriplePrediction {
                p_alive: model.p_alive(x, tx, t),
                expected: prev,
                discounted,
                holdout: holdout_len
                    .map(|h| model.conditional_expected(h, x, tx, t))
                    .transpose()?,
            })
        };
        let out = crate::par::map(n, one, tick).map_err(ClvError::Prediction)?;
        progress("predict", n as u64, n as u64);
        return Ok(out);
    }
    // Distinct (x, T) pairs: far fewer than triples, and the expensive part depends on them only.
    let mut pair_of = Vec::with_capacity(n);
    let mut pairs: Vec<(u32, f64)> = Vec::new();
    let mut index: hashbrown::HashMap<(u32, u64), u32> = hashbrown::HashMap::new();
    for i in 0..n {
        let key = (triples.x[i], triples.t[i].to_bits());
        let next = pairs.len() as u32;
        let k = *index.entry(key).or_insert(next);
        if k == next {
            pairs.push((triples.x[i], triples.t[i]));
        }
        pair_of.push(k);
    }
    let terms = crate::par::map(
        pairs.len(),
        |k| -> Result<PairTerms, HypError> {
            let (x, t) = pairs[k];
            let (mut prev, mut discounted) = (1.0, 0.0);
            for (m, d) in discount.iter().enumerate() {
                let g = model.remaining_term((m + 1) as f64 * month, x, t)?;
                discounted += (prev - g) * d;
                prev = g;
            }
            let holdout = match holdout_len {
                Some(h) => 1.0 - model.remaining_term(h, x, t)?,
                None => 0.0,
            };
            Ok(PairTerms {
                expected: 1.0 - prev,
                discounted,
                holdout,
            })
        },
        |_| {},
    )
    .map_err(ClvError::Prediction)?;
    let out = crate::par::map(
        n,
        |i| -> Result<TriplePrediction, HypError> {
            let (x, tx, t) = (triples.x[i], triples.t_x[i], triples.t[i]);
            let p = &terms[pair_of[i] as usize];
            let scale = model.expectation_factor(x) * model.p_alive(x, tx, t);
            Ok(TriplePrediction {
                p_alive: model.p_alive(x, tx, t),
                expected: scale * p.expected,
                discounted: scale * p.discounted,
                holdout: holdout_len.map(|_| scale * p.holdout),
            })
        },
        tick,
    )
    .map_err(ClvError::Prediction)?;
    progress("predict", n as u64, n as u64);
    Ok(out)
}

fn pareto(clv: &Clv) -> Pareto {
    // The two curves' sorts on two threads.
    let (revenue_curve, clv_curve) = std::thread::scope(|scope| {
        let revenue = scope.spawn(|| {
            let mut revenue: Vec<f64> = clv.stats.iter().flatten().map(|s| s.total_spend).collect();
            lorenz(&mut revenue)
        });
        let mut value: Vec<f64> = clv.values().map(|(_, v)| v.clv).collect();
        let clv_curve = lorenz(&mut value);
        (revenue.join().expect("pareto thread"), clv_curve)
    });
    Pareto {
        top20_revenue_share: revenue_curve[20],
        top20_clv_share: clv_curve[20],
        revenue_curve,
        clv_curve,
    }
}

/// Whether a customer counts as churned (by P(alive), by inactivity) at the calibration end.
fn churn_flags(
    o: &ClvOptions,
    median_gap: f64,
    s: &CustomerStats,
    v: &CustomerValue,
) -> (bool, bool) {
    (v.p_alive < o.churn_p_alive, inactive(o, median_gap, s))
}

/// The inactivity rule: no purchase for longer than the multiple × the customer's own mean
/// interval (one-time buyers: the repeat buyers' median).
fn inactive(o: &ClvOptions, median_gap: f64, s: &CustomerStats) -> bool {
    inactive_for(s.x, s.t_x, s.t, o.churn_inactivity_multiple, median_gap)
}

/// The inactivity rule on a customer's frequency x, recency t_x and age T (periods): no
/// purchase for longer than `multiple` × their own mean interval (one-time buyers: the repeat
/// buyers' median interval, `median_gap`).
pub fn inactive_for(x: u32, t_x: f64, t: f64, multiple: f64, median_gap: f64) -> bool {
    let gap = if x > 0 {
        t_x / f64::from(x)
    } else {
        median_gap
    };
    t - t_x > multiple * gap
}

fn churn(clv: &Clv, months: &TrendCounts) -> Churn {
    let o = &clv.options;
    let mut gaps: Vec<f64> = clv
        .stats
        .iter()
        .flatten()
        .filter(|s| s.x > 0)
        .map(|s| s.t_x / f64::from(s.x))
        .collect();
    let median_gap = if gaps.is_empty() {
        0.0
    } else {
        let mid = gaps.len() / 2;
        *gaps.select_nth_unstable_by(mid, f64::total_cmp).1
    };
    drop(gaps);
    let mut c = Churn {
        p_alive_threshold: o.churn_p_alive,
        inactivity_multiple: o.churn_inactivity_multiple,
        median_gap_periods: median_gap,
        ..Churn::default()
    };
    // Counts by first-purchase day, then by cohort (a day's cohort is computed once).
    let (lo, hi) = clv
        .stats
        .iter()
        .flatten()
        .fold((i32::MAX, i32::MIN), |(lo, hi), s| {
            (lo.min(s.first_day), hi.max(s.first_day))
        });
    let days = if lo <= hi { (hi - lo) as usize + 1 } else { 0 };
    let mut by_day = vec![(0u64, 0u64, 0u64); days];
    for (i, s) in clv.stats.iter().enumerate() {
        let Some(s) = s else { continue };
        let p_alive = clv.per_triple[clv.triple_of[i] as usize].p_alive;
        let e = &mut by_day[(s.first_day - lo) as usize];
        e.0 += 1;
        e.1 += u64::from(p_alive < o.churn_p_alive);
        e.2 += u64::from(inactive(o, median_gap, s));
    }
    let mut by_cohort: std::collections::BTreeMap<i32, (u64, u64, u64)> = Default::default();
    for (d, &(n, a, b)) in by_day.iter().enumerate().filter(|(_, e)| e.0 > 0) {
        let e = by_cohort
            .entry(o.cohort_period.index(lo + d as i32))
            .or_default();
        e.0 += n;
        e.1 += a;
        e.2 += b;
        c.customers += n;
        c.churned_by_p_alive += a;
        c.churned_by_inactivity += b;
    }
    c.trend = months.rows(
        TrendSpec {
            until: o.observation_end.unwrap_or(o.calibration_end) as i32,
            inactivity_multiple: o.churn_inactivity_multiple,
        },
        median_gap * o.period.days(),
    );
    c.by_cohort = by_cohort
        .into_iter()
        .map(|(k, (n, a, b))| (o.cohort_period.start_day(k), n, a, b))
        .collect();
    c
}

const FREQUENCY_GROUPS: u32 = 8;

fn holdout(
    model: &BgNbd,
    clv: &Clv,
    length: f64,
    opts: &ClvOptions,
    mut repeat_days: Vec<i32>,
) -> Result<Holdout, HypError> {
    let mut groups: Vec<(u64, f64, f64)> = vec![(0, 0.0, 0.0); FREQUENCY_GROUPS as usize];
    let (mut actual_total, mut expected_total) = (0.0, 0.0);
    let mut firsts: Vec<i64> = Vec::new();
    for (i, v) in clv.values() {
        let Some(s) = &clv.stats[i] else { continue };
        let g = &mut groups[s.x.min(FREQUENCY_GROUPS - 1) as usize];
        let e = v.holdout_expected.unwrap_or(0.0);
        g.0 += 1;
        g.1 += s.later_days as f64;
        g.2 += e;
        actual_total += s.later_days as f64;
        expected_total += e;
        firsts.push(i64::from(s.first_day));
    }
    let by_frequency = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.0 > 0)
        .map(|(x, g)| HoldoutGroup {
            x: x as u32,
            customers: g.0,
            actual_mean: g.1 / g.0 as f64,
            expected_mean: g.2 / g.0 as f64,
        })
        .collect();
    // Tracking: weekly from the first purchase day to the observation end.
    firsts.sort_unstable();
    let mut cohorts: Vec<(i64, f64)> = Vec::new();
    for d in firsts {
        match cohorts.last_mut() {
            Some((day, c)) if *day == d => *c += 1.0,
            _ => cohorts.push((d, 1.0)),
        }
    }
    repeat_days.sort_unstable();
    let start = cohorts.first().map_or(opts.calibration_end, |c| c.0);
    let end = opts.observation_end.unwrap_or(opts.calibration_end);
    let per = opts.period.days();
    let mut tracking = Vec::new();
    let mut day = start + 6;
    let mut k = 0;
    let mut actual = 0.0;
    loop {
        let at = day.min(end);
        while k < repeat_days.len() && i64::from(repeat_days[k]) <= at {
            actual += 1.0;
            k += 1;
        }
        let mut expected = 0.0;
        for &(first, count) in &cohorts {
            if first < at {
                expected += count * model.expected_new((at - first) as f64 / per)?;
            }
        }
        tracking.push(TrackPoint {
            day: at,
            actual_cumulative: actual,
            expected_cumulative: expected,
        });
        if at >= end {
            break;
        }
        day += 7;
    }
    Ok(Holdout {
        length_periods: length,
        actual_total,
        expected_total,
        by_frequency,
        tracking,
    })
}

#[cfg(test)]
#[path = "clv_tests.rs"]
mod tests;
