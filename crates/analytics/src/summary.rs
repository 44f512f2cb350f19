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

/// One purchase: a customer index, its day number and its amount.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Purchase {
    pub customer: usize,
    pub day: i64,
    pub amount: f64,
}

/// The unit of `t_x` and `T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Period {
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
    pub first_day: i64,
    pub last_day: i64,
    /// Every purchase, calibration or not.
    pub total_spend: f64,
    pub purchase_days: u32,
}

/// Summaries for customers `0..n`, from purchases in any order. `calibration_end` is the last
/// day counted (inclusive). Customers whose first purchase falls after it, or who never bought,
/// are `None`.
pub fn summarize(
    n: usize,
    purchases: &[Purchase],
    calibration_end: i64,
    period: Period,
) -> Vec<Option<CustomerStats>> {
    // Sort (customer, day) so each customer's days come together and in order.
    let mut order: Vec<&Purchase> = purchases.iter().filter(|p| p.customer < n).collect();
    order.sort_by_key(|p| (p.customer, p.day));
    let mut out = vec![None; n];
    let mut i = 0;
    while i < order.len() {
        let c = order[i].customer;
        let first = order[i].day;
        let (mut x, mut last_cal, mut repeat_value, mut total, mut days) =
            (0u32, first, 0.0, 0.0, 0);
        let mut last_day = first;
        while i < order.len() && order[i].customer == c {
            // One purchase day: every purchase of that day.
            let day = order[i].day;
            let mut value = 0.0;
            while i < order.len() && order[i].customer == c && order[i].day == day {
                value += order[i].amount;
                i += 1;
            }
            total += value;
            days += 1;
            last_day = day;
            if day != first && day <= calibration_end {
                x += 1;
                last_cal = day;
                repeat_value += value;
            }
        }
        if first > calibration_end {
            continue;
        }
        let p = period.days();
        out[c] = Some(CustomerStats {
            x,
            t_x: (last_cal - first) as f64 / p,
            t: (calibration_end - first) as f64 / p,
            zbar: if x > 0 { repeat_value / x as f64 } else { 0.0 },
            first_day: first,
            last_day,
            total_spend: total,
            purchase_days: days,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(customer: usize, day: i64, amount: f64) -> Purchase {
        Purchase {
            customer,
            day,
            amount,
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
        assert!((c0.total_spend - 151.0).abs() < 1e-9);
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
