//! ECSI on the `mobi` data (`../shared/datasets/ecsi/README.md`): the full model, all blocks
//! mode A, standardised indicators, against the SmartPLS 2 result files for the centroid,
//! factorial and path-weighting schemes (path coefficients and outer weights to 1e-4), and the
//! README's R² for the centroid scheme.

mod common;

use analytics::pls::{fit, Block, Mode, Model, Options, Scheme};
use common::dataset;
use std::collections::HashMap;
use std::path::Path;

/// The indicator columns by name.
fn mobi(dir: &Path) -> HashMap<String, Vec<f64>> {
    let text = std::fs::read_to_string(dir.join("mobi.csv")).unwrap();
    let mut lines = text.lines();
    let names: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(|s| s.trim_matches('"').to_string())
        .collect();
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for line in lines.filter(|l| !l.trim().is_empty()) {
        for (k, cell) in line.split(',').enumerate().skip(1) {
            cols[k].push(cell.trim_matches('"').parse().unwrap());
        }
    }
    names.into_iter().zip(cols).skip(1).collect()
}

const BLOCKS: [(&str, &[&str]); 7] = [
    ("Image", &["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"]),
    ("Expectation", &["CUEX1", "CUEX2", "CUEX3"]),
    (
        "Quality",
        &[
            "PERQ1", "PERQ2", "PERQ3", "PERQ4", "PERQ5", "PERQ6", "PERQ7",
        ],
    ),
    ("Value", &["PERV1", "PERV2"]),
    ("Satisfaction", &["CUSA1", "CUSA2", "CUSA3"]),
    ("Complaints", &["CUSCO"]),
    ("Loyalty", &["CUSL1", "CUSL2", "CUSL3"]),
];

const PATHS: [(&str, &str); 12] = [
    ("Image", "Expectation"),
    ("Image", "Satisfaction"),
    ("Image", "Loyalty"),
    ("Expectation", "Quality"),
    ("Expectation", "Value"),
    ("Expectation", "Satisfaction"),
    ("Quality", "Value"),
    ("Quality", "Satisfaction"),
    ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"),
    ("Satisfaction", "Loyalty"),
    ("Complaints", "Loyalty"),
];

/// The ECSI model over the data's columns, and the indicator names in column order.
fn ecsi(cols: &HashMap<String, Vec<f64>>) -> (Vec<Vec<f64>>, Vec<String>, Model) {
    let mut data = Vec::new();
    let mut names = Vec::new();
    let blocks = BLOCKS
        .iter()
        .map(|(name, items)| Block {
            name: name.to_string(),
            indicators: items
                .iter()
                .map(|i| {
                    data.push(cols[*i].clone());
                    names.push(i.to_string());
                    data.len() - 1
                })
                .collect(),
            mode: Mode::A,
        })
        .collect();
    let at = |n: &str| BLOCKS.iter().position(|b| b.0 == n).unwrap();
    let paths = PATHS.iter().map(|(a, b)| (at(a), at(b))).collect();
    (data, names, Model { blocks, paths })
}

/// A SmartPLS result table (decimal commas; rows = from, columns = to) by (row, column).
fn smartpls(path: &Path) -> HashMap<(String, String), f64> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let cols: Vec<String> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut out = HashMap::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let mut cells = line.split_whitespace();
        let row = cells.next().unwrap().to_string();
        for (c, v) in cols.iter().zip(cells) {
            out.insert(
                (row.clone(), c.clone()),
                v.replace(',', ".").parse().unwrap(),
            );
        }
    }
    out
}

