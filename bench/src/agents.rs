//! Agents at work, for the complaints benchmark (`bench/complaints.sh`): `agents --base URL
//! --token T --ids FILE [--agents 200] [--seconds 30] [--think-ms 2000]` runs that many agents
//! at once, each taking the first handling step (acknowledge) on its next case from FILE, then
//! pausing a random time (exponential, mean `think-ms`) as a person would, and prints the
//! steps' latency (p50/p95/p99) and rate (`--dump FILE` writes each step: start in seconds,
//! latency in ms, 1 for an agent's first step). Unlike wrk's closed loop, which measures how many
//! steps the server takes when flooded, this is the load of that many people.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let base = arg("--base").unwrap_or_else(|| "http://127.0.0.1:18282".into());
    let token = arg("--token").expect("--token");
    let ids: Vec<String> = std::fs::read_to_string(arg("--ids").expect("--ids"))
        .expect("ids file")
        .lines()
        .map(str::to_string)
        .collect();
    let agents: usize = arg("--agents").and_then(|v| v.parse().ok()).unwrap_or(200);
    let seconds: u64 = arg("--seconds").and_then(|v| v.parse().ok()).unwrap_or(30);
    let think: f64 = arg("--think-ms")
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000.0);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(agents)
        .build()
        .expect("client");
    let next = Arc::new(AtomicUsize::new(0));
    let ids = Arc::new(ids);
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for k in 0..agents {
        let (client, next, ids, latencies, errors, base, token) = (
            client.clone(),
            next.clone(),
            ids.clone(),
            latencies.clone(),
            errors.clone(),
            base.clone(),
            token.clone(),
        );
        tasks.push(tokio::spawn(async move {
            // A deterministic, different pause sequence per agent: the seed is the agent's
            // number through splitmix64 (xorshift seeded with nearby numbers gives nearly the
            // same first values: all 200 agents would take their first step in the same
            // millisecond, a herd rather than people).
            let mut x = {
                let mut z = (k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                (z ^ (z >> 31)) | 1
            };
            let mut pause = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let u = (x >> 11) as f64 / (1u64 << 53) as f64;
                Duration::from_secs_f64(-think / 1000.0 * (1.0 - u).ln())
            };
            tokio::time::sleep(pause()).await;
            let mut first = true;
            while Instant::now() < end {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(id) = ids.get(i) else { break };
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/api/v1/complaints/{id}/steps"))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(
                        r#"{"version":1,"action":"acknowledge","note":"listened and apologised"}"#,
                    )
                    .send()
                    .await;
                let ok = matches!(&r, Ok(r) if r.status().is_success());
                if let Ok(r) = r {
                    let _ = r.bytes().await;
                }
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                if ok {
                    let at = t.duration_since(start).as_secs_f64();
                    latencies.lock().expect("latencies").push((ms, at, first));
                    first = false;
                } else {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(pause()).await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let all = latencies.lock().expect("latencies").clone();
    if let Some(path) = arg("--dump") {
        let text: String = all
            .iter()
            .map(|(ms, at, first)| format!("{at:.3} {ms:.1} {}\n", u8::from(*first)))
            .collect();
        std::fs::write(path, text).expect("dump file");
    }
    let mut v: Vec<f64> = all.iter().map(|(ms, _, _)| *ms).collect();
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "RESULT agents={agents} think_ms={think} steps={} errors={} rate={:.0}/s p50_ms={:.1} p95_ms={:.1} p99_ms={:.1}",
        v.len(),
        errors.load(Ordering::Relaxed),
        v.len() as f64 / seconds as f64,
        q(0.5),
        q(0.95),
        q(0.99)
    );
}
