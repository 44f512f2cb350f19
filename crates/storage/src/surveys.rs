//! Satisfaction surveys (SPEC.md §2.3): survey projects with their questionnaire (JSON of
//! `domain::surveys::Questionnaire`), waves with the sample they were sent to, one invitation
//! per sampled customer (the personal link is derived from it, see `app::surveys::links`), the
//! answers per customer and wave (saved as the customer goes, then submitted once), and the
//! PDCA action plans made from a wave's results.

use crate::{get_f, get_i, get_os, get_s, Result, Store, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[path = "surveys_plans.rs"]
mod plans;
pub use plans::ActionPlan;

#[derive(Debug, Clone, Serialize)]
pub struct Survey {
    pub id: i64,
    pub name: String,
    pub purpose: String,
    pub target_segment: String,
    pub template: String,
    pub questionnaire: serde_json::Value,
    pub created_by: String,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub struct NewSurvey<'a> {
    pub name: &'a str,
    pub purpose: &'a str,
    pub target_segment: &'a str,
    pub template: &'a str,
    pub questionnaire: &'a serde_json::Value,
    pub created_by: &'a str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Wave {
    pub id: i64,
    pub survey_id: i64,
    pub name: String,
    pub pretest: bool,
    /// Whether the wave also takes anonymous answers through its open link.
    pub open_link: bool,
    /// `open` or `closed`.
    pub status: String,
    /// How the sample was drawn (segment, size, exclusion window, drawn).
    pub sample: serde_json::Value,
    pub expires_at: String,
    pub created_at: String,
    pub closed_at: Option<String>,
    pub invited: i64,
    pub started: i64,
    pub submitted: i64,
}

/// An invitation as its link's holder sees it.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: i64,
    pub wave_id: i64,
    pub customer_id: i64,
    pub expires_at: String,
    pub wave_status: String,
    pub survey_id: i64,
    pub questionnaire: serde_json::Value,
    pub response_status: Option<String>,
    pub answers: serde_json::Value,
}

/// An invitation for the link export.
#[derive(Debug, Clone, Serialize)]
pub struct InvitationRow {
    pub id: i64,
    pub customer_id: i64,
    pub external_id: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    /// Channels the customer agreed to be contacted on.
    #[serde(skip)]
    pub consent: Vec<String>,
    /// The customer's language (`zh-CN`, `en`; empty: the company's).
    #[serde(skip)]
    pub lang: String,
    pub expires_at: String,
    /// `sent`, `opened`, `started` or `submitted`.
    pub status: String,
    pub reminded_at: Option<String>,
}

/// A submitted (or, for progress, started) response.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    pub id: i64,
    pub wave_id: i64,
    pub customer_id: Option<i64>,
    pub answers: serde_json::Value,
    pub lang: String,
    pub submitted_at: Option<String>,
    /// The respondent's customer segment (empty for none or an anonymous answer).
    pub segment: String,
}

/// One of a customer's answered surveys, for the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerResponse {
    pub survey: String,
    pub wave: String,
    pub questionnaire: serde_json::Value,
    pub answers: serde_json::Value,
    pub submitted_at: String,
}

/// One line for the timeline: the simple measures answered, each element's mean answer, and
/// the start of the first open answer.
/// A response in a line: headline measures, each element's mean under its name in `lang`, and
/// the first open answer.
pub fn answer_summary(r: &CustomerResponse, lang: domain::Lang) -> String {
    let Ok(q) = serde_json::from_value::<domain::surveys::Questionnaire>(r.questionnaire.clone())
    else {
        return String::new();
    };
    let num = |code: &str| r.answers.get(code).and_then(|v| v.as_f64());
    let mut parts: Vec<String> = Vec::new();
    for i in q.items.iter().filter(|i| !i.measure.is_empty()) {
        if let Some(v) = num(&i.code) {
            parts.push(format!("{} {v}", i.measure.to_uppercase()));
        }
    }
    for e in &q.elements {
        let vals: Vec<f64> = q
            .items_of(&e.code)
            .iter()
            .filter_map(|i| num(&i.code))
            .collect();
        if !vals.is_empty() {
            let mean = vals.iter().sum::<f64>() / vals.len() as f64;
            let name = e.name.get(lang);
            let name = if name.is_empty() { &e.code } else { name };
            parts.push(format!("{name} {mean:.1}"));
        }
    }
    for i in q
        .items
        .iter()
        .filter(|i| i.kind == domain::surveys::ItemKind::Text)
    {
        if let Some(t) = r.answers.get(&i.code).and_then(|v| v.as_str()) {
            if !t.trim().is_empty() {
                let short: String = t.chars().take(80).collect();
                parts.push(format!("“{short}”"));
                break;
            }
        }
    }
    parts.join(" · ")
}

