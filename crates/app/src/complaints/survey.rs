//! After a complaint is resolved, its customer gets the short post-complaint survey (the
//! survey module's `post_complaint` template): one survey for all complaints, one wave per
//! month, one personal link per customer and month. The case page shows the link for the agent
//! to send; the answers feed the complainant satisfaction of the overview.

use crate::{App, AppError};
use chrono::{Duration, Utc};
use domain::time::to_stored;
use storage::surveys::NewSurvey;

/// The settings key holding the post-complaint survey's id.
const SURVEY_KEY: &str = "complaints.survey_id";
/// How long a post-complaint link stays valid.
const VALID_DAYS: i64 = 30;

impl App {
    /// The post-complaint survey's id, created on first use.
    async fn post_complaint_survey(&self) -> Result<i64, AppError> {
        if let Some(id) = self.store.setting(SURVEY_KEY).await? {
            if let Ok(id) = id.parse::<i64>() {
                if self.store.survey(id).await.is_ok() {
                    return Ok(id);
                }
            }
        }
        let q = domain::surveys::template("post_complaint").expect("a shipped template");
        let value = serde_json::to_value(&q).map_err(AppError::internal)?;
        let s = self
            .store
            .create_survey(&NewSurvey {
                name: "投诉后满意度 · After a complaint",
                purpose: "Complainant satisfaction after resolution (SPEC §3)",
                target_segment: "",
                template: "post_complaint",
                questionnaire: &value,
                created_by: "system",
            })
            .await?;
        self.store
            .set_setting(SURVEY_KEY, &s.id.to_string())
            .await?;
        Ok(s.id)
    }

    /// Invite the customer to this month's post-complaint wave (once a month at most) and give
    /// the link's path.
    pub(crate) async fn invite_after_complaint(
        &self,
        customer_id: i64,
    ) -> Result<String, AppError> {
        let survey_id = self.post_complaint_survey().await?;
        let now = Utc::now();
        let name = format!("投诉回访 {}", now.format("%Y-%m"));
        let expires = to_stored(now + Duration::days(VALID_DAYS));
        let wave = match self
            .store
            .waves(survey_id)
            .await?
            .into_iter()
            .find(|w| w.name == name)
        {
            Some(w) => w,
            None => {
                let month_end = to_stored(now + Duration::days(62));
                self.store
                    .create_wave(
                        survey_id,
                        &name,
                        (false, false),
                        &serde_json::json!({ "source": "complaints" }),
                        &month_end,
                        &[],
                        "system",
                    )
                    .await?
            }
        };
        let id = self
            .store
            .add_invitation(wave.id, customer_id, &expires)
            .await?;
        let secret = crate::surveys::links::secret(&self.store).await?;
        Ok(format!(
            "/s/{}",
            crate::surveys::links::token(&secret, id, wave.id, customer_id)
        ))
    }

    /// The customer's latest post-complaint link, if they were invited.
    pub(crate) async fn post_complaint_link(
        &self,
        customer_id: i64,
    ) -> Result<Option<String>, AppError> {
        let Some(id) = self.store.setting(SURVEY_KEY).await? else {
            return Ok(None);
        };
        let Ok(survey_id) = id.parse::<i64>() else {
            return Ok(None);
        };
        let Some((inv, wave)) = self.store.latest_invitation(survey_id, customer_id).await? else {
            return Ok(None);
        };
        let secret = crate::surveys::links::secret(&self.store).await?;
        Ok(Some(format!(
            "/s/{}",
            crate::surveys::links::token(&secret, inv, wave, customer_id)
        )))
    }

    /// Complainants' answers to the post-complaint survey: (answers, satisfied = 4–5 of 5).
    pub(crate) async fn complainant_satisfaction(&self) -> Result<(i64, i64), AppError> {
        let Some(id) = self.store.setting(SURVEY_KEY).await? else {
            return Ok((0, 0));
        };
        let Ok(survey_id) = id.parse::<i64>() else {
            return Ok((0, 0));
        };
        let (mut n, mut happy) = (0, 0);
        for w in self.store.waves(survey_id).await? {
            for r in self.store.responses(w.id).await? {
                if let Some(v) = r.answers.get("HANDLING").and_then(|v| v.as_f64()) {
                    n += 1;
                    happy += i64::from(v >= 4.0);
                }
            }
        }
        Ok((n, happy))
    }
}
