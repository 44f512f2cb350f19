//! Survey answers of any JSON, checked against every ready questionnaire as the public form and
//! the API check them (partial and complete): accepted or refused item by item — never a panic.
#![no_main]
use domain::surveys::{template, Answers, TEMPLATES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(answers) = serde_json::from_slice::<Answers>(data) else {
        return;
    };
    for code in TEMPLATES {
        if let Some(q) = template(code) {
            for complete in [false, true] {
                if let Err(errors) = q.check_answers(&answers, complete) {
                    assert!(!errors.is_empty());
                }
            }
        }
    }
});
