use super::*;
use rand::{Rng, SeedableRng};

fn attitude(satisfaction: f64) -> Option<Attitude> {
    Some(Attitude {
        satisfaction: Some(satisfaction),
        recommend: None,
        intent: None,
    })
}

fn behaviour(repeat: u32, percentile: f64, p_alive: f64) -> Option<Behaviour> {
    Some(Behaviour {
        repeat_purchases: repeat,
        rate_percentile: percentile,
        p_alive,
        promo_share: 0.1,
        top_store_share: 0.5,
        purchases: repeat + 1,
    })
}

fn evidence(sat: f64, repeat: u32) -> Evidence {
    Evidence {
        attitude: attitude(sat),
        behaviour: behaviour(repeat, 0.8, 0.9),
        ..Evidence::default()
    }
}

fn kind(e: &Evidence) -> LoyaltyType {
    classify(e, &Thresholds::default()).loyalty_type
}

#[test]
fn attachment_threshold_is_inclusive_at_70() {
    let t = Thresholds::default();
    assert_eq!(kind(&evidence(70.0, 5)), LoyaltyType::TrueLoyalty);
    assert_eq!(kind(&evidence(69.9, 5)), LoyaltyType::Spurious);
    assert_eq!(kind(&evidence(49.9, 5)), LoyaltyType::Inertia);
    assert_eq!(kind(&evidence(50.0, 5)), LoyaltyType::Spurious);
    let c = classify(&evidence(70.0, 5), &t);
    assert_eq!(c.attachment, Some(70.0));
    assert!(c
        .reasons
        .iter()
        .any(|r| r.signal == Signal::Attachment && r.holds));
}

#[test]
fn repeat_needs_all_three_signals() {
    // min_repeat 2, rate percentile 0.5, P(alive) 0.5, each inclusive.
    let mut e = evidence(90.0, 2);
    e.behaviour = behaviour(2, 0.5, 0.5);
    assert_eq!(kind(&e), LoyaltyType::TrueLoyalty);
    e.behaviour = behaviour(1, 0.5, 0.5);
    assert_eq!(kind(&e), LoyaltyType::Latent);
    e.behaviour = behaviour(2, 0.49, 0.5);
    assert_eq!(kind(&e), LoyaltyType::Latent);
    e.behaviour = behaviour(2, 0.5, 0.49);
    assert_eq!(kind(&e), LoyaltyType::Latent);
}

#[test]
fn premium_needs_advocacy_or_wallet() {
    let mut e = evidence(90.0, 5);
    assert_eq!(kind(&e), LoyaltyType::TrueLoyalty);
    e.attitude.as_mut().unwrap().recommend = Some(9.0);
    assert_eq!(kind(&e), LoyaltyType::Premium);
    e.attitude.as_mut().unwrap().recommend = Some(8.9);
    // 8.9 × 10 = 89 keeps attachment high, but it is no promoter.
    assert_eq!(kind(&e), LoyaltyType::TrueLoyalty);
    e.referrals = 1;
    assert_eq!(kind(&e), LoyaltyType::Premium);
    e.referrals = 0;
    e.share_of_wallet = Some(0.5);
    assert_eq!(kind(&e), LoyaltyType::Premium);
    e.share_of_wallet = Some(0.49);
    assert_eq!(kind(&e), LoyaltyType::TrueLoyalty);
}

#[test]
fn low_attachment_high_repeat_is_told_apart_by_evidence() {
    let t = Thresholds::default();
    let mut e = evidence(40.0, 5);
    assert_eq!(kind(&e), LoyaltyType::Inertia);
    e.behaviour.as_mut().unwrap().top_store_share = 0.9;
    assert_eq!(kind(&e), LoyaltyType::Convenience);
    e.behaviour.as_mut().unwrap().top_store_share = 0.89;
    assert_eq!(kind(&e), LoyaltyType::Inertia);
    e.member = true;
    assert_eq!(kind(&e), LoyaltyType::Benefit);
    e.behaviour.as_mut().unwrap().promo_share = 0.6;
    assert_eq!(kind(&e), LoyaltyType::Incentive);
    e.behaviour.as_mut().unwrap().promo_share = 0.59;
    assert_eq!(kind(&e), LoyaltyType::Benefit);
    let sole = Thresholds {
        sole_supplier: true,
        ..t.clone()
    };
    assert_eq!(classify(&e, &sole).loyalty_type, LoyaltyType::Monopoly);
    e.kinship_tag = true;
    assert_eq!(classify(&e, &sole).loyalty_type, LoyaltyType::Kinship);
}

