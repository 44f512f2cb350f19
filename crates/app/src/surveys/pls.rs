//! A PLS path model on an answers file (CSV in UTF-8 or GB18030, or xlsx; one row per
//! respondent, one column per item): the model from a template (ECSI, ACSI: constructs found by
//! their items' name prefixes) or a TOML file, the answers checked (numbers within the scale;
//! respondents with a missing answer left out and counted), the fit, optional bootstrap
//! intervals, and the results as JSON.

use crate::churn::purchases::{plain_decimal, trim};
use crate::customers::table::{Encoding, RowError, TableReader};
use crate::error::AppError;
use analytics::pls::{self, Block, Mode, Model, Options, PlsFit};
use domain::{ErrorCode, Lang};
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::Path;

/// A model over named columns, with the answers' scale.
#[derive(Debug, Clone)]
pub struct NamedModel {
    pub constructs: Vec<(String, Vec<String>, Mode)>,
    pub paths: Vec<(String, String)>,
    pub scale: (f64, f64),
}

/// The item-name prefixes that measure each of [`pls::ECSI_CONSTRUCTS`], case-insensitive:
/// the mobi data's IMAG1 …, plspm's imag1 ….
const ECSI_PREFIXES: [&[&str]; 7] = [
    &["imag"],
    &["cuex", "expe"],
    &["perq", "qual"],
    &["perv", "val"],
    &["cusa", "sat"],
    &["cusco", "comp"],
    &["cusl", "loy"],
];

