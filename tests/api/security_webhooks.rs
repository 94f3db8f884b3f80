//! Issue 18, findings 3, 4 and 12: receivers that answer with endless or trickled bodies,
//! fairness and quotas across organizations, the port rule, and delivery errors that do not
//! tell open from closed ports. The misbehaving receivers are raw TCP servers on 127.0.0.1;
//! every loop they run is bounded in time and bytes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use smartregion::domain::webhooks::{AllowedPorts, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;
use crate::webhooks::{Receiver, app_allowing_private, fast_settings, start_worker, subscribe};

/// How a [`BadReceiver`] treats every connection.
#[derive(Debug, Clone, Copy)]
enum Behaviour {
    /// Accepts, reads, never answers.
    Tarpit,
    /// Answers 500 with a body of (up to) 64 MiB, as fast as the worker takes it.
    EndlessBody,
    /// Answers 500, then one byte of body every 50 ms.
    TrickledBody,
    /// Sends the status line, then one header line every 50 ms.
    TrickledHeaders,
    /// Not an HTTP server: a banner, then the connection is closed.
    NotHttp,
}

/// Longest a connection is served, whatever the worker does.
const CONNECTION_LIMIT: Duration = Duration::from_secs(30);
/// Most bytes of body an [`Behaviour::EndlessBody`] connection writes.
const ENDLESS_CAP: u64 = 64 << 20;

#[derive(Default)]
struct Stats {
    connections: AtomicUsize,
    open: AtomicUsize,
    /// Bytes written per connection, and how long after its accept the peer went away.
    finished: Mutex<Vec<(u64, Duration)>>,
}

struct BadReceiver {
    port: u16,
    stats: Arc<Stats>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for BadReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl BadReceiver {
    async fn start(behaviour: Behaviour) -> BadReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let stats = Arc::new(Stats::default());
        let shared = stats.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let stats = shared.clone();
                stats.connections.fetch_add(1, Ordering::SeqCst);
                stats.open.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let accepted = Instant::now();
                    let written = tokio::time::timeout(CONNECTION_LIMIT, serve(socket, behaviour))
                        .await
                        .unwrap_or(0);
                    stats.open.fetch_sub(1, Ordering::SeqCst);
                    stats
                        .finished
                        .lock()
                        .unwrap()
                        .push((written, accepted.elapsed()));
                });
            }
        });
        BadReceiver { port, stats, task }
    }

    fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://127.0.0.1:{}{path}", self.port)
    }

    fn finished(&self) -> Vec<(u64, Duration)> {
        self.stats.finished.lock().unwrap().clone()
    }
}

/// Serves one connection as told; returns the bytes of body written before the peer left.
async fn serve(mut socket: TcpStream, behaviour: Behaviour) -> u64 {
    let mut buffer = vec![0u8; 16 << 10];
    // The request (small: one read is enough to know one came).
    if socket.read(&mut buffer).await.unwrap_or(0) == 0 {
        return 0;
    }
    let head_500 = "HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\n\
                    content-length: 1073741824\r\n\r\n";
    let mut written = 0u64;
    match behaviour {
        Behaviour::Tarpit => {}
        Behaviour::NotHttp => {
            let _ = socket.write_all(b"SSH-2.0-OpenSSH_9.6\r\n").await;
            return 0;
        }
        Behaviour::EndlessBody => {
            if socket.write_all(head_500.as_bytes()).await.is_err() {
                return 0;
            }
            let chunk = vec![b'x'; 16 << 10];
            while written < ENDLESS_CAP {
                if socket.write_all(&chunk).await.is_err() {
                    return written;
                }
                written += chunk.len() as u64;
            }
        }
        Behaviour::TrickledBody => {
            if socket.write_all(head_500.as_bytes()).await.is_err() {
                return 0;
            }
            loop {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if socket.write_all(b"y").await.is_err() {
                    return written;
                }
                written += 1;
            }
        }
        Behaviour::TrickledHeaders => {
            if socket.write_all(b"HTTP/1.1 200 OK\r\n").await.is_err() {
                return 0;
            }
            loop {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if socket.write_all(b"x-slow: y\r\n").await.is_err() {
                    return 0;
                }
            }
        }
    }
    // Hold the connection until the worker closes it.
    while socket.read(&mut buffer).await.is_ok_and(|n| n > 0) {}
    written
}

