//! `fidelis analyze clv` on files (no store): a GB18030 CSV with Chinese headers, xlsx output,
//! the JSON summary, and bad input rejected with file, line, column and reason and nothing
//! written.

use super::text;
use std::path::Path;
use std::process::{Command, Output};

pub(super) fn analyze(args: &[&str], lang: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fidelis"))
        .args(["analyze", "clv"])
        .args(args)
        .env("LANG", lang)
        .output()
        .unwrap()
}

/// A simulated base as `客户编号,日期,金额` rows.
pub(super) fn simulated_rows(customers: usize) -> String {
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
    // Data the models cannot use: (file, options, language, what the message must say).
    let once = "customer_id,date,amount\nA,2024-01-01,5\nB,2024-01-02,6\nC,2024-01-03,7\n";
    let en = "en_US.UTF-8";
    let cases: [(&str, &[&str], &str, &str); 4] = [
        (
            "once.csv",
            &["--calibration-end", "2024-02-01"],
            en,
            "repeat purchase",
        ),
        (
            "early.csv",
            &["--calibration-end", "2023-01-01"],
            en,
            "calibration end",
        ),
        (
            "once_zh.csv",
            &["--calibration-end", "2024-02-01"],
            "zh_CN.UTF-8",
            "重复购买",
        ),
        (
            "order.csv",
            &[
                "--calibration-end",
                "2024-02-01",
                "--observation-end",
                "2024-01-01",
            ],
            en,
            "observation end",
        ),
    ];
    for (name, args, lang, want) in cases {
        let t = rejected(d, name, once, args, lang);
        assert!(t.contains(want), "{name}: {t}");
    }
}

/// The store path (SQL summaries) and the file path give the same analysis of the same
/// purchases, on SQLite and PostgreSQL.
async fn store_analysis_equals_file_analysis(t: &super::harness::TestApp) {
    let cfg = analytics::sim::Config::demo(1_500);
    let (mut customers, mut tx) = (
        String::from("external_id,name,referred_by\n"),
        String::from("external_id,customer_id,occurred_at,amount\n"),
    );
    cfg.for_each(|c| {
        let referrer = c
            .referred_by
            .map(|r| format!("C{:07}", r + 1))
            .unwrap_or_default();
        customers.push_str(&format!("{},n{},{referrer}\n", c.external_id, c.index));
        for (k, p) in c.purchases.iter().enumerate() {
            let day = 19_723 + (p.week * 7.0).floor() as i64;
            let at = analytics::sim::unix_to_stored(day * 86_400 + 3_600 * (k as i64 % 20));
            tx.push_str(&format!(
                "T{}-{k},{},{at},{:.2}\n",
                c.index, c.external_id, p.amount
            ));
        }
    });
    let (cf, tf) = (
        t.file("c.csv", customers.as_bytes()),
        t.file("t.csv", tx.as_bytes()),
    );
    for (kind, f) in [("customers", &cf), ("transactions", &tf)] {
        let o = Command::new(env!("CARGO_BIN_EXE_fidelis"))
            .args([
                "--database-url",
                &t.url,
                "import",
                kind,
                f.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
    }
    let run = |from_file: bool, name: &str| -> (serde_json::Value, Vec<String>) {
        let (json, csv) = (
            t.dir.path().join(format!("{name}.json")),
            t.dir.path().join(format!("{name}.csv")),
        );
        let mut args = vec![
            "--database-url",
            &t.url,
            "analyze",
            "clv",
            "--calibration-end",
            "2024-09-29",
            "--observation-end",
            "2025-06-29",
            "--period",
            "week",
            "--summary-json",
            json.to_str().unwrap(),
            "--output",
            csv.to_str().unwrap(),
        ];
        if from_file {
            args.extend(["--transactions", tf.to_str().unwrap()]);
        }
        let o = Command::new(env!("CARGO_BIN_EXE_fidelis"))
            .args(&args)
            .env("LANG", "en_US.UTF-8")
            .output()
            .unwrap();
        assert!(o.status.success(), "{name}: {}", text(&o));
        let s: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
        let mut lines: Vec<String> = std::fs::read_to_string(csv)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        lines.sort();
        (s, lines)
    };
    let (store, store_rows) = run(false, "store");
    let (file, file_rows) = run(true, "file");
    assert_eq!(store["n_customers"], 1_500);
    // The store run is saved: the same summary, every customer's values (the file run is not).
    let saved = t
        .app
        .store
        .latest_analysis_run("clv")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.customers, 1_500);
    close(&saved.summary["bgnbd"], &store["bgnbd"], "saved bgnbd");
    close(&saved.summary["churn"], &store["churn"], "saved churn");
    assert_eq!(t.app.store.analysis_runs("clv", 10).await.unwrap().len(), 1);
    let mut n = 0;
    t.app
        .store
        .for_each_customer_value(|_, _, v| {
            n += 1;
            assert!((0.0..=1.0).contains(&v.p_alive) && v.clv >= 0.0);
        })
        .await
        .unwrap();
    assert_eq!(n, 1_500);
    // Referrals are known to the store only.
    let referrers = cfg
        .simulate()
        .iter()
        .filter_map(|c| c.referred_by)
        .collect::<std::collections::HashSet<_>>()
        .len();
    assert_eq!(store["referral"]["referrers"], referrers as u64);
    assert_eq!(store["referral"]["customers"], 1_500);
    assert!(referrers > 50 && file["referral"].is_null());
    // Amounts are summed as cents in SQL and as floats from the file: equal to 1e-9.
    for key in [
        "n_customers",
        "bgnbd",
        "gamma_gamma",
        "pareto",
        "cohorts",
        "churn",
        "holdout",
        "totals",
    ] {
        close(&store[key], &file[key], key);
    }
    // Rows: the same customers and values, up to the last printed decimal.
    assert_eq!(store_rows.len(), file_rows.len());
    for (a, b) in store_rows.iter().zip(&file_rows) {
        for (x, y) in a.split(',').zip(b.split(',')) {
            match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(x), Ok(y)) => assert!((x - y).abs() <= 1e-4 * x.abs().max(1.0), "{a}\n{b}"),
                _ => assert_eq!(x, y, "{a}\n{b}"),
            }
        }
    }
}

