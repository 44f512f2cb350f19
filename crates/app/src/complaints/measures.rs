//! The complaint measures of SPEC.md §3: open cases by state, severity and age, overdue cases,
//! volume and mix by cause per month, first-response and resolution times, service-level
//! breach rates, the share resolved on the spot, complainant satisfaction, the recovery rate
//! (complainants buying again within N days of resolution, on the spot vs later, against
//! customers who never complained), and the lessons from closed reviews.

use crate::{Actor, App, AppError};
use chrono::{DateTime, Duration, Utc};
use domain::access::Permission;
use domain::time::{parse_instant, to_stored};
use serde::Serialize;
use storage::complaints::{CaseFacts, RecoveryCounts};

/// How long a computed overview is served before it is computed again.
pub const OVERVIEW_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// How long the overview's refreshes reuse the recovery counts. They are the costly part (every
/// resolved case's purchases in its window: seconds at 500,000 cases) and move slowly (a window
/// is weeks long; only cases whose window ended since, or an import of purchases, which clears
/// them, change them).
pub const RECOVERY_TTL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Serialize)]
pub struct Rate {
    pub of: i64,
    pub count: i64,
    /// count / of, or None with nothing to count.
    pub rate: Option<f64>,
}

impl Rate {
    fn new(count: i64, of: i64) -> Rate {
        Rate {
            of,
            count,
            rate: (of > 0).then(|| count as f64 / of as f64),
        }
    }
}

