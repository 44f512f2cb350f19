//! `fidelis loyalty`: classify every customer's loyalty type with its reasons, churn status and
//! value at risk, and write the table — on the store (after a customer-value run; one is run
//! first if there is none) or, with `--transactions` and `--answers`, on a CSV pair without a
//! store.

use crate::common::{app_err, bar, lang, open, say, StoreArgs};
use anyhow::{anyhow, Result};
use app::churn::clv as clv_file;
use app::churn::purchases::FileInput;
use app::customers::table::{Encoding, TableWriter};
use app::loyalty::{LoyaltySettings, SegmentFilter};
use app::Actor;
use clap::Args;
use domain::loyalty::fixed;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Args)]
pub struct LoyaltyArgs {
    /// Purchases CSV/xlsx (customer_id, date, amount), as for `analyze clv`: classify the file
    /// pair instead of the store.
    #[arg(long)]
    transactions: Option<PathBuf>,
    /// Answers CSV/xlsx: customer_id and any of satisfaction (0–100), recommend (0–10), intent
    /// (0–100), share_of_wallet (0–100), answered_at.
    #[arg(long, requires = "transactions")]
    answers: Option<PathBuf>,
    /// Last day of the purchases the models are fitted on (file default: its last purchase day).
    #[arg(long)]
    calibration_end: Option<String>,
    /// Where the table goes: .csv or .xlsx.
    #[arg(long, short)]
    output: PathBuf,
    /// utf-8 or gb18030 for a CSV output.
    #[arg(long, default_value = "utf-8")]
    output_encoding: String,
    /// The run's summary as JSON (type mix, coverage, headline churn, segments, the three faces).
    #[arg(long)]
    summary_json: Option<PathBuf>,
    #[arg(long, default_value_t = 100)]
    error_limit: usize,
}

