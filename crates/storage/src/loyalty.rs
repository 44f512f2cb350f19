//! Loyalty management storage (SPEC.md §5): the evidence a classification reads — behaviour
//! from the latest customer-value run and the transactions (promotion and store shares),
//! attitude from submitted survey answers, complaints, referrals, tags and contracts — and the
//! classification's results, one profile per customer replaced by each run, with the type it
//! had before (movement between types), plus saved segments.

use crate::{get_f, get_i, get_os, get_s, Result, Store, StoreError};
use futures_util::TryStreamExt;
use sqlx::Row;

/// Customers per block of ids in the transaction scan.
const BLOCK: i64 = 100_000;

/// One analysed customer's behaviour and the customer fields a classification uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BehaviourRow {
    pub customer_id: i64,
    pub frequency: i64,
    /// T and t_x in the run's period (weeks by default).
    pub age: f64,
    pub recency: f64,
    pub p_alive: f64,
    pub clv: f64,
    pub total_spend: f64,
    pub first_purchase: String,
    pub last_purchase: String,
}

/// A customer's tags and contract (customers with either).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerFacts {
    pub customer_id: i64,
    pub tags: Vec<String>,
    pub contract_start: String,
    pub contract_end: String,
}

/// Purchase counts of one customer: all (not returns), on promotion, in the most used store.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PurchaseMix {
    pub purchases: i64,
    pub promoted: i64,
    pub top_store: i64,
}

/// A submitted, identified survey answer.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRow {
    pub customer_id: i64,
    pub survey_id: i64,
    pub answers: serde_json::Value,
    pub submitted_at: String,
}

/// A complaint of an identified customer.
#[derive(Debug, Clone, PartialEq)]
pub struct ComplaintRow {
    pub customer_id: i64,
    pub severity: String,
    pub situation: String,
    pub received_at: String,
}

/// One customer's classification as saved.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Profile {
    pub customer_id: i64,
    pub run_id: i64,
    pub loyalty_type: String,
    pub previous_type: String,
    pub attachment: Option<f64>,
    pub repeat_high: Option<bool>,
    pub churn_status: String,
    pub churn_rule: String,
    /// CLV × (1 − P(alive)): the value lost if the customer is gone.
    pub value_at_risk: f64,
    pub clv: f64,
    /// Among the top 20 % by total spend.
    pub top20: bool,
    pub reasons: Vec<domain::loyalty::Reason>,
}

const PROFILE_COLS: &[&str] = &[
    "customer_id",
    "run_id",
    "loyalty_type",
    "previous_type",
    "attachment",
    "repeat_high",
    "churn_status",
    "churn_rule",
    "value_at_risk",
    "clv",
    "top20",
    "reasons",
];

fn profile_from(r: &sqlx::any::AnyRow) -> Profile {
    Profile {
        customer_id: get_i(r, "customer_id"),
        run_id: get_i(r, "run_id"),
        loyalty_type: get_s(r, "loyalty_type"),
        previous_type: get_s(r, "previous_type"),
        attachment: r.try_get::<Option<f64>, _>("attachment").ok().flatten(),
        repeat_high: r
            .try_get::<Option<i64>, _>("repeat_high")
            .ok()
            .flatten()
            .map(|v| v != 0),
        churn_status: get_s(r, "churn_status"),
        churn_rule: get_s(r, "churn_rule"),
        value_at_risk: get_f(r, "value_at_risk"),
        clv: get_f(r, "clv"),
        top20: get_i(r, "top20") != 0,
        reasons: domain::loyalty::decode_reasons(&get_s(r, "reasons")),
    }
}

/// A profile with the customer's name, for lists.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ProfileRow {
    pub external_id: String,
    pub name: String,
    pub segment: String,
    pub total_spend: f64,
    pub p_alive: f64,
    pub last_purchase: String,
    #[serde(flatten)]
    pub profile: Profile,
}

