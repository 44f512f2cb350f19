//! Millions of small rows in and out of the store through few, large values.
//!
//! Through the `Any` driver every row costs an allocation per column and, on SQLite, a message
//! from the driver's worker thread: reading a million customer values took ~12 s of the
//! loyalty run where SQLite itself needs 2 s. So the big per-customer tables travel packed:
//!
//! - **Reading**: one aggregate text per block of ids — the block's rows joined by U+001E, their
//!   fields by U+001F (`group_concat` on SQLite, `string_agg` on PostgreSQL) — split here. Only
//!   for columns whose text cannot hold those two control characters (numbers, dates, codes,
//!   JSON, which escapes them).
//! - **Writing**: one JSON array of rows per batch as a single parameter, unpacked by the
//!   database (`json_each` on SQLite, `json_array_elements` on PostgreSQL).

use crate::{get_s, Backend, Result};
use std::fmt::Write;

const FIELD: char = '\u{1f}';
const RECORD: char = '\u{1e}';

/// `SELECT` one packed text of `cols` (SQL expressions) from `from_where` for ids in
/// `($k, $k+1]` of `id_col`, where `from_where` (ending in a `WHERE` condition the id range is
/// added to) uses `$1`…`$k-1`. A column written `free:expr` is free text: the two separators are
/// replaced by spaces in it.
pub(crate) fn packed_select(
    backend: Backend,
    cols: &[&str],
    from_where: &str,
    id_col: &str,
    k: usize,
) -> String {
    format!(
        "SELECT {} AS x FROM {from_where} AND {id_col} > ${k} AND {id_col} <= ${}",
        packed_agg(backend, cols),
        k + 1
    )
}

/// The aggregate of [`packed_select`] alone, for a query of another shape.
pub(crate) fn packed_agg(backend: Backend, cols: &[&str]) -> String {
    let (c30, c31) = match backend {
        Backend::Sqlite => ("char(30)", "char(31)"),
        Backend::Postgres => ("chr(30)", "chr(31)"),
    };
    let text = |c: &&str| match c.strip_prefix("free:") {
        Some(c) => format!("replace(replace(COALESCE({c}, ''), {c30}, ' '), {c31}, ' ')"),
        None => format!("COALESCE(CAST({c} AS TEXT), '')"),
    };
    let (row, agg) = match backend {
        Backend::Sqlite => (
            cols.iter()
                .map(text)
                .collect::<Vec<_>>()
                .join(&format!(" || {c31} || ")),
            "group_concat",
        ),
        Backend::Postgres => (
            format!(
                "concat_ws(chr(31), {})",
                cols.iter().map(text).collect::<Vec<_>>().join(", ")
            ),
            "string_agg",
        ),
    };
    format!("{agg}({row}, {c30})")
}

/// Run a [`packed_select`] with `binds` (then the id range) over every block of `block` ids in
/// `(ids.0, ids.1]` and give each row's fields to `f`. Rows come in no particular order within a
/// block.
pub(crate) async fn for_each_packed(
    conn: &mut sqlx::AnyConnection,
    sql: &str,
    ids: (i64, i64),
    block: i64,
    binds: &[&str],
    mut f: impl FnMut(&[&str]) + Send,
) -> Result<u64> {
    let mut n = 0u64;
    let mut from = ids.0;
    while from < ids.1 {
        let to = (from + block).min(ids.1);
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(*b);
        }
        q = q.bind(from).bind(to);
        let text = get_s(&q.fetch_one(&mut *conn).await?, "x");
        let mut fields: Vec<&str> = Vec::new();
        for row in text.split(RECORD).filter(|r| !r.is_empty()) {
            fields.clear();
            fields.extend(row.split(FIELD));
            n += 1;
            f(&fields);
        }
        from = to;
    }
    Ok(n)
}

/// A whole-table read on SQLite with a 4 MiB page cache on its connection (`on`), then the usual
/// again (`!on`): one pass over every page would otherwise fill the cache of each connection it
/// runs on with pages nobody reads again (and a run reads on several).
pub(crate) async fn scan_cache(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    on: bool,
) -> Result<()> {
    if backend == Backend::Sqlite {
        let pragma = if on {
            "PRAGMA cache_size = -4096"
        } else {
            crate::CACHE_SIZE
        };
        sqlx::query(pragma).execute(&mut *conn).await?;
    }
    Ok(())
}

/// A field read back as a number (empty: `None`).
pub(crate) fn num(s: &str) -> Option<f64> {
    if s.is_empty() {
        None
    } else {
        s.parse().ok()
    }
}

