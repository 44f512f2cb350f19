//! Backup and restore. A backup is always a SQLite file with Fidelis's schema — readable with any
//! SQLite tool, and restorable into either backend. Reading happens inside one snapshot
//! transaction (WAL read snapshot on SQLite, REPEATABLE READ on PostgreSQL), so a backup taken
//! while the server is writing is consistent. A restore replaces every table inside one
//! transaction: it happens entirely or not at all.

use crate::migrations::TABLES;
use crate::{Backend, Result, Store, StoreError};
use sqlx::{Any, Column, Row, Transaction, TypeInfo};

#[derive(Debug, Clone)]
enum Cell {
    Null,
    I(i64),
    F(f64),
    T(String),
}

fn cell(row: &sqlx::any::AnyRow, i: usize) -> Cell {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return v.map_or(Cell::Null, Cell::I);
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return v.map_or(Cell::Null, Cell::T);
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return v.map_or(Cell::Null, Cell::F);
    }
    Cell::Null
}

pub(crate) async fn begin_snapshot(store: &Store) -> Result<Transaction<'static, Any>> {
    let mut tx = store.pool.begin().await?;
    if store.backend == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

/// Copy every table from `src` (one snapshot) into `dst` (one transaction), replacing what `dst`
/// had. `progress(table, rows_copied)` is called as it goes.
async fn copy_all(
    src: &Store,
    dst: &Store,
    progress: &mut (dyn FnMut(&str, u64) + Send),
) -> Result<u64> {
    let mut from = begin_snapshot(src).await?;
    let mut to = dst.begin_write().await?;
    if dst.backend == Backend::Sqlite {
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *to)
            .await?;
    }
    // The complaint history refuses deletes, except inside a restore.
    sqlx::query("INSERT INTO restore_guard (active) VALUES (1)")
        .execute(&mut *to)
        .await?;
    for t in TABLES.iter().rev() {
        sqlx::query(&format!("DELETE FROM {t}"))
            .execute(&mut *to)
            .await?;
    }
    let mut total = 0u64;
    for t in TABLES {
        let rows = sqlx::query(&format!("SELECT * FROM {t} ORDER BY 1"))
            .fetch_all(&mut *from)
            .await?;
        let Some(first) = rows.first() else {
            progress(t, 0);
            continue;
        };
        let cols: Vec<String> = first
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        // NULLs must be bound with their column's type (PostgreSQL will not cast text to bigint).
        let int_col: Vec<bool> = first
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| {
                c.type_info().name().contains("INT")
                    || rows.iter().any(|r| matches!(cell(r, i), Cell::I(_)))
            })
            .collect();
        // Nullable floats (a loyalty profile's attachment) need their type on PostgreSQL too.
        let float_col: Vec<bool> = first
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let t = c.type_info().name().to_ascii_uppercase();
                t.contains("DOUBLE")
                    || t.contains("FLOAT")
                    || t.contains("REAL")
                    || rows.iter().any(|r| matches!(cell(r, i), Cell::F(_)))
            })
            .collect();
        let per_stmt = (30_000 / cols.len()).clamp(1, 500);
        let mut copied = 0u64;
        for chunk in rows.chunks(per_stmt) {
            let mut sql = format!("INSERT INTO {t} ({}) VALUES ", cols.join(", "));
            for (r, _) in chunk.iter().enumerate() {
                if r > 0 {
                    sql.push(',');
                }
                let ps: Vec<String> = (0..cols.len())
                    .map(|c| dst.backend.placeholder(r * cols.len() + c + 1))
                    .collect();
                sql.push_str(&format!("({})", ps.join(",")));
            }
            let mut q = sqlx::query(&sql);
            for row in chunk {
                for (i, is_int) in int_col.iter().enumerate() {
                    q = match cell(row, i) {
                        Cell::Null if *is_int => q.bind(None::<i64>),
                        Cell::Null if float_col[i] => q.bind(None::<f64>),
                        Cell::Null => q.bind(None::<String>),
                        Cell::I(v) => q.bind(v),
                        Cell::F(v) => q.bind(v),
                        Cell::T(v) => q.bind(v),
                    };
                }
            }
            q.execute(&mut *to).await?;
            copied += chunk.len() as u64;
            progress(t, copied);
        }
        total += copied;
        if dst.backend == Backend::Postgres && cols.iter().any(|c| c == "id") {
            sqlx::query(&format!(
                "SELECT CAST(setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false) AS BIGINT)"
            ))
            .execute(&mut *to)
            .await?;
        }
    }
    sqlx::query("DELETE FROM restore_guard")
        .execute(&mut *to)
        .await?;
    to.commit().await?;
    from.rollback().await?;
    Ok(total)
}

impl Store {
    /// Write a consistent snapshot of this store to a new SQLite file at `path`.
    pub async fn backup_to(
        &self,
        path: &std::path::Path,
        progress: &mut (dyn FnMut(&str, u64) + Send),
    ) -> Result<u64> {
        if path.exists() {
            return Err(StoreError::DataDir {
                path: path.display().to_string(),
                reason: "the file exists already; choose a new name".into(),
            });
        }
        let dst = Store::connect(&format!("sqlite://{}?mode=rwc", path.display())).await?;
        dst.migrate().await?;
        let n = copy_all(self, &dst, progress).await;
        dst.close().await;
        if n.is_err() {
            let _ = std::fs::remove_file(path);
        }
        n
    }

    /// Replace everything in this store with the contents of the backup file at `path`.
    pub async fn restore_from(
        &self,
        path: &std::path::Path,
        progress: &mut (dyn FnMut(&str, u64) + Send),
    ) -> Result<u64> {
        if !path.is_file() {
            return Err(StoreError::DataDir {
                path: path.display().to_string(),
                reason: "no such backup file".into(),
            });
        }
        let src = Store::connect(&format!("sqlite://{}?mode=ro", path.display())).await?;
        let n = copy_all(&src, self, progress).await;
        src.close().await;
        n
    }
}
