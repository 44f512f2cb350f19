//! The home page's figures (SPEC.md §7): for a period and a customer segment, satisfaction by
//! wave (CSI, CSAT, NPS, the last change and whether it is significant), the period's
//! complaints with their deadline breaches, the complaint recovery rate, the headline churn and
//! retention with their trend over classifications, the loyalty-type mix, the CLV distribution
//! and Pareto curve of the latest analysis, and action plans open and overdue — each with what
//! it measures and as of when. Computed once and kept for [`FRESH_FOR`] (the page says "as of"),
//! never recomputed on every page load; what needs attention now is read live, per user.

use crate::surveys::results::Est;
use crate::{Actor, App, AppError};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use domain::access::Permission;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use storage::home::CustomerScope;

/// How long computed figures are shown before they are computed again.
pub const FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(300);

/// Waves on the satisfaction trend at most.
const WAVES: usize = 6;

/// The period a home page shows: `[from, to)` in company-local days.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// `month`, `quarter`, `year` (the current one, company time) or `custom` from..=to.
    pub fn parse(
        kind: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Option<Period> {
        let first = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1);
        let (y, m) = (today.year(), today.month());
        let next_month = |y: i32, m: u32| {
            if m == 12 {
                first(y + 1, 1)
            } else {
                first(y, m + 1)
            }
        };
        match kind {
            "" | "month" => Some(Period {
                from: first(y, m)?,
                to: next_month(y, m)?,
            }),
            "quarter" => {
                let q = (m - 1) / 3 * 3 + 1;
                Some(Period {
                    from: first(y, q)?,
                    to: next_month(y, q + 2)?,
                })
            }
            "year" => Some(Period {
                from: first(y, 1)?,
                to: first(y + 1, 1)?,
            }),
            "custom" => {
                let (f, t) = (from?, to?);
                (f <= t && (t - f).num_days() <= 3660).then(|| Period {
                    from: f,
                    to: t + Duration::days(1),
                })
            }
            _ => None,
        }
    }
}

/// Whom a home page is about: the whole base, or the customers of a segment, of a main store
/// (complaints: made at it) or of a saved segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Scope {
    All,
    Segment(String),
    Store(String),
    Saved(i64),
}

impl Scope {
    /// A page's value: empty (all), `segment:NAME`, `store:NAME` or `saved:ID`.
    pub fn parse(s: &str) -> Option<Scope> {
        let s = s.trim();
        if s.is_empty() {
            return Some(Scope::All);
        }
        let (kind, value) = s.split_once(':')?;
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        match kind {
            "segment" => Some(Scope::Segment(value.into())),
            "store" => Some(Scope::Store(value.into())),
            "saved" => value.parse().ok().filter(|id| *id > 0).map(Scope::Saved),
            _ => None,
        }
    }

    /// The value [`Scope::parse`] reads back.
    pub fn value(&self) -> String {
        match self {
            Scope::All => String::new(),
            Scope::Segment(s) => format!("segment:{s}"),
            Scope::Store(s) => format!("store:{s}"),
            Scope::Saved(id) => format!("saved:{id}"),
        }
    }
}

/// One wave on the satisfaction trend.
#[derive(Debug, Clone, Serialize)]
pub struct WavePoint {
    pub survey: String,
    pub wave: String,
    pub wave_id: i64,
    pub created_at: String,
    pub responses: usize,
    pub csi: Option<f64>,
    pub csat: Option<Est>,
    pub nps: Option<Est>,
}

/// The change of a measure from the wave before to the last one, and whether it is larger than
/// chance (the two 95 % intervals' standard errors, |z| > 1.96).
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub diff: f64,
    pub significant: bool,
}

fn change(a: &Option<Est>, b: &Option<Est>) -> Option<Change> {
    let (a, b) = (a.as_ref()?, b.as_ref()?);
    let se = |e: &Est| (e.upper - e.lower) / (2.0 * 1.959_964);
    let s = (se(a).powi(2) + se(b).powi(2)).sqrt();
    let diff = b.value - a.value;
    Some(Change {
        diff,
        significant: s > 0.0 && (diff / s).abs() > 1.959_964,
    })
}

