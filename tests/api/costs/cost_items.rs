use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

fn licence() -> Value {
    json!({"category": "licence", "recurrence": "recurring", "first_year": 2027, "last_year": 2030,
           "amount_cents": 1_200_000, "eligible_for_funding": true, "basis": "estimate",
           "description": "LoRaWAN-Netzserver"})
}

#[actix_web::test]
async fn the_coordinator_adds_reads_lists_updates_and_deletes_items() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    let response = app
        .post(&items_path(project))
        .by_coordinator()
        .json(&licence())
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"].to_str().unwrap();
    // Absolute (`SMARTREGION_PUBLIC_URL`); the test app is reached by its path.
    let location = location.strip_prefix(PUBLIC_URL).unwrap().to_owned();
    let item = json(response, 201).await;
    assert_eq!(item["status"], "accepted");
    assert_eq!(item["recurrence"], "recurring");
    assert_eq!(item["fiscal_year"], Value::Null);
    assert_eq!(item["proposed_by"], Value::Null);
    let id = item["id"].as_str().unwrap();
    assert_eq!(location, format!("{}/{id}", items_path(project)));

    let one_off = add_item(
        &app,
        project,
        json!({"category": "investment", "recurrence": "one_off", "fiscal_year": 2027,
               "amount_cents": 0, "eligible_for_funding": false, "basis": "actual",
               "description": "Gateways (geschenkt)"}),
    )
    .await;
    assert_eq!(one_off["first_year"], 2027);
    assert_eq!(one_off["last_year"], 2027);
    assert_eq!(one_off["fiscal_year"], 2027);

    // Members read; the list pages by id.
    let page = json(
        app.get(&format!("{}?limit=1", items_path(project)))
            .bearer_for(BECKUM, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = json(
        app.get(&format!("{}?limit=1&cursor={cursor}", items_path(project)))
            .bearer_for(BECKUM, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["next_cursor"], Value::Null);
    assert_ne!(rest["items"][0]["id"], page["items"][0]["id"]);

    // The allocation counts the items per year.
    let allocation = json(
        app.get(&format!("{}?from=2027&to=2031", allocation_path(project)))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let totals: Vec<i64> = allocation["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["total_cents"].as_i64().unwrap())
        .collect();
    assert_eq!(totals, [1_200_000, 1_200_000, 1_200_000, 1_200_000, 0]);

    let path = format!("{}/{id}", items_path(project));
    let updated = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "\"1\"")
        .json(&json!({"amount_cents": 1_350_000, "basis": "actual", "last_year": 2028}))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.headers()["etag"], "\"2\"");
    let updated = json(updated, 200).await;
    assert_eq!(updated["amount_cents"], 1_350_000);
    assert_eq!(updated["first_year"], 2027);
    assert_eq!(updated["last_year"], 2028);

    let stale = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "\"1\"")
        .json(&json!({"amount_cents": 1}))
        .send()
        .await
        .unwrap();
    problem(stale, 412).await;
    let missing = app.delete(&path).by_coordinator().send().await.unwrap();
    problem(missing, 428).await;
    let gone = app
        .delete(&path)
        .by_coordinator()
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 204);
    problem(app.get(&path).by_coordinator().send().await.unwrap(), 404).await;
    let allocation = json(
        app.get(&format!("{}?from=2027&to=2027", allocation_path(project)))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(allocation["years"][0]["total_cents"], 0);
}

#[actix_web::test]
async fn the_lead_admin_proposes_and_the_proposal_counts_once_accepted() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    let proposal = json(
        app.post(&items_path(project))
            .bearer_for(AHLEN, &["admin"])
            .json(&licence())
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(proposal["status"], "proposed");
    assert_eq!(proposal["proposed_by"], AHLEN);
    let year = |allocation: &Value| allocation["years"][0]["total_cents"].as_i64().unwrap();
    let allocation = json(
        app.get(&format!("{}?from=2027&to=2027", allocation_path(project)))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(year(&allocation), 0, "a proposal does not count");

    // The lead admin may not accept its own proposal, neither on creation nor by update.
    let before = app.trail_counts().await;
    let mut accepted = licence();
    accepted["status"] = json!("accepted");
    let refused = problem(
        app.post(&items_path(project))
            .bearer_for(AHLEN, &["admin"])
            .json(&accepted)
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/status"]);
    let path = format!(
        "{}/{}",
        items_path(project),
        proposal["id"].as_str().unwrap()
    );
    problem(
        app.patch(&path)
            .bearer_for(AHLEN, &["admin"])
            .header("if-match", "\"1\"")
            .json(&json!({"status": "accepted"}))
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);

    json(
        app.patch(&path)
            .by_coordinator()
            .header("if-match", "\"1\"")
            .json(&json!({"status": "accepted"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let allocation = json(
        app.get(&format!("{}?from=2027&to=2027", allocation_path(project)))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(year(&allocation), 1_200_000);
}

#[actix_web::test]
async fn refuses_callers_who_may_not_add_items_and_leaves_no_trace() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    let before = app.trail_counts().await;
    let post = |token: Option<String>| {
        let request = app.post(&items_path(project)).json(&licence());
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    };
    problem(post(None).send().await.unwrap(), 401).await;
    problem(post(Some("garbage".into())).send().await.unwrap(), 401).await;
    // The lead organization's editor, another organization's admin.
    problem(
        post(Some(token(AHLEN, &["editor"]))).send().await.unwrap(),
        403,
    )
    .await;
    problem(
        post(Some(token(BECKUM, &["admin"]))).send().await.unwrap(),
        403,
    )
    .await;
    problem(app.get(&items_path(project)).send().await.unwrap(), 401).await;
    let unknown = "/api/v1/projects/00000000-0000-0000-0000-000000000000/cost-items";
    problem(
        app.post(unknown)
            .by_coordinator()
            .json(&licence())
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    problem(app.get(unknown).by_coordinator().send().await.unwrap(), 404).await;
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn invalid_items_are_refused_with_every_pointer() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    let before = app.trail_counts().await;
    let refused = problem(
        app.post(&items_path(project))
            .by_coordinator()
            .json(
                &json!({"category": "licence", "recurrence": "recurring", "first_year": 1999,
                          "last_year": 2101, "amount_cents": -1, "basis": "estimate",
                          "description": "  "}),
            )
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let mut found = pointers(&refused);
    found.sort();
    assert_eq!(
        found,
        [
            "/amount_cents",
            "/description",
            "/eligible_for_funding",
            "/first_year",
            "/last_year"
        ]
    );
    let refused = problem(
        app.post(&items_path(project))
            .by_coordinator()
            .json(
                &json!({"category": "other", "recurrence": "one_off", "first_year": 2027,
                          "amount_cents": 100_000_000_001_i64, "eligible_for_funding": true,
                          "basis": "estimate", "description": "x"}),
            )
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let mut found = pointers(&refused);
    found.sort();
    assert_eq!(found, ["/amount_cents", "/first_year", "/fiscal_year"]);
    let refused = problem(
        app.post(&items_path(project))
            .by_coordinator()
            .json(&json!({"category": "furniture"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/category"]);
    assert_eq!(app.trail_counts().await, before);
    let list = json(
        app.get(&items_path(project))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(list["items"].as_array().unwrap().is_empty());
}
