//! Timestamps as Fidelis stores and shows them.
//!
//! The store keeps instants as fixed-width UTC text (`2024-05-01T09:30:00Z`) so that text order is
//! time order on SQLite and PostgreSQL alike, and a day is its first ten characters.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// Render an instant in the stored form.
pub fn to_stored(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write;
    let mut s = String::with_capacity(20);
    let _ = write!(
        s,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    s
}

/// The common fixed-width forms (`YYYY-MM-DD`, `YYYY-MM-DD[T ]HH:MM:SS[Z]`) without a format
/// parser: a bulk import reads millions of them. `None` for anything else (or an impossible
/// date), which the general parser then handles, with its messages.
fn parse_fixed(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let num = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let sep = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-')) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let time = match b.len() {
        10 if (1850..=2200).contains(&chrono::Datelike::year(&date)) => NaiveTime::MIN,
        19 | 20
            if (sep(10, b'T') || sep(10, b' '))
                && sep(13, b':')
                && sep(16, b':')
                && (b.len() == 19 || sep(19, b'Z')) =>
        {
            NaiveTime::from_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?)?
        }
        _ => return None,
    };
    Some(date.and_time(time).and_utc())
}

/// The instant a day begins on a wall clock `offset_minutes` east of UTC (a company-local day's
/// start, for periods and due days).
pub fn day_start(d: NaiveDate, offset_minutes: i32) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
        - chrono::Duration::minutes(offset_minutes.into())
}

/// What a wall clock `offset_minutes` east of UTC reads at instant `t`.
pub fn wall_clock(t: DateTime<Utc>, offset_minutes: i32) -> NaiveDateTime {
    t.naive_utc() + chrono::Duration::minutes(offset_minutes.into())
}

/// A stored instant as a wall clock `offset_minutes` east of UTC shows it (`YYYY-MM-DD HH:MM`):
/// pages show the company's local time, not the stored UTC. Text that is not a stored instant is
/// shown as it is, cut to its first 16 characters.
pub fn local_minutes(stored: &str, offset_minutes: i32) -> String {
    match parse_fixed(stored) {
        Some(t) => wall_clock(t, offset_minutes)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        None => stored.chars().take(16).collect(),
    }
}

/// A UTC offset as people write it: `UTC+8`, `UTC-5`, `UTC+5:30`, `UTC`.
pub fn offset_label(offset_minutes: i32) -> String {
    let (sign, m) = if offset_minutes < 0 {
        ('-', -offset_minutes)
    } else {
        ('+', offset_minutes)
    };
    match (m / 60, m % 60) {
        (0, 0) => "UTC".into(),
        (h, 0) => format!("UTC{sign}{h}"),
        (h, r) => format!("UTC{sign}{h}:{r:02}"),
    }
}

pub fn now_stored() -> String {
    to_stored(Utc::now())
}

/// Parse a user-given date or date-time. Accepts `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD`,
/// `YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DDTHH:MM:SS[Z|±hh:mm]`. A date alone means midnight UTC.
pub fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    let t = parse_instant_any_year(s)?;
    // The same years a date may have (a fuzzer found "-024-01-05 10:00" read as year −24).
    if (1850..=2200).contains(&chrono::Datelike::year(&t)) {
        Ok(t)
    } else {
        Err(format!(
            "'{}': the year must be from 1850 to 2200",
            s.trim()
        ))
    }
}

fn parse_instant_any_year(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty date".into());
    }
    if let Some(t) = parse_fixed(s) {
        return Ok(t);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(t.and_utc());
        }
    }
    parse_date(s).map(|d| d.and_time(NaiveTime::MIN).and_utc())
}

/// Parse a calendar date (`YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD`).
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let s = s.trim();
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            if (1850..=2200).contains(&chrono::Datelike::year(&d)) {
                return Ok(d);
            }
            return Err(format!("date out of range: {s}"));
        }
    }
    Err(format!("not a date (expected YYYY-MM-DD): {s}"))
}

/// Days since 1970-01-01 of a calendar date.
pub fn epoch_day(d: NaiveDate) -> i64 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days()
}

