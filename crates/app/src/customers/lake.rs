//! Parquet tables for imports and exports (issue 21 §1): what `fidelis export … --output
//! FILE.parquet` writes (typed where the store's values have a type: instants as TIMESTAMP,
//! money as DECIMAL(18,2), quantities as INT64; the rest text) and what `fidelis import` reads
//! back — one file, a directory or a glob — as the same text a CSV file would give, so the
//! import's checks and its idempotence apply unchanged.

use super::table::{RowError, TableReader};
use columnar::{read_columns, Cell, ColumnType, Kind, ParquetInput, ReadError, Value, Writer};
use std::path::Path;

fn row_error(display: &str, e: ReadError) -> RowError {
    RowError {
        file: if e.file.is_empty() {
            display.to_string()
        } else {
            e.file
        },
        line: 0,
        column: e.column,
        reason: e.reason,
    }
}

const ANY: &[ColumnType] = &[
    ColumnType::Text,
    ColumnType::Integer,
    ColumnType::Float,
    ColumnType::Decimal,
    ColumnType::Date,
    ColumnType::Timestamp,
];

/// A cell as the text a CSV file would hold.
fn text_of(c: &Cell) -> String {
    match *c {
        Cell::Null => String::new(),
        Cell::Text(s) => s.to_string(),
        Cell::Int(v) => v.to_string(),
        Cell::Float(v) => format!("{v}"),
        Cell::Day(d) => (chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")
            + chrono::Duration::days(d))
        .to_string(),
        Cell::Time(us) => match chrono::DateTime::from_timestamp_micros(us) {
            Some(t) if us % 1_000_000 == 0 => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            None => String::new(),
        },
    }
}

/// Open Parquet input as a table of text rows; every file's columns are checked from its
/// footer first (a column of a kind no import takes is refused naming file and column).
pub fn open(path: &Path, display: &str) -> Result<TableReader, RowError> {
    let input = ParquetInput::open(&path.to_string_lossy()).map_err(|e| row_error(display, e))?;
    let headers = input.headers.clone();
    let allowed = vec![ANY; headers.len()];
    let names: Vec<&str> = headers.iter().map(String::as_str).collect();
    columnar::column_types(&input, &names, &allowed).map_err(|e| row_error(display, e))?;
    let total = input.rows;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<String>, RowError>>(4_096);
    let shown = display.to_string();
    let columns = headers.clone();
    std::thread::spawn(move || {
        let names: Vec<&str> = columns.iter().map(String::as_str).collect();
        let allowed = vec![ANY; names.len()];
        let mut open = true;
        let r = read_columns(
            &input,
            &names,
            &allowed,
            &mut |_, _, cells| {
                if open {
                    open = tx.send(Ok(cells.iter().map(text_of).collect())).is_ok();
                }
            },
            &|_, _| {},
        );
        if let Err(e) = r {
            let _ = tx.send(Err(row_error(&shown, e)));
        }
    });
    Ok(TableReader::from_rows(
        display,
        headers,
        total,
        Box::new(rx.into_iter()),
    ))
}

/// A table written as Parquet, its rows given as text (as to the CSV writer) and stored in
/// each column's type.
pub struct ParquetTable {
    writer: Writer,
    kinds: Vec<Kind>,
}

impl ParquetTable {
    pub fn create(path: &Path, columns: &[(&str, Kind)]) -> Result<ParquetTable, String> {
        Ok(ParquetTable {
            writer: Writer::create(path, columns)?,
            kinds: columns.iter().map(|c| c.1).collect(),
        })
    }

    pub fn write_row(&mut self, row: &[String]) -> Result<(), String> {
        let mut values = Vec::with_capacity(row.len());
        for (s, kind) in row.iter().zip(&self.kinds) {
            let t = s.trim();
            values.push(match kind {
                Kind::Text => Value::Text(s),
                _ if t.is_empty() => Value::Null,
                Kind::Int => Value::Int(t.parse().map_err(|_| format!("not a whole number: {t}"))?),
                Kind::Money => Value::Int(domain::customers::parse_money(t)?),
                Kind::Instant => Value::Int(domain::time::parse_instant(t)?.timestamp_micros()),
                Kind::Date => Value::Int(domain::time::epoch_day(domain::time::parse_date(t)?)),
                Kind::Float => Value::Float(t.parse().map_err(|_| format!("not a number: {t}"))?),
            });
        }
        self.writer.row(&values)
    }

    pub fn finish(self) -> Result<u64, String> {
        self.writer.finish()
    }
}
