//! `fidelis cluster scheduler|executor` and `analyze clv --cluster`: an Apache Ballista cluster
//! for the customer-base analytics (issue 21). Built with the `cluster` feature
//! (`cargo build --release --features cluster`); without it the commands say so.

use anyhow::{anyhow, Result};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ClusterCommand {
    /// Run the scheduler (Ballista's, with Fidelis's functions) until stopped.
    Scheduler {
        /// Address to listen on, HOST:PORT.
        #[arg(long, default_value = "127.0.0.1:50050")]
        bind: String,
        /// Seconds without a heartbeat (executors send one every 5 s) after which an executor
        /// counts as lost and its tasks run again on the others.
        #[arg(long, default_value_t = 15)]
        executor_timeout: u64,
    },
    /// Run an executor (Ballista's, with Fidelis's functions) until stopped.
    Executor {
        /// The scheduler, HOST:PORT.
        #[arg(long, default_value = "127.0.0.1:50050")]
        scheduler: String,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Arrow Flight port (shuffle data).
        #[arg(long, default_value_t = 50051)]
        port: u16,
        /// gRPC port.
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// Directory for shuffle files (default: under the system's temporary directory).
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// Tasks at once.
        #[arg(long, default_value_t = 2)]
        vcores: usize,
        /// Memory for the tasks, e.g. 2GiB, 512MiB (default: Ballista's, 70 % of the host's —
        /// set it when several executors share a machine).
        #[arg(long)]
        memory: Option<String>,
    },
}

/// `2GiB`, `512MiB`, `3GB`, `1000000` → bytes.
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
pub fn parse_bytes(s: &str) -> Result<u64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| anyhow!("--memory {s}: expected a size such as 2GiB or 512MiB"))?;
    let k = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(anyhow!(
                "--memory {s}: unknown unit '{unit}' (B, KiB, MiB, GiB, KB, MB, GB)"
            ))
        }
    };
    Ok((n * k) as u64)
}

#[cfg(not(feature = "cluster"))]
fn without() -> anyhow::Error {
    anyhow!(
        "this fidelis was built without cluster support: build it with `cargo build --release --features cluster`"
    )
}

pub async fn run(cmd: ClusterCommand) -> Result<()> {
    #[cfg(not(feature = "cluster"))]
    {
        let _ = cmd;
        Err(without())
    }
    #[cfg(feature = "cluster")]
    match cmd {
        ClusterCommand::Scheduler {
            bind,
            executor_timeout,
        } => fidelis_cluster::process::run_scheduler(&bind, executor_timeout).await,
        ClusterCommand::Executor {
            scheduler,
            bind,
            port,
            grpc_port,
            work_dir,
            vcores,
            memory,
        } => {
            let memory = memory.as_deref().map(parse_bytes).transpose()?;
            fidelis_cluster::process::run_executor(fidelis_cluster::process::ExecutorOptions {
                scheduler,
                bind,
                port,
                grpc_port,
                work_dir: work_dir.map(|d| d.display().to_string()),
                vcores,
                memory,
            })
            .await
        }
    }
}

/// What `analyze clv --cluster` hands over.
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
pub struct ClusterRun {
    pub scheduler: String,
    pub transactions: PathBuf,
    pub output: PathBuf,
    pub columns: Vec<(String, String)>,
    pub date_format: Option<String>,
    pub options: analytics::clv::ClvOptions,
    pub calibration_end: Option<i64>,
    pub partitions: usize,
}

/// Run the analysis on the cluster; the summary.
pub async fn analyze_clv(r: ClusterRun) -> Result<serde_json::Value> {
    #[cfg(not(feature = "cluster"))]
    {
        let _ = r;
        Err(without())
    }
    #[cfg(feature = "cluster")]
    {
        use crate::common::{app_err, lang};
        let display = r.transactions.display().to_string();
        let (files, columns) =
            app::churn::parquet::checked_input(&r.transactions, &display, &r.columns, lang())
                .map_err(app_err)?;
        let absolute = |p: &std::path::Path| -> Result<PathBuf> {
            Ok(if p.is_absolute() {
                p.to_path_buf()
            } else {
                std::env::current_dir()?.join(p)
            })
        };
        let files = files
            .iter()
            .map(|f| absolute(f))
            .collect::<Result<Vec<_>>>()?;
        let job = fidelis_cluster::clv::ClusterJob {
            scheduler: r.scheduler,
            files,
            columns,
            date_format: r.date_format,
            options: r.options,
            calibration_end: r.calibration_end,
            output: absolute(&r.output)?,
            partitions: r.partitions,
        };
        fidelis_cluster::clv::run(&job, &|s| eprintln!("{s}")).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes() {
        assert_eq!(super::parse_bytes("2GiB").unwrap(), 2 << 30);
        assert_eq!(super::parse_bytes("512MiB").unwrap(), 512 << 20);
        assert_eq!(super::parse_bytes("1.5GB").unwrap(), 1_500_000_000);
        assert!(super::parse_bytes("lots").is_err());
    }
}
