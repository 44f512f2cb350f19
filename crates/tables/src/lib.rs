//! Reading and writing tables: CSV (UTF-8 or GB18030/GBK, detected or chosen) and Excel `.xlsx`,
//! header-based, streamed row by row so a file of any length reads in bounded memory.
//!
//! CSV is split on raw bytes and each field decoded strictly afterwards: GB18030 never uses the
//! bytes of `,` `"` CR or LF inside a character, so splitting first is safe, and strict decoding
//! lets an invalid byte be reported with its line and column instead of silently replaced.

use serde::Serialize;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    #[serde(rename = "utf-8")]
    Utf8,
    Gb18030,
}

impl Encoding {
    pub fn parse(s: &str) -> Result<Encoding, String> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gb18030" | "gbk" | "gb2312" | "cp936" => Ok(Encoding::Gb18030),
            other => Err(format!("unknown encoding '{other}' (utf-8, gb18030, gbk)")),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gb18030 => "gb18030",
        }
    }
    fn decode(self, bytes: &[u8]) -> Option<String> {
        let mut s = String::new();
        self.decode_into(bytes, &mut s).then_some(s)
    }

    /// Decode into `out` (replacing it, reusing its buffer); false on invalid bytes.
    fn decode_into(self, bytes: &[u8], out: &mut String) -> bool {
        out.clear();
        match self {
            Encoding::Utf8 => match std::str::from_utf8(bytes) {
                Ok(s) => {
                    out.push_str(s);
                    true
                }
                Err(_) => false,
            },
            Encoding::Gb18030 => {
                match encoding_rs::GB18030
                    .decode_without_bom_handling_and_without_replacement(bytes)
                {
                    Some(c) => {
                        out.push_str(&c);
                        true
                    }
                    None => false,
                }
            }
        }
    }
}

/// A problem at a place in a file: the error report's line.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    pub line: i64,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "{}:{}: {}", self.file, self.line, self.reason)
        } else {
            write!(
                f,
                "{}:{}: column {}: {}",
                self.file, self.line, self.column, self.reason
            )
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn of(path: &Path) -> Format {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("xlsx") | Some("xlsm") => Format::Xlsx,
            _ => Format::Csv,
        }
    }
}

enum Inner {
    Csv {
        reader: csv::Reader<CountingReader<BufReader<File>>>,
        record: csv::ByteRecord,
        encoding: Encoding,
    },
    Xlsx {
        rows: std::vec::IntoIter<Vec<String>>,
        next_line: i64,
    },
    /// Rows another reader gives as text (e.g. Parquet, read elsewhere), numbered from 2.
    Rows {
        rows: Box<dyn Iterator<Item = Result<Vec<String>, RowError>> + Send>,
        next_line: i64,
    },
}

/// Counts bytes read, for progress.
struct CountingReader<R> {
    inner: R,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

pub struct TableReader {
    pub file: String,
    pub headers: Vec<String>,
    pub encoding: Option<Encoding>,
    /// Progress unit total: bytes for CSV, rows for xlsx.
    pub total: u64,
    done: std::sync::Arc<std::sync::atomic::AtomicU64>,
    cells: Vec<String>,
    inner: Inner,
}

fn err(file: &str, line: i64, column: &str, reason: impl Into<String>) -> RowError {
    RowError {
        file: file.into(),
        line,
        column: column.into(),
        reason: reason.into(),
    }
}

/// Detect the encoding from the first 64 KiB: a UTF-8 BOM or valid UTF-8 means UTF-8, anything
/// else GB18030 (which includes GBK and GB2312).
pub fn detect_encoding(sample: &[u8]) -> Encoding {
    if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Encoding::Utf8;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => Encoding::Utf8,
        // A multi-byte character cut at the end of the sample is still UTF-8.
        Err(e) if e.error_len().is_none() => Encoding::Utf8,
        Err(_) => Encoding::Gb18030,
    }
}

impl TableReader {
    /// A reader over rows another reader turns into text (one cell per header; progress in
    /// rows out of `total`); row numbers count the header as 1, as a CSV file's do.
    pub fn from_rows(
        display: &str,
        headers: Vec<String>,
        total: u64,
        rows: Box<dyn Iterator<Item = Result<Vec<String>, RowError>> + Send>,
    ) -> TableReader {
        TableReader {
            file: display.to_string(),
            headers,
            encoding: None,
            total,
            done: Default::default(),
            cells: Vec::new(),
            inner: Inner::Rows { rows, next_line: 2 },
        }
    }

