//! Special functions the customer-base models need: ln Γ, digamma and the Gauss hypergeometric
//! function ₂F₁, written for the domain the models use (positive arguments, 0 ≤ z < 1) and
//! tested against high-precision values (mpmath, 50 digits).

use std::f64::consts::PI;

/// ln Γ(x) for x > 0 (NaN otherwise). Stirling's series above 10, the recurrence below;
/// absolute error below 1e-14 on the tested range.
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    if x < 10.0 {
        // Γ(x) = Γ(x + n) / (x (x+1) … (x+n-1)).
        let mut prod = 1.0;
        let mut y = x;
        while y < 10.0 {
            prod *= y;
            y += 1.0;
        }
        return stirling(y) - prod.ln();
    }
    stirling(x)
}

fn stirling(x: f64) -> f64 {
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // Bernoulli-number terms B_2k / (2k (2k-1) x^(2k-1)).
    let series = inv
        * (1.0 / 12.0
            + inv2
                * (-1.0 / 360.0
                    + inv2
                        * (1.0 / 1260.0
                            + inv2
                                * (-1.0 / 1680.0
                                    + inv2
                                        * (1.0 / 1188.0
                                            + inv2 * (-691.0 / 360360.0 + inv2 / 156.0))))));
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * PI).ln() + series
}

/// ψ(x) = d/dx ln Γ(x) for x > 0.
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut acc = 0.0;
    let mut y = x;
    while y < 10.0 {
        acc -= 1.0 / y;
        y += 1.0;
    }
    let inv = 1.0 / y;
    let inv2 = inv * inv;
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2
                        * (1.0 / 252.0
                            - inv2
                                * (1.0 / 240.0 - inv2 * (1.0 / 132.0 - inv2 * 691.0 / 32760.0)))));
    acc + y.ln() - 0.5 * inv - series
}

/// ln B(a, b).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// Why ₂F₁ could not be evaluated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HypError {
    /// Outside 0 ≤ z < 1, or a non-finite parameter.
    Domain,
    /// c is zero or a negative integer.
    Pole,
    /// The series did not settle within the term budget (z extremely close to 1).
    NoConvergence,
}

/// Term budget of the series: z = 0.9999 with parameters in the hundreds stays well inside it.
const MAX_TERMS: usize = 5_000_000;

/// ln ₂F₁(a, b; c; z) with its sign, for 0 ≤ z < 1, by the power series summed in log space.
///
/// The terms are scaled by a running power of two so that huge intermediate terms (large a, b
/// with z near 1, where the terms first grow like k^(a+b-c-1) z^k) never overflow, and the
/// series stops when the remaining tail — bounded geometrically once the term ratio has started
/// to fall below one — is below 1e-17 of the sum. With a, b, c > 0 every term is positive and
/// there is no cancellation; negative parameters are accepted (terms may change sign) but are
/// outside the models' domain.
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<(f64, f64), HypError> {
    let finite = a.is_finite() && b.is_finite() && c.is_finite() && z.is_finite();
    if !(finite && (0.0..1.0).contains(&z)) {
        return Err(HypError::Domain);
    }
    if c <= 0.0 && c == c.floor() {
        return Err(HypError::Pole);
    }
    if z == 0.0 || a == 0.0 || b == 0.0 {
        return Ok((0.0, 1.0));
    }
    // sum = scale * s, where s stays within a sane range.
    let mut log_scale = 0.0f64;
    let mut s = 1.0f64; // the k = 0 term
    let mut comp = 0.0f64; // Kahan compensation
    let mut term = 1.0f64; // current term, in the same scale as s
    for k in 0..MAX_TERMS {
        let kf = k as f64;
        let ratio = (a + kf) * (b + kf) / ((c + kf) * (kf + 1.0)) * z;
        if ratio == 0.0 {
            // a or b is a non-positive integer: the series terminates.
            break;
        }
        term *= ratio;
        // Add with compensation.
        let y = term - comp;
        let t = s + y;
        comp = (t - s) - y;
        s = t;
        if s.abs() > 1e250 || term.abs() > 1e250 {
            s *= 1e-250;
            term *= 1e-250;
            comp *= 1e-250;
            log_scale += 250.0 * std::f64::consts::LN_10;
        }
        // Tail bound: once the ratio is below one and no longer growing (k past the peak of
        // the terms: the next ratio is smaller), the tail is at most term * r / (1 - r).
        let next = (a + kf + 1.0) * (b + kf + 1.0) / ((c + kf + 1.0) * (kf + 2.0)) * z;
        if next.abs() < 1.0 && next.abs() <= ratio.abs() + 1e-15 {
            let tail = term.abs() * next.abs() / (1.0 - next.abs());
            if tail <= 1e-17 * s.abs() {
                let sign = s.signum();
                return Ok((log_scale + s.abs().ln(), sign));
            }
        } else if next.abs() < 1.0 && term.abs() <= 1e-17 * s.abs() && kf > (a.abs() + b.abs()) {
            // Ratio still rising toward z (a + b < c + 1): the terms fall like z^k anyway.
            let tail = term.abs() * z / (1.0 - z);
            if tail <= 1e-16 * s.abs() {
                let sign = s.signum();
                return Ok((log_scale + s.abs().ln(), sign));
            }
        }
        if s == 0.0 {
            return Ok((f64::NEG_INFINITY, 0.0));
        }
    }
    if term == 0.0 || (term.abs() <= 1e-17 * s.abs()) {
        return Ok((log_scale + s.abs().ln(), s.signum()));
    }
    Err(HypError::NoConvergence)
}

