//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way"):
//! while alive a customer buys at a Poisson rate λ ~ Gamma(r, α); after each purchase they
//! drop out with probability p ~ Beta(a, b).
//!
//! The likelihood of a customer depends only on (x, t_x, T), so the fit runs on the distinct
//! triples with their counts ([`Triples`]): a million customers with day-resolution dates
//! have far fewer distinct triples, and per iteration the work is a few table look-ups, one
//! `exp` and one `ln` per triple. Standard errors come from the Hessian of the
//! log-likelihood at the optimum (central differences of the analytic gradient).

use crate::optim::{bfgs_from, hessian_from_gradient, invert};
use crate::special::{digamma, ln_beta, ln_gamma, ln_hyp2f1, HypError};
use hashbrown::HashMap;
use std::collections::HashMap as StdHashMap;

/// Fitted (or given) BG/NBD parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

/// A fit: the parameters, their standard errors and the log-likelihood.
#[derive(Debug, Clone, PartialEq)]
pub struct BgNbdFit {
    pub params: BgNbd,
    /// Standard errors of r, α, a, b (inverse observed information).
    pub se: [f64; 4],
    pub loglik: f64,
    pub n_customers: f64,
    pub n_triples: usize,
    pub iterations: usize,
}

/// Why a model could not be fitted.
#[derive(Debug, Clone, PartialEq)]
pub enum FitError {
    /// No customer to fit on.
    NoCustomers,
    /// Every customer has x = 0: the dropout process cannot be estimated.
    NoRepeatPurchases,
    /// The optimiser did not converge (iterations used, largest gradient component).
    NotConverged { iterations: usize, gradient: f64 },
    /// The optimum lies on the edge of the parameter space (named parameter ran off to 0 or
    /// infinity): the data do not identify the model.
    Degenerate { parameter: &'static str, value: f64 },
    /// Input values the model does not accept (negative times, t_x > T, non-finite).
    BadInput(String),
}

impl std::fmt::Display for FitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FitError::NoCustomers => write!(f, "no customers to fit the model on"),
            FitError::NoRepeatPurchases => write!(
                f,
                "no customer made a repeat purchase in the calibration period: the model cannot be fitted"
            ),
            FitError::NotConverged { iterations, gradient } => write!(
                f,
                "the fit did not converge after {iterations} iterations (largest gradient {gradient:.3e})"
            ),
            FitError::Degenerate { parameter, value } => write!(
                f,
                "degenerate fit: parameter {parameter} ran to {value:.3e}; the data do not identify the model"
            ),
            FitError::BadInput(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for FitError {}

/// Distinct (x, t_x, T) with how many customers share each.
#[derive(Debug, Clone, Default)]
pub struct Triples {
    pub x: Vec<u32>,
    pub t_x: Vec<f64>,
    pub t: Vec<f64>,
    pub count: Vec<f64>,
    index: HashMap<(u32, u64, u64), usize>,
}

impl Triples {
    pub fn new() -> Self {
        Self::default()
    }

    /// Room for `n` distinct triples without regrowing.
    pub fn with_capacity(n: usize) -> Self {
        Triples {
            x: Vec::with_capacity(n),
            t_x: Vec::with_capacity(n),
            t: Vec::with_capacity(n),
            count: Vec::with_capacity(n),
            index: HashMap::with_capacity(n),
        }
    }

    /// Add `count` customers with these statistics; returns the triple's index.
    pub fn add(&mut self, x: u32, t_x: f64, t: f64, count: f64) -> usize {
        let key = (x, t_x.to_bits(), t.to_bits());
        let next = self.x.len();
        let i = *self.index.entry(key).or_insert(next);
        if i == next {
            self.x.push(x);
            self.t_x.push(t_x);
            self.t.push(t);
            self.count.push(0.0);
        }
        self.count[i] += count;
        i
    }

    pub fn len(&self) -> usize {
        self.x.len()
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    pub fn customers(&self) -> f64 {
        self.count.iter().sum()
    }

    /// The same triples in one fixed order (by x, then t_x, then T): a fit on them does not
    /// depend on the order the customers came in, so every engine (one machine, the store, a
    /// cluster) that finds the same triples gets the same parameters to the last bit.
    pub fn canonical(&self) -> Triples {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_unstable_by(|&i, &j| {
            self.x[i]
                .cmp(&self.x[j])
                .then(self.t_x[i].total_cmp(&self.t_x[j]))
                .then(self.t[i].total_cmp(&self.t[j]))
        });
        let mut out = Triples::with_capacity(self.len());
        for i in order {
            out.add(self.x[i], self.t_x[i], self.t[i], self.count[i]);
        }
        out
    }

    fn check(&self) -> Result<(), FitError> {
        for i in 0..self.len() {
            let (x, tx, t) = (self.x[i], self.t_x[i], self.t[i]);
            if !(tx.is_finite() && t.is_finite()) || tx < 0.0 || t < tx || (x == 0 && tx != 0.0) {
                return Err(FitError::BadInput(format!(
                    "invalid summary x={x}, t_x={tx}, T={t}: need 0 <= t_x <= T (t_x = 0 when x = 0)"
                )));
            }
        }
        Ok(())
    }
}

/// The triples re-indexed for fast evaluation: per-x tables and unique time values.
struct Prepared {
    xs: Vec<f64>,
    /// Per triple: index into `xs`, into `values` for t_x and for T, and the weight.
    xi: Vec<u32>,
    txi: Vec<u32>,
    ti: Vec<u32>,
    w: Vec<f64>,
    values: Vec<f64>,
    n: f64,
}

impl Prepared {
    fn new(d: &Triples) -> Self {
        let mut xs: Vec<u32> = d.x.clone();
        xs.sort_unstable();
        xs.dedup();
        let xpos: StdHashMap<u32, u32> =
            xs.iter().enumerate().map(|(i, &x)| (x, i as u32)).collect();
        let mut vals: Vec<f64> = d.t_x.iter().chain(&d.t).copied().collect();
        vals.sort_by(f64::total_cmp);
        vals.dedup();
        let vpos = |v: f64| vals.binary_search_by(|p| p.total_cmp(&v)).unwrap() as u32;
        Prepared {
            xi: d.x.iter().map(|x| xpos[x]).collect(),
            txi: d.t_x.iter().map(|&v| vpos(v)).collect(),
            ti: d.t.iter().map(|&v| vpos(v)).collect(),
            w: d.count.clone(),
            xs: xs.iter().map(|&x| x as f64).collect(),
            n: d.customers(),
            values: vals,
        }
    }

    /// Total log-likelihood and (when `grad` is given) its gradient in r, α, a, b.
    fn loglik(&self, p: &BgNbd, grad: Option<&mut [f64; 4]>) -> f64 {
        let BgNbd { r, alpha, a, b } = *p;
        let want_grad = grad.is_some();
        let lv: Vec<f64> = self.values.iter().map(|v| (alpha + v).ln()).collect();
        let iv: Vec<f64> = if want_grad {
            self.values.iter().map(|v| 1.0 / (alpha + v)).collect()
        } else {
            Vec::new()
        };
        let (lg_r, lg_b, lg_ab, ln_alpha, ln_a) = (
            ln_gamma(r),
            ln_gamma(b),
            ln_gamma(a + b),
            alpha.ln(),
            a.ln(),
        );
        let (dg_r, dg_b, dg_ab) = if want_grad {
            (digamma(r), digamma(b), digamma(a + b))
        } else {
            (0.0, 0.0, 0.0)
        };
        // Per distinct x: constant part and the x-only parts of the gradient.
        let nx = self.xs.len();
        let mut c = vec![0.0; nx];
        let mut a4 = vec![0.0; nx];
        let mut inv_b = vec![0.0; nx];
        let mut gr = vec![0.0; nx];
        let mut ga = vec![0.0; nx];
        let mut gb = vec![0.0; nx];
        for (k, &x) in self.xs.iter().enumerate() {
            c[k] = ln_gamma(r + x) - lg_r + r * ln_alpha + lg_ab + ln_gamma(b + x)
                - lg_b
                - ln_gamma(a + b + x);
            if x > 0.0 {
                a4[k] = ln_a - (b + x - 1.0).ln();
                inv_b[k] = 1.0 / (b + x - 1.0);
            }
            if want_grad {
                let dg_abx = digamma(a + b + x);
                gr[k] = digamma(r + x) - dg_r + ln_alpha;
                ga[k] = dg_ab - dg_abx;
                gb[k] = dg_ab + digamma(b + x) - dg_b - dg_abx;
            }
        }
        let part = |range: std::ops::Range<usize>| {
            let mut ll = 0.0;
            let mut g = [0.0f64; 4];
            for i in range {
                let k = self.xi[i] as usize;
                let x = self.xs[k];
                let w = self.w[i];
                let (lt, ltx) = (lv[self.ti[i] as usize], lv[self.txi[i] as usize]);
                let rx = r + x;
                let e3 = -rx * lt;
                let (term, w4) = if x > 0.0 {
                    let e4 = a4[k] - rx * ltx;
                    if e3 >= e4 {
                        let q = (e4 - e3).exp();
                        (e3 + q.ln_1p(), q / (1.0 + q))
                    } else {
                        let q = (e3 - e4).exp();
                        (e4 + q.ln_1p(), 1.0 / (1.0 + q))
                    }
                } else {
                    (e3, 0.0)
                };
                ll += w * (c[k] + term);
                if want_grad {
                    let w3 = 1.0 - w4;
                    let (it, itx) = (iv[self.ti[i] as usize], iv[self.txi[i] as usize]);
                    g[0] += w * (gr[k] - w3 * lt - w4 * ltx);
                    g[1] += w * (r / alpha - rx * (w3 * it + w4 * itx));
                    g[2] += w * (ga[k] + w4 / a);
                    g[3] += w * (gb[k] - w4 * inv_b[k]);
                }
            }
            (ll, g)
        };
        let mut ll = 0.0;
        let mut g = [0.0f64; 4];
        for (l, gp) in crate::par::ranges(self.w.len(), 20_000, part) {
            ll += l;
            for k in 0..4 {
                g[k] += gp[k];
            }
        }
        if let Some(out) = grad {
            *out = g;
        }
        ll
    }
}

/// Above this many distinct triples the fit starts from one on a sample of
/// `WARM_START_SAMPLE` of them.
const WARM_START_ABOVE: usize = 30_000;
const WARM_START_SAMPLE: usize = 10_000;

/// Minimise the mean negative log-likelihood over log-parameters.
fn minimise(prep: &Prepared, x0: &[f64], h0: Option<&[f64]>) -> Option<crate::optim::Minimum> {
    let n = prep.n;
    let mut objective = |u: &[f64], gu: &mut [f64]| -> Option<f64> {
        if u.iter().any(|v| v.abs() > 40.0) {
            return None;
        }
        let theta = [u[0].exp(), u[1].exp(), u[2].exp(), u[3].exp()];
        let mut g = [0.0; 4];
        let ll = prep.loglik(&BgNbd::from_slice(&theta), Some(&mut g));
        for i in 0..4 {
            gu[i] = -g[i] * theta[i] / n;
        }
        Some(-ll / n)
    };
    bfgs_from(&mut objective, x0, h0, 1e-10, 2_000)
}

impl BgNbd {
    fn from_slice(v: &[f64]) -> Self {
        BgNbd {
            r: v[0],
            alpha: v[1],
            a: v[2],
            b: v[3],
        }
    }

    fn as_array(&self) -> [f64; 4] {
        [self.r, self.alpha, self.a, self.b]
    }

    /// Maximum-likelihood fit on the triples (taken in their canonical order).
    pub fn fit(data: &Triples) -> Result<BgNbdFit, FitError> {
        data.check()?;
        let data = &data.canonical();
        if data.is_empty() || data.customers() <= 0.0 {
            return Err(FitError::NoCustomers);
        }
        if data.x.iter().all(|&x| x == 0) {
            return Err(FitError::NoRepeatPurchases);
        }
        let t_max = data.t.iter().fold(0.0f64, |m, &v| m.max(v)).max(1e-9);
        // Start where lifetimes does after its time scaling: every parameter 1, α in units of
        // a tenth of the longest customer age.
        let mut x0 = vec![0.0, (t_max / 10.0).ln(), 0.0, 0.0];
        let mut h0 = None;
        if data.len() > WARM_START_ABOVE {
            // Most of the way on an evenly spread sample of the triples (with their counts),
            // then a few steps on all of them.
            let stride = data.len() / WARM_START_SAMPLE;
            let mut sample = Triples::with_capacity(WARM_START_SAMPLE + 1);
            for i in (0..data.len()).step_by(stride.max(1)) {
                sample.add(data.x[i], data.t_x[i], data.t[i], data.count[i]);
            }
            if sample.x.iter().any(|&x| x > 0) {
                if let Some(m) = minimise(&Prepared::new(&sample), &x0, None) {
                    x0 = m.x;
                    h0 = Some(m.inverse_hessian);
                }
            }
        }
        let prep = Prepared::new(data);
        let n = prep.n;
        let m = minimise(&prep, &x0, h0.as_deref()).ok_or(FitError::NotConverged {
            iterations: 0,
            gradient: f64::NAN,
        })?;
        let theta = fitted_parameters(&m, &["r", "alpha", "a", "b"])?;
        let params = BgNbd::from_slice(&theta);
        let se = standard_errors(&prep, &params);
        Ok(BgNbdFit {
            params,
            se,
            loglik: prep.loglik(&params, None),
            n_customers: n,
            n_triples: data.len(),
            iterations: m.iterations,
        })
    }

    /// Log-likelihood of the triples at these parameters.
    pub fn loglik(&self, data: &Triples) -> f64 {
        Prepared::new(data).loglik(self, None)
    }

    /// Gradient of the log-likelihood in (r, α, a, b) (for tests and diagnostics).
    pub fn loglik_gradient(&self, data: &Triples) -> [f64; 4] {
        let mut g = [0.0; 4];
        Prepared::new(data).loglik(self, Some(&mut g));
        g
    }

    /// P(alive | x, t_x, T).
    pub fn p_alive(&self, x: u32, t_x: f64, t: f64) -> f64 {
        if x == 0 {
            return 1.0;
        }
        let xf = x as f64;
        let ln_odds = self.a.ln() - (self.b + xf - 1.0).ln()
            + (self.r + xf) * ((self.alpha + t) / (self.alpha + t_x)).ln();
        1.0 / (1.0 + ln_odds.exp())
    }

    /// Expected purchases of one customer in the next `horizon` periods, given (x, t_x, T).
    pub fn conditional_expected(
        &self,
        horizon: f64,
        x: u32,
        t_x: f64,
        t: f64,
    ) -> Result<f64, HypError> {
        if horizon <= 0.0 {
            return Ok(0.0);
        }
        if let Some(limit) = self.limit_at_a_one(|m| m.conditional_expected(horizon, x, t_x, t)) {
            return limit;
        }
        let g = self.remaining_term(horizon, x, t)?;
        Ok(self.expectation_factor(x) * (1.0 - g) * self.p_alive(x, t_x, t))
    }

    /// The expectations divide by a − 1: at a = 1 they are 0/0, and their limit is the mean of
    /// the values just either side.
    fn limit_at_a_one(
        &self,
        f: impl Fn(&BgNbd) -> Result<f64, HypError>,
    ) -> Option<Result<f64, HypError>> {
        if (self.a - 1.0).abs() >= 1e-7 {
            return None;
        }
        let side = |a: f64| f(&BgNbd { a, ..*self });
        Some(side(1.0 - 1e-7).and_then(|lo| side(1.0 + 1e-7).map(|hi| 0.5 * (lo + hi))))
    }

    /// (a + b + x − 1) / (a − 1): with [`Self::remaining_term`] and P(alive), the conditional
    /// expectation is `factor · (1 − term) · P(alive)` (a ≠ 1).
    pub fn expectation_factor(&self, x: u32) -> f64 {
        (self.a + self.b + x as f64 - 1.0) / (self.a - 1.0)
    }

    /// ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t)): the part of the conditional
    /// expectation that depends on (x, T) and the horizon but not on t_x, so callers can share
    /// it between customers.
    pub fn remaining_term(&self, horizon: f64, x: u32, t: f64) -> Result<f64, HypError> {
        let xf = x as f64;
        let BgNbd { r, alpha, a, b } = *self;
        let z = horizon / (alpha + t + horizon);
        let (lh, sign) = ln_hyp2f1(r + xf, b + xf, a + b + xf - 1.0, z)?;
        Ok(sign * ((r + xf) * (-z).ln_1p() + lh).exp())
    }

    /// Expected purchases of a new customer (not counting the first) in `t` periods, E[X(t)].
    pub fn expected_new(&self, t: f64) -> Result<f64, HypError> {
        if t <= 0.0 {
            return Ok(0.0);
        }
        if let Some(limit) = self.limit_at_a_one(|m| m.expected_new(t)) {
            return limit;
        }
        let BgNbd { r, alpha, a, b } = *self;
        let z = t / (alpha + t);
        let (lh, sign) = ln_hyp2f1(r, b, a + b - 1.0, z)?;
        let g = sign * (r * (-z).ln_1p() + lh).exp();
        Ok((a + b - 1.0) / (a - 1.0) * (1.0 - g))
    }

    /// P(X(t) = n): the probability that a new customer makes exactly n repeat purchases in
    /// (0, t] (FHL 2005 eq. 8). The NBD tail is summed directly so small probabilities keep
    /// their precision.
    pub fn prob_n(&self, t: f64, n: u32) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        let nf = n as f64;
        let lp = (t / (alpha + t)).ln(); // ln of the NBD "success" probability
        let lq = (alpha / (alpha + t)).ln();
        let ln_b_ab = ln_beta(a, b);
        let nbd = |j: f64| ln_gamma(r + j) - ln_gamma(r) - ln_gamma(j + 1.0) + r * lq + j * lp;
        let first = (ln_beta(a, b + nf) - ln_b_ab + nbd(nf)).exp();
        if n == 0 {
            return first;
        }
        // P(NBD >= n) as the sum of its pmf from n upward (terms fall geometrically by
        // about t/(α+t)); when that is slow, as 1 - P(NBD < n).
        let mut tail = 0.0;
        let mut j = nf;
        let mut term = nbd(j).exp();
        let ratio_limit = lp.exp();
        let mut steps = 0;
        loop {
            tail += term;
            let ratio = (r + j) / (j + 1.0) * ratio_limit;
            term *= ratio;
            j += 1.0;
            steps += 1;
            if (ratio < 1.0 && term * ratio / (1.0 - ratio) <= 1e-17 * tail) || steps > 100_000 {
                break;
            }
        }
        if steps > 100_000 {
            tail = 1.0 - (0..n).map(|j| nbd(j as f64).exp()).sum::<f64>();
        }
        first + (ln_beta(a + 1.0, b + nf - 1.0) - ln_b_ab).exp() * tail
    }
}

/// The parameters (exp of the optimiser's log-parameters) of a fit that converged inside the
/// parameter space; the error names the parameter that ran to 0 or infinity.
pub(crate) fn fitted_parameters(
    m: &crate::optim::Minimum,
    names: &[&'static str],
) -> Result<Vec<f64>, FitError> {
    let theta: Vec<f64> = m.x.iter().map(|v| v.exp()).collect();
    for (name, &v) in names.iter().zip(&theta) {
        if !(1e-8..=1e8).contains(&v) {
            return Err(FitError::Degenerate {
                parameter: name,
                value: v,
            });
        }
    }
    if !m.converged {
        return Err(FitError::NotConverged {
            iterations: m.iterations,
            gradient: m.gradient_norm,
        });
    }
    Ok(theta)
}

fn standard_errors(prep: &Prepared, params: &BgNbd) -> [f64; 4] {
    let mut grad = |theta: &[f64], out: &mut [f64]| -> bool {
        if theta.iter().any(|v| *v <= 0.0) {
            return false;
        }
        let mut g = [0.0; 4];
        prep.loglik(&BgNbd::from_slice(theta), Some(&mut g));
        for i in 0..4 {
            out[i] = -g[i];
        }
        g.iter().all(|v| v.is_finite())
    };
    let theta = params.as_array();
    let Some(h) = hessian_from_gradient(&mut grad, &theta) else {
        return [f64::NAN; 4];
    };
    match invert(&h, 4) {
        Some(inv) => {
            let mut se = [f64::NAN; 4];
            for i in 0..4 {
                let v = inv[i * 4 + i];
                se[i] = if v > 0.0 { v.sqrt() } else { f64::NAN };
            }
            se
        }
        None => [f64::NAN; 4],
    }
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    /// The BTYD vignette's parameters for CDNOW (weeks).
    fn btyd() -> BgNbd {
        BgNbd {
            r: 0.2425982,
            alpha: 4.4136842,
            a: 0.7929899,
            b: 2.4261667,
        }
    }

    #[test]
    fn predictions_match_the_btyd_vignette() {
        let m = btyd();
        let e = m.conditional_expected(52.0, 26, 30.85714, 31.0).unwrap();
        assert!((e - 25.75659).abs() < 1e-3, "{e}");
        let pa = m.p_alive(26, 30.85714, 31.0);
        assert!((pa - 0.9688523).abs() < 1e-6, "{pa}");
        let e = m.expected_new(52.0).unwrap();
        assert!((e - 1.444004).abs() < 1e-5, "{e}");
        for (x, want) in [
            (10, 0.3474606),
            (15, 0.04283391),
            (20, 0.004158973),
            (25, 0.0003583685),
        ] {
            let got = m.conditional_expected(52.0, x, 20.0, 39.0).unwrap();
            assert!(((got - want) / want).abs() < 1e-5, "x={x}: {got} vs {want}");
        }
    }

    #[test]
    fn the_gradient_is_the_derivative_of_the_likelihood() {
        let mut d = Triples::new();
        for (x, tx, t, c) in [
            (0, 0.0, 30.0, 50.0),
            (1, 3.0, 32.0, 10.0),
            (4, 20.0, 35.0, 3.0),
            (12, 33.0, 36.0, 1.0),
        ] {
            d.add(x, tx, t, c);
        }
        let m = btyd();
        let g = m.loglik_gradient(&d);
        crate::optim::assert_gradient(|t| BgNbd::from_slice(t).loglik(&d), &m.as_array(), &g);
    }

    #[test]
    fn probabilities_of_n_purchases_add_up() {
        let m = btyd();
        let total: f64 = (0..400).map(|n| m.prob_n(39.0, n)).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        // The mean of the distribution is E[X(t)].
        let mean: f64 = (0..400).map(|n| n as f64 * m.prob_n(39.0, n)).sum();
        assert!((mean - m.expected_new(39.0).unwrap()).abs() < 1e-8);
    }

    /// Customers all acquired at 0 and observed for `t` periods, by the model's own story.
    fn simulate(m: &BgNbd, n: usize, t: f64, rng: &mut rand::rngs::StdRng) -> Triples {
        use rand::Rng;
        use rand_distr::{Beta, Distribution, Exp, Gamma};
        let lam = Gamma::new(m.r, 1.0 / m.alpha).unwrap();
        let drop = Beta::new(m.a, m.b).unwrap();
        let mut d = Triples::new();
        for _ in 0..n {
            let (l, p): (f64, f64) = (lam.sample(rng), drop.sample(rng));
            let (mut now, mut x, mut last) = (0.0, 0u32, 0.0);
            if l > 0.0 {
                let gap = Exp::new(l).unwrap();
                loop {
                    now += gap.sample(rng);
                    if now > t {
                        break;
                    }
                    x += 1;
                    last = now;
                    if rng.gen_bool(p) {
                        break;
                    }
                }
            }
            d.add(x, last, t, 1.0);
        }
        d
    }

    #[test]
    fn a_warm_started_fit_ends_where_a_cold_one_does() {
        let truth = BgNbd {
            r: 0.25,
            alpha: 4.4,
            a: 0.8,
            b: 2.4,
        };
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(11);
        let data = simulate(&truth, 90_000, 52.0, &mut rng);
        assert!(data.len() > WARM_START_ABOVE, "{} triples", data.len());
        let warm = BgNbd::fit(&data).unwrap();
        let t_max = 52.0f64;
        let cold = minimise(
            &Prepared::new(&data),
            &[0.0, (t_max / 10.0).ln(), 0.0, 0.0],
            None,
        )
        .unwrap();
        let cold_params: Vec<f64> = cold.x.iter().map(|u| u.exp()).collect();
        let warm_params = [
            warm.params.r,
            warm.params.alpha,
            warm.params.a,
            warm.params.b,
        ];
        for (w, c) in warm_params.iter().zip(&cold_params) {
            assert!((w - c).abs() < 1e-4 * c, "{w} vs {c}");
        }
        assert!(
            warm.iterations < cold.iterations,
            "{} vs {}",
            warm.iterations,
            cold.iterations
        );
        let cold_ll = BgNbd::from_slice(&cold_params).loglik(&data);
        assert!((warm.loglik - cold_ll).abs() < 1e-6 * cold_ll.abs());
    }

    #[test]
    fn fitting_recovers_simulated_parameters_and_refuses_bad_data() {
        let truth = BgNbd {
            r: 0.5,
            alpha: 8.0,
            a: 0.8,
            b: 2.5,
        };
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7);
        let data = simulate(&truth, 20_000, 52.0, &mut rng);
        let fit = BgNbd::fit(&data).unwrap();
        let p = fit.params;
        for (got, want, se) in [
            (p.r, truth.r, fit.se[0]),
            (p.alpha, truth.alpha, fit.se[1]),
            (p.a, truth.a, fit.se[2]),
            (p.b, truth.b, fit.se[3]),
        ] {
            assert!((got - want).abs() < 4.0 * se, "{got} vs {want} (se {se})");
        }
        let mut none = Triples::new();
        none.add(0, 0.0, 10.0, 5.0);
        assert_eq!(BgNbd::fit(&none).unwrap_err(), FitError::NoRepeatPurchases);
        assert_eq!(
            BgNbd::fit(&Triples::new()).unwrap_err(),
            FitError::NoCustomers
        );
        let mut bad = Triples::new();
        bad.add(2, 12.0, 10.0, 1.0);
        assert!(matches!(BgNbd::fit(&bad), Err(FitError::BadInput(_))));
    }
}
