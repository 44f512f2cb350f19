//! The customer information base in the store: customers with preferences, notes, transactions
//! and interactions, the list with search and filters, and one profile with its timeline and key
//! figures. Every change bumps `version` (optimistic concurrency) and writes the audit log.

use crate::audit;
use crate::{get_i, get_os, get_s, Result, Store, StoreError};
use domain::customers::{CustomerRecord, TransactionRecord};
use domain::time::now_stored;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Customer {
    pub id: i64,
    pub external_id: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub gender: String,
    pub birthday: String,
    pub important_dates: BTreeMap<String, String>,
    pub region: String,
    pub channel: String,
    pub referred_by: Option<String>,
    pub tags: Vec<String>,
    pub segment: String,
    pub consent: Vec<String>,
    pub preferences: BTreeMap<String, String>,
    pub contract_start: String,
    pub contract_end: String,
    /// Yearly spend in the category with all suppliers (text amount; empty when unknown).
    pub category_spend: String,
    /// `zh-CN`, `en`, or empty for the company's default.
    pub lang: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

const CUSTOMER_COLS: &str = "c.id, c.external_id, c.name, c.phone, c.email, c.gender, c.birthday, \
    c.important_dates, c.region, c.channel, r.external_id AS referred_by, c.tags, c.segment, c.consent, \
    c.contract_start, c.contract_end, c.category_spend, c.lang, c.version, c.created_at, c.updated_at";
const CUSTOMER_FROM: &str = "customers c LEFT JOIN customers r ON r.id = c.referred_by_id";

fn customer_from(row: &AnyRow) -> Customer {
    Customer {
        id: get_i(row, "id"),
        external_id: get_s(row, "external_id"),
        name: get_s(row, "name"),
        phone: get_s(row, "phone"),
        email: get_s(row, "email"),
        gender: get_s(row, "gender"),
        birthday: get_s(row, "birthday"),
        important_dates: serde_json::from_str(&get_s(row, "important_dates")).unwrap_or_default(),
        region: get_s(row, "region"),
        channel: get_s(row, "channel"),
        referred_by: get_os(row, "referred_by"),
        tags: serde_json::from_str(&get_s(row, "tags")).unwrap_or_default(),
        segment: get_s(row, "segment"),
        consent: serde_json::from_str(&get_s(row, "consent")).unwrap_or_default(),
        preferences: BTreeMap::new(),
        contract_start: get_s(row, "contract_start"),
        contract_end: get_s(row, "contract_end"),
        category_spend: get_s(row, "category_spend"),
        lang: get_s(row, "lang"),
        version: get_i(row, "version"),
        created_at: get_s(row, "created_at"),
        updated_at: get_s(row, "updated_at"),
    }
}

impl Customer {
    /// The customer as text fields (the export's row, the edit form's values).
    pub fn to_fields(&self) -> domain::customers::CustomerFields {
        let c = self.clone();
        domain::customers::CustomerFields {
            external_id: c.external_id,
            name: c.name,
            phone: c.phone,
            email: c.email,
            gender: c.gender,
            birthday: c.birthday,
            important_dates: domain::customers::join_pairs(c.important_dates),
            region: c.region,
            channel: c.channel,
            referred_by: c.referred_by.unwrap_or_default(),
            tags: c.tags.join(", "),
            segment: c.segment,
            consent: c.consent.join(", "),
            preferences: domain::customers::join_pairs(c.preferences),
            contract_start: c.contract_start,
            contract_end: c.contract_end,
            category_spend: c.category_spend,
            lang: c.lang,
        }
    }
}

fn summary_from(r: &AnyRow) -> CustomerSummary {
    CustomerSummary {
        id: get_i(r, "id"),
        external_id: get_s(r, "external_id"),
        name: get_s(r, "name"),
        phone: get_s(r, "phone"),
        email: get_s(r, "email"),
        region: get_s(r, "region"),
        channel: get_s(r, "channel"),
        segment: get_s(r, "segment"),
        tags: serde_json::from_str(&get_s(r, "tags")).unwrap_or_default(),
    }
}

/// The digits of a phone number, which the list search matches against.
pub fn phone_digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// The column values of a customer record, in `WRITE_COLS` order, as the store keeps them.
pub(crate) fn record_values(r: &CustomerRecord) -> [String; 16] {
    let phone = r
        .phone
        .as_ref()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let email = r
        .email
        .as_ref()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let dates: BTreeMap<&str, String> = r
        .important_dates
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_string()))
        .collect();
    [
        r.name.clone(),
        phone_digits(&phone),
        phone,
        email,
        r.gender.as_str().to_string(),
        r.birthday.map(|d| d.to_string()).unwrap_or_default(),
        serde_json::to_string(&dates).unwrap_or_default(),
        r.region.clone(),
        r.channel.clone(),
        serde_json::to_string(&r.tags).unwrap_or_default(),
        r.segment.clone(),
        serde_json::to_string(&r.consent).unwrap_or_default(),
        r.contract_start.map(|d| d.to_string()).unwrap_or_default(),
        r.contract_end.map(|d| d.to_string()).unwrap_or_default(),
        r.category_spend
            .map(domain::customers::format_money)
            .unwrap_or_default(),
        r.lang.map(|l| l.code().to_string()).unwrap_or_default(),
    ]
}

