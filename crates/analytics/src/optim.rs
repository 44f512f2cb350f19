//! Small dense optimisation helpers for the model fits: BFGS with a backtracking line search,
//! a Hessian by central differences of an analytic gradient, and a symmetric matrix inverse.
//! The models have 3–4 parameters, so nothing here needs to scale.

/// Objective value and gradient at a point; `None` (or a non-finite value) where undefined.
pub trait Objective {
    fn eval(&mut self, x: &[f64], grad: &mut [f64]) -> Option<f64>;
}

impl<F: FnMut(&[f64], &mut [f64]) -> Option<f64>> Objective for F {
    fn eval(&mut self, x: &[f64], grad: &mut [f64]) -> Option<f64> {
        self(x, grad)
    }
}

#[derive(Debug, Clone)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub iterations: usize,
    /// Largest gradient component at the end.
    pub gradient_norm: f64,
    pub converged: bool,
    /// The final inverse-Hessian approximation (row-major), to warm-start a related fit.
    pub inverse_hessian: Vec<f64>,
}

/// When no step lowers the value any more (rounding in a sum over many customers), the point
/// counts as the optimum if the largest gradient component is below this.
const STUCK_GTOL: f64 = 1e-6;

/// Minimise with BFGS from `x0`. Converged when the largest gradient component falls below
/// `gtol`, or the value stops changing (relative 1e-15) at a point where the gradient is small.
pub fn bfgs(f: &mut dyn Objective, x0: &[f64], gtol: f64, max_iter: usize) -> Option<Minimum> {
    bfgs_from(f, x0, None, gtol, max_iter)
}

/// [`bfgs`] starting from a known inverse-Hessian approximation (e.g. from a fit on a sample).
pub fn bfgs_from(
    f: &mut dyn Objective,
    x0: &[f64],
    h0: Option<&[f64]>,
    gtol: f64,
    max_iter: usize,
) -> Option<Minimum> {
    let n = x0.len();
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    let mut fx = f.eval(&x, &mut g).filter(|v| v.is_finite())?;
    if g.iter().any(|v| !v.is_finite()) {
        return None;
    }
    // Inverse Hessian approximation, row-major.
    let warm = h0.is_some();
    let mut h = h0.map_or_else(|| identity(n), <[f64]>::to_vec);
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut d = vec![0.0; n];
    let mut stalls = 0;
    for iter in 0..max_iter {
        let gnorm = max_abs(&g);
        if gnorm < gtol {
            return Some(done(x, fx, iter, gnorm, true, h));
        }
        for i in 0..n {
            d[i] = -(0..n).map(|j| h[i * n + j] * g[j]).sum::<f64>();
        }
        let mut slope: f64 = d.iter().zip(&g).map(|(a, b)| a * b).sum();
        if slope >= 0.0 {
            // Not a descent direction: restart from steepest descent.
            h = identity(n);
            for i in 0..n {
                d[i] = -g[i];
            }
            slope = -g.iter().map(|v| v * v).sum::<f64>();
        }
        // The best a step could gain is within the rounding of a sum over millions of
        // customers (the gradient itself is that noisy there): done.
        if -slope < 1e-12 * fx.abs() && gnorm < STUCK_GTOL.max(gtol) {
            return Some(done(x, fx, iter, gnorm, true, h));
        }
        // Keep the first steps modest: parameters are logs, a step of 5 is a factor of 150.
        let dmax = max_abs(&d);
        let mut step = if dmax > 5.0 { 5.0 / dmax } else { 1.0 };
        let mut accepted = None;
        for _ in 0..40 {
            for i in 0..n {
                x_new[i] = x[i] + step * d[i];
            }
            if let Some(v) = f.eval(&x_new, &mut g_new) {
                if v.is_finite()
                    && g_new.iter().all(|v| v.is_finite())
                    && v <= fx + 1e-4 * step * slope
                {
                    accepted = Some(v);
                    break;
                }
            }
            step *= 0.5;
        }
        let Some(f_new) = accepted else {
            // No decrease along d: at the optimum to machine precision, or stuck.
            let converged = gnorm < STUCK_GTOL.max(gtol);
            return Some(done(x, fx, iter, gnorm, converged, h));
        };
        let s: Vec<f64> = (0..n).map(|i| x_new[i] - x[i]).collect();
        let y: Vec<f64> = (0..n).map(|i| g_new[i] - g[i]).collect();
        let sy: f64 = s.iter().zip(&y).map(|(a, b)| a * b).sum();
        if sy > 1e-12 * norm(&s) * norm(&y) {
            if iter == 0 && !warm {
                // Scale the first approximation (Nocedal & Wright 6.20).
                let yy: f64 = y.iter().map(|v| v * v).sum();
                let scale = sy / yy;
                h.iter_mut().for_each(|v| *v *= scale);
            }
            let hy: Vec<f64> = (0..n)
                .map(|i| (0..n).map(|j| h[i * n + j] * y[j]).sum())
                .collect();
            let yhy: f64 = y.iter().zip(&hy).map(|(a, b)| a * b).sum();
            let rho = 1.0 / sy;
            for i in 0..n {
                for j in 0..n {
                    h[i * n + j] +=
                        rho * ((1.0 + rho * yhy) * s[i] * s[j] - hy[i] * s[j] - s[i] * hy[j]);
                }
            }
        }
        let change = (fx - f_new).abs();
        x.copy_from_slice(&x_new);
        g.copy_from_slice(&g_new);
        fx = f_new;
        if change <= 1e-15 * fx.abs().max(1e-300) {
            stalls += 1;
            if stalls >= 3 {
                let gnorm = max_abs(&g);
                return Some(done(
                    x,
                    fx,
                    iter + 1,
                    gnorm,
                    gnorm < STUCK_GTOL.max(gtol),
                    h,
                ));
            }
        } else {
            stalls = 0;
        }
    }
    let gnorm = max_abs(&g);
    Some(done(x, fx, max_iter, gnorm, gnorm < gtol, h))
}

