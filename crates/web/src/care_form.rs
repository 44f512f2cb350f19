//! The care rule form, for a new rule and for changing one: the trigger with its N or threshold,
//! the conditions (including a saved loyalty segment), up to [`SLOTS`] actions of any kind, the
//! daily limit and the mode. The form's values come back as they were typed when a rule is
//! refused, so nothing has to be typed twice.

use domain::care::{Action, Conditions, Mode, Recipient, RuleSpec, Trigger, WebhookShape};
use domain::{FieldError, Lang};
use std::collections::HashMap;

/// Action slots on the form.
pub const SLOTS: usize = 3;

/// One action slot as the form shows it (`kind` empty: unused).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionSlot {
    pub kind: String,
    pub user: String,
    pub due_days: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The e-mail's English subject and body (`subject`/`text` are the Chinese).
    pub subject_en: String,
    pub text_en: String,
    pub url: String,
    pub shape: String,
    /// A secret is stored for this webhook (left empty on the form: kept).
    pub has_secret: bool,
}

/// Everything the form shows: its values and the choices it offers.
pub struct RuleFormParts {
    pub form: RuleFormView,
    pub form_action: String,
    /// The rule's version when changing one (0: a new rule).
    pub version: i64,
    pub triggers: Vec<(&'static str, &'static str)>,
    pub modes: Vec<(&'static str, &'static str)>,
    pub segments: Vec<(i64, String)>,
    pub action_kinds: Vec<(&'static str, &'static str)>,
    pub shapes: Vec<(&'static str, &'static str)>,
    pub placeholders: String,
    pub user_hint: &'static str,
}

impl RuleFormParts {
    pub fn new(
        lang: Lang,
        form: RuleFormView,
        form_action: String,
        version: i64,
        segments: Vec<(i64, String)>,
    ) -> RuleFormParts {
        RuleFormParts {
            form,
            form_action,
            version,
            triggers: Trigger::ALL
                .iter()
                .map(|t| (t.code(), t.label(lang)))
                .collect(),
            modes: Mode::ALL.iter().map(|m| (m.code(), m.label(lang))).collect(),
            segments,
            user_hint: lang.pick(
                "任务负责人（或 team:小组名，交给整个小组）、通知对象或收件员工；{{agent}} 表示处理该投诉的员工",
                "task assignee (or team:NAME for a whole team), notified user or staff recipient; {{agent}} is whoever works the complaint",
            ),
            action_kinds: vec![
                ("task", lang.pick("任务", "Task")),
                ("notify", lang.pick("站内通知", "Notification")),
                ("tag", lang.pick("加标签", "Tag the customer")),
                ("email", lang.pick("发邮件", "E-mail")),
                ("webhook", "Webhook"),
            ],
            shapes: WebhookShape::ALL
                .iter()
                .map(|s| (s.code(), s.label(lang)))
                .collect(),
            placeholders: domain::care::PLACEHOLDERS
                .iter()
                .map(|(p, zh, en)| format!("{{{{{p}}}}} {}", lang.pick(zh, en)))
                .chain(std::iter::once(format!(
                    "{{{{agent}}}} {}",
                    lang.pick("（员工栏）处理该投诉的员工", "(user field) whoever works the complaint")
                )))
                .collect::<Vec<_>>()
                .join(" · "),
        }
    }
}

/// The form's values.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleFormView {
    pub name: String,
    pub trigger: String,
    pub days: String,
    pub threshold: String,
    pub segment: String,
    pub tag: String,
    pub channel: String,
    pub region: String,
    pub min_clv: String,
    pub saved_segment: i64,
    pub daily_limit: String,
    pub mode: String,
    pub actions: Vec<ActionSlot>,
}

impl Default for RuleFormView {
    fn default() -> Self {
        RuleFormView {
            name: String::new(),
            trigger: Trigger::LowAnswer.code().into(),
            days: String::new(),
            threshold: String::new(),
            segment: String::new(),
            tag: String::new(),
            channel: String::new(),
            region: String::new(),
            min_clv: String::new(),
            saved_segment: 0,
            daily_limit: "200".into(),
            mode: Mode::DryRun.code().into(),
            actions: (0..SLOTS)
                .map(|i| ActionSlot {
                    kind: if i == 0 { "task".into() } else { String::new() },
                    due_days: "1".into(),
                    ..ActionSlot::default()
                })
                .collect(),
        }
    }
}

fn num(v: f64) -> String {
    if v == 0.0 {
        String::new()
    } else {
        v.to_string()
    }
}

impl ActionSlot {
    pub fn is(&self, kind: &str) -> bool {
        self.kind == kind
    }
    pub fn shape_is(&self, shape: &str) -> bool {
        self.shape == shape
    }
    pub fn to_user(&self) -> bool {
        self.to == "user"
    }
}

impl RuleFormView {
    pub fn trigger_is(&self, code: &str) -> bool {
        self.trigger == code
    }
    pub fn mode_is(&self, code: &str) -> bool {
        self.mode == code
    }
    pub fn segment_is(&self, id: &i64) -> bool {
        self.saved_segment == *id
    }

