use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

async fn allocation(
    app: &TestApp,
    project: uuid::Uuid,
    query: &str,
    token: Option<String>,
) -> Value {
    let mut request = app.get(&format!("{}{query}", allocation_path(project)));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    json(request.send().await.unwrap(), 200).await
}

fn shares(allocation: &Value, year: usize) -> Vec<(String, i64)> {
    allocation["years"][year]["shares_cents"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
        .collect()
}

#[actix_web::test]
async fn shares_follow_opt_ins_and_withdrawals_and_are_shown_only_to_those_taking_part() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    add_standard_items(&app, project).await;
    put_key(&app, project, json!({"type": "equal"})).await;
    set_state(&app, project, AHLEN, "committed").await;
    set_state(&app, project, BECKUM, "committed").await;
    set_state(&app, project, TELGTE, "council_decision_pending").await;

    let committed = allocation(&app, project, "", Some(coordinator())).await;
    assert_eq!(committed["status"], "complete");
    assert_eq!(committed["key_version"], 1);
    assert_eq!(committed["include_pending"], false);
    assert_eq!(committed["years"].as_array().unwrap().len(), 3);
    assert_sums(&committed);
    assert_eq!(
        shares(&committed, 0),
        [
            (AHLEN.to_owned(), 5_050_001),
            (BECKUM.to_owned(), 5_050_000)
        ]
    );
    assert_eq!(committed["participants"][1]["state"], "committed");

    let planning = allocation(&app, project, "?include=pending", Some(coordinator())).await;
    assert_sums(&planning);
    assert_eq!(planning["participants"].as_array().unwrap().len(), 3);
    assert_eq!(
        planning["participants"][2]["state"],
        "council_decision_pending"
    );
    assert_eq!(planning["years"][0]["shares_cents"][TELGTE], 3_366_667);

    // Totals for everyone; shares for the steering office, the lead and the participants.
    for token in [None, Some(token(OSTBEVERN, &["admin"]))] {
        let seen = allocation(&app, project, "?include=pending", token).await;
        assert_eq!(seen["shares_visible"], false);
        assert_eq!(seen["participants"], Value::Null);
        assert_eq!(seen["years"][0]["shares_cents"], Value::Null);
        assert_eq!(seen["years"][0]["own_share_cents"], 10_100_001);
    }
    for org in [TELGTE, BECKUM, AHLEN] {
        let seen = allocation(&app, project, "", Some(token(org, &["viewer"]))).await;
        assert_eq!(seen["shares_visible"], true, "{org}");
        assert_sums(&seen);
    }

    // Beckum withdraws: Ahlen pays alone until Telgte's council decides.
    set_state(&app, project, BECKUM, "withdrawn").await;
    let committed = allocation(&app, project, "?from=2027&to=2027", Some(coordinator())).await;
    assert_eq!(shares(&committed, 0), [(AHLEN.to_owned(), 10_100_001)]);
    set_state(&app, project, TELGTE, "committed").await;
    let committed = allocation(&app, project, "?from=2026&to=2027", Some(coordinator())).await;
    assert_eq!(committed["years"][0]["total_cents"], 0);
    assert_eq!(
        shares(&committed, 0),
        [(AHLEN.to_owned(), 0), (TELGTE.to_owned(), 0)]
    );
    assert_eq!(
        shares(&committed, 1),
        [
            (AHLEN.to_owned(), 5_050_001),
            (TELGTE.to_owned(), 5_050_000)
        ]
    );

    // A fixed-percentage key that names a withdrawn organization does not fit any more.
    put_key(
        &app,
        project,
        json!({"type": "fixed_percentages", "basis_points": {AHLEN: 6000, BECKUM: 4000}}),
    )
    .await;
    let misfit = allocation(&app, project, "", Some(coordinator())).await;
    assert_eq!(misfit["status"], "key_does_not_fit");
    assert_eq!(misfit["key_version"], 2);
    assert!(misfit["problem"].as_str().unwrap().contains(BECKUM));
    assert_eq!(misfit["years"][0]["shares_cents"], Value::Null);
    put_key(
        &app,
        project,
        json!({"type": "fixed_percentages", "basis_points": {AHLEN: 6000, TELGTE: 4000},
               "caps_cents": {AHLEN: 3_000_000}}),
    )
    .await;
    let capped = allocation(&app, project, "?from=2027&to=2027", Some(coordinator())).await;
    assert_eq!(capped["status"], "complete");
    assert_eq!(
        shares(&capped, 0),
        [
            (AHLEN.to_owned(), 3_000_000),
            (TELGTE.to_owned(), 7_100_001)
        ]
    );
}

