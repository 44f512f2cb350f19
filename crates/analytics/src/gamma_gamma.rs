//! The Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma model of monetary
//! value"): the value of each purchase is Gamma(p, ν), and ν varies across customers as
//! Gamma(q, γ). Fitted on the customers with repeat purchases from (x, z̄), z̄ the mean value
//! of the repeat purchases, with the full density of z̄ given x (constants included, so the
//! log-likelihood equals CLVTools').

use crate::bgnbd::FitError;
use crate::optim::{bfgs_from, hessian_from_gradient, invert};
use crate::special::{digamma, ln_gamma};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GammaGammaFit {
    pub params: GammaGamma,
    /// Standard errors of p, q, γ.
    pub se: [f64; 3],
    pub loglik: f64,
    /// Customers the fit used (x > 0, z̄ > 0).
    pub n_customers: usize,
    pub iterations: usize,
}

/// Customers with their repeat-purchase count and mean repeat value, prepared for the fit;
/// each row stands for `weight` customers with the same (x, z̄) (1 for one customer).
struct Prepared {
    xs: Vec<f64>,
    xi: Vec<u32>,
    zbar: Vec<f64>,
    weight: Vec<f64>,
    /// Customers (Σ weights).
    n: f64,
    /// Σ over customers of ln z̄ weighted by x, Σ ln z̄, Σ x ln x.
    sum_x_lnz: f64,
    sum_lnz: f64,
    sum_x_lnx: f64,
}

impl Prepared {
    fn new(data: &[(u32, f64, f64)]) -> Self {
        let mut xpos: HashMap<u32, u32> = HashMap::new();
        let mut xs = Vec::new();
        let mut xi = Vec::with_capacity(data.len());
        let mut zbar = Vec::with_capacity(data.len());
        let mut weight = Vec::with_capacity(data.len());
        let (mut n, mut sum_x_lnz, mut sum_lnz, mut sum_x_lnx) = (0.0, 0.0, 0.0, 0.0);
        for &(x, z, w) in data {
            let k = *xpos.entry(x).or_insert_with(|| {
                xs.push(x as f64);
                (xs.len() - 1) as u32
            });
            xi.push(k);
            zbar.push(z);
            weight.push(w);
            let (xf, lz) = (x as f64, z.ln());
            n += w;
            sum_x_lnz += w * xf * lz;
            sum_lnz += w * lz;
            sum_x_lnx += w * xf * xf.ln();
        }
        Prepared {
            xs,
            xi,
            zbar,
            weight,
            n,
            sum_x_lnz,
            sum_lnz,
            sum_x_lnx,
        }
    }

    /// Log-likelihood and gradient in (p, q, γ).
    fn loglik(&self, m: &GammaGamma, grad: Option<&mut [f64; 3]>) -> f64 {
        let GammaGamma { p, q, gamma } = *m;
        let want = grad.is_some();
        let nx = self.xs.len();
        let (mut c, mut gp, mut gq) = (vec![0.0; nx], vec![0.0; nx], vec![0.0; nx]);
        let (lg_q, dg_q) = (ln_gamma(q), if want { digamma(q) } else { 0.0 });
        for (k, &x) in self.xs.iter().enumerate() {
            c[k] = ln_gamma(p * x + q) - ln_gamma(p * x) - lg_q;
            if want {
                let d = digamma(p * x + q);
                gp[k] = x * (d - digamma(p * x));
                gq[k] = d - dg_q;
            }
        }
        let n = self.n;
        let ln_g = gamma.ln();
        let mut ll = q * ln_g * n + p * (self.sum_x_lnx + self.sum_x_lnz) - self.sum_lnz;
        let mut g = [0.0; 3];
        if want {
            g[0] = self.sum_x_lnx + self.sum_x_lnz;
            g[1] = n * ln_g;
            g[2] = n * q / gamma;
        }
        let part = |range: std::ops::Range<usize>| {
            let (mut ll, mut g) = (0.0, [0.0; 3]);
            for i in range {
                let k = self.xi[i] as usize;
                let x = self.xs[k];
                let s = gamma + x * self.zbar[i];
                let ls = s.ln();
                let e = p * x + q;
                let w = self.weight[i];
                ll += w * (c[k] - e * ls);
                if want {
                    g[0] += w * (gp[k] - x * ls);
                    g[1] += w * (gq[k] - ls);
                    g[2] -= w * (e / s);
                }
            }
            (ll, g)
        };
        for (l, gp) in crate::par::ranges(self.zbar.len(), 50_000, part) {
            ll += l;
            for k in 0..3 {
                g[k] += gp[k];
            }
        }
        if let Some(out) = grad {
            *out = g;
        }
        ll
    }
}

/// Above this many customers the fit starts from one on a sample of `WARM_START_SAMPLE`.
const WARM_START_ABOVE: usize = 400_000;
const WARM_START_SAMPLE: usize = 100_000;

