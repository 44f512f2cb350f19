//! A CLV run made elsewhere (a cluster's output directory: `summary.json` and
//! `customers/*.parquet`) loaded into the store as the latest run (issue 21 §2), on SQLite and
//! PostgreSQL: every customer's values as written, customers the store does not know skipped and
//! counted, the page's figures those of the customers loaded; bad results refused naming file,
//! row and column, nothing changed.

use super::churn::fill;
use super::harness::TestApp;
use crate::both;
use columnar::{Kind, Value as V, Writer};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use storage::churn::CustomerValueRow;

/// Every customer's values of the latest run, by external id.
async fn values(t: &TestApp) -> HashMap<String, CustomerValueRow> {
    let mut out = HashMap::new();
    t.app
        .store
        .for_each_customer_value(|ext, _, v| {
            out.insert(ext.to_string(), v);
        })
        .await
        .unwrap();
    out
}

fn day(text: &str) -> i64 {
    let d = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
    (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days()
}

/// A results directory as `analyze clv --cluster` writes it, from `rows` (external id, values)
/// in `files` Parquet files; `tweak(row number, cells)` may spoil a row.
fn write_results(
    dir: &Path,
    summary: &serde_json::Value,
    rows: &[(String, CustomerValueRow)],
    files: usize,
    tweak: &dyn Fn(usize, &mut Vec<V>),
) {
    let customers = dir.join("customers");
    std::fs::create_dir_all(&customers).unwrap();
    std::fs::write(dir.join("summary.json"), summary.to_string()).unwrap();
    let columns: Vec<(&str, Kind)> = app::churn::clv::CUSTOMER_COLUMNS
        .iter()
        .map(|&c| (c, app::churn::parquet::customer_column_kind(c)))
        .collect();
    let per = rows.len().div_ceil(files);
    for (k, chunk) in rows.chunks(per).enumerate() {
        let mut w = Writer::create(&customers.join(format!("part-{k}.parquet")), &columns).unwrap();
        for (i, (id, v)) in chunk.iter().enumerate() {
            let mut cells = vec![
                V::Text(id),
                V::Int(v.frequency),
                V::Float(v.recency),
                V::Float(v.age),
                V::Float(v.monetary),
                V::Int(v.rfm_r),
                V::Int(v.rfm_f),
                V::Int(v.rfm_m),
                V::Float(v.p_alive),
                V::Float(v.expected_purchases),
                V::Float(v.expected_spend),
                V::Float(v.clv),
                V::Int(day(&v.first_purchase)),
                V::Int(day(&v.last_purchase)),
                V::Float(v.total_spend),
            ];
            tweak(k * per + i, &mut cells);
            w.row(&cells).unwrap();
        }
        w.finish().unwrap();
    }
}

/// The store's latest finished CLV run.
async fn latest(t: &TestApp) -> storage::churn::AnalysisRun {
    t.app
        .store
        .latest_analysis_run("clv")
        .await
        .unwrap()
        .unwrap()
}

async fn load(t: &TestApp, dir: &Path) -> Result<app::churn::loaded::LoadedRun, app::AppError> {
    t.app
        .load_clv_results(
            &app::Actor::cli(),
            dir,
            &dir.display().to_string(),
            Arc::new(|_, _, _| {}),
        )
        .await
}

async fn cluster_results_load_as_the_latest_run(t: &TestApp) {
    fill(t, 600).await;
    let (s, b) = super::harness::json(
        t.post("analyst", "/api/v1/churn/runs?wait=true")
            .body(r#"{"calibration_end":"2025-06-29"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let made_here = latest(t).await;
    let before = values(t).await;
    assert!(before.len() > 400, "{}", before.len());
    let mut rows: Vec<(String, CustomerValueRow)> =
        before.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    // The lake knows customers the store does not.
    let mut with_strangers = rows.clone();
    for k in 1..=3 {
        let mut v = rows[0].1.clone();
        v.clv = 1e6;
        with_strangers.push((format!("湖-{k}"), v));
    }
    let work = tempfile::tempdir().unwrap();
    let made_id = made_here.id;
    let unchanged = |what: &'static str| async move {
        let latest = latest(t).await;
        assert_eq!(latest.id, made_id, "{what}: the latest run is unchanged");
        assert_eq!(
            t.app.store.analysis_runs("clv", 10).await.unwrap().len(),
            1,
            "{what}: no run recorded"
        );
    };

    // Refused, nothing changed: no summary; a probability above 1 (file, row, column named);
    // a customer twice.
    let e = load(t, work.path()).await.unwrap_err();
    assert!(e.message.contains("summary.json"), "{}", e.message);
    unchanged("no summary").await;
    let bad = work.path().join("bad");
    write_results(&bad, &made_here.summary, &rows, 2, &|i, c| {
        if i == 7 {
            c[8] = V::Float(1.5);
        }
    });
    let e = load(t, &bad).await.unwrap_err();
    let d = e.details.clone();
    assert_eq!(d["error_count"], 1, "{e:?}");
    assert_eq!(d["errors"][0]["column"], "p_alive", "{d}");
    assert_eq!(d["errors"][0]["line"], 8, "{d}");
    assert!(
        d["errors"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("part-0.parquet"),
        "{d}"
    );
    unchanged("a bad row").await;
    let twice = work.path().join("twice");
    let mut doubled = rows.clone();
    doubled.push(rows[3].clone());
    write_results(&twice, &made_here.summary, &doubled, 1, &|_, _| {});
    let e = load(t, &twice).await.unwrap_err();
    assert!(format!("{e:?}").contains("twice"), "{e:?}");
    unchanged("a customer twice").await;

    // Loaded: the latest run, every customer's values as written, strangers skipped and counted.
    let good = work.path().join("good");
    write_results(&good, &made_here.summary, &with_strangers, 3, &|_, _| {});
    let r = load(t, &good).await.unwrap();
    assert_eq!(
        (r.rows, r.saved, r.not_in_store),
        (rows.len() as u64 + 3, rows.len() as u64, 3)
    );
    assert!(r.not_in_store_examples.contains(&"湖-2".to_string()));
    let loaded = latest(t).await;
    assert_eq!(loaded.id, r.run_id);
    assert_ne!(loaded.id, made_here.id);
    assert_eq!(loaded.options["source"], "cluster");
    let after = values(t).await;
    assert_eq!(after.len(), before.len());
    for (id, v) in &before {
        let w = &after[id];
        assert_eq!(w.run_id, loaded.id);
        let same = CustomerValueRow {
            run_id: v.run_id,
            mix: v.mix,
            main_store: v.main_store.clone(),
            ..w.clone()
        };
        assert_eq!(
            &same, v,
            "{id}: the values as written, the churn flags recomputed alike"
        );
    }
    // The page's figures: those of the customers loaded, equal to the run made here.
    let (a, b) = (&made_here.summary, &loaded.summary);
    for key in [
        "clv",
        "expected_purchases",
        "mean_p_alive",
        "median_p_alive",
    ] {
        let (x, y) = (
            a["totals"][key].as_f64().unwrap(),
            b["totals"][key].as_f64().unwrap(),
        );
        assert!(
            (x - y).abs() <= 1e-9 * x.abs().max(1.0),
            "{key}: {x} vs {y}"
        );
    }
    assert_eq!(a["churn"]["by_p_alive"], b["churn"]["by_p_alive"]);
    assert_eq!(a["churn"]["by_inactivity"], b["churn"]["by_inactivity"]);
    assert_eq!(a["distributions"]["p_alive"], b["distributions"]["p_alive"]);
    assert_eq!(a["n_customers"], b["n_customers"]);
    for key in ["top20_revenue_share", "top20_clv_share"] {
        let (x, y) = (
            a["pareto"][key].as_f64().unwrap(),
            b["pareto"][key].as_f64().unwrap(),
        );
        assert!((x - y).abs() <= 1e-12, "{key}: {x} vs {y}");
    }
    assert_eq!(b["source"]["not_in_store"], 3);
    assert_eq!(a["bgnbd"], b["bgnbd"], "the model as fitted where it ran");

    // The Churn page and a profile show it.
    let (session, _) = super::web::sign_in(t, "manager").await;
    let get = |path: String| {
        t.http
            .get(format!("{}{path}", t.base))
            .header("cookie", format!("fidelis_session={session}"))
            .send()
    };
    let html = get("/churn".into()).await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!("#{}", loaded.id)), "the loaded run");
    assert!(html.contains("id=\"churn-source\""), "where it came from");
    let someone = t
        .app
        .store
        .customer_id_by_external(&rows[0].0)
        .await
        .unwrap();
    let html = get(format!("/customers/{someone}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"value-p-alive\"") && html.contains(&format!("#{}", loaded.id)));
}

both!(cluster_results_load_as_the_latest_run);
