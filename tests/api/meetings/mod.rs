//! Steering-committee meetings: lifecycle and freezing, visibility in the JSON API and in
//! every export format, the calendar feed, and the refusals.

mod action_items;
mod committee;
mod exports;
mod feed;
mod lifecycle;
mod refusals;
mod visibility;

use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;

pub fn put(app: &TestApp, path: &str) -> RequestBuilder {
    app.request(Method::PUT, path)
}

/// The ETag a member reads at `path`.
pub async fn etag(app: &TestApp, path: &str) -> String {
    let response = app.get(path).by_coordinator().send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.headers()["etag"].to_str().unwrap().to_owned()
}

pub async fn create_meeting(app: &TestApp, body: Value) -> Value {
    json(
        app.post("/api/v1/meetings")
            .by_coordinator()
            .json(&body)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await
}

pub fn meeting_body(number: i64, starts_at: &str, ends_at: &str, public: bool) -> Value {
    json!({
        "number": number,
        "title": format!("{number}. Sitzung des Lenkungskreises"),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "location_address": "Waldenburger Straße 2, 48231 Warendorf",
        "location_room": "Sitzungssaal 1",
        "public": public,
    })
}

pub async fn simple_meeting(app: &TestApp, number: i64, public: bool) -> String {
    let m = create_meeting(
        app,
        meeting_body(
            number,
            "2026-05-07T17:00:00+02:00",
            "2026-05-07T19:00:00+02:00",
            public,
        ),
    )
    .await;
    m["id"].as_str().unwrap().to_owned()
}

pub async fn add_item(app: &TestApp, meeting: &str, body: Value) -> Value {
    json(
        app.post(&format!("/api/v1/meetings/{meeting}/agenda-items"))
            .by_coordinator()
            .json(&body)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await
}

/// Moves a meeting to `state` as the coordinator.
pub async fn transition(app: &TestApp, meeting: &str, state: &str, reason: Option<&str>) -> Value {
    let path = format!("/api/v1/meetings/{meeting}");
    let tag = etag(app, &path).await;
    let mut body = json!({"state": state});
    if let Some(reason) = reason {
        body["reason"] = json!(reason);
    }
    json(
        put(app, &format!("{path}/state"))
            .by_coordinator()
            .header("If-Match", tag)
            .json(&body)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

pub async fn patch_item(app: &TestApp, meeting: &str, item: &str, body: Value) -> Value {
    let path = format!("/api/v1/meetings/{meeting}/agenda-items/{item}");
    let tag = etag(app, &path).await;
    json(
        app.patch(&path)
            .by_coordinator()
            .header("If-Match", tag)
            .json(&body)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

pub async fn add_member(app: &TestApp, org: &str, name: &str, role: &str, consent: bool) -> String {
    let body = json(
        app.post("/api/v1/committee/members")
            .by_coordinator()
            .json(&json!({
                "organization": org, "name": name, "role": role, "voting_right": true,
                "start_date": "2025-11-01", "name_public_consent": consent
            }))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    body["id"].as_str().unwrap().to_owned()
}

/// A held, public meeting with a public and a non-public agenda part, votes, attendance,
/// minutes and an action item. Every secret in it contains "Geheim", "Vertraulich" or the
/// name "Sabine" (a delegate without consent), so tests can search for them.
pub struct Sample {
    pub meeting: String,
    pub public_item: String,
    pub secret_item: String,
    pub project: Uuid,
}

pub const SECRETS: [&str; 4] = ["Geheim", "Vertraulich", "Sabine", "Max Verborgen"];

pub async fn sample(app: &TestApp) -> Sample {
    let project = ProjectBuilder::new("DI-7")
        .title("Glasfaser für Gewerbegebiete")
        .create(app)
        .await;
    let chair = add_member(app, AHLEN, "Erika Mustermann", "chair", true).await;
    let beckum = add_member(app, BECKUM, "Max Verborgen", "member", false).await;
    let secretary = add_member(app, DISTRICT, "Sabine Schreiber", "secretary", false).await;
    let mut body = meeting_body(
        7,
        "2026-03-26T17:00:00+01:00",
        "2026-03-26T19:00:00+01:00",
        true,
    );
    body["title"] = json!("7. Sitzung des Lenkungskreises Smart Region");
    body["online_url"] = json!("https://meet.example.org/lk7");
    let meeting = create_meeting(app, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    add_item(
        app,
        &meeting,
        json!({"number": "1", "title": "Begrüßung und Feststellung der Tagesordnung", "public": true}),
    )
    .await;
    let public_item = add_item(
        app,
        &meeting,
        json!({
            "number": "2", "title": "Glasfaser für Gewerbegebiete", "public": true,
            "presenter_organization": AHLEN, "project_ids": [project],
            "proposed_resolution": "Der Lenkungskreis empfiehlt die Umsetzung."
        }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret_item = add_item(
        app,
        &meeting,
        json!({
            "number": "3", "title": "Geheime Personalangelegenheit", "public": false,
            "presenter_organization": BECKUM,
            "proposed_resolution": "Geheimer Beschlussvorschlag"
        }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    transition(app, &meeting, "invited", None).await;
    transition(app, &meeting, "held", None).await;
    patch_item(
        app,
        &meeting,
        &public_item,
        json!({
            "result": "adopted", "resolution_text": "Der Lenkungskreis empfiehlt die Umsetzung.",
            "votes": {"yes": 2, "no": 0, "abstentions": 1},
            "votes_by_organization": [
                {"organization": AHLEN, "yes": 1, "no": 0, "abstentions": 0},
                {"organization": BECKUM, "yes": 1, "no": 0, "abstentions": 1}
            ]
        }),
    )
    .await;
    patch_item(
        app,
        &meeting,
        &secret_item,
        json!({
            "result": "rejected", "resolution_text": "Geheimer Beschluss",
            "votes": {"yes": 0, "no": 2, "abstentions": 0},
            "votes_by_organization": [
                {"organization": AHLEN, "yes": 0, "no": 1, "abstentions": 0},
                {"organization": BECKUM, "yes": 0, "no": 1, "abstentions": 0}
            ]
        }),
    )
    .await;
    for (org, body) in [
        (
            AHLEN,
            json!({"status": "present", "delegate_member_ids": [chair],
                   "arrived_at": "2026-03-26T17:00:00+01:00", "left_at": "2026-03-26T19:00:00+01:00"}),
        ),
        (
            BECKUM,
            json!({"status": "present", "delegate_member_ids": [beckum]}),
        ),
        (
            DISTRICT,
            json!({"status": "present", "delegate_member_ids": [secretary]}),
        ),
        (TELGTE, json!({"status": "excused"})),
    ] {
        json(
            put(app, &format!("/api/v1/meetings/{meeting}/attendance/{org}"))
                .by_coordinator()
                .json(&body)
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
    }
    json(
        put(app, &format!("/api/v1/meetings/{meeting}/minutes"))
            .by_coordinator()
            .json(&json!({
                "public_text": "Die Sitzung wurde um 17:00 Uhr eröffnet.\nDie Tagesordnung wurde festgestellt.",
                "non_public_text": "Vertrauliche Beratung zu TOP 3.",
                "chair_member_id": chair, "secretary_member_id": secretary
            }))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    json(
        app.post("/api/v1/action-items")
            .by_coordinator()
            .json(&json!({
                "title": "Förderantrag vorbereiten", "agenda_item_id": public_item,
                "owner_organization": AHLEN, "due_date": "2026-06-30"
            }))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    Sample {
        meeting,
        public_item,
        secret_item,
        project,
    }
}

/// Approves the sample's minutes (so that the public may read their public part).
pub async fn approve(app: &TestApp, meeting: &str) -> Value {
    let tag = etag(app, &format!("/api/v1/meetings/{meeting}/minutes")).await;
    json(
        app.post(&format!("/api/v1/meetings/{meeting}/minutes/approve"))
            .by_coordinator()
            .header("If-Match", tag)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

/// The body of an export as text.
pub async fn export(app: &TestApp, meeting: &str, format: &str, auth: Option<&str>) -> String {
    let mut request = app.get(&format!(
        "/api/v1/meetings/{meeting}/export?format={format}"
    ));
    if let Some(token) = auth {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{format}");
    let text = response.text().await.unwrap();
    if format == "ics" {
        // Unfold the 75-octet lines and unescape, so that searches see whole values.
        unfold_ics(&text)
    } else {
        text
    }
}

/// iCalendar text with folded lines joined and text escapes removed.
pub fn unfold_ics(text: &str) -> String {
    text.replace("\r\n ", "")
        .replace("\\n", "\n")
        .replace("\\,", ",")
        .replace("\\;", ";")
}

/// A timestamp of a response, for comparing instants (not their text).
pub fn instant(value: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap()).unwrap()
}
