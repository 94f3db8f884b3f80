//! Least privilege in the database: the service runs as a role that owns no table, so its own
//! credentials cannot rewrite, truncate or unguard the audit trail and the change feed.

use std::process::Command;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

use crate::helpers::db::{database_url, drop_database, runtime_database_url};
use crate::helpers::*;
use crate::projects::etag_of;

async fn connect(url: &str) -> AsyncPgConnection {
    AsyncPgConnection::establish(url).await.unwrap()
}

/// Runs `sql` as the runtime role and returns PostgreSQL's refusal.
async fn refused(conn: &mut AsyncPgConnection, sql: &str) -> String {
    match conn.batch_execute(sql).await {
        Ok(()) => panic!("the runtime role was allowed to run `{sql}`"),
        Err(error) => error.to_string(),
    }
}

#[actix_web::test]
async fn the_runtime_role_cannot_rewrite_truncate_or_unguard_the_audit_trail() {
    let app = TestApp::spawn().await;
    // Some history to protect: one audited write through the service.
    let path = format!("/api/v1/organizations/{AHLEN}");
    let response = app
        .patch(&path)
        .by_coordinator()
        .header("If-Match", etag_of(&app, &path).await)
        .json(&serde_json::json!({ "contact_email": "it@ahlen.de" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let before = app.trail_counts().await;
    assert!(before.0 > 0 && before.1 > 0);

    let mut runtime = connect(&runtime_database_url(&app.database)).await;
    for table in ["audit_log", "changes"] {
        for (sql, refusal) in [
            (
                format!("UPDATE {table} SET occurred_at = now()"),
                "permission denied",
            ),
            (format!("DELETE FROM {table}"), "permission denied"),
            (format!("TRUNCATE {table}"), "permission denied"),
            (
                format!("ALTER TABLE {table} DISABLE TRIGGER ALL"),
                "must be owner",
            ),
            (
                format!("ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"),
                "must be owner",
            ),
            (
                format!("DROP TRIGGER {table}_append_only ON {table}"),
                "must be owner",
            ),
            (format!("DROP TABLE {table}"), "must be owner"),
        ] {
            let error = refused(&mut runtime, &sql).await;
            assert!(error.contains(refusal), "{sql}: {error}");
        }
    }
    // Nor can it switch off the guards of a business table, or fake the migration history.
    let error = refused(
        &mut runtime,
        "ALTER TABLE projects DISABLE TRIGGER projects_requires_audit",
    )
    .await;
    assert!(error.contains("must be owner"), "{error}");
    let error = refused(
        &mut runtime,
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('99999999999999')",
    )
    .await;
    assert!(error.contains("permission denied"), "{error}");
    assert_eq!(app.trail_counts().await, before, "nothing was rewritten");

    assert!(
        !smartregion::db::roles::may_rewrite_audit_trail(&mut runtime)
            .await
            .unwrap()
    );
    let mut owner = connect(&database_url(&app.database)).await;
    assert!(
        smartregion::db::roles::may_rewrite_audit_trail(&mut owner)
            .await
            .unwrap()
    );
}

#[actix_web::test]
async fn the_runtime_role_numbers_the_feed_only_through_the_owners_function() {
    let app = TestApp::spawn().await;
    let path = format!("/api/v1/organizations/{AHLEN}");
    let response = app
        .patch(&path)
        .by_coordinator()
        .header("If-Match", etag_of(&app, &path).await)
        .json(&serde_json::json!({ "contact_email": "it@ahlen.de" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let unnumbered = "SELECT count(*) AS n FROM changes WHERE seq IS NULL";
    let mut runtime = connect(&runtime_database_url(&app.database)).await;
    let pending: Count = diesel::sql_query(unnumbered)
        .get_result(&mut runtime)
        .await
        .unwrap();
    assert_eq!(
        pending.n, 1,
        "the write's change record waits for its position"
    );
    // It cannot give positions itself, not even with the numbering function's setting ...
    for sql in [
        "UPDATE changes SET seq = 1000000 WHERE seq IS NULL",
        "BEGIN; SELECT set_config('smartregion.numbering_changes', 'on', true); \
         UPDATE changes SET seq = 1000000 WHERE seq IS NULL; COMMIT",
    ] {
        let error = refused(&mut runtime, sql).await;
        assert!(error.contains("permission denied"), "{sql}: {error}");
        // Ends the transaction the refusal left open (a warning only when there is none).
        runtime.batch_execute("ROLLBACK").await.unwrap();
    }
    // ... but may run the function, which numbers right after the highest position.
    let last = smartregion::db::changes::last_seq(&mut runtime)
        .await
        .unwrap();
    let numbered = smartregion::db::changes::number_committed(&mut runtime)
        .await
        .unwrap();
    assert_eq!(numbered, 1);
    assert_eq!(
        smartregion::db::changes::last_seq(&mut runtime)
            .await
            .unwrap(),
        last + 1
    );
    let pending: Count = diesel::sql_query(unnumbered)
        .get_result(&mut runtime)
        .await
        .unwrap();
    assert_eq!(pending.n, 0);
}

#[actix_web::test]
async fn the_runtime_role_may_read_and_append_the_trail_and_write_business_tables() {
    let app = TestApp::spawn().await;
    let mut runtime = connect(&runtime_database_url(&app.database)).await;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count: Count = diesel::sql_query("SELECT count(*) AS n FROM audit_log")
        .get_result(&mut runtime)
        .await
        .unwrap();
    assert!(count.n > 0, "the seed is audited");
    // Every write of the service goes through this role: the whole suite runs on it. One
    // write here proves the grants reach the business tables and their sequences.
    let response = app
        .patch(&format!("/api/v1/organizations/{OSTBEVERN}"))
        .by_coordinator()
        .header(
            "If-Match",
            etag_of(&app, &format!("/api/v1/organizations/{OSTBEVERN}")).await,
        )
        .json(&serde_json::json!({ "contact_email": "it@ostbevern.de" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

/// The binary as in `cli.rs`, with no database settings of the caller's environment.
fn smartregion() -> Command {
    let mut command = crate::cli::smartregion();
    command
        .env_remove("DATABASE_URL")
        .env_remove("SMARTREGION_OWNER_DATABASE_URL")
        .env("SMARTREGION_BIND", "127.0.0.1:0")
        .env("SMARTREGION_WEBHOOK_WORKER", "false")
        // A secret of its own: `serve` refuses the values published in the repository.
        .env(
            "SMARTREGION_JWT_SECRET",
            format!("roles-test-{}", uuid::Uuid::new_v4().simple()),
        );
    command
}

#[actix_web::test]
async fn serve_refuses_a_runtime_connection_that_could_rewrite_the_audit_trail() {
    let app = TestApp::spawn().await;
    let output = smartregion()
        .env("DATABASE_URL", database_url(&app.database))
        .arg("serve")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("DATABASE_URL connects as a role that owns the tables"),
        "{stderr}"
    );
}

#[actix_web::test]
async fn migrate_as_owner_then_serve_without_the_owners_credentials() {
    let database = format!("t_sr_roles_{}", uuid::Uuid::new_v4().simple());

    // Without the owner's connection nothing can be migrated: serve refuses an empty schema.
    let output = smartregion()
        .env("DATABASE_URL", runtime_database_url(&database))
        .env("SMARTREGION_OWNER_DATABASE_URL", database_url(&database))
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("the runtime role has its rights"));

    // The runtime role alone loads the reference data (an audited write) and would serve.
    let output = smartregion()
        .env("DATABASE_URL", runtime_database_url(&database))
        .arg("seed")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut owner = connect(&database_url(&database)).await;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let organizations: Count = diesel::sql_query("SELECT count(*) AS n FROM organizations")
        .get_result(&mut owner)
        .await
        .unwrap();
    assert_eq!(organizations.n, 15);
    drop(owner);

    // `migrate` needs the owner: it is never done with the runtime role's credentials.
    let output = smartregion()
        .env("DATABASE_URL", runtime_database_url(&database))
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("SMARTREGION_OWNER_DATABASE_URL"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    drop_database(database);
}

#[actix_web::test]
async fn serve_without_the_owner_refuses_a_database_with_pending_migrations() {
    let database = format!("t_sr_roles_{}", uuid::Uuid::new_v4().simple());
    smartregion::db::create_database_if_missing(&database_url(&database))
        .await
        .unwrap();
    let output = smartregion()
        .env("DATABASE_URL", runtime_database_url(&database))
        .arg("serve")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("run `smartregion migrate`"), "{stderr}");
    drop_database(database);
}

#[test]
fn the_owner_and_the_runtime_role_must_differ() {
    let url = database_url("whatever");
    let error = futures_util::FutureExt::now_or_never(
        smartregion::db::roles::grant_runtime_rights(&url, &url),
    );
    let message = error.unwrap().unwrap_err().to_string();
    assert!(message.contains("name the same role"), "{message}");
}

#[actix_web::test]
async fn instances_starting_together_create_the_role_and_grant_once_without_errors() {
    let app = TestApp::spawn().await;
    let role = format!(
        "sr_role_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let owner = database_url(&app.database);
    let mut runtime = url::Url::parse(&owner).unwrap();
    runtime.set_username(&role).unwrap();
    let runtime = runtime.to_string();

    let starts = (0..4).map(|_| smartregion::db::roles::grant_runtime_rights(&owner, &runtime));
    for result in futures_util::future::join_all(starts).await {
        result.unwrap();
    }
    let mut conn = connect(&runtime).await;
    assert!(
        !smartregion::db::roles::may_rewrite_audit_trail(&mut conn)
            .await
            .unwrap()
    );
    drop(conn);

    // The role is server-wide: remove it again (its rights first).
    let mut owner_conn = connect(&owner).await;
    owner_conn
        .batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}"))
        .await
        .unwrap();
}