/// The template `ecsi` or `acsi` (ECSI without company image) over these columns. Constructs
/// with no matching column are left out with their paths (the `satisfaction` data has no
/// complaints items, for instance).
pub fn template(name: &str, headers: &[String]) -> Result<NamedModel, String> {
    let with_image = match name {
        "ecsi" => true,
        "acsi" => false,
        other => {
            return Err(format!(
                "unknown model template '{other}' (ecsi, acsi or a .toml file)"
            ))
        }
    };
    let mut constructs = Vec::new();
    for (construct, prefixes) in pls::ECSI_CONSTRUCTS.into_iter().zip(ECSI_PREFIXES) {
        if construct == "Image" && !with_image {
            continue;
        }
        let items: Vec<String> = headers
            .iter()
            .filter(|h| {
                let l = h.to_lowercase();
                prefixes.iter().any(|p| {
                    l.strip_prefix(p)
                        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit()))
                })
            })
            .cloned()
            .collect();
        if !items.is_empty() {
            constructs.push((construct.to_string(), items, Mode::A));
        }
    }
    if constructs.len() < 2 {
        return Err(format!(
            "the {name} template found fewer than two of its constructs among the columns (items named like IMAG1, CUEX1, PERQ1, PERV1, CUSA1, CUSCO, CUSL1 or imag1, expe1, qual1, val1, sat1, comp1, loy1)"
        ));
    }
    let have = |c: &str| constructs.iter().any(|(n, _, _)| n == c);
    let paths = pls::ECSI_PATHS
        .iter()
        .map(|&(a, b)| (pls::ECSI_CONSTRUCTS[a], pls::ECSI_CONSTRUCTS[b]))
        .filter(|(a, b)| have(a) && have(b))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    Ok(NamedModel {
        constructs,
        paths,
        scale: (1.0, 10.0),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlModel {
    scale: Option<[f64; 2]>,
    construct: Vec<TomlConstruct>,
    #[serde(default)]
    path: Vec<TomlPath>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlConstruct {
    name: String,
    indicators: Vec<String>,
    #[serde(default)]
    mode: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlPath {
    from: String,
    to: Vec<String>,
}

/// A model file:
///
/// ```toml
/// scale = [1, 10]
/// [[construct]]
/// name = "Image"
/// indicators = ["IMAG1", "IMAG2"]
/// mode = "A"            # or "B"
/// [[path]]
/// from = "Image"
/// to = ["Satisfaction", "Loyalty"]
/// ```
pub fn model_file(text: &str, display: &str) -> Result<NamedModel, String> {
    let m: TomlModel = toml::from_str(text).map_err(|e| format!("{display}: {e}"))?;
    let mut constructs = Vec::new();
    for c in m.construct {
        let mode = match c.mode.as_deref().unwrap_or("A") {
            "A" | "a" => Mode::A,
            "B" | "b" => Mode::B,
            other => {
                return Err(format!(
                    "{display}: construct '{}': mode '{other}' (expected A or B)",
                    c.name
                ))
            }
        };
        constructs.push((c.name, c.indicators, mode));
    }
    let paths = m
        .path
        .into_iter()
        .flat_map(|p| {
            let from = p.from;
            p.to.into_iter().map(move |t| (from.clone(), t))
        })
        .collect();
    let scale = m.scale.map_or((1.0, 10.0), |[a, b]| (a, b));
    if scale.0 >= scale.1 {
        return Err(format!(
            "{display}: scale must be [low, high] with low < high"
        ));
    }
    Ok(NamedModel {
        constructs,
        paths,
        scale,
    })
}

/// The answers of the model's items: columns in model order, and how many respondents were
/// left out for a missing answer. Any answer that is not a number or lies outside the scale
/// rejects the file (file, line, column, reason).
pub struct Answers {
    pub data: Vec<Vec<f64>>,
    pub model: Model,
    pub respondents: usize,
    pub left_out_missing: usize,
    /// Item names in column order.
    pub items: Vec<String>,
}

pub fn read_answers(
    path: &Path,
    display: &str,
    encoding: Option<Encoding>,
    model: impl FnOnce(&[String]) -> Result<NamedModel, String>,
    lang: Lang,
) -> Result<(Answers, NamedModel), AppError> {
    let reject = |errors: Vec<RowError>, n: usize| {
        crate::customers::table::rows_rejected(ErrorCode::InputRejected, lang, display, errors, n)
    };
    let one = |reason: String| RowError {
        file: display.to_string(),
        line: 1,
        column: String::new(),
        reason,
    };
    let mut reader = TableReader::open(path, display, encoding).map_err(|e| reject(vec![e], 1))?;
    let named = model(&reader.headers).map_err(|e| reject(vec![one(e)], 1))?;
    // Columns the model names, each once, in model order.
    let mut items: Vec<String> = Vec::new();
    let mut blocks = Vec::new();
    let mut missing = Vec::new();
    for (name, indicators, mode) in &named.constructs {
        let mut cols = Vec::new();
        for i in indicators {
            match reader
                .headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(i))
            {
                None => missing.push(format!("'{i}' (construct {name})")),
                Some(_) => {
                    let k = items
                        .iter()
                        .position(|x| x.eq_ignore_ascii_case(i))
                        .unwrap_or_else(|| {
                            items.push(i.clone());
                            items.len() - 1
                        });
                    cols.push(k);
                }
            }
        }
        blocks.push(Block {
            name: name.clone(),
            indicators: cols,
            mode: *mode,
        });
    }
    if !missing.is_empty() {
        return Err(reject(
            vec![one(format!(
                "the file lacks the column(s) {}",
                missing.join(", ")
            ))],
            1,
        ));
    }
    let at = |c: &str| named.constructs.iter().position(|(n, _, _)| n == c);
    let mut paths = Vec::new();
    for (a, b) in &named.paths {
        match (at(a), at(b)) {
            (Some(x), Some(y)) => paths.push((x, y)),
            _ => {
                return Err(reject(
                    vec![one(format!(
                        "the path {a} → {b} names a construct the model does not define"
                    ))],
                    1,
                ))
            }
        }
    }
    let positions: Vec<usize> = items
        .iter()
        .map(|i| {
            reader
                .headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(i))
                .expect("checked")
        })
        .collect();
    let (lo, hi) = named.scale;
    let mut data = vec![Vec::new(); items.len()];
    let (mut errors, mut error_count, mut left_out) = (Vec::new(), 0usize, 0usize);
    let mut row = vec![0.0; items.len()];
    while let Some(next) = reader.next_row() {
        let line = match next {
            Ok(l) => l,
            Err(e) => {
                error_count += 1;
                if errors.len() < 100 {
                    errors.push(e);
                }
                continue;
            }
        };
        let cells = reader.cells();
        let mut complete = true;
        for (k, &p) in positions.iter().enumerate() {
            let cell = trim(&cells[p]);
            if cell.is_empty() {
                complete = false;
                continue;
            }
            let bad = match plain_decimal(cell).map_or_else(|| cell.parse::<f64>(), Ok) {
                Ok(v) if v.is_finite() && v >= lo && v <= hi => {
                    row[k] = v;
                    None
                }
                Ok(v) => Some(format!("{v} is outside the scale {lo}–{hi}")),
                Err(_) => Some(format!("'{cell}' is not a number")),
            };
            if let Some(reason) = bad {
                error_count += 1;
                if errors.len() < 100 {
                    errors.push(RowError {
                        file: display.to_string(),
                        line,
                        column: reader.headers[p].clone(),
                        reason,
                    });
                }
            }
        }
        if !complete {
            left_out += 1;
            continue;
        }
        for (col, v) in data.iter_mut().zip(&row) {
            col.push(*v);
        }
    }
    if error_count > 0 {
        return Err(reject(errors, error_count));
    }
    let respondents = data.first().map_or(0, Vec::len);
    Ok((
        Answers {
            data,
            model: Model { blocks, paths },
            respondents,
            left_out_missing: left_out,
            items,
        },
        named,
    ))
}

/// The fit as an analysis error in the user's language.
pub fn pls_error(e: &pls::PlsError, lang: Lang) -> AppError {
    let reason = match lang {
        Lang::En => e.to_string(),
        Lang::ZhCn => match e {
            pls::PlsError::Model(m) => format!("模型无效：{m}"),
            pls::PlsError::Data(m) => format!("数据无效：{m}"),
            pls::PlsError::NotConverged { iterations } => {
                format!("权重在 {iterations} 次迭代后仍未收敛")
            }
        },
    };
    AppError::new(ErrorCode::AnalysisFailed, lang)
        .with_message(format!(
            "{} {reason}",
            ErrorCode::AnalysisFailed.message(lang)
        ))
        .with_details(json!({ "reason": reason }))
}

fn r6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Everything about the fit, as JSON (and the source of the printed table).
pub fn fit_json(
    a: &Answers,
    named: &NamedModel,
    opts: &Options,
    f: &PlsFit,
    boot: Option<&pls::Bootstrap>,
) -> Value {
    let m = &a.model;
    let total = f.total_effects();
    let index = f.index(&a.data, m, named.scale.0, named.scale.1);
    let (com, ave, cr, red) = (
        f.communality(),
        f.ave(),
        f.composite_reliability(),
        f.redundancy(),
    );
    let constructs: Vec<Value> = m
        .blocks
        .iter()
        .enumerate()
        .map(|(k, b)| {
            json!({
                "name": b.name,
                "mode": if b.mode == Mode::A { "A" } else { "B" },
                "r2": f.r2[k].map(r6),
                "index_0_100": r6(index[k]),
                "communality": r6(com[k]),
                "ave": r6(ave[k]),
                "composite_reliability": r6(cr[k]),
                "redundancy": r6(red[k]),
                "indicators": b.indicators.iter().enumerate().map(|(h, &c)| {
                    let mut v = json!({
                        "name": a.items[c],
                        "weight": r6(f.outer_weights[k][h]),
                        "loading": r6(f.loadings[k][h]),
                    });
                    if let Some(bs) = boot {
                        v["weight_ci"] = json!([r6(bs.outer_weights[k][h].0), r6(bs.outer_weights[k][h].1)]);
                        v["loading_ci"] = json!([r6(bs.loadings[k][h].0), r6(bs.loadings[k][h].1)]);
                    }
                    v
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let paths: Vec<Value> = m
        .paths
        .iter()
        .map(|&(x, y)| {
            let mut v = json!({
                "from": m.blocks[x].name,
                "to": m.blocks[y].name,
                "coefficient": r6(f.path[x][y]),
                "total_effect": r6(total[x][y]),
            });
            if let Some(bs) = boot {
                if let Some((lo, hi)) = bs.path[x][y] {
                    v["ci"] = json!([r6(lo), r6(hi)]);
                    v["se"] = json!(r6(bs.path_se[x][y]));
                }
            }
            v
        })
        .collect();
    json!({
        "respondents": a.respondents,
        "left_out_missing": a.left_out_missing,
        "scheme": match opts.scheme { pls::Scheme::Centroid => "centroid", pls::Scheme::Factorial => "factorial", pls::Scheme::Path => "path" },
        "indicators": if opts.standardise { "standardised" } else { "centred" },
        "scale": [named.scale.0, named.scale.1],
        "iterations": f.iterations,
        "gof": r6(f.gof()),
        "constructs": constructs,
        "paths": paths,
        "bootstrap": boot.map(|b| json!({ "resamples": b.resamples, "failed": b.failed, "level": 0.95 })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_find_constructs_by_item_prefix() {
        let h: Vec<String> = [
            "imag1", "imag2", "expe1", "qual1", "val1", "sat1", "loy1", "gender",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = template("ecsi", &h).unwrap();
        let names: Vec<&str> = m.constructs.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "Image",
                "Expectation",
                "Quality",
                "Value",
                "Satisfaction",
                "Loyalty"
            ]
        );
        assert_eq!(
            m.paths.len(),
            10,
            "no complaints construct, so no complaint paths"
        );
        let a = template("acsi", &h).unwrap();
        assert!(a.constructs.iter().all(|c| c.0 != "Image"));
        assert!(template("nope", &h).unwrap_err().contains("unknown"));
    }

    #[test]
    fn model_files_are_read_and_checked() {
        let m = model_file(
            "scale = [1, 5]\n[[construct]]\nname = \"A\"\nindicators = [\"a1\", \"a2\"]\n[[construct]]\nname = \"B\"\nindicators = [\"b1\"]\nmode = \"B\"\n[[path]]\nfrom = \"A\"\nto = [\"B\"]\n",
            "m.toml",
        )
        .unwrap();
        assert_eq!(m.scale, (1.0, 5.0));
        assert_eq!(m.constructs[1].2, Mode::B);
        assert_eq!(m.paths, vec![("A".to_string(), "B".to_string())]);
        assert!(model_file(
            "[[construct]]\nname = \"A\"\nindicators = []\nmode = \"C\"\n",
            "m.toml"
        )
        .unwrap_err()
        .contains("mode 'C'"));
        assert!(model_file("oops = 1\n", "m.toml")
            .unwrap_err()
            .contains("m.toml"));
    }
}