pub async fn run(a: LoyaltyArgs, store: &StoreArgs) -> Result<()> {
    let lang = lang();
    let started = std::time::Instant::now();
    let enc = Encoding::parse(&a.output_encoding).map_err(|e| anyhow!(e))?;
    let xlsx = a
        .output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let calibration_end = a
        .calibration_end
        .as_deref()
        .map(|s| clv_file::parse_date_option("calibration-end", s))
        .transpose()
        .map_err(|e| anyhow!(e))?;
    let summary = match &a.transactions {
        Some(path) => tokio::task::block_in_place(|| -> Result<serde_json::Value> {
            let display = path.display().to_string();
            let input = FileInput {
                path,
                display: &display,
                encoding: None,
                columns: Vec::new(),
                date_format: None,
                error_limit: a.error_limit,
            };
            let answers_display = a.answers.as_ref().map(|p| p.display().to_string());
            let answers = a.answers.as_deref().zip(answers_display.as_deref());
            let opts = app::churn::store::ClvRunRequest::default()
                .options(lang)
                .map_err(app_err)?;
            let pb = bar(1, false);
            let progress = |stage: &str, done: u64, total: u64| {
                pb.set_message(stage.to_string());
                pb.set_length(total.max(1));
                pb.set_position(done);
            };
            let settings = LoyaltySettings {
                loyalty: Default::default(),
                churn: Default::default(),
            };
            let headers = [
                "customer_id",
                "loyalty_type",
                "loyalty_type_name",
                "attachment",
                "repeat_high",
                "churn_status",
                "churn_rule",
                "value_at_risk",
                "clv",
                "reasons",
            ];
            let mut w = TableWriter::create(
                &a.output,
                &headers,
                &["attachment", "value_at_risk", "clv"],
                enc,
            )
            .map_err(|e| anyhow!(e))?;
            let mut failure = None;
            let pair = app::loyalty::file::FilePair {
                purchases: input,
                answers,
                opts,
                calibration_end,
            };
            let row = |id: &str, o: &app::loyalty::run::Outcome| {
                [
                    id.to_string(),
                    o.loyalty_type.code().to_string(),
                    o.loyalty_type.label(lang).to_string(),
                    o.attachment.map(|v| fixed(v, 1)).unwrap_or_default(),
                    o.repeat_high
                        .map(|b| u8::from(b).to_string())
                        .unwrap_or_default(),
                    o.status.map(|s| s.0.code().to_string()).unwrap_or_default(),
                    o.status.map(|s| s.1.code().to_string()).unwrap_or_default(),
                    fixed(o.value_at_risk, 2),
                    fixed(o.clv, 4),
                    domain::loyalty::reasons_text(&o.reasons, lang, "; "),
                ]
            };
            let summary =
                app::loyalty::file::classify_files(pair, &settings, lang, &progress, row, |r| {
                    if failure.is_none() {
                        failure = w.write_row(&r).err();
                    }
                });
            pb.finish_and_clear();
            // A refused file (or a failed write) leaves no table behind.
            let written = summary.map_err(app_err).and_then(|s| match failure {
                Some(e) => Err(anyhow!(e)),
                None => w.finish().map(|_| s).map_err(|e| anyhow!(e)),
            });
            if written.is_err() {
                let _ = std::fs::remove_file(&a.output);
            }
            written
        })?,
        None => {
            let app = open(store).await?;
            let actor = Actor::cli();
            if app
                .store
                .latest_analysis_run(app::churn::store::CLV_RUN)
                .await?
                .is_none()
            {
                eprintln!(
                    "{}",
                    say(
                        "no customer-value analysis yet: running one first",
                        "尚无客户价值分析：先运行一次"
                    )
                );
                let mut req = app::churn::store::ClvRunRequest::default();
                if let Some(d) = &a.calibration_end {
                    req.calibration_end = Some(d.clone());
                }
                let opts = req.options(lang).map_err(app_err)?;
                app.run_clv(&actor, &opts, Arc::new(|_: &str, _, _| {}))
                    .await
                    .map_err(app_err)?;
            }
            let t0 = std::time::Instant::now();
            let (id, summary) = app.run_loyalty(&actor).await.map_err(app_err)?;
            let t_run = t0.elapsed().as_secs_f64();
            let format = match (xlsx, enc) {
                (true, _) => "xlsx",
                (false, Encoding::Gb18030) => "csv-gb18030",
                (false, Encoding::Utf8) => "csv",
            };
            app.loyalty_export(&actor, &SegmentFilter::default(), format, true)
                .await
                .map_err(app_err)?
                .finish_to(&a.output)
                .map_err(|e| anyhow::anyhow!("{}: {e}", a.output.display()))?;
            eprintln!(
                "{} {id} ({t_run:.1} s; {} {:.1} s)",
                say(
                    "saved in the store as classification run",
                    "结果已保存到数据库，分类编号"
                ),
                say("table written in", "表格写出"),
                t0.elapsed().as_secs_f64() - t_run
            );
            summary
        }
    };
    if let Some(p) = &a.summary_json {
        std::fs::write(p, serde_json::to_string_pretty(&summary)?)?;
    }
    // A readable table of the type mix.
    println!(
        "{:<34} {:>10} {:>8}",
        say("type", "类型"),
        say("customers", "客户数"),
        "%"
    );
    let n = summary["customers"].as_f64().unwrap_or(0.0).max(1.0);
    let mut rows: Vec<(String, f64)> = summary["types"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v["customers"].as_f64().unwrap_or(0.0)))
                .collect()
        })
        .unwrap_or_default();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (k, c) in rows {
        let label = domain::loyalty::LoyaltyType::parse(&k)
            .map_or(k.clone(), |t| t.label(lang).to_string());
        println!("{label:<34} {c:>10} {:>7.1}%", 100.0 * c / n);
    }
    println!(
        "{} {} · {} {:.1} % · {:.2} s",
        say("customers", "客户"),
        summary["customers"],
        say("headline churn", "公司口径流失率"),
        100.0
            * summary["headline"]["churn_rate"]
                .as_f64()
                .unwrap_or(f64::NAN),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