#[test]
fn ecsi_standardised_matches_smartpls_for_every_scheme() {
    let Some(dir) = dataset("ecsi") else { return };
    let cols = mobi(&dir);
    let (data, names, model) = ecsi(&cols);
    for (scheme, folder) in [
        (Scheme::Centroid, "centroid"),
        (Scheme::Factorial, "factorial"),
        (Scheme::Path, "pathWeighting"),
    ] {
        let opts = Options {
            scheme,
            ..Options::default()
        };
        let f = fit(&data, &model, &opts).unwrap();
        let refs = dir.join("reference/smartpls2_semPLS").join(folder);
        let paths = smartpls(&refs.join("pathCoefficients.txt"));
        let totals = smartpls(&refs.join("totalEffects.txt"));
        let total = f.total_effects();
        let loadings = smartpls(&refs.join("crossLoadings.txt"));
        let weights = smartpls(&refs.join("outerWeights.txt"));
        let mut checked = 0;
        for (a, ba) in model.blocks.iter().enumerate() {
            for (b, bb) in model.blocks.iter().enumerate() {
                let want = paths[&(ba.name.clone(), bb.name.clone())];
                let got = f.path[a][b];
                assert!(
                    (got - want).abs() < 1e-6,
                    "{folder} {} → {}: {got} vs {want}",
                    ba.name,
                    bb.name
                );
                checked += usize::from(want != 0.0);
                let want = totals[&(ba.name.clone(), bb.name.clone())];
                let got = total[a][b];
                assert!(
                    (got - want).abs() < 1e-6,
                    "{folder} total {} → {}: {got} vs {want}",
                    ba.name,
                    bb.name
                );
            }
            for (h, &c) in ba.indicators.iter().enumerate() {
                let want = weights[&(names[c].clone(), ba.name.clone())];
                let got = f.outer_weights[a][h];
                assert!(
                    (got - want).abs() < 1e-6,
                    "{folder} weight {}: {got} vs {want}",
                    names[c]
                );
                let want = loadings[&(names[c].clone(), ba.name.clone())];
                let got = f.loadings[a][h];
                assert!(
                    (got - want).abs() < 1e-6,
                    "{folder} loading {}: {got} vs {want}",
                    names[c]
                );
            }
        }
        assert_eq!(checked, 12, "every path of the model is in the file");
    }
}

#[test]
fn ecsi_standardised_centroid_r2_as_the_readme_gives() {
    let Some(dir) = dataset("ecsi") else { return };
    let (data, _, model) = ecsi(&mobi(&dir));
    let f = fit(&data, &model, &Options::default()).unwrap();
    for (name, want) in [
        ("Expectation", 0.2547),
        ("Quality", 0.3105),
        ("Value", 0.3446),
        ("Satisfaction", 0.6803),
        ("Complaints", 0.2768),
        ("Loyalty", 0.4573),
    ] {
        let k = model.blocks.iter().position(|b| b.name == name).unwrap();
        let got = f.r2[k].unwrap();
        assert!((got - want).abs() < 5e-5, "R² {name}: {got} vs {want}");
    }
    assert_eq!(f.r2[0], None, "Image is exogenous");
}

#[test]
fn ecsi_centred_unscaled_centroid_is_the_readmes_case_b() {
    let Some(dir) = dataset("ecsi") else { return };
    let (data, _, model) = ecsi(&mobi(&dir));
    let opts = Options {
        standardise: false,
        ..Options::default()
    };
    let f = fit(&data, &model, &opts).unwrap();
    let at = |n: &str| model.blocks.iter().position(|b| b.name == n).unwrap();
    for (a, b, want) in [
        ("Image", "Expectation", 0.4931),
        ("Image", "Satisfaction", 0.1527),
        ("Image", "Loyalty", 0.2123),
        ("Expectation", "Quality", 0.5451),
        ("Expectation", "Value", 0.0659),
        ("Expectation", "Satisfaction", 0.0371),
        ("Quality", "Value", 0.5403),
        ("Quality", "Satisfaction", 0.5444),
        ("Value", "Satisfaction", 0.1997),
        ("Satisfaction", "Complaints", 0.5400),
        ("Satisfaction", "Loyalty", 0.4655),
        ("Complaints", "Loyalty", 0.0500),
    ] {
        let got = f.path[at(a)][at(b)];
        assert!((got - want).abs() <= 5e-5, "{a} → {b}: {got} vs {want}");
    }
    for (name, want) in [
        ("Expectation", 0.2431),
        ("Quality", 0.2971),
        ("Value", 0.3351),
        ("Satisfaction", 0.6717),
        ("Complaints", 0.2916),
        ("Loyalty", 0.4318),
    ] {
        let got = f.r2[at(name)].unwrap();
        assert!((got - want).abs() <= 5e-5, "R² {name}: {got} vs {want}");
    }
    assert!((f.gof() - 0.4645).abs() <= 5e-5, "GoF {}", f.gof());
}

