//! Replying to the customer from a case: by e-mail (in the customer's language, through the
//! outbox, queued with the history entry in one transaction) or, without e-mail, as a note of
//! what was said by phone or in person — either way a "reply" in the case's history.

use super::*;

/// A reply as staff write it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Reply {
    pub version: i64,
    /// Empty: "About your complaint #N" in the customer's language.
    pub subject: String,
    pub body: String,
    /// Send it by e-mail (else it is recorded as said another way).
    pub email: bool,
}

impl App {
    pub async fn reply_to_complaint(
        &self,
        actor: &Actor,
        id: i64,
        r: &Reply,
    ) -> Result<CaseView, AppError> {
        actor.require(Permission::EditCases)?;
        let lang = actor.lang;
        let c = self.visible_case(actor, id).await?;
        let body = r.body.trim();
        let mut errs = Vec::new();
        let n = body.chars().count();
        if n == 0 || n > 4000 {
            errs.push(FieldError::new(
                "body",
                crate::say(lang, "回复内容 1–4000 字", "a reply of 1–4000 characters"),
            ));
        }
        if r.subject.chars().count() > 200 || r.subject.chars().any(char::is_control) {
            errs.push(FieldError::new(
                "subject",
                crate::say(
                    lang,
                    "主题最多 200 字",
                    "a subject of at most 200 characters",
                ),
            ));
        }
        let mut mail = Vec::new();
        let mut to = String::new();
        if r.email {
            let customer = match c.customer_id {
                Some(cid) => self.store.customer(cid).await.ok(),
                None => None,
            };
            let smtp = self.smtp_settings().await?.is_some();
            match customer {
                _ if !smtp => errs.push(FieldError::new(
                    "email",
                    crate::say(lang, "尚未设置邮件（SMTP）", "e-mail (SMTP) is not set up"),
                )),
                Some(k) if !k.email.is_empty() => {
                    let their = Lang::parse(&k.lang).unwrap_or_default();
                    let subject = if r.subject.trim().is_empty() {
                        match their {
                            Lang::ZhCn => format!("关于您的投诉（编号 {id}）"),
                            Lang::En => format!("About your complaint (no. {id})"),
                        }
                    } else {
                        r.subject.trim().to_string()
                    };
                    to = k.email.clone();
                    mail.push((
                        format!("reply:{id}:{}", r.version),
                        k.email,
                        json!({"subject": subject, "body": body}),
                    ));
                }
                _ => errs.push(FieldError::new(
                    "email",
                    crate::say(
                        lang,
                        "该投诉没有关联带邮箱的客户：请电话联系，并把回复记在这里",
                        "the case has no customer with an e-mail address: call them and note the reply here",
                    ),
                )),
            }
        }
        if !errs.is_empty() {
            return Err(AppError::invalid(lang, errs));
        }
        let changes = if r.email {
            json!({ "channel": "email", "to": to })
        } else {
            json!({})
        };
        let at = domain::time::now_stored();
        self.case_edit(actor, &c, &at, r.version, "reply", body, changes, |s| {
            s.mail = mail;
        })
        .await
    }
}
