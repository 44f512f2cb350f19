//! Fast, still all-or-nothing, transaction imports on the embedded store.
//!
//! The general import path (`imports`) stages every row in a temporary table and checks the whole
//! file in SQL, then copies the rows into place: every row is written twice and every check is a
//! join. For transactions on SQLite this loader writes each row once, straight into
//! `transactions`, inside one `BEGIN IMMEDIATE` transaction on its own connection (a blocking
//! thread with prepared statements, while the caller's reader thread parses the file):
//!
//! - customers are resolved from an in-memory map of the store's external ids (compact: one
//!   string arena and a hash table of offsets), so an unknown customer is found at its line;
//! - duplicates are found by the unique index on `transactions.external_id` itself: a conflict
//!   with a row this import inserted (or already updated) is a duplicate within the file, and the
//!   loader knows that row's line; a conflict with an older row is an update of a known id, made
//!   only when a column the file carries differs;
//! - when the table starts empty, the `(customer_id, occurred_at)` index is dropped and built
//!   once at the end (a sort instead of millions of random B-tree inserts);
//! - any problem means `ROLLBACK` (the dropped index comes back with it), and so does a killed
//!   process: nothing is committed before the last row is in and every check passed.

use crate::imports::{ImportCounts, Present};
use crate::{Result, StoreError};
use domain::time::now_stored;
use rusqlite::{params, Connection, OpenFlags};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

mod parts;
mod pg;

use parts::{audit_detail, IdMap, Msg, Problems, DUPLICATES_BY_ID};
pub use parts::{LoadOutcome, RowBatch, RowView};

/// Where a load writes: a SQLite database file or a PostgreSQL URL.
pub(crate) enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

/// A running load. Send batches of validated rows, then `finish`; `abort` (or dropping it)
/// rolls everything back.
pub struct TransactionLoader {
    tx: Option<tokio::sync::mpsc::Sender<Msg>>,
    handle: Option<tokio::task::JoinHandle<Result<LoadOutcome>>>,
}

impl TransactionLoader {
    pub(crate) fn start(
        target: Target,
        present: Present,
        actor: String,
        file: String,
        limit: usize,
    ) -> TransactionLoader {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let handle = match target {
            Target::Sqlite(path) => tokio::task::spawn_blocking(move || {
                sqlite_load(path, &present, &actor, &file, limit, rx)
            }),
            Target::Postgres(url) => {
                tokio::spawn(pg::pg_load(url, present, actor, file, limit, rx))
            }
        };
        TransactionLoader {
            tx: Some(tx),
            handle: Some(handle),
        }
    }

    pub async fn send(&mut self, rows: RowBatch) -> Result<()> {
        let sent = match &self.tx {
            Some(tx) => tx.send(Msg::Rows(rows)).await.is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The loader stopped early: its error says why.
        self.tx = None;
        self.join().await?;
        Err(StoreError::Internal(
            "the loader stopped before the end of the file".into(),
        ))
    }

    /// Check, and commit when no row is bad.
    pub async fn finish(mut self) -> Result<LoadOutcome> {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Msg::Finish).await;
        }
        self.join().await
    }

    /// Roll back and wait until the store is released.
    pub async fn abort(mut self) {
        self.tx = None;
        let _ = self.join().await;
    }

    async fn join(&mut self) -> Result<LoadOutcome> {
        match self.handle.take() {
            Some(h) => h
                .await
                .map_err(|e| StoreError::Internal(format!("the loader failed: {e}")))?,
            None => Err(StoreError::Internal("the loader has already ended".into())),
        }
    }
}

const COLS: &str = "customer_id, occurred_at, amount_minor, currency, channel, store, items, quantity, promotion, is_return";

/// A stored transaction's columns, in `COLS` order.
#[derive(Clone, PartialEq, Eq)]
struct Cols {
    customer_id: i64,
    occurred_at: String,
    amount_minor: i64,
    currency: String,
    channel: String,
    store: String,
    items: String,
    quantity: i64,
    promotion: i64,
    is_return: i64,
}

impl Cols {
    fn from_row(t: &RowView, customer_id: i64) -> Cols {
        Cols {
            customer_id,
            occurred_at: t.occurred_at.into(),
            amount_minor: t.amount_minor,
            currency: t.currency.into(),
            channel: t.channel.into(),
            store: t.store.into(),
            items: t.items.into(),
            quantity: t.quantity,
            promotion: t.promotion as i64,
            is_return: t.is_return as i64,
        }
    }

