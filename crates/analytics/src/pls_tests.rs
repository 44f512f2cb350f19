//! Tests of `pls`.

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
    m.blocks[1].mode = Mode::B;
    m.blocks[1].indicators = vec![1];
    let e = fit(&data, &m, &o).unwrap_err().to_string();
    assert!(e.contains("'B'") && e.contains("single indicator"), "{e}");
    m.blocks[1].mode = Mode::A;
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

/// A single-indicator construct's index is its mean on 0–100, and its standard error the
/// answers' standard deviation over √n on the same scale (here: 1–5 answers 1, 2, 3, 4:
/// mean 2.5 → 37.5; sd √(5/3) / √4 → × 25).
#[test]
fn a_single_indicator_index_and_its_standard_error() {
    let data = vec![vec![1.0, 2.0, 3.0, 4.0], vec![2.0, 1.0, 4.0, 3.0]];
    let m = Model {
        blocks: vec![block("A", vec![0]), block("B", vec![1])],
        paths: vec![(0, 1)],
    };
    let f = fit(&data, &m, &Options::default()).unwrap();
    let (index, se) = (
        f.index(&data, &m, 1.0, 5.0),
        f.index_se(&data, &m, 1.0, 5.0),
    );
    assert!((index[0] - 37.5).abs() < 1e-12, "{index:?}");
    let want = 25.0 * (5.0f64 / 3.0).sqrt() / 2.0;
    assert!((se[0] - want).abs() < 1e-12, "{se:?} vs {want}");
    assert!(f.index_se(&[vec![1.0], vec![2.0]], &m, 1.0, 5.0)[0].is_nan());
}
