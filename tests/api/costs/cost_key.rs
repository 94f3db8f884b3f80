use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

fn key_path(project: uuid::Uuid) -> String {
    format!("/api/v1/projects/{project}/cost-key")
}

#[actix_web::test]
async fn keys_are_versioned_and_old_versions_stay_readable() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    problem(
        app.get(&key_path(project))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;

    // The first version needs no If-Match.
    let response = app
        .request(reqwest::Method::PUT, &key_path(project))
        .by_coordinator()
        .json(&json!({"type": "equal", "district_share_bp": 2000, "note": "Kreis zuerst"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let first = json(response, 200).await;
    assert_eq!(first["version"], 1);
    assert_eq!(first["type"], "equal");
    assert_eq!(first["district_share_bp"], 2000);
    assert_eq!(first["created_by"], format!("tester@{DISTRICT}"));

    // Later versions need the current ETag.
    let body = json!({"type": "fixed_percentages", "basis_points": {AHLEN: 6000, BECKUM: 4000},
                      "caps_cents": {AHLEN: 5_000_000}});
    problem(
        app.request(reqwest::Method::PUT, &key_path(project))
            .by_coordinator()
            .json(&body)
            .send()
            .await
            .unwrap(),
        428,
    )
    .await;
    problem(
        app.request(reqwest::Method::PUT, &key_path(project))
            .by_coordinator()
            .header("if-match", "\"7\"")
            .json(&body)
            .send()
            .await
            .unwrap(),
        412,
    )
    .await;
    let second = json(
        app.request(reqwest::Method::PUT, &key_path(project))
            .by_coordinator()
            .header("if-match", "\"1\"")
            .json(&body)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(second["version"], 2);
    assert_eq!(second["basis_points"][AHLEN], 6000);
    assert_eq!(second["caps_cents"][AHLEN], 5_000_000);

    let current = app
        .get(&key_path(project))
        .bearer_for(TELGTE, &["viewer"])
        .send()
        .await
        .unwrap();
    assert_eq!(current.headers()["etag"], "\"2\"");
    assert_eq!(json(current, 200).await["type"], "fixed_percentages");
    let old = json(
        app.get(&format!("{}/versions/1", key_path(project)))
            .bearer_for(TELGTE, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(old["type"], "equal");
    assert_eq!(old["note"], "Kreis zuerst");
    let versions = json(
        app.get(&format!("{}/versions?limit=1", key_path(project)))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(versions["items"][0]["version"], 2);
    let cursor = versions["next_cursor"].as_str().unwrap();
    let older = json(
        app.get(&format!(
            "{}/versions?limit=1&cursor={cursor}",
            key_path(project)
        ))
        .by_coordinator()
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    assert_eq!(older["items"][0]["version"], 1);
    assert_eq!(older["next_cursor"], Value::Null);
    problem(
        app.get(&format!("{}/versions/3", key_path(project)))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

#[actix_web::test]
async fn only_the_coordinator_sets_keys_and_members_read_them() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    let before = app.trail_counts().await;
    let put = || {
        app.request(reqwest::Method::PUT, &key_path(project))
            .json(&json!({"type": "equal"}))
    };
    problem(put().send().await.unwrap(), 401).await;
    problem(
        put().bearer_for(AHLEN, &["admin"]).send().await.unwrap(),
        403,
    )
    .await;
    problem(
        put().bearer_for(BECKUM, &["editor"]).send().await.unwrap(),
        403,
    )
    .await;
    problem(app.get(&key_path(project)).send().await.unwrap(), 401).await;
    problem(
        app.request(
            reqwest::Method::PUT,
            "/api/v1/projects/00000000-0000-0000-0000-000000000000/cost-key",
        )
        .by_coordinator()
        .json(&json!({"type": "equal"}))
        .send()
        .await
        .unwrap(),
        404,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn invalid_keys_are_refused_with_every_pointer_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    let before = app.trail_counts().await;
    let put = |body: Value| {
        app.request(reqwest::Method::PUT, &key_path(project))
            .by_coordinator()
            .json(&body)
            .send()
    };
    let refused = problem(
        put(json!({"type": "fixed_percentages",
                   "basis_points": {AHLEN: 6000, BECKUM: 3000, "05579999": 500, TELGTE: 10_001},
                   "district_share_bp": 12_000, "caps_cents": {OSTBEVERN: -5},
                   "population_date": "2023-12-31"}))
        .await
        .unwrap(),
        422,
    )
    .await;
    let mut found = pointers(&refused);
    found.sort();
    assert_eq!(
        found,
        [
            "/basis_points",
            "/basis_points/05570044",
            "/basis_points/05579999",
            "/caps_cents/05570032",
            "/district_share_bp",
            "/population_date",
        ],
        "{refused}"
    );
    let refused = problem(put(json!({"type": "mixed"})).await.unwrap(), 422).await;
    let mut found = pointers(&refused);
    found.sort();
    assert_eq!(found, ["/equal_part_bp", "/population_date"]);
    let refused = problem(
        put(json!({"type": "custom_weights", "weights": {DISTRICT: 3, AHLEN: 0}, "district_share_bp": 1000}))
            .await
            .unwrap(),
        422,
    )
    .await;
    let mut found = pointers(&refused);
    found.sort();
    assert_eq!(found, ["/weights/05570", "/weights/05570004"]);
    let refused = problem(put(json!({"type": "lottery"})).await.unwrap(), 422).await;
    assert_eq!(pointers(&refused), ["/type"]);
    assert_eq!(app.trail_counts().await, before);
    problem(
        app.get(&key_path(project))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}
