//! Complaint cases (SPEC.md §3, the seeds' 客户抱怨管理): what a complaint records, the cause
//! taxonomy, severities with their service levels, and the handling protocol as a state
//! machine — received → acknowledged (listened, empathised, apologised) → cause analysed → fair
//! solution proposed → resolved → followed up (回访) → closed after review (总结评价), with
//! reopening. Every step is an [`Action`]; [`apply`] checks it against the case and says what
//! it changes, so the history the store appends is always consistent with the final state.
//! Business-hours arithmetic for the due times is here too (no I/O).

use crate::surveys::Text;
use crate::{FieldError, Lang};
use serde::{Deserialize, Serialize};

mod service_levels;
pub use service_levels::*;

/// Longest free text (situation, notes, solution, lesson), in characters.
pub const TEXT_MAX: usize = 4000;
/// Longest short text (place, product, sub-cause, team), in characters.
pub const SHORT_MAX: usize = 200;

coded!(
    /// How the complaint reached the company.
    Channel {
        Phone = "phone", "电话", "Phone";
        Counter = "counter", "柜台 / 门店", "Counter / store";
        Web = "web", "网站", "Website";
        WeChat = "wechat", "微信", "WeChat";
        Email = "email", "电子邮件", "E-mail";
        App = "app", "App", "App";
        Letter = "letter", "信函", "Letter";
        Other = "other", "其他", "Other";
    }
);

coded!(
    /// The seeds' five categories of cause (抱怨原因).
    Cause {
        Product = "product", "对产品不满", "Product dissatisfaction";
        Service = "service", "对服务不满", "Service dissatisfaction";
        FalseInformation = "false_information", "虚假或夸大的宣传", "False or exaggerated information";
        CustomerOrOutside = "customer_or_outside", "顾客自身或外部原因", "The customer's own or outside reasons";
        HighExpectations = "high_expectations", "期望过高", "Expectations too high";
    }
);

coded!(
    /// What the complainant wants (one or more).
    Want {
        Respect = "respect", "受到尊重", "Respect";
        Compensation = "compensation", "获得补偿", "Compensation";
        Vent = "vent", "发泄不满", "To vent";
        Solution = "solution", "解决问题", "A solution";
    }
);

coded!(
    /// How serious the complaint is; each level has its service levels.
    Severity {
        Low = "low", "一般", "Low";
        Medium = "medium", "较重", "Medium";
        High = "high", "严重", "High";
        Critical = "critical", "重大", "Critical";
    }
);

coded!(
    /// The handling step a case has reached.
    State {
        Received = "received", "已受理", "Received";
        Acknowledged = "acknowledged", "已安抚致歉", "Acknowledged";
        Analysed = "analysed", "已分析原因", "Cause analysed";
        Proposed = "proposed", "已提出方案", "Solution proposed";
        Resolved = "resolved", "已解决", "Resolved";
        FollowedUp = "followed_up", "已回访", "Followed up";
        Closed = "closed", "已总结关闭", "Closed after review";
    }
);

impl Severity {
    /// What the level means, for the person choosing it.
    pub fn meaning(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Severity::Low, Lang::ZhCn) => "小的不便，顾客情绪平稳，无损失",
            (Severity::Low, Lang::En) => "A small inconvenience; the customer is calm; no loss",
            (Severity::Medium, Lang::ZhCn) => "顾客明显不满或有小额损失，可能不再光顾",
            (Severity::Medium, Lang::En) => {
                "Clearly unhappy or a small loss; the customer may not come back"
            }
            (Severity::High, Lang::ZhCn) => "较大损失、多次投诉或威胁公开/投诉到监管部门",
            (Severity::High, Lang::En) => {
                "A real loss, a repeated complaint, or a threat to go public or to a regulator"
            }
            (Severity::Critical, Lang::ZhCn) => "涉及安全、健康、法律或媒体，需管理层立即介入",
            (Severity::Critical, Lang::En) => {
                "Safety, health, legal or media involved: management must step in at once"
            }
        }
    }

    /// Whether a case at this level flags its customer on every page ("open severe complaint").
    pub fn is_severe(self) -> bool {
        matches!(self, Severity::High | Severity::Critical)
    }
}