fn json_of(row: &AnyRow, col: &str) -> serde_json::Value {
    serde_json::from_str(&get_s(row, col)).unwrap_or(serde_json::Value::Null)
}

fn survey_of(r: &AnyRow) -> Survey {
    Survey {
        id: get_i(r, "id"),
        name: get_s(r, "name"),
        purpose: get_s(r, "purpose"),
        target_segment: get_s(r, "target_segment"),
        template: get_s(r, "template"),
        questionnaire: json_of(r, "questionnaire"),
        created_by: get_s(r, "created_by"),
        created_at: get_s(r, "created_at"),
    }
}

fn wave_of(r: &AnyRow) -> Wave {
    Wave {
        id: get_i(r, "id"),
        survey_id: get_i(r, "survey_id"),
        name: get_s(r, "name"),
        pretest: get_i(r, "pretest") != 0,
        open_link: get_i(r, "open_link") != 0,
        status: get_s(r, "status"),
        sample: json_of(r, "sample"),
        expires_at: get_s(r, "expires_at"),
        created_at: get_s(r, "created_at"),
        closed_at: get_os(r, "closed_at"),
        invited: get_i(r, "invited"),
        started: get_i(r, "started"),
        submitted: get_i(r, "submitted"),
    }
}

const WAVE_SELECT: &str = "SELECT w.*, \
     (SELECT CAST(COUNT(*) AS BIGINT) FROM survey_invitations i WHERE i.wave_id = w.id) AS invited, \
     (SELECT CAST(COUNT(*) AS BIGINT) FROM survey_responses r WHERE r.wave_id = w.id) AS started, \
     (SELECT CAST(COUNT(*) AS BIGINT) FROM survey_responses r WHERE r.wave_id = w.id AND r.status = 'submitted') AS submitted \
     FROM survey_waves w";

