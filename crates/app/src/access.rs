//! Users, sign-in, sessions and API tokens.
//!
//! Passwords are argon2id hashes; session ids and API tokens are 256-bit random values of which
//! only the SHA-256 is stored. Sign-in is throttled per user name and per client address.

use crate::{Actor, App, AppError};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use domain::access::{check_password, parse_username, Permission, Role};
use domain::{ErrorCode, Lang};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use storage::access::{Session, User};

pub const SESSION_DAYS: i64 = 7;
/// Failed sign-ins allowed per user name within `LOGIN_WINDOW` …
pub const LOGIN_ATTEMPTS: usize = 10;
/// … and per client address: far more, since a whole office may sign in from behind one
/// address (NAT), and one person's typos must not lock out their colleagues.
pub const LOGIN_ATTEMPTS_PER_ADDRESS: usize = 100;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

pub fn hash_password(p: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(p.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

fn verify_password(p: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| Argon2::default().verify_password(p.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A new random secret (hex) and the SHA-256 that is stored for it.
pub fn new_secret() -> (String, String) {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    let s = hex::encode(b);
    let h = digest(&s);
    (s, h)
}

pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Sliding-window counter of events per key: failed sign-ins per user name and address, open
/// survey answers per address and wave.
pub struct RateLimiter {
    events: Mutex<HashMap<String, Vec<Instant>>>,
    max: usize,
    window: Duration,
}

impl Default for RateLimiter {
    /// The sign-in limits.
    fn default() -> RateLimiter {
        RateLimiter::new(LOGIN_ATTEMPTS, LOGIN_WINDOW)
    }
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            events: Mutex::default(),
            max,
            window,
        }
    }
    pub(crate) fn blocked(&self, key: &str) -> bool {
        self.wait(key, self.max).is_some()
    }
    /// Whether `key` has `max` events in the window, and if so how long until one leaves it.
    pub(crate) fn wait(&self, key: &str, max: usize) -> Option<Duration> {
        let mut m = self.events.lock().unwrap();
        let v = m.entry(key.to_string()).or_default();
        v.retain(|t| t.elapsed() < self.window);
        (v.len() >= max).then(|| {
            let oldest = v.iter().min().copied().unwrap_or_else(Instant::now);
            self.window.saturating_sub(oldest.elapsed())
        })
    }
    pub(crate) fn fail(&self, key: &str) {
        let mut m = self.events.lock().unwrap();
        if m.len() > 100_000 {
            m.retain(|_, v| v.iter().any(|t| t.elapsed() < self.window));
        }
        m.entry(key.to_string()).or_default().push(Instant::now());
    }
}

/// A new session: the cookie value (secret) and the CSRF token for its forms.
pub struct NewSession {
    pub cookie: String,
    pub csrf: String,
    pub user: User,
}

impl App {
    pub async fn add_user(
        &self,
        actor: &Actor,
        username: &str,
        password: &str,
        role: Role,
    ) -> Result<User, AppError> {
        actor.require(Permission::ManageUsers)?;
        let lang = actor.lang;
        let username =
            parse_username(username).map_err(|e| AppError::field(lang, "username", e))?;
        check_password(password).map_err(|e| AppError::field(lang, "password", e))?;
        let hash = hash_password(password)?;
        let user = self
            .store
            .create_user(&username, &hash, role)
            .await
            .map_err(|e| match AppError::from(e) {
                e if e.code == ErrorCode::DuplicateExternalId => {
                    AppError::field(lang, "username", "is taken")
                }
                e => e,
            })?;
        self.store
            .audit(&actor.username, "create", "user", &username, role.as_str())
            .await?;
        Ok(user)
    }

    pub async fn users(&self, actor: &Actor) -> Result<Vec<User>, AppError> {
        actor.require(Permission::ManageUsers)?;
        Ok(self.store.list_users().await?)
    }

    /// Check a user name and password; throttled per user name and per client address.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
        lang: Lang,
    ) -> Result<NewSession, AppError> {
        let keys = [format!("u:{}", username.trim()), format!("a:{client}")];
        let wait = [
            self.login_limiter.wait(&keys[0], LOGIN_ATTEMPTS),
            self.login_limiter
                .wait(&keys[1], LOGIN_ATTEMPTS_PER_ADDRESS),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(wait) = wait {
            let minutes = wait.as_secs().div_ceil(60).max(1);
            return Err(AppError::new(ErrorCode::RateLimited, lang)
                .with_message(match lang {
                    Lang::ZhCn => format!("登录失败次数过多，请 {minutes} 分钟后再试。"),
                    Lang::En => format!(
                        "Too many failed sign-ins: try again in {minutes} minute{}.",
                        if minutes == 1 { "" } else { "s" }
                    ),
                })
                .with_details(
                    serde_json::json!({ "retry_after_seconds": wait.as_secs().max(1) }),
                ));
        }
        let mut user = match self.store.user_by_name(username.trim()).await {
            Ok(u) if u.active && verify_password(password, &u.password_hash) => u,
            Ok(_) | Err(storage::StoreError::NotFound) => {
                // Spend the same time for unknown users so timing tells nothing.
                if self.store.user_by_name(username.trim()).await.is_err() {
                    let _ = verify_password(password, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
                }
                keys.iter().for_each(|k| self.login_limiter.fail(k));
                return Err(AppError::new(ErrorCode::InvalidCredentials, lang));
            }
            Err(e) => return Err(e.into()),
        };
        if !user.lang_chosen {
            self.store.set_user_lang(user.id, lang).await?;
            user.lang = lang;
        }
        let (cookie, hash) = new_secret();
        let (csrf, _) = new_secret();
        let expires =
            domain::time::to_stored(chrono::Utc::now() + chrono::Duration::days(SESSION_DAYS));
        self.store
            .create_session(&hash, user.id, &csrf, &expires)
            .await?;
        Ok(NewSession { cookie, csrf, user })
    }

    pub async fn session(&self, cookie: &str) -> Result<Session, AppError> {
        self.store
            .session(&digest(cookie))
            .await
            .map_err(|e| match e {
                storage::StoreError::NotFound => {
                    AppError::new(ErrorCode::Unauthenticated, Lang::En)
                }
                e => e.into(),
            })
    }

    pub async fn logout(&self, cookie: &str) -> Result<(), AppError> {
        Ok(self.store.delete_session(&digest(cookie)).await?)
    }

    /// A new API token for `username`; the secret is shown once and only its hash is kept.
    pub async fn create_token(
        &self,
        actor: &Actor,
        username: &str,
        label: &str,
    ) -> Result<String, AppError> {
        let user = self
            .store
            .user_by_name(username)
            .await
            .map_err(|e| match e {
                storage::StoreError::NotFound => {
                    AppError::field(actor.lang, "username", format!("no user '{username}'"))
                }
                e => e.into(),
            })?;
        if actor.user_id != Some(user.id) {
            actor.require(Permission::ManageUsers)?;
        }
        let (secret, _) = new_secret();
        let token = format!("fid_{secret}");
        self.store
            .create_token(user.id, &digest(&token), label)
            .await?;
        self.store
            .audit(&actor.username, "create_token", "user", username, label)
            .await?;
        Ok(token)
    }

    pub async fn actor_for_token(&self, token: &str) -> Result<Actor, AppError> {
        let user = self
            .store
            .user_by_token(&digest(token))
            .await
            .map_err(|e| match e {
                storage::StoreError::NotFound => {
                    AppError::new(ErrorCode::Unauthenticated, Lang::En)
                }
                e => e.into(),
            })?;
        Ok(actor_of(&user))
    }

    /// Change a user's role or deactivate them (administrators; not oneself, so the last
    /// administrator cannot lock everyone out by accident).
    pub async fn set_user_access(
        &self,
        actor: &Actor,
        username: &str,
        role: Role,
        active: bool,
    ) -> Result<User, AppError> {
        actor.require(Permission::ManageUsers)?;
        let lang = actor.lang;
        if username == actor.username {
            return Err(AppError::field(
                lang,
                "username",
                crate::say(
                    lang,
                    "不能更改自己的角色或停用自己",
                    "you cannot change your own role or deactivate yourself",
                ),
            ));
        }
        self.store
            .set_user_access(username, role, active, &actor.username)
            .await
            .map_err(|e| match e {
                storage::StoreError::NotFound => AppError::not_found(lang, "user"),
                e => e.into(),
            })?;
        Ok(self.store.user_by_name(username).await?)
    }

    /// Set a new password for a user (administrators); their sessions stay until they expire.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        username: &str,
        password: &str,
    ) -> Result<(), AppError> {
        actor.require(Permission::ManageUsers)?;
        let lang = actor.lang;
        check_password(password).map_err(|e| AppError::field(lang, "password", e))?;
        let user = self
            .store
            .user_by_name(username)
            .await
            .map_err(|_| AppError::not_found(lang, "user"))?;
        self.store
            .set_user_password(user.id, &hash_password(password)?)
            .await?;
        self.store
            .audit(
                &actor.username,
                "update",
                "user",
                username,
                "password reset",
            )
            .await?;
        Ok(())
    }

    /// The signed-in user as stored (their e-mail and notification preference).
    pub async fn me(&self, actor: &Actor) -> Result<User, AppError> {
        self.store
            .user_by_name(&actor.username)
            .await
            .map_err(|_| AppError::not_found(actor.lang, "user"))
    }

    /// A user's e-mail address and whether their notifications also go there by e-mail: one's
    /// own, or anyone's for an administrator. An empty address means none.
    pub async fn set_user_contact(
        &self,
        actor: &Actor,
        username: &str,
        email: &str,
        email_notifications: bool,
    ) -> Result<User, AppError> {
        let lang = actor.lang;
        if username != actor.username {
            actor.require(Permission::ManageUsers)?;
        }
        let email = email.trim();
        if !email.is_empty() && domain::customers::Email::parse(email).is_err() {
            return Err(AppError::field(
                lang,
                "email",
                crate::say(lang, "不是有效的邮件地址", "not an e-mail address"),
            ));
        }
        self.store
            .set_user_contact(username, email, email_notifications, &actor.username)
            .await
            .map_err(|e| match e {
                storage::StoreError::NotFound => AppError::not_found(lang, "user"),
                e => e.into(),
            })?;
        Ok(self.store.user_by_name(username).await?)
    }

    pub async fn set_language(&self, actor: &Actor, lang: Lang) -> Result<(), AppError> {
        if let Some(id) = actor.user_id {
            self.store.set_user_lang(id, lang).await?;
        }
        Ok(())
    }
}

pub fn actor_of(user: &User) -> Actor {
    Actor {
        user_id: Some(user.id),
        username: user.username.clone(),
        role: user.role,
        lang: user.lang,
    }
}
