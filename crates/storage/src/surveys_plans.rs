//! Action plans (PDCA) on a survey's elements.

use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct ActionPlan {
    pub id: i64,
    pub survey_id: i64,
    pub wave_id: i64,
    pub element: String,
    pub title: String,
    pub owner: String,
    pub due_date: String,
    pub target: f64,
    pub baseline: f64,
    /// `plan`, `do`, `check`, `act`, `done`.
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

fn plan_of(r: &AnyRow) -> ActionPlan {
    ActionPlan {
        id: get_i(r, "id"),
        survey_id: get_i(r, "survey_id"),
        wave_id: get_i(r, "wave_id"),
        element: get_s(r, "element"),
        title: get_s(r, "title"),
        owner: get_s(r, "owner"),
        due_date: get_s(r, "due_date"),
        target: get_f(r, "target"),
        baseline: get_f(r, "baseline"),
        status: get_s(r, "status"),
        created_at: get_s(r, "created_at"),
        updated_at: get_s(r, "updated_at"),
    }
}

impl Store {
    #[allow(clippy::too_many_arguments)]
    pub async fn create_action_plan(
        &self,
        survey_id: i64,
        wave_id: i64,
        element: &str,
        title: &str,
        owner: &str,
        due_date: &str,
        target: f64,
        baseline: f64,
        actor: &str,
    ) -> Result<ActionPlan> {
        let now = domain::time::now_stored();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO action_plans (survey_id, wave_id, element, title, owner, due_date, target, baseline, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(survey_id)
        .bind(wave_id)
        .bind(element)
        .bind(title)
        .bind(owner)
        .bind(due_date)
        .bind(target)
        .bind(baseline)
        .bind(&now)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from_db)?;
        self.audit(actor, "create", "action_plan", &id.to_string(), title)
            .await?;
        self.action_plan(id).await
    }

    pub async fn action_plan(&self, id: i64) -> Result<ActionPlan> {
        sqlx::query("SELECT * FROM action_plans WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| plan_of(&r))
            .ok_or(StoreError::NotFound)
    }

    pub async fn action_plans(&self, survey_id: i64) -> Result<Vec<ActionPlan>> {
        Ok(
            sqlx::query("SELECT * FROM action_plans WHERE survey_id = $1 ORDER BY id")
                .bind(survey_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(plan_of)
                .collect(),
        )
    }

    pub async fn set_action_plan_status(
        &self,
        id: i64,
        status: &str,
        actor: &str,
    ) -> Result<ActionPlan> {
        let done =
            sqlx::query("UPDATE action_plans SET status = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(status)
                .bind(domain::time::now_stored())
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.audit(actor, "update", "action_plan", &id.to_string(), status)
            .await?;
        self.action_plan(id).await
    }
}
