//! The export formats parsed back as their consumers would: iCalendar by a calendar parser,
//! CSV as German Excel reads it, and the printable HTML against a golden file.

use chrono::{NaiveDate, TimeZone, Utc};
use icalendar::{
    Calendar, CalendarComponent, CalendarDateTime, Component, DatePerhapsTime, Event, EventLike,
};
use serde_json::{Value, json};

use super::*;

async fn ics_raw(app: &TestApp, meeting: &str) -> String {
    let response = app
        .get(&format!("/api/v1/meetings/{meeting}/export?format=ics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    response.text().await.unwrap()
}

fn only_event(calendar: &Calendar) -> Event {
    let events: Vec<&Event> = calendar.events().collect();
    assert_eq!(events.len(), 1);
    events[0].clone()
}

async fn parsed_event(app: &TestApp, meeting: &str) -> (Calendar, Event) {
    let text = ics_raw(app, meeting).await;
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    let calendar: Calendar = text.parse().unwrap();
    let event = only_event(&calendar);
    (calendar, event)
}

/// The local start with its TZID, and the instant it denotes.
fn start_of(event: &Event) -> (chrono::NaiveDateTime, String, chrono::DateTime<Utc>) {
    match event.get_start() {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid })) => {
            let zone: chrono_tz::Tz = tzid.parse().unwrap();
            let instant = zone
                .from_local_datetime(&date_time)
                .single()
                .unwrap()
                .with_timezone(&Utc);
            (date_time, tzid, instant)
        }
        other => panic!("DTSTART without TZID: {other:?}"),
    }
}