pub(crate) const WRITE_COLS: [&str; 16] = [
    "name",
    "phone_digits",
    "phone",
    "email",
    "gender",
    "birthday",
    "important_dates",
    "region",
    "channel",
    "tags",
    "segment",
    "consent",
    "contract_start",
    "contract_end",
    "category_spend",
    "lang",
];

#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub q: String,
    pub region: String,
    pub channel: String,
    pub tag: String,
    pub segment: String,
    /// A saved loyalty segment's filter: only its customers, by value at risk (highest first)
    /// as the Loyalty page lists them, straight from the profiles' indexes.
    pub loyalty: Option<crate::loyalty::ProfileFilter>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    /// `total` stopped counting at `SEARCH_COUNT_CAP`: at least that many match.
    pub total_capped: bool,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomerSummary {
    pub id: i64,
    pub external_id: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub region: String,
    pub channel: String,
    pub segment: String,
    pub tags: Vec<String>,
}

/// A customer's records elsewhere: what a deletion takes along (transactions, contacts, notes,
/// survey answers) and what it leaves without a customer (complaints, referrals).
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Footprint {
    pub transactions: i64,
    pub interactions: i64,
    pub notes: i64,
    pub complaints: i64,
    /// Complaints not closed yet: a customer with any cannot be deleted.
    pub open_complaints: i64,
    pub responses: i64,
    pub referrals: i64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct KeyFigures {
    pub first_purchase: Option<String>,
    pub last_purchase: Option<String>,
    pub purchases: i64,
    pub returns: i64,
    /// Net spend in minor units (returns subtracted).
    pub total_spend_minor: i64,
    pub referrals: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Transaction {
    pub id: i64,
    pub external_id: String,
    pub customer_external_id: String,
    pub occurred_at: String,
    pub amount_minor: i64,
    pub amount: String,
    pub currency: String,
    pub channel: String,
    pub store: String,
    pub items: String,
    pub quantity: i64,
    pub promotion: bool,
    pub is_return: bool,
}

fn transaction_from(row: &AnyRow) -> Transaction {
    let amount_minor = get_i(row, "amount_minor");
    Transaction {
        id: get_i(row, "id"),
        external_id: get_s(row, "external_id"),
        customer_external_id: get_s(row, "customer_external_id"),
        occurred_at: get_s(row, "occurred_at"),
        amount_minor,
        amount: domain::customers::format_money(amount_minor),
        currency: get_s(row, "currency"),
        channel: get_s(row, "channel"),
        store: get_s(row, "store"),
        items: get_s(row, "items"),
        quantity: get_i(row, "quantity"),
        promotion: get_i(row, "promotion") != 0,
        is_return: get_i(row, "is_return") != 0,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Interaction {
    pub id: i64,
    pub kind: String,
    pub occurred_at: String,
    pub staff: String,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Note {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub created_at: String,
}

/// One line of the customer timeline: purchases, returns, contacts and notes, newest first.
/// Later areas (surveys, complaints, care) add their kinds.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEvent {
    pub at: String,
    /// `purchase`, `return`, `interaction`, `note`
    pub kind: String,
    /// For interactions the contact kind (call, visit…); for purchases the store/channel.
    pub label: String,
    pub detail: String,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub promotion: bool,
    pub staff: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub customer: Customer,
    pub figures: KeyFigures,
    pub notes: Vec<Note>,
    pub timeline: Vec<TimelineEvent>,
}

impl Store {
    async fn resolve_referrer(conn: &mut AnyConnection, r: &CustomerRecord) -> Result<Option<i64>> {
        match &r.referred_by {
            None => Ok(None),
            Some(ext) => {
                let id: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM customers WHERE external_id = $1")
                        .bind(ext.as_str())
                        .fetch_optional(&mut *conn)
                        .await?;
                id.map(Some).ok_or_else(|| {
                    StoreError::UnknownReference(format!(
                        "referred_by: no customer with external id '{}'",
                        ext.as_str()
                    ))
                })
            }
        }
    }

    async fn replace_preferences(
        conn: &mut AnyConnection,
        id: i64,
        prefs: &BTreeMap<String, String>,
    ) -> Result<()> {
        sqlx::query("DELETE FROM customer_preferences WHERE customer_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        for (k, v) in prefs {
            sqlx::query("INSERT INTO customer_preferences (customer_id, pref_key, pref_value) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(k)
                .bind(v)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    pub async fn create_customer(&self, r: &CustomerRecord, actor: &str) -> Result<Customer> {
        let mut tx = self.begin_write().await?;
        let referrer = Self::resolve_referrer(&mut tx, r).await?;
        let now = now_stored();
        let placeholders: Vec<String> =
            (3..3 + WRITE_COLS.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO customers (external_id, referred_by_id, {}, created_at, updated_at) VALUES ($1, $2, {}, ${n}, ${n}) RETURNING id",
            WRITE_COLS.join(", "),
            placeholders.join(", "),
            n = 3 + WRITE_COLS.len()
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql)
            .bind(r.external_id.as_str())
            .bind(referrer);
        for v in record_values(r) {
            q = q.bind(v);
        }
        let id =
            q.bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| match StoreError::from_db(e) {
                    StoreError::Duplicate(_) => StoreError::Duplicate(format!(
                        "external_id: a customer '{}' already exists",
                        r.external_id.as_str()
                    )),
                    other => other,
                })?;
        Self::replace_preferences(&mut tx, id, &r.preferences).await?;
        audit::write(
            &mut tx,
            actor,
            "create",
            "customer",
            r.external_id.as_str(),
            "",
        )
        .await?;
        tx.commit().await?;
        self.customer(id).await
    }

    /// Replace a customer's fields if it is still at `expected_version`.
    pub async fn update_customer(
        &self,
        id: i64,
        expected_version: i64,
        r: &CustomerRecord,
        actor: &str,
    ) -> Result<Customer> {
        let mut tx = self.begin_write().await?;
        let referrer = Self::resolve_referrer(&mut tx, r).await?;
        if referrer == Some(id) {
            return Err(StoreError::UnknownReference(
                "referred_by: a customer cannot refer themselves".into(),
            ));
        }
        let sets: Vec<String> = WRITE_COLS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 3))
            .collect();
        let n = 3 + WRITE_COLS.len();
        let sql = format!(
            "UPDATE customers SET external_id = $1, referred_by_id = $2, {}, updated_at = ${n}, version = version + 1 \
             WHERE id = ${} AND version = ${}",
            sets.join(", "),
            n + 1,
            n + 2
        );
        let mut q = sqlx::query(&sql)
            .bind(r.external_id.as_str())
            .bind(referrer);
        for v in record_values(r) {
            q = q.bind(v);
        }
        let done = q
            .bind(now_stored())
            .bind(id)
            .bind(expected_version)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from_db)?;
        if done.rows_affected() == 0 {
            return Err(Store::version_refusal(&mut tx, "customers", id).await?);
        }
        Self::replace_preferences(&mut tx, id, &r.preferences).await?;
        audit::write(
            &mut tx,
            actor,
            "update",
            "customer",
            r.external_id.as_str(),
            &format!("version {expected_version} → {}", expected_version + 1),
        )
        .await?;
        tx.commit().await?;
        self.customer(id).await
    }

    /// What deleting a customer would take with it (and what it would leave).
    pub async fn customer_footprint(&self, id: i64) -> Result<Footprint> {
        let count = |sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(id)
                .fetch_one(&self.pool)
                .await
        };
        Ok(Footprint {
            transactions: count("SELECT COUNT(*) FROM transactions WHERE customer_id = $1").await?,
            interactions: count("SELECT COUNT(*) FROM interactions WHERE customer_id = $1").await?,
            notes: count("SELECT COUNT(*) FROM customer_notes WHERE customer_id = $1").await?,
            complaints: count("SELECT COUNT(*) FROM complaints WHERE customer_id = $1").await?,
            open_complaints: count(
                "SELECT COUNT(*) FROM complaints WHERE customer_id = $1 AND state <> 'closed'",
            )
            .await?,
            responses: count("SELECT COUNT(*) FROM survey_responses WHERE customer_id = $1")
                .await?,
            referrals: count("SELECT COUNT(*) FROM customers WHERE referred_by_id = $1").await?,
        })
    }

    pub async fn delete_customer(&self, id: i64, actor: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let ext: Option<String> =
            sqlx::query_scalar("SELECT external_id FROM customers WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let ext = ext.ok_or(StoreError::NotFound)?;
        sqlx::query("DELETE FROM customers WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::write(&mut tx, actor, "delete", "customer", &ext, "").await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn customer(&self, id: i64) -> Result<Customer> {
        let row = sqlx::query(&format!(
            "SELECT {CUSTOMER_COLS} FROM {CUSTOMER_FROM} WHERE c.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut c = customer_from(&row);
        let prefs = sqlx::query("SELECT pref_key, pref_value FROM customer_preferences WHERE customer_id = $1 ORDER BY pref_key")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        c.preferences = prefs
            .iter()
            .map(|r| (get_s(r, "pref_key"), get_s(r, "pref_value")))
            .collect();
        Ok(c)
    }

    pub async fn customer_id_by_external(&self, external_id: &str) -> Result<i64> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM customers WHERE external_id = $1")
            .bind(external_id)
            .fetch_optional(&self.pool)
            .await?;
        id.ok_or(StoreError::NotFound)
    }

    /// One page of customers and the number matching. `known_total` skips the count when the
    /// caller already knows it (the app caches the unfiltered total briefly).
    pub async fn list_customers(
        &self,
        f: &CustomerFilter,
        page: i64,
        per_page: i64,
        known_total: Option<(i64, bool)>,
    ) -> Result<Page<CustomerSummary>> {
        let page = page.max(1);
        let per_page = per_page.clamp(1, 500);
        let q = f.q.trim().to_lowercase();
        let only_text = f.region.is_empty()
            && f.channel.is_empty()
            && f.tag.is_empty()
            && f.segment.is_empty()
            && f.loyalty.is_none();
        if only_text && self.backend == crate::Backend::Sqlite && q.chars().count() >= 3 {
            return self
                .search_customers_fts(&q, page, per_page, known_total)
                .await;
        }
        let mut conds: Vec<String> = Vec::new();
        let mut args: Vec<String> = Vec::new();
        if !q.is_empty() {
            let (cond, values) = search_condition(self.backend, &q, args.len());
            args.extend(values);
            conds.push(cond);
        }
        let mut add = |cond: &str, v: String| {
            args.push(v);
            conds.push(cond.replace('?', &format!("${}", args.len())));
        };
        if !f.region.is_empty() {
            add("region = ?", f.region.clone());
        }
        if !f.channel.is_empty() {
            add("channel = ?", f.channel.clone());
        }
        if !f.segment.is_empty() {
            add("segment = ?", f.segment.clone());
        }
        if !f.tag.is_empty() {
            add(
                "tags LIKE ? ESCAPE '\\'",
                format!(
                    "%{}%",
                    escape_like(&serde_json::to_string(&f.tag).unwrap_or_default())
                ),
            );
        }
        if let Some(lf) = &f.loyalty {
            conds.push(crate::loyalty::profile_condition(lf, &mut args));
        }
        let where_ = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        // A saved segment: the profiles joined to their customers (`c`), walked by value.
        let (from, order) = match f.loyalty {
            Some(_) => (
                "loyalty_profiles p JOIN customers c ON c.id = p.customer_id",
                "p.value_at_risk DESC, p.customer_id DESC",
            ),
            None => ("customers c", ""),
        };
        // A text search on PostgreSQL counts up to a cap and pages in id order (the order
        // customers were added, as on SQLite): a common fragment ("138", a surname) matches a
        // large share of a big base, and counting or sorting all of it on every keystroke is
        // what made search slow.
        let search_pg = !q.is_empty() && self.backend == crate::Backend::Postgres;
        let (total, total_capped) = match known_total {
            Some(known) => known,
            None => {
                let count_sql = if search_pg {
                    format!(
                        "SELECT COUNT(*) FROM (SELECT 1 FROM {from} {where_} LIMIT {}) x",
                        SEARCH_COUNT_CAP + 1
                    )
                } else {
                    format!("SELECT COUNT(*) FROM {from} {where_}")
                };
                let mut cq = sqlx::query_scalar::<_, i64>(&count_sql);
                for a in &args {
                    cq = cq.bind(a.clone());
                }
                let n = cq.fetch_one(&self.pool).await?;
                if search_pg && n > SEARCH_COUNT_CAP {
                    (SEARCH_COUNT_CAP, true)
                } else {
                    (n, false)
                }
            }
        };
        let order = match (f.loyalty.is_some(), search_pg) {
            (true, _) => order,
            (false, true) => "id",
            (false, false) => "name, id",
        };
        let list_sql = format!(
            "SELECT c.id, c.external_id, c.name, c.phone, c.email, c.region, c.channel, c.segment, c.tags \
             FROM {from} {where_} ORDER BY {order} LIMIT {per_page} OFFSET {}",
            (page - 1) * per_page
        );
        let mut lq = sqlx::query(&list_sql);
        for a in &args {
            lq = lq.bind(a.clone());
        }
        let rows = if search_pg && total_capped {
            // Over a thousand matches: walking the primary key finds the first page within a
            // few thousand rows, while the trigram bitmap would fetch and sort every match
            // (the planner cannot tell: its estimate for a fragment is a guess).
            let mut tx = self.pool.begin().await?;
            sqlx::query("SET LOCAL enable_bitmapscan = off")
                .execute(&mut *tx)
                .await?;
            let rows = lq.fetch_all(&mut *tx).await?;
            tx.commit().await?;
            rows
        } else {
            lq.fetch_all(&self.pool).await?
        };
        let items = rows.iter().map(summary_from).collect();
        Ok(Page {
            items,
            total,
            total_capped,
            page,
            per_page,
        })
    }

    /// Free-text search on SQLite straight from the trigram index, in the order customers were
    /// added: the index yields row ids in order, so a page stops after `per_page` matches
    /// instead of sorting every match by name.
    async fn search_customers_fts(
        &self,
        q: &str,
        page: i64,
        per_page: i64,
        known_total: Option<(i64, bool)>,
    ) -> Result<Page<CustomerSummary>> {
        let pattern = fts_phrase(q);
        let total: i64 = match known_total {
            Some((n, _)) => n,
            None => {
                sqlx::query_scalar("SELECT COUNT(*) FROM customers_search WHERE doc MATCH $1")
                    .bind(&pattern)
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        let rows = sqlx::query(&format!(
            "SELECT id, external_id, name, phone, email, region, channel, segment, tags FROM customers \
             WHERE id IN (SELECT rowid FROM customers_search WHERE doc MATCH $1 ORDER BY rowid LIMIT {per_page} OFFSET {}) ORDER BY id",
            (page - 1) * per_page
        ))
        .bind(&pattern)
        .fetch_all(&self.pool)
        .await?;
        Ok(Page {
            items: rows.iter().map(summary_from).collect(),
            total,
            total_capped: false,
            page,
            per_page,
        })
    }

    /// Distinct values of `region` or `channel`, for filter menus.
    pub async fn distinct_values(&self, column: &str) -> Result<Vec<String>> {
        let col = match column {
            "region" => "region",
            "channel" => "channel",
            "segment" => "segment",
            _ => return Ok(vec![]),
        };
        let rows: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT {col} FROM customers WHERE {col} <> '' ORDER BY {col} LIMIT 200"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    pub async fn key_figures(&self, id: i64) -> Result<KeyFigures> {
        let row = sqlx::query(
            "SELECT MIN(CASE WHEN is_return = 0 THEN occurred_at END) AS first_purchase, \
                    MAX(CASE WHEN is_return = 0 THEN occurred_at END) AS last_purchase, \
                    CAST(COALESCE(SUM(CASE WHEN is_return = 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS purchases, \
                    CAST(COALESCE(SUM(CASE WHEN is_return = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS returns, \
                    CAST(COALESCE(SUM(CASE WHEN is_return = 1 THEN -ABS(amount_minor) ELSE amount_minor END), 0) AS BIGINT) AS total \
             FROM transactions WHERE customer_id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        let referrals: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM customers WHERE referred_by_id = $1")
                .bind(id)
                .fetch_one(&self.pool)
                .await?;
        Ok(KeyFigures {
            first_purchase: get_os(&row, "first_purchase"),
            last_purchase: get_os(&row, "last_purchase"),
            purchases: get_i(&row, "purchases"),
            returns: get_i(&row, "returns"),
            total_spend_minor: get_i(&row, "total"),
            referrals,
        })
    }

    /// A customer with key figures, notes and the timeline (texts in `lang` where the store
    /// holds both languages).
    pub async fn profile(
        &self,
        id: i64,
        timeline_limit: i64,
        lang: domain::Lang,
    ) -> Result<Profile> {
        let customer = self.customer(id).await?;
        let figures = self.key_figures(id).await?;
        let notes = self.notes(id).await?;
        let mut timeline: Vec<TimelineEvent> = Vec::new();
        for t in self.transactions_of(id, 1, timeline_limit).await?.items {
            timeline.push(TimelineEvent {
                at: t.occurred_at,
                kind: if t.is_return { "return" } else { "purchase" }.into(),
                label: [t.store.as_str(), t.channel.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" · "),
                detail: t.items,
                amount_minor: Some(t.amount_minor),
                currency: Some(t.currency),
                promotion: t.promotion,
                staff: String::new(),
            });
        }
        for i in self.interactions(id, timeline_limit).await? {
            timeline.push(TimelineEvent {
                at: i.occurred_at,
                kind: "interaction".into(),
                label: i.kind,
                detail: i.summary,
                amount_minor: None,
                currency: None,
                promotion: false,
                staff: i.staff,
            });
        }
        for n in &notes {
            timeline.push(TimelineEvent {
                at: n.created_at.clone(),
                kind: "note".into(),
                label: String::new(),
                detail: n.body.clone(),
                amount_minor: None,
                currency: None,
                promotion: false,
                staff: n.author.clone(),
            });
        }
        for r in self.customer_responses(id, timeline_limit).await? {
            timeline.push(TimelineEvent {
                at: r.submitted_at.clone(),
                kind: "survey".into(),
                label: format!("{} · {}", r.survey, r.wave),
                detail: crate::surveys::answer_summary(&r, lang),
                amount_minor: None,
                currency: None,
                promotion: false,
                staff: String::new(),
            });
        }
        let complaints = sqlx::query(
            "SELECT id, received_at, state, severity, situation, assignee FROM complaints \
             WHERE customer_id = $1 ORDER BY received_at DESC LIMIT $2",
        )
        .bind(id)
        .bind(timeline_limit)
        .fetch_all(&self.pool)
        .await?;
        for r in &complaints {
            let situation = crate::get_s(r, "situation");
            timeline.push(TimelineEvent {
                at: crate::get_s(r, "received_at"),
                kind: "complaint".into(),
                // "#id · state · severity": the page words the codes.
                label: format!(
                    "#{} · {} · {}",
                    crate::get_i(r, "id"),
                    crate::get_s(r, "state"),
                    crate::get_s(r, "severity")
                ),
                detail: situation.chars().take(200).collect(),
                amount_minor: None,
                currency: None,
                promotion: false,
                staff: crate::get_s(r, "assignee"),
            });
        }
        timeline.sort_by(|a, b| b.at.cmp(&a.at));
        timeline.truncate(timeline_limit.max(0) as usize);
        Ok(Profile {
            customer,
            figures,
            notes,
            timeline,
        })
    }

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

    pub async fn count(&self, table: &str) -> Result<i64> {
        if !crate::migrations::TABLES.contains(&table) {
            return Err(StoreError::NotFound);
        }
        Ok(sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.pool)
            .await?)
    }
}

/// A search on PostgreSQL counts matches up to this many.
pub const SEARCH_COUNT_CAP: i64 = 1000;

/// The search: three or more characters are found anywhere in name, e-mail, external id or
/// phone digits (a trigram index: FTS5 on SQLite, pg_trgm on PostgreSQL); one or two characters
/// match the start of the name or the external id (a surname such as 王, an id prefix), which an
/// ordinary index answers. Returns the condition and its bind values, numbered after `bound`.
fn search_condition(backend: crate::Backend, q: &str, bound: usize) -> (String, Vec<String>) {
    let n = q.chars().count();
    if n >= 3 && backend == crate::Backend::Sqlite {
        return (
            format!(
                "id IN (SELECT rowid FROM customers_search WHERE doc MATCH ${})",
                bound + 1
            ),
            vec![fts_phrase(q)],
        );
    }
    if n >= 3 {
        return (
            format!(
                "lower(name || ' ' || email || ' ' || external_id || ' ' || phone_digits) LIKE ${} ESCAPE '\\'",
                bound + 1
            ),
            vec![format!("%{}%", escape_like(q))],
        );
    }
    if backend == crate::Backend::Postgres {
        // Collations make byte ranges unreliable on PostgreSQL; a prefix LIKE is exact.
        return (
            format!(
                "(lower(name) LIKE ${n} ESCAPE '\\' OR lower(external_id) LIKE ${n} ESCAPE '\\')",
                n = bound + 1
            ),
            vec![format!("{}%", escape_like(q))],
        );
    }
    // Prefix ranges use the (name, id) and external_id indexes; the upper bound is the prefix
    // followed by the largest character. Names are matched as typed and with a capital first
    // letter (the query was lower-cased).
    let mut capital = q.chars();
    let capital: String = capital
        .next()
        .map(|c| c.to_uppercase().chain(capital).collect())
        .unwrap_or_default();
    let upper = |p: &str| format!("{p}{}", char::MAX);
    let values = vec![
        q.to_string(),
        upper(q),
        capital.clone(),
        upper(&capital),
        q.to_uppercase(),
        upper(&q.to_uppercase()),
    ];
    let b = bound;
    (
        format!(
            "((name >= ${} AND name < ${}) OR (name >= ${} AND name < ${}) OR (external_id >= ${} AND external_id < ${}))",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6
        ),
        values,
    )
}

/// An FTS5 phrase: with the trigram tokenizer a phrase of consecutive trigrams is exactly a
/// case-insensitive substring, answered from the index alone.
fn fts_phrase(q: &str) -> String {
    format!("\"{}\"", q.replace('"', "\"\""))
}

pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

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
