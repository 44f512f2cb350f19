//! Complaint management (SPEC.md §3): recording a case, the handling steps of
//! `domain::complaints` with optimistic versions, who sees which cases (an agent their own and
//! their team's; managers and analysts all, analysts read-only), the service-level timers
//! (warnings and breaches fired by a sweep over the stored due times, so they survive a
//! restart, with escalation to the team's manager), and the follow-up visit scheduled on
//! resolution.

pub mod bulk;
mod demo;
pub mod measures;
pub mod reply;
mod survey;
pub use settings::Settings;
mod settings;
mod teams;
mod timers;
mod work;

use crate::{Actor, App, AppError};
use chrono::{DateTime, Duration, Utc};
use domain::access::Permission;
use domain::complaints::{
    self as rules, Action, BusinessHours, Cause, Channel, Handling, ServiceLevel, Severity, State,
    Timers, Want,
};
use domain::time::{parse_instant, to_stored};
use domain::{ErrorCode, FieldError, Lang};
use serde::{Deserialize, Serialize};
use serde_json::json;
use storage::complaints::{Complaint, Event, Filter, NewComplaint, Step, Task, Team};

/// How long a list's count of cases is reused; changes made through this process drop it.
pub const COUNT_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// When the customer complained, as typed: with its zone (`…Z`, `+08:00`) as given; a bare
/// `YYYY-MM-DD HH:MM[:SS]` (what the page's date-time field sends) is the company's local time
/// (the business hours' UTC offset), not UTC.
fn received_instant(s: &str, offset_minutes: i32) -> Result<DateTime<Utc>, String> {
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Ok(t.and_utc() - Duration::minutes(offset_minutes.into()));
        }
    }
    parse_instant(s)
}

/// A complaint as it is recorded at the counter or on the phone.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ComplaintInput {
    /// When the customer complained (stored form, or `YYYY-MM-DD HH:MM` in the company's local
    /// time); now if empty.
    pub received_at: String,
    pub channel: String,
    pub place: String,
    pub customer_id: Option<i64>,
    /// Or the customer's external id.
    pub customer: String,
    /// Who called, when the customer is not (yet) known.
    pub caller: String,
    pub situation: String,
    pub product: String,
    pub severity: String,
    pub wants: Vec<String>,
    /// Empty: the recording agent (a manager's unassigned case stays unassigned).
    pub assignee: String,
}

/// A case with its history, tasks, the steps its reader may take and its timers now.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub complaint: Complaint,
    pub events: Vec<Event>,
    pub tasks: Vec<Task>,
    /// Step codes the reader may take now.
    pub actions: Vec<&'static str>,
    pub can_edit: bool,
    /// `on_time`, `due_soon` or `breached` for the response and the resolution (None once
    /// the step is taken).
    pub ack_timer: Option<rules::Timer>,
    pub resolve_timer: Option<rules::Timer>,
    /// The customer's post-complaint survey link (path), once the case is resolved.
    pub survey_link: Option<String>,
    /// While the case is resolved and its follow-up task is not made yet: the company-local
    /// day a care rule will make it, and the rule's name.
    pub follow_up_planned: Option<(String, String)>,
}

fn state_of(c: &Complaint) -> State {
    State::parse(&c.state).unwrap_or(State::Received)
}

fn handling_of(c: &Complaint) -> Handling {
    serde_json::from_value(c.handling.clone()).unwrap_or_default()
}

fn instant(s: &str) -> DateTime<Utc> {
    parse_instant(s).unwrap_or_else(|_| Utc::now())
}

fn timers_of<'a>(c: &'a Complaint, done: &'a str) -> Timers<'a> {
    Timers {
        ack_warn_at: &c.ack_warn_at,
        ack_due_at: &c.ack_due_at,
        resolve_warn_at: &c.resolve_warn_at,
        resolve_due_at: &c.resolve_due_at,
        acknowledged: c.acknowledged_at.is_some(),
        resolved: c.resolved_at.is_some(),
        done,
    }
}