/// Minimise the mean negative log-likelihood over log-parameters.
fn minimise(prep: &Prepared, x0: &[f64], h0: Option<&[f64]>) -> Option<crate::optim::Minimum> {
    let n = prep.n;
    let mut objective = |u: &[f64], gu: &mut [f64]| -> Option<f64> {
        if u.iter().any(|v| v.abs() > 40.0) {
            return None;
        }
        let th = [u[0].exp(), u[1].exp(), u[2].exp()];
        let mut g = [0.0; 3];
        let m = GammaGamma {
            p: th[0],
            q: th[1],
            gamma: th[2],
        };
        let ll = prep.loglik(&m, Some(&mut g));
        for i in 0..3 {
            gu[i] = -g[i] * th[i] / n;
        }
        Some(-ll / n)
    };
    bfgs_from(&mut objective, x0, h0, 1e-10, 2_000)
}

impl GammaGamma {
    /// Fit on (x, z̄) of the customers; those with x = 0 or z̄ <= 0 are left out, as the
    /// model requires.
    pub fn fit(customers: &[(u32, f64)]) -> Result<GammaGammaFit, FitError> {
        let data: Vec<(u32, f64, f64)> = customers.iter().map(|&(x, z)| (x, z, 1.0)).collect();
        Self::fit_weighted(&data)
    }

    /// Distinct (x, z̄) in one fixed order (by x, then z̄) with the count of each: the fit's
    /// input whatever order the customers came in, so every engine that finds the same
    /// customers gets the same parameters to the last bit.
    fn canonical(pairs: &[(u32, f64, f64)]) -> Vec<(u32, f64, f64)> {
        let mut sorted = pairs.to_vec();
        sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut out: Vec<(u32, f64, f64)> = Vec::with_capacity(sorted.len());
        for (x, z, w) in sorted {
            match out.last_mut() {
                Some(last) if last.0 == x && last.1.to_bits() == z.to_bits() => last.2 += w,
                _ => out.push((x, z, w)),
            }
        }
        out
    }

    /// [`GammaGamma::fit`] on distinct (x, z̄) with the number of customers having each, as a
    /// cluster hands them over: the same likelihood, each row counted `count` times.
    pub fn fit_weighted(pairs: &[(u32, f64, f64)]) -> Result<GammaGammaFit, FitError> {
        let data: Vec<(u32, f64, f64)> = Self::canonical(
            &pairs
                .iter()
                .copied()
                .filter(|&(x, z, w)| x > 0 && z > 0.0 && w > 0.0)
                .collect::<Vec<_>>(),
        );
        if let Some(&(x, z, _)) = data.iter().find(|(_, z, _)| !z.is_finite()) {
            return Err(FitError::BadInput(format!(
                "invalid mean spend {z} for x = {x}"
            )));
        }
        if data.is_empty() {
            return Err(FitError::NoRepeatPurchases);
        }
        let n: f64 = data.iter().map(|d| d.2).sum();
        let mean = data.iter().map(|d| d.2 * d.1).sum::<f64>() / n;
        // p = 1, q = 2 and γ = the mean: the population mean spend γp/(q-1) starts at the
        // observed one.
        let mut x0 = vec![0.0, 2f64.ln(), mean.ln()];
        let mut h0 = None;
        if data.len() > WARM_START_ABOVE {
            // Most of the way on an evenly spread sample, then a few steps on everything.
            let stride = data.len() / WARM_START_SAMPLE;
            let sample: Vec<(u32, f64, f64)> =
                data.iter().step_by(stride.max(1)).copied().collect();
            if let Some(m) = minimise(&Prepared::new(&sample), &x0, None) {
                x0 = m.x;
                h0 = Some(m.inverse_hessian);
            }
        }
        let prep = Prepared::new(&data);
        let m = minimise(&prep, &x0, h0.as_deref()).ok_or(FitError::NotConverged {
            iterations: 0,
            gradient: f64::NAN,
        })?;
        let th = crate::bgnbd::fitted_parameters(&m, &["p", "q", "gamma"])?;
        let params = GammaGamma {
            p: th[0],
            q: th[1],
            gamma: th[2],
        };
        let mut grad = |t: &[f64], out: &mut [f64]| -> bool {
            if t.iter().any(|v| *v <= 0.0) {
                return false;
            }
            let mut g = [0.0; 3];
            prep.loglik(
                &GammaGamma {
                    p: t[0],
                    q: t[1],
                    gamma: t[2],
                },
                Some(&mut g),
            );
            for i in 0..3 {
                out[i] = -g[i];
            }
            true
        };
        let mut se = [f64::NAN; 3];
        if let Some(inv) = hessian_from_gradient(&mut grad, &th).and_then(|h| invert(&h, 3)) {
            for i in 0..3 {
                if inv[i * 3 + i] > 0.0 {
                    se[i] = inv[i * 3 + i].sqrt();
                }
            }
        }
        Ok(GammaGammaFit {
            params,
            se,
            loglik: prep.loglik(&params, None),
            n_customers: n as usize,
            iterations: m.iterations,
        })
    }

    /// Log-likelihood of (x, z̄) (customers with x > 0 and z̄ > 0).
    pub fn loglik(&self, customers: &[(u32, f64)]) -> f64 {
        let data: Vec<(u32, f64, f64)> = customers
            .iter()
            .filter(|&&(x, z)| x > 0 && z > 0.0)
            .map(|&(x, z)| (x, z, 1.0))
            .collect();
        Prepared::new(&data).loglik(self, None)
    }

