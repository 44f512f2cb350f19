//! Complaint teams: a name, a manager and case workers (a user is in one team or none).

use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub manager: String,
    pub members: Vec<String>,
}

impl Store {
    pub async fn create_team(&self, name: &str, manager: &str, actor: &str) -> Result<Team> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO complaint_teams (name, manager, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name)
        .bind(manager)
        .bind(domain::time::now_stored())
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from_db)?;
        self.audit(actor, "create", "team", &id.to_string(), name)
            .await?;
        self.team(id).await
    }

    /// Rename a team or change its manager. A new name follows the team everywhere it is
    /// named: open and closed care tasks for `team:NAME` and care rules that give tasks to it —
    /// in the same transaction.
    pub async fn update_team(
        &self,
        id: i64,
        name: &str,
        manager: &str,
        actor: &str,
    ) -> Result<Team> {
        let mut tx = self.begin_write().await?;
        let old: String = sqlx::query_scalar("SELECT name FROM complaint_teams WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        sqlx::query("UPDATE complaint_teams SET name = $1, manager = $2 WHERE id = $3")
            .bind(name)
            .bind(manager)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from_db)?;
        if old != name {
            let (from, to) = (format!("team:{old}"), format!("team:{name}"));
            sqlx::query("UPDATE care_tasks SET assignee = $1 WHERE assignee = $2")
                .bind(&to)
                .bind(&from)
                .execute(&mut *tx)
                .await?;
            // The rule's JSON names the team as a string: replace that string, quoted as JSON
            // quotes it, and nothing else.
            let json = |s: &str| serde_json::to_string(s).unwrap_or_default();
            sqlx::query("UPDATE care_rules SET spec = REPLACE(spec, $1, $2), version = version + 1 WHERE spec LIKE $3")
                .bind(json(&from))
                .bind(json(&to))
                .bind(format!("%{}%", json(&from)))
                .execute(&mut *tx)
                .await?;
        }
        crate::audit::write(
            &mut tx,
            actor,
            "update",
            "team",
            &id.to_string(),
            &format!("{old} → {name} ({manager})"),
        )
        .await?;
        tx.commit().await?;
        self.team(id).await
    }

    /// Take a user out of their team.
    pub async fn leave_team(&self, username: &str, actor: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM team_members WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        crate::audit::write(&mut tx, actor, "update", "team", "", username).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Put a user in a team (an agent belongs to one team at most).
    pub async fn set_team_member(&self, team_id: i64, username: &str, actor: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM team_members WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO team_members (username, team_id) VALUES ($1, $2)")
            .bind(username)
            .bind(team_id)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from_db)?;
        crate::audit::write(
            &mut tx,
            actor,
            "update",
            "team",
            &team_id.to_string(),
            username,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn team(&self, id: i64) -> Result<Team> {
        self.teams()
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(StoreError::NotFound)
    }

    pub async fn teams(&self) -> Result<Vec<Team>> {
        let rows = sqlx::query("SELECT * FROM complaint_teams ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        let members = sqlx::query("SELECT username, team_id FROM team_members ORDER BY username")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let id = get_i(r, "id");
                Team {
                    id,
                    name: get_s(r, "name"),
                    manager: get_s(r, "manager"),
                    members: members
                        .iter()
                        .filter(|m| get_i(m, "team_id") == id)
                        .map(|m| get_s(m, "username"))
                        .collect(),
                }
            })
            .collect())
    }

    /// The team a user belongs to, if any.
    pub async fn team_of(&self, username: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT team_id FROM team_members WHERE username = $1")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
