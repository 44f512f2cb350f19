//! The customer information base (客户信息库, SPEC.md §1): who the customer is, what they prefer,
//! what they bought and every contact with them.
//!
//! Input arrives as text (a CSV cell, a form field, a JSON string) and is parsed here into
//! validated values; a record that fails names each bad field and why.

use crate::errors::FieldError;
use crate::time::{parse_date, parse_instant, to_stored};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_TEXT: usize = 2_000;
pub const MAX_SHORT: usize = 200;

/// The id a customer or transaction has in the company's own systems; the key for idempotent
/// imports. 1–64 characters, no control characters, no surrounding spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExternalId(String);

impl ExternalId {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("is required".into());
        }
        if s.chars().count() > 64 {
            return Err("is longer than 64 characters".into());
        }
        if s.chars().any(char::is_control) {
            return Err("contains control characters".into());
        }
        Ok(Self(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address in the plain `local@domain.tld` form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let valid = s.len() <= 254
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && match s.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(Self(s.to_string()))
        } else {
            Err(format!("'{}' is not an e-mail address", clip(s)))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number: digits with optional leading `+` and separators (space, `-`, `(`, `)`);
/// 5 to 20 digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let digits = s.chars().filter(char::is_ascii_digit).count();
        let chars_ok = s.chars().enumerate().all(|(i, c)| {
            c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0)
        });
        if chars_ok && (5..=20).contains(&digits) {
            Ok(Self(s.to_string()))
        } else {
            Err(format!("'{}' is not a phone number", clip(s)))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
    Other,
    #[default]
    Unknown,
}

impl Gender {
    /// Accepts English and Chinese spellings: `f`/`female`/`女`, `m`/`male`/`男`, `other`/`其他`;
    /// empty means unknown.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_lowercase().as_str() {
            "" | "unknown" | "u" | "未知" => Ok(Gender::Unknown),
            "f" | "female" | "woman" | "女" => Ok(Gender::Female),
            "m" | "male" | "man" | "男" => Ok(Gender::Male),
            "other" | "o" | "x" | "其他" => Ok(Gender::Other),
            other => Err(format!(
                "'{}' is not a gender (female, male, other, unknown / 女, 男)",
                clip(other)
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::Other => "other",
            Gender::Unknown => "unknown",
        }
    }
}

/// A customer as the outside world gives it: every field validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerRecord {
    pub external_id: ExternalId,
    pub name: String,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub gender: Gender,
    pub birthday: Option<NaiveDate>,
    /// Other important dates by label: anniversary, first visit, …
    pub important_dates: BTreeMap<String, NaiveDate>,
    pub region: String,
    pub channel: String,
    pub referred_by: Option<ExternalId>,
    pub tags: Vec<String>,
    pub segment: String,
    /// Channels the customer agreed to be contacted on (email, sms, wechat, phone).
    pub consent: Vec<String>,
    pub preferences: BTreeMap<String, String>,
    /// A contract or membership (SPEC §4: contractual customers churn when they cancel): its
    /// start, and its cancellation once cancelled.
    pub contract_start: Option<NaiveDate>,
    pub contract_end: Option<NaiveDate>,
    /// What the customer spends a year in the company's category with every supplier, in minor
    /// units (SPEC §5: share of wallet = their yearly spend here ÷ this).
    pub category_spend: Option<i64>,
    /// The language the customer is written to in (care e-mails, survey invitations); `None`
    /// means the company's default.
    pub lang: Option<crate::i18n::Lang>,
}

/// The raw text fields of a customer, as they come from a file row, a form or JSON.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CustomerFields {
    pub external_id: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub gender: String,
    pub birthday: String,
    /// `label=YYYY-MM-DD; label=YYYY-MM-DD`
    pub important_dates: String,
    pub region: String,
    pub channel: String,
    pub referred_by: String,
    /// `tag1, tag2` (also `;` or `|` or `，`)
    pub tags: String,
    pub segment: String,
    /// `email, sms`
    pub consent: String,
    /// `key=value; key=value`
    pub preferences: String,
    /// `YYYY-MM-DD`: when a contract or membership started …
    pub contract_start: String,
    /// … and when it was cancelled (empty while it runs).
    pub contract_end: String,
    /// Yearly spend in the category with all suppliers (an amount, e.g. `12,000.00`).
    pub category_spend: String,
    /// `zh-CN` or `en` (also `中文`, `英文`, `Chinese`, `English`); empty for the company's
    /// default.
    pub lang: String,
}

