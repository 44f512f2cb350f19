//! The subcommands. Help text is English; messages follow the user's locale (`LANG=zh_CN…`
//! gives Chinese) where it applies.

use crate::common::{app_err, bar, open, say, StoreArgs};
use anyhow::{anyhow, Context, Result};
use app::customers::import::{parse_map, ImportKind, ImportOptions, ProgressFn};
use app::customers::table::Encoding;
use app::{Actor, App};
use clap::{Parser, Subcommand};
use domain::access::Role;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "fidelis",
    version,
    about = "Fidelis: customer satisfaction, complaints, churn and loyalty in one self-hosted system"
)]
pub struct Cli {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web app and the JSON API.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "FIDELIS_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Fill an empty store with a simulated demo company and print the demo logins.
        #[arg(long)]
        demo: bool,
        /// Number of demo customers.
        #[arg(long, default_value_t = 2500)]
        demo_size: usize,
    },
    /// Create or upgrade the schema.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Import customers or transactions from CSV (UTF-8, GB18030/GBK), xlsx or Parquet (a file,
    /// a directory of files or a glob), all or nothing; or `clv-results DIR`: the output of
    /// `analyze clv --cluster`, loaded as the store's latest CLV run.
    Import {
        #[arg(value_parser = ["customers", "transactions", "clv-results"])]
        kind: String,
        file: PathBuf,
        /// Force the CSV encoding: utf-8, gb18030 or gbk (default: detected).
        #[arg(long)]
        encoding: Option<String>,
        /// Column override, target=source (repeatable), e.g. --map amount=金额
        #[arg(long = "map")]
        map: Vec<String>,
        /// Report at most this many bad rows.
        #[arg(long, default_value_t = 100)]
        error_limit: usize,
        /// Also write the error report as CSV to this file.
        #[arg(long)]
        errors_csv: Option<PathBuf>,
    },
    /// Export customers or transactions to CSV, xlsx or Parquet (by the output's extension).
    Export {
        #[arg(value_parser = ["customers", "transactions"])]
        kind: String,
        #[arg(long, short)]
        output: PathBuf,
        /// CSV encoding: utf-8 (with BOM, opens in Excel) or gb18030.
        #[arg(long, default_value = "utf-8")]
        encoding: String,
    },
    /// Write a consistent snapshot of the whole store to a new SQLite file (works while serving).
    Backup {
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Replace everything in the store with a backup file, in one transaction.
    Restore { file: PathBuf },
    /// Classify every customer's loyalty type (with reasons), churn status and value at risk:
    /// the store, or a purchases + answers file pair; writes the table (.csv or .xlsx).
    Loyalty(Box<crate::loyalty::LoyaltyArgs>),
    /// Customer-base analytics (RFM, BG/NBD, Gamma-Gamma, CLV) on a file or the store.
    Analyze {
        #[command(subcommand)]
        command: crate::analyze::AnalyzeCommand,
    },
    /// A node of an Apache Ballista cluster for `analyze clv --cluster` (a build with the
    /// `cluster` feature): the scheduler or an executor.
    Cluster {
        #[command(subcommand)]
        command: crate::cluster::ClusterCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = ["admin", "manager", "agent", "analyst"])]
        role: String,
        /// Read the password from standard input (required: passwords are never arguments).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List users.
    List,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it (shown once).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

/// A spinner for work whose total is unknown in advance (backup, restore).
fn table_spinner() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(ProgressStyle::with_template("{spinner} {msg:24} {pos} rows").unwrap());
    pb
}

/// Report "table, rows copied" on a progress bar.
fn copy_progress(pb: &ProgressBar) -> impl FnMut(&str, u64) + Send + '_ {
    move |table, rows| {
        pb.set_message(table.to_string());
        pb.set_position(rows);
    }
}