    /// E[Z | x, z̄]: the customer's expected value per purchase, a weighted mean of their own
    /// z̄ and the population mean γp/(q-1) (for x = 0, the population mean). `None` when the
    /// population mean does not exist (q <= 1) and the customer has no repeat purchases.
    pub fn expected_spend(&self, x: u32, zbar: f64) -> Option<f64> {
        let GammaGamma { p, q, gamma } = *self;
        let xf = x as f64;
        let den = p * xf + q - 1.0;
        if den <= 0.0 {
            return None;
        }
        Some(p * (gamma + xf * zbar) / den)
    }

    /// The population mean value per purchase, γp/(q-1) (None when q <= 1).
    pub fn population_mean(&self) -> Option<f64> {
        (self.q > 1.0).then(|| self.gamma * self.p / (self.q - 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gradient_is_the_derivative_of_the_likelihood() {
        let data = [
            (1, 10.0, 1.0),
            (2, 25.5, 3.0),
            (2, 7.25, 1.0),
            (5, 40.0, 2.0),
            (9, 13.0, 1.0),
        ];
        let m = GammaGamma {
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        };
        let prep = Prepared::new(&data);
        let mut g = [0.0; 3];
        prep.loglik(&m, Some(&mut g));
        let f = |t: &[f64]| {
            let m = GammaGamma {
                p: t[0],
                q: t[1],
                gamma: t[2],
            };
            prep.loglik(&m, None)
        };
        crate::optim::assert_gradient(f, &[m.p, m.q, m.gamma], &g);
    }

    #[test]
    fn the_density_integrates_to_one() {
        // ∫ f(z̄ | x) dz̄ = 1 for x = 3, by the trapezoid rule on a log grid.
        let m = GammaGamma {
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        };
        let (mut total, mut prev) = (0.0, None::<(f64, f64)>);
        for i in 0..=200_000 {
            let z = (-8.0 + 16.0 * i as f64 / 200_000.0_f64).exp() * 30.0;
            let d = m.loglik(&[(3, z)]).exp();
            if let Some((pz, pd)) = prev {
                total += 0.5 * (d + pd) * (z - pz);
            }
            prev = Some((z, d));
        }
        assert!((total - 1.0).abs() < 1e-6, "{total}");
    }

    #[test]
    fn fitting_recovers_simulated_parameters_and_refuses_bad_data() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, Gamma};
        let truth = GammaGamma {
            p: 6.0,
            q: 4.0,
            gamma: 15.0,
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let nu_d = Gamma::new(truth.q, 1.0 / truth.gamma).unwrap();
        let data: Vec<(u32, f64)> = (0..20_000)
            .map(|i| {
                let x = 1 + (i % 7) as u32;
                let nu: f64 = nu_d.sample(&mut rng);
                let z = Gamma::new(truth.p, 1.0 / nu).unwrap();
                let s: f64 = (0..x).map(|_| z.sample(&mut rng)).sum();
                (x, s / x as f64)
            })
            .collect();
        let fit = GammaGamma::fit(&data).unwrap();
        let p = fit.params;
        for (got, want, se) in [
            (p.p, truth.p, fit.se[0]),
            (p.q, truth.q, fit.se[1]),
            (p.gamma, truth.gamma, fit.se[2]),
        ] {
            assert!((got - want).abs() < 4.0 * se, "{got} vs {want} (se {se})");
        }
        assert_eq!(
            GammaGamma::fit(&[(0, 0.0), (0, 0.0)]).unwrap_err(),
            FitError::NoRepeatPurchases
        );
        assert!(matches!(
            GammaGamma::fit(&[(1, f64::INFINITY)]),
            Err(FitError::BadInput(_))
        ));
        // Distinct (x, z̄) with counts, as a cluster hands them over: the same fit.
        let rounded: Vec<(u32, f64)> = data.iter().map(|&(x, z)| (x, z.round())).collect();
        let mut counts: std::collections::BTreeMap<(u32, u64), f64> = Default::default();
        for &(x, z) in &rounded {
            *counts.entry((x, z.to_bits())).or_default() += 1.0;
        }
        let pairs: Vec<(u32, f64, f64)> = counts
            .iter()
            .map(|(&(x, z), &w)| (x, f64::from_bits(z), w))
            .collect();
        assert!(pairs.len() < rounded.len() / 2, "{} pairs", pairs.len());
        let (one, each) = (
            GammaGamma::fit_weighted(&pairs).unwrap(),
            GammaGamma::fit(&rounded).unwrap(),
        );
        assert_eq!(one.n_customers, each.n_customers);
        for (a, b) in [
            (one.params.p, each.params.p),
            (one.params.q, each.params.q),
            (one.params.gamma, each.params.gamma),
            (one.loglik, each.loglik),
        ] {
            assert!((a - b).abs() <= 1e-8 * b.abs(), "{a} vs {b}");
        }
    }
}
