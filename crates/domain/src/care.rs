//! Customer care automation (SPEC.md §6; the seeds' 客户关怀: the hotel's birthday card to a
//! guest absent three years, the follow-up call three days after a complaint is resolved): a
//! rule is a trigger, conditions on the customer, and actions. This module holds what a rule
//! is, checks one, and renders its message templates; finding who a rule hits and acting is
//! `app::care`.

use crate::{FieldError, Lang};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

coded!(
    /// What makes a rule look at a customer.
    Trigger {
        LapsedDate = "lapsed_date", "久未光顾客户的生日或纪念日", "Birthday or important date of a lapsed customer";
        ComplaintResolved = "complaint_resolved", "投诉解决 N 天后回访", "Follow-up N days after a complaint is resolved";
        LowAnswer = "low_answer", "调查回答低于阈值", "A survey answer below a threshold";
        ValueAtRisk = "value_at_risk", "高价值客户存活概率跌破阈值", "A valuable customer's P(alive) below a threshold";
        EnteredSegment = "entered_segment", "客户进入前 20% 价值客户", "A customer enters the top 20 % by value";
        SlaBreach = "sla_breach", "投诉服务时限预警或超时", "A complaint's service-level warning or breach";
        LoyaltyChanged = "loyalty_changed", "客户忠诚类型变化", "A customer's loyalty type changes";
    }
);

coded!(
    /// Whether a rule acts.
    Mode {
        Off = "off", "停用", "Off";
        DryRun = "dry_run", "试运行（只记录会命中谁）", "Dry run (records whom it would hit)";
        On = "on", "启用", "On";
    }
);

coded!(
    /// The shape of a webhook's body.
    WebhookShape {
        Json = "json", "JSON（Fidelis 事件）", "JSON (the Fidelis event)";
        WeCom = "wecom", "企业微信群机器人", "WeCom group robot";
        DingTalk = "dingtalk", "钉钉群机器人", "DingTalk group robot";
    }
);

/// Who receives an e-mail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Recipient {
    /// The customer, at their e-mail address (customers without one, or without e-mail
    /// consent, are skipped and the firing says so).
    Customer,
    /// A user of Fidelis, by user name.
    User { username: String },
}

/// What a rule does for each customer or event it hits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// A care task for a user — or a team, as `team:NAME` (in every member's queue) — due
    /// `due_days` after the firing.
    Task {
        assignee: String,
        due_days: u32,
        title: String,
    },
    /// An e-mail in the reader's language: `subject`/`body` in Chinese (the company's
    /// default), `subject_en`/`body_en` in English. A customer gets the text of their language
    /// (the Chinese when they have none), a user the text of theirs; a language left empty
    /// falls back to the other.
    Email {
        to: Recipient,
        subject: String,
        body: String,
        #[serde(default)]
        subject_en: String,
        #[serde(default)]
        body_en: String,
    },
    /// A POST of the event, signed with HMAC-SHA256 of the body under `secret`.
    Webhook {
        url: String,
        secret: String,
        shape: WebhookShape,
    },
    Tag {
        tag: String,
    },
    /// An in-app notification for a user.
    Notify {
        username: String,
        text: String,
    },
}

/// The subject and body of an e-mail action in `lang`: that language's text, or the other's when
/// it was left empty.
pub fn email_text<'a>(
    lang: Lang,
    subject: &'a str,
    body: &'a str,
    subject_en: &'a str,
    body_en: &'a str,
) -> (&'a str, &'a str) {
    let zh = (subject, body);
    let en = (subject_en, body_en);
    let (first, other) = match lang {
        Lang::En => (en, zh),
        Lang::ZhCn => (zh, en),
    };
    if first.0.trim().is_empty() {
        other
    } else {
        first
    }
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Task { .. } => "task",
            Action::Email { .. } => "email",
            Action::Webhook { .. } => "webhook",
            Action::Tag { .. } => "tag",
            Action::Notify { .. } => "notify",
        }
    }
}

