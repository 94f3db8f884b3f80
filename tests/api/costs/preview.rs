use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

fn preview_path(project: uuid::Uuid) -> String {
    format!("/api/v1/projects/{project}/allocation/preview")
}

/// A preview as the lead organization's viewer, who sees every share.
async fn preview(app: &TestApp, project: uuid::Uuid, body: Value) -> Value {
    json(
        app.post(&preview_path(project))
            .bearer_for(AHLEN, &["viewer"])
            .json(&body)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

#[actix_web::test]
async fn what_if_telgte_joins_answers_exactly_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    add_standard_items(&app, project).await;
    put_key(&app, project, json!({"type": "equal"})).await;
    let programme = nrw_programme(&app).await;
    json(
        app.post(&format!("/api/v1/projects/{project}/funding"))
            .by_coordinator()
            .json(&json!({"programme_id": programme, "state": "planned",
                          "first_year": 2027, "last_year": 2027}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let before = app.trail_counts().await;

    let two = preview(
        &app,
        project,
        json!({"participants": [AHLEN, BECKUM], "include_pending": true}),
    )
    .await;
    assert_eq!(two["status"], "complete");
    assert_eq!(two["key_version"], 1);
    assert_eq!(two["participants"][0]["state"], "hypothetical");
    assert_sums(&two);
    // Two partners: 175,000 EUR, but at most 90 % of 100,000.01 EUR = 90,000.00 EUR.
    assert_eq!(two["years"][0]["funding_cents"], 9_000_000);
    assert_eq!(two["years"][0]["shares_cents"][AHLEN], 550_001);
    assert_eq!(two["years"][0]["shares_cents"][BECKUM], 550_000);

    let three = preview(
        &app,
        project,
        json!({"participants": [AHLEN, BECKUM, TELGTE], "include_pending": true, "from": 2027, "to": 2030}),
    )
    .await;
    assert_sums(&three);
    assert_eq!(three["years"].as_array().unwrap().len(), 4);
    assert_eq!(three["years"][0]["shares_cents"][TELGTE], 366_667);
    assert_eq!(three["years"][3]["own_share_cents"], 0);
    assert_eq!(three["years"][3]["shares_cents"][TELGTE], 0);

    // Without include_pending only granted funding counts.
    let committed = preview(&app, project, json!({"participants": [AHLEN, BECKUM]})).await;
    assert_eq!(committed["years"][0]["funding_cents"], 0);
    assert_sums(&committed);

    // Another key: population on 2023-12-31, for which Ahlen and Telgte have figures.
    let by_population = preview(
        &app,
        project,
        json!({"participants": [AHLEN, TELGTE],
               "key": {"type": "population", "population_date": "2023-12-31"}}),
    )
    .await;
    assert_sums(&by_population);
    assert_eq!(by_population["key_version"], Value::Null);
    assert_eq!(by_population["population_date"], "2023-12-31");
    assert_eq!(by_population["participants"][0]["population"], 53278);
    // 10,100,001 · 53278 / 73579 = 7,313,334.69…, Telgte 2,786,666.30…: the cent goes to Ahlen.
    assert_eq!(by_population["years"][0]["shares_cents"][AHLEN], 7_313_335);
    assert_eq!(by_population["years"][0]["shares_cents"][TELGTE], 2_786_666);

    // A fixed-percentage key that does not name the participants does not fit.
    let misfit = preview(
        &app,
        project,
        json!({"participants": [AHLEN, TELGTE],
               "key": {"type": "fixed_percentages", "basis_points": {AHLEN: 5000, BECKUM: 5000}}}),
    )
    .await;
    assert_eq!(misfit["status"], "key_does_not_fit");
    assert!(
        misfit["problem"].as_str().unwrap().contains(BECKUM),
        "{misfit}"
    );
    assert_eq!(misfit["years"][0]["shares_cents"], Value::Null);
    assert_eq!(misfit["years"][0]["own_share_cents"], 10_100_001);

    assert_eq!(app.trail_counts().await, before, "a preview writes nothing");
}

#[actix_web::test]
async fn preview_refusals() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    add_standard_items(&app, project).await;
    problem(
        app.post(&preview_path(project))
            .json(&json!({"participants": [AHLEN]}))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    problem(
        app.post("/api/v1/projects/00000000-0000-0000-0000-000000000000/allocation/preview")
            .bearer_for(AHLEN, &["viewer"])
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    // Unknown and repeated participants; Beckum has no population figure for 2023-12-31.
    let refused = problem(
        app.post(&preview_path(project))
            .bearer_for(AHLEN, &["viewer"])
            .json(&json!({"participants": [AHLEN, "05579999", AHLEN, BECKUM],
                          "key": {"type": "population", "population_date": "2023-12-31"}}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let mut found = pointers(&refused);
    found.sort();
    assert_eq!(found, ["/participants/1", "/participants/2"]);
    let refused = problem(
        app.post(&preview_path(project))
            .bearer_for(AHLEN, &["viewer"])
            .json(&json!({"participants": [AHLEN, BECKUM],
                          "key": {"type": "population", "population_date": "2023-12-31"}}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/key/population_date"]);
    assert!(
        refused["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains(BECKUM)
    );
    problem(
        app.post(&preview_path(project))
            .bearer_for(AHLEN, &["viewer"])
            .json(&json!({"participants": [AHLEN], "from": 2030, "to": 2027}))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    // Without a key the preview says so, with the totals.
    let no_key = json(
        app.post(&preview_path(project))
            .bearer_for(AHLEN, &["viewer"])
            .json(&json!({"participants": [AHLEN]}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(no_key["status"], "no_cost_key");
    assert_eq!(no_key["years"].as_array().unwrap().len(), 3);
}