    pub fn open(
        path: &Path,
        display: &str,
        encoding: Option<Encoding>,
    ) -> Result<TableReader, RowError> {
        let file =
            File::open(path).map_err(|e| err(display, 0, "", format!("cannot open: {e}")))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        if size == 0 {
            return Err(err(display, 0, "", "the file is empty"));
        }
        match Format::of(path) {
            Format::Csv => Self::open_csv(file, size, display, encoding),
            Format::Xlsx => Self::open_xlsx(path, display),
        }
    }

    fn open_csv(
        mut file: File,
        size: u64,
        display: &str,
        encoding: Option<Encoding>,
    ) -> Result<TableReader, RowError> {
        let mut sample = vec![0u8; 65536];
        let n =
            read_up_to(&mut file, &mut sample).map_err(|e| err(display, 0, "", e.to_string()))?;
        sample.truncate(n);
        let enc = encoding.unwrap_or_else(|| detect_encoding(&sample));
        let bom = if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
            3
        } else {
            0
        };
        file.seek(std::io::SeekFrom::Start(bom))
            .map_err(|e| err(display, 0, "", e.to_string()))?;
        let done = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(bom));
        let counting = CountingReader {
            inner: BufReader::with_capacity(1 << 20, file),
            count: done.clone(),
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(counting);
        let mut record = csv::ByteRecord::new();
        let got = reader
            .read_byte_record(&mut record)
            .map_err(|e| err(display, 1, "", format!("not valid CSV: {e}")))?;
        if !got {
            return Err(err(display, 0, "", "the file is empty"));
        }
        let mut headers = Vec::new();
        for (i, f) in record.iter().enumerate() {
            let h = enc.decode(f).ok_or_else(|| {
                err(
                    display,
                    1,
                    &format!("#{}", i + 1),
                    format!("header is not valid {}", enc.name()),
                )
            })?;
            headers.push(h.trim().to_string());
        }
        if headers.iter().all(String::is_empty) {
            return Err(err(display, 1, "", "the header row is empty"));
        }
        Ok(TableReader {
            file: display.into(),
            headers,
            encoding: Some(enc),
            total: size,
            done,
            cells: Vec::new(),
            inner: Inner::Csv {
                reader,
                record,
                encoding: enc,
            },
        })
    }

    fn open_xlsx(path: &Path, display: &str) -> Result<TableReader, RowError> {
        use calamine::{open_workbook_auto, Data, Reader};
        let mut wb = open_workbook_auto(path)
            .map_err(|e| err(display, 0, "", format!("not a readable Excel file: {e}")))?;
        let range = wb
            .worksheet_range_at(0)
            .ok_or_else(|| err(display, 0, "", "the workbook has no sheet"))?
            .map_err(|e| err(display, 0, "", format!("cannot read the first sheet: {e}")))?;
        let mut rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::Empty => String::new(),
                        Data::String(s) => s.clone(),
                        Data::Float(f) => format_float(*f),
                        Data::Int(i) => i.to_string(),
                        Data::Bool(b) => if *b { "1" } else { "0" }.to_string(),
                        Data::DateTime(d) => match d.as_datetime() {
                            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
                            Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                            None => d.to_string(),
                        },
                        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                        Data::Error(e) => format!("#ERROR {e:?}"),
                    })
                    .collect()
            })
            .collect();
        if rows.is_empty() {
            return Err(err(display, 0, "", "the first sheet is empty"));
        }
        let headers: Vec<String> = rows
            .remove(0)
            .into_iter()
            .map(|h| h.trim().to_string())
            .collect();
        // Trailing empty rows are formatting, not data.
        while rows.last().is_some_and(|r| r.iter().all(String::is_empty)) {
            rows.pop();
        }
        let total = rows.len() as u64;
        Ok(TableReader {
            file: display.into(),
            headers,
            encoding: None,
            total,
            done: Default::default(),
            cells: Vec::new(),
            inner: Inner::Xlsx {
                rows: rows.into_iter(),
                next_line: 2,
            },
        })
    }

    pub fn done(&self) -> u64 {
        self.done.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The cells of the row `next_row` read last (one per header column).
    pub fn cells(&self) -> &[String] {
        &self.cells
    }

    /// Read the next data row into `cells` (reusing their buffers) and give its line number
    /// (1 is the header), or the row's error.
    pub fn next_row(&mut self) -> Option<Result<i64, RowError>> {
        let width = self.headers.len();
        match &mut self.inner {
            Inner::Csv {
                reader,
                record,
                encoding,
            } => {
                let got = match reader.read_byte_record(record) {
                    Ok(g) => g,
                    Err(e) => {
                        let line = e.position().map(|p| p.line() as i64).unwrap_or(0);
                        return Some(Err(err(
                            &self.file,
                            line,
                            "",
                            format!("not valid CSV: {e}"),
                        )));
                    }
                };
                if !got {
                    return None;
                }
                let line = record.position().map(|p| p.line() as i64).unwrap_or(0);
                if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
                    return self.next_row(); // blank line
                }
                if record.len() != width {
                    return Some(Err(err(
                        &self.file,
                        line,
                        "",
                        format!(
                            "expected {width} fields as in the header, found {}",
                            record.len()
                        ),
                    )));
                }
                self.cells.resize(width, String::new());
                for (i, f) in record.iter().enumerate() {
                    if !encoding.decode_into(f, &mut self.cells[i]) {
                        return Some(Err(err(
                            &self.file,
                            line,
                            &self.headers[i],
                            format!("invalid {} bytes", encoding.name()),
                        )));
                    }
                }
                Some(Ok(line))
            }
            Inner::Xlsx { rows, next_line } => {
                let mut row = rows.next()?;
                let line = *next_line;
                *next_line += 1;
                self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                row.resize(width.max(row.len()), String::new());
                if row[width..].iter().any(|c| !c.is_empty()) {
                    return Some(Err(err(
                        &self.file,
                        line,
                        "",
                        format!("has values beyond the {width} header columns"),
                    )));
                }
                row.truncate(width);
                self.cells = row;
                Some(Ok(line))
            }
            Inner::Rows { rows, next_line } => {
                let row = rows.next()?;
                let line = *next_line;
                *next_line += 1;
                self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                match row {
                    Ok(mut row) => {
                        row.resize(width, String::new());
                        self.cells = row;
                        Some(Ok(line))
                    }
                    Err(mut e) => {
                        e.line = line;
                        Some(Err(e))
                    }
                }
            }
        }
    }
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        let k = f.read(&mut buf[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    Ok(n)
}

fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        let s = format!("{f}");
        s
    }
}

