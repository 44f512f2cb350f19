//! A CLV run made elsewhere — the output directory of `fidelis analyze clv --cluster`
//! (`summary.json` and `customers/*.parquet`, issue 21 §2) — loaded into the store as a run, so
//! the profile, Churn and Loyalty pages show its values as they show a run made here.
//!
//! The results name customers by their external ids; each is matched to the store's customer.
//! Two passes over the Parquet files: the first checks every row (all or nothing, each problem
//! named by file, row and column) and computes what the pages show of the whole run (totals,
//! Pareto, churn counts, distributions) over the customers the store knows; the second streams
//! the rows into the store in one transaction, replacing the previous run's values. Neither
//! pass holds one row per customer: only the id map and, for the Pareto curves and medians,
//! two numbers per customer.

use super::clv::{churn_definition, day_to_date, distributions_json, rejected, CUSTOMER_COLUMNS};
use super::ids::CustomerIds;
use super::parquet::row_error;
use super::store::{SharedProgress, CLV_RUN};
use crate::customers::table::RowError;
use crate::error::AppError;
use crate::{Actor, App};
use analytics::clv::{inactive_for, lorenz, Distributions, ValuePoint};
use columnar::{read_columns, Cell, ColumnType, ParquetInput};
use domain::access::Permission;
use domain::{ErrorCode, Lang};
use serde_json::{json, Value};
use std::path::Path;
use storage::churn::{CustomerValueRow, PurchaseMix};

/// What a load did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadedRun {
    pub run_id: i64,
    /// Customers in the results.
    pub rows: u64,
    /// Of them, saved (the store knows them).
    pub saved: u64,
    /// Of them, not in the store (skipped), with a few of their ids.
    pub not_in_store: u64,
    pub not_in_store_examples: Vec<String>,
}

const INT: &[ColumnType] = &[ColumnType::Integer];
const NUMBER: &[ColumnType] = &[ColumnType::Float, ColumnType::Decimal, ColumnType::Integer];
const ID: &[ColumnType] = &[ColumnType::Text, ColumnType::Integer];
const DAY: &[ColumnType] = &[ColumnType::Date, ColumnType::Timestamp];

fn kinds() -> Vec<&'static [ColumnType]> {
    CUSTOMER_COLUMNS
        .iter()
        .map(|&c| match c {
            "customer_id" => ID,
            "frequency" | "rfm_r" | "rfm_f" | "rfm_m" => INT,
            "first_purchase" | "last_purchase" => DAY,
            _ => NUMBER,
        })
        .collect()
}

/// The run's settings, from its summary.
struct Settings {
    calibration_end: String,
    period: String,
    horizon_months: u64,
    discount_rate: f64,
    rfm_bins: u8,
    p_alive_threshold: f64,
    inactivity_multiple: f64,
    median_gap: f64,
}

/// One customer's values as read (checked).
struct Read {
    x: u32,
    t_x: f64,
    t: f64,
    zbar: f64,
    rfm: [u8; 3],
    p_alive: f64,
    expected: f64,
    spend: f64,
    clv: f64,
    first_day: i64,
    last_day: i64,
    total_spend: f64,
}

fn say(lang: Lang, en: &str, zh: &str) -> String {
    match lang {
        Lang::En => en.to_string(),
        Lang::ZhCn => zh.to_string(),
    }
}

/// The customer id of a row as text (ids may be whole numbers in Parquet).
fn id_text<'a>(c: &Cell<'a>, buf: &'a mut String) -> Option<&'a str> {
    match c {
        Cell::Text(t) if !t.trim().is_empty() => Some(t.trim()),
        Cell::Int(v) => {
            *buf = v.to_string();
            Some(buf.as_str())
        }
        _ => None,
    }
}

