//! Page numbers as people (and scripts) send them: checked against a range before any offset
//! is computed, so a huge number is refused with a reason instead of wrapping around.

use crate::{FieldError, Lang};

/// The highest page number taken.
pub const MAX_PAGE: i64 = 1_000_000;
/// The most rows one page may ask for.
pub const MAX_PER_PAGE: i64 = 1_000;

/// The row offset of `page` (1-based) at `per_page` rows, or which of the two is out of range.
pub fn offset(page: i64, per_page: i64, lang: Lang) -> Result<i64, Vec<FieldError>> {
    let mut errs = Vec::new();
    if !(1..=MAX_PAGE).contains(&page) {
        errs.push(FieldError::new(
            "page",
            lang.pick(
                "页码应为 1 到 1,000,000 之间的整数",
                "a page number from 1 to 1,000,000",
            ),
        ));
    }
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        errs.push(FieldError::new(
            "per_page",
            lang.pick("每页 1 到 1,000 行", "1 to 1,000 rows a page"),
        ));
    }
    if errs.is_empty() {
        Ok((page - 1) * per_page)
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_in_range_only() {
        assert_eq!(offset(1, 25, Lang::En), Ok(0));
        assert_eq!(offset(3, 25, Lang::En), Ok(50));
        assert_eq!(offset(MAX_PAGE, MAX_PER_PAGE, Lang::En), Ok(999_999_000));
        for (p, n) in [
            (0, 25),
            (-1, 25),
            (MAX_PAGE + 1, 25),
            (i64::MAX, 25),
            (1, 0),
            (1, 5_000),
        ] {
            assert!(offset(p, n, Lang::En).is_err(), "{p} {n}");
        }
        assert_eq!(offset(i64::MAX, 0, Lang::En).unwrap_err().len(), 2);
    }
}
