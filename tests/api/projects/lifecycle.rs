//! The lifecycle over HTTP: transitions, refusals with the allowed next states, history.

use serde_json::{Value, json};
use smartregion::domain::lifecycle::ProjectStatus;

use super::{Who, assert_refused, led_project};
use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;

async fn move_to(app: &TestApp, path: &str, status: &str, reason: &str) -> reqwest::Response {
    app.post(&format!("{path}/status"))
        .by_coordinator()
        .json(&json!({"status": status, "reason": reason}))
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_project_walks_its_lifecycle_and_the_history_keeps_every_step() {
    let app = TestApp::spawn().await;
    let id = led_project(&app, "LC-1", AHLEN).await;
    let path = format!("/api/v1/projects/{id}");

    // A skipped step is 409 with the allowed next states, and writes nothing.
    let before = app.trail_counts().await;
    let refused = problem(move_to(&app, &path, "completed", "zu früh").await, 409).await;
    assert_eq!(refused["current_status"], "idea");
    assert_eq!(
        refused["allowed_next_states"],
        json!(["planned", "discarded"])
    );
    assert_eq!(app.trail_counts().await, before);

    for (to, reason) in [
        ("planned", "Konzept steht"),
        ("on_hold", "Förderung abgelehnt"),
    ] {
        let body = json(move_to(&app, &path, to, reason).await, 200).await;
        assert_eq!(body["status"], to);
    }
    // Held from planned, it resumes to planned only.
    let refused = problem(move_to(&app, &path, "approved", "").await, 409).await;
    assert_eq!(
        refused["allowed_next_states"],
        json!(["planned", "discarded"])
    );
    for to in ["planned", "approved", "in_implementation", "on_hold"] {
        json(move_to(&app, &path, to, "").await, 200).await;
    }
    let refused = problem(move_to(&app, &path, "planned", "").await, 409).await;
    assert_eq!(
        refused["allowed_next_states"],
        json!(["in_implementation", "discarded"])
    );
    for to in ["in_implementation", "completed"] {
        json(move_to(&app, &path, to, "").await, 200).await;
    }
    let refused = problem(move_to(&app, &path, "discarded", "").await, 409).await;
    assert_eq!(refused["current_status"], "completed");
    assert_eq!(refused["allowed_next_states"], json!([]));

    // If-Match is optional here, but honoured when sent.
    problem(
        app.post(&format!("{path}/status"))
            .by_coordinator()
            .header("if-match", "\"1\"")
            .json(&json!({"status": "discarded"}))
            .send()
            .await
            .unwrap(),
        412,
    )
    .await;

    let history = json(
        app.get(&format!("{path}/status-history?limit=200"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let steps: Vec<(Value, Value)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["from_status"].clone(), c["to_status"].clone()))
        .collect();
    let expected: Vec<(Value, Value)> = [
        (None, "idea"),
        (Some("idea"), "planned"),
        (Some("planned"), "on_hold"),
        (Some("on_hold"), "planned"),
        (Some("planned"), "approved"),
        (Some("approved"), "in_implementation"),
        (Some("in_implementation"), "on_hold"),
        (Some("on_hold"), "in_implementation"),
        (Some("in_implementation"), "completed"),
    ]
    .into_iter()
    .map(|(from, to)| (json!(from), json!(to)))
    .collect();
    assert_eq!(steps, expected);
    assert_eq!(history["items"][2]["reason"], "Förderung abgelehnt");
    assert_eq!(history["items"][2]["changed_by_organization"], DISTRICT);
    // The token subject is personal data: members only.
    assert!(history["items"][2].get("changed_by").is_none());
    let as_member = json(
        app.get(&format!("{path}/status-history"))
            .bearer_for(BECKUM, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(
        as_member["items"][2]["changed_by"],
        format!("tester@{DISTRICT}")
    );
    // Paged by id.
    let page = json(
        app.get(&format!("{path}/status-history?limit=4"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 4);
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = json(
        app.get(&format!("{path}/status-history?limit=10&cursor={cursor}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 5);
    assert_eq!(rest["items"][0]["to_status"], "approved");
}

#[actix_web::test]
async fn every_pair_of_states_over_http_matches_the_lifecycle_table() {
    let app = TestApp::spawn().await;
    let mut n = 0;
    for from in ProjectStatus::ALL {
        for to in ProjectStatus::ALL {
            n += 1;
            let id = ProjectBuilder::new(&format!("PAIR-{n}"))
                .status(from.as_str())
                .create(&app)
                .await;
            let path = format!("/api/v1/projects/{id}");
            let allowed = from.allowed_next(None);
            let response = move_to(&app, &path, to.as_str(), "").await;
            if allowed.contains(&to) {
                assert_eq!(json(response, 200).await["status"], to.as_str());
            } else {
                let refused = problem(response, 409).await;
                assert_eq!(
                    refused["current_status"],
                    from.as_str(),
                    "{from:?} -> {to:?}"
                );
                assert_eq!(
                    refused["allowed_next_states"],
                    json!(allowed),
                    "{from:?} -> {to:?}"
                );
            }
        }
    }
    assert_eq!(n, 49);
}

#[actix_web::test]
async fn transition_bodies_are_validated() {
    let app = TestApp::spawn().await;
    let id = led_project(&app, "LC-1", AHLEN).await;
    let path = format!("/api/v1/projects/{id}/status");
    for (body, pointer) in [
        (json!({"status": "done"}), "/status"),
        (json!({}), ""),
        (
            json!({"status": "planned", "reason": "x".repeat(1001)}),
            "/reason",
        ),
        (json!({"status": "planned", "by": "me"}), ""),
    ] {
        let before = app.trail_counts().await;
        let p = problem(
            app.post(&path)
                .by_coordinator()
                .json(&body)
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        if !pointer.is_empty() {
            assert_eq!(pointers(&p), [pointer], "{body}");
        }
        assert_eq!(app.trail_counts().await, before);
    }
    assert_refused(
        &app,
        "status by the lead",
        || app.post(&path).json(&json!({"status": "planned"})),
        &[(Who::Org(AHLEN, "admin"), 403)],
    )
    .await;
}