/// Check one row's cells (after the id), naming the first bad column and why.
fn check(cells: &[Cell], bins: u8, lang: Lang) -> Result<Read, (usize, String)> {
    let number = |k: usize, upper: f64| -> Result<f64, (usize, String)> {
        match cells[k] {
            Cell::Float(v) if v.is_finite() && (0.0..=upper).contains(&v) => Ok(v),
            Cell::Int(v) if v >= 0 && (v as f64) <= upper => Ok(v as f64),
            Cell::Null => Err((k, say(lang, "empty", "为空"))),
            _ => Err((
                k,
                if upper == 1.0 {
                    say(
                        lang,
                        "not a probability from 0 to 1",
                        "不是 0 到 1 之间的概率",
                    )
                } else {
                    say(lang, "not a number of 0 or more", "不是大于等于 0 的数")
                },
            )),
        }
    };
    let level = |k: usize| -> Result<u8, (usize, String)> {
        match cells[k] {
            Cell::Int(v) if v >= 1 && v <= i64::from(bins) => Ok(v as u8),
            _ => Err((
                k,
                match lang {
                    Lang::En => format!("not an RFM score from 1 to {bins}"),
                    Lang::ZhCn => format!("不是 1 到 {bins} 的 RFM 分数"),
                },
            )),
        }
    };
    let day = |k: usize| -> Result<i64, (usize, String)> {
        cells[k]
            .day()
            .ok_or_else(|| (k, say(lang, "not a date", "不是日期")))
    };
    let x = match cells[1] {
        Cell::Int(v) if (0..=i64::from(u32::MAX)).contains(&v) => v as u32,
        _ => {
            return Err((
                1,
                say(
                    lang,
                    "not a whole number of 0 or more",
                    "不是大于等于 0 的整数",
                ),
            ))
        }
    };
    Ok(Read {
        x,
        t_x: number(2, f64::MAX)?,
        t: number(3, f64::MAX)?,
        zbar: number(4, f64::MAX)?,
        rfm: [level(5)?, level(6)?, level(7)?],
        p_alive: number(8, 1.0)?,
        expected: number(9, f64::MAX)?,
        spend: number(10, f64::MAX)?,
        clv: number(11, f64::MAX)?,
        first_day: day(12)?,
        last_day: day(13)?,
        total_spend: number(14, f64::MAX)?,
    })
}

impl Settings {
    fn of(s: &Value, display: &str, lang: Lang) -> Result<Settings, AppError> {
        let missing = |what: &str| {
            AppError::new(ErrorCode::InputRejected, lang).with_message(match lang {
                Lang::En => format!(
                    "{display}: summary.json has no {what}: not the output of `fidelis analyze clv --cluster`"
                ),
                Lang::ZhCn => format!(
                    "{display}：summary.json 中没有 {what}，不是 `fidelis analyze clv --cluster` 的输出"
                ),
            })
        };
        let f = |v: &Value, what: &str| v.as_f64().ok_or_else(|| missing(what));
        let c = &s["churn"];
        let bins = s["rfm_bins"].as_u64().unwrap_or(5);
        Ok(Settings {
            calibration_end: s["calibration_end"]
                .as_str()
                .ok_or_else(|| missing("calibration_end"))?
                .to_string(),
            period: s["period"]
                .as_str()
                .ok_or_else(|| missing("period"))?
                .to_string(),
            horizon_months: s["horizon_months"]
                .as_u64()
                .ok_or_else(|| missing("horizon_months"))?,
            discount_rate: f(&s["discount_rate_per_month"], "discount_rate_per_month")?,
            rfm_bins: u8::try_from(bins.clamp(2, 10)).unwrap_or(5),
            p_alive_threshold: f(&c["p_alive_threshold"], "churn.p_alive_threshold")?,
            inactivity_multiple: f(&c["inactivity_multiple"], "churn.inactivity_multiple")?,
            median_gap: f(&c["median_gap_periods"], "churn.median_gap_periods")?,
        })
    }

    fn churned(&self, r: &Read) -> (bool, bool) {
        (
            r.p_alive < self.p_alive_threshold,
            inactive_for(r.x, r.t_x, r.t, self.inactivity_multiple, self.median_gap),
        )
    }
}

/// The store's customers by external id: (ids, store id of each).
async fn store_keys(app: &App) -> Result<(CustomerIds, Vec<i64>), AppError> {
    let mut ids = CustomerIds::new();
    let mut store_ids = Vec::new();
    app.store
        .for_each_customer_key(|id, external| {
            if ids.intern(external) as usize == store_ids.len() {
                store_ids.push(id);
            }
        })
        .await?;
    Ok((ids, store_ids))
}

