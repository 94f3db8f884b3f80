//! Local initiatives: `/api/v1/initiatives` (registration, lifecycle, rights, visibility,
//! search, exchange).

mod crud;
mod similar;
mod transfer;
mod visibility;
mod working_groups;

use serde_json::{Value, json};

use crate::helpers::*;

/// An initiative registered through the API by `org`'s editor; returns the answer's body.
pub async fn register(app: &TestApp, org: &str, body: Value) -> Value {
    let mut body = body;
    body["organization"] = json!(org);
    if body.get("field_of_action").is_none() {
        body["field_of_action"] = json!("town_village_centres");
    }
    json(
        app.post("/api/v1/initiatives")
            .bearer_for(org, &["editor"])
            .json(&body)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await
}

/// The change records of `entity` a token can read, waiting until at least `count` came (or
/// 20 s passed): the feed holds changes back while an older write transaction runs anywhere
/// on the server, and other tests run in parallel.
pub async fn feed_until(app: &TestApp, token: &str, entity: &str, count: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let body = json(
            app.get(&format!("/api/v1/changes?entity={entity}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        let items = body["items"].as_array().unwrap().clone();
        if items.len() >= count || std::time::Instant::now() > deadline {
            return items;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The id of an answer's body.
pub fn id_of(body: &Value) -> String {
    body["id"].as_str().unwrap().to_owned()
}

/// The titles of a list answer, in order.
pub fn titles(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect()
}
