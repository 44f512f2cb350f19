//! Loyalty management (SPEC.md §5): classify every customer by attachment × repeat purchase into
//! the seeds' loyalty types with reasons (`domain::loyalty`), decide each customer's churn status
//! under the company's headline definition (`domain::churn`), propose churn types for those at
//! risk or gone, and keep the results as a run: one profile per customer, the type mix, the
//! movement between types since the last run, the segments and the three faces of loyalty.

mod demo;
pub mod drivers;
pub mod evidence;
pub mod file;
pub mod run;

use crate::error::AppError;
use crate::say;
use crate::{Actor, App};
use domain::access::Permission;
use domain::FieldError;
use storage::churn::AnalysisRun;
use storage::loyalty::{MixRow, Profile, ProfileFilter, ProfileRow, SavedSegment};

/// The kind of `analysis_runs` row a classification is.
pub const LOYALTY_RUN: &str = "loyalty";
const THRESHOLDS_KEY: &str = "loyalty";
const CHURN_KEY: &str = "churn";
/// How long a list's count is reused (a new classification clears them).
const COUNT_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// Both settings of the area, as the API and the settings form exchange them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoyaltySettings {
    pub loyalty: domain::loyalty::Thresholds,
    pub churn: domain::churn::Settings,
}

/// A customer's loyalty as the profile and the API show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CustomerLoyalty {
    pub profile: Option<Profile>,
    pub type_label: String,
    pub advice: String,
    pub reasons: Vec<String>,
    pub partial: bool,
    pub assessment: Option<storage::churn::winback::Assessment>,
    pub history: Vec<storage::churn::winback::AssessmentEvent>,
    pub tasks: Vec<storage::churn::winback::WinbackTask>,
}

impl App {
    pub async fn loyalty_settings(&self) -> Result<LoyaltySettings, AppError> {
        fn read<T: serde::de::DeserializeOwned + Default>(v: Option<String>) -> T {
            v.and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default()
        }
        Ok(LoyaltySettings {
            loyalty: read(self.store.setting(THRESHOLDS_KEY).await?),
            churn: read(self.store.setting(CHURN_KEY).await?),
        })
    }

    /// Save both settings after checking every field; nothing is saved when one is wrong.
    pub async fn set_loyalty_settings(
        &self,
        actor: &Actor,
        s: &LoyaltySettings,
    ) -> Result<(), AppError> {
        actor.require(Permission::ManageCases)?;
        let lang = actor.lang;
        let mut fields = Vec::new();
        if let Err(e) = s.loyalty.check() {
            fields.push(FieldError::new(
                format!("loyalty.{}", e.field),
                lang.pick(&e.zh, &e.en),
            ));
        }
        if let Err(e) = s.churn.check() {
            fields.push(FieldError::new(
                format!("churn.{}", e.field),
                lang.pick(&e.zh, &e.en),
            ));
        }
        if !fields.is_empty() {
            return Err(AppError::invalid(lang, fields));
        }
        let loyalty = serde_json::to_string(&s.loyalty).map_err(AppError::internal)?;
        let churn = serde_json::to_string(&s.churn).map_err(AppError::internal)?;
        self.store.set_setting(THRESHOLDS_KEY, &loyalty).await?;
        self.store.set_setting(CHURN_KEY, &churn).await?;
        self.store
            .audit(&actor.username, "update", "settings", "loyalty", "")
            .await?;
        Ok(())
    }

