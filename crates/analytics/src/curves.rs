//! Distributions and concentration curves of customer values: equal-bin histograms and the
//! Lorenz (Pareto) curve.

/// Values (CLV) in 20 equal bins from 0 up to their 99th percentile, the rest in the last:
/// (bin width, counts). `values` is reordered.
pub fn value_histogram(values: &mut [f64]) -> (f64, Vec<u64>) {
    let top = if values.is_empty() {
        0.0
    } else {
        let k = ((values.len() - 1) as f64 * 0.99) as usize;
        *values.select_nth_unstable_by(k, f64::total_cmp).1
    };
    (top / 20.0, histogram(values, 0.0, top, 20))
}

/// Counts of `values` in `bins` equal bins from `lo` to `hi`; values below `lo` go to the first
/// bin and values from `hi` up to the last (so every value is counted once).
pub fn histogram(values: &[f64], lo: f64, hi: f64, bins: usize) -> Vec<u64> {
    let mut out = vec![0u64; bins.max(1)];
    let last = out.len() - 1;
    let width = (hi - lo) / out.len() as f64;
    for &v in values {
        let k = if width > 0.0 && v.is_finite() {
            ((v - lo) / width).floor().clamp(0.0, last as f64) as usize
        } else if v >= hi {
            last
        } else {
            0
        };
        out[k] += 1;
    }
    out
}

/// The share held by the top k % of values, k = 0..=100. Only the 101 cut points are needed,
/// so the values are partitioned around them (selection, about 7 passes) instead of sorted:
/// `values` ends up ordered between the cuts, high to low.
pub fn lorenz(values: &mut [f64]) -> Vec<f64> {
    let n = values.len();
    let total: f64 = values.iter().sum();
    if total <= 0.0 || n == 0 {
        return (0..=100).map(|k| k as f64 / 100.0).collect();
    }
    let position = |k: usize| k as f64 / 100.0 * n as f64;
    let cuts: Vec<usize> = (0..=100).map(|k| position(k).floor() as usize).collect();
    let mut inside: Vec<usize> = cuts.iter().copied().filter(|&c| c < n).collect();
    inside.dedup();
    select_descending(values, &inside);
    let (mut top, mut at) = (0.0, 0);
    cuts.iter()
        .enumerate()
        .map(|(k, &cut)| {
            // The sum of the `cut` largest, plus a fraction of the next one for a fractional
            // position between customers.
            top += values[at..cut].iter().sum::<f64>();
            at = cut;
            let next = values.get(cut).copied().unwrap_or(0.0);
            (top + (position(k) - cut as f64) * next) / total
        })
        .collect()
}

/// Partition `v` so that each of `cuts` (ascending positions) holds the value a descending
/// sort would put there, with larger values before it and smaller after.
fn select_descending(v: &mut [f64], cuts: &[usize]) {
    if cuts.is_empty() || v.len() < 2 {
        return;
    }
    let mid = cuts.len() / 2;
    let at = cuts[mid];
    let (left, _, right) = v.select_nth_unstable_by(at, |a, b| b.total_cmp(a));
    select_descending(left, &cuts[..mid]);
    let later: Vec<usize> = cuts[mid + 1..].iter().map(|c| c - at - 1).collect();
    select_descending(right, &later);
}
