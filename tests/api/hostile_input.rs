//! Hostile input (issue 17): malformed, truncated and deeply nested JSON, duplicate member
//! names, NUL bytes and invalid UTF-8 in bodies, paths, query strings and headers, Unicode
//! normalization, invisible characters in names, oversize strings and numbers, slow clients.
//! Every answer is a clear problem document (or, for what actix refuses before the
//! application sees it, a plain 4xx), never a 5xx, and a refused write changes nothing.
//!
//! Table-driven over the operations of the OpenAPI document where the input is generic; the
//! real objects and valid bodies come from the authorization matrix's world.

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::authorization_matrix::{
    PENDING, World, digest, digest_query, etag_if_any, operations, prepare,
};
use crate::helpers::*;

/// Asserts a problem document with one of `statuses`; returns the status.
async fn assert_problem(response: reqwest::Response, statuses: &[u16], what: &str) -> u16 {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.text().await.unwrap();
    assert!(
        statuses.contains(&status),
        "{what}: {status} (wanted one of {statuses:?}) {body}"
    );
    let value: Value = serde_json::from_str(&body).unwrap();
    if value["type"] == "https://schema.oparl.org/1.1/Error" {
        // OParl answers in its own error format.
        assert!(value["message"].is_string(), "{what}: {value}");
        return status;
    }
    assert_eq!(content_type, "application/problem+json", "{what}: {body}");
    assert_eq!(value["status"], status, "{what}: {value}");
    assert!(value["detail"].is_string(), "{what}: {value}");
    status
}

