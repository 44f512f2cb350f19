//! Customer care automation (SPEC.md §6): rules staff write (a trigger, conditions on the
//! customer, actions), found occurrences fired once each (`storage::care::fire`: the firing and
//! its effects in one transaction, keyed by rule and occurrence), daily triggers swept for every
//! company-local day since the last sweep (so downtime is caught up, never doubled), event
//! triggers (a low answer) fired as the event happens, dry runs that record whom a rule would hit
//! and change nothing else. E-mails and webhooks go through the outbox (`outbox`).

mod demo;
pub mod outbox;
mod tasks;

use crate::say;
use crate::{Actor, App, AppError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::access::Permission;
use domain::care::{Action, Mode, Recipient, RuleSpec, Trigger};
use domain::{ErrorCode, Lang};
use serde_json::json;
use std::collections::BTreeMap;
use storage::care::{Candidate, CandidateQuery, CareRule, Effect, Firing, FiringStats};

/// Days after a resolution that the built-in follow-up visit is due.
pub const FOLLOW_UP_DAYS: i64 = domain::care::FOLLOW_UP_DAYS as i64;

/// The settings key that records the built-in follow-up rule was made (once: a company that
/// deletes it does not get it back).
const FOLLOW_UP_RULE_KEY: &str = "care.follow_up_rule";

/// Days a sweep catches up at most after downtime.
const CATCH_UP_DAYS: i64 = 30;

/// A rule with what its firings did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleView {
    #[serde(flatten)]
    pub rule: CareRule,
    pub stats: FiringStats,
}

/// An occurrence a trigger found: its key, the customer, and the template values it adds.
type Found = (String, Candidate, Vec<(&'static str, String)>);

/// Someone a rule would hit (a dry run's answer).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    pub occurrence: String,
    pub customer_id: i64,
    pub external_id: String,
    pub name: String,
}

fn store_err(e: storage::StoreError, lang: domain::Lang) -> AppError {
    match e {
        storage::StoreError::NotFound => AppError::not_found(lang, "care rule"),
        e => e.into(),
    }
}

/// A rule's saved-segment condition as read: none, the segment's filter, or a segment that is
/// gone (no one meets it).
#[derive(Debug, Clone, PartialEq)]
enum SavedCondition {
    None,
    Filter(crate::loyalty::SegmentFilter),
    Gone,
}

impl SavedCondition {
    fn holds(&self, c: &Candidate) -> bool {
        match self {
            SavedCondition::None => true,
            SavedCondition::Gone => false,
            SavedCondition::Filter(f) => {
                (f.loyalty_type.is_empty() || c.loyalty_type == f.loyalty_type)
                    && (f.segment.is_empty() || c.segment == f.segment)
                    && (!f.top20 || c.top20)
                    && (f.status.trim().is_empty()
                        || f.status.split(',').any(|s| s.trim() == c.churn_status))
            }
        }
    }
}

/// Whether a candidate meets a rule's conditions.
fn meets(c: &Candidate, spec: &RuleSpec, saved: &SavedCondition) -> bool {
    let k = &spec.conditions;
    saved.holds(c)
        && (k.segment.is_empty() || c.segment == k.segment)
        && (k.tag.is_empty() || c.tags.contains(&k.tag))
        && (k.channel.is_empty() || c.channel == k.channel)
        && (k.region.is_empty() || c.region == k.region)
        && k.min_clv.is_none_or(|m| c.clv.unwrap_or(0.0) >= m)
}

/// The page an occurrence is about: the complaint, or the customer.
fn link(c: &Candidate, spec: &RuleSpec) -> String {
    if spec.trigger.about_complaint() {
        format!("/complaints/{}", c.about)
    } else {
        format!("/customers/{}", c.customer_id)
    }
}

/// A rule's user name for a candidate: [`domain::care::AGENT`] is whoever works the complaint
/// (none: the action is skipped).
fn user_for(name: &str, c: &Candidate) -> Option<String> {
    if name.trim() == domain::care::AGENT {
        (!c.agent.is_empty()).then(|| c.agent.clone())
    } else {
        Some(name.trim().to_string())
    }
}

/// How a lapsed customer's birthday is named in the values (an important date keeps the label
/// the company gave it).
const BIRTHDAY: &str = "生日";

/// The template values as a reader of `lang` reads them.
fn localized<'a>(vals: &BTreeMap<&'a str, String>, lang: Lang) -> BTreeMap<&'a str, String> {
    let mut v = vals.clone();
    if lang == Lang::En {
        if let Some(label) = v.get_mut("date_label").filter(|l| l.as_str() == BIRTHDAY) {
            *label = "birthday".into();
        }
    }
    v
}

