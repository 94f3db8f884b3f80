//! Text fields refuse control characters (and, in names and titles, bidi overrides and formula
//! starts) with 422; and the exports stay safe whatever text is stored: no property injected
//! into iCalendar, formulas defused in CSV, markup escaped in HTML.

use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use smartregion::db::write::{Actor, Entry, Recorded, ScopedFutureExt, audited};
use uuid::Uuid;

use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;
use crate::meetings::{add_item, meeting_body, simple_meeting};

const HOSTILE_TITLES: [(&str, &str); 4] = [
    (
        "Sitzung\rATTENDEE;CN=Boss:mailto:boss@example.org",
        "must not contain control characters such as line breaks or tabs",
    ),
    (
        "Sitzung \u{202E}gnp.exe",
        "must not contain bidirectional formatting characters (U+202A to U+202E, U+2066 to U+2069)",
    ),
    (
        "=HYPERLINK(\"http://evil.example\",\"Klick\")",
        "must not start with `=`, which would make it a spreadsheet formula",
    ),
    (
        "＝HYPERLINK(\"http://evil.example\")",
        "must not start with `=`, which would make it a spreadsheet formula",
    ),
];

fn pointers(problem: &Value) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["pointer"].as_str().unwrap().to_owned(),
                e["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

#[actix_web::test]
async fn hostile_titles_are_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let before = app.trail_counts().await;
    for (title, detail) in HOSTILE_TITLES {
        let mut body = meeting_body(
            1,
            "2026-05-07T17:00:00+02:00",
            "2026-05-07T19:00:00+02:00",
            true,
        );
        body["title"] = json!(title);
        let response = app
            .post("/api/v1/meetings")
            .by_coordinator()
            .json(&body)
            .send()
            .await
            .unwrap();
        let refused = problem(response, 422).await;
        assert_eq!(
            pointers(&refused),
            [("/title".to_owned(), detail.to_owned())],
            "{title:?}"
        );

        let response = app
            .post("/api/v1/projects")
            .by_coordinator()
            .json(&json!({
                "code": "XS-1", "title": title,
                "field_of_action": "digital_infrastructure", "category": "lead"
            }))
            .send()
            .await
            .unwrap();
        let refused = problem(response, 422).await;
        assert_eq!(
            pointers(&refused),
            [("/title".to_owned(), detail.to_owned())],
            "{title:?}"
        );
    }
    assert_eq!(app.trail_counts().await, before, "a refused write wrote");
    let meetings = json(
        app.get("/api/v1/meetings")
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(meetings["items"], json!([]));
}

#[actix_web::test]
async fn multi_line_fields_take_line_feeds_and_tabs_only_and_every_bad_field_is_named() {
    let app = TestApp::spawn().await;
    let meeting = simple_meeting(&app, 1, true).await;
    let path = format!("/api/v1/meetings/{meeting}/agenda-items");
    // One request, every kind of mistake: each field is named.
    let response = app
        .post(&path)
        .by_coordinator()
        .json(&json!({
            "number": "1\t",
            "title": "Glasfaser\u{85}",
            "public": true,
            "proposed_resolution": "Zeile eins\rZeile zwei \u{1b}[31m",
        }))
        .send()
        .await
        .unwrap();
    let refused = problem(response, 422).await;
    let single = "must not contain control characters such as line breaks or tabs";
    assert_eq!(
        pointers(&refused),
        [
            ("/number".to_owned(), single.to_owned()),
            (
                "/proposed_resolution".to_owned(),
                "must not contain control characters other than line breaks (LF) and tabs"
                    .to_owned()
            ),
            ("/title".to_owned(), single.to_owned()),
        ]
    );
    // Line feeds, tabs and bidi characters (Hebrew, Arabic quotations) are fine in running
    // text; CRLF is stored as LF.
    let item = add_item(
        &app,
        &meeting,
        json!({
            "number": "1", "title": "Glasfaser", "public": true,
            "proposed_resolution": "Zeile eins\r\n\tZeile zwei\n\u{2067}עברית\u{2069}",
        }),
    )
    .await;
    assert_eq!(
        item["proposed_resolution"],
        "Zeile eins\n\tZeile zwei\n\u{2067}עברית\u{2069}"
    );
}

/// Writes `sql` (one UPDATE with the hostile text as `$1`) through the audited write path, as
/// text stored before this validation existed, or by another system, would be.
async fn store(app: &TestApp, entity: &'static str, id: Uuid, sql: &'static str, text: String) {
    let mut conn = app.conn().await;
    let actor = Actor::system("test-hostile-data");
    audited(&mut conn, &actor, move |conn| {
        let text = text.clone();
        async move {
            diesel::sql_query(sql)
                .bind::<diesel::sql_types::Text, _>(text)
                .bind::<diesel::sql_types::Uuid, _>(id)
                .execute(conn)
                .await?;
            Ok(Recorded::new(()).with(Entry::updated(entity, id)))
        }
        .scope_boxed()
    })
    .await
    .expect("hostile update");
}

const INJECTION: &str =
    "Sitzung\rATTENDEE;CN=Boss:mailto:boss@example.org\r\nATTACH:http://evil.example/x";

#[actix_web::test]
async fn exports_of_hostile_stored_text_stay_safe() {
    let app = TestApp::spawn().await;
    let meeting = simple_meeting(&app, 1, true).await;
    let item = add_item(
        &app,
        &meeting,
        json!({"number": "1", "title": "Glasfaser", "public": true}),
    )
    .await;
    let item_id: Uuid = item["id"].as_str().unwrap().parse().unwrap();
    let meeting_id: Uuid = meeting.parse().unwrap();
    store(
        &app,
        "meeting",
        meeting_id,
        "UPDATE meetings SET title = $1, location_room = $1 WHERE id = $2",
        format!("{INJECTION}<script>alert(1)</script>"),
    )
    .await;
    store(
        &app,
        "agenda_item",
        item_id,
        "UPDATE agenda_items SET title = $1 WHERE id = $2",
        "\n=HYPERLINK(\"http://evil.example\")<b>fett</b>\rEND:VEVENT".to_owned(),
    )
    .await;

    // iCalendar, the single meeting and the feed: every line a known property of ours.
    for path in [
        format!("/api/v1/meetings/{meeting}/export?format=ics"),
        "/api/v1/meetings.ics".to_owned(),
    ] {
        let response = app.get(&path).by_coordinator().send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let text = response.text().await.unwrap();
        let body = text.strip_suffix("\r\n").unwrap();
        let mut events = 0;
        for line in body.split("\r\n") {
            assert!(
                !line.contains(['\r', '\n']),
                "{path}: a bare line break in {line:?}"
            );
            assert!(
                !line.starts_with("ATTENDEE") && !line.starts_with("ATTACH"),
                "{path}: injected {line:?}"
            );
            events += usize::from(line == "END:VEVENT");
        }
        assert_eq!(events, 1, "{path}: {text}");
        let calendar: icalendar::Calendar = text.parse().unwrap();
        assert_eq!(calendar.events().count(), 1);
    }

    // CSV: the agenda with the formula title, guarded although it starts with a line feed.
    let response = app
        .get(&format!("/api/v1/meetings/{meeting}/export?format=csv"))
        .by_coordinator()
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&bytes[3..]);
    let cells: Vec<String> = reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let title = cells
        .iter()
        .find(|c| c.contains("HYPERLINK"))
        .expect("the title is exported");
    assert!(title.starts_with("'\n=HYPERLINK"), "{title:?}");

    // HTML: markup is text.
    let response = app
        .get(&format!("/api/v1/meetings/{meeting}/export?format=html"))
        .by_coordinator()
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)</script>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<b>fett</b>"), "{html}");
    assert!(html.contains("&lt;b&gt;fett&lt;/b&gt;"), "{html}");
}

#[actix_web::test]
async fn the_participation_matrix_csv_guards_full_width_and_line_feed_formulas() {
    let app = TestApp::spawn().await;
    // Stored directly: the API would refuse both titles.
    ProjectBuilder::new("AA-1")
        .title("＝HYPERLINK(\"http://evil.example\")")
        .create(&app)
        .await;
    ProjectBuilder::new("AA-2")
        .title("\n@SUM(1+1)*cmd|' /C calc'!A0")
        .create(&app)
        .await;
    let response = app
        .get("/api/v1/participation-matrix?format=csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&bytes[3..]);
    let cells: Vec<String> = reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let full_width = cells.iter().find(|c| c.contains("HYPERLINK")).unwrap();
    assert_eq!(full_width, "'＝HYPERLINK(\"http://evil.example\")");
    let line_feed = cells.iter().find(|c| c.contains("@SUM")).unwrap();
    assert!(line_feed.starts_with("'\n@SUM"), "{line_feed:?}");
}
