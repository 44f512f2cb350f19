//! The demo store: a simulated company (`analytics::sim`) loaded through the real import path,
//! plus contacts, notes, satisfaction surveys with answers (`surveys::demo`) and one user per
//! role, so a newcomer sees every page filled.

use crate::churn::store::{ClvRunRequest, CLV_RUN};
use crate::customers::{ImportKind, ImportOptions};
use crate::{Actor, App, AppError};
use analytics::sim::{Config, CUSTOMER_HEADER, TRANSACTION_HEADER};
use domain::access::Role;
use rand::{Rng, SeedableRng};
use std::io::{BufWriter, Write};
use std::sync::Arc;

pub const DEMO_USERS: [(&str, Role); 4] = [
    ("admin", Role::Admin),
    ("manager", Role::Manager),
    ("agent", Role::Agent),
    ("analyst", Role::Analyst),
];

#[derive(Debug, Clone)]
pub struct DemoInfo {
    /// False when the store already held the demo and only the passwords were renewed.
    pub filled: bool,
    pub customers: i64,
    pub transactions: i64,
    pub password: String,
}

const CONTACTS: &[(&str, &str)] = &[
    ("call", "回访：询问上次购买的使用体验，客户表示满意。"),
    ("visit", "到店：试听新到的黑胶唱片，留下了联系方式。"),
    ("message", "短信提醒会员积分即将到期。"),
    ("wechat", "微信咨询礼品包装和配送时间。"),
    (
        "email",
        "Sent the autumn catalogue; customer asked about signed editions.",
    ),
    (
        "call",
        "Follow-up call about a late delivery; apologised and offered a voucher.",
    ),
    ("care", "生日祝福与优惠券已发送。"),
];

const NOTES: &[&str] = &[
    "老顾客，喜欢靠窗的位置，每次都点美式咖啡。",
    "Prefers to be called after 6pm. Collects first editions.",
    "对价格敏感，促销期间购买较多。",
    "曾投诉配送延迟，已妥善处理。",
];

