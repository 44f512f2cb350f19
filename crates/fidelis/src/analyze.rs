//! `fidelis analyze …`: the analyst's commands. `analyze clv --transactions FILE` needs no
//! store: it reads the file, fits BG/NBD and Gamma-Gamma and writes per-customer values and a
//! JSON summary, with progress bars and a readable table at the end.

use crate::common::{app_err, bar, lang, open, say, StoreArgs};
use analytics::clv::ClvOptions;
use analytics::cohorts::CohortPeriod;
use analytics::summary::Period;
use anyhow::{anyhow, Result};
use app::churn::clv as clv_file;
use app::churn::purchases::{read_purchases, FileInput};
use app::customers::import::parse_map;
use app::customers::table::Encoding;
use app::Actor;
use clap::{Args, Subcommand};
use indicatif::ProgressBar;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Subcommand)]
pub enum AnalyzeCommand {
    /// RFM, P(alive), expected purchases, expected spend and CLV per customer (BG/NBD +
    /// Gamma-Gamma), with a JSON summary of the fitted models, Pareto and holdout check.
    Clv(Box<ClvArgs>),
    /// PLS path model of survey answers (PLS-SEM): outer weights and loadings, path
    /// coefficients, R², reliability, GoF, 0-100 indices, and bootstrap intervals.
    Pls(Box<PlsArgs>),
}