/// The headline churn of one classification.
#[derive(Debug, Clone, Serialize)]
pub struct ChurnPoint {
    pub as_of: String,
    pub churn_rate: f64,
    pub retention_rate: f64,
}

/// Everything the home page shows that is computed, for one period and segment.
#[derive(Debug, Clone, Serialize)]
pub struct Home {
    /// When these figures were computed (stored UTC).
    pub as_of: String,
    pub period: Period,
    pub scope: Scope,
    /// The scope's name (a segment's, a store's, a saved segment's), empty for all.
    pub scope_name: String,
    /// Customers in the scope (None: the whole base).
    pub scope_customers: Option<usize>,
    pub satisfaction: Vec<WavePoint>,
    pub csat_change: Option<Change>,
    pub nps_change: Option<Change>,
    pub complaints: storage::home::PeriodComplaints,
    /// Complaints received per company-local month of the period (`YYYY-MM`, count).
    pub complaints_by_month: Vec<(String, i64)>,
    /// The complaint overview's recovery rate (complainants who bought again within its
    /// window), as of its own computation.
    pub recovery: crate::complaints::measures::Rate,
    pub recovery_days: i64,
    /// The headline churn over the latest classifications, oldest first (within a scope: the
    /// latest classification's, of the scope's customers).
    pub churn: Vec<ChurnPoint>,
    pub churn_definition: Value,
    /// (loyalty type, customers) of the latest classification.
    pub loyalty_mix: Vec<(String, i64)>,
    /// The latest CLV analysis: its day, CLV histogram and Pareto curves.
    pub clv_as_of: String,
    pub clv_distribution: Value,
    pub pareto: Value,
    /// Action plans not done, and those past their due day.
    pub plans_open: i64,
    pub plans_overdue: i64,
}

/// The home figures as a reader gets them.
#[derive(Debug, Clone)]
pub enum HomeFigures {
    Ready(Arc<Home>),
    /// Being computed in the background (the first visit for this period and segment on a big
    /// store): the page says so and looks again.
    Computing,
}

/// Whom the shared home figures are computed as (they do not depend on the reader).
fn home_actor() -> Actor {
    Actor {
        user_id: None,
        username: "system".into(),
        role: domain::access::Role::Manager,
        lang: domain::Lang::ZhCn,
    }
}

/// Periods and scopes whose figures are being computed.
pub type HomeComputing = std::sync::Mutex<std::collections::HashSet<(Period, Scope)>>;

/// The cache of computed home figures, by period and scope.
pub type HomeCache =
    std::sync::Mutex<std::collections::HashMap<(Period, Scope), (std::time::Instant, Arc<Home>)>>;

/// What a home page can be narrowed to, with when it was read.
pub type SegmentsCache = std::sync::Mutex<Option<(std::time::Instant, Arc<HomeScopes>)>>;

/// What a home page can be narrowed to: customer segments, main stores, saved segments.
#[derive(Debug, Clone, Default)]
pub struct HomeScopes {
    pub segments: Vec<String>,
    pub stores: Vec<String>,
    /// (id, name)
    pub saved: Vec<(i64, String)>,
}

impl HomeScopes {
    /// Whether a scope is one of these (a name that is not is said on the page).
    pub fn has(&self, s: &Scope) -> bool {
        match s {
            Scope::All => true,
            Scope::Segment(x) => self.segments.contains(x),
            Scope::Store(x) => self.stores.contains(x),
            Scope::Saved(id) => self.saved.iter().any(|(k, _)| k == id),
        }
    }
}

impl App {
    /// The company's today (its service-hours clock).
    pub async fn company_today(&self) -> NaiveDate {
        domain::time::wall_clock(Utc::now(), self.company_offset().await).date()
    }

