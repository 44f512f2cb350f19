//! The scheduler and the executor Fidelis ships: Apache Ballista's own scheduler and executor
//! libraries, started from the fidelis binary so that every process of a cluster runs the same
//! Ballista and DataFusion build (plans travel between them as datafusion-proto) and knows
//! Fidelis's functions.

use crate::functions::{aggregate_functions, scalar_functions};
use anyhow::{anyhow, Context, Result};
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::execution::FunctionRegistry;
use std::net::SocketAddr;
use std::sync::Arc;

/// Run a scheduler on `bind` (host:port) until the process is stopped. An executor silent for
/// `executor_timeout` seconds (executors send a heartbeat every 5 s) counts as lost: its tasks
/// run again elsewhere (Ballista's default waits three minutes).
pub async fn run_scheduler(bind: &str, executor_timeout: u64) -> Result<()> {
    crate::logs::init();
    let addr: SocketAddr = bind
        .parse()
        .with_context(|| format!("--bind {bind}: expected HOST:PORT, e.g. 127.0.0.1:50050"))?;
    let config = SchedulerConfig {
        bind_host: addr.ip().to_string(),
        bind_port: addr.port(),
        external_host: addr.ip().to_string(),
        executor_timeout_seconds: executor_timeout.max(10),
        expire_dead_executor_interval_seconds: 2,
        no_executors_grace_period_seconds: executor_timeout.max(10),
        override_session_builder: Some(Arc::new(|config| {
            let mut state = ballista_core::utils::default_session_builder(config)?;
            for f in scalar_functions() {
                state.register_udf(f)?;
            }
            for f in aggregate_functions() {
                state.register_udaf(f)?;
            }
            Ok(state)
        })),
        ..Default::default()
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| anyhow!("scheduler: {e}"))?;
    eprintln!(
        "fidelis cluster scheduler listening on {addr} (Ballista {})",
        ballista_core::BALLISTA_VERSION
    );
    start_server(cluster, addr, Arc::new(config))
        .await
        .map_err(|e| anyhow!("scheduler: {e}"))
}

/// An executor's settings.
pub struct ExecutorOptions {
    /// The scheduler's HOST:PORT.
    pub scheduler: String,
    /// Address to listen on (Arrow Flight on `port`, gRPC on `grpc_port`).
    pub bind: String,
    pub port: u16,
    pub grpc_port: u16,
    /// Shuffle files go here (default: a directory under the system's temporary one).
    pub work_dir: Option<String>,
    /// Tasks run at once.
    pub vcores: usize,
    /// Memory for the tasks, in bytes (Ballista's default is 70 % of the host's: set it per
    /// executor when several share a machine).
    pub memory: Option<u64>,
}

/// Run an executor until the process is stopped.
pub async fn run_executor(o: ExecutorOptions) -> Result<()> {
    crate::logs::init();
    let (host, port) = o
        .scheduler
        .rsplit_once(':')
        .and_then(|(h, p)| p.parse::<u16>().ok().map(|p| (h.to_string(), p)))
        .ok_or_else(|| anyhow!("--scheduler {}: expected HOST:PORT", o.scheduler))?;
    let mut registry = BallistaFunctionRegistry::default();
    for f in scalar_functions() {
        registry.scalar_functions.insert(f.name().to_string(), f);
    }
    for f in aggregate_functions() {
        registry.aggregate_functions.insert(f.name().to_string(), f);
    }
    let config = ExecutorProcessConfig {
        bind_host: o.bind.clone(),
        external_host: Some(o.bind.clone()),
        port: o.port,
        grpc_port: o.grpc_port,
        scheduler_host: host,
        scheduler_port: port,
        scheduler_connect_timeout_seconds: 10,
        vcores: o.vcores.max(1),
        work_dir: o.work_dir.clone(),
        memory_pool_size: o.memory,
        executor_heartbeat_interval_seconds: 5,
        override_function_registry: Some(Arc::new(registry)),
        ..Default::default()
    };
    eprintln!(
        "fidelis cluster executor {}:{} (scheduler {}), {} task(s) at once",
        o.bind, o.port, o.scheduler, config.vcores
    );
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| anyhow!("executor: {e}"))
}
