//! `fidelis analyze clv --cluster df://HOST:PORT`: customer lifetime value with the heavy work
//! on a Ballista cluster and only small tables in the driver (issue 21 §2):
//!
//! 1. executors: every purchase to (customer, day, amount) with Fidelis's functions, checked;
//!    per customer `fidelis_customer` (the single-machine summary code) — written as Parquet
//!    under the job's work directory;
//! 2. executors: the distinct (x, t_x, T) with their counts and the distinct (x, z̄) with theirs;
//! 3. driver: the BG/NBD and Gamma-Gamma fits (the single-machine fitting code, on weighted
//!    rows) and the per-triple predictions, written as a small Parquet table every executor
//!    reads;
//! 4. executors: the predictions joined back to every customer, spend, CLV, RFM scores and
//!    churn flags, written as Parquet; then the summary's aggregates.
//!
//! Everything is written under `OUTPUT.partial-…` and moved to `OUTPUT` only when the job has
//! succeeded; a failed job removes it, so nothing partial looks complete.

use crate::faults;
use analytics::bgnbd::{BgNbd, Triples};
use analytics::clv::{predict_triples, ClvOptions};
use analytics::gamma_gamma::GammaGamma;
use anyhow::{anyhow, bail, Context, Result};
use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type, TimeUnit, UInt64Type};
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What a cluster run needs.
pub struct ClusterJob {
    /// df://HOST:PORT
    pub scheduler: String,
    /// The input's files (absolute paths every executor can read).
    pub files: Vec<PathBuf>,
    /// Column names of the customer id, the date and the amount.
    pub columns: [String; 3],
    /// chrono format of a text date column.
    pub date_format: Option<String>,
    /// The options; `calibration_end` None: the last purchase day.
    pub options: ClvOptions,
    pub calibration_end: Option<i64>,
    /// The directory the results go to (must not exist yet).
    pub output: PathBuf,
    /// Partitions of each stage.
    pub partitions: usize,
}

/// Say what is happening (for the CLI's progress lines).
pub type Say<'a> = &'a (dyn Fn(&str) + Sync);

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// An f64 as a SQL float literal that reads back to the same bits.
fn lit(v: f64) -> String {
    format!("{v:?}")
}

fn floor_div(v: &str, d: i64) -> String {
    format!(
        "(CASE WHEN {v} >= 0 THEN {v} / {d} ELSE ({v} - {}) / {d} END)",
        d - 1
    )
}

/// The rows of a query (done again when an executor is lost, see [`faults`]).
async fn rows(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>> {
    faults::again("a query", |_| async {
        let df = ctx.sql(sql).await.map_err(|e| e.to_string())?;
        df.collect().await.map_err(|e| e.to_string())
    })
    .await
}

fn i64_at(b: &[RecordBatch], col: usize) -> Option<i64> {
    let b = b.iter().find(|b| b.num_rows() > 0)?;
    let a = b.column(col);
    if a.is_null(0) {
        return None;
    }
    match a.data_type() {
        DataType::Int64 => Some(a.as_primitive::<Int64Type>().value(0)),
        DataType::UInt64 => Some(a.as_primitive::<UInt64Type>().value(0) as i64),
        _ => datafusion::arrow::compute::cast(a, &DataType::Int64)
            .ok()
            .map(|c| c.as_primitive::<Int64Type>().value(0)),
    }
}

fn f64_at(b: &[RecordBatch], col: usize) -> Option<f64> {
    let b = b.iter().find(|b| b.num_rows() > 0)?;
    let a = datafusion::arrow::compute::cast(b.column(col), &DataType::Float64).ok()?;
    (!a.is_null(0)).then(|| a.as_primitive::<Float64Type>().value(0))
}

/// Every row of a small result as (i64 | f64) columns, cast to f64.
fn table(b: &[RecordBatch]) -> Result<Vec<Vec<f64>>> {
    let mut out = Vec::new();
    for batch in b {
        let cols: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| datafusion::arrow::compute::cast(c, &DataType::Float64))
            .collect::<Result<_, _>>()?;
        for i in 0..batch.num_rows() {
            out.push(
                cols.iter()
                    .map(|c| c.as_primitive::<Float64Type>().value(i))
                    .collect(),
            );
        }
    }
    Ok(out)
}

