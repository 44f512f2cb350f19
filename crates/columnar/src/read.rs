//! Reading the columns an analysis needs from Parquet files.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use std::fs::File;
use std::path::{Path, PathBuf};

/// What went wrong, and where: the file, the column (empty when not about one) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadError {
    pub file: String,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column.is_empty() {
            true => write!(f, "{}: {}", self.file, self.reason),
            false => write!(
                f,
                "{}, column '{}': {}",
                self.file, self.column, self.reason
            ),
        }
    }
}

fn error(file: &Path, column: &str, reason: impl Into<String>) -> ReadError {
    ReadError {
        file: file.display().to_string(),
        column: column.to_string(),
        reason: reason.into(),
    }
}

/// The kinds of column an analysis tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Integer,
    Float,
    Decimal,
    Date,
    Timestamp,
    /// Anything else (booleans, lists, binary …).
    Other,
}

impl ColumnType {
    pub fn of(t: &DataType) -> ColumnType {
        match t {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => ColumnType::Text,
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64 => ColumnType::Integer,
            DataType::Float32 | DataType::Float64 => ColumnType::Float,
            DataType::Decimal32(..)
            | DataType::Decimal64(..)
            | DataType::Decimal128(..)
            | DataType::Decimal256(..) => ColumnType::Decimal,
            DataType::Date32 | DataType::Date64 => ColumnType::Date,
            DataType::Timestamp(..) => ColumnType::Timestamp,
            _ => ColumnType::Other,
        }
    }

    /// How a person calls it.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Text => "text (string)",
            ColumnType::Integer => "integer",
            ColumnType::Float => "float",
            ColumnType::Decimal => "decimal",
            ColumnType::Date => "date",
            ColumnType::Timestamp => "timestamp",
            ColumnType::Other => "another type",
        }
    }
}

/// One cell as the caller sees it: text, a whole number, a number (floats and decimals), a day
/// number (days since 1970-01-01) for dates, or an instant (microseconds since 1970-01-01 UTC)
/// for timestamps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Null,
    Text(&'a str),
    Int(i64),
    Float(f64),
    Day(i64),
    Time(i64),
}

impl Cell<'_> {
    /// The day of a date or (its UTC day) of an instant.
    pub fn day(&self) -> Option<i64> {
        match self {
            Cell::Day(d) => Some(*d),
            Cell::Time(us) => Some(us.div_euclid(86_400_000_000)),
            _ => None,
        }
    }
}

/// Whether `path` names Parquet input: a `.parquet`/`.parq` file, a directory, or a glob.
pub fn is_parquet(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".parquet")
        || lower.ends_with(".parq")
        || has_glob(file_name(path))
        || Path::new(path).is_dir()
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// `*` any run of characters, `?` one.
fn glob_match(pattern: &[char], name: &[char]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some('*'), _) => {
            glob_match(&pattern[1..], name) || (!name.is_empty() && glob_match(pattern, &name[1..]))
        }
        (Some('?'), Some(_)) => glob_match(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => glob_match(&pattern[1..], &name[1..]),
        _ => false,
    }
}

fn parquet_name(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let lower = name.to_ascii_lowercase();
    // Engines leave marker and checksum files beside their output (_SUCCESS, .part.crc).
    !name.starts_with(['.', '_']) && (lower.ends_with(".parquet") || lower.ends_with(".parq"))
}

/// The files `path` names: itself, every Parquet file under a directory (recursively), or the
/// files a glob in the last part of the path matches; in name order.
pub fn expand(path: &str) -> Result<Vec<PathBuf>, ReadError> {
    let p = Path::new(path);
    let mut files = Vec::new();
    if has_glob(file_name(path)) {
        let dir = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if has_glob(&dir.to_string_lossy()) {
            return Err(error(p, "", "a glob may use * and ? in the file name only"));
        }
        let pattern: Vec<char> = file_name(path).chars().collect();
        let entries = std::fs::read_dir(&dir).map_err(|e| error(&dir, "", e.to_string()))?;
        for e in entries.flatten() {
            let name: Vec<char> = e.file_name().to_string_lossy().chars().collect();
            if e.path().is_file() && glob_match(&pattern, &name) {
                files.push(e.path());
            }
        }
    } else if p.is_dir() {
        let mut stack = vec![p.to_path_buf()];
        while let Some(d) = stack.pop() {
            let entries = std::fs::read_dir(&d).map_err(|e| error(&d, "", e.to_string()))?;
            for e in entries.flatten() {
                let q = e.path();
                if q.is_dir() {
                    stack.push(q);
                } else if parquet_name(&q) {
                    files.push(q);
                }
            }
        }
    } else if p.is_file() {
        files.push(p.to_path_buf());
    } else {
        return Err(error(p, "", "no such file or directory"));
    }
    files.sort();
    if files.is_empty() {
        return Err(error(p, "", "no Parquet files there"));
    }
    Ok(files)
}