    /// The home figures for a period and segment, never making the reader wait long: kept
    /// ones (refreshed in the background once older than [`FRESH_FOR`]), or — the first time —
    /// computed in the background while the page says so (a small store answers at once).
    pub async fn home(
        &self,
        actor: &Actor,
        period: Period,
        scope: &Scope,
    ) -> Result<HomeFigures, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        let key = (period, scope.clone());
        if let Some((at, h)) = self.cached_home(&key) {
            if at.elapsed() >= FRESH_FOR {
                self.refresh_home(key);
            }
            return Ok(HomeFigures::Ready(h));
        }
        self.refresh_home(key.clone());
        for _ in 0..16 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            if let Some((_, h)) = self.cached_home(&key) {
                return Ok(HomeFigures::Ready(h));
            }
        }
        Ok(HomeFigures::Computing)
    }

    /// The home figures computed now and kept (the server's warm-up, tests).
    pub async fn home_now(
        &self,
        actor: &Actor,
        period: Period,
        scope: &Scope,
    ) -> Result<Arc<Home>, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        let h = Arc::new(
            self.compute_home(&home_actor(), period.clone(), scope)
                .await?,
        );
        self.keep_home((period, scope.clone()), h.clone());
        Ok(h)
    }

    /// Compute this month's figures for the whole base in the background (at start, so the
    /// first visitor finds them).
    pub async fn warm_home(&self) {
        let today = self.company_today().await;
        if let Some(p) = Period::parse("month", None, None, today) {
            self.refresh_home((p, Scope::All));
        }
    }

    fn cached_home(&self, key: &(Period, Scope)) -> Option<(std::time::Instant, Arc<Home>)> {
        self.home_cache
            .lock()
            .ok()
            .and_then(|c| c.get(key).cloned())
    }

    fn keep_home(&self, key: (Period, Scope), h: Arc<Home>) {
        if let Ok(mut c) = self.home_cache.lock() {
            if c.len() > 64 {
                c.clear();
            }
            c.insert(key, (std::time::Instant::now(), h));
        }
    }

    /// One background computation per period and segment at a time.
    fn refresh_home(&self, key: (Period, Scope)) {
        let started = self
            .home_computing
            .lock()
            .map(|mut k| k.insert(key.clone()))
            .unwrap_or(false);
        if !started {
            return;
        }
        let app = self.clone();
        tokio::spawn(async move {
            match app.compute_home(&home_actor(), key.0.clone(), &key.1).await {
                Ok(h) => app.keep_home(key.clone(), Arc::new(h)),
                Err(e) => tracing::warn!("home figures: {e}"),
            }
            if let Ok(mut k) = app.home_computing.lock() {
                k.remove(&key);
            }
        });
    }

    async fn compute_home(
        &self,
        actor: &Actor,
        period: Period,
        scope: &Scope,
    ) -> Result<Home, AppError> {
        let now = Utc::now();
        let offset = self.company_offset().await;
        let instant = |d: NaiveDate| domain::time::day_start(d, offset);
        let (from, to) = (instant(period.from), instant(period.to));
        let stored = domain::time::to_stored;
        let (within, scope_name) = match scope {
            Scope::All => (None, String::new()),
            Scope::Segment(s) => (Some(CustomerScope::Segment(s.clone())), s.clone()),
            Scope::Store(s) => (Some(CustomerScope::Store(s.clone())), s.clone()),
            Scope::Saved(id) => {
                let saved = self
                    .store
                    .saved_segment(*id)
                    .await
                    .map_err(|_| AppError::not_found(actor.lang, "segment"))?;
                let f: crate::loyalty::SegmentFilter =
                    serde_json::from_value(saved.definition).unwrap_or_default();
                (Some(CustomerScope::Saved(f.to_filter())), saved.name)
            }
        };
        let members: Option<std::collections::HashSet<i64>> = match &within {
            Some(w) => Some(
                self.store
                    .scope_customer_ids(w)
                    .await?
                    .into_iter()
                    .collect(),
            ),
            None => None,
        };

        // Satisfaction: the latest waves with answers made before the period's end.
        let mut waves = Vec::new();
        for (survey, ws) in self.surveys(actor).await? {
            for w in ws {
                if w.submitted > 0 && !w.pretest && w.created_at < stored(to) {
                    waves.push((survey.name.clone(), w));
                }
            }
        }
        waves.sort_by(|a, b| a.1.created_at.cmp(&b.1.created_at));
        let mut satisfaction = Vec::new();
        for (survey, w) in waves.into_iter().rev().take(WAVES).rev() {
            let point = |responses, csi, csat, nps| WavePoint {
                survey,
                wave: w.name.clone(),
                wave_id: w.id,
                created_at: w.created_at.clone(),
                responses,
                csi,
                csat,
                nps,
            };
            satisfaction.push(match &members {
                None => {
                    let r = self.wave_results(actor, w.id).await?;
                    let pick = |kind: &str| {
                        r.measures
                            .iter()
                            .find(|m| m.kind == kind)
                            .map(|m| m.estimate)
                    };
                    point(
                        r.responses,
                        r.model.as_ref().and_then(|m| m.csi),
                        pick("csat"),
                        pick("nps"),
                    )
                }
                // Within a scope: its respondents' CSAT and NPS (the index needs the model
                // fitted on the whole wave).
                Some(ids) => {
                    let g = self.wave_measures_among(actor, w.id, ids).await?;
                    let pick = |kind: &str| g.measures.iter().find(|m| m.1 == kind).map(|m| m.2);
                    point(g.responses, None, pick("csat"), pick("nps"))
                }
            });
        }
        // The change between the last two waves that measured it.
        let last_two = |f: fn(&WavePoint) -> Option<Est>| {
            let had: Vec<Option<Est>> =
                satisfaction.iter().map(f).filter(Option::is_some).collect();
            let n = had.len();
            (n >= 2).then(|| change(&had[n - 2], &had[n - 1])).flatten()
        };
        let csat_change = last_two(|w| w.csat);
        let nps_change = last_two(|w| w.nps);

        // Complaints of the period, by company-local month.
        let complaints = self
            .store
            .period_complaints(&stored(from), &stored(to), &stored(now), within.as_ref())
            .await?;
        let mut by_month: Vec<(String, i64)> = Vec::new();
        let mut m = NaiveDate::from_ymd_opt(period.from.year(), period.from.month(), 1)
            .unwrap_or(period.from);
        while m < period.to {
            by_month.push((m.format("%Y-%m").to_string(), 0));
            m = m + chrono::Months::new(1);
        }
        for t in &complaints.received_at {
            if let Ok(t) = domain::time::parse_instant(t) {
                let month = domain::time::wall_clock(t, offset)
                    .format("%Y-%m")
                    .to_string();
                if let Some(e) = by_month.iter_mut().find(|e| e.0 == month) {
                    e.1 += 1;
                }
            }
        }
        let overview = self.overview_for_home().await?;

        // Churn: the headline of the latest classifications, oldest first.
        let mut churn = Vec::new();
        let mut churn_definition = Value::Null;
        for run in self
            .store
            .analysis_runs(crate::loyalty::LOYALTY_RUN, 12)
            .await?
            .into_iter()
            .rev()
        {
            if run.status != "done" {
                continue;
            }
            let Ok(full) = self.store.analysis_run(run.id).await else {
                continue;
            };
            let s = &full.summary;
            if let (Some(c), Some(r)) = (
                s["headline"]["churn_rate"].as_f64(),
                s["headline"]["retention_rate"].as_f64(),
            ) {
                churn.push(ChurnPoint {
                    as_of: s["as_of"].as_str().unwrap_or("").to_string(),
                    churn_rate: c,
                    retention_rate: r,
                });
                churn_definition = s["churn_settings"].clone();
            }
        }
        let mut loyalty_mix: Vec<(String, i64)> = Vec::new();
        match &within {
            None => {
                for row in self.loyalty_mix(actor).await? {
                    match loyalty_mix.iter_mut().find(|e| e.0 == row.loyalty_type) {
                        Some(e) => e.1 += row.customers,
                        None => loyalty_mix.push((row.loyalty_type, row.customers)),
                    }
                }
            }
            Some(w) => {
                let l = self.store.scope_loyalty(w).await?;
                loyalty_mix = l.types;
                // The latest classification's headline, of the scope's customers only.
                let latest = churn.pop();
                churn.clear();
                if let Some(last) = latest.filter(|_| l.with_status > 0) {
                    let rate = l.churned as f64 / l.with_status as f64;
                    churn.push(ChurnPoint {
                        as_of: last.as_of,
                        churn_rate: rate,
                        retention_rate: 1.0 - rate,
                    });
                }
            }
        }
        loyalty_mix.sort_by_key(|e| std::cmp::Reverse(e.1));
        let clv = self.latest_clv(actor).await?;
        let (clv_as_of, mut clv_distribution, mut pareto) = match &clv {
            Some(run) => (
                run.summary["calibration_end"]
                    .as_str()
                    .or(run.summary["churn"]["as_of"].as_str())
                    .unwrap_or("")
                    .to_string(),
                run.summary["distributions"]["clv"].clone(),
                run.summary["pareto"].clone(),
            ),
            None => (String::new(), Value::Null, Value::Null),
        };
        if let (Some(w), Some(_)) = (&within, &clv) {
            (clv_distribution, pareto) = scope_values(self.store.scope_values(w).await?).await?;
        }
        let today = domain::time::wall_clock(now, offset).date().to_string();
        let (plans_open, plans_overdue) = self.store.action_plan_counts(&today).await?;
        Ok(Home {
            as_of: stored(now),
            period,
            scope: scope.clone(),
            scope_name,
            scope_customers: members.as_ref().map(|m| m.len()),
            satisfaction,
            csat_change,
            nps_change,
            complaints,
            complaints_by_month: by_month,
            recovery: overview.recovery_all.clone(),
            recovery_days: overview.recovery_days,
            churn,
            churn_definition,
            loyalty_mix,
            clv_as_of,
            clv_distribution,
            pareto,
            plans_open,
            plans_overdue,
        })
    }

    /// What the home page can be narrowed to (read at most once a minute).
    pub async fn home_scopes(&self) -> Result<Arc<HomeScopes>, AppError> {
        if let Some((at, v)) = self.segments_cache.lock().ok().and_then(|c| c.clone()) {
            if at.elapsed() < std::time::Duration::from_secs(60) {
                return Ok(v);
            }
        }
        let v = Arc::new(HomeScopes {
            segments: self.store.distinct_values("segment").await?,
            stores: self.store.main_stores().await?,
            saved: self
                .store
                .saved_segments()
                .await?
                .into_iter()
                .map(|s| (s.id, s.name))
                .collect(),
        });
        if let Ok(mut c) = self.segments_cache.lock() {
            *c = Some((std::time::Instant::now(), v.clone()));
        }
        Ok(v)
    }

    /// Read the home page's scopes afresh on the next visit (a saved segment came or went).
    pub(crate) fn forget_home_scopes(&self) {
        if let Ok(mut c) = self.segments_cache.lock() {
            *c = None;
        }
    }

    /// What needs the actor's attention now (read live): an agent's own, a manager's all.
    pub async fn attention(&self, actor: &Actor) -> Result<storage::home::Attention, AppError> {
        actor.require(Permission::ViewCases)?;
        let mine = (!actor.role.can(Permission::ViewAllCases)).then_some(actor.username.as_str());
        Ok(self
            .store
            .attention(mine, &domain::time::now_stored())
            .await?)
    }

    /// The actor's own numbers this company-local month: cases resolved (on time), care and
    /// win-back tasks closed.
    pub async fn my_numbers(&self, actor: &Actor) -> Result<storage::home::MyNumbers, AppError> {
        actor.require(Permission::EditCases)?;
        let offset = self.company_offset().await;
        let today = self.company_today().await;
        let month = Period::parse("month", None, None, today)
            .ok_or_else(|| AppError::internal("no month"))?;
        let at = |d: NaiveDate| domain::time::to_stored(domain::time::day_start(d, offset));
        Ok(self
            .store
            .my_numbers(&actor.username, &at(month.from), &at(month.to))
            .await?)
    }

    /// The actor's own open work, whatever their role (the agent's home, a manager's "mine").
    pub async fn my_attention(&self, actor: &Actor) -> Result<storage::home::Attention, AppError> {
        actor.require(Permission::ViewCases)?;
        Ok(self
            .store
            .attention(Some(&actor.username), &domain::time::now_stored())
            .await?)
    }
}