impl State {
    pub fn is_open(self) -> bool {
        !matches!(self, State::Closed)
    }
    /// The step is done with the customer's problem (resolved or later).
    pub fn is_resolved(self) -> bool {
        matches!(self, State::Resolved | State::FollowedUp | State::Closed)
    }
}

/// One step of the protocol, with what the agent records at it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Listened, empathised, apologised.
    Acknowledge { note: String },
    /// The cause and whether the complaint is justified.
    Analyse {
        cause: Cause,
        #[serde(default)]
        sub_cause: String,
        justified: bool,
        #[serde(default)]
        note: String,
    },
    /// A fair solution, and the compensation offered (minor units, 0 for none).
    Propose {
        solution: String,
        #[serde(default)]
        compensation_offered: i64,
        #[serde(default)]
        note: String,
    },
    /// The outcome: accepted by the customer or not, the compensation given, and whether it was
    /// settled within the first contact (on the spot).
    Resolve {
        accepted: bool,
        #[serde(default)]
        compensation_given: i64,
        #[serde(default)]
        on_the_spot: bool,
        #[serde(default)]
        note: String,
    },
    /// The follow-up visit's result.
    FollowUp {
        result: String,
        #[serde(default)]
        satisfied: Option<bool>,
    },
    /// The review's lesson.
    Close { lesson: String },
    /// Back to work: the customer's problem is not solved after all.
    Reopen { reason: String },
}

impl Action {
    pub fn code(&self) -> &'static str {
        match self {
            Action::Acknowledge { .. } => "acknowledge",
            Action::Analyse { .. } => "analyse",
            Action::Propose { .. } => "propose",
            Action::Resolve { .. } => "resolve",
            Action::FollowUp { .. } => "follow_up",
            Action::Close { .. } => "close",
            Action::Reopen { .. } => "reopen",
        }
    }

    /// The states this action may be taken from.
    pub fn allowed_from(&self) -> &'static [State] {
        step_from(self.code())
    }

    /// The state the action leads to.
    pub fn target(&self) -> State {
        match self {
            Action::Acknowledge { .. } => State::Acknowledged,
            Action::Analyse { .. } => State::Analysed,
            Action::Propose { .. } => State::Proposed,
            Action::Resolve { .. } => State::Resolved,
            Action::FollowUp { .. } => State::FollowedUp,
            Action::Close { .. } => State::Closed,
            // The cause is analysed again: the customer has been heard already.
            Action::Reopen { .. } => State::Acknowledged,
        }
    }

    /// The free text it records (the history's note).
    pub fn note(&self) -> &str {
        match self {
            Action::Acknowledge { note }
            | Action::Analyse { note, .. }
            | Action::Propose { note, .. }
            | Action::Resolve { note, .. } => note,
            Action::FollowUp { result, .. } => result,
            Action::Close { lesson } => lesson,
            Action::Reopen { reason } => reason,
        }
    }

    pub fn label(&self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Action::Acknowledge { .. } => ("倾听、共情、致歉", "Acknowledge"),
            Action::Analyse { .. } => ("分析原因", "Analyse the cause"),
            Action::Propose { .. } => ("提出解决方案", "Propose a solution"),
            Action::Resolve { .. } => ("解决", "Resolve"),
            Action::FollowUp { .. } => ("回访", "Follow up"),
            Action::Close { .. } => ("总结评价并关闭", "Review and close"),
            Action::Reopen { .. } => ("重新打开", "Reopen"),
        };
        lang.pick(zh, en)
    }

    /// Check what the step records (required fields, sizes); errors name the field.
    pub fn check(&self, lang: Lang) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut text = |field: &str, v: &str, required: bool, max: usize| {
            if let Err(reason) = check_text(v, required, max, lang) {
                errors.push(FieldError::new(field, reason));
            }
        };
        match self {
            Action::Acknowledge { note } => text("note", note, true, TEXT_MAX),
            Action::Analyse {
                sub_cause, note, ..
            } => {
                text("sub_cause", sub_cause, false, SHORT_MAX);
                text("note", note, false, TEXT_MAX);
            }
            Action::Propose {
                solution,
                compensation_offered,
                note,
            } => {
                text("solution", solution, true, TEXT_MAX);
                text("note", note, false, TEXT_MAX);
                if *compensation_offered < 0 {
                    errors.push(FieldError::new(
                        "compensation_offered",
                        lang.pick("补偿金额不能为负", "cannot be negative"),
                    ));
                }
            }
            Action::Resolve {
                compensation_given,
                note,
                ..
            } => {
                text("note", note, false, TEXT_MAX);
                if *compensation_given < 0 {
                    errors.push(FieldError::new(
                        "compensation_given",
                        lang.pick("补偿金额不能为负", "cannot be negative"),
                    ));
                }
            }
            Action::FollowUp { result, .. } => text("result", result, true, TEXT_MAX),
            Action::Close { lesson } => text("lesson", lesson, true, TEXT_MAX),
            Action::Reopen { reason } => text("reason", reason, true, TEXT_MAX),
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Each step's code and the states it may be taken from: the protocol's one table.
const STEPS: [(&str, &[State]); 7] = [
    ("acknowledge", &[State::Received]),
    ("analyse", &[State::Acknowledged]),
    ("propose", &[State::Analysed]),
    ("resolve", &[State::Proposed]),
    ("follow_up", &[State::Resolved]),
    ("close", &[State::FollowedUp]),
    (
        "reopen",
        &[State::Resolved, State::FollowedUp, State::Closed],
    ),
];

fn step_from(code: &str) -> &'static [State] {
    STEPS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(&[], |(_, from)| from)
}

