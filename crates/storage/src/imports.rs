//! All-or-nothing bulk imports. Rows are validated by the caller, then staged into a temporary
//! table inside one database transaction; the checks that need the whole file or the store
//! (duplicate external ids within the file, unknown customers, unknown referrers) run as SQL in
//! the store, so memory stays bounded whatever the file size. Only when no row is bad are the
//! staged rows merged: existing external ids are updated (only the columns the file has, and only
//! where something changed), new ones inserted. Dropping the import without `merge` rolls
//! everything back, and so does a killed process: the transaction never committed.

use crate::customers::{record_values, WRITE_COLS};
use crate::{audit, Backend, Result, Store};
use domain::customers::CustomerRecord;
use domain::time::now_stored;
use serde::Serialize;
use sqlx::{Any, Transaction};
use std::collections::{BTreeMap, BTreeSet};

/// A bad row found by a whole-file check.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RowProblem {
    pub line: i64,
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct ImportCounts {
    pub rows: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
}

const BATCH: usize = 400;

/// One staged value.
#[derive(Debug, Clone)]
enum V {
    T(Option<String>),
    I(i64),
}

/// The shared staging machinery: a temp table and batched multi-row inserts into it.
struct Stage {
    tx: Transaction<'static, Any>,
    table: &'static str,
    cols: Vec<&'static str>,
    buf: Vec<V>,
    rows: i64,
    indexed: bool,
    backend: Backend,
}

impl Stage {
    async fn new(
        store: &Store,
        table: &'static str,
        cols: Vec<(&'static str, &'static str)>,
    ) -> Result<Stage> {
        let mut tx = store.begin_write().await?;
        let defs: Vec<String> = cols.iter().map(|(c, t)| format!("{c} {t}")).collect();
        let create = match store.backend {
            Backend::Sqlite => format!(
                "CREATE TEMP TABLE {table} (line BIGINT NOT NULL, {})",
                defs.join(", ")
            ),
            Backend::Postgres => format!(
                "CREATE TEMP TABLE {table} (line BIGINT NOT NULL, {}) ON COMMIT DROP",
                defs.join(", ")
            ),
        };
        sqlx::query(&format!("DROP TABLE IF EXISTS {table}"))
            .execute(&mut *tx)
            .await?;
        sqlx::query(&create).execute(&mut *tx).await?;
        Ok(Stage {
            tx,
            table,
            cols: cols.iter().map(|(c, _)| *c).collect(),
            buf: Vec::with_capacity(BATCH * (cols.len() + 1)),
            rows: 0,
            indexed: false,
            backend: store.backend,
        })
    }

