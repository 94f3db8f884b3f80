use serde_json::json;

use super::*;
use crate::helpers::*;

fn funding_path(project: uuid::Uuid) -> String {
    format!("/api/v1/projects/{project}/funding")
}

#[actix_web::test]
async fn programmes_are_managed_by_the_coordinator() {
    let app = TestApp::spawn().await;
    let id = nrw_programme(&app).await;
    let path = format!("/api/v1/funding-programmes/{id}");
    let programme = app
        .get(&path)
        .bearer_for(AHLEN, &["viewer"])
        .send()
        .await
        .unwrap();
    assert_eq!(programme.headers()["etag"], "\"1\"");
    let programme = json(programme, 200).await;
    assert_eq!(programme["rule"]["type"], "fixed");
    assert_eq!(programme["rule"]["max_rate_bp"], 9000);

    let before = app.trail_counts().await;
    let federal = json!({"name": "Modellprojekte Smart Cities", "funding_body": "federal",
                         "rule": {"type": "rate", "rate_bp": 6500}});
    problem(
        app.post("/api/v1/funding-programmes")
            .json(&federal)
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    problem(
        app.post("/api/v1/funding-programmes")
            .bearer_for(AHLEN, &["admin"])
            .json(&federal)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    let refused = problem(
        app.post("/api/v1/funding-programmes")
            .by_coordinator()
            .json(&json!({"name": "", "funding_body": "federal",
                          "rule": {"type": "rate", "rate_bp": 10_001, "cap_cents": -1}}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let mut found = pointers(&refused);
    found.sort();
    assert_eq!(found, ["/name", "/rule/cap_cents", "/rule/rate_bp"]);
    problem(
        app.patch(&path)
            .by_coordinator()
            .json(&json!({"name": "x"}))
            .send()
            .await
            .unwrap(),
        428,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
    // The name is unique.
    problem(
        app.post("/api/v1/funding-programmes")
            .by_coordinator()
            .json(
                &json!({"name": "interkommunale zusammenarbeit nrw", "funding_body": "state",
                          "rule": {"type": "rate", "rate_bp": 5000}}),
            )
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    let updated = json(
        app.patch(&path)
            .by_coordinator()
            .header("if-match", "\"1\"")
            .json(&json!({"rule": {"type": "rate", "rate_bp": 5000, "cap_cents": 1_000_000}}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(
        updated["rule"],
        json!({"type": "rate", "rate_bp": 5000, "cap_cents": 1_000_000})
    );
    assert_eq!(updated["name"], "Interkommunale Zusammenarbeit NRW");
    let list = json(
        app.get("/api/v1/funding-programmes")
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_grant_reduces_the_own_share_and_never_exceeds_the_eligible_costs() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    add_standard_items(&app, project).await;
    let programme = nrw_programme(&app).await;

    let before = app.trail_counts().await;
    let refused = problem(
        app.post(&funding_path(project))
            .by_coordinator()
            .json(
                &json!({"programme_id": programme, "state": "granted", "granted_cents": 10_000_002,
                          "first_year": 2027, "last_year": 2027}),
            )
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let mut found = pointers(&refused);
    found.sort();
    assert_eq!(found, ["/decision_date", "/granted_cents"]);
    let refused = problem(
        app.post(&funding_path(project))
            .by_coordinator()
            .json(
                &json!({"programme_id": "00000000-0000-0000-0000-000000000000", "state": "planned",
                          "granted_cents": 5, "first_year": 2028, "last_year": 2027}),
            )
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let mut found = pointers(&refused);
    found.sort();
    assert_eq!(found, ["/granted_cents", "/last_year", "/programme_id"]);
    // The lead admin proposes planned or submitted applications only; others may not at all.
    let refused = problem(
        app.post(&funding_path(project))
            .bearer_for(AHLEN, &["admin"])
            .json(
                &json!({"programme_id": programme, "state": "granted", "granted_cents": 5,
                          "decision_date": "2027-01-10", "first_year": 2027, "last_year": 2027}),
            )
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/state"]);
    problem(
        app.post(&funding_path(project))
            .bearer_for(BECKUM, &["admin"])
            .json(&json!({"programme_id": programme, "state": "planned",
                          "first_year": 2027, "last_year": 2027}))
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);

    let proposal = json(
        app.post(&funding_path(project))
            .bearer_for(AHLEN, &["admin"])
            .json(&json!({"programme_id": programme, "state": "submitted", "requested_cents": 9_000_000,
                          "first_year": 2027, "last_year": 2027}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(proposal["proposed_by"], AHLEN);
    let path = format!(
        "{}/{}",
        funding_path(project),
        proposal["id"].as_str().unwrap()
    );

    // Submitted funding counts only in planning views.
    let committed = json(
        app.get(&format!("{}?from=2027&to=2027", allocation_path(project)))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(committed["years"][0]["funding_cents"], 0);
    assert_eq!(committed["years"][0]["own_share_cents"], 10_100_001);

    let granted = json(
        app.patch(&path)
            .by_coordinator()
            .header("if-match", "\"1\"")
            .json(&json!({"state": "granted", "granted_cents": 8_000_000, "decision_date": "2027-03-15",
                          "notice_reference": "ZB 34.2-2027-118"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(granted["state"], "granted");
    let committed = json(
        app.get(&format!("{}?from=2027&to=2028", allocation_path(project)))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(committed["years"][0]["funding_cents"], 8_000_000);
    assert_eq!(committed["years"][0]["own_share_cents"], 2_100_001);
    assert_eq!(committed["years"][1]["own_share_cents"], 100_000);
    // Anonymous callers see totals only.
    assert_eq!(committed["shares_visible"], false);
    assert_eq!(committed["participants"], serde_json::Value::Null);
    assert_eq!(
        committed["years"][0]["shares_cents"],
        serde_json::Value::Null
    );

    let list = json(
        app.get(&funding_path(project))
            .bearer_for(TELGTE, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let deleted = app
        .delete(&path)
        .by_coordinator()
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let committed = json(
        app.get(&format!("{}?from=2027&to=2027", allocation_path(project)))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(committed["years"][0]["funding_cents"], 0);
}
