//! Timestamps as Fidelis stores and shows them.
//!
//! The store keeps instants as fixed-width UTC text (`2024-05-01T09:30:00Z`) so that text order is
//! time order on SQLite and PostgreSQL alike, and a day is its first ten characters.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// Render an instant in the stored form.
pub fn to_stored(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn now_stored() -> String {
    to_stored(Utc::now())
}

/// Parse a user-given date or date-time. Accepts `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD`,
/// `YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DDTHH:MM:SS[Z|±hh:mm]`. A date alone means midnight UTC.
pub fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty date".into());
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

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
