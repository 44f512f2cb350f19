//! Users, web sessions and API tokens. Secrets are never stored: sessions and tokens by their
//! SHA-256 (computed in `app`), passwords as argon2 hashes.

use crate::{get_i, get_s, Result, Store, StoreError};
use domain::access::Role;
use domain::time::now_stored;
use domain::Lang;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub lang: Lang,
    /// False until the user picks a language; then the sign-in page's language is adopted.
    pub lang_chosen: bool,
    pub active: bool,
    pub created_at: String,
    /// Where the user's e-mail goes (staff e-mails and, if they want, their notifications).
    pub email: String,
    pub email_notifications: bool,
}

fn user_from(row: &AnyRow) -> User {
    User {
        id: get_i(row, "id"),
        username: get_s(row, "username"),
        password_hash: get_s(row, "password_hash"),
        role: Role::parse(&get_s(row, "role")).unwrap_or(Role::Agent),
        lang: Lang::parse(&get_s(row, "lang")).unwrap_or_default(),
        lang_chosen: Lang::parse(&get_s(row, "lang")).is_some(),
        active: get_i(row, "active") != 0,
        created_at: get_s(row, "created_at"),
        email: get_s(row, "email"),
        email_notifications: get_i(row, "email_notifications") != 0,
    }
}

const USER_COLS: &str =
    "id, username, password_hash, role, lang, active, created_at, email, email_notifications";

/// A signed-in web session, with the CSRF token its forms must carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf: String,
}

impl Store {
    pub async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
    ) -> Result<User> {
        let row = sqlx::query(&format!(
            "INSERT INTO users (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4) RETURNING {USER_COLS}"
        ))
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now_stored())
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from_db)?;
        Ok(user_from(&row))
    }

    pub async fn user_by_name(&self, username: &str) -> Result<User> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLS} FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(user_from(&row))
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!("SELECT {USER_COLS} FROM users ORDER BY username"))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(user_from).collect())
    }

    pub async fn count_users(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn set_user_lang(&self, user_id: i64, lang: Lang) -> Result<()> {
        sqlx::query("UPDATE users SET lang = $1 WHERE id = $2")
            .bind(lang.code())
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A user's role and whether they may sign in (a deactivated user's sessions end with it).
    pub async fn set_user_access(
        &self,
        username: &str,
        role: Role,
        active: bool,
        actor: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE users SET role = $2, active = $3 WHERE username = $1")
            .bind(username)
            .bind(role.as_str())
            .bind(i64::from(active))
            .execute(&mut *tx)
            .await?;
        if n.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if !active {
            sqlx::query(
                "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = $1)",
            )
            .bind(username)
            .execute(&mut *tx)
            .await?;
        }
        crate::audit::write(
            &mut tx,
            actor,
            "update",
            "user",
            username,
            &format!("role={} active={active}", role.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A user's e-mail address and whether their notifications also go there.
    pub async fn set_user_contact(
        &self,
        username: &str,
        email: &str,
        email_notifications: bool,
        actor: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE users SET email = $2, email_notifications = $3 WHERE username = $1",
        )
        .bind(username)
        .bind(email)
        .bind(i64::from(email_notifications))
        .execute(&mut *tx)
        .await?;
        if n.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        crate::audit::write(
            &mut tx,
            actor,
            "update",
            "user",
            username,
            &format!("email={email} notifications={email_notifications}"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_user_password(&self, user_id: i64, password_hash: &str) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        expires_at: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(now_stored())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Session> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.password_hash, u.role, u.lang, u.active, u.created_at, u.email, u.email_notifications, s.csrf \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1",
        )
        .bind(token_hash)
        .bind(now_stored())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(Session {
            user: user_from(&row),
            csrf: get_s(&row, "csrf"),
        })
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at < $2")
            .bind(token_hash)
            .bind(now_stored())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn create_token(&self, user_id: i64, token_hash: &str, label: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user_id)
        .bind(token_hash)
        .bind(label)
        .bind(now_stored())
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn user_by_token(&self, token_hash: &str) -> Result<User> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.password_hash, u.role, u.lang, u.active, u.created_at, u.email, u.email_notifications \
             FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND u.active = 1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(user_from(&row))
    }
}
