//! Several cases at once, from the case list: give them to one agent, or close them after
//! review with one lesson. Each case is its own step (its own version check, history entry and
//! audit); a case the step does not fit is left as it was and said, the others go through.

use super::*;

/// What a bulk change did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct BulkOutcome {
    pub done: Vec<i64>,
    /// Cases left as they were, with why.
    pub refused: Vec<(i64, String)>,
}

/// The change to make on each case.
#[derive(Debug, Clone)]
pub enum BulkChange {
    Assign { assignee: String },
    Close { lesson: String },
}

/// At most this many cases in one bulk change.
pub const BULK_MAX: usize = 200;

impl App {
    pub async fn bulk_complaints(
        &self,
        actor: &Actor,
        ids: &[i64],
        change: &BulkChange,
    ) -> Result<BulkOutcome, AppError> {
        actor.require(Permission::ManageCases)?;
        let lang = actor.lang;
        if ids.is_empty() || ids.len() > BULK_MAX {
            return Err(AppError::field(
                lang,
                "ids",
                match lang {
                    Lang::ZhCn => format!("请选择 1–{BULK_MAX} 个投诉"),
                    Lang::En => format!("choose 1–{BULK_MAX} cases"),
                },
            ));
        }
        // The change itself is checked once, before any case is touched.
        match change {
            BulkChange::Assign { assignee } => self
                .check_assignee(assignee.trim(), lang)
                .await
                .map_err(|r| AppError::field(lang, "assignee", r))?,
            BulkChange::Close { lesson } => Action::Close {
                lesson: lesson.clone(),
            }
            .check(lang)
            .map_err(|e| AppError::invalid(lang, e))?,
        }
        let mut out = BulkOutcome::default();
        let mut seen = std::collections::BTreeSet::new();
        for &id in ids.iter().filter(|id| seen.insert(**id)) {
            let version = match self.visible_case(actor, id).await {
                Ok(c) => c.version,
                Err(e) => {
                    out.refused.push((id, e.localized(lang).message));
                    continue;
                }
            };
            let r = match change {
                BulkChange::Assign { assignee } => {
                    self.assign_complaint(actor, id, version, assignee).await
                }
                BulkChange::Close { lesson } => {
                    let close = Action::Close {
                        lesson: lesson.clone(),
                    };
                    self.complaint_step(actor, id, version, &close).await
                }
            };
            match r {
                Ok(_) => out.done.push(id),
                Err(e) => out.refused.push((id, e.localized(lang).message)),
            }
        }
        Ok(out)
    }
}