/// The steps that may be taken from `state`, in protocol order.
pub fn steps_from(state: State) -> Vec<&'static str> {
    STEPS
        .iter()
        .filter(|(_, from)| from.contains(&state))
        .map(|(c, _)| *c)
        .collect()
}

/// A step taken from a state that does not allow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionError {
    pub from: State,
    pub action: &'static str,
    pub allowed_from: &'static [State],
}

impl TransitionError {
    pub fn message(&self, lang: Lang) -> String {
        let list = |sep: &str| {
            self.allowed_from
                .iter()
                .map(|s| s.label(lang))
                .collect::<Vec<_>>()
                .join(sep)
        };
        match lang {
            Lang::En => format!(
                "a case that is '{}' cannot take the step '{}'; that step is taken from: {}",
                self.from.label(lang),
                self.action,
                list(", ")
            ),
            Lang::ZhCn => format!(
                "处于“{}”状态的投诉不能执行“{}”；该步骤只能从以下状态执行：{}",
                self.from.label(lang),
                self.action,
                list("、")
            ),
        }
    }
}

/// What a case's handling has recorded so far: the fields the steps set.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Handling {
    pub cause: Option<Cause>,
    pub sub_cause: String,
    pub justified: Option<bool>,
    pub solution: String,
    pub compensation_offered: i64,
    pub accepted: Option<bool>,
    pub compensation_given: i64,
    pub on_the_spot: bool,
    pub follow_up_result: String,
    pub follow_up_satisfied: Option<bool>,
    pub lesson: String,
    /// Times of the first acknowledgement and of the latest resolution (stored form).
    pub acknowledged_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub reopened: u32,
}

/// The outcome of a step: the new state and the fields it changed, as (field, value) for the
/// history.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub state: State,
    pub handling: Handling,
    pub changed: Vec<(&'static str, serde_json::Value)>,
}

