//! Catalogue export and import: round trips, edits, per-row errors, access.

use reqwest::Response;
use serde_json::{Value, json};

use super::{Who, assert_refused, create_project, etag_of};
use crate::helpers::*;

/// A project with every exchanged field set, some values Excel would take for formulas.
async fn rich_project(app: &TestApp) -> String {
    let body = create_project(
        app,
        json!({
            "code": "TX-01", "title": "-Smarte Straßenbeleuchtung; \"LED\"",
            "summary": "Zeile eins\nZeile zwei", "description": "=1+1 ist **zwei**",
            "field_of_action": "climate_mobility_environment", "category": "potential",
            "lead_organization": AHLEN, "tags": ["energie", "licht"],
            "external_id": "HKR-2026-0042", "gender_equality_relevant": "no",
            "follow_up_costs_note": "Wartung 2.000 € jährlich", "internal_note": "@intern",
            "planned_start": "2027-01-01", "planned_end": "2027-12-31",
            "actual_start": "2027-02-01", "source_url": "https://smart-region-waf.de/x"
        }),
    )
    .await;
    body["id"].as_str().unwrap().to_owned()
}

async fn export(app: &TestApp, format: &str) -> Vec<u8> {
    let response = app
        .get(&format!("/api/v1/projects/export?format={format}"))
        .by_coordinator()
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

async fn import(app: &TestApp, content_type: &str, body: Vec<u8>) -> Response {
    app.post("/api/v1/projects/import")
        .by_coordinator()
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The `(row, column)` pairs of an import's error report.
fn row_errors(problem: &Value) -> Vec<(u64, String)> {
    problem["row_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn exporting_and_reimporting_an_unchanged_file_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = rich_project(&app).await;
    let etag = etag_of(&app, &format!("/api/v1/projects/{id}")).await;

    let csv = export(&app, "csv").await;
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("Kürzel;Externe ID;Titel;"), "{text}");
    assert!(
        text.contains("'-Smarte Straßenbeleuchtung"),
        "formula guard"
    );
    assert!(text.contains("01.01.2027"), "German dates");

    let json_export = export(&app, "json").await;
    let rows: Vec<Value> = serde_json::from_slice(&json_export).unwrap();
    assert!(rows.len() > 1, "the seeded catalogue and the new project");
    let ours = rows.iter().find(|r| r["code"] == "TX-01").unwrap();
    assert_eq!(ours["title"], "-Smarte Straßenbeleuchtung; \"LED\"");
    assert_eq!(ours["tags"], json!(["energie", "licht"]));
    assert_eq!(ours["planned_start"], "2027-01-01");

    for (content_type, body) in [
        ("text/csv; charset=utf-8", csv.clone()),
        ("application/json", json_export.clone()),
    ] {
        let before = app.trail_counts().await;
        let report = json(import(&app, content_type, body).await, 200).await;
        assert_eq!(report["created"], 0, "{content_type}: {report}");
        assert_eq!(report["updated"], 0, "{content_type}: {report}");
        assert_eq!(report["unchanged"], rows.len(), "{content_type}");
        assert_eq!(app.trail_counts().await, before, "{content_type} wrote");
        assert_eq!(
            etag_of(&app, &format!("/api/v1/projects/{id}")).await,
            etag,
            "{content_type} made a new version"
        );
    }
    // And the export after the round trip is byte for byte the same.
    assert_eq!(export(&app, "csv").await, csv);
}

#[actix_web::test]
async fn an_edited_file_creates_and_updates_matching_by_external_id_or_code() {
    let app = TestApp::spawn().await;
    let id = rich_project(&app).await;
    let mut rows: Vec<Value> = serde_json::from_slice(&export(&app, "json").await).unwrap();
    let count = rows.len();
    // Matched by external id: the code may change.
    let ours = rows.iter_mut().find(|r| r["code"] == "TX-01").unwrap();
    ours["code"] = json!("TX-02");
    ours["title"] = json!("Smarte Straßenbeleuchtung");
    // Matched by code (no external id): a seeded project gets one.
    let seeded_code = rows.iter().find(|r| r["external_id"].is_null()).unwrap()["code"].clone();
    let seeded = rows.iter_mut().find(|r| r["code"] == seeded_code).unwrap();
    seeded["external_id"] = json!("HKR-SEED-1");
    rows.push(json!({
        "code": "TX-03", "title": "Neues Projekt", "field_of_action": "digital_infrastructure",
        "category": "lead"
    }));
    let before = app.trail_counts().await;
    let report = json(
        import(&app, "application/json", serde_json::to_vec(&rows).unwrap()).await,
        200,
    )
    .await;
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(report["updated"], 2, "{report}");
    assert_eq!(report["unchanged"], count - 2);
    let after = app.trail_counts().await;
    assert_eq!((after.0 - before.0, after.1 - before.1), (3, 3));

    let project = json(
        app.get(&format!("/api/v1/projects/{id}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(project["code"], "TX-02");
    assert_eq!(project["title"], "Smarte Straßenbeleuchtung");
    let created = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["outcome"] == "created")
        .unwrap();
    assert_eq!(created["code"], "TX-03");
    let new = json(
        app.get(&format!(
            "/api/v1/projects/{}",
            created["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    assert_eq!(new["status"], "idea");
    // The CSV importer reads an edited CSV just the same.
    let csv = String::from_utf8(export(&app, "csv").await).unwrap();
    let edited = csv.replace("Neues Projekt", "Neues Projekt (geändert)");
    let report = json(import(&app, "text/csv", edited.into_bytes()).await, 200).await;
    assert_eq!(report["updated"], 1, "{report}");
}

#[actix_web::test]
async fn every_wrong_row_is_reported_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    rich_project(&app).await;
    let csv = String::from_utf8(export(&app, "csv").await).unwrap();
    let mut lines: Vec<String> = csv.split("\r\n").map(str::to_owned).collect();
    let heading = lines[0].clone();
    let good = "XX-01;;Gut;;;digital_infrastructure;lead;;;;;;;;;;";
    let bad = [
        // row 3: unknown category and field of action
        "XX-02;;Titel;;;kein_feld;leit;;;;;;;;;;",
        // row 4: bad code, empty title, bad date
        "xx;;;;;digital_infrastructure;lead;;;;;;31.02.2027;;;;",
        // row 5: the same code as row 2, an unknown lead, end before start
        "XX-01;;Doppelt;;;digital_infrastructure;lead;99999999;;;;;02.01.2027;01.01.2027;;;",
    ];
    lines = vec![heading.clone(), good.to_owned()];
    lines.extend(bad.iter().map(|l| (*l).to_owned()));
    let before = app.trail_counts().await;
    let report = problem(
        import(&app, "text/csv", lines.join("\r\n").into_bytes()).await,
        422,
    )
    .await;
    let mut errors = row_errors(&report);
    errors.sort();
    let expected: Vec<(u64, String)> = [
        (3, "category"),
        (4, "planned_start"),
        (5, "code"),
        (5, "lead_organization"),
        (5, "planned_end"),
    ]
    .iter()
    .map(|(r, c)| (*r, (*c).to_owned()))
    .collect();
    assert_eq!(errors, expected, "{report}");
    // A row with an unreadable cell is not checked further; with the cells fixed, the rule
    // violations of those rows show up too.
    let fixed = [
        heading.clone(),
        good.to_owned(),
        "XX-02;;Titel;;;kein_feld;lead;;;;;;;;;;".to_owned(),
        "xx;;;;;digital_infrastructure;lead;;;;;;;;;;".to_owned(),
    ];
    let report = problem(
        import(&app, "text/csv", fixed.join("\r\n").into_bytes()).await,
        422,
    )
    .await;
    let mut errors = row_errors(&report);
    errors.sort();
    assert_eq!(
        errors,
        [
            (3, "field_of_action".to_owned()),
            (4, "code".to_owned()),
            (4, "title".to_owned())
        ],
        "{report}"
    );
    assert!(
        pointers(&report).contains(&"/3/field_of_action".to_owned()),
        "{report}"
    );
    assert!(
        report["detail"]
            .as_str()
            .unwrap()
            .contains("nothing was imported")
    );
    assert_eq!(app.trail_counts().await, before);

    // Headings: unknown and missing columns.
    let report = problem(
        import(
            &app,
            "text/csv",
            b"Code;Titel;Status\r\nXX-01;Gut;idea".to_vec(),
        )
        .await,
        422,
    )
    .await;
    let errors = row_errors(&report);
    assert!(errors.contains(&(1, "Status".to_owned())), "{report}");
    assert!(
        errors.contains(&(1, "field_of_action".to_owned())),
        "{report}"
    );

    // JSON: typed per row and column.
    let rows = json!([
        {"code": "XX-05", "title": "Gut", "field_of_action": "digital_infrastructure", "category": "lead"},
        {"code": "XX-06", "title": "Schlecht", "field_of_action": "digital_infrastructure", "category": "leit"},
        {"code": "XX-07", "title": "Unbekannt", "field_of_action": "digital_infrastructure", "category": "lead", "status": "idea"},
        {"code": "XX-08", "title": "Datum", "field_of_action": "digital_infrastructure", "category": "lead", "planned_start": "morgen"}
    ]);
    let report = problem(
        import(&app, "application/json", serde_json::to_vec(&rows).unwrap()).await,
        422,
    )
    .await;
    let errors = row_errors(&report);
    assert_eq!(errors.len(), 3, "{report}");
    assert!(errors.contains(&(2, "category".to_owned())), "{report}");
    assert!(
        errors.contains(&(4, "planned_start".to_owned())),
        "{report}"
    );
    assert!(errors.iter().any(|(row, _)| *row == 3), "{report}");
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn rows_that_collide_with_other_or_deleted_projects_are_refused() {
    let app = TestApp::spawn().await;
    let first = rich_project(&app).await;
    let other = create_project(
        &app,
        json!({"code": "TX-09", "title": "Anderes", "field_of_action": "digital_infrastructure",
               "category": "lead"}),
    )
    .await;
    let gone = create_project(
        &app,
        json!({"code": "TX-10", "title": "Gelöscht", "field_of_action": "digital_infrastructure",
               "category": "lead"}),
    )
    .await;
    let response = app
        .delete(&format!(
            "/api/v1/projects/{}",
            gone["id"].as_str().unwrap()
        ))
        .by_coordinator()
        .header("If-Match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let _ = (first, other);
    let before = app.trail_counts().await;
    let rows = json!([
        // The external id of TX-01 with the code of TX-09.
        {"code": "TX-09", "external_id": "HKR-2026-0042", "title": "Kollision",
         "field_of_action": "digital_infrastructure", "category": "lead"},
        // The code of a deleted project.
        {"code": "TX-10", "title": "Wieder da", "field_of_action": "digital_infrastructure",
         "category": "lead"}
    ]);
    let report = problem(
        import(&app, "application/json", serde_json::to_vec(&rows).unwrap()).await,
        422,
    )
    .await;
    let mut errors = row_errors(&report);
    errors.sort();
    assert_eq!(
        errors,
        [(1, "code".to_owned()), (2, "code".to_owned())],
        "{report}"
    );
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn only_the_steering_office_exports_and_imports() {
    let app = TestApp::spawn().await;
    let callers = [
        (Who::Anonymous, 401),
        (Who::BadToken, 401),
        (Who::Org(AHLEN, "admin"), 403),
        (Who::Org(AHLEN, "editor"), 403),
        (Who::Org(DISTRICT, "viewer"), 403),
    ];
    for format in ["csv", "json"] {
        assert_refused(
            &app,
            "export",
            || app.get(&format!("/api/v1/projects/export?format={format}")),
            &callers,
        )
        .await;
    }
    assert_refused(
        &app,
        "import",
        || {
            app.post("/api/v1/projects/import")
                .header("content-type", "application/json")
                .body("[]")
        },
        &callers,
    )
    .await;
    assert_refused(
        &app,
        "import as text",
        || {
            app.post("/api/v1/projects/import")
                .header("content-type", "text/plain")
                .body("x")
        },
        &[(Who::Coordinator, 415)],
    )
    .await;
    assert_refused(
        &app,
        "unknown format",
        || app.get("/api/v1/projects/export?format=xlsx"),
        &[(Who::Coordinator, 400)],
    )
    .await;
    assert_refused(
        &app,
        "empty import",
        || {
            app.post("/api/v1/projects/import")
                .header("content-type", "application/json")
                .body("[]")
        },
        &[(Who::Coordinator, 422)],
    )
    .await;
}