    /// The newest finished classification.
    pub async fn latest_loyalty_run(&self, actor: &Actor) -> Result<Option<AnalysisRun>, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        Ok(self.store.latest_analysis_run(LOYALTY_RUN).await?)
    }

    /// Counts and value per type, previous type, status and top 20 %.
    pub async fn loyalty_mix(&self, actor: &Actor) -> Result<Vec<MixRow>, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        Ok(self.store.loyalty_mix().await?)
    }

    /// Customers with their type, by value at risk, and how many match (counted at most once a
    /// minute per filter: a count walks every matching profile).
    pub async fn loyalty_customers(
        &self,
        actor: &Actor,
        filter: &ProfileFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ProfileRow>, i64), AppError> {
        self.check_loyalty_filter(actor, filter)?;
        let key = format!("{filter:?}");
        let cached = self.loyalty_counts.lock().ok().and_then(|m| {
            m.get(&key)
                .filter(|(at, _)| at.elapsed() < COUNT_TTL)
                .map(|(_, n)| *n)
        });
        let total = match cached {
            Some(n) => n,
            None => {
                let n = self.store.count_loyalty_profiles(filter).await?;
                if let Ok(mut m) = self.loyalty_counts.lock() {
                    if m.len() > 1000 {
                        m.clear();
                    }
                    m.insert(key, (std::time::Instant::now(), n));
                }
                n
            }
        };
        let rows = self.store.loyalty_profiles(filter, limit, offset).await?;
        Ok((rows, total))
    }

    fn check_loyalty_filter(&self, actor: &Actor, filter: &ProfileFilter) -> Result<(), AppError> {
        actor.require(Permission::ViewAnalytics)?;
        if let Some(t) = &filter.loyalty_type {
            if domain::loyalty::LoyaltyType::parse(t).is_none() {
                return Err(AppError::field(
                    actor.lang,
                    "type",
                    say(actor.lang, "未知的忠诚类型", "unknown loyalty type"),
                ));
            }
        }
        for s in &filter.churn_status {
            if domain::churn::Status::parse(s).is_none() {
                return Err(AppError::field(
                    actor.lang,
                    "status",
                    say(actor.lang, "未知的流失状态", "unknown churn status"),
                ));
            }
        }
        Ok(())
    }

    /// One customer's type with its reasons and advice, churn assessment with its history, and
    /// win-back tasks (anyone who may see the customer).
    pub async fn customer_loyalty(
        &self,
        actor: &Actor,
        customer_id: i64,
    ) -> Result<CustomerLoyalty, AppError> {
        actor.require(Permission::ViewCustomers)?;
        let lang = actor.lang;
        let filter = storage::churn::winback::TaskFilter {
            customer_id: Some(customer_id),
            ..Default::default()
        };
        let (profile, assessment, history, tasks) = tokio::try_join!(
            self.store.loyalty_profile(customer_id),
            self.store.churn_assessment(customer_id),
            self.store.churn_assessment_events(customer_id),
            self.store.winback_tasks(&filter, 50),
        )?;
        let t = profile
            .as_ref()
            .and_then(|p| domain::loyalty::LoyaltyType::parse(&p.loyalty_type));
        let reasons: Vec<String> = profile
            .as_ref()
            .map(|p| p.reasons.iter().map(|r| r.text(lang)).collect())
            .unwrap_or_default();
        Ok(CustomerLoyalty {
            type_label: t.map(|t| t.label(lang).to_string()).unwrap_or_default(),
            advice: t.map(|t| t.advice(lang).to_string()).unwrap_or_default(),
            partial: t.is_some_and(|t| !t.is_full()),
            reasons,
            profile,
            assessment,
            history,
            tasks,
        })
    }

    pub async fn saved_segments(&self, actor: &Actor) -> Result<Vec<SavedSegment>, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        Ok(self.store.saved_segments().await?)
    }

    /// Save a filter of the loyalty list under a name.
    pub async fn save_segment(
        &self,
        actor: &Actor,
        name: &str,
        filter: &SegmentFilter,
    ) -> Result<i64, AppError> {
        actor.require(Permission::RunAnalytics)?;
        let lang = actor.lang;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(AppError::field(
                lang,
                "name",
                say(lang, "名称应为 1–100 个字符", "a name of 1–100 characters"),
            ));
        }
        self.loyalty_customers(actor, &filter.to_filter(), 1, 0)
            .await?;
        let def = serde_json::to_value(filter).map_err(AppError::internal)?;
        let id = self
            .store
            .create_saved_segment(name, &def, &actor.username)
            .await
            .map_err(|e| match e {
                storage::StoreError::Duplicate(_) => AppError::field(
                    lang,
                    "name",
                    say(lang, "已有同名细分", "a segment of that name exists"),
                ),
                e => e.into(),
            })?;
        self.forget_home_scopes();
        Ok(id)
    }

    /// A saved segment's filter.
    pub async fn saved_segment_filter(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<SegmentFilter, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        let s = self.store.saved_segment(id).await.map_err(|e| match e {
            storage::StoreError::NotFound => AppError::not_found(actor.lang, "segment"),
            e => e.into(),
        })?;
        Ok(serde_json::from_value(s.definition).unwrap_or_default())
    }

    /// The customer-list filter of a saved segment (its customers, by value at risk).
    pub async fn segment_customer_filter(
        &self,
        actor: &Actor,
        id: Option<i64>,
    ) -> Result<Option<ProfileFilter>, AppError> {
        match id {
            Some(id) => Ok(Some(
                self.saved_segment_filter(actor, id).await?.to_filter(),
            )),
            None => Ok(None),
        }
    }

    /// Valuable customers at risk or gone without an open win-back task, by value at risk
    /// (total spend × the chance they are gone).
    pub async fn winback_candidates(
        &self,
        actor: &Actor,
        limit: i64,
    ) -> Result<(Vec<ProfileRow>, i64), AppError> {
        let f = ProfileFilter {
            churn_status: vec!["at_risk".into(), "churned".into()],
            min_value_at_risk: Some(0.01),
            without_open_task: true,
            ..ProfileFilter::default()
        };
        self.loyalty_customers(actor, &f, limit.clamp(1, 1000), 0)
            .await
    }

    /// The customers of a filter with their type, status and reasons, as a file, by value at
    /// risk as the list shows them.
    pub async fn export_loyalty_customers(
        &self,
        actor: &Actor,
        filter: &SegmentFilter,
        format: &str,
    ) -> Result<crate::churn::results::Download, AppError> {
        self.loyalty_export(actor, filter, format, false)
            .await?
            .finish()
            .map_err(AppError::internal)
    }

    /// The same export written, unfinished (the CLI moves it into place): by customer id when
    /// `by_customer` (a whole-base table: several times faster to read).
    pub async fn loyalty_export(
        &self,
        actor: &Actor,
        filter: &SegmentFilter,
        format: &str,
        by_customer: bool,
    ) -> Result<crate::churn::results::FileExport, AppError> {
        actor.require(Permission::ExportAll)?;
        let lang = actor.lang;
        self.check_loyalty_filter(actor, &filter.to_filter())?;
        let headers = [
            "customer_id",
            "name",
            "segment",
            "loyalty_type",
            "loyalty_type_name",
            "attachment",
            "repeat_high",
            "churn_status",
            "value_at_risk",
            "clv",
            "total_spend",
            "p_alive",
            "reasons",
        ];
        let numeric = [
            "attachment",
            "value_at_risk",
            "clv",
            "total_spend",
            "p_alive",
        ];
        let mut file = crate::churn::results::FileExport::create(
            "loyalty-customers",
            &headers,
            &numeric,
            format,
        )
        .map_err(|e| AppError::field(lang, "format", e))?;
        let mut row = |r: ProfileRow| {
            let p = &r.profile;
            let t = domain::loyalty::LoyaltyType::parse(&p.loyalty_type);
            let reasons = &p.reasons;
            file.row(&[
                r.external_id.clone(),
                r.name.clone(),
                r.segment.clone(),
                p.loyalty_type.clone(),
                t.map(|t| t.label(lang).to_string()).unwrap_or_default(),
                p.attachment
                    .map(|a| domain::loyalty::fixed(a, 1))
                    .unwrap_or_default(),
                p.repeat_high
                    .map(|b| u8::from(b).to_string())
                    .unwrap_or_default(),
                domain::churn::Status::parse(&p.churn_status)
                    .map(|s| s.label(lang).to_string())
                    .unwrap_or_default(),
                domain::loyalty::fixed(p.value_at_risk, 2),
                domain::loyalty::fixed(p.clv, 2),
                domain::loyalty::fixed(r.total_spend, 2),
                domain::loyalty::fixed(r.p_alive, 4),
                domain::loyalty::reasons_text(reasons, lang, "; "),
            ]);
        };
        let f = filter.to_filter();
        if by_customer {
            self.store
                .for_each_loyalty_profile_by_customer(&f, &mut row)
                .await?;
        } else {
            self.store.for_each_loyalty_profile(&f, &mut row).await?;
        }
        Ok(file)
    }

    pub async fn delete_segment(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.require(Permission::RunAnalytics)?;
        self.store
            .delete_saved_segment(id, &actor.username)
            .await
            .map_err(|e| match e {
                storage::StoreError::NotFound => AppError::not_found(actor.lang, "segment"),
                e => e.into(),
            })?;
        self.forget_home_scopes();
        Ok(())
    }
}

/// A segment's filter as saved (and as the list's query string carries it).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SegmentFilter {
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub loyalty_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub segment: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub top20: bool,
}

impl SegmentFilter {
    pub fn to_filter(&self) -> ProfileFilter {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        ProfileFilter {
            loyalty_type: some(&self.loyalty_type),
            churn_status: self
                .status
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            segment: some(&self.segment),
            top20: self.top20,
            ..ProfileFilter::default()
        }
    }
}
