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
    /// The period a day falls in: months since 1970-01, or weeks since Monday 1969-12-29.
    pub fn index(self, day: i32) -> i32 {
        match self {
            CohortPeriod::Month => {
                let (y, m, _) = crate::summary::civil_from_days(i64::from(day));
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
                crate::summary::day_number(y, m, 1).expect("a valid month") as i32
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
    use crate::summary::day_number;

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
}