/// The template values of a candidate.
fn values<'a>(
    c: &Candidate,
    spec: &'a RuleSpec,
    extra: &[(&'a str, String)],
) -> BTreeMap<&'a str, String> {
    let mut v = BTreeMap::new();
    v.insert("name", c.name.clone());
    v.insert("customer_id", c.external_id.clone());
    v.insert("days", spec.days.to_string());
    v.insert("rule", spec.name.clone());
    v.insert("link", link(c, spec));
    v.insert("loyalty_type", c.loyalty_type.clone());
    if let Some(p) = c.p_alive {
        v.insert("p_alive", format!("{p:.2}"));
    }
    for (k, x) in extra {
        v.insert(k, x.clone());
    }
    v
}

/// The effects of a rule's actions on one candidate.
fn effects(
    spec: &RuleSpec,
    c: &Candidate,
    vals: &BTreeMap<&str, String>,
    now: DateTime<Utc>,
    rule_id: i64,
    occurrence: &str,
) -> Vec<Effect> {
    let r = |t: &str| domain::care::render(t, vals);
    spec.actions
        .iter()
        .filter_map(|a| match a {
            Action::Task {
                assignee,
                due_days,
                title,
            } => Some(Effect::Task {
                assignee: user_for(assignee, c)?,
                title: r(title),
                due_at: domain::time::to_stored(now + Duration::days(i64::from(*due_days))),
                complaint_id: spec.trigger.about_complaint().then_some(c.about),
                kind: if spec.trigger == Trigger::ComplaintResolved {
                    "follow_up"
                } else {
                    "care"
                }
                .into(),
            }),
            Action::Tag { tag } => Some(Effect::Tag(tag.clone())),
            Action::Notify { username, text } => Some(Effect::Notify {
                username: user_for(username, c)?,
                text: r(text),
                link: link(c, spec),
            }),
            Action::Email {
                to,
                subject,
                body,
                subject_en,
                body_en,
            } => {
                // The text of a language, its placeholders filled in that language.
                let text = |lang: Lang| {
                    let (s, b) = domain::care::email_text(lang, subject, body, subject_en, body_en);
                    let vals = localized(vals, lang);
                    let r = |t: &str| domain::care::render(t, &vals);
                    json!({"subject": r(s), "body": r(b)})
                };
                let (target, payload) = match to {
                    Recipient::Customer
                        if !c.email.is_empty() && c.consent.iter().any(|x| x == "email") =>
                    {
                        // The customer's language, else the company's (Chinese).
                        let lang = Lang::parse(&c.lang).unwrap_or_default();
                        let mut p = text(lang);
                        p["lang"] = json!(lang.code());
                        (c.email.clone(), p)
                    }
                    Recipient::Customer => return None,
                    Recipient::User { username } => {
                        // Both texts: the sender picks the user's language.
                        let mut p = text(Lang::ZhCn);
                        p["en"] = text(Lang::En);
                        (format!("user:{}", user_for(username, c)?), p)
                    }
                };
                Some(Effect::Outbox {
                    kind: "email".into(),
                    target,
                    payload,
                })
            }
            Action::Webhook { url, secret, shape } => Some(Effect::Outbox {
                kind: "webhook".into(),
                target: url.clone(),
                payload: json!({
                    "shape": shape.code(),
                    "secret": secret,
                    "event": {
                        "rule_id": rule_id,
                        "rule": spec.name,
                        "trigger": spec.trigger.code(),
                        "occurrence": occurrence,
                        "customer": {"id": c.external_id, "name": c.name},
                        "values": vals,
                        "at": domain::time::to_stored(now),
                    },
                }),
            }),
        })
        .collect()
}

