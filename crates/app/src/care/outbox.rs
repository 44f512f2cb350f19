//! The outbox sender: e-mails (SMTP) and webhooks (HTTP POST, signed) that care rules queued.
//! A message is in the `outbox` table, committed with the firing, before anything sends it; the
//! sender claims due messages, sends each, and records the attempt — sent, retried later with
//! backoff (1, 2, 4 … minutes, [`MAX_ATTEMPTS`] tries), or failed for good — so nothing is lost
//! by a crash or a refusing receiver, and the delivery log is the table itself.

use crate::{Actor, App, AppError};
use chrono::{Duration, Utc};
use domain::access::Permission;
use domain::Lang;
use hmac::{Hmac, Mac};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use storage::care::{Attempt, OutboxItem};

/// A built SMTP transport and the settings it was built from.
pub type Mailer = (SmtpSettings, AsyncSmtpTransport<Tokio1Executor>);

/// Tries per message before it is marked failed.
pub const MAX_ATTEMPTS: i64 = 6;

/// Messages being sent at once (each SMTP exchange waits on the network far more than on us;
/// most SMTP servers accept this many connections from one client).
pub const IN_FLIGHT: usize = 8;

/// Where e-mail goes out. The password is taken from the environment variable named by
/// `password_env`, or given here: then it is stored sealed (`password_sealed`, see `secrets`)
/// and never shown again; left empty on a change, the stored one is kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// `none` (plain, for a local relay), `starttls` or `tls`.
    pub security: String,
    pub username: String,
    pub password: String,
    pub password_env: String,
    pub from: String,
    /// The password as stored, sealed with the server's key.
    pub password_sealed: String,
}

impl SmtpSettings {
    /// The settings as others may see them: no password, sealed or not.
    pub fn shown(&self) -> Value {
        json!({
            "host": self.host, "port": self.port, "security": self.security,
            "username": self.username, "password_env": self.password_env, "from": self.from,
            "password_stored": !self.password_sealed.is_empty() || !self.password.is_empty(),
        })
    }
}

use storage::care::SMTP_KEY;

/// The signature header of a webhook: hex HMAC-SHA256 of the exact body under the secret.
pub const SIGNATURE_HEADER: &str = "X-Fidelis-Signature";

/// `sha256=<hex>` of `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length works");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The body a webhook target gets: the event as JSON, or the text message WeCom and DingTalk
/// group robots take.
fn webhook_body(payload: &Value) -> Value {
    let event = &payload["event"];
    let text = format!(
        "{} · {} {}",
        event["rule"].as_str().unwrap_or(""),
        event["customer"]["name"].as_str().unwrap_or(""),
        event["customer"]["id"].as_str().unwrap_or("")
    );
    match payload["shape"].as_str() {
        Some("wecom") => json!({"msgtype": "text", "text": {"content": text}}),
        Some("dingtalk") => json!({"msgtype": "text", "text": {"content": text}}),
        _ => event.clone(),
    }
}

impl App {
    pub async fn smtp_settings(&self) -> Result<Option<SmtpSettings>, AppError> {
        Ok(self
            .store
            .setting(SMTP_KEY)
            .await?
            .and_then(|s| serde_json::from_str::<SmtpSettings>(&s).ok())
            .filter(|s| !s.host.is_empty()))
    }

    pub async fn set_smtp_settings(&self, actor: &Actor, s: &SmtpSettings) -> Result<(), AppError> {
        actor.require(Permission::ManageUsers)?;
        let mut fields = Vec::new();
        if s.host.trim().is_empty() || s.host.contains(char::is_whitespace) {
            fields.push(domain::FieldError::new("host", "a host name"));
        }
        if s.port == 0 {
            fields.push(domain::FieldError::new("port", "a port 1–65535"));
        }
        if !["none", "starttls", "tls"].contains(&s.security.as_str()) {
            fields.push(domain::FieldError::new("security", "none, starttls or tls"));
        }
        if s.from.parse::<lettre::message::Mailbox>().is_err() {
            fields.push(domain::FieldError::new(
                "from",
                "an address such as 客服 <care@example.cn>",
            ));
        }
        if !fields.is_empty() {
            return Err(AppError::invalid(actor.lang, fields));
        }
        let mut stored = s.clone();
        stored.password.clear();
        stored.password_sealed =
            match (&self.secrets, s.password.is_empty()) {
                (_, true) if s.password_env.is_empty() => self
                    .smtp_settings()
                    .await?
                    .map(|old| old.password_sealed)
                    .unwrap_or_default(),
                (_, true) => String::new(),
                (Some(key), false) => key.seal(&s.password),
                (None, false) => return Err(AppError::internal(
                    "no key to seal the password with: give it in the environment (password_env)",
                )),
            };
        let v = serde_json::to_string(&stored).map_err(AppError::internal)?;
        self.store
            .audit(&actor.username, "update", "settings", SMTP_KEY, &s.host)
            .await?;
        Ok(self.store.set_setting(SMTP_KEY, &v).await?)
    }