async fn deliveries(app: &TestApp, id: &str) -> Vec<Value> {
    let body = json(
        app.get(&format!("/api/v1/webhooks/{id}/deliveries?limit=200"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    body["items"].as_array().unwrap().clone()
}

/// The first delivery of a subscription once it has failed at least once.
async fn first_failure(app: &TestApp, id: &str, seconds: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let log = deliveries(app, id).await;
        if let Some(failed) = log.iter().find(|d| !d["last_error"].is_null()) {
            return failed.clone();
        }
        assert!(Instant::now() < deadline, "no failed attempt: {log:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn id_of(hook: &Value) -> String {
    hook["id"].as_str().unwrap().to_owned()
}

// Finding 3: a failing receiver's body is read up to 4 KiB, within the timeout.

#[actix_web::test]
async fn an_endless_error_body_is_read_only_up_to_a_bound() {
    let app = app_allowing_private().await;
    let receiver = BadReceiver::start(Behaviour::EndlessBody).await;
    let hook = subscribe(&app, AHLEN, &receiver.url("http", "/hook"), &["project"]).await;
    ProjectBuilder::new("SW-01").create(&app).await;
    let mut settings = fast_settings();
    settings.timeout = Duration::from_secs(5);
    settings.retry.base = Duration::from_secs(30);
    settings.retry.max = Duration::from_secs(30);
    let worker = start_worker(&app, settings);
    let failed = first_failure(&app, &id_of(&hook), 20).await;
    // The first connection is over (the excerpt is recorded after it is closed).
    let mut finished = receiver.finished();
    for _ in 0..100 {
        if !finished.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        finished = receiver.finished();
    }
    worker.abort();

    assert_eq!(failed["last_status"], 500);
    let prefix = "the receiver answered 500 Internal Server Error: ";
    let expected = format!("{prefix}{}", "x".repeat(500 - prefix.len()));
    assert_eq!(failed["last_error"], expected.as_str());
    let (written, open_for) = finished[0];
    // The worker stopped reading after a few KiB: what the server got rid of is what the
    // sockets buffer, far below the 64 MiB it offered; and it did not wait for the timeout.
    assert!(written < 32 << 20, "the worker read {written} bytes");
    assert!(open_for < Duration::from_millis(2500), "held {open_for:?}");
}

#[actix_web::test]
async fn a_trickled_error_body_holds_the_slot_no_longer_than_the_timeout() {
    let app = app_allowing_private().await;
    let receiver = BadReceiver::start(Behaviour::TrickledBody).await;
    let hook = subscribe(&app, AHLEN, &receiver.url("http", "/hook"), &["project"]).await;
    ProjectBuilder::new("SW-02").create(&app).await;
    let mut settings = fast_settings();
    settings.timeout = Duration::from_secs(2);
    settings.retry.base = Duration::from_secs(30);
    settings.retry.max = Duration::from_secs(30);
    let started = Instant::now();
    let worker = start_worker(&app, settings);
    let failed = first_failure(&app, &id_of(&hook), 20).await;
    let recorded_after = started.elapsed();
    worker.abort();

    assert_eq!(failed["last_status"], 500);
    let error = failed["last_error"].as_str().unwrap();
    let excerpt = error
        .strip_prefix("the receiver answered 500 Internal Server Error: ")
        .unwrap_or_else(|| panic!("{error}"));
    // What trickled in before the deadline is kept (about 40 bytes in 2 s).
    assert!(
        !excerpt.is_empty() && excerpt.chars().all(|c| c == 'y'),
        "{error}"
    );
    assert!(
        recorded_after < Duration::from_secs(6),
        "the attempt ended after {recorded_after:?}, the timeout is 2 s"
    );
    assert_eq!(failed["attempts"], 1);
}

// Finding 4: a quota per organization, and organizations taking turns.

#[actix_web::test]
async fn an_organization_has_at_most_the_configured_number_of_subscriptions() {
    let app = TestApp::builder()
        .env("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true")
        .env("SMARTREGION_WEBHOOK_MAX_SUBSCRIPTIONS_PER_ORG", "2")
        .spawn()
        .await;
    let url = "http://127.0.0.1:9/hook";
    let first = subscribe(&app, AHLEN, url, &["project"]).await;
    subscribe(&app, AHLEN, url, &["project"]).await;
    let before = app.trail_counts().await;
    let count = || async {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use smartregion::db::schema::webhooks;
        webhooks::table
            .filter(webhooks::organization_key.eq(AHLEN))
            .count()
            .get_result::<i64>(&mut app.conn().await)
            .await
            .unwrap()
    };
    let expected = json!({
        "type": "urn:smartregion:problem:conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "organization 05570004 already has 2 webhook subscriptions, the most allowed; \
                   delete one first",
        "limit": 2,
    });
    // The organization's admin, and the steering office on its behalf.
    for request in [
        app.post("/api/v1/webhooks").bearer_for(AHLEN, &["admin"]),
        app.post(&format!("/api/v1/webhooks?organization={AHLEN}"))
            .by_coordinator(),
    ] {
        let refused = problem(
            request
                .json(&json!({"url": url, "event_types": ["project"]}))
                .send()
                .await
                .unwrap(),
            409,
        )
        .await;
        assert_eq!(refused, expected);
    }
    assert_eq!(count().await, 2);
    assert_eq!(app.trail_counts().await, before);
    // Another organization has its own quota.
    subscribe(&app, BECKUM, url, &["project"]).await;
    // A deleted subscription frees its place.
    let response = app
        .delete(&format!("/api/v1/webhooks/{}", id_of(&first)))
        .bearer_for(AHLEN, &["admin"])
        .header("If-Match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    subscribe(&app, AHLEN, url, &["project"]).await;
    assert_eq!(count().await, 2);
}

#[actix_web::test]
async fn concurrent_subscriptions_cannot_exceed_the_quota() {
    let app = TestApp::builder()
        .env("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true")
        .env("SMARTREGION_WEBHOOK_MAX_SUBSCRIPTIONS_PER_ORG", "3")
        .spawn()
        .await;
    let requests = (0..8).map(|_| {
        app.post("/api/v1/webhooks")
            .bearer_for(AHLEN, &["admin"])
            .json(&json!({"url": "http://127.0.0.1:9/hook", "event_types": ["project"]}))
            .send()
    });
    let statuses: Vec<u16> = futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        5,
        "{statuses:?}"
    );
}

/// Waits for `done`, at most `polls` worker poll intervals; returns how many it took.
async fn within_polls(polls: u32, poll: Duration, what: &str, done: impl Fn() -> bool) -> u32 {
    for n in 0..=polls {
        if done() {
            return n;
        }
        tokio::time::sleep(poll).await;
    }
    panic!("{what}: not within {polls} worker polls");
}

#[actix_web::test]
async fn a_tarpit_of_one_organization_does_not_delay_another_organizations_deliveries() {
    let app = app_allowing_private().await;
    let tarpit = BadReceiver::start(Behaviour::Tarpit).await;
    let fast = Receiver::start().await;
    // Ahlen: four subscriptions whose receiver accepts and never answers.
    for n in 0..4 {
        subscribe(
            &app,
            AHLEN,
            &tarpit.url("http", &format!("/a{n}")),
            &["project"],
        )
        .await;
    }
    subscribe(&app, BECKUM, &fast.url("/b"), &["project"]).await;
    for i in 0..10 {
        ProjectBuilder::new(&format!("TP-{i:02}"))
            .create(&app)
            .await;
    }
    let mut settings = fast_settings();
    // Each tarpit holds a slot for 10 s; failed attempts come back within 100 ms, so Ahlen's
    // queued deliveries want the slots all the time.
    settings.timeout = Duration::from_secs(10);
    settings.retry = RetryPolicy {
        base: Duration::from_millis(20),
        max: Duration::from_millis(100),
        window: Duration::from_secs(600),
    };
    settings.concurrency = 4;
    settings.per_organization = 2;
    let poll = settings.poll_interval;
    let worker = start_worker(&app, settings);
    // Generous bounds (a loaded machine), still well below one tarpit timeout (10 s = 400
    // polls); before the fix, every batch of claimed deliveries waited for the tarpits.
    within_polls(240, poll, "Beckum's ten queued events", || {
        fast.accepted("/b").len() == 10
    })
    .await;
    assert!(
        tarpit.stats.open.load(Ordering::SeqCst) >= 1,
        "the tarpit should hold slots meanwhile"
    );
    // New events of Beckum's, while Ahlen's tarpit keeps its slots.
    for i in 0..3 {
        ProjectBuilder::new(&format!("TP-{:02}", 10 + i))
            .create(&app)
            .await;
        within_polls(160, poll, "a new event of Beckum's", || {
            fast.accepted("/b").len() == 11 + i
        })
        .await;
    }
    let tarpit_connections = tarpit.stats.connections.load(Ordering::SeqCst);
    worker.abort();
    assert!(tarpit_connections >= 2, "{tarpit_connections}");
    // Beckum's events arrived once each, in order.
    let seqs: Vec<i64> = fast.accepted("/b").iter().map(|r| r.seq()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
}

#[actix_web::test]
async fn a_slow_receiver_is_given_a_pause_like_a_failing_one() {
    let app = app_allowing_private().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&app, AHLEN, &receiver.url("/slow"), &["project"]).await;
    ProjectBuilder::new("SL-01").create(&app).await;
    ProjectBuilder::new("SL-02").create(&app).await;
    // Answers 2xx after 1.2 s: past half the 2.4 s timeout.
    receiver.delay(1200);
    let mut settings = fast_settings();
    settings.timeout = Duration::from_millis(2400);
    settings.slow_after = Duration::from_millis(1200);
    settings.retry.base = Duration::from_secs(2);
    settings.retry.max = Duration::from_secs(2);
    let worker = start_worker(&app, settings);
    crate::webhooks::eventually(20, "both events", || receiver.accepted("/slow").len() == 2).await;
    worker.stop().await;
    let got = receiver.received();
    // Delivered once each: a slow success is a success.
    assert_eq!(got.len(), 2, "{got:?}");
    let gap = got[1].arrived - got[0].arrived;
    // 1.2 s of answering, then a pause of 1 to 2 s (the first retry delay with jitter).
    assert!(
        gap >= Duration::from_millis(2100),
        "the second came {gap:?} after the first"
    );
    let log = deliveries(&app, &id_of(&hook)).await;
    assert!(
        log.iter()
            .all(|d| d["state"] == "succeeded" && d["attempts"] == 1)
    );
}

// Finding 12: the port rule, and errors that do not tell open from closed ports.

#[actix_web::test]
async fn webhook_targets_use_the_web_ports_unless_configured() {
    let app = TestApp::spawn().await;
    let before = app.trail_counts().await;
    for (url, port) in [
        ("https://93.184.216.34:8443/hook", 8443),
        ("http://93.184.216.34:22/", 22),
        ("http://93.184.216.34:6379/", 6379),
    ] {
        let refused = problem(
            app.post("/api/v1/webhooks")
                .bearer_for(AHLEN, &["admin"])
                .json(&json!({"url": url, "event_types": ["project"]}))
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        let detail = format!(
            "the port {port} is not allowed; webhook targets may use the ports 443, 80 only"
        );
        assert_eq!(
            refused,
            json!({
                "type": "urn:smartregion:problem:validation-failed",
                "title": "The request has invalid fields",
                "status": 422,
                "detail": format!("/url: {detail}"),
                "errors": [{"pointer": "/url", "detail": detail}],
            }),
            "{url}"
        );
    }
    assert_eq!(app.trail_counts().await, before);
    // The web ports, explicit or implied.
    for url in [
        "https://93.184.216.34/hook",
        "http://93.184.216.34/hook",
        "https://93.184.216.34:443/hook",
        "http://93.184.216.34:80/hook",
    ] {
        subscribe(&app, AHLEN, url, &["project"]).await;
    }
    // A changed URL is checked the same way.
    let hook = subscribe(&app, BECKUM, "https://93.184.216.34/b", &["project"]).await;
    let refused = problem(
        app.patch(&format!("/api/v1/webhooks/{}", id_of(&hook)))
            .bearer_for(BECKUM, &["admin"])
            .header("If-Match", "*")
            .json(&json!({"url": "https://93.184.216.34:8080/b"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/url"]);

    // The setting applies with private targets allowed too, and may name other ports.
    let configured = TestApp::builder()
        .env("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true")
        .env("SMARTREGION_WEBHOOK_ALLOWED_PORTS", "443,8443")
        .spawn()
        .await;
    let refused = problem(
        configured
            .post("/api/v1/webhooks")
            .bearer_for(AHLEN, &["admin"])
            .json(&json!({"url": "http://127.0.0.1:9/hook", "event_types": ["project"]}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(
        refused["errors"][0]["detail"],
        "the port 9 is not allowed; webhook targets may use the ports 443, 8443 only"
    );
    subscribe(
        &configured,
        AHLEN,
        "https://127.0.0.1:8443/hook",
        &["project"],
    )
    .await;
}

#[actix_web::test]
async fn a_port_no_longer_allowed_is_refused_at_send_time() {
    let app = app_allowing_private().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&app, AHLEN, &receiver.url("/hook"), &["project"]).await;
    ProjectBuilder::new("PT-01").create(&app).await;
    let mut settings = fast_settings();
    settings.allowed_ports = AllowedPorts::web();
    let worker = start_worker(&app, settings);
    let failed = first_failure(&app, &id_of(&hook), 10).await;
    worker.abort();
    let port = receiver.base_url.rsplit(':').next().unwrap();
    assert_eq!(
        failed["last_error"],
        format!(
            "could not deliver: the port {port} is not allowed; webhook targets may use the \
             ports 443, 80 only"
        )
    );
    assert!(receiver.received().is_empty());
}

#[actix_web::test]
async fn delivery_errors_do_not_tell_whether_a_port_is_open() {
    let app = app_allowing_private().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let tarpit = BadReceiver::start(Behaviour::Tarpit).await;
    let not_http = BadReceiver::start(Behaviour::NotHttp).await;
    let slow_headers = BadReceiver::start(Behaviour::TrickledHeaders).await;
    let plain = Receiver::start().await;
    let targets = [
        ("closed port", format!("http://127.0.0.1:{closed}/hook")),
        ("silent open port", tarpit.url("http", "/hook")),
        ("another protocol", not_http.url("http", "/hook")),
        ("endless headers", slow_headers.url("http", "/hook")),
        (
            "TLS to a plain HTTP server",
            plain.url("/hook").replacen("http://", "https://", 1),
        ),
    ];
    let mut hooks = Vec::new();
    for (what, url) in &targets {
        hooks.push((*what, subscribe(&app, AHLEN, url, &["project"]).await));
    }
    ProjectBuilder::new("GE-01").create(&app).await;
    let mut settings = fast_settings();
    settings.timeout = Duration::from_secs(1);
    settings.concurrency = 8;
    settings.per_organization = 8;
    let worker = start_worker(&app, settings);
    for (what, hook) in &hooks {
        let failed = first_failure(&app, &id_of(hook), 20).await;
        assert_eq!(
            failed["last_error"], "could not deliver: connection failed",
            "{what}: {failed}"
        );
        assert!(failed["last_status"].is_null(), "{what}: {failed}");
    }
    worker.abort();
}

#[actix_web::test]
async fn a_subscription_past_the_failure_limit_is_not_sent_to_but_disabled() {
    use diesel_async::RunQueryDsl;
    let app = app_allowing_private().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&app, AHLEN, &receiver.url("/hook"), &["project"]).await;
    // As after the limit was lowered below the failures a subscription already had.
    diesel::sql_query("UPDATE webhook_cursors SET consecutive_failures = 5")
        .execute(&mut app.conn().await)
        .await
        .unwrap();
    ProjectBuilder::new("EX-01").create(&app).await;
    let mut settings = fast_settings();
    settings.max_failures = 3;
    let worker = start_worker(&app, settings);
    let path = format!("/api/v1/webhooks/{}", id_of(&hook));
    let deadline = Instant::now() + Duration::from_secs(10);
    let disabled = loop {
        let read = json(app.get(&path).by_coordinator().send().await.unwrap(), 200).await;
        if read["active"] == false {
            break read;
        }
        assert!(Instant::now() < deadline, "not disabled: {read}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    worker.stop().await;
    assert!(
        disabled["disabled_reason"]
            .as_str()
            .unwrap()
            .starts_with("disabled after 5 consecutive failed delivery attempts"),
        "{disabled}"
    );
    assert!(receiver.received().is_empty());
}
