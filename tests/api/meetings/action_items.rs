//! Action items: the steering office creates them, the owner organization updates its own,
//! and the decisions register lists every recorded result.

use serde_json::{Value, json};

use super::*;

async fn create_item(app: &TestApp, body: Value) -> Value {
    json(
        app.post("/api/v1/action-items")
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
async fn the_owner_organization_updates_its_own_action_items_only() {
    let app = TestApp::spawn().await;
    let item = create_item(
        &app,
        json!({"title": "Förderantrag vorbereiten", "owner_organization": AHLEN, "due_date": "2026-06-30"}),
    )
    .await;
    assert_eq!(item["status"], "open");
    let path = format!("/api/v1/action-items/{}", item["id"].as_str().unwrap());
    let tag = etag(&app, &path).await;

    let before = app.trail_counts().await;
    problem(app.get(&path).send().await.unwrap(), 401).await;
    problem(app.get("/api/v1/action-items").send().await.unwrap(), 401).await;
    // Another organization's admin, the owner's viewer, and the owner changing the title.
    for (org, roles, body) in [
        (BECKUM, &["admin"][..], json!({"status": "done"})),
        (AHLEN, &["viewer"], json!({"status": "done"})),
        (AHLEN, &["admin"], json!({"title": "Anders"})),
        (AHLEN, &["editor"], json!({"owner_organization": BECKUM})),
    ] {
        problem(
            app.patch(&path)
                .bearer_for(org, roles)
                .header("If-Match", &tag)
                .json(&body)
                .send()
                .await
                .unwrap(),
            403,
        )
        .await;
    }
    problem(
        app.patch(&path)
            .bearer_for(AHLEN, &["editor"])
            .header("If-Match", "\"9\"")
            .json(&json!({"status": "done"}))
            .send()
            .await
            .unwrap(),
        412,
    )
    .await;
    problem(
        app.delete(&path)
            .bearer_for(AHLEN, &["admin"])
            .header("If-Match", &tag)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);

    let updated = json(
        app.patch(&path)
            .bearer_for(AHLEN, &["editor"])
            .header("If-Match", &tag)
            .json(&json!({"status": "in_progress", "due_date": "2026-07-31"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(updated["status"], "in_progress");
    assert_eq!(updated["due_date"], "2026-07-31");
    // The steering office changes anything.
    let tag = etag(&app, &path).await;
    let moved = json(
        app.patch(&path)
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({"owner_organization": BECKUM}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(moved["owner_organization"], BECKUM);
}

#[actix_web::test]
async fn action_items_filter_by_owner_status_and_overdue() {
    let app = TestApp::spawn().await;
    let overdue = create_item(
        &app,
        json!({"title": "Überfällig", "owner_organization": AHLEN, "due_date": "2020-01-31"}),
    )
    .await;
    create_item(
        &app,
        json!({"title": "Erledigt", "owner_organization": AHLEN, "due_date": "2020-01-31", "status": "done"}),
    )
    .await;
    create_item(
        &app,
        json!({"title": "Später", "owner_organization": BECKUM, "due_date": "2099-12-31"}),
    )
    .await;
    let titles = |body: Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let viewer = token(TELGTE, &["viewer"]);
    let get = |query: &str| {
        app.get(&format!("/api/v1/action-items{query}"))
            .bearer_auth(&viewer)
            .send()
    };
    assert_eq!(
        titles(json(get("").await.unwrap(), 200).await),
        ["Überfällig", "Erledigt", "Später"]
    );
    assert_eq!(
        titles(json(get("?overdue=true").await.unwrap(), 200).await),
        ["Überfällig"]
    );
    assert_eq!(
        titles(json(get(&format!("?owner={BECKUM}")).await.unwrap(), 200).await),
        ["Später"]
    );
    assert_eq!(
        titles(json(get("?status=done").await.unwrap(), 200).await),
        ["Erledigt"]
    );
    let page = json(get("?limit=2").await.unwrap(), 200).await;
    assert_eq!(titles(page.clone()).len(), 2);
    let next = page["next_cursor"].as_str().unwrap();
    assert_eq!(
        titles(json(get(&format!("?limit=2&cursor={next}")).await.unwrap(), 200).await),
        ["Später"]
    );
    assert_eq!(overdue["overdue"], true);
    problem(get("?status=finished").await.unwrap(), 400).await;

    let before = app.trail_counts().await;
    let refused = problem(
        app.post("/api/v1/action-items")
            .by_coordinator()
            .json(&json!({"title": "", "owner_organization": "05579999",
                          "agenda_item_id": uuid::Uuid::new_v4(), "project_id": uuid::Uuid::new_v4()}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(
        pointers(&refused),
        [
            "/title",
            "/owner_organization",
            "/agenda_item_id",
            "/project_id"
        ]
    );
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn the_decisions_register_lists_recorded_results_as_far_as_the_caller_may_see() {
    let app = TestApp::spawn().await;
    let s = sample(&app).await;
    let results = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["agenda_item"]["number"].as_str().unwrap().to_owned())
            .collect()
    };
    let public = json(app.get("/api/v1/decisions").send().await.unwrap(), 200).await;
    assert_eq!(results(&public), ["2"]);
    assert!(!public.to_string().contains("Geheim"));
    assert_eq!(public["items"][0]["meeting"]["number"], 7);
    let member = json(
        app.get("/api/v1/decisions")
            .bearer_for(OSTBEVERN, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(results(&member), ["2", "3"]);
    let member_get = |query: String| {
        app.get(&format!("/api/v1/decisions{query}"))
            .bearer_for(OSTBEVERN, &["viewer"])
            .send()
    };
    let by_result = json(member_get("?result=rejected".into()).await.unwrap(), 200).await;
    assert_eq!(results(&by_result), ["3"]);
    let by_project = json(
        member_get(format!("?project={}", s.project)).await.unwrap(),
        200,
    )
    .await;
    assert_eq!(results(&by_project), ["2"]);
    let by_meeting = json(
        member_get(format!("?meeting={}", s.meeting)).await.unwrap(),
        200,
    )
    .await;
    assert_eq!(results(&by_meeting).len(), 2);
    let in_period = json(
        member_get("?from=2026-03-26&to=2026-03-26".into())
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(results(&in_period).len(), 2);
    let outside = json(member_get("?from=2026-03-27".into()).await.unwrap(), 200).await;
    assert_eq!(results(&outside).len(), 0);
    problem(
        member_get("?from=2026-04-01&to=2026-03-01".into())
            .await
            .unwrap(),
        400,
    )
    .await;
}
