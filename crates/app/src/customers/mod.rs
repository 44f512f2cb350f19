//! The customer information base (SPEC.md §1) as use cases: look up, create, change, delete,
//! record contacts and notes, import and export.

pub mod import;
pub mod lake;
pub mod table;

use crate::{Actor, App, AppError};
use domain::access::Permission;
use domain::customers::{parse_interaction_kind, CustomerFields, TransactionFields};
use domain::time::{now_stored, parse_instant, to_stored};
use storage::customers::{
    Customer, CustomerFilter, CustomerSummary, Interaction, Page, Profile, Transaction,
};

pub use import::{ExportKind, ImportKind, ImportOptions, ImportReport};

/// (regions, channels)
pub type FilterOptions = (Vec<String>, Vec<String>);

/// How long the unfiltered customer count may be reused: counting a million rows on every list
/// page costs PostgreSQL a parallel scan; changes made through this process reset it at once,
/// changes from another process (a CLI import while serving) show within this time.
pub const TOTAL_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// How long the count of a filtered list or a search is reused: paging through one list (or
/// typing the same search again) counts once. Changes made through this process drop these
/// counts at once.
pub const COUNT_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// Counts kept at most (one per distinct filter); beyond, the cache starts over.
const MAX_COUNTS: usize = 1000;

/// Cached counts: filter → (taken at, count, capped).
pub(crate) type Counts = std::collections::HashMap<String, (std::time::Instant, i64, bool)>;

fn count_key(f: &CustomerFilter) -> String {
    [
        f.q.trim().to_lowercase().as_str(),
        &f.region,
        &f.channel,
        &f.tag,
        &f.segment,
        &f.loyalty
            .as_ref()
            .map(|l| format!("{l:?}"))
            .unwrap_or_default(),
    ]
    .join("\u{1}")
}

/// Longest note or contact summary, in characters.
pub const MAX_NOTE: usize = 4_000;

