//! Bulk import and export of customers and transactions (SPEC.md §1: "idempotent by external id,
//! with a row-level error report; nothing half-imported").
//!
//! A reader thread decodes and validates rows while the store stages them; whole-file checks run
//! in the store; one bad row anywhere means nothing is merged and every bad row (up to a limit)
//! is reported with file, line, column and reason.

use super::table::{ColumnMap, Encoding, RowError, TableReader, TableWriter};
use crate::jobs::Progress;
use crate::{Actor, App, AppError};
use domain::access::Permission;
use domain::customers::{
    latest_allowed, CustomerFields, CustomerRecord, TransactionInput, TransactionRecord,
};
use domain::ErrorCode;
use serde::Serialize;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use storage::bulk::{LoadOutcome, RowBatch, TransactionLoader};
use storage::imports::{
    CustomerImport, ImportCounts, Present, RowProblem, CUSTOMER_OPTIONAL, TRANSACTION_OPTIONAL,
};

#[path = "columns.rs"]
mod columns;
pub use columns::{ExportKind, ImportKind, CUSTOMER_COLUMNS, TRANSACTION_COLUMNS};

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub encoding: Option<Encoding>,
    /// `(target field, file column)` overrides.
    pub map: Vec<(String, String)>,
    /// Bad rows reported at most (all are counted).
    pub error_limit: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            encoding: None,
            map: Vec::new(),
            error_limit: 100,
        }
    }
}

/// Parse `target=source` pairs from `--map`.
pub fn parse_map(items: &[String]) -> Result<Vec<(String, String)>, String> {
    items
        .iter()
        .map(|m| {
            m.split_once('=')
                .map(|(t, s)| (t.trim().to_string(), s.trim().to_string()))
                .filter(|(t, s)| !t.is_empty() && !s.is_empty())
                .ok_or_else(|| format!("--map '{m}': expected target=source"))
        })
        .collect()
}

/// An upload being received (see `App::begin_upload`).
pub struct Upload {
    path: std::path::PathBuf,
    file: tokio::fs::File,
    name: String,
}

impl Upload {
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), AppError> {
        use tokio::io::AsyncWriteExt;
        self.file.write_all(chunk).await.map_err(AppError::internal)
    }
}

impl Drop for Upload {
    /// An upload never handed to a job (the client went away) leaves no file behind. Once a
    /// job has it, the path is moved out and this is a no-op.
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub job_id: i64,
    pub kind: ImportKind,
    pub file: String,
    pub encoding: Option<Encoding>,
    pub counts: ImportCounts,
    pub ignored_columns: Vec<String>,
}

enum Rec {
    C(CustomerRecord),
    T(TransactionRecord),
}

/// The valid rows of a batch, as the store takes them.
enum Good {
    C(Vec<(i64, CustomerRecord)>),
    T(RowBatch),
}

impl Good {
    fn new(kind: ImportKind) -> Good {
        match kind {
            ImportKind::Customers => Good::C(Vec::with_capacity(BATCH)),
            ImportKind::Transactions => Good::T(RowBatch::with_capacity(BATCH)),
        }
    }
    fn is_empty(&self) -> bool {
        match self {
            Good::C(v) => v.is_empty(),
            Good::T(b) => b.is_empty(),
        }
    }
    fn push(&mut self, line: i64, r: Rec) {
        match (self, r) {
            (Good::C(v), Rec::C(r)) => v.push((line, r)),
            (Good::T(b), Rec::T(t)) => b.push(line, &t),
            _ => unreachable!("record kind matches batch kind"),
        }
    }
}

/// What the reader thread hands over per batch: the valid rows (only until the first bad row:
/// after that nothing will be stored, the rest are only checked), the bad rows' errors, and
/// progress.
struct ReadBatch {
    good: Good,
    rows: u64,
    bad: Vec<Vec<RowError>>,
    done: u64,
}

const BATCH: usize = 2048;

enum Importer {
    C(CustomerImport),
    /// Transactions: streamed into place, checked as they go (`storage::bulk`).
    Bulk(TransactionLoader),
}

/// Bad rows found by the whole-file checks, at most the limit, and how many in all.
type Rejected = (Vec<RowProblem>, usize);

