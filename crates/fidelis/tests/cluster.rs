//! `analyze clv --cluster` on a real Ballista cluster (issue 21 §4): a scheduler and two
//! executors started as separate processes of this build on loopback, about a million
//! transactions, the answer compared with the single-machine run (parameters to 1e-8,
//! every customer's values to 1e-9, relative), the purchase conventions on data with every
//! tricky case, an executor killed during a run (the run completes or fails, and nothing
//! partial is left), and bad input. Only in a build with the `cluster` feature:
//! `CARGO_TARGET_DIR=~/.cache/fidelis/cluster-target cargo test -p fidelis --features cluster --test cluster`.
#![cfg(feature = "cluster")]

use columnar::{Cell, ColumnType, Kind, ParquetInput, Value, Writer};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_fidelis");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_port(port: u16, what: &str) {
    let until = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One cluster at a time: two cores shared by three clusters' processes (debug builds) delay
/// heartbeats and tasks enough to blur what a test measures.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// A scheduler and executors, each its own process, stopped (by process id) when dropped.
struct Cluster {
    scheduler: Child,
    executors: Vec<Child>,
    url: String,
    dir: tempfile::TempDir,
}

impl Cluster {
    fn start(executors: usize) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let logs = dir.path().to_path_buf();
        let log = move |name: &str| std::fs::File::create(logs.join(name)).unwrap();
        let scheduler = Command::new(BIN)
            .args([
                "cluster",
                "scheduler",
                "--bind",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(Stdio::null())
            .stderr(log("scheduler.log"))
            .spawn()
            .unwrap();
        wait_port(port, "the scheduler");
        let mut cluster = Cluster {
            scheduler,
            executors: Vec::new(),
            url: format!("df://127.0.0.1:{port}"),
            dir,
        };
        for k in 0..executors {
            let (p, g) = (free_port(), free_port());
            let work = cluster.dir.path().join(format!("executor-{k}"));
            std::fs::create_dir_all(&work).unwrap();
            let child = Command::new(BIN)
                .args([
                    "cluster",
                    "executor",
                    "--scheduler",
                    &format!("127.0.0.1:{port}"),
                ])
                .args(["--port", &p.to_string(), "--grpc-port", &g.to_string()])
                .args([
                    "--work-dir",
                    work.to_str().unwrap(),
                    "--memory",
                    "1GiB",
                    "--vcores",
                    "2",
                ])
                .stdout(Stdio::null())
                .stderr(log(&format!("executor-{k}.log")))
                .spawn()
                .unwrap();
            cluster.executors.push(child);
            wait_port(p, "an executor");
        }
        std::thread::sleep(Duration::from_secs(2));
        cluster
    }

    fn logs(&self) -> String {
        let mut out = String::new();
        for e in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "log") {
                let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(60).collect();
                out.push_str(&format!("--- {}\n", e.path().display()));
                for l in tail.into_iter().rev() {
                    out.push_str(l);
                    out.push('\n');
                }
            }
        }
        out
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for c in self
            .executors
            .iter_mut()
            .chain(std::iter::once(&mut self.scheduler))
        {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn analyze(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["analyze", "clv"])
        .args(args)
        .env("LANG", "en_US.UTF-8")
        .output()
        .unwrap()
}

/// Purchases as Parquet files: (customer, day number, amount in cents).
fn write_purchases(dir: &Path, files: usize, rows: &[(String, i64, i64)]) {
    std::fs::create_dir_all(dir).unwrap();
    let per = rows.len().div_ceil(files).max(1);
    for (k, chunk) in rows.chunks(per).enumerate() {
        let mut w = Writer::create(
            &dir.join(format!("part-{k:03}.parquet")),
            &[
                ("customer_id", Kind::Text),
                ("date", Kind::Date),
                ("amount", Kind::Money),
            ],
        )
        .unwrap();
        for (id, day, cents) in chunk {
            w.row(&[Value::Text(id), Value::Int(*day), Value::Int(*cents)])
                .unwrap();
        }
        w.finish().unwrap();
    }
}

/// Every customer's values from a results file or directory: id → (column → value).
fn values(path: &Path) -> HashMap<String, Vec<f64>> {
    // The single-machine output's columns, the id first, without the two dates.
    let cols: Vec<&str> = app::churn::clv::CUSTOMER_COLUMNS
        .iter()
        .copied()
        .filter(|c| !c.ends_with("_purchase"))
        .collect();
    let input = ParquetInput::open(path.to_str().unwrap()).unwrap();
    use ColumnType::*;
    let num: &[ColumnType] = &[Integer, Float];
    let mut allowed: Vec<&[ColumnType]> = vec![&[Text]];
    allowed.extend(std::iter::repeat_n(num, cols.len() - 1));
    let mut out = HashMap::new();
    columnar::read_columns(
        &input,
        &cols,
        &allowed,
        &mut |_, _, c| {
            let Cell::Text(id) = c[0] else {
                panic!("id {:?}", c[0])
            };
            let v = c[1..]
                .iter()
                .map(|x| match x {
                    Cell::Int(v) => *v as f64,
                    Cell::Float(v) => *v,
                    other => panic!("{other:?}"),
                })
                .collect();
            out.insert(id.to_string(), v);
        },
        &|_, _| {},
    )
    .unwrap();
    out
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) + 1e-300
}