#[test]
fn convenience_needs_more_than_the_minimum_purchases() {
    let mut e = evidence(40.0, 2);
    e.behaviour.as_mut().unwrap().top_store_share = 1.0;
    e.behaviour.as_mut().unwrap().purchases = 2;
    assert_eq!(kind(&e), LoyaltyType::Inertia);
    e.behaviour.as_mut().unwrap().purchases = 3;
    assert_eq!(kind(&e), LoyaltyType::Convenience);
}

#[test]
fn low_low_is_price_with_discount_buying() {
    let mut e = evidence(40.0, 0);
    assert_eq!(kind(&e), LoyaltyType::NoLoyalty);
    e.behaviour.as_mut().unwrap().promo_share = 0.6;
    assert_eq!(kind(&e), LoyaltyType::Price);
}

#[test]
fn severe_complaints_lower_attachment() {
    let mut e = evidence(80.0, 5);
    assert_eq!(kind(&e), LoyaltyType::TrueLoyalty);
    e.severe_complaints = 1;
    // 80 − 15 = 65 < 70.
    let c = classify(&e, &Thresholds::default());
    assert_eq!(c.attachment, Some(65.0));
    assert_eq!(c.loyalty_type, LoyaltyType::Spurious);
    assert!(c
        .reasons
        .iter()
        .any(|r| r.signal == Signal::SevereComplaints));
}

#[test]
fn one_kind_of_evidence_gives_a_partial_classification() {
    let t = Thresholds::default();
    let mut e = evidence(90.0, 5);
    e.attitude = None;
    let c = classify(&e, &t);
    assert_eq!(c.loyalty_type, LoyaltyType::RepeatOnlyHigh);
    assert!(c.loyalty_type.is_partial());
    assert!(c.reasons.iter().any(|r| r.signal == Signal::NoAttitude));
    e.behaviour = None;
    assert_eq!(kind(&e), LoyaltyType::Unknown);
    e.attitude = attitude(90.0);
    assert_eq!(kind(&e), LoyaltyType::AttitudeOnlyHigh);
    e.attitude = attitude(10.0);
    assert_eq!(kind(&e), LoyaltyType::AttitudeOnlyLow);
    e.attitude = Some(Attitude::default());
    // An attitude without a single signal is no evidence.
    assert_eq!(kind(&e), LoyaltyType::Unknown);
}

#[test]
fn reasons_read_as_words() {
    let c = classify(&evidence(82.0, 5), &Thresholds::default());
    let texts: Vec<String> = c.reasons.iter().map(|r| r.text(Lang::En)).collect();
    assert!(
        texts.contains(&"Attachment 82 ≥ 70".to_string()),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"P(alive) 0.90 ≥ 0.50".to_string()),
        "{texts:?}"
    );
    let zh: Vec<String> = c.reasons.iter().map(|r| r.text(Lang::ZhCn)).collect();
    assert!(zh.iter().any(|t| t.starts_with("依恋度 82")), "{zh:?}");
}