#[derive(Args)]
pub struct PlsArgs {
    /// Answers file (CSV in UTF-8 or GB18030, or xlsx): one row per respondent, one column per
    /// item.
    #[arg(long)]
    data: PathBuf,
    /// `ecsi`, `acsi` (constructs found by item-name prefixes: IMAG1…, CUEX1…, PERQ1…, PERV1…,
    /// CUSA1…, CUSCO, CUSL1… or imag1…, expe1…, qual1…, val1…, sat1…, comp1…, loy1…), or a
    /// model file MODEL.toml.
    #[arg(long, default_value = "ecsi")]
    model: String,
    /// Inner weighting scheme.
    #[arg(long, default_value = "centroid", value_parser = ["centroid", "factorial", "path"])]
    scheme: String,
    /// Only centre the indicators (the ECSI tradition) instead of standardising them.
    #[arg(long)]
    unscaled: bool,
    /// Bootstrap resamples for confidence intervals (0: none).
    #[arg(long, default_value_t = 0)]
    bootstrap: usize,
    /// Seed of the bootstrap (the same seed gives the same intervals).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Force the CSV encoding: utf-8, gb18030 or gbk (default: detected).
    #[arg(long)]
    encoding: Option<String>,
    /// Everything as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Args)]
pub struct ClvArgs {
    /// Transactions file (CSV in UTF-8 or GB18030, xlsx, or Parquet: one file, a directory of
    /// files or a glob such as 'lake/sales-*.parquet'): one row per purchase with a customer
    /// id, a date and an amount. Without it, the store's transactions are analysed
    /// (summarised by SQL in the store; month cohorts).
    #[arg(long)]
    transactions: Option<PathBuf>,
    /// Customer id column (default: customer_id, customer, id, 客户编号 …).
    #[arg(long)]
    customer_col: Option<String>,
    /// Date column (default: date, occurred_at, 日期 …).
    #[arg(long)]
    date_col: Option<String>,
    /// Amount column (default: amount, sales, value, 金额 …).
    #[arg(long)]
    amount_col: Option<String>,
    /// Date format of the date column, chrono style (e.g. %Y%m%d, %d/%m/%Y); default: ISO
    /// dates and date-times, YYYY/MM/DD and YYYYMMDD.
    #[arg(long)]
    date_format: Option<String>,
    /// Force the CSV encoding: utf-8, gb18030 or gbk (default: detected).
    #[arg(long)]
    encoding: Option<String>,
    /// Last day of the calibration period (YYYY-MM-DD); default: a file's last purchase day,
    /// or today for the store.
    #[arg(long)]
    calibration_end: Option<String>,
    /// Last day of a holdout period after calibration: predictions are checked against it.
    #[arg(long)]
    observation_end: Option<String>,
    /// Unit of recency, T and the model's rates.
    #[arg(long, default_value = "week", value_parser = ["day", "week", "month"])]
    period: String,
    /// CLV horizon in months.
    #[arg(long, default_value_t = 12)]
    horizon: u32,
    /// Discount rate per month.
    #[arg(long, default_value_t = 0.01)]
    discount_rate: f64,
    /// RFM score levels (5 = quintiles).
    #[arg(long, default_value_t = 5)]
    rfm_bins: u8,
    /// Acquisition cohorts by month or week.
    #[arg(long, default_value = "month", value_parser = ["month", "week"])]
    cohort: String,
    /// Churn rule 1: a customer whose P(alive) is below this counts as churned.
    #[arg(long, default_value_t = 0.5)]
    churn_threshold: f64,
    /// Churn rule 2: no purchase for longer than this many times the customer's own mean time
    /// between purchases (one-time buyers: the median of repeat buyers') counts as churned.
    #[arg(long, default_value_t = 3.0)]
    inactivity_multiple: f64,
    /// Per-customer output, CSV, xlsx or Parquet by extension (with --cluster: a new
    /// directory).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Encoding of a CSV output: utf-8 (with BOM) or gb18030.
    #[arg(long, default_value = "utf-8")]
    output_encoding: String,
    /// Summary of the fit (parameters, standard errors, Pareto, holdout) as JSON.
    #[arg(long)]
    summary_json: Option<PathBuf>,
    /// Report at most this many bad rows.
    #[arg(long, default_value_t = 100)]
    error_limit: usize,
    /// Run on an Apache Ballista cluster, its scheduler's df://HOST:PORT (a build with the
    /// `cluster` feature; `fidelis cluster scheduler|executor`). The transactions must be
    /// Parquet every executor can read, and --output a new directory every executor can write:
    /// DIR/customers/*.parquet and DIR/summary.json.
    #[arg(long)]
    cluster: Option<String>,
    /// Partitions of each stage on the cluster.
    #[arg(long, default_value_t = 8)]
    partitions: usize,
}

pub async fn run(cmd: AnalyzeCommand, store: &StoreArgs) -> Result<()> {
    match cmd {
        AnalyzeCommand::Clv(args) => clv(*args, store).await,
        AnalyzeCommand::Pls(args) => tokio::task::block_in_place(|| pls(*args)),
    }
}

async fn clv(a: ClvArgs, store: &StoreArgs) -> Result<()> {
    let lang = lang();
    if a.output.is_none() && a.summary_json.is_none() {
        eprintln!(
            "{}",
            say(
                "note: no --output or --summary-json given; only the table below is printed",
                "提示：未指定 --output 或 --summary-json，只打印下表"
            )
        );
    }
    let period = match a.period.as_str() {
        "day" => Period::Day,
        "month" => Period::Month,
        _ => Period::Week,
    };
    let encoding = a
        .encoding
        .as_deref()
        .map(Encoding::parse)
        .transpose()
        .map_err(|e| anyhow!(e))?;
    let out_encoding = Encoding::parse(&a.output_encoding).map_err(|e| anyhow!(e))?;
    let mut columns = Vec::new();
    for (target, v) in [
        ("customer_id", &a.customer_col),
        ("date", &a.date_col),
        ("amount", &a.amount_col),
    ] {
        if let Some(v) = v {
            columns.push(format!("{target}={v}"));
        }
    }
    let columns = parse_map(&columns).map_err(|e| anyhow!(e))?;
    let calibration_end = a
        .calibration_end
        .as_deref()
        .map(|s| clv_file::parse_date_option("calibration-end", s))
        .transpose()
        .map_err(|e| anyhow!(e))?;
    let observation_end = a
        .observation_end
        .as_deref()
        .map(|s| clv_file::parse_date_option("observation-end", s))
        .transpose()
        .map_err(|e| anyhow!(e))?;
    let today = clv_file::parse_date_option("today", &domain::time::now_stored()[..10])
        .map_err(|e| anyhow!(e))?;
    let mut opts = ClvOptions {
        calibration_end: calibration_end.unwrap_or(today),
        observation_end,
        period,
        horizon_months: a.horizon,
        discount_rate: a.discount_rate,
        rfm_bins: a.rfm_bins,
        cohort_period: if a.cohort == "week" {
            CohortPeriod::Week
        } else {
            CohortPeriod::Month
        },
        churn_p_alive: a.churn_threshold,
        churn_inactivity_multiple: a.inactivity_multiple,
    };
    if let Some(scheduler) = a.cluster.clone() {
        let (Some(transactions), Some(output)) = (a.transactions.clone(), a.output.clone()) else {
            return Err(anyhow!(say(
                "--cluster needs --transactions (Parquet) and --output (a new directory)",
                "--cluster 需要 --transactions（Parquet）和 --output（新目录）"
            )));
        };
        if observation_end.is_some() {
            return Err(anyhow!(say(
                "--observation-end (a holdout check) runs on one machine only",
                "--observation-end（验证期检验）只能在单机上运行"
            )));
        }
        analytics::clv::check_options(&opts).map_err(|e| anyhow!("{e}"))?;
        let summary = crate::cluster::analyze_clv(crate::cluster::ClusterRun {
            scheduler,
            transactions,
            output: output.clone(),
            columns,
            date_format: a.date_format.clone(),
            options: opts,
            calibration_end,
            partitions: a.partitions,
        })
        .await?;
        eprintln!(
            "{} {}",
            say("results written:", "结果已写出："),
            output.display()
        );
        print!("{}", table(&summary));
        return Ok(());
    }
    let started = std::time::Instant::now();
    let stage_bar: Arc<Mutex<Option<(String, ProgressBar)>>> = Arc::default();
    let bars = stage_bar.clone();
    let progress = move |stage: &str, done: u64, total: u64| {
        let mut g = bars.lock().expect("progress lock");
        if g.as_ref().is_none_or(|(s, _)| s != stage) {
            if let Some((old_stage, old)) = g.take() {
                old.finish_and_clear();
                tracing::debug!(elapsed = ?started.elapsed(), "{old_stage} done");
            }
            let b = bar(total.max(1), false);
            b.set_message(stage.to_string());
            *g = Some((stage.to_string(), b));
        }
        if stage == "fit" {
            tracing::debug!(elapsed = ?started.elapsed(), "fit {done}/{total}");
        }
        if let Some((_, b)) = g.as_ref() {
            b.set_length(total.max(1));
            b.set_position(done);
        }
    };
    let (result, purchases) = match a.transactions.as_deref() {
        Some(path) => tokio::task::block_in_place(|| -> Result<_> {
            let display = path.display().to_string();
            let input = FileInput {
                path,
                display: &display,
                encoding,
                columns,
                date_format: a.date_format.clone(),
                error_limit: a.error_limit,
            };
            let pb = bar(1, true);
            pb.set_message(say("reading", "读取"));
            let mut purchases = read_purchases(&input, lang, &|done, total| {
                pb.set_length(total);
                pb.set_position(done);
            })
            .map_err(app_err)?;
            pb.finish_and_clear();
            tracing::debug!(elapsed = ?started.elapsed(), rows = purchases.rows, "read");
            // A file's calibration ends by default with its last purchase day.
            opts.calibration_end = calibration_end.unwrap_or(purchases.last_day);
            let result = clv_file::run(&mut purchases, &opts, lang, &progress).map_err(app_err)?;
            Ok((result, purchases))
        })?,
        // The store's, by default, today; saved as a run (shown on the pages and the API).
        None => {
            let app = open(store).await?;
            let (run, clv, p) = app
                .run_clv(&Actor::cli(), &opts, Arc::new(progress))
                .await
                .map_err(app_err)?;
            eprintln!(
                "{} {run}",
                say(
                    "results saved in the store as analysis run",
                    "结果已保存到数据库，分析编号"
                )
            );
            (clv, p)
        }
    };
    if let Some((_, b)) = stage_bar.lock().expect("progress lock").take() {
        b.finish_and_clear();
    }
    tracing::debug!(elapsed = ?started.elapsed(), "analysed");
    // The summary is put together while the customers are written.
    let (summary, written) = std::thread::scope(|scope| {
        let summary = scope.spawn(|| {
            let s = clv_file::summary_json(&result, &purchases);
            tracing::debug!(elapsed = ?started.elapsed(), "summary made");
            s
        });
        let written = a.output.as_ref().map(|out| {
            let pb = bar(result.n_customers as u64, false);
            pb.set_message(say("writing", "写出"));
            let n =
                clv_file::write_customers(out, &purchases.ids, &result, out_encoding, &|d, t| {
                    pb.set_length(t);
                    pb.set_position(d);
                })
                .map_err(|e| anyhow!("{}: {e}", out.display()));
            pb.finish_and_clear();
            n.map(|n| (n, out))
        });
        (summary.join().expect("summary thread"), written)
    });
    if let Some(w) = written {
        let (n, out) = w?;
        tracing::debug!(elapsed = ?started.elapsed(), "written");
        eprintln!(
            "{} {n} → {}",
            say("customers written:", "已写出客户："),
            out.display()
        );
    }
    if let Some(path) = &a.summary_json {
        write_json(path, &summary, say("summary written:", "摘要已写出："))?;
    }
    print!("{}", table(&summary));
    Ok(())
}

/// Write `value` as pretty JSON to `path` and say so (`said` names what was written).
fn write_json(path: &std::path::Path, value: &serde_json::Value, said: String) -> Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(value)? + "\n")
        .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    eprintln!("{said} {}", path.display());
    Ok(())
}