#[actix_web::test]
async fn population_keys_use_the_figures_of_their_reference_date() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    add_standard_items(&app, project).await;
    set_state(&app, project, AHLEN, "committed").await;
    set_state(&app, project, BECKUM, "council_decision_pending").await;
    // Beckum's figure is for 2022-12-31; a key on 2023-12-31 misses it.
    let before = app.trail_counts().await;
    let refused = problem(
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/projects/{project}/cost-key"),
        )
        .by_coordinator()
        .json(&json!({"type": "population", "population_date": "2023-12-31"}))
        .send()
        .await
        .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/population_date"]);
    assert!(
        refused["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains(BECKUM)
    );
    assert_eq!(app.trail_counts().await, before);

    // With a district share the district pays first and needs no figure.
    set_state(&app, project, DISTRICT, "committed").await;
    json(
        app.patch(&format!("/api/v1/organizations/{BECKUM}"))
            .by_coordinator()
            .header("if-match", "*")
            .json(&json!({"population": {"value": 37_000, "reference_date": "2023-12-31"}}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    put_key(
        &app,
        project,
        json!({"type": "population", "population_date": "2023-12-31", "district_share_bp": 2500}),
    )
    .await;
    let planning = allocation(
        &app,
        project,
        "?include=pending&from=2028&to=2028",
        Some(coordinator()),
    )
    .await;
    assert_eq!(planning["status"], "complete");
    assert_eq!(planning["population_date"], "2023-12-31");
    assert_sums(&planning);
    let populations: Vec<Value> = planning["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["population"].clone())
        .collect();
    assert_eq!(populations, [json!(null), json!(53278), json!(37000)]);
    // 1,000 EUR: the district 250 EUR, the rest 53278 : 37000 = 442.6161… : 307.3838….
    assert_eq!(
        shares(&planning, 0),
        [
            (DISTRICT.to_owned(), 25_000),
            (AHLEN.to_owned(), 44_262),
            (BECKUM.to_owned(), 30_738)
        ]
    );

    // Ostbevern joins without a figure for 2023-12-31: the key does not fit any more ...
    set_state(&app, project, OSTBEVERN, "council_decision_pending").await;
    let planning_path = "?include=pending&from=2028&to=2028";
    let misfit = allocation(&app, project, planning_path, Some(coordinator())).await;
    assert_eq!(misfit["status"], "key_does_not_fit");
    assert!(misfit["problem"].as_str().unwrap().contains(OSTBEVERN));
    // ... until the steering office records the figure: the shares follow at once.
    json(
        app.patch(&format!("/api/v1/organizations/{OSTBEVERN}"))
            .by_coordinator()
            .header("if-match", "*")
            .json(&json!({"population": {"value": 11_200, "reference_date": "2023-12-31"}}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let planning = allocation(&app, project, planning_path, Some(coordinator())).await;
    assert_eq!(planning["status"], "complete");
    assert_sums(&planning);
    // The rest, 750 EUR, split 53278 : 37000 : 11200.
    assert_eq!(
        shares(&planning, 0),
        [
            (DISTRICT.to_owned(), 25_000),
            (AHLEN.to_owned(), 39_376),
            (BECKUM.to_owned(), 27_346),
            (OSTBEVERN.to_owned(), 8_278)
        ]
    );
}

#[actix_web::test]
async fn allocation_refusals() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    problem(
        app.get("/api/v1/projects/00000000-0000-0000-0000-000000000000/allocation")
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    for query in [
        "?include=everything",
        "?from=1999",
        "?from=2030&to=2027",
        "?from=2000&to=2080",
        "?from=abc",
    ] {
        problem(
            app.get(&format!("{}{query}", allocation_path(project)))
                .send()
                .await
                .unwrap(),
            400,
        )
        .await;
    }
    problem(
        app.get(&allocation_path(project))
            .bearer_auth("not-a-token")
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    // A project without anything: no key, no years.
    let empty = allocation(&app, project, "", None).await;
    assert_eq!(empty["status"], "no_cost_key");
    assert!(empty["years"].as_array().unwrap().is_empty());
}