/// Which profiles a list shows.
#[derive(Debug, Clone, Default)]
pub struct ProfileFilter {
    pub loyalty_type: Option<String>,
    pub churn_status: Vec<String>,
    pub segment: Option<String>,
    pub top20: bool,
    pub min_value_at_risk: Option<f64>,
    /// Customers with no open win-back task.
    pub without_open_task: bool,
}

/// Counts per (type, status) and value: the page's mix, movement and segments.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct MixRow {
    pub loyalty_type: String,
    pub previous_type: String,
    pub churn_status: String,
    pub top20: bool,
    pub customers: i64,
    pub clv: f64,
    pub value_at_risk: f64,
}

/// A saved segment: a name and a filter other pages and rules can use.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SavedSegment {
    pub id: i64,
    pub name: String,
    pub definition: serde_json::Value,
    pub created_by: String,
    pub created_at: String,
}

impl Store {
    /// Every analysed customer's behaviour from the latest customer-value run.
    pub async fn for_each_behaviour(&self, mut f: impl FnMut(BehaviourRow) + Send) -> Result<u64> {
        let mut conn = self.pool.acquire().await?;
        let mut rows = sqlx::query(
            "SELECT customer_id, frequency, age, recency, p_alive, clv, total_spend, first_purchase, last_purchase FROM customer_values",
        )
        .fetch(&mut *conn);
        let mut n = 0;
        while let Some(r) = rows.try_next().await? {
            n += 1;
            f(BehaviourRow {
                customer_id: get_i(&r, "customer_id"),
                frequency: get_i(&r, "frequency"),
                age: get_f(&r, "age"),
                recency: get_f(&r, "recency"),
                p_alive: get_f(&r, "p_alive"),
                clv: get_f(&r, "clv"),
                total_spend: get_f(&r, "total_spend"),
                first_purchase: get_s(&r, "first_purchase"),
                last_purchase: get_s(&r, "last_purchase"),
            });
        }
        Ok(n)
    }

    /// Every customer with tags or a contract (the others have nothing to add).
    pub async fn for_each_customer_facts(
        &self,
        mut f: impl FnMut(CustomerFacts) + Send,
    ) -> Result<u64> {
        let mut conn = self.pool.acquire().await?;
        let mut rows = sqlx::query(
            "SELECT id, tags, contract_start, contract_end FROM customers \
             WHERE tags <> '[]' OR contract_start <> ''",
        )
        .fetch(&mut *conn);
        let mut n = 0;
        while let Some(r) = rows.try_next().await? {
            n += 1;
            f(CustomerFacts {
                customer_id: get_i(&r, "id"),
                tags: serde_json::from_str(&get_s(&r, "tags")).unwrap_or_default(),
                contract_start: get_s(&r, "contract_start"),
                contract_end: get_s(&r, "contract_end"),
            });
        }
        Ok(n)
    }

