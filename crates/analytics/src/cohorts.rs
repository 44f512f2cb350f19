//! Acquisition cohorts (SPEC.md §4): customers grouped by the month (or Monday-based week) of
//! their first purchase, and for each cohort the share that bought again in each period since —
//! the classic retention triangle. Period 0 is the acquisition period itself (100 % by
//! definition); period k counts customers with a purchase in the k-th calendar period after it.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CohortPeriod {
    Month,
    Week,
}

impl CohortPeriod {
    /// The name used in options and summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            CohortPeriod::Month => "month",
            CohortPeriod::Week => "week",
        }
    }

    /// The period a day falls in: months since 1970-01, or weeks since Monday 1969-12-29.
    pub fn index(self, day: i32) -> i32 {
        match self {
            CohortPeriod::Month => {
                let (y, m, _) = crate::days::civil_from_days(i64::from(day));
                (y as i32 - 1970) * 12 + m as i32 - 1
            }
            // 1970-01-01 was a Thursday: shift so weeks start on Monday.
            CohortPeriod::Week => (day + 3).div_euclid(7),
        }
    }

    /// First day of period `index`.
    pub fn start_day(self, index: i32) -> i32 {
        match self {
            CohortPeriod::Month => {
                let (y, m) = (1970 + index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
                crate::days::day_number(y, m, 1).expect("a valid month") as i32
            }
            CohortPeriod::Week => index * 7 - 3,
        }
    }
}

/// Counts per cohort, filled customer by customer (one per thread, then merged).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CohortCounts {
    /// cohort period index → (customers, customers active in period k since acquisition)
    counts: BTreeMap<i32, (u64, Vec<u64>)>,
}

impl CohortCounts {
    /// Add one customer from their purchase days in ascending order.
    pub fn add_customer(&mut self, period: CohortPeriod, days: impl Iterator<Item = i32>) {
        let mut days = days.peekable();
        let Some(&first) = days.peek() else { return };
        let cohort = period.index(first);
        let entry = self.counts.entry(cohort).or_default();
        entry.0 += 1;
        let mut last_k = -1;
        for d in days {
            let k = period.index(d) - cohort;
            if k != last_k {
                let k_us = k as usize;
                if entry.1.len() <= k_us {
                    entry.1.resize(k_us + 1, 0);
                }
                entry.1[k_us] += 1;
                last_k = k;
            }
        }
    }

    pub fn merge(&mut self, other: CohortCounts) {
        for (cohort, (n, active)) in other.counts {
            let e = self.counts.entry(cohort).or_default();
            e.0 += n;
            if e.1.len() < active.len() {
                e.1.resize(active.len(), 0);
            }
            for (k, a) in active.into_iter().enumerate() {
                e.1[k] += a;
            }
        }
    }

    /// The retention table, periods limited to those observed up to `last_day` (later cells of
    /// young cohorts are not yet known, not zero).
    pub fn table(&self, period: CohortPeriod, last_day: i32) -> Vec<Cohort> {
        let last = period.index(last_day);
        self.counts
            .iter()
            .map(|(&cohort, (size, active))| {
                let observed = (last - cohort + 1).max(0) as usize;
                Cohort {
                    start_day: period.start_day(cohort),
                    customers: *size,
                    retained: (0..observed)
                        .map(|k| active.get(k).copied().unwrap_or(0) as f64 / *size as f64)
                        .collect(),
                }
            })
            .collect()
    }
}

/// What the churn trend counts: month ends up to `until` (a day; the last month ends there),
/// and the inactivity rule's multiple.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendSpec {
    pub until: i32,
    pub inactivity_multiple: f64,
}

/// Months of trend kept at most (the most recent).
const TREND_MONTHS: i32 = 120;

/// Counts at each month end, filled customer by customer (one per thread, then merged), for
/// the churn and retention trend of SPEC.md §4 under the inactivity rule: at a month end, a
/// customer with two or more purchase days so far is churned when the days since their last
/// purchase exceed the multiple × their own mean interval; a one-time buyer when the days since
/// their purchase exceed the multiple × the repeat buyers' median interval, known only at the
/// end (so their elapsed days are kept as a histogram and counted in [`TrendCounts::rows`]).
///
/// The months are a fixed window (the last [`TREND_MONTHS`] up to `until`) in a vector, with
/// their first days computed once: this runs for every customer and month.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrendCounts {
    spec: Option<TrendSpec>,
    /// Month index of the window's first month.
    base: i32,
    /// First day of each month of the window, and of the month after it.
    starts: Vec<i32>,
    months: Vec<MonthCounts>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct MonthCounts {
    customers: u64,
    active: u64,
    /// Active this month and the month before.
    repeat: u64,
    churned_repeaters: u64,
    /// One-time buyers so far by days since their purchase.
    one_timer_days: Vec<u32>,
}

