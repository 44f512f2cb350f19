//! Imports and exports: formats, encodings, round trips, idempotence, and every kind of bad
//! input rejected with file/line/column/reason while the store stays unchanged.

use super::harness::TestApp;
use crate::both;
use app::customers::import::{ImportKind, ImportOptions, ProgressFn};
use app::customers::table::Encoding;
use app::{Actor, AppError};
use std::sync::Arc;

pub(super) const CUSTOMERS: &str = "external_id,name,phone,email,gender,birthday,important_dates,region,channel,referred_by,tags,segment,consent,preferences
C1,王小明,+86 138-0000-0001,xm@example.cn,男,1990-05-01,anniversary=2015-10-01,上海,门店,,vip,gold,sms,座位=靠窗第二个; 早餐=豆浆油条
C2,\"Clarke, Emma\",,emma@example.com,female,,,London,web,C1,,,\"email, sms\",
C3,李娜,13900000003,,F,1985/12/24,,北京,微信小程序,C2,\"会员, 学生\",,,联系时间=工作日晚上
";

pub(super) const TRANSACTIONS: &str = "external_id,customer_id,occurred_at,amount,currency,channel,store,items,quantity,promotion,is_return
T1,C1,2024-01-05 10:00:00,29.90,CNY,store,旗舰店,咖啡豆,2,1,0
T2,C1,2024-02-01,15,CNY,online,,\"礼品卡, 贺卡\",1,0,0
T3,C2,2024-02-03T08:00:00Z,-5.50,CNY,store,万达店,退货,1,0,1
T4,C3,20240310,100.00,CNY,store,国贸店,黑胶唱片,1,no,no
";

fn quiet() -> ProgressFn {
    Arc::new(|_| {})
}

pub async fn import(
    t: &TestApp,
    kind: ImportKind,
    name: &str,
    bytes: &[u8],
    opts: ImportOptions,
) -> Result<app::customers::ImportReport, AppError> {
    let p = t.file(name, bytes);
    t.app
        .import_file(&Actor::cli(), kind, &p, name, &opts, quiet())
        .await
}

pub(super) async fn export(t: &TestApp, kind: ImportKind, name: &str, enc: Encoding) -> Vec<u8> {
    let p = t.dir.path().join(name);
    let _ = std::fs::remove_file(&p);
    t.app
        .export_file(&Actor::cli(), kind, &p, enc)
        .await
        .unwrap();
    std::fs::read(p).unwrap()
}

async fn counts(t: &TestApp) -> (i64, i64) {
    (
        t.app.store.count("customers").await.unwrap(),
        t.app.store.count("transactions").await.unwrap(),
    )
}

