//! A customer row and a transaction row of any text (fields split on 0x1F), validated as an
//! import validates them: refused field by field, or a record that goes back to text and reads
//! again as the same record (what an export and a re-import rely on).
#![no_main]
use domain::customers::{CustomerFields, TransactionFields};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut f = text.split('\u{1f}').map(str::to_string);
    let mut next = || f.next().unwrap_or_default();
    let c = CustomerFields {
        external_id: next(),
        name: next(),
        phone: next(),
        email: next(),
        gender: next(),
        birthday: next(),
        important_dates: next(),
        region: next(),
        channel: next(),
        referred_by: next(),
        tags: next(),
        segment: next(),
        consent: next(),
        preferences: next(),
        contract_start: next(),
        contract_end: next(),
        category_spend: next(),
        lang: next(),
    };
    if let Ok(r) = c.parse() {
        let again = r.to_fields().parse();
        assert_eq!(again.as_ref().ok(), Some(&r), "customer round trip: {c:?}");
    }
    let t = TransactionFields {
        external_id: next(),
        customer_id: next(),
        occurred_at: next(),
        amount: next(),
        currency: next(),
        channel: next(),
        store: next(),
        items: next(),
        quantity: next(),
        promotion: next(),
        is_return: next(),
    };
    if let Ok(r) = t.parse() {
        let again = r.to_fields().parse();
        assert_eq!(
            again.as_ref().ok(),
            Some(&r),
            "transaction round trip: {t:?}"
        );
    }
});