#[test]
fn bootstrap_is_reproducible_and_covers_the_estimates() {
    let Some(dir) = dataset("ecsi") else { return };
    let (data, _, model) = ecsi(&mobi(&dir));
    let opts = Options::default();
    let f = fit(&data, &model, &opts).unwrap();
    let a = analytics::pls::bootstrap(&data, &model, &opts, &f, 100, 42, 0.95);
    let b = analytics::pls::bootstrap(&data, &model, &opts, &f, 100, 42, 0.95);
    assert_eq!(a, b, "same seed, same intervals");
    let c = analytics::pls::bootstrap(&data, &model, &opts, &f, 100, 43, 0.95);
    assert_ne!(a.path, c.path, "another seed, other resamples");
    assert_eq!(a.failed, 0);
    for &(from, to) in &model.paths {
        let (lo, hi) = a.path[from][to].unwrap();
        let est = f.path[from][to];
        assert!(
            lo <= est && est <= hi,
            "{from} → {to}: {est} outside [{lo}, {hi}]"
        );
        assert!(a.path_se[from][to] > 0.0);
    }
    // Image → Expectation is strong (0.50), Expectation → Satisfaction is not (0.06).
    let at = |n: &str| model.blocks.iter().position(|b| b.name == n).unwrap();
    assert!(a.path[at("Image")][at("Expectation")].unwrap().0 > 0.3);
    let (lo, hi) = a.path[at("Expectation")][at("Satisfaction")].unwrap();
    assert!(lo < 0.0 && hi > 0.0, "[{lo}, {hi}] contains 0");
}

#[test]
fn indices_reliability_and_redundancy() {
    let Some(dir) = dataset("ecsi") else { return };
    let (data, _, model) = ecsi(&mobi(&dir));
    let f = fit(&data, &model, &Options::default()).unwrap();
    // The 0-100 index of a construct is a weighted mean of its items' means on the 1-10 scale.
    let idx = f.index(&data, &model, 1.0, 10.0);
    for (k, b) in model.blocks.iter().enumerate() {
        let means: Vec<f64> = b
            .indicators
            .iter()
            .map(|&c| 100.0 * (data[c].iter().sum::<f64>() / data[c].len() as f64 - 1.0) / 9.0)
            .collect();
        let (lo, hi) = means
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &m| (l.min(m), h.max(m)));
        assert!(
            idx[k] >= lo - 1e-9 && idx[k] <= hi + 1e-9,
            "{}: {} not in [{lo}, {hi}]",
            b.name,
            idx[k]
        );
    }
    let cr = f.composite_reliability();
    let ave = f.ave();
    for k in 0..model.blocks.len() {
        assert!(cr[k] > 0.0 && cr[k] <= 1.0 + 1e-12 && ave[k] > 0.0 && ave[k] <= 1.0 + 1e-12);
    }
    let sat = model
        .blocks
        .iter()
        .position(|b| b.name == "Satisfaction")
        .unwrap();
    assert!((f.redundancy()[sat] - ave[sat] * f.r2[sat].unwrap()).abs() < 1e-15);
    assert_eq!(f.redundancy()[0], 0.0);
}
