//! The strategy and its goals: public reads, steering-office writes, refusals with an unchanged
//! audit trail, validation, and the goals shown on the projects.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;

fn put(app: &TestApp, path: &str) -> reqwest::RequestBuilder {
    app.request(Method::PUT, path)
}

#[actix_web::test]
async fn the_strategy_text_is_public_and_versioned() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/strategy").send().await.unwrap();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let strategy = json(response, 200).await;
    assert_eq!(strategy["vision"], "");
    // The seed creates no goals.
    let goals = json(app.get("/api/v1/strategy/goals").send().await.unwrap(), 200).await;
    assert_eq!(goals["items"], json!([]));

    let body = json!({"vision": "Eine vernetzte Region.", "guiding_principles": "- gemeinsam"});
    let before = app.trail_counts().await;
    problem(
        put(&app, "/api/v1/strategy")
            .json(&body)
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    problem(
        put(&app, "/api/v1/strategy")
            .bearer_for(AHLEN, &["admin"])
            .header("if-match", "\"1\"")
            .json(&body)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    problem(
        put(&app, "/api/v1/strategy")
            .by_coordinator()
            .json(&body)
            .send()
            .await
            .unwrap(),
        428,
    )
    .await;
    problem(
        put(&app, "/api/v1/strategy")
            .by_coordinator()
            .header("if-match", "\"7\"")
            .json(&body)
            .send()
            .await
            .unwrap(),
        412,
    )
    .await;
    let invalid = problem(
        put(&app, "/api/v1/strategy")
            .by_coordinator()
            .header("if-match", "\"1\"")
            .json(&json!({"vision": "x".repeat(20001), "guiding_principles": "y".repeat(20001)}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&invalid), ["/vision", "/guiding_principles"]);
    let unknown = problem(
        put(&app, "/api/v1/strategy")
            .by_coordinator()
            .header("if-match", "\"1\"")
            .json(&json!({"vision": "x", "guiding_principles": "y", "goals": []}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&unknown), ["/goals"]);
    assert_eq!(app.trail_counts().await, before);

    let response = put(&app, "/api/v1/strategy")
        .by_coordinator()
        .header("if-match", "\"1\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated = json(response, 200).await;
    assert_eq!(updated["vision"], "Eine vernetzte Region.");
    assert_eq!(app.trail_counts().await, (before.0 + 1, before.1 + 1));
    let read = json(app.get("/api/v1/strategy").send().await.unwrap(), 200).await;
    assert_eq!(read["guiding_principles"], "- gemeinsam");
}

async fn create_goal(app: &TestApp, body: Value) -> Value {
    json(
        app.post("/api/v1/strategy/goals")
            .by_coordinator()
            .json(&body)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await
}

#[actix_web::test]
async fn goals_link_projects_and_indicators_and_projects_show_their_goals() {
    let app = TestApp::spawn().await;
    let first = ProjectBuilder::new("DI-1").lead(AHLEN).create(&app).await;
    let second = ProjectBuilder::new("DI-2").create(&app).await;
    let indicator = json(
        app.post(&format!("/api/v1/projects/{first}/indicators"))
            .by_coordinator()
            .json(&json!({"name": "Anschlüsse", "unit": "Anzahl"}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let goal = create_goal(
        &app,
        json!({"title": "Gewerbe anbinden", "field_of_action": "digital_infrastructure",
               "description": "Alle Gewerbegebiete", "project_ids": [first], "indicator_ids": [indicator]}),
    )
    .await;
    let gid = goal["id"].as_str().unwrap().to_owned();
    assert_eq!(goal["projects"][0]["code"], "DI-1");
    assert_eq!(goal["indicators"][0]["id"], indicator.as_str());
    assert_eq!(goal["version"], 1);
    create_goal(
        &app,
        json!({"title": "Bürgerdienste digital", "field_of_action": "administration", "project_ids": [first, second]}),
    )
    .await;

    // The project shows its goals, in the list and alone.
    let project = json(
        app.get(&format!("/api/v1/projects/{first}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let titles: Vec<&str> = project["goals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Bürgerdienste digital", "Gewerbe anbinden"]);
    let list = json(app.get("/api/v1/projects").send().await.unwrap(), 200).await;
    let second_goals = &list["items"].as_array().unwrap()[1]["goals"];
    assert_eq!(second_goals.as_array().unwrap().len(), 1);

    // List with filter and pages.
    let page = json(
        app.get("/api/v1/strategy/goals?limit=1")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(page["items"][0]["title"], "Bürgerdienste digital");
    let cursor = page["next_cursor"].as_str().unwrap();
    let next = json(
        app.get(&format!("/api/v1/strategy/goals?limit=1&cursor={cursor}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(next["items"][0]["title"], "Gewerbe anbinden");
    let filtered = json(
        app.get("/api/v1/strategy/goals?field_of_action=digital_infrastructure")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);

    // Replace the project links.
    let path = format!("/api/v1/strategy/goals/{gid}");
    let updated = json(
        app.patch(&path)
            .by_coordinator()
            .header("if-match", "\"1\"")
            .json(&json!({"project_ids": [second]}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(updated["projects"][0]["code"], "DI-2");
    assert_eq!(updated["indicators"].as_array().unwrap().len(), 1);
    assert_eq!(updated["version"], 2);

    // Delete: gone from the projects too.
    let response = app
        .delete(&path)
        .by_coordinator()
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    problem(app.get(&path).send().await.unwrap(), 404).await;
    let project = json(
        app.get(&format!("/api/v1/projects/{second}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(project["goals"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn goal_writes_are_refused_with_an_unchanged_trail() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("DI-1").create(&app).await;
    let goal = create_goal(
        &app,
        json!({"title": "Gewerbe anbinden", "field_of_action": "digital_infrastructure"}),
    )
    .await;
    let path = format!("/api/v1/strategy/goals/{}", goal["id"].as_str().unwrap());
    let missing = format!("/api/v1/strategy/goals/{}", uuid::Uuid::new_v4());
    let valid = json!({"title": "Neu", "field_of_action": "digital_infrastructure"});
    let before = app.trail_counts().await;

    // 401 and 403 for every write.
    problem(
        app.post("/api/v1/strategy/goals")
            .json(&valid)
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    problem(
        app.post("/api/v1/strategy/goals")
            .bearer_auth("bad")
            .json(&valid)
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    for roles in [&["admin"][..], &["editor"]] {
        problem(
            app.post("/api/v1/strategy/goals")
                .bearer_for(AHLEN, roles)
                .json(&valid)
                .send()
                .await
                .unwrap(),
            403,
        )
        .await;
        problem(
            app.patch(&path)
                .bearer_for(AHLEN, roles)
                .header("if-match", "*")
                .json(&json!({"title": "x"}))
                .send()
                .await
                .unwrap(),
            403,
        )
        .await;
        problem(
            app.delete(&path)
                .bearer_for(AHLEN, roles)
                .header("if-match", "*")
                .send()
                .await
                .unwrap(),
            403,
        )
        .await;
    }
    problem(app.delete(&path).send().await.unwrap(), 401).await;
    // 404, 428, 412, 409.
    problem(
        app.patch(&missing)
            .by_coordinator()
            .header("if-match", "*")
            .json(&json!({"title": "x"}))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    problem(
        app.delete(&missing)
            .by_coordinator()
            .header("if-match", "*")
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    problem(
        app.patch(&path)
            .by_coordinator()
            .json(&json!({"title": "x"}))
            .send()
            .await
            .unwrap(),
        428,
    )
    .await;
    problem(
        app.delete(&path).by_coordinator().send().await.unwrap(),
        428,
    )
    .await;
    problem(
        app.patch(&path)
            .by_coordinator()
            .header("if-match", "\"9\"")
            .json(&json!({"title": "x"}))
            .send()
            .await
            .unwrap(),
        412,
    )
    .await;
    problem(
        app.post("/api/v1/strategy/goals")
            .by_coordinator()
            .json(
                &json!({"title": "GEWERBE ANBINDEN", "field_of_action": "digital_infrastructure"}),
            )
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    // 422 naming every bad field.
    let unknown = uuid::Uuid::new_v4();
    let invalid = problem(
        app.post("/api/v1/strategy/goals")
            .by_coordinator()
            .json(&json!({"title": " ", "field_of_action": "nowhere", "description": "d".repeat(10001),
                          "project_ids": [project, project, unknown], "indicator_ids": [unknown]}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let mut found = pointers(&invalid);
    found.sort();
    assert_eq!(
        found,
        [
            "/description",
            "/field_of_action",
            "/indicator_ids/0",
            "/project_ids/1",
            "/project_ids/2",
            "/title"
        ]
    );
    let invalid = problem(
        app.patch(&path)
            .by_coordinator()
            .header("if-match", "*")
            .json(&json!({"title": "", "field_of_action": "nowhere"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&invalid), ["/title", "/field_of_action"]);
    // Unknown fields are named; a bad id in the path is 400.
    let unknown_field = problem(
        app.post("/api/v1/strategy/goals")
            .by_coordinator()
            .json(&json!({"title": "x", "field_of_action": "digital_infrastructure", "owner": "x"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&unknown_field), ["/owner"]);
    problem(
        app.get("/api/v1/strategy/goals/not-a-uuid")
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
}