/// The session: Ballista's, with Fidelis's functions known to the client too.
async fn connect(scheduler: &str, partitions: usize) -> Result<SessionContext> {
    // Ballista 55's adaptive planner resets a lost executor's finished map tasks but never
    // runs them again (the job then waits forever, measured here by killing an executor
    // mid-job); the static planner runs them on the executors left.
    let config = SessionConfig::new_with_ballista()
        .with_ballista_adaptive_query_planner(false)
        .with_target_partitions(partitions.max(1))
        .with_ballista_job_name("fidelis analyze clv");
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .build();
    let ctx = SessionContext::remote_with_state(scheduler, state)
        .await
        .map_err(|e| anyhow!("the scheduler at {scheduler}: {e}"))?;
    // After the upgrade to a Ballista session (which sets its own function lists).
    for f in crate::functions::scalar_functions() {
        ctx.register_udf(f.as_ref().clone());
    }
    for f in crate::functions::aggregate_functions() {
        ctx.register_udaf(f.as_ref().clone());
    }
    // Ask something small first: an unreachable scheduler is said within seconds, not hung on.
    let probe = tokio::time::timeout(Duration::from_secs(10), rows(&ctx, "SELECT 1")).await;
    match probe {
        Err(_) => bail!("the scheduler at {scheduler} did not answer within 10 s"),
        Ok(Err(e)) => bail!("the scheduler at {scheduler} cannot be used: {e}"),
        Ok(Ok(_)) => Ok(ctx),
    }
}

/// Writing a stage's rows as Parquet on the executors, once per customer.
struct Stage<'a> {
    ctx: &'a SessionContext,
    /// Customers expected.
    n: i64,
}

impl Stage<'_> {
    /// Write the rows of `sql` (one per customer, `id` naming them) under a new directory
    /// `base-K` and register them as `table`; the directory. When an executor is lost, Ballista
    /// runs its tasks again on the others — including writing tasks that had finished, whose
    /// files stay: the customers then come twice (measured: 480,325 rows for 360,000). So a
    /// write is checked to hold every customer exactly once, and otherwise done again (see
    /// [`faults`]).
    async fn write_whole(
        &self,
        sql: &str,
        base: &Path,
        table: &str,
        id: &str,
        what: &str,
    ) -> Result<PathBuf> {
        let name = base
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let n = self.n;
        faults::again(what, |attempt| {
            // A new directory each time: a late task of the attempt before cannot mix in.
            let path = base.with_file_name(format!("{name}-{attempt}"));
            async move {
                let failed = |e: String| {
                    let _ = std::fs::remove_dir_all(&path);
                    e
                };
                self.ctx
                    .sql(sql)
                    .await
                    .map_err(|e| failed(e.to_string()))?
                    .write_parquet(
                        &path.display().to_string(),
                        DataFrameWriteOptions::new(),
                        None,
                    )
                    .await
                    .map_err(|e| failed(e.to_string()))?;
                let _ = self.ctx.deregister_table(table);
                self.ctx
                    .register_parquet(
                        table,
                        &path.display().to_string(),
                        ParquetReadOptions::default(),
                    )
                    .await
                    .map_err(|e| failed(e.to_string()))?;
                let c = rows(
                    self.ctx,
                    &format!("SELECT COUNT(*), COUNT(DISTINCT {id}) FROM {table}"),
                )
                .await
                .map_err(|e| failed(e.to_string()))?;
                let (written, distinct) = (i64_at(&c, 0).unwrap_or(0), i64_at(&c, 1).unwrap_or(0));
                if written == n && distinct == n {
                    return Ok(path);
                }
                Err(failed(format!(
                    "the executors wrote {written} rows of {what} for {distinct} customers, {n} \
                     expected: a task ran twice or not at all"
                )))
            }
        })
        .await
    }
}

