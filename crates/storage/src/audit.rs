//! The audit log: who changed what (customers, users, imports). Append-only from the
//! application's side: there is no update or delete here.

use crate::{get_i, get_s, Result, Store};
use domain::time::now_stored;
use sqlx::AnyConnection;

#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: String,
}

pub(crate) async fn write(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now_stored())
    .bind(actor)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        entity: &str,
        entity_id: &str,
        detail: &str,
    ) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        write(&mut conn, actor, action, entity, entity_id, detail).await
    }

    /// Newest first; `entity` filters to one kind (`customer`, `user`, `import`).
    pub async fn audit_log(&self, entity: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = match entity {
            Some(e) => {
                sqlx::query("SELECT * FROM audit_log WHERE entity = $1 ORDER BY id DESC LIMIT $2")
                    .bind(e.to_string())
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("SELECT * FROM audit_log ORDER BY id DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                id: get_i(r, "id"),
                at: get_s(r, "at"),
                actor: get_s(r, "actor"),
                action: get_s(r, "action"),
                entity: get_s(r, "entity"),
                entity_id: get_s(r, "entity_id"),
                detail: get_s(r, "detail"),
            })
            .collect())
    }
}
