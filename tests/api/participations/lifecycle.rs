//! The state machine over HTTP: transitions, council resolutions, withdrawal, history, audit.

use serde_json::{Value, json};

use super::*;
use crate::helpers::builders::ProjectBuilder;

#[actix_web::test]
async fn an_admin_takes_a_participation_through_commitment_withdrawal_and_rejoining() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("DI-1").create(&app).await;
    let admin = || Some(token(OSTBEVERN, &["admin"]));

    let response = put(
        &app,
        project,
        OSTBEVERN,
        admin(),
        None,
        &json!({"state": "interested", "contact_role": "Digitalisierungsbeauftragte", "reason": "Vorstellung im Lenkungskreis"}),
    )
    .await;
    assert_eq!(response.headers()["etag"], "\"1\"");
    assert_eq!(
        response.headers()["location"],
        format!("{PUBLIC_URL}/api/v1/projects/{project}/participations/{OSTBEVERN}").as_str()
    );
    let created = json(response, 201).await;
    assert_eq!(created["state"], "interested");
    assert_eq!(created["council_resolution_required"], true);
    assert_eq!(created["project"]["code"], "DI-1");
    assert_eq!(
        created["allowed_next_states"],
        json!(["intends_to_join", "declined"])
    );

    let steps = [
        (
            "\"1\"",
            json!({"state": "intends_to_join", "staff_fte_hundredths": 50}),
        ),
        (
            "\"2\"",
            json!({"state": "council_decision_pending", "staff_fte_hundredths": 50}),
        ),
        (
            "\"3\"",
            json!({"state": "committed", "staff_fte_hundredths": 50, "joined_on": "2025-05-01",
                   "council_resolution": resolution("approved_with_changes"), "reason": "Ratsbeschluss"}),
        ),
    ];
    for (tag, body) in steps {
        json(
            put(&app, project, OSTBEVERN, admin(), Some(tag), &body).await,
            200,
        )
        .await;
    }
    let committed = json(
        app.get(&path(project, OSTBEVERN)).send().await.unwrap(),
        200,
    )
    .await;
    assert_eq!(committed["state"], "committed");
    assert_eq!(committed["version"], 4);
    assert_eq!(committed["staff_fte_hundredths"], 50);
    let resolution = &committed["council_resolutions"][0];
    assert_eq!(resolution["outcome"], "approved_with_changes");
    assert_eq!(resolution["paper_reference"], "V 2025/054");
    assert_eq!(resolution["allocation_snapshot_id"], Value::Null);
    let consultations = resolution["consultations"].as_array().unwrap();
    assert_eq!(consultations.len(), 2);
    assert_eq!(consultations[0]["position"], 1);
    assert_eq!(consultations[0]["role"], "preliminary");
    assert_eq!(consultations[1]["body"], "Gemeinderat Ostbevern");
    assert_eq!(consultations[1]["role"], "decision");

    let withdrawn = json(
        put(
            &app,
            project,
            OSTBEVERN,
            admin(),
            Some("\"4\""),
            &json!({"state": "withdrawn", "joined_on": "2025-05-01", "left_on": "2026-12-31",
                    "withdrawal": {"effective_date": "2026-12-31", "reason": "Haushaltssicherung"}}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(withdrawn["withdrawal"]["reason"], "Haushaltssicherung");
    assert_eq!(withdrawn["allowed_next_states"], json!(["interested"]));

    // Rejoining starts again at interested; intends_to_join is refused.
    let skip = problem(
        put(
            &app,
            project,
            OSTBEVERN,
            admin(),
            Some("\"5\""),
            &json!({"state": "intends_to_join"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(skip["allowed_next_states"], json!(["interested"]));
    let rejoined = json(
        put(
            &app,
            project,
            OSTBEVERN,
            admin(),
            Some("\"5\""),
            &json!({"state": "interested", "reason": "Neuer Anlauf"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(rejoined["withdrawal"], Value::Null);
    assert_eq!(
        rejoined["council_resolutions"].as_array().unwrap().len(),
        1,
        "resolutions stay"
    );

    let history = history(&app, project, OSTBEVERN).await;
    let moves: Vec<(Value, Value)> = history
        .iter()
        .map(|h| (h["from_state"].clone(), h["to_state"].clone()))
        .collect();
    assert_eq!(
        moves,
        [
            (Value::Null, json!("interested")),
            (json!("interested"), json!("intends_to_join")),
            (json!("intends_to_join"), json!("council_decision_pending")),
            (json!("council_decision_pending"), json!("committed")),
            (json!("committed"), json!("withdrawn")),
            (json!("withdrawn"), json!("interested")),
        ]
    );
    assert_eq!(history[0]["reason"], "Vorstellung im Lenkungskreis");
    assert_eq!(history[3]["council_resolution_id"], resolution["id"]);
    assert_eq!(history[5]["reason"], "Neuer Anlauf");
    for entry in &history {
        assert_eq!(entry["actor"]["organization"], OSTBEVERN);
        assert_eq!(entry["actor"]["subject"], format!("tester@{OSTBEVERN}"));
        assert_eq!(entry["on_behalf_of"], Value::Null);
    }

    let audits = audit_entries(&app, "participation").await;
    let actions: Vec<&str> = audits
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "participation.created",
            "participation.updated",
            "participation.updated",
            "participation.updated",
            "participation.updated",
            "participation.updated"
        ]
    );
    assert_eq!(audits[3]["before"]["state"], "council_decision_pending");
    assert_eq!(audits[3]["after"]["state"], "committed");
    assert!(audits.iter().all(|a| a["organization"] == OSTBEVERN));
    let resolutions = audit_entries(&app, "council_resolution").await;
    assert_eq!(resolutions.len(), 1);
    assert_eq!(resolutions[0]["entity_id"], resolution["id"]);
}

#[actix_web::test]
async fn committing_needs_an_approving_resolution_when_one_is_required() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("DI-2").create(&app).await;
    record(&app, project, AHLEN, json!({"state": "intends_to_join"})).await;
    record(
        &app,
        project,
        AHLEN,
        json!({"state": "council_decision_pending"}),
    )
    .await;
    let tag = etag(&app, project, AHLEN).await;
    let before = app.trail_counts().await;

    // Missing.
    let missing = problem(
        put(
            &app,
            project,
            AHLEN,
            Some(coordinator()),
            Some(&tag),
            &json!({"state": "committed"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(pointers(&missing), ["/council_resolution"]);
    // Rejected resolution with committed.
    let rejected = problem(
        put(
            &app,
            project,
            AHLEN,
            Some(coordinator()),
            Some(&tag),
            &json!({"state": "committed", "council_resolution": resolution("rejected")}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(pointers(&rejected), ["/state"]);
    assert!(rejected["detail"].as_str().unwrap().contains("declined"));
    // An approving resolution cannot keep the participation pending.
    let pending = problem(
        put(&app, project, AHLEN, Some(coordinator()), Some(&tag),
            &json!({"state": "council_decision_pending", "council_resolution": resolution("approved")})).await,
        422,
    )
    .await;
    assert_eq!(pointers(&pending), ["/state"]);
    assert_eq!(app.trail_counts().await, before);
    assert_eq!(history(&app, project, AHLEN).await.len(), 2);

    // Approved.
    let committed = json(
        put(
            &app,
            project,
            AHLEN,
            Some(coordinator()),
            Some(&tag),
            &json!({"state": "committed", "council_resolution": resolution("approved")}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(committed["state"], "committed");
    // Editing a committed participation in place needs no new resolution.
    let edited = record(
        &app,
        project,
        AHLEN,
        json!({"state": "committed", "staff_fte_hundredths": 25}),
    )
    .await;
    assert_eq!(edited["staff_fte_hundredths"], 25);
    assert_eq!(edited["state"], "committed");
}

#[actix_web::test]
async fn a_rejected_resolution_moves_the_participation_to_declined() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("DI-3").create(&app).await;
    record(&app, project, BECKUM, json!({"state": "intends_to_join"})).await;
    record(
        &app,
        project,
        BECKUM,
        json!({"state": "council_decision_pending"}),
    )
    .await;
    let declined = record(
        &app,
        project,
        BECKUM,
        json!({"state": "declined", "council_resolution": resolution("rejected"), "reason": "Rat lehnt ab"}),
    )
    .await;
    assert_eq!(declined["state"], "declined");
    assert_eq!(declined["council_resolutions"][0]["outcome"], "rejected");
    assert_eq!(declined["allowed_next_states"], json!(["interested"]));
    let last = history(&app, project, BECKUM).await.pop().unwrap();
    assert_eq!(last["to_state"], "declined");
    assert_eq!(
        last["council_resolution_id"],
        declined["council_resolutions"][0]["id"]
    );
}

#[actix_web::test]
async fn without_a_required_resolution_an_organization_commits_directly() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("DI-4").create(&app).await;
    // The gfw decides without a council.
    let gfw = record(&app, project, GFW, json!({"state": "intends_to_join"})).await;
    assert_eq!(gfw["council_resolution_required"], false);
    let committed = json(
        put(
            &app,
            project,
            GFW,
            Some(token(GFW, &["admin"])),
            Some("\"1\""),
            &json!({"state": "committed"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(committed["state"], "committed");
    assert_eq!(committed["council_resolutions"], json!([]));

    // A town's admin may waive the resolution for its own participation.
    let admin = || Some(token(TELGTE, &["admin"]));
    json(
        put(
            &app,
            project,
            TELGTE,
            admin(),
            None,
            &json!({"state": "intends_to_join", "council_resolution_required": false}),
        )
        .await,
        201,
    )
    .await;
    let telgte = json(
        put(
            &app,
            project,
            TELGTE,
            admin(),
            Some("\"1\""),
            &json!({"state": "committed"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        telgte["council_resolution_required"], false,
        "absent keeps the value"
    );
    assert_eq!(telgte["state"], "committed");
}

#[actix_web::test]
async fn moves_outside_the_table_are_409_with_the_allowed_next_states() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("DI-5").create(&app).await;
    let before = app.trail_counts().await;
    for state in ["council_decision_pending", "committed", "withdrawn"] {
        let body = if state == "withdrawn" {
            json!({"state": state, "withdrawal": {"effective_date": "2026-01-01", "reason": "x"}})
        } else {
            json!({"state": state})
        };
        let refused = problem(
            put(&app, project, AHLEN, Some(coordinator()), None, &body).await,
            409,
        )
        .await;
        assert_eq!(
            refused["allowed_next_states"],
            json!(["interested", "intends_to_join", "declined"])
        );
        assert_eq!(refused["current_state"], Value::Null);
    }
    commit(&app, project, AHLEN).await;
    let tag = etag(&app, project, AHLEN).await;
    let counts = app.trail_counts().await;
    assert!(counts.0 > before.0);
    for state in [
        "interested",
        "intends_to_join",
        "council_decision_pending",
        "declined",
    ] {
        let refused = problem(
            put(
                &app,
                project,
                AHLEN,
                Some(coordinator()),
                Some(&tag),
                &json!({"state": state}),
            )
            .await,
            409,
        )
        .await;
        assert_eq!(
            refused["allowed_next_states"],
            json!(["withdrawn"]),
            "{state}"
        );
        assert_eq!(refused["current_state"], "committed");
    }
    assert_eq!(app.trail_counts().await, counts);
    assert_eq!(history(&app, project, AHLEN).await.len(), 3);
}

#[actix_web::test]
async fn a_withdrawal_needs_an_effective_date_and_a_reason() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("DI-6").create(&app).await;
    commit(&app, project, AHLEN).await;
    let tag = etag(&app, project, AHLEN).await;
    let before = app.trail_counts().await;
    let missing = problem(
        put(
            &app,
            project,
            AHLEN,
            Some(coordinator()),
            Some(&tag),
            &json!({"state": "withdrawn"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(pointers(&missing), ["/withdrawal"]);
    let no_date = problem(
        put(
            &app,
            project,
            AHLEN,
            Some(coordinator()),
            Some(&tag),
            &json!({"state": "withdrawn", "withdrawal": {"reason": "x"}}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(pointers(&no_date), ["/withdrawal"]);
    let blank_reason = problem(
        put(&app, project, AHLEN, Some(coordinator()), Some(&tag),
            &json!({"state": "withdrawn", "withdrawal": {"effective_date": "2026-12-31", "reason": "  "}})).await,
        422,
    )
    .await;
    assert_eq!(pointers(&blank_reason), ["/withdrawal/reason"]);
    let not_withdrawing = problem(
        put(&app, project, AHLEN, Some(coordinator()), Some(&tag),
            &json!({"state": "committed", "withdrawal": {"effective_date": "2026-12-31", "reason": "x"}})).await,
        422,
    )
    .await;
    assert_eq!(pointers(&not_withdrawing), ["/withdrawal"]);
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn validation_names_every_invalid_field() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("DI-7").create(&app).await;
    let before = app.trail_counts().await;
    let body = json!({
        "state": "committed",
        "staff_fte_hundredths": 10001,
        "contact_role": "",
        "note": "x".repeat(4001),
        "joined_on": "2025-05-01",
        "left_on": "2025-04-01",
        "reason": "",
        "council_resolution": {
            "deciding_body": "",
            "decided_on": "2999-01-01",
            "paper_reference": "",
            "outcome": "approved",
            "url": "ftp://ratsinfo",
            "consultations": [
                {"body": "Rat", "held_on": "2025-04-08", "role": "decision", "result": "ja"},
                {"body": "", "held_on": "2025-04-01", "role": "preliminary", "result": ""}
            ]
        }
    });
    let refused = problem(
        put(&app, project, AHLEN, Some(coordinator()), None, &body).await,
        422,
    )
    .await;
    let mut found = pointers(&refused);
    found.sort();
    let mut expected = vec![
        "/staff_fte_hundredths",
        "/contact_role",
        "/note",
        "/left_on",
        "/reason",
        "/council_resolution/deciding_body",
        "/council_resolution/decided_on",
        "/council_resolution/paper_reference",
        "/council_resolution/url",
        "/council_resolution/consultations/1/body",
        "/council_resolution/consultations/1/result",
        "/council_resolution/consultations/1/held_on",
    ];
    expected.sort();
    assert_eq!(found, expected);

    for (body, pointer) in [
        (json!({"state": "joined"}), "/state"),
        (json!({"state": "interested", "colour": "red"}), ""),
        (
            json!({"state": "interested", "council_resolution": {"outcome": "maybe"}}),
            "/council_resolution",
        ),
        (json!({}), ""),
    ] {
        let refused = problem(
            put(&app, project, AHLEN, Some(coordinator()), None, &body).await,
            422,
        )
        .await;
        assert!(
            pointers(&refused)[0].starts_with(pointer),
            "{body}: {refused}"
        );
    }
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn unknown_projects_organizations_and_participations_are_404() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("DI-8").create(&app).await;
    let nowhere = uuid::Uuid::new_v4();
    let before = app.trail_counts().await;
    let body = json!({"state": "interested"});
    problem(
        put(&app, nowhere, AHLEN, Some(coordinator()), None, &body).await,
        404,
    )
    .await;
    problem(
        put(&app, project, "05579999", Some(coordinator()), None, &body).await,
        404,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
    for url in [
        format!("/api/v1/projects/{nowhere}/participations"),
        path(nowhere, AHLEN),
        path(project, AHLEN),
        format!("{}/history", path(project, AHLEN)),
        format!("{}/history", path(nowhere, AHLEN)),
        "/api/v1/organizations/05579999/participations".to_owned(),
    ] {
        problem(app.get(&url).send().await.unwrap(), 404).await;
    }
    problem(
        app.get("/api/v1/projects/not-a-uuid/participations")
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
}

#[actix_web::test]
async fn history_and_resolutions_cannot_be_rewritten() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("DI-9").create(&app).await;
    commit(&app, project, AHLEN).await;
    let mut conn = app.conn().await;
    // Even with an actor named, so that only the append-only rule can refuse.
    diesel::sql_query("SELECT set_config('smartregion.actor', 'forger', false)")
        .execute(&mut conn)
        .await
        .unwrap();
    for statement in [
        "UPDATE participation_history SET reason = 'forged'",
        "DELETE FROM participation_history",
        "UPDATE council_resolutions SET outcome = 'rejected'",
        "DELETE FROM council_consultations",
    ] {
        let error = diesel::sql_query(statement)
            .execute(&mut conn)
            .await
            .expect_err(statement)
            .to_string();
        assert!(error.contains("append-only"), "{statement}: {error}");
    }
}
