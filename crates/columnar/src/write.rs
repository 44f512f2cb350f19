//! Writing a table with typed columns as one Parquet file (Snappy-compressed, as most engines
//! write by default), through a temporary file beside it that is moved into place on
//! [`Writer::finish`].

use arrow_array::builder::{
    Date32Builder, Decimal128Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Float,
    /// Money in minor units (cents), written as DECIMAL(18, 2).
    Money,
    /// A day number (days since 1970-01-01), written as DATE.
    Date,
    /// Microseconds since 1970-01-01 UTC, written as TIMESTAMP(µs, UTC).
    Instant,
}

/// One cell to write; `Null` for none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Text(&'a str),
    Int(i64),
    Float(f64),
}

enum Column {
    Text(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Money(Decimal128Builder),
    Date(Date32Builder),
    Instant(TimestampMicrosecondBuilder),
}

const BATCH: usize = 65_536;

pub struct Writer {
    path: PathBuf,
    temp: PathBuf,
    schema: Arc<Schema>,
    columns: Vec<Column>,
    inner: Option<ArrowWriter<File>>,
    pending: usize,
    rows: u64,
}

fn io(path: &Path, e: impl std::fmt::Display) -> String {
    format!("{}: {e}", path.display())
}

impl Writer {
    pub fn create(path: &Path, columns: &[(&str, Kind)]) -> Result<Writer, String> {
        let fields: Vec<Field> = columns
            .iter()
            .map(|(name, kind)| {
                let t = match kind {
                    Kind::Text => DataType::Utf8,
                    Kind::Int => DataType::Int64,
                    Kind::Float => DataType::Float64,
                    Kind::Money => DataType::Decimal128(18, 2),
                    Kind::Date => DataType::Date32,
                    Kind::Instant => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                };
                Field::new(*name, t, true)
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
        let file = File::create(&temp).map_err(|e| io(&temp, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let inner =
            ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|e| io(&temp, e))?;
        let columns = columns
            .iter()
            .map(|(_, kind)| match kind {
                Kind::Text => Column::Text(StringBuilder::new()),
                Kind::Int => Column::Int(Int64Builder::new()),
                Kind::Float => Column::Float(Float64Builder::new()),
                Kind::Money => Column::Money(
                    Decimal128Builder::new()
                        .with_precision_and_scale(18, 2)
                        .expect("valid decimal"),
                ),
                Kind::Date => Column::Date(Date32Builder::new()),
                Kind::Instant => {
                    Column::Instant(TimestampMicrosecondBuilder::new().with_timezone("UTC"))
                }
            })
            .collect();
        Ok(Writer {
            path: path.to_path_buf(),
            temp,
            schema,
            columns,
            inner: Some(inner),
            pending: 0,
            rows: 0,
        })
    }

    /// Add one row: a value per column, of the column's kind (whole numbers for `Int`,
    /// `Money` in minor units, `Date` and `Instant`; text for `Text`; any number for `Float`).
    pub fn row(&mut self, values: &[Value]) -> Result<(), String> {
        for (c, v) in self.columns.iter_mut().zip(values) {
            match (c, *v) {
                (Column::Text(b), Value::Text(s)) => b.append_value(s),
                (Column::Text(b), Value::Null) => b.append_null(),
                (Column::Int(b), Value::Int(v)) => b.append_value(v),
                (Column::Int(b), Value::Null) => b.append_null(),
                (Column::Float(b), Value::Float(v)) => b.append_value(v),
                (Column::Float(b), Value::Int(v)) => b.append_value(v as f64),
                (Column::Float(b), Value::Null) => b.append_null(),
                (Column::Money(b), Value::Int(v)) => b.append_value(v.into()),
                (Column::Money(b), Value::Null) => b.append_null(),
                (Column::Date(b), Value::Int(v)) => b.append_value(
                    i32::try_from(v).map_err(|_| format!("day {v} is out of range"))?,
                ),
                (Column::Date(b), Value::Null) => b.append_null(),
                (Column::Instant(b), Value::Int(v)) => b.append_value(v),
                (Column::Instant(b), Value::Null) => b.append_null(),
                (_, v) => return Err(format!("a value of the wrong kind for its column: {v:?}")),
            }
        }
        self.pending += 1;
        self.rows += 1;
        if self.pending >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.pending == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|c| -> ArrayRef {
                match c {
                    Column::Text(b) => Arc::new(b.finish()),
                    Column::Int(b) => Arc::new(b.finish()),
                    Column::Float(b) => Arc::new(b.finish()),
                    Column::Money(b) => Arc::new(b.finish()),
                    Column::Date(b) => Arc::new(b.finish()),
                    Column::Instant(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| e.to_string())?;
        self.inner
            .as_mut()
            .expect("open writer")
            .write(&batch)
            .map_err(|e| io(&self.temp, e))?;
        self.pending = 0;
        Ok(())
    }

    /// Write what is left, close the file and move it into place; the rows written.
    pub fn finish(mut self) -> Result<u64, String> {
        self.flush()?;
        let inner = self.inner.take().expect("open writer");
        inner.close().map_err(|e| io(&self.temp, e))?;
        std::fs::rename(&self.temp, &self.path).map_err(|e| io(&self.path, e))?;
        Ok(self.rows)
    }
}

impl Drop for Writer {
    /// An unfinished file is removed: nothing partial is left looking whole.
    fn drop(&mut self) {
        if self.inner.is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_columns, Cell, ColumnType, ParquetInput};

    #[test]
    fn typed_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut w = Writer::create(
            &path,
            &[
                ("id", Kind::Text),
                ("n", Kind::Int),
                ("amount", Kind::Money),
                ("day", Kind::Date),
                ("at", Kind::Instant),
                ("x", Kind::Float),
            ],
        )
        .unwrap();
        for i in 0..100_000i64 {
            let id = format!("c{i}");
            w.row(&[
                Value::Text(&id),
                Value::Int(i),
                Value::Int(i * 101 - 7),
                Value::Int(19_000 + i % 400),
                Value::Int(1_700_000_000_000_000 + i * 3_600_000_000),
                if i % 7 == 0 {
                    Value::Null
                } else {
                    Value::Float(i as f64 / 3.0)
                },
            ])
            .unwrap();
        }
        assert!(!path.exists(), "only the temporary file until finished");
        assert_eq!(w.finish().unwrap(), 100_000);
        let input = ParquetInput::open(path.to_str().unwrap()).unwrap();
        assert_eq!(input.rows, 100_000);
        use ColumnType::*;
        let mut seen = 0i64;
        read_columns(
            &input,
            &["amount", "id", "day", "at", "x"],
            &[&[Decimal], &[Text], &[Date], &[Timestamp], &[Float]],
            &mut |_, row, cells| {
                let i = row as i64 - 1;
                assert_eq!(cells[0], Cell::Float((i * 101 - 7) as f64 / 100.0));
                assert_eq!(cells[1], Cell::Text(&format!("c{i}")));
                assert_eq!(cells[2], Cell::Day(19_000 + i % 400));
                let at = 1_700_000_000_000_000 + i * 3_600_000_000;
                assert_eq!(cells[3], Cell::Time(at));
                assert_eq!(cells[3].day(), Some(at.div_euclid(86_400_000_000)));
                if i % 7 == 0 {
                    assert_eq!(cells[4], Cell::Null);
                }
                seen += 1;
            },
            &|_, _| {},
        )
        .unwrap();
        assert_eq!(seen, 100_000);
        // The wrong kind of column is named with its file.
        let e = read_columns(
            &input,
            &["id"],
            &[&[Integer]],
            &mut |_, _, _| {},
            &|_, _| {},
        )
        .unwrap_err();
        assert_eq!(e.column, "id");
        assert!(
            e.reason.contains("text") && e.reason.contains("integer"),
            "{e}"
        );
        let e =
            read_columns(&input, &["nope"], &[&[Text]], &mut |_, _, _| {}, &|_, _| {}).unwrap_err();
        assert!(e.to_string().contains("t.parquet, column 'nope'"), "{e}");
    }

    #[test]
    fn a_dropped_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut w = Writer::create(&path, &[("id", Kind::Text)]).unwrap();
        w.row(&[Value::Text("a")]).unwrap();
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
