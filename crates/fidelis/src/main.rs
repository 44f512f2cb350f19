//! `fidelis`: one binary for the web app, the JSON API and the command line (lldap/ripgrep
//! style subcommands). Every subcommand finds the store the same way: `--database-url` (or
//! `FIDELIS_DATABASE_URL`) if given, else the SQLite file in `--data-dir` (default
//! `./fidelis-data`).

mod analyze;
mod cli;
mod cluster;
mod common;
mod loyalty;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FIDELIS_LOG")
                .unwrap_or_else(|_| "info,sqlx=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(cli::run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}
