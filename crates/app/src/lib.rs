//! Fidelis use cases: what a person or a job can do, with permission checks, on top of the
//! store. The HTTP API, the pages and the CLI all go through here, so a rule holds everywhere.
//!
//! Areas: `customers` (the information base, import/export) now; the other areas of SPEC.md
//! (`surveys`, `complaints`, `churn`, `loyalty`, `care`) get their modules with their issues.

pub mod access;
pub mod care;
pub mod churn;
pub mod company;
pub mod complaints;
pub mod customers;
pub mod demo;
pub mod error;
pub mod home;
pub mod jobs;
pub mod loyalty;
pub mod secrets;
pub mod surveys;

pub use error::AppError;
pub use storage::{Backend, Store};

use domain::access::{Permission, Role};
use std::sync::Arc;

/// Who is acting: a signed-in user, a token holder, or the CLI operator.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub role: Role,
    pub lang: domain::Lang,
}

impl Actor {
    /// The operator at the command line has the machine and so every right; actions are audited
    /// as `cli`.
    pub fn cli() -> Actor {
        Actor {
            user_id: None,
            username: "cli".into(),
            role: Role::Admin,
            lang: domain::Lang::from_accept(&std::env::var("LANG").unwrap_or_default()),
        }
    }

    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        if self.role.can(p) {
            Ok(())
        } else {
            Err(AppError::forbidden(self.lang, p))
        }
    }
}

/// The application: the store plus in-process state (job progress, login throttling).
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub jobs: Arc<jobs::Jobs>,
    pub(crate) login_limiter: Arc<access::RateLimiter>,
    /// Answers through a wave's open link, per client address and wave.
    pub(crate) open_answer_limiter: Arc<access::RateLimiter>,
    /// Customer counts by list filter, with when each was taken (see `customers::COUNT_TTL`).
    pub(crate) total_cache: Arc<std::sync::Mutex<customers::Counts>>,
    /// Region and channel values for the list's filter menus, refreshed at most once a minute
    /// (listing distinct values scans a whole index).
    pub(crate) filter_cache:
        Arc<std::sync::Mutex<Option<(std::time::Instant, customers::FilterOptions)>>>,
    /// The complaint overview, computed at most once a minute (see `complaints::measures`).
    pub(crate) complaint_overview_cache:
        Arc<std::sync::Mutex<Option<(std::time::Instant, complaints::measures::Overview)>>>,
    /// The recovery counts behind it, with when and for which window they were counted: they
    /// change slowly and cost the most (see `complaints::measures::RECOVERY_TTL`).
    pub(crate) recovery_cache: Arc<
        std::sync::Mutex<Option<(std::time::Instant, i64, storage::complaints::RecoveryCounts)>>,
    >,
    /// Whether a background refresh of that overview is running.
    pub(crate) overview_refreshing: Arc<std::sync::atomic::AtomicBool>,
    /// SQLite has one writer: complaint writes queue here, in order, instead of in SQLite's
    /// busy handler (which sleeps in growing steps and makes a slow tail under many agents).
    pub(crate) case_writes: Arc<tokio::sync::Mutex<()>>,
    /// Loyalty list counts by filter, with when each was taken (see `loyalty::COUNT_TTL`).
    pub(crate) loyalty_counts:
        Arc<std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, i64)>>>,
    /// This server's own addresses (`host:port`), which a care webhook may not call.
    pub own_hosts: Arc<std::sync::Mutex<Vec<String>>>,
    /// The address people reach this server at (`FIDELIS_PUBLIC_URL`, or where it listens):
    /// links in staff e-mails start with it.
    pub public_url: Arc<std::sync::RwLock<String>>,
    /// The key secrets at rest are sealed with (`secrets`); none until the store is opened
    /// from a data directory.
    pub secrets: Option<secrets::SecretKey>,
    /// The home page's computed figures, by period and segment (`home`).
    pub home_cache: Arc<home::HomeCache>,
    /// Each wave's headline score for the surveys list (`surveys::scores`).
    pub(crate) wave_score_cache: Arc<surveys::scores::ScoreCache>,
    home_computing: Arc<home::HomeComputing>,
    segments_cache: Arc<home::SegmentsCache>,
    /// The outbox's first retry delay in seconds (then doubling).
    pub care_retry_secs: Arc<std::sync::atomic::AtomicI64>,
    /// The SMTP transport (a pool of connections) for the settings it was built from.
    pub(crate) smtp: Arc<std::sync::Mutex<Option<care::outbox::Mailer>>>,
}

/// A message in the reader's language, owned (for error reasons and labels).
pub(crate) fn say(lang: domain::Lang, zh: &str, en: &str) -> String {
    lang.pick(zh, en).to_string()
}

impl App {
    pub fn new(store: Store) -> App {
        App {
            store,
            jobs: Arc::new(jobs::Jobs::default()),
            login_limiter: Arc::new(access::RateLimiter::default()),
            open_answer_limiter: Arc::new(access::RateLimiter::new(
                surveys::OPEN_ANSWERS_PER_HOUR,
                std::time::Duration::from_secs(3600),
            )),
            filter_cache: Arc::default(),
            total_cache: Arc::default(),
            complaint_overview_cache: Arc::default(),
            recovery_cache: Arc::default(),
            overview_refreshing: Arc::default(),
            case_writes: Arc::default(),
            loyalty_counts: Arc::default(),
            own_hosts: Arc::default(),
            public_url: Arc::default(),
            secrets: None,
            home_cache: Arc::default(),
            wave_score_cache: Arc::default(),
            home_computing: Arc::default(),
            segments_cache: Arc::default(),
            care_retry_secs: Arc::new(std::sync::atomic::AtomicI64::new(60)),
            smtp: Arc::default(),
        }
    }

    /// Open the store at `database_url` or in `data_dir`, and run migrations.
    pub async fn open(
        database_url: Option<&str>,
        data_dir: &std::path::Path,
    ) -> Result<App, AppError> {
        let url = storage::resolve_url(database_url, data_dir)?;
        let store = Store::connect(&url).await?;
        store.migrate().await?;
        let mut app = App::new(store);
        app.secrets = Some(secrets::SecretKey::load(data_dir).map_err(AppError::internal)?);
        app.ensure_follow_up_rule().await?;
        Ok(app)
    }
}
