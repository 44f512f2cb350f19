//! Bootstrap intervals of a PLS fit (see [`bootstrap`]).

use super::*;

/// Percentile bootstrap intervals of the path coefficients, outer weights and loadings.
#[derive(Debug, Clone, PartialEq)]
pub struct Bootstrap {
    pub resamples: usize,
    /// Resamples whose fit failed (e.g. a resample with a constant indicator), left out.
    pub failed: usize,
    /// `[from][to]`: (lower, upper) of the path coefficient, for the model's paths.
    pub path: Vec<Vec<Option<(f64, f64)>>>,
    /// Per block, per indicator: (lower, upper).
    pub outer_weights: Vec<Vec<(f64, f64)>>,
    pub loadings: Vec<Vec<(f64, f64)>>,
    /// Standard deviation over the resamples of each path coefficient.
    pub path_se: Vec<Vec<f64>>,
}

/// `resamples` fits on respondents drawn with replacement, the k-th from its own generator
/// seeded with (`seed`, k): the same intervals on every run and every number of cores.
/// `level` is the interval's coverage (0.95). Sign flips of a construct between resamples are
/// undone against the full fit, as SmartPLS and seminr do (construct-level sign change).
///
/// A resample's fit needs only its covariance matrix: the respondents are held once, row by
/// row and centred, and each resample adds up the outer products of the rows it drew (each row
/// once, times the number of draws), so no resampled copy of the data is ever made.
pub fn bootstrap(
    data: &[Vec<f64>],
    model: &Model,
    opts: &Options,
    full: &PlsFit,
    resamples: usize,
    seed: u64,
    level: f64,
) -> Bootstrap {
    use rand::{Rng, SeedableRng};
    let layout = Layout::new(model);
    let p = layout.p;
    let cols: Vec<&[f64]> = layout.columns.iter().map(|&c| &data[c][..]).collect();
    let n = cols[0].len();
    let mean: Vec<f64> = cols.iter().map(|c| mean(c)).collect();
    let mut rows = vec![0.0; n * p];
    for (a, (col, m)) in cols.iter().zip(&mean).enumerate() {
        for (i, v) in col.iter().enumerate() {
            rows[i * p + a] = v - m;
        }
    }
    let runs = crate::par::map_min(
        resamples,
        1,
        |k| -> Result<Option<PlsFit>, ()> {
            let mut rng = rand::rngs::StdRng::seed_from_u64(
                seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let mut draws = vec![0u32; n];
            for _ in 0..n {
                draws[rng.gen_range(0..n)] += 1;
            }
            // Σ c_i x_i and Σ c_i x_i x_i' (upper triangle) over the drawn rows.
            let (mut sum, mut g) = (vec![0.0; p], vec![0.0; p * p]);
            for (row, &c) in rows.chunks_exact(p).zip(&draws) {
                if c == 0 {
                    continue;
                }
                let c = c as f64;
                for a in 0..p {
                    let ca = c * row[a];
                    sum[a] += ca;
                    for (cell, xb) in g[a * p + a..(a + 1) * p].iter_mut().zip(&row[a..]) {
                        *cell += ca * xb;
                    }
                }
            }
            let nf = n as f64;
            let mut s = vec![0.0; p * p];
            for a in 0..p {
                for b in a..p {
                    let v = (g[a * p + b] - sum[a] * sum[b] / nf) / (nf - 1.0);
                    s[a * p + b] = v;
                    s[b * p + a] = v;
                }
            }
            if (0..p).any(|a| s[a * p + a] <= 0.0) {
                return Ok(None);
            }
            if opts.standardise {
                let scale: Vec<f64> = (0..p).map(|a| s[a * p + a].sqrt()).collect();
                rescale(&mut s, &scale);
            }
            let Ok(mut f) = fit_covariance(&s, &layout, model, opts) else {
                return Ok(None);
            };
            for (b, fw) in full.outer_weights.iter().enumerate() {
                let dot: f64 = fw.iter().zip(&f.outer_weights[b]).map(|(a, c)| a * c).sum();
                if dot < 0.0 {
                    f.outer_weights[b].iter_mut().for_each(|v| *v = -*v);
                    f.loadings[b].iter_mut().for_each(|v| *v = -*v);
                    let j = f.path.len();
                    for m in 0..j {
                        f.path[b][m] = -f.path[b][m];
                        f.path[m][b] = -f.path[m][b];
                    }
                }
            }
            Ok(Some(f))
        },
        |_| {},
    )
    .unwrap_or_default();
    let ok: Vec<&PlsFit> = runs.iter().flatten().collect();
    let alpha = (1.0 - level) / 2.0;
    let interval = |mut v: Vec<f64>| -> (f64, f64) {
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return (f64::NAN, f64::NAN);
        }
        let at = |q: f64| {
            let pos = q * (v.len() - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = (lo + 1).min(v.len() - 1);
            v[lo] + (pos - lo as f64) * (v[hi] - v[lo])
        };
        (at(alpha), at(1.0 - alpha))
    };
    let j = full.path.len();
    let mut path = vec![vec![None; j]; j];
    let mut path_se = vec![vec![0.0; j]; j];
    for &(a, b) in &model.paths {
        let v: Vec<f64> = ok.iter().map(|f| f.path[a][b]).collect();
        let m = v.iter().sum::<f64>() / v.len().max(1) as f64;
        path_se[a][b] =
            (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len().max(2) - 1) as f64).sqrt();
        path[a][b] = Some(interval(v));
    }
    let per_indicator = |get: &dyn Fn(&PlsFit) -> &Vec<Vec<f64>>| -> Vec<Vec<(f64, f64)>> {
        get(full)
            .iter()
            .enumerate()
            .map(|(b, ws)| {
                (0..ws.len())
                    .map(|h| interval(ok.iter().map(|f| get(f)[b][h]).collect()))
                    .collect()
            })
            .collect()
    };
    Bootstrap {
        resamples,
        failed: resamples - ok.len(),
        path,
        outer_weights: per_indicator(&|f| &f.outer_weights),
        loadings: per_indicator(&|f| &f.loadings),
        path_se,
    }
}
