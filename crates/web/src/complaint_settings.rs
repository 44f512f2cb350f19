//! The complaint settings page (SPEC.md §3, issue 5): business hours, holidays and 调休
//! workdays, the service levels per severity (in business hours), when the follow-up visit is
//! due, the recovery window and the sub-causes offered per cause. Everyone who works cases can
//! read it; managers change it. A refused form keeps what was typed.

use crate::{actor, answer, error_page, page, Answer, Layout, WebCtx};
use app::complaints::Settings;
use app::App;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Form;
use chrono::{NaiveDate, NaiveTime, Utc};
use domain::access::Permission;
use domain::complaints::{self as rules, Cause, ServiceLevel, Severity};
use domain::Lang;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "complaint_settings.html")]
struct SettingsPage {
    l: Layout,
    s: Settings,
    can_edit: bool,
    saved: bool,
    error: Option<String>,
    /// What was typed, when the form was refused (shown instead of the stored values).
    typed: Option<HashMap<String, String>>,
    typed_days: Vec<u32>,
    /// Per severity: (label, meaning, acknowledge by, resolve by) for a case received now.
    preview: Vec<(&'static str, &'static str, String, String)>,
}

impl SettingsPage {
    fn severities(&self) -> Vec<(&'static str, &'static str)> {
        Severity::ALL
            .iter()
            .map(|s| (s.code(), s.label(self.l.lang)))
            .collect()
    }
    fn causes(&self) -> Vec<(&'static str, &'static str)> {
        Cause::ALL
            .iter()
            .map(|c| (c.code(), c.label(self.l.lang)))
            .collect()
    }
    fn weekdays(&self) -> Vec<(u32, &'static str)> {
        let names = match self.l.lang {
            Lang::ZhCn => ["一", "二", "三", "四", "五", "六", "日"],
            Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        };
        (1..=7).zip(names).collect()
    }
    fn day_on(&self, d: &u32) -> bool {
        match &self.typed {
            Some(_) => self.typed_days.contains(d),
            None => self.s.hours.weekdays.contains(d),
        }
    }
    /// The value an input shows: what was typed, else the stored setting.
    fn v(&self, key: &str) -> String {
        if let Some(t) = &self.typed {
            return t.get(key).cloned().unwrap_or_default();
        }
        stored_value(&self.s, key)
    }
    fn vk(&self, prefix: &str, code: &str) -> String {
        self.v(&format!("{prefix}{code}"))
    }
}

