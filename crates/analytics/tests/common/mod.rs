//! Where the public reference datasets are: `$FIDELIS_DATASETS`, else `shared/datasets` beside
//! the project root (or beside any folder above it). They are never copied into the repository.
//! Missing → the test is skipped with a notice, and fails under `CI=true`.

use std::path::PathBuf;

pub fn dataset(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("FIDELIS_DATASETS")
        .map(PathBuf::from)
        .map(|p| p.join(name))
        .filter(|p| p.is_dir())
        .or_else(|| {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            root.ancestors()
                .map(|a| a.join("shared").join("datasets").join(name))
                .find(|p| p.is_dir())
        });
    if found.is_none() {
        let msg = format!(
            "NOTICE: dataset `{name}` not found (set FIDELIS_DATASETS or put ../shared/datasets beside the project); test skipped"
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg} — failing because CI=true");
        }
        eprintln!("{msg}");
    }
    found
}

/// Relative difference.
#[allow(dead_code)]
pub fn rel(got: f64, want: f64) -> f64 {
    ((got - want) / want).abs()
}