/// The readable table printed at the end.
fn table(s: &serde_json::Value) -> String {
    let f = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    let mut out = String::new();
    let b = &s["bgnbd"];
    let g = &s["gamma_gamma"];
    out.push_str(&format!(
        "{} {} ({} {}, {} {})\n",
        say("customers:", "客户数："),
        s["n_customers"],
        say("calibration ends", "校准期截至"),
        s["calibration_end"].as_str().unwrap_or(""),
        say("period", "时间单位"),
        s["period"].as_str().unwrap_or("")
    ));
    out.push_str(&format!(
        "{:<14}{:>12}{:>12}\n",
        "BG/NBD",
        say("estimate", "估计值"),
        say("std. err.", "标准误")
    ));
    for k in ["r", "alpha", "a", "b"] {
        out.push_str(&format!(
            "  {:<12}{:>12.6}{:>12.6}\n",
            k,
            f(&b[k]),
            f(&b["se"][k])
        ));
    }
    out.push_str(&format!("  {:<12}{:>12.4}\n", "loglik", f(&b["loglik"])));
    out.push_str(&format!(
        "{:<14}{:>12}{:>12}\n",
        "Gamma-Gamma",
        say("estimate", "估计值"),
        say("std. err.", "标准误")
    ));
    for k in ["p", "q", "gamma"] {
        out.push_str(&format!(
            "  {:<12}{:>12.6}{:>12.6}\n",
            k,
            f(&g[k]),
            f(&g["se"][k])
        ));
    }
    out.push_str(&format!("  {:<12}{:>12.4}\n", "loglik", f(&g["loglik"])));
    let t = &s["totals"];
    out.push_str(&format!(
        "{} {:.3}   {} {:.2}   {} {:.2}\n",
        say("mean P(alive)", "平均存活概率"),
        f(&t["mean_p_alive"]),
        say("mean CLV", "平均 CLV"),
        f(&t["mean_clv"]),
        say("total CLV", "CLV 合计"),
        f(&t["clv"])
    ));
    out.push_str(&format!(
        "{} {:.1} %   {} {:.1} %\n",
        say("top 20 % of customers: revenue", "前 20% 客户贡献收入"),
        100.0 * f(&s["pareto"]["top20_revenue_share"]),
        say("future value", "未来价值"),
        100.0 * f(&s["pareto"]["top20_clv_share"])
    ));
    let c = &s["churn"];
    out.push_str(&format!(
        "{} {:.1} % (P(alive) < {})   {:.1} % ({})\n",
        say("churn rate", "流失率"),
        100.0 * f(&c["by_p_alive"]["churn_rate"]),
        f(&c["p_alive_threshold"]),
        100.0 * f(&c["by_inactivity"]["churn_rate"]),
        say(
            &format!(
                "inactive > {} × own purchase interval",
                f(&c["inactivity_multiple"])
            ),
            &format!(
                "未购买时间超过自身购买间隔的 {} 倍",
                f(&c["inactivity_multiple"])
            )
        )
    ));
    if let Some(r) = s["referral"].as_object() {
        out.push_str(&format!(
            "{} {:.1} % ({} / {})\n",
            say("referral rate", "推荐率"),
            100.0 * f(&r["referral_rate"]),
            r["referrers"],
            r["customers"]
        ));
    }
    if let Some(h) = s["holdout"].as_object() {
        out.push_str(&format!(
            "{} {:.0}   {} {:.1}\n",
            say("holdout repeat purchases: actual", "验证期重复购买：实际"),
            f(&h["actual_repeat_purchases"]),
            say("expected", "预测"),
            f(&h["expected_repeat_purchases"])
        ));
    }
    out
}

