//! The calendar feed and its tokens.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use icalendar::{Calendar, Component};
use serde_json::{Value, json};
use smartregion::db::schema::calendar_feed_tokens;

use super::*;

async fn feed(app: &TestApp, query: &str) -> reqwest::Response {
    app.get(&format!("/api/v1/meetings.ics{query}"))
        .send()
        .await
        .unwrap()
}

async fn feed_summaries(app: &TestApp, query: &str) -> (Vec<String>, String) {
    let response = feed(app, query).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    let calendar: Calendar = text.parse().unwrap();
    let summaries = calendar
        .events()
        .map(|e| e.get_summary().unwrap().to_owned())
        .collect();
    (summaries, unfold_ics(&text))
}

async fn create_token(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post("/api/v1/calendar-feed-tokens")
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_public_feed_holds_public_meetings_and_a_feed_token_all_until_revoked() {
    let app = TestApp::spawn().await;
    sample(&app).await;
    simple_meeting(&app, 21, false).await;
    let (summaries, text) = feed_summaries(&app, "").await;
    assert_eq!(summaries, ["7. Sitzung des Lenkungskreises Smart Region"]);
    assert!(text.contains("BEGIN:VTIMEZONE"));
    assert!(!text.contains("Geheim"), "{text}");
    assert!(text.contains("TOP 2 Glasfaser für Gewerbegebiete"));

    // An organization's admin creates a token; the secret is shown once, only its hash stored.
    let created = json(
        create_token(
            &app,
            &token(AHLEN, &["admin"]),
            json!({"label": "Kalender Bürgermeisterbüro"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(created["organization"], AHLEN);
    let secret = created["token"].as_str().unwrap().to_owned();
    assert!(secret.len() > 40);
    assert_eq!(
        created["feed_url"],
        format!("{PUBLIC_URL}/api/v1/meetings.ics?token={secret}")
    );
    let mut conn = app.conn().await;
    let stored: Vec<Vec<u8>> = calendar_feed_tokens::table
        .select(calendar_feed_tokens::token_sha256)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].len(), 32);
    assert!(
        !stored[0]
            .windows(8)
            .any(|w| secret.as_bytes().windows(8).any(|s| s == w))
    );

    let (summaries, text) = feed_summaries(&app, &format!("?token={secret}")).await;
    assert_eq!(summaries.len(), 2);
    assert!(summaries.contains(&"21. Sitzung des Lenkungskreises".to_owned()));
    assert!(text.contains("TOP 3 Geheime Personalangelegenheit (nichtöffentlich)"));
    assert!(text.contains("CLASS:CONFIDENTIAL"));

    // Unknown tokens are refused, not silently downgraded.
    problem(feed(&app, "?token=srf_nope").await, 401).await;

    // Listing: the admin sees its tokens, another organization's admin may not.
    let listed = json(
        app.get("/api/v1/calendar-feed-tokens")
            .bearer_for(AHLEN, &["admin"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(listed.to_string().find(&secret).is_none());
    problem(
        app.get(&format!(
            "/api/v1/calendar-feed-tokens?organization={AHLEN}"
        ))
        .bearer_for(BECKUM, &["admin"])
        .send()
        .await
        .unwrap(),
        403,
    )
    .await;

    // Revoking: not by another organization's admin, nor by an editor; by the owner.
    let id = created["id"].as_str().unwrap();
    let before = app.trail_counts().await;
    for token in [token(BECKUM, &["admin"]), token(AHLEN, &["editor"])] {
        problem(
            app.delete(&format!("/api/v1/calendar-feed-tokens/{id}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
            403,
        )
        .await;
    }
    problem(
        app.delete(&format!("/api/v1/calendar-feed-tokens/{id}"))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    problem(
        app.delete(&format!(
            "/api/v1/calendar-feed-tokens/{}",
            uuid::Uuid::new_v4()
        ))
        .bearer_for(AHLEN, &["admin"])
        .send()
        .await
        .unwrap(),
        404,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
    let response = app
        .delete(&format!("/api/v1/calendar-feed-tokens/{id}"))
        .bearer_for(AHLEN, &["admin"])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    problem(feed(&app, &format!("?token={secret}")).await, 401).await;
}

#[actix_web::test]
async fn only_admins_and_the_steering_office_create_feed_tokens() {
    let app = TestApp::spawn().await;
    let before = app.trail_counts().await;
    for token in [token(AHLEN, &["editor"]), token(AHLEN, &["viewer"])] {
        problem(create_token(&app, &token, json!({"label": "x"})).await, 403).await;
    }
    problem(
        create_token(
            &app,
            &token(AHLEN, &["admin"]),
            json!({"organization": BECKUM, "label": "x"}),
        )
        .await,
        403,
    )
    .await;
    problem(
        app.post("/api/v1/calendar-feed-tokens")
            .json(&json!({"label": "x"}))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    let refused = problem(
        create_token(&app, &token(AHLEN, &["admin"]), json!({"label": "  "})).await,
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/label"]);
    assert_eq!(app.trail_counts().await, before);
    // The steering office creates one for any organization.
    let created = json(
        create_token(
            &app,
            &coordinator(),
            json!({"organization": TELGTE, "label": "Telgte"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(created["organization"], TELGTE);
}

#[actix_web::test]
async fn the_feed_streams_more_meetings_than_one_batch() {
    let app = TestApp::spawn().await;
    // More than the feed's batch of 100, written directly for speed.
    let mut conn = app.conn().await;
    let actor = smartregion::db::write::Actor::system("test-fixture");
    use smartregion::db::write::{Entry, Recorded, ScopedFutureExt, audited};
    audited(&mut conn, &actor, |conn| {
        async move {
            for n in 1..=130 {
                diesel::sql_query(format!(
                    "INSERT INTO meetings (number, title, starts_at, ends_at, location_address, public) \
                     VALUES ({n}, 'Sitzung {n}', '2026-01-01T17:00:00Z'::timestamptz + interval '{n} days', \
                     '2026-01-01T19:00:00Z'::timestamptz + interval '{n} days', 'Kreishaus', true)"
                ))
                .execute(conn)
                .await?;
            }
            // Each row needs an audit entry of its own (see the audit_tied_to_entity migration).
            use smartregion::db::schema::meetings;
            let ids: Vec<uuid::Uuid> = meetings::table.select(meetings::id).load(conn).await?;
            let mut recorded = Recorded::new(());
            for id in ids {
                recorded = recorded.with(Entry::created("meeting", id));
            }
            Ok(recorded)
        }
        .scope_boxed()
    })
    .await
    .unwrap();
    let (summaries, _) = feed_summaries(&app, "").await;
    assert_eq!(summaries.len(), 130);
    assert_eq!(summaries[0], "Sitzung 1");
    assert_eq!(summaries[129], "Sitzung 130");
}
