//! The PostgreSQL side of `bulk`: the same all-or-nothing transaction import, streamed with
//! `COPY` on a connection of its own inside one transaction.
//!
//! - Customers are resolved from the in-memory map, so unknown customers are found at their line.
//! - An empty table takes the rows straight through `COPY` (with ids), its two indexes dropped
//!   and built at the end; a failing unique index means duplicates, which are then listed with
//!   their lines.
//! - A table with rows takes the file into a temporary table through `COPY` (with line numbers);
//!   duplicates are found there, then known ids update (only where a column the file carries
//!   differs) and new ids insert, set-based.
//! - `LOCK TABLE … SHARE ROW EXCLUSIVE` keeps other writers of transactions out meanwhile;
//!   readers go on. Nothing is visible to them before the commit.

use super::parts::{audit_detail, IdMap, LoadOutcome, Msg, Problems, DUPLICATES_BY_ID};
use crate::imports::{ImportCounts, Present, TRANSACTION_OPTIONAL};
use crate::Result;
use domain::time::now_stored;
use futures_util::TryStreamExt;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor, Row};

/// Append one field in COPY text format.
fn field(buf: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}

/// Append an integer (formatted in place: no allocation per value on the hot path).
fn int(buf: &mut Vec<u8>, n: i64) {
    use std::io::Write;
    let _ = write!(buf, "{n}");
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("23505"))
}

const COLS: &str = "external_id, customer_id, occurred_at, amount_minor, currency, channel, store, items, quantity, promotion, is_return";