impl Importer {
    async fn stage(&mut self, good: Good) -> storage::Result<()> {
        match (self, good) {
            (Importer::Bulk(l), Good::T(rows)) => l.send(rows).await,
            (Importer::C(i), Good::C(rows)) => {
                for (line, r) in rows {
                    i.stage(line, &r).await?;
                }
                Ok(())
            }
            _ => unreachable!("record kind matches importer kind"),
        }
    }

    /// Run the whole-file checks; merge and commit only when they find nothing.
    async fn finish(
        self,
        limit: i64,
        actor: &str,
        file: &str,
    ) -> storage::Result<Result<ImportCounts, Rejected>> {
        let problems = match self {
            Importer::Bulk(l) => {
                return Ok(match l.finish().await? {
                    LoadOutcome::Committed(c) => Ok(c),
                    LoadOutcome::Rejected { problems, total } => Err((problems, total)),
                })
            }
            Importer::C(mut i) => match i.check(limit).await? {
                p if p.is_empty() => return Ok(Ok(i.merge(actor, file).await?)),
                p => p,
            },
        };
        let n = problems.len();
        Ok(Err((problems, n)))
    }

    /// Roll back (a bad row while reading).
    async fn abort(self) {
        if let Importer::Bulk(l) = self {
            l.abort().await;
        }
    }
}

/// Where each field of a kind sits in a row, looked up once per file.
struct Positions(Vec<Option<usize>>);

