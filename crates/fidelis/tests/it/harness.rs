//! Spawning the app for a test: a fresh store (temp SQLite file or a new PostgreSQL database),
//! one user and API token per role, the HTTP server on a free loopback port.

use app::{Actor, App};
use domain::access::Role;
use sqlx::Connection;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub app: App,
    pub http: reqwest::Client,
    pub tokens: HashMap<&'static str, String>,
    pub dir: tempfile::TempDir,
    pub url: String,
    pg_db: Option<String>,
}

pub const PASSWORD: &str = "correct-horse-battery";

fn pg_admin_url() -> String {
    std::env::var("FIDELIS_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A new, empty store URL for this test, or None when PostgreSQL is unavailable outside CI.
pub async fn store_url(db: Db, dir: &std::path::Path) -> Option<(String, Option<String>)> {
    match db {
        Db::Sqlite => Some((
            format!("sqlite://{}?mode=rwc", dir.join("t.sqlite3").display()),
            None,
        )),
        Db::Postgres => {
            let admin = pg_admin_url();
            let mut conn = match sqlx::PgConnection::connect(&admin).await {
                Ok(c) => c,
                Err(e) => {
                    if std::env::var("CI").as_deref() == Ok("true") {
                        panic!("PostgreSQL at {admin} is unreachable under CI=true: {e}");
                    }
                    eprintln!("NOTICE: skipping a PostgreSQL test: {admin} unreachable ({e})");
                    return None;
                }
            };
            let name = format!("fidelis_t_{}", &app::access::new_secret().0[..16]);
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let url = match admin.rsplit_once('/') {
                Some((head, _)) => format!("{head}/{name}"),
                None => panic!("bad FIDELIS_TEST_PG_URL"),
            };
            Some((url, Some(name)))
        }
    }
}

pub async fn drop_pg(name: &str) {
    if let Ok(mut conn) = sqlx::PgConnection::connect(&pg_admin_url()).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await;
    }
}

pub async fn spawn(db: Db) -> Option<TestApp> {
    spawn_with(db, None).await
}

/// A test app on the demo company of `customers` customers (its users' password: [`PASSWORD`]).
pub async fn spawn_demo(db: Db, customers: usize) -> Option<TestApp> {
    spawn_with(db, Some(customers)).await
}

async fn spawn_with(db: Db, demo: Option<usize>) -> Option<TestApp> {
    let dir = tempfile::tempdir().unwrap();
    let (url, pg_db) = store_url(db, dir.path()).await?;
    let app = App::open(Some(&url), dir.path()).await.expect("open store");
    if let Some(n) = demo {
        app.demo(n, dir.path())
            .await
            .expect("demo")
            .expect("an empty store");
    }
    let mut tokens = HashMap::new();
    for (name, role) in [
        ("admin", Role::Admin),
        ("manager", Role::Manager),
        ("agent", Role::Agent),
        ("analyst", Role::Analyst),
    ] {
        match app.store.user_by_name(name).await {
            Ok(u) => app
                .store
                .set_user_password(u.id, &app::access::hash_password(PASSWORD).unwrap())
                .await
                .unwrap(),
            Err(_) => {
                app.add_user(&Actor::cli(), name, PASSWORD, role)
                    .await
                    .unwrap();
            }
        }
        tokens.insert(
            name,
            app.create_token(&Actor::cli(), name, "test").await.unwrap(),
        );
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router =
        http_api::security::secured(http_api::router(app.clone()).merge(web::router(app.clone())));
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Some(TestApp {
        base,
        app,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        tokens,
        dir,
        url,
        pg_db,
    })
}

impl TestApp {
    pub fn get(&self, role: &str, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.tokens[role])
    }
    pub fn post(&self, role: &str, path: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.tokens[role])
    }
    pub fn put(&self, role: &str, path: &str) -> reqwest::RequestBuilder {
        self.http
            .put(format!("{}{path}", self.base))
            .bearer_auth(&self.tokens[role])
    }
    pub fn delete(&self, role: &str, path: &str) -> reqwest::RequestBuilder {
        self.http
            .delete(format!("{}{path}", self.base))
            .bearer_auth(&self.tokens[role])
    }
    /// A JSON body sent as `role`: the status and the JSON answer.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        role: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        json(
            self.http
                .request(method, format!("{}{path}", self.base))
                .bearer_auth(&self.tokens[role])
                .json(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }
    pub async fn post_json(
        &self,
        role: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.send_json(reqwest::Method::POST, role, path, body)
            .await
    }
    pub async fn put_json(
        &self,
        role: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.send_json(reqwest::Method::PUT, role, path, body).await
    }
    /// A GET as `role`: the status and the JSON answer.
    pub async fn get_json(&self, role: &str, path: &str) -> (u16, serde_json::Value) {
        json(self.get(role, path).send().await.unwrap()).await
    }
    pub fn file(&self, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
    pub async fn finish(self) {
        self.app.store.close().await;
        if let Some(name) = &self.pg_db {
            drop_pg(name).await;
        }
    }
}

/// Run `async fn name(t: &TestApp)` on SQLite and on PostgreSQL: `both!(name);` makes the tests
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(t) = $crate::it::harness::spawn($crate::it::harness::Db::Sqlite).await {
                    super::$name(&t).await;
                    t.finish().await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(t) = $crate::it::harness::spawn($crate::it::harness::Db::Postgres).await
                {
                    super::$name(&t).await;
                    t.finish().await;
                }
            }
        }
    };
}

pub async fn json(r: reqwest::Response) -> (u16, serde_json::Value) {
    let s = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        s,
        serde_json::from_str(&text).unwrap_or_else(|_| serde_json::json!({ "raw": text })),
    )
}
