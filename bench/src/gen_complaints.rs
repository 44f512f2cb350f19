//! Complaint cases for the complaints benchmark (`bench/complaints.sh`): `gen-complaints
//! --complaints N --customers M [--agents A] [--seed S] --out FILE.csv` writes N cases over the
//! last two years for customers 1..M (timers already fired) (the ids a fresh store gives M imported customers), spread
//! over A agents, seven in ten closed, two just received, one in a later open state, with the columns of the
//! `complaints` table, for the database's own bulk loader. Empty cells are NULLs.

use rand::{Rng, SeedableRng};
use std::io::{BufWriter, Write};

const STATES: [&str; 6] = [
    "received",
    "acknowledged",
    "analysed",
    "proposed",
    "resolved",
    "followed_up",
];
const CAUSES: [&str; 5] = [
    "product",
    "service",
    "false_information",
    "customer_or_outside",
    "high_expectations",
];
const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];
const CHANNELS: [&str; 6] = ["phone", "counter", "web", "wechat", "email", "app"];

fn stamp(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let (y, m, d) = analytics::summary::civil_from_days(days);
    let s = unix.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let num = |name: &str, default: i64| arg(name).and_then(|v| v.parse().ok()).unwrap_or(default);
    let n = num("--complaints", 500_000);
    let customers = num("--customers", 1_000_000);
    let agents = num("--agents", 200);
    let seed = num("--seed", 1) as u64;
    let out = arg("--out").unwrap_or_else(|| "bench/out/complaints.csv".into());
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let mut w = BufWriter::new(std::fs::File::create(&out)?);
    writeln!(w, "received_at,channel,place,customer_id,caller,situation,product,cause,severity,wants,assignee,state,handling,acknowledged_at,resolved_at,closed_at,on_the_spot,ack_warn_at,ack_due_at,resolve_warn_at,resolve_due_at,timers_done,next_timer_at,escalated_to,version,created_by,created_at,updated_at")?;
    for _ in 0..n {
        let mut received = now - rng.gen_range(3600..2 * 365 * 86_400);
        // One in five just received (the queue the step benchmark works through), one in ten
        // further along, the rest closed.
        let state = match rng.gen_range(0..10) {
            0 | 1 => "received",
            2 => STATES[rng.gen_range(1..STATES.len())],
            _ => "closed",
        };
        // Cases still waiting for their first response came in during the last half hour
        // (older ones would have been answered or have fired their timers long ago).
        if state == "received" {
            received = now - rng.gen_range(0..1800);
        }
        let step = STATES.iter().position(|s| *s == state).unwrap_or(6);
        let ack = (step >= 1).then(|| received + rng.gen_range(60..8 * 3600));
        let resolved = (step >= 4).then(|| received + rng.gen_range(3600..7 * 86_400));
        let closed = (state == "closed").then(|| resolved.unwrap_or(received) + 5 * 86_400);
        let cause = if step >= 2 {
            CAUSES[rng.gen_range(0..CAUSES.len())]
        } else {
            ""
        };
        let o = |t: Option<i64>| t.map(stamp).unwrap_or_default();
        // Their timers have fired already (a loaded store must not start with a backlog).
        let next = String::new();
        writeln!(
            w,
            "{r},{ch},Store {store},{cust},,Complaint about order {order},Product {prod},{cause},{sev},[],agent{agent},{state},{{}},{ack},{res},{closed},{spot},{aw},{ad},{rw},{rd},,{next},,1,bench,{r},{r}",
            r = stamp(received),
            ch = CHANNELS[rng.gen_range(0..CHANNELS.len())],
            store = rng.gen_range(1..50),
            cust = rng.gen_range(1..=customers),
            order = rng.gen_range(1..10_000_000),
            prod = rng.gen_range(1..500),
            sev = SEVERITIES[rng.gen_range(0..SEVERITIES.len())],
            agent = rng.gen_range(1..=agents),
            ack = o(ack),
            res = o(resolved),
            closed = o(closed),
            spot = u8::from(resolved.is_some() && rng.gen_bool(0.3)),
            aw = stamp(received + 2880),
            ad = stamp(received + 3600),
            rw = stamp(received + 2 * 86_400),
            rd = stamp(received + 3 * 86_400),
        )?;
    }
    w.flush()?;
    println!("{n} complaints -> {out}");
    Ok(())
}
