//! Satisfaction measurement (SPEC.md §2): survey projects with a questionnaire from a template
//! (or the analyst's own), waves sent to a random sample (by segment, size, and leaving out
//! customers surveyed recently; a wave can be a pre-test), one personal link per sampled
//! customer (`links`), the public form's reads and writes through that link only, the results
//! of a wave (`results`: the simple measures, the PLS path model with the CSI and element
//! indices, importance–performance, satisfaction against later purchases) and PDCA action
//! plans. `pls` fits a model on an answers file for the CLI.

mod demo;
pub mod invite;
pub mod links;
pub mod pls;
pub mod results;
mod results_export;
pub mod scores;

use crate::{Actor, App, AppError};
use domain::access::Permission;
use domain::surveys::{Answers, Questionnaire};
use domain::{ErrorCode, FieldError, Lang};
use serde::{Deserialize, Serialize};
use serde_json::json;
use storage::surveys::{ActionPlan, Invitation, InvitationRow, NewSurvey, Survey, Wave};

/// What a new survey needs: a template code, or a whole questionnaire.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SurveyInput {
    pub name: String,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub target_segment: String,
    #[serde(default)]
    pub template: String,
    #[serde(default)]
    pub questionnaire: Option<Questionnaire>,
}

/// A wave to send: who (segment, sample size, not surveyed in the last `exclude_days`), and
/// how long its links stay valid.
#[derive(Debug, Clone, Deserialize)]
pub struct WaveInput {
    pub name: String,
    #[serde(default)]
    pub pretest: bool,
    #[serde(default)]
    pub segment: String,
    pub size: i64,
    #[serde(default = "default_exclude")]
    pub exclude_days: i64,
    #[serde(default = "default_valid")]
    pub valid_days: i64,
    /// Also take anonymous answers through one open link (rate-limited, with a spam guard).
    #[serde(default)]
    pub open_link: bool,
}

fn default_exclude() -> i64 {
    90
}
fn default_valid() -> i64 {
    30
}

pub const MAX_WAVE: i64 = 200_000;

/// A survey with its waves and plans.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyDetail {
    pub survey: Survey,
    #[serde(skip)]
    pub questionnaire: Questionnaire,
    pub waves: Vec<Wave>,
    pub plans: Vec<ActionPlan>,
}

/// What e-mailing a wave did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EmailedWave {
    pub queued: usize,
    /// Sent before (each invitation is e-mailed once; a reminder once a day).
    pub already: usize,
    pub no_address: usize,
    pub no_consent: usize,
}

/// One invitation with its personal link (a path: `/s/{token}`).
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    #[serde(flatten)]
    pub invitation: InvitationRow,
    pub path: String,
    /// The invitation e-mail's delivery (`pending`, `sending`, `sent`, `failed`; empty when the
    /// link was not e-mailed).
    pub email_status: String,
}

/// What the public form shows.
#[derive(Debug, Clone)]
pub struct Form {
    pub questionnaire: Questionnaire,
    pub answers: Answers,
    pub expires_at: String,
    /// For an open link: the signed time the form was shown (sent back with the answers).
    pub open_stamp: Option<String>,
}

/// Answers one address may give through one wave's open link per hour.
pub const OPEN_ANSWERS_PER_HOUR: usize = 5;
/// Answers one browser (its cookie) may give through one wave's open link per hour: one person
/// answers once, maybe again after a slip; an office behind one address has its own browsers.
pub const OPEN_ANSWERS_PER_BROWSER: usize = 2;
/// An open form sent back sooner than this after it was shown is taken for a robot.
pub const OPEN_MIN_SECONDS: i64 = 3;

pub fn questionnaire_of(s: &Survey) -> Result<Questionnaire, AppError> {
    serde_json::from_value(s.questionnaire.clone()).map_err(AppError::internal)
}

/// A survey's or wave's name, trimmed; a missing or overlong one is added to `fields`.
fn checked_name<'a>(name: &'a str, fields: &mut Vec<FieldError>) -> &'a str {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        fields.push(FieldError::new("name", "1–200 characters"));
    }
    name
}

/// Answers checked against the questionnaire; the refusal names every bad item.
fn check_answers(
    q: &Questionnaire,
    answers: &Answers,
    complete: bool,
    lang: Lang,
) -> Result<(), AppError> {
    let Err(errors) = q.check_answers(answers, complete) else {
        return Ok(());
    };
    let fields: Vec<FieldError> = errors
        .into_iter()
        .map(|e| FieldError::new(e.item, e.reason.get(lang)))
        .collect();
    let list = fields
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    Err(AppError::new(ErrorCode::AnswersRejected, lang)
        .with_message(format!(
            "{} {list}",
            ErrorCode::AnswersRejected.message(lang)
        ))
        .with_details(json!({ "fields": fields })))
}