/// A customer's language from its text: `zh-CN`/`zh`/`中文`/`Chinese`, `en`/`英文`/`English`;
/// empty is `None` (the company's default).
pub fn parse_customer_lang(s: &str) -> Result<Option<crate::i18n::Lang>, String> {
    use crate::i18n::Lang;
    let t = s.trim();
    match t.to_lowercase().as_str() {
        "" => Ok(None),
        "中文" | "汉语" | "简体中文" | "chinese" => Ok(Some(Lang::ZhCn)),
        "英文" | "英语" | "english" => Ok(Some(Lang::En)),
        l if l == "zh" || l.starts_with("zh-") || l.starts_with("zh_") => Ok(Some(Lang::ZhCn)),
        l if l == "en" || l.starts_with("en-") || l.starts_with("en_") => Ok(Some(Lang::En)),
        _ => Err(format!(
            "'{}' is not a language (zh-CN, en / 中文, 英文)",
            clip(t)
        )),
    }
}

pub const CONSENT_CHANNELS: [&str; 4] = ["email", "sms", "wechat", "phone"];

impl CustomerFields {
    /// Validate every field; on failure return every problem, not just the first.
    pub fn parse(&self) -> Result<CustomerRecord, Vec<FieldError>> {
        let mut errs = Vec::new();
        let mut field = |name: &str, r: Result<(), String>| {
            if let Err(e) = r {
                errs.push(FieldError::new(name, e));
            }
        };
        let external_id = ExternalId::parse(&self.external_id);
        field(
            "external_id",
            external_id.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let name = self.name.trim().to_string();
        field("name", required_text(&name, MAX_SHORT));
        let phone = optional(&self.phone, Phone::parse);
        field("phone", phone.as_ref().map(|_| ()).map_err(Clone::clone));
        let email = optional(&self.email, Email::parse);
        field("email", email.as_ref().map(|_| ()).map_err(Clone::clone));
        let gender = Gender::parse(&self.gender);
        field("gender", gender.as_ref().map(|_| ()).map_err(Clone::clone));
        let birthday = optional(&self.birthday, parse_date);
        field(
            "birthday",
            birthday.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        if let Ok(Some(b)) = &birthday {
            if *b > chrono::Utc::now().date_naive() {
                field("birthday", Err("is in the future".into()));
            }
        }
        let important_dates = parse_pairs(&self.important_dates).and_then(|pairs| {
            pairs
                .into_iter()
                .map(|(k, v)| parse_date(&v).map(|d| (k, d)))
                .collect::<Result<BTreeMap<_, _>, _>>()
        });
        field(
            "important_dates",
            important_dates.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let referred_by = optional(&self.referred_by, ExternalId::parse);
        field(
            "referred_by",
            referred_by.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        if let (Ok(Some(r)), Ok(me)) = (&referred_by, &external_id) {
            if r == me {
                field(
                    "referred_by",
                    Err("a customer cannot refer themselves".into()),
                );
            }
        }
        for (n, v) in [
            ("region", &self.region),
            ("channel", &self.channel),
            ("segment", &self.segment),
        ] {
            field(n, optional_text(v, MAX_SHORT));
        }
        let tags = split_list(&self.tags);
        if tags.iter().any(|t| t.chars().count() > 64) {
            field("tags", Err("a tag is longer than 64 characters".into()));
        }
        let consent: Vec<String> = split_list(&self.consent)
            .into_iter()
            .map(|c| c.to_lowercase())
            .collect();
        if let Some(bad) = consent
            .iter()
            .find(|c| !CONSENT_CHANNELS.contains(&c.as_str()))
        {
            field(
                "consent",
                Err(format!(
                    "unknown channel '{}' (email, sms, wechat, phone)",
                    clip(bad)
                )),
            );
        }
        let contract_start = optional(&self.contract_start, parse_date);
        field(
            "contract_start",
            contract_start.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let contract_end = optional(&self.contract_end, parse_date);
        field(
            "contract_end",
            contract_end.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        match (&contract_start, &contract_end) {
            (Ok(None), Ok(Some(_))) => field(
                "contract_end",
                Err("a cancellation needs the contract's start (contract_start)".into()),
            ),
            (Ok(Some(s)), Ok(Some(e))) if e < s => field(
                "contract_end",
                Err(format!("the contract ends ({e}) before it starts ({s})")),
            ),
            _ => {}
        }
        let category_spend = optional(&self.category_spend, |s| match parse_money(s)? {
            v if v < 0 => Err(format!("'{}' is below zero", clip(s))),
            v => Ok(v),
        });
        field(
            "category_spend",
            category_spend.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let lang = parse_customer_lang(&self.lang);
        field("lang", lang.as_ref().map(|_| ()).map_err(Clone::clone));
        let preferences = parse_pairs(&self.preferences).map(|p| p.into_iter().collect());
        field(
            "preferences",
            preferences.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(CustomerRecord {
            external_id: external_id.unwrap(),
            name,
            phone: phone.unwrap(),
            email: email.unwrap(),
            gender: gender.unwrap(),
            birthday: birthday.unwrap(),
            important_dates: important_dates.unwrap(),
            region: self.region.trim().to_string(),
            channel: self.channel.trim().to_string(),
            referred_by: referred_by.unwrap(),
            tags,
            segment: self.segment.trim().to_string(),
            consent,
            preferences: preferences.unwrap(),
            contract_start: contract_start.unwrap(),
            contract_end: contract_end.unwrap(),
            category_spend: category_spend.unwrap(),
            lang: lang.unwrap(),
        })
    }
}

impl CustomerRecord {
    /// Back to text fields (export, forms): `parse(to_fields(r)) == r`.
    pub fn to_fields(&self) -> CustomerFields {
        CustomerFields {
            external_id: self.external_id.as_str().into(),
            name: self.name.clone(),
            phone: self
                .phone
                .as_ref()
                .map(|p| p.as_str().into())
                .unwrap_or_default(),
            email: self
                .email
                .as_ref()
                .map(|p| p.as_str().into())
                .unwrap_or_default(),
            gender: self.gender.as_str().into(),
            birthday: self.birthday.map(|d| d.to_string()).unwrap_or_default(),
            important_dates: join_pairs(
                self.important_dates
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_string())),
            ),
            region: self.region.clone(),
            channel: self.channel.clone(),
            referred_by: self
                .referred_by
                .as_ref()
                .map(|p| p.as_str().into())
                .unwrap_or_default(),
            tags: self.tags.join(", "),
            segment: self.segment.clone(),
            consent: self.consent.join(", "),
            preferences: join_pairs(self.preferences.clone()),
            contract_start: self
                .contract_start
                .map(|d| d.to_string())
                .unwrap_or_default(),
            contract_end: self.contract_end.map(|d| d.to_string()).unwrap_or_default(),
            category_spend: self.category_spend.map(format_money).unwrap_or_default(),
            lang: self.lang.map(|l| l.code().to_string()).unwrap_or_default(),
        }
    }
}

/// A purchase or a return (negative amount or `is_return`), validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransactionRecord {
    pub external_id: ExternalId,
    pub customer: ExternalId,
    /// Stored instant (`YYYY-MM-DDTHH:MM:SSZ`).
    pub occurred_at: String,
    /// Amount in minor units (cents, 分).
    pub amount_minor: i64,
    pub currency: String,
    pub channel: String,
    pub store: String,
    pub items: String,
    pub quantity: i64,
    pub promotion: bool,
    pub is_return: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TransactionFields {
    pub external_id: String,
    pub customer_id: String,
    pub occurred_at: String,
    pub amount: String,
    pub currency: String,
    pub channel: String,
    pub store: String,
    pub items: String,
    pub quantity: String,
    pub promotion: String,
    pub is_return: String,
}

/// The same fields borrowed (from a file row being read), for bulk imports.
#[derive(Debug, Clone, Copy, Default)]
pub struct TransactionInput<'a> {
    pub external_id: &'a str,
    pub customer_id: &'a str,
    pub occurred_at: &'a str,
    pub amount: &'a str,
    pub currency: &'a str,
    pub channel: &'a str,
    pub store: &'a str,
    pub items: &'a str,
    pub quantity: &'a str,
    pub promotion: &'a str,
    pub is_return: &'a str,
}

impl TransactionFields {
    pub fn parse(&self) -> Result<TransactionRecord, Vec<FieldError>> {
        TransactionInput {
            external_id: &self.external_id,
            customer_id: &self.customer_id,
            occurred_at: &self.occurred_at,
            amount: &self.amount,
            currency: &self.currency,
            channel: &self.channel,
            store: &self.store,
            items: &self.items,
            quantity: &self.quantity,
            promotion: &self.promotion,
            is_return: &self.is_return,
        }
        .parse(latest_allowed())
    }
}

/// The latest instant a transaction may carry (a day of clock skew into the future).
pub fn latest_allowed() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::days(1)
}

impl TransactionInput<'_> {
    /// Validate; `latest` is the latest instant accepted (`latest_allowed`, taken once per
    /// file).
    pub fn parse(
        &self,
        latest: chrono::DateTime<chrono::Utc>,
    ) -> Result<TransactionRecord, Vec<FieldError>> {
        let mut errs = Vec::new();
        let external_id = ExternalId::parse(self.external_id)
            .map_err(|e| errs.push(FieldError::new("external_id", e)));
        let customer = ExternalId::parse(self.customer_id)
            .map_err(|e| errs.push(FieldError::new("customer_id", e)));
        let occurred_at = parse_instant(self.occurred_at)
            .map_err(|e| errs.push(FieldError::new("occurred_at", e)));
        if let Ok(t) = &occurred_at {
            if *t > latest {
                errs.push(FieldError::new("occurred_at", "is in the future"));
            }
        }
        let amount_minor =
            parse_money(self.amount).map_err(|e| errs.push(FieldError::new("amount", e)));
        let currency = {
            let c = self.currency.trim().to_ascii_uppercase();
            if c.is_empty() {
                Ok("CNY".to_string())
            } else if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase()) {
                Ok(c)
            } else {
                errs.push(FieldError::new(
                    "currency",
                    format!("'{}' is not a 3-letter currency code", clip(&c)),
                ));
                Err(())
            }
        };
        let quantity = if self.quantity.trim().is_empty() {
            Ok(1)
        } else {
            self.quantity.trim().parse::<i64>().map_err(|_| {
                errs.push(FieldError::new(
                    "quantity",
                    format!("'{}' is not a whole number", clip(self.quantity)),
                ))
            })
        };
        let promotion =
            parse_flag(self.promotion).map_err(|e| errs.push(FieldError::new("promotion", e)));
        let is_return =
            parse_flag(self.is_return).map_err(|e| errs.push(FieldError::new("is_return", e)));
        // The sign of the quantity follows the kind: a sale moves at least one unit out; a
        // return (flagged, or a negative amount) some units back, counted either way.
        if let (Ok(q), Ok(r), Ok(a)) = (&quantity, &is_return, &amount_minor) {
            let returned = *r || *a < 0;
            if !returned && *q < 1 {
                errs.push(FieldError::new(
                    "quantity",
                    format!("{q} on a sale: a sale has at least 1 (a return is marked is_return or has a negative amount)"),
                ));
            } else if returned && *q == 0 {
                errs.push(FieldError::new(
                    "quantity",
                    "0 on a return: how many units came back?",
                ));
            }
            if *r && *a > 0 {
                errs.push(FieldError::new(
                    "amount",
                    "a positive amount on a return (is_return): give the refund as a negative amount or 0",
                ));
            }
        }
        for (n, v, max) in [
            ("channel", &self.channel, MAX_SHORT),
            ("store", &self.store, MAX_SHORT),
            ("items", &self.items, MAX_TEXT),
        ] {
            if let Err(e) = optional_text(v, max) {
                errs.push(FieldError::new(n, e));
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(TransactionRecord {
            external_id: external_id.unwrap(),
            customer: customer.unwrap(),
            occurred_at: to_stored(occurred_at.unwrap()),
            amount_minor: amount_minor.unwrap(),
            currency: currency.unwrap(),
            channel: self.channel.trim().into(),
            store: self.store.trim().into(),
            items: self.items.trim().into(),
            quantity: quantity.unwrap(),
            promotion: promotion.unwrap(),
            is_return: is_return.unwrap(),
        })
    }
}

impl TransactionRecord {
    pub fn to_fields(&self) -> TransactionFields {
        TransactionFields {
            external_id: self.external_id.as_str().into(),
            customer_id: self.customer.as_str().into(),
            occurred_at: self.occurred_at.clone(),
            amount: format_money(self.amount_minor),
            currency: self.currency.clone(),
            channel: self.channel.clone(),
            store: self.store.clone(),
            items: self.items.clone(),
            quantity: self.quantity.to_string(),
            promotion: flag(self.promotion).into(),
            is_return: flag(self.is_return).into(),
        }
    }
}

/// Kinds of contact with a customer (SPEC §1 "Interactions").
pub const INTERACTION_KINDS: [&str; 6] = ["call", "visit", "message", "email", "wechat", "care"];

pub fn parse_interaction_kind(s: &str) -> Result<String, String> {
    let k = s.trim().to_lowercase();
    if INTERACTION_KINDS.contains(&k.as_str()) {
        Ok(k)
    } else {
        Err(format!(
            "'{}' is not one of {}",
            clip(s),
            INTERACTION_KINDS.join(", ")
        ))
    }
}

/// Parse a money amount like `12.5`, `-3`, `1,234.56`, `¥20` into minor units (2 decimals).
pub fn parse_money(s: &str) -> Result<i64, String> {
    let t: String = s
        .trim()
        .trim_start_matches(['¥', '$', '€', '￥'])
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let bad = || format!("'{}' is not an amount", clip(s));
    if t.is_empty() {
        return Err("is required".into());
    }
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() && frac.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || int.len() > 13
    {
        return Err(bad());
    }
    let whole: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad())?
    };
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    let v = whole * 100 + cents;
    Ok(if neg { -v } else { v })
}

pub fn format_money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let a = minor.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Flags accept `1/0`, `true/false`, `yes/no`, `y/n`, `是/否`; empty is false.
pub fn parse_flag(s: &str) -> Result<bool, String> {
    match s.trim().to_lowercase().as_str() {
        "" | "0" | "false" | "no" | "n" | "否" => Ok(false),
        "1" | "true" | "yes" | "y" | "是" => Ok(true),
        other => Err(format!("'{}' is not yes/no", clip(other))),
    }
}

pub fn flag(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        "0"
    }
}

fn optional<T>(s: &str, f: impl Fn(&str) -> Result<T, String>) -> Result<Option<T>, String> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        f(s).map(Some)
    }
}