impl App {
    /// Whether the actor may read this case: managers and analysts all; an agent their own,
    /// their team's, and unassigned ones they recorded.
    async fn can_see(&self, actor: &Actor, c: &Complaint) -> Result<bool, AppError> {
        if actor.role.can(Permission::ViewAllCases) {
            return Ok(true);
        }
        if c.assignee == actor.username || c.created_by == actor.username {
            return Ok(true);
        }
        let team = self.store.team_of(&actor.username).await?;
        Ok(team.is_some() && team == c.team_id)
    }

    async fn visible_case(&self, actor: &Actor, id: i64) -> Result<Complaint, AppError> {
        actor.require(Permission::ViewCases)?;
        let lang = actor.lang;
        let not_found = || AppError::not_found(lang, &format!("complaint {id}"));
        let c = self.store.complaint(id).await.map_err(|_| not_found())?;
        // A case the reader may not see does not exist for them.
        if !self.can_see(actor, &c).await? {
            return Err(not_found());
        }
        Ok(c)
    }

    /// Record a complaint: checked whole (every bad field named), due times from its severity.
    pub async fn create_complaint(
        &self,
        actor: &Actor,
        input: &ComplaintInput,
    ) -> Result<CaseView, AppError> {
        actor.require(Permission::EditCases)?;
        let lang = actor.lang;
        let mut errors = Vec::new();
        let mut field = |f: &str, r: Result<(), String>| {
            if let Err(reason) = r {
                errors.push(FieldError::new(f, reason));
            }
        };
        let channel = Channel::parse(&input.channel);
        field(
            "channel",
            channel.map(|_| ()).ok_or_else(|| {
                unknown(lang, &input.channel, Channel::ALL.iter().map(|c| c.code()))
            }),
        );
        let severity = Severity::parse(&input.severity);
        field(
            "severity",
            severity.map(|_| ()).ok_or_else(|| {
                unknown(
                    lang,
                    &input.severity,
                    Severity::ALL.iter().map(|c| c.code()),
                )
            }),
        );
        let mut wants = Vec::new();
        for w in &input.wants {
            match Want::parse(w) {
                Some(w) => wants.push(w.code().to_string()),
                None => field(
                    "wants",
                    Err(unknown(lang, w, Want::ALL.iter().map(|c| c.code()))),
                ),
            }
        }
        field(
            "situation",
            rules::check_text(&input.situation, true, rules::TEXT_MAX, lang),
        );
        for (f, v) in [
            ("place", &input.place),
            ("product", &input.product),
            ("caller", &input.caller),
        ] {
            field(f, rules::check_text(v, false, rules::SHORT_MAX, lang));
        }
        let now = Utc::now();
        let settings = self.complaint_settings().await?;
        let received = if input.received_at.trim().is_empty() {
            Ok(now)
        } else {
            received_instant(input.received_at.trim(), settings.hours.utc_offset_minutes)
        };
        match &received {
            Ok(t) if *t > now + Duration::minutes(5) => field(
                "received_at",
                Err(lang.pick("不能晚于现在", "cannot be in the future").into()),
            ),
            Ok(_) => {}
            Err(e) => field("received_at", Err(e.clone())),
        }
        // The customer, by id or external id; or a caller to link later.
        let customer_id = match (input.customer_id, input.customer.trim()) {
            (Some(id), _) => match self.store.customer(id).await {
                Ok(c) => Some(c.id),
                Err(_) => {
                    field("customer_id", Err(no_customer(lang, &id.to_string())));
                    None
                }
            },
            (None, ext) if !ext.is_empty() => match self.store.customer_id_by_external(ext).await {
                Ok(id) => Some(id),
                Err(_) => {
                    field("customer", Err(no_customer(lang, ext)));
                    None
                }
            },
            _ => None,
        };
        if customer_id.is_none()
            && input.customer_id.is_none()
            && input.customer.trim().is_empty()
            && input.caller.trim().is_empty()
        {
            field(
                "caller",
                Err(lang
                    .pick(
                        "请选择客户，或填写来电人（客户未知时）",
                        "pick the customer, or describe the caller when the customer is not known",
                    )
                    .into()),
            );
        }
        let assignee = if input.assignee.trim().is_empty() {
            if actor.role == domain::access::Role::Agent {
                actor.username.clone()
            } else {
                String::new()
            }
        } else {
            input.assignee.trim().to_string()
        };
        if !assignee.is_empty() {
            if let Err(reason) = self.check_assignee(&assignee, lang).await {
                field("assignee", Err(reason));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::invalid(lang, errors));
        }
        let (channel, severity, received) = (
            channel.expect("checked"),
            severity.expect("checked"),
            received.expect("checked"),
        );
        let due =
            rules::due_times(&settings.hours, &settings.level(severity), received).map(to_stored);
        let team_id = if assignee.is_empty() {
            None
        } else {
            self.store.team_of(&assignee).await?
        };
        let timers = Timers {
            ack_warn_at: &due[0],
            ack_due_at: &due[1],
            resolve_warn_at: &due[2],
            resolve_due_at: &due[3],
            acknowledged: false,
            resolved: false,
            done: "",
        };
        let queue = self.case_write_turn().await;
        let c = self
            .store
            .create_complaint(&NewComplaint {
                received_at: &to_stored(received),
                channel: channel.code(),
                place: input.place.trim(),
                customer_id,
                caller: input.caller.trim(),
                situation: input.situation.trim(),
                product: input.product.trim(),
                severity: severity.code(),
                wants: &wants,
                assignee: &assignee,
                team_id,
                next_timer_at: timers.next(),
                due: due.clone(),
                created_by: &actor.username,
            })
            .await?;
        drop(queue);
        self.forget_complaint_counts();
        self.case_view(actor, c).await
    }

