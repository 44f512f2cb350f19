//! Care automation at scale (issue 17), on an existing store (`bench/care.sh` prepares it):
//!
//! 1. the daily sweep of every ready rule (in dry run) over the whole customer base, twice (the
//!    second finds the occurrences already recorded);
//! 2. the low-answer event as a submitted answer runs it: `care_on_answer` for 2,000 customers,
//!    p50/p95/max;
//! 3. 10,000 queued e-mails drained to a local SMTP sink that accepts everything, with the
//!    process's resident memory before, after and at its peak.
//!
//!   care-bench --database-url sqlite://…/fidelis.sqlite3   (or postgres://…)

use app::{Actor, App};
use domain::access::Role;
use std::time::Instant;
use storage::care::{Effect, Firing};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// An SMTP sink on loopback: every message accepted; returns its port and a message counter.
async fn smtp_sink() -> (u16, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    let n = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = n.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                let _ = w.write_all(b"220 sink\r\n").await;
                let mut data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    if data {
                        if line == "." {
                            data = false;
                            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let _ = w.write_all(b"250 ok\r\n").await;
                        }
                        continue;
                    }
                    let up = line.to_ascii_uppercase();
                    let reply: &[u8] = if up.starts_with("DATA") {
                        data = true;
                        b"354 go\r\n"
                    } else if up.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = w.write_all(reply).await;
                }
            });
        }
    });
    (port, n)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .iter()
        .position(|a| a == "--database-url")
        .and_then(|i| args.get(i + 1))
        .expect("--database-url URL");
    let emails: usize = args
        .iter()
        .position(|a| a == "--emails")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(10_000);
    let dir = std::env::temp_dir();
    let app = App::open(Some(url), &dir).await.expect("open the store");
    let manager = Actor {
        user_id: None,
        username: "manager".into(),
        role: Role::Manager,
        lang: domain::Lang::ZhCn,
    };
    let customers = app.store.count("customers").await.unwrap();
    println!("store: {customers} customers");

    // 1. The daily sweep of every ready rule.
    if app.care_rules(&manager).await.unwrap().is_empty() {
        for i in 0..app.care_templates(&manager).len() {
            app.add_care_template(&manager, i).await.unwrap();
        }
    }
    for run in 1..=2 {
        let t0 = Instant::now();
        let fired = app.sweep_care(chrono::Utc::now()).await.unwrap();
        println!(
            "sweep {run}: {} rules over {customers} customers, {fired} firings recorded, {:.2} s",
            app.care_rules(&manager).await.unwrap().len(),
            t0.elapsed().as_secs_f64()
        );
    }

    // 2. The low-answer event, as a submitted answer runs it.
    let mut times = Vec::new();
    let step = (customers / 2000).max(1);
    // New invitations each run (an answer fires once per invitation).
    let base = (chrono::Utc::now().timestamp() % 100_000) * 10_000;
    for k in 0..2000.min(customers) {
        let customer = 1 + k * step;
        let t0 = Instant::now();
        app.care_on_answer(base + k, customer, 10.0).await.unwrap();
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let q = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "low-answer event: {} answers, p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        times.len(),
        q(0.5),
        q(0.95),
        q(1.0)
    );

    // 3. 10,000 queued e-mails drained to a local sink.
    let (port, received) = smtp_sink().await;
    let admin = Actor {
        role: Role::Admin,
        ..manager.clone()
    };
    app.set_smtp_settings(
        &admin,
        &app::care::outbox::SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            security: "none".into(),
            from: "care@example.cn".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let rule = app.care_rules(&manager).await.unwrap()[0].rule.id;
    let stamp = chrono::Utc::now().timestamp();
    let t0 = Instant::now();
    for k in 0..emails {
        app.store
            .fire(&Firing {
                rule_id: rule,
                occurrence: format!("bench:{stamp}:{k}"),
                customer_id: None,
                dry_run: false,
                detail: serde_json::json!({}),
                effects: vec![Effect::Outbox {
                    kind: "email".into(),
                    target: format!("c{k}@example.cn"),
                    payload: serde_json::json!({"subject": "您好", "body": "感谢您一直以来的支持。"}),
                }],
            })
            .await
            .unwrap();
    }
    println!(
        "queued {emails} e-mails in {:.2} s; RSS {} KiB",
        t0.elapsed().as_secs_f64(),
        rss_kib("VmRSS:")
    );
    let t0 = Instant::now();
    let sent = app.drain_outbox().await.unwrap();
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "drained: {sent} sent, {} received by the sink, {:.2} s ({:.0}/s); RSS {} KiB, peak {} KiB",
        received.load(std::sync::atomic::Ordering::Relaxed),
        secs,
        sent as f64 / secs,
        rss_kib("VmRSS:"),
        rss_kib("VmHWM:")
    );
}
