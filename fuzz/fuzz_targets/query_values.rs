//! The values of query parameters and form fields of any text: page numbers, dates and
//! instants, money, lists and key=value pairs — refused in words or read, and what is read
//! writes back to text that reads the same.
#![no_main]
use domain::customers::{format_money, join_pairs, parse_money, parse_pairs, split_list};
use domain::{paging, time, Lang};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let mut parts = s.splitn(2, '\u{1f}');
    let (a, b) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if let (Ok(page), Ok(per)) = (a.trim().parse::<i64>(), b.trim().parse::<i64>()) {
        if let Ok(off) = paging::offset(page, per, Lang::En) {
            assert!(off >= 0);
        }
    }
    let _ = time::parse_instant(&s);
    if let Ok(d) = time::parse_date(&s) {
        assert_eq!(time::parse_date(&d.to_string()), Ok(d));
    }
    if let Ok(m) = parse_money(&s) {
        assert_eq!(parse_money(&format_money(m)), Ok(m), "money {s:?}");
    }
    let _ = split_list(&s);
    if let Ok(p) = parse_pairs(&s) {
        assert_eq!(parse_pairs(&join_pairs(p.clone())), Ok(p), "pairs {s:?}");
    }
});
