//! `fidelis analyze clv` on files (no store): a GB18030 CSV with Chinese headers, xlsx output,
//! the JSON summary, and bad input rejected with file, line, column and reason and nothing
//! written.

use std::path::Path;
use std::process::{Command, Output};

fn analyze(args: &[&str], lang: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fidelis"))
        .args(["analyze", "clv"])
        .args(args)
        .env("LANG", lang)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A simulated base as `客户编号,日期,金额` rows.
fn simulated_rows(customers: usize) -> String {
    let mut out = String::from("客户编号,日期,金额\n");
    analytics::sim::Config::demo(customers).for_each(|c| {
        for p in &c.purchases {
            let day = 19_723 + (p.week * 7.0).floor() as i64; // from 2024-01-01
            let date = &analytics::sim::unix_to_stored(day * 86_400)[..10];
            out.push_str(&format!("客户{},{date},{:.2}\n", c.index, p.amount));
        }
    });
    out
}

#[test]
fn clv_on_a_gb18030_file_writes_customers_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("交易.csv");
    let rows = simulated_rows(3_000);
    let (bytes, _, _) = encoding_rs::GB18030.encode(&rows);
    std::fs::write(&input, &bytes).unwrap();
    let (csv, xlsx, json) = (
        dir.path().join("out.csv"),
        dir.path().join("out.xlsx"),
        dir.path().join("summary.json"),
    );
    let o = analyze(
        &[
            "--transactions",
            input.to_str().unwrap(),
            "--calibration-end",
            "2024-09-29",
            "--observation-end",
            "2025-06-29",
            "--period",
            "week",
            "--output",
            csv.to_str().unwrap(),
            "--summary-json",
            json.to_str().unwrap(),
        ],
        "en_US.UTF-8",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("BG/NBD"), "{}", text(&o));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(s["n_customers"], 3_000);
    for k in ["r", "alpha", "a", "b", "loglik"] {
        assert!(s["bgnbd"][k].as_f64().unwrap().is_finite(), "{k}");
        if k != "loglik" {
            assert!(s["bgnbd"]["se"][k].as_f64().unwrap() > 0.0, "se {k}");
        }
    }
    for k in ["p", "q", "gamma", "loglik"] {
        assert!(s["gamma_gamma"][k].as_f64().unwrap().is_finite(), "{k}");
    }
    assert!(s["pareto"]["top20_revenue_share"].as_f64().unwrap() > 0.2);
    assert!(s["holdout"]["tracking"].as_array().unwrap().len() > 70);
    let rows = s["cohorts"]["rows"].as_array().unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| r["customers"].as_u64().unwrap())
            .sum::<u64>(),
        3_000
    );
    assert_eq!(rows[0]["retained"][0], 1.0);
    let churn = &s["churn"];
    assert_eq!(churn["customers"], 3_000);
    for rule in ["by_p_alive", "by_inactivity"] {
        let r = churn[rule]["churn_rate"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&r), "{rule}");
        assert!((churn[rule]["retention_rate"].as_f64().unwrap() - (1.0 - r)).abs() < 1e-12);
    }
    assert!(churn["definition"]["zh"]
        .as_str()
        .unwrap()
        .contains("流失率"));
    assert!(text(&o).contains("churn rate"));
    let body = std::fs::read_to_string(&csv).unwrap();
    let mut lines = body.lines();
    let header = lines.next().unwrap().trim_start_matches('\u{feff}');
    assert!(header.starts_with(
        "customer_id,frequency,recency,T,monetary,rfm_r,rfm_f,rfm_m,p_alive,expected_purchases,expected_spend,clv"
    ));
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(first[0], "客户0");
    assert_eq!(body.lines().count(), 3_001);
    assert!(!body.contains("NaN") && !body.contains("inf"));
    // The same as xlsx.
    let o = analyze(
        &[
            "--transactions",
            input.to_str().unwrap(),
            "--calibration-end",
            "2024-09-29",
            "--output",
            xlsx.to_str().unwrap(),
        ],
        "en_US.UTF-8",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 10_000);
}

fn rejected(dir: &Path, name: &str, body: &str, extra: &[&str], lang: &str) -> String {
    let input = dir.join(name);
    std::fs::write(&input, body).unwrap();
    let out = dir.join(format!("{name}.out.csv"));
    let mut args = vec![
        "--transactions",
        input.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = analyze(&args, lang);
    assert!(!o.status.success(), "{name} should fail: {}", text(&o));
    assert!(!out.exists(), "{name}: nothing may be written");
    text(&o)
}

#[test]
fn bad_files_are_rejected_with_reasons_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = rejected(
        d,
        "bad.csv",
        "customer_id,date,amount\nA,2024-01-01,5\nA,2024-02-30,5\nB,2024-01-03,-2\nC,2024-01-04,\n,2024-01-05,1\n",
        &[],
        "en_US.UTF-8",
    );
    for want in [
        "bad.csv:3: column date",
        "bad.csv:4: column amount",
        "zero or more",
        "bad.csv:5: column amount",
        "missing",
        "bad.csv:6: column customer_id",
    ] {
        assert!(t.contains(want), "missing '{want}' in:\n{t}");
    }
    let t = rejected(
        d,
        "nocol.csv",
        "who,when,much\nA,2024-01-01,5\n",
        &[],
        "en_US.UTF-8",
    );
    assert!(
        t.contains("customer_id") && t.contains("--map") || t.contains("required column"),
        "{t}"
    );
    let once = "customer_id,date,amount\nA,2024-01-01,5\nB,2024-01-02,6\nC,2024-01-03,7\n";
    let t = rejected(
        d,
        "once.csv",
        once,
        &["--calibration-end", "2024-02-01"],
        "en_US.UTF-8",
    );
    assert!(t.contains("repeat purchase"), "{t}");
    let t = rejected(
        d,
        "early.csv",
        once,
        &["--calibration-end", "2023-01-01"],
        "en_US.UTF-8",
    );
    assert!(t.contains("calibration end"), "{t}");
    let t = rejected(
        d,
        "once_zh.csv",
        once,
        &["--calibration-end", "2024-02-01"],
        "zh_CN.UTF-8",
    );
    assert!(t.contains("重复购买"), "{t}");
    let t = rejected(
        d,
        "order.csv",
        once,
        &[
            "--calibration-end",
            "2024-02-01",
            "--observation-end",
            "2024-01-01",
        ],
        "en_US.UTF-8",
    );
    assert!(t.contains("observation end"), "{t}");
}