pub async fn run(cli: Cli) -> Result<()> {
    let s = cli.store.clone();
    match cli.command {
        Command::Serve {
            bind,
            demo,
            demo_size,
        } => serve(&s, &bind, demo, demo_size).await,
        Command::Migrate => {
            let app = open(&s).await?;
            println!(
                "{} {}",
                say("schema is up to date:", "数据库结构已是最新："),
                app.store.display_url()
            );
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    password_stdin: _,
                },
        } => {
            let app = open(&s).await?;
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            let role = Role::parse(&role).map_err(|e| anyhow!(e))?;
            let u = app
                .add_user(&Actor::cli(), &username, password, role)
                .await
                .map_err(app_err)?;
            println!(
                "{} {} ({})",
                say("user added:", "已添加用户："),
                u.username,
                u.role.as_str()
            );
            Ok(())
        }
        Command::User {
            command: UserCommand::List,
        } => {
            let app = open(&s).await?;
            for u in app.users(&Actor::cli()).await.map_err(app_err)? {
                println!(
                    "{}\t{}\t{}\t{}",
                    u.username,
                    u.role.as_str(),
                    u.lang.code(),
                    u.created_at
                );
            }
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Create { username, label },
        } => {
            let app = open(&s).await?;
            let t = app
                .create_token(&Actor::cli(), &username, &label)
                .await
                .map_err(app_err)?;
            println!("{t}");
            Ok(())
        }
        Command::Import {
            kind,
            file,
            encoding,
            map,
            error_limit,
            errors_csv,
        } => {
            let app = open(&s).await?;
            if kind == "clv-results" {
                return load_clv_results(&app, &file).await;
            }
            let kind = ImportKind::parse(&kind).map_err(|e| anyhow!(e))?;
            let encoding = encoding
                .map(|e| Encoding::parse(&e))
                .transpose()
                .map_err(|e| anyhow!(e))?;
            let map = parse_map(&map).map_err(|e| anyhow!(e))?;
            let opts = ImportOptions {
                encoding,
                map,
                error_limit,
            };
            import(&app, kind, &file, &opts, errors_csv.as_deref()).await
        }
        Command::Analyze { command } => crate::analyze::run(command, &s).await,
        Command::Cluster { command } => crate::cluster::run(command).await,
        Command::Loyalty(args) => crate::loyalty::run(*args, &s).await,
        Command::Export {
            kind,
            output,
            encoding,
        } => {
            let app = open(&s).await?;
            let kind = ImportKind::parse(&kind).map_err(|e| anyhow!(e))?;
            let enc = Encoding::parse(&encoding).map_err(|e| anyhow!(e))?;
            let n = app
                .export_file(&Actor::cli(), kind, &output, enc)
                .await
                .map_err(app_err)?;
            println!("{} {n} → {}", say("exported", "已导出"), output.display());
            Ok(())
        }
        Command::Backup { output } => {
            let app = open(&s).await?;
            let pb = table_spinner();
            let mut progress = copy_progress(&pb);
            let n = app
                .store
                .backup_to(&output, &mut progress)
                .await
                .map_err(|e| app_err(e.into()))?;
            pb.finish_and_clear();
            println!(
                "{} {n} {} → {}",
                say("backup written:", "备份完成："),
                say("rows", "行"),
                output.display()
            );
            Ok(())
        }
        Command::Restore { file } => {
            let app = open(&s).await?;
            let pb = table_spinner();
            let mut progress = copy_progress(&pb);
            let n = app
                .store
                .restore_from(&file, &mut progress)
                .await
                .map_err(|e| app_err(e.into()))?;
            pb.finish_and_clear();
            app.store
                .audit(
                    "cli",
                    "restore",
                    "store",
                    &file.display().to_string(),
                    &format!("{n} rows"),
                )
                .await
                .map_err(|e| app_err(e.into()))?;
            println!(
                "{} {n} {}",
                say("restored:", "恢复完成："),
                say("rows", "行")
            );
            Ok(())
        }
    }
}