impl App {
    pub async fn list_customers(
        &self,
        actor: &Actor,
        f: &CustomerFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<CustomerSummary>, AppError> {
        actor.require(Permission::ViewCustomers)?;
        domain::paging::offset(page, per_page, actor.lang)
            .map_err(|e| AppError::invalid(actor.lang, e))?;
        let key = count_key(f);
        let ttl = if key == count_key(&CustomerFilter::default()) {
            TOTAL_TTL
        } else {
            COUNT_TTL
        };
        // Fresh: reuse. Expired: this request recounts while the others keep using the old
        // number until it is done (so concurrent requests do not all count at once).
        let known = {
            let mut cache = self.total_cache.lock().unwrap();
            match cache.get_mut(&key) {
                Some((at, n, capped)) if at.elapsed() < ttl => Some((*n, *capped)),
                Some((at, _, _)) => {
                    *at = std::time::Instant::now();
                    None
                }
                None => None,
            }
        };
        let p = self.store.list_customers(f, page, per_page, known).await?;
        if known.is_none() {
            let mut cache = self.total_cache.lock().unwrap();
            if cache.len() >= MAX_COUNTS {
                cache.clear();
            }
            cache.insert(key, (std::time::Instant::now(), p.total, p.total_capped));
        }
        Ok(p)
    }

    /// Forget the cached counts after a bulk change (an import).
    pub(crate) fn forget_total(&self) {
        self.total_cache.lock().unwrap().clear();
    }

    /// After one create (+1), delete (−1) or update (0) of a customer: the count of all stays
    /// exact, the filtered counts are dropped (the customer may match any of them).
    fn adjust_total(&self, by: i64) {
        let all = count_key(&CustomerFilter::default());
        let mut cache = self.total_cache.lock().unwrap();
        cache.retain(|k, _| *k == all);
        if let Some((_, n, _)) = cache.get_mut(&all) {
            *n += by;
        }
    }

    pub async fn customer(&self, actor: &Actor, id: i64) -> Result<Customer, AppError> {
        actor.require(Permission::ViewCustomers)?;
        self.store
            .customer(id)
            .await
            .map_err(|e| not_found(actor, e, "customer"))
    }

    pub async fn profile(&self, actor: &Actor, id: i64) -> Result<Profile, AppError> {
        actor.require(Permission::ViewCustomers)?;
        self.store
            .profile(id, 200, actor.lang)
            .await
            .map_err(|e| not_found(actor, e, "customer"))
    }

    pub async fn create_customer(
        &self,
        actor: &Actor,
        f: &CustomerFields,
    ) -> Result<Customer, AppError> {
        actor.require(Permission::EditCustomers)?;
        let r = f.parse().map_err(|e| AppError::invalid(actor.lang, e))?;
        let c = self.store.create_customer(&r, &actor.username).await?;
        self.adjust_total(1);
        Ok(c)
    }

    pub async fn update_customer(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        f: &CustomerFields,
    ) -> Result<Customer, AppError> {
        actor.require(Permission::EditCustomers)?;
        let r = f.parse().map_err(|e| AppError::invalid(actor.lang, e))?;
        let c = self
            .store
            .update_customer(id, version, &r, &actor.username)
            .await
            .map_err(|e| not_found(actor, e, "customer"))?;
        self.adjust_total(0);
        Ok(c)
    }

    /// What deleting the customer would take with it and leave behind.
    pub async fn customer_footprint(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<storage::customers::Footprint, AppError> {
        actor.require(Permission::ViewCustomers)?;
        self.store
            .customer(id)
            .await
            .map_err(|e| not_found(actor, e, "customer"))?;
        Ok(self.store.customer_footprint(id).await?)
    }

    /// Delete a customer with their transactions, contacts, notes, preferences, survey
    /// invitations and answers (complaints stay, without the customer; the audit log keeps the
    /// deletion). A
    /// customer with complaints not closed yet is refused: close them first.
    pub async fn delete_customer(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.require(Permission::DeleteCustomers)?;
        let open = self.customer_footprint(actor, id).await?.open_complaints;
        if open > 0 {
            return Err(AppError::field(
                actor.lang,
                "customer",
                match actor.lang {
                    domain::Lang::ZhCn => {
                        format!("该客户还有 {open} 个未关闭的投诉，请先处理完再删除")
                    }
                    domain::Lang::En => format!(
                        "the customer has {open} complaint(s) not closed yet: close them first"
                    ),
                },
            ));
        }
        self.store
            .delete_customer(id, &actor.username)
            .await
            .map_err(|e| not_found(actor, e, "customer"))?;
        self.adjust_total(-1);
        Ok(())
    }

    pub async fn transactions(
        &self,
        actor: &Actor,
        customer_id: i64,
        page: i64,
        per_page: i64,
    ) -> Result<Page<Transaction>, AppError> {
        actor.require(Permission::ViewCustomers)?;
        domain::paging::offset(page, per_page, actor.lang)
            .map_err(|e| AppError::invalid(actor.lang, e))?;
        self.store
            .customer(customer_id)
            .await
            .map_err(|e| not_found(actor, e, "customer"))?;
        Ok(self
            .store
            .transactions_of(customer_id, page, per_page)
            .await?)
    }

    pub async fn create_transaction(
        &self,
        actor: &Actor,
        f: &TransactionFields,
    ) -> Result<Transaction, AppError> {
        actor.require(Permission::EditCustomers)?;
        let t = f.parse().map_err(|e| AppError::invalid(actor.lang, e))?;
        Ok(self.store.create_transaction(&t, &actor.username).await?)
    }

    pub async fn add_interaction(
        &self,
        actor: &Actor,
        customer_id: i64,
        kind: &str,
        occurred_at: &str,
        summary: &str,
    ) -> Result<Interaction, AppError> {
        actor.require(Permission::EditCustomers)?;
        let lang = actor.lang;
        let kind = parse_interaction_kind(kind).map_err(|e| AppError::field(lang, "kind", e))?;
        let at = if occurred_at.trim().is_empty() {
            now_stored()
        } else {
            let t =
                parse_instant(occurred_at).map_err(|e| AppError::field(lang, "occurred_at", e))?;
            if t > chrono::Utc::now() + chrono::Duration::minutes(5) {
                return Err(AppError::field(lang, "occurred_at", "is in the future"));
            }
            to_stored(t)
        };
        let summary = check_text(lang, "summary", summary)?;
        let id = self
            .store
            .add_interaction(customer_id, &kind, &at, &actor.username, &summary)
            .await
            .map_err(|e| not_found(actor, e, "customer"))?;
        Ok(Interaction {
            id,
            kind,
            occurred_at: at,
            staff: actor.username.clone(),
            summary,
        })
    }

    pub async fn add_note(
        &self,
        actor: &Actor,
        customer_id: i64,
        body: &str,
    ) -> Result<i64, AppError> {
        actor.require(Permission::EditCustomers)?;
        let body = check_text(actor.lang, "body", body)?;
        self.store
            .add_note(customer_id, &actor.username, &body)
            .await
            .map_err(|e| not_found(actor, e, "customer"))
    }

    /// Regions and channels for the filter menus (cached for a minute).
    pub async fn filter_options(&self) -> Result<FilterOptions, AppError> {
        if let Some((at, v)) = self.filter_cache.lock().unwrap().as_ref() {
            if at.elapsed() < std::time::Duration::from_secs(60) {
                return Ok(v.clone());
            }
        }
        let v = (
            self.store.distinct_values("region").await?,
            self.store.distinct_values("channel").await?,
        );
        *self.filter_cache.lock().unwrap() = Some((std::time::Instant::now(), v.clone()));
        Ok(v)
    }
}

fn check_text(lang: domain::Lang, field: &str, s: &str) -> Result<String, AppError> {
    let s = s.trim();
    if s.is_empty() {
        Err(AppError::field(lang, field, "is required"))
    } else if s.chars().count() > MAX_NOTE {
        Err(AppError::field(
            lang,
            field,
            format!("is longer than {MAX_NOTE} characters"),
        ))
    } else {
        Ok(s.to_string())
    }
}

fn not_found(actor: &Actor, e: storage::StoreError, what: &str) -> AppError {
    match e {
        storage::StoreError::NotFound => AppError::not_found(actor.lang, what),
        e => AppError::from(e).localized(actor.lang),
    }
}