    /// The user exists, is active, and may work cases.
    async fn check_assignee(&self, username: &str, lang: Lang) -> Result<(), String> {
        match self.store.user_by_name(username).await {
            Ok(u) if u.active && u.role.can(Permission::EditCases) => Ok(()),
            Ok(_) => Err(match lang {
                Lang::En => format!("'{username}' cannot work complaint cases"),
                Lang::ZhCn => format!("“{username}”无权处理投诉"),
            }),
            Err(_) => Err(match lang {
                Lang::En => format!("no user '{username}'"),
                Lang::ZhCn => format!("没有用户“{username}”"),
            }),
        }
    }

    pub async fn complaint(&self, actor: &Actor, id: i64) -> Result<CaseView, AppError> {
        let c = self.visible_case(actor, id).await?;
        self.case_view(actor, c).await
    }

    async fn case_view(&self, actor: &Actor, c: Complaint) -> Result<CaseView, AppError> {
        let (events, tasks) = tokio::try_join!(
            self.store.complaint_events(c.id),
            self.store.complaint_tasks(None, Some(c.id), false)
        )?;
        let can_edit = actor.role.can(Permission::EditCases);
        let state = state_of(&c);
        let actions = if can_edit {
            rules::steps_from(state)
        } else {
            Vec::new()
        };
        let now = Utc::now();
        let start = instant(&c.received_at);
        let ack_timer = c
            .acknowledged_at
            .is_none()
            .then(|| rules::timer(start, instant(&c.ack_due_at), now));
        let resolve_timer = (c.resolved_at.is_none() && state.is_open())
            .then(|| rules::timer(start, instant(&c.resolve_due_at), now));
        let survey_link = match (c.customer_id, state.is_resolved() && can_edit) {
            (Some(customer), true) => self.post_complaint_link(customer).await?,
            _ => None,
        };
        let follow_up_planned = if state == State::Resolved && tasks.is_empty() {
            self.planned_follow_up(c.resolved_at.as_deref()).await?
        } else {
            None
        };
        Ok(CaseView {
            survey_link,
            follow_up_planned,
            complaint: c,
            events,
            tasks,
            actions,
            can_edit,
            ack_timer,
            resolve_timer,
        })
    }