pub(crate) fn int(s: &str) -> i64 {
    s.parse().unwrap_or_default()
}

/// The rows of a batch written as one JSON array of arrays.
#[derive(Default)]
pub(crate) struct JsonRows {
    buf: String,
    rows: usize,
    fields: usize,
}

impl JsonRows {
    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn row(&mut self) -> &mut Self {
        self.buf.push(if self.rows == 0 { '[' } else { ',' });
        self.buf.push('[');
        self.rows += 1;
        self.fields = 0;
        self
    }

    fn sep(&mut self) {
        if self.fields > 0 {
            self.buf.push(',');
        }
        self.fields += 1;
    }

    pub fn int(&mut self, v: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.buf, "{v}");
        self
    }

    pub fn opt_int(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            Some(v) => self.int(v),
            None => {
                self.sep();
                self.buf.push_str("null");
                self
            }
        }
    }

    /// A float (JSON has no NaN or infinity: those are written as null).
    pub fn float(&mut self, v: Option<f64>) -> &mut Self {
        self.sep();
        match v.filter(|v| v.is_finite()) {
            Some(v) => {
                let _ = write!(self.buf, "{v:?}");
            }
            None => self.buf.push_str("null"),
        }
        self
    }

    pub fn text(&mut self, v: &str) -> &mut Self {
        self.sep();
        self.buf.push('"');
        for c in v.chars() {
            match c {
                '"' => self.buf.push_str("\\\""),
                '\\' => self.buf.push_str("\\\\"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(self.buf, "\\u{:04x}", c as u32);
                }
                c => self.buf.push(c),
            }
        }
        self.buf.push('"');
        self
    }

    pub fn end(&mut self) {
        self.buf.push(']');
    }

    /// The JSON text (an empty array when no row was added); the buffer starts again.
    pub fn take(&mut self) -> String {
        let mut s = std::mem::take(&mut self.buf);
        if self.rows == 0 {
            s.push('[');
        }
        s.push(']');
        self.rows = 0;
        s
    }
}

/// `FROM` clause of the rows of a [`JsonRows`] bound as `$1`; each row is `j.value`, its fields
/// `j.value ->> 0`, `j.value ->> 1`, … (cast them: both databases give text or a number).
pub(crate) fn json_rows_from(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "json_each($1) AS j",
        Backend::Postgres => "jsonb_array_elements(CAST($1 AS JSONB)) AS j(value)",
    }
}

/// `INSERT INTO table (cols) SELECT …` of the JSON rows bound as `$1` ([`JsonRows`]), column
/// `i` read as `cast(i)`, rows of customers deleted meanwhile left out (column 0 is the
/// customer id).
pub(crate) fn json_insert(
    backend: Backend,
    table: &str,
    cols: &[&str],
    cast: impl Fn(usize) -> String,
) -> String {
    format!(
        "INSERT INTO {table} ({}) SELECT {} FROM {} \
         WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = {})",
        cols.join(", "),
        (0..cols.len()).map(&cast).collect::<Vec<_>>().join(", "),
        json_rows_from(backend),
        cast(0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_rows_are_json() {
        let mut r = JsonRows::default();
        assert_eq!(r.take(), "[]");
        r.row()
            .int(1)
            .float(Some(0.5))
            .float(None)
            .text("a\"b\\\u{1}");
        r.end();
        r.row()
            .int(-2)
            .float(Some(f64::NAN))
            .float(Some(1e-30))
            .text("");
        r.end();
        assert_eq!(r.len(), 2);
        let text = r.take();
        assert_eq!(text, r#"[[1,0.5,null,"a\"b\\\u0001"],[-2,null,1e-30,""]]"#);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[0][3], "a\"b\\\u{1}");
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn packed_fields_read_back() {
        assert_eq!(num(""), None);
        assert_eq!(num("1.0e-20"), Some(1e-20));
        assert_eq!(num("0.25"), Some(0.25));
        assert_eq!(int("42"), 42);
        let sql = packed_select(
            Backend::Postgres,
            &["a", "free:b"],
            "t WHERE x = $1",
            "id",
            2,
        );
        assert!(sql.contains("string_agg(concat_ws(chr(31), COALESCE(CAST(a AS TEXT), '')"));
        assert!(sql.contains("replace(replace(COALESCE(b, ''), chr(30), ' '), chr(31), ' ')"));
        assert!(sql.ends_with("AND id > $2 AND id <= $3"));
    }
}