fn pls(a: PlsArgs) -> Result<()> {
    use analytics::pls::{self, Options, Scheme};
    use app::surveys::pls as survey;
    let lang = lang();
    let encoding = a
        .encoding
        .as_deref()
        .map(Encoding::parse)
        .transpose()
        .map_err(|e| anyhow!(e))?;
    let display = a.data.display().to_string();
    let model_arg = a.model.clone();
    let started = std::time::Instant::now();
    let (answers, named) = survey::read_answers(
        &a.data,
        &display,
        encoding,
        |headers| {
            if model_arg.ends_with(".toml") {
                let text =
                    std::fs::read_to_string(&model_arg).map_err(|e| format!("{model_arg}: {e}"))?;
                survey::model_file(&text, &model_arg)
            } else {
                survey::template(&model_arg, headers)
            }
        },
        lang,
    )
    .map_err(app_err)?;
    let read_s = started.elapsed().as_secs_f64();
    let opts = Options {
        scheme: Scheme::parse(&a.scheme).unwrap_or(Scheme::Centroid),
        standardise: !a.unscaled,
        ..Options::default()
    };
    let fit = pls::fit(&answers.data, &answers.model, &opts)
        .map_err(|e| app_err(survey::pls_error(&e, lang, &answers.items)))?;
    let fit_s = started.elapsed().as_secs_f64() - read_s;
    let boot_started = std::time::Instant::now();
    let boot = (a.bootstrap > 0).then(|| {
        let pb = bar(1, false);
        pb.set_message(say("bootstrap", "自助抽样"));
        let b = pls::bootstrap(
            &answers.data,
            &answers.model,
            &opts,
            &fit,
            a.bootstrap,
            a.seed,
            0.95,
        );
        pb.finish_and_clear();
        b
    });
    let boot_s = boot_started.elapsed().as_secs_f64();
    let mut out = survey::fit_json(&answers, &named, &opts, &fit, boot.as_ref());
    // Where the time went (seconds), for comparing with other tools' in-process timings.
    out["timings"] = serde_json::json!({
        "read": read_s,
        "fit": fit_s,
        "bootstrap": boot_s,
    });
    if let Some(path) = &a.json {
        write_json(path, &out, say("results written:", "结果已写出："))?;
    }
    print!("{}", pls_table(&out));
    Ok(())
}

