//! Customer lifetime value on the stored transactions: the per-customer summaries, the cohort
//! counts and the repeat days come from SQL in the store (`storage::churn`); the fits and
//! predictions run here on their result, exactly as for a file.

use super::clv::{analysis_error, day_to_date, Purchases};
use super::ids::CustomerIds;
use crate::error::AppError;
use crate::{Actor, App};
use analytics::clv::{analyze_summary, Clv, ClvOptions};
use analytics::cohorts::{CohortCounts, CohortPeriod};
use analytics::summary::{day_number, CustomerStats, Summary};
use domain::access::Permission;

fn day_of(text: &str) -> Option<i32> {
    let num = |r: std::ops::Range<usize>| text.get(r).and_then(|v| v.parse::<u32>().ok());
    day_number(num(0..4)? as i32, num(5..7)?, num(8..10)?).map(|d| d as i32)
}

/// Months since 1970-01 of a `YYYY-MM` text.
fn month_of(text: &str) -> Option<i32> {
    let y: i32 = text.get(0..4)?.parse().ok()?;
    let m: i32 = text.get(5..7)?.parse().ok()?;
    Some((y - 1970) * 12 + m - 1)
}

impl App {
    /// Analyse every stored customer's purchases up to the observation end (or the calibration
    /// end). Returns the analysis and, as for a file, the customers' external ids in order.
    pub async fn analyze_store_clv(
        &self,
        actor: &Actor,
        opts: &ClvOptions,
        progress: analytics::clv::Progress<'_>,
    ) -> Result<(Clv, Purchases), AppError> {
        actor.require(Permission::RunAnalytics)?;
        let last = opts.observation_end.unwrap_or(opts.calibration_end);
        let until = day_to_date(last + 1).to_string();
        let calibration_end = day_to_date(opts.calibration_end).to_string();
        let per = opts.period.days();
        let cal = opts.calibration_end as i32;
        let mut ids = CustomerIds::new();
        let mut stats: Vec<Option<CustomerStats>> = Vec::new();
        let (mut first_day, mut last_day, mut rows) = (i64::MAX, i64::MIN, 0u64);
        progress("summary", 0, 1);
        self.store
            .for_each_customer_purchase_days(&calibration_end, &until, |c| {
                ids.intern(&c.external_id);
                let (Some(first), Some(last_any)) = (day_of(&c.first_day), day_of(&c.last_day))
                else {
                    stats.push(None);
                    return;
                };
                first_day = first_day.min(i64::from(first));
                last_day = last_day.max(i64::from(last_any));
                rows += c.days as u64;
                let Some(last_cal) = c.last_calibration_day.as_deref().and_then(day_of) else {
                    // First purchase after the calibration end: not analysed.
                    stats.push(None);
                    return;
                };
                let x = c.x as u32;
                stats.push(Some(CustomerStats {
                    x,
                    t_x: f64::from(last_cal - first) / per,
                    t: f64::from(cal - first) / per,
                    zbar: if x > 0 {
                        c.repeat_minor as f64 / 100.0 / f64::from(x)
                    } else {
                        0.0
                    },
                    first_day: first,
                    last_day: last_any,
                    last_calibration_day: last_cal,
                    calibration_spend: c.calibration_minor as f64 / 100.0,
                    total_spend: c.total_minor as f64 / 100.0,
                    purchase_days: c.days as u32,
                    later_days: c.later_days as u32,
                }));
            })
            .await?;
        let mut summary = Summary {
            stats,
            ..Summary::default()
        };
        if opts.observation_end.is_some() {
            for (day, n) in self.store.repeat_days_per_day(&until).await? {
                if let Some(d) = day_of(&day) {
                    summary
                        .repeat_days
                        .extend(std::iter::repeat_n(d, n as usize));
                }
            }
        }
        // Month cohorts from SQL; week cohorts need the days, which stay in the store.
        let mut counts = CohortCounts::default();
        for (cohort, month, n) in self.store.cohort_month_counts(&until).await? {
            if let (Some(c), Some(m)) = (month_of(&cohort), month_of(&month)) {
                counts.add_active(c, (m - c) as usize, n as u64);
            }
        }
        summary.cohorts = counts;
        progress("summary", 1, 1);
        let mut opts = opts.clone();
        opts.cohort_period = CohortPeriod::Month;
        // CPU work of a few seconds at most for millions of customers (callers with a server
        // to keep responsive run this on a blocking thread).
        let clv = analyze_summary(summary, &opts, progress)
            .map_err(|e| analysis_error(&e, actor.lang))?;
        let purchases = Purchases {
            ids,
            purchases: Vec::new(),
            rows,
            first_day: if first_day == i64::MAX { 0 } else { first_day },
            last_day: if last_day == i64::MIN { 0 } else { last_day },
        };
        Ok((clv, purchases))
    }
}
