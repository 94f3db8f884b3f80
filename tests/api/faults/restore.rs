//! Backup and restore as `docs/reliability.md` describes it: `pg_dump -Fc` of a populated
//! database, `pg_restore --no-owner --no-privileges` into an empty database (of the same
//! server, and of a fresh cluster, which is what restoring onto a new machine means),
//! `smartregion migrate` to create the runtime role and grant its rights (neither is in a
//! dump), then `serve`. The restored service must answer exactly as before (every resource,
//! allocation, audit entry and change record) and its change feed must continue: new writes
//! after the old ones, with no gap or repeat.

use std::path::{Path, PathBuf};
use std::process::Command;

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use reqwest::Method;
use serde_json::{Value, json};

use super::cluster::{Cluster, server_binaries};
use super::service::Service;
use super::{Api, cost_item, cost_sharing_project, create_project, skip};
use crate::helpers::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Another database of the same PostgreSQL server.
    SameServer,
    /// A new cluster (`initdb`): no runtime role, a transaction counter of its own.
    FreshCluster,
}

#[actix_web::test]
async fn a_dump_restored_into_a_fresh_database_answers_as_before_and_the_feed_goes_on() {
    restore_round_trip(Target::SameServer).await;
}

#[actix_web::test]
async fn a_dump_restored_into_a_fresh_cluster_answers_as_before_and_the_feed_goes_on() {
    restore_round_trip(Target::FreshCluster).await;
}