/// Parquet input opened: its files, and the column names of the first (every file must have
/// the columns read, of the same kind).
#[derive(Debug, Clone)]
pub struct ParquetInput {
    pub files: Vec<PathBuf>,
    pub headers: Vec<String>,
    /// Rows in all the files (from their footers).
    pub rows: u64,
}

impl ParquetInput {
    pub fn open(path: &str) -> Result<ParquetInput, ReadError> {
        let files = expand(path)?;
        let mut rows = 0u64;
        let mut headers = Vec::new();
        for (k, f) in files.iter().enumerate() {
            let b = builder(f)?;
            rows += b.metadata().file_metadata().num_rows().max(0) as u64;
            if k == 0 {
                headers = b
                    .schema()
                    .fields()
                    .iter()
                    .map(|c| c.name().clone())
                    .collect();
            }
        }
        Ok(ParquetInput {
            files,
            headers,
            rows,
        })
    }
}

fn builder(f: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>, ReadError> {
    let file = File::open(f).map_err(|e| error(f, "", e.to_string()))?;
    ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| error(f, "", format!("not a readable Parquet file: {e}")))
}

/// Check that every file has `columns`, each of a kind `allowed` lists for it and of the same
/// kind in every file, reading only the files' footers; the kinds (for a run elsewhere, e.g. on
/// a cluster, that must know them before reading a row).
pub fn column_types(
    input: &ParquetInput,
    columns: &[&str],
    allowed: &[&[ColumnType]],
) -> Result<Vec<ColumnType>, ReadError> {
    let mut kinds: Vec<Option<(ColumnType, PathBuf)>> = vec![None; columns.len()];
    for f in &input.files {
        let b = builder(f)?;
        check_schema(f, b.schema(), columns, allowed, &mut kinds)?;
    }
    Ok(kinds
        .into_iter()
        .map(|k| k.map_or(ColumnType::Other, |k| k.0))
        .collect())
}

/// The positions of `columns` in one file's schema, checked as [`column_types`] says.
fn check_schema(
    f: &Path,
    schema: &arrow_schema::Schema,
    columns: &[&str],
    allowed: &[&[ColumnType]],
    kinds: &mut [Option<(ColumnType, PathBuf)>],
) -> Result<Vec<usize>, ReadError> {
    let mut roots = Vec::with_capacity(columns.len());
    for (k, name) in columns.iter().enumerate() {
        let Some((i, field)) = schema.column_with_name(name) else {
            return Err(error(f, name, "no such column in this file"));
        };
        let kind = ColumnType::of(field.data_type());
        if !allowed[k].contains(&kind) {
            let want: Vec<&str> = allowed[k].iter().map(|t| t.name()).collect();
            return Err(error(
                f,
                name,
                format!(
                    "is {} ({}); it must be {}",
                    kind.name(),
                    field.data_type(),
                    want.join(" or ")
                ),
            ));
        }
        match &kinds[k] {
            Some((first, first_file)) if *first != kind => {
                return Err(error(
                    f,
                    name,
                    format!(
                        "is {} here but {} in {}: every file must give a column the same kind",
                        kind.name(),
                        first.name(),
                        first_file.display()
                    ),
                ))
            }
            Some(_) => {}
            None => kinds[k] = Some((kind, f.to_path_buf())),
        }
        roots.push(i);
    }
    Ok(roots)
}

/// Read `columns` (names, in the order wanted) of every file, calling `each(file index, row in
/// the file (1-based), cells)` per row. `allowed[k]` lists the kinds column k may have; a
/// missing column, a column of another kind, or one whose kind differs from the first file's
/// is refused before any row of that file is read. `progress(rows read, rows in all)`.
pub fn read_columns(
    input: &ParquetInput,
    columns: &[&str],
    allowed: &[&[ColumnType]],
    each: &mut dyn FnMut(usize, u64, &[Cell]),
    progress: &dyn Fn(u64, u64),
) -> Result<(), ReadError> {
    let mut kinds: Vec<Option<(ColumnType, PathBuf)>> = vec![None; columns.len()];
    let mut done = 0u64;
    for (fi, f) in input.files.iter().enumerate() {
        let b = builder(f)?;
        let schema = b.schema().clone();
        let roots = check_schema(f, &schema, columns, allowed, &mut kinds)?;
        // The projection keeps schema order: map each wanted column to its place in it.
        let mut sorted = roots.clone();
        sorted.sort_unstable();
        sorted.dedup();
        let place: Vec<usize> = roots
            .iter()
            .map(|r| sorted.iter().position(|s| s == r).expect("root kept"))
            .collect();
        let mask = ProjectionMask::roots(b.parquet_schema(), sorted.iter().copied());
        let reader = b
            .with_projection(mask)
            .with_batch_size(65_536)
            .build()
            .map_err(|e| error(f, "", e.to_string()))?;
        let mut row = 0u64;
        for batch in reader {
            let batch = batch.map_err(|e| error(f, "", format!("unreadable data: {e}")))?;
            let arrays: Vec<&ArrayRef> = place.iter().map(|&p| batch.column(p)).collect();
            let mut cells = vec![Cell::Null; columns.len()];
            for i in 0..batch.num_rows() {
                row += 1;
                for (k, a) in arrays.iter().enumerate() {
                    cells[k] = cell(a, i).map_err(|reason| error(f, columns[k], reason))?;
                }
                each(fi, row, &cells);
            }
            done += batch.num_rows() as u64;
            progress(done, input.rows);
        }
    }
    Ok(())
}

