//! Reading saved analysis runs: the latest results for the pages and the API, one customer's
//! values for the profile, the valuable customers at risk, and the per-customer export.

use super::store::CLV_RUN;
use crate::customers::table::{Encoding, TableWriter};
use crate::error::AppError;
use crate::jobs::{JobKind, Progress};
use crate::{Actor, App};
use domain::access::Permission;
use storage::churn::{AnalysisRun, CustomerValueRow};

/// Columns of the per-customer export (the file analysis's columns plus name and churn flags).
pub const EXPORT_COLUMNS: &[&str] = &[
    "customer_id",
    "name",
    "frequency",
    "recency",
    "T",
    "monetary",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "p_alive",
    "expected_purchases",
    "expected_spend",
    "clv",
    "churned_p_alive",
    "churned_inactivity",
    "first_purchase",
    "last_purchase",
    "total_spend",
];

/// A downloadable file: bytes, content type and file name.
pub struct Download {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub file_name: String,
}

/// `csv` (UTF-8 with BOM), `csv-gb18030` or `xlsx`.
pub fn export_format(format: &str) -> Result<(&'static str, Encoding, &'static str), String> {
    match format {
        "" | "csv" => Ok(("csv", Encoding::Utf8, "text/csv; charset=utf-8")),
        "csv-gb18030" | "gb18030" => Ok(("csv", Encoding::Gb18030, "text/csv; charset=gb18030")),
        "xlsx" => Ok((
            "xlsx",
            Encoding::Utf8,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )),
        other => Err(format!(
            "unknown format '{other}' (expected csv, csv-gb18030 or xlsx)"
        )),
    }
}

/// A file being written row by row (an export of any size: only the file grows, not memory),
/// read back as a download when finished.
pub struct FileExport {
    path: std::path::PathBuf,
    writer: TableWriter,
    failure: Option<String>,
    content_type: &'static str,
    file_name: String,
}

impl FileExport {
    pub fn create(
        file_stem: &str,
        headers: &[&str],
        numeric: &[&str],
        format: &str,
    ) -> Result<FileExport, String> {
        let (ext, encoding, content_type) = export_format(format)?;
        let dir = std::env::temp_dir().join("fidelis-exports");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let path = dir.join(format!("{}.{ext}", crate::access::new_secret().0));
        let writer =
            TableWriter::create(&path, headers, numeric, encoding).map_err(|e| e.to_string())?;
        Ok(FileExport {
            path,
            writer,
            failure: None,
            content_type,
            file_name: format!("{file_stem}.{ext}"),
        })
    }

    /// Write a row (after a failure, nothing more is written and `finish` reports it).
    pub fn row(&mut self, values: &[String]) {
        if self.failure.is_none() {
            self.failure = self.writer.write_row(values).err();
        }
    }

    /// Finish and move the file to `dest` (copied where a rename cannot cross file systems).
    pub fn finish_to(self, dest: &std::path::Path) -> Result<(), String> {
        let FileExport {
            path,
            writer,
            failure,
            ..
        } = self;
        let r = match failure {
            Some(e) => Err(e),
            None => writer.finish().map_err(|e| e.to_string()).and_then(|_| {
                std::fs::rename(&path, dest)
                    .or_else(|_| std::fs::copy(&path, dest).map(|_| ()))
                    .map_err(|e| e.to_string())
            }),
        };
        let _ = std::fs::remove_file(&path);
        r
    }

    pub fn finish(self) -> Result<Download, String> {
        let FileExport {
            path,
            writer,
            failure,
            content_type,
            file_name,
        } = self;
        let bytes = match failure {
            Some(e) => Err(e),
            None => writer
                .finish()
                .map_err(|e| e.to_string())
                .and_then(|_| std::fs::read(&path).map_err(|e| e.to_string())),
        };
        let _ = std::fs::remove_file(&path);
        Ok(Download {
            bytes: bytes?,
            content_type,
            file_name,
        })
    }
}

/// Rows already in memory (a results table, a wave's links) as a file in `format`.
pub fn rows_download(
    file_stem: &str,
    headers: &[&str],
    numeric: &[&str],
    rows: &[Vec<String>],
    format: &str,
) -> Result<Download, String> {
    let mut f = FileExport::create(file_stem, headers, numeric, format)?;
    for r in rows {
        f.row(r);
    }
    f.finish()
}