/// Times (hours) in buckets, with the median.
#[derive(Debug, Clone, Serialize)]
pub struct Times {
    pub labels: Vec<String>,
    pub counts: Vec<i64>,
    pub median_hours: Option<f64>,
    pub n: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Lesson {
    pub id: i64,
    pub closed_at: String,
    pub cause: String,
    pub lesson: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    /// When it was computed (stored form).
    pub as_of: String,
    pub total: usize,
    pub open: usize,
    /// (state, count) for open states in protocol order.
    pub open_by_state: Vec<(String, i64)>,
    /// (severity, open count).
    pub open_by_severity: Vec<(String, i64)>,
    /// (age band, open count): under 1 day, 1–3, 3–7, 7–30, over 30 days.
    pub open_by_age: Vec<(String, i64)>,
    pub overdue: i64,
    /// Months `YYYY-MM` (the last 12 with cases), and per cause (codes, plus `""` for not yet
    /// analysed) the count in each month.
    pub months: Vec<String>,
    pub by_cause: Vec<(String, Vec<i64>)>,
    pub first_response: Times,
    pub resolution: Times,
    /// Responses after their due time (or still missing past it), among cases due by now.
    pub ack_breach: Rate,
    pub resolve_breach: Rate,
    pub on_the_spot: Rate,
    /// Follow-up visits that found the customer satisfied.
    pub satisfied: Rate,
    /// Post-complaint survey answers satisfied with the handling (4–5 of 5).
    pub survey_satisfied: Rate,
    pub recovery_days: i64,
    pub recovery_on_the_spot: Rate,
    pub recovery_later: Rate,
    pub recovery_all: Rate,
    pub recovery_non_complainants: Rate,
    pub lessons: Vec<Lesson>,
}

fn hours(a: &str, b: &str) -> Option<f64> {
    let (a, b) = (parse_instant(a).ok()?, parse_instant(b).ok()?);
    Some((b - a).num_seconds().max(0) as f64 / 3600.0)
}

fn times(mut v: Vec<f64>, edges: &[(f64, &str)], last: &str) -> Times {
    v.sort_by(f64::total_cmp);
    let mut counts = vec![0i64; edges.len() + 1];
    for x in &v {
        let k = edges.iter().position(|(e, _)| x < e).unwrap_or(edges.len());
        counts[k] += 1;
    }
    let median = (!v.is_empty()).then(|| {
        let m = v.len() / 2;
        if v.len() % 2 == 1 {
            v[m]
        } else {
            (v[m - 1] + v[m]) / 2.0
        }
    });
    Times {
        labels: edges
            .iter()
            .map(|(_, l)| l.to_string())
            .chain(std::iter::once(last.to_string()))
            .collect(),
        counts,
        median_hours: median,
        n: v.len(),
    }
}

/// The overview of these cases at `now`, with the recovery counts of `days` days.
pub fn overview(
    facts: &[CaseFacts],
    now: DateTime<Utc>,
    recovery: &RecoveryCounts,
    days: i64,
) -> Overview {
    use domain::complaints::{Cause, Severity, State};
    let at = to_stored(now);
    // Open: not resolved yet (a resolved case waits only for its follow-up visit and review).
    let unresolved = |f: &CaseFacts| State::parse(&f.state).is_none_or(|s| !s.is_resolved());
    let open: Vec<&CaseFacts> = facts.iter().filter(|f| unresolved(f)).collect();
    let count = |pred: &dyn Fn(&CaseFacts) -> bool| open.iter().filter(|f| pred(f)).count() as i64;
    let open_by_state = State::ALL
        .iter()
        .filter(|s| !s.is_resolved())
        .map(|s| (s.code().to_string(), count(&|f| f.state == s.code())))
        .collect();
    let open_by_severity = Severity::ALL
        .iter()
        .map(|s| (s.code().to_string(), count(&|f| f.severity == s.code())))
        .collect();
    let day = |d: i64| to_stored(now - Duration::days(d));
    let bands = [
        ("<1d", day(1)),
        ("1-3d", day(3)),
        ("3-7d", day(7)),
        ("7-30d", day(30)),
    ];
    let mut open_by_age: Vec<(String, i64)> =
        bands.iter().map(|(l, _)| (l.to_string(), 0)).collect();
    open_by_age.push((">30d".into(), 0));
    for f in &open {
        let k = bands
            .iter()
            .position(|(_, since)| f.received_at >= *since)
            .unwrap_or(bands.len());
        open_by_age[k].1 += 1;
    }
    let overdue = count(&|f| {
        (f.acknowledged_at.is_none() && f.ack_due_at < at)
            || (f.resolved_at.is_none() && f.resolve_due_at < at)
    });
    // Months: the last 12 that have cases.
    let mut months: Vec<String> = facts
        .iter()
        .filter_map(|f| f.received_at.get(..7).map(str::to_string))
        .collect();
    months.sort_unstable();
    months.dedup();
    let months: Vec<String> = months.split_off(months.len().saturating_sub(12));
    let mut causes: Vec<String> = Cause::ALL.iter().map(|c| c.code().to_string()).collect();
    causes.push(String::new());
    let mut by_cause: Vec<(String, Vec<i64>)> = causes
        .into_iter()
        .map(|c| (c, vec![0; months.len()]))
        .collect();
    for f in facts {
        let Some(m) = f.received_at.get(..7) else {
            continue;
        };
        let Ok(k) = months.binary_search_by(|x| x.as_str().cmp(m)) else {
            continue;
        };
        if let Some(row) = by_cause.iter_mut().find(|(c, _)| *c == f.cause) {
            row.1[k] += 1;
        }
    }
    let first_response = times(
        facts
            .iter()
            .filter_map(|f| hours(&f.received_at, f.acknowledged_at.as_deref()?))
            .collect(),
        &[(1.0, "<1h"), (4.0, "1-4h"), (24.0, "4-24h"), (72.0, "1-3d")],
        ">3d",
    );
    let resolution = times(
        facts
            .iter()
            .filter_map(|f| hours(&f.received_at, f.resolved_at.as_deref()?))
            .collect(),
        &[
            (4.0, "<4h"),
            (24.0, "4-24h"),
            (72.0, "1-3d"),
            (168.0, "3-7d"),
        ],
        ">7d",
    );
    let due_ack: Vec<&CaseFacts> = facts.iter().filter(|f| f.ack_due_at <= at).collect();
    let ack_late = due_ack
        .iter()
        .filter(|f| {
            f.acknowledged_at
                .as_deref()
                .is_none_or(|a| a > f.ack_due_at.as_str())
        })
        .count() as i64;
    let due_res: Vec<&CaseFacts> = facts.iter().filter(|f| f.resolve_due_at <= at).collect();
    let res_late = due_res
        .iter()
        .filter(|f| {
            f.resolved_at
                .as_deref()
                .is_none_or(|r| r > f.resolve_due_at.as_str())
        })
        .count() as i64;
    let resolved: Vec<&CaseFacts> = facts.iter().filter(|f| f.resolved_at.is_some()).collect();
    let on_spot = resolved.iter().filter(|f| f.on_the_spot).count() as i64;
    let visited: Vec<bool> = facts.iter().filter_map(|f| f.follow_up_satisfied).collect();
    let satisfied = visited.iter().filter(|s| **s).count() as i64;
    let mut closed: Vec<&CaseFacts> = facts
        .iter()
        .filter(|f| f.state == "closed" && !f.lesson.is_empty())
        .collect();
    closed.sort_by(|a, b| b.closed_at.cmp(&a.closed_at));
    let lessons = closed
        .into_iter()
        .take(20)
        .map(|f| Lesson {
            id: f.id,
            closed_at: f.closed_at.clone().unwrap_or_default(),
            cause: f.cause.clone(),
            lesson: f.lesson.clone(),
        })
        .collect();
    let r = recovery;
    Overview {
        as_of: at,
        total: facts.len(),
        open: open.len(),
        open_by_state,
        open_by_severity,
        open_by_age,
        overdue,
        months,
        by_cause,
        first_response,
        resolution,
        ack_breach: Rate::new(ack_late, due_ack.len() as i64),
        resolve_breach: Rate::new(res_late, due_res.len() as i64),
        on_the_spot: Rate::new(on_spot, resolved.len() as i64),
        satisfied: Rate::new(satisfied, visited.len() as i64),
        survey_satisfied: Rate::new(0, 0),
        recovery_days: days,
        recovery_on_the_spot: Rate::new(r.on_the_spot.1, r.on_the_spot.0),
        recovery_later: Rate::new(r.later.1, r.later.0),
        recovery_all: Rate::new(r.on_the_spot.1 + r.later.1, r.on_the_spot.0 + r.later.0),
        recovery_non_complainants: Rate::new(r.non_complainants.1, r.non_complainants.0),
        lessons,
    }
}

impl App {
    /// The complaint overview, computed at most once a minute (it reads every case). Once it
    /// is older than that, the next reader still gets it at once while one refresh runs in the
    /// background; only the very first reader waits for the computation.
    pub async fn complaint_overview(&self, actor: &Actor) -> Result<Overview, AppError> {
        actor.require(Permission::ViewAllCases)?;
        let cached = self.complaint_overview_cache.lock().expect("cache").clone();
        match cached {
            Some((t, o)) if t.elapsed() < OVERVIEW_TTL => Ok(o),
            Some((_, o)) => {
                use std::sync::atomic::Ordering;
                if !self.overview_refreshing.swap(true, Ordering::AcqRel) {
                    let app = self.clone();
                    tokio::spawn(async move {
                        if let Ok(fresh) = app.overview_at(Utc::now(), true).await {
                            *app.complaint_overview_cache.lock().expect("cache") =
                                Some((std::time::Instant::now(), fresh));
                        }
                        app.overview_refreshing.store(false, Ordering::Release);
                    });
                }
                Ok(o)
            }
            None => {
                let o = self.overview_at(Utc::now(), true).await?;
                *self.complaint_overview_cache.lock().expect("cache") =
                    Some((std::time::Instant::now(), o.clone()));
                Ok(o)
            }
        }
    }