/// Cell `i` of an array of one of the kinds [`ColumnType`] tells apart.
fn cell(a: &ArrayRef, i: usize) -> Result<Cell<'_>, String> {
    if a.is_null(i) {
        return Ok(Cell::Null);
    }
    const DAY_S: i64 = 86_400;
    let day = |v: i64, per_day: i64| Cell::Day(v.div_euclid(per_day));
    Ok(match a.data_type() {
        DataType::Utf8 => Cell::Text(a.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => Cell::Text(a.as_string::<i64>().value(i)),
        DataType::Utf8View => Cell::Text(a.as_string_view().value(i)),
        DataType::Int8 => Cell::Int(a.as_primitive::<Int8Type>().value(i).into()),
        DataType::Int16 => Cell::Int(a.as_primitive::<Int16Type>().value(i).into()),
        DataType::Int32 => Cell::Int(a.as_primitive::<Int32Type>().value(i).into()),
        DataType::Int64 => Cell::Int(a.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => Cell::Int(a.as_primitive::<UInt8Type>().value(i).into()),
        DataType::UInt16 => Cell::Int(a.as_primitive::<UInt16Type>().value(i).into()),
        DataType::UInt32 => Cell::Int(a.as_primitive::<UInt32Type>().value(i).into()),
        DataType::UInt64 => {
            let v = a.as_primitive::<UInt64Type>().value(i);
            Cell::Int(i64::try_from(v).map_err(|_| format!("{v} is too large"))?)
        }
        DataType::Float32 => Cell::Float(a.as_primitive::<Float32Type>().value(i).into()),
        DataType::Float64 => Cell::Float(a.as_primitive::<Float64Type>().value(i)),
        DataType::Decimal32(_, s) => decimal(
            a.as_primitive::<arrow_array::types::Decimal32Type>()
                .value(i)
                .into(),
            *s,
        ),
        DataType::Decimal64(_, s) => decimal(
            a.as_primitive::<arrow_array::types::Decimal64Type>()
                .value(i)
                .into(),
            *s,
        ),
        DataType::Decimal128(_, s) => decimal(
            a.as_primitive::<arrow_array::types::Decimal128Type>()
                .value(i),
            *s,
        ),
        DataType::Decimal256(_, s) => {
            let v = a
                .as_primitive::<arrow_array::types::Decimal256Type>()
                .value(i);
            decimal(v.to_i128().ok_or("the decimal is too large")?, *s)
        }
        DataType::Date32 => Cell::Day(a.as_primitive::<Date32Type>().value(i).into()),
        DataType::Date64 => day(a.as_primitive::<Date64Type>().value(i), DAY_S * 1000),
        DataType::Timestamp(unit, _) => Cell::Time(match unit {
            TimeUnit::Second => a
                .as_primitive::<TimestampSecondType>()
                .value(i)
                .saturating_mul(1_000_000),
            TimeUnit::Millisecond => a
                .as_primitive::<TimestampMillisecondType>()
                .value(i)
                .saturating_mul(1_000),
            TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(i),
            TimeUnit::Nanosecond => a
                .as_primitive::<TimestampNanosecondType>()
                .value(i)
                .div_euclid(1_000),
        }),
        other => return Err(format!("cannot read values of type {other}")),
    })
}

/// A decimal's value as the nearest f64: the unscaled integer divided by 10^scale, one
/// correctly rounded division (so 1234 at scale 2 is exactly what "12.34" parses to).
fn decimal(unscaled: i128, scale: i8) -> Cell<'static> {
    let v = if scale >= 0 {
        unscaled as f64 / 10f64.powi(scale.into())
    } else {
        unscaled as f64 * 10f64.powi((-scale).into())
    };
    Cell::Float(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let m = |p: &str, n: &str| {
            glob_match(
                &p.chars().collect::<Vec<_>>(),
                &n.chars().collect::<Vec<_>>(),
            )
        };
        assert!(m("*.parquet", "a.parquet"));
        assert!(m("sales-2024-??.parquet", "sales-2024-03.parquet"));
        assert!(!m("sales-2024-??.parquet", "sales-2024-3.parquet"));
        assert!(m("*", ""));
        assert!(!m("*.parquet", "a.csv"));
    }

    #[test]
    fn decimals_read_as_their_text_parses() {
        assert_eq!(decimal(1234, 2), Cell::Float("12.34".parse().unwrap()));
        assert_eq!(decimal(-5, 1), Cell::Float(-0.5));
        assert_eq!(decimal(7, -2), Cell::Float(700.0));
    }
}