fn link_error(code: ErrorCode, lang: Lang) -> AppError {
    AppError::new(code, lang)
}

impl App {
    pub async fn create_survey(
        &self,
        actor: &Actor,
        input: SurveyInput,
    ) -> Result<Survey, AppError> {
        actor.require(Permission::ManageSurveys)?;
        let lang = actor.lang;
        let mut fields = Vec::new();
        let name = checked_name(&input.name, &mut fields);
        let q = match (&input.questionnaire, input.template.trim()) {
            (Some(q), _) => Some(q.clone()),
            (None, t) => {
                let q = domain::surveys::template(t);
                if q.is_none() {
                    fields.push(FieldError::new(
                        "template",
                        format!(
                            "unknown template '{t}' (one of {})",
                            domain::surveys::TEMPLATES.join(", ")
                        ),
                    ));
                }
                q
            }
        };
        if let Some(Err(e)) = q.as_ref().map(Questionnaire::check) {
            fields.push(FieldError::new("questionnaire", e.get(lang)));
        }
        let (Some(q), true) = (q, fields.is_empty()) else {
            return Err(AppError::invalid(lang, fields));
        };
        let value = serde_json::to_value(&q).map_err(AppError::internal)?;
        Ok(self
            .store
            .create_survey(&NewSurvey {
                name,
                purpose: input.purpose.trim(),
                target_segment: input.target_segment.trim(),
                template: input.template.trim(),
                questionnaire: &value,
                created_by: &actor.username,
            })
            .await?)
    }

    /// A stored survey, or "not found" naming it.
    async fn stored_survey(&self, id: i64, lang: Lang) -> Result<Survey, AppError> {
        self.store.survey(id).await.map_err(|e| match e {
            storage::StoreError::NotFound => AppError::not_found(lang, &format!("survey {id}")),
            other => other.into(),
        })
    }

