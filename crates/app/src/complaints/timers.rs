//! Service levels in operation: the timers due at a moment fire into the case's history (by
//! `system`), warn the assignee and escalate a breach to the team's manager; swept every half
//! minute while the server runs, and caught up from the stored due times after downtime.

use super::*;

impl App {
    /// Fire the service-level timers due at `now`: each warning and breach goes into the
    /// case's history (by `system`); a breach escalates the case to its team's manager. The
    /// due times are stored, so timers missed while the server was down fire at the next
    /// sweep. Returns how many timers fired.
    pub async fn sweep_complaint_timers(&self, now: DateTime<Utc>) -> Result<usize, AppError> {
        let at = to_stored(now);
        let teams = self.store.teams().await?;
        let mut fired = 0;
        loop {
            let due = self.store.complaints_with_due_timers(&at, 500).await?;
            if due.is_empty() {
                break;
            }
            let mut progressed = false;
            for c in due {
                let queue = self.case_write_turn().await;
                let done = self.fire_due_timers(c, &teams, &at).await;
                drop(queue);
                // A backlog (after downtime) is worked off without starving the agents' own
                // steps: the sweep lets other work run between its writes.
                tokio::task::yield_now().await;
                match done {
                    Ok(Some((n, _))) => {
                        fired += n;
                        progressed = true;
                    }
                    Ok(None) => {}
                    // An agent moved the case meanwhile: the next sweep sees the new version.
                    Err(storage::StoreError::VersionConflict { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            if !progressed {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Ok(fired)
    }

    /// Fire the case's timers due at `at` (stored instant): one history entry stamped `at`,
    /// with the warnings and breaches, the escalation of a breach to the team's manager, and
    /// the staff notifications. None if nothing was due.
    async fn fire_case_timers(
        &self,
        c: &Complaint,
        teams: &[Team],
        at: &str,
    ) -> Result<Option<(usize, Complaint)>, storage::StoreError> {
        let kinds = timers_of(c, &c.timers_done).due(at);
        if kinds.is_empty() {
            return Ok(None);
        }
        let mut done: Vec<&str> = c.timers_done.split(',').filter(|s| !s.is_empty()).collect();
        done.extend(kinds.iter().map(|k| k.code()));
        let done = done.join(",");
        let breach = kinds.iter().any(|k| {
            matches!(
                k,
                rules::TimerKind::AckBreach | rules::TimerKind::ResolveBreach
            )
        });
        let manager = c
            .team_id
            .and_then(|t| teams.iter().find(|x| x.id == t))
            .map(|t| t.manager.clone())
            .unwrap_or_default();
        let escalated_to = if breach && c.escalated_to.is_empty() && !manager.is_empty() {
            manager
        } else {
            c.escalated_to.clone()
        };
        let kind = kinds.last().map_or("timers", |k| k.code());
        let note = kinds
            .iter()
            .map(|k| format!("{} / {}", k.label(Lang::ZhCn), k.label(Lang::En)))
            .collect::<Vec<_>>()
            .join("; ");
        let changes = json!({
            "timers": kinds.iter().map(|k| k.code()).collect::<Vec<_>>(),
            "escalated_to": escalated_to,
        });
        let next = timers_of(c, &done).next();
        let mut step = same_state_step(c, at, "system", kind, &note, changes);
        // The assignee hears of every warning and breach, the team's manager of breaches (in
        // the staff member's own words: both languages, as the history).
        let text = format!(
            "#{} {}: {note}",
            c.id,
            c.situation.chars().take(40).collect::<String>()
        );
        if !c.assignee.is_empty() {
            step.notify.push((c.assignee.clone(), text.clone()));
        }
        if breach && !escalated_to.is_empty() && escalated_to != c.assignee {
            step.notify.push((escalated_to.clone(), text));
        }
        step.timers_done = &done;
        step.next_timer_at = next;
        step.escalated_to = &escalated_to;
        let after = self.store.complaint_step(c.id, &step).await?;
        Ok(Some((kinds.len(), after)))
    }

    /// Fire a case's timers due by `now`, each stamped at its own due instant (or, if the case
    /// changed after that, at its last change, so the history stays in time order): a sweep
    /// that runs late, or catches up after downtime, records when the deadline passed rather
    /// than when it noticed. How many fired, and the case after them; None if none was due.
    async fn fire_due_timers(
        &self,
        mut c: Complaint,
        teams: &[Team],
        now: &str,
    ) -> Result<Option<(usize, Complaint)>, storage::StoreError> {
        let mut fired = 0;
        while let Some(next) = timers_of(&c, &c.timers_done).next() {
            if next.as_str() > now {
                break;
            }
            let stamp = std::cmp::max(next, c.updated_at.clone());
            match self.fire_case_timers(&c, teams, &stamp).await? {
                Some((n, after)) => {
                    fired += n;
                    c = after;
                }
                None => break,
            }
        }
        Ok((fired > 0).then_some((fired, c)))
    }

    /// Fire a case's timers one by one at their own due instants up to `until` (the demo's
    /// history, written after the fact: each warning and breach where it happened in time).
    pub(crate) async fn fire_case_timers_until(
        &self,
        mut c: Complaint,
        teams: &[Team],
        until: DateTime<Utc>,
    ) -> Result<Complaint, AppError> {
        let until = to_stored(until);
        while let Some(next) = timers_of(&c, &c.timers_done).next() {
            if next > until {
                break;
            }
            match self.fire_case_timers(&c, teams, &next).await? {
                Some((_, after)) => c = after,
                None => break,
            }
        }
        Ok(c)
    }

    /// Sweep the timers every `every` for as long as the server runs.
    pub fn start_complaint_timers(&self, every: std::time::Duration) {
        let app = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if let Err(e) = app.sweep_complaint_timers(Utc::now()).await {
                    tracing::warn!("complaint timers: {e}");
                }
            }
        });
    }
}
