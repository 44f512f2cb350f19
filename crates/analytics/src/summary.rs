//! Per-customer summary statistics from transactions, with the CDNOW convention the BG/NBD and
//! Gamma-Gamma literature uses (Fader, Hardie & Lee 2005; `../shared/datasets/cdnow/README.md`):
//!
//! - purchases on the same day are one purchase (their amounts add up);
//! - the first purchase day starts the customer's clock; `x` counts the *repeat* purchase days
//!   up to the end of calibration, `t_x` is the time from the first to the last of them and `T`
//!   the time from the first purchase to the end of calibration, in the chosen period (days,
//!   weeks of 7 days, or months of 365.25/12 days);
//! - `zbar` is the mean value of the repeat purchase days (the first day is excluded), the input
//!   of the Gamma-Gamma model; totals and first/last days cover every purchase.
//!
//! Days are counted from any fixed origin (`i64` day numbers), so the core needs no date library.

/// One purchase: a customer index, its day number and its amount (16 bytes: a file of
/// 30 million purchases fits in memory twice over).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Purchase {
    pub customer: u32,
    pub day: i32,
    pub amount: f64,
}

pub use crate::days::{civil_from_days, day_number};

/// The unit of `t_x` and `T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    /// The name used in options and summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    pub fn days(self) -> f64 {
        match self {
            Period::Day => 1.0,
            Period::Week => 7.0,
            Period::Month => 365.25 / 12.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerStats {
    /// Repeat purchase days within calibration.
    pub x: u32,
    /// First to last purchase day within calibration, in periods.
    pub t_x: f64,
    /// First purchase day to the end of calibration, in periods.
    pub t: f64,
    /// Mean value of the repeat purchase days within calibration (0 when x = 0).
    pub zbar: f64,
    pub first_day: i32,
    /// Last purchase day of all given (calibration or later).
    pub last_day: i32,
    /// Last purchase day within calibration.
    pub last_calibration_day: i32,
    /// Spend within calibration (every purchase day, the first included).
    pub calibration_spend: f64,
    /// Every purchase given, calibration or later.
    pub total_spend: f64,
    /// Purchase days of all given.
    pub purchase_days: u32,
    /// Purchase days after the end of calibration (the holdout's actual repeat purchases).
    pub later_days: u32,
}

/// Summaries for customers `0..n`, from purchases in any order. `calibration_end` is the last
/// day counted (inclusive); purchases after it count only in `last_day`, `total_spend`,
/// `purchase_days` and `later_days` (pass only the purchases up to the end of a holdout
/// period). Customers whose first purchase falls after it, or who never bought, are `None`.
/// Purchases of customers `>= n` are ignored.
pub fn summarize(
    n: usize,
    purchases: &[Purchase],
    calibration_end: i64,
    period: Period,
) -> Vec<Option<CustomerStats>> {
    summarize_with(
        n,
        purchases.to_vec(),
        calibration_end,
        period,
        false,
        None,
        None,
    )
    .stats
}

/// What [`summarize_with`] gives.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub stats: Vec<Option<CustomerStats>>,
    /// Every repeat purchase day (when asked for).
    pub repeat_days: Vec<i32>,
    /// Acquisition cohorts of every customer with purchases (when asked for).
    pub cohorts: crate::cohorts::CohortCounts,
    /// Month-end churn counts (when asked for).
    pub trend: crate::cohorts::TrendCounts,
}

