//! The OpenAPI document is the contract: every operation, called by every kind of caller with
//! ids that do not exist and an empty body, answers only with statuses it documents, and
//! every error is problem+json (OParl errors are OParl error objects). Members-only operations
//! refuse anonymous callers and every `/api` operation a refused token with 401. A refused
//! request writes nothing.

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// Fills a path template: uuids for ids, an organization key for keys, 1 for versions.
fn fill(template: &str) -> String {
    let mut path = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        path.push_str(&rest[..start]);
        let end = rest[start..].find('}').unwrap() + start;
        let value = match &rest[start + 1..end] {
            "key" | "org" => AHLEN.to_owned(),
            "version" => "1".to_owned(),
            _ => Uuid::new_v4().to_string(),
        };
        path.push_str(&value);
        rest = &rest[end + 1..];
    }
    path.push_str(rest);
    path
}

#[actix_web::test]
async fn every_operation_answers_only_with_documented_statuses() {
    let app = TestApp::spawn().await;
    let doc = serde_json::to_value(smartregion::startup::openapi_document()).unwrap();
    let callers: [(&str, Option<String>); 4] = [
        ("anonymous", None),
        ("a refused token", Some("not-a-token".to_owned())),
        ("a viewer of Beckum", Some(token(BECKUM, &["viewer"]))),
        ("the steering office", Some(coordinator())),
    ];
    let before = app.trail_counts().await;
    let mut undocumented = Vec::new();
    let mut wrong_refusal = Vec::new();
    let mut checked = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            let documented: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
            // Members only: the security requirements do not include the empty (anonymous) one.
            let members_only = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .all(|r| r.as_object().is_some_and(|o| !o.is_empty()))
            });
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for (who, bearer) in &callers {
                let path = fill(template);
                let mut request = app.request(method.clone(), &path);
                if let Some(bearer) = bearer {
                    request = request.bearer_auth(bearer);
                }
                if op.get("requestBody").is_some() {
                    request = request.json(&json!({}));
                }
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                checked += 1;
                let api = template.starts_with("/api/");
                if api && *who == "a refused token" && status != 401 {
                    wrong_refusal.push(format!("{id} with a refused token: {status}"));
                }
                if api && members_only && *who == "anonymous" && status != 401 {
                    wrong_refusal.push(format!("{id} (members only) anonymously: {status}"));
                }
                if !documented.iter().any(|d| d.as_str() == status.to_string()) {
                    undocumented.push(format!("{id} ({method} {path}) as {who}: {status}"));
                    continue;
                }
                if status >= 400 {
                    let content_type = response
                        .headers()
                        .get("content-type")
                        .map(|v| v.to_str().unwrap().to_owned())
                        .unwrap_or_default();
                    let body: Value = response.json().await.unwrap_or(Value::Null);
                    if template.starts_with("/oparl/") {
                        assert_eq!(
                            body["type"], "https://schema.oparl.org/1.1/Error",
                            "{id} as {who}: {body}"
                        );
                    } else {
                        assert_eq!(
                            content_type, "application/problem+json",
                            "{id} as {who}: {body}"
                        );
                        assert_eq!(body["status"], status, "{id} as {who}: {body}");
                    }
                }
            }
        }
    }
    assert!(checked > 300, "only {checked} calls");
    assert!(
        wrong_refusal.is_empty(),
        "members-only operations must refuse anonymous callers, and every operation a refused \
         token, with 401:\n{}",
        wrong_refusal.join("\n")
    );
    assert!(
        undocumented.is_empty(),
        "statuses the OpenAPI document does not list:\n{}",
        undocumented.join("\n")
    );
    assert_eq!(
        app.trail_counts().await,
        before,
        "a refused request wrote something"
    );
}

/// The query and path text rules run before routing reaches a handler, so every operation can
/// answer 400 to a NUL in its query: the document must say so for each one.
#[actix_web::test]
async fn a_nul_in_the_query_is_a_documented_400_for_every_operation() {
    let app = TestApp::spawn().await;
    let doc = serde_json::to_value(smartregion::startup::openapi_document()).unwrap();
    let mut wrong = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let path = format!("{}?q=a%00b", fill(template));
            let response = app
                .request(method.clone(), &path)
                .bearer_auth(coordinator())
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let documented = op["responses"].get("400").is_some();
            let served = template.starts_with("/api/") || template.starts_with("/oparl/");
            if served && (status != 400 || !documented) {
                wrong.push(format!("{id}: {status}, 400 documented: {documented}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
