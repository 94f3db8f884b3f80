//! The meeting lifecycle over HTTP: transitions, cancellation, results only once held, and
//! approval freezing minutes, results and attendance.

use serde_json::json;

use super::*;

#[actix_web::test]
async fn moves_through_the_lifecycle_and_refuses_invalid_transitions_with_the_allowed_states() {
    let app = TestApp::spawn().await;
    let id = simple_meeting(&app, 1, true).await;
    let path = format!("/api/v1/meetings/{id}");
    let meeting = json(app.get(&path).by_coordinator().send().await.unwrap(), 200).await;
    assert_eq!(meeting["state"], "planned");
    assert_eq!(
        meeting["allowed_next_states"],
        json!(["invited", "cancelled"])
    );
    assert_eq!(meeting["time_zone"], "Europe/Berlin");
    assert_eq!(meeting["starts_at"], "2026-05-07T17:00:00+02:00");

    // planned -> held skips the invitation.
    let before = app.trail_counts().await;
    let tag = etag(&app, &path).await;
    let refused = problem(
        put(&app, &format!("{path}/state"))
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({"state": "held"}))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    assert_eq!(
        refused["allowed_next_states"],
        json!(["invited", "cancelled"])
    );
    assert_eq!(refused["state"], "planned");
    assert_eq!(app.trail_counts().await, before);

    let invited = transition(&app, &id, "invited", None).await;
    assert_eq!(invited["allowed_next_states"], json!(["held", "cancelled"]));
    let held = transition(&app, &id, "held", None).await;
    assert_eq!(held["allowed_next_states"], json!(["minutes_approved"]));

    // A held meeting cannot be cancelled, nor moved back.
    for state in ["cancelled", "planned", "invited"] {
        let tag = etag(&app, &path).await;
        let refused = problem(
            put(&app, &format!("{path}/state"))
                .by_coordinator()
                .header("If-Match", &tag)
                .json(&json!({"state": state, "reason": if state == "cancelled" { Some("zu spät") } else { None }}))
                .send()
                .await
                .unwrap(),
            409,
        )
        .await;
        assert_eq!(
            refused["allowed_next_states"],
            json!(["minutes_approved"]),
            "{state}"
        );
    }
    // minutes_approved is reached only by approving the minutes.
    let tag = etag(&app, &path).await;
    let refused = problem(
        put(&app, &format!("{path}/state"))
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({"state": "minutes_approved"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/state"]);
    // Only the two transitions were recorded.
    assert_eq!(app.trail_counts().await.0 - before.0, 2);
}

#[actix_web::test]
async fn cancelling_needs_a_reason_and_closes_the_meeting() {
    let app = TestApp::spawn().await;
    let id = simple_meeting(&app, 2, true).await;
    let path = format!("/api/v1/meetings/{id}");
    transition(&app, &id, "invited", None).await;
    let before = app.trail_counts().await;
    let tag = etag(&app, &path).await;
    let refused = problem(
        put(&app, &format!("{path}/state"))
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({"state": "cancelled"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/reason"]);
    assert_eq!(app.trail_counts().await, before);

    let cancelled = transition(
        &app,
        &id,
        "cancelled",
        Some("Terminkollision mit dem Kreistag"),
    )
    .await;
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(
        cancelled["cancellation_reason"],
        "Terminkollision mit dem Kreistag"
    );
    assert_eq!(cancelled["allowed_next_states"], json!([]));

    // A cancelled meeting is a closed record.
    let before = app.trail_counts().await;
    let tag = etag(&app, &path).await;
    problem(
        app.patch(&path)
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({"title": "Neu"}))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    problem(
        app.post(&format!("{path}/agenda-items"))
            .by_coordinator()
            .json(&json!({"number": "1", "title": "Nachtrag", "public": true}))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn results_are_recorded_only_once_the_meeting_is_held() {
    let app = TestApp::spawn().await;
    let id = simple_meeting(&app, 3, true).await;
    let item = add_item(
        &app,
        &id,
        json!({"number": "1", "title": "Bericht", "public": true}),
    )
    .await;
    let item_path = format!(
        "/api/v1/meetings/{id}/agenda-items/{}",
        item["id"].as_str().unwrap()
    );
    for state in ["planned", "invited"] {
        if state == "invited" {
            transition(&app, &id, "invited", None).await;
        }
        let before = app.trail_counts().await;
        let tag = etag(&app, &item_path).await;
        let refused = problem(
            app.patch(&item_path)
                .by_coordinator()
                .header("If-Match", &tag)
                .json(&json!({"result": "noted"}))
                .send()
                .await
                .unwrap(),
            409,
        )
        .await;
        assert!(
            refused["detail"].as_str().unwrap().contains("held"),
            "{refused}"
        );
        assert_eq!(app.trail_counts().await, before);
    }
    transition(&app, &id, "held", None).await;
    let updated = patch_item(
        &app,
        &id,
        item["id"].as_str().unwrap(),
        json!({"result": "noted"}),
    )
    .await;
    assert_eq!(updated["result"], "noted");
    // Clearing the result clears what depends on it.
    let cleared = patch_item(
        &app,
        &id,
        item["id"].as_str().unwrap(),
        json!({"result": null}),
    )
    .await;
    assert_eq!(cleared["result"], serde_json::Value::Null);
}

#[actix_web::test]
async fn votes_per_organization_must_add_up_and_need_a_result() {
    let app = TestApp::spawn().await;
    let id = simple_meeting(&app, 4, true).await;
    let item = add_item(
        &app,
        &id,
        json!({"number": "1", "title": "Beschluss", "public": true}),
    )
    .await;
    transition(&app, &id, "invited", None).await;
    transition(&app, &id, "held", None).await;
    let path = format!(
        "/api/v1/meetings/{id}/agenda-items/{}",
        item["id"].as_str().unwrap()
    );
    let before = app.trail_counts().await;
    let tag = etag(&app, &path).await;
    let refused = problem(
        app.patch(&path)
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({
                "result": "adopted", "votes": {"yes": 3, "no": 0, "abstentions": 0},
                "votes_by_organization": [{"organization": AHLEN, "yes": 1, "no": 0, "abstentions": 0}]
            }))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/votes_by_organization"]);
    let refused = problem(
        app.patch(&path)
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({
                "votes": {"yes": -1, "no": 0, "abstentions": 0},
                "votes_by_organization": [{"organization": "05579999", "yes": 1, "no": 0, "abstentions": 0}]
            }))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/votes"]);
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn approving_the_minutes_freezes_minutes_results_and_attendance() {
    let app = TestApp::spawn().await;
    let s = sample(&app).await;
    let meeting = &s.meeting;
    let later = simple_meeting(&app, 8, true).await;
    let tag = etag(&app, &format!("/api/v1/meetings/{meeting}/minutes")).await;

    // Approval names a later meeting; the same meeting or an unknown one is refused.
    for bad in [meeting.clone(), uuid::Uuid::new_v4().to_string()] {
        let refused = problem(
            app.post(&format!("/api/v1/meetings/{meeting}/minutes/approve"))
                .by_coordinator()
                .header("If-Match", &tag)
                .json(&json!({"approved_at_meeting_id": bad}))
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        assert_eq!(pointers(&refused), ["/approved_at_meeting_id"]);
    }
    // A stale ETag is 412, a missing one 428.
    problem(
        app.post(&format!("/api/v1/meetings/{meeting}/minutes/approve"))
            .by_coordinator()
            .header("If-Match", "\"999\"")
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        412,
    )
    .await;
    problem(
        app.post(&format!("/api/v1/meetings/{meeting}/minutes/approve"))
            .by_coordinator()
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        428,
    )
    .await;
    let approved = json(
        app.post(&format!("/api/v1/meetings/{meeting}/minutes/approve"))
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({"approved_at_meeting_id": later}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(approved["approved"], true);
    assert_eq!(approved["approved_at_meeting_id"], later.as_str());
    let state = json(
        app.get(&format!("/api/v1/meetings/{meeting}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(state["state"], "minutes_approved");

    let before = app.trail_counts().await;
    // Minutes.
    let tag = etag(&app, &format!("/api/v1/meetings/{meeting}/minutes")).await;
    let refused = problem(
        put(&app, &format!("/api/v1/meetings/{meeting}/minutes"))
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({"public_text": "geändert"}))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    assert!(
        refused["detail"].as_str().unwrap().contains("approved"),
        "{refused}"
    );
    // Approving twice.
    problem(
        app.post(&format!("/api/v1/meetings/{meeting}/minutes/approve"))
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    // Results.
    let item_path = format!("/api/v1/meetings/{meeting}/agenda-items/{}", s.public_item);
    let tag = etag(&app, &item_path).await;
    problem(
        app.patch(&item_path)
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({"result": "rejected"}))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    // Attendance, by the steering office and by the organization itself.
    let attendance_path = format!("/api/v1/meetings/{meeting}/attendance/{AHLEN}");
    for token in [coordinator(), token(AHLEN, &["admin"])] {
        problem(
            put(&app, &attendance_path)
                .bearer_auth(token)
                .header("If-Match", "*")
                .json(&json!({"status": "absent"}))
                .send()
                .await
                .unwrap(),
            409,
        )
        .await;
    }
    // The agenda.
    let meeting_tag = etag(&app, &format!("/api/v1/meetings/{meeting}")).await;
    let agenda = json(
        app.get(&format!("/api/v1/meetings/{meeting}/agenda-items"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let mut reversed: Vec<&str> = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    reversed.reverse();
    problem(
        put(
            &app,
            &format!("/api/v1/meetings/{meeting}/agenda-items/order"),
        )
        .by_coordinator()
        .header("If-Match", &meeting_tag)
        .json(&json!({"item_ids": reversed}))
        .send()
        .await
        .unwrap(),
        409,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn reorders_the_agenda_and_bumps_the_meeting() {
    let app = TestApp::spawn().await;
    let id = simple_meeting(&app, 5, true).await;
    let mut ids = Vec::new();
    for n in 1..=3 {
        let item = add_item(
            &app,
            &id,
            json!({"number": n.to_string(), "title": format!("Punkt {n}"), "public": true}),
        )
        .await;
        assert_eq!(item["position"], n);
        ids.push(item["id"].as_str().unwrap().to_owned());
    }
    let path = format!("/api/v1/meetings/{id}");
    let order_path = format!("{path}/agenda-items/order");
    let before_meeting = json(app.get(&path).by_coordinator().send().await.unwrap(), 200).await;
    let tag = etag(&app, &path).await;

    let before = app.trail_counts().await;
    // Missing, repeated and foreign ids are refused with pointers.
    let refused = problem(
        put(&app, &order_path)
            .by_coordinator()
            .header("If-Match", &tag)
            .json(&json!({"item_ids": [ids[0], ids[0], uuid::Uuid::new_v4()]}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(
        pointers(&refused),
        ["/item_ids/1", "/item_ids/2", "/item_ids"]
    );
    problem(
        put(&app, &order_path)
            .by_coordinator()
            .header("If-Match", "\"1\"")
            .json(&json!({"item_ids": [ids[2], ids[1], ids[0]]}))
            .send()
            .await
            .unwrap(),
        412,
    )
    .await;
    problem(
        put(&app, &order_path)
            .bearer_for(AHLEN, &["admin"])
            .header("If-Match", &tag)
            .json(&json!({"item_ids": [ids[2], ids[1], ids[0]]}))
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);

    let response = put(&app, &order_path)
        .by_coordinator()
        .header("If-Match", &tag)
        .json(&json!({"item_ids": [ids[2], ids[0], ids[1]]}))
        .send()
        .await
        .unwrap();
    assert_ne!(response.headers()["etag"].to_str().unwrap(), tag);
    let agenda = json(response, 200).await;
    let order: Vec<(&str, i64)> = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap(),
                i["position"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(order, [("Punkt 3", 1), ("Punkt 1", 2), ("Punkt 2", 3)]);
    let after_meeting = json(app.get(&path).by_coordinator().send().await.unwrap(), 200).await;
    assert!(after_meeting["ical_sequence"].as_i64() > before_meeting["ical_sequence"].as_i64());
    assert!(instant(&after_meeting["updated_at"]) > instant(&before_meeting["updated_at"]));
}

#[actix_web::test]
async fn changes_to_embedded_records_bump_updated_at_of_item_and_meeting() {
    let app = TestApp::spawn().await;
    let id = simple_meeting(&app, 6, true).await;
    let project = crate::helpers::builders::ProjectBuilder::new("DI-9")
        .create(&app)
        .await;
    let item = add_item(
        &app,
        &id,
        json!({"number": "1", "title": "Punkt", "public": true}),
    )
    .await;
    let meeting_path = format!("/api/v1/meetings/{id}");
    let read = |path: String| {
        let app = &app;
        async move { json(app.get(&path).by_coordinator().send().await.unwrap(), 200).await }
    };
    let meeting_before = read(meeting_path.clone()).await;
    let updated = patch_item(
        &app,
        &id,
        item["id"].as_str().unwrap(),
        json!({"project_ids": [project]}),
    )
    .await;
    assert_eq!(updated["projects"][0]["code"], "DI-9");
    assert!(instant(&updated["updated_at"]) > instant(&item["updated_at"]));
    let meeting_after = read(meeting_path.clone()).await;
    assert!(instant(&meeting_after["updated_at"]) > instant(&meeting_before["updated_at"]));

    json(
        put(&app, &format!("{meeting_path}/attendance/{TELGTE}"))
            .bearer_for(TELGTE, &["admin"])
            .json(&json!({"status": "excused"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let meeting_last = read(meeting_path).await;
    assert!(instant(&meeting_last["updated_at"]) > instant(&meeting_after["updated_at"]));
    assert!(meeting_last["ical_sequence"].as_i64() > meeting_after["ical_sequence"].as_i64());
}

#[actix_web::test]
async fn one_organizations_attendance_is_read_and_removed_on_its_own() {
    let app = TestApp::spawn().await;
    let s = sample(&app).await;
    let meeting = &s.meeting;
    let beckum = format!("/api/v1/meetings/{meeting}/attendance/{BECKUM}");

    // Public meeting: anyone reads it, without the names of delegates who did not consent.
    let response = app.get(&beckum).send().await.unwrap();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let record = json(response, 200).await;
    assert_eq!(record["organization"], BECKUM);
    assert_eq!(record["status"], "present");
    assert_eq!(record["delegates"][0]["name"], serde_json::Value::Null);
    let record = json(app.get(&beckum).by_coordinator().send().await.unwrap(), 200).await;
    assert_eq!(record["delegates"][0]["name"], "Max Verborgen");
    for path in [
        format!("/api/v1/meetings/{meeting}/attendance/{OSTBEVERN}"),
        format!(
            "/api/v1/meetings/{}/attendance/{BECKUM}",
            uuid::Uuid::new_v4()
        ),
    ] {
        problem(app.get(&path).send().await.unwrap(), 404).await;
    }

    // Removing it: only Beckum's admin or editor, or the steering office, with If-Match.
    let before = app.trail_counts().await;
    problem(app.delete(&beckum).send().await.unwrap(), 401).await;
    for org in [AHLEN, TELGTE] {
        problem(
            app.delete(&beckum)
                .bearer_for(org, &["admin"])
                .header("if-match", "\"1\"")
                .send()
                .await
                .unwrap(),
            403,
        )
        .await;
    }
    problem(
        app.delete(&beckum)
            .bearer_for(BECKUM, &["viewer"])
            .header("if-match", "\"1\"")
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    let editor = || app.delete(&beckum).bearer_for(BECKUM, &["editor"]);
    problem(editor().send().await.unwrap(), 428).await;
    problem(
        editor().header("if-match", "\"7\"").send().await.unwrap(),
        412,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
    let response = editor().header("if-match", "\"1\"").send().await.unwrap();
    assert_eq!(response.status(), 204);
    let (audits, changes) = app.trail_counts().await;
    assert_eq!((audits, changes), (before.0 + 2, before.1 + 2));
    problem(app.get(&beckum).send().await.unwrap(), 404).await;
    problem(editor().header("if-match", "*").send().await.unwrap(), 404).await;
    let list = json(
        app.get(&format!("/api/v1/meetings/{meeting}/attendance"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let organizations: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["organization"].as_str().unwrap())
        .collect();
    assert_eq!(organizations, [DISTRICT, AHLEN, TELGTE]);

    // Approved minutes freeze the attendance.
    approve(&app, meeting).await;
    let before = app.trail_counts().await;
    problem(
        app.delete(&format!("/api/v1/meetings/{meeting}/attendance/{AHLEN}"))
            .by_coordinator()
            .header("if-match", "*")
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
}