/// [`summarize`], consuming the purchases (they are freed as soon as they are grouped by
/// customer, before the summaries are allocated), on every core; with `track_repeats` also
/// every repeat purchase day (any day of a customer's after their first, calibration or
/// later), for the tracking chart.
pub fn summarize_with(
    n: usize,
    purchases: Vec<Purchase>,
    calibration_end: i64,
    period: Period,
    track_repeats: bool,
    cohorts: Option<crate::cohorts::CohortPeriod>,
    trend: Option<crate::cohorts::TrendSpec>,
) -> Summary {
    // Customers in one consecutive block per core. Each block first gathers its customers'
    // purchases (a counting sort by customer over the whole list, keeping its own), then,
    // once the list is freed and before the summaries are allocated, summarises them.
    let parts = crate::par::threads().min(n / 50_000).max(1);
    let size = n.div_ceil(parts).max(1);
    let ranges: Vec<(usize, usize)> = (0..parts)
        .map(|k| ((k * size).min(n), ((k + 1) * size).min(n)))
        .collect();
    // Per block: where each customer's purchases start, and the (day, amount) of them.
    type Gathered = (Vec<u32>, Vec<(i32, f64)>);
    let gathered: Vec<Gathered> = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|&(a, b)| {
                let purchases = &purchases;
                scope.spawn(move || {
                    let len = b - a;
                    let mut start = vec![0u32; len + 1];
                    for p in purchases {
                        let c = (p.customer as usize).wrapping_sub(a);
                        if c < len {
                            start[c + 1] += 1;
                        }
                    }
                    for i in 0..len {
                        start[i + 1] += start[i];
                    }
                    let mut fill = start.clone();
                    let mut sorted = vec![(0i32, 0.0f64); start[len] as usize];
                    for p in purchases {
                        let c = (p.customer as usize).wrapping_sub(a);
                        if c < len {
                            sorted[fill[c] as usize] = (p.day, p.amount);
                            fill[c] += 1;
                        }
                    }
                    (start, sorted)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("gathering thread"))
            .collect()
    });
    drop(purchases);
    let per = period.days();
    let calibration_end = calibration_end.clamp(i32::MIN.into(), i32::MAX.into()) as i32;
    let mut out = vec![None; n];
    let mut blocks = Vec::with_capacity(parts);
    let mut rest_out = &mut out[..];
    for (&(a, b), (start, sorted)) in ranges.iter().zip(gathered) {
        let (o, ro) = rest_out.split_at_mut(b - a);
        blocks.push((o, start, sorted));
        rest_out = ro;
    }
    type Block = (
        Vec<i32>,
        crate::cohorts::CohortCounts,
        crate::cohorts::TrendCounts,
    );
    let per_block: Vec<Block> = std::thread::scope(|scope| {
        let handles: Vec<_> = blocks
            .into_iter()
            .map(|(o, start, mut p)| {
                scope.spawn(move || {
                    let mut repeats = Vec::new();
                    let mut counts = crate::cohorts::CohortCounts::default();
                    let mut months = trend
                        .map(crate::cohorts::TrendCounts::new)
                        .unwrap_or_default();
                    for (k, slot) in o.iter_mut().enumerate() {
                        let mine = &mut p[start[k] as usize..start[k + 1] as usize];
                        *slot = one_customer(mine, calibration_end, per, &mut |day| {
                            if track_repeats {
                                repeats.push(day)
                            }
                        });
                        if let Some(cp) = cohorts {
                            // `one_customer` sorted the days.
                            counts.add_customer(cp, mine.iter().map(|d| d.0));
                        }
                        months.add_customer(mine.iter().map(|d| d.0));
                    }
                    (repeats, counts, months)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("summary thread"))
            .collect()
    });
    let mut summary = Summary {
        stats: out,
        ..Summary::default()
    };
    for (repeats, counts, months) in per_block {
        summary.repeat_days.extend(repeats);
        summary.cohorts.merge(counts);
        summary.trend.merge(months);
    }
    summary
}

/// One customer's summary from their (day, amount) purchases in any order, with the CDNOW
/// convention above: the one definition every engine uses (the cluster's `fidelis_customer`
/// aggregate calls it per customer), so a customer's figures do not depend on where or in
/// which order their purchases were read.
pub fn customer_stats(
    purchases: &mut [(i32, f64)],
    calibration_end: i32,
    period: Period,
) -> Option<CustomerStats> {
    one_customer(purchases, calibration_end, period.days(), &mut |_| {})
}

/// One customer's summary from their purchases (any order; sorted here by day, and within a day
/// by amount, so the same-day sums are the same whatever order the purchases came in).
fn one_customer(
    mine: &mut [(i32, f64)],
    calibration_end: i32,
    per: f64,
    on_repeat: &mut impl FnMut(i32),
) -> Option<CustomerStats> {
    if mine.is_empty() {
        return None;
    }
    mine.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let first = mine[0].0;
    if first > calibration_end {
        return None;
    }
    let mut s = CustomerStats {
        x: 0,
        t_x: 0.0,
        t: (calibration_end - first) as f64 / per,
        zbar: 0.0,
        first_day: first,
        last_day: first,
        last_calibration_day: first,
        calibration_spend: 0.0,
        total_spend: 0.0,
        purchase_days: 0,
        later_days: 0,
    };
    let mut repeat_value = 0.0;
    let mut i = 0;
    while i < mine.len() {
        // One purchase day: every purchase of that day.
        let day = mine[i].0;
        let mut value = 0.0;
        while i < mine.len() && mine[i].0 == day {
            value += mine[i].1;
            i += 1;
        }
        s.total_spend += value;
        s.purchase_days += 1;
        s.last_day = day;
        if day != first {
            on_repeat(day);
        }
        if day <= calibration_end {
            s.calibration_spend += value;
            s.last_calibration_day = day;
            if day != first {
                s.x += 1;
                repeat_value += value;
            }
        } else {
            s.later_days += 1;
        }
    }
    s.t_x = (s.last_calibration_day - first) as f64 / per;
    if s.x > 0 {
        s.zbar = repeat_value / s.x as f64;
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(customer: u32, day: i32, amount: f64) -> Purchase {
        Purchase {
            customer,
            day,
            amount,
        }
    }

    #[test]
    fn day_numbers() {
        assert_eq!(day_number(1970, 1, 1), Some(0));
        assert_eq!(
            day_number(1997, 9, 30).unwrap() - day_number(1997, 1, 1).unwrap(),
            272
        );
        assert_eq!(day_number(2000, 2, 29), Some(11_016));
        assert_eq!(day_number(1900, 2, 29), None);
        assert_eq!(day_number(2024, 13, 1), None);
        assert_eq!(day_number(1969, 12, 31), Some(-1));
        for d in [-800_000i64, -1, 0, 10_957, 19_723, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(day_number(y as i32, m, dd), Some(d));
        }
    }

    #[test]
    fn same_day_purchases_merge_and_the_first_day_is_not_a_repeat() {
        // Customer 0: first on day 0 (two purchases), repeats on days 7 and 14 (two), then
        // day 30 after calibration (ends day 20).
        let data = [
            p(0, 14, 5.0),
            p(0, 0, 10.0),
            p(0, 7, 20.0),
            p(0, 0, 1.0),
            p(0, 14, 15.0),
            p(0, 30, 100.0),
            p(1, 3, 9.0),
            p(2, 25, 4.0),
        ];
        let s = summarize(4, &data, 20, Period::Week);
        let c0 = s[0].unwrap();
        assert_eq!(c0.x, 2);
        assert!((c0.t_x - 2.0).abs() < 1e-12);
        assert!((c0.t - 20.0 / 7.0).abs() < 1e-12);
        assert!((c0.zbar - 20.0).abs() < 1e-12, "mean of 20 and 5+15");
        assert_eq!((c0.first_day, c0.last_day, c0.purchase_days), (0, 30, 4));
        assert_eq!((c0.last_calibration_day, c0.later_days), (14, 1));
        assert!((c0.total_spend - 151.0).abs() < 1e-9);
        assert!((c0.calibration_spend - 51.0).abs() < 1e-9);
        let c1 = s[1].unwrap();
        assert_eq!((c1.x, c1.t_x, c1.zbar), (0, 0.0, 0.0));
        assert!((c1.t - 17.0 / 7.0).abs() < 1e-12);
        assert_eq!(s[2], None, "first purchase after calibration");
        assert_eq!(s[3], None, "never bought");
    }

    #[test]
    fn periods() {
        let s = summarize(1, &[p(0, 0, 1.0), p(0, 61, 1.0)], 365, Period::Month);
        let c = s[0].unwrap();
        assert!((c.t_x - 61.0 / (365.25 / 12.0)).abs() < 1e-12);
        assert!((c.t - 12.0 * 365.0 / 365.25).abs() < 1e-12);
        let d = summarize(1, &[p(0, 0, 1.0), p(0, 61, 1.0)], 365, Period::Day)[0].unwrap();
        assert_eq!((d.t_x, d.t), (61.0, 365.0));
    }
}

/// RFM scores, 1 (worst) to `bins` (best) each: recency (fewer days since the last purchase is
/// better), frequency (purchase days) and monetary value (total spend).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rfm {
    pub r: u8,
    pub f: u8,
    pub m: u8,
}

/// Quantile scores of `values` into `bins` equal-count groups, higher values scoring higher.
/// Equal values always share a score (the one of their first position in sorted order), so a
/// long run of ties does not split arbitrarily: a value's score is
/// `floor(#{values below it} · bins / n) + 1`.
///
/// Computed from `bins - 1` thresholds found by selection (linear time), not a full sort, so
/// ten million values score in a fraction of a second.
pub fn quantile_scores(values: &[f64], bins: u8) -> Vec<u8> {
    let t = quantile_thresholds(values, bins);
    values
        .iter()
        .map(|v| 1 + t.iter().filter(|th| v.total_cmp(th).is_ge()).count() as u8)
        .collect()
}

/// The smallest value scoring at least s, for s = 2..=bins (`+inf` when no value does).
fn quantile_thresholds(values: &[f64], bins: u8) -> Vec<f64> {
    let n = values.len();
    let bins = bins.max(1) as usize;
    let mut scratch: Vec<f64> = values.to_vec();
    let mut out = Vec::with_capacity(bins.saturating_sub(1));
    for s in 2..=bins {
        // First sorted position that scores s: ceil((s-1) n / bins).
        let k = ((s - 1) * n).div_ceil(bins);
        if k >= n {
            out.push(f64::INFINITY);
            continue;
        }
        let (_, &mut u, _) = scratch.select_nth_unstable_by(k, f64::total_cmp);
        let below = values.iter().filter(|v| v.total_cmp(&u).is_lt()).count();
        let threshold = if below == k {
            u
        } else {
            // u's run of ties starts before k: the threshold is the next larger value.
            values
                .iter()
                .copied()
                .filter(|v| v.total_cmp(&u).is_gt())
                .min_by(f64::total_cmp)
                .unwrap_or(f64::INFINITY)
        };
        out.push(threshold);
    }
    out
}

/// RFM scores for the customers that have a summary, as of the end of calibration `today`:
/// recency counts days since the last calibration purchase, frequency the calibration purchase
/// days (x + 1), monetary the calibration spend. `None` where the summary is.
pub fn rfm(stats: &[Option<CustomerStats>], today: i32, bins: u8) -> Vec<Option<Rfm>> {
    let have = || stats.iter().flatten();
    let score = |f: &(dyn Fn(&CustomerStats) -> f64 + Sync)| {
        let v: Vec<f64> = have().map(f).collect();
        quantile_scores(&v, bins)
    };
    // The three scores on their own cores.
    let (r, f, m) = std::thread::scope(|scope| {
        let r = scope.spawn(|| score(&|s| -f64::from(today - s.last_calibration_day)));
        let f = scope.spawn(|| score(&|s| f64::from(s.x + 1)));
        let m = score(&|s| s.calibration_spend);
        (r.join().expect("recency"), f.join().expect("frequency"), m)
    });
    let mut k = 0;
    stats
        .iter()
        .map(|s| {
            s.map(|_| {
                k += 1;
                Rfm {
                    r: r[k - 1],
                    f: f[k - 1],
                    m: m[k - 1],
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod rfm_tests {
    use super::*;

    #[test]
    fn quintiles_split_evenly_and_ties_share_a_score() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile_scores(&v, 5), vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        let rev: Vec<f64> = v.iter().rev().copied().collect();
        assert_eq!(quantile_scores(&rev, 5), vec![5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
        // Six equal values then four larger: the tie is one group, scored from its start.
        let t = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile_scores(&t, 5), vec![1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
        assert_eq!(quantile_scores(&[], 5), Vec::<u8>::new());
        assert_eq!(quantile_scores(&[7.0], 5), vec![1]);
        assert_eq!(quantile_scores(&[1.0, 2.0, 3.0], 3), vec![1, 2, 3]);
    }

    #[test]
    fn quantile_scores_follow_their_definition() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        for (n, distinct) in [(1usize, 3u32), (7, 2), (100, 5), (1000, 40), (999, 1000)] {
            let v: Vec<f64> = (0..n)
                .map(|_| f64::from(rng.gen_range(0..distinct)))
                .collect();
            for bins in [1u8, 3, 5, 10] {
                let got = quantile_scores(&v, bins);
                for (i, x) in v.iter().enumerate() {
                    let below = v.iter().filter(|y| *y < x).count();
                    assert_eq!(
                        got[i] as usize,
                        below * bins as usize / n + 1,
                        "n={n} bins={bins}"
                    );
                }
            }
        }
    }

    #[test]
    fn rfm_scores_recent_frequent_big_spenders_highest() {
        let p = |customer, day, amount| Purchase {
            customer,
            day,
            amount,
        };
        // 0: one old small purchase; 1: many recent big ones; 2: never bought.
        let data = [
            p(0, 1, 5.0),
            p(1, 50, 100.0),
            p(1, 80, 100.0),
            p(1, 99, 100.0),
        ];
        let s = summarize(3, &data, 100, Period::Day);
        let scores = rfm(&s, 100, 2);
        assert_eq!(scores[0], Some(Rfm { r: 1, f: 1, m: 1 }));
        assert_eq!(scores[1], Some(Rfm { r: 2, f: 2, m: 2 }));
        assert_eq!(scores[2], None);
    }
}
