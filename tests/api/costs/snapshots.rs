use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

use super::*;
use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;

fn snapshots_path(project: uuid::Uuid) -> String {
    format!("/api/v1/projects/{project}/allocation/snapshots")
}

#[actix_web::test]
async fn a_snapshot_keeps_what_the_council_saw_and_a_resolution_refers_to_it() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    add_standard_items(&app, project).await;
    set_state(&app, project, AHLEN, "committed").await;
    set_state(&app, project, BECKUM, "council_decision_pending").await;

    // Not complete yet (no key): nothing to freeze.
    let before = app.trail_counts().await;
    let body = json!({"label": "Vorlage Rat Beckum V 2027/014", "include_pending": true});
    problem(
        app.post(&snapshots_path(project))
            .by_coordinator()
            .json(&body)
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    problem(
        app.post(&snapshots_path(project))
            .json(&body)
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    problem(
        app.post(&snapshots_path(project))
            .bearer_for(AHLEN, &["admin"])
            .json(&body)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    let refused = problem(
        app.post(&snapshots_path(project))
            .by_coordinator()
            .json(&json!({"label": " "}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/label"]);
    assert_eq!(app.trail_counts().await, before);

    put_key(&app, project, json!({"type": "equal"})).await;
    let response = app
        .post(&snapshots_path(project))
        .by_coordinator()
        .json(&body)
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap();
    // Absolute (`SMARTREGION_PUBLIC_URL`); the test app is reached by its path.
    let location = location.strip_prefix(PUBLIC_URL).unwrap().to_owned();
    let snapshot = json(response, 201).await;
    assert_eq!(snapshot["key_version"], 1);
    assert_eq!(snapshot["from"], 2027);
    assert_eq!(snapshot["to"], 2029);
    assert_eq!(snapshot["participants"][1]["organization_key"], BECKUM);
    assert_eq!(
        snapshot["participants"][1]["state"],
        "council_decision_pending"
    );
    assert_eq!(snapshot["years"][0]["shares_cents"][BECKUM], 5_050_000);
    let sid = snapshot["id"].as_str().unwrap().to_owned();

    // Later changes do not touch it.
    add_item(
        &app,
        project,
        json!({"category": "personnel", "recurrence": "one_off", "fiscal_year": 2027,
               "amount_cents": 1_000_000, "eligible_for_funding": false, "basis": "estimate",
               "description": "Projektleitung"}),
    )
    .await;
    put_key(
        &app,
        project,
        json!({"type": "custom_weights", "weights": {AHLEN: 3, BECKUM: 1}}),
    )
    .await;
    let read = json(
        app.get(&location)
            .bearer_for(BECKUM, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(read["years"], snapshot["years"]);
    assert_eq!(read["key_version"], 1);
    let mut conn = app.conn().await;
    let rewrite = diesel::sql_query("UPDATE allocation_snapshots SET label = 'anders'")
        .execute(&mut conn)
        .await;
    assert!(rewrite.is_err(), "snapshots are append-only");

    // Readers: the participants and the steering office.
    problem(
        app.get(&location)
            .bearer_for(OSTBEVERN, &["admin"])
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    problem(app.get(&location).send().await.unwrap(), 401).await;
    problem(
        app.get(&format!(
            "{}/00000000-0000-0000-0000-000000000000",
            snapshots_path(project)
        ))
        .by_coordinator()
        .send()
        .await
        .unwrap(),
        404,
    )
    .await;
    let list = json(
        app.get(&snapshots_path(project))
            .bearer_for(AHLEN, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Beckum's council approves the frozen numbers.
    let resolution = |snapshot: &str| {
        json!({"state": "committed", "council_resolution": {
            "deciding_body": "Rat der Stadt Beckum", "decided_on": "2026-03-10",
            "paper_reference": "V 2027/014", "outcome": "approved",
            "allocation_snapshot_id": snapshot}})
    };
    let etag = app
        .get(&participation_path(project, BECKUM))
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let other = ProjectBuilder::new("SR-9").create(&app).await;
    let foreign = {
        add_standard_items(&app, other).await;
        put_key(&app, other, json!({"type": "equal"})).await;
        set_state(&app, other, AHLEN, "committed").await;
        let s = json(
            app.post(&snapshots_path(other))
                .by_coordinator()
                .json(&json!({"label": "anderes Projekt"}))
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        s["id"].as_str().unwrap().to_owned()
    };
    let refused = problem(
        app.request(reqwest::Method::PUT, &participation_path(project, BECKUM))
            .by_coordinator()
            .header("if-match", &etag)
            .json(&resolution(&foreign))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(
        pointers(&refused),
        ["/council_resolution/allocation_snapshot_id"]
    );
    let committed: Value = json(
        app.request(reqwest::Method::PUT, &participation_path(project, BECKUM))
            .by_coordinator()
            .header("if-match", &etag)
            .json(&resolution(&sid))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(committed["state"], "committed");
    let stored: Vec<Option<uuid::Uuid>> = {
        use diesel::QueryDsl;
        use smartregion::db::schema::council_resolutions;
        council_resolutions::table
            .select(council_resolutions::allocation_snapshot_id)
            .load(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(stored, [Some(sid.parse().unwrap())]);
}
