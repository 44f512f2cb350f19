use super::*;

fn activity(p_alive: f64, repeat: u32, active_days: f64, since: f64) -> Activity {
    Activity {
        p_alive,
        repeat_purchases: repeat,
        active_days,
        days_since_last: since,
    }
}

#[test]
fn status_by_p_alive_at_its_thresholds() {
    let s = Settings::default();
    let st = |p| status(&s, Some(&activity(p, 3, 90.0, 10.0)), None, "2026-12-07").unwrap();
    assert_eq!(st(0.49), (Status::Churned, Rule::PAlive));
    assert_eq!(st(0.5), (Status::AtRisk, Rule::PAlive));
    assert_eq!(st(0.69), (Status::AtRisk, Rule::PAlive));
    assert_eq!(st(0.7), (Status::Active, Rule::PAlive));
}

#[test]
fn status_by_inactivity_uses_the_customers_own_rhythm() {
    let s = Settings {
        definition: Definition::Inactivity,
        ..Settings::default()
    };
    // 3 repeats over 90 days: a 30-day rhythm; churned after 3 × 30 = 90 days, at risk after 45.
    let st = |since| {
        status(&s, Some(&activity(0.9, 3, 90.0, since)), None, "2026-12-07")
            .unwrap()
            .0
    };
    assert_eq!(st(45.0), Status::Active);
    assert_eq!(st(46.0), Status::AtRisk);
    assert_eq!(st(90.0), Status::AtRisk);
    assert_eq!(st(91.0), Status::Churned);
}

#[test]
fn one_time_buyers_use_days_since_their_purchase_not_p_alive() {
    let s = Settings::default();
    // BG/NBD gives a one-time buyer P(alive) = 1; the page must not call them active forever.
    let st = |since| status(&s, Some(&activity(1.0, 0, 0.0, since)), None, "2026-12-07").unwrap();
    assert_eq!(st(100.0), (Status::Active, Rule::OneTimeBuyer));
    assert_eq!(st(182.5), (Status::AtRisk, Rule::OneTimeBuyer));
    assert_eq!(st(365.0), (Status::Churned, Rule::OneTimeBuyer));
}

#[test]
fn contracts_churn_on_cancellation() {
    let s = Settings::default();
    let c = |end: &str| Contract {
        start: "2025-01-01".into(),
        end: end.into(),
    };
    let a = activity(0.1, 3, 90.0, 300.0);
    assert_eq!(
        status(&s, Some(&a), Some(&c("")), "2026-12-07"),
        Some((Status::Active, Rule::Contract))
    );
    assert_eq!(
        status(&s, Some(&a), Some(&c("2026-12-08")), "2026-12-07")
            .unwrap()
            .0,
        Status::Active
    );
    assert_eq!(
        status(&s, None, Some(&c("2026-12-07")), "2026-12-07")
            .unwrap()
            .0,
        Status::Churned
    );
    assert_eq!(status(&s, None, None, "2026-12-07"), None);
}

fn evidence() -> ChurnEvidence {
    ChurnEvidence::default()
}

#[test]
fn proposals_follow_the_evidence() {
    let s = Settings::default();
    let p = propose(&s, &evidence());
    assert_eq!(p.churn_type, None);
    assert_eq!(p.evidence[0].kind, EvidenceKind::Nothing);

    let mut e = evidence();
    e.exit_reason = "客户搬家到外地".into();
    let p = propose(&s, &e);
    assert_eq!(p.churn_type, Some(ChurnType::Natural));
    assert!(p
        .evidence
        .iter()
        .any(|i| i.kind == EvidenceKind::NaturalWord && i.detail == "搬家"));

    let mut e = evidence();
    e.texts = vec!["隔壁新开的那家更便宜，我转到他们那里了".into()];
    assert_eq!(propose(&s, &e).churn_type, Some(ChurnType::Competitive));
    e.texts = vec!["I switched to another store".into()];
    assert_eq!(propose(&s, &e).churn_type, Some(ChurnType::Competitive));

    let mut e = evidence();
    e.complaint_severities = vec!["medium".into()];
    assert_eq!(propose(&s, &e).churn_type, Some(ChurnType::Fault));
    e.complaint_severities = vec!["critical".into()];
    assert_eq!(propose(&s, &e).churn_type, Some(ChurnType::Severe));
    e.complaint_severities = vec!["high".into()];
    e.satisfaction_last = Some(20.0);
    assert_eq!(propose(&s, &e).churn_type, Some(ChurnType::Severe));
    e.satisfaction_last = Some(21.0);
    assert_eq!(propose(&s, &e).churn_type, Some(ChurnType::Fault));
}

