//! The demo company's care rules: every ready rule, in dry run, swept once — so the Care page
//! shows whom each would hit and a first history of (recorded-only) firings.

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
        for i in 0..self.care_templates(&manager).len() {
            self.add_care_template(&manager, i).await?;
        }
        self.sweep_care(chrono::Utc::now()).await?;
        Ok(())
    }
}
