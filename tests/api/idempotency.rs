//! `Idempotency-Key`: the middleware around a counting handler in a small app of its own (the
//! service has no POST endpoint of its own yet), plus one check that the real app runs POSTs
//! through it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::test::{self as actix_test, TestRequest};
use actix_web::{App, HttpResponse, web};
use chrono::Utc;
use serde_json::{Value, json};
use smartregion::clock::ManualClock;
use smartregion::config::Config;
use smartregion::http::idempotency::{self, Idempotency};
use smartregion::state::AppState;
use tokio::sync::Semaphore;

use crate::helpers::*;

const TTL: Duration = Duration::from_secs(3600);

/// What the handlers share: how often the work ran, and a gate that holds them.
struct Work {
    calls: AtomicUsize,
    gate: Semaphore,
    fail_first: bool,
}

async fn create_thing(work: web::Data<Work>, body: web::Bytes) -> HttpResponse {
    let n = work.calls.fetch_add(1, Ordering::SeqCst) + 1;
    work.gate.acquire().await.unwrap().forget();
    if work.fail_first && n == 1 {
        return HttpResponse::ServiceUnavailable().json(json!({"error": "database down"}));
    }
    let echo: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    HttpResponse::Created()
        .insert_header(("location", format!("/things/{n}")))
        .insert_header(("etag", "\"1\""))
        .json(json!({ "id": n, "echo": echo }))
}

struct Harness {
    /// Holds the database (and the full app, unused here).
    app: TestApp,
    clock: Arc<ManualClock>,
    work: web::Data<Work>,
}

impl Harness {
    async fn new(open_gate: bool, fail_first: bool) -> Self {
        let app = TestApp::spawn().await;
        let work = web::Data::new(Work {
            calls: AtomicUsize::new(0),
            gate: Semaphore::new(if open_gate { Semaphore::MAX_PERMITS } else { 0 }),
            fail_first,
        });
        Self {
            app,
            clock: Arc::new(ManualClock::new(Utc::now())),
            work,
        }
    }

    fn calls(&self) -> usize {
        self.work.calls.load(Ordering::SeqCst)
    }

    async fn service(
        &self,
    ) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> + use<>
    {
        let env = [
            ("DATABASE_URL", db::database_url(&self.app.database)),
            ("SMARTREGION_JWT_SECRET", SECRET.to_owned()),
        ];
        let config = Config::from_lookup(|name| {
            env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
        })
        .unwrap();
        let verifier = smartregion::auth::verifier(&config.auth, false)
            .await
            .unwrap();
        let pool =
            smartregion::db::pool(config.database_url.expose(), 8, Duration::from_secs(5)).unwrap();
        let store = Idempotency::new(pool.clone(), TTL, 4096).with_clock(self.clock.clone());
        let state = AppState {
            pool,
            config: Arc::new(config),
            verifier,
        };
        actix_test::init_service(
            App::new()
                .app_data(web::Data::new(state))
                .app_data(web::Data::new(store))
                .app_data(self.work.clone())
                .wrap(from_fn(idempotency::middleware))
                .route("/things", web::post().to(create_thing))
                .route("/other-things", web::post().to(create_thing))
                .route("/things", web::get().to(create_thing)),
        )
        .await
    }
}

fn post(path: &str, key: Option<&str>, org: Option<&str>, body: &str) -> actix_http::Request {
    let mut request = TestRequest::post()
        .uri(path)
        .insert_header(("content-type", "application/json"))
        .set_payload(body.to_owned());
    if let Some(key) = key {
        request = request.insert_header(("idempotency-key", key));
    }
    if let Some(org) = org {
        request = request.insert_header((
            "authorization",
            format!("Bearer {}", token(org, &["admin"])),
        ));
    }
    request.to_request()
}

struct Answer {
    status: u16,
    replayed: bool,
    location: Option<String>,
    content_type: String,
    body: Value,
}

