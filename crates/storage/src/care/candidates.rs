//! Whom the daily care triggers find: one query per trigger over the customers with their
//! latest value and loyalty profile (birthdays and important dates of lapsed customers,
//! resolved and overdue complaints, the top 20 %, customers at risk, changed loyalty types).

use crate::{get_i, get_s, Result, Store};

/// Whom a daily trigger looks at (company-local days already turned into stored UTC text).
#[derive(Debug, Clone, PartialEq)]
pub enum CandidateQuery {
    /// Birthday or an important date on `mmdd` (`-MM-DD`), last purchase before `lapsed_before`.
    Dates { mmdd: String, lapsed_before: String },
    /// Complaints resolved in `[from, to)`.
    Resolved { from: String, to: String },
    /// The top 20 % by spend in the latest classification.
    Top20,
    /// P(alive) below `below` in the latest customer-value run, most valuable first.
    AtRisk { below: f64 },
    /// Customers whose loyalty type changed in the latest classification.
    TypeChanged,
    /// Open complaints past their resolution deadline at `now`.
    Breached { now: String },
}

/// A customer a trigger found, with what conditions and templates read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Candidate {
    pub customer_id: i64,
    pub external_id: String,
    pub name: String,
    pub email: String,
    pub segment: String,
    pub channel: String,
    pub region: String,
    pub tags: Vec<String>,
    pub birthday: String,
    pub important_dates: std::collections::BTreeMap<String, String>,
    pub clv: Option<f64>,
    pub p_alive: Option<f64>,
    pub loyalty_type: String,
    /// The churn status and top-20 % flag of the latest loyalty classification.
    pub churn_status: String,
    pub top20: bool,
    /// Channels the customer agreed to be contacted on (e-mail needs `email`).
    pub consent: Vec<String>,
    /// The language the customer is written to in (`zh-CN`, `en`; empty: the company's).
    pub lang: String,
    /// The complaint (resolved, breached) or classification run the occurrence is about.
    pub about: i64,
    /// Who works the complaint the occurrence is about: its assignee, or whoever resolved it.
    pub agent: String,
}

fn candidate_from(r: &sqlx::any::AnyRow) -> Candidate {
    let f = |c: &str| sqlx::Row::try_get::<Option<f64>, _>(r, c).ok().flatten();
    Candidate {
        customer_id: get_i(r, "id"),
        external_id: get_s(r, "external_id"),
        name: get_s(r, "name"),
        email: get_s(r, "email"),
        segment: get_s(r, "segment"),
        channel: get_s(r, "channel"),
        region: get_s(r, "region"),
        tags: serde_json::from_str(&get_s(r, "tags")).unwrap_or_default(),
        birthday: get_s(r, "birthday"),
        important_dates: serde_json::from_str(&get_s(r, "important_dates")).unwrap_or_default(),
        clv: f("clv"),
        p_alive: f("p_alive"),
        loyalty_type: get_s(r, "loyalty_type"),
        churn_status: get_s(r, "churn_status"),
        top20: get_i(r, "top20") == 1,
        consent: serde_json::from_str(&get_s(r, "consent")).unwrap_or_default(),
        lang: get_s(r, "lang"),
        about: get_i(r, "about"),
        agent: get_s(r, "agent"),
    }
}

const CANDIDATE_COLS: &str = "c.id, c.external_id, c.email, c.segment, c.channel, c.region, \
    c.tags, c.birthday, c.important_dates, c.consent, c.lang, v.clv, v.p_alive, p.loyalty_type, \
    p.churn_status, p.top20";

/// The customer's value and loyalty profile beside a candidate.
const CANDIDATE_JOINS: &str = "LEFT JOIN customer_values v ON v.customer_id = c.id \
    LEFT JOIN loyalty_profiles p ON p.customer_id = c.id";

impl Store {
    /// Candidates of a daily trigger (at most `limit`).
    pub async fn care_candidates(&self, q: &CandidateQuery, limit: i64) -> Result<Vec<Candidate>> {
        let base = format!(
            "SELECT {CANDIDATE_COLS}, c.name, {{about}} AS about, '' AS agent \
             FROM customers c {CANDIDATE_JOINS}"
        );
        // A complaint's occurrence: the case with its customer if it has one (a caller who was
        // never linked still gets the follow-up), and who works it.
        let cases = format!(
            "SELECT {CANDIDATE_COLS}, COALESCE(c.name, k.caller) AS name, k.id AS about, \
             COALESCE(NULLIF(k.assignee, ''), (SELECT e.actor FROM complaint_events e \
               WHERE e.complaint_id = k.id AND e.kind = 'resolve' ORDER BY e.id DESC LIMIT 1), '') AS agent \
             FROM complaints k LEFT JOIN customers c ON c.id = k.customer_id {CANDIDATE_JOINS}"
        );
        let (sql, binds): (String, Vec<String>) = match q {
            CandidateQuery::Dates {
                mmdd,
                lapsed_before,
            } => (
                format!(
                    "{} WHERE (c.birthday LIKE $1 OR c.important_dates LIKE $2) \
                     AND v.last_purchase < $3 ORDER BY c.id LIMIT {limit}",
                    base.replace("{about}", "0")
                ),
                vec![
                    format!("%{mmdd}"),
                    format!("%{mmdd}\"%"),
                    lapsed_before.clone(),
                ],
            ),
            CandidateQuery::Resolved { from, to } => (
                // Still resolved: a reopened case waits for its new resolution, a case already
                // followed up or closed needs no visit.
                format!(
                    "{cases} WHERE k.resolved_at >= $1 AND k.resolved_at < $2 \
                     AND k.state = 'resolved' ORDER BY k.id LIMIT {limit}"
                ),
                vec![from.clone(), to.clone()],
            ),
            CandidateQuery::Top20 => (
                format!(
                    "{} WHERE p.top20 = 1 ORDER BY p.value_at_risk DESC, c.id LIMIT {limit}",
                    base.replace("{about}", "0")
                ),
                vec![],
            ),
            CandidateQuery::AtRisk { below } => (
                format!(
                    "{} WHERE v.p_alive < {} ORDER BY v.clv DESC, c.id LIMIT {limit}",
                    base.replace("{about}", "v.run_id"),
                    if below.is_finite() { *below } else { 0.0 }
                ),
                vec![],
            ),
            CandidateQuery::TypeChanged => (
                format!(
                    "{} WHERE p.previous_type <> '' AND p.previous_type <> p.loyalty_type \
                     ORDER BY p.value_at_risk DESC, c.id LIMIT {limit}",
                    base.replace("{about}", "p.run_id")
                ),
                vec![],
            ),
            CandidateQuery::Breached { now } => (
                format!(
                    "{cases} WHERE k.resolved_at IS NULL AND k.state NOT IN ('closed', 'resolved') \
                     AND k.resolve_due_at < $1 ORDER BY k.id LIMIT {limit}"
                ),
                vec![now.clone()],
            ),
        };
        let mut query = sqlx::query(&sql);
        for b in &binds {
            query = query.bind(b.clone());
        }
        Ok(query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(candidate_from)
            .collect())
    }

    /// One customer as a candidate (an event about them: an answer, a complaint step).
    pub async fn care_candidate(&self, customer_id: i64) -> Result<Option<Candidate>> {
        let sql = format!(
            "SELECT {CANDIDATE_COLS}, c.name, 0 AS about, '' AS agent \
             FROM customers c {CANDIDATE_JOINS} WHERE c.id = $1"
        );
        Ok(sqlx::query(&sql)
            .bind(customer_id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(candidate_from))
    }
}