impl App {
    fn care_spec(rule: &CareRule) -> Option<RuleSpec> {
        serde_json::from_value(rule.spec.clone()).ok()
    }

    /// A rule's saved-segment condition.
    async fn saved_condition(&self, spec: &RuleSpec) -> Result<SavedCondition, AppError> {
        let Some(id) = spec.conditions.saved_segment else {
            return Ok(SavedCondition::None);
        };
        match self.store.saved_segment(id).await {
            Ok(s) => Ok(SavedCondition::Filter(
                serde_json::from_value(s.definition).unwrap_or_default(),
            )),
            Err(storage::StoreError::NotFound) => Ok(SavedCondition::Gone),
            Err(e) => Err(e.into()),
        }
    }

    /// This server's own addresses, which a webhook may not call.
    fn own_hosts(&self) -> Vec<String> {
        self.own_hosts.lock().map(|h| h.clone()).unwrap_or_default()
    }

    pub async fn care_rules(&self, actor: &Actor) -> Result<Vec<RuleView>, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        let mut out = Vec::new();
        for rule in self.store.care_rules().await? {
            let stats = self.store.care_stats(rule.id).await?;
            out.push(RuleView { rule, stats });
        }
        Ok(out)
    }

    pub async fn care_rule(&self, actor: &Actor, id: i64) -> Result<RuleView, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        let rule = self
            .store
            .care_rule(id)
            .await
            .map_err(|e| store_err(e, actor.lang))?;
        let stats = self.store.care_stats(id).await?;
        Ok(RuleView { rule, stats })
    }

    /// The ready rules, in the reader's language, for the managers to start from.
    pub fn care_templates(&self, actor: &Actor) -> Vec<RuleSpec> {
        domain::care::templates(actor.lang, &actor.username)
    }

    async fn check_rule(&self, actor: &Actor, spec: &RuleSpec) -> Result<(), AppError> {
        let mail = self.smtp_settings().await?.is_some();
        let mut errs = spec
            .check(&self.own_hosts(), mail)
            .err()
            .unwrap_or_default();
        let teams = self.store.teams().await?;
        for (i, a) in spec.actions.iter().enumerate() {
            if let Action::Task { assignee, .. } = a {
                if let Some(team) = assignee.trim().strip_prefix("team:") {
                    if !teams.iter().any(|t| t.name == team) {
                        errs.push(domain::FieldError::new(
                            format!("actions[{i}].assignee"),
                            match actor.lang {
                                domain::Lang::ZhCn => format!("没有名为“{team}”的小组"),
                                domain::Lang::En => format!("no team named '{team}'"),
                            },
                        ));
                    }
                }
            }
        }
        if self.saved_condition(spec).await? == SavedCondition::Gone {
            errs.push(domain::FieldError::new(
                "conditions.saved_segment",
                say(
                    actor.lang,
                    "没有这个已保存的客户群",
                    "no such saved segment",
                ),
            ));
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid(actor.lang, errs))
        }
    }

    pub async fn create_care_rule(&self, actor: &Actor, spec: &RuleSpec) -> Result<i64, AppError> {
        actor.require(Permission::ManageCases)?;
        self.check_rule(actor, spec).await?;
        let value = serde_json::to_value(spec).map_err(AppError::internal)?;
        self.store
            .create_care_rule(
                spec.name.trim(),
                spec.trigger.code(),
                spec.mode.code(),
                &value,
                &actor.username,
            )
            .await
            .map_err(|e| match e {
                storage::StoreError::Duplicate(_) => AppError::field(
                    actor.lang,
                    "name",
                    say(actor.lang, "已有同名规则", "a rule of that name exists"),
                ),
                e => e.into(),
            })
    }

    pub async fn update_care_rule(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        spec: &RuleSpec,
    ) -> Result<i64, AppError> {
        actor.require(Permission::ManageCases)?;
        self.check_rule(actor, spec).await?;
        let value = serde_json::to_value(spec).map_err(AppError::internal)?;
        self.store
            .update_care_rule(
                id,
                version,
                spec.name.trim(),
                spec.mode.code(),
                &value,
                &actor.username,
            )
            .await
            .map_err(|e| store_err(e, actor.lang))
    }

    pub async fn delete_care_rule(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.require(Permission::ManageCases)?;
        self.store
            .delete_care_rule(id, &actor.username)
            .await
            .map_err(|e| store_err(e, actor.lang))
    }

    /// Make the built-in follow-up rule the first time the store is opened (in the company's
    /// language, zh-CN; an older store's follow-up days carry over).
    pub async fn ensure_follow_up_rule(&self) -> Result<(), AppError> {
        if self.store.setting(FOLLOW_UP_RULE_KEY).await?.is_some() {
            return Ok(());
        }
        let mut spec = domain::care::follow_up_rule(domain::Lang::ZhCn);
        if let Some(days) = self
            .store
            .setting("complaints")
            .await?
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["follow_up_days"].as_u64())
            .filter(|d| (1..=365).contains(d))
        {
            spec.days = days as u32;
        }
        if self
            .store
            .setting_or_init(FOLLOW_UP_RULE_KEY, || "pending".into())
            .await?
            != "pending"
        {
            return Ok(());
        }
        let value = serde_json::to_value(&spec).map_err(AppError::internal)?;
        match self
            .store
            .create_care_rule(
                &spec.name,
                spec.trigger.code(),
                spec.mode.code(),
                &value,
                "system",
            )
            .await
        {
            Ok(_) | Err(storage::StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e.into()),
        }
        self.store.set_setting(FOLLOW_UP_RULE_KEY, "made").await?;
        Ok(())
    }

    /// The first switched-on follow-up rule's day for a complaint resolved at `resolved_at`
    /// (company-local `YYYY-MM-DD`) and the rule's name.
    pub(crate) async fn planned_follow_up(
        &self,
        resolved_at: Option<&str>,
    ) -> Result<Option<(String, String)>, AppError> {
        let Some(at) = resolved_at.and_then(|t| domain::time::parse_instant(t).ok()) else {
            return Ok(None);
        };
        let offset = self.company_offset().await;
        let day = domain::time::wall_clock(at, offset).date();
        Ok(self
            .store
            .care_rules()
            .await?
            .iter()
            .filter_map(|r| Some((r, Self::care_spec(r)?)))
            .filter(|(_, s)| s.trigger == Trigger::ComplaintResolved && s.mode == Mode::On)
            .map(|(r, s)| {
                (
                    (day + Duration::days(i64::from(s.days))).to_string(),
                    r.name.clone(),
                )
            })
            .min())
    }

    /// The company's offset from UTC (its service-hours setting), in minutes.
    pub async fn company_offset(&self) -> i32 {
        self.complaint_settings()
            .await
            .map(|s| s.hours.utc_offset_minutes)
            .unwrap_or(480)
    }

    /// Candidates of a daily trigger on company-local `day`.
    async fn daily_candidates(
        &self,
        spec: &RuleSpec,
        day: NaiveDate,
        offset: i32,
        now: DateTime<Utc>,
    ) -> Result<Vec<Found>, AppError> {
        let limit = i64::from(spec.daily_limit) * 4 + 100;
        let start = |d: NaiveDate| domain::time::to_stored(domain::time::day_start(d, offset));
        let days = i64::from(spec.days);
        let q = match spec.trigger {
            Trigger::LapsedDate => CandidateQuery::Dates {
                mmdd: day.format("-%m-%d").to_string(),
                lapsed_before: (day - Duration::days(days)).to_string(),
            },
            Trigger::ComplaintResolved => {
                let d = day - Duration::days(days);
                CandidateQuery::Resolved {
                    from: start(d),
                    to: start(d + Duration::days(1)),
                }
            }
            Trigger::EnteredSegment => CandidateQuery::Top20,
            Trigger::ValueAtRisk => CandidateQuery::AtRisk {
                below: spec.threshold,
            },
            Trigger::LoyaltyChanged => CandidateQuery::TypeChanged,
            Trigger::SlaBreach => CandidateQuery::Breached {
                now: domain::time::to_stored(now),
            },
            Trigger::LowAnswer => return Ok(Vec::new()),
        };
        let quarter = format!(
            "{}-q{}",
            chrono::Datelike::year(&day),
            (chrono::Datelike::month(&day) - 1) / 3 + 1
        );
        let mmdd = day.format("-%m-%d").to_string();
        let mut out = Vec::new();
        for c in self.store.care_candidates(&q, limit).await? {
            let id = c.customer_id;
            let (occurrence, extra): (String, Vec<(&'static str, String)>) = match spec.trigger {
                Trigger::LapsedDate => {
                    let label = if c.birthday.ends_with(&mmdd) {
                        Some(BIRTHDAY.to_string())
                    } else {
                        c.important_dates
                            .iter()
                            .find(|(_, d)| d.ends_with(&mmdd))
                            .map(|(k, _)| k.clone())
                    };
                    let Some(label) = label else { continue };
                    (format!("customer:{id}:{day}"), vec![("date_label", label)])
                }
                Trigger::ComplaintResolved | Trigger::SlaBreach => (
                    format!("complaint:{}", c.about),
                    vec![("complaint_id", c.about.to_string())],
                ),
                Trigger::EnteredSegment => (format!("customer:{id}"), vec![]),
                Trigger::ValueAtRisk => (format!("customer:{id}:{quarter}"), vec![]),
                Trigger::LoyaltyChanged => (format!("customer:{id}:run:{}", c.about), vec![]),
                Trigger::LowAnswer => continue,
            };
            out.push((occurrence, c, extra));
        }
        Ok(out)
    }

    /// Whom a rule would hit today (nothing is recorded or changed).
    pub async fn dry_run_care_rule(&self, actor: &Actor, id: i64) -> Result<Vec<Hit>, AppError> {
        let view = self.care_rule(actor, id).await?;
        let spec = Self::care_spec(&view.rule)
            .ok_or_else(|| AppError::new(ErrorCode::Internal, actor.lang))?;
        let offset = self.company_offset().await;
        let now = Utc::now();
        let today = domain::time::wall_clock(now, offset).date();
        let saved = self.saved_condition(&spec).await?;
        Ok(self
            .daily_candidates(&spec, today, offset, now)
            .await?
            .into_iter()
            .filter(|(_, c, _)| meets(c, &spec, &saved))
            .take(spec.daily_limit as usize)
            .map(|(occurrence, c, _)| Hit {
                occurrence,
                customer_id: c.customer_id,
                external_id: c.external_id,
                name: c.name,
            })
            .collect())
    }

    /// Fire a rule for its candidates, within its daily limit; returns how many fired and
    /// whether the limit stopped it.
    async fn fire_candidates(
        &self,
        rule: &CareRule,
        spec: &RuleSpec,
        found: Vec<Found>,
        now: DateTime<Utc>,
    ) -> Result<(usize, bool), AppError> {
        let dry = spec.mode == Mode::DryRun;
        let since = domain::time::to_stored(now - Duration::days(1));
        let mut left = i64::from(spec.daily_limit)
            - self.store.care_firings_since(rule.id, &since, dry).await?;
        let mut fired = 0;
        let saved = self.saved_condition(spec).await?;
        for (occurrence, c, extra) in found.into_iter().filter(|(_, c, _)| meets(c, spec, &saved)) {
            if left <= 0 {
                return Ok((fired, true));
            }
            let vals = values(&c, spec, &extra);
            let f = Firing {
                rule_id: rule.id,
                occurrence: occurrence.clone(),
                customer_id: (c.customer_id > 0).then_some(c.customer_id),
                dry_run: dry,
                detail: json!({"customer": c.external_id, "name": c.name}),
                effects: effects(spec, &c, &vals, now, rule.id, &occurrence),
            };
            if self.store.fire(&f).await?.is_some() {
                fired += 1;
                left -= 1;
            }
        }
        Ok((fired, false))
    }

    /// Sweep the daily triggers of every rule that is on or in dry run: each company-local day
    /// since the rule was last swept (at most [`CATCH_UP_DAYS`]) through today. Returns the
    /// number of firings.
    pub async fn sweep_care(&self, now: DateTime<Utc>) -> Result<usize, AppError> {
        let offset = self.company_offset().await;
        let today = domain::time::wall_clock(now, offset).date();
        let mut fired = 0;
        for rule in self.store.care_rules().await? {
            let Some(spec) = Self::care_spec(&rule) else {
                continue;
            };
            if spec.mode == Mode::Off || spec.trigger == Trigger::LowAnswer {
                continue;
            }
            let from = NaiveDate::parse_from_str(&rule.swept_through, "%Y-%m-%d")
                .map(|d| d + Duration::days(1))
                .unwrap_or(today)
                .max(today - Duration::days(CATCH_UP_DAYS));
            let mut day = from;
            while day <= today {
                let found = self.daily_candidates(&spec, day, offset, now).await?;
                let (n, limited) = self.fire_candidates(&rule, &spec, found, now).await?;
                fired += n;
                if limited {
                    // The limit counts the last 24 hours: the days still to catch up would be
                    // refused too. Said once, when this sweep reached it (not every minute after).
                    if n > 0 {
                        tracing::warn!(rule = rule.id, %day, "care rule reached its daily limit");
                    }
                    break;
                }
                day += Duration::days(1);
            }
            // Today stays open: later changes today (a complaint resolved) still count.
            self.store
                .set_care_swept(rule.id, &(today - Duration::days(1)).to_string())
                .await?;
        }
        Ok(fired)
    }

    /// A submitted survey answer (through invitation `invitation_id`): the low-answer rules look
    /// at it, once per invitation.
    pub async fn care_on_answer(
        &self,
        invitation_id: i64,
        customer_id: i64,
        satisfaction: f64,
    ) -> Result<usize, AppError> {
        let Some(c) = self.store.care_candidate(customer_id).await? else {
            return Ok(0);
        };
        let now = Utc::now();
        let mut fired = 0;
        for rule in self.store.care_rules().await? {
            let Some(spec) = Self::care_spec(&rule) else {
                continue;
            };
            if spec.mode == Mode::Off
                || spec.trigger != Trigger::LowAnswer
                || satisfaction >= spec.threshold
            {
                continue;
            }
            let found = vec![(
                format!("answer:{invitation_id}"),
                c.clone(),
                vec![("score", format!("{satisfaction:.0}"))],
            )];
            let (n, limited) = self.fire_candidates(&rule, &spec, found, now).await?;
            if limited {
                tracing::debug!(
                    rule = rule.id,
                    "care rule at its daily limit: an answer left out"
                );
            }
            fired += n;
        }
        Ok(fired)
    }

    /// Add the `index`-th ready rule (in dry run); its name says which.
    pub async fn add_care_template(&self, actor: &Actor, index: usize) -> Result<i64, AppError> {
        let spec = self
            .care_templates(actor)
            .into_iter()
            .nth(index)
            .ok_or_else(|| AppError::not_found(actor.lang, "care rule template"))?;
        self.create_care_rule(actor, &spec).await
    }

    /// Switch a rule off, to a dry run, or on (at `version`).
    pub async fn set_care_mode(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        mode: &str,
    ) -> Result<i64, AppError> {
        let view = self.care_rule(actor, id).await?;
        let mut spec = Self::care_spec(&view.rule)
            .ok_or_else(|| AppError::new(ErrorCode::Internal, actor.lang))?;
        spec.mode = Mode::parse(mode).ok_or_else(|| {
            AppError::field(
                actor.lang,
                "mode",
                say(actor.lang, "停用、试运行或启用", "off, dry_run or on"),
            )
        })?;
        self.update_care_rule(actor, id, version, &spec).await
    }

    /// A rule's latest firings.
    pub async fn care_firings(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<(i64, String, Option<i64>, bool, String, serde_json::Value)>, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        Ok(self.store.care_firings(id, 50).await?)
    }
}