impl Store {
    /// A setting, created with `init()` the first time it is asked for (concurrent first asks
    /// agree on one value).
    pub async fn setting_or_init(
        &self,
        key: &str,
        init: impl FnOnce() -> String,
    ) -> Result<String> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(init())
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// A setting, if set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Invite one more customer to a wave (the existing invitation if they have one) and give
    /// its id.
    pub async fn add_invitation(
        &self,
        wave_id: i64,
        customer_id: i64,
        expires_at: &str,
    ) -> Result<i64> {
        sqlx::query(
            "INSERT INTO survey_invitations (wave_id, customer_id, expires_at, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (wave_id, customer_id) DO NOTHING",
        )
        .bind(wave_id)
        .bind(customer_id)
        .bind(expires_at)
        .bind(domain::time::now_stored())
        .execute(&self.pool)
        .await
        .map_err(StoreError::from_db)?;
        Ok(sqlx::query_scalar(
            "SELECT id FROM survey_invitations WHERE wave_id = $1 AND customer_id = $2",
        )
        .bind(wave_id)
        .bind(customer_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// A customer's newest invitation to any wave of a survey: (invitation, wave).
    pub async fn latest_invitation(
        &self,
        survey_id: i64,
        customer_id: i64,
    ) -> Result<Option<(i64, i64)>> {
        Ok(sqlx::query(
            "SELECT i.id, i.wave_id FROM survey_invitations i JOIN survey_waves w ON w.id = i.wave_id \
             WHERE w.survey_id = $1 AND i.customer_id = $2 ORDER BY i.id DESC LIMIT 1",
        )
        .bind(survey_id)
        .bind(customer_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| (get_i(&r, "id"), get_i(&r, "wave_id"))))
    }

    /// Set a setting (insert or replace).
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Remove a setting (nothing if it is not there).
    pub async fn delete_setting(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM settings WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn create_survey(&self, s: &NewSurvey<'_>) -> Result<Survey> {
        let now = domain::time::now_stored();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO surveys (name, purpose, target_segment, template, questionnaire, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(s.name)
        .bind(s.purpose)
        .bind(s.target_segment)
        .bind(s.template)
        .bind(s.questionnaire.to_string())
        .bind(s.created_by)
        .bind(&now)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from_db)?;
        self.audit(s.created_by, "create", "survey", &id.to_string(), s.name)
            .await?;
        self.survey(id).await
    }

    pub async fn set_questionnaire(
        &self,
        id: i64,
        questionnaire: &serde_json::Value,
        actor: &str,
    ) -> Result<Survey> {
        let done = sqlx::query("UPDATE surveys SET questionnaire = $2 WHERE id = $1")
            .bind(id)
            .bind(questionnaire.to_string())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.audit(actor, "update", "survey", &id.to_string(), "questionnaire")
            .await?;
        self.survey(id).await
    }

    pub async fn survey(&self, id: i64) -> Result<Survey> {
        sqlx::query("SELECT * FROM surveys WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| survey_of(&r))
            .ok_or(StoreError::NotFound)
    }

    /// Every survey, newest first.
    pub async fn surveys(&self) -> Result<Vec<Survey>> {
        Ok(sqlx::query("SELECT * FROM surveys ORDER BY id DESC")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(survey_of)
            .collect())
    }

    /// Customers for a wave, drawn at random: in `segment` (all when empty), not invited to any
    /// survey since `not_since` (an instant; none excluded when empty), at most `size`.
    pub async fn sample_customers(
        &self,
        segment: &str,
        not_since: &str,
        size: i64,
    ) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT c.id FROM customers c \
             WHERE ($1 = '' OR c.segment = $1) \
               AND ($2 = '' OR NOT EXISTS (SELECT 1 FROM survey_invitations i WHERE i.customer_id = c.id AND i.created_at >= $2)) \
             ORDER BY random() LIMIT $3",
        )
        .bind(segment)
        .bind(not_since)
        .bind(size)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A new wave and one invitation per customer, in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_wave(
        &self,
        survey_id: i64,
        name: &str,
        (pretest, open_link): (bool, bool),
        sample: &serde_json::Value,
        expires_at: &str,
        customers: &[i64],
        actor: &str,
    ) -> Result<Wave> {
        let now = domain::time::now_stored();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO survey_waves (survey_id, name, pretest, open_link, sample, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(survey_id)
        .bind(name)
        .bind(i64::from(pretest))
        .bind(i64::from(open_link))
        .bind(sample.to_string())
        .bind(expires_at)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from_db)?;
        for chunk in customers.chunks(400) {
            let mut sql = String::from(
                "INSERT INTO survey_invitations (wave_id, customer_id, expires_at, created_at) VALUES ",
            );
            let mut n = 0;
            for k in 0..chunk.len() {
                if k > 0 {
                    sql.push(',');
                }
                let mut p = || {
                    n += 1;
                    self.backend.placeholder(n)
                };
                sql.push_str(&format!("({}, {}, {}, {})", p(), p(), p(), p()));
            }
            let mut q = sqlx::query(&sql);
            for c in chunk {
                q = q.bind(id).bind(*c).bind(expires_at).bind(&now);
            }
            q.execute(&mut *tx).await.map_err(StoreError::from_db)?;
        }
        tx.commit().await?;
        self.audit(
            actor,
            "create",
            "survey_wave",
            &id.to_string(),
            &format!("survey {survey_id}: {name}, {} invited", customers.len()),
        )
        .await?;
        self.wave(id).await
    }

    pub async fn wave(&self, id: i64) -> Result<Wave> {
        sqlx::query(&format!("{WAVE_SELECT} WHERE w.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| wave_of(&r))
            .ok_or(StoreError::NotFound)
    }

    /// A survey's waves, oldest first.
    pub async fn waves(&self, survey_id: i64) -> Result<Vec<Wave>> {
        Ok(sqlx::query(&format!(
            "{WAVE_SELECT} WHERE w.survey_id = $1 ORDER BY w.id"
        ))
        .bind(survey_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(wave_of)
        .collect())
    }

    pub async fn close_wave(&self, id: i64, actor: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE survey_waves SET status = 'closed', closed_at = $2 WHERE id = $1 AND status = 'open'",
        )
        .bind(id)
        .bind(domain::time::now_stored())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            self.wave(id).await?;
        }
        self.audit(actor, "close", "survey_wave", &id.to_string(), "")
            .await
    }

    /// A wave's invitations with the customers' contact fields, in id order.
    pub async fn invitations(&self, wave_id: i64) -> Result<Vec<InvitationRow>> {
        Ok(sqlx::query(
            "SELECT i.id, i.customer_id, i.expires_at, i.reminded_at, c.external_id, c.name, c.phone, c.email, c.consent, c.lang, \
             COALESCE(r.status, CASE WHEN i.opened_at IS NULL THEN 'sent' ELSE 'opened' END) AS status \
             FROM survey_invitations i JOIN customers c ON c.id = i.customer_id \
             LEFT JOIN survey_responses r ON r.invitation_id = i.id \
             WHERE i.wave_id = $1 ORDER BY i.id",
        )
        .bind(wave_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| InvitationRow {
            id: get_i(r, "id"),
            customer_id: get_i(r, "customer_id"),
            external_id: get_s(r, "external_id"),
            name: get_s(r, "name"),
            phone: get_s(r, "phone"),
            email: get_s(r, "email"),
            consent: serde_json::from_str(&get_s(r, "consent")).unwrap_or_default(),
            lang: get_s(r, "lang"),
            expires_at: get_s(r, "expires_at"),
            status: get_s(r, "status"),
            reminded_at: get_os(r, "reminded_at"),
        })
        .collect())
    }

    /// The invitation behind a link, with its wave, questionnaire and any saved answers; the
    /// first visit is recorded.
    pub async fn invitation(&self, id: i64) -> Result<Invitation> {
        let r = sqlx::query(
            "SELECT i.id, i.wave_id, i.customer_id, i.expires_at, w.status AS wave_status, w.survey_id, \
             s.questionnaire, r.status AS response_status, r.answers \
             FROM survey_invitations i JOIN survey_waves w ON w.id = i.wave_id \
             JOIN surveys s ON s.id = w.survey_id \
             LEFT JOIN survey_responses r ON r.invitation_id = i.id WHERE i.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        sqlx::query(
            "UPDATE survey_invitations SET opened_at = $2 WHERE id = $1 AND opened_at IS NULL",
        )
        .bind(id)
        .bind(domain::time::now_stored())
        .execute(&self.pool)
        .await?;
        Ok(Invitation {
            id: get_i(&r, "id"),
            wave_id: get_i(&r, "wave_id"),
            customer_id: get_i(&r, "customer_id"),
            expires_at: get_s(&r, "expires_at"),
            wave_status: get_s(&r, "wave_status"),
            survey_id: get_i(&r, "survey_id"),
            questionnaire: json_of(&r, "questionnaire"),
            response_status: get_os(&r, "response_status"),
            answers: get_os(&r, "answers")
                .and_then(|a| serde_json::from_str(&a).ok())
                .unwrap_or_else(|| serde_json::json!({})),
        })
    }

    /// Save an invitation's answers (all of them so far, replacing the saved ones); `submit`
    /// makes them final. A submitted response is never changed: `Ok(false)` then.
    pub async fn save_response(
        &self,
        inv: &Invitation,
        answers: &serde_json::Value,
        lang: &str,
        submit: bool,
    ) -> Result<bool> {
        let now = domain::time::now_stored();
        let status = if submit { "submitted" } else { "started" };
        let submitted_at = submit.then(|| now.clone());
        let done = sqlx::query(
            "INSERT INTO survey_responses (wave_id, invitation_id, customer_id, answers, lang, status, started_at, updated_at, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) \
             ON CONFLICT (invitation_id) DO UPDATE SET answers = excluded.answers, lang = excluded.lang, \
             status = excluded.status, updated_at = excluded.updated_at, submitted_at = excluded.submitted_at \
             WHERE survey_responses.status <> 'submitted'",
        )
        .bind(inv.wave_id)
        .bind(inv.id)
        .bind(inv.customer_id)
        .bind(answers.to_string())
        .bind(lang)
        .bind(status)
        .bind(&now)
        .bind(submitted_at)
        .execute(&self.pool)
        .await
        .map_err(StoreError::from_db)?;
        Ok(done.rows_affected() == 1)
    }

    /// Store already-collected responses (the demo, imports of answers gathered elsewhere):
    /// (invitation id, customer id, answers, submitted at), submitted, in one transaction.
    pub async fn add_submitted_responses(
        &self,
        wave_id: i64,
        rows: &[(i64, i64, serde_json::Value, String)],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for (inv, customer, answers, at) in rows {
            sqlx::query(
                "INSERT INTO survey_responses (wave_id, invitation_id, customer_id, answers, lang, status, started_at, updated_at, submitted_at) \
                 VALUES ($1, $2, $3, $4, '', 'submitted', $5, $5, $5)",
            )
            .bind(wave_id)
            .bind(*inv)
            .bind(*customer)
            .bind(answers.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from_db)?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A wave's submitted responses, in submission order.
    pub async fn responses(&self, wave_id: i64) -> Result<Vec<Response>> {
        Ok(sqlx::query(
            "SELECT r.*, c.segment FROM survey_responses r LEFT JOIN customers c ON c.id = r.customer_id \
             WHERE r.wave_id = $1 AND r.status = 'submitted' ORDER BY r.submitted_at, r.id",
        )
        .bind(wave_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Response {
            id: get_i(r, "id"),
            wave_id: get_i(r, "wave_id"),
            customer_id: r
                .try_get::<Option<i64>, _>("customer_id")
                .ok()
                .flatten(),
            answers: json_of(r, "answers"),
            lang: get_s(r, "lang"),
            submitted_at: get_os(r, "submitted_at"),
            segment: get_s(r, "segment"),
        })
        .collect())
    }

    /// A customer's submitted responses, newest first.
    pub async fn customer_responses(
        &self,
        customer_id: i64,
        limit: i64,
    ) -> Result<Vec<CustomerResponse>> {
        Ok(sqlx::query(
            "SELECT s.name AS survey, w.name AS wave, s.questionnaire, r.answers, r.submitted_at \
             FROM survey_responses r JOIN survey_waves w ON w.id = r.wave_id JOIN surveys s ON s.id = w.survey_id \
             WHERE r.customer_id = $1 AND r.status = 'submitted' ORDER BY r.submitted_at DESC LIMIT $2",
        )
        .bind(customer_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| CustomerResponse {
            survey: get_s(r, "survey"),
            wave: get_s(r, "wave"),
            questionnaire: json_of(r, "questionnaire"),
            answers: json_of(r, "answers"),
            submitted_at: get_s(r, "submitted_at"),
        })
        .collect())
    }

    /// For a wave's respondents who are customers: (customer id, purchases, spend in minor
    /// units) from their submission on, returns left out.
    pub async fn purchases_after_responses(&self, wave_id: i64) -> Result<Vec<(i64, i64, i64)>> {
        Ok(sqlx::query(
            "SELECT r.customer_id, CAST(COUNT(t.id) AS BIGINT) AS n, CAST(COALESCE(SUM(t.amount_minor), 0) AS BIGINT) AS spend \
             FROM survey_responses r LEFT JOIN transactions t \
               ON t.customer_id = r.customer_id AND t.occurred_at >= r.submitted_at AND t.is_return = 0 \
             WHERE r.wave_id = $1 AND r.status = 'submitted' AND r.customer_id IS NOT NULL \
             GROUP BY r.customer_id ORDER BY r.customer_id",
        )
        .bind(wave_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| (get_i(r, "customer_id"), get_i(r, "n"), get_i(r, "spend")))
        .collect())
    }

    /// Purchases of each customer invited to a wave from `since` on (returns left out), for
    /// the demo's link between satisfaction and later behaviour.
    pub async fn invited_purchases_since(
        &self,
        wave_id: i64,
        since: &str,
    ) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query(
            "SELECT i.customer_id, CAST(COUNT(t.id) AS BIGINT) AS n FROM survey_invitations i \
             LEFT JOIN transactions t ON t.customer_id = i.customer_id AND t.occurred_at >= $2 AND t.is_return = 0 \
             WHERE i.wave_id = $1 GROUP BY i.customer_id ORDER BY i.customer_id",
        )
        .bind(wave_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| (get_i(r, "customer_id"), get_i(r, "n")))
        .collect())
    }

    /// Invitation ids of a wave by customer.
    pub async fn invitation_ids(&self, wave_id: i64) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query("SELECT customer_id, id FROM survey_invitations WHERE wave_id = $1 ORDER BY customer_id")
            .bind(wave_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| (get_i(r, "customer_id"), get_i(r, "id")))
            .collect())
    }

    /// Record that these invitations were sent a reminder now.
    pub async fn mark_reminded(&self, ids: &[i64]) -> Result<()> {
        let now = domain::time::now_stored();
        let mut tx = self.begin_write().await?;
        for id in ids {
            sqlx::query("UPDATE survey_invitations SET reminded_at = $2 WHERE id = $1")
                .bind(*id)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// An anonymous answer through a wave's open link (submitted at once).
    pub async fn add_open_response(
        &self,
        wave_id: i64,
        answers: &serde_json::Value,
        lang: &str,
    ) -> Result<i64> {
        let now = domain::time::now_stored();
        sqlx::query_scalar(
            "INSERT INTO survey_responses (wave_id, answers, lang, status, started_at, updated_at, submitted_at) \
             VALUES ($1, $2, $3, 'submitted', $4, $4, $4) RETURNING id",
        )
        .bind(wave_id)
        .bind(answers.to_string())
        .bind(lang)
        .bind(&now)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from_db)
    }
}