    async fn push(&mut self, line: i64, values: Vec<V>) -> Result<()> {
        debug_assert_eq!(values.len(), self.cols.len());
        self.buf.push(V::I(line));
        self.buf.extend(values);
        self.rows += 1;
        if self.buf.len() >= BATCH * (self.cols.len() + 1) {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let width = self.cols.len() + 1;
        let n = self.buf.len() / width;
        let mut sql = format!(
            "INSERT INTO {} (line, {}) VALUES ",
            self.table,
            self.cols.join(", ")
        );
        for r in 0..n {
            if r > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..width {
                if c > 0 {
                    sql.push(',');
                }
                sql.push_str(&self.backend.placeholder(r * width + c + 1));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for v in self.buf.drain(..) {
            q = match v {
                V::T(s) => q.bind(s),
                V::I(i) => q.bind(i),
            };
        }
        q.execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Lines whose external id appears more than once in the file (every occurrence after the
    /// first is reported, naming the first).
    async fn duplicates(&mut self, limit: i64) -> Result<Vec<RowProblem>> {
        self.flush().await?;
        self.index().await?;
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(&format!(
            "SELECT s.line, f.first_line, s.external_id FROM {t} s \
             JOIN (SELECT external_id, MIN(line) AS first_line FROM {t} GROUP BY external_id HAVING COUNT(*) > 1) f \
               ON f.external_id = s.external_id \
             WHERE s.line <> f.first_line ORDER BY s.line LIMIT {limit}",
            t = self.table
        ))
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(line, first, id)| RowProblem {
                line,
                field: "external_id".into(),
                reason: format!("duplicate external id '{id}' (first on line {first})"),
            })
            .collect())
    }

    /// Rows a check query names, as `(line, value)`, turned into problems with `field`.
    async fn problems(
        &mut self,
        sql: &str,
        field: &str,
        reason: impl Fn(&str) -> String,
    ) -> Result<Vec<RowProblem>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(sql).fetch_all(&mut *self.tx).await?;
        Ok(rows
            .into_iter()
            .map(|(line, v)| RowProblem {
                line,
                field: field.into(),
                reason: reason(&v),
            })
            .collect())
    }

    /// Index the staged external ids once all rows are in (cheaper than maintaining it).
    async fn index(&mut self) -> Result<()> {
        if !self.indexed {
            self.exec(&format!(
                "CREATE INDEX {t}_ext ON {t} (external_id)",
                t = self.table
            ))
            .await?;
            self.indexed = true;
        }
        Ok(())
    }

    async fn exec(&mut self, sql: &str) -> Result<u64> {
        let started = std::time::Instant::now();
        let n = sqlx::query(sql)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        tracing::debug!(
            secs = started.elapsed().as_secs_f64(),
            rows = n,
            "{}",
            sql.chars().take(80).collect::<String>()
        );
        Ok(n)
    }
}

/// The first `limit` problems in file order.
fn first_by_line(mut problems: Vec<RowProblem>, limit: i64) -> Vec<RowProblem> {
    problems.sort_by_key(|p| p.line);
    problems.truncate(limit.max(0) as usize);
    problems
}

/// Which optional columns the file carries; absent ones are left as they are on update.
pub type Present = BTreeSet<&'static str>;

pub struct CustomerImport {
    stage: Stage,
    present: Present,
}

/// Customer columns the file may omit (everything but external_id and name).
pub const CUSTOMER_OPTIONAL: [&str; 16] = [
    "phone",
    "email",
    "gender",
    "birthday",
    "important_dates",
    "region",
    "channel",
    "referred_by",
    "tags",
    "segment",
    "consent",
    "preferences",
    "contract_start",
    "contract_end",
    "category_spend",
    "lang",
];

pub const TRANSACTION_OPTIONAL: [&str; 7] = [
    "currency",
    "channel",
    "store",
    "items",
    "quantity",
    "promotion",
    "is_return",
];

/// The store column(s) a file column writes.
fn customer_store_cols(file_col: &str) -> &'static [&'static str] {
    match file_col {
        "name" => &["name"],
        "phone" => &["phone", "phone_digits"],
        "email" => &["email"],
        "gender" => &["gender"],
        "birthday" => &["birthday"],
        "important_dates" => &["important_dates"],
        "region" => &["region"],
        "channel" => &["channel"],
        "tags" => &["tags"],
        "segment" => &["segment"],
        "consent" => &["consent"],
        "contract_start" => &["contract_start"],
        "contract_end" => &["contract_end"],
        "category_spend" => &["category_spend"],
        "lang" => &["lang"],
        _ => &[],
    }
}

impl Store {
    pub async fn begin_customer_import(&self, present: Present) -> Result<CustomerImport> {
        let mut cols: Vec<(&str, &str)> = vec![("external_id", "TEXT NOT NULL")];
        cols.extend(WRITE_COLS.iter().map(|c| (*c, "TEXT")));
        cols.push(("referred_by", "TEXT"));
        cols.push(("preferences", "TEXT"));
        let stage = Stage::new(self, "stage_customers", cols).await?;
        Ok(CustomerImport { stage, present })
    }
}

impl CustomerImport {
    pub async fn stage(&mut self, line: i64, r: &CustomerRecord) -> Result<()> {
        let mut values = vec![V::T(Some(r.external_id.as_str().to_string()))];
        values.extend(record_values(r).into_iter().map(|v| V::T(Some(v))));
        values.push(V::T(Some(
            r.referred_by
                .as_ref()
                .map(|x| x.as_str().to_string())
                .unwrap_or_default(),
        )));
        values.push(V::T(Some(
            serde_json::to_string(&r.preferences).unwrap_or_default(),
        )));
        self.stage.push(line, values).await
    }

    pub fn rows(&self) -> i64 {
        self.stage.rows
    }

    /// Whole-file checks: duplicate external ids, and referrers that are neither in the file nor
    /// in the store. Empty when the file may be merged.
    pub async fn check(&mut self, limit: i64) -> Result<Vec<RowProblem>> {
        let mut problems = self.stage.duplicates(limit).await?;
        if self.present.contains("referred_by") {
            let found = self
                .stage
                .problems(
                    &format!(
                        "SELECT s.line, s.referred_by FROM stage_customers s \
                         WHERE s.referred_by <> '' \
                           AND NOT EXISTS (SELECT 1 FROM stage_customers o WHERE o.external_id = s.referred_by) \
                           AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.external_id = s.referred_by) \
                         ORDER BY s.line LIMIT {limit}"
                    ),
                    "referred_by",
                    |r| format!("no customer with external id '{r}' in the file or the store"),
                )
                .await?;
            problems.extend(found);
        }
        Ok(first_by_line(problems, limit))
    }

