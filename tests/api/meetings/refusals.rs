//! Who may not write, and what a refused write leaves behind: nothing.

use serde_json::json;

use super::*;

#[actix_web::test]
async fn only_the_steering_office_writes_meetings_agenda_minutes_and_results() {
    let app = TestApp::spawn().await;
    let id = simple_meeting(&app, 1, true).await;
    let item = add_item(
        &app,
        &id,
        json!({"number": "1", "title": "Bericht", "public": true}),
    )
    .await;
    let item_id = item["id"].as_str().unwrap();
    let meeting_path = format!("/api/v1/meetings/{id}");
    let item_path = format!("{meeting_path}/agenda-items/{item_id}");
    let meeting_tag = etag(&app, &meeting_path).await;
    let item_tag = etag(&app, &item_path).await;
    let before = app.trail_counts().await;

    let writes = |auth: Option<String>| {
        let with = |r: reqwest::RequestBuilder| match &auth {
            Some(token) => r.bearer_auth(token),
            None => r,
        };
        vec![
            with(app.post("/api/v1/meetings")).json(&meeting_body(
                2,
                "2026-05-07T17:00:00+02:00",
                "2026-05-07T19:00:00+02:00",
                true,
            )),
            with(app.patch(&meeting_path))
                .header("If-Match", &meeting_tag)
                .json(&json!({"title": "X"})),
            with(put(&app, &format!("{meeting_path}/state")))
                .header("If-Match", &meeting_tag)
                .json(&json!({"state": "invited"})),
            with(app.delete(&meeting_path)).header("If-Match", &meeting_tag),
            with(app.post(&format!("{meeting_path}/agenda-items")))
                .json(&json!({"number": "2", "title": "X", "public": true})),
            with(app.patch(&item_path))
                .header("If-Match", &item_tag)
                .json(&json!({"title": "X"})),
            with(app.delete(&item_path)).header("If-Match", &item_tag),
            with(put(&app, &format!("{meeting_path}/agenda-items/order")))
                .header("If-Match", &meeting_tag)
                .json(&json!({"item_ids": [item_id]})),
            with(put(&app, &format!("{meeting_path}/minutes"))).json(&json!({"public_text": "X"})),
            with(app.post(&format!("{meeting_path}/minutes/approve")))
                .header("If-Match", "\"1\"")
                .json(&json!({})),
            with(app.post("/api/v1/action-items"))
                .json(&json!({"title": "X", "owner_organization": AHLEN})),
        ]
    };
    for request in writes(None) {
        problem(request.send().await.unwrap(), 401).await;
    }
    for request in writes(Some("not-a-jwt".into())) {
        let refused = problem(request.send().await.unwrap(), 401).await;
        assert!(
            refused["detail"].as_str().unwrap().contains("refused"),
            "{refused}"
        );
    }
    for roles in [&["admin"][..], &["editor"], &["viewer"], &["integration"]] {
        for request in writes(Some(token(AHLEN, roles))) {
            problem(request.send().await.unwrap(), 403).await;
        }
    }
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn unknown_meetings_and_items_are_404_and_malformed_ids_400() {
    let app = TestApp::spawn().await;
    let id = simple_meeting(&app, 1, true).await;
    let unknown = uuid::Uuid::new_v4();
    for path in [
        format!("/api/v1/meetings/{unknown}"),
        format!("/api/v1/meetings/{unknown}/agenda-items"),
        format!("/api/v1/meetings/{unknown}/export?format=csv"),
        format!("/api/v1/meetings/{id}/agenda-items/{unknown}"),
        format!("/api/v1/meetings/{id}/minutes"),
        format!("/api/v1/action-items/{unknown}"),
        format!("/api/v1/committee/members/{unknown}"),
    ] {
        problem(app.get(&path).by_coordinator().send().await.unwrap(), 404).await;
    }
    problem(
        app.get("/api/v1/meetings/not-a-uuid").send().await.unwrap(),
        400,
    )
    .await;
    let before = app.trail_counts().await;
    problem(
        app.patch(&format!("/api/v1/meetings/{unknown}"))
            .by_coordinator()
            .header("If-Match", "\"1\"")
            .json(&json!({"title": "X"}))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    problem(
        put(&app, &format!("/api/v1/meetings/{id}/attendance/05579999"))
            .by_coordinator()
            .json(&json!({"status": "present"}))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn invalid_meetings_and_items_are_422_with_a_pointer_per_field() {
    let app = TestApp::spawn().await;
    let before = app.trail_counts().await;
    let refused = problem(
        app.post("/api/v1/meetings")
            .by_coordinator()
            .json(&json!({
                "number": 0, "title": " ", "starts_at": "2026-05-07T19:00:00+02:00",
                "ends_at": "2026-05-07T17:00:00+02:00", "online_url": "ftp://x", "public": true
            }))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(
        pointers(&refused),
        ["/number", "/title", "/ends_at", "/online_url"]
    );
    let refused = problem(
        app.post("/api/v1/meetings")
            .by_coordinator()
            .json(&json!({
                "number": 1, "title": "Ohne Ort", "starts_at": "2026-05-07T17:00:00+02:00",
                "ends_at": "2026-05-09T17:00:00+02:00", "public": true
            }))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/ends_at", "/location_address"]);
    let refused = problem(
        app.post("/api/v1/meetings")
            .by_coordinator()
            .json(&json!({"number": 1, "title": "X", "starts_at": "gestern", "public": true}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/starts_at"]);
    let id = simple_meeting(&app, 1, true).await;
    let before_item = app.trail_counts().await;
    let refused = problem(
        app.post(&format!("/api/v1/meetings/{id}/agenda-items"))
            .by_coordinator()
            .json(&json!({
                "number": "", "title": "X", "public": true, "presenter_organization": "05579999",
                "project_ids": [uuid::Uuid::new_v4()]
            }))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(
        pointers(&refused),
        ["/number", "/presenter_organization", "/project_ids/0"]
    );
    assert_eq!(app.trail_counts().await, before_item);
    // A second meeting with the same number.
    problem(
        app.post("/api/v1/meetings")
            .by_coordinator()
            .json(&meeting_body(
                1,
                "2026-06-07T17:00:00+02:00",
                "2026-06-07T19:00:00+02:00",
                true,
            ))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    assert_eq!(app.trail_counts().await.0, before.0 + 1);
}

#[actix_web::test]
async fn updates_need_a_current_etag() {
    let app = TestApp::spawn().await;
    let id = simple_meeting(&app, 1, true).await;
    let path = format!("/api/v1/meetings/{id}");
    let before = app.trail_counts().await;
    problem(
        app.patch(&path)
            .by_coordinator()
            .json(&json!({"title": "X"}))
            .send()
            .await
            .unwrap(),
        428,
    )
    .await;
    problem(
        app.patch(&path)
            .by_coordinator()
            .header("If-Match", "\"99\"")
            .json(&json!({"title": "X"}))
            .send()
            .await
            .unwrap(),
        412,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
    let tag = etag(&app, &path).await;
    let updated = json(
        app.patch(&path)
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({"title": "Sondersitzung", "location_address": null, "online_url": "https://meet.example.org/x"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(updated["title"], "Sondersitzung");
    assert_eq!(updated["location"]["address"], serde_json::Value::Null);
    // Removing the last place is refused.
    let tag = etag(&app, &path).await;
    let refused = problem(
        app.patch(&path)
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({"online_url": null}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/location_address"]);
    // Deleting: only planned meetings, with If-Match.
    let response = app
        .delete(&path)
        .by_coordinator()
        .header("If-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    problem(app.get(&path).by_coordinator().send().await.unwrap(), 404).await;
}

#[actix_web::test]
async fn attendance_is_recorded_by_the_office_or_by_the_organization_itself() {
    let app = TestApp::spawn().await;
    let id = simple_meeting(&app, 1, true).await;
    let ahlen_delegate = add_member(&app, AHLEN, "Erika Mustermann", "member", true).await;
    let beckum_delegate = add_member(&app, BECKUM, "Bernd Beckumer", "member", true).await;
    let path = format!("/api/v1/meetings/{id}/attendance/{AHLEN}");
    let body = json!({"status": "present", "delegate_member_ids": [ahlen_delegate],
                      "arrived_at": "2026-05-07T17:10:00+02:00"});
    let before = app.trail_counts().await;
    problem(put(&app, &path).json(&body).send().await.unwrap(), 401).await;
    // Another organization's admin, and the organization's own viewer, may not.
    for (org, roles) in [
        (BECKUM, &["admin"][..]),
        (AHLEN, &["viewer"]),
        (AHLEN, &["integration"]),
    ] {
        problem(
            put(&app, &path)
                .bearer_for(org, roles)
                .json(&body)
                .send()
                .await
                .unwrap(),
            403,
        )
        .await;
    }
    // A delegate of another organization, or times without presence.
    let refused = problem(
        put(&app, &path)
            .bearer_for(AHLEN, &["editor"])
            .json(&json!({"status": "present", "delegate_member_ids": [beckum_delegate],
                          "arrived_at": "2026-05-07T18:00:00+02:00", "left_at": "2026-05-07T17:00:00+02:00"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/left_at", "/delegate_member_ids/0"]);
    let refused = problem(
        put(&app, &path)
            .bearer_for(AHLEN, &["editor"])
            .json(&json!({"status": "excused", "arrived_at": "2026-05-07T18:00:00+02:00"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/arrived_at"]);
    assert_eq!(app.trail_counts().await, before);

    let response = put(&app, &path)
        .bearer_for(AHLEN, &["editor"])
        .json(&body)
        .send()
        .await
        .unwrap();
    let tag = response.headers()["etag"].to_str().unwrap().to_owned();
    let recorded = json(response, 200).await;
    assert_eq!(recorded["status"], "present");
    assert_eq!(recorded["arrived_at"], "2026-05-07T17:10:00+02:00");
    assert_eq!(recorded["delegates"][0]["name"], "Erika Mustermann");

    // Replacing needs the ETag.
    let before = app.trail_counts().await;
    problem(
        put(&app, &path)
            .bearer_for(AHLEN, &["admin"])
            .json(&json!({"status": "absent"}))
            .send()
            .await
            .unwrap(),
        428,
    )
    .await;
    problem(
        put(&app, &path)
            .bearer_for(AHLEN, &["admin"])
            .header("If-Match", "\"7\"")
            .json(&json!({"status": "absent"}))
            .send()
            .await
            .unwrap(),
        412,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
    let replaced = json(
        put(&app, &path)
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({"status": "excused"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(replaced["status"], "excused");
    // The steering office's write is recorded on behalf of the organization.
    let audit = json(
        app.get("/api/v1/audit?entity=attendance")
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(audit["items"][0]["on_behalf_of"], AHLEN);
    assert_eq!(audit["items"][1]["on_behalf_of"], serde_json::Value::Null);
}
