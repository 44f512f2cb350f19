//! A PLS path model on an answers file (CSV in UTF-8 or GB18030, or xlsx; one row per
//! respondent, one column per item): the model from a template (ECSI, ACSI: constructs found by
//! their items' name prefixes) or a TOML file, the answers checked (numbers within the scale;
//! respondents with a missing answer left out and counted), the fit, optional bootstrap
//! intervals, and the results as JSON.

use crate::churn::purchases::{plain_decimal, trim};
use crate::customers::table::{Encoding, Format, RowError, TableReader};
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
    let mut take = Take {
        display,
        scale: named.scale,
        data: vec![Vec::new(); items.len()],
        row: vec![0.0; items.len()],
        errors: Vec::new(),
        error_count: 0,
        left_out: 0,
    };
    let plain = reader.encoding == Some(Encoding::Utf8) && Format::of(path) == Format::Csv;
    let fast = plain && read_plain(path, &reader.headers, &positions, &mut take).is_some();
    if !fast {
        while let Some(next) = reader.next_row() {
            match next {
                Ok(line) => {
                    let cells = reader.cells();
                    if take.row(line, &reader.headers, &positions, |p| trim(&cells[p])) {
                        take.push_row();
                    }
                }
                Err(e) => take.error(e),
            }
        }
    }
    let Take {
        data,
        errors,
        error_count,
        left_out,
        ..
    } = take;
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

/// Answers gathered row by row: complete rows into the columns, missing answers counted, bad
/// cells collected (the first 100 kept).
struct Take<'a> {
    display: &'a str,
    scale: (f64, f64),
    data: Vec<Vec<f64>>,
    row: Vec<f64>,
    errors: Vec<RowError>,
    error_count: usize,
    left_out: usize,
}

impl<'a> Take<'a> {
    /// The same reader with nothing taken yet, for one part of a file.
    fn empty_like(&self) -> Take<'a> {
        let n = self.data.len();
        Take {
            display: self.display,
            scale: self.scale,
            data: vec![Vec::new(); n],
            row: vec![0.0; n],
            errors: Vec::new(),
            error_count: 0,
            left_out: 0,
        }
    }

    /// Add a later part's answers, errors and counts.
    fn append(&mut self, t: Take) {
        for (col, more) in self.data.iter_mut().zip(t.data) {
            if col.is_empty() {
                *col = more;
            } else {
                col.extend_from_slice(&more);
            }
        }
        for e in t.errors {
            if self.errors.len() < 100 {
                self.errors.push(e);
            }
        }
        self.error_count += t.error_count;
        self.left_out += t.left_out;
    }

    fn error(&mut self, e: RowError) {
        self.error_count += 1;
        if self.errors.len() < 100 {
            self.errors.push(e);
        }
    }

    /// One respondent into `row`: `cell(p)` is the trimmed text of header column `p`. True
    /// when every model item is answered (errors are collected either way).
    fn row<'c>(
        &mut self,
        line: i64,
        headers: &[String],
        positions: &[usize],
        cell: impl Fn(usize) -> &'c str,
    ) -> bool {
        let (lo, hi) = self.scale;
        let mut complete = true;
        for (k, &p) in positions.iter().enumerate() {
            let text = cell(p);
            if text.is_empty() {
                complete = false;
                continue;
            }
            let reason = match plain_decimal(text).map_or_else(|| text.parse::<f64>(), Ok) {
                Ok(v) if v.is_finite() && v >= lo && v <= hi => {
                    self.row[k] = v;
                    continue;
                }
                Ok(v) => format!("{v} is outside the scale {lo}–{hi}"),
                Err(_) => format!("'{text}' is not a number"),
            };
            let e = RowError {
                file: self.display.to_string(),
                line,
                column: headers[p].clone(),
                reason,
            };
            self.error(e);
        }
        if !complete {
            self.left_out += 1;
        }
        complete
    }

    /// Keep the row `row` just read.
    fn push_row(&mut self) {
        for (col, v) in self.data.iter_mut().zip(&self.row) {
            col.push(*v);
        }
    }
}

