//! What makes data unfit for a PLS model, found before fitting (see [`check`]).

use super::*;

/// The data and model are fit to estimate, or why not.
pub(super) fn check(data: &[Vec<f64>], model: &Model) -> Result<(), PlsError> {
    let j = model.blocks.len();
    if j == 0 {
        return Err(PlsError::NoConstruct);
    }
    let mut n = None;
    for b in &model.blocks {
        if b.indicators.is_empty() {
            return Err(PlsError::NoIndicator {
                construct: b.name.clone(),
            });
        }
        if b.mode == Mode::B && b.indicators.len() < 2 {
            return Err(PlsError::SingleFormative {
                construct: b.name.clone(),
            });
        }
        for &c in &b.indicators {
            let col = data.get(c).ok_or_else(|| PlsError::MissingColumn {
                construct: b.name.clone(),
                column: c,
            })?;
            if *n.get_or_insert(col.len()) != col.len() {
                return Err(PlsError::ColumnLength { column: c });
            }
            if let Some(i) = col.iter().position(|v| !v.is_finite()) {
                return Err(PlsError::NotANumber {
                    construct: b.name.clone(),
                    column: c,
                    respondent: i + 1,
                });
            }
            if col.iter().all(|v| *v == col[0]) {
                return Err(PlsError::ZeroVariance {
                    construct: b.name.clone(),
                    column: c,
                });
            }
        }
    }
    if n.unwrap_or(0) < 3 {
        return Err(PlsError::TooFewRespondents);
    }
    for &(a, b) in &model.paths {
        if a >= j || b >= j || a == b {
            return Err(PlsError::BadPath { from: a, to: b });
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
        visit(k, model, &mut state).map_err(|c| PlsError::Cycle {
            construct: model.blocks[c].name.clone(),
        })?;
    }
    Ok(())
}
