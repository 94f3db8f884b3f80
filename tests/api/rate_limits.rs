//! Request budgets: per token, per client address without one, a lower one for the heavy
//! anonymous views; 429 problem+json (OParl error objects under /oparl) with `Retry-After` and
//! the `RateLimit-*` fields; `0` turns a budget off.

use std::time::Duration;

use reqwest::Response;
use serde_json::Value;
use smartregion::auth::jwt::{Claims, issue_hs256};

use crate::helpers::*;

/// A token of another subject than `helpers::token` uses.
fn token_of(subject: &str, org: &str, roles: &[&str]) -> String {
    let claims = Claims::new(
        subject,
        org,
        roles.iter().copied(),
        ISSUER,
        AUDIENCE,
        Duration::from_secs(600),
    );
    issue_hs256(SECRET.as_bytes(), &claims).unwrap()
}

/// A test app with the limits on and these settings.
async fn limited(settings: &[(&str, &str)]) -> TestApp {
    let mut builder = TestApp::builder().env("SMARTREGION_RATE_LIMIT_ENABLED", "true");
    for (name, value) in settings {
        builder = builder.env(name, value);
    }
    builder.spawn().await
}

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// `(limit, remaining, reset)` of an answer.
fn budget(response: &Response) -> (u64, u64, u64) {
    let number = |name| {
        header(response, name)
            .unwrap_or_else(|| panic!("no {name}"))
            .parse()
            .unwrap()
    };
    (
        number("ratelimit-limit"),
        number("ratelimit-remaining"),
        number("ratelimit-reset"),
    )
}

