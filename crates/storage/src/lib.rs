//! Fidelis storage: one `Store` over SQLite (embedded default, WAL mode) or PostgreSQL
//! (production), through sqlx's `Any` driver with portable SQL (`$1` placeholders, `ON CONFLICT`,
//! `RETURNING`, `IS DISTINCT FROM`), so every query runs on both backends and both are tested.
//!
//! Conventions that keep the SQL portable: integers are BIGINT, flags are 0/1 BIGINT, instants are
//! fixed-width UTC text (`domain::time`), money is BIGINT minor units, lists and maps are JSON text.

pub mod access;
pub mod audit;
pub mod backup;
pub mod bulk;
pub mod care;
pub mod churn;
pub mod complaints;
pub mod customers;
pub mod home;
pub mod imports;
pub mod loyalty;
mod migrations;
mod packed;
pub mod surveys;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("not found")]
    NotFound,
    #[error("version conflict: the record is at version {current}")]
    VersionConflict { current: i64 },
    #[error("duplicate: {0}")]
    Duplicate(String),
    #[error("unknown reference: {0}")]
    UnknownReference(String),
    #[error("cannot use data directory {path}: {reason}")]
    DataDir { path: String, reason: String },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Internal(String),
    #[error("unsupported database URL '{0}' (use sqlite://… or postgres://…)")]
    BadUrl(String),
}

impl StoreError {
    /// Constraint violations become user errors (realworld-axum-sqlx's `on_constraint`).
    fn from_db(e: sqlx::Error) -> StoreError {
        if let sqlx::Error::Database(d) = &e {
            let msg = d.message().to_ascii_lowercase();
            if msg.contains("unique") || msg.contains("duplicate key") {
                return StoreError::Duplicate(d.message().to_string());
            }
            if msg.contains("foreign key") {
                return StoreError::UnknownReference(d.message().to_string());
            }
        }
        StoreError::Db(e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    url: String,
    /// SQLite file stores: the background checkpointer runs while any clone of the store lives.
    _checkpointer: Option<Arc<()>>,
}

/// Pages in the WAL after which a committing connection checkpoints by itself. The background
/// checkpointer keeps the WAL far below this; it is the safety net should it stop.
const WAL_AUTOCHECKPOINT_PAGES: u32 = 65_536;
/// How often the background checkpointer copies committed pages back into the database file
/// (`FIDELIS_CHECKPOINT_MS` overrides it). Measured at 100 steps/s on the 500,000-case store:
/// 1 s gave a p95 of 56 ms (bigger checkpoints slow the writers beside them), 200 ms 14–26 ms,
/// 100 ms 15–18 ms.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// The WAL size at which the background checkpointer has the log start again from its
/// beginning.
const WAL_RESTART_BYTES: i64 = 128 << 20;

/// SQLite moves committed pages from the write-ahead log back into the database file at
/// checkpoints. By default the connection that commits past 1,000 pages does it, inside its
/// commit: with 16 KiB pages that is 16 MB written and two fsyncs, about 120 ms of one
/// request every ~55 case steps (measured with strace on the 500,000-case store, issue 5).
/// Here one connection of its own does it instead, so no request waits for one:
///
/// - every 100 ms a passive checkpoint, which never blocks writers or readers;
/// - once the log passes 128 MiB, a restart checkpoint. Under steady load the log would
///   otherwise never start again from its beginning (a writer restarts it only when every
///   frame is already copied and no reader is in the log, which at ~100 steps a second almost
///   never happens), and grow by ~25 MB/s. Right after a passive one, a restart checkpoint has
///   only the last few frames to copy, so it holds writers back for a few tens of ms, about
///   every five seconds at that load.
async fn checkpointer(opts: sqlx::any::AnyConnectOptions, alive: std::sync::Weak<()>) {
    use sqlx::Connection;
    let mut conn = match sqlx::AnyConnection::connect_with(&opts).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("background checkpointer not started: {e}");
            return;
        }
    };
    let page_size: i64 = match async {
        sqlx::query("PRAGMA busy_timeout = 200")
            .execute(&mut conn)
            .await?;
        sqlx::query_scalar::<_, i64>("PRAGMA page_size")
            .fetch_one(&mut conn)
            .await
    }
    .await
    {
        Ok(p) => p.max(512),
        Err(e) => {
            tracing::warn!("background checkpointer not started: {e}");
            return;
        }
    };
    let restart_frames = WAL_RESTART_BYTES / page_size;
    let every = std::env::var("FIDELIS_CHECKPOINT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(CHECKPOINT_EVERY, Duration::from_millis);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failures = 0u32;
    while alive.strong_count() > 0 {
        tick.tick().await;
        // (busy, frames in the log, frames copied)
        let passive = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut conn)
            .await;
        let r = match passive {
            Ok(row) if get_i(&row, "log") > restart_frames => {
                sqlx::query("PRAGMA wal_checkpoint(RESTART)")
                    .fetch_one(&mut conn)
                    .await
            }
            r => r,
        };
        match r {
            Ok(_) => failures = 0,
            Err(e) => {
                failures += 1;
                if failures == 1 || failures.is_multiple_of(100) {
                    tracing::warn!("background checkpoint failed ({failures} in a row): {e}");
                }
            }
        }
    }
    let _ = conn.close().await;
}