    /// The row after an update from a file that carries only the `present` optional columns.
    fn updated(mut self, new: Cols, present: &Present) -> Cols {
        self.customer_id = new.customer_id;
        self.occurred_at = new.occurred_at;
        self.amount_minor = new.amount_minor;
        fn take<T>(kept: &mut T, new: T, file_has_it: bool) {
            if file_has_it {
                *kept = new;
            }
        }
        let has = |c: &str| present.contains(c);
        take(&mut self.currency, new.currency, has("currency"));
        take(&mut self.channel, new.channel, has("channel"));
        take(&mut self.store, new.store, has("store"));
        take(&mut self.items, new.items, has("items"));
        take(&mut self.quantity, new.quantity, has("quantity"));
        take(&mut self.promotion, new.promotion, has("promotion"));
        take(&mut self.is_return, new.is_return, has("is_return"));
        self
    }
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

fn sqlite_load(
    path: PathBuf,
    present: &Present,
    actor: &str,
    file: &str,
    limit: usize,
    mut rx: tokio::sync::mpsc::Receiver<Msg>,
) -> Result<LoadOutcome> {
    let started = std::time::Instant::now();
    let phase =
        |what: &str| tracing::debug!(secs = started.elapsed().as_secs_f64(), "bulk load: {what}");
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // Customer ids come from the store inside this same write transaction, so the foreign key
    // holds by construction; checking it per row would double the B-tree lookups.
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -32768; \
         BEGIN IMMEDIATE",
    )?;
    let customers = {
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))?;
        let mut map = IdMap::with_capacity(n as usize);
        let mut q = conn.prepare("SELECT external_id, id FROM customers")?;
        let mut rows = q.query([])?;
        while let Some(r) = rows.next()? {
            let key = r
                .get_ref(0)?
                .as_str()
                .map_err(|e| StoreError::Internal(format!("customers.external_id: {e}")))?;
            map.insert(key, r.get(1)?);
        }
        map
    };
    let empty: bool =
        conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM transactions)", [], |r| {
            r.get(0)
        })?;
    // On an empty table, both indexes are built once at the end: a sort each, instead of
    // millions of B-tree inserts. Their definitions come from the schema itself.
    let mut rebuild: Vec<(String, String)> = Vec::new();
    if empty {
        let mut q = conn.prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transactions' \
             AND name IN ('transactions_external_id', 'transactions_customer_time') ORDER BY name DESC",
        )?;
        rebuild = q
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (name, _) in &rebuild {
            conn.execute_batch(&format!("DROP INDEX {name}"))?;
        }
    }
    let mut insert = conn.prepare(&format!(
        "INSERT INTO transactions (external_id, {COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    ))?;
    let mut find = conn.prepare(&format!(
        "SELECT id, {COLS} FROM transactions WHERE external_id = ?1"
    ))?;
    let mut update = conn.prepare(
        "UPDATE transactions SET customer_id = ?2, occurred_at = ?3, amount_minor = ?4, currency = ?5, \
         channel = ?6, store = ?7, items = ?8, quantity = ?9, promotion = ?10, is_return = ?11 WHERE id = ?1",
    )?;

    let mut problems = Problems::new(limit);
    let mut counts = ImportCounts::default();
    // Lines of the rows this load inserted, by id - first_new (ids are consecutive: the write
    // lock is held), and of the older rows it updated: a second row with the same external id is
    // a duplicate of that line.
    let mut first_new: Option<i64> = None;
    let mut new_lines: Vec<u32> = Vec::new();
    let mut touched: HashMap<i64, u32> = HashMap::new();
    let mut waited = Duration::ZERO;
    loop {
        let wait = std::time::Instant::now();
        let msg = rx.blocking_recv();
        waited += wait.elapsed();
        let batch = match msg {
            Some(Msg::Rows(b)) => b,
            Some(Msg::Finish) => break,
            // The caller gave up (a bad row while reading, or it went away): roll back.
            None => {
                return Ok(LoadOutcome::Rejected {
                    problems: Vec::new(),
                    total: 0,
                })
            }
        };
        for t in batch.iter() {
            counts.rows += 1;
            let line = t.line;
            let Some(cid) = customers.get(t.customer) else {
                problems.add(line, "customer_id", || {
                    format!("no customer with external id '{}'", t.customer)
                });
                continue;
            };
            let ext = t.external_id;
            let done = insert.execute(params![
                ext,
                cid,
                t.occurred_at,
                t.amount_minor,
                t.currency,
                t.channel,
                t.store,
                t.items,
                t.quantity,
                t.promotion as i64,
                t.is_return as i64
            ]);
            match done {
                Ok(_) => {
                    let id = conn.last_insert_rowid();
                    let first = *first_new.get_or_insert(id);
                    let at = (id - first) as usize;
                    if new_lines.len() < at {
                        new_lines.resize(at, 0);
                    }
                    new_lines.push(line as u32);
                    counts.inserted += 1;
                }
                Err(e) if is_unique_violation(&e) => {
                    let (id, old) = find.query_row([ext], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            Cols {
                                customer_id: r.get(1)?,
                                occurred_at: r.get(2)?,
                                amount_minor: r.get(3)?,
                                currency: r.get(4)?,
                                channel: r.get(5)?,
                                store: r.get(6)?,
                                items: r.get(7)?,
                                quantity: r.get(8)?,
                                promotion: r.get(9)?,
                                is_return: r.get(10)?,
                            },
                        ))
                    })?;
                    let earlier = match first_new {
                        Some(f) if id >= f => new_lines.get((id - f) as usize).copied(),
                        _ => touched.get(&id).copied(),
                    };
                    if let Some(first) = earlier {
                        problems.add(line, "external_id", || {
                            format!("duplicate external id '{ext}' (first on line {first})")
                        });
                        continue;
                    }
                    touched.insert(id, line as u32);
                    let new = Cols::from_row(&t, cid);
                    let merged = old.clone().updated(new, present);
                    if merged != old {
                        update.execute(params![
                            id,
                            merged.customer_id,
                            merged.occurred_at,
                            merged.amount_minor,
                            merged.currency,
                            merged.channel,
                            merged.store,
                            merged.items,
                            merged.quantity,
                            merged.promotion,
                            merged.is_return
                        ])?;
                        counts.updated += 1;
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    drop((insert, find, update));
    phase("rows written");
    tracing::debug!(
        secs = waited.as_secs_f64(),
        "bulk load: time spent waiting for rows"
    );
    // Without the unique index (an empty table at the start), duplicates show when it is built.
    let mut dups_unchecked = rebuild.iter().any(|(n, _)| n == "transactions_external_id");
    if problems.total == 0 {
        conn.execute_batch("PRAGMA threads = 2")?;
        for (_, sql) in &rebuild {
            match conn.execute_batch(sql) {
                Ok(()) => {}
                Err(e) if is_unique_violation(&e) => break,
                Err(e) => return Err(e.into()),
            }
            if sql.contains("UNIQUE") {
                dups_unchecked = false;
            }
            phase("index built");
        }
    }
    if dups_unchecked {
        let first = first_new.unwrap_or(1);
        let line = |id: i64| new_lines.get((id - first) as usize).copied().unwrap_or(0) as i64;
        let mut q = conn.prepare(DUPLICATES_BY_ID)?;
        let mut rows = q.query([])?;
        // In line order, like the unknown customers already kept: keep the first of each.
        let mut dups = Problems::new(limit);
        while let Some(r) = rows.next()? {
            let (id, first_id, ext): (i64, i64, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            dups.add(line(id), "external_id", || {
                format!(
                    "duplicate external id '{ext}' (first on line {})",
                    line(first_id)
                )
            });
        }
        drop(rows);
        drop(q);
        problems.absorb(dups);
    }
    if problems.total > 0 {
        conn.execute_batch("ROLLBACK")?;
        return Ok(problems.rejected());
    }
    counts.unchanged = counts.rows - counts.inserted - counts.updated;
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail) VALUES (?1, ?2, 'import', 'transactions', ?3, ?4)",
        params![
            now_stored(),
            actor,
            file,
            audit_detail(&counts)
        ],
    )?;
    conn.execute_batch("COMMIT")?;
    phase("committed");
    Ok(LoadOutcome::Committed(counts))
}

#[cfg(test)]
mod tests {
    use super::parts::IdMap;

    #[test]
    fn id_map_finds_every_key_and_only_those() {
        let mut m = IdMap::with_capacity(4);
        for i in 0..10_000i64 {
            m.insert(&format!("C{i:07}"), i + 1);
        }
        for i in 0..10_000i64 {
            assert_eq!(m.get(&format!("C{i:07}")), Some(i + 1));
        }
        assert_eq!(m.get("C0010000"), None);
        assert_eq!(m.get(""), None);
        assert_eq!(m.get("C000000"), None, "a prefix of a key is not a key");
    }
}
