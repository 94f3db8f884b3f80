//! The project catalogue: `/api/v1/projects` and its sub-resources.

mod access;
mod catalogue;
mod details;
mod lifecycle;
mod pagination;
mod participants;
mod search;
mod transfer;

use reqwest::RequestBuilder;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// Who sends a request in a refusal matrix.
#[derive(Debug, Clone, Copy)]
pub enum Who {
    Anonymous,
    BadToken,
    Coordinator,
    Org(&'static str, &'static str),
}

pub fn as_who(req: RequestBuilder, who: Who) -> RequestBuilder {
    match who {
        Who::Anonymous => req,
        Who::BadToken => req.bearer_auth("not-a-token"),
        Who::Coordinator => req.by_coordinator(),
        Who::Org(org, role) => req.bearer_for(org, &[role]),
    }
}

/// Sends the request as each caller, expects the given problem status, and checks that
/// nothing was written (audit and change counts unchanged).
pub async fn assert_refused(
    app: &TestApp,
    label: &str,
    make: impl Fn() -> RequestBuilder,
    cases: &[(Who, u16)],
) {
    for (who, status) in cases {
        let before = app.trail_counts().await;
        let response = as_who(make(), *who).send().await.unwrap();
        let actual = response.status().as_u16();
        assert_eq!(actual, *status, "{label} as {who:?}");
        problem(response, *status).await;
        assert_eq!(app.trail_counts().await, before, "{label} as {who:?} wrote");
    }
}

/// A project created through the API by the steering office.
pub async fn create_project(app: &TestApp, body: Value) -> Value {
    json(
        app.post("/api/v1/projects")
            .by_coordinator()
            .json(&body)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await
}

/// A project led by `lead`, created through the API; returns its id.
pub async fn led_project(app: &TestApp, code: &str, lead: &str) -> Uuid {
    let body = create_project(
        app,
        json!({"code": code, "title": format!("Projekt {code}"),
               "field_of_action": "digital_infrastructure", "category": "lead",
               "lead_organization": lead}),
    )
    .await;
    body["id"].as_str().unwrap().parse().unwrap()
}

pub async fn etag_of(app: &TestApp, path: &str) -> String {
    let response = app.get(path).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.headers()["etag"].to_str().unwrap().to_owned()
}

/// Codes of a list response, in order.
pub fn codes(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .collect()
}