/// Which file column feeds each target field: documented defaults and aliases (English and
/// Chinese, case-insensitive), overridden by `--map target=source`.
pub struct ColumnMap {
    index: Vec<(&'static str, usize)>,
    pub ignored: Vec<String>,
}

impl ColumnMap {
    pub fn new(
        file: &str,
        headers: &[String],
        fields: &[(&'static str, &[&str])],
        required: &[&str],
        overrides: &[(String, String)],
    ) -> Result<ColumnMap, Vec<RowError>> {
        let mut errors = Vec::new();
        let find = |name: &str| {
            headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name.trim()))
        };
        let mut index = Vec::new();
        for (target, source) in overrides {
            if !fields.iter().any(|(f, _)| f == target) {
                let known: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
                errors.push(err(
                    file,
                    0,
                    target,
                    format!("--map: unknown target field (known: {})", known.join(", ")),
                ));
            } else if find(source).is_none() {
                errors.push(err(
                    file,
                    1,
                    source,
                    format!("--map {target}={source}: the file has no column '{source}'"),
                ));
            }
        }
        for (field, aliases) in fields {
            let chosen = overrides
                .iter()
                .find(|(t, _)| t == field)
                .and_then(|(_, s)| find(s))
                .or_else(|| {
                    std::iter::once(*field)
                        .chain(aliases.iter().copied())
                        .find_map(find)
                });
            match chosen {
                Some(i) => index.push((*field, i)),
                None if required.contains(field) => errors.push(err(
                    file,
                    1,
                    field,
                    format!(
                        "required column is missing (accepted names: {}, or --map {field}=COLUMN)",
                        std::iter::once(*field)
                            .chain(aliases.iter().copied())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
                None => {}
            }
        }
        let mut dup = std::collections::HashMap::new();
        for (f, i) in &index {
            if let Some(other) = dup.insert(*i, *f) {
                errors.push(err(
                    file,
                    1,
                    &headers[*i],
                    format!("column feeds both '{other}' and '{f}'"),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let ignored = headers
            .iter()
            .enumerate()
            .filter(|(i, h)| !h.is_empty() && !index.iter().any(|(_, j)| j == i))
            .map(|(_, h)| h.clone())
            .collect();
        Ok(ColumnMap { index, ignored })
    }

    pub fn has(&self, field: &str) -> bool {
        self.index.iter().any(|(f, _)| *f == field)
    }

    /// The row index a target field reads from.
    pub fn position(&self, field: &str) -> Option<usize> {
        self.index
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, i)| *i)
    }

    pub fn get<'r>(&self, row: &'r [String], field: &str) -> &'r str {
        self.index
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, i)| row.get(*i))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The file's column name for a target field (for error messages).
    pub fn column_name<'h>(&self, headers: &'h [String], field: &str) -> Option<&'h str> {
        self.index
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, i)| headers[*i].as_str())
    }
}