/// The cluster's answer against one machine's, on the same Parquet input.
fn same_answer(cluster: &Cluster, input: &Path, work: &Path, partitions: usize, extra: &[&str]) {
    let local_out = work.join(format!("local-{partitions}.parquet"));
    let local_json = work.join(format!("local-{partitions}.json"));
    let mut args = vec![
        "--transactions",
        input.to_str().unwrap(),
        "--output",
        local_out.to_str().unwrap(),
        "--summary-json",
        local_json.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = analyze(&args);
    assert!(o.status.success(), "local: {}", text(&o));
    let out = work.join(format!("cluster-{partitions}"));
    let parts = partitions.to_string();
    let mut args = vec![
        "--cluster",
        &cluster.url,
        "--transactions",
        input.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--partitions",
        &parts,
    ];
    args.extend_from_slice(extra);
    let o = analyze(&args);
    assert!(
        o.status.success(),
        "cluster: {}\n{}",
        text(&o),
        cluster.logs()
    );
    let local: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&local_json).unwrap()).unwrap();
    let remote: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for (model, keys) in [
        ("bgnbd", &["r", "alpha", "a", "b"][..]),
        ("gamma_gamma", &["p", "q", "gamma"][..]),
    ] {
        for k in keys {
            let (a, b) = (
                local[model][k].as_f64().unwrap(),
                remote[model][k].as_f64().unwrap(),
            );
            assert!(close(a, b, 1e-8), "{model}.{k}: {a} vs {b}");
        }
    }
    assert_eq!(local["n_customers"], remote["n_customers"]);
    for (k, path) in [
        ("pareto", "top20_revenue_share"),
        ("pareto", "top20_clv_share"),
        ("totals", "clv"),
        ("totals", "mean_p_alive"),
    ] {
        let (a, b) = (
            local[k][path].as_f64().unwrap(),
            remote[k][path].as_f64().unwrap(),
        );
        assert!(close(a, b, 1e-9), "{k}.{path}: {a} vs {b}");
    }
    for rule in ["by_p_alive", "by_inactivity"] {
        assert_eq!(
            local["churn"][rule]["churned"], remote["churn"][rule]["churned"],
            "churn {rule}"
        );
    }
    let (mine, theirs) = (values(&local_out), values(&out.join("customers")));
    assert_eq!(mine.len(), theirs.len(), "customers");
    for (id, a) in &mine {
        let b = theirs
            .get(id)
            .unwrap_or_else(|| panic!("{id} missing on the cluster"));
        for (k, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(close(*x, *y, 1e-9), "{id} column {k}: {x} vs {y}");
        }
    }
    assert!(!out.join("_work").exists(), "the work files are gone");
}

/// Simulated purchases: about 2.8 a customer (CDNOW-like) from 2024-01-01.
fn simulated(customers: usize) -> Vec<(String, i64, i64)> {
    let mut rows = Vec::new();
    analytics::sim::Config::demo(customers).for_each(|c| {
        for p in &c.purchases {
            let day = 19_723 + (p.week * 7.0).floor() as i64;
            rows.push((
                c.external_id.clone(),
                day,
                (p.amount * 100.0).round() as i64,
            ));
        }
    });
    rows
}