fn num(v: f64, digits: i32) -> String {
    let k = 10f64.powi(digits);
    format!("{}", (v * k).round() / k)
}

impl App {
    /// Runs, newest first (without summaries).
    pub async fn clv_runs(&self, actor: &Actor, limit: i64) -> Result<Vec<AnalysisRun>, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        Ok(self.store.analysis_runs(CLV_RUN, limit).await?)
    }

    /// One run with its summary, and its live progress while it runs in this process.
    pub async fn clv_run(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(AnalysisRun, Option<Progress>), AppError> {
        actor.require(Permission::ViewAnalytics)?;
        let run = self.store.analysis_run(id).await.map_err(|e| match e {
            storage::StoreError::NotFound => AppError::not_found(actor.lang, "analysis run"),
            e => e.into(),
        })?;
        let progress = self.jobs.get(JobKind::Analysis, id);
        Ok((run, progress))
    }

    /// The newest finished run, with its summary.
    pub async fn latest_clv(&self, actor: &Actor) -> Result<Option<AnalysisRun>, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        Ok(self.store.latest_analysis_run(CLV_RUN).await?)
    }

    /// A customer's values from the latest run (anyone who may see the customer).
    pub async fn customer_value(
        &self,
        actor: &Actor,
        customer_id: i64,
    ) -> Result<Option<CustomerValueRow>, AppError> {
        actor.require(Permission::ViewCustomers)?;
        Ok(self.store.customer_value(customer_id).await?)
    }

    /// Valuable customers the model thinks are slipping away (P(alive) under the run's churn
    /// threshold), by what they spent: the win-back list.
    pub async fn valuable_at_risk(
        &self,
        actor: &Actor,
        threshold: f64,
        limit: i64,
    ) -> Result<Vec<(i64, String, String, CustomerValueRow)>, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        Ok(self
            .store
            .valuable_at_risk(threshold, limit.clamp(1, 1000))
            .await?)
    }

    /// Every analysed customer's values (latest run), by descending CLV, as a file.
    pub async fn export_customer_values(
        &self,
        actor: &Actor,
        format: &str,
    ) -> Result<Download, AppError> {
        actor.require(Permission::ExportAll)?;
        let (ext, encoding, content_type) =
            export_format(format).map_err(|e| AppError::field(actor.lang, "format", e))?;
        let dir = std::env::temp_dir().join("fidelis-exports");
        std::fs::create_dir_all(&dir).map_err(AppError::internal)?;
        let path = dir.join(format!("{}.{ext}", crate::access::new_secret().0));
        let numeric = &EXPORT_COLUMNS[2..14];
        let mut w = TableWriter::create(&path, EXPORT_COLUMNS, numeric, encoding)
            .map_err(AppError::internal)?;
        let mut failure: Option<String> = None;
        self.store
            .for_each_customer_value(|external_id, name, v| {
                if failure.is_some() {
                    return;
                }
                let row = vec![
                    external_id.to_string(),
                    name.to_string(),
                    v.frequency.to_string(),
                    num(v.recency, 6),
                    num(v.age, 6),
                    num(v.monetary, 4),
                    v.rfm_r.to_string(),
                    v.rfm_f.to_string(),
                    v.rfm_m.to_string(),
                    num(v.p_alive, 6),
                    num(v.expected_purchases, 6),
                    num(v.expected_spend, 4),
                    num(v.clv, 4),
                    u8::from(v.churned_p_alive).to_string(),
                    u8::from(v.churned_inactivity).to_string(),
                    v.first_purchase,
                    v.last_purchase,
                    num(v.total_spend, 2),
                ];
                failure = w.write_row(&row).err();
            })
            .await?;
        let result = match failure {
            Some(e) => Err(AppError::internal(e)),
            None => w.finish().map_err(AppError::internal),
        }
        .and_then(|_| std::fs::read(&path).map_err(AppError::internal));
        let _ = std::fs::remove_file(&path);
        Ok(Download {
            bytes: result?,
            content_type,
            file_name: format!("customer-values.{ext}"),
        })
    }
}