/// ₂F₁(a, b; c; z) for 0 ≤ z < 1 (may overflow to infinity where ln_hyp2f1 would not).
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64, HypError> {
    let (l, s) = ln_hyp2f1(a, b, c, z)?;
    Ok(s * l.exp())
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // golden values keep every digit mpmath printed
mod tests {
    use super::*;

    fn close(got: f64, want: f64, rel: f64) {
        let err = ((got - want) / want).abs();
        assert!(
            err <= rel,
            "got {got:e}, want {want:e} (relative error {err:e})"
        );
    }

    #[test]
    fn ln_gamma_matches_high_precision_values() {
        // mpmath.loggamma at 50 digits.
        let cases = [
            (1e-3, 6.907_178_885_383_853_682_5),
            (0.242_595, 1.319_807_267_127_538_925),
            (0.5, 0.572_364_942_924_700_087_07),
            (1.0, 0.0),
            (1.5, -0.120_782_237_635_245_222_35),
            (2.0, 0.0),
            (3.7442, 1.479_962_000_567_903_774_7),
            (9.999, 12.799_575_780_077_412_467),
            (10.0, 12.801_827_480_081_469_611),
            (26.242_595, 58.790_458_141_678_229_33),
            (1234.5, 7_550.550_901_077_894_895_7),
            (1e7, 151_180_949.369_473_913_94),
        ];
        for (x, want) in cases {
            let got = ln_gamma(x);
            assert!(
                (got - want).abs() <= 1e-13 * want.abs().max(1.0),
                "ln_gamma({x}) = {got}, want {want}"
            );
        }
        assert!(ln_gamma(0.0).is_nan() && ln_gamma(-1.0).is_nan());
    }

    #[test]
    fn digamma_matches_high_precision_values() {
        let cases = [
            (1e-3, -1_000.575_571_931_810_300_5),
            (0.242_595, -4.358_452_846_041_954_062_3),
            (1.0, -0.577_215_664_901_532_860_61),
            (3.7442, 1.180_764_859_022_959_250_5),
            (26.242_595, 3.248_209_872_231_091_927_8),
            (1e6, 13.815_510_057_964_190_771),
        ];
        for (x, want) in cases {
            let got = digamma(x);
            assert!(
                (got - want).abs() <= 1e-13 * want.abs().max(1.0),
                "digamma({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn digamma_is_the_derivative_of_ln_gamma() {
        for x in [0.3, 1.7, 8.5, 40.0, 900.0] {
            let h = 1e-5 * x;
            let d = (ln_gamma(x + h) - ln_gamma(x - h)) / (2.0 * h);
            assert!((d - digamma(x)).abs() < 1e-7 * digamma(x).abs().max(1.0));
        }
    }

    #[test]
    fn hyp2f1_matches_high_precision_values() {
        // (a, b, c, z, mpmath.hyp2f1 at 50 digits), from the models' domain: small z, z near 1,
        // large parameters (a customer with x = 200), c - a - b close to an integer.
        let cases = [
            (1.0, 1.0, 2.0, 0.5, 1.386_294_361_119_890_618_8),
            (
                0.242_595,
                2.425_906,
                2.218_828,
                52.0 / 56.4,
                2.107_473_029_450_614_887_5,
            ),
            (
                26.242_595,
                27.425_906,
                28.218_828,
                52.0 / 83.0,
                79_615_942_066.364_511_712,
            ),
            (
                10.242_595,
                11.425_906,
                12.218_828,
                52.0 / 91.0,
                3_250.860_541_979_048_777_4,
            ),
            (0.5, 0.5, 1.5, 0.99, 1.478_037_662_374_774_802_5),
            (2.0, 3.0, 4.0, 0.999, 2_967.443_900_663_840_608_7),
            (
                200.242_595,
                202.425_906,
                202.218_828,
                0.6,
                5.840_030_359_355_143_607_2e79,
            ),
            (1.5, 2.5, 4.0, 0.9999, 37.277_177_715_460_633_182),
            (3.0, 3.0, 6.000_000_001, 0.95, 23.644_988_992_956_040_043),
        ];
        for (a, b, c, z, want) in cases {
            let got = hyp2f1(a, b, c, z).unwrap();
            close(got, want, 1e-12);
        }
        // ln form for a value that overflows f64.
        let (l, s) = ln_hyp2f1(2_000.5, 2_001.0, 2_000.9, 0.9).unwrap();
        assert_eq!(s, 1.0);
        close(l, 4_606.551_719_046_722_856_1, 1e-12);
    }

    #[test]
    fn hyp2f1_refuses_what_it_cannot_do() {
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, 1.0), Err(HypError::Domain));
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, -0.5), Err(HypError::Domain));
        assert_eq!(hyp2f1(1.0, 1.0, -2.0, 0.5), Err(HypError::Pole));
        assert_eq!(hyp2f1(f64::NAN, 1.0, 2.0, 0.5), Err(HypError::Domain));
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, 0.0), Ok(1.0));
    }
}
