//! Generate benchmark data with Fidelis's own simulator (the demo's generator, SPEC §4 models):
//! `gen-transactions --customers N [--alpha A] --out DIR` writes DIR/customers.csv and
//! DIR/transactions.csv (11 columns, the import's default names). `--alpha` rescales the BG/NBD
//! purchase rate (CDNOW's 4.414 gives ~2.8 purchases per customer over 78 weeks; 0.55 gives ~10).
//!
//! `--slim` writes only DIR/purchases.csv (`customer_id,date,amount`, dates from 2024-01-01 over
//! 78 weeks): what an analyst exports for `fidelis analyze clv` and for lifetimes. With
//! `--parquet K` the same purchases go to K Parquet files DIR/purchases/part-NNN.parquet (id as
//! text, date as DATE, amount as DECIMAL(18,2)), as a data lake holds them.

use analytics::sim::{Config, CUSTOMER_HEADER, TRANSACTION_HEADER};
use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let customers: usize = arg("--customers")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let alpha: f64 = arg("--alpha").and_then(|v| v.parse().ok()).unwrap_or(4.414);
    let out = std::path::PathBuf::from(arg("--out").unwrap_or_else(|| "bench/out".into()));
    std::fs::create_dir_all(&out)?;
    let mut cfg = Config::demo(customers);
    cfg.purchases.alpha = alpha;
    if let Some(k) = arg("--parquet").and_then(|v| v.parse::<usize>().ok()) {
        return parquet(&cfg, &out, k.max(1));
    }
    if args.iter().any(|a| a == "--slim") {
        return slim(&cfg, &out);
    }
    // The history ends now, like the demo's.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let start = now - (cfg.history_weeks * 7.0 * 86_400.0) as i64;
    let mut cw =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(out.join("customers.csv"))?);
    let mut tw = BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(out.join("transactions.csv"))?,
    );
    writeln!(cw, "{CUSTOMER_HEADER}")?;
    writeln!(tw, "{TRANSACTION_HEADER}")?;
    let mut n_tx = 0usize;
    let mut failure = None;
    cfg.for_each(|c| {
        let r = c
            .write_customer_csv(&mut cw, |i| format!("C{:07}", i + 1))
            .and_then(|_| c.write_transactions_csv(&mut tw, start, now));
        match r {
            Ok(n) => n_tx += n,
            Err(e) => failure = Some(e),
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    cw.flush()?;
    tw.flush()?;
    println!(
        "{customers} customers, {n_tx} transactions -> {}",
        out.display()
    );
    Ok(())
}

/// Day number of 2024-01-01.
const SLIM_START_DAY: i64 = 19_723;

fn slim(cfg: &Config, out: &std::path::Path) -> std::io::Result<()> {
    let mut w =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(out.join("purchases.csv"))?);
    writeln!(w, "customer_id,date,amount")?;
    let mut n_tx = 0usize;
    let mut failure = None;
    cfg.for_each(|c| {
        for p in &c.purchases {
            let day = SLIM_START_DAY + (p.week * 7.0).floor() as i64;
            let date = &analytics::sim::unix_to_stored(day * 86_400)[..10];
            if let Err(e) = writeln!(w, "{},{date},{:.2}", c.external_id, p.amount) {
                failure = Some(e);
            }
            n_tx += 1;
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    w.flush()?;
    println!(
        "{} customers, {n_tx} purchases -> {}",
        cfg.customers,
        out.join("purchases.csv").display()
    );
    Ok(())
}

/// The slim purchases as `files` Parquet files, customers spread over them in blocks.
fn parquet(cfg: &Config, out: &std::path::Path, files: usize) -> std::io::Result<()> {
    use columnar::{Kind, Value, Writer};
    let dir = out.join("purchases");
    std::fs::create_dir_all(&dir)?;
    let per_file = cfg.customers.div_ceil(files).max(1);
    let columns = [
        ("customer_id", Kind::Text),
        ("date", Kind::Date),
        ("amount", Kind::Money),
    ];
    let io = std::io::Error::other;
    let mut writer: Option<Writer> = None;
    let (mut n_tx, mut k, mut failure) = (0usize, 0usize, None);
    cfg.for_each(|c| {
        if failure.is_some() {
            return;
        }
        let r = (|| -> Result<(), String> {
            if c.index % per_file == 0 {
                if let Some(w) = writer.take() {
                    w.finish()?;
                }
                writer = Some(Writer::create(
                    &dir.join(format!("part-{k:03}.parquet")),
                    &columns,
                )?);
                k += 1;
            }
            let w = writer.as_mut().expect("open writer");
            for p in &c.purchases {
                let day = SLIM_START_DAY + (p.week * 7.0).floor() as i64;
                let cents = (p.amount * 100.0).round() as i64;
                w.row(&[
                    Value::Text(&c.external_id),
                    Value::Int(day),
                    Value::Int(cents),
                ])?;
                n_tx += 1;
            }
            Ok(())
        })();
        if let Err(e) = r {
            failure = Some(e);
        }
    });
    if let Some(e) = failure {
        return Err(io(e));
    }
    if let Some(w) = writer.take() {
        w.finish().map_err(io)?;
    }
    println!(
        "{} customers, {n_tx} purchases -> {} ({k} files)",
        cfg.customers,
        dir.display()
    );
    Ok(())
}
