//! Purchases from Parquet (issue 21 §1): one file, a directory or a glob of files, with the
//! column mapping of a CSV file. Ids may be text or whole numbers, dates dates, timestamps
//! (their UTC day) or text (read as a CSV's are), amounts decimals, floats or whole numbers;
//! any other kind is refused naming the file and the column before a row is read, and every
//! row is checked as a CSV row is (all or nothing).

use super::clv::{rejected, Purchases};
use super::purchases::{join_parts, purchases_of, FileInput, Layout, Part, PURCHASE_COLUMNS};
use crate::customers::table::{ColumnMap, RowError};
use crate::error::AppError;
use columnar::{column_types, read_columns, Cell, ColumnType, ParquetInput, ReadError};
use domain::Lang;

const ID: &[ColumnType] = &[ColumnType::Text, ColumnType::Integer];
const DATE: &[ColumnType] = &[ColumnType::Date, ColumnType::Timestamp, ColumnType::Text];
const AMOUNT: &[ColumnType] = &[ColumnType::Decimal, ColumnType::Float, ColumnType::Integer];

/// A Parquet reading error as a bad-row report (row 0: the file or column as a whole).
pub(super) fn row_error(e: ReadError) -> RowError {
    RowError {
        file: e.file,
        line: 0,
        column: e.column,
        reason: e.reason,
    }
}

/// The input opened and its customer id, date and amount columns found (mapped as for a CSV
/// file: default names, aliases, overrides).
fn mapped(
    path: &std::path::Path,
    display: &str,
    columns: &[(String, String)],
    lang: Lang,
) -> Result<(ParquetInput, [String; 3]), AppError> {
    let pq = ParquetInput::open(&path.to_string_lossy())
        .map_err(|e| rejected(lang, display, vec![row_error(e)], 1))?;
    let fields = ["customer_id", "date", "amount"];
    let map =
        ColumnMap::new(display, &pq.headers, PURCHASE_COLUMNS, &fields, columns).map_err(|e| {
            let n = e.len();
            rejected(lang, display, e, n)
        })?;
    let names = fields.map(|f| map.column_name(&pq.headers, f).unwrap_or(f).to_string());
    Ok((pq, names))
}

