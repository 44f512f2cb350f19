//! The demo company's care rules: every ready rule, in dry run, swept once — so the Care page
//! shows whom each would hit and a first history of (recorded-only) firings; the built-in
//! follow-up visit rule (on) catches up the last weeks' resolved complaints.

use crate::{Actor, App, AppError};
use domain::access::Role;

impl App {
    pub(crate) async fn demo_care(&self) -> Result<(), AppError> {
        let manager = Actor {
            user_id: None,
            username: "manager".into(),
            role: Role::Manager,
            lang: domain::Lang::ZhCn,
        };
        // Every ready rule the company does not have yet (the follow-up visit is built in).
        let have: Vec<String> = self
            .store
            .care_rules()
            .await?
            .into_iter()
            .map(|r| r.name)
            .collect();
        // (The e-mail ones only where e-mail is set up: the demo has no mail server.)
        let mail = self.smtp_settings().await?.is_some();
        for (i, t) in self.care_templates(&manager).into_iter().enumerate() {
            if !have.contains(&t.name) && (mail || !domain::care::sends_email(&t)) {
                self.add_care_template(&manager, i).await?;
            }
        }
        // As if the rules had run for the last month: the follow-up visits of complaints
        // resolved in the last weeks are due now.
        let month_ago = (chrono::Utc::now() - chrono::Duration::days(31)).date_naive();
        for r in self.store.care_rules().await? {
            self.store
                .set_care_swept(r.id, &month_ago.to_string())
                .await?;
        }
        self.sweep_care(chrono::Utc::now()).await?;
        Ok(())
    }
}