/// What the first pass finds.
struct Checked {
    rows: u64,
    points: Vec<ValuePoint>,
    spend: Vec<f64>,
    clv: Vec<f64>,
    churned: (u64, u64),
    unknown: u64,
    examples: Vec<String>,
}

impl App {
    /// Load the results in directory `dir` (shown to the user as `display`) as a new CLV run.
    /// Customers the store does not know are skipped and counted; any bad row refuses the
    /// whole load, and nothing changes.
    pub async fn load_clv_results(
        &self,
        actor: &Actor,
        dir: &Path,
        display: &str,
        progress: SharedProgress,
    ) -> Result<LoadedRun, AppError> {
        actor.require(Permission::RunAnalytics)?;
        let lang = actor.lang;
        let refuse = |en: String, zh: String| {
            AppError::new(ErrorCode::InputRejected, lang).with_message(match lang {
                Lang::En => en,
                Lang::ZhCn => zh,
            })
        };
        let summary_path = dir.join("summary.json");
        let text = std::fs::read_to_string(&summary_path).map_err(|e| {
            refuse(
                format!("{display}: no readable summary.json ({e}): name the output directory of `fidelis analyze clv --cluster`"),
                format!("{display}：没有可读的 summary.json（{e}），请指定 `fidelis analyze clv --cluster` 的输出目录"),
            )
        })?;
        let summary: Value = serde_json::from_str(&text).map_err(|e| {
            refuse(
                format!("{display}/summary.json: not JSON ({e})"),
                format!("{display}/summary.json：不是 JSON（{e}）"),
            )
        })?;
        let settings = Settings::of(&summary, display, lang)?;
        let customers = dir.join("customers");
        let input = ParquetInput::open(&customers.to_string_lossy())
            .map_err(|e| rejected(lang, display, vec![row_error(e)], 1))?;
        let (keys, store_ids) = store_keys(self).await?;
        let total = input.rows;
        progress("checking", 0, total);
        let (input, keys, store_ids, settings, checked) = {
            let p = progress.clone();
            tokio::task::spawn_blocking(move || {
                let checked = first_pass(&input, &keys, &store_ids, &settings, lang, &*p);
                (input, keys, store_ids, settings, checked)
            })
            .await
            .map_err(AppError::internal)?
        };
        let mut checked = checked?;
        let saved = checked.rows - checked.unknown;
        if saved == 0 {
            return Err(refuse(
                format!(
                    "{display}: none of its {} customers is in the store (e.g. {}): import the customers first",
                    checked.rows,
                    checked.examples.join(", ")
                ),
                format!(
                    "{display}：其中 {} 位客户都不在系统中（例如 {}），请先导入客户",
                    checked.rows,
                    checked.examples.join("、")
                ),
            ));
        }
        let run_summary = run_summary(&summary, &settings, &mut checked, display);
        let options = json!({
            "calibration_end": settings.calibration_end,
            "observation_end": null,
            "period": settings.period,
            "horizon_months": settings.horizon_months,
            "discount_rate": settings.discount_rate,
            "rfm_bins": settings.rfm_bins,
            "cohort": null,
            "churn_threshold": settings.p_alive_threshold,
            "inactivity_multiple": settings.inactivity_multiple,
            "source": "cluster",
        });
        let run_id = self
            .store
            .create_analysis_run(CLV_RUN, &options, &actor.username)
            .await?;
        // The second pass streams from a reading thread into the saving transaction.
        let (tx, rx) = std::sync::mpsc::sync_channel::<storage::Result<CustomerValueRow>>(8_192);
        let p = progress.clone();
        let reader = std::thread::spawn(move || {
            second_pass(&input, &keys, &store_ids, &settings, &tx, &*p);
        });
        let mut rows = rx.into_iter();
        let outcome = self
            .store
            .complete_analysis_run(run_id, &run_summary, &mut rows)
            .await;
        drop(rows);
        let _ = reader.join();
        match outcome {
            Ok(n) => {
                progress("saving", total, total);
                Ok(LoadedRun {
                    run_id,
                    rows: checked.rows,
                    saved: n,
                    not_in_store: checked.unknown,
                    not_in_store_examples: checked.examples,
                })
            }
            Err(e) => {
                let e = AppError::from(e);
                let message = e.clone().localized(lang).message;
                self.store.fail_analysis_run(run_id, &message).await?;
                Err(e)
            }
        }
    }
}

