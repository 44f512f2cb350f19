//! Loyalty management storage (SPEC.md §5): the evidence a classification reads — behaviour
//! from the latest customer-value run (with the promotion and store counts its scan gathered),
//! attitude from submitted survey answers, complaints, referrals, tags and contracts — and the
//! classification's results, one profile per customer replaced by each run, with the type it
//! had before (movement between types), plus saved segments.

use crate::{get_f, get_i, get_s, packed, Result, Store};
use chrono::NaiveDate;

mod segments;

/// Customer ids per packed read (a few MB of text each).
const PACKED_BLOCK: i64 = 50_000;
use futures_util::TryStreamExt;
use sqlx::Row;

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
    pub first_purchase: Option<NaiveDate>,
    pub last_purchase: Option<NaiveDate>,
    /// Zero purchases where the run predates the counts (then the mix is unknown).
    pub mix: PurchaseMix,
}

/// What a customer's record adds (customers with any of it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerFacts {
    pub customer_id: i64,
    /// The customer carries one of the kinship tags asked for.
    pub kinship: bool,
    pub contract_start: String,
    pub contract_end: String,
    /// Yearly spend in the category with all suppliers, in yuan.
    pub category_spend: Option<f64>,
}

pub use crate::churn::PurchaseMix;

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

/// The secondary indexes of `loyalty_profiles`, as migration 9 creates them.
const PROFILE_INDEXES: [(&str, &str); 3] = [
    (
        "loyalty_profiles_value",
        "CREATE INDEX loyalty_profiles_value ON loyalty_profiles(value_at_risk, customer_id)",
    ),
    (
        "loyalty_profiles_type",
        "CREATE INDEX loyalty_profiles_type ON loyalty_profiles(loyalty_type, value_at_risk, customer_id)",
    ),
    (
        "loyalty_profiles_risk",
        "CREATE INDEX loyalty_profiles_risk ON loyalty_profiles(churn_status, value_at_risk, customer_id)",
    ),
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
    /// A packed read of a whole table (see `packed`) over every block of customer ids, on one
    /// connection with a small page cache meanwhile.
    async fn scan_packed(
        &self,
        sql: &str,
        binds: &[&str],
        f: impl FnMut(&[&str]) + Send,
    ) -> Result<u64> {
        let mut conn = self.pool.acquire().await?;
        let max = self.max_customer_id(&mut conn).await?;
        packed::scan_cache(&mut conn, self.backend, true).await?;
        let r = packed::for_each_packed(&mut conn, sql, (0, max), PACKED_BLOCK, binds, f).await;
        packed::scan_cache(&mut conn, self.backend, false).await?;
        r
    }

    /// The largest customer id (the packed reads go through the ids in blocks).
    async fn max_customer_id(&self, conn: &mut sqlx::AnyConnection) -> Result<i64> {
        Ok(get_i(
            &sqlx::query("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS m FROM customers")
                .fetch_one(&mut *conn)
                .await?,
            "m",
        ))
    }

    /// Every analysed customer's behaviour from the latest customer-value run, by customer id.
    pub async fn loyalty_behaviour(&self) -> Result<Vec<BehaviourRow>> {
        let sql = packed::packed_select(
            self.backend,
            &[
                "customer_id",
                "frequency",
                "age",
                "recency",
                "p_alive",
                "clv",
                "total_spend",
                "first_purchase",
                "last_purchase",
                "purchases",
                "promoted",
                "top_store",
            ],
            "customer_values WHERE 1 = 1",
            "customer_id",
            1,
        );
        let mut out = Vec::new();
        self.scan_packed(&sql, &[], |c| {
            let f = |i: usize| packed::num(c[i]).unwrap_or_default();
            out.push(BehaviourRow {
                customer_id: packed::int(c[0]),
                frequency: packed::int(c[1]),
                age: f(2),
                recency: f(3),
                p_alive: f(4),
                clv: f(5),
                total_spend: f(6),
                first_purchase: c[7].parse().ok(),
                last_purchase: c[8].parse().ok(),
                mix: PurchaseMix {
                    purchases: packed::int(c[9]),
                    promoted: packed::int(c[10]),
                    top_store: packed::int(c[11]),
                },
            })
        })
        .await?;
        out.sort_unstable_by_key(|b| b.customer_id);
        Ok(out)
    }

    /// Every customer with one of `kinship_tags`, a contract or a category spend (the others
    /// have nothing to add), by customer id.
    pub async fn customer_facts(&self, kinship_tags: &[String]) -> Result<Vec<CustomerFacts>> {
        let sql = packed::packed_select(
            self.backend,
            &[
                "id",
                "tags",
                "contract_start",
                "contract_end",
                "category_spend",
            ],
            "customers WHERE (tags <> '[]' OR contract_start <> '' OR category_spend <> '')",
            "id",
            1,
        );
        let mut out = Vec::new();
        self.scan_packed(&sql, &[], |c| {
            let tags: Vec<String> = serde_json::from_str(c[1]).unwrap_or_default();
            let kinship = tags.iter().any(|t| kinship_tags.contains(t));
            if kinship || !c[2].is_empty() || !c[4].is_empty() {
                out.push(CustomerFacts {
                    customer_id: packed::int(c[0]),
                    kinship,
                    contract_start: c[2].to_string(),
                    contract_end: c[3].to_string(),
                    category_spend: domain::customers::parse_money(c[4])
                        .ok()
                        .map(|m| m as f64 / 100.0),
                })
            }
        })
        .await?;
        out.sort_unstable_by_key(|f| f.customer_id);
        Ok(out)
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
    pub async fn customer_answers(&self, since: &str) -> Result<Vec<AnswerRow>> {
        let sql = packed::packed_select(
            self.backend,
            &[
                "r.customer_id",
                "w.survey_id",
                "r.answers",
                "r.submitted_at",
            ],
            "survey_responses r JOIN survey_waves w ON w.id = r.wave_id \
             WHERE r.status = 'submitted' AND r.submitted_at >= $1",
            "r.customer_id",
            2,
        );
        let mut out = Vec::new();
        self.scan_packed(&sql, &[since], |c| {
            out.push(AnswerRow {
                customer_id: packed::int(c[0]),
                survey_id: packed::int(c[1]),
                answers: serde_json::from_str(c[2]).unwrap_or_default(),
                submitted_at: c[3].to_string(),
            })
        })
        .await?;
        out.sort_by(|a, b| (a.customer_id, &a.submitted_at).cmp(&(b.customer_id, &b.submitted_at)));
        Ok(out)
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
        let sql = packed::packed_select(
            self.backend,
            &["customer_id", "loyalty_type"],
            "loyalty_profiles WHERE 1 = 1",
            "customer_id",
            1,
        );
        let mut out = Vec::new();
        self.scan_packed(&sql, &[], |c| {
            out.push((packed::int(c[0]), c[1].to_string()))
        })
        .await?;
        Ok(out)
    }

    /// Replace every profile with the run's, and finish the run, in one transaction. The rows
    /// go in as JSON batches into unindexed rows, indexed once at the end (a sort instead of a
    /// million random B-tree inserts); a failure rolls everything back.
    pub async fn save_loyalty_profiles(
        &self,
        run_id: i64,
        summary: &serde_json::Value,
        profiles: &mut (dyn Iterator<Item = Profile> + Send),
    ) -> Result<u64> {
        let started = std::time::Instant::now();
        let phase = |what: &str| {
            tracing::debug!(
                secs = started.elapsed().as_secs_f64(),
                "saving loyalty profiles: {what}"
            )
        };
        let mut tx = self.begin_write().await?;
        // SQLite: the indexes dropped and built after the insert (readers keep their snapshot).
        // PostgreSQL: the rows go into a bare shadow table, indexed and swapped in at the end,
        // so readers are blocked only for the swap itself (dropping indexes or truncating the
        // table would lock them out for the whole save; deleting a million rows in place and
        // inserting through four indexes took 23–38 s).
        let pg = self.backend == crate::Backend::Postgres;
        let table = if pg {
            "loyalty_profiles_next"
        } else {
            "loyalty_profiles"
        };
        if pg {
            for q in [
                "DROP TABLE IF EXISTS loyalty_profiles_next",
                "CREATE TABLE loyalty_profiles_next (LIKE loyalty_profiles INCLUDING DEFAULTS)",
            ] {
                sqlx::query(q).execute(&mut *tx).await?;
            }
        } else {
            for (name, _) in PROFILE_INDEXES {
                sqlx::query(&format!("DROP INDEX {name}"))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM loyalty_profiles")
                .execute(&mut *tx)
                .await?;
        }
        phase("old profiles set aside");
        // Column i of the JSON rows, typed.
        let cast = |i: usize| {
            let c = format!("j.value ->> {i}");
            match PROFILE_COLS[i] {
                "customer_id" | "run_id" | "repeat_high" | "top20" => {
                    format!("CAST({c} AS BIGINT)")
                }
                "attachment" => format!("CAST({c} AS DOUBLE PRECISION)"),
                "value_at_risk" | "clv" => format!("COALESCE(CAST({c} AS DOUBLE PRECISION), 0)"),
                _ => c,
            }
        };
        let sql = packed::json_insert(self.backend, table, PROFILE_COLS, cast);
        let mut n = 0u64;
        let mut rows = packed::JsonRows::default();
        let mut reasons = String::new();
        let mut more = true;
        while more {
            for p in (&mut *profiles).take(20_000) {
                reasons.clear();
                domain::loyalty::encode_reasons_into(&p.reasons, &mut reasons);
                rows.row()
                    .int(p.customer_id)
                    .int(run_id)
                    .text(p.loyalty_type.as_str())
                    .text(p.previous_type.as_str())
                    .float(p.attachment)
                    .opt_int(p.repeat_high.map(i64::from))
                    .text(p.churn_status.as_str())
                    .text(p.churn_rule.as_str())
                    .float(Some(p.value_at_risk))
                    .float(Some(p.clv))
                    .int(i64::from(p.top20))
                    .text(&reasons)
                    .end();
            }
            more = rows.len() == 20_000;
            if rows.len() > 0 {
                n += sqlx::query(&sql)
                    .bind(rows.take())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
        }
        phase("rows inserted");
        if pg {
            let mut steps = vec![
                "ALTER TABLE loyalty_profiles_next ADD CONSTRAINT loyalty_profiles_next_pkey PRIMARY KEY (customer_id)".to_string(),
                "ALTER TABLE loyalty_profiles_next ADD CONSTRAINT loyalty_profiles_next_customer_id_fkey \
                 FOREIGN KEY (customer_id) REFERENCES customers(id) ON DELETE CASCADE".to_string(),
            ];
            for (name, create) in PROFILE_INDEXES {
                steps.push(
                    create
                        .replace(name, &format!("{name}_next"))
                        .replace("ON loyalty_profiles(", "ON loyalty_profiles_next("),
                );
            }
            steps.push("DROP TABLE loyalty_profiles".into());
            steps.push("ALTER TABLE loyalty_profiles_next RENAME TO loyalty_profiles".into());
            steps.push("ALTER TABLE loyalty_profiles RENAME CONSTRAINT loyalty_profiles_next_pkey TO loyalty_profiles_pkey".into());
            steps.push("ALTER TABLE loyalty_profiles RENAME CONSTRAINT loyalty_profiles_next_customer_id_fkey TO loyalty_profiles_customer_id_fkey".into());
            for (name, _) in PROFILE_INDEXES {
                steps.push(format!("ALTER INDEX {name}_next RENAME TO {name}"));
            }
            for q in steps {
                sqlx::query(&q).execute(&mut *tx).await?;
            }
        } else {
            for (_, create) in PROFILE_INDEXES {
                sqlx::query(create).execute(&mut *tx).await?;
            }
        }
        phase("indexed");
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
        phase("committed");
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

    /// Every profile matching `f` with its customer, in customer id order, read packed in
    /// blocks (a whole-base export: a walk of the value index would visit the tables in random
    /// order).
    pub async fn for_each_loyalty_profile_by_customer(
        &self,
        f: &ProfileFilter,
        mut each: impl FnMut(ProfileRow) + Send,
    ) -> Result<u64> {
        let (cond, binds) = filter_sql(f);
        let mut cols: Vec<String> = PROFILE_COLS.iter().map(|c| format!("p.{c}")).collect();
        cols.extend(
            [
                "c.external_id",
                "free:c.name",
                "free:c.segment",
                "v.total_spend",
                "v.p_alive",
                "v.last_purchase",
            ]
            .map(String::from),
        );
        let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
        let sql = packed::packed_select(
            self.backend,
            &cols,
            &format!(
                "loyalty_profiles p JOIN customers c ON c.id = p.customer_id \
                 LEFT JOIN customer_values v ON v.customer_id = p.customer_id WHERE {cond}"
            ),
            "p.customer_id",
            binds.len() + 1,
        );
        let binds: Vec<&str> = binds.iter().map(String::as_str).collect();
        let mut tx = crate::backup::begin_snapshot(self).await?;
        let max = self.max_customer_id(&mut tx).await?;
        packed::scan_cache(&mut tx, self.backend, true).await?;
        let mut block: Vec<ProfileRow> = Vec::new();
        let mut n = 0;
        // One block at a time, sorted, then handed on.
        let mut from = 0i64;
        while from < max {
            let to = (from + PACKED_BLOCK).min(max);
            packed::for_each_packed(&mut tx, &sql, (from, to), PACKED_BLOCK, &binds, |c| {
                let f = |i: usize| packed::num(c[i]);
                block.push(ProfileRow {
                    external_id: c[12].to_string(),
                    name: c[13].to_string(),
                    segment: c[14].to_string(),
                    total_spend: f(15).unwrap_or_default(),
                    p_alive: f(16).unwrap_or_default(),
                    last_purchase: c[17].to_string(),
                    profile: Profile {
                        customer_id: packed::int(c[0]),
                        run_id: packed::int(c[1]),
                        loyalty_type: c[2].to_string(),
                        previous_type: c[3].to_string(),
                        attachment: f(4),
                        repeat_high: f(5).map(|v| v != 0.0),
                        churn_status: c[6].to_string(),
                        churn_rule: c[7].to_string(),
                        value_at_risk: f(8).unwrap_or_default(),
                        clv: f(9).unwrap_or_default(),
                        top20: packed::int(c[10]) != 0,
                        reasons: domain::loyalty::decode_reasons(c[11]),
                    },
                })
            })
            .await?;
            block.sort_unstable_by_key(|r| r.profile.customer_id);
            n += block.len() as u64;
            block.drain(..).for_each(&mut each);
            from = to;
        }
        packed::scan_cache(&mut tx, self.backend, false).await?;
        tx.rollback().await?;
        Ok(n)
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
    let mut binds = Vec::new();
    let cond = profile_condition(f, &mut binds);
    (cond, binds)
}

/// The condition of a profile filter (on `p`, and `c` for a segment), its values appended to
/// `binds` (numbered after those already there).
pub(crate) fn profile_condition(f: &ProfileFilter, binds: &mut Vec<String>) -> String {
    let mut cond = vec!["1 = 1".to_string()];
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
    cond.join(" AND ")
}
