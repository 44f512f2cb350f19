//! `fidelis analyze clv` on Parquet (issue 21 §1): a directory and a glob of typed files give
//! exactly the CSV's answer; `--output` writes Parquet; a missing or mistyped column, mixed id
//! kinds across files and no files at all are refused naming file and column, nothing written.

use super::analyze::{analyze, simulated_rows};
use super::text;
use columnar::{Kind, Value, Writer};
use std::path::Path;

/// The rows of `simulated_rows` (`客户编号,日期,金额`) as `files` Parquet files under `dir`:
/// ids as text (or, with `int_ids`, their number), dates as DATE, amounts as DECIMAL(18,2).
fn write_parquet(csv: &str, dir: &Path, files: usize, int_ids: bool) {
    std::fs::create_dir_all(dir).unwrap();
    let lines: Vec<&str> = csv.lines().skip(1).collect();
    let per = lines.len().div_ceil(files);
    for (k, chunk) in lines.chunks(per).enumerate() {
        let id_kind = if int_ids { Kind::Int } else { Kind::Text };
        let path = dir.join(format!("part-{k:03}.parquet"));
        let mut w = Writer::create(
            &path,
            &[
                ("客户编号", id_kind),
                ("日期", Kind::Date),
                ("金额", Kind::Money),
            ],
        )
        .unwrap();
        for l in chunk {
            let mut f = l.split(',');
            let (id, date, amount) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
            let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
            let day = (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days();
            let cents = (amount.parse::<f64>().unwrap() * 100.0).round() as i64;
            let number = id.trim_start_matches("客户").parse::<i64>().unwrap();
            w.row(&[
                if int_ids {
                    Value::Int(number)
                } else {
                    Value::Text(id)
                },
                Value::Int(day),
                Value::Int(cents),
            ])
            .unwrap();
        }
        w.finish().unwrap();
    }
}

fn summary(input: &str, dir: &Path, name: &str, output: &str) -> serde_json::Value {
    let json = dir.join(format!("{name}.json"));
    let o = analyze(
        &[
            "--transactions",
            input,
            "--calibration-end",
            "2024-09-29",
            "--period",
            "week",
            "--summary-json",
            json.to_str().unwrap(),
            "--output",
            output,
        ],
        "en_US.UTF-8",
    );
    assert!(o.status.success(), "{name}: {}", text(&o));
    serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
}

#[test]
fn clv_on_parquet_equals_clv_on_csv() {
    let dir = tempfile::tempdir().unwrap();
    let rows = simulated_rows(2_000);
    let csv = dir.path().join("交易.csv");
    std::fs::write(&csv, &rows).unwrap();
    let lake = dir.path().join("lake");
    write_parquet(&rows, &lake, 3, false);
    let d = dir.path();
    let out_csv = d.join("out.csv");
    let from_csv = summary(csv.to_str().unwrap(), d, "csv", out_csv.to_str().unwrap());
    let out_pq = d.join("out.parquet");
    let from_dir = summary(lake.to_str().unwrap(), d, "dir", out_pq.to_str().unwrap());
    assert_eq!(
        from_csv, from_dir,
        "a directory of Parquet files gives the CSV's answer"
    );
    let glob = format!("{}/part-*.parquet", lake.display());
    let out_glob = d.join("glob.csv");
    let from_glob = summary(&glob, d, "glob", out_glob.to_str().unwrap());
    assert_eq!(from_csv, from_glob, "so does a glob");
    // Integer ids read as their number's text: the same customers.
    let ints = dir.path().join("ints");
    write_parquet(&rows.replace("客户", ""), &ints, 2, true);
    let from_ints = summary(
        ints.to_str().unwrap(),
        d,
        "ints",
        d.join("i.csv").to_str().unwrap(),
    );
    assert_eq!(from_csv["bgnbd"], from_ints["bgnbd"]);
    // The Parquet output holds every analysed customer, typed, at full precision: its CLV is
    // the CSV's (rounded to 4 decimals there).
    let csv_clv: std::collections::HashMap<String, f64> = std::fs::read_to_string(&out_csv)
        .unwrap()
        .trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[11].parse().unwrap())
        })
        .collect();
    let input = columnar::ParquetInput::open(out_pq.to_str().unwrap()).unwrap();
    assert_eq!(input.rows, from_csv["n_customers"].as_u64().unwrap());
    use columnar::{Cell, ColumnType::*};
    let mut seen = 0;
    columnar::read_columns(
        &input,
        &["customer_id", "clv", "first_purchase"],
        &[&[Text], &[Float], &[Date]],
        &mut |_, _, c| {
            let (Cell::Text(id), Cell::Float(clv), Cell::Day(_)) = (c[0], c[1], c[2]) else {
                panic!("typed columns: {c:?}");
            };
            assert!(
                (csv_clv[id] - clv).abs() <= 5e-5,
                "{id}: {clv} vs {}",
                csv_clv[id]
            );
            seen += 1;
        },
        &|_, _| {},
    )
    .unwrap();
    assert_eq!(seen, csv_clv.len());
}

