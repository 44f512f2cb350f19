//! One customer invited by hand (the profile's "send a survey"): to an open wave, with a
//! personal link like the sampled customers', e-mailed in the customer's language when e-mail
//! is set up and the customer agreed to it — otherwise the link for staff to pass on. The
//! invitation e-mail's words, shared with the wave's own e-mails.

use super::links;
use crate::{say, Actor, App, AppError};
use domain::access::Permission;
use domain::Lang;
use serde::Serialize;

/// What an invitation e-mail says.
pub struct MailFacts<'a> {
    pub title: &'a str,
    pub name: &'a str,
    pub link: &'a str,
    pub optout: &'a str,
    /// The last day the link works (YYYY-MM-DD).
    pub until: &'a str,
    pub reminder: bool,
}

/// An invitation e-mail (subject, body) in `lang`.
pub fn mail_text(lang: Lang, f: &MailFacts) -> (String, String) {
    let MailFacts {
        title,
        name,
        link,
        optout,
        until,
        reminder,
    } = f;
    match lang {
        Lang::ZhCn => (
            if *reminder {
                format!("提醒：{title}")
            } else {
                format!("{title} · 邀请您参与调查")
            },
            format!(
                "{name}，您好！\n\n请花几分钟告诉我们您的感受：\n{link}\n链接仅供您本人使用，有效期至 {until}。\n\n不想再收到我们的邮件？请点击：\n{optout}\n"
            ),
        ),
        Lang::En => (
            if *reminder {
                format!("Reminder: {title}")
            } else {
                format!("{title} · Your opinion, please")
            },
            format!(
                "Dear {name},\n\nplease take a few minutes to tell us how we did:\n{link}\nThe link is yours alone and works until {until}.\n\nNo more e-mail from us: {optout}\n"
            ),
        ),
    }
}

/// A wave a customer can be invited to by hand.
#[derive(Debug, Clone, Serialize)]
pub struct OpenWave {
    pub id: i64,
    /// "survey · wave".
    pub label: String,
}

/// What became of a hand-made invitation.
#[derive(Debug, Clone, Serialize)]
pub struct SentInvite {
    /// The personal link's path (`/s/{token}`).
    pub path: String,
    /// Queued for e-mail (false: pass the link on yourself; `why_not` says why).
    pub emailed: bool,
    pub why_not: String,
}

impl App {
    /// The waves open for answers now (not closed, not expired), newest first.
    pub async fn open_waves(&self, actor: &Actor) -> Result<Vec<OpenWave>, AppError> {
        actor.require(Permission::EditCustomers)?;
        let now = domain::time::now_stored();
        let mut out = Vec::new();
        for s in self.store.surveys().await? {
            for w in self.store.waves(s.id).await? {
                if w.status == "open" && w.expires_at > now && !w.pretest {
                    out.push((
                        w.id,
                        OpenWave {
                            id: w.id,
                            label: format!("{} · {}", s.name, w.name),
                        },
                    ));
                }
            }
        }
        out.sort_by_key(|(id, _)| -id);
        Ok(out.into_iter().map(|(_, w)| w).collect())
    }

    /// Invite one customer to an open wave (their existing invitation if they have one): the
    /// e-mail goes through the outbox once, in the customer's language.
    pub async fn invite_customer(
        &self,
        actor: &Actor,
        wave_id: i64,
        customer_id: i64,
        base: &str,
    ) -> Result<SentInvite, AppError> {
        actor.require(Permission::EditCustomers)?;
        let lang = actor.lang;
        let Some(wave) = self
            .open_waves(actor)
            .await?
            .into_iter()
            .find(|w| w.id == wave_id)
        else {
            return Err(AppError::field(
                lang,
                "wave",
                say(
                    lang,
                    "请选择一个正在进行的调查批次",
                    "choose a wave that is open for answers",
                ),
            ));
        };
        let c = self
            .store
            .customer(customer_id)
            .await
            .map_err(|_| AppError::not_found(lang, "customer"))?;
        let w = self.store.wave(wave_id).await?;
        let id = self
            .store
            .add_invitation(wave_id, customer_id, &w.expires_at)
            .await?;
        let secret = links::secret(&self.store).await?;
        let path = format!("/s/{}", links::token(&secret, id, wave_id, customer_id));
        let why_not = if self.smtp_settings().await?.is_none() {
            say(lang, "尚未设置邮件", "e-mail is not set up")
        } else if c.email.is_empty() {
            say(lang, "客户没有邮箱", "the customer has no e-mail address")
        } else if !c.consent.iter().any(|x| x == "email") {
            say(
                lang,
                "客户未同意邮件联系",
                "the customer did not agree to e-mail",
            )
        } else {
            String::new()
        };
        if why_not.is_empty() {
            let title = wave.label.split(" · ").next().unwrap_or_default();
            let (subject, body) = mail_text(
                Lang::parse(&c.lang).unwrap_or_default(),
                &MailFacts {
                    title,
                    name: &c.name,
                    link: &format!("{base}{path}"),
                    optout: &format!("{base}{path}/unsubscribe"),
                    until: w.expires_at.get(..10).unwrap_or(""),
                    reminder: false,
                },
            );
            self.store
                .enqueue_mail(&[(
                    format!("invite:{wave_id}:{id}"),
                    c.email.clone(),
                    serde_json::json!({"subject": subject, "body": body}),
                )])
                .await?;
        }
        Ok(SentInvite {
            path,
            emailed: why_not.is_empty(),
            why_not,
        })
    }
}