impl Positions {
    fn new(kind: ImportKind, map: &ColumnMap) -> Positions {
        Positions(
            kind.columns()
                .iter()
                .map(|(f, _)| map.position(f))
                .collect(),
        )
    }
    /// The cell of the `n`-th field of the kind (in `columns()` order), "" when absent.
    fn cell<'r>(&self, row: &'r [String], n: usize) -> &'r str {
        self.0[n]
            .and_then(|i| row.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

fn parse_row(
    kind: ImportKind,
    pos: &Positions,
    row: &[String],
    latest: chrono::DateTime<chrono::Utc>,
) -> Result<Rec, Vec<(String, String)>> {
    let g = |n: usize| pos.cell(row, n);
    let to_pairs = |errs: Vec<domain::FieldError>| {
        errs.into_iter()
            .map(|e| (e.field, e.reason))
            .collect::<Vec<_>>()
    };
    match kind {
        ImportKind::Customers => CustomerFields {
            external_id: g(0).into(),
            name: g(1).into(),
            phone: g(2).into(),
            email: g(3).into(),
            gender: g(4).into(),
            birthday: g(5).into(),
            important_dates: g(6).into(),
            region: g(7).into(),
            channel: g(8).into(),
            referred_by: g(9).into(),
            tags: g(10).into(),
            segment: g(11).into(),
            consent: g(12).into(),
            preferences: g(13).into(),
            contract_start: g(14).into(),
            contract_end: g(15).into(),
            category_spend: g(16).into(),
            lang: g(17).into(),
        }
        .parse()
        .map(Rec::C)
        .map_err(to_pairs),
        ImportKind::Transactions => TransactionInput {
            external_id: g(0),
            customer_id: g(1),
            occurred_at: g(2),
            amount: g(3),
            currency: g(4),
            channel: g(5),
            store: g(6),
            items: g(7),
            quantity: g(8),
            promotion: g(9),
            is_return: g(10),
        }
        .parse(latest)
        .map(Rec::T)
        .map_err(to_pairs),
    }
}

pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

impl App {
    /// Import a CSV or xlsx file all-or-nothing. On any bad row the error (code
    /// `import_rejected`) lists every bad row up to `error_limit` in `details.errors`, with the
    /// total in `details.error_count`, and the store is unchanged.
    pub async fn import_file(
        &self,
        actor: &Actor,
        kind: ImportKind,
        path: &Path,
        display: &str,
        opts: &ImportOptions,
        progress: ProgressFn,
    ) -> Result<ImportReport, AppError> {
        let job_id = self.create_import_job(actor, kind, display).await?;
        self.run_import_job(job_id, actor, kind, path, display, opts, progress)
            .await
    }

    /// Register an import job (status `running`) before its file is read.
    pub async fn create_import_job(
        &self,
        actor: &Actor,
        kind: ImportKind,
        display: &str,
    ) -> Result<i64, AppError> {
        actor.require(Permission::ImportData)?;
        Ok(self
            .store
            .create_import_job(kind.as_str(), display, &actor.username)
            .await?)
    }

    /// Run a registered import job to its end and record the outcome on the job.
    #[allow(clippy::too_many_arguments)]
    pub async fn run_import_job(
        &self,
        job_id: i64,
        actor: &Actor,
        kind: ImportKind,
        path: &Path,
        display: &str,
        opts: &ImportOptions,
        progress: ProgressFn,
    ) -> Result<ImportReport, AppError> {
        actor.require(Permission::ImportData)?;
        let result = self
            .run_import(actor, kind, path, display, opts, progress, job_id)
            .await;
        self.jobs.finish(crate::jobs::JobKind::Import, job_id);
        match &result {
            Ok(r) => {
                if kind == ImportKind::Transactions {
                    // Purchases, maybe back-dated: whether complainants came back may change.
                    *self.recovery_cache.lock().expect("cache") = None;
                }
                self.store
                    .finish_import_job(job_id, "done", r.counts, 0, &json!([]))
                    .await?;
            }
            Err(e) => {
                let count = e
                    .details
                    .get("error_count")
                    .and_then(|c| c.as_i64())
                    .unwrap_or(1);
                let errors = e
                    .details
                    .get("errors")
                    .cloned()
                    .unwrap_or_else(|| json!([{"reason": e.message}]));
                self.store
                    .finish_import_job(job_id, "rejected", ImportCounts::default(), count, &errors)
                    .await?;
            }
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn run_import(
        &self,
        actor: &Actor,
        kind: ImportKind,
        path: &Path,
        display: &str,
        opts: &ImportOptions,
        progress: ProgressFn,
        job_id: i64,
    ) -> Result<ImportReport, AppError> {
        let lang = actor.lang;
        let reject = |errors: Vec<RowError>, count: usize| {
            super::table::rows_rejected(ErrorCode::ImportRejected, lang, display, errors, count)
        };
        let reader = if columnar::is_parquet(&path.to_string_lossy()) {
            super::lake::open(path, display)
        } else {
            TableReader::open(path, display, opts.encoding)
        }
        .map_err(|e| reject(vec![e], 1))?;
        let map = ColumnMap::new(
            display,
            &reader.headers,
            kind.columns(),
            kind.required(),
            &opts.map,
        )
        .map_err(|e| {
            let n = e.len();
            reject(e, n)
        })?;
        let present: Present = match kind {
            ImportKind::Customers => CUSTOMER_OPTIONAL
                .iter()
                .copied()
                .filter(|c| map.has(c))
                .collect(),
            ImportKind::Transactions => TRANSACTION_OPTIONAL
                .iter()
                .copied()
                .filter(|c| map.has(c))
                .collect(),
        };
        let headers = reader.headers.clone();
        let header_names = headers.clone();
        let ignored = map.ignored.clone();
        let encoding = reader.encoding;
        let total = reader.total;
        let mut importer = match kind {
            ImportKind::Customers => Importer::C(self.store.begin_customer_import(present).await?),
            ImportKind::Transactions => Importer::Bulk(self.store.start_transaction_load(
                present,
                &actor.username,
                display,
                opts.error_limit,
            )?),
        };

        // The reader thread: decode + validate, in batches.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<ReadBatch>(8);
        let file = display.to_string();
        let reader_thread = std::thread::spawn(move || {
            let mut reader = reader;
            let pos = Positions::new(kind, &map);
            let latest = latest_allowed();
            let mut clean = true;
            let fresh = || ReadBatch {
                good: Good::new(kind),
                rows: 0,
                bad: Vec::new(),
                done: 0,
            };
            let mut batch = fresh();
            while let Some(row) = reader.next_row() {
                batch.rows += 1;
                let item = row.map_err(|e| vec![e]).and_then(|line| {
                    parse_row(kind, &pos, reader.cells(), latest)
                        .map(|r| (line, r))
                        .map_err(|errs| {
                            errs.into_iter()
                                .map(|(field, reason)| RowError {
                                    file: file.clone(),
                                    line,
                                    column: map
                                        .column_name(&headers, &field)
                                        .unwrap_or(&field)
                                        .to_string(),
                                    reason,
                                })
                                .collect()
                        })
                });
                match item {
                    Ok((line, r)) if clean => batch.good.push(line, r),
                    Ok(_) => {}
                    Err(errs) => {
                        clean = false;
                        batch.bad.push(errs);
                    }
                }
                if batch.rows as usize >= BATCH {
                    batch.done = reader.done();
                    if tx
                        .blocking_send(std::mem::replace(&mut batch, fresh()))
                        .is_err()
                    {
                        return map;
                    }
                }
            }
            batch.done = reader.done();
            let _ = tx.blocking_send(batch);
            map
        });

        let mut errors: Vec<RowError> = Vec::new();
        let mut error_count = 0usize;
        let mut rows = 0u64;
        while let Some(batch) = rx.recv().await {
            rows += batch.rows;
            for errs in batch.bad {
                error_count += 1;
                for e in errs {
                    if errors.len() < opts.error_limit {
                        errors.push(e);
                    }
                }
            }
            if error_count == 0 && !batch.good.is_empty() {
                importer.stage(batch.good).await?;
            }
            let p = Progress {
                stage: "reading".into(),
                done: batch.done,
                total,
            };
            self.jobs
                .set(crate::jobs::JobKind::Import, job_id, p.clone());
            progress(&p);
        }
        let map = reader_thread
            .join()
            .map_err(|_| AppError::internal("the reader thread failed"))?;
        if rows == 0 {
            importer.abort().await;
            return Err(reject(
                vec![RowError {
                    file: display.into(),
                    line: 1,
                    column: String::new(),
                    reason: "the file has a header but no rows".into(),
                }],
                1,
            ));
        }
        if error_count > 0 {
            importer.abort().await;
            errors.sort_by_key(|e| e.line);
            return Err(reject(errors, error_count));
        }
        let p = Progress {
            stage: "checking".into(),
            done: total,
            total,
        };
        self.jobs
            .set(crate::jobs::JobKind::Import, job_id, p.clone());
        progress(&p);
        let counts = match importer
            .finish(opts.error_limit as i64, &actor.username, display)
            .await?
        {
            Ok(counts) => counts,
            Err((problems, total)) => {
                let errors = problems
                    .into_iter()
                    .map(|pr| RowError {
                        file: display.into(),
                        line: pr.line,
                        column: map
                            .column_name(&header_names, &pr.field)
                            .unwrap_or(&pr.field)
                            .to_string(),
                        reason: pr.reason,
                    })
                    .collect();
                return Err(reject(errors, total));
            }
        };
        self.forget_total();
        if counts.inserted + counts.updated > 10_000 {
            // Statistics only; a failure here does not undo the committed import.
            if let Err(e) = self.store.analyze().await {
                tracing::warn!("analyze after import: {e}");
            }
        }
        Ok(ImportReport {
            job_id,
            kind,
            file: display.into(),
            encoding,
            counts,
            ignored_columns: ignored,
        })
    }

    /// Start receiving an uploaded file (API or web) into a private temporary file; its
    /// extension (csv or xlsx) is taken from `name`.
    pub async fn begin_upload(&self, actor: &Actor, name: &str) -> Result<Upload, AppError> {
        actor.require(Permission::ImportData)?;
        let ext = Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("csv")
            .to_ascii_lowercase();
        let dir = std::env::temp_dir().join("fidelis-uploads");
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(AppError::internal)?;
        let path = dir.join(format!("{}.{ext}", crate::access::new_secret().0));
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(AppError::internal)?;
        Ok(Upload {
            path,
            file,
            name: name.to_string(),
        })
    }

    /// Register an import job for a received upload and run it in the background; the file is
    /// removed when the job ends. The handle gives the outcome (the job record has it too).
    pub async fn spawn_upload_import(
        &self,
        actor: &Actor,
        kind: ImportKind,
        mut upload: Upload,
        opts: ImportOptions,
    ) -> Result<(i64, tokio::task::JoinHandle<Result<ImportReport, AppError>>), AppError> {
        use tokio::io::AsyncWriteExt;
        upload.file.flush().await.map_err(AppError::internal)?;
        let path = std::mem::take(&mut upload.path);
        let name = std::mem::take(&mut upload.name);
        drop(upload);
        let job_id = self.create_import_job(actor, kind, &name).await?;
        let (app, actor) = (self.clone(), actor.clone());
        let quiet: ProgressFn = Arc::new(|_| {});
        let task = tokio::spawn(async move {
            let r = app
                .run_import_job(job_id, &actor, kind, &path, &name, &opts, quiet)
                .await;
            let _ = tokio::fs::remove_file(&path).await;
            r
        });
        Ok((job_id, task))
    }

    /// Export all customers or transactions to CSV or xlsx (by the file's extension).
    pub async fn export_file(
        &self,
        actor: &Actor,
        kind: ExportKind,
        path: &Path,
        encoding: Encoding,
    ) -> Result<u64, AppError> {
        actor.require(Permission::ExportAll)?;
        let headers: Vec<&str> = kind.columns().iter().map(|(f, _)| *f).collect();
        let mut w = ExportSink::create(path, &headers, encoding)
            .map_err(|e| AppError::field(actor.lang, "output", e))?;
        let mut failure: Option<String> = None;
        let n = match kind {
            ImportKind::Customers => {
                self.store
                    .for_each_customer(|c| {
                        if failure.is_none() {
                            let row = vec![
                                c.external_id,
                                c.name,
                                c.phone,
                                c.email,
                                c.gender,
                                c.birthday,
                                c.important_dates,
                                c.region,
                                c.channel,
                                c.referred_by,
                                c.tags,
                                c.segment,
                                c.consent,
                                c.preferences,
                                c.contract_start,
                                c.contract_end,
                                c.category_spend,
                                c.lang,
                            ];
                            failure = w.write_row(&row).err();
                        }
                    })
                    .await?
            }
            ImportKind::Transactions => {
                self.store
                    .for_each_transaction(|t| {
                        if failure.is_none() {
                            let row = vec![
                                t.external_id,
                                t.customer_external_id,
                                t.occurred_at,
                                t.amount,
                                t.currency,
                                t.channel,
                                t.store,
                                t.items,
                                t.quantity.to_string(),
                                domain::customers::flag(t.promotion).into(),
                                domain::customers::flag(t.is_return).into(),
                            ];
                            failure = w.write_row(&row).err();
                        }
                    })
                    .await?
            }
        };
        if let Some(f) = failure {
            let _ = std::fs::remove_file(path);
            return Err(AppError::field(actor.lang, "output", f));
        }
        w.finish()
            .map_err(|e| AppError::field(actor.lang, "output", e))?;
        self.store
            .audit(
                &actor.username,
                "export",
                kind.as_str(),
                &path.display().to_string(),
                &format!("{n} rows"),
            )
            .await?;
        Ok(n)
    }
}

/// Where an export goes: a CSV or xlsx table, or a Parquet file with the transactions' times,
/// amounts and quantities typed.
enum ExportSink {
    Table(TableWriter),
    Parquet(Box<super::lake::ParquetTable>),
}

impl ExportSink {
    fn create(path: &Path, headers: &[&str], encoding: Encoding) -> Result<ExportSink, String> {
        if columnar::is_parquet(&path.to_string_lossy()) {
            use columnar::Kind;
            let columns: Vec<(&str, Kind)> = headers
                .iter()
                .map(|&h| {
                    let kind = match h {
                        "occurred_at" => Kind::Instant,
                        "amount" => Kind::Money,
                        "quantity" => Kind::Int,
                        _ => Kind::Text,
                    };
                    (h, kind)
                })
                .collect();
            return Ok(ExportSink::Parquet(Box::new(
                super::lake::ParquetTable::create(path, &columns)?,
            )));
        }
        Ok(ExportSink::Table(TableWriter::create(
            path,
            headers,
            &["amount", "quantity"],
            encoding,
        )?))
    }

    fn write_row(&mut self, row: &[String]) -> Result<(), String> {
        match self {
            ExportSink::Table(w) => w.write_row(row),
            ExportSink::Parquet(w) => w.write_row(row),
        }
    }

    fn finish(self) -> Result<(), String> {
        match self {
            ExportSink::Table(w) => w.finish(),
            ExportSink::Parquet(w) => w.finish().map(|_| ()),
        }
    }
}
