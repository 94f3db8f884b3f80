//! Initiative export and import: round trips, edits, per-row errors, rights.

use reqwest::Response;
use serde_json::{Value, json};

use super::{id_of, register};
use crate::helpers::*;
use crate::projects::etag_of;

async fn export(app: &TestApp, token: &str, format: &str) -> Vec<u8> {
    let response = app
        .get(&format!("/api/v1/initiatives/export?format={format}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

async fn import(app: &TestApp, token: &str, content_type: &str, body: Vec<u8>) -> Response {
    app.post("/api/v1/initiatives/import")
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn exporting_and_reimporting_an_unchanged_file_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = id_of(
        &register(
            &app,
            AHLEN,
            json!({"title": "-Dorfladen; \"digital\"", "summary": "=SUMME(A1)\nZeile zwei",
                   "status": "running", "start_date": "2027-01-01", "tags": ["laden", "paket"],
                   "contact_role": "Stabsstelle Digitalisierung", "visibility": "public",
                   "external_id": "AH-7", "link": "https://www.ahlen.de/x"}),
        )
        .await,
    );
    let path = format!("/api/v1/initiatives/{id}");
    let etag = etag_of(&app, &path).await;
    let ahlen = token(AHLEN, &["editor"]);
    let csv = export(&app, &ahlen, "csv").await;
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("ID;Organisation;Externe ID;Titel;"),
        "{text}"
    );
    assert!(text.contains("'-Dorfladen"), "formula guard: {text}");
    assert!(text.contains("'=SUMME"), "formula guard: {text}");
    assert!(text.contains("01.01.2027"), "German dates");
    let json_export = export(&app, &ahlen, "json").await;
    for (content_type, body) in [
        ("text/csv; charset=utf-8", csv.clone()),
        ("application/json", json_export),
    ] {
        let before = app.trail_counts().await;
        let report = json(import(&app, &ahlen, content_type, body).await, 200).await;
        assert_eq!(report["unchanged"], 1, "{content_type}: {report}");
        assert_eq!(report["created"], 0, "{content_type}: {report}");
        assert_eq!(app.trail_counts().await, before, "{content_type} wrote");
        assert_eq!(etag_of(&app, &path).await, etag);
    }
    assert_eq!(export(&app, &ahlen, "csv").await, csv);
}

#[actix_web::test]
async fn an_edited_file_creates_and_updates_all_or_nothing() {
    let app = TestApp::spawn().await;
    let id = id_of(
        &register(
            &app,
            AHLEN,
            json!({"title": "Dorfladen", "external_id": "AH-1"}),
        )
        .await,
    );
    let ahlen = token(AHLEN, &["admin"]);
    let mut rows: Vec<Value> = serde_json::from_slice(&export(&app, &ahlen, "json").await).unwrap();
    rows[0]["title"] = json!("Digitaler Dorfladen");
    rows[0]["status"] = json!("planned");
    // Matched by external id, without the id.
    let by_external = json!({"organization": AHLEN, "external_id": "AH-1", "title": "Digitaler Dorfladen",
                              "field_of_action": "town_village_centres", "status": "planned",
                              "visibility": "public"});
    let new_row = json!({"organization": AHLEN, "title": "Smarte Mülltonnen",
                         "field_of_action": "climate_mobility_environment", "status": "idea",
                         "visibility": "public"});

    // One bad row: nothing is written, every problem is reported by row and column.
    let before = app.trail_counts().await;
    let bad_row = json!({"organization": AHLEN, "title": "", "field_of_action": "space",
                         "status": "completed", "visibility": "public"});
    let body = serde_json::to_vec(&json!([rows[0], new_row, bad_row])).unwrap();
    let report = problem(import(&app, &ahlen, "application/json", body).await, 422).await;
    let mut columns: Vec<(u64, String)> = report["row_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    columns.sort();
    assert_eq!(
        columns,
        [
            (3, "end_date".to_owned()),
            (3, "field_of_action".to_owned()),
            (3, "start_date".to_owned()),
            (3, "title".to_owned())
        ],
        "{report}"
    );
    assert_eq!(app.trail_counts().await, before);

    let body = serde_json::to_vec(&json!([by_external, new_row])).unwrap();
    let report = json(import(&app, &ahlen, "application/json", body).await, 200).await;
    assert_eq!(report["updated"], 1, "{report}");
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(report["rows"][0]["id"], id);
    let changed = json(
        app.get(&format!("/api/v1/initiatives/{id}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(changed["title"], "Digitaler Dorfladen");
    assert_eq!(changed["status"], "planned");

    // A lifecycle jump is a row error: planned -> completed.
    let mut jump = by_external.clone();
    jump["status"] = json!("completed");
    jump["start_date"] = json!("2027-01-01");
    jump["end_date"] = json!("2027-02-01");
    let body = serde_json::to_vec(&json!([jump])).unwrap();
    let report = problem(import(&app, &ahlen, "application/json", body).await, 422).await;
    assert_eq!(report["row_errors"][0]["column"], "status", "{report}");
}

#[actix_web::test]
async fn a_municipality_imports_only_its_own_rows() {
    let app = TestApp::spawn().await;
    let telgte_row = json!([{"organization": TELGTE, "title": "Fremd",
                             "field_of_action": "town_village_centres", "status": "idea",
                             "visibility": "public"}]);
    let body = serde_json::to_vec(&telgte_row).unwrap();
    let before = app.trail_counts().await;
    let refused = problem(
        import(
            &app,
            &token(AHLEN, &["admin"]),
            "application/json",
            body.clone(),
        )
        .await,
        403,
    )
    .await;
    assert!(
        refused["detail"].as_str().unwrap().contains('1'),
        "{refused}"
    );
    problem(
        import(
            &app,
            &token(TELGTE, &["viewer"]),
            "application/json",
            body.clone(),
        )
        .await,
        403,
    )
    .await;
    problem(
        app.post("/api/v1/initiatives/import")
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    problem(
        import(&app, &coordinator(), "application/xml", body.clone()).await,
        415,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
    // The steering office imports for Telgte.
    let report = json(
        import(&app, &coordinator(), "application/json", body).await,
        200,
    )
    .await;
    assert_eq!(report["created"], 1);
    // Moving an initiative to another municipality by its id is a row error.
    let id = report["rows"][0]["id"].as_str().unwrap();
    let moved = json!([{"id": id, "organization": AHLEN, "title": "Fremd",
                         "field_of_action": "town_village_centres", "status": "idea",
                         "visibility": "public"}]);
    let report = problem(
        import(
            &app,
            &coordinator(),
            "application/json",
            serde_json::to_vec(&moved).unwrap(),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(report["row_errors"][0]["column"], "organization");
}
