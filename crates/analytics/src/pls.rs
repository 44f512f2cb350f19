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

#[path = "pls_bootstrap.rs"]
mod bootstrap;
pub use bootstrap::{bootstrap, Bootstrap};
#[path = "pls_check.rs"]
mod check;
use check::check;

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

/// Why a model cannot be fitted, naming the construct, the column (its index in the data) and
/// the respondent where that applies. The app words these for people, with item names.
#[derive(Debug, Clone, PartialEq)]
pub enum PlsError {
    NoConstruct,
    NoIndicator {
        construct: String,
    },
    /// Mode B with a single indicator.
    SingleFormative {
        construct: String,
    },
    MissingColumn {
        construct: String,
        column: usize,
    },
    ColumnLength {
        column: usize,
    },
    NotANumber {
        construct: String,
        column: usize,
        respondent: usize,
    },
    ZeroVariance {
        construct: String,
        column: usize,
    },
    TooFewRespondents,
    BadPath {
        from: usize,
        to: usize,
    },
    Cycle {
        construct: String,
    },
    /// A mode B block's indicators are collinear.
    CollinearBlock {
        construct: String,
    },
    /// The constructs explaining this one are collinear.
    CollinearPredictors {
        construct: String,
    },
    NotConverged {
        iterations: usize,
    },
}

