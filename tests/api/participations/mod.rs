//! The participation resource: opt-ins, council resolutions, history, the matrix.

mod access;
mod lifecycle;
mod matrix;
mod preconditions;
mod views;

use reqwest::Response;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

pub const GFW: &str = "gfw";

pub fn path(project: Uuid, org: &str) -> String {
    format!("/api/v1/projects/{project}/participations/{org}")
}

/// A PUT with an optional token and If-Match.
pub async fn put(
    app: &TestApp,
    project: Uuid,
    org: &str,
    token: Option<String>,
    if_match: Option<&str>,
    body: &Value,
) -> Response {
    let mut request = app
        .request(reqwest::Method::PUT, &path(project, org))
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    request.send().await.unwrap()
}

/// The current ETag of a participation.
pub async fn etag(app: &TestApp, project: Uuid, org: &str) -> String {
    let response = app.get(&path(project, org)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.headers()["etag"].to_str().unwrap().to_owned()
}

/// Records `body` as the coordinator (creating or updating) and returns the participation.
pub async fn record(app: &TestApp, project: Uuid, org: &str, body: Value) -> Value {
    let existing = app.get(&path(project, org)).send().await.unwrap();
    let tag =
        (existing.status() == 200).then(|| existing.headers()["etag"].to_str().unwrap().to_owned());
    let response = put(
        app,
        project,
        org,
        Some(coordinator()),
        tag.as_deref(),
        &body,
    )
    .await;
    let expected = if tag.is_some() { 200 } else { 201 };
    json(response, expected).await
}

/// An approving (or rejecting) resolution with a two-step Beratungsfolge.
pub fn resolution(outcome: &str) -> Value {
    json!({
        "deciding_body": "Gemeinderat Ostbevern",
        "decided_on": "2025-04-08",
        "paper_reference": "V 2025/054",
        "outcome": outcome,
        "resolution_text": "Der Rat beschließt die Teilnahme.",
        "url": "https://ratsinfo.ostbevern.de/vo0050.asp?__kvonr=2054",
        "consultations": [
            {"body": "Haupt- und Finanzausschuss", "held_on": "2025-04-01", "role": "preliminary", "result": "einstimmig empfohlen"},
            {"body": "Gemeinderat Ostbevern", "held_on": "2025-04-08", "role": "decision", "result": "mehrheitlich beschlossen"}
        ]
    })
}

/// Brings a participation to `committed` through the council route, as the coordinator.
pub async fn commit(app: &TestApp, project: Uuid, org: &str) -> Value {
    record(app, project, org, json!({"state": "intends_to_join"})).await;
    record(
        app,
        project,
        org,
        json!({"state": "council_decision_pending"}),
    )
    .await;
    record(
        app,
        project,
        org,
        json!({"state": "committed", "council_resolution": resolution("approved")}),
    )
    .await
}

/// The history entries of a participation, oldest first.
pub async fn history(app: &TestApp, project: Uuid, org: &str) -> Vec<Value> {
    let body = json(
        app.get(&format!("{}/history", path(project, org)))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    body["items"].as_array().unwrap().clone()
}

/// The audit entries of participations, oldest first.
pub async fn audit_entries(app: &TestApp, entity: &str) -> Vec<Value> {
    let body = json(
        app.get(&format!("/api/v1/audit?entity={entity}&limit=200"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let mut items = body["items"].as_array().unwrap().clone();
    items.reverse();
    items
}
