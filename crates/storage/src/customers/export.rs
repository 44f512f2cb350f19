//! Whole-table reads and writes: every customer and every transaction in one snapshot (exports
//! and backups, bounded memory), and contacts added in bulk (the demo).

use super::*;

/// One customer as the export writes it (text fields in the import's column order).
pub type ExportRow = domain::customers::CustomerFields;

impl Store {
    /// Visit every customer in id order inside one snapshot, in batches (bounded memory).
    pub async fn for_each_customer(&self, mut f: impl FnMut(ExportRow) + Send) -> Result<u64> {
        let mut tx = crate::backup::begin_snapshot(self).await?;
        let mut last = 0i64;
        let mut n = 0u64;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {CUSTOMER_COLS} FROM {CUSTOMER_FROM} WHERE c.id > $1 ORDER BY c.id LIMIT 5000"
            ))
            .bind(last)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                break;
            }
            let first_id = get_i(&rows[0], "id");
            last = get_i(rows.last().unwrap(), "id");
            let prefs: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT customer_id, pref_key, pref_value FROM customer_preferences WHERE customer_id >= $1 AND customer_id <= $2 ORDER BY customer_id, pref_key",
            )
            .bind(first_id)
            .bind(last)
            .fetch_all(&mut *tx)
            .await?;
            let mut by_customer: std::collections::HashMap<i64, Vec<(String, String)>> =
                Default::default();
            for (cid, k, v) in prefs {
                by_customer.entry(cid).or_default().push((k, v));
            }
            for row in &rows {
                let mut c = customer_from(row);
                n += 1;
                c.preferences = by_customer
                    .remove(&c.id)
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                f(c.to_fields());
            }
        }
        tx.rollback().await?;
        Ok(n)
    }

    /// Visit every transaction in id order inside one snapshot, in batches (bounded memory).
    pub async fn for_each_transaction(&self, mut f: impl FnMut(Transaction) + Send) -> Result<u64> {
        let mut tx = crate::backup::begin_snapshot(self).await?;
        let mut last = 0i64;
        let mut n = 0u64;
        loop {
            let rows = sqlx::query(
                "SELECT t.*, c.external_id AS customer_external_id FROM transactions t JOIN customers c ON c.id = t.customer_id \
                 WHERE t.id > $1 ORDER BY t.id LIMIT 20000",
            )
            .bind(last)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                break;
            }
            last = get_i(rows.last().unwrap(), "id");
            for row in &rows {
                n += 1;
                f(transaction_from(row));
            }
        }
        tx.rollback().await?;
        Ok(n)
    }
}

/// A contact to record in bulk (demo data, later automation): customer external id, kind,
/// instant, staff, summary.
pub type InteractionRow = (String, String, String, String, String);

impl Store {
    /// Record many contacts and notes in one transaction.
    pub async fn add_interactions_bulk(
        &self,
        rows: &[InteractionRow],
        notes: &[(String, String, String, String)],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for (ext, kind, at, staff, summary) in rows {
            sqlx::query(
                "INSERT INTO interactions (customer_id, kind, occurred_at, staff, summary) \
                 SELECT id, $2, $3, $4, $5 FROM customers WHERE external_id = $1",
            )
            .bind(ext)
            .bind(kind)
            .bind(at)
            .bind(staff)
            .bind(summary)
            .execute(&mut *tx)
            .await?;
        }
        for (ext, author, body, at) in notes {
            sqlx::query(
                "INSERT INTO customer_notes (customer_id, author, body, created_at) SELECT id, $2, $3, $4 FROM customers WHERE external_id = $1",
            )
            .bind(ext)
            .bind(author)
            .bind(body)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
