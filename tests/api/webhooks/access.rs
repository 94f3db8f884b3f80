//! The subscriptions API: who may do what, validation, preconditions.

use serde_json::json;

use super::*;
use crate::projects::{Who, assert_refused};

const URL: &str = "http://127.0.0.1:9/hook";

#[actix_web::test]
async fn creating_needs_admin_or_integration_of_the_organization() {
    let app = app_allowing_private().await;
    let body = json!({"url": URL, "event_types": ["project"]});
    assert_refused(
        &app,
        "create",
        || app.post("/api/v1/webhooks").json(&body),
        &[
            (Who::Anonymous, 401),
            (Who::BadToken, 401),
            (Who::Org(AHLEN, "editor"), 403),
            (Who::Org(AHLEN, "viewer"), 403),
        ],
    )
    .await;
    assert_refused(
        &app,
        "create for another organization",
        || {
            app.post(&format!("/api/v1/webhooks?organization={BECKUM}"))
                .json(&body)
        },
        &[
            (Who::Org(AHLEN, "admin"), 403),
            (Who::Org(AHLEN, "integration"), 403),
        ],
    )
    .await;
    // A refused caller learns nothing about its body: 403 even for an invalid one.
    assert_refused(
        &app,
        "create with a bad body",
        || app.post("/api/v1/webhooks").json(&json!({"url": 1})),
        &[(Who::Org(AHLEN, "viewer"), 403)],
    )
    .await;

    for role in ["admin", "integration"] {
        let created = json(
            app.post("/api/v1/webhooks")
                .bearer_for(AHLEN, &[role])
                .json(&body)
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        assert_eq!(created["organization"], AHLEN);
        assert_eq!(created["active"], true);
    }
    // The steering office for any organization.
    let response = app
        .post(&format!("/api/v1/webhooks?organization={BECKUM}"))
        .by_coordinator()
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"1\"");
    assert!(response.headers().contains_key("location"));
    let created = json(response, 201).await;
    assert_eq!(created["organization"], BECKUM);
    // An unknown organization is a field error.
    let before = app.trail_counts().await;
    let problem = problem(
        app.post("/api/v1/webhooks?organization=05579999")
            .by_coordinator()
            .json(&body)
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&problem), ["/query/organization"]);
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = app_allowing_private().await;
    let before = app.trail_counts().await;
    let problem = problem(
        app.post("/api/v1/webhooks")
            .bearer_for(AHLEN, &["admin"])
            .json(&json!({
                "url": "ftp://example.org/hook",
                "event_types": ["project", "projekt", "project.renamed"],
                "secret": "whsec_c2hvcnQ=",
                "description": "x".repeat(501),
            }))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let mut got = pointers(&problem);
    got.sort();
    assert_eq!(
        got,
        [
            "/description",
            "/event_types/1",
            "/event_types/2",
            "/secret",
            "/url"
        ]
    );
    let problem = problem_of(&app, json!({"url": URL, "event_types": []}), "/event_types").await;
    assert!(problem["detail"].as_str().unwrap().contains("1 to 20"));
    // Unknown fields are refused too.
    let response = app
        .post("/api/v1/webhooks")
        .bearer_for(AHLEN, &["admin"])
        .json(&json!({"url": URL, "event_types": ["*"], "organization": BECKUM}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error());
    assert_eq!(app.trail_counts().await, before);
}

async fn problem_of(app: &TestApp, body: serde_json::Value, pointer: &str) -> serde_json::Value {
    let problem = problem(
        app.post("/api/v1/webhooks")
            .bearer_for(AHLEN, &["admin"])
            .json(&body)
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&problem), [pointer], "{problem}");
    problem
}

