//! ETag / If-Match on PUT, and concurrent writers.

use serde_json::json;

use super::*;
use crate::helpers::builders::ProjectBuilder;

#[actix_web::test]
async fn updates_need_a_current_if_match_and_creation_may_insist_on_absence() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("VW-1").create(&app).await;
    let admin = || Some(token(AHLEN, &["admin"]));
    let before = app.trail_counts().await;

    // If-Match on a participation that does not exist yet.
    problem(
        put(
            &app,
            project,
            AHLEN,
            admin(),
            Some("\"1\""),
            &json!({"state": "interested"}),
        )
        .await,
        412,
    )
    .await;
    problem(
        put(
            &app,
            project,
            AHLEN,
            admin(),
            Some("*"),
            &json!({"state": "interested"}),
        )
        .await,
        412,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);

    // Creation with If-None-Match: *.
    let response = app
        .request(reqwest::Method::PUT, &path(project, AHLEN))
        .bearer_auth(token(AHLEN, &["admin"]))
        .header("if-none-match", "*")
        .json(&json!({"state": "interested"}))
        .send()
        .await
        .unwrap();
    json(response, 201).await;
    let after_create = app.trail_counts().await;

    // A second creation: 428 without a precondition, 412 with If-None-Match: *.
    problem(
        put(
            &app,
            project,
            AHLEN,
            admin(),
            None,
            &json!({"state": "intends_to_join"}),
        )
        .await,
        428,
    )
    .await;
    let response = app
        .request(reqwest::Method::PUT, &path(project, AHLEN))
        .bearer_auth(token(AHLEN, &["admin"]))
        .header("if-none-match", "*")
        .json(&json!({"state": "intends_to_join"}))
        .send()
        .await
        .unwrap();
    problem(response, 412).await;
    let response = app
        .request(reqwest::Method::PUT, &path(project, AHLEN))
        .bearer_auth(token(AHLEN, &["admin"]))
        .header("if-none-match", "\"1\"")
        .json(&json!({"state": "intends_to_join"}))
        .send()
        .await
        .unwrap();
    problem(response, 400).await;
    // Stale and weak tags.
    problem(
        put(
            &app,
            project,
            AHLEN,
            admin(),
            Some("\"7\""),
            &json!({"state": "intends_to_join"}),
        )
        .await,
        412,
    )
    .await;
    problem(
        put(
            &app,
            project,
            AHLEN,
            admin(),
            Some("W/\"1\""),
            &json!({"state": "intends_to_join"}),
        )
        .await,
        412,
    )
    .await;
    assert_eq!(app.trail_counts().await, after_create);

    let response = put(
        &app,
        project,
        AHLEN,
        admin(),
        Some("\"1\""),
        &json!({"state": "intends_to_join"}),
    )
    .await;
    assert_eq!(response.headers()["etag"], "\"2\"");
    json(response, 200).await;
    problem(
        put(
            &app,
            project,
            AHLEN,
            admin(),
            Some("\"1\""),
            &json!({"state": "interested"}),
        )
        .await,
        412,
    )
    .await;

    // Repeating what is stored writes nothing and keeps the version.
    let counts = app.trail_counts().await;
    let response = put(
        &app,
        project,
        AHLEN,
        admin(),
        Some("\"2\""),
        &json!({"state": "intends_to_join"}),
    )
    .await;
    assert_eq!(response.headers()["etag"], "\"2\"");
    json(response, 200).await;
    assert_eq!(app.trail_counts().await, counts);
    assert_eq!(history(&app, project, AHLEN).await.len(), 2);
}

#[actix_web::test]
async fn concurrent_writers_cannot_lose_an_update() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("VW-2").create(&app).await;

    // Concurrent creations: one wins, the others find it existing and need If-Match.
    let creations = (0..6).map(|i| {
        let body = json!({"state": "interested", "contact_role": format!("Rolle {i}")});
        let app = &app;
        async move {
            put(app, project, AHLEN, Some(coordinator()), None, &body)
                .await
                .status()
                .as_u16()
        }
    });
    let mut statuses = futures_util::future::join_all(creations).await;
    statuses.sort();
    assert_eq!(statuses, [201, 428, 428, 428, 428, 428]);

    // Concurrent updates from the same version: exactly one applies.
    let updates = (0..6).map(|i| {
        let body = json!({"state": "intends_to_join", "contact_role": format!("Neue Rolle {i}")});
        let app = &app;
        async move {
            put(
                app,
                project,
                AHLEN,
                Some(coordinator()),
                Some("\"1\""),
                &body,
            )
            .await
            .status()
            .as_u16()
        }
    });
    let mut statuses = futures_util::future::join_all(updates).await;
    statuses.sort();
    assert_eq!(statuses, [200, 412, 412, 412, 412, 412]);
    let current = json(app.get(&path(project, AHLEN)).send().await.unwrap(), 200).await;
    assert_eq!(current["version"], 2);
    assert_eq!(history(&app, project, AHLEN).await.len(), 2);
    assert_eq!(audit_entries(&app, "participation").await.len(), 2);
}