/// Run the job; the summary as JSON. On any failure the partial output is removed.
pub async fn run(job: &ClusterJob, say: Say<'_>) -> Result<Value> {
    crate::logs::init();
    if job.output.exists() {
        bail!(
            "{} exists: name a new directory for the results (a run never writes into an old one)",
            job.output.display()
        );
    }
    let name = job
        .output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let partial = job
        .output
        .with_file_name(format!(".{name}.partial-{}", std::process::id()));
    std::fs::create_dir_all(partial.join("_work"))
        .with_context(|| format!("{}: cannot create it", partial.display()))?;
    let outcome = work(job, &partial, say).await;
    match outcome {
        Ok(summary) => {
            std::fs::remove_dir_all(partial.join("_work"))?;
            std::fs::rename(&partial, &job.output).with_context(|| {
                format!("{}: cannot move the results there", job.output.display())
            })?;
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            Err(e)
        }
    }
}

async fn work(job: &ClusterJob, dir: &Path, say: Say<'_>) -> Result<Value> {
    let started = Instant::now();
    let step = |what: &str| {
        say(&format!(
            "[{:>6.1} s] {what}",
            started.elapsed().as_secs_f64()
        ))
    };
    let ctx = connect(&job.scheduler, job.partitions).await?;
    step("connected");
    let files: Vec<String> = job.files.iter().map(|f| f.display().to_string()).collect();
    let all_parquet = files
        .iter()
        .all(|f| f.to_ascii_lowercase().ends_with(".parquet"));
    let read =
        ParquetReadOptions::default().file_extension(if all_parquet { ".parquet" } else { "" });
    let tx = ctx
        .read_parquet(files.clone(), read)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let schema = tx.schema().clone();
    ctx.register_table("tx", tx.into_view())?;
    let [id_col, date_col, amount_col] = &job.columns;
    let id_type = schema
        .field_with_unqualified_name(id_col)?
        .data_type()
        .clone();
    let date_type = schema
        .field_with_unqualified_name(date_col)?
        .data_type()
        .clone();
    let (id_q, date_q, amount_q) = (quote(id_col), quote(date_col), quote(amount_col));
    let id_expr = match id_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => format!("fidelis_id({id_q})"),
        _ => format!("CAST({id_q} AS VARCHAR)"),
    };
    let ms_day = 86_400_000;
    let day_expr = match date_type {
        DataType::Date32 => format!("CAST(CAST({date_q} AS INT) AS BIGINT)"),
        DataType::Date64 => floor_div(&format!("CAST({date_q} AS BIGINT)"), ms_day),
        DataType::Timestamp(unit, _) => {
            let per_day = match unit {
                TimeUnit::Second => 86_400,
                TimeUnit::Millisecond => ms_day,
                TimeUnit::Microsecond => ms_day * 1_000,
                TimeUnit::Nanosecond => ms_day * 1_000_000,
            };
            floor_div(&format!("CAST({date_q} AS BIGINT)"), per_day)
        }
        _ => match &job.date_format {
            Some(f) => format!("fidelis_day({date_q}, '{}')", f.replace('\'', "''")),
            None => format!("fidelis_day({date_q})"),
        },
    };
    let purchases = ctx
        .sql(&format!(
            "SELECT {id_expr} AS id, {day_expr} AS day, CAST({amount_q} AS DOUBLE) AS amount, \
             {date_q} AS raw_date, {amount_q} AS raw_amount FROM tx"
        ))
        .await?;
    ctx.register_table("purchases", purchases.into_view())?;

    // 1. Every row checked, as a file's rows are: nothing is written when one is bad.
    let check = rows(
        &ctx,
        "SELECT COUNT(*), \
           SUM(CASE WHEN id IS NULL OR id = '' THEN 1 ELSE 0 END), \
           SUM(CASE WHEN day IS NULL THEN 1 ELSE 0 END), \
           SUM(CASE WHEN amount IS NULL OR isnan(amount) OR amount < 0 \
                 OR amount > 1.7976931348623157e308 THEN 1 ELSE 0 END), \
           MIN(day), MAX(day) FROM purchases",
    )
    .await?;
    let n_rows = i64_at(&check, 0).unwrap_or(0);
    if n_rows == 0 {
        bail!("{}: no purchases in the input", files.join(", "));
    }
    let (no_id, no_day, bad_amount) = (
        i64_at(&check, 1).unwrap_or(0),
        i64_at(&check, 2).unwrap_or(0),
        i64_at(&check, 3).unwrap_or(0),
    );
    if no_id + no_day + bad_amount > 0 {
        let mut reasons = Vec::new();
        if no_id > 0 {
            reasons.push(format!(
                "{no_id} rows have no customer id (column '{id_col}')"
            ));
        }
        if no_day > 0 {
            let ex = rows(
                &ctx,
                "SELECT CAST(raw_date AS VARCHAR) FROM purchases WHERE day IS NULL LIMIT 3",
            )
            .await?;
            reasons.push(format!(
                "{no_day} rows have no date or one that is not a date (column '{date_col}'; e.g. {})",
                examples(&ex)
            ));
        }
        if bad_amount > 0 {
            let ex = rows(&ctx, "SELECT CAST(raw_amount AS VARCHAR) FROM purchases WHERE amount IS NULL OR isnan(amount) OR amount < 0 LIMIT 3").await?;
            reasons.push(format!(
                "{bad_amount} rows have no amount or one below zero (column '{amount_col}'; e.g. {})",
                examples(&ex)
            ));
        }
        bail!(
            "the input was refused, nothing was written: {}",
            reasons.join("; ")
        );
    }
    let (first_day, last_day) = (
        i64_at(&check, 4).unwrap_or(0),
        i64_at(&check, 5).unwrap_or(0),
    );
    let mut opts = job.options.clone();
    opts.calibration_end = job.calibration_end.unwrap_or(last_day);
    let cal = opts.calibration_end;
    step(&format!("{n_rows} purchases checked"));

    // Per customer, on the executors: the single-machine summary, kept as Parquet.
    let per_customer_sql = format!(
        "SELECT id, s['x'] AS x, s['t_x'] AS t_x, s['t'] AS t, s['zbar'] AS zbar, \
               s['first_day'] AS first_day, s['last_day'] AS last_day, \
               s['last_calibration_day'] AS lcd, s['calibration_spend'] AS calibration_spend, \
               s['total_spend'] AS total_spend \
             FROM (SELECT id, fidelis_customer(day, amount, CAST({cal} AS BIGINT), '{}') AS s \
                   FROM purchases WHERE day <= {cal} GROUP BY id) WHERE s IS NOT NULL",
        opts.period.as_str()
    );
    let counts = rows(
        &ctx,
        &format!(
            "SELECT COUNT(DISTINCT id), COUNT(DISTINCT CASE WHEN day <= {cal} THEN id END) FROM purchases"
        ),
    )
    .await?;
    let customers_in_input = i64_at(&counts, 0).unwrap_or(0);
    let n = i64_at(&counts, 1).unwrap_or(0);
    if n == 0 {
        bail!("no customer made a purchase on or before the calibration end date");
    }
    let stage = Stage { ctx: &ctx, n };
    stage
        .write_whole(
            &per_customer_sql,
            &dir.join("_work").join("customers"),
            "cust",
            "id",
            "per-customer summaries",
        )
        .await?;
    step(&format!("{n} customers summarised on the executors"));

    // 2. The small tables.
    let mut triples = Triples::new();
    for r in table(
        &rows(
            &ctx,
            "SELECT x, t_x, t, COUNT(*) FROM cust GROUP BY x, t_x, t ORDER BY x, t_x, t",
        )
        .await?,
    )? {
        triples.add(r[0] as u32, r[1], r[2], r[3]);
    }
    let pairs: Vec<(u32, f64, f64)> = table(
        &rows(&ctx, "SELECT x, zbar, COUNT(*) FROM cust WHERE x > 0 AND zbar > 0 GROUP BY x, zbar ORDER BY x, zbar").await?,
    )?
    .into_iter()
    .map(|r| (r[0] as u32, r[1], r[2]))
    .collect();
    let repeaters = i64_at(
        &rows(&ctx, "SELECT COUNT(*) FROM cust WHERE x > 0").await?,
        0,
    )
    .unwrap_or(0);
    let median_gap = if repeaters > 0 {
        f64_at(
            &rows(
                &ctx,
                &format!(
                    "SELECT t_x / CAST(x AS DOUBLE) AS gap FROM cust WHERE x > 0 \
                     ORDER BY gap LIMIT 1 OFFSET {}",
                    repeaters / 2
                ),
            )
            .await?,
            0,
        )
        .unwrap_or(0.0)
    } else {
        0.0
    };
    step(&format!(
        "{} distinct (x, t_x, T), {} distinct (x, z̄) to the driver",
        triples.len(),
        pairs.len()
    ));

    // 3. The fits and the per-triple predictions, in the driver.
    let bgnbd = BgNbd::fit(&triples).map_err(|e| anyhow!("BG/NBD purchase model: {e}"))?;
    let gg =
        GammaGamma::fit_weighted(&pairs).map_err(|e| anyhow!("Gamma-Gamma spend model: {e}"))?;
    if gg.params.q <= 1.0 {
        bail!(
            "Gamma-Gamma spend model: q = {} ≤ 1: the mean spend does not exist",
            gg.params.q
        );
    }
    let model = bgnbd.params;
    let scores = predict_triples(&model, &triples, &opts, None, &|_, _, _| {})
        .map_err(|e| anyhow!("prediction failed: {e}"))?;
    let scores_path = dir.join("_work").join("scores.parquet");
    {
        use columnar::{Kind, Value as V, Writer};
        let mut w = Writer::create(
            &scores_path,
            &[
                ("x", Kind::Int),
                ("t_x", Kind::Float),
                ("t", Kind::Float),
                ("p_alive", Kind::Float),
                ("expected", Kind::Float),
                ("discounted", Kind::Float),
            ],
        )
        .map_err(|e| anyhow!(e))?;
        for (k, s) in scores.iter().enumerate() {
            w.row(&[
                V::Int(triples.x[k].into()),
                V::Float(triples.t_x[k]),
                V::Float(triples.t[k]),
                V::Float(s.p_alive),
                V::Float(s.expected),
                V::Float(s.discounted),
            ])
            .map_err(|e| anyhow!(e))?;
        }
        w.finish().map_err(|e| anyhow!(e))?;
    }
    ctx.register_parquet(
        "scores",
        &scores_path.display().to_string(),
        ParquetReadOptions::default(),
    )
    .await?;
    step("models fitted in the driver");

    // 4. Back to every customer, on the executors.
    let (p, q, g) = (lit(gg.params.p), lit(gg.params.q), lit(gg.params.gamma));
    let spend = format!(
        "({p} * ({g} + CAST(c.x AS DOUBLE) * c.zbar) / ({p} * CAST(c.x AS DOUBLE) + {q} - 1.0))"
    );
    let bins = i64::from(opts.rfm_bins.max(1));
    let score = |rank: &str| format!("CAST((({rank} - 1) * {bins}) / {n} + 1 AS BIGINT)");
    let final_sql = format!(
        "WITH c AS (SELECT *, RANK() OVER (ORDER BY lcd) AS r_rank, RANK() OVER (ORDER BY x) AS f_rank, \
                    RANK() OVER (ORDER BY calibration_spend) AS m_rank FROM cust) \
         SELECT c.id AS customer_id, c.x AS frequency, c.t_x AS recency, c.t AS \"T\", c.zbar AS monetary, \
           {} AS rfm_r, {} AS rfm_f, {} AS rfm_m, \
           s.p_alive AS p_alive, s.expected AS expected_purchases, {spend} AS expected_spend, \
           {spend} * s.discounted AS clv, \
           CAST(CAST(c.first_day AS INT) AS DATE) AS first_purchase, \
           CAST(CAST(c.last_day AS INT) AS DATE) AS last_purchase, c.total_spend AS total_spend, \
           s.p_alive < {} AS churned_by_p_alive, \
           c.t - c.t_x > {} * (CASE WHEN c.x > 0 THEN c.t_x / CAST(c.x AS DOUBLE) ELSE {} END) AS churned_by_inactivity \
         FROM c JOIN scores s ON c.x = s.x AND c.t_x = s.t_x AND c.t = s.t",
        score("c.r_rank"),
        score("c.f_rank"),
        score("c.m_rank"),
        lit(opts.churn_p_alive),
        lit(opts.churn_inactivity_multiple),
        lit(median_gap),
    );
    let out_dir = stage
        .write_whole(
            &final_sql,
            &dir.join("customers"),
            "out",
            "customer_id",
            "customers' values",
        )
        .await?;
    step("every customer's values written by the executors");

    // The summary's aggregates.
    let t = rows(
        &ctx,
        "SELECT COUNT(*), SUM(clv), SUM(expected_purchases), AVG(p_alive), \
           SUM(CASE WHEN churned_by_p_alive THEN 1 ELSE 0 END), \
           SUM(CASE WHEN churned_by_inactivity THEN 1 ELSE 0 END) FROM out",
    )
    .await?;
    let (total_clv, total_expected, mean_p_alive) = (
        f64_at(&t, 1).unwrap_or(0.0),
        f64_at(&t, 2).unwrap_or(0.0),
        f64_at(&t, 3).unwrap_or(0.0),
    );
    let (churned_p, churned_i) = (i64_at(&t, 4).unwrap_or(0), i64_at(&t, 5).unwrap_or(0));
    let median_p_alive = f64_at(
        &rows(
            &ctx,
            &format!(
                "SELECT p_alive FROM out ORDER BY p_alive LIMIT 1 OFFSET {}",
                n / 2
            ),
        )
        .await?,
        0,
    )
    .unwrap_or(0.0);
    let top20 = |column: &'static str| {
        let ctx = &ctx;
        async move {
            let position = 20.0 / 100.0 * n as f64;
            let cut = position.floor() as i64;
            let r = rows(
                ctx,
                &format!(
                    "SELECT SUM(CASE WHEN rn <= {cut} THEN v ELSE 0.0 END), MAX(CASE WHEN rn = {} THEN v END), SUM(v) \
                     FROM (SELECT {column} AS v, ROW_NUMBER() OVER (ORDER BY {column} DESC) AS rn FROM out)",
                    cut + 1
                ),
            )
            .await?;
            let (top, next, total) = (
                f64_at(&r, 0).unwrap_or(0.0),
                f64_at(&r, 1).unwrap_or(0.0),
                f64_at(&r, 2).unwrap_or(0.0),
            );
            Ok::<f64, anyhow::Error>(if total <= 0.0 {
                0.2
            } else {
                (top + (position - cut as f64) * next) / total
            })
        }
    };
    let (revenue_share, clv_share) = (top20("total_spend").await?, top20("clv").await?);
    let cells = table(
        &rows(
            &ctx,
            "SELECT rfm_r, rfm_f, COUNT(*), AVG(clv), AVG(p_alive) FROM out GROUP BY rfm_r, rfm_f ORDER BY rfm_r, rfm_f",
        )
        .await?,
    )?;
    step("summary computed");
    let day = |d: i64| {
        let date = chrono_day(d);
        json!(date)
    };
    let rule = |churned: i64| {
        let rate = churned as f64 / n.max(1) as f64;
        json!({ "churned": churned, "churn_rate": rate, "retention_rate": 1.0 - rate })
    };
    let horizon = opts.horizon_months as f64 * opts.month();
    let summary = json!({
        "calibration_end": day(cal),
        "period": opts.period.as_str(),
        "horizon_months": opts.horizon_months,
        "discount_rate_per_month": opts.discount_rate,
        "rfm_bins": opts.rfm_bins,
        "rows": n_rows,
        "first_purchase": day(first_day),
        "last_purchase": day(last_day),
        "customers_in_file": customers_in_input,
        "n_customers": n,
        "customers_after_calibration_end": customers_in_input - n,
        "bgnbd": {
            "r": model.r, "alpha": model.alpha, "a": model.a, "b": model.b,
            "loglik": bgnbd.loglik,
            "se": {"r": bgnbd.se[0], "alpha": bgnbd.se[1], "a": bgnbd.se[2], "b": bgnbd.se[3]},
            "distinct_triples": bgnbd.n_triples,
            "iterations": bgnbd.iterations,
            "expected_purchases_new_customer_over_horizon": model.expected_new(horizon).ok(),
        },
        "gamma_gamma": {
            "p": gg.params.p, "q": gg.params.q, "gamma": gg.params.gamma,
            "loglik": gg.loglik,
            "se": {"p": gg.se[0], "q": gg.se[1], "gamma": gg.se[2]},
            "n_customers": gg.n_customers,
            "distinct_pairs": pairs.len(),
            "iterations": gg.iterations,
            "population_mean_spend": gg.params.population_mean(),
        },
        "totals": {
            "expected_purchases": total_expected,
            "clv": total_clv,
            "mean_clv": total_clv / n.max(1) as f64,
            "mean_p_alive": mean_p_alive,
            "median_p_alive": median_p_alive,
        },
        "pareto": { "top20_revenue_share": revenue_share, "top20_clv_share": clv_share },
        "churn": {
            "as_of": day(cal),
            "customers": n,
            "p_alive_threshold": opts.churn_p_alive,
            "inactivity_multiple": opts.churn_inactivity_multiple,
            "median_gap_periods": median_gap,
            "by_p_alive": rule(churned_p),
            "by_inactivity": rule(churned_i),
        },
        "rfm_grid": cells.iter().map(|c| json!({
            "r": c[0] as i64, "f": c[1] as i64, "customers": c[2] as i64,
            "mean_clv": c[3], "mean_p_alive": c[4],
        })).collect::<Vec<_>>(),
        "cluster": {
            "scheduler": job.scheduler,
            "partitions": job.partitions,
            "files": files.len(),
            "seconds": started.elapsed().as_secs_f64(),
        },
    });
    std::fs::rename(&out_dir, dir.join("customers"))?;
    std::fs::write(
        dir.join("summary.json"),
        serde_json::to_string_pretty(&summary)? + "\n",
    )?;
    Ok(summary)
}

fn examples(b: &[RecordBatch]) -> String {
    let mut out = Vec::new();
    for batch in b {
        let a = batch.column(0);
        let a = datafusion::arrow::compute::cast(a, &DataType::Utf8).ok();
        if let Some(a) = a {
            let s = a.as_string::<i32>();
            for i in 0..s.len() {
                out.push(if s.is_null(i) {
                    "empty".to_string()
                } else {
                    format!("'{}'", s.value(i))
                });
            }
        }
    }
    out.join(", ")
}

/// YYYY-MM-DD of a day number.
fn chrono_day(d: i64) -> String {
    let (y, m, dd) = analytics::summary::civil_from_days(d);
    format!("{y:04}-{m:02}-{dd:02}")
}
