//! Imports over the API (upload, job, wait) and a whole-store backup and restore.

use super::harness::{json, TestApp};
use super::imports::{export, import, CUSTOMERS, TRANSACTIONS};
use crate::both;
use app::customers::import::{ImportKind, ImportOptions};
use app::customers::table::Encoding;

async fn imports_over_the_api(t: &TestApp) {
    let r = t
        .post(
            "analyst",
            "/api/v1/imports/customers?filename=c.csv&wait=true",
        )
        .body(CUSTOMERS)
        .send()
        .await
        .unwrap();
    let (s, rep) = json(r).await;
    assert_eq!(s, 200, "{rep}");
    assert_eq!(rep["counts"]["inserted"], 3);
    let (s, job) = json(
        t.post("analyst", "/api/v1/imports/transactions?filename=t.csv")
            .body(TRANSACTIONS)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 202, "{job}");
    let id = job["job"]["id"].as_i64().unwrap();
    let mut status = String::new();
    for _ in 0..100 {
        let (_, j) = json(
            t.get("analyst", &format!("/api/v1/imports/jobs/{id}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        status = j["job"]["status"].as_str().unwrap().to_string();
        if status != "running" {
            assert_eq!(j["job"]["rows_inserted"], 4);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, "done");
    let (s, e) = json(
        t.post(
            "analyst",
            "/api/v1/imports/transactions?filename=bad.csv&wait=true",
        )
        .body("external_id,customer_id,occurred_at,amount\nX,C1,2024-01-01,zz\n")
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(e["error"]["code"], "import_rejected");
    assert_eq!(e["error"]["details"]["errors"][0]["line"], 2);
    assert_eq!(e["error"]["details"]["errors"][0]["column"], "amount");
    let (s, _) = json(
        t.post("analyst", "/api/v1/imports/orders")
            .body("x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 404);
    let (s, list) = t.get_json("manager", "/api/v1/imports").await;
    assert_eq!(s, 200);
    assert_eq!(list["total"], 3);
}
both!(imports_over_the_api);

async fn backup_and_restore(t: &TestApp) {
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
    let before = export(t, ImportKind::Customers, "before.csv", Encoding::Utf8).await;
    let backup = t.dir.path().join("backup.sqlite3");
    let n = t
        .app
        .store
        .backup_to(&backup, &mut |_, _| {})
        .await
        .unwrap();
    assert!(n > 7);
    // Change things, then restore: back to the snapshot, and ids keep working afterwards.
    import(
        t,
        ImportKind::Customers,
        "more.csv",
        b"external_id,name\nC7,later\n",
        ImportOptions::default(),
    )
    .await
    .unwrap();
    t.app
        .store
        .restore_from(&backup, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(
        export(t, ImportKind::Customers, "after.csv", Encoding::Utf8).await,
        before
    );
    let (s, c) = t
        .post_json(
            "agent",
            "/api/v1/customers",
            &serde_json::json!({"external_id": "C8", "name": "new"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    // Tokens survive (users were restored), the restored data has its transactions.
    assert_eq!(t.app.store.count("transactions").await.unwrap(), 4);
    assert!(t
        .app
        .store
        .restore_from(&t.dir.path().join("missing.sqlite3"), &mut |_, _| {})
        .await
        .is_err());
}
both!(backup_and_restore);