pub(crate) async fn pg_load(
    url: String,
    present: Present,
    actor: String,
    file: String,
    limit: usize,
    mut rx: tokio::sync::mpsc::Receiver<Msg>,
) -> Result<LoadOutcome> {
    let started = std::time::Instant::now();
    let phase = |what: &str| {
        tracing::debug!(
            secs = started.elapsed().as_secs_f64(),
            "bulk load (PostgreSQL): {what}"
        )
    };
    let mut conn = PgConnection::connect(&url).await?;
    // Dropping the connection before COMMIT rolls everything back (as does a killed process).
    conn.execute(
        "BEGIN; LOCK TABLE transactions IN SHARE ROW EXCLUSIVE MODE; \
         SET LOCAL maintenance_work_mem = '256MB'",
    )
    .await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers")
        .fetch_one(&mut conn)
        .await?;
    let mut customers = IdMap::with_capacity(n as usize);
    {
        let mut rows = sqlx::query("SELECT external_id, id FROM customers").fetch(&mut conn);
        while let Some(r) = rows.try_next().await? {
            customers.insert(r.try_get::<&str, _>(0)?, r.try_get(1)?);
        }
    }
    let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM transactions)")
        .fetch_one(&mut conn)
        .await?;
    phase("customer map loaded");
    let mut rebuild: Vec<(String, String)> = Vec::new();
    // The foreign key to customers holds by construction (ids from the map, read under this
    // transaction); checking it row by row costs more than the COPY, so an empty table gets it
    // back at the end, checked by one join.
    let mut foreign_keys: Vec<(String, String)> = Vec::new();
    let copy_sql = if empty {
        rebuild = sqlx::query_as(
            "SELECT indexname::text, indexdef FROM pg_indexes WHERE tablename = 'transactions' \
             AND indexname IN ('transactions_external_id', 'transactions_customer_time') ORDER BY indexname DESC",
        )
        .fetch_all(&mut conn)
        .await?;
        for (name, _) in &rebuild {
            conn.execute(format!("DROP INDEX {name}").as_str()).await?;
        }
        foreign_keys = sqlx::query_as(
            "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = 'transactions'::regclass AND contype = 'f'",
        )
        .fetch_all(&mut conn)
        .await?;
        for (name, _) in &foreign_keys {
            conn.execute(format!("ALTER TABLE transactions DROP CONSTRAINT {name}").as_str())
                .await?;
        }
        format!("COPY transactions (id, {COLS}) FROM STDIN")
    } else {
        conn.execute(
            "CREATE TEMP TABLE stage_tx (line BIGINT NOT NULL, external_id TEXT NOT NULL, customer_id BIGINT NOT NULL, \
             occurred_at TEXT NOT NULL, amount_minor BIGINT NOT NULL, currency TEXT NOT NULL, channel TEXT NOT NULL, \
             store TEXT NOT NULL, items TEXT NOT NULL, quantity BIGINT NOT NULL, promotion BIGINT NOT NULL, \
             is_return BIGINT NOT NULL) ON COMMIT DROP",
        )
        .await?;
        format!("COPY stage_tx (line, {COLS}) FROM STDIN")
    };

    let mut problems = Problems::new(limit);
    let mut counts = ImportCounts::default();
    // Empty table: ids 1, 2, … in file order, and the line of each.
    let mut new_lines: Vec<u32> = Vec::new();
    let mut copy = conn.copy_in_raw(&copy_sql).await?;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    loop {
        let batch = match rx.recv().await {
            Some(Msg::Rows(b)) => b,
            Some(Msg::Finish) => break,
            None => {
                copy.abort("import cancelled").await?;
                return Ok(LoadOutcome::Rejected {
                    problems: Vec::new(),
                    total: 0,
                });
            }
        };
        for t in batch.iter() {
            counts.rows += 1;
            let Some(cid) = customers.get(t.customer) else {
                problems.add(t.line, "customer_id", || {
                    format!("no customer with external id '{}'", t.customer)
                });
                continue;
            };
            if empty {
                new_lines.push(t.line as u32);
                int(&mut buf, new_lines.len() as i64);
            } else {
                int(&mut buf, t.line);
            }
            buf.push(b'\t');
            field(&mut buf, t.external_id);
            buf.push(b'\t');
            int(&mut buf, cid);
            buf.push(b'\t');
            field(&mut buf, t.occurred_at);
            buf.push(b'\t');
            int(&mut buf, t.amount_minor);
            for s in [t.currency, t.channel, t.store, t.items] {
                buf.push(b'\t');
                field(&mut buf, s);
            }
            for n in [t.quantity, t.promotion as i64, t.is_return as i64] {
                buf.push(b'\t');
                int(&mut buf, n);
            }
            buf.push(b'\n');
        }
        if buf.len() >= 1 << 20 {
            copy.send(std::mem::take(&mut buf)).await?;
            buf.reserve(1 << 20);
        }
    }
    if !buf.is_empty() {
        copy.send(buf).await?;
    }
    copy.finish().await?;
    phase("rows copied");

    if empty {
        let mut dups_unchecked = rebuild.iter().any(|(n, _)| n == "transactions_external_id");
        if problems.total == 0 {
            for (name, sql) in &rebuild {
                conn.execute("SAVEPOINT build_index").await?;
                match conn.execute(sql.as_str()).await {
                    Ok(_) => {
                        conn.execute("RELEASE SAVEPOINT build_index").await?;
                    }
                    Err(e) if is_unique_violation(&e) => {
                        conn.execute("ROLLBACK TO SAVEPOINT build_index").await?;
                        break;
                    }
                    Err(e) => return Err(e.into()),
                }
                if name == "transactions_external_id" {
                    dups_unchecked = false;
                }
                phase("index built");
            }
            for (name, def) in &foreign_keys {
                conn.execute(
                    format!("ALTER TABLE transactions ADD CONSTRAINT {name} {def}").as_str(),
                )
                .await?;
                phase("foreign key checked");
            }
        }
        if dups_unchecked {
            let line = |id: i64| new_lines.get((id - 1) as usize).copied().unwrap_or(0) as i64;
            let mut dups = Problems::new(limit);
            let mut rows =
                sqlx::query_as::<_, (i64, i64, String)>(DUPLICATES_BY_ID).fetch(&mut conn);
            while let Some((id, first_id, ext)) = rows.try_next().await? {
                dups.add(line(id), "external_id", || {
                    format!(
                        "duplicate external id '{ext}' (first on line {})",
                        line(first_id)
                    )
                });
            }
            drop(rows);
            problems.absorb(dups);
        }
        if problems.total == 0 && !new_lines.is_empty() {
            conn.execute(
                "SELECT setval(pg_get_serial_sequence('transactions', 'id'), (SELECT MAX(id) FROM transactions))",
            )
            .await?;
        }
        counts.inserted = new_lines.len() as i64;
    } else {
        conn.execute("CREATE INDEX stage_tx_ext ON stage_tx (external_id); ANALYZE stage_tx")
            .await?;
        let mut dups = Problems::new(limit);
        let mut rows = sqlx::query_as::<_, (i64, i64, String)>(
            "SELECT s.line, f.first_line, s.external_id FROM stage_tx s \
             JOIN (SELECT external_id, MIN(line) AS first_line FROM stage_tx GROUP BY external_id HAVING COUNT(*) > 1) f \
               ON f.external_id = s.external_id WHERE s.line <> f.first_line ORDER BY s.line",
        )
        .fetch(&mut conn);
        while let Some((line, first, ext)) = rows.try_next().await? {
            dups.add(line, "external_id", || {
                format!("duplicate external id '{ext}' (first on line {first})")
            });
        }
        drop(rows);
        problems.absorb(dups);
        if problems.total == 0 {
            let mut cols: Vec<&str> = vec!["customer_id", "occurred_at", "amount_minor"];
            cols.extend(TRANSACTION_OPTIONAL.iter().filter(|c| present.contains(*c)));
            let sets: Vec<String> = cols.iter().map(|c| format!("{c} = s.{c}")).collect();
            let changed: Vec<String> = cols
                .iter()
                .map(|c| format!("transactions.{c} IS DISTINCT FROM s.{c}"))
                .collect();
            counts.updated = conn
                .execute(
                    format!(
                        "UPDATE transactions SET {} FROM stage_tx s \
                         WHERE s.external_id = transactions.external_id AND ({})",
                        sets.join(", "),
                        changed.join(" OR ")
                    )
                    .as_str(),
                )
                .await?
                .rows_affected() as i64;
            counts.inserted = conn
                .execute(
                    format!(
                        "INSERT INTO transactions ({COLS}) SELECT {COLS} FROM stage_tx s \
                         WHERE NOT EXISTS (SELECT 1 FROM transactions t WHERE t.external_id = s.external_id) ORDER BY s.line"
                    )
                    .as_str(),
                )
                .await?
                .rows_affected() as i64;
        }
    }
    if problems.total > 0 {
        conn.execute("ROLLBACK").await?;
        return Ok(problems.rejected());
    }
    counts.unchanged = counts.rows - counts.inserted - counts.updated;
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail) VALUES ($1, $2, 'import', 'transactions', $3, $4)",
    )
    .bind(now_stored())
    .bind(&actor)
    .bind(&file)
    .bind(audit_detail(&counts))
    .execute(&mut conn)
    .await?;
    conn.execute("COMMIT").await?;
    phase("committed");
    conn.close().await?;
    Ok(LoadOutcome::Committed(counts))
}