/// Load a cluster run's results as the store's latest CLV run.
async fn load_clv_results(app: &App, dir: &Path) -> Result<()> {
    let pb = bar(1, false);
    let pb2 = pb.clone();
    let progress: app::churn::store::SharedProgress = Arc::new(move |stage, done, total| {
        pb2.set_length(total);
        pb2.set_position(done);
        pb2.set_message(match stage {
            "checking" => say("checking", "检查"),
            _ => say("saving", "保存"),
        });
    });
    let started = std::time::Instant::now();
    let display = dir.display().to_string();
    let r = app
        .load_clv_results(&Actor::cli(), dir, &display, progress)
        .await;
    pb.finish_and_clear();
    let r = r.map_err(app_err)?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        say(
            &format!("loaded {display}: the values of {} customers, saved as analysis run {} (now the latest; {secs:.1} s)", r.saved, r.run_id),
            &format!("已导入 {display}：{} 位客户的数值，保存为分析编号 {}（现为最新一次；{secs:.1} 秒）", r.saved, r.run_id),
        )
    );
    if r.not_in_store > 0 {
        println!(
            "{} {} ({} {})",
            r.not_in_store,
            say(
                "customers of the results are not in the store and were skipped",
                "位客户不在系统中，已跳过"
            ),
            say("e.g.", "例如"),
            r.not_in_store_examples.join(", ")
        );
    }
    Ok(())
}

async fn import(
    app: &App,
    kind: ImportKind,
    file: &Path,
    opts: &ImportOptions,
    errors_csv: Option<&Path>,
) -> Result<()> {
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let is_csv = !matches!(
        app::customers::table::Format::of(file),
        app::customers::table::Format::Xlsx
    );
    let pb = bar(size, is_csv);
    let pb2 = pb.clone();
    let progress: ProgressFn = Arc::new(move |p| {
        pb2.set_length(p.total);
        pb2.set_position(p.done);
        pb2.set_message(p.stage.clone());
    });
    let started = std::time::Instant::now();
    let display = file.display().to_string();
    let r = app
        .import_file(&Actor::cli(), kind, file, &display, opts, progress)
        .await;
    pb.finish_and_clear();
    match r {
        Ok(rep) => {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "{} {}: {} {}, {} {}, {} {}, {} {} ({:.1}s, {:.0} {})",
                say("imported", "已导入"),
                display,
                rep.counts.rows,
                say("rows", "行"),
                rep.counts.inserted,
                say("new", "新增"),
                rep.counts.updated,
                say("updated", "更新"),
                rep.counts.unchanged,
                say("unchanged", "未变"),
                secs,
                rep.counts.rows as f64 / secs.max(1e-9),
                say("rows/s", "行/秒")
            );
            if !rep.ignored_columns.is_empty() {
                println!(
                    "{} {}",
                    say("ignored columns:", "忽略的列："),
                    rep.ignored_columns.join(", ")
                );
            }
            Ok(())
        }
        Err(e) => {
            if let (Some(path), Some(errors)) = (
                errors_csv,
                e.details.get("errors").and_then(|v| v.as_array()),
            ) {
                let mut w = csv::Writer::from_path(path)
                    .with_context(|| format!("writing {}", path.display()))?;
                w.write_record(["file", "line", "column", "reason"])?;
                for r in errors {
                    w.write_record([
                        r["file"].as_str().unwrap_or(""),
                        &r["line"].to_string(),
                        r["column"].as_str().unwrap_or(""),
                        r["reason"].as_str().unwrap_or(""),
                    ])?;
                }
                w.flush()?;
            }
            Err(app_err(e))
        }
    }
}

