//! The delivery worker: signatures, visibility, retries, order, disabling and abandoning.

use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::helpers::builders::ProjectBuilder;

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

#[actix_web::test]
async fn events_are_posted_signed_per_standard_webhooks() {
    // With the metrics listener, where the delivery outcomes are counted.
    let app = TestApp::builder()
        .env("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true")
        .env("SMARTREGION_METRICS_BIND", "127.0.0.1:0")
        .spawn()
        .await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&app, AHLEN, &receiver.url("/ahlen"), &["project"]).await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let id = hook["id"].as_str().unwrap().to_owned();
    // The secret is shown once only.
    let read = json(
        app.get(&format!("/api/v1/webhooks/{id}"))
            .bearer_for(AHLEN, &["admin"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(read.get("secret").is_none(), "{read}");

    let project = ProjectBuilder::new("WH-01").create(&app).await;
    let worker = start_worker(&app, fast_settings());
    eventually(10, "one delivery", || {
        receiver.accepted("/ahlen").len() == 1
    })
    .await;
    worker.stop().await;

    let got = &receiver.accepted("/ahlen")[0];
    assert!(signature_is_valid(&secret, got), "{got:?}");
    let body = got.json();
    assert_eq!(body["type"], "project.created");
    assert_eq!(body["data"]["entity"], "project");
    assert_eq!(body["data"]["entity_id"], project.to_string());
    assert_eq!(body["data"]["operation"], "created");
    assert_eq!(
        body["data"]["url"],
        format!("{PUBLIC_URL}/api/v1/projects/{project}")
    );
    let age = chrono::Utc::now().timestamp() - got.timestamp.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "timestamp {}", got.timestamp);
    // A tampered body or another secret does not verify.
    let mut tampered = got.clone();
    tampered.body = br#"{"type":"project.deleted"}"#.to_vec();
    assert!(!signature_is_valid(&secret, &tampered));
    assert!(!signature_is_valid(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        got
    ));

    // The outcome is counted in the metrics (one counter for the test process).
    let metrics = app
        .client
        .get(format!(
            "{}/metrics",
            app.metrics_address.as_deref().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("smartregion_webhook_deliveries_total{outcome=\"succeeded\"}")),
        "{metrics}"
    );

    let log = deliveries(&app, &id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["id"], got.id);
    assert_eq!(log[0]["state"], "succeeded");
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["last_status"], 204);
    assert_eq!(log[0]["event_type"], "project.created");
    assert!(log[0]["next_attempt_at"].is_null());
}

