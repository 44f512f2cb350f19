//! Reading the purchases of a transactions file for the analysis: customer id, date, amount.
//!
//! A plain UTF-8 CSV (no quote characters, the usual export) is read on every core: the file is
//! cut at line boundaries, each part parsed on its own thread with its own id table, and the
//! parts joined in file order, so customers keep their order of first appearance and errors
//! their line numbers. Anything else (xlsx, GB18030, quoted fields) goes through the general
//! table reader. Either way any bad row rejects the whole file, with file, line, column and
//! reason, and nothing is written.

use super::clv::{parse_day, rejected, Purchases};
use super::ids::CustomerIds;
use crate::customers::table::{ColumnMap, Encoding, Format, RowError, TableReader};
use crate::error::AppError;
use analytics::summary::Purchase;
use domain::Lang;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Columns of a transactions file for the analysis, with their accepted names.
pub const PURCHASE_COLUMNS: &[(&str, &[&str])] = &[
    (
        "customer_id",
        &[
            "customer",
            "customer_external_id",
            "customerid",
            "cust_id",
            "id",
            "客户编号",
            "客户id",
            "客户",
        ],
    ),
    (
        "date",
        &[
            "occurred_at",
            "time",
            "datetime",
            "timestamp",
            "order_date",
            "日期",
            "时间",
            "交易时间",
            "交易日期",
        ],
    ),
    (
        "amount",
        &[
            "value",
            "sales",
            "total",
            "revenue",
            "金额",
            "消费金额",
            "销售额",
        ],
    ),
];

pub struct FileInput<'a> {
    pub path: &'a Path,
    /// How the file is named in messages.
    pub display: &'a str,
    pub encoding: Option<Encoding>,
    /// (target, source column) overrides: customer_id, date, amount.
    pub columns: Vec<(String, String)>,
    /// chrono format of the date column (default: ISO dates and date-times, YYYYMMDD).
    pub date_format: Option<String>,
    pub error_limit: usize,
}

/// What one part of the file (or the whole, on the general path) yields.
pub(super) struct Part {
    ids: CustomerIds,
    purchases: Vec<Purchase>,
    pub(super) errors: Vec<RowError>,
    pub(super) error_count: usize,
    /// Lines in the part (for the next part's line numbers).
    lines: i64,
    rows: u64,
    first_day: i64,
    last_day: i64,
}

impl Part {
    pub(super) fn new() -> Part {
        Part {
            ids: CustomerIds::new(),
            purchases: Vec::new(),
            errors: Vec::new(),
            error_count: 0,
            lines: 0,
            rows: 0,
            first_day: i64::MAX,
            last_day: i64::MIN,
        }
    }
}

/// Positions of the three fields and how to report them.
pub(super) struct Layout<'a> {
    pub(super) display: &'a str,
    pub(super) pos: [usize; 3],
    pub(super) names: [String; 3],
    pub(super) format: Option<&'a str>,
    pub(super) error_limit: usize,
}

impl Layout<'_> {
    fn bad(&self, part: &mut Part, line: i64, col: Option<usize>, reason: String) {
        part.error_count += 1;
        if part.errors.len() < self.error_limit {
            part.errors.push(RowError {
                file: self.display.to_string(),
                line,
                column: col.map(|c| self.names[c].clone()).unwrap_or_default(),
                reason,
            });
        }
    }

    /// Check and add one row's three cells.
    fn add(&self, part: &mut Part, line: i64, id: &str, date: &str, amount: &str) {
        let raw = trim(amount);
        let amount = match plain_decimal(raw).ok_or(()).or_else(|_| raw.parse::<f64>()) {
            Ok(a) => Ok(a),
            Err(_) if raw.is_empty() => Err("the amount is missing".to_string()),
            // 1,234.50 written with a thousands separator.
            Err(_) => raw
                .replace(',', "")
                .parse::<f64>()
                .map_err(|_| format!("not a number: '{raw}'")),
        };
        self.add_parsed(part, line, id, || parse_day(date, self.format), amount);
    }

    /// Add one row whose date and amount are read (a typed file gives them so): the id must
    /// not be empty, the amount a number of zero or more.
    pub(super) fn add_parsed(
        &self,
        part: &mut Part,
        line: i64,
        id: &str,
        day: impl FnOnce() -> Result<i64, String>,
        amount: Result<f64, String>,
    ) {
        part.rows += 1;
        let id = trim(id);
        if id.is_empty() {
            return self.bad(part, line, Some(0), "the customer id is empty".into());
        }
        let day = match day() {
            Ok(d) => d,
            Err(e) => return self.bad(part, line, Some(1), e),
        };
        let amount = match amount {
            Ok(a) if a.is_finite() && a >= 0.0 => a,
            Ok(a) => {
                return self.bad(
                    part,
                    line,
                    Some(2),
                    format!("the amount must be zero or more: '{a}'"),
                )
            }
            Err(e) => return self.bad(part, line, Some(2), e),
        };
        part.first_day = part.first_day.min(day);
        part.last_day = part.last_day.max(day);
        part.purchases.push(Purchase {
            customer: part.ids.intern(id),
            day: day as i32,
            amount,
        });
    }
}