#[test]
fn the_cluster_gives_the_single_machine_answer() {
    let _turn = one_at_a_time();
    let cluster = Cluster::start(2);
    let work = tempfile::tempdir().unwrap();
    // About a million transactions in 8 files.
    let rows = simulated(360_000);
    assert!(rows.len() > 900_000, "{} transactions", rows.len());
    let input = work.path().join("lake");
    write_purchases(&input, 8, &rows);
    same_answer(&cluster, &input, work.path(), 4, &[]);

    // The conventions on every tricky case: same-day purchases (several, same and different
    // amounts), a purchase exactly at the calibration end, one after it, customers with no
    // repeat, a customer whose first purchase is after the calibration end, zero amounts.
    let day0 = 19_723;
    let mut tricky: Vec<(String, i64, i64)> = Vec::new();
    for c in 0..3_000i64 {
        let id = format!("t{c}");
        tricky.push((id.clone(), day0 + c % 50, 1_000 + c));
        if c % 3 == 0 {
            tricky.push((id.clone(), day0 + c % 50, 250)); // same day, another amount
            tricky.push((id.clone(), day0 + c % 50, 250)); // and the same amount again
        }
        if c % 2 == 0 {
            tricky.push((id.clone(), day0 + 60 + c % 40, 990 + c % 7));
            tricky.push((id.clone(), day0 + 120, 0)); // the calibration end itself, nothing spent
        }
        if c % 5 == 0 {
            tricky.push((id.clone(), day0 + 121 + c % 30, 5_000)); // after the calibration end
        }
    }
    tricky.push(("late".into(), day0 + 130, 700));
    let tricky_dir = work.path().join("tricky");
    write_purchases(&tricky_dir, 3, &tricky);
    // Calibration ends on day0 + 120 (2024-04-30): later purchases are left out on both sides.
    same_answer(
        &cluster,
        &tricky_dir,
        work.path(),
        3,
        &["--calibration-end", "2024-04-30", "--period", "day"],
    );
    loaded_into_a_store(&work.path().join("cluster-3"), work.path());
}