async fn round_trip_and_idempotence(t: &TestApp) {
    let r = import(
        t,
        ImportKind::Customers,
        "c.csv",
        CUSTOMERS.as_bytes(),
        ImportOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        (r.counts.rows, r.counts.inserted, r.counts.updated),
        (3, 3, 0)
    );
    let r = import(
        t,
        ImportKind::Transactions,
        "t.csv",
        TRANSACTIONS.as_bytes(),
        ImportOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!((r.counts.rows, r.counts.inserted), (4, 4));
    let c3 = t
        .app
        .store
        .customer(t.app.store.customer_id_by_external("C3").await.unwrap())
        .await
        .unwrap();
    assert_eq!(c3.referred_by.as_deref(), Some("C2"));
    assert_eq!(c3.tags, vec!["会员", "学生"]);
    assert_eq!(c3.birthday, "1985-12-24");

    // Export → import → export: the same bytes, and nothing changed.
    let c_csv = export(t, ImportKind::Customers, "c-out.csv", Encoding::Utf8).await;
    let t_csv = export(t, ImportKind::Transactions, "t-out.csv", Encoding::Utf8).await;
    assert!(
        c_csv.starts_with(&[0xEF, 0xBB, 0xBF]),
        "UTF-8 BOM for Excel"
    );
    let before = t
        .app
        .store
        .customer(t.app.store.customer_id_by_external("C1").await.unwrap())
        .await
        .unwrap();
    for (kind, name, bytes) in [
        (ImportKind::Customers, "c-in.csv", &c_csv),
        (ImportKind::Transactions, "t-in.csv", &t_csv),
    ] {
        let r = import(t, kind, name, bytes, ImportOptions::default())
            .await
            .unwrap();
        assert_eq!(
            (r.counts.inserted, r.counts.updated),
            (0, 0),
            "re-import of {name} changes nothing"
        );
    }
    let after = t.app.store.customer(before.id).await.unwrap();
    assert_eq!(before, after, "same version, same fields");
    assert_eq!(
        export(t, ImportKind::Customers, "c-out2.csv", Encoding::Utf8).await,
        c_csv
    );
    assert_eq!(
        export(t, ImportKind::Transactions, "t-out2.csv", Encoding::Utf8).await,
        t_csv
    );

    // xlsx, GB18030 and Parquet round trips: every value read back as it was written.
    for enc_name in ["xlsx", "gb18030", "parquet"] {
        let (ext, enc) = match enc_name {
            "xlsx" => ("xlsx", Encoding::Utf8),
            "parquet" => ("parquet", Encoding::Utf8),
            _ => ("csv", Encoding::Gb18030),
        };
        for kind in [ImportKind::Customers, ImportKind::Transactions] {
            let name = format!("{}-{enc_name}.{ext}", kind.as_str());
            let bytes = export(t, kind, &name, enc).await;
            let r = import(
                t,
                kind,
                &format!("re-{name}"),
                &bytes,
                ImportOptions::default(),
            )
            .await
            .unwrap();
            assert_eq!((r.counts.inserted, r.counts.updated), (0, 0), "{name}");
            let rows = if kind == ImportKind::Customers { 3 } else { 4 };
            assert_eq!(r.counts.unchanged, rows, "{name}: every row read back");
        }
    }
    assert_eq!(
        export(t, ImportKind::Customers, "c-out3.csv", Encoding::Utf8).await,
        c_csv
    );

    // A changed row updates only that customer, bumping its version.
    let changed = CUSTOMERS.replace("C3,李娜", "C3,李娜娜");
    let r = import(
        t,
        ImportKind::Customers,
        "c2.csv",
        changed.as_bytes(),
        ImportOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        (r.counts.inserted, r.counts.updated, r.counts.unchanged),
        (0, 1, 2)
    );
    let c3b = t.app.store.customer(c3.id).await.unwrap();
    assert_eq!((c3b.name.as_str(), c3b.version), ("李娜娜", c3.version + 1));

    // A file with fewer columns leaves the other fields alone.
    let r = import(
        t,
        ImportKind::Customers,
        "names.csv",
        "external_id,name\nC1,王小明\nC9,新客户\n".as_bytes(),
        ImportOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!((r.counts.inserted, r.counts.updated), (1, 0));
    let c1 = t.app.store.customer(before.id).await.unwrap();
    assert_eq!(c1.preferences, before.preferences);
    assert_eq!(c1.phone, before.phone);

    // Chinese headers and --map overrides, GB18030 detected.
    let zh = "客户编号,姓名,手机,消费备注\nC20,张伟,13700000020,x\n";
    let (gbk, _, _) = encoding_rs::GB18030.encode(zh);
    let r = import(
        t,
        ImportKind::Customers,
        "zh.csv",
        &gbk,
        ImportOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(r.encoding, Some(Encoding::Gb18030));
    assert_eq!(r.ignored_columns, vec!["消费备注"]);
    let c20 = t
        .app
        .store
        .customer(t.app.store.customer_id_by_external("C20").await.unwrap())
        .await
        .unwrap();
    assert_eq!(
        (c20.name.as_str(), c20.phone.as_str()),
        ("张伟", "13700000020")
    );
    let mapped = "单号,会员,日期,实付\nM1,C20,2024-05-01,12.30\n";
    let opts = ImportOptions {
        map: vec![
            ("external_id".into(), "单号".into()),
            ("customer_id".into(), "会员".into()),
            ("amount".into(), "实付".into()),
        ],
        ..Default::default()
    };
    let r = import(
        t,
        ImportKind::Transactions,
        "mapped.csv",
        mapped.as_bytes(),
        opts,
    )
    .await
    .unwrap();
    assert_eq!(r.counts.inserted, 1);

    // The audit log has the imports.
    let log = t.app.store.audit_log(Some("customers"), 50).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "import" && e.entity_id == "c.csv"),
        "{log:?}"
    );
}
both!(round_trip_and_idempotence);

/// Every malformed file is refused whole: the error names file, line, column and reason, and
/// the store does not change.
/// The reasons of a rejected import, as `line: column: reason` strings, and the total count.
fn rejected(e: AppError) -> (Vec<String>, i64) {
    let errs = e.details["errors"].as_array().cloned().unwrap_or_default();
    let lines = errs
        .iter()
        .map(|x| {
            format!(
                "{}: {}: {}",
                x["line"],
                x["column"].as_str().unwrap(),
                x["reason"].as_str().unwrap()
            )
        })
        .collect();
    (lines, e.details["error_count"].as_i64().unwrap())
}

/// Transactions: the first file into an empty table (indexes built at the end), updates of
/// known ids (only changed rows, only the file's columns), and duplicates within a file found
/// whether the id is new or already stored, each naming the line of its first occurrence.
async fn transaction_updates_and_duplicates(t: &TestApp) {
    let opts = ImportOptions::default;
    import(
        t,
        ImportKind::Customers,
        "c.csv",
        CUSTOMERS.as_bytes(),
        opts(),
    )
    .await
    .unwrap();
    let head = "external_id,customer_id,occurred_at,amount\n";
    // Into the empty table: a duplicate and an unknown customer, all reported in line order.
    let e = import(
        t,
        ImportKind::Transactions,
        "first.csv",
        format!("{head}T1,C1,2024-01-01,1\nT2,C9,2024-01-01,1\nT3,C1,2024-01-01,1\nT1,C2,2024-01-02,2\nT3,C1,2024-01-01,1\n").as_bytes(),
        opts(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        rejected(e),
        (
            vec![
                "3: customer_id: no customer with external id 'C9'".to_string(),
                "5: external_id: duplicate external id 'T1' (first on line 2)".to_string(),
                "6: external_id: duplicate external id 'T3' (first on line 4)".to_string(),
            ],
            3
        )
    );
    assert_eq!(counts(t).await, (3, 0), "nothing stored");
    // The error limit keeps the first rows, the count is of all.
    let e = import(
        t,
        ImportKind::Transactions,
        "limit.csv",
        format!("{head}T1,C1,2024-01-01,1\nT1,C1,2024-01-01,1\nT2,C9,2024-01-01,1\nT1,C1,2024-01-01,1\n").as_bytes(),
        ImportOptions { error_limit: 2, ..opts() },
    )
    .await
    .unwrap_err();
    let (lines, total) = rejected(e);
    assert_eq!((lines.len(), total), (2, 3));
    assert!(
        lines[0].starts_with("3: external_id") && lines[1].starts_with("4: customer_id"),
        "{lines:?}"
    );

    let full = "external_id,customer_id,occurred_at,amount,currency,channel,store,items,quantity,promotion,is_return\n";
    let r = import(
        t,
        ImportKind::Transactions,
        "t.csv",
        format!("{full}T1,C1,2024-01-01,1,CNY,store,A店,x,1,0,0\nT2,C2,2024-01-02,2,CNY,web,,y,2,1,0\nT3,C3,2024-01-03,3,CNY,store,B店,z,1,0,0\n").as_bytes(),
        opts(),
    )
    .await
    .unwrap();
    assert_eq!(
        (r.counts.inserted, r.counts.updated, r.counts.unchanged),
        (3, 0, 0)
    );

    // Known ids update (T1: new amount; T2: new customer; T3 unchanged), new ones insert; a
    // file without the optional columns leaves them as they are.
    let r = import(
        t,
        ImportKind::Transactions,
        "t2.csv",
        format!("{head}T1,C1,2024-01-01,1.50\nT2,C3,2024-01-02,2\nT3,C3,2024-01-03,3\nT4,C1,2024-01-04,4\n").as_bytes(),
        opts(),
    )
    .await
    .unwrap();
    assert_eq!(
        (
            r.counts.rows,
            r.counts.inserted,
            r.counts.updated,
            r.counts.unchanged
        ),
        (4, 1, 2, 1)
    );
    let c3 = t.app.store.customer_id_by_external("C3").await.unwrap();
    let rows = t.app.store.transactions_of(c3, 1, 10).await.unwrap();
    let t2 = rows
        .items
        .iter()
        .find(|x| x.external_id == "T2")
        .expect("T2 moved to C3");
    assert_eq!(
        (
            t2.channel.as_str(),
            t2.items.as_str(),
            t2.quantity,
            t2.promotion
        ),
        ("web", "y", 2, true)
    );
    assert_eq!(counts(t).await, (3, 4));

    // Duplicates of stored ids and of new ids, in a file that would otherwise update.
    let e = import(
        t,
        ImportKind::Transactions,
        "dups.csv",
        format!("{head}T1,C1,2024-01-01,9\nT5,C1,2024-01-05,5\nT1,C1,2024-01-01,8\nT5,C1,2024-01-05,5\n").as_bytes(),
        opts(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        rejected(e).0,
        vec![
            "4: external_id: duplicate external id 'T1' (first on line 2)".to_string(),
            "5: external_id: duplicate external id 'T5' (first on line 3)".to_string(),
        ]
    );
    assert_eq!(counts(t).await, (3, 4), "nothing stored");
    let again = import(
        t,
        ImportKind::Transactions,
        "t2-again.csv",
        format!("{head}T1,C1,2024-01-01,1.50\n").as_bytes(),
        opts(),
    )
    .await
    .unwrap();
    assert_eq!(
        (again.counts.inserted, again.counts.updated),
        (0, 0),
        "T1 was not changed by the rejected file"
    );
}
both!(transaction_updates_and_duplicates);

/// Searches that match much of a large base: SQLite counts them from its trigram index;
/// PostgreSQL stops counting at the cap (shown as "1000+") and pages in id order; one- and
/// two-character prefixes work on both.
async fn large_searches(t: &TestApp) {
    let mut csv = String::from("external_id,name,phone\n");
    for i in 0..1100 {
        csv.push_str(&format!("K{i:05},王{i} Common,1380000{i:04}\n"));
    }
    import(
        t,
        ImportKind::Customers,
        "many.csv",
        csv.as_bytes(),
        ImportOptions::default(),
    )
    .await
    .unwrap();
    let list = |q: &str, page: i64| {
        let f = storage::customers::CustomerFilter {
            q: q.into(),
            ..Default::default()
        };
        let app = t.app.clone();
        async move {
            app.list_customers(&Actor::cli(), &f, page, 25)
                .await
                .unwrap()
        }
    };
    let p = list("common", 1).await;
    let capped = t.app.store.backend() == storage::Backend::Postgres;
    assert_eq!(
        (p.total, p.total_capped),
        if capped {
            (storage::customers::SEARCH_COUNT_CAP, true)
        } else {
            (1100, false)
        }
    );
    assert_eq!(p.items.len(), 25);
    assert_eq!(p.items[0].external_id, "K00000", "first added first");
    let p2 = list("common", 2).await;
    assert_eq!(p2.items[0].external_id, "K00025");
    let p = list("王", 1).await;
    assert_eq!(p.items.len(), 25);
    let p = list("k0109", 1).await;
    assert_eq!((p.total, p.items.len()), (10, 10));
    let p = list("0001099", 1).await;
    assert_eq!(
        p.items
            .iter()
            .map(|c| c.external_id.as_str())
            .collect::<Vec<_>>(),
        vec!["K01099"]
    );
}
both!(large_searches);

async fn bad_files_change_nothing(t: &TestApp) {
    import(
        t,
        ImportKind::Customers,
        "c.csv",
        CUSTOMERS.as_bytes(),
        ImportOptions::default(),
    )
    .await
    .unwrap();
    import(
        t,
        ImportKind::Transactions,
        "t.csv",
        TRANSACTIONS.as_bytes(),
        ImportOptions::default(),
    )
    .await
    .unwrap();
    let start = counts(t).await;
    let head = "external_id,customer_id,occurred_at,amount\n";
    let huge = format!(
        "{head}T9,C1,2024-01-01,1\nT10,C1,2024-01-01,\"{}\"\n",
        "9".repeat(200_000)
    );
    let mut bad_utf8 = format!("{head}T9,C1,2024-01-01,1\n").into_bytes();
    bad_utf8.extend_from_slice(b"T10,C1,2024-01-01,1\xff\xfe\n");
    let mut bad_gbk = encoding_rs::GB18030
        .encode(&format!("{head}T9,C1,2024-01-01,1\n"))
        .0
        .into_owned();
    bad_gbk.extend_from_slice(b"T10,C1,\x81\x20,1\n");
    // (file, kind, bytes, forced encoding, expected line, column, reason)
    type Case<'a> = (
        &'a str,
        ImportKind,
        Vec<u8>,
        Option<Encoding>,
        i64,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "columns.csv",
            ImportKind::Transactions,
            format!("{head}T9,C1,2024-01-01,1\nT10,C1,2024-01-01\n").into_bytes(),
            None,
            3,
            "",
            "expected 4 fields",
        ),
        (
            "date.csv",
            ImportKind::Transactions,
            format!("{head}T9,C1,2024-01-01,1\nT10,C1,31/12/2024,1\n").into_bytes(),
            None,
            3,
            "occurred_at",
            "not a date",
        ),
        (
            "amount.csv",
            ImportKind::Transactions,
            format!("{head}T9,C1,2024-01-01,abc\n").into_bytes(),
            None,
            2,
            "amount",
            "not an amount",
        ),
        (
            "customer.csv",
            ImportKind::Transactions,
            format!("{head}T9,C1,2024-01-01,1\nT10,NOBODY,2024-01-01,1\n").into_bytes(),
            None,
            3,
            "customer_id",
            "no customer",
        ),
        (
            "dup.csv",
            ImportKind::Transactions,
            format!("{head}T9,C1,2024-01-01,1\nT9,C1,2024-01-02,2\n").into_bytes(),
            None,
            3,
            "external_id",
            "duplicate",
        ),
        (
            "utf8.csv",
            ImportKind::Transactions,
            bad_utf8,
            Some(Encoding::Utf8),
            3,
            "amount",
            "invalid utf-8",
        ),
        (
            "gbk.csv",
            ImportKind::Transactions,
            bad_gbk,
            Some(Encoding::Gb18030),
            3,
            "occurred_at",
            "invalid gb18030",
        ),
        (
            "empty.csv",
            ImportKind::Transactions,
            Vec::new(),
            None,
            0,
            "",
            "empty",
        ),
        (
            "header-only.csv",
            ImportKind::Transactions,
            head.as_bytes().to_vec(),
            None,
            1,
            "",
            "no rows",
        ),
        (
            "huge.csv",
            ImportKind::Transactions,
            huge.into_bytes(),
            None,
            3,
            "amount",
            "not an amount",
        ),
        (
            "missing-col.csv",
            ImportKind::Transactions,
            b"external_id,customer_id,amount\nT9,C1,1\n".to_vec(),
            None,
            1,
            "occurred_at",
            "required column",
        ),
        (
            "future.csv",
            ImportKind::Transactions,
            format!("{head}T9,C1,2100-01-01,1\n").into_bytes(),
            None,
            2,
            "occurred_at",
            "future",
        ),
        (
            "quote.csv",
            ImportKind::Transactions,
            format!("{head}T9,C1,\"2024-01-01,1\n").into_bytes(),
            None,
            2,
            "",
            "expected 4 fields",
        ),
        (
            "cust-email.csv",
            ImportKind::Customers,
            "external_id,name,email\nC50,x,not-mail\n"
                .as_bytes()
                .to_vec(),
            None,
            2,
            "email",
            "e-mail",
        ),
        (
            "cust-ref.csv",
            ImportKind::Customers,
            "external_id,name,referred_by\nC50,x,C52\nC52,y,GHOST\n"
                .as_bytes()
                .to_vec(),
            None,
            3,
            "referred_by",
            "GHOST",
        ),
        (
            "cust-dup.csv",
            ImportKind::Customers,
            "external_id,name\nC50,x\nC50,y\n".as_bytes().to_vec(),
            None,
            3,
            "external_id",
            "first on line 2",
        ),
        (
            "cust-noname.csv",
            ImportKind::Customers,
            "external_id,name\nC50,\n".as_bytes().to_vec(),
            None,
            2,
            "name",
            "required",
        ),
        (
            "not.xlsx",
            ImportKind::Customers,
            b"this is not a zip".to_vec(),
            None,
            0,
            "",
            "Excel",
        ),
    ];
    for (name, kind, bytes, encoding, line, column, reason) in cases {
        let e = import(
            t,
            kind,
            name,
            &bytes,
            ImportOptions {
                encoding,
                ..Default::default()
            },
        )
        .await
        .expect_err(name);
        assert_eq!(e.code, domain::ErrorCode::ImportRejected, "{name}: {e:?}");
        let errs = e.details["errors"].as_array().unwrap();
        let first = &errs[0];
        assert_eq!(first["file"], name, "{name}");
        assert_eq!(first["line"], line, "{name}: {first}");
        assert_eq!(first["column"], column, "{name}: {first}");
        assert!(
            first["reason"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains(&reason.to_lowercase()),
            "{name}: {first}"
        );
        assert_eq!(counts(t).await, start, "{name} changed the store");
    }
    // Many bad rows: all counted, the report capped.
    let mut many = String::from(head);
    for i in 0..500 {
        many.push_str(&format!("B{i},C1,2024-01-01,x\n"));
    }
    let e = import(
        t,
        ImportKind::Transactions,
        "many.csv",
        many.as_bytes(),
        ImportOptions {
            error_limit: 50,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.details["error_count"], 500);
    assert_eq!(e.details["errors"].as_array().unwrap().len(), 50);
    assert_eq!(counts(t).await, start);
    // The job list records the rejection with its report.
    let jobs = t.app.store.import_jobs(5).await.unwrap();
    assert_eq!(jobs[0].status, "rejected");
    assert_eq!(jobs[0].error_count, 500);
}
both!(bad_files_change_nothing);