/// Take `action` on a case in `state` with `handling` so far, at time `at` (stored form).
pub fn apply(
    state: State,
    handling: &Handling,
    action: &Action,
    at: &str,
) -> Result<Applied, TransitionError> {
    if !action.allowed_from().contains(&state) {
        return Err(TransitionError {
            from: state,
            action: action.code(),
            allowed_from: action.allowed_from(),
        });
    }
    use serde_json::json;
    let mut h = handling.clone();
    let mut changed: Vec<(&'static str, serde_json::Value)> = Vec::new();
    match action {
        Action::Acknowledge { .. } => {
            if h.acknowledged_at.is_none() {
                h.acknowledged_at = Some(at.to_string());
                changed.push(("acknowledged_at", json!(at)));
            }
        }
        Action::Analyse {
            cause,
            sub_cause,
            justified,
            ..
        } => {
            h.cause = Some(*cause);
            h.sub_cause = sub_cause.trim().to_string();
            h.justified = Some(*justified);
            changed.push(("cause", json!(cause)));
            changed.push(("sub_cause", json!(h.sub_cause)));
            changed.push(("justified", json!(justified)));
        }
        Action::Propose {
            solution,
            compensation_offered,
            ..
        } => {
            h.solution = solution.trim().to_string();
            h.compensation_offered = *compensation_offered;
            changed.push(("solution", json!(h.solution)));
            changed.push(("compensation_offered", json!(compensation_offered)));
        }
        Action::Resolve {
            accepted,
            compensation_given,
            on_the_spot,
            ..
        } => {
            h.accepted = Some(*accepted);
            h.compensation_given = *compensation_given;
            // Reopened cases were not settled at the first contact, whatever is ticked.
            h.on_the_spot = *on_the_spot && h.reopened == 0;
            h.resolved_at = Some(at.to_string());
            changed.push(("accepted", json!(accepted)));
            changed.push(("compensation_given", json!(compensation_given)));
            changed.push(("on_the_spot", json!(h.on_the_spot)));
            changed.push(("resolved_at", json!(at)));
        }
        Action::FollowUp { result, satisfied } => {
            h.follow_up_result = result.trim().to_string();
            h.follow_up_satisfied = *satisfied;
            changed.push(("follow_up_result", json!(h.follow_up_result)));
            changed.push(("follow_up_satisfied", json!(satisfied)));
        }
        Action::Close { lesson } => {
            h.lesson = lesson.trim().to_string();
            h.closed_at = Some(at.to_string());
            changed.push(("lesson", json!(h.lesson)));
            changed.push(("closed_at", json!(at)));
        }
        Action::Reopen { .. } => {
            h.reopened += 1;
            h.resolved_at = None;
            h.closed_at = None;
            h.on_the_spot = false;
            changed.push(("reopened", json!(h.reopened)));
            changed.push(("resolved_at", serde_json::Value::Null));
            changed.push(("closed_at", serde_json::Value::Null));
            changed.push(("on_the_spot", json!(false)));
        }
    }
    Ok(Applied {
        state: action.target(),
        handling: h,
        changed,
    })
}

/// Check a free text field: required, at most `max` characters, no control characters but
/// line breaks and tabs. HTML is allowed as text (pages escape it).
pub fn check_text(v: &str, required: bool, max: usize, lang: Lang) -> Result<(), String> {
    let n = v.chars().count();
    if required && v.trim().is_empty() {
        return Err(lang.pick("必填", "required").into());
    }
    if n > max {
        return Err(match lang {
            Lang::En => format!("{n} characters; at most {max}"),
            Lang::ZhCn => format!("共 {n} 字，最多 {max} 字"),
        });
    }
    if v.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(lang
            .pick("含有控制字符", "contains control characters")
            .into());
    }
    Ok(())
}

