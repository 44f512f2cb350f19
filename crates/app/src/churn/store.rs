//! Customer lifetime value on the stored transactions: the purchase days come from SQL in the
//! store (`storage::churn`: the scan and the same-day aggregation); the summaries, cohorts,
//! fits and predictions run here on them, exactly as for a file.

use super::clv::{analysis_error, day_to_date, Purchases};
use super::ids::CustomerIds;
use crate::error::AppError;
use crate::{Actor, App};
use analytics::clv::{analyze, Clv, ClvOptions};
use analytics::summary::{day_number, Purchase};
use domain::access::Permission;

fn day_of(text: &str) -> Option<i32> {
    let num = |r: std::ops::Range<usize>| text.get(r).and_then(|v| v.parse::<u32>().ok());
    day_number(num(0..4)? as i32, num(5..7)?, num(8..10)?).map(|d| d as i32)
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
        let mut ids = CustomerIds::new();
        let mut purchases: Vec<Purchase> = Vec::new();
        let (mut first_day, mut last_day) = (i64::MAX, i64::MIN);
        progress("reading", 0, 1);
        let rows = self
            .store
            .for_each_purchase_day(&until, |external_id, day, minor| {
                if let Some(d) = day_of(day) {
                    first_day = first_day.min(i64::from(d));
                    last_day = last_day.max(i64::from(d));
                    purchases.push(Purchase {
                        customer: ids.intern(external_id),
                        day: d,
                        amount: minor as f64 / 100.0,
                    });
                }
            })
            .await?;
        progress("reading", 1, 1);
        // CPU work of a few seconds at most for millions of customers (callers with a server
        // to keep responsive run this on a blocking thread).
        let clv = analyze(ids.len(), purchases, opts, progress)
            .map_err(|e| analysis_error(&e, actor.lang))?;
        let purchases = Purchases {
            ids,
            purchases: Vec::new(),
            rows,
            first_day: if first_day == i64::MAX { 0 } else { first_day },
            last_day: if last_day == i64::MIN { 0 } else { last_day },
            referrals: Some(self.store.referral_counts().await?),
        };
        Ok((clv, purchases))
    }
}