/// Which customers a rule considers (all must hold; empty means any).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Conditions {
    pub segment: String,
    pub tag: String,
    pub channel: String,
    pub region: String,
    /// Customer lifetime value (latest analysis) at least this, in yuan.
    pub min_clv: Option<f64>,
    /// A saved loyalty segment (its id) the customer must be in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_segment: Option<i64>,
}

/// A rule as staff write it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSpec {
    pub name: String,
    pub trigger: Trigger,
    /// The trigger's N in days (absence before a date, days after a resolution, …).
    #[serde(default)]
    pub days: u32,
    /// The trigger's threshold: satisfaction 0–100 (low answer), P(alive) 0–1 (value at risk).
    #[serde(default)]
    pub threshold: f64,
    #[serde(default)]
    pub conditions: Conditions,
    pub actions: Vec<Action>,
    pub mode: Mode,
    /// Firings per day at most (a mistake cannot reach a million customers).
    pub daily_limit: u32,
}

/// A user name that stands for whoever works the complaint an occurrence is about (its
/// assignee, or whoever resolved it): complaint triggers only.
pub const AGENT: &str = "{{agent}}";

/// Days after a resolution that the built-in follow-up visit is due (the seeds' 回访: three
/// days after the complaint is resolved).
pub const FOLLOW_UP_DAYS: u32 = 3;

impl Trigger {
    /// Whether an occurrence of this trigger is about a complaint.
    pub fn about_complaint(self) -> bool {
        matches!(self, Trigger::ComplaintResolved | Trigger::SlaBreach)
    }
}

/// Most firings a rule may allow per day.
pub const MAX_DAILY_LIMIT: u32 = 10_000;

/// The placeholders a template may use: name and what it stands for.
pub const PLACEHOLDERS: &[(&str, &str, &str)] = &[
    ("name", "客户姓名", "the customer's name"),
    ("customer_id", "客户编号", "the customer's id"),
    (
        "date_label",
        "日期名称（生日、纪念日）",
        "the date's label (birthday, anniversary)",
    ),
    ("days", "规则的天数 N", "the rule's N days"),
    (
        "score",
        "回答的满意度（0–100）",
        "the answer's satisfaction (0–100)",
    ),
    ("complaint_id", "投诉编号", "the complaint's number"),
    ("loyalty_type", "忠诚类型", "the loyalty type"),
    ("p_alive", "存活概率", "P(alive)"),
    (
        "link",
        "Fidelis 中的客户页面",
        "the customer's page in Fidelis",
    ),
    ("rule", "规则名称", "the rule's name"),
];

/// The `{{placeholder}}`s of a template, in order; an unclosed `{{` is an error.
pub fn placeholders(template: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let j = after
            .find("}}")
            .ok_or_else(|| "a '{{' without its '}}'".to_string())?;
        out.push(after[..j].trim());
        rest = &after[j + 2..];
    }
    Ok(out)
}

