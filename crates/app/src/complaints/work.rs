//! The cases as lists of work: follow-up tasks, the export of a view, and which customers have
//! a severe case open (the flags on lists and profiles).

use super::*;

impl App {
    /// Open follow-up tasks: the actor's own (an agent) or everyone's (managers).
    pub async fn complaint_tasks(&self, actor: &Actor, mine: bool) -> Result<Vec<Task>, AppError> {
        actor.require(Permission::ViewCases)?;
        let only =
            (mine || !actor.role.can(Permission::ViewAllCases)).then_some(actor.username.as_str());
        Ok(self.store.complaint_tasks(only, None, true).await?)
    }

    /// Record the follow-up visit's result on the task (the case's follow-up step is separate).
    pub async fn finish_complaint_task(
        &self,
        actor: &Actor,
        task_id: i64,
        result: &str,
    ) -> Result<Task, AppError> {
        actor.require(Permission::EditCases)?;
        let lang = actor.lang;
        rules::check_text(result, true, rules::TEXT_MAX, lang)
            .map_err(|r| AppError::field(lang, "result", r))?;
        let t = self
            .store
            .complaint_task(task_id)
            .await
            .map_err(|_| AppError::not_found(lang, &format!("task {task_id}")))?;
        self.visible_case(actor, t.complaint_id).await?;
        if !self
            .store
            .finish_complaint_task(
                task_id,
                result.trim(),
                &domain::time::now_stored(),
                &actor.username,
            )
            .await?
        {
            return Err(AppError::field(
                lang,
                "task",
                lang.pick("该任务已完成", "the task is done already"),
            ));
        }
        Ok(self.store.complaint_task(task_id).await?)
    }

    /// The cases of a list (up to 100,000) as a file: CSV, CSV in GB18030, or xlsx.
    pub async fn export_complaints(
        &self,
        actor: &Actor,
        mut f: Filter,
        format: &str,
    ) -> Result<crate::churn::results::Download, AppError> {
        f.limit = 100_000;
        f.offset = 0;
        let (cases, _) = self.complaints(actor, f).await?;
        let headers = [
            "id",
            "received_at",
            "channel",
            "place",
            "customer_external_id",
            "customer_name",
            "caller",
            "severity",
            "state",
            "cause",
            "product",
            "situation",
            "assignee",
            "team",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
            "on_the_spot",
            "ack_due_at",
            "resolve_due_at",
            "escalated_to",
        ];
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let rows: Vec<Vec<String>> = cases
            .iter()
            .map(|c| {
                vec![
                    c.id.to_string(),
                    c.received_at.clone(),
                    c.channel.clone(),
                    c.place.clone(),
                    c.customer_external_id.clone(),
                    c.customer_name.clone(),
                    c.caller.clone(),
                    c.severity.clone(),
                    c.state.clone(),
                    c.cause.clone(),
                    c.product.clone(),
                    c.situation.clone(),
                    c.assignee.clone(),
                    c.team.clone(),
                    o(&c.acknowledged_at),
                    o(&c.resolved_at),
                    o(&c.closed_at),
                    u8::from(c.on_the_spot).to_string(),
                    c.ack_due_at.clone(),
                    c.resolve_due_at.clone(),
                    c.escalated_to.clone(),
                ]
            })
            .collect();
        crate::churn::results::rows_download("complaints", &headers, &["id"], &rows, format)
            .map_err(|e| AppError::field(actor.lang, "format", e))
    }

    /// Which of these customers have an open high or critical complaint (they are flagged on
    /// every page that shows them).
    pub async fn customers_with_severe_complaints(
        &self,
        ids: &[i64],
    ) -> Result<Vec<i64>, AppError> {
        let severe: Vec<&str> = Severity::ALL
            .iter()
            .filter(|s| s.is_severe())
            .map(|s| s.code())
            .collect();
        Ok(self
            .store
            .customers_with_open_complaints(ids, &severe)
            .await?)
    }
}