async fn send(
    service: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    request: actix_http::Request,
) -> Answer {
    let response = actix_test::call_service(service, request).await;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let status = response.status().as_u16();
    let replayed = header("idempotent-replayed").as_deref() == Some("true");
    let location = header("location");
    let content_type = header("content-type").unwrap_or_default();
    let bytes = actix_test::read_body(response).await;
    Answer {
        status,
        replayed,
        location,
        content_type,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

#[actix_web::test]
async fn a_retry_gets_the_original_answer_without_running_again() {
    let harness = Harness::new(true, false).await;
    let service = harness.service().await;
    let first = send(
        &service,
        post("/things", Some("k-1"), Some(AHLEN), r#"{"a":1}"#),
    )
    .await;
    assert_eq!(first.status, 201);
    assert!(!first.replayed);
    assert_eq!(first.body, json!({"id": 1, "echo": {"a": 1}}));

    let retry = send(
        &service,
        post("/things", Some("k-1"), Some(AHLEN), r#"{"a":1}"#),
    )
    .await;
    assert_eq!(retry.status, 201);
    assert!(retry.replayed);
    assert_eq!(retry.body, first.body);
    assert_eq!(retry.location.as_deref(), Some("/things/1"));
    assert_eq!(retry.content_type, "application/json");
    assert_eq!(harness.calls(), 1, "the work ran once");

    // Keys belong to an organization: Beckum's "k-1" is another key.
    let beckum = send(
        &service,
        post("/things", Some("k-1"), Some(BECKUM), r#"{"a":1}"#),
    )
    .await;
    assert_eq!((beckum.status, beckum.replayed), (201, false));
    // No key, no idempotency; anonymous POSTs and GETs do not take part either.
    send(&service, post("/things", None, Some(AHLEN), r#"{"a":1}"#)).await;
    send(&service, post("/things", Some("k-2"), None, r#"{"a":1}"#)).await;
    let anonymous = send(&service, post("/things", Some("k-2"), None, r#"{"a":1}"#)).await;
    assert!(!anonymous.replayed);
    let get = TestRequest::get()
        .uri("/things")
        .insert_header(("idempotency-key", "k-1"))
        .insert_header((
            "authorization",
            format!("Bearer {}", token(AHLEN, &["admin"])),
        ))
        .to_request();
    assert!(!send(&service, get).await.replayed);
    assert_eq!(harness.calls(), 6);
}

#[actix_web::test]
async fn the_same_key_for_a_different_request_is_refused() {
    let harness = Harness::new(true, false).await;
    let service = harness.service().await;
    send(
        &service,
        post("/things", Some("k-1"), Some(AHLEN), r#"{"a":1}"#),
    )
    .await;
    for (path, body) in [
        ("/things", r#"{"a":2}"#),
        ("/other-things", r#"{"a":1}"#),
        ("/things?x=1", r#"{"a":1}"#),
    ] {
        let answer = send(&service, post(path, Some("k-1"), Some(AHLEN), body)).await;
        assert_eq!(answer.status, 422, "{path} {body}");
        assert_eq!(answer.content_type, "application/problem+json");
        assert!(
            answer.body["detail"]
                .as_str()
                .unwrap()
                .contains("different request")
        );
    }
    // The same subject (`tester@<org>` in the test tokens) with other roles: not a replay (a
    // stored answer goes only to the rights that earned it); the request runs as if it had
    // no key, authorized afresh by the handler, and the key keeps the first answer.
    let other_roles = || {
        TestRequest::post()
            .uri("/things")
            .insert_header(("idempotency-key", "k-1"))
            .insert_header((
                "authorization",
                format!("Bearer {}", token(AHLEN, &["editor"])),
            ))
            .set_payload(r#"{"a":1}"#)
            .to_request()
    };
    let answer = send(&service, other_roles()).await;
    assert_eq!((answer.status, answer.replayed), (201, false));
    assert_eq!(harness.calls(), 2);
    let again = send(
        &service,
        post("/things", Some("k-1"), Some(AHLEN), r#"{"a":1}"#),
    )
    .await;
    assert_eq!((again.status, again.replayed), (201, true));
    assert_eq!(again.body["id"], 1);

    for bad in ["", "has space", &"k".repeat(256)] {
        let answer = send(&service, post("/things", Some(bad), Some(AHLEN), "{}")).await;
        assert_eq!(answer.status, 400, "{bad:?}");
        assert_eq!(answer.content_type, "application/problem+json");
    }
    assert_eq!(harness.calls(), 2);
    let too_large = "x".repeat(5000);
    let answer = send(
        &service,
        post("/things", Some("k-big"), Some(AHLEN), &too_large),
    )
    .await;
    assert_eq!(answer.status, 413);
    assert_eq!(harness.calls(), 2);
}

#[actix_web::test]
async fn a_second_request_while_the_first_runs_gets_409_and_one_resource_is_created() {
    let harness = Harness::new(false, false).await;
    let service = std::rc::Rc::new(harness.service().await);
    let first = {
        let service = service.clone();
        actix_web::rt::spawn(async move {
            send(
                &*service,
                post("/things", Some("k-1"), Some(AHLEN), r#"{"a":1}"#),
            )
            .await
        })
    };
    while harness.calls() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Several concurrent duplicates while the first is in flight.
    let duplicates = futures_util::future::join_all((0..4).map(|_| {
        send(
            &*service,
            post("/things", Some("k-1"), Some(AHLEN), r#"{"a":1}"#),
        )
    }))
    .await;
    for duplicate in &duplicates {
        assert_eq!(duplicate.status, 409);
        assert_eq!(duplicate.content_type, "application/problem+json");
    }
    harness.work.gate.add_permits(Semaphore::MAX_PERMITS);
    let first = first.await.unwrap();
    assert_eq!((first.status, first.replayed), (201, false));
    let retry = send(
        &*service,
        post("/things", Some("k-1"), Some(AHLEN), r#"{"a":1}"#),
    )
    .await;
    assert_eq!((retry.status, retry.replayed), (201, true));
    assert_eq!(retry.body, first.body);
    assert_eq!(harness.calls(), 1, "one resource");

    // Many at once, none first: exactly one runs.
    let racing = futures_util::future::join_all((0..6).map(|_| {
        send(
            &*service,
            post("/things", Some("k-race"), Some(BECKUM), "{}"),
        )
    }))
    .await;
    let created = racing
        .iter()
        .filter(|a| a.status == 201 && !a.replayed)
        .count();
    assert_eq!(created, 1);
    assert!(racing.iter().all(|a| a.status == 201 || a.status == 409));
    assert_eq!(harness.calls(), 2);
}

#[actix_web::test]
async fn a_server_error_is_not_stored_so_a_retry_runs_again() {
    let harness = Harness::new(true, true).await;
    let service = harness.service().await;
    let failed = send(&service, post("/things", Some("k-1"), Some(AHLEN), "{}")).await;
    assert_eq!(failed.status, 503);
    // The key is released in the background.
    let mut retry = send(&service, post("/things", Some("k-1"), Some(AHLEN), "{}")).await;
    for _ in 0..50 {
        if retry.status != 409 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        retry = send(&service, post("/things", Some("k-1"), Some(AHLEN), "{}")).await;
    }
    assert_eq!((retry.status, retry.replayed), (201, false));
    assert_eq!(harness.calls(), 2);
}

#[actix_web::test]
async fn stored_answers_expire_after_the_configured_time() {
    let harness = Harness::new(true, false).await;
    let service = harness.service().await;
    send(
        &service,
        post("/things", Some("k-1"), Some(AHLEN), r#"{"a":1}"#),
    )
    .await;
    harness
        .clock
        .advance(chrono::Duration::seconds(TTL.as_secs() as i64 - 1));
    let before = send(
        &service,
        post("/things", Some("k-1"), Some(AHLEN), r#"{"a":1}"#),
    )
    .await;
    assert!(before.replayed);
    harness.clock.advance(chrono::Duration::seconds(2));
    // Expired: the key is free again, even for another request.
    let after = send(
        &service,
        post("/things", Some("k-1"), Some(AHLEN), r#"{"a":2}"#),
    )
    .await;
    assert_eq!((after.status, after.replayed), (201, false));
    assert_eq!(after.body["echo"], json!({"a": 2}));
    assert_eq!(harness.calls(), 2);
}

#[actix_web::test]
async fn the_service_runs_every_post_through_the_middleware() {
    let app = TestApp::spawn().await;
    let before = app.trail_counts().await;
    let send = || {
        app.post("/api/v1/fields-of-action")
            .bearer_for(AHLEN, &["admin"])
            .header("idempotency-key", "k-1")
            .json(&json!({"name": "x"}))
            .send()
    };
    let first = send().await.unwrap();
    assert!(first.headers().get("idempotent-replayed").is_none());
    problem(first, 405).await;
    let second = send().await.unwrap();
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(second.headers()["allow"], "GET");
    problem(second, 405).await;
    assert_eq!(app.trail_counts().await, before);
}