#[test]
fn bad_parquet_is_refused_naming_file_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows = simulated_rows(50);
    let refuse = |input: &str, extra: &[&str]| -> String {
        let out = d.join("never.parquet");
        let mut args = vec!["--transactions", input, "--output", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = analyze(&args, "en_US.UTF-8");
        assert!(!o.status.success(), "{input} should fail: {}", text(&o));
        assert!(!out.exists(), "{input}: nothing written");
        text(&o)
    };
    // An amount written as text.
    let p = d.join("text-amount.parquet");
    let mut w = Writer::create(
        &p,
        &[
            ("customer_id", Kind::Text),
            ("date", Kind::Date),
            ("amount", Kind::Text),
        ],
    )
    .unwrap();
    w.row(&[Value::Text("a"), Value::Int(19_800), Value::Text("12.50")])
        .unwrap();
    w.finish().unwrap();
    let t = refuse(p.to_str().unwrap(), &[]);
    assert!(
        t.contains("text-amount.parquet") && t.contains("amount") && t.contains("decimal"),
        "{t}"
    );
    // No amount column at all, and a mapping to one that is not there.
    let p = d.join("no-amount.parquet");
    let mut w = Writer::create(&p, &[("customer_id", Kind::Text), ("date", Kind::Date)]).unwrap();
    w.row(&[Value::Text("a"), Value::Int(19_800)]).unwrap();
    w.finish().unwrap();
    let t = refuse(p.to_str().unwrap(), &[]);
    assert!(t.contains("amount"), "{t}");
    let t = refuse(p.to_str().unwrap(), &["--amount-col", "价格"]);
    assert!(t.contains("价格"), "{t}");
    // Ids that are numbers in one file and text in the other.
    let mixed = d.join("mixed");
    write_parquet(&rows.replace("客户", ""), &mixed, 1, true);
    let other = d.join("other");
    write_parquet(&rows, &other, 1, false);
    std::fs::rename(
        other.join("part-000.parquet"),
        mixed.join("part-001.parquet"),
    )
    .unwrap();
    let t = refuse(mixed.to_str().unwrap(), &[]);
    assert!(
        t.contains("part-001.parquet") && t.contains("客户编号") && t.contains("part-000"),
        "{t}"
    );
    // Nothing there, and a glob that matches nothing.
    let empty = d.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let t = refuse(empty.to_str().unwrap(), &[]);
    assert!(t.contains("no Parquet files"), "{t}");
    let t = refuse(&format!("{}/*.parquet", empty.display()), &[]);
    assert!(t.contains("no Parquet files"), "{t}");
    // A bad value in a text date column names its file and row.
    let p = d.join("text-date.parquet");
    let mut w = Writer::create(
        &p,
        &[
            ("customer_id", Kind::Text),
            ("date", Kind::Text),
            ("amount", Kind::Money),
        ],
    )
    .unwrap();
    w.row(&[Value::Text("a"), Value::Text("2024-01-05"), Value::Int(100)])
        .unwrap();
    w.row(&[Value::Text("a"), Value::Text("soon"), Value::Int(100)])
        .unwrap();
    w.finish().unwrap();
    let t = refuse(p.to_str().unwrap(), &[]);
    assert!(
        t.contains("text-date.parquet") && t.contains('2') && t.contains("soon"),
        "{t}"
    );
}

#[test]
fn loyalty_reads_parquet_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let rows = simulated_rows(1_000);
    let csv = dir.path().join("purchases.csv");
    std::fs::write(&csv, &rows).unwrap();
    let lake = dir.path().join("lake");
    write_parquet(&rows, &lake, 2, false);
    let answers = dir.path().join("answers.csv");
    let mut a = String::from("客户编号,满意度,推荐意愿\n");
    for i in 0..200 {
        a.push_str(&format!("客户{i},{},{}\n", (i * 7) % 101, i % 11));
    }
    std::fs::write(&answers, a).unwrap();
    let run = |purchases: &Path, name: &str| {
        let out = dir.path().join(format!("{name}.csv"));
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_fidelis"))
            .args(["loyalty", "--transactions"])
            .arg(purchases)
            .arg("--answers")
            .arg(&answers)
            .arg("--output")
            .arg(&out)
            .env("LANG", "en_US.UTF-8")
            .output()
            .unwrap();
        assert!(o.status.success(), "{name}: {}", text(&o));
        std::fs::read_to_string(out).unwrap()
    };
    let (from_csv, from_lake) = (run(&csv, "csv"), run(&lake, "lake"));
    assert!(from_csv.lines().count() > 900);
    assert_eq!(from_csv, from_lake, "the same types, reasons and values");
}
