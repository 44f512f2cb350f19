//! Customer lifetime value on the stored transactions, as saved analysis runs. The purchase days
//! come from SQL in the store (`storage::churn`: the scan and the same-day aggregation); the
//! summaries, cohorts, fits and predictions run here on a blocking thread, exactly as for a file;
//! then the run's summary and every customer's values are saved in one transaction, replacing
//! the previous run's (`analysis_runs`, `customer_values`). The web and the API start runs in
//! the background ([`App::start_clv_run`]); the CLI runs one in the foreground.

use super::clv::{analysis_error, day_to_date, summary_json, Purchases};
use super::ids::CustomerIds;
use crate::error::AppError;
use crate::jobs::{JobKind, Progress};
use crate::{Actor, App};
use analytics::clv::{analyze, Clv, ClvOptions};
use analytics::summary::{day_number, Purchase};
use domain::access::Permission;
use domain::ErrorCode;
use serde_json::{json, Value};
use std::sync::Arc;
use storage::churn::{CustomerValueRow, PurchaseMix};

/// Each customer's transactions, on promotion and in their most used store, counted as the scan
/// passes (a customer's rows come together), and which store that is.
#[derive(Default)]
struct MixTally {
    mix: Vec<PurchaseMix>,
    /// Each customer's main store (most transactions; ties to the first seen), interned.
    main: Vec<Arc<str>>,
    names: Vec<Arc<str>>,
    /// The current customer's transactions per store.
    stores: Vec<(String, i64)>,
}

impl MixTally {
    fn add(&mut self, customer: usize, store: &str, purchases: i64, promoted: i64) {
        if customer >= self.mix.len() {
            self.close();
            self.mix.resize(customer + 1, PurchaseMix::default());
            self.main.resize(customer + 1, Arc::from(""));
        }
        let m = &mut self.mix[customer];
        m.purchases += purchases;
        m.promoted += promoted;
        match self.stores.iter_mut().find(|(s, _)| s == store) {
            Some((_, n)) => *n += purchases,
            None => self.stores.push((store.to_string(), purchases)),
        }
    }

    /// The current customer is complete: keep their top store and its count.
    fn close(&mut self) {
        let mut top: Option<&(String, i64)> = None;
        for s in &self.stores {
            if top.is_none_or(|t| s.1 > t.1) {
                top = Some(s);
            }
        }
        if let (Some(m), Some(main), Some((name, n))) =
            (self.mix.last_mut(), self.main.last_mut(), top)
        {
            m.top_store = *n;
            *main = match self.names.iter().find(|k| ***k == **name) {
                Some(k) => k.clone(),
                None => {
                    let k: Arc<str> = Arc::from(name.as_str());
                    self.names.push(k.clone());
                    k
                }
            };
        }
        self.stores.clear();
    }

    fn finish(mut self) -> (Vec<PurchaseMix>, Vec<Arc<str>>) {
        self.close();
        (self.mix, self.main)
    }
}

/// A progress callback that can go to another thread: (stage, done, total).
pub type SharedProgress = Arc<dyn Fn(&str, u64, u64) + Send + Sync>;

/// The kind of `analysis_runs` row these are.
pub const CLV_RUN: &str = "clv";

fn day_of(text: &str) -> Option<i32> {
    let num = |r: std::ops::Range<usize>| text.get(r).and_then(|v| v.parse::<u32>().ok());
    day_number(num(0..4)? as i32, num(5..7)?, num(8..10)?).map(|d| d as i32)
}

/// The options as saved with a run (and shown with its results).
pub fn options_json(o: &ClvOptions) -> Value {
    json!({
        "calibration_end": day_to_date(o.calibration_end).to_string(),
        "observation_end": o.observation_end.map(|d| day_to_date(d).to_string()),
        "period": o.period.as_str(),
        "horizon_months": o.horizon_months,
        "discount_rate": o.discount_rate,
        "rfm_bins": o.rfm_bins,
        "cohort": o.cohort_period.as_str(),
        "churn_threshold": o.churn_p_alive,
        "inactivity_multiple": o.churn_inactivity_multiple,
    })
}