fn required_text(s: &str, max: usize) -> Result<(), String> {
    if s.trim().is_empty() {
        Err("is required".into())
    } else {
        optional_text(s, max)
    }
}

fn optional_text(s: &str, max: usize) -> Result<(), String> {
    if s.chars().count() > max {
        Err(format!("is longer than {max} characters"))
    } else if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        Err("contains control characters".into())
    } else {
        Ok(())
    }
}

/// Split `a, b; c|d，e` into trimmed non-empty items without duplicates, in order.
pub fn split_list(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in s.split([',', ';', '|', '，', '；']) {
        let p = part.trim();
        if !p.is_empty() && !out.iter().any(|o| o == p) {
            out.push(p.to_string());
        }
    }
    out
}

/// Parse `key=value; key=value` (also `:` or `：` as separator, `;`/`；`/newline between pairs).
pub fn parse_pairs(s: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for part in s.split([';', '；', '\n']) {
        let p = part.trim();
        if p.is_empty() {
            continue;
        }
        let (k, v) = p
            .split_once(['=', '：'])
            .or_else(|| p.split_once(':'))
            .ok_or_else(|| format!("'{}' is not key=value", clip(p)))?;
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() || k.chars().count() > 64 || v.chars().count() > MAX_SHORT {
            return Err(format!(
                "'{}' is not key=value (key 1–64, value up to 200 characters)",
                clip(p)
            ));
        }
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

pub fn join_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> String {
    pairs
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Shorten a value for an error message.
fn clip(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
#[path = "customers_tests.rs"]
mod tests;