    /// The overview at `now`, uncached.
    pub async fn compute_complaint_overview(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Overview, AppError> {
        self.overview_at(now, false).await
    }

    /// The overview now for another page (the home page keeps its own copy): recovery counts
    /// reused while fresh, the overview's own cache left alone.
    pub(crate) async fn overview_for_home(&self) -> Result<Overview, AppError> {
        self.overview_at(Utc::now(), true).await
    }

    /// The overview at `now`; with `reuse`, recovery counts younger than `RECOVERY_TTL` (for
    /// the same window) are taken as they are.
    async fn overview_at(&self, now: DateTime<Utc>, reuse: bool) -> Result<Overview, AppError> {
        let settings = self.complaint_settings().await?;
        let days = settings.recovery_days;
        let facts = self.store.complaint_facts().await?;
        let cached = self.recovery_cache.lock().expect("cache").clone();
        let recovery = match cached {
            Some((t, d, r)) if reuse && d == days && t.elapsed() < RECOVERY_TTL => r,
            _ => {
                let until = to_stored(now - Duration::days(days));
                let r = self.store.complaint_recovery(days, &until).await?;
                *self.recovery_cache.lock().expect("cache") =
                    Some((std::time::Instant::now(), days, r.clone()));
                r
            }
        };
        let mut o = overview(&facts, now, &recovery, days);
        let (answers, happy) = self.complainant_satisfaction().await?;
        o.survey_satisfied = Rate::new(happy, answers);
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(received: &str, state: &str, ack: Option<&str>, resolved: Option<&str>) -> CaseFacts {
        CaseFacts {
            id: 1,
            received_at: received.into(),
            state: state.into(),
            severity: "medium".into(),
            cause: if resolved.is_some() {
                "service".into()
            } else {
                String::new()
            },
            acknowledged_at: ack.map(Into::into),
            resolved_at: resolved.map(Into::into),
            on_the_spot: false,
            ack_due_at: "2026-03-01T04:00:00Z".into(),
            resolve_due_at: "2026-03-04T00:00:00Z".into(),
            customer_id: Some(1),
            follow_up_satisfied: None,
            lesson: String::new(),
            closed_at: None,
        }
    }

    /// Three cases counted by hand: one open and overdue, one resolved late, one closed, settled on
    /// the spot with a happy follow-up.
    #[test]
    fn the_overview_counts_by_hand() {
        let now = parse_instant("2026-03-10T00:00:00Z").unwrap();
        let mut spot = case(
            "2026-03-01T00:00:00Z",
            "closed",
            Some("2026-03-01T00:30:00Z"),
            Some("2026-03-01T01:00:00Z"),
        );
        spot.on_the_spot = true;
        spot.follow_up_satisfied = Some(true);
        spot.lesson = "train staff".into();
        spot.closed_at = Some("2026-03-02T00:00:00Z".into());
        let facts = vec![
            case("2026-03-09T12:00:00Z", "received", None, None),
            case(
                "2026-03-01T00:00:00Z",
                "resolved",
                Some("2026-03-01T06:00:00Z"),
                Some("2026-03-06T00:00:00Z"),
            ),
            spot,
        ];
        let rec = RecoveryCounts {
            on_the_spot: (20, 19),
            later: (10, 7),
            non_complainants: (100, 60),
        };
        let o = overview(&facts, now, &rec, 90);
        // Open: not resolved yet — the received one; the resolved one waits only for review.
        assert_eq!((o.total, o.open, o.overdue), (3, 1, 1));
        assert!(o.open_by_state.iter().all(|(s, _)| s != "resolved"));
        assert_eq!(o.open_by_age[0], ("<1d".to_string(), 1));
        assert_eq!(o.open_by_state[0], ("received".to_string(), 1));
        // Responses: 0.5 h and 6 h; the 6 h one was after its 4 h due time, and the open case
        // is past its due time without one: 2 of 3 late.
        assert_eq!(o.first_response.median_hours, Some(3.25));
        assert_eq!((o.ack_breach.count, o.ack_breach.of), (2, 3));
        assert_eq!((o.resolve_breach.count, o.resolve_breach.of), (2, 3));
        assert_eq!((o.on_the_spot.count, o.on_the_spot.of), (1, 2));
        assert_eq!(o.satisfied.rate, Some(1.0));
        assert_eq!(o.recovery_on_the_spot.rate, Some(0.95));
        assert_eq!(o.recovery_later.rate, Some(0.7));
        assert_eq!((o.recovery_all.count, o.recovery_all.of), (26, 30));
        assert_eq!(o.months, ["2026-03"]);
        let service = o.by_cause.iter().find(|c| c.0 == "service").unwrap();
        assert_eq!(service.1, [2]);
        assert_eq!(o.lessons[0].lesson, "train staff");
    }
}