/// One customer's saved values.
fn value_row(
    clv: &Clv,
    store_ids: &[i64],
    mix: &[PurchaseMix],
    main_store: &[Arc<str>],
    i: usize,
    v: &analytics::clv::CustomerValue,
) -> Option<CustomerValueRow> {
    let s = clv.stats[i].as_ref()?;
    let (by_alive, by_inactivity) = clv.churned(i, v)?;
    Some(CustomerValueRow {
        customer_id: *store_ids.get(i)?,
        run_id: 0,
        frequency: i64::from(s.x),
        recency: s.t_x,
        age: s.t,
        monetary: s.zbar,
        total_spend: s.total_spend,
        rfm_r: i64::from(v.rfm.r),
        rfm_f: i64::from(v.rfm.f),
        rfm_m: i64::from(v.rfm.m),
        p_alive: v.p_alive,
        expected_purchases: v.expected_purchases,
        expected_spend: v.expected_spend,
        clv: v.clv,
        churned_p_alive: by_alive,
        churned_inactivity: by_inactivity,
        first_purchase: day_to_date(i64::from(s.first_day)).to_string(),
        last_purchase: day_to_date(i64::from(s.last_day)).to_string(),
        mix: mix.get(i).copied().unwrap_or_default(),
        main_store: main_store
            .get(i)
            .map_or_else(String::new, |s| s.to_string()),
    })
}

impl App {
    /// Analyse every stored customer's purchases up to the observation end (or the calibration
    /// end), without saving. Returns the analysis and the customers (external and store ids).
    pub async fn analyze_store_clv(
        &self,
        actor: &Actor,
        opts: &ClvOptions,
        progress: SharedProgress,
    ) -> Result<(Clv, Purchases), AppError> {
        actor.require(Permission::RunAnalytics)?;
        let last = opts.observation_end.unwrap_or(opts.calibration_end);
        let until = day_to_date(last + 1).to_string();
        let mut ids = CustomerIds::new();
        let mut store_ids: Vec<i64> = Vec::new();
        let mut purchases: Vec<Purchase> = Vec::new();
        let mut mix = MixTally::default();
        let (mut first_day, mut last_day) = (i64::MAX, i64::MIN);
        progress("reading", 0, 1);
        let rows = self
            .store
            .for_each_purchase_day(&until, |p| {
                let Some(d) = day_of(p.day) else { return };
                first_day = first_day.min(i64::from(d));
                last_day = last_day.max(i64::from(d));
                let index = ids.intern(p.external_id);
                if index as usize == store_ids.len() {
                    store_ids.push(p.customer_id);
                }
                mix.add(index as usize, p.store, p.purchases, p.promoted);
                // The same day in another store: one purchase day.
                match purchases.last_mut() {
                    Some(last) if last.customer == index && last.day == d => {
                        last.amount += p.minor as f64 / 100.0
                    }
                    _ => purchases.push(Purchase {
                        customer: index,
                        day: d,
                        amount: p.minor as f64 / 100.0,
                    }),
                }
            })
            .await?;
        progress("reading", 1, 1);
        // Seconds of CPU for millions of customers: off the async workers.
        let (n, opts2, lang, p2) = (ids.len(), opts.clone(), actor.lang, progress.clone());
        let clv = tokio::task::spawn_blocking(move || {
            analyze(n, purchases, &opts2, &*p2).map_err(|e| analysis_error(&e, lang))
        })
        .await
        .map_err(AppError::internal)??;
        let (mix, main_store) = mix.finish();
        let purchases = Purchases {
            ids,
            store_ids,
            purchases: Vec::new(),
            rows,
            first_day: if first_day == i64::MAX { 0 } else { first_day },
            last_day: if last_day == i64::MIN { 0 } else { last_day },
            referrals: Some(self.store.referral_counts().await?),
            mix,
            main_store,
        };
        Ok((clv, purchases))
    }

