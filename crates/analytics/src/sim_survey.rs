//! Simulated satisfaction-survey answers with the ECSI structure (SPEC.md §2.1), for the demo,
//! the CLI tests and the PLS benchmarks: seven standardised latent constructs linked by
//! ECSI-like paths (close to the published mobile-phone estimates), each measured by items on
//! a 1–10 scale with loadings around 0.8. Seeded: the same seed gives the same answers.

use crate::pls::ECSI_PATHS;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

/// Item-name prefix (the mobi data's) and item count of each of
/// [`crate::pls::ECSI_CONSTRUCTS`], in that order.
pub const ECSI_ITEMS: [(&str, usize); 7] = [
    ("IMAG", 5),
    ("CUEX", 3),
    ("PERQ", 7),
    ("PERV", 2),
    ("CUSA", 3),
    ("CUSCO", 1),
    ("CUSL", 3),
];

/// The latent model's coefficient on each of [`crate::pls::ECSI_PATHS`] (close to the
/// published mobile-phone estimates).
pub const ECSI_COEFFICIENTS: [f64; 12] = [
    0.50, 0.18, 0.20, 0.56, 0.05, 0.06, 0.56, 0.51, 0.19, 0.53, 0.48, 0.07,
];

/// Item names (IMAG1 … CUSL3) in block order.
pub fn ecsi_item_names() -> Vec<String> {
    ECSI_ITEMS
        .iter()
        .flat_map(|(prefix, k)| {
            (1..=*k).map(move |i| {
                if *k == 1 {
                    prefix.to_string()
                } else {
                    format!("{prefix}{i}")
                }
            })
        })
        .collect()
}

/// The full ECSI model over [`ecsi_answers`]' columns: the constructs' items in order, mode A.
pub fn ecsi_model() -> crate::pls::Model {
    let mut at = 0;
    let blocks = crate::pls::ECSI_CONSTRUCTS
        .iter()
        .zip(ECSI_ITEMS)
        .map(|(name, (_, k))| {
            at += k;
            crate::pls::Block {
                name: name.to_string(),
                indicators: (at - k..at).collect(),
                mode: crate::pls::Mode::A,
            }
        })
        .collect();
    crate::pls::Model {
        blocks,
        paths: ECSI_PATHS.to_vec(),
    }
}

/// `n` respondents' answers, column by column (in [`ecsi_item_names`] order), on 1–10.
pub fn ecsi_answers(n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let items: usize = ECSI_ITEMS.iter().map(|b| b.1).sum();
    let mut cols = vec![Vec::with_capacity(n); items];
    let mut latent = [0.0f64; 7];
    for _ in 0..n {
        for k in 0..7 {
            // Explained part from the predecessors (already drawn: paths point forward), noise
            // so that each construct has variance about 1.
            let mut mean = 0.0;
            let mut explained = 0.0;
            for (&(from, to), &b) in ECSI_PATHS.iter().zip(&ECSI_COEFFICIENTS) {
                if to == k {
                    mean += b * latent[from];
                    explained += b * b;
                }
            }
            let e: f64 = StandardNormal.sample(&mut rng);
            latent[k] = mean + (1.0 - explained).max(0.05).sqrt() * e;
        }
        let mut c = 0;
        for (k, (_, count)) in ECSI_ITEMS.iter().enumerate() {
            for _ in 0..*count {
                let loading = 0.75 + 0.1 * rng.gen::<f64>();
                let e: f64 = StandardNormal.sample(&mut rng);
                let z = loading * latent[k] + (1.0 - loading * loading).sqrt() * e;
                cols[c].push((6.5 + 1.8 * z).round().clamp(1.0, 10.0));
                c += 1;
            }
        }
    }
    cols
}

#[cfg(test)]
mod tests {
    #[test]
    fn answers_are_on_the_scale_and_reproducible() {
        let a = super::ecsi_answers(500, 3);
        assert_eq!(a.len(), super::ecsi_item_names().len());
        assert_eq!(a, super::ecsi_answers(500, 3));
        assert!(a
            .iter()
            .flatten()
            .all(|v| (1.0..=10.0).contains(v) && v.fract() == 0.0));
        assert_eq!(super::ecsi_item_names()[0], "IMAG1");
        assert!(super::ecsi_item_names().contains(&"CUSCO".to_string()));
    }
}
