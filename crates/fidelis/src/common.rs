//! What every subcommand shares: where the store is, opening it, the user's language for
//! messages, errors as a person reads them, and progress bars.

use anyhow::{anyhow, Result};
use app::{App, AppError};
use clap::Args;
use domain::Lang;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Args, Clone)]
pub(crate) struct StoreArgs {
    /// Directory for the embedded SQLite store.
    #[arg(
        long,
        global = true,
        env = "FIDELIS_DATA_DIR",
        default_value = "./fidelis-data"
    )]
    pub(crate) data_dir: PathBuf,
    /// PostgreSQL URL (postgres://user@host/db); overrides --data-dir.
    #[arg(long, global = true, env = "FIDELIS_DATABASE_URL")]
    pub(crate) database_url: Option<String>,
}

pub(crate) fn lang() -> Lang {
    let l = std::env::var("LC_ALL")
        .or_else(|_| std::env::var("LANG"))
        .unwrap_or_default();
    Lang::from_accept(&l.replace('_', "-"))
}

/// Pick the message in the user's language.
pub(crate) fn say(en: &str, zh: &str) -> String {
    match lang() {
        Lang::En => en.to_string(),
        Lang::ZhCn => zh.to_string(),
    }
}

pub(crate) async fn open(s: &StoreArgs) -> Result<App> {
    App::open(s.database_url.as_deref(), &s.data_dir)
        .await
        .map_err(|e| anyhow!("{}", e.localized(lang())))
}

pub(crate) fn app_err(e: AppError) -> anyhow::Error {
    let e = e.localized(lang());
    let mut msg = format!("error [{}]: {}", e.code.code(), e.message);
    if let Some(errors) = e.details.get("errors").and_then(|v| v.as_array()) {
        msg.push('\n');
        for r in errors {
            let col = r["column"].as_str().unwrap_or("");
            msg.push_str(&format!(
                "  {}:{}{}: {}\n",
                r["file"].as_str().unwrap_or(""),
                r["line"],
                if col.is_empty() {
                    String::new()
                } else {
                    format!(": column {col}")
                },
                r["reason"].as_str().unwrap_or("")
            ));
        }
        if let Some(n) = e.details.get("error_count").and_then(|v| v.as_u64()) {
            if n as usize > errors.len() {
                msg.push_str(&format!("  … {} more\n", n as usize - errors.len()));
            }
        }
    } else if let Some(fields) = e.details.get("fields").and_then(|v| v.as_array()) {
        for f in fields {
            msg.push_str(&format!(
                "\n  {}: {}",
                f["field"].as_str().unwrap_or(""),
                f["reason"].as_str().unwrap_or("")
            ));
        }
    }
    anyhow!(msg)
}

pub(crate) fn bar(total: u64, bytes: bool) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(total);
    let tmpl = if bytes {
        "{msg:10} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
    } else {
        "{msg:10} [{bar:40}] {pos}/{len} eta {eta}"
    };
    pb.set_style(
        ProgressStyle::with_template(tmpl)
            .unwrap()
            .progress_chars("=> "),
    );
    pb
}
