//! Complaint teams: created, renamed (tasks and rules follow the new name), given a manager,
//! and who is in which.

use super::*;

impl App {
    pub async fn complaint_teams(&self, actor: &Actor) -> Result<Vec<Team>, AppError> {
        actor.require(Permission::ViewCases)?;
        Ok(self.store.teams().await?)
    }

    pub async fn create_complaint_team(
        &self,
        actor: &Actor,
        name: &str,
        manager: &str,
        members: &[String],
    ) -> Result<Team, AppError> {
        actor.require(Permission::ManageCases)?;
        let lang = actor.lang;
        let mut errors = self.team_errors(name, manager, lang).await;
        for m in members {
            if let Err(r) = self.check_assignee(m, lang).await {
                errors.push(FieldError::new("members", r));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::invalid(lang, errors));
        }
        let t = self
            .store
            .create_team(name.trim(), manager.trim(), &actor.username)
            .await?;
        for m in members {
            self.store.set_team_member(t.id, m, &actor.username).await?;
        }
        Ok(self.store.team(t.id).await?)
    }

    /// What is wrong with a team's name and manager.
    async fn team_errors(&self, name: &str, manager: &str, lang: Lang) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Err(r) = rules::check_text(name, true, rules::SHORT_MAX, lang) {
            errors.push(FieldError::new("name", r));
        }
        if !manager.trim().is_empty() {
            match self.store.user_by_name(manager.trim()).await {
                Ok(u) if u.role.can(Permission::ManageCases) => {}
                _ => errors.push(FieldError::new(
                    "manager",
                    match lang {
                        Lang::En => format!("'{manager}' is not a manager"),
                        Lang::ZhCn => format!("“{manager}”不是经理"),
                    },
                )),
            }
        }
        errors
    }

    /// Rename a team or give it another manager (its tasks and rules follow a new name).
    pub async fn update_complaint_team(
        &self,
        actor: &Actor,
        id: i64,
        name: &str,
        manager: &str,
    ) -> Result<Team, AppError> {
        actor.require(Permission::ManageCases)?;
        let lang = actor.lang;
        let errors = self.team_errors(name, manager, lang).await;
        if !errors.is_empty() {
            return Err(AppError::invalid(lang, errors));
        }
        self.store
            .update_team(id, name.trim(), manager.trim(), &actor.username)
            .await
            .map_err(|e| match e {
                storage::StoreError::NotFound => AppError::not_found(lang, "team"),
                storage::StoreError::Duplicate(_) => AppError::field(
                    lang,
                    "name",
                    crate::say(lang, "已有同名小组", "another team has this name"),
                ),
                e => AppError::from(e),
            })
    }

    /// Put a user who works cases in a team, or (`None`) in none.
    pub async fn set_user_team(
        &self,
        actor: &Actor,
        username: &str,
        team: Option<i64>,
    ) -> Result<(), AppError> {
        actor.require(Permission::ManageCases)?;
        let lang = actor.lang;
        self.check_assignee(username, lang)
            .await
            .map_err(|r| AppError::field(lang, "username", r))?;
        match team {
            Some(t) => {
                self.store
                    .team(t)
                    .await
                    .map_err(|_| AppError::not_found(lang, "team"))?;
                Ok(self
                    .store
                    .set_team_member(t, username, &actor.username)
                    .await?)
            }
            None => Ok(self.store.leave_team(username, &actor.username).await?),
        }
    }
}
