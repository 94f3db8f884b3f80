use crate::helpers::*;

#[actix_web::test]
async fn unknown_routes_are_problem_documents() {
    let app = TestApp::spawn().await;
    let body = problem(app.get("/api/v1/nothing-here").send().await.unwrap(), 404).await;
    assert_eq!(body["type"], "urn:smartregion:problem:not-found");
}

#[actix_web::test]
async fn wrong_methods_are_405_with_allow() {
    let app = TestApp::spawn().await;
    let response = app
        .delete("/api/v1/organizations/05570004")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET, PATCH");
    problem(response, 405).await;
    let response = app.post("/api/v1/fields-of-action").send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET");
    problem(response, 405).await;
}

#[actix_web::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let generated = app.get("/api/v1/fields-of-action").send().await.unwrap();
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");

    let echoed = app
        .get("/api/v1/nothing-here")
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "abc-123");

    // An unusable id (too long) is replaced, not echoed.
    let replaced = app
        .get("/health/live")
        .header("x-request-id", "x".repeat(300))
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.headers()["x-request-id"].len(), 36);
}

#[actix_web::test]
async fn bad_path_and_query_parameters_are_problem_documents() {
    let app = TestApp::spawn().await;
    let response = app
        .get("/api/v1/audit?from=yesterday")
        .by_coordinator()
        .send()
        .await
        .unwrap();
    problem(response, 400).await;
}

#[actix_web::test]
async fn the_docs_page_is_served_without_internet() {
    let app = TestApp::spawn().await;
    let redirect = app.get("/docs").send().await.unwrap();
    assert_eq!(redirect.status(), 308);
    let page = app.get("/docs/").send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
    assert!(!html.contains("cdn."), "no CDN links");
    let initializer = app
        .get("/docs/swagger-initializer.js")
        .send()
        .await
        .unwrap();
    let js = initializer.text().await.unwrap();
    assert!(js.contains("/api/v1/openapi.json"), "{js}");
    assert!(
        js.contains("\"validatorUrl\": \"none\"") || js.contains("validatorUrl"),
        "{js}"
    );
}

#[actix_web::test]
async fn a_write_that_waits_too_long_for_a_lock_answers_503_and_changes_nothing() {
    use diesel_async::{AsyncConnection, SimpleAsyncConnection};

    let app = TestApp::builder()
        .env("SMARTREGION_DB_LOCK_TIMEOUT_MS", "300")
        .spawn()
        .await;
    let path = "/api/v1/organizations/05570004";
    let etag = app.get(path).send().await.unwrap().headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let before = app.trail_counts().await;

    // Another session holds the row the update must lock.
    let mut holder = diesel_async::AsyncPgConnection::establish(&db::database_url(&app.database))
        .await
        .unwrap();
    holder
        .batch_execute("BEGIN; SELECT 1 FROM organizations WHERE key = '05570004' FOR UPDATE")
        .await
        .unwrap();
    let response = app
        .patch(path)
        .by_coordinator()
        .header("If-Match", &etag)
        .json(&serde_json::json!({"contact_email": "it@ahlen.de"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["retry-after"], "5");
    problem(response, 503).await;
    holder.batch_execute("ROLLBACK").await.unwrap();

    assert_eq!(app.trail_counts().await, before, "nothing was written");
    // With the lock gone the same request goes through.
    let response = app
        .patch(path)
        .by_coordinator()
        .header("If-Match", &etag)
        .json(&serde_json::json!({"contact_email": "it@ahlen.de"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// A filter by organization key takes a key: anything else (empty included) is a 400 naming the
/// parameter, where it would otherwise filter every record away without a word.
#[actix_web::test]
async fn organization_key_filters_refuse_what_is_no_key() {
    let app = TestApp::spawn().await;
    for (path, parameter) in [
        ("/api/v1/projects", "lead"),
        ("/api/v1/projects", "participant"),
        ("/api/v1/action-items", "owner"),
        ("/api/v1/committee/members", "organization"),
        ("/api/v1/working-groups", "member"),
    ] {
        for value in ["0.5", "", "Ahlen", "055700041"] {
            let response = app
                .get(&format!("{path}?{parameter}={value}"))
                .by_coordinator()
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 400, "{path}?{parameter}={value}");
            let problem: serde_json::Value = response.json().await.unwrap();
            let detail = problem["detail"].as_str().unwrap();
            assert!(
                detail.contains(parameter),
                "{path}?{parameter}={value}: {problem}"
            );
        }
        let response = app
            .get(&format!("{path}?{parameter}={AHLEN}"))
            .by_coordinator()
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}?{parameter}={AHLEN}");
    }
}