#[actix_web::test]
async fn private_targets_are_refused_unless_allowed() {
    // The default: no private targets.
    let app = TestApp::spawn().await;
    let before = app.trail_counts().await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.7/hook",
        "http://192.168.178.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fd12:3456::1]/hook",
        "https://user:secret@example.org/hook",
        "file:///etc/passwd",
        "not a url",
    ] {
        let problem = problem(
            app.post("/api/v1/webhooks")
                .bearer_for(AHLEN, &["admin"])
                .json(&json!({"url": url, "event_types": ["project"]}))
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        assert_eq!(pointers(&problem), ["/url"], "{url}: {problem}");
    }
    // Changing the URL of an existing subscription is checked the same way.
    let created = json(
        app.post("/api/v1/webhooks")
            .bearer_for(AHLEN, &["admin"])
            .json(&json!({"url": "http://93.184.216.34/hook", "event_types": ["project"]}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let mid = app.trail_counts().await;
    assert_ne!(mid, before);
    let problem = problem(
        app.patch(&format!(
            "/api/v1/webhooks/{}",
            created["id"].as_str().unwrap()
        ))
        .bearer_for(AHLEN, &["admin"])
        .header("If-Match", "\"1\"")
        .json(&json!({"url": "http://127.0.0.1/hook"}))
        .send()
        .await
        .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&problem), ["/url"]);
    assert_eq!(app.trail_counts().await, mid);
}

#[actix_web::test]
async fn reading_changing_and_deleting_are_the_organizations_business() {
    let app = app_allowing_private().await;
    let beckum = json(
        app.post("/api/v1/webhooks")
            .bearer_for(BECKUM, &["admin"])
            .json(&json!({"url": URL, "event_types": ["project"]}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let path = format!("/api/v1/webhooks/{}", beckum["id"].as_str().unwrap());
    let others = [
        (Who::Anonymous, 401),
        (Who::BadToken, 401),
        (Who::Org(AHLEN, "admin"), 403),
        (Who::Org(AHLEN, "integration"), 403),
        (Who::Org(BECKUM, "viewer"), 403),
        (Who::Org(BECKUM, "editor"), 403),
    ];
    assert_refused(&app, "get", || app.get(&path), &others).await;
    assert_refused(
        &app,
        "deliveries",
        || app.get(&format!("{path}/deliveries")),
        &others,
    )
    .await;
    assert_refused(
        &app,
        "patch",
        || {
            app.patch(&path)
                .header("If-Match", "\"1\"")
                .json(&json!({"active": false}))
        },
        &others,
    )
    .await;
    assert_refused(
        &app,
        "delete",
        || app.delete(&path).header("If-Match", "\"1\""),
        &others,
    )
    .await;
    let missing = "/api/v1/webhooks/00000000-0000-4000-8000-000000000000";
    assert_refused(
        &app,
        "missing",
        || app.get(missing),
        &[(Who::Org(AHLEN, "admin"), 404), (Who::Coordinator, 404)],
    )
    .await;
    assert_refused(
        &app,
        "patch missing",
        || {
            app.patch(missing)
                .header("If-Match", "\"1\"")
                .json(&json!({}))
        },
        &[(Who::Coordinator, 404)],
    )
    .await;
    // Preconditions.
    assert_refused(
        &app,
        "patch without If-Match",
        || app.patch(&path).json(&json!({"active": false})),
        &[(Who::Org(BECKUM, "admin"), 428)],
    )
    .await;
    assert_refused(
        &app,
        "patch with a stale ETag",
        || {
            app.patch(&path)
                .header("If-Match", "\"7\"")
                .json(&json!({"active": false}))
        },
        &[(Who::Org(BECKUM, "admin"), 412)],
    )
    .await;
    assert_refused(
        &app,
        "delete without If-Match",
        || app.delete(&path),
        &[(Who::Org(BECKUM, "admin"), 428)],
    )
    .await;

    // The owner and the steering office may.
    let response = app
        .get(&path)
        .bearer_for(BECKUM, &["integration"])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let read = json(response, 200).await;
    assert_eq!(read["url"], URL);
    let changed = json(
        app.patch(&path)
            .by_coordinator()
            .header("If-Match", "\"1\"")
            .json(
                &json!({"active": false, "event_types": ["project.created", "project.created"],
                          "description": "HKR"}),
            )
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(changed["active"], false);
    assert_eq!(changed["event_types"], json!(["project.created"]));
    assert_eq!(changed["description"], "HKR");
    // The change is recorded for Beckum, on its behalf, without the secret.
    let audit = json(
        app.get("/api/v1/audit?entity=webhook")
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let text = audit.to_string();
    assert!(
        !text.contains("whsec_"),
        "the secret reached the audit trail"
    );
    let response = app
        .delete(&path)
        .bearer_for(BECKUM, &["admin"])
        .header("If-Match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    problem(app.get(&path).by_coordinator().send().await.unwrap(), 404).await;
}

#[actix_web::test]
async fn lists_show_own_subscriptions_or_all_for_the_steering_office() {
    let app = app_allowing_private().await;
    for org in [AHLEN, AHLEN, BECKUM] {
        subscribe(&app, org, URL, &["project"]).await;
    }
    let own = json(
        app.get("/api/v1/webhooks")
            .bearer_for(AHLEN, &["integration"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let items = own["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|w| w["organization"] == AHLEN));
    assert!(items.iter().all(|w| w.get("secret").is_none()));
    let all = json(
        app.get("/api/v1/webhooks?limit=2")
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let cursor = all["next_cursor"].as_str().unwrap();
    let rest = json(
        app.get(&format!("/api/v1/webhooks?limit=2&cursor={cursor}"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    let beckum = json(
        app.get(&format!("/api/v1/webhooks?organization={BECKUM}"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(beckum["items"].as_array().unwrap().len(), 1);
    for (who, status) in [
        (Who::Anonymous, 401),
        (Who::Org(AHLEN, "viewer"), 403),
        (Who::Org(AHLEN, "editor"), 403),
    ] {
        let response = crate::projects::as_who(app.get("/api/v1/webhooks"), who)
            .send()
            .await
            .unwrap();
        problem(response, status).await;
    }
    let response = app
        .get(&format!("/api/v1/webhooks?organization={BECKUM}"))
        .bearer_for(AHLEN, &["admin"])
        .send()
        .await
        .unwrap();
    problem(response, 403).await;
}