/// Fill a template's placeholders from `values` (a missing value renders empty).
pub fn render(template: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find("}}") {
            Some(j) => {
                if let Some(v) = values.get(after[..j].trim()) {
                    out.push_str(v);
                }
                rest = &after[j + 2..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn check_template(field: &str, t: &str, max: usize, errs: &mut Vec<FieldError>) {
    if t.chars().count() > max {
        errs.push(FieldError::new(field, format!("at most {max} characters")));
        return;
    }
    match placeholders(t) {
        Err(e) => errs.push(FieldError::new(field, e)),
        Ok(names) => {
            if let Some(bad) = names
                .iter()
                .find(|n| !PLACEHOLDERS.iter().any(|(p, _, _)| p == *n))
            {
                errs.push(FieldError::new(
                    field,
                    format!(
                        "unknown placeholder {{{{{bad}}}}} (known: {})",
                        PLACEHOLDERS
                            .iter()
                            .map(|(p, _, _)| *p)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
    }
}

/// Whether a webhook URL may be called: http(s), a host, and not this server itself.
pub fn check_webhook_url(url: &str, own_hosts: &[String]) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() || url.chars().any(char::is_whitespace) {
        return Err("needs a host".into());
    }
    if own_hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return Err("points at this Fidelis server itself".into());
    }
    Ok(())
}

impl RuleSpec {
    /// Check every field; all problems at once. `own_hosts` are this server's addresses
    /// (`host:port`), which a webhook may not call; `mail` says whether SMTP is configured.
    pub fn check(&self, own_hosts: &[String], mail: bool) -> Result<(), Vec<FieldError>> {
        let mut errs = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            errs.push(FieldError::new("name", "a name of 1–100 characters"));
        }
        let days_max = match self.trigger {
            Trigger::LapsedDate => 3650,
            Trigger::ComplaintResolved => 365,
            _ => 3650,
        };
        let needs_days = matches!(
            self.trigger,
            Trigger::LapsedDate | Trigger::ComplaintResolved
        );
        if (needs_days && self.days == 0) || self.days > days_max {
            errs.push(FieldError::new(
                "days",
                format!("between 1 and {days_max} days"),
            ));
        }
        match self.trigger {
            Trigger::LowAnswer if !(0.0..=100.0).contains(&self.threshold) => errs.push(
                FieldError::new("threshold", "a satisfaction between 0 and 100"),
            ),
            Trigger::ValueAtRisk if !(self.threshold > 0.0 && self.threshold < 1.0) => {
                errs.push(FieldError::new("threshold", "a P(alive) between 0 and 1"))
            }
            _ if !self.threshold.is_finite() => errs.push(FieldError::new("threshold", "a number")),
            _ => {}
        }
        if let Some(v) = self.conditions.min_clv {
            if !v.is_finite() || v < 0.0 {
                errs.push(FieldError::new(
                    "conditions.min_clv",
                    "an amount of 0 or more",
                ));
            }
        }
        for (f, v) in [
            ("conditions.segment", &self.conditions.segment),
            ("conditions.tag", &self.conditions.tag),
            ("conditions.channel", &self.conditions.channel),
            ("conditions.region", &self.conditions.region),
        ] {
            if v.chars().count() > 100 || v.chars().any(char::is_control) {
                errs.push(FieldError::new(
                    f,
                    "at most 100 characters, no control characters",
                ));
            }
        }
        if self.daily_limit == 0 || self.daily_limit > MAX_DAILY_LIMIT {
            errs.push(FieldError::new(
                "daily_limit",
                format!("between 1 and {MAX_DAILY_LIMIT} firings a day"),
            ));
        }
        if self.actions.is_empty() || self.actions.len() > 10 {
            errs.push(FieldError::new("actions", "between 1 and 10 actions"));
        }
        for (i, a) in self.actions.iter().enumerate() {
            let f = |k: &str| format!("actions[{i}].{k}");
            let complaint = self.trigger.about_complaint();
            let user = |u: &str, k: &str, errs: &mut Vec<FieldError>| {
                if u.trim().is_empty() || u.chars().count() > 100 {
                    errs.push(FieldError::new(f(k), "a user name"));
                } else if u.trim() == AGENT && !complaint {
                    errs.push(FieldError::new(
                        f(k),
                        "{{agent}} (the case's agent) is for complaint triggers only",
                    ));
                }
            };
            match a {
                Action::Task {
                    assignee,
                    due_days,
                    title,
                } => {
                    user(assignee, "assignee", &mut errs);
                    if *due_days > 365 {
                        errs.push(FieldError::new(f("due_days"), "at most 365 days"));
                    }
                    if title.trim().is_empty() {
                        errs.push(FieldError::new(f("title"), "is required"));
                    }
                    check_template(&f("title"), title, 200, &mut errs);
                }
                Action::Email {
                    to,
                    subject,
                    body,
                    subject_en,
                    body_en,
                } => {
                    if !mail {
                        errs.push(FieldError::new(
                            f("type"),
                            "e-mail is not set up: configure SMTP in the care settings first",
                        ));
                    }
                    if let Recipient::User { username } = to {
                        user(username, "to.username", &mut errs);
                    }
                    if subject.trim().is_empty() && subject_en.trim().is_empty() {
                        errs.push(FieldError::new(
                            f("subject"),
                            "is required (in Chinese, English or both)",
                        ));
                    }
                    for (k, s, b) in [("", subject, body), ("_en", subject_en, body_en)] {
                        if s.trim().is_empty() && !b.trim().is_empty() {
                            errs.push(FieldError::new(
                                f(&format!("subject{k}")),
                                "is required with its body",
                            ));
                        }
                        check_template(&f(&format!("subject{k}")), s, 200, &mut errs);
                        check_template(&f(&format!("body{k}")), b, 5000, &mut errs);
                    }
                }
                Action::Webhook { url, secret, .. } => {
                    if let Err(e) = check_webhook_url(url.trim(), own_hosts) {
                        errs.push(FieldError::new(f("url"), e));
                    }
                    if secret.chars().count() < 16 || secret.chars().count() > 200 {
                        errs.push(FieldError::new(f("secret"), "16–200 characters"));
                    }
                }
                Action::Tag { tag } => {
                    let n = tag.trim().chars().count();
                    if n == 0 || n > 50 || tag.chars().any(|c| c.is_control() || c == ',') {
                        errs.push(FieldError::new(f("tag"), "a tag of 1–50 characters"));
                    }
                }
                Action::Notify { username, text } => {
                    user(username, "username", &mut errs);
                    check_template(&f("text"), text, 500, &mut errs);
                }
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }
}

/// The ready rules a company starts from, in the reader's language (mode: dry run).
pub fn templates(lang: Lang, manager: &str) -> Vec<RuleSpec> {
    let p = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    let task = |title: String, due_days| Action::Task {
        assignee: manager.into(),
        due_days,
        title,
    };
    let rule = |name: String, trigger, days, threshold, actions| RuleSpec {
        name,
        trigger,
        days,
        threshold,
        conditions: Conditions::default(),
        actions,
        mode: Mode::DryRun,
        daily_limit: 200,
    };
    vec![
        rule(
            p(
                "久未光顾客户的生日问候",
                "Greeting on a lapsed customer's birthday",
            ),
            Trigger::LapsedDate,
            365,
            0.0,
            vec![task(
                p(
                    "给 {{name}} 送上{{date_label}}祝福",
                    "Send {{name}} a {{date_label}} greeting",
                ),
                1,
            )],
        ),
        rule(
            p(
                "投诉解决三天后回访",
                "Follow-up three days after a complaint is resolved",
            ),
            Trigger::ComplaintResolved,
            FOLLOW_UP_DAYS,
            0.0,
            vec![Action::Task {
                assignee: AGENT.into(),
                due_days: 1,
                title: p(
                    "回访 {{name}}（投诉 #{{complaint_id}}）",
                    "Call {{name}} back (complaint #{{complaint_id}})",
                ),
            }],
        ),
        rule(
            p("低满意度回答提醒", "Alert on a low satisfaction answer"),
            Trigger::LowAnswer,
            0,
            40.0,
            vec![
                Action::Notify {
                    username: manager.into(),
                    text: p(
                        "{{name}} 的满意度只有 {{score}}",
                        "{{name}} answered with satisfaction {{score}}",
                    ),
                },
                task(
                    p(
                        "联系 {{name}} 了解不满",
                        "Contact {{name}} about their low score",
                    ),
                    1,
                ),
            ],
        ),
        rule(
            p("高价值客户流失预警", "Valuable customer at risk"),
            Trigger::ValueAtRisk,
            0,
            0.5,
            vec![task(
                p(
                    "挽回 {{name}}（存活概率 {{p_alive}}）",
                    "Win back {{name}} (P(alive) {{p_alive}})",
                ),
                3,
            )],
        ),
        rule(
            p(
                "新晋前 20% 客户的 VIP 关怀",
                "VIP care for a new top-20 % customer",
            ),
            Trigger::EnteredSegment,
            0,
            0.0,
            vec![Action::Tag { tag: "VIP".into() }],
        ),
        rule(
            p("投诉超时通知", "Complaint service-level breach"),
            Trigger::SlaBreach,
            0,
            0.0,
            vec![Action::Notify {
                username: manager.into(),
                text: p(
                    "投诉 #{{complaint_id}} 已超时",
                    "Complaint #{{complaint_id}} is past its deadline",
                ),
            }],
        ),
        rule(
            p("忠诚类型变化提醒", "Loyalty type changed"),
            Trigger::LoyaltyChanged,
            0,
            0.0,
            vec![Action::Notify {
                username: manager.into(),
                text: p(
                    "{{name}} 的忠诚类型变为 {{loyalty_type}}",
                    "{{name}} is now {{loyalty_type}}",
                ),
            }],
        ),
        // The seeds' hotel: a card on the birthday of a guest absent for years — by e-mail, in
        // the customer's language (needs SMTP set up).
        rule(
            p(
                "久未光顾客户的生日贺卡邮件",
                "Birthday e-mail to a lapsed customer",
            ),
            Trigger::LapsedDate,
            365,
            0.0,
            vec![Action::Email {
                to: Recipient::Customer,
                subject: "{{name}}，{{date_label}}快乐！".into(),
                body: "{{name}}，您好！\n\n今天是您的{{date_label}}，我们全体同事祝您{{date_label}}快乐，万事顺意！\n好久没有见到您了，我们一直记挂着您，期待您再次光临。\n\n此致\n客户关怀团队".into(),
                subject_en: "Happy {{date_label}}, {{name}}!".into(),
                body_en: "Dear {{name}},\n\nEveryone here wishes you a happy {{date_label}}!\nIt has been a while since we last saw you — we think of you and hope to welcome you back soon.\n\nWarm regards,\nThe customer care team".into(),
            }],
        ),
    ]
}

/// Whether a rule e-mails (and so needs SMTP set up).
pub fn sends_email(spec: &RuleSpec) -> bool {
    spec.actions
        .iter()
        .any(|a| matches!(a, Action::Email { .. }))
}

/// The rule every company starts with, switched on: the follow-up visit to whoever worked a
/// complaint, [`FOLLOW_UP_DAYS`] days after its resolution (the one mechanism that schedules
/// follow-up visits; change its N or its task on the Care page).
pub fn follow_up_rule(lang: Lang) -> RuleSpec {
    let mut r = templates(lang, AGENT)
        .into_iter()
        .find(|t| t.trigger == Trigger::ComplaintResolved)
        .expect("a follow-up template");
    r.mode = Mode::On;
    r.daily_limit = MAX_DAILY_LIMIT;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> RuleSpec {
        templates(Lang::En, "manager").remove(2)
    }

    #[test]
    fn the_templates_are_valid_rules() {
        for lang in [Lang::ZhCn, Lang::En] {
            for t in templates(lang, "manager") {
                // (The e-mail ones are valid once e-mail is set up, and refused before.)
                let mail = sends_email(&t);
                assert_eq!(t.check(&[], mail), Ok(()), "{}", t.name);
                assert_eq!(t.check(&[], false).is_err(), mail, "{}", t.name);
            }
            let f = follow_up_rule(lang);
            assert_eq!(f.check(&[], false), Ok(()));
            assert_eq!((f.mode, f.days), (Mode::On, FOLLOW_UP_DAYS));
        }
    }

    #[test]
    fn the_case_agent_stands_in_only_for_complaint_triggers() {
        let mut r = rule();
        r.actions = vec![Action::Notify {
            username: AGENT.into(),
            text: "x".into(),
        }];
        let e = r.check(&[], false).unwrap_err();
        assert_eq!(e[0].field, "actions[0].username");
        r.trigger = Trigger::SlaBreach;
        assert!(r.check(&[], false).is_ok());
    }

    #[test]
    fn placeholders_render_and_unknown_ones_are_refused() {
        let mut v = BTreeMap::new();
        v.insert("name", "王芳".to_string());
        assert_eq!(render("您好，{{ name }}！{{score}}", &v), "您好，王芳！");
        assert_eq!(render("a {{name", &v), "a {{name");
        assert_eq!(placeholders("{{a}} {{ b }}").unwrap(), vec!["a", "b"]);
        assert!(placeholders("{{a").is_err());
        let mut r = rule();
        r.actions = vec![Action::Notify {
            username: "m".into(),
            text: "{{nmae}}".into(),
        }];
        let e = r.check(&[], false).unwrap_err();
        assert_eq!(e[0].field, "actions[0].text");
        assert!(e[0].reason.contains("nmae"), "{}", e[0].reason);
    }

    #[test]
    fn thresholds_days_limits_and_actions_are_checked_at_their_bounds() {
        let field = |r: RuleSpec| r.check(&[], true).unwrap_err()[0].field.clone();
        let mut r = rule();
        r.threshold = 100.0;
        assert!(r.check(&[], true).is_ok());
        r.threshold = 100.1;
        assert_eq!(field(r), "threshold");
        let mut r = templates(Lang::En, "m").remove(3);
        r.threshold = 1.0;
        assert_eq!(field(r), "threshold");
        let mut r = templates(Lang::En, "m").remove(1);
        r.days = 0;
        assert_eq!(field(r.clone()), "days");
        r.days = 365;
        assert!(r.check(&[], true).is_ok());
        r.days = 366;
        assert_eq!(field(r), "days");
        let mut r = rule();
        r.daily_limit = 0;
        assert_eq!(field(r.clone()), "daily_limit");
        r.daily_limit = MAX_DAILY_LIMIT + 1;
        assert_eq!(field(r.clone()), "daily_limit");
        r.daily_limit = MAX_DAILY_LIMIT;
        r.actions.clear();
        assert_eq!(field(r), "actions");
    }

    #[test]
    fn an_email_is_read_in_the_readers_language_or_the_other() {
        assert_eq!(
            email_text(Lang::En, "您好", "正文", "Hello", "Body"),
            ("Hello", "Body")
        );
        assert_eq!(
            email_text(Lang::ZhCn, "您好", "正文", "Hello", "Body"),
            ("您好", "正文")
        );
        assert_eq!(
            email_text(Lang::En, "您好", "正文", " ", ""),
            ("您好", "正文")
        );
        assert_eq!(email_text(Lang::ZhCn, "", "", "Hello", "B"), ("Hello", "B"));
    }

    #[test]
    fn email_needs_smtp_and_webhooks_need_an_outside_http_url() {
        let mut r = rule();
        r.actions = vec![Action::Email {
            to: Recipient::Customer,
            subject: "Hi {{name}}".into(),
            body: String::new(),
            subject_en: String::new(),
            body_en: String::new(),
        }];
        assert_eq!(r.check(&[], false).unwrap_err()[0].field, "actions[0].type");
        assert!(r.check(&[], true).is_ok());
        // Either language's subject will do; a body needs its subject.
        r.actions = vec![Action::Email {
            to: Recipient::Customer,
            subject: String::new(),
            body: "正文".into(),
            subject_en: "Hello".into(),
            body_en: String::new(),
        }];
        assert_eq!(
            r.check(&[], true).unwrap_err()[0].field,
            "actions[0].subject"
        );
        if let Action::Email { body, .. } = &mut r.actions[0] {
            body.clear();
        }
        assert!(r.check(&[], true).is_ok());
        let hook = |url: &str| {
            let mut r = rule();
            r.actions = vec![Action::Webhook {
                url: url.into(),
                secret: "0123456789abcdef".into(),
                shape: WebhookShape::Json,
            }];
            r.check(&["127.0.0.1:8080".to_string()], false)
        };
        assert!(hook("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x").is_ok());
        assert!(hook("http://127.0.0.1:9000/hook").is_ok());
        for bad in [
            "ftp://x/y",
            "http://",
            "http://127.0.0.1:8080/api",
            "javascript:x",
        ] {
            assert_eq!(hook(bad).unwrap_err()[0].field, "actions[0].url", "{bad}");
        }
        assert!(
            check_webhook_url("http://user@127.0.0.1:8080/", &["127.0.0.1:8080".into()]).is_err()
        );
    }
}