async fn restore_round_trip(target: Target) {
    let test = format!("faults::restore ({target:?})");
    let Some(bin) = server_binaries().filter(|b| b.join("pg_dump").is_file()) else {
        return skip(
            &test,
            "no pg_dump / pg_restore found (PostgreSQL client programs)",
        );
    };
    let app = TestApp::spawn().await;
    age_the_server(&app).await;
    let projects = populate(&app).await;
    let before = snapshot(&app, &projects).await;

    let dump = std::env::temp_dir().join(format!(
        "smartregion-{}.dump",
        uuid::Uuid::new_v4().simple()
    ));
    let (host, port) = host_and_port(&db::server_address());
    run(
        &bin,
        "pg_dump",
        &[
            "-Fc",
            "-h",
            &host,
            "-p",
            &port,
            "-U",
            &server_user(),
            "-d",
            &app.database,
            "-f",
            dump.to_str().unwrap(),
        ],
    );

    // The restored copy: its owner's and runtime role's URLs, and what keeps it alive.
    let (owner_url, runtime_url, _cluster, restored_name) = match target {
        Target::SameServer => {
            let name = format!("t_sr_restore_{}", uuid::Uuid::new_v4().simple());
            let mut conn = AsyncPgConnection::establish(&db::database_url("postgres"))
                .await
                .unwrap();
            conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            restore(&bin, &dump, &host, &port, &server_user(), &name);
            (
                db::database_url(&name),
                db::runtime_database_url(&name),
                None,
                Some(name),
            )
        }
        Target::FreshCluster => {
            let cluster = match Cluster::create() {
                Ok(cluster) => cluster,
                Err(reason) => {
                    let _ = std::fs::remove_file(&dump);
                    return skip(&test, &reason);
                }
            };
            cluster.start();
            let created = cluster.client(
                "psql",
                &["-d", "postgres", "-c", "CREATE DATABASE smartregion"],
            );
            assert!(created.status.success(), "{created:?}");
            let port = cluster.port.to_string();
            restore(&bin, &dump, "127.0.0.1", &port, "postgres", "smartregion");
            (
                cluster.url("smartregion"),
                cluster.url_as(db::RUNTIME_ROLE, "smartregion"),
                Some(cluster),
                None,
            )
        }
    };
    let _ = std::fs::remove_file(&dump);

    // The runtime role and its rights are not in the dump: `migrate` provides them.
    let migrated = crate::cli::smartregion()
        .env("SMARTREGION_OWNER_DATABASE_URL", &owner_url)
        .env("DATABASE_URL", &runtime_url)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(migrated.status.success(), "{migrated:?}");

    let service = Service::start(&runtime_url, &[]).await;
    let after = snapshot(&service, &projects).await;
    for part in before.as_object().unwrap().keys() {
        assert_eq!(
            before[part], after[part],
            "{part} differs after the restore"
        );
    }

    // Writes after the restore continue the audit trail and the feed.
    let old_feed = before["changes"].as_array().unwrap();
    let last_seq = old_feed.last().unwrap()["seq"].as_i64().unwrap();
    let last_audit = before["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .max()
        .unwrap();
    let new_project = create_project(&service, "RN-1").await;
    let new_item = json(
        service
            .call(
                Method::POST,
                &format!("/api/v1/projects/{}/cost-items", projects[0]),
            )
            .by_coordinator()
            .json(&cost_item("Nach der Wiederherstellung", 4_200))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let new_item = new_item["id"].as_str().unwrap().to_owned();

    let feed = read_feed(&service, 0).await;
    let seqs: Vec<i64> = feed.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "the feed repeats or goes back: {seqs:?}"
    );
    assert_eq!(
        &feed[..old_feed.len()],
        &old_feed[..],
        "the old feed changed"
    );
    let new = read_feed(&service, last_seq).await;
    assert_eq!(
        &feed[old_feed.len()..],
        &new[..],
        "reading on from the old end"
    );
    for (entity, id) in [("project", &new_project), ("cost_item", &new_item)] {
        assert!(
            new.iter().any(|c| c["entity"] == entity
                && c["entity_id"] == id.as_str()
                && c["operation"] == "created"),
            "the new {entity} is not in the feed after {last_seq}: {new:#?}"
        );
    }
    let audit = read_pages(&service, "/api/v1/audit").await;
    let new_audit: Vec<&Value> = audit
        .iter()
        .filter(|e| e["id"].as_i64().unwrap() > last_audit)
        .collect();
    assert_eq!(
        audit.len(),
        before["audit"].as_array().unwrap().len() + new_audit.len()
    );
    assert!(
        new_audit
            .iter()
            .any(|e| e["entity_id"] == new_project.as_str())
    );

    drop(service);
    if let Some(name) = restored_name {
        db::drop_database(name);
    }
}

/// Spends transaction ids on the shared server (subtransactions that write, each taking one),
/// so that the source has run more transactions than a fresh cluster, as every production
/// database has.
async fn age_the_server(app: &TestApp) {
    let mut conn = app.conn().await;
    conn.batch_execute(
        "CREATE TEMP TABLE burn (i int); \
         DO $$ BEGIN FOR i IN 1..20000 LOOP \
           BEGIN INSERT INTO burn VALUES (i); EXCEPTION WHEN others THEN NULL; END; \
         END LOOP; END $$; \
         DROP TABLE burn",
    )
    .await
    .unwrap();
}

/// Projects with cost keys, participations and cost items (so allocations and shares), a
/// changed and a deleted project, an organization's new contact: the audit trail and the feed
/// hold creations, updates and deletions.
async fn populate(app: &TestApp) -> Vec<String> {
    let mut projects = Vec::new();
    for (n, code) in ["RB-1", "RB-2"].into_iter().enumerate() {
        let id = cost_sharing_project(app, code).await;
        for year_item in 0..3 {
            json(
                app.post(&format!("/api/v1/projects/{id}/cost-items"))
                    .by_coordinator()
                    .json(&cost_item(
                        &format!("Posten {code}/{year_item}"),
                        10_001 + 1_000 * (n as i64 + year_item),
                    ))
                    .send()
                    .await
                    .unwrap(),
                201,
            )
            .await;
        }
        projects.push(id);
    }
    let changed = create_project(app, "RB-3").await;
    let current = app
        .get(&format!("/api/v1/projects/{changed}"))
        .send()
        .await
        .unwrap();
    let etag = current.headers()["etag"].to_str().unwrap().to_owned();
    json(
        app.patch(&format!("/api/v1/projects/{changed}"))
            .by_coordinator()
            .header("if-match", etag)
            .json(&json!({"title": "Geänderter Titel"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    projects.push(changed);
    let deleted = create_project(app, "RB-4").await;
    let current = app
        .get(&format!("/api/v1/projects/{deleted}"))
        .send()
        .await
        .unwrap();
    let etag = current.headers()["etag"].to_str().unwrap().to_owned();
    let response = app
        .delete(&format!("/api/v1/projects/{deleted}"))
        .by_coordinator()
        .header("if-match", etag)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
    projects
}

/// Everything the coordinator can read about the populated data, as it answers.
async fn snapshot(api: &impl Api, projects: &[String]) -> Value {
    let mut shot = serde_json::Map::new();
    shot.insert(
        "projects".into(),
        Value::Array(read_pages(api, "/api/v1/projects").await),
    );
    shot.insert(
        "organizations".into(),
        Value::Array(read_pages(api, "/api/v1/organizations").await),
    );
    for project in projects {
        let response = api
            .call(Method::GET, &format!("/api/v1/projects/{project}"))
            .send()
            .await
            .unwrap();
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        shot.insert(
            format!("project {project}"),
            json!({"etag": etag, "body": json(response, 200).await}),
        );
        for part in [
            "cost-items",
            "participations",
            "cost-key",
            "allocation",
            "allocation?include=pending",
        ] {
            // A project without a cost key answers 404 there: that must stay so, too.
            let path = format!("/api/v1/projects/{project}/{part}");
            let response = api
                .call(Method::GET, &path)
                .by_coordinator()
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            shot.insert(path, json!({"status": status, "body": body}));
        }
    }
    shot.insert(
        "audit".into(),
        Value::Array(read_pages(api, "/api/v1/audit").await),
    );
    shot.insert("changes".into(), Value::Array(read_feed(api, 0).await));
    Value::Object(shot)
}

/// Every item of a paginated list, following `next_cursor`.
async fn read_pages(api: &impl Api, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = api
            .call(Method::GET, path)
            .by_coordinator()
            .query(&[("limit", "200")]);
        if let Some(cursor) = &cursor {
            request = request.query(&[("cursor", cursor)]);
        }
        let page = json(request.send().await.unwrap(), 200).await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

/// The change feed after `after`, to its current end.
async fn read_feed(api: &impl Api, mut after: i64) -> Vec<Value> {
    let mut items = Vec::new();
    loop {
        let page = json(
            api.call(Method::GET, "/api/v1/changes")
                .by_coordinator()
                .query(&[("after", after.to_string()), ("limit", "1000".into())])
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        after = page["next_after"].as_i64().unwrap();
        if page["has_more"] != true {
            return items;
        }
    }
}

fn restore(bin: &Path, dump: &Path, host: &str, port: &str, user: &str, database: &str) {
    run(
        bin,
        "pg_restore",
        &[
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "-h",
            host,
            "-p",
            port,
            "-U",
            user,
            "-d",
            database,
            dump.to_str().unwrap(),
        ],
    );
}

fn run(bin: &Path, program: &str, args: &[&str]) {
    let path: PathBuf = bin.join(program);
    let output = Command::new(&path).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn host_and_port(address: &str) -> (String, String) {
    let (host, port) = address.rsplit_once(':').unwrap_or((address, "5432"));
    (host.to_owned(), port.to_owned())
}

/// The user of the test server's URL (the owner of the test databases).
fn server_user() -> String {
    let url = url::Url::parse(&db::server_url()).expect("a database URL");
    match url.username() {
        "" => "postgres".to_owned(),
        user => user.to_owned(),
    }
}