    /// A page of the cases the actor may see.
    pub async fn complaints(
        &self,
        actor: &Actor,
        mut f: Filter,
    ) -> Result<(Vec<Complaint>, i64), AppError> {
        actor.require(Permission::ViewCases)?;
        // A filter value the list does not know is said, not taken for "none match".
        let lang = actor.lang;
        let known = |field: &str, v: &str, ok: bool, choices: Vec<&str>| {
            if v.is_empty() || ok {
                Ok(())
            } else {
                Err(AppError::field(
                    lang,
                    field,
                    format!(
                        "{}{}",
                        lang.pick("应为以下之一：", "one of: "),
                        choices.join(", ")
                    ),
                ))
            }
        };
        let states: Vec<&str> = ["open", "unresolved"]
            .into_iter()
            .chain(domain::complaints::State::ALL.iter().map(|s| s.code()))
            .collect();
        known(
            "state",
            &f.state,
            states.contains(&f.state.as_str()),
            states.clone(),
        )?;
        known(
            "severity",
            &f.severity,
            domain::complaints::Severity::parse(&f.severity).is_some(),
            domain::complaints::Severity::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        )?;
        known(
            "cause",
            &f.cause,
            domain::complaints::Cause::parse(&f.cause).is_some(),
            domain::complaints::Cause::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        )?;
        if !actor.role.can(Permission::ViewAllCases) {
            let team = self.store.team_of(&actor.username).await?;
            f.teams = Some(team.into_iter().collect());
            f.also_assignee = Some(actor.username.clone());
        }
        if f.limit == 0 {
            f.limit = 50;
        }
        // Paging through a list counts it once in a while, not on every page (counting the
        // open cases of half a million takes longer than the page itself).
        let key = format!(
            "complaints\u{2}{:?}",
            Filter {
                limit: 0,
                offset: 0,
                overdue_at: f
                    .overdue_at
                    .as_ref()
                    .map(|t| t.get(..15).unwrap_or("").to_string()),
                ..f.clone()
            }
        );
        let known = {
            let mut cache = self.total_cache.lock().expect("cache");
            match cache.get_mut(&key) {
                Some((at, n, _)) if at.elapsed() < COUNT_TTL => Some(*n),
                Some((at, _, _)) => {
                    *at = std::time::Instant::now();
                    None
                }
                None => None,
            }
        };
        let (rows, total) = self.store.complaints(&f, known).await?;
        if known.is_none() {
            let mut cache = self.total_cache.lock().expect("cache");
            if cache.len() >= 1000 {
                cache.clear();
            }
            cache.insert(key, (std::time::Instant::now(), total, false));
        }
        Ok((rows, total))
    }

