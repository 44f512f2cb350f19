//! Integration tests: the real app over HTTP (bound to 127.0.0.1:0), the real binary for the CLI,
//! on SQLite and on PostgreSQL (a fresh database per test). One test binary keeps link time down.
//!
//! PostgreSQL comes from `FIDELIS_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
//! If it cannot be reached the PostgreSQL variants are skipped with a notice — except under
//! `CI=true`, where they fail.

mod it;