    /// A stored rule on the form (webhook secrets are not shown).
    pub fn of(s: &RuleSpec) -> RuleFormView {
        let mut actions: Vec<ActionSlot> = s
            .actions
            .iter()
            .map(|a| {
                let mut slot = ActionSlot {
                    kind: a.kind().into(),
                    due_days: "1".into(),
                    ..ActionSlot::default()
                };
                match a {
                    Action::Task {
                        assignee,
                        due_days,
                        title,
                    } => {
                        slot.user = assignee.clone();
                        slot.due_days = due_days.to_string();
                        slot.text = title.clone();
                    }
                    Action::Email {
                        to,
                        subject,
                        body,
                        subject_en,
                        body_en,
                    } => {
                        slot.subject_en = subject_en.clone();
                        slot.text_en = body_en.clone();
                        match to {
                            Recipient::Customer => slot.to = "customer".into(),
                            Recipient::User { username } => {
                                slot.to = "user".into();
                                slot.user = username.clone();
                            }
                        }
                        slot.subject = subject.clone();
                        slot.text = body.clone();
                    }
                    Action::Webhook { url, shape, .. } => {
                        slot.url = url.clone();
                        slot.shape = shape.code().into();
                        slot.has_secret = true;
                    }
                    Action::Tag { tag } => slot.text = tag.clone(),
                    Action::Notify { username, text } => {
                        slot.user = username.clone();
                        slot.text = text.clone();
                    }
                }
                slot
            })
            .collect();
        while actions.len() < SLOTS {
            actions.push(ActionSlot {
                due_days: "1".into(),
                ..ActionSlot::default()
            });
        }
        let k = &s.conditions;
        RuleFormView {
            name: s.name.clone(),
            trigger: s.trigger.code().into(),
            days: if s.days == 0 {
                String::new()
            } else {
                s.days.to_string()
            },
            threshold: num(s.threshold),
            segment: k.segment.clone(),
            tag: k.tag.clone(),
            channel: k.channel.clone(),
            region: k.region.clone(),
            min_clv: k.min_clv.map(|v| v.to_string()).unwrap_or_default(),
            saved_segment: k.saved_segment.unwrap_or(0),
            daily_limit: s.daily_limit.to_string(),
            mode: s.mode.code().into(),
            actions,
        }
    }

    /// The form as posted (`a0_kind`, `a0_user`, … per action slot).
    pub fn posted(form: &HashMap<String, String>) -> RuleFormView {
        let get = |k: &str| form.get(k).cloned().unwrap_or_default();
        RuleFormView {
            name: get("name"),
            trigger: get("trigger"),
            days: get("days"),
            threshold: get("threshold"),
            segment: get("segment"),
            tag: get("tag"),
            channel: get("channel"),
            region: get("region"),
            min_clv: get("min_clv"),
            saved_segment: get("saved_segment").trim().parse().unwrap_or(0),
            daily_limit: get("daily_limit"),
            mode: get("mode"),
            actions: (0..SLOTS)
                .map(|i| {
                    let a = |k: &str| get(&format!("a{i}_{k}"));
                    ActionSlot {
                        kind: a("kind"),
                        user: a("user"),
                        due_days: a("due_days"),
                        to: a("to"),
                        subject: a("subject"),
                        text: a("text"),
                        subject_en: a("subject_en"),
                        text_en: a("text_en"),
                        url: a("url"),
                        shape: a("shape"),
                        has_secret: false,
                    }
                })
                .collect(),
        }
    }