impl fmt::Display for PlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use PlsError::*;
        match self {
            NoConstruct => write!(f, "the model has no construct"),
            NoIndicator { construct } => write!(f, "construct '{construct}' has no indicator"),
            SingleFormative { construct } => write!(f, "construct '{construct}' is formative (mode B) with a single indicator; a formative block needs at least two (with one, use mode A: the scores are the same)"),
            MissingColumn { construct, column } => write!(f, "construct '{construct}' names column {column}, which the data lacks"),
            ColumnLength { column } => write!(f, "column {column} has a different length"),
            NotANumber { construct, column, respondent } => write!(f, "column {column} (construct '{construct}'), respondent {respondent}: not a number"),
            ZeroVariance { construct, column } => write!(f, "column {column} (construct '{construct}') has zero variance"),
            TooFewRespondents => write!(f, "at least 3 respondents are needed"),
            BadPath { from, to } => write!(f, "path {from} → {to} is not between two constructs"),
            Cycle { construct } => write!(f, "the paths form a cycle through '{construct}'"),
            CollinearBlock { construct } => write!(f, "the indicators of block '{construct}' are collinear (mode B needs them independent)"),
            CollinearPredictors { construct } => write!(f, "the constructs explaining '{construct}' are collinear"),
            NotConverged { iterations } => write!(f, "the weights did not settle in {iterations} iterations"),
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
        self.index_weights(data, model)
            .iter()
            .zip(&model.blocks)
            .map(|(w, b)| {
                let score: f64 = b
                    .indicators
                    .iter()
                    .zip(w)
                    .map(|(&c, r)| r * mean(&data[c]))
                    .sum();
                100.0 * (score - scale_min) / (scale_max - scale_min)
            })
            .collect()
    }

    /// The standard error of each construct's [`index`](Self::index) as a mean over the
    /// respondents (the weights taken as fixed): the standard deviation of each respondent's
    /// weighted answer over √n, on the same 0–100 scale.
    pub fn index_se(
        &self,
        data: &[Vec<f64>],
        model: &Model,
        scale_min: f64,
        scale_max: f64,
    ) -> Vec<f64> {
        let n = data.first().map_or(0, Vec::len);
        self.index_weights(data, model)
            .iter()
            .zip(&model.blocks)
            .map(|(w, b)| {
                if n < 2 {
                    return f64::NAN;
                }
                let per: Vec<f64> = (0..n)
                    .map(|i| {
                        b.indicators
                            .iter()
                            .zip(w)
                            .map(|(&c, r)| r * data[c][i])
                            .sum()
                    })
                    .collect();
                100.0 * (variance(&per) / n as f64).sqrt() / (scale_max - scale_min)
            })
            .collect()
    }

    /// Each block's weights made unstandardised and rescaled to sum to 1 (ACSI's).
    fn index_weights(&self, data: &[Vec<f64>], model: &Model) -> Vec<Vec<f64>> {
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
                raw.iter().map(|r| r / sum).collect()
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
///
/// The iterations run on the indicators' covariance matrix rather than on the respondents
/// (Lohmöller's covariance form: every quantity of the algorithm — construct covariances, inner
/// proxies' covariances with the indicators, regressions — is a function of it), so one pass
/// over the data computes it and the fit costs the same for 100 or 10 million respondents; the
/// construct scores are computed once at the end.
pub fn fit(data: &[Vec<f64>], model: &Model, opts: &Options) -> Result<PlsFit, PlsError> {
    check(data, model)?;
    let layout = Layout::new(model);
    let cols: Vec<&[f64]> = layout.columns.iter().map(|&c| &data[c][..]).collect();
    let n = cols[0].len();
    let mean: Vec<f64> = cols.iter().map(|c| mean(c)).collect();
    let mut s = gram(&cols, &mean);
    s.iter_mut().for_each(|v| *v /= (n - 1) as f64);
    let scale: Vec<f64> = (0..layout.p)
        .map(|a| {
            if opts.standardise {
                s[a * layout.p + a].sqrt()
            } else {
                1.0
            }
        })
        .collect();
    rescale(&mut s, &scale);
    let mut f = fit_covariance(&s, &layout, model, opts)?;
    f.scores = layout
        .blocks
        .iter()
        .zip(&f.outer_weights)
        .map(|(at, w)| {
            let mut y = vec![0.0; n];
            for (&a, wh) in at.iter().zip(w) {
                let (m, k) = (mean[a], wh / scale[a]);
                for (yi, xi) in y.iter_mut().zip(cols[a]) {
                    *yi += k * (xi - m);
                }
            }
            y
        })
        .collect();
    Ok(f)
}

/// Where each block's indicators sit in the model's covariance matrix (block order).
struct Layout {
    /// Data column of each row/column of the matrix.
    columns: Vec<usize>,
    /// Per block, the matrix positions of its indicators.
    blocks: Vec<Vec<usize>>,
    p: usize,
}

impl Layout {
    fn new(model: &Model) -> Layout {
        let mut columns = Vec::new();
        let blocks = model
            .blocks
            .iter()
            .map(|b| {
                b.indicators
                    .iter()
                    .map(|&c| {
                        columns.push(c);
                        columns.len() - 1
                    })
                    .collect()
            })
            .collect();
        let p = columns.len();
        Layout { columns, blocks, p }
    }
}

/// s ← D⁻¹ s D⁻¹ with D = diag(scale).
fn rescale(s: &mut [f64], scale: &[f64]) {
    let p = scale.len();
    for a in 0..p {
        for b in 0..p {
            s[a * p + b] /= scale[a] * scale[b];
        }
    }
}

/// Σ_i (x_ia − m_a)(x_ib − m_b) over the respondents, as a full p × p matrix. Rows are taken in
/// fixed chunks whose partial sums are added in order, so the result does not depend on the
/// number of cores.
fn gram(cols: &[&[f64]], mean: &[f64]) -> Vec<f64> {
    const CHUNK: usize = 1024;
    let (p, n) = (cols.len(), cols[0].len());
    let parts = crate::par::map_min(
        n.div_ceil(CHUNK),
        16,
        |c| -> Result<Vec<f64>, ()> {
            let r = c * CHUNK..((c + 1) * CHUNK).min(n);
            let centred: Vec<Vec<f64>> = cols
                .iter()
                .zip(mean)
                .map(|(col, m)| col[r.clone()].iter().map(|v| v - m).collect())
                .collect();
            // Pairs of rows against pairs of columns: four sums per four loads.
            let mut g = vec![0.0; p * p];
            for a in (0..p).step_by(2) {
                let a1 = (a + 1).min(p - 1);
                for b in (a..p).step_by(2) {
                    let b1 = (b + 1).min(p - 1);
                    let d = dot4(&centred[a], &centred[a1], &centred[b], &centred[b1]);
                    g[a * p + b] = d[0];
                    g[a * p + b1] = d[1];
                    g[a1 * p + b] = d[2];
                    g[a1 * p + b1] = d[3];
                }
            }
            Ok(g)
        },
        |_| {},
    )
    .unwrap_or_default();
    let mut g = vec![0.0; p * p];
    for part in parts {
        g.iter_mut().zip(part).for_each(|(a, b)| *a += b);
    }
    for a in 0..p {
        for b in 0..a {
            g[a * p + b] = g[b * p + a];
        }
    }
    g
}

/// [a·c, a·d, b·c, b·d], each summed in four lanes (vectorised; the same order on every
/// machine).
fn dot4(a: &[f64], b: &[f64], c: &[f64], d: &[f64]) -> [f64; 4] {
    const L: usize = 4;
    let mut acc = [[0.0; L]; 4];
    let n = a.len() / L * L;
    for i in (0..n).step_by(L) {
        let (a, b, c, d) = (&a[i..i + L], &b[i..i + L], &c[i..i + L], &d[i..i + L]);
        for l in 0..L {
            acc[0][l] += a[l] * c[l];
            acc[1][l] += a[l] * d[l];
            acc[2][l] += b[l] * c[l];
            acc[3][l] += b[l] * d[l];
        }
    }
    let mut out = acc.map(|s| s.iter().sum::<f64>());
    for i in n..a.len() {
        out[0] += a[i] * c[i];
        out[1] += a[i] * d[i];
        out[2] += b[i] * c[i];
        out[3] += b[i] * d[i];
    }
    out
}

/// The PLS algorithm on the covariance matrix `s` (p × p) of the indicators as used. Returns
/// everything but the construct scores.
fn fit_covariance(
    s: &[f64],
    layout: &Layout,
    model: &Model,
    opts: &Options,
) -> Result<PlsFit, PlsError> {
    let (p, j) = (layout.p, model.blocks.len());
    let at = &layout.blocks;
    let mut adjacent = vec![vec![false; j]; j];
    for &(a, b) in &model.paths {
        adjacent[a][b] = true;
        adjacent[b][a] = true;
    }
    // s_km w_m: the covariances of block k's indicators with construct m.
    let cross = |k: usize, m: usize, w: &[f64]| -> Vec<f64> {
        at[k]
            .iter()
            .map(|&a| at[m].iter().zip(w).map(|(&b, wb)| s[a * p + b] * wb).sum())
            .collect()
    };
    let normalised = |k: usize, mut w: Vec<f64>| -> Vec<f64> {
        let v: f64 = cross(k, k, &w).iter().zip(&w).map(|(c, wh)| c * wh).sum();
        if v > 0.0 {
            let sd = v.sqrt();
            w.iter_mut().for_each(|x| *x /= sd);
        }
        w
    };
    // Construct covariances c[k][m] = w_k' s_km w_m.
    let constructs = |w: &[Vec<f64>]| -> Vec<Vec<f64>> {
        (0..j)
            .map(|k| {
                (0..j)
                    .map(|m| {
                        cross(k, m, &w[m])
                            .iter()
                            .zip(&w[k])
                            .map(|(c, wh)| c * wh)
                            .sum()
                    })
                    .collect()
            })
            .collect()
    };
    let block_inverse = |k: usize| -> Option<Vec<f64>> {
        let q = at[k].len();
        let sub: Vec<f64> = at[k]
            .iter()
            .flat_map(|&a| at[k].iter().map(move |&b| s[a * p + b]))
            .collect();
        crate::optim::invert(&sub, q)
    };
    let inverses: Vec<Option<Vec<f64>>> = (0..j)
        .map(|k| match model.blocks[k].mode {
            Mode::A => Ok(None),
            Mode::B => block_inverse(k)
                .map(Some)
                .ok_or_else(|| PlsError::CollinearBlock {
                    construct: model.blocks[k].name.clone(),
                }),
        })
        .collect::<Result<_, _>>()?;
    let mut w: Vec<Vec<f64>> = (0..j)
        .map(|k| normalised(k, vec![1.0; at[k].len()]))
        .collect();
    let mut iterations = 0;
    loop {
        iterations += 1;
        if iterations > opts.max_iterations {
            return Err(PlsError::NotConverged {
                iterations: opts.max_iterations,
            });
        }
        let c = constructs(&w);
        let e = inner_weights(&c, model, &adjacent, opts.scheme);
        let mut change = 0.0f64;
        let mut next = Vec::with_capacity(j);
        for k in 0..j {
            // Covariances of block k's indicators with its inner proxy Σ_m e_km y_m.
            let mut raw = vec![0.0; at[k].len()];
            for (m, &ekm) in e[k].iter().enumerate() {
                if ekm != 0.0 {
                    for (r, v) in raw.iter_mut().zip(cross(k, m, &w[m])) {
                        *r += ekm * v;
                    }
                }
            }
            if let Some(inv) = &inverses[k] {
                let q = raw.len();
                raw = (0..q)
                    .map(|h| (0..q).map(|i| inv[h * q + i] * raw[i]).sum())
                    .collect();
            }
            let new = normalised(k, raw);
            for (a, b) in new.iter().zip(&w[k]) {
                change = change.max((a - b).abs());
            }
            next.push(new);
        }
        w = next;
        if change < opts.tolerance {
            break;
        }
    }
    // Loadings: correlations of the indicators with their construct (variance 1).
    let loading = |k: usize, w: &[f64]| -> Vec<f64> {
        cross(k, k, w)
            .iter()
            .zip(&at[k])
            .map(|(c, &a)| c / s[a * p + a].sqrt())
            .collect()
    };
    // Signs: a construct points the way most of its indicators do.
    for (k, wk) in w.iter_mut().enumerate() {
        if loading(k, wk).iter().sum::<f64>() < 0.0 {
            wk.iter_mut().for_each(|v| *v = -*v);
        }
    }
    let c = constructs(&w);
    let mut path = vec![vec![0.0; j]; j];
    let mut r2 = vec![None; j];
    for to in 0..j {
        let from: Vec<usize> = predecessors(model, to);
        if from.is_empty() {
            continue;
        }
        let beta = regression(&c, &from, to).ok_or_else(|| PlsError::CollinearPredictors {
            construct: model.blocks[to].name.clone(),
        })?;
        let fitted: f64 = from.iter().zip(&beta).map(|(&f, b)| b * c[f][to]).sum();
        r2[to] = Some(fitted / c[to][to]);
        for (&f, b) in from.iter().zip(beta) {
            path[f][to] = b;
        }
    }
    let loadings = (0..j).map(|k| loading(k, &w[k])).collect();
    Ok(PlsFit {
        outer_weights: w,
        loadings,
        path,
        r2,
        scores: Vec::new(),
        iterations,
        standardised: opts.standardise,
    })
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

/// e[k][m]: the weight of construct m in construct k's inner proxy, from the constructs'
/// covariances `c`.
fn inner_weights(
    c: &[Vec<f64>],
    model: &Model,
    adjacent: &[Vec<bool>],
    scheme: Scheme,
) -> Vec<Vec<f64>> {
    let j = c.len();
    let correlation = |k: usize, m: usize| c[k][m] / (c[k][k] * c[m][m]).sqrt();
    let mut e = vec![vec![0.0; j]; j];
    for k in 0..j {
        match scheme {
            Scheme::Centroid | Scheme::Factorial => {
                for m in 0..j {
                    if adjacent[k][m] {
                        let r = correlation(k, m);
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
                    if let Some(beta) = regression(c, &from, k) {
                        for (&f, b) in from.iter().zip(beta) {
                            e[k][f] = b;
                        }
                    }
                }
                for &(a, b) in &model.paths {
                    if a == k {
                        e[k][b] = correlation(k, b);
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

/// Least-squares coefficients of construct `to` on the constructs `from`, by the normal
/// equations on their covariances `c`.
fn regression(c: &[Vec<f64>], from: &[usize], to: usize) -> Option<Vec<f64>> {
    let q = from.len();
    let a: Vec<f64> = from
        .iter()
        .flat_map(|&f| from.iter().map(move |&g| c[f][g]))
        .collect();
    let inv = crate::optim::invert(&a, q)?;
    Some(
        (0..q)
            .map(|i| (0..q).map(|k| inv[i * q + k] * c[from[k]][to]).sum())
            .collect(),
    )
}

#[cfg(test)]
#[path = "pls_tests.rs"]
mod tests;