#[test]
fn every_customer_gets_exactly_one_type_and_a_reason() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    let t = Thresholds::default();
    for _ in 0..20_000 {
        let some = |rng: &mut rand::rngs::StdRng, hi: f64| {
            rng.gen_bool(0.7).then(|| rng.gen_range(0.0..=hi))
        };
        let attitude = rng.gen_bool(0.8).then(|| Attitude {
            satisfaction: some(&mut rng, 100.0),
            recommend: some(&mut rng, 10.0).map(f64::round),
            intent: some(&mut rng, 100.0),
        });
        let behaviour = rng.gen_bool(0.8).then(|| {
            let repeat = rng.gen_range(0..12);
            Behaviour {
                repeat_purchases: repeat,
                rate_percentile: rng.gen_range(0.0..=1.0),
                p_alive: rng.gen_range(0.0..=1.0),
                promo_share: rng.gen_range(0.0..=1.0),
                top_store_share: rng.gen_range(0.0..=1.0),
                purchases: repeat + 1,
            }
        });
        let e = Evidence {
            attitude,
            behaviour,
            severe_complaints: rng.gen_range(0..3),
            referrals: rng.gen_range(0..2),
            share_of_wallet: some(&mut rng, 1.0),
            kinship_tag: rng.gen_bool(0.05),
            member: rng.gen_bool(0.2),
            obstacle: rng.gen_bool(0.1),
        };
        let c = classify(&e, &t);
        assert!(!c.reasons.is_empty());
        let has_attitude = e.attitude.as_ref().is_some_and(|a| {
            a.satisfaction.is_some() || a.recommend.is_some() || a.intent.is_some()
        });
        let both = has_attitude && e.behaviour.is_some();
        assert_eq!(c.loyalty_type.is_full(), both, "{e:?} -> {c:?}");
        if both {
            // The type's cell agrees with the two levels it was decided on.
            let cell = c.loyalty_type.cell().unwrap();
            assert_eq!(cell.0, c.attachment.unwrap() >= t.attachment_high);
            assert_eq!(cell.1, c.repeat_high.unwrap());
        }
        for r in &c.reasons {
            assert!(!r.text(Lang::ZhCn).is_empty() && !r.text(Lang::En).is_empty());
        }
    }
}

#[test]
fn thresholds_are_checked() {
    assert!(Thresholds::default().check().is_ok());
    let bad = Thresholds {
        attachment_high: 120.0,
        ..Thresholds::default()
    };
    assert_eq!(bad.check().unwrap_err().field, "attachment_high");
    let bad = Thresholds {
        attachment_low: 80.0,
        ..Thresholds::default()
    };
    assert_eq!(bad.check().unwrap_err().field, "attachment_low");
    let bad = Thresholds {
        p_alive_min: f64::NAN,
        ..Thresholds::default()
    };
    assert_eq!(bad.check().unwrap_err().field, "p_alive_min");
    let bad = Thresholds {
        kinship_tags: vec!["a\u{7}".into()],
        ..Thresholds::default()
    };
    assert_eq!(bad.check().unwrap_err().field, "kinship_tags");
}

#[test]
fn every_type_has_advice_in_both_languages() {
    for t in LoyaltyType::ALL {
        assert!(!t.advice(Lang::ZhCn).is_empty() && !t.advice(Lang::En).is_empty());
        assert_eq!(LoyaltyType::parse(t.code()), Some(*t));
    }
}

#[test]
fn fixed_matches_the_formatter() {
    for v in [
        0.0,
        0.5,
        1.25,
        2.675,
        -3.14259,
        99.995,
        1234567.891,
        0.004999,
        -0.0001,
        70.0,
    ] {
        for d in 0..=4 {
            let want = format!("{v:.*}", d as usize);
            let got = fixed(v, d);
            // Halves may round differently (the formatter rounds the binary value exactly);
            // both are within half a unit of the last digit.
            let diff = (want.parse::<f64>().unwrap() - got.parse::<f64>().unwrap()).abs();
            assert!(
                diff <= 10f64.powi(-(d as i32)) + 1e-12,
                "{v} {d}: {want} vs {got}"
            );
        }
    }
    assert_eq!(fixed(0.5, 2), "0.50");
    assert_eq!(fixed(-1234.5, 1), "-1234.5");
    assert_eq!(fixed(f64::NAN, 1), "—");
}

#[test]
fn reasons_round_trip_through_the_compact_form() {
    let c = classify(&evidence(82.5, 5), &Thresholds::default());
    let text = encode_reasons(&c.reasons);
    assert!(text.contains("attachment:82.5:70:1"), "{text}");
    assert_eq!(decode_reasons(&text), c.reasons);
    let json = serde_json::to_string(&c.reasons).unwrap();
    assert_eq!(decode_reasons(&json), c.reasons);
    assert!(
        text.len() * 2 < json.len(),
        "{} vs {}",
        text.len(),
        json.len()
    );
    assert_eq!(decode_reasons(""), vec![]);
    assert_eq!(decode_reasons("bogus:1:2:1;p_alive:x::1"), vec![]);
}
