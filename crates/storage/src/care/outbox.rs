//! The outbox in the store: staff notifications (and their e-mails), messages claimed for
//! sending, each attempt recorded, and the delivery log.

use crate::{get_i, get_os, get_s, Result, Store};
use domain::time::now_stored;

/// The settings key of the SMTP settings (e-mail is set up when it is there).
pub const SMTP_KEY: &str = "care.smtp";

/// A staff notification, in the transaction of what caused it; and, for a user who gave an
/// e-mail address and wants notifications by e-mail (and when e-mail is set up), the same
/// notification as an e-mail in the outbox.
pub(crate) async fn notify(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    username: &str,
    text: &str,
    link: &str,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO notifications (username, text, link, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(username)
    .bind(text)
    .bind(link)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    let subject: String = text.chars().take(60).collect();
    let payload = serde_json::json!({
        "subject": format!("Fidelis · {subject}"),
        "body": text,
        "link": link,
    });
    sqlx::query(
        "INSERT INTO outbox (kind, target, payload, next_attempt_at, created_at) \
         SELECT 'email', 'user:' || u.username, $2, $3, $3 FROM users u \
         WHERE u.username = $1 AND u.active = 1 AND u.email <> '' AND u.email_notifications = 1 \
         AND EXISTS (SELECT 1 FROM settings WHERE key = $4)",
    )
    .bind(username)
    .bind(payload.to_string())
    .bind(at)
    .bind(SMTP_KEY)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queue an e-mail in the outbox inside the caller's transaction, once per `r` (a second one
/// with the same ref is not queued): 1 if queued.
pub(crate) async fn queue_mail(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    r: &str,
    to: &str,
    payload: &serde_json::Value,
    at: &str,
) -> Result<usize> {
    Ok(sqlx::query(
        "INSERT INTO outbox (kind, target, payload, next_attempt_at, created_at, ref) \
         SELECT 'email', $1, $2, $3, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE ref = $4)",
    )
    .bind(to)
    .bind(payload.to_string())
    .bind(at)
    .bind(r)
    .execute(&mut **tx)
    .await?
    .rows_affected() as usize)
}

/// A message waiting in (or gone through) the outbox.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutboxItem {
    pub id: i64,
    pub kind: String,
    pub firing_id: Option<i64>,
    pub target: String,
    pub payload: serde_json::Value,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: String,
    pub last_status: Option<i64>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

fn outbox_from(r: &sqlx::any::AnyRow) -> OutboxItem {
    OutboxItem {
        id: get_i(r, "id"),
        kind: get_s(r, "kind"),
        firing_id: sqlx::Row::try_get::<Option<i64>, _>(r, "firing_id")
            .ok()
            .flatten(),
        target: get_s(r, "target"),
        payload: serde_json::from_str(&get_s(r, "payload")).unwrap_or_default(),
        status: get_s(r, "status"),
        attempts: get_i(r, "attempts"),
        next_attempt_at: get_s(r, "next_attempt_at"),
        last_error: get_s(r, "last_error"),
        last_status: sqlx::Row::try_get::<Option<i64>, _>(r, "last_status")
            .ok()
            .flatten(),
        created_at: get_s(r, "created_at"),
        sent_at: get_os(r, "sent_at"),
    }
}

/// What came of one attempt to send an outbox message.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    Sent {
        status: Option<i64>,
    },
    Retry {
        status: Option<i64>,
        error: String,
        at: String,
    },
    Failed {
        status: Option<i64>,
        error: String,
    },
}

