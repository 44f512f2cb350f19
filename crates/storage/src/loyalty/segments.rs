//! Saved segments (a name and a loyalty-list filter other pages and rules use), and the
//! customer changes the demo makes for loyalty (memberships, staff tags).

use super::SavedSegment;
use crate::{get_i, get_os, get_s, Result, Store, StoreError};

impl Store {
    /// Set contracts (customer, start, end or empty) in one transaction (the demo, tests).
    /// Memberships: (customer id, contract start, end, yearly category spend as text).
    pub async fn set_contracts(&self, contracts: &[(i64, String, String, String)]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for (id, start, end, spend) in contracts {
            sqlx::query(
                "UPDATE customers SET contract_start = $1, contract_end = $2, category_spend = $3 WHERE id = $4",
            )
            .bind(start.as_str())
            .bind(end.as_str())
            .bind(spend.as_str())
            .bind(*id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Customers of one loyalty type, by id (the demo's staff among them).
    pub async fn customers_of_type(&self, loyalty_type: &str) -> Result<Vec<i64>> {
        Ok(sqlx::query(
            "SELECT customer_id FROM loyalty_profiles WHERE loyalty_type = $1 ORDER BY customer_id",
        )
        .bind(loyalty_type)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| get_i(r, "customer_id"))
        .collect())
    }

    /// Add a tag to customers (the demo's staff), keeping their other tags.
    pub async fn add_tag(&self, ids: &[i64], tag: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for id in ids {
            let Some(row) = sqlx::query("SELECT tags FROM customers WHERE id = $1")
                .bind(*id)
                .fetch_optional(&mut *tx)
                .await?
            else {
                continue;
            };
            let mut tags: Vec<String> =
                serde_json::from_str(&get_s(&row, "tags")).unwrap_or_default();
            if !tags.iter().any(|t| t == tag) {
                tags.push(tag.to_string());
                sqlx::query("UPDATE customers SET tags = $1 WHERE id = $2")
                    .bind(serde_json::to_string(&tags).unwrap_or_default())
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Tag customers who have no tags yet (the demo's staff and their families).
    pub async fn tag_untagged(&self, ids: &[i64], tag: &str) -> Result<()> {
        let tags = serde_json::json!([tag]).to_string();
        let mut tx = self.begin_write().await?;
        for id in ids {
            sqlx::query("UPDATE customers SET tags = $1 WHERE id = $2 AND tags = '[]'")
                .bind(&tags)
                .bind(*id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn saved_segments(&self) -> Result<Vec<SavedSegment>> {
        Ok(sqlx::query("SELECT * FROM saved_segments ORDER BY name")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(segment_from)
            .collect())
    }

    pub async fn saved_segment(&self, id: i64) -> Result<SavedSegment> {
        sqlx::query("SELECT * FROM saved_segments WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(segment_from)
            .ok_or(StoreError::NotFound)
    }

    pub async fn create_saved_segment(
        &self,
        name: &str,
        definition: &serde_json::Value,
        actor: &str,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO saved_segments (name, definition, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(definition.to_string())
        .bind(actor)
        .bind(domain::time::now_stored())
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from_db)?;
        crate::audit::write(
            &mut tx,
            actor,
            "create",
            "saved_segment",
            &id.to_string(),
            name,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn delete_saved_segment(&self, id: i64, actor: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("DELETE FROM saved_segments WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        crate::audit::write(
            &mut tx,
            actor,
            "delete",
            "saved_segment",
            &id.to_string(),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn segment_from(r: &sqlx::any::AnyRow) -> SavedSegment {
    SavedSegment {
        id: get_i(r, "id"),
        name: get_s(r, "name"),
        definition: serde_json::from_str(&get_s(r, "definition")).unwrap_or_default(),
        created_by: get_s(r, "created_by"),
        created_at: get_os(r, "created_at").unwrap_or_default(),
    }
}