#[test]
fn a_satisfaction_drop_is_fault_evidence_at_its_threshold() {
    let s = Settings::default();
    let mut e = evidence();
    e.satisfaction_before = Some(90.0);
    e.satisfaction_last = Some(70.0);
    let p = propose(&s, &e);
    assert_eq!(p.churn_type, Some(ChurnType::Fault));
    assert!(p
        .evidence
        .iter()
        .any(|i| i.kind == EvidenceKind::SatisfactionDrop && i.detail == "90 → 70"));
    e.satisfaction_last = Some(70.5);
    assert_eq!(propose(&s, &e).churn_type, None);
    e.satisfaction_before = None;
    e.satisfaction_last = Some(49.0);
    assert_eq!(propose(&s, &e).churn_type, Some(ChurnType::Fault));
}

#[test]
fn natural_beats_a_competitor_word_and_severe_beats_competitive() {
    let s = Settings::default();
    let mut e = evidence();
    e.exit_reason = "moved abroad; a competitor there".into();
    assert_eq!(propose(&s, &e).churn_type, Some(ChurnType::Natural));
    let mut e = evidence();
    e.texts = vec!["竞争对手".into()];
    e.complaint_severities = vec!["critical".into()];
    assert_eq!(propose(&s, &e).churn_type, Some(ChurnType::Severe));
}

#[test]
fn winback_steps_follow_the_seeds_order() {
    use TaskState::*;
    let contact = WinbackStep::Contact {
        apologised: true,
        unhappy_with: "等待太久".into(),
    };
    let remedy = WinbackStep::Remedy {
        remedy: "赠送代金券".into(),
    };
    let won = WinbackStep::Outcome {
        outcome: Outcome::WonBack,
        note: String::new(),
    };
    let unreachable = WinbackStep::Outcome {
        outcome: Outcome::Unreachable,
        note: String::new(),
    };
    assert_eq!(contact.next(Open), Ok(Contacted));
    assert!(remedy.next(Open).is_err());
    assert_eq!(remedy.next(Contacted), Ok(RemedyAgreed));
    assert!(won.next(Open).is_err());
    assert_eq!(won.next(RemedyAgreed), Ok(Closed));
    assert_eq!(unreachable.next(Open), Ok(Closed));
    assert!(unreachable.next(Closed).is_err());
    assert!(contact.next(Closed).is_err());
    let empty = WinbackStep::Remedy { remedy: " ".into() };
    assert!(empty.next(Contacted).is_err());
    let control = WinbackStep::Contact {
        apologised: false,
        unhappy_with: "a\u{0}b".into(),
    };
    assert!(control.next(Open).is_err());
}

#[test]
fn settings_are_checked() {
    assert!(Settings::default().check().is_ok());
    let s = Settings {
        p_alive_threshold: 1.0,
        ..Settings::default()
    };
    assert_eq!(s.check().unwrap_err().field, "p_alive_threshold");
    let s = Settings {
        at_risk_threshold: 0.4,
        ..Settings::default()
    };
    assert_eq!(s.check().unwrap_err().field, "at_risk_threshold");
    let mut s = Settings::default();
    s.causes.push(s.causes[0].clone());
    assert_eq!(s.check().unwrap_err().field, "causes");
    let mut s = Settings::default();
    s.causes[0].code = "Bad Code".into();
    assert_eq!(s.check().unwrap_err().field, "causes");
    assert_eq!(
        Settings::default()
            .cause("price")
            .unwrap()
            .label(Lang::ZhCn),
        "营销：价格"
    );
}