    pub async fn surveys(&self, actor: &Actor) -> Result<Vec<(Survey, Vec<Wave>)>, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        let mut out = Vec::new();
        for s in self.store.surveys().await? {
            let waves = self.store.waves(s.id).await?;
            out.push((s, waves));
        }
        Ok(out)
    }

    pub async fn survey(&self, actor: &Actor, id: i64) -> Result<SurveyDetail, AppError> {
        actor.require(Permission::ViewAnalytics)?;
        let survey = self.stored_survey(id, actor.lang).await?;
        Ok(SurveyDetail {
            questionnaire: questionnaire_of(&survey)?,
            waves: self.store.waves(id).await?,
            plans: self.store.action_plans(id).await?,
            survey,
        })
    }

    /// Replace a survey's questionnaire (the builder). Only while every wave sent is a
    /// pre-test: answers already collected must keep the questions they answered.
    pub async fn set_questionnaire(
        &self,
        actor: &Actor,
        survey_id: i64,
        q: Questionnaire,
    ) -> Result<Survey, AppError> {
        actor.require(Permission::ManageSurveys)?;
        let lang = actor.lang;
        self.stored_survey(survey_id, lang).await?;
        if self
            .store
            .waves(survey_id)
            .await?
            .iter()
            .any(|w| !w.pretest)
        {
            return Err(AppError::field(
                lang,
                "questionnaire",
                match lang {
                    Lang::En => "a wave other than a pre-test has been sent: its answers keep these questions; create a new survey to change them",
                    Lang::ZhCn => "已发出正式（非预调查）批次，其答案对应现有题目；如需修改请新建调查",
                },
            ));
        }
        q.check()
            .map_err(|e| AppError::field(lang, "questionnaire", e.get(lang)))?;
        let value = serde_json::to_value(&q).map_err(AppError::internal)?;
        Ok(self
            .store
            .set_questionnaire(survey_id, &value, &actor.username)
            .await?)
    }

    /// Draw the sample and send the wave: one invitation (and so one link) per customer.
    pub async fn create_wave(
        &self,
        actor: &Actor,
        survey_id: i64,
        w: WaveInput,
    ) -> Result<Wave, AppError> {
        actor.require(Permission::ManageSurveys)?;
        let lang = actor.lang;
        self.stored_survey(survey_id, lang).await?;
        let mut fields = Vec::new();
        let name = checked_name(&w.name, &mut fields);
        let min_size = if w.open_link { 0 } else { 1 };
        if !(min_size..=MAX_WAVE).contains(&w.size) {
            fields.push(FieldError::new("size", format!("1–{MAX_WAVE} customers")));
        }
        if !(0..=3650).contains(&w.exclude_days) {
            fields.push(FieldError::new("exclude_days", "0–3650 days"));
        }
        if !(1..=365).contains(&w.valid_days) {
            fields.push(FieldError::new("valid_days", "1–365 days"));
        }
        if !fields.is_empty() {
            return Err(AppError::invalid(lang, fields));
        }
        let now = chrono::Utc::now();
        let not_since = if w.exclude_days > 0 {
            domain::time::to_stored(now - chrono::Duration::days(w.exclude_days))
        } else {
            String::new()
        };
        let expires_at = domain::time::to_stored(now + chrono::Duration::days(w.valid_days));
        let customers = if w.size > 0 {
            self.store
                .sample_customers(w.segment.trim(), &not_since, w.size)
                .await?
        } else {
            Vec::new()
        };
        if customers.is_empty() && !w.open_link {
            return Err(AppError::invalid(
                lang,
                vec![FieldError::new(
                    "segment",
                    "no customer matches (segment, or everyone was surveyed recently)",
                )],
            ));
        }
        let sample = json!({
            "segment": w.segment.trim(),
            "size": w.size,
            "drawn": customers.len(),
            "exclude_days": w.exclude_days,
            "valid_days": w.valid_days,
            "open_link": w.open_link,
        });
        Ok(self
            .store
            .create_wave(
                survey_id,
                name,
                (w.pretest, w.open_link),
                &sample,
                &expires_at,
                &customers,
                &actor.username,
            )
            .await?)
    }

    pub async fn close_wave(&self, actor: &Actor, wave_id: i64) -> Result<(), AppError> {
        actor.require(Permission::ManageSurveys)?;
        Ok(self.store.close_wave(wave_id, &actor.username).await?)
    }

    /// Every invitation of a wave with its personal link, for the company's own SMS, WeChat
    /// or mail.
    pub async fn wave_links(&self, actor: &Actor, wave_id: i64) -> Result<Vec<Link>, AppError> {
        actor.require(Permission::ManageSurveys)?;
        let secret = links::secret(&self.store).await?;
        let mail = self
            .store
            .mail_status(&format!("invite:{wave_id}:"))
            .await?;
        Ok(self
            .store
            .invitations(wave_id)
            .await?
            .into_iter()
            .map(|i| Link {
                path: format!("/s/{}", links::token(&secret, i.id, wave_id, i.customer_id)),
                email_status: mail
                    .get(&format!("invite:{wave_id}:{}", i.id))
                    .cloned()
                    .unwrap_or_default(),
                invitation: i,
            })
            .collect())
    }

    /// E-mail a wave's personal links (or, with `reminders`, a reminder to those who have not
    /// answered an open link yet) through the outbox: once per invitation (and per reminder
    /// round of the day), only to customers with an address who agreed to e-mail, each with an
    /// opt-out link. Reminders mark the invitations reminded.
    pub async fn email_wave(
        &self,
        actor: &Actor,
        wave_id: i64,
        base: &str,
        reminders: bool,
    ) -> Result<EmailedWave, AppError> {
        actor.require(Permission::ManageSurveys)?;
        let lang = actor.lang;
        if self.smtp_settings().await?.is_none() {
            return Err(AppError::field(
                lang,
                "smtp",
                lang.pick("尚未设置邮件（SMTP）", "e-mail (SMTP) is not set up"),
            ));
        }
        let now = domain::time::now_stored();
        let today = &now[..10];
        // The survey's name heads the e-mail (the wave's is the company's own bookkeeping).
        let title = match self.store.wave(wave_id).await {
            Ok(w) => self
                .store
                .survey(w.survey_id)
                .await
                .map(|s| s.name)
                .unwrap_or(w.name),
            Err(_) => String::new(),
        };
        let mut out = EmailedWave::default();
        let mut mails = Vec::new();
        let mut reminded = Vec::new();
        for l in self.wave_links(actor, wave_id).await? {
            let i = &l.invitation;
            if reminders && (i.status == "submitted" || i.expires_at <= now) {
                continue;
            }
            if i.email.is_empty() {
                out.no_address += 1;
                continue;
            }
            if !i.consent.iter().any(|c| c == "email") {
                out.no_consent += 1;
                continue;
            }
            let link = format!("{base}{}", l.path);
            let optout = format!("{base}{}/unsubscribe", l.path);
            let r = if reminders {
                format!("remind:{wave_id}:{}:{today}", i.id)
            } else {
                format!("invite:{wave_id}:{}", i.id)
            };
            let (subject, body) = invite::mail_text(
                Lang::parse(&i.lang).unwrap_or_default(),
                &invite::MailFacts {
                    title: &title,
                    name: &i.name,
                    link: &link,
                    optout: &optout,
                    until: i.expires_at.get(..10).unwrap_or(""),
                    reminder: reminders,
                },
            );
            mails.push((
                r,
                i.email.clone(),
                serde_json::json!({"subject": subject, "body": body}),
            ));
            reminded.push(i.id);
        }
        out.queued = self.store.enqueue_mail(&mails).await?;
        out.already = mails.len() - out.queued;
        if reminders {
            self.store.mark_reminded(&reminded).await?;
        }
        Ok(out)
    }

    /// The opt-out link of an invitation e-mail: the customer's consent loses `email` (the link
    /// works whatever became of the survey).
    pub async fn unsubscribe(&self, token: &str, lang: Lang) -> Result<(), AppError> {
        let invalid = || link_error(ErrorCode::SurveyLinkInvalid, lang);
        let id = links::claimed_id(token).ok_or_else(invalid)?;
        let inv = self.store.invitation(id).await.map_err(|e| match e {
            storage::StoreError::NotFound => invalid(),
            other => AppError::from(other),
        })?;
        let secret = links::secret(&self.store).await?;
        if !links::verify(&secret, token, &inv) {
            return Err(invalid());
        }
        Ok(self.store.drop_email_consent(inv.customer_id).await?)
    }

    /// Record the wave's open, unanswered invitations as reminded now (after the reminders
    /// went out); returns how many.
    pub async fn mark_wave_reminded(&self, actor: &Actor, wave_id: i64) -> Result<usize, AppError> {
        let now = domain::time::now_stored();
        let ids: Vec<i64> = self
            .wave_links(actor, wave_id)
            .await?
            .into_iter()
            .filter(|l| l.invitation.status != "submitted" && l.invitation.expires_at > now)
            .map(|l| l.invitation.id)
            .collect();
        self.store.mark_reminded(&ids).await?;
        Ok(ids.len())
    }

    /// The links of a wave as a file (CSV, CSV in GB18030, xlsx) under `base` (the public
    /// address of this server). `reminders`: only the invitations not yet answered (and still
    /// open) — the list to send a reminder to. Downloading changes nothing: marking them as
    /// reminded is [`App::mark_wave_reminded`], when the user says the reminders went out.
    pub async fn export_wave_links(
        &self,
        actor: &Actor,
        wave_id: i64,
        base: &str,
        format: &str,
        reminders: bool,
    ) -> Result<crate::churn::results::Download, AppError> {
        let now = domain::time::now_stored();
        let links: Vec<Link> = self
            .wave_links(actor, wave_id)
            .await?
            .into_iter()
            .filter(|l| {
                !reminders || (l.invitation.status != "submitted" && l.invitation.expires_at > now)
            })
            .collect();
        let rows: Vec<Vec<String>> = links
            .into_iter()
            .map(|l| {
                vec![
                    l.invitation.external_id,
                    l.invitation.name,
                    l.invitation.phone,
                    l.invitation.email,
                    format!("{base}{}", l.path),
                    l.invitation.expires_at,
                    l.invitation.status,
                    l.invitation.reminded_at.unwrap_or_default(),
                    l.email_status,
                ]
            })
            .collect();
        crate::churn::results::rows_download(
            &format!(
                "wave-{wave_id}-{}",
                if reminders { "reminders" } else { "links" }
            ),
            &[
                "external_id",
                "name",
                "phone",
                "email",
                "link",
                "expires_at",
                "status",
                "reminded_at",
                "email_status",
            ],
            &[],
            &rows,
            format,
        )
        .map_err(|e| AppError::field(actor.lang, "format", e))
    }

    /// A customer's answered surveys, newest first (anyone who may see the customer).
    pub async fn customer_survey_responses(
        &self,
        actor: &Actor,
        customer_id: i64,
    ) -> Result<Vec<storage::surveys::CustomerResponse>, AppError> {
        actor.require(Permission::ViewCustomers)?;
        Ok(self.store.customer_responses(customer_id, 100).await?)
    }

    /// The invitation behind a public link, if the link is genuine and still usable.
    async fn invitation_for(&self, token: &str, lang: Lang) -> Result<Invitation, AppError> {
        let invalid = || link_error(ErrorCode::SurveyLinkInvalid, lang);
        let id = links::claimed_id(token).ok_or_else(invalid)?;
        let inv = self.store.invitation(id).await.map_err(|e| match e {
            storage::StoreError::NotFound => invalid(),
            other => AppError::from(other),
        })?;
        let secret = links::secret(&self.store).await?;
        if !links::verify(&secret, token, &inv) {
            return Err(invalid());
        }
        if inv.response_status.as_deref() == Some("submitted") {
            return Err(link_error(ErrorCode::SurveyAlreadyAnswered, lang));
        }
        if inv.wave_status != "open" {
            return Err(link_error(ErrorCode::SurveyClosed, lang));
        }
        if inv.expires_at <= domain::time::now_stored() {
            return Err(link_error(ErrorCode::SurveyLinkExpired, lang));
        }
        Ok(inv)
    }

    /// The public form of a link: its questionnaire and the answers saved so far (none for an
    /// open link, whose form carries the signed time it was shown instead).
    pub async fn open_link(&self, token: &str, lang: Lang) -> Result<Form, AppError> {
        if links::is_open(token) {
            let (wave, q) = self.open_wave_for(token, lang).await?;
            let secret = links::secret(&self.store).await?;
            return Ok(Form {
                questionnaire: q,
                answers: Answers::new(),
                expires_at: wave.expires_at,
                open_stamp: Some(links::stamp(
                    &secret,
                    wave.id,
                    chrono::Utc::now().timestamp(),
                )),
            });
        }
        let inv = self.invitation_for(token, lang).await?;
        Ok(Form {
            questionnaire: serde_json::from_value(inv.questionnaire.clone())
                .map_err(AppError::internal)?,
            answers: serde_json::from_value(inv.answers.clone()).unwrap_or_default(),
            expires_at: inv.expires_at,
            open_stamp: None,
        })
    }

    /// The wave of a genuine, open, unexpired open link.
    async fn open_wave_for(
        &self,
        token: &str,
        lang: Lang,
    ) -> Result<(Wave, Questionnaire), AppError> {
        let secret = links::secret(&self.store).await?;
        let invalid = || link_error(ErrorCode::SurveyLinkInvalid, lang);
        let id = links::open_wave(&secret, token).ok_or_else(invalid)?;
        let wave = self.store.wave(id).await.map_err(|_| invalid())?;
        if !wave.open_link {
            return Err(invalid());
        }
        if wave.status != "open" {
            return Err(link_error(ErrorCode::SurveyClosed, lang));
        }
        if wave.expires_at <= domain::time::now_stored() {
            return Err(link_error(ErrorCode::SurveyLinkExpired, lang));
        }
        let survey = self.store.survey(wave.survey_id).await?;
        Ok((wave, questionnaire_of(&survey)?))
    }

    /// The path of a wave's open link, when it has one.
    pub async fn open_link_path(
        &self,
        actor: &Actor,
        wave: &Wave,
    ) -> Result<Option<String>, AppError> {
        actor.require(Permission::ManageSurveys)?;
        if !wave.open_link {
            return Ok(None);
        }
        let secret = links::secret(&self.store).await?;
        Ok(Some(format!("/s/{}", links::open_token(&secret, wave.id))))
    }

    /// An anonymous answer through an open link: complete, not faster than a person
    /// (`stamp`, from the form), the hidden field (`trap`) left empty, and at most
    /// [`OPEN_ANSWERS_PER_HOUR`] per address (`client`) and wave, and
    /// [`OPEN_ANSWERS_PER_BROWSER`] per browser (`browser`: the form's cookie, when it has one).
    #[allow(clippy::too_many_arguments)]
    pub async fn answer_open_link(
        &self,
        token: &str,
        answers: Answers,
        stamp: &str,
        trap: &str,
        client: &str,
        browser: Option<&str>,
        lang: Lang,
    ) -> Result<(), AppError> {
        let (wave, q) = self.open_wave_for(token, lang).await?;
        let secret = links::secret(&self.store).await?;
        let age = links::stamp_age(&secret, wave.id, stamp, chrono::Utc::now().timestamp());
        if !trap.is_empty() || !age.is_some_and(|a| (OPEN_MIN_SECONDS..86_400).contains(&a)) {
            return Err(AppError::new(ErrorCode::SurveySpam, lang));
        }
        let key = format!("{client}\u{1}{}", wave.id);
        let browser_key = browser
            .filter(|b| !b.is_empty())
            .map(|b| format!("browser\u{1}{b}\u{1}{}", wave.id));
        let by_browser = browser_key.as_ref().is_some_and(|k| {
            self.open_answer_limiter
                .wait(k, OPEN_ANSWERS_PER_BROWSER)
                .is_some()
        });
        if by_browser || self.open_answer_limiter.blocked(&key) {
            return Err(AppError::new(ErrorCode::RateLimited, lang));
        }
        check_answers(&q, &answers, true, lang)?;
        let value = serde_json::to_value(&answers).map_err(AppError::internal)?;
        self.store
            .add_open_response(wave.id, &value, lang.code())
            .await?;
        self.open_answer_limiter.fail(&key);
        if let Some(k) = &browser_key {
            self.open_answer_limiter.fail(k);
        }
        Ok(())
    }

    /// Save a link's answers (progress), or submit them (`submit`: every required item must be
    /// answered). Bad answers are refused item by item and nothing is saved.
    pub async fn answer_link(
        &self,
        token: &str,
        answers: Answers,
        submit: bool,
        lang: Lang,
    ) -> Result<(), AppError> {
        let inv = self.invitation_for(token, lang).await?;
        let q: Questionnaire =
            serde_json::from_value(inv.questionnaire.clone()).map_err(AppError::internal)?;
        check_answers(&q, &answers, submit, lang)?;
        let value = serde_json::to_value(&answers).map_err(AppError::internal)?;
        let saved = self
            .store
            .save_response(&inv, &value, lang.code(), submit)
            .await?;
        if !saved {
            return Err(link_error(ErrorCode::SurveyAlreadyAnswered, lang));
        }
        // Care rules on low answers act now (a failure there never loses the answer).
        if submit {
            if let Some(s) = crate::loyalty::evidence::satisfaction_of(&q, &value) {
                if let Err(e) = self.care_on_answer(inv.id, inv.customer_id, s).await {
                    tracing::warn!("care rules on an answer: {e}");
                }
            }
        }
        Ok(())
    }

    /// A PDCA action plan on one driver (element) of a wave's results; the baseline is the
    /// element's index in that wave.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_action_plan(
        &self,
        actor: &Actor,
        wave_id: i64,
        element: &str,
        title: &str,
        owner: &str,
        due_date: &str,
        target: f64,
    ) -> Result<ActionPlan, AppError> {
        actor.require(Permission::ManageSurveys)?;
        let lang = actor.lang;
        let results = self.wave_results(actor, wave_id).await?;
        let mut fields = Vec::new();
        let baseline = results
            .model
            .as_ref()
            .and_then(|m| m.elements.iter().find(|e| e.code == element))
            .map(|e| e.index);
        if baseline.is_none() {
            fields.push(FieldError::new(
                "element",
                format!("'{element}' is not an element of this wave's model"),
            ));
        }
        if title.trim().is_empty() || title.chars().count() > 300 {
            fields.push(FieldError::new("title", "1–300 characters"));
        }
        if owner.trim().is_empty() {
            fields.push(FieldError::new("owner", "who is responsible"));
        }
        if domain::time::parse_date(due_date).is_err() {
            fields.push(FieldError::new("due_date", "a date YYYY-MM-DD"));
        }
        if !(0.0..=100.0).contains(&target) {
            fields.push(FieldError::new("target", "an index 0–100"));
        }
        let (Some(baseline), true) = (baseline, fields.is_empty()) else {
            return Err(AppError::invalid(lang, fields));
        };
        Ok(self
            .store
            .create_action_plan(
                results.survey_id,
                wave_id,
                element,
                title.trim(),
                owner.trim(),
                due_date,
                target,
                baseline,
                &actor.username,
            )
            .await?)
    }

    pub async fn set_action_plan_status(
        &self,
        actor: &Actor,
        id: i64,
        status: &str,
    ) -> Result<ActionPlan, AppError> {
        actor.require(Permission::ManageSurveys)?;
        if !PLAN_STATUSES.contains(&status) {
            return Err(AppError::invalid(
                actor.lang,
                vec![FieldError::new("status", PLAN_STATUSES.join(", "))],
            ));
        }
        Ok(self
            .store
            .set_action_plan_status(id, status, &actor.username)
            .await?)
    }
}

/// The PDCA cycle's steps, then done.
pub const PLAN_STATUSES: [&str; 5] = ["plan", "do", "check", "act", "done"];