    /// Each customer's purchases (returns left out), how many on promotion and how many in their
    /// most used store: one `GROUP BY customer, store` per block of customer ids.
    pub async fn for_each_purchase_mix(
        &self,
        mut f: impl FnMut(i64, PurchaseMix) + Send,
    ) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        let max_id: i64 = get_i(
            &sqlx::query("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS m FROM customers")
                .fetch_one(&mut *conn)
                .await?,
            "m",
        );
        let mut from = 0;
        while from < max_id {
            let to = from + BLOCK;
            let mut rows = sqlx::query(
                "SELECT customer_id, CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(promotion) AS BIGINT) AS p \
                 FROM transactions WHERE customer_id > $1 AND customer_id <= $2 AND is_return = 0 \
                 GROUP BY customer_id, store ORDER BY customer_id",
            )
            .bind(from)
            .bind(to)
            .fetch(&mut *conn);
            let mut current: Option<(i64, PurchaseMix)> = None;
            while let Some(r) = rows.try_next().await? {
                let (id, n, p) = (get_i(&r, "customer_id"), get_i(&r, "n"), get_i(&r, "p"));
                match &mut current {
                    Some((c, mix)) if *c == id => {
                        mix.purchases += n;
                        mix.promoted += p;
                        mix.top_store = mix.top_store.max(n);
                    }
                    _ => {
                        if let Some((c, mix)) = current.take() {
                            f(c, mix);
                        }
                        current = Some((
                            id,
                            PurchaseMix {
                                purchases: n,
                                promoted: p,
                                top_store: n,
                            },
                        ));
                    }
                }
            }
            if let Some((c, mix)) = current {
                f(c, mix);
            }
            from = to;
        }
        Ok(())
    }

    /// How many customers each customer brought (those who brought anyone).
    pub async fn referrals_by_customer(&self) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query(
            "SELECT referred_by_id, CAST(COUNT(*) AS BIGINT) AS n FROM customers WHERE referred_by_id IS NOT NULL GROUP BY referred_by_id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| (get_i(r, "referred_by_id"), get_i(r, "n")))
        .collect())
    }

    /// Every submitted answer of an identified customer since `since`, by customer and time.
    pub async fn for_each_customer_answer(
        &self,
        since: &str,
        mut f: impl FnMut(AnswerRow) + Send,
    ) -> Result<u64> {
        let mut conn = self.pool.acquire().await?;
        let mut rows = sqlx::query(
            "SELECT r.customer_id, w.survey_id, r.answers, r.submitted_at FROM survey_responses r \
             JOIN survey_waves w ON w.id = r.wave_id \
             WHERE r.status = 'submitted' AND r.customer_id IS NOT NULL AND r.submitted_at >= $1 \
             ORDER BY r.customer_id, r.submitted_at",
        )
        .bind(since)
        .fetch(&mut *conn);
        let mut n = 0;
        while let Some(r) = rows.try_next().await? {
            n += 1;
            f(AnswerRow {
                customer_id: get_i(&r, "customer_id"),
                survey_id: get_i(&r, "survey_id"),
                answers: serde_json::from_str(&get_s(&r, "answers")).unwrap_or_default(),
                submitted_at: get_s(&r, "submitted_at"),
            });
        }
        Ok(n)
    }

    /// Identified customers' complaints received since `since`.
    pub async fn complaints_since(&self, since: &str) -> Result<Vec<ComplaintRow>> {
        Ok(sqlx::query(
            "SELECT customer_id, severity, situation, received_at FROM complaints \
             WHERE customer_id IS NOT NULL AND received_at >= $1 ORDER BY customer_id, received_at",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| ComplaintRow {
            customer_id: get_i(r, "customer_id"),
            severity: get_s(r, "severity"),
            situation: get_s(r, "situation"),
            received_at: get_s(r, "received_at"),
        })
        .collect())
    }

    /// Each customer's current loyalty type (to record movement when they are replaced).
    pub async fn loyalty_types(&self) -> Result<Vec<(i64, String)>> {
        Ok(
            sqlx::query("SELECT customer_id, loyalty_type FROM loyalty_profiles")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| (get_i(r, "customer_id"), get_s(r, "loyalty_type")))
                .collect(),
        )
    }

    /// Replace every profile with the run's, and finish the run, in one transaction.
    pub async fn save_loyalty_profiles(
        &self,
        run_id: i64,
        summary: &serde_json::Value,
        profiles: &mut (dyn Iterator<Item = Profile> + Send),
    ) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM loyalty_profiles")
            .execute(&mut *tx)
            .await?;
        let w = PROFILE_COLS.len();
        let mut n = 0u64;
        let mut batch: Vec<Profile> = Vec::with_capacity(1000);
        loop {
            batch.clear();
            batch.extend((&mut *profiles).take(1000));
            if batch.is_empty() {
                break;
            }
            let mut sql = format!("WITH v({}) AS (VALUES ", PROFILE_COLS.join(", "));
            for r in 0..batch.len() {
                sql.push_str(if r > 0 { ",(" } else { "(" });
                for (c, col) in PROFILE_COLS.iter().enumerate() {
                    if c > 0 {
                        sql.push(',');
                    }
                    let p = self.backend.placeholder(r * w + c + 1);
                    // PostgreSQL types a VALUES column from its first row: say which are numbers.
                    match *col {
                        "attachment" | "value_at_risk" | "clv" => {
                            sql.push_str(&format!("CAST({p} AS DOUBLE PRECISION)"))
                        }
                        "repeat_high" | "top20" | "customer_id" | "run_id" => {
                            sql.push_str(&format!("CAST({p} AS BIGINT)"))
                        }
                        _ => sql.push_str(&p),
                    }
                }
                sql.push(')');
            }
            sql.push_str(&format!(
                ") INSERT INTO loyalty_profiles ({cols}) SELECT {cols} FROM v \
                 WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = v.customer_id)",
                cols = PROFILE_COLS.join(", ")
            ));
            let mut q = sqlx::query(&sql);
            for p in &batch {
                q = q
                    .bind(p.customer_id)
                    .bind(run_id)
                    .bind(p.loyalty_type.as_str())
                    .bind(p.previous_type.as_str())
                    .bind(p.attachment)
                    .bind(p.repeat_high.map(i64::from))
                    .bind(p.churn_status.as_str())
                    .bind(p.churn_rule.as_str())
                    .bind(p.value_at_risk)
                    .bind(p.clv)
                    .bind(i64::from(p.top20))
                    .bind(domain::loyalty::encode_reasons(&p.reasons));
            }
            n += q.execute(&mut *tx).await?.rows_affected();
        }
        sqlx::query(
            "UPDATE analysis_runs SET status = 'done', summary = $1, customers = $2, finished_at = $3 WHERE id = $4",
        )
        .bind(summary.to_string())
        .bind(n as i64)
        .bind(domain::time::now_stored())
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn loyalty_profile(&self, customer_id: i64) -> Result<Option<Profile>> {
        Ok(
            sqlx::query("SELECT * FROM loyalty_profiles WHERE customer_id = $1")
                .bind(customer_id)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(profile_from),
        )
    }

    /// Counts and value per (type, previous type, status, top 20 %).
    pub async fn loyalty_mix(&self) -> Result<Vec<MixRow>> {
        Ok(sqlx::query(
            "SELECT loyalty_type, previous_type, churn_status, top20, CAST(COUNT(*) AS BIGINT) AS customers, \
             CAST(SUM(clv) AS DOUBLE PRECISION) AS clv, CAST(SUM(value_at_risk) AS DOUBLE PRECISION) AS value_at_risk \
             FROM loyalty_profiles GROUP BY loyalty_type, previous_type, churn_status, top20",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| MixRow {
            loyalty_type: get_s(r, "loyalty_type"),
            previous_type: get_s(r, "previous_type"),
            churn_status: get_s(r, "churn_status"),
            top20: get_i(r, "top20") != 0,
            customers: get_i(r, "customers"),
            clv: get_f(r, "clv"),
            value_at_risk: get_f(r, "value_at_risk"),
        })
        .collect())
    }

    /// How many profiles match `f` (the customers table joined only for a segment filter).
    pub async fn count_loyalty_profiles(&self, f: &ProfileFilter) -> Result<i64> {
        let (cond, binds) = filter_sql(f);
        let join = if f.segment.is_some() {
            "JOIN customers c ON c.id = p.customer_id"
        } else {
            ""
        };
        let sql =
            format!("SELECT CAST(COUNT(*) AS BIGINT) FROM loyalty_profiles p {join} WHERE {cond}");
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        Ok(q.fetch_one(&self.pool).await?)
    }

    /// A page of the profiles matching `f`, by value at risk (highest first; ties by customer,
    /// newest first), read from the value index: the page's ids first, then their rows.
    pub async fn loyalty_profiles(
        &self,
        f: &ProfileFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ProfileRow>> {
        let (cond, binds) = filter_sql(f);
        let join = if f.segment.is_some() {
            "JOIN customers c ON c.id = p.customer_id"
        } else {
            ""
        };
        let sql = format!(
            "SELECT p.*, c.external_id, c.name, c.segment, v.total_spend AS spend, v.p_alive AS pa, v.last_purchase AS lp \
             FROM (SELECT p.* FROM loyalty_profiles p {join} WHERE {cond} ORDER BY p.value_at_risk DESC, p.customer_id DESC LIMIT {} OFFSET {}) p \
             JOIN customers c ON c.id = p.customer_id LEFT JOIN customer_values v ON v.customer_id = p.customer_id \
             ORDER BY p.value_at_risk DESC, p.customer_id DESC",
            limit.clamp(1, 1000),
            offset.max(0)
        );
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        Ok(q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(profile_row_from)
            .collect())
    }

    /// Every profile matching `f` in list order, in one read snapshot (exports).
    pub async fn for_each_loyalty_profile(
        &self,
        f: &ProfileFilter,
        mut each: impl FnMut(ProfileRow) + Send,
    ) -> Result<u64> {
        let (cond, binds) = filter_sql(f);
        let sql = format!(
            "SELECT p.*, c.external_id, c.name, c.segment, v.total_spend AS spend, v.p_alive AS pa, v.last_purchase AS lp \
             FROM loyalty_profiles p JOIN customers c ON c.id = p.customer_id LEFT JOIN customer_values v ON v.customer_id = p.customer_id \
             WHERE {cond} ORDER BY p.value_at_risk DESC, p.customer_id DESC"
        );
        let mut tx = crate::backup::begin_snapshot(self).await?;
        let mut n = 0;
        {
            let mut q = sqlx::query(&sql);
            for b in &binds {
                q = q.bind(b.clone());
            }
            let mut rows = q.fetch(&mut *tx);
            while let Some(r) = rows.try_next().await? {
                n += 1;
                each(profile_row_from(&r));
            }
        }
        tx.rollback().await?;
        Ok(n)
    }

    /// Set contracts (customer, start, end or empty) in one transaction (the demo, tests).
    pub async fn set_contracts(&self, contracts: &[(i64, String, String)]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for (id, start, end) in contracts {
            sqlx::query(
                "UPDATE customers SET contract_start = $1, contract_end = $2 WHERE id = $3",
            )
            .bind(start.as_str())
            .bind(end.as_str())
            .bind(*id)
            .execute(&mut *tx)
            .await?;
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

fn profile_row_from(r: &sqlx::any::AnyRow) -> ProfileRow {
    ProfileRow {
        external_id: get_s(r, "external_id"),
        name: get_s(r, "name"),
        segment: get_s(r, "segment"),
        total_spend: get_f(r, "spend"),
        p_alive: get_f(r, "pa"),
        last_purchase: get_s(r, "lp"),
        profile: profile_from(r),
    }
}

/// The condition of a profile filter (on `p`, and `c` for a segment) with its bind values.
fn filter_sql(f: &ProfileFilter) -> (String, Vec<String>) {
    let mut cond = vec!["1 = 1".to_string()];
    let mut binds: Vec<String> = Vec::new();
    let mut bind = |v: &str| {
        binds.push(v.to_string());
        format!("${}", binds.len())
    };
    if let Some(t) = &f.loyalty_type {
        cond.push(format!("p.loyalty_type = {}", bind(t)));
    }
    match f.churn_status.len() {
        0 => {}
        1 => cond.push(format!("p.churn_status = {}", bind(&f.churn_status[0]))),
        _ => {
            // Several statuses (at risk or churned: most customers): walk the value index and
            // filter, rather than merge one index range per status and sort (`|| ''` keeps the
            // planner off the status index on both backends).
            let ps: Vec<String> = f.churn_status.iter().map(|s| bind(s)).collect();
            cond.push(format!("(p.churn_status || '') IN ({})", ps.join(", ")));
        }
    }
    if let Some(s) = &f.segment {
        cond.push(format!("c.segment = {}", bind(s)));
    }
    if f.top20 {
        cond.push("p.top20 = 1".into());
    }
    if let Some(v) = f.min_value_at_risk.filter(|v| v.is_finite()) {
        cond.push(format!("p.value_at_risk >= {v}"));
    }
    if f.without_open_task {
        cond.push("NOT EXISTS (SELECT 1 FROM winback_tasks t WHERE t.customer_id = p.customer_id AND t.state <> 'closed')".into());
    }
    (cond.join(" AND "), binds)
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