/// One month end of the trend.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendRow {
    /// The month's last day (or `until` for the last month).
    pub end_day: i32,
    /// Customers acquired by then.
    pub customers: u64,
    /// Of them, with a purchase in the month.
    pub active: u64,
    /// Of those active the month before, the ones active again in this month.
    pub repeat: u64,
    pub active_before: u64,
    pub churned: u64,
}

impl TrendRow {
    pub fn churn_rate(&self) -> f64 {
        self.churned as f64 / self.customers.max(1) as f64
    }
}

impl TrendCounts {
    pub fn new(spec: TrendSpec) -> TrendCounts {
        let m = CohortPeriod::Month;
        let last = m.index(spec.until);
        let base = last - TREND_MONTHS + 1;
        TrendCounts {
            spec: Some(spec),
            base,
            starts: (base..=last + 1).map(|k| m.start_day(k)).collect(),
            months: vec![MonthCounts::default(); TREND_MONTHS as usize],
        }
    }

    /// Add one customer from their purchase days in ascending order (repeats allowed).
    pub fn add_customer(&mut self, days: impl Iterator<Item = i32>) {
        let Some(spec) = self.spec else { return };
        let mut days = days.take_while(|&d| d <= spec.until).peekable();
        let Some(&first) = days.peek() else { return };
        // The first month of the window this customer is in (earlier days only count).
        let from = self
            .starts
            .partition_point(|&s| s <= first)
            .saturating_sub(1);
        let (mut n, mut last) = (0u32, i32::MIN);
        let mut was_active = false;
        for k in from..self.months.len() {
            let end = (self.starts[k + 1] - 1).min(spec.until);
            while let Some(&d) = days.peek() {
                if d > end {
                    break;
                }
                if d != last {
                    n += 1;
                    last = d;
                }
                days.next();
            }
            if n == 0 {
                continue;
            }
            let active = last >= self.starts[k];
            let e = &mut self.months[k];
            e.customers += 1;
            e.active += u64::from(active);
            e.repeat += u64::from(active && was_active);
            if n >= 2 {
                let gap = f64::from(last - first) / f64::from(n - 1);
                e.churned_repeaters +=
                    u64::from(f64::from(end - last) > spec.inactivity_multiple * gap);
            } else {
                let i = (end - first) as usize;
                if e.one_timer_days.len() <= i {
                    e.one_timer_days.resize(i + 1, 0);
                }
                e.one_timer_days[i] += 1;
            }
            was_active = active;
        }
    }

    pub fn merge(&mut self, other: TrendCounts) {
        if self.spec.is_none() {
            *self = other;
            return;
        }
        for (e, o) in self.months.iter_mut().zip(other.months) {
            e.customers += o.customers;
            e.active += o.active;
            e.repeat += o.repeat;
            e.churned_repeaters += o.churned_repeaters;
            if e.one_timer_days.len() < o.one_timer_days.len() {
                e.one_timer_days.resize(o.one_timer_days.len(), 0);
            }
            for (k, v) in o.one_timer_days.into_iter().enumerate() {
                e.one_timer_days[k] += v;
            }
        }
    }