fn first_pass(
    input: &ParquetInput,
    keys: &CustomerIds,
    store_ids: &[i64],
    settings: &Settings,
    lang: Lang,
    progress: &(dyn Fn(&str, u64, u64) + Send + Sync),
) -> Result<Checked, AppError> {
    let mut c = Checked {
        rows: 0,
        points: Vec::new(),
        spend: Vec::new(),
        clv: Vec::new(),
        churned: (0, 0),
        unknown: 0,
        examples: Vec::new(),
    };
    let mut errors: Vec<RowError> = Vec::new();
    let mut bad = 0usize;
    // Each store customer at most once (a run has one row per customer).
    let mut seen = vec![false; store_ids.len()];
    let mut buf = String::new();
    let file = |i: usize| input.files[i].display().to_string();
    read_columns(
        input,
        CUSTOMER_COLUMNS,
        &kinds(),
        &mut |fi, row, cells| {
            c.rows += 1;
            let mut fail = |column: usize, reason: String| {
                bad += 1;
                if errors.len() < 100 {
                    errors.push(RowError {
                        file: file(fi),
                        line: row as i64,
                        column: CUSTOMER_COLUMNS[column].to_string(),
                        reason,
                    });
                }
            };
            let Some(id) = id_text(&cells[0], &mut buf) else {
                return fail(0, say(lang, "no customer id", "没有客户编号"));
            };
            let known = keys.find(id.as_bytes());
            let id = id.to_string();
            let r = match check(cells, settings.rfm_bins, lang) {
                Ok(r) => r,
                Err((k, reason)) => return fail(k, reason),
            };
            let Some(k) = known else {
                c.unknown += 1;
                if c.examples.len() < 5 {
                    c.examples.push(id);
                }
                return;
            };
            if std::mem::replace(&mut seen[k as usize], true) {
                return fail(
                    0,
                    match lang {
                        Lang::En => format!("customer {id} appears twice"),
                        Lang::ZhCn => format!("客户 {id} 出现两次"),
                    },
                );
            }
            let (by_alive, by_inactivity) = settings.churned(&r);
            c.churned.0 += u64::from(by_alive);
            c.churned.1 += u64::from(by_inactivity);
            c.points.push(ValuePoint {
                p_alive: r.p_alive,
                clv: r.clv,
                expected_purchases: r.expected,
                r: r.rfm[0],
                f: r.rfm[1],
            });
            c.spend.push(r.total_spend);
            c.clv.push(r.clv);
        },
        &|done, all| progress("checking", done, all),
    )
    .map_err(|e| {
        let file = e.file.clone();
        rejected(lang, &file, vec![row_error(e)], 1)
    })?;
    if bad > 0 {
        let shown = input
            .files
            .first()
            .map(|f| f.display().to_string())
            .unwrap_or_default();
        return Err(rejected(lang, &shown, errors, bad));
    }
    Ok(c)
}

fn second_pass(
    input: &ParquetInput,
    keys: &CustomerIds,
    store_ids: &[i64],
    settings: &Settings,
    out: &std::sync::mpsc::SyncSender<storage::Result<CustomerValueRow>>,
    progress: &(dyn Fn(&str, u64, u64) + Send + Sync),
) {
    let mut buf = String::new();
    let mut closed = false;
    let r = read_columns(
        input,
        CUSTOMER_COLUMNS,
        &kinds(),
        &mut |_, _, cells| {
            if closed {
                return;
            }
            let Some(k) = id_text(&cells[0], &mut buf).and_then(|id| keys.find(id.as_bytes()))
            else {
                return;
            };
            // Checked in the first pass: a row that fails now means the files changed.
            let row = check(cells, settings.rfm_bins, Lang::En)
                .map_err(|(col, why)| {
                    storage::StoreError::Internal(format!(
                        "the results changed while they were loaded ({}: {why})",
                        CUSTOMER_COLUMNS[col]
                    ))
                })
                .map(|r| value_row(store_ids[k as usize], &r, settings));
            closed = out.send(row).is_err();
        },
        &|done, all| progress("saving", done, all),
    );
    if let Err(e) = r {
        let _ = out.send(Err(storage::StoreError::Internal(format!(
            "{}: {} ({})",
            e.file, e.reason, e.column
        ))));
    }
}