/// The fast path for a plain UTF-8 CSV file (no quotes): the whole file read at once, lines
/// found with memchr and split at commas, with the general reader's line numbers and errors.
/// `None`, before any row is taken, when the file needs the general reader.
fn read_plain(path: &Path, headers: &[String], positions: &[usize], take: &mut Take) -> Option<()> {
    let bytes = std::fs::read(path).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    if memchr::memchr(b'"', text.as_bytes()).is_some() {
        return None;
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(header_end) = text.find('\n') else {
        return Some(()); // the header alone
    };
    let body = &text[header_end + 1..];
    // Parts of at least 1 MiB cut at line starts, one per core.
    let parts = analytics::par::threads().clamp(1, body.len() / (1 << 20) + 1);
    let mut cuts = vec![0];
    for k in 1..parts {
        let guess = (body.len() * k / parts).max(*cuts.last().expect("a cut"));
        let at =
            memchr::memchr(b'\n', &body.as_bytes()[guess..]).map_or(body.len(), |i| guess + i + 1);
        cuts.push(at);
    }
    cuts.push(body.len());
    // Each part: its text, its first line's number, and where its respondents go in the
    // columns (its lines bound them).
    let (mut first_line, mut start) = (2i64, 0usize);
    let mut jobs = Vec::new();
    let mut starts = Vec::new();
    for w in cuts.windows(2) {
        let part = &body[w[0]..w[1]];
        let newlines = memchr::memchr_iter(b'\n', part.as_bytes()).count();
        jobs.push((part, first_line));
        starts.push(start);
        first_line += newlines as i64;
        start += newlines + 1;
    }
    // Every part writes straight into the columns from its start; the gaps left by blank,
    // incomplete or bad lines are closed afterwards. Zeroed memory is touched only where
    // written.
    let all_lines = start;
    let mut columns: Vec<Vec<f64>> = (0..take.data.len()).map(|_| vec![0.0; all_lines]).collect();
    let mut slices: Vec<Vec<&mut [f64]>> = (0..jobs.len()).map(|_| Vec::new()).collect();
    for col in columns.iter_mut() {
        let mut rest: &mut [f64] = col;
        for (k, mine) in slices.iter_mut().enumerate() {
            let len = starts.get(k + 1).copied().unwrap_or(all_lines) - starts[k];
            let (part, more) = rest.split_at_mut(len);
            mine.push(part);
            rest = more;
        }
    }
    let taken: Vec<(Take, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .iter()
            .zip(slices)
            .map(|(&(part, first), mut out)| {
                let mut mine = take.empty_like();
                scope.spawn(move || {
                    let n = take_lines(part, first, headers, positions, &mut mine, &mut out);
                    (mine, n)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("reader thread"))
            .collect()
    });
    let mut kept = 0;
    for ((t, n), start) in taken.into_iter().zip(starts) {
        if start != kept {
            for col in columns.iter_mut() {
                col.copy_within(start..start + n, kept);
            }
        }
        kept += n;
        take.append(t);
    }
    for col in columns.iter_mut() {
        col.truncate(kept);
    }
    take.data = columns;
    Some(())
}

/// The respondents on these lines, the first numbered `first_line`.
fn take_lines(
    text: &str,
    first_line: i64,
    headers: &[String],
    positions: &[usize],
    take: &mut Take,
    out: &mut [&mut [f64]],
) -> usize {
    let width = headers.len();
    let mut cells: Vec<&str> = Vec::with_capacity(width);
    // Which model column each field of a line feeds.
    let column_of: Vec<Option<usize>> = (0..width)
        .map(|f| positions.iter().position(|&p| p == f))
        .collect();
    let (lo, hi) = take.scale;
    let mut n = 0;
    let mut keep = |row: &[f64], n: &mut usize| {
        for (col, v) in out.iter_mut().zip(row) {
            col[*n] = *v;
        }
        *n += 1;
    };
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if whole_numbers(line.as_bytes(), &column_of, &mut take.row, lo, hi) {
            keep(&take.row, &mut n);
            continue;
        }
        let line_no = first_line + i as i64;
        cells.clear();
        cells.extend(line.split(','));
        if cells.len() != width {
            let reason = format!(
                "expected {width} fields as in the header, found {}",
                cells.len()
            );
            take.error(RowError {
                file: take.display.to_string(),
                line: line_no,
                column: String::new(),
                reason,
            });
            continue;
        }
        if take.row(line_no, headers, positions, |p| trim(cells[p])) {
            keep(&take.row, &mut n);
        }
    }
    n
}

/// The common line: every field a whole number of up to 15 digits, the model's within the
/// scale, as many fields as the header. Its values go into `row`; `false` for anything else,
/// which the general path then reads (and names what is wrong).
fn whole_numbers(
    line: &[u8],
    column_of: &[Option<usize>],
    row: &mut [f64],
    lo: f64,
    hi: f64,
) -> bool {
    // One field ends: keep it if the model reads it and it is on the scale.
    let mut keep = |field: usize, v: u64, digits: u32| -> bool {
        let Some(col) = column_of.get(field) else {
            return false;
        };
        if digits == 0 || digits > 15 {
            return false;
        }
        if let Some(k) = *col {
            let x = v as f64;
            if x < lo || x > hi {
                return false;
            }
            row[k] = x;
        }
        true
    };
    let (mut field, mut v, mut digits) = (0usize, 0u64, 0u32);
    for &b in line {
        let d = b.wrapping_sub(b'0');
        if d < 10 {
            v = v * 10 + u64::from(d);
            digits += 1;
        } else if b == b',' && keep(field, v, digits) {
            (field, v, digits) = (field + 1, 0, 0);
        } else {
            return false;
        }
    }
    keep(field, v, digits) && field + 1 == column_of.len()
}

/// Why the fit failed, in the user's language, naming columns by their items.
pub fn pls_reason(e: &pls::PlsError, lang: Lang, items: &[String]) -> String {
    use pls::PlsError::*;
    let item = |c: &usize| {
        items
            .get(*c)
            .cloned()
            .unwrap_or_else(|| format!("#{}", c + 1))
    };
    let (zh, en) = match e {
        NoConstruct => ("模型没有任何潜变量".to_string(), e.to_string()),
        NoIndicator { construct: k } => (
            format!("潜变量 '{k}' 没有测量题项"),
            format!("construct '{k}' has no indicator"),
        ),
        SingleFormative { construct: k } => (
            format!("潜变量 '{k}' 为形成型（模式 B）但只有一个题项；形成型至少需要两个（只有一个时请用模式 A，得分相同）"),
            e.to_string(),
        ),
        MissingColumn { construct: k, column } => (
            format!("潜变量 '{k}' 引用的第 {} 列在数据中不存在", column + 1),
            format!("construct '{k}' names column {}, which the data lacks", column + 1),
        ),
        ColumnLength { column } => (
            format!("题项 {} 的答案数与其他题项不同", item(column)),
            format!("item {} has a different number of answers", item(column)),
        ),
        NotANumber { construct: k, column, respondent } => (
            format!("题项 {}（潜变量 '{k}'），第 {respondent} 位受访者：不是数字", item(column)),
            format!("item {} (construct '{k}'), respondent {respondent}: not a number", item(column)),
        ),
        ZeroVariance { construct: k, column } => (
            format!("题项 {}（潜变量 '{k}'）所有答案都相同（方差为零），无法估计", item(column)),
            format!("item {} (construct '{k}') has zero variance: every answer is the same", item(column)),
        ),
        TooFewRespondents => ("至少需要 3 位完整作答的受访者".into(), "at least 3 respondents with every item answered are needed".into()),
        BadPath { .. } => ("有一条路径不在两个潜变量之间".into(), e.to_string()),
        Cycle { construct: k } => (format!("路径经过 '{k}' 形成循环"), e.to_string()),
        CollinearBlock { construct: k } => (
            format!("形成型潜变量 '{k}' 的题项共线（模式 B 需要彼此独立）"),
            e.to_string(),
        ),
        CollinearPredictors { construct: k } => (
            format!("解释 '{k}' 的潜变量彼此共线"),
            e.to_string(),
        ),
        NotConverged { iterations } => (format!("权重在 {iterations} 次迭代后仍未收敛"), e.to_string()),
    };
    match lang {
        Lang::En => en,
        Lang::ZhCn => zh,
    }
}

/// The fit as an analysis error in the user's language.
pub fn pls_error(e: &pls::PlsError, lang: Lang, items: &[String]) -> AppError {
    let reason = pls_reason(e, lang, items);
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
#[path = "pls_tests.rs"]
mod tests;
