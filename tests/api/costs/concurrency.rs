//! Many concurrent opt-ins, withdrawals and cost changes on one project while readers read the
//! allocation: every response is whole (no 5xx) and sums exactly.

use std::collections::BTreeMap;
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

const PROJECTS: usize = 6;
const TOGGLES: usize = 6;

/// Moves `org`'s participation in `project` to `state` with the ETag `tag`; the next ETag.
async fn move_to(app: &TestApp, project: uuid::Uuid, org: &str, state: &str, tag: &str) -> String {
    let response = app
        .request(reqwest::Method::PUT, &participation_path(project, org))
        .by_coordinator()
        .header("if-match", tag)
        .json(&json!({"state": state, "council_resolution_required": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{org} -> {state}");
    response.headers()["etag"].to_str().unwrap().to_owned()
}

/// The allocation as stored and as the preview computes it from scratch, year by year.
async fn stored_and_fresh(app: &TestApp, project: uuid::Uuid, pending: bool) -> (Value, Value) {
    let query = if pending { "?include=pending" } else { "" };
    let stored = json(
        app.get(&format!("{}{query}", allocation_path(project)))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let fresh = json(
        app.post(&format!("{}/preview", allocation_path(project)))
            .by_coordinator()
            .json(&json!({"include_pending": pending}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    (stored["years"].clone(), fresh["years"].clone())
}

/// Opt-in changes on distinct projects run side by side (their budget deltas land in the
/// write slots of their transactions, migration 000100); afterwards every organization's
/// budget summary equals the sum over the stored shares, and every stored allocation, written
/// row by row as it changed, equals the allocation computed from scratch.
#[actix_web::test]
async fn concurrent_opt_ins_on_distinct_projects_keep_the_budget_exact() {
    let app = Arc::new(
        TestApp::builder()
            .env("SMARTREGION_DB_POOL_SIZE", "8")
            .env("SMARTREGION_DB_WAIT_MS", "20000")
            .spawn()
            .await,
    );
    let mut projects = Vec::new();
    for i in 0..PROJECTS {
        let project = ProjectBuilder::new(&format!("SR-{}", i + 1))
            .lead(AHLEN)
            .create(&app)
            .await;
        add_standard_items(&app, project).await;
        let key = if i % 2 == 0 {
            json!({"type": "equal"})
        } else {
            json!({"type": "equal", "caps_cents": {AHLEN: 2_000_000}})
        };
        put_key(&app, project, key).await;
        set_state(&app, project, DISTRICT, "committed").await;
        for town in TOWNS {
            set_state(&app, project, town, "council_decision_pending").await;
        }
        projects.push(project);
    }

    let mut writers = Vec::new();
    for (i, project) in projects.iter().copied().enumerate() {
        let app = app.clone();
        writers.push(actix_web::rt::spawn(async move {
            // Each writer moves its own project's towns between pending and intends_to_join,
            // starting with a different town, so the projects' payers differ all the time.
            for round in 0..TOGGLES {
                let town = TOWNS[(i + round) % TOWNS.len()];
                let current = app
                    .get(&participation_path(project, town))
                    .send()
                    .await
                    .unwrap();
                let tag = current.headers()["etag"].to_str().unwrap().to_owned();
                let state = json(current, 200).await["state"].clone();
                let next = if state == "council_decision_pending" {
                    "intends_to_join"
                } else {
                    "council_decision_pending"
                };
                move_to(&app, project, town, next, &tag).await;
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }

    let mut conn = app.conn().await;
    for org in [DISTRICT, AHLEN, BECKUM, OSTBEVERN, TELGTE] {
        let from_shares: BTreeMap<i32, (i64, i64)> =
            smartregion::db::costs::budget::budget_from_shares(&mut conn, org)
                .await
                .unwrap()
                .into_iter()
                .filter(|(_, sums)| *sums != (0, 0))
                .collect();
        let summary: BTreeMap<i32, (i64, i64)> =
            smartregion::db::costs::budget::budget_years(&mut conn, org, 2000, 2100)
                .await
                .unwrap()
                .into_iter()
                .map(|row| (row.fiscal_year, (row.committed_cents, row.pending_cents)))
                .filter(|(_, sums)| *sums != (0, 0))
                .collect();
        assert!(!from_shares.is_empty(), "{org} pays something");
        assert_eq!(summary, from_shares, "{org}");
    }
    for project in projects {
        for pending in [false, true] {
            let (stored, fresh) = stored_and_fresh(&app, project, pending).await;
            assert_eq!(stored, fresh, "project {project}, pending {pending}");
        }
    }
}