#[actix_web::test]
async fn the_calendar_entry_parses_back_with_stable_uid_growing_sequence_and_berlin_times() {
    let app = TestApp::spawn().await;
    // Summer time starts on 2026-03-29: one meeting before, one after.
    let mut winter_body = meeting_body(
        1,
        "2026-03-26T17:00:00+01:00",
        "2026-03-26T19:00:00+01:00",
        true,
    );
    winter_body["online_url"] = json!("https://meet.example.org/lk1");
    let winter = create_meeting(&app, winter_body).await;
    let summer = create_meeting(
        &app,
        meeting_body(
            2,
            "2026-03-30T17:00:00+02:00",
            "2026-03-30T19:00:00+02:00",
            true,
        ),
    )
    .await;
    let winter_id = winter["id"].as_str().unwrap();
    let summer_id = summer["id"].as_str().unwrap();

    let (calendar, event) = parsed_event(&app, winter_id).await;
    let zone = calendar
        .components
        .iter()
        .find_map(|c| match c {
            CalendarComponent::Other(other) if other.component_kind() == "VTIMEZONE" => Some(other),
            _ => None,
        })
        .expect("a VTIMEZONE");
    assert_eq!(zone.property_value("TZID"), Some("Europe/Berlin"));
    let (local, tzid, instant) = start_of(&event);
    assert_eq!(tzid, "Europe/Berlin");
    assert_eq!(
        local,
        NaiveDate::from_ymd_opt(2026, 3, 26)
            .unwrap()
            .and_hms_opt(17, 0, 0)
            .unwrap()
    );
    assert_eq!(
        instant,
        Utc.with_ymd_and_hms(2026, 3, 26, 16, 0, 0).unwrap()
    );

    let (_, summer_event) = parsed_event(&app, summer_id).await;
    let (local, tzid, instant) = start_of(&summer_event);
    assert_eq!(tzid, "Europe/Berlin");
    assert_eq!(
        local,
        NaiveDate::from_ymd_opt(2026, 3, 30)
            .unwrap()
            .and_hms_opt(17, 0, 0)
            .unwrap()
    );
    assert_eq!(
        instant,
        Utc.with_ymd_and_hms(2026, 3, 30, 15, 0, 0).unwrap()
    );
    assert_ne!(summer_event.get_uid(), event.get_uid());

    let uid = event.get_uid().unwrap().to_owned();
    assert!(uid.contains(winter_id), "{uid}");
    let first_sequence = event.get_sequence().unwrap();
    assert_eq!(
        event.get_url(),
        Some(format!("{PUBLIC_URL}/api/v1/meetings/{winter_id}").as_str())
    );
    assert_eq!(
        event.get_location(),
        Some("Waldenburger Straße 2, 48231 Warendorf, Sitzungssaal 1")
    );
    assert_eq!(event.get_summary(), Some("1. Sitzung des Lenkungskreises"));
    let raw = unfold_ics(&ics_raw(&app, winter_id).await);
    assert!(
        raw.contains("CONFERENCE;FEATURE=VIDEO;VALUE=URI:https://meet.example.org/lk1"),
        "{raw}"
    );
    assert!(
        raw.contains("Online-Teilnahme: https://meet.example.org/lk1"),
        "{raw}"
    );
    assert_eq!(event.property_value("STATUS"), Some("TENTATIVE"));

    // Editing the meeting: same UID, higher SEQUENCE.
    let path = format!("/api/v1/meetings/{winter_id}");
    let tag = etag(&app, &path).await;
    json(
        app.patch(&path)
            .by_coordinator()
            .header("If-Match", tag)
            .json(&json!({"location_room": "Sitzungssaal 2"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let (_, edited) = parsed_event(&app, winter_id).await;
    assert_eq!(edited.get_uid(), Some(uid.as_str()));
    let second_sequence = edited.get_sequence().unwrap();
    assert!(second_sequence > first_sequence);
    assert!(edited.get_location().unwrap().ends_with("Sitzungssaal 2"));

    // Editing the agenda also raises it.
    add_item(
        &app,
        winter_id,
        json!({"number": "1", "title": "Bericht der Geschäftsstelle", "public": true}),
    )
    .await;
    let (_, with_agenda) = parsed_event(&app, winter_id).await;
    assert!(with_agenda.get_sequence().unwrap() > second_sequence);
    assert!(
        with_agenda
            .get_description()
            .unwrap()
            .contains("TOP 1 Bericht der Geschäftsstelle")
    );

    // Cancelling.
    transition(&app, winter_id, "invited", None).await;
    let (_, invited) = parsed_event(&app, winter_id).await;
    assert_eq!(invited.property_value("STATUS"), Some("CONFIRMED"));
    transition(&app, winter_id, "cancelled", Some("Krankheit")).await;
    let (_, cancelled) = parsed_event(&app, winter_id).await;
    assert_eq!(cancelled.get_uid(), Some(uid.as_str()));
    assert_eq!(cancelled.property_value("STATUS"), Some("CANCELLED"));
    assert!(cancelled.get_sequence().unwrap() > invited.get_sequence().unwrap());
    assert!(
        cancelled
            .get_description()
            .unwrap()
            .contains("Abgesagt: Krankheit")
    );
}

#[actix_web::test]
async fn the_csv_opens_in_german_excel() {
    let app = TestApp::spawn().await;
    let s = sample(&app).await;
    add_item(
        &app,
        &s.meeting,
        json!({"number": "4", "title": "Haushalt; \"Sondermittel\" 2027", "public": true}),
    )
    .await;
    let response = app
        .get(&format!("/api/v1/meetings/{}/export?format=csv", s.meeting))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("lenkungskreis-sitzung-7.csv")
    );
    let bytes = response.bytes().await.unwrap();
    // Excel detects UTF-8 by the byte order mark only.
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.contains("\r\n"), "Excel expects CRLF");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let headings: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headings,
        [
            "Sitzung",
            "Datum",
            "Beginn",
            "TOP",
            "Betreff",
            "Öffentlich",
            "Vortragende Organisation",
            "Projekte",
            "Beschlussvorschlag",
            "Ergebnis",
            "Beschlusstext",
            "Ja",
            "Nein",
            "Enthaltungen",
            "Stimmen je Organisation"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    // The public sees TOP 1, 2 and 4; TOP 3 is not public.
    let numbers: Vec<&str> = rows.iter().map(|r| r[3].as_str()).collect();
    assert_eq!(numbers, ["1", "2", "4"]);
    let top2 = &rows[1];
    assert_eq!(top2[0], "7. Sitzung");
    assert_eq!(top2[1], "26.03.2026");
    assert_eq!(top2[2], "17:00");
    assert_eq!(top2[4], "Glasfaser für Gewerbegebiete");
    assert_eq!(top2[5], "ja");
    assert_eq!(top2[6], "Ahlen");
    assert_eq!(top2[7], "DI-7 Glasfaser für Gewerbegebiete");
    assert_eq!(top2[9], "beschlossen");
    assert_eq!(&top2[11..14], ["2", "0", "1"]);
    assert_eq!(
        top2[14],
        "Ahlen: 1 ja, 0 nein, 0 Enthaltungen | Beckum: 1 ja, 0 nein, 1 Enthaltungen"
    );
    // A semicolon and quotes inside a value survive.
    assert_eq!(rows[2][4], "Haushalt; \"Sondermittel\" 2027");
    assert_eq!(rows[2][9], "");
}

const GOLDEN: &str = "tests/golden/meeting_minutes.html";

/// The printable minutes of the sample meeting, as a member sees them, against
/// `tests/golden/meeting_minutes.html`. After an intended change to the HTML, regenerate the
/// file with
///
/// ```text
/// UPDATE_GOLDEN=1 cargo test --test api meetings::exports::printable_minutes_match_the_golden_file
/// ```
///
/// and review the diff.
#[actix_web::test]
async fn printable_minutes_match_the_golden_file() {
    let app = TestApp::spawn().await;
    let s = sample(&app).await;
    let response = app
        .get(&format!(
            "/api/v1/meetings/{}/export?format=html",
            s.meeting
        ))
        .by_coordinator()
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let html = response.text().await.unwrap();
    // The meeting id is the one part that differs per run.
    let html = html.replace(&s.meeting, "{MEETING_ID}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &html).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        html == golden,
        "the HTML differs from {GOLDEN}; if intended, regenerate it with\n\n    \
         UPDATE_GOLDEN=1 cargo test --test api meetings::exports::printable_minutes_match_the_golden_file\n\n\
         got:\n{html}"
    );
    assert!(html.contains("@media print"));
    assert!(html.contains("<html lang=\"de\">"));
}

#[actix_web::test]
async fn the_printable_agenda_before_the_meeting_shows_proposals_and_hides_non_public_items() {
    let app = TestApp::spawn().await;
    let id = simple_meeting(&app, 9, true).await;
    add_item(
        &app,
        &id,
        json!({"number": "1", "title": "Öffentlicher <Punkt> & mehr", "public": true,
               "proposed_resolution": "Zustimmung"}),
    )
    .await;
    add_item(
        &app,
        &id,
        json!({"number": "2", "title": "Geheimer Punkt", "public": false}),
    )
    .await;
    let public = export(&app, &id, "html", None).await;
    assert!(public.contains("Einladung und Tagesordnung"));
    assert!(public.contains("Donnerstag, 7. Mai 2026"));
    assert!(public.contains("17:00 bis 19:00 Uhr"));
    // Escaped, not injected.
    assert!(
        public.contains("Öffentlicher &lt;Punkt&gt; &amp; mehr"),
        "{public}"
    );
    assert!(public.contains("Zustimmung"));
    assert!(!public.contains("Geheim"), "{public}");
    assert!(!public.contains("Nichtöffentlicher Teil"));
    let member = export(&app, &id, "html", Some(&token(AHLEN, &["viewer"]))).await;
    assert!(member.contains("Nichtöffentlicher Teil"));
    assert!(member.contains("Geheimer Punkt"));
    let document: Value = serde_json::from_str(&export(&app, &id, "json", None).await).unwrap();
    assert_eq!(document["meeting"]["number"], 9);
}
