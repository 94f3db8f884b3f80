//! Route table hygiene: every documented path answers an undocumented method with 405 and the
//! exact `Allow` of that path, and a literal segment (`export`, `import`, `order`) never falls
//! through to the `{id}` route beside it.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;

/// The documented paths with their methods, path parameters filled with a made-up id.
fn documented_paths() -> Vec<(String, Vec<String>)> {
    let doc: Value = serde_json::to_value(smartregion::startup::openapi_document()).unwrap();
    let id = "0b6f1c9e-5d0a-4f57-9a55-2f3e0d7f1a11";
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(path, item)| {
            let concrete: Vec<String> = path
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        id.to_owned()
                    } else {
                        segment.to_owned()
                    }
                })
                .collect();
            let mut methods: Vec<String> = item
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| matches!(k.as_str(), "get" | "put" | "post" | "delete" | "patch"))
                .map(|k| k.to_uppercase())
                .collect();
            methods.sort();
            (concrete.join("/"), methods)
        })
        .collect()
}

#[actix_web::test]
async fn every_path_answers_other_methods_with_405_and_its_exact_allow() {
    let app = TestApp::spawn().await;
    let mut checked = 0;
    for (path, methods) in documented_paths() {
        for method in ["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"] {
            if methods.iter().any(|m| m == method) {
                continue;
            }
            let response = app
                .request(Method::from_bytes(method.as_bytes()).unwrap(), &path)
                .by_coordinator()
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let allow = response
                .headers()
                .get("allow")
                .map(|v| v.to_str().unwrap().to_owned());
            let body = response.text().await.unwrap();
            assert_eq!(status, 405, "{method} {path}: {body}");
            assert_eq!(
                allow.as_deref(),
                Some(methods.join(", ").as_str()),
                "{method} {path}"
            );
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} combinations checked");
}

#[actix_web::test]
async fn literal_segments_never_fall_through_to_the_id_route() {
    let app = TestApp::spawn().await;
    let meeting = "0b6f1c9e-5d0a-4f57-9a55-2f3e0d7f1a11";
    for (method, path, allow) in [
        (Method::PATCH, "/api/v1/projects/export".to_owned(), "GET"),
        (Method::DELETE, "/api/v1/projects/export".to_owned(), "GET"),
        (Method::GET, "/api/v1/projects/import".to_owned(), "POST"),
        (Method::PATCH, "/api/v1/projects/import".to_owned(), "POST"),
        (
            Method::PATCH,
            format!("/api/v1/meetings/{meeting}/agenda-items/order"),
            "PUT",
        ),
        (
            Method::OPTIONS,
            format!("/api/v1/meetings/{meeting}/agenda-items/order"),
            "PUT",
        ),
    ] {
        let response = app
            .request(method.clone(), &path)
            .by_coordinator()
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers().get("allow").map(|v| v.to_str().unwrap()),
            Some(allow),
            "{method} {path}"
        );
        let body = problem(response, 405).await;
        assert_eq!(body["detail"], format!("allowed methods: {allow}"));
    }
    // A malformed id on the id route itself stays a 400 about the parameter.
    let body = problem(
        app.patch("/api/v1/projects/not-a-uuid")
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("invalid path parameter"),
        "{body}"
    );
}