fn value_row(customer_id: i64, r: &Read, settings: &Settings) -> CustomerValueRow {
    let (by_alive, by_inactivity) = settings.churned(r);
    CustomerValueRow {
        customer_id,
        run_id: 0,
        frequency: i64::from(r.x),
        recency: r.t_x,
        age: r.t,
        monetary: r.zbar,
        total_spend: r.total_spend,
        rfm_r: i64::from(r.rfm[0]),
        rfm_f: i64::from(r.rfm[1]),
        rfm_m: i64::from(r.rfm[2]),
        p_alive: r.p_alive,
        expected_purchases: r.expected,
        expected_spend: r.spend,
        clv: r.clv,
        churned_p_alive: by_alive,
        churned_inactivity: by_inactivity,
        first_purchase: day_to_date(r.first_day).to_string(),
        last_purchase: day_to_date(r.last_day).to_string(),
        // The store's own transactions are not part of a run made elsewhere.
        mix: PurchaseMix::default(),
        main_store: String::new(),
    }
}

/// The run's summary: the models as fitted on the cluster (every customer of the input), and
/// the figures of the customers saved (totals, Pareto, churn, distributions), so the numbers a
/// page shows agree with the values it lists.
fn run_summary(s: &Value, settings: &Settings, c: &mut Checked, display: &str) -> Value {
    let n = c.points.len() as u64;
    let d = Distributions::of(settings.rfm_bins, c.points.iter().copied());
    let revenue_curve = lorenz(&mut c.spend);
    let clv_curve = lorenz(&mut c.clv);
    let rule = |churned: u64| {
        let rate = churned as f64 / n.max(1) as f64;
        json!({ "churned": churned, "churn_rate": rate, "retention_rate": 1.0 - rate })
    };
    let mut out = s.clone();
    if let Some(o) = out.as_object_mut() {
        o.remove("rfm_grid");
    }
    out["rfm_bins"] = json!(settings.rfm_bins);
    out["n_customers"] = json!(n);
    out["totals"] = json!({
        "expected_purchases": d.total_expected_purchases,
        "clv": d.total_clv,
        "mean_clv": d.total_clv / n.max(1) as f64,
        "mean_p_alive": d.mean_p_alive,
        "median_p_alive": d.median_p_alive,
    });
    out["pareto"] = json!({
        "top20_revenue_share": revenue_curve[20],
        "top20_clv_share": clv_curve[20],
        "revenue_curve": revenue_curve,
        "clv_curve": clv_curve,
    });
    out["churn"] = json!({
        "as_of": settings.calibration_end,
        "customers": n,
        "p_alive_threshold": settings.p_alive_threshold,
        "inactivity_multiple": settings.inactivity_multiple,
        "median_gap_periods": settings.median_gap,
        "definition": churn_definition(settings.p_alive_threshold, settings.inactivity_multiple, settings.median_gap),
        "by_p_alive": rule(c.churned.0),
        "by_inactivity": rule(c.churned.1),
    });
    out["distributions"] = distributions_json(&d);
    out["source"] = json!({
        "kind": "cluster",
        "path": display,
        "customers_in_results": c.rows,
        "not_in_store": c.unknown,
        "definition": {
            "en": "computed on a cluster (fidelis analyze clv --cluster) and loaded: the model parameters are the cluster's fit on every customer of its input; the totals, rates and charts are of the customers loaded",
            "zh": "在集群上计算（fidelis analyze clv --cluster）后导入：模型参数为集群对其输入中全部客户的拟合结果；合计、比率和图表针对已导入的客户",
        },
    });
    out
}