    /// The rule the form describes, or the fields that are not numbers or choices. `secrets`
    /// are the stored webhook secrets (by slot) kept where the form leaves the secret empty;
    /// `posted` is the raw form (for the secrets typed).
    pub fn spec(
        &self,
        posted: &HashMap<String, String>,
        secrets: &[Option<String>],
        lang: Lang,
    ) -> Result<RuleSpec, Vec<FieldError>> {
        let mut errs = Vec::new();
        let number = |errs: &mut Vec<FieldError>, field: &str, v: &str, default: f64| -> f64 {
            let v = v.trim();
            if v.is_empty() {
                return default;
            }
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() => x,
                _ => {
                    errs.push(FieldError::new(field, lang.pick("须为数字", "a number")));
                    default
                }
            }
        };
        let whole = |x: f64| x.clamp(0.0, u32::MAX as f64) as u32;
        let days = number(&mut errs, "days", &self.days, 0.0);
        let threshold = number(&mut errs, "threshold", &self.threshold, 0.0);
        let daily_limit = number(&mut errs, "daily_limit", &self.daily_limit, 200.0);
        let min_clv = (!self.min_clv.trim().is_empty())
            .then(|| number(&mut errs, "conditions.min_clv", &self.min_clv, 0.0));
        let mut actions = Vec::new();
        for (i, slot) in self.actions.iter().enumerate() {
            let due = number(
                &mut errs,
                &format!("actions[{i}].due_days"),
                &slot.due_days,
                1.0,
            );
            let text = slot.text.clone();
            let user = slot.user.trim().to_string();
            actions.push(match slot.kind.as_str() {
                "" => continue,
                "task" => Action::Task {
                    assignee: user,
                    due_days: whole(due),
                    title: text,
                },
                "notify" => Action::Notify {
                    username: user,
                    text,
                },
                "tag" => Action::Tag {
                    tag: text.trim().to_string(),
                },
                "email" => Action::Email {
                    to: if slot.to == "user" {
                        Recipient::User { username: user }
                    } else {
                        Recipient::Customer
                    },
                    subject: slot.subject.clone(),
                    body: text,
                    subject_en: slot.subject_en.clone(),
                    body_en: slot.text_en.clone(),
                },
                "webhook" => {
                    let typed = posted
                        .get(&format!("a{i}_secret"))
                        .cloned()
                        .unwrap_or_default();
                    let secret = if typed.is_empty() {
                        secrets.get(i).cloned().flatten().unwrap_or_default()
                    } else {
                        typed
                    };
                    Action::Webhook {
                        url: slot.url.trim().to_string(),
                        secret,
                        shape: WebhookShape::parse(&slot.shape).unwrap_or(WebhookShape::Json),
                    }
                }
                _ => {
                    errs.push(FieldError::new(
                        format!("actions[{i}].type"),
                        lang.pick("请选择动作", "choose an action"),
                    ));
                    continue;
                }
            });
        }
        let trigger = Trigger::parse(&self.trigger);
        if trigger.is_none() {
            errs.push(FieldError::new(
                "trigger",
                lang.pick("请选择触发条件", "choose a trigger"),
            ));
        }
        let mode = Mode::parse(&self.mode);
        if mode.is_none() {
            errs.push(FieldError::new(
                "mode",
                lang.pick("停用、试运行或启用", "off, dry run or on"),
            ));
        }
        match (trigger, mode, errs.is_empty()) {
            (Some(trigger), Some(mode), true) => Ok(RuleSpec {
                name: self.name.clone(),
                trigger,
                days: whole(days),
                threshold,
                conditions: Conditions {
                    segment: self.segment.trim().to_string(),
                    tag: self.tag.trim().to_string(),
                    channel: self.channel.trim().to_string(),
                    region: self.region.trim().to_string(),
                    min_clv,
                    saved_segment: (self.saved_segment > 0).then_some(self.saved_segment),
                },
                actions,
                mode,
                daily_limit: whole(daily_limit),
            }),
            _ => Err(errs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_stored_rule_comes_back_from_its_own_form() {
        for lang in [Lang::ZhCn, Lang::En] {
            let mut rules = domain::care::templates(lang, "manager");
            rules[0].conditions.saved_segment = Some(7);
            rules[0].conditions.min_clv = Some(1500.5);
            rules[1].actions.push(Action::Webhook {
                url: "https://example.com/hook".into(),
                secret: "0123456789abcdef".into(),
                shape: WebhookShape::DingTalk,
            });
            rules[1].actions.push(Action::Email {
                to: Recipient::User {
                    username: "boss".into(),
                },
                subject: "S {{name}}".into(),
                body: "B".into(),
                subject_en: "Hello {{name}}".into(),
                body_en: "Body".into(),
            });
            for r in rules {
                let view = RuleFormView::of(&r);
                // As the browser posts it: every slot's fields, secrets left empty.
                let mut posted = HashMap::new();
                for (k, v) in [
                    ("name", &view.name),
                    ("trigger", &view.trigger),
                    ("days", &view.days),
                    ("threshold", &view.threshold),
                    ("min_clv", &view.min_clv),
                    ("daily_limit", &view.daily_limit),
                    ("mode", &view.mode),
                ] {
                    posted.insert(k.to_string(), v.clone());
                }
                posted.insert("saved_segment".into(), view.saved_segment.to_string());
                for (i, a) in view.actions.iter().enumerate() {
                    for (k, v) in [
                        ("kind", &a.kind),
                        ("user", &a.user),
                        ("due_days", &a.due_days),
                        ("to", &a.to),
                        ("subject", &a.subject),
                        ("text", &a.text),
                        ("subject_en", &a.subject_en),
                        ("text_en", &a.text_en),
                        ("url", &a.url),
                        ("shape", &a.shape),
                    ] {
                        posted.insert(format!("a{i}_{k}"), v.clone());
                    }
                }
                let secrets: Vec<Option<String>> = r
                    .actions
                    .iter()
                    .map(|a| match a {
                        Action::Webhook { secret, .. } => Some(secret.clone()),
                        _ => None,
                    })
                    .collect();
                let back = RuleFormView::posted(&posted)
                    .spec(&posted, &secrets, lang)
                    .expect("reads back");
                assert_eq!(back, r, "{}", r.name);
            }
        }
    }

    #[test]
    fn bad_numbers_and_choices_are_named() {
        let posted = form(&[
            ("trigger", "nope"),
            ("days", "three"),
            ("mode", "on"),
            ("a0_kind", "fax"),
            ("a1_kind", "task"),
            ("a1_due_days", "x"),
        ]);
        let e = RuleFormView::posted(&posted)
            .spec(&posted, &[], Lang::En)
            .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["days", "actions[0].type", "actions[1].due_days", "trigger"]
        );
    }
}
