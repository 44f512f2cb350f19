//! What care leaves for people: the delivery log (the outbox as staff read it), care tasks —
//! listed, closed as done or dismissed — and staff notifications.

use crate::say;
use crate::{Actor, App, AppError};
use domain::access::Permission;

impl App {
    /// The outbox, newest first, without the webhooks' secrets.
    pub async fn care_outbox(
        &self,
        actor: &Actor,
        firing: Option<i64>,
        limit: i64,
    ) -> Result<Vec<storage::care::OutboxItem>, AppError> {
        actor.require(Permission::ManageCases)?;
        let mut items = self.store.outbox(firing, limit.clamp(1, 1000)).await?;
        for i in &mut items {
            if let Some(p) = i.payload.as_object_mut() {
                p.remove("secret");
            }
        }
        Ok(items)
    }

    /// Care tasks: the actor's own (an agent, or `mine`), everyone's, or one customer's.
    pub async fn care_tasks(
        &self,
        actor: &Actor,
        mine: bool,
        customer: Option<i64>,
    ) -> Result<Vec<storage::care::CareTask>, AppError> {
        actor.require(Permission::ViewCases)?;
        let only =
            (mine || !actor.role.can(Permission::ViewAllCases)).then_some(actor.username.as_str());
        Ok(self.store.care_tasks(only, customer, 200).await?)
    }

    /// Close a care task: `done` (with what came of it) or `dismissed`, by its assignee or a
    /// manager. A complaint's follow-up visit is done on its case instead.
    pub async fn close_care_task(
        &self,
        actor: &Actor,
        id: i64,
        state: &str,
        result: &str,
    ) -> Result<storage::care::CareTask, AppError> {
        actor.require(Permission::EditCases)?;
        let lang = actor.lang;
        let task = self
            .store
            .care_task(id)
            .await
            .map_err(|_| AppError::not_found(lang, &format!("task {id}")))?;
        let team_member = match task.assignee.strip_prefix("team:") {
            Some(team) => self.store.in_team(&actor.username, team).await?,
            None => false,
        };
        if task.assignee != actor.username
            && !team_member
            && !actor.role.can(Permission::ManageCases)
        {
            return Err(AppError::forbidden(lang, Permission::ManageCases));
        }
        if !matches!(state, "done" | "dismissed") {
            return Err(AppError::field(
                lang,
                "state",
                say(lang, "完成或忽略", "done or dismissed"),
            ));
        }
        if result.chars().count() > 2000 || result.chars().any(|c| c.is_control() && c != '\n') {
            return Err(AppError::field(
                lang,
                "result",
                say(
                    lang,
                    "最多 2000 个字符，不含控制字符",
                    "at most 2,000 characters, no control characters",
                ),
            ));
        }
        if let Some(c) = task.complaint_id {
            return Err(AppError::field(
                lang,
                "task",
                match lang {
                    domain::Lang::ZhCn => format!("回访任务在投诉 #{c} 的处理页上以“回访”步骤完成"),
                    domain::Lang::En => format!(
                        "a follow-up visit is done with the follow-up step on complaint #{c}"
                    ),
                },
            ));
        }
        if !self
            .store
            .close_care_task(id, state, result.trim(), &actor.username)
            .await?
        {
            return Err(AppError::field(
                lang,
                "task",
                say(lang, "该任务已关闭", "the task is closed already"),
            ));
        }
        Ok(self.store.care_task(id).await?)
    }

    /// Whom a task can be given to: users who work cases, then teams (`team:NAME`) — the
    /// picker of the profile's "add a task".
    pub async fn task_assignees(&self, actor: &Actor) -> Result<Vec<String>, AppError> {
        actor.require(Permission::EditCases)?;
        let mut out: Vec<String> = self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| u.active && u.role.can(Permission::EditCases))
            .map(|u| u.username)
            .collect();
        out.extend(
            self.store
                .teams()
                .await?
                .into_iter()
                .map(|t| format!("team:{}", t.name)),
        );
        Ok(out)
    }

    /// A care task added by hand for a customer (from the profile): for a user who works cases
    /// or a team, titled, due by the end of a company-local day (today or later). The assignee
    /// hears of it when someone else gave it.
    pub async fn add_care_task(
        &self,
        actor: &Actor,
        customer_id: i64,
        assignee: &str,
        title: &str,
        due: &str,
    ) -> Result<storage::care::CareTask, AppError> {
        actor.require(Permission::EditCases)?;
        let lang = actor.lang;
        let (assignee, title) = (assignee.trim(), title.trim());
        let mut errs = Vec::new();
        if !self
            .task_assignees(actor)
            .await?
            .iter()
            .any(|a| a == assignee)
        {
            errs.push(domain::FieldError::new(
                "assignee",
                say(
                    lang,
                    "请选择处理投诉的员工或小组",
                    "choose a user who works cases, or a team",
                ),
            ));
        }
        let n = title.chars().count();
        if n == 0 || n > 200 || title.chars().any(char::is_control) {
            errs.push(domain::FieldError::new(
                "title",
                say(lang, "标题 1–200 个字", "a title of 1–200 characters"),
            ));
        }
        let offset = self.company_offset().await;
        let today = self.company_today().await;
        let due_at = match domain::time::parse_date(due) {
            Ok(d) if d < today => Err(say(lang, "不能早于今天", "is before today")),
            Ok(d) if d > today + chrono::Duration::days(366) => {
                Err(say(lang, "最多一年以后", "at most a year ahead"))
            }
            // Due by the end of that company-local day.
            Ok(d) => Ok(domain::time::to_stored(
                domain::time::day_start(d + chrono::Duration::days(1), offset)
                    - chrono::Duration::seconds(1),
            )),
            Err(_) => Err(say(
                lang,
                "请填写日期，如 2026-12-31",
                "a date such as 2026-12-31",
            )),
        };
        let due_at = due_at.unwrap_or_else(|e| {
            errs.push(domain::FieldError::new("due", e));
            String::new()
        });
        if !errs.is_empty() {
            return Err(AppError::invalid(lang, errs));
        }
        let customer = self
            .store
            .customer(customer_id)
            .await
            .map_err(|_| AppError::not_found(lang, "customer"))?;
        let notice = format!(
            "{} 给您一个任务 / gave you a task: {title} ({})",
            actor.username, customer.name
        );
        Ok(self
            .store
            .add_care_task(
                customer_id,
                assignee,
                title,
                &due_at,
                &actor.username,
                &notice,
            )
            .await?)
    }

    /// A customer's care tasks, whoever works them (the profile shows them).
    pub async fn customer_care_tasks(
        &self,
        actor: &Actor,
        customer_id: i64,
    ) -> Result<Vec<storage::care::CareTask>, AppError> {
        actor.require(Permission::ViewCustomers)?;
        Ok(self.store.care_tasks(None, Some(customer_id), 50).await?)
    }

    /// The actor's notifications (newest first) and how many are unread.
    pub async fn notifications(
        &self,
        actor: &Actor,
    ) -> Result<(Vec<storage::care::Notification>, i64), AppError> {
        Ok(self.store.notifications(&actor.username, 50).await?)
    }

    pub async fn read_notifications(&self, actor: &Actor) -> Result<u64, AppError> {
        Ok(self.store.mark_notifications_read(&actor.username).await?)
    }
}
