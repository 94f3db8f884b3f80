//! Webhooks: the subscriptions API, and the delivery worker against a receiver on 127.0.0.1.

mod access;
mod deletes;
mod delivery;
mod scale;

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use smartregion::clock::SystemClock;
use smartregion::domain::webhooks::{AllowedPorts, RetryPolicy};
use smartregion::webhooks::secret_store::{SecretStore, StorageKey};
use smartregion::webhooks::{WorkerHandle, WorkerSettings};

use crate::helpers::*;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Vec<u8>,
    /// Whether the receiver answered 2xx.
    pub accepted: bool,
    /// When the request came in (before any delay of the answer).
    pub arrived: std::time::Instant,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn seq(&self) -> i64 {
        self.json()["data"]["seq"].as_i64().unwrap()
    }
}

#[derive(Default)]
struct ReceiverState {
    received: Mutex<Vec<Received>>,
    /// Answer 500 to this many requests, then succeed.
    fail_next: AtomicUsize,
    /// Answer 503 to every request.
    always_fail: AtomicBool,
    /// Fail every n-th request (0: never).
    fail_every: AtomicUsize,
    count: AtomicUsize,
    delay_ms: AtomicU64,
    in_flight: Mutex<HashSet<String>>,
    /// Set when one message id was being received twice at the same time.
    concurrent_duplicate: AtomicBool,
}

/// An HTTP receiver on 127.0.0.1 that records every request and answers as told.
pub struct Receiver {
    pub base_url: String,
    state: Arc<ReceiverState>,
    handle: ServerHandle,
}

async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<ReceiverState>>,
) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let arrived = std::time::Instant::now();
    let id = header("webhook-id");
    if !state.in_flight.lock().unwrap().insert(id.clone()) {
        state.concurrent_duplicate.store(true, Ordering::SeqCst);
    }
    let delay = state.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let n = state.count.fetch_add(1, Ordering::SeqCst) + 1;
    let every = state.fail_every.load(Ordering::SeqCst);
    let fail = state.always_fail.load(Ordering::SeqCst)
        || state
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        || (every > 0 && n.is_multiple_of(every));
    state.received.lock().unwrap().push(Received {
        path: req.path().to_owned(),
        id: id.clone(),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: body.to_vec(),
        accepted: !fail,
        arrived,
    });
    state.in_flight.lock().unwrap().remove(&id);
    if fail {
        HttpResponse::InternalServerError().body("receiver says no")
    } else {
        HttpResponse::NoContent().finish()
    }
}

impl Receiver {
    pub async fn start() -> Receiver {
        let state = Arc::new(ReceiverState::default());
        let data = web::Data::new(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            actix_web::App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Receiver {
            base_url: format!("http://127.0.0.1:{port}"),
            state,
            handle,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    pub fn accepted(&self, path: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.accepted && r.path == path)
            .collect()
    }

    pub fn fail_next(&self, n: usize) {
        self.state.fail_next.store(n, Ordering::SeqCst);
    }

    pub fn always_fail(&self, on: bool) {
        self.state.always_fail.store(on, Ordering::SeqCst);
    }

    pub fn fail_every(&self, n: usize) {
        self.state.fail_every.store(n, Ordering::SeqCst);
    }

    pub fn delay(&self, millis: u64) {
        self.state.delay_ms.store(millis, Ordering::SeqCst);
    }

    pub fn saw_concurrent_duplicate(&self) -> bool {
        self.state.concurrent_duplicate.load(Ordering::SeqCst)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// Worker settings that make tests take seconds: quick polls, millisecond backoff.
pub fn fast_settings() -> WorkerSettings {
    WorkerSettings {
        allow_private: true,
        allowed_ports: AllowedPorts::Any,
        max_failures: 50,
        timeout: Duration::from_secs(2),
        slow_after: Duration::from_secs(1),
        lease: Duration::from_secs(5),
        retry: RetryPolicy {
            base: Duration::from_millis(20),
            max: Duration::from_millis(100),
            window: Duration::from_secs(60),
        },
        poll_interval: Duration::from_millis(25),
        concurrency: 4,
        per_organization: 2,
        batch: 500,
        public_url: PUBLIC_URL.into(),
        secrets: SecretStore::default(),
        retention: Duration::from_secs(30 * 86_400),
    }
}

/// Starts a worker with its own pool on the test's database.
pub fn start_worker(app: &TestApp, settings: WorkerSettings) -> WorkerHandle {
    let pool = smartregion::db::pool(
        &crate::helpers::db::database_url(&app.database),
        4,
        Duration::from_secs(5),
    )
    .unwrap();
    smartregion::startup::start_webhook_worker(pool, settings, Arc::new(SystemClock)).unwrap()
}

/// A test app whose webhooks may target 127.0.0.1.
pub async fn app_allowing_private() -> TestApp {
    TestApp::builder()
        .env("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true")
        .spawn()
        .await
}

/// Creates a subscription as an admin of `org`; returns the response body (with the secret).
pub async fn subscribe(app: &TestApp, org: &str, url: &str, event_types: &[&str]) -> Value {
    json(
        app.post("/api/v1/webhooks")
            .bearer_for(org, &["admin"])
            .json(&json!({"url": url, "event_types": event_types}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await
}

/// Waits up to `seconds` for `done`, polling.
pub async fn eventually<F: Fn() -> bool>(seconds: u64, what: &str, done: F) {
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Verifies a Standard Webhooks signature with the secret, independently of the service's
/// code.
pub fn signature_is_valid(secret: &str, received: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(
        format!(
            "{}.{}.{}",
            received.id,
            received.timestamp,
            std::str::from_utf8(&received.body).unwrap()
        )
        .as_bytes(),
    );
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    received.signature.split(' ').any(|s| s == expected)
}

/// The sequence numbers of the events a path accepted, in arrival order.
pub fn accepted_seqs(receiver: &Receiver, path: &str) -> Vec<i64> {
    receiver.accepted(path).iter().map(Received::seq).collect()
}
