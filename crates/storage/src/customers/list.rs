//! The customer list: filters, the search (FTS5 trigram on SQLite, pg_trgm on PostgreSQL, with
//! prefix matches for one- and two-character words), capped counts and the filters' values.

use super::*;

impl Store {
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