fn done(
    x: Vec<f64>,
    value: f64,
    iterations: usize,
    gradient_norm: f64,
    converged: bool,
    inverse_hessian: Vec<f64>,
) -> Minimum {
    Minimum {
        x,
        value,
        iterations,
        gradient_norm,
        converged,
        inverse_hessian,
    }
}

fn identity(n: usize) -> Vec<f64> {
    let mut m = vec![0.0; n * n];
    for i in 0..n {
        m[i * n + i] = 1.0;
    }
    m
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Hessian (row-major) by central differences of the gradient `grad(x, out)`, symmetrised.
/// Steps are relative to each coordinate.
pub fn hessian_from_gradient(
    grad: &mut dyn FnMut(&[f64], &mut [f64]) -> bool,
    x: &[f64],
) -> Option<Vec<f64>> {
    let n = x.len();
    let mut hm = vec![0.0; n * n];
    let mut gp = vec![0.0; n];
    let mut gm = vec![0.0; n];
    let mut xp = x.to_vec();
    for j in 0..n {
        let h = 1e-5 * x[j].abs().max(1e-3);
        xp[j] = x[j] + h;
        if !grad(&xp, &mut gp) {
            return None;
        }
        xp[j] = x[j] - h;
        if !grad(&xp, &mut gm) {
            return None;
        }
        xp[j] = x[j];
        for i in 0..n {
            hm[i * n + j] = (gp[i] - gm[i]) / (2.0 * h);
        }
    }
    for i in 0..n {
        for j in 0..i {
            let v = 0.5 * (hm[i * n + j] + hm[j * n + i]);
            hm[i * n + j] = v;
            hm[j * n + i] = v;
        }
    }
    Some(hm)
}

/// Inverse of a square matrix (row-major) by Gauss–Jordan with partial pivoting; `None` when
/// singular.
pub fn invert(m: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut a = m.to_vec();
    let mut inv = identity(n);
    let scale = max_abs(m).max(1e-300);
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))?;
        if a[pivot * n + col].abs() <= 1e-14 * scale {
            return None;
        }
        if pivot != col {
            for k in 0..n {
                a.swap(pivot * n + k, col * n + k);
                inv.swap(pivot * n + k, col * n + k);
            }
        }
        let p = a[col * n + col];
        for k in 0..n {
            a[col * n + k] /= p;
            inv[col * n + k] /= p;
        }
        for i in 0..n {
            if i != col {
                let factor = a[i * n + col];
                if factor != 0.0 {
                    for k in 0..n {
                        a[i * n + k] -= factor * a[col * n + k];
                        inv[i * n + k] -= factor * inv[col * n + k];
                    }
                }
            }
        }
    }
    Some(inv)
}

/// Test helper: `grad` is the derivative of `f` at `theta`, by central differences.
#[cfg(test)]
pub(crate) fn assert_gradient(f: impl Fn(&[f64]) -> f64, theta: &[f64], grad: &[f64]) {
    for i in 0..theta.len() {
        let h = 1e-6 * theta[i];
        let (mut up, mut down) = (theta.to_vec(), theta.to_vec());
        up[i] += h;
        down[i] -= h;
        let num = (f(&up) - f(&down)) / (2.0 * h);
        assert!(
            (num - grad[i]).abs() < 1e-5 * num.abs().max(1.0),
            "parameter {i}: numeric {num} vs analytic {}",
            grad[i]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bfgs_finds_the_rosenbrock_minimum() {
        let mut f = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            Some((1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2))
        };
        let m = bfgs(&mut f, &[-1.2, 1.0], 1e-10, 500).unwrap();
        assert!(m.converged, "{m:?}");
        assert!(
            (m.x[0] - 1.0).abs() < 1e-8 && (m.x[1] - 1.0).abs() < 1e-8,
            "{m:?}"
        );
    }

    #[test]
    fn hessian_and_inverse_of_a_quadratic() {
        // f = x'Ax/2 with A = [[4,1],[1,3]]: gradient Ax, Hessian A.
        let mut grad = |x: &[f64], g: &mut [f64]| {
            g[0] = 4.0 * x[0] + x[1];
            g[1] = x[0] + 3.0 * x[1];
            true
        };
        let h = hessian_from_gradient(&mut grad, &[0.3, -2.0]).unwrap();
        for (got, want) in h.iter().zip([4.0, 1.0, 1.0, 3.0]) {
            assert!((got - want).abs() < 1e-8);
        }
        let inv = invert(&h, 2).unwrap();
        for (got, want) in inv
            .iter()
            .zip([3.0 / 11.0, -1.0 / 11.0, -1.0 / 11.0, 4.0 / 11.0])
        {
            assert!((got - want).abs() < 1e-8);
        }
        assert!(invert(&[1.0, 2.0, 2.0, 4.0], 2).is_none());
    }
}