/// The CLV histogram and Pareto curves of a scope's customers ((total spend, CLV) each), in
/// the shapes of a CLV run's summary; off the async workers.
async fn scope_values(values: Vec<(f64, f64)>) -> Result<(Value, Value), AppError> {
    tokio::task::spawn_blocking(move || {
        let (mut spend, mut clv): (Vec<f64>, Vec<f64>) = values.into_iter().unzip();
        let revenue_curve = analytics::clv::lorenz(&mut spend);
        let (width, counts) = analytics::clv::value_histogram(&mut clv);
        let clv_curve = analytics::clv::lorenz(&mut clv);
        let r6 = |v: f64| (v * 1e6).round() / 1e6;
        (
            serde_json::json!({"bin_width": r6(width), "counts": counts, "last_bin_open": true}),
            serde_json::json!({
                "top20_revenue_share": revenue_curve[20],
                "top20_clv_share": clv_curve[20],
                "revenue_curve": revenue_curve.iter().map(|v| r6(*v)).collect::<Vec<_>>(),
                "clv_curve": clv_curve.iter().map(|v| r6(*v)).collect::<Vec<_>>(),
            }),
        )
    })
    .await
    .map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A first visit while the figures are still being computed (a big store) answers at once
    /// with "being computed", starts nothing twice, and the next visit after the computation
    /// has the figures.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_visit_during_the_computation_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(None, dir.path()).await.unwrap();
        let manager = home_actor();
        let today = app.company_today().await;
        let month = Period::parse("month", None, None, today).unwrap();
        let key = (month.clone(), Scope::All);
        // As if a long computation of this period were under way.
        app.home_computing.lock().unwrap().insert(key.clone());
        let t = std::time::Instant::now();
        assert!(matches!(
            app.home(&manager, month.clone(), &Scope::All)
                .await
                .unwrap(),
            HomeFigures::Computing
        ));
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "answers at once"
        );
        assert!(
            app.cached_home(&key).is_none(),
            "nothing computed twice meanwhile"
        );
        // The computation ends: the next visit has the figures.
        app.home_computing.lock().unwrap().remove(&key);
        app.home_now(&manager, month.clone(), &Scope::All)
            .await
            .unwrap();
        assert!(matches!(
            app.home(&manager, month, &Scope::All).await.unwrap(),
            HomeFigures::Ready(_)
        ));
        app.store.close().await;
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_whole_company_days() {
        let today = d("2026-12-07");
        let p = |k| Period::parse(k, None, None, today).unwrap();
        assert_eq!(
            (p("month").from, p("month").to),
            (d("2026-12-01"), d("2027-01-01"))
        );
        assert_eq!(
            (p("quarter").from, p("quarter").to),
            (d("2026-10-01"), d("2027-01-01"))
        );
        assert_eq!(
            (p("year").from, p("year").to),
            (d("2026-01-01"), d("2027-01-01"))
        );
        let q = Period::parse("quarter", None, None, d("2026-02-28")).unwrap();
        assert_eq!((q.from, q.to), (d("2026-01-01"), d("2026-04-01")));
        let c = Period::parse(
            "custom",
            Some(d("2026-03-01")),
            Some(d("2026-03-31")),
            today,
        );
        assert_eq!(
            c.map(|c| (c.from, c.to)),
            Some((d("2026-03-01"), d("2026-04-01")))
        );
        assert_eq!(
            Period::parse(
                "custom",
                Some(d("2026-03-02")),
                Some(d("2026-03-01")),
                today
            ),
            None
        );
        assert_eq!(
            Period::parse("custom", None, Some(d("2026-03-01")), today),
            None
        );
        assert_eq!(Period::parse("fortnight", None, None, today), None);
    }

    #[test]
    fn a_change_is_significant_only_beyond_both_intervals_noise() {
        let e = |v: f64, half: f64| {
            Some(Est {
                value: v,
                lower: v - half,
                upper: v + half,
                n: 100,
            })
        };
        // se = 1 each: the difference's se is √2 ≈ 1.414; 2.7 is below 1.96 × 1.414 = 2.77.
        let c = change(&e(70.0, 1.959_964), &e(72.7, 1.959_964)).unwrap();
        assert!(!c.significant && (c.diff - 2.7).abs() < 1e-9);
        let c = change(&e(70.0, 1.959_964), &e(72.8, 1.959_964)).unwrap();
        assert!(c.significant);
        assert!(change(&e(70.0, 1.0), &None).is_none());
    }
}