    /// Merge the staged rows and commit. Call only after `check` came back empty.
    pub async fn merge(mut self, actor: &str, file: &str) -> Result<ImportCounts> {
        self.stage.flush().await?;
        self.stage.index().await?;
        let now = now_stored();
        let mut cols: Vec<&str> = vec!["name"];
        for f in &self.present {
            cols.extend(customer_store_cols(f));
        }
        let sets: Vec<String> = cols.iter().map(|c| format!("{c} = s.{c}")).collect();
        let changed: Vec<String> = cols
            .iter()
            .map(|c| format!("customers.{c} IS DISTINCT FROM s.{c}"))
            .collect();
        let updated = self
            .stage
            .exec(&format!(
                "UPDATE customers SET {}, version = customers.version + 1, updated_at = '{now}' \
                 FROM stage_customers s WHERE s.external_id = customers.external_id AND ({})",
                sets.join(", "),
                changed.join(" OR ")
            ))
            .await? as i64;
        let all: Vec<&str> = WRITE_COLS.to_vec();
        // Into an empty table on PostgreSQL, the search indexes (a trigram GIN index adds some
        // sixty entries per customer) are built once after the insert instead of row by row.
        let any: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM customers LIMIT 1) x")
                .fetch_one(&mut *self.stage.tx)
                .await?;
        let empty = any == 0;
        let mut rebuild: Vec<(String, String)> = Vec::new();
        if self.stage.backend == Backend::Postgres && empty {
            rebuild = sqlx::query_as(
                "SELECT indexname::text, indexdef FROM pg_indexes WHERE tablename = 'customers' \
                 AND indexname IN ('customers_search_trgm', 'customers_name_prefix', 'customers_external_id_prefix')",
            )
            .fetch_all(&mut *self.stage.tx)
            .await?;
            for (name, _) in &rebuild {
                self.stage.exec(&format!("DROP INDEX {name}")).await?;
            }
        }
        let inserted = self
            .stage
            .exec(&format!(
                "INSERT INTO customers (external_id, {cols}, created_at, updated_at) \
                 SELECT s.external_id, {scols}, '{now}', '{now}' FROM stage_customers s \
                 WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.external_id = s.external_id) ORDER BY s.line",
                cols = all.join(", "),
                scols = all.iter().map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ")
            ))
            .await? as i64;
        for (_, def) in &rebuild {
            self.stage.exec(def).await?;
        }
        let mut ref_changes = 0;
        if self.present.contains("referred_by") {
            ref_changes = self
                .stage
                .exec(
                    "UPDATE customers SET referred_by_id = r.id \
                     FROM stage_customers s LEFT JOIN customers r ON r.external_id = s.referred_by \
                     WHERE s.external_id = customers.external_id AND customers.referred_by_id IS DISTINCT FROM r.id",
                )
                .await? as i64;
        }
        if self.present.contains("preferences") {
            if empty {
                // A first load: every customer is new, so its preferences are simply inserted,
                // straight from the staged JSON in one statement.
                let each = match self.stage.backend {
                    Backend::Sqlite => "json_each(s.preferences) j",
                    Backend::Postgres => "LATERAL jsonb_each_text(s.preferences::jsonb) j",
                };
                self.stage
                    .exec(&format!(
                        "INSERT INTO customer_preferences (customer_id, pref_key, pref_value) \
                         SELECT c.id, j.key, j.value FROM stage_customers s \
                         JOIN customers c ON c.external_id = s.external_id CROSS JOIN {each} \
                         WHERE s.preferences <> '' AND s.preferences <> '{{}}'"
                    ))
                    .await?;
            } else {
                self.merge_preferences().await?;
            }
        }
        let rows = self.stage.rows;
        let counts = ImportCounts {
            rows,
            inserted,
            updated: updated.max(0),
            unchanged: rows - inserted - updated,
        };
        audit::write(
            &mut self.stage.tx,
            actor,
            "import",
            "customers",
            file,
            &format!(
                "{rows} rows: {inserted} new, {updated} updated, {ref_changes} referral links set"
            ),
        )
        .await?;
        sqlx::query("DROP TABLE IF EXISTS stage_customers")
            .execute(&mut *self.stage.tx)
            .await?;
        self.stage.tx.commit().await?;
        Ok(counts)
    }