/// Bodies that are not acceptable JSON for any operation.
fn hostile_bodies(valid: &Value) -> Vec<(&'static str, Vec<u8>, &'static [u16])> {
    let text = valid.to_string();
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let mut deep_object = String::new();
    for _ in 0..200 {
        deep_object.push_str("{\"a\":");
    }
    deep_object.push('1');
    deep_object.push_str(&"}".repeat(200));
    let mut invalid_utf8 = br#"{"title": ""#.to_vec();
    invalid_utf8.extend_from_slice(&[0xC3, 0x28, 0xFF]);
    invalid_utf8.extend_from_slice(br#""}"#);
    // A duplicate of the first member of the valid body (or a plain one).
    let duplicate = match valid.as_object().and_then(|m| m.iter().next()) {
        Some((name, value)) => format!("{{\"{name}\": {value}, \"{name}\": {value}}}"),
        None => r#"{"a": 1, "a": 2}"#.to_owned(),
    };
    vec![
        ("malformed", b"{\"title\": ".to_vec(), &[400]),
        (
            "truncated",
            text.as_bytes()[..text.len() / 2].to_vec(),
            &[400],
        ),
        ("empty", Vec::new(), &[400]),
        ("deeply nested arrays", nested.into_bytes(), &[400]),
        ("deeply nested objects", deep_object.into_bytes(), &[400]),
        ("duplicate member names", duplicate.into_bytes(), &[400]),
        ("invalid UTF-8", invalid_utf8, &[400]),
        (
            "a NUL byte raw in a string",
            b"{\"title\": \"a\x00b\"}".to_vec(),
            &[400],
        ),
        ("trailing garbage", format!("{text} x").into_bytes(), &[400]),
        (
            "a number past every range",
            br#"{"amount_cents": 1e400}"#.to_vec(),
            &[400],
        ),
        (
            "over the body limit",
            format!("{{\"title\": \"{}\"}}", "x".repeat(1_100_000)).into_bytes(),
            &[413],
        ),
    ]
}

#[actix_web::test]
async fn every_operation_with_a_body_refuses_hostile_json_with_a_problem_and_changes_nothing() {
    let app = TestApp::builder()
        .env("SMARTREGION_WEBHOOK_WORKER", "false")
        .env("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true")
        .spawn()
        .await;
    let mut world = World::seed(&app).await;
    let digest_sql = digest_query(&app).await;
    let mut tried = 0;
    for operation in operations() {
        if !matches!(operation.method, Method::POST | Method::PUT | Method::PATCH) {
            continue;
        }
        // The catalogue and initiative imports answer every unreadable body with their own per-row report
        // (422), tested in tests/api/projects/transfer.rs and tests/api/initiatives/transfer.rs.
        if operation.id == "import_projects" || operation.id == "import_initiatives" {
            continue;
        }
        // Operations the matrix cannot prepare objects for yet (see `PENDING`): their own
        // tests send them malformed bodies.
        if PENDING.contains(&operation.id.as_str()) {
            continue;
        }
        let call = prepare(&app, &mut world, &operation).await;
        let Some(valid) = call.body.clone() else {
            continue;
        };
        let tag = match &call.etag_from {
            Some(source) => etag_if_any(&app, source).await,
            None => None,
        };
        for (what, body, statuses) in hostile_bodies(&valid) {
            let before = digest(&app, &digest_sql).await;
            let mut request = app
                .request(operation.method.clone(), &call.path)
                .by_coordinator()
                .header("content-type", "application/json")
                .body(body);
            if let Some(tag) = &tag {
                request = request.header("If-Match", tag);
            }
            let who = format!(
                "{} {} ({}): {what}",
                operation.method, call.path, operation.id
            );
            assert_problem(request.send().await.unwrap(), statuses, &who).await;
            assert_eq!(
                digest(&app, &digest_sql).await,
                before,
                "{who} changed the database"
            );
            tried += 1;
        }
        // A JSON body sent as another media type.
        let mut request = app
            .request(operation.method.clone(), &call.path)
            .by_coordinator()
            .header("content-type", "text/plain")
            .body(valid.to_string());
        if let Some(tag) = &tag {
            request = request.header("If-Match", tag);
        }
        if operation.id != "import_projects" && operation.id != "import_initiatives" {
            assert_problem(request.send().await.unwrap(), &[415], &operation.id).await;
        }
    }
    assert!(tried > 300, "only {tried} hostile bodies tried");
}

/// Query strings that break the text rule, percent-encoded as a client would send them.
const HOSTILE_QUERIES: [(&str, &str); 7] = [
    ("a NUL byte", "q=a%00b"),
    ("invalid UTF-8", "q=%C3%28"),
    ("a lone continuation byte", "lead=%80"),
    ("a line feed", "q=a%0Ab"),
    ("a bidi override", "q=%E2%80%AEnelhA"),
    ("a zero-width space", "q=Ah%E2%80%8Blen"),
    ("a NUL byte in a name", "a%00b=1"),
];

#[actix_web::test]
async fn every_operation_refuses_hostile_query_strings_and_path_segments_with_a_problem() {
    let app = TestApp::builder()
        .env("SMARTREGION_WEBHOOK_WORKER", "false")
        .env("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true")
        .spawn()
        .await;
    let mut world = World::seed(&app).await;
    for operation in operations() {
        if operation.method != Method::GET {
            continue;
        }
        let call = prepare(&app, &mut world, &operation).await;
        let base = call.path.split('?').next().unwrap().to_owned();
        for (what, query) in HOSTILE_QUERIES {
            let who = format!("GET {base}?{query} ({}): {what}", operation.id);
            let response = app
                .get(&format!("{base}?{query}"))
                .by_coordinator()
                .send()
                .await
                .unwrap();
            assert_problem(response, &[400], &who).await;
        }
        // Each path parameter replaced by hostile segments.
        let templated: Vec<&str> = operation.path.split('/').collect();
        let actual: Vec<&str> = base.split('/').collect();
        if templated.len() != actual.len() {
            continue;
        }
        for (index, segment) in templated.iter().enumerate() {
            if !segment.starts_with('{') {
                continue;
            }
            let long = "a".repeat(5000);
            for hostile in [
                "%00",
                "%FF",
                "%E2%80%AE1",
                "..",
                "%2e%2e%2f",
                "-1",
                long.as_str(),
            ] {
                let mut parts = actual.clone();
                parts[index] = hostile;
                let path = parts.join("/");
                let who = format!("GET {} ({})", &path[..path.len().min(120)], operation.id);
                let response = app.get(&path).by_coordinator().send().await.unwrap();
                let status = response.status().as_u16();
                assert!(status < 500, "{who}: {status}");
                assert_problem(response, &[400, 404], &who).await;
            }
        }
    }
}

#[actix_web::test]
async fn hostile_header_values_get_a_problem_or_are_ignored_never_a_5xx() {
    let app = TestApp::spawn().await;
    let project = crate::costs::project(&app).await;
    let path = format!("/api/v1/projects/{project}");
    // Bytes beyond ASCII (obs-text), which HTTP lets through to the application.
    for (name, value, statuses) in [
        ("authorization", b"Bearer \xff\xfe\x80".to_vec(), &[401][..]),
        ("authorization", b"Bearer a.b.c\xc3\x28".to_vec(), &[401]),
        ("if-match", b"\"\xff\"".to_vec(), &[400, 412, 428]),
        (
            "idempotency-key",
            b"\xff\xfe".to_vec(),
            &[400, 401, 403, 412, 428],
        ),
        (
            "content-type",
            b"application/json\xff".to_vec(),
            &[400, 412, 415, 428],
        ),
    ] {
        let mut request = app.patch(&path);
        if name != "authorization" {
            request = request.by_coordinator();
        }
        if name != "content-type" {
            request = request.header("content-type", "application/json");
        }
        let response = request
            .body(r#"{"title": "Neu"}"#)
            .header(
                name,
                reqwest::header::HeaderValue::from_bytes(&value).unwrap(),
            )
            .send()
            .await
            .unwrap();
        assert_problem(response, statuses, name).await;
    }
    // A hostile request id is replaced, never echoed.
    let response = app
        .get("/api/v1/projects")
        .header(
            "x-request-id",
            reqwest::header::HeaderValue::from_bytes(b"abc\xff\xfe").unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!id.contains("abc"), "{id}");

    // A NUL byte or a bare CR in a header is refused by actix's parser before the application
    // sees the request: a 400 (plain, not a problem document: the application never runs),
    // never a 5xx.
    for raw in [
        &b"GET /api/v1/projects HTTP/1.1\r\nHost: x\r\nX-Test: a\x00b\r\n\r\n"[..],
        b"GET /api/v1/projects HTTP/1.1\r\nHost: x\r\nX-Test: a\rb\r\n\r\n",
        b"GET /api/v1/pro\x00jects HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /api/v1/projects?q=\xff HTTP/1.1\r\nHost: x\r\n\r\n",
    ] {
        let answer = raw_exchange(&app, raw).await;
        let status = status_of(&answer);
        assert!(
            (400..500).contains(&status),
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
}

async fn raw_exchange(app: &TestApp, request: &[u8]) -> Vec<u8> {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    // The head of the answer is enough.
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buffer).await.unwrap();
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..n]);
    }
    answer
}

