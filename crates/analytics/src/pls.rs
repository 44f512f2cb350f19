//! PLS path modelling (PLS-SEM, SPEC.md §2.1): latent constructs measured by blocks of survey
//! items, a structural model of paths between them, estimated by Wold's iterative algorithm
//! (Lohmöller's formulation, as in Tenenhaus et al. 2005): outer weights from each construct's
//! inner proxy (mode A: covariances; mode B: a multiple regression), inner weights by the
//! centroid, factorial or path-weighting scheme, until the weights stop moving; then path
//! coefficients by least squares on the construct scores, R², loadings.
//!
//! Indicators are standardised (mean 0, variance 1: SmartPLS, seminr, semPLS) or only centred
//! (the ECSI tradition, R plspm `scaled = FALSE`); construct scores always have variance 1.
//! Variances divide by n − 1.

use std::fmt;

/// The ECSI structure (Tenenhaus et al. 2005): its constructs, and the paths between them as
/// (from, to) indices into [`ECSI_CONSTRUCTS`]. The ACSI model is the same without company image.
pub const ECSI_CONSTRUCTS: [&str; 7] = [
    "Image",
    "Expectation",
    "Quality",
    "Value",
    "Satisfaction",
    "Complaints",
    "Loyalty",
];
pub const ECSI_PATHS: [(usize, usize); 12] = [
    (0, 1),
    (0, 4),
    (0, 6),
    (1, 2),
    (1, 3),
    (1, 4),
    (2, 3),
    (2, 4),
    (3, 4),
    (4, 5),
    (4, 6),
    (5, 6),
];

/// How a block's outer weights are estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Reflective: each weight is the indicator's covariance with the inner proxy.
    A,
    /// Formative: the weights regress the inner proxy on the block's indicators.
    B,
}

/// Inner weighting scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Centroid,
    Factorial,
    Path,
}

impl Scheme {
    pub fn parse(s: &str) -> Option<Scheme> {
        match s {
            "centroid" => Some(Scheme::Centroid),
            "factorial" => Some(Scheme::Factorial),
            "path" | "path-weighting" | "pathweighting" => Some(Scheme::Path),
            _ => None,
        }
    }
}

/// A construct and the columns of its indicators.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub name: String,
    pub indicators: Vec<usize>,
    pub mode: Mode,
}

/// Constructs and the structural paths `(from, to)` between them (indices into `blocks`).
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub blocks: Vec<Block>,
    pub paths: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    pub scheme: Scheme,
    /// Standardise the indicators (true) or only centre them.
    pub standardise: bool,
    /// Stop when no outer weight changes by more than this between iterations.
    pub tolerance: f64,
    pub max_iterations: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            scheme: Scheme::Centroid,
            standardise: true,
            tolerance: 1e-10,
            max_iterations: 300,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PlsError {
    /// Something about the model itself (what and where).
    Model(String),
    /// Something about the data (which column, why).
    Data(String),
    NotConverged {
        iterations: usize,
    },
}

impl fmt::Display for PlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlsError::Model(m) => write!(f, "invalid model: {m}"),
            PlsError::Data(m) => write!(f, "invalid data: {m}"),
            PlsError::NotConverged { iterations } => {
                write!(f, "the weights did not settle in {iterations} iterations")
            }
        }
    }
}

impl std::error::Error for PlsError {}

/// The estimated model.
#[derive(Debug, Clone, PartialEq)]
pub struct PlsFit {
    /// Per block, per indicator (in the block's order): outer weights, on the indicators as
    /// they were used (standardised or centred).
    pub outer_weights: Vec<Vec<f64>>,
    /// Per block, per indicator: correlation of the indicator with its construct's score.
    pub loadings: Vec<Vec<f64>>,
    /// `path[from][to]`: the path coefficient (0 where there is no path).
    pub path: Vec<Vec<f64>>,
    /// R² of each endogenous construct (None for exogenous ones).
    pub r2: Vec<Option<f64>>,
    /// Construct scores (variance 1), per block, per respondent.
    pub scores: Vec<Vec<f64>>,
    pub iterations: usize,
    /// Whether the indicators were standardised (else only centred).
    pub standardised: bool,
}