/// The cluster's results loaded into a store (`fidelis import clv-results`): every customer the
/// store knows gets exactly the values the executors wrote; the others are counted, skipped.
fn loaded_into_a_store(results: &Path, work: &Path) {
    let written = values(&results.join("customers"));
    let data = work.join("store");
    let mut ids: Vec<&String> = written.keys().collect();
    ids.sort();
    let known: Vec<&String> = ids.iter().copied().skip(10).collect();
    let mut csv = String::from("external_id,name\n");
    for id in &known {
        csv.push_str(&format!("{id},顾客 {id}\n"));
    }
    std::fs::write(work.join("customers.csv"), csv).unwrap();
    let fidelis = |args: &[&str]| {
        let o = Command::new(BIN)
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .env("LANG", "en_US.UTF-8")
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        text(&o)
    };
    fidelis(&[
        "import",
        "customers",
        work.join("customers.csv").to_str().unwrap(),
    ]);
    let said = fidelis(&["import", "clv-results", results.to_str().unwrap()]);
    assert!(
        said.contains(&format!("the values of {} customers", known.len()))
            && said.contains("10 customers of the results are not in the store"),
        "{said}"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stored = rt.block_on(async {
        let app = app::App::open(None, &data).await.unwrap();
        let mut out = HashMap::new();
        app.store
            .for_each_customer_value(|id, _, v| {
                out.insert(id.to_string(), v);
            })
            .await
            .unwrap();
        out
    });
    assert_eq!(stored.len(), known.len());
    for id in known {
        let (w, s) = (&written[id], &stored[id]);
        let saved = [
            s.frequency as f64,
            s.recency,
            s.age,
            s.monetary,
            s.rfm_r as f64,
            s.rfm_f as f64,
            s.rfm_m as f64,
            s.p_alive,
            s.expected_purchases,
            s.expected_spend,
            s.clv,
            s.total_spend,
        ];
        assert_eq!(
            w,
            &saved.to_vec(),
            "{id}: the executors' values, saved as they were"
        );
    }
}

/// One of two executors killed (SIGKILL) while the job runs: Ballista runs the lost tasks again
/// on the other, and the driver does a step again when Ballista cannot (see
/// `fidelis_cluster::faults`), so the run completes with every customer once — or, failing
/// that, fails naming the executor; in both cases nothing partial is left. The moment of the
/// kill: `FIDELIS_KILL_AFTER_MS` (default 1,500 ms after the start: the per-customer stage).
#[test]
fn an_executor_killed_during_a_run_leaves_nothing_partial() {
    let _turn = one_at_a_time();
    let mut cluster = Cluster::start(2);
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("lake");
    write_purchases(&input, 8, &simulated(360_000));
    let out = work.path().join("run");
    let mut run = Command::new(BIN)
        .args(["analyze", "clv", "--cluster", &cluster.url])
        .args(["--transactions", input.to_str().unwrap()])
        .args(["--output", out.to_str().unwrap(), "--partitions", "6"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill one executor once the work has started on the executors.
    let after = std::env::var("FIDELIS_KILL_AFTER_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    std::thread::sleep(Duration::from_millis(after));
    let victim = cluster.executors.remove(0);
    let pid = victim.id();
    let mut victim = victim;
    victim.kill().unwrap();
    victim.wait().unwrap();
    let until = Instant::now() + Duration::from_secs(100);
    let status = loop {
        if let Some(s) = run.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > until {
            let _ = run.kill();
            let o = run.wait_with_output().unwrap();
            panic!(
                "the run neither finished nor failed in 3 minutes: {}\n{}",
                text(&o),
                cluster.logs()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let o = run.wait_with_output().unwrap();
    let said = text(&o);
    let leftovers: Vec<PathBuf> = std::fs::read_dir(work.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "partial output left: {leftovers:?}");
    if status.success() {
        // Ballista ran the lost tasks again on the other executor: a whole result.
        let s: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(s["n_customers"], 360_000, "{s}");
        // Every customer exactly once in the results.
        let written = values(&out.join("customers"));
        assert_eq!(written.len(), 360_000);
        let rows = ParquetInput::open(out.join("customers").to_str().unwrap())
            .unwrap()
            .rows;
        assert_eq!(rows, 360_000, "no customer twice");
        eprintln!("executor {pid} killed after {after} ms: the run completed on the other executor: {said}");
    } else {
        assert!(!out.exists(), "a failed run leaves no result: {said}");
        assert!(
            said.contains("executor") && said.contains("was lost"),
            "{said}"
        );
        eprintln!("executor {pid} killed after {after} ms: the run failed cleanly: {said}");
    }
}

#[test]
fn bad_input_and_an_unreachable_scheduler_are_said_and_nothing_is_written() {
    let _turn = one_at_a_time();
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("lake");
    write_purchases(
        &input,
        1,
        &[("a".into(), 19_723, 100), ("a".into(), 19_800, 200)],
    );
    // No scheduler there: said within seconds.
    let dead = format!("df://127.0.0.1:{}", free_port());
    let out = work.path().join("never");
    let started = Instant::now();
    let o = analyze(&[
        "--cluster",
        &dead,
        "--transactions",
        input.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(text(&o).contains("scheduler"), "{}", text(&o));
    assert!(!out.exists());

    let cluster = Cluster::start(1);
    let refuse = |input: &str| -> String {
        let o = analyze(&[
            "--cluster",
            &cluster.url,
            "--transactions",
            input,
            "--output",
            out.to_str().unwrap(),
        ]);
        assert!(!o.status.success(), "{input}: {}", text(&o));
        assert!(!out.exists(), "{input}: nothing written");
        text(&o)
    };
    // A column of the wrong kind, named with its file.
    let typed = work.path().join("typed.parquet");
    let mut w = Writer::create(
        &typed,
        &[
            ("customer_id", Kind::Text),
            ("date", Kind::Date),
            ("amount", Kind::Text),
        ],
    )
    .unwrap();
    w.row(&[Value::Text("a"), Value::Int(19_800), Value::Text("1.5")])
        .unwrap();
    w.finish().unwrap();
    let t = refuse(typed.to_str().unwrap());
    assert!(t.contains("typed.parquet") && t.contains("amount"), "{t}");
    // Empty input, and a path nobody can read.
    let empty = work.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert!(refuse(empty.to_str().unwrap()).contains("no Parquet files"));
    assert!(refuse("/nonexistent/lake").contains("no such file"));
    // A negative amount and a text date that is not one: counted, with examples.
    let bad = work.path().join("bad.parquet");
    let mut w = Writer::create(
        &bad,
        &[
            ("customer_id", Kind::Text),
            ("date", Kind::Text),
            ("amount", Kind::Float),
        ],
    )
    .unwrap();
    w.row(&[
        Value::Text("a"),
        Value::Text("2024-01-05"),
        Value::Float(-3.0),
    ])
    .unwrap();
    w.row(&[Value::Text("b"), Value::Text("soon"), Value::Float(2.0)])
        .unwrap();
    w.finish().unwrap();
    let t = refuse(bad.to_str().unwrap());
    assert!(t.contains("soon") && t.contains("-3"), "{t}");
}

/// What counts as an executor lost (a step done again) and how the executor is named.
#[test]
fn an_executor_loss_is_told_from_other_errors_and_named() {
    use fidelis_cluster::faults::lost_executor;
    let fetch = "Shuffle fetch partition error from Executor cfc52dad-a660-4c78, map_stage 0";
    assert_eq!(
        lost_executor(fetch).as_deref(),
        Some("executor cfc52dad-a660-4c78")
    );
    let h2 = "Ipc error: h2 protocol error: error reading a body from connection";
    assert_eq!(lost_executor(h2).as_deref(), Some("an executor"));
    let connect = "Error connecting to Ballista scheduler or executor at http://127.0.0.1:40785: tcp connect error";
    assert_eq!(
        lost_executor(connect).as_deref(),
        Some("executor 127.0.0.1:40785")
    );
    assert_eq!(lost_executor("column 'amount' not found"), None);
    assert_eq!(lost_executor("Parquet error: not a Parquet file"), None);
}