    /// On SQLite, this process's turn to write a case (see `App::case_writes`).
    async fn case_write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.store.backend() {
            storage::Backend::Sqlite => Some(self.case_writes.lock().await),
            storage::Backend::Postgres => None,
        }
    }

    /// A case was recorded: the cached list counts are off (a step's change of state shows in
    /// the counts within [`COUNT_TTL`]).
    fn forget_complaint_counts(&self) {
        self.total_cache
            .lock()
            .expect("cache")
            .retain(|k, _| !k.starts_with("complaints\u{2}"));
    }

    /// Take a handling step at the version the actor saw.
    pub async fn complaint_step(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        action: &Action,
    ) -> Result<CaseView, AppError> {
        actor.require(Permission::EditCases)?;
        let lang = actor.lang;
        action.check(lang).map_err(|e| AppError::invalid(lang, e))?;
        let c = self.visible_case(actor, id).await?;
        if c.version != version {
            return Err(conflict(lang, c.version));
        }
        let c = self
            .apply_step(&c, action, &actor.username, Utc::now(), lang)
            .await?;
        // Resolved: the customer is asked how the complaint was handled.
        if let (Action::Resolve { .. }, Some(customer)) = (action, c.customer_id) {
            self.invite_after_complaint(customer).await?;
        }
        self.case_view(actor, c).await
    }

    /// Take the step on the case as it was read (its version), at `now`: the protocol's
    /// check, the fields it sets, the timers left, the follow-up task on resolution.
    pub(crate) async fn apply_step(
        &self,
        c: &Complaint,
        action: &Action,
        by: &str,
        now: DateTime<Utc>,
        lang: Lang,
    ) -> Result<Complaint, AppError> {
        let (id, version) = (c.id, c.version);
        let at = to_stored(now);
        let applied = rules::apply(state_of(c), &handling_of(c), action, &at).map_err(|e| {
            AppError::new(ErrorCode::InvalidTransition, lang)
                .with_message(e.message(lang))
                .with_details(json!({
                    "state": e.from.code(),
                    "action": e.action,
                    "allowed_from": e.allowed_from.iter().map(|s| s.code()).collect::<Vec<_>>(),
                }))
        })?;
        let settings = self.complaint_settings().await?;
        let h = &applied.handling;
        let mut done = c.timers_done.clone();
        // A reopened case has its resolution clock started again.
        let resolve_due = matches!(action, Action::Reopen { .. }).then(|| {
            let sev = Severity::parse(&c.severity).unwrap_or(Severity::Medium);
            let d = rules::due_times(&settings.hours, &settings.level(sev), now);
            done = done
                .split(',')
                .filter(|k| !k.starts_with("resolve") && !k.is_empty())
                .collect::<Vec<_>>()
                .join(",");
            (to_stored(d[2]), to_stored(d[3]))
        });
        let mut after = c.clone();
        after.acknowledged_at = h.acknowledged_at.clone();
        after.resolved_at = h.resolved_at.clone();
        if let Some((w, d)) = &resolve_due {
            after.resolve_warn_at = w.clone();
            after.resolve_due_at = d.clone();
        }
        let next = if applied.state.is_open() {
            timers_of(&after, &done).next()
        } else {
            None
        };
        let changes = serde_json::Value::Object(
            applied
                .changed
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        );
        let _queue = self.case_write_turn().await;
        self.store
            .complaint_step(
                id,
                &Step {
                    expected_version: version,
                    actor: by,
                    at: &at,
                    kind: action.code(),
                    from_state: &c.state,
                    to_state: applied.state.code(),
                    note: action.note(),
                    changes,
                    handling: serde_json::to_value(h).map_err(AppError::internal)?,
                    cause: h.cause.map_or("", |c| c.code()),
                    acknowledged_at: h.acknowledged_at.as_deref(),
                    resolved_at: h.resolved_at.as_deref(),
                    closed_at: h.closed_at.as_deref(),
                    on_the_spot: h.on_the_spot,
                    resolve_due,
                    timers_done: &done,
                    next_timer_at: next,
                    assignee: &c.assignee,
                    team_id: c.team_id,
                    escalated_to: &c.escalated_to,
                    customer_id: c.customer_id,
                    finish_tasks: matches!(action, Action::FollowUp { .. }),
                    notify: Vec::new(),
                    mail: Vec::new(),
                },
            )
            .await
            .map_err(|e| step_error(e, lang))
    }

    /// Who may be given cases: the active users who work them (agents, managers,
    /// administrators), by name — the assignee picker's choices (managers).
    pub async fn case_workers(&self, actor: &Actor) -> Result<Vec<String>, AppError> {
        actor.require(Permission::ManageCases)?;
        Ok(self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| u.active && u.role.can(Permission::EditCases))
            .map(|u| u.username)
            .collect())
    }

    /// Give the case to an agent (managers: anyone who works cases; an agent: themselves).
    pub async fn assign_complaint(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        assignee: &str,
    ) -> Result<CaseView, AppError> {
        actor.require(Permission::EditCases)?;
        let lang = actor.lang;
        let assignee = assignee.trim();
        if !actor.role.can(Permission::ManageCases) && assignee != actor.username {
            return Err(AppError::forbidden(lang, Permission::ManageCases));
        }
        self.check_assignee(assignee, lang)
            .await
            .map_err(|r| AppError::field(lang, "assignee", r))?;
        let c = self.visible_case(actor, id).await?;
        let team_id = self.store.team_of(assignee).await?;
        let changes = json!({ "assignee": assignee, "team_id": team_id });
        let at = domain::time::now_stored();
        self.case_edit(actor, &c, &at, version, "assign", "", changes, |s| {
            s.assignee = assignee;
            s.team_id = team_id;
        })
        .await
    }

    /// Link a case recorded for an unknown caller to the customer it turned out to be.
    pub async fn link_complaint_customer(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        customer_id: i64,
    ) -> Result<CaseView, AppError> {
        actor.require(Permission::EditCases)?;
        let lang = actor.lang;
        let customer = self.store.customer(customer_id).await.map_err(|_| {
            AppError::field(
                lang,
                "customer_id",
                no_customer(lang, &customer_id.to_string()),
            )
        })?;
        let c = self.visible_case(actor, id).await?;
        let changes = json!({ "customer_id": customer.id });
        let at = domain::time::now_stored();
        self.case_edit(
            actor,
            &c,
            &at,
            version,
            "link_customer",
            &customer.name,
            changes,
            |s| s.customer_id = Some(customer.id),
        )
        .await
    }

    /// A change that keeps the state (assignment, linking): recorded in the history too.
    #[allow(clippy::too_many_arguments)]
    async fn case_edit<'a>(
        &self,
        actor: &'a Actor,
        c: &'a Complaint,
        at: &'a str,
        version: i64,
        kind: &'a str,
        note: &'a str,
        changes: serde_json::Value,
        edit: impl FnOnce(&mut Step<'a>),
    ) -> Result<CaseView, AppError> {
        let lang = actor.lang;
        if c.version != version {
            return Err(conflict(lang, c.version));
        }
        let mut step = same_state_step(c, at, &actor.username, kind, note, changes);
        step.expected_version = version;
        edit(&mut step);
        let queue = self.case_write_turn().await;
        let c = self
            .store
            .complaint_step(c.id, &step)
            .await
            .map_err(|e| step_error(e, lang))?;
        drop(queue);
        self.case_view(actor, c).await
    }
}