impl PlsFit {
    /// Communality of each block: the mean squared loading of its indicators.
    pub fn communality(&self) -> Vec<f64> {
        self.loadings
            .iter()
            .map(|l| l.iter().map(|v| v * v).sum::<f64>() / l.len() as f64)
            .collect()
    }

    /// Average variance extracted per block: the mean squared loading (for reflective blocks
    /// the same figure as the communality).
    pub fn ave(&self) -> Vec<f64> {
        self.communality()
    }

    /// Composite reliability (Dillon-Goldstein's ρ) per block: (Σλ)² / ((Σλ)² + Σ(1 − λ²)).
    pub fn composite_reliability(&self) -> Vec<f64> {
        self.loadings
            .iter()
            .map(|l| {
                let s: f64 = l.iter().sum();
                let e: f64 = l.iter().map(|v| 1.0 - v * v).sum();
                s * s / (s * s + e)
            })
            .collect()
    }

    /// Redundancy per block: communality × R² (0 for exogenous constructs).
    pub fn redundancy(&self) -> Vec<f64> {
        self.communality()
            .iter()
            .zip(&self.r2)
            .map(|(c, r)| c * r.unwrap_or(0.0))
            .collect()
    }

    /// Total effects `[from][to]`: direct plus every indirect path (B + B² + …; the model is
    /// acyclic, so the sum ends).
    pub fn total_effects(&self) -> Vec<Vec<f64>> {
        let j = self.path.len();
        let mut total = self.path.clone();
        let mut power = self.path.clone();
        for _ in 1..j {
            let mut next = vec![vec![0.0; j]; j];
            for (row, p) in next.iter_mut().zip(&power) {
                for (&pam, path_m) in p.iter().zip(&self.path) {
                    if pam != 0.0 {
                        for (cell, &pmb) in row.iter_mut().zip(path_m) {
                            *cell += pam * pmb;
                        }
                    }
                }
            }
            if next.iter().flatten().all(|v| *v == 0.0) {
                break;
            }
            for a in 0..j {
                for b in 0..j {
                    total[a][b] += next[a][b];
                }
            }
            power = next;
        }
        total
    }

    /// Each construct's index on 0–100 from its indicators' raw answers, as ACSI computes it:
    /// the weights made unstandardised (divided by each indicator's standard deviation when the
    /// fit standardised them) and rescaled to sum to 1, applied to the indicators' means, then
    /// mapped from the answer scale [`scale_min`, `scale_max`] to 0–100.
    pub fn index(
        &self,
        data: &[Vec<f64>],
        model: &Model,
        scale_min: f64,
        scale_max: f64,
    ) -> Vec<f64> {
        model
            .blocks
            .iter()
            .zip(&self.outer_weights)
            .map(|(b, w)| {
                let raw: Vec<f64> = b
                    .indicators
                    .iter()
                    .zip(w)
                    .map(|(&c, wh)| {
                        if self.standardised {
                            wh / variance(&data[c]).sqrt()
                        } else {
                            *wh
                        }
                    })
                    .collect();
                let sum: f64 = raw.iter().sum();
                let score: f64 = b
                    .indicators
                    .iter()
                    .zip(&raw)
                    .map(|(&c, r)| r / sum * mean(&data[c]))
                    .sum();
                100.0 * (score - scale_min) / (scale_max - scale_min)
            })
            .collect()
    }

    /// Goodness of fit (Tenenhaus et al. 2005): √(mean communality × mean R²), the communality
    /// averaged over the indicators of blocks with more than one (a single indicator's is 1 by
    /// construction), R² over the endogenous constructs.
    pub fn gof(&self) -> f64 {
        let (mut sum, mut count) = (0.0, 0usize);
        for l in self.loadings.iter().filter(|l| l.len() > 1) {
            sum += l.iter().map(|v| v * v).sum::<f64>();
            count += l.len();
        }
        let r2: Vec<f64> = self.r2.iter().flatten().copied().collect();
        let mean_r2 = r2.iter().sum::<f64>() / r2.len().max(1) as f64;
        (sum / count.max(1) as f64 * mean_r2).sqrt()
    }
}