pub fn read_purchases(
    input: &FileInput,
    lang: Lang,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Purchases, AppError> {
    let display = input.display;
    let (pq, names) = mapped(input.path, display, &input.columns, lang)?;
    // Rows are numbered per file; with several files a bad row names its own.
    let shown: Vec<String> = pq
        .files
        .iter()
        .map(|f| match pq.files.len() {
            1 => display.to_string(),
            _ => f.display().to_string(),
        })
        .collect();
    let layouts: Vec<Layout> = shown
        .iter()
        .map(|s| Layout {
            display: s,
            pos: [0, 1, 2],
            names: names.clone(),
            format: input.date_format.as_deref(),
            error_limit: input.error_limit,
        })
        .collect();
    let columns: Vec<&str> = names.iter().map(String::as_str).collect();
    // Every file's columns checked first, from the footers: the same kind in every file.
    column_types(&pq, &columns, &[ID, DATE, AMOUNT])
        .map_err(|e| rejected(lang, display, vec![row_error(e)], 1))?;
    // The files read on every core, each into its own part, joined in file order (as a CSV
    // file's blocks are): customers keep their order of first appearance.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicU64::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(pq.files.len())
        .max(1);
    let mut read: Vec<(usize, Result<Part, ReadError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (pq, layouts, columns, next, done) = (&pq, &layouts, &columns, &next, &done);
                scope.spawn(move || {
                    let mut out = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(file) = pq.files.get(k) else {
                            break out;
                        };
                        let one = ParquetInput {
                            files: vec![file.clone()],
                            headers: pq.headers.clone(),
                            rows: 0,
                        };
                        out.push((
                            k,
                            read_file(&one, columns, &layouts[k], done, pq.rows, progress),
                        ));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("reader thread"))
            .collect()
    });
    read.sort_unstable_by_key(|(k, _)| *k);
    let mut parts = Vec::with_capacity(read.len());
    for (_, r) in read {
        parts.push(r.map_err(|e| rejected(lang, display, vec![row_error(e)], 1))?);
    }
    progress(pq.rows, pq.rows);
    // Bad rows: each names its own file and row; reported in file order.
    let bad: usize = parts.iter().map(|p| p.error_count).sum();
    if bad > 0 {
        let errors = parts
            .into_iter()
            .flat_map(|p| p.errors)
            .take(input.error_limit)
            .collect();
        return Err(rejected(lang, display, errors, bad));
    }
    let part = join_parts(parts, input.error_limit);
    purchases_of(part, lang, display)
}

/// One file's purchases, checked row by row as a CSV file's.
fn read_file(
    one: &ParquetInput,
    columns: &[&str],
    l: &Layout,
    done: &std::sync::atomic::AtomicU64,
    total: u64,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Part, ReadError> {
    let mut part = Part::new();
    let mut id_text = String::new();
    let seen = std::cell::Cell::new(0u64);
    read_columns(
        one,
        columns,
        &[ID, DATE, AMOUNT],
        &mut |_, row, cells| {
            let id = match cells[0] {
                Cell::Text(s) => s,
                Cell::Int(v) => {
                    id_text.clear();
                    id_text.push_str(&v.to_string());
                    &id_text
                }
                _ => "",
            };
            let amount = match cells[2] {
                Cell::Float(v) => Ok(v),
                Cell::Int(v) => Ok(v as f64),
                _ => Err("the amount is missing".to_string()),
            };
            let date = cells[1];
            let day = || match date {
                Cell::Day(_) | Cell::Time(_) => Ok(date.day().expect("a day")),
                Cell::Text(s) => super::clv::parse_day(s, l.format),
                _ => Err("the date is missing".to_string()),
            };
            l.add_parsed(&mut part, row as i64, id, day, amount);
        },
        &|rows, _| {
            let delta = rows - seen.replace(rows);
            let all = done.fetch_add(delta, std::sync::atomic::Ordering::Relaxed) + delta;
            progress(all, total);
        },
    )?;
    Ok(part)
}

/// The Parquet kind of a column of [`super::clv::CUSTOMER_COLUMNS`] (the id text, counts and
/// RFM scores whole numbers, the two days dates, the rest floats).
pub fn customer_column_kind(column: &str) -> columnar::Kind {
    use columnar::Kind;
    match column {
        "customer_id" => Kind::Text,
        "frequency" | "rfm_r" | "rfm_f" | "rfm_m" => Kind::Int,
        "first_purchase" | "last_purchase" => Kind::Date,
        _ => Kind::Float,
    }
}

/// Write one row per analysed customer as Parquet with typed columns (the CSV's columns; the
/// numbers at full precision, the days as dates), through a temporary file moved into place.
pub fn write_customers(
    path: &std::path::Path,
    ids: &super::ids::CustomerIds,
    clv: &analytics::clv::Clv,
    progress: &dyn Fn(u64, u64),
) -> Result<u64, String> {
    use super::clv::CUSTOMER_COLUMNS;
    use columnar::{Kind, Value, Writer};
    let holdout = clv.holdout.is_some();
    let mut columns: Vec<(&str, Kind)> = CUSTOMER_COLUMNS
        .iter()
        .map(|&c| (c, customer_column_kind(c)))
        .collect();
    if holdout {
        columns.extend([
            ("holdout_purchases", Kind::Int),
            ("holdout_expected", Kind::Float),
        ]);
    }
    let mut w = Writer::create(path, &columns)?;
    let total = clv.n_customers as u64;
    let mut written = 0u64;
    for (i, v) in clv.values() {
        let Some(s) = &clv.stats[i] else { continue };
        let mut row = vec![
            Value::Text(ids.get(i)),
            Value::Int(s.x.into()),
            Value::Float(s.t_x),
            Value::Float(s.t),
            Value::Float(s.zbar),
            Value::Int(v.rfm.r.into()),
            Value::Int(v.rfm.f.into()),
            Value::Int(v.rfm.m.into()),
            Value::Float(v.p_alive),
            Value::Float(v.expected_purchases),
            Value::Float(v.expected_spend),
            Value::Float(v.clv),
            Value::Int(s.first_day.into()),
            Value::Int(s.last_day.into()),
            Value::Float(s.total_spend),
        ];
        if holdout {
            row.push(Value::Int(s.later_days.into()));
            row.push(Value::Float(v.holdout_expected.unwrap_or(0.0)));
        }
        w.row(&row)?;
        written += 1;
        if written.is_multiple_of(65_536) {
            progress(written, total);
        }
    }
    let n = w.finish()?;
    progress(total, total);
    Ok(n)
}

/// For a run elsewhere (a cluster): the input's files and the names of its customer id, date
/// and amount columns (mapped as for a CSV file), every file checked from its footer — the
/// columns there, of an accepted kind, the same kind in every file — before any row is read.
pub fn checked_input(
    path: &std::path::Path,
    display: &str,
    columns: &[(String, String)],
    lang: Lang,
) -> Result<(Vec<std::path::PathBuf>, [String; 3]), AppError> {
    let (pq, names) = mapped(path, display, columns, lang)?;
    let cols: Vec<&str> = names.iter().map(String::as_str).collect();
    columnar::column_types(&pq, &cols, &[ID, DATE, AMOUNT])
        .map_err(|e| rejected(lang, display, vec![row_error(e)], 1))?;
    Ok((pq.files, names))
}