impl Store {
    /// Messages due now, oldest first, marked as being sent (a process that dies meanwhile
    /// leaves them `sending`: [`Store::requeue_sending`] puts them back at the next start).
    pub async fn claim_outbox(&self, now: &str, limit: i64) -> Result<Vec<OutboxItem>> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let items: Vec<OutboxItem> = rows.iter().map(outbox_from).collect();
        for i in &items {
            sqlx::query("UPDATE outbox SET status = 'sending' WHERE id = $1")
                .bind(i.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(items)
    }

    /// Queue e-mails that are not a firing's, each once per `ref` (a second call with the same
    /// ref queues nothing): (ref, address, payload). Returns how many were queued.
    pub async fn enqueue_mail(
        &self,
        mails: &[(String, String, serde_json::Value)],
    ) -> Result<usize> {
        let now = now_stored();
        let mut tx = self.begin_write().await?;
        let mut n = 0;
        for (r, to, payload) in mails {
            n += queue_mail(&mut tx, r, to, payload, &now).await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// The status of the messages whose ref starts with `prefix`, by ref.
    pub async fn mail_status(
        &self,
        prefix: &str,
    ) -> Result<std::collections::HashMap<String, String>> {
        Ok(
            sqlx::query("SELECT ref, status FROM outbox WHERE ref LIKE $1")
                .bind(format!("{prefix}%"))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| (get_s(r, "ref"), get_s(r, "status")))
                .collect(),
        )
    }

    /// The customer opted out of e-mail: `email` leaves their consent.
    pub async fn drop_email_consent(&self, customer_id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let consent: Option<String> =
            sqlx::query_scalar("SELECT consent FROM customers WHERE id = $1")
                .bind(customer_id)
                .fetch_optional(&mut *tx)
                .await?;
        let mut list: Vec<String> = consent
            .and_then(|c| serde_json::from_str(&c).ok())
            .unwrap_or_default();
        list.retain(|c| c != "email");
        sqlx::query("UPDATE customers SET consent = $1, version = version + 1, updated_at = $2 WHERE id = $3")
            .bind(serde_json::to_string(&list).unwrap_or_default())
            .bind(now_stored())
            .bind(customer_id)
            .execute(&mut *tx)
            .await?;
        crate::audit::write(
            &mut tx,
            "customer",
            "opt_out",
            "customer",
            &customer_id.to_string(),
            "email",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// After a crash: messages left `sending` go back to the queue.
    pub async fn requeue_sending(&self) -> Result<u64> {
        Ok(
            sqlx::query("UPDATE outbox SET status = 'pending' WHERE status = 'sending'")
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    /// The outcome of one attempt: sent (with the receiver's status), or not (status, error)
    /// with another try at `retry_at` or, without one, failed for good.
    pub async fn outbox_attempt(&self, id: i64, outcome: Attempt) -> Result<()> {
        let q = match &outcome {
            Attempt::Sent { status } => sqlx::query(
                "UPDATE outbox SET status = 'sent', attempts = attempts + 1, last_status = $1, \
                 last_error = '', sent_at = $2 WHERE id = $3",
            )
            .bind(*status)
            .bind(now_stored())
            .bind(id),
            Attempt::Retry { status, error, at } => sqlx::query(
                "UPDATE outbox SET status = 'pending', attempts = attempts + 1, last_status = $1, \
                 last_error = $2, next_attempt_at = $3 WHERE id = $4",
            )
            .bind(*status)
            .bind(error.clone())
            .bind(at.clone())
            .bind(id),
            Attempt::Failed { status, error } => sqlx::query(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_status = $1, \
                 last_error = $2 WHERE id = $3",
            )
            .bind(*status)
            .bind(error.clone())
            .bind(id),
        };
        q.execute(&self.pool).await?;
        Ok(())
    }

    /// The outbox, newest first (optionally one firing's messages).
    pub async fn outbox(&self, firing_id: Option<i64>, limit: i64) -> Result<Vec<OutboxItem>> {
        let rows = match firing_id {
            Some(f) => {
                sqlx::query("SELECT * FROM outbox WHERE firing_id = $1 ORDER BY id DESC LIMIT $2")
                    .bind(f)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("SELECT * FROM outbox ORDER BY id DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        Ok(rows.iter().map(outbox_from).collect())
    }
}