#[actix_web::test]
async fn a_supplied_secret_signs_and_event_types_filter() {
    let app = app_allowing_private().await;
    let receiver = Receiver::start().await;
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let hook = json(
        app.post("/api/v1/webhooks")
            .bearer_for(AHLEN, &["integration"])
            .json(
                &json!({"url": receiver.url("/deleted"), "event_types": ["project.deleted"],
                          "secret": secret}),
            )
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(hook["secret"], secret);
    subscribe(&app, AHLEN, &receiver.url("/all"), &["*"]).await;
    // A project created and then deleted through the API.
    let created = json(
        app.post("/api/v1/projects")
            .by_coordinator()
            .json(&json!({"code": "WH-02", "title": "Webhook-Test",
                          "field_of_action": "digital_infrastructure", "category": "lead"}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let project = created["id"].as_str().unwrap();
    let response = app
        .delete(&format!("/api/v1/projects/{project}"))
        .by_coordinator()
        .header("If-Match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    let worker = start_worker(&app, fast_settings());
    eventually(10, "deliveries", || {
        receiver.accepted("/deleted").len() == 1 && receiver.accepted("/all").len() >= 3
    })
    .await;
    worker.stop().await;
    let deleted = &receiver.accepted("/deleted")[0];
    assert!(signature_is_valid(secret, deleted));
    assert_eq!(deleted.json()["type"], "project.deleted");
    let all: Vec<String> = receiver
        .accepted("/all")
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    // `*`: its own creation, then the project's two changes, in order.
    assert_eq!(
        all,
        ["webhook.created", "project.created", "project.deleted"],
        "{all:?}"
    );
}

#[actix_web::test]
async fn a_subscription_gets_only_changes_its_organization_may_read() {
    let app = app_allowing_private().await;
    let receiver = Receiver::start().await;
    let first = subscribe(&app, AHLEN, &receiver.url("/ahlen"), &["webhook"]).await;
    // Beckum's subscription is Beckum's business; Ahlen's second one is Ahlen's.
    let beckum = subscribe(&app, BECKUM, &receiver.url("/beckum"), &["project"]).await;
    let second = subscribe(&app, AHLEN, &receiver.url("/ahlen-2"), &["project"]).await;

    let worker = start_worker(&app, fast_settings());
    eventually(10, "Ahlen's own changes", || {
        receiver.accepted("/ahlen").len() >= 2
    })
    .await;
    // Give the worker time to (wrongly) send Beckum's change too.
    tokio::time::sleep(Duration::from_millis(300)).await;
    worker.stop().await;
    let got: Vec<Value> = receiver
        .accepted("/ahlen")
        .iter()
        .map(Received::json)
        .collect();
    // A subscription's own creation is the first change recorded after it.
    let ids: Vec<&Value> = got.iter().map(|e| &e["data"]["entity_id"]).collect();
    assert_eq!(ids, [&first["id"], &second["id"]], "{got:?}");
    assert!(!ids.contains(&&beckum["id"]));
    assert!(got.iter().all(|e| e["type"] == "webhook.created"));
    assert!(got.iter().all(|e| e["data"]["organization"] == AHLEN));
    // Beckum's own subscription did not get Ahlen's records either (it wants projects only).
    assert!(receiver.accepted("/beckum").is_empty());
}

#[actix_web::test]
async fn failed_deliveries_are_retried_with_the_same_id_until_they_succeed() {
    let app = app_allowing_private().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&app, AHLEN, &receiver.url("/retry"), &["project"]).await;
    let id = hook["id"].as_str().unwrap();
    receiver.fail_next(3);
    ProjectBuilder::new("WH-03").create(&app).await;
    let worker = start_worker(&app, fast_settings());
    eventually(10, "success after retries", || {
        receiver.accepted("/retry").len() == 1
    })
    .await;
    worker.stop().await;
    let attempts = receiver.received();
    assert_eq!(attempts.len(), 4, "{attempts:?}");
    assert!(attempts.iter().all(|a| a.id == attempts[0].id));
    assert!(attempts[..3].iter().all(|a| !a.accepted));
    let log = deliveries(&app, id).await;
    assert_eq!(log[0]["state"], "succeeded");
    assert_eq!(log[0]["attempts"], 4);
    // A success resets the failure count.
    let read = json(
        app.get(&format!("/api/v1/webhooks/{id}"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(read["consecutive_failures"], 0);
    assert_eq!(read["active"], true);
}

#[actix_web::test]
async fn events_of_a_subscription_go_out_in_order_despite_failures() {
    let app = app_allowing_private().await;
    let receiver = Receiver::start().await;
    subscribe(&app, AHLEN, &receiver.url("/a"), &["project"]).await;
    subscribe(&app, BECKUM, &receiver.url("/b"), &["project"]).await;
    for i in 0..12 {
        ProjectBuilder::new(&format!("OR-{i:02}"))
            .create(&app)
            .await;
    }
    receiver.fail_every(3);
    let worker = start_worker(&app, fast_settings());
    eventually(20, "all deliveries", || {
        receiver.accepted("/a").len() == 12 && receiver.accepted("/b").len() == 12
    })
    .await;
    worker.stop().await;
    for path in ["/a", "/b"] {
        let accepted = accepted_seqs(&receiver, path);
        let mut sorted = accepted.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(accepted, sorted, "{path}: accepted out of order or twice");
        // Every attempt, failed ones included: never a later event before an earlier one.
        let attempts: Vec<i64> = receiver
            .received()
            .iter()
            .filter(|r| r.path == path)
            .map(Received::seq)
            .collect();
        assert!(
            attempts.windows(2).all(|w| w[0] <= w[1]),
            "{path}: {attempts:?}"
        );
        assert!(
            attempts.len() > 12,
            "{path}: some attempts should have failed"
        );
    }
}

#[actix_web::test]
async fn a_subscription_is_disabled_after_too_many_failures_and_resumes_when_activated() {
    let app = app_allowing_private().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&app, AHLEN, &receiver.url("/down"), &["project"]).await;
    let id = hook["id"].as_str().unwrap().to_owned();
    receiver.always_fail(true);
    ProjectBuilder::new("DF-01").create(&app).await;
    ProjectBuilder::new("DF-02").create(&app).await;
    let mut settings = fast_settings();
    settings.max_failures = 3;
    let worker = start_worker(&app, settings);
    let path = format!("/api/v1/webhooks/{id}");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let disabled = loop {
        let read = json(app.get(&path).by_coordinator().send().await.unwrap(), 200).await;
        if read["active"] == false {
            break read;
        }
        assert!(std::time::Instant::now() < deadline, "not disabled: {read}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(disabled["consecutive_failures"], 3);
    assert!(
        disabled["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("3 consecutive"),
        "{disabled}"
    );
    // Nothing more is sent while disabled.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 3);
    // The service's own write is in the audit trail.
    let audit = json(
        app.get("/api/v1/audit?entity=webhook")
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "webhook.disable"),
        "{audit}"
    );

    // The receiver is fixed and the subscription activated again: both events arrive, in order.
    receiver.always_fail(false);
    let response = app
        .patch(&path)
        .bearer_for(AHLEN, &["admin"])
        .header("If-Match", "*")
        .json(&json!({"active": true}))
        .send()
        .await
        .unwrap();
    let resumed = json(response, 200).await;
    assert_eq!(resumed["active"], true);
    assert_eq!(resumed["consecutive_failures"], 0);
    assert!(resumed["disabled_reason"].is_null());
    eventually(10, "the waiting events", || {
        receiver.accepted("/down").len() == 2
    })
    .await;
    worker.stop().await;
    let seqs = accepted_seqs(&receiver, "/down");
    assert!(seqs[0] < seqs[1]);
}

#[actix_web::test]
async fn a_delivery_is_abandoned_after_the_retry_window_and_the_next_one_goes_out() {
    let app = app_allowing_private().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&app, AHLEN, &receiver.url("/window"), &["project"]).await;
    let id = hook["id"].as_str().unwrap().to_owned();
    receiver.always_fail(true);
    ProjectBuilder::new("AB-01").create(&app).await;
    let mut settings = fast_settings();
    settings.retry.window = Duration::from_millis(300);
    let worker = start_worker(&app, settings);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let log = deliveries(&app, &id).await;
        if log.first().is_some_and(|d| d["state"] == "abandoned") {
            assert!(log[0]["attempts"].as_i64().unwrap() >= 2, "{log:?}");
            assert_eq!(log[0]["last_status"], 500);
            assert!(
                log[0]["last_error"]
                    .as_str()
                    .unwrap()
                    .contains("receiver says no")
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{log:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    receiver.always_fail(false);
    ProjectBuilder::new("AB-02").create(&app).await;
    eventually(10, "the next event", || {
        receiver.accepted("/window").len() == 1
    })
    .await;
    worker.stop().await;
    assert_eq!(
        receiver.accepted("/window")[0].json()["type"],
        "project.created"
    );
    let log = deliveries(&app, &id).await;
    assert_eq!(log[0]["state"], "succeeded");
    assert_eq!(log[1]["state"], "abandoned");
}

#[actix_web::test]
async fn with_a_storage_key_secrets_are_encrypted_at_rest_and_still_sign() {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use smartregion::db::schema::webhooks;
    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    let app = TestApp::builder()
        .env("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true")
        .env("SMARTREGION_WEBHOOK_SECRET_KEY", KEY)
        .spawn()
        .await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&app, AHLEN, &receiver.url("/ahlen"), &["project"]).await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    let id: uuid::Uuid = hook["id"].as_str().unwrap().parse().unwrap();
    let stored: String = webhooks::table
        .find(id)
        .select(webhooks::secret)
        .get_result(&mut app.conn().await)
        .await
        .unwrap();
    assert!(stored.starts_with("enc:v1:"), "{stored}");
    let encoded = secret.trim_start_matches("whsec_");
    assert!(
        !stored.contains(encoded),
        "the secret is readable in the database"
    );

    ProjectBuilder::new("WH-90").create(&app).await;
    let settings = WorkerSettings {
        secrets: SecretStore::new(Some(StorageKey::from_base64(KEY).unwrap())),
        ..fast_settings()
    };
    let worker = start_worker(&app, settings);
    eventually(10, "one delivery", || {
        receiver.accepted("/ahlen").len() == 1
    })
    .await;
    worker.stop().await;
    assert!(signature_is_valid(&secret, &receiver.accepted("/ahlen")[0]));

    // A replaced secret is sealed too; a worker without the key cannot use it and says why.
    let replacement = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    json(
        app.patch(&format!("/api/v1/webhooks/{id}"))
            .bearer_for(AHLEN, &["admin"])
            .header("if-match", "*")
            .json(&json!({"secret": replacement}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let stored: String = webhooks::table
        .find(id)
        .select(webhooks::secret)
        .get_result(&mut app.conn().await)
        .await
        .unwrap();
    assert!(stored.starts_with("enc:v1:") && !stored.contains("MfKQ9r8G"));
    ProjectBuilder::new("WH-91").create(&app).await;
    let worker = start_worker(&app, fast_settings());
    let id = id.to_string();
    let mut reason = String::new();
    for _ in 0..200 {
        let failed = deliveries(&app, &id)
            .await
            .into_iter()
            .find_map(|d| d["last_error"].as_str().map(str::to_owned));
        if let Some(error) = failed {
            reason = error;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.stop().await;
    assert!(
        reason.contains("SMARTREGION_WEBHOOK_SECRET_KEY"),
        "{reason}"
    );
    assert_eq!(receiver.accepted("/ahlen").len(), 1);
}

#[actix_web::test]
async fn finished_deliveries_leave_the_log_after_the_retention() {
    use diesel::sql_types::{Text, Uuid as SqlUuid};
    use diesel_async::RunQueryDsl;
    let app = app_allowing_private().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&app, AHLEN, &receiver.url("/ahlen"), &["project"]).await;
    let id = hook["id"].as_str().unwrap().to_owned();
    // Deliveries of long ago and of yesterday, finished and not; the pending one is not due.
    for (seq, state, completed_days_ago) in [
        (1_i64, "succeeded", Some(40)),
        (2, "abandoned", Some(31)),
        (3, "succeeded", Some(1)),
        (4, "pending", None),
    ] {
        diesel::sql_query(format!(
            "INSERT INTO webhook_deliveries (webhook_id, change_seq, event_type, payload, state, \
                 next_attempt_at, created_at, completed_at) \
             VALUES ($1, {seq}, 'project.created', '{{}}', $2, now() + interval '1 day', \
                 now() - interval '60 days', {})",
            completed_days_ago.map_or("NULL".to_owned(), |d: i32| format!(
                "now() - interval '{d} days'"
            ))
        ))
        .bind::<SqlUuid, _>(id.parse::<uuid::Uuid>().unwrap())
        .bind::<Text, _>(state)
        .execute(&mut app.conn().await)
        .await
        .unwrap();
    }
    let seqs = |items: Vec<Value>| -> Vec<i64> {
        let mut seqs: Vec<i64> = items
            .iter()
            .map(|d| d["change_seq"].as_i64().unwrap())
            .collect();
        seqs.sort();
        seqs
    };
    assert_eq!(seqs(deliveries(&app, &id).await), [1, 2, 3, 4]);

    let worker = start_worker(&app, fast_settings());
    let mut left = Vec::new();
    for _ in 0..100 {
        left = seqs(deliveries(&app, &id).await);
        if left.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.stop().await;
    assert_eq!(
        left,
        [3, 4],
        "only finished deliveries older than 30 days go"
    );
}
