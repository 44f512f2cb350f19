//! The simple satisfaction measures of SPEC.md §2 with their confidence intervals: CSAT (the
//! share of top-two-box answers, 4–5 on 1–5), NPS (% promoters 9–10 − % detractors 0–6), CES
//! (mean effort), a mean on any scale, and the expectation/perception gap of an attribute:
//! c = b/a (perceived over expected, the seeds' satisfaction ratio) and b − a.
//!
//! Intervals: Wilson's for a share; the multinomial variance of the promoter and detractor shares
//! for NPS; Student's t for means (and for the paired difference b − a); c = b/a by the delta
//! method on the two means and their covariance.

/// A measure over `n` answers, with its interval at the requested coverage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
    pub n: usize,
}

impl Estimate {
    fn none() -> Estimate {
        Estimate {
            value: f64::NAN,
            lower: f64::NAN,
            upper: f64::NAN,
            n: 0,
        }
    }
}

/// Standard normal quantile (Acklam's rational approximation refined by one Halley step;
/// |error| < 1e-12 on (0, 1)).
#[allow(clippy::excessive_precision)]
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e+01,
        2.209460984245205e+02,
        -2.759285104469687e+02,
        1.383577518672690e+02,
        -3.066479806614716e+01,
        2.506628277459239e+00,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e+01,
        1.615858368580409e+02,
        -1.556989798598866e+02,
        6.680131188771972e+01,
        -1.328068155288572e+01,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-03,
        3.224671290700398e-01,
        2.445134137142996e+00,
        3.754408661907416e+00,
    ];
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // One Halley step against the exact CDF.
    let e = 0.5 * erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// Complementary error function to near machine precision: erf's Taylor series below 2, the
/// continued fraction (Lentz) above, where the series would cancel.
fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 2.0 {
        // erf by its Taylor series (converges fast for x < 2).
        let (mut sum, mut term, mut k) = (x, x, 0.0);
        while term.abs() > 1e-17 * sum.abs() {
            k += 1.0;
            term *= -x * x / k;
            sum += term / (2.0 * k + 1.0);
        }
        1.0 - 2.0 / std::f64::consts::PI.sqrt() * sum
    } else {
        // Lentz's continued fraction for erfc.
        let (tiny, mut f) = (1e-300, x);
        let (mut c, mut d) = (x, 0.0);
        for n in 1..300 {
            let a = n as f64 / 2.0;
            d = x + a * d;
            d = if d.abs() < tiny { tiny } else { d };
            c = x + a / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (-x * x).exp() / f / std::f64::consts::PI.sqrt()
    }
}

/// Student's t quantile with `df` degrees of freedom: exact for 1 and 2; else the
/// Cornish–Fisher expansion around the normal quantile, refined by Newton steps on the exact
/// CDF (through the regularised incomplete beta function).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if df <= 1.0 {
        return (std::f64::consts::PI * (p - 0.5)).tan();
    }
    if df <= 2.0 {
        return (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
    }
    let z = normal_quantile(p);
    let (z2, v) = (z * z, df);
    let g1 = (z2 + 1.0) * z / 4.0;
    let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    let mut t = z + g1 / v + g2 / (v * v) + g3 / v.powi(3);
    let ln_norm = crate::special::ln_gamma((v + 1.0) / 2.0)
        - crate::special::ln_gamma(v / 2.0)
        - 0.5 * (v * std::f64::consts::PI).ln();
    for _ in 0..8 {
        let density = (ln_norm - (v + 1.0) / 2.0 * (1.0 + t * t / v).ln()).exp();
        let step = (t_cdf(t, v) - p) / density;
        t -= step;
        if step.abs() < 1e-12 * t.abs().max(1.0) {
            break;
        }
    }
    t
}

/// P(T ≤ t) for Student's t with `v` degrees of freedom.
fn t_cdf(t: f64, v: f64) -> f64 {
    let tail = 0.5 * incomplete_beta(v / 2.0, 0.5, v / (v + t * t));
    if t > 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// The regularised incomplete beta function I_x(a, b), by its continued fraction (Lentz).
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - incomplete_beta(b, a, 1.0 - x);
    }
    let front = (a * x.ln() + b * (1.0 - x).ln() - crate::special::ln_beta(a, b)).exp() / a;
    let tiny = 1e-300;
    let (mut c, mut d) = (1.0, 1.0 - (a + b) * x / (a + 1.0));
    d = 1.0 / if d.abs() < tiny { tiny } else { d };
    let mut f = d;
    for m in 1..300 {
        let m = m as f64;
        for num in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + num * d;
            d = 1.0 / if d.abs() < tiny { tiny } else { d };
            c = 1.0 + num / c;
            c = if c.abs() < tiny { tiny } else { c };
            f *= c * d;
        }
        if (c * d - 1.0).abs() < 1e-15 {
            break;
        }
    }
    front * f
}

/// The share of `values` at or above `top` (in %), with Wilson's interval.
pub fn share_at_least(values: &[f64], top: f64, level: f64) -> Estimate {
    let n = values.len();
    if n == 0 {
        return Estimate::none();
    }
    let k = values.iter().filter(|v| **v >= top).count();
    let z = normal_quantile(0.5 + level / 2.0);
    let (nf, p) = (n as f64, k as f64 / n as f64);
    let centre = (p + z * z / (2.0 * nf)) / (1.0 + z * z / nf);
    let half = z / (1.0 + z * z / nf) * (p * (1.0 - p) / nf + z * z / (4.0 * nf * nf)).sqrt();
    Estimate {
        value: 100.0 * p,
        lower: 100.0 * (centre - half).max(0.0),
        upper: 100.0 * (centre + half).min(1.0),
        n,
    }
}

