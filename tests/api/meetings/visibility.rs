//! What anonymous callers, members and the steering office see, in the JSON API and in every
//! export format.

use serde_json::{Value, json};

use super::*;

fn assert_hides_secrets(text: &str, context: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{context} shows {secret:?}:\n{text}"
        );
    }
}

fn assert_shows_secrets(text: &str, context: &str) {
    for secret in SECRETS {
        assert!(text.contains(secret), "{context} lacks {secret:?}:\n{text}");
    }
}

#[actix_web::test]
async fn the_public_sees_public_meetings_and_public_items_only() {
    let app = TestApp::spawn().await;
    let s = sample(&app).await;
    approve(&app, &s.meeting).await;
    let hidden = simple_meeting(&app, 20, false).await;

    // Lists.
    let public_list = json(app.get("/api/v1/meetings").send().await.unwrap(), 200).await;
    let ids: Vec<&str> = public_list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [s.meeting.as_str()]);
    let member_list = json(
        app.get("/api/v1/meetings")
            .bearer_for(BECKUM, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(member_list["items"].as_array().unwrap().len(), 2);

    // A non-public meeting does not exist for the public, in any of its resources.
    for suffix in [
        "",
        "/agenda-items",
        "/attendance",
        "/minutes",
        "/export?format=ics",
    ] {
        problem(
            app.get(&format!("/api/v1/meetings/{hidden}{suffix}"))
                .send()
                .await
                .unwrap(),
            404,
        )
        .await;
        if suffix != "/minutes" {
            // (The meeting has no minutes: 404 for members too.)
            let response = app
                .get(&format!("/api/v1/meetings/{hidden}{suffix}"))
                .bearer_for(TELGTE, &["viewer"])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{suffix}");
        }
    }

    // The agenda: the non-public item is left out, and 404 on its own.
    let agenda = json(
        app.get(&format!("/api/v1/meetings/{}/agenda-items", s.meeting))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let numbers: Vec<&str> = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["1", "2"]);
    assert_hides_secrets(&agenda.to_string(), "public agenda");
    problem(
        app.get(&format!(
            "/api/v1/meetings/{}/agenda-items/{}",
            s.meeting, s.secret_item
        ))
        .send()
        .await
        .unwrap(),
        404,
    )
    .await;
    let member_item = json(
        app.get(&format!(
            "/api/v1/meetings/{}/agenda-items/{}",
            s.meeting, s.secret_item
        ))
        .bearer_for(OSTBEVERN, &["viewer"])
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    assert_eq!(
        member_item["votes_by_organization"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Public items keep their per-organization votes.
    let public_item = &agenda["items"][1];
    assert_eq!(
        public_item["votes"],
        json!({"yes": 2, "no": 0, "abstentions": 1})
    );
    assert_eq!(
        public_item["votes_by_organization"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Attendance: names only with consent.
    let attendance = json(
        app.get(&format!("/api/v1/meetings/{}/attendance", s.meeting))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let text = attendance.to_string();
    assert!(text.contains("Erika Mustermann"));
    assert_hides_secrets(&text, "public attendance");
    let member_attendance = json(
        app.get(&format!("/api/v1/meetings/{}/attendance", s.meeting))
            .bearer_for(AHLEN, &["editor"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(member_attendance.to_string().contains("Max Verborgen"));

    // Minutes: the public part only.
    let minutes = json(
        app.get(&format!("/api/v1/meetings/{}/minutes", s.meeting))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(minutes["non_public_text"], Value::Null);
    assert_eq!(minutes["chair"]["name"], "Erika Mustermann");
    assert_eq!(minutes["secretary"]["name"], Value::Null);
    assert_hides_secrets(&minutes.to_string(), "public minutes");

    // Committee members: names only with consent.
    let members = json(
        app.get("/api/v1/committee/members").send().await.unwrap(),
        200,
    )
    .await;
    assert_hides_secrets(&members.to_string(), "public member list");
    assert!(members.to_string().contains("Erika Mustermann"));
    let members = json(
        app.get("/api/v1/committee/members")
            .bearer_for(TELGTE, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(members.to_string().contains("Sabine Schreiber"));
}

#[actix_web::test]
async fn draft_minutes_are_for_members_only() {
    let app = TestApp::spawn().await;
    let s = sample(&app).await;
    let path = format!("/api/v1/meetings/{}/minutes", s.meeting);
    problem(app.get(&path).send().await.unwrap(), 404).await;
    let draft = json(
        app.get(&path)
            .bearer_for(BECKUM, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(draft["approved"], false);
    assert_eq!(draft["non_public_text"], "Vertrauliche Beratung zu TOP 3.");
    let exported: Value =
        serde_json::from_str(&export(&app, &s.meeting, "json", None).await).unwrap();
    assert_eq!(exported["minutes"], Value::Null);
}

#[actix_web::test]
async fn every_export_format_shows_the_public_only_what_the_api_shows() {
    let app = TestApp::spawn().await;
    let s = sample(&app).await;
    approve(&app, &s.meeting).await;
    let viewer = token(BECKUM, &["viewer"]);
    for format in ["json", "csv", "ics", "html"] {
        let public = export(&app, &s.meeting, format, None).await;
        assert_hides_secrets(&public, &format!("public {format}"));
        assert!(public.contains("Glasfaser für Gewerbegebiete"), "{format}");
        let member = export(&app, &s.meeting, format, Some(&viewer)).await;
        let coordinator = export(&app, &s.meeting, format, Some(&coordinator())).await;
        match format {
            // CSV holds the agenda (no attendance or minutes), the calendar entry the agenda
            // titles: the non-public item is there for members.
            "csv" | "ics" => {
                for text in [&member, &coordinator] {
                    assert!(text.contains("Geheime Personalangelegenheit"), "{format}");
                }
            }
            _ => {
                assert_shows_secrets(&member, &format!("member {format}"));
                assert_shows_secrets(&coordinator, &format!("coordinator {format}"));
            }
        }
    }
    // The JSON export holds the whole meeting; the public gets no action items.
    let public: Value =
        serde_json::from_str(&export(&app, &s.meeting, "json", None).await).unwrap();
    assert_eq!(public["agenda_items"].as_array().unwrap().len(), 2);
    assert_eq!(public["action_items"], json!([]));
    assert_eq!(public["minutes"]["non_public_text"], Value::Null);
    let member: Value =
        serde_json::from_str(&export(&app, &s.meeting, "json", Some(&viewer)).await).unwrap();
    assert_eq!(member["agenda_items"].as_array().unwrap().len(), 3);
    assert_eq!(member["action_items"].as_array().unwrap().len(), 1);
    assert_eq!(member["attendance"].as_array().unwrap().len(), 4);
    // CSV for members: the non-public votes per organization.
    let csv = export(&app, &s.meeting, "csv", Some(&viewer)).await;
    assert!(csv.contains("Ahlen: 0 ja, 1 nein, 0 Enthaltungen"), "{csv}");
    let csv = export(&app, &s.meeting, "csv", None).await;
    assert!(!csv.contains("Ahlen: 0 ja, 1 nein"), "{csv}");
    problem(
        app.get(&format!("/api/v1/meetings/{}/export?format=pdf", s.meeting))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
}
