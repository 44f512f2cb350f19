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

    pub async fn count(&self, table: &str) -> Result<i64> {
        if !crate::migrations::TABLES.contains(&table) {
            return Err(StoreError::NotFound);
        }
        Ok(sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.pool)
            .await?)
    }
}

mod activity;
mod export;
mod list;
pub use export::{ExportRow, InteractionRow};
pub use list::SEARCH_COUNT_CAP;
