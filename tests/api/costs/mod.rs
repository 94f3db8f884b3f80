//! Cost plans, funding, cost keys, allocations, snapshots and budgets.

mod allocation;
mod budget;
mod concurrency;
mod cost_items;
mod cost_key;
mod funding;
mod preview;
mod snapshots;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;

/// A project led by Ahlen.
pub async fn project(app: &TestApp) -> Uuid {
    ProjectBuilder::new("SR-1").lead(AHLEN).create(app).await
}

pub fn items_path(project: Uuid) -> String {
    format!("/api/v1/projects/{project}/cost-items")
}

pub fn allocation_path(project: Uuid) -> String {
    format!("/api/v1/projects/{project}/allocation")
}

/// Adds an accepted cost item as the steering office.
pub async fn add_item(app: &TestApp, project: Uuid, body: Value) -> Value {
    json(
        app.post(&items_path(project))
            .by_coordinator()
            .json(&body)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await
}

/// 100,000.01 EUR eligible one-off in 2027 and 1,000 EUR a year (not eligible) 2027–2029.
pub async fn add_standard_items(app: &TestApp, project: Uuid) {
    add_item(
        app,
        project,
        json!({"category": "investment", "recurrence": "one_off", "fiscal_year": 2027,
               "amount_cents": 10_000_001, "eligible_for_funding": true, "basis": "estimate",
               "description": "Sensoren"}),
    )
    .await;
    add_item(
        app,
        project,
        json!({"category": "licence", "recurrence": "recurring", "first_year": 2027, "last_year": 2029,
               "amount_cents": 100_000, "eligible_for_funding": false, "basis": "estimate",
               "description": "Lizenz"}),
    )
    .await;
}

/// Sets the cost key as the steering office (first version or with `If-Match: *`).
pub async fn put_key(app: &TestApp, project: Uuid, key: Value) -> Value {
    json(
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/projects/{project}/cost-key"),
        )
        .by_coordinator()
        .header("if-match", "*")
        .json(&key)
        .send()
        .await
        .unwrap(),
        200,
    )
    .await
}

/// The NRW inter-municipal cooperation programme.
pub async fn nrw_programme(app: &TestApp) -> String {
    let body = json(
        app.post("/api/v1/funding-programmes")
            .by_coordinator()
            .json(
                &json!({"name": "Interkommunale Zusammenarbeit NRW", "funding_body": "state",
                          "rule": {"type": "fixed", "base_cents": 17_500_000,
                                   "per_further_partner_cents": 3_500_000, "base_partners": 2,
                                   "max_rate_bp": 9000}}),
            )
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    body["id"].as_str().unwrap().to_owned()
}

/// Asserts that every year's shares sum to its own share minus what is unallocated.
pub fn assert_sums(allocation: &Value) {
    for year in allocation["years"].as_array().unwrap() {
        let shares = year["shares_cents"].as_object().unwrap();
        let sum: i64 = shares.values().map(|v| v.as_i64().unwrap()).sum();
        assert_eq!(
            sum,
            year["own_share_cents"].as_i64().unwrap() - year["unallocated_cents"].as_i64().unwrap(),
            "{year}"
        );
        assert!(shares.values().all(|v| v.as_i64().unwrap() >= 0), "{year}");
    }
}

pub fn participation_path(project: Uuid, org: &str) -> String {
    format!("/api/v1/projects/{project}/participations/{org}")
}

/// Moves `org`'s participation to `state` as the steering office (no council resolution
/// needed), through the states in between: `committed`, `council_decision_pending`,
/// `withdrawn` or `interested`.
pub async fn set_state(app: &TestApp, project: Uuid, org: &str, state: &str) {
    let current = app
        .get(&participation_path(project, org))
        .send()
        .await
        .unwrap();
    let (mut from, mut tag) = if current.status() == 200 {
        let tag = current.headers()["etag"].to_str().unwrap().to_owned();
        let body = json(current, 200).await;
        (body["state"].as_str().unwrap().to_owned(), Some(tag))
    } else {
        (String::new(), None)
    };
    let path: &[&str] = match (from.as_str(), state) {
        ("", "committed" | "council_decision_pending") => &["intends_to_join", state],
        ("withdrawn", "committed" | "council_decision_pending") => {
            &["interested", "intends_to_join", state]
        }
        ("council_decision_pending", "committed") => &["committed"],
        ("committed", "withdrawn") => &["withdrawn"],
        ("withdrawn", "interested") => &["interested"],
        (from, to) => panic!("no path from {from:?} to {to}"),
    };
    for step in path {
        let mut body = json!({"state": step, "council_resolution_required": false});
        if *step == "withdrawn" {
            body["withdrawal"] = json!({"effective_date": "2026-12-31", "reason": "Haushaltslage"});
        }
        let mut request = app
            .request(reqwest::Method::PUT, &participation_path(project, org))
            .by_coordinator()
            .json(&body);
        if let Some(tag) = &tag {
            request = request.header("if-match", tag);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{from} -> {step}: {}",
            response.text().await.unwrap()
        );
        tag = Some(response.headers()["etag"].to_str().unwrap().to_owned());
        from = (*step).to_owned();
    }
}
