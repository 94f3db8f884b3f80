//! CORS: preflights for allowed and refused origins, headers on actual requests, the default of
//! no cross-origin access, and never credentials.

use reqwest::Method;

use crate::helpers::*;

const APP: &str = "https://app.example.org";
const EVIL: &str = "https://evil.example.net";

fn preflight(app: &TestApp, origin: &str, method: &str, headers: &str) -> reqwest::RequestBuilder {
    app.request(Method::OPTIONS, "/api/v1/organizations/05570004")
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers)
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[actix_web::test]
async fn a_listed_origin_passes_the_preflight_and_reads_answers() {
    let app = TestApp::builder()
        .env(
            "SMARTREGION_CORS_ORIGINS",
            &format!("{APP}, http://localhost:5173"),
        )
        .spawn()
        .await;
    let response = preflight(&app, APP, "PATCH", "authorization,if-match,content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    let methods = header(&response, "access-control-allow-methods").unwrap();
    assert!(methods.contains("PATCH"), "{methods}");
    let allowed = header(&response, "access-control-allow-headers")
        .unwrap()
        .to_lowercase();
    for name in ["authorization", "if-match", "idempotency-key"] {
        assert!(allowed.contains(name), "{allowed}");
    }
    assert_eq!(
        header(&response, "access-control-max-age").as_deref(),
        Some("3600")
    );
    assert!(header(&response, "access-control-allow-credentials").is_none());
    assert!(
        header(&response, "vary")
            .unwrap()
            .to_lowercase()
            .contains("origin")
    );

    let actual = app
        .get("/api/v1/organizations/05570004")
        .header("origin", APP)
        .send()
        .await
        .unwrap();
    assert_eq!(actual.status(), 200);
    assert_eq!(
        header(&actual, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    let exposed = header(&actual, "access-control-expose-headers")
        .unwrap()
        .to_lowercase();
    assert!(
        exposed.contains("etag") && exposed.contains("link"),
        "{exposed}"
    );
    assert!(header(&actual, "access-control-allow-credentials").is_none());
}

#[actix_web::test]
async fn other_origins_methods_and_headers_are_refused() {
    let app = TestApp::builder()
        .env("SMARTREGION_CORS_ORIGINS", APP)
        .spawn()
        .await;
    let refused = preflight(&app, EVIL, "PATCH", "authorization")
        .send()
        .await
        .unwrap();
    assert!(header(&refused, "access-control-allow-origin").is_none());
    let body = problem(refused, 403).await;
    assert!(body["detail"].as_str().unwrap().contains(EVIL), "{body}");
    problem(
        preflight(&app, APP, "TRACE", "authorization")
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    problem(
        preflight(&app, APP, "GET", "x-evil").send().await.unwrap(),
        403,
    )
    .await;

    // A plain request from another origin is answered, without CORS headers: the browser
    // withholds it from the page.
    let actual = app
        .get("/api/v1/organizations/05570004")
        .header("origin", EVIL)
        .send()
        .await
        .unwrap();
    assert_eq!(actual.status(), 200);
    assert!(header(&actual, "access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn no_origin_is_allowed_by_default() {
    let app = TestApp::spawn().await;
    problem(
        preflight(&app, APP, "GET", "authorization")
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    let actual = app
        .get("/api/v1/organizations")
        .header("origin", APP)
        .send()
        .await
        .unwrap();
    assert_eq!(actual.status(), 200);
    assert!(header(&actual, "access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn a_wildcard_never_comes_with_credentials() {
    let app = TestApp::builder()
        .env("SMARTREGION_CORS_ORIGINS", "*")
        .spawn()
        .await;
    let response = preflight(&app, EVIL, "POST", "authorization,idempotency-key")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert!(header(&response, "access-control-allow-credentials").is_none());
    let actual = app
        .get("/api/v1/organizations")
        .header("origin", EVIL)
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&actual, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert!(header(&actual, "access-control-allow-credentials").is_none());
}