fn close(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-9),
                "{at}: {x} vs {y}"
            );
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (k, v) in x {
                close(v, &y[k], &format!("{at}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                close(v, w, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

crate::both!(store_analysis_equals_file_analysis);

/// `fidelis loyalty` on a purchases + answers file pair: every customer gets a type with reasons;
/// those who answered get a full classification; a bad answer rejects the answers file, naming
/// line and column, and nothing is written.
#[test]
fn loyalty_on_a_file_pair() {
    let dir = tempfile::tempdir().unwrap();
    let purchases = dir.path().join("purchases.csv");
    std::fs::write(&purchases, simulated_rows(2_000)).unwrap();
    let answers = dir.path().join("answers.csv");
    let mut a = String::from("客户编号,满意度,推荐意愿,再购意向,钱包份额,回答时间\n");
    for i in 0..400 {
        a.push_str(&format!(
            "客户{i},{},{},{},,2025-03-01\n",
            (i * 7) % 101,
            i % 11,
            (i * 3) % 101
        ));
    }
    std::fs::write(&answers, a).unwrap();
    let out = dir.path().join("types.csv");
    let json = dir.path().join("summary.json");
    let run = |answers: &Path, out: &Path| {
        Command::new(env!("CARGO_BIN_EXE_fidelis"))
            .args(["loyalty", "--transactions"])
            .arg(&purchases)
            .arg("--answers")
            .arg(answers)
            .arg("--output")
            .arg(out)
            .arg("--summary-json")
            .arg(&json)
            .env("LANG", "en_US.UTF-8")
            .output()
            .unwrap()
    };
    let o = run(&answers, &out);
    assert!(o.status.success(), "{}", text(&o));
    let table = std::fs::read_to_string(&out).unwrap();
    let mut lines = table.lines();
    assert!(lines
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .starts_with("customer_id,loyalty_type,loyalty_type_name,attachment"));
    let rows: Vec<&str> = lines.collect();
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(s["customers"].as_u64().unwrap() as usize, rows.len());
    // Everyone who answered and bought has both kinds of evidence.
    let both = s["evidence"]["both"].as_u64().unwrap();
    assert!(both > 0 && both <= 400, "{s}");
    assert_eq!(
        s["faces"]["emotional"]["answered"].as_u64(),
        Some(
            s["evidence"]["both"].as_u64().unwrap()
                + s["evidence"]["attitude_only"].as_u64().unwrap()
        )
    );
    let answered = rows.iter().find(|r| r.starts_with("客户7,")).unwrap();
    assert!(answered.contains("Attachment"), "{answered}");
    assert!(rows.iter().any(|r| r.contains("No survey answer")));
    // A recommendation of 11 is out of range: the file is refused, line and column named.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "customer_id,recommend\n客户1,9\n客户2,11\n").unwrap();
    let out2 = dir.path().join("types2.csv");
    let o = run(&bad, &out2);
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(
        msg.contains("bad.csv") && msg.contains('3') && msg.contains("recommend"),
        "{msg}"
    );
    assert!(!out2.exists(), "nothing written");
}
