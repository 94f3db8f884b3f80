//! The change feed under many concurrent writers (issue 14): writers commit side by side and
//! the records are numbered after commit, yet a client following the feed with its cursor sees
//! every write exactly once, at positions without a gap, in commit order, and a write is in
//! the feed as soon as its request was answered.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::helpers::*;
use crate::projects::led_project;

const WRITERS: usize = 16;
const WRITES: usize = 20;

/// One acknowledged write: its report id and when its request was sent and answered, on a
/// counter shared by all tasks (an order of events, not a time).
struct Write {
    report: String,
    sent: u64,
    answered: u64,
}

#[derive(diesel::QueryableByName, Debug, PartialEq, Eq)]
struct Stored {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Text)]
    entity: String,
    #[diesel(sql_type = Text)]
    entity_id: String,
}

/// Reads the feed from `after` to its current end; checks that each page continues exactly
/// where the cursor stood. Returns the new cursor.
async fn follow(app: &TestApp, after: i64, seen: &mut Vec<Stored>) -> i64 {
    let mut cursor = after;
    loop {
        let page = json(
            app.get(&format!("/api/v1/changes?after={cursor}&limit=50"))
                .by_coordinator()
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        for item in page["items"].as_array().unwrap() {
            let seq = item["seq"].as_i64().unwrap();
            assert_eq!(
                seq,
                cursor + 1,
                "after {cursor} the feed gave {seq}: a gap, a repeat or a lower position"
            );
            cursor = seq;
            seen.push(Stored {
                seq,
                entity: item["entity"].as_str().unwrap().to_owned(),
                entity_id: item["entity_id"].as_str().unwrap().to_owned(),
            });
        }
        assert_eq!(page["next_after"], cursor);
        if page["has_more"] != true {
            return cursor;
        }
    }
}

#[actix_web::test]
async fn concurrent_writers_and_a_following_reader_agree_on_one_gap_free_commit_order() {
    let app = Arc::new(
        TestApp::builder()
            .env("SMARTREGION_DB_POOL_SIZE", "20")
            .spawn()
            .await,
    );
    let mut projects = Vec::new();
    for n in 0..WRITERS {
        projects.push(led_project(&app, &format!("FO-{n}"), AHLEN).await);
    }
    let base = app.number_changes().await;

    let clock = Arc::new(AtomicU64::new(0));
    let answered: Arc<Mutex<Vec<Write>>> = Arc::default();
    let mut writers = Vec::new();
    for (writer, project) in projects.into_iter().enumerate() {
        let (app, clock, answered) = (app.clone(), clock.clone(), answered.clone());
        writers.push(actix_web::rt::spawn(async move {
            for n in 0..WRITES {
                let sent = clock.fetch_add(1, Ordering::SeqCst);
                let report = json(
                    app.post(&format!("/api/v1/projects/{project}/reports"))
                        .bearer_for(AHLEN, &["editor"])
                        .json(&json!({
                            "report_date": "2026-01-31",
                            "text": format!("Bericht {writer}/{n}"),
                            "progress_percent": n,
                            "traffic_light": "green",
                        }))
                        .send()
                        .await
                        .unwrap(),
                    201,
                )
                .await;
                let answered_at = clock.fetch_add(1, Ordering::SeqCst);
                answered.lock().unwrap().push(Write {
                    report: report["id"].as_str().unwrap().to_owned(),
                    sent,
                    answered: answered_at,
                });
            }
        }));
    }

    // The reader follows the feed while the writers run. Every write answered before a read
    // started must be in the feed by the end of that read.
    let mut seen: Vec<Stored> = Vec::new();
    let mut cursor = base;
    let mut rounds = 0;
    loop {
        let done = writers.iter().all(|w| w.is_finished());
        let acknowledged: Vec<String> = answered
            .lock()
            .unwrap()
            .iter()
            .map(|w| w.report.clone())
            .collect();
        cursor = follow(&app, cursor, &mut seen).await;
        rounds += 1;
        let reports: BTreeSet<&str> = seen
            .iter()
            .filter(|s| s.entity == "report")
            .map(|s| s.entity_id.as_str())
            .collect();
        for report in &acknowledged {
            assert!(
                reports.contains(report.as_str()),
                "report {report} was answered 201 before read {rounds} but is not in the feed"
            );
        }
        if done {
            break;
        }
    }
    for writer in writers {
        writer.await.unwrap();
    }

    // Exactly what the database holds after `base`, every record numbered.
    let mut conn = app.conn().await;
    let stored: Vec<Stored> = diesel::sql_query(
        "SELECT coalesce(seq, -1) AS seq, entity, entity_id FROM changes \
         WHERE seq > $1 OR seq IS NULL ORDER BY seq",
    )
    .bind::<BigInt, _>(base)
    .load(&mut conn)
    .await
    .unwrap();
    assert_eq!(seen, stored, "the reader saw every record exactly once");

    // Every write exactly once, and in commit order: a write answered before another was
    // sent has the lower position.
    let writes = answered.lock().unwrap();
    assert_eq!(writes.len(), WRITERS * WRITES);
    let mut position: BTreeMap<&str, i64> = BTreeMap::new();
    for record in seen.iter().filter(|s| s.entity == "report") {
        assert!(
            position
                .insert(record.entity_id.as_str(), record.seq)
                .is_none(),
            "report {} twice in the feed",
            record.entity_id
        );
    }
    for write in writes.iter() {
        assert!(
            position.contains_key(write.report.as_str()),
            "{} missing",
            write.report
        );
    }
    let mut ordered_pairs = 0;
    for earlier in writes.iter() {
        for later in writes.iter().filter(|w| earlier.answered < w.sent) {
            ordered_pairs += 1;
            assert!(
                position[earlier.report.as_str()] < position[later.report.as_str()],
                "report {} was answered before report {} was sent, but comes after it",
                earlier.report,
                later.report
            );
        }
    }
    // The writes were sequential per writer at least, so the check above compared many pairs.
    assert!(ordered_pairs >= WRITERS * WRITES * (WRITES - 1) / 2);
}