    /// Replace the preferences of the staged customers whose preferences differ, in id-ordered
    /// chunks (bounded memory, set-based deletes and inserts).
    async fn merge_preferences(&mut self) -> Result<()> {
        let mut last = 0i64;
        loop {
            // Walk the file in line order (an index range on the stage, then one lookup per
            // row), which stays linear on both backends.
            let staged: Vec<(i64, i64, String)> = sqlx::query_as(
                "SELECT s.line, c.id, s.preferences FROM stage_customers s JOIN customers c ON c.external_id = s.external_id \
                 WHERE s.line > $1 ORDER BY s.line LIMIT 5000",
            )
            .bind(last)
            .fetch_all(&mut *self.stage.tx)
            .await?;
            let Some(end) = staged.last().map(|r| r.0) else {
                break;
            };
            last = end;
            let id_list: Vec<String> = staged.iter().map(|r| r.1.to_string()).collect();
            let have: Vec<(i64, String, String)> = sqlx::query_as(&format!(
                "SELECT customer_id, pref_key, pref_value FROM customer_preferences WHERE customer_id IN ({})",
                id_list.join(",")
            ))
            .fetch_all(&mut *self.stage.tx)
            .await?;
            let staged: Vec<(i64, String)> =
                staged.into_iter().map(|(_, id, json)| (id, json)).collect();
            let mut current: BTreeMap<i64, BTreeMap<String, String>> = BTreeMap::new();
            for (id, k, v) in have {
                current.entry(id).or_default().insert(k, v);
            }
            let empty = BTreeMap::new();
            let changed: Vec<(i64, BTreeMap<String, String>)> = staged
                .into_iter()
                .map(|(id, json)| (id, serde_json::from_str(&json).unwrap_or_default()))
                .filter(|(id, want): &(i64, BTreeMap<String, String>)| {
                    current.get(id).unwrap_or(&empty) != want
                })
                .collect();
            if changed.is_empty() {
                continue;
            }
            let ids: Vec<String> = changed.iter().map(|(id, _)| id.to_string()).collect();
            self.stage
                .exec(&format!(
                    "DELETE FROM customer_preferences WHERE customer_id IN ({})",
                    ids.join(",")
                ))
                .await?;
            let pairs: Vec<(i64, &String, &String)> = changed
                .iter()
                .flat_map(|(id, m)| m.iter().map(move |(k, v)| (*id, k, v)))
                .collect();
            for chunk in pairs.chunks(300) {
                let b = self.stage.backend;
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| {
                        format!(
                            "({}, {}, {})",
                            b.placeholder(3 * i + 1),
                            b.placeholder(3 * i + 2),
                            b.placeholder(3 * i + 3)
                        )
                    })
                    .collect();
                let sql = format!("INSERT INTO customer_preferences (customer_id, pref_key, pref_value) VALUES {}", values.join(", "));
                let mut q = sqlx::query(&sql);
                for (id, k, v) in chunk {
                    q = q.bind(*id).bind((*k).clone()).bind((*v).clone());
                }
                q.execute(&mut *self.stage.tx).await?;
            }
        }
        Ok(())
    }
}

/// Record an import job (for the API's job list), started and finished.
#[derive(Debug, Clone, Serialize)]
pub struct ImportJob {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub status: String,
    pub rows_total: i64,
    pub rows_inserted: i64,
    pub rows_updated: i64,
    pub error_count: i64,
    pub errors: serde_json::Value,
    pub actor: String,
    pub created_at: String,
    pub finished_at: Option<String>,
}

impl Store {
    pub async fn create_import_job(&self, kind: &str, file_name: &str, actor: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO import_jobs (kind, file_name, status, actor, created_at) VALUES ($1, $2, 'running', $3, $4) RETURNING id",
        )
        .bind(kind)
        .bind(file_name)
        .bind(actor)
        .bind(now_stored())
        .fetch_one(&self.pool)
        .await?)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn finish_import_job(
        &self,
        id: i64,
        status: &str,
        counts: ImportCounts,
        error_count: i64,
        errors: &serde_json::Value,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE import_jobs SET status = $1, rows_total = $2, rows_inserted = $3, rows_updated = $4, error_count = $5, errors = $6, finished_at = $7 WHERE id = $8",
        )
        .bind(status)
        .bind(counts.rows)
        .bind(counts.inserted)
        .bind(counts.updated)
        .bind(error_count)
        .bind(errors.to_string())
        .bind(now_stored())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn import_job(&self, id: i64) -> Result<ImportJob> {
        let row = sqlx::query("SELECT * FROM import_jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(crate::StoreError::NotFound)?;
        Ok(job_from(&row))
    }

    pub async fn import_jobs(&self, limit: i64) -> Result<Vec<ImportJob>> {
        let rows = sqlx::query("SELECT * FROM import_jobs ORDER BY id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(job_from).collect())
    }
}

fn job_from(r: &sqlx::any::AnyRow) -> ImportJob {
    use crate::{get_i, get_os, get_s};
    ImportJob {
        id: get_i(r, "id"),
        kind: get_s(r, "kind"),
        file_name: get_s(r, "file_name"),
        status: get_s(r, "status"),
        rows_total: get_i(r, "rows_total"),
        rows_inserted: get_i(r, "rows_inserted"),
        rows_updated: get_i(r, "rows_updated"),
        error_count: get_i(r, "error_count"),
        errors: serde_json::from_str(&get_s(r, "errors")).unwrap_or_default(),
        actor: get_s(r, "actor"),
        created_at: get_s(r, "created_at"),
        finished_at: get_os(r, "finished_at"),
    }
}