    /// Analyse the store and save the results as a new run (its id is returned with them).
    pub async fn run_clv(
        &self,
        actor: &Actor,
        opts: &ClvOptions,
        progress: SharedProgress,
    ) -> Result<(i64, Clv, Purchases), AppError> {
        actor.require(Permission::RunAnalytics)?;
        let id = self
            .store
            .create_analysis_run(CLV_RUN, &options_json(opts), &actor.username)
            .await?;
        match self.run_clv_into(id, actor, opts, progress).await {
            Ok((clv, p)) => Ok((id, clv, p)),
            Err(e) => {
                let message = e.clone().localized(actor.lang).message;
                self.store.fail_analysis_run(id, &message).await?;
                Err(e)
            }
        }
    }

    async fn run_clv_into(
        &self,
        id: i64,
        actor: &Actor,
        opts: &ClvOptions,
        progress: SharedProgress,
    ) -> Result<(Clv, Purchases), AppError> {
        let (clv, p) = self
            .analyze_store_clv(actor, opts, progress.clone())
            .await?;
        let summary = summary_json(&clv, &p);
        let total = clv.n_customers as u64;
        let mut done = 0u64;
        let mut rows = clv.values().filter_map(|(i, v)| {
            done += 1;
            if done.is_multiple_of(20_000) {
                progress("saving", done, total);
            }
            value_row(&clv, &p.store_ids, &p.mix, &p.main_store, i, &v).map(Ok)
        });
        progress("saving", 0, total);
        self.store
            .complete_analysis_run(id, &summary, &mut rows)
            .await?;
        drop(rows);
        progress("saving", total, total);
        Ok((clv, p))
    }

    /// Start a run in the background and return its id at once; its progress is in
    /// `self.jobs` (kind `Analysis`) while it runs, its outcome in `analysis_runs`. One run at a
    /// time per process.
    pub async fn start_clv_run(&self, actor: &Actor, opts: ClvOptions) -> Result<i64, AppError> {
        actor.require(Permission::RunAnalytics)?;
        if self.jobs.any(JobKind::Analysis) {
            return Err(AppError::new(ErrorCode::AnalysisRunning, actor.lang));
        }
        let id = self
            .store
            .create_analysis_run(CLV_RUN, &options_json(&opts), &actor.username)
            .await?;
        let jobs = self.jobs.clone();
        jobs.set(JobKind::Analysis, id, Progress::default());
        let progress: SharedProgress = Arc::new(move |stage, done, total| {
            jobs.set(
                JobKind::Analysis,
                id,
                Progress {
                    stage: stage.to_string(),
                    done,
                    total,
                },
            )
        });
        let (app, actor) = (self.clone(), actor.clone());
        tokio::spawn(async move {
            let r = app.run_clv_into(id, &actor, &opts, progress).await;
            if let Err(e) = r {
                let message = e.localized(actor.lang).message;
                tracing::warn!(run = id, "analysis failed: {message}");
                if let Err(e) = app.store.fail_analysis_run(id, &message).await {
                    tracing::error!(run = id, "cannot record the failed analysis: {e}");
                }
            }
            app.jobs.finish(JobKind::Analysis, id);
        });
        Ok(id)
    }
}

/// A run as the API and the pages ask for it: every field optional, with the CLI's defaults
/// (calibration ends today, weeks, 12 months at 1 % a month, quintiles, month cohorts, churn at
/// P(alive) < 0.5 or 3 × the customer's own purchase interval).
#[derive(Debug, Clone, serde::Deserialize, Default)]
#[serde(default)]
pub struct ClvRunRequest {
    pub calibration_end: Option<String>,
    pub observation_end: Option<String>,
    pub period: Option<String>,
    pub horizon_months: Option<u32>,
    pub discount_rate: Option<f64>,
    pub rfm_bins: Option<u8>,
    pub cohort: Option<String>,
    pub churn_threshold: Option<f64>,
    pub inactivity_multiple: Option<f64>,
}