impl App {
    /// Fill an empty store (no customers, no users) with the demo company of `size` customers; on
    /// a store that already holds the demo, renew the demo users' password. A store with other
    /// data or users is left alone.
    pub async fn demo(
        &self,
        size: usize,
        work_dir: &std::path::Path,
    ) -> Result<Option<DemoInfo>, AppError> {
        let customers = self.store.count("customers").await?;
        let is_demo = !self.store.audit_log(Some("demo"), 1).await?.is_empty();
        if !is_demo && (customers > 0 || self.store.count_users().await? > 0) {
            return Ok(None);
        }
        let password = demo_password();
        let hash = crate::access::hash_password(&password)?;
        for (name, role) in DEMO_USERS {
            match self.store.user_by_name(name).await {
                Ok(u) => self.store.set_user_password(u.id, &hash).await?,
                Err(storage::StoreError::NotFound) => {
                    self.store.create_user(name, &hash, role).await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        if is_demo {
            if self.store.latest_analysis_run(CLV_RUN).await?.is_none() {
                self.demo_analyses().await?;
            }
            self.demo_surveys().await?;
            self.demo_complaints().await?;
            return Ok(Some(DemoInfo {
                filled: false,
                customers,
                transactions: self.store.count("transactions").await?,
                password,
            }));
        }
        // Customers arrive over nine months, so the cohort table has rows to compare.
        let mut cfg = Config::demo(size);
        cfg.acquisition_weeks = 39.0;
        let now = chrono::Utc::now().timestamp();
        let start = now - (cfg.history_weeks * 7.0 * 86_400.0) as i64;
        std::fs::create_dir_all(work_dir).map_err(AppError::internal)?;
        let cpath = work_dir.join("demo-customers.csv");
        let tpath = work_dir.join("demo-transactions.csv");
        let mut contacts = Vec::new();
        let mut notes = Vec::new();
        {
            let mut cw = BufWriter::new(std::fs::File::create(&cpath).map_err(AppError::internal)?);
            let mut tw = BufWriter::new(std::fs::File::create(&tpath).map_err(AppError::internal)?);
            writeln!(cw, "{CUSTOMER_HEADER}").map_err(AppError::internal)?;
            writeln!(tw, "{TRANSACTION_HEADER}").map_err(AppError::internal)?;
            let mut rng = rand::rngs::StdRng::seed_from_u64(7);
            let mut failure = None;
            cfg.for_each(|c| {
                let r = c
                    .write_customer_csv(&mut cw, |i| format!("C{:07}", i + 1))
                    .and_then(|_| c.write_transactions_csv(&mut tw, start, now));
                if let Err(e) = r {
                    failure = Some(e);
                }
                let first = start + (c.purchases[0].week * 7.0 * 86_400.0) as i64;
                if rng.gen_bool(0.3) && first < now {
                    for _ in 0..rng.gen_range(1..=3) {
                        let (kind, text) = CONTACTS[rng.gen_range(0..CONTACTS.len())];
                        let at = rng.gen_range(first..now);
                        let staff = ["agent", "manager"][rng.gen_range(0..2)];
                        contacts.push((
                            c.external_id.clone(),
                            kind.to_string(),
                            analytics::sim::unix_to_stored(at),
                            staff.to_string(),
                            text.to_string(),
                        ));
                    }
                }
                if rng.gen_bool(0.08) && first < now {
                    let at = rng.gen_range(first..now);
                    notes.push((
                        c.external_id.clone(),
                        "agent".to_string(),
                        NOTES[rng.gen_range(0..NOTES.len())].to_string(),
                        analytics::sim::unix_to_stored(at),
                    ));
                }
            });
            if let Some(e) = failure {
                return Err(AppError::internal(e));
            }
            cw.flush().map_err(AppError::internal)?;
            tw.flush().map_err(AppError::internal)?;
        }
        let actor = Actor {
            user_id: None,
            username: "demo".into(),
            role: Role::Admin,
            lang: domain::Lang::En,
        };
        let quiet: crate::customers::import::ProgressFn = Arc::new(|_| {});
        for (kind, path) in [
            (ImportKind::Customers, &cpath),
            (ImportKind::Transactions, &tpath),
        ] {
            self.import_file(
                &actor,
                kind,
                path,
                &path.file_name().unwrap().to_string_lossy(),
                &ImportOptions::default(),
                quiet.clone(),
            )
            .await?;
            let _ = std::fs::remove_file(path);
        }
        self.store.add_interactions_bulk(&contacts, &notes).await?;
        self.store
            .audit(
                "demo",
                "demo_fill",
                "demo",
                "store",
                &format!("{size} customers"),
            )
            .await?;
        self.demo_contracts().await?;
        self.demo_surveys().await?;
        self.demo_staff(true).await?;
        // The demo company's name on its survey forms: a chain of coffee shops.
        if self.company().await?.name.is_empty() {
            self.store
                .set_setting("company.name", "悦享书店 · Yuexiang Books")
                .await?;
        }
        self.demo_complaints().await?;
        self.demo_analyses().await?;
        Ok(Some(DemoInfo {
            filled: true,
            customers: self.store.count("customers").await?,
            transactions: self.store.count("transactions").await?,
            password,
        }))
    }
}

impl App {
    /// The analyses a newcomer should see: a model check (calibrated 13 weeks ago, checked
    /// against what happened since), then the current values (calibrated today), which the
    /// profiles and the analytics page show; each followed by a loyalty classification, so the
    /// Loyalty page shows movement between types.
    async fn demo_analyses(&self) -> Result<(), AppError> {
        let actor = Actor {
            user_id: None,
            username: "demo".into(),
            role: Role::Admin,
            lang: domain::Lang::En,
        };
        let today = chrono::Utc::now().date_naive();
        let check = ClvRunRequest {
            calibration_end: Some((today - chrono::Duration::weeks(13)).to_string()),
            observation_end: Some(today.to_string()),
            ..ClvRunRequest::default()
        };
        for (k, req) in [check, ClvRunRequest::default()].into_iter().enumerate() {
            let opts = req.options(actor.lang)?;
            self.run_clv(&actor, &opts, Arc::new(|_: &str, _, _| {}))
                .await?;
            self.run_loyalty(&actor).await?;
            if k == 0 {
                self.demo_past_winback().await?;
                self.demo_staff(false).await?;
            }
        }
        self.demo_open_winback().await?;
        self.demo_care().await?;
        Ok(())
    }
}

fn demo_password() -> String {
    let mut rng = rand::thread_rng();
    let alphabet: Vec<char> = "abcdefghjkmnpqrstuvwxyz23456789".chars().collect();
    (0..12)
        .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
        .collect()
}