/// CSAT on a 1–5 scale: the share answering 4 or 5.
pub fn csat(values: &[f64], level: f64) -> Estimate {
    share_at_least(values, 4.0, level)
}

/// NPS from 0–10 answers: % promoters (9–10) − % detractors (0–6), −100 … 100.
pub fn nps(values: &[f64], level: f64) -> Estimate {
    let n = values.len();
    if n == 0 {
        return Estimate::none();
    }
    let nf = n as f64;
    let pro = values.iter().filter(|v| **v >= 9.0).count() as f64 / nf;
    let det = values.iter().filter(|v| **v <= 6.0).count() as f64 / nf;
    let d = pro - det;
    let se = ((pro + det - d * d) / nf).sqrt();
    let z = normal_quantile(0.5 + level / 2.0);
    Estimate {
        value: 100.0 * d,
        lower: (100.0 * (d - z * se)).max(-100.0),
        upper: (100.0 * (d + z * se)).min(100.0),
        n,
    }
}

/// The mean with Student's t interval (CES, or any scale).
pub fn mean(values: &[f64], level: f64) -> Estimate {
    let n = values.len();
    if n == 0 {
        return Estimate::none();
    }
    let nf = n as f64;
    let m = values.iter().sum::<f64>() / nf;
    if n < 2 {
        return Estimate {
            value: m,
            lower: f64::NAN,
            upper: f64::NAN,
            n,
        };
    }
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (nf - 1.0);
    let half = t_quantile(0.5 + level / 2.0, nf - 1.0) * (var / nf).sqrt();
    Estimate {
        value: m,
        lower: m - half,
        upper: m + half,
        n,
    }
}

/// The gap of one attribute from (expected a, perceived b) pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gap {
    pub expected: f64,
    pub perceived: f64,
    /// c = mean b / mean a (above 1: better than expected).
    pub ratio: Estimate,
    /// Mean of b − a (paired).
    pub difference: Estimate,
}

pub fn gap(pairs: &[(f64, f64)], level: f64) -> Option<Gap> {
    let n = pairs.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let ma = pairs.iter().map(|p| p.0).sum::<f64>() / nf;
    let mb = pairs.iter().map(|p| p.1).sum::<f64>() / nf;
    if ma <= 0.0 {
        return None;
    }
    let (mut vaa, mut vbb, mut vab) = (0.0, 0.0, 0.0);
    for (a, b) in pairs {
        vaa += (a - ma) * (a - ma);
        vbb += (b - mb) * (b - mb);
        vab += (a - ma) * (b - mb);
    }
    let (vaa, vbb, vab) = (vaa / (nf - 1.0), vbb / (nf - 1.0), vab / (nf - 1.0));
    let r = mb / ma;
    // Var(b̄/ā) ≈ (Var b̄ − 2r Cov(ā, b̄) + r² Var ā) / ā².
    let var_r = ((vbb - 2.0 * r * vab + r * r * vaa) / nf / (ma * ma)).max(0.0);
    let z = normal_quantile(0.5 + level / 2.0);
    let diffs: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
    Some(Gap {
        expected: ma,
        perceived: mb,
        ratio: Estimate {
            value: r,
            lower: r - z * var_r.sqrt(),
            upper: r + z * var_r.sqrt(),
            n,
        },
        difference: mean(&diffs, level),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_published_tables() {
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-12);
        assert!((normal_quantile(0.05) + 1.644853626951472).abs() < 1e-12);
        assert!((normal_quantile(1e-6) + 4.753424308822899).abs() < 1e-10);
        // t tables (R's qt, scipy's t.ppf for the fractional df).
        for (df, want) in [
            (1.0, 12.706204736),
            (2.0, 4.302652730),
            (3.0, 3.182446305),
            (5.0, 2.570581836),
            (10.0, 2.228138852),
            (30.0, 2.042272456),
            (1000.0, 1.962339081),
            (4.5, 2.658912347),
        ] {
            let got = t_quantile(0.975, df);
            assert!((got - want).abs() < 1e-8, "df {df}: {got}");
        }
    }

    #[test]
    fn measures_on_small_known_samples() {
        // 10 answers, 7 in the top two boxes: 70 %, Wilson 95 % (39.7, 89.2).
        let v = [5., 4., 4., 5., 3., 2., 4., 5., 1., 4.];
        let c = csat(&v, 0.95);
        assert_eq!(c.value, 70.0);
        assert!(
            (c.lower - 39.68).abs() < 0.01 && (c.upper - 89.22).abs() < 0.01,
            "{c:?}"
        );
        // 5 promoters, 3 passives, 2 detractors: NPS 30.
        let r = [10., 9., 9., 10., 9., 7., 8., 8., 3., 6.];
        let e = nps(&r, 0.95);
        assert!((e.value - 30.0).abs() < 1e-12);
        let se = ((0.5 + 0.2 - 0.09) / 10.0f64).sqrt();
        assert!((e.upper - 100.0 * (0.3 + 1.959963984540054 * se)).abs() < 1e-9);
        // Mean 3 of 1..5 with t(4): 3 ± 2.776 · √(2.5/5).
        let m = mean(&[1., 2., 3., 4., 5.], 0.95);
        assert!(
            (m.upper - (3.0 + 2.776445105 * 0.5f64.sqrt())).abs() < 1e-3,
            "{m:?}"
        );
        let g = gap(&[(4., 3.), (5., 4.), (4., 4.), (3., 3.)], 0.95).unwrap();
        assert!((g.ratio.value - 14.0 / 16.0).abs() < 1e-12);
        assert!((g.difference.value + 0.5).abs() < 1e-12);
        assert!(g.ratio.lower < g.ratio.value && g.ratio.value < g.ratio.upper);
        assert!(csat(&[], 0.95).value.is_nan() && gap(&[(1., 2.)], 0.95).is_none());
    }
}
