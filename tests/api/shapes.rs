//! Whole answers compared with reviewed snapshots (`tests/api/snapshots/`), where a shape has
//! many fields and a field-by-field test would be long and still miss a new or renamed one.
//! Ids, times and versions that differ from run to run are redacted; everything else must be
//! exactly as reviewed. The behaviour tests of each resource stay where they are.
//!
//! A changed answer fails here; review it with `cargo insta review` (or rerun with
//! `INSTA_UPDATE=always` and read the diff of the `.snap` file) before committing it.

use insta::{Settings, assert_json_snapshot};
use serde_json::{Value, json};

use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;

/// Snapshot settings that replace what changes between runs: ids and timestamps.
fn stable() -> Settings {
    let mut settings = Settings::clone_current();
    settings.set_sort_maps(true);
    for selector in [".id", ".**.id", ".**.project_id", ".**.indicator_id"] {
        settings.add_redaction(selector, "[id]");
    }
    for selector in [
        ".created_at",
        ".updated_at",
        ".**.created_at",
        ".**.updated_at",
    ] {
        settings.add_redaction(selector, "[time]");
    }
    settings
}

#[actix_web::test]
async fn a_project_as_members_read_it() {
    let app = TestApp::spawn().await;
    let id = ProjectBuilder::new("SN-01")
        .title("Smarte Straßenbeleuchtung")
        .lead(AHLEN)
        .tag("energie")
        .create(&app)
        .await;
    let project = json(
        app.get(&format!("/api/v1/projects/{id}"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    stable().bind(|| assert_json_snapshot!("project", project));
}

#[actix_web::test]
async fn a_projects_milestones_indicators_and_measurements() {
    let app = TestApp::spawn().await;
    let id = ProjectBuilder::new("SN-02").lead(AHLEN).create(&app).await;
    let base = format!("/api/v1/projects/{id}");
    let post = |path: String, body: Value| {
        let app = &app;
        async move {
            json(
                app.post(&path)
                    .by_coordinator()
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
                201,
            )
            .await
        }
    };
    post(
        format!("{base}/milestones"),
        json!({"title": "Förderantrag eingereicht", "planned_date": "2026-06-30"}),
    )
    .await;
    post(
        format!("{base}/milestones"),
        json!({"title": "Ausschreibung", "planned_date": "2026-03-31", "state": "done",
               "actual_date": "2026-03-20"}),
    )
    .await;
    let indicator = post(
        format!("{base}/indicators"),
        json!({"name": "Angeschlossene Sensoren", "unit": "Anzahl", "baseline": 0,
               "target": 500, "target_date": "2027-12-31"}),
    )
    .await;
    let iid = indicator["id"].as_str().unwrap();
    post(
        format!("{base}/indicators/{iid}/measurements"),
        json!({"measured_on": "2026-06-30", "value": 120, "note": "Quartalszählung"}),
    )
    .await;

    let mut pages = serde_json::Map::new();
    for list in ["milestones", "indicators"] {
        let page = json(
            app.get(&format!("{base}/{list}")).send().await.unwrap(),
            200,
        )
        .await;
        pages.insert(list.into(), page);
    }
    let measurements = json(
        app.get(&format!("{base}/indicators/{iid}/measurements"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    pages.insert("measurements".into(), measurements);
    stable().bind(|| assert_json_snapshot!("project_records", pages));
}

#[actix_web::test]
async fn a_refused_write_as_a_problem_document() {
    let app = TestApp::spawn().await;
    let id = ProjectBuilder::new("SN-03").lead(AHLEN).create(&app).await;
    let response = app
        .post(&format!("/api/v1/projects/{id}/milestones"))
        .by_coordinator()
        .json(&json!({"title": " ", "planned_date": "2026-06-30"}))
        .send()
        .await
        .unwrap();
    let problem = problem(response, 422).await;
    stable().bind(|| assert_json_snapshot!("problem_invalid_field", problem));
}
