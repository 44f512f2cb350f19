//! `fidelis analyze pls` on answers files: the ECSI template on simulated answers gives the
//! numeric core's fit, bootstrap intervals repeat with the seed on any number of threads, a TOML model works, and bad
//! answers or models are refused with what and where.

use super::text;
use analytics::pls::{fit, Options};
use analytics::sim_survey::{ecsi_answers, ecsi_item_names};
use std::path::Path;
use std::process::{Command, Output};

fn pls(args: &[&str], lang: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fidelis"))
        .args(["analyze", "pls"])
        .args(args)
        .env("LANG", lang)
        .output()
        .unwrap()
}

/// Simulated answers as CSV, with `edit(line, row)` able to change a row's cells.
fn answers_csv(n: usize, edit: impl Fn(usize, &mut Vec<String>)) -> String {
    let cols = ecsi_answers(n, 5);
    let mut out = ecsi_item_names().join(",") + "\n";
    for i in 0..n {
        let mut row: Vec<String> = cols.iter().map(|c| c[i].to_string()).collect();
        edit(i + 2, &mut row);
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// The results file, without its timings (which differ from run to run).
fn json(path: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    if let Some(o) = v.as_object_mut() {
        assert!(o.remove("timings").is_some(), "timings are reported");
    }
    v
}

#[test]
fn the_ecsi_template_fits_simulated_answers_like_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("answers.csv");
    std::fs::write(&data, answers_csv(400, |_, _| {})).unwrap();
    let out = dir.path().join("pls.json");
    let args = [
        "--data",
        data.to_str().unwrap(),
        "--bootstrap",
        "40",
        "--seed",
        "9",
        "--json",
        out.to_str().unwrap(),
    ];
    let o = pls(&args, "en_US.UTF-8");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Image → Expectation"), "{}", text(&o));
    let got = json(&out);
    assert_eq!(got["respondents"], 400);
    // The same fit straight from the core (template blocks in order, mode A, standardised).
    let cols = ecsi_answers(400, 5);
    let model = analytics::sim_survey::ecsi_model();
    let f = fit(&cols, &model, &Options::default()).unwrap();
    let listed = got["paths"].as_array().unwrap();
    assert_eq!(listed.len(), 12);
    for p in listed {
        let from = model
            .blocks
            .iter()
            .position(|b| b.name == p["from"])
            .unwrap();
        let to = model.blocks.iter().position(|b| b.name == p["to"]).unwrap();
        let c = p["coefficient"].as_f64().unwrap();
        assert!((c - f.path[from][to]).abs() < 1e-6, "{p}");
        let ci = p["ci"].as_array().unwrap();
        assert!(
            ci[0].as_f64().unwrap() <= c && c <= ci[1].as_f64().unwrap(),
            "{p}"
        );
    }
    // The simulated satisfaction is well explained, and the bootstrap repeats with its seed.
    let sat = &got["constructs"][4];
    assert_eq!(sat["name"], "Satisfaction");
    assert!(sat["r2"].as_f64().unwrap() > 0.3, "{sat}");
    // The same intervals on one core and on three.
    for threads in ["1", "3"] {
        let again = Command::new(env!("CARGO_BIN_EXE_fidelis"))
            .args(["analyze", "pls"])
            .args(args)
            .env("FIDELIS_THREADS", threads)
            .output()
            .unwrap();
        assert!(again.status.success(), "{}", text(&again));
        assert_eq!(
            json(&out),
            got,
            "same seed, same results on {threads} threads"
        );
    }
    // In Chinese.
    let zh = pls(&["--data", data.to_str().unwrap()], "zh_CN.UTF-8");
    assert!(text(&zh).contains("路径系数"), "{}", text(&zh));
}

#[test]
fn a_model_file_and_bad_answers_or_models() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let write = |name: &str, body: &str| {
        let p = d.join(name);
        std::fs::write(&p, body).unwrap();
        p.to_str().unwrap().to_string()
    };
    let good = write("good.csv", &answers_csv(300, |_, _| {}));
    let model = write(
        "m.toml",
        "scale = [1, 10]\n[[construct]]\nname = \"Quality\"\nindicators = [\"PERQ1\", \"PERQ2\", \"PERQ3\"]\n[[construct]]\nname = \"Satisfaction\"\nindicators = [\"CUSA1\", \"CUSA2\", \"CUSA3\"]\nmode = \"B\"\n[[path]]\nfrom = \"Quality\"\nto = [\"Satisfaction\"]\n",
    );
    let o = pls(&["--data", &good, "--model", &model], "en_US.UTF-8");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Quality → Satisfaction"));

    let refused = |data: &str, model: &str| {
        let o = pls(&["--data", data, "--model", model], "en_US.UTF-8");
        assert!(!o.status.success(), "should fail: {}", text(&o));
        text(&o)
    };
    let word = write(
        "word.csv",
        &answers_csv(300, |line, row| {
            if line == 5 {
                row[18] = "good".into()
            }
        }),
    );
    let t = refused(&word, "ecsi");
    assert!(
        t.contains(":5") && t.contains("CUSA2") && t.contains("not a number"),
        "{t}"
    );
    let high = write(
        "high.csv",
        &answers_csv(300, |line, row| {
            if line == 9 {
                row[0] = "11".into()
            }
        }),
    );
    let t = refused(&high, "ecsi");
    assert!(
        t.contains(":9") && t.contains("IMAG1") && t.contains("outside the scale"),
        "{t}"
    );
    let missing = write(
        "missing.toml",
        "[[construct]]\nname = \"A\"\nindicators = [\"NOPE\"]\n[[construct]]\nname = \"B\"\nindicators = [\"CUSA1\"]\n[[path]]\nfrom = \"A\"\nto = [\"B\"]\n",
    );
    assert!(refused(&good, &missing).contains("'NOPE'"));
    let cyclic = write(
        "cyclic.toml",
        "[[construct]]\nname = \"A\"\nindicators = [\"PERQ1\"]\n[[construct]]\nname = \"B\"\nindicators = [\"CUSA1\"]\n[[path]]\nfrom = \"A\"\nto = [\"B\"]\n[[path]]\nfrom = \"B\"\nto = [\"A\"]\n",
    );
    assert!(refused(&good, &cyclic).contains("cycle"));
    let flat = write("flat.csv", &answers_csv(300, |_, row| row[22] = "7".into()));
    let t = refused(&flat, "ecsi");
    assert!(t.contains("zero variance") && t.contains("Loyalty"), "{t}");
    // Missing answers leave the respondent out, and are counted.
    let gaps = write(
        "gaps.csv",
        &answers_csv(300, |line, row| {
            if line % 50 == 0 {
                row[3] = String::new()
            }
        }),
    );
    let out = d.join("gaps.json");
    let o = pls(
        &["--data", &gaps, "--json", out.to_str().unwrap()],
        "en_US.UTF-8",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(json(&out)["left_out_missing"], 6);
    assert_eq!(json(&out)["respondents"], 294);
}
