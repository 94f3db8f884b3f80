use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn only_the_coordinator_reads_the_audit_trail() {
    let app = TestApp::spawn().await;
    problem(app.get("/api/v1/audit").send().await.unwrap(), 401).await;
    for roles in [&["admin"][..], &["viewer"], &["integration"], &["editor"]] {
        let response = app
            .get("/api/v1/audit")
            .bearer_for(AHLEN, roles)
            .send()
            .await
            .unwrap();
        problem(response, 403).await;
    }
    let body = json(
        app.get("/api/v1/audit")
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    // The seed is in the trail too, as the system actor.
    let first = body["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(first["actor"]["subject"], "system:seed");
}

#[actix_web::test]
async fn filters_and_pages_the_trail_newest_first() {
    let app = TestApp::spawn().await;
    for (key, name) in [
        (AHLEN, "Stadt Ahlen"),
        (BECKUM, "Stadt Beckum"),
        (AHLEN, "Ahlen"),
    ] {
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
    let body = json(
        app.get(&format!(
            "/api/v1/audit?entity=organization&organization={AHLEN}&limit=1"
        ))
        .by_coordinator()
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    assert_eq!(body["items"][0]["after"]["name"], "Ahlen", "newest first");
    let cursor = body["next_cursor"].as_str().unwrap();
    let next = json(
        app.get(&format!(
            "/api/v1/audit?entity=organization&organization={AHLEN}&limit=1&cursor={cursor}"
        ))
        .by_coordinator()
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    assert_eq!(next["items"][0]["after"]["name"], "Stadt Ahlen");

    let future = json(
        app.get("/api/v1/audit?from=2999-01-01T00:00:00Z")
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(future["items"].as_array().unwrap().len(), 0);
    let reversed = app
        .get("/api/v1/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z")
        .by_coordinator()
        .send()
        .await
        .unwrap();
    problem(reversed, 400).await;
}

#[actix_web::test]
async fn the_database_keeps_the_trail_append_only() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    for statement in [
        "UPDATE audit_log SET action = 'forged'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log CASCADE",
        "UPDATE changes SET operation = 'deleted'",
        // Positions are given once, by the numbering function only.
        "UPDATE changes SET seq = seq + 1000",
        "UPDATE changes SET seq = NULL",
        // The numbering's setting does not allow renumbering a numbered record either.
        "WITH s AS (SELECT set_config('smartregion.numbering_changes', 'on', true)) \
         UPDATE changes SET seq = seq + 1000 WHERE EXISTS (SELECT 1 FROM s)",
        "DELETE FROM changes",
        "TRUNCATE changes",
    ] {
        let result = diesel::sql_query(statement).execute(&mut conn).await;
        let error = result.expect_err(statement).to_string();
        assert!(error.contains("append-only"), "{statement}: {error}");
    }
}

#[actix_web::test]
async fn a_business_write_without_actor_or_audit_entry_fails() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    let no_actor = diesel::sql_query("UPDATE organizations SET name = 'x' WHERE key = '05570004'")
        .execute(&mut conn)
        .await
        .unwrap_err()
        .to_string();
    assert!(no_actor.contains("without an actor"), "{no_actor}");

    // An actor alone is not enough: the transaction must also write an audit entry.
    let no_audit = diesel::sql_query(
        "WITH a AS (SELECT set_config('smartregion.actor', 'someone', true)) \
         UPDATE organizations SET name = 'x' WHERE key = '05570004' AND EXISTS (SELECT 1 FROM a)",
    )
    .execute(&mut conn)
    .await
    .unwrap_err()
    .to_string();
    assert!(
        no_audit.contains("without an audit entry") || no_audit.contains("without an actor"),
        "{no_audit}"
    );
}

#[actix_web::test]
async fn project_writes_are_guarded_and_audited_like_every_business_table() {
    use crate::helpers::builders::ProjectBuilder;
    let app = TestApp::spawn().await;
    let before = app.trail_counts().await;
    let id = ProjectBuilder::new("XT-01")
        .title("LoRaWAN – kreisweites Funknetz")
        .field("digital_infrastructure")
        .category("lead")
        .lead(DISTRICT)
        .status("planned")
        .tag("iot")
        .create(&app)
        .await;
    let after = app.trail_counts().await;
    assert_eq!((after.0 - before.0, after.1 - before.1), (1, 1));

    let mut conn = app.conn().await;
    let error = diesel::sql_query(format!("UPDATE projects SET title = 'x' WHERE id = '{id}'"))
        .execute(&mut conn)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("without an actor"), "{error}");
}