fn status_of(answer: &[u8]) -> u16 {
    let text = String::from_utf8_lossy(answer);
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text}"))
}

#[actix_web::test]
async fn a_client_that_never_finishes_its_request_head_gets_408() {
    let app = TestApp::spawn().await;
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /api/v1/projects HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    // The service answers once its client request timeout has passed; this bound only keeps
    // a broken service from hanging the test.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        smartregion::startup::CLIENT_REQUEST_TIMEOUT * 4,
        stream.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "no answer to a slow client");
    assert_eq!(
        status_of(&answer),
        408,
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

/// Sends a request head that announces `length` bytes of body, then trickles the body one
/// byte every 200 ms, and returns what the service answered.
async fn trickle(app: &TestApp, path: &str, content_type: &str, length: usize) -> Vec<u8> {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n",
        token(DISTRICT, &["coordinator"])
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    // The deadline is 1 s; this bound only keeps a broken service from hanging the test.
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    for _ in 0..length {
        if stream.write_all(b" ").await.is_err() {
            break; // the service closed the connection
        }
        match tokio::time::timeout(
            std::time::Duration::from_millis(200),
            stream.read(&mut buffer),
        )
        .await
        {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
            Err(_) => {}
        }
        assert!(
            tokio::time::Instant::now() < until,
            "no answer to a trickled body"
        );
    }
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut answer),
    )
    .await;
    answer
}

#[actix_web::test]
async fn a_client_that_trickles_its_body_gets_a_408_problem_and_nothing_is_written() {
    let app = TestApp::builder()
        .env("SMARTREGION_BODY_TIMEOUT_SECS", "1")
        .spawn()
        .await;
    let digest_sql = digest_query(&app).await;
    let before = digest(&app, &digest_sql).await;
    // A JSON body (the shared extractor) and an import (read as a stream of its own).
    for (path, content_type) in [
        ("/api/v1/funding-programmes", "application/json"),
        ("/api/v1/projects/import", "text/csv"),
    ] {
        let answer = trickle(&app, path, content_type, 200).await;
        let text = String::from_utf8_lossy(&answer);
        assert_eq!(status_of(&answer), 408, "{path}: {text}");
        assert!(
            text.contains("application/problem+json")
                && text.contains("urn:smartregion:problem:request-timeout"),
            "{path}: {text}"
        );
        assert!(
            text.to_ascii_lowercase().contains("connection: close"),
            "{path}: {text}"
        );
    }
    assert_eq!(
        digest(&app, &digest_sql).await,
        before,
        "a timed-out write changed data"
    );
    // A body that arrives in time is still read.
    let quick = app
        .post("/api/v1/funding-programmes")
        .bearer_auth(token(DISTRICT, &["coordinator"]))
        .json(&json!({"name": "Zügig", "funding_body": "state",
                      "rule": {"type": "fixed", "base_cents": 1_000_000,
                               "per_further_partner_cents": 0, "base_partners": 2,
                               "max_rate_bp": 9000}}))
        .send()
        .await
        .unwrap();
    assert_eq!(quick.status(), 201, "{}", quick.text().await.unwrap());
}

