//! Service levels in business time: the levels per severity, business hours with the holiday
//! calendar (mainland China's by default, editable), the due times of a case and the state of
//! each timer (no I/O).

use super::Severity;
use crate::{FieldError, Lang};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// The service levels of one severity: business minutes to the first response
/// (acknowledgement) and to resolution, and the share of the time after which a warning goes
/// out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ServiceLevel {
    pub severity: Severity,
    pub acknowledge_minutes: i64,
    pub resolve_minutes: i64,
}

/// The default service levels (business time): low 1 day / 5 days, medium 4 h / 3 days, high
/// 1 h / 1 day, critical 30 min / 4 h.
pub fn default_service_levels() -> Vec<ServiceLevel> {
    let day = 9 * 60;
    [
        (Severity::Low, day, 5 * day),
        (Severity::Medium, 4 * 60, 3 * day),
        (Severity::High, 60, day),
        (Severity::Critical, 30, 4 * 60),
    ]
    .into_iter()
    .map(|(severity, a, r)| ServiceLevel {
        severity,
        acknowledge_minutes: a,
        resolve_minutes: r,
    })
    .collect()
}

/// Share of a service level's time after which the case is "due soon" and warned about.
pub const WARN_AT: f64 = 0.8;

/// When the company is at work: opening and closing time on working days (in the company's
/// time zone, as an offset from UTC), the weekdays it works, holidays, and extra working days
/// (China's 调休 weekends).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusinessHours {
    /// Minutes east of UTC (China: 480).
    pub utc_offset_minutes: i32,
    pub open: NaiveTime,
    pub close: NaiveTime,
    /// Working weekdays, Monday = 1 … Sunday = 7.
    pub weekdays: Vec<u32>,
    pub holidays: Vec<NaiveDate>,
    pub extra_workdays: Vec<NaiveDate>,
}

impl Default for BusinessHours {
    fn default() -> Self {
        BusinessHours {
            utc_offset_minutes: 480,
            open: NaiveTime::from_hms_opt(9, 0, 0).expect("09:00"),
            close: NaiveTime::from_hms_opt(18, 0, 0).expect("18:00"),
            weekdays: vec![1, 2, 3, 4, 5],
            holidays: china_days(CHINA_HOLIDAYS),
            extra_workdays: china_days(CHINA_EXTRA_WORKDAYS),
        }
    }
}

/// Mainland China's public holidays (放假) as the State Council announced them (国办发明电,
/// 2025-11-04, for 2026), the default calendar of the service levels; a company edits them, and
/// adds the next year's when they are announced.
pub const CHINA_HOLIDAYS: &[&str] = &[
    "2026-01-01",
    "2026-01-02",
    "2026-01-03",
    "2026-02-15",
    "2026-02-16",
    "2026-02-17",
    "2026-02-18",
    "2026-02-19",
    "2026-02-20",
    "2026-02-21",
    "2026-02-22",
    "2026-02-23",
    "2026-04-04",
    "2026-04-05",
    "2026-04-06",
    "2026-05-01",
    "2026-05-02",
    "2026-05-03",
    "2026-05-04",
    "2026-05-05",
    "2026-06-19",
    "2026-06-20",
    "2026-06-21",
    "2026-09-25",
    "2026-09-26",
    "2026-09-27",
    "2026-10-01",
    "2026-10-02",
    "2026-10-03",
    "2026-10-04",
    "2026-10-05",
    "2026-10-06",
    "2026-10-07",
];

/// The weekend days worked instead (调休上班) in the same announcement.
pub const CHINA_EXTRA_WORKDAYS: &[&str] = &[
    "2026-01-04",
    "2026-02-14",
    "2026-02-28",
    "2026-05-09",
    "2026-09-20",
    "2026-10-10",
];

fn china_days(days: &[&str]) -> Vec<NaiveDate> {
    days.iter().filter_map(|d| d.parse().ok()).collect()
}

impl BusinessHours {
    /// Check the calendar; errors name the field.
    pub fn check(&self, lang: Lang) -> Result<(), FieldError> {
        if self.open >= self.close {
            return Err(FieldError::new(
                "close",
                lang.pick("下班时间须晚于上班时间", "must be after the opening time"),
            ));
        }
        if self.weekdays.is_empty() || self.weekdays.iter().any(|d| !(1..=7).contains(d)) {
            return Err(FieldError::new(
                "weekdays",
                lang.pick(
                    "须为 1（周一）到 7（周日）中的一个或多个",
                    "one or more of 1 (Monday) to 7 (Sunday)",
                ),
            ));
        }
        if !(-14 * 60..=14 * 60).contains(&self.utc_offset_minutes) {
            return Err(FieldError::new(
                "utc_offset_minutes",
                lang.pick("时区偏移须在 ±14 小时内", "within ±14 hours"),
            ));
        }
        Ok(())
    }

    fn is_workday(&self, d: NaiveDate) -> bool {
        if self.extra_workdays.contains(&d) {
            return true;
        }
        if self.holidays.contains(&d) {
            return false;
        }
        let wd = match d.weekday() {
            Weekday::Mon => 1,
            Weekday::Tue => 2,
            Weekday::Wed => 3,
            Weekday::Thu => 4,
            Weekday::Fri => 5,
            Weekday::Sat => 6,
            Weekday::Sun => 7,
        };
        self.weekdays.contains(&wd)
    }

