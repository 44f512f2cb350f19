//! The binary's subcommands against the same store the test app uses (SQLite file or
//! PostgreSQL database): users from stdin, tokens, import exit codes and reports, export,
//! backup/restore, and a killed import that leaves the store as it was.

use super::harness::{json, TestApp};
use super::text;
use crate::both;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn fidelis(t: &TestApp, args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fidelis"))
        .args(["--database-url", &t.url])
        .args(args)
        .env("LANG", "en_US.UTF-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        c.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(c.stdin.take());
    c.wait_with_output().unwrap()
}

async fn cli_end_to_end(t: &TestApp) {
    let o = fidelis(t, &["migrate"], None);
    assert!(o.status.success(), "{}", text(&o));
    let o = fidelis(
        t,
        &[
            "user",
            "add",
            "--username",
            "wang.fang",
            "--role",
            "manager",
            "--password-stdin",
        ],
        Some("s3cret-pass\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = fidelis(
        t,
        &[
            "user",
            "add",
            "--username",
            "shorty",
            "--role",
            "manager",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("password"), "{}", text(&o));
    let o = fidelis(t, &["token", "create", "--username", "wang.fang"], None);
    assert!(o.status.success(), "{}", text(&o));
    let token = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(token.starts_with("fid_"));
    let (s, me) = json(
        t.http
            .get(format!("{}/api/v1/me", t.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, me["role"].as_str().unwrap()), (200, "manager"));

    let c = t.file("c.csv", "external_id,name\nC1,王小明\nC2,Emma\n".as_bytes());
    let o = fidelis(t, &["import", "customers", c.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2 new"), "{}", text(&o));
    let bad = t.file(
        "bad.csv",
        "external_id,customer_id,occurred_at,amount\nT1,C1,2024-01-01,1\nT2,C9,2024-01-01,x\n"
            .as_bytes(),
    );
    let report = t.dir.path().join("errors.csv");
    let o = fidelis(
        t,
        &[
            "import",
            "transactions",
            bad.to_str().unwrap(),
            "--errors-csv",
            report.to_str().unwrap(),
        ],
        None,
    );
    assert!(!o.status.success());
    let out = text(&o);
    assert!(out.contains("bad.csv:3: column amount"), "{out}");
    let rep = std::fs::read_to_string(&report).unwrap();
    assert!(
        rep.starts_with("file,line,column,reason") && rep.contains("amount"),
        "{rep}"
    );
    assert_eq!(t.app.store.count("transactions").await.unwrap(), 0);
    let o = fidelis(
        t,
        &[
            "import",
            "transactions",
            bad.to_str().unwrap(),
            "--map",
            "nonsense",
        ],
        None,
    );
    assert!(!o.status.success());

    let out = t.dir.path().join("export.xlsx");
    let o = fidelis(
        t,
        &["export", "customers", "--output", out.to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(std::fs::metadata(&out).unwrap().len() > 1000);

    // A complaint with its history goes into the backup; a later one is undone by the
    // restore (the append-only history yields only to a whole-store restore).
    let complaint = |situation: &str| app::complaints::ComplaintInput {
        channel: "phone".into(),
        severity: "low".into(),
        situation: situation.into(),
        caller: "someone".into(),
        ..Default::default()
    };
    t.app
        .create_complaint(&app::Actor::cli(), &complaint("kept"))
        .await
        .unwrap();
    let backup = t.dir.path().join("b.sqlite3");
    let o = fidelis(t, &["backup", "--output", backup.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    t.app
        .create_complaint(&app::Actor::cli(), &complaint("undone"))
        .await
        .unwrap();
    let o = fidelis(t, &["backup", "--output", backup.to_str().unwrap()], None);
    assert!(!o.status.success(), "refuses to overwrite");
    let more = t.file("more.csv", "external_id,name\nC3,later\n".as_bytes());
    assert!(
        fidelis(t, &["import", "customers", more.to_str().unwrap()], None)
            .status
            .success()
    );
    assert_eq!(t.app.store.count("customers").await.unwrap(), 3);
    let o = fidelis(t, &["restore", backup.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(t.app.store.count("customers").await.unwrap(), 2);
    assert_eq!(t.app.store.count("complaints").await.unwrap(), 1);
    assert_eq!(t.app.store.count("complaint_events").await.unwrap(), 1);

    // Chinese messages follow the locale.
    let o = Command::new(env!("CARGO_BIN_EXE_fidelis"))
        .args(["--database-url", &t.url, "migrate"])
        .env("LANG", "zh_CN.UTF-8")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("数据库结构已是最新"));
}
both!(cli_end_to_end);

/// kill -9 in the middle of a large import: nothing of it is stored, and the same file then
/// imports completely.
async fn killed_import_leaves_store_as_before(t: &TestApp) {
    let c = t.file("c.csv", "external_id,name\nC1,a\nC2,b\n".as_bytes());
    assert!(
        fidelis(t, &["import", "customers", c.to_str().unwrap()], None)
            .status
            .success()
    );
    let rows = 600_000;
    let mut big = String::with_capacity(rows * 40);
    big.push_str("external_id,customer_id,occurred_at,amount\n");
    for i in 0..rows {
        big.push_str(&format!(
            "T{i},C{},2024-01-01 10:00:00,{}.{:02}\n",
            1 + i % 2,
            i % 500,
            i % 100
        ));
    }
    let f = t.file("big.csv", big.as_bytes());
    let mut child = Command::new(env!("CARGO_BIN_EXE_fidelis"))
        .args([
            "--database-url",
            &t.url,
            "import",
            "transactions",
            f.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1200));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import must still be running when killed"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(t.app.store.count("transactions").await.unwrap(), 0);
    let o = fidelis(t, &["import", "transactions", f.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        t.app.store.count("transactions").await.unwrap(),
        rows as i64
    );
}
both!(killed_import_leaves_store_as_before);

async fn demo_fills_once(t: &TestApp) {
    let dir = t.dir.path().join("demo");
    assert!(
        t.app.demo(300, &dir).await.unwrap().is_none(),
        "a store with users is left alone"
    );
    let db = if t.url.starts_with("sqlite") {
        super::harness::Db::Sqlite
    } else {
        super::harness::Db::Postgres
    };
    let store_dir = tempfile::tempdir().unwrap();
    let (url, pg) = super::harness::store_url(db, store_dir.path())
        .await
        .unwrap();
    let demo = app::App::open(Some(&url), store_dir.path()).await.unwrap();
    let info = demo.demo(300, &dir).await.unwrap().unwrap();
    assert!(info.filled);
    assert_eq!(info.customers, 300);
    assert!(info.transactions > 300, "{}", info.transactions);
    assert!(demo.store.count("interactions").await.unwrap() > 0);
    // The demo's case histories read in time: each case starts with its received row, and the
    // deadlines fired where they passed, one at a time — not all four at one instant.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT complaint_id, at, kind, changes FROM complaint_events ORDER BY complaint_id, id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(!rows.is_empty());
    let mut first: std::collections::HashMap<i64, String> = Default::default();
    let mut timer_events = 0;
    for (case, at, kind, changes) in &rows {
        let start = first.entry(*case).or_insert_with(|| {
            assert_eq!(kind, "created", "case {case} starts with its received row");
            at.clone()
        });
        assert!(
            at >= start,
            "case {case}: {kind} at {at} before it came in at {start}"
        );
        let c: serde_json::Value = serde_json::from_str(changes).unwrap();
        if let Some(t) = c["timers"].as_array() {
            timer_events += 1;
            assert!(t.len() < 4, "case {case}: four deadlines at one instant");
        }
    }
    assert!(timer_events > 0, "some deadlines passed in the demo");
    pool.close().await;
    let again = demo.demo(300, &dir).await.unwrap().unwrap();
    assert!(!again.filled, "a second --demo only renews the password");
    assert_eq!(again.customers, 300);
    assert!(demo
        .login("admin", &again.password, "", domain::Lang::En)
        .await
        .is_ok());
    assert!(demo
        .login("agent", &again.password, "", domain::Lang::En)
        .await
        .is_ok());
    demo.store.close().await;
    if let Some(name) = pg {
        super::harness::drop_pg(&name).await;
    }
}
both!(demo_fills_once);
