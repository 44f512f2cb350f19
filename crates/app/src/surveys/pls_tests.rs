//! Tests of `pls`.

use super::*;

#[test]
fn templates_find_constructs_by_item_prefix() {
    let h: Vec<String> = [
        "imag1", "imag2", "expe1", "qual1", "val1", "sat1", "loy1", "gender",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let m = template("ecsi", &h).unwrap();
    let names: Vec<&str> = m.constructs.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "Image",
            "Expectation",
            "Quality",
            "Value",
            "Satisfaction",
            "Loyalty"
        ]
    );
    assert_eq!(
        m.paths.len(),
        10,
        "no complaints construct, so no complaint paths"
    );
    let a = template("acsi", &h).unwrap();
    assert!(a.constructs.iter().all(|c| c.0 != "Image"));
    assert!(template("nope", &h).unwrap_err().contains("unknown"));
}

/// The plain-CSV fast path reads exactly what the general reader reads: the same columns,
/// the same respondents left out, the same errors on the same lines. A quoted header sends
/// the second file through the general reader.
#[test]
fn the_fast_reader_equals_the_general_one() {
    let dir = tempfile::tempdir().unwrap();
    let body = "a1 , a2,b1\r\n1,2,3\n\n 4 ,4.5,1\n2,,3\n1,2\n";
    let bad = body.to_string() + "x,2,3\n1,9,3\n";
    let read = |name: &str, header: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("{header}{body}")).unwrap();
        let model = |_: &[String]| {
            model_file(
                    "scale = [1, 5]\n[[construct]]\nname = \"A\"\nindicators = [\"a1\", \"a2\"]\n[[construct]]\nname = \"B\"\nindicators = [\"b1\"]\n[[path]]\nfrom = \"A\"\nto = [\"B\"]\n",
                    "m.toml",
                )
        };
        read_answers(&path, "f.csv", None, model, Lang::En)
    };
    let plain = read("plain.csv", "", &body.replace("1,2\n", "")).unwrap().0;
    let quoted = read(
        "quoted.csv",
        "",
        &body.replace("1,2\n", "").replace("a1 ", "\"a1\" "),
    )
    .unwrap()
    .0;
    assert_eq!(
        plain.data,
        vec![vec![1.0, 4.0], vec![2.0, 4.5], vec![3.0, 1.0]]
    );
    assert_eq!(
        (plain.data.clone(), plain.left_out_missing),
        (quoted.data, quoted.left_out_missing)
    );
    assert_eq!(plain.left_out_missing, 1);
    // Which path each file took.
    let took_fast = |name: &str| {
        let headers: Vec<String> = ["a1", "a2", "b1"].map(String::from).to_vec();
        let mut take = Take {
            display: "f.csv",
            scale: (1.0, 5.0),
            data: vec![Vec::new(); 3],
            row: vec![0.0; 3],
            errors: Vec::new(),
            error_count: 0,
            left_out: 0,
        };
        read_plain(&dir.path().join(name), &headers, &[0, 1, 2], &mut take).is_some()
    };
    assert!(took_fast("plain.csv") && !took_fast("quoted.csv"));
    let errors = |e: AppError| e.details.to_string();
    let plain = errors(read("p2.csv", "", &bad).err().unwrap());
    let quoted = errors(
        read("q2.csv", "", &bad.replace("a1 ", "\"a1\" "))
            .err()
            .unwrap(),
    );
    assert_eq!(plain, quoted);
    for part in [
        "expected 3 fields as in the header, found 2",
        "'x' is not a number",
        "9 is outside the scale 1–5",
        "\"line\":6",
        "\"line\":7",
        "\"line\":8",
    ] {
        assert!(plain.contains(part), "{part} in {plain}");
    }
}

#[test]
fn fit_errors_name_the_item_in_both_languages() {
    use pls::PlsError::*;
    let items = vec!["IMAG1".to_string(), "CUSL2".to_string()];
    let k = || "Loyalty".to_string();
    let all = [
        NoConstruct,
        NoIndicator { construct: k() },
        SingleFormative { construct: k() },
        MissingColumn {
            construct: k(),
            column: 5,
        },
        ColumnLength { column: 1 },
        NotANumber {
            construct: k(),
            column: 1,
            respondent: 7,
        },
        ZeroVariance {
            construct: k(),
            column: 1,
        },
        TooFewRespondents,
        BadPath { from: 0, to: 0 },
        Cycle { construct: k() },
        CollinearBlock { construct: k() },
        CollinearPredictors { construct: k() },
        NotConverged { iterations: 300 },
    ];
    for e in &all {
        let (zh, en) = (
            pls_reason(e, Lang::ZhCn, &items),
            pls_reason(e, Lang::En, &items),
        );
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{zh}"
        );
        assert!(
            en.is_ascii() || en.contains('→') || en.contains('’'),
            "{en}"
        );
    }
    let e = ZeroVariance {
        construct: k(),
        column: 1,
    };
    assert!(pls_reason(&e, Lang::ZhCn, &items).contains("CUSL2"));
    assert!(pls_reason(&e, Lang::En, &items).contains("item CUSL2 (construct 'Loyalty')"));
    let e = NotANumber {
        construct: k(),
        column: 0,
        respondent: 7,
    };
    assert!(
        pls_reason(&e, Lang::En, &items).contains("IMAG1")
            && pls_reason(&e, Lang::ZhCn, &items).contains("第 7 位")
    );
}

#[test]
fn model_files_are_read_and_checked() {
    let m = model_file(
            "scale = [1, 5]\n[[construct]]\nname = \"A\"\nindicators = [\"a1\", \"a2\"]\n[[construct]]\nname = \"B\"\nindicators = [\"b1\"]\nmode = \"B\"\n[[path]]\nfrom = \"A\"\nto = [\"B\"]\n",
            "m.toml",
        )
        .unwrap();
    assert_eq!(m.scale, (1.0, 5.0));
    assert_eq!(m.constructs[1].2, Mode::B);
    assert_eq!(m.paths, vec![("A".to_string(), "B".to_string())]);
    assert!(model_file(
        "[[construct]]\nname = \"A\"\nindicators = []\nmode = \"C\"\n",
        "m.toml"
    )
    .unwrap_err()
    .contains("mode 'C'"));
    assert!(model_file("oops = 1\n", "m.toml")
        .unwrap_err()
        .contains("m.toml"));
}