/// Writes a table as CSV (UTF-8 with BOM so Excel opens it, or GB18030) or `.xlsx`.
pub enum TableWriter {
    Csv(Box<csv::Writer<BufWriter<File>>>, Encoding),
    Xlsx {
        book: Box<rust_xlsxwriter::Workbook>,
        path: std::path::PathBuf,
        row: u32,
        numeric: Vec<bool>,
    },
}

pub const XLSX_MAX_ROWS: u32 = 1_048_575;

impl TableWriter {
    /// `numeric` marks columns written as numbers in xlsx (amounts, quantities).
    pub fn create(
        path: &Path,
        headers: &[&str],
        numeric: &[&str],
        encoding: Encoding,
    ) -> Result<TableWriter, String> {
        match Format::of(path) {
            Format::Csv => {
                let f = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
                let mut w = BufWriter::with_capacity(1 << 20, f);
                if encoding == Encoding::Utf8 {
                    w.write_all(&[0xEF, 0xBB, 0xBF])
                        .map_err(|e| e.to_string())?;
                }
                let mut t = TableWriter::Csv(Box::new(csv::Writer::from_writer(w)), encoding);
                t.write_row(&headers.iter().map(|s| s.to_string()).collect::<Vec<_>>())?;
                Ok(t)
            }
            Format::Xlsx => {
                let mut book = rust_xlsxwriter::Workbook::new();
                let sheet = book.add_worksheet_with_constant_memory();
                let bold = rust_xlsxwriter::Format::new().set_bold();
                for (i, h) in headers.iter().enumerate() {
                    sheet
                        .write_string_with_format(0, i as u16, *h, &bold)
                        .map_err(|e| e.to_string())?;
                }
                Ok(TableWriter::Xlsx {
                    book: Box::new(book),
                    path: path.to_path_buf(),
                    row: 1,
                    numeric: headers.iter().map(|h| numeric.contains(h)).collect(),
                })
            }
        }
    }

    pub fn write_row(&mut self, values: &[String]) -> Result<(), String> {
        match self {
            TableWriter::Csv(w, Encoding::Utf8) => {
                w.write_record(values).map_err(|e| e.to_string())
            }
            TableWriter::Csv(w, Encoding::Gb18030) => {
                let encoded: Vec<Vec<u8>> = values
                    .iter()
                    .map(|v| encoding_rs::GB18030.encode(v).0.into_owned())
                    .collect();
                w.write_record(&encoded).map_err(|e| e.to_string())
            }
            TableWriter::Xlsx {
                book, row, numeric, ..
            } => {
                if *row > XLSX_MAX_ROWS {
                    return Err(format!("more than {XLSX_MAX_ROWS} rows do not fit in one Excel sheet; export to CSV instead"));
                }
                let sheet = book.worksheet_from_index(0).map_err(|e| e.to_string())?;
                for (i, v) in values.iter().enumerate() {
                    let as_number = numeric[i].then(|| v.parse::<f64>().ok()).flatten();
                    match as_number {
                        Some(n) => sheet.write_number(*row, i as u16, n),
                        None if v.is_empty() => Ok(&mut *sheet),
                        None => sheet.write_string(*row, i as u16, v),
                    }
                    .map_err(|e| e.to_string())?;
                }
                *row += 1;
                Ok(())
            }
        }
    }

    pub fn finish(self) -> Result<(), String> {
        match self {
            TableWriter::Csv(mut w, _) => w.flush().map_err(|e| e.to_string()),
            TableWriter::Xlsx { mut book, path, .. } => book.save(&path).map_err(|e| e.to_string()),
        }
    }
}