    fn offset(&self) -> Duration {
        Duration::minutes(self.utc_offset_minutes as i64)
    }

    /// The instant `minutes` of business time after `start`.
    pub fn add(&self, start: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
        let local = crate::time::wall_clock(start, self.utc_offset_minutes);
        let mut day = local.date();
        let mut time = local.time();
        let mut left = Duration::minutes(minutes.max(0));
        // At most ten years of days: a calendar with no working day left is refused by check.
        for _ in 0..3660 {
            if self.is_workday(day) {
                let from = time.max(self.open);
                if from < self.close {
                    let room = self.close - from;
                    if left <= room {
                        let at = day.and_time(from) + left;
                        return Utc.from_utc_datetime(&(at - self.offset()));
                    }
                    left -= room;
                }
            }
            day = day.succ_opt().unwrap_or(day);
            time = NaiveTime::MIN;
        }
        start + Duration::minutes(minutes)
    }

    /// Business minutes between two instants (0 if `to` is not after `from`).
    pub fn minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        let (a, b) = (
            from.naive_utc() + self.offset(),
            to.naive_utc() + self.offset(),
        );
        let mut total = 0;
        let mut day = a.date();
        while day <= b.date() {
            if self.is_workday(day) {
                let start = if day == a.date() {
                    a.time().max(self.open)
                } else {
                    self.open
                };
                let end = if day == b.date() {
                    b.time().min(self.close)
                } else {
                    self.close
                };
                if end > start {
                    total += (end - start).num_minutes();
                }
            }
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
        total
    }
}

/// A case's service state against one due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    OnTime,
    DueSoon,
    Breached,
}

/// Where `now` stands between `start` and `due`: breached past it, due soon past [`WARN_AT`] of
/// the way.
pub fn timer(start: DateTime<Utc>, due: DateTime<Utc>, now: DateTime<Utc>) -> Timer {
    if now > due {
        return Timer::Breached;
    }
    let whole = (due - start).num_seconds().max(1) as f64;
    let gone = (now - start).num_seconds() as f64;
    if gone >= WARN_AT * whole {
        Timer::DueSoon
    } else {
        Timer::OnTime
    }
}

coded!(
    /// A case's service-level timers: a warning before each due time, and the breach.
    TimerKind {
        AckWarn = "ack_warn", "即将超过响应时限", "First response due soon";
        AckBreach = "ack_breach", "已超过响应时限", "First response overdue";
        ResolveWarn = "resolve_warn", "即将超过解决时限", "Resolution due soon";
        ResolveBreach = "resolve_breach", "已超过解决时限", "Resolution overdue";
    }
);

/// A case's timers as stored: the four times (stored form, so text order is time order),
/// whether it has been acknowledged and resolved, and the timers already fired (a
/// comma-separated list of codes).
#[derive(Debug, Clone, Copy)]
pub struct Timers<'a> {
    pub ack_warn_at: &'a str,
    pub ack_due_at: &'a str,
    pub resolve_warn_at: &'a str,
    pub resolve_due_at: &'a str,
    pub acknowledged: bool,
    pub resolved: bool,
    pub done: &'a str,
}

impl Timers<'_> {
    /// The timers still to fire, with their times: none for a step already taken.
    fn pending(&self) -> Vec<(TimerKind, &str)> {
        let fired = |k: TimerKind| self.done.split(',').any(|d| d == k.code());
        let mut out = Vec::new();
        if !self.acknowledged {
            out.push((TimerKind::AckWarn, self.ack_warn_at));
            out.push((TimerKind::AckBreach, self.ack_due_at));
        }
        if !self.resolved {
            out.push((TimerKind::ResolveWarn, self.resolve_warn_at));
            out.push((TimerKind::ResolveBreach, self.resolve_due_at));
        }
        out.retain(|(k, _)| !fired(*k));
        out
    }

    /// The timers due at `now`, in time order.
    pub fn due(&self, now: &str) -> Vec<TimerKind> {
        let mut p = self.pending();
        p.retain(|(_, at)| *at <= now);
        p.sort_by(|a, b| a.1.cmp(b.1));
        p.into_iter().map(|(k, _)| k).collect()
    }

    /// When the next timer fires, if any is left.
    pub fn next(&self) -> Option<String> {
        self.pending()
            .into_iter()
            .map(|(_, at)| at)
            .min()
            .map(str::to_string)
    }
}

/// The due times of a case received at `start` under `level`: (ack warn, ack due, resolve
/// warn, resolve due), in business time.
pub fn due_times(
    hours: &BusinessHours,
    level: &ServiceLevel,
    start: DateTime<Utc>,
) -> [DateTime<Utc>; 4] {
    let warn = |m: i64| (m as f64 * WARN_AT).round() as i64;
    [
        hours.add(start, warn(level.acknowledge_minutes)),
        hours.add(start, level.acknowledge_minutes),
        hours.add(start, warn(level.resolve_minutes)),
        hours.add(start, level.resolve_minutes),
    ]
}
