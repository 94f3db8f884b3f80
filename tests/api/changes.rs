//! The change feed: order, completeness under concurrent writers, records that commit in
//! another order than they were inserted, the numbering lock, visibility.

use std::collections::BTreeSet;
use std::time::Duration;

use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};
use smartregion::db::changes::NUMBERING_LOCK;
use smartregion::db::write::{Actor, Entry, Recorded, ScopedFutureExt, audited};
use tokio::sync::oneshot;

use crate::helpers::*;

#[derive(diesel::QueryableByName)]
struct Seq {
    #[diesel(sql_type = BigInt)]
    seq: i64,
}

/// Every change the coordinator can read after `after` now, paging to the end.
async fn read_feed(app: &TestApp, after: i64) -> Vec<Value> {
    read_feed_as(app, after, &coordinator(), "").await
}

async fn read_feed_as(app: &TestApp, mut after: i64, token: &str, filter: &str) -> Vec<Value> {
    let mut items = Vec::new();
    loop {
        let body = json(
            app.get(&format!("/api/v1/changes?after={after}&limit=7{filter}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        let page = body["items"].as_array().unwrap().clone();
        after = body["next_after"].as_i64().unwrap();
        items.extend(page);
        if !body["has_more"].as_bool().unwrap() {
            return items;
        }
    }
}

fn seqs(items: &[Value]) -> Vec<i64> {
    items.iter().map(|i| i["seq"].as_i64().unwrap()).collect()
}

/// The highest position, once everything committed has one.
async fn max_seq(app: &TestApp) -> i64 {
    app.number_changes().await
}

/// Records one change of `entity` for `org` through the write path, as the system.
async fn record(app: &TestApp, entity: &'static str, id: &str, org: Option<&str>) {
    let mut conn = app.conn().await;
    let actor = Actor::system("feed-test");
    let (id, org) = (id.to_owned(), org.map(str::to_owned));
    audited(&mut conn, &actor, move |_| {
        let (id, org) = (id.clone(), org.clone());
        async move {
            let mut entry = Entry::updated(entity, id);
            if let Some(org) = org {
                entry = entry.org(org);
            }
            Ok(Recorded::new(()).with(entry))
        }
        .scope_boxed()
    })
    .await
    .unwrap();
}

async fn rename(app: &TestApp, key: &str, name: &str) {
    let etag = app
        .get(&format!("/api/v1/organizations/{key}"))
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let response = app
        .patch(&format!("/api/v1/organizations/{key}"))
        .by_coordinator()
        .header("if-match", etag)
        .json(&json!({ "name": name }))
        .send()
        .await
        .unwrap();
    json(response, 200).await;
}

#[actix_web::test]
async fn the_feed_is_for_members_and_checks_its_parameters() {
    let app = TestApp::spawn().await;
    problem(app.get("/api/v1/changes").send().await.unwrap(), 401).await;
    let bad_token = app
        .get("/api/v1/changes")
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    problem(bad_token, 401).await;
    for query in [
        "after=-1",
        "after=x",
        "limit=0",
        "limit=1001",
        "entity=Organization",
        "entity=organization,,project",
    ] {
        let response = app
            .get(&format!("/api/v1/changes?{query}"))
            .by_coordinator()
            .send()
            .await
            .unwrap();
        problem(response, 400).await;
    }
}

#[actix_web::test]
async fn changes_come_in_sequence_order_with_their_resource_urls() {
    let app = TestApp::spawn().await;
    let base = max_seq(&app).await;
    let seeded = read_feed_as(&app, 0, &coordinator(), "").await;
    // The seed: 15 organizations, 14 population figures, 6 fields of action.
    let organizations = seeded
        .iter()
        .filter(|c| c["entity"] == "organization")
        .count();
    assert_eq!(organizations, 15);
    assert_eq!(seeded.last().unwrap()["seq"], base);

    rename(&app, AHLEN, "Stadt Ahlen").await;
    let project = crate::helpers::builders::ProjectBuilder::new("XT-01")
        .create(&app)
        .await;
    let changes = read_feed_as(&app, base, &coordinator(), "").await;
    assert_eq!(changes.len(), 2, "{changes:?}");
    let ahlen = &changes[0];
    assert_eq!(ahlen["entity"], "organization");
    assert_eq!(ahlen["entity_id"], AHLEN);
    assert_eq!(ahlen["operation"], "updated");
    assert_eq!(ahlen["organization"], AHLEN);
    assert_eq!(
        ahlen["url"],
        format!("{PUBLIC_URL}/api/v1/organizations/{AHLEN}")
    );
    assert!(ahlen["occurred_at"].as_str().unwrap().contains('T'));
    assert_eq!(changes[1]["entity"], "project");
    assert_eq!(changes[1]["entity_id"], project.to_string());
    assert_eq!(changes[1]["operation"], "created");
    assert_eq!(
        changes[1]["url"],
        format!("{PUBLIC_URL}/api/v1/projects/{project}")
    );

    // Asking again from the last seen position gives nothing twice.
    let last = changes[1]["seq"].as_i64().unwrap();
    let again = json(
        app.get(&format!("/api/v1/changes?after={last}"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(again["items"], json!([]));
    assert_eq!(again["next_after"], last);
    assert_eq!(again["has_more"], false);

    // A full page links to the next one and filters by entity.
    let response = app
        .get("/api/v1/changes?limit=2&entity=organization,population_figure")
        .by_coordinator()
        .send()
        .await
        .unwrap();
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    let page = json(response, 200).await;
    assert_eq!(page["has_more"], true);
    let next = page["next_after"].as_i64().unwrap();
    assert!(
        link.starts_with(&format!("<{PUBLIC_URL}/api/v1/changes?")),
        "{link}"
    );
    assert!(link.contains(&format!("after={next}")), "{link}");
    assert!(
        link.contains("entity=organization%2Cpopulation_figure"),
        "{link}"
    );
    let figures = read_feed_as(&app, 0, &coordinator(), "&entity=population_figure").await;
    assert_eq!(figures.len(), 14);
    assert!(figures.iter().all(|c| c["entity"] == "population_figure"));
    assert_eq!(
        figures[0]["url"],
        format!(
            "{PUBLIC_URL}/api/v1/organizations/{}/populations",
            figures[0]["organization"].as_str().unwrap()
        )
    );
}

#[actix_web::test]
async fn members_see_public_changes_and_their_own_organizations_only() {
    let app = TestApp::spawn().await;
    let base = max_seq(&app).await;
    record(&app, "budget_draft", "p-ahlen", Some(AHLEN)).await;
    record(&app, "budget_draft", "p-beckum", Some(BECKUM)).await;
    record(&app, "webhook_secret", "w-none", None).await;
    rename(&app, BECKUM, "Stadt Beckum").await;

    let ids = |items: Vec<Value>| -> Vec<String> {
        items
            .iter()
            .map(|c| c["entity_id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Each view is complete right after the writes: positions are given by the reads.
    let office = read_feed_as(&app, base, &coordinator(), "").await;
    let ahlen = read_feed_as(&app, base, &token(AHLEN, &["viewer"]), "").await;
    assert_eq!(ids(ahlen), ["p-ahlen", BECKUM]);
    let beckum = read_feed_as(&app, base, &token(BECKUM, &["integration"]), "").await;
    assert_eq!(beckum.len(), 2);
    assert_eq!(beckum[0]["entity_id"], "p-beckum");
    assert_eq!(beckum[0]["url"], Value::Null);
    assert_eq!(
        ids(office),
        ["p-ahlen", "p-beckum", "w-none", BECKUM],
        "the coordinator sees everything"
    );
    // An entity filter never widens what a member sees.
    let filtered = read_feed_as(
        &app,
        base,
        &token(TELGTE, &["admin"]),
        "&entity=participation",
    )
    .await;
    assert!(filtered.is_empty(), "{filtered:?}");
}

#[actix_web::test]
async fn concurrent_writers_lose_no_change_and_repeat_none() {
    let app = TestApp::spawn().await;
    let base = max_seq(&app).await;
    let writers_pool =
        smartregion::db::pool(&db::database_url(&app.database), 6, Duration::from_secs(10))
            .unwrap();
    const WRITERS: usize = 6;
    const WRITES: usize = 15;
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let pool = writers_pool.clone();
        tasks.push(actix_web::rt::spawn(async move {
            for n in 0..WRITES {
                let mut conn = pool.get().await.unwrap();
                let actor = Actor::system("writer");
                audited(&mut conn, &actor, move |conn| {
                    async move {
                        // Take a transaction id first and dawdle, so that transactions
                        // overlap and commit in another order than they started.
                        diesel::sql_query("SELECT pg_current_xact_id()")
                            .execute(conn)
                            .await?;
                        tokio::time::sleep(Duration::from_millis(
                            ((writer * 7 + n * 3) % 5) as u64,
                        ))
                        .await;
                        let mut recorded = Recorded::new(());
                        for part in 0..(1 + n % 3) {
                            recorded = recorded
                                .with(Entry::created("probe", format!("{writer}-{n}-{part}")));
                        }
                        Ok(recorded)
                    }
                    .scope_boxed()
                })
                .await
                .unwrap();
            }
        }));
    }
    // A client polling all along, storing its position like a real one.
    let expected: usize = (0..WRITES).map(|n| 1 + n % 3).sum::<usize>() * WRITERS;
    let mut seen: Vec<i64> = Vec::new();
    let mut after = base;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while seen.len() < expected && std::time::Instant::now() < deadline {
        let page = read_feed(&app, after).await;
        for item in &page {
            seen.push(item["seq"].as_i64().unwrap());
        }
        after = seen.last().copied().unwrap_or(after);
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    for task in tasks {
        task.await.unwrap();
    }
    // Nothing more comes later either.
    tokio::time::sleep(Duration::from_millis(100)).await;
    seen.extend(seqs(&read_feed(&app, after).await));
    let mut conn = app.conn().await;
    let stored: Vec<Seq> = diesel::sql_query("SELECT seq FROM changes WHERE seq > $1 ORDER BY seq")
        .bind::<BigInt, _>(base)
        .load(&mut conn)
        .await
        .unwrap();
    let stored: Vec<i64> = stored.into_iter().map(|s| s.seq).collect();
    assert_eq!(stored.len(), expected);
    assert_eq!(seen, stored, "every change exactly once, in order");
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len());
}

/// Inserts an audit entry and a change record in an open transaction, like `db::write` does
/// (without a position); returns the record's insertion id.
async fn unnumbered_change(conn: &mut AsyncPgConnection, id: &str) -> i64 {
    diesel::sql_query("SELECT set_config('smartregion.actor', 'test:held', true)")
        .execute(conn)
        .await
        .unwrap();
    let audit: Seq = diesel::sql_query(
        "INSERT INTO audit_log (actor_subject, action, entity, entity_id) \
         VALUES ('test:held', 'probe.created', 'probe', $1) RETURNING id AS seq",
    )
    .bind::<Text, _>(id)
    .get_result(conn)
    .await
    .unwrap();
    let change: Seq = diesel::sql_query(
        "INSERT INTO changes (entity, entity_id, operation, audit_id) \
         VALUES ('probe', $1, 'created', $2) RETURNING id AS seq",
    )
    .bind::<Text, _>(id)
    .bind::<BigInt, _>(audit.seq)
    .get_result(conn)
    .await
    .unwrap();
    change.seq
}

/// Runs a transaction that inserts one change record and stays open until `commit` fires;
/// sends the record's insertion id.
fn held_open_transaction(
    app: &TestApp,
) -> (
    oneshot::Receiver<i64>,
    oneshot::Sender<()>,
    actix_web::rt::task::JoinHandle<()>,
) {
    let (id_tx, id_rx) = oneshot::channel();
    let (commit_tx, commit_rx) = oneshot::channel::<()>();
    let url = db::database_url(&app.database);
    let task = actix_web::rt::spawn(async move {
        let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
        conn.transaction::<_, diesel::result::Error, _>(async move |conn| {
            let id = unnumbered_change(conn, "held").await;
            id_tx.send(id).unwrap();
            commit_rx.await.unwrap();
            Ok(())
        })
        .await
        .unwrap();
    });
    (id_rx, commit_tx, task)
}

#[derive(diesel::QueryableByName)]
struct Position {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    seq: Option<i64>,
}

async fn position(app: &TestApp, entity_id: &str) -> Position {
    diesel::sql_query("SELECT id, seq FROM changes WHERE entity_id = $1 ORDER BY id DESC LIMIT 1")
        .bind::<Text, _>(entity_id)
        .get_result(&mut app.conn().await)
        .await
        .unwrap()
}

#[actix_web::test]
async fn an_open_transaction_holds_back_nothing_and_its_change_comes_after_what_committed_first() {
    let app = TestApp::spawn().await;
    let base = max_seq(&app).await;
    // The open transaction inserts its change first ...
    let (id_rx, commit, task) = held_open_transaction(&app);
    let held = id_rx.await.unwrap();
    // ... and a later write commits before it: it is in the feed at once.
    rename(&app, AHLEN, "Stadt Ahlen").await;
    let during = read_feed(&app, base).await;
    let ids: Vec<&str> = during
        .iter()
        .map(|c| c["entity_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [AHLEN],
        "the open transaction's change is not visible yet"
    );
    assert_eq!(during[0]["seq"], base + 1, "no gap");

    commit.send(()).unwrap();
    task.await.unwrap();
    // A client that stored the rename's position reads on and gets the held change: committed
    // later, so numbered later, although it was inserted first.
    let next = read_feed(&app, base + 1).await;
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(next[0]["entity_id"], "held");
    assert_eq!(next[0]["seq"], base + 2);
    let all = read_feed(&app, base).await;
    assert_eq!(seqs(&all), [base + 1, base + 2]);
    let (held_row, renamed) = (position(&app, "held").await, position(&app, AHLEN).await);
    assert_eq!(held_row.id, held);
    assert!(
        held_row.id < renamed.id,
        "the held change was inserted first"
    );
    assert_eq!(held_row.seq, Some(base + 2));
}

#[derive(diesel::QueryableByName)]
struct Waiting {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    waiting: bool,
}

/// Whether some session of the test database waits for the numbering lock.
async fn someone_waits_for_numbering(app: &TestApp) -> bool {
    // An advisory lock on a bigint key shows as (classid, objid) = (high, low) 32 bits.
    let row: Waiting = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
         WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database() \
           AND l.classid::bigint = ($1 >> 32) AND l.objid::bigint = ($1 & 4294967295)) AS waiting",
    )
    .bind::<BigInt, _>(NUMBERING_LOCK)
    .get_result(&mut app.conn().await)
    .await
    .unwrap();
    row.waiting
}

#[actix_web::test]
async fn writers_never_wait_for_the_numbering_and_a_reader_behind_it_misses_nothing() {
    let app = TestApp::spawn().await;
    let base = max_seq(&app).await;
    record(&app, "probe", "first", None).await;

    // A numbering in progress: it has numbered "first" and holds the lock, uncommitted.
    let url = db::database_url(&app.database);
    let (numbered_tx, numbered_rx) = oneshot::channel::<()>();
    let (commit_tx, commit_rx) = oneshot::channel::<()>();
    let numberer = actix_web::rt::spawn(async move {
        let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
        conn.transaction::<_, diesel::result::Error, _>(async move |conn| {
            let numbered = smartregion::db::changes::number_committed(conn).await?;
            assert_eq!(numbered, 1);
            numbered_tx.send(()).unwrap();
            commit_rx.await.unwrap();
            Ok(())
        })
        .await
        .unwrap();
    });
    numbered_rx.await.unwrap();

    // A write meanwhile completes: writers take no lock of the feed.
    rename(&app, BECKUM, "Stadt Beckum").await;

    // A reader now has to wait for that numbering (its snapshot may predate the rename) ...
    let reader = {
        let (address, client) = (app.address.clone(), app.client.clone());
        actix_web::rt::spawn(async move {
            client
                .get(format!("{address}/api/v1/changes?after={base}"))
                .bearer_auth(coordinator())
                .send()
                .await
                .unwrap()
        })
    };
    while !reader.is_finished() && !someone_waits_for_numbering(&app).await {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // ... and once it is committed, numbers the rename right after it.
    commit_tx.send(()).unwrap();
    numberer.await.unwrap();
    let page = json(reader.await.unwrap(), 200).await;
    let items = page["items"].as_array().unwrap();
    let ids: Vec<&str> = items
        .iter()
        .map(|c| c["entity_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["first", BECKUM]);
    assert_eq!(seqs(items), [base + 1, base + 2]);
}