async fn serve(s: &StoreArgs, bind: &str, demo: bool, demo_size: usize) -> Result<()> {
    let app = open(s).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let url = format!("http://{}", listener.local_addr()?);
    // Analyses run inside the server process: one left running was cut off by a stop.
    let interrupted = app
        .store
        .fail_interrupted_runs(
            "interrupted: the server stopped while it ran / 服务器在分析运行时停止",
        )
        .await
        .map_err(|e| app_err(e.into()))?;
    if interrupted > 0 {
        tracing::warn!("{interrupted} analysis run(s) were interrupted by a stop; marked failed");
    }
    if demo {
        let work = std::env::temp_dir().join(format!("fidelis-demo-{}", std::process::id()));
        eprintln!("{}", say("preparing the demo store…", "正在准备演示数据…"));
        match app.demo(demo_size, &work).await.map_err(app_err)? {
            Some(info) => {
                let _ = std::fs::remove_dir_all(&work);
                println!(
                    "{} {} {}, {} {}",
                    say("demo store:", "演示数据："),
                    info.customers,
                    say("customers", "位客户"),
                    info.transactions,
                    say("transactions", "笔交易")
                );
                println!(
                    "{} admin / {pw}   (manager, agent, analyst: {same} {pw})",
                    say("demo login:", "演示账号："),
                    pw = info.password,
                    same = say("same password", "密码相同")
                );
            }
            None => println!(
                "{}",
                say(
                    "the store holds real data; --demo left it alone",
                    "数据库已有真实数据，--demo 未做任何改动"
                )
            ),
        }
    } else if app
        .store
        .count_users()
        .await
        .map_err(|e| app_err(e.into()))?
        == 0
    {
        println!(
            "{}",
            say(
                "no users yet: add one with `fidelis user add --username admin --role admin --password-stdin`",
                "尚无用户：请用 `fidelis user add --username admin --role admin --password-stdin` 添加"
            )
        );
    }
    println!(
        "{} {url}  ({})",
        say("Fidelis is running at", "Fidelis 已启动："),
        app.store.display_url()
    );
    // Every area's page, to open straight away.
    for (path, en, zh) in [
        ("/", "Home", "首页"),
        ("/customers", "Customers", "客户"),
        ("/surveys", "Satisfaction", "满意度调查"),
        ("/complaints", "Complaints", "投诉"),
        ("/churn", "Churn and value", "流失与价值"),
        ("/loyalty", "Loyalty", "忠诚"),
        ("/care", "Care", "客户关怀"),
        ("/imports", "Imports", "导入"),
        ("/admin/users", "Users and teams", "用户与小组"),
        ("/api/openapi.json", "API (OpenAPI)", "接口（OpenAPI）"),
    ] {
        println!("  {:<18} {}{path}", say(en, zh), url.trim_end_matches('/'));
    }
    // Complaint service levels: warnings, breaches and escalations from the stored due times.
    app.start_complaint_timers(std::time::Duration::from_secs(30));
    // Care rules: daily triggers swept every minute, the outbox drained every two seconds; a
    // webhook may not call this server itself.
    if let Ok(mut own) = app.own_hosts.lock() {
        let addr = listener.local_addr()?;
        own.extend([
            addr.to_string(),
            format!("localhost:{}", addr.port()),
            format!("127.0.0.1:{}", addr.port()),
        ]);
        if let Ok(mut url) = app.public_url.write() {
            *url = std::env::var("FIDELIS_PUBLIC_URL").unwrap_or_else(|_| format!("http://{addr}"));
        }
        // And the public address links are made with, when one is set.
        if let Ok(public) = std::env::var("FIDELIS_PUBLIC_URL") {
            let host = public
                .split("://")
                .nth(1)
                .unwrap_or(&public)
                .split('/')
                .next()
                .unwrap_or("")
                .to_string();
            if !host.is_empty() {
                own.push(host);
            }
        }
    }
    app.start_care(
        std::time::Duration::from_secs(60),
        std::time::Duration::from_secs(2),
    );
    // This month's home figures, computed while the first visitor signs in.
    app.warm_home().await;
    let router =
        http_api::security::secured(http_api::router(app.clone()).merge(web::router(app.clone())));
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    app.store.close().await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
