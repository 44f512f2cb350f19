//! Survey answers for the loyalty benchmark (`bench/loyalty.sh`): `gen-loyalty-answers
//! --customers N --answers M [--seed S] --out FILE.csv` writes M answers of customers drawn from
//! the simulator's N customers (the ids `gen-transactions` writes), one row per answer:
//! customer_id, satisfaction (0–100), recommend (0–10), intent (0–100), share_of_wallet (0–100),
//! answered_at — the columns `fidelis loyalty --answers` reads. Satisfaction and recommendation
//! move together, as in real answers; a quarter of the answers leave share of wallet empty.

use rand::{Rng, SeedableRng};
use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let n: usize = arg("--customers")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let m: usize = arg("--answers")
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let seed: u64 = arg("--seed").and_then(|v| v.parse().ok()).unwrap_or(16);
    let out = arg("--out").unwrap_or_else(|| "bench/out/loyalty_answers.csv".into());
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&out)?);
    writeln!(
        w,
        "customer_id,satisfaction,recommend,intent,share_of_wallet,answered_at"
    )?;
    for _ in 0..m {
        // The simulator names customer i `C{i+1:07}`.
        let id = format!("C{:07}", rng.gen_range(0..n) + 1);
        let mood: f64 = rng.gen_range(0.0..1.0);
        let sat = (100.0 * (0.6 * mood + 0.4 * rng.gen_range(0.0..1.0))).round();
        let rec = (10.0 * (0.7 * mood + 0.3 * rng.gen_range(0.0..1.0))).round();
        let intent = (100.0 * (0.5 * mood + 0.5 * rng.gen_range(0.0..1.0))).round();
        let wallet = if rng.gen_bool(0.75) {
            format!("{}", rng.gen_range(0..=100))
        } else {
            String::new()
        };
        let day = rng.gen_range(1..=28);
        let month = rng.gen_range(1..=12);
        writeln!(
            w,
            "{id},{sat},{rec},{intent},{wallet},2025-{month:02}-{day:02}"
        )?;
    }
    w.flush()?;
    println!("{m} answers of {n} customers -> {out}");
    Ok(())
}