#[actix_web::test]
async fn names_that_differ_only_in_unicode_normalization_are_the_same_name() {
    let app = TestApp::spawn().await;
    // Precomposed ö (U+00F6) and o + combining diaeresis (U+0308).
    let composed = "Förderprogramm Dörfer";
    let decomposed = "Fo\u{0308}rderprogramm Do\u{0308}rfer";
    let programme = |name: &str| {
        json!({"name": name, "funding_body": "state",
               "rule": {"type": "fixed", "base_cents": 1_000_000, "per_further_partner_cents": 0,
                        "base_partners": 2, "max_rate_bp": 9000}})
    };
    let first = json(
        app.post("/api/v1/funding-programmes")
            .by_coordinator()
            .json(&programme(decomposed))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    // Stored in NFC ...
    assert_eq!(first["name"], composed);
    // ... so the other spelling is the same name (funding programme names are unique).
    problem(
        app.post("/api/v1/funding-programmes")
            .by_coordinator()
            .json(&programme(composed))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    // Goal titles are unique too.
    let goal = |title: &str| json!({"title": title, "field_of_action": "town_village_centres"});
    json(
        app.post("/api/v1/strategy/goals")
            .by_coordinator()
            .json(&goal("Grüne Ortskerne"))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    problem(
        app.post("/api/v1/strategy/goals")
            .by_coordinator()
            .json(&goal("Gru\u{0308}ne Ortskerne"))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    // An organization's name compares the same way in searches: a project found by either
    // spelling.
    let project = crate::projects::create_project(
        &app,
        json!({"code": "NF-1", "title": "Smarte Dörfer", "field_of_action": "administration",
               "category": "lead"}),
    )
    .await;
    for q in ["Do%CC%88rfer", "D%C3%B6rfer"] {
        let found = json(
            app.get(&format!("/api/v1/projects?q={q}"))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        let _ = &project;
        assert!(
            found["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["code"] == "NF-1"),
            "{q}: {found}"
        );
    }
}

#[actix_web::test]
async fn invisible_and_bidi_characters_in_names_are_refused() {
    let app = TestApp::spawn().await;
    let before = app.trail_counts().await;
    for (what, name) in [
        ("zero-width space", "Ah\u{200B}len"),
        ("zero-width joiner", "Ah\u{200D}len"),
        ("zero-width non-joiner", "Ah\u{200C}len"),
        ("word joiner", "Ah\u{2060}len"),
        ("byte order mark", "\u{FEFF}Ahlen"),
        ("right-to-left mark", "Ahlen\u{200F}"),
        ("right-to-left override", "\u{202E}nelhA"),
        ("first strong isolate", "\u{2068}Ahlen\u{2069}"),
    ] {
        let body = problem(
            app.post("/api/v1/committee/members")
                .by_coordinator()
                .json(&json!({"organization": AHLEN, "name": name, "start_date": "2025-11-01"}))
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        assert_eq!(pointers(&body), vec!["/name".to_owned()], "{what}: {body}");
        let body = problem(
            app.post("/api/v1/projects")
                .by_coordinator()
                .json(&json!({"code": "ZW-1", "title": name,
                              "field_of_action": "administration", "category": "lead"}))
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        assert_eq!(pointers(&body), vec!["/title".to_owned()], "{what}: {body}");
    }
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn numbers_past_their_range_are_problems_never_5xx() {
    let app = TestApp::spawn().await;
    let project = crate::costs::project(&app).await;
    let items = crate::costs::items_path(project);
    for amount in [
        json!(i64::MAX),
        json!(u64::MAX),
        json!(-1),
        json!(1.5),
        json!(1e300),
        json!("100"),
    ] {
        let response = app
            .post(&items)
            .by_coordinator()
            .json(
                &json!({"category": "licence", "recurrence": "one_off", "fiscal_year": 2027,
                          "amount_cents": amount, "eligible_for_funding": false,
                          "basis": "estimate", "description": "Lizenz"}),
            )
            .send()
            .await
            .unwrap();
        assert_problem(response, &[400, 422], &format!("amount_cents {amount}")).await;
    }
    for year in [json!(i64::MIN), json!(i32::MAX), json!(0), json!(99999)] {
        let response = app
            .post(&items)
            .by_coordinator()
            .json(
                &json!({"category": "licence", "recurrence": "one_off", "fiscal_year": year,
                          "amount_cents": 100, "eligible_for_funding": false,
                          "basis": "estimate", "description": "Lizenz"}),
            )
            .send()
            .await
            .unwrap();
        assert_problem(response, &[400, 422], &format!("fiscal_year {year}")).await;
    }
    for limit in ["0", "201", "-1", "99999999999999999999", "1e3", "%00"] {
        let response = app
            .get(&format!("/api/v1/projects?limit={limit}"))
            .send()
            .await
            .unwrap();
        assert_problem(response, &[400], &format!("limit={limit}")).await;
    }
}
