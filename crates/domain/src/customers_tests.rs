//! Tests of `customers`.

use super::*;

#[test]
fn money_parses_and_formats_back() {
    assert_eq!(parse_money("12.5"), Ok(1250));
    assert_eq!(parse_money("-3"), Ok(-300));
    assert_eq!(parse_money("1,234.56"), Ok(123456));
    assert_eq!(parse_money("¥0.07"), Ok(7));
    assert!(parse_money("12.345").is_err());
    assert!(parse_money("abc").is_err());
    assert!(parse_money("").is_err());
    assert!(parse_money("1e5").is_err());
    assert_eq!(format_money(-5), "-0.05");
    assert_eq!(format_money(123456), "1234.56");
}

#[test]
fn a_customer_round_trips_through_its_fields() {
    let f = CustomerFields {
        external_id: "C1".into(),
        name: "王小明".into(),
        phone: "+86 138-0000-0000".into(),
        email: "xm@example.cn".into(),
        gender: "男".into(),
        birthday: "1990-05-01".into(),
        important_dates: "anniversary=2015-10-01".into(),
        tags: "vip，老客户".into(),
        consent: "SMS, email".into(),
        preferences: "座位=靠窗第二个; 早餐：豆浆油条".into(),
        contract_start: "2024-03-01".into(),
        contract_end: "2025-02-28".into(),
        category_spend: "¥12,000.5".into(),
        lang: "English".into(),
        ..Default::default()
    };
    let r = f.parse().unwrap();
    assert_eq!(r.lang, Some(crate::Lang::En));
    assert_eq!(r.category_spend, Some(1_200_050));
    assert_eq!(r.contract_end, chrono::NaiveDate::from_ymd_opt(2025, 2, 28));
    assert_eq!(r.gender, Gender::Male);
    assert_eq!(r.tags, vec!["vip", "老客户"]);
    assert_eq!(r.preferences["早餐"], "豆浆油条");
    assert_eq!(r.to_fields().parse().unwrap(), r);
}

#[test]
fn a_contract_cannot_end_before_it_starts_or_without_a_start() {
    let f = |start: &str, end: &str| CustomerFields {
        external_id: "C1".into(),
        name: "王小明".into(),
        contract_start: start.into(),
        contract_end: end.into(),
        ..Default::default()
    };
    let field = |f: CustomerFields| f.parse().unwrap_err()[0].field.clone();
    assert_eq!(field(f("2025-01-02", "2025-01-01")), "contract_end");
    assert_eq!(field(f("", "2025-01-01")), "contract_end");
    assert_eq!(field(f("2025-13-01", "")), "contract_start");
    assert!(f("2025-01-01", "2025-01-01").parse().is_ok());
    let spend = |s: &str| CustomerFields {
        category_spend: s.into(),
        ..f("", "")
    };
    assert_eq!(field(spend("-1")), "category_spend");
    assert_eq!(field(spend("很多")), "category_spend");
    assert_eq!(spend("").parse().unwrap().category_spend, None);
    assert!(f("2025-01-01", "").parse().is_ok());
}

#[test]
fn a_language_in_either_spelling() {
    use crate::Lang;
    for (text, lang) in [
        ("", None),
        ("zh-CN", Some(Lang::ZhCn)),
        ("zh_cn", Some(Lang::ZhCn)),
        ("中文", Some(Lang::ZhCn)),
        (" Chinese ", Some(Lang::ZhCn)),
        ("en", Some(Lang::En)),
        ("en-GB", Some(Lang::En)),
        ("英文", Some(Lang::En)),
        ("ENGLISH", Some(Lang::En)),
    ] {
        assert_eq!(parse_customer_lang(text), Ok(lang), "{text}");
    }
    for bad in ["fr", "zhongwen", "english please", "enx"] {
        assert!(parse_customer_lang(bad).is_err(), "{bad}");
    }
}

#[test]
fn every_bad_field_is_named() {
    let f = CustomerFields {
        external_id: "".into(),
        name: "".into(),
        email: "not-an-email".into(),
        birthday: "2999-01-01".into(),
        consent: "pigeon".into(),
        ..Default::default()
    };
    let errs = f.parse().unwrap_err();
    let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["external_id", "name", "email", "birthday", "consent"]
    );
}

#[test]
fn transactions_validate_amount_date_and_flags() {
    let f = TransactionFields {
        external_id: "T1".into(),
        customer_id: "C1".into(),
        occurred_at: "1997-01-01".into(),
        amount: "29.33".into(),
        promotion: "是".into(),
        ..Default::default()
    };
    let t = f.parse().unwrap();
    assert_eq!(t.amount_minor, 2933);
    assert_eq!(t.currency, "CNY");
    assert!(t.promotion);
    assert_eq!(t.to_fields().parse().unwrap(), t);
    let bad = TransactionFields {
        amount: "twelve".into(),
        occurred_at: "31/12/1997".into(),
        ..f
    };
    let errs = bad.parse().unwrap_err();
    assert_eq!(errs.len(), 2);
}
