//! What happens with a customer one record at a time: their transactions (paged, and one added
//! by hand), contacts and notes — each write with its audit entry.

use super::*;

impl Store {
    pub async fn transactions_of(
        &self,
        customer_id: i64,
        page: i64,
        per_page: i64,
    ) -> Result<Page<Transaction>> {
        let page = page.max(1);
        let per_page = per_page.clamp(1, 1000);
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM transactions WHERE customer_id = $1")
                .bind(customer_id)
                .fetch_one(&self.pool)
                .await?;
        let rows = sqlx::query(&format!(
            "SELECT t.*, c.external_id AS customer_external_id FROM transactions t JOIN customers c ON c.id = t.customer_id \
             WHERE t.customer_id = $1 ORDER BY t.occurred_at DESC, t.id DESC LIMIT {per_page} OFFSET {}",
            (page - 1) * per_page
        ))
        .bind(customer_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Page {
            items: rows.iter().map(transaction_from).collect(),
            total,
            total_capped: false,
            page,
            per_page,
        })
    }

    pub async fn create_transaction(
        &self,
        t: &TransactionRecord,
        actor: &str,
    ) -> Result<Transaction> {
        let mut tx = self.begin_write().await?;
        let cid: Option<i64> =
            sqlx::query_scalar("SELECT id FROM customers WHERE external_id = $1")
                .bind(t.customer.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let cid = cid.ok_or_else(|| {
            StoreError::UnknownReference(format!(
                "customer_id: no customer '{}'",
                t.customer.as_str()
            ))
        })?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO transactions (external_id, customer_id, occurred_at, amount_minor, currency, channel, store, items, quantity, promotion, is_return) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(t.external_id.as_str())
        .bind(cid)
        .bind(&t.occurred_at)
        .bind(t.amount_minor)
        .bind(&t.currency)
        .bind(&t.channel)
        .bind(&t.store)
        .bind(&t.items)
        .bind(t.quantity)
        .bind(t.promotion as i64)
        .bind(t.is_return as i64)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from_db)?;
        audit::write(
            &mut tx,
            actor,
            "create",
            "transaction",
            t.external_id.as_str(),
            "",
        )
        .await?;
        tx.commit().await?;
        let row = sqlx::query("SELECT t.*, c.external_id AS customer_external_id FROM transactions t JOIN customers c ON c.id = t.customer_id WHERE t.id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(transaction_from(&row))
    }

    pub async fn interactions(&self, customer_id: i64, limit: i64) -> Result<Vec<Interaction>> {
        let rows = sqlx::query("SELECT * FROM interactions WHERE customer_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT $2")
            .bind(customer_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| Interaction {
                id: get_i(r, "id"),
                kind: get_s(r, "kind"),
                occurred_at: get_s(r, "occurred_at"),
                staff: get_s(r, "staff"),
                summary: get_s(r, "summary"),
            })
            .collect())
    }

    pub async fn add_interaction(
        &self,
        customer_id: i64,
        kind: &str,
        occurred_at: &str,
        staff: &str,
        summary: &str,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO interactions (customer_id, kind, occurred_at, staff, summary) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(customer_id)
        .bind(kind)
        .bind(occurred_at)
        .bind(staff)
        .bind(summary)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match StoreError::from_db(e) {
            StoreError::UnknownReference(_) => StoreError::NotFound,
            other => other,
        })?;
        audit::write(
            &mut tx,
            staff,
            "add_interaction",
            "customer",
            &customer_id.to_string(),
            kind,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn notes(&self, customer_id: i64) -> Result<Vec<Note>> {
        let rows = sqlx::query("SELECT * FROM customer_notes WHERE customer_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200")
            .bind(customer_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| Note {
                id: get_i(r, "id"),
                author: get_s(r, "author"),
                body: get_s(r, "body"),
                created_at: get_s(r, "created_at"),
            })
            .collect())
    }

    pub async fn add_note(&self, customer_id: i64, author: &str, body: &str) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO customer_notes (customer_id, author, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(customer_id)
        .bind(author)
        .bind(body)
        .bind(now_stored())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match StoreError::from_db(e) {
            StoreError::UnknownReference(_) => StoreError::NotFound,
            other => other,
        })?;
        audit::write(
            &mut tx,
            author,
            "add_note",
            "customer",
            &customer_id.to_string(),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