    /// The month ends, with one-time buyers churned when inactive for more than
    /// `multiple × median_gap_days` days.
    pub fn rows(&self, spec: TrendSpec, median_gap_days: f64) -> Vec<TrendRow> {
        let limit = spec.inactivity_multiple * median_gap_days;
        let mut out = Vec::with_capacity(self.months.len());
        let mut active_before = 0;
        for (k, c) in self.months.iter().enumerate() {
            if c.customers == 0 {
                continue;
            }
            let one_timers: u64 = c
                .one_timer_days
                .iter()
                .enumerate()
                .filter(|(days, _)| *days as f64 > limit)
                .map(|(_, n)| u64::from(*n))
                .sum();
            out.push(TrendRow {
                end_day: (self.starts[k + 1] - 1).min(spec.until),
                customers: c.customers,
                active: c.active,
                repeat: c.repeat,
                active_before,
                churned: c.churned_repeaters + one_timers,
            });
            active_before = c.active;
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    /// First day of the acquisition period.
    pub start_day: i32,
    pub customers: u64,
    /// Share of the cohort with a purchase in period k = 0, 1, … since acquisition.
    pub retained: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::days::day_number;

    fn d(y: i32, m: u32, dd: u32) -> i32 {
        day_number(y, m, dd).unwrap() as i32
    }

    #[test]
    fn periods_and_their_first_days() {
        assert_eq!(CohortPeriod::Month.index(d(1970, 1, 31)), 0);
        assert_eq!(CohortPeriod::Month.index(d(2024, 3, 5)), 54 * 12 + 2);
        assert_eq!(CohortPeriod::Month.start_day(54 * 12 + 2), d(2024, 3, 1));
        // 2024-03-04 is a Monday, 2024-03-10 a Sunday.
        let w = CohortPeriod::Week.index(d(2024, 3, 4));
        assert_eq!(CohortPeriod::Week.index(d(2024, 3, 10)), w);
        assert_eq!(CohortPeriod::Week.index(d(2024, 3, 11)), w + 1);
        assert_eq!(CohortPeriod::Week.start_day(w), d(2024, 3, 4));
        assert_eq!(CohortPeriod::Week.index(d(1969, 12, 28)), -1);
    }

    #[test]
    fn a_hand_computed_triangle() {
        let p = CohortPeriod::Month;
        let mut c = CohortCounts::default();
        // January cohort: A buys Jan, Feb, Feb, Apr; B buys Jan only; C buys Jan and Mar.
        c.add_customer(
            p,
            [d(2024, 1, 3), d(2024, 2, 1), d(2024, 2, 20), d(2024, 4, 9)].into_iter(),
        );
        c.add_customer(p, [d(2024, 1, 30)].into_iter());
        let mut other = CohortCounts::default();
        other.add_customer(p, [d(2024, 1, 5), d(2024, 3, 5)].into_iter());
        // February cohort: D buys Feb and Mar.
        other.add_customer(p, [d(2024, 2, 14), d(2024, 3, 1)].into_iter());
        c.merge(other);
        let t = c.table(p, d(2024, 4, 30));
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].start_day, t[0].customers), (d(2024, 1, 1), 3));
        let third = 1.0 / 3.0;
        assert_eq!(t[0].retained, vec![1.0, third, third, third]);
        assert_eq!((t[1].start_day, t[1].customers), (d(2024, 2, 1), 1));
        assert_eq!(t[1].retained, vec![1.0, 1.0, 0.0]);
        // Observed only to the end of February: January's cohort has two known periods.
        assert_eq!(c.table(p, d(2024, 2, 29))[0].retained.len(), 2);
    }

    #[test]
    fn a_hand_computed_trend() {
        let spec = TrendSpec {
            until: d(2024, 4, 15),
            inactivity_multiple: 2.0,
        };
        let mut t = TrendCounts::new(spec);
        // A: Jan 1, Jan 11, Jan 21 (mean interval 10 days), then nothing.
        t.add_customer(
            [
                d(2024, 1, 1),
                d(2024, 1, 11),
                d(2024, 1, 11),
                d(2024, 1, 21),
            ]
            .into_iter(),
        );
        let mut other = TrendCounts::new(spec);
        // B: one purchase on Feb 10. C: Mar 1 and Apr 1 (and one after `until`).
        other.add_customer([d(2024, 2, 10)].into_iter());
        other.add_customer([d(2024, 3, 1), d(2024, 4, 1), d(2024, 5, 1)].into_iter());
        // Merged into an empty count, as the summary does.
        let mut all = TrendCounts::default();
        all.merge(t);
        all.merge(other);
        let t = all;
        // Repeat buyers' median interval: say 30 days, so one-timers churn after 60 days.
        let rows = t.rows(spec, 30.0);
        let ends: Vec<i32> = rows.iter().map(|r| r.end_day).collect();
        assert_eq!(
            ends,
            vec![
                d(2024, 1, 31),
                d(2024, 2, 29),
                d(2024, 3, 31),
                d(2024, 4, 15)
            ]
        );
        let counts: Vec<(u64, u64, u64, u64, u64)> = rows
            .iter()
            .map(|r| (r.customers, r.active, r.repeat, r.active_before, r.churned))
            .collect();
        // Jan 31: A active, 10 days since last ≤ 20: not churned.
        // Feb 29: A 39 days > 20: churned; B active (19 days).
        // Mar 31: A churned; B 50 days ≤ 60: not; C active, one-timer so far (30 days).
        // Apr 15: A churned; B 65 > 60: churned; C active again (interval 31, 14 days): not.
        assert_eq!(
            counts,
            vec![
                (1, 1, 0, 0, 0),
                (2, 1, 0, 1, 1),
                (3, 1, 0, 1, 1),
                (3, 1, 1, 1, 2),
            ]
        );
        assert!((rows[3].churn_rate() - 2.0 / 3.0).abs() < 1e-12);
    }
}
