//! Simulated ECSI-structured survey answers for the PLS benchmark (`bench/pls.sh`), from
//! Fidelis's own simulator (`analytics::sim_survey`): `gen-answers --respondents N [--seed S]
//! --out FILE.csv` writes one row per respondent, items IMAG1 … CUSL3 on 1–10.

use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let n: usize = arg("--respondents")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let seed: u64 = arg("--seed").and_then(|v| v.parse().ok()).unwrap_or(1);
    let out = arg("--out").unwrap_or_else(|| "bench/out/answers.csv".into());
    let cols = analytics::sim_survey::ecsi_answers(n, seed);
    let mut w = BufWriter::new(std::fs::File::create(&out)?);
    writeln!(w, "{}", analytics::sim_survey::ecsi_item_names().join(","))?;
    let mut line = String::new();
    for i in 0..n {
        line.clear();
        for (k, c) in cols.iter().enumerate() {
            if k > 0 {
                line.push(',');
            }
            line.push_str(&(c[i] as u8).to_string());
        }
        writeln!(w, "{line}")?;
    }
    w.flush()?;
    println!("{n} respondents -> {out}");
    Ok(())
}
