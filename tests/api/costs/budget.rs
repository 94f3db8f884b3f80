use serde_json::{Value, json};
use smartregion::db::costs::budget::budget_from_shares;

use super::*;
use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;

fn budget_path(org: &str) -> String {
    format!("/api/v1/organizations/{org}/budget")
}

/// The summary the budget view reads must equal the aggregate over the stored shares.
async fn assert_summary_in_step(app: &TestApp, org: &str) {
    let mut conn = app.conn().await;
    let aggregate = budget_from_shares(&mut conn, org).await.unwrap();
    let body = json(
        app.get(&format!("{}?from=2020&to=2040", budget_path(org)))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    for year in body["years"].as_array().unwrap() {
        let (committed, pending) = aggregate
            .get(&(year["fiscal_year"].as_i64().unwrap() as i32))
            .copied()
            .unwrap_or_default();
        assert_eq!(year["committed_cents"], committed, "{org} {year}");
        assert_eq!(year["pending_cents"], pending, "{org} {year}");
    }
}

#[actix_web::test]
async fn an_organization_sees_its_shares_across_projects_per_year() {
    let app = TestApp::spawn().await;
    let first = project(&app).await;
    add_standard_items(&app, first).await;
    put_key(&app, first, json!({"type": "equal"})).await;
    set_state(&app, first, AHLEN, "committed").await;
    set_state(&app, first, BECKUM, "committed").await;

    let second = ProjectBuilder::new("SR-2").lead(BECKUM).create(&app).await;
    add_item(
        &app,
        second,
        json!({"category": "service", "recurrence": "recurring", "first_year": 2028, "last_year": 2029,
               "amount_cents": 300_001, "eligible_for_funding": false, "basis": "estimate",
               "description": "Betrieb"}),
    )
    .await;
    put_key(&app, second, json!({"type": "equal"})).await;
    set_state(&app, second, AHLEN, "council_decision_pending").await;
    set_state(&app, second, BECKUM, "committed").await;

    let budget = json(
        app.get(&format!("{}?from=2027&to=2030", budget_path(AHLEN)))
            .bearer_for(AHLEN, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(budget["organization_name"], "Ahlen");
    let years: Vec<(i64, i64)> = budget["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| {
            (
                y["committed_cents"].as_i64().unwrap(),
                y["pending_cents"].as_i64().unwrap(),
            )
        })
        .collect();
    // First project: 10,100,001 / 2 in 2027, 1,000 EUR / 2 in 2028 and 2029. Second project
    // (pending): 300,001 among Ahlen and Beckum, the odd cent to Ahlen.
    assert_eq!(
        years,
        [(5_050_001, 0), (50_000, 150_001), (50_000, 150_001), (0, 0)]
    );
    assert_eq!(
        budget["totals"]["total_cents"],
        5_050_001 + 100_000 + 300_002
    );

    // Beckum is committed to the second project: only committed shares.
    let beckum = json(
        app.get(&format!("{}?from=2028&to=2028", budget_path(BECKUM)))
            .bearer_for(BECKUM, &["admin"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    // Committed view of the second project: Beckum alone pays 300,001.
    assert_eq!(beckum["years"][0]["committed_cents"], 50_000 + 300_001);
    assert_eq!(beckum["years"][0]["pending_cents"], 0);

    // Changes keep the summary in step: a withdrawal, a cost change, a key change.
    set_state(&app, first, BECKUM, "withdrawn").await;
    add_item(
        &app,
        second,
        json!({"category": "other", "recurrence": "one_off", "fiscal_year": 2029,
               "amount_cents": 7, "eligible_for_funding": false, "basis": "estimate",
               "description": "Porto"}),
    )
    .await;
    put_key(
        &app,
        second,
        json!({"type": "custom_weights", "weights": {AHLEN: 2, BECKUM: 1}}),
    )
    .await;
    for org in [AHLEN, BECKUM, TELGTE] {
        assert_summary_in_step(&app, org).await;
    }
    let after = json(
        app.get(&format!("{}?from=2027&to=2027", budget_path(AHLEN)))
            .bearer_for(AHLEN, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(after["years"][0]["committed_cents"], 10_100_001);
}

#[actix_web::test]
async fn the_budget_exports_csv_for_german_excel() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    add_standard_items(&app, project).await;
    put_key(&app, project, json!({"type": "equal"})).await;
    set_state(&app, project, AHLEN, "committed").await;
    set_state(&app, project, TELGTE, "council_decision_pending").await;
    for request in [
        app.get(&format!(
            "{}?from=2027&to=2028&format=csv",
            budget_path(AHLEN)
        )),
        app.get(&format!("{}?from=2027&to=2028", budget_path(AHLEN)))
            .header("accept", "text/csv"),
    ] {
        let response = request.bearer_for(AHLEN, &["viewer"]).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8"
        );
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("haushalt-05570004-2027-2028.csv")
        );
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert_eq!(
            text,
            "Haushaltsjahr;Anteil verbindlich (EUR);Anteil vorbehaltlich Ratsbeschluss (EUR);Summe (EUR)\r\n\
             2027;101000,01;0,00;101000,01\r\n\
             2028;1000,00;0,00;1000,00\r\n\
             Summe;102000,01;0,00;102000,01\r\n"
        );
    }
    let telgte = json(
        app.get(&format!("{}?from=2027&to=2027", budget_path(TELGTE)))
            .bearer_for(TELGTE, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(telgte["years"][0]["pending_cents"], 5_050_000);
    assert_eq!(telgte["years"][0]["committed_cents"], 0);
}

#[actix_web::test]
async fn only_the_organization_itself_and_the_coordinator_read_its_budget() {
    let app = TestApp::spawn().await;
    problem(app.get(&budget_path(AHLEN)).send().await.unwrap(), 401).await;
    problem(
        app.get(&budget_path(AHLEN))
            .bearer_auth("x.y.z")
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    let refused = problem(
        app.get(&budget_path(AHLEN))
            .bearer_for(BECKUM, &["admin"])
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    assert!(refused["detail"].as_str().unwrap().contains(BECKUM));
    let own: Value = json(
        app.get(&budget_path(AHLEN))
            .bearer_for(AHLEN, &["integration"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(
        own["years"].as_array().unwrap().len(),
        5,
        "this year and the next four"
    );
    json(
        app.get(&budget_path(AHLEN))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    problem(
        app.get(&budget_path("05579999"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    for query in [
        "?from=2030&to=2027",
        "?from=1999",
        "?format=xlsx",
        "?from=2000&to=2060",
    ] {
        problem(
            app.get(&format!("{}{query}", budget_path(AHLEN)))
                .by_coordinator()
                .send()
                .await
                .unwrap(),
            400,
        )
        .await;
    }
}

#[actix_web::test]
async fn a_deleted_project_leaves_the_budgets() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    add_standard_items(&app, project).await;
    put_key(&app, project, json!({"type": "equal"})).await;
    set_state(&app, project, AHLEN, "committed").await;
    let year = |body: &Value| body["years"][0]["committed_cents"].as_i64().unwrap();
    let path = format!("{}?from=2027&to=2027", budget_path(AHLEN));
    let before = json(app.get(&path).by_coordinator().send().await.unwrap(), 200).await;
    assert_eq!(year(&before), 10_100_001);
    let deleted = app
        .delete(&format!("/api/v1/projects/{project}"))
        .by_coordinator()
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let after = json(app.get(&path).by_coordinator().send().await.unwrap(), 200).await;
    assert_eq!(year(&after), 0);
    assert_summary_in_step(&app, AHLEN).await;
}