pub const SQLITE_FILE: &str = "fidelis.sqlite3";

/// Where the store lives: an explicit URL (env `FIDELIS_DATABASE_URL`), else
/// `DATA_DIR/fidelis.sqlite3`.
pub fn resolve_url(database_url: Option<&str>, data_dir: &Path) -> Result<String> {
    match database_url.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => Ok(u.into()),
        Some(u) if u.starts_with("sqlite:") => Ok(u.into()),
        Some(u) => Err(StoreError::BadUrl(u.into())),
        None => {
            std::fs::create_dir_all(data_dir).map_err(|e| StoreError::DataDir {
                path: data_dir.display().to_string(),
                reason: e.to_string(),
            })?;
            let file: PathBuf = data_dir.join(SQLITE_FILE);
            Ok(format!("sqlite://{}?mode=rwc", file.display()))
        }
    }
}

impl Store {
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            return Err(StoreError::BadUrl(url.into()));
        };
        let opts = sqlx::any::AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .test_before_acquire(false)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Postgres {
                        // Page queries are short; parallel workers only make concurrent
                        // requests fight for the cores. Heavy analytics can `SET LOCAL` it back.
                        sqlx::query("SET max_parallel_workers_per_gather = 0")
                            .execute(&mut *conn)
                            .await?;
                        // JIT compiling a page query costs ~100 ms, more than running it.
                        sqlx::query("SET jit = off").execute(&mut *conn).await?;
                    }
                    if backend == Backend::Sqlite {
                        // WAL lets readers go on while one writer commits; NORMAL sync is durable
                        // across application crashes (WAL), foreign keys are per connection.
                        // 16 KiB pages (a new store only; fixed once the file exists): a
                        // fifth fewer B-tree pages and writes than 4 KiB on bulk imports.
                        for p in [
                            "PRAGMA page_size = 16384",
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = NORMAL",
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA busy_timeout = 10000",
                            CACHE_SIZE,
                            // Should the WAL ever grow past 256 MiB, it is cut back once
                            // checkpointed (below that it is reused: cutting costs ~200 ms).
                            "PRAGMA journal_size_limit = 268435456",
                        ] {
                            sqlx::query(p).execute(&mut *conn).await?;
                        }
                        sqlx::query(&format!(
                            "PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}"
                        ))
                        .execute(&mut *conn)
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts.clone())
            .await?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let checkpoints = (backend == Backend::Sqlite && !in_memory).then(|| {
            let alive = Arc::new(());
            tokio::spawn(checkpointer(opts, Arc::downgrade(&alive)));
            alive
        });
        Ok(Store {
            pool,
            backend,
            url: url.into(),
            _checkpointer: checkpoints,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite database file, when the store is one (not in memory).
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.url.strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or("");
        (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
    }

    /// Start a transaction import (`bulk`): SQLite needs a database file, not `:memory:`.
    pub fn start_transaction_load(
        &self,
        present: imports::Present,
        actor: &str,
        file: &str,
        limit: usize,
    ) -> Result<bulk::TransactionLoader> {
        let target = match self.backend {
            Backend::Sqlite => bulk::Target::Sqlite(self.sqlite_path().ok_or_else(|| {
                StoreError::BadUrl(format!(
                    "{}: transaction imports need a SQLite database file",
                    self.url
                ))
            })?),
            Backend::Postgres => bulk::Target::Postgres(self.url.clone()),
        };
        Ok(bulk::TransactionLoader::start(
            target,
            present,
            actor.into(),
            file.into(),
            limit,
        ))
    }

    /// The URL without a password, for messages.
    pub fn display_url(&self) -> String {
        match self.url.split_once('@') {
            Some((head, tail)) if self.backend == Backend::Postgres => {
                let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
                let user = head[scheme_end..].split(':').next().unwrap_or("");
                format!("{}{}@{}", &head[..scheme_end], user, tail)
            }
            _ => self.url.clone(),
        }
    }

    pub async fn migrate(&self) -> Result<usize> {
        migrations::run(self).await
    }

    /// Is the store reachable? (`/healthz`)
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The connection pool itself, for tests that check what the database enforces on its own
    /// (the complaint history's triggers).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction that will write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so concurrent writers queue on the busy timeout instead of failing when a
    /// read lock cannot be upgraded.
    /// Why an update at an expected version touched no row of `table`: the row's current
    /// version (`VersionConflict`), or the row is gone (`NotFound`).
    pub(crate) async fn version_refusal(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        table: &'static str,
        id: i64,
    ) -> Result<StoreError> {
        let current: Option<i64> =
            sqlx::query_scalar(&format!("SELECT version FROM {table} WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
        Ok(match current {
            Some(current) => StoreError::VersionConflict { current },
            None => StoreError::NotFound,
        })
    }

    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Refresh the planner's statistics after a bulk change (an import), so lists and searches
    /// keep using their indexes. Sampled, so it stays quick on large tables.
    pub async fn analyze(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = self.pool.acquire().await?;
                sqlx::query("PRAGMA analysis_limit = 2000")
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("ANALYZE").execute(&mut *conn).await?;
            }
            Backend::Postgres => {
                sqlx::query("ANALYZE customers, transactions, customer_preferences")
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }
}

/// Each SQLite connection's page cache (64 MiB): the pages' working set stays in memory.
pub(crate) const CACHE_SIZE: &str = "PRAGMA cache_size = -65536";

impl Backend {
    /// The `n`-th (1-based) bind placeholder for a statement with many parameters. SQLite's
    /// `sqlite3_bind_parameter_name` is linear in the number of *named* parameters, so binding
    /// thousands of `$N` costs quadratic time; anonymous `?` placeholders bind in constant time.
    pub fn placeholder(self, n: usize) -> String {
        match self {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${n}"),
        }
    }
}

pub(crate) fn get_s(row: &AnyRow, col: &str) -> String {
    row.try_get::<Option<String>, _>(col)
        .ok()
        .flatten()
        .unwrap_or_default()
}

pub(crate) fn get_i(row: &AnyRow, col: &str) -> i64 {
    row.try_get::<Option<i64>, _>(col)
        .ok()
        .flatten()
        .unwrap_or_default()
}

pub(crate) fn get_os(row: &AnyRow, col: &str) -> Option<String> {
    row.try_get::<Option<String>, _>(col).ok().flatten()
}

/// A number column read as f64 (an integer-typed value is converted).
pub(crate) fn get_f(row: &sqlx::any::AnyRow, col: &str) -> f64 {
    row.try_get::<Option<f64>, _>(col)
        .ok()
        .flatten()
        .or_else(|| {
            row.try_get::<Option<i64>, _>(col)
                .ok()
                .flatten()
                .map(|v| v as f64)
        })
        .unwrap_or_default()
}