/// Labels of the cause categories, for pages and exports.
pub fn cause_text(c: Cause) -> Text {
    Text::new(c.label(Lang::ZhCn), c.label(Lang::En))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate, Utc};

    fn every_action() -> Vec<Action> {
        vec![
            Action::Acknowledge {
                note: "听取并致歉".into(),
            },
            Action::Analyse {
                cause: Cause::Service,
                sub_cause: "waiting".into(),
                justified: true,
                note: String::new(),
            },
            Action::Propose {
                solution: "refund the fee".into(),
                compensation_offered: 5000,
                note: String::new(),
            },
            Action::Resolve {
                accepted: true,
                compensation_given: 5000,
                on_the_spot: true,
                note: String::new(),
            },
            Action::FollowUp {
                result: "happy".into(),
                satisfied: Some(true),
            },
            Action::Close {
                lesson: "staff the counter at noon".into(),
            },
            Action::Reopen {
                reason: "it broke again".into(),
            },
        ]
    }

    /// The whole table: each action from each state is allowed exactly where the protocol says,
    /// and leads where it says.
    #[test]
    fn every_allowed_and_refused_transition() {
        use State::*;
        let allowed: &[(&str, &[State], State)] = &[
            ("acknowledge", &[Received], Acknowledged),
            ("analyse", &[Acknowledged], Analysed),
            ("propose", &[Analysed], Proposed),
            ("resolve", &[Proposed], Resolved),
            ("follow_up", &[Resolved], FollowedUp),
            ("close", &[FollowedUp], Closed),
            ("reopen", &[Resolved, FollowedUp, Closed], Acknowledged),
        ];
        let h = Handling::default();
        for a in every_action() {
            let (_, from, to) = allowed.iter().find(|r| r.0 == a.code()).unwrap();
            for &s in State::ALL {
                let r = apply(s, &h, &a, "2026-01-01T00:00:00Z");
                if from.contains(&s) {
                    assert_eq!(r.unwrap().state, *to, "{} from {s:?}", a.code());
                } else {
                    let e = r.unwrap_err();
                    assert_eq!((e.from, e.action), (s, a.code()));
                    assert!(e.message(Lang::En).contains(s.label(Lang::En)));
                    assert!(e.message(Lang::ZhCn).contains("不能执行"));
                }
            }
        }
    }

    #[test]
    fn steps_record_their_fields_and_reopening_clears_the_outcome() {
        let mut s = State::Received;
        let mut h = Handling::default();
        for (k, a) in every_action().into_iter().take(6).enumerate() {
            let r = apply(s, &h, &a, &format!("2026-01-0{}T00:00:00Z", k + 1)).unwrap();
            (s, h) = (r.state, r.handling);
        }
        assert_eq!(s, State::Closed);
        assert_eq!(h.cause, Some(Cause::Service));
        assert!(h.on_the_spot);
        assert_eq!(h.acknowledged_at.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(h.resolved_at.as_deref(), Some("2026-01-04T00:00:00Z"));
        let r = apply(
            s,
            &h,
            &Action::Reopen { reason: "x".into() },
            "2026-02-01T00:00:00Z",
        )
        .unwrap();
        assert_eq!(r.state, State::Acknowledged);
        assert_eq!(
            (&r.handling.resolved_at, &r.handling.closed_at),
            (&None, &None)
        );
        assert_eq!(r.handling.reopened, 1);
        // A reopened case resolved again was not settled on the spot.
        let mut h = r.handling;
        let mut s = r.state;
        for a in every_action().into_iter().skip(1).take(3) {
            let r = apply(s, &h, &a, "2026-02-02T00:00:00Z").unwrap();
            (s, h) = (r.state, r.handling);
        }
        assert_eq!(s, State::Resolved);
        assert!(!h.on_the_spot);
        assert_eq!(
            h.acknowledged_at.as_deref(),
            Some("2026-01-01T00:00:00Z"),
            "the first response stays the first"
        );
    }

    /// Any random sequence of actions: the refused ones change nothing, and replaying the
    /// accepted ones' history from the start gives the final state and fields.
    #[test]
    fn random_sequences_leave_a_consistent_history() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let actions = every_action();
        for _ in 0..2000 {
            let (mut s, mut h) = (State::Received, Handling::default());
            let mut history: Vec<(State, Action, State)> = Vec::new();
            for step in 0..rng.gen_range(1..40) {
                let a = &actions[rng.gen_range(0..actions.len())];
                let at = format!("2026-03-01T00:{:02}:00Z", step % 60);
                match apply(s, &h, a, &at) {
                    Ok(r) => {
                        history.push((s, a.clone(), r.state));
                        (s, h) = (r.state, r.handling);
                    }
                    Err(e) => assert_eq!(e.from, s),
                }
            }
            // Consistent: each entry starts where the previous ended, and replay agrees.
            let (mut rs, mut rh) = (State::Received, Handling::default());
            for (k, (from, a, to)) in history.iter().enumerate() {
                assert_eq!(*from, rs, "entry {k} starts where the last ended");
                let at = format!("2026-03-01T00:{:02}:00Z", k % 60);
                let r = apply(rs, &rh, a, &at).unwrap();
                assert_eq!(r.state, *to);
                (rs, rh) = (r.state, r.handling);
            }
            assert_eq!(rs, s);
            assert_eq!(rh.reopened, h.reopened);
            assert_eq!(rh.cause, h.cause);
            assert_eq!(s.is_resolved(), h.resolved_at.is_some());
        }
    }

    #[test]
    fn actions_check_required_fields_and_sizes() {
        let e = Action::Close {
            lesson: "  ".into(),
        }
        .check(Lang::En)
        .unwrap_err();
        assert_eq!(
            (e[0].field.as_str(), e[0].reason.as_str()),
            ("lesson", "required")
        );
        let long = "长".repeat(TEXT_MAX + 1);
        let e = Action::Acknowledge { note: long }
            .check(Lang::ZhCn)
            .unwrap_err();
        assert!(e[0].reason.contains("最多 4000 字"), "{e:?}");
        let e = Action::Propose {
            solution: "ok".into(),
            compensation_offered: -1,
            note: String::new(),
        }
        .check(Lang::En)
        .unwrap_err();
        assert_eq!(e[0].field, "compensation_offered");
        assert!(Action::Acknowledge {
            note: "<script>alert(1)</script>".into()
        }
        .check(Lang::En)
        .is_ok());
        assert!(check_text("a\u{7}b", false, 10, Lang::En).is_err());
    }

    fn utc(s: &str) -> DateTime<Utc> {
        crate::time::parse_instant(s).unwrap()
    }

    /// Business time in China (UTC+8, 9:00–18:00, Monday–Friday): Friday 17:00 local plus two
    /// hours is Monday 10:00; a holiday Monday pushes it to Tuesday; a 调休 Saturday works.
    #[test]
    fn business_hours_skip_nights_weekends_and_holidays() {
        let mut b = BusinessHours {
            holidays: Vec::new(),
            extra_workdays: Vec::new(),
            ..BusinessHours::default()
        };
        // 2026-01-02 is a Friday; 17:00 in Beijing is 09:00 UTC.
        let fri = utc("2026-01-02T09:00:00Z");
        assert_eq!(b.add(fri, 120), utc("2026-01-05T02:00:00Z"));
        assert_eq!(b.minutes_between(fri, utc("2026-01-05T02:00:00Z")), 120);
        b.holidays
            .push(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap());
        assert_eq!(b.add(fri, 120), utc("2026-01-06T02:00:00Z"));
        b.extra_workdays
            .push(NaiveDate::from_ymd_opt(2026, 1, 3).unwrap());
        assert_eq!(b.add(fri, 120), utc("2026-01-03T02:00:00Z"));
        // Before opening counts from opening; zero minutes at night is the next opening.
        let night = utc("2026-01-06T15:00:00Z"); // 23:00 Beijing, Tuesday
        assert_eq!(b.add(night, 0), utc("2026-01-07T01:00:00Z"));
        assert_eq!(b.minutes_between(night, utc("2026-01-07T01:30:00Z")), 30);
        let bad = BusinessHours {
            weekdays: vec![8],
            ..Default::default()
        };
        assert_eq!(bad.check(Lang::En).unwrap_err().field, "weekdays");
    }

    /// The default calendar is mainland China's 2026: the Spring Festival off, the 调休
    /// Saturday before it worked.
    #[test]
    fn the_default_calendar_knows_the_spring_festival() {
        let b = BusinessHours::default();
        // Friday 2026-02-13 17:00 Beijing + 2 h: Saturday the 14th is worked, 10:00.
        assert_eq!(
            b.add(utc("2026-02-13T09:00:00Z"), 120),
            utc("2026-02-14T02:00:00Z")
        );
        // Received on New Year's Eve (the 16th): counted from Tuesday the 24th, 09:00.
        assert_eq!(
            b.add(utc("2026-02-16T04:00:00Z"), 0),
            utc("2026-02-24T01:00:00Z")
        );
        assert_eq!(
            (b.holidays.len(), b.extra_workdays.len()),
            (CHINA_HOLIDAYS.len(), CHINA_EXTRA_WORKDAYS.len())
        );
    }

    #[test]
    fn timers_warn_before_a_breach() {
        let (s, d) = (utc("2026-01-01T00:00:00Z"), utc("2026-01-01T10:00:00Z"));
        assert_eq!(timer(s, d, utc("2026-01-01T07:00:00Z")), Timer::OnTime);
        assert_eq!(timer(s, d, utc("2026-01-01T08:00:00Z")), Timer::DueSoon);
        assert_eq!(timer(s, d, utc("2026-01-01T10:00:01Z")), Timer::Breached);
    }

    #[test]
    fn timers_fire_once_and_stop_when_the_step_is_taken() {
        let mut t = Timers {
            ack_warn_at: "2026-01-01T01:00:00Z",
            ack_due_at: "2026-01-01T02:00:00Z",
            resolve_warn_at: "2026-01-02T00:00:00Z",
            resolve_due_at: "2026-01-03T00:00:00Z",
            acknowledged: false,
            resolved: false,
            done: "",
        };
        assert_eq!(t.next().as_deref(), Some("2026-01-01T01:00:00Z"));
        assert_eq!(t.due("2026-01-01T00:59:59Z"), vec![]);
        assert_eq!(
            t.due("2026-01-01T02:00:00Z"),
            vec![TimerKind::AckWarn, TimerKind::AckBreach]
        );
        t.done = "ack_warn,ack_breach";
        assert_eq!(t.due("2026-01-01T02:00:00Z"), vec![]);
        assert_eq!(t.next().as_deref(), Some("2026-01-02T00:00:00Z"));
        t.done = "";
        t.acknowledged = true;
        assert_eq!(
            t.next().as_deref(),
            Some("2026-01-02T00:00:00Z"),
            "acknowledged: no ack timers"
        );
        t.resolved = true;
        assert_eq!(t.next(), None);
        let d = due_times(
            &BusinessHours::default(),
            &default_service_levels()[2],
            utc("2026-01-05T01:00:00Z"),
        );
        // High: 1 business hour to respond (warned at 48 min), 1 business day to resolve.
        assert_eq!(d[0], utc("2026-01-05T01:48:00Z"));
        assert_eq!(d[1], utc("2026-01-05T02:00:00Z"));
        assert_eq!(d[3], utc("2026-01-05T10:00:00Z"), "18:00 the same day");
    }

    #[test]
    fn codes_parse_back_and_have_both_labels() {
        for c in Cause::ALL {
            assert_eq!(Cause::parse(c.code()), Some(*c));
            assert_ne!(c.label(Lang::ZhCn), c.label(Lang::En));
        }
        assert_eq!(Channel::parse("WeChat"), Some(Channel::WeChat));
        assert_eq!(State::parse("followed_up"), Some(State::FollowedUp));
        assert!(Severity::parse("urgent").is_none());
        for s in Severity::ALL {
            assert!(!s.meaning(Lang::ZhCn).is_empty());
        }
    }
}
