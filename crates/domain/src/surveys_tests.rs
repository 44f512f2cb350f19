//! Tests of `surveys`.

use super::*;

#[test]
fn templates_are_sound_and_bilingual() {
    for t in TEMPLATES {
        let q = template(t).unwrap();
        q.check().unwrap_or_else(|e| panic!("{t}: {}", e.en));
        for i in &q.items {
            assert!(
                !i.text.zh.is_empty() && !i.text.en.is_empty(),
                "{t} {}",
                i.code
            );
        }
    }
    let e = template("ecsi").unwrap();
    assert_eq!(e.elements.len(), 7);
    assert_eq!(e.items_of("PERQ").len(), 7);
    assert_eq!(e.paths.len(), 12);
    assert_eq!(template("acsi").unwrap().paths.len(), 9);
    assert!(template("nope").is_none());
}

#[test]
fn answers_are_checked_against_their_item() {
    let q = template("post_complaint").unwrap();
    let ok = |c: &str, v: AnswerValue| q.check_answer(c, &v).is_ok();
    assert!(ok("HANDLING", AnswerValue::Number(5.0)));
    assert!(!ok("HANDLING", AnswerValue::Number(6.0)));
    assert!(!ok("HANDLING", AnswerValue::Number(4.5)), "a whole point");
    let csat = template("csat").unwrap();
    let text = |t: &str| {
        csat.check_answer("COMMENT", &AnswerValue::Text(t.into()))
            .is_ok()
    };
    assert!(text("第一行\n第二行\t好"));
    assert!(!text("bell\u{7}"), "control characters");
    assert!(!text("nul\u{0}"));
    assert!(!text(&"长".repeat(TEXT_MAX + 1)), "too long");
    let gap = |a: f64, b: f64| {
        csat.check_answer(
            "SPEED",
            &AnswerValue::Pair {
                expected: a,
                perceived: b,
            },
        )
        .is_ok()
    };
    assert!(gap(4.0, 3.0) && !gap(4.0, 3.5));
    assert!(!ok("NPS", AnswerValue::Number(9.99)));
    assert!(!ok("HANDLING", AnswerValue::Text("5".into())));
    assert!(ok("NPS", AnswerValue::Number(0.0)));
    assert!(!ok("EFFORT", AnswerValue::Number(0.0)));
    assert!(ok("RESOLVED", AnswerValue::Choices(vec![2])));
    assert!(!ok("RESOLVED", AnswerValue::Choices(vec![3])));
    assert!(!ok("RESOLVED", AnswerValue::Choices(vec![0, 1])));
    assert!(!ok("NOPE", AnswerValue::Number(1.0)));
    let e = q
        .check_answer("HANDLING", &AnswerValue::Number(9.0))
        .unwrap_err();
    assert_eq!(e.item, "HANDLING");
    assert!(e.reason.en.contains("outside the scale 1–5"), "{e:?}");
    let mut a = Answers::new();
    a.insert("HANDLING".into(), AnswerValue::Number(4.0));
    assert!(q.check_answers(&a, false).is_ok());
    let missing = q.check_answers(&a, true).unwrap_err();
    assert!(missing.iter().any(|e| e.item == "EFFORT"));
    let c = template("csat").unwrap();
    let pair = |expected, perceived| AnswerValue::Pair {
        expected,
        perceived,
    };
    assert!(c.check_answer("SPEED", &pair(4.0, 3.0)).is_ok());
    assert!(c.check_answer("SPEED", &pair(4.0, 8.0)).is_err());
    // JSON as the form and the API send it.
    let mut a: Answers = serde_json::from_str(
        r#"{"SPEED":{"expected":4,"perceived":3},"CSAT":5,"COMMENT":"ok","X":[0,1]}"#,
    )
    .unwrap();
    assert_eq!(a["X"], AnswerValue::Choices(vec![0, 1]));
    a.remove("X");
    assert!(c.check_answers(&a, false).is_ok(), "{a:?}");
}

#[test]
fn broken_structures_are_refused() {
    let mut q = template("ecsi").unwrap();
    q.paths.push(("CUSL".into(), "IMAG".into()));
    let e = q.check().unwrap_err();
    assert!(e.en.contains("cycle") && e.zh.contains("循环"), "{e:?}");
    let mut q = template("ecsi").unwrap();
    q.items[0].element = "NOPE".into();
    assert!(q.check().unwrap_err().en.contains("unknown element"));
    let mut q = template("csat").unwrap();
    q.items[0].kind = ItemKind::Scale { min: 5, max: 5 };
    assert!(q.check().unwrap_err().zh.contains("为空"));
}