/// A history entry that keeps the case's state and fields (the caller changes what it edits).
fn same_state_step<'a>(
    c: &'a Complaint,
    at: &'a str,
    actor: &'a str,
    kind: &'a str,
    note: &'a str,
    changes: serde_json::Value,
) -> Step<'a> {
    Step {
        expected_version: c.version,
        actor,
        at,
        kind,
        from_state: &c.state,
        to_state: &c.state,
        note,
        changes,
        handling: c.handling.clone(),
        cause: &c.cause,
        acknowledged_at: c.acknowledged_at.as_deref(),
        resolved_at: c.resolved_at.as_deref(),
        closed_at: c.closed_at.as_deref(),
        on_the_spot: c.on_the_spot,
        resolve_due: None,
        timers_done: &c.timers_done,
        next_timer_at: c.next_timer_at.clone(),
        assignee: &c.assignee,
        team_id: c.team_id,
        escalated_to: &c.escalated_to,
        customer_id: c.customer_id,
        finish_tasks: false,
        notify: Vec::new(),
        mail: Vec::new(),
    }
}

fn conflict(lang: Lang, current: i64) -> AppError {
    AppError::new(ErrorCode::VersionConflict, lang)
        .with_details(json!({ "current_version": current }))
}

fn step_error(e: storage::StoreError, lang: Lang) -> AppError {
    match e {
        storage::StoreError::VersionConflict { current } => conflict(lang, current),
        e => AppError::from(e).localized(lang),
    }
}

fn unknown<'a>(lang: Lang, v: &str, known: impl Iterator<Item = &'a str>) -> String {
    let list = known.collect::<Vec<_>>().join(", ");
    match lang {
        Lang::En => format!("unknown value '{v}' (one of {list})"),
        Lang::ZhCn => format!("未知取值“{v}”（可选：{list}）"),
    }
}

fn no_customer(lang: Lang, id: &str) -> String {
    match lang {
        Lang::En => format!("no customer '{id}'"),
        Lang::ZhCn => format!("没有客户“{id}”"),
    }
}