/// Day number (days since 1970-01-01) of a date or date-time text, as an analysis reads a
/// purchase's date: with `format` (chrono style) by it; otherwise a plain `YYYY-MM-DD` on a
/// fast path, anything else (date-times, other separators, offsets) through
/// [`parse_instant`], as its UTC calendar day. Years 1850–2200. One definition for the file
/// readers and the cluster's `fidelis_day` function.
pub fn day_of_text(s: &str, format: Option<&str>) -> Result<i64, String> {
    let s = s.trim();
    if let Some(f) = format {
        let date = NaiveDate::parse_from_str(s, f)
            .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, f).map(|t| t.date()))
            .map_err(|e| format!("'{s}' does not match the date format '{f}': {e}"))?;
        return Ok(epoch_day(date));
    }
    let b = s.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let num = |r: std::ops::Range<usize>| {
            b[r].iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) {
            if let Some(date) =
                NaiveDate::from_ymd_opt(y as i32, m, d).filter(|_| (1850..=2200).contains(&y))
            {
                return Ok(epoch_day(date));
            }
        }
    }
    parse_instant(s).map(|t| epoch_day(t.date_naive()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `import_rows` fuzz target: a negative year was read, and written back as
    /// text that did not read again.
    #[test]
    fn instants_have_plausible_years() {
        assert!(parse_instant("-024-01-05 10:00:01").is_err());
        assert!(parse_instant("0024-01-05T10:00:00Z").is_err());
        assert!(parse_instant("2024-01-05 10:00:01").is_ok());
        assert!(parse_instant("1850-01-01").is_ok());
    }

    #[test]
    fn shows_stored_instants_on_the_local_clock() {
        // Beijing is 8 hours ahead: 20:30 UTC on 31 December is 04:30 on New Year's Day.
        assert_eq!(
            local_minutes("2024-12-31T20:30:00Z", 480),
            "2025-01-01 04:30"
        );
        assert_eq!(
            local_minutes("2024-03-01T02:15:59Z", -300),
            "2024-02-29 21:15"
        );
        assert_eq!(
            local_minutes("2024-03-01T02:15:00Z", 330),
            "2024-03-01 07:45"
        );
        assert_eq!(local_minutes("not a time at all", 480), "not a time at al");
        assert_eq!(offset_label(480), "UTC+8");
        assert_eq!(offset_label(-300), "UTC-5");
        assert_eq!(offset_label(330), "UTC+5:30");
        assert_eq!(offset_label(-570), "UTC-9:30");
        assert_eq!(offset_label(0), "UTC");
    }

    #[test]
    fn parses_the_accepted_forms_to_one_stored_form() {
        for s in [
            "2024-05-01T09:30:00Z",
            "2024-05-01 09:30:00",
            "2024-05-01T11:30:00+02:00",
            "2024/05/01 09:30",
        ] {
            assert_eq!(
                to_stored(parse_instant(s).unwrap()),
                "2024-05-01T09:30:00Z",
                "{s}"
            );
        }
        assert_eq!(
            to_stored(parse_instant("19970101").unwrap()),
            "1997-01-01T00:00:00Z"
        );
        assert!(parse_instant("2024-13-01").is_err());
        assert!(parse_instant("yesterday").is_err());
        assert!(parse_date("0001-01-01").is_err());
        assert!(parse_instant("0001-01-01").is_err(), "same range as dates");
        assert!(parse_instant("2024-02-30T00:00:00Z").is_err());
        assert!(parse_instant("2024-02-29T24:00:00Z").is_err());
        assert!(parse_instant("2024-02-29T23:59:59X").is_err());
    }

    #[test]
    fn the_fixed_width_fast_path_agrees_with_the_general_parser() {
        for s in [
            "2024-02-29T23:59:59Z",
            "2024-02-29 23:59:59",
            "2024-02-29T23:59:59",
            "1999-12-31",
            "2200-01-01",
        ] {
            let fast = parse_fixed(s).unwrap();
            let general = DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .or_else(|_| {
                    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").map(|t| t.and_utc())
                })
                .or_else(|_| {
                    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").map(|t| t.and_utc())
                })
                .or_else(|_| parse_date(s).map(|d| d.and_time(NaiveTime::MIN).and_utc()))
                .unwrap();
            assert_eq!(fast, general, "{s}");
            assert_eq!(
                to_stored(fast),
                general.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            );
        }
        for s in [
            "2024-2-29",
            "2024/02/29",
            "20240229",
            "2024-02-29T23:59",
            "2024-02-29T23:59:59+08:00",
        ] {
            assert_eq!(parse_fixed(s), None, "{s}: left to the general parser");
        }
    }
}