    /// The transport for the current settings: built once and kept (its pool reuses
    /// connections), rebuilt when the settings change.
    fn mailer(&self, s: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        let mut cached = self.smtp.lock().map_err(|e| e.to_string())?;
        if let Some((settings, transport)) = cached.as_ref() {
            if settings == s {
                return Ok(transport.clone());
            }
        }
        let builder = match s.security.as_str() {
            "tls" => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host).map_err(|e| e.to_string())?
            }
            "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                .map_err(|e| e.to_string())?,
            _ => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
        };
        let password = if !s.password_env.is_empty() {
            std::env::var(&s.password_env).unwrap_or_default()
        } else if !s.password_sealed.is_empty() {
            self.secrets
                .as_ref()
                .and_then(|k| k.open(&s.password_sealed))
                .ok_or("the stored SMTP password cannot be opened with this server's key")?
        } else {
            s.password.clone()
        };
        let mut builder = builder
            .port(s.port)
            .timeout(Some(std::time::Duration::from_secs(20)));
        if !s.username.is_empty() {
            builder =
                builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
                    s.username.clone(),
                    password,
                ));
        }
        let transport = builder.build();
        *cached = Some((s.clone(), transport.clone()));
        Ok(transport)
    }

    /// The SMTP settings without the password (administrators).
    pub async fn smtp_shown(&self, actor: &Actor) -> Result<Value, AppError> {
        actor.require(Permission::ManageUsers)?;
        Ok(self
            .smtp_settings()
            .await?
            .map_or(Value::Null, |s| s.shown()))
    }

    /// The "send a test e-mail" button: one e-mail to `to` now, or why it could not go.
    pub async fn send_test_email(&self, actor: &Actor, to: &str) -> Result<(), AppError> {
        actor.require(Permission::ManageUsers)?;
        self.send_email(
            to.trim(),
            "Fidelis 测试邮件 / test e-mail",
            "邮件设置正确，Fidelis 可以发出邮件了。\nSMTP works: Fidelis can send e-mail.",
        )
        .await
        .map_err(|e| AppError::field(actor.lang, "smtp", e))
    }

    /// Send one e-mail now (the outbox and the "send a test e-mail" button).
    pub async fn send_email(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        use lettre::{AsyncTransport, Message};
        let s = self
            .smtp_settings()
            .await
            .map_err(|e| e.message)?
            .ok_or("e-mail is not set up (SMTP)")?;
        let msg = Message::builder()
            .from(s.from.parse().map_err(|e| format!("from: {e}"))?)
            .to(to.parse().map_err(|e| format!("to: {e}"))?)
            .subject(subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| e.to_string())?;
        self.mailer(&s)?
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// POST a webhook; the receiver's status, or why it could not be reached.
    async fn send_webhook(&self, url: &str, payload: &Value) -> Result<u16, (Option<u16>, String)> {
        let body = serde_json::to_vec(&webhook_body(payload)).unwrap_or_default();
        let secret = payload["secret"].as_str().unwrap_or_default();
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| (None, e.to_string()))?;
        let r = client
            .post(url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, sign(secret, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| (None, e.to_string()))?;
        let status = r.status().as_u16();
        if r.status().is_success() {
            Ok(status)
        } else {
            Err((Some(status), format!("the receiver answered {status}")))
        }
    }

    /// Who an outbox e-mail goes to: the address, or a user's (`user:NAME`) with the user's
    /// language.
    async fn email_address(&self, target: &str) -> Result<(String, Option<Lang>), String> {
        match target.strip_prefix("user:") {
            Some(name) => self
                .store
                .user_email(name)
                .await
                .map_err(|e| e.to_string())?
                .filter(|(e, _)| !e.is_empty())
                .map(|(e, lang)| (e, Lang::parse(&lang)))
                .ok_or_else(|| format!("the user {name} has no e-mail address")),
            None => Ok((target.to_string(), None)),
        }
    }

    async fn deliver(&self, item: &OutboxItem) -> Result<Option<i64>, (Option<i64>, String)> {
        match item.kind.as_str() {
            "webhook" => self
                .send_webhook(&item.target, &item.payload)
                .await
                .map(|s| Some(i64::from(s)))
                .map_err(|(s, e)| (s.map(i64::from), e)),
            "email" => {
                let (to, lang) = self
                    .email_address(&item.target)
                    .await
                    .map_err(|e| (None, e))?;
                // A rule's e-mail to a user carries both texts: the user's language is read.
                let text = match lang {
                    Some(Lang::En) if item.payload["en"].is_object() => &item.payload["en"],
                    _ => &item.payload,
                };
                // A staff notification links to its page, on the server's public address.
                let mut body = text["body"].as_str().unwrap_or_default().to_string();
                let link = item.payload["link"].as_str().unwrap_or_default();
                let base = self
                    .public_url
                    .read()
                    .map(|b| b.clone())
                    .unwrap_or_default();
                if !link.is_empty() && !base.is_empty() {
                    body.push_str(&format!("\n\n{}{link}", base.trim_end_matches('/')));
                }
                self.send_email(&to, text["subject"].as_str().unwrap_or_default(), &body)
                    .await
                    .map(|_| None)
                    .map_err(|e| (None, e))
            }
            other => Err((None, format!("unknown message kind {other}"))),
        }
    }

    /// Send what is due, [`IN_FLIGHT`] messages at a time; returns how many were sent.
    pub async fn drain_outbox(&self) -> Result<usize, AppError> {
        use futures_util::StreamExt;
        let mut sent = 0;
        loop {
            let now = Utc::now();
            let due = self
                .store
                .claim_outbox(&domain::time::to_stored(now), 200)
                .await?;
            if due.is_empty() {
                return Ok(sent);
            }
            let mut attempts = futures_util::stream::iter(due)
                .map(|item| async move {
                    let attempt = match self.deliver(&item).await {
                        Ok(status) => Attempt::Sent { status },
                        Err((status, error)) if item.attempts + 1 < MAX_ATTEMPTS => {
                            Attempt::Retry {
                                status,
                                error,
                                at: domain::time::to_stored(
                                    now + Duration::seconds(
                                        self.retry_base_secs() << item.attempts.min(10),
                                    ),
                                ),
                            }
                        }
                        Err((status, error)) => Attempt::Failed { status, error },
                    };
                    (item.id, attempt)
                })
                .buffer_unordered(IN_FLIGHT);
            while let Some((id, attempt)) = attempts.next().await {
                if matches!(attempt, Attempt::Sent { .. }) {
                    sent += 1;
                }
                self.store.outbox_attempt(id, attempt).await?;
            }
        }
    }

    /// The first retry's delay in seconds (a minute; tests shorten it).
    fn retry_base_secs(&self) -> i64 {
        self.care_retry_secs
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(0)
    }

    /// Run the care sweep every `sweep` and drain the outbox every `drain` for as long as the
    /// server runs; messages a crash left half-sent go back to the queue first.
    pub fn start_care(&self, sweep: std::time::Duration, drain: std::time::Duration) {
        let app = self.clone();
        tokio::spawn(async move {
            if let Err(e) = app.store.requeue_sending().await {
                tracing::warn!("outbox: {e}");
            }
            let mut sweep_tick = tokio::time::interval(sweep);
            let mut drain_tick = tokio::time::interval(drain);
            loop {
                tokio::select! {
                    _ = sweep_tick.tick() => {
                        if let Err(e) = app.sweep_care(Utc::now()).await {
                            tracing::warn!("care sweep: {e}");
                        }
                    }
                    _ = drain_tick.tick() => {
                        if let Err(e) = app.drain_outbox().await {
                            tracing::warn!("outbox: {e}");
                        }
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn robots_get_their_text_shape() {
        let p = json!({"shape": "wecom", "event": {"rule": "R", "customer": {"name": "王芳", "id": "C1"}}});
        assert_eq!(webhook_body(&p)["msgtype"], "text");
        assert!(webhook_body(&p)["text"]["content"]
            .as_str()
            .unwrap()
            .contains("王芳"));
        let p = json!({"shape": "json", "event": {"rule": "R"}});
        assert_eq!(webhook_body(&p), json!({"rule": "R"}));
    }
}