/// The readable table printed after a PLS fit.
fn pls_table(s: &serde_json::Value) -> String {
    let mut out = format!(
        "{} {} ({} {}; {} {}, {})\n",
        say("respondents:", "受访者："),
        s["respondents"],
        say("left out for a missing answer", "因缺答剔除"),
        s["left_out_missing"],
        say("scheme", "权重方案"),
        s["scheme"].as_str().unwrap_or(""),
        s["indicators"].as_str().unwrap_or("")
    );
    out.push_str(&format!(
        "{:<28}{:>12}{:>14}{:>24}\n",
        say("path", "路径"),
        say("coefficient", "路径系数"),
        say("total effect", "总效应"),
        say("95% interval", "95% 置信区间")
    ));
    for p in s["paths"].as_array().into_iter().flatten() {
        let ci = p["ci"]
            .as_array()
            .map(|c| {
                format!(
                    "[{:.4}, {:.4}]",
                    c[0].as_f64().unwrap_or(f64::NAN),
                    c[1].as_f64().unwrap_or(f64::NAN)
                )
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "{:<28}{:>12.4}{:>14.4}{:>24}\n",
            format!(
                "{} → {}",
                p["from"].as_str().unwrap_or(""),
                p["to"].as_str().unwrap_or("")
            ),
            p["coefficient"].as_f64().unwrap_or(f64::NAN),
            p["total_effect"].as_f64().unwrap_or(f64::NAN),
            ci
        ));
    }
    out.push_str(&format!(
        "{:<16}{:>8}{:>10}{:>8}{:>8}{:>8}\n",
        say("construct", "潜变量"),
        "R²",
        say("index", "指数"),
        "AVE",
        "CR",
        say("items", "题项")
    ));
    for c in s["constructs"].as_array().into_iter().flatten() {
        let r2 = c["r2"]
            .as_f64()
            .map(|v| format!("{v:.4}"))
            .unwrap_or_else(|| "—".into());
        out.push_str(&format!(
            "{:<16}{:>8}{:>10.1}{:>8.3}{:>8.3}{:>8}\n",
            c["name"].as_str().unwrap_or(""),
            r2,
            c["index_0_100"].as_f64().unwrap_or(f64::NAN),
            c["ave"].as_f64().unwrap_or(f64::NAN),
            c["composite_reliability"].as_f64().unwrap_or(f64::NAN),
            c["indicators"].as_array().map_or(0, Vec::len)
        ));
    }
    out.push_str(&format!(
        "GoF {:.4}\n",
        s["gof"].as_f64().unwrap_or(f64::NAN)
    ));
    out
}
