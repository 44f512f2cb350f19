//! A file cell's text as the customer-base readers take it: trimmed cheaply, and plain decimals
//! parsed on a fast exact path (shared by the purchase reader, the CLV summaries and the PLS
//! answers file).

/// `str::trim`, without its Unicode scan when both ends are visible ASCII (the usual cell).
pub(crate) fn trim(s: &str) -> &str {
    let visible = |c: Option<&u8>| c.is_some_and(|&c| c > b' ' && c < 0x80);
    if visible(s.as_bytes().first()) && visible(s.as_bytes().last()) {
        s
    } else {
        s.trim()
    }
}

/// A plain decimal (`123`, `10.66`: digits, at most one point, up to 15 significant digits),
/// exactly as `str::parse` reads it: the digits as an integer below 2^53 divided by a power
/// of ten up to 10^22 are two exact doubles, and IEEE division rounds their quotient
/// correctly (Clinger's fast path). Anything else is `None`, for the general parser.
pub(crate) fn plain_decimal(s: &str) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 16 {
        return None;
    }
    let (mut m, mut digits, mut decimals, mut point) = (0u64, 0usize, 0usize, false);
    for &c in b {
        match c {
            b'0'..=b'9' => {
                m = m * 10 + u64::from(c - b'0');
                digits += 1;
                decimals += usize::from(point);
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if digits == 0 || digits > 15 {
        return None;
    }
    Some(m as f64 / POW10[decimals])
}
