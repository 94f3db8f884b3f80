//! The participation matrix as JSON and as CSV for German Excel.

use serde_json::{Value, json};

use super::*;
use crate::helpers::builders::ProjectBuilder;

async fn fixture(app: &TestApp) -> (uuid::Uuid, uuid::Uuid) {
    let lead = ProjectBuilder::new("DI-1")
        .title("Digitale Dorfladenbox")
        .create(app)
        .await;
    let potential = ProjectBuilder::new("KM-2")
        .title("=HYPERLINK(\"http://x\")")
        .field("climate_mobility_environment")
        .category("potential")
        .create(app)
        .await;
    commit(app, lead, AHLEN).await;
    record(app, lead, OSTBEVERN, json!({"state": "interested"})).await;
    record(app, potential, BECKUM, json!({"state": "declined"})).await;
    (lead, potential)
}

#[actix_web::test]
async fn the_matrix_shows_every_project_and_organization_with_filters() {
    let app = TestApp::spawn().await;
    let (lead, potential) = fixture(&app).await;
    let matrix = json(
        app.get("/api/v1/participation-matrix")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let columns: Vec<&str> = matrix["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["key"].as_str().unwrap())
        .collect();
    assert_eq!(columns.len(), 15);
    assert_eq!(columns[0], DISTRICT);
    let rows = matrix["rows"].as_array().unwrap();
    // The two fixtures sort before the eight seeded projects (LP-.., PP-..).
    assert_eq!(rows.len(), 2 + 8);
    assert_eq!(rows[0]["project"]["id"], lead.to_string());
    assert_eq!(rows[0]["project"]["category"], "lead");
    assert_eq!(rows[0]["states"][AHLEN], "committed");
    assert_eq!(rows[0]["states"][OSTBEVERN], "interested");
    assert_eq!(rows[0]["states"][DISTRICT], Value::Null);
    assert_eq!(rows[0]["states"].as_object().unwrap().len(), 15);
    assert_eq!(rows[1]["project"]["id"], potential.to_string());
    assert_eq!(rows[1]["states"][BECKUM], "declined");
    assert_eq!(rows[1]["states"][AHLEN], Value::Null);

    let codes = |body: &Value| -> Vec<String> {
        body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["project"]["code"].as_str().unwrap().to_owned())
            .collect()
    };
    for (query, expected) in [
        ("field_of_action=climate_mobility_environment", vec!["KM-2"]),
        (
            "category=lead",
            vec!["DI-1", "LP-01", "LP-02", "LP-03", "LP-04", "LP-05", "LP-06"],
        ),
        (
            "category=potential&field_of_action=digital_infrastructure",
            vec![],
        ),
        ("field_of_action=administration", vec!["LP-05", "LP-06"]),
    ] {
        let body = json(
            app.get(&format!("/api/v1/participation-matrix?{query}"))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(codes(&body), expected, "{query}");
    }
    let unknown = problem(
        app.get("/api/v1/participation-matrix?field_of_action=space")
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&unknown), ["/query/field_of_action"]);
    for query in ["category=flagship", "format=xlsx"] {
        problem(
            app.get(&format!("/api/v1/participation-matrix?{query}"))
                .send()
                .await
                .unwrap(),
            400,
        )
        .await;
    }
}

/// Reads the CSV the way German Excel does: UTF-8 after the BOM, `;` as separator.
fn read_as_german_excel(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .expect("a UTF-8 byte-order mark, without which Excel garbles umlauts");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(text);
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[actix_web::test]
async fn the_csv_opens_in_german_excel() {
    let app = TestApp::spawn().await;
    fixture(&app).await;
    let response = app
        .get("/api/v1/participation-matrix?format=csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("beteiligungsmatrix.csv")
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.windows(2).any(|w| w == b"\r\n"), "CRLF line ends");
    let table = read_as_german_excel(&bytes);
    // Headings, the two fixtures and the eight seeded projects.
    assert_eq!(table.len(), 1 + 2 + 8);
    let headings = &table[0];
    assert_eq!(
        &headings[..4],
        ["Projektkürzel", "Projekt", "Handlungsfeld", "Kategorie"]
    );
    assert_eq!(headings.len(), 4 + 15);
    assert_eq!(headings[4], "Kreis Warendorf");
    let column = |name: &str| headings.iter().position(|h| h == name).unwrap();
    let (ahlen, beckum, ostbevern) = (column("Ahlen"), column("Beckum"), column("Ostbevern"));
    for row in &table {
        assert_eq!(row.len(), headings.len(), "every row has every column");
    }

    let lead = &table[1];
    assert_eq!(lead[0], "DI-1");
    assert_eq!(lead[1], "Digitale Dorfladenbox");
    assert_eq!(lead[2], "Digitale Infrastruktur");
    assert_eq!(lead[3], "Leitprojekt");
    assert_eq!(lead[ahlen], "Verbindlich beteiligt");
    assert_eq!(lead[ostbevern], "Interesse");
    assert_eq!(lead[beckum], "");
    assert_eq!(lead[4], "", "the district takes no part");

    let potential = &table[2];
    assert_eq!(potential[0], "KM-2");
    // A title that Excel would run as a formula is defused.
    assert_eq!(potential[1], "'=HYPERLINK(\"http://x\")");
    // A comma inside a field stays in the field (German Excel splits on `;` only).
    assert_eq!(potential[2], "Klimaschutz, Mobilität & Umwelt");
    assert_eq!(potential[3], "Potentialprojekt");
    assert_eq!(potential[beckum], "Abgelehnt");

    let filtered = app
        .get("/api/v1/participation-matrix?format=csv&category=potential")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let table = read_as_german_excel(&filtered);
    assert_eq!(table.len(), 1 + 3, "KM-2 and the seeded PP-01, PP-02");
    assert_eq!(table[1][0], "KM-2");
}

#[actix_web::test]
async fn the_matrix_pages_by_code_and_the_csv_streams_every_project() {
    let app = TestApp::spawn().await;
    // 600 synthetic projects (more than one CSV batch) after the 8 seeded ones.
    let mut conn = app.conn().await;
    smartregion::bench_data::fill(&mut conn, 25, 3, |_| {})
        .await
        .unwrap();
    drop(conn);

    // JSON: pages of 200 by code, each with a cursor and a Link to the next one.
    let mut codes: Vec<String> = Vec::new();
    let mut url = "/api/v1/participation-matrix?limit=200".to_owned();
    let mut pages = 0;
    loop {
        let response = app.get(&url).send().await.unwrap();
        let link = response
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_owned());
        let page = json(response, 200).await;
        pages += 1;
        let rows = page["rows"].as_array().unwrap();
        assert!(rows.len() <= 200);
        codes.extend(
            rows.iter()
                .map(|r| r["project"]["code"].as_str().unwrap().to_owned()),
        );
        assert_eq!(page["organizations"].as_array().unwrap().len(), 15);
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                assert!(link.unwrap().contains("rel=\"next\""));
                url = format!("/api/v1/participation-matrix?limit=200&cursor={cursor}");
            }
            None => {
                assert!(link.is_none());
                break;
            }
        }
    }
    assert_eq!(pages, 4, "608 projects in pages of 200");
    assert_eq!(codes.len(), 608);
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(codes, sorted, "in code order, none twice");
    // A synthetic row has its seven opt-ins.
    let first = json(
        app.get("/api/v1/participation-matrix?limit=200&category=lead")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let synthetic = first["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["project"]["code"].as_str().unwrap().starts_with("SYN"))
        .unwrap();
    let taking_part = synthetic["states"]
        .as_object()
        .unwrap()
        .values()
        .filter(|s| !s.is_null())
        .count();
    assert_eq!(taking_part, 7);
    for bad in ["limit=0", "limit=201", "cursor=not-a-cursor"] {
        problem(
            app.get(&format!("/api/v1/participation-matrix?{bad}"))
                .send()
                .await
                .unwrap(),
            400,
        )
        .await;
    }

    // CSV: every project, in code order, however many batches it takes.
    let bytes = app
        .get("/api/v1/participation-matrix?format=csv")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let table = read_as_german_excel(&bytes);
    assert_eq!(table.len(), 1 + 608);
    let csv_codes: Vec<String> = table[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(csv_codes, codes);
    assert!(table.iter().all(|r| r.len() == 4 + 15));
}