pub(crate) use super::cells::{plain_decimal, trim};

/// Read every row; any bad row rejects the file with the rows (up to the limit) and reasons.
pub fn read_purchases(
    input: &FileInput,
    lang: Lang,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Purchases, AppError> {
    let display = input.display;
    if columnar::is_parquet(&input.path.to_string_lossy()) {
        return super::parquet::read_purchases(input, lang, progress);
    }
    let mut reader = TableReader::open(input.path, display, input.encoding)
        .map_err(|e| rejected(lang, display, vec![e], 1))?;
    let map = ColumnMap::new(
        display,
        &reader.headers,
        PURCHASE_COLUMNS,
        &["customer_id", "date", "amount"],
        &input.columns,
    )
    .map_err(|e| {
        let n = e.len();
        rejected(lang, display, e, n)
    })?;
    let fields = ["customer_id", "date", "amount"];
    let layout = Layout {
        display,
        pos: fields.map(|f| map.position(f).expect("required column")),
        names: fields.map(|f| map.column_name(&reader.headers, f).unwrap_or(f).to_string()),
        format: input.date_format.as_deref(),
        error_limit: input.error_limit,
    };
    let plain =
        matches!(Format::of(input.path), Format::Csv) && reader.encoding == Some(Encoding::Utf8);
    let fast = if plain {
        read_plain(input.path, &layout, progress).map_err(|e| {
            rejected(
                lang,
                display,
                vec![RowError {
                    file: display.into(),
                    line: 0,
                    column: String::new(),
                    reason: e.to_string(),
                }],
                1,
            )
        })?
    } else {
        None
    };
    let part = match fast {
        Some(part) => part,
        None => read_general(&mut reader, &layout, progress),
    };
    purchases_of(part, lang, display)
}

/// The purchases a whole read gave, or the file's rejection with its bad rows.
pub(super) fn purchases_of(part: Part, lang: Lang, display: &str) -> Result<Purchases, AppError> {
    if part.error_count > 0 {
        return Err(rejected(lang, display, part.errors, part.error_count));
    }
    if part.purchases.is_empty() {
        let e = RowError {
            file: display.to_string(),
            line: 1,
            column: String::new(),
            reason: "the file has no purchases".into(),
        };
        return Err(rejected(lang, display, vec![e], 1));
    }
    Ok(Purchases {
        ids: part.ids,
        store_ids: Vec::new(),
        purchases: part.purchases,
        rows: part.rows,
        first_day: part.first_day,
        last_day: part.last_day,
        referrals: None,
        mix: Vec::new(),
        main_store: Vec::new(),
    })
}

fn read_general(
    reader: &mut TableReader,
    layout: &Layout,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Part {
    let mut part = Part::new();
    let total = reader.total;
    let [ci, di, ai] = layout.pos;
    while let Some(next) = reader.next_row() {
        let line = match next {
            Ok(l) => l,
            Err(e) => {
                part.error_count += 1;
                if part.errors.len() < layout.error_limit {
                    part.errors.push(e);
                }
                continue;
            }
        };
        if part.rows.is_multiple_of(65_536) {
            progress(reader.done(), total);
        }
        let cells = reader.cells();
        layout.add(&mut part, line, &cells[ci], &cells[di], &cells[ai]);
    }
    progress(total, total);
    part
}

/// The fast path. `Ok(None)` when the file turns out to need the general reader (a quote).
fn read_plain(
    path: &Path,
    layout: &Layout,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> std::io::Result<Option<Part>> {
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    // Data start after the header line (and a BOM).
    let mut head = vec![0u8; 1 << 16];
    let n = file.read(&mut head)?;
    let Some(nl) = memchr::memchr(b'\n', &head[..n]) else {
        return Ok(None);
    };
    if head[..nl].contains(&b'"') {
        return Ok(None);
    }
    let data_start = nl as u64 + 1;
    let threads = analytics::par::threads() as u64;
    let parts_n = if size - data_start < (4 << 20) {
        1
    } else {
        threads
    };
    // Cut points at line starts.
    let mut cuts = vec![data_start];
    for k in 1..parts_n {
        let guess = data_start + (size - data_start) * k / parts_n;
        file.seek(SeekFrom::Start(guess))?;
        let mut buf = vec![0u8; 1 << 16];
        let mut at = guess;
        let next = loop {
            let got = file.read(&mut buf)?;
            if got == 0 {
                break size;
            }
            if let Some(i) = memchr::memchr(b'\n', &buf[..got]) {
                break at + i as u64 + 1;
            }
            at += got as u64;
        };
        cuts.push(next.max(*cuts.last().expect("a cut")));
    }
    cuts.push(size);
    let done = std::sync::atomic::AtomicU64::new(0);
    let results: Vec<std::io::Result<Option<Part>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = cuts
            .windows(2)
            .map(|w| {
                let (from, to) = (w[0], w[1]);
                let done = &done;
                // The first part's purchases are joined with the others': room for all.
                let room = if from == data_start {
                    size - data_start
                } else {
                    to - from
                };
                scope.spawn(move || {
                    parse_range(path, from, to, room, layout, &|d| {
                        let all = done.fetch_add(d, std::sync::atomic::Ordering::Relaxed) + d;
                        progress(all, size);
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("reader thread"))
            .collect()
    });
    let mut parts = Vec::new();
    for r in results {
        match r? {
            Some(p) => parts.push(p),
            None => return Ok(None),
        }
    }
    let all = join_parts(parts, layout.error_limit);
    progress(size, size);
    Ok(Some(all))
}

/// Join the parts in file order, customers numbered by first appearance in the whole file.
/// The later parts' ids are first looked up in the earlier parts' tables on every core (reads
/// only, no insertion into a growing table); one linear pass then numbers the new ones, and
/// each part's purchases are renumbered on its own core.
pub(super) fn join_parts(parts: Vec<Part>, error_limit: usize) -> Part {
    const NONE: u64 = u64::MAX;
    // For part k's customer j: (earlier part << 32 | its number there), or NONE.
    let chunks: Vec<(usize, std::ops::Range<usize>)> = (1..parts.len())
        .flat_map(|k| {
            let n = parts[k].ids.len();
            (0..n.div_ceil(65_536)).map(move |c| (k, c * 65_536..((c + 1) * 65_536).min(n)))
        })
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = analytics::par::threads().min(chunks.len()).max(1);
    let mut found_chunks: Vec<(usize, usize, Vec<u64>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (parts, chunks, next) = (&parts, &chunks, &next);
                scope.spawn(move || {
                    let mut out = Vec::new();
                    loop {
                        let c = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((k, range)) = chunks.get(c) else {
                            break out;
                        };
                        let found = range
                            .clone()
                            .map(|j| {
                                let id = parts[*k].ids.get(j).as_bytes();
                                (0..*k)
                                    .find_map(|p| {
                                        parts[p].ids.find(id).map(|i| (p as u64) << 32 | i as u64)
                                    })
                                    .unwrap_or(NONE)
                            })
                            .collect();
                        out.push((*k, range.start, found));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("join thread"))
            .collect()
    });
    found_chunks.sort_unstable_by_key(|(k, start, _)| (*k, *start));
    // Number the new ids in order; remaps[k][j] = the global number of part k's customer j.
    let mut parts = parts.into_iter();
    let mut all = parts.next().expect("one part at least");
    let rest: Vec<Part> = parts.collect();
    let mut remaps: Vec<Vec<u32>> = vec![Vec::new(); rest.len() + 1];
    let mut found_chunks = found_chunks.into_iter().peekable();
    let mut next_id = all.ids.len() as u32;
    for (k, p) in rest.iter().enumerate() {
        let mut remap = Vec::with_capacity(p.ids.len());
        let mut new_ids = Vec::new();
        while let Some((_, _, found)) = found_chunks.next_if(|(pk, _, _)| *pk == k + 1) {
            for f in found {
                if f == NONE {
                    new_ids.push(remap.len());
                    remap.push(next_id);
                    next_id += 1;
                } else {
                    let (q, i) = ((f >> 32) as usize, f as u32);
                    remap.push(if q == 0 { i } else { remaps[q][i as usize] });
                }
            }
        }
        all.ids
            .push_unindexed(new_ids.iter().map(|&j| p.ids.get(j).as_bytes()));
        remaps[k + 1] = remap;
    }
    // Renumber every part's purchases on its own core, then append them in order.
    let mut rest = rest;
    std::thread::scope(|scope| {
        for (k, p) in rest.iter_mut().enumerate() {
            let remap = &remaps[k + 1];
            scope.spawn(move || {
                for q in &mut p.purchases {
                    q.customer = remap[q.customer as usize];
                }
            });
        }
    });
    // Each part counted its lines from 1; the first part starts at line 2, after the header.
    for e in &mut all.errors {
        e.line += 1;
    }
    let mut line_base = 1 + all.lines;
    all.purchases
        .reserve(rest.iter().map(|p| p.purchases.len()).sum());
    for mut p in rest {
        all.purchases.append(&mut p.purchases);
        for mut e in p.errors {
            if all.errors.len() < error_limit {
                e.line += line_base;
                all.errors.push(e);
            }
        }
        all.error_count += p.error_count;
        all.rows += p.rows;
        all.first_day = all.first_day.min(p.first_day);
        all.last_day = all.last_day.max(p.last_day);
        line_base += p.lines;
    }
    all
}

/// Byte ranges of the three wanted fields of the line `block[from..to]` (fields at
/// positions `pos`, `need` = the highest position + 1), scanning only as far as the last one;
/// `None` when the line has fewer fields.
fn fields(
    block: &[u8],
    from: usize,
    to: usize,
    pos: &[usize; 3],
    need: usize,
) -> Option<[(usize, usize); 3]> {
    let mut cells = [(0, 0); 3];
    let (mut k, mut field_start) = (0, from);
    let mut put = |k: usize, a: usize, b: usize| {
        for (c, &p) in pos.iter().enumerate() {
            if p == k {
                cells[c] = (a, b);
            }
        }
    };
    for (i, &c) in block[from..to].iter().enumerate() {
        if c == b',' {
            put(k, field_start, from + i);
            k += 1;
            field_start = from + i + 1;
            if k == need {
                return Some(cells);
            }
        }
    }
    put(k, field_start, to);
    (k + 1 >= need).then_some(cells)
}

/// Parse lines in [from, to) of the file; line numbers in the result count from 1 at `from`.
/// The purchases get room for `room` bytes of lines.
fn parse_range(
    path: &Path,
    from: u64,
    to: u64,
    room: u64,
    layout: &Layout,
    progress: &dyn Fn(u64),
) -> std::io::Result<Option<Part>> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(from))?;
    let mut file = file.take(to - from);
    let mut part = Part::new();
    let mut buf = vec![0u8; 1 << 20];
    // Size the purchases from the first block's line length: no regrowth copies.
    let first = file.read(&mut buf)?;
    let mut filled = first;
    let lines_seen = memchr::memchr_iter(b'\n', &buf[..first]).count().max(1);
    let line_len = (first / lines_seen).max(1);
    let rows = ((to - from) as usize / line_len) * 21 / 20 + 16;
    part.purchases
        .reserve((room as usize / line_len) * 21 / 20 + 16);
    // Customers: a guess of one per two purchases; the table grows if there are more.
    part.ids = CustomerIds::with_capacity(rows / 2);
    let mut line_no = 0i64;
    let need = layout.pos.iter().copied().max().expect("three columns") + 1;
    let mut first_round = true;
    loop {
        let (end, at_eof) = if first_round {
            first_round = false;
            (filled, filled == 0)
        } else {
            let got = file.read(&mut buf[filled..])?;
            (filled + got, got == 0)
        };
        // The block's complete lines (all of it at the end of the data).
        let complete = if at_eof {
            end
        } else {
            memchr::memrchr(b'\n', &buf[..end]).map_or(0, |i| i + 1)
        };
        let block = &buf[..complete];
        // A quote anywhere needs the general reader; one UTF-8 check for the whole block (cut
        // at a newline, so at a character boundary), per line only when it fails.
        if memchr::memchr(b'"', block).is_some() {
            return Ok(None);
        }
        let text = std::str::from_utf8(block).ok();
        let mut start = 0;
        let ends = memchr::memchr_iter(b'\n', block)
            .chain((complete > 0 && block[complete - 1] != b'\n').then_some(complete));
        for nl in ends {
            line_no += 1;
            let (from, mut to) = (start, nl);
            start = nl + 1;
            if to > from && block[to - 1] == b'\r' {
                to -= 1;
            }
            if to == from {
                continue;
            }
            let Some(cells) = fields(block, from, to, &layout.pos, need) else {
                let k = block[from..to].iter().filter(|&&c| c == b',').count() + 1;
                let reason = format!("the row has {k} field(s); the columns need {need}");
                layout.bad(&mut part, line_no, None, reason);
                continue;
            };
            if let Some(text) = text {
                let [id, date, amount] = cells.map(|(a, b)| text.get(a..b).unwrap_or(""));
                layout.add(&mut part, line_no, id, date, amount);
                continue;
            }
            let cells = cells.map(|(a, b)| std::str::from_utf8(&block[a..b]));
            match cells {
                [Ok(id), Ok(date), Ok(amount)] => layout.add(&mut part, line_no, id, date, amount),
                _ => {
                    let col = cells.iter().position(|t| t.is_err());
                    layout.bad(
                        &mut part,
                        line_no,
                        col,
                        "invalid UTF-8 bytes (is the file GB18030? use --encoding gb18030)".into(),
                    );
                }
            }
        }
        let start = complete;
        if at_eof {
            break;
        }
        progress(start as u64);
        // Keep the unfinished line; grow the buffer for a line longer than it.
        buf.copy_within(start..end, 0);
        filled = end - start;
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
    }
    part.lines = line_no;
    Ok(Some(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, body: &[u8]) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    fn input(path: &Path) -> FileInput<'_> {
        FileInput {
            path,
            display: "f.csv",
            encoding: None,
            columns: Vec::new(),
            date_format: None,
            error_limit: 10,
        }
    }

    #[test]
    fn cells_are_trimmed_like_str_trim() {
        for t in [
            "C1",
            " C1",
            "C1\t",
            "\u{3000}客户\u{3000}",
            "",
            " ",
            "a b",
            "é",
        ] {
            assert_eq!(trim(t), t.trim(), "{t:?}");
        }
    }

    #[test]
    fn plain_decimals_read_exactly_as_the_standard_parser() {
        for t in [
            "0",
            "7",
            "10.66",
            "0.1",
            "0.3",
            "29.90",
            "1234567.89",
            "999999999999999",
            "0.00000000001",
            "5.",
            "123456789012.345",
            "37.78",
            "00012.50",
        ] {
            assert_eq!(plain_decimal(t), Some(t.parse::<f64>().unwrap()), "{t}");
        }
        let mut x = 1u64;
        for _ in 0..100_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let t = format!("{}.{:02}", (x >> 40) % 1_000_000, (x >> 20) % 100);
            assert_eq!(plain_decimal(&t), Some(t.parse::<f64>().unwrap()), "{t}");
        }
        for t in [
            "",
            ".",
            "-1",
            "1e5",
            "1,5",
            "1.2.3",
            "1234567890123456",
            " 1",
            "inf",
        ] {
            assert_eq!(plain_decimal(t), None, "{t}");
        }
    }

    #[test]
    fn the_fast_and_the_general_path_read_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let mut plain = String::from("id,date,amount,note\r\n");
        for i in 0..300_000 {
            plain.push_str(&format!(
                "C{},2024-0{}-1{},{}.5,x\r\n",
                i % 70_001,
                1 + i % 9,
                i % 10,
                i % 100
            ));
        }
        let quoted = plain.replacen(",x\r\n", ",\"x\"\r\n", 1);
        let (a, b) = (
            write(dir.path(), "a.csv", plain.as_bytes()),
            write(dir.path(), "b.csv", quoted.as_bytes()),
        );
        let pa = read_purchases(&input(&a), Lang::En, &|_, _| {}).unwrap();
        let pb = read_purchases(&input(&b), Lang::En, &|_, _| {}).unwrap();
        assert_eq!(pa.rows, 300_000);
        assert_eq!(pa.ids.len(), 70_001);
        assert_eq!(pa.purchases, pb.purchases);
        assert!((0..pa.ids.len()).all(|i| pa.ids.get(i) == pb.ids.get(i)));
        assert_eq!(pa.ids.get(0), "C0");
        assert_eq!(pa.ids.get(70_000), "C70000");
    }

    #[test]
    fn last_line_without_newline_short_rows_and_bad_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "ok.csv",
            b"id,date,amount\nC1,2024-01-01,5\r\n\nC2,2024-01-02,7",
        );
        let r = read_purchases(&input(&p), Lang::En, &|_, _| {}).unwrap();
        assert_eq!((r.rows, r.ids.len()), (2, 2));
        assert_eq!(r.purchases[1].amount, 7.0);
        let p = write(
            dir.path(),
            "bad.csv",
            b"id,date,amount\nC1,2024-01-01\n\xff\xfe,2024-01-01,5\nC3,2024-01-01,1",
        );
        let e = read_purchases(&input(&p), Lang::En, &|_, _| {})
            .err()
            .unwrap();
        let errors = e.details["errors"].as_array().unwrap();
        assert_eq!(errors[0]["line"], 2);
        assert!(
            errors[0]["reason"].as_str().unwrap().contains("field"),
            "{errors:?}"
        );
        assert_eq!(
            (errors[1]["line"].as_i64(), errors[1]["column"].as_str()),
            (Some(3), Some("id"))
        );
    }

    #[test]
    fn bad_rows_are_reported_with_their_lines_on_both_paths() {
        let dir = tempfile::tempdir().unwrap();
        let mut body = String::from("customer_id,date,amount\n");
        for i in 0..400_000 {
            let row = match i {
                5 => "C1,2024-13-01,5".to_string(),
                250_000 => "C2,2024-01-01,-3".to_string(),
                399_990 => ",2024-01-01,3".to_string(),
                _ => format!("C{i},2024-01-02,{}", i % 50),
            };
            body.push_str(&row);
            body.push('\n');
        }
        for quoted in [false, true] {
            let text = if quoted {
                body.replacen("C0,", "\"C0\",", 1)
            } else {
                body.clone()
            };
            let p = write(dir.path(), "bad.csv", text.as_bytes());
            let e = read_purchases(&input(&p), Lang::En, &|_, _| {})
                .err()
                .unwrap();
            let errors = e.details["errors"].as_array().unwrap();
            let got: Vec<(i64, &str)> = errors
                .iter()
                .map(|r| (r["line"].as_i64().unwrap(), r["column"].as_str().unwrap()))
                .collect();
            assert_eq!(
                got,
                vec![(7, "date"), (250_002, "amount"), (399_992, "customer_id")],
                "quoted: {quoted}"
            );
            assert_eq!(e.details["error_count"], 3);
        }
    }
}