/// A setting as the form shows it.
fn stored_value(s: &Settings, key: &str) -> String {
    let dates = |d: &[NaiveDate]| {
        d.iter()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let hours = |m: i64| {
        let t = format!("{:.2}", m as f64 / 60.0);
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    match key {
        "utc_offset" => {
            let m = s.hours.utc_offset_minutes;
            let sign = if m < 0 { '-' } else { '+' };
            match m.abs() % 60 {
                0 => format!("{sign}{}", m.abs() / 60),
                r => format!("{sign}{}:{r:02}", m.abs() / 60),
            }
        }
        "open" => s.hours.open.format("%H:%M").to_string(),
        "close" => s.hours.close.format("%H:%M").to_string(),
        "holidays" => dates(&s.hours.holidays),
        "extra_workdays" => dates(&s.hours.extra_workdays),
        "recovery_days" => s.recovery_days.to_string(),
        k => {
            if let Some(sev) = k.strip_prefix("ack_").and_then(Severity::parse) {
                hours(s.level(sev).acknowledge_minutes)
            } else if let Some(sev) = k.strip_prefix("resolve_").and_then(Severity::parse) {
                hours(s.level(sev).resolve_minutes)
            } else if let Some(c) = k.strip_prefix("sub_").and_then(Cause::parse) {
                s.sub_causes
                    .iter()
                    .find(|(x, _)| *x == c)
                    .map(|(_, v)| v.join("\n"))
                    .unwrap_or_default()
            } else {
                String::new()
            }
        }
    }
}

/// The form back into settings; every bad field is named, in the reader's language.
fn settings_of(
    form: &HashMap<String, String>,
    days: &[u32],
    lang: Lang,
) -> Result<Settings, String> {
    let mut errors: Vec<String> = Vec::new();
    let get = |k: &str| form.get(k).map(|v| v.trim()).unwrap_or("");
    let mut bad = |field: &str, reason: &str| errors.push(format!("{field}: {reason}"));
    let utc_offset_minutes = parse_offset(get("utc_offset")).unwrap_or_else(|| {
        bad(
            "utc_offset",
            lang.pick(
                "时区须写作 +8、-5 或 +5:30（−12 到 +14 小时）",
                "write the time zone as +8, -5 or +5:30 (-12 to +14 hours)",
            ),
        );
        0
    });
    let mut time = |field: &str| {
        NaiveTime::parse_from_str(get(field), "%H:%M").unwrap_or_else(|_| {
            bad(
                field,
                lang.pick("时间须写作 时:分，如 09:00", "a time as HH:MM, e.g. 09:00"),
            );
            NaiveTime::MIN
        })
    };
    let open = time("open");
    let close = time("close");
    let mut dates = |field: &str| {
        let mut out = Vec::new();
        for d in get(field)
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';'))
            .filter(|d| !d.is_empty())
        {
            match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(d) => out.push(d),
                Err(_) => bad(
                    field,
                    &match lang {
                        Lang::ZhCn => format!("“{d}”不是 年-月-日 格式的日期"),
                        Lang::En => format!("“{d}” is not a date as YYYY-MM-DD"),
                    },
                ),
            }
        }
        out.sort();
        out.dedup();
        out
    };
    let holidays = dates("holidays");
    let extra_workdays = dates("extra_workdays");
    let mut minutes = |field: &str| match get(field).parse::<f64>() {
        Ok(h) if h.is_finite() && h > 0.0 && h <= 24.0 * 365.0 => (h * 60.0).round() as i64,
        _ => {
            bad(
                field,
                lang.pick(
                    "须为大于 0 的工作小时数，如 4 或 0.5",
                    "business hours above 0, e.g. 4 or 0.5",
                ),
            );
            0
        }
    };
    let service_levels: Vec<ServiceLevel> = Severity::ALL
        .iter()
        .map(|&severity| ServiceLevel {
            severity,
            acknowledge_minutes: minutes(&format!("ack_{}", severity.code())),
            resolve_minutes: minutes(&format!("resolve_{}", severity.code())),
        })
        .collect();
    let mut days_field = |field: &str| {
        get(field).parse::<i64>().unwrap_or_else(|_| {
            bad(field, lang.pick("须为整数天数", "a whole number of days"));
            0
        })
    };
    let recovery_days = days_field("recovery_days");
    let sub_causes = Cause::ALL
        .iter()
        .map(|&c| {
            let lines = get(&format!("sub_{}", c.code()))
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            (c, lines)
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    let mut weekdays = days.to_vec();
    weekdays.sort_unstable();
    weekdays.dedup();
    Ok(Settings {
        service_levels,
        hours: rules::BusinessHours {
            utc_offset_minutes,
            open,
            close,
            weekdays,
            holidays,
            extra_workdays,
        },
        recovery_days,
        sub_causes,
    })
}

/// `+8`, `8`, `-5`, `+5:30`, `+05:30`, `UTC+8` to minutes east of UTC.
fn parse_offset(s: &str) -> Option<i32> {
    let s = s
        .trim()
        .trim_start_matches("UTC")
        .trim_start_matches("GMT")
        .trim();
    let (sign, rest) = match s.strip_prefix('-').or_else(|| s.strip_prefix('−')) {
        Some(r) => (-1, r),
        None => (1, s.strip_prefix('+').unwrap_or(s)),
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        None => (rest.parse::<i32>().ok()?, 0),
    };
    let total = sign * (h * 60 + m);
    ((0..60).contains(&m) && (-12 * 60..=14 * 60).contains(&total)).then_some(total)
}

/// When a case received now would be due, per severity, in the company's local time.
fn preview(s: &Settings, lang: Lang) -> Vec<(&'static str, &'static str, String, String)> {
    let now = Utc::now();
    let local = |t: chrono::DateTime<Utc>| {
        domain::time::wall_clock(t, s.hours.utc_offset_minutes)
            .format("%m-%d %H:%M")
            .to_string()
    };
    Severity::ALL
        .iter()
        .map(|&sev| {
            let d = rules::due_times(&s.hours, &s.level(sev), now);
            (sev.label(lang), sev.meaning(lang), local(d[1]), local(d[3]))
        })
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SettingsQuery {
    saved: String,
}

async fn render(
    app: &App,
    ctx: &WebCtx,
    saved: bool,
    error: Option<String>,
    typed: Option<(HashMap<String, String>, Vec<u32>)>,
) -> Response {
    if let Err(e) = ctx.actor.require(Permission::ViewCases) {
        return error_page(ctx, e);
    }
    let s = match app.complaint_settings().await {
        Ok(s) => s,
        Err(e) => return error_page(ctx, e),
    };
    let (typed, typed_days) = match typed {
        Some((t, d)) => (Some(t), d),
        None => (None, Vec::new()),
    };
    page(SettingsPage {
        l: Layout::new(ctx, "area.complaints"),
        preview: preview(&s, ctx.actor.lang),
        s,
        can_edit: ctx.actor.role.can(Permission::ManageCases),
        saved,
        error,
        typed,
        typed_days,
    })
}

pub(crate) async fn page_get(
    State(app): State<App>,
    ctx: WebCtx,
    Query(q): Query<SettingsQuery>,
) -> Response {
    render(&app, &ctx, !q.saved.is_empty(), None, None).await
}

pub(crate) async fn save(
    State(app): State<App>,
    ctx: WebCtx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let days: Vec<u32> = pairs
        .iter()
        .filter(|(k, _)| k == "weekday")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let form: HashMap<String, String> = pairs.into_iter().filter(|(k, _)| k != "weekday").collect();
    if let Err(e) = ctx.check_csrf(form.get("csrf").map_or("", String::as_str)) {
        return error_page(&ctx, e);
    }
    let lang = ctx.actor.lang;
    let s = match settings_of(&form, &days, lang) {
        Ok(s) => s,
        Err(m) => return render(&app, &ctx, false, Some(m), Some((form, days))).await,
    };
    let r = app.set_complaint_settings(actor(&ctx), s).await;
    match answer(&ctx, r, |_| "/complaints/settings?saved=1".to_string()) {
        Answer::Page(r) => r,
        Answer::Again(m) => render(&app, &ctx, false, Some(m), Some((form, days))).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_as_people_write_them() {
        assert_eq!(parse_offset("+8"), Some(480));
        assert_eq!(parse_offset("8"), Some(480));
        assert_eq!(parse_offset("UTC+8"), Some(480));
        assert_eq!(parse_offset("-5"), Some(-300));
        assert_eq!(parse_offset("+5:30"), Some(330));
        assert_eq!(parse_offset("+05:45"), Some(345));
        assert_eq!(parse_offset("+15"), None);
        assert_eq!(parse_offset("+5:75"), None);
        assert_eq!(parse_offset("eight"), None);
    }

    #[test]
    fn the_form_shows_and_reads_back_the_same_settings() {
        let mut s = Settings::default();
        s.hours.holidays = vec![NaiveDate::from_ymd_opt(2026, 10, 1).expect("date")];
        s.hours.utc_offset_minutes = 330;
        let mut form: HashMap<String, String> = HashMap::new();
        for k in [
            "utc_offset",
            "open",
            "close",
            "holidays",
            "extra_workdays",
            "recovery_days",
        ] {
            form.insert(k.into(), stored_value(&s, k));
        }
        for sev in Severity::ALL {
            for p in ["ack_", "resolve_"] {
                let k = format!("{p}{}", sev.code());
                form.insert(k.clone(), stored_value(&s, &k));
            }
        }
        for c in Cause::ALL {
            let k = format!("sub_{}", c.code());
            form.insert(k.clone(), stored_value(&s, &k));
        }
        let back = settings_of(&form, &s.hours.weekdays, Lang::En).expect("reads back");
        assert_eq!(back.hours, s.hours);
        assert_eq!(back.service_levels, s.service_levels);
        assert_eq!(back.recovery_days, s.recovery_days);
        assert_eq!(
            back.sub_causes
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .count(),
            s.sub_causes.iter().filter(|(_, v)| !v.is_empty()).count()
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let form: HashMap<String, String> = [
            ("utc_offset", "+8"),
            ("open", "9am"),
            ("close", "18:00"),
            ("holidays", "2026-10-01, 2026-13-01"),
            ("ack_low", "-1"),
            ("recovery_days", "three"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let e = settings_of(&form, &[1, 2, 3], Lang::En).expect_err("refused");
        for field in [
            "open:",
            "holidays:",
            "2026-13-01",
            "ack_low:",
            "resolve_low:",
            "recovery_days:",
        ] {
            assert!(e.contains(field), "{field} in {e}");
        }
        assert!(!e.contains("utc_offset"), "{e}");
        assert!(!e.contains("close"), "{e}");
    }
}