impl ClvRunRequest {
    /// The options, or an error naming the field.
    pub fn options(&self, lang: domain::Lang) -> Result<ClvOptions, AppError> {
        use super::clv::parse_date_option;
        let date = |name: &str, v: &Option<String>| -> Result<Option<i64>, AppError> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => parse_date_option(name, s)
                    .map(Some)
                    .map_err(|e| AppError::field(lang, name, e)),
            }
        };
        let say = |en: String, zh: String| match lang {
            domain::Lang::En => en,
            domain::Lang::ZhCn => zh,
        };
        let today = parse_date_option("today", &domain::time::now_stored()[..10])
            .map_err(AppError::internal)?;
        let calibration_end = date("calibration_end", &self.calibration_end)?.unwrap_or(today);
        let observation_end = date("observation_end", &self.observation_end)?;
        let period = match self.period.as_deref().unwrap_or("week") {
            "day" => analytics::summary::Period::Day,
            "week" => analytics::summary::Period::Week,
            "month" => analytics::summary::Period::Month,
            other => {
                return Err(AppError::field(
                    lang,
                    "period",
                    say(
                        format!("'{other}' is not day, week or month"),
                        format!("“{other}”不是 day、week 或 month"),
                    ),
                ))
            }
        };
        let cohort_period = match self.cohort.as_deref().unwrap_or("month") {
            "month" => analytics::cohorts::CohortPeriod::Month,
            "week" => analytics::cohorts::CohortPeriod::Week,
            other => {
                return Err(AppError::field(
                    lang,
                    "cohort",
                    say(
                        format!("'{other}' is not month or week"),
                        format!("“{other}”不是 month 或 week"),
                    ),
                ))
            }
        };
        let horizon_months = self.horizon_months.unwrap_or(12);
        if !(1..=120).contains(&horizon_months) {
            return Err(AppError::field(
                lang,
                "horizon_months",
                say("1 to 120 months".into(), "1 到 120 个月".into()),
            ));
        }
        let rfm_bins = self.rfm_bins.unwrap_or(5);
        if !(2..=10).contains(&rfm_bins) {
            return Err(AppError::field(
                lang,
                "rfm_bins",
                say("2 to 10 levels".into(), "2 到 10 级".into()),
            ));
        }
        let churn_p_alive = self.churn_threshold.unwrap_or(0.5);
        if !(churn_p_alive > 0.0 && churn_p_alive < 1.0) {
            return Err(AppError::field(
                lang,
                "churn_threshold",
                say(
                    "a probability between 0 and 1".into(),
                    "应为 0 到 1 之间的概率".into(),
                ),
            ));
        }
        let churn_inactivity_multiple = self.inactivity_multiple.unwrap_or(3.0);
        if !(churn_inactivity_multiple > 0.0 && churn_inactivity_multiple.is_finite()) {
            return Err(AppError::field(
                lang,
                "inactivity_multiple",
                say("a positive number".into(), "应为正数".into()),
            ));
        }
        let discount_rate = self.discount_rate.unwrap_or(0.01);
        if !(0.0..1.0).contains(&discount_rate) {
            return Err(AppError::field(
                lang,
                "discount_rate",
                say(
                    "a monthly rate from 0 to below 1".into(),
                    "应为 0 到 1（不含）之间的月利率".into(),
                ),
            ));
        }
        if observation_end.is_some_and(|o| o <= calibration_end) {
            return Err(AppError::field(
                lang,
                "observation_end",
                say(
                    "must come after the calibration end".into(),
                    "必须晚于校准截止日期".into(),
                ),
            ));
        }
        Ok(ClvOptions {
            calibration_end,
            observation_end,
            period,
            horizon_months,
            discount_rate,
            rfm_bins,
            cohort_period,
            churn_p_alive,
            churn_inactivity_multiple,
        })
    }
}
