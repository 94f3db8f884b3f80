//! Many concurrent opt-ins, withdrawals and cost changes on one project while readers read the
//! allocation: every response is whole (no 5xx) and sums exactly.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

const TOWNS: [&str; 4] = [AHLEN, BECKUM, OSTBEVERN, TELGTE];
const ROUNDS: usize = 4;

#[actix_web::test]
async fn concurrent_changes_never_break_the_sums() {
    let app = Arc::new(
        TestApp::builder()
            .env("SMARTREGION_DB_POOL_SIZE", "8")
            .env("SMARTREGION_DB_WAIT_MS", "20000")
            .spawn()
            .await,
    );
    let project = project(&app).await;
    add_standard_items(&app, project).await;
    put_key(
        &app,
        project,
        json!({"type": "equal", "caps_cents": {AHLEN: 2_000_000}}),
    )
    .await;
    set_state(&app, project, DISTRICT, "committed").await;

    let done = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for query in ["", "?include=pending"] {
        let (app, done) = (app.clone(), done.clone());
        readers.push(actix_web::rt::spawn(async move {
            let mut reads = 0;
            while !done.load(Ordering::Relaxed) || reads == 0 {
                let response = app
                    .get(&format!("{}{query}", allocation_path(project)))
                    .by_coordinator()
                    .send()
                    .await
                    .unwrap();
                let body: Value = json(response, 200).await;
                assert_eq!(body["status"], "complete", "{body}");
                assert_sums(&body);
                reads += 1;
            }
            reads
        }));
    }

    let mut writers = Vec::new();
    for town in TOWNS {
        let app = app.clone();
        writers.push(actix_web::rt::spawn(async move {
            for _ in 0..ROUNDS {
                set_state(&app, project, town, "council_decision_pending").await;
                set_state(&app, project, town, "committed").await;
                set_state(&app, project, town, "withdrawn").await;
            }
        }));
    }
    {
        let app = app.clone();
        writers.push(actix_web::rt::spawn(async move {
            for round in 0..ROUNDS * 3 {
                let response = app
                    .post(&items_path(project))
                    .by_coordinator()
                    .json(&json!({"category": "service", "recurrence": "recurring",
                                  "first_year": 2027, "last_year": 2028,
                                  "amount_cents": 1_000 + round as i64, "eligible_for_funding": false,
                                  "basis": "estimate", "description": format!("Runde {round}")}))
                    .send()
                    .await
                    .unwrap();
                json(response, 201).await;
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    done.store(true, Ordering::Relaxed);
    for reader in readers {
        assert!(reader.await.unwrap() > 0);
    }

    // In the end the district pays alone; the summary equals the stored shares.
    let last = json(
        app.get(&allocation_path(project))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_sums(&last);
    assert_eq!(last["participants"].as_array().unwrap().len(), 1);
    let mut conn = app.conn().await;
    for org in [DISTRICT, AHLEN, BECKUM, OSTBEVERN, TELGTE] {
        let aggregate = smartregion::db::costs::budget::budget_from_shares(&mut conn, org)
            .await
            .unwrap();
        let summary = smartregion::db::costs::budget::budget_years(&mut conn, org, 2000, 2100)
            .await
            .unwrap();
        for row in summary {
            let (committed, pending) = aggregate.get(&row.fiscal_year).copied().unwrap_or_default();
            assert_eq!(
                (row.committed_cents, row.pending_cents),
                (committed, pending),
                "{org}"
            );
        }
    }
}