/// Asserts a 429 problem with `Retry-After` and the budget fields; returns the problem.
async fn assert_too_many(response: Response) -> Value {
    let retry_after: u64 = header(&response, "retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    let (_, remaining, reset) = budget(&response);
    assert_eq!(remaining, 0);
    assert!(
        reset >= retry_after,
        "reset {reset} < retry-after {retry_after}"
    );
    let body = problem(response, 429).await;
    assert_eq!(body["type"], "urn:smartregion:problem:too-many-requests");
    assert_eq!(body["title"], "Too many requests");
    body
}

#[actix_web::test]
async fn a_member_over_budget_gets_429_and_other_tokens_are_unaffected() {
    // Three at once, then one a minute: the fourth request within the test is refused.
    let app = limited(&[
        ("SMARTREGION_RATE_LIMIT_PER_MINUTE", "1"),
        ("SMARTREGION_RATE_LIMIT_BURST", "3"),
    ])
    .await;
    let ahlen = token(AHLEN, &["admin"]);
    for expected_remaining in [2, 1, 0] {
        let response = app
            .get("/api/v1/me")
            .bearer_auth(&ahlen)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let (limit, remaining, reset) = budget(&response);
        assert_eq!((limit, remaining), (3, expected_remaining));
        assert!(reset <= 3 * 60, "{reset}");
    }
    let response = app
        .get("/api/v1/me")
        .bearer_auth(&ahlen)
        .send()
        .await
        .unwrap();
    let body = assert_too_many(response).await;
    assert_eq!(
        body["detail"].as_str().unwrap().split(';').next().unwrap(),
        "too many requests from this token"
    );
    // A write is refused before it runs: nothing is recorded.
    let before = app.trail_counts().await;
    let response = app
        .post("/api/v1/calendar-feed-tokens")
        .bearer_auth(&ahlen)
        .json(&serde_json::json!({"label": "Kalender"}))
        .send()
        .await
        .unwrap();
    assert_too_many(response).await;
    assert_eq!(app.trail_counts().await, before);

    // The budget belongs to the subject and organization, not to one token string: a fresh
    // token of the same holder is still refused; other holders have budgets of their own.
    let response = app
        .get("/api/v1/me")
        .bearer_for(AHLEN, &["viewer"])
        .send()
        .await
        .unwrap();
    assert_too_many(response).await;
    for other in [
        token_of("kaemmerei@ahlen", AHLEN, &["viewer"]),
        token(BECKUM, &["admin"]),
    ] {
        let response = app
            .get("/api/v1/me")
            .bearer_auth(&other)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(budget(&response).1, 2);
    }
    let response = app.get("/api/v1/projects").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(budget(&response).0, 60, "the anonymous default burst");
}

#[actix_web::test]
async fn an_anonymous_dashboard_flood_is_refused_while_members_are_served() {
    let app = limited(&[
        ("SMARTREGION_RATE_LIMIT_HEAVY_ANON_PER_MINUTE", "1"),
        ("SMARTREGION_RATE_LIMIT_HEAVY_ANON_BURST", "2"),
        ("SMARTREGION_DB_POOL_SIZE", "2"),
    ])
    .await;
    let flood = (0..40).map(|_| app.get("/api/v1/dashboard").send());
    let answers = futures_util::future::join_all(flood).await;
    let mut statuses: Vec<u16> = answers
        .iter()
        .map(|r| r.as_ref().unwrap().status().as_u16())
        .collect();
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        38,
        "{statuses:?}"
    );
    for response in answers.into_iter().map(Result::unwrap) {
        if response.status() == 429 {
            let body = assert_too_many(response).await;
            assert!(
                body["detail"]
                    .as_str()
                    .unwrap()
                    .starts_with("too many requests from this address without a token"),
                "{body}"
            );
        }
    }
    // The other heavy views share that budget; the light ones have their own.
    for path in ["/api/v1/participation-matrix", "/api/v1/meetings.ics"] {
        let response = app.get(path).send().await.unwrap();
        assert_too_many(response).await;
    }
    let response = app.get("/api/v1/projects").send().await.unwrap();
    assert_eq!(response.status(), 200);
    // A member is counted by its token and served.
    for path in [
        "/api/v1/dashboard",
        "/api/v1/participation-matrix",
        "/api/v1/meetings.ics",
    ] {
        let response = app
            .get(path)
            .bearer_auth(token(BECKUM, &["viewer"]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
}

#[actix_web::test]
async fn zero_turns_a_budget_off_and_refused_tokens_count_as_anonymous() {
    let app = limited(&[
        ("SMARTREGION_RATE_LIMIT_PER_MINUTE", "0"),
        ("SMARTREGION_RATE_LIMIT_ANON_PER_MINUTE", "1"),
        ("SMARTREGION_RATE_LIMIT_ANON_BURST", "1"),
    ])
    .await;
    let viewer = token(AHLEN, &["viewer"]);
    for _ in 0..20 {
        let response = app
            .get("/api/v1/me")
            .bearer_auth(&viewer)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "ratelimit-limit"), None);
    }
    // The address's one request: a refused token, answered 401 by the handler.
    let response = app
        .get("/api/v1/me")
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(budget(&response).1, 0);
    let response = app.get("/api/v1/projects").send().await.unwrap();
    assert_too_many(response).await;
    // Outside /api and /oparl nothing is counted.
    let response = app.get("/health/live").send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[actix_web::test]
async fn oparl_answers_429_with_an_oparl_error_object() {
    let app = limited(&[
        ("SMARTREGION_RATE_LIMIT_ANON_PER_MINUTE", "1"),
        ("SMARTREGION_RATE_LIMIT_ANON_BURST", "1"),
    ])
    .await;
    let response = app.get("/oparl/v1.1/system").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(budget(&response).1, 0);
    let response = app.get("/oparl/v1.1/system").send().await.unwrap();
    assert_eq!(response.status(), 429);
    assert!(header(&response, "retry-after").is_some());
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert_eq!(budget(&response).1, 0);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["type"], "https://schema.oparl.org/1.1/Error");
}

#[actix_web::test]
async fn with_the_limits_off_no_answer_carries_budget_fields() {
    let app = TestApp::builder()
        .env("SMARTREGION_RATE_LIMIT_ENABLED", "false")
        .spawn()
        .await;
    let response = app.get("/api/v1/dashboard").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "ratelimit-remaining"), None);
}