/// Columns of the data (`data[column][respondent]`) → fitted model.
pub fn fit(data: &[Vec<f64>], model: &Model, opts: &Options) -> Result<PlsFit, PlsError> {
    check(data, model)?;
    let n = data[model.blocks[0].indicators[0]].len();
    // The indicators as used, per block.
    let x: Vec<Vec<Vec<f64>>> = model
        .blocks
        .iter()
        .map(|b| {
            b.indicators
                .iter()
                .map(|&c| prepare(&data[c], opts.standardise))
                .collect()
        })
        .collect();
    let j = model.blocks.len();
    let mut adjacent = vec![vec![false; j]; j];
    for &(a, b) in &model.paths {
        adjacent[a][b] = true;
        adjacent[b][a] = true;
    }
    let mut w: Vec<Vec<f64>> = x.iter().map(|xb| vec![1.0; xb.len()]).collect();
    let mut y: Vec<Vec<f64>> = (0..j).map(|k| score(&x[k], &w[k])).collect();
    let mut iterations = 0;
    loop {
        iterations += 1;
        if iterations > opts.max_iterations {
            return Err(PlsError::NotConverged {
                iterations: opts.max_iterations,
            });
        }
        let e = inner_weights(&y, model, &adjacent, opts.scheme);
        let mut change = 0.0f64;
        for k in 0..j {
            // The inner proxy of construct k.
            let mut z = vec![0.0; n];
            for (m, &ekm) in e[k].iter().enumerate() {
                if ekm != 0.0 {
                    for (zi, yi) in z.iter_mut().zip(&y[m]) {
                        *zi += ekm * yi;
                    }
                }
            }
            let raw = match model.blocks[k].mode {
                Mode::A => x[k].iter().map(|xh| covariance(xh, &z)).collect(),
                Mode::B => regression(&x[k], &z).ok_or_else(|| {
                    PlsError::Data(format!(
                        "the indicators of block '{}' are collinear (mode B needs them independent)",
                        model.blocks[k].name
                    ))
                })?,
            };
            let new = normalised(&x[k], raw);
            for (a, b) in new.iter().zip(&w[k]) {
                change = change.max((a - b).abs());
            }
            w[k] = new;
        }
        y = (0..j).map(|k| score(&x[k], &w[k])).collect();
        if change < opts.tolerance {
            break;
        }
    }
    // Signs: a construct points the way most of its indicators do.
    for k in 0..j {
        let load: f64 = x[k].iter().map(|xh| correlation(xh, &y[k])).sum();
        if load < 0.0 {
            w[k].iter_mut().for_each(|v| *v = -*v);
            y[k].iter_mut().for_each(|v| *v = -*v);
        }
    }
    let mut path = vec![vec![0.0; j]; j];
    let mut r2 = vec![None; j];
    for to in 0..j {
        let from: Vec<usize> = predecessors(model, to);
        if from.is_empty() {
            continue;
        }
        let xs: Vec<Vec<f64>> = from.iter().map(|&f| y[f].clone()).collect();
        let beta = regression(&xs, &y[to]).ok_or_else(|| {
            PlsError::Data(format!(
                "the constructs explaining '{}' are collinear",
                model.blocks[to].name
            ))
        })?;
        let fitted_cov: f64 = from
            .iter()
            .zip(&beta)
            .map(|(&f, b)| b * covariance(&y[f], &y[to]))
            .sum();
        r2[to] = Some(fitted_cov / variance(&y[to]));
        for (&f, b) in from.iter().zip(beta) {
            path[f][to] = b;
        }
    }
    let loadings = (0..j)
        .map(|k| x[k].iter().map(|xh| correlation(xh, &y[k])).collect())
        .collect();
    Ok(PlsFit {
        outer_weights: w,
        loadings,
        path,
        r2,
        scores: y,
        iterations,
        standardised: opts.standardise,
    })
}

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
    let n = full.scores[0].len();
    let runs = crate::par::map(
        resamples,
        |k| -> Result<Option<PlsFit>, ()> {
            let mut rng = rand::rngs::StdRng::seed_from_u64(
                seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let rows: Vec<usize> = (0..n).map(|_| rng.gen_range(0..n)).collect();
            let sample: Vec<Vec<f64>> = data
                .iter()
                .map(|col| {
                    if col.len() == n {
                        rows.iter().map(|&i| col[i]).collect()
                    } else {
                        Vec::new()
                    }
                })
                .collect();
            let Ok(mut f) = fit(&sample, model, opts) else {
                return Ok(None);
            };
            // Only the estimates are kept, not the resample's construct scores.
            f.scores = Vec::new();
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

fn check(data: &[Vec<f64>], model: &Model) -> Result<(), PlsError> {
    let j = model.blocks.len();
    if j == 0 {
        return Err(PlsError::Model("the model has no construct".into()));
    }
    let mut n = None;
    for b in &model.blocks {
        if b.indicators.is_empty() {
            return Err(PlsError::Model(format!(
                "construct '{}' has no indicator",
                b.name
            )));
        }
        for &c in &b.indicators {
            let col = data.get(c).ok_or_else(|| {
                PlsError::Model(format!(
                    "construct '{}' names column {c}, which the data lacks",
                    b.name
                ))
            })?;
            if *n.get_or_insert(col.len()) != col.len() {
                return Err(PlsError::Data(format!("column {c} has a different length")));
            }
            if let Some(i) = col.iter().position(|v| !v.is_finite()) {
                return Err(PlsError::Data(format!(
                    "column {c} (construct '{}'), respondent {}: not a number",
                    b.name,
                    i + 1
                )));
            }
            if variance(col) <= 0.0 {
                return Err(PlsError::Data(format!(
                    "column {c} (construct '{}') has zero variance",
                    b.name
                )));
            }
        }
    }
    if n.unwrap_or(0) < 3 {
        return Err(PlsError::Data("at least 3 respondents are needed".into()));
    }
    for &(a, b) in &model.paths {
        if a >= j || b >= j || a == b {
            return Err(PlsError::Model(format!(
                "path {a} → {b} is not between two constructs"
            )));
        }
    }
    // The structural model must be acyclic (a recursive model).
    let mut state = vec![0u8; j];
    fn visit(k: usize, model: &Model, state: &mut [u8]) -> Result<(), usize> {
        match state[k] {
            1 => return Err(k),
            2 => return Ok(()),
            _ => {}
        }
        state[k] = 1;
        for &(a, b) in &model.paths {
            if a == k {
                visit(b, model, state)?;
            }
        }
        state[k] = 2;
        Ok(())
    }
    for k in 0..j {
        visit(k, model, &mut state).map_err(|c| {
            PlsError::Model(format!(
                "the paths form a cycle through '{}'",
                model.blocks[c].name
            ))
        })?;
    }
    Ok(())
}

fn predecessors(model: &Model, to: usize) -> Vec<usize> {
    let mut from: Vec<usize> = model
        .paths
        .iter()
        .filter(|p| p.1 == to)
        .map(|p| p.0)
        .collect();
    from.sort_unstable();
    from.dedup();
    from
}

/// e[k][m]: the weight of construct m in construct k's inner proxy.
fn inner_weights(
    y: &[Vec<f64>],
    model: &Model,
    adjacent: &[Vec<bool>],
    scheme: Scheme,
) -> Vec<Vec<f64>> {
    let j = y.len();
    let mut e = vec![vec![0.0; j]; j];
    for k in 0..j {
        match scheme {
            Scheme::Centroid | Scheme::Factorial => {
                for m in 0..j {
                    if adjacent[k][m] {
                        let r = correlation(&y[k], &y[m]);
                        e[k][m] = if scheme == Scheme::Centroid {
                            r.signum()
                        } else {
                            r
                        };
                    }
                }
            }
            Scheme::Path => {
                // Predecessors: their coefficients in the regression of k on them; followers:
                // the correlation.
                let from = predecessors(model, k);
                if !from.is_empty() {
                    let xs: Vec<Vec<f64>> = from.iter().map(|&f| y[f].clone()).collect();
                    if let Some(beta) = regression(&xs, &y[k]) {
                        for (&f, b) in from.iter().zip(beta) {
                            e[k][f] = b;
                        }
                    }
                }
                for &(a, b) in &model.paths {
                    if a == k {
                        e[k][b] = correlation(&y[k], &y[b]);
                    }
                }
            }
        }
    }
    e
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn covariance(a: &[f64], b: &[f64]) -> f64 {
    let (ma, mb) = (mean(a), mean(b));
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / (a.len() - 1) as f64
}

fn variance(a: &[f64]) -> f64 {
    covariance(a, a)
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    covariance(a, b) / (variance(a) * variance(b)).sqrt()
}

/// A column centred, and scaled to variance 1 when asked.
fn prepare(col: &[f64], standardise: bool) -> Vec<f64> {
    let m = mean(col);
    let s = if standardise {
        variance(col).sqrt()
    } else {
        1.0
    };
    col.iter().map(|v| (v - m) / s).collect()
}

/// Σ_h w_h x_h.
fn score(x: &[Vec<f64>], w: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; x[0].len()];
    for (xh, wh) in x.iter().zip(w) {
        for (yi, xi) in y.iter_mut().zip(xh) {
            *yi += wh * xi;
        }
    }
    y
}

/// Weights scaled so that the block's score has variance 1.
fn normalised(x: &[Vec<f64>], mut w: Vec<f64>) -> Vec<f64> {
    let s = variance(&score(x, &w)).sqrt();
    if s > 0.0 {
        w.iter_mut().for_each(|v| *v /= s);
    }
    w
}

/// Least-squares coefficients of `y` on the (centred) columns `xs`, by the normal equations.
fn regression(xs: &[Vec<f64>], y: &[f64]) -> Option<Vec<f64>> {
    let p = xs.len();
    let mut a = vec![0.0; p * p];
    for i in 0..p {
        for k in 0..p {
            a[i * p + k] = covariance(&xs[i], &xs[k]);
        }
    }
    let inv = crate::optim::invert(&a, p)?;
    let c: Vec<f64> = xs.iter().map(|x| covariance(x, y)).collect();
    Some(
        (0..p)
            .map(|i| (0..p).map(|k| inv[i * p + k] * c[k]).sum())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(name: &str, indicators: Vec<usize>) -> Block {
        Block {
            name: name.into(),
            indicators,
            mode: Mode::A,
        }
    }

    #[test]
    fn bad_models_and_data_are_refused_with_what_and_where() {
        let data = vec![
            vec![1.0, 2.0, 3.0, 4.0],
            vec![2.0, 1.0, 4.0, 3.0],
            vec![5.0; 4],
        ];
        let two = |paths| Model {
            blocks: vec![block("A", vec![0]), block("B", vec![1])],
            paths,
        };
        let o = Options::default();
        assert!(fit(&data, &two(vec![(0, 1)]), &o).is_ok());
        let e = fit(&data, &two(vec![(0, 1), (1, 0)]), &o).unwrap_err();
        assert!(e.to_string().contains("cycle"), "{e}");
        let mut m = two(vec![(0, 1)]);
        m.blocks[1].indicators = vec![2];
        assert!(fit(&data, &m, &o)
            .unwrap_err()
            .to_string()
            .contains("zero variance"));
        m.blocks[1].indicators = vec![];
        assert!(fit(&data, &m, &o)
            .unwrap_err()
            .to_string()
            .contains("no indicator"));
        m.blocks[1].indicators = vec![7];
        assert!(fit(&data, &m, &o)
            .unwrap_err()
            .to_string()
            .contains("column 7"));
        let mut nan = data.clone();
        nan[1][2] = f64::NAN;
        let e = fit(&nan, &two(vec![(0, 1)]), &o).unwrap_err();
        assert!(e.to_string().contains("respondent 3"), "{e}");
    }
}
