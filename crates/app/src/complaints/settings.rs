//! How complaints are handled here, as managers set it: service levels per severity, business
//! hours (with the holiday calendar), the recovery window and the sub-causes per cause.

use super::*;

/// The settings key of [`Settings`].
const SETTINGS_KEY: &str = "complaints";

/// How complaints are handled here: service levels per severity, business hours, the recovery
/// window, and the sub-causes offered per cause. (The follow-up visit is a care rule's task:
/// `app::care`, trigger "complaint resolved N days ago".)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub service_levels: Vec<ServiceLevel>,
    pub hours: BusinessHours,
    /// Days after resolution within which a purchase counts as the complainant coming back.
    pub recovery_days: i64,
    pub sub_causes: Vec<(Cause, Vec<String>)>,
}

impl Default for Settings {
    fn default() -> Self {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Settings {
            service_levels: rules::default_service_levels(),
            hours: BusinessHours::default(),
            recovery_days: 90,
            sub_causes: vec![
                (
                    Cause::Product,
                    s(&[
                        "质量 quality",
                        "功能 function",
                        "价格 price",
                        "包装 packaging",
                    ]),
                ),
                (
                    Cause::Service,
                    s(&[
                        "态度 attitude",
                        "等待 waiting",
                        "专业 competence",
                        "送货 delivery",
                    ]),
                ),
                (
                    Cause::FalseInformation,
                    s(&["广告 advertising", "销售承诺 sales promise"]),
                ),
                (
                    Cause::CustomerOrOutside,
                    s(&["使用不当 misuse", "物流 carrier", "第三方 third party"]),
                ),
                (
                    Cause::HighExpectations,
                    s(&[
                        "比较竞争对手 compared with rivals",
                        "过往体验 past experience",
                    ]),
                ),
            ],
        }
    }
}

impl Settings {
    pub fn level(&self, s: Severity) -> ServiceLevel {
        self.service_levels
            .iter()
            .copied()
            .find(|l| l.severity == s)
            .unwrap_or_else(|| {
                rules::default_service_levels()
                    .into_iter()
                    .find(|l| l.severity == s)
                    .expect("every severity has a default")
            })
    }

    fn check(&self, lang: Lang) -> Result<(), AppError> {
        let mut errors = Vec::new();
        if let Err(e) = self.hours.check(lang) {
            errors.push(FieldError::new(format!("hours.{}", e.field), e.reason));
        }
        for l in &self.service_levels {
            if l.acknowledge_minutes <= 0 || l.resolve_minutes < l.acknowledge_minutes {
                errors.push(FieldError::new(
                    format!("service_levels.{}", l.severity.code()),
                    lang.pick(
                        "响应时限须大于 0，解决时限不得短于响应时限",
                        "the response time must be above 0 and the resolution time at least as long",
                    ),
                ));
            }
        }
        for (i, l) in self.service_levels.iter().enumerate() {
            if self.service_levels[..i]
                .iter()
                .any(|o| o.severity == l.severity)
            {
                errors.push(FieldError::new(
                    format!("service_levels.{}", l.severity.code()),
                    lang.pick("同一严重程度只能设一次", "given more than once"),
                ));
            }
        }
        for (cause, subs) in &self.sub_causes {
            let field = format!("sub_causes.{}", cause.code());
            if subs.len() > 30 {
                errors.push(FieldError::new(
                    &field,
                    lang.pick("每类最多 30 个细分原因", "at most 30 sub-causes per cause"),
                ));
            }
            for sub in subs {
                if let Err(reason) = rules::check_text(sub, true, 100, lang) {
                    errors.push(FieldError::new(&field, format!("“{sub}”: {reason}")));
                }
            }
        }
        for (field, v) in [("recovery_days", self.recovery_days)] {
            if !(1..=365).contains(&v) {
                errors.push(FieldError::new(
                    field,
                    lang.pick("须在 1–365 天之间", "1–365 days"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid(lang, errors))
        }
    }
}

impl App {
    /// The complaint settings (the defaults until a manager changes them).
    pub async fn complaint_settings(&self) -> Result<Settings, AppError> {
        // Read first: every step asks, and a write per step would queue behind other writers.
        let text = match self.store.setting(SETTINGS_KEY).await? {
            Some(t) => t,
            None => {
                self.store
                    .setting_or_init(SETTINGS_KEY, || {
                        serde_json::to_string(&Settings::default()).expect("settings serialise")
                    })
                    .await?
            }
        };
        Ok(serde_json::from_str(&text).unwrap_or_default())
    }

    pub async fn set_complaint_settings(
        &self,
        actor: &Actor,
        s: Settings,
    ) -> Result<Settings, AppError> {
        actor.require(Permission::ManageCases)?;
        s.check(actor.lang)?;
        let text = serde_json::to_string(&s).map_err(AppError::internal)?;
        self.store.set_setting(SETTINGS_KEY, &text).await?;
        self.store
            .audit(&actor.username, "update", "settings", SETTINGS_KEY, "")
            .await?;
        // The measures depend on the settings (the recovery window): the next reader of the
        // overview starts its refresh.
        if let Some((t, _)) = self
            .complaint_overview_cache
            .lock()
            .expect("cache")
            .as_mut()
        {
            *t = t.checked_sub(measures::OVERVIEW_TTL).unwrap_or(*t);
        }
        Ok(s)
    }
}
